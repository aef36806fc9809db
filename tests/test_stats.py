"""Tests of cmmc_analysis.significance: published R values, hand-computed oracles, properties."""

from __future__ import annotations

from math import comb

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm, rankdata
from statsmodels.stats.multitest import multipletests

from cmmc_analysis.codebook import load_codebook
from cmmc_analysis.columns import check_columns
from cmmc_analysis.errors import SurveyDataError
from cmmc_analysis.significance import (
    EXTRA_COLUMNS,
    adjust_pvalues,
    battery_ranking,
    compare_groups,
    dunn_posthoc,
    friedman,
    pairwise_battery,
    share_test,
    vs_neutral,
)
from cmmc_analysis.survey import Survey

# R ?wilcox.test, Hollander & Wolfe (1973) p. 29, depression scale before/after
HW_X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
HW_Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]

# R ?friedman.test, Hollander & Wolfe (1973) p. 140: RoundingTimes (22 x 3)
ROUNDING_TIMES = np.array(
    [
        [5.40, 5.50, 5.55], [5.85, 5.70, 5.75], [5.20, 5.60, 5.50], [5.55, 5.50, 5.40],
        [5.90, 5.85, 5.70], [5.45, 5.55, 5.60], [5.40, 5.40, 5.35], [5.45, 5.50, 5.35],
        [5.25, 5.15, 5.00], [5.85, 5.80, 5.70], [5.25, 5.20, 5.10], [5.65, 5.55, 5.45],
        [5.60, 5.35, 5.45], [5.05, 5.00, 4.95], [5.50, 5.50, 5.40], [5.45, 5.55, 5.50],
        [5.55, 5.55, 5.35], [5.45, 5.50, 5.55], [5.50, 5.45, 5.25], [5.65, 5.60, 5.40],
        [5.70, 5.65, 5.55], [6.30, 6.30, 6.25],
    ]
)  # fmt: skip

ALLOWED = EXTRA_COLUMNS


def compare_ordinal(values, groups, **options) -> pd.DataFrame:
    """compare_groups on a DataFrame of values and group labels, as an ordinal item."""
    frame = pd.DataFrame({"v": values, "g": groups})
    return compare_groups(frame, "v", "g", kind="ordinal", **options)


def compare_nominal(values, groups, **options) -> pd.DataFrame:
    frame = pd.DataFrame({"v": values, "g": groups})
    return compare_groups(frame, "v", "g", kind="nominal", **options)


def dunn(values, groups, **options) -> pd.DataFrame:
    return dunn_posthoc(pd.DataFrame({"v": values, "g": groups}), "v", "g", **options)


def _grouped(samples: dict[str, list[float]]) -> tuple[pd.Series, pd.Series]:
    values = [v for vs in samples.values() for v in vs]
    groups = [g for g, vs in samples.items() for _ in vs]
    return pd.Series(values), pd.Series(groups)


def _from_table(table: list[list[int]], rows: list[str], cols: list[str]):
    values, groups = [], []
    for r, counts in zip(rows, table, strict=True):
        for c, k in zip(cols, counts, strict=True):
            values += [c] * k
            groups += [r] * k
    return pd.Series(values), pd.Series(groups)


def _survey(columns: dict[str, list[int]]) -> Survey:
    """A Survey built by hand: codes 1..k (0 = missing) for items of the real codebook."""
    cb = load_codebook()
    data = {
        item: pd.Categorical.from_codes(
            np.asarray(codes) - 1,
            cb.labels(item),
            ordered=cb.item(item).type == "scale" or cb.item(item).ordered,
        )
        for item, codes in columns.items()
    }
    frame = pd.DataFrame(
        data,
        index=pd.Index(
            [f"r{i}" for i in range(len(next(iter(columns.values()))))], name="respondent_id"
        ),
    )
    return Survey(data=frame, missing=pd.DataFrame(index=frame.index), codebook=cb)


# --- known answers ----------------------------------------------------------------------


