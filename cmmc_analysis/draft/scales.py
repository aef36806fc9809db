"""The response scales a draft recognises from their labels, in Italian and English.

:data:`CATALOGUE` holds the common agreement, frequency, satisfaction, importance,
likelihood, change, quality and effect scales (5 and 7 points, bipolar or unipolar)
with their labels in both languages; :data:`NOT_AN_ANSWER` the labels that mean "no
answer" ("Non so", "Don't know", "N/A", ...). :func:`recognise_scale` matches the
distinct answers of a column (or of a whole grid) against them; answers numbered
``"1 - ..."`` or bare integers form a generic scale ordered by their numbers.

Examples
--------
>>> m = recognise_scale(["Agree", "strongly agree", "Disagree", "Don't know"])
>>> m.name, m.kind, m.k, m.labels("en")[:2], m.na_labels("en")
('agree5', 'agreement', 5, ['Strongly disagree', 'Disagree'], ["Don't know"])
>>> m.labels("en")[4]   # observed spelling wins for observed points
'strongly agree'
>>> recognise_scale(["Spesso", "Mai", "Sempre"]).name
'frequency5'
>>> recognise_scale(["Sales", "Support"]) is None
True
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..io.reader import normalise_text

__all__ = [
    "CatalogueScale",
    "ScaleMatch",
    "CATALOGUE",
    "NOT_AN_ANSWER",
    "recognise_scale",
    "is_not_an_answer",
    "spelling",
]


@dataclass(frozen=True)
class CatalogueScale:
    """A known scale: its points low -> high as (it, en) pairs, and its kind."""

    name: str
    kind: str
    polarity: str  # "bipolar" | "unipolar"
    points: tuple[tuple[str, str], ...]
    #: further spellings of a point: index -> extra labels (either language)
    variants: dict[int, tuple[str, ...]] = field(default_factory=dict)

    @property
    def k(self) -> int:
        return len(self.points)

    def keys(self) -> dict[str, int]:
        """Normalised label -> point index (0-based), every spelling."""
        out: dict[str, int] = {}
        for i, (it, en) in enumerate(self.points):
            for text in (it, en, *self.variants.get(i, ())):
                out.setdefault(normalise_text(text), i)
        return out


def _s(name, kind, polarity, points, variants=None) -> CatalogueScale:
    return CatalogueScale(name, kind, polarity, tuple(points), dict(variants or {}))


CATALOGUE: tuple[CatalogueScale, ...] = (
    _s(
        "agree5",
        "agreement",
        "bipolar",
        [
            ("Per nulla d'accordo", "Strongly disagree"),
            ("Poco d'accordo", "Disagree"),
            ("Né d'accordo né in disaccordo", "Neither agree nor disagree"),
            ("Abbastanza d'accordo", "Agree"),
            ("Molto d'accordo", "Strongly agree"),
        ],
        {
            0: ("Fortemente in disaccordo", "Completamente in disaccordo", "Per niente d'accordo"),
            1: ("In disaccordo", "Disaccordo"),
            2: ("Neutrale", "Neutral", "Neither agree or disagree", "Indifferente"),
            3: ("D'accordo", "Accordo"),
            4: ("Fortemente d'accordo", "Completamente d'accordo", "Totalmente d'accordo"),
        },
    ),
    _s(
        "agree7",
        "agreement",
        "bipolar",
        [
            ("Fortemente in disaccordo", "Strongly disagree"),
            ("In disaccordo", "Disagree"),
            ("Parzialmente in disaccordo", "Somewhat disagree"),
            ("Né d'accordo né in disaccordo", "Neither agree nor disagree"),
            ("Parzialmente d'accordo", "Somewhat agree"),
            ("D'accordo", "Agree"),
            ("Fortemente d'accordo", "Strongly agree"),
        ],
        {
            0: ("Completamente in disaccordo", "Totalmente in disaccordo"),
            2: ("Abbastanza in disaccordo", "Slightly disagree", "Un po' in disaccordo"),
            3: ("Neutrale", "Neutral", "Neither agree or disagree"),
            4: ("Abbastanza d'accordo", "Slightly agree", "Un po' d'accordo"),
            6: ("Completamente d'accordo", "Totalmente d'accordo"),
        },
    ),
    _s(
        "frequency5",
        "frequency",
        "unipolar",
        [
            ("Mai", "Never"),
            ("Raramente", "Rarely"),
            ("A volte", "Sometimes"),
            ("Spesso", "Often"),
            ("Sempre", "Always"),
        ],
        {1: ("Quasi mai", "Seldom"), 2: ("Qualche volta", "Occasionally"), 4: ("Quasi sempre",)},
    ),
    _s(
        "satisfaction5",
        "satisfaction",
        "bipolar",
        [
            ("Molto insoddisfatto", "Very dissatisfied"),
            ("Insoddisfatto", "Dissatisfied"),
            ("Né soddisfatto né insoddisfatto", "Neither satisfied nor dissatisfied"),
            ("Soddisfatto", "Satisfied"),
            ("Molto soddisfatto", "Very satisfied"),
        ],
        {
            0: ("Per nulla soddisfatto",),
            1: ("Poco soddisfatto",),
            2: ("Neutral", "Neutrale", "Neither satisfied or dissatisfied"),
            3: ("Abbastanza soddisfatto",),
        },
    ),
    _s(
        "satisfaction7",
        "satisfaction",
        "bipolar",
        [
            ("Estremamente insoddisfatto", "Extremely dissatisfied"),
            ("Moderatamente insoddisfatto", "Moderately dissatisfied"),
            ("Leggermente insoddisfatto", "Slightly dissatisfied"),
            ("Né soddisfatto né insoddisfatto", "Neither satisfied nor dissatisfied"),
            ("Leggermente soddisfatto", "Slightly satisfied"),
            ("Moderatamente soddisfatto", "Moderately satisfied"),
            ("Estremamente soddisfatto", "Extremely satisfied"),
        ],
    ),
    _s(
        "importance5",
        "importance",
        "unipolar",
        [
            ("Per nulla importante", "Not at all important"),
            ("Poco importante", "Slightly important"),
            ("Abbastanza importante", "Moderately important"),
            ("Molto importante", "Very important"),
            ("Estremamente importante", "Extremely important"),
        ],
        {
            0: ("Per niente importante", "Not important"),
            2: ("Moderatamente importante", "Fairly important"),
        },
    ),
    _s(
        "likelihood5",
        "likelihood",
        "bipolar",
        [
            ("Molto improbabile", "Very unlikely"),
            ("Improbabile", "Unlikely"),
            ("Né probabile né improbabile", "Neither likely nor unlikely"),
            ("Probabile", "Likely"),
            ("Molto probabile", "Very likely"),
        ],
        {
            0: ("Extremely unlikely",),
            1: ("Somewhat unlikely",),
            3: ("Somewhat likely",),
            4: ("Extremely likely",),
        },
    ),
    _s(
        "change5",
        "change",
        "bipolar",
        [
            ("Molto diminuito", "Decreased a lot"),
            ("Diminuito", "Decreased"),
            ("Invariato", "Unchanged"),
            ("Aumentato", "Increased"),
            ("Molto aumentato", "Increased a lot"),
        ],
        {
            0: ("Fortemente diminuito", "Greatly decreased", "Decreased significantly"),
            1: ("Leggermente diminuito", "Somewhat decreased", "Decreased slightly"),
            2: ("Rimasto invariato", "Stayed the same", "About the same", "Uguale"),
            3: ("Leggermente aumentato", "Somewhat increased", "Increased slightly"),
            4: ("Fortemente aumentato", "Greatly increased", "Increased significantly"),
        },
    ),
    _s(
        "quality5",
        "quality",
        "unipolar",
        [
            ("Pessimo", "Very poor"),
            ("Scarso", "Poor"),
            ("Sufficiente", "Fair"),
            ("Buono", "Good"),
            ("Ottimo", "Excellent"),
        ],
        {1: ("Insufficiente",), 2: ("Discreto", "Average")},
    ),
    _s(
        "effect5",
        "effect",
        "unipolar",
        [
            ("Nessun effetto", "No effect"),
            ("Effetto limitato", "Limited effect"),
            ("Effetto moderato", "Moderate effect"),
            ("Effetto significativo", "Significant effect"),
            ("Effetto molto significativo", "Very significant effect"),
        ],
        {1: ("Minor effect",), 3: ("Major effect",)},
    ),
)

#: Labels that mean "no answer" (Italian, English); never a scale point.
NOT_AN_ANSWER: tuple[tuple[str, str], ...] = (
    ("Non so", "Don't know"),
    ("Non saprei", "Not sure"),
    ("Preferisco non rispondere", "Prefer not to say"),
    ("Non applicabile", "Not applicable"),
    ("N/A", "N/A"),
    ("Non pertinente", "Does not apply"),
)
_NA_EXTRA = ("n.a.", "na", "n/d", "nd", "n.d.", "prefer not to answer", "do not know", "dk")
_NA_KEYS: dict[str, tuple[str, str]] = {}
for _pair in NOT_AN_ANSWER:
    for _t in _pair:
        _NA_KEYS.setdefault(normalise_text(_t), _pair)
for _t in _NA_EXTRA:
    _NA_KEYS.setdefault(normalise_text(_t), ("N/A", "N/A"))


def is_not_an_answer(label: str) -> bool:
    """Whether ``label`` means "no answer" (``"Non so"``, ``"N/A"``, ...).

    >>> is_not_an_answer("Don’t know"), is_not_an_answer("No")
    (True, False)
    """
    return normalise_text(label) in _NA_KEYS


def spelling(values: Iterable[str]) -> dict[str, str]:
    """Normalised label -> its most frequent raw spelling (ties: the first seen).

    >>> spelling(["Agree", "agree", "Agree", "Disagree"])
    {'agree': 'Agree', 'disagree': 'Disagree'}
    """
    counts: Counter[str] = Counter(v.strip() for v in values if v and v.strip())
    best: dict[str, tuple[int, int, str]] = {}
    for order, (raw, n) in enumerate(counts.items()):
        key = normalise_text(raw)
        # a spelling starting with a capital beats one that does not, at equal counts
        score = (n, raw[:1].isupper(), -order)
        if key not in best or score > best[key][:3]:
            best[key] = (*score, raw)
    return {k: v[3] for k, v in best.items()}


@dataclass(frozen=True)
class ScaleMatch:
    """A recognised scale: points low -> high and not-an-answer labels, per language.

    ``points`` and ``na`` hold ``{lang: text}`` mappings; the source-language text
    is the export's own spelling where the label was seen. ``sure`` is False when
    the answers fit more than one scale, or when some points were never seen.
    """

    name: str
    kind: str
    polarity: str
    points: tuple[dict[str, str], ...]
    na: tuple[dict[str, str], ...]
    seen: int
    reasons: tuple[str, ...] = ()
    off: int = 0  # answers on no point (typos, write-ins): set missing at cleaning

    @property
    def k(self) -> int:
        return len(self.points)

    def labels(self, lang: str) -> list[str]:
        return [p[lang] for p in self.points]

    def na_labels(self, lang: str) -> list[str]:
        return [p[lang] for p in self.na]


_NUMBERED = re.compile(r"^\s*(\d{1,2})\s*(?:[-–=:.)]\s*(.*))?$")


def recognise_scale(
    values: Sequence[str], *, lang: str = "en", tolerance: float = 0.1
) -> ScaleMatch | None:
    """The scale whose labels the answers use, or None.

    Parameters
    ----------
    values
        The answers of a column or of every column of a grid (raw texts).
    lang
        The export's language: the observed spellings become this language's labels.
    tolerance
        The share of answers (by count; at least one) that may lie off the scale (typos,
        write-ins)
        when at least three points of it were chosen.

    Returns
    -------
    ScaleMatch or None
        None when some answer (other than a not-an-answer label) is not a point of
        any known scale, and the answers are not numbered points.
    """
    spell = spelling(values)
    counts = Counter(normalise_text(v) for v in values if v and v.strip())
    na_seen = [k for k in spell if k in _NA_KEYS]
    answers = [k for k in spell if k not in _NA_KEYS]
    if len(answers) < 2:
        return None
    na = tuple(_na_label(spell[k], lang) for k in na_seen)
    total = sum(counts[a] for a in answers)
    fits = []
    for scale in CATALOGUE:
        keys = scale.keys()
        inside = [a for a in answers if a in keys]
        off = total - sum(counts[a] for a in inside)
        # a few stray answers (typos, write-ins) do not hide a scale
        if len({keys[a] for a in inside}) >= 3 and off <= max(1, tolerance * total) or off == 0:
            fits.append((scale, inside, off))
    if fits:
        # the most specific scale: most answers at distinct points, then fewest points
        def score(fit) -> tuple[int, int, int]:
            s, inside, off = fit
            return (-off, len({s.keys()[a] for a in inside}), -s.k)

        fits.sort(key=score, reverse=True)
        best, inside, off = fits[0]
        keys = best.keys()
        points = []
        for i, (it, en) in enumerate(best.points):
            texts = {"it": it, "en": en}
            seen = [a for a in inside if keys[a] == i]
            if seen:
                texts[lang] = spell[max(seen, key=lambda a: counts[a])]
            points.append(texts)
        reasons = []
        hit = {keys[a] for a in inside}
        if len(hit) < len(inside):
            reasons.append("two spellings of one point were found: one is kept (both are read)")
        unseen = [best.points[i][0 if lang == "it" else 1] for i in range(best.k) if i not in hit]
        if unseen:
            reasons.append(
                f"points never chosen in the export, taken from the {best.kind} scale: {unseen}"
            )
        others = [f[0].name for f in fits[1:] if score(f)[:2] == score(fits[0])[:2]]
        if others and unseen:  # every point chosen: a longer scale would leave points unused
            reasons.append(f"the answers also fit {others}")
        return ScaleMatch(
            best.name, best.kind, best.polarity, tuple(points), na, len(hit), tuple(reasons), off
        )
    return _numbered(spell, answers, na, lang)


def _na_label(raw: str, lang: str) -> dict[str, str]:
    it, en = _NA_KEYS[normalise_text(raw)]
    texts = {"it": it, "en": en}
    texts[lang] = raw
    return texts


def _numbered(spell, answers, na, lang) -> ScaleMatch | None:
    """Answers such as ``"1 - Per nulla"``, ``"2"``, ..., ``"5 - Molto"``: a generic scale."""
    numbers: dict[int, str] = {}
    for a in answers:
        found = _NUMBERED.match(spell[a])
        if found is None:
            return None
        n = int(found.group(1))
        if n in numbers:
            return None
        numbers[n] = spell[a]
    lo, hi = min(numbers), max(numbers)
    if lo not in (0, 1) or not 3 <= hi - lo + 1 <= 11:
        return None
    points = []
    for n in range(lo, hi + 1):
        text = numbers.get(n, str(n))
        points.append({"it": text, "en": text})
    reasons = ["a numbered scale: the order comes from the numbers, its meaning from you"]
    missing = [n for n in range(lo, hi + 1) if n not in numbers]
    if missing:
        reasons.append(f"numbers never chosen in the export: {missing}")
    return ScaleMatch(
        f"scale{hi - lo + 1}",
        "numbered",
        "unknown",
        tuple(points),
        na,
        len(numbers),
        tuple(reasons),
    )
