"""What one column of an export holds, guessed from its header and its answers.

The guesses a draft is made of: item ids from headers (:func:`make_id`), personal
data (:func:`pii_reason`), timestamps and their format (:func:`detect_timestamps`),
numbers and their unit (:func:`detect_number`), multiple choice and its separator
(:func:`detect_multi`), and the order of ranged options (:func:`range_order`).
Each returns what it found and, when unsure, why.

Length: over 500 lines. One guess per kind of column (scale, choice, number, timestamp,
personal data, free text), each a short function over the same column profile.

Examples
--------
>>> make_id("Qual è il suo ruolo?", set())
'ruolo'
>>> make_id("What share of your week is spent in meetings?", set())
'share_week_spent'
>>> detect_timestamps(["2024-05-02 09:00:00", "2024-05-03 10:30:00"]).format
'%Y-%m-%d %H:%M:%S'
>>> detect_multi(["Gym; Free lunch", "gym;Remote days", "Free lunch", "Remote days"]).separator
'; '
>>> range_order(["50–249", "Meno di 50", "1000 e oltre", "250–999"])
['Meno di 50', '50–249', '250–999', '1000 e oltre']
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ..io.reader import normalise_text

__all__ = [
    "make_id",
    "slug",
    "EMAIL",
    "looks_like_email",
    "pii_reason",
    "Timestamps",
    "detect_timestamps",
    "Number",
    "detect_number",
    "Multi",
    "detect_multi",
    "range_order",
    "header_kind",
]

_STOP = set(
    """
    a ad al alla alle agli ai all anche che chi ci con come cosa da dal dalla dei del
    della delle di e ed gli ha hai ho i il in la le lei lo loro lui ma mi ne negli nei nel
    nella nelle no non o per piu puo qual quale quali quanta quante quanti quanto questa
    queste questi questo se si sono su sua sue suo suoi ti tra tu tua tue tuo un una uno
    vi vostra vostro sta stata stato state stati e essere suoi sul sulla about an and any
    are as at be been by can could did do does for from had has have how i if is it its me
    my of on or our please so that the their them there these they this those to was we
    were what when where which who whom why will with would you your yours
    """.split()  # noqa: SIM905
)
#: Words that say nothing about what an item asks (verbs, survey boilerplate).
_STOP |= {
    *(
        [
            "hanno",
            "avete",
            "abbiamo",
            "ha",
            "siete",
            "potra",
            "potrebbe",
            "viene",
            "vengono",
            "stanno",
            "seguenti",
        ]
    ),
    *(
        [
            "affermazioni",
            "indichi",
            "valuti",
            "livello",
            "molto",
            "far",
            "following",
            "statement",
            "statements",
        ]
    ),
    *(["extent", "much", "indicate", "level", "degli", "dello", "dell", "nell", "sull", "dall"]),
}

_KNOWN_IDS = (
    (r"^(indirizzo )?e-?mail|e-?mail( address)?$|^(your )?e-?mail|posta elettronica", "email"),
    (r"^(nome e cognome|nome|full name|name|your name|first and last name)$", "name"),
    (r"^(cognome|surname|last name|family name)$", "surname"),
    (r"^(telefono|cellulare|phone|phone number|mobile|numero di telefono)$", "phone"),
    (r"^(azienda|company|societa|organisation name|organization name|employer)$", "company"),
    (
        r"^(timestamp|informazioni cronologiche|submitted at|submission date|date submitted)$",
        "submitted_at",
    ),
    (
        r"^(durata( \(secondi\))?|duration( \((in )?seconds\))?|time taken( \(s\))?|interviewtime)$",
        "duration_s",
    ),
)


def slug(text: str, *, words: int = 3, keep_stop: bool = False) -> str:
    """Lower-case ASCII words of ``text`` joined by ``_`` (stop words dropped).

    >>> slug("L'emergenza accelererà l'adozione di…")
    'emergenza_accelerera_adozione'
    """
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"[’'`]", " ", text)
    tokens = re.findall(r"[a-z0-9]+", text)
    kept = [t for t in tokens if keep_stop or (t not in _STOP and len(t) > 1)] or tokens
    return "_".join(kept[:words])


def make_id(header: str, used: set[str], *, prefix: str = "", words: int = 3) -> str:
    """A short, readable, unique, identifier-like snake_case id for ``header``.

    ``used`` is updated. Well-known columns (email, name, timestamp, duration) get
    their usual ids.

    >>> used = set()
    >>> make_id("Email", used), make_id("E-mail", used), make_id("123 go", used)
    ('email', 'email_2', 'q_123_go')
    """
    key = normalise_text(header).strip(" ?:.")
    base = ""
    for pattern, known in _KNOWN_IDS:
        if not prefix and re.search(pattern, key):
            base = known
            break
    if not base:
        base = slug(header, words=words)
        base = f"{prefix}_{base}" if prefix and base else (prefix or base)
    base = base[:40].strip("_") or "item"
    if not base[0].isalpha():
        base = f"q_{base}"
    candidate, n = base, 2
    while candidate in used:
        candidate = f"{base}_{n}"
        n += 1
    used.add(candidate)
    return candidate


# --- personal data -------------------------------------------------------------------

EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")


def looks_like_email(value: str) -> bool:
    """Whether the text holds an email address anywhere.

    >>> looks_like_email("write to ann@x.example please"), looks_like_email("a@b")
    (True, False)
    """
    return EMAIL.search(str(value)) is not None


_PII_HEADERS = (
    (r"e-?mail|posta elettronica|\bpec\b", "an email address"),
    (r"\b(nome|cognome|name|surname|first name|last name|nominativo)\b", "a name"),
    (r"telefono|cellulare|\bphone|\bmobile\b|\btel\b|whatsapp", "a phone number"),
    (
        r"\b(azienda|company|societa|employer|ragione sociale|organisation name|organization name)\b",
        "a company",
    ),
    (r"\b(indirizzo|address|via|cap|postcode|zip)\b", "an address"),
    (
        r"\b(ip address|ipaddress|ipaddr|indirizzo ip|latitude|longitude|locationlatitude|locationlongitude)\b",
        "a location",
    ),
    (r"codice fiscale|partita iva|\bvat\b|tax code|\bssn\b|passport", "an identity number"),
    (
        r"\b(recipient|respondent|responseid|response id|external ?reference|user ?id)\b",
        "a respondent identifier",
    ),
)
_PHONE = re.compile(r"^\+?[\d\s().-]{8,20}$")
_NOT_NAME = re.compile(
    r"\b(department|reparto|team|product|prodotto|file|channel|canale|brand|marca|"
    r"tipo|type|settore|sector|ruolo|role)\b"
)


def pii_reason(header: str, values: Sequence[str]) -> tuple[str | None, bool]:
    """Why a column holds personal data (or None), and whether that is sure.

    Any email address among the answers makes the column personal data, surely. A
    short header (a label of six words at most, not a question) naming a name, phone,
    company, address, location or identifier does too; unsure when the header also
    names something else (``"Team name"``).

    >>> pii_reason("Work email", ["ann@x.example"])
    ('an email address', True)
    >>> pii_reason("Comments", ["write to ann@x.example", "no", "fine"])
    ('free text holding an email address', True)
    >>> pii_reason("Team name", ["Red", "Blue"])
    ('a name', False)
    >>> pii_reason("Which team are you in?", ["Sales"])
    (None, True)
    >>> pii_reason("I would recommend this company as a place to work", ["Agree"])
    (None, True)
    """
    emails = sum(looks_like_email(v) for v in values)
    if emails and emails >= 0.5 * sum(1 for v in values if v.strip()):
        return "an email address", True
    if emails:
        return "free text holding an email address", True
    key = normalise_text(header)
    short = len(re.findall(r"\w+", key)) <= 6  # a label, not a question ("... this company ...")
    for pattern, what in _PII_HEADERS:
        if short and re.search(pattern, key):
            return what, _NOT_NAME.search(key) is None
    nonblank = [v for v in values if v.strip()]
    digits = [v for v in nonblank if _PHONE.match(v.strip()) and sum(c.isdigit() for c in v) >= 8]
    if (
        nonblank
        and len(digits) >= 0.8 * len(nonblank)
        and any(not v.strip().isdigit() for v in digits)
    ):
        return "a phone number", False
    return None, True


# --- timestamps ----------------------------------------------------------------------

#: Formats tried, most common first; the one reading most answers is stated.
TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %I:%M:%S %p",
    "%Y/%m/%d",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H.%M.%S",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d/%m/%y %H:%M",
    "%m/%d/%y %H:%M",
    "%d/%m/%y %H:%M:%S",
    "%m/%d/%y %H:%M:%S",
)
#: Formats the cleaning reads today: ISO 8601, and day-first dates.
_CLEANING_READS = re.compile(r"^%Y-%m-%d|^%d")
_TZ = re.compile(r"(\.\d+)?\s*(Z|[+-]\d{2}:?\d{2}|(GMT|UTC)([+-]\d{1,2}(:?\d{2})?)?|CET|CEST)$")


@dataclass(frozen=True)
class Timestamps:
    """A timestamp column: the format most answers use, counts, first and last."""

    format: str
    parsed: int
    total: int
    first: datetime
    last: datetime
    ambiguous: tuple[str, ...] = ()

    @property
    def read_by_cleaning(self) -> bool:
        """Whether the cleaning's date reader reads this format as it is meant."""
        return bool(_CLEANING_READS.match(self.format))


