"""One streaming pass over a CSV export's bytes: what a partitioned read must know first.

:func:`scan_file` reads the file block by block once (never whole): the SHA-256 and
the pseudonym salt, whether it is UTF-8, the line ends outside quoted fields, the
carriage returns that end no line (bare CR, ``\\r\\r\\n``, old-Mac files) and the
quotes that open a field somewhere other than at its start. A run of CRs is never
split from the LF after it and the quote parity is carried from block to block, so a
quoted field or a multi-byte character straddling a block boundary changes nothing.
:func:`line_notes` and :func:`encodings` word what was found as
:mod:`cmmc_analysis.io.text` words it for a file read whole (the same rows and lines
named); :func:`check_quotes` refuses what cannot be cut into partitions safely.

Examples
--------
>>> import tempfile, pathlib
>>> f = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
>>> _ = f.write_bytes(b'a,b\\r\\r\\n1,"x\\ny"\\n2,3\\r4\\n')
>>> scan = scan_file(f)
>>> scan.lf.tolist(), scan.bare_cr.tolist(), scan.doubled, scan.size
([5, 13, 19], [17], 1, 20)
>>> line_notes(scan, old_mac=False)[1]
'row 3: a carriage return (CR) inside an unquoted field is read as a space; expected LF or CRLF line ends only'
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ExportError
from .reader import _SALT_TAG
from .text import _UTF8_MULTIBYTE, _utf8_ok, cr_runs

__all__ = ["NotPartitionable", "scan_file", "line_notes", "check_quotes", "encodings", "has_text"]

_BLOCK = 1 << 24
_LF, _CR, _QUOTE = 10, 13, 34
#: Bytes Windows-1252 leaves undefined (Python's codec refuses them).
_NOT_CP1252 = np.array([0x81, 0x8D, 0x8F, 0x90, 0x9D], dtype=np.uint8)


class NotPartitionable(ExportError):
    """The file reads whole but cannot be cut into partitions safely (see the message).

    :func:`cmmc_analysis.clean.pipeline.load_survey` then reads it whole when it chose
    the partitions itself (a large file); asked for partitions, it refuses.
    """


def has_text(path: Path) -> bool:
    """Whether the file holds anything but whitespace (read block by block)."""
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            if block.strip():
                return True
    return False


@dataclass
class _Scanned:
    """What one streaming pass over the bytes found (positions are file offsets)."""

    lf: np.ndarray  # LF outside quoted fields
    bare_cr: np.ndarray  # CR outside quoted fields that ends no line (not before LF)
    doubled: int  # line ends written CR CR LF (runs of CRs before LF)
    quote_prev: np.ndarray  # opening quotes by the byte before them (256 counts)
    quote_first: np.ndarray  # the first such quote's offset, per byte (-1: none)
    sha256: str
    salt: bytes
    utf8: bool
    size: int


def scan_file(path: Path) -> _Scanned:
    """One streaming pass: line ends outside quotes, CRs, quotes, SHA-256, salt, UTF-8 check.

    Blocks are cut so that a run of CRs is never split from the LF after it, and the
    quote parity is carried across blocks: a quoted field holding newlines, or a
    multi-byte character, may straddle a block boundary.
    """
    sha, blake = hashlib.sha256(), hashlib.blake2b(key=_SALT_TAG, digest_size=32)
    utf8, parity, off, prev, carry, u_carry = True, 0, 0, -1, b"", b""
    lf: list[np.ndarray] = []
    bare: list[np.ndarray] = []
    doubled = 0
    q_prev = np.zeros(256, dtype=np.int64)
    q_first = np.full(256, -1, dtype=np.int64)
    start = 0
    with open(path, "rb") as fh, ThreadPoolExecutor(2) as pool:
        while True:
            block = fh.read(_BLOCK)
            last = len(block) < _BLOCK
            hashes = [pool.submit(sha.update, block), pool.submit(blake.update, block)]
            if utf8:  # Arrow's UTF-8 check of whole characters (a split one waits)
                text = u_carry + block if u_carry else block  # no copy of the block
                keep = 0 if last else _partial_char(text)
                u_carry = text[len(text) - keep :] if keep else b""
                utf8 = _utf8_ok(memoryview(text)[: len(text) - keep])
            if off == 0 and not carry and block.startswith(codecs.BOM_UTF8):
                start = 3
            data = carry + block
            carry = b""
            if not last:  # a trailing run of CRs waits for the byte after it
                kept = len(data.rstrip(b"\r"))
                data, carry = data[:kept], data[kept:]
            if data:
                parity, found = _scan_block(data, off, prev, parity, start)
                lf.append(found[0])
                bare.append(found[1])
                doubled += found[2]
                for byte, count, first in found[3]:
                    q_prev[byte] += count
                    if q_first[byte] < 0:
                        q_first[byte] = first
                off += len(data)
                prev = data[-1]
            for h in hashes:
                h.result()
            if last:
                break
    return _Scanned(
        lf=np.concatenate(lf) if lf else np.zeros(0, np.int64),
        bare_cr=np.concatenate(bare) if bare else np.zeros(0, np.int64),
        doubled=doubled,
        quote_prev=q_prev,
        quote_first=q_first,
        sha256=sha.hexdigest(),
        salt=blake.digest(),
        utf8=utf8,
        size=off,
    )


def _partial_char(data: bytes) -> int:
    """How many bytes at the end of ``data`` begin a UTF-8 character that is not complete
    (0 if none): they are checked with the next block.

    >>> _partial_char("né".encode()), _partial_char("né".encode()[:-1]), _partial_char(b"ab")
    (0, 1, 0)
    >>> _partial_char("€".encode()[:2]), _partial_char(b"\\x80\\x80\\x80\\x80")
    (2, 0)
    """
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:  # ASCII: every character before it is complete
            return 0
        if byte >= 0xC0:  # a lead byte: the character's length by its high bits
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return back if back < need else 0
    return 0  # continuation bytes only: left to the check (invalid if no lead before)


def _scan_block(data: bytes, off: int, prev: int, parity: int, start: int):
    """One block of :func:`_scan`: (parity after it, (LFs, bare CRs, CR CR LF count,
    [(byte before an opening quote, count, first offset)]))."""
    d = np.frombuffer(data, dtype=np.uint8)
    quotes: list[tuple[int, int, int]] = []
    if parity or b'"' in data:  # (a byte search: no array of the block's quotes made)
        quote = d == _QUOTE
        inside = np.bitwise_xor.accumulate(quote.view(np.uint8)) ^ np.uint8(parity)
        parity = int(inside[-1])
        outside = inside == 0
        opening = np.flatnonzero(quote & ~outside)  # a quote that opens a quoted field
        if opening.size:
            before = np.where(opening > 0, d[np.maximum(opening - 1, 0)].astype(np.int64), prev)
            at_start = (opening + off == start) | (before == _LF) | (before == _QUOTE)
            before, where = before[~at_start], opening[~at_start] + off
            if before.size:
                values, first = np.unique(before, return_index=True)
                counts = np.bincount(before, minlength=256)[values]
                quotes = list(
                    zip(values.tolist(), counts.tolist(), where[first].tolist(), strict=True)
                )
        lf_at = np.flatnonzero((d == _LF) & outside)
        cr_at = np.flatnonzero((d == _CR) & outside)
    else:
        lf_at = np.flatnonzero(d == _LF)
        cr_at = np.flatnonzero(d == _CR) if b"\r" in data else np.zeros(0, np.int64)
    bare = np.zeros(0, np.int64)
    doubled = 0
    if cr_at.size:
        line_end, _, doubled = cr_runs(d, cr_at)
        bare = cr_at[~line_end] + off
    return parity, (lf_at + off, bare, doubled, quotes)


def line_notes(scan: _Scanned, old_mac: bool) -> list[str]:
    """The notes :func:`~cmmc_analysis.io.text.normalise_line_ends` writes, for the whole file."""
    notes = []
    if scan.doubled:
        notes.append(
            f"line ends: {scan.doubled} written as CR CR LF (a CRLF file converted twice); "
            "each read as one line end"
        )
    if scan.bare_cr.size and old_mac:
        notes.append(f"line ends: {scan.bare_cr.size} written as CR (old Mac format); read as LF")
    elif scan.bare_cr.size:
        rows = np.unique(np.searchsorted(scan.lf, scan.bare_cr) + 1)
        shown = ", ".join(str(r) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
        notes.append(
            f"row{'s' if len(rows) > 1 else ''} {shown}: a carriage return (CR) inside an "
            "unquoted field is read as a space; expected LF or CRLF line ends only"
        )
    return notes


def check_quotes(scan: _Scanned, delim: str, old_mac: bool, ends: np.ndarray, path: Path) -> None:
    """Refuse a quote that opens a quoted field anywhere but at a field's start.

    A CSV parser reads such a quote as a character (``5" screen``), while the count of
    quotes that finds the records' ends would read it as opening a field: the records
    cannot be found without parsing the whole file (``read_export`` does).
    """
    allowed = {ord(delim)} if len(delim.encode("latin-1", "replace")) == 1 else set()
    if old_mac:
        allowed.add(_CR)
    bad = [b for b in np.flatnonzero(scan.quote_prev) if int(b) not in allowed]
    if not bad:
        return
    at = int(min(scan.quote_first[b] for b in bad))
    raise NotPartitionable(
        'a quote (") inside an unquoted field; expected quotes only around whole fields to '
        "read the file in partitions (read it whole: without partition_rows or engine='dask')",
        path=path,
        row=int(np.searchsorted(ends, at)) + 1,
    )


def encodings(path: Path, scan: _Scanned) -> tuple[bool, list[str]]:
    """Whether a file that is not UTF-8 mixes UTF-8 and Windows-1252 lines, and the note.

    As :func:`~cmmc_analysis.io.text.split_mixed_encoding` decides on the whole file:
    mixed when some UTF-8 multi-byte sequence occurs and every line decodes as UTF-8
    or Windows-1252. A byte that fits neither is refused with its row, as the reader
    refuses it.
    """
    multibyte, first_bad = False, -1
    for off, block in _line_blocks(path):
        if not multibyte and _UTF8_MULTIBYTE.search(block):
            multibyte = True
        if first_bad < 0:
            hits = np.flatnonzero(np.isin(np.frombuffer(block, np.uint8), _NOT_CP1252))
            first_bad = off + int(hits[0]) if hits.size else -1
    if not multibyte:
        if first_bad >= 0:  # neither UTF-8 nor Windows-1252
            _refuse_byte(path, scan, first_bad)
        return False, []
    cp1252, n_lines, neither = [], 0, -1
    for off, block in _line_blocks(path):
        try:
            block.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            n_lines += block.count(b"\n") + (not block.endswith(b"\n"))
            continue
        pos = off
        for line in block.split(b"\n")[:-1] if block.endswith(b"\n") else block.split(b"\n"):
            n_lines += 1
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    line.decode("cp1252")
                except UnicodeDecodeError as err:
                    neither = pos + err.start
                    break
                cp1252.append(n_lines)
            pos += len(line) + 1
        if neither >= 0:
            break
    if neither >= 0:
        _refuse_byte(path, scan, neither)
    shown = ", ".join(map(str, cp1252[:10])) + (" ..." if len(cp1252) > 10 else "")
    note = (
        f"mixed encodings: {len(cp1252)} of {n_lines} lines are Windows-1252 "
        f"(line{'s' if len(cp1252) > 1 else ''} {shown}), the others UTF-8; each line decoded "
        "in its own encoding"
    )
    return True, [note]


def _line_blocks(path: Path) -> Iterator[tuple[int, bytes]]:
    """The file in blocks of whole lines (a block ends after an LF, or at the end)."""
    off, carry = 0, b""
    with open(path, "rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            data = carry + block
            if not block:
                if data:
                    yield off, data
                return
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                carry = data
                continue
            yield off, data[:cut]
            off += cut
            carry = data[cut:]


def _refuse_byte(path: Path, scan: _Scanned, at: int) -> None:
    with open(path, "rb") as fh:
        fh.seek(at)
        byte = fh.read(1)[0]
    ends = scan.lf if scan.lf.size or not scan.bare_cr.size else scan.bare_cr
    raise ExportError(
        f"byte 0x{byte:02x} cannot be decoded as UTF-8 or Windows-1252; expected text in "
        "that encoding (pass encoding= to choose another)",
        path=path,
        row=int(np.searchsorted(ends, at)) + 1,
    )
