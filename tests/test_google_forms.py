"""A Google Forms export read right (issue 21): checkbox options containing ", ",
"Other:" answers, typed variants (aliases) of a short answer.

The export below is written the way Google Forms writes it: the chosen options of a
checkbox question joined with ", " in form order, even when an option contains ", ";
the respondent's own "Other" text in the option's cell. Every expected count is a
hand count of the rows listed next to it (source rows: header = 1, first record = 2).
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from cmmc_analysis import load_survey
from cmmc_analysis.clean.options import match_options, option_keys
from cmmc_analysis.codebook import parse_codebook
from cmmc_analysis.describe.choice import choice_summary
from cmmc_analysis.errors import CodebookError

NETWORK = "Your personal network, such as colleagues and professors"
SOCIAL = "Social media such as blogs, R-bloggers, Twitter, Slack, or GitHub contacts"

CODEBOOK = {
    "survey": {"id": "gforms", "source_language": "en", "languages": ["en"]},
    "scales": {
        "enjoy10": {
            "points": 10,
            "labels": {1: "not at all", 10: "a great deal"},
            "not_an_answer": ["I don't use R"],
        },
        "change3": {
            "points": ["Decrease", "Stay the same", "Increase"],
            "top2": [3],
            "bottom2": [1],
            "not_an_answer": ["I don't know what Shiny is"],
        },
    },
    "items": [
        {"id": "ts", "type": "datetime", "role": "submitted_at", "text": "Timestamp"},
        {
            "id": "sources",
            "type": "multi",
            "text": "Where do you learn about new packages?",
            "options": [
                {"en": NETWORK, "code": "network"},
                {"en": SOCIAL, "code": "social"},
                {"en": "CRAN Task Views", "code": "ctv"},
                {"en": "Books", "code": "books"},
            ],
            "other": True,
        },
        {
            "id": "gender",
            "type": "single",
            "segment": True,
            "text": "Gender",
            "options": ["Man", "Woman", "Non-binary"],
            "not_an_answer": ["Prefer not to say"],
            "aliases": {"Man": ["M", "male", "man"], "Woman": ["F", "female"]},
        },
        {
            "id": "position",
            "type": "single",
            "text": "Your position",
            "options": ["Student, undergraduate", "Student, graduate", "Staff"],
            "other": {"label": "Something else"},
        },
        {"id": "enjoy", "type": "scale", "scale": "enjoy10", "text": "How much do you enjoy R?"},
        {"id": "shiny", "type": "scale", "scale": "change3", "text": "Your use of Shiny will"},
        {
            "id": "robot_check",
            "type": "text",
            "text": "Type the number of characters in 'analysis' as a word",
        },
    ],
    "cleaning": {"attention": {"item": "robot_check", "accept": ["eight", 8]}},
}

HEADER = [
    "Timestamp",
    "Where do you learn about new packages?",
    "Gender",
    "Your position",
    "How much do you enjoy R?",
    "Your use of Shiny will",
    "Type the number of characters in 'analysis' as a word",
]
#: the attention-check answers of source rows 2..11 and of the two rows that fail it
CHECKS = ["eight", "8", "Eight ", "eight", "8", "EIGHT", "8", "eight", "eight", "8"]
FAILING = [
    ["03/25/2024 01:15:00 PM", "Books", "Man", "Staff", "three"],  # row 12
    ["03/25/2024 01:16:00 PM", SOCIAL, "Woman", "Staff", ""],  # row 13: blank fails
]
ROWS = [
    # source row 2
    ["03/25/2024 01:05:00 PM", f"{NETWORK}, Books", "Man", "Student, undergraduate"],
    # 3
    ["03/25/2024 01:06:00 PM", SOCIAL, "M", "Student, graduate"],
    # 4
    ["03/25/2024 01:07:00 PM", f"{NETWORK}, {SOCIAL}, CRAN Task Views", "female", "Staff"],
    # 5: "Other" text containing the separator
    ["03/25/2024 01:08:00 PM", "Books, my cat, mostly", "Woman", "Postdoc"],
    # 6
    ["03/25/2024 01:09:00 PM", "", "male ", "student,  graduate"],
    # 7
    ["03/25/2024 01:10:00 PM", "CRAN Task Views", "F", "Staff"],
    # 8
    ["03/25/2024 01:11:00 PM", "reddit", "Prefer not to say", "Student, undergraduate"],
    # 9: spelt differently (case, spaces)
    ["03/25/2024 01:12:00 PM", SOCIAL.lower().replace(", ", ",  ") + ", books", "woman",
     "Retired, mostly"],
    # 10
    ["03/25/2024 01:13:00 PM", NETWORK, "X", "Staff"],
    # 11
    ["03/25/2024 01:14:00 PM", f"{SOCIAL}, Books", "", "Student, graduate"],
]  # fmt: skip


@pytest.fixture
def survey(tmp_path):
    (tmp_path / "codebook.yaml").write_text(yaml.safe_dump(CODEBOOK), encoding="utf-8")
    with open(tmp_path / "export.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADER, *_rows()])
    return load_survey(tmp_path / "export.csv", codebook=tmp_path / "codebook.yaml")


#: linear scale 1..10 and change scale answers of source rows 2..11 (rows 12, 13: blank)
ENJOY = ["10", "9", "10", "1", "7", "I don't use R", "8", "9", "10", ""]
SHINY = ["Increase", "Stay the same", "Increase", "Decrease", "I don't know what Shiny is",
         "Increase", "Stay the same", "Increase", "", "Decrease"]  # fmt: skip


def _rows():
    rows = [[*r, e, sh, c] for r, e, sh, c in zip(ROWS, ENJOY, SHINY, CHECKS, strict=True)]
    return rows + [[*r[:4], "", "", r[4]] for r in FAILING]


def _ticked(survey, code):
    data = survey.data
    return data.loc[data[f"sources__{code}"], "source_row"].tolist()


def test_checkbox_options_containing_the_separator_are_matched_whole(survey):
    assert len(survey) == 10  # 12 rows, 2 fail the attention check
    # hand counts: rows whose cell holds the option
    assert _ticked(survey, "network") == [2, 4, 10]
    assert _ticked(survey, "social") == [3, 4, 9, 11]
    assert _ticked(survey, "ctv") == [4, 7]
    assert _ticked(survey, "books") == [2, 5, 9, 11]
    assert _ticked(survey, "other") == [5, 8]
    table = choice_summary(survey, "sources").set_index("option")
    # base: the 9 rows with an answer (row 6 is blank)
    assert table["n"].unique().tolist() == [9]
    assert table["count"].to_dict() == {
        NETWORK: 3, SOCIAL: 4, "CRAN Task Views": 2, "Books": 4, "Other": 2
    }  # fmt: skip
    assert table.loc[SOCIAL, "share"] == pytest.approx(4 / 9)


def test_other_answers_count_as_other_and_their_text_stays_out(survey):
    details = survey.log.details
    other = details[details["action"] == "other"]
    # sources: rows 5 and 8; position: rows 5 ("Postdoc") and 9 ("Retired, mostly")
    assert sorted(zip(other["source_row"], other["column"].astype(str), strict=True)) == [
        (5, "position"), (5, "sources"), (8, "sources"), (9, "position"),
    ]  # fmt: skip
    assert set(other["rule"].astype(str)) == {"other"}
    assert set(other["raw_value"]) == {"<redacted>"}
    assert not details["raw_value"].isin(["reddit", "Postdoc", "my cat, mostly"]).any()
    assert "rejected" not in set(details.loc[details["column"] != "gender", "action"])
    counts = survey.data["position"].value_counts().to_dict()
    # hand count: undergraduate rows 2, 8; graduate 3, 6, 11; Staff 4, 7, 10; else 5, 9
    assert counts == {
        "Student, undergraduate": 2, "Student, graduate": 3, "Staff": 3, "Something else": 2
    }  # fmt: skip
    for column in survey.data.columns:
        values = survey.data[column].astype(str).tolist()
        assert "Postdoc" not in values and "reddit" not in values


def test_aliases_are_applied_and_logged_with_counts(survey):
    gender = survey.data.set_index("source_row")["gender"]
    # Man: rows 2, 3 (M), 6 (male ); Woman: 4 (female), 5, 7 (F), 9 (woman, normalised)
    assert gender.value_counts().to_dict() == {"Woman": 4, "Man": 3, "Non-binary": 0}
    assert gender.loc[[3, 4, 6, 7]].tolist() == ["Man", "Woman", "Man", "Woman"]
    changes = survey.log.changes.set_index(["rule", "column"])
    assert changes.loc[("aliases", "gender"), "n"] == 4
    assert changes.loc[("other", "sources"), "n"] == 2
    assert changes.loc[("other", "position"), "n"] == 2
    assert changes.loc[("labels", "gender"), "n"] == 2  # 9 normalised, 10 "X" rejected
    missing = survey.missing.set_index(survey.data["source_row"])["gender"]
    assert missing.loc[[8, 10, 11]].tolist() == ["not_an_answer", "invalid", "blank"]


def test_a_checkbox_cell_matching_no_option_is_logged_with_its_row(tmp_path):
    doc = yaml.safe_load(yaml.safe_dump(CODEBOOK))
    del doc["items"][1]["other"]
    (tmp_path / "codebook.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    with open(tmp_path / "export.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADER, *_rows()])
    survey = load_survey(tmp_path / "export.csv", codebook=tmp_path / "codebook.yaml")
    details = survey.log.details
    rejected = details[(details["column"] == "sources") & (details["action"] == "rejected")]
    # row 5 keeps Books and logs the rest; row 8 matches nothing
    assert list(zip(rejected["source_row"], rejected["raw_value"], strict=True)) == [
        (5, "my cat, mostly"), (8, "reddit"),
    ]  # fmt: skip
    assert _ticked(survey, "social") == [3, 4, 9, 11]  # nothing split wrong


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"aliases": {"Mann": ["M"]}}, "'Mann' is not a label"),
        ({"aliases": {"Man": ["woman "]}}, "'woman ' would mean both 'Woman' and 'Man'"),
        ({"other": "yes"}, "other"),
    ],
)
def test_codebook_errors_name_the_entry(change, message):
    doc = yaml.safe_load(yaml.safe_dump(CODEBOOK))
    doc["items"][2].update(change)
    with pytest.raises(CodebookError, match="items\\[2\\] \\(gender\\)") as err:
        parse_codebook(doc, path="cb.yaml")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_other_on_a_scale_or_numeric_item_is_refused():
    doc = yaml.safe_load(yaml.safe_dump(CODEBOOK))
    doc["items"][0]["other"] = True
    with pytest.raises(CodebookError, match="only single and multi items take `other`"):
        parse_codebook(doc, path="cb.yaml")


# --- the parser as a property ---------------------------------------------------------

_WORDS = st.text(alphabet="abcdefgh XY-'", min_size=1, max_size=8).filter(lambda w: w.strip())


@st.composite
def _options(draw):
    """Options of one to four words each (some holding ", "), no word in two options."""
    words = draw(
        st.lists(
            _WORDS, min_size=1, max_size=20, unique_by=lambda w: " ".join(w.casefold().split())
        )
    )
    options, i = [], 0
    while i < len(words):
        n = draw(st.integers(1, 4))
        options.append(", ".join(w.strip() for w in words[i : i + n]))
        i += n
    return options


@given(data=st.data())
def test_joining_any_subset_and_parsing_gives_it_back(data):
    options = data.draw(_options())
    subset = data.draw(st.lists(st.sampled_from(range(len(options))), unique=True))
    cell = ", ".join(options[i] for i in sorted(subset))
    found, rest = match_options(cell, option_keys(options, ", "), ", ")
    assert found == sorted(subset)
    assert rest == []


def test_an_option_inside_a_longer_one_is_matched_as_the_longer():
    keys = option_keys(["Slack", "Blogs, Slack", "Books"], ", ")
    assert match_options("Slack, Blogs, Slack", keys, ", ") == ([0, 1], [])
    assert match_options("Blogs, Slack, Books", keys, ", ") == ([1, 2], [])
    assert match_options("Blogs, Books", keys, ", ") == ([2], ["Blogs"])
    assert np.array_equal(match_options("  ", keys, ", ")[0], [])


def test_attention_check_excludes_and_is_in_the_flow(survey):
    excluded = survey.log.excluded
    assert excluded["source_row"].tolist() == [12, 13]
    assert set(excluded["rule"]) == {"attention"}
    assert excluded["reason"].iloc[0] == "attention check robot_check not passed"
    flow = survey.log.flow.set_index("rule")
    assert flow.loc["raw", "remaining"] == 12
    assert flow.loc["attention", "excluded"] == 2
    assert flow.loc["attention", "remaining"] == 10
    assert "robot_check" not in survey.data  # a text item never enters the table
    assert survey.data["flag_inattentive"].sum() == 0


def test_attention_check_flags_only_with_exclude_false(tmp_path):
    doc = yaml.safe_load(yaml.safe_dump(CODEBOOK))
    doc["cleaning"]["attention"]["exclude"] = False
    (tmp_path / "codebook.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    with open(tmp_path / "export.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADER, *_rows()])
    survey = load_survey(tmp_path / "export.csv", codebook=tmp_path / "codebook.yaml")
    assert len(survey) == 12
    flagged = survey.data.loc[survey.data["flag_inattentive"], "source_row"].tolist()
    assert flagged == [12, 13]
    details = survey.log.details
    hit = details[(details["rule"] == "attention") & (details["action"] == "flagged")]
    assert hit["source_row"].tolist() == [12, 13]
    assert survey.log.flow.set_index("rule").loc["attention", "excluded"] == 0


def test_no_attention_check_no_flow_row(tmp_path):
    doc = yaml.safe_load(yaml.safe_dump(CODEBOOK))
    del doc["cleaning"]
    (tmp_path / "codebook.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    with open(tmp_path / "export.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADER, *_rows()])
    survey = load_survey(tmp_path / "export.csv", codebook=tmp_path / "codebook.yaml")
    assert len(survey) == 12
    assert survey.log.flow["rule"].tolist() == [
        "raw", "empty", "test_submissions", "outside_fieldwork", "duplicates", "speeders",
        "straightliners",
    ]  # fmt: skip
    assert "flag_inattentive" not in survey.data


def test_attention_check_naming_an_unknown_item_is_refused():
    doc = yaml.safe_load(yaml.safe_dump(CODEBOOK))
    doc["cleaning"]["attention"]["item"] = "robot"
    with pytest.raises(CodebookError, match=r"cleaning\.attention\.item: unknown item 'robot'"):
        parse_codebook(doc, path="cb.yaml")


def test_years_and_ids_are_shown_without_thousands_separators():
    import pandas as pd

    from cmmc_analysis.display.tables import format_table

    doc = yaml.safe_load(yaml.safe_dump(CODEBOOK))
    doc["items"] += [
        {"id": "since", "type": "numeric", "format": "year", "text": "Using R since"},
        {"id": "lines", "type": "numeric", "text": "Lines of code"},
    ]
    cb = parse_codebook(doc)
    table = pd.DataFrame(
        {
            "item": ["since", "lines"],
            "n": [1838, 1838],
            "mean": [2013.7, 2013.7],
            "max": [2020, 2020],
        }
    )
    shown = format_table(table, lang="en", codebook=cb).data
    assert shown.iloc[:, 1:].values.tolist() == [
        ["1,838", "2013.70", "2020"],  # a year: no separator; its count keeps one
        ["1,838", "2,013.70", "2,020"],
    ]
    with pytest.raises(CodebookError, match="expected year or id"):
        doc["items"][-1]["format"] = "thousands"
        parse_codebook(doc, path="cb.yaml")


def test_other_texts_go_to_a_scrubbed_free_text_table(tmp_path):
    from cmmc_analysis.clean.output import other_text_table
    from cmmc_analysis.io.reader import read_export

    rows = _rows()
    rows[6][1] = "reddit, mail me at ann@example.org"  # row 8's "Other" text
    (tmp_path / "codebook.yaml").write_text(yaml.safe_dump(CODEBOOK), encoding="utf-8")
    with open(tmp_path / "export.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADER, *rows])
    cb = parse_codebook(CODEBOOK)
    raw = read_export(tmp_path / "export.csv", codebook=cb)
    table = other_text_table(raw, cb, "sources")
    # rows 5 and 8, sorted, the email scrubbed, the chosen options left out
    assert table["text"].tolist() == ["my cat, mostly", "reddit, mail me at [email]"]
    position = other_text_table(raw, cb, "position", source_rows=[9, 10, 11])
    assert position["text"].tolist() == ["Retired, mostly"]


def test_a_linear_scale_with_end_labels_is_read_and_labelled(survey):
    from cmmc_analysis.describe.likert import likert_summary

    enjoy = survey.data.set_index("source_row")["enjoy"]
    assert enjoy.cat.categories.tolist() == [
        "1 = not at all", "2", "3", "4", "5", "6", "7", "8", "9", "10 = a great deal"
    ]  # fmt: skip
    # hand count over rows 2..11: 10 at rows 2, 4, 10; 9 at 3, 9; 8 at 8; 7 at 6; 1 at 5
    counts = enjoy.value_counts()
    assert counts["10 = a great deal"] == 3 and counts["9"] == 2 and counts["1 = not at all"] == 1
    assert counts["8"] == 1 and counts["7"] == 1 and counts.sum() == 8
    missing = survey.missing.set_index(survey.data["source_row"])["enjoy"]
    assert missing.loc[[7, 11]].tolist() == ["not_an_answer", "blank"]
    details = survey.log.details
    logged = details.loc[details["column"] == "enjoy"]  # "1".."10" are read silently
    assert list(zip(logged["source_row"], logged["action"], strict=True)) == [(7, "not_an_answer")]
    row = likert_summary(survey, ["enjoy"]).iloc[0]
    assert row["n"] == 8
    assert row["top2"] == pytest.approx(5 / 8)  # 9 and 10: rows 2, 3, 4, 9, 10
    assert row["bottom2"] == pytest.approx(1 / 8)  # 1 and 2: row 5


def test_a_change_scale_has_the_top2_the_codebook_gives(survey):
    from cmmc_analysis.describe.likert import likert_summary

    row = likert_summary(survey, ["shiny"]).iloc[0]
    # answered: rows 2..11 minus row 6 (not an answer) and row 10 (blank) = 8
    # Increase: rows 2, 4, 7, 9 = 4; Decrease: rows 5, 11 = 2; Stay the same: 3, 8 = 2
    assert row["n"] == 8
    assert row["top2"] == pytest.approx(4 / 8)  # top2: [3] = Increase only
    assert row["bottom2"] == pytest.approx(2 / 8)
    assert row["net"] == pytest.approx(2 / 8)
    assert row["n_not_an_answer"] == 1


def test_numbered_scale_errors():
    doc = yaml.safe_load(yaml.safe_dump(CODEBOOK))
    doc["scales"]["enjoy10"]["labels"] = {11: "too far"}
    with pytest.raises(CodebookError, match="no point 11 on a scale of 10 points"):
        parse_codebook(doc, path="cb.yaml")
    doc = yaml.safe_load(yaml.safe_dump(CODEBOOK))
    doc["scales"]["change3"]["top2"] = [3, 4]
    with pytest.raises(CodebookError, match=r"scales\.change3\.top2: expected codes from 1 to 3"):
        parse_codebook(doc, path="cb.yaml")


def test_attention_check_in_the_interim_flow(tmp_path):
    doc = yaml.safe_load(yaml.safe_dump(CODEBOOK))
    doc["fieldwork"] = {"cutoffs": {"interim": "2024-03-25T13:15:30"}}
    (tmp_path / "codebook.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    with open(tmp_path / "export.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADER, *_rows()])
    survey = load_survey(tmp_path / "export.csv", codebook=tmp_path / "codebook.yaml")
    flow = survey.log.flow.set_index("rule")
    # interim: rows 2..12 (submitted by 01:15 PM); row 12 fails, row 13 (01:16 PM) is final only
    assert flow.loc["raw", "remaining_interim"] == 11
    assert flow.loc["attention", "excluded_interim"] == 1
    assert flow.loc["attention", "remaining_interim"] == 10
    assert flow.loc["attention", "excluded"] == 2
