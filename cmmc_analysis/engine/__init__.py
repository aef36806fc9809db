"""engine: running the pipeline over partitions — sums that add up, and Dask.

``totals`` (exact per-partition sums of scale items and their merge: summaries and
alpha of exports larger than memory), ``dask`` (the same passes on a Dask cluster;
imported only when asked for).
"""

from __future__ import annotations

from .totals import *  # noqa: F403
from .totals import __all__ as _totals_all

__all__ = [*_totals_all]
