"""Check report pages as readers see them: in a real, offline, headless Chromium.

A report that looks right to a test that greps HTML can still show broken images,
overflow a laptop screen, or fill the console with errors from scripts that try to
reach the network. This module opens a page in the system's Chromium (Debian's
``chromium`` package), driven by Playwright's Python package, with every request
that is not ``file://`` or ``data:`` blocked and recorded, and reports what it saw.

The browser is found from the ``CMMC_CHROMIUM`` environment variable, else
``chromium`` (or ``chromium-browser``) on the ``PATH``; Playwright's own browser
downloads are never used. When no browser can be started,
:class:`BrowserUnavailable` says why (tests skip on it).

Length: over 500 lines. Each browser check is a short function on the same page session
(console, images, network, overflow, print, phone).

Examples
--------
>>> report = PageReport(path="index.html", title="Report", lang="en")
>>> report.problems()
[]
>>> PageReport(path="x.html", broken_images=["fig.png"]).problems()
['x.html: broken image fig.png', 'x.html: no <title>', 'x.html: no <html lang>']
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..errors import ReportError

T = TypeVar("T")

__all__ = [
    "BrowserUnavailable",
    "CHROMIUM_FLAGS",
    "OfflineBrowser",
    "PageReport",
    "check_page",
    "find_chromium",
    "open_browser",
    "screenshot_report",
]

#: Flags for a headless Chromium run as root on a machine with a closed network
#: (without the background-networking ones Chromium keeps calling home).
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

#: Schemes a self-contained report may load; anything else is blocked and recorded.
LOCAL_SCHEMES: tuple[str, ...] = ("file:", "data:", "blob:", "about:")

#: The height of one "screen" of a laptop (1366 x 768), in pixels.
SCREEN_HEIGHT = 768

#: Alternative texts that say nothing (nbconvert writes the first one on figures without alt).
PLACEHOLDER_ALTS: tuple[str, ...] = ("no description has been provided for this image",)

#: Elements whose width can push a page past the window.
_WIDE_SELECTOR = "table, pre, img, svg, canvas, iframe, video, figure"

_PAGE_STATE_JS = """
([sel, placeholders]) => {
  const vw = window.innerWidth;
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    const cls = (el.getAttribute('class') || '').trim().split(/\\s+/).filter(Boolean);
    if (cls.length) s += '.' + cls.slice(0, 2).join('.');
    return s;
  };
  const wide = [];
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > vw + 1 || r.width > vw + 1)) {
      wide.push(`${describe(el)} (${Math.round(r.width)} px wide, right edge ${Math.round(r.right)})`);
    }
  }
  // content hidden inside its own horizontal scroller is as unreadable as page overflow
  for (const el of document.body ? document.body.querySelectorAll('*') : []) {
    const ox = getComputedStyle(el).overflowX;
    if ((ox === 'auto' || ox === 'scroll') && el.scrollWidth > el.clientWidth + 1
        && el.clientWidth > 0) {
      const inner = el.querySelector(sel);
      const what = inner ? ` holding ${describe(inner)}` : '';
      wide.push(`${describe(el)}${what} (scrolls: ${el.scrollWidth} px of content in ${el.clientWidth} px)`);
    }
  }
  const images = [...document.images];
  const src = (i) => (i.getAttribute('src') || '(no src)').slice(0, 120);
  const tables = [...document.querySelectorAll('table')];
  return {
    title: document.title || '',
    lang: document.documentElement.getAttribute('lang') || '',
    scroll_width: document.documentElement.scrollWidth,
    viewport_width: vw,
    wide: wide,
    broken: images.filter((i) => !i.complete || i.naturalWidth === 0).map(src),
    no_alt: images.filter((i) => {
      const alt = (i.getAttribute('alt') || '').trim().toLowerCase();
      return !alt || placeholders.includes(alt);
    }).map(src),
    no_headers: tables.filter((t) => !t.querySelector('th'))
                      .map((t) => (t.id ? 'table#' + t.id : `table ${tables.indexOf(t) + 1}`)),
    raster: images.filter((i) => i.complete && i.naturalWidth > 0
                          && !/\\.svg(\\?|#|$)|^data:image\\/svg/i.test(i.currentSrc || i.src))
                  .map((i) => i.currentSrc || i.src),
  };
}
"""

_PRINT_HIDDEN_JS = """
() => [...document.images]
  .filter((i) => i.naturalWidth > 0)
  .filter((i) => { const r = i.getBoundingClientRect(); return r.width < 1 || r.height < 1; })
  .map((i) => (i.getAttribute('src') || '(no src)').slice(0, 120))
"""

_WAIT_IMAGES_JS = """
async () => {
  for (const i of document.images) i.loading = 'eager';
  await Promise.all([...document.images].map((i) => i.decode().catch(() => null)));
}
"""


class BrowserUnavailable(ReportError):
    """No Chromium (or no Playwright) to check or photograph the report with.

    A :class:`~cmmc_analysis.errors.ReportError`, so the command line prints it as
    one line; the browser tests skip on it with its message as the reason.
    """


@dataclass
class PageReport:
    """What a reader's browser saw on one page.

    Attributes
    ----------
    path
        The page's file name.
    title, lang
        ``document.title`` and ``<html lang>`` (empty when missing).
    console_errors
        Console messages of type error and uncaught script errors, in order.
    failed_requests
        ``"url (reason)"`` for every request that failed, blocked ones included.
    external_requests
        URLs of requests to anything but ``file:``/``data:`` (all were blocked).
    broken_images
        ``src`` of every ``<img>`` that did not load (``naturalWidth == 0``).
    images_without_alt
        ``src`` of every ``<img>`` whose alternative text is missing, blank or a
        placeholder (:data:`PLACEHOLDER_ALTS`).
    tables_without_headers
        Tables with no ``<th>`` cell (``table#id`` or ``table N``, N counted from 1).
    scroll_width, viewport_width
        ``document.documentElement.scrollWidth`` and ``window.innerWidth`` (px).
    wide_elements
        Tables, ``pre``, images... wider than the window or past its right edge,
        and boxes whose content scrolls horizontally inside them.
    headline
        Selector -> whether its first match is visible within the first screens.
    pdf_bytes
        Size of the page printed to PDF (A4); 0 when not printed.
    pdf_images
        Image objects in that PDF (``/Subtype /Image``; masks count too).
    n_images
        Raster images loaded on screen (the PDF should hold at least as many).
    print_hidden_images
        ``src`` of loaded images that print media hides (zero size when printed).
    """

    path: str
    title: str = ""
    lang: str = ""
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    images_without_alt: list[str] = field(default_factory=list)
    tables_without_headers: list[str] = field(default_factory=list)
    scroll_width: int = 0
    viewport_width: int = 0
    wide_elements: list[str] = field(default_factory=list)
    headline: dict[str, bool] = field(default_factory=dict)
    pdf_bytes: int = 0
    pdf_images: int = 0
    n_images: int = 0
    print_hidden_images: list[str] = field(default_factory=list)

    @property
    def overflow(self) -> bool:
        """Whether the page scrolls horizontally or holds a too-wide element."""
        return self.scroll_width > self.viewport_width or bool(self.wide_elements)

    @property
    def print_ok(self) -> bool:
        """Whether the PDF was made and every loaded image survived printing."""
        return (
            self.pdf_bytes > 0 and self.pdf_images >= self.n_images and not self.print_hidden_images
        )

    def problems(self) -> list[str]:
        """Every failed check as one line naming the page (empty when all pass)."""
        out = [f"{self.path}: console error {m}" for m in self.console_errors]
        out += [f"{self.path}: external request {u}" for u in self.external_requests]
        out += [f"{self.path}: broken image {s}" for s in self.broken_images]
        out += [f"{self.path}: no alternative text on image {s}" for s in self.images_without_alt]
        out += [f"{self.path}: no header cells in {t}" for t in self.tables_without_headers]
        if self.scroll_width > self.viewport_width:
            out.append(
                f"{self.path}: scrolls horizontally ({self.scroll_width} px of content "
                f"in a {self.viewport_width} px window)"
            )
        out += [f"{self.path}: too wide {w}" for w in self.wide_elements]
        out += [
            f"{self.path}: {sel!r} not visible in the first screens"
            for sel, seen in self.headline.items()
            if not seen
        ]
        if self.pdf_bytes and not self.print_ok:
            out.append(
                f"{self.path}: images lost in print ({self.pdf_images} in the PDF, "
                f"{self.n_images} on screen; hidden: {self.print_hidden_images})"
            )
        if not self.title.strip():
            out.append(f"{self.path}: no <title>")
        if not self.lang.strip():
            out.append(f"{self.path}: no <html lang>")
        return out


def find_chromium() -> str:
    """The Chromium executable to drive: ``$CMMC_CHROMIUM``, else one on the ``PATH``.

    Raises
    ------
    BrowserUnavailable
        When the variable names no file and no ``chromium`` is on the ``PATH``.

    Examples
    --------
    >>> find_chromium()  # doctest: +SKIP
    '/usr/bin/chromium'
    """
    env = os.environ.get("CMMC_CHROMIUM")
    if env:
        if Path(env).is_file() or shutil.which(env):
            return shutil.which(env) or env
        raise BrowserUnavailable(
            f"CMMC_CHROMIUM is {env!r}, which is not an executable file; "
            "expected the path of a Chromium binary"
        )
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise BrowserUnavailable(
        "no Chromium found: install the distribution's package (Debian: "
        "apt-get install chromium) or set CMMC_CHROMIUM to its path"
    )


class OfflineBrowser:
    """A running headless Chromium whose pages cannot reach the network.

    Made by :func:`open_browser`. Playwright runs in a thread of its own (its sync
    API keeps an event loop running in the thread that drives it, which would break
    ``asyncio.run`` in the caller, as in a notebook or a report build), so every
    use of the browser goes through :meth:`call`. Inside it, :meth:`page` lends one
    page per window size, reused from check to check (opening pages is the slow
    part); every request it makes that is not local is aborted and its URL appended
    to ``page.blocked``, which is emptied each time the page is lent.
    """

    def __init__(self, executor: ThreadPoolExecutor, browser: Any) -> None:
        self._executor = executor
        self.browser = browser
        self._pages: dict[tuple[int, int], Any] = {}

    def call(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run ``function(*args, **kwargs)`` in the browser's thread; return its result."""
        return self._executor.submit(function, *args, **kwargs).result()

    def _new_page(self, width: int, height: int) -> Any:
        context = self.browser.new_context(viewport={"width": width, "height": height})
        blocked: list[str] = []

        def _route(route: Any) -> None:
            url = route.request.url
            if url.startswith(LOCAL_SCHEMES):
                route.continue_()
            else:
                blocked.append(url)
                route.abort("blockedbyclient")

        context.route("**/*", _route)
        page = context.new_page()
        page.blocked = blocked
        return page

    @contextlib.contextmanager
    def page(self, *, width: int = 1366, height: int = SCREEN_HEIGHT) -> Iterator[Any]:
        """Lend the page of this window size (made on first use); only inside :meth:`call`."""
        key = (width, height)
        page = self._pages.get(key)
        if page is None or page.is_closed():
            page = self._pages[key] = self._new_page(width, height)
        page.blocked.clear()
        try:
            yield page
        finally:
            if not page.is_closed():
                page.emulate_media(media="screen")


def _start(executable: str) -> tuple[Any, Any]:
    """Start Playwright and Chromium (in the browser thread)."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        raise BrowserUnavailable(
            "the Python package playwright is not installed (pip install playwright); "
            "it drives the system Chromium, no browser download is needed"
        ) from err
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(
            executable_path=executable, headless=True, args=list(CHROMIUM_FLAGS)
        )
    except PlaywrightError as err:
        pw.stop()
        lines = str(err).strip().splitlines() or [type(err).__name__]
        raise BrowserUnavailable(f"Chromium at {executable} did not start: {lines[0]}") from err
    return pw, browser


def _stop(pw: Any, browser: Any) -> None:
    try:
        browser.close()
    finally:
        pw.stop()


@contextlib.contextmanager
def open_browser() -> Iterator[OfflineBrowser]:
    """Start the system Chromium headless and offline; close it on exit.

    Raises
    ------
    BrowserUnavailable
        When Playwright is not installed, no Chromium is found, or it fails to start.

    Examples
    --------
    >>> with open_browser() as browser:  # doctest: +SKIP
    ...     report = check_page("reports/it/index.html", browser=browser)
    """
    executable = find_chromium()
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cmmc-chromium")
    try:
        pw, browser = executor.submit(_start, executable).result()
        try:
            yield OfflineBrowser(executor, browser)
        finally:
            executor.submit(_stop, pw, browser).result()
    finally:
        executor.shutdown(wait=True)


@contextlib.contextmanager
def _browser_or_new(browser: OfflineBrowser | None) -> Iterator[OfflineBrowser]:
    if browser is not None:
        yield browser
    else:
        with open_browser() as fresh:
            yield fresh


def _page_file(path: str | Path) -> Path:
    file = Path(path)
    if not file.is_file():
        raise ReportError("page not found; expected an HTML file of a built report", path=file)
    return file.resolve()


def _console_line(message: Any) -> str:
    where = message.location or {}
    url = str(where.get("url") or "")
    if not url:
        return message.text
    name = url if url.startswith(("http:", "https:")) else url.rsplit("/", 1)[-1]
    return f"{message.text} (at {name[:120]}:{where.get('lineNumber', 0)})"


@contextlib.contextmanager
def _collecting(page: Any, report: PageReport) -> Iterator[None]:
    """Record console errors and failed requests into ``report`` while open."""

    def on_console(message: Any) -> None:
        if message.type == "error":
            report.console_errors.append(_console_line(message))

    def on_error(error: Any) -> None:
        report.console_errors.append(f"uncaught {error}")

    def on_failed(request: Any) -> None:
        report.failed_requests.append(f"{request.url[:200]} ({request.failure})")

    listeners = [("console", on_console), ("pageerror", on_error), ("requestfailed", on_failed)]
    for event, listener in listeners:
        page.on(event, listener)
    try:
        yield
    finally:
        for event, listener in listeners:
            page.remove_listener(event, listener)


def _headline_visible(page: Any, selector: str, limit: float) -> bool:
    locator = page.locator(selector).first
    if locator.count() == 0 or not locator.is_visible():
        return False
    box = locator.bounding_box()  # relative to the viewport, which sits at the top
    return box is not None and box["width"] > 0 and box["height"] > 0 and box["y"] < limit


def check_page(
    path: str | Path,
    *,
    browser: OfflineBrowser | None = None,
    width: int = 1366,
    headline: Sequence[str] = (),
    screens: float = 2.0,
    pdf: bool = True,
) -> PageReport:
    """Open one HTML page offline in Chromium and record what a reader would meet.

    Parameters
    ----------
    path
        The HTML file (opened as ``file://``, as from an email attachment).
    browser
        A browser from :func:`open_browser` to reuse; by default one is started
        and closed for this page.
    width
        Window width in pixels (a laptop: 1366); the window is 768 px high.
    headline
        CSS (or Playwright) selectors that must be visible, first match, with their
        top edge within the first ``screens`` window heights of the page.
    screens
        How many screens down the headline elements may start.
    pdf
        Also print the page to PDF (A4, backgrounds on) and check its images.

    Returns
    -------
    PageReport
        Fields: ``console_errors``, ``failed_requests``, ``external_requests``,
        ``broken_images``, ``images_without_alt``, ``tables_without_headers``,
        ``scroll_width``, ``viewport_width``, ``wide_elements``
        (``overflow`` says whether any of them is set), ``headline``, ``title``,
        ``lang``, ``pdf_bytes``, ``pdf_images``, ``n_images``,
        ``print_hidden_images`` (``print_ok`` sums them up); ``problems()`` lists
        every failed check as text.

    Raises
    ------
    ReportError
        When ``path`` is not a file.
    BrowserUnavailable
        When no browser is given and none can be started.

    Examples
    --------
    >>> report = check_page("reports/it/index.html", headline=["table"])  # doctest: +SKIP
    >>> report.problems()  # doctest: +SKIP
    []
    """
    file = _page_file(path)
    report = PageReport(path=file.name)
    options = {"width": width, "headline": tuple(headline), "screens": screens, "pdf": pdf}
    with _browser_or_new(browser) as live:
        live.call(_check, live, file, report, **options)
    return report


def _check(
    live: OfflineBrowser,
    file: Path,
    report: PageReport,
    *,
    width: int,
    headline: tuple[str, ...],
    screens: float,
    pdf: bool,
) -> None:
    """Fill ``report`` (runs in the browser's thread)."""
    with live.page(width=width) as page, _collecting(page, report):
        page.goto(file.as_uri(), wait_until="load")
        page.evaluate(_WAIT_IMAGES_JS)
        state = page.evaluate(_PAGE_STATE_JS, [_WIDE_SELECTOR, list(PLACEHOLDER_ALTS)])
        report.title = state["title"]
        report.lang = state["lang"]
        report.scroll_width = int(state["scroll_width"])
        report.viewport_width = int(state["viewport_width"])
        report.wide_elements = list(state["wide"])
        report.broken_images = list(state["broken"])
        report.images_without_alt = list(state["no_alt"])
        report.tables_without_headers = list(state["no_headers"])
        report.n_images = len(set(state["raster"]))
        limit = screens * SCREEN_HEIGHT
        report.headline = {sel: _headline_visible(page, sel, limit) for sel in headline}
        if pdf:
            page.emulate_media(media="print")
            report.print_hidden_images = list(page.evaluate(_PRINT_HIDDEN_JS))
            document = page.pdf(format="A4", print_background=True)
            report.pdf_bytes = len(document)
            report.pdf_images = document.count(b"/Subtype /Image")
        report.external_requests = list(page.blocked)


def screenshot_report(
    report_dir: str | Path,
    *,
    pages: Sequence[str] = ("index.html", "04_findings.html"),
    out: str | Path | None = None,
    width: int = 1366,
    height: int = SCREEN_HEIGHT,
    full_page: bool = False,
    browser: OfflineBrowser | None = None,
) -> list[Path]:
    """Write a PNG screenshot of report pages, to paste into a newsletter.

    Parameters
    ----------
    report_dir
        The built report folder.
    pages
        Page file names inside ``report_dir``.
    out
        Folder for the PNGs (default: ``report_dir``); created if missing.
    width, height
        Window size in pixels.
    full_page
        Photograph the whole page instead of its first screen.
    browser
        A browser from :func:`open_browser` to reuse (default: start one).

    Returns
    -------
    list of Path
        One ``screenshot-<page>.png`` per page, in the order of ``pages``.

    Raises
    ------
    ReportError
        When a page is missing from ``report_dir``.
    BrowserUnavailable
        When no browser is given and none can be started.

    Examples
    --------
    >>> screenshot_report("reports/it")  # doctest: +SKIP
    [PosixPath('reports/it/screenshot-index.png'), PosixPath('reports/it/screenshot-04_findings.png')]
    """
    folder = Path(report_dir)
    files = [_page_file(folder / name) for name in pages]  # fail before starting Chromium
    target = Path(out) if out is not None else folder
    target.mkdir(parents=True, exist_ok=True)
    pngs = [target / f"screenshot-{file.stem}.png" for file in files]
    with _browser_or_new(browser) as live:
        for file, png in zip(files, pngs, strict=True):
            live.call(_screenshot, live, file, png, width=width, height=height, full_page=full_page)
    return pngs


def _screenshot(
    live: OfflineBrowser, file: Path, png: Path, *, width: int, height: int, full_page: bool
) -> None:
    """Photograph one page (runs in the browser's thread)."""
    with live.page(width=width, height=height) as page:
        page.goto(file.as_uri(), wait_until="load")
        page.evaluate(_WAIT_IMAGES_JS)
        page.screenshot(path=str(png), full_page=full_page)
