"""Shared pieces of the significance tests: argument checks, codes, the signed-rank test."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SurveyDataError
from ..survey import Survey
from .multitest import CORRECTIONS, _check_choice, adjust_pvalues  # noqa: F401 (re-used by the test modules)

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


ZERO_METHODS = ("pratt", "wilcox", "zsplit")
ALTERNATIVES = ("two-sided", "greater", "less")
R_NAME = "r (matched-pairs rank-biserial)"


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


def _items_list(items: str | Sequence[str] | None) -> list[str] | None:
    if items is None:
        return None
    return [items] if isinstance(items, str) else list(items)


def _codes_of(
    data: Survey | pd.DataFrame | pd.Series,
    items: str | Sequence[str] | None = None,
    *,
    grids: bool = False,
) -> pd.DataFrame:
    """Float codes of ``items`` from a Survey (item-level codes, never reverse-keyed) or a
    DataFrame / Series of codes (default: every column; every scale item of a Survey).

    With ``grids``, ``items`` may also name a grid (battery) of the survey's codebook.
    """
    if isinstance(data, Survey):
        if grids and isinstance(items, str) and items not in data.codebook.items:
            if items not in data.codebook.grids:
                raise SurveyDataError(
                    f"parameter items: found {items!r}, expected a list of item ids or a grid id "
                    f"({', '.join(data.codebook.grids)})"
                )
            items = data.codebook.grid_items(items)
        chosen = _present(_items_list(items), data.data.columns, "the survey data")
        return data.codes(chosen)
    if isinstance(data, pd.Series):
        data = data.to_frame()
    if not isinstance(data, pd.DataFrame):
        raise SurveyDataError(
            "parameter data: expected a Survey or a DataFrame of item codes, found "
            f"{type(data).__name__}"
        )
    chosen = _present(_items_list(items), data.columns, "the columns of data")
    return _as_codes(data if chosen is None else data[chosen], "data")


def _present(chosen: list[str] | None, columns: pd.Index, where: str) -> list[str] | None:
    """``chosen`` unchanged when every item is in ``columns``; else one clear error."""
    absent = [i for i in chosen or () if i not in columns]
    if absent:
        raise SurveyDataError(f"parameter items: {absent} not in {where}", column=str(absent[0]))
    return chosen


def _direction(x: float) -> str:
    if np.isnan(x):
        return "none"
    return "above" if x > 0 else "below" if x < 0 else "none"


def _signed_rank(
    d: np.ndarray,
    *,
    zero_method: str,
    alternative: str,
    continuity: bool,
    exact: bool | None = None,
) -> tuple[float, float, float, str]:
    """Wilcoxon signed-rank on differences ``d``: (V, p, r, how the p-value was computed).

    V is the sum of the ranks of the positive differences (R's ``V``); r is the
    matched-pairs rank-biserial correlation (T+ - T-) / (T+ + T-) with the ranks that
    ``zero_method`` defines. As R's ``wilcox.test``, the p-value is exact when
    ``exact`` is None and there are fewer than 50 differences, or ``exact`` is True,
    and there are no ties and no zeros; otherwise it is the normal approximation with
    tie correction (and continuity correction when ``continuity``). With
    ``zero_method="wilcox"`` this is R's test exactly (checked in the tests against
    R's formula).
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
    n_used = int(nonzero.sum()) if zero_method == "wilcox" else d.size
    small = n_used < 50 if exact is None else exact
    if small and nonzero.all() and np.unique(np.abs(used)).size == used.size:
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


def _adjust(out: pd.DataFrame, correction: str) -> np.ndarray:
    if out.empty:
        return np.array([], dtype=float)
    return adjust_pvalues(out["p_value"].to_numpy(dtype=float), correction=correction)
