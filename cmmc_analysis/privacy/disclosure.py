"""Small cells: counts that could name a respondent are blanked (statistical disclosure).

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"level": ["x", "y"], "count": [3, 37], "n": [40, 40]})
>>> suppress_small_cells(t)["suppressed"].tolist()
['count < 5', 'count < 5 in the same group']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import SurveyDataError

__all__ = ["MIN_CELL", "MIN_GROUP_N", "suppress_small_cells"]

#: Counts below this are suppressed in segment tables (the usual k of k-anonymity).
MIN_CELL = 5
#: Shares and tests are not reported for groups with fewer valid answers than this.
MIN_GROUP_N = 30

#: Shares and statistics blanked when a group has fewer than ``min_n`` valid answers.
SHARE_COLUMNS = (
    "share", "estimate", "ci_low", "ci_high", "mean", "sd", "median", "q1", "q3",
    "top2", "bottom2", "net",
)  # fmt: skip
#: Test results blanked when a group has fewer than ``min_n`` valid answers.
TEST_COLUMNS = ("statistic", "df", "p_value", "p_adjusted", "effect_size", "direction")

# --- small cells -------------------------------------------------------------------


def suppress_small_cells(
    table: pd.DataFrame,
    *,
    count: str = "count",
    n: str = "n",
    k: int = MIN_CELL,
    min_n: int = MIN_GROUP_N,
    by: Sequence[str] | None = None,
    share_cols: Sequence[str] = SHARE_COLUMNS,
    test_cols: Sequence[str] = TEST_COLUMNS,
) -> pd.DataFrame:
    """Blank counts below ``k`` and shares or tests of groups below ``min_n``.

    Rules, applied to a copy (no row is dropped):

    1. ``count < k`` (and above zero; a zero names nobody): the count and the row's
       shares (``share_cols``: a share times n gives the count back) are blanked.
    2. Secondary suppression: where a group (the rows sharing the ``by`` columns)
       has exactly one count blanked by rule 1 and shows its ``n``, the smallest other
       non-zero count of that group is blanked too, otherwise n minus the shown
       counts would give the blanked one back.
    3. ``0 < n < k``: every count of the row is blanked, zeros included (a zero
       beside a base of 3 says what the others answered); the base itself is shown.
    4. ``n < min_n``: the row's shares (``share_cols``) and tests (``test_cols``) are
       blanked; counts at or above ``k`` stay.

    Blanked values become missing (integer columns become float) and the column
    ``suppressed`` says why, e.g. ``"count < 5"``, ``"n < 30"``,
    ``"count < 5 in the same group"``, ``"count < 5; n < 30"``; it is missing on rows
    left intact.

    Parameters
    ----------
    table
        A result table with a count column and/or an n column.
    count, n
        Names of the count and base columns (either may be absent from the table).
    k
        Smallest count shown (default :data:`MIN_CELL`).
    min_n
        Smallest group base for which shares and tests are shown (default
        :data:`MIN_GROUP_N`).
    by
        Columns identifying a group for rule 2; default those of ``item``,
        ``segment``, ``group`` that the table has.
    share_cols, test_cols
        Columns blanked as shares / tests (those absent from the table are ignored).

    Returns
    -------
    DataFrame: the table's columns plus ``suppressed`` (str).

    Raises
    ------
    SurveyDataError
        If ``k`` or ``min_n`` is not a positive integer, or neither ``count`` nor
        ``n`` is a column.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["A", "A", "A", "B", "B"], "level": ["x", "y", "z", "x", "y"],
    ...                   "count": [3, 20, 17, 12, 0], "n": [40, 40, 40, 12, 12],
    ...                   "share": [0.075, 0.5, 0.425, 1.0, 0.0]})
    >>> suppress_small_cells(t)
      group level  count   n  share                   suppressed
    0     A     x    NaN  40    NaN                    count < 5
    1     A     y   20.0  40  0.500                          NaN
    2     A     z    NaN  40    NaN  count < 5 in the same group
    3     B     x   12.0  12    NaN                       n < 30
    4     B     y    0.0  12    NaN                       n < 30
    """
    for name, val in (("k", k), ("min_n", min_n)):
        if isinstance(val, bool) or not isinstance(val, int | np.integer) or val < 1:
            raise SurveyDataError(f"parameter {name}={val!r}; expected a positive integer")
    if count not in table and n not in table:
        raise SurveyDataError(
            f"parameters count={count!r}, n={n!r}: neither is a column; the table has {list(table.columns)}"
        )
    out = table.copy()
    reasons = pd.Series(pd.NA, index=out.index, dtype="str")
    shares = [c for c in share_cols if c in out]
    tests = [c for c in test_cols if c in out]
    base = pd.to_numeric(out[n], errors="coerce") if n in out else None
    if count in out:
        counts = pd.to_numeric(out[count], errors="coerce")
        primary = (counts > 0) & (counts < k)
        secondary = _secondary(out, counts, primary, n=n, by=by)
        tiny = pd.Series(False, index=out.index) if base is None else (base > 0) & (base < k)
        small = primary | secondary | tiny.fillna(False).astype(bool)
        out[count] = counts.where(~small)
        for c in shares:
            out[c] = out[c].where(~small)
        reasons = _because(reasons, primary, f"{count} < {k}")
        reasons = _because(reasons, secondary, f"{count} < {k} in the same group")
        reasons = _because(reasons, tiny & ~primary & ~secondary, f"{n} < {k}")
    if base is not None:
        few = (base < min_n).fillna(False).astype(bool)
        for c in [*shares, *tests]:
            out[c] = out[c].where(~few)
        reasons = _because(reasons, few, f"{n} < {min_n}")
    out["suppressed"] = reasons
    return out


def _because(reasons: pd.Series, mask: pd.Series, why: str) -> pd.Series:
    """Add ``why`` to the reasons of the rows in ``mask`` ("a; b" when there are two)."""
    return reasons.mask(mask & reasons.notna(), reasons + "; " + why).mask(
        mask & reasons.isna(), why
    )


def _secondary(
    table: pd.DataFrame, counts: pd.Series, primary: pd.Series, *, n: str, by: Sequence[str] | None
) -> pd.Series:
    """Complementary cells: the smallest other count in a group with one primary cell."""
    if n not in table:
        return pd.Series(False, index=table.index)
    keys = [c for c in (by if by is not None else ("item", "segment", "group")) if c in table]
    if keys:
        group = table.groupby(keys, sort=False, dropna=False).ngroup()
    else:
        group = pd.Series(0, index=table.index)
    n_primary = primary.groupby(group).transform("sum")
    candidate = (n_primary == 1) & ~primary & (counts > 0)
    ranked = counts.where(candidate).groupby(group).rank(method="first")
    return (ranked == 1).fillna(False).astype(bool)
