"""The report as readers see it: pages opened offline in headless Chromium.

Two parts. First, small pages written in the test with one planted fault each
(a broken image, a table wider than a laptop, a script from the network, a console
error, an image hidden in print...): each fault must make its check fail, and a
clean page must pass them all. Second, every page of the built report (the
``report_it`` / ``report_en`` fixtures) must pass every check.

One Chromium per module; tests skip with the reason when no Chromium (or no
Playwright) is installed, except under CI (``CI`` set), which installs Debian's
``chromium``: there a missing browser fails the tests instead of hiding them.
"""

from __future__ import annotations

import asyncio
import os
import struct
import zlib
from pathlib import Path

import pytest

from cmmc_analysis.errors import ReportError
from cmmc_analysis.report.browser import (
    BrowserUnavailable,
    OfflineBrowser,
    PageReport,
    check_page,
    find_chromium,
    open_browser,
    screenshot_report,
)


@pytest.fixture(scope="module")
def browser():
    try:
        with open_browser() as live:
            yield live
    except BrowserUnavailable as err:
        if os.environ.get("CI"):  # CI installs Chromium: a skip there would hide a broken setup
            pytest.fail(f"browser checks need Chromium, and CI must provide it: {err}")
        pytest.skip(f"browser checks need Chromium: {err}")


