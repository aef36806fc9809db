"""display: what a reader sees. Translation, numbers, tables, sentences and figures.

The computing packages return tidy tables of ids and numbers and never take a
language; this package turns them into a page in the report's language (``"it"`` or
``"en"``). One module per job:

=====================  ==================================================================
``i18n``               the report's languages and interface strings: :func:`t`,
                       :func:`check_lang`, :data:`STRINGS` (from ``strings.yaml``)
``numbers``            numbers as text with Babel: :func:`fmt_number`, :func:`fmt_int`,
                       :func:`fmt_share`, :func:`fmt_p`, :func:`fmt_ci`, :func:`fmt_estimate`
``tables``             result tables for a page: :func:`with_labels`,
                       :func:`format_table`, :func:`format_claims`, :data:`VIEWS`
``banner``             a computed banner laid out for a page: :func:`format_banner`
``narrative``          sentences from results: :func:`methods_text`,
                       :func:`significance_summary`, :func:`claim_sentences`, ...
``findings``           the findings page for members: :func:`findings_summary`,
                       :func:`members_table`, :func:`claim_said`, :func:`reading_box`
``questions``          question by question: :func:`answers_table`, :func:`status_text`,
                       :func:`timeline_text`
``plots``              figures: :func:`diverging_bars`, :func:`interval_plot`,
                       :func:`segment_heatmap`, :func:`option_bars`,
                       :func:`response_timeline`, :func:`embed` (imported on first use)
=====================  ==================================================================

Every public name of these modules is importable from ``cmmc_analysis.display``.

Examples
--------
>>> from cmmc_analysis.display import fmt_share, t
>>> fmt_share(0.66, lang="it"), t("yes", "it")
('66,0 %', 'sì')
"""

from __future__ import annotations

import importlib
from typing import Any

from .banner import *  # noqa: F403
from .banner import __all__ as _banner_all
from .findings import *  # noqa: F403
from .findings import __all__ as _findings_all
from .i18n import *  # noqa: F403
from .i18n import __all__ as _i18n_all
from .narrative import *  # noqa: F403
from .narrative import __all__ as _narrative_all
from .numbers import *  # noqa: F403
from .numbers import __all__ as _numbers_all
from .questions import *  # noqa: F403
from .questions import __all__ as _questions_all
from .tables import *  # noqa: F403
from .tables import __all__ as _tables_all

#: The figure functions, imported with matplotlib on first use.
_PLOTS = (
    "RC",
    "theme",
    "diverging_palette",
    "diverging_bars",
    "interval_plot",
    "segment_heatmap",
    "option_bars",
    "response_timeline",
    "embed",
)

__all__ = [
    *_i18n_all,
    *_numbers_all,
    *_tables_all,
    *_banner_all,
    *_narrative_all,
    *_findings_all,
    *_questions_all,
    *_PLOTS,
]


def __getattr__(name: str) -> Any:
    if name in _PLOTS:
        value = getattr(importlib.import_module(".plots", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
