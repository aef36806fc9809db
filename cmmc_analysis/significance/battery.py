"""Within a battery: Friedman, pairwise signed-rank tests, and which items rank highest."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SurveyDataError
from ..survey import Survey
from ._common import (
    CORRECTIONS,
    R_NAME,
    ZERO_METHODS,
    _adjust,
    _check_choice,
    _codes_of,
    _direction,
    _signed_rank,
)

__all__ = ["friedman", "pairwise_battery", "battery_ranking"]


def _complete(frame: pd.DataFrame, minimum: int) -> tuple[pd.DataFrame, str]:
    if frame.shape[1] < minimum:
        raise SurveyDataError(
            f"parameter items: found {frame.shape[1]} item columns, expected at least {minimum}"
        )
    complete = frame.dropna()
    return (
        complete,
        f"complete cases across the {frame.shape[1]} items: {len(complete)} of {len(frame)} rows",
    )


def friedman(data: Survey | pd.DataFrame, items: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Do the items of a battery differ in level? Friedman test with Kendall's W.

    ``scipy.stats.friedmanchisquare`` on the respondents who answered every item
    (complete cases), tie-corrected as R's ``friedman.test``; Kendall's
    W = chi-square / (n (k - 1)).

    Parameters
    ----------
    data
        A :class:`~cmmc_analysis.survey.Survey` (item-level codes, never reverse-keyed)
        or a DataFrame of numeric codes, one column per item.
    items
        Item ids, or a grid id of the survey's codebook; default: every scale item of
        the survey, every column of the DataFrame.
        At least three items.

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
    complete, note = _complete(_codes_of(data, items, grids=True), 3)
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
    data: Survey | pd.DataFrame,
    items: str | Sequence[str] | None = None,
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
    data
        A :class:`~cmmc_analysis.survey.Survey` (item-level codes, never reverse-keyed)
        or a DataFrame of numeric codes, one column per item.
    items
        Item ids, or a grid id of the survey's codebook; default: every scale item of
        the survey, every column of the DataFrame.
        At least two items.
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
        complete = _codes_of(data, items, grids=True)
        note = "pairwise complete cases"
    else:
        complete, note = _complete(_codes_of(data, items, grids=True), 2)
    todo = list(combinations(complete.columns, 2)) if pairs is None else list(pairs)
    unknown = sorted({i for pair in todo for i in pair} - set(map(str, complete.columns)))
    if unknown:
        raise SurveyDataError(f"parameter pairs: items {unknown} are not among the items")
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
    data: Survey | pd.DataFrame,
    items: str | Sequence[str] | None = None,
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
    data
        A :class:`~cmmc_analysis.survey.Survey` (item-level codes, never reverse-keyed)
        or a DataFrame of numeric codes, one column per item.
    items
        Item ids, or a grid id of the survey's codebook; default: every scale item of
        the survey, every column of the DataFrame.
        At least ``top + 1`` items.
    correction
        ``"holm"``, ``"bh"``, ``"bonferroni"`` or ``"none"``, over the k (k - 1) / 2 pairs.
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
    frame = _codes_of(data, items, grids=True)
    if not isinstance(top, int | np.integer) or not 1 <= top < frame.shape[1]:
        raise SurveyDataError(
            f"parameter top: found {top!r}, expected an integer from 1 to the number of items - 1"
        )
    if not 0 < alpha < 1:
        raise SurveyDataError(f"parameter alpha: found {alpha!r}, expected a value in (0, 1)")
    complete, note = _complete(frame, 2)
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
