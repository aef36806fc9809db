"""Free text for reports that opt in to it: placeholders for personal data, escaped HTML.

:func:`scrub_text` replaces emails, URLs, phone numbers and given names by
placeholders; :func:`free_text_table` applies it to a free-text item of an export
(names taken from the contact fields); :func:`render_free_text` writes the table as
HTML with every cell escaped. The patterns and the folding defined here are shared
with the leak scan (:mod:`cmmc_analysis.privacy.leaks`).

Length: over 500 lines. Each kind of personal datum (emails, phones, URLs, names,
companies) has its own pattern and placeholder, tested one by one.

Examples
--------
>>> import pandas as pd
>>> scrub_text(pd.Series(["Scrivete a mario.rossi@acme.it o al 333 123 4567"])).iloc[0]
'Scrivete a [email] o al [phone]'
"""

from __future__ import annotations

import html
import re
import unicodedata
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import SurveyDataError

__all__ = [
    "MIN_VALUE_LEN",
    "scrub_text",
    "free_text_table",
    "render_free_text",
    "looks_personal",
    "contact_names",
    "personal_test",
    "shown_file_name",
    "free_text_section",
    "FreeTextSection",
]

#: Personal values shorter than this (after stripping spaces) are not searched for:
#: a name such as "Bo" or a company "3M" would match ordinary text everywhere.
MIN_VALUE_LEN = 4

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


# --- personal values of an export -------------------------------------------------


def _fold(text: str) -> str:
    """Casefold, strip accents, ASCII quotes: the form both sides are compared in."""
    text = unicodedata.normalize("NFKD", text)
    for fancy, plain in _QUOTES:
        text = text.replace(fancy, plain)
    return _MARKS.sub("", text).casefold()


_TEXTS: dict[int, frozenset[str]] = {}


def _codebook_texts(codebook: Any) -> frozenset[str]:
    """Every label and question text of the codebook, folded (never evidence of a leak).

    Made once per codebook (a frozen object), forgotten with it.
    """
    key = id(codebook)
    texts = _TEXTS.get(key)
    if texts is None:
        texts = _TEXTS[key] = frozenset(_fold_codebook_texts(codebook))
        weakref.finalize(codebook, _TEXTS.pop, key, None)
    return texts


def _fold_codebook_texts(codebook: Any) -> set[str]:
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
    """Distinct stripped values that are long enough, hold a letter and are not common.

    Vectorised: ASCII values (almost all keys and ids) are tested with Arrow kernels,
    where folding is lower-casing; only the others are folded one by one.
    """
    vals = values.dropna().astype("str").str.strip().drop_duplicates()
    if len(vals) == 0:
        return vals
    if len(vals) < 2000:  # a few values: the per-value path costs less than Arrow's calls
        plain = np.zeros(len(vals), dtype=bool)
    else:
        arr = _arrow(vals)
        plain = pc.fill_null(pc.string_is_ascii(arr), False).to_numpy(zero_copy_only=False)
    keep = np.zeros(len(vals), dtype=bool)
    if plain.any():
        a = arr.filter(pa.array(plain))
        squeezed = pc.replace_substring_regex(a, _ASCII_SPACE + "+", "")
        folded = pc.utf8_trim(  # _SPACE.sub(" ", v.casefold()) of a stripped ASCII value
            pc.replace_substring_regex(pc.ascii_lower(a), _ASCII_SPACE + "+", " "), " "
        )
        ok = pc.and_(
            pc.greater_equal(pc.utf8_length(squeezed), MIN_VALUE_LEN),
            pc.match_substring_regex(a, "[A-Za-z]"),
        )
        if common:
            ok = pc.and_(ok, pc.invert(pc.is_in(folded, value_set=pa.array(sorted(common)))))
        keep[plain] = pc.fill_null(ok, False).to_numpy(zero_copy_only=False)
    if not plain.all():
        other = vals[~plain]
        folded = other.map(lambda v: _SPACE.sub(" ", _fold(v)))
        keep[~plain] = (
            (other.str.replace(r"\s", "", regex=True).str.len() >= MIN_VALUE_LEN)
            & other.str.contains(r"[^\W\d_]", regex=True)
            & ~folded.isin(common)
        ).to_numpy(dtype=bool)
    return vals[keep]


