"""McDonald's omega total from a one-factor maximum-likelihood fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize

from ..survey import Survey
from .alpha import _construct_codes
from .crossproducts import cross_products

__all__ = ["omega_total"]


def omega_total(
    data: pd.DataFrame | Survey, construct: str | None = None, *, missing: str = "listwise"
) -> pd.DataFrame:
    """McDonald's omega total from a one-factor maximum-likelihood fit.

    The factor model is fitted to the item correlation matrix by maximum likelihood
    (the algorithm of R's ``factanal``: uniquenesses optimised with
    ``scipy.optimize.minimize`` L-BFGS-B, bounded to [0.005, 1]); then
    ``omega_t = (sum lambda)^2 / ((sum lambda)^2 + sum psi)``. ``psych::omega`` writes
    the denominator as the sum of all correlations; the two agree when the one-factor
    model fits exactly.

    Parameters
    ----------
    data, construct
        As in :func:`~cmmc_analysis.reliability.cronbach_alpha`: a DataFrame of codes
        (reverse-keyed already), or a Survey and a construct id.
    missing
        ``"listwise"`` or ``"pairwise"``.

    Returns
    -------
    DataFrame
        One row: ``estimate`` (omega), ``n``, ``k``, ``missing_rule``, ``method``,
        ``note`` (fewer than 3 items, a non-positive-definite matrix, a Heywood case or
        no convergence).

    Examples
    --------
    >>> x = pd.DataFrame({"a": [1, 2, 3, 4, 5.0], "b": [2, 2, 3, 5, 5.0], "c": [1, 3, 3, 4, 4.0]})
    >>> omega_total(x)[["estimate", "n", "k"]]
       estimate  n  k
    0  0.963648  5  3
    """
    cp = cross_products(_construct_codes(data, construct), missing=missing)
    k = len(cp.items)
    omega, note = np.nan, None
    corr = cp.corr()
    if k < 3:
        note = "omega needs at least 3 items"
    elif cp.n_any < 3 or not np.all(np.isfinite(corr)):
        note = "too few respondents or an item without variance"
    elif np.linalg.eigvalsh(corr)[0] <= 1e-10:
        note = "correlation matrix not positive definite"
    else:
        loadings, psi, converged = _one_factor_ml(corr)
        total = loadings.sum() ** 2
        omega = total / (total + psi.sum())
        if not converged:
            note = "factor fit did not converge"
        elif np.any(psi <= 0.0051):
            note = "Heywood case: a uniqueness at its lower bound"
    return pd.DataFrame(
        [
            {
                "estimate": omega,
                "n": cp.n_any,
                "k": k,
                "missing_rule": missing,
                "method": "McDonald's omega total, one-factor ML on correlations",
                "note": note,
            }
        ]
    )


def _one_factor_ml(corr: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """factanal's ML fit with one factor: (loadings, uniquenesses, converged)."""
    p = corr.shape[0]

    def parts(psi):
        sc = 1 / np.sqrt(psi)
        vals, vecs = np.linalg.eigh(sc[:, None] * corr * sc[None, :])
        return vals[::-1], vecs[:, ::-1]

    def loadings(psi, vals, vecs):
        return np.sqrt(psi) * vecs[:, 0] * np.sqrt(max(vals[0] - 1, 0.0))

    def objective(psi):
        vals, _ = parts(psi)
        rest = vals[1:]
        return -(np.sum(np.log(rest) - rest) - 1 + p)

    def gradient(psi):
        vals, vecs = parts(psi)
        lam = loadings(psi, vals, vecs)
        return (lam**2 + psi - np.diag(corr)) / psi**2

    start = (1 - 0.5 / p) / np.diag(np.linalg.inv(corr))
    res = optimize.minimize(
        objective, start, jac=gradient, method="L-BFGS-B", bounds=[(0.005, 1.0)] * p
    )
    vals, vecs = parts(res.x)
    lam = loadings(res.x, vals, vecs)
    lam = -lam if lam.sum() < 0 else lam
    return lam, res.x, bool(res.success)
