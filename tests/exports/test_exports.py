"""Chart PNGs for every chart type, background exports (owner only, concurrent users,
failures), the audit log, and what happens without chromium or the CJK font."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from access import Scope
from exports import charts, jobs, render, service
from ops import audit
from tests.exports.conftest import pdf_text, png_facts

PROVINCE = Scope("province_admin", "admin", "610000000000")
PAGE_REQUEST = {  # the pages router drawing the overview, as the browser asks for it
    "output": ".._pages_content.children..._pages_store.data..",
    "outputs": [
        {"id": "_pages_content", "property": "children"},
        {"id": "_pages_store", "property": "data"},
    ],
    "inputs": [
        {"id": "_pages_location", "property": "pathname", "value": "/"},
        {"id": "_pages_location", "property": "search", "value": ""},
    ],
    "changedPropIds": ["_pages_location.pathname"],
    "state": [],
}
PAGES = [
    "/",
    "/region/<code>",
    "/monitoring/<code>",
    "/household/<household_id>",
    "/briefings",
    "/wall",
    "/dispatch/<code>",
]
ZIYANG = Scope("ziyang_manager", "manager", "610924000000")


@pytest.fixture(scope="module")
def ctx(app_module):
    from web import context

    return context.get()


@pytest.fixture(scope="module")
def household_id(wh):
    return wh.execute(
        "select household_id from household where county_code = '610924000000'"
        " order by household_id limit 1"
    ).fetchone()[0]


@pytest.mark.parametrize("name", sorted(charts.CHARTS))
def test_every_chart_renders_to_a_png(name, as_user, household_id, ctx):
    """Each chart of the pages: 2× its fixed size, many colours, not blank."""
    client = as_user("province_admin")
    query = (
        f"household={household_id}"
        if name == "household-income"
        else "region=610900000000&year=2025&month=2026-06"
    )
    r = client.get(f"/export/chart/{name}.png?{query}")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert r.mimetype == "image/png"
    assert f'filename="{name}-' in r.headers["Content-Disposition"]
    fig = charts.build(ctx.warehouse, PROVINCE, name, dict(x.split("=") for x in query.split("&")))
    height = int(fig["layout"].get("height") or 500)
    size, colours, drawn = png_facts(r.data)
    assert size == (render.CHART_WIDTH * 2, height * 2)
    assert colours > 20 and drawn > 0.02, (colours, drawn)


def test_chart_png_is_audited_and_scoped(as_user, ctx):
    client = as_user("ziyang_manager")
    assert client.get("/export/chart/mon-trend.png?region=610924000000").status_code == 200
    entry = audit.recent(ctx.ops, 1, actor="ziyang_manager", action="export_chart")[0]
    assert entry["target"] == "mon-trend" and entry["outcome"] == "ok"
    # Outside the scope, unknown units and charts, anonymous and wall users: refused.
    assert client.get("/export/chart/mon-trend.png?region=610000000000").status_code == 403
    assert client.get("/export/chart/region-trend.png?region=610700000000").status_code == 403
    assert client.get("/export/chart/mon-trend.png?region=610924999999").status_code == 404
    assert client.get("/export/chart/nope.png").status_code == 404
    assert as_user("province_wall").get("/export/chart/mon-trend.png").status_code == 403
    anon = client.application.test_client()
    assert anon.get("/export/chart/mon-trend.png").status_code in (302, 401)


def test_a_household_chart_of_another_county_is_not_found(as_user, wh):
    other = wh.execute(
        "select household_id from household where county_code != '610924000000' limit 1"
    ).fetchone()[0]
    r = as_user("ziyang_manager").get(f"/export/chart/household-income.png?household={other}")
    assert r.status_code == 404


def _wait(ctx, scope, job_id, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = jobs.get(ctx.ops, scope, job_id)
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job['status']}")


def test_two_users_exporting_at_once_both_get_their_files(ctx, as_user):
    """Both briefings run in the background at the same time; each user downloads their
    own file, and neither can download the other's."""
    started = {}

    def start(scope, code):
        started[scope.username] = service.start_briefing(
            ctx.warehouse, ctx.ops, ctx.settings, scope, code, "2026-10", scope.username, "zh"
        )

    threads = [
        threading.Thread(target=start, args=a)
        for a in ((PROVINCE, "610000000000"), (ZIYANG, "610924000000"))
    ]
    t0 = time.time()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert time.time() - t0 < 5  # asking returns at once; the work is in the background
    # The dashboard answers while they render: a page drawn by its Dash callback.
    assert {j["status"] for j in jobs.mine(ctx.ops, PROVINCE, 1)} <= {"queued", "running"}
    r = as_user("province_leader").post("/_dash-update-component", json=PAGE_REQUEST)
    assert r.status_code == 200 and "overview-cards" in r.get_data(as_text=True)
    done = {
        u: _wait(ctx, s, started[u])
        for u, s in (("province_admin", PROVINCE), ("ziyang_manager", ZIYANG))
    }
    assert {j["status"] for j in done.values()} == {"done"}
    admin, ziyang = as_user("province_admin"), as_user("ziyang_manager")
    r = admin.get(f"/export/job/{started['province_admin']}")
    assert r.status_code == 200 and r.data[:5] == b"%PDF-"
    assert "briefing-610000000000-2026-10.pdf" in r.headers["Content-Disposition"]
    assert "陕西省防止返贫动态监测简报" in pdf_text(r.data)[1]
    r = ziyang.get(f"/export/job/{started['ziyang_manager']}")
    assert r.status_code == 200 and "紫阳县防止返贫动态监测简报" in pdf_text(r.data)[1]
    # Not each other's.
    assert ziyang.get(f"/export/job/{started['province_admin']}").status_code == 404
    assert admin.get(f"/export/job/{started['ziyang_manager']}").status_code == 404
    assert admin.get("/export/job/" + "0" * 32).status_code == 404
    actions = [
        (e["action"], e["outcome"]) for e in audit.recent(ctx.ops, 20, actor="ziyang_manager")
    ]
    assert ("export_briefing", "requested") in actions and ("export_briefing", "ok") in actions
    assert ("export_download", "ok") in actions


