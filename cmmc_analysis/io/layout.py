"""Export layouts of the form tools: header rows, one column per option, not-asked markers.

Form tools lay a survey out in a few recurring shapes, which the codebook describes
(``export:`` section and item keys, ``docs/codebook.md``):

* **Header rows.** SurveyMonkey writes two: the question, then the option or
  sub-question (the question cell is left blank over its later columns; ``Response``
  and ``Open-Ended Response`` mark a single column). Qualtrics writes three: column
  ids, the question text (``Stem - Row`` for a matrix row, ``Question - Selected
  Choice - Option`` for a split multiple choice) and import ids. :func:`combine_header_rows`
  makes one header per column, ``question [option]``, the form the codebook matches.
* **One column per option** (``layout: columns`` on a multiple-choice item): the cell
  holds the option text, ``1``, ``Selected``, ``Y``... or nothing.
  :func:`join_option_columns` turns the columns into the one column of chosen options
  the cleaning step reads; a value that is neither a mark nor a blank is kept, so
  cleaning rejects and logs it.
* **Not-asked markers** (``export.not_asked``, e.g. ``NA``, ``N/A``, ``-``): cells
  holding one are read as blank, and counted.

Examples
--------
>>> combine_header_rows([["Q1", "Which perks?", "", ""], ["Response", "Gym", "Lunch", ""]])
['Q1', 'Which perks? [Gym]', 'Which perks? [Lunch]', '']
>>> combine_header_rows([["Q2_1"], ["Agree? - Workload"], ['{"ImportId":"QID2_1"}']])
['Agree? [Workload]']
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "SELECTED",
    "NOT_SELECTED",
    "combine_header_rows",
    "header_aliases",
    "join_option_columns",
    "blank_not_asked",
]

#: Cell texts that mark an option as chosen (compared case-insensitively, stripped).
SELECTED = ("1", "selected", "checked", "y", "yes", "x", "true", "sì", "si")
#: Cell texts that mark an option as not chosen.
NOT_SELECTED = ("0", "not selected", "unchecked", "n", "no", "false")
#: Second-row texts that only say "this column is the answer" (SurveyMonkey).
_GENERIC = ("response", "open-ended response", "open ended response", "responses")
_SELECTED_CHOICE = re.compile(r"\s+-\s+selected choice\b", re.IGNORECASE)


def combine_header_rows(rows: Sequence[Sequence[str]]) -> list[str]:
    """One header per column from 1, 2 or 3 header rows (see the module docstring)."""
    rows = [[(c or "").strip() for c in r] for r in rows]
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    if len(rows) == 1:
        return rows[0]
    if len(rows) == 3:  # Qualtrics: ids, question text, import ids
        return [
            _dash_to_brackets(_SELECTED_CHOICE.sub("", t) or i)
            for i, t in zip(*rows[:2], strict=True)
        ]
    out, question = [], ""
    for top, sub in zip(*rows, strict=True):
        question = top or (question if sub else "")
        if not sub or sub.casefold() in _GENERIC:
            out.append(question)
        elif not question:
            out.append(sub)
        else:
            out.append(f"{question} [{sub}]")
    return out


def _dash_to_brackets(text: str) -> str:
    """``Stem - Row`` (Qualtrics) as ``Stem [Row]``; other texts unchanged."""
    stem, sep, row = text.rpartition(" - ")
    return f"{stem} [{row}]" if sep and stem.strip() and row.strip() else text


def header_aliases(header: str) -> list[str]:
    """Other spellings of a header to match: ``Stem - Row`` read as ``Stem [Row]``.

    >>> header_aliases("Agree? - Workload"), header_aliases("Plain")
    (['Agree? [Workload]'], [])
    """
    alias = _dash_to_brackets(_SELECTED_CHOICE.sub("", header))
    return [alias] if alias != header else []


def join_option_columns(
    columns: Mapping[str, pd.Series], labels: Mapping[str, str], separator: str
) -> pd.Series:
    """One column of chosen options from one column per option.

    Parameters
    ----------
    columns
        Option code -> the option's column (strings, missing where blank).
    labels
        Option code -> the option's label in the source language (what is joined).
    separator
        The item's separator.

    Returns
    -------
    Series
        The chosen labels joined by ``separator``; missing where every option column
        is blank (the question was not answered). A cell that is neither a mark
        (:data:`SELECTED`, :data:`NOT_SELECTED`, the option's text) nor blank is kept
        as it is, so that cleaning rejects and logs it.

    Examples
    --------
    >>> cols = {"gym": pd.Series(["Gym", None, "1", None]),
    ...         "lunch": pd.Series(["", "Selected", "0", None])}
    >>> join_option_columns(cols, {"gym": "Gym", "lunch": "Free lunch"}, "; ").tolist()
    ['Gym', 'Free lunch', 'Gym', nan]
    """
    index = next(iter(columns.values())).index
    parts = pd.Series("", index=index, dtype=object)
    answered = pd.Series(False, index=index)
    for code, col in columns.items():
        text = col.astype("str").str.strip().fillna("")
        folded = text.str.casefold()
        blank = folded == ""
        chosen = folded.isin(SELECTED) | (folded == labels[code].strip().casefold())
        odd = ~blank & ~chosen & ~folded.isin(NOT_SELECTED)
        answered |= ~blank
        value = text.where(odd, "").astype(object).mask(chosen, labels[code])
        glue = pd.Series(np.where((parts != "") & (value != ""), separator, ""), index=index)
        parts = parts + glue + value
    out = parts.astype("str")
    return out.where(answered)


def blank_not_asked(data: pd.DataFrame, markers: Sequence[str], columns: Sequence[str]) -> int:
    """Set cells holding a not-asked marker to missing, in place; return how many.

    >>> df = pd.DataFrame({"a": ["NA", "3", " - "]}, dtype="str")
    >>> blank_not_asked(df, ["NA", "-"], ["a"]), df["a"].tolist()
    (2, [nan, '3', nan])
    """
    if not markers:
        return 0
    wanted = {m.strip() for m in markers}
    count = 0
    for col in columns:
        hit = data[col].str.strip().isin(wanted).to_numpy(dtype=bool, na_value=False)
        if hit.any():
            count += int(hit.sum())
            data[col] = data[col].mask(hit)
    return count
