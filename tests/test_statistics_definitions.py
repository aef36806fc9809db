"""One definition per quantity: top-2 asked every way, reverse keys per construct,
psych's reliability statistics, R's signed-rank conventions, small groups.

Sources are named next to each reference value. R cannot run here: values are R's
documented formulas computed independently in the test, R's `datasets::attitude` (its
reconstruction checked against the published `lm(rating ~ ., attitude)` fit), and hand
computations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cmmc_analysis.claims.evaluate import _share
from cmmc_analysis.claims.spec import Claim
from cmmc_analysis.codebook import parse_codebook
from cmmc_analysis.describe import (
    level_counts,
    likert_summary,
    summary_from_counts,
    top2_codes,
)
from cmmc_analysis.errors import SurveyDataError
from cmmc_analysis.reliability import (
    alpha_statistics,
    cronbach_alpha,
    item_analysis,
    reliability_table,
    scale_correlations,
)
from cmmc_analysis.significance import compare_groups, share_test, vs_neutral
from cmmc_analysis.survey import Survey
from cmmc_analysis.weights import measure_values


def _points(k: int) -> list[dict[str, str]]:
    return [{"it": f"p{i}", "en": f"p{i}"} for i in range(1, k + 1)]


def _codebook(scales: dict[str, int], items: dict[str, str], constructs=None):
    return parse_codebook(
        {
            "survey": {
                "id": "defs",
                "source_language": "it",
                "languages": ["it", "en"],
                "title": {"it": "t", "en": "t"},
            },
            "scales": {name: {"points": _points(k)} for name, k in scales.items()},
            "items": [
                {"id": i, "type": "scale", "scale": s, "text": {"it": i, "en": i}}
                for i, s in items.items()
            ],
            "constructs": constructs or {},
        }
    )


def _survey(cb, codes: dict[str, list[int]]) -> Survey:
    data = {}
    for item, values in codes.items():
        labels = cb.scale_of(item).labels()
        data[item] = pd.Categorical(
            [labels[v - 1] if v else None for v in values], categories=labels, ordered=True
        )
    index = pd.Index([f"r{i}" for i in range(len(next(iter(codes.values()))))])
    return Survey(data=pd.DataFrame(data, index=index), missing=pd.DataFrame(), codebook=cb)


# --- top-2 -------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [3, 4, 5, 7])
def test_every_way_to_ask_for_top2_gives_the_same_share(k):
    rng = np.random.default_rng(k)
    values = rng.integers(1, k + 1, 60).tolist()
    values[:3] = [0, 0, 0]  # three missing answers: not in the base
    cb = _codebook({f"s{k}": k}, {"q": f"s{k}"})
    s = _survey(cb, {"q": values})
    valid = np.array([v for v in values if v])
    # the definition, by hand: the two highest points from 4 points up, the highest on 3
    expected = np.isin(valid, [k - 1, k] if k >= 4 else [k]).mean()
    assert top2_codes(k) == ([k - 1, k] if k >= 4 else [k])
    codes = s.codes(["q"])
    ways = {
        "likert_summary": likert_summary(s, ["q"])["top2"].iloc[0],
        "summary_from_counts": summary_from_counts(level_counts(codes["q"], k))["top2"].iloc[0],
        "share_test(Survey)": share_test(s, "q", levels="top2", threshold=0.5)["estimate"].iloc[0],
        "share_test(Series)": share_test(s.data["q"], levels="top2", threshold=0.5)[
            "estimate"
        ].iloc[0],
        "share_test(codes, k=)": share_test(codes, "q", levels="top2", k=k, threshold=0.5)[
            "estimate"
        ].iloc[0],
        "weights.measure_values": np.nanmean(measure_values(s, "q", "top2")),
        "claims": _share(
            s,
            Claim("X", {"it": "x"}, ("q",), {"type": "share", "levels": "top2"}, {}),
            0.95,
        ).estimate,
    }
    for way, got in ways.items():
        assert got == pytest.approx(expected, abs=1e-12), way


# --- reverse keys per construct ----------------------------------------------------------

# "sleepy" is reversed inside the energy scale and forward inside the tiredness scale
MOOD = {
    "energetic": [5, 4, 4, 2, 1, 3, 5, 2, 4, 1],
    "lively": [4, 5, 4, 2, 2, 3, 4, 1, 5, 2],
    "sleepy": [1, 2, 2, 4, 5, 3, 1, 4, 2, 5],
    "tired": [2, 1, 2, 5, 4, 2, 1, 5, 1, 4],
    "drowsy": [1, 2, 1, 4, 5, 3, 2, 5, 2, 4],
}


def _mood_survey() -> Survey:
    cb = _codebook(
        {"agree5": 5},
        dict.fromkeys(MOOD, "agree5"),
        {
            "energy": {"items": ["energetic", "lively", "sleepy"], "reverse": ["sleepy"]},
            "tiredness": {"items": ["sleepy", "tired", "drowsy"], "reverse": []},
        },
    )
    return _survey(cb, MOOD)


def _hand_alpha(x: np.ndarray) -> float:
    # Cronbach (1951): k/(k-1) (1 - sum of item variances / variance of the sum)
    k = x.shape[1]
    return k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))


def test_an_item_is_reversed_only_inside_the_constructs_that_key_it():
    s = _mood_survey()
    m = {i: np.array(v, dtype=float) for i, v in MOOD.items()}
    energy = np.column_stack([m["energetic"], m["lively"], 6 - m["sleepy"]])
    tiredness = np.column_stack([m["sleepy"], m["tired"], m["drowsy"]])
    table = reliability_table(s).set_index("construct")
    assert table.loc["energy", "estimate"] == pytest.approx(_hand_alpha(energy))
    assert table.loc["tiredness", "estimate"] == pytest.approx(_hand_alpha(tiredness))
    assert _hand_alpha(energy) > 0.9 and _hand_alpha(tiredness) > 0.9
    r = np.corrcoef(energy.mean(axis=1), tiredness.mean(axis=1))[0, 1]
    assert r < -0.9  # energy and tiredness are opposite, as they should be
    pair = scale_correlations(s).iloc[0]
    assert pair["r"] == pytest.approx(r)
    assert pair["r_disattenuated"] == pytest.approx(
        r / np.sqrt(_hand_alpha(energy) * _hand_alpha(tiredness))
    )
    # item level never reverses; construct level uses the construct's own keys
    assert s.codes(["sleepy"])["sleepy"].tolist() == MOOD["sleepy"]
    assert s.codes(["sleepy"], construct="energy")["sleepy"].tolist() == list(6 - m["sleepy"])
    assert s.codes(["sleepy"], construct="tiredness")["sleepy"].tolist() == MOOD["sleepy"]
    with pytest.raises(SurveyDataError, match="sleepy"):
        s.codes(["sleepy"], reverse_keyed=True)  # ambiguous without a construct


# --- psych::alpha statistics ---------------------------------------------------------------

# R datasets::attitude (Chatterjee & Price 1977), 30 departments x 7 ratings. The rows are
# checked against R's published fit: lm(rating ~ ., attitude) has coefficients 10.78708,
# 0.61319, -0.07305, 0.32033, 0.08173, 0.03838, -0.21706 and residual SE 7.068 on 23 df.
ATTITUDE = pd.DataFrame(
    [
        [43, 51, 30, 39, 61, 92, 45], [63, 64, 51, 54, 63, 73, 47], [71, 70, 68, 69, 76, 86, 48],
        [61, 63, 45, 47, 54, 84, 35], [81, 78, 56, 66, 71, 83, 47], [43, 55, 49, 44, 54, 49, 34],
        [58, 67, 42, 56, 66, 68, 35], [71, 75, 50, 55, 70, 66, 41], [72, 82, 72, 67, 71, 83, 31],
        [67, 61, 45, 47, 62, 80, 41], [64, 53, 53, 58, 58, 67, 34], [67, 60, 47, 39, 59, 74, 41],
        [69, 62, 57, 42, 55, 63, 25], [68, 83, 83, 45, 59, 77, 35], [77, 77, 54, 72, 79, 77, 46],
        [81, 90, 50, 72, 60, 54, 36], [74, 85, 64, 69, 79, 79, 63], [65, 60, 65, 75, 55, 80, 60],
        [65, 70, 46, 57, 75, 85, 46], [50, 58, 68, 54, 64, 78, 52], [50, 40, 33, 34, 43, 64, 33],
        [64, 61, 52, 62, 66, 80, 41], [53, 66, 52, 50, 63, 80, 37], [40, 37, 42, 58, 50, 57, 49],
        [63, 54, 42, 48, 66, 75, 33], [66, 77, 66, 63, 88, 76, 72], [78, 75, 58, 74, 80, 78, 49],
        [48, 57, 44, 45, 51, 83, 38], [85, 85, 71, 71, 77, 74, 55], [82, 82, 39, 59, 64, 78, 39],
    ],
    columns=["rating", "complaints", "privileges", "learning", "raises", "critical", "advance"],
    dtype=float,
)  # fmt: skip


def test_attitude_reconstruction_matches_the_published_regression():
    x = np.column_stack([np.ones(30), ATTITUDE.iloc[:, 1:].to_numpy()])
    beta, *_ = np.linalg.lstsq(x, ATTITUDE["rating"].to_numpy(), rcond=None)
    published = [10.78708, 0.61319, -0.07305, 0.32033, 0.08173, 0.03838, -0.21706]
    assert beta == pytest.approx(published, abs=5e-6)


def _psych_alpha_1(c: np.ndarray, n: int) -> dict[str, float]:
    """psych's alpha.1 (psych 2.x source), written out independently of the package."""
    k = len(c)
    r = c / np.sqrt(np.outer(np.diag(c), np.diag(c)))
    raw = (1 - np.trace(c) / c.sum()) * k / (k - 1)
    std = (1 - k / r.sum()) * k / (k - 1)
    smc = 1 - 1 / np.diag(np.linalg.solve(r, np.eye(k)))
    g6 = 1 - (k - smc.sum()) / r.sum()
    av_r = (r.sum() - k) / (k * (k - 1))
    off = r[~np.eye(k, dtype=bool)]
    sc, tc, cc = c.sum(), np.trace(c), c @ c
    q = 2 * k**2 / ((k - 1) ** 2 * sc**3) * (sc * (np.trace(cc) + tc**2) - 2 * tc * cc.sum())
    return {
        "raw": raw, "std": std, "g6": g6, "av_r": av_r, "sn": k * av_r / (1 - av_r),
        "ase": np.sqrt(q / n), "var_r": np.var(off, ddof=1), "med_r": np.median(off),
    }  # fmt: skip


