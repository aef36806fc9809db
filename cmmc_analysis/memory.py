"""Give the memory freed after each partition back to the operating system.

When an export is cleaned in partitions, each partition's text is parsed, cleaned and
dropped; the next one is parsed into memory the allocator kept. glibc's ``malloc``
keeps freed memory in its heaps and arenas (one per thread, so Dask's worker threads
each keep their own), and Arrow's memory pool keeps its freed pages: the process's
resident size grows with every partition although what is alive does not. Measured
on a 1e6-row export on Dask with two worker threads: 665 MB resident after the first
pass, 310 MB after :func:`release_memory` (41 MB alive in Arrow).

:func:`release_memory` is called after each partition's pass; it costs a few
milliseconds. Without glibc (macOS, musl) only Arrow's pool is released.

>>> release_memory()  # nothing to check but that it runs anywhere
"""

from __future__ import annotations

import ctypes
import functools
from typing import Any

__all__ = ["release_memory"]


@functools.cache
def _malloc_trim() -> Any:
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except OSError:  # no C library to open (an unusual embedding)
        return None


def release_memory() -> None:
    """Return freed heap memory (glibc ``malloc_trim``) and Arrow's unused pages to the
    operating system; what is alive is untouched."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
