"""Property-based fuzzing of exports: bytes, line ends, encodings and workbook parts.

Whatever hypothesis does to a small export (a 15-record slice of the bundled one),
reading and cleaning it ends in exactly one of two ways:

- a Survey in which every record read is analysed or excluded, each once
  (rows in = rows analysed + rows excluded), with its source row in the file's range;
- a *good* error: a :class:`~cmmc_analysis.errors.SurveyDataError` on one line that
  starts with the file's name and says what was expected.

Anything else fails the test: a traceback (another exception), a message on several
lines or without the file or the expectation, a run longer than :data:`BOUND`
seconds. The input file is hashed before and after: it never changes. Each test
runs a bounded number of examples (:data:`EXAMPLES`; CI time: seconds).

Every CSV example is also read in partitions (:data:`PARTITION_ROWS` records each,
the streaming scan reading blocks of :data:`BLOCK` bytes, so that blocks and
partitions end inside quoted fields and multi-byte characters): the survey must be
the in-memory one (the same rows analysed and excluded, the same log and warnings),
or the file refused by both paths, or refused in partitions only with
:class:`~cmmc_analysis.io.partitions.NotPartitionable` (a file the partitions cannot
cut safely, which ``load_survey`` then reads whole).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cmmc_analysis.io.scan as scan
from cmmc_analysis import load_survey
from cmmc_analysis.errors import SurveyDataError
from cmmc_analysis.io.partitions import NotPartitionable
from cmmc_analysis.paths import DEFAULT_EXPORT
from tests.test_partitions import assert_same_survey

#: Seconds one example may take (reading and cleaning 15 records takes well under one).
BOUND = 20.0

#: Records per partition and bytes per block of the streaming scan, in the partitioned read.
PARTITION_ROWS, BLOCK = 6, 97

#: Examples per test (CMMC_FUZZ_EXAMPLES=500 for a long local run).
EXAMPLES = int(os.environ.get("CMMC_FUZZ_EXAMPLES", "15"))

_FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _slice() -> bytes:
    """The header and the first 15 records of the bundled export (CSV bytes, LF line ends)."""
    frame = pd.read_csv(DEFAULT_EXPORT, dtype=str, keep_default_na=False).head(15)
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


BASE = _slice()
LINES = BASE.split(b"\n")[:-1]


def assert_good_error(err: BaseException, path: Path) -> None:
    """A good error: a SurveyDataError, one line, naming the file, saying what was expected."""
    assert isinstance(err, SurveyDataError), f"{type(err).__name__}: {err}"  # else a traceback
    message = str(err)
    assert "\n" not in message and "\r" not in message, repr(message)
    assert message.startswith(path.name), message
    assert "expected" in message, message


def outcome(path: Path, partitions: bool = True) -> None:
    """Load ``path``; check the invariants or the error, the time bound and the input's bytes;
    with ``partitions``, compare the partitioned read with the in-memory one."""
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    started = time.monotonic()
    survey = None
    try:
        survey = load_survey(path)
    except Exception as err:  # noqa: BLE001 - classified by assert_good_error
        assert_good_error(err, path)
    else:
        n_in = survey.source["n_raw_rows"]
        analysed = survey.data["source_row"].tolist()
        excluded = survey.log.excluded["source_row"].tolist()
        assert len(analysed) + len(excluded) == n_in  # rows in = analysed + excluded
        assert len(set(analysed) | set(excluded)) == n_in  # each exactly once
        assert all(r >= 2 for r in analysed + excluded)
    if partitions:
        same_in_partitions(path, survey)
    assert time.monotonic() - started < BOUND * (2 if partitions else 1)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # input unchanged


def same_in_partitions(path: Path, expected) -> None:
    """The partitioned read gives ``expected`` (None: the in-memory read refused the file)."""
    block = scan._BLOCK
    scan._BLOCK = BLOCK
    try:
        got = load_survey(path, partition_rows=PARTITION_ROWS)
    except Exception as err:  # noqa: BLE001 - classified below
        assert_good_error(err, path)
        assert expected is None or isinstance(err, NotPartitionable), str(err)
    else:
        assert expected is not None, "read in partitions, refused whole"
        assert_same_survey(got, expected)
    finally:
        scan._BLOCK = block


class _TwoLines(SurveyDataError):
    """An error whose message spans two lines (SurveyDataError itself joins them)."""

    def __str__(self) -> str:
        return super().__str__() + "\nexpected 4"


def test_good_error_is_told_from_a_bad_one(tmp_path):
    path = tmp_path / "x.csv"
    assert_good_error(SurveyDataError("found 3; expected 4", path=path), path)
    for bad in (
        ValueError("x.csv: found 3; expected 4"),  # not ours: a traceback in the CLI
        _TwoLines("found 3", path=path),  # two lines
        SurveyDataError("found 3; expected 4"),  # no file
        SurveyDataError("it broke", path=path),  # no expectation
    ):
        with pytest.raises(AssertionError):
            assert_good_error(bad, path)


# --- CSV bytes ------------------------------------------------------------------------------

_ENDINGS = st.sampled_from([b"\n", b"\r\n", b"\r", b"\r\r\n", b"\n\n"])
_ENCODINGS = st.sampled_from(["utf-8", "cp1252", "utf-8-sig"])
_JUNK = st.binary(min_size=1, max_size=6) | st.sampled_from(
    [b'"', b",", b";", b"\r", b"\x00", b"\xff", b"\xc3", b"\xe8", b"\xef\xbb\xbf", b"=1+1"]
)


@_FUZZ
@given(endings=st.lists(_ENDINGS, min_size=len(LINES), max_size=len(LINES)))
def test_line_ends_of_every_line(tmp_path, endings):
    data = b"".join(line + end for line, end in zip(LINES, endings, strict=True))
    path = tmp_path / "ends.csv"
    path.write_bytes(data)
    outcome(path)


@_FUZZ
@given(encodings=st.lists(_ENCODINGS, min_size=len(LINES), max_size=len(LINES)))
def test_encoding_of_every_line(tmp_path, encodings):
    text = BASE.decode("utf-8").split("\n")[:-1]
    data = b"\n".join(
        line.encode(enc, errors="replace") for line, enc in zip(text, encodings, strict=True)
    )
    path = tmp_path / "enc.csv"
    path.write_bytes(data + b"\n")
    outcome(path)


@_FUZZ
@given(
    edits=st.lists(st.tuples(st.integers(0, len(BASE)), _JUNK), min_size=1, max_size=5),
    cut=st.one_of(st.none(), st.integers(1, len(BASE))),
)
def test_bytes_inserted_and_the_file_cut(tmp_path, edits, cut):
    data = bytearray(BASE)
    for at, junk in sorted(edits, reverse=True):
        data[at:at] = junk
    path = tmp_path / "junk.csv"
    path.write_bytes(bytes(data[:cut]))
    outcome(path)


@_FUZZ
@given(
    ops=st.lists(
        st.tuples(st.sampled_from(["dup_header", "blank", "drop", "dup"]), st.integers(1, 15)),
        min_size=1,
        max_size=4,
    )
)
def test_records_repeated_dropped_and_headers_pasted(tmp_path, ops):
    lines = list(LINES)
    for op, at in ops:
        at = min(at, len(lines) - 1)
        if op == "dup_header":
            lines.insert(at, lines[0])
        elif op == "blank":
            lines.insert(at, b"")
        elif op == "drop" and len(lines) > 2:
            del lines[at]
        elif op == "dup":
            lines.insert(at, lines[at])
    path = tmp_path / "rows.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    outcome(path)


# --- workbook parts -----------------------------------------------------------------------------


def _workbook() -> bytes:
    frame = pd.read_csv(io.BytesIO(BASE), dtype=str, keep_default_na=False)
    buf = io.BytesIO()
    frame.to_excel(buf, index=False)
    return buf.getvalue()


BOOK = _workbook()
PARTS = zipfile.ZipFile(io.BytesIO(BOOK)).namelist()


def _mutate(part: bytes, how: str, at: int, junk: bytes) -> bytes | None:
    at = at % (len(part) + 1)
    if how == "drop":
        return None
    if how == "cut":
        return part[:at]
    if how == "insert":
        return part[:at] + junk + part[at:]
    if how == "dimension":
        return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', part)
    if how == "refs":  # a cell moved far away, or its reference garbled
        return re.sub(rb'r="B3"', b'r="' + junk.hex().upper()[:3].encode() + b'9"', part)
    raise AssertionError(how)


@_FUZZ
@given(
    changes=st.lists(
        st.tuples(
            st.sampled_from(PARTS),
            st.sampled_from(["drop", "cut", "insert", "dimension", "refs"]),
            st.integers(0, 10**6),
            _JUNK,
        ),
        min_size=1,
        max_size=3,
    ),
    truncate=st.one_of(st.none(), st.integers(100, len(BOOK))),
)
def test_workbook_parts_dropped_cut_and_garbled(tmp_path, changes, truncate):
    by_part = {}
    for part, how, at, junk in changes:
        by_part.setdefault(part, []).append((how, at, junk))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(BOOK)) as zin, zipfile.ZipFile(out, "w") as zout:
        for name in zin.namelist():
            data: bytes | None = zin.read(name)
            for how, at, junk in by_part.get(name, []):
                data = None if data is None else _mutate(data, how, at, junk)
            if data is not None:
                zout.writestr(name, data)
    path = tmp_path / "book.xlsx"
    path.write_bytes(out.getvalue()[:truncate])
    outcome(path, partitions=False)  # a workbook is read whole either way
