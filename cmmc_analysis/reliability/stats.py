"""The statistics of psych::alpha from a covariance matrix: one place, every caller.

:func:`alpha_statistics` is psych's ``alpha.1`` (the total row of ``psych::alpha`` and
each row of its ``alpha.drop`` table); :func:`item_statistics` its ``item.stats``
columns ``std.r``, ``r.cor`` and ``r.drop``. Everything is a function of the item
covariance matrix C (and of n for the standard error), so the same numbers come from
in-memory codes and from cross-products merged over chunks.

Conventions, as psych (``alpha.1`` in psych 2.x):

- raw alpha ``k / (k - 1) * (1 - tr(C) / sum(C))``; standardised alpha the same on the
  correlation matrix R;
- Guttman's lambda 6, ``G6(smc) = 1 - (k - sum(smc)) / sum(R)`` with the squared
  multiple correlations ``smc = 1 - 1 / diag(R^-1)``;
- ``average_r`` the mean and ``median_r`` the median of the off-diagonal
  correlations, ``var_r`` their variance (ddof 1, each pair counted twice, as R's
  ``var`` of the matrix without its diagonal);
- signal/noise ``S/N = k average_r / (1 - average_r)``;
- the asymptotic standard error of alpha (Duhachek & Iacobucci 2004, as psych's
  ``ase``): ``sqrt(Q / n)`` with
  ``Q = 2 k^2 / ((k - 1)^2 sum(C)^3) * (sum(C) (tr(C C) + tr(C)^2) - 2 tr(C) sum(C C))``;
  the Duhachek interval is ``alpha -/+ z ase``.

Examples
--------
>>> c = np.array([[1.0, 0.5, 0.4], [0.5, 1.0, 0.3], [0.4, 0.3, 1.0]])
>>> s = alpha_statistics(c, 100)
>>> round(s["alpha"], 4), round(s["average_r"], 4), round(s["signal_noise"], 4)
(0.6667, 0.4, 2.0)
"""

from __future__ import annotations

import numpy as np

__all__ = ["alpha_statistics", "item_statistics", "smc"]


def smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations ``1 - 1 / diag(R^-1)`` (NaN if R is singular).

    Examples
    --------
    >>> smc(np.array([[1.0, 0.6], [0.6, 1.0]])).round(2).tolist()
    [0.36, 0.36]
    """
    k = r.shape[0]
    if k < 2 or not np.all(np.isfinite(r)):
        return np.full(k, np.nan)
    try:
        inv = np.linalg.inv(r)
    except np.linalg.LinAlgError:
        return np.full(k, np.nan)
    if np.linalg.cond(r) > 1e12:
        return np.full(k, np.nan)
    return 1 - 1 / np.diag(inv)


def _cor(c: np.ndarray) -> np.ndarray:
    d = np.sqrt(np.diag(c))
    with np.errstate(invalid="ignore", divide="ignore"):
        return c / np.outer(d, d)


def alpha_statistics(c: np.ndarray, n: float, r: np.ndarray | None = None) -> dict[str, float]:
    """psych's ``alpha.1``: the reliability statistics of a covariance matrix.

    Parameters
    ----------
    c
        Item covariance matrix (k x k).
    n
        Number of respondents, for the standard error.
    r
        Correlation matrix (default: from ``c``; pairwise cross-products give their own).

    Returns
    -------
    dict
        ``alpha``, ``alpha_std``, ``g6``, ``average_r``, ``median_r``, ``var_r``,
        ``signal_noise``, ``ase`` (NaN where undefined).
    """
    c = np.asarray(c, dtype=float)
    k = c.shape[0]
    keys = ("alpha", "alpha_std", "g6", "average_r", "median_r", "var_r", "signal_noise", "ase")
    out = dict.fromkeys(keys, np.nan)
    if k < 2 or not np.all(np.isfinite(c)):
        return out
    r = _cor(c) if r is None else np.asarray(r, dtype=float)
    total, trace = c.sum(), np.trace(c)
    sum_r = r.sum()
    if total > 0:
        out["alpha"] = k / (k - 1) * (1 - trace / total)
        cc = c @ c
        q = (2 * k**2 / ((k - 1) ** 2 * total**3)) * (
            total * (np.trace(cc) + trace**2) - 2 * trace * cc.sum()
        )
        out["ase"] = float(np.sqrt(q / n)) if n > 0 and q >= 0 else np.nan
    if np.isfinite(sum_r) and sum_r > 0:
        out["alpha_std"] = k / (k - 1) * (1 - k / sum_r)
        out["g6"] = 1 - (k - smc(r).sum()) / sum_r
        off = r[~np.eye(k, dtype=bool)]
        av = (sum_r - k) / (k * (k - 1))
        out["average_r"] = av
        out["median_r"] = float(np.median(off))
        out["var_r"] = float(np.var(off, ddof=1)) if off.size > 1 else np.nan
        out["signal_noise"] = k * av / (1 - av) if av < 1 else np.inf
    return {key: float(v) for key, v in out.items()}


def item_statistics(c: np.ndarray, r: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """psych's item statistics from the covariance matrix: raw.r, std.r, r.cor, r.drop.

    ``raw_r`` is the correlation of each item with the total (item included),
    ``colSums(C) / sqrt(sum(C) C_ii)``; ``std_r`` the same on R; ``r_cor`` corrects
    ``std_r`` for item overlap and reliability (R with the smc on its diagonal);
    ``r_drop`` is the correlation with the sum of the other items.

    Examples
    --------
    >>> c = np.array([[1.0, 0.5, 0.4], [0.5, 1.0, 0.3], [0.4, 0.3, 1.0]])
    >>> item_statistics(c)["r_drop"].round(4).tolist()
    [0.5582, 0.4781, 0.4041]
    """
    c = np.asarray(c, dtype=float)
    r = _cor(c) if r is None else np.asarray(r, dtype=float)
    k = c.shape[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        raw_r = c.sum(axis=0) / np.sqrt(c.sum() * np.diag(c))
        std_r = r.sum(axis=0) / np.sqrt(r.sum())
        rc = r.copy()
        np.fill_diagonal(rc, smc(r))
        r_cor = rc.sum(axis=0) / np.sqrt(rc.sum())
        r_drop = np.array(
            [
                (c[:, i].sum() - c[i, i])
                / np.sqrt(c[i, i] * np.delete(np.delete(c, i, 0), i, 1).sum())
                for i in range(k)
            ]
        )
    return {"raw_r": raw_r, "std_r": std_r, "r_cor": r_cor, "r_drop": r_drop}
