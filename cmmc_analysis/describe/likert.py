"""Likert codes, reverse keying, construct scores and descriptive summaries.

Every summary is built in two steps so that it can be merged across chunks of a large
export: a pure counting step (:func:`level_counts`: weighted counts of each scale point,
per group) and a pure step from counts to statistics (:func:`summary_from_counts`).
Counts of several chunks add up; the statistics of the sum are those of the whole.

Not-an-answer ("Non so") is never in the base of a share or a mean: it is counted apart
(``n_not_an_answer``), as are blank, not-asked and rejected answers (``n_missing``).

Weights are the name of a column of ``survey.data`` (non-negative, finite). With weights,
``count``, ``n``, ``n_not_an_answer`` and ``n_missing`` are sums of weights, shares and
means are weighted, and intervals use Kish's effective sample size
``n_eff = (sum w)^2 / sum w^2`` in place of ``n`` (see ``docs/statistics.md``).

Examples
--------
>>> s = _toy_survey()
>>> likert_summary(s, ["tech_cloud"])[["item", "n", "n_not_an_answer", "top2"]]
         item  n  n_not_an_answer   top2
0  tech_cloud  7                1  0.714...
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from ..errors import SurveyDataError
from ..survey import Survey

__all__ = [
    "codes",
    "reverse",
    "construct_scores",
    "level_counts",
    "summary_from_counts",
    "likert_summary",
    "distribution",
    "choice_summary",
    "numeric_summary",
    "EXTRA_COLUMNS",
]

#: Columns this module adds to the shared vocabulary (``cmmc_analysis.columns``).
EXTRA_COLUMNS: dict[str, str] = {
    "n_eff": "Kish's effective sample size (sum w)^2 / sum w^2 of the base (= n unweighted)",
    "option": "choice_summary: option of a choice item (canonical source-language label)",
    "share_<c>": "likert_summary: share of answers at scale point c (1..k), base n",
    "is_not_an_answer": "distribution: the row counts not-an-answer labels (base: all answers)",
    "min": "numeric_summary: smallest value",
    "max": "numeric_summary: largest value",
}

#: Above this many values, numeric_summary's median interval uses order statistics.
MAX_BOOTSTRAP_N = 5000


# --- codes and scores ------------------------------------------------------------------


def codes(
    survey: Survey, items: Sequence[str] | None = None, *, reverse_keyed: bool = False
) -> pd.DataFrame:
    """Scale items as float codes 1..k (NaN where missing), one column per item.

    Parameters
    ----------
    survey
        The cleaned survey.
    items
        Scale item ids (default: every scale item present in ``survey.data``).
    reverse_keyed
        Apply the constructs' reverse keys, ``(1 + k) - code``.

    Returns
    -------
    DataFrame
        Index ``respondent_id``; one float column per item.

    Examples
    --------
    >>> s = _toy_survey()
    >>> codes(s, ["tech_cloud"])["tech_cloud"].tolist()[:4]
    [5.0, 4.0, nan, 4.0]
    """
    return survey.codes(_scale_items(survey, items), reverse_keyed=reverse_keyed)


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
    """Construct scores: the mean of each construct's reverse-keyed item codes.

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
    >>> s = _toy_survey()
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
        x = codes(survey, construct.items, reverse_keyed=True).to_numpy()
        answered = np.isfinite(x).sum(axis=1)
        need = construct.min_valid if min_valid is None else min_valid
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.nansum(x, axis=1) / answered
        out[cid] = np.where(answered >= need * x.shape[1] - 1e-9, mean, np.nan)
    return pd.DataFrame(out, index=survey.data.index)


# --- pure counting ----------------------------------------------------------------------


