"""A change request on a phone in a real browser (390 × 844, touch): a village cadre opens
a household's card, reports from a member's link that the member left while the phone is
offline (the form comes from the service worker), sees it sent once when the connection
returns; the township approves it on its own phone, and the refresh applies it over the
registry (on a copy of the warehouse: the session's is shared) with the state shown."""

from __future__ import annotations

import shutil

import duckdb

from ops import changes as change_store
from ops import users
from ops.scoped import SYSTEM
from services import changes as change_service
from tests.browser.conftest import SHOTS

TIMEOUT = 30_000
PASSWORD = "long-enough-1"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _member(warehouse_path) -> tuple[str, int, int, str]:
    """A village's household with a present member other than the head: village,
    household, member and the member's name."""
    con = duckdb.connect(str(warehouse_path), read_only=True)
    row = con.execute(
        "select h.village_code, h.household_id, p.person_id, p.name from household h "
        "join person p using (household_id) where h.is_registered and p.left_date is null "
        "and p.relation <> '01' and h.members >= 2 order by h.village_code, p.person_id limit 1"
    ).fetchone()
    con.close()
    return row


def _login(ctx, live_server, name):
    page = ctx.new_page()
    page.goto(live_server + "/login?next=/m/")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#m-households", timeout=TIMEOUT)
    return page


def _form_ready(page) -> None:
    """The form is there and field.js has filled it from the link."""
    page.wait_for_selector("#m-form", timeout=TIMEOUT)
    page.wait_for_function(
        "() => document.getElementById('m-member-label').textContent !== ''", timeout=TIMEOUT
    )


def test_a_change_reported_offline_is_reviewed_and_applied(
    browser, live_server, warehouse_path, tmp_path
):
    from web import context

    engine = context.ops()
    village, hid, pid, name = _member(warehouse_path)
    cadre, town = f"c_{village}", f"ct_{village[:9]}"
    if users.get(engine, cadre) is None:
        users.create(engine, cadre, PASSWORD, "cadre", village, 5)
    if users.get(engine, town) is None:
        users.create(engine, town, PASSWORD, "cadre", village[:9] + "000", 4)

    ctx = browser.new_context(**PHONE, locale="zh-CN")
    page = _login(ctx, live_server, cadre)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.evaluate("() => navigator.serviceWorker.ready")
    page.wait_for_function("async () => !!(await caches.match('/m/change'))", timeout=TIMEOUT)
    page.goto(live_server + f"/m/household/{hid}")
    page.click(f'a[href*="member={pid}&"]')
    _form_ready(page)
    assert page.inner_text("#m-member-label") == name
    # A member's link offers a member's changes only, and shows only the chosen kind's fields.
    kinds = page.eval_on_selector_all(
        "#m-change-kind option:not([disabled])", "els => els.map(e => e.value)"
    )
    assert kinds == ["member", "member_left"]
    assert page.is_visible("select[name=health]") and page.is_hidden("input[name=phone]")

    ctx.set_offline(True)
    page.reload()  # offline: the form comes from the service worker, the member from the link
    _form_ready(page)
    assert page.inner_text("#m-member-label") == name
    page.select_option("#m-change-kind", "member_left")
    assert page.is_hidden("select[name=health]") and page.is_visible("input[name=left_date]")
    page.fill("input[name=left_date]", "2026-10-15")
    page.select_option("select[name=left_reason]", "2")
    page.fill("textarea[name=note]", "嫁到邻村，户口已迁出")
    page.click("#m-form button[type=submit]")
    page.wait_for_selector("#m-queue:not([hidden])", timeout=TIMEOUT)
    assert page.inner_text("#m-queue-count") == "1"
    assert change_store.list_changes(engine, SYSTEM, household_id=hid) == []
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "change-offline-390.png"), full_page=True)

    ctx.set_offline(False)
    page.wait_for_selector("#m-queue[hidden]", state="attached", timeout=TIMEOUT)
    page.evaluate("() => window.jzField.flush()")
    made = change_store.list_changes(engine, SYSTEM, household_id=hid)
    assert [(c["kind"], c["values"], c["note"], c["state"]) for c in made] == [
        (
            "member_left",
            {"left_date": "2026-10-15", "left_reason": "2"},
            "嫁到邻村，户口已迁出",
            "submitted",
        )
    ]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    ctx.close()

    # The township, on its phone: the request waits on its list and is approved.
    ctx = browser.new_context(**PHONE, locale="zh-CN")
    page = _login(ctx, live_server, town)
    page.goto(live_server + "/m/changes")
    page.click(f'#chg-waiting-list a[href="/m/changes/{made[0]["id"]}"]')
    page.wait_for_selector('#chg-state[data-state="submitted"]', timeout=TIMEOUT)
    assert name in page.inner_text("main") and "婚出" in page.inner_text("main")
    page.click("button[data-action=approve]")
    page.wait_for_selector('#chg-state[data-state="approved"]', timeout=TIMEOUT)

    # The refresh applies it (on a copy: the live server's warehouse is the session's).
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse_path, copy)
    from etl import warehouse

    warehouse.refresh_cases(copy, [], change_service.for_warehouse(engine))
    assert change_service.after_refresh(engine, copy) >= 1
    con = duckdb.connect(str(copy), read_only=True)
    left = con.execute(
        "select left_date::varchar, left_reason from person where person_id = ?", [pid]
    ).fetchone()
    con.close()
    assert left == ("2026-10-15", 2)
    page.reload()
    page.wait_for_selector('#chg-state[data-state="applied"]', timeout=TIMEOUT)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "change-applied-390.png"), full_page=True)
    assert errors == []
    ctx.close()