def png_bytes(width: int = 40, height: int = 20) -> bytes:
    """A valid solid-red RGB PNG, written by hand (PNG spec: signature, IHDR, IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def write_page(
    folder: Path,
    body: str,
    *,
    name: str = "page.html",
    head: str = "",
    title: str = "Findings",
    lang: str = "en",
) -> Path:
    """An HTML page with a valid figure ``fig.png`` beside it."""
    (folder / "fig.png").write_bytes(png_bytes())
    lang_attr = f' lang="{lang}"' if lang else ""
    title_tag = f"<title>{title}</title>" if title else ""
    page = folder / name
    page.write_text(
        f'<!doctype html><html{lang_attr}><head><meta charset="utf-8">{title_tag}{head}'
        f"</head><body>{body}</body></html>",
        encoding="utf-8",
    )
    return page


CLEAN_BODY = """
<h1>Findings</h1>
<table id="claims"><thead><tr><th>Claim</th><th>Verdict</th></tr></thead>
<tbody><tr><td>Most agents work remotely</td><td>supported</td></tr></tbody></table>
<img id="headline" src="fig.png" alt="Share of agents working remotely" width="400">
<p>Text.</p>
"""


# --- planted faults on small pages ---------------------------------------------------


def test_clean_page_passes_every_check(browser: OfflineBrowser, tmp_path: Path) -> None:
    page = write_page(tmp_path, CLEAN_BODY)
    report = check_page(page, browser=browser, headline=["#claims", "#headline"])
    assert report.problems() == []
    assert report.console_errors == [] and report.failed_requests == []
    assert report.external_requests == [] and report.broken_images == []
    assert (report.scroll_width, report.viewport_width) == (1366, 1366)
    assert not report.overflow
    assert report.headline == {"#claims": True, "#headline": True}
    assert (report.title, report.lang) == ("Findings", "en")
    # one 40x20 PNG on screen; Chromium embeds it as one image object in the PDF
    assert report.n_images == 1
    assert report.pdf_images >= 1
    assert report.pdf_bytes > 1000
    assert report.print_ok


@pytest.mark.parametrize(
    "src",
    [
        "missing.png",  # a file the report forgot to copy
        "data:image/png;base64,bm90IGEgcG5n",  # "not a png", declared as a PNG
    ],
)
def test_broken_image_is_reported(browser: OfflineBrowser, tmp_path: Path, src: str) -> None:
    page = write_page(tmp_path, f'<h1>x</h1><img src="fig.png" alt="ok"><img src="{src}" alt="b">')
    report = check_page(page, browser=browser, pdf=False)
    assert report.broken_images == [src]
    assert f"page.html: broken image {src}" in report.problems()


def test_table_wider_than_a_laptop_overflows(browser: OfflineBrowser, tmp_path: Path) -> None:
    cells = "".join(f"<td>column_number_{i:02d}_wide</td>" for i in range(40))
    page = write_page(tmp_path, f"<h1>x</h1><table id='wide'><tr>{cells}</tr></table>")
    report = check_page(page, browser=browser, pdf=False)
    assert report.scroll_width > 1366
    assert report.overflow
    assert any(w.startswith("table#wide (") for w in report.wide_elements)
    assert any("scrolls horizontally" in p for p in report.problems())


def test_table_scrolling_inside_its_box_is_too_wide(
    browser: OfflineBrowser, tmp_path: Path
) -> None:
    # the page itself does not scroll, but half the table is hidden in a scroller:
    # a reader still cannot see it on a laptop screen
    cells = "".join(f"<td>column_number_{i:02d}_wide</td>" for i in range(40))
    body = f"<div class='out' style='overflow-x:auto'><table><tr>{cells}</tr></table></div>"
    report = check_page(write_page(tmp_path, body), browser=browser, pdf=False)
    assert report.scroll_width == report.viewport_width == 1366
    assert report.overflow
    assert any(w.startswith("div.out holding table (scrolls: ") for w in report.wide_elements)


def test_narrower_window_is_honoured(browser: OfflineBrowser, tmp_path: Path) -> None:
    page = write_page(tmp_path, "<h1>x</h1><img src='fig.png' alt='f' style='width:900px'>")
    assert not check_page(page, browser=browser, pdf=False).overflow
    narrow = check_page(page, browser=browser, width=800, pdf=False)
    assert narrow.viewport_width == 800
    assert narrow.overflow
    assert any(w.startswith("img (900 px wide") for w in narrow.wide_elements)


def test_network_fetch_is_blocked_and_reported(browser: OfflineBrowser, tmp_path: Path) -> None:
    head = (
        '<script src="https://example.org/x.js"></script>'
        '<link rel="stylesheet" href="http://example.org/style.css">'
    )
    # if the script had run it would have set window.loaded; the page says whether it did
    body = "<h1 id='h'>x</h1><script>document.title = String(window.loaded === true)</script>"
    page = write_page(tmp_path, body, head=head)
    report = check_page(page, browser=browser, pdf=False)
    assert report.external_requests == [
        "https://example.org/x.js",
        "http://example.org/style.css",
    ]
    assert report.title == "false"  # blocked: nothing from the network ran
    assert any("ERR_BLOCKED_BY_CLIENT" in f for f in report.failed_requests)
    assert "page.html: external request https://example.org/x.js" in report.problems()


def test_console_error_from_a_script_is_reported(browser: OfflineBrowser, tmp_path: Path) -> None:
    body = "<h1>x</h1><script>console.error('planted fault'); notDefined();</script>"
    report = check_page(write_page(tmp_path, body), browser=browser, pdf=False)
    assert report.console_errors == [
        "planted fault (at page.html:0)",
        "uncaught notDefined is not defined",
    ]
    assert report.external_requests == [] and report.broken_images == []


def test_headline_below_the_first_screens_is_not_visible(
    browser: OfflineBrowser, tmp_path: Path
) -> None:
    body = (
        "<h1>x</h1><div style='height:3000px'></div>"
        "<table id='claims'><tr><th>c</th></tr></table>"
        "<img id='hidden' src='fig.png' alt='f' style='display:none'>"
    )
    report = check_page(
        write_page(tmp_path, body),
        browser=browser,
        headline=["h1", "#claims", "#hidden", "#absent"],
        pdf=False,
    )
    assert report.headline == {"h1": True, "#claims": False, "#hidden": False, "#absent": False}
    # the table starts just past 3000 px: beyond 3 screens (2304 px), within 5 (3840 px)
    page = write_page(tmp_path, body)
    for screens, seen in [(3, False), (5, True)]:
        again = check_page(page, browser=browser, headline=["#claims"], screens=screens, pdf=False)
        assert again.headline == {"#claims": seen}


def test_image_hidden_in_print_is_reported(browser: OfflineBrowser, tmp_path: Path) -> None:
    head = "<style>@media print { img { display: none } }</style>"
    report = check_page(write_page(tmp_path, CLEAN_BODY, head=head), browser=browser)
    assert report.n_images == 1
    assert report.print_hidden_images == ["fig.png"]
    assert report.pdf_images == 0
    assert not report.print_ok


def test_missing_title_and_lang_are_reported(browser: OfflineBrowser, tmp_path: Path) -> None:
    report = check_page(
        write_page(tmp_path, "<h1>x</h1>", title="", lang=""), browser=browser, pdf=False
    )
    assert (report.title, report.lang) == ("", "")
    assert report.problems() == ["page.html: no <title>", "page.html: no <html lang>"]


def test_figures_without_alt_and_tables_without_headers_are_reported(
    browser: OfflineBrowser, tmp_path: Path
) -> None:
    body = (
        "<h1>x</h1><img src='fig.png'>"
        # nbconvert's stand-in for a missing alt is no description either
        "<img src='fig.png?2' alt='No description has been provided for this image'>"
        "<img src='fig.png?3' alt='Share of agents working remotely, by wave'>"
        "<table id='bare'><tr><td>1</td></tr></table><table><tr><td>2</td></tr></table>"
        "<table><tr><th>ok</th></tr></table>"
    )
    report = check_page(write_page(tmp_path, body), browser=browser, pdf=False)
    assert report.images_without_alt == ["fig.png", "fig.png?2"]
    assert report.tables_without_headers == ["table#bare", "table 2"]
    assert "page.html: no header cells in table#bare" in report.problems()


def test_screenshots_are_written_next_to_the_report(
    browser: OfflineBrowser, tmp_path: Path
) -> None:
    write_page(tmp_path, CLEAN_BODY, name="index.html")
    write_page(tmp_path, CLEAN_BODY, name="04_findings.html")
    written = screenshot_report(tmp_path, browser=browser)
    assert written == [tmp_path / "screenshot-index.png", tmp_path / "screenshot-04_findings.png"]
    for png in written:
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", data[16:24]) == (1366, 768)  # IHDR width, height


def test_checks_run_beside_asyncio(browser: OfflineBrowser, tmp_path: Path) -> None:
    # Playwright's sync API keeps an event loop running in the thread that drives it;
    # the browser has a thread of its own, so a report build (asyncio.run) can run
    # while it is open, and a check can be called from a running loop (a notebook)
    page = write_page(tmp_path, CLEAN_BODY)

    async def in_a_loop() -> PageReport:
        return check_page(page, browser=browser, pdf=False)

    assert asyncio.run(in_a_loop()).title == "Findings"


def test_missing_page_is_a_report_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"^nope\.html: page not found; expected an HTML file"):
        check_page(tmp_path / "nope.html")
    with pytest.raises(ReportError, match=r"^index\.html: page not found"):
        screenshot_report(tmp_path)


def test_bad_chromium_variable_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMMC_CHROMIUM", "no-such-browser-binary")
    with pytest.raises(BrowserUnavailable, match="CMMC_CHROMIUM is 'no-such-browser-binary'"):
        find_chromium()


def test_problems_lists_every_failed_check() -> None:
    report = PageReport(
        path="p.html",
        title="t",
        lang="it",
        console_errors=["e"],
        external_requests=["https://x"],
        scroll_width=1500,
        viewport_width=1366,
        headline={"table": False},
        pdf_bytes=10,
        pdf_images=0,
        n_images=2,
    )
    assert report.problems() == [
        "p.html: console error e",
        "p.html: external request https://x",
        "p.html: scrolls horizontally (1500 px of content in a 1366 px window)",
        "p.html: 'table' not visible in the first screens",
        "p.html: images lost in print (0 in the PDF, 2 on screen; hidden: [])",
    ]


# --- the built report ----------------------------------------------------------------

#: The page with the claims table and the headline figures, and the selectors that
#: must show within its first FINDINGS_SCREENS screens (768 px each): the first table
#: and the first image after the page's first heading.
FINDINGS_PAGE = "04_findings.html"
FINDINGS_HEADLINE = (
    "xpath=(//h1[1]/following::table)[1]",
    "xpath=(//h1[1]/following::img)[1]",
)
FINDINGS_SCREENS = 2


@pytest.mark.parametrize("lang", ["it", "en"])
def test_every_report_page_passes_the_browser_checks(
    browser: OfflineBrowser, request: pytest.FixtureRequest, lang: str
) -> None:
    """Each page of the built report, opened offline at 1366 px and printed to PDF.

    Checks: no console error; every image loaded, with alternative text; tables with
    header cells; no request to any host; the claims table and headline figure within
    the first screens of the findings page; nothing wider than the window; the
    shareable pages print to PDF with every figure; ``<title>`` and ``<html lang>``.
    """
    try:
        folder = Path(request.getfixturevalue(f"report_{lang}"))
    except pytest.FixtureLookupError:
        pytest.skip(f"no report_{lang} fixture yet (the report builder is not in this tree)")
    pages = sorted(folder.glob("*.html"))
    names = [page.name for page in pages]
    assert "index.html" in names and FINDINGS_PAGE in names, names

    # members print the shareable pages; the "-code" flavour is for researchers on screen
    reports = {
        page.name: check_page(
            page,
            browser=browser,
            headline=FINDINGS_HEADLINE if page.name == FINDINGS_PAGE else (),
            screens=FINDINGS_SCREENS,
            pdf=not page.name.endswith("-code.html"),
        )
        for page in pages
    }
    problems = [line for report in reports.values() for line in report.problems()]
    assert not problems, "the report fails in a browser:\n" + "\n".join(problems)
    assert {name: report.lang.split("-")[0] for name, report in reports.items()} == dict.fromkeys(
        names, lang
    )
    findings = reports[FINDINGS_PAGE]
    assert findings.n_images >= 1  # the headline figure
    assert findings.pdf_images >= findings.n_images
    printed = {name: report.pdf_bytes for name, report in reports.items() if report.pdf_bytes}
    assert set(printed) == {name for name in names if not name.endswith("-code.html")}
    assert min(printed.values()) > 5000, printed


# --- the built report as a member reads it (report.reading) --------------------------


@pytest.mark.parametrize("lang", ["it", "en"])
def test_shareable_pages_read_as_a_member_on_screen_paper_and_phone(
    browser: OfflineBrowser, request: pytest.FixtureRequest, lang: str
) -> None:
    """No code words, no other-language phrases, tables that fit A4 and a 390 px phone,
    CSV/XLSX under every table and PNG under every figure, and on the findings page a
    summary with its figure before the first table."""
    from cmmc_analysis.codebook import load_codebook
    from cmmc_analysis.report.reading import code_words, read_page

    try:
        folder = Path(request.getfixturevalue(f"report_{lang}"))
    except pytest.FixtureLookupError:
        pytest.skip(f"no report_{lang} fixture yet (the report builder is not in this tree)")
    cb = load_codebook()
    words = code_words(cb, lang)
    pages = [p for p in sorted(folder.glob("*.html")) if not p.name.endswith("-code.html")]
    assert len(pages) >= 5, [p.name for p in pages]  # the index and every notebook's page
    problems = []
    for page in pages:
        report = read_page(
            page,
            lang=lang,
            browser=browser,
            words=words,
            findings=page.name == FINDINGS_PAGE,
            codebook=cb,
        )
        if page.name == "index.html":  # the index lists pages: no table to take away
            report.tables_without_downloads = []
        else:
            assert report.tables > 0, page.name
        problems += report.problems()
        if page.name == FINDINGS_PAGE:
            assert report.summary_first is True
    assert not problems, "\n".join(problems)


def test_the_reading_checks_catch_planted_faults(browser: OfflineBrowser, tmp_path: Path) -> None:
    from cmmc_analysis.report.reading import read_page

    wide = "".join(f"<td>{'parola' * 8}{i}</td>" for i in range(12))
    body = (
        "<main><h1>x</h1><p>exact binomial test of the share of effect_worklife</p>"
        f"<table><thead><tr><th>a</th></tr></thead><tbody><tr>{wide}</tr></tbody></table></main>"
    )
    page = tmp_path / "p.html"
    page.write_text(f"<!DOCTYPE html><html lang='it'><body>{body}</body></html>", "utf-8")
    report = read_page(page, lang="it", browser=browser, words=["effect_worklife"], findings=True)
    assert report.code_words == ["effect_worklife"]
    assert "exact binomial test of the share of" in report.foreign
    assert report.wide_on_phone == [1] and report.wide_in_print == [1]
    assert report.tables_without_downloads == [1]
    assert report.summary_first is False


# --- navigation: the index and the tables of contents --------------------------------

_INDEX_JS = """() => {
  const top = sel => { const e = document.querySelector(sel);
    return e ? e.getBoundingClientRect().top : null; };
  const summary = document.querySelector('main .cmmc-summary');
  return {
    summary: summary ? summary.innerText : null,
    summaryTop: top('main .cmmc-summary'),
    listTop: top('main ol.cmmc-pages'),
    buildTop: top('main table.cmmc-build'),
    pages: Array.from(document.querySelectorAll('ol.cmmc-pages > li')).map(li => [
      li.querySelector('a.cmmc-page-title').getAttribute('href'),
      li.querySelector('a.cmmc-page-title').innerText,
      (li.querySelector('.cmmc-page-description') || {innerText: ''}).innerText]),
  };
}"""

_FINDINGS_SUMMARY_JS = """() => {
  const h = document.querySelector('main h2.cmmc-first-section');
  let p = h.nextElementSibling;
  while (p && p.tagName !== 'P') p = p.nextElementSibling;
  return [h.innerText.replace('¶', '').trim(), p ? p.innerText : null];
}"""

_TOC_JS = """() => {
  const nav = document.querySelector('main nav.cmmc-toc');
  const sections = Array.from(document.querySelectorAll('main h2'));
  if (!nav) return {toc: false, sections: sections.length};
  const links = Array.from(nav.querySelectorAll('a'));
  const firstSection = sections[0];
  return {
    toc: true,
    sections: sections.length,
    targets: links.map(a => { const t = document.getElementById(a.getAttribute('href').slice(1));
      return t ? [t.tagName, t.innerText.replace('¶', '').trim(), a.innerText] : null; }),
    beforeSections: nav.getBoundingClientRect().top < firstSection.getBoundingClientRect().top,
    width: Math.ceil(Math.max(nav.getBoundingClientRect().width, nav.scrollWidth)),
    right: Math.ceil(nav.getBoundingClientRect().right),
    hidden: nav.getBoundingClientRect().height === 0,
  };
}"""


def _evaluate(page, file: Path, script: str, *, media: str = "screen"):
    page.goto(file.as_uri(), wait_until="load")
    page.emulate_media(media=media)
    return page.evaluate(script)


_LANDED_JS = """h => {
  const box = document.getElementById(h.slice(1)).getBoundingClientRect();
  const end = window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 1;
  return [location.hash, window.scrollY, box.top, end, window.innerHeight];
}"""


def _follow(page, file: Path, index: int) -> tuple[str, bool]:
    """Click the ``index``-th link of the table of contents: the page's hash, and whether
    the section's heading is now at the top of the window (or in view at the page's end)."""
    page.goto(file.as_uri(), wait_until="load")
    link = page.locator("nav.cmmc-toc a").nth(index)
    href = link.get_attribute("href")
    link.click()
    hash_, scrolled, top, end, height = page.evaluate(_LANDED_JS, href)
    return hash_, scrolled > 0 and (abs(top) < 5 or (end and 0 <= top < height))


@pytest.mark.parametrize("lang", ["it", "en"])
def test_index_opens_with_the_summary_and_lists_the_findings_first(
    browser: OfflineBrowser, request: pytest.FixtureRequest, lang: str
) -> None:
    """The index shows the findings page's own summary (with figures) above the page list,
    the findings page first in the list, every page with a title and a description,
    and the build facts last; the pages' previous/next links follow the same order."""
    import re

    folder = Path(request.getfixturevalue(f"report_{lang}"))

    def read() -> tuple[dict, list]:
        with browser.page(width=1366) as page:
            found = _evaluate(page, folder / "index.html", _INDEX_JS)
            summary = _evaluate(page, folder / FINDINGS_PAGE, _FINDINGS_SUMMARY_JS)
        return found, summary

    index, (heading, findings_summary) = browser.call(read)
    assert heading == {"it": "In sintesi", "en": "In brief"}[lang]
    # the same summary, figures included (e.g. "(235 questionari)"), taken from the page
    assert findings_summary and findings_summary in index["summary"]
    assert re.search(r"\(\d+ (questionari|questionnaires)\)", index["summary"])
    assert index["summary"].startswith(heading)
    assert index["summaryTop"] < index["listTop"] < index["buildTop"]
    hrefs = [href for href, _, _ in index["pages"]]
    assert hrefs[0] == FINDINGS_PAGE
    assert sorted(hrefs) == sorted(
        p.name for p in folder.glob("[0-9][0-9]_*.html") if "-code" not in p.name
    )
    assert all(title and description for _, title, description in index["pages"]), index["pages"]
    # previous / next in the index's order
    pages = [(folder / href).read_text(encoding="utf-8") for href in hrefs]
    for i, text in enumerate(pages):
        links = {
            re.search(r'rel="(\w+)"', a).group(1): re.search(r'href="([^"]+)"', a).group(1)
            for a in re.findall(r'<a\b[^>]*\brel="(?:prev|next)"[^>]*>', text)
        }
        assert links.get("next") == (hrefs[i + 1] if i + 1 < len(hrefs) else None), hrefs[i]
        assert links.get("prev") == (hrefs[i - 1] if i else None), hrefs[i]


