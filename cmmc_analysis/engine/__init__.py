"""engine: summaries of exports larger than memory — exact sums per partition that add up.

``totals`` (per-partition sums of scale items from the one cleaning pipeline, their
merge, summaries and alpha), in this process or on Dask
(:mod:`cmmc_analysis.clean.distributed`).
"""

from __future__ import annotations

from .totals import *  # noqa: F403
from .totals import __all__ as _totals_all

__all__ = [*_totals_all]
