"""Personal data: pseudonymous ids, scrubbing, small cells and the leak scan.

The raw export holds personal data (emails, names, companies, free text). This module
keeps it out of what the club shares:

- :func:`pseudonymise` turns the respondent key into a salted, non-reversible id;
- :func:`scrub_text` / :func:`free_text_table` / :func:`render_free_text` prepare free
  text for reports that opt in to it (placeholders for emails, phones, URLs and names;
  always HTML-escaped);
- :func:`suppress_small_cells` blanks counts below :data:`MIN_CELL` and shares or tests
  of groups below :data:`MIN_GROUP_N`, marking what it blanked;
- :func:`pii_values`, :func:`scan_for_leaks` and :func:`check_reports_for_leaks` scan the
  rendered report for every personal value of the raw export.

What the tool guarantees and what stays the researcher's job is written down in
``docs/data_protection.md``.

Examples
--------
>>> import pandas as pd
>>> ids = pseudonymise(pd.Series(["a@x.it", "A@x.it ", None]), salt=b"s", fallback=pd.Series([2, 3, 4]))
>>> ids.iloc[0] == ids.iloc[1], ids.iloc[2].startswith("r")
(True, True)
>>> len(ids.iloc[0])
12
>>> scrub_text(pd.Series(["Scrivete a mario.rossi@acme.it o al 333 123 4567"])).iloc[0]
'Scrivete a [email] o al [phone]'
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import PrivacyLeakError, SurveyDataError

__all__ = [
    "MIN_CELL",
    "MIN_GROUP_N",
    "MIN_VALUE_LEN",
    "Leak",
    "pseudonymise",
    "pii_values",
    "scan_for_leaks",
    "check_reports_for_leaks",
    "scrub_text",
    "free_text_table",
    "render_free_text",
    "suppress_small_cells",
]

#: Counts below this are suppressed in segment tables (the usual k of k-anonymity).
MIN_CELL = 5
#: Shares and tests are not reported for groups with fewer valid answers than this.
MIN_GROUP_N = 30
#: Personal values shorter than this (after stripping spaces) are not searched for:
#: a name such as "Bo" or a company "3M" would match ordinary text everywhere.
MIN_VALUE_LEN = 4
#: Long values (free-text comments) are searched by their first this-many characters.
MAX_PATTERN_LEN = 120

#: Values that are too common to be evidence of a leak (compared casefolded). The
#: codebook's own texts (labels, questions) are added by :func:`pii_values`.
COMMON_WORDS = frozenset(
    {
        # answers that say nothing
        "nessuno", "nessuna", "niente", "nulla", "grazie", "ottimo", "buono", "bene",
        "tutto", "tutti", "altro", "altri", "none", "nothing", "thanks", "thank", "good",
        "fine", "other", "nessun commento", "no comment", "non so", "don't know", "n.d.",
        "n/a", "null", "test", "prova", "anonimo", "anonima", "anonymous", "privato",
        "private", "nome", "cognome", "name", "email", "mail", "commenti", "commento",
        "comments", "comment",
        # words of company names that are ordinary words (not scrubbed alone)
        "azienda", "company", "società", "societa", "ditta", "ente", "gruppo", "group",
        "banca", "bank", "italia", "italy", "italiana", "servizi", "service", "services",
        "consulting", "contact", "center", "centre", "solutions", "energia", "telecom",
        "assicurazioni", "comune", "regione", "studio", "holding", "international",
        "global", "customer", "care", "digital", "sistemi", "systems", "network",
    }
)  # fmt: skip

#: Shares and statistics blanked when a group has fewer than ``min_n`` valid answers.
SHARE_COLUMNS = (
    "share", "estimate", "ci_low", "ci_high", "mean", "sd", "median", "q1", "q3",
    "top2", "bottom2", "net",
)  # fmt: skip
#: Test results blanked when a group has fewer than ``min_n`` valid answers.
TEST_COLUMNS = ("statistic", "df", "p_value", "p_adjusted", "effect_size", "direction")

#: Files of a report folder that the leak scan reads.
REPORT_SUFFIXES = (".html", ".htm", ".svg", ".json", ".csv", ".md", ".txt", ".ipynb")

# --- patterns -------------------------------------------------------------------

_AT = r"\s*(?:@|\[at\]|\(at\)|&#0*64;|&#x0*40;|&commat;)\s*"
_EMAIL = re.compile(r"[\w.+-]+" + _AT + r"[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']*[^\s<>\"'.,;:!?)]"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:it|com|net|org|eu|io|info|biz|de|fr|es|ch|uk)\b"
    r"(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)])?",
    re.IGNORECASE,
)
# A date (or date and time) is tried first and left alone; a phone candidate is a run
# of digits with single separators, accepted by _is_phone (digit count and prefix).
_DATE = r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}(?:[\sT]+\d{1,2}[:.]\d{2}(?::\d{2})?)?(?!\d)"
_PHONE_CANDIDATE = r"(?:\+|00)?\(?\d(?:\)?[\s./-]?\(?\d)+"
_PHONE_OR_DATE = re.compile(rf"(?<![\w+])(?:(?P<date>{_DATE})|(?P<phone>{_PHONE_CANDIDATE}))(?!\w)")
_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]*>")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_PERCENT = re.compile(r"%([0-9a-fA-F]{2})")
_MARKS = re.compile(r"[\u0300-\u036f]")
_QUOTES = (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u00b4", "'"))


def _is_phone(candidate: str) -> bool:
    """Whether a digit run is a phone number (international, Italian mobile or landline)."""
    digits = re.sub(r"\D", "", candidate)
    if candidate.startswith("+") or candidate.startswith("00"):
        return 8 <= len(digits) <= 15
    if digits.startswith("3"):
        return 9 <= len(digits) <= 11
    if digits.startswith("0"):
        return 8 <= len(digits) <= 11
    return False


def _phone_repl(placeholder: str):
    def repl(m: re.Match[str]) -> str:
        phone = m.group("phone")
        return placeholder if phone is not None and _is_phone(phone) else m.group(0)

    return repl


# --- pseudonyms -----------------------------------------------------------------


def pseudonymise(keys: pd.Series, *, salt: bytes, fallback: pd.Series) -> pd.Series:
    """Stable, non-reversible respondent ids from a key such as the email.

    The key is stripped and casefolded, then hashed with HMAC-SHA256 under ``salt``;
    the first 12 hex digits are the id. Without the salt the id cannot be linked back
    to an email, even by someone who guesses the email. Rows with an empty key get an
    id from ``fallback`` (for example the source row) under the same salt.

    Parameters
    ----------
    keys
        The key values (strings or missing).
    salt
        Secret bytes; by default the caller derives them from the raw file's hash or
        the environment variable named in the codebook (``cleaning.pseudonym.salt_env``).
    fallback
        Values used for rows without a key (same index as ``keys``).

    Returns
    -------
    pandas.Series of str, same index as ``keys``.
    """
    norm = keys.astype("string").str.strip().str.casefold()
    has_key = norm.notna() & (norm != "")
    source = norm.where(has_key, "row:" + fallback.astype("string"))
    inverse, uniques = pd.factorize(source)
    digests = np.array(
        [
            "r" + hmac.new(salt, str(u).encode("utf-8"), hashlib.sha256).hexdigest()[:11]
            for u in uniques
        ],
        dtype=object,
    )
    return pd.Series(digests[inverse], index=keys.index, dtype="string")


# --- personal values of an export -------------------------------------------------


def _fold(text: str) -> str:
    """Casefold, strip accents, ASCII quotes: the form both sides are compared in."""
    text = unicodedata.normalize("NFKD", text)
    for fancy, plain in _QUOTES:
        text = text.replace(fancy, plain)
    return _MARKS.sub("", text).casefold()


def _codebook_texts(codebook: Any) -> set[str]:
    """Every label and question text of the codebook, folded (never evidence of a leak)."""
    out: set[str] = set()
    labels = []
    for scale in codebook.scales.values():
        labels += [*scale.points, *scale.not_an_answer]
    for item in codebook.items.values():
        labels += [item.text, *item.options, *item.not_an_answer]
    for grid in codebook.grids.values():
        labels.append(grid.text)
    for lab in labels:
        out.update(_SPACE.sub(" ", _fold(t)).strip() for t in lab.texts.values())
    return out


def _contact_fields(codebook: Any) -> list[str]:
    """PII fields that identify a person (keys, test-marker fields): not free text."""
    cleaning = codebook.cleaning
    named = [
        *cleaning.get("test_submissions", {}).get("fields", []),
        *cleaning.get("duplicates", {}).get("key", []),
        *cleaning.get("pseudonym", {}).get("key", []),
    ]
    key = codebook.role("respondent_key")
    pii = codebook.pii_fields
    return [f for f in pii if f in named or f == key]


def _free_text_fields(codebook: Any) -> list[str]:
    """PII text fields that are answers rather than contact data (e.g. comments)."""
    contact = set(_contact_fields(codebook))
    return [f for f in codebook.pii_fields if f not in contact]


def _meaningful(values: pd.Series, common: set[str]) -> pd.Series:
    """Distinct stripped values that are long enough, hold a letter and are not common."""
    vals = values.dropna().astype("str").str.strip()
    folded = vals.map(lambda v: _SPACE.sub(" ", _fold(v)))
    keep = (
        (vals.str.replace(r"\s", "", regex=True).str.len() >= MIN_VALUE_LEN)
        & vals.str.contains(r"[^\W\d_]", regex=True)
        & ~folded.isin(common)
    )
    return vals[keep].drop_duplicates()


def _found_in(column: pd.Series) -> tuple[list[str], list[str]]:
    """Emails and phone numbers written in a column (distinct, file order).

    Arrow's regex engine picks the few cells that could hold one; Python's regex
    extracts them from those cells' distinct values only.
    """
    hint = column.astype("str").str.contains(r"@|\[at\]|\(at\)|&#|\d{3}", regex=True, na=False)
    emails: dict[str, None] = {}
    phones: dict[str, None] = {}
    for value in column[hint].unique():
        emails.update((m.group(0).strip(), None) for m in _EMAIL.finditer(value))
        found = (m.group("phone") for m in _PHONE_OR_DATE.finditer(value))
        phones.update((p, None) for p in found if p is not None and _is_phone(p))
    return list(emails), list(phones)


def pii_values(raw: Any, codebook: Any, *, hashes: bool = True) -> dict[str, list[str]]:
    """The personal values of a raw export that must never appear in a report.

    For every field the codebook marks ``pii: true``: its distinct non-empty values.
    Values shorter than :data:`MIN_VALUE_LEN` characters (spaces not counted), values
    without a letter, values in :data:`COMMON_WORDS` and values equal to a text of the
    codebook (a label, a question) are skipped: they would match ordinary report text.
    Emails and phone numbers written in *any* text column (a comment, an "other"
    answer) are added under ``"email (in <column>)"`` / ``"phone (in <column>)"``.
    With ``hashes``, the MD5, SHA-1 and SHA-256 hex digests of each normalised
    respondent key (stripped, casefolded) are added under ``"<key> (unsalted hash)"``:
    an id derived from the email without a secret salt counts as a leak.

    Parameters
    ----------
    raw
        A :class:`~cmmc_analysis.io.reader.RawExport` (only ``raw.data`` is used).
    codebook
        The codebook the export was read with.
    hashes
        Also list the unsalted hashes of the respondent keys.

    Returns
    -------
    dict mapping a field name to its list of values (in file order); fields with no
    value to search for are left out.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from cmmc_analysis.codebook import load_codebook
    >>> data = pd.DataFrame({"email": ["anna.bianchi@acme.it", None], "name": ["Anna Bianchi", "Bo"],
    ...                      "comments": ["Chiamatemi al +39 02 1234 5678", "Grazie"]})
    >>> found = pii_values(SimpleNamespace(data=data), load_codebook(), hashes=False)
    >>> sorted(found)
    ['comments', 'email', 'name', 'phone (in comments)']
    >>> found["name"], found["phone (in comments)"]
    (['Anna Bianchi'], ['+39 02 1234 5678'])
    """
    data = raw.data
    common = set(COMMON_WORDS) | _codebook_texts(codebook)
    out: dict[str, list[str]] = {}
    for field_id in codebook.pii_fields:
        if field_id in data:
            values = _meaningful(data[field_id], common)
            if len(values):
                out[field_id] = values.tolist()
    key = codebook.role("respondent_key")
    numeric = set(codebook.items_of_type("numeric", "datetime"))
    for column in data.columns:
        if column == "source_row" or column in numeric:
            continue
        emails, phones = _found_in(data[column])
        emails = [e for e in emails if column != key and e not in out.get(column, [])]
        if emails:
            out[f"email (in {column})"] = emails
        phones = [p for p in phones if p not in out.get(column, [])]
        if phones:
            out[f"phone (in {column})"] = phones
    if hashes and key is not None and key in data:
        keys = data[key].dropna().astype("str").str.strip().str.casefold()
        keys = keys[keys != ""].drop_duplicates()
        digests = [
            getattr(hashlib, algo)(k.encode("utf-8")).hexdigest()
            for k in keys
            for algo in ("md5", "sha1", "sha256")
        ]
        if digests:
            out[f"{key} (unsalted hash)"] = digests
    return out


# --- the leak scan ------------------------------------------------------------------


@dataclass(frozen=True)
class Leak:
    """A personal value found in a rendered file.

    Attributes
    ----------
    file
        The file it was found in.
    field
        The PII field it belongs to (``email``, ``name``, ``phone (in comments)``...).
    hint
        A redacted hint (first letter of each word, e.g. ``"a***.b***@a***.i***"``),
        never the value itself.
    count
        How many times it appears in the file (over the views scanned).
    """

    file: Path
    field: str
    hint: str
    count: int = 1

    def __str__(self) -> str:
        return f"{self.file.name}: {self.field} ({self.hint})"


def redact(value: str) -> str:
    """A hint that helps find a value without showing it: each word's first letter.

    >>> redact("anna.bianchi@acme.it"), redact("Anna  Bianchi")
    ('a***.b***@a***.i***', 'A*** B***')
    >>> redact("Un commento molto lungo con parecchie parole")
    'U*** c*** m*** l*** ... (44 characters)'
    """
    words = re.findall(r"\w+|[^\w\s]|\s+", value.strip())
    pieces, n_words = [], 0
    for w in words:
        if w[0].isspace():
            pieces.append(" ")
            continue
        if re.match(r"\w", w):
            n_words += 1
            if n_words > 4:
                return "".join(pieces).rstrip() + f" ... ({len(value)} characters)"
            pieces.append(w[0] + "***")
        else:
            pieces.append(w)
    return "".join(pieces)


_GAP = r"(?:\s|<[^>]*>)*"  # between two words of a value: spaces, line breaks, tags
_WORD = re.compile(r"\w+")
_DIGIT_RUN = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d(?:\)?[\s./-]?\(?\d)+(?!\w)")
_DATA_URI = re.compile(r"data:([\w/+.-]+);base64,([A-Za-z0-9+/=\s]+)")


@dataclass(frozen=True)
class _Needle:
    """A personal value prepared for the scan."""

    fields: tuple[tuple[str, str], ...]  # (field, original value)
    phone: bool
    keys: frozenset[str]  # canonical forms (phones: digit strings with/without prefix)
    tokens: frozenset[str]  # words that must all occur in a file for the value to occur
    joined: str  # the words written together ("mariorossi")
    fragments: tuple[str, ...]


def _needle(value: str) -> tuple[str, _Needle]:
    """Canonical key and scan data of one value."""
    value = re.sub(r"\s*(?:\[at\]|\(at\))\s*", "@", html.unescape(value)).strip()
    if _is_phone_value(value):
        keys = _phone_forms(value)
        return min(keys), _Needle((), True, keys, frozenset(), "", ())
    folded = _SPACE.sub(" ", _fold(value)).strip()
    folded = re.sub(r"\s*@\s*", "@", folded)
    if len(folded) > MAX_PATTERN_LEN:  # long answers: their first words
        cut = folded[:MAX_PATTERN_LEN]
        folded = cut[: cut.rfind(" ")] if " " in cut else cut
    gaps = {" ": _GAP, "@": _GAP + "@" + _GAP}
    frags = [gaps.get(c, re.escape(c)) for c in folded]
    if re.match(r"\w", folded):
        frags.insert(0, r"(?<!\w)")
    if re.search(r"\w$", folded):
        frags.append(r"(?!\w)")
    words = _WORD.findall(folded)
    key = _canonical(folded)
    return key, _Needle((), False, frozenset({key}), frozenset(words), "".join(words), tuple(frags))


def _phone_forms(text: str) -> frozenset[str]:
    """The digits of a phone number, with and without the 00/+ and the Italian 39."""
    digits = re.sub(r"^00", "", re.sub(r"\D", "", text))
    return frozenset({digits, re.sub(r"^39(?=[03]\d{8})", "", digits)})


def _is_phone_value(value: str) -> bool:
    m = _PHONE_OR_DATE.fullmatch(value.strip())
    return bool(m and m.group("phone") and _is_phone(m.group("phone")))


def _canonical(text: str) -> str:
    """Folded text without tags and spaces: how a match is looked up."""
    return re.sub(r"\s", "", _TAG.sub("", text))


def _trie_regex(fragment_lists: Iterable[Sequence[str]]) -> str:
    """One regex matching any of the fragment sequences, with shared prefixes merged.

    A plain alternation of many values makes the regex engine try each value at each
    position; the trie tries one branch per character.
    """
    trie: dict[str, Any] = {}
    for frags in fragment_lists:
        node = trie
        for frag in frags:
            node = node.setdefault(frag, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [key + build(child) for key, child in sorted(node.items()) if key != ""]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


def _text_data(m: re.Match[str]) -> str:
    """A base64 data URI: decoded if it holds text (SVG, HTML, JSON), else dropped."""
    kind = m.group(1).lower()
    if not (kind.startswith("text/") or kind.endswith(("+xml", "/json", "/xml"))):
        return " "
    try:
        return (
            " " + base64.b64decode(re.sub(r"\s", "", m.group(2))).decode("utf-8", "replace") + " "
        )
    except ValueError:
        return " "


def _views(text: str) -> str:
    """The folded forms of a file in which values are searched.

    The HTML-unescaped text (``&#64;`` is ``@``, ``&nbsp;`` a space), with base64 data
    URIs decoded when they hold text and dropped when they hold images or fonts, and
    ``[at]`` / ``(at)`` read as ``@``; followed, when the file has any, by the same
    text with JSON ``\\uXXXX`` and URL ``%XX`` escapes decoded.
    """
    text = html.unescape(_DATA_URI.sub(_text_data, text))
    views = [text]
    if _JSON_ESCAPE.search(text) or _PERCENT.search(text):
        views.append(
            _PERCENT.sub(
                lambda m: chr(int(m.group(1), 16)),
                _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text),
            )
        )
    joined = _fold("\x00".join(views))
    return re.sub(r"\s*(?:\[at\]|\(at\))\s*", "@", joined)


def _report_files(html_files: str | Path | Iterable[str | Path]) -> list[Path]:
    if isinstance(html_files, str | Path):
        html_files = [html_files]
    files: list[Path] = []
    for f in map(Path, html_files):
        if f.is_dir():
            files += sorted(p for p in f.rglob("*") if p.suffix.lower() in REPORT_SUFFIXES)
        else:
            files.append(f)
    return files


def _needles(pii: Mapping[str, Iterable[str]]) -> list[_Needle]:
    """One needle per distinct canonical value, listing every field it belongs to."""
    by_key: dict[str, _Needle] = {}
    for field_name, values in pii.items():
        for value in values:
            if not isinstance(value, str) or not value.strip():
                continue
            key, needle = _needle(value)
            seen = by_key.get(key, needle)
            by_key[key] = replace(seen, fields=(*seen.fields, (field_name, value)))
    return list(by_key.values())


def _find(view: str, needles: list[_Needle]) -> dict[tuple[str, str], int]:
    """(field, value) -> number of occurrences of the needles in a folded view."""
    found: dict[tuple[str, str], int] = {}

    def add(needle: _Needle, times: int = 1) -> None:
        for fv in needle.fields:
            found[fv] = found.get(fv, 0) + times

    words = set(_WORD.findall(view))
    texts = [x for x in needles if not x.phone and (x.tokens <= words or x.joined in words)]
    if texts:
        by_key = {k: x for x in texts for k in x.keys}
        for m in re.finditer(_trie_regex(x.fragments for x in texts), view):
            needle = by_key.get(_canonical(m.group(0)))
            if needle is not None:
                add(needle)
    phones = [x for x in needles if x.phone]
    if phones:
        runs: dict[str, set[int]] = {}
        for i, run in enumerate(_DIGIT_RUN.findall(view)):
            for form in _phone_forms(run):
                runs.setdefault(form, set()).add(i)
        for needle in phones:
            times = len(set().union(*(runs.get(k, set()) for k in needle.keys)))
            if times:
                add(needle, times)
    return found


def scan_for_leaks(
    html_files: str | Path | Iterable[str | Path], pii: Mapping[str, Iterable[str]]
) -> list[Leak]:
    """Search rendered files for personal values.

    Matching is insensitive to case, accents, typographic quotes and spacing (runs of
    spaces, line breaks, tags or nothing between the words of a value, an ``@`` with
    spaces around it or written ``[at]``, ``(at)`` or ``&#64;``); the text is read
    HTML-unescaped, and again with JSON ``\\uXXXX`` and URL ``%XX`` escapes decoded;
    base64 data URIs are decoded when they hold text (an SVG) and skipped when they
    hold an image. A value that starts or ends with a letter or digit matches whole
    words only ("Enel" is not found in "Enelx"). A phone number matches whatever
    separators sit between its digits, with or without the +39 / 0039 prefix. Long
    values (comments) are searched by their first words (up to
    :data:`MAX_PATTERN_LEN` characters).

    Each file is read once: its words are collected, only the values whose words all
    occur are compiled into one regex (a trie of their characters), and that regex
    confirms them in one pass.

    Parameters
    ----------
    html_files
        Files to scan, or a folder (every HTML, SVG, JSON, CSV, Markdown, text and
        notebook file below it).
    pii
        Field name -> values, as returned by :func:`pii_values`.

    Returns
    -------
    list of :class:`Leak`, one per file, field and value found (sorted by file, field).

    Raises
    ------
    SurveyDataError
        If a file cannot be read (naming it).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> page = pathlib.Path(tempfile.mkdtemp()) / "index.html"
    >>> _ = page.write_text("<p>Contatto: ANNA&nbsp;&nbsp;<b>Bianchi</b>, anna.bianchi&#64;acme.it</p>")
    >>> pii = {"name": ["Anna Bianchi", "Marco Verdi"], "email": ["anna.bianchi@acme.it"]}
    >>> [str(x) for x in scan_for_leaks([page], pii)]
    ['index.html: email (a***.b***@a***.i***)', 'index.html: name (A*** B***)']
    """
    needles = _needles(pii)
    if not needles:
        return []
    leaks: list[Leak] = []
    for path in _report_files(html_files):
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError as err:
            raise SurveyDataError(
                f"cannot read the report file: {err.strerror}", path=path
            ) from err
        found = _find(_views(text), needles)
        leaks += [Leak(path, f, redact(v), n) for (f, v), n in found.items()]
    return sorted(leaks, key=lambda x: (str(x.file), x.field, x.hint))


def check_reports_for_leaks(
    html_files: str | Path | Iterable[str | Path],
    raw: Any,
    codebook: Any,
    *,
    free_text: bool = False,
) -> None:
    """Fail if any rendered file holds a personal value of the raw export.

    Called by the report build on every file it wrote, before the new report replaces
    the old one.

    Parameters
    ----------
    html_files
        Files (or a folder) to scan, see :func:`scan_for_leaks`.
    raw
        The raw export the report was built from.
    codebook
        Its codebook.
    free_text
        True when the report shows scrubbed free text (the researcher opted in): the
        whole answers of the free-text fields are then not searched for (they are
        shown on purpose), but the emails and phone numbers inside them, and every
        contact field (email, name, company), still are.

    Raises
    ------
    PrivacyLeakError
        Naming the first file and the fields found in it (never the values); the full
        list is in the exception's ``leaks`` attribute.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from types import SimpleNamespace
    >>> from cmmc_analysis.codebook import load_codebook
    >>> raw = SimpleNamespace(data=pd.DataFrame({"email": ["anna.bianchi@acme.it"]}))
    >>> page = pathlib.Path(tempfile.mkdtemp()) / "index.html"
    >>> _ = page.write_text("<td>Anna.Bianchi@ACME.it</td>")
    >>> check_reports_for_leaks([page], raw, load_codebook())
    Traceback (most recent call last):
    ...
    cmmc_analysis.errors.PrivacyLeakError: index.html: personal data of the raw export in a rendered file: field 'email' (1 value); expected none (scan_for_leaks lists redacted hints)
    """
    pii = pii_values(raw, codebook)
    if free_text:
        for field_id in _free_text_fields(codebook):
            pii.pop(field_id, None)
    leaks = scan_for_leaks(html_files, pii)
    if not leaks:
        return
    first = leaks[0].file
    in_first = [x for x in leaks if x.file == first]
    per_field = Counter(x.field for x in in_first)
    detail = ", ".join(
        f"{f!r} ({n} value{'s' if n > 1 else ''})" for f, n in sorted(per_field.items())
    )
    others = len({x.file for x in leaks}) - 1
    more = f"; {others} other file{'s' if others > 1 else ''} too" if others else ""
    err = PrivacyLeakError(
        f"personal data of the raw export in a rendered file: "
        f"field{'s' if len(per_field) > 1 else ''} {detail}{more}; expected none "
        "(scan_for_leaks lists redacted hints)",
        path=first,
    )
    err.leaks = leaks
    raise err


# --- free text --------------------------------------------------------------------


def _names_regex(names: Iterable[str]) -> str | None:
    """Whole-word, spacing-tolerant pattern for names (longest first, via a trie)."""
    frags = []
    for name in {n.strip() for n in names if isinstance(n, str) and len(n.strip()) >= 2}:
        words = [re.escape(w) for w in name.split()]
        pieces = [x for w in words for x in (w, r"\s+")][:-1]
        start = [r"(?<!\w)"] if re.match(r"\w", name) else []
        end = [r"(?!\w)"] if re.search(r"\w$", name) else []
        frags.append([*start, *pieces, *end])
    return _trie_regex(frags) if frags else None


def scrub_text(texts: pd.Series, *, names: Iterable[str] = ()) -> pd.Series:
    """Replace personal data in free text by placeholders.

    In this order: emails (also written ``name [at] domain``) by ``[email]``; URLs
    (``http(s)://``, ``www.`` and bare domains with a common top-level domain) by
    ``[url]``; phone numbers by ``[phone]``; each of ``names`` (case-insensitive,
    whole words, any spacing) by ``[name]``. A phone number is a run of digits with
    single separators (space, dot, slash, hyphen, brackets) that is international
    (``+`` or ``00`` and 8-15 digits), an Italian mobile (starting with 3, 9-11
    digits) or landline (starting with 0, 8-11 digits); dates such as ``18/03/2020``
    and plain numbers ("1000 operatori", "80 %") are left alone.

    Parameters
    ----------
    texts
        Free-text answers (missing values stay missing).
    names
        Personal or company names to remove (for example the values of the contact
        fields, see :func:`free_text_table`).

    Returns
    -------
    pandas.Series of str, same index as ``texts``.

    Examples
    --------
    >>> s = pd.Series(["Sono Anna Bianchi di ACME, www.acme.it, tel. 02/1234567", None,
    ...                "Dal 18/03/2020 il 80 % da casa"])
    >>> scrub_text(s, names=["anna bianchi", "Acme"]).tolist()
    ['Sono [name] di [name], [url], tel. [phone]', nan, 'Dal 18/03/2020 il 80 % da casa']
    """
    out = texts.astype("str")
    out = out.str.replace(_EMAIL.pattern, "[email]", regex=True, flags=re.IGNORECASE)
    out = out.str.replace(_URL.pattern, "[url]", regex=True, flags=re.IGNORECASE)
    out = out.str.replace(_PHONE_OR_DATE.pattern, _phone_repl("[phone]"), regex=True)
    pattern = _names_regex(names)
    if pattern is not None:
        out = out.str.replace(pattern, "[name]", regex=True, flags=re.IGNORECASE)
    return out


def _contact_names(raw: Any, codebook: Any) -> list[str]:
    """Names to scrub: the values of the contact fields and their longer words."""
    key = codebook.role("respondent_key")
    common = set(COMMON_WORDS) | _codebook_texts(codebook)
    names: list[str] = []
    for field_id in _contact_fields(codebook):
        if field_id == key or field_id not in raw.data:
            continue
        values = _meaningful(raw.data[field_id], common)
        words = values.str.split().explode().dropna().str.strip(".,;:()'\"")
        words = words[(words.str.len() >= MIN_VALUE_LEN) & ~words.str.casefold().isin(common)]
        names += [*values.tolist(), *words.drop_duplicates().tolist()]
    return names


def free_text_table(
    raw: Any, codebook: Any, item: str, *, source_rows: Iterable[int] | None = None
) -> pd.DataFrame:
    """The answers to a free-text item, scrubbed, for a report that opts in to them.

    No id, no source row, no other column: only the scrubbed texts, sorted
    alphabetically (file order could link a text to a respondent). Names scrubbed
    are the values of the contact fields (the codebook's test-submission fields and
    keys, except the email) and their words of :data:`MIN_VALUE_LEN` or more letters
    that are not common words. Review the table before sharing it: scrubbing is a
    safety net, not an anonymisation (a comment can identify its author by content).

    Parameters
    ----------
    raw
        The raw export.
    codebook
        Its codebook.
    item
        A free-text item id (type ``text``).
    source_rows
        Keep only these source rows (for example ``survey.data["source_row"]``, so
        that excluded submissions are left out); default all rows.

    Returns
    -------
    DataFrame with columns ``item`` (the item id) and ``text`` (a scrubbed answer,
    an extra column of this function), one row per non-empty answer.

    Raises
    ------
    SurveyDataError
        If ``item`` is not a free-text item of the codebook or not in the export.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from cmmc_analysis.codebook import load_codebook
    >>> data = pd.DataFrame({"name": ["Anna Bianchi", None], "source_row": [2, 3],
    ...                      "comments": ["Bianchi qui: anna@acme.it", "  "]})
    >>> free_text_table(SimpleNamespace(data=data), load_codebook(), "comments")
           item                    text
    0  comments  [name] qui: [email]
    """
    spec = codebook.item(item)
    if spec.type != "text":
        raise SurveyDataError(
            f"parameter item={item!r} is of type {spec.type!r}; expected a free-text item"
        )
    if item not in raw.data:
        raise SurveyDataError(f"parameter item={item!r}: the export has no such column")
    texts = raw.data[item]
    if source_rows is not None:
        texts = texts[raw.data["source_row"].isin(list(source_rows))]
    texts = texts.dropna().astype("str").str.strip()
    texts = texts[texts != ""]
    scrubbed = scrub_text(texts, names=_contact_names(raw, codebook))
    scrubbed = scrubbed.sort_values(ignore_index=True)
    return pd.DataFrame({"item": item, "text": scrubbed}, columns=["item", "text"])


def render_free_text(table: pd.DataFrame, *, columns: Sequence[str] = ("text",)) -> str:
    """An HTML table of free text in which every cell is escaped.

    ``<script>`` or an ``onerror=`` attribute in a comment shows as text, never as
    markup. (``DataFrame.to_html`` and the notebook repr escape too, but only while
    their ``escape`` default is kept; this function has no such switch.)

    Parameters
    ----------
    table
        For example the output of :func:`free_text_table`.
    columns
        The columns to show, in order.

    Returns
    -------
    str, a ``<table class="free-text">`` element.

    Examples
    --------
    >>> print(render_free_text(pd.DataFrame({"text": ["<script>alert(1)</script>"]})))
    <table class="free-text"><thead><tr><th>text</th></tr></thead>
    <tbody>
    <tr><td>&lt;script&gt;alert(1)&lt;/script&gt;</td></tr>
    </tbody></table>
    """
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise SurveyDataError(
            f"parameter columns: {missing} not in the table; it has {list(table.columns)}"
        )
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    cells = pd.Series("", index=table.index, dtype="str")
    for c in columns:
        text = table[c].astype("str").fillna("").map(html.escape, na_action="ignore")
        cells = cells + "<td>" + text + "</td>"
    body = "\n".join(("<tr>" + cells + "</tr>").tolist())
    body = f"{body}\n" if body else ""
    return (
        f'<table class="free-text"><thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody></table>'
    )


# --- small cells -------------------------------------------------------------------


def suppress_small_cells(
    table: pd.DataFrame,
    *,
    count: str = "count",
    n: str = "n",
    k: int = MIN_CELL,
    min_n: int = MIN_GROUP_N,
    by: Sequence[str] | None = None,
    share_cols: Sequence[str] = SHARE_COLUMNS,
    test_cols: Sequence[str] = TEST_COLUMNS,
) -> pd.DataFrame:
    """Blank counts below ``k`` and shares or tests of groups below ``min_n``.

    Rules, applied to a copy (no row is dropped):

    1. ``count < k`` (and above zero; a zero names nobody): the count and the row's
       shares (``share_cols``: a share times n gives the count back) are blanked.
    2. Secondary suppression: where a group (the rows sharing the ``by`` columns)
       has exactly one count blanked by rule 1 and shows its ``n``, the smallest other
       non-zero count of that group is blanked too, otherwise n minus the shown
       counts would give the blanked one back.
    3. ``0 < n < k``: every count of the row is blanked, zeros included (a zero
       beside a base of 3 says what the others answered); the base itself is shown.
    4. ``n < min_n``: the row's shares (``share_cols``) and tests (``test_cols``) are
       blanked; counts at or above ``k`` stay.

    Blanked values become missing (integer columns become float) and the column
    ``suppressed`` says why, e.g. ``"count < 5"``, ``"n < 30"``,
    ``"count < 5 in the same group"``, ``"count < 5; n < 30"``; it is missing on rows
    left intact.

    Parameters
    ----------
    table
        A result table with a count column and/or an n column.
    count, n
        Names of the count and base columns (either may be absent from the table).
    k
        Smallest count shown (default :data:`MIN_CELL`).
    min_n
        Smallest group base for which shares and tests are shown (default
        :data:`MIN_GROUP_N`).
    by
        Columns identifying a group for rule 2; default those of ``item``,
        ``segment``, ``group`` that the table has.
    share_cols, test_cols
        Columns blanked as shares / tests (those absent from the table are ignored).

    Returns
    -------
    DataFrame: the table's columns plus ``suppressed`` (str).

    Raises
    ------
    SurveyDataError
        If ``k`` or ``min_n`` is not a positive integer, or neither ``count`` nor
        ``n`` is a column.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["A", "A", "A", "B", "B"], "level": ["x", "y", "z", "x", "y"],
    ...                   "count": [3, 20, 17, 12, 0], "n": [40, 40, 40, 12, 12],
    ...                   "share": [0.075, 0.5, 0.425, 1.0, 0.0]})
    >>> suppress_small_cells(t)
      group level  count   n  share                   suppressed
    0     A     x    NaN  40    NaN                    count < 5
    1     A     y   20.0  40  0.500                          NaN
    2     A     z    NaN  40    NaN  count < 5 in the same group
    3     B     x   12.0  12    NaN                       n < 30
    4     B     y    0.0  12    NaN                       n < 30
    """
    for name, val in (("k", k), ("min_n", min_n)):
        if isinstance(val, bool) or not isinstance(val, int | np.integer) or val < 1:
            raise SurveyDataError(f"parameter {name}={val!r}; expected a positive integer")
    if count not in table and n not in table:
        raise SurveyDataError(
            f"parameters count={count!r}, n={n!r}: neither is a column; the table has {list(table.columns)}"
        )
    out = table.copy()
    reasons = pd.Series(pd.NA, index=out.index, dtype="str")
    shares = [c for c in share_cols if c in out]
    tests = [c for c in test_cols if c in out]
    base = pd.to_numeric(out[n], errors="coerce") if n in out else None
    if count in out:
        counts = pd.to_numeric(out[count], errors="coerce")
        primary = (counts > 0) & (counts < k)
        secondary = _secondary(out, counts, primary, n=n, by=by)
        tiny = pd.Series(False, index=out.index) if base is None else (base > 0) & (base < k)
        small = primary | secondary | tiny.fillna(False).astype(bool)
        out[count] = counts.where(~small)
        for c in shares:
            out[c] = out[c].where(~small)
        reasons = _because(reasons, primary, f"{count} < {k}")
        reasons = _because(reasons, secondary, f"{count} < {k} in the same group")
        reasons = _because(reasons, tiny & ~primary & ~secondary, f"{n} < {k}")
    if base is not None:
        few = (base < min_n).fillna(False).astype(bool)
        for c in [*shares, *tests]:
            out[c] = out[c].where(~few)
        reasons = _because(reasons, few, f"{n} < {min_n}")
    out["suppressed"] = reasons
    return out


def _because(reasons: pd.Series, mask: pd.Series, why: str) -> pd.Series:
    """Add ``why`` to the reasons of the rows in ``mask`` ("a; b" when there are two)."""
    return reasons.mask(mask & reasons.notna(), reasons + "; " + why).mask(
        mask & reasons.isna(), why
    )


def _secondary(
    table: pd.DataFrame, counts: pd.Series, primary: pd.Series, *, n: str, by: Sequence[str] | None
) -> pd.Series:
    """Complementary cells: the smallest other count in a group with one primary cell."""
    if n not in table:
        return pd.Series(False, index=table.index)
    keys = [c for c in (by if by is not None else ("item", "segment", "group")) if c in table]
    if keys:
        group = table.groupby(keys, sort=False, dropna=False).ngroup()
    else:
        group = pd.Series(0, index=table.index)
    n_primary = primary.groupby(group).transform("sum")
    candidate = (n_primary == 1) & ~primary & (counts > 0)
    ranked = counts.where(candidate).groupby(group).rank(method="first")
    return (ranked == 1).fillna(False).astype(bool)
