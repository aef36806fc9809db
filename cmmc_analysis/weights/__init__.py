"""Survey weights: raking to population margins, trimming, and what weighting costs.

A self-selected member sample over-represents some kinds of organisation. Raking
(iterative proportional fitting) gives each respondent a weight so that the weighted
distribution of a few profile variables (for example size and sector) matches known
population margins, read from a small YAML file (:func:`load_margins`). The raking
itself is done by `weightipy <https://github.com/Quantipy/weightipy>`_ (the maintained
successor of quantipy's RIM weighting); this module validates the margins, checks that
the result really meets them, trims extreme weights and summarises the price paid in
precision (Kish design effect and effective sample size).

Weighted shares are ``sum(w * x) / sum(w)``; their Wilson intervals use Kish's
effective sample size ``sum(w)**2 / sum(w**2)`` in place of n, so intervals widen by
the design effect. See ``docs/weights_and_banners.md``.

Modules: :mod:`.margins` (the margins file), :mod:`.attach` (weights on a survey),
:mod:`.raking` (raking, trimming, the
weights' summary), :mod:`.estimates` (weighted shares and means, the weighting effect).

Examples
--------
>>> from cmmc_analysis.weights import load_margins, weight_summary
>>> import pandas as pd
>>> weight_summary(pd.Series([1.0, 1.0, 2.0, 2.0]))[["design_effect", "n_eff"]].iloc[0].tolist()
[1.111, 3.6]
"""

from __future__ import annotations

from .attach import *  # noqa: F403
from .attach import __all__ as _attach_all
from .estimates import *  # noqa: F403
from .estimates import __all__ as _estimates_all
from .margins import *  # noqa: F403
from .margins import __all__ as _margins_all
from .raking import *  # noqa: F403
from .raking import __all__ as _raking_all

__all__ = [*_margins_all, *_attach_all, *_raking_all, *_estimates_all]
