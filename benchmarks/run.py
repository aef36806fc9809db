"""Benchmarks of cmmc-analysis against what researchers use today (issue 8).

Run with ``make bench`` (or ``.venv/bin/python benchmarks/run.py``); ``--quick`` runs only
N = 1e3 and 1e5 with fewer repeats. Every comparison is timed in this process (median
of several repeats after a warm-up) unless it needs a fresh process (imports, peak
memory, notebooks). The simulated exports are cached in ``benchmarks/cache/``.

Writes ``benchmarks/results.json`` (one entry per comparison: ``name``, ``n``,
``ours_s``, ``peer``, ``peer_s``, ``ratio`` = ours / peer, the target and whether it is
met, plus the machine, its load and the date) and prints the table of ratios.
Peers that are not installed (the ``bench`` extra: pingouin, plot-likert) are skipped
with a note.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import importlib.metadata
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

# One BLAS thread for every library timed here (set before numpy is imported): on a shared
# or loaded machine OpenBLAS threads spin-wait and small-output matrix products become
# 10-100x slower and erratic. CMMC_BENCH_BLAS_THREADS overrides it.
BLAS_THREADS = os.environ.get("CMMC_BENCH_BLAS_THREADS", "1")
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ[_var] = BLAS_THREADS

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / "cache"
RESULTS = HERE / "results.json"
if str(ROOT) not in sys.path:  # run from a fresh clone without installing the package
    sys.path.insert(0, str(ROOT))

N_ITEMS = 20
SEED = 0

#: (name, n or None for any n) -> (comparison, limit on ours / peer, text)
TARGETS: dict[tuple[str, int | None], tuple[str, float, str]] = {
    ("scoring vs naive replace", 1_000_000): ("<=", 1 / 8, ">= 8x faster"),
    ("scoring vs factorize reference", 1_000_000): ("<=", 1.3, "<= 1.3x"),
    ("pipeline vs read_csv", 1_000_000): ("<=", 3.0, "<= 3x"),
    ("peak memory vs parsed frame", 1_000_000): ("<=", 2.5, "<= 2.5x"),
    ("layout pipeline vs read_csv", 1_000_000): ("<=", 3.0, "<= 3x"),
    ("layout pipeline vs naive pipeline", 1_000_000): ("<=", 0.25, "<= 0.25x"),
    ("layout peak memory vs parsed frame", 1_000_000): ("<=", 2.5, "<= 2.5x"),
    ("load_survey of the bundled export", None): ("<=", 0.2, "<= 0.2 s"),
    # at N = 1e3 both take a few milliseconds of fixed costs: the target is for real sizes
    ("alpha pairwise vs pingouin", 100_000): ("<=", 0.3, "<= 0.3x"),
    ("alpha pairwise vs pingouin", 1_000_000): ("<=", 0.3, "<= 0.3x"),
    ("chart vs plot_likert", 100_000): ("<=", 0.3, "<= 0.3x"),
    ("report build vs sequential nbconvert", None): ("<", 1.0, "< 1x (aim 0.5x)"),
    ("import cmmc_analysis vs pandas", None): ("<=", 1.5, "<= 1.5x"),
}

NOTES: list[str] = []
ENTRIES: list[dict[str, Any]] = []


# --- helpers -----------------------------------------------------------------------------


def measure(fn: Callable[[], Any], *, repeats: int, warmup: int = 1, budget: float = 60.0):
    """Median wall time of ``fn`` over ``repeats`` runs after ``warmup`` runs.

    Repeats are cut down (never below one) when a single run would exceed ``budget``
    seconds in total. Returns ``(median seconds, runs timed, last result)``.
    """
    result = None
    first = None
    for _ in range(warmup):
        start = time.perf_counter()
        result = fn()
        first = time.perf_counter() - start
    if first is not None and first * repeats > budget:
        repeats = max(1, int(budget // max(first, 1e-9)))
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(times), result


def measure_together(
    fns: list[Callable[[], Any]], *, repeats: int, warmup: int = 1, budget: float = 60.0
) -> list[tuple[float, int, Any]]:
    """:func:`measure` of several functions with their runs interleaved (a, b, a, b, ...).

    Run by run, ours and the peer then see the same machine load, which matters on a
    shared machine. A slow function gets fewer repeats (``budget`` seconds each).
    Returns ``(median seconds, runs timed, last result)`` per function.
    """
    results: list[Any] = [None] * len(fns)
    first = [0.0] * len(fns)
    for _ in range(warmup):
        for j, fn in enumerate(fns):
            start = time.perf_counter()
            results[j] = fn()
            first[j] = time.perf_counter() - start
    runs = [
        repeats if not warmup else max(1, min(repeats, int(budget // max(f, 1e-9)))) for f in first
    ]
    times: list[list[float]] = [[] for _ in fns]
    for i in range(max(runs)):
        for j, fn in enumerate(fns):
            if i < runs[j]:
                gc.collect()
                start = time.perf_counter()
                results[j] = fn()
                times[j].append(time.perf_counter() - start)
    return [(statistics.median(t), len(t), r) for t, r in zip(times, results, strict=True)]


def record(name: str, n: int | None, ours: float | None, peer: str, peer_s: float | None, **extra):
    ratio = ours / peer_s if ours is not None and peer_s else None
    target = TARGETS.get((name, n)) or TARGETS.get((name, None))
    met = None
    if target is not None and ratio is not None:
        op, limit, _ = target
        met = bool(ratio <= limit) if op == "<=" else bool(ratio < limit)
    entry = {
        "name": name,
        "n": n,
        "ours_s": ours,
        "peer": peer,
        "peer_s": peer_s,
        "ratio": ratio,
        "target": target[2] if target else None,
        "met": met,
        **extra,
        "load_average": load(),  # when the figure was taken (the machine may be shared)
        "measured": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    ENTRIES.append(entry)
    if extra.get("unit") == "MB":
        return entry
    shown = f"{ratio:7.3f}" if ratio is not None else "    n/a"
    print(f"  {name:40s} n={n!s:>8}  ours={_fmt(ours)}  {peer}={_fmt(peer_s)}  ratio={shown}")
    return entry


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4f}s"


def have(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        NOTES.append(
            f"{module} is not installed: its comparisons are skipped (pip install -e '.[bench]')"
        )
        return False
    return True


def export_path(n: int) -> Path:
    """The simulated export of ``n`` rows (20 agree5 items, Italian labels), cached."""
    from likert import simulate_likert

    path = CACHE / f"likert_n{n}_items{N_ITEMS}_seed{SEED}.csv"
    if path.exists():
        return path
    import pyarrow as pa
    import pyarrow.csv as pacsv

    CACHE.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    frame = simulate_likert(n, n_items=N_ITEMS, seed=SEED)
    tmp = path.with_suffix(".part")
    with open(tmp, "wb") as fh:  # labels hold no delimiter, quote or newline: no quoting
        fh.write((",".join(frame.columns) + "\n").encode())
        table = pa.Table.from_pandas(frame, preserve_index=False)
        options = pacsv.WriteOptions(include_header=False, quoting_style="none")
        pacsv.write_csv(table, fh, options)
    tmp.replace(path)
    print(
        f"  wrote {path.name} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s"
    )
    return path


def bench_codebook():
    from likert import likert_codebook_dict

    from cmmc_analysis.codebook import parse_codebook

    return parse_codebook(likert_codebook_dict(N_ITEMS))


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = round(int(line.split()[1]) / 1024**2, 1)
    versions = {}
    for pkg in (
        "pandas",
        "numpy",
        "pyarrow",
        "scipy",
        "matplotlib",
        "pingouin",
        "plot-likert",
        "nbconvert",
    ):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[pkg] = importlib.metadata.version(pkg)
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": mem,
        "blas_threads": BLAS_THREADS,
        "versions": versions,
    }


def _entry_key(entry: dict[str, Any]) -> tuple[Any, ...]:
    """What identifies a figure across runs (a rerun replaces it)."""
    return entry["name"], entry.get("n"), entry.get("layout")


def load() -> list[float] | None:
    with contextlib.suppress(OSError, AttributeError):
        return [round(x, 2) for x in os.getloadavg()]
    return None


# --- the comparisons -------------------------------------------------------------------------


def bench_parse(n: int, path: Path, cb, repeats: int) -> pd.DataFrame:
    from cmmc_analysis.io.reader import read_export

    (peer_s, runs, frame), (ours_s, _, _) = measure_together(
        [lambda: pd.read_csv(path), lambda: read_export(path, codebook=cb)],
        repeats=repeats,
        budget=40,
    )
    record("read_export vs read_csv", n, ours_s, "pandas.read_csv", peer_s, repeats=runs)
    return frame


def bench_scoring(n: int, frame: pd.DataFrame, cb, repeats: int) -> pd.DataFrame:
    from cmmc_analysis.clean.score import score_frame

    items = cb.scale_items
    labels = cb.scales["agree5"].labels()
    mapping = {lab: float(j + 1) for j, lab in enumerate(labels)} | {"Non so": np.nan}

    def naive():
        return frame[items].replace(mapping).astype(float)

    def factorize_reference():
        out = {}
        for item in items:
            codes, uniques = pd.factorize(frame[item])
            lut = np.array([mapping[u] for u in uniques] + [np.nan])
            out[item] = lut[codes]
        return pd.DataFrame(out, index=frame.index)

    (ours_s, runs, ours), (fact_s, _, fact), (naive_s, naive_runs, naive_codes) = measure_together(
        [lambda: score_frame(frame, cb, items=items), factorize_reference, naive],
        repeats=repeats,
        budget=40,
    )
    for other, what in ((fact, "factorize reference"), (naive_codes, "naive replace")):
        if not np.array_equal(ours.to_numpy(), other.to_numpy(), equal_nan=True):
            raise AssertionError(f"scoring at n={n}: ours and the {what} give different codes")
    record(
        "scoring vs naive replace",
        n,
        ours_s,
        "replace(mapping).astype(float)",
        naive_s,
        repeats=naive_runs,
        identical_codes=True,
    )
    record(
        "scoring vs factorize reference",
        n,
        ours_s,
        "pd.factorize + lookup",
        fact_s,
        repeats=runs,
        identical_codes=True,
    )
    return ours


def bench_alpha(n: int, codes: pd.DataFrame, repeats: int) -> None:
    from cmmc_analysis.reliability import cronbach_alpha

    if not have("pingouin"):
        return
    import pingouin

    for rule in ("pairwise", "listwise"):
        (ours_s, runs, ours), (peer_s, _, peer) = measure_together(
            [
                lambda r=rule: cronbach_alpha(codes, missing=r),
                lambda r=rule: pingouin.cronbach_alpha(codes, nan_policy=r),
            ],
            repeats=max(repeats, 5),
            budget=40,
        )
        diff = abs(float(ours["estimate"].iloc[0]) - float(peer[0]))
        if diff > 1e-9:
            raise AssertionError(f"alpha {rule} at n={n}: ours and pingouin differ by {diff:g}")
        record(
            f"alpha {rule} vs pingouin",
            n,
            ours_s,
            f"pingouin.cronbach_alpha({rule})",
            peer_s,
            repeats=runs,
            abs_difference=diff,
        )


def bench_tests(n: int, codes: pd.DataFrame, repeats: int) -> None:
    from scipy import stats

    from cmmc_analysis.significance import vs_neutral

    def peer():
        return [
            stats.wilcoxon(codes[c].dropna().to_numpy() - 3.0, zero_method="pratt", correction=True)
            for c in codes.columns
        ]

    (ours_s, runs, ours), (peer_s, _, res) = measure_together(
        [lambda: vs_neutral(codes, midpoint=3.0), peer], repeats=repeats, budget=40
    )
    diff = float(np.max(np.abs(ours["p_value"].to_numpy() - [r.pvalue for r in res])))
    record(
        "tests vs neutral (20 items) vs scipy loop",
        n,
        ours_s,
        "scipy.stats.wilcoxon loop",
        peer_s,
        repeats=runs,
        max_p_difference=diff,
    )


def bench_chart(n: int, path: Path, frame: pd.DataFrame, cb, repeats: int) -> None:
    if not have("plot_likert"):
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not hasattr(pd.DataFrame, "applymap"):
        pd.DataFrame.applymap = pd.DataFrame.map  # the one-line pandas 3 shim plot_likert needs
        NOTES.append(
            "plot_likert 0.5 calls DataFrame.applymap, removed in pandas 3: shimmed "
            "with `pd.DataFrame.applymap = pd.DataFrame.map`"
        )
    import plot_likert

    from cmmc_analysis.clean.pipeline import clean
    from cmmc_analysis.describe.likert import distribution
    from cmmc_analysis.display.plots import diverging_bars
    from cmmc_analysis.io.reader import read_export

    survey = clean(read_export(path, codebook=cb), cb)
    items = cb.scale_items
    labels = cb.scales["agree5"].labels()
    answers = frame[items].replace({"Non so": None})  # plot_likert rejects labels off the scale

    def ours():
        fig = diverging_bars(distribution(survey, items), lang="it", title="Affermazioni")
        fig.savefig(io.BytesIO(), format="png")

    def peer():
        ax = plot_likert.plot_likert(answers, labels)  # counts: percentages fail on pandas 3
        ax.figure.savefig(io.BytesIO(), format="png")
        plt.close(ax.figure)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (ours_s, runs, _), (peer_s, _, _) = measure_together([ours, peer], repeats=repeats)
    record(
        "chart vs plot_likert",
        n,
        ours_s,
        "plot_likert.plot_likert",
        peer_s,
        repeats=runs,
        note="both rendered to PNG; plot_likert draws counts (plot_percentage=True "
        "fails on pandas 3: Series[0] on a text index); ours from the cleaned Survey, plot_likert from the text "
        "frame with 'Non so' set missing beforehand (it rejects off-scale labels)",
    )


def pipeline(path: Path, cb, *, tests: bool = False) -> dict[str, Any]:
    """The whole library pipeline: read, clean, score, every summary (no claims file here).

    With ``tests``, also the tests vs neutral of the 20 items (what claims would run).
    """
    from cmmc_analysis import load_survey
    from cmmc_analysis.describe.likert import codes, distribution, likert_summary
    from cmmc_analysis.reliability import cronbach_alpha
    from cmmc_analysis.significance import vs_neutral

    survey = load_survey(path, codebook=cb)
    x = codes(survey)
    out = {
        "summary": likert_summary(survey),
        "by_segment": likert_summary(survey, by="segment"),
        "distribution": distribution(survey),
        "alpha_listwise": cronbach_alpha(x, missing="listwise"),
        "alpha_pairwise": cronbach_alpha(x, missing="pairwise"),
    }
    if tests:
        out["vs_neutral"] = vs_neutral(x, midpoint=3.0)
    return out


def chunked_pipeline(path: Path, cb) -> dict[str, Any]:
    """The same summaries from one pass in chunks of 100 000 rows."""
    from cmmc_analysis.engine import chunked_alpha, chunked_summary, scan_export

    totals = scan_export(path, cb, construct="scale_total", chunksize=100_000)
    by = scan_export(path, cb, by="segment", chunksize=100_000)
    return {
        "summary": chunked_summary(path, cb, totals=totals),
        "by_segment": chunked_summary(path, cb, by="segment", totals=by),
        "alpha_listwise": chunked_alpha(path, cb, missing="listwise", totals=totals),
        "alpha_pairwise": chunked_alpha(path, cb, missing="pairwise", totals=totals),
    }


def bench_pipeline(n: int, path: Path, cb, repeats: int) -> None:
    (ours_s, runs, out), (read_s, _, _), (chunk_s, _, chunked), (tests_s, _, _) = measure_together(
        [
            lambda: pipeline(path, cb),
            lambda: pd.read_csv(path),
            lambda: chunked_pipeline(path, cb),
            lambda: pipeline(path, cb, tests=True),
        ],
        repeats=repeats,
        warmup=0,
    )
    record(
        "pipeline vs read_csv",
        n,
        ours_s,
        "pandas.read_csv",
        read_s,
        repeats=runs,
        steps="load_survey (read + clean), codes, likert_summary (+ by segment), "
        "distribution, alpha listwise + pairwise (no claims file for this codebook)",
    )
    record(
        "pipeline + tests vs neutral vs read_csv",
        n,
        tests_s,
        "pandas.read_csv",
        read_s,
        repeats=runs,
        steps="the pipeline above plus vs_neutral for the 20 items",
    )
    pd.testing.assert_frame_equal(chunked["summary"], out["summary"], check_exact=True)
    record(
        "chunked pipeline vs read_csv",
        n,
        chunk_s,
        "pandas.read_csv",
        read_s,
        repeats=runs,
        steps="two passes of scan_export in chunks of 100 000 (summaries, by segment, "
        "alpha both rules); same summary table as in memory (checked)",
    )


def _child(kind: str, path: str) -> None:
    """Run in a fresh process: peak memory (RSS) of one job, as JSON on stdout."""
    if kind.startswith("layout"):
        return _layout_child(kind, path)
    cb = bench_codebook()
    import cmmc_analysis.clean.pipeline  # noqa: F401
    import cmmc_analysis.engine  # noqa: F401 - imports before the baseline
    import cmmc_analysis.reliability  # noqa: F401
    import cmmc_analysis.significance  # noqa: F401

    # ru_maxrss survives fork + exec (it would report the parent's size): use the peak
    # of this address space (VmHWM), reset after the imports
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    base = _status("VmRSS")
    if kind == "pipeline":
        pipeline(Path(path), cb)
    elif kind == "chunked":
        chunked_pipeline(Path(path), cb)
    elif kind == "read_csv":
        frame = pd.read_csv(path)
        print(
            json.dumps({"frame_bytes": int(frame.memory_usage(deep=True).sum())}), file=sys.stderr
        )
    print(json.dumps({"baseline": base, "peak": _status("VmHWM")}))


def _layout_child(kind: str, path: str) -> None:
    """Peak memory of a layout's pipeline (``layout``), of its read_csv (``layout-read``),
    or of its Dask run (``layout-dask``); ``path`` is ``export.csv::codebook.yaml``."""
    from layouts import ours, ours_totals

    from cmmc_analysis.codebook import load_codebook

    csv_path, cb_path = path.split("::")
    cb = load_codebook(cb_path)
    import cmmc_analysis.clean.pipeline  # noqa: F401
    import cmmc_analysis.reliability  # noqa: F401
    import cmmc_analysis.significance  # noqa: F401

    client = None
    if kind == "layout-dask":
        import distributed

        client = distributed.Client(distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
            memory_limit=None))  # fmt: skip
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    base = _status("VmRSS")
    start = time.perf_counter()
    extra: dict[str, Any] = {}
    if kind == "layout":
        ours(Path(csv_path), cb)
    elif kind == "layout-dask":
        out = ours_totals(Path(csv_path), cb, engine="dask", scheduler=client)
        extra["n_rows"] = out["n_rows"]
    else:
        with open(csv_path, encoding="utf-8") as fh:
            sep = ";" if fh.readline().count(";") > 1 else ","
        frame = pd.read_csv(csv_path, sep=sep)
        extra["frame_bytes"] = int(frame.memory_usage(deep=True).sum())
    extra["seconds"] = time.perf_counter() - start
    print(json.dumps({"baseline": base, "peak": _status("VmHWM"), **extra}))


def bench_layouts(n: int, repeats: int, *, memory: bool) -> None:
    """Each generated layout: the whole pipeline against read_csv and the naive pipeline."""
    from layouts import LAYOUTS, naive, ours, write_layout

    from cmmc_analysis.codebook import load_codebook

    for name, make in LAYOUTS.items():
        if name == "likert20_plain":
            continue  # the historical layout is measured by the groups above
        csv_path, cb_path = write_layout(name, n, CACHE / "layouts")
        cb = load_codebook(cb_path)
        cb_doc, sep = yaml.safe_load(cb_path.read_text()), make(2, 0)[2]["sep"]
        fns = [
            lambda p=csv_path, c=cb: ours(p, c),
            lambda p=csv_path, sep=sep: pd.read_csv(p, sep=sep),
            lambda p=csv_path, d=cb_doc, sep=sep: naive(p, d, sep),
        ]
        # one warm-up round at small sizes (imports, first calls); none at 1e6 (minutes)
        (ours_s, runs, _), (read_s, _, _), (naive_s, _, _) = measure_together(
            fns, repeats=repeats, warmup=1 if n <= 100_000 else 0
        )
        steps = ("load_survey + likert_summary + reliability_table(pairwise) + "
                 "vs_neutral(survey)")  # fmt: skip
        record("layout pipeline vs read_csv", n, ours_s, "pandas.read_csv", read_s,
               layout=name, repeats=runs, steps=steps)  # fmt: skip
        record("layout pipeline vs naive pipeline", n, ours_s, "naive pipeline", naive_s,
               layout=name, repeats=runs, steps=steps, peer_steps=naive.__doc__.strip())  # fmt: skip
        if memory and sys.platform == "linux":
            arg = f"{csv_path}::{cb_path}"
            read, _ = _run_child("layout-read", arg)
            mine, _ = _run_child("layout", arg)
            mb = 1024**2
            record("layout peak memory vs parsed frame", n, None,
                   "parsed frame (memory_usage deep)", None, layout=name,
                   ours_mb=round((mine["peak"] - mine["baseline"]) / mb, 1),
                   peer_mb=round(read["frame_bytes"] / mb, 1),
                   ratio=(mine["peak"] - mine["baseline"]) / read["frame_bytes"],
                   unit="MB")  # fmt: skip
            ENTRIES[-1]["met"] = ENTRIES[-1]["ratio"] <= 2.5 if n == 1_000_000 else None


def bench_dask_big(n: int, base_s: float | None) -> None:
    """The likert20_it layout at ``n`` rows through the Dask engine: time and peak memory."""
    from layouts import write_layout

    csv_path, cb_path = write_layout("likert20_it", n, CACHE / "layouts")
    res, _ = _run_child("layout-dask", f"{csv_path}::{cb_path}")
    mb = 1024**2
    peak = (res["peak"] - res["baseline"]) / mb
    record("dask engine (summaries + alpha)", n, res["seconds"],
           "10 x the 1e6 in-memory pipeline" if base_s else "—",
           10 * base_s if base_s else None, layout="likert20_it", peak_mb=round(peak, 1),
           peak_target="< 2048 MB", peak_met=peak < 2048,
           steps="scan_export(engine='dask') on a LocalCluster of 2 threads + "
           "chunked_summary + chunked_alpha(pairwise)")  # fmt: skip
    ENTRIES[-1]["target"] = "<= 1.2x"
    if ENTRIES[-1]["ratio"] is not None:
        ENTRIES[-1]["met"] = ENTRIES[-1]["ratio"] <= 1.2


def bench_bundled(repeats: int) -> None:
    from cmmc_analysis.clean import load_survey

    load_survey()
    seconds, runs, _ = measure(lambda: load_survey(), repeats=repeats)
    record("load_survey of the bundled export", None, seconds, "0.2 s", 0.2, repeats=runs)
    ENTRIES[-1]["ratio"] = seconds / 0.2
    ENTRIES[-1]["met"] = seconds <= 0.2


def _status(field: str) -> int:
    """A size from /proc/self/status (VmRSS: now, VmHWM: peak), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def _run_child(kind: str, path: Path) -> tuple[dict[str, Any], str]:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(path)],
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


