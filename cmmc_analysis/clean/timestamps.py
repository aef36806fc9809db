"""Timestamp columns that would be read wrong: refused, never silently excluded.

A form tool writes dates in its user's locale: ``5/10/2024`` is 10 May in the United
States and 5 October in Italy. The cleaning reads a timestamp column with the format
the codebook states (``format:``), or with the first format of
:data:`~cmmc_analysis.clean.values.TIMESTAMP_FORMATS` that reads the whole column
(``dayfirst:`` limits the choice). Two outcomes would silently lose respondents, and
:func:`check_timestamps` turns both into one :class:`~cmmc_analysis.errors.ExportError`
naming the column, a value and the format tried:

* more than :data:`MAX_UNREADABLE` of a column's non-blank values (and more than one)
  cannot be read (they would become missing; for the submission time, the rows would
  drop out of every cut); a lone unreadable value is missing and logged;
* for the submission time, values read outside the fieldwork window that, read with
  day and month swapped, fall inside it (the export is in the other convention).

Examples
--------
>>> from cmmc_analysis.codebook import parse_codebook
>>> from cmmc_analysis.clean.parse import parse_partition
>>> cb = parse_codebook({"survey": {"languages": ["en"], "source_language": "en"},
...     "fieldwork": {"start": "2024-05-01", "end": "2024-05-31T23:59:59"},
...     "items": [{"id": "ts", "type": "datetime", "role": "submitted_at", "text": "Timestamp"}]})
>>> df = pd.DataFrame({"source_row": [2, 3], "ts": ["5/10/2024 16:06:00", "5/11/2024 09:00:00"]})
>>> check_timestamps(parse_partition(df, cb), cb, {})
Traceback (most recent call last):
...
cmmc_analysis.errors.ExportError: column 'ts': 2 of 2 values read day first fall outside the fieldwork window ...
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import Codebook
from ..errors import ExportError
from .codes import _INVALID
from .values import (
    TIMESTAMP_FORMATS,
    allowed_formats,
    choose_timestamp_format,
    format_name,
    timestamp_fits,
)

__all__ = ["MAX_UNREADABLE", "check_timestamps"]

#: The share of a timestamp column's non-blank values that may be unreadable (each is
#: then missing and logged) before the column is refused.
MAX_UNREADABLE = 0.05


def check_timestamps(
    parsed: Mapping[str, Any],
    codebook: Codebook,
    formats: Mapping[str, int | str],
    *,
    path: str | Path | None = None,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Refuse a timestamp column read wrong (see the module docstring).

    Parameters
    ----------
    parsed
        The parsed items of the whole export (:func:`~cmmc_analysis.clean.parse.parse_partition`).
    codebook
        The codebook (formats, ``dayfirst``, fieldwork window).
    formats
        The format index decided for each timestamp column (``Settings.timestamp_formats``).
    path, headers
        The export and its headers by item id, for the message.

    Raises
    ------
    ExportError
        Naming the column, how many values, one of them, and the format tried.
    """
    headers = headers or {}
    for item_id, p in parsed.items():
        item = codebook.items[item_id]
        if p.kind != "time":
            continue
        allowed = allowed_formats(item.dayfirst)
        fmt = item.format or formats.get(item_id)
        if fmt is None:  # decided on the values, as parse_timestamps does
            fmt = choose_timestamp_format(timestamp_fits(pd.Series(p.raw, dtype="str")) & allowed)
        tried = format_name(fmt, allowed)
        column = repr(headers.get(item_id, item_id))
        present = np.asarray(p.answered_raw, dtype=bool)
        bad = present & (p.reason == _INVALID)
        if bad.sum() > max(1, MAX_UNREADABLE * present.sum()):
            example = p.raw_values(np.flatnonzero(bad)[:1])[0]
            raise ExportError(
                f"{int(bad.sum())} of {int(present.sum())} values cannot be read as date-times "
                f"(for example {example!r}; format tried: {tried}); expected the export's "
                "format stated in the codebook (format: or dayfirst:)",
                path=path,
                column=column,
            )
        if item.role == "submitted_at" and item.format is None:
            _check_window(p, codebook, fmt, column, path)


def _check_window(p: Any, codebook: Codebook, fmt: Any, column: str, path: Any) -> None:
    start, end = codebook.fieldwork_start, codebook.fieldwork_end
    if start is None and end is None:
        return
    values = p.values.astype("datetime64[us]")
    ok = ~np.isnat(values)
    lo = np.datetime64(start) if start is not None else np.datetime64("NaT")
    hi = np.datetime64(end) if end is not None else np.datetime64("NaT")
    outside = ok & ((values < lo) if start is not None else False)
    outside |= ok & ((values > hi) if end is not None else False)
    if not outside.any():
        return
    stamps = pd.DatetimeIndex(values[outside])
    swappable = stamps.day <= 12
    swapped = pd.to_datetime(
        {
            "year": stamps.year[swappable],
            "month": stamps.day[swappable],
            "day": stamps.month[swappable],
            "hour": stamps.hour[swappable],
            "minute": stamps.minute[swappable],
            "second": stamps.second[swappable],
        },
        errors="coerce",
    )
    inside = (swapped >= (start if start is not None else swapped.min())) & (
        swapped <= (end if end is not None else swapped.max())
    )
    if not inside.any():
        return
    rows = np.flatnonzero(outside)[np.flatnonzero(swappable)[np.flatnonzero(inside.to_numpy())]]
    example = p.raw_values(rows[:1])[0]
    read = pd.Timestamp(values[rows[0]]).isoformat(sep=" ")
    order = "day first" if _day_first(fmt) else "month first"
    raise ExportError(
        f"{len(rows)} of {int(ok.sum())} values read {order} fall outside the fieldwork window "
        f"({start} to {end}) but inside it with day and month swapped (for example {example!r} "
        f"read as {read}; format tried: {format_name(fmt)}); expected the export's format "
        "stated in the codebook (format: or dayfirst:), so that no respondent is excluded "
        "by a wrong reading",
        path=path,
        column=column,
    )


def _day_first(fmt: Any) -> bool:
    name = (
        fmt
        if isinstance(fmt, str)
        else TIMESTAMP_FORMATS[fmt]
        if fmt is not None and fmt >= 0
        else ""
    )
    return name.startswith("%d")