def test_requests_are_checked_before_anything_runs(ctx):
    from access import AccessDenied, RegionNotFound
    from queries.api import BadPeriod

    before = len(jobs.mine(ctx.ops, ZIYANG, 100))
    with pytest.raises(AccessDenied):
        service.start_briefing(
            ctx.warehouse, ctx.ops, ctx.settings, ZIYANG, "610000000000", "2026-10", "x", "zh"
        )
    with pytest.raises(RegionNotFound):
        service.start_briefing(
            ctx.warehouse, ctx.ops, ctx.settings, ZIYANG, "610924999999", "2026-10", "x", "zh"
        )
    with pytest.raises(BadPeriod):
        service.start_briefing(
            ctx.warehouse, ctx.ops, ctx.settings, ZIYANG, "610924000000", "2026/10", "x", "zh"
        )
    for href in (
        "/logout",
        "/export/job/x",
        "/wall",
        "/_dash-update-component",
        "/login?next=/",
        "/api/v1/regions",
        "/\\example.org",
        "/./logout",
        "/%6cogout",
        "/x/../export/households.csv",
        "/region/../logout",
        "/region/6109/extra",
        "/briefings/../export/households.csv",
        "/region/61%2F..%2F..",
    ):
        with pytest.raises(service.BadRequest):
            service.page_path(href, PAGES)
    assert (
        service.page_path("http://localhost:8050/region/610924000000?indicator=x", PAGES)
        == "/region/610924000000?indicator=x"
    )
    assert service.page_path("/", PAGES) == "/"
    assert service.page_path("/?a=1\r\nX: y", PAGES) == "/?a=1X: y"  # no line breaks
    # The address's host is dropped: the server's browser visits only the app itself.
    assert (
        service.page_path("https://example.org/monitoring/610924000000", PAGES)
        == "/monitoring/610924000000"
    )
    for size in ("1920x1080", "640x3840"):
        service.parse_size(size)
    for size in ("100x100", "5000x1000", "axb", "1920", None, "1920x1080x2"):
        with pytest.raises(service.BadRequest):
            service.parse_size(size)
    assert len(jobs.mine(ctx.ops, ZIYANG, 100)) == before


