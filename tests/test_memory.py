"""cmmc_analysis.memory: freed heap memory goes back to the operating system."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cmmc_analysis.memory import _malloc_trim, release_memory


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or _malloc_trim() is None, reason="glibc only"
)
def test_freed_heap_memory_is_returned():
    """128 MB freed below a live block stays resident (glibc trims only the heap's top
    by itself) until release_memory() gives it back."""
    blocks = [bytearray(64 * 1024) for _ in range(2048)]  # heap, not mmap: < 128 KiB each
    sentinel = bytearray(64 * 1024)  # above them: the freed space is not at the top
    del blocks
    before = _rss()
    release_memory()
    after = _rss()
    assert before - after > 64 * 1024 * 1024, (before, after)
    assert len(sentinel) == 64 * 1024