def test_alpha_on_attitude_has_every_total_of_psych_alpha():
    c = ATTITUDE.cov().to_numpy()
    ref = _psych_alpha_1(c, 30)
    row = cronbach_alpha(ATTITUDE).iloc[0]
    assert row["estimate"] == pytest.approx(ref["raw"])
    assert row["alpha_std"] == pytest.approx(ref["std"])
    assert row["g6"] == pytest.approx(ref["g6"])
    assert row["average_r"] == pytest.approx(ref["av_r"])
    assert row["signal_noise"] == pytest.approx(ref["sn"])
    assert row["ase"] == pytest.approx(ref["ase"])
    assert row["median_r"] == pytest.approx(ref["med_r"])
    assert row["var_r"] == pytest.approx(ref["var_r"])
    z = stats.norm.ppf(0.975)
    assert row["duhachek_low"] == pytest.approx(ref["raw"] - z * ref["ase"])
    assert row["duhachek_high"] == pytest.approx(ref["raw"] + z * ref["ase"])
    # psych's mean and sd: of the per-person mean of the items (rowMeans)
    score = ATTITUDE.mean(axis=1)
    assert row["mean"] == pytest.approx(score.mean())
    assert row["sd"] == pytest.approx(score.std(ddof=1))
    assert row["mean"] == pytest.approx(ATTITUDE.to_numpy().mean())  # no gaps: grand mean
    assert (row["n"], row["k"], row["missing_rule"]) == (30, 7, "listwise")


