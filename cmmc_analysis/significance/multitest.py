"""Multiple testing: the one p-value adjustment every caller uses.

Every function of the package that corrects for multiplicity (the tests of
:mod:`cmmc_analysis.significance`, the claims, the banner letters) calls
:func:`adjust_pvalues`, with the same names for the corrections:

- ``"holm"``: Holm's step-down method (controls the family-wise error rate);
- ``"bh"``: Benjamini-Hochberg (controls the false discovery rate),
  ``scipy.stats.false_discovery_control``;
- ``"bonferroni"``: p times the size of the family;
- ``"none"``: the p-values as they are.

Holm is written here, once, rather than taken from ``statsmodels.multipletests``: that
function calls ``gc.collect()`` on every Holm call (0.1-0.5 s each with pandas and
scipy loaded; minutes for a banner of a few hundred families). The tests check that
both give the same values.

Examples
--------
>>> adjust_pvalues([0.01, 0.04, 0.03, 0.5], family=["a", "a", "a", "b"]).tolist()
[0.03, 0.06, 0.06, 0.5]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SurveyDataError

__all__ = ["adjust_pvalues", "CORRECTIONS"]

#: The accepted values of every ``correction=`` parameter of the package.
CORRECTIONS = ("holm", "bh", "bonferroni", "none")


def _check_choice(value: Any, allowed: Sequence[str], parameter: str) -> None:
    if value not in allowed:
        raise SurveyDataError(
            f"parameter {parameter}: found {value!r}, expected one of {', '.join(allowed)}"
        )


def adjust_pvalues(
    p: Sequence[float] | np.ndarray | pd.Series,
    *,
    correction: str = "holm",
    family: Sequence[Any] | np.ndarray | pd.Series | None = None,
) -> np.ndarray:
    """p-values adjusted for multiplicity, over one family or within each of several.

    Parameters
    ----------
    p
        Unadjusted p-values (one-dimensional). NaN entries (tests not run) stay NaN
        and do not count in the family.
    correction
        ``"holm"`` (default), ``"bh"`` (Benjamini-Hochberg), ``"bonferroni"`` or
        ``"none"``.
    family
        Optional label per p-value: the adjustment is done within each family
        separately (the banner adjusts within each row and segment). Default: one
        family.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the order of ``p``, capped at 1.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, np.nan, 0.03]).tolist()
    [0.03, 0.06, nan, 0.06]
    >>> adjust_pvalues([0.01, 0.04, 0.03], correction="bh").round(4).tolist()
    [0.03, 0.04, 0.04]
    """
    _check_choice(correction, CORRECTIONS, "correction")
    arr = np.asarray(p, dtype=float)
    if arr.ndim != 1:
        raise SurveyDataError(f"parameter p: expected one dimension, found shape {arr.shape}")
    mask = ~np.isnan(arr)
    if ((arr[mask] < 0) | (arr[mask] > 1)).any():
        raise SurveyDataError("parameter p: found values outside [0, 1], expected p-values")
    out = np.full(arr.shape, np.nan)
    if family is None:
        labels = np.zeros(arr.size, dtype=np.int64)
    else:
        fam = np.asarray(family, dtype=object)
        if fam.shape != arr.shape:
            raise SurveyDataError(
                f"parameter family: found {fam.size} labels for {arr.size} p-values, expected one each"
            )
        labels = pd.factorize(pd.Series(fam), use_na_sentinel=False)[0]
    for f in np.unique(labels[mask]):
        where = np.flatnonzero(mask & (labels == f))
        out[where] = _adjust_one(arr[where], correction)
    return out


def _adjust_one(p: np.ndarray, correction: str) -> np.ndarray:
    if correction == "none":
        return p.copy()
    if correction == "holm":
        return _holm(p)
    if correction == "bonferroni":
        return np.minimum(p * p.size, 1.0)
    return stats.false_discovery_control(p, method="bh")


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment, as ``multipletests(p, method="holm")[1]``.

    Sort, multiply the i-th smallest (0-based) by m - i, take the running maximum,
    cap at 1.
    """
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate(p[order] * np.arange(p.size, 0, -1))
    out = np.empty_like(p)
    out[order] = np.minimum(stepped, 1.0)
    return out
