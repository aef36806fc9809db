"""display: see docs/architecture.md."""

from __future__ import annotations

from .fmt import *  # noqa: F403
from .fmt import __all__ as _fmt_all
from .plots import *  # noqa: F403
from .plots import __all__ as _plots_all

__all__ = [*_fmt_all, *_plots_all]
