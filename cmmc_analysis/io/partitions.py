"""Reading an export in partitions: sniffed once, then read record range by record range.

:func:`plan_export` reads the head of the file once (encoding, delimiter, header and
its mapping to items, as :func:`cmmc_analysis.io.reader.read_export` does) and streams
the bytes once: the SHA-256 and the pseudonym salt, a UTF-8 check, and the end of every
record (newlines outside quotes, so a quoted newline in free text stays inside its
record). The :class:`ExportPlan` then cuts the records into partitions of a number of
records or of bytes, and :meth:`ExportPlan.read` parses one partition with the same
parser as ``read_export`` (every cell a string, ``source_row`` numbered as in a
spreadsheet, the same field-count checks). A Dask task reads its partition itself from
the plan; nothing but the plan travels.

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
import hashlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..codebook import Codebook
from ..errors import ExportError, SurveyDataError
from . import reader as _r
from .text import check_regular

__all__ = ["ExportPlan", "plan_export", "read_export_chunks"]

_BLOCK = 1 << 24


@dataclass
class ExportPlan:
    """An export sniffed once and cut into partitions of whole records.

    Attributes
    ----------
    path, encoding, delimiter, header_map, extra_columns, warnings, sha256, read_at
        As in :class:`cmmc_analysis.io.reader.RawExport`.
    headers
        The raw header row.
    bounds
        Per partition: first byte, end byte, ``source_row`` of its first record, and
        its number of records.
    """

    path: Path
    encoding: str
    delimiter: str | None
    headers: list[str]
    header_map: dict[str, str]
    extra_columns: tuple[str, ...]
    warnings: list[str]
    text_columns: list[int]
    header: bytes
    bounds: list[tuple[int, int, int, int]]
    sha256: str
    read_at: str
    salt: bytes = field(default=b"", repr=False)
    frame: pd.DataFrame | None = field(default=None, repr=False)  # XLSX: read whole

    @property
    def n_records(self) -> int:
        return sum(b[3] for b in self.bounds)

    def __len__(self) -> int:
        return len(self.bounds)

    def partitions(self) -> Iterator[pd.DataFrame]:
        """Each partition in file order (read anew at every call)."""
        for i in range(len(self.bounds)):
            yield self.read(i)

    def read(self, i: int, warnings: list[str] | None = None) -> pd.DataFrame:
        """Partition ``i``: ``source_row`` and one ``str`` column per item found."""
        start, stop, first_row, count = self.bounds[i]
        if self.frame is not None:
            return self.frame.iloc[start:stop].reset_index(drop=True)
        with open(self.path, "rb") as fh:
            fh.seek(start)
            body = fh.read(stop - start)
        data = self.header + body
        notes = self.warnings if warnings is None else warnings
        last = i == len(self.bounds) - 1
        found: list[str] = []
        try:
            if b'"' in body or not _r._counts_match(data, self.delimiter, len(self.headers)):
                _r._check_field_counts(data, self.encoding, self.delimiter, self.path, found)
            frame = _r._read_csv(
                data, self.headers, self.path, self.encoding, self.delimiter, self.text_columns
            )
        except ExportError as err:
            row = None if err.row is None else err.row + first_row - 2
            raise ExportError(err.message, path=self.path, row=row, column=err.column) from err
        except UnicodeDecodeError as err:
            raise ExportError(
                f"a byte cannot be decoded as {self.encoding}; pass encoding= to choose another",
                path=self.path,
                row=first_row,
            ) from err
        if found and not last:  # a short record that is not the file's last one
            raise ExportError(
                f"found fewer fields than the {len(self.headers)} of the header "
                f"(delimiter {self.delimiter!r})",
                path=self.path,
                row=first_row + count - 1,
            )
        notes += [w for w in found if w not in notes]
        if len(frame) != count:
            raise ExportError(
                f"found {len(frame)} records where {count} were expected between bytes "
                f"{start} and {stop}",
                path=self.path,
                row=first_row,
            )
        columns = {"source_row": np.arange(first_row, first_row + count, dtype=np.int64)}
        position = {h: j for j, h in enumerate(self.headers)}
        for item_id, header in self.header_map.items():
            columns[item_id] = frame[position[header]]
        return pd.DataFrame(columns)


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
    """
    del decimal
    path = Path(path)
    layouts = [i.id for i in codebook.items.values() if getattr(i, "layout", "joined") != "joined"]
    if _r._header_rows(codebook) > 1 or layouts:
        raise ExportError(
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
            head = fh.read(4)
    except OSError as err:
        raise ExportError(f"cannot read the export: {err.strerror}", path=path) from err
    if path.suffix.lower() in (".xlsx", ".xlsm") or head == b"PK\x03\x04":
        return _plan_xlsx(path, codebook, partition_rows, read_at)
    ends, sha256, salt, utf8 = _scan(path)
    if encoding is None:
        with open(path, "rb") as fh:
            bom = fh.read(3) == codecs.BOM_UTF8
        encoding = "utf-8-sig" if bom else ("utf-8" if utf8 else "cp1252")
    size = path.stat().st_size
    if size == 0 or len(ends) == 0:
        raise ExportError("the file is empty; expected a header row and records", path=path)
    with open(path, "rb") as fh:
        head_bytes = fh.read(min(size, 1 << 20))
    text = head_bytes.decode(encoding, errors="replace")
    if len(head_bytes) < size:
        text = text[: text.rfind("\n") + 1] or text
    warnings: list[str] = []
    delim = delimiter or _r._sniff_delimiter(text, path)
    headers = _r._read_header(text, path, delim)
    header_map, extras = _r.map_headers(headers, codebook, path=path, warnings=warnings)
    position = {h: i for i, h in enumerate(headers)}
    text_columns = [
        position[h]
        for i, h in header_map.items()
        if codebook.items[i].type in ("numeric", "datetime", "text")
    ]
    header_end = int(ends[0]) + 1
    record_ends = ends[1:] + 1  # byte after each record's newline
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
        encoding=encoding,
        delimiter=delim,
        headers=headers,
        header_map=header_map,
        extra_columns=tuple(extras),
        warnings=warnings,
        text_columns=text_columns,
        header=head_bytes[:header_end]
        if header_end <= len(head_bytes)
        else _bytes(path, header_end),
        bounds=bounds,
        sha256=sha256,
        read_at=read_at,
        salt=salt,
    )


