"""Tests of cmmc_analysis.io.reader: reading exports as strings and mapping headers."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cmmc_analysis.codebook import load_codebook, parse_codebook
from cmmc_analysis.errors import ExportError, SurveyDataError
from cmmc_analysis.io.reader import map_headers, normalise_text, read_export

FIXTURES = Path(__file__).parent / "fixtures" / "second_survey"


@pytest.fixture(scope="module")
def pulse():
    return load_codebook(FIXTURES / "codebook.yaml")


def tiny_codebook():
    return parse_codebook(
        {
            "survey": {"id": "tiny", "source_language": "it", "languages": ["it"]},
            "scales": {"ab": {"points": ["Poco d'accordo", "Molto d'accordo"]}},
            "items": [
                {"id": "q1", "type": "scale", "scale": "ab", "text": "Qual è la risposta?"},
                {"id": "n1", "type": "numeric", "text": "Quanti?", "required": False},
                {"id": "note", "type": "text", "text": "Note", "required": False},
            ],
        }
    )


def write(tmp_path: Path, name: str, content: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


# --- the second survey as shipped ----------------------------------------------------


def test_second_survey_headers_map_despite_case_spaces_and_punctuation(pulse):
    raw = read_export(FIXTURES / "export.csv", codebook=pulse)
    assert list(raw.header_map) == [
        "submitted", "seconds", "team", "workload", "manager", "tools", "recommend",
        "meetings_share", "perks", "notes", "contact",
    ]  # fmt: skip
    # "SUBMITTED AT", a grid header with a double space and lower case, and the
    # recommend header without its final full stop all match.
    assert raw.header_map["submitted"] == "SUBMITTED AT"
    assert raw.extra_columns == ("Department code",)
    assert len(raw.warnings) == 1 and "'Department code'" in raw.warnings[0]
    assert (raw.encoding, raw.delimiter, raw.decimal) == ("utf-8", ",", ".")


def test_quoted_newline_is_one_record_and_source_rows_follow_the_spreadsheet(pulse):
    raw = read_export(FIXTURES / "export.csv", codebook=pulse)
    assert len(raw) == 11
    assert raw.data["source_row"].tolist() == list(range(2, 13))
    assert raw.data.loc[1, "notes"] == "Two lines\nof notes"
    # the record after the two-line note is row 4, not row 5 as the text lines would say
    assert raw.data.loc[2, "submitted"] == "03/05/2024 11:00"


def test_every_value_is_a_string_or_missing_and_nothing_is_guessed(pulse):
    raw = read_export(FIXTURES / "export.csv", codebook=pulse)
    values = raw.data.drop(columns="source_row").to_numpy(dtype=object).ravel().tolist()
    assert {type(v) for v in values if not pd.isna(v)} == {str}
    assert raw.data.loc[0, "seconds"] == "300"  # not the integer 300
    assert raw.data.loc[9].drop("source_row").isna().all()  # the empty record


def test_reading_never_writes_the_file(pulse):
    path = FIXTURES / "export.csv"
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    raw = read_export(path, codebook=pulse)
    assert raw.sha256 == before == hashlib.sha256(path.read_bytes()).hexdigest()


# --- encodings, delimiters, xlsx ---------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "sep", "expected_encoding", "expected_decimal"),
    [
        ("utf-8", ",", "utf-8", "."),
        ("utf-8-sig", ",", "utf-8-sig", "."),
        ("cp1252", ";", "cp1252", ","),
        ("utf-8", "\t", "utf-8", "."),
    ],
)
def test_encoding_and_delimiter_are_detected(
    tmp_path, encoding, sep, expected_encoding, expected_decimal
):
    text = sep.join(["Qual è la risposta?", "Quanti?", "Note"]) + "\n"
    number = "2,5" if sep == ";" else "2.5"
    text += sep.join(["Molto d’accordo", number, '"a, b; c"']) + "\n"
    path = write(tmp_path, "x.csv", text, encoding)
    raw = read_export(path, codebook=tiny_codebook())
    assert (raw.encoding, raw.delimiter, raw.decimal) == (
        expected_encoding,
        sep,
        expected_decimal,
    )
    assert raw.data.loc[0, "q1"] == "Molto d’accordo"
    assert raw.data.loc[0, "note"] == "a, b; c"


def test_detection_can_be_overridden_and_is_reported(tmp_path):
    path = write(tmp_path, "x.csv", "q1|n1\nMolto d'accordo|3,5\n")
    raw = read_export(
        path, codebook=tiny_codebook(), delimiter="|", decimal=",", encoding="latin-1"
    )
    assert (raw.encoding, raw.delimiter, raw.decimal) == ("latin-1", "|", ",")
    assert raw.data.loc[0, "n1"] == "3,5"


def test_xlsx_first_sheet_values_become_export_text(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Qual è la risposta?", "Quanti?", "Note"])
    sheet.append(["Molto d'accordo", 80, datetime(2020, 3, 10, 9, 15)])
    sheet.append(["Poco d'accordo", 72.5, None])
    book.create_sheet("other").append(["ignored"])
    book.save(tmp_path / "x.xlsx")
    raw = read_export(tmp_path / "x.xlsx", codebook=tiny_codebook())
    assert (raw.encoding, raw.delimiter) == ("xlsx", None)
    assert raw.data["n1"].tolist() == ["80", "72.5"]
    assert raw.data.loc[0, "note"] == "2020-03-10 09:15:00"
    assert pd.isna(raw.data.loc[1, "note"])
    assert raw.data["source_row"].tolist() == [2, 3]


# --- header matching -------------------------------------------------------------------------


def test_bundled_headers_match_with_typographic_quotes_and_missing_accents():
    cb = load_codebook()
    headers = [cb.header(i) for i in cb.items]
    messy = {
        "org_models": cb.header("org_models").replace("'", "\u2019").upper(),
        "role": "Qual e il suo ruolo ?",
        "effect_worklife": "Quanto il lavoro da remoto in questa emergenza ha effetto su...  "
        "[conciliazione tra vita privata e lavoro (persone) ]",
    }
    headers = [messy.get(i, h) for i, h in zip(cb.items, headers, strict=True)]
    found, extra = map_headers(headers, cb)
    assert extra == []
    assert found["org_models"] == messy["org_models"]
    assert found["effect_worklife"] == messy["effect_worklife"]


def test_english_headers_and_ids_match_too():
    cb = load_codebook()
    headers = [cb.header(i, "en") if n % 2 else i for n, i in enumerate(cb.items)]
    found, extra = map_headers(headers, cb)
    assert list(found) == list(cb.items) and extra == []


def test_normalise_text_is_what_labels_and_headers_are_compared_on():
    # each pair differs only by what exports do to text
    assert normalise_text("Né d’accordo  né in disaccordo ") == "ne d'accordo ne in disaccordo"
    assert normalise_text("«Sì»") == '"si"'
    assert normalise_text("Effetto su…") == "effetto su..."


# --- errors (pinned messages) -------------------------------------------------------------------


def test_missing_required_column_names_it_and_the_closest_headers(tmp_path, pulse):
    text = (FIXTURES / "export.csv").read_text(encoding="utf-8")
    text = text.replace("I would recommend this company", "Would you recommend our firm", 1)
    path = write(tmp_path, "x.csv", text)
    with pytest.raises(ExportError) as err:
        read_export(path, codebook=pulse)
    assert str(err.value) == (
        "x.csv: required column missing: 'recommend' ('I would recommend this company as a "
        "place to work.'; closest headers found: ['Would you recommend our firm as a place "
        "to work']); expected a column for each required item of the codebook"
    )


def test_extra_column_is_a_warning_naming_the_closest_items(tmp_path):
    path = write(tmp_path, "x.csv", "q1,Quanti volte?\nMolto d'accordo,3\n")
    raw = read_export(path, codebook=tiny_codebook())
    assert raw.warnings == ["extra column 'Quanti volte?' matches no codebook item and is ignored"]


def test_extra_columns_are_one_warning_and_only_close_items_are_suggested(tmp_path):
    """Dozens of unrelated extra columns (a form tool's metadata) give one line, not dozens."""
    meta = ",".join(f"Custom Data {i}" for i in range(1, 21))
    path = write(tmp_path, "x.csv", f"q1,{meta},Quantii\nMolto d'accordo{',' * 21}\n")
    raw = read_export(path, codebook=tiny_codebook())
    header = tiny_codebook().header("n1")
    assert raw.warnings[0].startswith(
        "21 extra columns match no codebook item and are ignored: 'Custom Data 1', "
    )
    assert raw.warnings[0].endswith("'Custom Data 8' and 13 more")
    assert raw.warnings[1:] == [
        f"extra column 'Quantii' looks like item 'n1' ({header!r}); check the codebook's text"
    ]


def test_duplicated_column_is_an_error(tmp_path):
    path = write(tmp_path, "x.csv", "q1,Qual e la risposta\nMolto d'accordo,Poco d'accordo\n")
    with pytest.raises(ExportError) as err:
        read_export(path, codebook=tiny_codebook())
    assert str(err.value) == (
        "x.csv, column 'Qual e la risposta': item 'q1' has two columns ('q1' and "
        "'Qual e la risposta'); expected each item once"
    )


def test_identical_headers_are_an_error(tmp_path):
    path = write(tmp_path, "x.csv", "q1,Extra,extra \nMolto d'accordo,1,2\n")
    with pytest.raises(ExportError, match=r"column 'extra ': the header appears twice"):
        read_export(path, codebook=tiny_codebook())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "x.csv: the file is empty; expected a header row and records"),
        (b"  \n\n", "x.csv: the file is empty; expected a header row and records"),
        (
            b"q1,n1\n",
            "x.csv: the file has a header row but no records; expected at least one record",
        ),
        (
            b"q1,n1\x00\x01\x02",
            "x.csv: the file holds NUL bytes (binary data or UTF-16); expected CSV text in "
            "UTF-8 or Windows-1252, or an XLSX workbook",
        ),
        (
            b"q1,n1\nMolto d'accordo,1\nPoco,2,3\n",
            "x.csv, row 3: found 3 fields; expected 2 as in the header (delimiter ',')",
        ),
    ],
)
def test_unreadable_files_get_one_precise_error(tmp_path, content, message):
    path = write(tmp_path, "x.csv", content)
    with pytest.raises(ExportError) as err:
        read_export(path, codebook=tiny_codebook())
    assert str(err.value) == message