def bench_memory(n: int, path: Path) -> None:
    if sys.platform != "linux":
        NOTES.append("peak memory is measured from /proc and ru_maxrss: Linux only, skipped")
        return
    read, err = _run_child("read_csv", path)
    frame_bytes = json.loads(err.strip().splitlines()[-1])["frame_bytes"]
    ours, _ = _run_child("pipeline", path)
    chunked, _ = _run_child("chunked", path)
    mb = 1024**2
    for name, res in (
        ("peak memory vs parsed frame", ours),
        ("chunked peak memory vs parsed frame", chunked),
    ):
        extra = (res["peak"] - res["baseline"]) / mb
        record(
            name,
            n,
            None,
            "parsed frame (memory_usage deep)",
            None,
            ours_mb=round(extra, 1),
            peer_mb=round(frame_bytes / mb, 1),
            unit="MB",
            read_csv_peak_mb=round((read["peak"] - read["baseline"]) / mb, 1),
        )
        ENTRIES[-1]["ratio"] = extra * mb / frame_bytes
        target = TARGETS.get((name, n))
        if target:
            ENTRIES[-1]["met"] = bool(ENTRIES[-1]["ratio"] <= target[1])
        print(
            f"  {name:40s} n={n:>8}  {extra:.0f} MB over the baseline; parsed frame "
            f"{frame_bytes / mb:.0f} MB; ratio {ENTRIES[-1]['ratio']:.3f}"
        )


