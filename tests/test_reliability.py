"""Tests of cmmc_analysis.reliability: published values, an independent package, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmmc_analysis.codebook import load_codebook
from cmmc_analysis.columns import check_columns
from cmmc_analysis.errors import SurveyDataError
from cmmc_analysis.reliability import (
    EXTRA_COLUMNS,
    cronbach_alpha,
    cross_products,
    item_analysis,
    omega_total,
    reliability_table,
)
from cmmc_analysis.survey import Survey

CB = load_codebook()

# pingouin's dataset "cronbach_wide_missing" (12 respondents x 11 binary items, 4 gaps).
_WIDE_MISSING = """\
1,1,1,1,1,1,1,1,1,1,1
1,1,1,1,1,1,1,1,0,1,0
,0,1,1,,1,1,1,1,0,0
1,1,1,0,1,1,0,1,1,0,0
1,1,1,1,1,0,0,0,1,0,0
0,1,,0,1,1,1,1,0,0,0
1,1,1,1,0,0,1,0,0,0,0
1,1,1,1,1,0,0,0,0,0,0
0,1,0,1,1,0,0,0,0,1,0
1,0,0,1,0,1,0,0,,0,0
1,1,1,0,0,0,0,0,0,0,0
1,0,0,1,0,0,0,0,0,0,0"""


def wide_missing() -> pd.DataFrame:
    rows = [
        [float(v) if v else np.nan for v in line.split(",")] for line in _WIDE_MISSING.splitlines()
    ]
    return pd.DataFrame(rows, columns=[f"Q{i}" for i in range(1, 12)])


def one_factor_codes(rng, n, loadings, *, p_missing=0.0) -> pd.DataFrame:
    """Likert codes 1..5 from a one-factor model, with values missing at random."""
    f = rng.normal(size=(n, 1))
    noise = rng.normal(size=(n, len(loadings))) * np.sqrt(1 - np.square(loadings))
    x = np.clip(np.round(3 + 1.2 * (f * np.asarray(loadings) + noise)), 1, 5)
    x[rng.random(x.shape) < p_missing] = np.nan
    return pd.DataFrame(x, columns=[f"i{j}" for j in range(len(loadings))])


# --- known answers -------------------------------------------------------------------------


def test_alpha_matches_psych_published_values():
    # psych::alpha(data, use="pairwise") -> 0.732661, Feldt CI [0.435, 0.909], and
    # psych::alpha(data[complete.cases(data), ]) -> 0.801695, CI [0.533, 0.947]: the values
    # pinned in pingouin's tests/test_reliability.py (raphaelvallat/pingouin), checked there
    # against R's psych.
    data = wide_missing()
    pw = cronbach_alpha(data, missing="pairwise").iloc[0]
    assert pw["estimate"] == pytest.approx(0.732661, abs=5e-7)
    assert (pw["ci_low"], pw["ci_high"]) == pytest.approx((0.435, 0.909), abs=5e-4)
    assert (pw["n"], pw["k"], pw["missing_rule"]) == (12, 11, "pairwise")
    lw = cronbach_alpha(data, missing="listwise").iloc[0]
    assert lw["estimate"] == pytest.approx(0.801695, abs=5e-7)
    assert (lw["ci_low"], lw["ci_high"]) == pytest.approx((0.533, 0.947), abs=5e-4)
    assert lw["n"] == 9


@pytest.mark.parametrize("rule", ["listwise", "pairwise"])
def test_alpha_agrees_with_pingouin(rule):
    pg = pytest.importorskip("pingouin")
    data = one_factor_codes(np.random.default_rng(10), 250, [0.7, 0.6, 0.5, 0.8], p_missing=0.05)
    ours = cronbach_alpha(data, missing=rule).iloc[0]
    theirs, ci = pg.cronbach_alpha(data=data, nan_policy=rule)
    assert ours["estimate"] == pytest.approx(theirs, abs=1e-12)
    if rule == "pairwise":  # pingouin rounds its interval to 3 decimals
        assert (ours["ci_low"], ours["ci_high"]) == pytest.approx(tuple(ci), abs=5e-4)


def test_alpha_std_is_alpha_of_cov2cor_of_the_pairwise_covariances():
    # psych::alpha(use = "pairwise"): C = cov(x, use = "pairwise"), R = cov2cor(C)
    data = wide_missing()
    c = data.cov().to_numpy()
    r = c / np.sqrt(np.outer(np.diag(c), np.diag(c)))
    k = r.shape[0]
    rbar = r[~np.eye(k, dtype=bool)].mean()
    row = cronbach_alpha(data, missing="pairwise").iloc[0]
    assert row["alpha_std"] == pytest.approx(k * rbar / (1 + (k - 1) * rbar))


def test_cross_products_match_pandas_and_merge_by_addition():
    data = one_factor_codes(np.random.default_rng(11), 300, [0.7, 0.6, 0.5], p_missing=0.1)
    cp = cross_products(data, missing="pairwise")
    np.testing.assert_allclose(cp.cov(), data.cov().to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(cp.corr(), data.corr().to_numpy(), rtol=1e-10)
    merged = cross_products(data.iloc[:120], missing="pairwise") + cross_products(
        data.iloc[120:], missing="pairwise"
    )
    np.testing.assert_allclose(merged.cov(), cp.cov(), rtol=1e-10)
    assert merged.n_any == cp.n_any
    listwise = cross_products(data, missing="listwise")
    np.testing.assert_allclose(listwise.cov(), data.dropna().cov().to_numpy(), rtol=1e-10)


# --- omega ---------------------------------------------------------------------------------


def test_omega_recovers_the_population_value_of_a_one_factor_model():
    # Data whose sample correlation matrix is exactly the model's: Sigma = L L' + diag(psi).
    # Then the ML fit recovers L, and omega_t = (sum L)^2 / ((sum L)^2 + sum psi).
    lam = np.array([0.8, 0.7, 0.6, 0.5, 0.4])
    sigma = np.outer(lam, lam) + np.diag(1 - lam**2)
    rng = np.random.default_rng(12)
    z = rng.normal(size=(400, 5))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T  # sample cov = I
    x = pd.DataFrame(z @ np.linalg.cholesky(sigma).T * 2 + 3)  # sample corr = sigma
    expected = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    row = omega_total(x).iloc[0]
    assert row["estimate"] == pytest.approx(expected, abs=1e-6)
    assert row["note"] is None and (row["n"], row["k"]) == (400, 5)


def test_omega_loadings_agree_with_scikit_learn_factor_analysis():
    sklearn = pytest.importorskip("sklearn.decomposition")
    data = one_factor_codes(np.random.default_rng(13), 500, [0.8, 0.7, 0.6, 0.5])
    z = (data - data.mean()) / data.std(ddof=0)
    fa = sklearn.FactorAnalysis(n_components=1, tol=1e-10, max_iter=10_000).fit(z)
    lam = np.abs(fa.components_[0])
    expected = lam.sum() ** 2 / (lam.sum() ** 2 + fa.noise_variance_.sum())
    assert omega_total(data).iloc[0]["estimate"] == pytest.approx(expected, abs=2e-3)


def test_omega_needs_three_items():
    row = omega_total(pd.DataFrame({"a": [1.0, 2, 3], "b": [2.0, 1, 3]})).iloc[0]
    assert np.isnan(row["estimate"]) and row["note"] == "omega needs at least 3 items"


# --- properties ----------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(1, 5), min_size=3, max_size=40).filter(lambda v: len(set(v)) > 1),
    st.integers(2, 6),
)
def test_alpha_of_copies_of_one_item_is_one(values, k):
    data = pd.DataFrame({f"c{j}": np.asarray(values, dtype=float) for j in range(k)})
    row = cronbach_alpha(data).iloc[0]
    assert row["estimate"] == pytest.approx(1.0)
    assert row["alpha_std"] == pytest.approx(1.0)
    assert row["ci_low"] == pytest.approx(1.0) and row["ci_high"] == pytest.approx(1.0)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31), st.sampled_from(["listwise", "pairwise"]))
def test_permuting_respondents_changes_nothing_and_ci_contains_alpha(seed, rule):
    rng = np.random.default_rng(seed)
    data = one_factor_codes(rng, 60, [0.7, 0.5, 0.6], p_missing=0.1)
    a = cronbach_alpha(data, missing=rule)
    b = cronbach_alpha(data.sample(frac=1, random_state=seed % 1000), missing=rule)
    pd.testing.assert_frame_equal(a, b, rtol=1e-10)
    row = a.iloc[0]
    assert row["ci_low"] <= row["estimate"] <= row["ci_high"] <= 1
    pd.testing.assert_frame_equal(
        item_analysis(data, missing=rule), item_analysis(data.iloc[::-1], missing=rule), rtol=1e-10
    )


# --- item analysis and the table ------------------------------------------------------------


def test_item_analysis_matches_plain_oracle_and_flags_wrong_keying():
    data = one_factor_codes(np.random.default_rng(14), 300, [0.8, 0.7, 0.6, 0.5], p_missing=0.05)
    data["i3"] = 6 - data["i3"]  # a reverse-keyed item left unreversed
    t = item_analysis(data, "demo").set_index("item")
    full = data.dropna()
    for item in data.columns:
        rest = full.drop(columns=item)
        r = np.corrcoef(full[item], rest.sum(axis=1))[0, 1]
        assert t.loc[item, "r_drop"] == pytest.approx(r)
        assert t.loc[item, "alpha_if_dropped"] == pytest.approx(
            cronbach_alpha(rest).iloc[0]["estimate"]
        )
        assert t.loc[item, "mean"] == pytest.approx(full[item].mean())
        assert t.loc[item, "n"] == len(full)
    assert t["flag"].isna().tolist() == [True, True, True, False]
    assert t.loc["i3", "flag"] == "check keying"
    assert (t["construct"] == "demo").all()


def _readiness_survey(rng, n) -> Survey:
    items = list(CB.constructs["digital_readiness"].items)
    codes = one_factor_codes(rng, n, [0.8, 0.7, 0.7, 0.6], p_missing=0.05)
    codes.iloc[:, 3] = 6 - codes.iloc[:, 3]  # cust_phone_pref is worded against the construct
    idx = pd.Index([f"r{i}" for i in range(n)], name="respondent_id")
    data = pd.DataFrame(index=idx)
    for item, col in zip(items, codes.columns, strict=True):
        pts = CB.scale_of(item).labels()
        c = codes[col].fillna(0).astype(int).to_numpy() - 1
        data[item] = pd.Categorical.from_codes(c, categories=pts, ordered=True)
    return Survey(data=data, missing=pd.DataFrame(index=idx), codebook=CB), codes


def test_reliability_table_applies_reverse_keys_and_reports_the_rule():
    s, codes = _readiness_survey(np.random.default_rng(15), 400)
    t = reliability_table(s, ["digital_readiness"]).iloc[0]
    keyed = codes.copy()
    keyed.iloc[:, 3] = 6 - keyed.iloc[:, 3]
    expected = cronbach_alpha(keyed).iloc[0]
    assert t["estimate"] == pytest.approx(expected["estimate"])
    assert (t["n"], t["k"], t["missing_rule"]) == (expected["n"], 4, "listwise")
    assert t["estimate"] > 0.6 and 0.6 < t["omega"] < 1
    assert item_analysis(s, "digital_readiness")["flag"].isna().all()
    pw = reliability_table(s, ["digital_readiness"], missing="pairwise").iloc[0]
    assert pw["n"] == (keyed.notna().any(axis=1)).sum() and pw["missing_rule"] == "pairwise"


def test_errors_name_the_parameter():
    data = wide_missing()
    with pytest.raises(
        SurveyDataError,
        match=r"parameter missing: expected one of \['listwise', 'pairwise', 'median'\], found 'all'",
    ):
        cronbach_alpha(data, missing="all")
    with pytest.raises(
        SurveyDataError, match=r"parameter codes: expected at least 2 items, found 1"
    ):
        cronbach_alpha(data[["Q1"]])
    with pytest.raises(
        SurveyDataError, match=r"column Q2: codes: expected numeric codes, found dtype"
    ):
        cronbach_alpha(data.assign(Q2="x"))
    s, _ = _readiness_survey(np.random.default_rng(0), 10)
    with pytest.raises(SurveyDataError, match=r"parameter construct: unknown construct 'nope'"):
        item_analysis(s, "nope")


def test_result_columns_come_from_the_vocabulary():
    s, codes = _readiness_survey(np.random.default_rng(16), 50)
    for table in (
        cronbach_alpha(codes),
        omega_total(codes),
        item_analysis(s, "digital_readiness"),
        reliability_table(s, ["digital_readiness"]),
    ):
        check_columns(table.columns, EXTRA_COLUMNS)


def test_bundled_data_show_the_calibrated_reliability():
    """QUESTIONNAIRE.md: tech_acceleration alpha about 0.8; the reverse key of
    cust_phone_pref makes every item-rest correlation of digital_readiness positive."""
    from cmmc_analysis import load_survey

    survey = load_survey()
    table = reliability_table(survey).set_index("construct")
    assert 0.75 <= table.loc["tech_acceleration", "estimate"] <= 0.85
    lo, hi = table.loc["tech_acceleration", ["ci_low", "ci_high"]]
    assert lo < table.loc["tech_acceleration", "estimate"] < hi
    items = item_analysis(survey, "digital_readiness")
    assert (items["r_drop"] > 0).all()
    assert not items["flag"].fillna("").astype(bool).any()


def test_cross_products_use_one_blas_thread(monkeypatch):
    """The k x k products run on one BLAS thread whatever the caller set (spinning
    threads made them 20x slower on a loaded machine); the caller's setting is restored."""
    from threadpoolctl import threadpool_info, threadpool_limits

    import cmmc_analysis.reliability.crossproducts as cp

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    seen = []
    real = cp._cross_products
    monkeypatch.setattr(cp, "_cross_products", lambda *a: seen.append(blas_threads()) or real(*a))
    codes = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 2, 5, 4]})
    with threadpool_limits(2, user_api="blas"):
        before = blas_threads()
        cp.cross_products(codes, missing="pairwise")
        assert blas_threads() == before
    assert seen and seen[0] and set(seen[0]) == {1}
    if any(n > 1 for n in before):  # the library had two threads: the limit did something
        assert seen[0] != before
