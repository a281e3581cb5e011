"""The shell in a real browser: the navigation marks the current page's entry, on the
first load and after client-side navigation (Dash pages change the URL without a reload)."""

from __future__ import annotations

from tests.conftest import DEMO_PASSWORDS

TIMEOUT = 30_000
ACTIVE = ".jz-nav-link[data-active]"


def _active(page) -> list[str]:
    return page.eval_on_selector_all(ACTIVE, "els => els.map(e => e.innerText.trim())")


def _wait_active(page, label: str) -> None:
    page.wait_for_function(
        "label => { const a = [...document.querySelectorAll('.jz-nav-link[data-active]')];"
        " return a.length === 1 && a[0].innerText.trim() === label; }",
        arg=label,
        timeout=TIMEOUT,
    )


def _looks_active(page, label: str) -> bool:
    """The entry is on top at its centre and drawn unlike the others (its background)."""
    return page.evaluate(
        """label => {
        const links = [...document.querySelectorAll('.jz-nav-link')];
        const link = links.find(e => e.innerText.trim() === label);
        const r = link.getBoundingClientRect();
        const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        const bg = e => getComputedStyle(e).backgroundColor;
        return link.contains(top) && links.filter(e => e !== link)
            .every(e => bg(e) !== bg(link));
    }""",
        label,
    )


def test_the_current_pages_entry_is_active(watched):
    page = watched.page
    watched.login("ziyang_manager", DEMO_PASSWORDS["ziyang_manager"])
    page.wait_for_selector("[data-kpi]", timeout=TIMEOUT)
    _wait_active(page, "总览")
    # A unit below the user's own: the drill-down's entry (its link is the user's unit).
    page.goto(watched.base + "/region/610924100000")
    page.wait_for_selector("#region-title", timeout=TIMEOUT)
    _wait_active(page, "地区下钻")
    assert _looks_active(page, "地区下钻")
    watched.shot("nav-active-region")
    # Client-side navigation: no reload, the entry follows.
    page.evaluate("window.__noReload = 1")
    page.click(".jz-nav-link:has-text('预警线索处置')")
    page.wait_for_selector("#warn-title", timeout=TIMEOUT)
    _wait_active(page, "预警线索处置")
    assert _looks_active(page, "预警线索处置") and _active(page) == ["预警线索处置"]
    page.click(".jz-nav-link:has-text('风险监测')")
    page.wait_for_selector("#mon-title", timeout=TIMEOUT)
    _wait_active(page, "风险监测")
    watched.shot("nav-active-monitoring")
    # The browser's back button too.
    page.go_back()
    page.wait_for_selector("#warn-title", timeout=TIMEOUT)
    _wait_active(page, "预警线索处置")
    assert page.evaluate("window.__noReload") == 1
    # One household's page belongs to the household list.
    page.goto(watched.base + "/households/610924000000")
    page.wait_for_selector("#hh-grid .ag-pinned-left-cols-container a", timeout=TIMEOUT)
    _wait_active(page, "户列表")
    page.locator("#hh-grid .ag-pinned-left-cols-container a").first.click()
    page.wait_for_selector("#hhd-title", timeout=TIMEOUT)
    _wait_active(page, "户列表")
    assert watched.errors == []
