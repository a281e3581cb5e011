"""The registry page (/admin/registry, pages/admin_registry.py, web/registry.py): only a
province administrator opens it or reaches any of its callbacks and its report route;
a delivery from the inbox loads in the background with its progress, summary, new data
version and masked rejection report; a refused upload changes nothing and says why; one
load at a time.

Each test works on its own copy of the tiny warehouse, inbox and work directory (the
app's context is swapped for the test and put back after).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import shutil
import time
import zipfile
from pathlib import Path

import duckdb
import pytest

from etl.delivery import sha256
from ops import audit, users
from tests.web.test_overview import _text, logged_in

TINY = Path(__file__).resolve().parents[1] / "data" / "registry_tiny"
TINY_SOURCE = "tests/data/registry_tiny: hand-written test registry"
COUNTY_ADMIN = ("ziyang_admin_reg", "county-admin-pass-1")


# ------------------------------------------------------------------ fixtures, helpers
@pytest.fixture
def reg(app_module, warehouse_path, tmp_path):
    """The app reading a copy of the tiny warehouse, with an empty inbox and work
    directory of its own; the session's context is put back afterwards."""
    from queries.runner import Warehouse
    from services import registry as W
    from web import context

    before = context.get()
    wh = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse_path, wh)
    settings = before.settings.model_copy(
        update={
            "warehouse": wh,
            "reload_seconds": 0,
            "registry_inbox": tmp_path / "inbox",
            "registry_dir": tmp_path / "registry",
        }
    )
    settings.registry_inbox.mkdir()
    context.set_context(context.Context(settings, before.ops, Warehouse(wh, None, 0)))
    try:
        yield settings
    finally:
        deadline = time.time() + 120
        while W.running(settings) and time.time() < deadline:  # a load a test left
            time.sleep(0.2)
        context.set_context(before)


def _deps(client) -> list[dict]:
    return client.get("/_dash-dependencies").get_json()


def _fire(client, trigger: str, value, state: dict | None = None, deps=None):
    """Post the page's callback whose input is ``trigger`` ("id.prop") as the browser
    would, with ``state`` {"id.prop": value}."""
    tid, tprop = trigger.split(".")
    dep = next(d for d in deps or _deps(client) if d["inputs"] == [{"id": tid, "property": tprop}])
    outputs = []
    for part in dep["output"].strip(".").split("..."):
        oid, oprop = part.split(".", 1)
        outputs.append({"id": oid, "property": oprop.split("@")[0]})
    states = [{**s, "value": (state or {}).get(f"{s['id']}.{s['property']}")} for s in dep["state"]]
    return client.post(
        "/_dash-update-component",
        json={
            "output": dep["output"],
            "outputs": outputs,
            "inputs": [{"id": tid, "property": tprop, "value": value}],
            "state": states,
            "changedPropIds": [trigger],
        },
    )


def _response(r) -> dict:
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return r.get_json()["response"]


def _poll_until_final(client, timeout: float = 180) -> dict:
    """Poll as the page does until the load ends and the page stops polling: what the
    page then shows (the last value each output was given)."""
    deps = _deps(client)
    page: dict = {}
    deadline = time.time() + timeout
    while time.time() < deadline:
        shown = page.get("reg-shown", {}).get("data")
        out = _response(_fire(client, "reg-tick.n_intervals", 1, {"reg-shown.data": shown}, deps))
        page.update(out)
        if out["reg-tick"]["disabled"]:
            return page
        time.sleep(0.3)
    raise AssertionError("the load did not end")


