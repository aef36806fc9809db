"""Reading an export in partitions: sniffed once, then read record range by record range.

:func:`plan_export` reads the head of the file once (encoding, delimiter, header and
its mapping to items, as :func:`cmmc_analysis.io.reader.read_export` does) and streams
the bytes once: the SHA-256 and the pseudonym salt, a UTF-8 check, and the end of every
record (newlines outside quotes, so a quoted newline in free text stays inside its
record; the quote parity is carried across the blocks read, so a quoted field or a
multi-byte character straddling a block boundary changes nothing). The
:class:`ExportPlan` then cuts the records into partitions of a number of records or of
bytes, and :meth:`ExportPlan.read` parses one partition with the same parser as
``read_export`` (every cell a string, ``source_row`` numbered as in a spreadsheet, the
same field-count checks). A Dask task reads its partition itself from the plan;
nothing but the plan travels.

The same guarantees as the whole-file reader (:mod:`cmmc_analysis.io.text`), decided
once for the whole file by the scan and applied to each partition's bytes: ``\\r\\r\\n``
line ends, old-Mac CR line ends, a bare CR inside an unquoted field, lines in
Windows-1252 among UTF-8 ones (each with the reader's note, the same rows named);
header rows repeated mid-file are removed and listed, not-asked markers blanked; the
records each partition parses are compared with those the scan counted. What cannot be
cut safely without parsing the whole file (a quote inside an unquoted field, several
header rows) is refused with :class:`NotPartitionable`, naming the row.

The streaming scan itself (line ends, quotes, encodings, hashes) is in
:mod:`cmmc_analysis.io.scan`.

Examples
--------
>>> import tempfile, pathlib
>>> from cmmc_analysis.examples import agreement_codebook
>>> cb = agreement_codebook(("q01",))
>>> f = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
>>> _ = f.write_text('segment;q01\\nCentro;"Non\\nso"\\nNord-Est;\\nCentro;Poco d\\'accordo\\n')
>>> plan = plan_export(f, cb, partition_rows=2)
>>> plan.delimiter, plan.n_records, [len(p) for p in plan.partitions()]
(';', 3, [2, 1])
>>> plan.read(1)["source_row"].tolist()
[4]
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..codebook import Codebook
from ..errors import ExportError, SurveyDataError
from . import reader as _r
from .layout import blank_not_asked
from .scan import NotPartitionable, check_quotes, encodings, has_text, line_notes, scan_file
from .text import check_regular, normalise_line_ends, recode_lines

__all__ = ["ExportPlan", "Findings", "NotPartitionable", "plan_export", "read_export_chunks"]


@dataclass(frozen=True)
class Findings:
    """What reading one partition found that the export's warnings report."""

    truncated: tuple[str, ...] = ()  # the last record short (the file cut)
    repeated: tuple[int, ...] = ()  # source rows that repeat the header row (removed)
    blanked: int = 0  # cells holding a not-asked marker, read as blank


