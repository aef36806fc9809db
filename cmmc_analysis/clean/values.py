"""Numbers and timestamps written as text: the ``numbers`` and ``timestamps`` value rules.

Both work on the *distinct* values of a column and return look-up arrays over them
(``values``, ``reason``, ``action``, one slot more than the values, for a missing
cell), so their cost grows with the number of distinct texts. The common case of each
is one vectorised pass: plain numbers in the export's convention are recognised by one
Arrow regex match and converted by one cast; timestamps are read by one
``pandas.to_datetime`` call with the format that fits the column. Only unusual numbers
(``"circa 90"``, ``"1.000,5"``, ``"80 %"``) go one by one through :func:`_parse_number`.

Examples
--------
>>> vals, reason, action = parse_numbers(["85", "circa 90", "molti"], lo=0, hi=100)
>>> vals.tolist(), [ACTIONS[a] for a in action]
([85.0, 90.0, nan, nan], ['', 'approximate', 'rejected', ''])
>>> vals, reason, action = parse_timestamps(["03/25/2024 01:05:00 PM", "12/01/2024 09:00:00 AM"])
>>> [str(v) for v in vals[:2]]
['2024-03-25T13:05:00.000000', '2024-12-01T09:00:00.000000']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..io.reader import normalise_text
from .codes import _BLANK, _INVALID, _NAA, ACTIONS, A
from .text import arrow_strings

__all__ = [
    "parse_numbers",
    "parse_timestamps",
    "timestamp_fits",
    "choose_timestamp_format",
    "allowed_formats",
    "format_name",
    "decimal_evidence",
    "decimal_from_evidence",
    "TIMESTAMP_FORMATS",
    "NUMBER_NOT_AN_ANSWER",
    "NUMBER_ALL",
    "NUMBER_NONE",
    "ACTIONS",
]

#: Texts read as "no answer" in a numeric item (compared after ``normalise_text``).
NUMBER_NOT_AN_ANSWER = ("n.d.", "n.d", "nd", "n/d", "n/a", "non so", "non saprei", "don't know")
#: Texts read as the item's maximum and minimum.
NUMBER_ALL = ("tutti", "tutto", "tutte", "all")
NUMBER_NONE = ("nessuno", "nessuna", "none")
#: Prefixes marking an approximate number ("circa 90" -> 90, logged ``approximate``).
_APPROX = re.compile(r"^(circa|ca\.|ca|c\.a\.|about|approx\.?|around|~|≈)\s*")
_PLAIN = {".": r"[+-]?\d+(?:\.\d+)?", ",": r"[+-]?\d+(?:,\d+)?"}
_NUMERIC_TEXT = re.compile(r"^[+-]?\d[\d.,' ]*$")

#: Timestamp formats in the order they are preferred: ISO 8601, then day first, then
#: month first (US exports). A column is read with the first format that reads every
#: one of its non-blank values; when none does, each value is read by the first format
#: that reads it (ISO, day-first, month-first).
TIMESTAMP_FORMATS = (
    "ISO8601",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H.%M.%S",
    "%d/%m/%Y %H.%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
)
#: Every format fits a column without values.
ALL_FORMATS = (1 << len(TIMESTAMP_FORMATS)) - 1
_TZ = r"\s*(?:Z|[+-]\d{2}:?\d{2})$"
_SAMPLE = 200


def parse_numbers(
    uniques: Sequence[str] | Any,
    *,
    decimal: str = ".",
    unit: str | None = None,
    lo: float | None = None,
    hi: float | None = None,
    not_an_answer: Sequence[str] = (),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers written as text, as look-up arrays over distinct values (see docs/cleaning.md).

    Returns ``(values, reason, action)``, each of length ``len(uniques) + 1`` (the last
    slot is for a missing cell): the float value (NaN when missing), the missing
    reason (-1 when answered, else an index into ``MISSING_REASONS``) and the action
    (an index into :data:`ACTIONS`; 0 when the text was a plain number).

    >>> vals, reason, action = parse_numbers(
    ...     ["80", "80 %", "0,8", "circa 90", "tutti", "n.d.", "120", "boh"],
    ...     unit="%", lo=0, hi=100)
    >>> vals.tolist()
    [80.0, 80.0, 80.0, 90.0, 100.0, nan, nan, nan, nan]
    >>> [ACTIONS[a] for a in action]  # doctest: +NORMALIZE_WHITESPACE
    ['', 'converted', 'converted', 'approximate', 'converted', 'not_an_answer',
     'out_of_range', 'rejected', '']
    >>> vals, reason, action = parse_numbers(["1" * 400, "1e999", "-inf"])
    >>> vals.tolist()[:3], [ACTIONS[a] for a in action][:3]
    ([nan, nan, nan], ['rejected', 'rejected', 'rejected'])
    """
    text = pd.Series(uniques, dtype="str")
    arrow = arrow_strings(text)
    m = len(text)
    values = np.full(m + 1, np.nan)
    reason = np.full(m + 1, _BLANK, dtype=np.int8)
    action = np.zeros(m + 1, dtype=np.int8)
    plain = _matches(arrow, "^" + _PLAIN[decimal] + "$")
    if unit == "%":  # "0.8" in a percent item is a fraction: the slow path scales it
        plain = plain & ~_matches(arrow, r"[.,]")
    idx = np.flatnonzero(plain)
    if idx.size:
        plain_text = arrow.take(pa.array(idx))
        if decimal == ",":
            plain_text = pc.replace_substring(plain_text, ",", ".")
        values[idx] = plain_text.cast(pa.float64()).to_numpy(zero_copy_only=False)
        reason[idx] = -1
    rest = np.flatnonzero(~plain)
    if rest.size:
        nas = set(NUMBER_NOT_AN_ANSWER) | {normalise_text(x) for x in not_an_answer}
        for j, raw in zip(rest, text.iloc[rest].tolist(), strict=True):
            if isinstance(raw, str):
                values[j], reason[j], action[j] = _parse_number(raw, decimal, unit, lo, hi, nas)
    answered = reason[:m] < 0
    huge = answered & ~np.isfinite(values[:m])  # "1e400", a 400-digit number: not a number
    values[:m][huge], reason[:m][huge], action[:m][huge] = np.nan, _INVALID, A["rejected"]
    answered &= ~huge
    out = answered & (
        (values[:m] < (lo if lo is not None else -np.inf))
        | (values[:m] > (hi if hi is not None else np.inf))
    )
    values[:m][out] = np.nan
    reason[:m][out] = _INVALID
    action[:m][out] = A["out_of_range"]
    return values, reason, action


