"""significance: one-sample tests, groups, batteries, and the one multiple-testing adjustment.

Two layers. Array-level functions take codes (a DataFrame of item columns, or a
Series of values with a Series of group labels) so that they can be checked on
small published examples; survey-level functions (``survey_*`` and
:func:`compare_groups`) take a :class:`~cmmc_analysis.survey.Survey` first and item
ids, build the codes with ``survey.codes(...)`` and call the array level.

Every function returns a DataFrame whose columns come from
:data:`cmmc_analysis.columns.COLUMNS` plus the extras listed in
:data:`EXTRA_COLUMNS`. The building blocks are scipy, statsmodels and
scikit-posthocs; this module adds the survey meaning (midpoints, families of tests,
minimum group sizes) and the effect sizes none of them return. Conventions (zero
handling, exact versus approximate p-values, what "above the rest" means) are set
out in ``docs/statistics.md``.

Examples
--------
>>> import pandas as pd
>>> codes = pd.DataFrame({"a": [4, 5, 4, 3, 5, 4, 4, 2], "b": [3, 2, 3, 4, 3, 2, 3, 3]})
>>> vs_neutral(codes, midpoint=3)[["item", "n", "direction"]]
  item  n direction
0    a  8     above
1    b  8     below
"""

from __future__ import annotations

from . import battery, groups, multitest, onesample, sequential
from ._common import EXTRA_COLUMNS
from .battery import *  # noqa: F403
from .groups import *  # noqa: F403
from .multitest import *  # noqa: F403
from .onesample import *  # noqa: F403
from .sequential import *  # noqa: F403

__all__ = [
    "EXTRA_COLUMNS",
    *multitest.__all__,
    *onesample.__all__,
    *groups.__all__,
    *battery.__all__,
    *sequential.__all__,
]
