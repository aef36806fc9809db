"""The bytes of a CSV export before parsing: what kind of file, line ends, mixed encodings.

Three things a form tool, an editor or a careless copy can do to a CSV file, each
handled here with a message the reader adds to :attr:`RawExport.warnings
<cmmc_analysis.io.reader.RawExport>` (never silently):

- :func:`open_regular` refuses what is not a regular file (a FIFO would block forever,
  ``/dev/zero`` would fill the memory) and reads the bytes of one that is;
- :func:`normalise_line_ends` makes every record end in LF: CRLF and ``\\r\\r\\n``
  (a CRLF file converted once more) are one line end; a file whose lines all end in a
  bare CR (old Mac) gets LF; a bare CR inside an unquoted field of an LF or CRLF file
  is read as a space, and the rows where that happened are listed (a CR meant as a
  line end then merges two records, which the field-count check refuses naming the
  row);
- :func:`split_mixed_encoding` decodes, line by line, a file in which some lines are
  UTF-8 and others Windows-1252 (a file assembled from two exports), and says which
  lines were Windows-1252.

Quotes are followed (a line end inside a quoted field is content and left as is).

Examples
--------
>>> normalise_line_ends(b"a,b\\r\\r\\n1,2\\r\\r\\n")
(b'a,b\\n1,2\\n', ['line ends: 2 written as CR CR LF (a CRLF file converted twice); each read as one line end'])
>>> normalise_line_ends(b"a,b\\n1,x\\ry\\n")[1]
['row 2: a carriage return (CR) inside an unquoted field is read as a space; expected LF or CRLF line ends only']
>>> data, notes = split_mixed_encoding("a;b\\nè;1\\n".encode() + "è;2\\n".encode("cp1252"))
>>> data.decode(), notes
('a;b\\nè;1\\nè;2\\n', ['mixed encodings: 1 of 3 lines are Windows-1252 (line 3), the others UTF-8; each line decoded in its own encoding'])
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import numpy as np

from ..errors import ExportError

__all__ = [
    "check_regular",
    "open_regular",
    "normalise_line_ends",
    "split_mixed_encoding",
    "count_records",
    "recode_lines",
]

_CR, _LF, _QUOTE = 13, 10, 34
_CHUNK = 1 << 24


def check_regular(path: Path) -> None:
    """Refuse what is not a regular file, without opening it (a FIFO would block).

    >>> check_regular(Path("/dev/null"))
    Traceback (most recent call last):
    ...
    cmmc_analysis.errors.ExportError: null: not a regular file but a character device; expected an export file
    """
    try:
        info = os.stat(path)
    except OSError as err:
        raise ExportError(
            f"cannot read the export ({err.strerror}); expected a readable file", path=path
        ) from err
    if not stat.S_ISREG(info.st_mode):
        kinds = {
            stat.S_ISDIR: "a folder",
            stat.S_ISFIFO: "a named pipe (FIFO)",
            stat.S_ISCHR: "a character device",
            stat.S_ISBLK: "a block device",
            stat.S_ISSOCK: "a socket",
        }
        kind = next((name for test, name in kinds.items() if test(info.st_mode)), "special")
        raise ExportError(f"not a regular file but {kind}; expected an export file", path=path)


def open_regular(path: Path) -> bytes:
    """The bytes of ``path``, refusing anything but a regular file (checked before opening)."""
    check_regular(path)
    try:
        with open(path, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped since the check
                raise ExportError("not a regular file; expected an export file", path=path)
            return fh.read()
    except OSError as err:
        raise ExportError(
            f"cannot read the export ({err.strerror}); expected a readable file", path=path
        ) from err


def _outside_quotes(raw: bytes):
    """Per chunk: (offset, bytes as uint8, mask of bytes outside quoted fields)."""
    data = np.frombuffer(raw, dtype=np.uint8)
    parity = 0
    for off in range(0, len(data), _CHUNK):
        chunk = data[off : off + _CHUNK]
        quote = chunk == _QUOTE
        if parity or quote.any():
            inside = np.bitwise_xor.accumulate(quote.view(np.uint8)) ^ np.uint8(parity)
            parity = int(inside[-1])
            yield off, chunk, inside == 0
        else:
            yield off, chunk, np.ones(len(chunk), dtype=bool)


def normalise_line_ends(raw: bytes, bare_cr: str | None = None) -> tuple[bytes, list[str]]:
    """LF line ends throughout, and what was changed (see the module's description).

    A file whose CRs all belong to CRLF pairs is returned as it is (the parsers read
    CRLF); only a file with another use of CR is rewritten.

    Parameters
    ----------
    raw
        The file's bytes (an ASCII-compatible encoding: UTF-8 or Windows-1252).
    bare_cr
        What a CR that ends no line becomes: ``"newline"`` (an old-Mac file),
        ``"space"``, or None to decide from ``raw`` itself (``"newline"`` when it has
        no LF outside quoted fields). A part of a file read in partitions
        (:mod:`cmmc_analysis.io.partitions`) is given the whole file's choice.

    Returns
    -------
    (bytes, notes)
        The bytes to parse (``raw`` itself when nothing needs changing) and one note
        per kind of change made.
    """
    if b"\r" not in raw or raw.count(b"\r") == raw.count(b"\r\n"):
        return raw, []
    data = np.frombuffer(raw, dtype=np.uint8)
    cr_parts, lf_parts = [], []
    for off, chunk, outside in _outside_quotes(raw):
        cr_parts.append(np.flatnonzero((chunk == _CR) & outside) + off)
        lf_parts.append(np.flatnonzero((chunk == _LF) & outside) + off)
    cr_at, lf_at = np.concatenate(cr_parts), np.concatenate(lf_parts)
    if not len(cr_at):
        return raw, []
    line_end, in_long_run, doubled = cr_runs(data, cr_at)
    notes: list[str] = []
    if doubled:
        notes.append(
            f"line ends: {doubled} written as CR CR LF (a CRLF file converted twice); "
            "each read as one line end"
        )
    bare = cr_at[~line_end]
    out = data
    if len(bare):
        out = data.copy()
        if bare_cr == "newline" or (bare_cr is None and not len(lf_at)):
            out[bare] = _LF  # an old-Mac file: every line ends in CR
            notes.append(f"line ends: {len(bare)} written as CR (old Mac format); read as LF")
        else:
            out[bare] = 0x20
            rows = np.unique(np.searchsorted(lf_at, bare) + 1)
            shown = ", ".join(str(r) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
            notes.append(
                f"row{'s' if len(rows) > 1 else ''} {shown}: a carriage return (CR) inside an "
                "unquoted field is read as a space; expected LF or CRLF line ends only"
            )
    dropped = cr_at[line_end & in_long_run]
    if not len(dropped):
        return out.tobytes(), notes
    pieces, start = [], 0
    for off in range(0, len(out), _CHUNK):
        stop = int(np.searchsorted(dropped, off + _CHUNK))
        pieces.append(np.delete(out[off : off + _CHUNK], dropped[start:stop] - off).tobytes())
        start = stop
    return b"".join(pieces), notes


def cr_runs(data: np.ndarray, cr_at: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """How the CRs at ``cr_at`` (sorted positions in ``data``) end lines.

    Consecutive CRs form a run; a run followed by LF is (part of) a line end.

    Returns
    -------
    (line_end, in_long_run, doubled)
        Per CR: whether its run ends a line, and whether its run has more than one CR;
        and the number of line ends written CR CR LF (runs of two or more before LF).

    >>> data = np.frombuffer(b"a\\r\\r\\nb\\rc\\r\\n", dtype=np.uint8)
    >>> line_end, long_run, doubled = cr_runs(data, np.flatnonzero(data == _CR))
    >>> line_end.tolist(), long_run.tolist(), doubled
    ([True, True, False, True], [True, True, False, False], 1)
    """
    run = np.cumsum(np.r_[True, np.diff(cr_at) != 1]) - 1
    run_end = cr_at[np.r_[np.diff(run) != 0, True]]
    run_len = np.bincount(run)
    after = run_end + 1
    ends_line = np.zeros(len(run_end), dtype=bool)
    inside = after < len(data)
    ends_line[inside] = data[after[inside]] == _LF
    doubled = int(np.sum(ends_line & (run_len > 1)))
    return ends_line[run], run_len[run] > 1, doubled


def count_records(raw: bytes) -> int:
    """Records of a CSV file (header included): line ends outside quotes, plus a last line.

    Only the bytes up to the line end after the last quote are scanned for quotes
    (in most exports only the header is quoted); after it, every LF ends a record.

    >>> count_records(b'a,b\\n1,"x\\ny"\\n\\n2,3')
    4
    >>> count_records(b'"a","b"\\n1,2\\n3,4\\n'), count_records(b'a\\n"open\\n1\\n')
    (3, 1)
    """
    last_quote = raw.rfind(b'"')
    cut = raw.find(b"\n", last_quote) + 1 if last_quote >= 0 else 0
    if last_quote >= 0 and (cut == 0 or raw.count(b'"', 0, cut) % 2):
        cut = len(raw)  # quoted to the end, or a quote left open: all by the exact rule
    ends = sum(
        int(np.count_nonzero((chunk == _LF) & outside))
        for _, chunk, outside in _outside_quotes(memoryview(raw)[:cut])
    )
    return ends + raw.count(b"\n", cut) + (not raw.endswith(b"\n") and len(raw) > 0)


_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _utf8_ok(raw: bytes) -> bool:
    """Whether ``raw`` is valid UTF-8 (as ``raw.decode("utf-8")`` would accept it).

    Validated by Arrow's UTF-8 check (a cast of the bytes, as one binary value, to a
    string: no copy, no text built), several times faster than decoding.

    >>> _utf8_ok("né".encode()), _utf8_ok(b"n\\xe9"), _utf8_ok(b"\\xed\\xa0\\x80"), _utf8_ok(b"")
    (True, False, False, True)
    """
    import pyarrow as pa

    offsets = pa.py_buffer(np.array([0, len(raw)], dtype=np.int64))
    value = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), 1, [None, offsets, pa.py_buffer(raw)]
    )
    try:
        value.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def recode_lines(raw: bytes) -> bytes:
    """UTF-8 bytes: each line that is not UTF-8 decoded as Windows-1252 (the lines of a
    file :func:`split_mixed_encoding` found mixed, when they are read part by part).

    >>> recode_lines("a;è\\n".encode() + "b;è\\n".encode("cp1252")).decode()
    'a;è\\nb;è\\n'
    """
    out = []
    for line in raw.split(b"\n"):
        try:
            line.decode("utf-8")
            out.append(line)
        except UnicodeDecodeError:
            out.append(line.decode("cp1252").encode("utf-8"))
    return b"\n".join(out)


def split_mixed_encoding(raw: bytes) -> tuple[bytes, list[str]]:
    """UTF-8 bytes for a file whose lines mix UTF-8 and Windows-1252, and a note saying so.

    A file that is all UTF-8, or has no UTF-8 multi-byte sequence at all (plain
    Windows-1252), is returned unchanged with no note; so is one with a line that is
    neither (the reader then names the undecodable byte).
    """
    if _utf8_ok(raw) or not _UTF8_MULTIBYTE.search(raw):
        return raw, []
    lines = raw.split(b"\n")
    out, cp1252 = [], []
    for number, line in enumerate(lines, start=1):
        try:
            line.decode("utf-8")
            out.append(line)
        except UnicodeDecodeError:
            try:
                out.append(line.decode("cp1252").encode("utf-8"))
            except UnicodeDecodeError:
                return raw, []
            cp1252.append(number)
    n_lines = len(lines) - (lines[-1] == b"")
    shown = ", ".join(map(str, cp1252[:10])) + (" ..." if len(cp1252) > 10 else "")
    note = (
        f"mixed encodings: {len(cp1252)} of {n_lines} lines are Windows-1252 "
        f"(line{'s' if len(cp1252) > 1 else ''} {shown}), the others UTF-8; each line decoded "
        "in its own encoding"
    )
    return b"\n".join(out), [note]
