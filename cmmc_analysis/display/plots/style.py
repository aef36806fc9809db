"""The house style of the figures, and what every figure function shares.

:data:`RC` and :func:`theme` (applied around each drawing only: nothing changes
matplotlib's global style), the colour-blind-safe :func:`diverging_palette`,
:func:`embed` (the PNG with alternative text for notebooks), and the helpers the
figure modules share (n ranges in titles, required columns, wrapped labels).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from ...errors import ReportError
from ..numbers import fmt_int

__all__ = ["RC", "NA_COLOUR", "NEUTRAL_COLOUR", "theme", "diverging_palette", "embed"]

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


def sequential_palette(k: int) -> list[tuple[float, float, float]]:
    """A colour-blind-safe sequential palette of ``k`` colours, light to dark (ColorBrewer
    PuBu), for unipolar scales (none ... very much).

    >>> len(sequential_palette(5))
    5
    """
    import seaborn as sns

    return [tuple(c) for c in sns.color_palette("PuBu", k + 1)[1:]]


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


def _wrap(text: str, width: int = 48) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def embed(fig: Figure, *, alt: str | None = None) -> Any:
    """The figure as an embeddable PNG image with alternative text, for notebooks.

    The alternative text is ``alt``, else the figure's title (suptitle or first Axes
    title). Displayed by Jupyter; exported by the report as an ``<img alt=...>`` with
    the PNG inline.

    >>> from cmmc_analysis.display.plots import interval_plot
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
