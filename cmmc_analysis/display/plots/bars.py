"""Diverging stacked bars of a Likert battery, centred on the neutral point.

One row per item (or item x group), sorted by agreement (the top-2 share) unless asked
otherwise; scale points stacked low to high with the neutral point split half on each
side of zero (a unipolar scale from zero); not-an-answer in a separate panel; the
legend below the bars, in the scale's order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import ScaledTranslation

from ...describe.counts import top2_codes
from ...errors import ReportError
from ..i18n import check_lang, t
from ..numbers import fmt_int, fmt_share
from .style import (
    NA_COLOUR,
    _n_text,
    _require,
    _wrap,
    diverging_palette,
    sequential_palette,
    theme,
)

__all__ = ["diverging_bars", "SORTS", "legend_order"]

#: The row orders of :func:`diverging_bars`: by agreement (top-2 share, highest first)
#: or as given (``items``, else the table's order, which is the codebook's).
SORTS = ("agreement", "given")

#: Height of one line of a tick label, in inches (9 pt type, 1.2 line spacing).
_LINE = 9 * 1.2 / 72


def diverging_bars(
    distribution: pd.DataFrame,
    *,
    lang: str,
    title: str,
    items: Sequence[str] | None = None,
    item_labels: Mapping[str, str] | None = None,
    ax: Axes | None = None,
    polarity: str = "bipolar",
    sort: str | None = "agreement",
    scale: object = None,
) -> Figure:
    """Diverging stacked bars centred on neutral, with not-an-answer in a side panel.

    Each row is an item (or item and group); the scale points are stacked from the
    lowest (left) to the highest (right) so that the middle of the neutral point sits at
    zero (half of it on each side). Shares are of valid answers; the side panel shows
    the not-an-answer share of all answers given (valid + not-an-answer). Every point of
    the scale gets a bar and a legend entry, even when nobody chose it. A unipolar
    scale (an amount or a frequency, from "none" up) is drawn as 0-100 % stacked bars
    from zero with a sequential palette instead. Each share of at least 8 % is printed
    on its bar.

    Parameters
    ----------
    distribution
        The long table of :func:`cmmc_analysis.describe.likert.distribution`: ``item``,
        [``group``], ``code``, ``label``, ``count``, ``n``, ``share``,
        ``is_not_an_answer``.
    lang
        Report language (``"it"`` or ``"en"``) for numbers and texts.
    title
        Figure title; " (n = ...)" is appended (the range of n over the items).
    items
        The items to draw (default: all, as they first appear); their order when
        ``sort`` is ``"given"`` (or None), and the order of ties otherwise.
    item_labels
        Text shown for each item (default: the item id); " (n = ...)" is appended.
    ax
        Axes to draw on; the not-an-answer panel is then inset to its right
        (``ax.child_axes[0]``).
    polarity
        ``"bipolar"`` (diverging around the middle) or ``"unipolar"`` (from zero); the
        codebook's ``Scale.polarity``.
    sort
        ``"agreement"`` (default): items by their top-2 share, highest on top (with
        groups, by the item's share over all its groups; groups keep their order);
        ``"given"`` or None: as ``items`` (the scale's, i.e. the codebook's, order).
    scale
        The codebook's scale, for its own top-2 codes (default: the top-2 codes of a
        k-point scale, :func:`cmmc_analysis.describe.counts.top2_codes`).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[0]`` holds k bars per row (``len(patches) == rows * k``), the
        not-an-answer panel ``fig.axes[1]`` one bar per row.
    """
    check_lang(lang)
    _require(
        distribution,
        ["item", "code", "label", "count", "n", "share", "is_not_an_answer"],
        "diverging_bars",
    )
    dist = distribution.copy()
    has_group = "group" in dist and dist["group"].notna().any()
    dist["_row"] = dist["item"].astype(str)
    if has_group:
        dist["_row"] = dist["_row"] + "\x1f" + dist["group"].astype(str)
    if sort not in (*SORTS, None):
        raise ReportError(f"diverging_bars: sort {sort!r}; expected one of {list(SORTS)} or None")
    order = list(items) if items is not None else list(dict.fromkeys(dist["item"].astype(str)))
    if sort == "agreement":
        order = _by_agreement(dist, order, scale)
    position = dist["item"].astype(str).map({item: p for p, item in enumerate(order)})
    drawn = dist.loc[position.notna(), "_row"]
    rows = list(dict.fromkeys(drawn.iloc[np.argsort(position.dropna().to_numpy(), kind="stable")]))
    if not rows:
        raise ReportError(f"diverging_bars: no rows to draw for items {order}")
    na_mask = dist["is_not_an_answer"].astype(bool).to_numpy()
    valid, na = dist.loc[~na_mask], dist.loc[na_mask]
    shares = (
        valid.pivot_table(index="_row", columns="code", values="share", aggfunc="sum")
        .reindex(rows)
        .fillna(0.0)
    )
    codes = sorted(shares.columns)
    k = len(codes)
    level_labels = valid.drop_duplicates("code").set_index("code")["label"].reindex(codes)
    n_valid = valid.groupby("_row")["n"].max().reindex(rows)
    n_na = (
        na.groupby("_row")["count"].sum().reindex(rows).fillna(0.0)
        if len(na)
        else pd.Series(0.0, index=rows)
    )
    na_share = (n_na / (n_valid.fillna(0) + n_na)).fillna(0.0)

    if polarity not in ("bipolar", "unipolar"):
        raise ReportError(f"diverging_bars: polarity {polarity!r}; expected bipolar or unipolar")
    unipolar = polarity == "unipolar"
    values = shares[codes].to_numpy(dtype=float)
    mid = (k - 1) / 2
    below = values[:, : int(np.floor(mid))].sum(axis=1)
    left0 = -(below + (values[:, int(mid)] / 2 if k % 2 else 0.0))
    if unipolar:
        left0 = np.zeros(len(rows))
    starts = left0[:, None] + np.concatenate(
        [np.zeros((len(rows), 1)), np.cumsum(values, axis=1)[:, :-1]], axis=1
    )

    labels = []
    for r in rows:
        item, _, group = r.partition("\x1f")
        text = (item_labels or {}).get(item, item)
        text = f"{text} – {group}" if group else text
        n_text = t("fig.n_label", lang, n=fmt_int(n_valid[r], lang=lang)).replace(" ", "\u00a0")
        labels.append(_wrap(f"{text} ({n_text})"))
    lines = max(label.count("\n") + 1 for label in labels)
    row_height = max(0.42, lines * _LINE + 0.14)  # a row holds its longest label

    colours = sequential_palette(k) if unipolar else diverging_palette(k)
    y = np.arange(len(rows))
    with theme():
        own = ax is None
        if own:  # fixed margins, set from the texts' sizes (_set_margins): constrained
            # layout measures every tick label at each save, half of the rendering time
            fig = Figure(figsize=(9.5, row_height * len(rows) + 2.0))
            ax, side = fig.subplots(1, 2, width_ratios=(7, 1))
            side.yaxis.set_visible(False)  # same rows as ax (limits below), no ticks
        else:
            side = ax.inset_axes((1.03, 0, 0.12, 1), sharey=ax)
        # Rectangles added as barh would draw them (level by level, row by row), without
        # barh's update of the data limits patch by patch: the limits are set here.
        handles = []
        for j, code in enumerate(codes):
            style = {"facecolor": colours[j], "edgecolor": "white", "linewidth": 0.5}
            for i in range(len(rows)):
                ax.add_artist(Rectangle((starts[i, j], y[i] - 0.35), values[i, j], 0.7, **style))
            handles.append(Rectangle((0, 0), 1, 1, label=str(level_labels[code]), **style))
            dark = sum(colours[j][:3]) < 1.5
            for i in range(len(rows)):
                if values[i, j] >= 0.08:
                    ax.text(
                        starts[i, j] + values[i, j] / 2,
                        y[i],
                        fmt_share(values[i, j], lang=lang, digits=0),
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if dark else "#222222",
                    )
        ax.axvline(0, color="#555555", linewidth=0.8)
        ax.set_yticks(y, labels=labels)
        ax.set_ylim(len(rows) - 0.5, -0.5)  # first row on top
        extent = float(np.nanmax(np.abs(np.r_[starts[:, 0], starts[:, -1] + values[:, -1]])))
        lim = min(1.0, max(0.5, np.ceil(extent * 1.05 / 0.25) * 0.25))
        if unipolar:
            ax.set_xlim(0, 1)
            ax.set_xticks(np.arange(0, 1.01, 0.25))
        else:
            ax.set_xlim(-lim, lim)
            step = 0.25 if lim <= 0.5 else 0.5  # few tick labels: text is costly to render
            ax.set_xticks(np.arange(-np.floor(lim / step), np.floor(lim / step) + 1) * step)
        ax.xaxis.set_major_formatter(
            FuncFormatter(lambda x, _: fmt_share(abs(x), lang=lang, digits=0))
        )
        ax.set_xlabel(t("fig.share_axis", lang))
        ax.set_title(  # y given: no search for overlapping artists at each draw
            t("fig.diverging", lang, title=title, n=_n_text(n_valid.tolist(), lang)),
            loc="left",
            y=1.0,
        )
        na_values = na_share.to_numpy(dtype=float)
        for i, v in enumerate(na_values):
            side.add_artist(Rectangle((0, y[i] - 0.35), v, 0.7, facecolor=NA_COLOUR))
        # the shares as plain texts 2 points right of the bars (as bar_label places them)
        right = side.transData + ScaledTranslation(2 / 72, 0, ax.figure.dpi_scale_trans)
        for i, v in enumerate(na_values):
            side.text(
                v, y[i], fmt_share(v, lang=lang, digits=0), transform=right, va="center", fontsize=8
            )
        side.set_xlim(0, max(0.2, float(na_share.max()) * 2.2))
        side.set_ylim(ax.get_ylim())
        side.set_xticks([])
        side.grid(False)
        side.tick_params(axis="y", labelleft=False, length=0)
        own_na = na["label"].dropna().astype(str).unique() if "label" in na else []
        # the scale's own not-an-answer label ("I don't know what Shiny is") when one
        na_title = own_na[0] if len(own_na) == 1 else t("fig.not_an_answer", lang)
        side.set_xlabel(_wrap(na_title, 14), fontsize=8)
        if own:
            _set_margins(fig, ax, side, labels, handles)
        else:
            ax.legend(
                handles=legend_order(handles, min(k, 5)),
                ncols=min(k, 5),
                loc="upper center",
                bbox_to_anchor=(0.5, -0.12 if len(rows) > 3 else -0.3),
            )
    return ax.figure


def _set_margins(
    fig: Figure, ax: Axes, side: Axes, labels: Sequence[str], handles: Sequence[Rectangle]
) -> None:
    """Margins and label positions of :func:`diverging_bars`, from its texts' sizes.

    The texts are measured with their fonts, without drawing: the longest tick label
    sets the left margin, the title the top; the x tick labels, axis labels and the
    legend (centred below, in as many columns as fit the width, at most 5) the bottom.
    The axis labels are placed at fixed offsets, so a draw does not measure them again.
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    rc = mpl.rcParams

    def points(key: str) -> float:
        return FontProperties(size=rc[key]).get_size_in_points()

    renderer = RendererAgg(1, 1, fig.dpi)

    def size(text: str, pts: float, weight: str = "normal") -> tuple[float, float]:
        """Width and height of a (multi-line) text, in inches."""
        prop = FontProperties(size=pts, weight=weight)
        lines = text.split("\n")
        wide = max(renderer.get_text_width_height_descent(s, prop, False)[0] for s in lines)
        return 1.03 * wide / fig.dpi, len(lines) * pts * 1.2 / 72  # as Agg draws them

    width, height = fig.get_size_inches()
    em = points("legend.fontsize") / 72
    entries = [size(h.get_label(), points("legend.fontsize"))[0] + 2.8 * em for h in handles]
    ncols = min(len(handles), 5)
    while ncols > 1 and sum(sorted(entries)[-ncols:]) + (ncols - 1) * 1.2 * em + em > width - 0.4:
        ncols -= 1
    legend_rows = -(-len(handles) // ncols)
    legend = legend_rows * em * 1.7 + 0.15  # rows (text + spacing), border pad and gap

    tick_pad = (rc["xtick.major.size"] + rc["xtick.major.pad"]) / 72
    x_label = tick_pad + size("0 %", points("xtick.labelsize"))[1] + rc["axes.labelpad"] / 72
    side_label = side.xaxis.label
    bottom = max(
        x_label + size("Ag", points("axes.labelsize"))[1],
        rc["axes.labelpad"] / 72 + size(side_label.get_text(), side_label.get_fontsize())[1],
    )
    y_pad = (rc["ytick.major.size"] + rc["ytick.major.pad"]) / 72
    left = max(size(label, points("ytick.labelsize"))[0] for label in labels) + y_pad + 0.1
    top = size("Ag", points("axes.titlesize"), "bold")[1] + rc["axes.titlepad"] / 72 + 0.1
    left, right = min(left / width, 0.6), 1 - 0.15 / width
    # the gap between the bars and the side panel: the last x tick label ("100 %")
    # and the side panel's label, both centred near it, must not touch
    last_tick = ax.xaxis.get_major_formatter()(ax.get_xticks()[-1], 0)
    half_tick = size(last_tick, points("xtick.labelsize"))[0] / 2
    half_side = size(side_label.get_text(), side_label.get_fontsize())[0] / 2
    span, wspace = (right - left) * width, 0.04
    for _ in range(5):  # widths depend on the gap (gridspec: relative to the mean width)
        mean = span / (2 + wspace)
        side_width = 2 * mean / 8  # width ratios 7 : 1
        gap = max(0.04 * mean, half_tick + max(0.0, half_side - side_width / 2) + 0.08)
        wspace = gap / mean
    fig.subplots_adjust(
        left=left,
        right=right,
        top=1 - top / height,
        bottom=min((bottom + legend + 0.1) / height, 0.5),
        wspace=wspace,
    )
    for axis, offset in ((ax.xaxis, x_label), (side.xaxis, rc["axes.labelpad"] / 72)):
        shift = ScaledTranslation(0, -offset, fig.dpi_scale_trans)
        axis.set_label_coords(0.5, 0, transform=axis.axes.transAxes + shift)
    ax.yaxis.set_label_coords(0, 0.5)  # no y label: skip placing it at each draw
    ax.legend(
        handles=legend_order(handles, ncols),
        ncols=ncols,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.1 / height),
        bbox_transform=fig.transFigure,
        borderaxespad=0,
        columnspacing=1.2,
    )