@pytest.mark.parametrize("lang", ["it", "en"])
def test_long_pages_have_a_table_of_contents_whose_links_resolve(
    browser: OfflineBrowser, request: pytest.FixtureRequest, lang: str
) -> None:
    """Pages with more than MIN_SECTIONS sections open with a table of contents: one link
    per section, each landing on its heading (clicked in the browser), before the first
    section; it fits a 390 px phone and the printable width of A4, and is printed."""
    from cmmc_analysis.report.reading import A4_PRINTABLE_PX, PHONE_PX
    from cmmc_analysis.report.toc import MIN_SECTIONS

    folder = Path(request.getfixturevalue(f"report_{lang}"))
    pages = [p for p in sorted(folder.glob("[0-9][0-9]_*.html"))]

    def read(file: Path) -> tuple[dict, dict, dict, list]:
        with browser.page(width=1366) as page:
            wide = _evaluate(page, file, _TOC_JS)
            followed = []
            if wide["toc"]:
                for i in (0, wide["sections"] - 1):
                    followed.append(_follow(page, file, i))
        with browser.page(width=PHONE_PX) as page:
            phone = _evaluate(page, file, _TOC_JS)
        with browser.page(width=A4_PRINTABLE_PX) as page:
            printed = _evaluate(page, file, _TOC_JS, media="print")
        return wide, phone, printed, followed

    with_toc = 0
    for file in pages:
        wide, phone, printed, followed = browser.call(read, file)
        assert wide["toc"] == (wide["sections"] > MIN_SECTIONS), (file.name, wide)
        if not wide["toc"]:
            continue
        with_toc += 1
        # one link per section, in order, each to a level-2 heading of the same text
        assert len(wide["targets"]) == wide["sections"], file.name
        assert all(t and t[0] == "H2" and t[1] == t[2] for t in wide["targets"]), wide["targets"]
        assert wide["beforeSections"]
        for hash_, landed in followed:  # the click scrolled to the section
            assert hash_.startswith("#") and landed, (file.name, hash_)
        assert phone["width"] <= PHONE_PX and phone["right"] <= PHONE_PX, (file.name, phone)
        assert not printed["hidden"] and printed["width"] <= A4_PRINTABLE_PX, (file.name, printed)
    assert with_toc >= 2  # the findings page and at least one other are long


