"""The catalogue test: every msgid the code uses is translated in zh and en, every
catalogue msgid is used, and no t()/tn() call builds its msgid at run time."""

from __future__ import annotations

import ast
from pathlib import Path

from babel.messages.extract import extract_from_dir, extract_from_file

from i18n.catalog import EMPTY_FLAG, read_catalogue

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = (
    "access",
    "components",
    "domain",
    "etl",
    "exchange",
    "exports",
    "i18n",
    "ops",
    "pages",
    "queries",
    "services",
    "web",
)
CODE_FILES = ("app.py", "manage.py")
KEYWORDS = {"t": (1,), "tn": (1, 2), "N_": (1,)}


def extracted_msgids(root: Path, dirs=CODE_DIRS, files=CODE_FILES) -> set[str]:
    """The msgids Babel's python extractor finds in the code folders and files under ``root``."""
    found: set[str] = set()
    # Python code, and the Jinja templates of the exports (they call ``t`` too).
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]
    for d in dirs:
        if (root / d).is_dir():
            for _f, _l, msg, _c, _x in extract_from_dir(root / d, method_map, keywords=KEYWORDS):
                found.update(m for m in (msg if isinstance(msg, tuple) else (msg,)) if m)
    for name in files:
        if (root / name).is_file():
            for _l, msg, _c, _x in extract_from_file("python", root / name, keywords=KEYWORDS):
                found.update(m for m in (msg if isinstance(msg, tuple) else (msg,)) if m)
    return found


def catalogue_msgids(catalogue) -> dict[str, bool]:
    """msgid -> whether it is translated (non-empty text, or flagged ``#, empty``)."""
    out: dict[str, bool] = {}
    for m in catalogue:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        texts = m.string if isinstance(m.string, tuple) else (m.string,)
        ok = all(texts) or EMPTY_FLAG in m.flags
        for i in ids:
            out[i] = ok
    return out


def problems(used: set[str], catalogues: dict[str, dict[str, bool]]) -> dict[str, list[str]]:
    """Untranslated (used, missing or empty in a language) and unused (in a catalogue, not used)."""
    untranslated = sorted(
        f"{lang}:{m}" for lang, cat in catalogues.items() for m in used if not cat.get(m, False)
    )
    unused = sorted({m for cat in catalogues.values() for m in cat if m not in used})
    return {"untranslated": untranslated, "unused": unused}


def _calls(root: Path, dirs, files):
    """(path, call node, f-string nodes around it) for every t()/tn() call in the tree."""
    paths = [p for d in dirs for p in (root / d).rglob("*.py")] + [root / f for f in files]
    for p in paths:
        if not p.is_file():
            continue
        tree = ast.parse(p.read_text(encoding="utf-8"))
        in_fstring = {
            id(n) for j in ast.walk(tree) if isinstance(j, ast.JoinedStr) for n in ast.walk(j)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("t", "tn")
                and node.args
            ):
                yield p, node, id(node) in in_fstring


def dynamic_calls(root: Path, dirs=CODE_DIRS, files=CODE_FILES) -> list[str]:
    """t()/tn() calls the extractor cannot read: the msgid an f-string, a concatenation
    or a .format(), or a literal msgid in a call inside an f-string (which Babel skips)."""
    out = []
    for p, node, in_fstring in _calls(root, dirs, files):
        a = node.args[0]
        hidden = in_fstring and isinstance(a, ast.Constant)  # a literal Babel skips
        if (
            hidden
            or isinstance(a, (ast.JoinedStr, ast.BinOp))
            or (
                isinstance(a, ast.Call)
                and isinstance(a.func, ast.Attribute)
                and a.func.attr == "format"
            )
        ):
            out.append(f"{p.relative_to(root)}:{node.lineno}")
    return sorted(out)


# The layers below pages/ and web/ never fall back on the request's language
# (i18n/__init__.py): every t() names its language, and none asks for the request's.
LANG_EXPLICIT = ("access", "components", "domain", "etl", "exchange", "ops", "queries", "services")


def calls_without_lang(root: Path, dirs=LANG_EXPLICIT) -> list[str]:
    out = []
    for p, node, _ in _calls(root, dirs, ()):
        positional = 2 if node.func.id == "t" else 4
        if len(node.args) < positional and not any(k.arg == "lang" for k in node.keywords):
            out.append(f"{p.relative_to(root)}:{node.lineno}")
    for d in dirs:
        for p in (root / d).rglob("*.py"):
            for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "get_lang":
                    out.append(f"{p.relative_to(root)}:{node.lineno} get_lang")
    return sorted(out)


def _tree_catalogues():
    return {lang: catalogue_msgids(read_catalogue(lang)) for lang in ("zh", "en")}


def test_no_untranslated_message():
    assert problems(extracted_msgids(ROOT), _tree_catalogues())["untranslated"] == []


def test_no_unused_message():
    assert problems(extracted_msgids(ROOT), _tree_catalogues())["unused"] == []


def test_no_dynamic_msgid():
    assert dynamic_calls(ROOT) == []


def test_lower_layers_name_their_language():
    assert calls_without_lang(ROOT) == []


def test_checker_catches_unused_and_untranslated(tmp_path):
    """Given a tiny tree and catalogues, expect the made-up faults to be reported."""
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "p.py").write_text(
        'x = t("a.used")\ny = t("b.untranslated")\nz = t(f"c.{x}")\n'
        "w = f\"{t('e.hidden')} and more\"\n",
        encoding="utf-8",
    )
    used = extracted_msgids(tmp_path, dirs=("pages",), files=())
    cats = {
        "zh": {"a.used": True, "b.untranslated": True, "d.unused": True},
        "en": {"a.used": True, "b.untranslated": False},
    }
    got = problems(used, cats)
    assert got == {"untranslated": ["en:b.untranslated"], "unused": ["d.unused"]}
    assert dynamic_calls(tmp_path, dirs=("pages",), files=()) == ["pages/p.py:3", "pages/p.py:4"]
    assert calls_without_lang(tmp_path, dirs=("pages",)) == [
        "pages/p.py:1",
        "pages/p.py:2",
        "pages/p.py:3",
        "pages/p.py:4",
    ]


def test_checker_reads_templates(tmp_path):
    """A Jinja template's t() calls count as used."""
    (tmp_path / "exports" / "templates").mkdir(parents=True)
    (tmp_path / "exports" / "templates" / "a.html").write_text(
        '<p>{{ t("brief.x") }} {{ t("brief.y", n=3) }}</p>', encoding="utf-8"
    )
    assert extracted_msgids(tmp_path, dirs=("exports",), files=()) == {"brief.x", "brief.y"}
