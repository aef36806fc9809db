"""Multiple testing: the one p-value adjustment every caller uses (Holm, Benjamini-Hochberg).

Holm is written here, once, rather than taken from ``statsmodels.multipletests``,
which calls ``gc.collect()`` on every Holm call (0.1-0.5 s each with pandas and scipy
loaded; minutes for a banner of a few hundred families); the tests check both agree.
Benjamini-Hochberg is ``scipy.stats.false_discovery_control``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from ..errors import SurveyDataError

__all__ = ["adjust_pvalues"]

CORRECTIONS = ("holm", "fdr_bh", "none")


def _check_choice(value: Any, allowed: Sequence[str], parameter: str) -> None:
    if value not in allowed:
        raise SurveyDataError(
            f"parameter {parameter}: found {value!r}, expected one of {', '.join(allowed)}"
        )


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
        out[mask] = stats.false_discovery_control(arr[mask], method="bh")
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
