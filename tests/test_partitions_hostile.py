"""Broken input read in partitions gives what the whole-file reader gives (issue 18).

Oracle: the in-memory path, ``load_survey(path)`` (``read_export`` + ``clean``, checked
case by case in ``test_hostile.py``). Each hostile variant of the simulator's export
(seed 7: quoted comments holding newlines, accented labels, every planted defect) is
read again in partitions of 50 records, and with the streaming scan's block cut at the
worst places (inside a quoted field holding a newline, inside a multi-byte character,
between the CRs of a ``\\r\\r\\n``): the tables, the whole log and the warnings must be
identical, or both paths must refuse the file naming the same row.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cmmc_analysis.io.scan as scan
from cmmc_analysis.clean import load_survey
from cmmc_analysis.codebook import load_codebook
from cmmc_analysis.errors import ExportError
from cmmc_analysis.io import plan_export
from cmmc_analysis.io.partitions import NotPartitionable
from cmmc_analysis.synth import simulate, write_export
from tests.test_partitions import assert_same_survey

CB = load_codebook()


@pytest.fixture(autouse=True)
def _no_salt(monkeypatch):
    monkeypatch.delenv("CMMC_PSEUDONYM_SALT", raising=False)


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> list[bytes]:
    """The simulator's export as records (header first), each without its line end."""
    path, _ = write_export(simulate(seed=7), tmp_path_factory.mktemp("sim") / "export.csv")
    out, current, quote = [], b"", 0
    for line in path.read_bytes().split(b"\n")[:-1]:
        current = line if not quote else current + b"\n" + line
        quote ^= line.count(b'"') % 2
        if not quote:
            out.append(current)
    assert any(b"\n" in r for r in out)  # comments holding newlines: records span lines
    return out


def _field(record: bytes, j: int, edit) -> bytes:
    fields = record.split(b",")
    fields[j] = edit(fields[j])
    return b",".join(fields)


def _variant(records: list[bytes], kind: str) -> bytes:
    r = list(records)
    if kind == "bare_cr":  # inside the role label of source row 12
        r[11] = _field(r[11], 2, lambda f: f[:4] + b"\r" + f[4:])
        return b"\n".join(r) + b"\n"
    if kind == "cr_cr_lf":
        return b"\r\r\n".join(r) + b"\r\r\n"
    if kind == "old_mac":
        return b"\r".join(r) + b"\r"
    if kind == "crlf":
        return b"\r\n".join(r) + b"\r\n"
    if kind == "cr_line_end_after_lf":  # source row 30 ends in CR, the rest in LF
        return b"\n".join(r[:29]) + b"\r" + b"\n".join(r[29:]) + b"\n"
    if kind == "mixed_encodings":
        text = [x.decode("utf-8") for x in r]
        return b"\n".join([x.encode() for x in text[:90]] + [x.encode("cp1252") for x in text[90:]])
    if kind == "cp1252":
        return b"\n".join(x.decode("utf-8").encode("cp1252") for x in r) + b"\n"
    if kind == "repeated_header":
        return b"\n".join([*r[:40], r[0], *r[40:120], r[0], *r[120:]]) + b"\n"
    if kind == "huge_number":  # a 400-digit duration at source row 6
        r[5] = _field(r[5], 1, lambda f: b"9" * 400)
        return b"\n".join(r) + b"\n"
    if kind == "no_final_newline":
        return b"\n".join(r)
    if kind == "bom":
        return b"\xef\xbb\xbf" + b"\n".join(r) + b"\n"
    raise AssertionError(kind)


KINDS = [
    "bare_cr",
    "cr_cr_lf",
    "old_mac",
    "crlf",
    "cr_line_end_after_lf",
    "mixed_encodings",
    "cp1252",
    "repeated_header",
    "huge_number",
    "no_final_newline",
    "bom",
]


