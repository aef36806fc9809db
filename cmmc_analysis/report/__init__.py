"""report: see docs/architecture.md."""

from __future__ import annotations

from .browser import *  # noqa: F403
from .browser import __all__ as _browser_all
from .build import *  # noqa: F403
from .build import __all__ as _build_all

__all__ = [*_build_all, *_browser_all]
