"""Cronbach's alpha as complete as ``psych::alpha``: totals, intervals, item statistics.

Everything is computed from the item covariance matrix (:mod:`.stats`), itself from
sums and cross-products (:func:`~.crossproducts.cross_products`) that merge across
chunks. The conventions are psych's (see :mod:`.stats` and ``docs/statistics.md``):
reversal is done before (min + max - x), the scale score is the per-person mean of the
items, ``r_drop`` is the correlation with the sum of the other items, standardised
alpha comes from the correlation matrix ``cov2cor(C)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from ..errors import SurveyDataError
from ..survey import Survey
from .crossproducts import (
    CrossProducts,
    _check_rule,
    _numeric,
    cross_products,
    impute_medians,
)
from .stats import alpha_statistics, item_statistics

__all__ = ["cronbach_alpha", "alpha_from_cross_products", "item_analysis"]


def _check_level(ci_level: float) -> None:
    if not isinstance(ci_level, int | float) or not 0 < ci_level < 1:
        raise SurveyDataError(
            f"parameter ci_level: expected a number in (0, 1), found {ci_level!r}"
        )


def _rows(x: np.ndarray, missing: str) -> np.ndarray:
    """The rows a rule uses: complete rows (listwise), imputed rows (median), or rows
    with any answer (pairwise)."""
    if missing == "median":
        return impute_medians(x)
    if missing == "listwise":
        return x[np.isfinite(x).all(axis=1)]
    return x[np.isfinite(x).any(axis=1)]


def _score_mean_sd(x: np.ndarray) -> tuple[float, float]:
    """Mean and sd of the per-person mean of the answered items (psych's rowMeans)."""
    if not len(x):
        return np.nan, np.nan
    with np.errstate(all="ignore"):
        score = np.nanmean(x, axis=1)
    return float(score.mean()), float(score.std(ddof=1)) if len(score) > 1 else np.nan


def cronbach_alpha(
    data: Survey | pd.DataFrame,
    construct: str | None = None,
    *,
    ci_level: float = 0.95,
    missing: str = "listwise",
) -> pd.DataFrame:
    """Cronbach's alpha with Feldt's and Duhachek's intervals and psych's other totals.

    ``alpha = k / (k - 1) * (1 - tr(C) / sum(C))`` for the item covariance matrix C.
    Feldt's interval (Feldt, Woodruff & Salih 1987, as ``psych::alpha.ci`` and
    ``pingouin.cronbach_alpha``) is ``1 - (1 - alpha) F`` with F quantiles on
    (n - 1, (n - 1)(k - 1)) degrees of freedom; Duhachek's is ``alpha -/+ z ase`` with
    the asymptotic standard error ``ase`` (Duhachek & Iacobucci 2004, psych's ``ase``).

    Parameters
    ----------
    data
        A DataFrame with one numeric column per item (reverse-keyed already), NaN where
        missing: k-point codes, 0-100 ratings, percentages; or a Survey, with
        ``construct`` (its items, with its own reverse keys).
    construct
        Construct id (with a Survey).
    ci_level
        Confidence level of the intervals.
    missing
        ``"listwise"``, ``"pairwise"`` or ``"median"`` (see
        :mod:`cmmc_analysis.reliability.crossproducts`).

    Returns
    -------
    DataFrame
        One row: ``estimate`` (raw alpha), ``ci_low``, ``ci_high`` (Feldt), ``ci_level``,
        ``ci_method``, ``ase``, ``duhachek_low``, ``duhachek_high``, ``alpha_std``,
        ``g6`` (Guttman's lambda 6, smc), ``average_r``, ``median_r``, ``var_r``,
        ``signal_noise``, ``mean``, ``sd`` (of the per-person mean score), ``n``,
        ``k``, ``missing_rule``, ``method``, ``note`` (why the estimate is missing).

    Examples
    --------
    >>> x = pd.DataFrame({"a": [1, 2, 3, 4, 5.0], "b": [2, 2, 3, 5, 5.0], "c": [1, 3, 3, 4, 4.0]})
    >>> cronbach_alpha(x)[["estimate", "ci_low", "ci_high", "n", "k"]]
       estimate    ci_low  ci_high  n  k
    0  0.953757  0.766352  0.99485  5  3
    """
    _check_level(ci_level)
    _check_rule(missing)
    codes = _construct_codes(data, construct)
    out = alpha_from_cross_products(
        cross_products(codes, missing=missing), ci_level=ci_level, missing=missing
    )
    if missing == "pairwise":  # the per-person mean over answered items needs the rows
        out["mean"], out["sd"] = _score_mean_sd(_rows(_numeric(codes), missing))
    return out


def alpha_from_cross_products(
    cp: CrossProducts, *, ci_level: float = 0.95, missing: str = "listwise"
) -> pd.DataFrame:
    """:func:`cronbach_alpha` from (merged) cross-products, e.g. summed over chunks.

    ``missing`` names the rule ``cp`` was built with (it is only reported). The scale's
    ``mean`` and ``sd`` follow from listwise (or median-imputed) cross-products; with
    pairwise ones they are missing.

    Examples
    --------
    >>> x = pd.DataFrame({"a": [1, 2, 3, 4, 5.0], "b": [2, 2, 3, 5, 5.0], "c": [1, 3, 3, 4, 4.0]})
    >>> cp = cross_products(x.iloc[:2]) + cross_products(x.iloc[2:])
    >>> float(alpha_from_cross_products(cp)["estimate"].iloc[0])
    0.953757...
    """
    _check_level(ci_level)
    _check_rule(missing)
    n = cp.n_any
    k = len(cp.items)
    cov = cp.cov()
    s = alpha_statistics(cov, n)
    note = None
    if n < 2 or not np.isfinite(s["alpha"]):
        s = dict.fromkeys(s, np.nan)
        note = "fewer than 2 respondents or no variance in the total score"
    low, high = _feldt(s["alpha"], n, k, ci_level)
    z = special.ndtri(1 - (1 - ci_level) / 2)
    mean = sd = np.nan
    if missing != "pairwise" and n > 0 and k:
        mean = float(np.trace(cp.sum_pair) / (k * n))
        sd = float(np.sqrt(cov.sum()) / k) if n > 1 else np.nan
    row: dict[str, Any] = {
        "estimate": s["alpha"],
        "ci_low": low,
        "ci_high": high,
        "ci_level": ci_level,
        "ci_method": "feldt",
        "ase": s["ase"],
        "duhachek_low": s["alpha"] - z * s["ase"],
        "duhachek_high": s["alpha"] + z * s["ase"],
        "alpha_std": s["alpha_std"],
        "g6": s["g6"],
        "average_r": s["average_r"],
        "median_r": s["median_r"],
        "var_r": s["var_r"],
        "signal_noise": s["signal_noise"],
        "mean": mean,
        "sd": sd,
        "n": n,
        "k": k,
        "missing_rule": missing,
        "method": "Cronbach's alpha",
        "note": note,
    }
    return pd.DataFrame([row])


def item_analysis(
    data: Survey | pd.DataFrame,
    construct: str | None = None,
    *,
    missing: str = "listwise",
) -> pd.DataFrame:
    """Item statistics and alpha if each item were dropped, as ``psych::alpha``.

    Parameters
    ----------
    data
        A Survey (then ``construct`` names the construct; its own reverse keys are
        applied) or a DataFrame of item codes.
    construct
        Construct id (required with a Survey; with codes, only copied to the output).
    missing
        ``"listwise"``, ``"pairwise"`` or ``"median"``: the covariance matrix
        everything is computed from; also the rows of ``n``, ``mean``, ``sd`` and
        ``raw_r`` (listwise: complete rows; median: imputed rows; pairwise: each item's
        own answers, and the total as the mean of the answered items, as psych).

    Returns
    -------
    DataFrame
        One row per item: ``construct``, ``item``, ``n``, ``mean``, ``sd``,
        psych's ``item.stats`` (``raw_r``: with the total, item included; ``std_r``:
        the same on standardised items; ``r_cor``: corrected for overlap and
        reliability; ``r_drop``: with the sum of the other items), psych's
        ``alpha.drop`` (``alpha_if_dropped``, ``alpha_std_if_dropped``,
        ``g6_if_dropped``, ``average_r_if_dropped``, ``signal_noise_if_dropped``,
        ``alpha_se_if_dropped``, ``var_r_if_dropped``, ``median_r_if_dropped``),
        ``flag`` ("check keying" when ``r_drop`` < 0), ``missing_rule``.

    Examples
    --------
    >>> x = pd.DataFrame({"a": [1, 2, 3, 4, 5.0], "b": [2, 2, 3, 5, 5.0], "c": [5, 3, 3, 2, 1.0]})
    >>> item_analysis(x)[["item", "r_drop", "alpha_if_dropped", "flag"]]
      item    r_drop  alpha_if_dropped          flag
    0    a  0.000000        -10.857143           NaN
    1    b  0.516047        -45.000000           NaN
    2    c -0.917477          0.967742  check keying
    """
    codes = _construct_codes(data, construct)
    _check_rule(missing)
    cp = cross_products(codes, missing=missing)
    cov = cp.cov()
    k = len(cp.items)
    n = cp.n_any
    x = _rows(_numeric(codes), missing)
    per_item = item_statistics(cov)
    if missing == "pairwise":
        with np.errstate(all="ignore"):
            total = np.nanmean(x, axis=1) if len(x) else np.empty(0)
        per_item["raw_r"] = np.array([_pair_corr(total, x[:, i]) for i in range(k)], dtype=float)
    rows = []
    for i, item in enumerate(cp.items):
        rest = [j for j in range(k) if j != i]
        dropped = (
            alpha_statistics(cov[np.ix_(rest, rest)], n)
            if k > 2
            else dict.fromkeys(alpha_statistics(cov, n), np.nan)
        )
        xi = x[:, i][np.isfinite(x[:, i])]
        rows.append(
            {
                "construct": construct,
                "item": item,
                "n": len(xi),
                "mean": xi.mean() if len(xi) else np.nan,
                "sd": xi.std(ddof=1) if len(xi) > 1 else np.nan,
                "raw_r": per_item["raw_r"][i],
                "std_r": per_item["std_r"][i],
                "r_cor": per_item["r_cor"][i],
                "r_drop": per_item["r_drop"][i],
                "alpha_if_dropped": dropped["alpha"],
                "alpha_std_if_dropped": dropped["alpha_std"],
                "g6_if_dropped": dropped["g6"],
                "average_r_if_dropped": dropped["average_r"],
                "signal_noise_if_dropped": dropped["signal_noise"],
                "alpha_se_if_dropped": dropped["ase"],
                "var_r_if_dropped": dropped["var_r"],
                "median_r_if_dropped": dropped["median_r"],
                "flag": "check keying" if per_item["r_drop"][i] < 0 else None,
                "missing_rule": missing,
            }
        )
    return pd.DataFrame(rows)


def _pair_corr(a: np.ndarray, b: np.ndarray) -> float:
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 2 or np.std(a[ok]) == 0 or np.std(b[ok]) == 0:
        return np.nan
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def _feldt(alpha: float, n: int, k: int, ci_level: float) -> tuple[float, float]:
    if not np.isfinite(alpha) or n < 2:
        return np.nan, np.nan
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - ci_level) / 2
    # stats.f.isf(q, df1, df2) is special.fdtri(df1, df2, 1 - q), without its overhead
    low = 1 - (1 - alpha) * special.fdtri(df1, df2, 1.0 - tail)
    high = 1 - (1 - alpha) * special.fdtri(df1, df2, 1.0 - (1 - tail))
    return float(low), float(high)


def _construct_codes(data: Survey | pd.DataFrame, construct: str | None) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if not isinstance(data, Survey):
        raise SurveyDataError(
            f"parameter data: expected a Survey or a DataFrame of codes, "
            f"found {type(data).__name__}"
        )
    cb = data.codebook
    if construct not in cb.constructs:
        raise SurveyDataError(
            f"parameter construct: unknown construct {construct!r}; the codebook has {sorted(cb.constructs)}"
        )
    return data.codes(cb.constructs[construct].items, construct=construct)
