"""Tests of cmmc_analysis.weights: margins, raking, trimming, Kish summaries, estimates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmmc_analysis.codebook import load_codebook
from cmmc_analysis.columns import check_columns
from cmmc_analysis.errors import SurveyDataError
from cmmc_analysis.survey import Survey
from cmmc_analysis.weights import (
    EXTRA_COLUMNS,
    load_margins,
    margin_check,
    rake,
    trim_weights,
    weight_summary,
    weighted_vs_unweighted,
    weighting_effect,
    with_weights,
)

CB = load_codebook()
SIZES = CB.labels("size")
SECTORS = CB.labels("sector")
PTS = CB.scale_of("org_models").labels()


def make_survey(columns: dict[str, list], *, cats: dict[str, list[str]] | None = None) -> Survey:
    cats = cats or {}
    n = len(next(iter(columns.values())))
    index = pd.Index([f"r{i:04d}" for i in range(n)], name="respondent_id")
    data = {}
    for name, values in columns.items():
        categories = cats.get(name) or CB.labels(name)
        data[name] = pd.Categorical(values, categories=categories, ordered=name == "org_models")
    frame = pd.DataFrame(data, index=index)
    return Survey(data=frame, missing=pd.DataFrame(index=index), codebook=CB)


def two_by_two(n11: int, n12: int, n21: int, n22: int) -> Survey:
    """size (rows: SIZES[0], SIZES[1]) x sector (columns: SECTORS[0], SECTORS[1])."""
    size = [SIZES[0]] * (n11 + n12) + [SIZES[1]] * (n21 + n22)
    sector = [SECTORS[0]] * n11 + [SECTORS[1]] * n12 + [SECTORS[0]] * n21 + [SECTORS[1]] * n22
    return make_survey({"size": size, "sector": sector})


# --- Kish summaries ---------------------------------------------------------------------------
def test_weight_summary_known_answer():
    # Kish (1965), Survey Sampling, sec. 11.7: deff = n * sum(w^2) / sum(w)^2.
    # By hand for w = (1, 1, 2, 2): sum w = 6, sum w^2 = 10 -> deff = 4 * 10 / 36 = 10/9,
    # n_eff = 36 / 10 = 3.6, efficiency = 0.9, cv = sd0 / mean = 0.5 / 1.5 = 1/3.
    row = weight_summary(pd.Series([1.0, 1.0, 2.0, 2.0])).iloc[0]
    assert row["design_effect"] == pytest.approx(10 / 9)
    assert row["n_eff"] == pytest.approx(3.6)
    assert row["efficiency"] == pytest.approx(0.9)
    assert row["cv"] == pytest.approx(1 / 3)
    assert (row["min"], row["max"], row["mean"], row["n"]) == (1.0, 2.0, 1.5, 4.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.05, 20, allow_nan=False), min_size=2, max_size=40))
def test_design_effect_is_one_plus_cv_squared(ws):
    row = weight_summary(pd.Series(ws)).iloc[0]
    assert row["design_effect"] == pytest.approx(1 + row["cv"] ** 2, rel=1e-9)
    assert row["efficiency"] == pytest.approx(row["n_eff"] / row["n"], rel=1e-9)
    assert row["n_eff"] <= row["n"] + 1e-9


def test_weight_summary_rejects_negative_weights():
    with pytest.raises(SurveyDataError, match="non-negative weights"):
        weight_summary(pd.Series([1.0, -0.5]))


# --- margins file -------------------------------------------------------------------------------
def test_bundled_margins_are_valid_and_marked_illustrative():
    margins = load_margins()
    assert set(margins) == {"size", "sector"}
    for shares in margins.values():
        assert sum(shares.values()) == pytest.approx(1, abs=1e-9)
    from cmmc_analysis.weights import DEFAULT_MARGINS

    text = DEFAULT_MARGINS.read_text(encoding="utf-8")
    assert "NOT OFFICIAL FIGURES" in text and "illustrative: true" in text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "margins:\n  sizes: {'Meno di 50': 1.0}\n",
            "entry margins.sizes: unknown variable 'sizes'",
        ),
        (
            "margins:\n  size: {'Under 50': 1.0}\n",
            "entry margins.size.Under 50: unknown label 'Under 50'",
        ),
        (
            "margins:\n  size: {'Meno di 50': 0.5, '50–249': 0.47}\n",
            "entry margins.size: shares sum to 0.97, expected 1 (within 1e-06)",
        ),
        ("margins:\n  size: {'Meno di 50': 1.5}\n", "share 1.5 is not a number in [0, 1]"),
        (
            'margins:\n  org_models: {"Molto d\'accordo": 1.0}\n',
            "raking needs a single-choice item",
        ),
        ("size: {'Meno di 50': 1.0}\n", "expected a `margins:` mapping"),
    ],
)
def test_load_margins_errors_name_the_entry(tmp_path, body, message):
    path = tmp_path / "m.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(SurveyDataError) as err:
        load_margins(path, CB)
    assert message in str(err.value)
    assert str(err.value).startswith("m.yaml")


# --- raking ------------------------------------------------------------------------------------
def test_rake_two_by_two_matches_closed_form():
    # Known answer: raking a 2x2 table to its margins keeps the sample odds ratio
    # (Deming & Stephan 1940; Bishop, Fienberg & Holland 1975, Discrete Multivariate
    # Analysis, ch. 3). With cell shares m11 = x, m12 = r1 - x, m21 = c1 - x,
    # m22 = 1 - r1 - c1 + x, the odds ratio condition is a quadratic in x.
    n11, n12, n21, n22 = 30, 10, 20, 40
    r1, c1 = 0.5, 0.4
    odds = n11 * n22 / (n12 * n21)
    # x (1 - r1 - c1 + x) = odds (r1 - x)(c1 - x)  ->  a x^2 + b x + c = 0
    a = 1 - odds
    b = (1 - r1 - c1) + odds * (r1 + c1)
    c = -odds * r1 * c1
    roots = [(-b + s * math.sqrt(b * b - 4 * a * c)) / (2 * a) for s in (1, -1)]
    x = next(r for r in roots if 0 < r < min(r1, c1))
    cells = {(0, 0): x, (0, 1): r1 - x, (1, 0): c1 - x, (1, 1): 1 - r1 - c1 + x}
    counts = {(0, 0): n11, (0, 1): n12, (1, 0): n21, (1, 1): n22}
    n = n11 + n12 + n21 + n22
    expected = {cell: cells[cell] * n / counts[cell] for cell in cells}
    # here x = 0.3 and the weights are 1, 2, 0.5, 1
    assert x == pytest.approx(0.3)

    s = two_by_two(n11, n12, n21, n22)
    margins = {
        "size": {SIZES[0]: r1, SIZES[1]: 1 - r1},
        "sector": {SECTORS[0]: c1, SECTORS[1]: 1 - c1},
    }
    w = rake(s, margins, trim=None)
    i = (s.data["size"] == SIZES[1]).to_numpy().astype(int)
    j = (s.data["sector"] == SECTORS[1]).to_numpy().astype(int)
    want = np.array([expected[(a_, b_)] for a_, b_ in zip(i, j, strict=True)])
    np.testing.assert_allclose(w.to_numpy(), want, rtol=1e-8)
    assert w.mean() == pytest.approx(1.0)
    assert w.index.equals(s.data.index) and w.name == "weight"


def test_weighted_margins_equal_targets_within_tolerance():
    rng = np.random.default_rng(7)
    n = 400
    s = make_survey(
        {
            "size": rng.choice(SIZES, n, p=[0.2, 0.3, 0.3, 0.2]).tolist(),
            "sector": rng.choice(SECTORS, n).tolist(),
        }
    )
    margins = load_margins()
    tol = 1e-8
    w = rake(s, margins, tol=tol, trim=None)
    check = margin_check(s, w, margins)
    assert check["difference"].abs().max() <= tol
    assert check["share_weighted"].to_numpy() == pytest.approx(check["target"].to_numpy(), abs=tol)
    # the unweighted sample shares are not the targets: the raking did something
    assert (check["share"] - check["target"]).abs().max() > 0.05
    assert w.attrs["max_margin_error"] <= tol
    check_columns(check.columns, EXTRA_COLUMNS)
    # with the default trimming some weights (large firms in over-sampled sectors) hit
    # the lower bound 0.2: the margins then move a little, and attrs say by how much
    trimmed = rake(s, margins, tol=tol)
    assert trimmed.attrs["n_trimmed"] > 0 and trimmed.min() == pytest.approx(0.2)
    moved = margin_check(s, trimmed, margins)["difference"].abs().max()
    assert moved == pytest.approx(trimmed.attrs["max_margin_error"]) and 0 < moved < 0.01


def test_rake_empty_cell_is_an_error():
    s = two_by_two(30, 10, 20, 40)
    margins = {
        "size": {SIZES[0]: 0.5, SIZES[1]: 0.3, SIZES[2]: 0.2},
        "sector": {SECTORS[0]: 0.4, SECTORS[1]: 0.6},
    }
    with pytest.raises(SurveyDataError) as err:
        rake(s, margins)
    assert str(err.value) == (
        "entry margins.size.250–999, column size: empty cell: target share 0.2 for "
        "'250–999' but no respondent has this label; merge it with a neighbouring label "
        "or drop its target"
    )


def test_rake_respondents_without_target_is_an_error():
    s = two_by_two(30, 10, 20, 40)
    with pytest.raises(
        SurveyDataError, match=r"column size: inconsistent margins: respondents with \['50–249'\]"
    ):
        rake(s, {"size": {SIZES[0]: 1.0}})


def test_rake_inconsistent_margins_do_not_converge():
    # size and sector are perfectly confounded (no small firm in sector 2, no large
    # firm in sector 1), so size 50/50 and sector 30/70 cannot both hold.
    s = two_by_two(50, 0, 0, 50)
    margins = {
        "size": {SIZES[0]: 0.5, SIZES[1]: 0.5},
        "sector": {SECTORS[0]: 0.3, SECTORS[1]: 0.7},
    }
    with pytest.raises(SurveyDataError, match=r"column (size|sector): raking did not converge"):
        rake(s, margins)


def test_rake_missing_answers():
    s = two_by_two(30, 10, 20, 40)
    data = s.data.copy()
    data.loc[data.index[:2], "sector"] = np.nan
    s2 = Survey(data=data, missing=s.missing, codebook=CB)
    margins = {"sector": {SECTORS[0]: 0.5, SECTORS[1]: 0.5}}
    with pytest.raises(
        SurveyDataError,
        match=r"column sector: 2 respondents have no answer \(e.g. \['r0000', 'r0001'\]\)",
    ):
        rake(s2, margins)
    w = rake(s2, margins, missing="exclude", trim=None)
    assert w.iloc[:2].isna().all()
    assert w.iloc[2:].mean() == pytest.approx(1.0)
    # 48 left in sector 1 (28 + 20) and 50 in sector 2: each half of the weight
    assert w[data["sector"] == SECTORS[0]].sum() == pytest.approx(49)


def test_rake_trimming_keeps_bounds_and_reports_margin_error():
    # 95 small, 5 large firms raked to 50/50: large-firm weights are 10, small 0.526
    s = make_survey({"size": [SIZES[0]] * 95 + [SIZES[1]] * 5})
    margins = {"size": {SIZES[0]: 0.5, SIZES[1]: 0.5}}
    untrimmed = rake(s, margins, trim=None)
    assert untrimmed.max() == pytest.approx(10.0)
    w = rake(s, margins, trim=(0.2, 5.0))
    assert w.max() == pytest.approx(5.0) and w.min() >= 0.2
    assert w.mean() == pytest.approx(1.0)
    # by hand: large 5 x 5 = 25 of 100; the other 75 spread over 95 small firms
    assert w.iloc[0] == pytest.approx(75 / 95)
    assert w.attrs["n_trimmed"] == 5
    assert w.attrs["max_margin_error"] == pytest.approx(0.25)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.01, 50, allow_nan=False), min_size=3, max_size=50))
def test_trim_weights_properties(ws):
    w = pd.Series(ws)
    w = w / w.mean()
    out = trim_weights(w, lower=0.3, upper=3.0)
    assert out.sum() == pytest.approx(w.sum(), rel=1e-9)
    assert out.min() >= 0.3 - 1e-9 and out.max() <= 3.0 + 1e-9
    inside = (w >= 0.3) & (w <= 3.0)
    if inside.all():
        np.testing.assert_allclose(out, w)


def test_rake_rejects_bad_options():
    s = two_by_two(30, 10, 20, 40)
    with pytest.raises(
        SurveyDataError,
        match=r"trim must be \(lower, upper\) with 0 <= lower <= 1 <= upper, found \(2, 5\)",
    ):
        rake(s, {"size": {SIZES[0]: 0.5, SIZES[1]: 0.5}}, trim=(2, 5))


# --- weighted estimates -------------------------------------------------------------------------
def wilson(p: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson (1927) score interval, written out."""
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_weighted_vs_unweighted_oracle():
    answers = [PTS[4], PTS[3], PTS[0], PTS[1], PTS[2], PTS[4], PTS[0], None]
    s = make_survey({"org_models": answers})
    w = pd.Series([2.0, 1.0, 1.0, 0.5, 0.5, 3.0, 1.0, 4.0], index=s.data.index)
    out = weighted_vs_unweighted(s, ["org_models"], weights=w).iloc[0]
    x = np.array([1, 1, 0, 0, 0, 1, 0], dtype=float)  # top 2 of the 7 answers
    wv = w.to_numpy()[:7]
    p_w = (wv * x).sum() / wv.sum()  # weighted share = sum(w x) / sum(w)
    n_eff = wv.sum() ** 2 / (wv**2).sum()
    assert out["estimate_weighted"] == pytest.approx(p_w)
    assert out["estimate_unweighted"] == pytest.approx(3 / 7)
    assert out["n"] == 7 and out["n_eff"] == pytest.approx(n_eff)
    assert (out["ci_low_weighted"], out["ci_high_weighted"]) == pytest.approx(wilson(p_w, n_eff))
    assert (out["ci_low_unweighted"], out["ci_high_unweighted"]) == pytest.approx(wilson(3 / 7, 7))
    assert out["difference"] == pytest.approx(p_w - 3 / 7)
    assert out["design_effect"] == pytest.approx(7 / n_eff)


