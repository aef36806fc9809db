"""Counting: the one owner of top-2 / bottom-2, counts per level, and shares from counts.

Every summary of :mod:`cmmc_analysis.describe` is built in two steps so that it can be
merged across chunks of a large export: a pure counting step (:func:`level_counts`:
weighted counts of each scale point, per group) and a pure step from counts to
statistics (:func:`summary_from_counts`). Counts of several chunks add up; the
statistics of the sum are those of the whole.

**Top-2 and bottom-2** are defined here and nowhere else (:func:`top2_codes`,
:func:`bottom2_codes`): the two highest (lowest) points of a scale of 4 or more points,
the highest (lowest) point of a scale of 3 points or fewer, where the two highest points
would be two thirds of the scale; a codebook scale's own ``top2:`` / ``bottom2:`` codes
(a 3-point change scale: ``top2: [3]``, ``bottom2: [1]``) override it. Every caller (summaries, share tests, claims, weights)
asks these functions.

Examples
--------
>>> top2_codes(5), bottom2_codes(5), top2_codes(3)
([4, 5], [1, 2], [3])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from ..errors import SurveyDataError

__all__ = [
    "top2_codes",
    "bottom2_codes",
    "level_counts",
    "item_counts",
    "summary_from_counts",
    "wilson_interval",
]


def _points(scale) -> int:
    k = scale if isinstance(scale, int | np.integer) and not isinstance(scale, bool) else None
    if k is None:
        k = getattr(scale, "k", None)
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or k < 2:
        raise SurveyDataError(
            f"parameter scale: expected a number of scale points >= 2 or a scale, found {scale!r}"
        )
    return int(k)


def _width(scale) -> int:
    """How many points top-2 and bottom-2 take on ``scale`` (an int k or a codebook scale).

    A codebook scale may state its own width in a ``top2_width`` attribute (an override
    hook: the codebook does not offer it yet); otherwise 2 points for k >= 4, 1 point
    for k <= 3.
    """
    k = _points(scale)
    override = getattr(scale, "top2_width", None)
    if override is not None:
        if not isinstance(override, int) or not 1 <= override < k:
            raise SurveyDataError(
                f"scale top2_width: expected an integer from 1 to {k - 1}, found {override!r}"
            )
        return override
    return 2 if k >= 4 else 1


def top2_codes(scale) -> list[int]:
    """Codes (1..k) counted as top-2 on a scale: the 2 highest points, the highest if k <= 3.

    Parameters
    ----------
    scale
        The number of scale points k, or a codebook scale (anything with ``k``).

    Returns
    -------
    list of int
        The codes, lowest first.

    Examples
    --------
    >>> top2_codes(7), top2_codes(4), top2_codes(3)
    ([6, 7], [3, 4], [3])
    """
    k = _points(scale)
    if getattr(scale, "top2", None):  # the codebook's own definition (scales.<id>.top2)
        return sorted(int(c) for c in scale.top2)
    return list(range(k - _width(scale) + 1, k + 1))


def bottom2_codes(scale) -> list[int]:
    """Codes (1..k) counted as bottom-2: the 2 lowest points, the lowest if k <= 3.

    Examples
    --------
    >>> bottom2_codes(7), bottom2_codes(3)
    ([1, 2], [1])
    """
    if getattr(scale, "bottom2", None):  # the codebook's own (scales.<id>.bottom2)
        return sorted(int(c) for c in scale.bottom2)
    return list(range(1, _width(scale) + 1))


def level_counts(
    codes: np.ndarray | pd.Series,
    k: int,
    weights: np.ndarray | None = None,
    *,
    groups: np.ndarray | None = None,
    n_groups: int | None = None,
) -> np.ndarray:
    """Weighted counts of each code 1..k (NaN codes ignored).

    Counts of separate chunks add up. Pass ``weights**2`` to get the sums of squared
    weights that :func:`summary_from_counts` needs for Kish's effective n.

    Parameters
    ----------
    codes
        Codes 1..k, NaN where missing.
    k
        Number of scale points.
    weights
        One weight per code (default: 1).
    groups
        Group index 0..n_groups-1 per code; -1 leaves the code out.
    n_groups
        Number of groups (default: ``groups.max() + 1``).

    Returns
    -------
    ndarray
        Shape ``(k,)``, or ``(n_groups, k)`` when ``groups`` is given.

    Examples
    --------
    >>> level_counts(np.array([1.0, 5.0, 5.0, np.nan]), 5)
    array([1., 0., 0., 0., 2.])
    """
    x = np.asarray(codes, dtype=float)
    valid = np.isfinite(x)
    bad = valid & ((x < 1) | (x > k) | (x != np.round(x)))
    if bad.any():
        raise SurveyDataError(
            f"codes: expected whole numbers 1..{k}, found {float(x[bad][0])} at position {np.flatnonzero(bad)[0]}"
        )
    g = np.zeros(len(x), dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    size = 1 if groups is None else (int(g.max(initial=-1)) + 1 if n_groups is None else n_groups)
    idx0 = np.where(valid, np.nan_to_num(x) - 1, -1).astype(np.int64)
    counts = _counts(idx0, k, weights, g, size)
    return counts[0] if groups is None else counts


def item_counts(survey, item: str) -> np.ndarray:
    """Unweighted counts of each point 1..k of a survey's scale item, shape ``(k,)``.

    The counts that the summaries (:func:`level_counts` per group) and the tests vs
    neutral (:func:`cmmc_analysis.significance.vs_neutral`) start from: one
    ``np.bincount`` of the item's level codes, missing values left out.

    Examples
    --------
    >>> from cmmc_analysis.examples import toy_survey
    >>> item_counts(toy_survey(), "tech_cloud").tolist()
    [1.0, 1.0, 0.0, 3.0, 2.0]
    """
    from ._access import _item_codes

    k = survey.codebook.scale_of(item).k
    col = survey.data[item]
    if not isinstance(col.dtype, pd.CategoricalDtype):  # codes as numbers (Survey.codes)
        x = col.to_numpy(dtype=float)
        return level_counts(np.where(x > 0, x, np.nan), k)
    idx0 = _item_codes(survey, item)  # 0-based, -1 missing
    return np.bincount(idx0 + 1, minlength=k + 1)[1 : k + 1].astype(float)


def _counts(idx0: np.ndarray, k: int, w: np.ndarray | None, g: np.ndarray, size: int) -> np.ndarray:
    """Counts of 0-based level indexes (-1 = missing) per group: shape (size, k)."""
    # missing codes and groups go to one extra bin, dropped after counting (no copies of w)
    idx = np.where((idx0 >= 0) & (g >= 0), g * k + idx0, size * k)
    counts = np.bincount(idx, weights=w, minlength=size * k + 1)[:-1]
    return counts.astype(float).reshape(size, k)


def summary_from_counts(
    counts: np.ndarray,
    sq_counts: np.ndarray | None = None,
    *,
    ci_level: float = 0.95,
    scale=None,
) -> pd.DataFrame:
    """Statistics of a k-point item from its (weighted) counts per level.

    Parameters
    ----------
    counts
        Shape ``(k,)`` or ``(groups, k)``: counts (sums of weights) of codes 1..k.
    sq_counts
        Same shape: sums of squared weights (default: ``counts``, i.e. unweighted).
    ci_level
        Confidence level of the Wilson interval of ``top2``.
    scale
        The item's codebook scale, for its own ``top2``/``bottom2`` codes (default: the
        number of levels, and the default definition).

    Returns
    -------
    DataFrame
        One row per row of ``counts``: ``n``, ``n_eff`` (Kish), ``mean``, ``sd``
        (weighted with the n_eff / (n_eff - 1) correction; ddof=1 when unweighted),
        ``median`` (average of the two middle levels when the cumulative share is exactly
        one half, as ``np.median``), ``top2`` with ``ci_low``/``ci_high`` (Wilson on
        ``n_eff``), ``bottom2``, ``net``, ``share_1`` .. ``share_k``.
        ``top2``/``bottom2`` are the two highest/lowest levels (:func:`top2_codes`).

    Examples
    --------
    >>> summary_from_counts(np.array([1, 1, 0, 4, 4]))[["n", "mean", "median", "top2", "net"]]
          n  mean  median  top2  net
    0  10.0   3.9     4.0   0.8  0.6
    """
    c = np.atleast_2d(np.asarray(counts, dtype=float))
    sq = c if sq_counts is None else np.atleast_2d(np.asarray(sq_counts, dtype=float))
    _check_level(ci_level)
    k = c.shape[1]
    x = np.arange(1, k + 1, dtype=float)
    n = c.sum(axis=1)
    sum_sq = sq.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = np.where(sum_sq > 0, n**2 / sum_sq, 0.0)
        shares = c / n[:, None]
        mean = shares @ x
        var = (shares * (x[None, :] - mean[:, None]) ** 2).sum(axis=1) * n_eff / (n_eff - 1)
    sd = np.sqrt(np.where(n_eff > 1, var, np.nan))
    levels = k if scale is None else scale
    top, bottom = np.array(top2_codes(levels)) - 1, np.array(bottom2_codes(levels)) - 1
    top2, bottom2 = shares[:, top].sum(axis=1), shares[:, bottom].sum(axis=1)
    low, high = wilson_interval(top2 * n_eff, n_eff, ci_level)
    out = pd.DataFrame(
        {
            "n": n,
            "n_eff": n_eff,
            "mean": mean,
            "sd": sd,
            "median": _median_from_counts(c),
            "top2": top2,
            "ci_low": low,
            "ci_high": high,
            "bottom2": bottom2,
            "net": top2 - bottom2,
        }
    )
    for j in range(k):
        out[f"share_{j + 1}"] = shares[:, j]
    return out


def _median_from_counts(c: np.ndarray) -> np.ndarray:
    k = c.shape[1]
    n = c.sum(axis=1, keepdims=True)
    cum = np.cumsum(c, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = np.isclose(cum * 2, n, rtol=1e-12, atol=0) & (c > 0)
        below = (cum * 2 < n) & ~half
    first = below.sum(axis=1)  # index of the first level reaching one half
    first = np.minimum(first, k - 1)
    rows = np.arange(len(c))
    med = first.astype(float) + 1
    exact = half[rows, first]
    if exact.any():
        # next level with a positive count after `first`
        after = (c > 0) & (np.arange(k)[None, :] > first[:, None])
        nxt = np.where(after.any(axis=1), after.argmax(axis=1), first)
        med = np.where(exact, (first + nxt) / 2 + 1, med)
    return np.where(n[:, 0] > 0, med, np.nan)


def wilson_interval(count, nobs, ci_level: float) -> tuple[np.ndarray, np.ndarray]:
    count = np.atleast_1d(np.asarray(count, dtype=float))
    nobs = np.atleast_1d(np.asarray(nobs, dtype=float))
    ok = nobs > 0
    low = np.full(count.shape, np.nan)
    high = np.full(count.shape, np.nan)
    if ok.any():
        c = np.clip(count[ok], 0, nobs[ok])
        lo, hi = proportion_confint(c, nobs[ok], alpha=1 - ci_level, method="wilson")
        p = c / nobs[ok]  # rounding can put a bound a hair beyond p at 0 or 1
        low[ok], high[ok] = np.clip(np.minimum(lo, p), 0, 1), np.clip(np.maximum(hi, p), 0, 1)
    return low, high


def _finish_counts(out: pd.DataFrame, *, weighted: bool, text: Sequence[str]) -> pd.DataFrame:
    """Unweighted counts and bases as integers; label columns as ``str``."""
    if not weighted:
        out["count"] = out["count"].astype(np.int64)
        out["n"] = out["n"].astype(np.int64)
    for col in text:
        out[col] = out[col].astype("str")
    return out


def _group_sum(mask: np.ndarray, w: np.ndarray | None, g: np.ndarray, size: int) -> np.ndarray:
    if size == 1 and w is None:  # no breakdown: a count (g is 0 for every row)
        return np.array([float(np.count_nonzero(mask & (g >= 0)))])
    idx = np.where(mask & (g >= 0), g, size)
    return np.bincount(idx, weights=w, minlength=size + 1)[:-1].astype(float)


def _check_level(ci_level: float) -> None:
    if not isinstance(ci_level, int | float) or not 0 < ci_level < 1:
        raise SurveyDataError(
            f"parameter ci_level: expected a number in (0, 1), found {ci_level!r}"
        )
