"""Load and validate the YAML codebook: the one description of a questionnaire.

The codebook lists the scales (ordered points and not-an-answer labels), the items
(type, texts in every language, options, skip conditions, roles such as the
submission timestamp), the grids (a question stem shared by several items), the
constructs (item sets with reverse keys), the fieldwork window and its cut-offs,
and the cleaning rules. The schema is documented in ``docs/codebook.md``.

Nothing in this module knows the CMMC survey: any survey described by a codebook
loads the same way.

Examples
--------
>>> cb = load_codebook()
>>> cb.survey_id
'remote_working_2020'
>>> cb.scale_of("org_models").labels("en")[-1]
'Strongly agree'
>>> cb.scale_of("org_models").midpoint
3.0
>>> cb.header("effect_worklife")
'Quanto il lavoro da remoto in questa emergenza ha effetto su… [conciliazione tra vita privata e lavoro (persone)]'
>>> cb.constructs["digital_readiness"].reverse
('cust_phone_pref',)
>>> cb.segments
['role', 'org_type', 'sector', 'size', 'area']
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .errors import CodebookError
from .paths import DEFAULT_CODEBOOK

__all__ = [
    "ITEM_TYPES",
    "DEFAULT_CLEANING",
    "Label",
    "Scale",
    "Grid",
    "Item",
    "Construct",
    "Codebook",
    "load_codebook",
]

#: The item types a codebook may declare.
ITEM_TYPES = ("scale", "single", "multi", "numeric", "text", "datetime")

#: Roles that at most one item may carry.
ROLES = ("submitted_at", "duration", "respondent_key")

#: Cleaning rules and their defaults; the codebook's ``cleaning:`` section overrides
#: them key by key. See ``docs/cleaning.md`` for what each rule does.
DEFAULT_CLEANING: dict[str, dict[str, Any]] = {
    "empty": {"exclude": True},
    "test_submissions": {"exclude": True, "markers": ["test", "prova"], "fields": []},
    "outside_fieldwork": {"exclude": True},
    "duplicates": {"exclude": True, "key": [], "keep": "last"},
    "speeders": {"exclude": True, "fraction_of_median": 0.3},
    "straightliners": {"exclude": True, "min_items": 6},
    "pseudonym": {"key": [], "salt_env": "CMMC_PSEUDONYM_SALT"},
}


@dataclass(frozen=True)
class Label:
    """A text in several languages, optionally with a short code.

    >>> lab = Label({"it": "Sì", "en": "Yes"})
    >>> lab.text("en"), lab.text("it")
    ('Yes', 'Sì')
    """

    texts: Mapping[str, str]
    code: str | None = None

    def text(self, lang: str) -> str:
        """The text in ``lang`` (falls back to the first language given)."""
        if lang in self.texts:
            return self.texts[lang]
        return next(iter(self.texts.values()))


@dataclass(frozen=True)
class Scale:
    """An ordered response scale: points coded 1..k, plus not-an-answer labels.

    >>> s = load_codebook().scales["agree5"]
    >>> s.k, s.midpoint, s.code_of("Molto d'accordo"), s.code_of("Non so")
    (5, 3.0, 5, None)
    """

    id: str
    points: tuple[Label, ...]
    not_an_answer: tuple[Label, ...]
    source_language: str

    @property
    def k(self) -> int:
        """Number of scale points."""
        return len(self.points)

    @property
    def codes(self) -> list[int]:
        """The codes 1..k, low to high."""
        return list(range(1, self.k + 1))

    @property
    def midpoint(self) -> float:
        """The neutral reference, (1 + k) / 2."""
        return (1 + self.k) / 2

    def labels(self, lang: str | None = None) -> list[str]:
        """The point labels, low to high, in ``lang`` (default: source language)."""
        return [p.text(lang or self.source_language) for p in self.points]

    def na_labels(self, lang: str | None = None) -> list[str]:
        """The not-an-answer labels in ``lang`` (default: source language)."""
        return [p.text(lang or self.source_language) for p in self.not_an_answer]

    def code_of(self, label: str) -> int | None:
        """The code (1..k) of a canonical source-language label, or None."""
        labels = self.labels()
        return labels.index(label) + 1 if label in labels else None


@dataclass(frozen=True)
class Grid:
    """A question stem shared by several scale items, exported as "stem [row]"."""

    id: str
    text: Label
    scale: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    """One column of the export, as the codebook declares it."""

    id: str
    type: str
    text: Label
    scale: str | None = None
    grid: str | None = None
    options: tuple[Label, ...] = ()
    not_an_answer: tuple[Label, ...] = ()
    ordered: bool = False
    segment: bool = False
    pii: bool = False
    role: str | None = None
    required: bool = True
    asked_if: Mapping[str, Any] | None = None
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    separator: str = ", "

    def option_labels(self, lang: str | None = None, source_language: str = "it") -> list[str]:
        """The option labels of a single or multiple-choice item, in order."""
        return [o.text(lang or source_language) for o in self.options]


@dataclass(frozen=True)
class Construct:
    """A set of scale items scored together; ``reverse`` items are reverse-keyed."""

    id: str
    text: Label
    items: tuple[str, ...]
    reverse: tuple[str, ...] = ()
    min_valid: float = 0.5


@dataclass(frozen=True)
class Codebook:
    """A validated codebook. Build it with :func:`load_codebook`."""

    survey: Mapping[str, Any]
    source_language: str
    languages: tuple[str, ...]
    fieldwork_start: pd.Timestamp | None
    fieldwork_end: pd.Timestamp | None
    cutoffs: Mapping[str, pd.Timestamp]
    default_cutoff: str | None
    scales: Mapping[str, Scale]
    grids: Mapping[str, Grid]
    items: Mapping[str, Item]
    constructs: Mapping[str, Construct]
    cleaning: Mapping[str, Mapping[str, Any]]
    path: Path | None = None
    sha256: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    # --- look-ups ------------------------------------------------------------
    @property
    def survey_id(self) -> str:
        """The survey's id."""
        return str(self.survey.get("id", ""))

    def title(self, lang: str | None = None) -> str:
        """The survey's title in ``lang``."""
        title = self.survey.get("title", {})
        if isinstance(title, Mapping):
            return title.get(lang or self.source_language) or next(iter(title.values()), "")
        return str(title)

    def item(self, item_id: str) -> Item:
        """The item ``item_id``; a :class:`CodebookError` names the closest ids."""
        try:
            return self.items[item_id]
        except KeyError:
            raise CodebookError(
                f"unknown item {item_id!r}; closest: {_closest(item_id, self.items)}",
                path=self.path,
            ) from None

    def scale_of(self, item_id: str) -> Scale:
        """The scale of a scale item."""
        item = self.item(item_id)
        if item.scale is None:
            raise CodebookError(f"item {item_id!r} is of type {item.type!r}, not a scale item")
        return self.scales[item.scale]

    def items_of_type(self, *types: str) -> list[str]:
        """Ids of the items of the given types, in codebook order."""
        return [i.id for i in self.items.values() if i.type in types]

    @property
    def scale_items(self) -> list[str]:
        """Ids of all scale (Likert) items, in codebook order."""
        return self.items_of_type("scale")

    @property
    def segments(self) -> list[str]:
        """Ids of the segment (profile) variables, in codebook order."""
        return [i.id for i in self.items.values() if i.segment]

    @property
    def pii_fields(self) -> list[str]:
        """Ids of the items holding personal data (never reported)."""
        return [i.id for i in self.items.values() if i.pii]

    def role(self, role: str) -> str | None:
        """The id of the item carrying ``role`` (``submitted_at``, ``duration``, ...)."""
        for item in self.items.values():
            if item.role == role:
                return item.id
        return None

    def grid_items(self, grid_id: str) -> list[str]:
        """The items of a grid, in codebook order."""
        return list(self.grids[grid_id].items)

    def text(self, item_id: str, lang: str | None = None) -> str:
        """The item's text (for a grid item, its row label) in ``lang``."""
        return self.item(item_id).text.text(lang or self.source_language)

    def header(self, item_id: str, lang: str | None = None) -> str:
        """The column header a form tool writes for the item.

        A grid item is exported as ``"stem [row label]"``.
        """
        lang = lang or self.source_language
        item = self.item(item_id)
        if item.grid is not None:
            return f"{self.grids[item.grid].text.text(lang)} [{item.text.text(lang)}]"
        return item.text.text(lang)

    def labels(self, item_id: str, lang: str | None = None) -> list[str]:
        """The ordered answer labels of a scale or choice item in ``lang``."""
        item = self.item(item_id)
        if item.scale is not None:
            return self.scales[item.scale].labels(lang)
        return item.option_labels(lang, self.source_language)

    def translate(self, item_id: str, label: str, lang: str) -> str:
        """Translate a canonical (source-language) answer label into ``lang``.

        Unknown labels are returned unchanged.

        >>> load_codebook().translate("remote_adopted", "Sì", "en")
        'Yes'
        """
        item = self.item(item_id)
        pool: Sequence[Label] = item.options + item.not_an_answer
        if item.scale is not None:
            scale = self.scales[item.scale]
            pool = scale.points + scale.not_an_answer
        for lab in pool:
            if lab.text(self.source_language) == label:
                return lab.text(lang)
        return label

    def cutoff(self, name: str | None = None) -> pd.Timestamp:
        """The named cut-off (default: the codebook's default cut-off)."""
        name = name or self.default_cutoff
        if name not in self.cutoffs:
            raise CodebookError(
                f"unknown cut-off {name!r}; the codebook defines {sorted(self.cutoffs)}",
                path=self.path,
            )
        return self.cutoffs[name]


