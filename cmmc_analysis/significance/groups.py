"""Between groups: Mann-Whitney / Kruskal-Wallis, chi-square / Fisher, Dunn's pairs."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SurveyDataError
from ..survey import Survey
from ._common import CORRECTIONS, _adjust, _check_choice, _direction
from .multitest import adjust_pvalues

__all__ = [
    "compare_ordinal",
    "compare_nominal",
    "compare_groups",
    "dunn_posthoc",
    "survey_dunn_posthoc",
]


def _group_table(values: pd.Series, groups: pd.Series, min_n: int) -> tuple[pd.DataFrame, list]:
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
    tested = [g for g in order if counts[g] >= min_n]
    return frame, [(g, int(counts[g]), g in tested) for g in order]


def _group_rows(item: str, segment: str, groups: list, min_n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item": item,
            "segment": segment,
            "group": [str(g) for g, _, _ in groups],
            "n": [n for _, n, _ in groups],
            "tested": [t for _, _, t in groups],
            "note": ["" if t else f"n = {n} < min_n = {min_n}: not tested" for _, n, t in groups],
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


def compare_ordinal(
    values: pd.Series,
    groups: pd.Series,
    *,
    min_n: int = 10,
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
    min_n
        Minimum valid answers for a group to be tested.
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
    >>> compare_ordinal(v, g, min_n=3)[["group", "n", "tested", "direction"]]
      group  n  tested direction
    0     a  5    True     below
    1     b  5    True     above
    2     c  1   False      none
    """
    frame, groups_info = _group_table(values, groups, min_n)
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


