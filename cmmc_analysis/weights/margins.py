"""Population margins for raking: the YAML file, validated against the codebook.

Examples
--------
>>> m = load_margins()
>>> sorted(m), round(sum(m["size"].values()), 6)
(['sector', 'size'], 1.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..codebook import Codebook, load_codebook
from ..errors import SurveyDataError
from ..paths import DATA_DIR
from ..schema.margins import SHARE_TOLERANCE as SHARE_TOLERANCE
from ..schema.margins import MarginsDoc, validate_margins_doc
from ..schema.yamlfile import read_yaml

__all__ = ["DEFAULT_MARGINS", "SHARE_TOLERANCE", "load_margins", "margins_for", "validate_margins"]

#: The illustrative margins bundled with the project (NOT official figures).
DEFAULT_MARGINS = DATA_DIR / "margins_illustrative.yaml"


def load_margins(
    path: str | Path = DEFAULT_MARGINS, codebook: Codebook | None = None
) -> dict[str, dict[str, float]]:
    """Read and validate population margins for raking.

    The YAML file has a ``margins:`` mapping: single-choice item id -> canonical
    (source-language) option label -> target share. Other top-level keys
    (``description``, ``source``, ``illustrative``) are documentation.

    Parameters
    ----------
    path
        The YAML file (default: the bundled illustrative margins, not official figures).
    codebook
        The codebook the labels are checked against (default: the bundled one).

    Returns
    -------
    dict
        variable -> {label: share}, labels in codebook order; labels the file leaves
        out have target 0 and are not listed.

    Raises
    ------
    SurveyDataError
        Naming the file and entry: unknown variable or label, a share that is not a
        number in [0, 1], or shares of one variable not summing to 1 within 1e-6.
        (Empty cells, a target for a label nobody chose, are found by :func:`rake`,
        which sees the data.)

    Examples
    --------
    >>> load_margins()["size"]["Meno di 50"]
    0.45
    """
    path = Path(path)
    codebook = codebook if codebook is not None else load_codebook()
    _, doc = read_yaml(path, SurveyDataError, "the margins file")
    return _margins(validate_margins_doc(doc, codebook=codebook, path=path), codebook)


def margins_for(
    codebook: Codebook, path: str | Path = DEFAULT_MARGINS
) -> dict[str, dict[str, float]] | None:
    """The margins of ``path`` if the file declares ``codebook``'s survey and its items, else None.

    A margins file names the survey it belongs to (``survey:`` = the codebook's survey
    id), so a notebook can show the weighting section for the bundled survey and skip
    it, rather than fail, for another survey without margins.

    Examples
    --------
    >>> sorted(margins_for(load_codebook()))
    ['sector', 'size']
    """
    path = Path(path)
    try:
        _, doc = read_yaml(path, SurveyDataError, "the margins file")
    except SurveyDataError:
        return None
    if not isinstance(doc, dict) or doc.get("survey") != codebook.survey_id:
        return None
    named = doc.get("margins")
    if isinstance(named, dict) and any(var not in codebook.items for var in named):
        return None  # another codebook of the survey (a draft, say): the margins do not fit
    return load_margins(path, codebook)


def validate_margins(
    margins: Mapping[str, Mapping[str, Any]], codebook: Codebook, *, path: Path | None = None
) -> dict[str, dict[str, float]]:
    """Check margins given as a mapping (see :func:`load_margins`); return them as floats."""
    doc = {"margins": margins}
    return _margins(validate_margins_doc(doc, codebook=codebook, path=path), codebook)


def _margins(doc: MarginsDoc, codebook: Codebook) -> dict[str, dict[str, float]]:
    """variable -> {label: share}, labels in codebook order."""
    out: dict[str, dict[str, float]] = {}
    for var, shares in (doc.margins or {}).items():
        known = codebook.items[var].option_labels(None, codebook.source_language)
        out[var] = {lab: float(shares[lab]) for lab in known if lab in shares}
    return out


def _as_margins(margins: Mapping | str | Path, codebook: Codebook) -> dict[str, dict[str, float]]:
    if isinstance(margins, str | Path):
        return load_margins(margins, codebook)
    return validate_margins(margins, codebook)
