"""Read the first sheet of an XLSX workbook from its XML, trusting nothing it declares.

openpyxl's read-only reader sizes the sheet by its ``<dimension ref>``: a workbook
whose dimension understates the sheet (or says ``A1``, as Apache POI's streaming
writer does) loses rows and columns without a word, and one that overstates it pads
every row to thousands of empty cells. :func:`read_xlsx` reads the sheet's cells
themselves, streamed through an XML pull parser: the range is the cells found, every
cell is placed by its own reference, and every part of the archive is decompressed
under a size cap (a zip bomb is refused, not expanded). A damaged archive, a missing
sheet part or a shared-string index that points nowhere is an
:class:`~cmmc_analysis.errors.ExportError` naming the file (and the row and column).

Length: over 500 lines. A small, strict reader of the sheet XML (cells, shared strings,
styles, dates, bounds) written against hostile files; its parts only make sense
together.

Examples
--------
>>> import io, openpyxl, pathlib, tempfile
>>> book = openpyxl.Workbook()
>>> book.active.append(["id", "when"])
>>> book.active.append(["a", 3.5])
>>> buf = io.BytesIO(); book.save(buf)
>>> header, frame = read_xlsx(buf.getvalue(), pathlib.Path("tiny.xlsx"))
>>> header, frame.values.tolist()
(['id', 'when'], [['a', '3.5']])
"""

from __future__ import annotations

import io
import math
import posixpath
import re
import zipfile
import zlib
from datetime import date, datetime, time, timedelta
from pathlib import Path
from xml.etree import ElementTree
from xml.parsers import expat

import pandas as pd

from ..errors import ExportError
from .layout import combine_header_rows

__all__ = ["read_xlsx", "MAX_EXPANSION"]

#: A part of the archive may expand to at most this many times the file's size
#: (plus 16 MiB); ordinary workbooks expand 5 to 30 times.
MAX_EXPANSION = 100
#: The largest sheet Excel writes.
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_CHUNK = 1 << 16


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Book:
    """The archive, with bounded reads of its parts."""

    def __init__(self, raw_bytes: bytes, path: Path) -> None:
        self.path = path
        self.limit = MAX_EXPANSION * len(raw_bytes) + (16 << 20)
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(raw_bytes))
            self.names = set(self.zip.namelist())
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as err:
            raise ExportError(
                f"cannot open the workbook ({type(err).__name__}); expected an XLSX file "
                "(the archive is damaged or truncated)",
                path=path,
            ) from err

    def chunks(self, part: str):
        """The bytes of ``part``, chunk by chunk, refusing more than the cap."""
        if part not in self.names:
            raise ExportError(
                f"the workbook has no part {part!r}; expected an XLSX file with its sheets",
                path=self.path,
            )
        total = 0
        try:
            with self.zip.open(part) as fh:
                while chunk := fh.read(_CHUNK):
                    total += len(chunk)
                    if total > self.limit:
                        raise ExportError(
                            f"the workbook part {part!r} expands to more than "
                            f"{self.limit >> 20} MiB ({MAX_EXPANSION} times the file); "
                            "expected an ordinary workbook (refused as a possible zip bomb)",
                            path=self.path,
                        )
                    yield chunk
        except ExportError:  # the cap above (an ExportError is also a ValueError)
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as err:
            raise ExportError(
                f"cannot read the workbook part {part!r} ({type(err).__name__}: damaged or "
                "truncated); expected an XLSX file",
                path=self.path,
            ) from err

    def events(self, part: str, tags: frozenset[str]):
        """(event, element) pairs of ``part``, streamed; elements must be cleared by the caller."""
        parser = ElementTree.XMLPullParser(events=("start", "end"))
        first = True
        try:
            for chunk in self.chunks(part):
                if first and b"<!DOCTYPE" in chunk[:4096].upper():
                    raise ExportError(
                        f"the workbook part {part!r} declares a DTD; expected plain XLSX XML",
                        path=self.path,
                    )
                first = False
                parser.feed(chunk)
                for event, elem in parser.read_events():
                    if _local(elem.tag) in tags:
                        yield event, elem
            parser.close()
            for event, elem in parser.read_events():
                if _local(elem.tag) in tags:
                    yield event, elem
        except ElementTree.ParseError as err:
            raise ExportError(
                f"the workbook part {part!r} is not well-formed XML ({err}); expected an XLSX "
                "file (it may be truncated)",
                path=self.path,
            ) from err

    def stream(self, part: str, start, end, chars) -> None:
        """Parse ``part`` with expat's C parser, calling the handlers with the tag names.

        Much faster than building elements (a 70 MB sheet in seconds); a DTD is refused
        (no entity can expand), and XML that is not well-formed (a cut part) is an error.
        """
        parser = expat.ParserCreate()  # names as written; handlers drop a prefix ("x:c")
        parser.buffer_text = True
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = chars

        def refuse(*_args: object) -> None:
            raise ExportError(
                f"the workbook part {part!r} declares a DTD; expected plain XLSX XML",
                path=self.path,
            )

        parser.StartDoctypeDeclHandler = refuse
        try:
            for chunk in self.chunks(part):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError as err:
            raise ExportError(
                f"the workbook part {part!r} is not well-formed XML ({err}); expected an XLSX "
                "file (it may be truncated)",
                path=self.path,
            ) from err

    def tree(self, part: str) -> ElementTree.Element | None:
        """A small part parsed whole (workbook, relationships, styles), or None if absent."""
        if part not in self.names:
            return None
        root = None
        for event, elem in self.events(part, _ALL):
            if event == "end":
                root = elem
        return root