def bench_report(repeats: int) -> None:
    import nbformat

    from cmmc_analysis.report.build import build_report, find_notebooks

    jupyter = Path(sys.executable).with_name("jupyter")
    notebooks = find_notebooks()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)

        def ours():
            build_report(out=tmp / "report", jobs=2)

        def nbconvert(paths, out):
            for nb in paths:
                subprocess.run(
                    [
                        str(jupyter),
                        "nbconvert",
                        "--to",
                        "html",
                        "--execute",
                        str(nb),
                        "--output-dir",
                        str(out),
                    ],
                    cwd=nb.parent,
                    check=True,
                    capture_output=True,
                    timeout=900,
                )

        trivial = tmp / "trivial.ipynb"
        nbformat.write(
            nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), trivial
        )
        ours_s, runs, _ = measure(ours, repeats=repeats, warmup=0, budget=120)
        peer_s, _, _ = measure(
            lambda: nbconvert(notebooks, tmp / "nbc"), repeats=repeats, warmup=0, budget=120
        )
        floor_s, _, _ = measure(
            lambda: nbconvert([trivial], tmp / "triv"), repeats=repeats, warmup=0, budget=60
        )
    rows = None
    record(
        "report build vs sequential nbconvert",
        rows,
        ours_s,
        f"nbconvert --execute x{len(notebooks)}",
        peer_s,
        repeats=runs,
        note="ours: both flavours (with and without code) + index + leak check, 2 kernels "
        "in parallel; nbconvert: one flavour, one notebook after another",
    )
    record(
        "report build vs one-cell nbconvert",
        rows,
        ours_s,
        "nbconvert --execute (1 cell)",
        floor_s,
        repeats=runs,
    )


