"""Significance tests: against neutral, against a threshold, between groups, in a battery.

Two layers. Array-level functions take codes (a DataFrame of item columns, or a
Series of values with a Series of group labels) so that they can be checked on
small published examples; survey-level functions (``survey_*`` and
:func:`compare_groups`) take a :class:`~cmmc_analysis.survey.Survey` first and item
ids, build the codes with ``survey.codes(...)`` and call the array level.

Every function returns a DataFrame whose columns come from
:data:`cmmc_analysis.columns.COLUMNS` plus the extras listed in
:data:`EXTRA_COLUMNS`. The building blocks are scipy, statsmodels and
scikit-posthocs; this module adds the survey meaning (midpoints, families of tests,
minimum group sizes) and the effect sizes none of them return. Conventions (zero
handling, exact versus approximate p-values, what "above the rest" means) are set
out in ``docs/statistics.md``.

Examples
--------
>>> import pandas as pd
>>> codes = pd.DataFrame({"a": [4, 5, 4, 3, 5, 4, 4, 2], "b": [3, 2, 3, 4, 3, 2, 3, 3]})
>>> vs_neutral(codes, midpoint=3)[["item", "n", "direction"]]
  item  n direction
0    a  8     above
1    b  8     below
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from ..errors import SurveyDataError
from ..survey import Survey

__all__ = [
    "EXTRA_COLUMNS",
    "adjust_pvalues",
    "vs_neutral",
    "survey_vs_neutral",
    "share_test",
    "survey_share_test",
    "compare_ordinal",
    "compare_nominal",
    "compare_groups",
    "dunn_posthoc",
    "survey_dunn_posthoc",
    "friedman",
    "pairwise_battery",
    "battery_ranking",
    "survey_friedman",
    "survey_pairwise_battery",
    "survey_battery_ranking",
]

#: Columns this module adds to the shared vocabulary, with their meaning.
EXTRA_COLUMNS: dict[str, str] = {
    "n_above": "answers above the midpoint (vs_neutral)",
    "n_below": "answers below the midpoint (vs_neutral)",
    "n_at_midpoint": "answers at the midpoint: ranked but not signed (pratt), see `method`",
    "sign_p_value": "p-value of the sign test (answers at the midpoint dropped)",
    "sign_p_adjusted": "sign-test p-value adjusted over the same family as `p_adjusted`",
    "mean_rank": "mean rank of the group among the tested groups pooled",
    "tested": "whether the group entered the test (n >= min_n)",
    "item_a": "first item of a pair",
    "item_b": "second item of a pair",
    "group_a": "first group of a pair",
    "group_b": "second group of a pair",
    "n_a": "answers in group_a",
    "n_b": "answers in group_b",
    "mean_difference": "mean of item_a - item_b over complete cases",
    "rank": "position by mean (ties broken by median, then input order), 1 = highest",
    "above": "items this item is significantly above after correction",
    "in_top": "whether the item is among the `top` highest ranked",
    "above_all_others": "in the top and significantly above every item ranked outside the top",
    "alpha": "significance level applied to p_adjusted",
}

CORRECTIONS = ("holm", "fdr_bh", "none")
ZERO_METHODS = ("pratt", "wilcox", "zsplit")
ALTERNATIVES = ("two-sided", "greater", "less")
R_NAME = "r (matched-pairs rank-biserial)"


def _check_choice(value: Any, allowed: Sequence[str], parameter: str) -> None:
    if value not in allowed:
        raise SurveyDataError(
            f"parameter {parameter}: found {value!r}, expected one of {', '.join(allowed)}"
        )


def _as_codes(codes: pd.DataFrame | pd.Series, parameter: str = "codes") -> pd.DataFrame:
    """A float DataFrame of item columns; non-numeric columns raise, naming the column."""
    frame = codes.to_frame() if isinstance(codes, pd.Series) else codes
    if not isinstance(frame, pd.DataFrame):
        raise SurveyDataError(
            f"parameter {parameter}: expected a DataFrame of item codes, found {type(codes).__name__}"
        )
    for col in frame.columns:
        if not (
            pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col])
        ):
            raise SurveyDataError(
                f"parameter {parameter}: expected numeric codes, found dtype {frame[col].dtype}",
                column=str(col),
            )
    return frame.astype(float)


def _direction(x: float) -> str:
    if np.isnan(x):
        return "none"
    return "above" if x > 0 else "below" if x < 0 else "none"


def adjust_pvalues(p: Sequence[float] | np.ndarray, *, method: str = "holm") -> np.ndarray:
    """p-values adjusted for multiplicity over one family (statsmodels ``multipletests``).

    Parameters
    ----------
    p
        Unadjusted p-values (one-dimensional). NaN entries (tests not run) stay NaN
        and do not count in the family.
    method
        ``"holm"`` (default), ``"fdr_bh"`` (Benjamini-Hochberg) or ``"none"``.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the order of ``p``.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, np.nan, 0.03]).tolist()
    [0.03, 0.06, nan, 0.06]
    """
    _check_choice(method, CORRECTIONS, "method")
    arr = np.asarray(p, dtype=float)
    if arr.ndim != 1:
        raise SurveyDataError(f"parameter p: expected one dimension, found shape {arr.shape}")
    mask = ~np.isnan(arr)
    if ((arr[mask] < 0) | (arr[mask] > 1)).any():
        raise SurveyDataError("parameter p: found values outside [0, 1], expected p-values")
    out = np.full(arr.shape, np.nan)
    if method == "none":
        out[mask] = arr[mask]
    elif method == "holm" and mask.any():
        out[mask] = _holm(arr[mask])
    elif mask.any():
        out[mask] = multipletests(arr[mask], method=method)[1]
    return out


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment, as ``multipletests(p, method="holm")[1]``.

    Written out because statsmodels 0.15 calls ``gc.collect()`` on every Holm call
    (0.1-0.5 s each with pandas and scipy loaded), which made loops over families
    (claims, cuts, sensitivity) slow; the tests check it against statsmodels.
    """
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate(p[order] * np.arange(p.size, 0, -1))
    out = np.empty_like(p)
    out[order] = np.minimum(stepped, 1.0)
    return out


