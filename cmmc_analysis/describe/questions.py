"""Question by question, as survey tools show them: counts per answer option, and who answered.

:func:`answer_counts` gives, for one question of any answerable type (scale, single
or multiple choice, numeric), a row per answer option in the questionnaire's order (a
scale from its lowest point up; a numeric item in bins from its lowest value up),
with not-an-answer apart; an earlier cut (the interim data) can be set beside it.
The counts and shares come from :func:`~cmmc_analysis.describe.likert.distribution`
and :func:`~cmmc_analysis.describe.choice.choice_summary` (the one place each is
computed). :func:`answer_status` says, per question, how many respondents answered,
chose not-an-answer, skipped it, were not asked it, or gave a rejected value.
:func:`responses_per_day` counts the responses of each day (the response timeline).

Examples
--------
>>> from cmmc_analysis.examples import toy_survey
>>> s = toy_survey()
>>> answer_counts(s, "remote_adopted")[["option", "count", "n", "share"]]
                    option  count  n     share
0                       Sì      4  7  0.571429
1  In corso di attivazione      1  7  0.142857
2                       No      2  7  0.285714
3                   Non so      0  7  0.000000
>>> answer_status(s, ["tech_cloud"])[["n_answered", "n_not_an_answer", "n_skipped"]].iloc[0].tolist()
[7, 1, 0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import SurveyDataError
from ..survey import Survey
from ._access import _column
from .choice import choice_summary
from .counts import _finish_counts
from .likert import distribution

__all__ = [
    "ANSWERABLE",
    "question_items",
    "answer_counts",
    "answer_status",
    "responses_per_day",
    "cut_summary",
]

#: Item types with answer options to count (free text and date-times are not).
ANSWERABLE = ("scale", "single", "multi", "numeric")

#: Columns this module adds to the shared vocabulary (``cmmc_analysis.columns``).
EXTRA_COLUMNS: dict[str, str] = {
    "bin_low": "answer_counts: lowest value of a numeric item's bin (whole numbers: held)",
    "bin_high": "answer_counts: highest value of a numeric item's bin (whole numbers: held)",
    "count_earlier": "answer_counts: the count in the earlier cut (the interim data)",
    "n_earlier": "answer_counts: the base in the earlier cut",
    "share_earlier": "answer_counts: the share in the earlier cut",
    "n_answered": "answer_status: respondents with a valid answer",
    "n_skipped": "answer_status: respondents who were asked and left the question blank",
    "n_not_asked": "answer_status: respondents the questionnaire's skip logic did not ask",
    "n_invalid": "answer_status: respondents whose answer was rejected by cleaning",
    "n_respondents": "answer_status / responses_per_day: analysed respondents",
    "date": "responses_per_day: the calendar day",
    "type": "answer_status: the item's type",
    "estimate_earlier": "cut_summary: the estimate in the earlier cut",
    "cumulative": "responses_per_day: responses up to and including the day",
}

_COLUMNS = ["item", "option", "code", "label", "count", "n", "share", "is_not_an_answer"]


def answer_counts(
    survey: Survey, item: str, *, earlier: Survey | None = None, bins: int = 10
) -> pd.DataFrame:
    """Counts and shares of each answer option of one question, in the questionnaire's order.

    Parameters
    ----------
    survey
        The cleaned survey.
    item
        A ``scale``, ``single``, ``multi`` or ``numeric`` item id.
    earlier
        An earlier cut of the same survey (``survey.cut("interim")``): its count, base
        and share are added as ``count_earlier``, ``n_earlier``, ``share_earlier``.
    bins
        About how many bins a numeric item gets (round widths: 1, 2, 2.5 or 5 times a
        power of ten; from the codebook's ``min``/``max`` when it gives them).

    Returns
    -------
    DataFrame
        ``item``, ``option`` (the canonical answer label; for a numeric item its bin
        as "low–high"), ``code`` (1.. in order; missing on the not-an-answer row),
        ``label`` (the option's text in the codebook's source language), ``count``,
        ``n`` (the base: the valid answers; for a multiple-choice item the respondents
        who answered, so shares need not sum to 1; on the not-an-answer row, valid
        answers plus not-an-answer), ``share`` (= count / n), ``is_not_an_answer``
        (one last row, only when the codebook offers a not-an-answer label or someone
        gave one); numeric items add ``bin_low``, ``bin_high``. Numeric bins are
        ``[a, b)``, the last ``[a, b]`` (``numpy.histogram``); of an item of whole
        numbers they show the values they hold ("0–24", "25–49", ... "75–100"), and a
        range of at most 21 whole values (0-10, 1-7) gets one row per value.

    Examples
    --------
    >>> from cmmc_analysis.examples import toy_survey
    >>> s = toy_survey()
    >>> answer_counts(s, "tech_cloud")[["code", "count", "n", "is_not_an_answer"]].tail(2)
       code  count  n  is_not_an_answer
    4     5      2  7             False
    5  <NA>      1  8              True
    >>> answer_counts(s, "remote_share", bins=4)[["option", "count"]]  # the codebook says 0-100
       option  count
    0    0–24      0
    1   25–49      1
    2   50–74      2
    3  75–100      2
    """
    spec = survey.codebook.item(item)
    if spec.type == "scale":
        table = distribution(survey, [item]).rename(columns={"level": "option"})
        table = table[_COLUMNS].copy()
    elif spec.type in ("single", "multi"):
        table = _choice_counts(survey, item)
    elif spec.type == "numeric":
        table, edges, whole = _numeric_counts(survey, item, bins)
    else:
        raise SurveyDataError(
            f"parameter item: {item!r} is of type {spec.type!r}; expected one of {list(ANSWERABLE)}"
        )
    if earlier is not None:
        if spec.type == "numeric":  # the same bins as the whole data
            before = _numeric_counts(earlier, item, bins, edges=edges, whole=whole)[0]
        else:
            before = answer_counts(earlier, item)
        keys = ["option", "is_not_an_answer"]
        before = before[[*keys, "count", "n", "share"]].rename(
            columns={"count": "count_earlier", "n": "n_earlier", "share": "share_earlier"}
        )
        table = table.merge(before, on=keys, how="left", validate="one_to_one")
    return table.reset_index(drop=True)


def _choice_counts(survey: Survey, item: str) -> pd.DataFrame:
    spec = survey.codebook.item(item)
    src = survey.codebook.source_language
    table = choice_summary(survey, item)
    order = {o.text(src): i for i, o in enumerate(spec.options)}
    table = table.assign(code=table["option"].map(order) + 1).sort_values("code", kind="stable")
    table["is_not_an_answer"] = False
    table = table[_COLUMNS]
    na = _reasons(survey, item) == "not_an_answer"
    n_na = int(na.sum())
    if spec.not_an_answer or n_na:
        n = int(table["n"].iloc[0]) if len(table) else 0
        label = " / ".join(lab.text(src) for lab in spec.not_an_answer) or "not_an_answer"
        row = {
            "item": item,
            "option": label,
            "code": pd.NA,
            "label": label,
            "count": n_na,
            "n": n + n_na,
            "share": n_na / (n + n_na) if n + n_na else np.nan,
            "is_not_an_answer": True,
        }
        table = pd.concat([table, pd.DataFrame([row])], ignore_index=True)
    table["code"] = table["code"].astype("Int64")
    return _finish_counts(table, weighted=False, text=("item", "option", "label"))


def _nice_step(span: float, bins: int) -> float:
    raw = span / max(bins, 1)
    power = 10 ** np.floor(np.log10(raw))
    return float(next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw - 1e-12))


#: A numeric item of whole numbers spanning at most this many values gets one row per value.
MAX_SINGLE_VALUES = 21


def _whole(survey: Survey, item: str, values: np.ndarray) -> bool:
    """True if the item holds whole numbers only (the codebook's range too)."""
    spec = survey.codebook.item(item)
    bounds = [b for b in (spec.min, spec.max) if b is not None]
    return bool(np.all(np.mod(values, 1) == 0) and all(float(b).is_integer() for b in bounds))


def _numeric_edges(
    survey: Survey, item: str, values: np.ndarray, bins: int, whole: bool
) -> np.ndarray:
    spec = survey.codebook.item(item)
    lo = spec.min if spec.min is not None else (values.min() if len(values) else 0.0)
    hi = spec.max if spec.max is not None else (values.max() if len(values) else 1.0)
    lo, hi = float(min(lo, values.min(initial=lo))), float(max(hi, values.max(initial=hi)))
    if whole and hi - lo < MAX_SINGLE_VALUES:  # e.g. 0-10: one row per value
        return np.arange(lo, hi + 2) - 0.5
    if hi <= lo:
        hi = lo + 1.0
    step = _nice_step(hi - lo, bins)
    if whole:
        step = max(step, 1.0)
    start = np.floor(lo / step) * step
    stop = np.ceil(hi / step) * step
    if stop <= start:
        stop = start + step
    return np.round(np.arange(start, stop + step / 2, step), 10)


def _number(x: float) -> str:
    return f"{x:g}"


def _shown_ranges(edges: np.ndarray, whole: bool) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest value each bin holds, as a reader needs them.

    Bins are ``[a, b)``, the last ``[a, b]`` (``numpy.histogram``). Of whole numbers,
    that is ``a`` to ``b - 1`` (the last to ``b``), and a bin around one value is that
    value: the boundaries are never ambiguous. Otherwise the edges themselves.
    """
    low, high = edges[:-1], edges[1:]
    if not whole:
        return low, high
    low = np.ceil(low)
    top = np.where(np.mod(high, 1) == 0, high - 1, np.floor(high))
    top[-1] = np.floor(high[-1])
    return low + 0.0, top + 0.0  # + 0.0: no "-0" from ceil(-0.5)


def _numeric_counts(
    survey: Survey,
    item: str,
    bins: int,
    edges: np.ndarray | None = None,
    whole: bool | None = None,
) -> tuple[pd.DataFrame, np.ndarray, bool]:
    x = _column(survey, item).to_numpy(dtype=float, na_value=np.nan)
    x = x[np.isfinite(x)]
    if whole is None:
        whole = _whole(survey, item, x)
    if edges is None:
        edges = _numeric_edges(survey, item, x, bins, whole)
    counts, _ = np.histogram(x, bins=edges)  # the last bin includes its upper end
    n = int(counts.sum())
    low, high = _shown_ranges(edges, whole)
    options = [
        _number(a) if a == b else f"{_number(a)}–{_number(b)}"
        for a, b in zip(low, high, strict=True)
    ]
    table = pd.DataFrame(
        {
            "item": item,
            "option": options,
            "code": pd.array(np.arange(1, len(counts) + 1), dtype="Int64"),
            "label": options,
            "count": counts.astype(np.int64),
            "n": n,
            "share": counts / n if n else np.nan,
            "is_not_an_answer": False,
            "bin_low": low,
            "bin_high": high,
        }
    )
    return table, edges, whole


def _reasons(survey: Survey, item: str) -> pd.Series:
    """Why each respondent has no valid answer (missing where they answered)."""
    if item in survey.missing:
        return survey.missing[item].astype("object")
    answered = _answered(survey, item)
    return pd.Series(np.where(answered, None, "blank"), index=survey.data.index, dtype="object")


def _answered(survey: Survey, item: str) -> np.ndarray:
    spec = survey.codebook.item(item)
    if spec.type == "multi":
        cols = [f"{item}__{o.code}" for o in spec.options if f"{item}__{o.code}" in survey.data]
        return survey.data[cols].fillna(False).to_numpy(dtype=bool).any(axis=1)
    return _column(survey, item).notna().to_numpy()


def answer_status(survey: Survey, items: Sequence[str] | None = None) -> pd.DataFrame:
    """Per question: how many answered, chose not-an-answer, skipped, were not asked, were rejected.

    The five counts add up to the analysed respondents (``n_respondents``).

    Parameters
    ----------
    survey
        The cleaned survey.
    items
        Item ids (default: every scale, choice and numeric item without a role, in
        codebook order).

    Returns
    -------
    DataFrame
        ``item``, ``type``, ``n_answered``, ``n_not_an_answer``, ``n_skipped``,
        ``n_not_asked``, ``n_invalid``, ``n_respondents``.

    Examples
    --------
    >>> from cmmc_analysis.examples import toy_survey
    >>> status = answer_status(toy_survey(), ["channels_up", "remote_share"])
    >>> status[["type", "n_answered", "n_not_an_answer", "n_skipped", "n_respondents"]]
          type  n_answered  n_not_an_answer  n_skipped  n_respondents
    0    multi           4                0          4              8
    1  numeric           5                0          3              8
    """
    cb = survey.codebook
    if items is None:
        items = question_items(cb)
    rows = []
    for item in items:
        spec = cb.item(item)
        if spec.type not in ANSWERABLE:
            raise SurveyDataError(
                f"parameter items: {item!r} is of type {spec.type!r}; expected one of {list(ANSWERABLE)}"
            )
        reasons = _reasons(survey, item)
        answered = reasons.isna().to_numpy() & _answered(survey, item)
        # a value without a recorded reason (an export without missing reasons) is blank
        reasons = reasons.where(~(reasons.isna() & ~answered), "blank")
        rows.append(
            {
                "item": item,
                "type": spec.type,
                "n_answered": int(answered.sum()),
                "n_not_an_answer": int((reasons == "not_an_answer").sum()),
                "n_skipped": int((reasons == "blank").sum()),
                "n_not_asked": int((reasons == "not_asked").sum()),
                "n_invalid": int((reasons == "invalid").sum()),
                "n_respondents": len(survey.data),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "item",
            "type",
            "n_answered",
            "n_not_an_answer",
            "n_skipped",
            "n_not_asked",
            "n_invalid",
            "n_respondents",
        ],
    )


def question_items(codebook) -> list[str]:
    """The questions :func:`answer_counts` covers: scale, choice and numeric items without a role.

    >>> from cmmc_analysis.codebook import load_codebook
    >>> len(question_items(load_codebook()))
    29
    """
    return [
        i.id
        for i in codebook.items.values()
        if i.type in ANSWERABLE and i.role is None and not i.pii
    ]


def responses_per_day(survey: Survey) -> pd.DataFrame:
    """Analysed responses per calendar day (of the submission time), and the running total.

    Uses the item with role ``submitted_at`` (else ``started_at``); a survey with
    neither, or with no valid time, gives an empty table. Days without a response
    between the first and the last are included with 0.

    Returns
    -------
    DataFrame
        ``date`` (``datetime64``, midnight of the day), ``count``, ``cumulative``.

    Examples
    --------
    >>> import pandas as pd
    >>> from dataclasses import replace
    >>> from cmmc_analysis.examples import toy_survey
    >>> s = toy_survey()
    >>> when = pd.to_datetime(["2020-03-09 10:00", "2020-03-09 18:00", "2020-03-11 08:00"] + [None] * 5)
    >>> s = replace(s, data=s.data.assign(submitted_at=when))
    >>> responses_per_day(s)
            date  count  cumulative
    0 2020-03-09      2           2
    1 2020-03-10      0           2
    2 2020-03-11      1           3
    """
    cb = survey.codebook
    col = next(
        (c for c in (cb.role("submitted_at"), cb.role("started_at")) if c and c in survey.data),
        None,
    )
    empty = pd.DataFrame(
        {"date": pd.Series([], dtype="datetime64[ns]"), "count": [], "cumulative": []}
    )
    if col is None:
        return empty.astype({"count": np.int64, "cumulative": np.int64})
    when = pd.to_datetime(survey.data[col], errors="coerce").dropna()
    if when.empty:
        return empty.astype({"count": np.int64, "cumulative": np.int64})
    days = when.dt.normalize()
    counts = days.value_counts().sort_index()
    full = pd.date_range(counts.index.min(), counts.index.max(), freq="D")
    counts = counts.reindex(full, fill_value=0).astype(np.int64)
    return pd.DataFrame(
        {"date": full, "count": counts.to_numpy(), "cumulative": counts.cumsum().to_numpy()}
    )


def cut_summary(
    survey: Survey, earlier: Survey, items: Sequence[str] | None = None
) -> pd.DataFrame:
    """One number per question at an earlier cut and at the close, to see what changed.

    A scale question: its top-2 share (:func:`~cmmc_analysis.describe.likert.likert_summary`);
    a single- or multiple-choice question: the share of its most chosen option at the
    close (:func:`answer_counts`); a numeric question: its median
    (:func:`~cmmc_analysis.describe.numeric.numeric_summary`). Each with its base.

    Parameters
    ----------
    survey, earlier
        The survey and an earlier cut of it (``survey.cut("interim")``).
    items
        Question ids (default: :func:`question_items` but the segments, whose small
        cells a second cut could single out).

    Returns
    -------
    DataFrame
        ``item``, ``statistic`` (``"top2"``, ``"share"``, ``"median"``), ``option``
        (the option counted, for ``"share"``), ``estimate``, ``n``,
        ``estimate_earlier``, ``n_earlier``.

    Examples
    --------
    >>> from cmmc_analysis.examples import toy_survey
    >>> s = toy_survey()
    >>> t = cut_summary(s, s, ["tech_cloud", "remote_adopted", "remote_share"])  # twice the same
    >>> t[["item", "statistic", "option", "n", "n_earlier"]]
                 item statistic option  n  n_earlier
    0      tech_cloud      top2    NaN  7          7
    1  remote_adopted     share     Sì  7          7
    2    remote_share    median    NaN  5          5
    >>> t["estimate"].round(3).tolist()
    [0.714, 0.571, 70.0]
    """
    from .likert import likert_summary
    from .numeric import numeric_summary

    cb = survey.codebook
    if items is None:
        items = [i for i in question_items(cb) if not cb.items[i].segment]
    rows = []
    for item in items:
        kind = cb.item(item).type
        row: dict = {"item": item, "option": None}
        if kind == "scale":
            now, then = (likert_summary(s, [item]).iloc[0] for s in (survey, earlier))
            row.update(statistic="top2", estimate=now["top2"], n=now["n"])
            row.update(estimate_earlier=then["top2"], n_earlier=then["n"])
        elif kind in ("single", "multi"):
            table = answer_counts(survey, item, earlier=earlier)
            valid = table.loc[~table["is_not_an_answer"]]
            if not len(valid) or not valid["share"].notna().any():
                continue
            top = valid.loc[valid["share"].idxmax()]
            row.update(statistic="share", option=top["option"], estimate=top["share"], n=top["n"])
            row.update(estimate_earlier=top["share_earlier"], n_earlier=top["n_earlier"])
        else:
            now, then = (numeric_summary(s, item).iloc[0] for s in (survey, earlier))
            row.update(statistic="median", estimate=now["median"], n=now["n"])
            row.update(estimate_earlier=then["median"], n_earlier=then["n"])
        rows.append(row)
    columns = ["item", "statistic", "option", "estimate", "n", "estimate_earlier", "n_earlier"]
    return pd.DataFrame(rows, columns=columns)