@dataclass
class ExportPlan:
    """An export sniffed once and cut into partitions of whole records.

    Attributes
    ----------
    path, encoding, delimiter, header_map, extra_columns, sha256, read_at
        As in :class:`cmmc_analysis.io.reader.RawExport` (``encoding`` as shown;
        ``codec`` is what the partitions are parsed with).
    headers
        The raw header row.
    bounds
        Per partition: first byte, end byte, ``source_row`` of its first record, and
        its number of records (repeated header rows included).
    notes
        What the scan of the whole file found (line ends, encodings, headers).
    line_mode, mixed
        How each partition's bytes are prepared before parsing, as the whole file's
        are by :func:`~cmmc_analysis.io.reader.read_export`: a CR that ends no line
        read as a ``"space"`` or a ``"newline"`` (old Mac; None: no such CR), and
        lines that are not UTF-8 recoded from Windows-1252 (``mixed``).
    found
        Per partition read, its :class:`Findings`; :attr:`warnings` adds them up.
    """

    path: Path
    encoding: str
    delimiter: str | None
    headers: list[str]
    header_map: dict[str, str]
    extra_columns: tuple[str, ...]
    notes: list[str]
    text_columns: list[int]
    header: bytes
    bounds: list[tuple[int, int, int, int]]
    sha256: str
    read_at: str
    salt: bytes = field(default=b"", repr=False)
    frame: pd.DataFrame | None = field(default=None, repr=False)  # XLSX: read whole
    codec: str = ""
    line_mode: str | None = None
    mixed: bool = False
    not_asked: tuple[str, ...] = ()
    found: dict[int, Findings] = field(default_factory=dict, repr=False)
    #: the file name as reports show it, once the partitions' contacts were read
    shown_name: str | None = None

    @property
    def n_records(self) -> int:
        return sum(b[3] for b in self.bounds)

    def __len__(self) -> int:
        return len(self.bounds)

    @property
    def warnings(self) -> list[str]:
        """The export's warnings, worded and ordered as ``read_export`` words them."""
        out = list(self.notes)
        found = [self.found[i] for i in sorted(self.found)]
        out += [w for f in found for w in f.truncated if w not in out]
        rows = [r for f in found for r in f.repeated]
        if rows:
            shown = ", ".join(map(str, rows[:10])) + (" ..." if len(rows) > 10 else "")
            out.append(
                f"row{'s' if len(rows) > 1 else ''} {shown} repeat{'' if len(rows) > 1 else 's'} "
                "the header row; removed (not a record, not analysed)"
            )
        blanked = sum(f.blanked for f in found)
        if blanked:
            out.append(
                f"{blanked} cells held a not-asked marker ({', '.join(map(repr, self.not_asked))}) "
                "and are read as blank"
            )
        return out

    def partitions(self) -> Iterator[pd.DataFrame]:
        """Each partition in file order (read anew at every call)."""
        for i in range(len(self.bounds)):
            yield self.read(i)

    def read(self, i: int) -> pd.DataFrame:
        """Partition ``i``: ``source_row`` and one ``str`` column per item found.

        What it found for the warnings is kept in :attr:`found` (and, for a Dask
        worker that holds a copy of the plan, in the frame's ``attrs["findings"]``).
        """
        start, stop, first_row, count = self.bounds[i]
        if self.frame is not None:
            return self.frame.iloc[start:stop].reset_index(drop=True)
        with open(self.path, "rb") as fh:
            fh.seek(start)
            body = fh.read(stop - start)
        data = self.header + body
        if self.mixed:
            data = recode_lines(data)
        if self.line_mode is not None:
            data = normalise_line_ends(data, bare_cr=self.line_mode)[0]
        last = i == len(self.bounds) - 1
        short: list[str] = []
        try:
            if b'"' in body or not _r._counts_match(data, self.delimiter, len(self.headers)):
                _r._check_field_counts(data, self.codec, self.delimiter, self.path, short)
            frame = _r._read_csv(
                data, self.headers, self.path, self.codec, self.delimiter, self.text_columns
            )
        except ExportError as err:
            row = None if err.row is None else err.row + first_row - 2
            raise ExportError(err.message, path=self.path, row=row, column=err.column) from err
        except UnicodeDecodeError as err:
            raise ExportError(
                f"a byte cannot be decoded as {self.codec}; expected text in that encoding "
                "(pass encoding= to choose another)",
                path=self.path,
                row=first_row,
            ) from err
        if short and not last:  # a short record that is not the file's last one
            raise ExportError(
                f"found fewer fields than the {len(self.headers)} of the header "
                f"(delimiter {self.delimiter!r}); expected {len(self.headers)}",
                path=self.path,
                row=first_row + count - 1,
            )
        if short:  # the row as the whole file numbers it
            short = [
                w.replace(f"(row {count + 1})", f"(row {first_row + count - 1})") for w in short
            ]
        if len(frame) != count:
            raise ExportError(
                f"found {len(frame)} records where {count} were expected between bytes "
                f"{start} and {stop}; expected every record read (check the quotes and "
                "line ends of the file)",
                path=self.path,
                row=first_row,
            )
        frame, source_row = _r._drop_repeated_headers(frame, self.headers, [], first_row)
        repeated = (
            np.zeros(0, np.int64)  # no header row repeated: nothing to look for
            if len(source_row) == count
            else np.setdiff1d(np.arange(first_row, first_row + count), source_row)
        )
        frame = frame.reset_index(drop=True)
        columns = {"source_row": source_row.astype(np.int64)}
        position = {h: j for j, h in enumerate(self.headers)}
        for item_id, header in self.header_map.items():
            columns[item_id] = frame[position[header]]
        out = pd.DataFrame(columns)
        blanked = blank_not_asked(out, list(self.not_asked), list(self.header_map))
        findings = Findings(tuple(short), tuple(int(r) for r in repeated), blanked)
        self.found[i] = findings
        if findings != Findings():
            out.attrs["findings"] = findings
        return out


