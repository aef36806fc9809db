"""Tests of cmmc_analysis.clean.pipeline: the cleaning rules, the log, and load_survey."""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from datetime import datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmmc_analysis import load_survey
from cmmc_analysis.clean import ACTIONS, MISSING_REASONS, clean, merge_rules, parse_numbers
from cmmc_analysis.codebook import load_codebook, parse_codebook
from cmmc_analysis.errors import ExportError, SurveyDataError
from cmmc_analysis.io.reader import read_export

FIXTURES = Path(__file__).parent / "fixtures" / "second_survey"
POINTS = [
    "Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree",
    "Somewhat agree", "Agree", "Strongly agree",
]  # fmt: skip
IDS = ["submitted", "seconds", "team", "workload", "manager", "tools", "recommend",
       "meetings_share", "perks", "notes", "contact"]  # fmt: skip


@pytest.fixture(scope="module")
def pulse():
    return load_codebook(FIXTURES / "codebook.yaml")


@pytest.fixture(autouse=True)
def _fixed_salt(monkeypatch):
    monkeypatch.setenv("PULSE_SALT", "test-salt")


def row(**values):
    """A clean record of the second survey, by item id; keyword arguments override."""
    base = {
        "submitted": "2024-05-10 09:00:00", "seconds": "300", "team": "Sales",
        "workload": "Agree", "manager": "Disagree", "tools": "Somewhat agree",
        "recommend": "Agree", "meetings_share": "20", "perks": "", "notes": "", "contact": "",
    }  # fmt: skip
    base.update(values)
    return base


