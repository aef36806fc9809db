"""Question by question: answer counts, who answered, responses per day, their display.

The oracle is plain pandas on the raw export (``value_counts`` of the column as the
form tool wrote it), never the library's own counting. The survey of this module is
written here (``team_survey``): a small bilingual survey that differs from the bundled
one in every respect (an ordered profile question with a small cell, a unipolar
frequency scale, a filtered question, a multiple choice, a 0-100 number, free text).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cmmc_analysis import describe, load_survey, privacy
from cmmc_analysis.codebook import load_codebook, parse_codebook
from cmmc_analysis.display import plots, questions, tables
from cmmc_analysis.report.build import find_notebooks
from tests.test_any_survey import visible_text

FIXTURES = Path(__file__).parent / "fixtures"

CODEBOOK = """\
survey:
  id: team_habits
  title: {it: "Abitudini dei gruppi", en: "Team habits"}
  source_language: it
  languages: [it, en]
fieldwork:
  start: "2023-05-01T00:00:00"
  end: "2023-05-20T23:59:59"
  cutoffs: {interim: "2023-05-08T12:00:00"}
scales:
  freq5:
    polarity: unipolar
    points:
      - {it: Mai, en: Never}
      - {it: Raramente, en: Rarely}
      - {it: A volte, en: Sometimes}
      - {it: Spesso, en: Often}
      - {it: Sempre, en: Always}
    not_an_answer: [{it: Non so, en: "Don't know"}]
items:
  - {id: sent, type: datetime, role: submitted_at, text: {it: Inviato, en: Sent}}
  - id: team
    type: single
    segment: true
    ordered: true
    text: {it: "Quante persone nel suo gruppo?", en: "How many people in your team?"}
    options: [{it: "1-9", en: "1-9"}, {it: "10-49", en: "10-49"}, {it: "50+", en: "50+"}]
  - {id: meet, type: scale, scale: freq5, text: {it: "Vi riunite di persona?", en: "Do you meet in person?"}}
  - id: hybrid
    type: single
    required: false
    text: {it: "Lavorate in modo ibrido?", en: "Do you work hybrid?"}
    options: [{it: Sì, en: "Yes"}, {it: "No", en: "No"}]
    asked_if: {item: team, in: ["10-49", "50+"]}
  - id: tools
    type: multi
    separator: ", "
    required: false
    text: {it: "Quali strumenti usate?", en: "Which tools do you use?"}
    options:
      - {code: chat, it: Chat, en: Chat}
      - {code: video, it: Video, en: Video}
      - {code: wiki, it: Wiki, en: Wiki}
  - {id: remote, type: numeric, min: 0, max: 100, required: false, text: {it: "Quota di lavoro da remoto (%)", en: "Share of remote work (%)"}}
  - {id: comment, type: text, required: false, text: {it: Commenti, en: Comments}}
