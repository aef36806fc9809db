"""One-sample tests: is an item centred above / below neutral? is a share above a value?"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SurveyDataError
from ..survey import Survey
from ._common import (
    ALTERNATIVES,
    CORRECTIONS,
    R_NAME,
    ZERO_METHODS,
    _adjust,
    _as_codes,
    _check_choice,
    _direction,
    _signed_rank,
)
from .multitest import adjust_pvalues

__all__ = ["vs_neutral", "survey_vs_neutral", "share_test", "survey_share_test"]


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
