"""schema: declarative models of the YAML files a user writes (see docs/architecture.md).

``codebook``, ``claims``, ``margins``, ``cleaning`` and ``simulator`` describe the
files; ``yamlfile`` reads them with bounded resources; ``reference`` renders the field
tables of the docs. Every validation error becomes one line of the package's exception
family naming the file, the entry, what was found and what was expected.
"""

from __future__ import annotations

from .claims import *  # noqa: F403
from .claims import __all__ as _claims_all
from .cleaning import *  # noqa: F403
from .cleaning import __all__ as _cleaning_all
from .codebook import *  # noqa: F403
from .codebook import __all__ as _codebook_all
from .margins import *  # noqa: F403
from .margins import __all__ as _margins_all
from .simulator import *  # noqa: F403
from .simulator import __all__ as _simulator_all
from .yamlfile import *  # noqa: F403
from .yamlfile import __all__ as _yamlfile_all

__all__ = [
    *_codebook_all,
    *_claims_all,
    *_margins_all,
    *_cleaning_all,
    *_simulator_all,
    *_yamlfile_all,
]