def _matches(arrow: pa.Array, pattern: str) -> np.ndarray:
    """Where an Arrow regular expression (RE2) matches, vectorised; False where missing."""
    found = pc.fill_null(pc.match_substring_regex(arrow, pattern), False)
    return found.to_numpy(zero_copy_only=False)


def _parse_number(raw: str, decimal: str, unit, lo, hi, nas) -> tuple[float, int, int]:
    """One non-plain number: (value, reason, action)."""
    text = normalise_text(raw)
    if not raw.strip():
        return np.nan, _BLANK, 0
    if text in nas:
        return np.nan, _NAA, A["not_an_answer"]
    if text in NUMBER_ALL or text in NUMBER_NONE:
        bound = hi if text in NUMBER_ALL else lo
        if bound is None:
            return np.nan, _INVALID, A["rejected"]
        return float(bound), -1, A["converted"]
    approx = _APPROX.match(text)
    if approx:
        text = text[approx.end() :]
    percent = text.endswith("%")
    if percent:
        text = text[:-1].strip()
        if unit != "%":
            return np.nan, _INVALID, A["rejected"]
    value, fraction = _to_float(text, decimal)
    if value is None:
        return np.nan, _INVALID, A["rejected"]
    if unit == "%" and fraction and not percent and 0 <= value <= 1:
        value *= 100
    return value, -1, A["approximate"] if approx else A["converted"]


def _to_float(text: str, decimal: str) -> tuple[float | None, bool]:
    """A number with decimal and grouping separators: (value, had a decimal part).

    Both ``.`` and ``,`` present: the last one is the decimal separator. One kind,
    several times: grouping. One kind, once: the export's decimal separator is
    decimal; the other one is grouping when exactly three digits follow and the
    integer part does not start with 0 ("1.000" in a decimal-comma export), else
    decimal ("72,5" in a decimal-point export).
    """
    if not _NUMERIC_TEXT.match(text):
        return None, False
    text = text.replace(" ", "").replace("'", "")
    sign = ""
    if text[0] in "+-":
        sign, text = text[0], text[1:]
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        dec = "." if text.rfind(".") > text.rfind(",") else ","
    elif dots + commas == 0:
        dec = None
    else:
        sep = "." if dots else ","
        head, _, tail = text.partition(sep)
        if dots + commas > 1:
            dec = None
        elif sep == decimal:
            dec = sep
        else:
            grouping = len(tail) == 3 and not head.startswith("0") and len(head) <= 3
            dec = None if grouping else sep
    group = {".", ","} - {dec}
    for g in group:
        text = text.replace(g, "")
    if dec is not None:
        if text.count(dec) != 1:
            return None, False
        text = text.replace(dec, ".")
    try:
        return float(sign + text), dec is not None
    except ValueError:
        return None, False


# --- the decimal separator of an export ---------------------------------------------------