def _signed_rank(
    d: np.ndarray, *, zero_method: str, alternative: str, continuity: bool
) -> tuple[float, float, float, str]:
    """Wilcoxon signed-rank on differences ``d``: (V, p, r, how the p-value was computed).

    V is the sum of the ranks of the positive differences (R's ``V``); r is the
    matched-pairs rank-biserial correlation (T+ - T-) / (T+ + T-) with the ranks that
    ``zero_method`` defines. The p-value is exact when there are fewer than 50
    differences and no ties or zeros (as R's ``wilcox.test``), else the normal
    approximation with tie correction.
    """
    nonzero = d != 0
    if not nonzero.any():
        return np.nan, np.nan, np.nan, "no test: every difference is zero"
    used = d[nonzero] if zero_method == "wilcox" else d
    # Average ranks of |d| (as stats.rankdata) per distinct value, by counting: answers
    # take a few values, so hashing beats sorting a million of them (scipy ranks again).
    level, values = pd.factorize(np.abs(used), sort=True)
    counts = np.bincount(level, minlength=len(values))
    ranks = np.cumsum(counts) - (counts - 1) / 2
    t_plus = float(np.bincount(level[used > 0], minlength=len(values)) @ ranks)
    t_minus = float(np.bincount(level[used < 0], minlength=len(values)) @ ranks)
    if zero_method == "zsplit":
        half = float(np.bincount(level[used == 0], minlength=len(values)) @ ranks) / 2
        t_plus, t_minus = t_plus + half, t_minus + half
    r = (t_plus - t_minus) / (t_plus + t_minus)
    # the tie check sorts the data: only done where the exact distribution is possible
    if nonzero.all() and d.size < 50 and np.unique(np.abs(used)).size == used.size:
        how, method = "exact distribution", "exact"
    else:
        how = "normal approximation, tie-corrected" + (
            ", continuity correction" if continuity else ""
        )
        method = "asymptotic"
    res = stats.wilcoxon(
        d, zero_method=zero_method, correction=continuity, alternative=alternative, method=method
    )
    return float(t_plus), float(res.pvalue), float(r), how


