"""claims: see docs/architecture.md."""

from __future__ import annotations

from .evaluate import *  # noqa: F403
from .evaluate import __all__ as _evaluate_all
from .locate import *  # noqa: F403
from .locate import __all__ as _locate_all
from .spec import *  # noqa: F403
from .spec import __all__ as _spec_all

__all__ = [*_spec_all, *_evaluate_all, *_locate_all]
