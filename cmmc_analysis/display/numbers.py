"""Numbers as text in the report's language, with Babel's locale data.

The library never rounds; this module is where numbers become text, for display only.
Separators come from the Unicode CLDR through `Babel <https://babel.pocoo.org>`_:
Italian uses the decimal comma and the point for thousands ("1.234,5"), English the
reverse ("1,234.5"). Two house rules sit on top of CLDR, the same in every table,
sentence, banner and figure of a report:

- percentages: Italian puts a space before the sign ("45,3 %"), English none
  ("45.3%");
- intervals: "[low; high]" in Italian, "[low, high]" in English.

Numbers are rounded as Python formats a float (half to even on its exact binary value)
before Babel writes them, so a figure reads the same here as in ``f"{x:.2f}"``.
Counts get thousands separators; years and ids never do (``grouping=False``). Missing
values (None, NaN, ``pd.NA``) are shown as an en dash.

Examples
--------
>>> fmt_share(0.66, lang="it"), fmt_share(0.66, lang="en")
('66,0 %', '66.0%')
>>> fmt_number(3.8612, lang="it", digits=2), fmt_number(3.8612, lang="en", digits=2)
('3,86', '3.86')
>>> fmt_number(1234.567, lang="it", digits=2), fmt_number(1234.567, lang="en", digits=2)
('1.234,57', '1,234.57')
>>> fmt_int(2024, lang="it", grouping=False), fmt_int(2024, lang="it")
('2024', '2.024')
>>> fmt_p(0.0004, lang="it"), fmt_p(0.0234, lang="en")
('p < 0,001', 'p = 0.023')
>>> fmt_ci(0.40, 0.52, lang="it", share=True)
'[40,0 %; 52,0 %]'
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from typing import Any

import pandas as pd

from .i18n import check_lang

__all__ = [
    "MISSING",
    "SHARE_STATISTICS",
    "is_missing",
    "fmt_number",
    "fmt_int",
    "fmt_share",
    "fmt_p",
    "fmt_ci",
    "fmt_estimate",
    "fmt_estimate_ci",
    "grouping_of",
]

#: How a missing value is shown.
MISSING = "–"

#: Babel locale of each report language.
_LOCALES = {"it": "it_IT", "en": "en_US"}

#: Percent patterns (house rule: Italian has a space before the sign; CLDR has none).
_PERCENT = {"it": "{digits} %", "en": "{digits}%"}

#: Interval separators per language.
_CI_SEPARATOR = {"it": "; ", "en": ", "}

#: Statistics whose estimate, interval and threshold are shares (shown as percentages).
SHARE_STATISTICS = ("share", "top2", "bottom2", "proportion")


def is_missing(x: Any) -> bool:
    """True for None, ``pd.NA`` and NaN.

    >>> is_missing(None), is_missing(float("nan")), is_missing(pd.NA), is_missing(0)
    (True, True, True, False)
    """
    if x is None or x is pd.NA:
        return True
    try:
        return math.isnan(x)
    except TypeError:
        return False


@lru_cache(maxsize=64)
def _pattern(lang: str, digits: int, grouping: bool, percent: bool) -> tuple[Any, Any]:
    from babel import Locale
    from babel.numbers import parse_pattern

    body = ("#,##0" if grouping else "0") + ("." + "0" * digits if digits else "")
    if percent:
        body = _PERCENT[lang].format(digits=body)
    return parse_pattern(body), Locale.parse(_LOCALES[lang])


def _format(x: Any, *, lang: str, digits: int, grouping: bool, percent: bool) -> str:
    check_lang(lang)
    if is_missing(x):
        return MISSING
    value = float(x)
    if percent:
        value *= 100
    number = Decimal(value)  # the float's exact binary value
    if number.is_finite():
        number = number.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)
    if percent:
        number = number.scaleb(-2)  # Babel multiplies by 100 again, exactly
    pattern, locale = _pattern(lang, digits, grouping, percent)
    return pattern.apply(number, locale)


def fmt_number(x: Any, *, lang: str, digits: int = 1, grouping: bool = True) -> str:
    """A number with ``digits`` decimals and the language's separators.

    Parameters
    ----------
    x
        A number (missing values become an en dash).
    lang
        ``"it"`` or ``"en"``.
    digits
        Decimals shown.
    grouping
        Thousands separators (False for years, ids and codes).

    Examples
    --------
    >>> fmt_number(-0.5, lang="it"), fmt_number(None, lang="en"), fmt_number(1e6, lang="it", digits=0)
    ('-0,5', '–', '1.000.000')
    """
    return _format(x, lang=lang, digits=digits, grouping=grouping, percent=False)


def grouping_of(codebook: Any, item_id: Any) -> bool:
    """Whether an item's values take thousands separators: not for a numeric item whose
    codebook entry says ``format: year`` or ``format: id`` (a year is 2013, never 2,013).

    >>> from cmmc_analysis.codebook import parse_codebook
    >>> cb = parse_codebook({"survey": {"id": "t", "source_language": "en", "languages": ["en"]},
    ...     "items": [{"id": "since", "type": "numeric", "format": "year", "text": "Since?"}]})
    >>> grouping_of(cb, "since"), grouping_of(cb, "other"), fmt_number(2013.7, lang="en",
    ...     grouping=grouping_of(cb, "since"))
    (False, True, '2013.7')
    """
    items = getattr(codebook, "items", None) or {}
    item = items.get(item_id) if isinstance(item_id, str) else None
    return not (item is not None and item.type == "numeric" and item.format in ("year", "id"))


def fmt_int(x: Any, *, lang: str, grouping: bool = True) -> str:
    """A count without decimals; ``grouping=False`` for years, ids and codes.

    >>> fmt_int(1234, lang="it"), fmt_int(1234, lang="en"), fmt_int(1234, lang="en", grouping=False)
    ('1.234', '1,234', '1234')
    """
    return fmt_number(x, lang=lang, digits=0, grouping=grouping)


def fmt_share(x: Any, *, lang: str, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage: "45,3 %" in Italian, "45.3%" in English.

    >>> fmt_share(0.4534, lang="it"), fmt_share(1, lang="en", digits=0)
    ('45,3 %', '100%')
    """
    return _format(x, lang=lang, digits=digits, grouping=True, percent=True)


