"""Reliability of constructs: Cronbach's alpha with Feldt's interval, omega, item analysis.

Everything here is computed from sums and cross-products of the item codes
(:func:`cross_products`), so chunks of a large export merge by adding them
(``cp_a + cp_b``). Two missing-data rules are offered and always reported:

- ``listwise`` (default): only respondents who answered every item of the construct;
  ``n`` is their number.
- ``pairwise``: each covariance over the respondents who answered both items (as
  ``pandas.DataFrame.cov`` and ``psych::alpha(use="pairwise")``); ``n`` is the number
  of respondents who answered at least one item, which is what the Feldt interval uses.

No imputation is done (``psych::scoreItems`` imputes item medians by default, so its
alphas differ from both rules).

Examples
--------
>>> from cmmc_analysis.examples import toy_survey
>>> reliability_table(toy_survey(), ["tech_acceleration"])[["construct", "n", "k", "estimate"]]
           construct  n  k  estimate
0  tech_acceleration  6  6  0.929032
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special

from .errors import SurveyDataError
from .survey import Survey

__all__ = [
    "CrossProducts",
    "cross_products",
    "cronbach_alpha",
    "alpha_from_cross_products",
    "omega_total",
    "item_analysis",
    "reliability_table",
    "EXTRA_COLUMNS",
]

#: Columns this module adds to the shared vocabulary (``cmmc_analysis.columns``).
EXTRA_COLUMNS: dict[str, str] = {
    "k": "number of items of the construct",
    "alpha_std": "standardised alpha, from the mean inter-item correlation",
    "omega": "McDonald's omega total from a one-factor ML fit on the correlation matrix",
    "missing_rule": "listwise or pairwise deletion (see docs/statistics.md)",
    "r_rest": "item-rest correlation (item against the sum of the other items)",
    "alpha_if_dropped": "Cronbach's alpha of the construct without this item",
    "flag": "'check keying' when the item-rest correlation is negative",
}

_RULES = ("listwise", "pairwise")
#: Rows per block in :func:`cross_products`.
_BLOCK_ROWS = 16_384
#: Whole-number codes up to this size use float32 products: each partial sum is then a
#: whole number below _BLOCK_ROWS * _EXACT_F32**2 = 2**22 < 2**24, exact in float32.
_EXACT_F32 = 16


@dataclass(frozen=True)
class CrossProducts:
    """Sums and cross-products of item codes; add two to merge chunks.

    Entry ``[i, j]`` of each matrix is over the rows where items i and j were both
    answered: ``n_pair`` (row count), ``sum_pair`` (sum of x_i), ``sq_pair`` (sum of
    x_i^2), ``cross`` (sum of x_i x_j). ``n_any`` counts rows with any answer.
    """

    items: tuple[str, ...]
    n_any: int
    n_pair: np.ndarray
    sum_pair: np.ndarray
    sq_pair: np.ndarray
    cross: np.ndarray

    def __add__(self, other: CrossProducts) -> CrossProducts:
        if self.items != other.items:
            raise SurveyDataError(
                f"cannot merge cross-products of items {self.items} and {other.items}"
            )
        return CrossProducts(
            self.items,
            self.n_any + other.n_any,
            self.n_pair + other.n_pair,
            self.sum_pair + other.sum_pair,
            self.sq_pair + other.sq_pair,
            self.cross + other.cross,
        )

    def cov(self) -> np.ndarray:
        """Covariance matrix (ddof=1), pairwise over the rows counted."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return (self.cross - self.sum_pair * self.sum_pair.T / self.n_pair) / (self.n_pair - 1)

    def corr(self) -> np.ndarray:
        """Correlation matrix, each entry with that pair's own standard deviations."""
        with np.errstate(invalid="ignore", divide="ignore"):
            ss = self.sq_pair - self.sum_pair**2 / self.n_pair
            return self.cov() * (self.n_pair - 1) / np.sqrt(ss * ss.T)