def _delivery(target: Path, bad_member: bool = False) -> Path:
    """The hand-written tiny registry, optionally with one member's ID number given a
    wrong check digit (that row is rejected, the rest loads)."""
    shutil.copytree(TINY, target)
    bad = None
    if bad_member:
        path = target / "members.csv"
        rows = list(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))
        col = rows[0].index("id_number") if "id_number" in rows[0] else rows[0].index("身份证号")
        good = rows[1][col]
        bad = good[:-1] + ("0" if good[-1] != "0" else "1")
        rows[1][col] = bad
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8")
        manifest = json.loads((target / "manifest.json").read_text("utf-8"))
        manifest["files"]["members.csv"]["sha256"] = sha256(path)
        (target / "manifest.json").write_text(json.dumps(manifest, indent=2), "utf-8")
    return bad


def _zip(directory: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(directory.iterdir()):
            z.write(p, p.name)
    return buf.getvalue()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _version(path: Path) -> tuple:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select version, source from data_version").fetchone()
    finally:
        con.close()


def _county_admin(server):
    from web import context

    if users.get(context.ops(), COUNTY_ADMIN[0]) is None:
        users.create(context.ops(), COUNTY_ADMIN[0], COUNTY_ADMIN[1], "admin", "610924000000", 3)
    from tests.conftest import login

    c = server.test_client()
    assert login(c, *COUNTY_ADMIN).status_code == 302
    return c


# ------------------------------------------------------------------ the gate
ROLE_REFUSALS = {
    "province_leader": "不向“领导”角色开放",
    "ziyang_manager": "不向“管理人员”角色开放",
    "province_health": "不向“行业部门”角色开放",
    "ziyang_cadre": "不向“帮扶干部”角色开放",
    "province_wall": "不向“大屏账号”角色开放",
}
# The wall account is fenced in before any page's gate (web/wall.py).
HTTP_REFUSALS = {**ROLE_REFUSALS, "province_wall": "大屏账号只能打开指挥大屏"}


@pytest.mark.parametrize("username", [*sorted(ROLE_REFUSALS), COUNTY_ADMIN[0]])
def test_only_province_admins_open_the_page_or_reach_its_callbacks(server, as_user, reg, username):
    from pages import admin_registry
    from services import registry as W
    from web import context

    (reg.registry_inbox / "d").mkdir()
    shutil.copy(TINY / "manifest.json", reg.registry_inbox / "d" / "manifest.json")
    client = _county_admin(server) if username == COUNTY_ADMIN[0] else as_user(username)
    with logged_in(server, username):
        text = _text(admin_registry.layout())
    expected = ROLE_REFUSALS.get(username, "仅省级系统管理员可以导入登记数据")
    assert expected in text and "reg-start" not in text and "registry-inbox" not in text
    expected = HTTP_REFUSALS.get(username, expected)
    deps = _deps(client)
    zipped = "data:application/zip;base64," + base64.b64encode(_zip(TINY)).decode()
    calls = [
        ("reg-upload.contents", zipped, {"reg-upload.filename": "x.zip"}),
        ("reg-too-big.data", {"name": "x.zip", "size": 1}, None),
        ("reg-inbox-refresh.n_clicks", 1, None),
        ("reg-start.n_clicks", 1, {"reg-source.value": "inbox", "reg-inbox.value": "d"}),
        ("reg-tick.n_intervals", 1, None),
    ]
    for trigger, value, state in calls:
        r = _fire(client, trigger, value, state, deps)
        assert r.status_code == 403, (trigger, r.status_code)
        assert expected in r.get_json()["error"], trigger
    version = context.warehouse().version["version"]
    r = client.get(W.report_href(version))
    assert r.status_code == 403 and expected in r.get_data(as_text=True)
    # Nothing was kept, started or recorded for them.
    assert W.read_state(reg) is None and not (reg.registry_dir / "uploads").exists()
    assert not [
        e
        for e in audit.recent(context.ops(), 50, actor=username)
        if e["action"] in ("load_registry", "registry_report")
    ]


def test_the_province_admin_sees_the_page_and_the_current_registry(server, reg):
    from pages import admin_registry

    (reg.registry_inbox / "2026-10.zip").write_bytes(_zip(TINY))
    (reg.registry_inbox / ".hidden.zip").write_bytes(b"x")
    (reg.registry_inbox / "notes.txt").write_text("not a delivery")
    with logged_in(server, "province_admin"):
        text = _text(admin_registry.layout())
    assert "登记数据导入" in text and "reg-start" in text and "当前登记数据" in text
    assert "2026-10.zip" in text and ".hidden.zip" not in text and "notes.txt" not in text
    assert "页面上传不超过 14 MB" in text and "用命令行导入" in text
    # Words, not commands or paths (issue #14): no command line, no server path, no build.
    assert "manage.py" not in text and str(reg.registry_inbox) not in text
    assert "还没有从本页导入过数据包" in text and "全量" in text  # the generator's delivery
    assert "Jingzhun synthetic generator, seed 42, scale 0.01" in text


# ------------------------------------------------------------------ a load
def test_a_delivery_from_the_inbox_loads_and_its_report_is_masked(as_user, reg):
    from services import registry as W
    from web import context

    bad = _delivery(reg.registry_inbox / "2026-10 tiny", bad_member=True)
    admin = as_user("province_admin")
    deps = _deps(admin)
    out = _response(_fire(admin, "reg-inbox-refresh.n_clicks", 1, None, deps))
    assert [o["value"] for o in out["reg-inbox"]["data"]] == ["2026-10 tiny"]
    before = _version(reg.warehouse)
    out = _response(
        _fire(
            admin,
            "reg-start.n_clicks",
            1,
            {"reg-source.value": "inbox", "reg-inbox.value": "2026-10 tiny"},
            deps,
        )
    )
    assert "已开始导入 2026-10 tiny" in _text(out["reg-feedback"])
    assert out["reg-tick"]["disabled"] is False and out["reg-start"]["disabled"] is True
    assert "reg-progress" in _text(out["reg-status"])  # the bar, at once
    out = _poll_until_final(admin)
    text = _text(out["reg-status"])
    version, source = _version(reg.warehouse)
    assert (version, source) != before and source == TINY_SOURCE
    assert "导入完成" in text and "新的数据版本：数据截至 2026年10月31日，导入于 " in text
    assert "共拒收 1 行" in text and f'"data-version": "{version}"' in text
    assert f"{version}。" not in text and "北京时间" in text
    assert '"data-file": "members"' in text and '"家庭成员"' in text
    summary = W.read_state(reg)["result"]["files"]
    assert summary["members"]["rejected"] == 1 and summary["households"]["accepted"] == 30
    # The current registry, once this worker reads the new file.
    assert out["reg-shown"]["data"] == version
    current = _text(out["reg-current"])
    assert version in current and TINY_SOURCE in current and "reg-current-report" in current
    assert out["reg-start"]["disabled"] is False and out["reg-feedback"]["children"] is None
    # The report: masked, Chinese headers, the loader's own file.
    href = W.report_href(version)
    assert href in text
    r = admin.get(href)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    body = r.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["文件", "行号", "字段", "值", "原因代码", "原因"]
    assert rows[1:] == [
        [
            "members.csv",
            "2",
            "id_number",
            bad[:3] + "*" * 11 + bad[-4:],
            "bad_id",
            "身份证号格式或校验位错误",
        ]
    ]
    assert bad not in body and not re.search(r"\d{17}[\dX]", body)
    # Without the page's file (a load from the command line), the warehouse's rows give
    # the same report.
    for f in (reg.registry_dir / "reports").glob("*.csv"):
        f.unlink()
    again = admin.get(href)
    assert again.status_code == 200 and again.data == r.data
    assert admin.get(W.report_href("not-a-version")).status_code == 404
    # The audit log, as manage.py load-registry writes it, and the download.
    entries = audit.recent(context.ops(), 20, actor="province_admin")
    loads = [e for e in entries if e["action"] == "load_registry"]
    assert [e["outcome"] for e in loads[:2]] == ["ok", "requested"]
    detail = json.loads(loads[0]["detail"])
    assert (detail["kind"], detail["version"], detail["rejected"]) == ("full", version, 1)
    assert loads[0]["target"] == "2026-10 tiny"
    assert [e["target"] for e in entries if e["action"] == "registry_report"][:2] == [
        version,
        version,
    ]


def test_a_refused_upload_changes_nothing_and_says_why(as_user, reg, tmp_path):
    from services import registry as W
    from web import context

    _delivery(tmp_path / "d")
    with open(tmp_path / "d" / "households.csv", "a", encoding="utf-8") as f:
        f.write("\n")  # the bytes no longer match the manifest's SHA-256
    data = _zip(tmp_path / "d")
    before_digest, before_version = _digest(reg.warehouse), _version(reg.warehouse)
    admin = as_user("province_admin")
    deps = _deps(admin)
    out = _response(
        _fire(
            admin,
            "reg-upload.contents",
            "data:application/zip;base64," + base64.b64encode(data).decode(),
            {"reg-upload.filename": "2026-11.zip"},
            deps,
        )
    )
    assert "已上传 2026-11.zip" in _text(out["reg-staged"])
    choice = out["reg-choice"]["data"]
    assert re.fullmatch(r"[0-9a-f]{32}", choice["token"])
    out = _response(
        _fire(
            admin,
            "reg-start.n_clicks",
            1,
            {"reg-source.value": "upload", "reg-choice.data": choice},
            deps,
        )
    )
    assert "已开始导入 2026-11.zip" in _text(out["reg-feedback"])
    assert out["reg-choice"]["data"] is None
    out = _poll_until_final(admin)
    text = _text(out["reg-status"])
    assert "数据包被拒收，数据仓库未作任何改动" in text
    assert "households.csv 的 SHA-256 与 manifest.json 不符" in text
    assert "reg-summary" not in text and "reg-report" not in text
    assert (_digest(reg.warehouse), _version(reg.warehouse)) == (before_digest, before_version)
    assert not list((reg.registry_dir / "uploads").glob("*"))  # the upload is gone
    assert not list((reg.registry_dir / "reports").glob("*"))
    state = W.read_state(reg)
    assert state["status"] == "refused"
    assert (
        state["message"]["en"]
        == "households.csv: SHA-256 "
        + sha256(tmp_path / "d" / "households.csv")
        + " does not match the manifest"
    )
    last = audit.recent(context.ops(), 5, actor="province_admin", action="load_registry")[0]
    assert (last["outcome"], last["target"]) == ("refused", "2026-11.zip")
    # In English, the loader's English message.
    admin.get("/lang/en?next=/")
    out = _response(_fire(admin, "reg-tick.n_intervals", 9, None, deps))
    text = _text(out["reg-status"])
    assert "Delivery refused: nothing changed in the warehouse" in text
    assert "Reason: households.csv: SHA-256 " in text
    admin.get("/lang/zh?next=/")
    # The same upload cannot be started again (it is gone).
    out = _response(
        _fire(
            admin,
            "reg-start.n_clicks",
            2,
            {"reg-source.value": "upload", "reg-choice.data": choice},
            deps,
        )
    )
    assert "所选数据包已不在服务器上" in _text(out["reg-feedback"])


# ------------------------------------------------------------------ what is refused
def test_uploads_too_big_or_not_zip_and_paths_from_the_browser(as_user, reg, monkeypatch, server):
    from services import registry as W

    admin = as_user("province_admin")
    deps = _deps(admin)
    # The browser held back a file over the cap (assets/registry.js): the page says so.
    out = _response(
        _fire(admin, "reg-too-big.data", {"name": "全省.zip", "size": 2 * 2**30}, None, deps)
    )
    text = _text(out["reg-staged"])
    assert "全省.zip 为 2.00 GB，超过页面上传上限 14 MB" in text
    assert "由服务器运维人员将它放入服务器收件目录" in text and "用命令行导入" in text
    assert out["reg-choice"]["data"] is None
    # Over the cap on the server too (should the browser send it anyway).
    monkeypatch.setattr(W, "UPLOAD_BYTES", 1000)
    zipped = "data:application/zip;base64," + base64.b64encode(_zip(TINY)).decode()
    out = _response(
        _fire(admin, "reg-upload.contents", zipped, {"reg-upload.filename": "a.zip"}, deps)
    )
    assert "超过页面上传上限" in _text(out["reg-staged"]) and out["reg-choice"]["data"] is None
    monkeypatch.undo()
    out = _response(
        _fire(
            admin,
            "reg-upload.contents",
            "data:text/csv;base64," + base64.b64encode(b"a,b\n").decode(),
            {"reg-upload.filename": "a.csv"},
            deps,
        )
    )
    assert "a.csv 不是 ZIP 文件" in _text(out["reg-staged"])
    assert not list((reg.registry_dir / "uploads").glob("*.zip"))
    # Only what the server listed can be started: no path, no one else's upload.
    other = W.stage_upload(reg, "someone_else", "x.zip", _zip(TINY))
    (reg.registry_inbox.parent / "outside").mkdir()
    shutil.copy(TINY / "manifest.json", reg.registry_inbox.parent / "outside")
    for source, state in [
        ("inbox", {"reg-inbox.value": "../outside"}),
        ("inbox", {"reg-inbox.value": str(reg.registry_inbox.parent / "outside")}),
        ("upload", {"reg-choice.data": {"token": other}}),
        ("upload", {"reg-choice.data": {"token": "../../warehouse"}}),
    ]:
        out = _response(
            _fire(admin, "reg-start.n_clicks", 1, {"reg-source.value": source, **state}, deps)
        )
        assert "所选数据包已不在服务器上" in _text(out["reg-feedback"]), state
    out = _response(_fire(admin, "reg-start.n_clicks", 1, {"reg-source.value": "inbox"}, deps))
    assert "请先上传数据包" in _text(out["reg-feedback"])
    assert W.read_state(reg) is None


def test_one_load_at_a_time(as_user, reg):
    """A load holds the lock (here: as another worker would); a second start is refused
    and names it. When its process dies the lock goes, and the page says it was
    interrupted."""
    from services import registry as W

    (reg.registry_inbox / "d").mkdir()
    lock = W._lock(reg)
    W._write_state(
        reg,
        {
            "id": "x",
            "status": "running",
            "step": "check members",
            "fraction": 0.37,
            "username": "province_admin",
            "by": "省管理员",
            "source": "inbox",
            "name": "2026-09.zip",
            "started_at": "2026-11-30T02:00:00+00:00",
        },
    )
    shutil.copy(TINY / "manifest.json", reg.registry_inbox / "d")
    admin = as_user("province_admin")
    deps = _deps(admin)
    try:
        out = _response(
            _fire(
                admin,
                "reg-start.n_clicks",
                1,
                {"reg-source.value": "inbox", "reg-inbox.value": "d"},
                deps,
            )
        )
        assert (
            "已有一次导入正在进行（2026-09.zip，省管理员 于 2026-11-30 10:00 北京时间 开始）"
            in _text(out["reg-feedback"])
        )
        out = _response(_fire(admin, "reg-tick.n_intervals", 1, None, deps))
        text = _text(out["reg-status"])
        assert "37% · 逐行检查 家庭成员 members" in text and "reg-progress" in text
        assert out["reg-tick"]["disabled"] is False and out["reg-start"]["disabled"] is True
    finally:
        W._release(lock)
    out = _response(_fire(admin, "reg-tick.n_intervals", 2, None, deps))
    assert "导入中断" in _text(out["reg-status"]) and out["reg-tick"]["disabled"] is True
