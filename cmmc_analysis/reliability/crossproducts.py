"""Sums and cross-products of item codes under a missing-data rule; they merge by adding.

Three missing-data rules, always reported in ``missing_rule``:

- ``listwise`` (default): only respondents who answered every item; ``n`` is their number.
- ``pairwise``: each covariance over the respondents who answered both items (as
  ``pandas.DataFrame.cov`` and ``psych::alpha(use="pairwise")``); ``n`` is the number
  of respondents who answered at least one item.
- ``median``: each missing answer of a respondent who answered at least one item is
  replaced by the item's median (``psych::scoreItems``'s default, ``impute="median"``),
  then every such respondent counts (``n``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SurveyDataError

__all__ = ["CrossProducts", "cross_products", "MISSING_RULES"]

#: The missing-data rules of every reliability function.
MISSING_RULES = ("listwise", "pairwise", "median")
#: Rows per block in :func:`cross_products`.
_BLOCK_ROWS = 16_384
#: Whole-number codes up to this size use float32 products: each partial sum is then a
#: whole number below _BLOCK_ROWS * _EXACT_F32**2 = 2**22 < 2**24, exact in float32.
_EXACT_F32 = 16


@functools.cache
def _blas() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()  # inspects the loaded libraries once (0.5 ms)


def one_blas_thread() -> Any:
    """A context in which BLAS uses one thread.

    The products here have a k x k result (k items): a thread adds nothing on an idle
    machine (measured: same wall time, twice the CPU) and, on a shared or loaded one,
    OpenBLAS threads spin-wait for each other: the pairwise sums of 1e6 x 20 took 46 s
    instead of 2 s at a load average of 5 (``docs/performance.md``).

    >>> with one_blas_thread():
    ...     float(np.ones(3) @ np.ones(3))
    3.0
    """
    return _blas().limit(limits=1, user_api="blas")


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
    _check_rule(missing)
    x = impute_medians(_numeric(codes)) if missing == "median" else _numeric(codes)
    missing = "listwise" if missing == "median" else missing
    with one_blas_thread():
        return _cross_products(x, missing, tuple(str(c) for c in codes.columns))


def _cross_products(x: np.ndarray, missing: str, items: tuple[str, ...]) -> CrossProducts:
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
        items=items,
        n_any=n_any,
        n_pair=n_pair,
        sum_pair=sum_pair,
        sq_pair=sq_pair,
        cross=cross,
    )


def impute_medians(x: np.ndarray) -> np.ndarray:
    """Rows with at least one answer, each gap filled with its item's median (as psych).

    Rows without any answer are dropped.

    Examples
    --------
    >>> impute_medians(np.array([[1.0, np.nan], [3.0, 4.0], [np.nan, np.nan], [5.0, 2.0]]))
    array([[1., 3.],
           [3., 4.],
           [5., 2.]])
    """
    x = x[np.isfinite(x).any(axis=1)]
    if not x.size:
        return x
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(x, axis=0)
    return np.where(np.isfinite(x), x, med[None, :])


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
    if missing not in MISSING_RULES:
        raise SurveyDataError(
            f"parameter missing: expected one of {list(MISSING_RULES)}, found {missing!r}"
        )
