"""Reading an export for drafting: its columns, its layout, its language.

:func:`read_columns` reads any export the reader reads (CSV, XLSX, ``.sav``; header
rows combined) without a codebook; :func:`export_layout` says which ``export:``
section it needs (header rows, not-asked markers); :func:`detect_language` whether
its texts are Italian or English.

Examples
--------
>>> from cmmc_analysis.paths import DEFAULT_EXPORT
>>> headers, data, raw = read_columns(DEFAULT_EXPORT)
>>> headers[:2], len(data), export_layout(DEFAULT_EXPORT)
(['Informazioni cronologiche', 'Durata (secondi)'], 250, {})
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from ..codebook import parse_codebook
from ..errors import SurveyDataError
from ..io.reader import read_export

__all__ = ["read_columns", "export_layout", "detect_language"]


def read_columns(path: str | Path) -> tuple[list[str], pd.DataFrame, Any]:
    """The headers and the answers (strings) of an export, read without a codebook.

    Every column is read as a free-text item of a throw-away codebook, so encoding,
    delimiter, header rows, workbooks and ``.sav`` files are handled exactly as in
    :func:`~cmmc_analysis.io.reader.read_export`. The third value is the
    :class:`~cmmc_analysis.io.reader.RawExport`; its ``export`` layout (header rows,
    not-asked markers) is in ``raw.layout``-free form: see :func:`export_layout`.
    """
    path = Path(path)
    headers, layout = _headers(path)
    items = [
        {"id": f"col_{i:04d}", "type": "text", "required": False, "text": {"en": h}}
        for i, h in enumerate(headers)
        if h.strip()
    ]
    if not items:
        raise SurveyDataError("the header row is empty; expected column headers", path=path)
    doc = {"survey": {"id": "draft", "source_language": "en", "languages": ["en"]}, "items": items}
    if layout:
        doc["export"] = layout
    raw = read_export(path, codebook=parse_codebook(doc))
    names = {i["id"]: i["text"]["en"] for i in items}
    data = raw.data.drop(columns="source_row").rename(columns=names)
    return [names[c] for c in raw.data.columns if c != "source_row"], data, raw


def export_layout(path: str | Path) -> dict[str, Any]:
    """The ``export:`` section an export needs: header rows and not-asked markers.

    Three header rows whose third holds Qualtrics import ids (``{"ImportId": ...}``);
    two whose second names options or says ``Response`` (SurveyMonkey); LimeSurvey's
    metadata columns (``submitdate``, ``lastpage``, ``startlanguage``) mean ``N/A``
    marks a question not asked, and in a Qualtrics export ``-99`` does (seen, not
    answered).
    """
    return _headers(Path(path))[1]


_LIMESURVEY = {"submitdate", "lastpage", "startlanguage", "datestamp", "seed"}


def _headers(path: Path) -> tuple[list[str], dict[str, Any]]:
    """The header (header rows combined) and the layout the export needs."""
    import csv
    import io
    import itertools

    from ..io import reader
    from ..io.layout import combine_header_rows
    from ..io.sav import is_sav, read_sav

    try:
        raw_bytes = path.read_bytes()
    except OSError as err:
        raise SurveyDataError(f"cannot read the export: {err.strerror}", path=path) from err
    if not raw_bytes.strip():
        raise SurveyDataError("the file is empty; expected a header row and records", path=path)
    if is_sav(path, raw_bytes):
        return read_sav(raw_bytes, path)[0], {}
    if path.suffix.lower() in (".xlsx", ".xlsm") or raw_bytes[:4] == b"PK\x03\x04":
        header, frame = reader._read_xlsx(raw_bytes, path)
        rows = [header] + [
            ["" if v is None or v != v else str(v) for v in frame.iloc[i].tolist()]
            for i in range(min(2, len(frame)))
        ]
        sample = "\n".join(",".join(map(str, r)) for r in frame.fillna("").to_numpy().tolist())
    else:
        _, text = reader._decode(raw_bytes, path, None)
        sample = text
        delim = reader._sniff_delimiter(text, path)
        try:
            rows = list(itertools.islice(csv.reader(io.StringIO(text), delimiter=delim), 3))
        except csv.Error as err:
            raise SurveyDataError(f"cannot parse the header row: {err}", path=path, row=1) from err
    n = _header_rows(rows)
    layout: dict[str, Any] = {"header_rows": n} if n > 1 else {}
    headers = combine_header_rows(rows[:n]) if n > 1 else rows[0]
    if len(_LIMESURVEY & {h.strip().casefold() for h in headers}) >= 2:
        layout["not_asked"] = ["N/A"]
    elif n == 3 and re.search(r'(^|[,;\t])"?-99"?([,;\t]|$)', sample, re.M):
        layout["not_asked"] = ["-99"]  # Qualtrics: seen but not answered
    return headers, layout


def _header_rows(rows: list[list[str]]) -> int:
    """1, 2 (SurveyMonkey) or 3 (Qualtrics) header rows, from the first three rows."""
    if len(rows) >= 3:
        third = [c.strip() for c in rows[2] if c.strip()]
        if third and sum(c.startswith('{"ImportId"') for c in third) >= 0.8 * len(third):
            return 3
    if len(rows) >= 2:
        top, second = rows[0], rows[1]
        generic = {"response", "open-ended response", "open ended response"}
        said = sum(c.strip().casefold() in generic for c in second)
        under_blank = sum(
            1 for t, c in zip(top, second, strict=False) if not t.strip() and c.strip()
        )
        blank_meta = sum(1 for c in second if not c.strip())
        if said and under_blank and blank_meta < len(second):
            return 2
    return 1


_IT_WORDS = frozenset(
    "il la di che è per non una del della sono quale quanto suo sua nel con gli dei le".split()  # noqa: SIM905
)
_EN_WORDS = frozenset(
    "the of and is your you what how do are which to in with this that".split()  # noqa: SIM905
)


def detect_language(texts: list[str]) -> str:
    """``"it"`` or ``"en"``: which language's common words the texts use more.

    >>> detect_language(["Qual è il suo ruolo?"]), detect_language(["What is your role?"])
    ('it', 'en')
    """
    words = Counter(w for t in texts for w in re.findall(r"\w+", t.casefold()))
    it = sum(words[w] for w in _IT_WORDS)
    en = sum(words[w] for w in _EN_WORDS)
    return "it" if it > en else "en"
