"""Vectorised text helpers shared by the cleaning rules (no Python loop over values).

:func:`normalise_array` is :func:`cmmc_analysis.io.reader.normalise_text` for a whole
column at once, in Arrow compute kernels (one pass per step, C++). It agrees with
``normalise_text`` except for the rare characters whose case folding differs from
their lower case (``"ß"`` folds to ``"ss"``, ``"ς"`` to ``"σ"``); those two are mapped
here as ``casefold`` maps them.

>>> normalise_array(["  Molto  D’ACCORDO ", "Né", None]).to_pylist()
["molto d'accordo", 'ne', None]
>>> nonblank(pd.Series(["a", " ", None, "\\u00a0"], dtype="str")).tolist()
[True, False, False, False]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["normalise_array", "nonblank", "arrow_strings", "key_text", "factorize"]

_SINGLE_QUOTES = "[\u2018\u2019\u201a\u201b\u2032\u00b4`]"
_DOUBLE_QUOTES = "[\u201c\u201d\u201e\u00ab\u00bb]"


def arrow_strings(values: Any) -> pa.Array:
    """``values`` as one Arrow string array (nulls where missing)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values.cast(pa.large_string()) if pa.types.is_string(values.type) else values
    if isinstance(values, pd.Series | pd.Index):
        values = values.array
    if not (isinstance(values, pd.arrays.ArrowStringArray) or hasattr(values, "_pa_array")):
        values = pd.array(values, dtype="str")
    arrow = values.__arrow_array__()
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks() if arrow.num_chunks else pa.array([], type=arrow.type)
    return arrow.cast(pa.large_string())


def normalise_array(values: Any) -> pa.Array:
    """The comparison key of every value (see ``normalise_text``), vectorised."""
    arr = arrow_strings(values)
    arr = pc.replace_substring_regex(arr, _SINGLE_QUOTES, "'")
    arr = pc.replace_substring_regex(arr, _DOUBLE_QUOTES, '"')
    arr = pc.utf8_normalize(arr, "NFKD")
    arr = pc.replace_substring_regex(arr, r"\p{Mn}+", "")
    arr = pc.utf8_lower(arr)
    arr = pc.replace_substring(pc.replace_substring(arr, "ß", "ss"), "ς", "σ")
    arr = pc.replace_substring_regex(arr, r"[\s\p{Z}]+", " ")
    arr = pc.utf8_trim(arr, " ")
    return pc.replace_substring_regex(arr, r" ?([\[\]]) ?", r"\1")


def nonblank(col: Any) -> np.ndarray:
    """True where a cell holds something other than white space."""
    arr = arrow_strings(col)  # blank: empty, or only white space (no trimmed copy made)
    blank = pc.or_(pc.equal(pc.binary_length(arr), 0), pc.utf8_is_space(arr))
    return pc.invert(pc.fill_null(blank, True)).to_numpy(zero_copy_only=False)


def key_text(df: pd.DataFrame, fields: list[str]) -> pa.Array:
    """The normalised key of each row: fields stripped and lower-cased, joined by ``\\x1f``;
    null when a field is empty."""
    if not fields:
        return pa.nulls(len(df), type=pa.large_string())
    parts = []
    for f in fields:
        part = pc.utf8_lower(pc.utf8_trim_whitespace(arrow_strings(df[f])))
        parts.append(pc.if_else(pc.equal(pc.utf8_length(part), 0), None, part))
    if len(parts) == 1:
        return parts[0]
    return pc.binary_join_element_wise(*parts, pa.scalar("\x1f", pa.large_string()))


def factorize(col: Any) -> tuple[np.ndarray, Any]:
    """Codes (-1 for a missing cell) and the distinct values (a pandas string array)."""
    codes, uniques = pd.factorize(pd.Series(col, dtype="str", copy=False), use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), pd.array(uniques, dtype="str")