def vs_neutral(
    codes: pd.DataFrame | pd.Series,
    *,
    midpoint: float | Mapping[str, float],
    zero_method: str = "pratt",
    alternative: str = "two-sided",
    correction: str = "holm",
    continuity: bool = True,
) -> pd.DataFrame:
    """Per item, is the distribution centred above or below the scale midpoint?

    Wilcoxon signed-rank test of ``x - midpoint`` (``scipy.stats.wilcoxon``) and the
    sign test (exact binomial on the counts above and below; answers at the
    midpoint dropped), with the matched-pairs rank-biserial correlation
    r = (T+ - T-) / (T+ + T-) as effect size. Missing codes are dropped per item.
    The family for ``p_adjusted`` is the items of this call.

    Parameters
    ----------
    codes
        One numeric column per item (codes 1..k, NaN missing).
    midpoint
        The neutral value, or a mapping item -> neutral value.
    zero_method
        Answers at the midpoint: ``"pratt"`` (default: ranked with the others, then
        given no sign, so they make the other ranks larger without counting for
        either side), ``"wilcox"`` (dropped before ranking) or ``"zsplit"`` (their
        ranks split half to each side).
    alternative
        ``"two-sided"``, ``"greater"`` (centred above) or ``"less"``.
    correction
        ``"holm"``, ``"fdr_bh"`` or ``"none"``.
    continuity
        Continuity correction in the normal approximation (R's default).

    Returns
    -------
    pandas.DataFrame
        One row per item: ``item``, ``n``, ``n_above``, ``n_below``,
        ``n_at_midpoint``, ``threshold`` (the midpoint), ``estimate`` (median),
        ``mean``, ``median``, ``statistic`` (V = sum of positive ranks, as R),
        ``p_value``, ``p_adjusted``, ``sign_p_value``, ``sign_p_adjusted``,
        ``correction``, ``family``, ``effect_size`` (r), ``effect_size_name``,
        ``direction`` (above / below / none, the sign of r), ``alternative``,
        ``method``, ``note``.

    Examples
    --------
    >>> codes = pd.DataFrame({"a": [4, 5, 4, 3, 5, 4, 4, 2, 4, 5]})
    >>> row = vs_neutral(codes, midpoint=3).iloc[0]
    >>> int(row["n_above"]), int(row["n_at_midpoint"]), float(row["effect_size"]), row["direction"]
    (8, 1, 0.8333, 'above')
    """
    frame = _as_codes(codes)
    _check_choice(zero_method, ZERO_METHODS, "zero_method")
    _check_choice(alternative, ALTERNATIVES, "alternative")
    _check_choice(correction, CORRECTIONS, "correction")
    rows = []
    for item in frame.columns:
        mid = float(midpoint[item] if isinstance(midpoint, Mapping) else midpoint)
        x = frame[item].to_numpy(dtype=float)
        x = x[~np.isnan(x)]  # as dropna(), without copying the respondent index
        d = x - mid
        median = float(np.median(x)) if x.size else np.nan
        above, below = int((d > 0).sum()), int((d < 0).sum())
        note = ""
        if x.size == 0:
            v = p = r = np.nan
            how, note = "", "no valid answers: not tested"
        else:
            v, p, r, how = _signed_rank(
                d, zero_method=zero_method, alternative=alternative, continuity=continuity
            )
            if np.isnan(p):
                note = "every answer at the midpoint: not tested"
        sign_p = (
            stats.binomtest(above, above + below, 0.5, alternative=alternative).pvalue
            if above + below
            else np.nan
        )
        rows.append(
            {
                "item": str(item),
                "n": int(x.size),
                "n_above": above,
                "n_below": below,
                "n_at_midpoint": int(x.size - above - below),
                "threshold": mid,
                "estimate": median,
                "mean": float(x.mean()) if x.size else np.nan,
                "median": median,
                "statistic": v,
                "p_value": p,
                "sign_p_value": float(sign_p),
                "effect_size": r,
                "effect_size_name": R_NAME,
                "direction": _direction(r),
                "alternative": alternative,
                "method": f"Wilcoxon signed-rank vs {mid:g}, zero_method={zero_method}, {how}; "
                "sign test: exact binomial, answers at the midpoint dropped",
                "note": note,
            }
        )
    out = pd.DataFrame(rows)
    family = "vs neutral: " + ", ".join(map(str, frame.columns))
    out.insert(out.columns.get_loc("sign_p_value"), "p_adjusted", _adjust(out, correction))
    out.insert(
        out.columns.get_loc("sign_p_value") + 1,
        "sign_p_adjusted",
        adjust_pvalues(out["sign_p_value"], method=correction) if len(out) else [],
    )
    out.insert(out.columns.get_loc("effect_size"), "correction", correction)
    out.insert(out.columns.get_loc("effect_size"), "family", family)
    return out


