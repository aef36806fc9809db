"""Tests of the simulator: the bundled export, its planted mess, its calibration.

The calibration targets come from ../shared/QUESTIONNAIRE.md (the newsletter's S1-S9);
they are checked here with plain scipy on the clean draw (``truth``) restricted to the
rows that correct cleaning keeps, computed in each test from ``planted``.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests

from benchmarks.likert import likert_codebook_dict, simulate_likert
from cmmc_analysis.cli import main
from cmmc_analysis.codebook import load_codebook, parse_codebook
from cmmc_analysis.errors import SurveyDataError
from cmmc_analysis.paths import DEFAULT_EXPORT
from cmmc_analysis.synth import (
    ROW_KINDS,
    load_model,
    planted_path,
    simulate,
    write_export,
)

CB = load_codebook()
MODEL = load_model()
WHOLE_ROW = set(ROW_KINDS)
ADOPTED = ["Sì", "In corso di attivazione"]
EFFECTS = CB.grid_items("effects")
TECH = CB.grid_items("tech")


@pytest.fixture(scope="module")
def sim():
    return simulate(seed=2020, codebook=CB)


@pytest.fixture(scope="module")
def raw(sim):
    """The export with item ids as columns and source_row, as a reader would see it."""
    frame = sim.export.copy()
    frame.columns = list(CB.items)
    frame.insert(0, "source_row", sim.truth["source_row"].to_numpy())
    return frame.set_index("source_row")


def kept(sim, cut=None):
    """Truth rows that correct cleaning keeps (no whole-row kind), optionally interim."""
    excluded = sim.planted.loc[sim.planted["kind"].isin(WHOLE_ROW), "source_row"]
    out = sim.truth[~sim.truth["source_row"].isin(excluded)]
    if cut is not None:
        out = out[out["submitted_at"] < CB.cutoff(cut)]
    return out


def codes(frame, item):
    labels = CB.scale_of(item).labels()
    return frame[item].map({lab: i + 1 for i, lab in enumerate(labels)}).astype(float).dropna()


def normalise(text: str) -> str:
    """The agreed label comparison: NFC, strip, collapse spaces, casefold, ASCII ', no accents."""
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'").replace("\u2018", "'")
    text = " ".join(text.split()).casefold()
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


# --- the bundled file -----------------------------------------------------------------


def test_bundled_export_regenerates_byte_for_byte(tmp_path):
    out, planted = write_export(
        simulate(seed=2020, codebook=CB), tmp_path / "remote_working_2020.csv"
    )
    assert out.read_bytes() == DEFAULT_EXPORT.read_bytes()
    assert planted.read_bytes() == planted_path(DEFAULT_EXPORT).read_bytes()


def test_cli_simulate_writes_the_bundled_bytes(tmp_path, capsys):
    out = tmp_path / "x.csv"
    assert main(["simulate", "--seed", "2020", "--out", str(out)]) == 0
    assert out.read_bytes() == DEFAULT_EXPORT.read_bytes()
    assert "x.planted.csv (44 planted defects)" in capsys.readouterr().out


def test_export_reads_back_as_written(sim):
    text = DEFAULT_EXPORT.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == [CB.header(i) for i in CB.items]
    assert rows[1:] == sim.export.to_numpy().tolist()
    assert not text.startswith("\ufeff") and "\r" not in text
    # a quoted comment spans two lines: physical lines exceed records
    assert text.count("\n") > len(rows)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    sims = [simulate(seed=seed, codebook=CB) for seed in (3, 3, 4)]
    pd.testing.assert_frame_equal(sims[0].truth, sims[1].truth)
    pd.testing.assert_frame_equal(sims[0].planted, sims[1].planted)
    paths = [tmp_path / f"{k}.csv" for k in "abc"]
    for path, one in zip(paths, sims, strict=True):
        write_export(one, path)
    assert paths[0].read_bytes() == paths[1].read_bytes() != paths[2].read_bytes()
    assert not sims[0].export.equals(sims[2].export)


def test_timestamps_are_written_in_the_documented_format(raw):
    stamps = raw["submitted_at"]
    assert stamps.str.fullmatch(r"2020-03-\d\d \d\d:\d\d:\d\d").all()