def test_item_statistics_and_alpha_if_dropped_on_attitude():
    c = ATTITUDE.cov().to_numpy()
    r = ATTITUDE.corr().to_numpy()
    items = item_analysis(ATTITUDE).set_index("item")
    total = ATTITUDE.mean(axis=1)
    for i, name in enumerate(ATTITUDE.columns):
        rest = [j for j in range(7) if j != i]
        ref = _psych_alpha_1(c[np.ix_(rest, rest)], 30)
        row = items.loc[name]
        assert row["raw_r"] == pytest.approx(np.corrcoef(total, ATTITUDE[name])[0, 1])
        assert row["std_r"] == pytest.approx(r[:, i].sum() / np.sqrt(r.sum()))
        others = ATTITUDE.drop(columns=name).sum(axis=1)
        assert row["r_drop"] == pytest.approx(np.corrcoef(others, ATTITUDE[name])[0, 1])
        assert row["alpha_if_dropped"] == pytest.approx(ref["raw"])
        assert row["alpha_std_if_dropped"] == pytest.approx(ref["std"])
        assert row["g6_if_dropped"] == pytest.approx(ref["g6"])
        assert row["average_r_if_dropped"] == pytest.approx(ref["av_r"])
        assert row["signal_noise_if_dropped"] == pytest.approx(ref["sn"])
        assert row["alpha_se_if_dropped"] == pytest.approx(ref["ase"])
        assert row["var_r_if_dropped"] == pytest.approx(ref["var_r"])
        assert row["median_r_if_dropped"] == pytest.approx(ref["med_r"])
        assert row["mean"] == pytest.approx(ATTITUDE[name].mean())
    # r.cor: R with the smc on its diagonal (psych), by hand for the first item
    rc = r.copy()
    np.fill_diagonal(rc, 1 - 1 / np.diag(np.linalg.inv(r)))
    assert items["r_cor"].iloc[0] == pytest.approx(rc[:, 0].sum() / np.sqrt(rc.sum()))


