"""A heatmap of one statistic (top-2 by default) for items x groups of a segment."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..i18n import check_lang
from ..numbers import fmt_int, fmt_share
from .style import _require, _wrap, theme

__all__ = ["segment_heatmap"]


def segment_heatmap(
    summary_by_segment: pd.DataFrame,
    *,
    lang: str,
    title: str,
    value: str = "top2",
    item_labels: Mapping[str, str] | None = None,
    group_labels: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """A heatmap of one statistic by item (rows) and segment group (columns).

    Parameters
    ----------
    summary_by_segment
        A summary with ``item``, ``segment``, ``group``, ``n`` and ``value`` columns
        (e.g. :func:`cmmc_analysis.describe.likert.likert_summary` by a segment). Rows whose
        ``value`` is missing (suppressed small cells) show blank.
    lang, title
        Report language; the figure title (" (n = ...)" is appended: the total n).
    value
        The column to show, as a percentage (a share such as ``top2``).
    item_labels
        Texts for the item ids (default: the ids).
    group_labels
        Texts for the groups, e.g. the segment's options in the report's language
        (default: the canonical labels).
    ax
        Axes to draw on.

    Returns
    -------
    matplotlib.figure.Figure
        One annotated cell per item and group; column labels carry each group's n.

    Examples
    --------
    >>> tab = pd.DataFrame({"item": ["q1", "q1", "q2", "q2"], "segment": "size",
    ...     "group": ["small", "large"] * 2, "n": [40, 60, 40, 60], "top2": [0.5, 0.7, 0.3, 0.4]})
    >>> fig = segment_heatmap(tab, lang="it", title="Top-2")
    >>> [x.get_text() for x in fig.axes[0].get_xticklabels()]
    ['small\\n(n = 40)', 'large\\n(n = 60)']
    >>> sorted(x.get_text() for x in fig.axes[0].texts)
    ['30,0 %', '40,0 %', '50,0 %', '70,0 %']
    """
    import seaborn as sns

    check_lang(lang)
    _require(summary_by_segment, ["item", "group", "n", value], "segment_heatmap")
    df = summary_by_segment
    col = df["group"].astype(str)
    if group_labels:
        col = col.map(lambda g: group_labels.get(g, g))
    if "segment" in df and df["segment"].nunique() > 1:
        col = df["segment"].astype(str) + ": " + col
    df = df.assign(_col=col, _item=df["item"].astype(str))
    cols = list(dict.fromkeys(df["_col"]))
    rows = list(dict.fromkeys(df["_item"]))
    grid = df.pivot_table(
        index="_item", columns="_col", values=value, aggfunc="first", dropna=False
    ).reindex(index=rows, columns=cols)
    n_group = df.groupby("_col")["n"].max().reindex(cols)
    annot = grid.map(lambda x: fmt_share(x, lang=lang) if pd.notna(x) else "")
    row_labels = [_wrap((item_labels or {}).get(r, r), 40) for r in rows]
    lines = max((label.count("\n") + 1 for label in row_labels), default=1)
    row_height = max(0.5, lines * 9 * 1.2 / 72 + 0.14)  # a row holds its longest label
    with theme({"axes.grid": False}):
        if ax is None:
            fig = Figure(
                figsize=(min(2.0 + 1.3 * len(cols), 12), row_height * len(rows) + 2.2),
                layout="constrained",
            )
            ax = fig.add_subplot()
        sns.heatmap(
            grid.astype(float),
            ax=ax,
            annot=annot.to_numpy(),
            fmt="",
            cmap="cividis",
            vmin=0,
            vmax=1,
            cbar_kws={"format": FuncFormatter(lambda x, _: fmt_share(x, lang=lang, digits=0))},
            linewidths=0.5,
            linecolor="white",
        )
        ax.set_xticks(
            np.arange(len(cols)) + 0.5,
            labels=[f"{c}\n(n = {fmt_int(n_group[c], lang=lang)})" for c in cols],
            rotation=0,
        )
        ax.set_yticks(
            np.arange(len(rows)) + 0.5,
            labels=row_labels,
            rotation=0,
        )
        ax.set_xlabel("")
        ax.set_ylabel("")
        total = df.groupby("_col")["n"].max().sum()
        ax.set_title(f"{title} (n = {fmt_int(total, lang=lang)})", loc="left")
    return ax.figure