#: Python's ASCII white space (``str.isspace``, ``re``'s ``\s``) as an RE2 class.
_ASCII_SPACE = r"[\t-\r\x1c-\x1f ]"
#: Python's white space (``str.split``) as an RE2 class.
_UNICODE_SPACE = r"[\t-\r\x1c-\x1f\x85\p{Z}]"


def _arrow(values: Any) -> pa.Array:
    """``values`` (a str Series, a list of str) as one Arrow large-string array."""
    if isinstance(values, pd.Series):
        values = values.astype("str").array
        arrow = values.__arrow_array__() if hasattr(values, "__arrow_array__") else values
    else:
        arrow = pa.array(list(values), type=pa.large_string(), from_pandas=True)
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks() if arrow.num_chunks else pa.array([], pa.large_string())
    return arrow.cast(pa.large_string())


def _word_char(c: str) -> bool:
    return re.match(r"\w", c) is not None


def _names_in(text: str, names: Any) -> bool:
    """Whether one of ``names`` occurs in ``text`` as :func:`_names_regex` finds it.

    Whole words, any case, any spacing, as the pattern :func:`looks_personal` compiles,
    but the other way round: every stretch of ``text`` that the pattern could match is
    listed (a short text, such as a file name) and looked up among the names in one
    vectorised pass, so a million names (the keys of a large export) cost no regex.

    >>> _names_in("risposte_Mario  Rossi.csv".replace("_", " "), ["mario rossi", "Bo"])
    True
    >>> _names_in("marionette.csv", ["mario"]), _names_in("x.csv", [])
    (False, False)
    """
    return bool(pc.any(_found_in([text], names)).as_py())


def _stretches(text: str) -> set[str]:
    """Every stretch of ``text`` that :func:`_names_regex`'s pattern could match (whole
    words, white space collapsed), of two characters or more."""
    n = len(text)
    word = [_word_char(c) for c in text]
    space = [c.isspace() for c in text]
    stretches = set()
    for i in range(n):
        if space[i] or (word[i] and i > 0 and word[i - 1]):
            continue
        for j in range(i + 1, n + 1):
            if space[j - 1] or (word[j - 1] and j < n and word[j]):
                continue
            stretches.add(" ".join(text[i:j].split()))
    return {s for s in stretches if len(s) >= 2}


def _found_in(texts: list[str], names: Any) -> pa.Array:
    """Per name, whether it occurs in one of ``texts`` as :func:`_names_in` finds it."""
    arr = _arrow(names)
    stretches = set().union(*map(_stretches, texts))
    if not stretches or len(arr) == 0:
        return pa.array(np.zeros(len(arr), dtype=bool))
    norm = pc.utf8_lower(
        pc.replace_substring_regex(pc.utf8_trim_whitespace(arr), _UNICODE_SPACE + "+", " ")
    )
    found = pc.is_in(norm, value_set=pc.utf8_lower(pa.array(sorted(stretches), pa.large_string())))
    return pc.fill_null(found, False)


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


_NAME_WORD = re.compile(
    r"[A-ZÀ-ÖØ-Þ](?:[a-zß-öø-ÿ]+|[A-ZÀ-ÖØ-Þ]+)(?:['’-][A-ZÀ-ÖØ-Þa-zß-öø-ÿ]+)*\.?"
)


def _codebook_words(codebook: Any) -> set[str]:
    """Every word of the codebook's texts, folded (a word of a label is not a name)."""
    return {w for text in _codebook_texts(codebook) for w in re.findall(r"\w+", text)}


