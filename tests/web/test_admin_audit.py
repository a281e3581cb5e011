"""The audit log viewer (/admin/audit) and its CSV (issue #17): an admin reads the
entries of its region only, filters them, exports what it sees; reading and exporting
are themselves logged; everyone else is refused."""

from __future__ import annotations

import csv
import io

import pytest

from access import AccessDenied
from ops import audit, users
from tests.conftest import login
from tests.web.test_overview import _text, logged_in

PASSWORD = "Jz-test-account-2026"


@pytest.fixture(scope="module")
def entries(server):
    """A county admin of Ziyang, and entries of Ziyang, Hanzhong and of no account."""
    from web import context

    engine = context.ops()
    if users.get(engine, "ziyang_admin") is None:
        users.create(
            engine, "ziyang_admin", PASSWORD, "admin", "610924000000", 3, None, "紫阳县管理员"
        )
    audit.record(engine, "ziyang_manager", "export_households", target="610924000000")
    audit.record(engine, "hanzhong_manager", "export_households", target="610700000000")
    audit.record(engine, "cli", "user_create", target="someone")
    return engine


def _client(server, username, password=None):
    c = server.test_client()
    assert login(c, username, password).status_code == 302
    return c


def _rows(response) -> list[dict]:
    text = response.get_data().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_a_county_admin_reads_its_countys_entries_only(server, entries):
    from pages import admin_audit

    with logged_in(server, "ziyang_admin"):
        page = _text(dash_layout(admin_audit))
        assert "审计日志" in page and "显示紫阳县及下辖单位的操作记录" in page
        assert "导出户列表" in page and "创建账号" not in page  # its actions, by name
        rows, count, href, alert = admin_audit.search(None, None, None, None, None)
        assert alert is None and href == "/admin/audit.csv"
        # Entries of Ziyang's accounts (other tests' Ziyang accounts too), no other's.
        assert "ziyang_manager" in {r["actor"] for r in rows}
        assert "hanzhong_manager" not in {r["actor"] for r in rows}
        assert all(r["region"].startswith("紫阳县") for r in rows), {r["region"] for r in rows}
        # A filter cannot reach outside: another county is refused, not ignored.
        with pytest.raises(AccessDenied):
            admin_audit.search(None, None, "610700000000", None, None)
        rows, _, href, _ = admin_audit.search("hanzhong_manager", None, None, None, None)
        assert rows == [] and href == "/admin/audit.csv?user=hanzhong_manager"
    logged = audit.recent(entries, 1, actor="ziyang_admin", action="audit_view")[0]
    assert logged["region_code"] == "610924000000"
    assert logged["detail"] == '{"user": "hanzhong_manager", "rows": 0}'


def test_a_province_admin_reads_every_entry_and_filters(server, entries):
    from pages import admin_audit

    with logged_in(server, "province_admin"):
        rows, *_ = admin_audit.search(None, None, None, None, None)
        actors = {r["actor"] for r in rows}
        assert {"ziyang_manager", "hanzhong_manager", "cli"} <= actors
        rows, _, href, _ = admin_audit.search(
            None, "export_households", "610700000000", "2026-01-01", "2099-12-31"
        )
        assert {r["actor"] for r in rows} == {"hanzhong_manager"}
        assert href == (
            "/admin/audit.csv?action=export_households&region=610700000000"
            "&from=2026-01-01&to=2099-12-31"
        )
        for bad, message in (
            (("x", None, None, "2026-13-01", None), "日期格式应为"),
            (("x", None, None, "2026-02-01", "2026-01-01"), "起始日期不能晚于"),
            ((None, None, "6107", None, None), "单位代码应为 12 位数字"),
        ):
            rows, _, _, alert = admin_audit.search(*bad)
            assert rows == [] and message in _text(alert)


def test_the_csv_is_the_filtered_rows_and_is_logged(server, entries):
    county = _client(server, "ziyang_admin", PASSWORD)
    r = county.get("/admin/audit.csv?action=export_households")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert r.headers["Content-Disposition"].startswith('attachment; filename="audit-610924000000-')
    rows = _rows(r)
    assert list(rows[0]) == [
        "时间",
        "用户名",
        "操作",
        "对象",
        "结果",
        "所属单位",
        "IP 地址",
        "详情",
    ]
    assert {x["用户名"] for x in rows} == {"ziyang_manager"}
    assert {x["所属单位"] for x in rows} == {"610924000000"}
    logged = audit.recent(entries, 1, actor="ziyang_admin", action="audit_export")[0]
    assert logged["detail"] == f'{{"action": "export_households", "rows": {len(rows)}}}'
    assert county.get("/admin/audit.csv?region=610700000000").status_code == 403
    assert county.get("/admin/audit.csv?from=yesterday").status_code == 400
    province = _client(server, "province_admin")
    everyone = {x["用户名"] for x in _rows(province.get("/admin/audit.csv"))}
    assert {"ziyang_manager", "hanzhong_manager", "cli", "ziyang_admin"} <= everyone


@pytest.mark.parametrize(
    "username", ["province_leader", "ziyang_manager", "province_police", "province_wall"]
)
def test_only_admins_read_the_log(server, entries, username):
    c = _client(server, username)
    assert c.get("/admin/audit.csv").status_code == 403
    from pages import admin_audit

    with logged_in(server, username):
        assert "无权访问" in _text(dash_layout(admin_audit))


def dash_layout(module):
    import dash

    page = next(p for p in dash.page_registry.values() if p["module"] == module.__name__)
    return page["layout"]()


def test_outcomes_read_in_words():
    """The grid names an outcome as it names an action; an unknown code stays as is."""
    from datetime import UTC, datetime

    from pages import admin_audit

    entry = {
        "id": 1,
        "at": datetime(2026, 12, 2, tzinfo=UTC),
        "actor": "a",
        "action": "login",
        "target": "",
        "region_code": "",
        "ip": "",
        "detail": "{}",
    }
    rows = admin_audit.grid_rows([{**entry, "outcome": o} for o in ("ok", "locked", "odd")])
    assert [r["outcome"] for r in rows] == ["成功", "已锁定", "odd"]