def bench_import(repeats: int) -> None:
    code = "import time; t = time.perf_counter(); import {m}; print(time.perf_counter() - t)"

    def once(module: str) -> float:
        proc = subprocess.run(
            [sys.executable, "-c", code.format(m=module)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        return float(proc.stdout.strip())

    for module in ("pandas", "cmmc_analysis"):
        once(module)  # warm the file cache
    ours = statistics.median(once("cmmc_analysis") for _ in range(repeats))
    peer = statistics.median(once("pandas") for _ in range(repeats))
    record("import cmmc_analysis vs pandas", None, ours, "import pandas", peer, repeats=repeats)


# --- main ----------------------------------------------------------------------------------------


def print_table() -> None:
    print("\n| comparison | n | ours | peer | peer time | ratio | target | met |")
    print("|---|---:|---:|---|---:|---:|---|---|")
    for e in ENTRIES:
        if e.get("unit") == "MB":
            ours, peer = f"{e['ours_mb']:.0f} MB", f"{e['peer_mb']:.0f} MB"
        else:
            ours, peer = _fmt(e["ours_s"]), _fmt(e["peer_s"])
        n = f"{e['n']:,}" if e["n"] else "—"
        ratio = f"{e['ratio']:.3f}" if e["ratio"] is not None else "—"
        met = {True: "yes", False: "**no**", None: ""}[e["met"]]
        print(
            f"| {e['name']} | {n} | {ours} | {e['peer']} | {peer} | {ratio} | "
            f"{e['target'] or ''} | {met} |"
        )
    for note in dict.fromkeys(NOTES):
        print(f"\nnote: {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only N = 1e3 and 1e5, fewer repeats")
    parser.add_argument(
        "--only",
        nargs="*",
        default=None,
        help="run only these groups: parse scoring alpha tests chart pipeline memory layouts "
        "bundled report import",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where to write the results (default: benchmarks/results.json; "
        "with --quick benchmarks/cache/results-quick.json)",
    )
    parser.add_argument(
        "--note",
        action="append",
        default=[],
        help="a note stored with the results (e.g. what else ran on the machine)",
    )
    parser.add_argument(
        "--dask-rows",
        type=int,
        default=None,
        help="also run the likert20_it layout at this many rows through the Dask engine "
        "(e.g. 10000000: a 4.5 GB file written once to benchmarks/cache)",
    )
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = CACHE / "results-quick.json" if args.quick else RESULTS
    if args.child:
        _child(*args.child)
        return 0
    groups = set(
        args.only
        or [
            "parse",
            "scoring",
            "alpha",
            "tests",
            "chart",
            "pipeline",
            "memory",
            "layouts",
            "bundled",
            "report",
            "import",
        ]
    )
    sizes = [1_000, 100_000] if args.quick else [1_000, 100_000, 1_000_000]
    repeats = 3 if args.quick else 5
    big = sizes[-1]
    started = time.perf_counter()
    load_before = load()
    print(f"cmmc-analysis benchmarks ({'quick' if args.quick else 'full'}), load {load_before}")
    cb = bench_codebook()
    for n in sizes:
        print(f"N = {n:,}")
        path = export_path(n)
        r = repeats if n < 1_000_000 else 3
        frame = None
        if "parse" in groups:
            frame = bench_parse(n, path, cb, r)
        elif groups & {"scoring", "alpha", "tests", "chart"}:
            frame = pd.read_csv(path)
        codes = None
        if groups & {"scoring", "alpha", "tests"}:
            codes = bench_scoring(n, frame, cb, r) if "scoring" in groups else None
            if codes is None:
                from cmmc_analysis.clean.score import score_frame

                codes = score_frame(frame, cb)
        if "alpha" in groups:
            bench_alpha(n, codes, r)
        if "tests" in groups:
            bench_tests(n, codes, r)
        if "chart" in groups and n == 100_000:
            bench_chart(n, path, frame, cb, r)
        if "pipeline" in groups and n == big:
            bench_pipeline(n, path, cb, 2)
        if "memory" in groups and n == big:
            bench_memory(n, path)
        del frame, codes
        gc.collect()
    if "layouts" in groups:
        n = 100_000 if args.quick else 1_000_000
        print(f"layouts, N = {n:,}")
        bench_layouts(n, 1 if args.quick else 2, memory=True)
    if "bundled" in groups:
        print("bundled export")
        bench_bundled(5)
    if args.dask_rows:
        print(f"dask engine, N = {args.dask_rows:,}")
        base = [e["ours_s"] for e in ENTRIES
                if e["name"] == "layout pipeline vs read_csv" and e.get("layout") == "likert20_it"
                and e["n"] == 1_000_000]  # fmt: skip
        bench_dask_big(args.dask_rows, base[0] if base else None)
    if "report" in groups:
        print("report")
        bench_report(1)
    if "import" in groups:
        print("import")
        bench_import(7 if not args.quick else 3)
    entries = ENTRIES
    if args.only and args.out.exists():  # keep the figures of the groups not rerun
        rerun = {_entry_key(e) for e in ENTRIES}
        with contextlib.suppress(ValueError, KeyError, TypeError):
            kept = [
                e for e in json.loads(args.out.read_text(encoding="utf-8"))["entries"]
                if _entry_key(e) not in rerun
            ]  # fmt: skip
            entries = [*kept, *ENTRIES]
    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "machine": machine(),
        "load_average": {"before": load_before, "after": load()},
        "duration_s": round(time.perf_counter() - started, 1),
        "notes": list(dict.fromkeys([*args.note, *NOTES])),
        "groups_run": sorted(groups),
        "entries": entries,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=float) + "\n", encoding="utf-8")
    print_table()
    print(
        f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out} "
        f"in {results['duration_s']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
