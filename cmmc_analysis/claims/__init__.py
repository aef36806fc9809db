"""claims: see docs/architecture.md."""

from __future__ import annotations

from .evaluate import *  # noqa: F403
from .evaluate import __all__ as _evaluate_all

__all__ = [*_evaluate_all]