def compare_nominal(
    values: pd.Series,
    groups: pd.Series,
    *,
    min_n: int = 10,
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
    min_n
        Minimum valid answers for a group to be tested.
    item, segment
        Names written in the ``item`` and ``segment`` columns.
    n_resamples, seed
        Monte-Carlo settings of the R x C Fisher test.

    Returns
    -------
    pandas.DataFrame
        As :func:`compare_ordinal` (``mean``, ``median``, ``mean_rank`` and
        ``direction`` missing); ``statistic`` is chi-square, the sample odds ratio
        (Fisher 2x2) or the probability of the observed table (Fisher R x C).

    Examples
    --------
    >>> v = pd.Series(["x"] * 8 + ["y"] * 2 + ["x"] * 3 + ["y"] * 7)
    >>> g = pd.Series(["a"] * 10 + ["b"] * 10)
    >>> res = compare_nominal(v, g, min_n=5)
    >>> res["method"].iloc[0]
    'Fisher exact test, 2x2, two-sided (statistic: sample odds ratio)'
    >>> float(res["p_value"].iloc[0]), float(res["effect_size"].iloc[0])
    (0.0698, 0.5025)
    """
    frame, groups_info = _group_table(values, groups, min_n)
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


def _segment(survey: Survey, by: str) -> pd.Series:
    if by not in survey.data:
        raise SurveyDataError("segment not in the survey data", column=by)
    if survey.codebook.item(by).type != "single":
        raise SurveyDataError(
            f"parameter by: expected a single-choice item, found a "
            f"{survey.codebook.item(by).type} item",
            column=by,
        )
    return survey.data[by]


def _item_kind(survey: Survey, item: str) -> tuple[str, pd.Series]:
    """('ordinal', codes) for scale and ordered single items, ('nominal', labels) else."""
    if item not in survey.data:
        raise SurveyDataError("item not in the survey data", column=item)
    info = survey.codebook.item(item)
    if info.type == "scale":
        return "ordinal", survey.codes([item])[item]
    if info.type == "single":
        col = survey.data[item]
        if info.ordered:
            codes = col.cat.codes.to_numpy().astype(float) + 1.0
            codes[codes <= 0] = np.nan
            return "ordinal", pd.Series(codes, index=col.index)
        return "nominal", col.astype(object)
    raise SurveyDataError(
        f"expected a scale or single-choice item, found a {info.type} item", column=item
    )


def compare_groups(
    survey: Survey,
    item: str | Sequence[str],
    by: str | Sequence[str],
    *,
    min_n: int = 10,
    correction: str = "holm",
    n_resamples: int = 9999,
    seed: int = 0,
) -> pd.DataFrame:
    """Items across the groups of segment variables, one family of tests.

    Scale and ordered single-choice items go to :func:`compare_ordinal`
    (Mann-Whitney / Kruskal-Wallis), unordered single-choice items to
    :func:`compare_nominal` (chi-square / Fisher). Every (item, segment) pair is one
    test; ``p_adjusted`` is corrected over the tests of this call.

    Parameters
    ----------
    survey
        The cleaned survey.
    item
        An item id or a list of them.
    by
        A segment (single-choice item) id or a list of them.
    min_n
        Minimum valid answers for a group to be tested; smaller groups are listed
        with their n and a note.
    correction
        ``"holm"``, ``"fdr_bh"`` or ``"none"``.
    n_resamples, seed
        Monte-Carlo settings of the R x C Fisher test.

    Returns
    -------
    pandas.DataFrame
        The rows of :func:`compare_ordinal` / :func:`compare_nominal` for every
        (item, segment), with ``p_adjusted``, ``correction`` and ``family`` set.

    Examples
    --------
    >>> from cmmc_analysis.codebook import load_codebook
    >>> cb = load_codebook()
    >>> agree = pd.Categorical.from_codes([4, 3, 4, 4, 1, 2, 1, 2, 2], cb.labels("org_models"), ordered=True)
    >>> size = pd.Categorical.from_codes([3, 3, 3, 3, 0, 0, 0, 0, 1], cb.labels("size"), ordered=True)
    >>> s = Survey(data=pd.DataFrame({"org_models": agree, "size": size}), missing=pd.DataFrame(), codebook=cb)
    >>> compare_groups(s, "org_models", "size", min_n=3)[["group", "n", "tested", "direction"]]
              group  n  tested direction
    0    Meno di 50  4    True     below
    1        50–249  1   False      none
    2       250–999  0   False      none
    3  1000 e oltre  4    True     above
    """
    _check_choice(correction, CORRECTIONS, "correction")
    items = [item] if isinstance(item, str) else list(item)
    segments = [by] if isinstance(by, str) else list(by)
    parts = []
    for it in items:
        kind, values = _item_kind(survey, it)
        for seg in segments:
            groups = _segment(survey, seg)
            if kind == "ordinal":
                parts.append(compare_ordinal(values, groups, min_n=min_n, item=it, segment=seg))
            else:
                parts.append(
                    compare_nominal(
                        values,
                        groups,
                        min_n=min_n,
                        item=it,
                        segment=seg,
                        n_resamples=n_resamples,
                        seed=seed,
                    )  # fmt: skip
                )
    out = pd.concat(parts, ignore_index=True)
    tests = out.groupby(["item", "segment"], sort=False)["p_value"].first()
    adjusted = pd.Series(adjust_pvalues(tests.to_numpy(), method=correction), index=tests.index)
    key = pd.MultiIndex.from_frame(out[["item", "segment"]])
    out["p_adjusted"] = np.where(out["tested"], adjusted.reindex(key).to_numpy(), np.nan)
    out["correction"] = correction
    out["family"] = "group comparisons: " + "; ".join(f"{i} by {s}" for i, s in tests.index)
    return out


def dunn_posthoc(
    values: pd.Series,
    groups: pd.Series,
    *,
    min_n: int = 10,
    correction: str = "holm",
    item: str = "",
    segment: str = "",
) -> pd.DataFrame:
    """Dunn's pairwise test after Kruskal-Wallis, one row per pair of tested groups.

    p-values from ``scikit_posthocs.posthoc_dunn`` (tie-corrected z on the mean ranks
    of the tested groups pooled), adjusted over the pairs of this call.

    Parameters
    ----------
    values, groups, min_n, item, segment
        As in :func:`compare_ordinal`.
    correction
        ``"holm"``, ``"fdr_bh"`` or ``"none"``.

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``item``, ``segment``, ``group_a``, ``group_b``, ``n_a``,
        ``n_b``, ``statistic`` (z, positive when group_a ranks higher), ``p_value``,
        ``p_adjusted``, ``correction``, ``family``, ``direction`` (group_a above /
        below group_b), ``method``.

    Examples
    --------
    >>> v = pd.Series([1, 2, 2, 3, 3, 4, 4, 5, 5, 5, 2, 3, 3, 4])
    >>> g = pd.Series(list("aaaaabbbbbcccc"))
    >>> dunn_posthoc(v, g, min_n=3)[["group_a", "group_b", "direction"]]
      group_a group_b direction
    0       a       b     below
    1       a       c     below
    2       b       c     above
    """
    _check_choice(correction, CORRECTIONS, "correction")
    frame, groups_info = _group_table(values, groups, min_n)
    tested = [g for g, _, t in groups_info if t]
    counts = {g: n for g, n, _ in groups_info}
    pooled = frame[frame["g"].isin(tested)].copy()
    pooled["gi"] = pooled["g"].map({g: i for i, g in enumerate(tested)}).astype(int)
    pooled["v"] = pooled["v"].astype(float)
    pairs = list(combinations(range(len(tested)), 2))
    if pairs:
        import scikit_posthocs as sp  # heavy import (statsmodels.api), needed here only

        pmat = sp.posthoc_dunn(pooled, val_col="v", group_col="gi", p_adjust=None)
        mean_rank = (
            pd.Series(stats.rankdata(pooled["v"]), index=pooled.index).groupby(pooled["gi"]).mean()
        )
    rows = []
    for i, j in pairs:
        p = float(pmat.loc[i, j])
        sign = np.sign(mean_rank[i] - mean_rank[j])
        rows.append(
            {
                "item": item,
                "segment": segment,
                "group_a": str(tested[i]),
                "group_b": str(tested[j]),
                "n_a": counts[tested[i]],
                "n_b": counts[tested[j]],
                "statistic": sign * stats.norm.isf(p / 2),
                "p_value": p,
                "direction": _direction(sign),
            }
        )
    cols = ["item", "segment", "group_a", "group_b", "n_a", "n_b", "statistic", "p_value"]
    out = pd.DataFrame(rows, columns=[*cols, "direction"])
    out.insert(8, "p_adjusted", _adjust(out, correction))
    out.insert(9, "correction", correction)
    out.insert(10, "family", f"Dunn pairs of {item or 'values'} by {segment or 'groups'}")
    out["method"] = (
        "Dunn test on mean ranks of the tested groups pooled, tie-corrected "
        f"(scikit-posthocs posthoc_dunn); groups with n < {min_n} left out"
    )
    return out


def survey_dunn_posthoc(
    survey: Survey, item: str, by: str, *, min_n: int = 10, correction: str = "holm"
) -> pd.DataFrame:
    """:func:`dunn_posthoc` for an ordinal survey item by a segment.

    Parameters
    ----------
    survey, item, by, min_n, correction
        As in :func:`compare_groups` (one item, one segment).

    Returns
    -------
    pandas.DataFrame
        As :func:`dunn_posthoc`.

    Examples
    --------
    >>> from cmmc_analysis.codebook import load_codebook
    >>> cb = load_codebook()
    >>> agree = pd.Categorical.from_codes([4, 3, 4, 1, 2, 1, 2, 3, 2], cb.labels("org_models"), ordered=True)
    >>> size = pd.Categorical.from_codes([3, 3, 3, 0, 0, 0, 1, 1, 1], cb.labels("size"), ordered=True)
    >>> s = Survey(data=pd.DataFrame({"org_models": agree, "size": size}), missing=pd.DataFrame(), codebook=cb)
    >>> survey_dunn_posthoc(s, "org_models", "size", min_n=3)[["group_a", "group_b", "direction"]]
          group_a       group_b direction
    0  Meno di 50        50–249     below
    1  Meno di 50  1000 e oltre     below
    2      50–249  1000 e oltre     below
    """
    kind, values = _item_kind(survey, item)
    if kind != "ordinal":
        raise SurveyDataError("Dunn's test needs an ordinal item, found a nominal one", column=item)
    return dunn_posthoc(
        values, _segment(survey, by), min_n=min_n, correction=correction, item=item, segment=by
    )