_COMMA_NUMBER = r"^\s*[-+]?\d+,\d+\s*%?\s*$"
_DOT_NUMBER = r"^\s*[-+]?\d+\.\d+\s*%?\s*$"


def decimal_evidence(columns: Sequence[pd.Series]) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the distinct values written with a decimal comma, and with a decimal point.

    The columns are given in the same order for every partition (a value counts once per
    column). Distinct values of disjoint partitions merge by set union (``np.union1d``), so the
    decision of :func:`decimal_from_evidence` does not depend on the partitioning.
    """
    comma, dot = [], []
    for j, col in enumerate(columns):
        text = pd.Series(pd.unique(col.dropna()), dtype="str")
        if text.empty:
            continue
        hashes = pd.util.hash_pandas_object(text, index=False).to_numpy()
        with np.errstate(over="ignore"):  # distinct per column, as the whole-file guess counts
            hashes = hashes + np.uint64(j) * np.uint64(0x9E3779B97F4A7C15)
        arrow = arrow_strings(text)
        comma.append(hashes[_matches(arrow, _COMMA_NUMBER)])
        dot.append(hashes[_matches(arrow, _DOT_NUMBER)])
    empty = np.zeros(0, dtype=np.uint64)
    return (
        np.unique(np.concatenate(comma)) if comma else empty,
        np.unique(np.concatenate(dot)) if dot else empty,
    )


def decimal_from_evidence(evidence: tuple[np.ndarray, np.ndarray], delimiter: str | None) -> str:
    """The decimal separator: ``"."`` in a comma-delimited file; else the one more distinct
    numeric values use; on a tie ``","`` for a semicolon- or tab-delimited file.

    >>> decimal_from_evidence((np.array([1, 2]), np.array([3])), ";")
    ','
    """
    if delimiter == ",":
        return "."
    comma, dot = len(evidence[0]), len(evidence[1])
    if comma != dot:
        return "," if comma > dot else "."
    return "," if delimiter in (";", "\t") else "."


# --- timestamps -----------------------------------------------------------------------------


def _timestamp_text(values: Any) -> pd.Series:
    """Stripped text; a time-zone suffix dropped (only when some value has one)."""
    arrow = pc.utf8_trim_whitespace(arrow_strings(values))
    if _matches(arrow, _TZ).any():
        arrow = pc.replace_substring_regex(arrow, _TZ, "")
    return pd.Series(pd.array(arrow, dtype="str"))


def _to_datetime(text: pd.Series, fmt: str) -> np.ndarray:
    """One vectorised parse: pandas' ISO 8601 parser, Arrow's ``strptime`` for a format
    (C++, about 20x faster than ``pandas.to_datetime(format=...)`` on text columns)."""
    if fmt == "ISO8601":
        return pd.to_datetime(text, format=fmt, errors="coerce").to_numpy(dtype="datetime64[us]")
    arrow = arrow_strings(text)
    found = pc.strptime(arrow, format=fmt, unit="us", error_is_null=True)
    if not fmt.startswith(("%d", "%m")):  # a codebook's own format: no day/month lead
        return found.to_numpy(zero_copy_only=False).astype("datetime64[us]")
    # strptime rolls an impossible day over (31/02 -> 02/03): keep only the days written
    parts = pc.extract_regex(arrow, r"^(?P<a>\d{1,2})\D(?P<b>\d{1,2})\D")
    written = pc.cast(pc.struct_field(parts, [0 if fmt.startswith("%d") else 1]), pa.int64())
    same = pc.fill_null(pc.equal(pc.day(found), written), False)
    found = pc.if_else(same, found, pa.scalar(None, type=found.type))
    out = found.to_numpy(zero_copy_only=False)
    return out.astype("datetime64[us]") if out.dtype != "datetime64[us]" else out


def timestamp_fits(values: Any, parsed: dict[int, np.ndarray] | None = None) -> int:
    """Bit mask of the :data:`TIMESTAMP_FORMATS` that read every non-blank value.

    A sample of the values rules most formats out first, so usually one or two formats
    are tried on the whole column. Masks of disjoint partitions combine with ``&``.
    ``parsed`` (a dict) receives the values read by each format tried on every value
    (``values`` order), so that :func:`parse_timestamps` need not read them again.

    >>> bin(timestamp_fits(["25/03/2024 10:00", "01/04/2024 10:00"]))
    '0b100'
    """
    full = _timestamp_text(values)
    keep = (full != "").to_numpy(dtype=bool, na_value=False)
    text = full[keep]
    if text.empty:
        return ALL_FORMATS
    sample = text.iloc[:_SAMPLE]
    mask = 0
    for j, fmt in enumerate(TIMESTAMP_FORMATS):
        if np.isnat(_to_datetime(sample, fmt)).any():
            continue
        found = _to_datetime(text, fmt)
        if not np.isnat(found).any():
            mask |= 1 << j
            if parsed is not None:
                whole = np.full(len(full), np.datetime64("NaT"), dtype="datetime64[us]")
                whole[keep] = found
                parsed[j] = whole
    return mask


def allowed_formats(dayfirst: bool | None) -> int:
    """Mask of the :data:`TIMESTAMP_FORMATS` an item may be read with (codebook ``dayfirst``).

    ``False``: ISO 8601 and the month-first formats (a US export); ``True``: ISO 8601
    and the day-first ones; ``None``: all of them.

    >>> fits = [TIMESTAMP_FORMATS[j] for j in range(16) if allowed_formats(False) >> j & 1]
    >>> fits[:2]
    ['ISO8601', '%m/%d/%Y %I:%M:%S %p']
    """
    if dayfirst is None:
        return ALL_FORMATS
    lead = "%d" if dayfirst else "%m"
    return 1 | sum(1 << j for j, f in enumerate(TIMESTAMP_FORMATS) if f.startswith(lead))


def format_name(fmt: int | str | None, allowed: int = ALL_FORMATS) -> str:
    """The format(s) a timestamp column was read with, for messages."""
    if isinstance(fmt, str):
        return fmt
    if fmt is not None and fmt >= 0:
        return TIMESTAMP_FORMATS[fmt]
    if allowed == ALL_FORMATS:
        return "ISO 8601, day first (%d/%m/%Y ...) and month first (%m/%d/%Y ...)"
    return " or ".join(f for j, f in enumerate(TIMESTAMP_FORMATS) if allowed >> j & 1)


def choose_timestamp_format(mask: int) -> int:
    """The first format in the mask (index into :data:`TIMESTAMP_FORMATS`), -1 when none."""
    return (mask & -mask).bit_length() - 1 if mask else -1


def parse_timestamps(
    uniques: Sequence[str] | Any,
    *,
    fmt: int | str | None = None,
    parsed: dict[int, np.ndarray] | None = None,
    allowed: int = ALL_FORMATS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Timestamps as look-up arrays over distinct values.

    ``fmt`` is the index in :data:`TIMESTAMP_FORMATS` of the format that fits the whole
    column (as decided over every partition), -1 when no format does (then each value
    is read by the first format that reads it, one vectorised call per format on the
    values still unread), or None to decide on ``uniques`` themselves. A time-zone
    suffix is dropped (the wall-clock time is kept: the fieldwork window is in the
    survey's local time). Returns ``(values, reason, action)`` like
    :func:`parse_numbers`; a text that no format reads is rejected. ``parsed``: the
    values :func:`timestamp_fits` already read, by format. A ``str`` ``fmt`` is the
    format the codebook states (``format:``), the only one tried; ``allowed`` (see
    :func:`allowed_formats`) limits the formats otherwise considered.

    >>> vals, reason, action = parse_timestamps(["2020-03-10 09:15", "10/03/2020 9.15.00", "ieri"])
    >>> [str(v) for v in vals]
    ['2020-03-10T09:15:00.000000', '2020-03-10T09:15:00.000000', 'NaT', 'NaT']
    >>> reason.tolist(), [ACTIONS[a] for a in action]
    ([-1, -1, 3, 1], ['', '', 'rejected', ''])
    """
    text = _timestamp_text(uniques)
    m = len(text)
    parsed = {} if parsed is None else parsed
    if fmt is None:
        fmt = choose_timestamp_format(timestamp_fits(text, parsed) & allowed)
    values = np.full(m + 1, np.datetime64("NaT"), dtype="datetime64[us]")
    blank = text.isna().to_numpy() | (text == "").to_numpy(dtype=bool, na_value=True)
    if isinstance(fmt, str):
        values[:m] = _to_datetime(text, fmt)
    elif fmt >= 0 and fmt in parsed and len(parsed[fmt]) == m:
        values[:m] = parsed[fmt]
    elif fmt >= 0:
        values[:m] = _to_datetime(text, TIMESTAMP_FORMATS[fmt])
    else:
        todo = ~blank
        for j, name in enumerate(TIMESTAMP_FORMATS):
            if not allowed >> j & 1:
                continue
            if not todo.any():
                break
            idx = np.flatnonzero(todo)
            found = _to_datetime(text.iloc[idx], name)
            values[idx] = found
            todo[idx] = np.isnat(found)
    ok = ~np.isnat(values[:m])
    reason = np.full(m + 1, _BLANK, dtype=np.int8)
    reason[:m] = np.where(ok, -1, np.where(blank, _BLANK, _INVALID))
    action = np.zeros(m + 1, dtype=np.int8)
    action[:m] = np.where(ok | blank, 0, A["rejected"])
    return values, reason, action