def _adjust(out: pd.DataFrame, correction: str) -> np.ndarray:
    if out.empty:
        return np.array([], dtype=float)
    return adjust_pvalues(out["p_value"].to_numpy(dtype=float), method=correction)


def survey_vs_neutral(
    survey: Survey, items: Sequence[str] | None = None, **options: Any
) -> pd.DataFrame:
    """:func:`vs_neutral` on scale items of a survey, each against its scale's midpoint.

    Parameters
    ----------
    survey
        The cleaned survey.
    items
        Scale item ids (default: every scale item present); they form the family.
    **options
        ``zero_method``, ``alternative``, ``correction``, ``continuity`` as in
        :func:`vs_neutral`.

    Returns
    -------
    pandas.DataFrame
        As :func:`vs_neutral`.

    Examples
    --------
    >>> from cmmc_analysis.codebook import load_codebook
    >>> cb = load_codebook()
    >>> col = pd.Categorical.from_codes([3, 4, 3, 2, 3, 1, 3, 3], cb.labels("cust_training"), ordered=True)
    >>> s = Survey(data=pd.DataFrame({"cust_training": col}), missing=pd.DataFrame(), codebook=cb)
    >>> survey_vs_neutral(s, ["cust_training"])[["item", "threshold", "n_above", "direction"]]
                item  threshold  n_above direction
    0  cust_training        3.0        6     above
    """
    if "midpoint" in options:
        raise SurveyDataError("parameter midpoint: taken from each item's scale, not given here")
    codes = survey.codes(items)
    mids = {item: survey.codebook.scale_of(item).midpoint for item in codes.columns}
    return vs_neutral(codes, midpoint=mids, **options)


def share_test(
    k: int,
    n: int,
    *,
    threshold: float,
    alternative: str = "greater",
    ci_level: float = 0.95,
    ci_method: str = "wilson",
) -> pd.DataFrame:
    """Is a share above (or below) a stated value? Exact binomial test with an interval.

    ``scipy.stats.binomtest(k, n, threshold, alternative=...)``; the interval is the
    two-sided ``ci_level`` interval of the share whatever the alternative (Wilson by
    default, ``"exact"`` for Clopper-Pearson).

    Parameters
    ----------
    k
        Answers counted in the share.
    n
        Base (valid answers; not-an-answer excluded).
    threshold
        The stated share, in (0, 1).
    alternative
        ``"greater"`` (default), ``"less"`` or ``"two-sided"``.
    ci_level
        Confidence level of the interval.
    ci_method
        ``"wilson"`` (default) or ``"exact"`` (Clopper-Pearson).

    Returns
    -------
    pandas.DataFrame
        One row: ``n``, ``count``, ``estimate`` (k / n), ``ci_low``, ``ci_high``,
        ``ci_level``, ``ci_method``, ``threshold``, ``statistic`` (k), ``p_value``,
        ``p_adjusted`` (= p_value, family of one), ``correction``, ``family``,
        ``direction`` (estimate above / below / at the threshold), ``alternative``,
        ``method``.

    Examples
    --------
    >>> row = share_test(7, 20, threshold=0.5, alternative="less").iloc[0]
    >>> float(row["ci_low"]), float(row["ci_high"]), float(row["p_value"])
    (0.1812, 0.5671, 0.1316)
    """
    _check_choice(alternative, ALTERNATIVES, "alternative")
    _check_choice(ci_method, ("wilson", "exact"), "ci_method")
    if not (isinstance(n, int | np.integer) and isinstance(k, int | np.integer) and 0 <= k <= n):
        raise SurveyDataError(
            f"parameters k, n: found k={k!r}, n={n!r}, expected integers with 0 <= k <= n"
        )
    if not 0 < threshold < 1:
        raise SurveyDataError(
            f"parameter threshold: found {threshold!r}, expected a share in (0, 1)"
        )
    if not 0 < ci_level < 1:
        raise SurveyDataError(f"parameter ci_level: found {ci_level!r}, expected a value in (0, 1)")
    if n == 0:
        est = p = low = high = np.nan
    else:
        est = k / n
        p = stats.binomtest(int(k), int(n), threshold, alternative=alternative).pvalue
        ci = stats.binomtest(int(k), int(n)).proportion_ci(
            confidence_level=ci_level, method=ci_method
        )
        low, high = ci.low, ci.high
    return pd.DataFrame(
        [
            {
                "n": int(n),
                "count": int(k),
                "estimate": est,
                "ci_low": float(low),
                "ci_high": float(high),
                "ci_level": ci_level,
                "ci_method": "wilson" if ci_method == "wilson" else "clopper-pearson",
                "threshold": threshold,
                "statistic": int(k),
                "p_value": float(p),
                "p_adjusted": float(p),
                "correction": "none",
                "family": "single test",
                "direction": _direction(est - threshold),
                "alternative": alternative,
                "method": f"exact binomial test vs {threshold:g}",
                "note": "" if n else "no valid answers: not tested",
            }
        ]
    )


