"""The repository cites its own docs: no file points outside it, and every
"docs/<name>.md §N" citation names an existing file and an existing section."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Built from parts, so that this file does not match its own patterns.
OUTSIDE = ("..", "/shared")
OUTSIDE_DOCS = re.compile(r"(?<!\w)(?:domain|design)\.md")
DOCS_CITED = re.compile(r"(?<![\w/])docs/(?:domain|design)\.md")
CITATION = re.compile(r"docs/([\w-]+)\.md`?((?:\s*(?:,|and|or|-|–)?\s*§\s*\d+(?:\.\d+)*)+)")
SECTION_NUMBER = re.compile(r"§\s*(\d+(?:\.\d+)*)")
HEADING = re.compile(r"^#{1,6}\s+(?:§\s*)?(\d+(?:\.\d+)*)\.?\s", re.MULTILINE)


def citations(text: str) -> list[tuple[str, str]]:
    """(doc name, section number) for every "docs/<name>.md §N" in ``text``; a list
    such as "docs/design.md §4, §5" gives one pair per section."""
    return [
        (m.group(1), n) for m in CITATION.finditer(text) for n in SECTION_NUMBER.findall(m.group(2))
    ]


def sections(markdown: str) -> set[str]:
    """The numbers of a document's numbered headings ("## 3. Who is tracked" -> "3",
    "### 3.2 Monitoring objects" -> "3.2")."""
    return set(HEADING.findall(markdown))


def bare_references(text: str) -> list[str]:
    """Mentions of the domain or design doc by a name other than docs/domain.md or
    docs/design.md (a file elsewhere, or a bare name)."""
    masked = DOCS_CITED.sub("", text)
    return OUTSIDE_DOCS.findall(masked)


def _tracked() -> dict[str, str]:
    """Every file tracked in git that exists and reads as text: path -> text."""
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    texts = {}
    for name in filter(None, out.split("\0")):
        path = ROOT / name
        if not path.is_file():
            continue  # deleted in the working tree
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary
        texts[name] = data.decode("utf-8", errors="replace")
    return texts


@pytest.fixture(scope="module")
def tracked() -> dict[str, str]:
    return _tracked()


# ----------------------------------------------------------------- the helpers


@pytest.mark.parametrize(
    "text, expected",
    [
        ("see docs/domain.md §3.4 for it", [("domain", "3.4")]),
        ("(docs/design.md §4, §5, §7)", [("design", "4"), ("design", "5"), ("design", "7")]),
        ("docs/domain.md §3 and §4", [("domain", "3"), ("domain", "4")]),
        ("`docs/registry.md` §1; and docs/quality.md", [("registry", "1")]),
        ("docs/domain.md, members", []),
        ("issue #16 §2", []),
    ],
)
def test_citations_are_read_with_every_section(text, expected):
    assert citations(text) == expected


def test_sections_are_the_numbered_headings():
    doc = (
        "# Title\n\n## 1. What it is\n\ntext §9\n\n### 1.2 A part\n\n## 10. Last\n\n## Unnumbered\n"
    )
    assert sections(doc) == {"1", "1.2", "10"}


MD = ".md"  # the cases below must not match the repository test themselves


@pytest.mark.parametrize(
    "text, expected",
    [
        ("docs/domain.md §3", []),
        ("`docs/design.md`", []),
        (f"(domain{MD} §4)", [f"domain{MD}"]),
        (f"see design{MD}", [f"design{MD}"]),
        (f"{OUTSIDE[0]}{OUTSIDE[1]}/docs/domain{MD} §2", [f"domain{MD}"]),
        (f"/elsewhere/docs/design{MD}", [f"design{MD}"]),
        (f"tests/test_domain{MD}", []),
    ],
)
def test_bare_references_are_those_without_docs(text, expected):
    assert bare_references(text) == expected


# ----------------------------------------------------------------- the repository


def test_the_domain_and_design_docs_exist_with_numbered_sections():
    for name in ("domain", "design"):
        numbers = sections((ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8"))
        top = sorted(int(n) for n in numbers if "." not in n)
        assert top == list(range(1, len(top) + 1)), name  # 1, 2, 3 … without gaps
        assert len(top) >= 8, name


def test_no_file_points_outside_the_repository(tracked):
    outside = "".join(OUTSIDE)
    found = {name: bare_references(text) for name, text in tracked.items()}
    assert {n: refs for n, refs in found.items() if refs} == {}
    assert [n for n, text in tracked.items() if outside in text] == []


def test_every_section_citation_exists(tracked):
    docs = {p.stem: sections(p.read_text(encoding="utf-8")) for p in (ROOT / "docs").glob("*.md")}
    broken = sorted(
        {
            (name, f"docs/{doc}.md §{n}")
            for name, text in tracked.items()
            for doc, n in citations(text)
            if doc not in docs or n not in docs[doc]
        }
    )
    assert broken == []
