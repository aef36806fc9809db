"""describe: counts (the one owner of top-2), Likert items, choice items, numeric items,
question by question (answer counts, who answered, responses per day).

See docs/architecture.md and docs/statistics.md.
"""

from __future__ import annotations

from . import choice, counts, likert, numeric, questions
from .choice import *  # noqa: F403
from .counts import *  # noqa: F403
from .likert import *  # noqa: F403
from .numeric import *  # noqa: F403
from .questions import *  # noqa: F403

#: Columns the describe modules add to the shared vocabulary (``cmmc_analysis.columns``).
EXTRA_COLUMNS: dict[str, str] = {
    **likert.EXTRA_COLUMNS,
    **choice.EXTRA_COLUMNS,
    **numeric.EXTRA_COLUMNS,
    **questions.EXTRA_COLUMNS,
}

__all__ = [
    *counts.__all__,
    *likert.__all__,
    *choice.__all__,
    *numeric.__all__,
    *questions.__all__,
    "EXTRA_COLUMNS",
]
