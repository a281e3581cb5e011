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
from i18n import t

log = logging.getLogger("jingzhun.render")

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
INSTALL = "sudo apt-get install -y chromium fonts-wqy-microhei"
# Chromium on a closed network: no background traffic, no first-run work.
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-quic",
    "--no-sandbox",
    "--disable-gpu",
]
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
            res = subprocess.run(
                ["fc-list", f":family={family}", "file"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
            files = [ln.split(":")[0].strip() for ln in res.stdout.splitlines() if ln.strip()]
        except (OSError, subprocess.SubprocessError):
            files = []
        _fonts[family] = files[0] if files else None
    return _fonts[family]


def ensure(settings: Settings) -> None:
    """Raise Unavailable with what to install when an export cannot be rendered here."""
    gaps = missing(settings)
    if gaps:
        # The command is for the administrator's log (and the README), not the screen.
        log.warning("exports unavailable (%s): install with %s", "; ".join(gaps), INSTALL)
        raise Unavailable(t("export.unavailable", what="; ".join(gaps)))


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
CHART_TIMEOUT = 30.0  # seconds for one chart, waiting for a free tab included


class _Kaleido:
    """kaleido's Kaleido (two tabs of one chromium) on an event loop of its own thread.

    Every call has a timeout and is cancelled when it runs out; a browser that failed to
    start, died or hung is closed and started afresh on the next call. (kaleido's own
    sync server waits without a timeout and cannot tell that its thread died.)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop = None
        self._k = None
        self._stop = None

    def _start(self, settings: Settings) -> None:
        import asyncio

        import kaleido

        ready = threading.Event()
        failure: list[BaseException] = []

        async def serve() -> None:
            mine = None
            try:
                async with kaleido.Kaleido(
                    n=2,
                    timeout=CHART_TIMEOUT,
                    plotlyjs=str(PLOTLY_JS),
                    mathjax=False,
                    path=shutil.which(settings.chromium),
                    headless=True,
                ) as k:
                    mine, stop = k, asyncio.Event()
                    self._k, self._stop = k, stop
                    ready.set()
                    await stop.wait()
            except BaseException as exc:  # noqa: BLE001 - reported to the caller
                failure.append(exc)
            finally:
                if self._k is mine:  # not a newer browser started meanwhile
                    self._k = None
                ready.set()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(serve())

        self._thread = threading.Thread(target=run, name="jz-kaleido", daemon=True)
        self._thread.start()
        if not ready.wait(60) or self._k is None:
            log.error("kaleido did not start: %r", failure[:1])
            raise Unavailable(
                t(
                    "export.render_failed",
                    reason=type(failure[0]).__name__ if failure else "timeout",
                )
            )

    def _restart_later(self, k) -> None:
        """Close the browser ``k`` (if it is still the current one); the next call starts
        a new one."""
        with self._lock:
            if self._k is not k:
                return
            loop, stop = self._loop, self._stop
            self._k = None
        if loop is not None and stop is not None and loop.is_running():
            loop.call_soon_threadsafe(stop.set)

    def png(self, settings: Settings, fig: dict, opts: dict) -> bytes:
        import asyncio

        with self._lock:
            if self._k is None or self._thread is None or not self._thread.is_alive():
                self._start(settings)
            k, loop = self._k, self._loop
        fut = asyncio.run_coroutine_threadsafe(k.calc_fig(fig, opts=opts), loop)
        try:
            return fut.result(timeout=CHART_TIMEOUT)
        except TimeoutError:
            fut.cancel()
            self._restart_later(k)
            raise Unavailable(t("export.render_failed", reason="timeout")) from None
        except Exception as exc:
            self._restart_later(k)
            raise Unavailable(t("export.render_failed", reason=type(exc).__name__)) from exc


_kaleido = _Kaleido()


def figure_png(
    settings: Settings, fig: dict, width: int = CHART_WIDTH, height: int | None = None
) -> bytes:
    """A plotly figure as a PNG at 2×, in the CJK font (kaleido and chromium)."""
    ensure(settings)
    height = int(height or fig.get("layout", {}).get("height") or 500)
    fig = for_export(fig, settings.cjk_font, width, height)
    return _kaleido.png(
        settings, fig, {"format": "png", "width": width, "height": height, "scale": SCALE}
    )


# ------------------------------------------------------------------ pages (Playwright)
STEP_TIMEOUT_MS = 30_000  # any one step of a page render: navigation, a script, a shot
JOB_TIMEOUT = 180.0  # a whole render, from when it starts
# What the server's browser was kept from loading (the last few, for the log and tests).
BLOCKED: list[str] = []


class _Browser:
    """One chromium driven by Playwright from one thread (Playwright's sync API belongs
    to the thread that started it); work is queued to that thread.

    A render that runs out of time is given up and its browser closed; if the driver
    itself dies, the thread ends and the next call starts a new one.
    """

    def __init__(self) -> None:
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._restart = threading.Event()

    def call(self, settings: Settings, fn):
        ensure(settings)
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, args=(settings,), name="jz-render", daemon=True
                )
                self._thread.start()
        fut: Future = Future()
        started = threading.Event()
        self._queue.put((fn, fut, started))
        # Waiting in the queue behind other renders does not count against this one.
        while not started.wait(1.0):
            if fut.done():
                break
            if not self._thread.is_alive():
                fut.cancel()  # a later browser thread skips it
                raise Unavailable(t("export.render_failed", reason="browser"))
        try:
            return fut.result(timeout=JOB_TIMEOUT)
        except TimeoutError:
            fut.cancel()
            self._restart.set()
            raise Unavailable(t("export.render_failed", reason="timeout")) from None

    def _loop(self, settings: Settings) -> None:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright

        try:
            p = sync_playwright().start()
        except Exception as exc:  # noqa: BLE001 - every waiting caller is told
            log.error("playwright did not start: %s", exc)
            self._fail_waiting(exc)
            return
        browser = None
        try:
            while True:
                fn, fut, started = self._queue.get()
                if not fut.set_running_or_notify_cancel():
                    continue
                started.set()
                try:
                    if browser is None or not browser.is_connected() or self._restart.is_set():
                        self._restart.clear()
                        if browser is not None:
                            _quietly(browser.close)
                        browser = p.chromium.launch(
                            executable_path=shutil.which(settings.chromium),
                            args=CHROMIUM_ARGS,
                            timeout=STEP_TIMEOUT_MS,
                        )
                    fut.set_result(fn(browser))
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    fut.set_exception(exc)
                    if isinstance(exc, PlaywrightError) and "closed" in str(exc).lower():
                        return  # the driver or the browser is gone: start afresh
        finally:
            _quietly(p.stop)

    def _fail_waiting(self, exc: BaseException) -> None:
        while True:
            try:
                _fn, fut, started = self._queue.get_nowait()
            except queue.Empty:
                return
            started.set()
            if fut.set_running_or_notify_cancel():
                fut.set_exception(Unavailable(t("export.render_failed", reason=type(exc).__name__)))


def _quietly(fn) -> None:
    try:
        fn()
    except Exception:  # noqa: BLE001 - closing what may already be gone
        pass


_browser = _Browser()

FOOTER_STYLE = "font-size:8px;width:100%;padding:0 12mm;display:flex;color:#5b6877;"


def _fence(ctx, allowed: tuple[str, ...]) -> None:
    """Let the browser load only ``allowed`` address prefixes (and inline data): the
    server's chromium never reaches another host, whatever a page asks for."""

    def route(r) -> None:
        url = r.request.url
        if url.startswith(allowed):
            r.continue_()
        else:
            BLOCKED.append(url[:200])
            del BLOCKED[:-50]
            r.abort()

    ctx.route("**/*", route)


def _timed_script(body: str) -> str:
    """A page script that gives up after STEP_TIMEOUT_MS instead of waiting forever."""
    return (
        f"(arg) => Promise.race([({body})(arg), new Promise((_, no) => setTimeout("
        f"() => no(new Error('timeout')), {STEP_TIMEOUT_MS}))])"
    )


def html_pdf(settings: Settings, html: str, figures: dict[str, dict], footer: str) -> bytes:
    """An HTML document as an A4 landscape PDF with page numbers and ``footer`` (plain
    text) in the margin. ``figures`` are plotly figures drawn into the elements of the
    same id as vector graphics. The document loads nothing from anywhere."""
    from markupsafe import escape

    font = settings.cjk_font

    def work(browser) -> bytes:
        ctx = browser.new_context()
        ctx.set_default_timeout(STEP_TIMEOUT_MS)
        _fence(ctx, ())
        try:
            page = ctx.new_page()
            page.set_content(html, wait_until="load")
            if figures:
                page.add_script_tag(path=str(PLOTLY_JS))
                page.evaluate(
                    _timed_script(
                        """figs => Promise.all(Object.entries(figs).map(([id, f]) =>
                         Plotly.newPlot(id, f.data, f.layout, {staticPlot: true})))"""
                    ),
                    {k: for_export(f, font, *_box(f)) for k, f in figures.items()},
                )
            page.evaluate(_timed_script("() => document.fonts.ready.then(() => true)"))
            return page.pdf(
                format="A4",
                landscape=True,
                print_background=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=(
                    f"<div style='{FOOTER_STYLE}font-family:\"{escape(font)}\"'>"
                    f'<span style="flex:1">{escape(footer)}</span>'
                    '<span><span class="pageNumber"></span> / '
                    '<span class="totalPages"></span></span></div>'
                ),
                margin={"top": "10mm", "bottom": "14mm", "left": "12mm", "right": "12mm"},
            )
        finally:
            ctx.close()

    return _browser.call(settings, work)


# The map's image: its title, the units' names that fit, no zoom buttons (assets/map.js).
MAP_EXPORT = "window.jz && window.jz.map && window.jz.map.forExport()"


def _box(fig: dict) -> tuple[int, int]:
    lay = fig.get("layout", {})
    return int(lay.get("width") or 1000), int(lay.get("height") or 400)


def page_png(
    settings: Settings,
    base_url: str,
    path: str,
    cookies: list[dict],
    width: int,
    height: int,
    selector: str | None = None,
    full_page: bool = False,
    prepare: str | None = None,
) -> bytes:
    """A page of this app (``base_url`` + ``path``) as the user sees it (their session
    cookies) at 2×, or only the element ``selector`` on it. ``prepare``, a script of the
    app's assets, readies the page for its image first (MAP_EXPORT: the map's title and
    names, no zoom buttons). The browser loads nothing but this app (and the map tiles an
    operator configured)."""
    allowed = (base_url.rstrip("/") + "/",)
    if settings.tile_url:
        from urllib.parse import urlsplit

        tiles = urlsplit(settings.tile_url.replace("{", "").replace("}", ""))
        allowed += (f"{tiles.scheme}://{tiles.netloc}/",)

    def work(browser) -> bytes:
        ctx = browser.new_context(
            viewport={"width": width, "height": height}, device_scale_factor=SCALE, locale="zh-CN"
        )
        ctx.set_default_timeout(STEP_TIMEOUT_MS)
        _fence(ctx, allowed)
        try:
            ctx.add_cookies(cookies)
            page = ctx.new_page()
            page.goto(base_url.rstrip("/") + path, wait_until="networkidle")
            # Dash has drawn when no callback is pending and the page's parts are there.
            # Selectors, not a JS predicate: the page's CSP forbids eval, which
            # wait_for_function's string predicate needs.
            page.wait_for_selector("#_pages_content > *", state="attached")
            page.wait_for_selector('[data-dash-is-loading="true"]', state="detached")
            page.wait_for_load_state("networkidle")
            if selector:
                el = page.locator(selector).first
                if el.count() == 0:
                    raise LookupError(selector)
                el.scroll_into_view_if_needed()
                page.wait_for_timeout(400)  # the map's redraw after scrolling
                if prepare:
                    page.evaluate(prepare)
                    page.wait_for_timeout(200)  # the map fits its frame again
                return el.screenshot(type="png")
            page.wait_for_timeout(300)
            return page.screenshot(type="png", full_page=full_page)
        finally:
            ctx.close()

    return _browser.call(settings, work)