class _AnyTag(frozenset):
    def __contains__(self, item: object) -> bool:
        return True


_ALL = _AnyTag()


def _rels(book: _Book, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target part) of ``part``."""
    folder, name = posixpath.split(part)
    root = book.tree(posixpath.join(folder, "_rels", name + ".rels"))
    out: dict[str, tuple[str, str]] = {}
    if root is None:
        return out
    for rel in root.iter():
        if _local(rel.tag) != "Relationship":
            continue
        target = rel.get("Target", "")
        if target.startswith("/"):
            target = target[1:]
        else:
            target = posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = (rel.get("Type", ""), target)
    return out


def _first_sheet(book: _Book) -> tuple[str, bool, dict[str, tuple[str, str]]]:
    """The first sheet's part, whether dates count from 1904, the workbook's relationships."""
    workbook = "xl/workbook.xml"
    root = book.tree(workbook)
    if root is None:
        raise ExportError(
            "the archive has no xl/workbook.xml; expected an XLSX workbook", path=book.path
        )
    rels = _rels(book, workbook)
    date1904, sheet_rid = False, None
    for elem in root.iter():
        tag = _local(elem.tag)
        if tag == "workbookPr":
            date1904 = elem.get("date1904", "0").lower() in ("1", "true")
        elif tag == "sheet" and sheet_rid is None:
            sheet_rid = next((v for k, v in elem.attrib.items() if _local(k) == "id"), None)
    if sheet_rid is None or sheet_rid not in rels:
        raise ExportError(
            "the workbook lists no sheet (or its sheet has no part); expected a first sheet "
            "holding the export",
            path=book.path,
        )
    return rels[sheet_rid][1], date1904, rels


def _shared_strings(book: _Book, rels: dict[str, tuple[str, str]]) -> list[str]:
    """The shared-string table: the text of each ``<si>`` (its runs, no phonetic hints)."""
    part = next((t for kind, t in rels.values() if kind.endswith("/sharedStrings")), None)
    part = part or "xl/sharedStrings.xml"
    if part not in book.names:
        return []
    out: list[str] = []
    state = {"parts": [], "buf": None, "rph": 0}

    def start(tag: str, attrs: dict) -> None:
        tag = tag.rpartition(":")[2]
        if tag == "si":
            state["parts"] = []
        elif tag == "rPh":
            state["rph"] += 1
        elif tag == "t" and not state["rph"]:
            state["buf"] = []

    def end(tag: str) -> None:
        tag = tag.rpartition(":")[2]
        if tag == "t" and state["buf"] is not None:
            state["parts"].append("".join(state["buf"]))
            state["buf"] = None
        elif tag == "rPh":
            state["rph"] -= 1
        elif tag == "si":
            out.append("".join(state["parts"]))

    def chars(data: str) -> None:
        if state["buf"] is not None:
            state["buf"].append(data)

    book.stream(part, start, end, chars)
    return out


def _date_styles(book: _Book, rels: dict[str, tuple[str, str]]) -> dict[int, str]:
    """Style index -> "date" or "timedelta" for the cell formats that show dates or durations."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    part = next((t for kind, t in rels.values() if kind.endswith("/styles")), None)
    root = book.tree(part or "xl/styles.xml")
    if root is None:
        return {}
    formats = dict(BUILTIN_FORMATS)
    out: dict[int, str] = {}
    for elem in root.iter():
        if _local(elem.tag) == "numFmt":
            try:
                formats[int(elem.get("numFmtId", "-1"))] = elem.get("formatCode", "")
            except ValueError:
                continue
    xfs = next((e for e in root.iter() if _local(e.tag) == "cellXfs"), None)
    if xfs is None:
        return out
    for index, xf in enumerate(x for x in xfs if _local(x.tag) == "xf"):
        try:
            code = formats.get(int(xf.get("numFmtId", "0")), "")
        except ValueError:
            continue
        if is_timedelta_format(code):
            out[index] = "timedelta"
        elif is_date_format(code):
            out[index] = "date"
    return out


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index - 1


