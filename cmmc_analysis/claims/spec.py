"""Claims as data: loading a claims file into a :class:`ClaimSet`.

The file's schema is :mod:`cmmc_analysis.schema.claims` (documented in
``docs/claims.md``); this module reads the file with bounded resources, validates it
against the codebook and builds the claims that :mod:`cmmc_analysis.claims.evaluate`
turns into verdicts.

Examples
--------
>>> from cmmc_analysis.codebook import load_codebook
>>> cs = load_claims(codebook=load_codebook())
>>> [c.id for c in cs.claims]
['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S9']
>>> cs.get("S2").comparison
{'type': 'above', 'value': 0.8}
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..codebook import Codebook, load_codebook
from ..errors import ClaimsError
from ..paths import DEFAULT_CLAIMS
from ..schema.claims import COMPARISONS, FINAL, STATISTICS, validate_claims
from ..schema.yamlfile import read_yaml
from .wording import WORDING_DEFAULTS

__all__ = ["Claim", "ClaimSet", "load_claims", "parse_claims", "STATISTICS", "COMPARISONS"]

_ = FINAL  # re-exported for evaluate


@dataclass(frozen=True)
class Claim:
    """One testable statement: item(s), statistic, comparison."""

    id: str
    statement: Mapping[str, str]
    items: tuple[str, ...]
    statistic: Mapping[str, Any]
    comparison: Mapping[str, Any]
    where: Mapping[str, Sequence[str]] | None = None
    cuts: tuple[str, ...] | None = None
    title: Mapping[str, str] | None = None
    label: Mapping[str, str] | None = None

    def text(self, lang: str) -> str:
        """The statement in ``lang`` (falls back to the first language given)."""
        return self.statement.get(lang) or next(iter(self.statement.values()))

    def heading(self, lang: str) -> str:
        """The claim's ``title`` in ``lang`` (a section heading), else its short label.

        Never the claim's id: headings are read by people who do not know the ids.

        >>> load_claims().get("S9").heading("en")
        'Technology adoption'
        >>> Claim("X", {"en": "How the aspects rank."}, ("q",), {}, {}).heading("en")
        'How the aspects rank'
        """
        if self.title:
            return self.title.get(lang) or next(iter(self.title.values()))
        return self.short(lang, width=120)

    def short(self, lang: str, width: int = 60) -> str:
        """The claim's short ``label`` in ``lang``, else its statement cut at a word.

        >>> load_claims().get("S9").short("en")
        'Technology adoption'
        >>> Claim("X", {"en": "A rather long statement " * 5}, ("q",), {}, {}).short("en", 30)
        'A rather long statement A…'
        >>> Claim("X", {"en": "Participants are satisfied."}, ("q",), {}, {}).short("en")
        'Participants are satisfied'
        """
        if self.label:
            return self.label.get(lang) or next(iter(self.label.values()))
        text = " ".join(self.text(lang).split()).lstrip("…. ")
        if not text.endswith("..."):  # a sentence's full stop would end up mid-sentence
            text = text.rstrip(".")
        if len(text) <= width:
            return text
        cut = text[: width - 1].rsplit(" ", 1)[0].rstrip(",;:")
        return cut + "…"


@dataclass(frozen=True, repr=False)
class ClaimSet:
    """The claims of a file with the family-wide options.

    >>> load_claims()
    <ClaimSet claims.yaml: 8 claims (S1, S2, S3, S4, S5, S6, S7, S9), alpha 0.05, holm, min_n 30>
    """

    claims: tuple[Claim, ...]
    alpha: float = 0.05
    ci_level: float = 0.95
    correction: str = "holm"
    min_n: int = 30
    path: Path | None = None
    #: the survey's wording for the findings page: text key -> {lang: text}
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: alpha spending over the looks (interim, final): obrien-fleming, pocock or none
    sequential: str = "obrien-fleming"
    #: how words become regions (the file's ``wording:`` over the package's defaults)
    wording: Mapping[str, Any] = field(default_factory=lambda: dict(WORDING_DEFAULTS))
    #: when the claims were fixed (``fixed_on:``), and the file's sha256
    fixed_on: datetime.date | None = None
    sha256: str | None = None

    def get(self, claim_id: str) -> Claim:
        """The claim ``claim_id``."""
        for claim in self.claims:
            if claim.id == claim_id:
                return claim
        raise ClaimsError(f"unknown claim {claim_id!r}; known: {[c.id for c in self.claims]}")

    def __repr__(self) -> str:
        ids = [c.id for c in self.claims]
        shown = ", ".join(ids[:10]) + (f", ... ({len(ids) - 10} more)" if len(ids) > 10 else "")
        name = self.path.name if self.path is not None else "(built in memory)"
        return (
            f"<ClaimSet {name}: {len(ids)} claims ({shown}), alpha {self.alpha:g}, "
            f"{self.correction}, min_n {self.min_n}>"
        )


def load_claims(path: str | Path | None = None, *, codebook: Codebook | None = None) -> ClaimSet:
    """Load a claims file and validate it against the codebook.

    Parameters
    ----------
    path
        YAML file (default: the bundled ``data/claims.yaml``).
    codebook
        The codebook the claims refer to (default: the bundled one).

    Raises
    ------
    ClaimsError
        One line naming the file, the claim and the field: unknown item, a statistic
        that does not fit the item's type, a missing or out-of-range threshold, unknown
        keys, a value of the wrong type, a file that is not a regular file, too large,
        too deeply nested or not valid YAML.

    Examples
    --------
    >>> load_claims().get("S2").comparison["value"]
    0.8
    """
    path = Path(path) if path is not None else DEFAULT_CLAIMS
    data, doc = read_yaml(path, ClaimsError, "the claims file")
    claims = parse_claims(doc, codebook=codebook or load_codebook(), path=path)
    return replace(claims, sha256=hashlib.sha256(data).hexdigest())


def parse_claims(doc: Any, *, codebook: Codebook, path: str | Path | None = None) -> ClaimSet:
    """Validate a parsed claims document (a dict) against ``codebook``.

    >>> cb = load_codebook()
    >>> parse_claims({"claims": [{"id": "X", "statement": {"it": "…", "en": "…"},
    ...     "item": "org_models", "statistic": {"type": "mean"},
    ...     "comparison": {"type": "above", "value": "neutral"}}]}, codebook=cb).claims[0].items
    ('org_models',)
    """
    path = Path(path) if path is not None else None
    model = validate_claims(doc, codebook=codebook, path=path)
    claims = tuple(
        Claim(
            c.id,
            dict(c.statement),
            tuple(c.item_ids),
            c.statistic.model_dump(exclude_unset=True),
            c.comparison.model_dump(exclude_unset=True),
            {k: list(v) for k, v in c.where.items()} if c.where is not None else None,
            tuple(c.cuts) if c.cuts else None,
            dict(c.title) if c.title else None,
            dict(c.label) if c.label else None,
        )
        for c in model.claims
    )
    texts = {key: dict(label) for key, label in (model.texts or {}).items()}
    return ClaimSet(
        claims,
        path=path,
        texts=texts,
        wording=model.wording.model_dump(),
        fixed_on=model.fixed_on,
        **model.defaults.model_dump(),
    )