def test_signed_rank_matches_r_paired_example():
    # R: wilcox.test(x, y, paired = TRUE, alternative = "greater") -> V = 40, p-value = 0.01953
    d = pd.DataFrame({"d": np.subtract(HW_X, HW_Y)})
    row = vs_neutral(d, midpoint=0, alternative="greater").iloc[0]
    assert row["statistic"] == 40
    assert row["p_value"] == pytest.approx(0.01953, abs=5e-6)
    assert "exact distribution" in row["method"]
    # R: wilcox.test(x, y, paired = TRUE) -> V = 40, p-value = 0.03906
    pair = pairwise_battery(pd.DataFrame({"x": HW_X, "y": HW_Y})).iloc[0]
    assert pair["statistic"] == 40
    assert pair["p_value"] == pytest.approx(0.03906, abs=5e-6)
    # rank-biserial by hand: T- = 5 (only pair 8 is negative, rank 5 of 9), T+ = 40
    assert pair["effect_size"] == pytest.approx((40 - 5) / 45)


def test_pratt_normal_approximation_against_hand_oracle():
    codes = np.array([4, 5, 4, 3, 5, 4, 4, 2, 4, 5, 3, 3, 1, 4, 5, 4, 2, 3])
    row = vs_neutral(pd.DataFrame({"a": codes}), midpoint=3).iloc[0]
    # oracle: Pratt (1959) -- rank |d| with the zeros, drop the zeros' ranks; under H0
    # E[T+] = sum(ranks)/2, Var[T+] = sum(ranks^2)/4 over the nonzero d; continuity 0.5
    d = codes - 3
    ranks = rankdata(np.abs(d))[d != 0]
    t_plus = rankdata(np.abs(d))[d > 0].sum()
    mean, sd = ranks.sum() / 2, np.sqrt((ranks**2).sum() / 4)
    z = (t_plus - mean - 0.5 * np.sign(t_plus - mean)) / sd
    assert row["statistic"] == t_plus
    assert row["p_value"] == pytest.approx(2 * norm.sf(abs(z)), rel=1e-9)
    t_minus = rankdata(np.abs(d))[d < 0].sum()
    assert row["effect_size"] == pytest.approx((t_plus - t_minus) / (t_plus + t_minus))
    assert (row["n_above"], row["n_below"], row["n_at_midpoint"]) == (11, 3, 4)


@pytest.mark.parametrize("zero_method", ["pratt", "wilcox", "zsplit"])
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_signed_rank_from_counts_equals_scipy_wilcoxon(zero_method, alternative):
    # vs_neutral ranks from the counts of each value (describe.counts for a survey); its
    # p-values must be scipy.stats.wilcoxon's of the raw values (ties, zeros, 5 and 7
    # points, a decimal midpoint, a non-integer column; n from 12 to 60 000)
    from scipy import stats

    rng = np.random.default_rng(17)
    frame = pd.DataFrame(
        {
            "five": rng.choice([1, 2, 3, 4, 5], 60_000, p=[0.1, 0.15, 0.3, 0.25, 0.2]),
            "seven": rng.integers(1, 8, 60_000),
            "skewed": rng.choice([2, 3, 4], 60_000, p=[0.2, 0.2, 0.6]),
            "halves": rng.integers(0, 13, 60_000) / 2,
        }
    ).astype(float)
    frame.iloc[::7, 0] = np.nan
    small = pd.DataFrame({"few": [1, 3, 3, 4, 5, 5, 2, 3, 4, 4, 5, 1]}, dtype=float)
    for data, mid in ((frame, 3.5), (frame, 3.0), (small, 3.0)):
        for continuity in (True, False):
            out = vs_neutral(data, midpoint=mid, zero_method=zero_method,
                             alternative=alternative, continuity=continuity)  # fmt: skip
            for row in out.itertuples():
                d = data[row.item].dropna().to_numpy() - mid
                ref = stats.wilcoxon(d, zero_method=zero_method, correction=continuity,
                                     alternative=alternative, method="asymptotic")  # fmt: skip
                assert row.p_value == pytest.approx(ref.pvalue, rel=1e-12, abs=1e-300)
                assert row.median == np.median(d + mid) and row.n == d.size
                assert row.mean == pytest.approx(np.mean(d + mid), rel=1e-13)
                sign = stats.binomtest(int((d > 0).sum()), int((d != 0).sum()), 0.5,
                                       alternative=alternative)  # fmt: skip
                assert row.sign_p_value == pytest.approx(sign.pvalue, rel=1e-12, abs=1e-300)


