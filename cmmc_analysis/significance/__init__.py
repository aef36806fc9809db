"""significance: see docs/architecture.md."""

from __future__ import annotations

from .core import *  # noqa: F403
from .core import __all__ as _core_all
from .sequential import *  # noqa: F403
from .sequential import __all__ as _sequential_all

__all__ = [*_core_all, *_sequential_all]
