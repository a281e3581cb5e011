"""docs/registry.md documents the layout etl/layout.py defines: every file, every column
with its Chinese name, and every code table a column uses."""

from __future__ import annotations

import re
from pathlib import Path

from domain import codes
from etl import layout as L

DOC = (Path(__file__).resolve().parents[2] / "docs" / "registry.md").read_text(encoding="utf-8")


def _sections() -> dict[str, str]:
    parts = re.split(r"^### `([a-z_]+)`", DOC, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_every_file_and_column_is_documented():
    sections = _sections()
    assert sorted(sections) == sorted(f.name for f in L.ALL)
    for f in L.ALL:
        rows = {
            m[0]: m[1]
            for m in re.findall(r"^\| `([a-z_0-9]+)` \| ([^|]+) \|", sections[f.name], flags=re.M)
        }
        assert {c: z.strip() for c, z in rows.items()} == {c.name: c.zh for c in f.columns}, f.name
        assert ("**required in a full delivery**" in sections[f.name]) == f.required, f.name


def test_every_code_table_used_is_listed_with_its_codes():
    used = {c.domain for f in L.ALL for c in f.columns if c.domain}
    for domain in used:
        section = DOC.split("## 4. Code tables", 1)[1].split("## 5.", 1)[0]
        line = next((ln for ln in section.splitlines() if ln.startswith(f"| `{domain}` |")), None)
        assert line is not None, domain
        for code, (zh, _) in codes.CODES[domain].items():
            assert f"`{code}` {zh}" in line, (domain, code)


def test_every_row_reason_is_documented():
    from etl import registry

    for reason, zh in registry.REASONS.items():
        assert f"| `{reason}` | {zh} |" in DOC, reason