def _same_outcome(path, **options):
    """Both paths read the file identically, or both refuse it with the same message."""
    try:
        expected = load_survey(path)
    except ExportError as err:
        with pytest.raises(ExportError) as got:
            load_survey(path, **options)
        assert str(got.value) == str(err)
        return None
    got = load_survey(path, **options)
    assert_same_survey(got, expected)
    return expected


@pytest.mark.parametrize("kind", KINDS)
def test_hostile_variant_in_partitions_is_the_whole_file_read(records, tmp_path, kind):
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(_variant(records, kind))
    survey = _same_outcome(path, partition_rows=50)
    n = len(records) - 1  # records of the simulator's export, header apart
    if kind == "cr_line_end_after_lf":
        assert survey is None  # refused, naming row 30 (test_hostile checks the message)
        return
    warnings = " | ".join(survey.source["warnings"])
    expected_note = {
        "bare_cr": "row 12: a carriage return (CR) inside an unquoted field",
        "cr_cr_lf": f"line ends: {n + 1} written as CR CR LF",
        "old_mac": "written as CR (old Mac format)",
        "mixed_encodings": "mixed encodings:",
        "repeated_header": "rows 41, 122 repeat the header row",
    }.get(kind)
    if expected_note:
        assert expected_note in warnings, warnings
    removed = 2 if kind == "repeated_header" else 0
    assert survey.source["n_raw_rows"] == n  # every record read; repeated headers are not
    assert len(survey) + len(survey.log.excluded) == n
    if kind == "repeated_header":
        rows = {*survey.data["source_row"], *survey.log.excluded["source_row"]}
        assert rows == set(range(2, n + 2 + removed)) - {41, 122}


def _offsets(data: bytes) -> dict[str, int]:
    """Where to cut the scan's blocks: inside a quoted newline, a multi-byte character, CRs."""
    quoted_newline = re.search(rb'"[^"\n]*\n', data)
    return {
        "quoted_newline": quoted_newline.end() - 1,  # the block ends just before the LF
        "after_quoted_newline": quoted_newline.end(),
        "multibyte": data.index(b"\xc3") + 1,  # between the two bytes of "è"
        "three_byte": data.index(b"\xe2\x80") + 2,  # inside "…" or "–"
    }


@pytest.mark.parametrize(
    ("kind", "cut"),
    [
        (kind, cut)
        for kind in ["crlf", "cr_cr_lf", "mixed_encodings", "bare_cr", "old_mac"]
        for cut in ["quoted_newline", "after_quoted_newline", "multibyte", "three_byte", "cr"]
        if not (cut == "cr" and kind == "mixed_encodings")  # no CR there
    ],
)
def test_block_boundaries_change_nothing(records, tmp_path, monkeypatch, kind, cut):
    data = _variant(records, kind)
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(data)
    expected = plan_export(path, CB, partition_rows=50)
    if cut == "cr":  # between the CRs of a line end, between CR and LF, or after a bare CR
        at = data.index(b"\r", 3000 if kind != "bare_cr" else 0) + 1
    else:
        at = _offsets(data)[cut]
    monkeypatch.setattr(scan, "_BLOCK", at)  # every block ends there or a multiple of it
    got = plan_export(path, CB, partition_rows=50)
    assert got.bounds == expected.bounds
    assert (got.sha256, got.salt, got.encoding, got.notes) == (
        expected.sha256,
        expected.salt,
        expected.encoding,
        expected.notes,
    )
    assert [len(p) for p in got.partitions()] == [len(p) for p in expected.partitions()]


def test_a_quote_inside_an_unquoted_field_is_refused_in_partitions(records, tmp_path):
    r = list(records)
    r[8] = _field(r[8], 1, lambda f: f + b'"')  # source row 9: a duration 300"
    path = tmp_path / "inch.csv"
    path.write_bytes(b"\n".join(r) + b"\n")
    with pytest.raises(NotPartitionable, match=r"inch\.csv, row 9: a quote \(\"\) inside"):
        load_survey(path, partition_rows=50)


