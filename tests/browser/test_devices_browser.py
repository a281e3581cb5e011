"""Every page of the navigation on a phone (390 × 844) and a tablet (820 × 1180), touch
screens both, as a county manager and a village cadre see them: no page scrolls
sideways (tables scroll inside their frame or become narrower), the header stays one
line (56 px), the navigation is a drawer behind the burger on the phone, and every
control is at least 44 px high. Links in running text or in a table's or grid's cells
keep their line height (WCAG's inline exception), and map markers are exempt (the map
around them is the target)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SHOTS
from tests.conftest import DEMO_PASSWORDS

TIMEOUT = 30_000
DEVICES = {"phone": (390, 844), "tablet": (820, 1180)}
MIN_TAP = 44
MEASURE = """(minTap) => {
  const small = [];
  document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, [role=button], [role=tab]').forEach(e => {
    let box = e;
    if (e.matches('input[type=checkbox], input[type=radio]')) {
      box = e.closest('.mantine-Checkbox-body, .mantine-Switch-body, .mantine-Radio-body, label') || e;
    }
    box = e.closest('.mantine-PillsInput-input, .mantine-MultiSelect-input, .mantine-TagsInput-input') || box;  // a multi-select's field inside its box
    const r = box.getBoundingClientRect();
    if (!r.width || !r.height) return;
    const st = getComputedStyle(e);
    if (st.visibility === 'hidden' || st.display === 'none' || e.closest('[hidden], .mantine-AppShell-navbar[data-hidden]')) return;
    if (e.closest('.ag-root-wrapper, .leaflet-marker-pane')) return;
    if (e.tagName === 'A' && e.closest('td, th, p, li, .mantine-Text-root')) return;
    if (r.height < minTap) small.push((e.id || e.className || e.tagName).toString().slice(0, 50) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
  });
  const header = document.querySelector('.jz-header');
  return {
    width: document.documentElement.scrollWidth,
    header: header ? Math.round(header.getBoundingClientRect().height) : 0,
    small: small,
  };
}"""


@pytest.mark.parametrize("account", ["ziyang_manager", "chengguan_village"])
@pytest.mark.parametrize("device", list(DEVICES))
def test_every_page_fits_a_touch_screen(browser, live_server, account, device):
    width, height = DEVICES[device]
    ctx = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server + "/login")
    page.fill("input[name=username]", account)
    page.fill("input[name=password]", DEMO_PASSWORDS[account])
    page.click("button[type=submit]")
    page.wait_for_selector(".jz-nav-link", state="attached", timeout=TIMEOUT)
    hrefs = page.evaluate(
        "() => [...document.querySelectorAll('.jz-nav-link')].map(a => a.getAttribute('href'))"
    )
    assert "/m/" in hrefs and len(hrefs) >= 8
    on_screen = (
        "() => { const r = document.querySelector('.jz-nav-link').getBoundingClientRect();"
        " return r.right > 0 && r.left < window.innerWidth; }"
    )
    if device == "phone":  # the navigation is a drawer: closed, the burger opens it
        assert page.is_visible("#shell-burger") and not page.evaluate(on_screen)
        page.click("#shell-burger")
        page.wait_for_function(on_screen, timeout=TIMEOUT)
    else:
        assert page.evaluate(on_screen) and not page.is_visible("#shell-burger")
    problems = {}
    for href in hrefs:
        page.goto(live_server + href)
        page.wait_for_load_state("networkidle", timeout=TIMEOUT)
        page.wait_for_timeout(300)
        found = page.evaluate(MEASURE, MIN_TAP)
        bad = []
        if found["width"] > width:
            bad.append(f"scrolls sideways: {found['width']} px")
        if href != "/m/" and found["header"] != 56:
            bad.append(f"header {found['header']} px")
        bad += found["small"]
        if bad:
            problems[href] = bad
        name = href.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(SHOTS / f"device-{device}-{account}-{name}.png"))
    assert problems == {}
    assert errors == []
    ctx.close()