def test_vs_neutral_of_a_survey_uses_the_item_counts():
    from scipy import stats

    from cmmc_analysis.describe.counts import item_counts
    from cmmc_analysis.examples import toy_survey

    survey = toy_survey()
    out = vs_neutral(survey).set_index("item")
    codes = survey.codes()
    for item in codes.columns:
        x = codes[item].dropna().to_numpy()
        assert (
            np.bincount(x.astype(int), minlength=6)[1:].tolist()
            == item_counts(survey, item).tolist()
        )
        ref = stats.wilcoxon(x - 3, zero_method="pratt", correction=True, method="asymptotic")
        assert out.loc[item, "p_value"] == pytest.approx(ref.pvalue, rel=1e-12)
        assert out.loc[item, "n"] == x.size


def test_sign_test_by_hand():
    # 7 above, 1 below, 2 at the midpoint: two-sided binomial p = 2 * (1 + 8) / 2^8
    codes = pd.DataFrame({"a": [4, 4, 5, 4, 4, 5, 4, 2, 3, 3]})
    row = vs_neutral(codes, midpoint=3).iloc[0]
    assert row["sign_p_value"] == pytest.approx(18 / 256)
    less = vs_neutral(codes, midpoint=3, alternative="less").iloc[0]
    assert less["sign_p_value"] == pytest.approx(1 - 1 / 256)  # P(X <= 7), X ~ Bin(8, 1/2)


def test_kruskal_matches_r_example():
    # R ?kruskal.test (Hollander & Wolfe 1973, p. 116):
    # Kruskal-Wallis chi-squared = 0.77143, df = 2, p-value = 0.68
    values, groups = _grouped(
        {"x": [2.9, 3.0, 2.5, 2.6, 3.2], "y": [3.8, 2.7, 4.0, 2.4], "z": [2.8, 3.4, 3.7, 2.2, 2.0]}
    )
    res = compare_ordinal(values, groups, min_n=1)
    assert res["statistic"].iloc[0] == pytest.approx(0.77143, abs=5e-6)
    assert res["df"].iloc[0] == 2
    assert res["p_value"].iloc[0] == pytest.approx(0.68, abs=5e-3)
    assert res["effect_size"].iloc[0] == pytest.approx(0.771428571 / 13)  # H / (n - 1)
    assert list(res["direction"]) == ["below", "above", "below"]  # mean ranks 7.4, 8.75, 6.6


def test_mann_whitney_matches_r_examples():
    # R ?wilcox.test: x <- c(0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46);
    # y <- c(1.15, 0.88, 0.90, 0.74, 1.21); wilcox.test(x, y, alternative = "g") -> W = 35,
    # p-value = 0.1272; the two-sided exact p is twice that (symmetric null distribution)
    x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
    y = [1.15, 0.88, 0.90, 0.74, 1.21]
    res = compare_ordinal(*_grouped({"x": x, "y": y}), min_n=5)
    assert res["statistic"].iloc[0] == 35
    assert res["p_value"].iloc[0] == pytest.approx(2 * 0.1272, abs=1e-4)
    assert res["effect_size"].iloc[0] == pytest.approx(2 * 35 / 50 - 1)
    # with ties (endmemo.com/r/wilcoxon.php): wilcox.test(x, y) -> W = 51.5, p-value = 0.5966
    x2 = [1, 5, 9, 24, 56, 21, 3, 7, 21, 4]
    y2 = [12, 15, 5, 9, 9, 14, 56, 22, 3, 7, 32, 5]
    tied = compare_ordinal(*_grouped({"x": x2, "y": y2}), min_n=5)
    assert tied["statistic"].iloc[0] == 51.5
    assert tied["p_value"].iloc[0] == pytest.approx(0.5966, abs=5e-5)
    assert "continuity" in tied["method"].iloc[0]


def test_friedman_matches_r_rounding_times():
    # R ?friedman.test: Friedman chi-squared = 11.143, df = 2, p-value = 0.003805
    row = friedman(pd.DataFrame(ROUNDING_TIMES, columns=["round", "narrow", "wide"])).iloc[0]
    assert row["statistic"] == pytest.approx(11.143, abs=5e-4)
    assert row["df"] == 2
    assert row["p_value"] == pytest.approx(0.003805, abs=5e-7)
    assert row["effect_size"] == pytest.approx(row["statistic"] / (22 * 2))  # Kendall's W
    assert row["n"] == 22


