"""Hostile and broken input (issue 18): every record read or refused, nothing leaked, nothing live.

Each case of the issue is reproduced here from the bundled export (built in a
temporary folder, never committed): workbooks whose declared range lies, damaged
archives, line ends, mixed encodings, repeated headers, absurd numbers, special
files; personal data typed where answers belong and rendered in the ways that
fooled the leak scan; texts of the input that would run as HTML or as spreadsheet
formulas. The property-based tests over exports are in ``test_fuzz_exports.py``.
"""

from __future__ import annotations

import os
import re
import threading
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.sax.saxutils import escape, unescape

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cmmc_analysis import load_survey
from cmmc_analysis.cli import main
from cmmc_analysis.codebook import load_codebook
from cmmc_analysis.errors import ExportError, ReportError, SurveyDataError
from cmmc_analysis.io.reader import read_export
from cmmc_analysis.paths import DEFAULT_EXPORT
from cmmc_analysis.privacy import (
    check_reports_for_leaks,
    looks_personal,
    pii_values,
    scan_for_leaks,
    shown_file_name,
)

CB = load_codebook()
RAW = DEFAULT_EXPORT.read_bytes()
LINES = RAW.split(b"\n")
N_ROWS = 250  # records of the bundled export (docs/cleaning.md)


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    """The bundled export as read (the reference every variant is compared with)."""
    return read_export(DEFAULT_EXPORT).data


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _one_line_exit_2(path: Path, capsys) -> str:
    """``validate`` refuses the file with one line naming it; the line is returned."""
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"cmmc-analysis validate: error: {path.name}"), err
    return err


# --- workbooks ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    """The bundled export as an XLSX written by openpyxl (shared strings rewritten below)."""
    path = tmp_path_factory.mktemp("xlsx") / "export.xlsx"
    pd.read_csv(DEFAULT_EXPORT, dtype=str, keep_default_na=False).to_excel(path, index=False)
    return path


