"""Numbers and texts in the report's language (Italian or English).

The library never rounds; this module is where numbers become text, for display in
notebooks and reports only. Italian uses the decimal comma, the point as thousands
separator and a space before the percent sign ("45,3 %"); English uses "45.3%".
User-interface strings (headings, narrative fragments, column headers) live in
:data:`STRINGS`, one dict per language, looked up with :func:`t`.

Examples
--------
>>> fmt_share(0.453, lang="it"), fmt_share(0.453, lang="en")
('45,3 %', '45.3%')
>>> fmt_number(1234.567, lang="it", digits=2), fmt_number(1234.567, lang="en", digits=2)
('1.234,57', '1,234.57')
>>> fmt_p(0.0004, lang="it"), fmt_p(0.0234, lang="en")
('p < 0,001', 'p = 0.023')
>>> fmt_ci(0.40, 0.52, lang="it", share=True)
'[40,0 %; 52,0 %]'
>>> t("yes", "en"), t("yes", "it")
('yes', 'sì')
"""

from __future__ import annotations

import math
import platform
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ReportError

__all__ = [
    "LANGUAGES",
    "STRINGS",
    "PERCENT_COLUMNS",
    "VIEWS",
    "check_lang",
    "t",
    "fmt_number",
    "fmt_int",
    "fmt_share",
    "fmt_p",
    "fmt_ci",
    "format_table",
    "format_claims",
    "weighting_text",
    "significance_summary",
    "claim_sentences",
    "package_versions",
    "versions_markdown",
    "methods_text",
]

LANGUAGES = ("it", "en")

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


def _load_strings() -> dict[str, dict[str, str]]:
    import yaml

    path = Path(__file__).resolve().parent / "strings.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


#: UI strings per language, from ``templates/strings.yaml`` (same keys in every language).
STRINGS: dict[str, dict[str, str]] = _load_strings()