#: A findings page a member can read: a summary with its figure, then a table with its
#: downloads; narrow enough for paper and a phone.
READABLE = """<main><h1>Risultati</h1><h2>In sintesi</h2>
<div class="jp-RenderedMarkdown"><p>Tutte e sette le affermazioni sono confermate.</p></div>
<div class="jp-RenderedImage"><img src="fig.png" alt="Le affermazioni (n = 80)">
<a class="cmmc-png" href="data:image/png;base64,AAAA">PNG</a></div>
<table><thead><tr><th>Affermazione</th><th>Verdetto</th></tr></thead>
<tbody><tr><td>Più uso dei canali digitali</td><td>confermata</td></tr></tbody></table>
<p class="cmmc-downloads"><a class="cmmc-csv" href="data:text/csv;base64,AAAA">CSV</a>
<a class="cmmc-xlsx" href="data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,AAAA">XLSX</a></p>
</main>"""
READABLE_EN = (
    READABLE.replace("Risultati", "Findings")
    .replace("In sintesi", "Summary")
    .replace("Tutte e sette le affermazioni sono confermate.", "All seven statements hold.")
    .replace("Le affermazioni (n = 80)", "The statements (n = 80)")
    .replace("Affermazione", "Statement")
    .replace("Verdetto", "Verdict")
    .replace("Più uso dei canali digitali", "More use of digital channels")
    .replace("confermata", "supported")
)


