"""The leak scan: every personal value of the raw export, searched in every rendered file.

:func:`pii_values` lists the values that must never appear in a report;
:func:`scan_for_leaks` searches files for them; :func:`check_reports_for_leaks`
fails a report build that holds any of them.

Length: over 500 lines. The scan's normalisations (Unicode, invisible characters, look-
alike letters, name orders, truncations) and the file kinds it reads are kept with the
scan they serve.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import PrivacyLeakError, SurveyDataError
from .scrub import (
    _EMAIL,
    _PHONE_OR_DATE,
    _SPACE,
    _TAG,
    COMMON_WORDS,
    _codebook_texts,
    _fold,
    _free_text_fields,
    _is_phone,
    _meaningful,
    _trie_regex,
)

__all__ = [
    "MAX_PATTERN_LEN",
    "Leak",
    "pii_values",
    "redact",
    "scan_for_leaks",
    "check_reports_for_leaks",
]

#: Long values (free-text comments) are searched by their first this-many characters
#: (pandas shows the first 47 characters of a long cell, then "...").
MAX_PATTERN_LEN = 40

#: Files of a report folder that the leak scan reads.
REPORT_SUFFIXES = (".html", ".htm", ".svg", ".json", ".csv", ".md", ".txt", ".ipynb")
#: Files whose text is inside a container: workbook XML parts, PNG text chunks.
CONTAINER_SUFFIXES = (".xlsx", ".xlsm", ".png")


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


#: A legal form at the end of a company name (Italian, English, German, French...).
_LEGAL_FORM = (
    r"(?i)[\s,]+(?:s\.?\s?p\.?\s?a|s\.?\s?r\.?\s?l(?:\.?\s?s)?|s\.?\s?n\.?\s?c|s\.?\s?a\.?\s?s"
    r"|s\.?\s?c\.?\s?a\.?\s?r\.?\s?l|soc\.?\s?coop(?:erativa)?|coop|onlus|ltd|limited|llc|inc"
    r"|corp(?:oration)?|co|gmbh|ag|plc|bv|nv|sa|sarl|sas|spa|srl)\.?$"
)


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
        A :class:`~cmmc_analysis.io.reader.RawExport` (only ``raw.data`` is used), or an
        :class:`~cmmc_analysis.io.partitions.ExportPlan` of a large export, read one
        partition at a time (the same values, memory bounded by one partition).
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
    common = set(COMMON_WORDS) | _codebook_texts(codebook)
    frames = raw.partitions() if hasattr(raw, "partitions") else [raw.data]
    merged: dict[str, dict[str, None]] = {}
    for data in frames:  # a large export one partition at a time: the values of all, once
        for name, values in _pii_of(data, codebook, common, hashes).items():
            merged.setdefault(name, {}).update(dict.fromkeys(values))
    return {name: list(values) for name, values in merged.items()}


def _pii_of(
    data: pd.DataFrame, codebook: Any, common: set[str], hashes: bool
) -> dict[str, list[str]]:
    """:func:`pii_values` of one frame of raw records."""
    out: dict[str, list[str]] = {}
    for field_id in codebook.pii_fields:
        if field_id in data:
            values = _meaningful(data[field_id], common)
            # a company is also written without its legal form ("ACME" for "ACME S.p.A.")
            short = _meaningful(values.str.replace(_LEGAL_FORM, "", regex=True), common)
            values = pd.concat([values, short]).drop_duplicates()
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


_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_PERCENT = re.compile(r"%([0-9a-fA-F]{2})")
_GAP = r"(?:[\s,]|<[^>]*>)*"  # between two words: spaces, line breaks, commas, tags
#: Characters that do not show: soft hyphen, zero-width spaces and joiners, word joiner,
#: BOM, Mongolian vowel separator.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\u2061\ufeff\u180e\u034f"))
#: Letters of other scripts that look like Latin ones (from Unicode's confusables.txt:
#: Cyrillic, Greek and IPA look-alikes), mapped before casefolding.
_CONFUSABLES = str.maketrans(
    "АВЕКМНОРСТХУЅІЈΑΒΕΖΗΙΚΜΝΟΡΤΥΧаеорсухіјѕԁһԛԝӏɑɡıοαρνικχυϲ",
    "ABEKMHOPCTXYSIJABEZHIKMNOPTYXaeopcyxijsdhqwlagioapvikxuc",
)
_DASHES = re.compile(r"(?<=\w)[-\u2010\u2011\u2012\u2013\u2014](?=\w)")
_WBR = re.compile(r"<wbr\s*/?>|&shy;|&#173;|&#x0*ad;", re.IGNORECASE)


def _scan_fold(text: str) -> str:
    """The form both a value and a file are compared in.

    Invisible characters removed, Unicode NFKC (full-width and other compatibility
    forms to plain ones), accents stripped, casefolded, look-alike letters of other
    scripts to Latin, a hyphen or dash between two letters read as a space.

    >>> _scan_fold("Ro\u00adssi-Вianchi ＭＡＲＩＯ")
    'rossi bianchi mario'
    """
    text = unicodedata.normalize("NFKC", text.translate(_INVISIBLE)).translate(_CONFUSABLES)
    return _DASHES.sub(" ", _fold(text))


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
    joined: frozenset[str]  # the words written together ("mariorossi", "rossimario")
    fragments: tuple[tuple[str, ...], ...]  # one regex fragment list per word order


def _needle(value: str) -> tuple[str, _Needle]:
    """Canonical key and scan data of one value.

    A value of two or three words without ``@`` (a name, a company) is also searched
    with its words in any order ("Rossi Mario", "Rossi, Mario").
    """
    value = re.sub(r"\s*(?:\[at\]|\(at\))\s*", "@", html.unescape(value)).strip()
    if _is_phone_value(value):
        keys = _phone_forms(value)
        return min(keys), _Needle((), True, keys, frozenset(), frozenset(), ())
    folded = _SPACE.sub(" ", _scan_fold(value)).strip()
    folded = re.sub(r"\s*@\s*", "@", folded)
    if len(folded) > MAX_PATTERN_LEN:  # long answers: their first words
        cut = folded[:MAX_PATTERN_LEN]
        folded = cut[: cut.rfind(" ")] if " " in cut else cut
    words = _WORD.findall(folded)
    orders = [folded]
    if "@" not in folded and 2 <= len(folded.split()) <= 3:
        orders += [" ".join(p) for p in itertools.permutations(folded.split())][1:]
    gaps = {" ": _GAP, "@": _GAP + "@" + _GAP}
    alternatives = []
    for text in orders:
        frags = [gaps.get(c, re.escape(c)) for c in text]
        if re.match(r"\w", text):
            frags.insert(0, r"(?<!\w)")
        if re.search(r"\w$", text):
            frags.append(r"(?!\w)")
        alternatives.append(tuple(frags))
    keys = frozenset(_canonical(o) for o in orders)
    joined = frozenset("".join(_WORD.findall(o)) for o in orders)
    return _canonical(folded), _Needle(
        (), False, keys, frozenset(words), joined, tuple(alternatives)
    )


def _phone_forms(text: str) -> frozenset[str]:
    """The digits of a phone number, with and without the 00/+ and the Italian 39."""
    digits = re.sub(r"^00", "", re.sub(r"\D", "", text))
    return frozenset({digits, re.sub(r"^39(?=[03]\d{8})", "", digits)})


def _is_phone_value(value: str) -> bool:
    m = _PHONE_OR_DATE.fullmatch(value.strip())
    return bool(m and m.group("phone") and _is_phone(m.group("phone")))


def _canonical(text: str) -> str:
    """Folded text without tags and spaces: how a match is looked up."""
    return re.sub(r"[\s,]", "", _TAG.sub("", text))


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


def _views(text: str) -> list[str]:
    """The folded forms of a file in which values are searched.

    The HTML-unescaped text (``&#64;`` is ``@``, ``&nbsp;`` a space), with base64 data
    URIs decoded when they hold text and dropped when they hold images or fonts, and
    ``[at]`` / ``(at)`` read as ``@``; followed, when the file has any, by the same
    text with JSON ``\\uXXXX`` and URL ``%XX`` escapes decoded.
    """
    text = html.unescape(_WBR.sub("", _DATA_URI.sub(_text_data, text)))
    views = [text]
    if "<" in text:  # a tag inside a word ("Ros<span>si</span>")
        views.append(_TAG.sub("", text))
    if _JSON_ESCAPE.search(text) or _PERCENT.search(text):
        views.append(
            _PERCENT.sub(
                lambda m: chr(int(m.group(1), 16)),
                _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text),
            )
        )
    return [re.sub(r"\s*(?:\[at\]|\(at\))\s*", "@", _scan_fold(v)) for v in views]


_PART_LIMIT = 256 << 20  # bytes of text read from the parts of one container file


def _file_text(path: Path) -> str:
    """The text of an output file: as UTF-8, or the XML of a workbook, or a PNG's text chunks."""
    raw = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm") and raw[:4] == b"PK\x03\x04":
        return _zip_text(raw)
    if suffix == ".png" and raw[:8] == b"\x89PNG\r\n\x1a\n":
        return _png_text(raw)
    return raw.decode("utf-8", errors="replace")


def _zip_text(raw: bytes) -> str:
    """The XML parts of a workbook, joined (at most :data:`_PART_LIMIT` bytes)."""
    import io
    import zipfile

    parts, total = [], 0
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            for info in book.infolist():
                if not info.filename.endswith((".xml", ".rels")):
                    continue
                with book.open(info) as fh:
                    data = fh.read(_PART_LIMIT - total + 1)
                total += len(data)
                parts.append(data.decode("utf-8", errors="replace"))
                if total > _PART_LIMIT:
                    break
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return raw.decode("utf-8", errors="replace")
    return " ".join(parts)


def _png_text(raw: bytes) -> str:
    """The text chunks (tEXt, zTXt, iTXt) of a PNG image: its metadata, not its pixels."""
    import struct
    import zlib

    out, pos = [], 8
    while pos + 8 <= len(raw):
        (length,) = struct.unpack(">I", raw[pos : pos + 4])
        kind, body = raw[pos + 4 : pos + 8], raw[pos + 8 : pos + 8 + length]
        pos += 12 + length
        try:
            if kind == b"tEXt":
                out.append(body.replace(b"\x00", b" ").decode("latin-1"))
            elif kind == b"zTXt":
                key, _, rest = body.partition(b"\x00")
                text = zlib.decompressobj().decompress(rest[1:], _PART_LIMIT)
                out.append(key.decode("latin-1") + " " + text.decode("latin-1"))
            elif kind == b"iTXt":
                key, _, rest = body.partition(b"\x00")
                compressed = rest[:1] == b"\x01"
                _lang, _, rest = rest[2:].partition(b"\x00")
                _tkey, _, text = rest.partition(b"\x00")
                if compressed:
                    text = zlib.decompressobj().decompress(text, _PART_LIMIT)
                out.append(key.decode("latin-1") + " " + text.decode("utf-8", "replace"))
        except zlib.error:
            continue
    return "\n".join(out)


def _report_files(html_files: str | Path | Iterable[str | Path]) -> list[Path]:
    if isinstance(html_files, str | Path):
        html_files = [html_files]
    files: list[Path] = []
    for f in map(Path, html_files):
        if f.is_dir():
            files += sorted(p for p in f.rglob("*") if p.is_file())
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
    texts = [x for x in needles if not x.phone and (x.tokens <= words or x.joined & words)]
    if texts:
        by_key = {k: x for x in texts for k in x.keys}
        for m in re.finditer(_trie_regex(f for x in texts for f in x.fragments), view):
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
            text = _file_text(path)
        except OSError as err:
            raise SurveyDataError(
                f"cannot read the report file: {err.strerror}", path=path
            ) from err
        found: dict[tuple[str, str], int] = {}
        for view in [*_views(text), _scan_fold(re.sub(r"[_.\-]+", " ", path.name))]:
            for key, n in _find(view, needles).items():
                found[key] = max(n, found.get(key, 0))
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
