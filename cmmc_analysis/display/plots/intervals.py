"""Claims' estimates with their intervals against the claimed thresholds, per cut."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..findings import claim_unit
from ..i18n import check_lang, t
from ..numbers import SHARE_STATISTICS, fmt_number, fmt_share
from .style import _n_text, _require, theme

__all__ = ["interval_plot"]


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
    names: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    codebook: Any = None,
) -> Figure:
    """Each row's estimate with its confidence interval against its threshold.

    One panel per ``label`` value (each claim has its own scale: shares, means or
    medians), one marker per ``by`` value (interim vs final, top to bottom) with its
    interval (``ci_low`` to ``ci_high``), and the claimed region: a shaded band from
    ``threshold_low`` to ``threshold_high`` when the table has them (open ends reach
    the panel's edge), else the threshold as a dashed vertical line. With a
    ``statistic`` column, share claims get a percentage axis with whole-percent ticks,
    and each panel's title says what it measures and in which unit ("share of answers,
    %", "mean, 1–5 scale"). The legend sits below the panels, off the data.

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
    names
        Panel titles by ``label`` value (e.g. the claims' short labels; default: the value).
    units
        What each panel measures, in its unit, by ``label`` value (default: from the
        ``statistic`` column, :func:`cmmc_analysis.display.findings.claim_unit`, with
        ``codebook`` for scale ranges and items' units); shown in the panel's title.
    codebook
        The survey's codebook, for the default ``units``.

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
    >>> fig = interval_plot(tab.assign(statistic="share"), lang="it", title="Affermazioni")
    >>> fig.axes[0].get_title(loc="left")
    'S1 · quota di risposte, % (n = 118–240)'

    """
    check_lang(lang)
    _require(table, [label, by, estimate, "ci_low", "ci_high", threshold, "n"], "interval_plot")
    claims = list(dict.fromkeys(table[label].astype(str)))
    cuts = list(dict.fromkeys(table[by].astype(str)))
    band_label: str | None = t("fig.claimed", lang)
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
            low, high = _band(rows)
            if low is not None and ax is None:
                x0, x1 = cax.get_xlim()
                ends = [v for v in (low, high) if not math.isinf(v)]
                lo_lim, hi_lim = min(x0, *ends), max(x1, *ends)
                pad = 0.08 * (hi_lim - lo_lim or 1.0)
                lo_lim, hi_lim = lo_lim - pad, hi_lim + pad
                lo = lo_lim if math.isinf(low) else low
                hi = hi_lim if math.isinf(high) else high
                cax.axvspan(lo, hi, color="#92c5de", alpha=0.35, linewidth=0, label=band_label)
                band_label = None
                for end in ends:
                    cax.axvline(end, color="#2166ac", linestyle="--", linewidth=1)
                cax.set_xlim(lo_lim, hi_lim)
            elif len(thr):
                cax.axvline(float(thr.iloc[0]), color="#b2182b", linestyle="--", linewidth=1)
            n_text = _n_text(rows["n"].tolist(), lang)
            if ax is None:
                name = (names or {}).get(claim, claim)
                unit = (units or {}).get(claim) or claim_unit(
                    rows.iloc[0].to_dict(), lang=lang, codebook=codebook
                )
                name = f"{name} · {unit}" if unit else name
                cax.set_title(f"{name} (n = {n_text})", loc="left", fontsize=10)
                cax.set_yticks([])
                cax.set_ylim(-0.6, 0.6)
            stat = rows["statistic"].iloc[0] if "statistic" in rows else None
            one = (
                (lambda x, _: fmt_share(x, lang=lang, digits=0))
                if stat in SHARE_STATISTICS
                else (lambda x, _: fmt_number(x, lang=lang, digits=_digits(x)))
            )
            # whole percents on share axes: no 57,5 % printed as "58 %"
            steps = [1, 2, 5, 10] if stat in SHARE_STATISTICS else [1, 2, 2.5, 5, 10]
            cax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=steps))
            cax.xaxis.set_major_formatter(FuncFormatter(one))
        if ax is not None:
            ax.set_yticks(range(len(claims)), labels=claims)
            ax.invert_yaxis()
        handles, labels = axes[0].get_legend_handles_labels()
        if ax is None:
            fig.legend(
                handles, labels, loc="outside lower center", ncols=len(labels), frameon=False
            )
        else:
            axes[0].legend(loc="best", ncols=len(cuts))
        axes[-1].set_xlabel(t("fig.interval_axis", lang))
        fig.suptitle(
            f"{title} (n = {_n_text(table['n'].tolist(), lang)})",
            fontweight="bold",
            x=0.01,
            ha="left",
        )
    return fig


def _digits(x: float) -> int:
    """Decimals a tick needs (0 to 2)."""
    return next((d for d in (0, 1, 2) if abs(round(x, d) - x) < 1e-9), 2)


def _band(rows: pd.DataFrame) -> tuple[float | None, float | None]:
    """The claimed region of a claim's rows (``threshold_low``/``threshold_high``)."""
    if "threshold_low" not in rows or "threshold_high" not in rows:
        return None, None
    lows, highs = rows["threshold_low"].dropna(), rows["threshold_high"].dropna()
    if not len(lows) or not len(highs):
        return None, None
    low, high = float(lows.iloc[0]), float(highs.iloc[0])
    return (None, None) if math.isinf(low) and math.isinf(high) else (low, high)