def test_binomial_matches_r_binom_test():
    # R ?binom.test: binom.test(682, 925, p = 0.75) -> p-value = 0.3825,
    # 95 percent confidence interval: 0.7076683 0.7654066
    row = share_test(
        count=682, n=925, threshold=0.75, alternative="two-sided", ci_method="exact"
    ).iloc[0]
    assert row["p_value"] == pytest.approx(0.3825, abs=5e-5)
    assert row["ci_low"] == pytest.approx(0.7076683, abs=5e-8)
    assert row["ci_high"] == pytest.approx(0.7654066, abs=5e-8)
    assert row["ci_method"] == "clopper-pearson"


def test_wilson_interval_by_formula():
    k, n, z = 7, 20, norm.isf(0.025)
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    row = share_test(count=k, n=n, threshold=0.5).iloc[0]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((centre - half, centre + half))
    assert row["ci_low"] == pytest.approx(0.1812, abs=5e-5)  # FIELD_NOTES: (0.1812, 0.5671)
    # one-sided 'greater' p by hand: P(X >= 7 | n = 20, p = 0.5)
    assert row["p_value"] == pytest.approx(sum(comb(20, i) for i in range(7, 21)) / 2**20)
    assert row["direction"] == "below"


def test_holm_and_bh_by_hand():
    p = [0.01, 0.04, 0.03, 0.005]
    # Holm: sorted 0.005*4, 0.01*3, 0.03*2, 0.04*1 -> 0.02, 0.03, 0.06, max(0.06, 0.04)
    assert adjust_pvalues(p) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # BH (R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") = 0.02 0.04 0.04 0.02)
    assert adjust_pvalues(p, correction="bh") == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert adjust_pvalues(p, correction="none") == pytest.approx(p)


def test_holm_agrees_with_statsmodels():
    rng = np.random.default_rng(11)
    vectors = [rng.uniform(size=k) for k in (1, 2, 5, 12)] + [
        np.array([0.02, 0.02, 0.5, 0.01, 0.9])
    ]
    for p in vectors:
        assert adjust_pvalues(p) == pytest.approx(multipletests(p, method="holm")[1], abs=1e-15)


def test_chi_square_and_cramers_v_match_r_example():
    # R ?chisq.test (Agresti 2007, p. 39): M <- rbind(c(762, 327, 468), c(484, 239, 477))
    # X-squared = 30.07, df = 2, p-value = 2.954e-07
    values, groups = _from_table([[762, 327, 468], [484, 239, 477]], ["F", "M"], ["D", "I", "R"])
    res = compare_nominal(values, groups)
    assert res["statistic"].iloc[0] == pytest.approx(30.07, abs=5e-3)
    assert res["df"].iloc[0] == 2
    assert res["p_value"].iloc[0] == pytest.approx(2.954e-07, rel=1e-3)
    # Cramér's V by hand: sqrt(X2 / (N (min(r, c) - 1)))
    assert res["effect_size"].iloc[0] == pytest.approx(np.sqrt(res["statistic"].iloc[0] / 2757))
    assert res["method"].iloc[0].startswith("chi-square test of independence; ")


def test_fisher_2x2_by_hand():
    # R ?fisher.test TeaTasting: matrix(c(3, 1, 1, 3), 2); the two-sided p sums the
    # hypergeometric tables no more likely than the observed: (1 + 16 + 16 + 1) / 70
    values, groups = _from_table([[3, 1], [1, 3]], ["milk", "tea"], ["milk", "tea"])
    res = compare_nominal(values, groups, min_n=4)
    assert res["p_value"].iloc[0] == pytest.approx(34 / comb(8, 4))
    assert res["method"].iloc[0].startswith("Fisher exact test, 2x2")


