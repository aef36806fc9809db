"""Cells written to CSV or XLSX files: text from the input is never a live formula.

A spreadsheet opening a CSV file runs a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula (``=HYPERLINK(...)``, ``-2+3+cmd|' /C calc'!A0``), and so do tab
and carriage return at the start of a cell in some programs; openpyxl writes a string
starting with ``=`` as a formula. Following OWASP's CSV-injection guidance, such a
text cell gets a leading apostrophe: the spreadsheet shows the text, and nothing runs.
Numbers are left alone (a negative number is a number, not a formula).

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"raw_value": ["=HYPERLINK(1)", "-2+3+cmd|x", "Molto", None], "n": [1, -2, 3, 4]})
>>> neutralise_formulas(t).values.tolist()
[["'=HYPERLINK(1)", 1], ["'-2+3+cmd|x", -2], ['Molto', 3], [nan, 4]]
>>> neutralise_text("@SUM(A1)"), neutralise_text("\\tx"), neutralise_text("ok")
("'@SUM(A1)", "'\\tx", 'ok')
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["neutralise_formulas", "neutralise_text", "FORMULA_STARTS"]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_text(value: Any) -> Any:
    """``value`` with a leading apostrophe if it is a text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _labels(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return index.set_levels([_labels(level) for level in index.levels])
    if index.dtype == object or isinstance(index.dtype, pd.StringDtype | pd.CategoricalDtype):
        return index.map(neutralise_text)
    return index


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, column names and index labels cannot run.

    Parameters
    ----------
    frame
        Any table about to be written to CSV or XLSX.

    Returns
    -------
    DataFrame with the same shape and dtypes (text columns stay text).
    """
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            safe = [neutralise_text(c) for c in col.cat.categories]
            if len(set(safe)) == len(safe):
                out[name] = col.cat.rename_categories(safe)
            else:  # "=x" beside "'=x": the categories would collide
                out[name] = col.astype(object).map(neutralise_text)
        elif col.dtype == object or isinstance(col.dtype, pd.StringDtype):
            starts = col.astype("str").str.startswith(FORMULA_STARTS).fillna(False)
            if starts.any():
                out[name] = col.where(~starts, "'" + col.astype("str"))
    out.columns = _labels(out.columns)
    out.index = _labels(out.index)
    return out
