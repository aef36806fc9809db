"""io: see docs/architecture.md."""

from __future__ import annotations

from .partitions import *  # noqa: F403
from .partitions import __all__ as _partitions_all
from .reader import *  # noqa: F403
from .reader import __all__ as _reader_all

__all__ = [*_reader_all, *_partitions_all]
