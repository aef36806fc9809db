"""clean: from a raw export to the analysed table, with its log (see docs/architecture.md).

``parse`` (row-local: labels, numbers, timestamps, multiple choice, skip logic, empty
rows, straight lines), ``values`` (numbers and timestamps), ``rules`` (the rules that
need other rows), ``log`` (the cleaning log), ``pipeline`` (``clean``, ``load_survey``),
``output`` (``describe``, ``write_survey``), ``score`` (scale labels to codes).
"""

from __future__ import annotations

from .codes import *  # noqa: F403
from .codes import __all__ as _codes_all
from .log import *  # noqa: F403
from .log import __all__ as _log_all
from .output import *  # noqa: F403
from .output import __all__ as _output_all
from .pipeline import *  # noqa: F403
from .pipeline import __all__ as _pipeline_all
from .score import *  # noqa: F403
from .score import __all__ as _score_all
from .values import *  # noqa: F403
from .values import __all__ as _values_all

__all__ = list(
    dict.fromkeys([*_codes_all, *_log_all, *_output_all, *_pipeline_all, *_score_all, *_values_all])
)
