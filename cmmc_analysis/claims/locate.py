"""Which claims file belongs to a survey, and loading it (or none).

A report is built with the claims file given on the command line (``--claims``),
else the one the codebook names (``survey.claims``, relative to the codebook), else
none: a survey without claims gets a findings page without a claims section.

Examples
--------
>>> from cmmc_analysis.codebook import load_codebook
>>> claims_file(load_codebook()).name
'claims.yaml'
>>> len(load_survey_claims(load_codebook()).claims)
8
"""

from __future__ import annotations

from pathlib import Path

from ..codebook import Codebook
from ..errors import ClaimsError
from .spec import ClaimSet, load_claims

__all__ = ["claims_file", "load_survey_claims"]


def claims_file(codebook: Codebook, path: str | Path | None = None) -> Path | None:
    """The claims file of a survey: ``path`` if given, else the codebook's, else None.

    Raises
    ------
    ClaimsError
        The file named (by ``path`` or by the codebook) does not exist; the message
        gives the path as it was named.
    """
    if path is not None:
        chosen, source = Path(path), "parameter claims"
    elif codebook.claims_path is not None:
        chosen, source = codebook.claims_path, "codebook entry survey.claims"
    else:
        return None
    if not chosen.is_file():
        raise ClaimsError(f"{source}: claims file {str(chosen)!r} not found; expected a YAML file")
    return chosen


def load_survey_claims(codebook: Codebook, path: str | Path | None = None) -> ClaimSet | None:
    """The survey's claims validated against ``codebook``, or None when it has none.

    Parameters
    ----------
    codebook
        The survey's codebook.
    path
        A claims file (default: the one the codebook names, if any).
    """
    chosen = claims_file(codebook, path)
    return None if chosen is None else load_claims(chosen, codebook=codebook)
