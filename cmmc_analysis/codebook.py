"""Load and validate the YAML codebook: the one description of a questionnaire.

The codebook lists the scales (ordered points and not-an-answer labels), the items
(type, texts in every language, options, skip conditions, roles such as the
submission timestamp), the grids (a question stem shared by several items), the
constructs (item sets with reverse keys), the fieldwork window and its cut-offs,
and the cleaning rules. The schema is documented in ``docs/codebook.md``.

Nothing in this module knows the CMMC survey: any survey described by a codebook
loads the same way.

Length: over 500 lines. The Codebook's queries are many small methods over one object
(items, scales, labels, translations, batteries, cut-offs); splitting the class would
scatter one vocabulary.

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

import hashlib
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import CodebookError
from .paths import DEFAULT_CODEBOOK
from .schema.cleaning import CleaningDoc
from .schema.codebook import ITEM_TYPES, LabelDoc, closest, languages_of, validate_codebook
from .schema.codebook import ROLES as ROLES
from .schema.yamlfile import read_yaml

__all__ = [
    "ITEM_TYPES",
    "DEFAULT_CLEANING",
    "Label",
    "Scale",
    "guess_polarity",
    "Grid",
    "Item",
    "Construct",
    "Codebook",
    "load_codebook",
]

#: Cleaning rules and their defaults; the codebook's ``cleaning:`` section overrides
#: them key by key. See ``docs/cleaning.md`` for what each rule does.
DEFAULT_CLEANING: dict[str, dict[str, Any]] = CleaningDoc().model_dump()


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


#: First-point words that mark a unipolar scale (amount or frequency from nothing up).
UNIPOLAR_STARTS = ("nessun", "nessuna", "nessuno", "mai", "none", "never", "no effect")


def guess_polarity(first_point: str) -> str:
    """``"unipolar"`` when a scale's lowest point says "none" or "never", else ``"bipolar"``.

    >>> guess_polarity("Nessun effetto"), guess_polarity("Per nulla d'accordo")
    ('unipolar', 'bipolar')
    """
    text = " ".join(first_point.lower().split()) + " "
    return "unipolar" if text.startswith(tuple(w + " " for w in UNIPOLAR_STARTS)) else "bipolar"


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
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: ``points: k``: exported as "1".."k" (the labels add a text to some points)
    numbered: bool = False
    #: the codes counted as top-2 / bottom-2 when the codebook says (else the default)
    top2: tuple[int, ...] | None = None
    bottom2: tuple[int, ...] | None = None
    #: ``"bipolar"`` (agreement, change) or ``"unipolar"`` (amount, frequency)
    polarity: str = "bipolar"
    #: what the scale's items outside grids are about (chart titles), when the codebook says
    topic: Label | None = None

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
    #: what the grid is about (chart titles), when the codebook says; else the stem
    topic: Label | None = None


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
    layout: str = "joined"
    format: str | None = None
    dayfirst: bool | None = None
    #: the form's "Other:" option is the last of ``options`` (its code ``other`` by default)
    other: bool = False
    #: canonical label -> variants read as it (``aliases:``)
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

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


@dataclass(frozen=True, repr=False)
class Codebook:
    """A validated codebook. Build it with :func:`load_codebook`.

    Its ``repr`` is one short line (``_repr_html_`` a small table in a notebook):

    >>> load_codebook()
    <Codebook remote_working_2020 from codebook.yaml: 35 items (21 scale, 6 single, 1 multi, 2 numeric, 4 text, 1 datetime), 3 scales, 2 grids, 2 constructs, languages it, en>
    """

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
    #: how the export is laid out: ``header_rows`` (1-3), ``not_asked`` markers
    export: Mapping[str, Any] = field(default_factory=lambda: {"header_rows": 1, "not_asked": []})
    sha256: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    # --- display -------------------------------------------------------------
    def summary(self) -> dict[str, str]:
        """What the codebook describes, as short texts (for ``repr`` and notebooks)."""
        types = {t: len(self.items_of_type(t)) for t in ITEM_TYPES}
        kinds = ", ".join(f"{n} {t}" for t, n in types.items() if n)
        return {
            "survey": self.survey_id or "(no id)",
            "file": self.path.name if self.path is not None else "(built in memory)",
            "items": f"{len(self.items)} items ({kinds})",
            "scales": f"{len(self.scales)} scales",
            "grids": f"{len(self.grids)} grids",
            "constructs": f"{len(self.constructs)} constructs",
            "languages": "languages " + ", ".join(self.languages),
        }

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"<Codebook {s['survey']} from {s['file']}: {s['items']}, {s['scales']}, "
            f"{s['grids']}, {s['constructs']}, {s['languages']}>"
        )

    def _repr_html_(self) -> str:
        return _html_table("Codebook", self.summary())

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

    def report_language(self, lang: str | None = None) -> str:
        """The language a report is written in: ``lang``, or the source language.

        Raises :class:`CodebookError` when the codebook has no texts in ``lang``
        (a report would mix languages).

        >>> load_codebook().report_language(), load_codebook().report_language("en")
        ('it', 'en')
        """
        if lang is None:
            return self.source_language
        if lang not in self.languages:
            raise CodebookError(
                f"report language {lang!r}: the codebook has texts in {list(self.languages)} "
                f"only; expected one of them (add {lang!r} texts to the codebook to report in it)",
                path=self.path,
                entry="survey.languages",
            )
        return lang

    @property
    def claims_path(self) -> Path | None:
        """The claims file the codebook names (``survey.claims``, relative to the codebook).

        >>> load_codebook().claims_path.name
        'claims.yaml'
        """
        name = self.survey.get("claims")
        if not name:
            return None
        base = self.path.parent if self.path is not None else Path.cwd()
        return base / str(name)

    def survey_texts(self) -> dict[str, dict[str, str]]:
        """The survey's own wording (``survey.texts``): text key -> {language: text}.

        These replace the package's generic interface strings of the same key in this
        survey's report (for example the page introductions naming the publication
        whose findings are checked).
        """
        texts = self.survey.get("texts") or {}  # checked in every language at load
        return {
            str(key): {self.languages[0]: body}
            if isinstance(body, str)
            else {str(k): str(v) for k, v in body.items()}
            for key, body in texts.items()
        }

    def item(self, item_id: str) -> Item:
        """The item ``item_id``; a :class:`CodebookError` names the closest ids."""
        try:
            return self.items[item_id]
        except KeyError:
            raise CodebookError(
                f"unknown item {item_id!r}; closest: {closest(item_id, self.items)}",
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

    def batteries(self) -> dict[str, list[str]]:
        """The scale items grouped for charts: each grid, then the other items by scale.

        Keys are grid ids, or ``"scale:<id>"`` for items outside grids sharing a scale.

        >>> {k: len(v) for k, v in load_codebook().batteries().items()}
        {'effects': 9, 'tech': 6, 'scale:agree5': 5, 'scale:change5': 1}
        """
        out: dict[str, list[str]] = {gid: list(g.items) for gid, g in self.grids.items() if g.items}
        for item_id in self.scale_items:
            item = self.items[item_id]
            if item.grid is None:
                out.setdefault(f"scale:{item.scale}", []).append(item_id)
        return out

    def battery_title(self, key: str, lang: str | None = None) -> str | None:
        """What a key of :meth:`batteries` is about, for a chart's title, or None.

        A grid's ``topic`` (else its stem); for a scale's items outside grids, the
        scale's ``topic``, else the item's text when there is one item, else None (the
        display layer then says "other questions"): never the scale's end labels.

        >>> cb = load_codebook()
        >>> cb.battery_title("scale:agree5", "en"), cb.battery_title("effects", "it")
        ('Customers and organisation: how far do you agree?', 'Effetti del lavoro da remoto in questa emergenza')
        """
        lang = lang or self.source_language
        if key.startswith("scale:"):
            scale = self.scales[key.removeprefix("scale:")]
            if scale.topic is not None:
                return scale.topic.text(lang)
            items = self.batteries().get(key, [])
            return self.items[items[0]].text.text(lang) if len(items) == 1 else None
        grid = self.grids[key]
        return (grid.topic or grid.text).text(lang)

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
        One line naming the file, the entry and the problem (unknown scale, duplicate
        id, construct naming an unknown item, reverse key on a non-scale item, label
        listed twice, a value of the wrong type, ...). The file is read with bounded
        time and memory (see :mod:`cmmc_analysis.schema.yamlfile`).

    Examples
    --------
    >>> cb = load_codebook()
    >>> len(cb.scale_items)
    21
    """
    path = Path(path) if path is not None else DEFAULT_CODEBOOK
    raw_bytes, doc = read_yaml(path, CodebookError, "the codebook")
    cb = parse_codebook(doc, path=path)
    return replace(cb, sha256=hashlib.sha256(raw_bytes).hexdigest())