# --- the planted list -------------------------------------------------------------------


def test_counts_of_each_kind_are_as_the_model_says(sim):
    mess = MODEL["mess"]
    expected = dict(mess["rows"])
    expected |= mess["labels"]
    expected |= {k: v for k, v in mess["numbers"].items() if k.startswith("number_")}
    expected |= {k: v for k, v in mess["text"].items() if k.startswith("comment_")}
    expected["skip_violation"] = mess["skip_violation"]
    assert sim.planted["kind"].value_counts().to_dict() == expected
    assert list(sim.planted.columns) == [
        "source_row",
        "column",
        "kind",
        "expected_rule",
        "expected_value",
    ]


def test_whole_row_kinds_never_overlap_and_value_mess_sits_on_kept_rows(sim):
    whole = sim.planted[sim.planted["kind"].isin(WHOLE_ROW)]
    assert whole["source_row"].is_unique
    assert (whole["column"] == "").all() and (whole["expected_value"] == "").all()
    values = sim.planted[~sim.planted["kind"].isin(WHOLE_ROW)]
    assert not values["source_row"].isin(whole["source_row"]).any()
    assert not values.duplicated(["source_row", "column"]).any()
    assert (whole["kind"].map(ROW_KINDS) == whole["expected_rule"]).all()


def test_label_mess_is_a_non_canonical_spelling_of_the_expected_label(sim, raw):
    labels = sim.planted[sim.planted["kind"].str.startswith("label_")]
    assert len(labels) == 16
    for row in labels.itertuples():
        cell = raw.at[row.source_row, row.column]
        assert cell != row.expected_value
        assert row.expected_value in CB.labels(row.column)
        assert normalise(cell) == normalise(row.expected_value)
        check = {
            "label_spaces": " ".join(cell.split()) == row.expected_value,
            "label_case": cell.casefold() == row.expected_value.casefold(),
            "label_apostrophe": "\u2019" in cell
            and cell.replace("\u2019", "'") == row.expected_value,
            "label_accent": cell.isascii() and not row.expected_value.isascii(),
        }
        assert check[row.kind], (row.kind, cell)


def test_number_mess_is_written_as_planted(sim, raw):
    numbers = sim.planted[sim.planted["expected_rule"] == "numbers"].set_index("kind")
    cell = {k: raw.at[r.source_row, r.column] for k, r in numbers.iterrows()}
    percent = numbers.loc[["number_percent"]]
    for r in percent.itertuples():
        assert raw.at[r.source_row, r.column].replace(" ", "") == f"{r.expected_value}%"
    frac = cell["number_fraction"]
    assert re.fullmatch(r"0,\d+", frac)
    assert float(frac.replace(",", ".")) * 100 == pytest.approx(
        float(numbers.at["number_fraction", "expected_value"])
    )
    assert cell["number_approx"] == "circa " + numbers.at["number_approx", "expected_value"]
    assert (cell["number_all"], numbers.at["number_all", "expected_value"]) == ("tutti", "100")
    assert (cell["number_not_an_answer"], numbers.at["number_not_an_answer", "expected_value"]) == (
        "n.d.",
        "",
    )
    assert float(cell["number_out_of_range"]) > 100
    for r in numbers.itertuples():  # every number mess sits where the question was asked
        assert raw.at[r.source_row, "remote_adopted"].strip().casefold() in (
            "sì",
            "si",
            "in corso di attivazione",
        )


def test_skip_violations_answer_a_question_that_was_not_asked(sim, raw):
    skips = sim.planted[sim.planted["kind"] == "skip_violation"]
    for r in skips.itertuples():
        assert r.column == "remote_share" and r.expected_rule == "skip_logic"
        assert raw.at[r.source_row, "remote_adopted"] == "No"
        assert float(raw.at[r.source_row, "remote_share"]) >= 0


