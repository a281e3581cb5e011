"""The map's image in a real browser (export menu, "本页地图图片"): a title naming the
indicator, the unit and the period, the names of the units below where they fit, the
legend, and no zoom buttons; the page itself keeps its zoom buttons and tooltips."""

from __future__ import annotations

import io

from PIL import Image

from tests.conftest import DEMO_PASSWORDS

TIMEOUT = 30_000
TITLE = "紫阳县 · 每千人监测户数 · 2026年10月 末"

# Facts about the map box as drawn: what is visible, where, and what is on top.
FACTS = """() => {
  const box = document.querySelector('.jz-map-box');
  const seen = e => !!e && e.getClientRects().length > 0 &&
                    getComputedStyle(e).visibility !== 'hidden';
  const rect = e => e.getBoundingClientRect();
  const title = box.querySelector('.jz-map-export-title');
  const frame = rect(box.querySelector('.jz-map'));
  const legend = box.querySelector('.jz-legend');
  const labels = [...box.querySelectorAll('.jz-map-label > span')].filter(seen);
  const meet = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const boxes = labels.map(rect);
  let overlapping = 0;
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) if (meet(boxes[i], boxes[j])) overlapping++;
  const t = seen(title) ? rect(title) : null;
  const onTop = t ? document.elementFromPoint(t.left + 20, t.top + t.height / 2) : null;
  return {
    title: seen(title) ? title.innerText : null,
    titleOnTop: !!onTop && title.contains(onTop),
    zoom: seen(box.querySelector('.leaflet-control-zoom')),
    legend: seen(legend) ? legend.innerText.split('\\n')[0] : null,
    labels: labels.map(e => e.innerText),
    overlapping,
    outside: boxes.filter(r => r.left < frame.left || r.right > frame.right ||
                                r.top < frame.top || r.bottom > frame.bottom).length,
    onLegend: boxes.filter(r => meet(r, rect(legend))).length,
    mapTop: frame.top - rect(box).top, mapLeft: frame.left - rect(box).left,
  };
}"""


def _children(wh, code: str) -> set[str]:
    return {
        r[0] for r in wh.execute("select name from region where parent_code = ?", [code]).fetchall()
    }


def test_the_map_image_has_a_title_names_and_no_zoom_buttons(watched, wh):
    page = watched.page
    watched.login("ziyang_manager", DEMO_PASSWORDS["ziyang_manager"])
    page.wait_for_selector("[data-kpi]", timeout=TIMEOUT)
    page.goto(watched.base + "/region/610924000000")
    page.wait_for_selector(".jz-map-box .leaflet-interactive", timeout=TIMEOUT)
    # On the page: zoom buttons, no title or names on the map (the tooltips name units).
    on_page = page.evaluate(FACTS)
    assert (on_page["title"], on_page["zoom"], on_page["labels"]) == (None, True, [])
    # The image the server makes, through the export menu.
    page.click("#shell-export")
    page.click("#shell-export-map")
    button = page.locator("#shell-export-download")
    button.wait_for(timeout=90_000)
    with page.expect_download(timeout=90_000) as info:
        button.click()
    image = Image.open(io.BytesIO(open(info.value.path(), "rb").read())).convert("RGB")
    page.keyboard.press("Escape")
    page.wait_for_selector(".mantine-Modal-overlay", state="detached", timeout=TIMEOUT)
    # The page as the server's browser readied it for the image.
    page.evaluate("window.jz.map.forExport()")
    page.locator(".jz-map-box").scroll_into_view_if_needed()
    facts = page.evaluate(FACTS)
    assert facts["title"] == TITLE and facts["titleOnTop"]
    assert facts["zoom"] is False and facts["legend"] == "每千人监测户数"
    names = _children(wh, "610924000000")
    assert facts["labels"] and set(facts["labels"]) <= names
    assert len(facts["labels"]) >= len(names) // 2  # townships' names fit, mostly
    assert (facts["overlapping"], facts["outside"], facts["onLegend"]) == (0, 0, 0)
    box = page.locator(".jz-map-box").bounding_box()
    assert abs(image.height - 2 * box["height"]) <= 4
    # Where the zoom buttons were (the map's top left corner): the map's own background,
    # not their white buttons; above the map, the title's dark text.
    x, y = int(2 * (facts["mapLeft"] + 25)), int(2 * (facts["mapTop"] + 25))
    assert image.getpixel((x, y)) == (233, 237, 242)
    title_row = [image.getpixel((i, int(facts["mapTop"]))) for i in range(0, 600)]
    assert min(sum(p) for p in title_row) < 200
    image.save(watched.shot("map-export-ziyang").with_name("map-export-ziyang.png"))
    assert watched.errors == [] and watched.external() == []


def test_village_points_are_named_above_their_dots(watched, wh):
    page = watched.page
    watched.login("ziyang_manager", DEMO_PASSWORDS["ziyang_manager"])
    page.wait_for_selector("[data-kpi]", timeout=TIMEOUT)
    page.goto(watched.base + "/region/610924100000")  # a township: its villages as dots
    page.wait_for_selector(".jz-map-box .leaflet-interactive", timeout=TIMEOUT)
    page.evaluate("window.jz.map.forExport()")
    facts = page.evaluate(FACTS)
    assert facts["title"] == TITLE.replace("紫阳县", "城关镇")
    assert facts["labels"] and set(facts["labels"]) <= _children(wh, "610924100000")
    assert (facts["overlapping"], facts["outside"], facts["zoom"]) == (0, 0, False)
    watched.page.locator(".jz-map-box").screenshot(
        path=str(watched.shot("x").with_name("map-export-chengguan.png"))
    )
    assert watched.errors == []
