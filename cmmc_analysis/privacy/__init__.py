"""privacy: pseudonymous ids, scrubbing of free text, small cells and the leak scan.

What the tool guarantees and what stays the researcher's job is written down in
``docs/data_protection.md``; see also docs/architecture.md.
"""

from __future__ import annotations

from .disclosure import *  # noqa: F403
from .disclosure import __all__ as _disclosure_all
from .leaks import *  # noqa: F403
from .leaks import __all__ as _leaks_all
from .pseudonym import *  # noqa: F403
from .pseudonym import __all__ as _pseudonym_all
from .scrub import *  # noqa: F403
from .scrub import __all__ as _scrub_all

__all__ = [*_pseudonym_all, *_scrub_all, *_disclosure_all, *_leaks_all]