def test_weighted_mean_interval_uses_effective_n():
    s = make_survey({"org_models": [PTS[i] for i in (0, 1, 2, 3, 4, 4, 3, 2)]})
    w = pd.Series([1, 2, 1, 2, 1, 2, 1, 2], index=s.data.index, dtype=float)
    out = weighted_vs_unweighted(s, ["org_models"], weights=w, statistic="mean").iloc[0]
    x = np.array([1, 2, 3, 4, 5, 5, 4, 3], dtype=float)
    wv = w.to_numpy()
    mean = (wv * x).sum() / wv.sum()
    n_eff = wv.sum() ** 2 / (wv**2).sum()
    var = (wv * (x - mean) ** 2).sum() / wv.sum() * n_eff / (n_eff - 1)
    from scipy.stats import t

    half = t.ppf(0.975, n_eff - 1) * math.sqrt(var / n_eff)
    assert out["estimate_weighted"] == pytest.approx(mean)
    assert (out["ci_low_weighted"], out["ci_high_weighted"]) == pytest.approx(
        (mean - half, mean + half)
    )


def test_with_weights_and_weighting_effect():
    s = make_survey({"size": [SIZES[0]] * 3 + [SIZES[1]], "org_models": [PTS[0]] * 3 + [PTS[4]]})
    w = pd.Series([0.5, 0.5, 0.5, 2.5], index=s.data.index)
    s2 = with_weights(s, w)
    assert "weight" not in s.data and s2.data["weight"].tolist() == [0.5, 0.5, 0.5, 2.5]
    out = weighted_vs_unweighted(s2, ["org_models"])
    assert out.loc[0, "estimate_weighted"] == pytest.approx(2.5 / 4)
    eff = weighting_effect(s, {"size": {SIZES[0]: 0.5, SIZES[1]: 0.5}}, ["org_models"])
    assert eff.loc[0, "estimate_weighted"] == pytest.approx(0.5)
    assert eff.loc[0, "estimate_unweighted"] == pytest.approx(0.25)
    assert eff.attrs["weight_summary"].loc[0, "max"] == pytest.approx(2.0)
    check_columns(eff.columns, EXTRA_COLUMNS)
    check_columns(weight_summary(w).columns, EXTRA_COLUMNS)


