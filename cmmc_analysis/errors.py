"""The exception family of cmmc-analysis.

Every error that bad input can cause is a :class:`SurveyDataError` (or one of its
subclasses). Messages say *where* (file, row, column, entry or parameter), *what was
found* and *what was expected*; they carry respondent ids or row numbers, never
answers or personal data. The command line prints them as one line and exits with
status 2.

Examples
--------
>>> err = ExportError("unknown delimiter", path="export.csv", row=3, column="role")
>>> str(err)
'export.csv, row 3, column role: unknown delimiter'
>>> isinstance(err, SurveyDataError), isinstance(err, ValueError)
(True, True)

Each exception also subclasses the builtin it refines, so ``except ValueError`` code
written for pandas or the standard library keeps working: bad input is a
:class:`ValueError`, a failed report build also a :class:`RuntimeError`. A message is
always one line (line breaks in a file name or a value are shown as spaces).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = [
    "SurveyDataError",
    "CodebookError",
    "ExportError",
    "ClaimsError",
    "ReportError",
    "PrivacyLeakError",
    "OutputError",
]


class SurveyDataError(ValueError):
    """Base class: bad input that the user can fix (a :class:`ValueError`).

    Parameters
    ----------
    message
        What was found and what was expected.
    path
        The file concerned, if any (only its name is shown).
    row
        The source row number (header = row 1), if any.
    column
        The column (header or item id), if any.
    entry
        The entry of a YAML file (for example ``items[3] (org_models).scale``).
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        entry: str | None = None,
    ) -> None:
        self.message = message
        self.path = Path(path) if path is not None else None
        self.row = row
        self.column = column
        self.entry = entry
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.path is not None:
            name = self.path.name
            where.append(name if name.isprintable() else repr(name))
        if self.entry is not None:
            where.append(f"entry {self.entry}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        text = f"{', '.join(where)}: {self.message}" if where else str(self.message)
        return " ".join(text.splitlines())

    def __reduce__(self) -> tuple[Any, ...]:
        # keep path, row, column and entry when the error crosses a process boundary
        where = {"path": self.path, "row": self.row, "column": self.column, "entry": self.entry}
        return (_rebuild, (type(self), self.message, where))


class CodebookError(SurveyDataError):
    """The codebook is malformed or inconsistent."""


class ExportError(SurveyDataError):
    """The raw export cannot be read or does not match the codebook."""


class ClaimsError(SurveyDataError):
    """The claims file is malformed or does not fit the codebook."""


class ReportError(SurveyDataError, RuntimeError):
    """A report build failed (a notebook raised, or an output is unsafe).

    Also a :class:`RuntimeError`: the build, not only its input, went wrong.
    """


class PrivacyLeakError(ReportError):
    """A rendered report contains personal data from the raw export."""


class OutputError(SurveyDataError):
    """An output would replace, overwrite or delete an input or a file the tool did not write."""


def _rebuild(cls: type[SurveyDataError], message: str, where: dict[str, Any]) -> SurveyDataError:
    return cls(message, **where)
