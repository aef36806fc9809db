"""The two tests behind :func:`~cmmc_analysis.significance.compare_groups`, per item and segment.

Ordinal items: Mann-Whitney U (2 groups) or Kruskal-Wallis (more); nominal items:
chi-square or Fisher's exact test. Each returns one row per group; the family-wide
adjustment is done by :func:`~cmmc_analysis.significance.compare_groups`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SurveyDataError
from ._common import _check_choice, _direction

#: What to do with groups smaller than min_n: leave them out of the test, or test them.
SMALL_GROUPS = ("exclude", "include")


def _group_table(
    values: pd.Series, groups: pd.Series, min_n: int, small_groups: str = "exclude"
) -> tuple[pd.DataFrame, list]:
    """Valid (value, group) pairs and the per-group counts; groups in category order."""
    if len(values) != len(groups):
        raise SurveyDataError(
            f"parameters values, groups: found lengths {len(values)} and {len(groups)}, "
            "expected the same"
        )
    if not isinstance(min_n, int | np.integer) or min_n < 1:
        raise SurveyDataError(f"parameter min_n: found {min_n!r}, expected an integer >= 1")
    frame = pd.DataFrame(
        {"v": np.asarray(values), "g": pd.Series(np.asarray(groups, dtype=object))}
    ).dropna()
    if isinstance(groups.dtype, pd.CategoricalDtype):
        order = list(groups.cat.categories)
    else:
        order = sorted(frame["g"].unique(), key=str)
    counts = frame["g"].value_counts().reindex(order, fill_value=0)
    _check_choice(small_groups, SMALL_GROUPS, "small_groups")
    least = min_n if small_groups == "exclude" else 1
    tested = [g for g in order if counts[g] >= least]
    return frame, [(g, int(counts[g]), g in tested) for g in order]


def _group_rows(item: str, segment: str, groups: list, min_n: int) -> pd.DataFrame:
    def note(n: int, tested: bool) -> str:
        if not tested:
            return f"n = {n} < min_n = {min_n}: not tested"
        return f"n = {n} < min_n = {min_n}: tested (small_groups='include')" if n < min_n else ""

    return pd.DataFrame(
        {
            "item": item,
            "segment": segment,
            "group": [str(g) for g, _, _ in groups],
            "n": [n for _, n, _ in groups],
            "tested": [t for _, _, t in groups],
            "note": [note(n, t) for _, n, t in groups],
        }
    )


def _fill_test(out: pd.DataFrame, result: dict[str, Any], *, empty_note: str = "") -> pd.DataFrame:
    tested = out["tested"].to_numpy()
    for key in ("statistic", "df", "p_value", "effect_size"):
        out[key] = np.where(tested, result.get(key, np.nan), np.nan)
    for key in ("effect_size_name", "method"):
        out[key] = np.where(tested, result.get(key, ""), "")
    if empty_note:
        out["note"] = np.where(tested, empty_note, out["note"])
    return out


def _compare_ordinal(
    values: pd.Series,
    groups: pd.Series,
    *,
    min_n: int = 10,
    small_groups: str = "exclude",
    item: str = "",
    segment: str = "",
) -> pd.DataFrame:
    """An ordinal item across groups: Mann-Whitney U (2 groups) or Kruskal-Wallis (more).

    Groups with fewer than ``min_n`` valid answers are listed with their n but not
    tested. Two groups: ``scipy.stats.mannwhitneyu`` (exact when both n < 50 and no
    ties, else normal approximation with tie and continuity correction, as R's
    ``wilcox.test``), effect size rank-biserial r = 2U / (n1 n2) - 1 of the first
    group against the second. More groups: ``scipy.stats.kruskal`` (tie-corrected),
    effect size epsilon-squared = H / (n - 1).

    Parameters
    ----------
    values
        Numeric codes, one per respondent (NaN missing).
    groups
        Group labels, same length (a Categorical fixes the order of the groups).
    min_n, small_groups
        As in :func:`compare_groups`.
    item, segment
        Names written in the ``item`` and ``segment`` columns.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``item``, ``segment``, ``group``, ``n``, ``mean``,
        ``median``, ``mean_rank`` (among the tested groups pooled), ``tested``,
        ``statistic`` (U of the first group, or H), ``df``, ``p_value``,
        ``p_adjusted``, ``correction``, ``family``, ``effect_size``,
        ``effect_size_name``, ``direction`` (the group's mean rank above / below the
        pooled mean rank), ``method``, ``note``. Test columns are repeated on each
        tested row and missing on untested rows. ``p_adjusted`` equals ``p_value``
        here (a family of one); :func:`compare_groups` adjusts over its family.

    Examples
    --------
    >>> v = pd.Series([1, 2, 2, 3, 3, 4, 4, 5, 5, 5, 1])
    >>> g = pd.Series(list("aaaaabbbbbc"))
    >>> _compare_ordinal(v, g, min_n=3)[["group", "n", "tested", "direction"]]
      group  n  tested direction
    0     a  5    True     below
    1     b  5    True     above
    2     c  1   False      none
    """
    frame, groups_info = _group_table(values, groups, min_n, small_groups)
    out = _group_rows(item, segment, groups_info, min_n)
    stats_by = frame.groupby("g", sort=False)["v"].agg(["mean", "median"])
    out["mean"] = out["group"].map(
        dict(zip(map(str, stats_by.index), stats_by["mean"], strict=True))
    )
    out["median"] = out["group"].map(
        dict(zip(map(str, stats_by.index), stats_by["median"], strict=True))
    )
    tested = [g for g, _, t in groups_info if t]
    pooled = frame[frame["g"].isin(tested)]
    ranks = pd.Series(stats.rankdata(pooled["v"]), index=pooled.index)
    mean_rank = ranks.groupby(pooled["g"]).mean()
    out["mean_rank"] = out["group"].map(
        dict(zip(map(str, mean_rank.index), mean_rank, strict=True))
    )
    samples = [pooled.loc[pooled["g"] == g, "v"].to_numpy() for g in tested]
    result: dict[str, Any] = {}
    if len(tested) < 2:
        out = _fill_test(out, result, empty_note=f"fewer than 2 groups with n >= {min_n}: no test")
    elif np.unique(pooled["v"]).size < 2:
        out = _fill_test(out, result, empty_note="every tested answer is equal: no test")
    elif len(tested) == 2:
        a, b = samples
        ties = np.unique(pooled["v"]).size < len(pooled)
        exact = not ties and a.size < 50 and b.size < 50
        res = stats.mannwhitneyu(a, b, method="exact" if exact else "asymptotic")
        how = "exact" if exact else "normal approximation, tie and continuity corrected"
        result = {
            "statistic": res.statistic,
            "p_value": res.pvalue,
            "effect_size": 2 * res.statistic / (a.size * b.size) - 1,
            "effect_size_name": f"r (rank-biserial, {tested[0]} vs {tested[1]})",
            "method": f"Mann-Whitney U, two-sided, {how}",
        }
        out = _fill_test(out, result)
    else:
        res = stats.kruskal(*samples)
        result = {
            "statistic": res.statistic,
            "df": len(tested) - 1,
            "p_value": res.pvalue,
            "effect_size": res.statistic / (len(pooled) - 1),
            "effect_size_name": "epsilon2 (H / (n - 1))",
            "method": "Kruskal-Wallis H, tie-corrected chi-square approximation",
        }
        out = _fill_test(out, result)
    centre = (len(pooled) + 1) / 2
    out["direction"] = [
        _direction(mr - centre) if t else "none"
        for mr, t in zip(out["mean_rank"], out["tested"], strict=True)
    ]
    return _finish_groups(out)


def _finish_groups(out: pd.DataFrame) -> pd.DataFrame:
    out["p_adjusted"] = out["p_value"]
    out["correction"] = "none"
    out["family"] = "single test"
    order = [
        "item", "segment", "group", "n", "mean", "median", "mean_rank", "tested",
        "statistic", "df", "p_value", "p_adjusted", "correction", "family",
        "effect_size", "effect_size_name", "direction", "method", "note",
    ]  # fmt: skip
    for col in order:
        if col not in out:
            out[col] = np.nan
    return out[order]


def _compare_nominal(
    values: pd.Series,
    groups: pd.Series,
    *,
    min_n: int = 10,
    small_groups: str = "exclude",
    item: str = "",
    segment: str = "",
    n_resamples: int = 9999,
    seed: int = 0,
) -> pd.DataFrame:
    """A nominal item across groups: chi-square, or Fisher's exact test for small counts.

    The contingency table of the tested groups (n >= ``min_n``) by answer is tested
    with ``scipy.stats.chi2_contingency`` (Yates correction on 2x2 tables, as R's
    ``chisq.test``) when every expected count is at least 5; otherwise with
    ``scipy.stats.fisher_exact``: exact for 2x2, and for larger tables a Monte-Carlo
    p-value from ``n_resamples`` random tables with the observed margins (R's
    ``fisher.test(simulate.p.value = TRUE)``), reproducible through ``seed``. The
    effect size is Cramér's V (``scipy.stats.contingency.association``, no Yates
    correction).

    Parameters
    ----------
    values
        Answers (labels), one per respondent, NaN missing.
    groups
        Group labels, same length (a Categorical fixes the order of the groups).
    min_n, small_groups
        As in :func:`compare_groups`.
    item, segment
        Names written in the ``item`` and ``segment`` columns.
    n_resamples, seed
        Monte-Carlo settings of the R x C Fisher test.

    Returns
    -------
    pandas.DataFrame
        As :func:`_compare_ordinal` (``mean``, ``median``, ``mean_rank`` and
        ``direction`` missing); ``statistic`` is chi-square, the sample odds ratio
        (Fisher 2x2) or the probability of the observed table (Fisher R x C).

    Examples
    --------
    >>> v = pd.Series(["x"] * 8 + ["y"] * 2 + ["x"] * 3 + ["y"] * 7)
    >>> g = pd.Series(["a"] * 10 + ["b"] * 10)
    >>> res = _compare_nominal(v, g, min_n=5)
    >>> res["method"].iloc[0]
    'Fisher exact test, 2x2, two-sided (statistic: sample odds ratio)'
    >>> float(res["p_value"].iloc[0]), float(res["effect_size"].iloc[0])
    (0.0698, 0.5025)
    """
    frame, groups_info = _group_table(values, groups, min_n, small_groups)
    out = _group_rows(item, segment, groups_info, min_n)
    tested = [g for g, _, t in groups_info if t]
    pooled = frame[frame["g"].isin(tested)]
    table = pd.crosstab(pooled["g"], pooled["v"]).to_numpy() if len(pooled) else np.empty((0, 0))
    if len(tested) < 2:
        return _finish_groups(
            _fill_test(out, {}, empty_note=f"fewer than 2 groups with n >= {min_n}: no test")
        )
    if table.shape[1] < 2:
        return _finish_groups(_fill_test(out, {}, empty_note="one answer only: no test"))
    v = stats.contingency.association(table, method="cramer")
    expected = stats.contingency.expected_freq(table)
    if (expected >= 5).all():
        res = stats.chi2_contingency(table)
        yates = ", Yates continuity correction" if res.dof == 1 else ""
        result = {
            "statistic": res.statistic,
            "df": res.dof,
            "p_value": res.pvalue,
            "method": f"chi-square test of independence{yates}",
        }
    elif table.shape == (2, 2):
        res = stats.fisher_exact(table)
        result = {
            "statistic": res.statistic,
            "p_value": res.pvalue,
            "method": "Fisher exact test, 2x2, two-sided (statistic: sample odds ratio)",
        }
    else:
        mc = stats.MonteCarloMethod(n_resamples=n_resamples, rng=np.random.default_rng(seed))
        res = stats.fisher_exact(table, method=mc)
        result = {
            "statistic": res.statistic,
            "p_value": res.pvalue,
            "method": f"Fisher exact test, {table.shape[0]}x{table.shape[1]}, Monte-Carlo "
            f"p-value from {n_resamples} tables with the observed margins (seed {seed}); "
            "statistic: probability of the observed table",
        }
    result |= {"effect_size": v, "effect_size_name": "cramers_v"}
    out = _fill_test(out, result)
    out["direction"] = "none"
    return _finish_groups(out)