# --- loading -------------------------------------------------------------------


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Load and validate a codebook.

    Parameters
    ----------
    path
        A YAML file; default: the bundled ``data/codebook.yaml``.

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        Naming the entry and the problem (unknown scale, duplicate id, construct
        naming an unknown item, reverse key on a non-scale item, label listed
        twice, ...).

    Examples
    --------
    >>> cb = load_codebook()
    >>> len(cb.scale_items)
    21
    """
    path = Path(path) if path is not None else DEFAULT_CODEBOOK
    try:
        raw_bytes = path.read_bytes()
    except OSError as err:
        raise CodebookError(f"cannot read the codebook: {err.strerror}", path=path) from err
    try:
        doc = yaml.safe_load(raw_bytes.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise CodebookError("the codebook is not UTF-8 text", path=path) from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise CodebookError(
            f"invalid YAML{where}: {getattr(err, 'problem', err)}", path=path
        ) from err
    cb = parse_codebook(doc, path=path)
    return _replace(cb, sha256=hashlib.sha256(raw_bytes).hexdigest())


def parse_codebook(doc: Any, *, path: str | Path | None = None) -> Codebook:
    """Validate a codebook already parsed from YAML (a dict) and build it.

    >>> cb = parse_codebook({
    ...     "survey": {"id": "tiny", "source_language": "en", "languages": ["en"]},
    ...     "scales": {"yn": {"points": [{"en": "No"}, {"en": "Yes"}]}},
    ...     "items": [{"id": "q1", "type": "scale", "scale": "yn", "text": {"en": "Q1?"}}],
    ... })
    >>> cb.scale_of("q1").labels()
    ['No', 'Yes']
    """
    return _Parser(path).parse(doc)


class _Parser:
    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path is not None else None

    def fail(self, entry: str, message: str) -> CodebookError:
        return CodebookError(message, path=self.path, entry=entry)

    # -- helpers --
    def mapping(self, value: Any, entry: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(entry, f"expected a mapping, found {type(value).__name__}")
        return value

    def label(
        self, value: Any, entry: str, languages: Sequence[str], *, code: bool = False
    ) -> Label:
        if isinstance(value, str):
            value = {languages[0]: value}
        value = self.mapping(value, entry)
        texts = {k: v for k, v in value.items() if k != "code"}
        for lang in languages:
            text = texts.get(lang)
            if not isinstance(text, str) or not text.strip():
                raise self.fail(entry, f"missing text in language {lang!r}")
        lab_code = value.get("code")
        if code and not lab_code:
            raise self.fail(entry, "a multiple-choice option needs a `code` (used in column names)")
        return Label({k: str(v) for k, v in texts.items()}, str(lab_code) if lab_code else None)

    def labels(
        self, values: Any, entry: str, languages: Sequence[str], *, code: bool = False
    ) -> tuple[Label, ...]:
        if values is None:
            return ()
        if not isinstance(values, list):
            raise self.fail(entry, f"expected a list, found {type(values).__name__}")
        return tuple(
            self.label(v, f"{entry}[{i}]", languages, code=code) for i, v in enumerate(values)
        )

    def no_repeats(self, labels: Sequence[Label], entry: str, source: str) -> None:
        seen: set[str] = set()
        for lab in labels:
            text = lab.text(source)
            if text in seen:
                raise self.fail(entry, f"label {text!r} is listed twice")
            seen.add(text)
        codes = [lab.code for lab in labels if lab.code]
        dupes = {c for c in codes if codes.count(c) > 1}
        if dupes:
            raise self.fail(entry, f"option code {sorted(dupes)[0]!r} is listed twice")

    def timestamp(self, value: Any, entry: str) -> pd.Timestamp | None:
        if value is None:
            return None
        try:
            return pd.Timestamp(value)
        except (ValueError, TypeError) as err:
            raise self.fail(
                entry, f"expected an ISO date-time such as 2020-03-18T09:00, found {value!r}"
            ) from err

    # -- sections --
    def parse(self, doc: Any) -> Codebook:
        if not isinstance(doc, Mapping):
            raise self.fail("(top)", "a codebook is a mapping with survey, scales, items, ...")
        known = {"survey", "fieldwork", "scales", "grids", "items", "constructs", "cleaning"}
        unknown = sorted(set(doc) - known)
        if unknown:
            raise self.fail(unknown[0], f"unknown section; expected one of {sorted(known)}")
        survey = dict(self.mapping(doc.get("survey", {}), "survey"))
        languages = tuple(survey.get("languages") or [survey.get("source_language", "it")])
        source = survey.get("source_language", languages[0])
        if source not in languages:
            raise self.fail(
                "survey.source_language", f"{source!r} is not among languages {list(languages)}"
            )
        scales = self.scales(doc.get("scales") or {}, languages, source)
        grids_doc = self.mapping(doc.get("grids") or {}, "grids")
        items = self.items(doc.get("items"), languages, source, scales, grids_doc)
        grids = self.grids(grids_doc, languages, scales, items)
        constructs = self.constructs(doc.get("constructs") or {}, languages, items, scales)
        start, end, cutoffs, default = self.fieldwork(doc.get("fieldwork") or {})
        cleaning = self.cleaning(doc.get("cleaning") or {}, items)
        return Codebook(
            survey=survey,
            source_language=source,
            languages=languages,
            fieldwork_start=start,
            fieldwork_end=end,
            cutoffs=cutoffs,
            default_cutoff=default,
            scales=scales,
            grids=grids,
            items=items,
            constructs=constructs,
            cleaning=cleaning,
            path=self.path,
            raw=doc,
        )

    def scales(self, doc: Any, languages: Sequence[str], source: str) -> dict[str, Scale]:
        out: dict[str, Scale] = {}
        for sid, body in self.mapping(doc, "scales").items():
            entry = f"scales.{sid}"
            body = self.mapping(body, entry)
            points = self.labels(body.get("points"), f"{entry}.points", languages)
            if len(points) < 2:
                raise self.fail(f"{entry}.points", "a scale needs at least two ordered points")
            nas = self.labels(body.get("not_an_answer"), f"{entry}.not_an_answer", languages)
            self.no_repeats(points + nas, entry, source)
            out[str(sid)] = Scale(str(sid), points, nas, source)
        return out

    def items(self, doc: Any, languages, source, scales, grids_doc) -> dict[str, Item]:
        if not isinstance(doc, list) or not doc:
            raise self.fail("items", "expected a non-empty list of items")
        out: dict[str, Item] = {}
        for i, body in enumerate(doc):
            entry = f"items[{i}]"
            body = self.mapping(body, entry)
            iid = body.get("id")
            if not isinstance(iid, str) or not iid.isidentifier():
                raise self.fail(f"{entry}.id", f"expected an identifier-like id, found {iid!r}")
            entry = f"items[{i}] ({iid})"
            if iid in out:
                raise self.fail(entry, f"duplicate item id {iid!r}")
            out[iid] = self.item(body, entry, languages, source, scales, grids_doc)
        for item in out.values():
            if item.asked_if is not None:
                self.check_asked_if(item, out, source)
        roles = [i.role for i in out.values() if i.role]
        for role in set(roles):
            if roles.count(role) > 1:
                raise self.fail("items", f"role {role!r} is given to more than one item")
        return out

    def item(self, body, entry, languages, source, scales, grids_doc) -> Item:
        itype = body.get("type")
        if itype not in ITEM_TYPES:
            raise self.fail(
                f"{entry}.type", f"unknown type {itype!r}; expected one of {list(ITEM_TYPES)}"
            )
        text = self.label(body.get("text"), f"{entry}.text", languages)
        grid = body.get("grid")
        scale = body.get("scale")
        if grid is not None:
            if grid not in grids_doc:
                raise self.fail(
                    f"{entry}.grid", f"unknown grid {grid!r}; known: {sorted(grids_doc)}"
                )
            scale = scale or self.mapping(grids_doc[grid], f"grids.{grid}").get("scale")
        if itype == "scale":
            if scale not in scales:
                raise self.fail(
                    f"{entry}.scale", f"unknown scale {scale!r}; known: {sorted(scales)}"
                )
        elif scale is not None:
            raise self.fail(
                f"{entry}.scale", f"only scale items take a scale (this one is {itype!r})"
            )
        options = self.labels(
            body.get("options"), f"{entry}.options", languages, code=itype == "multi"
        )
        nas = self.labels(body.get("not_an_answer"), f"{entry}.not_an_answer", languages)
        if itype in ("single", "multi") and not options:
            raise self.fail(f"{entry}.options", f"a {itype!r} item needs options")
        self.no_repeats(options + nas, entry, source)
        role = body.get("role")
        if role is not None and role not in ROLES:
            raise self.fail(
                f"{entry}.role", f"unknown role {role!r}; expected one of {list(ROLES)}"
            )
        lo, hi = body.get("min"), body.get("max")
        for key, val in (("min", lo), ("max", hi)):
            if val is not None and not isinstance(val, int | float):
                raise self.fail(f"{entry}.{key}", f"expected a number, found {val!r}")
        if lo is not None and hi is not None and lo > hi:
            raise self.fail(entry, f"min {lo} is above max {hi}")
        unknown = sorted(
            set(body)
            - {
                "id",
                "type",
                "text",
                "scale",
                "grid",
                "options",
                "not_an_answer",
                "ordered",
                "segment",
                "pii",
                "role",
                "required",
                "asked_if",
                "min",
                "max",
                "unknown",
                "unit",
                "separator",
            }
        )
        if unknown:
            raise self.fail(f"{entry}.{unknown[0]}", "unknown key")
        return Item(
            id=body["id"],
            type=itype,
            text=text,
            scale=scale,
            grid=grid,
            options=options,
            not_an_answer=nas,
            ordered=bool(body.get("ordered", False)),
            segment=bool(body.get("segment", False)),
            pii=bool(body.get("pii", False)),
            role=role,
            required=bool(body.get("required", True)),
            asked_if=body.get("asked_if"),
            min=lo,
            max=hi,
            unit=body.get("unit"),
            separator=str(body.get("separator", ", ")),
        )

    def check_asked_if(self, item: Item, items: Mapping[str, Item], source: str) -> None:
        entry = f"items ({item.id}).asked_if"
        cond = self.mapping(item.asked_if, entry)
        other = cond.get("item")
        if other not in items:
            raise self.fail(entry, f"skip condition names unknown item {other!r}")
        values = cond.get("in")
        if not isinstance(values, list) or not values:
            raise self.fail(entry, "expected `in:` with a list of labels of the filter item")
        target = items[other]
        known = [o.text(source) for o in target.options]
        for v in values:
            if v not in known:
                raise self.fail(
                    entry, f"label {v!r} is not an option of {other!r}; options: {known}"
                )

    def grids(self, doc, languages, scales, items) -> dict[str, Grid]:
        out: dict[str, Grid] = {}
        for gid, body in doc.items():
            entry = f"grids.{gid}"
            body = self.mapping(body, entry)
            if body.get("scale") not in scales:
                raise self.fail(
                    f"{entry}.scale",
                    f"unknown scale {body.get('scale')!r}; known: {sorted(scales)}",
                )
            members = tuple(i.id for i in items.values() if i.grid == gid)
            out[str(gid)] = Grid(
                str(gid),
                self.label(body.get("text"), f"{entry}.text", languages),
                body["scale"],
                members,
            )
        return out

    def constructs(self, doc, languages, items, scales) -> dict[str, Construct]:
        out: dict[str, Construct] = {}
        for cid, body in self.mapping(doc, "constructs").items():
            entry = f"constructs.{cid}"
            body = self.mapping(body, entry)
            if cid in items:
                raise self.fail(entry, f"construct id {cid!r} is already an item id")
            members = body.get("items")
            if not isinstance(members, list) or len(members) < 2:
                raise self.fail(f"{entry}.items", "a construct needs a list of at least two items")
            for m in members:
                if m not in items:
                    raise self.fail(
                        f"{entry}.items", f"unknown item {m!r}; closest: {_closest(str(m), items)}"
                    )
                if items[m].type != "scale":
                    raise self.fail(
                        f"{entry}.items",
                        f"item {m!r} is of type {items[m].type!r}, not a scale item",
                    )
            ks = {scales[items[m].scale].k for m in members}
            if len(ks) > 1:
                raise self.fail(
                    f"{entry}.items", f"items have scales of different lengths {sorted(ks)}"
                )
            reverse = body.get("reverse") or []
            for r in reverse:
                if r not in items:
                    raise self.fail(f"{entry}.reverse", f"reverse key names unknown item {r!r}")
                if items[r].type != "scale":
                    raise self.fail(
                        f"{entry}.reverse",
                        f"reverse key on {r!r}, which is {items[r].type!r}, not an ordinal scale item",
                    )
                if r not in members:
                    raise self.fail(
                        f"{entry}.reverse",
                        f"reverse key on {r!r}, which is not among the construct's items",
                    )
            min_valid = body.get("min_valid", 0.5)
            if not isinstance(min_valid, int | float) or not 0 < min_valid <= 1:
                raise self.fail(
                    f"{entry}.min_valid", f"expected a share in (0, 1], found {min_valid!r}"
                )
            text = self.label(
                body.get("text", {lang: str(cid) for lang in languages}), f"{entry}.text", languages
            )
            out[str(cid)] = Construct(
                str(cid), text, tuple(members), tuple(reverse), float(min_valid)
            )
        return out

    def fieldwork(self, doc):
        doc = self.mapping(doc, "fieldwork")
        start = self.timestamp(doc.get("start"), "fieldwork.start")
        end = self.timestamp(doc.get("end"), "fieldwork.end")
        if start is not None and end is not None and start > end:
            raise self.fail("fieldwork", f"start {start} is after end {end}")
        cutoffs = {
            str(k): self.timestamp(v, f"fieldwork.cutoffs.{k}")
            for k, v in self.mapping(doc.get("cutoffs") or {}, "fieldwork.cutoffs").items()
        }
        default = doc.get("default_cutoff")
        if default is not None and default not in cutoffs:
            raise self.fail(
                "fieldwork.default_cutoff", f"{default!r} is not among cutoffs {sorted(cutoffs)}"
            )
        if default is None and cutoffs:
            default = next(iter(cutoffs))
        return start, end, cutoffs, default

    def cleaning(self, doc, items) -> dict[str, dict[str, Any]]:
        out = copy.deepcopy(DEFAULT_CLEANING)
        for rule, body in self.mapping(doc, "cleaning").items():
            entry = f"cleaning.{rule}"
            if rule not in out:
                raise self.fail(entry, f"unknown cleaning rule; expected one of {sorted(out)}")
            body = self.mapping(body, entry)
            for key, val in body.items():
                if key not in out[rule]:
                    raise self.fail(
                        f"{entry}.{key}", f"unknown option; expected one of {sorted(out[rule])}"
                    )
                out[rule][key] = val
            for key in ("fields", "key"):
                for field_id in out[rule].get(key, []) or []:
                    if field_id not in items:
                        raise self.fail(f"{entry}.{key}", f"unknown item {field_id!r}")
        if out["duplicates"]["keep"] not in ("first", "last"):
            raise self.fail(
                "cleaning.duplicates.keep",
                f"expected 'first' or 'last', found {out['duplicates']['keep']!r}",
            )
        return out


def _closest(name: str, pool: Mapping[str, Any] | Sequence[str]) -> list[str]:
    import difflib

    return difflib.get_close_matches(name, list(pool), n=3, cutoff=0.5)


def _replace(cb: Codebook, **changes: Any) -> Codebook:
    from dataclasses import replace

    return replace(cb, **changes)
