"""A department's subject (queries/subject.py) from the warehouse's checks and rules, and
docs/departments.md in step with it."""

from __future__ import annotations

import re
from pathlib import Path

from queries.subject import Subject, load_map

DOC = Path(__file__).resolve().parents[2] / "docs" / "departments.md"


def test_police_and_health(wh):
    m = load_map(wh)
    assert m.subject("police") == Subject(
        "police",
        ("vehicle", "death"),
        ("deceased_member", "private_vehicle"),
        ("main_worker_died",),
    )
    assert m.subject("health") == Subject("health", (), (), ()) and m.subject("health").empty
    assert m.departments_of(
        ["private_vehicle", "medical_costs"], ["income_below_line"]
    ) == frozenset({"police", "medins"})


def test_the_documented_table_is_the_configuration(wh):
    m = load_map(wh)

    def names(cell):
        return () if cell.strip() == "—" else tuple(re.findall(r"`([a-z_]+)`", cell))

    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = line.split("|")[1:-1]
        if len(cells) == 4 and cells[0].strip().startswith("`"):
            dept = names(cells[0])[0]
            rows[dept] = Subject(dept, *(names(c) for c in cells[1:]))
    departments = {d for d in m.feed_department.values()}
    assert rows == {d: m.subject(d) for d in departments}
