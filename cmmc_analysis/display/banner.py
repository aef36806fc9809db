"""A computed banner as a table for a page: labels, bases and numbers in its language.

:func:`cmmc_analysis.banner.banner` computes the cells (ids, shares, means, letters);
:func:`format_banner` lays them out as SPSS Custom Tables do: rows item x level (plus a
base row per item), columns segment x group with the column letter and base in the
header, cells "66,0 % B" (column percentage or mean, then the letters of the columns it
is significantly higher than). Numbers are written by
:mod:`~cmmc_analysis.display.numbers`, like every other table of the page: an Italian
banner shows "66,0 %" and "3,86", an English one "66.0%" and "3.86". Low-base columns
are greyed and marked ``†``; suppressed cells show ``–``; the caption says whether the
figures are weighted and how the letters were computed.

Examples
--------
>>> from cmmc_analysis.banner import banner
>>> from cmmc_analysis.codebook import load_codebook
>>> from cmmc_analysis.survey import Survey
>>> cb = load_codebook()
>>> pts, kinds = cb.scale_of("org_models").labels(), cb.labels("org_type")[:2]
>>> data = pd.DataFrame(
...     {"org_models": pd.Categorical([pts[4]] * 40 + [pts[0]] * 20 + [pts[4]] * 15 + [pts[0]] * 45,
...                                   categories=pts, ordered=True),
...      "org_type": pd.Categorical([kinds[0]] * 60 + [kinds[1]] * 60, categories=kinds)},
...     index=pd.Index([f"r{i}" for i in range(120)], name="respondent_id"))
>>> b = banner(Survey(data=data, missing=pd.DataFrame(index=data.index), codebook=cb),
...            ["org_models"], ["org_type"], stat="top2")
>>> format_banner(b, lang="it").data.iloc[1].tolist()
['45,8 %', '66,7 % B', '25,0 %']
>>> format_banner(b, lang="en").data.iloc[1].tolist()
['45.8%', '66.7% B', '25.0%']
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from ..io.cells import neutralise_formulas
from .i18n import check_lang, t, text_or
from .numbers import fmt_int, fmt_number, fmt_share
from .tables import item_label

if TYPE_CHECKING:
    from ..banner import Banner
    from ..codebook import Codebook

__all__ = ["format_banner"]

#: Marks of a low-base column and of a suppressed cell.
LOW_BASE_MARK = "†"
SUPPRESSED_MARK = "–"
_TOTAL = "Total"  # the id of the total column (cmmc_analysis.banner.TOTAL)


def format_banner(b: Banner, *, lang: str, spreadsheet: bool = False) -> Styler:
    """The banner as a pandas Styler, readable without explanation, in ``lang``.

    Parameters
    ----------
    b
        A :class:`~cmmc_analysis.banner.Banner`.
    lang
        ``"it"`` or ``"en"``.
    spreadsheet
        For :meth:`~cmmc_analysis.banner.Banner.to_excel`: texts are kept from starting
        a formula (:func:`cmmc_analysis.io.cells.neutralise_formulas`) instead of being
        HTML-escaped (the default: codebook texts never become markup).

    Returns
    -------
    pandas.io.formats.style.Styler
        Its ``data`` holds the text cells (index: item, level; columns: segment, group).
    """
    check_lang(lang)
    display = _display_frame(b, lang)
    if spreadsheet:
        display = neutralise_formulas(display)
        styler = display.style.set_caption(_caption(b, lang))
    else:
        styler = display.style.format(escape="html").set_caption(html.escape(_caption(b, lang)))
        styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    low_cols = [c for c in display.columns if c[1].endswith(LOW_BASE_MARK)]
    styler = styler.set_table_styles(
        [
            {"selector": "caption", "props": "caption-side: bottom; text-align: left;"},
            {"selector": "th.col_heading", "props": "text-align: center;"},
            {"selector": "td", "props": "text-align: right; padding: 0 0.6em;"},
        ]
    )
    if low_cols:
        styler = styler.map(lambda _: "color: #777777; font-style: italic;", subset=low_cols)
    return styler


def _label(cb: Codebook, var: str, label: str, lang: str) -> str:
    if label in ("top2", "mean"):
        return t(f"banner.{label}", lang)
    try:
        return cb.translate(var, label, lang)
    except Exception:  # a variable outside the codebook: show the label as it is
        return label


def _column_keys(b: Banner, lang: str) -> dict[tuple[str, str], tuple[str, str]]:
    keys = {}
    for r in b.bases.itertuples(index=False):
        if r.n == 0:  # a group nobody is in: no column
            continue
        if r.segment == _TOTAL:
            top = name = t("banner.total", lang)
        else:
            top = item_label(b.codebook, r.segment, lang)
            name = f"{_label(b.codebook, r.segment, r.group, lang)} ({r.letter})"
        mark = LOW_BASE_MARK if r.low_base else ""
        base = f"n<{b.k}" if getattr(r, "n_suppressed", False) else f"n={fmt_int(r.n, lang=lang)}"
        keys[(r.segment, r.group)] = (top, f"{name} {base}{mark}")
    return keys


def _display_frame(b: Banner, lang: str) -> pd.DataFrame:
    keys = _column_keys(b, lang)
    t_ = b.table[[k in keys for k in zip(b.table["segment"], b.table["group"], strict=True)]]
    t_ = t_.reset_index(drop=True)
    if b.stat == "mean":
        value = t_["mean"].map(lambda v: fmt_number(v, lang=lang, digits=2), na_action="ignore")
    else:
        value = t_["share"].map(lambda v: fmt_share(v, lang=lang), na_action="ignore")
    text = (value.fillna("") + " " + t_["sig_letters"]).str.strip()
    why = t_["suppressed"].fillna("")
    blank = t_["estimate"].isna() & (why != "")
    low_only = f"n < {b.min_base}"  # any other reason is a small cell
    small_cell = why.map(lambda r: any(x not in ("", low_only) for x in r.split("; ")))
    text = text.mask(blank, np.where(small_cell, SUPPRESSED_MARK, LOW_BASE_MARK))
    text = text.where(t_["n"].isna() | (t_["n"] > 0), "")
    cols = pd.MultiIndex.from_tuples(
        [keys[(s, g)] for s, g in zip(t_["segment"], t_["group"], strict=True)]
    )
    items = [item_label(b.codebook, i, lang) for i in t_["item"]]
    levels = [
        _label(b.codebook, i, lev, lang) for i, lev in zip(t_["item"], t_["level"], strict=True)
    ]
    long = pd.DataFrame(
        {"item": items, "level": levels, "col": list(cols), "text": text.to_numpy()}
    )
    base_label = t("banner.base", lang)
    firsts = long.drop_duplicates(["item", "col"])
    base = firsts.assign(
        level=base_label,
        text=[
            f"<{b.k}"
            if np.isnan(n)
            else f"{fmt_int(n, lang=lang)}{LOW_BASE_MARK if n < b.min_base else ''}"
            for n in t_.loc[firsts.index, "n"]
        ],
    )
    both = pd.concat([base, long], ignore_index=True)
    order_items = list(dict.fromkeys(items))
    order_levels = list(dict.fromkeys([base_label, *levels]))
    wide = both.pivot(index=["item", "level"], columns="col", values="text")
    wide = wide.reindex(
        pd.MultiIndex.from_product([order_items, order_levels]).intersection(wide.index, sort=False)
    )
    wide.columns = pd.MultiIndex.from_tuples(wide.columns)
    wide = wide[list(dict.fromkeys(keys.values()))]
    wide.index.names = [None, None]
    return wide.fillna("")


def _decimals(x: float) -> int:
    """Decimals needed to show a significance level (0.05 -> 2, 0.001 -> 3)."""
    text = f"{x:f}".rstrip("0")
    return max(len(text.split(".")[1]) if "." in text else 0, 2)


def _caption(b: Banner, lang: str) -> str:
    return t(
        "banner.caption",
        lang,
        what=t("banner.what_mean" if b.stat == "mean" else "banner.what_share", lang),
        weighted=t("banner.weighted" if b.weighted else "banner.unweighted", lang),
        test=t("banner.ttest" if b.stat == "mean" else "banner.ztest", lang),
        correction=text_or(f"correction.{b.correction}", lang, str(b.correction)),
        alpha=fmt_number(b.alpha, lang=lang, digits=_decimals(b.alpha)),
        low=LOW_BASE_MARK,
        min_base=fmt_int(b.min_base, lang=lang),
        sup=SUPPRESSED_MARK,
        k=fmt_int(b.k, lang=lang),
    )
