"""The codebook file, as the user writes it (``docs/codebook.md`` is generated from here).

:func:`validate_codebook` checks a parsed YAML document in two layers: the models
check each entry on its own (types, required keys, unknown keys, a text in every
language, ``min`` not above ``max``, ...), and :meth:`CodebookDoc._references`
checks what entries say about each other (an item's scale exists, a construct's
items are scale items of equal length, a skip condition names an option, ...).
:mod:`cmmc_analysis.codebook` builds the :class:`~cmmc_analysis.codebook.Codebook`
from the validated model.

Length: over 500 lines. The codebook file's models (survey, scales, items, grids,
constructs, cleaning, export layout) validate against each other and are kept in one
module so that the generated reference in docs/codebook.md follows the file's order.

Examples
--------
>>> doc = {"survey": {"id": "tiny", "source_language": "en", "languages": ["en"]},
...        "items": [{"id": "q1", "type": "scale", "scale": "yn", "text": "Q1?"}]}
>>> validate_codebook(doc, path="tiny.yaml")
Traceback (most recent call last):
...
cmmc_analysis.errors.CodebookError: tiny.yaml, entry items[0] (q1).scale: unknown scale 'yn'; known: []
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from ..errors import CodebookError
from ._base import Strict, context, expect, problem, raise_first, shown
from .cleaning import CleaningDoc

__all__ = [
    "ITEM_TYPES",
    "ROLES",
    "MAX_SCALE_POINTS",
    "LabelDoc",
    "SurveyDoc",
    "FieldworkDoc",
    "ScaleDoc",
    "GridDoc",
    "AskedIfDoc",
    "ExportDoc",
    "ItemDoc",
    "OtherDoc",
    "ConstructDoc",
    "CodebookDoc",
    "validate_codebook",
    "closest",
]

#: The item types a codebook may declare.
ITEM_TYPES = ("scale", "single", "multi", "numeric", "text", "datetime")

#: Roles that at most one item may carry: the submission time, the time taken (or the
#: start time, from which with the submission time the time taken is computed), the
#: respondent's key (duplicates) and the survey weight (used by weighted summaries).
ROLES = ("submitted_at", "started_at", "duration", "respondent_key", "weight")

#: The most points a scale may have (0..100 is a slider: declare it ``numeric``).
MAX_SCALE_POINTS = 101


def closest(name: Any, pool: Sequence[str] | Mapping[str, Any]) -> list[str]:
    """Up to three names of ``pool`` close to ``name`` (for "did you mean" messages)."""
    return difflib.get_close_matches(str(name), list(pool), n=3, cutoff=0.5)


def _identifier(value: str) -> str:
    if not value.isidentifier():
        raise ValueError(value)
    return value


Id = Annotated[str, AfterValidator(_identifier), expect("an identifier-like id")]
Key = Annotated[str, expect("a text key")]
Ref = Annotated[str, expect("an id")]
Refs = Annotated[list[str], expect("a list of ids")]
Flag = Annotated[bool, expect("true or false")]
Number = Annotated[float, expect("a number")]
Language = Annotated[
    str, Field(min_length=1, max_length=35, pattern=r"^\S+$"), expect("a language code")
]

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _timestamp(value: Any) -> pd.Timestamp:
    expected = f"expected an ISO date-time such as 2020-03-18T09:00, found {shown(value)}"
    if isinstance(value, str) and not _ISO.match(value.strip()):
        raise problem(expected)
    if not isinstance(value, str | dt.date):
        raise problem(expected)
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        raise problem(expected) from None
    if ts is pd.NaT:
        raise problem(expected)
    if ts.tzinfo is not None:
        raise problem(
            "expected a local date-time without a time zone (the export's times are local), "
            f"found {shown(value)}"
        )
    return ts


_timestamp.kind = "an ISO date-time without time zone"  # type: ignore[attr-defined]
Timestamp = Annotated[Any, BeforeValidator(_timestamp)]


class LabelDoc(BaseModel):
    """A text in every language of the survey: ``{it: ..., en: ...}``, or one string
    when the survey has one language. Multiple-choice options also carry a ``code``."""

    model_config = ConfigDict(strict=True, frozen=True)

    texts: dict[Key, Annotated[str, expect("a text")]]
    code: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, value: Any, info: ValidationInfo) -> Any:
        languages = context(info, "languages") or []
        if isinstance(value, str):
            value = {languages[0] if languages else "": value}
        if not isinstance(value, Mapping):
            raise problem(f"expected a text or a mapping language -> text, found {shown(value)}")
        texts = {k: v for k, v in value.items() if k != "code"}
        for lang in languages:
            text = texts.get(lang)
            if not isinstance(text, str) or not text.strip():
                raise problem(f"missing text in language {lang!r}")
        code = value.get("code")
        if isinstance(code, int) and not isinstance(code, bool):
            code = str(code)
        if code is not None and (not isinstance(code, str) or not code.strip()):
            raise problem(f"expected a code (a short text), found {shown(code)}", "code")
        return {"texts": texts, "code": code}

    def text(self, lang: str) -> str:
        """The text in ``lang`` (falls back to the first language given)."""
        return self.texts[lang] if lang in self.texts else next(iter(self.texts.values()), "")


Labels = Annotated[list[LabelDoc], BeforeValidator(lambda v: _list(v, "labels"))]


def _list(value: Any, what: str) -> Any:
    if not isinstance(value, list):
        raise problem(
            f"expected a list of {what}, found {shown(value)}", expected=f"a list of {what}"
        )
    return value


def _mapping(value: Any) -> Any:
    if not isinstance(value, Mapping):
        raise problem(f"expected a mapping of text keys, found {shown(value)}")
    return value


def _items(value: Any) -> Any:
    if not isinstance(value, list) or not value:
        raise problem(f"expected a non-empty list of items, found {shown(value)}")
    return value


def _repeats(labels: Sequence[LabelDoc], source: str) -> str | None:
    seen: set[str] = set()
    for lab in labels:
        text = lab.text(source)
        if text in seen:
            return f"label {text!r} is listed twice"
        seen.add(text)
    codes = [lab.code for lab in labels if lab.code]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    return f"option code {dupes[0]!r} is listed twice" if dupes else None


def _aliases(value: Any) -> Any:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise problem(f"expected a mapping label -> list of variants, found {shown(value)}")
    out = {}
    for label, variants in value.items():
        if isinstance(variants, str):
            variants = [variants]
        if not isinstance(variants, list) or not all(
            isinstance(v, str | int) and not isinstance(v, bool) and str(v).strip()
            for v in variants
        ):
            raise problem(f"expected a list of texts, found {shown(variants)}", str(label))
        out[str(label)] = [str(v) for v in variants]
    return out


Aliases = Annotated[dict[str, list[str]], BeforeValidator(_aliases)]


def _alias_problem(aliases: Mapping[str, list[str]], labels: Sequence[str]) -> str | None:
    """Aliases naming no label, or one variant given to two labels (None when fine;
    compared case- and space-insensitively, as cleaning reads them)."""

    def normalise_text(text: str) -> str:
        return " ".join(text.casefold().split())

    owner: dict[str, str] = {normalise_text(lab): lab for lab in labels}
    for label, variants in aliases.items():
        if label not in labels:
            return f"aliases: {label!r} is not a label; labels: {list(labels)}"
        for v in variants:
            key = normalise_text(v)
            if owner.get(key, label) != label:
                return f"aliases: {v!r} would mean both {owner[key]!r} and {label!r}"
            owner[key] = label
    return None


class OtherDoc(Strict):
    """``other:`` on a single or multiple-choice item: the form's "Other:" option.

    ``other: true`` is ``other: {}``; the respondent's own text counts as this option.
    """

    label: LabelDoc | None = Field(None, description='the option\'s label (default "Other")')
    code: Annotated[str, expect("a code (a short text)")] = Field(
        "other", description="multi: its column is `item__<code>`"
    )


def _other(value: Any) -> Any:
    if value is True:
        return {}
    if value is False:
        return None
    return value


class SurveyDoc(Strict):
    """``survey:``: who and what. Other keys (``organisation``, ...) are documentation."""

    model_config = ConfigDict(**{**Strict.model_config, "extra": "allow"})
    open = True

    id: Annotated[str, expect("an id")] | None = Field(None, description="the survey's id")
    title: LabelDoc | None = Field(None, description="the title, in every language")
    source_language: Language | None = Field(
        None, description="language of the export's headers and labels (default: the first)"
    )
    languages: (
        Annotated[list[Language], Field(min_length=1), expect("a list of language codes")] | None
    ) = Field(None, description="every text needs each of these (default: the source language)")

    claims: Annotated[str, Field(min_length=1), expect("a file name")] | None = Field(
        None, description="the survey's claims file, relative to the codebook"
    )
    texts: Annotated[dict[Key, LabelDoc], BeforeValidator(_mapping)] | None = Field(
        None, description="the survey's own wording of report texts: key -> text in each language"
    )

    @model_validator(mode="after")
    def _source_among_languages(self) -> SurveyDoc:
        if self.languages and self.source_language and self.source_language not in self.languages:
            raise problem(
                f"{self.source_language!r} is not among languages {self.languages}",
                "source_language",
            )
        return self


class FieldworkDoc(Strict):
    """``fieldwork:``: the window and the named cut-offs (local date-times)."""

    start: Timestamp | None = Field(None, description="submissions before are excluded")
    end: Timestamp | None = Field(None, description="submissions after are excluded")
    cutoffs: dict[Key, Timestamp] = Field({}, description="named cut-offs (interim vs final)")
    default_cutoff: Annotated[str, expect("a cut-off name")] | None = Field(
        None, description="the cut-off used by default (default: the first)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> FieldworkDoc:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise problem(f"start {self.start} is after end {self.end}")
        if self.default_cutoff is not None and self.default_cutoff not in self.cutoffs:
            raise problem(
                f"{self.default_cutoff!r} is not among cutoffs {sorted(self.cutoffs)}",
                "default_cutoff",
            )
        return self


def _numbered(value: Any, info: ValidationInfo) -> Any:
    """``points: 10`` (a linear scale exporting "1".."10"): the points' texts are the
    numbers, a point given a text in ``labels:`` reads "1 = not at all"."""
    if not isinstance(value, Mapping) or not isinstance(value.get("points"), int):
        return value
    k, labels = value["points"], value.get("labels") or {}
    if isinstance(k, bool) or not 2 <= k <= MAX_SCALE_POINTS:
        raise problem(f"expected from 2 to {MAX_SCALE_POINTS} points, found {shown(k)}", "points")
    if not isinstance(labels, Mapping):
        raise problem(f"expected a mapping point -> text, found {shown(labels)}", "labels")
    languages = context(info, "languages") or [""]
    points = []
    for i in range(1, k + 1):
        text = labels.get(i, labels.get(str(i)))
        if text is None:
            points.append({lang: str(i) for lang in languages})
        elif isinstance(text, str):
            points.append({lang: f"{i} = {text}" for lang in languages})
        elif isinstance(text, Mapping):
            points.append({lang: f"{i} = {t}" for lang, t in text.items()})
        else:
            raise problem(f"expected a text, found {shown(text)}", "labels", i)
    wrong = [p for p in labels if str(p) not in {str(i) for i in range(1, k + 1)}]
    if wrong:
        raise problem(f"no point {shown(wrong[0])} on a scale of {k} points", "labels")
    out = {key: v for key, v in value.items() if key != "labels"}
    return {**out, "points": points, "numbered": True}


Codes = Annotated[list[int], expect("a list of point codes (1..k)")]


class ScaleDoc(Strict):
    """``scales.<id>``: ordered points (coded 1..k) and not-an-answer labels.

    ``points: 10`` declares a numbered scale (Google Forms' linear scale, exported as
    "1".."10"), with ``labels: {1: "not at all", 10: "a great deal"}`` for some points.
    """

    points: Annotated[Labels, Field(min_length=2, max_length=MAX_SCALE_POINTS)] = Field(
        description=f"ordered low -> high, coded 1..k (2 to {MAX_SCALE_POINTS} points); "
        "or a number k: points exported as 1..k"
    )
    numbered: Flag = Field(False, description="set by `points: k` (not written by hand)")
    not_an_answer: Labels = Field([], description='labels that mean "no answer" (-> missing)')
    aliases: Aliases = Field(
        {}, description="point label -> variants read as it (case- and space-insensitive)"
    )
    top2: Codes | None = Field(
        None, description="the codes counted as top-2 (favourable), when the default is wrong"
    )
    bottom2: Codes | None = Field(None, description="the codes counted as bottom-2")

    _numbered = model_validator(mode="before")(_numbered)
    topic: LabelDoc | None = Field(
        None,
        description="what the scale's items outside grids are about, for chart titles "
        "(never the scale's end labels; default: the item's text when there is one item)",
    )
    polarity: Annotated[Literal["bipolar", "unipolar"] | None, expect("bipolar or unipolar")] = (
        Field(
            None,
            description="bipolar (agreement, change: drawn diverging around the middle) or "
            "unipolar (amount, frequency: drawn from zero); default from the first point's label",
        )
    )

    @model_validator(mode="after")
    def _no_repeats(self, info: ValidationInfo) -> ScaleDoc:
        source = context(info, "source", "")
        repeated = _repeats(self.points + self.not_an_answer, source)
        if repeated:
            raise problem(repeated)
        wrong = _alias_problem(self.aliases, [p.text(source) for p in self.points])
        if wrong:
            raise problem(wrong, "aliases")
        k = len(self.points)
        for key in ("top2", "bottom2"):
            codes = getattr(self, key)
            if codes is not None and (not codes or any(not 1 <= c <= k for c in codes)):
                raise problem(f"expected codes from 1 to {k}, found {codes}", key)
        if self.top2 and self.bottom2 and set(self.top2) & set(self.bottom2):
            raise problem(f"top2 {self.top2} and bottom2 {self.bottom2} overlap", "top2")
        return self


class GridDoc(Strict):
    """``grids.<id>``: a question stem shared by several scale items."""

    text: LabelDoc = Field(description='the stem; items are exported as "stem [row text]"')
    scale: Ref = Field(description="the scale of the grid's items")
    topic: LabelDoc | None = Field(
        None, description="what the grid is about, for chart titles (default: the stem)"
    )


class AskedIfDoc(Strict):
    """``asked_if:``: the item is asked only when another item has one of some answers.

    A single-choice or scale filter names its labels (``in:``); a numeric filter its
    range (``min:`` and/or ``max:``, inclusive).
    """

    item: Ref = Field(description="the filter item")
    in_: (
        Annotated[list[str], Field(min_length=1), expect("a list of labels of the filter item")]
        | None
    ) = Field(None, alias="in", description="its labels (options or scale points) leading here")
    min: Number | None = Field(None, description="numeric filter: asked when the value >= min")
    max: Number | None = Field(None, description="numeric filter: asked when the value <= max")

    @model_validator(mode="after")
    def _one_condition(self) -> AskedIfDoc:
        if self.in_ is None and self.min is None and self.max is None:
            raise problem("expected `in:` with labels of the filter item, or `min:`/`max:`")
        return self


class ExportDoc(Strict):
    """``export:``: how the form tool laid the file out (all optional)."""

    header_rows: Annotated[int, Field(ge=1, le=3), expect("1, 2 or 3")] = Field(
        1,
        description="header rows: 2 = question + option/sub-question (SurveyMonkey), "
        "3 = ids + question text + import ids (Qualtrics)",
    )
    not_asked: Annotated[list[str], expect("a list of texts")] = Field(
        [], description='texts the tool writes for a question not asked ("NA", "N/A", "-")'
    )


class ItemDoc(Strict):
    """``items[i]``: one column of the export, in export order."""

    id: Id = Field(description="identifier-like, unique")
    type: Literal[ITEM_TYPES] = Field(description="what the column holds")  # type: ignore[valid-type]
    text: LabelDoc = Field(description="question text (row label for grid items)")
    scale: Ref | None = Field(None, description="scale items (or inherited from `grid`)")
    grid: Ref | None = Field(None, description='exported as "stem [row text]"')
    options: Labels = Field([], description="single / multi; multi options need `code`")
    not_an_answer: Labels = Field([], description='single: labels that mean "no answer"')
    ordered: Flag = Field(False, description="single: the options are ordered")
    segment: Flag = Field(False, description="a profile variable to break results down by")
    pii: Flag = Field(False, description="personal data: removed at cleaning, never reported")
    role: Literal[ROLES] | None = Field(  # type: ignore[valid-type]
        None, description="what the item is used for; at most one item per role"
    )
    required: Flag = Field(True, description="a missing column is an error unless false")
    asked_if: AskedIfDoc | None = Field(None, description="skip condition")
    min: Number | None = Field(None, description="numeric range; values outside -> missing")
    max: Number | None = Field(None, description="numeric range; values outside -> missing")
    unit: Annotated[str, expect("a text")] | None = Field(
        None, description='"%": fractions written 0,8 are read as 80'
    )
    separator: Annotated[str, Field(min_length=1, max_length=20), expect("a non-empty text")] = (
        Field(", ", description="multi: how the export joins the chosen options")
    )
    layout: Literal["joined", "columns"] = Field(
        "joined",
        description='multi: "joined" (one column) or "columns" (one column per option, the '
        'cell holding the option text, "1", "Selected", "Y" or nothing)',
    )
    format: (
        Annotated[str, Field(min_length=2), expect("a strftime format, or year or id")] | None
    ) = Field(
        None,
        description='datetime: the export\'s format, e.g. "%m/%d/%y %H:%M"; '
        "numeric: `year` or `id`, shown without thousands separators",
    )
    dayfirst: Flag | None = Field(
        None, description="datetime: false = month first (US), true = day first"
    )
    other: Annotated[OtherDoc | None, BeforeValidator(_other)] = Field(
        None, description='single / multi: `true` or `{label: ...}`: the form\'s "Other:" option'
    )
    aliases: Aliases = Field(
        {}, description="single: label -> variants read as it (case- and space-insensitive)"
    )
    unknown: Any = Field(None, description="reserved (ignored)")

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> ItemDoc:
        if self.type in ("single", "multi") and not self.options:
            raise problem(f"a {self.type!r} item needs options", "options")
        if self.type != "scale" and self.scale is not None:
            raise problem(f"only scale items take a scale (this one is {self.type!r})", "scale")
        if self.type == "multi":
            for i, option in enumerate(self.options):
                if not option.code:
                    raise problem(
                        "a multiple-choice option needs a `code` (used in column names)",
                        "options",
                        i,
                    )
        repeated = _repeats(self.options + self.not_an_answer, context(info, "source", ""))
        if repeated:
            raise problem(repeated)
        if self.min is not None and self.max is not None and self.min > self.max:
            raise problem(f"min {self.min:g} is above max {self.max:g}")
        if self.layout != "joined" and self.type != "multi":
            raise problem(f"only multi items take a layout (this one is {self.type!r})", "layout")
        if self.dayfirst is not None and self.type != "datetime":
            raise problem(
                f"only datetime items take 'dayfirst' (this one is {self.type!r})", "dayfirst"
            )
        if self.format is not None and self.type == "numeric":
            if self.format not in ("year", "id"):
                raise problem(
                    f"expected year or id for a numeric item, found {self.format!r}", "format"
                )
        elif self.format is not None and self.type != "datetime":
            raise problem(
                f"only datetime and numeric items take 'format' (this one is {self.type!r})",
                "format",
            )
        elif self.format is not None and "%" not in self.format:
            raise problem(
                f"expected a strftime format such as %m/%d/%y %H:%M, found {self.format!r}",
                "format",
            )
        if self.role in ("submitted_at", "started_at") and self.type != "datetime":
            raise problem(f"role {self.role!r} needs a datetime item, not {self.type!r}", "role")
        if self.role in ("duration", "weight") and self.type != "numeric":
            raise problem(f"role {self.role!r} needs a numeric item, not {self.type!r}", "role")
        if self.other is not None and self.type not in ("single", "multi"):
            raise problem(f"only single and multi items take `other` (this is {self.type!r})")
        if self.aliases and self.type != "single":
            raise problem(
                f"only single items take `aliases` (this is {self.type!r}; scales: on the scale)"
            )
        source = context(info, "source", "")
        labels = [o.text(source) for o in self.options]
        if self.other is not None:
            label = self.other.label.text(source) if self.other.label else "Other"
            if label in labels:
                raise problem(f"other: label {label!r} is already an option", "other")
            if self.other.code in [o.code for o in self.options]:
                raise problem(f"other: code {self.other.code!r} is already an option's", "other")
            labels.append(label)
        wrong = _alias_problem(self.aliases, labels)
        if wrong:
            raise problem(wrong, "aliases")
        return self


class ConstructDoc(Strict):
    """``constructs.<id>``: scale items scored together."""

    text: LabelDoc | None = Field(None, description="its name (default: the id)")
    items: Annotated[list[str], Field(min_length=2), expect("a list of at least two item ids")] = (
        Field(description="scale items with scales of the same length")
    )
    reverse: Refs = Field([], description="reverse-keyed as (1 + k) - code")
    min_valid: Annotated[float, Field(gt=0, le=1), expect("a share in (0, 1]")] = Field(
        0.5, description="score = mean when at least this share of the items is answered"
    )


class CodebookDoc(Strict):
    """A codebook file."""

    noun = "section"
    what = "a mapping with survey, scales, items, ..."

    survey: SurveyDoc = Field(SurveyDoc(), description="the survey's id, title and languages")
    export: ExportDoc = Field(ExportDoc(), description="how the form tool laid the file out")
    fieldwork: FieldworkDoc = Field(FieldworkDoc(), description="fieldwork window and cut-offs")
    scales: dict[Key, ScaleDoc] = Field({}, description="response scales by id")
    grids: dict[Key, GridDoc] = Field({}, description="question stems shared by scale items")
    items: Annotated[list[ItemDoc], BeforeValidator(_items)] = Field(
        description="one entry per export column, in export order (at least one)"
    )
    constructs: dict[Key, ConstructDoc] = Field({}, description="item sets scored together")
    cleaning: CleaningDoc = Field(
        CleaningDoc(), description="options of the cleaning rules (docs/cleaning.md)"
    )

    @model_validator(mode="after")
    def _references(self) -> CodebookDoc:
        """What entries say about each other."""
        items = {}
        for i, item in enumerate(self.items):
            if item.id in items:
                raise problem(f"duplicate item id {item.id!r}", "items", i)
            items[item.id] = item
        for i, item in enumerate(self.items):
            self._item_references(i, item, items)
        roles = [item.role for item in self.items if item.role]
        for role in dict.fromkeys(roles):
            if roles.count(role) > 1:
                raise problem(f"role {role!r} is given to more than one item", "items")
        for gid, grid in self.grids.items():
            if grid.scale not in self.scales:
                raise problem(
                    f"unknown scale {grid.scale!r}; known: {sorted(self.scales)}",
                    "grids",
                    gid,
                    "scale",
                )
        for cid, construct in self.constructs.items():
            self._construct_references(cid, construct, items)
        for rule, options in self.cleaning:
            for key in ("fields", "key"):
                for field_id in getattr(options, key, []):
                    if field_id not in items:
                        raise problem(f"unknown item {field_id!r}", "cleaning", rule, key)
        check = self.cleaning.attention
        if check.item is not None and check.item not in items:
            raise problem(
                f"unknown item {check.item!r}; closest: {closest(check.item, items)}",
                "cleaning",
                "attention",
                "item",
            )
        if check.item is not None and not check.accept:
            raise problem("an attention check needs `accept:` answers", "cleaning", "attention")
        return self

    def _scale_of(self, item: ItemDoc) -> str | None:
        if item.scale is None and item.grid in self.grids:
            return self.grids[item.grid].scale
        return item.scale

    def _item_references(self, i: int, item: ItemDoc, items: Mapping[str, ItemDoc]) -> None:
        if item.grid is not None and item.grid not in self.grids:
            raise problem(
                f"unknown grid {item.grid!r}; known: {sorted(self.grids)}", "items", i, "grid"
            )
        scale = self._scale_of(item)
        if item.type == "scale" and scale not in self.scales:
            raise problem(
                f"unknown scale {scale!r}; known: {sorted(self.scales)}", "items", i, "scale"
            )
        if item.type != "scale" and scale is not None:
            raise problem(
                f"only scale items take a scale (this one is {item.type!r})", "items", i, "grid"
            )
        cond = item.asked_if
        if cond is not None:
            where = ("items", i, "asked_if")
            if cond.item not in items:
                raise problem(f"skip condition names unknown item {cond.item!r}", *where)
            self._condition_references(items[cond.item], cond, where)

    def _condition_references(self, target: ItemDoc, cond: AskedIfDoc, where: tuple) -> None:
        """A skip condition fits its filter item: labels of a choice or scale, a range of a number."""
        if target.type == "numeric":
            if cond.in_ is not None:
                raise problem(
                    f"{target.id!r} is numeric: expected `min:`/`max:`, not `in:` labels", *where
                )
            return
        if cond.in_ is None:
            raise problem(
                f"`min:`/`max:` need a numeric filter item; {target.id!r} is {target.type!r}",
                *where,
            )
        scale = self._scale_of(target)
        pool = self.scales[scale].points if scale in self.scales else target.options
        known = [o.text(self._source) for o in pool]
        kind = "a point of the scale" if scale in self.scales else "an option"
        for label in cond.in_:
            if label not in known:
                raise problem(
                    f"label {label!r} is not {kind} of {target.id!r}; options: {known}", *where
                )

    @property
    def _source(self) -> str:
        langs = self.survey.languages or [self.survey.source_language or "it"]
        return self.survey.source_language or langs[0]

    def _construct_references(
        self, cid: str, construct: ConstructDoc, items: Mapping[str, ItemDoc]
    ) -> None:
        where = ("constructs", cid)
        if cid in items:
            raise problem(f"construct id {cid!r} is already an item id", *where)
        for m in construct.items:
            if m not in items:
                raise problem(f"unknown item {m!r}; closest: {closest(m, items)}", *where, "items")
            if items[m].type != "scale":
                raise problem(
                    f"item {m!r} is of type {items[m].type!r}, not a scale item", *where, "items"
                )
        ks = {len(self.scales[self._scale_of(items[m])].points) for m in construct.items}
        if len(ks) > 1:
            raise problem(f"items have scales of different lengths {sorted(ks)}", *where, "items")
        for r in construct.reverse:
            if r not in items:
                raise problem(f"reverse key names unknown item {r!r}", *where, "reverse")
            if items[r].type != "scale":
                raise problem(
                    f"reverse key on {r!r}, which is {items[r].type!r}, not an ordinal scale item",
                    *where,
                    "reverse",
                )
            if r not in construct.items:
                raise problem(
                    f"reverse key on {r!r}, which is not among the construct's items",
                    *where,
                    "reverse",
                )


def languages_of(doc: Any) -> tuple[list[str], str]:
    """The languages and the source language a codebook document declares (best effort)."""
    survey = doc.get("survey") if isinstance(doc, Mapping) else None
    survey = survey if isinstance(survey, Mapping) else {}
    given = survey.get("languages")
    source = survey.get("source_language")
    languages = [x for x in given if isinstance(x, str)] if isinstance(given, list) else []
    if not languages:
        languages = [source if isinstance(source, str) else "it"]
    return languages, source if isinstance(source, str) else languages[0]


def validate_codebook(doc: Any, *, path: Any = None) -> CodebookDoc:
    """Validate a codebook document (parsed YAML); a :class:`CodebookError` names the entry."""
    languages, source = languages_of(doc)
    try:
        return CodebookDoc.model_validate(doc, context={"languages": languages, "source": source})
    except ValidationError as err:
        raise_first(err, doc, CodebookError, path)
