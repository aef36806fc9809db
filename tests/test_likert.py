"""Tests of cmmc_analysis.describe.likert: known answers, oracles computed plainly, properties."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cmmc_analysis.codebook import load_codebook
from cmmc_analysis.columns import check_columns
from cmmc_analysis.describe import (
    EXTRA_COLUMNS,
    choice_summary,
    codes,
    construct_scores,
    distribution,
    level_counts,
    likert_summary,
    numeric_summary,
    reverse,
    summary_from_counts,
)
from cmmc_analysis.display import with_labels
from cmmc_analysis.errors import SurveyDataError
from cmmc_analysis.survey import Survey

CB = load_codebook()
TECH = list(CB.constructs["tech_acceleration"].items)
CUST = list(CB.constructs["digital_readiness"].items)


def make_survey(
    scale: dict[str, list[int]],
    *,
    na: dict[str, list[bool]] | None = None,
    extra: dict[str, object] | None = None,
) -> Survey:
    """A hand-built Survey: scale codes (0 = missing), not-an-answer masks, other columns."""
    n = len(next(iter(scale.values())))
    idx = pd.Index([f"r{i}" for i in range(n)], name="respondent_id")
    data, missing = {}, {}
    for item, vals in scale.items():
        pts = CB.scale_of(item).labels()
        data[item] = pd.Categorical.from_codes(np.asarray(vals) - 1, categories=pts, ordered=True)
        flags = (na or {}).get(item, [False] * n)
        missing[item] = [
            "not_an_answer" if f else ("blank" if v == 0 else None)
            for v, f in zip(vals, flags, strict=True)
        ]
    frame = pd.DataFrame(data, index=idx)
    for key, val in (extra or {}).items():
        frame[key] = val
    return Survey(data=frame, missing=pd.DataFrame(missing, index=idx), codebook=CB)


def random_codes(rng: np.random.Generator, n: int, items: list[str], p_missing=0.1) -> dict:
    out = {}
    for item in items:
        vals = rng.integers(1, 6, n)
        vals[rng.random(n) < p_missing] = 0
        out[item] = vals.tolist()
    return out


def segment(values) -> pd.Categorical:
    return pd.Categorical(values, categories=CB.labels("size"), ordered=True)


# --- known answers -------------------------------------------------------------------------


def test_wilson_interval_matches_statsmodels_known_answer():
    # FIELD_NOTES.md: statsmodels proportion_confint(7, 20, method="wilson") and
    # scipy binomtest(7, 20).proportion_ci("wilson") both give (0.1812, 0.5671).
    s = make_survey({"tech_cloud": [5] * 7 + [1] * 13})
    row = distribution(s, ["tech_cloud"]).query("code == 5").iloc[0]
    assert row["share"] == pytest.approx(0.35)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.1812, 0.5671), abs=5e-5)
    top = summary_from_counts(np.array([13, 0, 0, 0, 7])).iloc[0]
    assert (top["ci_low"], top["ci_high"]) == pytest.approx((0.1812, 0.5671), abs=5e-5)


def test_summary_matches_plain_pandas_oracle():
    rng = np.random.default_rng(1)
    s = make_survey(random_codes(rng, 300, ["tech_cloud", "tech_video"]))
    t = likert_summary(s, ["tech_cloud", "tech_video"]).set_index("item")
    for item in ["tech_cloud", "tech_video"]:
        x = s.data[item].cat.codes.replace(-1, np.nan).dropna() + 1
        row = t.loc[item]
        assert row["n"] == len(x)
        assert row["mean"] == pytest.approx(x.mean())
        assert row["sd"] == pytest.approx(x.std(ddof=1))
        assert row["median"] == x.median()
        assert row["top2"] == pytest.approx((x >= 4).mean())
        assert row["bottom2"] == pytest.approx((x <= 2).mean())
        assert row["net"] == pytest.approx((x >= 4).mean() - (x <= 2).mean())
        for c in range(1, 6):
            assert row[f"share_{c}"] == pytest.approx((x == c).mean())


def test_not_an_answer_is_out_of_the_base_and_shown_apart():
    s = make_survey(
        {"tech_cloud": [5, 4, 4, 0, 0, 2]},
        na={"tech_cloud": [False, False, False, True, False, False]},
    )
    row = likert_summary(s, ["tech_cloud"]).iloc[0]
    assert (row["n"], row["n_not_an_answer"], row["n_missing"]) == (4, 1, 1)
    assert row["mean"] == pytest.approx(15 / 4)
    d = with_labels(distribution(s, ["tech_cloud"]), CB, "en")
    assert d["level"].tolist()[-1] == "Non so"
    assert d["label"].tolist()[-1] == "Don't know"
    na_row = d[d["is_not_an_answer"]].iloc[0]
    assert (na_row["count"], na_row["n"], na_row["share"]) == (1, 5, pytest.approx(0.2))
    points = d[~d["is_not_an_answer"]]
    # every scale point is present, including those nobody chose
    assert points["code"].tolist() == [1, 2, 3, 4, 5]
    assert points["count"].tolist() == [0, 1, 0, 2, 1]
    assert points["share"].sum() == pytest.approx(1.0)


def test_by_segment_equals_summary_of_each_subset_and_keeps_empty_groups():
    rng = np.random.default_rng(2)
    n = 200
    sizes = rng.choice(CB.labels("size")[:3], n).astype(object)
    sizes[:5] = None
    s = make_survey(random_codes(rng, n, ["tech_cloud"]), extra={"size": segment(sizes)})
    t = likert_summary(s, ["tech_cloud"], by="size")
    assert t["group"].tolist() == CB.labels("size")
    assert (t["segment"] == "size").all()
    for _, row in t.iterrows():
        keep = (s.data["size"] == row["group"]).to_numpy()
        x = s.data.loc[keep, "tech_cloud"].cat.codes
        x = x[x >= 0] + 1
        assert row["n"] == len(x)
        if len(x):
            assert row["mean"] == pytest.approx(x.mean())
        else:
            assert np.isnan(row["mean"]) and np.isnan(row["ci_low"])
    d = distribution(s, ["tech_cloud"], by="size")
    assert len(d) == 4 * 6  # 4 groups x (5 points + not-an-answer)


def test_weighted_summary_matches_numpy_oracle():
    rng = np.random.default_rng(3)
    n = 400
    s = make_survey(random_codes(rng, n, ["tech_cloud"]), extra={"w": rng.uniform(0.2, 3, n)})
    row = likert_summary(s, ["tech_cloud"], weights="w").iloc[0]
    x = s.data["tech_cloud"].cat.codes.to_numpy() + 1.0
    w = s.data["w"].to_numpy()
    ok = x > 0
    x, w = x[ok], w[ok]
    assert row["mean"] == pytest.approx(np.average(x, weights=w))
    assert row["n"] == pytest.approx(w.sum())
    assert row["n_eff"] == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert row["top2"] == pytest.approx(w[x >= 4].sum() / w.sum())
    assert bool(row["weighted"])


def test_weights_all_one_equal_unweighted():
    rng = np.random.default_rng(4)
    n = 150
    s = make_survey(
        random_codes(rng, n, ["tech_cloud", "tech_chatbot"]),
        extra={"w": np.ones(n), "size": segment(rng.choice(CB.labels("size"), n))},
    )
    for fn in (likert_summary, distribution):
        a = fn(s, ["tech_cloud", "tech_chatbot"], by="size").drop(columns="weighted")
        b = fn(s, ["tech_cloud", "tech_chatbot"], by="size", weights="w").drop(columns="weighted")
        pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_permuting_respondents_changes_nothing():
    rng = np.random.default_rng(5)
    n = 120
    s = make_survey(
        random_codes(rng, n, ["tech_cloud"]),
        extra={"size": segment(rng.choice(CB.labels("size"), n))},
    )
    order = rng.permutation(n)
    p = Survey(data=s.data.iloc[order], missing=s.missing.iloc[order], codebook=CB)
    for fn in (likert_summary, distribution):
        pd.testing.assert_frame_equal(fn(s, by="size"), fn(p, by="size"))


# --- properties ----------------------------------------------------------------------------

code_arrays = arrays(
    np.float64, st.integers(1, 60), elements=st.sampled_from([1.0, 2, 3, 4, 5, np.nan])
)


@given(code_arrays)
def test_reverse_twice_is_identity(x):
    np.testing.assert_array_equal(reverse(reverse(x, k=5), k=5), x)
    assert np.nanmax(reverse(x, k=5), initial=1) <= 5


@settings(max_examples=60)
@given(code_arrays)
def test_counts_give_numpy_median_and_shares_summing_to_one(x):
    valid = x[np.isfinite(x)]
    row = summary_from_counts(level_counts(x, 5)).iloc[0]
    if len(valid) == 0:
        assert np.isnan(row["median"])
        return
    assert row["median"] == np.median(valid)
    assert sum(row[f"share_{c}"] for c in range(1, 6)) == pytest.approx(1.0)
    assert 0 <= row["ci_low"] <= row["top2"] <= row["ci_high"] <= 1


@settings(max_examples=30, deadline=None)
@given(code_arrays, st.integers(0, 60))
def test_counts_of_chunks_add_up(x, cut):
    whole = level_counts(x, 5)
    np.testing.assert_array_equal(whole, level_counts(x[:cut], 5) + level_counts(x[cut:], 5))


@settings(max_examples=25, deadline=None)
@given(
    arrays(np.int64, st.integers(1, 40), elements=st.integers(0, 5)),
    arrays(np.float64, 40, elements=st.floats(0.01, 10)),
)
def test_distribution_intervals_contain_share_and_stay_in_unit_interval(vals, w):
    s = make_survey({"tech_cloud": vals.tolist()}, extra={"w": w[: len(vals)]})
    for weights in (None, "w"):
        d = distribution(s, ["tech_cloud"], weights=weights)
        pts = d[~d["is_not_an_answer"]]
        if pts["n"].iloc[0] > 0:
            assert pts["share"].sum() == pytest.approx(1.0)
            ok = d["n"] > 0
            assert (d.loc[ok, "ci_low"] <= d.loc[ok, "share"] + 1e-12).all()
            assert (d.loc[ok, "share"] <= d.loc[ok, "ci_high"] + 1e-12).all()
            assert (
                d.loc[ok, "ci_low"].between(0, 1).all() and d.loc[ok, "ci_high"].between(0, 1).all()
            )


# --- codes and construct scores ------------------------------------------------------------


def test_codes_reverse_keys_from_codebook():
    s = make_survey({item: [1, 2, 5] for item in CUST})
    plain = codes(s, CUST)
    keyed = codes(s, CUST, reverse_keyed=True)
    assert keyed["cust_phone_pref"].tolist() == [5.0, 4.0, 1.0]
    assert keyed["cust_awareness"].tolist() == plain["cust_awareness"].tolist()


def test_construct_scores_mean_with_min_valid_rule():
    # digital_readiness: 4 items, cust_phone_pref reverse-keyed; default min_valid 0.5
    s = make_survey(
        {
            "cust_awareness": [5, 4, 0, 0],
            "cust_training": [4, 0, 0, 0],
            "cust_capability": [3, 0, 2, 0],
            "cust_phone_pref": [1, 2, 0, 3],
        }
    )
    scores = construct_scores(s, ["digital_readiness"])["digital_readiness"]
    # r0: (5 + 4 + 3 + 5) / 4; r1: (4 + 4) / 2 (two of four answered); r2, r3: one answered
    assert scores.tolist()[:2] == [17 / 4, 4.0]
    assert scores.iloc[2:].isna().all()
    strict = construct_scores(s, ["digital_readiness"], min_valid=1.0)["digital_readiness"]
    assert strict.notna().tolist() == [True, False, False, False]
    assert scores.index.tolist() == s.data.index.tolist()


# --- choice and numeric summaries ----------------------------------------------------------


def _multi_survey(rng, n):
    opts = CB.item("channels_up").options
    ticks = rng.random((n, len(opts))) < np.linspace(0.1, 0.7, len(opts))
    idx = pd.Index([f"r{i}" for i in range(n)], name="respondent_id")
    data = pd.DataFrame(
        {f"channels_up__{o.code}": ticks[:, j] for j, o in enumerate(opts)}, index=idx
    )
    answered = rng.random(n) < 0.8
    data.loc[~answered, list(data.columns)] = False
    data["size"] = segment(rng.choice(CB.labels("size"), n))
    data["w"] = rng.uniform(0.5, 2, n)
    missing = pd.DataFrame({"channels_up": np.where(answered, None, "blank")}, index=idx)
    return Survey(data=data, missing=missing, codebook=CB), ticks & answered[:, None], answered


def test_choice_summary_multi_matches_oracle_and_is_ranked():
    rng = np.random.default_rng(6)
    s, ticks, answered = _multi_survey(rng, 500)
    t = with_labels(choice_summary(s, "channels_up"), CB, "en")
    assert (t["n"] == answered.sum()).all()
    assert t["share"].is_monotonic_decreasing
    for j, opt in enumerate(CB.item("channels_up").options):
        row = t[t["option"] == opt.text("it")].iloc[0]
        assert row["count"] == ticks[:, j].sum()
        assert row["label"] == opt.text("en")
    ones = s.data.assign(w=1.0)
    same = choice_summary(
        Survey(data=ones, missing=s.missing, codebook=CB), "channels_up", weights="w"
    )
    pd.testing.assert_frame_equal(
        t.drop(columns=["label", "weighted"]),
        same.drop(columns=["label", "weighted"]),
        check_dtype=False,
    )


def test_choice_summary_single_choice_by_segment():
    adopted = ["Sì", "Sì", "No", None, "In corso di attivazione", "Sì"]
    s = make_survey(
        {"tech_cloud": [1] * 6},
        extra={
            "remote_adopted": pd.Categorical(adopted, categories=CB.labels("remote_adopted")),
            "size": segment(["Meno di 50"] * 3 + ["50–249"] * 3),
        },
    )
    t = choice_summary(s, "remote_adopted")
    assert t["option"].tolist() == ["Sì", "In corso di attivazione", "No"]
    assert t["count"].tolist() == [3, 1, 1]
    assert (t["n"] == 5).all()
    g = choice_summary(s, "remote_adopted", by="size")
    small = g[g["group"] == "Meno di 50"]
    assert small["count"].tolist() == [2, 1, 0] and (small["n"] == 3).all()


def test_numeric_summary_with_where_filter_matches_numpy():
    rng = np.random.default_rng(7)
    n = 300
    adopted = rng.choice(["Sì", "In corso di attivazione", "No"], n)
    share = np.where(adopted == "No", np.nan, rng.integers(0, 101, n).astype(float))
    s = make_survey(
        {"tech_cloud": [1] * n},
        extra={
            "remote_adopted": pd.Categorical(adopted, categories=CB.labels("remote_adopted")),
            "remote_share": share,
        },
    )
    t = numeric_summary(s, "remote_share", where={"remote_adopted": ["Sì"]}).iloc[0]
    x = share[adopted == "Sì"]
    assert t["n"] == len(x)
    assert (t["median"], t["q1"], t["q3"]) == tuple(np.quantile(x, [0.5, 0.25, 0.75]))
    assert (t["min"], t["max"], t["mean"]) == (x.min(), x.max(), pytest.approx(x.mean()))
    assert t["ci_low"] <= t["median"] <= t["ci_high"]
    assert t["ci_method"] == "bootstrap BCa"
    again = numeric_summary(s, "remote_share", where={"remote_adopted": ["Sì"]}).iloc[0]
    assert (again["ci_low"], again["ci_high"]) == (t["ci_low"], t["ci_high"])  # seeded


def test_numeric_summary_large_n_uses_order_statistics():
    rng = np.random.default_rng(8)
    n = 50_000
    s = make_survey({"tech_cloud": [1] * n}, extra={"remote_share": rng.normal(60, 15, n)})
    t = numeric_summary(s, "remote_share").iloc[0]
    assert t["ci_method"] == "order statistics (quantile_test)"
    # the median's standard error is about 1.2533 sd / sqrt(n): 95 % half-width ~ 0.165
    assert t["ci_low"] < t["median"] < t["ci_high"]
    assert t["ci_high"] - t["ci_low"] == pytest.approx(
        2 * 1.96 * 1.2533 * 15 / np.sqrt(n), rel=0.15
    )


# --- errors --------------------------------------------------------------------------------


def test_errors_name_the_parameter_and_what_was_expected():
    s = make_survey({"tech_cloud": [1, 2]}, extra={"w": [1.0, -1.0], "remote_share": [1.0, 2.0]})
    with pytest.raises(
        SurveyDataError,
        match=r"column w: weights: 1 missing, infinite or negative values \(first at respondent r1\)",
    ):
        likert_summary(s, weights="w")
    with pytest.raises(
        SurveyDataError,
        match=r"parameter items: 'remote_share' is of type 'numeric'; expected a scale item",
    ):
        likert_summary(s, ["remote_share"])
    with pytest.raises(SurveyDataError, match=r"parameter by: 'remote_share' has dtype float64"):
        distribution(s, by="remote_share")
    with pytest.raises(
        SurveyDataError, match=r"item 'tech_video' is not a column of the survey data"
    ):
        distribution(s, ["tech_video"])
    with pytest.raises(
        SurveyDataError, match=r"parameter where\['remote_adopted'\]: expected a list of its labels"
    ):
        s2 = make_survey(
            {"tech_cloud": [1]},
            extra={
                "remote_adopted": pd.Categorical(["Sì"], categories=CB.labels("remote_adopted")),
                "remote_share": [3.0],
            },
        )
        numeric_summary(s2, "remote_share", where={"remote_adopted": ["Yes"]})
    with pytest.raises(
        SurveyDataError, match=r"parameter k: expected a number of scale points >= 2"
    ):
        reverse(np.array([1.0]), k=1)
    with pytest.raises(
        SurveyDataError, match=r"codes: expected whole numbers 1..5, found 6.0 at position 1"
    ):
        level_counts(np.array([1.0, 6.0]), 5)


def test_result_columns_come_from_the_vocabulary():
    rng = np.random.default_rng(9)
    s, _, _ = _multi_survey(rng, 50)
    s = make_survey(random_codes(rng, 50, ["tech_cloud"]), extra=dict(s.data.items()))
    extra = [c for c in EXTRA_COLUMNS if c != "share_<c>"] + [f"share_{c}" for c in range(1, 6)]
    check_columns(likert_summary(s, by="size").columns, extra)
    check_columns(distribution(s, by="size").columns, extra)
    check_columns(choice_summary(s, "channels_up", by="size").columns, extra)
    with pytest.raises(ValueError, match="share_1"):
        check_columns(likert_summary(s).columns, [c for c in extra if c != "share_1"])


def test_numeric_summary_tied_values_fall_back_without_warnings():
    # answers rounded to tens, as respondents give percentages: every jackknife median
    # is 80, so BCa's acceleration is 0/0 and the order-statistic interval is used
    x = np.array([70.0] * 10 + [80.0] * 25 + [90.0] * 15)
    s = make_survey({"tech_cloud": [1] * len(x)}, extra={"remote_share": x})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = numeric_summary(s, "remote_share").iloc[0]
    assert t["ci_method"] == "order statistics (quantile_test; BCa undefined: tied values)"
    assert t["ci_low"] <= t["median"] == 80.0 <= t["ci_high"]
