"""Drafting a codebook from an export: scales, grids, types, personal data, the CLI."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmmc_analysis.cli import main
from cmmc_analysis.codebook import load_codebook, parse_codebook
from cmmc_analysis.draft import draft_from_export, write_yaml
from cmmc_analysis.draft.scales import recognise_scale
from cmmc_analysis.io.reader import normalise_text
from cmmc_analysis.paths import DEFAULT_CODEBOOK, DEFAULT_EXPORT

SECOND = Path(__file__).parent / "fixtures" / "second_survey"


def _drafted(path: Path, tmp_path: Path, **kw):
    """The draft of ``path`` as written, loaded back with the public loader."""
    out = tmp_path / f"{path.stem}.draft.yaml"
    out.write_text(write_yaml(draft_from_export(path, **kw)), encoding="utf-8")
    return load_codebook(out), out


def _key(header: str) -> str:
    """A header as the reader matches it (case, accents, spaces, final punctuation)."""
    return normalise_text(header).rstrip(" ?:.!")


def _by_header(cb) -> dict[str, str]:
    return {_key(cb.header(i)): i for i in cb.items}


def _points(cb, item_id: str) -> list[str]:
    return [normalise_text(x) for x in cb.labels(item_id)]


def _nas(cb, item_id: str) -> set[str]:
    return {normalise_text(x) for x in cb.scale_of(item_id).na_labels()}


# --- the bundled export -------------------------------------------------------------------


def test_the_draft_of_the_bundled_export_recognises_every_scale_and_grid(tmp_path: Path) -> None:
    hand = load_codebook(DEFAULT_CODEBOOK)
    draft, _ = _drafted(DEFAULT_EXPORT, tmp_path)
    found = _by_header(draft)
    for item_id in hand.scale_items:
        drafted = found[_key(hand.header(item_id))]
        assert draft.items[drafted].type == "scale", item_id
        assert _points(draft, drafted) == _points(hand, item_id), item_id
        assert _nas(draft, drafted) == _nas(hand, item_id), item_id
    for grid_id, grid in hand.grids.items():
        rows = {found[_key(hand.header(i))] for i in grid.items}
        grids = {draft.items[i].grid for i in rows}
        assert len(grids) == 1 and None not in grids, grid_id
        (drafted_grid,) = grids
        assert set(draft.grids[drafted_grid].items) == rows
        assert normalise_text(draft.grids[drafted_grid].text.text("it")) == normalise_text(
            grid.text.text("it")
        )
    # three scales in the hand-written codebook, three in the draft
    assert len(draft.scales) == len(hand.scales) == 3


def test_the_draft_of_the_bundled_export_types_every_column_as_the_hand_written_codebook(
    tmp_path: Path,
) -> None:
    hand = load_codebook(DEFAULT_CODEBOOK)
    draft, _ = _drafted(DEFAULT_EXPORT, tmp_path)
    found = _by_header(draft)
    assert len(draft.items) == len(hand.items) == 35
    for item_id, item in hand.items.items():
        got = draft.items[found[_key(hand.header(item_id))]]
        assert got.type == item.type, item_id
        assert got.pii == item.pii, item_id
        assert got.role == item.role, item_id
        assert got.segment == item.segment, item_id
        if item.type in ("single", "multi"):
            assert {normalise_text(o) for o in got.option_labels()} == {
                normalise_text(o) for o in item.option_labels()
            }, item_id
        if item.type == "numeric":
            assert (got.min, got.max, got.unit) == (item.min, item.max, item.unit), item_id
        if item.asked_if is not None:
            assert got.asked_if["item"] == found[_key(hand.header(item.asked_if["item"]))]
            assert set(got.asked_if["in"]) == set(item.asked_if["in"])
        assert got.ordered == item.ordered, item_id
    assert draft.item("email").role == "respondent_key"


def test_the_draft_of_the_bundled_export_validates_and_cleans(tmp_path: Path, capsys) -> None:
    _, path = _drafted(DEFAULT_EXPORT, tmp_path)
    assert main(["validate", str(DEFAULT_EXPORT), "--codebook", str(path)]) == 0
    out = capsys.readouterr().out
    # the same rows as with the hand-written codebook, less the two speeders' and
    # straightliners' differences: empty 2, test 3, duplicates 2 are found alike
    assert "rows: 250 raw" in out
    assert "    1             empty         2" in out
    assert "    2  test_submissions         3" in out


# --- the second survey (English, 7 points, a grid, percent, multiple choice) ---------------


def test_the_draft_of_the_second_survey_reproduces_its_hand_written_codebook(
    tmp_path: Path,
) -> None:
    """Items, scales and types as in ``tests/fixtures/second_survey/codebook.yaml``.

    Differences, and why the draft cannot know better:

    - ids come from the headers (``agree_workload_manageable`` for ``workload``);
    - ``Department code`` (a column the hand-written codebook leaves out) is drafted
      as free text kept out of reports (six codes in eleven answers);
    - the multiple choice ``perks`` has a fourth option ``Pony`` (a planted invalid
      answer, chosen once: flagged with a ``# check:``);
    - the fieldwork starts with the earliest submission (a planted one of 20 April,
      flagged), the interim cut-off is the median submission;
    - the choice options are in order of frequency.
    """
    hand = load_codebook(SECOND / "codebook.yaml")
    draft, _ = _drafted(SECOND / "export.csv", tmp_path)
    found = _by_header(draft)
    assert draft.source_language == "en"
    for item_id, item in hand.items.items():
        got = draft.items[found[_key(hand.header(item_id))]]
        assert (got.type, got.pii, got.role, got.segment) == (
            item.type,
            item.pii,
            item.role,
            item.segment,
        ), item_id
        if item.type == "scale":
            assert _points(draft, got.id) == _points(hand, item_id)
            assert _nas(draft, got.id) == _nas(hand, item_id)
        if item.type == "numeric":
            assert (got.min, got.max, got.unit) == (item.min, item.max, item.unit), item_id
        if item.type == "multi":
            assert got.separator.strip() == item.separator.strip()
            assert {normalise_text(o) for o in got.option_labels()} == {
                normalise_text(o) for o in item.option_labels()
            } | {"pony"}
        if item.type == "single":
            assert {normalise_text(o) for o in got.option_labels()} == {
                normalise_text(o) for o in item.option_labels()
            }
        if item.grid is not None:
            assert got.grid is not None
    assert set(draft.items) - {found[_key(hand.header(i))] for i in hand.items} == {
        "department_code"
    }
    assert draft.item("department_code").pii


def test_the_draft_of_the_second_survey_validates(tmp_path: Path, capsys) -> None:
    _, path = _drafted(SECOND / "export.csv", tmp_path)
    assert main(["validate", str(SECOND / "export.csv"), "--codebook", str(path)]) == 0
    assert "rows: 11 raw" in capsys.readouterr().out


def test_every_unsure_guess_says_why(tmp_path: Path) -> None:
    text = write_yaml(draft_from_export(SECOND / "export.csv"))
    checks = [line.strip() for line in text.splitlines() if line.strip().startswith("# check:")]
    assert any("Pony" in c for c in checks)  # an option chosen once
    assert any("not in this format" in c for c in checks)  # 'yesterday', a day-first date
    assert any("real dates" in c for c in checks)
    assert f"# Lines to check: {len(checks)}." in text


# --- scales --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "name", "k"),
    [
        (["Mai", "Spesso", "Sempre", "Non so"], "frequency5", 5),
        (["Very satisfied", "Dissatisfied", "Satisfied"], "satisfaction5", 5),
        (["Molto importante", "Poco importante", "Abbastanza importante"], "importance5", 5),
        (["Likely", "Very unlikely", "Neither likely nor unlikely"], "likelihood5", 5),
        (["Aumentato", "Invariato", "Diminuito"], "change5", 5),
        (["Somewhat agree", "Agree", "Strongly disagree"], "agree7", 7),
        (
            ["Slightly satisfied", "Extremely dissatisfied", "Moderately satisfied"],
            "satisfaction7",
            7,
        ),
        (["1 - Per nulla", "3", "5 - Moltissimo", "2"], "scale5", 5),
    ],
)
def test_scales_are_recognised_from_their_labels(answers, name, k) -> None:
    m = recognise_scale(answers)
    assert (m.name, m.k) == (name, k)


def test_not_an_answer_labels_are_never_points() -> None:
    m = recognise_scale(["Agree", "Disagree", "N/A", "Don't know", "Strongly agree"])
    assert m.k == 5 and {p["en"] for p in m.na} == {"N/A", "Don't know"}
    assert "N/A" not in m.labels("en")


# --- personal data -----------------------------------------------------------------------

_HEADER = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    # a header the reader can see (one of only punctuation is ignored, with a warning)
    lambda h: normalise_text(h).rstrip(" ?:.!") not in ("", "q")
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=_HEADER,
    emails=st.lists(st.emails(), min_size=1, max_size=6),
    blanks=st.integers(0, 3),
    other=st.sampled_from([[], ["Agree"], ["Agree", "Disagree", "Strongly agree"], ["n/a"]]),
)
def test_an_email_column_is_never_anything_but_personal_data(
    tmp_path: Path, header: str, emails: list[str], blanks: int, other: list[str]
) -> None:
    values = emails + [""] * blanks + other
    path = tmp_path / "emails.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Q", header])
        for i, v in enumerate(values):
            writer.writerow([f"x{i % 2}", v])
    draft = draft_from_export(path, lang="en")
    item = draft.items[1]  # the second column: the one holding the emails
    assert item["type"] == "text"
    assert item["pii"] is True
    cb = parse_codebook(yaml.safe_load(write_yaml(draft)))
    assert item["id"] in cb.pii_fields


# --- the command line --------------------------------------------------------------------


def test_the_command_writes_stdout_or_a_new_file_never_over_one(tmp_path: Path, capsys) -> None:
    assert main(["codebook", "draft", str(SECOND / "export.csv")]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("# Draft codebook") and "lines to check" in err
    target = tmp_path / "cb.yaml"
    target.write_text("mine")
    assert main(["codebook", "draft", str(SECOND / "export.csv"), "--out", str(target)]) == 2
    assert target.read_text() == "mine"
    assert "the file exists" in capsys.readouterr().err
    assert (
        main(["codebook", "draft", str(SECOND / "export.csv"), "--out", str(target), "--force"])
        == 0
    )
    assert load_codebook(target).survey_id == "export"


def test_a_missing_export_is_one_line_exit_2(tmp_path: Path, capsys) -> None:
    assert main(["codebook", "draft", str(tmp_path / "nope.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope.csv" in err


# --- any export ----------------------------------------------------------------------------

_CELL = st.one_of(
    st.sampled_from(
        [
            "Agree",
            "Disagree",
            "Strongly agree",
            "Non so",
            "Sì",
            "No",
            "",
            "",
            "12",
            "3,5",
            "45 %",
            "2024-05-02 09:00:00",
            "02/05/2024 9.00.00",
            "a@b.example",
            "Rome; Milan",
            "Meno di 50",
            "50–249",
            "1 - Per nulla",
            "5 - Molto",
        ]
    ),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    headers=st.lists(
        _HEADER, min_size=2, max_size=5, unique_by=lambda h: normalise_text(h).rstrip(" ?:.!")
    ),
    rows=st.lists(st.lists(_CELL, min_size=5, max_size=5), min_size=1, max_size=8),
)
def test_any_export_gives_a_loadable_draft_or_one_clear_error(
    tmp_path: Path, headers: list[str], rows: list[list[str]]
) -> None:
    from cmmc_analysis.errors import SurveyDataError

    path = tmp_path / "any.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(r[: len(headers)] for r in rows)
    try:
        draft = draft_from_export(path)
    except SurveyDataError as err:
        assert "\n" not in str(err)  # one line, naming what and where
        return
    cb = parse_codebook(yaml.safe_load(write_yaml(draft)))  # escaped: every header survives
    texts = {_key(cb.header(i)) for i in cb.items}
    assert texts <= {_key(h) for h in headers}
    for body, col in zip(draft.items, range(len(headers)), strict=False):
        values = [r[col] for r in rows if col < len(r)]
        if any("@b.example" in v for v in values):
            assert cb.items[body["id"]].pii


def test_ratings_numbers_dates_and_ranges_from_a_google_forms_like_export(tmp_path: Path) -> None:
    path = tmp_path / "forms.csv"
    rows = [
        [
            "Informazioni cronologiche",
            "Quanto è soddisfatto? (da 1 a 5)",
            "Quanti figli ha?",
            "Età",
            "Fatturato (€)",
        ],
        ["02/05/2024 9.00.00", "4", "0", "18-24", "1200"],
        ["02/05/2024 10.30.00", "5", "2", "25-34", "900,5"],
        ["03/05/2024 11.00.00", "2", "1", "65 e oltre", "3000"],
        ["04/05/2024 08.15.00", "4", "3", "Meno di 18", "150"],
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    d = draft_from_export(path)
    items = {b["text"]["it"]: b for b in d.items}
    stamp = items["Informazioni cronologiche"]
    assert stamp["type"] == "datetime" and stamp["role"] == "submitted_at"
    assert "format: %d/%m/%Y %H.%M.%S" in d.notes["items.submitted_at"][0]
    # a rating the header announces: a numbered scale 1..5 (one point never chosen: checked)
    rating = items["Quanto è soddisfatto? (da 1 a 5)"]
    assert rating["type"] == "scale"
    assert [p["it"] for p in d.scales[rating["scale"]]["points"]] == ["1", "2", "3", "4", "5"]
    # a count is a number, not a scale
    assert items["Quanti figli ha?"]["type"] == "numeric"
    assert "items." + items["Quanti figli ha?"]["id"] not in d.checks
    age = items["Età"]
    assert age["type"] == "single" and age.get("ordered") and age["segment"]
    assert [o["it"] for o in age["options"]] == ["Meno di 18", "18-24", "25-34", "65 e oltre"]
    assert items["Fatturato (€)"]["unit"] == "€"


def test_a_microsoft_forms_like_export(tmp_path: Path) -> None:
    path = tmp_path / "msforms.csv"
    rows = [
        ["ID", "Start time", "Completion time", "Email", "Name", "Which tools do you use?"],
        ["1", "5/13/24 9:00:00", "5/13/24 9:04:10", "anonymous", "", "Teams;Mail;"],
        ["2", "5/13/24 9:10:00", "5/13/24 9:15:00", "anonymous", "", "Mail;"],
        ["3", "5/14/24 10:00:00", "5/14/24 10:02:00", "anonymous", "", "Teams;Zoom;"],
        ["4", "5/15/24 11:00:00", "5/15/24 11:09:00", "anonymous", "", "Zoom;Mail;"],
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    d = draft_from_export(path)
    items = {b["text"]["en"]: b for b in d.items}
    assert items["Start time"]["role"] == "started_at"
    assert items["Completion time"]["role"] == "submitted_at"
    # month first: the format is stated, so the cleaning reads it as meant
    assert items["Completion time"]["format"] == "%m/%d/%y %H:%M:%S"
    assert items["Email"]["pii"] and items["Name"]["pii"]
    tools = items["Which tools do you use?"]
    assert tools["type"] == "multi" and tools["separator"] == ";"
    assert sorted(o["en"] for o in tools["options"]) == ["Mail", "Teams", "Zoom"]


def test_a_header_naming_a_company_over_categories_is_not_personal_data(tmp_path: Path) -> None:
    path = tmp_path / "sector.csv"
    rows = [["Settore dell'azienda", "Tempo totale"]] + [
        [s, str(300 + i)]
        for i, s in enumerate(["Industria", "Servizi", "Industria", "Pubblico"] * 3)
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    d = draft_from_export(path, lang="it")
    sector, time = d.items
    assert sector["type"] == "single" and "pii" not in sector and sector["segment"]
    assert any("categories" in c for c in d.checks[f"items.{sector['id']}"])
    assert time["role"] == "duration"
