"""Exports in the shapes of SurveyMonkey, Qualtrics, Google Forms and LimeSurvey.

Each fixture (``tests/fixtures/<tool>/``: export.csv written by
``tests/fixtures/make_form_tools.py``, codebook.yaml, claims.yaml) is a small survey of
its own. Its report is built once per session (both flavours, index, leak check) and
must carry no wording of the bundled CMMC survey; the reading of each layout (header
rows, option columns, date formats, not-asked markers, weights, durations, skip
conditions) is checked against a plain pandas computation on the CSV.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cmmc_analysis import load_survey
from cmmc_analysis.claims import evaluate_claims, load_survey_claims
from cmmc_analysis.codebook import load_codebook
from cmmc_analysis.describe import question_items
from cmmc_analysis.errors import ExportError
from cmmc_analysis.io.reader import read_export
from tests.test_any_survey import assert_no_cmmc_wording, visible_text

FIXTURES = Path(__file__).parent / "fixtures"
TOOLS = ["surveymonkey", "qualtrics", "google_forms", "limesurvey"]


def fixture(tool: str, name: str = "export.csv") -> Path:
    return FIXTURES / tool / name


def survey_of(tool: str):
    return load_survey(fixture(tool), codebook=load_codebook(fixture(tool, "codebook.yaml")))


def csv_rows(tool: str, skip: int) -> pd.DataFrame:
    """The export's records read plainly (the oracle), after ``skip`` header rows.

    Columns are named by the first header row, or by the second one where it names an
    option or a sub-question (SurveyMonkey's two rows).
    """
    with fixture(tool).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    names = rows[0]
    if skip == 2 and tool == "surveymonkey":
        names = [
            b if b and b not in ("Response", "Open-Ended Response") else a
            for a, b in zip(rows[0], rows[1], strict=True)
        ]
    return pd.DataFrame(rows[skip:], columns=names).replace("", np.nan)


@pytest.fixture(scope="session", params=TOOLS)
def tool_report(request, report_once) -> tuple[str, Path]:
    tool = request.param
    out = report_once(f"report_{tool}", data=fixture(tool), codebook=fixture(tool, "codebook.yaml"))
    return tool, out


def test_form_tool_report_is_complete_and_has_no_cmmc_wording(tool_report) -> None:
    tool, out = tool_report
    names = {p.name for p in out.glob("*.html")}
    assert {"index.html", "04_findings.html", "04_findings-code.html"} <= names
    assert len(names) == 11
    assert_no_cmmc_wording(out)
    cb = load_codebook(fixture(tool, "codebook.yaml"))
    questions = visible_text((out / "05_questions.html").read_text(encoding="utf-8"))
    for item in question_items(cb):  # every question, in the survey's own words
        assert cb.text(item) in questions, item
    findings = visible_text((out / "04_findings.html").read_text(encoding="utf-8"))
    expected = {
        "surveymonkey": "The main results",  # no claims named: main results, no claims section
        "qualtrics": "The course, aspect by aspect",  # the descriptive claim's own title
        "google_forms": "Most users find the app easy to use.",
        "limesurvey": "La maggioranza ritiene il lavoro ben organizzato.",  # Italian source
    }[tool]
    assert expected in findings
    if tool == "surveymonkey":
        assert "The claims" not in findings and "Verdict" not in findings
    if tool == "google_forms":  # no interim cut-off: no interim column, no change table
        assert "(interim)" not in findings and "What changed" not in findings
    if tool == "qualtrics":  # no segments, constructs or multiple choice: no such heading
        explore = visible_text((out / "02_exploration.html").read_text(encoding="utf-8"))
        for heading in ("Constructs and reliability", "Multiple-choice items", "Segment"):
            assert heading not in explore
        sample = visible_text((out / "01_data_and_cleaning.html").read_text(encoding="utf-8"))
        assert "Sample profile" not in sample


# --- the layouts, read right ------------------------------------------------------------


def test_surveymonkey_two_header_rows_option_columns_and_us_dates() -> None:
    raw = read_export(
        fixture("surveymonkey"), codebook=load_codebook(fixture("surveymonkey", "codebook.yaml"))
    )
    assert (
        raw.header_map["friendly"]
        == "How much do you agree with the following? [The agent was friendly]"
    )
    assert raw.data["source_row"].iloc[0] == 3  # two header rows
    survey = survey_of("surveymonkey")
    oracle = csv_rows("surveymonkey", 2)
    oracle.index = oracle["Respondent ID"].astype(int) - 11430000000 + 3  # source row
    kept = oracle.loc[survey.data["source_row"]]
    for code, label in (("phone", "Phone"), ("email", "Email"), ("chat", "Chat")):
        assert survey.data[f"channels__{code}"].sum() == (kept[label] == label).sum()
    # month first, two-digit years: 5/7/18 is 7 May 2018, inside the fieldwork window
    ended = pd.to_datetime(kept["End Date"], format="%m/%d/%y %H:%M")
    assert (survey.data["ended"].to_numpy() == ended.to_numpy()).all()
    assert survey.log.flow.set_index("rule").loc["outside_fieldwork", "excluded"] == 0


def test_surveymonkey_duration_comes_from_start_and_end() -> None:
    survey = survey_of("surveymonkey")
    excluded = survey.log.excluded
    speeders = excluded.loc[excluded["rule"] == "speeders", "source_row"]
    oracle = csv_rows("surveymonkey", 2)
    seconds = (
        pd.to_datetime(oracle["End Date"], format="%m/%d/%y %H:%M")
        - pd.to_datetime(oracle["Start Date"], format="%m/%d/%y %H:%M")
    ).dt.total_seconds()
    # 0.3 x the median duration of the rows still in before the rule (none were excluded
    # before it in this file, see the flow table)
    threshold = 0.3 * seconds.median()
    assert sorted(speeders) == sorted((seconds[seconds < threshold].index + 3).tolist())


def test_qualtrics_three_header_rows_weight_and_not_asked_marker() -> None:
    cb = load_codebook(fixture("qualtrics", "codebook.yaml"))
    raw = read_export(fixture("qualtrics"), codebook=cb)
    assert raw.data["source_row"].iloc[0] == 4
    assert (
        raw.header_map["pace"]
        == "Please rate your agreement with each statement [The pace was right]"
    )
    oracle = csv_rows("qualtrics", 3)  # ids, texts and import ids above the records
    assert raw.warnings[-1] == (
        f"{(oracle['Q1'] == '-99').sum()}"
        " cells held a not-asked marker ('-99') and are read as blank"
    )
    survey = survey_of("qualtrics")
    from cmmc_analysis.describe import likert_summary

    weighted = likert_summary(survey, ["satisfied"], weights="weight").iloc[0]
    kept = oracle.iloc[survey.data["source_row"].to_numpy() - 4]
    top = kept["Q3"].isin(["Satisfied", "Very satisfied"])
    w = kept["weight"].astype(float)
    assert weighted["top2"] == pytest.approx((w * top).sum() / w.sum())
    assert "-99" not in set(survey.data["recommend"].astype(str))


def test_qualtrics_skip_condition_on_a_scale_item() -> None:
    survey = survey_of("qualtrics")
    asked = survey.data["satisfied"].isin(["Very dissatisfied", "Dissatisfied"])
    assert survey.missing.loc[~asked, "improve"].eq("not_asked").all()
    assert survey.data.loc[asked, "improve"].notna().all()


def test_google_forms_month_first_timestamps_keep_every_respondent() -> None:
    survey = survey_of("google_forms")
    oracle = csv_rows("google_forms", 1)
    stamps = pd.to_datetime(oracle["Timestamp"], format="%m/%d/%Y %H:%M:%S")
    assert stamps.between("2024-05-01", "2024-05-31 23:59:59").all()
    assert survey.log.flow.set_index("rule").loc["outside_fieldwork", "excluded"] == 0
    kept = stamps.iloc[survey.data["source_row"].to_numpy() - 2]
    assert (survey.data["timestamp"].to_numpy() == kept.to_numpy()).all()


def test_limesurvey_option_columns_not_asked_and_numeric_skip_condition() -> None:
    survey = survey_of("limesurvey")
    oracle = csv_rows("limesurvey", 1)
    kept = oracle.iloc[survey.data["source_row"].to_numpy() - 2]
    topic = "Quali temi le interessano? [Sicurezza]"
    assert survey.data["temi__sicurezza"].sum() == (kept[topic] == "Sì").sum()
    staff = kept["Quanti dipendenti ha la sua sede?"].astype(float).to_numpy()
    reason = survey.missing["remoto"].to_numpy()
    assert (reason[staff < 10] == "not_asked").all()
    assert pd.notna(survey.data["remoto"].to_numpy()[staff >= 10]).all()


def test_claims_of_each_fixture_match_an_independent_computation() -> None:
    survey = survey_of("google_forms")
    verdicts = evaluate_claims(survey, load_survey_claims(survey.codebook)).set_index("claim")
    oracle = csv_rows("google_forms", 1).iloc[survey.data["source_row"].to_numpy() - 2]
    easy = oracle["The app is easy to use"].isin(["Agree", "Strongly agree"]).mean()
    hours = oracle["How many hours a week do you use the app?"].astype(float).mean()
    assert verdicts.loc["A1", "estimate"] == pytest.approx(easy)
    assert verdicts.loc["A2", "estimate"] == pytest.approx(hours)
    # every fixture's claims file validates against its own codebook
    for tool in TOOLS:
        cb = load_codebook(fixture(tool, "codebook.yaml"))
        from cmmc_analysis.claims import load_claims

        assert load_claims(fixture(tool, "claims.yaml"), codebook=cb).claims


# --- day and month: read right with the format, or refused ---------------------------------


def _us_export(tmp_path: Path, codebook_extra: str) -> tuple[Path, Path]:
    """A Google-Forms-like export whose dates all have a day <= 12 (ambiguous)."""
    text = fixture("google_forms", "codebook.yaml").read_text(encoding="utf-8")
    text = text.replace(", dayfirst: false", codebook_extra)
    (tmp_path / "codebook.yaml").write_text(text, encoding="utf-8")
    lines = fixture("google_forms").read_text(encoding="utf-8").splitlines()
    ambiguous = [lines[0]] + [
        line for line in lines[1:] if int(re.match(r"\d+/(\d+)/", line).group(1)) <= 12
    ]
    (tmp_path / "export.csv").write_text("\n".join(ambiguous) + "\n", encoding="utf-8")
    return tmp_path / "export.csv", tmp_path / "codebook.yaml"


@pytest.mark.parametrize("partition_rows", [None, 5])
def test_us_dates_without_a_stated_format_are_refused_not_excluded(
    tmp_path: Path, partition_rows: int | None
) -> None:
    """Read whole or in partitions, a day/month mix-up stops the cleaning."""
    export, codebook = _us_export(tmp_path, "")
    with pytest.raises(ExportError) as err:
        load_survey(export, codebook=load_codebook(codebook), partition_rows=partition_rows)
    message = str(err.value)
    assert message.startswith("export.csv, column 'Timestamp': ")
    assert "read day first fall outside the fieldwork window" in message
    assert "format tried: %d/%m/%Y %H:%M:%S" in message
    assert "(format: or dayfirst:)" in message


@pytest.mark.parametrize("stated", [", dayfirst: false", ', format: "%m/%d/%Y %H:%M:%S"'])
def test_us_dates_with_a_stated_format_are_read_right(tmp_path: Path, stated: str) -> None:
    export, codebook = _us_export(tmp_path, stated)
    survey = load_survey(export, codebook=load_codebook(codebook))
    oracle = pd.read_csv(export, dtype=str)
    stamps = pd.to_datetime(oracle["Timestamp"], format="%m/%d/%Y %H:%M:%S")
    assert survey.source["n_raw_rows"] == len(oracle)
    assert survey.log.flow.set_index("rule").loc["outside_fieldwork", "excluded"] == 0
    kept = stamps.iloc[survey.data["source_row"].to_numpy() - 2]
    assert (survey.data["timestamp"].to_numpy() == kept.to_numpy()).all()


def test_unreadable_timestamps_are_refused_naming_a_value_and_the_format(tmp_path: Path) -> None:
    text = fixture("surveymonkey", "codebook.yaml").read_text(encoding="utf-8")
    text = text.replace('format: "%m/%d/%y %H:%M"', 'format: "%d.%m.%Y %H:%M"')
    (tmp_path / "codebook.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ExportError) as err:
        load_survey(fixture("surveymonkey"), codebook=load_codebook(tmp_path / "codebook.yaml"))
    assert re.fullmatch(
        r"export\.csv, column 'Start Date': 48 of 48 values cannot be read as date-times "
        r"\(for example '[^']+'; format tried: %d\.%m\.%Y %H:%M\); expected the export's "
        r"format stated in the codebook \(format: or dayfirst:\)",
        str(err.value),
    )