"""

N = 40


def parse_codebook_file(text: str):
    import yaml

    return parse_codebook(yaml.safe_load(text))


def _rows() -> pd.DataFrame:
    """The raw export, as the form tool writes it (headers are the item texts)."""
    i = np.arange(N)
    team = np.where(i < 2, "1-9", np.where(i < 22, "10-49", "50+"))
    freq = ["Mai", "Raramente", "A volte", "Spesso", "Sempre", "Non so", ""]
    meet = [freq[(3 * k) % 7] for k in i]
    hybrid = [
        ("" if t == "1-9" else ("Sì" if k % 3 else "No")) for t, k in zip(team, i, strict=True)
    ]
    hybrid[5] = ""  # asked and skipped
    tools = [
        ", ".join(
            o
            for o, on in zip(
                ("Chat", "Video", "Wiki"), (k % 2, k % 3 == 0, k % 5 == 0), strict=True
            )
            if on
        )
        for k in i
    ]
    remote = ["" if k % 8 == 7 else str((k * 7) % 101) for k in i]
    sent = pd.Timestamp("2023-05-02 08:00") + pd.to_timedelta(i * 10, unit="h")
    return pd.DataFrame(
        {
            "Inviato": sent.strftime("%Y-%m-%d %H:%M:%S"),
            "Quante persone nel suo gruppo?": team,
            "Vi riunite di persona?": meet,
            "Lavorate in modo ibrido?": hybrid,
            "Quali strumenti usate?": tools,
            "Quota di lavoro da remoto (%)": remote,
            "Commenti": ["ottimo"] * N,
        }
    )


@pytest.fixture(scope="module")
def team_survey(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("team_survey")
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    raw = _rows()
    raw.to_csv(folder / "export.csv", index=False)
    survey = load_survey(folder / "export.csv", codebook=folder / "codebook.yaml")
    assert len(survey) == N  # no row lost to cleaning: the oracle below is the raw file
    return survey, raw


def _oracle(raw: pd.DataFrame, header: str, labels: list[str]) -> list[int]:
    counts = raw[header].replace("", np.nan).value_counts()
    return [int(counts.get(label, 0)) for label in labels]


def test_scale_counts_match_pandas_in_scale_order_with_dont_know_apart(team_survey) -> None:
    survey, raw = team_survey
    table = describe.answer_counts(survey, "meet")
    points = ["Mai", "Raramente", "A volte", "Spesso", "Sempre"]
    assert table["option"].tolist() == [*points, "Non so"]
    expected = _oracle(raw, "Vi riunite di persona?", [*points, "Non so"])
    assert table["count"].tolist() == expected
    valid = sum(expected[:5])
    assert table["n"].tolist() == [valid] * 5 + [valid + expected[5]]
    assert table["share"].iloc[:5].tolist() == pytest.approx([c / valid for c in expected[:5]])
    assert table["is_not_an_answer"].tolist() == [False] * 5 + [True]


def test_single_choice_in_codebook_order_and_status_adds_up(team_survey) -> None:
    survey, raw = team_survey
    table = describe.answer_counts(survey, "hybrid")
    assert table["option"].tolist() == ["Sì", "No"]  # questionnaire order, not by count
    assert table["count"].tolist() == _oracle(raw, "Lavorate in modo ibrido?", ["Sì", "No"])
    status = describe.answer_status(survey, ["hybrid", "meet", "tools", "remote"]).set_index("item")
    # hybrid: the 2 small teams were not asked; one asked respondent skipped it
    assert status.loc["hybrid", "n_not_asked"] == 2
    assert status.loc["hybrid", "n_skipped"] == 1
    assert status.loc["hybrid", "n_answered"] == N - 3
    blank_meet = int((raw["Vi riunite di persona?"] == "").sum())
    dont_know = int((raw["Vi riunite di persona?"] == "Non so").sum())
    assert status.loc["meet", ["n_skipped", "n_not_an_answer"]].tolist() == [blank_meet, dont_know]
    assert status.loc["remote", "n_skipped"] == int(
        (raw["Quota di lavoro da remoto (%)"] == "").sum()
    )
    parts = ["n_answered", "n_not_an_answer", "n_skipped", "n_not_asked", "n_invalid"]
    assert (status[parts].sum(axis=1) == N).all()


def test_multiple_choice_shares_are_of_those_who_answered(team_survey) -> None:
    survey, raw = team_survey
    table = describe.answer_counts(survey, "tools")
    ticked = raw["Quali strumenti usate?"].str.split(", ")
    answered = int((raw["Quali strumenti usate?"] != "").sum())
    for option in ("Chat", "Video", "Wiki"):
        row = table.set_index("option").loc[option]
        assert row["count"] == int(ticked.map(lambda x, o=option: o in x).sum())
        assert row["n"] == answered
    assert table["option"].tolist() == ["Chat", "Video", "Wiki"]


def test_numeric_bins_count_every_value_once(team_survey) -> None:
    survey, raw = team_survey
    table = describe.answer_counts(survey, "remote")
    values = pd.to_numeric(raw["Quota di lavoro da remoto (%)"].replace("", np.nan)).dropna()
    # codebook range 0-100 -> ten bins of 10; the last includes 100 (numpy.histogram)
    assert table["bin_low"].tolist() == list(np.arange(0.0, 100.0, 10.0))
    expected = np.histogram(values, bins=np.arange(0, 101, 10))[0].tolist()
    assert table["count"].tolist() == expected
    assert table["count"].sum() == len(values) == table["n"].iloc[0]


def test_the_earlier_cut_is_counted_beside(team_survey) -> None:
    survey, raw = team_survey
    interim = survey.cut("interim")
    table = describe.answer_counts(survey, "team", earlier=interim)
    early = raw.loc[pd.to_datetime(raw["Inviato"]) < pd.Timestamp("2023-05-08 12:00")]
    expected = _oracle(early, "Quante persone nel suo gruppo?", ["1-9", "10-49", "50+"])
    assert table["count_earlier"].tolist() == expected
    assert table["share_earlier"].tolist() == pytest.approx([c / len(early) for c in expected])


def test_profile_small_cells_are_blanked_with_their_complement(team_survey) -> None:
    survey, _ = team_survey
    table = privacy.suppress_small_cells(
        describe.answer_counts(survey, "team"), by=["item", "is_not_an_answer"]
    )
    # "1-9" has 2 answers (below 5) and "50+" (18) is the smallest other count: both blank
    assert table["count"].isna().tolist() == [True, False, True]
    assert table["share"].isna().tolist() == [True, False, True]
    fig = plots.option_bars([("Team", tables.with_labels(table, survey.codebook, "en"))], lang="en")
    ax = fig.axes[0]
    assert len(ax.patches) == 1  # no bar where the table is blank
    assert [x.get_text() for x in ax.texts] == ["–", "50% (20)", "–"]
    assert [x.get_text() for x in ax.get_yticklabels()] == ["1-9", "10-49", "50+"]


def test_responses_per_day_match_pandas_and_a_survey_without_time_has_none(team_survey) -> None:
    survey, raw = team_survey
    days = describe.responses_per_day(survey)
    sent = pd.to_datetime(raw["Inviato"]).dt.normalize()
    expected = sent.value_counts().sort_index()
    assert days.set_index("date")["count"][expected.index].tolist() == expected.tolist()
    assert days["count"].sum() == N and days["cumulative"].iloc[-1] == N
    assert len(days) == (sent.max() - sent.min()).days + 1  # empty days are kept
    cb = parse_codebook(
        {
            "survey": {"id": "x", "source_language": "en", "languages": ["en"]},
            "items": [{"id": "q", "type": "single", "text": "Q", "options": ["a", "b"]}],
        }
    )
    from dataclasses import replace

    bare = replace(survey, codebook=cb, data=survey.data[["team"]].rename(columns={"team": "q"}))
    assert describe.responses_per_day(bare).empty


def test_unipolar_chart_has_no_bar_left_of_zero(team_survey) -> None:
    survey, _ = team_survey
    dist = tables.with_labels(describe.distribution(survey, ["meet"]), survey.codebook, "it")
    fig = plots.diverging_bars(dist, lang="it", title="Riunioni", polarity="unipolar")
    lefts = [p.get_x() for p in fig.axes[0].patches]
    assert lefts and min(lefts) >= 0
    assert fig.axes[0].get_xlim()[0] == 0


def test_answers_table_and_status_line_speak_the_page_language(team_survey) -> None:
    survey, _ = team_survey
    counts = tables.with_labels(describe.answer_counts(survey, "meet"), survey.codebook, "en")
    shown = questions.answers_table(counts, lang="en").data
    assert list(shown.columns) == ["Answer", "Count", "Share"]
    assert shown["Answer"].tolist() == [
        "Never",
        "Rarely",
        "Sometimes",
        "Often",
        "Always",
        "Don't know",
    ]
    status = describe.answer_status(survey, ["hybrid"]).iloc[0]
    assert questions.status_text(status, lang="it") == (
        "Hanno risposto: 37 su 40 · saltata: 1 · domanda non posta (per le risposte precedenti): 2"
    )
    remote = describe.answer_counts(survey, "remote", bins=4)
    assert questions.answers_table(remote, lang="it").data.iloc[:, 0].tolist() == [
        "0–24",  # whole numbers: the values each bin holds, no shared boundary
        "25–49",
        "50–74",
        "75–100",
    ]


@pytest.mark.parametrize("tool", ["surveymonkey", "qualtrics", "google_forms", "limesurvey"])
def test_every_question_of_a_form_tool_survey_adds_up(tool: str) -> None:
    folder = FIXTURES / tool
    cb = load_codebook(folder / "codebook.yaml")
    survey = load_survey(folder / "export.csv", codebook=cb)
    status = describe.answer_status(survey).set_index("item")
    assert list(status.index) == describe.question_items(cb)
    assert not any(cb.items[i].type in ("text", "datetime") for i in status.index)
    for item in status.index:
        table = describe.answer_counts(survey, item)
        valid = table.loc[~table["is_not_an_answer"]]
        n_answered = status.loc[item, "n_answered"]
        if cb.items[item].type == "multi":
            assert (valid["n"] == n_answered).all(), item
        else:
            assert valid["count"].sum() == n_answered, item
        if cb.items[item].type in ("single", "scale"):
            column = survey.data[item]
            assert valid["count"].tolist() == [
                int((column == label).sum()) for label in valid["option"]
            ], item


def test_every_question_at_the_interim_and_the_close(team_survey) -> None:
    survey, raw = team_survey
    table = describe.cut_summary(survey, survey.cut("interim")).set_index("item")
    assert list(table.index) == ["meet", "hybrid", "tools", "remote"]  # not the profile one
    early = raw.loc[pd.to_datetime(raw["Inviato"]) < pd.Timestamp("2023-05-08 12:00")]
    for frame, suffix in ((raw, ""), (early, "_earlier")):
        meet = frame["Vi riunite di persona?"]
        valid = meet.isin(["Mai", "Raramente", "A volte", "Spesso", "Sempre"])
        top2 = meet.isin(["Spesso", "Sempre"]).sum() / valid.sum()
        assert table.loc["meet", f"estimate{suffix}"] == pytest.approx(top2)
        assert table.loc["meet", f"n{suffix}"] == valid.sum()
        remote = pd.to_numeric(frame["Quota di lavoro da remoto (%)"].replace("", np.nan))
        assert table.loc["remote", f"estimate{suffix}"] == remote.median()
    hybrid = raw["Lavorate in modo ibrido?"].replace("", np.nan).dropna()
    assert table.loc["hybrid", "option"] == hybrid.value_counts().idxmax() == "Sì"
    assert table.loc["hybrid", "estimate"] == pytest.approx((hybrid == "Sì").mean())
    shown = questions.interim_final_table(table.reset_index(), codebook=survey.codebook, lang="en")
    assert shown.iloc[0, 1] == "Often or Always" and shown.iloc[3, 1] == "median"


# --- the pages, built on the survey of this module -------------------------------------


@pytest.fixture(scope="module")
def team_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("team_files")
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    _rows().to_csv(folder / "export.csv", index=False)
    notebooks = folder / "notebooks"
    notebooks.mkdir()
    for nb in find_notebooks():
        if nb.stem in ("01_data_and_cleaning", "05_questions"):
            shutil.copy(nb, notebooks / nb.name)
    return folder


@pytest.fixture(scope="module", params=["it", "en"])
def team_report(request, team_files: Path, report_once) -> tuple[str, Path]:
    lang = request.param
    out = report_once(
        f"report_team_{lang}",
        data=team_files / "export.csv",
        codebook=team_files / "codebook.yaml",
        notebooks_dir=team_files / "notebooks",
        lang=lang,
        code=False,
    )
    return lang, out


def test_the_question_page_shows_every_question_and_the_profile_blanks_alike(team_report) -> None:
    lang, out = team_report
    cb = parse_codebook_file(CODEBOOK)
    page = visible_text((out / "05_questions.html").read_text(encoding="utf-8"))
    title = {"it": "Domanda per domanda", "en": "Question by question"}[lang]
    assert page.startswith(title) or f" {title} " in page
    for item in describe.question_items(cb):
        assert cb.text(item, lang) in page, item
    assert cb.text("comment", lang) not in page and "ottimo" not in page  # free text: never
    # the team question: "1-9" (2 answers) and "50+" (its complement) blank on both pages
    sample = visible_text((out / "01_data_and_cleaning.html").read_text(encoding="utf-8"))
    row = {"it": "10-49 20 50,0 %", "en": "10-49 20 50.0%"}[lang]
    blank = {"it": "1-9 – –", "en": "1-9 – –"}[lang]
    for text in (page, sample):
        assert row in text and blank in text and "50+ – –" in text
    timeline = {"it": "Quando sono arrivati i questionari", "en": "When the questionnaires arrived"}
    assert timeline[lang] in sample
    # the filtered question says who was not asked; the interim's share is beside
    status = {"it": "Hanno risposto: 37 su 40", "en": "Answered: 37 of 40"}[lang]
    assert status in page
    assert {"it": "Quota all'8 maggio 2023", "en": "Share on 8 May 2023"}[lang] in page


def test_the_pages_read_as_a_member_on_screen_paper_and_phone(team_report) -> None:
    from cmmc_analysis.report.browser import BrowserUnavailable, check_page, open_browser
    from cmmc_analysis.report.reading import code_words, read_page

    lang, out = team_report
    words = code_words(parse_codebook_file(CODEBOOK))
    try:
        with open_browser() as browser:
            for name in ("01_data_and_cleaning.html", "05_questions.html"):
                report = read_page(out / name, lang=lang, browser=browser, words=words)
                assert report.tables > 0 and report.problems() == [], report.problems()
                assert check_page(out / name, browser=browser, pdf=True).problems() == []
    except BrowserUnavailable as err:
        pytest.skip(f"browser checks need Chromium: {err}")


def test_a_0_to_10_rating_gets_one_row_per_value() -> None:
    """An NPS-style item (whole numbers 0-10, tests/fixtures/qualtrics): eleven rows
    "0" ... "10", each the count of that value (oracle: pandas value_counts), never a
    bin such as "9–10" that merges two answers or "1–2" whose boundary is ambiguous."""
    folder = FIXTURES / "qualtrics"
    survey = load_survey(folder / "export.csv", codebook=load_codebook(folder / "codebook.yaml"))
    table = describe.answer_counts(survey, "recommend")
    assert table["option"].tolist() == [str(v) for v in range(11)]
    values = survey.data["recommend"].dropna().astype(int)
    expected = values.value_counts().reindex(range(11), fill_value=0).tolist()
    assert table["count"].tolist() == expected
    shown = questions.numeric_labels(table, lang="it")["label"].tolist()
    assert shown == [str(v) for v in range(11)]