@pytest.mark.parametrize(
    "change,missing",
    [
        ({"chromium": "/nonexistent/chromium"}, "未找到 Chromium 浏览器（/nonexistent/chromium）"),
        ({"cjk_font": "No Such Font"}, "未安装中文字体「No Such Font」"),
    ],
)
def test_without_chromium_or_font_exports_say_what_to_install(
    ctx, as_user, monkeypatch, change, missing
):
    from web import context

    monkeypatch.setattr(context.get(), "settings", ctx.settings.model_copy(update=change))
    client = as_user("province_admin")
    r = client.get("/export/chart/mon-trend.png?region=610900000000")
    assert r.status_code == 503
    message = r.get_json()["error"]
    assert missing in message and "apt-get" not in message and "管理员" in message
    with pytest.raises(render.Unavailable) as exc:
        service.start_briefing(
            ctx.warehouse,
            ctx.ops,
            context.get().settings,
            PROVINCE,
            "610000000000",
            "2026-10",
            "x",
            "zh",
        )
    assert missing in str(exc.value)
    # The dashboard keeps working, and the briefings page says what is missing.
    assert client.get("/").status_code == 200
    assert client.get("/monitoring/610900000000").status_code == 200


def test_a_failed_job_says_why_and_leaves_no_file(ctx):
    def work(progress):
        progress(50)
        raise render.Unavailable("渲染失败（测试），请稍后重试。")

    job_id = jobs.submit(
        ctx.ops, ctx.settings, PROVINCE, "page", "/x", "610000000000", {}, work, "zh", wait=True
    )
    job = jobs.get(ctx.ops, PROVINCE, job_id)
    assert job["status"] == "failed" and job["message"] == "渲染失败（测试），请稍后重试。"
    assert not jobs.file_path(ctx.settings, job_id).exists()
    entry = audit.recent(ctx.ops, 1, actor="province_admin", action="export_page")[0]
    assert entry["outcome"] == "failed"


def test_a_write_that_fails_halfway_leaves_nothing(ctx, monkeypatch):
    """The file is written to a part file and renamed: when the rename fails, neither
    the part nor a file is left, and the job says it failed."""
    import os

    from services import files

    def broken(src, dst):
        assert os.path.getsize(src) == 9  # the part file was written in full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", broken)
    job_id = jobs.submit(
        ctx.ops,
        ctx.settings,
        PROVINCE,
        "page",
        "/x",
        "610000000000",
        {},
        lambda p: ("x.png", b"\x89PNG body"),
        "zh",
        wait=True,
    )
    job = jobs.get(ctx.ops, PROVINCE, job_id)
    assert job["status"] == "failed" and job["message"] == "导出失败：OSError"
    assert not list(ctx.settings.export_dir.glob(f"{job_id}*"))


def test_a_job_left_running_by_a_dead_process_shows_as_interrupted(ctx):
    import datetime as dt

    from ops.schema import export_jobs

    with ctx.ops.begin() as conn:
        conn.execute(
            export_jobs.insert().values(
                id="f" * 32,
                username="province_admin",
                kind="briefing",
                target="x",
                region_code="610000000000",
                params="{}",
                status="running",
                progress=40,
                message="",
                filename="",
                size=0,
                created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
                updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20),
            )
        )
    job = jobs.get(ctx.ops, PROVINCE, "f" * 32)
    assert job["status"] == "failed" and "中断" in job["message"]


