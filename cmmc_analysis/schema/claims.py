"""The claims file, as the user writes it (``docs/claims.md`` is generated from here).

A claim names its item(s), a statistic and a comparison. The models check each
entry's shape; :meth:`ClaimDoc._fits_the_codebook` checks it against the codebook
given in the validation context (the item exists, the statistic fits its type, the
labels are answers of the item, a share threshold lies in [0, 1], ...).

Examples
--------
>>> from cmmc_analysis.codebook import load_codebook
>>> doc = {"claims": [{"id": "X", "statement": {"it": "x", "en": "x"}, "item": "role",
...        "statistic": {"type": "mean"}, "comparison": {"type": "above", "value": 3}}]}
>>> validate_claims(doc, codebook=load_codebook(), path="mine.yaml")
Traceback (most recent call last):
...
cmmc_analysis.errors.ClaimsError: mine.yaml, entry claims[0] (X).statistic: statistic 'mean' needs a scale or numeric item; 'role' is 'single'
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError, ValidationInfo, model_validator

from ..errors import ClaimsError
from ._base import Strict, context, expect, problem, raise_first, shown

if TYPE_CHECKING:
    from ..codebook import Codebook

__all__ = [
    "STATISTICS",
    "COMPARISONS",
    "CORRECTIONS",
    "FINAL",
    "DefaultsDoc",
    "StatisticDoc",
    "ComparisonDoc",
    "ClaimDoc",
    "ClaimsDoc",
    "WordingDoc",
    "SEQUENTIAL",
    "validate_claims",
]

STATISTICS = ("share", "mean", "quantile", "ranking")
COMPARISONS = ("above", "below", "about", "neutral", "between", "top", "describe")
CORRECTIONS = ("holm", "bh", "bonferroni", "none")  # as significance.multitest.CORRECTIONS
SEQUENTIAL = ("obrien-fleming", "pocock", "none")  # as significance.sequential.SPENDING
#: The name of the cut holding every analysed response.
FINAL = "final"

Texts = Annotated[list[str], expect("a list of texts")]


class DefaultsDoc(Strict):
    """``defaults:``: options of the family of claims evaluated together."""

    noun = "option"

    alpha: Annotated[float, Field(gt=0, lt=1), expect("a number in (0, 1)")] = Field(
        0.05, description="significance level, after correction over the family"
    )
    ci_level: Annotated[float, Field(gt=0, lt=1), expect("a number in (0, 1)")] = Field(
        0.95, description="level of the intervals"
    )
    correction: Annotated[Literal[CORRECTIONS], expect("holm, bh, bonferroni or none")] = Field(  # type: ignore[valid-type]
        "holm", description="multiple-testing correction over the family"
    )
    min_n: Annotated[int, Field(ge=1), expect("a positive integer")] = Field(
        30, description="fewer valid answers than this: inconclusive"
    )
    sequential: Annotated[Literal[SEQUENTIAL], expect("obrien-fleming, pocock or none")] = Field(  # type: ignore[valid-type]
        "obrien-fleming",
        description="alpha spending over the interim and final looks (none: each look at alpha)",
    )


Margin = Annotated[float, Field(gt=0), expect("a positive number")]
Margins = Annotated[
    list[Margin], Field(min_length=1, max_length=9), expect("a list of 1 to 9 positive numbers")
]


class AboutDoc(Strict):
    """``wording.about:``: the half-width of "about X", by kind of statistic."""

    noun = "option"

    share: Annotated[float, Field(gt=0, lt=1), expect("a number in (0, 1)")] = Field(
        0.10, description="shares: points of proportion (0.10 = 10 points)"
    )
    scale: Margin = Field(0.25, description="statistics of scale codes: scale points")
    numeric: Annotated[float, Field(gt=0, lt=1), expect("a number in (0, 1)")] = Field(
        0.10, description="numeric quantities: a fraction of X (0.10 = 10 %)"
    )


class MarginsDoc(Strict):
    """``wording.margins:``: the margins over which every verdict's sensitivity is shown."""

    noun = "option"

    share: Margins = Field([0.05, 0.10, 0.15], description="for shares")
    scale: Margins = Field([0.15, 0.25, 0.35], description="for scale statistics")
    numeric: Margins = Field([0.05, 0.10, 0.15], description="for numeric quantities (relative)")


