"""Attachments of a monitoring case (services/attachments.py, /cases/file/<id>): checked
by their content and size, written with an event on the case or not at all, read within
the scope only and each reading audited."""

from __future__ import annotations

import base64
import datetime as dt
import io

import pytest
import sqlalchemy as sa
from PIL import Image

from access import Scope
from ops import cases as O
from ops import db, migrations
from ops.schema import audit_log, case_files
from queries.runner import Warehouse
from services import attachments as F
from services import cases as S
from tests.conftest import login
from tests.services.test_cases import NOW, WARNED, people, refused


def png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 90, 200)).save(out, "JPEG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_the_kind_is_read_from_the_content():
    assert F.kind_of(png()) == "image/png"
    assert F.kind_of(jpeg()) == "image/jpeg"
    assert F.kind_of(PDF) == "application/pdf"
    assert F.kind_of(b"%PDF-1.4 cut short") is None  # no end marker
    assert F.kind_of(b"GIF89a" + b"\0" * 30) is None  # not taken
    assert F.kind_of("身份证号 610924".encode()) is None
    assert F.kind_of(png()[:40]) is None  # a truncated image does not verify
    assert F.clean_name("C:\\相册\\入户照片.jpg") == "入户照片.jpg"
    assert F.clean_name('../../a"b\x07.png') == "ab.png"
    assert F.clean_name(None) == "attachment"


@pytest.fixture
def store(tmp_path):
    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    return engine


@pytest.fixture(scope="module")
def warehouse(warehouse_path):
    return Warehouse(warehouse_path, cache_dir=None, reload_seconds=3600)


@pytest.fixture(scope="module")
def home(warehouse_path):
    import duckdb

    con = duckdb.connect(str(warehouse_path), read_only=True)
    row = con.execute(
        "select h.household_id, h.village_code from household h "
        "left join monitoring m using (household_id) where m.household_id is null "
        "order by 1 limit 1"
    ).fetchone()
    con.close()
    return row


def test_a_photo_is_attached_and_read_within_the_scope(store, warehouse, home):
    who = people(home[1])
    case = S.open_case(store, warehouse, who["village"], home[0], 2, warned_on=WARNED, now=NOW)
    case = F.attach(store, who["village"], case["id"], 1, "入户照片.png", png(), NOW)
    assert case["version"] == 2 and case["events"][-1]["kind"] == "attachment"
    (f,) = O.files(store, case["id"])
    assert (f["name"], f["mime"], f["size"], f["state"], f["uploaded_by"]) == (
        "入户照片.png",
        "image/png",
        len(png()),
        "opened",
        "v_cadre",
    )
    got = F.download(store, who["county"], f["id"], "10.1.1.1")
    assert got["content"] == png()
    assert F.download(store, Scope("o", "manager", "610700000000"), f["id"]) is None
    assert F.download(store, Scope("w", "wall", "610000000000"), f["id"]) is None
    assert F.download(store, who["county"], 99999) is None
    with store.connect() as conn:
        rows = conn.execute(
            sa.select(audit_log.c.actor, audit_log.c.action, audit_log.c.target, audit_log.c.ip)
        ).all()
    assert [tuple(r) for r in rows] == [("c_manager", "case_file", f"file:{f['id']}", "10.1.1.1")]


def test_bad_files_change_nothing(store, warehouse, home):
    who = people(home[1])
    case = S.open_case(store, warehouse, who["village"], home[0], 2, warned_on=WARNED, now=NOW)
    cid = case["id"]
    for content, key in (
        (b"", "case.err.file_empty"),
        (b"\xff\xd8\xff" + b"\0" * (10 * 2**20), "case.err.file_big"),
        ("户主身份证号码".encode(), "case.err.file_type"),
        (b"MZ\x90\x00 an executable", "case.err.file_type"),
    ):
        e = refused(
            400, "case.err.invalid", F.attach, store, who["village"], cid, 1, "x.jpg", content, NOW
        )
        assert e.fields == {"file": key}
    refused(409, "case.err.conflict", F.attach, store, who["village"], cid, 0, "a.pdf", PDF, NOW)
    refused(
        404,
        "case.err.not_found",
        F.attach,
        store,
        Scope("o", "cadre", "610700000000"),
        cid,
        1,
        "a.pdf",
        PDF,
        NOW,
    )
    refused(
        403,
        "error.role",
        F.attach,
        store,
        Scope("w", "wall", "610000000000"),
        cid,
        1,
        "a.pdf",
        PDF,
        NOW,
    )
    page = F.attach_from_page(
        store,
        who["village"],
        {"id": cid, "version": 1},
        "a.pdf",
        "data:application/pdf;base64," + base64.b64encode(PDF).decode(),
    )
    assert page["version"] == 2
    e = refused(
        400,
        "case.err.invalid",
        F.attach_from_page,
        store,
        who["village"],
        {"id": cid, "version": 2},
        "a.pdf",
        "data:;base64,@@@",
    )
    assert e.fields == {"file": "case.err.file_empty"}
    with store.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(case_files)).scalar() == 1
    assert S.get(store, who["village"], cid, NOW)["version"] == 2


def test_no_attachment_once_the_case_is_over(store, warehouse, home):
    who = people(home[1])
    case = S.open_case(store, warehouse, who["village"], home[0], 2, warned_on=WARNED, now=NOW)
    exclude = {
        "step": "home_check",
        "date": "2026-07-02",
        "outcome": "exclude",
        "exclude_reason": 1,
        "note": "收入高于监测范围",
    }
    case = S.record_step(store, who["village"], case["id"], 1, exclude, NOW)
    assert not F.may_attach(who["village"], case)
    refused(
        409,
        "case.err.order",
        F.attach,
        store,
        who["village"],
        case["id"],
        case["version"],
        "a.pdf",
        PDF,
        NOW,
    )


def test_the_download_route(server, wh):
    from web import context

    hid, village = wh.execute(
        "select h.household_id, h.village_code from household h "
        "left join monitoring m using (household_id) where m.household_id is null "
        "and h.city_code = '610900000000' and h.household_id not in "
        "(select household_id from warning) order by 1 limit 1 offset 3"
    ).fetchone()
    cadre = Scope("route_cadre", "cadre", village)
    engine = context.ops()
    case = S.open_case(engine, context.warehouse(), cadre, hid, 2, warned_on=dt.date(2026, 10, 1))
    case = F.attach(engine, cadre, case["id"], case["version"], "公示照片.jpg", jpeg())
    (f,) = O.files(engine, case["id"])
    inside = server.test_client()
    assert login(inside, "ankang_leader").status_code == 302
    r = inside.get(f"/cases/file/{f['id']}")
    assert r.status_code == 200 and r.data == jpeg() and r.mimetype == "image/jpeg"
    assert (
        "filename*=UTF-8''%E5%85%AC%E7%A4%BA%E7%85%A7%E7%89%87.jpg"
        in r.headers["Content-Disposition"]
    )
    outside = server.test_client()
    assert login(outside, "hanzhong_manager").status_code == 302
    assert outside.get(f"/cases/file/{f['id']}").status_code == 404
    assert server.test_client().get(f"/cases/file/{f['id']}").status_code in (302, 401)


def test_a_jpeg_header_on_other_bytes_is_refused():
    assert F.kind_of(b"\xff\xd8\xff\xe0" + b"\0" * 2000) is None
    assert F.kind_of(jpeg()[:200]) is None  # cut short: it does not decode
