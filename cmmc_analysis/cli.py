"""The command line: ``cmmc-analysis <command> ...``.

Each sub-command is one function ``cmd_<name>(args) -> int`` registered in
:func:`build_parser`. Errors from bad input (:class:`~cmmc_analysis.errors.SurveyDataError`)
are printed as one line on stderr with exit status 2, never as a traceback.

Examples
--------
>>> build_parser().parse_args(["simulate", "--seed", "7", "--out", "x.csv"]).seed
7
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from . import __version__
from .errors import SurveyDataError

__all__ = ["build_parser", "main"]


def cmd_simulate(args: argparse.Namespace) -> int:
    """Write a simulated raw export (and the list of planted mess beside it)."""
    from .errors import OutputError
    from .synth import planted_path, simulate, write_export

    for path in (args.out, planted_path(args.out)):
        if os.path.lexists(path):  # never overwrite: it could be a real export
            raise OutputError(
                f"output '{path}' already exists; expected a new file name (simulate never "
                "overwrites a file; delete it first if it is an older simulation); nothing "
                "was changed"
            )
    sim = simulate(seed=args.seed, n=args.n)
    out, planted = write_export(sim, args.out)
    print(
        f"wrote {out} ({len(sim.export)} rows) and {planted} ({len(sim.planted)} planted defects)"
    )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Read and clean an export in memory; print what was detected and found. Writes nothing."""
    from .clean.pipeline import describe, load_survey

    print(describe(load_survey(args.path, codebook=args.codebook, **_engine(args))))
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    """Clean an export and write the clean table and the cleaning log to a folder."""
    from .clean.pipeline import load_survey, write_survey
    from .paths import DEFAULT_CLAIMS, DEFAULT_CODEBOOK

    survey = load_survey(args.path, codebook=args.codebook, **_engine(args))
    inputs = (args.path, args.codebook or DEFAULT_CODEBOOK, DEFAULT_CLAIMS)
    written = write_survey(survey, args.out, format=args.format, protect=inputs)
    print(f"wrote {len(written)} files to {args.out} ({len(survey)} analysed rows)")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Execute the notebooks and write the HTML report (progress on stderr)."""
    from .report.build import build_report

    def progress(message: str) -> None:
        print(f"cmmc-analysis report: {message}", file=sys.stderr, flush=True)

    _engine(args, for_kernels=True)  # the notebooks' load_survey reads the environment

    out = build_report(
        data=args.data,
        codebook=args.codebook,
        claims=args.claims,
        lang=args.lang,
        cutoff=args.cutoff,
        out=args.out,
        code=not args.no_code,
        jobs=args.jobs,
        screenshots=args.screenshots,
        include_free_text=args.include_free_text,
        progress=progress,
        notebooks_dir=args.notebooks,
    )
    print(out / "index.html")
    return 0


def _engine(args: argparse.Namespace, *, for_kernels: bool = False) -> dict[str, object]:
    """``--engine``/``--scheduler`` as ``load_survey`` arguments; for the report, as the
    environment variables the notebooks' ``load_survey`` reads (a local cluster listening
    on TCP is started when no scheduler is given)."""
    import os

    if args.engine != "dask":
        return {}
    scheduler = args.scheduler
    if for_kernels:
        if scheduler is None:
            from distributed import LocalCluster

            args._cluster = LocalCluster(processes=False, protocol="tcp", dashboard_address=None)
            scheduler = args._cluster.scheduler_address
        os.environ["CMMC_ENGINE"], os.environ["CMMC_DASK_SCHEDULER"] = "dask", scheduler
    return {"engine": "dask", "scheduler": scheduler}


def _engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=["pandas", "dask"], default="pandas",
                   help="pandas (default, in memory) or dask (partitions on a cluster)")  # fmt: skip
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler address (default: a local cluster)")  # fmt: skip


def cmd_codebook(args: argparse.Namespace) -> int:
    """Draft a codebook from an export, or convert a questionnaire file (YAML to stdout)."""
    from .draft.cli import run_codebook

    return run_codebook(args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="cmmc-analysis",
        description="Clean, score and test a survey export; build shareable HTML reports.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("simulate", help="write a simulated raw export")
    p.add_argument("--seed", type=int, default=2020, help="random seed (default 2020)")
    p.add_argument(
        "--n", type=int, default=None, help="number of respondents (default: as bundled)"
    )
    p.add_argument("--out", type=Path, required=True, help="CSV file to write")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("validate", help="read and clean an export; report problems, write nothing")
    p.add_argument("path", type=Path, help="the export (CSV or XLSX)")
    p.add_argument("--codebook", type=Path, default=None, help="codebook YAML (default: bundled)")
    _engine_options(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("clean", help="write the clean table and the cleaning log")
    p.add_argument("path", type=Path, help="the export (CSV or XLSX)")
    p.add_argument("--out", type=Path, required=True, help="folder to write to")
    p.add_argument("--format", choices=["parquet", "csv", "sav"], default="parquet")
    p.add_argument("--codebook", type=Path, default=None, help="codebook YAML (default: bundled)")
    _engine_options(p)
    p.set_defaults(func=cmd_clean)

    from .paths import REPORTS_DIR

    p = sub.add_parser("report", help="execute the notebooks and write the HTML report")
    p.add_argument(
        "--data", type=Path, default=None, help="the export (default: bundled, simulated)"
    )
    p.add_argument("--codebook", type=Path, default=None, help="codebook YAML (default: bundled)")
    p.add_argument(
        "--claims",
        type=Path,
        default=None,
        help="claims YAML (default: the file the codebook names; none: no claims section)",
    )
    p.add_argument(
        "--lang",
        default=None,
        help="report language, one of the codebook's (default: its source language)",
    )
    p.add_argument(
        "--notebooks",
        type=Path,
        default=None,
        help="folder of numbered notebooks NN_name.ipynb to build (default: notebooks/)",
    )
    p.add_argument(
        "--cutoff", default=None, help="interim cut-off: a codebook cut-off name or a date-time"
    )
    p.add_argument(
        "--out", type=Path, default=REPORTS_DIR, help="report folder (default: reports/)"
    )
    p.add_argument(
        "--no-code", action="store_true", help="write only the shareable pages (no code)"
    )
    p.add_argument("--jobs", type=int, default=2, help="notebooks run at the same time (default 2)")
    p.add_argument(
        "--screenshots", action="store_true", help="also write PNGs of index and findings"
    )
    p.add_argument(
        "--include-free-text", action="store_true", help="show scrubbed free-text answers"
    )
    _engine_options(p)
    p.set_defaults(func=cmd_report)

    from .draft.cli import add_codebook_parser

    add_codebook_parser(sub, cmd_codebook)
    return parser


def _on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM handled like Ctrl-C, so that a build cleans up and says "interrupted"."""
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)  # asyncio's handler cancels the running build
    else:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cmmc-analysis`` console script.

    Bad input: one line on stderr, exit 2. Ctrl-C or SIGTERM: "interrupted", exit 130
    (a report build first deletes its hidden build folder; the previous report stays).
    """
    args = build_parser().parse_args(argv)
    try:
        with _sigterm_interrupts():
            return int(args.func(args) or 0)
    except SurveyDataError as err:
        print(f"cmmc-analysis {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"cmmc-analysis {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output went away (`cmmc-analysis validate ... | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