def test_fisher_rxc_monte_carlo_near_r_exact_value():
    # R ?fisher.test Job satisfaction (4 x 4): fisher.test(Job) -> p-value = 0.7827
    job = [[1, 2, 1, 0], [3, 3, 6, 1], [10, 10, 14, 9], [6, 7, 12, 11]]
    values, groups = _from_table(job, ["<15k", "15-25k", "25-40k", ">40k"], list("ABCD"))
    res = compare_nominal(values, groups, min_n=1, seed=1)
    assert res["p_value"].iloc[0] == pytest.approx(0.7827, abs=0.015)  # MC s.e. ~0.004
    assert "Monte-Carlo" in res["method"].iloc[0]
    again = compare_nominal(values, groups, min_n=1, seed=1)
    assert again["p_value"].iloc[0] == res["p_value"].iloc[0]  # reproducible through seed


def test_dunn_against_hand_oracle():
    samples = {"a": [1, 2, 2, 3, 3, 4], "b": [4, 4, 5, 5, 5, 3], "c": [2, 3, 3, 4, 1]}
    res = dunn(*_grouped(samples), min_n=5, correction="none")
    # oracle: Dunn (1964) z = (Ri - Rj) / sqrt((N(N+1)/12 - sum(t^3 - t)/(12(N-1))) (1/ni + 1/nj))
    allv = np.concatenate([samples[g] for g in "abc"])
    ranks = rankdata(allv)
    n_tot = allv.size
    _, t = np.unique(allv, return_counts=True)
    s2 = n_tot * (n_tot + 1) / 12 - (t**3 - t).sum() / (12 * (n_tot - 1))
    bounds = np.cumsum([0, 6, 6, 5])
    mean_rank = {g: ranks[bounds[i] : bounds[i + 1]].mean() for i, g in enumerate("abc")}
    for _, row in res.iterrows():
        a, b = row["group_a"], row["group_b"]
        z = (mean_rank[a] - mean_rank[b]) / np.sqrt(
            s2 * (1 / len(samples[a]) + 1 / len(samples[b]))
        )
        assert row["statistic"] == pytest.approx(z, rel=1e-6)
        assert row["p_value"] == pytest.approx(2 * norm.sf(abs(z)), rel=1e-9)
    holm = dunn(*_grouped(samples), min_n=5)
    assert holm["p_adjusted"].to_numpy() == pytest.approx(adjust_pvalues(res["p_value"]))


def test_battery_ranking_top_two_above_the_rest():
    rng = np.random.default_rng(3)
    n = 120
    codes = pd.DataFrame(
        {
            "low1": rng.integers(1, 4, n),
            "top1": rng.integers(4, 6, n),
            "mid": rng.integers(2, 5, n),
            "top2": rng.integers(3, 6, n),
            "low2": rng.integers(1, 3, n),
        }
    )
    res = battery_ranking(codes, top=2)
    assert list(res["item"][:2]) == ["top1", "top2"]
    assert res["above_all_others"].tolist() == [True, True, False, False, False]
    assert set(res.loc[0, "above"]) == {"top2", "mid", "low1", "low2"}
    # plain oracle: the ranking is by mean
    assert list(res["item"]) == list(codes.mean().sort_values(ascending=False).index)


def test_battery_ranking_top_not_separated():
    # top2 and the third item are identical: top2 cannot be above the rest
    base = np.tile([1, 2, 3, 4, 5, 3, 4, 2], 10)
    codes = pd.DataFrame({"a": base + 2, "b": base + 1, "c": base + 1, "d": base})
    res = battery_ranking(codes.clip(upper=7), top=2)
    assert res["above_all_others"].tolist() == [True, False, False, False]


# --- survey layer -----------------------------------------------------------------------


def test_survey_layer_uses_scale_midpoint_and_levels():
    s = _survey(
        {"cust_training": [4, 4, 5, 3, 2, 4, 0, 5], "digital_use": [4, 5, 3, 3, 5, 0, 1, 4]}
    )
    row = vs_neutral(s, ["cust_training"]).iloc[0]
    assert row["threshold"] == 3.0 and row["n"] == 7 and row["n_above"] == 5
    share = share_test(s, "digital_use", levels="top2", threshold=0.5).iloc[0]
    assert (share["count"], share["n"]) == (4, 7)  # missing excluded from the base
    assert share["level"] == "Aumentato + Molto aumentato"
    named = share_test(s, "digital_use", levels=["Molto aumentato"], threshold=0.5)
    assert named["count"].iloc[0] == 2


