"""The ``cmmc-analysis codebook`` sub-commands: ``draft`` and ``from``.

``codebook draft EXPORT`` drafts a codebook from an export
(:func:`cmmc_analysis.draft.export.draft_from_export`; a ``.sav`` file's own
labels are used instead, as by ``codebook from``); ``codebook from FILE``
converts a questionnaire (XLSForm ``.xlsx``, SPSS ``.sav``, Qualtrics ``.qsf``).
The YAML goes to stdout, or to ``--out FILE`` (never over an existing file without
``--force``); what could not be converted and the number of lines to check go to
stderr.

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_codebook_parser(parser.add_subparsers(dest="command"), lambda a: 0)
>>> args = parser.parse_args(["codebook", "draft", "export.csv", "--lang", "en"])
>>> args.action, args.path.name, args.lang, args.out, args.force
('draft', 'export.csv', 'en', None, False)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ..errors import SurveyDataError
from .write import Draft, save_yaml, write_yaml

__all__ = ["add_codebook_parser", "run_codebook", "convert"]

#: Questionnaire formats ``codebook from`` reads, by file suffix.
FORMATS = {".xlsx": "XLSForm", ".xls": "XLSForm", ".sav": "SPSS", ".qsf": "Qualtrics"}


def add_codebook_parser(sub: argparse._SubParsersAction, func: Callable) -> None:
    """Register ``codebook draft`` and ``codebook from`` on the sub-parsers ``sub``."""
    p = sub.add_parser("codebook", help="draft a codebook from an export or a questionnaire file")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, helptext, what in (
        ("draft", "draft a codebook from an export (CSV, XLSX, SAV)", "the export"),
        ("from", "convert a questionnaire: XLSForm .xlsx, SPSS .sav, Qualtrics .qsf", "the file"),
    ):
        a = actions.add_parser(name, help=helptext)
        a.add_argument("path", type=Path, help=what)
        a.add_argument(
            "--lang", choices=["it", "en"], default=None, help="its language (default: guessed)"
        )
        a.add_argument(
            "--out", type=Path, default=None, help="YAML file to write (default: stdout)"
        )
        a.add_argument("--force", action="store_true", help="replace --out if it exists")
        a.set_defaults(func=func)


def convert(path: str | Path, *, lang: str | None = None) -> Draft:
    """The draft of a questionnaire file, by its suffix (see :data:`FORMATS`).

    Raises
    ------
    SurveyDataError
        The suffix is not one of :data:`FORMATS`, or the file cannot be read.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        from .xlsform import draft_from_xlsform

        return draft_from_xlsform(path, lang=lang)
    if suffix == ".sav":
        from .spss import draft_from_sav

        return draft_from_sav(path, lang=lang)
    if suffix == ".qsf":
        from .qualtrics import draft_from_qsf

        return draft_from_qsf(path, lang=lang)
    raise SurveyDataError(
        f"unknown questionnaire format {suffix or '(no suffix)'!r}; expected one of "
        f"{', '.join(f'{k} ({v})' for k, v in FORMATS.items())}",
        path=path,
    )


def run_codebook(args: argparse.Namespace) -> int:
    """Run ``codebook draft`` or ``codebook from``; returns the exit status."""
    if args.out is not None and args.out.exists() and not args.force:
        raise SurveyDataError(
            "the file exists; expected a new file name (or --force to replace it)", path=args.out
        )
    if args.out is not None and args.out.resolve() == args.path.resolve():
        raise SurveyDataError("refusing to write over the input file", path=args.out)
    if args.action == "draft" and args.path.suffix.lower() != ".sav":
        from .export import draft_from_export

        draft = draft_from_export(args.path, lang=args.lang)
    else:
        draft = convert(args.path, lang=args.lang)
    text = write_yaml(draft)
    for lost in draft.unconverted:
        print(f"cmmc-analysis codebook: not converted: {lost}", file=sys.stderr)
    if args.out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        where = "stdout"
    else:
        save_yaml(text, args.out, force=args.force)
        where = str(args.out)
    print(
        f"cmmc-analysis codebook: wrote {where}: {len(draft.items)} items, "
        f"{draft.n_checks} lines to check (# check:)",
        file=sys.stderr,
    )
    return 0