def test_congeneric_population_matrix_by_hand():
    # psych::sim.congeneric() default loadings .8 .7 .6 .5: r_ij = l_i l_j. Hand values:
    # sum of off-diagonal r = 2 (.56 + .48 + .40 + .42 + .35 + .30) = 5.02, sum R = 9.02,
    # alpha = 4/3 (1 - 4/9.02) = 0.742055, average r = 5.02 / 12 = 0.418333,
    # S/N = 4 (0.418333) / 0.581667 = 2.876791 (psych prints 0.74, 0.42, 2.9)
    lam = np.array([0.8, 0.7, 0.6, 0.5])
    r = np.outer(lam, lam)
    np.fill_diagonal(r, 1)
    s = alpha_statistics(r, 100)
    assert s["alpha"] == pytest.approx(4 / 3 * (1 - 4 / 9.02))
    assert s["alpha_std"] == pytest.approx(0.742055, abs=1e-6)
    assert s["average_r"] == pytest.approx(5.02 / 12)
    assert s["signal_noise"] == pytest.approx(2.876791, abs=1e-6)
    assert s["median_r"] == pytest.approx((0.42 + 0.40) / 2)


def test_median_imputation_is_named_and_changes_the_rows():
    x = ATTITUDE.iloc[:, :4].copy()
    x.iloc[0, 1] = np.nan
    x.iloc[5, 2] = np.nan
    med = cronbach_alpha(x, missing="median").iloc[0]
    filled = x.fillna(x.median())
    assert med["missing_rule"] == "median"
    assert med["n"] == 30
    assert med["estimate"] == pytest.approx(_psych_alpha_1(filled.cov().to_numpy(), 30)["raw"])
    listwise = cronbach_alpha(x).iloc[0]
    assert listwise["n"] == 28
    assert listwise["estimate"] != pytest.approx(med["estimate"])


# --- R's wilcox.test ------------------------------------------------------------------------


def _r_wilcox(x, mu, alternative, correct):
    """R's wilcox.test.default (one sample), normal approximation branch, written out."""
    d = np.asarray(x, float) - mu
    d = d[d != 0]
    n = d.size
    ranks = stats.rankdata(np.abs(d))
    v = ranks[d > 0].sum()
    _, t = np.unique(ranks, return_counts=True)
    z = v - n * (n + 1) / 4
    sigma = np.sqrt(n * (n + 1) * (2 * n + 1) / 24 - (t**3 - t).sum() / 48)
    c = {"two-sided": np.sign(z) * 0.5, "greater": 0.5, "less": -0.5}[alternative] if correct else 0
    z = (z - c) / sigma
    p = {
        "less": stats.norm.cdf(z),
        "greater": stats.norm.sf(z),
        "two-sided": 2 * min(stats.norm.cdf(z), stats.norm.sf(z)),
    }[alternative]
    return v, p


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("correct", [True, False])
def test_signed_rank_reproduces_r_wilcox_test_with_ties_and_zeros(alternative, correct):
    x = [4, 5, 3, 3, 4, 2, 5, 4, 3, 1, 4, 4, 5, 3, 2, 4]
    v, p = _r_wilcox(x, 3, alternative, correct)
    row = vs_neutral(
        pd.DataFrame({"a": x}),
        midpoint=3,
        zero_method="wilcox",
        continuity=correct,
        alternative=alternative,
    ).iloc[0]
    assert row["statistic"] == v
    assert row["p_value"] == pytest.approx(p, rel=1e-12)
    assert "normal approximation" in row["method"]


