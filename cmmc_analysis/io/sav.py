"""SPSS ``.sav`` files: read as the text a CSV export would hold, written with labels.

:func:`read_sav` turns a ``.sav`` file into the reader's shape (headers, every value
a string): a labelled code becomes its value label (so a codebook lists labels, as
for any export), a user-missing code its label or a blank, a date its ISO text. The
headers are the variable names made identifier-like (:func:`sav_column_id`), which
is what :mod:`cmmc_analysis.draft.spss` uses as item ids, so a codebook converted
from the file reads the file. :func:`write_sav` writes a cleaned table back as SPSS,
with variable labels and value labels (pyreadstat).

Examples
--------
>>> import pandas as pd, tempfile, pathlib, pyreadstat
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> df = pd.DataFrame({"Q1": [1.0, 2.0, 9.0], "age": [30.0, -1.0, 41.5]})
>>> pyreadstat.write_sav(df, folder / "s.sav", column_labels=["Happy?", "Age"],
...     variable_value_labels={"Q1": {1: "Yes", 2: "No", 9: "Don't know"}},
...     missing_ranges={"Q1": [9], "age": [-1]})
>>> headers, frame = read_sav((folder / "s.sav").read_bytes(), folder / "s.sav")
>>> headers, frame[0].tolist(), frame[1].tolist()
(['q1', 'age'], ['Yes', 'No', "Don't know"], ['30', nan, '41.5'])
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ExportError

__all__ = ["read_sav", "sav_column_id", "is_sav", "sav_metadata", "write_sav", "write_survey_sav"]


def is_sav(path: Path, raw_bytes: bytes) -> bool:
    """Whether the file is an SPSS system file (by suffix or signature)."""
    return path.suffix.lower() in (".sav", ".zsav") or raw_bytes[:4] in (b"$FL2", b"$FL3")


def sav_column_id(name: str) -> str:
    """An SPSS variable name as an identifier-like, lower-case item id.

    >>> sav_column_id("Q1.a"), sav_column_id("@Age"), sav_column_id("3rd"), sav_column_id("ÉTÀ")
    ('q1_a', 'age', 'v_3rd', 'eta')
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^a-z0-9_]+", "_", text).strip("_") or "v"
    return text if text[0].isalpha() else f"v_{text}"


def sav_metadata(raw_bytes: bytes, path: Path) -> Any:
    """The file's metadata (pyreadstat's), read without the data."""
    return _read(raw_bytes, path, metadataonly=True)[1]


def _read(raw_bytes: bytes, path: Path, **options: Any) -> tuple[pd.DataFrame, Any]:
    import pyreadstat

    try:
        return pyreadstat.read_sav(io.BytesIO(raw_bytes), **options)
    except Exception as err:  # pyreadstat raises its own errors on a broken file
        raise ExportError(
            f"cannot read the SPSS file ({type(err).__name__}: {err}); expected a .sav file",
            path=path,
        ) from err


def read_sav(raw_bytes: bytes, path: Path) -> tuple[list[str], pd.DataFrame]:
    """Headers (identifier-like variable names) and values as text, columns by position.

    Labelled codes become their labels; user-missing codes their label, or a blank
    when unlabelled; numbers their shortest text (``30`` for 30.0); dates ISO text.

    Raises
    ------
    ExportError
        The file is not a readable ``.sav`` file, or two variable names give one id.
    """
    data, meta = _read(raw_bytes, path, user_missing=True)
    headers = [sav_column_id(n) for n in meta.column_names]
    dupes = sorted({h for h in headers if headers.count(h) > 1})
    if dupes:
        raise ExportError(
            f"two variables give the same column id {dupes[0]!r}; expected distinct names",
            path=path,
        )
    labels = meta.variable_value_labels or {}
    missing = meta.missing_ranges or {}
    columns = {}
    for pos, name in enumerate(meta.column_names):
        columns[pos] = _as_text(data[name], labels.get(name, {}), missing.get(name, []))
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(data)))
    return headers, frame.astype("str").where(frame.notna())


def _is_missing_code(v: Any, ranges: list[Any]) -> bool:
    for r in ranges:
        lo, hi = (r.get("lo"), r.get("hi")) if isinstance(r, dict) else (r, r)
        try:
            if lo <= v <= hi:
                return True
        except TypeError:
            continue
    return False


