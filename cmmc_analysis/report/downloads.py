"""Take-away: every table of a page downloadable as CSV and XLSX, from the page itself.

A member who wants to reuse a table should not have to copy it by hand. After export,
:func:`add_downloads` puts two links under every table of a page: the table as CSV
(UTF-8 with a byte-order mark, so spreadsheet programs read the accents) and as XLSX,
both as ``data:`` URIs, so the page stays one self-contained file that works offline.
Figures get their PNG link in the page template. Every cell that a spreadsheet would
read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return) is written with a leading apostrophe (:func:`neutralise`).

Examples
--------
>>> page = "<table><tr><th>Domanda</th><th>n</th></tr><tr><td>=1+1</td><td>3</td></tr></table>"
>>> table_rows(page)
[[['Domanda', 'n'], ['=1+1', '3']]]
>>> "cmmc-downloads" in add_downloads(page, lang="it")
True
"""

from __future__ import annotations

import base64
import csv
import html
import io
import re
from html.parser import HTMLParser

__all__ = ["FORMULA_STARTS", "neutralise", "table_rows", "to_csv", "to_xlsx", "add_downloads"]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_TABLE = re.compile(r"<table\b.*?</table>", re.S | re.I)
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_WORDS = {
    "it": {
        "table": "tabella",
        "label": "Scarica la tabella",
        "Table": "Tabella",
        "Figure": "Figura",
        "figure": "figura",
        "source": "Fonte",
    },
    "en": {
        "table": "table",
        "label": "Download the table",
        "Table": "Table",
        "Figure": "Figure",
        "figure": "figure",
        "source": "Source",
    },
}
_HEAD = re.compile(r"<thead\b.*?</thead>", re.S | re.I)
_CELL = re.compile(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", re.S | re.I)
_BODY_ROW = re.compile(r"(<tbody\b.*?</tbody>)", re.S | re.I)
_TD = re.compile(r"<td\b", re.I)
_TR = re.compile(r"(<tr\b[^>]*>)(.*?)(</tr>)", re.S | re.I)


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _labelled(table: str) -> str:
    """Each body cell with ``data-label`` = its column heading (for the phone's cards)."""
    head = _HEAD.search(table)
    if head is None:
        return table
    names = [_text(c) for c in _CELL.findall(head.group(0))]

    def row(m: re.Match) -> str:
        count = iter(range(len(names) + 1000))

        def cell(_: re.Match) -> str:
            i = next(count)
            name = names[i] if i < len(names) else ""
            return f'<td data-label="{html.escape(name)}"' if name else "<td"

        return m.group(1) + _TD.sub(cell, m.group(2)) + m.group(3)

    return _BODY_ROW.sub(lambda b: _TR.sub(row, b.group(1)), table)


def _opened(table: str, caption: str) -> str:
    """The table with a caption as its first child."""
    end = table.index(">") + 1
    tag = table[:end]
    return f'{tag}<caption class="cmmc-caption">{html.escape(caption)}</caption>{table[end:]}'


def neutralise(cell: str) -> str:
    """A cell that no spreadsheet runs as a formula: a leading apostrophe when needed.

    >>> neutralise("=HYPERLINK(1)"), neutralise("-5,1 %"), neutralise("Molto")
    ("'=HYPERLINK(1)", "'-5,1 %", 'Molto')
    """
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


class _Rows(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            if not self.rows:
                self.rows.append([])
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(page: str) -> list[list[list[str]]]:
    """The text of every table of a page: a list of tables, each a list of rows."""
    out = []
    for match in _TABLE.finditer(page):
        parser = _Rows()
        parser.feed(match.group(0))
        out.append([row for row in parser.rows if row])
    return out


def to_csv(rows: list[list[str]]) -> bytes:
    """CSV (UTF-8 with BOM), every cell neutralised.

    >>> to_csv([["a", "@b"]]).decode("utf-8-sig")
    "a,'@b\\r\\n"
    """
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[neutralise(c) for c in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(rows: list[list[str]], *, title: str = "table") -> bytes:
    """An XLSX workbook of one sheet, every cell a neutralised text (never a formula).

    >>> import openpyxl
    >>> book = openpyxl.load_workbook(io.BytesIO(to_xlsx([["n"], ["=2"]])))
    >>> book.active["A2"].value, book.active["A2"].data_type
    ("'=2", 's')
    """
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for row in rows:
        sheet.append([neutralise(c) for c in row])
    for row in sheet.iter_rows():
        for cell in row:
            cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _uri(kind: str, data: bytes) -> str:
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def add_downloads(page: str, *, lang: str, survey: str = "") -> str:
    """The page finished for readers, without any script.

    Under each table its CSV and XLSX links; each table numbered in a caption with the
    source ("Tabella 3 · Fonte: <survey>"), each body cell
    labelled with its column heading (the phone's stacked cards); each figure numbered
    with its source and its PNG named after its number; the first section heading
    marked (no page break before it in print).
    """
    words = _WORDS.get(lang, _WORDS["en"])
    count = 0

    def source(text: str) -> str:
        return f"{text} · {words['source']}: {survey}" if survey else text

    def links(match: re.Match) -> str:
        nonlocal count
        parser = _Rows()
        parser.feed(match.group(0))
        rows = [row for row in parser.rows if row]
        if not rows:
            return match.group(0)
        count += 1
        name = f"{words['table']}-{count}"
        csv_uri = _uri("text/csv;charset=utf-8", to_csv(rows))
        xlsx_uri = _uri(_XLSX, to_xlsx(rows, title=name))
        label = html.escape(words["label"])
        table = _opened(_labelled(match.group(0)), source(f"{words['Table']} {count}"))
        return (
            f'{table}\n<p class="cmmc-downloads">{label}: '
            f'<a class="cmmc-csv" download="{name}.csv" href="{csv_uri}">CSV</a> · '
            f'<a class="cmmc-xlsx" download="{name}.xlsx" href="{xlsx_uri}">XLSX</a></p>'
        )

    page = _TABLE.sub(links, page)
    figures = 0

    def figure(match: re.Match) -> str:
        nonlocal figures
        figures += 1
        caption = html.escape(source(f"{words['Figure']} {figures}"))
        return (
            f'<p class="cmmc-caption">{caption}</p>\n{match.group(1)}'
            f'download="{words["figure"]}-{figures}.png"'
        )

    page = re.sub(
        r'(<p class="cmmc-downloads cmmc-figure-download">\s*<a class="cmmc-png" )'
        r'download="figure\.png"',
        figure,
        page,
    )
    return re.sub(r"<h2\b", '<h2 class="cmmc-first-section"', page, count=1)
