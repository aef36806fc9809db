"""Horizontal bars of the answers to choice questions, and the response timeline.

:func:`option_bars` draws one panel per question (the sample profile: one per segment;
a single question on the question-by-question page): a bar per answer option in the
order of the table (the questionnaire's, never re-sorted by count), the share and
count printed beside it, a suppressed cell drawn as no bar and "–". Each row is as tall
as its wrapped label, so labels never overlap. :func:`response_timeline` draws the
responses per day with the running total and the interim cut-off marked.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..i18n import check_lang, t
from ..numbers import MISSING, fmt_int, fmt_share, is_missing
from .style import NA_COLOUR, _n_text, _require, _wrap, sequential_palette, theme

__all__ = ["option_bars", "response_timeline"]

#: Inches per line of a wrapped label, and the bar's thickness (inches).
_LINE, _BAR = 0.17, 0.2


def option_bars(
    panels: Sequence[tuple[str, pd.DataFrame]],
    *,
    lang: str,
    title: str | None = None,
    width: float = 7.5,
) -> Figure:
    """One panel per question: a horizontal bar per answer option, in the table's order.

    Parameters
    ----------
    panels
        ``(panel title, table)`` pairs; each table has ``label``, ``count``, ``n`` and
        ``share`` (as :func:`cmmc_analysis.describe.answer_counts` gives, with labels in
        the page's language), and optionally ``is_not_an_answer`` (drawn grey). A
        missing ``share`` (a cell :func:`cmmc_analysis.privacy.suppress_small_cells`
        blanked) is drawn as no bar and "–", as the table shows it.
    lang
        ``"it"`` or ``"en"``.
    title
        The figure's title, " (n = ...)" appended (default: none; each panel is titled).
    width
        Figure width in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One Axes per panel, ``len(patches)`` = the drawn bars.

    Examples
    --------
    >>> tab = pd.DataFrame({"label": ["Small", "Large"], "count": [12, None],
    ...                     "n": [20, 20], "share": [0.6, None]})
    >>> fig = option_bars([("Size", tab)], lang="en")
    >>> ax = fig.axes[0]
    >>> len(ax.patches), [x.get_text() for x in ax.texts]
    (1, ['60% (12)', '–'])
    >>> ax.get_title(loc="left")
    'Size (n = 20)'
    >>> option_bars([("Size", tab)], lang="en", title="Who answered")._suptitle.get_text()
    'Who answered (n = 20)'
    """
    check_lang(lang)
    if not panels:
        raise ValueError("option_bars: no panel to draw")
    for _, table in panels:
        _require(table, ["label", "count", "n", "share"], "option_bars")
    wrapped = [[_wrap(str(x), 34) for x in table["label"]] for _, table in panels]
    heights = [
        sum(max(0.32, _LINE * (lab.count("\n") + 1) + 0.12) for lab in labels) + 0.45
        for labels in wrapped
    ]
    colour = sequential_palette(5)[3]
    # one scale for every panel, so that bars of different questions compare
    tops = [pd.to_numeric(tab["share"], errors="coerce").max() for _, tab in panels]
    top = float(np.nanmax([x for x in tops if pd.notna(x)], initial=0.0))
    right = min(1.0, max(top, 0.05) * 1.3)
    with theme():
        fig = Figure(figsize=(width, sum(heights) + (0.5 if title else 0.1)), layout="constrained")
        axes = fig.subplots(len(panels), 1, height_ratios=heights, squeeze=False)[:, 0]
        for ax, (name, table), labels in zip(axes, panels, wrapped, strict=True):
            rows = max(1, len(table))
            steps = [max(0.32, _LINE * (lab.count("\n") + 1) + 0.12) for lab in labels]
            y = np.cumsum([0.0, *steps[:-1]]) + np.array(steps) / 2 if steps else np.zeros(0)
            share = pd.to_numeric(table["share"], errors="coerce").to_numpy(dtype=float)
            na = (
                table["is_not_an_answer"].fillna(False).astype(bool).to_numpy()
                if "is_not_an_answer" in table
                else np.zeros(len(table), dtype=bool)
            )
            for i, (s, c) in enumerate(zip(share, table["count"], strict=True)):
                if np.isfinite(s):
                    ax.barh(y[i], s, height=_BAR, color=NA_COLOUR if na[i] else colour)
                    text = f"{fmt_share(s, lang=lang, digits=0)} ({fmt_int(c, lang=lang)})"
                else:
                    text = MISSING
                ax.text(
                    (s if np.isfinite(s) else 0) + max(top, 0.05) * 0.02,
                    y[i],
                    text,
                    va="center",
                    fontsize=8,
                )
            ax.set_yticks(y, labels=labels)
            ax.set_ylim(sum(steps) if steps else rows, 0)
            ax.set_xlim(0, right)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
            ax.xaxis.set_major_formatter(
                FuncFormatter(lambda x, _: fmt_share(x, lang=lang, digits=0))
            )
            n = [v for v in pd.to_numeric(table["n"], errors="coerce")[~na] if not is_missing(v)]
            ax.set_title(
                t("fig.diverging", lang, title=_wrap(name, 70), n=_n_text(n, lang)),
                loc="left",
                fontsize=10,
            )
        axes[-1].set_xlabel(t("fig.share_axis", lang))
        if title:  # with the n of every panel, as each panel's title has its own
            every = [v for _, tab in panels for v in pd.to_numeric(tab["n"], errors="coerce")]
            fig.suptitle(
                t("fig.diverging", lang, title=title, n=_n_text(every, lang)),
                fontweight="bold",
                x=0.01,
                ha="left",
            )
    return fig


def response_timeline(
    per_day: pd.DataFrame,
    *,
    lang: str,
    title: str,
    cutoff: pd.Timestamp | None = None,
    cutoff_label: str | None = None,
) -> Figure:
    """Responses per day (bars) and their running total (line), the cut-off marked.

    Parameters
    ----------
    per_day
        :func:`cmmc_analysis.describe.responses_per_day`: ``date``, ``count``,
        ``cumulative``.
    lang
        ``"it"`` or ``"en"`` (dates in words through Babel, numbers as the page's).
    title
        The figure's title; " (n = total)" is appended.
    cutoff, cutoff_label
        The interim cut-off, drawn as a dashed vertical line with its label.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[0]`` the daily bars (one patch per day), ``fig.axes[1]`` the total.

    Examples
    --------
    >>> days = pd.DataFrame({"date": pd.date_range("2020-03-09", periods=3),
    ...                      "count": [5, 0, 7], "cumulative": [5, 5, 12]})
    >>> fig = response_timeline(days, lang="en", title="Responses",
    ...     cutoff=pd.Timestamp("2020-03-10 09:00"), cutoff_label="interim")
    >>> len(fig.axes[0].patches), fig.axes[0].get_title(loc="left")
    (3, 'Responses (n = 12)')
    """
    import matplotlib.dates as mdates
    from babel.dates import format_date

    check_lang(lang)
    _require(per_day, ["date", "count", "cumulative"], "response_timeline")
    dates = pd.to_datetime(per_day["date"])
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    locale = {"en": "en_GB"}.get(lang, lang)
    total = int(per_day["cumulative"].iloc[-1]) if len(per_day) else 0
    with theme():
        fig = Figure(figsize=(8, 3.6), layout="constrained")
        ax = fig.subplots()
        # each bar spans its day (a cut-off at 9:00 falls inside its day's bar)
        ax.bar(dates, per_day["count"], width=0.9, align="edge", color=sequential_palette(5)[2])
        ax.set_ylabel(t("fig.per_day", lang))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_int(v, lang=lang)))
        run = ax.twinx()
        ends = [dates.iloc[0], *(dates + pd.Timedelta(days=1))] if len(dates) else []
        run.plot(ends, [0, *per_day["cumulative"]], color="#2b2b2b", linewidth=1.6)
        run.set_ylim(0, max(total, 1) * 1.08)
        run.set_ylabel(t("fig.cumulative", lang))
        run.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_int(v, lang=lang)))
        run.grid(False)
        run.spines["right"].set_visible(True)
        if cutoff is not None and not pd.isna(cutoff):
            stamp = pd.Timestamp(cutoff)
            stamp = stamp.tz_localize(None) if stamp.tzinfo is not None else stamp
            ax.axvline(stamp, color="#b2182b", linestyle="--", linewidth=1.2, zorder=3)
            if cutoff_label:
                ax.text(
                    stamp,
                    1.0,
                    " " + cutoff_label,
                    transform=ax.get_xaxis_transform(),
                    color="#b2182b",
                    fontsize=8,
                    va="top",
                    ha="left",
                )
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(
            FuncFormatter(
                lambda v, _: format_date(mdates.num2date(v).date(), "d MMM", locale=locale)
            )
        )
        ax.set_title(f"{title} (n = {fmt_int(total, lang=lang)})", loc="left")
    return fig