def cross_products(codes: pd.DataFrame, *, missing: str = "listwise") -> CrossProducts:
    """Sums and cross-products of item codes under a missing-data rule.

    Examples
    --------
    >>> cp = cross_products(pd.DataFrame({"a": [1, 2, 3.0], "b": [2, 2, 5.0]}))
    >>> cp.n_any, float(cp.cov()[0, 1])
    (3, 1.5)
    """
    x = _numeric(codes)
    _check_rule(missing)
    k = x.shape[1]
    n_pair, sum_pair, sq_pair, cross = (np.zeros((k, k)) for _ in range(4))
    n_any = 0
    # Blocks of rows: the products stay in cache. The sums are the same as in one pass
    # (exactly so for whole-number codes), as for merged chunks.
    if missing == "pairwise":
        # Items as rows (x.T: a DataFrame's float block is column-major, so this is
        # row-major without a copy): the products are BLAS calls on contiguous rows.
        xt = x.T
        for start in range(0, x.shape[0], _BLOCK_ROWS):
            block = xt[:, start : start + _BLOCK_ROWS]
            answered = np.isfinite(block)
            z = np.where(answered, block, 0.0)
            # whole-number codes up to 16: exact float32 products, twice as fast
            small = bool(
                z.max(initial=0.0) <= _EXACT_F32
                and z.min(initial=0.0) >= -_EXACT_F32
                and (np.rint(z) == z).all()
            )
            dtype = np.float32 if small else np.float64
            m, z = answered.astype(dtype), z.astype(dtype, copy=False)
            n_any += int(np.count_nonzero(np.ones(k, dtype) @ m))  # rows with any answer
            n_pair += m @ m.T
            sum_pair += z @ m.T
            sq_pair += (z * z) @ m.T
            cross += z @ z.T
    else:
        for start in range(0, x.shape[0], _BLOCK_ROWS):
            # complete rows only (every pair has the same rows), each block copied row-major:
            # a DataFrame's column-major block made z.T @ z ~20x slower
            block = np.ascontiguousarray(x[start : start + _BLOCK_ROWS])
            block = block[np.isfinite(block).all(axis=1)]
            n_any += block.shape[0] if k else 0
            n_pair += block.shape[0]
            sum_pair += block.sum(axis=0)[:, None]
            sq_pair += (block * block).sum(axis=0)[:, None]
            small = (
                np.abs(block).max(initial=0.0) <= _EXACT_F32 and (block == np.round(block)).all()
            )
            z = block.astype(np.float32) if small else block  # exact either way (_EXACT_F32)
            cross += z.T @ z
    return CrossProducts(
        items=tuple(str(c) for c in codes.columns),
        n_any=n_any,
        n_pair=n_pair,
        sum_pair=sum_pair,
        sq_pair=sq_pair,
        cross=cross,
    )


def cronbach_alpha(
    codes: pd.DataFrame, *, ci_level: float = 0.95, missing: str = "listwise"
) -> pd.DataFrame:
    """Cronbach's alpha with Feldt's confidence interval and standardised alpha.

    ``alpha = k / (k - 1) * (1 - sum(diag C) / sum(C))`` for the item covariance
    matrix C; the interval is Feldt, Woodruff & Salih (1987), as ``psych::alpha.ci`` and
    ``pingouin.cronbach_alpha``: ``1 - (1 - alpha) * F`` with F quantiles on
    (n - 1, (n - 1)(k - 1)) degrees of freedom. ``alpha_std`` uses the correlation
    matrix instead (``psych``'s ``std.alpha``).

    Parameters
    ----------
    codes
        One numeric column per item (reverse-keyed already), NaN where missing.
    ci_level
        Confidence level of the interval.
    missing
        ``"listwise"`` or ``"pairwise"`` (see the module notes for ``n``).

    Returns
    -------
    DataFrame
        One row: ``estimate`` (alpha), ``ci_low``, ``ci_high``, ``ci_level``,
        ``ci_method``, ``alpha_std``, ``n``, ``k``, ``missing_rule``, ``method``,
        ``note`` (why the estimate is missing, if it is).

    Examples
    --------
    >>> x = pd.DataFrame({"a": [1, 2, 3, 4, 5.0], "b": [2, 2, 3, 5, 5.0], "c": [1, 3, 3, 4, 4.0]})
    >>> cronbach_alpha(x)[["estimate", "ci_low", "ci_high", "n", "k"]]
       estimate    ci_low  ci_high  n  k
    0  0.953757  0.766352  0.99485  5  3
    """
    _check_level(ci_level)
    return alpha_from_cross_products(
        cross_products(codes, missing=missing), ci_level=ci_level, missing=missing
    )


