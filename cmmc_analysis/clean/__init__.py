"""clean: see docs/architecture.md."""

from __future__ import annotations

from .pipeline import *  # noqa: F403
from .pipeline import __all__ as _pipeline_all

__all__ = [*_pipeline_all]