def _column_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _number_text(text: str, kind: str | None, date1904: bool) -> str:
    """A numeric cell as the text a CSV export would hold."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

    text = text.strip()
    try:
        value: float | int = float(text) if re.search(r"[.eE]", text) else int(text)
    except ValueError:
        return text
    if isinstance(value, float) and not math.isfinite(value):
        return text
    if kind is not None:
        epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        try:
            when = from_excel(value, epoch, timedelta=kind == "timedelta")
        except (OverflowError, ValueError):
            return text
        if isinstance(when, datetime):
            return when.isoformat(sep=" ")
        if isinstance(when, date | time):
            return when.isoformat()
        if isinstance(when, timedelta):
            return str(when)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _cell_text(
    kind: str,
    value: str | None,
    inline: str | None,
    style: str | None,
    strings: list[str],
    date1904: bool,
    where: tuple[Path, int, int],
) -> str | None:
    """A cell as the text a CSV export would hold (None when empty)."""
    if kind == "inlineStr":
        text = inline
    elif value is None:
        text = None
    elif kind == "s":
        try:
            text = strings[int(value)]
        except (ValueError, IndexError):
            path, row, column = where
            raise ExportError(
                f"the cell refers to shared string {value.strip()!r}, which the workbook does "
                f"not hold (it lists {len(strings)}); expected a valid index (the file is damaged)",
                path=path,
                row=row,
                column=_column_name(column),
            ) from None
    elif kind == "b":
        text = "TRUE" if value.strip() in ("1", "true") else "FALSE"
    elif kind in ("str", "e"):
        text = value
    elif kind == "d":
        text = value.strip().replace("T", " ")
    else:
        text = _number_text(value, style, date1904)
    return text if text != "" else None


class _Sheet:
    """expat handlers that collect a sheet's cells: row number -> column -> text."""

    def __init__(self, path: Path, strings: list[str], styles: dict[int, str], date1904: bool):
        self.path, self.strings, self.styles, self.date1904 = path, strings, styles, date1904
        self.cells: dict[int, dict[int, str]] = {}
        self.row_no, self.col_no, self.this_row = 0, -1, 1
        self.kind, self.style = "n", None
        self.value: str | None = None
        self.inline: list[str] | None = None
        self.buf: list[str] | None = None
        self.rph = 0
        self.columns: dict[str, int] = {}

    def start(self, tag: str, attrs: dict) -> None:
        if tag == "c":
            ref = _REF.match(attrs.get("r", ""))
            if ref:
                letters, digits = ref.groups()
                col = self.columns.get(letters)
                if col is None:
                    col = self.columns[letters] = _column_index(letters)
                self.col_no, self.this_row = col, int(digits)
            else:
                self.col_no, self.this_row = self.col_no + 1, max(self.row_no, 1)
            if not (1 <= self.this_row <= MAX_ROWS and 0 <= self.col_no < MAX_COLUMNS):
                raise ExportError(
                    f"a cell lies outside Excel's sheet ({attrs.get('r')!r}); expected rows 1 "
                    f"to {MAX_ROWS} and columns A to XFD",
                    path=self.path,
                )
            self.kind = attrs.get("t", "n")
            try:
                self.style = self.styles.get(int(attrs.get("s", "0")))
            except ValueError:
                self.style = None
            self.value = self.inline = None
        elif tag == "v":
            self.buf = []
        elif tag == "is":
            self.inline = []
        elif tag == "rPh":
            self.rph += 1
        elif tag == "t" and self.inline is not None and not self.rph:
            self.buf = []
        elif tag == "row":
            try:
                self.row_no = int(attrs["r"]) if attrs.get("r") else self.row_no + 1
            except ValueError:
                self.row_no += 1
            self.col_no = -1
        elif ":" in tag:  # a prefixed name ("x:c")
            self.start(tag.rpartition(":")[2], attrs)

    def end(self, tag: str) -> None:
        if tag == "v" and self.buf is not None:
            self.value, self.buf = "".join(self.buf), None
        elif tag == "t" and self.buf is not None:
            self.inline.append("".join(self.buf))
            self.buf = None
        elif tag == "rPh":
            self.rph -= 1
        elif tag == "c":
            inline = "".join(self.inline) if self.inline is not None else None
            text = _cell_text(
                self.kind,
                self.value,
                inline,
                self.style,
                self.strings,
                self.date1904,
                (self.path, self.this_row, self.col_no),
            )
            if text is not None:
                self.cells.setdefault(self.this_row, {})[self.col_no] = text
            self.inline = None
        elif ":" in tag:
            self.end(tag.rpartition(":")[2])

    def chars(self, data: str) -> None:
        if self.buf is not None:
            self.buf.append(data)