def looks_personal(
    values: Sequence[Any], *, names: Iterable[str] = (), vocabulary: Iterable[str] = ()
) -> np.ndarray:
    """Which values look like personal data: an email, a phone number or a name.

    A value looks personal when it holds an email or a phone number (the patterns of
    :func:`scrub_text`), one of ``names`` (whole words, any case), or reads like a
    person's name: two to four capitalised words ("Mario Rossi", "ROSSI Mario",
    "Anna-Maria De Luca") none of which is a word of ``vocabulary`` (the codebook's
    texts). Used to redact rejected values in the cleaning log, so it errs towards
    redacting.

    Parameters
    ----------
    values
        Strings (anything else is not personal).
    names
        Known personal names (for example :func:`contact_names` of the export).
    vocabulary
        Words that are not names (casefolded, accents stripped).

    Returns
    -------
    numpy.ndarray of bool, one per value.

    Examples
    --------
    >>> looks_personal(["Mario Rossi", "Molto d'acordo", "mario@x.it", "+39 333 1234567",
    ...                 "Effetto Moderatto", "rossi", None], names=["Rossi"],
    ...                vocabulary={"effetto"}).tolist()
    [True, False, True, True, False, True, False]
    """
    pattern = _names_regex(names)
    names_re = re.compile(pattern, re.IGNORECASE) if pattern else None
    return _personal_mask(values, names_re, {_fold(w) for w in vocabulary})


def _personal_mask(values: Sequence[Any], names_re: re.Pattern | None, vocab: set[str]):
    """:func:`looks_personal` with the names' pattern compiled and the vocabulary folded."""
    out = np.zeros(len(values), dtype=bool)
    for i, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            continue
        if _EMAIL.search(value) or (names_re is not None and names_re.search(value)):
            out[i] = True
            continue
        phones = (m.group("phone") for m in _PHONE_OR_DATE.finditer(value))
        if any(p is not None and _is_phone(p) for p in phones):
            out[i] = True
            continue
        words = value.split()
        out[i] = (
            2 <= len(words) <= 4
            and all(_NAME_WORD.fullmatch(w) for w in words)
            and not any(_fold(x) in vocab for w in words for x in re.findall(r"\w+", w))
        )
    return out


def personal_test(data: pd.DataFrame, codebook: Any, names: list[str] | None = None):
    """``test(values) -> mask``: which logged values look personal (:func:`looks_personal`).

    The names are the contact values of ``data`` (a raw export's table or a partition
    of it; ``names``: :func:`contact_names` of it, already made); the vocabulary is the
    codebook's words. Each distinct value is tested once.
    """
    prepared: list[Any] = []  # the names' pattern and the folded vocabulary, made once

    def test(values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=object)
        if values.size == 0:
            return np.zeros(0, dtype=bool)
        if not prepared:
            pattern = _names_regex(contact_names(data, codebook) if names is None else names)
            prepared.append(re.compile(pattern, re.IGNORECASE) if pattern else None)
            prepared.append({_fold(w) for w in _codebook_words(codebook)})
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        mask = _personal_mask(list(uniques), *prepared)
        return np.where(codes >= 0, mask[np.maximum(codes, 0)], False)

    return test


def shown_file_name(
    name: str, data: Any, codebook: Any, sha256: str, names: list[str] | None = None
) -> str:
    """The export's file name as reports show it: itself, or a neutral name if it is personal.

    A file named after a respondent ("risposte_mario_rossi.csv", "anna@acme.it.xlsx")
    would put that person's name in every report. When the name, with ``_``, ``-``
    and ``.`` read as spaces, holds a contact value of the export (a name, a company,
    an email), an email or a phone number, or reads like a person's name
    (:func:`looks_personal`), ``export-<first 8 hex digits of the SHA-256>.<suffix>``
    is shown instead.

    Examples
    --------
    >>> from cmmc_analysis.codebook import load_codebook
    >>> data = pd.DataFrame({"name": ["Mario Rossi"]})
    >>> shown_file_name("export_mario_rossi.csv", data, load_codebook(), "ab" * 32)
    'export-abababab.csv'
    >>> shown_file_name("cmmc_2020.csv", data, load_codebook(), "ab" * 32)
    'cmmc_2020.csv'
    """
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 5 or not suffix.isalnum():
        stem, suffix = name, ""
    spaced = " ".join(w for w in re.split(r"[\s_\-.]+", stem) if w)
    vocabulary: set[str] = set()
    named = False
    if codebook is not None:  # without them (an export read in partitions): by shape only
        vocabulary = _codebook_words(codebook)
        if data is not None:
            names = contact_names(data, codebook) if names is None else names
            named = _names_in(stem, names) or _names_in(spaced, names)
            key = codebook.role("respondent_key")
            if not named and key is not None and key in data:  # a million keys, no regex:
                keys = data[key]  # the few equal to a stretch of the name, then the rule
                keys = keys[_found_in([stem, spaced], keys).to_numpy(zero_copy_only=False)]
                keys = _meaningful(keys, set())
                named = _names_in(stem, keys) or _names_in(spaced, keys)
    personal = named or looks_personal([stem, spaced], vocabulary=vocabulary).any()
    if not personal:
        return name
    return f"export-{sha256[:8]}" + (f".{suffix}" if suffix else "")