def _levels(survey: Survey, item: str, levels: str | Sequence[str]) -> list[str]:
    """Canonical labels of ``levels`` ("top2"/"bottom2" resolved), checked against the item."""
    info = survey.codebook.item(item)
    labels = survey.codebook.labels(item)
    if isinstance(levels, str) and levels in ("top2", "bottom2"):
        if info.type != "scale" and not info.ordered:
            raise SurveyDataError(
                f"parameter levels: {levels!r} needs an ordered item, found a {info.type} "
                "item without order",
                column=item,
            )
        return labels[-2:] if levels == "top2" else labels[:2]
    chosen = [levels] if isinstance(levels, str) else list(levels)
    unknown = [lev for lev in chosen if lev not in labels]
    if unknown or not chosen:
        raise SurveyDataError(
            f"parameter levels: found {unknown or chosen!r}, expected canonical labels "
            f"among {labels} or 'top2' / 'bottom2'",
            column=item,
        )
    return chosen


def survey_share_test(
    survey: Survey,
    item: str,
    *,
    levels: str | Sequence[str],
    threshold: float,
    alternative: str = "greater",
    ci_level: float = 0.95,
    ci_method: str = "wilson",
) -> pd.DataFrame:
    """:func:`share_test` on the share of an item's answers in ``levels``.

    The base is the valid answers of the item (not-an-answer, blank, not-asked and
    rejected answers excluded).

    Parameters
    ----------
    survey
        The cleaned survey.
    item
        A scale or single-choice item id.
    levels
        Canonical (source-language) labels counted in the share, or ``"top2"`` /
        ``"bottom2"`` for an ordered item.
    threshold, alternative, ci_level, ci_method
        As in :func:`share_test`.

    Returns
    -------
    pandas.DataFrame
        As :func:`share_test`, with ``item`` and ``level`` (the levels joined by " + ")
        first.

    Examples
    --------
    >>> from cmmc_analysis.codebook import load_codebook
    >>> cb = load_codebook()
    >>> col = pd.Categorical.from_codes([4, 3, 3, 4, 2, 3, 3, 4, 1, 3], cb.labels("digital_use"))
    >>> s = Survey(data=pd.DataFrame({"digital_use": col}), missing=pd.DataFrame(), codebook=cb)
    >>> survey_share_test(s, "digital_use", levels="top2", threshold=0.5)[["count", "n", "estimate"]]
       count   n  estimate
    0      8  10       0.8
    """
    if item not in survey.data:
        raise SurveyDataError("item not in the survey data", column=item)
    chosen = _levels(survey, item, levels)
    col = survey.data[item]
    n = int(col.notna().sum())
    k = int(col.isin(chosen).sum())
    out = share_test(
        k, n, threshold=threshold, alternative=alternative, ci_level=ci_level, ci_method=ci_method
    )
    out.insert(0, "level", " + ".join(chosen))
    out.insert(0, "item", item)
    return out


# --- between groups -------------------------------------------------------------------


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


# --- within a battery -------------------------------------------------------------------


def _complete(codes: pd.DataFrame | pd.Series, minimum: int) -> tuple[pd.DataFrame, str]:
    frame = _as_codes(codes)
    if frame.shape[1] < minimum:
        raise SurveyDataError(
            f"parameter codes: found {frame.shape[1]} item columns, expected at least {minimum}"
        )
    complete = frame.dropna()
    return (
        complete,
        f"complete cases across the {frame.shape[1]} items: {len(complete)} of {len(frame)} rows",
    )