def _callback(client, output: str, outputs: list, inputs: list, state: list | None = None):
    body = {
        "output": output,
        "outputs": outputs,
        "inputs": inputs,
        "state": state or [],
        "changedPropIds": [
            f"{inputs[0]['id'] if isinstance(inputs[0]['id'], str) else ''}.{inputs[0]['property']}"
        ],
    }
    return client.post("/_dash-update-component", json=body)


def test_briefing_callback_checks_the_unit_in_the_users_scope(as_user, ctx):
    """The unit comes from the browser: a forged one is refused and nothing is queued."""
    import json

    client = as_user("ziyang_manager")
    before = len(jobs.mine(ctx.ops, ZIYANG, 100))
    outputs = {"id": "brief-feedback", "property": "children"}
    for code, period, message in (
        ("610000000000", "2026-10", "无权访问"),
        ("610924000000", "2026-99", "统计期不正确"),
        ("610924000000", "2019-01", "统计期不正确"),
    ):
        r = _callback(
            client,
            "brief-feedback.children",
            outputs,
            [{"id": "brief-generate", "property": "n_clicks", "value": 1}],
            [
                {"id": "brief-region", "property": "value", "value": code},
                {"id": "brief-period", "property": "value", "value": period},
            ],
        )
        text = json.dumps(r.get_json(), ensure_ascii=False)
        assert r.status_code == 200 and message in text, (code, text)
    assert len(jobs.mine(ctx.ops, ZIYANG, 100)) == before


def test_minutes_of_another_regions_meeting_are_refused(as_user, ctx):
    """The dispatch view's minutes button: the meeting id comes from the browser, so a
    meeting of another region is refused and nothing is queued; one's own is queued."""
    import json

    from ops import tasks as T

    hanzhong = Scope("hanzhong_manager", "manager", "610700000000")
    other = T.create_meeting(ctx.ops, hanzhong, "汉中调度会", "2026-10-12", "")
    own = T.create_meeting(ctx.ops, ZIYANG, "紫阳调度会", "2026-10-13", "")
    client = as_user("ziyang_manager")
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if "dispatch-minutes" in d["inputs"][0]["id"])
    outputs = [
        {"id": o.split(".")[0], "property": o.split(".")[1]}
        for o in dep["output"].strip(".").split("...")
    ]

    def click(mid):
        wid = {"index": mid, "type": "dispatch-minutes"}
        return client.post(
            "/_dash-update-component",
            json={
                "output": dep["output"],
                "outputs": outputs,
                "state": [],
                "inputs": [[{"id": wid, "property": "n_clicks", "value": 1}]],
                "changedPropIds": [json.dumps(wid, separators=(",", ":")) + ".n_clicks"],
            },
        )

    before = len(jobs.mine(ctx.ops, ZIYANG, 100))
    r = click(other)
    assert r.status_code == 200
    assert "会议记录不存在，或不在您的辖区内。" in json.dumps(r.get_json(), ensure_ascii=False)
    assert len(jobs.mine(ctx.ops, ZIYANG, 100)) == before
    r = click(own)
    assert r.status_code == 200
    queued = jobs.mine(ctx.ops, ZIYANG, 1)[0]
    assert queued["kind"] == "minutes" and queued["target"] == f"meeting:{own}"
    assert _wait(ctx, ZIYANG, queued["id"])["status"] == "done"


def test_old_exports_are_removed_and_say_so(ctx, as_user):
    """Files past JZ_EXPORT_KEEP_DAYS go when the next export is asked for; the job stays
    in the list as removed, and its link answers 410 with the reason."""
    import datetime as dt

    from ops.schema import export_jobs

    job_id = jobs.submit(
        ctx.ops,
        ctx.settings,
        PROVINCE,
        "page",
        "/old",
        "610000000000",
        {},
        lambda p: ("old.png", b"\x89PNG old"),
        "zh",
        wait=True,
    )
    path = jobs.file_path(ctx.settings, job_id)
    assert path.read_bytes() == b"\x89PNG old"
    with ctx.ops.begin() as conn:
        conn.execute(
            export_jobs.update()
            .where(export_jobs.c.id == job_id)
            .values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8))
        )
    client = as_user("province_admin")
    assert client.get(f"/export/job/{job_id}").status_code == 200
    assert jobs.prune(ctx.ops, ctx.settings) == 1
    assert not path.exists() and jobs.get(ctx.ops, PROVINCE, job_id)["status"] == "expired"
    r = client.get(f"/export/job/{job_id}")
    assert r.status_code == 410 and "已超过保存期限" in r.get_json()["error"]
    assert jobs.prune(ctx.ops, ctx.settings) == 0


