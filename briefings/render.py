"""Rendering on the server: plotly figures to PNG through kaleido, and HTML to PDF and
pages to PNG through Playwright, both driving Debian's chromium with the CJK font the
settings name. Nothing is fetched from the network: plotly.js comes from the plotly
package, MathJax is off, fonts are the system's.

Both renderers are started on first use, in the process that uses them (after
gunicorn's fork), and kept warm. Each serialises its own work; callers in other threads
wait for their turn.
"""

from __future__ import annotations

import copy
import logging
import queue
import shutil
import subprocess
import threading
from concurrent.futures import Future
from pathlib import Path

import plotly

from config import Settings
from web.i18n import t

log = logging.getLogger("jingzhun.render")

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
INSTALL = "sudo apt-get install -y chromium fonts-wqy-microhei"
# Chromium on a closed network: no background traffic, no first-run work.
CHROMIUM_ARGS = ["--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-default-apps",
                 "--disable-quic", "--no-sandbox", "--disable-gpu"]
CHART_WIDTH = 1200  # px at 1×; every chart PNG is rendered at 2×
SCALE = 2


class Unavailable(RuntimeError):
    """An export cannot be made on this machine; the message says what is missing and
    how to install it. The dashboard itself is not affected."""


def missing(settings: Settings) -> list[str]:
    """What the exports need and this machine lacks (empty when all is there)."""
    out = []
    exe = shutil.which(settings.chromium)
    if exe is None:
        out.append(t("export.missing.chromium", path=settings.chromium))
    if not font_file(settings.cjk_font):
        out.append(t("export.missing.font", font=settings.cjk_font))
    return out


_fonts: dict[str, str | None] = {}


def font_file(family: str) -> str | None:
    """The file of an installed font family (fontconfig), or None."""
    if family not in _fonts:
        try:
            res = subprocess.run(["fc-list", f":family={family}", "file"], capture_output=True,
                                 text=True, timeout=10, check=False)
            files = [ln.split(":")[0].strip() for ln in res.stdout.splitlines() if ln.strip()]
        except (OSError, subprocess.SubprocessError):
            files = []
        _fonts[family] = files[0] if files else None
    return _fonts[family]


def ensure(settings: Settings) -> None:
    """Raise Unavailable with what to install when an export cannot be rendered here."""
    gaps = missing(settings)
    if gaps:
        raise Unavailable(t("export.unavailable", what="; ".join(gaps), cmd=INSTALL))


def for_export(fig: dict, font: str, width: int, height: int) -> dict:
    """A copy of a figure laid out for a file: fixed size, the embedded font first."""
    fig = copy.deepcopy(fig)
    layout = fig.setdefault("layout", {})
    layout["font"] = {**layout.get("font", {}), "family": f'"{font}", sans-serif'}
    layout["width"], layout["height"] = width, height
    layout.pop("autosize", None)
    # On the page a card's padding frames the title; in a file it would touch the edge.
    title = layout.get("title")
    if isinstance(title, dict) and not title.get("x"):
        layout["title"] = {**title, "x": 0.012}
    return fig


# ------------------------------------------------------------------ figures (kaleido)
_kaleido_lock = threading.Lock()
_kaleido_started = False


def _kaleido(settings: Settings):
    import kaleido

    global _kaleido_started
    if not _kaleido_started:
        kaleido.start_sync_server(n=1, timeout=60, plotlyjs=str(PLOTLY_JS), mathjax=False,
                                  path=shutil.which(settings.chromium), headless=True,
                                  silence_warnings=True)
        _kaleido_started = True
    return kaleido


def figure_png(settings: Settings, fig: dict, width: int = CHART_WIDTH,
               height: int | None = None) -> bytes:
    """A plotly figure as a PNG at 2×, in the CJK font (kaleido and chromium)."""
    ensure(settings)
    height = int(height or fig.get("layout", {}).get("height") or 500)
    fig = for_export(fig, settings.cjk_font, width, height)
    with _kaleido_lock:  # kaleido's sync server takes one caller at a time
        try:
            return _kaleido(settings).calc_fig_sync(
                fig, opts={"format": "png", "width": width, "height": height,
                           "scale": SCALE})
        except Exception as exc:  # a dead browser: start afresh next time
            _restart_kaleido()
            raise Unavailable(t("export.render_failed", reason=type(exc).__name__)) from exc