class WordingDoc(Strict):
    """``wording:``: how the publication's words become regions, for every claim alike.

    Fixed before the data are seen (record the date in ``fixed_on:``); a claim that
    sets its own ``tolerance`` is shown as such next to its verdict.
    """

    noun = "option"

    about: AboutDoc = Field(AboutDoc(), description='"about X": X +/- this margin')
    neutral: Margin = Field(0.25, description='"not evident": midpoint +/- this, scale points')
    margins: MarginsDoc = Field(MarginsDoc(), description="sensitivity grid of margins")


def _levels(value: Any) -> Any:
    if value in ("top2", "bottom2"):
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    raise problem(f"expected top2, bottom2 or a list of labels, found {shown(value)}")


_levels.kind = "`top2`, `bottom2` or a list of labels"  # type: ignore[attr-defined]


class StatisticDoc(Strict):
    """``statistic:``: what is estimated."""

    type: Literal[STATISTICS] = Field(description="the statistic (see the Schema section)")  # type: ignore[valid-type]
    levels: Annotated[Any, BeforeValidator(_levels)] = Field(
        None, description="share: top2, bottom2 or a list of labels"
    )
    q: Annotated[float, Field(gt=0, lt=1), expect("a quantile in (0, 1)")] | None = Field(
        None, description="quantile: which one"
    )


def _threshold(value: Any) -> Any:
    if value is None or value == "neutral":
        return value
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and math.isfinite(value):
        return value
    raise problem(f"expected a number or 'neutral', found {shown(value)}")


_threshold.kind = "a number or `neutral`"  # type: ignore[attr-defined]
Threshold = Annotated[Any, BeforeValidator(_threshold)]


class ComparisonDoc(Strict):
    """``comparison:``: the claimed region of the statistic."""

    type: Literal[COMPARISONS] = Field(description="the comparison (see the Schema section)")  # type: ignore[valid-type]
    value: Threshold = Field(None, description="above, below, about: the threshold")
    tolerance: Threshold = Field(
        None,
        description="about, neutral: a half-width for this claim only, instead of the "
        "wording rule's (shown as such in the report)",
    )
    low: Threshold = Field(None, description="between: lower bound (or neutral)")
    high: Threshold = Field(None, description="between: upper bound (or neutral)")
    items: Texts | None = Field(None, description="top: the items claimed to rank first")


_NEEDED = {
    "above": ["value"],
    "below": ["value"],
    "about": ["value"],
    "neutral": [],
    "between": ["low", "high"],
}