def legend_order(handles: Sequence[Any], ncols: int) -> list[Any]:
    """Handles rearranged so that a legend of ``ncols`` columns reads in order, row by row.

    Matplotlib fills a legend column by column (``np.array_split`` of the entries);
    a scale's points must read left to right, then on the next row.

    >>> legend_order(list("abcde"), 3)
    ['a', 'd', 'b', 'e', 'c']
    >>> legend_order(list("abcde"), 5)
    ['a', 'b', 'c', 'd', 'e']
    """
    n = len(handles)
    ncols = max(1, min(ncols, n))
    return [handles[i] for c in range(ncols) for i in range(c, n, ncols)]


def _by_agreement(dist: pd.DataFrame, order: list[str], scale: object) -> list[str]:
    """``order`` sorted by each item's top-2 share of valid answers, highest first (stable)."""
    valid = dist.loc[~dist["is_not_an_answer"].astype(bool)]
    codes = pd.to_numeric(valid["code"], errors="coerce")
    k = int(codes.max()) if codes.notna().any() else 0
    if not k:
        return order
    top = set(top2_codes(scale if scale is not None else k))
    counts = pd.to_numeric(valid["count"], errors="coerce").fillna(0.0)
    item = valid["item"].astype(str)
    agree = counts.where(codes.isin(top), 0.0).groupby(item).sum()
    total = counts.groupby(item).sum()
    share = (agree / total.where(total > 0)).fillna(-1.0)
    return sorted(order, key=lambda i: -float(share.get(i, -1.0)))