def plan_export(
    path: str | Path,
    codebook: Codebook,
    *,
    partition_rows: int | None = None,
    partition_bytes: int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
) -> ExportPlan:
    """Sniff an export once and cut it into partitions (see the module notes).

    Parameters
    ----------
    path, codebook, encoding, delimiter
        As in :func:`cmmc_analysis.io.reader.read_export` (``decimal`` is decided by
        the cleaning over every partition and accepted here only for symmetry).
    partition_rows
        Records per partition.
    partition_bytes
        Bytes per partition (records are never split); default: one partition.

    Raises
    ------
    ExportError
        As ``read_export`` does (the file cannot be read or decoded, has no records...).
    NotPartitionable
        The file would read whole, but its records cannot be found without parsing
        it whole: a quote inside an unquoted field (``5"`` for inches), a codebook with
        several header rows or option columns, an encoding whose line end is not the
        byte LF (UTF-16).
    """
    del decimal
    path = Path(path)
    layouts = [i.id for i in codebook.items.values() if getattr(i, "layout", "joined") != "joined"]
    if _r._header_rows(codebook) > 1 or layouts:
        raise NotPartitionable(
            "reading in partitions needs one header row and one column per item; this "
            f"codebook declares {'export.header_rows > 1' if not layouts else 'layout: columns'}"
            "; expected the export read whole (no partition_rows)",
            path=path,
        )
    for name, value in (("partition_rows", partition_rows), ("partition_bytes", partition_bytes)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise SurveyDataError(f"parameter {name}: expected a positive integer, found {value!r}")
    read_at = datetime.now(UTC).isoformat(timespec="seconds")
    check_regular(path)  # a FIFO or a device is refused before it is opened
    try:
        with open(path, "rb") as fh:
            head_bytes = fh.read(1 << 20)
    except OSError as err:
        raise ExportError(
            f"cannot read the export ({err.strerror}); expected a readable file", path=path
        ) from err
    if path.suffix.lower() in (".xlsx", ".xlsm") or head_bytes[:4] == b"PK\x03\x04":
        return _plan_xlsx(path, codebook, partition_rows, read_at)
    from .sav import is_sav

    if is_sav(path, head_bytes):
        raise NotPartitionable(
            "an SPSS file is read whole; expected a CSV file to read in partitions", path=path
        )
    if not head_bytes[:65536].strip() and not has_text(path):
        raise ExportError("the file is empty; expected a header row and records", path=path)
    if encoding is not None:
        _r._decode(b"", path, encoding)  # an unknown codec name is refused as read_export does
        try:
            ascii_ok = '\n\r",;'.encode(encoding) == b'\n\r",;'
        except (LookupError, UnicodeEncodeError):
            ascii_ok = False
        if not ascii_ok:
            raise NotPartitionable(
                f"reading in partitions needs an encoding that writes line ends, quotes and "
                f"delimiters as single ASCII bytes; expected not {encoding!r} (read it whole)",
                path=path,
            )
    elif b"\x00" in head_bytes[:8192]:
        _r._decode(head_bytes[:8192], path, None)  # refused: NUL bytes (UTF-16 or binary)
    scan = scan_file(path)
    bom = head_bytes.startswith(codecs.BOM_UTF8)
    notes: list[str] = []
    mixed = False
    if encoding is None:
        if scan.utf8:
            codec = "utf-8-sig" if bom else "utf-8"
        else:
            mixed, notes = encodings(path, scan)
            codec = ("utf-8-sig" if bom else "utf-8") if mixed else "cp1252"
        shown = "utf-8 and cp1252 (per line)" if mixed else codec
    else:
        codec = shown = encoding
    # line ends: as io.text.normalise_line_ends decides for the whole file
    line_ends = _r._ascii_compatible(codec) or encoding is None
    old_mac = scan.lf.size == 0 and scan.bare_cr.size > 0
    ends = scan.bare_cr if old_mac and line_ends else scan.lf
    line_mode = None
    if line_ends and (scan.doubled or scan.bare_cr.size):
        line_mode = "newline" if old_mac else "space"
        notes += line_notes(scan, old_mac)
    if ends.size == 0:
        if head_bytes.strip():
            raise ExportError(
                "the file has a header row but no records; expected at least one record",
                path=path,
            )
        raise ExportError("the file is empty; expected a header row and records", path=path)
    head = head_bytes
    if mixed:
        head = recode_lines(head)
    if line_mode is not None:
        head = normalise_line_ends(head, bare_cr=line_mode)[0]
    text = head.decode(codec, errors="replace")
    if len(head_bytes) < scan.size:
        text = text[: text.rfind("\n") + 1] or text
    warnings: list[str] = []
    delim = delimiter or _r._sniff_delimiter(text, path)
    headers = _r._read_header(text, path, delim)
    header_map, extras = _r.map_headers(headers, codebook, path=path, warnings=warnings)
    check_quotes(scan, delim, old_mac, ends, path)
    position = {h: i for i, h in enumerate(headers)}
    text_columns = [
        position[h]
        for i, h in header_map.items()
        if codebook.items[i].type in ("numeric", "datetime", "text")
    ]
    size = scan.size
    header_end = int(ends[0]) + 1
    record_ends = ends[1:] + 1  # byte after each record's line end
    if (record_ends.size == 0 or record_ends[-1] < size) and size > header_end:
        record_ends = np.append(record_ends, size)  # a last record without a final newline
    if record_ends.size == 0:
        raise ExportError(
            "the file has a header row but no records; expected at least one record", path=path
        )
    n = len(record_ends)
    if partition_rows is not None:
        cuts = np.arange(partition_rows, n, partition_rows)
    elif partition_bytes is not None:
        targets = np.arange(header_end + partition_bytes, size, partition_bytes)
        cuts = np.unique(np.searchsorted(record_ends, targets, side="left") + 1)
        cuts = cuts[(cuts > 0) & (cuts < n)]
    else:
        cuts = np.zeros(0, dtype=np.int64)
    firsts = np.r_[0, cuts].astype(np.int64)
    lasts = np.r_[cuts, n].astype(np.int64)
    starts = np.r_[header_end, record_ends[cuts - 1]] if cuts.size else np.array([header_end])
    bounds = [
        (int(s), int(record_ends[b - 1]), int(a) + 2, int(b - a))
        for s, a, b in zip(starts, firsts, lasts, strict=True)
    ]
    return ExportPlan(
        path=path,
        encoding=shown,
        delimiter=delim,
        headers=headers,
        header_map=header_map,
        extra_columns=tuple(extras),
        notes=notes + warnings,
        text_columns=text_columns,
        header=head_bytes[:header_end]
        if header_end <= len(head_bytes)
        else _bytes(path, header_end),
        bounds=bounds,
        sha256=scan.sha256,
        read_at=read_at,
        salt=scan.salt,
        codec=codec,
        line_mode=line_mode,
        mixed=mixed,
        not_asked=tuple(codebook.export.get("not_asked") or ()),
    )


def _bytes(path: Path, n: int) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n)