def parse_codebook(doc: Any, *, path: str | Path | None = None) -> Codebook:
    """Validate a codebook already parsed from YAML (a dict) and build it.

    The schema (:class:`cmmc_analysis.schema.codebook.CodebookDoc`) validates;
    this function only builds the objects.

    >>> cb = parse_codebook({
    ...     "survey": {"id": "tiny", "source_language": "en", "languages": ["en"]},
    ...     "scales": {"yn": {"points": [{"en": "No"}, {"en": "Yes"}]}},
    ...     "items": [{"id": "q1", "type": "scale", "scale": "yn", "text": {"en": "Q1?"}}],
    ... })
    >>> cb.scale_of("q1").labels()
    ['No', 'Yes']
    """
    path = Path(path) if path is not None else None
    model = validate_codebook(doc, path=path)
    languages, source = languages_of(doc)
    scales = {
        sid: Scale(
            sid,
            _labels(s.points),
            _labels(s.not_an_answer),
            source,
            {k: tuple(v) for k, v in s.aliases.items()},
            s.numbered,
            None if s.top2 is None else tuple(sorted(s.top2)),
            None if s.bottom2 is None else tuple(sorted(s.bottom2)),
            s.polarity or guess_polarity(_labels(s.points)[0].text(source)),
            None if s.topic is None else _label(s.topic),
        )
        for sid, s in model.scales.items()
    }
    items: dict[str, Item] = {}
    for it in model.items:
        scale = it.scale
        if scale is None and it.grid is not None:
            scale = model.grids[it.grid].scale
        items[it.id] = Item(
            id=it.id,
            type=it.type,
            text=_label(it.text),
            scale=scale,
            grid=it.grid,
            options=_labels(it.options) + _other_option(it, languages),
            not_an_answer=_labels(it.not_an_answer),
            ordered=it.ordered,
            segment=it.segment,
            pii=it.pii,
            role=it.role,
            required=it.required,
            asked_if=None if it.asked_if is None else _condition(it.asked_if),
            min=it.min,
            max=it.max,
            unit=it.unit,
            separator=it.separator,
            layout=it.layout,
            format=it.format,
            dayfirst=it.dayfirst,
            other=it.other is not None,
            aliases={k: tuple(v) for k, v in it.aliases.items()},
        )
    grids = {
        gid: Grid(
            gid,
            _label(g.text),
            g.scale,
            tuple(i for i in items if items[i].grid == gid),
            None if g.topic is None else _label(g.topic),
        )
        for gid, g in model.grids.items()
    }
    constructs = {
        cid: Construct(
            cid,
            _label(c.text) if c.text is not None else Label({lang: cid for lang in languages}),
            tuple(c.items),
            tuple(c.reverse),
            float(c.min_valid),
        )
        for cid, c in model.constructs.items()
    }
    fieldwork = model.fieldwork
    cutoffs = dict(fieldwork.cutoffs)
    default = fieldwork.default_cutoff or next(iter(cutoffs), None)
    survey = dict(doc.get("survey") or {})
    return Codebook(
        survey=survey,
        source_language=source,
        languages=tuple(languages),
        fieldwork_start=fieldwork.start,
        fieldwork_end=fieldwork.end,
        cutoffs=cutoffs,
        default_cutoff=default,
        scales=scales,
        grids=grids,
        items=items,
        constructs=constructs,
        cleaning=model.cleaning.model_dump(),
        path=path,
        export=model.export.model_dump(),
        raw=doc,
    )


