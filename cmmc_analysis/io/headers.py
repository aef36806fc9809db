"""Headers of an export matched to the codebook's items.

A header matches an item by id or by question text, tolerant of case, spacing,
typographic quotes, accents and trailing punctuation (:func:`normalise_text`);
what matches nothing is reported once, with an item suggested only when it is close.

Examples
--------
>>> normalise_text("  L’emergenza  CAMBIA ")
"l'emergenza cambia"
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from ..codebook import Codebook
from ..errors import ExportError
from .layout import header_aliases

__all__ = ["normalise_text", "map_headers"]

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
    }
)
_SPACES = re.compile(r"\s+")
_PUNCT_SPACE = re.compile(r"\s+([?:!.,;])")
_TRAILING = re.compile(r"[\s?:.!]+$")
_BRACKETS = re.compile(r"\s*([\[\]])\s*")


def normalise_text(text: str) -> str:
    """The comparison key of a label or header.

    NFC, typographic quotes and apostrophes to ASCII, compatibility forms (``…`` to
    ``...``), accents stripped, case folded, inner spaces collapsed, ends stripped,
    no spaces around the brackets of a grid header.

    >>> normalise_text("  Molto  D’ACCORDO ")
    "molto d'accordo"
    >>> normalise_text("Né d'accordo") == normalise_text("Ne d'accordo")
    True
    >>> normalise_text("Effetto su… [ costi ]")
    'effetto su...[costi]'
    """
    text = unicodedata.normalize("NFKD", text.translate(_QUOTES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _SPACES.sub(" ", text.casefold()).strip()
    return _BRACKETS.sub(r"\1", text)


def _header_key(text: str) -> str:
    """:func:`normalise_text` without spaces before or punctuation at the end."""
    return _TRAILING.sub("", _PUNCT_SPACE.sub(r"\1", normalise_text(text)))


# --- header mapping -------------------------------------------------------------------


def map_headers(
    headers: Sequence[str],
    codebook: Codebook,
    *,
    path: str | Path | None = None,
    warnings: list[str] | None = None,
) -> tuple[dict[str, str], list[str]]:
    """Match raw headers to item ids: (item id -> header, unmatched headers).

    A header matches an item when it equals the item's id or its header text in any
    language of the codebook, compared with :func:`normalise_text` (a ``Stem - Row``
    header is also read as ``Stem [Row]``). The option columns of a multiple-choice
    item exported one column per option (``layout: columns``) are matched by
    :func:`_option_columns` and are not extra columns. Extra columns are reported in
    one warning; an item is suggested only for an extra column close to its header.

    Raises
    ------
    ExportError
        A header appears twice, or a required item has no column (the message names
        the item and the closest headers found).

    Examples
    --------
    >>> from cmmc_analysis.codebook import load_codebook
    >>> cb = load_codebook()
    >>> found, extra = map_headers(["role", "QUAL E IL SUO RUOLO ?", "x"], cb)
    Traceback (most recent call last):
    ...
    cmmc_analysis.errors.ExportError: column 'QUAL E IL SUO RUOLO ?': ...
    """
    keys: dict[str, str] = {}
    for item_id in codebook.items:
        keys.setdefault(_header_key(item_id), item_id)
        for lang in codebook.languages:
            keys.setdefault(_header_key(codebook.header(item_id, lang)), item_id)
    found: dict[str, str] = {}
    extras: list[str] = []
    seen: dict[str, str] = {}
    options = _option_columns(headers, codebook)
    consumed = {h for columns in options.values() for h in columns.values()}
    for position, header in enumerate(headers, start=1):
        norm = _header_key(header)
        if not norm:
            if warnings is not None:
                warnings.append(f"column {position} has no header and is ignored")
            continue
        if norm in seen:
            raise ExportError(
                f"the header appears twice (as {seen[norm]!r} and {header!r}); "
                "expected each column once",
                path=path,
                column=repr(header),
            )
        seen[norm] = header
        if header in consumed:
            continue
        item_id = keys.get(norm)
        if item_id is None:
            aliases = (keys.get(_header_key(a)) for a in header_aliases(header))
            item_id = next((i for i in aliases if i is not None), None)
        if item_id is None:
            extras.append(header)
        elif item_id in found:
            raise ExportError(
                f"item {item_id!r} has two columns ({found[item_id]!r} and {header!r}); "
                "expected each item once",
                path=path,
                column=repr(header),
            )
        else:
            found[item_id] = header
    by_norm = {_header_key(h): h for h in extras}
    missing = [
        i for i, it in codebook.items.items() if it.required and i not in found and i not in options
    ]
    if missing:
        parts = []
        for item_id in missing:
            target = _header_key(codebook.header(item_id))
            close = [
                by_norm[m] for m in difflib.get_close_matches(target, by_norm, n=3, cutoff=0.4)
            ]
            parts.append(
                f"{item_id!r} ({codebook.header(item_id)!r}; closest headers found: {close})"
            )
        raise ExportError(
            f"required column{'s' if len(missing) > 1 else ''} missing: {'; '.join(parts)}; "
            "expected a column for each required item of the codebook",
            path=path,
        )
    if warnings is not None and extras:
        warnings.extend(_extra_column_warnings(extras, codebook, set(found) | set(options)))
    ordered = {i: found[i] for i in codebook.items if i in found}
    return ordered, extras


def _extra_column_warnings(extras: Sequence[str], codebook: Codebook, found: set[str]) -> list[str]:
    """One warning listing the extra columns, and one per extra column that looks like an item.

    Only close matches are suggested (an item whose column is missing, header similarity
    at least 0.8): a list of unrelated "closest items" helps nobody.
    """
    shown = ", ".join(repr(h) for h in extras[:8])
    more = f" and {len(extras) - 8} more" if len(extras) > 8 else ""
    if len(extras) == 1:
        out = [f"extra column {extras[0]!r} matches no codebook item and is ignored"]
    else:
        out = [f"{len(extras)} extra columns match no codebook item and are ignored: {shown}{more}"]
    unmatched = [i for i in codebook.items if i not in found]
    targets = {
        _header_key(codebook.header(i, lang)): i for i in unmatched for lang in codebook.languages
    }
    targets.update({_header_key(i): i for i in unmatched})
    for header in extras:
        close = difflib.get_close_matches(_header_key(header), targets, n=1, cutoff=0.8)
        if close:
            item_id = targets[close[0]]
            out.append(
                f"extra column {header!r} looks like item {item_id!r} "
                f"({codebook.header(item_id)!r}); check the codebook's text"
            )
    return out


def _option_columns(headers: Sequence[str], codebook: Codebook) -> dict[str, dict[str, str]]:
    """The columns of multiple-choice items exported one column per option.

    For each item with ``layout: columns``, option code -> header. A column matches an
    option as ``question [option]`` (in any language of the codebook, ``question -
    option`` too), ``id_code``, ``id[code]`` or ``id.code``.

    >>> from cmmc_analysis.codebook import parse_codebook
    >>> cb = parse_codebook({"survey": {"languages": ["en"], "source_language": "en"},
    ...     "items": [{"id": "perks", "type": "multi", "layout": "columns", "text": "Perks?",
    ...                "options": [{"code": "gym", "en": "Gym"}, {"code": "food", "en": "Food"}]}]})
    >>> _option_columns(["Perks? [Gym]", "perks_food", "Other"], cb)
    {'perks': {'gym': 'Perks? [Gym]', 'food': 'perks_food'}}
    """
    keys: dict[str, tuple[str, str]] = {}
    for item in codebook.items.values():
        if item.type != "multi" or getattr(item, "layout", "joined") != "columns":
            continue
        for option in item.options:
            names = [
                f"{item.id}_{option.code}",
                f"{item.id}[{option.code}]",
                f"{item.id}.{option.code}",
            ]
            names += [
                f"{codebook.header(item.id, lang)} [{option.text(lang)}]"
                for lang in codebook.languages
            ]
            for name in names:
                keys.setdefault(_header_key(name), (item.id, str(option.code)))
    out: dict[str, dict[str, str]] = {}
    if not keys:
        return out
    for header in headers:
        for key in [_header_key(header), *map(_header_key, header_aliases(header))]:
            if key in keys:
                item_id, code = keys[key]
                out.setdefault(item_id, {}).setdefault(code, header)
                break
    return out
