"""Question by question, as a reader sees it: the answers table and who answered.

:func:`answers_table` turns :func:`cmmc_analysis.describe.answer_counts` (labels in
the page's language, small cells already blanked where the page blanks them) into a
table "Answer | Count | %" (and the interim's %, when given), options in the
questionnaire's order and not-an-answer last; :func:`status_text` writes one line with
how many answered, skipped, were not asked; :func:`grid_block` and :func:`question_block` what page 05 shows of a grid and of a question.

Examples
--------
>>> import pandas as pd
>>> tab = pd.DataFrame({"item": ["q"] * 3, "label": ["No", "Yes", "Don't know"],
...     "count": [3.0, 17.0, 2.0], "n": [20, 20, 22], "share": [0.15, 0.85, 2 / 22],
...     "is_not_an_answer": [False, False, True]})
>>> answers_table(tab, lang="en").data.values.tolist()
[['No', '3', '15.0%'], ['Yes', '17', '85.0%'], ["Don't know", '2', '9.1%']]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from .findings import plain_number
from .i18n import check_lang, t
from .numbers import MISSING, fmt_int, fmt_number, fmt_share, is_missing
from .tables import _styled

__all__ = [
    "SUPPRESS_BY",
    "answers_table",
    "status_text",
    "numeric_labels",
    "timeline_text",
    "grid_block",
    "question_block",
    "interim_final_table",
]

#: The groups of :func:`cmmc_analysis.privacy.suppress_small_cells` for an answers
#: table: the options of a question together, not-an-answer on its own (page 01's
#: profile and page 05 make the same call, so the same cells are blank).
SUPPRESS_BY = ("item", "is_not_an_answer")


def numeric_labels(table: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """A copy whose ``label`` shows each numeric bin as "low–high" in the page's numbers.

    >>> tab = pd.DataFrame({"label": ["0–2.5", "9"], "bin_low": [0.0, 9.0], "bin_high": [2.5, 9.0]})
    >>> numeric_labels(tab, lang="it")["label"].tolist()
    ['0–2,5', '9']
    """
    out = table.copy()
    if {"bin_low", "bin_high"} <= set(out.columns):
        out["label"] = [
            plain_number(a, lang=lang)
            if a == b
            else f"{plain_number(a, lang=lang)}–{plain_number(b, lang=lang)}"
            for a, b in zip(out["bin_low"], out["bin_high"], strict=True)
        ]
    return out


def answers_table(
    counts: pd.DataFrame, *, lang: str, earlier: str | None = None
) -> pd.io.formats.style.Styler:
    """The answers of one question: option, count and share, not-an-answer last.

    Parameters
    ----------
    counts
        :func:`cmmc_analysis.describe.answer_counts` with ``label`` in the page's
        language (:func:`cmmc_analysis.display.with_labels`); blanked cells show "–".
    lang
        ``"it"`` or ``"en"``.
    earlier
        When given (the interim's date in words), the column of the earlier cut's share
        (``share_earlier``) is added under this heading.
    """
    check_lang(lang)
    table = numeric_labels(counts, lang=lang)
    if "is_not_an_answer" in table:
        na = table["is_not_an_answer"].fillna(False).astype(bool)
        table = pd.concat([table.loc[~na], table.loc[na]])

    def share(x: Any) -> str:
        return MISSING if is_missing(x) else fmt_share(x, lang=lang)

    shown = {
        t("answers.option", lang): table["label"].astype(str),
        t("answers.count", lang): table["count"].map(
            lambda x: MISSING if is_missing(x) else fmt_int(x, lang=lang)
        ),
        t("answers.share", lang): table["share"].map(share),
    }
    if earlier is not None and "share_earlier" in table:
        shown[t("answers.share_earlier", lang, when=earlier)] = table["share_earlier"].map(share)
    return _styled(pd.DataFrame(shown).reset_index(drop=True))


def status_text(status: Mapping[str, Any], *, lang: str) -> str:
    """One line: how many answered and skipped; not-an-answer, not asked, rejected when any.

    >>> status_text({"n_answered": 228, "n_not_an_answer": 3, "n_skipped": 4,
    ...              "n_not_asked": 0, "n_invalid": 0, "n_respondents": 235}, lang="en")
    'Answered: 228 of 235 · don’t know or no answer: 3 · skipped: 4'
    """
    check_lang(lang)
    parts = [
        t(
            "answers.answered",
            lang,
            n=fmt_int(status["n_answered"], lang=lang),
            total=fmt_int(status["n_respondents"], lang=lang),
        )
    ]
    for key in ("n_not_an_answer", "n_skipped", "n_not_asked", "n_invalid"):
        value = status.get(key, 0)
        if key == "n_skipped" or (not is_missing(value) and value > 0):
            parts.append(t(f"answers.{key[2:]}", lang, n=fmt_int(value, lang=lang)))
    return " · ".join(parts)


def timeline_text(cutoff: Any, *, lang: str) -> str:
    """The sentence under the response timeline, with the cut-off's date and time in words.

    >>> timeline_text(pd.Timestamp("2020-03-18 09:00"), lang="it").split(": ")[-1]
    'i questionari arrivati prima delle 09:00 del 18 marzo 2020.'
    >>> timeline_text(None, lang="en")
    'Each bar counts the questionnaires received on one day; the line gives the total up to that day.'
    """
    from babel.dates import format_date, format_time

    check_lang(lang)
    text = t("nb01.timeline_text", lang)
    if cutoff is None or is_missing(cutoff):
        return text
    stamp = pd.Timestamp(cutoff)
    locale = {"en": "en_GB"}.get(lang, lang)
    when = {
        "date": format_date(stamp.date(), format="long", locale=locale),
        "time": format_time(stamp.time(), format="short", locale=locale),
    }
    return text + " " + t("nb01.timeline_cutoff_text", lang, **when)


def grid_block(grid: str, distribution: pd.DataFrame, *, codebook: Any, lang: str) -> list[Any]:
    """A grid's heading and its chart (every row of the grid, diverging or stacked by polarity).

    ``distribution``: :func:`cmmc_analysis.describe.distribution` of the grid's items,
    labels in ``lang``.
    """
    from . import plots

    check_lang(lang)
    from IPython.display import Markdown

    items = codebook.grid_items(grid)
    title = codebook.grids[grid].text.text(lang)
    labels = {item: codebook.text(item, lang) for item in items}
    polarity = codebook.scale_of(items[0]).polarity
    fig = plots.diverging_bars(
        distribution, lang=lang, title=title, items=items, item_labels=labels, polarity=polarity
    )
    return [Markdown(f"## {title}"), plots.embed(fig)]


def question_block(
    item: str,
    counts: pd.DataFrame,
    status: Mapping[str, Any],
    *,
    codebook: Any,
    lang: str,
    when: str | None = None,
) -> list[Any]:
    """One question as page 05 shows it: heading, who answered, chart, answers table.

    A row of a grid gets a level-3 heading (its grid's chart is above it, from
    :func:`grid_block`) and no chart of its own; a scale question gets a one-row
    diverging (bipolar) or stacked (unipolar) bar; choice and numeric questions
    horizontal bars per option (:func:`~cmmc_analysis.display.plots.option_bars`).

    Parameters
    ----------
    item
        The question's id.
    counts
        :func:`cmmc_analysis.describe.answer_counts` of it, labels in ``lang``
        (:func:`cmmc_analysis.display.with_labels`), small cells blanked where the page
        blanks them.
    status
        Its row of :func:`cmmc_analysis.describe.answer_status`.
    codebook, lang
        The codebook; ``"it"`` or ``"en"``.
    when
        The interim's date in words: the table shows the interim's share beside.
    """
    from IPython.display import Markdown

    from . import plots

    check_lang(lang)
    spec = codebook.item(item)
    title = codebook.text(item, lang)
    blocks: list[Any] = [
        Markdown(f"{'###' if spec.grid else '##'} {title}\n\n{status_text(status, lang=lang)}")
    ]
    if spec.type == "scale" and not spec.grid:
        # the heading above names the question: a short title, the question in the alt text
        label, polarity = {item: t("answers.all", lang)}, codebook.scale_of(item).polarity
        chart = t("answers.chart", lang)
        fig = plots.diverging_bars(
            counts, lang=lang, title=chart, item_labels=label, polarity=polarity
        )
        blocks.append(plots.embed(fig, alt=f"{title} — {fig.axes[0].get_title(loc='left')}"))
    elif spec.type != "scale":
        blocks.append(
            plots.embed(plots.option_bars([(title, numeric_labels(counts, lang=lang))], lang=lang))
        )
    blocks.append(answers_table(counts, lang=lang, earlier=when))
    return blocks


def interim_final_table(table: pd.DataFrame, *, codebook: Any, lang: str) -> pd.DataFrame:
    """Every question at the interim and at the close, one row each, with what is counted.

    ``table``: :func:`cmmc_analysis.describe.cut_summary`. A scale question shows the
    share choosing its top-2 points (named), a choice question the share of its most
    chosen option (named), a numeric question its median; the difference is in
    percentage points for shares (and medians of percentages), in the question's unit
    for other medians.

    >>> from cmmc_analysis.codebook import load_codebook
    >>> tab = pd.DataFrame({"item": ["tech_cloud", "remote_share"], "statistic": ["top2", "median"],
    ...     "option": [None, None], "estimate": [0.66, 85.0], "n": [232, 175],
    ...     "estimate_earlier": [0.70, 80.0], "n_earlier": [105, 82]})
    >>> rows = interim_final_table(tab, codebook=load_codebook(), lang="en").values.tolist()
    >>> rows[0][1:], rows[1][1:]
    (['Agree or Strongly agree', '70% (105)', '66% (232)', '−4.0 points'], ['median', '80% (82)', '85% (175)', '+5.0 points'])
    """
    from ..describe.counts import top2_codes
    from .findings import plain_number

    check_lang(lang)
    rows = []
    for r in table.to_dict("records"):
        item, stat = r["item"], r["statistic"]
        unit = "%" if stat != "median" else getattr(codebook.item(item), "unit", None)
        if stat == "top2":
            labels = codebook.scale_of(item).labels(lang)
            counted = t("interim_final.or", lang).join(
                labels[c - 1] for c in top2_codes(codebook.scale_of(item))
            )
        elif stat == "share":
            counted = codebook.translate(item, r["option"], lang)
        else:
            counted = t("interim_final.median", lang)

        change = r["estimate"] - r["estimate_earlier"]
        if is_missing(change):
            diff = MISSING
        elif stat == "median" and unit != "%":  # a median of percentages moves in points
            diff = ("+" if change > 0 else "") + plain_number(change, lang=lang, unit=unit)
        else:
            points = fmt_number(change if stat == "median" else 100 * change, lang=lang, digits=1)
            diff = ("+" if change > 0 else "") + t("interim_final.points", lang, value=points)
        rows.append(
            {
                "question": codebook.text(item, lang),
                "counted": counted,
                "interim": _cut_value(r["estimate_earlier"], r["n_earlier"], stat, unit, lang),
                "final": _cut_value(r["estimate"], r["n"], stat, unit, lang),
                "change": diff.replace("-", "−"),
            }
        )
    out = pd.DataFrame(rows, columns=["question", "counted", "interim", "final", "change"])
    return out.rename(columns=lambda c: t(f"interim_final.{c}_all", lang))


def _cut_value(x: Any, n: Any, stat: str, unit: str | None, lang: str) -> str:
    """A share ("66 %") or a median in its unit, with its base: "66 % (232)"."""
    from .findings import plain_number

    if is_missing(x):
        return MISSING
    if stat == "median":
        return f"{plain_number(x, lang=lang, unit=unit)} ({fmt_int(n, lang=lang)})"
    return f"{fmt_share(x, lang=lang, digits=0)} ({fmt_int(n, lang=lang)})"