def test_comment_mess_holds_contacts_or_markup(sim, raw):
    comments = sim.planted[sim.planted["column"] == "comments"]
    patterns = {
        "comment_email": r"[\w.]+@[\w.]+\.\w+",
        "comment_phone": r"\+39 3\d\d \d{3} \d{4}",
        "comment_markup": r"<(script|img)\b",
    }
    for r in comments.itertuples():
        assert re.search(patterns[r.kind], raw.at[r.source_row, "comments"]), r.kind
    assert {raw.at[r.source_row, "comments"] for r in comments.itertuples()} >= {
        "<script>alert(1)</script>"
    }


def test_whole_row_mess_triggers_its_rule(sim, raw):
    rows = sim.planted[sim.planted["kind"].isin(WHOLE_ROW)]
    meta = ["submitted_at", "duration_s"]
    answers = raw.drop(columns=meta)
    stamps = pd.to_datetime(raw["submitted_at"], format="%Y-%m-%d %H:%M:%S")
    marker = re.compile(r"\b(?:test|prova)\b", re.IGNORECASE)
    for r in rows.itertuples():
        if r.kind == "blank_row":
            assert (answers.loc[r.source_row] == "").all() and raw.at[
                r.source_row, "duration_s"
            ] == ""
        elif r.kind == "test_submission":
            assert any(marker.search(raw.at[r.source_row, f]) for f in ("email", "name", "company"))
        elif r.kind == "before_fieldwork":
            assert stamps[r.source_row] < CB.fieldwork_start
        elif r.kind == "duplicate":
            key = raw["email"].str.strip().str.casefold()
            later = key[(key == key[r.source_row]) & (stamps > stamps[r.source_row])]
            assert len(later) == 1 and later.index[0] not in rows["source_row"].to_numpy()
        elif r.kind == "straightliner":
            assert any(
                answers.loc[r.source_row, CB.grid_items(g)].nunique() == 1
                for g in ("effects", "tech")
            )
        elif r.kind == "speeder":
            still_in = ~raw.index.isin(
                rows.loc[
                    rows["kind"].isin(
                        ["blank_row", "test_submission", "before_fieldwork", "duplicate"]
                    ),
                    "source_row",
                ]
            )
            median = raw.loc[still_in, "duration_s"].astype(float).median()
            assert float(raw.at[r.source_row, "duration_s"]) < 0.3 * median


def test_honest_rows_never_trigger_an_exclusion_rule(sim, raw):
    honest = raw[
        ~raw.index.isin(sim.planted.loc[sim.planted["kind"].isin(WHOLE_ROW), "source_row"])
    ]
    questions = honest.drop(columns=["submitted_at", "duration_s"])
    assert (questions != "").any(axis=1).all()
    marker = re.compile(r"\b(?:test|prova)\b", re.IGNORECASE)
    for f in ("email", "name", "company"):
        assert not honest[f].str.contains(marker).any()
    stamps = pd.to_datetime(honest["submitted_at"], format="%Y-%m-%d %H:%M:%S")
    assert stamps.between(CB.fieldwork_start, CB.fieldwork_end).all()
    key = honest["email"].str.strip().str.casefold()
    assert not key[key != ""].duplicated().any()
    duration = honest["duration_s"].astype(float)
    assert duration.min() > 0.45 * duration.median()
    for grid in ("effects", "tech"):
        answered = questions[CB.grid_items(grid)].replace("", np.nan)
        assert (answered.nunique(axis=1) > 1).all()


def check_cells(s):
    """Non-planted scale/choice cells are canonical; every non-planted cell matches truth."""
    planted = s.planted[s.planted["column"] != ""]
    rows = s.truth["source_row"].to_numpy()
    for item in [*CB.items_of_type("scale", "single"), "channels_up", "remote_share"]:
        written = s.export[CB.header(item)].to_numpy()
        mine = set(planted.loc[planted["column"] == item, "source_row"])
        if item != "channels_up" and item != "remote_share":
            allowed = set(CB.labels(item)) | {"Non so", ""}
            odd = {r for r, v in zip(rows, written, strict=True) if v not in allowed}
            assert odd <= mine, item
        truth = s.truth[item]
        if item == "remote_share":
            truth = truth.map(lambda v: f"{v:g}", na_action="ignore")
        differ = set(rows[written != truth.fillna("").to_numpy()])
        assert differ <= mine, item