def _page(folder: Path, body: str, lang: str, name: str = "p.html") -> Path:
    (folder / "fig.png").write_bytes(png_bytes())
    page = folder / name
    page.write_text(f"<!DOCTYPE html><html lang='{lang}'><body>{body}</body></html>", "utf-8")
    return page


def test_a_readable_page_passes_every_reading_check(
    browser: OfflineBrowser, tmp_path: Path
) -> None:
    from cmmc_analysis.codebook import load_codebook
    from cmmc_analysis.report.reading import code_words, read_page

    cb = load_codebook()
    for lang, body in (("it", READABLE), ("en", READABLE_EN)):
        page = _page(tmp_path, body, lang)
        report = read_page(
            page, lang=lang, browser=browser, words=code_words(cb, lang), findings=True, codebook=cb
        )
        assert report.problems() == [], lang
        assert report.tables == 1 and report.summary_first is True


@pytest.mark.parametrize(
    ("lang", "planted", "field", "found"),
    [
        # an English method sentence that no phrase table knows, on an Italian page
        (
            "it",
            "<p>Monte Carlo resampling of the table with fixed margins.</p>",
            "foreign_words",
            ["of", "the", "with"],
        ),
        # an Italian answer label and an Italian sentence on an English page
        ("en", "<p>Share of Abbastanza d'accordo</p>", "foreign", ["Abbastanza d'accordo"]),
        ("en", "<p>Most of them agree, che is fine.</p>", "foreign_words", ["che"]),
        # the Italian interface string of another page
        (
            "en",
            "<p>Dai questionari ricevuti a quelli analizzati</p>",
            "foreign_words",
            ["questionari"],
        ),
        # an item id, a rule id, a column name, an untranslated verdict on an Italian page
        ("it", "<p>Domanda org_models</p>", "code_words", ["org_models"]),
        ("it", "<p>Regola skip_logic</p>", "code_words", ["skip_logic"]),
        (
            "en",
            "<p>Column p_adjusted and n_not_an_answer</p>",
            "code_words",
            ["n_not_an_answer", "p_adjusted"],
        ),
        ("it", "<p>Verdetto: supported</p>", "code_words", ["supported"]),
        ("it", "<p>Metodo: listwise</p>", "code_words", ["listwise"]),
    ],
)
def test_each_reading_check_fails_on_its_planted_fault(
    browser: OfflineBrowser, tmp_path: Path, lang: str, planted: str, field: str, found: list
) -> None:
    from cmmc_analysis.codebook import load_codebook
    from cmmc_analysis.report.reading import code_words, read_page

    cb = load_codebook()
    body = READABLE if lang == "it" else READABLE_EN
    page = _page(tmp_path, body.replace("</main>", planted + "</main>"), lang)
    report = read_page(
        page, lang=lang, browser=browser, words=code_words(cb, lang), findings=True, codebook=cb
    )
    assert getattr(report, field) == found
    # only the words are wrong: the layout checks still pass
    assert report.problems() and report.summary_first is True
    assert report.wide_in_print == report.wide_on_phone == report.tables_without_downloads == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        # the figure after the table: no summary with figures first
        (
            lambda b: b.replace('<div class="jp-RenderedImage">', '<div class="x">', 1).replace(
                "</main>",
                '<div class="jp-RenderedImage"><img src="fig.png" alt="f">'
                '<a class="cmmc-png" href="data:image/png;base64,AAAA">PNG</a></div></main>',
            ),
            "no summary and figure before the first table",
        ),
        # a table without its downloads
        (
            lambda b: b.replace('class="cmmc-downloads"', 'class="other"'),
            "tables without CSV/XLSX: [1]",
        ),
        # only the XLSX link missing
        (lambda b: b.replace('class="cmmc-xlsx"', 'class="other"'), "tables without CSV/XLSX: [1]"),
        # a table that fits a laptop but neither a phone nor A4 paper (fixed 900 px)
        (
            lambda b: b.replace("<table>", "<table style='width:900px'>"),
            "tables wider than A4 when printed: [1]",
        ),
        # a table that only print CSS makes too wide
        (
            lambda b: b.replace(
                "<table>", "<style>@media print { table { min-width: 1000px } }</style><table>"
            ),
            "tables wider than A4 when printed: [1]",
        ),
        # a table only too wide for a phone
        (
            lambda b: b.replace("<table>", "<table style='min-width:500px'>"),
            "tables wider than a phone: [1]",
        ),
    ],
)
def test_page_layout_checks_fail_on_their_planted_fault(
    browser: OfflineBrowser, tmp_path: Path, change, problem: str
) -> None:
    from cmmc_analysis.report.reading import read_page

    page = _page(tmp_path, change(READABLE), "it")
    report = read_page(page, lang="it", browser=browser, words=["org_models"], findings=True)
    assert any(problem in line for line in report.problems()), report.problems()