def _html_table(title: str, rows: Mapping[str, str]) -> str:
    """A small HTML table of ``rows`` (every text escaped), for ``_repr_html_``."""
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
        for k, v in rows.items()
    )
    return f"<table><caption>{html.escape(title)}</caption>{body}</table>"


def _condition(doc: Any) -> dict[str, Any]:
    """A skip condition as a plain mapping: ``item`` and ``in`` (labels) or ``min``/``max``."""
    cond: dict[str, Any] = {"item": doc.item}
    if doc.in_ is not None:
        cond["in"] = list(doc.in_)
    cond.update({k: getattr(doc, k) for k in ("min", "max") if getattr(doc, k) is not None})
    return cond


def _other_option(item: Any, languages: Sequence[str]) -> tuple[Label, ...]:
    """The "Other" option an item declares with ``other:`` (none when it does not)."""
    if item.other is None:
        return ()
    if item.other.label is not None:
        return (Label(dict(item.other.label.texts), item.other.code),)
    return (Label({lang: "Other" for lang in languages}, item.other.code),)


def _label(doc: LabelDoc) -> Label:
    return Label(dict(doc.texts), doc.code)


def _labels(docs: Sequence[LabelDoc]) -> tuple[Label, ...]:
    return tuple(_label(d) for d in docs)
