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
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import SurveyDataError

__all__ = ["build_parser", "main"]


def cmd_simulate(args: argparse.Namespace) -> int:
    """Write a simulated raw export (and the list of planted mess beside it)."""
    from .synth import simulate, write_export

    sim = simulate(seed=args.seed, n=args.n)
    write_export(sim, args.out)
    print(f"wrote {args.out} ({len(sim.export)} rows, {len(sim.planted)} planted defects)")
    return 0


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
    p.add_argument("--n", type=int, default=None, help="number of respondents (default: as bundled)")
    p.add_argument("--out", type=Path, required=True, help="CSV file to write")
    p.set_defaults(func=cmd_simulate)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cmmc-analysis`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SurveyDataError as err:
        print(f"cmmc-analysis {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"cmmc-analysis {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
