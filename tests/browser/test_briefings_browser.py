"""Exports in a real browser: a briefing asked for on /briefings with its progress and
file, this page and its map as images from the export menu, and a chart's PNG link."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfReader

from tests.conftest import DEMO_PASSWORDS
from tests.exports.conftest import png_facts


def _download(page, click) -> bytes:
    with page.expect_download(timeout=90_000) as info:
        click()
    return open(info.value.path(), "rb").read()


def test_briefing_from_the_page(watched):
    page = watched.page
    watched.login("ankang_leader", DEMO_PASSWORDS["ankang_leader"])
    page.wait_for_selector("[data-kpi]", timeout=30_000)
    page.goto(watched.base + "/briefings")
    page.wait_for_selector("#brief-generate", timeout=30_000)
    assert page.input_value("#brief-region") == "安康市"
    assert page.input_value("#brief-period") == "2026年10月"
    page.click("#brief-generate")
    page.wait_for_selector("#brief-alert", timeout=30_000)
    assert "已开始生成" in page.inner_text("#brief-alert")
    # Progress first, then the file.
    page.wait_for_selector("#brief-jobs-table tr[data-status]", timeout=30_000)
    link = page.locator("#brief-jobs-table tr[data-status=done] a.jz-download").first
    link.wait_for(timeout=90_000)
    watched.shot("briefings-ankang-1366")
    body = _download(page, link.click)
    reader = PdfReader(io.BytesIO(body))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) == 7 and "安康市防止返贫动态监测简报" in text
    assert watched.errors == [] and watched.external() == []


def _export(page) -> bytes:
    button = page.locator("#shell-export-download")
    button.wait_for(timeout=90_000)
    return _download(page, button.click)


def test_page_and_map_images_from_the_export_menu(watched):
    page = watched.page
    watched.login("ziyang_manager", DEMO_PASSWORDS["ziyang_manager"])
    page.wait_for_selector("[data-kpi]", timeout=30_000)
    page.goto(watched.base + "/monitoring/610924000000")
    page.wait_for_selector(".jz-map-box .leaflet-interactive", timeout=30_000)
    # The page at the default size, 1920 × 1080, drawn at 2×.
    page.click("#shell-export")
    page.click("#shell-export-page")
    page.wait_for_selector("#shell-export-go", timeout=10_000)
    watched.shot("export-dialog-1366")
    page.click("#shell-export-go")
    body = _export(page)
    size, colours, drawn = png_facts(body)
    assert size == (3840, 2160) and colours > 50 and drawn > 0.05
    Image.open(io.BytesIO(body)).save(watched.shot("x").with_name("export-page-ziyang.png"))
    page.keyboard.press("Escape")
    # A chosen size, the whole length of the page.
    page.click("#shell-export")
    page.click("#shell-export-page")
    page.click("#shell-export-size")
    page.click("text=1366 × 768")
    page.click("#shell-export-full")
    page.click("#shell-export-go")
    size, colours, drawn = png_facts(_export(page))
    assert size[0] == 2732 and size[1] > 2 * 768 + 400 and drawn > 0.05, size
    page.keyboard.press("Escape")
    # The map alone: the map box at 2×, as laid out at 1920 px wide (wider than here).
    page.click("#shell-export")
    page.click("#shell-export-map")
    body = _export(page)
    size, colours, drawn = png_facts(body)
    # As the server's browser readies it: with its title above (assets/map.js forExport).
    page.evaluate("window.jz.map.forExport()")
    box = page.locator(".jz-map-box").bounding_box()
    assert abs(size[1] - 2 * box["height"]) <= 4 and size[0] > 2 * box["width"]
    assert colours > 50 and drawn > 0.05
    Image.open(io.BytesIO(body)).save(watched.shot("x").with_name("export-map-ziyang.png"))
    assert watched.errors == [] and watched.external() == []


def test_chart_png_link(watched):
    page = watched.page
    watched.login("ziyang_manager", DEMO_PASSWORDS["ziyang_manager"])
    page.wait_for_selector("#overview-poverty .main-svg", timeout=30_000)
    body = _download(page, lambda: page.click("#overview-poverty-png"))
    size, colours, drawn = png_facts(body)
    assert size == (2400, 680) and colours > 20 and drawn > 0.02
    assert watched.errors == []


def test_minutes_from_the_dispatch_view(watched):
    """The dispatch view's minutes menu: nothing starts by itself when the page opens;
    a click makes the minutes PDF of that meeting."""
    from access import Scope
    from exports import jobs
    from ops import tasks as T
    from web import context

    # Hanzhong's: the other tests count Ankang's meetings in the shared store.
    ops = context.ops()
    hanzhong = Scope("hanzhong_manager", "manager", "610700000000")
    mid = T.create_meeting(ops, hanzhong, "浏览器测试调度会", "2026-10-20", "王五")
    T.create(
        ops,
        hanzhong,
        {
            "title": "汉台区核实监测户",
            "content": "",
            "priority": "high",
            "type": "meeting_decision",
            "assignee_region": "610702000000",
            "deadline": "2026-12-30",
            "source": "meeting",
            "source_ref": str(mid),
            "meeting_id": mid,
        },
        lambda c: True,
    )
    page = watched.page
    watched.login("hanzhong_manager", DEMO_PASSWORDS["hanzhong_manager"])
    page.wait_for_selector("[data-kpi]", timeout=30_000)
    before = len(jobs.mine(ops, hanzhong, 100))
    page.goto(watched.base + "/dispatch/610700000000")
    page.wait_for_selector("#dispatch-minutes-open", timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert len(jobs.mine(ops, hanzhong, 100)) == before
    page.click("#dispatch-minutes-open")
    page.click("text=浏览器测试调度会")
    button = page.locator("#shell-export-download")
    button.wait_for(timeout=90_000)
    body = _download(page, button.click)
    reader = PdfReader(io.BytesIO(body))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "会议纪要：浏览器测试调度会" in text and "汉台区核实监测户" in text
    assert len(jobs.mine(ops, hanzhong, 100)) == before + 1
    assert watched.errors == [] and watched.external() == []