def _bytes(path: Path, n: int) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n)


def _scan(path: Path) -> tuple[np.ndarray, str, bytes, bool]:
    """One streaming pass: record ends (newlines outside quotes), SHA-256, salt, UTF-8 check."""
    sha, blake = hashlib.sha256(), hashlib.blake2b(key=_r._SALT_TAG, digest_size=32)
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, parity, off = True, 0, 0
    ends: list[np.ndarray] = []
    with open(path, "rb") as fh, ThreadPoolExecutor(2) as pool:
        while True:
            block = fh.read(_BLOCK)
            last = len(block) < _BLOCK
            hashes = [pool.submit(sha.update, block), pool.submit(blake.update, block)]
            if utf8:
                try:
                    decoder.decode(block, final=last)
                except UnicodeDecodeError:
                    utf8 = False
            data = np.frombuffer(block, dtype=np.uint8)
            newline = data == 10
            if parity or b'"' in block:
                inside = np.bitwise_xor.accumulate((data == 34).view(np.uint8)) ^ np.uint8(parity)
                parity = int(inside[-1]) if len(inside) else parity
                newline &= inside == 0
            ends.append(np.flatnonzero(newline) + off)
            for h in hashes:
                h.result()
            off += len(block)
            if last:
                break
    return np.concatenate(ends), sha.hexdigest(), blake.digest(), utf8


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
        warnings=list(raw.warnings),
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