def fmt_p(p: Any, *, lang: str, prefix: bool = True) -> str:
    """A p-value: three decimals, or "< 0,001"; with a leading "p" unless ``prefix=False``.

    >>> fmt_p(0.05, lang="it"), fmt_p(1e-9, lang="en", prefix=False)
    ('p = 0,050', '< 0.001')
    """
    check_lang(lang)
    if is_missing(p):
        return MISSING
    if p < 0.001:
        body = f"< {fmt_number(0.001, lang=lang, digits=3)}"
    else:
        body = fmt_number(p, lang=lang, digits=3)
        body = f"= {body}" if prefix else body
    return f"p {body}" if prefix else body


def fmt_ci(low: Any, high: Any, *, lang: str, share: bool = False, digits: int = 1) -> str:
    """A confidence interval "[low; high]" (Italian) or "[low, high]" (English).

    >>> fmt_ci(3.21, 3.65, lang="en", digits=2), fmt_ci(0.2, 0.31, lang="it", share=True)
    ('[3.21, 3.65]', '[20,0 %; 31,0 %]')
    """
    one = fmt_share if share else fmt_number
    sep = _CI_SEPARATOR[check_lang(lang)]
    return f"[{one(low, lang=lang, digits=digits)}{sep}{one(high, lang=lang, digits=digits)}]"


def _decimals_needed(*values: Any) -> int:
    """Decimals (0 to 2) that show every value exactly enough: 85 -> 0, 2.5 -> 1."""
    found = 0
    for v in values:
        if is_missing(v):
            continue
        x = float(v)
        found = max(found, next((d for d in (0, 1, 2) if abs(round(x, d) - x) < 1e-9), 2))
    return found


def fmt_estimate(value: Any, statistic: Any, *, lang: str) -> str:
    """A claim's estimate or threshold in its unit: a percentage for shares, else 2 decimals
    (a quantile, an observed value, with the decimals it has: "85", not "85,00").

    >>> fmt_estimate(0.6767, "share", lang="it"), fmt_estimate(3.5421, "mean", lang="it")
    ('67,7 %', '3,54')
    >>> fmt_estimate(85.0, "quantile", lang="it"), fmt_estimate(3.5, "quantile", lang="it")
    ('85', '3,5')
    """
    if statistic in SHARE_STATISTICS:
        return fmt_share(value, lang=lang)
    if statistic == "quantile":
        return fmt_number(value, lang=lang, digits=_decimals_needed(value))
    return fmt_number(value, lang=lang, digits=2)


def fmt_estimate_ci(low: Any, high: Any, statistic: Any, *, lang: str) -> str:
    """A claim's interval in its unit (an en dash when either end is missing).

    >>> fmt_estimate_ci(0.614, 0.734, "top2", lang="en"), fmt_estimate_ci(None, 2, "mean", lang="en")
    ('[61.4%, 73.4%]', '–')
    >>> fmt_estimate_ci(75.0, 90.0, "quantile", lang="it")
    '[75; 90]'
    """
    if is_missing(low) or is_missing(high):
        return MISSING
    share = statistic in SHARE_STATISTICS
    if statistic == "quantile":
        return fmt_ci(low, high, lang=lang, digits=_decimals_needed(low, high))
    return fmt_ci(low, high, lang=lang, share=share, digits=1 if share else 2)
