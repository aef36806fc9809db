"""Choice items: the share choosing each option of a single- or multiple-choice item.

Not-an-answer is not in the base; with weights, counts are sums of weights and the
intervals use Kish's effective n (see :mod:`cmmc_analysis.describe.counts`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import SurveyDataError
from ..survey import Survey
from ._access import _column, _groups, _weights
from .counts import _counts, _finish_counts, wilson_interval

__all__ = ["choice_summary"]

#: Columns this module adds to the shared vocabulary (``cmmc_analysis.columns``).
EXTRA_COLUMNS: dict[str, str] = {
    "option": "choice_summary: option of a choice item (canonical source-language label)",
}


def choice_summary(
    survey: Survey,
    item: str,
    *,
    by: str | None = None,
    weights: str | None = None,
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Share of respondents choosing each option of a single- or multiple-choice item.

    The base ``n`` is the respondents who answered the item (for a multiple-choice
    item: whose answer is not missing in ``survey.missing``, or, for a Survey without
    missing reasons, who ticked at least one option). Not-an-answer is not in the base.
    Shares of a multiple-choice item need not sum to 1.

    Parameters
    ----------
    survey
        The cleaned survey.
    item
        A ``single`` or ``multi`` item id.
    by, weights, ci_level
        As in :func:`likert_summary`.

    Returns
    -------
    DataFrame
        ``item``, [``segment``, ``group``], ``option`` (canonical label), ``label`` (the
        option's text in the codebook's source language;
        :func:`cmmc_analysis.display.with_labels` gives the page's), ``count``, ``n``, ``share``, ``ci_low``, ``ci_high`` (Wilson on Kish's
        n_eff), ``n_eff``, ``weighted``; ranked by share (highest first, codebook order
        breaking ties) within each group.

    Examples
    --------
    >>> from cmmc_analysis.examples import toy_survey
    >>> s = toy_survey()
    >>> choice_summary(s, "channels_up")[["option", "count", "n", "share"]]
                     option  count  n  share
    0        Chat / webchat      3  4   0.75
    1                 Email      2  4   0.50
    2  App di messaggistica      1  4   0.25
    ...
    """
    cb = survey.codebook
    spec = cb.item(item)
    src = cb.source_language
    w = _weights(survey, weights)
    g, group_labels = _groups(survey, by)
    size = len(group_labels)
    ones = np.ones(len(survey.data)) if w is None else w
    if spec.type == "multi":
        cols = [f"{item}__{o.code}" for o in spec.options]
        absent = [c for c in cols if c not in survey.data]
        if absent:
            raise SurveyDataError(
                f"multiple-choice item {item!r}: columns {absent} are not in the data; "
                f"expected one bool column per option, named item__code",
                column=item,
            )
        ticked = survey.data[cols].fillna(False).to_numpy(dtype=bool)
        if item in survey.missing:
            answered = survey.missing[item].isna().to_numpy()
        else:
            answered = ticked.any(axis=1)
        keep = answered & (g >= 0)
        onehot = np.zeros((len(g), size))
        onehot[np.flatnonzero(keep), g[keep]] = 1.0
        counts = onehot.T @ (ticked * ones[:, None])
        sq = onehot.T @ (ticked * ones[:, None] ** 2)
        n = onehot.T @ ones
        n_sq = onehot.T @ ones**2
    elif spec.type == "single":
        col = _column(survey, item)
        if not isinstance(col.dtype, pd.CategoricalDtype):
            raise SurveyDataError(
                f"single-choice item {item!r} has dtype {col.dtype}; expected a Categorical",
                column=item,
            )
        opts = list(col.cat.categories)
        x = col.cat.codes.to_numpy().astype(np.int64)
        m = len(opts)
        counts = _counts(x, m, w, g, size)
        sq = counts if w is None else _counts(x, m, w**2, g, size)
        n, n_sq = counts.sum(axis=1), sq.sum(axis=1)
    else:
        raise SurveyDataError(
            f"parameter item: {item!r} is of type {spec.type!r}; expected 'single' or 'multi'"
        )
    options = [o.text(src) for o in spec.options] if spec.type == "multi" else opts
    with np.errstate(invalid="ignore", divide="ignore"):
        share = counts / n[:, None]
        n_eff = np.where(n_sq > 0, n**2 / n_sq, 0.0)
    m = len(options)
    low, high = wilson_interval((share * n_eff[:, None]).ravel(), np.repeat(n_eff, m), ci_level)
    out = pd.DataFrame({"item": [item] * (size * m)})
    if by is not None:
        out["segment"] = by
        out["group"] = np.repeat(np.asarray(group_labels, dtype=object), m)
    out["option"] = np.tile(np.asarray(options, dtype=object), size)
    out["label"] = out["option"]
    out["count"] = counts.ravel()
    out["n"] = np.repeat(n, m)
    out["share"] = share.ravel()
    out["ci_low"], out["ci_high"] = low, high
    out["n_eff"] = np.repeat(n_eff, m)
    out["weighted"] = w is not None
    out["_g"], out["_o"] = np.repeat(np.arange(size), m), np.tile(np.arange(m), size)
    out = out.sort_values(["_g", "share", "_o"], ascending=[True, False, True], kind="stable")
    out = out.drop(columns=["_g", "_o"]).reset_index(drop=True)
    return _finish_counts(out, weighted=w is not None, text=("item", "option", "label"))