def alpha_from_cross_products(
    cp: CrossProducts, *, ci_level: float = 0.95, missing: str = "listwise"
) -> pd.DataFrame:
    """:func:`cronbach_alpha` from (merged) cross-products, e.g. summed over chunks.

    ``missing`` names the rule ``cp`` was built with (it is only reported).

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
    alpha = _alpha(cp.cov())
    alpha_std = _alpha(cp.corr())
    note = None
    if n < 2 or not np.isfinite(alpha):
        alpha = alpha_std = np.nan
        note = "fewer than 2 respondents or no variance in the total score"
    low, high = _feldt(alpha, n, k, ci_level)
    return pd.DataFrame(
        [
            {
                "estimate": alpha,
                "ci_low": low,
                "ci_high": high,
                "ci_level": ci_level,
                "ci_method": "feldt",
                "alpha_std": alpha_std,
                "n": n,
                "k": k,
                "missing_rule": missing,
                "method": "Cronbach's alpha",
                "note": note,
            }
        ]
    )


def omega_total(codes: pd.DataFrame, *, missing: str = "listwise") -> pd.DataFrame:
    """McDonald's omega total from a one-factor maximum-likelihood fit.

    The factor model is fitted to the item correlation matrix by maximum likelihood
    (the algorithm of R's ``factanal``: uniquenesses optimised with
    ``scipy.optimize.minimize`` L-BFGS-B, bounded to [0.005, 1]); then
    ``omega_t = (sum lambda)^2 / ((sum lambda)^2 + sum psi)``. ``psych::omega`` writes
    the denominator as the sum of all correlations; the two agree when the one-factor
    model fits exactly.

    Parameters
    ----------
    codes
        One numeric column per item (reverse-keyed already), NaN where missing.
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
    cp = cross_products(codes, missing=missing)
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


def item_analysis(
    survey_or_codes: Survey | pd.DataFrame,
    construct: str | None = None,
    *,
    missing: str = "listwise",
) -> pd.DataFrame:
    """Item-rest correlations and alpha if each item were dropped.

    Parameters
    ----------
    survey_or_codes
        A Survey (then ``construct`` names the construct; its reverse keys are applied)
        or a DataFrame of item codes.
    construct
        Construct id (required with a Survey; with codes, only copied to the output).
    missing
        ``"listwise"`` or ``"pairwise"``: the covariance matrix everything is computed
        from; also the rows of ``n``, ``mean`` and ``sd`` (listwise: complete rows;
        pairwise: each item's own answers).

    Returns
    -------
    DataFrame
        One row per item: ``construct``, ``item``, ``n``, ``mean``, ``sd``,
        ``r_rest`` (correlation of the item with the sum of the others),
        ``alpha_if_dropped``, ``flag`` ("check keying" when ``r_rest`` < 0).

    Examples
    --------
    >>> x = pd.DataFrame({"a": [1, 2, 3, 4, 5.0], "b": [2, 2, 3, 5, 5.0], "c": [5, 3, 3, 2, 1.0]})
    >>> item_analysis(x)[["item", "r_rest", "alpha_if_dropped", "flag"]]
      item    r_rest  alpha_if_dropped          flag
    0    a  0.000000        -10.857143           NaN
    1    b  0.516047        -45.000000           NaN
    2    c -0.917477          0.967742  check keying
    """
    codes = _construct_codes(survey_or_codes, construct)
    cp = cross_products(codes, missing=missing)
    cov = cp.cov()
    k = len(cp.items)
    rows = []
    x = _numeric(codes)
    if missing == "listwise":
        x = x[np.isfinite(x).all(axis=1)]
    for i, item in enumerate(cp.items):
        rest = [j for j in range(k) if j != i]
        with np.errstate(invalid="ignore", divide="ignore"):
            r_rest = cov[i, rest].sum() / np.sqrt(cov[i, i] * cov[np.ix_(rest, rest)].sum())
        xi = x[:, i][np.isfinite(x[:, i])]
        rows.append(
            {
                "construct": construct,
                "item": item,
                "n": len(xi),
                "mean": xi.mean() if len(xi) else np.nan,
                "sd": xi.std(ddof=1) if len(xi) > 1 else np.nan,
                "r_rest": r_rest,
                "alpha_if_dropped": _alpha(cov[np.ix_(rest, rest)]) if k > 2 else np.nan,
                "flag": "check keying" if r_rest < 0 else None,
            }
        )
    return pd.DataFrame(rows)


