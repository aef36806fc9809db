"""Result tables made ready for a page: labels, headers and numbers in its language.

The computing functions return tidy tables of ids and numbers (texts, where they give
any, in the codebook's source language); this module turns them into what a reader sees:

- :func:`with_labels` puts the page's language into a result table: its ``label``
  column (the item's text, the answer option's or the scale point's label) and its
  ``statement`` column (a claim's statement);
- :func:`format_table` writes every number as text in the page's language (shares as
  percentages, p-values, counts, decimals; see :mod:`~cmmc_analysis.display.numbers`),
  translates column headings, verdicts, directions and rule names, and shows item and
  construct texts instead of ids; :data:`VIEWS` names the columns to show for each
  result table of the library;
- :func:`format_claims` does the same for a verdict table, each claim in its own unit.

Length: over 500 lines. The table views (summary, cuts, claims, ranking, weighting, ...)
share one mechanism for headings, labels and numbers; each view is a few lines of
configuration.

Examples
--------
>>> df = pd.DataFrame({"item": ["a"], "n": [1200], "share": [0.4534], "p_value": [0.0002]})
>>> format_table(df, lang="it").data.to_dict("records")
[{'Domanda': 'a', 'n': '1.200', 'Quota': '45,3 %', 'p': '< 0,001'}]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from ..errors import ReportError
from .i18n import check_lang, t, text_or
from .numbers import (
    MISSING,
    fmt_estimate,
    fmt_estimate_ci,
    fmt_int,
    fmt_number,
    fmt_p,
    fmt_share,
    grouping_of,
    is_missing,
)

__all__ = [
    "PERCENT_COLUMNS",
    "VIEWS",
    "item_label",
    "battery_title",
    "with_labels",
    "header",
    "format_table",
    "format_claims",
]

#: Columns shown as percentages by :func:`format_table` unless told otherwise.
PERCENT_COLUMNS = ("share", "top2", "bottom2", "net")

_INT_COLUMNS = (
    "n",
    "count",
    "n_not_an_answer",
    "n_missing",
    "excluded",
    "remaining",
    "excluded_interim",
    "remaining_interim",
    "step",
    "n_interim",
    "n_final",
    "n_without",
)
_P_COLUMNS = ("p_value", "p_adjusted")
#: Columns whose values are names translated as ``"<column>.<value>"`` keys.
_TRANSLATED = ("direction", "rule", "change", "correction", "missing_rule")
#: Columns of item, construct or export-column ids, shown as texts with a codebook.
_ID_COLUMNS = ("item", "item_a", "item_b", "construct", "segment", "column")


def _is_plain_integer(name: str) -> bool:
    """Years, ids and codes: integers shown without thousands separators."""
    return name in ("year", "id", "code", "level", "rank") or name.endswith(("_year", "_id"))


_CI = ("ci_low", "ci_high")
#: Named displays of the library's result tables: (columns in order, percent columns).
VIEWS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "shares": (("label", "count", "n", "share", *_CI), _CI),
    "summary": (
        (
            "label",
            "n",
            "n_not_an_answer",
            "n_missing",
            "mean",
            "median",
            "top2",
            *_CI,
            "bottom2",
            "net",
        ),
        _CI,
    ),
    "numeric": (("item", "n", "mean", "sd", "q1", "median", "q3", *_CI), ()),
    "reliability": (
        ("construct", "n", "k", "estimate", *_CI, "omega", "missing_rule"),
        (),
    ),
    "neutral": (
        (
            "item",
            "n",
            "n_above",
            "n_below",
            "n_at_midpoint",
            "mean",
            "median",
            "statistic",
            "p_value",
            "p_adjusted",
            "effect_size",
            "direction",
            "correction",
        ),
        (),
    ),
    "share_test": (
        (
            "item",
            "n",
            "count",
            "estimate",
            *_CI,
            "threshold",
            "p_value",
            "p_adjusted",
            "direction",
            "correction",
        ),
        ("estimate", *_CI, "threshold"),
    ),
    "ranking": (("rank", "item", "n", "mean", "median", "above_all_others", "correction"), ()),
    "pairwise": (
        (
            "item_a",
            "item_b",
            "n",
            "mean_difference",
            "p_value",
            "p_adjusted",
            "effect_size",
            "direction",
        ),
        (),
    ),
    "cuts": (
        (
            "claim",
            "n_interim",
            "verdict_interim",
            "settled_interim",
            "n_final",
            "verdict_final",
            "settled_final",
            "change",
        ),
        (),
    ),
    "sensitivity": (
        (
            "claim",
            "n",
            "verdict",
            "settled",
            "n_without",
            "verdict_without",
            "settled_without",
            "changed",
        ),
        (),
    ),
    "weighting": (
        (
            "item",
            "estimate_unweighted",
            "estimate_weighted",
            "ci_low_weighted",
            "ci_high_weighted",
            "difference",
        ),
        (
            "estimate_unweighted",
            "estimate_weighted",
            "ci_low_weighted",
            "ci_high_weighted",
            "difference",
        ),
    ),
    "groups": (
        (
            "item",
            "segment",
            "statistic",
            "df",
            "p_value",
            "p_adjusted",
            "effect_size",
            "effect_size_name",
        ),
        (),
    ),
}


def item_label(codebook: Any, item_id: Any, lang: str) -> str:
    """The text of an item or construct in ``lang``; other values as they are.

    >>> from cmmc_analysis.codebook import load_codebook
    >>> item_label(load_codebook(), "org_type", "en"), item_label(None, "q1", "en")
    ('Type of organisation', 'q1')
    """
    if not isinstance(item_id, str):
        return MISSING if is_missing(item_id) else str(item_id)
    if codebook is None:
        return item_id
    if item_id in codebook.items:
        return codebook.text(item_id, lang)
    if item_id in codebook.constructs:
        return codebook.constructs[item_id].text.text(lang)
    return item_id


def battery_title(codebook: Any, key: str, lang: str) -> str:
    """A chart title naming what a battery is about (never its scale's end labels).

    ``key`` is a key of :meth:`~cmmc_analysis.codebook.Codebook.batteries`: the
    codebook's topic of the grid or scale (a grid's stem, or a lone item's text,
    without one); a scale's several items without a topic are "other questions".

    >>> from cmmc_analysis.codebook import load_codebook
    >>> battery_title(load_codebook(), "scale:change5", "it")
    'Uso dei canali digitali da parte dei clienti'
    """
    title = codebook.battery_title(key, lang)
    if title:
        return title
    return t("fig.other_questions", lang, n=fmt_int(len(codebook.batteries()[key]), lang=lang))


def _scale_point(codebook: Any, item: str, code: Any, lang: str) -> str:
    """The label of scale point ``code`` (1..k) of ``item``; not-an-answer when missing."""
    scale = codebook.scale_of(item)
    if is_missing(code):
        return " / ".join(scale.na_labels(lang)) or "not_an_answer"
    return scale.labels(lang)[int(code) - 1]


def with_labels(
    table: pd.DataFrame, codebook: Any, lang: str, *, claims: Any = None
) -> pd.DataFrame:
    """A copy of a result table with its texts in ``lang``.

    The computing functions return ids and canonical values, and texts (where they give
    any) in the codebook's source language; this puts the page's language in:

    - ``label`` (not for a verdict table, whose ``item`` lists several ids): for a
      table with ``item`` and ``option`` (``choice_summary``), the
      option's label; with ``item``, ``code`` and ``is_not_an_answer``
      (``distribution``), the scale point's label (the not-an-answer labels joined by
      " / " on the not-an-answer row); otherwise with ``item`` (``likert_summary``,
      ``reliability_table``, tests), the item's or construct's text. An existing
      ``label`` column is replaced in place, a missing one is added after the column
      it labels;
    - ``statement``: with ``claims`` (a :class:`~cmmc_analysis.claims.spec.ClaimSet`)
      and a ``claim`` column, each claim's statement (replaced in place, or added after
      ``claim``).

    Ids and numbers are left as they are; the input is not changed.

    Parameters
    ----------
    table
        A result table of the library.
    codebook
        The survey's :class:`~cmmc_analysis.codebook.Codebook`.
    lang
        ``"it"`` or ``"en"``.
    claims
        The claims, for the ``statement`` column of a verdict table.

    Examples
    --------
    >>> from cmmc_analysis.codebook import load_codebook
    >>> cb = load_codebook()
    >>> tab = pd.DataFrame({"item": ["tech_cloud"] * 2, "level": ["Molto d'accordo", "Non so"],
    ...                     "code": pd.array([5, None], dtype="Int64"),
    ...                     "is_not_an_answer": [False, True], "count": [4, 1]})
    >>> with_labels(tab, cb, "en")[["label", "count"]].to_dict("list")
    {'label': ['Strongly agree', "Don't know"], 'count': [4, 1]}
    >>> with_labels(pd.DataFrame({"item": ["org_type"], "n": [12]}), cb, "en")["label"].tolist()
    ['Type of organisation']
    """
    check_lang(lang)
    out = table.copy()
    columns = set(out.columns)
    if "item" in columns and "claim" not in columns:
        if "option" in columns:
            labels = [
                codebook.translate(i, o, lang) if isinstance(o, str) else MISSING
                for i, o in zip(out["item"], out["option"], strict=True)
            ]
            after = "option"
        elif {"code", "is_not_an_answer"} <= columns:
            labels = [
                _scale_point(codebook, i, c, lang)
                for i, c in zip(out["item"], out["code"], strict=True)
            ]
            after = "code"
        else:
            labels = [item_label(codebook, i, lang) for i in out["item"]]
            after = "item"
        _put(out, "label", labels, after)
    if claims is not None and "claim" in columns:
        _put(out, "statement", [claims.get(c).text(lang) for c in out["claim"]], "claim")
    return out


def _put(table: pd.DataFrame, column: str, values: list[Any], after: str) -> None:
    if column in table:
        table[column] = values
    else:
        table.insert(table.columns.get_loc(after) + 1, column, values)


def header(column: str, lang: str) -> str:
    """The heading of a result column in ``lang`` (the column name when it has none).

    >>> header("p_adjusted", "it"), header("custom", "it")
    ('p corretto', 'custom')
    """
    return text_or(f"col.{column}", lang, column)


def format_table(
    table: pd.DataFrame,
    *,
    lang: str,
    codebook: Any = None,
    percent: Iterable[str] | None = None,
    digits: int = 2,
    columns: Sequence[str] | None = None,
    view: str | None = None,
) -> pd.io.formats.style.Styler:
    """A result table ready for display: numbers as text in ``lang``, headers translated.

    Shares (``share``, ``top2``, ``bottom2``, ``net`` and the columns in ``percent``)
    become percentages with one decimal; ``p_value`` / ``p_adjusted`` become "< 0,001"
    or three decimals; counts become integers; other numbers get ``digits`` decimals;
    years, ids and codes (``year``, ``*_id``, ``code``, ``level``, ``rank``) have no
    thousands separators; booleans become yes/no; ``verdict`` and ``direction`` values and ``rule`` names are
    translated; with a codebook, item and construct ids become their texts and a
    ``label`` column is put in ``lang`` (as :func:`with_labels` does). The input is not
    changed.

    Parameters
    ----------
    table
        Any result table of the library.
    lang
        ``"it"`` or ``"en"``.
    codebook
        Optional :class:`~cmmc_analysis.codebook.Codebook` for item and construct texts
        and the ``label`` column.
    percent
        Further columns to show as percentages (e.g. ``["estimate", "ci_low", "ci_high"]``
        for a table of shares).
    digits
        Decimals of other floating-point columns.
    columns
        The columns to keep, in order (default: all).
    view
        A name in :data:`VIEWS` giving ``columns`` and ``percent`` for a result table
        of the library (``"summary"``, ``"neutral"``, ``"pairwise"``, ...).

    Returns
    -------
    pandas.io.formats.style.Styler
        Its ``data`` holds the text cells; the index is hidden.

    Examples
    --------
    >>> df = pd.DataFrame({"item": ["a"], "n": [120], "share": [0.4534], "p_value": [0.0002]})
    >>> format_table(df, lang="it").data.to_dict("records")
    [{'Domanda': 'a', 'n': '120', 'Quota': '45,3 %', 'p': '< 0,001'}]
    """
    check_lang(lang)
    if view is not None:
        if view not in VIEWS:
            raise ReportError(
                f"parameter view: unknown view {view!r}; expected one of {sorted(VIEWS)}"
            )
        columns, view_percent = VIEWS[view]
        percent = [*view_percent, *(percent or ())]
    if codebook is not None and "label" in table:
        table = with_labels(table, codebook, lang)
    df = table.loc[:, list(columns)] if columns is not None else table
    pct = set(PERCENT_COLUMNS) | set(percent or ())
    points = _POINTS.get(view or "", ())
    plain = _plain_rows(df, codebook)
    out = {}
    for col in df.columns:
        s = df[col]
        name = str(col)
        if name in points:
            out[col] = s.map(lambda x: _points(x, lang))
        elif name in pct:
            out[col] = s.map(lambda x: fmt_share(x, lang=lang))
        elif name in _P_COLUMNS:
            out[col] = s.map(lambda x: fmt_p(x, lang=lang, prefix=False))
        elif pd.api.types.is_bool_dtype(s):
            out[col] = s.map(lambda x: MISSING if is_missing(x) else t("yes" if x else "no", lang))
        elif pd.api.types.is_integer_dtype(s) or (
            name in _INT_COLUMNS and pd.api.types.is_numeric_dtype(s)
        ):
            grouping = not _is_plain_integer(name)
            out[col] = s.map(lambda x, g=grouping: fmt_int(x, lang=lang, grouping=g))
            if plain.any() and name not in _INT_COLUMNS:
                out[col] = out[col].where(
                    ~plain, s.map(lambda x: fmt_int(x, lang=lang, grouping=False))
                )
        elif pd.api.types.is_float_dtype(s):
            out[col] = s.map(lambda x: fmt_number(x, lang=lang, digits=digits))
            if plain.any():
                out[col] = out[col].where(
                    ~plain, s.map(lambda x: fmt_number(x, lang=lang, digits=digits, grouping=False))
                )
        elif name.startswith("verdict") or name in _TRANSLATED:
            prefix = "verdict" if name.startswith("verdict") else name
            out[col] = s.map(lambda x, p=prefix: _words(p, x, lang))
        elif name in _ID_COLUMNS and codebook is not None:
            out[col] = s.map(lambda x: item_label(codebook, x, lang))
        else:
            out[col] = s.map(lambda x: MISSING if is_missing(x) else str(x))
    shown = pd.DataFrame(out, index=df.index).rename(columns=lambda c: header(str(c), lang))
    return _styled(shown.reset_index(drop=True))


#: Differences of shares shown in percentage points, by view.
_POINTS = {"weighting": ("difference",)}


def _points(x: Any, lang: str) -> str:
    """A difference of two shares in percentage points, with a true minus sign.

    >>> _points(-0.0512, "it"), _points(0.016, "en")
    ('−5,1 punti', '+1.6 points')
    """
    if is_missing(x):
        return MISSING
    value = fmt_number(100 * abs(float(x)), lang=lang, digits=1)
    sign = "−" if x < 0 and value.strip("0,.") else "+"
    return sign + t("margins.unit_share", lang, value=value)


def _words(prefix: str, value: Any, lang: str) -> str:
    """A name of the library (a verdict, direction, rule, change...) in words.

    A change of verdict (``compare_cuts``' ``"V1 -> V2"``) names both verdicts.

    >>> _words("change", "not supported -> supported", "it")
    'da non confermata a confermata'
    >>> _words("change", "settled at the close", "en"), _words("verdict", None, "en")
    ('settled at the close', '–')
    """
    if not isinstance(value, str):
        return MISSING
    if prefix == "change" and " -> " in value:
        before, _, after = value.partition(" -> ")
        return t(
            "change.verdict",
            lang,
            before=text_or(f"verdict.{before}", lang, before),
            after=text_or(f"verdict.{after}", lang, after),
        )
    return text_or(f"{prefix}.{value}", lang, value)


def _plain_rows(df: pd.DataFrame, codebook: Any) -> pd.Series:
    """Rows about a numeric item with ``format: year`` or ``id`` (no thousands separators)."""
    if codebook is None or "item" not in df:
        return pd.Series(False, index=df.index)
    return df["item"].map(lambda i: not grouping_of(codebook, i)).astype(bool)


def _styled(shown: pd.DataFrame) -> pd.io.formats.style.Styler:
    """Hide the index; long text columns wrap (left-aligned), short cells do not break."""
    long = (
        [c for c in shown.columns if shown[c].astype(str).str.len().max() > 24]
        if len(shown)
        else []
    )
    styler = shown.style.format(escape="html").format_index(escape="html", axis=1)
    styler = styler.hide(axis="index").set_properties(**{"white-space": "nowrap"})
    if long:
        styler = styler.set_properties(
            subset=long, **{"white-space": "normal", "min-width": "12em", "text-align": "left"}
        )
    return styler


def format_claims(
    verdicts: pd.DataFrame,
    *,
    lang: str,
    columns: Sequence[str] = (
        "claim",
        "cut",
        "n",
        "estimate",
        "ci",
        "threshold",
        "p_adjusted",
        "verdict",
        "settled",
    ),
) -> pd.io.formats.style.Styler:
    """A verdict table for display: each estimate in its own unit (shares as percentages).

    ``estimate``, ``threshold`` and the interval (shown as one ``ci`` column) are
    percentages for share statistics and numbers with two decimals otherwise; ``cut``
    values ``interim`` / ``final`` are translated; the rest as in :func:`format_table`.

    Parameters
    ----------
    verdicts
        The table of :func:`cmmc_analysis.claims.evaluate.evaluate_claims` (or ``evaluate_cuts``):
        ``claim``, ``statistic``, ``estimate``, ``ci_low``, ``ci_high``, ``threshold``, ...
    lang
        ``"it"`` or ``"en"``.
    columns
        Columns to show, in order (``ci`` is built from ``ci_low`` and ``ci_high``).

    Examples
    --------
    >>> v = pd.DataFrame({"claim": ["S1", "S6"], "statistic": ["share", "quantile"],
    ...     "n": [232, 175], "estimate": [0.6767, 85.0], "ci_low": [0.614, 80.0],
    ...     "ci_high": [0.734, 90.0], "threshold": [0.667, 75.0], "verdict": ["supported"] * 2})
    >>> format_claims(v, lang="it", columns=["claim", "estimate", "ci", "threshold", "verdict"]).data.iloc[0].tolist()
    ['S1', '67,7 %', '[61,4 %; 73,4 %]', '66,7 %', 'confermata']
    >>> format_claims(v, lang="en", columns=["estimate", "ci"]).data.iloc[1].tolist()
    ['85', '[80, 90]']
    """
    check_lang(lang)
    table = verdicts.reset_index(drop=True)
    stat = table["statistic"] if "statistic" in table else pd.Series(None, index=table.index)
    shown = {}
    for col in columns:
        if col in ("estimate", "threshold"):
            shown[col] = [
                fmt_estimate(v, s, lang=lang) for v, s in zip(table[col], stat, strict=True)
            ]
        elif col == "ci":
            shown[col] = [
                fmt_estimate_ci(r.get("ci_low"), r.get("ci_high"), r.get("statistic"), lang=lang)
                for r in table.to_dict("records")
            ]
        elif col == "cut":
            shown[col] = table[col].map(lambda c: text_or(c, lang, c) if isinstance(c, str) else c)
        elif col in table:
            shown[col] = table[col]
    plain = pd.DataFrame(shown)
    text_cols = [c for c in ("estimate", "threshold", "ci", "cut") if c in plain]
    formatted = format_table(plain.drop(columns=text_cols), lang=lang).data
    out = {
        header(col, lang): plain[col].astype(str)
        if col in text_cols
        else formatted[header(col, lang)]
        for col in plain.columns
    }
    return _styled(pd.DataFrame(out))