def export(tmp_path: Path, rows: list[dict], name: str = "x.csv") -> Path:
    """Write records with item ids as headers (ids are accepted headers)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=IDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = Path(tmp_path) / name
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def run(tmp_path, rows, codebook, **rules):
    return clean(read_export(export(tmp_path, rows), codebook=codebook), codebook, rules=rules)


def excluded_rules(survey) -> dict[int, str]:
    return dict(zip(survey.log.excluded["source_row"], survey.log.excluded["rule"], strict=True))


def details(survey) -> list[tuple]:
    d = survey.log.details
    return list(
        zip(d["source_row"], d["rule"].astype(str), d["column"].astype(str),
            d["raw_value"], d["action"].astype(str), strict=True)
    )  # fmt: skip


# --- the second survey, end to end (oracle worked out by hand from export.csv) ----------------


def test_second_survey_cleans_with_no_code_change(pulse):
    survey = load_survey(FIXTURES / "export.csv", codebook=pulse)
    assert excluded_rules(survey) == {
        2: "duplicates",  # ann again in row 10, later: keep last
        5: "straightliners",  # Agree x 3 across the pulse grid (min_items 3)
        6: "speeders",  # 20 s < 0.3 x median 295 s of rows still in
        7: "outside_fieldwork",  # 20 April, before 1 May
        8: "test_submissions",  # test.user@...
        11: "empty",
    }
    data = survey.data
    assert data["source_row"].tolist() == [3, 4, 9, 10, 12]
    assert data["team"].tolist() == [
        "Support",
        "Engineering",
        "Support",
        "Engineering",
        "Engineering",
    ]
    assert data["workload"].tolist()[:2] == ["Strongly agree", "Somewhat disagree"]
    assert data["workload"].cat.categories.tolist() == POINTS
    assert data["workload"].cat.ordered
    assert data["meetings_share"].tolist() == [30.0, 40.0, 30.0, 50.0, 60.0]
    assert data["seconds"].tolist() == [280.0, 310.5, 290.0, 300.0, 320.0]
    assert data["submitted"].tolist()[1] == pd.Timestamp("2024-05-03 11:00")  # day first
    assert pd.isna(data["submitted"].tolist()[2])  # "yesterday": kept, missing, logged
    assert data[["perks__gym", "perks__lunch", "perks__remote"]].values.tolist() == [
        [True, False, True], [True, False, False], [False, False, True],
        [False, False, False], [False, False, True],
    ]  # fmt: skip
    assert survey.missing["recommend"].tolist() == [
        "not_an_answer", np.nan, np.nan, "not_an_answer", "invalid"
    ]  # fmt: skip
    assert ("notes" not in data) and ("contact" not in data)
    assert len(survey) + len(survey.log.excluded) == 11


def test_second_survey_log_lists_every_change(pulse):
    survey = load_survey(FIXTURES / "export.csv", codebook=pulse)
    assert details(survey) == [
        (2, "numbers", "meetings_share", "25 %", "converted"),
        (3, "labels", "team", "support", "normalised"),
        (3, "labels", "workload", "strongly  AGREE", "normalised"),
        (3, "not_an_answer", "recommend", "Don\u2019t know", "not_an_answer"),
        (3, "numbers", "meetings_share", "0.3", "converted"),
        (3, "multi", "perks", "gym;Remote days", "normalised"),
        (4, "numbers", "meetings_share", "about 40", "approximate"),
        (4, "multi", "perks", "Pony", "rejected"),
        (5, "numbers", "meetings_share", "n/a", "not_an_answer"),
        (6, "numbers", "meetings_share", "150", "out_of_range"),
        (8, "numbers", "meetings_share", "lots", "rejected"),
        (9, "timestamps", "submitted", "yesterday", "rejected"),
        (10, "not_an_answer", "recommend", "Prefer not to say", "not_an_answer"),
        (12, "labels", "recommend", "Perhaps", "rejected"),
    ]
    flow = survey.log.flow
    assert flow["remaining"].tolist() == [11, 10, 9, 8, 7, 6, 5]
    # interim = before 15 May; row 9 has no valid timestamp, row 11 none at all
    assert flow["remaining_interim"].tolist() == [8, 8, 7, 6, 5, 4, 3]
    changes = survey.log.changes.set_index(["rule", "column"])
    assert changes.loc[("numbers", "meetings_share")].tolist() == [6, 2]


# --- one rule at a time -----------------------------------------------------------------------


def test_empty_ignores_metadata_only(tmp_path, pulse):
    blank = {k: "" for k in IDS}
    rows = [row(), {**blank, "submitted": "2024-05-10 10:00", "seconds": "50"}, {**blank}]
    survey = run(tmp_path, rows, pulse)
    assert excluded_rules(survey) == {3: "empty", 4: "empty"}
    assert survey.log.excluded["reason"].iloc[0] == "no answer in any question item"


@pytest.mark.parametrize(
    ("contact", "hit"),
    [
        ("test@example.com", True),
        ("TEST@example.com", True),
        ("mario.test@x.it", True),
        ("x@test.it", True),
        ("dummy_1@x.it", True),
        ("testa@x.it", False),  # "testa" is not the word "test"
        ("contest@x.it", False),
        ("", False),
    ],
)
def test_test_markers_match_whole_words_only(tmp_path, pulse, contact, hit):
    survey = run(tmp_path, [row(contact=contact), row(contact="ok@x.it")], pulse)
    assert excluded_rules(survey) == ({2: "test_submissions"} if hit else {})


def test_test_markers_and_fields_are_configurable(tmp_path, pulse):
    rows = [row(contact="prova.prova@x.it"), row(contact="test@x.it")]
    survey = run(tmp_path, rows, pulse, test_submissions={"markers": ["prova"]})
    assert excluded_rules(survey) == {2: "test_submissions"}
    assert survey.log.excluded["reason"].tolist() == ["marker 'prova' in contact"]
    survey = run(tmp_path, rows, pulse, test_submissions={"exclude": False})
    assert excluded_rules(survey) == {}
    ((source_row, rule, column, raw_value, action),) = details(survey)
    assert (source_row, rule, column, action) == (3, "test_submissions", "", "flagged")
    assert pd.isna(raw_value)  # a flag concerns the row, not a value


def test_outside_fieldwork_and_unparseable_timestamps(tmp_path, pulse):
    rows = [
        row(submitted="2024-04-30 23:59:59"),
        row(submitted="2024-05-01 00:00:00"),  # the first second of fieldwork: in
        row(submitted="01/06/2024 00:00"),  # 1 June, day first: out
        row(submitted="2024-05-31T23:59:59+02:00"),  # offset dropped, wall time kept: in
        row(submitted="31/05/2024 23.59.59"),
        row(submitted="soon"),
    ]
    survey = run(tmp_path, rows, pulse)
    assert excluded_rules(survey) == {2: "outside_fieldwork", 4: "outside_fieldwork"}
    assert details(survey) == [(7, "timestamps", "submitted", "soon", "rejected")]
    assert survey.data["source_row"].tolist() == [3, 5, 6, 7]


def test_duplicates_keep_last_by_timestamp_then_file_order(tmp_path, pulse):
    rows = [
        row(contact="a@x.it", submitted="2024-05-10 12:00"),  # 2: latest a -> kept
        row(contact=" A@X.IT", submitted="2024-05-10 09:00"),  # 3: earlier a
        row(contact="b@x.it", submitted="2024-05-10 09:00"),  # 4: tie, earlier in file
        row(contact="b@x.it", submitted="2024-05-10 09:00"),  # 5: tie, later -> kept
        row(contact=""),  # 6, 7: no key is never a duplicate
        row(contact=""),
    ]
    survey = run(tmp_path, rows, pulse)
    assert excluded_rules(survey) == {3: "duplicates", 4: "duplicates"}
    reasons = survey.log.excluded["reason"].tolist()
    assert reasons == [
        "same contact as source row 2 (kept: last)",
        "same contact as source row 5 (kept: last)",
    ]
    survey = run(tmp_path, rows, pulse, duplicates={"keep": "first"})
    assert excluded_rules(survey) == {2: "duplicates", 5: "duplicates"}
    assert survey.data.index.is_unique


def test_duplicates_not_excluded_still_give_unique_ids(tmp_path, pulse):
    rows = [row(contact="a@x.it"), row(contact="a@x.it")]
    survey = run(tmp_path, rows, pulse, duplicates={"exclude": False})
    ids = survey.data.index.tolist()
    assert len(ids) == 2 and ids[1] == ids[0] + "-2"


def test_speeders_use_the_median_of_rows_still_in(tmp_path, pulse):
    # rows still in: 100, 200, 300, 59, 61 (the 10 s row is a test, excluded first)
    seconds = ["100", "200", "300", "59", "61", "10"]
    rows = [row(seconds=s, contact=f"p{i}@x.it") for i, s in enumerate(seconds)]
    rows[-1]["contact"] = "test@x.it"
    survey = run(tmp_path, rows, pulse)
    # median 100 -> threshold 30; nothing below
    assert excluded_rules(survey) == {7: "test_submissions"}
    survey = run(tmp_path, rows, pulse, speeders={"fraction_of_median": 0.6})
    assert excluded_rules(survey) == {5: "speeders", 7: "test_submissions"}  # 59 < 60
    survey = run(tmp_path, rows, pulse, speeders={"fraction_of_median": 0.6, "exclude": False})
    assert survey.data["flag_speeder"].tolist() == [False, False, False, True, False]
    assert survey.log.flow.set_index("rule").loc["speeders", "excluded"] == 0


def test_straightliners_need_every_grid_item_answered_the_same(tmp_path, pulse):
    same = {"workload": "Agree", "manager": "Agree", "tools": "Agree"}
    rows = [
        row(**same),
        row(**{**same, "tools": " agree"}),  # normalised to the same point: straight
        row(**{**same, "tools": "Don't know"}),  # not an answer: not straight
        row(**{**same, "tools": ""}),
        row(),
    ]
    survey = run(tmp_path, rows, pulse)
    assert excluded_rules(survey) == {2: "straightliners", 3: "straightliners"}
    survey = run(tmp_path, rows, pulse, straightliners={"min_items": 4})
    assert excluded_rules(survey) == {}  # the grid has 3 items


def test_exclusion_order_first_matching_rule_wins(tmp_path, pulse):
    # a test submission that is also before fieldwork and a duplicate: test wins
    rows = [
        row(contact="test@x.it", submitted="2024-04-01 10:00"),
        row(contact="test@x.it", submitted="2024-05-02 10:00"),
    ]
    survey = run(tmp_path, rows, pulse)
    assert excluded_rules(survey) == {2: "test_submissions", 3: "test_submissions"}


def test_labels_are_normalised_or_rejected(tmp_path, pulse):
    rows = [
        row(workload="  somewhat   AGREE "),
        row(workload="Neither agree nor disagree"),
        row(workload="Nèither agree nor disagrée"),
        row(workload="Mostly agree"),
        row(workload=" "),
    ]
    survey = run(tmp_path, rows, pulse)
    assert survey.data["workload"].tolist() == [
        "Somewhat agree", "Neither agree nor disagree", "Neither agree nor disagree",
        np.nan, np.nan,
    ]  # fmt: skip
    assert survey.missing["workload"].tolist() == [np.nan, np.nan, np.nan, "invalid", "blank"]
    assert [d[4] for d in details(survey)] == ["normalised", "normalised", "rejected"]


# skip logic and the Italian number words need the bundled survey's filter question
SKIP_CB = {
    "survey": {"id": "skip", "source_language": "it", "languages": ["it"]},
    "items": [
        {"id": "adopted", "type": "single", "text": "Adottato?",
         "options": ["Sì", "In corso", "No"], "not_an_answer": ["Non so"]},
        {"id": "share", "type": "numeric", "text": "Quota", "min": 0, "max": 100, "unit": "%",
         "required": False, "asked_if": {"item": "adopted", "in": ["Sì", "In corso"]}},
    ],
}  # fmt: skip


def test_skip_logic_removes_answers_to_questions_not_asked(tmp_path):
    cb = parse_codebook(SKIP_CB)
    path = Path(tmp_path) / "s.csv"
    path.write_text(
        "adopted,share\nSì,80%\nNo,50\nNon so,40\n,30\nsi,tutti\nNo,\nIn corso,120\n",
        encoding="utf-8",
    )
    survey = clean(read_export(path, codebook=cb), cb)
    np.testing.assert_array_equal(
        survey.data["share"], [80, np.nan, np.nan, np.nan, 100, np.nan, np.nan]
    )
    assert survey.missing["share"].tolist() == [
        np.nan, "not_asked", "not_asked", "not_asked", np.nan, "not_asked", "invalid",
    ]  # fmt: skip
    removed = [(d[0], d[2], d[3]) for d in details(survey) if d[1] == "skip_logic"]
    assert removed == [(3, "share", "50"), (4, "share", "40"), (5, "share", "30")]


@pytest.mark.parametrize(
    ("text", "value", "action"),
    [
        ("80", 80.0, ""),
        ("80%", 80.0, "converted"),
        ("80 %", 80.0, "converted"),
        ("72,5", 72.5, "converted"),  # decimal comma in a decimal-point export
        ("0,8", 80.0, "converted"),  # a fraction in a percent item
        ("0.75", 75.0, "converted"),
        ("1", 1.0, ""),  # an integer is never a fraction
        ("0,5%", 0.5, "converted"),  # with a % sign it is a percentage already
        ("circa 90", 90.0, "approximate"),
        ("ca. 90", 90.0, "approximate"),
        ("~90", 90.0, "approximate"),
        ("tutti", 100.0, "converted"),
        ("Tutto", 100.0, "converted"),
        ("nessuno", 0.0, "converted"),
        ("n.d.", np.nan, "not_an_answer"),
        ("ND", np.nan, "not_an_answer"),
        ("non so", np.nan, "not_an_answer"),
        ("120", np.nan, "out_of_range"),
        ("-5", np.nan, "out_of_range"),
        ("molti", np.nan, "rejected"),
        ("80-90", np.nan, "rejected"),
    ],
)
def test_number_rules(text, value, action):
    values, reason, actions = parse_numbers([text], unit="%", lo=0, hi=100)
    np.testing.assert_equal(values[0], value)
    assert ACTIONS[actions[0]] == action
    expected_reason = {"not_an_answer": 0, "out_of_range": 3, "rejected": 3}.get(action, -1)
    assert reason[0] == expected_reason


@pytest.mark.parametrize(
    ("text", "decimal", "value"),
    [
        ("1.234,5", ",", 1234.5),
        ("1,234.5", ".", 1234.5),
        ("1.000", ",", 1000.0),  # grouping in a decimal-comma export
        ("1,000", ".", 1000.0),
        ("2,5", ",", 2.5),
        ("0,800", ".", 0.8),  # leading zero: decimal
        ("1 200", ".", 1200.0),
    ],
)
def test_number_separators(text, decimal, value):
    values, _, _ = parse_numbers([text], decimal=decimal, lo=0)
    assert values[0] == value


# --- PII, ids, salt ---------------------------------------------------------------------------


def test_no_personal_value_reaches_the_survey(pulse):
    survey = load_survey(FIXTURES / "export.csv", codebook=pulse)
    raw = read_export(FIXTURES / "export.csv", codebook=pulse)
    personal = set(raw.data["contact"].dropna()) | set(raw.data["notes"].dropna())
    tables = [survey.data, survey.missing, *vars(survey.log).values()]
    text = " ".join(t.astype(str).to_csv() + t.index.astype(str).str.cat() for t in tables)
    assert personal and not any(p in text for p in personal)
    assert not any(p in str(survey.source) for p in personal)


def test_salt_comes_from_the_environment_or_the_file_hash(tmp_path, pulse, monkeypatch):
    rows = [row(contact="a@x.it")]
    with_env = run(tmp_path, rows, pulse).data.index[0]
    assert with_env == run(tmp_path, rows, pulse).data.index[0]  # stable
    monkeypatch.delenv("PULSE_SALT")
    from_file = run(tmp_path, rows, pulse)
    assert from_file.data.index[0] != with_env
    assert from_file.source["salt"] == "derived from the export"
    # not the published sha256: a report's provenance does not give the salt away
    raw = read_export(export(tmp_path, rows), codebook=pulse)
    assert raw.salt not in (b"", bytes.fromhex(raw.sha256))
    assert "salt=" not in repr(raw)
    rows2 = [row(contact="a@x.it", team="Support")]  # another file: another salt
    assert run(tmp_path, rows2, pulse).data.index[0] != from_file.data.index[0]


def test_rules_overrides_are_checked():
    cleaning = load_codebook().cleaning
    with pytest.raises(SurveyDataError) as err:
        merge_rules(cleaning, {"speeders": {"fraction": 0.5}})
    assert str(err.value) == (
        "parameter rules['speeders']: unknown option 'fraction'; expected one of "
        "['exclude', 'fraction_of_median']"
    )
    with pytest.raises(SurveyDataError, match=r"fraction_of_median = 3; expected a number in"):
        merge_rules(cleaning, {"speeders": {"fraction_of_median": 3}})
    with pytest.raises(SurveyDataError) as err:
        merge_rules(cleaning, {"test_submissions": {"markers": "test"}})
    assert str(err.value) == "test_submissions.markers = 'test'; expected a list of strings"
    assert merge_rules(cleaning, None) == {k: dict(v) for k, v in cleaning.items()}
    assert cleaning["speeders"]["exclude"] is True  # the codebook is not mutated


def test_clean_does_not_mutate_the_raw_export(pulse):
    raw = read_export(FIXTURES / "export.csv", codebook=pulse)
    before = raw.data.copy()
    clean(raw, pulse)
    pd.testing.assert_frame_equal(raw.data, before)


# --- the same export in every format gives the same clean table -------------------------------


def formats(tmp_path: Path) -> list[Path]:
    text = (FIXTURES / "export.csv").read_text(encoding="utf-8")
    records = list(csv.reader(io.StringIO(text)))
    out = [tmp_path / "utf8.csv", tmp_path / "bom.csv", tmp_path / "cp1252.csv"]
    out[0].write_text(text, encoding="utf-8")
    out[1].write_bytes(text.encode("utf-8-sig"))
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    for i, rec in enumerate(list(r) for r in records):
        if i:  # decimal comma in the numbers, as Italian Excel writes them
            rec[1] = rec[1].replace(".", ",")
            rec[7] = rec[7].replace(".", ",")
        writer.writerow(rec)
    out[2].write_bytes(buf.getvalue().encode("cp1252"))
    book = openpyxl.Workbook()
    for i, rec in enumerate(records):
        if i:
            cells: list[object] = [c if c != "" else None for c in rec]
            if rec[1]:
                cells[1] = float(rec[1])
            if rec[0][:4] == "2024":
                cells[0] = datetime.fromisoformat(rec[0])
            book.active.append(cells)
        else:
            book.active.append(rec)
    out.append(tmp_path / "book.xlsx")
    book.save(out[-1])
    return out


def test_same_export_in_every_format_gives_the_same_clean_table(tmp_path, pulse):
    paths = formats(tmp_path)
    surveys = [load_survey(p, codebook=pulse) for p in paths]
    assert [s.source["encoding"] for s in surveys] == ["utf-8", "utf-8-sig", "cp1252", "xlsx"]
    assert surveys[2].source["decimal"] == ","
    first = surveys[0]
    for other in surveys[1:]:
        pd.testing.assert_frame_equal(other.data, first.data)
        pd.testing.assert_frame_equal(other.missing, first.missing)
        pd.testing.assert_frame_equal(other.log.excluded, first.log.excluded)
        pd.testing.assert_frame_equal(other.log.flow, first.log.flow)


# --- properties over generated exports --------------------------------------------------------

MESS = st.sampled_from(["", " ", "agree", "AGREE ", "Don't know", "Don’t know", "Strongly agre",
                        "xyz", "Disagree", "Neither  agree nor disagree"])  # fmt: skip
LABEL = st.one_of(st.sampled_from(POINTS), MESS)
NUMBER = st.sampled_from(["", "10", "45%", "0,5", "circa 30", "n/a", "101", "tutti", "?"])
STAMP = st.sampled_from(["2024-05-03 10:00", "2024-05-20 10:00", "2024-04-01 10:00", "oops", ""])
CONTACT = st.sampled_from(["", "a@x.it", "b@x.it", "test@x.it", "c@x.it", "d@x.it"])
RECORD = st.fixed_dictionaries(
    {
        "submitted": STAMP,
        "seconds": st.sampled_from(["", "300", "20", "310", "250,5"]),
        "team": st.sampled_from(["Sales", "support", "", "HR"]),
        "workload": LABEL, "manager": LABEL, "tools": LABEL, "recommend": LABEL,
        "meetings_share": NUMBER,
        "perks": st.sampled_from(["", "Gym", "gym; Free lunch", "Pony", "Remote days; Pony"]),
        "notes": st.sampled_from(["", "fine", "two\nlines, really"]),
        "contact": CONTACT,
    }
)  # fmt: skip
SCALE_ITEMS = ["workload", "manager", "tools", "recommend"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(RECORD, min_size=1, max_size=12))
def test_properties_over_generated_exports(records):
    pulse = load_codebook(FIXTURES / "codebook.yaml")
    with tempfile.TemporaryDirectory() as folder:
        path = export(folder, records)
        before = hashlib.sha256(path.read_bytes()).hexdigest()
        unreadable = sum(r["submitted"] == "oops" for r in records)
        try:
            survey = clean(read_export(path, codebook=pulse), pulse)
        except ExportError as err:  # more than one unreadable timestamp: refused, never lost
            assert unreadable > 1 and "column 'submitted': " in str(err), str(err)
            assert f"{unreadable} of " in str(err) and "'oops'" in str(err)
            return
        finally:
            assert hashlib.sha256(path.read_bytes()).hexdigest() == before
        assert unreadable <= 1
    n = len(records)
    kept = survey.data["source_row"].tolist()
    gone = survey.log.excluded["source_row"].tolist()
    # rows in = rows analysed + rows excluded, each raw row exactly once
    assert sorted(kept + gone) == list(range(2, n + 2))
    assert survey.log.flow["remaining"].iloc[-1] == len(kept)
    assert survey.data.index.is_unique
    rejected = {(r, c) for r, _, c, _, a in details(survey) if a == "rejected"}
    for pos, source_row in enumerate(kept):
        rec = records[source_row - 2]
        for item in SCALE_ITEMS:
            if not rec[item].strip():
                assert survey.missing[item].iloc[pos] == "blank"
                continue
            value, reason = survey.data[item].iloc[pos], survey.missing[item].iloc[pos]
            # a scale point, a not-an-answer, or a logged rejection
            assert (
                (value in POINTS and pd.isna(reason))
                or reason == "not_an_answer"
                or (reason == "invalid" and (source_row, item) in rejected)
            )
    assert set(survey.missing.stack().dropna()) <= set(MISSING_REASONS)


CLEAN_RECORD = st.fixed_dictionaries(
    {
        "submitted": st.integers(0, 29 * 24 * 60).map(
            lambda m: str(pd.Timestamp("2024-05-01 00:00") + pd.Timedelta(minutes=m))
        ),
        "seconds": st.integers(200, 400).map(str),
        "team": st.sampled_from(["Sales", "Support", "Engineering"]),
        "workload": st.sampled_from(POINTS), "manager": st.sampled_from(POINTS),
        "tools": st.sampled_from(POINTS), "recommend": st.sampled_from(POINTS),
        "meetings_share": st.integers(0, 100).map(str),
        "perks": st.sampled_from(["", "Gym", "Gym; Free lunch", "Remote days"]),
        "notes": st.just(""),
        "contact": st.just(""),
    }
)  # fmt: skip


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CLEAN_RECORD, min_size=1, max_size=10))
def test_cleaning_a_clean_export_changes_nothing(records):
    pulse = load_codebook(FIXTURES / "codebook.yaml")
    with tempfile.TemporaryDirectory() as folder:
        raw = read_export(export(folder, records), codebook=pulse)
    survey = clean(raw, pulse, rules={"straightliners": {"exclude": False}})
    # nothing changed or rejected; the only entries flag straight-liners (kept here)
    assert set(survey.log.details["action"]) <= {"flagged"} and survey.log.excluded.empty
    expected = pd.DataFrame(records)
    for item in SCALE_ITEMS + ["team"]:
        assert survey.data[item].astype(str).tolist() == expected[item].tolist()
    assert (
        survey.data["meetings_share"].tolist() == expected["meetings_share"].astype(float).tolist()
    )
    assert survey.data["submitted"].tolist() == pd.to_datetime(expected["submitted"]).tolist()
    assert survey.missing.drop(columns="perks").isna().all().all()


# --- ground truth: the simulator's planted defects --------------------------------------------


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    from cmmc_analysis.synth import simulate, write_export

    sim = simulate(seed=2020)
    path, _ = write_export(sim, tmp_path_factory.mktemp("sim") / "remote_working_2020.csv")
    return sim, load_survey(path)


def test_every_planted_defect_is_found_by_its_rule_kind_by_kind(simulated):
    from cmmc_analysis.synth import ROW_KINDS

    sim, survey = simulated
    planted = sim.planted.assign(column=sim.planted["column"].fillna("").astype(str))
    excluded = excluded_rules(survey)
    logged = {(r, c, rule) for r, rule, c, _, _ in details(survey)}
    data = survey.data.set_index("source_row")
    missed: dict[str, list[int]] = {}
    for defect in planted.itertuples():
        row_, col, kind, rule = defect.source_row, defect.column, defect.kind, defect.expected_rule
        if kind in ROW_KINDS:
            found = excluded.get(row_) == rule
        elif rule == "pii":  # free text never reaches the analysis table
            found = col not in survey.data and all(c != col for _, _, c, _, _ in details(survey))
        else:
            found = (row_, col, rule) in logged
            if found and row_ in data.index:
                value, expected = data.loc[row_, col], str(defect.expected_value)
                if expected in ("", "nan"):
                    found = pd.isna(value)
                elif col in survey.codebook.items and survey.codebook.items[col].type == "numeric":
                    found = value == float(expected)
                else:
                    found = value == expected
        if not found:
            missed.setdefault(kind, []).append(row_)
    assert missed == {}
    kinds = set(planted["kind"])
    assert set(ROW_KINDS) <= kinds and len(kinds) >= 15  # the ground truth is not empty
    # nothing else is excluded
    row_kinds = planted[planted["kind"].isin(list(ROW_KINDS))]
    assert excluded == dict(zip(row_kinds["source_row"], row_kinds["expected_rule"], strict=True))


def test_analysed_values_match_the_simulated_truth(simulated):
    sim, survey = simulated
    truth = sim.kept_truth.set_index("source_row")
    data = survey.data.set_index("source_row")
    missing = survey.missing.set_index(survey.data["source_row"])
    assert sorted(data.index) == sorted(truth.index)
    cb = survey.codebook
    for item in cb.items_of_type("scale", "single"):
        nas = set(cb.scale_of(item).na_labels()) if cb.items[item].scale else {
            lab.text(cb.source_language) for lab in cb.items[item].not_an_answer
        }  # fmt: skip
        expected = truth.loc[data.index, item]
        got = [None if pd.isna(v) else v for v in data[item]]
        is_na = expected.isin(nas).to_numpy()
        assert (missing.loc[is_na, item] == "not_an_answer").all(), item
        want = [None if pd.isna(v) else v for v in expected]
        kept_got = [g for g, n in zip(got, is_na, strict=True) if not n]
        assert kept_got == [w for w, n in zip(want, is_na, strict=True) if not n], item
    numbers = pd.to_numeric(truth.loc[data.index, "remote_share"], errors="coerce")
    np.testing.assert_array_equal(data["remote_share"].to_numpy(), numbers.to_numpy(dtype=float))


# --- command line -----------------------------------------------------------------------------


def test_cli_validate_reports_and_writes_nothing(tmp_path, capsys):
    from cmmc_analysis.cli import main

    export_path = tmp_path / "export.csv"
    export_path.write_bytes((FIXTURES / "export.csv").read_bytes())
    before = sorted(p.name for p in tmp_path.iterdir())
    code = main(["validate", str(export_path), "--codebook", str(FIXTURES / "codebook.yaml")])
    out = capsys.readouterr().out
    assert code == 0
    assert "encoding: utf-8, delimiter: ',', decimal: '.'" in out
    assert "rows: 11 raw, 5 analysed, 6 excluded" in out
    assert "warning: extra column 'Department code'" in out
    assert "ann@pulse.example" not in out
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert export_path.read_bytes() == (FIXTURES / "export.csv").read_bytes()


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    from cmmc_analysis.cli import main

    (tmp_path / "empty.csv").write_bytes(b"")
    code = main(["validate", str(tmp_path / "empty.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        "cmmc-analysis validate: error: empty.csv: the file is empty; expected a header row "
        "and records\n"
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_cli_clean_writes_the_table_and_the_log(tmp_path, capsys, fmt):
    from cmmc_analysis.cli import main

    out = tmp_path / "out"
    args = ["clean", str(FIXTURES / "export.csv"), "--out", str(out), "--format", fmt]
    assert main([*args, "--codebook", str(FIXTURES / "codebook.yaml")]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            *(f"clean.{fmt}", f"missing.{fmt}", "flow.csv", "changes.csv", "details.csv"),
            *("excluded.csv", ".cmmc-clean"),  # the manifest: what a later run may replace
        ]
    )
    table = (
        pd.read_csv(out / "clean.csv") if fmt == "csv" else pd.read_parquet(out / "clean.parquet")
    )
    assert table["source_row"].tolist() == [3, 4, 9, 10, 12]
    assert table.columns[0] == "respondent_id"
    assert pd.read_csv(out / "excluded.csv")["rule"].tolist()[0] == "duplicates"
    assert "wrote 6 files" in capsys.readouterr().out


def test_cli_clean_never_overwrites_the_export(tmp_path, capsys):
    from cmmc_analysis.cli import main

    raw = tmp_path / "details.csv"  # an export whose name is one of the log files
    raw.write_bytes((FIXTURES / "export.csv").read_bytes())
    args = ["clean", str(raw), "--out", str(tmp_path), "--format", "csv"]
    assert main([*args, "--codebook", str(FIXTURES / "codebook.yaml")]) == 2
    assert "details.csv' is the input file 'details.csv'" in capsys.readouterr().err
    assert raw.read_bytes() == (FIXTURES / "export.csv").read_bytes()
