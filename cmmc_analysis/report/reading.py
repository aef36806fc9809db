"""What a member reads: code words, the other language, paper and phone widths, downloads.

:func:`read_page` opens one built page offline in Chromium (with
:mod:`~cmmc_analysis.report.browser`) and records what a reader meets that a reader
should not: identifiers of the package (item ids, rule ids, result-column names) in
the visible text; sentences of the other report language; tables wider than the
printable width of A4 when printed, or wider than a 390 px phone; tables without
their CSV and XLSX links; and, on the findings page, whether a summary and a figure
come before the first table. :func:`code_words` and :func:`foreign_phrases` give the
words to look for, from the codebook, the package's own strings and the notebooks'
prose cells (:func:`prose_phrases`);
:func:`foreign_words` finds the other language's function words ("the", "of";
"della", "che"), which catch any sentence left untranslated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .browser import OfflineBrowser, _browser_or_new, _page_file

__all__ = [
    "A4_PRINTABLE_PX",
    "PHONE_PX",
    "FUNCTION_WORDS",
    "ReadingReport",
    "code_words",
    "foreign_phrases",
    "foreign_words",
    "prose_phrases",
    "read_page",
]

#: Short words of each language that the other never uses: one of them on a page of
#: the other language is a sentence left untranslated, whatever the sentence (a method
#: the phrase table does not know, a label the codebook lacks).
FUNCTION_WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "the", "of", "and", "with", "by", "each", "every", "which", "within", "than",
        "from", "is", "are", "others", "answers", "items", "pairs", "groups",
        "two-sided", "approximation", "corrected", "single",
    ),
    "it": (
        "della", "delle", "degli", "dei", "nella", "nelle", "sono", "che", "gli",
        "risposte", "domande", "questionari",
    ),
}  # fmt: skip

#: A4 (210 mm) less the page template's 12 mm side margins, at 96 px per inch.
A4_PRINTABLE_PX = int((210 - 24) / 25.4 * 96)
#: A phone's viewport width.
PHONE_PX = 390


def code_words(codebook: Any = None, lang: str | None = None) -> list[str]:
    """Words of the package a reader should never see.

    Item, construct and scale ids of the codebook, cleaning rule ids, and the names of
    the result-column vocabulary (:data:`cmmc_analysis.columns.COLUMNS`, the display
    layer's views): those with ``_`` (single words such as ``n`` or ``mean`` are also
    ordinary English words). For an Italian page (``lang="it"``) also the plain
    English names the library gives values and columns (verdicts, changes,
    directions, rules, corrections, column names such as ``estimate``), which no
    Italian sentence uses.

    >>> "p_adjusted" in code_words(), "not_an_answer" in code_words()
    (True, True)
    >>> "supported" in code_words(lang="it"), "supported" in code_words(lang="en")
    (True, False)
    """
    from ..clean.codes import EXCLUSION_RULES, VALUE_RULES
    from ..columns import COLUMNS
    from ..display.i18n import STRINGS
    from ..display.tables import VIEWS

    words: set[str] = {"zero_method", *COLUMNS, *EXCLUSION_RULES, *VALUE_RULES}
    for columns, _ in VIEWS.values():
        words |= set(columns)
    if codebook is not None:
        words |= set(codebook.items) | set(codebook.constructs) | set(codebook.scales)
    out = {w for w in words if "_" in w}
    if lang == "it":
        names = ("verdict", "change", "direction", "rule", "correction", "missing_rule", "col")
        for key, text in STRINGS["it"].items():
            prefix, _, name = key.partition(".")
            if prefix in names and name and str(text).lower() != name.lower():
                out.add(name)
        out |= {w for w in words if "_" not in w}
        # words Italian uses too ("note", "omega totale"), and "code" of the pages'
        # "-code" flavour, whose file names an index may list
        italian = " ".join(str(v) for v in STRINGS["it"].values()).lower().split()
        out = {w for w in out if len(w) >= 4} - set(italian) - {"note", "code"}
    return sorted(out)


def foreign_words(text: str, lang: str) -> list[str]:
    """The other language's :data:`FUNCTION_WORDS` found in ``text`` (whole words).

    >>> foreign_words("test binomiale esatto of the share", "it")
    ['of', 'the']
    >>> foreign_words("Share of answers della scala", "en"), foreign_words("Quota delle risposte", "it")
    (['della'], [])
    """
    import re

    other = "en" if lang == "it" else "it"
    return sorted(
        w
        for w in FUNCTION_WORDS[other]
        if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text, flags=re.IGNORECASE)
    )


def prose_phrases(lang: str, notebooks: Iterable[str | Path] | None = None) -> list[str]:
    """The headings and paragraphs of the notebooks' prose cells in ``lang``, as plain text.

    Prose cells are the markdown cells tagged ``lang-it`` / ``lang-en``
    (:func:`~cmmc_analysis.report.notebooks.select_language`); ``notebooks`` are
    notebook files (default: the bundled numbered notebooks).

    >>> "Dati e pulizia" in prose_phrases("it"), "Data and cleaning" in prose_phrases("en")
    (True, True)
    """
    import re

    from .notebooks import cell_language, find_notebooks, read_notebook

    files = find_notebooks() if notebooks is None else [Path(p) for p in notebooks]
    out: list[str] = []
    for file in files:
        for cell in read_notebook(file).cells:
            if cell_language(cell) != lang:
                continue
            for block in re.split(r"\n\s*\n|\n(?=#)", cell.source.strip()):
                text = " ".join(re.sub(r"^#+\s*|[*_`]", "", block.strip()).split())
                if text and text not in out:
                    out.append(text)
    return out


def foreign_phrases(
    lang: str,
    *,
    min_length: int = 14,
    codebook: Any = None,
    notebooks: Iterable[str | Path] | None = None,
) -> list[str]:
    """Phrases of the other report language that must not appear on a ``lang`` page.

    The other language's interface strings (their fixed parts, at least
    ``min_length`` characters, that differ from this language's), the other
    language's prose cells of the notebooks (:func:`prose_phrases`), for an Italian page
    the English phrases of the methods that the page translates, and with a codebook
    the other language's labels (scale points, options, question texts, topics) of
    five characters or more that no label of this language contains.

    >>> "Multiplicity corrections" in foreign_phrases("it"), "Righe escluse in pulizia" in foreign_phrases("en")
    (True, True)
    """
    import re

    from ..display.i18n import STRINGS
    from ..display.narrative import _phrases

    other = "en" if lang == "it" else "it"
    own = set(STRINGS[lang].values())
    out: set[str] = set()
    for text in STRINGS[other].values():
        if text in own or not isinstance(text, str):
            continue
        for part in re.split(r"\{[^}]*\}", text):
            part = " ".join(part.split()).strip(" .,:;()'\"«»")
            if len(part) >= min_length and part not in " ".join(own):
                out.add(part)
    own_prose = " ".join(prose_phrases(lang, notebooks))
    out |= {
        p for p in prose_phrases(other, notebooks) if len(p) >= min_length and p not in own_prose
    }
    if lang == "it":
        out |= {en for en, it in _phrases()["it"] if len(en) >= min_length and en != it}
    if codebook is not None:
        own_labels = " \n ".join(_labels(codebook, lang))
        out |= {
            text for text in _labels(codebook, other) if len(text) >= 5 and text not in own_labels
        }
    return sorted(out)


def _labels(codebook: Any, lang: str) -> set[str]:
    """Every text of the codebook a page shows, in ``lang``."""
    out: set[str] = set()
    for scale in codebook.scales.values():
        out |= {*scale.labels(lang), *scale.na_labels(lang)}
        if getattr(scale, "topic", None) is not None:
            out.add(scale.topic.text(lang))
    for grid in codebook.grids.values():
        out |= {(topic or grid.text).text(lang) for topic in (grid.topic, None)}
    for item in codebook.items:
        out.add(codebook.text(item, lang))
        if codebook.items[item].type in ("scale", "single", "multi"):
            out |= set(codebook.labels(item, lang))
    return {text for text in out if text}


@dataclass
class ReadingReport:
    """What :func:`read_page` found on one page (empty lists: nothing wrong)."""

    path: str
    code_words: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    #: the other language's function words: a sentence left untranslated
    foreign_words: list[str] = field(default_factory=list)
    wide_in_print: list[int] = field(default_factory=list)
    wide_on_phone: list[int] = field(default_factory=list)
    tables: int = 0
    tables_without_downloads: list[int] = field(default_factory=list)
    figures_without_png: list[int] = field(default_factory=list)
    #: on a findings page: a heading, a paragraph and a figure come before the first table
    summary_first: bool | None = None

    def problems(self) -> list[str]:
        """Every failed check as one line."""
        out = []
        if self.code_words:
            out.append(f"{self.path}: code words in the text: {self.code_words[:10]}")
        if self.foreign:
            out.append(f"{self.path}: other-language phrases: {self.foreign[:5]}")
        if self.foreign_words:
            out.append(f"{self.path}: other-language words: {self.foreign_words[:10]}")
        if self.wide_in_print:
            out.append(f"{self.path}: tables wider than A4 when printed: {self.wide_in_print}")
        if self.wide_on_phone:
            out.append(f"{self.path}: tables wider than a phone: {self.wide_on_phone}")
        if self.tables_without_downloads:
            out.append(f"{self.path}: tables without CSV/XLSX: {self.tables_without_downloads}")
        if self.figures_without_png:
            out.append(f"{self.path}: figures without PNG: {self.figures_without_png}")
        if self.summary_first is False:
            out.append(f"{self.path}: no summary and figure before the first table")
        return out


_TABLES_JS = """(limit) => Array.from(document.querySelectorAll('main table'))
  .map((t, i) => [i + 1, Math.ceil(Math.max(t.getBoundingClientRect().width, t.scrollWidth))])
  .filter(([i, w]) => w > limit).map(([i, w]) => i)"""

_DOWNLOADS_JS = """() => {
  const tables = Array.from(document.querySelectorAll('main table'));
  const missing = tables.map((t, i) => {
    let next = t.nextElementSibling;
    const ok = next && next.classList.contains('cmmc-downloads')
      && next.querySelector('a.cmmc-csv[href^="data:text/csv"]')
      && next.querySelector('a.cmmc-xlsx[href^="data:application/vnd.openxmlformats"]');
    return ok ? 0 : i + 1;
  }).filter(i => i);
  const figures = Array.from(document.querySelectorAll('main .jp-RenderedImage'))
    .map((f, i) => f.querySelector('a.cmmc-png[href^="data:image/png"]') ? 0 : i + 1)
    .filter(i => i);
  return [tables.length, missing, figures];
}"""

_SUMMARY_JS = """() => {
  const table = document.querySelector('main table');
  if (!table) return null;
  const top = table.getBoundingClientRect().top;
  const before = sel => Array.from(document.querySelectorAll(sel))
    .some(e => e.getBoundingClientRect().top < top && e.getBoundingClientRect().height > 0);
  return before('main h2') && before('main .jp-RenderedMarkdown p, main .jp-OutputArea-output p')
    && before('main .jp-RenderedImage img');
}"""


def _read(
    live: OfflineBrowser,
    file: Path,
    report: ReadingReport,
    *,
    words: Sequence[str],
    foreign: Sequence[str],
    findings: bool,
    lang: str,
) -> None:
    import re

    with live.page(width=1366) as page:
        page.goto(file.as_uri(), wait_until="load")
        text = page.inner_text("body")
        found = {w for w in words if re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", text)}
        report.code_words = sorted(found)
        report.foreign = sorted(
            p for p in foreign if re.search(rf"(?<![\w]){re.escape(p)}(?![\w])", text)
        )
        report.foreign_words = foreign_words(text, lang)
        report.tables, missing, figures = page.evaluate(_DOWNLOADS_JS)
        report.tables_without_downloads = list(missing)
        report.figures_without_png = list(figures)
        if findings:
            report.summary_first = page.evaluate(_SUMMARY_JS)
    with live.page(width=A4_PRINTABLE_PX) as page:
        page.goto(file.as_uri(), wait_until="load")
        page.emulate_media(media="print")
        report.wide_in_print = list(page.evaluate(_TABLES_JS, A4_PRINTABLE_PX))
    with live.page(width=PHONE_PX) as page:
        page.goto(file.as_uri(), wait_until="load")
        report.wide_on_phone = list(page.evaluate(_TABLES_JS, PHONE_PX))


def read_page(
    path: str | Path,
    *,
    lang: str,
    browser: OfflineBrowser | None = None,
    words: Iterable[str] = (),
    findings: bool = False,
    codebook: Any = None,
) -> ReadingReport:
    """Open one page as a member would and record what should not be there.

    Parameters
    ----------
    path
        The HTML page.
    lang
        The page's language (``"it"`` or ``"en"``): phrases of the other one are sought.
    browser
        A browser from :func:`~cmmc_analysis.report.browser.open_browser` to reuse.
    words
        Code words to look for (default: :func:`code_words` of ``codebook`` in ``lang``).
    findings
        The page is a findings page: check that a summary and a figure precede its
        first table.
    codebook
        The survey's codebook: its labels in the other language are sought too.

    Returns
    -------
    ReadingReport
        ``problems()`` lists each failed check.
    """
    file = _page_file(path)
    report = ReadingReport(path=file.name)
    options = {
        "words": list(words) or code_words(codebook, lang),
        "foreign": foreign_phrases(lang, codebook=codebook),
        "findings": findings,
        "lang": lang,
    }
    with _browser_or_new(browser) as live:
        live.call(_read, live, file, report, **options)
    return report
