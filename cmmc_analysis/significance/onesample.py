"""One-sample tests: is an item centred above / below neutral? is a share above a value?

Length: over 500 lines. The one-sample tests (against neutral, a share, a quantile)
share the input handling of a Survey or a DataFrame and the R-compatible options.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..describe.counts import item_counts
from ..errors import SurveyDataError
from ..survey import Survey
from ._common import (
    ALTERNATIVES,
    CORRECTIONS,
    R_NAME,
    ZERO_METHODS,
    _adjust,
    _check_choice,
    _codes_of,
    _direction,
    _items_list,
    _present,
    _signed_rank_counts,
)
from .multitest import adjust_pvalues

__all__ = ["vs_neutral", "share_test", "share_levels", "quantile_test"]


def vs_neutral(
    data: Survey | pd.DataFrame | pd.Series,
    items: str | Sequence[str] | None = None,
    *,
    midpoint: float | Mapping[str, float] | None = None,
    zero_method: str = "pratt",
    alternative: str = "two-sided",
    correction: str = "holm",
    continuity: bool = True,
    exact: bool | None = None,
) -> pd.DataFrame:
    """Per item, is the distribution centred above or below the scale midpoint?

    Wilcoxon signed-rank test of ``x - midpoint`` (``scipy.stats.wilcoxon``) and the
    sign test (exact binomial on the counts above and below; answers at the
    midpoint dropped), with the matched-pairs rank-biserial correlation
    r = (T+ - T-) / (T+ + T-) as effect size. Missing codes are dropped per item.
    The family for ``p_adjusted`` is the items of this call.

    Parameters
    ----------
    data
        A :class:`~cmmc_analysis.survey.Survey` (its scale items' codes, never
        reverse-keyed; each item tested against its scale's midpoint), or a DataFrame
        (or Series) of numeric codes, one column per item (NaN missing).
    items
        Item ids (Survey) or column names (DataFrame); default: every scale item of
        the survey, every column of the DataFrame. They form the family.
    midpoint
        The neutral value, or a mapping item -> neutral value. Required for a
        DataFrame; for a Survey it overrides the scales' midpoints.
    zero_method
        Answers at the midpoint: ``"pratt"`` (default: ranked with the others, then
        given no sign, so they make the other ranks larger without counting for
        either side), ``"wilcox"`` (dropped before ranking, as R's ``wilcox.test``)
        or ``"zsplit"`` (their ranks split half to each side).
    alternative
        ``"two-sided"``, ``"greater"`` (centred above) or ``"less"``.
    correction
        ``"holm"``, ``"bh"``, ``"bonferroni"`` or ``"none"``.
    continuity
        Continuity correction in the normal approximation (R's ``correct = TRUE``).
    exact
        R's ``exact``: None (default) gives the exact distribution when there are fewer
        than 50 answers (after dropping zeros with ``"wilcox"``) and no ties or
        zeros; True asks for it at any n (still not possible with ties or zeros, as
        in R); False always uses the normal approximation. With
        ``zero_method="wilcox"`` the results are R's ``wilcox.test(x, mu = midpoint,
        correct = continuity, exact = exact)``.

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

    On a survey, each item against its scale's midpoint:

    >>> from cmmc_analysis.examples import toy_survey
    >>> vs_neutral(toy_survey(), ["tech_cloud"])[["item", "threshold", "n_above"]]
             item  threshold  n_above
    0  tech_cloud        3.0        5
    """
    if isinstance(data, Survey):
        chosen = _present(_items_list(items), data.data.columns, "the survey data")
        if chosen is None:
            chosen = [i for i in data.codebook.scale_items if i in data.data]
        for item in chosen:
            data.codebook.scale_of(item)  # a clear error for an item that is not a scale item
        if midpoint is None:
            midpoint = {item: data.codebook.scale_of(item).midpoint for item in chosen}
        frame = None
    else:
        frame = _codes_of(data, items)
        chosen = list(frame.columns)
        if midpoint is None:
            raise SurveyDataError(
                "parameter midpoint: needed with a DataFrame of codes (a number, or a "
                "mapping item -> number)"
            )
    if isinstance(midpoint, Mapping):
        unknown = [c for c in chosen if c not in midpoint]
        if unknown:
            raise SurveyDataError(f"parameter midpoint: no value for items {unknown}")
    if exact not in (None, True, False):
        raise SurveyDataError(f"parameter exact: found {exact!r}, expected None, True or False")
    _check_choice(zero_method, ZERO_METHODS, "zero_method")
    _check_choice(alternative, ALTERNATIVES, "alternative")
    _check_choice(correction, CORRECTIONS, "correction")
    rows = []
    for item in chosen:
        mid = float(midpoint[item] if isinstance(midpoint, Mapping) else midpoint)
        # the distinct values and their counts: a survey's from describe.counts (the
        # counts the summaries use), a frame's column counted here
        if frame is None:
            counts = item_counts(data, item)
            values = np.arange(1, len(counts) + 1, dtype=float)
        else:
            values, counts = _value_counts(frame[item].to_numpy(dtype=float))
        present = counts > 0
        values, counts = values[present], counts[present]
        d = values - mid
        n = int(counts.sum())
        median = _median_of_counts(values, counts)
        above, below = int(counts[d > 0].sum()), int(counts[d < 0].sum())
        note = ""
        if n == 0:
            v = p = r = np.nan
            how, note = "", "no valid answers: not tested"
        else:
            v, p, r, how = _signed_rank_counts(
                d,
                counts,
                zero_method=zero_method,
                alternative=alternative,
                continuity=continuity,
                exact=exact,
            )
            if np.isnan(p):
                note = "every answer at the midpoint: not tested"
        sign_p = _sign_test(above, below, alternative)
        rows.append(
            {
                "item": str(item),
                "n": n,
                "n_above": above,
                "n_below": below,
                "n_at_midpoint": int(n - above - below),
                "threshold": mid,
                "estimate": median,
                "mean": float(counts @ values / n) if n else np.nan,
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
    family = "vs neutral: " + ", ".join(map(str, chosen))
    out.insert(out.columns.get_loc("sign_p_value"), "p_adjusted", _adjust(out, correction))
    out.insert(
        out.columns.get_loc("sign_p_value") + 1,
        "sign_p_adjusted",
        adjust_pvalues(out["sign_p_value"], correction=correction) if len(out) else [],
    )
    out.insert(out.columns.get_loc("effect_size"), "correction", correction)
    out.insert(out.columns.get_loc("effect_size"), "family", family)
    return out


def _value_counts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct non-missing values of ``x`` and how often each occurs (hashing, no sort)."""
    level, values = pd.factorize(x, sort=False)  # NaN -> -1
    counts = np.bincount(level[level >= 0], minlength=len(values))
    return np.asarray(values, dtype=float), counts


def _sign_test(above: int, below: int, alternative: str) -> float:
    """The sign test's p-value: ``scipy.stats.binomtest(above, above + below, 0.5)``.

    With p = 1/2 the binomial is symmetric: the two-sided p-value (scipy's: the
    probability of every count no likelier than the one seen) is the lower tail at the
    smaller count plus the upper tail at the larger one, which scipy finds by a search
    over the probabilities; here the two tails are read directly from
    ``scipy.stats.binom`` (the same functions), without the search.

    >>> from scipy import stats
    >>> [round(_sign_test(8, 2, a), 12) for a in ("two-sided", "greater", "less")]
    [0.109375, 0.0546875, 0.9892578125]
    >>> float(stats.binomtest(8, 10, 0.5).pvalue)
    0.109375
    """
    n = above + below
    if n == 0:
        return np.nan
    binom = stats.binom
    if alternative == "greater":
        return float(binom.sf(above - 1, n, 0.5))
    if alternative == "less":
        return float(binom.cdf(above, n, 0.5))
    if 2 * above == n:
        return 1.0
    low, high = min(above, below), max(above, below)
    return float(min(1.0, binom.cdf(low, n, 0.5) + binom.sf(high - 1, n, 0.5)))


def _median_of_counts(values: np.ndarray, counts: np.ndarray) -> float:
    """``np.median`` of the data that ``values`` repeated ``counts`` times would be."""
    n = int(counts.sum())
    if n == 0:
        return np.nan
    order = np.argsort(values, kind="stable")
    v, cum = values[order], np.cumsum(counts[order])
    low = v[np.searchsorted(cum, (n - 1) // 2, side="right")]
    high = v[np.searchsorted(cum, n // 2, side="right")]
    return float(low) if n % 2 else float((low + high) / 2)


def share_test(
    data: Survey | pd.DataFrame | pd.Series | None = None,
    item: str | None = None,
    *,
    levels: str | Sequence[Any] | None = None,
    threshold: float,
    count: int | None = None,
    n: int | None = None,
    k: int | None = None,
    alternative: str = "greater",
    ci_level: float = 0.95,
    ci_method: str = "wilson",
) -> pd.DataFrame:
    """Is a share above (or below) a stated value? Exact binomial test with an interval.

    ``scipy.stats.binomtest(count, n, threshold, alternative=...)``; the interval is the
    two-sided ``ci_level`` interval of the share whatever the alternative (Wilson by
    default, ``"exact"`` for Clopper-Pearson). The base is the valid answers of the
    item (not-an-answer, blank, not-asked and rejected answers excluded).

    Parameters
    ----------
    data
        A :class:`~cmmc_analysis.survey.Survey`, a DataFrame with a column ``item``, or a
        Series of answers (labels, or numeric codes 1..k). Leave it out to test
        ``count`` of ``n`` directly.
    item
        The item id (Survey) or column (DataFrame).
    levels
        The answers counted in the share: canonical labels (or codes), or ``"top2"`` /
        ``"bottom2"`` for an ordered item, as defined once in
        :func:`cmmc_analysis.describe.counts.top2_codes` (the two highest points of a
        scale of 4 or more points, the highest of a 3-point scale).
    threshold
        The stated share, in [0, 1].
    count, n
        Answers counted and base, when no ``data`` is given.
    k
        Number of scale points of numeric codes (only for ``"top2"`` / ``"bottom2"`` on
        a DataFrame or Series of codes).
    alternative
        ``"greater"`` (default), ``"less"`` or ``"two-sided"``.
    ci_level
        Confidence level of the interval.
    ci_method
        ``"wilson"`` (default) or ``"exact"`` (Clopper-Pearson).

    Returns
    -------
    pandas.DataFrame
        One row: [``item``, ``level`` (the levels joined by " + ")], ``n``, ``count``,
        ``estimate`` (count / n), ``ci_low``, ``ci_high``, ``ci_level``, ``ci_method``,
        ``threshold``, ``statistic`` (count), ``p_value``, ``p_adjusted`` (= p_value,
        family of one), ``correction``, ``family``, ``direction`` (estimate above /
        below / at the threshold), ``alternative``, ``method``, ``note``.

    Examples
    --------
    >>> row = share_test(count=7, n=20, threshold=0.5, alternative="less").iloc[0]
    >>> float(row["ci_low"]), float(row["ci_high"]), float(row["p_value"])
    (0.1812, 0.5671, 0.1316)

    On a survey item, the share of its top-2 answers:

    >>> from cmmc_analysis.examples import toy_survey
    >>> share_test(toy_survey(), "tech_cloud", levels="top2", threshold=0.5)[
    ...     ["item", "count", "n", "estimate"]]
             item  count  n  estimate
    0  tech_cloud      5  7  0.714286
    """
    _check_choice(alternative, ALTERNATIVES, "alternative")
    _check_choice(ci_method, ("wilson", "exact"), "ci_method")
    if not isinstance(threshold, int | float) or not 0 <= threshold <= 1:
        raise SurveyDataError(
            f"parameter threshold: found {threshold!r}, expected a share in [0, 1]"
        )
    if not isinstance(ci_level, int | float) or not 0 < ci_level < 1:
        raise SurveyDataError(f"parameter ci_level: found {ci_level!r}, expected a value in (0, 1)")
    chosen: list[Any] | None = None
    if data is None:
        if count is None or n is None:
            raise SurveyDataError(
                "parameters data, count, n: give a Survey or DataFrame with item and levels, "
                "or count and n"
            )
    else:
        if count is not None or n is not None:
            raise SurveyDataError("parameters count, n: not used with data; give one or the other")
        count, n, chosen = _share_counts(data, item, levels, k)
    if not (
        isinstance(n, int | np.integer) and isinstance(count, int | np.integer) and 0 <= count <= n
    ):
        raise SurveyDataError(
            f"parameters count, n: found count={count!r}, n={n!r}, expected integers with "
            "0 <= count <= n"
        )
    if n == 0:
        est = p = low = high = np.nan
    else:
        est = count / n
        p = stats.binomtest(int(count), int(n), threshold, alternative=alternative).pvalue
        ci = stats.binomtest(int(count), int(n)).proportion_ci(
            confidence_level=ci_level, method=ci_method
        )
        low, high = ci.low, ci.high
    out = pd.DataFrame(
        [
            {
                "n": int(n),
                "count": int(count),
                "estimate": est,
                "ci_low": float(low),
                "ci_high": float(high),
                "ci_level": ci_level,
                "ci_method": "wilson" if ci_method == "wilson" else "clopper-pearson",
                "threshold": threshold,
                "statistic": int(count),
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
    if chosen is not None:
        out.insert(0, "level", " + ".join(map(str, chosen)))
        out.insert(0, "item", str(item) if item is not None else "")
    return out


def share_levels(
    labels: Sequence[Any], levels: str | Sequence[Any], *, scale: Any = None, ordered: bool = True
) -> list[Any]:
    """The answers ``levels`` names among an item's ``labels`` (low to high).

    ``"top2"`` / ``"bottom2"`` are resolved with
    :func:`cmmc_analysis.describe.counts.top2_codes` / ``bottom2_codes`` on ``scale``
    (a codebook scale, or by default the number of labels); other values must be
    among ``labels``.

    Examples
    --------
    >>> share_levels(["no", "maybe", "yes"], "top2"), share_levels(list("abcde"), "bottom2")
    (['yes'], ['a', 'b'])
    """
    from ..describe.counts import bottom2_codes, top2_codes

    labels = list(labels)
    if isinstance(levels, str) and levels in ("top2", "bottom2"):
        if not ordered:
            raise SurveyDataError(f"parameter levels: {levels!r} needs an ordered item")
        codes = (top2_codes if levels == "top2" else bottom2_codes)(
            len(labels) if scale is None else scale
        )
        return [labels[c - 1] for c in codes]
    chosen = [levels] if isinstance(levels, str) or np.ndim(levels) == 0 else list(levels)
    unknown = [lev for lev in chosen if lev not in labels]
    if unknown or not chosen:
        raise SurveyDataError(
            f"parameter levels: found {unknown or chosen!r}, expected labels among {labels} "
            "or 'top2' / 'bottom2'"
        )
    return chosen


def _share_counts(
    data: Survey | pd.DataFrame | pd.Series, item: str | None, levels: Any, k: int | None
) -> tuple[int, int, list[Any]]:
    """(count, n, levels) of an item's answers in ``levels``, over its valid answers."""
    if levels is None:
        raise SurveyDataError("parameter levels: expected labels, codes, 'top2' or 'bottom2'")
    if isinstance(data, Survey):
        if item is None or item not in data.data:
            raise SurveyDataError(
                "parameter item: expected a column of the survey data", column=str(item)
            )
        info = data.codebook.item(item)
        if info.type not in ("scale", "single"):
            raise SurveyDataError(
                f"parameter item: expected a scale or single-choice item, found a {info.type} item",
                column=item,
            )
        scale = data.codebook.scale_of(item) if info.type == "scale" else None
        try:
            chosen = share_levels(
                data.codebook.labels(item),
                levels,
                scale=scale,
                ordered=info.type == "scale" or bool(info.ordered),
            )
        except SurveyDataError as err:
            raise SurveyDataError(str(err), column=item) from None
        col = data.data[item]
    else:
        if isinstance(data, pd.DataFrame):
            if item is None or item not in data.columns:
                raise SurveyDataError("parameter item: expected a column of data", column=str(item))
            col = data[item]
        elif isinstance(data, pd.Series):
            col = data
        else:
            raise SurveyDataError(
                "parameter data: expected a Survey, a DataFrame or a Series, found "
                f"{type(data).__name__}"
            )
        if isinstance(col.dtype, pd.CategoricalDtype):
            chosen = share_levels(list(col.cat.categories), levels, ordered=col.cat.ordered)
        elif isinstance(levels, str) and levels in ("top2", "bottom2"):
            if k is None:
                raise SurveyDataError(
                    f"parameter k: {levels!r} on numeric codes needs the number of scale points"
                )
            chosen = share_levels(list(range(1, k + 1)), levels)
        else:
            chosen = [levels] if isinstance(levels, str) or np.ndim(levels) == 0 else list(levels)
    n = int(col.notna().sum())
    count = int(col.isin(chosen).to_numpy(dtype=bool, na_value=False).sum())
    return count, n, chosen


def quantile_test(
    data: Survey | pd.DataFrame | pd.Series | np.ndarray,
    item: str | None = None,
    *,
    q: float = 0.5,
    threshold: float | None = None,
    alternative: str = "greater",
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Is the q-quantile (the median by default) above (or below) a value?

    ``scipy.stats.quantile_test``: the distribution-free binomial (sign) test of the
    q-quantile, and its two-sided order-statistic interval (exact binomial coverage of
    at least ``ci_level``) whatever the alternative. The estimate is
    ``numpy.quantile`` (linear interpolation).

    Parameters
    ----------
    data
        A :class:`~cmmc_analysis.survey.Survey` (a numeric item's values, or a scale
        item's codes), a DataFrame with a column ``item``, or a Series / array of values.
    item
        Item id (Survey) or column (DataFrame).
    q
        Which quantile, in (0, 1).
    threshold
        The stated value; None gives the estimate and interval only.
    alternative
        ``"greater"`` (default: the quantile is above ``threshold``), ``"less"`` or
        ``"two-sided"``.
    ci_level
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row: ``item``, ``n``, ``estimate``, ``ci_low``, ``ci_high``, ``ci_level``,
        ``ci_method``, ``threshold``, ``statistic``, ``p_value``, ``p_adjusted``
        (family of one), ``correction``, ``family``, ``direction``, ``alternative``,
        ``method``, ``note``.

    Examples
    --------
    >>> x = np.arange(1.0, 21.0)
    >>> row = quantile_test(x, threshold=8).iloc[0]
    >>> float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"]), float(row["p_value"])
    (10.5, 6.0, 15.0, 0.2517)
    """
    _check_choice(alternative, ALTERNATIVES, "alternative")
    if not isinstance(q, int | float) or not 0 < q < 1:
        raise SurveyDataError(f"parameter q: found {q!r}, expected a value in (0, 1)")
    if not isinstance(ci_level, int | float) or not 0 < ci_level < 1:
        raise SurveyDataError(f"parameter ci_level: found {ci_level!r}, expected a value in (0, 1)")
    if isinstance(data, Survey):
        if item is None or item not in data.data:
            raise SurveyDataError(
                "parameter item: expected a column of the survey data", column=str(item)
            )
        if data.codebook.item(item).type == "scale":
            values = data.codes([item])[item]
        else:
            values = data.data[item]
    elif isinstance(data, pd.DataFrame):
        if item is None or item not in data.columns:
            raise SurveyDataError("parameter item: expected a column of data", column=str(item))
        values = data[item]
    else:
        values = pd.Series(np.asarray(data))
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise SurveyDataError(
            f"parameter data: expected numbers, found dtype {getattr(values, 'dtype', '?')}",
            column=str(item or ""),
        ) from err
    x = x[np.isfinite(x)]
    n = x.size
    row: dict[str, Any] = {"item": str(item or ""), "n": int(n)}
    est = float(np.quantile(x, q)) if n else np.nan
    low = high = stat = p = np.nan
    if n:
        ci = stats.quantile_test(x, q=est, p=q).confidence_interval(ci_level)
        low, high = float(ci.low), float(ci.high)
        if threshold is not None:
            res = stats.quantile_test(x, q=threshold, p=q, alternative=alternative)
            stat, p = float(res.statistic), float(res.pvalue)
    row |= {
        "estimate": est,
        "ci_low": low,
        "ci_high": high,
        "ci_level": ci_level,
        "ci_method": "order statistics (scipy.stats.quantile_test)",
        "threshold": np.nan if threshold is None else float(threshold),
        "statistic": stat,
        "p_value": p,
        "p_adjusted": p,
        "correction": "none",
        "family": "single test",
        "direction": "none" if threshold is None else _direction(est - threshold),
        "alternative": alternative,
        "method": f"binomial (sign) test of the {q:g}-quantile",
        "note": "" if n else "no valid values: not tested",
    }
    return pd.DataFrame([row])
