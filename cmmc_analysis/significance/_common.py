"""Shared pieces of the significance tests: argument checks, codes, the signed-rank test."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

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

    The differences are counted (hashing their few distinct values, not sorting a
    million of them) and the test is :func:`_signed_rank_counts` of the counts.
    """
    d = np.asarray(d, dtype=float)
    level, values = pd.factorize(d, sort=False)
    counts = np.bincount(level, minlength=len(values))
    return _signed_rank_counts(
        np.asarray(values, dtype=float),
        counts,
        zero_method=zero_method,
        alternative=alternative,
        continuity=continuity,
        exact=exact,
    )


def _signed_rank_counts(
    values: np.ndarray,
    counts: np.ndarray,
    *,
    zero_method: str,
    alternative: str,
    continuity: bool,
    exact: bool | None = None,
) -> tuple[float, float, float, str]:
    """Wilcoxon signed-rank of differences given as distinct ``values`` and their ``counts``.

    Returns (V, p, r, how the p-value was computed). V is the sum of the ranks of the
    positive differences (R's ``V``); r is the matched-pairs rank-biserial correlation
    (T+ - T-) / (T+ + T-) with the ranks that ``zero_method`` defines. As R's
    ``wilcox.test``, the p-value is exact when ``exact`` is None and there are fewer
    than 50 differences, or ``exact`` is True, and there are no ties and no zeros
    (then ``scipy.stats.wilcoxon`` of the differences); otherwise it is the normal
    approximation with tie correction (and continuity correction when
    ``continuity``), computed here from the counts with ``scipy.stats.wilcoxon``'s
    formulas: average ranks of |d| per distinct value, the mean and variance of V
    (Cureton's adjustment for the zeros with ``"pratt"``) and the sum of t^3 - t over
    groups of tied |d|. Its p-values equal scipy's to rounding (``tests/test_stats.py``).
    With ``zero_method="wilcox"`` this is R's test exactly (checked in the tests
    against R's formula).

    >>> v, p, r, how = _signed_rank_counts(np.array([-1.0, 0.0, 1.0, 2.0]), np.array([3, 2, 5, 4]),
    ...     zero_method="pratt", alternative="two-sided", continuity=True)
    >>> d = np.repeat([-1.0, 0.0, 1.0, 2.0], [3, 2, 5, 4])
    >>> ref = stats.wilcoxon(d, zero_method="pratt", correction=True).pvalue
    >>> bool(np.isclose(p, ref, rtol=1e-12)), v, how
    (True, 82.5, 'normal approximation, tie-corrected, continuity correction')

    (V by hand: |d| = 0 twice, 1 eight times, 2 four times; average ranks 1.5, 6.5 and
    12.5; V = 5 x 6.5 + 4 x 12.5.)
    """
    values = np.asarray(values, dtype=float)
    counts = np.asarray(counts)
    present = counts > 0
    values, counts = values[present], counts[present].astype(np.int64)
    zero = values == 0
    if zero.all():
        return np.nan, np.nan, np.nan, "no test: every difference is zero"
    if zero_method == "wilcox":
        values, counts, zero = values[~zero], counts[~zero], zero[~zero]
    # average ranks of |d| per distinct |d| (as stats.rankdata), from the counts
    size, group = np.unique(np.abs(values), return_inverse=True)
    tied = np.bincount(group, weights=counts, minlength=len(size))
    ranks = np.cumsum(tied) - (tied - 1) / 2
    t_plus = float(counts[values > 0] @ ranks[group[values > 0]])
    t_minus = float(counts[values < 0] @ ranks[group[values < 0]])
    if zero_method == "zsplit":
        half = float(counts[zero] @ ranks[group[zero]]) / 2
        t_plus, t_minus = t_plus + half, t_minus + half
    r = (t_plus - t_minus) / (t_plus + t_minus)
    n = float(counts.sum())
    n_zero = float(counts[zero].sum())
    small = n < 50 if exact is None else exact
    if small and n_zero == 0 and tied.max() == 1:
        res = stats.wilcoxon(
            np.repeat(values, counts), zero_method=zero_method, correction=continuity,
            alternative=alternative, method="exact",
        )  # fmt: skip
        return float(t_plus), float(res.pvalue), float(r), "exact distribution"
    how = "normal approximation, tie-corrected" + (", continuity correction" if continuity else "")
    mean = n * (n + 1.0) * 0.25
    var = n * (n + 1.0) * (2.0 * n + 1.0)
    if zero_method == "pratt":  # Cureton (1967); the zeros are not a group of ties
        mean -= n_zero * (n_zero + 1.0) * 0.25
        var -= n_zero * (n_zero + 1.0) * (2.0 * n_zero + 1.0)
        if n_zero:
            tied = tied[size != 0]
    se = np.sqrt((var - np.sum(tied**3 - tied) / 2) / 24)
    z = (t_plus - mean) / se
    if continuity:
        sign = {"greater": 1.0, "less": -1.0}.get(alternative, np.sign(z))
        z -= sign * 0.5 / se
    if alternative == "less":
        p = special.ndtr(z)
    elif alternative == "greater":
        p = special.ndtr(-z)
    else:
        p = 2 * special.ndtr(-abs(z))
    return float(t_plus), float(p), float(r), how


def _adjust(out: pd.DataFrame, correction: str) -> np.ndarray:
    if out.empty:
        return np.array([], dtype=float)
    return adjust_pvalues(out["p_value"].to_numpy(dtype=float), correction=correction)