def test_compare_groups_family_and_small_groups():
    agree = [5, 4, 4, 5, 4, 5, 4, 4, 5, 4, 1, 2, 2, 1, 2, 3, 2, 1, 2, 2, 3, 3]
    size = [4] * 10 + [1] * 10 + [2] * 2
    area = [1, 2] * 11
    s = _survey({"org_models": agree, "size": size, "area": area})
    res = compare_groups(s, "org_models", ["size", "area"], min_n=5)
    small = res[(res["segment"] == "size") & (res["n"] < 5)]
    assert not small["tested"].any() and small["p_value"].isna().all()
    assert (small["note"] == [f"n = {n} < min_n = 5: not tested" for n in small["n"]]).all()
    p = res.groupby("segment", sort=False)["p_value"].first().to_numpy()
    assert res.groupby("segment", sort=False)["p_adjusted"].first().to_numpy() == pytest.approx(
        adjust_pvalues(p)
    )
    assert res.loc[res["group"] == "1000 e oltre", "direction"].item() == "above"
    dunn = dunn_posthoc(s, "org_models", "size", min_n=2)
    assert len(dunn) == 3


def test_survey_battery_on_grid_id():
    n = 40
    rng = np.random.default_rng(7)
    cb = load_codebook()
    items = cb.grid_items("effects")
    cols = {i: rng.integers(1, 4, n) for i in items}
    cols["effect_worklife"] = rng.integers(4, 6, n)
    cols["effect_continuity"] = rng.integers(4, 6, n)
    cols["effect_costs"][:3] = 0  # three missing answers: complete cases drop them
    s = _survey(cols)
    res = battery_ranking(s, "effects")
    assert set(res["item"][:2]) == {"effect_worklife", "effect_continuity"}
    assert res["above_all_others"].sum() == 2
    assert (res["n"] == n - 3).all()
    assert res["note"].iloc[0] == f"complete cases across the 9 items: {n - 3} of {n} rows"
    assert friedman(s, "effects")["n"].iloc[0] == n - 3


def test_every_result_uses_the_vocabulary():
    codes = pd.DataFrame({"a": [4, 5, 3, 2, 4], "b": [2, 3, 3, 1, 2], "c": [5, 5, 4, 4, 3]})
    values, groups = _grouped({"x": [1, 2, 3, 4], "y": [3, 4, 5, 5]})
    tables = [
        vs_neutral(codes, midpoint=3),
        share_test(count=3, n=5, threshold=0.5),
        compare_ordinal(values, groups, min_n=2),
        compare_nominal(values.astype(str), groups, min_n=2),
        dunn(values, groups, min_n=2),
        friedman(codes),
        pairwise_battery(codes),
        battery_ranking(codes, top=1),
    ]
    for table in tables:
        check_columns(table.columns, ALLOWED)


# --- errors -----------------------------------------------------------------------------


def test_errors_name_the_parameter():
    with pytest.raises(
        SurveyDataError,
        match=r"^column a: parameter data: expected numeric codes, found dtype str$",
    ):
        vs_neutral(pd.DataFrame({"a": ["x", "y"]}), midpoint=3)
    with pytest.raises(
        SurveyDataError,
        match="parameter correction: found 'fdr_bh', expected one of holm, bh, bonferroni, none",
    ):
        adjust_pvalues([0.1], correction="fdr_bh")
    with pytest.raises(SurveyDataError, match="parameter threshold: found 1.5"):
        share_test(count=3, n=10, threshold=1.5)
    s = _survey({"digital_use": [4, 5, 3]})
    with pytest.raises(
        SurveyDataError, match=r"column digital_use: parameter levels: found \['Aumentatissimo'\]"
    ):
        share_test(s, "digital_use", levels=["Aumentatissimo"], threshold=0.5)
    with pytest.raises(SurveyDataError, match="parameter top: found 3"):
        battery_ranking(pd.DataFrame({"a": [1, 2], "b": [2, 3], "c": [1, 1]}), top=3)


# --- properties -------------------------------------------------------------------------

likert = st.lists(st.integers(1, 5), min_size=3, max_size=40)