def _rewrite(src: Path, dst: Path, edit) -> Path:
    """A copy of the workbook with ``edit(part name, bytes) -> bytes | None`` applied."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
    return dst


def _dimension(ref: str):
    def edit(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), data)
        return data

    return edit


@pytest.mark.parametrize("ref", ["A1:C10", "A1", "A1:AI3", "A1:XFD1048576"])
def test_xlsx_dimension_is_never_trusted(workbook, tmp_path, base, ref):
    path = _rewrite(workbook, tmp_path / "dim.xlsx", _dimension(ref))
    started = time.monotonic()
    raw = read_export(path)
    assert time.monotonic() - started < 20  # an overstated range is not padded cell by cell
    assert len(raw) == N_ROWS  # openpyxl's read-only mode gave 9 rows for A1:C10
    assert list(raw.data.columns) == list(base.columns)  # email, name, company included
    assert raw.data["source_row"].tolist() == base["source_row"].tolist()
    assert raw.data["role"].tolist() == base["role"].tolist()


def _shared_strings(src: Path, dst: Path) -> Path:
    """The workbook with its inline strings moved to a shared-string table (as Excel writes)."""
    strings: list[str] = []

    def to_shared(m: re.Match[bytes]) -> bytes:
        strings.append(unescape(m.group(2).decode()))
        return m.group(1) + b' t="s"><v>' + str(len(strings) - 1).encode() + b"</v></c>"

    def edit(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return re.sub(
                rb'(<c r="[A-Z]+\d+")(?: s="\d+")? t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>',
                to_shared,
                data,
                flags=re.S,
            )
        return data

    _rewrite(src, dst, edit)
    sst = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">{sst}</sst>'
    )
    with zipfile.ZipFile(dst, "a") as z:
        z.writestr("xl/sharedStrings.xml", xml)
    return dst


def test_xlsx_with_shared_strings_reads_like_the_csv(workbook, tmp_path, base):
    path = _shared_strings(workbook, tmp_path / "shared.xlsx")
    assert b"sharedStrings" in path.read_bytes()
    raw = read_export(path)
    pd.testing.assert_frame_equal(raw.data.fillna(""), base.fillna(""), check_dtype=False)


def _damaged(workbook: Path, tmp_path: Path, kind: str) -> Path:
    dst = tmp_path / f"{kind}.xlsx"
    if kind == "truncated":
        return _write(tmp_path, dst.name, workbook.read_bytes()[: workbook.stat().st_size // 2])
    if kind == "no_sheet":
        return _rewrite(workbook, dst, lambda n, d: None if n.endswith("sheet1.xml") else d)
    if kind == "dangling_string":
        shared = _shared_strings(workbook, tmp_path / "s.xlsx")
        return _rewrite(
            shared,
            dst,
            lambda n, d: (
                re.sub(rb'(<c r="C7" t="s"><v>)\d+', rb"\g<1>999999", d)
                if n.endswith("sheet1.xml")
                else d
            ),
        )
    if kind == "not_xml":
        return _rewrite(
            workbook, dst, lambda n, d: d[: len(d) // 2] if n.endswith("sheet1.xml") else d
        )
    if kind == "no_workbook":
        return _rewrite(workbook, dst, lambda n, d: None if n == "xl/workbook.xml" else d)
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("truncated", r"cannot open the workbook \(BadZipFile\); expected an XLSX file"),
        ("no_sheet", r"the workbook has no part 'xl/worksheets/sheet1.xml'"),
        ("dangling_string", r"row 7, column C: the cell refers to shared string '999999'"),
        ("not_xml", r"'xl/worksheets/sheet1.xml' is not well-formed XML"),
        ("no_workbook", r"no xl/workbook.xml; expected an XLSX workbook"),
    ],
)
def test_damaged_workbook_is_one_line_exit_2(workbook, tmp_path, capsys, kind, message):
    path = _damaged(workbook, tmp_path, kind)
    with pytest.raises(ExportError, match=re.escape(path.name) + ".*" + message):
        read_export(path)
    _one_line_exit_2(path, capsys)


def test_zip_bomb_is_refused_without_expanding_it(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "xl/workbook.xml",
            '<workbook xmlns:r="r"><sheets><sheet name="a" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.xml", b"<worksheet>" + b" " * (120 << 20))
    assert bomb.stat().st_size < 1 << 20  # 120 MB of XML in well under 1 MB
    with pytest.raises(ExportError, match=r"bomb\.xlsx: .*expands to more than \d+ MiB"):
        read_export(bomb)


# --- line ends, encodings, repeated headers --------------------------------------------------


def _record_line(index: int) -> int:
    """The line (0-based) where record ``index`` (0 = header) starts: quoted fields span lines."""
    starts, quote = [0], 0
    for i, line in enumerate(LINES[:-1]):
        quote ^= line.count(b'"') % 2
        if not quote:
            starts.append(i + 1)
    return starts[index]


def test_bare_cr_inside_an_unquoted_field_keeps_the_record_whole(tmp_path, base):
    lines = list(LINES)
    at = _record_line(41)  # source row 42
    fields = lines[at].split(b",")
    fields[2] = fields[2][:3] + b"\r" + fields[2][3:]  # inside the role label
    lines[at] = b",".join(fields)
    raw = read_export(_write(tmp_path, "cr.csv", b"\n".join(lines)))
    assert len(raw) == N_ROWS  # the CR split the record into two before
    assert any(w.startswith("row 42: a carriage return (CR)") for w in raw.warnings), raw.warnings
    got, want = raw.data.set_index("source_row"), base.set_index("source_row")
    assert got.loc[42, "role"] == want.loc[42, "role"][:3] + " " + want.loc[42, "role"][3:]
    assert got.drop(index=42).equals(want.drop(index=42))


@pytest.mark.parametrize(("ending", "note"), [(b"\r\r\n", "CR CR LF"), (b"\r", "old Mac")])
def test_unusual_line_ends_keep_rows_and_row_numbers(tmp_path, base, ending, note):
    data = ending.join(LINES)  # also inside quoted comments (content, kept as written)
    raw = read_export(_write(tmp_path, "ends.csv", data))
    assert len(raw) == N_ROWS  # "\r\r\n" gave 501 rows
    assert any(note in w for w in raw.warnings), raw.warnings
    assert raw.data["source_row"].tolist() == base["source_row"].tolist()
    same = raw.data.drop(columns="comments").fillna("")
    assert same.equals(base.drop(columns="comments").fillna(""))


def test_cr_line_end_after_lf_lines_is_refused_with_the_row(tmp_path, capsys):
    at = _record_line(20)
    data = b"\n".join(LINES[:at]) + b"\r" + b"\n".join(LINES[at:])
    path = _write(tmp_path, "mixed_ends.csv", data)
    with pytest.raises(ExportError, match=r"mixed_ends\.csv, row 20: found 69 fields; expected 35"):
        read_export(path)
    _one_line_exit_2(path, capsys)


def test_mixed_utf8_and_cp1252_lines_are_decoded_line_by_line(tmp_path, base):
    text = RAW.decode("utf-8").split("\n")
    data = "\n".join(text[:120]).encode() + b"\n" + "\n".join(text[120:]).encode("cp1252")
    raw = read_export(_write(tmp_path, "mixed.csv", data))
    assert raw.encoding == "utf-8 and cp1252 (per line)"
    assert any(w.startswith("mixed encodings:") and "Windows-1252" in w for w in raw.warnings)
    assert raw.data.fillna("").equals(base.fillna(""))  # no label lost to mojibake
    survey = load_survey(_write(tmp_path, "mixed2.csv", data))
    assert not (survey.log.details["action"] == "rejected").sum() > 30  # as the clean export


def test_repeated_header_row_is_removed_and_logged(tmp_path, base):
    at = _record_line(100)
    data = b"\n".join([*LINES[:at], LINES[0], *LINES[at:]])
    survey = load_survey(_write(tmp_path, "twice.csv", data))
    assert survey.source["n_raw_rows"] == N_ROWS
    assert (
        "row 101 repeats the header row; removed (not a record, not analysed)"
        in (survey.source["warnings"])
    )
    rows = [*survey.data["source_row"], *survey.log.excluded["source_row"]]
    assert sorted(rows) == [*range(2, 101), *range(102, N_ROWS + 3)]  # later rows keep their number


@pytest.mark.parametrize("value", ["9" * 400, "1e999", "-inf", "NaN"])
def test_a_number_that_is_not_finite_is_rejected_and_logged(tmp_path, value):
    lines = list(LINES)
    at = _record_line(5)  # source row 6
    fields = lines[at].split(b",")
    fields[1] = value.encode()  # duration_s
    lines[at] = b",".join(fields)
    survey = load_survey(_write(tmp_path, "big.csv", b"\n".join(lines)))
    duration = survey.data.set_index("source_row")["duration_s"]
    assert 6 not in duration.index or np.isnan(duration[6])
    assert np.isfinite(duration.dropna()).all()
    details = survey.log.details
    row = details[(details["source_row"] == 6) & (details["column"] == "duration_s")]
    assert row["action"].tolist() in (["rejected"], ["not_an_answer"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_is_refused_at_once(tmp_path, capsys):
    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)
    done: list[int] = []
    worker = threading.Thread(target=lambda: done.append(main(["validate", str(fifo)])))
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():  # unblock the reader before failing
        with open(fifo, "wb"):
            pass
        pytest.fail("validate blocked on a named pipe")
    assert done == [2]
    err = capsys.readouterr().err
    assert "export.csv: not a regular file but a named pipe (FIFO)" in err


def test_dev_zero_is_refused(capsys):
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    with pytest.raises(ExportError, match="zero: not a regular file but a character device"):
        read_export("/dev/zero")


def test_simulate_with_a_negative_seed_is_one_line(tmp_path, capsys):
    assert main(["simulate", "--seed", "-1", "--out", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert (
        err == "cmmc-analysis simulate: error: parameter seed=-1; expected a non-negative integer\n"
    )


def test_zero_analysed_rows_is_a_clear_report_error(tmp_path):
    from cmmc_analysis.report.build import build_report

    data = pd.read_csv(DEFAULT_EXPORT, dtype=str, keep_default_na=False)
    data[CB.header("name")] = "test"  # every submission marked as a test
    path = tmp_path / "tests_only.csv"
    data.to_csv(path, index=False)
    started = time.monotonic()
    with pytest.raises(ReportError, match=r"tests_only\.csv: no row is left to analyse: 250 read"):
        build_report(data=path, out=tmp_path / "r")
    assert time.monotonic() - started < 60  # refused before any notebook runs
    assert not (tmp_path / "r").exists()


def test_a_blank_weighting_variable_does_not_stop_weighting():
    from cmmc_analysis import weights

    survey = load_survey()
    survey.data.loc[survey.data.index[3], "size"] = np.nan
    effect = weights.weighting_effect(survey, weights.margins_for(CB), ["org_models"])
    assert effect.attrs["n_without_weight"] == 1
    assert effect["estimate_weighted"].notna().all()


# --- personal data ----------------------------------------------------------------------------


def _cell_edit(edits: dict[tuple[int, str], str]) -> bytes:
    data = pd.read_csv(DEFAULT_EXPORT, dtype=str, keep_default_na=False)
    for (row, item), value in edits.items():
        data.loc[row - 2, CB.header(item)] = value
    return data.to_csv(index=False).encode()


def test_personal_data_typed_into_answers_is_redacted_in_the_log(tmp_path):
    name = read_export(DEFAULT_EXPORT).data.set_index("source_row")["name"].dropna()
    someone = name.iloc[10]
    edits = {
        (3, "org_models"): someone,  # a respondent's name in a Likert field
        (4, "duration_s"): "mario.rossi@example.com",  # an email in a number
        (5, "channels_up"): "+39 333 123 4567",  # a phone in a multiple choice
        (6, "size"): "Giulia Esposito",  # a name nobody else wrote
        (7, "org_models"): "Molto d'acordo",  # a misspelled label stays visible
        (8, "submitted_at"): "chiamare Rossi 02 1234 5678",
    }
    path = _write(tmp_path, "typed.csv", _cell_edit(edits))
    details = load_survey(path).log.details.set_index(["source_row", "column"])
    for row, item in list(edits)[:4] + [(8, "submitted_at")]:
        assert details.loc[(row, item), "raw_value"] == "<redacted>", (row, item)
    assert details.loc[(7, "org_models"), "raw_value"] == "Molto d'acordo"
    out = tmp_path / "out"
    assert main(["clean", str(path), "--out", str(out), "--format", "csv"]) == 0
    written = (out / "details.csv").read_text(encoding="utf-8")
    for value in (someone, "mario.rossi", "333 123", "Esposito"):
        assert value not in written


def test_looks_personal_errs_towards_redacting_names_only():
    values = ["Mario Rossi", "ROSSI Mario", "Anna-Maria De Luca", "Molto d'acordo", "Nn so"]
    values += ["Effetto Moderatto", "Outsourcer (BO)", "50––249", "x@y.it", "0039 06 1234567"]
    found = looks_personal(values, vocabulary={"effetto"}).tolist()
    assert found == [True, True, True, False, False, False, False, False, True, True]


_SIM = None


def _sim_raw():
    global _SIM
    if _SIM is None:
        _SIM = read_export(DEFAULT_EXPORT)
    return _SIM


@pytest.mark.parametrize(
    "render",
    [
        lambda name, comment: f"<td>{comment[:47]}...</td>",  # pandas truncates long cells
        lambda name, comment: f"<td>{name[:2]}\u00ad{name[2:]}</td>",  # soft hyphen
        lambda name, comment: f"<td>{name[:3]}&shy;{name[3:]}</td>",
        lambda name, comment: f"<td>{name[:2]}\u200b{name[2:]}</td>",  # zero-width space
        lambda name, comment: f"<td>{name[:4]}<wbr>{name[4:]}</td>",
        lambda name, comment: "<td>{}, {}</td>".format(*reversed(name.split(maxsplit=1))),
        lambda name, comment: "<td>{} {}</td>".format(*reversed(name.upper().split(maxsplit=1))),
        lambda name, comment: f"<td>{name.replace(' ', '-')}</td>",  # hyphenated
        lambda name, comment: f"<td>{name.replace('a', 'а').replace('o', 'о')}</td>",  # Cyrillic
        lambda name, comment: (
            f"<td>{name.upper().translate({65 + i: 0xFF21 + i for i in range(26)})}</td>"
        ),
    ],
    ids=[
        "truncated",
        "soft-hyphen",
        "shy-entity",
        "zero-width",
        "wbr",
        "surname-first",
        "surname-first-caps",
        "hyphenated",
        "confusable",
        "full-width",
    ],
)
def test_leak_scan_sees_through_renderings(tmp_path, render):
    raw = _sim_raw()
    data = raw.data.set_index("source_row")
    name = next(n for n in data["name"].dropna() if len(n.split()) == 2 and "a" in n and "o" in n)
    comment = next(c for c in data["comments"].dropna() if len(c) > 60)
    page = _write(tmp_path, "01.html", f"<table><tr>{render(name, comment)}</tr></table>".encode())
    with pytest.raises(SurveyDataError, match="personal data of the raw export"):
        check_reports_for_leaks([page], raw, CB)


def test_leak_scan_finds_a_company_without_its_legal_form(tmp_path):
    raw = _sim_raw()
    company = next(c for c in raw.data["company"].dropna() if c.endswith(" S.p.A."))
    page = _write(tmp_path, "p.html", f"<p>{company.removesuffix(' S.p.A.')}</p>".encode())
    leaks = scan_for_leaks([page], pii_values(raw, CB))
    assert [x.field for x in leaks] == ["company"]


def test_leak_scan_reads_workbooks_and_file_names(tmp_path):
    raw = _sim_raw()
    name = raw.data["name"].dropna().iloc[5]
    book = openpyxl.Workbook()
    book.active["A1"] = f"grazie {name}"
    book.save(tmp_path / "banner.xlsx")
    _write(tmp_path, f"{name.replace(' ', '_')}.html", b"<p>nothing</p>")
    leaks = scan_for_leaks(tmp_path, pii_values(raw, CB))
    assert {(x.file.suffix, x.field) for x in leaks} == {(".xlsx", "name"), (".html", "name")}


def test_a_personal_file_name_is_shown_neutrally():
    data = _sim_raw().data
    name = data["name"].dropna().iloc[0]
    shown = shown_file_name(f"risposte {name}.csv", data, CB, "0123456789" * 6 + "abcd")
    assert shown == "export-01234567.csv"
    assert shown_file_name(f"{name.split()[0].lower()}.csv", data, CB, "0" * 64) in (
        "export-00000000.csv",
        f"{name.split()[0].lower()}.csv",
    )
    assert shown_file_name("cmmc_2020_final.xlsx", data, CB, "0" * 64) == "cmmc_2020_final.xlsx"
    assert shown_file_name("x<img src=x onerror=alert(1)>.csv", data, CB, "0" * 64) == (
        "x<img src=x onerror=alert(1)>.csv"  # not personal: shown, and escaped where written
    )


def test_banner_hides_a_small_base_and_its_complement():
    from cmmc_analysis.banner import banner

    survey = load_survey()
    role = survey.data["role"]
    hr = role.cat.categories[2]
    keep = role.ne(hr) | role.eq(hr).cumsum().le(3)  # 3 respondents left in one group
    small = type(survey)(
        data=survey.data[keep], missing=survey.missing[keep], codebook=CB, log=survey.log,
        source=survey.source,
    )  # fmt: skip
    b = banner(small, ["org_models"], ["role"], stat="top2")
    bases = b.bases.set_index("group")
    assert bases.loc[hr, "n"] == 3 and bases.loc[hr, "n_suppressed"]
    assert bases["n_suppressed"].sum() == 2  # and the smallest other base of the segment
    headers = " ".join(c[1] for c in b.to_styler(lang="en").data.columns)
    assert not re.search(r"n=3\b", headers) and headers.count("n<5") == 2
    shown = [int(x) for x in re.findall(r"n=(\d+)", headers)]
    total = shown[0]
    assert total - sum(shown[1:]) > 5  # the two hidden bases cannot be told apart


# --- nothing from input is live --------------------------------------------------------------


class _LiveMarkup(HTMLParser):
    """Elements that would run: event handlers, javascript: links, script elements."""

    def __init__(self) -> None:
        super().__init__()
        self.live: list[str] = []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.live.append(f"<{tag} {key}=...>")
        if tag == "script":
            self.live.append("<script>")


def _live(page: str) -> list[str]:
    parser = _LiveMarkup()
    parser.feed(page)
    return parser.live


def test_the_live_markup_detector_detects():
    assert _live('<p>x<img src=x onerror="alert(1)"></p><a href="javascript:x">y</a>') == [
        "<img onerror=...>",
        "<a href=...>",
    ]


HOSTILE = '<img src=x onerror="alert(1)"> [x](javascript:alert(2)) <script>alert(3)</script>'


def test_markdown_of_a_page_renders_input_as_text():
    from cmmc_analysis.report.safe_html import render_markdown

    page = render_markdown(f"# {HOSTILE}\n\nFile: {HOSTILE}.csv, ![a](http://x.invalid/t.png)")
    assert _live(page) == []
    assert "&lt;img src=x" in page and "x.invalid" not in page


def test_tables_and_banner_escape_codebook_texts():
    from cmmc_analysis.banner import banner
    from cmmc_analysis.display import format_table

    survey = load_survey()
    table = pd.DataFrame({"item": [HOSTILE], "share": [0.5]})
    assert _live(format_table(table, lang="en").to_html()) == []
    b = banner(survey, ["org_models"], ["role"], stat="top2")
    b.table["level"] = HOSTILE
    assert _live(b.to_styler(lang="en").to_html()) == []


def test_cleaning_log_csv_cells_cannot_run(tmp_path):
    edits = {
        (3, "org_models"): '=HYPERLINK("http://x.invalid","y")',
        (4, "role"): "-2+3+cmd|' /C calc'!A0",
    }
    path = _write(tmp_path, "formula.csv", _cell_edit(edits))
    out = tmp_path / "out"
    assert main(["clean", str(path), "--out", str(out), "--format", "csv"]) == 0
    details = pd.read_csv(out / "details.csv", dtype=str)
    cells = details["raw_value"].dropna()
    assert not cells.str.match(r"^[=+\-@\t\r]").any()
    assert '\'=HYPERLINK("http://x.invalid","y")' in set(cells)


def test_banner_workbook_has_no_formula(tmp_path):
    from cmmc_analysis.banner import banner

    b = banner(load_survey(), ["org_models"], ["role"], stat="top2")
    b.table["level"] = "=1+1"
    path = b.to_excel(tmp_path / "banner.xlsx", lang="en")
    sheet = openpyxl.load_workbook(path).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == "'=1+1" for c in cells)


def test_free_text_page_shows_scrubbed_escaped_text_and_the_scan_holds(tmp_path):
    from cmmc_analysis.privacy import free_text_table, render_free_text

    raw = _sim_raw()
    html = render_free_text(free_text_table(raw, CB, "comments"))
    assert _live(html) == []
    page = _write(tmp_path, "05.html", html.encode())
    check_reports_for_leaks([page], raw, CB, free_text=True)  # scrubbed: nothing personal
    with pytest.raises(SurveyDataError):
        check_reports_for_leaks([page], raw, CB)  # the answers themselves are personal


def test_include_free_text_shows_scrubbed_escaped_answers_and_the_scan_holds(tmp_path):
    import shutil

    from cmmc_analysis.paths import NOTEBOOKS_DIR
    from cmmc_analysis.report.build import build_report

    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(NOTEBOOKS_DIR / "01_data_and_cleaning.ipynb", folder)
    out = build_report(
        out=tmp_path / "r", notebooks_dir=folder, include_free_text=True, code=False, lang="en"
    )  # the leak check ran on the page and passed
    page = (out / "01_data_and_cleaning.html").read_text(encoding="utf-8")
    texts = [i for i in CB.items_of_type("text") if i in _sim_raw().data]
    assert page.count('<table class="free-text">') == len(texts) >= 1  # one per free-text item
    assert "[phone]" in page and "[email]" in page  # the planted contacts, scrubbed
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the planted markup, as text
    assert _live(page) == []
    plain = build_report(out=tmp_path / "r2", notebooks_dir=folder, code=False, lang="en")
    assert 'class="free-text"' not in (plain / "01_data_and_cleaning.html").read_text()


def test_a_file_named_after_a_respondents_key_is_shown_neutrally():
    """A key that is not an e-mail (a customer code) in the file name hides it; a key of
    digits only (no letter: not a name) or shorter than the rule's minimum does not."""
    key = CB.role("respondent_key")
    data = pd.DataFrame({key: [f"cust {i:05d}" for i in range(3000)] + ["  Zk-4471  ", "q7"]})
    assert shown_file_name("wave2 ZK-4471.csv", data, CB, "ab" * 32) == "export-abababab.csv"
    assert shown_file_name("wave2_cust__00042.csv", data, CB, "ab" * 32) == "export-abababab.csv"
    assert shown_file_name("wave2 q7.csv", data, CB, "ab" * 32) == "wave2 q7.csv"
    assert shown_file_name("wave2 zk-4472.csv", data, CB, "ab" * 32) == "wave2 zk-4472.csv"
    digits = pd.DataFrame({key: ["12345678"]})
    assert shown_file_name("12345678.csv", digits, CB, "ab" * 32) == "12345678.csv"