_MISSING = "–"

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
    "numeric": (("item", "n", "mean", "sd", "q1", "median", "q3", *_CI, "ci_method"), ()),
    "reliability": (
        ("construct", "n", "k", "estimate", *_CI, "ci_method", "omega", "missing_rule"),
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
    """The user-interface string ``key`` in ``lang``, with ``{placeholders}`` filled.

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
    >>> t("fig.n_label", "it", n=12)
    'n = 12'
    """
    table = STRINGS[check_lang(lang)]
    if key not in table:
        import difflib

        close = difflib.get_close_matches(key, list(table), n=3)
        raise ReportError(f"unknown text key {key!r} for language {lang!r}; closest: {close}")
    text = table[key]
    return text.format(**values) if values else text


def _is_missing(x: Any) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def fmt_number(x: float | None, *, lang: str, digits: int = 1) -> str:
    """A number with ``digits`` decimals and the language's separators.

    Missing values become an en dash.

    >>> fmt_number(-0.5, lang="it"), fmt_number(None, lang="en"), fmt_number(1e6, lang="it", digits=0)
    ('-0,5', '–', '1.000.000')
    """
    check_lang(lang)
    if _is_missing(x):
        return _MISSING
    text = f"{float(x):,.{digits}f}"
    if lang == "it":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def fmt_int(x: float | None, *, lang: str) -> str:
    """A count without decimals (``fmt_number(x, digits=0)``).

    >>> fmt_int(1234, lang="it"), fmt_int(1234, lang="en")
    ('1.234', '1,234')
    """
    return fmt_number(x, lang=lang, digits=0)


def fmt_share(x: float | None, *, lang: str, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage: "45,3 %" in Italian, "45.3%" in English.

    >>> fmt_share(0.4534, lang="it"), fmt_share(1, lang="en", digits=0)
    ('45,3 %', '100%')
    """
    if _is_missing(x):
        return _MISSING
    number = fmt_number(100 * float(x), lang=lang, digits=digits)
    return f"{number} %" if lang == "it" else f"{number}%"


def fmt_p(p: float | None, *, lang: str, prefix: bool = True) -> str:
    """A p-value: three decimals, or "< 0,001"; with a leading "p" unless ``prefix=False``.

    >>> fmt_p(0.05, lang="it"), fmt_p(1e-9, lang="en", prefix=False)
    ('p = 0,050', '< 0.001')
    """
    if _is_missing(p):
        return _MISSING
    if p < 0.001:
        body = f"< {fmt_number(0.001, lang=lang, digits=3)}"
    else:
        body = fmt_number(p, lang=lang, digits=3)
        body = f"= {body}" if prefix else body
    return f"p {body}" if prefix else body


def fmt_ci(
    low: float | None, high: float | None, *, lang: str, share: bool = False, digits: int = 1
) -> str:
    """A confidence interval "[low; high]" (Italian) or "[low, high]" (English).

    >>> fmt_ci(3.21, 3.65, lang="en", digits=2)
    '[3.21, 3.65]'
    """
    one = fmt_share if share else fmt_number
    sep = "; " if lang == "it" else ", "
    return f"[{one(low, lang=lang, digits=digits)}{sep}{one(high, lang=lang, digits=digits)}]"


def _header(col: str, lang: str) -> str:
    key = f"col.{col}"
    return STRINGS[lang].get(key, col)


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
    booleans become yes/no; ``verdict`` and ``direction`` values and ``rule`` names are
    translated; with a codebook, item and construct ids become their texts. The input
    is not changed.

    Parameters
    ----------
    table
        Any result table of the library.
    lang
        ``"it"`` or ``"en"``.
    codebook
        Optional :class:`~cmmc_analysis.codebook.Codebook` for item and construct texts.
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
    df = table.loc[:, list(columns)] if columns is not None else table
    pct = set(PERCENT_COLUMNS) | set(percent or ())
    out = {}
    for col in df.columns:
        s = df[col]
        name = str(col)
        if name in pct:
            out[col] = s.map(lambda x: fmt_share(x, lang=lang))
        elif name in _P_COLUMNS:
            out[col] = s.map(lambda x: fmt_p(x, lang=lang, prefix=False))
        elif pd.api.types.is_bool_dtype(s):
            out[col] = s.map(
                lambda x: _MISSING if _is_missing(x) else t("yes" if x else "no", lang)
            )
        elif pd.api.types.is_integer_dtype(s) or (
            name in _INT_COLUMNS and pd.api.types.is_numeric_dtype(s)
        ):
            out[col] = s.map(lambda x: fmt_int(x, lang=lang))
        elif pd.api.types.is_float_dtype(s):
            out[col] = s.map(lambda x: fmt_number(x, lang=lang, digits=digits))
        elif name.startswith("verdict") or name in ("direction", "rule", "change"):
            prefix = "verdict" if name.startswith("verdict") else name
            out[col] = s.map(
                lambda x, p=prefix: (
                    STRINGS[lang].get(f"{p}.{x}", x) if isinstance(x, str) else _MISSING
                )
            )
        elif name in ("item", "construct", "segment") and codebook is not None:
            out[col] = s.map(lambda x: _item_text(codebook, x, lang))
        else:
            out[col] = s.map(lambda x: _MISSING if _is_missing(x) else str(x))
    shown = pd.DataFrame(out, index=df.index).rename(columns=lambda c: _header(str(c), lang))
    return _styled(shown.reset_index(drop=True))


def _styled(shown: pd.DataFrame) -> pd.io.formats.style.Styler:
    """Hide the index; long text columns wrap (left-aligned), short cells do not break."""
    long = (
        [c for c in shown.columns if shown[c].astype(str).str.len().max() > 24]
        if len(shown)
        else []
    )
    styler = shown.style.hide(axis="index").set_properties(**{"white-space": "nowrap"})
    if long:
        styler = styler.set_properties(
            subset=long, **{"white-space": "normal", "min-width": "12em", "text-align": "left"}
        )
    return styler


def significance_summary(
    table: pd.DataFrame, *, lang: str, codebook: Any = None, alpha: float = 0.05, by: str = "item"
) -> str:
    """One sentence: how many tests of a table are significant, and which, with direction.

    Parameters
    ----------
    table
        A test table with ``p_adjusted`` (or ``p_value``), ``correction``, ``by`` and
        optionally ``direction`` and ``segment``.
    lang
        ``"it"`` or ``"en"``.
    codebook
        For item texts (default: ids).
    alpha
        Significance level.
    by
        The column naming each test.

    Examples
    --------
    >>> tab = pd.DataFrame({"item": ["a", "b", "c"], "p_adjusted": [0.001, 0.2, 0.03],
    ...     "correction": "holm", "direction": ["above", "none", "below"]})
    >>> significance_summary(tab, lang="en")
    '2 of 3 tests are significant at 5% (adjusted p, holm): a (above), c (below).'
    """
    check_lang(lang)
    p = table["p_adjusted"] if "p_adjusted" in table else table["p_value"]
    sig = table.loc[p.to_numpy(dtype=float, na_value=np.nan) < alpha]
    names = []
    for r in sig.to_dict("records"):
        name = _item_text(codebook, r[by], lang) if codebook is not None else str(r[by])
        if by == "item_a" and "item_b" in r:
            other = (
                _item_text(codebook, r["item_b"], lang)
                if codebook is not None
                else str(r["item_b"])
            )
            name = f"{name} – {other}"
        if isinstance(r.get("segment"), str):
            seg = _item_text(codebook, r["segment"], lang) if codebook is not None else r["segment"]
            name = f"{name} × {seg}"
        direction = STRINGS[lang].get(f"direction.{r.get('direction')}")
        names.append(
            f"{name} ({direction})" if direction and r.get("direction") != "none" else name
        )
    corrections = sorted({str(c) for c in table.get("correction", pd.Series(["none"])).dropna()})
    return t(
        "sig.summary",
        lang,
        k=len(sig),
        n=int(p.notna().sum()),
        alpha=fmt_share(alpha, lang=lang, digits=0),
        correction=", ".join(corrections) or "none",
        items=(": " + ", ".join(names)) if names else "",
    )


#: Claim statistics whose estimate, interval and threshold are shares.
SHARE_STATISTICS = ("share", "top2", "bottom2", "proportion")


def _claim_value(value: Any, statistic: Any, lang: str) -> str:
    if statistic in SHARE_STATISTICS:
        return fmt_share(value, lang=lang)
    return fmt_number(value, lang=lang, digits=2)


def _claim_ci(row: Mapping[str, Any], lang: str) -> str:
    if _is_missing(row.get("ci_low")) or _is_missing(row.get("ci_high")):
        return _MISSING
    share = row.get("statistic") in SHARE_STATISTICS
    return fmt_ci(row["ci_low"], row["ci_high"], lang=lang, share=share, digits=1 if share else 2)


def weighting_text(effect: pd.DataFrame, *, lang: str) -> str:
    """The heading and introduction of a weighting section, from a weighting table.

    ``effect`` is the result of :func:`cmmc_analysis.weights.weighting_effect`, whose
    ``attrs["weight_summary"]`` holds the design effect and effective n.

    >>> e = pd.DataFrame({"item": ["q1"]})
    >>> e.attrs["weight_summary"] = pd.DataFrame({"n": [235], "n_eff": [177.8], "design_effect": [1.3219]})
    >>> weighting_text(e, lang="en").splitlines()[0]
    '## How much does weighting move the findings?'
    """
    w = effect.attrs["weight_summary"].iloc[0]
    intro = t(
        "nb04.weighting_intro",
        lang,
        deff=fmt_number(w["design_effect"], lang=lang, digits=2),
        neff=fmt_int(w["n_eff"], lang=lang),
        n=fmt_int(w["n"], lang=lang),
    )
    return f"## {t('nb04.weighting', lang)}\n\n{intro}"


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
    ['85.00', '[80.00, 90.00]']
    """
    check_lang(lang)
    table = verdicts.reset_index(drop=True)
    stat = table["statistic"] if "statistic" in table else pd.Series(None, index=table.index)
    shown = {}
    for col in columns:
        if col in ("estimate", "threshold"):
            shown[col] = [_claim_value(v, s, lang) for v, s in zip(table[col], stat, strict=True)]
        elif col == "ci":
            shown[col] = [_claim_ci(r, lang) for r in table.to_dict("records")]
        elif col == "cut":
            shown[col] = table[col].map(
                lambda c: STRINGS[lang].get(c, c) if isinstance(c, str) else c
            )
        elif col in table:
            shown[col] = table[col]
    plain = pd.DataFrame(shown)
    text_cols = [c for c in ("estimate", "threshold", "ci", "cut") if c in plain]
    formatted = format_table(plain.drop(columns=text_cols), lang=lang).data
    out = {
        _header(col, lang): plain[col].astype(str)
        if col in text_cols
        else formatted[_header(col, lang)]
        for col in plain.columns
    }
    return _styled(pd.DataFrame(out))


def claim_sentences(verdicts: pd.DataFrame, *, lang: str) -> str:
    """One Markdown bullet per claim: statement, verdict and n per cut, final estimate.

    Parameters
    ----------
    verdicts
        The stacked table of :func:`cmmc_analysis.claims.evaluate.evaluate_cuts` (or one cut).
    lang
        ``"it"`` or ``"en"``.

    Examples
    --------
    >>> v = pd.DataFrame({"claim": ["S1", "S1"], "statement": ["Two thirds agree."] * 2,
    ...     "cut": ["interim", "final"], "statistic": ["share"] * 2, "n": [105, 232],
    ...     "estimate": [0.68, 0.6767], "ci_low": [0.58, 0.614], "ci_high": [0.76, 0.734],
    ...     "threshold": [0.667] * 2, "verdict": ["supported"] * 2, "settled": [False, True]})
    >>> print(claim_sentences(v, lang="en"))
    - **S1** Two thirds agree. interim (n = 105): supported, not yet settled; final (n = 232): supported, settled; estimate 67.7% [61.4%, 73.4%], threshold 66.7%.
    """
    check_lang(lang)
    lines = []
    for claim, rows in verdicts.groupby("claim", sort=False):
        cuts = []
        for r in rows.to_dict("records"):
            verdict = STRINGS[lang].get(f"verdict.{r.get('verdict')}", str(r.get("verdict")))
            settled = r.get("settled")
            if not _is_missing(settled):
                verdict += ", " + t(
                    "claims.settled" if bool(settled) else "claims.not_settled", lang
                )
            cut = STRINGS[lang].get(str(r.get("cut")), str(r.get("cut")))
            cuts.append(
                t("claims.cut", lang, cut=cut, n=fmt_int(r.get("n"), lang=lang), verdict=verdict)
            )
        last = rows.to_dict("records")[-1]
        est = t(
            "claims.estimate",
            lang,
            estimate=_claim_value(last.get("estimate"), last.get("statistic"), lang),
            ci=_claim_ci(last, lang),
            threshold=_claim_value(last.get("threshold"), last.get("statistic"), lang),
        )
        statement = str(last.get("statement", "")).strip()
        lines.append(f"- **{claim}** {statement} " + "; ".join(cuts) + f"; {est}.")
    return "\n".join(lines)


def _item_text(codebook: Any, item_id: Any, lang: str) -> str:
    if not isinstance(item_id, str):
        return _MISSING if _is_missing(item_id) else str(item_id)
    if item_id in codebook.items:
        return codebook.text(item_id, lang)
    if item_id in codebook.constructs:
        return codebook.constructs[item_id].text.text(lang)
    return item_id


#: The distributions whose versions a report states.
VERSION_PACKAGES = (
    "cmmc-analysis",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "nbconvert",
    "nbclient",
)


def package_versions(packages: Iterable[str] = VERSION_PACKAGES) -> dict[str, str]:
    """Python's and the packages' versions (``"not installed"`` when absent).

    >>> v = package_versions(["pandas"])
    >>> sorted(v)
    ['pandas', 'python']
    """
    out = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def versions_markdown(*, lang: str, packages: Iterable[str] = VERSION_PACKAGES) -> str:
    """The versions footer of a notebook, as Markdown.

    >>> versions_markdown(lang="en", packages=[]).splitlines()[0]
    '### Versions'
    """
    items = ", ".join(f"{k} {v}" for k, v in package_versions(packages).items())
    return f"### {t('nb.versions', lang)}\n\n{items}"


def _distinct(tables: Iterable[pd.DataFrame], column: str, limit: int = 240) -> list[str]:
    seen: dict[str, None] = {}
    for table in tables:
        if column in table:
            for v in table[column].dropna().astype(str):
                if v and v != "none":
                    seen.setdefault(
                        v if len(v) <= limit else v[: limit - 1].rsplit(" ", 1)[0] + " …", None
                    )
    return list(seen)


def methods_text(
    tables: Iterable[pd.DataFrame] | Mapping[str, pd.DataFrame],
    *,
    lang: str,
    log: Any = None,
    notes: Sequence[str] = (),
) -> str:
    """The methods section of a notebook, generated from the result tables it showed.

    Lists the distinct tests (``method``), corrections (``correction``), families
    (``family``) and interval methods (``ci_method``) found in ``tables``, the base and
    missing-data rules, the rows excluded in cleaning per rule (from ``log.excluded``),
    and the package versions.

    Parameters
    ----------
    tables
        The result tables shown (a list, or a dict whose values are tables).
    lang
        ``"it"`` or ``"en"``.
    log
        The cleaning log (:class:`~cmmc_analysis.clean.pipeline.CleaningLog`) or None.
    notes
        Further sentences to append (e.g. how ties at the midpoint were handled, when a
        table's ``method`` does not say).

    Returns
    -------
    str
        Markdown.

    Examples
    --------
    >>> tab = pd.DataFrame({"method": ["Wilcoxon signed-rank, zero_method=pratt"],
    ...                     "correction": ["holm"], "family": ["scale items vs neutral"]})
    >>> text = methods_text([tab], lang="en")
    >>> "Wilcoxon signed-rank, zero_method=pratt" in text, "holm" in text
    (True, True)
    """
    check_lang(lang)
    tables = list(tables.values()) if isinstance(tables, Mapping) else list(tables)
    lines = [f"### {t('nb.methods', lang)}", ""]
    for key, column in (
        ("methods.tests", "method"),
        ("methods.corrections", "correction"),
        ("methods.families", "family"),
        ("methods.ci", "ci_method"),
    ):
        values = _distinct(tables, column)
        if values:
            lines.append(f"- **{t(key, lang)}**: " + "; ".join(values) + ".")
    lines.append(f"- {t('methods.bases', lang)}")
    lines.append(f"- {t('methods.missing', lang)}")
    excluded = getattr(log, "excluded", None)
    if isinstance(excluded, pd.DataFrame):
        counts = (
            excluded["rule"].value_counts(sort=False) if len(excluded) else pd.Series(dtype=int)
        )
        if len(counts):
            parts = [
                f"{STRINGS[lang].get(f'rule.{r}', r)} {fmt_int(c, lang=lang)}"
                for r, c in counts.items()
            ]
            lines.append(f"- **{t('methods.exclusions', lang)}**: " + ", ".join(parts) + ".")
        else:
            lines.append(
                f"- **{t('methods.exclusions', lang)}**: {t('methods.no_exclusions', lang)}"
            )
    lines.extend(f"- {note}" for note in notes)
    versions = ", ".join(f"{k} {v}" for k, v in package_versions().items())
    lines.append(f"- **{t('methods.versions', lang)}**: {versions}.")
    return "\n".join(lines)
