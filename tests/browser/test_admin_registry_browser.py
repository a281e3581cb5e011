"""Registry data in a real browser (/admin/registry): a province administrator uploads a
delivery and loads it, sees the progress bar and then the summary and the rejection
report; on a phone-wide screen the same from the server inbox. A file over the page's
cap is refused with the reason before anything is sent."""

from __future__ import annotations

import csv
import io

from tests.conftest import DEMO_PASSWORDS
from tests.web.test_admin_registry import _delivery, _zip, reg  # noqa: F401 (a fixture)


def _open(watched):
    page = watched.page
    watched.login("province_admin", DEMO_PASSWORDS["province_admin"])
    page.wait_for_selector("#shell-user", state="attached", timeout=30_000)
    page.goto(watched.base + "/admin/registry")
    page.wait_for_selector("#reg-start", timeout=30_000)
    return page


def _no_sideways_scroll(page) -> None:
    over = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert over <= 0, f"the page is {over}px wider than the screen"


def _load_and_watch(watched, name: str, width: int) -> str:
    """Start, see the bar, wait for the outcome; the outcome's text."""
    page = watched.page
    page.click("#reg-start")
    page.wait_for_selector("#reg-progress", state="visible", timeout=30_000)
    assert "%" in page.inner_text("#reg-step")
    # Well under way, as it is seen most of the time (or over already).
    page.wait_for_function(
        "() => (document.querySelector('#reg-step') || {innerText: '99'})"
        ".innerText.match(/^[1-9][0-9]/)",
        timeout=60_000,
    )
    watched.shot(f"admin-registry-progress-{width}")
    page.wait_for_selector("#reg-outcome", timeout=180_000)
    page.wait_for_selector("#reg-summary", state="visible", timeout=10_000)
    text = page.inner_text("#reg-last")
    assert "导入完成" in text and name in text and "共拒收 1 行" in text
    # The current registry follows once the app reads the new warehouse.
    page.wait_for_function(
        "() => document.querySelector('#reg-current-body').dataset.version === "
        "document.querySelector('#reg-outcome').dataset.version",
        timeout=30_000,
    )
    assert "tests/data/registry_tiny" in page.inner_text("#reg-current")
    _no_sideways_scroll(page)
    watched.shot(f"admin-registry-done-{width}")
    return text


def test_upload_load_progress_summary_and_report(watched, reg, tmp_path):  # noqa: F811
    _delivery(tmp_path / "d", bad_member=True)
    delivery = tmp_path / "2026-10 登记数据.zip"
    delivery.write_bytes(_zip(tmp_path / "d"))
    big = tmp_path / "全省.zip"
    with open(big, "wb") as f:
        f.truncate(15 * 2**20)
    page = _open(watched)
    watched.shot("admin-registry-1366")
    _no_sideways_scroll(page)
    # Too big for the page: said at once, nothing sent.
    page.set_input_files("#reg-upload input[type=file]", str(big))
    page.wait_for_selector("#reg-upload-alert", timeout=30_000)
    assert "全省.zip 为 15 MB，超过页面上传上限 14 MB" in page.inner_text("#reg-upload-alert")
    assert not (reg.registry_dir / "uploads").exists()
    # The delivery: uploaded, then loaded.
    page.set_input_files("#reg-upload input[type=file]", str(delivery))
    page.wait_for_selector("#reg-staged-alert", timeout=30_000)
    assert "已上传 2026-10 登记数据.zip" in page.inner_text("#reg-staged-alert")
    _load_and_watch(watched, "2026-10 登记数据.zip", 1366)
    with page.expect_download() as info:
        page.click("#reg-report")
    body = open(info.value.path(), "rb").read().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["文件", "行号", "字段", "值", "原因代码", "原因"]
    assert rows[1][:3] == ["members.csv", "2", "id_number"] and "*" * 11 in rows[1][3]
    assert watched.errors == [] and watched.external() == []


def test_from_the_inbox_on_a_phone(browser, live_server, reg, tmp_path):  # noqa: F811
    from tests.browser.conftest import Watched

    _delivery(reg.registry_inbox / "2026-10 tiny", bad_member=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        watched = Watched(context.new_page(), live_server)
        page = _open(watched)
        _no_sideways_scroll(page)
        watched.shot("admin-registry-390")
        # The navigation is a drawer the burger opens (and closes) on a phone.
        hidden = "document.querySelector('.jz-navbar').getBoundingClientRect().right <= 0"
        assert page.evaluate(hidden)
        page.click("#shell-burger")
        page.wait_for_function(f"() => !({hidden})", timeout=10_000)
        page.wait_for_timeout(400)  # the drawer's slide
        watched.shot("admin-registry-nav-390")
        page.click("#shell-burger")
        page.wait_for_function(f"() => {hidden}", timeout=10_000)
        page.get_by_role("tab", name="服务器收件目录").click()
        page.click("#reg-inbox")
        page.get_by_role("option", name="2026-10 tiny/", exact=False).click()
        _load_and_watch(watched, "2026-10 tiny", 390)
        assert watched.errors == [] and watched.external() == []
    finally:
        context.close()