@pytest.mark.parametrize("lang", ["it", "en"])
def test_pages_show_the_prose_cells_of_their_language_only(
    browser: OfflineBrowser, request: pytest.FixtureRequest, lang: str
) -> None:
    """Each page shows its notebook's prose cells (lang-it / lang-en) of the report's
    language, and none of the other language; the index describes each page with the
    first paragraph of that prose."""
    from cmmc_analysis.report.notebooks import find_notebooks
    from cmmc_analysis.report.reading import prose_phrases

    folder = Path(request.getfixturevalue(f"report_{lang}"))
    other = "en" if lang == "it" else "it"

    def text(file: Path) -> str:
        with browser.page(width=1366) as page:
            page.goto(file.as_uri(), wait_until="load")
            return " ".join(page.inner_text("body").split())

    checked = 0
    for notebook in find_notebooks():
        own, foreign = prose_phrases(lang, [notebook]), prose_phrases(other, [notebook])
        assert own and foreign, notebook.name
        for page in sorted(folder.glob(f"{notebook.stem}*.html")):  # both flavours
            shown = browser.call(text, page)
            assert [p for p in own if p not in shown] == [], page.name
            assert [p for p in foreign if p in shown] == [], page.name
            checked += 1
    assert checked >= len(find_notebooks())
    index = browser.call(text, folder / "index.html")
    described = 0
    for notebook in find_notebooks():
        title, *paragraphs = prose_phrases(lang, [notebook])
        assert title in index
        if paragraphs:  # the first paragraph after the title describes the page
            assert paragraphs[0] in index, notebook.name
            described += 1
        assert [p for p in prose_phrases(other, [notebook]) if len(p) > 12 and p in index] == []
    assert described >= 3