def test_undecodable_byte_names_row_and_column(tmp_path):
    content = "q1,note\nMolto d'accordo,ok\nPoco d'accordo,caff\u00e8\n".encode("cp1252")
    path = write(tmp_path, "x.csv", content)
    with pytest.raises(ExportError) as err:
        read_export(path, codebook=tiny_codebook(), encoding="utf-8")
    assert str(err.value) == (
        "x.csv, row 3, column note: byte 0xe8 cannot be decoded as UTF-8; expected text in "
        "that encoding (pass encoding= to choose another)"
    )


def test_bad_parameters_are_named(tmp_path):
    path = write(tmp_path, "x.csv", "q1\nMolto d'accordo\n")
    with pytest.raises(ExportError, match=r"parameter decimal=';'; expected '\.' or ','"):
        read_export(path, codebook=tiny_codebook(), decimal=";")
    with pytest.raises(ExportError, match="parameter encoding='klingon' is not a known"):
        read_export(path, codebook=tiny_codebook(), encoding="klingon")
    with pytest.raises(
        SurveyDataError,
        match=r"cannot read the export \(No such file or directory\); expected a readable file",
    ):
        read_export(tmp_path / "absent.csv", codebook=tiny_codebook())


def test_broken_workbook_is_an_export_error(tmp_path):
    path = write(tmp_path, "x.xlsx", b"PK\x03\x04 not really a zip")
    with pytest.raises(ExportError, match=r"x.xlsx: cannot open the workbook \(\w+\); expected"):
        read_export(path, codebook=tiny_codebook())


