"""Read a raw survey export (CSV or XLSX) and map its headers to codebook item ids.

:func:`read_export` reads what a form tool wrote, as it wrote it: every cell stays a
string (nothing is guessed by pandas), empty cells are missing, and every record
keeps its ``source_row`` (the header is row 1, the first record row 2, as a
spreadsheet shows it). Encoding, delimiter and decimal separator are detected and can
be overridden; what was used is reported in the :class:`RawExport`.

Headers are matched to items by id or by question text (``Codebook.header``), after
:func:`normalise_text` (case, stray spaces, typographic quotes, missing accents).
The file is only ever read.

Length: over 500 lines. The CSV path (decoding, sniffing, field-count checks, record
counts, repeated headers) is one sequence of checks on the same bytes; header matching
lives in io/headers.py, decoding helpers in io/text.py.

Examples
--------
>>> import tempfile, pathlib
>>> from cmmc_analysis.codebook import parse_codebook
>>> cb = parse_codebook({
...     "survey": {"id": "tiny", "source_language": "en", "languages": ["en"]},
...     "scales": {"yn": {"points": [{"en": "No"}, {"en": "Yes"}]}},
...     "items": [{"id": "q1", "type": "scale", "scale": "yn", "text": {"en": "Is it ok?"}}],
... })
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "tiny.csv").write_bytes("\\ufeffIS IT OK ?;Comment\\nYes;a\\n;b\\n".encode())
>>> raw = read_export(folder / "tiny.csv", codebook=cb)
>>> raw.encoding, raw.delimiter, raw.header_map
('utf-8-sig', ';', {'q1': 'IS IT OK ?'})
>>> raw.data["q1"].tolist(), raw.data["source_row"].tolist()
(['Yes', nan], [2, 3])
>>> raw.extra_columns
('Comment',)
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import itertools
import re
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..codebook import Codebook, load_codebook
from ..errors import ExportError
from .headers import _option_columns, map_headers, normalise_text
from .layout import blank_not_asked, combine_header_rows, join_option_columns
from .text import count_records, normalise_line_ends, open_regular, split_mixed_encoding
from .xlsx import read_xlsx

__all__ = ["RawExport", "read_export", "normalise_text", "map_headers"]

_SALT_TAG = b"cmmc-analysis pseudonym salt\x00"

#: Delimiters the sniffer chooses from.
DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class RawExport:
    """A raw export as read: strings only, columns named by item id.

    Attributes
    ----------
    data
        One row per record; ``source_row`` (int, header = row 1) then the item
        columns present, in codebook order; every value a ``str`` or missing.
    path, sha256
        The file and the hex SHA-256 of its bytes.
    encoding, delimiter, decimal
        What was detected or given (``delimiter`` is None for XLSX).
    header_map
        Item id -> raw header.
    extra_columns
        Raw headers that match no item (ignored).
    warnings
        Messages about what was detected or ignored.
    read_at
        When the file was read (ISO 8601, UTC).
    salt
        The default pseudonym salt: a BLAKE2b hash of the file's bytes, keyed with a
        fixed tag. It is not the published ``sha256`` (nor derivable from it), so ids
        cannot be recomputed from a report's provenance; not shown in the repr.
    """

    data: pd.DataFrame
    path: Path
    sha256: str
    encoding: str
    delimiter: str | None
    decimal: str
    header_map: dict[str, str]
    extra_columns: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)
    read_at: str = ""
    salt: bytes = field(default=b"", repr=False)

    def __len__(self) -> int:
        return len(self.data)


def read_export(
    path: str | Path,
    *,
    codebook: Codebook | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
) -> RawExport:
    """Read a CSV or XLSX export into strings and map its headers to item ids.

    Parameters
    ----------
    path
        The export. ``.xlsx``/``.xlsm`` files (or any file starting with the ZIP
        signature) are read from their first sheet, SPSS ``.sav`` files by
        :func:`cmmc_analysis.io.sav.read_sav`; anything else as CSV.
    codebook
        The codebook the headers are matched against (default: the bundled one).
    encoding
        CSV encoding; default: UTF-8 (with or without BOM), else Windows-1252.
    delimiter
        CSV delimiter; default: sniffed among ``,`` ``;`` tab and ``|``.
    decimal
        Decimal separator of numbers (``"."`` or ``","``); default: ``"."`` for a
        comma-delimited file, else the one most numeric values use (``","`` when a
        semicolon- or tab-delimited file gives no hint).

    Returns
    -------
    RawExport
        ``data`` has ``source_row`` and one string column per item found.

    Raises
    ------
    ExportError
        The file cannot be read or decoded (naming the row and column of the first
        undecodable byte), is empty or has no records, has a duplicated column, or
        lacks a required column (naming the closest headers found).

    Examples
    --------
    >>> from cmmc_analysis.paths import DEFAULT_EXPORT
    >>> raw = read_export(DEFAULT_EXPORT)
    >>> raw.data.columns[:3].tolist(), len(raw), raw.encoding, raw.delimiter
    (['source_row', 'submitted_at', 'duration_s'], 250, 'utf-8', ',')
    """
    path = Path(path)
    codebook = codebook if codebook is not None else load_codebook()
    if decimal is not None and decimal not in (".", ","):
        raise ExportError(f"parameter decimal={decimal!r}; expected '.' or ','", path=path)
    if delimiter is not None and len(delimiter) != 1:
        raise ExportError(
            f"parameter delimiter={delimiter!r}; expected a single character", path=path
        )
    raw_bytes = open_regular(path)
    read_at = datetime.now(UTC).isoformat(timespec="seconds")
    with ThreadPoolExecutor(2) as pool:  # hashlib releases the GIL: hash while parsing
        sha256 = pool.submit(lambda: hashlib.sha256(raw_bytes).hexdigest())
        salt = pool.submit(
            lambda: hashlib.blake2b(raw_bytes, key=_SALT_TAG, digest_size=32).digest()
        )
        return _read_export(
            raw_bytes, path, codebook, encoding, delimiter, decimal, read_at, sha256, salt
        )


def _read_export(
    raw_bytes: bytes,
    path: Path,
    codebook: Codebook,
    encoding: str | None,
    delimiter: str | None,
    decimal: str | None,
    read_at: str,
    sha256: Future[str],
    salt: Future[bytes],
) -> RawExport:
    """:func:`read_export` once the bytes are read (the hashes computed meanwhile)."""
    if not raw_bytes[:65536].strip() and not raw_bytes.strip():
        raise ExportError("the file is empty; expected a header row and records", path=path)
    warnings: list[str] = []
    is_xlsx = path.suffix.lower() in (".xlsx", ".xlsm") or raw_bytes[:4] == b"PK\x03\x04"
    from .sav import is_sav, read_sav

    sav = is_sav(path, raw_bytes)
    notes: list[str] = []
    if not (is_xlsx or sav):
        raw_bytes, notes = _prepare_text(raw_bytes, encoding)
    fast = (
        None if is_xlsx or sav else _read_csv_fast(raw_bytes, path, codebook, encoding, delimiter)
    )
    if fast is not None:
        used_encoding, used_delim, headers, header_map, extras, frame, warnings = fast
    elif sav:  # SPSS: labels as text, see io/sav.py
        headers, frame = read_sav(raw_bytes, path)
        used_encoding, used_delim = "sav", None
        header_map, extras = map_headers(headers, codebook, path=path, warnings=warnings)
    elif is_xlsx:
        headers, frame = read_xlsx(raw_bytes, path, header_rows=_header_rows(codebook))
        used_encoding, used_delim = "xlsx", None
        header_map, extras = map_headers(headers, codebook, path=path, warnings=warnings)
    else:
        used_encoding, text = _decode(raw_bytes, path, encoding)
        used_delim = delimiter or _sniff_delimiter(text, path)
        headers = _read_header(text, path, used_delim, rows=_header_rows(codebook))
        del text
        header_map, extras = map_headers(headers, codebook, path=path, warnings=warnings)
        position = {h: i for i, h in enumerate(headers)}
        text_columns = [
            position[h]
            for i, h in header_map.items()
            if codebook.items[i].type in ("numeric", "datetime", "text")
        ]
        _check_field_counts(raw_bytes, used_encoding, used_delim, path, warnings)
        frame = _read_csv(
            raw_bytes,
            headers,
            path,
            used_encoding,
            used_delim,
            text_columns,
            _header_rows(codebook),
        )
    if not (is_xlsx or sav):
        _check_record_count(
            raw_bytes, len(frame), used_encoding, used_delim, path, _header_rows(codebook)
        )
    if notes and notes[0].startswith("mixed encodings"):
        used_encoding = "utf-8 and cp1252 (per line)"
    warnings[:0] = notes
    if len(frame) == 0:
        raise ExportError(
            "the file has a header row but no records; expected at least one record", path=path
        )
    first = 1 + (_header_rows(codebook) if not sav else 1)  # the row of the first record
    frame, source_row = _drop_repeated_headers(frame, headers, warnings, first)
    if len(frame) == 0:
        raise ExportError(
            "every record repeats the header row; expected at least one record", path=path
        )
    columns = {"source_row": pd.Series(source_row, index=frame.index)}
    position = {h: i for i, h in enumerate(headers)}
    options = _option_columns(headers, codebook)
    for item_id in codebook.items:
        if item_id in header_map:
            columns[item_id] = frame[position[header_map[item_id]]]
        elif item_id in options:
            item = codebook.items[item_id]
            labels = {o.code: o.text(codebook.source_language) for o in item.options}
            by_code = {code: frame[position[h]] for code, h in options[item_id].items()}
            columns[item_id] = join_option_columns(by_code, labels, item.separator)
            header_map[item_id] = " | ".join(options[item_id].values())
    data = pd.DataFrame(columns)
    data.index = pd.RangeIndex(len(data))
    markers = codebook.export.get("not_asked") or []
    blanked = blank_not_asked(data, markers, [c for c in data.columns if c != "source_row"])
    if blanked:
        warnings.append(
            f"{blanked} cells held a not-asked marker ({', '.join(map(repr, markers))}) "
            "and are read as blank"
        )
    numeric = [i for i in header_map if codebook.items[i].type == "numeric"]
    used_decimal = decimal or _guess_decimal(data, numeric, used_delim)
    return RawExport(
        data=data,
        path=path,
        sha256=sha256.result(),
        encoding=used_encoding,
        delimiter=used_delim,
        decimal=used_decimal,
        header_map=header_map,
        extra_columns=tuple(extras),
        warnings=warnings,
        read_at=read_at,
        salt=salt.result(),
    )


# --- decoding and parsing -------------------------------------------------------------


def _prepare_text(raw_bytes: bytes, encoding: str | None) -> tuple[bytes, list[str]]:
    """Line ends made LF and mixed encodings split (see :mod:`cmmc_analysis.io.text`)."""
    notes: list[str] = []
    if encoding is None and b"\x00" not in raw_bytes[:8192]:
        raw_bytes, notes = split_mixed_encoding(raw_bytes)
    if encoding is None or _ascii_compatible(encoding):
        raw_bytes, more = normalise_line_ends(raw_bytes)
        notes += more
    return raw_bytes, notes


def _ascii_compatible(encoding: str) -> bool:
    """Whether the byte-level passes apply (UTF-8 or Windows-1252; unknown names: no)."""
    try:
        return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig", "cp1252")
    except LookupError:
        return False


def _check_record_count(
    raw_bytes: bytes, n_read: int, encoding: str, delimiter: str, path: Path, header_rows: int = 1
) -> None:
    """Refuse a file whose records the parser did not all return (counted apart from it).

    The records are the line ends outside quoted fields (plus a last line without
    one), less the header; where quotes make that count uncertain (a quote inside an
    unquoted field), :mod:`csv` counts them again. A difference is an error, never a
    silent loss.
    """
    if not _ascii_compatible(encoding):
        return
    counted = count_records(raw_bytes) - header_rows
    if counted == n_read:
        return
    text = raw_bytes.decode(encoding, errors="replace")
    with contextlib.suppress(csv.Error):
        records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        counted = sum(1 for _ in records) - header_rows
    if counted != n_read:
        raise ExportError(
            f"the parser read {n_read} records but the file holds {counted}; expected every "
            "record read (check the quotes and line ends of the file)",
            path=path,
        )


def _drop_repeated_headers(
    frame: pd.DataFrame, headers: list[str], warnings: list[str], first: int = 2
) -> tuple[pd.DataFrame, np.ndarray]:
    """Remove records that repeat the header row (an export pasted after another).

    ``first`` is the row of the first record (after one or more header rows).
    """
    source_row = np.arange(first, len(frame) + first)
    keys = [(c, h.strip()) for c, h in enumerate(headers) if h.strip()]
    if not keys:
        return frame, source_row
    first, value = keys[0]
    same = frame[first].fillna("").str.strip() == value
    if not same.any():
        return frame, source_row
    for c, h in keys[1:]:
        same &= frame[c].fillna("").str.strip() == h
    if not same.any():
        return frame, source_row
    rows = source_row[same.to_numpy()]
    shown = ", ".join(map(str, rows[:10])) + (" ..." if len(rows) > 10 else "")
    warnings.append(
        f"row{'s' if len(rows) > 1 else ''} {shown} repeat{'' if len(rows) > 1 else 's'} the "
        "header row; removed (not a record, not analysed)"
    )
    keep = ~same.to_numpy()
    return frame[keep], source_row[keep]


def _decode(raw_bytes: bytes, path: Path, encoding: str | None) -> tuple[str, str]:
    """Decode the bytes: (encoding used, text)."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError as err:
            raise ExportError(
                f"parameter encoding={encoding!r} is not a known encoding; expected a codec "
                "name such as 'utf-8' or 'cp1252'",
                path=path,
            ) from err
        candidates = [encoding]
    else:
        if b"\x00" in raw_bytes[:8192]:
            raise ExportError(
                "the file holds NUL bytes (binary data or UTF-16); expected CSV text in "
                "UTF-8 or Windows-1252, or an XLSX workbook",
                path=path,
            )
        bom = raw_bytes.startswith(codecs.BOM_UTF8)
        candidates = ["utf-8-sig"] if bom else ["utf-8", "cp1252"]
    errors: list[UnicodeDecodeError] = []
    for enc in candidates:
        try:
            return enc, _decode_checked(raw_bytes, enc)
        except UnicodeDecodeError as exc:
            errors.append(exc)
    err = max(errors, key=lambda e: e.start)  # the encoding that read furthest
    prefix = raw_bytes[: err.start].decode(err.encoding, errors="replace")
    row, column = _locate(prefix)
    tried = " or ".join(_ENCODING_NAMES.get(c, c) for c in candidates)
    raise ExportError(
        f"byte 0x{raw_bytes[err.start]:02x} cannot be decoded as {tried}; "
        "expected text in that encoding (pass encoding= to choose another)",
        path=path,
        row=row,
        column=column,
    ) from err


