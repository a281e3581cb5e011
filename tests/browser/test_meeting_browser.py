"""A command meeting in a real browser: two instructions from the agenda, the assignee
county acknowledges and reports one, and the dispatch view shows the change."""

from __future__ import annotations

from access import Scope
from ops import tasks as T
from ops import users
from tests.conftest import DEMO_PASSWORDS

TIMEOUT = 30_000
ANKANG = "610900000000"


def _open_dispatch(watched):
    page = watched.page
    page.goto(watched.base + f"/dispatch/{ANKANG}")
    page.wait_for_selector("#dispatch-title", timeout=TIMEOUT)
    page.wait_for_selector(".leaflet-overlay-pane path.leaflet-interactive", timeout=TIMEOUT)


def test_meeting(watched, browser):
    from web import context

    engine = context.ops()
    leader = Scope("ankang_leader", "leader", ANKANG)
    before = {t["id"] for t in T.list_tasks(engine, leader)}
    page = watched.page
    watched.login("ankang_leader", DEMO_PASSWORDS["ankang_leader"])
    page.wait_for_selector("[data-kpi]", timeout=TIMEOUT)
    _open_dispatch(watched)
    for i in (0, 1):  # two agenda items, two clicks each
        page.locator(".jz-agenda-item button").nth(i).click()
        page.wait_for_selector("#form-submit", state="visible", timeout=TIMEOUT)
        assert page.input_value("#form-title")
        page.click("#form-submit")
        page.wait_for_selector("#dispatch-created", timeout=TIMEOUT)
        page.wait_for_selector("#form-submit", state="hidden", timeout=TIMEOUT)
    watched.shot("dispatch-1366")
    made = [t for t in T.list_tasks(engine, leader) if t["id"] not in before]
    assert len(made) == 2 and all(t["state"] == "issued" for t in made)
    task = made[0]

    # The assignee county logs in, acknowledges, starts and reports.
    county = task["assignee_region"]
    name = f"assignee_{county[:6]}"
    if users.get(engine, name) is None:
        users.create(engine, name, "long-enough-1", "manager", county, 3)
    context2 = browser.new_context(viewport={"width": 1366, "height": 768})
    p2 = context2.new_page()
    errors: list[str] = []
    p2.on("pageerror", lambda e: errors.append(str(e)))
    p2.goto(watched.base + "/login")
    p2.fill("input[name=username]", name)
    p2.fill("input[name=password]", "long-enough-1")
    p2.click("button[type=submit]")
    p2.wait_for_selector("[data-kpi]", timeout=TIMEOUT)
    p2.goto(watched.base + f"/tasks?task={task['id']}")
    p2.wait_for_selector("#task-detail-title", timeout=TIMEOUT)
    assert p2.inner_text("#task-detail-title") == task["title"]
    for label, state in (
        ("签收", "acknowledged"),
        ("开始办理", "in_progress"),
        ("反馈办理情况", "reported"),
    ):
        p2.get_by_role("button", name=label, exact=True).click()
        p2.wait_for_function(
            "s => document.querySelector('.jz-task-detail') && "
            "document.querySelector('.jz-task-detail').innerText.includes(s)",
            arg={"acknowledged": "已签收", "in_progress": "办理中", "reported": "已反馈"}[state],
            timeout=TIMEOUT,
        )
        assert T.get(engine, leader, task["id"])["state"] == state
    p2.screenshot(
        path=str(watched.shot("tasks-1366").parent / "tasks-assignee-1366.png"), full_page=True
    )
    context2.close()
    assert errors == []

    # Back in the meeting: the board and the map show it.
    _open_dispatch(watched)
    board = page.inner_text("#dispatch-board")
    assert "已反馈 · 1" in board and f"#{task['id']}" in board
    legend = page.inner_text("#region-legend").splitlines()
    # Counties with instructions now stand out: more than one class besides "no data".
    assert legend[0] == "在办督办事项" and legend[2] == "≤ 0" and len(legend) >= 5
    watched.shot("dispatch-after-1366")
    assert watched.errors == []
    assert watched.external() == []