def friedman(codes: pd.DataFrame) -> pd.DataFrame:
    """Do the items of a battery differ in level? Friedman test with Kendall's W.

    ``scipy.stats.friedmanchisquare`` on the respondents who answered every item
    (complete cases), tie-corrected as R's ``friedman.test``; Kendall's
    W = chi-square / (n (k - 1)).

    Parameters
    ----------
    codes
        One numeric column per item (at least three).

    Returns
    -------
    pandas.DataFrame
        One row: ``item`` (the items joined by ", "), ``n`` (complete cases),
        ``statistic``, ``df``, ``p_value``, ``effect_size``, ``effect_size_name``,
        ``method``, ``note``.

    Examples
    --------
    >>> codes = pd.DataFrame({"a": [5, 4, 5, 4, 5], "b": [3, 3, 4, 2, 3], "c": [1, 2, 1, 1, 2]})
    >>> row = friedman(codes).iloc[0]
    >>> float(row["statistic"]), int(row["df"]), float(row["effect_size"])
    (10.0, 2, 1.0)
    """
    complete, note = _complete(codes, 3)
    n, k = complete.shape
    res = stats.friedmanchisquare(*(complete[c].to_numpy() for c in complete.columns))
    return pd.DataFrame(
        [
            {
                "item": ", ".join(map(str, complete.columns)),
                "n": n,
                "statistic": float(res.statistic),
                "df": k - 1,
                "p_value": float(res.pvalue),
                "effect_size": float(res.statistic) / (n * (k - 1)) if n else np.nan,
                "effect_size_name": "W (Kendall, chi2 / (n (k - 1)))",
                "method": "Friedman rank-sum test, tie-corrected chi-square approximation",
                "note": note,
            }
        ]
    )