def _restart_kaleido() -> None:
    import kaleido

    global _kaleido_started
    try:
        kaleido.stop_sync_server(silence_warnings=True)
    except Exception:  # noqa: BLE001 - already gone
        pass
    _kaleido_started = False


# ------------------------------------------------------------------ pages (Playwright)
class _Browser:
    """One chromium driven by Playwright from one thread (Playwright's sync API belongs
    to the thread that started it); work is queued to that thread."""

    def __init__(self) -> None:
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def call(self, settings: Settings, fn, timeout: float = 120.0):
        ensure(settings)
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, args=(settings,),
                                                name="jz-render", daemon=True)
                self._thread.start()
        fut: Future = Future()
        self._queue.put((fn, fut))
        return fut.result(timeout=timeout)

    def _loop(self, settings: Settings) -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = None
            while True:
                fn, fut = self._queue.get()
                if not fut.set_running_or_notify_cancel():
                    continue
                try:
                    if browser is None or not browser.is_connected():
                        browser = p.chromium.launch(
                            executable_path=shutil.which(settings.chromium),
                            args=CHROMIUM_ARGS)
                    fut.set_result(fn(browser))
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    fut.set_exception(exc)


_browser = _Browser()

FOOTER_STYLE = "font-size:8px;width:100%;padding:0 12mm;display:flex;color:#5b6877;"


def html_pdf(settings: Settings, html: str, figures: dict[str, dict], footer: str) -> bytes:
    """An HTML document as an A4 landscape PDF with page numbers. ``figures`` are
    plotly figures drawn into the elements of the same id as vector graphics."""
    font = settings.cjk_font

    def work(browser) -> bytes:
        ctx = browser.new_context()
        try:
            page = ctx.new_page()
            page.set_content(html, wait_until="load")
            if figures:
                page.add_script_tag(path=str(PLOTLY_JS))
                page.evaluate(
                    """figs => Promise.all(Object.entries(figs).map(([id, f]) =>
                         Plotly.newPlot(id, f.data, f.layout, {staticPlot: true})))""",
                    {k: for_export(f, font, *_box(f)) for k, f in figures.items()})
            page.evaluate("document.fonts.ready.then(() => true)")
            return page.pdf(
                format="A4", landscape=True, print_background=True,
                display_header_footer=True, header_template="<span></span>",
                footer_template=(f'<div style=\'{FOOTER_STYLE}font-family:"{font}"\'>'
                                 f'<span style="flex:1">{footer}</span>'
                                 '<span><span class="pageNumber"></span> / '
                                 '<span class="totalPages"></span></span></div>'),
                margin={"top": "10mm", "bottom": "14mm", "left": "12mm", "right": "12mm"})
        finally:
            ctx.close()

    return _browser.call(settings, work)


def _box(fig: dict) -> tuple[int, int]:
    lay = fig.get("layout", {})
    return int(lay.get("width") or 1000), int(lay.get("height") or 400)


def page_png(settings: Settings, url: str, cookies: list[dict], width: int, height: int,
             selector: str | None = None, full_page: bool = False) -> bytes:
    """A page of this app as the user sees it (their session cookies) at 2×, or only
    the element ``selector`` on it."""

    def work(browser) -> bytes:
        ctx = browser.new_context(viewport={"width": width, "height": height},
                                  device_scale_factor=SCALE, locale="zh-CN")
        try:
            ctx.add_cookies(cookies)
            page = ctx.new_page()
            page.goto(url, wait_until="networkidle", timeout=60_000)
            # Dash has drawn when no callback is pending and the page's parts are there.
            page.wait_for_function(
                "!document.querySelector('[data-dash-is-loading=\"true\"]')"
                " && !!document.querySelector('#_pages_content > *')", timeout=30_000)
            page.wait_for_load_state("networkidle")
            if selector:
                el = page.locator(selector).first
                if el.count() == 0:
                    raise LookupError(selector)
                el.scroll_into_view_if_needed()
                page.wait_for_timeout(400)  # the map's tiles-free redraw after a resize
                return el.screenshot(type="png")
            page.wait_for_timeout(300)
            return page.screenshot(type="png", full_page=full_page)
        finally:
            ctx.close()

    return _browser.call(settings, work)