def reliability_table(
    survey: Survey,
    constructs: Sequence[str] | None = None,
    *,
    missing: str = "listwise",
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Alpha (with Feldt interval), standardised alpha and omega for each construct.

    Parameters
    ----------
    survey
        The cleaned survey; the codebook's reverse keys are applied.
    constructs
        Construct ids (default: all constructs of the codebook).
    missing
        ``"listwise"`` or ``"pairwise"`` (used for both alpha and omega).
    ci_level
        Confidence level of alpha's interval.

    Returns
    -------
    DataFrame
        One row per construct: ``construct``, ``n``, ``k``, ``estimate`` (alpha),
        ``ci_low``, ``ci_high``, ``ci_level``, ``ci_method``, ``alpha_std``, ``omega``,
        ``missing_rule``, ``method``, ``note``.

    Examples
    --------
    >>> from cmmc_analysis.examples import toy_survey
    >>> t = reliability_table(toy_survey(), ["tech_acceleration"])
    >>> t[["construct", "n", "k", "omega", "note"]]
               construct  n  k  omega                                      note
    0  tech_acceleration  6  6    NaN  correlation matrix not positive definite
    """
    names = list(survey.codebook.constructs) if constructs is None else list(constructs)
    rows = []
    for cid in names:
        codes = _construct_codes(survey, cid)
        alpha = cronbach_alpha(codes, ci_level=ci_level, missing=missing).iloc[0]
        omega = omega_total(codes, missing=missing).iloc[0]
        notes = [v for v in (alpha["note"], omega["note"]) if isinstance(v, str)]
        rows.append(
            {
                "construct": cid,
                "n": alpha["n"],
                "k": alpha["k"],
                "estimate": alpha["estimate"],
                "ci_low": alpha["ci_low"],
                "ci_high": alpha["ci_high"],
                "ci_level": ci_level,
                "ci_method": "feldt",
                "alpha_std": alpha["alpha_std"],
                "omega": omega["estimate"],
                "missing_rule": missing,
                "method": "Cronbach's alpha; omega total (one-factor ML)",
                "note": "; ".join(notes) or None,
            }
        )
    return pd.DataFrame(rows)


# --- helpers ------------------------------------------------------------------------------


def _alpha(c: np.ndarray) -> float:
    k = c.shape[0]
    total = c.sum()
    if k < 2 or not np.isfinite(total) or total <= 0:
        return np.nan
    return float(k / (k - 1) * (1 - np.trace(c) / total))


def _feldt(alpha: float, n: int, k: int, ci_level: float) -> tuple[float, float]:
    if not np.isfinite(alpha) or n < 2:
        return np.nan, np.nan
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - ci_level) / 2
    # stats.f.isf(q, df1, df2) is special.fdtri(df1, df2, 1 - q), without its overhead
    low = 1 - (1 - alpha) * special.fdtri(df1, df2, 1.0 - tail)
    high = 1 - (1 - alpha) * special.fdtri(df1, df2, 1.0 - (1 - tail))
    return float(low), float(high)


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


def _construct_codes(survey_or_codes: Survey | pd.DataFrame, construct: str | None) -> pd.DataFrame:
    if isinstance(survey_or_codes, pd.DataFrame):
        return survey_or_codes
    if not isinstance(survey_or_codes, Survey):
        raise SurveyDataError(
            f"parameter survey_or_codes: expected a Survey or a DataFrame of codes, "
            f"found {type(survey_or_codes).__name__}"
        )
    cb = survey_or_codes.codebook
    if construct not in cb.constructs:
        raise SurveyDataError(
            f"parameter construct: unknown construct {construct!r}; the codebook has {sorted(cb.constructs)}"
        )
    from .describe.likert import codes

    return codes(survey_or_codes, cb.constructs[construct].items, reverse_keyed=True)


def _numeric(codes: pd.DataFrame) -> np.ndarray:
    if not isinstance(codes, pd.DataFrame):
        raise SurveyDataError(
            f"parameter codes: expected a DataFrame with one column per item, found {type(codes).__name__}"
        )
    if codes.shape[1] < 2:
        raise SurveyDataError(f"parameter codes: expected at least 2 items, found {codes.shape[1]}")
    values = codes.to_numpy()  # a view when every column is a float column
    if values.dtype == np.float64:
        return values
    for col in codes.columns:
        if codes[col].dtype.kind not in "biuf":
            raise SurveyDataError(
                f"codes: expected numeric codes, found dtype {codes[col].dtype}", column=str(col)
            )
    return codes.to_numpy(dtype=float, na_value=np.nan)


def _check_rule(missing: str) -> None:
    if missing not in _RULES:
        raise SurveyDataError(
            f"parameter missing: expected one of {list(_RULES)}, found {missing!r}"
        )


def _check_level(ci_level: float) -> None:
    if not isinstance(ci_level, int | float) or not 0 < ci_level < 1:
        raise SurveyDataError(
            f"parameter ci_level: expected a number in (0, 1), found {ci_level!r}"
        )
