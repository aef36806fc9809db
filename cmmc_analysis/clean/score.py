"""Scale labels to codes without a survey: the row-local label rule, alone and fast.

:func:`score_frame` is ``frame[items].replace(mapping).astype(float)`` that also reads
labels written differently (case, spaces, accents, typographic apostrophes) exactly as
the cleaner does, because it *is* the cleaner's label rule
(:func:`cmmc_analysis.clean.parse.label_codes` and
:func:`~cmmc_analysis.clean.parse.label_lut`): not-an-answer, blank and unknown texts
are NaN. Columns are scored in threads from 50 000 rows (Arrow and numpy release the GIL).

Examples
--------
>>> from cmmc_analysis.examples import agreement_codebook
>>> cb = agreement_codebook(("q01", "q02"))
>>> frame = pd.DataFrame({"q01": ["Molto d'accordo", "non so", None, " poco D’ACCORDO"],
...                       "q02": ["Poco d'accordo", "boh", "Non so", "Molto d'accordo"]})
>>> score_frame(frame, cb)
   q01  q02
0  5.0  2.0
1  NaN  NaN
2  NaN  NaN
3  2.0  5.0
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import Codebook
from ..errors import SurveyDataError
from .codes import _BLANK, _INVALID, _NAA
from .parse import label_codes, label_lut, labels_of

__all__ = ["score_frame", "level_indexes", "label_lookup", "BLANK", "NOT_AN_ANSWER", "INVALID",
           "NOT_ASKED"]  # fmt: skip

#: Level indexes returned by :func:`level_indexes` for missing answers (valid: 0..k-1).
BLANK, NOT_AN_ANSWER, INVALID, NOT_ASKED = -1, -2, -3, -4
_LEVEL_OF_REASON = {_NAA: NOT_AN_ANSWER, _BLANK: BLANK, _INVALID: INVALID}


def _levels(code: np.ndarray, reason: np.ndarray) -> np.ndarray:
    out = code.astype(np.int8)
    for r, level in _LEVEL_OF_REASON.items():
        out[reason == r] = level
    return out


def label_lookup(
    uniques: Sequence[Any], labels: Sequence[str], not_an_answer: Sequence[str] = ()
) -> np.ndarray:
    """Level index of each distinct text: 0..k-1, or BLANK / NOT_AN_ANSWER / INVALID.

    The array has one more slot than ``uniques``, for a missing cell (BLANK).

    >>> label_lookup(["Sì", "si ", "  ", "Non so", "forse"], ["No", "Sì"], ["Non so"]).tolist()
    [1, 1, -1, -2, -3, -1]
    """
    texts = ["" if u is None or (isinstance(u, float) and np.isnan(u)) else str(u) for u in uniques]
    code, reason, _ = label_lut(texts, list(labels), list(not_an_answer))
    return _levels(code, reason)


def level_indexes(
    values: pd.Series, labels: Sequence[str], not_an_answer: Sequence[str] = ()
) -> np.ndarray:
    """Level index per row (int8): 0..k-1 for a label, else BLANK, NOT_AN_ANSWER or INVALID.

    >>> level_indexes(pd.Series(["Sì", None, "NO", "Non so"]), ["No", "Sì"], ["Non so"]).tolist()
    [1, -1, 0, -2]
    """
    codes, _, uniq = label_codes(values, list(labels), list(not_an_answer))
    code, reason, _ = label_lut(uniq, list(labels), list(not_an_answer))
    return _levels(code, reason)[codes]


def scale_items(codebook: Codebook, items: Sequence[str] | None, present) -> list[str]:
    """The scale items asked for (default: every scale item present), checked."""
    present = list(present)
    if items is None:
        return [i for i in codebook.scale_items if i in present]
    items = [items] if isinstance(items, str) else list(items)
    for item in items:
        if codebook.item(item).type != "scale":
            raise SurveyDataError(
                f"parameter items: {item!r} is of type {codebook.item(item).type!r}; "
                "expected a scale item"
            )
        if item not in present:
            raise SurveyDataError(f"item {item!r} is not a column of the data", column=item)
    return items


def score_frame(
    frame: pd.DataFrame, codebook: Codebook, *, items: Sequence[str] | None = None
) -> pd.DataFrame:
    """Scale items given as text labels, as float codes 1..k (NaN where missing).

    Parameters
    ----------
    frame
        One text column per item, named by item id (as
        :attr:`cmmc_analysis.io.reader.RawExport.data` holds them).
    codebook
        The codebook declaring the items' scales.
    items
        Scale item ids (default: every scale item of the codebook in ``frame``).

    Returns
    -------
    DataFrame
        Same index as ``frame``; one float column per item.
    """
    items = scale_items(codebook, items, frame.columns)
    columns = [frame[item] for item in items]
    labels = [labels_of(codebook.item(item), codebook) for item in items]
    out = np.empty((len(items), len(frame)))  # row j: item j; the frame's block, no copy

    def fill(j: int) -> None:
        codes, _, uniq = label_codes(columns[j], *labels[j])
        code, reason, _ = label_lut(uniq, *labels[j])
        lut = np.where(reason < 0, code + 1.0, np.nan)
        np.take(lut, codes, out=out[j])

    _each(fill, len(items), parallel=len(frame) >= _PARALLEL_ROWS)
    return pd.DataFrame(out.T, index=frame.index, columns=items, copy=False)


#: Columns are scored in threads from this many rows (Arrow and numpy release the GIL).
_PARALLEL_ROWS = 50_000


def _each(fn: Any, count: int, *, parallel: bool) -> None:
    """``fn(j)`` for j in range(count), in a thread per core when ``parallel``."""
    workers = min(count, os.cpu_count() or 1)
    if not parallel or workers < 2:
        for j in range(count):
            fn(j)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(fn, range(count)))  # list(): re-raises the first error
