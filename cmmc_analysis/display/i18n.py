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

import re
from pathlib import Path
from typing import Any

from ..errors import ReportError

__all__ = ["LANGUAGES", "STRINGS", "check_lang", "t", "text_or", "use_survey_texts"]

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
        A key of :data:`STRINGS` (``"nb01.flow_text"``, ``"col.p_value"``, ...).
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
    >>> t("words.on_date", "it", date="8 maggio 2023"), t("words.on_date", "it", date="18 marzo")
    ("all'8 maggio 2023", 'al 18 marzo')
    """
    table = STRINGS[check_lang(lang)]
    own = _SURVEY_TEXTS.get(key, {}).get(lang)
    if own is not None:
        return own.format(**values) if values else own
    if key not in table:
        import difflib

        close = difflib.get_close_matches(key, list(table), n=3)
        raise ReportError(f"unknown text key {key!r} for language {lang!r}; closest: {close}")
    text = table[key]
    if not values:
        return text
    text = text.format(**values)
    return _ELIDED.sub(r"\1ll'\2", text) if lang == "it" else text


#: Italian elides "al", "del", "dal" before a number read with a vowel ("all'8 maggio",
#: "dell'11 %"); a filled-in number would otherwise read "al 8 maggio".
_ELIDED = re.compile(r"\b([Aa]|[Dd]a|[Dd]e)l (8|11)(?!\d)")


def text_or(key: str, lang: str, default: str) -> str:
    """The interface string ``key`` in ``lang``, or ``default`` when there is none.

    For values that have a translation only when the package knows them (a verdict, a
    cleaning rule, a column header): an unknown one is shown as it is.

    >>> text_or("col.p_adjusted", "en", "p_adjusted"), text_or("col.xyz", "en", "xyz")
    ('p adjusted', 'xyz')
    """
    own = _SURVEY_TEXTS.get(key, {}).get(lang)
    return own if own is not None else STRINGS[check_lang(lang)].get(key, default)


#: The survey's own wording, key -> {lang: text}; see :func:`use_survey_texts`.
_SURVEY_TEXTS: dict[str, dict[str, str]] = {}


def use_survey_texts(*sources: Any) -> None:
    """Let a survey's own wording replace the generic strings of the same key.

    The package's strings are generic; what is specific to one survey (the
    publication whose findings are checked, its date, the reading of "interim")
    lives in the survey's files: the codebook's ``survey.texts`` and the claims
    file's ``texts``. Call this once per notebook (or report) with the codebook and
    the claim set (None is skipped); later sources win. Each call replaces what an
    earlier call set; ``use_survey_texts()`` goes back to the generic strings.

    Raises
    ------
    ReportError
        A text key that the package does not know (naming the file and the closest
        keys), or a text using a ``{placeholder}`` the generic one does not have.

    Examples
    --------
    >>> from cmmc_analysis.codebook import load_codebook
    >>> use_survey_texts(load_codebook())
    >>> t("change.settled at the interim", "en")
    'settled on 18 March already'
    >>> use_survey_texts()
    >>> t("change.settled at the interim", "en")
    'settled at the interim already'
    """
    import difflib
    import string

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    merged: dict[str, dict[str, str]] = {}
    for source in sources:
        if source is None:
            continue
        texts = source.survey_texts() if hasattr(source, "survey_texts") else source.texts
        name = getattr(getattr(source, "path", None), "name", None) or "survey texts"
        for key, by_lang in texts.items():
            if key not in STRINGS["en"]:
                close = difflib.get_close_matches(key, list(STRINGS["en"]), n=3)
                raise ReportError(f"{name}: unknown text key {key!r}; closest: {close}")
            for lang, text in by_lang.items():
                extra = fields(text) - fields(STRINGS["en"][key])
                if extra:
                    raise ReportError(
                        f"{name}: text {key!r} ({lang}) uses placeholders {sorted(extra)}; "
                        f"expected only {sorted(fields(STRINGS['en'][key]))}"
                    )
            merged.setdefault(key, {}).update(by_lang)
    _SURVEY_TEXTS.clear()
    _SURVEY_TEXTS.update(merged)