def _parse(text: str, fmt: str) -> datetime | None:
    try:
        return datetime.strptime(text, fmt)
    except ValueError:
        return None


def detect_timestamps(values: Sequence[str], *, share: float = 0.8) -> Timestamps | None:
    """The timestamp format of a column, when at least ``share`` of answers are dates.

    >>> t = detect_timestamps(["03/25/2024 9:15:00 PM", "04/01/2024 10:00:00 AM", "x"], share=0.6)
    >>> t.format, t.parsed, t.total, t.read_by_cleaning
    ('%m/%d/%Y %I:%M:%S %p', 2, 3, False)
    >>> detect_timestamps(["12", "13"]) is None
    True
    """
    texts = [_TZ.sub("", v.strip()) for v in values if v and v.strip()]
    if not texts or not any(re.search(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}", t) for t in texts[:50]):
        return None
    uniq = list(dict.fromkeys(texts))[:5000]
    counts = Counter(texts)
    best: tuple[int, str, list[datetime]] | None = None
    scores: dict[str, int] = {}
    read: set[str] = set()  # answers some format reads
    for fmt in TIMESTAMP_FORMATS:
        got = [(u, _parse(u, fmt)) for u in uniq]
        ok = [d for _, d in got if d is not None]
        read.update(u for u, d in got if d is not None)
        n = sum(counts[u] for u, d in got if d is not None)
        scores[fmt] = n
        if ok and (best is None or n > best[0]):
            best = (n, fmt, ok)
    if best is None or sum(counts[u] for u in read) < share * len(texts):
        return None
    n, fmt, ok = best
    twins = tuple(
        f
        for f, s in scores.items()
        if f != fmt
        and s == n
        and f.replace("%d", "D").replace("%m", "%d").replace("D", "%m") == fmt
    )
    return Timestamps(fmt, n, len(texts), min(ok), max(ok), twins)


# --- numbers -------------------------------------------------------------------------

_UNIT_IN_HEADER = re.compile(r"\(\s*(?:in\s+)?([^()]{1,12}?)\s*\)\s*[?:.]?\s*$")
_PERCENT_HEADER = re.compile(
    r"%|percent|percentuale|\bshare of\b|\bwhat share\b|\bquota\b|\bproportion\b|\bpercentage\b"
)


@dataclass(frozen=True)
class Number:
    """A numeric column: unit, how many answers read as numbers, their range."""

    unit: str | None
    read: int
    total: int
    lo: float
    hi: float
    integers: bool


def detect_number(header: str, values: Sequence[str], *, share: float = 0.7) -> Number | None:
    """Numbers, when at least ``share`` of answers read as one (``"25 %"``, ``"circa 90"``).

    >>> n = detect_number("What share of your week is spent in meetings?", ["25 %", "0.3", "lots"], share=0.6)
    >>> n.unit, n.read, n.total, n.lo, n.hi
    ('%', 2, 3, 25.0, 30.0)
    >>> detect_number("Età (anni)", ["34", "51"]).unit
    'anni'
    >>> detect_number("Size", ["Meno di 50", "50–249"]) is None
    True
    """
    from ..clean.pipeline import parse_numbers

    texts = [v for v in values if v and v.strip()]
    if not texts:
        return None
    percent_values = sum(v.strip().endswith("%") for v in texts)
    unit = None
    key = normalise_text(header)
    if _PERCENT_HEADER.search(key) or percent_values >= 0.3 * len(texts):
        unit = "%"
    else:
        found = _UNIT_IN_HEADER.search(header)
        if found and not re.search(r"\d", found.group(1)):
            unit = found.group(1).strip()
    uniq = list(dict.fromkeys(texts))
    decimal = "," if sum("," in u for u in uniq) > sum("." in u for u in uniq) else "."
    vals, reason, _ = parse_numbers(uniq, decimal=decimal, unit="%" if unit == "%" else None)
    counts = Counter(texts)
    read = [(u, v) for u, v, r in zip(uniq, vals, reason, strict=False) if r == -1]
    n = sum(counts[u] for u, _ in read)
    # a label that merely contains a number ("50–249") is not a number
    if n < share * len(texts) or not read:
        return None
    numbers = [float(v) for _, v in read]
    return Number(
        unit, n, len(texts), min(numbers), max(numbers), all(x.is_integer() for x in numbers)
    )


# --- multiple choice -----------------------------------------------------------------


@dataclass(frozen=True)
class Multi:
    """A multiple-choice column: the separator and the options (normalised -> spelling)."""

    separator: str
    options: dict[str, str]
    counts: dict[str, int]


def detect_multi(values: Sequence[str]) -> Multi | None:
    """Answers that join several options with one separator, or None.

    Several answers must hold the separator, and splitting must leave fewer distinct
    options than there are distinct answers, options that recur, short.

    >>> m = detect_multi(["Email, Chat", "Chat", "Email", "Email, Social", "Social"])
    >>> m.separator, sorted(m.options.values())
    (', ', ['Chat', 'Email', 'Social'])
    >>> detect_multi(["Primi giorni difficili, poi meglio", "Tutto bene, grazie"]) is None
    True
    """
    from .scales import spelling

    texts = [v.strip() for v in values if v and v.strip()]
    distinct = set(texts)
    if len(distinct) < 2:
        return None
    for sep in (";", ",", "|", "\n"):
        joined = [t for t in texts if sep in t]
        if len(joined) < 2 or len(joined) < 0.1 * len(texts):
            continue
        parts = [p.strip() for t in texts for p in t.split(sep) if p.strip()]
        spell = spelling(parts)
        counts = Counter(normalise_text(p) for p in parts)
        if not 2 <= len(spell) < len({normalise_text(t) for t in texts}) or len(spell) > 40:
            continue
        if max(len(p) for p in spell.values()) > 80:
            continue
        if sum(counts.values()) / len(counts) < 1.5:
            continue
        spaced = sum(f"{sep} " in t for t in joined)
        separator = f"{sep} " if sep != "\n" and spaced >= len(joined) / 2 else sep
        return Multi(separator, spell, dict(counts))
    return None


# --- ordered options -------------------------------------------------------------------

_LOW = re.compile(r"\b(meno di|fino a|less than|fewer than|under|below|up to|inferiore a)\b|^<")
_HIGH = re.compile(
    r"\b(e oltre|oltre|or more|and over|and above|more than|over|above|piu di|superiore a)\b|\+\s*$|^>"
)
_NUM = re.compile(r"\d+(?:[.,]\d+)?")


def range_order(options: Sequence[str]) -> list[str] | None:
    """Options that are numeric ranges, in their order; None if they are not.

    >>> range_order(["18-24", "65 or more", "Under 18", "25-44", "45-64"])
    ['Under 18', '18-24', '25-44', '45-64', '65 or more']
    >>> range_order(["Sales", "18-24"]) is None
    True
    """
    keyed = []
    for opt in options:
        key = normalise_text(opt)
        nums = _NUM.findall(key.replace(".", "").replace(" ", ""))
        if not nums:
            return None
        first = float(nums[0].replace(",", "."))
        bias = -0.5 if _LOW.search(key) else (0.5 if _HIGH.search(key) else 0)
        keyed.append((first + bias, opt))
    if len(keyed) < 3 or len({k for k, _ in keyed}) < len(keyed):
        return None
    return [opt for _, opt in sorted(keyed)]


# --- what a header says --------------------------------------------------------------

_HEADER_KINDS = (
    (
        "submitted",
        r"informazioni cronologiche|timestamp|submitted|submission|submitdate|datestamp|"
        r"recorded ?date|completion time|ora di completamento|ora di fine|"
        r"end ?date|date ?submitted|data (di )?invio|completato|completed|data e ora|date$|^data$",
    ),
    ("started", r"start ?date|start ?time|data (di )?inizio|ora di inizio|started"),
    (
        "duration",
        r"durata|duration|time taken|tempo impiegato|tempo totale|total time|interviewtime|"
        r"\bseconds\b|\bsecondi\b",
    ),
    ("weight", r"\bweight\b|\bpeso\b|\bwgt\b"),
    (
        "rating",
        r"\bda [01] a (5|7|10)\b|\bfrom [01] to (5|7|10)\b|\b[01] ?[-–] ?(5|7|10)\b|\(\s*[01] ?=|"
        r"\bscala\b|\bscale\b|\brate\b|\brating\b|\bvaluti\b|\bvaluta\b|\bvoto\b|"
        r"soddisf|satisf|accordo|agree|importan|likely|probabil",
    ),
    (
        "segment",
        r"ruolo|\brole\b|team|settore|sector|industry|\barea\b|region|regione|\beta\b|"
        r"\bage\b|genere|gender|sesso|\bsex\b|dimensione|\bsize\b|addetti|dipendenti|employees|"
        r"reparto|department|tipo di|type of|funzione|function|paese|country|provincia|"
        r"titolo di studio|education|anzianita|seniority|contratto|contract",
    ),
)


def header_kind(header: str) -> set[str]:
    """What the header's words suggest: submitted, started, duration, weight, segment.

    >>> sorted(header_kind("Durata (secondi)")), sorted(header_kind("Qual è il suo ruolo?"))
    (['duration'], ['segment'])
    >>> sorted(header_kind("Quanto è soddisfatto? (da 1 a 5)"))
    ['rating']
    """
    key = normalise_text(header)
    return {kind for kind, pattern in _HEADER_KINDS if re.search(pattern, key)}