def pairwise_battery(
    codes: pd.DataFrame,
    *,
    correction: str = "holm",
    zero_method: str = "pratt",
    continuity: bool = True,
    missing: str = "listwise",
    pairs: Sequence[tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Every pair of items in a battery: Wilcoxon signed-rank on the paired differences.

    Complete cases across the battery; each pair (item_a before item_b in column
    order) is tested two-sided on item_a - item_b as in :func:`vs_neutral` (equal
    answers are the zeros of ``zero_method``); ``p_adjusted`` is corrected over
    the k (k - 1) / 2 pairs.

    Parameters
    ----------
    codes
        One numeric column per item (at least two).
    correction, zero_method, continuity
        As in :func:`vs_neutral`.
    missing
        ``"listwise"`` (default): complete cases across the whole battery;
        ``"pairwise"``: each pair uses the respondents who answered both items (more
        power when not-an-answer is scattered across a long battery).
    pairs
        Only these (item_a, item_b) pairs, which then form the family the correction
        runs over (for example a claim's named items against every other item).

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``item_a``, ``item_b``, ``n``, ``estimate`` (median
        difference), ``mean_difference``, ``statistic`` (V), ``p_value``,
        ``p_adjusted``, ``correction``, ``family``, ``effect_size`` (r),
        ``effect_size_name``, ``direction`` (item_a above / below item_b),
        ``alternative``, ``method``, ``note``.

    Examples
    --------
    >>> codes = pd.DataFrame({"a": [5, 4, 5, 4, 5], "b": [3, 3, 4, 2, 3], "c": [1, 2, 1, 2, 2]})
    >>> pairwise_battery(codes)[["item_a", "item_b", "estimate", "direction"]]
      item_a item_b  estimate direction
    0      a      b       2.0     above
    1      a      c       3.0     above
    2      b      c       1.0     above
    """
    _check_choice(correction, CORRECTIONS, "correction")
    _check_choice(zero_method, ZERO_METHODS, "zero_method")
    _check_choice(missing, ("listwise", "pairwise"), "missing")
    if missing == "pairwise":
        complete = _as_codes(codes)
        note = "pairwise complete cases"
    else:
        complete, note = _complete(codes, 2)
    todo = list(combinations(complete.columns, 2)) if pairs is None else list(pairs)
    unknown = sorted({i for pair in todo for i in pair} - set(map(str, complete.columns)))
    if unknown:
        raise SurveyDataError(f"parameter pairs: items {unknown} are not columns of codes")
    rows = []
    for a, b in todo:
        both = complete[[a, b]].dropna()
        d = (both[a] - both[b]).to_numpy()
        if d.size:
            v, p, r, how = _signed_rank(
                d, zero_method=zero_method, alternative="two-sided", continuity=continuity
            )
        else:
            v = p = r = np.nan
            how = "no complete cases"
        rows.append(
            {
                "item_a": str(a),
                "item_b": str(b),
                "n": int(d.size),
                "estimate": float(np.median(d)) if d.size else np.nan,
                "mean_difference": float(d.mean()) if d.size else np.nan,
                "statistic": v,
                "p_value": p,
                "effect_size": r,
                "effect_size_name": R_NAME,
                "direction": _direction(r),
                "alternative": "two-sided",
                "method": f"Wilcoxon signed-rank on item_a - item_b, zero_method={zero_method}, {how}",
                "note": note,
            }
        )
    out = pd.DataFrame(rows)
    out.insert(7, "p_adjusted", _adjust(out, correction))
    out.insert(8, "correction", correction)
    scope = "pairwise within" if pairs is None else "selected pairs of"
    out.insert(9, "family", f"{scope} {', '.join(map(str, complete.columns))} ({len(out)} pairs)")
    return out


def battery_ranking(
    codes: pd.DataFrame,
    *,
    correction: str = "holm",
    alpha: float = 0.05,
    top: int = 2,
    zero_method: str = "pratt",
) -> pd.DataFrame:
    """Which items of a battery rank highest, and which are significantly above which.

    Items are ranked by mean (ties: median, then column order) over complete cases;
    ``above`` lists the items each is significantly above in
    :func:`pairwise_battery` (``p_adjusted < alpha``). ``above_all_others`` answers
    "is this top item above the rest?": True when the item is among the ``top``
    highest and significantly above every item ranked outside the top; the items
    inside the top are not required to differ from each other, and an item outside
    the top is False. For S7 ("each of the top two above every other item"):
    ``battery_ranking(codes, top=2)["above_all_others"].sum() == 2``.

    Parameters
    ----------
    codes
        One numeric column per item (at least ``top + 1``).
    correction
        ``"holm"``, ``"fdr_bh"`` or ``"none"``, over the k (k - 1) / 2 pairs.
    alpha
        Significance level for ``p_adjusted``.
    top
        Size of the top group.
    zero_method
        As in :func:`vs_neutral`.

    Returns
    -------
    pandas.DataFrame
        One row per item, highest first: ``rank``, ``item``, ``n``, ``mean``,
        ``median``, ``above`` (list of item ids), ``in_top``, ``above_all_others``,
        ``alpha``, ``correction``, ``family``, ``method``, ``note``.

    Examples
    --------
    >>> codes = pd.DataFrame({"a": [5, 4, 5, 4, 5, 5], "b": [5, 5, 4, 4, 5, 4], "c": [1, 2, 1, 2, 2, 1]})
    >>> battery_ranking(codes, correction="none", top=2)[["rank", "item", "above", "above_all_others"]]
       rank item above  above_all_others
    0     1    a   [c]              True
    1     2    b   [c]              True
    2     3    c    []             False
    """
    if not isinstance(top, int | np.integer) or not 1 <= top < _as_codes(codes).shape[1]:
        raise SurveyDataError(
            f"parameter top: found {top!r}, expected an integer from 1 to the number of items - 1"
        )
    if not 0 < alpha < 1:
        raise SurveyDataError(f"parameter alpha: found {alpha!r}, expected a value in (0, 1)")
    complete, note = _complete(codes, 2)
    pairs = pairwise_battery(complete, correction=correction, zero_method=zero_method)
    summary = pd.DataFrame(
        {
            "item": [str(c) for c in complete.columns],
            "n": len(complete),
            "mean": complete.mean().to_numpy(),
            "median": complete.median().to_numpy(),
            "position": np.arange(complete.shape[1]),
        }
    ).sort_values(["mean", "median", "position"], ascending=[False, False, True], ignore_index=True)
    summary.insert(0, "rank", np.arange(1, len(summary) + 1))
    sig = pairs[pairs["p_adjusted"] < alpha]
    winners = np.where(sig["direction"] == "above", sig["item_a"], sig["item_b"])
    losers = np.where(sig["direction"] == "above", sig["item_b"], sig["item_a"])
    beaten: dict[str, set[str]] = {item: set() for item in summary["item"]}
    for w, lo in zip(winners, losers, strict=True):
        beaten[w].add(lo)
    order = list(summary["item"])
    rest = set(order[top:])
    summary["above"] = [[o for o in order if o in beaten[item]] for item in order]
    summary["in_top"] = summary["rank"] <= top
    summary["above_all_others"] = [
        bool(in_top) and rest <= beaten[item]
        for item, in_top in zip(order, summary["in_top"], strict=True)
    ]
    summary["alpha"] = alpha
    summary["correction"] = correction
    summary["family"] = pairs["family"].iloc[0]
    summary["method"] = (
        "ranked by mean (then median); 'above' = pairwise Wilcoxon signed-rank, "
        f"zero_method={zero_method}, {correction} p_adjusted < {alpha:g}; others = items "
        f"ranked below the top {top}"
    )
    summary["note"] = note
    return summary.drop(columns="position")


def _battery_codes(survey: Survey, items: str | Sequence[str]) -> pd.DataFrame:
    if isinstance(items, str):
        if items not in survey.codebook.grids:
            raise SurveyDataError(
                f"parameter items: found {items!r}, expected a list of item ids or a grid id "
                f"({', '.join(survey.codebook.grids)})"
            )
        items = survey.codebook.grid_items(items)
    missing = [i for i in items if i not in survey.data]
    if missing:
        raise SurveyDataError(f"parameter items: {missing} not in the survey data")
    return survey.codes(list(items))


def survey_friedman(survey: Survey, items: str | Sequence[str]) -> pd.DataFrame:
    """:func:`friedman` on a battery of a survey (item ids or a grid id), complete cases.

    Examples
    --------
    >>> from cmmc_analysis.codebook import load_codebook
    >>> cb = load_codebook()
    >>> pts = cb.labels("tech_cloud")
    >>> data = pd.DataFrame({i: pd.Categorical.from_codes(c, pts, ordered=True) for i, c in
    ...     {"tech_cloud": [4, 4, 3, 4], "tech_chatbot": [2, 3, 2, 2], "tech_video": [0, 1, 1, -1]}.items()})
    >>> s = Survey(data=data, missing=pd.DataFrame(), codebook=cb)
    >>> survey_friedman(s, ["tech_cloud", "tech_chatbot", "tech_video"])[["n", "statistic", "effect_size"]]
       n  statistic  effect_size
    0  3        6.0          1.0
    """
    return friedman(_battery_codes(survey, items))


def survey_pairwise_battery(
    survey: Survey, items: str | Sequence[str], **options: Any
) -> pd.DataFrame:
    """:func:`pairwise_battery` on a battery of a survey (item ids or a grid id).

    Complete cases across the battery; ``options`` as in :func:`pairwise_battery`.

    Examples
    --------
    >>> from cmmc_analysis.codebook import load_codebook
    >>> cb = load_codebook()
    >>> pts = cb.labels("tech_cloud")
    >>> data = pd.DataFrame({i: pd.Categorical.from_codes(c, pts, ordered=True) for i, c in
    ...     {"tech_cloud": [4, 4, 3, 4], "tech_chatbot": [2, 3, 2, 2]}.items()})
    >>> s = Survey(data=data, missing=pd.DataFrame(), codebook=cb)
    >>> survey_pairwise_battery(s, ["tech_cloud", "tech_chatbot"])[["item_a", "n", "direction"]]
           item_a  n direction
    0  tech_cloud  4     above
    """
    return pairwise_battery(_battery_codes(survey, items), **options)


def survey_battery_ranking(
    survey: Survey, items: str | Sequence[str], **options: Any
) -> pd.DataFrame:
    """:func:`battery_ranking` on a battery of a survey (item ids or a grid id).

    Complete cases across the battery; ``options`` as in :func:`battery_ranking`.

    Examples
    --------
    >>> from cmmc_analysis.codebook import load_codebook
    >>> cb = load_codebook()
    >>> pts = cb.labels("tech_cloud")
    >>> data = pd.DataFrame({i: pd.Categorical.from_codes(c, pts, ordered=True) for i, c in
    ...     {"tech_cloud": [2, 4, 3, 4], "tech_chatbot": [2, 3, 2, 2], "tech_video": [0, 1, 1, 0]}.items()})
    >>> s = Survey(data=data, missing=pd.DataFrame(), codebook=cb)
    >>> survey_battery_ranking(s, ["tech_cloud", "tech_chatbot", "tech_video"], top=1)[["rank", "item"]]
       rank          item
    0     1    tech_cloud
    1     2  tech_chatbot
    2     3    tech_video
    """
    return battery_ranking(_battery_codes(survey, items), **options)