def test_with_weights_rejects_unaligned_weights():
    s = make_survey({"size": [SIZES[0], SIZES[1]]})
    with pytest.raises(SurveyDataError, match=r"no weight for 1 respondents \(e.g. \['r0001'\]\)"):
        with_weights(s, pd.Series([1.0], index=["r0000"]))


def test_top2_from_likert_summary_agrees_with_direct_estimate():
    # weighted_vs_unweighted takes top-2 figures from likert.likert_summary; the direct
    # estimator used for bottom2/mean must give the same values for top2
    from cmmc_analysis.weights import measure_values, weighted_estimate

    rng = np.random.default_rng(2)
    s = make_survey({"org_models": rng.choice([*PTS, None], 150).tolist()})
    w = pd.Series(rng.uniform(0.2, 4, 150), index=s.data.index)
    row = weighted_vs_unweighted(s, ["org_models"], weights=w, alpha=0.1).iloc[0]
    direct = weighted_estimate(
        measure_values(s, "org_models", "top2"), w.to_numpy(), measure="top2", alpha=0.1
    )
    assert row["estimate_weighted"] == pytest.approx(direct["estimate"])
    assert row["ci_low_weighted"] == pytest.approx(direct["ci_low"])
    assert row["ci_high_weighted"] == pytest.approx(direct["ci_high"])
    assert row["n_eff"] == pytest.approx(direct["n_eff"])
    assert row["n"] == direct["n"]
