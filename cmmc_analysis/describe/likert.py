"""Likert codes, reverse keying, construct scores and descriptive summaries.

Every summary is built from counts (:mod:`cmmc_analysis.describe.counts`), so that it can be
merged across chunks of a large export; top-2 and bottom-2 are defined there.

Not-an-answer ("Non so") is never in the base of a share or a mean: it is counted apart
(``n_not_an_answer``), as are blank, not-asked and rejected answers (``n_missing``).

Weights are the name of a column of ``survey.data`` (non-negative, finite). With weights,
``count``, ``n``, ``n_not_an_answer`` and ``n_missing`` are sums of weights, shares and
means are weighted, and intervals use Kish's effective sample size
``n_eff = (sum w)^2 / sum w^2`` in place of ``n`` (see ``docs/statistics.md``).

Examples
--------
>>> from cmmc_analysis.examples import toy_survey
>>> s = toy_survey()
>>> likert_summary(s, ["tech_cloud"])[["item", "n", "n_not_an_answer", "top2"]]
         item  n  n_not_an_answer   top2
0  tech_cloud  7                1  0.714...
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import SurveyDataError
from ..survey import Survey
from ._access import (
    _groups,
    _item_codes,
    _not_an_answer,
    _scale_items,
    _weights,
)
from .counts import (
    _counts,
    _finish_counts,
    _group_sum,
    summary_from_counts,
    wilson_interval,
)

__all__ = [
    "codes",
    "reverse",
    "construct_scores",
    "likert_summary",
    "distribution",
]

#: Columns this module adds to the shared vocabulary (``cmmc_analysis.columns``).
EXTRA_COLUMNS: dict[str, str] = {
    "n_eff": "Kish's effective sample size (sum w)^2 / sum w^2 of the base (= n unweighted)",
    "share_<c>": "likert_summary: share of answers at scale point c (1..k), base n",
    "is_not_an_answer": "distribution: the row counts not-an-answer labels (base: all answers)",
}


# --- codes and scores ------------------------------------------------------------------


def codes(
    survey: Survey,
    items: Sequence[str] | None = None,
    *,
    construct: str | None = None,
    reverse_keyed: bool = False,
) -> pd.DataFrame:
    """Scale items as float codes 1..k (NaN where missing), one column per item.

    Parameters
    ----------
    survey
        The cleaned survey.
    items
        Scale item ids (default: every scale item present in ``survey.data``).
    construct
        Apply this construct's reverse keys, ``(1 + k) - code``; an item can be
        reversed in one construct and forward in another. Item-level codes (the
        default) are never reversed.
    reverse_keyed
        Apply the reverse keys of every construct listing the item (an error when
        constructs disagree about an item: name the ``construct`` instead).

    Returns
    -------
    DataFrame
        Index ``respondent_id``; one float column per item.

    Examples
    --------
    >>> from cmmc_analysis.examples import toy_survey
    >>> s = toy_survey()
    >>> codes(s, ["tech_cloud"])["tech_cloud"].tolist()[:4]
    [5.0, 4.0, nan, 4.0]
    """
    if items is None and construct is not None:
        items = (
            survey.codebook.constructs[construct].items
            if construct in survey.codebook.constructs
            else None
        )
    return survey.codes(
        _scale_items(survey, items), construct=construct, reverse_keyed=reverse_keyed
    )


def reverse(codes: pd.DataFrame | pd.Series | np.ndarray | float, *, k: int):
    """Reverse-key codes of a k-point scale: ``(1 + k) - x`` (psych's ``min + max - x``).

    Applying it twice gives the codes back; NaN stays NaN.

    Examples
    --------
    >>> reverse(np.array([1.0, 2.0, np.nan, 5.0]), k=5)
    array([ 5.,  4., nan,  1.])
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 2:
        raise SurveyDataError(f"parameter k: expected a number of scale points >= 2, found {k!r}")
    return (1 + k) - codes


def construct_scores(
    survey: Survey, constructs: Sequence[str] | None = None, *, min_valid: float | None = None
) -> pd.DataFrame:
    """Construct scores: the mean of each construct's item codes, with its own reverse keys.

    A respondent gets a score when at least ``min_valid`` (a share of the construct's
    items) are answered; otherwise the score is NaN.

    Parameters
    ----------
    survey
        The cleaned survey.
    constructs
        Construct ids (default: every construct of the codebook).
    min_valid
        Share of items that must be answered, in (0, 1]; default: each construct's
        ``min_valid`` in the codebook (0.5 unless stated).

    Returns
    -------
    DataFrame
        Index ``respondent_id``; one float column per construct.

    Examples
    --------
    >>> from cmmc_analysis.examples import toy_survey
    >>> s = toy_survey()
    >>> construct_scores(s, ["tech_acceleration"])["tech_acceleration"].tolist()[:3]
    [4.5, 3.5, nan]
    """
    cb = survey.codebook
    constructs = list(cb.constructs) if constructs is None else list(constructs)
    if min_valid is not None and not (isinstance(min_valid, int | float) and 0 < min_valid <= 1):
        raise SurveyDataError(
            f"parameter min_valid: expected a share in (0, 1], found {min_valid!r}"
        )
    out = {}
    for cid in constructs:
        if cid not in cb.constructs:
            raise SurveyDataError(
                f"parameter constructs: unknown construct {cid!r}; the codebook has {sorted(cb.constructs)}"
            )
        construct = cb.constructs[cid]
        x = survey.codes(construct.items, construct=cid).to_numpy()
        answered = np.isfinite(x).sum(axis=1)
        need = construct.min_valid if min_valid is None else min_valid
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.nansum(x, axis=1) / answered
        out[cid] = np.where(answered >= need * x.shape[1] - 1e-9, mean, np.nan)
    return pd.DataFrame(out, index=survey.data.index)


# --- summaries of a survey -----------------------------------------------------------------


def likert_summary(
    survey: Survey,
    items: Sequence[str] | None = None,
    *,
    by: str | None = None,
    weights: str | None = None,
    ci_level: float = 0.95,
    order: str | None = None,
) -> pd.DataFrame:
    """One row per scale item (per group of ``by``): base, centre, spread and shares.

    Parameters
    ----------
    survey
        The cleaned survey.
    items
        Scale item ids, in the order wanted (default: every scale item present).
    by
        A single-choice item (a segment such as ``"size"``): one row per item and
        group, groups in codebook order, empty groups included; respondents with no
        answer to ``by`` are left out of the breakdown.
    weights
        Name of a column of ``survey.data`` with survey weights.
    ci_level
        Confidence level of the top-2 interval.
    order
        None (default: the order of ``items``), or ``"top2"``, ``"bottom2"``, ``"net"``
        or ``"mean"``: items from the highest value down (as the likert package's
        summaries and plots), the value taken over every respondent even with ``by``;
        ties keep the order of ``items``.

    Returns
    -------
    DataFrame
        ``item``, ``label`` (item text in the codebook's source language; for the
        page's language see :func:`cmmc_analysis.display.with_labels`), [``segment``,
        ``group``], ``n``,
        ``n_not_an_answer``, ``n_missing``, ``n_eff``, ``mean``, ``sd``, ``median``,
        ``top2``, ``ci_low``, ``ci_high`` (Wilson interval of ``top2``), ``bottom2``,
        ``net``, ``share_1`` .. ``share_k`` (share of each scale point, base ``n``),
        ``weighted``. See :func:`summary_from_counts` for the definitions.

    Examples
    --------
    >>> from cmmc_analysis.examples import toy_survey
    >>> s = toy_survey()
    >>> t = likert_summary(s, ["tech_cloud", "tech_chatbot"])
    >>> t[["item", "n", "mean", "median", "net"]]
               item  n      mean  median       net
    0    tech_cloud  7  3.571429     4.0  0.428571
    1  tech_chatbot  8  3.000000     3.0  0.125000
    >>> likert_summary(s, ["tech_chatbot", "tech_cloud"], order="top2")["item"].tolist()
    ['tech_cloud', 'tech_chatbot']
    """
    items = _scale_items(survey, items)
    if order not in (None, "top2", "bottom2", "net", "mean"):
        raise SurveyDataError(
            f"parameter order: found {order!r}, expected None, 'top2', 'bottom2', 'net' or 'mean'"
        )
    w = _weights(survey, weights)
    g, group_labels = _groups(survey, by)
    size = len(group_labels)
    parts = []
    for item in items:
        k = survey.codebook.scale_of(item).k
        x = _item_codes(survey, item)
        counts = _counts(x, k, w, g, size)
        sq = None if w is None else _counts(x, k, w**2, g, size)
        na = _not_an_answer(survey, item)
        scale = survey.codebook.scale_of(item)
        part = summary_from_counts(counts, sq, ci_level=ci_level, scale=scale)
        part.insert(0, "item", item)
        part.insert(1, "label", survey.codebook.text(item))
        if by is not None:
            part.insert(2, "segment", by)
            part.insert(3, "group", group_labels)
        pos = part.columns.get_loc("n") + 1
        part.insert(pos, "n_not_an_answer", _group_sum(na, w, g, size))
        part.insert(pos + 1, "n_missing", _group_sum((x < 0) & ~na, w, g, size))
        part["weighted"] = w is not None
        if order is not None:
            whole = _counts(x, k, w, np.zeros_like(g), 1)
            whole_sq = None if w is None else _counts(x, k, w**2, np.zeros_like(g), 1)
            key = summary_from_counts(whole, whole_sq, scale=scale)[order].iloc[0]
            part["_key"] = -key if np.isfinite(key) else np.inf
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    if order is not None:
        out = out.sort_values("_key", kind="stable").drop(columns="_key")
        out = out.reset_index(drop=True)
    if w is None:
        for col in ("n", "n_not_an_answer", "n_missing"):
            out[col] = out[col].astype(np.int64)
    return out


def distribution(
    survey: Survey,
    items: Sequence[str] | None = None,
    *,
    by: str | None = None,
    weights: str | None = None,
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Long table of answer levels per item (per group): every scale point, plus not-an-answer.

    Every scale point has a row even when nobody chose it. One more row per item
    (and group) counts the not-an-answer labels (``is_not_an_answer`` True); its share is
    over all answers (valid + not-an-answer), so a chart can show it apart. When a scale
    has several not-an-answer labels, they share one row (the cleaned data keep only
    the reason), its ``level`` joining them with " / ".

    Parameters
    ----------
    survey, items, by, weights, ci_level
        As in :func:`likert_summary`.

    Returns
    -------
    DataFrame
        ``item``, [``segment``, ``group``], ``level`` (canonical label), ``code``
        (1..k, missing for not-an-answer), ``label`` (the level's text in the codebook's
        source language; :func:`cmmc_analysis.display.with_labels` gives the page's), ``count``,
        ``n`` (the row's base), ``share`` (= count / n), ``ci_low``, ``ci_high`` (Wilson
        on Kish's n_eff), ``n_eff``, ``is_not_an_answer``, ``weighted``.

    Examples
    --------
    >>> from cmmc_analysis.examples import toy_survey
    >>> s = toy_survey()
    >>> d = distribution(s, ["tech_cloud"])
    >>> d[["level", "code", "count", "n", "share"]].tail(3)
                     level  code  count  n     share
    3  Abbastanza d'accordo     4      3  7  0.428571
    4       Molto d'accordo     5      2  7  0.285714
    5                Non so  <NA>      1  8  0.125000
    """
    items = _scale_items(survey, items)
    w = _weights(survey, weights)
    g, group_labels = _groups(survey, by)
    size = len(group_labels)
    src = survey.codebook.source_language
    parts = []
    for item in items:
        scale = survey.codebook.scale_of(item)
        k = scale.k
        x = _item_codes(survey, item)
        na = _not_an_answer(survey, item)
        counts = _counts(x, k, w, g, size)
        sq = counts if w is None else _counts(x, k, w**2, g, size)
        na_count = _group_sum(na, w, g, size)
        na_sq = na_count if w is None else _group_sum(na, w**2, g, size)
        has_na_row = bool(scale.not_an_answer) or na_count.sum() > 0
        na_level = [" / ".join(scale.na_labels(src)) or "not_an_answer"]
        levels = scale.labels() + (na_level if has_na_row else [])
        # columns 0..k-1: scale points over the valid answers; column k: not-an-answer
        # over all answers. Bases (and their squared weights) repeat across the k points.
        n, n_sq = counts.sum(axis=1, keepdims=True), sq.sum(axis=1, keepdims=True)
        cnt = np.column_stack([counts, na_count])
        base = np.column_stack([np.repeat(n, k, axis=1), n[:, 0] + na_count])
        base_sq = np.column_stack([np.repeat(n_sq, k, axis=1), n_sq[:, 0] + na_sq])
        n_levels = len(levels)
        cnt, base, base_sq = cnt[:, :n_levels], base[:, :n_levels], base_sq[:, :n_levels]
        with np.errstate(invalid="ignore", divide="ignore"):
            share = cnt / base
            n_eff = np.where(base_sq > 0, base**2 / base_sq, 0.0)
        low, high = wilson_interval((share * n_eff).ravel(), n_eff.ravel(), ci_level)
        part = pd.DataFrame({"item": item}, index=range(size * n_levels))
        if by is not None:
            part["segment"] = by
            part["group"] = np.repeat(np.asarray(group_labels, dtype=object), n_levels)
        code = pd.array(np.tile(np.arange(1, n_levels + 1), size), dtype="Int64")
        is_na = np.tile(np.arange(n_levels) >= k, size)
        code[is_na] = pd.NA
        part["level"] = np.tile(np.asarray(levels, dtype=object), size)
        part["code"] = code
        part["label"] = part["level"]
        part["count"] = cnt.ravel()
        part["n"] = base.ravel()
        part["share"] = share.ravel()
        part["ci_low"], part["ci_high"] = low, high
        part["n_eff"] = n_eff.ravel()
        part["is_not_an_answer"] = is_na
        part["weighted"] = w is not None
        parts.append(part)
    return _finish_counts(
        pd.concat(parts, ignore_index=True), weighted=w is not None, text=("level", "label", "item")
    )
