"""describe: see docs/architecture.md."""

from __future__ import annotations

from .likert import *  # noqa: F403
from .likert import __all__ as _likert_all

__all__ = [*_likert_all]