def test_page_images_go_to_the_app_itself_whatever_the_host_header(ctx, as_user, monkeypatch):
    """The page image callback with a forged Host: the server's browser is sent to the
    app's own address (JZ_INTERNAL_URL or its listening address), with the user's
    cookies for that address only."""
    import json

    seen = {}

    def fake_png(
        settings, base, path, cookies, width, height, selector=None, full_page=False, prepare=None
    ):
        seen.update(
            base=base,
            path=path,
            cookies=cookies,
            size=(width, height),
            selector=selector,
            full_page=full_page,
            prepare=prepare,
        )
        return b"\x89PNG fake"

    monkeypatch.setattr(render, "page_png", fake_png)
    client = as_user("ziyang_manager")
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if any(i["id"] == "shell-export-go" for i in d["inputs"]))
    outputs = [
        {"id": o.split(".")[0], "property": o.split(".")[1].split("@")[0]}
        for o in dep["output"].strip(".").split("...")
    ]
    body = {
        "output": dep["output"],
        "outputs": outputs,
        "inputs": [
            {"id": "shell-export-go", "property": "n_clicks", "value": 1},
            {"id": "shell-export-map", "property": "n_clicks", "value": None},
        ],
        "state": [
            {"id": "shell-export-size", "property": "value", "value": "1366x768"},
            {"id": "shell-export-full", "property": "checked", "value": True},
            {
                "id": "shell-url",
                "property": "href",
                "value": "http://evil.example:9999/monitoring/610924000000",
            },
        ],
        "changedPropIds": ["shell-export-go.n_clicks"],
    }
    session = client.get_cookie("jz_session")
    client.set_cookie("jz_session", session.value, domain="169.254.169.254")
    r = client.post("/_dash-update-component", json=body, headers={"Host": "169.254.169.254"})
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    job = jobs.mine(ctx.ops, ZIYANG, 1)[0]
    assert _wait(ctx, ZIYANG, job["id"])["status"] == "done"
    # The app's own address (JZ_INTERNAL_URL, or where it listens: 127.0.0.1:8050 here,
    # the live server's address once the browser tests have set it), never the request's.
    assert seen["base"] == service.self_url(ctx.settings)
    assert seen["base"].startswith("http://127.0.0.1:") and "169.254" not in seen["base"]
    assert seen["path"] == "/monitoring/610924000000" and seen["size"] == (1366, 768)
    assert seen["full_page"] is True and seen["selector"] is None and seen["prepare"] is None
    assert {c["url"] for c in seen["cookies"]} == {seen["base"]}
    assert "jz_session" in {c["name"] for c in seen["cookies"]}
    # The file is named by the time the job list shows (Beijing), not by UTC.
    from domain import clock

    stamp = _wait(ctx, ZIYANG, job["id"])["filename"].rsplit("-", 2)[-2:]
    named = dt.datetime.strptime("-".join(stamp).removesuffix(".png"), "%Y%m%d-%H%M%S")
    assert abs((named - clock.local(clock.utcnow()).replace(tzinfo=None)).total_seconds()) < 300
    # A size outside the limits, or another route than a page: a message, no job.
    for size, href, message in (
        ("9999x1", "/monitoring/610924000000", "图片尺寸"),
        ("1920x1080", "/export/households.csv", "不能导出为图片"),
    ):
        body["state"][0]["value"], body["state"][2]["value"] = size, href
        r = client.post("/_dash-update-component", json=body)
        assert message in json.dumps(r.get_json(), ensure_ascii=False)
    assert jobs.mine(ctx.ops, ZIYANG, 1)[0]["id"] == job["id"]


