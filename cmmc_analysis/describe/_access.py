"""Reading a Survey's columns for the summaries: items, codes, weights, groups (internal)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import SurveyDataError
from ..survey import Survey


def _column(survey: Survey, item: str) -> pd.Series:
    if item not in survey.data:
        raise SurveyDataError(f"item {item!r} is not a column of the survey data", column=item)
    return survey.data[item]


def _scale_items(survey: Survey, items: Sequence[str] | None) -> list[str]:
    cb = survey.codebook
    if items is None:
        return [i for i in cb.scale_items if i in survey.data]
    if isinstance(items, str):
        items = [items]
    for item in items:
        if cb.item(item).type != "scale":
            raise SurveyDataError(
                f"parameter items: {item!r} is of type {cb.item(item).type!r}; expected a scale item"
            )
        _column(survey, item)
    return list(items)


def _item_codes(survey: Survey, item: str) -> np.ndarray:
    """0-based level indexes of a scale item (-1 where missing)."""
    col = _column(survey, item)
    labels = survey.codebook.scale_of(item).labels()
    if not isinstance(col.dtype, pd.CategoricalDtype) or list(col.cat.categories) != labels:
        raise SurveyDataError(
            f"scale item {item!r}: expected an ordered Categorical with categories {labels}, "
            f"found dtype {col.dtype}",
            column=item,
        )
    return col.cat.codes.to_numpy().astype(np.int64)


def _weights(survey: Survey, weights: str | None) -> np.ndarray | None:
    if weights is None:
        return None
    col = _column(survey, weights)
    try:
        w = col.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as err:
        raise SurveyDataError(
            f"weights: expected numbers, found dtype {col.dtype}", column=weights
        ) from err
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise SurveyDataError(
            f"weights: {int(bad.sum())} missing, infinite or negative values (first at respondent "
            f"{survey.data.index[np.flatnonzero(bad)[0]]}); expected finite weights >= 0",
            column=weights,
        )
    return w


def _groups(survey: Survey, by: str | None) -> tuple[np.ndarray, list]:
    if by is None:
        return np.zeros(len(survey.data), dtype=np.int64), [None]
    col = _column(survey, by)
    if not isinstance(col.dtype, pd.CategoricalDtype):
        raise SurveyDataError(
            f"parameter by: {by!r} has dtype {col.dtype}; expected a single-choice item (Categorical)",
            column=by,
        )
    return col.cat.codes.to_numpy().astype(np.int64), list(col.cat.categories)


def _not_an_answer(survey: Survey, item: str) -> np.ndarray:
    if item not in survey.missing:
        return np.zeros(len(survey.data), dtype=bool)
    return (survey.missing[item] == "not_an_answer").to_numpy(dtype=bool, na_value=False)