def _as_text(col: pd.Series, value_labels: Mapping[Any, str], ranges: list[Any]) -> pd.Series:
    def one(v: Any) -> str | None:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            return None
        if isinstance(v, datetime | pd.Timestamp):
            return pd.Timestamp(v).isoformat(sep=" ")
        if isinstance(v, date):
            return v.isoformat()
        if v in value_labels:
            return str(value_labels[v])
        if isinstance(v, float) and v.is_integer() and int(v) in value_labels:
            return str(value_labels[int(v)])
        if _is_missing_code(v, ranges):  # an unlabelled user-missing code: a blank
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        text = str(v)
        return text if text.strip() else None

    uniques = {v: one(v) for v in pd.unique(col.dropna())}
    return col.map(lambda v: uniques.get(v) if v in uniques else None).astype(object)


def write_sav(
    frame: pd.DataFrame,
    target: Path,
    *,
    labels: Mapping[str, str] | None = None,
    value_labels: Mapping[str, Mapping[int, str]] | None = None,
    ordinal: tuple[str, ...] = (),
) -> Path:
    """Write ``frame`` as SPSS: categorical columns as labelled codes 1..k.

    Parameters
    ----------
    frame
        Columns of numbers, dates, text, booleans or categoricals.
    labels
        Column -> variable label.
    value_labels
        Column -> {code: label} for numeric columns already coded.
    ordinal
        Columns whose measure level is ordinal (the others: nominal or scale).
    """
    import pyreadstat

    out = pd.DataFrame(index=frame.index)
    vlabels: dict[str, dict[int, str]] = {k: dict(v) for k, v in (value_labels or {}).items()}
    measure: dict[str, str] = {}
    names = {c: _sav_name(str(c), i) for i, c in enumerate(frame.columns)}
    for col in frame.columns:
        series = frame[col]
        name = names[col]
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes = series.cat.codes.astype(float) + 1
            out[name] = codes.where(codes > 0)
            vlabels[name] = {i + 1: str(c) for i, c in enumerate(series.cat.categories)}
            measure[name] = "ordinal" if col in ordinal or series.cat.ordered else "nominal"
        elif (
            pd.api.types.is_bool_dtype(series)
            or series.dtype == object
            and set(series.dropna().map(type)) <= {bool}
        ):
            out[name] = series.map({True: 1.0, False: 0.0})
            vlabels.setdefault(name, {0: "No", 1: "Yes"})
            measure[name] = "nominal"
        elif pd.api.types.is_datetime64_any_dtype(series):
            out[name] = series.dt.tz_localize(None) if series.dt.tz is not None else series
            measure[name] = "scale"
        elif pd.api.types.is_numeric_dtype(series):
            out[name] = series.astype(float)
            measure[name] = "ordinal" if col in ordinal else "scale"
        else:
            out[name] = series.astype("string").astype(object).where(series.notna(), "")
            measure[name] = "nominal"
    column_labels = {names[c]: str((labels or {}).get(c, c))[:255] for c in frame.columns}
    pyreadstat.write_sav(
        out,
        str(target),
        column_labels=column_labels,
        variable_value_labels={k: v for k, v in vlabels.items() if k in out},
        variable_measure=measure,
    )
    return target


def _sav_name(name: str, position: int) -> str:
    """An SPSS variable name: letters, digits, ``_``; starts with a letter; 64 bytes at most."""
    text = re.sub(r"[^A-Za-z0-9_]", "_", name)[:64] or f"v{position}"
    return text if text[0].isalpha() else f"v{text}"[:64]


def write_survey_sav(frame: pd.DataFrame, target: Path, codebook: Any) -> Path:
    """A cleaned table as SPSS: item texts as variable labels, answer labels as value labels.

    Scale and single-choice columns (categoricals) are coded 1..k in the codebook's
    order (scales and ordered choices ordinal); multiple-choice columns (one 0/1
    column per option, ``<item>__<code>``) get the option's label.
    """
    labels: dict[str, str] = {}
    ordinal = []
    for col in frame.columns:
        item_id, _, code = str(col).partition("__")
        if item_id in codebook.items:
            item = codebook.items[item_id]
            text = codebook.header(item_id)
            if code:
                opt = next((o for o in item.options if o.code == code), None)
                text = f"{text}: {opt.text(codebook.source_language)}" if opt else text
            labels[col] = text
            if item.type == "scale" or item.ordered:
                ordinal.append(col)
    return write_sav(frame, target, labels=labels, ordinal=tuple(ordinal))