def _decode_checked(raw_bytes: bytes, encoding: str, sample: int = 1 << 20) -> str:
    """Check that the whole file decodes, chunk by chunk; return the first ``sample`` bytes' text.

    The full text is never held in memory (the records are parsed from the bytes);
    the sample is enough for sniffing the delimiter and parsing the header.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    head = ""
    for off in range(0, len(raw_bytes), _CHUNK):
        try:
            text = decoder.decode(
                raw_bytes[off : off + _CHUNK], final=off + _CHUNK >= len(raw_bytes)
            )
        except UnicodeDecodeError as err:
            raise UnicodeDecodeError(
                err.encoding, raw_bytes, off + err.start, off + err.end, err.reason
            ) from None
        if off == 0:
            head = text
    if len(raw_bytes) > sample:
        head = head[: head.rfind("\n", 0, sample) + 1] or head[:sample]
    return head


_UTF8 = ("utf-8", "utf_8", "utf8", "u8", "utf-8-sig", "utf_8_sig")


def _read_csv_fast(
    raw_bytes: bytes, path: Path, codebook: Codebook, encoding: str | None, delimiter: str | None
) -> tuple[str, str, list[str], dict[str, str], list[str], pd.DataFrame, list[str]] | None:
    """The CSV path of :func:`read_export` for a clean UTF-8 file, or None for the exact path.

    Only the head of the file is decoded (for the delimiter and the header): pandas'
    parser decodes every field itself and raises on a byte that is not UTF-8. The
    scan of field counts is replaced, for a file without quotes, by two byte counts
    (delimiters and line ends): when every line holds exactly the header's number of
    delimiters, no record is short (a long one makes pandas raise). Anything unusual
    (another encoding, bytes that are not UTF-8, a wrong number of fields, a header
    problem) returns None, and the exact path (full decode, field-count scan) reads
    the file and names the row and column of the problem.
    """
    if encoding is not None and encoding.lower() not in _UTF8:
        return None
    if b"\x00" in raw_bytes[:8192]:
        return None
    bom = raw_bytes.startswith(codecs.BOM_UTF8)
    used_encoding = encoding if encoding is not None else ("utf-8-sig" if bom else "utf-8")
    skip = 3 if bom and used_encoding.lower() in ("utf-8-sig", "utf_8_sig") else 0
    head_bytes = raw_bytes[skip : skip + _HEAD]
    try:
        head = codecs.getincrementaldecoder("utf-8")().decode(
            head_bytes, final=len(head_bytes) < _HEAD
        )
    except UnicodeDecodeError:
        return None
    if len(raw_bytes) - skip > _HEAD:
        head = head[: head.rfind("\n") + 1] or head
    warnings: list[str] = []
    try:
        used_delim = delimiter or _sniff_delimiter(head, path)
        headers = _read_header(head, path, used_delim, rows=_header_rows(codebook))
        header_map, extras = map_headers(headers, codebook, path=path, warnings=warnings)
        if not _counts_match(raw_bytes, used_delim, len(headers), _header_rows(codebook)):
            _check_field_counts(raw_bytes, used_encoding, used_delim, path, warnings)
        position = {h: i for i, h in enumerate(headers)}
        text_columns = [
            position[h]
            for i, h in header_map.items()
            if codebook.items[i].type in ("numeric", "datetime", "text")
        ]
        frame = _read_csv(
            raw_bytes,
            headers,
            path,
            used_encoding,
            used_delim,
            text_columns,
            _header_rows(codebook),
        )
    except (ExportError, UnicodeDecodeError):
        return None
    return used_encoding, used_delim, headers, header_map, extras, frame, warnings


_HEAD = 1 << 20


def _counts_match(raw_bytes: bytes, delimiter: str, width: int, header_rows: int = 1) -> bool:
    """Whether the delimiters number exactly ``width - 1`` per line, in a file without
    quotes or whose quotes are all in its header rows (then the lines after them).

    >>> _counts_match(b'"a,x",b\\n1,2\\n', ",", 2), _counts_match(b'a,b\\n"1,2"\\n', ",", 2)
    (True, False)
    """
    try:
        delim = delimiter.encode("ascii")
    except UnicodeEncodeError:
        return False
    start, last_quote = 0, raw_bytes.rfind(b'"')
    if last_quote >= 0:  # quotes in the header only: its records counted by the exact rule
        start = raw_bytes.find(b"\n", last_quote) + 1
        if not 0 < start <= _HEAD or count_records(raw_bytes[:start]) != header_rows:
            return False
    if start == len(raw_bytes):
        return True
    lines = raw_bytes.count(b"\n", start) + (not raw_bytes.endswith(b"\n"))
    return raw_bytes.count(delim, start) == (width - 1) * lines


_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "cp1252": "Windows-1252"}


def _locate(prefix: str) -> tuple[int, str | None]:
    """Row number (header = 1) and header of the field where ``prefix`` ends."""
    delim = _sniff_delimiter(prefix, None) if prefix.strip() else ","
    records = list(csv.reader(io.StringIO(prefix), delimiter=delim))
    if not records:
        return 1, None
    if prefix.endswith(("\n", "\r")):
        records.append([""])
    header = records[0]
    index = len(records[-1]) - 1
    column = header[index] if 0 <= index < len(header) and len(records) > 1 else None
    return len(records), column


def _sniff_delimiter(text: str, path: Path | None) -> str:
    """The candidate delimiter that splits the first records into the most, equal fields."""
    sample = text[:65536]
    if len(text) > len(sample):
        sample = sample[: sample.rfind("\n") + 1] or sample
    best, best_score = ",", (-1.0, 0)
    for delim in DELIMITERS:
        try:
            records = list(itertools.islice(csv.reader(io.StringIO(sample), delimiter=delim), 50))
        except csv.Error:
            continue
        if not records:
            continue
        width = len(records[0])
        if width < 2:
            continue
        same = sum(len(r) == width for r in records) / len(records)
        score = (same, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def _header_rows(codebook: Codebook) -> int:
    """How many header rows the codebook says the export has (``export.header_rows``)."""
    return int(getattr(codebook, "export", {}).get("header_rows", 1) or 1)


def _read_header(text: str, path: Path, delimiter: str, rows: int = 1) -> list[str]:
    """The header row (or ``rows`` header rows combined, see :mod:`.layout`), parsed with :mod:`csv`."""
    try:
        reader = csv.reader(io.StringIO(text[:1_000_000]), delimiter=delimiter)
        header_rows = [next(reader) for _ in range(rows)]
    except (StopIteration, csv.Error) as err:
        raise ExportError(
            f"cannot parse the {rows} header row(s) "
            f"({' '.join(str(err).split()) or 'the file ends first'}); expected a CSV header",
            path=path,
            row=1,
        ) from err
    header = combine_header_rows(header_rows) if rows > 1 else header_rows[0]
    if not any(h.strip() for h in header):
        raise ExportError("the header row is empty; expected column headers", path=path, row=1)
    return header


_CHUNK = 1 << 24


def _check_field_counts(
    raw_bytes: bytes, encoding: str, delimiter: str, path: Path, warnings: list[str]
) -> None:
    """Refuse a record whose number of fields differs from the header's.

    pandas fills a short record with missing values and, when every record is too
    long, silently drops the surplus; either way answers would be lost or shifted
    without a word. A vectorised pass over the bytes (chunk by chunk, quote parity
    carried across) counts the delimiters outside quotes per record; only when a
    record looks off is the file scanned exactly with :mod:`csv`, and the first bad
    record is named. Blank lines are allowed (they are empty records), and so is a
    short last record (a download that stopped), with a warning.
    """
    try:
        newline, delim = "\n".encode(encoding), delimiter.encode(encoding)
    except (LookupError, UnicodeEncodeError):
        return
    if newline != b"\n" or len(delim) != 1 or '"'.encode(encoding) != b'"':
        return  # not an ASCII-compatible encoding: leave it to the parser
    data = np.frombuffer(raw_bytes, dtype=np.uint8)
    parity, pending, last_end = 0, 0, -1
    counts, lengths = [], []
    for off in range(0, len(data), _CHUNK):
        chunk = data[off : off + _CHUNK]
        quote = chunk == 34
        newline_at, delim_at = chunk == 10, chunk == delim[0]
        if parity or quote.any():
            inside = np.bitwise_xor.accumulate(quote.view(np.uint8)) ^ np.uint8(parity)
            parity = int(inside[-1])
            newline_at &= inside == 0
            delim_at &= inside == 0
        ends = np.flatnonzero(newline_at)
        delims = np.flatnonzero(delim_at)
        # delimiters before each record end, searched end by end (ends are the fewer)
        before = np.searchsorted(delims, ends)
        if len(ends):
            counts.append(np.diff(before, prepend=0) + 1)
            counts[-1][0] += pending
            lengths.append(np.diff(np.r_[last_end, ends + off]) - 1)
            last_end = int(ends[-1] + off)
            pending = len(delims) - int(before[-1])
        else:
            pending += len(delims)
    if last_end < len(data) - 1:  # a last record without a final newline
        counts.append(np.array([pending + 1]))
        lengths.append(np.array([len(data) - 1 - last_end]))
    fields, size = np.concatenate(counts), np.concatenate(lengths)
    if len(fields) < 2 or np.all((fields[1:] == fields[0]) | (size[1:] <= 1)):
        return
    text = raw_bytes.decode(encoding)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    width, bad = None, None
    for row, record in enumerate(reader, start=1):
        if width is None:
            width = len(record)
        elif bad is not None:  # a bad record followed by more records: an error
            break
        elif record and len(record) != width:
            bad = (row, record)
    else:
        if bad is not None and len(bad[1]) < (width or 0):
            warnings.append(
                f"the last record (row {bad[0]}) has {len(bad[1])} of {width} fields; "
                "the file may be truncated (the missing fields are read as blank)"
            )
            return
    if bad is None:
        return
    row, record = bad
    hint = ""
    if any("\n" in field for field in record):
        hint = "; a quote opened in this record may be left unclosed"
    raise ExportError(
        f"found {len(record)} fields; expected {width} as in the header "
        f"(delimiter {delimiter!r}){hint}",
        path=path,
        row=row,
    )


def _read_csv(
    raw_bytes: bytes,
    header: list[str],
    path: Path,
    encoding: str,
    delimiter: str,
    text_columns: Sequence[int] = (),
    header_rows: int = 1,
) -> pd.DataFrame:
    """The records, every column as strings (``""`` -> missing), named by position.

    pandas' inferring reader is several times faster than ``dtype=str`` on text
    columns, and a column it infers as text holds exactly the file's text; so the
    columns that may look numeric (``text_columns``) are read as ``str`` from the
    start, and any other column that pandas turned into numbers or booleans is read
    again as text. Nothing is guessed.
    """
    options = {
        "sep": delimiter,
        "encoding": encoding,
        "header": header_rows - 1,  # the rows before it are skipped too
        "names": list(range(len(header))),
        "keep_default_na": False,
        "na_values": [""],
        "skip_blank_lines": False,
        "quotechar": '"',
        "index_col": False,
        "engine": "c",
    }
    # Text is asked for as Arrow strings and cast to "str" (no copy): the C parser's
    # "str" dtype builds a Python object per cell first (measured: 0.1-0.2 s more per
    # column and 64 MB, more than the inferred text columns cost together).
    text = pd.ArrowDtype(pa.large_string())
    try:
        frame = pd.read_csv(
            io.BytesIO(raw_bytes), dtype=dict.fromkeys(text_columns, text), **options
        )
        guessed = [
            c
            for c in frame.columns
            if not isinstance(frame[c].dtype, pd.StringDtype | pd.ArrowDtype)
            and frame[c].notna().any()
        ]
        if guessed:
            again = pd.read_csv(io.BytesIO(raw_bytes), dtype=text, usecols=guessed, **options)
            for c in guessed:
                frame[c] = again[c]
        for c in frame.columns:
            if isinstance(frame[c].dtype, pd.ArrowDtype):
                frame[c] = frame[c].astype("str")
    except pd.errors.ParserError as err:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
        if found is None:
            raise ExportError(
                f"malformed CSV ({' '.join(str(err).split())}); expected records of "
                f"{len(header)} fields separated by {delimiter!r}",
                path=path,
            ) from err
        raise ExportError(
            f"found {found.group(3)} fields; expected {len(header)} as in the header "
            f"(delimiter {delimiter!r})",
            path=path,
            row=int(found.group(2)),
        ) from err
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame(columns=list(range(len(header))))
    return frame.astype("str")


#: The name the codebook draft uses (draft/export.py).
_read_xlsx = read_xlsx


_COMMA_NUMBER = r"^\s*[-+]?\d+,\d+\s*%?\s*$"
_DOT_NUMBER = r"^\s*[-+]?\d+\.\d+\s*%?\s*$"


def _guess_decimal(data: pd.DataFrame, numeric: Sequence[str], delimiter: str | None) -> str:
    """The decimal separator of the export's numbers.

    ``"."`` in a comma-delimited file (a decimal comma there is still read by the
    ``numbers`` rule); otherwise the one more distinct numeric values use, and on a
    tie ``","`` for a semicolon- or tab-delimited file (Italian Excel), ``"."`` else.
    """
    if delimiter == ",":
        return "."
    comma = dot = 0
    for col in numeric:
        uniques = pd.Series(pd.unique(data[col].dropna()), dtype="str")
        comma += int(uniques.str.match(_COMMA_NUMBER).sum())
        dot += int(uniques.str.match(_DOT_NUMBER).sum())
    if comma != dot:
        return "," if comma > dot else "."
    return "," if delimiter in (";", "\t") else "."
