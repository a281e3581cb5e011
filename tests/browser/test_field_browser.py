"""Field work on a phone in a real browser (390 × 844, touch): a village cadre opens their
households, records a visit with a photo while the phone is offline (the page itself
comes from the service worker's cache), sees it waiting, goes online and sees it sent,
stored once; then reports a risk that appears as a monitoring case found on a visit."""

from __future__ import annotations

import io

import duckdb
from PIL import Image

from ops import cases as O
from ops import field as field_store
from ops import users
from tests.browser.conftest import SHOTS

TIMEOUT = 30_000
PASSWORD = "long-enough-1"


def _village(warehouse_path) -> tuple[str, int, int]:
    """A village with households to visit, one of them without a monitoring record or an
    open case (for the risk report): village, visited household, reported household."""
    con = duckdb.connect(str(warehouse_path), read_only=True)
    village, first, fresh = con.execute(
        "select h.village_code, min(h.household_id), "
        "max(h.household_id) filter (where m.household_id is null and h.is_registered) "
        "from household h left join monitoring m using (household_id) "
        "where h.is_registered group by 1 "
        "having count(*) filter (where m.household_id is null) >= 2 order by 1 desc limit 1"
    ).fetchone()
    con.close()
    return village, first, fresh


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_a_visit_recorded_offline_is_sent_once_online(browser, live_server, warehouse_path):
    from web import context

    engine = context.ops()
    village, first, fresh = _village(warehouse_path)
    name = f"m_{village}"
    if users.get(engine, name) is None:
        users.create(engine, name, PASSWORD, "cadre", village, 5)
    before = field_store.count_all(engine)

    ctx = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server + "/login?next=/m/")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#m-households .m-item", timeout=TIMEOUT)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "field-home-390.png"))
    # The service worker is installed and has kept the forms.
    page.evaluate("() => navigator.serviceWorker.ready")
    page.wait_for_function("async () => !!(await caches.match('/m/visit'))", timeout=TIMEOUT)

    page.click(f'a[href="/m/household/{first}"]')
    page.wait_for_selector("text=记录走访", timeout=TIMEOUT)
    page.click("text=记录走访")
    _filled(page)
    label = page.inner_text("#m-household-label")

    ctx.set_offline(True)
    page.reload()  # offline: the form comes from the service worker
    _filled(page)
    assert page.inner_text("#m-household-label") == label
    page.fill("textarea[name=notes]", "离线记录：入户查看，饮水正常")
    page.set_input_files(
        "input[name=photos]",
        files=[{"name": "入户.png", "mimeType": "image/png", "buffer": _png()}],
    )
    page.click("#m-form button[type=submit]")
    page.wait_for_selector("#m-queue:not([hidden])", timeout=TIMEOUT)
    assert page.inner_text("#m-queue-count") == "1"
    assert "恢复网络后自动发送" in page.inner_text("#m-message")
    page.wait_for_selector("#m-net:not([hidden])", timeout=TIMEOUT)  # the send found none
    assert field_store.count_all(engine) == before
    page.screenshot(path=str(SHOTS / "field-visit-offline-390.png"))

    ctx.set_offline(False)  # the "online" event sends what waited
    page.wait_for_selector("#m-queue[hidden]", state="attached", timeout=TIMEOUT)
    assert field_store.count_all(engine) == before + 1
    page.evaluate("() => window.jzField.flush()")  # nothing left to send again
    stored = field_store.visits_of(engine, _scope(name, village), first)
    assert [(v["notes"], len(v["photos"])) for v in stored] == [("离线记录：入户查看，饮水正常", 1)]
    assert field_store.count_all(engine) == before + 1

    page.goto(live_server + f"/m/risk?household={fresh}&label=x")
    page.wait_for_selector("#m-form", timeout=TIMEOUT)
    page.fill("textarea[name=note]", "户主务工受伤，收入骤降")
    page.click("#m-form button[type=submit]")
    page.wait_for_function(
        "() => document.getElementById('m-message').textContent === '已发送'", timeout=TIMEOUT
    )
    cases = O.list_cases(engine, O.SYSTEM, household_id=fresh)
    assert [(c["channel"], c["source_ref"], c["state"]) for c in cases] == [(2, "field", "opened")]
    page.goto(live_server + f"/m/household/{fresh}")
    page.wait_for_selector("text=待办：入户核实", timeout=TIMEOUT)
    page.screenshot(path=str(SHOTS / "field-card-390.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    # Another account's item waiting on this phone is not sent as this one's.
    page.evaluate(
        """() => new Promise(done => { const r = indexedDB.open('jz-field', 1);
        r.onsuccess = () => { const t = r.result.transaction('outbox', 'readwrite');
          t.objectStore('outbox').put({key: 'k'.repeat(32), user: 'someone-else', url: '/m/api/risks',
            fields: {household: '1', note: 'x'}, photos: [], label: '', title: '', saved: ''});
          t.oncomplete = done; }; })"""
    )
    page.evaluate("() => window.jzField.flush()")
    assert page.is_hidden("#m-queue") and field_store.count_all(engine) == before + 1
    # Logging out leaves no kept page of the households on the phone.
    page.click("form[data-clear-offline] button[type=submit]")
    page.wait_for_url("**/login**", timeout=TIMEOUT)
    assert page.evaluate("async () => (await caches.keys()).length") == 0
    assert errors == []
    ctx.close()


def _filled(page) -> None:
    """The form is there and field.js has filled it from its link (it runs deferred)."""
    page.wait_for_selector("#m-form", timeout=TIMEOUT)
    page.wait_for_function(
        "() => document.getElementById('m-household-label').textContent !== ''", timeout=TIMEOUT
    )


def _scope(name, village):
    from access import Scope

    return Scope(name, "cadre", village)


def test_a_household_sends_feedback_from_its_card_and_the_township_replies(
    browser, live_server, warehouse_path
):
    from web import context

    engine = context.ops()
    village, first, _ = _village(warehouse_path)
    name = f"t_{village[:9]}"
    if users.get(engine, name) is None:
        users.create(engine, name, PASSWORD, "cadre", village[:9] + "000", 4)
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

    ctx = browser.new_context(**phone, locale="zh-CN")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server + "/login?next=/m/")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#m-households", timeout=TIMEOUT)
    page.goto(live_server + f"/m/cards?household={first}")
    link = page.inner_text(".card .url")
    assert "/f/" in link

    # The household, on its own phone, without an account: the card's QR code.
    home = browser.new_context(**phone, locale="zh-CN")
    hp = home.new_page()
    hp.goto(link)
    hp.select_option("select[name=type]", "2")
    hp.fill("textarea[name=text]", "希望给家里安排一个公益岗位")
    hp.click("button[type=submit]")
    hp.wait_for_selector("text=感谢您的反馈", timeout=TIMEOUT)
    assert hp.evaluate("() => document.documentElement.scrollWidth") <= 390
    hp.screenshot(path=str(SHOTS / "feedback-public-390.png"))
    home.close()

    # The township: the ticket on its list, replied to.
    page.goto(live_server + "/m/feedback?state=received")
    page.click("#m-tickets a >> text=希望给家里安排一个公益岗位")
    page.wait_for_selector('#fb-state[data-state="received"]', timeout=TIMEOUT)
    reply = page.locator("form:has(button[data-action=reply])")
    reply.locator("textarea[name=note]").fill("已安排村保洁公益岗位，下月上岗")
    reply.locator("button[data-action=reply]").click()
    page.wait_for_selector('#fb-state[data-state="replied"]', timeout=TIMEOUT)
    assert "已安排村保洁公益岗位" in page.inner_text("main")
    page.screenshot(path=str(SHOTS / "feedback-ticket-390.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert errors == []
    ctx.close()