def level_counts(
    codes: np.ndarray | pd.Series,
    k: int,
    weights: np.ndarray | None = None,
    *,
    groups: np.ndarray | None = None,
    n_groups: int | None = None,
) -> np.ndarray:
    """Weighted counts of each code 1..k (NaN codes ignored).

    Counts of separate chunks add up. Pass ``weights**2`` to get the sums of squared
    weights that :func:`summary_from_counts` needs for Kish's effective n.

    Parameters
    ----------
    codes
        Codes 1..k, NaN where missing.
    k
        Number of scale points.
    weights
        One weight per code (default: 1).
    groups
        Group index 0..n_groups-1 per code; -1 leaves the code out.
    n_groups
        Number of groups (default: ``groups.max() + 1``).

    Returns
    -------
    ndarray
        Shape ``(k,)``, or ``(n_groups, k)`` when ``groups`` is given.

    Examples
    --------
    >>> level_counts(np.array([1.0, 5.0, 5.0, np.nan]), 5)
    array([1., 0., 0., 0., 2.])
    """
    x = np.asarray(codes, dtype=float)
    valid = np.isfinite(x)
    bad = valid & ((x < 1) | (x > k) | (x != np.round(x)))
    if bad.any():
        raise SurveyDataError(
            f"codes: expected whole numbers 1..{k}, found {float(x[bad][0])} at position {np.flatnonzero(bad)[0]}"
        )
    g = np.zeros(len(x), dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    size = 1 if groups is None else (int(g.max(initial=-1)) + 1 if n_groups is None else n_groups)
    idx0 = np.where(valid, np.nan_to_num(x) - 1, -1).astype(np.int64)
    counts = _counts(idx0, k, weights, g, size)
    return counts[0] if groups is None else counts


def _counts(idx0: np.ndarray, k: int, w: np.ndarray | None, g: np.ndarray, size: int) -> np.ndarray:
    """Counts of 0-based level indexes (-1 = missing) per group: shape (size, k)."""
    # missing codes and groups go to one extra bin, dropped after counting (no copies of w)
    idx = np.where((idx0 >= 0) & (g >= 0), g * k + idx0, size * k)
    counts = np.bincount(idx, weights=w, minlength=size * k + 1)[:-1]
    return counts.astype(float).reshape(size, k)


def summary_from_counts(
    counts: np.ndarray, sq_counts: np.ndarray | None = None, *, ci_level: float = 0.95
) -> pd.DataFrame:
    """Statistics of a k-point item from its (weighted) counts per level.

    Parameters
    ----------
    counts
        Shape ``(k,)`` or ``(groups, k)``: counts (sums of weights) of codes 1..k.
    sq_counts
        Same shape: sums of squared weights (default: ``counts``, i.e. unweighted).
    ci_level
        Confidence level of the Wilson interval of ``top2``.

    Returns
    -------
    DataFrame
        One row per row of ``counts``: ``n``, ``n_eff`` (Kish), ``mean``, ``sd``
        (weighted with the n_eff / (n_eff - 1) correction; ddof=1 when unweighted),
        ``median`` (average of the two middle levels when the cumulative share is exactly
        one half, as ``np.median``), ``top2`` with ``ci_low``/``ci_high`` (Wilson on
        ``n_eff``), ``bottom2``, ``net``, ``share_1`` .. ``share_k``.
        ``top2``/``bottom2`` are the two highest/lowest levels (one level when k < 4).

    Examples
    --------
    >>> summary_from_counts(np.array([1, 1, 0, 4, 4]))[["n", "mean", "median", "top2", "net"]]
          n  mean  median  top2  net
    0  10.0   3.9     4.0   0.8  0.6
    """
    c = np.atleast_2d(np.asarray(counts, dtype=float))
    sq = c if sq_counts is None else np.atleast_2d(np.asarray(sq_counts, dtype=float))
    _check_level(ci_level)
    k = c.shape[1]
    x = np.arange(1, k + 1, dtype=float)
    n = c.sum(axis=1)
    sum_sq = sq.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = np.where(sum_sq > 0, n**2 / sum_sq, 0.0)
        shares = c / n[:, None]
        mean = shares @ x
        var = (shares * (x[None, :] - mean[:, None]) ** 2).sum(axis=1) * n_eff / (n_eff - 1)
    sd = np.sqrt(np.where(n_eff > 1, var, np.nan))
    m = 2 if k >= 4 else 1
    top2, bottom2 = shares[:, -m:].sum(axis=1), shares[:, :m].sum(axis=1)
    low, high = _wilson(top2 * n_eff, n_eff, ci_level)
    out = pd.DataFrame(
        {
            "n": n,
            "n_eff": n_eff,
            "mean": mean,
            "sd": sd,
            "median": _median_from_counts(c),
            "top2": top2,
            "ci_low": low,
            "ci_high": high,
            "bottom2": bottom2,
            "net": top2 - bottom2,
        }
    )
    for j in range(k):
        out[f"share_{j + 1}"] = shares[:, j]
    return out


def _median_from_counts(c: np.ndarray) -> np.ndarray:
    k = c.shape[1]
    n = c.sum(axis=1, keepdims=True)
    cum = np.cumsum(c, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = np.isclose(cum * 2, n, rtol=1e-12, atol=0) & (c > 0)
        below = (cum * 2 < n) & ~half
    first = below.sum(axis=1)  # index of the first level reaching one half
    first = np.minimum(first, k - 1)
    rows = np.arange(len(c))
    med = first.astype(float) + 1
    exact = half[rows, first]
    if exact.any():
        # next level with a positive count after `first`
        after = (c > 0) & (np.arange(k)[None, :] > first[:, None])
        nxt = np.where(after.any(axis=1), after.argmax(axis=1), first)
        med = np.where(exact, (first + nxt) / 2 + 1, med)
    return np.where(n[:, 0] > 0, med, np.nan)


def _wilson(count, nobs, ci_level: float) -> tuple[np.ndarray, np.ndarray]:
    count = np.atleast_1d(np.asarray(count, dtype=float))
    nobs = np.atleast_1d(np.asarray(nobs, dtype=float))
    ok = nobs > 0
    low = np.full(count.shape, np.nan)
    high = np.full(count.shape, np.nan)
    if ok.any():
        c = np.clip(count[ok], 0, nobs[ok])
        lo, hi = proportion_confint(c, nobs[ok], alpha=1 - ci_level, method="wilson")
        p = c / nobs[ok]  # rounding can put a bound a hair beyond p at 0 or 1
        low[ok], high[ok] = np.clip(np.minimum(lo, p), 0, 1), np.clip(np.maximum(hi, p), 0, 1)
    return low, high


# --- summaries of a survey -----------------------------------------------------------------


def likert_summary(
    survey: Survey,
    items: Sequence[str] | None = None,
    *,
    by: str | None = None,
    weights: str | None = None,
    lang: str | None = None,
    ci_level: float = 0.95,
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
    lang
        Language of ``label`` (default: the codebook's source language).
    ci_level
        Confidence level of the top-2 interval.

    Returns
    -------
    DataFrame
        ``item``, ``label`` (item text), [``segment``, ``group``], ``n``,
        ``n_not_an_answer``, ``n_missing``, ``n_eff``, ``mean``, ``sd``, ``median``,
        ``top2``, ``ci_low``, ``ci_high`` (Wilson interval of ``top2``), ``bottom2``,
        ``net``, ``share_1`` .. ``share_k`` (share of each scale point, base ``n``),
        ``weighted``. See :func:`summary_from_counts` for the definitions.

    Examples
    --------
    >>> s = _toy_survey()
    >>> t = likert_summary(s, ["tech_cloud", "tech_chatbot"], lang="en")
    >>> t[["item", "label", "n", "mean", "median", "net"]]
               item                            label  n      mean  median       net
    0    tech_cloud   cloud contact-center solutions  7  3.571429     4.0  0.428571
    1  tech_chatbot  chatbots and virtual assistants  8  3.000000     3.0  0.125000
    """
    items = _scale_items(survey, items)
    w = _weights(survey, weights)
    g, group_labels = _groups(survey, by)
    size = len(group_labels)
    lang = lang or survey.codebook.source_language
    parts = []
    for item in items:
        k = survey.codebook.scale_of(item).k
        x = _item_codes(survey, item)
        counts = _counts(x, k, w, g, size)
        sq = None if w is None else _counts(x, k, w**2, g, size)
        na = _not_an_answer(survey, item)
        part = summary_from_counts(counts, sq, ci_level=ci_level)
        part.insert(0, "item", item)
        part.insert(1, "label", survey.codebook.text(item, lang))
        if by is not None:
            part.insert(2, "segment", by)
            part.insert(3, "group", group_labels)
        pos = part.columns.get_loc("n") + 1
        part.insert(pos, "n_not_an_answer", _group_sum(na, w, g, size))
        part.insert(pos + 1, "n_missing", _group_sum((x < 0) & ~na, w, g, size))
        part["weighted"] = w is not None
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
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
    lang: str | None = None,
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
    survey, items, by, weights, lang, ci_level
        As in :func:`likert_summary`.

    Returns
    -------
    DataFrame
        ``item``, [``segment``, ``group``], ``level`` (canonical label), ``code``
        (1..k, missing for not-an-answer), ``label`` (level in ``lang``), ``count``,
        ``n`` (the row's base), ``share`` (= count / n), ``ci_low``, ``ci_high`` (Wilson
        on Kish's n_eff), ``n_eff``, ``is_not_an_answer``, ``weighted``.

    Examples
    --------
    >>> s = _toy_survey()
    >>> d = distribution(s, ["tech_cloud"], lang="en")
    >>> d[["level", "code", "label", "count", "n", "share"]].tail(3)
                     level  code           label  count  n     share
    3  Abbastanza d'accordo     4           Agree      3  7  0.428571
    4       Molto d'accordo     5  Strongly agree      2  7  0.285714
    5                Non so  <NA>      Don't know      1  8  0.125000
    """
    items = _scale_items(survey, items)
    w = _weights(survey, weights)
    g, group_labels = _groups(survey, by)
    size = len(group_labels)
    lang = lang or survey.codebook.source_language
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
        na_label = [" / ".join(scale.na_labels(lang)) or "not_an_answer"]
        labels = scale.labels(lang) + (na_label if has_na_row else [])
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
        low, high = _wilson((share * n_eff).ravel(), n_eff.ravel(), ci_level)
        part = pd.DataFrame({"item": item}, index=range(size * n_levels))
        if by is not None:
            part["segment"] = by
            part["group"] = np.repeat(np.asarray(group_labels, dtype=object), n_levels)
        code = pd.array(np.tile(np.arange(1, n_levels + 1), size), dtype="Int64")
        is_na = np.tile(np.arange(n_levels) >= k, size)
        code[is_na] = pd.NA
        part["level"] = np.tile(np.asarray(levels, dtype=object), size)
        part["code"] = code
        part["label"] = np.tile(np.asarray(labels, dtype=object), size)
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


def _finish_counts(out: pd.DataFrame, *, weighted: bool, text: Sequence[str]) -> pd.DataFrame:
    """Unweighted counts and bases as integers; label columns as ``str``."""
    if not weighted:
        out["count"] = out["count"].astype(np.int64)
        out["n"] = out["n"].astype(np.int64)
    for col in text:
        out[col] = out[col].astype("str")
    return out


def choice_summary(
    survey: Survey,
    item: str,
    *,
    by: str | None = None,
    weights: str | None = None,
    lang: str | None = None,
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
    by, weights, lang, ci_level
        As in :func:`likert_summary`.

    Returns
    -------
    DataFrame
        ``item``, [``segment``, ``group``], ``option`` (canonical label), ``label`` (in
        ``lang``), ``count``, ``n``, ``share``, ``ci_low``, ``ci_high`` (Wilson on Kish's
        n_eff), ``n_eff``, ``weighted``; ranked by share (highest first, codebook order
        breaking ties) within each group.

    Examples
    --------
    >>> s = _toy_survey()
    >>> choice_summary(s, "channels_up", lang="en")[["option", "label", "count", "n", "share"]]
                option           label  count  n  share
    0   Chat / webchat  Chat / webchat      3  4   0.75
    1            Email           Email      2  4   0.50
    2  App di messaggistica  Messaging apps  1  4   0.25
    ...
    """
    cb = survey.codebook
    spec = cb.item(item)
    src = cb.source_language
    lang = lang or src
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
    labels = [cb.translate(item, o, lang) for o in options]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = counts / n[:, None]
        n_eff = np.where(n_sq > 0, n**2 / n_sq, 0.0)
    m = len(options)
    low, high = _wilson((share * n_eff[:, None]).ravel(), np.repeat(n_eff, m), ci_level)
    out = pd.DataFrame({"item": [item] * (size * m)})
    if by is not None:
        out["segment"] = by
        out["group"] = np.repeat(np.asarray(group_labels, dtype=object), m)
    out["option"] = np.tile(np.asarray(options, dtype=object), size)
    out["label"] = np.tile(np.asarray(labels, dtype=object), size)
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


def numeric_summary(
    survey: Survey,
    item: str,
    *,
    where: Mapping[str, Sequence[str]] | None = None,
    n_boot: int = 2000,
    seed: int = 0,
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Summary of a numeric item with an interval for the median.

    Parameters
    ----------
    survey
        The cleaned survey.
    item
        A numeric item id (e.g. ``remote_share``).
    where
        Keep only respondents whose answer to each listed item is one of the given
        canonical labels, e.g. ``{"remote_adopted": ["Sì", "In corso di attivazione"]}``.
        Several entries combine with AND.
    n_boot
        Bootstrap resamples for the BCa interval of the median.
    seed
        Seed of the bootstrap's random generator (results are reproducible).
    ci_level
        Confidence level.

    Returns
    -------
    DataFrame
        One row: ``item``, ``n`` (non-missing values kept), ``mean``, ``sd``, ``median``,
        ``q1``, ``q3`` (linear interpolation, numpy's default), ``min``, ``max``,
        ``ci_low``, ``ci_high`` (interval of the median), ``ci_level``, ``ci_method``.

    Notes
    -----
    Up to ``MAX_BOOTSTRAP_N`` (5000) values the interval of the median is a BCa bootstrap
    (``scipy.stats.bootstrap``); its jackknife step costs O(n^2), so above that size the
    distribution-free order-statistic interval (``scipy.stats.quantile_test``, exact
    binomial coverage) is used instead; at that size both agree closely. The same
    interval is used when BCa is undefined, which happens when so many answers are tied
    (80, 85, 90 ...) that the jackknife medians do not vary. ``ci_method`` says which
    method was used. If every value is the same, the interval is that value.

    Examples
    --------
    >>> s = _toy_survey()
    >>> t = numeric_summary(s, "remote_share", where={"remote_adopted": ["Sì"]})
    >>> t[["item", "n", "median", "q1", "q3", "min", "max", "ci_method"]]
               item  n  median    q1    q3   min   max      ci_method
    0  remote_share  4    75.0  67.5  82.5  60.0  90.0  bootstrap BCa
    """
    spec = survey.codebook.item(item)
    if spec.type != "numeric":
        raise SurveyDataError(
            f"parameter item: {item!r} is of type {spec.type!r}; expected 'numeric'"
        )
    _check_level(ci_level)
    keep = np.ones(len(survey.data), dtype=bool)
    for cond_item, labels in (where or {}).items():
        col = _column(survey, cond_item)
        allowed = survey.codebook.labels(cond_item)
        unknown = [lab for lab in labels if lab not in allowed]
        if isinstance(labels, str) or unknown:
            raise SurveyDataError(
                f"parameter where[{cond_item!r}]: expected a list of its labels {allowed}, found {labels!r}"
            )
        keep &= col.isin(list(labels)).to_numpy(dtype=bool, na_value=False)
    x = _column(survey, item).to_numpy(dtype=float)[keep]
    x = x[np.isfinite(x)]
    n = len(x)
    row = {"item": item, "n": n}
    if n == 0:
        row.update(
            dict.fromkeys(
                ["mean", "sd", "median", "q1", "q3", "min", "max", "ci_low", "ci_high"], np.nan
            )
        )
        row.update(ci_level=ci_level, ci_method="none (no values)")
        return pd.DataFrame([row])
    q1, med, q3 = np.quantile(x, [0.25, 0.5, 0.75])
    row.update(
        mean=x.mean(),
        sd=x.std(ddof=1) if n > 1 else np.nan,
        median=med,
        q1=q1,
        q3=q3,
        min=x.min(),
        max=x.max(),
    )
    low, high, method = _median_interval(x, n_boot=n_boot, seed=seed, ci_level=ci_level)
    row.update(ci_low=low, ci_high=high, ci_level=ci_level, ci_method=method)
    return pd.DataFrame([row])


def _median_interval(x: np.ndarray, *, n_boot: int, seed: int, ci_level: float):
    if np.all(x == x[0]):
        return float(x[0]), float(x[0]), "degenerate (all values equal)"
    if len(x) <= MAX_BOOTSTRAP_N:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", stats.DegenerateDataWarning)
            warnings.simplefilter("ignore", RuntimeWarning)  # BCa's 0/0 on tied jackknife
            res = stats.bootstrap(
                (x,),
                np.median,
                confidence_level=ci_level,
                n_resamples=n_boot,
                method="BCa",
                rng=np.random.default_rng(seed),
                vectorized=True,
            )
        ci = res.confidence_interval
        if np.isfinite(ci.low) and np.isfinite(ci.high):
            return float(ci.low), float(ci.high), "bootstrap BCa"
        method = "order statistics (quantile_test; BCa undefined: tied values)"
    else:
        method = "order statistics (quantile_test)"
    ci = stats.quantile_test(x, q=float(np.median(x)), p=0.5).confidence_interval(ci_level)
    return float(ci.low), float(ci.high), method


# --- helpers ------------------------------------------------------------------------------


def _check_level(ci_level: float) -> None:
    if not isinstance(ci_level, int | float) or not 0 < ci_level < 1:
        raise SurveyDataError(
            f"parameter ci_level: expected a number in (0, 1), found {ci_level!r}"
        )


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


def _group_sum(mask: np.ndarray, w: np.ndarray | None, g: np.ndarray, size: int) -> np.ndarray:
    if size == 1 and w is None:  # no breakdown: a count (g is 0 for every row)
        return np.array([float(np.count_nonzero(mask & (g >= 0)))])
    idx = np.where(mask & (g >= 0), g, size)
    return np.bincount(idx, weights=w, minlength=size + 1)[:-1].astype(float)


def _toy_survey() -> Survey:
    """A small hand-built Survey used by the examples (8 respondents)."""
    from ..codebook import load_codebook

    cb = load_codebook()
    pts = cb.scale_of("tech_cloud").labels()
    idx = pd.Index([f"r{i}" for i in range(1, 9)], name="respondent_id")

    def scale(values):
        return pd.Categorical(
            [pts[v - 1] if v else None for v in values], categories=pts, ordered=True
        )

    def single(item, values):
        return pd.Categorical(values, categories=cb.labels(item))

    data = pd.DataFrame(
        {
            "tech_cloud": scale([5, 4, 0, 4, 5, 2, 4, 1]),
            "tech_chatbot": scale([4, 3, 3, 2, 4, 1, 3, 4]),
            "tech_video": scale([4, 3, 0, 3, 5, 2, 0, 2]),
            "tech_remote_support": scale([5, 4, 0, 4, 4, 2, 0, 3]),
            "tech_collab": scale([5, 4, 3, 5, 5, 1, 0, 3]),
            "tech_selfservice": scale([4, 3, 0, 4, 4, 2, 0, 2]),
            "size": single(
                "size",
                [
                    "Meno di 50",
                    "50–249",
                    "Meno di 50",
                    "250–999",
                    "1000 e oltre",
                    "Meno di 50",
                    "50–249",
                    None,
                ],
            ),
            "remote_adopted": single(
                "remote_adopted",
                ["Sì", "Sì", "No", "Sì", None, "In corso di attivazione", "Sì", "No"],
            ),
            "remote_share": [80.0, 60.0, np.nan, 90.0, np.nan, 30.0, 70.0, np.nan],
        },
        index=idx,
    )
    for o, ticks in zip(
        cb.item("channels_up").options,
        [[1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 0, 1]] + [[0, 0, 0, 0]] * 4,
        strict=True,
    ):
        data[f"channels_up__{o.code}"] = pd.array(ticks + [False] * 4, dtype=bool)
    missing = pd.DataFrame(
        index=idx, data={"tech_cloud": [None, None, "not_an_answer"] + [None] * 5}
    )
    missing["tech_chatbot"] = None
    missing["channels_up"] = [None] * 4 + ["blank"] * 4
    return Survey(data=data, missing=missing, codebook=cb)