class ClaimDoc(Strict):
    """``claims[i]``: one testable statement."""

    noun = "field"

    id: Annotated[str, Field(min_length=1, max_length=100), expect("a claim id")] = Field(
        description="unique"
    )
    statement: Annotated[dict[str, str], expect("a mapping language -> text")] = Field(
        description="the finding, in every language of the codebook"
    )
    item: Annotated[str, expect("an item id")] | None = Field(None, description="the item")
    items: Annotated[list[str], Field(min_length=1), expect("a list of item ids")] | None = Field(
        None, description="ranking: the items"
    )
    statistic: StatisticDoc = Field(description="what is estimated")
    comparison: ComparisonDoc = Field(description="the claimed region")
    where: Annotated[dict[str, Texts], expect("a mapping item -> list of labels")] | None = Field(
        None, description="only respondents with these answers"
    )
    cuts: Annotated[list[str], expect("a list of cut names")] | None = Field(
        None, description="evaluate only on these cuts (final or a codebook cut-off)"
    )
    title: Annotated[dict[str, str], expect("a mapping language -> text")] | None = Field(
        None, description="a section heading for the claim (descriptive claims get a section)"
    )
    label: Annotated[dict[str, str], expect("a mapping language -> text")] | None = Field(
        None,
        description="a short label for tables and charts (default: the statement, shortened)",
    )

    @model_validator(mode="before")
    @classmethod
    def _has_id(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or not isinstance(data.get("id"), str):
            raise problem("each claim is a mapping with an `id`")
        return data

    @property
    def item_ids(self) -> list[str]:
        """The claim's items (``items:``, or ``[item]``)."""
        return list(self.items) if self.items is not None else [self.item]  # type: ignore[list-item]

    @model_validator(mode="after")
    def _fits_the_codebook(self, info: ValidationInfo) -> ClaimDoc:
        cb: Codebook | None = context(info, "codebook")
        if cb is None:
            return self
        missing = [lang for lang in cb.languages if not self.statement.get(lang)]
        if missing:
            raise problem(f"expected a text in each language {list(cb.languages)}", "statement")
        if self.title is not None and any(not self.title.get(lang) for lang in cb.languages):
            raise problem(f"expected a text in each language {list(cb.languages)}", "title")
        if self.label is not None and any(not self.label.get(lang) for lang in cb.languages):
            raise problem(f"expected a text in each language {list(cb.languages)}", "label")
        if self.items is None and self.item is None:
            raise problem("expected `item: ID` or `items: [ID, ...]`", "item")
        for item in self.item_ids:
            if item not in cb.items:
                raise problem(f"unknown item {item!r}; not in the codebook", "item")
        self._statistic(cb)
        self._comparison(cb)
        for item, labels in (self.where or {}).items():
            if item not in cb.items:
                raise problem(f"unknown item {item!r}", "where")
            allowed = cb.labels(item)
            bad = [lab for lab in labels if lab not in allowed]
            if not labels or bad:
                raise problem(
                    f"labels {bad or labels!r} are not answers of {item!r}; "
                    f"expected some of {allowed}",
                    "where",
                )
        bad = [c for c in self.cuts or [] if c != FINAL and c not in cb.cutoffs]
        if bad:
            raise problem(
                f"unknown cut {bad[0]!r}; expected 'final' or one of {sorted(cb.cutoffs)}", "cuts"
            )
        return self

    def _statistic(self, cb: Codebook) -> None:
        stat, items = self.statistic, self.item_ids
        kind = stat.type
        types = [cb.items[i].type for i in items]
        if kind == "ranking":
            if len(items) < 2 or any(t != "scale" for t in types):
                raise problem("a ranking needs `items:` with at least two scale items", "statistic")
            return
        if len(items) != 1:
            raise problem(f"statistic {kind!r} takes one `item:`", "statistic")
        item, itype = items[0], types[0]
        if kind == "share":
            if itype not in ("scale", "single"):
                raise problem(
                    f"statistic 'share' needs a scale or single-choice item; {item!r} is {itype!r}",
                    "statistic",
                )
            if stat.levels in ("top2", "bottom2"):
                if itype != "scale":
                    raise problem(
                        f"{stat.levels} needs a scale item; {item!r} is {itype!r}",
                        "statistic",
                        "levels",
                    )
                return
            allowed = cb.labels(item)
            if not stat.levels or any(lv not in allowed for lv in stat.levels):
                raise problem(
                    f"expected top2, bottom2 or a list of labels of {item!r}: {allowed}",
                    "statistic",
                    "levels",
                )
        elif kind == "mean" and itype not in ("scale", "numeric"):
            raise problem(
                f"statistic 'mean' needs a scale or numeric item; {item!r} is {itype!r}",
                "statistic",
            )
        elif kind == "quantile":
            if itype not in ("scale", "numeric"):
                raise problem(
                    f"statistic 'quantile' needs a numeric or scale item; {item!r} is {itype!r}",
                    "statistic",
                )
            if stat.q is None:
                raise problem("expected a quantile in (0, 1), found None", "statistic", "q")

    def _comparison(self, cb: Codebook) -> None:
        comp, stat, items = self.comparison, self.statistic, self.item_ids
        kind = comp.type
        where = ("comparison",)
        if stat.type == "ranking":
            if kind == "top":
                top = comp.items
                if not top or any(t not in items for t in top):
                    raise problem(
                        "expected the list of items claimed to rank first, among the claim's items",
                        *where,
                        "items",
                    )
                if len(top) >= len(items):
                    raise problem(
                        "the items claimed to rank first must leave others to compare with",
                        *where,
                        "items",
                    )
            elif kind != "describe":
                raise problem(
                    f"a ranking takes comparison 'top' or 'describe', not {kind!r}", *where
                )
            return
        if kind in ("top", "describe"):
            raise problem(f"comparison {kind!r} needs statistic 'ranking'", *where)
        scale_item = cb.items[items[0]].type == "scale"
        if kind == "neutral" and not scale_item:
            raise problem(
                "comparison 'neutral' needs a scale item (it compares with the midpoint)", *where
            )
        for key in _NEEDED[kind]:
            value = getattr(comp, key)
            if value == "neutral" and scale_item:
                continue
            if value is None or value == "neutral":
                raise problem(
                    f"missing or non-numeric threshold {key!r} (found {value!r})", *where, key
                )
            if stat.type == "share" and key in ("value", "low", "high") and not 0 <= value <= 1:
                raise problem(f"a share threshold must lie in [0, 1], found {value!r}", *where, key)
        if comp.tolerance is not None and kind not in ("about", "neutral"):
            raise problem(f"comparison {kind!r} takes no tolerance", *where, "tolerance")
        if kind in ("about", "neutral") and comp.tolerance is not None and comp.tolerance <= 0:
            raise problem("expected a positive tolerance", *where, "tolerance")


def _claims(value: Any) -> Any:
    if not isinstance(value, list):
        raise problem(f"a claims file is a mapping with a `claims:` list, found {shown(value)}")
    return value


class ClaimsDoc(Strict):
    """A claims file."""

    noun = "section"
    what = "a mapping with a `claims:` list"

    defaults: DefaultsDoc = Field(DefaultsDoc(), description="family-wide options")
    fixed_on: Annotated[datetime.date, expect("a date (YYYY-MM-DD)")] | None = Field(
        None, description="when the claims and their wording were fixed (before the data)"
    )
    wording: WordingDoc = Field(WordingDoc(), description="how words become regions")
    texts: (
        Annotated[dict[str, dict[str, str]], expect("a mapping text key -> {language: text}")]
        | None
    ) = Field(
        None,
        description="the survey's wording for generic texts of the findings page (nb04.intro, ...)",
    )
    claims: Annotated[list[ClaimDoc], BeforeValidator(_claims)] = Field(
        description="the claims, each with a unique id"
    )

    @model_validator(mode="before")
    @classmethod
    def _defaults_may_be_empty(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and data.get("defaults", 0) is None:
            data = {k: v for k, v in data.items() if k != "defaults"}
        return data

    @model_validator(mode="after")
    def _texts_in_every_language(self, info: ValidationInfo) -> ClaimsDoc:
        cb: Codebook | None = context(info, "codebook")
        for key, texts in (self.texts or {}).items():
            if cb is not None and any(not texts.get(lang) for lang in cb.languages):
                raise problem(
                    f"expected a text in each language {list(cb.languages)}", "texts", key
                )
        return self

    @model_validator(mode="after")
    def _unique_ids(self) -> ClaimsDoc:
        seen: set[str] = set()
        for i, claim in enumerate(self.claims):
            if claim.id in seen:
                raise problem(f"duplicate claim id {claim.id!r}", "claims", i)
            seen.add(claim.id)
        return self


def validate_claims(doc: Any, *, codebook: Codebook, path: Any = None) -> ClaimsDoc:
    """Validate a claims document (parsed YAML) against ``codebook``.

    Raises
    ------
    ClaimsError
        One line naming the file, the claim and the field.
    """
    try:
        return ClaimsDoc.model_validate(doc, context={"codebook": codebook})
    except ValidationError as err:
        raise_first(err, doc, ClaimsError, path)
