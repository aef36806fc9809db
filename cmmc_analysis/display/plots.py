"""Figures from tidy result tables: diverging bars, interval plot, segment heatmap.

Every function takes a result table first and keyword-only options, draws on a given
Axes (or a new figure), titles the figure with its n, and returns the
:class:`~matplotlib.figure.Figure`. Nothing changes matplotlib's global style: the
house theme (:data:`RC`) is applied with :func:`theme` around each drawing only.
Figures are created without pyplot, so notebooks show them explicitly with
:func:`embed`, which also sets the image's alternative text from the figure title.

Examples
--------
>>> import pandas as pd
>>> dist = pd.DataFrame({
...     "item": ["q1"] * 4, "level": ["a", "b", "c", "dk"], "code": [1, 2, 3, None],
...     "label": ["No", "Maybe", "Yes", "Don't know"], "count": [2, 3, 5, 1],
...     "n": [10] * 4, "share": [0.2, 0.3, 0.5, None],
...     "is_not_an_answer": [False, False, False, True]})
>>> fig = diverging_bars(dist, lang="en", title="Q1")
>>> fig.axes[0].get_title(loc="left")
'Q1 (n = 10)'
>>> len(fig.axes[0].patches), len(fig.axes[1].patches)
(3, 1)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import ScaledTranslation

from ..errors import ReportError
from .i18n import check_lang, t
from .numbers import SHARE_STATISTICS, fmt_int, fmt_number, fmt_share

__all__ = [
    "RC",
    "theme",
    "diverging_palette",
    "diverging_bars",
    "interval_plot",
    "segment_heatmap",
    "embed",
]

#: The house theme: readable sizes, light grid, no top/right spines.
RC: dict[str, Any] = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "x",
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": False,
}

#: Colour of not-an-answer bars and of the neutral point.
NA_COLOUR = "#8c8c8c"
NEUTRAL_COLOUR = "#d9d9d9"


@contextlib.contextmanager
def theme(rc: Mapping[str, Any] | None = None) -> Iterator[None]:
    """Apply the house theme (plus ``rc``) inside a ``with`` block only.

    >>> import matplotlib as mpl
    >>> before = mpl.rcParams["axes.titleweight"]
    >>> with theme():
    ...     mpl.rcParams["axes.titleweight"]
    'bold'
    >>> mpl.rcParams["axes.titleweight"] == before
    True
    """
    import matplotlib as mpl

    with mpl.rc_context({**RC, **(rc or {})}):
        yield


def diverging_palette(k: int) -> list[tuple[float, float, float]]:
    """A colour-blind-safe diverging palette of ``k`` colours (ColorBrewer PuOr).

    Negative points are orange, positive points purple; the middle of an odd scale is
    neutral grey.

    >>> len(diverging_palette(5)), diverging_palette(5)[2]
    (5, (0.8509803921568627, 0.8509803921568627, 0.8509803921568627))
    """
    import seaborn as sns
    from matplotlib.colors import to_rgb

    colours = [tuple(c) for c in sns.color_palette("PuOr", k)]
    if k % 2:
        colours[k // 2] = to_rgb(NEUTRAL_COLOUR)
    return colours


def _n_text(ns: Sequence[float], lang: str) -> str:
    ns = [x for x in ns if pd.notna(x)]
    if not ns:
        return "0"
    lo, hi = min(ns), max(ns)
    return (
        fmt_int(lo, lang=lang) if lo == hi else f"{fmt_int(lo, lang=lang)}–{fmt_int(hi, lang=lang)}"
    )


def _require(table: pd.DataFrame, columns: Sequence[str], where: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ReportError(
            f"{where}: the table lacks columns {missing}; it has {list(table.columns)}"
        )


def diverging_bars(
    distribution: pd.DataFrame,
    *,
    lang: str,
    title: str,
    items: Sequence[str] | None = None,
    item_labels: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Diverging stacked bars centred on neutral, with not-an-answer in a side panel.

    Each row is an item (or item and group); the scale points are stacked from the
    lowest (left) to the highest (right) so that the middle of the neutral point sits at
    zero (half of it on each side). Shares are of valid answers; the side panel shows
    the not-an-answer share of all answers given (valid + not-an-answer). Every point of
    the scale gets a bar and a legend entry, even when nobody chose it.

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
        Item order, top to bottom (default: as they first appear).
    item_labels
        Text shown for each item (default: the item id); " (n = ...)" is appended.
    ax
        Axes to draw on; the not-an-answer panel is then inset to its right
        (``ax.child_axes[0]``).

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
    order = list(items) if items is not None else list(dict.fromkeys(dist["item"].astype(str)))
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

    values = shares[codes].to_numpy(dtype=float)
    mid = (k - 1) / 2
    below = values[:, : int(np.floor(mid))].sum(axis=1)
    left0 = -(below + (values[:, int(mid)] / 2 if k % 2 else 0.0))
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

    colours = diverging_palette(k)
    y = np.arange(len(rows))
    with theme():
        own = ax is None
        if own:  # fixed margins, set from the texts' sizes (_set_margins): constrained
            # layout measures every tick label at each save, half of the rendering time
            fig = Figure(figsize=(9.5, 0.42 * len(rows) + 2.0))
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
        ax.axvline(0, color="#555555", linewidth=0.8)
        ax.set_yticks(y, labels=labels)
        ax.set_ylim(len(rows) - 0.5, -0.5)  # first row on top
        extent = float(np.nanmax(np.abs(np.r_[starts[:, 0], starts[:, -1] + values[:, -1]])))
        lim = min(1.0, max(0.5, np.ceil(extent * 1.05 / 0.25) * 0.25))
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
        side.set_xlabel(_wrap(t("fig.not_an_answer", lang), 14), fontsize=8)
        if own:
            _set_margins(fig, ax, side, labels, handles)
        else:
            ax.legend(
                handles=handles,
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
    fig.subplots_adjust(
        left=min(left / width, 0.6),
        right=1 - 0.15 / width,
        top=1 - top / height,
        bottom=min((bottom + legend + 0.1) / height, 0.5),
        wspace=0.04,
    )
    for axis, offset in ((ax.xaxis, x_label), (side.xaxis, rc["axes.labelpad"] / 72)):
        shift = ScaledTranslation(0, -offset, fig.dpi_scale_trans)
        axis.set_label_coords(0.5, 0, transform=axis.axes.transAxes + shift)
    ax.yaxis.set_label_coords(0, 0.5)  # no y label: skip placing it at each draw
    ax.legend(
        handles=handles,
        ncols=ncols,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.1 / height),
        bbox_transform=fig.transFigure,
        borderaxespad=0,
        columnspacing=1.2,
    )


def _wrap(text: str, width: int = 48) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def interval_plot(
    table: pd.DataFrame,
    *,
    lang: str,
    title: str,
    estimate: str = "estimate",
    threshold: str = "threshold",
    by: str = "cut",
    label: str = "claim",
    ax: Axes | None = None,
) -> Figure:
    """Each row's estimate with its confidence interval against its threshold.

    One panel per ``label`` value (each claim has its own scale: shares, means or
    medians), one marker per ``by`` value (interim vs final, top to bottom) with its
    interval (``ci_low`` to ``ci_high``), and the threshold as a dashed vertical line.
    With a ``statistic`` column, share claims get a percentage axis.

    Parameters
    ----------
    table
        A verdict table: ``label``, ``by``, ``estimate``, ``ci_low``, ``ci_high``,
        ``threshold``, ``n``.
    lang, title
        Report language; the figure title (" (n = ...)" is appended).
    estimate, threshold, by, label
        Column names.
    ax
        Draw every row on this one Axes instead (for estimates on a common scale).

    Returns
    -------
    matplotlib.figure.Figure
        One Axes per claim (or ``ax``), each with one error bar per cut.

    Examples
    --------
    >>> tab = pd.DataFrame({"claim": ["S1", "S1"], "cut": ["interim", "final"],
    ...     "estimate": [0.62, 0.66], "ci_low": [0.53, 0.60], "ci_high": [0.70, 0.72],
    ...     "threshold": [0.6, 0.6], "n": [118, 240]})
    >>> fig = interval_plot(tab, lang="en", title="Claims")
    >>> fig.axes[0].get_title(loc="left"), len(fig.axes[0].containers)
    ('S1 (n = 118–240)', 2)
    """
    check_lang(lang)
    _require(table, [label, by, estimate, "ci_low", "ci_high", threshold, "n"], "interval_plot")
    claims = list(dict.fromkeys(table[label].astype(str)))
    cuts = list(dict.fromkeys(table[by].astype(str)))
    markers = ["o", "s", "D", "^"]
    colours = ["#e66101", "#5e3c99", "#1b7837", "#555555"]
    with theme({"axes.grid.axis": "x"}):
        if ax is None:
            fig = Figure(figsize=(9, 0.8 * len(claims) + 1.0), layout="constrained")
            axes = list(np.atleast_1d(fig.subplots(len(claims), 1, squeeze=False)[:, 0]))
        else:
            fig, axes = ax.figure, [ax] * len(claims)
        for i, (claim, cax) in enumerate(zip(claims, axes, strict=True)):
            rows = table.loc[table[label].astype(str) == claim]
            offset = i if ax is not None else 0
            for j, cut in enumerate(cuts):
                r = rows.loc[rows[by].astype(str) == cut]
                if r.empty:
                    continue
                est = r[estimate].to_numpy(dtype=float)
                err = np.abs(
                    np.vstack(
                        [
                            est - r["ci_low"].to_numpy(dtype=float),
                            r["ci_high"].to_numpy(dtype=float) - est,
                        ]
                    )
                )
                cax.errorbar(
                    est,
                    [offset + (0.2 if ax is not None else -0.2) * (j - (len(cuts) - 1) / 2)]
                    * len(est),
                    xerr=err,
                    fmt=markers[j % 4],
                    color=colours[j % 4],
                    capsize=3,
                    label=(t(cut, lang) if cut in ("interim", "final") else cut)
                    if i == 0 or ax is None
                    else None,
                )
            thr = rows[threshold].dropna()
            if len(thr):
                cax.axvline(float(thr.iloc[0]), color="#b2182b", linestyle="--", linewidth=1)
            n_text = _n_text(rows["n"].tolist(), lang)
            if ax is None:
                cax.set_title(f"{claim} (n = {n_text})", loc="left", fontsize=10)
                cax.set_yticks([])
                cax.set_ylim(-0.6, 0.6)
            stat = rows["statistic"].iloc[0] if "statistic" in rows else None
            one = (
                (lambda x, _: fmt_share(x, lang=lang, digits=0))
                if stat in SHARE_STATISTICS
                else (lambda x, _: fmt_number(x, lang=lang, digits=2))
            )
            cax.xaxis.set_major_formatter(FuncFormatter(one))
        if ax is not None:
            ax.set_yticks(range(len(claims)), labels=claims)
            ax.invert_yaxis()
        axes[0].legend(loc="lower right", ncols=len(cuts))
        axes[-1].set_xlabel(t("fig.interval_axis", lang))
        fig.suptitle(
            f"{title} (n = {_n_text(table['n'].tolist(), lang)})",
            fontweight="bold",
            x=0.01,
            ha="left",
        )
    return fig


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
    with theme({"axes.grid": False}):
        if ax is None:
            fig = Figure(
                figsize=(min(2.0 + 1.3 * len(cols), 12), 0.5 * len(rows) + 2.2),
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
            labels=[_wrap((item_labels or {}).get(r, r), 40) for r in rows],
            rotation=0,
        )
        ax.set_xlabel("")
        ax.set_ylabel("")
        total = df.groupby("_col")["n"].max().sum()
        ax.set_title(f"{title} (n = {fmt_int(total, lang=lang)})", loc="left")
    return ax.figure


def embed(fig: Figure, *, alt: str | None = None) -> Any:
    """The figure as an embeddable PNG image with alternative text, for notebooks.

    The alternative text is ``alt``, else the figure's title (suptitle or first Axes
    title). Displayed by Jupyter; exported by the report as an ``<img alt=...>`` with
    the PNG inline.

    >>> img = embed(interval_plot(pd.DataFrame({"claim": ["S1"], "cut": ["final"],
    ...     "estimate": [0.6], "ci_low": [0.5], "ci_high": [0.7], "threshold": [0.5],
    ...     "n": [90]}), lang="en", title="Claims"))
    >>> img.alt, img.data[:4]
    ('Claims (n = 90)', b'\\x89PNG')
    """
    from io import BytesIO

    from IPython.display import Image

    if alt is None:
        sup = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else ""
        alt = sup or next(
            (
                a.get_title(loc="left") or a.get_title()
                for a in fig.axes
                if a.get_title(loc="left") or a.get_title()
            ),
            "",
        )
    buf = BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", facecolor="white")
    return Image(data=buf.getvalue(), format="png", alt=alt)