def test_an_undecodable_byte_is_refused_with_its_row(records, tmp_path):
    r = [x.decode("utf-8").encode("cp1252") for x in records]
    r[20] = r[20].replace(b",", b",\x81", 1)  # undefined in Windows-1252, not UTF-8
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\n".join(r) + b"\n")
    with pytest.raises(ExportError, match=r"bad\.csv, row 21: byte 0x81 cannot be decoded"):
        load_survey(path, partition_rows=50)
    with pytest.raises(ExportError, match=r"bad\.csv, row 21.*byte 0x81 cannot be decoded"):
        load_survey(path)


# --- the default path streams a large file ----------------------------------------------------


def test_a_large_file_is_streamed_by_default_with_the_same_result(records, tmp_path, monkeypatch):
    """Above CMMC_STREAM_BYTES, load_survey reads in partitions; nothing changes but memory.

    The contacts of one partition must still redact a value typed in another (the name
    in lower case, which no shape rule catches), and still hide a file named after a
    company of the export: the partitions' contact names are pooled.
    """
    import cmmc_analysis.clean.pipeline as pipeline
    import cmmc_analysis.io.partitions as partitions

    r = list(records)
    header = r[0].decode().split(",")
    company = next(
        f for x in r[150:] for f in [x.decode().rsplit(",", 1)[-1]] if f.endswith(" S.p.A.")
    )
    person = next(
        f for x in r[150:] for f in [x.decode().split(",")[header.index("Nome e cognome")]] if f
    )
    r[3] = _field(r[3], 2, lambda f: person.lower().encode())  # row 4: a name in a label field
    path = tmp_path / f"{company.removesuffix(' S.p.A.').lower().replace(' ', '_')}.csv"
    path.write_bytes(b"\n".join(r) + b"\n")
    monkeypatch.delenv("CMMC_STREAM_BYTES", raising=False)
    expected = load_survey(path)  # a small file: read whole
    assert expected.source["file"].startswith("export-")  # the company's name: hidden
    details = expected.log.details.set_index(["source_row", "column"])
    assert details.loc[(4, "role"), "raw_value"] == "<redacted>"

    plans = []
    monkeypatch.setattr(partitions, "plan_export", lambda *a, **k: plans.append(k) or plan(*a, **k))
    plan = plan_export
    monkeypatch.setattr(pipeline, "STREAM_PARTITION", 20_000)  # about 30 records each
    monkeypatch.setenv("CMMC_STREAM_BYTES", str(path.stat().st_size - 1))
    reads = []
    read = partitions.ExportPlan.read
    monkeypatch.setattr(partitions.ExportPlan, "read", lambda s, i: reads.append(i) or read(s, i))
    got = load_survey(path)
    assert plans and plans[0]["partition_bytes"] == 20_000  # streamed
    assert_same_survey(got, expected)
    assert len(reads) > 1 and sorted(reads) == list(range(len(reads)))  # each parsed once

    reads.clear()  # partitions asked for: each pass reads them anew (memory: one partition)
    assert_same_survey(load_survey(path, partition_rows=30), expected)
    assert sorted(reads) == sorted(list(range(len(reads) // 2)) * 2)

    reads.clear()  # above STREAM_KEEP_BYTES: streamed, and each pass reads anew
    monkeypatch.setattr(pipeline, "STREAM_KEEP_BYTES", path.stat().st_size - 1)
    assert_same_survey(load_survey(path), expected)
    assert len(reads) > 2 and sorted(reads) == sorted(list(range(len(reads) // 2)) * 2)

    monkeypatch.setenv("CMMC_STREAM_BYTES", str(path.stat().st_size))  # not above: read whole
    plans.clear()
    assert_same_survey(load_survey(path), expected)
    assert plans == []


def test_a_large_file_that_cannot_be_cut_is_read_whole(records, tmp_path, monkeypatch):
    r = list(records)
    r[8] = _field(r[8], 1, lambda f: f + b'"')  # a quote inside an unquoted field
    path = tmp_path / "inch.csv"
    path.write_bytes(b"\n".join(r) + b"\n")
    expected = load_survey(path)
    monkeypatch.setenv("CMMC_STREAM_BYTES", "1")
    assert_same_survey(load_survey(path), expected)


def test_a_bad_stream_threshold_is_one_line(monkeypatch):
    from cmmc_analysis.errors import SurveyDataError

    monkeypatch.setenv("CMMC_STREAM_BYTES", "lots")
    with pytest.raises(SurveyDataError, match="CMMC_STREAM_BYTES='lots'; expected a number"):
        load_survey()


def test_the_report_leak_scan_streams_a_large_export_and_finds_the_same_values(
    records, tmp_path, monkeypatch
):
    """The report's leak scan opens a large export as load_survey does (in partitions).

    Oracle: ``pii_values`` of the whole-file read. Every personal value of every
    partition is searched for (the same sets), the whole file is never read at once
    (``read_export`` fails if called), and a contact of the last partition written in a
    page is caught.
    """
    import cmmc_analysis.clean.pipeline as pipeline
    import cmmc_analysis.io.reader as reader
    from cmmc_analysis.errors import PrivacyLeakError
    from cmmc_analysis.privacy.leaks import check_reports_for_leaks, pii_values

    path = tmp_path / "export.csv"
    path.write_bytes(b"\n".join(records) + b"\n")
    whole = pii_values(reader.read_export(path, codebook=CB), CB)
    last = whole["name"][-1]  # in file order: a contact of the last partition
    page = tmp_path / "page.html"
    page.write_text(f"<p>Grazie a {last} per la risposta</p>", encoding="utf-8")

    monkeypatch.setattr(pipeline, "STREAM_PARTITION", 20_000)  # about 30 records each
    monkeypatch.setenv("CMMC_STREAM_BYTES", str(path.stat().st_size - 1))

    def whole_read(*args, **kwargs):
        raise AssertionError("the whole export was read at once")

    monkeypatch.setattr(reader, "read_export", whole_read)
    opened = pipeline.open_export(path, CB)
    assert type(opened).__name__ == "ExportPlan" and len(opened) > 5
    streamed = pii_values(opened, CB)
    assert {k: set(v) for k, v in streamed.items()} == {k: set(v) for k, v in whole.items()}
    assert len(whole["name"]) > 100  # the check has teeth: many values
    with pytest.raises(PrivacyLeakError, match="page.html: .*'name'"):
        check_reports_for_leaks([page], pipeline.open_export(path, CB), CB)


_PIECES = ["a", "é", "€", "𝄞", "\n", ",", '"'] + [chr(0xD7FF), chr(0xE000)]
_BAD = [b"\x80", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xff", b"\xc0\xaf"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pieces=st.lists(st.sampled_from(_PIECES), min_size=1, max_size=40),
    bad=st.one_of(st.none(), st.tuples(st.sampled_from(_BAD), st.integers(0, 40))),
    block=st.integers(1, 9),
)
def test_the_streamed_utf8_check_agrees_with_decoding(tmp_path, monkeypatch, pieces, bad, block):
    """Whatever the block size (a character split anywhere), the scan's UTF-8 verdict is
    Python's ``bytes.decode("utf-8")``'s: valid, or not."""
    data = "".join(pieces).encode()
    if bad is not None:
        at = min(bad[1], len(data))
        data = data[:at] + bad[0] + data[at:]
    try:
        data.decode("utf-8")
        expected = True
    except UnicodeDecodeError:
        expected = False
    path = tmp_path / "u.csv"
    path.write_bytes(data)
    monkeypatch.setattr(scan, "_BLOCK", block)
    assert scan.scan_file(path).utf8 is expected