@settings(max_examples=30, deadline=None)
@given(st.lists(likert, min_size=1, max_size=4))
def test_vs_neutral_p_values_are_probabilities(columns):
    codes = pd.DataFrame({f"i{j}": pd.Series(c, dtype=float) for j, c in enumerate(columns)})
    res = vs_neutral(codes, midpoint=3)
    tested = res.dropna(subset=["p_value"])
    assert tested["p_value"].between(0, 1).all()
    assert (tested["p_adjusted"] >= tested["p_value"] - 1e-12).all()
    signs = res.dropna(subset=["sign_p_value"])
    assert (signs["sign_p_adjusted"] >= signs["sign_p_value"] - 1e-12).all()
    assert (res["n_above"] + res["n_below"] + res["n_at_midpoint"] == res["n"]).all()


@settings(max_examples=15, deadline=None)
@given(likert, st.randoms(use_true_random=False))
def test_permuting_respondents_changes_nothing(values, random):
    codes = pd.DataFrame({"a": values, "b": values[::-1], "c": sorted(values)}, dtype=float)
    order = list(range(len(values)))
    random.shuffle(order)
    shuffled = codes.iloc[order].reset_index(drop=True)
    pd.testing.assert_frame_equal(vs_neutral(codes, midpoint=3), vs_neutral(shuffled, midpoint=3))
    pd.testing.assert_frame_equal(battery_ranking(codes), battery_ranking(shuffled))
    groups = pd.Series(["g1", "g2", "g3"] * len(values))[: len(values)]
    a = compare_ordinal(codes["a"], groups, min_n=1)
    b = compare_ordinal(codes["a"].iloc[order], groups.iloc[order], min_n=1)
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=40, deadline=None)
@given(likert)
def test_shifting_codes_moves_direction(values):
    codes = pd.DataFrame({"a": values}, dtype=float)
    assert vs_neutral(codes + 3, midpoint=3)["direction"].item() == "above"
    assert vs_neutral(codes - 5, midpoint=3)["direction"].item() == "below"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 15), min_size=2, max_size=5), st.integers(1, 12))
def test_group_below_min_n_is_never_tested(sizes, min_n):
    samples = {f"g{i}": [(j % 5) + 1 for j in range(i, i + n)] for i, n in enumerate(sizes)}
    values, groups = _grouped(samples)
    groups = pd.Series(pd.Categorical(groups, categories=list(samples)))
    res = compare_ordinal(values, groups, min_n=min_n)
    assert res["n"].tolist() == sizes  # every group listed with its n
    small = res[res["n"] < min_n]
    assert not small["tested"].any()
    assert small["p_value"].isna().all() and small["statistic"].isna().all()
    assert (res["tested"] == (res["n"] >= min_n)).all()


@given(st.lists(st.one_of(st.floats(0, 1), st.just(np.nan)), min_size=1, max_size=10))
def test_adjust_ignores_nan(p):
    arr = np.asarray(p, dtype=float)
    out = adjust_pvalues(arr)
    assert np.array_equal(np.isnan(out), np.isnan(arr))
    kept = ~np.isnan(arr)
    assert out[kept] == pytest.approx(adjust_pvalues(arr[kept]))
    assert (out[kept] >= arr[kept] - 1e-12).all()


# --- the bundled (simulated) data: QUESTIONNAIRE.md's calibration table -------------------


@pytest.fixture(scope="module")
def bundled():
    from cmmc_analysis import load_survey

    return load_survey()


def test_bundled_data_shows_the_calibrated_patterns(bundled):
    items = ["cust_awareness", "cust_training", "cust_capability"]
    res = vs_neutral(bundled, items).set_index("item")
    assert res.loc["cust_awareness", "p_adjusted"] > 0.05  # S3: not significant
    for item in ("cust_training", "cust_capability"):  # S4, S5: significantly above
        assert res.loc[item, "p_adjusted"] < 0.05
        assert res.loc[item, "direction"] == "above"
    ranking = battery_ranking(bundled, "effects")  # S7
    assert set(ranking["item"][:2]) == {"effect_worklife", "effect_continuity"}
    assert ranking["above_all_others"].sum() == 2
    share = share_test(bundled, "digital_use", levels="top2", threshold=0.8)  # S2
    assert share["p_value"].iloc[0] < 0.05
