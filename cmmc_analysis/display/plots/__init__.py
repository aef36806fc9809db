"""Figures from tidy result tables: diverging bars, interval plot, segment heatmap,
answer bars and the response timeline.

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

from .answers import option_bars, response_timeline
from .bars import diverging_bars
from .heatmap import segment_heatmap
from .intervals import interval_plot
from .style import RC, diverging_palette, embed, theme

__all__ = [
    "RC",
    "theme",
    "diverging_palette",
    "diverging_bars",
    "interval_plot",
    "segment_heatmap",
    "option_bars",
    "response_timeline",
    "embed",
]