def test_non_planted_cells_are_canonical_and_match_truth(sim):
    check_cells(sim)


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_non_planted_cells_are_canonical_for_any_seed(seed):
    check_cells(simulate(seed=seed, codebook=CB))


# --- calibration (QUESTIONNAIRE.md, "Calibration targets") -------------------------------


def test_interim_and_final_sizes(sim):
    raw_interim = (sim.truth["submitted_at"] < CB.cutoff("interim")).sum()
    assert len(sim.truth) == 250 and 105 <= raw_interim <= 130
    assert 100 <= len(kept(sim, "interim")) <= 125


def test_s1_two_thirds_agree_that_models_change(sim):
    x = codes(kept(sim), "org_models")
    assert (x >= 4).mean() == pytest.approx(0.66, abs=0.03)


def test_s2_digital_use_increased_above_80_percent_already_at_interim(sim):
    x = codes(kept(sim), "digital_use")
    assert (x >= 4).mean() == pytest.approx(0.87, abs=0.03)
    y = codes(kept(sim, "interim"), "digital_use")
    ci = stats.binomtest(int((y >= 4).sum()), len(y)).proportion_ci(method="wilson")
    assert ci.low > 0.80


@pytest.mark.parametrize("cut", [None, "interim"])
def test_s3_awareness_not_distinguishable_from_neutral(sim, cut):
    x = codes(kept(sim, cut), "cust_awareness")
    assert stats.wilcoxon(x - 3).pvalue > 0.2


@pytest.mark.parametrize("item", ["cust_training", "cust_capability"])
def test_s4_s5_moderate_agreement(sim, item):
    x = codes(kept(sim), item)
    assert 3.4 <= x.mean() <= 3.6
    assert (x >= 4).mean() == pytest.approx(0.5, abs=0.05)
    assert stats.wilcoxon(x - 3, alternative="greater").pvalue < 0.001


@pytest.mark.parametrize(("cut", "alpha"), [(None, 0.001), ("interim", 0.05)])
def test_s6_typical_remote_share_well_above_three_quarters(sim, cut, alpha):
    t = kept(sim, cut)
    share = t.loc[t["remote_adopted"].isin(ADOPTED), "remote_share"].dropna()
    assert share.median() == pytest.approx(85, abs=5)
    assert share.quantile(0.25) == pytest.approx(70, abs=5)
    # sign test of the median against 75 (ties at 75 dropped)
    above, below = int((share > 75).sum()), int((share < 75).sum())
    assert stats.binomtest(above, above + below, alternative="greater").pvalue < alpha


@pytest.mark.parametrize("cut", [None, "interim"])
def test_s7_worklife_and_continuity_first_and_second(sim, cut):
    t = kept(sim, cut)
    means = {i: codes(t, i).mean() for i in EFFECTS}
    ranked = sorted(means, key=means.get, reverse=True)
    assert ranked[:2] == ["effect_worklife", "effect_continuity"]
    pvalues = []
    for top in ranked[:2]:
        for other in ranked[2:]:
            pair = pd.concat([codes(t, top), codes(t, other)], axis=1, join="inner")
            pvalues.append(
                stats.wilcoxon(pair.iloc[:, 0], pair.iloc[:, 1], alternative="greater").pvalue
            )
    assert multipletests(pvalues, method="holm")[1].max() < 0.01


def cronbach(frame):
    k = frame.shape[1]
    return k / (k - 1) * (1 - frame.var(ddof=1).sum() / frame.sum(axis=1).var(ddof=1))


def test_s9_tech_means_and_alpha(sim):
    t = kept(sim)
    grid = pd.concat([codes(t, i) for i in TECH], axis=1, join="inner")
    assert all(3.3 <= codes(t, i).mean() <= 4.0 for i in TECH)
    assert 0.75 <= cronbach(grid) <= 0.85


def test_digital_readiness_item_rest_positive_after_reversal(sim):
    items = CB.constructs["digital_readiness"].items
    t = kept(sim)
    grid = pd.concat([codes(t, i) for i in items], axis=1, join="inner")
    grid["cust_phone_pref"] = 6 - grid["cust_phone_pref"]
    for item in items:
        rest = grid.drop(columns=item).sum(axis=1)
        assert stats.pearsonr(grid[item], rest).statistic > 0.2