def test_signed_rank_exact_as_r_when_no_ties_or_zeros():
    # R ?wilcox.test: Hollander & Wolfe p. 29, x - y: V = 40, p-value = 0.03906 (two-sided)
    x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    d = pd.DataFrame({"d": np.subtract(x, y)})
    row = vs_neutral(d, midpoint=0, zero_method="wilcox").iloc[0]
    assert (row["statistic"], round(row["p_value"], 5)) == (40, 0.03906)
    approx = vs_neutral(d, midpoint=0, zero_method="wilcox", exact=False).iloc[0]
    assert "normal approximation" in approx["method"]
    assert approx["p_value"] == pytest.approx(_r_wilcox(d["d"], 0, "two-sided", True)[1])


# --- Kruskal-Wallis small groups ---------------------------------------------------------


def test_small_groups_are_an_explicit_choice():
    # R ?kruskal.test, Hollander & Wolfe p. 116: chi-squared = 0.77143, df = 2, p = 0.68
    x = [2.9, 3.0, 2.5, 2.6, 3.2]
    y = [3.8, 2.7, 4.0, 2.4]
    z = [2.8, 3.4, 3.7, 2.2, 2.0]
    frame = pd.DataFrame({"v": x + y + z, "g": ["x"] * 5 + ["y"] * 4 + ["z"] * 5})
    left_out = compare_groups(frame, "v", "g", min_n=5)
    assert left_out["tested"].tolist() == [True, False, True]
    assert "small_groups='exclude'" in left_out["method"].iloc[0]
    assert left_out["note"].iloc[1] == "n = 4 < min_n = 5: not tested"
    every = compare_groups(frame, "v", "g", min_n=5, small_groups="include")
    assert every["tested"].all()
    assert every["statistic"].iloc[0] == pytest.approx(0.77143, abs=5e-6)
    assert every["df"].iloc[0] == 2
    assert round(every["p_value"].iloc[0], 2) == 0.68
    assert "as R's kruskal.test" in every["method"].iloc[0]
    assert every["note"].iloc[1] == "n = 4 < min_n = 5: tested (small_groups='include')"


def test_likert_summary_orders_items_by_top2_as_the_likert_package():
    cb = _codebook({"agree5": 5}, dict.fromkeys(["a", "b", "c"], "agree5"))
    # top-2 shares by hand: a 1/5, b 4/5, c 3/5 (b first, then c, then a)
    s = _survey(cb, {"a": [1, 2, 5, 3, 3], "b": [5, 4, 4, 5, 1], "c": [4, 4, 5, 2, 1]})
    table = likert_summary(s, ["a", "b", "c"], order="top2")
    assert table["item"].tolist() == ["b", "c", "a"]
    assert table["top2"].tolist() == pytest.approx([0.8, 0.6, 0.2])
    assert likert_summary(s, ["a", "b", "c"], order="bottom2")["item"].tolist() == ["a", "c", "b"]
    with pytest.raises(SurveyDataError, match="parameter order: found 'top3'"):
        likert_summary(s, order="top3")


def test_reliability_functions_take_a_survey_and_a_construct_or_codes():
    s = _mood_survey()
    m = {i: np.array(v, dtype=float) for i, v in MOOD.items()}
    energy = pd.DataFrame(
        {"energetic": m["energetic"], "lively": m["lively"], "sleepy": 6 - m["sleepy"]}
    )
    by_survey = cronbach_alpha(s, "energy").iloc[0]
    assert by_survey["estimate"] == pytest.approx(_hand_alpha(energy.to_numpy()))
    pd.testing.assert_frame_equal(cronbach_alpha(s, "energy"), cronbach_alpha(energy))
    assert item_analysis(s, "energy")["r_drop"].tolist() == pytest.approx(
        item_analysis(energy)["r_drop"].tolist()
    )
