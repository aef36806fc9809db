"""The population margins file used for raking (``docs/weights_and_banners.md``).

``margins:`` maps a single-choice item of the codebook to the target share of each
of its canonical (source-language) option labels; the shares of one variable sum
to 1. Other top-level keys (``description``, ``source``, ``illustrative``,
``survey``) document the file.

Examples
--------
>>> from cmmc_analysis.codebook import load_codebook
>>> validate_margins_doc({"margins": {"size": {"Meno di 50": 1.5}}}, codebook=load_codebook(),
...                      path="m.yaml")
Traceback (most recent call last):
...
cmmc_analysis.errors.SurveyDataError: m.yaml, entry margins.size.Meno di 50: share 1.5 is not a number in [0, 1]
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from ..errors import SurveyDataError
from ._base import Strict, context, problem, raise_first, shown

if TYPE_CHECKING:
    from ..codebook import Codebook

__all__ = ["SHARE_TOLERANCE", "MarginsDoc", "validate_margins_doc"]

#: How far the shares of one variable may sum from 1.
SHARE_TOLERANCE = 1e-6


def _share(value: Any) -> Any:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or not 0 <= value <= 1:
        raise problem(f"share {shown(value)} is not a number in [0, 1]")
    return float(value)


Share = Annotated[Any, BeforeValidator(_share)]


def _shares(value: Any) -> Any:
    if not isinstance(value, dict) or not value:
        raise problem("expected a mapping label -> share")
    return value


class MarginsDoc(Strict):
    """A margins file."""

    model_config = ConfigDict(**{**Strict.model_config, "extra": "allow"})
    open = True

    survey: Annotated[str, Field(min_length=1)] | None = Field(
        None, description="the survey id of the codebook these margins belong to"
    )
    margins: dict[str, Annotated[dict[str, Share], BeforeValidator(_shares)]] | None = Field(
        None, description="item id -> {option label: target share}"
    )

    @model_validator(mode="after")
    def _fit_the_codebook(self, info: ValidationInfo) -> MarginsDoc:
        if not self.margins:
            raise problem("expected a `margins:` mapping of variable -> {label: share}")
        cb: Codebook | None = context(info, "codebook")
        for var, shares in self.margins.items():
            where = ("margins", var)
            if cb is not None:
                _check_variable(cb, var, shares, where)
            total = float(sum(shares.values()))
            if abs(total - 1) > SHARE_TOLERANCE:
                raise problem(
                    f"shares sum to {total:.6g}, expected 1 (within {SHARE_TOLERANCE:g})", *where
                )
        return self


def _check_variable(cb: Codebook, var: str, shares: dict[str, float], where: tuple) -> None:
    if var not in cb.items:
        raise problem(
            f"unknown variable {var!r}; expected a single-choice item such as {cb.segments}", *where
        )
    item = cb.items[var]
    if item.type != "single":
        raise problem(
            f"item {var!r} is of type {item.type!r}; raking needs a single-choice item", *where
        )
    known = item.option_labels(None, cb.source_language)
    for label in shares:
        if label not in known:
            raise problem(f"unknown label {label!r}; expected one of {known}", *where, label)


def validate_margins_doc(doc: Any, *, codebook: Codebook, path: Any = None) -> MarginsDoc:
    """Validate a margins document against ``codebook``; :class:`SurveyDataError` if not."""
    try:
        return MarginsDoc.model_validate(doc, context={"codebook": codebook})
    except ValidationError as err:
        raise_first(err, doc, SurveyDataError, path)