def contact_names(data: pd.DataFrame, codebook: Any) -> list[str]:
    """Names to scrub: the values of the contact fields (not the key) and their longer words.

    Parameters
    ----------
    data
        The raw export's table (``RawExport.data``).
    codebook
        Its codebook.
    """
    key = codebook.role("respondent_key")
    common = set(COMMON_WORDS) | _codebook_texts(codebook)
    names: list[str] = []
    for field_id in _contact_fields(codebook):
        if field_id == key or field_id not in data:
            continue
        values = _meaningful(data[field_id], common)
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
            f"parameter item={item!r} is of type {spec.type!r}; expected a free-text item "
            '(the "Other" texts of a choice item: cmmc_analysis.clean.other_text_table)'
        )
    if item not in raw.data:
        raise SurveyDataError(f"parameter item={item!r}: the export has no such column")
    return scrubbed_answers(raw, codebook, item, raw.data[item], source_rows)


def scrubbed_answers(
    raw: Any, codebook: Any, item: str, texts: pd.Series, source_rows: Iterable[int] | None
) -> pd.DataFrame:
    """The table of :func:`free_text_table` for ``texts`` (one per row of ``raw.data``)."""
    if source_rows is not None:
        texts = texts[raw.data["source_row"].isin(list(source_rows))]
    texts = texts.dropna().astype("str").str.strip()
    texts = texts[texts != ""]
    scrubbed = scrub_text(texts, names=contact_names(raw.data, codebook))
    scrubbed = scrubbed.sort_values(ignore_index=True)
    return pd.DataFrame({"item": item, "text": scrubbed}, columns=["item", "text"])


@dataclass(frozen=True)
class FreeTextSection:
    """The free-text answers of a report page, as escaped HTML (shown by a notebook)."""

    html: str

    def _repr_html_(self) -> str:
        return self.html


def free_text_section(
    survey: Any, data_path: Any = None, *, titles: Mapping[str, str] | None = None
) -> FreeTextSection:
    """Every free-text item of a survey, scrubbed and escaped, for a report that opts in.

    For each item of type ``text`` in the export: its title (escaped) and
    :func:`render_free_text` of :func:`free_text_table` over the analysed rows.

    Parameters
    ----------
    survey
        The cleaned survey (its codebook and analysed source rows are used).
    data_path
        The export it was read from (default: the bundled one).
    titles
        Item id -> the heading shown (for example the question in the page's
        language); default: the item id.
    """
    from ..io.reader import read_export
    from ..paths import DEFAULT_EXPORT

    cb = survey.codebook
    raw = read_export(data_path if data_path is not None else DEFAULT_EXPORT, codebook=cb)
    parts = []
    for item in cb.items_of_type("text"):
        if item not in raw.data:
            continue
        table = free_text_table(raw, cb, item, source_rows=survey.data["source_row"])
        question = html.escape((titles or {}).get(item, item))
        parts.append(f"<p><strong>{question}</strong> (n = {len(table)})</p>")
        parts.append(render_free_text(table))
    return FreeTextSection("\n".join(parts))


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