def test_segments_real_and_null_differences(sim):
    t = kept(sim)
    size = t["size"].map({lab: i for i, lab in enumerate(CB.labels("size"))})
    pair = pd.concat([size, codes(t, "org_models")], axis=1, join="inner")
    rho = stats.spearmanr(pair.iloc[:, 0], pair.iloc[:, 1])
    assert rho.statistic > 0 and rho.pvalue < 0.01  # larger organisations agree more
    adopters = t[t["remote_adopted"].isin(ADOPTED)]
    outs = adopters["org_type"] == "Outsourcer (BPO)"
    share = adopters["remote_share"]
    test = stats.mannwhitneyu(share[outs].dropna(), share[~outs].dropna(), alternative="greater")
    assert test.pvalue < 0.01  # outsourcers moved a larger share
    groups = [codes(t[t["area"] == a], "org_models") for a in CB.labels("area")]
    assert stats.kruskal(*groups).pvalue > 0.2  # no regional difference


# --- errors and other codebooks ------------------------------------------------------------


def test_too_small_n_is_refused_naming_the_parameter():
    with pytest.raises(SurveyDataError, match=r"parameter n: 40 rows leave fewer than 50"):
        simulate(n=40, codebook=CB)


def test_model_with_an_unknown_label_is_refused():
    model = load_model()
    model["choices"] = {"size": {"Enorme": 1.0}}
    with pytest.raises(SurveyDataError, match=r"entry choices.size: unknown label 'Enorme'"):
        simulate(model=model, codebook=CB)


def test_model_with_an_unknown_kind_is_refused():
    model = load_model()
    model["mess"] = {"rows": {"ghost": 1}}
    with pytest.raises(SurveyDataError, match=r"entry mess.rows.ghost: unknown kind"):
        simulate(model=model, codebook=CB)


def test_larger_n_keeps_the_planted_counts(sim):
    s = simulate(seed=1, n=600, codebook=CB)
    assert len(s.export) == 600
    pd.testing.assert_series_equal(
        s.planted["kind"].value_counts().sort_index(),
        sim.planted["kind"].value_counts().sort_index(),
    )


def test_any_codebook_with_an_empty_model():
    cb = parse_codebook(likert_codebook_dict(4))
    s = simulate(seed=0, n=80, codebook=cb, model={})
    assert list(s.export.columns) == ["Area geografica"] + [
        f"Affermazione 0{i}" for i in range(1, 5)
    ]
    assert s.planted.empty and len(s.truth) == 80
    assert set(s.export["Affermazione 01"]) <= set(cb.labels("q01"))


# --- simulate_likert --------------------------------------------------------------------------


def test_simulate_likert_labels_rates_and_codebook():
    df = simulate_likert(20_000, n_items=5, seed=2, na_rate=0.03, blank_rate=0.02)
    cb = parse_codebook(likert_codebook_dict(5))
    assert list(df.columns) == ["segment", *cb.scale_items]
    assert set(df["segment"]) == set(cb.labels("segment"))
    allowed = set(cb.labels("q01")) | {"Non so"}
    for item in cb.scale_items:
        assert set(df[item].dropna()) <= allowed
        assert (df[item] == "Non so").mean() == pytest.approx(0.03, abs=0.006)
        assert df[item].isna().mean() == pytest.approx(0.02, abs=0.005)
    first, last = (codes_of(df[i], cb.labels(i)).mean() for i in ("q01", "q05"))
    assert last > first + 0.5  # locations rise from -0.4 to 0.8


def codes_of(series, labels):
    return series.map({lab: i + 1 for i, lab in enumerate(labels)}).astype(float)


def test_simulate_likert_is_deterministic_and_checks_arguments():
    pd.testing.assert_frame_equal(simulate_likert(100, seed=5), simulate_likert(100, seed=5))
    with pytest.raises(SurveyDataError, match="parameter n_items"):
        simulate_likert(10, n_items=0)
    with pytest.raises(SurveyDataError, match="parameters na_rate, blank_rate"):
        simulate_likert(10, na_rate=0.9, blank_rate=0.2)