def _plan_xlsx(path: Path, codebook: Codebook, partition_rows: int | None, read_at: str):
    raw = _r.read_export(path, codebook=codebook)
    n = len(raw.data)
    step = partition_rows or n
    bounds = [(a, min(a + step, n), a + 2, min(step, n - a)) for a in range(0, n, step)]
    return ExportPlan(
        path=path,
        encoding=raw.encoding,
        delimiter=raw.delimiter,
        headers=list(raw.header_map.values()),
        header_map=raw.header_map,
        extra_columns=raw.extra_columns,
        notes=list(raw.warnings),
        text_columns=[],
        header=b"",
        bounds=bounds,
        sha256=raw.sha256,
        read_at=read_at,
        salt=raw.salt,
        frame=raw.data,
    )


def read_export_chunks(
    path: str | Path,
    codebook: Codebook,
    *,
    chunksize: int = 100_000,
    items: Sequence[str] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Iterator[pd.DataFrame]:
    """Read an export ``chunksize`` records at a time (:func:`plan_export` + ``read``).

    Each chunk has ``source_row`` (header = row 1) and one ``str`` column per item
    (only ``items`` when given), empty cells missing.
    """
    if isinstance(chunksize, bool) or not isinstance(chunksize, int) or chunksize < 1:
        raise SurveyDataError(
            f"parameter chunksize: expected a positive integer, found {chunksize!r}"
        )
    plan = plan_export(path, codebook, partition_rows=chunksize, encoding=encoding,
                       delimiter=delimiter)  # fmt: skip
    missing = [i for i in (items or []) if i not in plan.header_map]
    if missing:
        raise ExportError(f"items {missing} have no column in the export", path=plan.path)
    for frame in plan.partitions():
        yield frame if items is None else frame[["source_row", *[i for i in frame if i in items]]]