# --- records that do not fit the header: never silently lost --------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # every record too long: pandas alone would drop the surplus with a warning
        (
            "q1,n1\nMolto d'accordo,1,x\nPoco d'accordo,2,y\n",
            "x.csv, row 2: found 3 fields; expected 2 as in the header (delimiter ',')",
        ),
        # a record written with another delimiter: pandas alone would fill it with blanks
        (
            "q1,n1\nMolto d'accordo,1\nPoco d'accordo;2\nMolto d'accordo,3\n",
            "x.csv, row 3: found 1 fields; expected 2 as in the header (delimiter ',')",
        ),
        # a quote left open joins records
        (
            "q1,n1\nMolto d'accordo,\"1\nPoco d'accordo,2\nMolto,\"3,4\nPoco,5\n",
            "x.csv, row 2: found 3 fields; expected 2 as in the header (delimiter ','); "
            "a quote opened in this record may be left unclosed",
        ),
    ],
)
def test_records_with_another_number_of_fields_are_errors(tmp_path, content, message):
    path = write(tmp_path, "x.csv", content)
    with pytest.raises(ExportError) as err:
        read_export(path, codebook=tiny_codebook())
    assert str(err.value) == message


def test_blank_lines_and_a_truncated_last_record_are_read(tmp_path):
    path = write(tmp_path, "x.csv", "q1,n1,note\nMolto d'accordo,1,a\n\nPoco d'accordo,2\n")
    raw = read_export(path, codebook=tiny_codebook())
    assert raw.data["source_row"].tolist() == [2, 3, 4]
    assert raw.data["q1"].isna().tolist() == [False, True, False]
    assert raw.warnings == [
        "the last record (row 4) has 2 of 3 fields; the file may be truncated (the missing "
        "fields are read as blank)"
    ]


def test_undecodable_byte_is_reported_for_the_encoding_that_read_furthest(tmp_path):
    # Windows-1252 text (è: not UTF-8 at row 2) with a byte Windows-1252 lacks at row 3
    content = "q1,note\nMolto d'accordo,caff\u00e8\nPoco d'accordo,x".encode("cp1252") + b"\x81\n"
    path = write(tmp_path, "x.csv", content)
    with pytest.raises(ExportError) as err:
        read_export(path, codebook=tiny_codebook())
    assert str(err.value) == (
        "x.csv, row 3, column note: byte 0x81 cannot be decoded as UTF-8 or Windows-1252; "
        "expected text in that encoding (pass encoding= to choose another)"
    )
