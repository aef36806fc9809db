"""Numeric items (0-100 ratings, percentages, counts): summary with an interval for the median."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SurveyDataError
from ..survey import Survey
from ._access import _column
from .counts import _check_level

__all__ = ["numeric_summary"]

#: Columns this module adds to the shared vocabulary (``cmmc_analysis.columns``).
EXTRA_COLUMNS: dict[str, str] = {
    "min": "numeric_summary: smallest value",
    "max": "numeric_summary: largest value",
}

#: Above this many values, numeric_summary's median interval uses order statistics.
MAX_BOOTSTRAP_N = 5000


def numeric_summary(
    survey: Survey,
    item: str,
    *,
    where: Mapping[str, Sequence[str]] | None = None,
    n_boot: int = 2000,
    seed: int = 0,
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Summary of a numeric item with an interval for the median.

    Parameters
    ----------
    survey
        The cleaned survey.
    item
        A numeric item id (e.g. ``remote_share``).
    where
        Keep only respondents whose answer to each listed item is one of the given
        canonical labels, e.g. ``{"remote_adopted": ["Sì", "In corso di attivazione"]}``.
        Several entries combine with AND.
    n_boot
        Bootstrap resamples for the BCa interval of the median.
    seed
        Seed of the bootstrap's random generator (results are reproducible).
    ci_level
        Confidence level.

    Returns
    -------
    DataFrame
        One row: ``item``, ``n`` (non-missing values kept), ``mean``, ``sd``, ``median``,
        ``q1``, ``q3`` (linear interpolation, numpy's default), ``min``, ``max``,
        ``ci_low``, ``ci_high`` (interval of the median), ``ci_level``, ``ci_method``.

    Notes
    -----
    Up to ``MAX_BOOTSTRAP_N`` (5000) values the interval of the median is a BCa bootstrap
    (``scipy.stats.bootstrap``); its jackknife step costs O(n^2), so above that size the
    distribution-free order-statistic interval (``scipy.stats.quantile_test``, exact
    binomial coverage) is used instead; at that size both agree closely. The same
    interval is used when BCa is undefined, which happens when so many answers are tied
    (80, 85, 90 ...) that the jackknife medians do not vary. ``ci_method`` says which
    method was used. If every value is the same, the interval is that value.

    Examples
    --------
    >>> from cmmc_analysis.examples import toy_survey
    >>> s = toy_survey()
    >>> t = numeric_summary(s, "remote_share", where={"remote_adopted": ["Sì"]})
    >>> t[["item", "n", "median", "q1", "q3", "min", "max", "ci_method"]]
               item  n  median    q1    q3   min   max      ci_method
    0  remote_share  4    75.0  67.5  82.5  60.0  90.0  bootstrap BCa
    """
    spec = survey.codebook.item(item)
    if spec.type != "numeric":
        raise SurveyDataError(
            f"parameter item: {item!r} is of type {spec.type!r}; expected 'numeric'"
        )
    _check_level(ci_level)
    keep = np.ones(len(survey.data), dtype=bool)
    for cond_item, labels in (where or {}).items():
        col = _column(survey, cond_item)
        allowed = survey.codebook.labels(cond_item)
        unknown = [lab for lab in labels if lab not in allowed]
        if isinstance(labels, str) or unknown:
            raise SurveyDataError(
                f"parameter where[{cond_item!r}]: expected a list of its labels {allowed}, found {labels!r}"
            )
        keep &= col.isin(list(labels)).to_numpy(dtype=bool, na_value=False)
    x = _column(survey, item).to_numpy(dtype=float)[keep]
    x = x[np.isfinite(x)]
    n = len(x)
    row = {"item": item, "n": n}
    if n == 0:
        row.update(
            dict.fromkeys(
                ["mean", "sd", "median", "q1", "q3", "min", "max", "ci_low", "ci_high"], np.nan
            )
        )
        row.update(ci_level=ci_level, ci_method="none (no values)")
        return pd.DataFrame([row])
    q1, med, q3 = np.quantile(x, [0.25, 0.5, 0.75])
    row.update(
        mean=x.mean(),
        sd=x.std(ddof=1) if n > 1 else np.nan,
        median=med,
        q1=q1,
        q3=q3,
        min=x.min(),
        max=x.max(),
    )
    low, high, method = _median_interval(x, n_boot=n_boot, seed=seed, ci_level=ci_level)
    row.update(ci_low=low, ci_high=high, ci_level=ci_level, ci_method=method)
    return pd.DataFrame([row])


def _median_interval(x: np.ndarray, *, n_boot: int, seed: int, ci_level: float):
    if np.all(x == x[0]):
        return float(x[0]), float(x[0]), "degenerate (all values equal)"
    if len(x) <= MAX_BOOTSTRAP_N:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", stats.DegenerateDataWarning)
            warnings.simplefilter("ignore", RuntimeWarning)  # BCa's 0/0 on tied jackknife
            res = stats.bootstrap(
                (x,),
                np.median,
                confidence_level=ci_level,
                n_resamples=n_boot,
                method="BCa",
                rng=np.random.default_rng(seed),
                vectorized=True,
            )
        ci = res.confidence_interval
        if np.isfinite(ci.low) and np.isfinite(ci.high):
            return float(ci.low), float(ci.high), "bootstrap BCa"
        method = "order statistics (quantile_test; BCa undefined: tied values)"
    else:
        method = "order statistics (quantile_test)"
    ci = stats.quantile_test(x, q=float(np.median(x)), p=0.5).confidence_interval(ci_level)
    return float(ci.low), float(ci.high), method
