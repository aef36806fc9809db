"""Codebooks converted from questionnaire files: XLSForm, SPSS .sav (and the .sav data)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from cmmc_analysis import load_survey
from cmmc_analysis.cli import main
from cmmc_analysis.codebook import load_codebook


def _xlsform(path: Path) -> Path:
    """A two-language form: a select_one, a scale, a select_multiple, a relevant."""
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(
        [
            "type",
            "name",
            "label::Italiano (it)",
            "label::English (en)",
            "relevant",
            "required",
            "constraint",
        ]
    )
    rows = [
        ["end", "end", "Fine", "End", "", "", ""],
        ["begin_group", "g1", "Profilo", "Profile", "", "", ""],
        ["select_one team", "team", "Squadra", "Team", "", "yes", ""],
        ["end_group", "", "", "", "", "", ""],
        ["select_one agree", "happy", "Sono felice", "I am happy", "", "", ""],
        ["select_one yn", "remote", "Lavora da remoto?", "Do you work remotely?", "", "", ""],
        [
            "integer",
            "days",
            "Quanti giorni?",
            "How many days?",
            "${remote} = 'yes'",
            "",
            ". >= 0 and . <= 5",
        ],
        ["select_multiple tools", "tools", "Strumenti", "Tools", "", "", ""],
        ["text", "notes", "Note", "Notes", "", "", ""],
        ["calculate", "score", "", "", "", "", ""],
        ["begin_repeat", "kids", "Figli", "Children", "", "", ""],
    ]
    for r in rows:
        survey.append(r)
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::Italiano (it)", "label::English (en)"])
    for r in [
        ["team", "a", "Vendite", "Sales"],
        ["team", "b", "Assistenza", "Support"],
        ["yn", "yes", "Sì", "Yes"],
        ["yn", "no", "No", "No"],
        ["tools", "mail", "Posta", "Mail"],
        ["tools", "chat", "Chat di gruppo", "Group chat"],
        ["tools", "video", "Video", "Video"],
        ["agree", "1", "Per nulla d'accordo", "Strongly disagree"],
        ["agree", "2", "Poco d'accordo", "Disagree"],
        ["agree", "3", "Né d'accordo né in disaccordo", "Neither agree nor disagree"],
        ["agree", "4", "Abbastanza d'accordo", "Agree"],
        ["agree", "5", "Molto d'accordo", "Strongly agree"],
        ["agree", "9", "Non so", "Don't know"],
    ]:
        choices.append(r)
    book.save(path)
    return path


def _export(path: Path) -> Path:
    rows = [
        ["end", "team", "happy", "remote", "days", "tools", "notes"],
        ["2024-06-03 10:00:00", "Vendite", "Molto d'accordo", "Sì", "3", "Posta; Video", ""],
        ["2024-06-03 11:00:00", "Assistenza", "Non so", "No", "2", "Chat di gruppo", "ok"],
        ["2024-06-04 09:30:00", "Vendite", "Poco d'accordo", "Sì", "9", "", ""],
        ["2024-06-05 12:00:00", "Assistenza", "Abbastanza d'accordo", "Sì", "1", "Posta", ""],
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_an_xlsform_in_two_languages_converts_and_its_export_is_cleaned(
    tmp_path: Path, capsys
) -> None:
    form = _xlsform(tmp_path / "form.xlsx")
    out = tmp_path / "codebook.yaml"
    assert main(["codebook", "from", str(form), "--lang", "it", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    # what cannot be converted is listed, not dropped
    assert "not converted: items.score" in err and "not converted: items.kids" in err
    text = out.read_text(encoding="utf-8")
    assert "# NOT CONVERTED" in text
    cb = load_codebook(out)
    assert cb.languages == ("it", "en")
    assert cb.text("remote", "en") == "Do you work remotely?"
    assert cb.items["happy"].type == "scale" and cb.scale_of("happy").na_labels("en") == [
        "Don't know"
    ]
    assert cb.items["tools"].type == "multi"
    assert [o.code for o in cb.items["tools"].options] == ["mail", "chat", "video"]
    assert cb.items["days"].asked_if == {"item": "remote", "in": ["Sì"]}
    assert (cb.items["days"].min, cb.items["days"].max) == (0, 5)
    assert cb.items["notes"].pii and cb.role("submitted_at") == "end"
    assert cb.segments == ["team"]  # a profile question before the first scale

    survey = load_survey(_export(tmp_path / "export.csv"), codebook=cb)
    assert len(survey) == 4
    data, missing = survey.data, survey.missing
    # 'days' answered by someone who does not work remotely: not asked
    assert missing["days"].tolist()[1] == "not_asked"
    assert pd.isna(missing["days"].tolist()[0])
    # 9 days is above the constraint's maximum of 5: set missing
    assert data["days"].tolist()[0] == 3 and np.isnan(data["days"].tolist()[2])
    assert survey.codes(["happy"])["happy"].tolist()[0] == 5.0
    assert np.isnan(survey.codes(["happy"])["happy"].tolist()[1])  # "Non so"
    tools = [c for c in data.columns if c.startswith("tools")]
    assert tools, data.columns


def test_an_unknown_questionnaire_format_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "form.txt"
    path.write_text("x")
    assert main(["codebook", "from", str(path)]) == 2
    assert "unknown questionnaire format '.txt'" in capsys.readouterr().err


# --- SPSS ----------------------------------------------------------------------------------


def _sav(path: Path) -> Path:
    df = pd.DataFrame(
        {
            "when": pd.to_datetime(["2024-06-03 10:00", "2024-06-03 11:00", "2024-06-04 09:00"]),
            "Q1": [1.0, 5.0, 9.0],
            "region": [1.0, 2.0, 2.0],
            "age": [34.0, -1.0, 51.0],
            "email": ["a@x.example", "b@x.example", "c@x.example"],
        }
    )
    pyreadstat.write_sav(
        df,
        str(path),
        column_labels=["Submitted", "Sono soddisfatto del servizio", "Regione", "Età", "Email"],
        variable_value_labels={
            "Q1": {
                1: "Molto insoddisfatto",
                2: "Insoddisfatto",
                3: "Né soddisfatto né insoddisfatto",
                4: "Soddisfatto",
                5: "Molto soddisfatto",
                9: "Non so",
            },
            "region": {1: "Nord", 2: "Sud"},
        },
        missing_ranges={"Q1": [9], "age": [-1]},
        variable_measure={"Q1": "ordinal", "region": "nominal", "age": "scale"},
    )
    return path


def test_a_sav_file_round_trips_labels_and_missing_codes(tmp_path: Path) -> None:
    sav = _sav(tmp_path / "s.sav")
    out = tmp_path / "cb.yaml"
    assert main(["codebook", "from", str(sav), "--out", str(out)]) == 0
    cb = load_codebook(out)
    assert cb.source_language == "it"
    assert cb.text("q1") == "Sono soddisfatto del servizio"
    assert cb.labels("q1") == [
        "Molto insoddisfatto",
        "Insoddisfatto",
        "Né soddisfatto né insoddisfatto",
        "Soddisfatto",
        "Molto soddisfatto",
    ]
    assert cb.scale_of("q1").na_labels() == ["Non so"]  # the labelled missing code 9
    assert cb.labels("region") == ["Nord", "Sud"]
    assert cb.items["email"].pii and cb.role("respondent_key") == "email"
    assert cb.role("submitted_at") == "when"

    # the .sav data are analysed directly
    survey = load_survey(sav, codebook=cb)
    assert survey.source["encoding"] == "sav"
    assert survey.codes(["q1"])["q1"].tolist()[:2] == [1.0, 5.0]
    assert survey.missing["q1"].tolist()[2] == "not_an_answer"  # code 9
    assert survey.missing["age"].tolist()[1] == "blank"  # unlabelled missing code -1
    assert survey.data["age"].tolist()[0] == 34.0
    assert "email" not in survey.data


def test_clean_writes_spss_with_variable_and_value_labels(tmp_path: Path) -> None:
    sav = _sav(tmp_path / "s.sav")
    cb_path = tmp_path / "cb.yaml"
    assert main(["codebook", "from", str(sav), "--out", str(cb_path)]) == 0
    out = tmp_path / "clean"
    assert (
        main(["clean", str(sav), "--codebook", str(cb_path), "--out", str(out), "--format", "sav"])
        == 0
    )
    data, meta = pyreadstat.read_sav(str(out / "clean.sav"))
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["q1"] == "Sono soddisfatto del servizio"
    assert meta.variable_value_labels["q1"][5] == "Molto soddisfatto"
    assert meta.variable_measure["q1"] == "ordinal"
    assert data["q1"].tolist()[:2] == [1.0, 5.0]


@pytest.mark.parametrize("name", ["broken.sav"])
def test_a_broken_sav_is_one_line(tmp_path: Path, capsys, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"$FL2 not really")
    assert main(["codebook", "from", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read the SPSS file" in err


# --- Qualtrics -----------------------------------------------------------------------------


def _qsf(path: Path) -> Path:
    import json

    def mc(qid, tag, text, sel, choices, it=None, **extra):
        payload = {
            "QuestionID": qid,
            "DataExportTag": tag,
            "QuestionType": "MC",
            "Selector": sel,
            "QuestionText": text,
            "Choices": {str(i + 1): {"Display": c} for i, c in enumerate(choices)},
            "ChoiceOrder": [str(i + 1) for i in range(len(choices))],
            **extra,
        }
        if it:
            payload["Language"] = {
                "IT": {
                    "QuestionText": it[0],
                    "Choices": {str(i + 1): {"Display": c} for i, c in enumerate(it[1])},
                }
            }
        return {"Element": "SQ", "Payload": payload}

    agree = [
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
    ]
    logic = {
        "0": {
            "0": {"LeftOperand": "q://QID2/SelectableChoice/1", "Operator": "Selected"},
            "Type": "If",
        },
        "Type": "BooleanExpression",
    }
    doc = {
        "SurveyEntry": {"SurveyName": "Remote pulse", "SurveyLanguage": "EN"},
        "SurveyElements": [
            {"Element": "BL", "Payload": []},
            mc(
                "QID1",
                "Q1",
                "<p>Your <b>team</b>?</p>",
                "SAVR",
                ["Sales", "Support"],
                it=("La sua squadra?", ["Vendite", "Assistenza"]),
            ),
            mc("QID2", "Q2", "Remote?", "SAVR", ["Yes", "No", "Don't know"]),
            mc("QID3", "Q3", "Which tools?", "MAVR", ["Mail", "Chat", "Video"], DisplayLogic=logic),
            {
                "Element": "SQ",
                "Payload": {
                    "QuestionID": "QID4",
                    "DataExportTag": "Q4",
                    "QuestionType": "Matrix",
                    "Selector": "Likert",
                    "SubSelector": "SingleAnswer",
                    "QuestionText": "How far do you agree?",
                    "Choices": {
                        "1": {"Display": "Pay is fair"},
                        "2": {"Display": "Hours are fine"},
                    },
                    "ChoiceOrder": [1, 2],
                    "Answers": {str(i + 1): {"Display": a} for i, a in enumerate(agree)},
                    "AnswerOrder": [1, 2, 3, 4, 5],
                },
            },
            {
                "Element": "SQ",
                "Payload": {
                    "QuestionID": "QID5",
                    "DataExportTag": "Q5",
                    "QuestionType": "TE",
                    "Selector": "ML",
                    "QuestionText": "Comments",
                },
            },
            {
                "Element": "SQ",
                "Payload": {
                    "QuestionID": "QID6",
                    "DataExportTag": "Q6",
                    "QuestionType": "Timing",
                    "Selector": "PageTimer",
                    "QuestionText": "Timing",
                },
            },
        ],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_a_qualtrics_survey_converts_and_its_export_is_cleaned(tmp_path: Path, capsys) -> None:
    out = tmp_path / "cb.yaml"
    assert main(["codebook", "from", str(_qsf(tmp_path / "s.qsf")), "--out", str(out)]) == 0
    assert "not converted: items.q6" in capsys.readouterr().err  # the timing question
    cb = load_codebook(out)
    assert cb.languages == ("en", "it")
    assert cb.text("q1") == "Your team?" and cb.text("q1", "it") == "La sua squadra?"
    assert cb.labels("q1", "it") == ["Vendite", "Assistenza"]
    assert [i.not_an_answer[0].text("en") for i in [cb.items["q2"]]] == ["Don't know"]
    assert cb.items["q3"].type == "multi" and cb.items["q3"].asked_if == {
        "item": "q2",
        "in": ["Yes"],
    }
    assert cb.grid_items("q4_grid") == ["q4_1", "q4_2"]
    assert cb.header("q4_1") == "How far do you agree? [Pay is fair]"
    assert cb.scale_of("q4_1").k == 5 and cb.items["q5"].pii
    assert cb.role("submitted_at") == "recorded_date"

    export = tmp_path / "export.csv"
    rows = [
        ["RecordedDate", "Duration (in seconds)", "Q1", "Q2", "Q3", "Q4_1", "Q4_2", "Q5"],
        ["2024-06-03 10:00:00", "300", "Sales", "Yes", "Mail,Video", "Agree", "Disagree", ""],
        ["2024-06-03 11:00:00", "320", "Support", "No", "", "Strongly agree", "Agree", "hi"],
        ["2024-06-04 11:00:00", "280", "Support", "Yes", "Chat", "Disagree", "Agree", ""],
    ]
    with export.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    survey = load_survey(export, codebook=cb)
    assert survey.codes(["q4_1"])["q4_1"].tolist() == [4.0, 5.0, 2.0]
    assert survey.missing["q3"].tolist()[1] == "not_asked"


def test_the_report_runs_on_a_converted_xlsform(tmp_path: Path) -> None:
    from cmmc_analysis.report.build import build_report

    form = _xlsform(tmp_path / "form.xlsx")
    codebook = tmp_path / "codebook.yaml"
    assert main(["codebook", "from", str(form), "--lang", "it", "--out", str(codebook)]) == 0
    agree = ["Per nulla d'accordo", "Poco d'accordo", "Abbastanza d'accordo", "Molto d'accordo"]
    rows = [["end", "team", "happy", "remote", "days", "tools", "notes"]]
    for i in range(24):  # a deterministic little export
        remote = "Sì" if i % 3 else "No"
        rows.append(
            [
                f"2024-06-{3 + i % 5:02d} {9 + i % 8:02d}:00:00",
                ["Vendite", "Assistenza"][i % 2],
                agree[(i * 7) % 4],
                remote,
                str(1 + i % 5) if remote == "Sì" else "",
                ["Posta; Video", "Chat di gruppo", "Posta", ""][i % 4],
                "",
            ]
        )
    export = tmp_path / "export.csv"
    with export.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    out = build_report(data=export, codebook=codebook, out=tmp_path / "report", code=False)
    assert (out / "index.html").is_file() and (out / "04_findings.html").is_file()
    assert "Squadra" in (out / "02_exploration.html").read_text(encoding="utf-8")
