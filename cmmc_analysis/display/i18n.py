"""The report's languages and its interface strings.

The one translation system of the package: every heading, column header, figure label
and generic sentence the reader sees is a key of :data:`STRINGS` (loaded from
``strings.yaml`` beside this module, one mapping per language with the same keys and
placeholders), looked up with :func:`t`. Texts of the survey itself (questions, answer
options, statements) come from the codebook and the claims file, in the language asked.

Examples
--------
>>> t("yes", "en"), t("yes", "it")
('yes', 'sì')
>>> t("fig.n_label", "it", n=12)
'n = 12'
>>> text_or("verdict.supported", "it", "supported"), text_or("verdict.maybe", "it", "maybe")
('confermata', 'maybe')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ReportError

__all__ = ["LANGUAGES", "STRINGS", "check_lang", "t", "text_or"]

#: The languages a report can be written in.
LANGUAGES = ("it", "en")


def _load_strings() -> dict[str, dict[str, str]]:
    import yaml

    path = Path(__file__).resolve().parent / "strings.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


#: Interface strings per language, from ``strings.yaml`` (same keys in every language).
STRINGS: dict[str, dict[str, str]] = _load_strings()


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a report language, else raise :class:`ReportError`.

    >>> check_lang("en")
    'en'
    """
    if lang not in LANGUAGES:
        raise ReportError(
            f"parameter lang: unknown language {lang!r}; expected one of {list(LANGUAGES)}"
        )
    return lang


def t(key: str, lang: str, /, **values: Any) -> str:
    """The interface string ``key`` in ``lang``, with ``{placeholders}`` filled.

    Parameters
    ----------
    key
        A key of :data:`STRINGS` (``"nb01.flow"``, ``"col.p_value"``, ...).
    lang
        ``"it"`` or ``"en"``.
    **values
        Values for the placeholders (already formatted for the language).

    Raises
    ------
    ReportError
        For an unknown language or key (naming the closest keys).

    Examples
    --------
    >>> t("fig.n_label", "en", n="1,234")
    'n = 1,234'
    """
    table = STRINGS[check_lang(lang)]
    if key not in table:
        import difflib

        close = difflib.get_close_matches(key, list(table), n=3)
        raise ReportError(f"unknown text key {key!r} for language {lang!r}; closest: {close}")
    text = table[key]
    return text.format(**values) if values else text


def text_or(key: str, lang: str, default: str) -> str:
    """The interface string ``key`` in ``lang``, or ``default`` when there is none.

    For values that have a translation only when the package knows them (a verdict, a
    cleaning rule, a column header): an unknown one is shown as it is.

    >>> text_or("col.p_adjusted", "en", "p_adjusted"), text_or("col.xyz", "en", "xyz")
    ('p adjusted', 'xyz')
    """
    return STRINGS[check_lang(lang)].get(key, default)
