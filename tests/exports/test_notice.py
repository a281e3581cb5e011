"""The village's public notices rendered for real (Debian's chromium): the PDF of an
identification notice and of an elimination notice names the households, their heads
and dates, and holds no ID or phone number."""

from __future__ import annotations

import re

import duckdb
import pytest

from exports import notice
from ops import db, migrations
from queries.runner import Warehouse
from services import assistance as A
from services import cases as S
from tests.exports.conftest import pdf_text
from tests.services.test_cases import STEPS, people
from tests.services.test_elimination import LATER, NOW, PROPOSE, included

ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture
def store(tmp_path):
    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    return engine


@pytest.fixture(scope="module")
def homes(warehouse_path):
    """Two households of one village without a monitoring record, with their heads,
    phones and members' ID numbers."""
    con = duckdb.connect(str(warehouse_path), read_only=True)
    village = con.execute(
        "select h.village_code from household h left join monitoring m using (household_id) "
        "where m.household_id is null and not h.no_labour group by 1 having count(*) >= 2 "
        "order by 1 limit 1"
    ).fetchone()[0]
    rows = con.execute(
        "select h.household_id, h.household_no, h.head_name, h.phone from household h "
        "left join monitoring m using (household_id) "
        "where m.household_id is null and not h.no_labour and h.village_code = ? "
        "order by 1 limit 2",
        [village],
    ).fetchall()
    ids = con.execute(
        "select id_number from person where household_id in (?, ?)", [rows[0][0], rows[1][0]]
    ).fetchall()
    con.close()
    return village, rows, [i for (i,) in ids]


def _clean(text: str, homes) -> None:
    village, rows, ids = homes
    assert ID_NUMBER.search(text) is None and MOBILE.search(text) is None
    for _, _, _, phone in rows:
        assert not phone or phone not in text
    assert not any(i in text for i in ids)


def test_the_identification_notice_pdf(settings, store, warehouse_path, homes):
    wh = Warehouse(warehouse_path, cache_dir=None, reload_seconds=3600)
    village, rows, _ = homes
    who = people(village)
    case = None
    for hid, *_ in rows:
        case = S.open_case(store, wh, who["village"], hid, 2, warned_on="2026-07-01", now=NOW)
        for role, data in STEPS[:4]:
            case = S.record_step(store, who[role], case["id"], case["version"], data, NOW)
    name, body = notice.notice_pdf(store, wh, who["village"], case["id"], settings, "村干部", "zh")
    assert name == f"notice-{village}-2026-07-07.pdf" and body.startswith(b"%PDF")
    _, text = pdf_text(body)
    flat = re.sub(r"\s+", "", text)
    assert "识别公示" in flat and "2026年7月7日" in flat and "2026年7月12日" in flat
    for _, no, head, _ in rows:
        assert no in flat and head in flat
    _clean(text, homes)


def test_the_elimination_notice_pdf(settings, store, warehouse_path, homes):
    wh = Warehouse(warehouse_path, cache_dir=None, reload_seconds=3600)
    village, rows, _ = homes
    who = people(village)
    hid, no, head, _ = rows[0]
    case = included(store, wh, who, hid)
    data = {"category": 7, "planned_on": "2026-07-20", "done_on": "2026-08-01"}
    case = A.add_measure(store, who["village"], case["id"], case["version"], data, LATER)
    proposal = PROPOSE | {"note": "务工收入稳定，医疗支出已报销"}
    case = S.record_step(store, who["village"], case["id"], case["version"], proposal, LATER, wh)
    name, body = notice.notice_pdf(store, wh, who["village"], case["id"], settings, "村干部", "zh")
    assert name == f"notice-elimination-{village}-2027-01-20.pdf"
    _, text = pdf_text(body)
    flat = re.sub(r"\s+", "", text)
    assert "风险消除公示" in flat and "2027年1月20日" in flat and "2027年1月25日" in flat
    assert no in flat and head in flat and "帮扶消除" in flat
    assert "务工收入稳定，医疗支出已报销" in flat
    assert rows[1][1] not in flat  # not proposed
    _clean(text, homes)
