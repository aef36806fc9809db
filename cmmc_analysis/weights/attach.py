"""Weights attached to a survey: checked, aligned with its respondents, resolved by name.

Examples
--------
>>> import pandas as pd
>>> _check_weight_values(pd.Series([1.0, 2.0]), "weights").tolist()
[1.0, 2.0]
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ..errors import SurveyDataError
from ..survey import Survey

__all__ = ["with_weights", "resolve_weights"]


def _check_weight_values(w: pd.Series, where: str) -> pd.Series:
    vals = w.to_numpy(dtype=float)
    if len(vals) == 0 or not np.isfinite(vals).all() or (vals < 0).any() or vals.sum() <= 0:
        raise SurveyDataError(
            f"{where}: expected finite, non-negative weights with a positive sum "
            f"(found {len(vals)} values, min {np.min(vals) if len(vals) else 'none'})"
        )
    return w


def with_weights(survey: Survey, weights: pd.Series, *, name: str = "weight") -> Survey:
    """A copy of the survey with the weights as a column of ``data``.

    Examples
    --------
    >>> from cmmc_analysis.codebook import load_codebook
    >>> data = pd.DataFrame({"x": [1, 2]}, index=pd.Index(["a", "b"], name="respondent_id"))
    >>> s = Survey(data=data, missing=pd.DataFrame(index=data.index), codebook=load_codebook())
    >>> with_weights(s, pd.Series([0.5, 1.5], index=["a", "b"])).data["weight"].tolist()
    [0.5, 1.5]
    """
    if name in survey.codebook.items:
        raise SurveyDataError(f"weight column name {name!r} is an item id of the codebook")
    w = _align(survey, weights, "weights")
    return replace(survey, data=survey.data.assign(**{name: w}))


def _align(survey: Survey, weights: pd.Series, where: str) -> np.ndarray:
    idx = survey.data.index
    if not isinstance(weights, pd.Series):
        raise SurveyDataError(f"{where}: expected a pandas Series indexed by respondent_id")
    missing = idx.difference(weights.index)
    if len(missing):
        raise SurveyDataError(
            f"{where}: no weight for {len(missing)} respondents (e.g. {missing[:3].tolist()})"
        )
    w = weights.reindex(idx).to_numpy(dtype=float)
    _check_weight_values(pd.Series(w[~np.isnan(w)]), where)
    return w


def resolve_weights(survey: Survey, weights: pd.Series | str | None) -> np.ndarray | None:
    """Weights as a float array aligned to ``survey.data`` (None stays None).

    ``weights`` is a column name of ``survey.data`` or a Series indexed by respondent id.
    """
    if weights is None:
        return None
    if isinstance(weights, str):
        if weights not in survey.data:
            raise SurveyDataError(
                f"weights={weights!r} is not a column of the survey; add one with "
                "with_weights(survey, rake(survey, margins))"
            )
        weights = survey.data[weights]
    return _align(survey, weights, "weights")