def read_xlsx(raw_bytes: bytes, path: Path, header_rows: int = 1) -> tuple[list[str], pd.DataFrame]:
    """The first sheet of a workbook: its header row and its records, every value a string.

    Rows 1 to ``header_rows`` are the header (combined into one by
    :func:`cmmc_analysis.io.layout.combine_header_rows`); every later row up to the last
    one holding a value is a record (a blank row in between is a blank record, so
    record ``k`` is sheet row ``k + header_rows``). Columns are named by position (0,
    1, ...) up to the last header.

    Parameters
    ----------
    raw_bytes
        The file's bytes.
    path
        The file (for messages).

    Returns
    -------
    (header, frame)
        ``frame`` holds strings or None.

    Raises
    ------
    ExportError
        The archive is damaged or truncated, a part is missing or is not XML, a part
        expands beyond :data:`MAX_EXPANSION` times the file, a cell lies outside
        Excel's range or refers to a shared string that does not exist, or the sheet is
        empty.
    """
    book = _Book(raw_bytes, path)
    sheet, date1904, rels = _first_sheet(book)
    strings = _shared_strings(book, rels)
    styles = _date_styles(book, rels)
    collector = _Sheet(path, strings, styles, date1904)
    book.stream(sheet, collector.start, collector.end, collector.chars)
    cells = collector.cells
    rows = [r for r, values in cells.items() if any(v.strip() for v in values.values())]
    if not rows:
        raise ExportError("the first sheet is empty; expected a header row and records", path=path)
    last_row = max(rows)
    span = max((c + 1 for r in range(1, header_rows + 1) for c in cells.get(r, {})), default=0)
    header = combine_header_rows(
        [[cells.get(r, {}).get(c, "") for c in range(span)] for r in range(1, header_rows + 1)]
    )
    width = max((c + 1 for c, v in enumerate(header) if v.strip()), default=0)
    header = header[:width]
    rows = [r for r in rows if r > header_rows]
    beyond = sorted({c for r in rows for c in cells[r] if c >= width and cells[r][c].strip()})
    if beyond:
        raise ExportError(
            f"values in column{'s' if len(beyond) > 1 else ''} "
            f"{', '.join(_column_name(c) for c in beyond[:5])} beyond the header's last column "
            f"({_column_name(width - 1) if width else 'none'}); expected every value under a "
            "header",
            path=path,
            row=min(r for r in rows if any(c >= width for c in cells[r])),
        )
    first = header_rows + 1
    columns = {
        c: [cells.get(r, {}).get(c) for r in range(first, last_row + 1)] for c in range(width)
    }
    frame = pd.DataFrame(columns, columns=list(range(width)), dtype="str")
    return header, frame
