"""Shared fixtures: the report, built once per test session in each language.

``report_it`` and ``report_en`` execute every notebook on the bundled data and return
the report folder (``index.html`` and the pages: both flavours in Italian, the
shareable one in English). Under pytest-xdist
the workers share one build per language (a file lock in the session's base
temporary folder), so the notebooks run once however the tests are distributed.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# the repository root, so that tests can use the benchmark data generator (benchmarks/)
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` across processes (no-op where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.getbasetemp()
    return root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root


def build_once(tmp_path_factory: pytest.TempPathFactory, name: str, **options) -> Path:
    """Build a report into a folder shared by the session's workers, once.

    A failed build is recorded, so that the other workers fail fast with the same
    message instead of building again.
    """
    from cmmc_analysis.report.build import build_report

    root = _shared_root(tmp_path_factory)
    out = root / name
    failed = root / f"{name}.failed"
    with _locked(root / f"{name}.lock"):
        if failed.exists():
            pytest.fail(f"report build {name} failed earlier: {failed.read_text()}")
        if not (out / "index.html").exists():
            try:
                build_report(out=out, **options)
            except Exception as err:
                failed.write_text(f"{type(err).__name__}: {err}")
                raise
    return out


@pytest.fixture(scope="session")
def report_once(tmp_path_factory: pytest.TempPathFactory):
    """``report_once(name, **build_report_options)``: a report built once per session."""
    return lambda name, **options: build_once(tmp_path_factory, name, **options)


@pytest.fixture(scope="session")
def report_it(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Italian report on the bundled data (both flavours); returns its folder."""
    return build_once(tmp_path_factory, "report_it", lang="it")


@pytest.fixture(scope="session")
def report_en(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The English report on the bundled data (shareable flavour only); returns its folder."""
    return build_once(tmp_path_factory, "report_en", lang="en", code=False)


@pytest.fixture(autouse=True)
def _no_engine_variables_leak():
    """A test that leaves CMMC_ENGINE / CMMC_DASK_SCHEDULER set would send every later
    load_survey of the same worker to a Dask scheduler: fail that test instead."""
    import os

    names = ("CMMC_ENGINE", "CMMC_DASK_SCHEDULER")
    before = {n: os.environ.get(n) for n in names}
    yield
    after = {n: os.environ.get(n) for n in names}
    for name in names:  # restore first, so one leak does not hang the rest of the run
        if before[name] is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before[name]
    assert after == before, f"the test left {after} in the environment"