def test_the_servers_browser_loads_nothing_from_elsewhere(ctx):
    """A briefing's HTML that asked for a remote image still renders; the request is
    refused by the browser's fence, not made."""
    body = render.html_pdf(
        ctx.settings, '<p>测试</p><img src="http://example.org/x.png">', {}, "页脚 <b>"
    )
    assert body[:5] == b"%PDF-"
    assert "http://example.org/x.png" in render.BLOCKED
    from tests.exports.conftest import pdf_text

    text = pdf_text(body)[1]
    assert "测试" in text and "页脚 <b>" in text  # the footer is text, not markup


def test_a_user_may_have_three_exports_on_the_way(ctx):
    started = threading.Event()
    release = threading.Event()

    def slow(progress):
        started.set()
        release.wait(30)
        return "slow.png", b"\x89PNG"

    hanzhong = Scope("hanzhong_manager", "manager", "610700000000")
    ids = [
        jobs.submit(ctx.ops, ctx.settings, hanzhong, "page", "/", "610700000000", {}, slow, "zh")
        for _ in range(jobs.MAX_PENDING)
    ]
    try:
        with pytest.raises(jobs.TooMany) as exc:
            jobs.submit(
                ctx.ops, ctx.settings, hanzhong, "page", "/", "610700000000", {}, slow, "zh"
            )
        assert str(exc.value) == "您已有 3 个导出正在生成，请等其完成后再提交。"
        entry = audit.recent(ctx.ops, 1, actor="hanzhong_manager")[0]
        assert entry["outcome"] == "refused_busy"
    finally:
        release.set()
    assert {_wait(ctx, hanzhong, i)["status"] for i in ids} == {"done"}


def test_a_file_follows_its_users_scope(ctx, as_user):
    """A province image made before the user was moved to a county is no longer theirs
    to download."""
    from ops.schema import export_jobs

    job_id = jobs.submit(
        ctx.ops,
        ctx.settings,
        ZIYANG,
        "page",
        "/",
        "610924000000",
        {},
        lambda p: ("p.png", b"\x89PNG"),
        "zh",
        wait=True,
    )
    client = as_user("ziyang_manager")
    assert client.get(f"/export/job/{job_id}").status_code == 200
    with ctx.ops.begin() as conn:  # as if made while the user's scope was the province
        conn.execute(
            export_jobs.update()
            .where(export_jobs.c.id == job_id)
            .values(region_code="610000000000")
        )
    assert client.get(f"/export/job/{job_id}").status_code == 403


def test_a_browser_that_will_not_start_is_a_message_not_a_hang(ctx):
    """A chromium that exits at once (here /bin/false): both renderers answer with a
    message within their time limits, and the next render starts a new browser."""
    bad = ctx.settings.model_copy(update={"chromium": "/bin/false"})
    fig = charts.build(ctx.warehouse, PROVINCE, "mon-trend", {"region": "610900000000"})
    t0 = time.time()
    with pytest.raises(render.Unavailable) as exc:
        render._Kaleido().png(bad, fig, {"format": "png", "width": 400, "height": 300})
    assert "渲染失败" in str(exc.value) and time.time() - t0 < 70
    t0 = time.time()
    with pytest.raises(Exception):  # noqa: B017 - Playwright's launch error, passed on
        render._Browser().call(bad, lambda browser: browser.new_context())
    assert time.time() - t0 < 70
    # The app's own renderers are unaffected.
    assert render.figure_png(ctx.settings, fig)[:4] == b"\x89PNG"


def test_a_chart_renderer_restarted_mid_way_renders_again(ctx):
    fig = charts.build(ctx.warehouse, PROVINCE, "mon-trend", {"region": "610900000000"})
    first = render.figure_png(ctx.settings, fig)
    render._kaleido._restart_later(render._kaleido._k)  # as after a timeout or a crash
    assert render.figure_png(ctx.settings, fig) == first
