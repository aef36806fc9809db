"""claims: the survey's findings as testable data (see docs/claims.md).

- :mod:`.spec` loads a claims file into a :class:`ClaimSet`;
- :mod:`.wording` turns the publication's words into regions by fixed rules;
- :mod:`.evaluate` gives the verdicts on one cut of the data;
- :mod:`.looks` the interim and final looks with group-sequential levels;
- :mod:`.sensitivity` how verdicts move with the margin, the correction, the exclusions;
- :mod:`.locate` where a claim's item sits in the report.
"""

from __future__ import annotations

from .evaluate import *  # noqa: F403
from .evaluate import __all__ as _evaluate_all
from .locate import *  # noqa: F403
from .locate import __all__ as _locate_all
from .looks import *  # noqa: F403
from .looks import __all__ as _looks_all
from .sensitivity import *  # noqa: F403
from .sensitivity import __all__ as _sensitivity_all
from .spec import *  # noqa: F403
from .spec import __all__ as _spec_all
from .wording import *  # noqa: F403
from .wording import __all__ as _wording_all

__all__ = [
    *_spec_all,
    *_wording_all,
    *_evaluate_all,
    *_looks_all,
    *_sensitivity_all,
    *_locate_all,
]
