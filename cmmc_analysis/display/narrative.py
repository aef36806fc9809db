"""The sentences of a page: summaries of tests and claims, methods, versions.

Every sentence is generated from the result tables a page showed, in the page's
language: :func:`significance_summary` (how many tests are significant, and which),
:func:`claim_sentences` (one line per claim and cut), :func:`weighting_text` (the
weighting section's introduction), :func:`methods_text` (the methods section: tests,
corrections, families, interval methods, bases, missing data, exclusions, versions) and
:func:`versions_markdown` (the versions footer).


Length: over 500 lines. Every sentence a page generates from a result table is here,
so that the wording of one language is reviewed in one place.

Examples
--------
>>> tab = pd.DataFrame({"item": ["a", "b"], "p_adjusted": [0.001, 0.2], "correction": "holm"})
>>> significance_summary(tab, lang="it")
'1 test su 2 sono significativi al 5 % (p corretto con il metodo di Holm): «a».'
"""

from __future__ import annotations

import platform
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

from .i18n import check_lang, t, text_or
from .numbers import fmt_estimate, fmt_estimate_ci, fmt_int, fmt_number, fmt_share, is_missing
from .tables import item_label

__all__ = [
    "VERSION_PACKAGES",
    "significance_summary",
    "claim_sentences",
    "margin_sentences",
    "claims_method_notes",
    "weighting_text",
    "package_versions",
    "versions_markdown",
    "methods_text",
    "plain_method",
]


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
    '2 of 3 tests are significant at 5% (p adjusted by the Holm method); the others: “b”.'
    >>> significance_summary(tab.assign(p_adjusted=[0.001, 0.2, 0.3]), lang="it")
    '1 test su 3 sono significativi al 5 % (p corretto con il metodo di Holm): «a» (sopra).'
    """
    check_lang(lang)
    p = table["p_adjusted"] if "p_adjusted" in table else table["p_value"]
    significant = p.to_numpy(dtype=float, na_value=np.nan) < alpha
    sig, rest = table.loc[significant], table.loc[~significant & p.notna().to_numpy()]

    def name_of(r: Mapping[str, Any], with_direction: bool) -> str:
        name = item_label(codebook, r[by], lang) if codebook is not None else str(r[by])
        if by == "item_a" and "item_b" in r:
            other = (
                item_label(codebook, r["item_b"], lang)
                if codebook is not None
                else str(r["item_b"])
            )
            name = f"{name} – {other}"
        if isinstance(r.get("segment"), str):
            seg = item_label(codebook, r["segment"], lang) if codebook is not None else r["segment"]
            name = f"{name} × {seg}"
        name = f"«{name}»" if lang == "it" else f"“{name}”"
        direction = text_or(f"direction.{r.get('direction')}", lang, "")
        if with_direction and direction and r.get("direction") != "none":
            return f"{name} ({direction})"
        return name

    n = int(p.notna().sum())
    if len(sig) > n / 2 and len(rest):  # most are significant: name the exceptions
        items = t(
            "sig.except", lang, items=", ".join(name_of(r, False) for r in rest.to_dict("records"))
        )
    elif len(sig):
        items = ": " + ", ".join(name_of(r, True) for r in sig.to_dict("records"))
    else:
        items = ""
    corrections = sorted({str(c) for c in table.get("correction", pd.Series(["none"])).dropna()})
    return t(
        "sig.summary",
        lang,
        k=len(sig),
        n=n,
        alpha=fmt_share(alpha, lang=lang, digits=0),
        correction=", ".join(text_or(f"correction.{c}", lang, c) for c in corrections)
        or t("correction.none", lang),
        items=items,
    )


def weighting_text(effect: pd.DataFrame, *, lang: str) -> str:
    """The heading and introduction of a weighting section, from a weighting table.

    ``effect`` is the result of :func:`cmmc_analysis.weights.weighting_effect`, whose
    ``attrs["weight_summary"]`` holds the design effect and effective n.

    >>> e = pd.DataFrame({"item": ["q1"]})
    >>> e.attrs["weight_summary"] = pd.DataFrame({"n": [235], "n_eff": [177.8], "design_effect": [1.3219]})
    >>> weighting_text(e, lang="en").splitlines()[0]
    '## How much does weighting move the findings?'
    >>> e = e.assign(difference=[-0.051]).reindex([0, 1]).assign(difference=[-0.051, 0.016])
    >>> print(weighting_text(e, lang="it").splitlines()[-1])
    Se ribilanciamo il campione con dei pesi (su margini solo illustrativi, non dati ufficiali), le quote delle due risposte più alte cambiano al massimo di 5,1 punti. I pesi costano precisione: i 235 questionari valgono come 178 (effetto del disegno 1,32).
    """
    w = effect.attrs["weight_summary"].iloc[0]
    moved = effect["difference"].abs().max() if "difference" in effect else np.nan
    most = (
        t("margins.unit_share", lang, value=fmt_number(100 * moved, lang=lang, digits=1))
        if not is_missing(moved)
        else t("missing", lang)
    )
    intro = t(
        "nb04.weighting_intro",
        lang,
        most=most,
        deff=fmt_number(w["design_effect"], lang=lang, digits=2),
        neff=fmt_int(w["n_eff"], lang=lang),
        n=fmt_int(w["n"], lang=lang),
    )
    return f"## {t('nb04.weighting', lang)}\n\n{intro}"


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
    >>> d = v.tail(1).assign(claim="S9", statistic="ranking", threshold=None, ci_low=None,
    ...     verdict="descriptive", settled=None)
    >>> print(claim_sentences(d, lang="it"))
    - **S9** Two thirds agree. finale (n = 232): descrittiva.
    """
    check_lang(lang)
    lines = []
    for claim, rows in verdicts.groupby("claim", sort=False):
        cuts = []
        for r in rows.to_dict("records"):
            verdict = text_or(f"verdict.{r.get('verdict')}", lang, str(r.get("verdict")))
            settled = r.get("settled")
            if not is_missing(settled):
                verdict += ", " + t(
                    "claims.settled" if bool(settled) else "claims.not_settled", lang
                )
            cut = text_or(str(r.get("cut")), lang, str(r.get("cut")))
            cuts.append(
                t("claims.cut", lang, cut=cut, n=fmt_int(r.get("n"), lang=lang), verdict=verdict)
            )
        last = rows.to_dict("records")[-1]
        est = t(
            "claims.estimate",
            lang,
            estimate=fmt_estimate(last.get("estimate"), last.get("statistic"), lang=lang),
            ci=fmt_estimate_ci(
                last.get("ci_low"), last.get("ci_high"), last.get("statistic"), lang=lang
            ),
            threshold=fmt_estimate(last.get("threshold"), last.get("statistic"), lang=lang),
        )
        statement = str(last.get("statement", "")).strip()
        if is_missing(last.get("threshold")):  # a description: no figure to check
            lines.append(f"- **{claim}** {statement} " + "; ".join(cuts) + ".")
            continue
        lines.append(f"- **{claim}** {statement} " + "; ".join(cuts) + f"; {est}.")
    return "\n".join(lines)


def _margin(value: Any, kind: Any, lang: str) -> str:
    """A margin in its unit: shares in points, scale statistics in scale points."""
    if kind == "share":
        return t("margins.unit_share", lang, value=fmt_number(100 * value, lang=lang, digits=0))
    if kind == "numeric":
        return t("margins.unit_numeric", lang, value=fmt_share(value, lang=lang, digits=0))
    return t("margins.unit_scale", lang, value=fmt_number(value, lang=lang, digits=2))


def margin_sentences(summary: pd.DataFrame, *, lang: str) -> str:
    """One Markdown bullet per claim: how its verdict moves with the margin and correction.

    Parameters
    ----------
    summary
        :func:`cmmc_analysis.claims.sensitivity.margin_summary` of the claims' grid.
    lang
        ``"it"`` or ``"en"``.

    Examples
    --------
    >>> s = pd.DataFrame([{"claim": "S1", "kind": "share", "margin_min": 0.05,
    ...     "margin_max": 0.15, "verdicts": ["supported"], "same_verdict": True,
    ...     "supported_from": 0.05, "settled_from": 0.10, "settled_holm": "some",
    ...     "settled_bh": "some", "margin_in_force": 0.10, "verdict_in_force": "supported",
    ...     "rule_margin": 0.10, "rule_verdict": "supported"}])
    >>> print(margin_sentences(s, lang="it"))
    - **S1**: confermata con qualsiasi margine tra 5 punti e 15 punti; consolidata solo con un margine di almeno 10 punti.
    """
    check_lang(lang)

    def verdict(v: Any) -> str:
        return text_or(f"verdict.{v}", lang, str(v))

    lines = []
    for r in summary.to_dict("records"):
        kind, banded = r.get("kind"), not is_missing(r.get("margin_min"))
        parts = []
        if not banded:
            parts.append(t("margins.literal", lang, verdict=verdict(r["verdict_in_force"])))
        elif r["same_verdict"]:
            parts.append(
                t(
                    "margins.same_verdict",
                    lang,
                    verdict=verdict(r["verdicts"][0]),
                    low=_margin(r["margin_min"], kind, lang),
                    high=_margin(r["margin_max"], kind, lang),
                )
            )
        elif not is_missing(r.get("supported_from")):
            margin = _margin(r["supported_from"], kind, lang)
            parts.append(
                t("margins.verdict_from", lang, verdict=verdict("supported"), margin=margin)
            )
        else:
            names = ", ".join(verdict(v) for v in r["verdicts"])
            parts.append(t("margins.mixed", lang, verdicts=names))
        holm, bh = r.get("settled_holm"), r.get("settled_bh")
        if holm == bh == "all":
            parts.append(t("margins.settled_all", lang))
        elif holm == bh == "none":
            parts.append(t("margins.settled_none", lang))
        elif banded and not is_missing(r.get("settled_from")):
            margin = _margin(r["settled_from"], kind, lang)
            parts.append(t("margins.settled_from", lang, margin=margin))
        elif holm != bh:
            yes, no = ("holm", "bh") if holm == "all" else ("bh", "holm")
            parts.append(
                t(
                    "margins.settled_some",
                    lang,
                    yes=t(f"correction.{yes}", lang),
                    no=t(f"correction.{no}", lang),
                )
            )
        if banded and not np.isclose(r["margin_in_force"], r["rule_margin"]):
            parts.append(
                t(
                    "margins.own",
                    lang,
                    margin=_margin(r["margin_in_force"], kind, lang),
                    rule=_margin(r["rule_margin"], kind, lang),
                    verdict=verdict(r["rule_verdict"]),
                )
            )
        lines.append(f"- **{r['claim']}**: " + "; ".join(parts) + ".")
    return "\n".join(lines)


def claims_method_notes(claims: Any, *, lang: str, interim: bool = True) -> list[str]:
    """The methods section's sentences on how claims were read (wording, looks).

    ``claims`` is the :class:`~cmmc_analysis.claims.spec.ClaimSet` the page evaluated;
    ``interim`` says whether the page looked at an interim cut too (without one there
    is a single look and no sentence on alpha spending).

    >>> from cmmc_analysis.claims import load_claims
    >>> notes = claims_method_notes(load_claims(), lang="en")
    >>> notes[0].startswith('Reading the claims: "about X" is X ± 10 points'), "O'Brien" in notes[1]
    (True, True)
    >>> len(claims_method_notes(load_claims(), lang="en", interim=False))
    1
    """
    check_lang(lang)
    w = claims.wording
    fixed = claims.fixed_on.isoformat() if claims.fixed_on else t("missing", lang)
    wording = t(
        "methods.wording",
        lang,
        about_share=_margin(w["about"]["share"], "share", lang),
        about_scale=_margin(w["about"]["scale"], "scale", lang),
        about_numeric=_margin(w["about"]["numeric"], "numeric", lang),
        neutral=_margin(w["neutral"], "scale", lang),
        fixed_on=fixed,
        sha=(claims.sha256 or "")[:12] or t("missing", lang),
    )
    sequential = t(
        "methods.sequential",
        lang,
        alpha=fmt_share(claims.alpha, lang=lang, digits=0),
        spending=t(f"methods.spending_{claims.sequential}", lang),
    )
    return [wording + ".", sequential + "."] if interim else [wording + "."]


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


def _phrases() -> dict[str, list[tuple[str, str]]]:
    from pathlib import Path

    import yaml

    path = Path(__file__).resolve().parent / "methods_phrases.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, list[tuple[str, str]]] = {}
    for lang in ("it", "en"):
        pairs = [(code, words[lang]) for code, words in doc["code"]]
        pairs += sorted(((a, b) for a, b in doc.get(lang) or []), key=lambda p: -len(p[0]))
        out[lang] = pairs
    return out


_PHRASES: dict[str, list[tuple[str, str]]] = {}
_WHOLE = {"t": {"it": "t di Student", "en": "Student's t"}}


def plain_method(text: str, *, lang: str, codebook: Any = None) -> str:
    """A method, family or interval description in the page's words.

    Code words (argument and column names) become words; in Italian the computing
    functions' English phrases are replaced (``methods_phrases.yaml``) and decimal
    points become commas; with a codebook, runs of four or more item ids become "N
    questions" and single ids their texts.

    >>> plain_method("Wilcoxon signed-rank vs 3, zero_method=pratt", lang="it")
    'test di Wilcoxon dei ranghi con segno contro 3, zeri trattati alla Pratt'
    >>> from cmmc_analysis.codebook import load_codebook
    >>> plain_method("pairwise within tech_cloud, tech_video (1 pairs)", lang="en",
    ...              codebook=load_codebook())
    'pairwise within cloud contact-center solutions, video assistance (1 pairs)'
    """
    import re

    if not _PHRASES:
        _PHRASES.update(_phrases())
    if text in _WHOLE:
        return _WHOLE[text][lang]
    if codebook is not None:
        known = [*codebook.items, *codebook.constructs]
        ids = "|".join(sorted((re.escape(i) for i in known), key=len, reverse=True))
        run = re.compile(rf"(?<![\w])(?:{ids})(?:(?:, | > | - )(?:{ids})){{3,}}(?![\w])")
        text = run.sub(
            lambda m: t("methods.n_items", lang, n=len(re.split(", | > | - ", m.group(0)))), text
        )
        one = re.compile(rf"(?<![\w])({ids})(?![\w])")
        text = one.sub(lambda m: item_label(codebook, m.group(1), lang), text)
        pairs = {  # answer labels in the page's language, longest first
            a: b
            for scale in codebook.scales.values()
            for a, b in zip(scale.labels(), scale.labels(lang), strict=True)
            if a != b and len(a) > 3
        }
        for source in sorted(pairs, key=len, reverse=True):
            text = text.replace(source, pairs[source])
    for code, words in _PHRASES[lang]:
        text = text.replace(code, words)
    if lang == "it":
        text = re.sub(r"(?<=\d)\.(?=\d)", ",", text)
    return " ".join(text.split())


def _distinct(
    tables: Iterable[pd.DataFrame], column: str, *, lang: str, codebook: Any, limit: int = 400
) -> list[str]:
    seen: dict[str, None] = {}
    for table in tables:
        if column in table:
            for v in table[column].dropna().astype(str):
                if v and v != "none":
                    seen.setdefault(
                        _clauses(plain_method(v, lang=lang, codebook=codebook), lang, limit), None
                    )
    return list(seen)


def _clauses(text: str, lang: str, limit: int) -> str:
    """A long list of clauses cut at a clause, saying how many more there are."""
    if len(text) <= limit:
        return text
    parts = text.split("; ")
    kept: list[str] = []
    for part in parts:
        if kept and len("; ".join([*kept, part])) > limit:
            break
        kept.append(part)
    rest = len(parts) - len(kept)
    return "; ".join(kept) + (t("methods.and_more", lang, n=rest) if rest else "")


def methods_text(
    tables: Iterable[pd.DataFrame] | Mapping[str, pd.DataFrame],
    *,
    lang: str,
    log: Any = None,
    notes: Sequence[str] = (),
    codebook: Any = None,
) -> str:
    """The methods section of a notebook, generated from the result tables it showed.

    Lists the distinct tests (``method``), corrections (``correction``), families
    (``family``) and interval methods (``ci_method``) found in ``tables``, the base and
    missing-data rules and the rows excluded in cleaning per rule (from ``log.excluded``),
    in the page's words (:func:`plain_method`); the versions are the page's footer
    (:func:`versions_markdown`), stated once.

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
    codebook
        For item texts instead of ids.

    Returns
    -------
    str
        Markdown.

    Examples
    --------
    >>> tab = pd.DataFrame({"method": ["Wilcoxon signed-rank, zero_method=pratt"],
    ...                     "correction": ["holm"], "family": ["scale items vs neutral"]})
    >>> text = methods_text([tab], lang="en")
    >>> "Wilcoxon signed-rank, zeros handled as Pratt proposed" in text, "Holm" in text
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
        values = _distinct(tables, column, lang=lang, codebook=codebook)
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
                f"{text_or(f'rule.{r}', lang, r)} {fmt_int(c, lang=lang)}"
                for r, c in counts.items()
            ]
            lines.append(f"- **{t('methods.exclusions', lang)}**: " + ", ".join(parts) + ".")
        else:
            lines.append(
                f"- **{t('methods.exclusions', lang)}**: {t('methods.no_exclusions', lang)}"
            )
    lines.extend(f"- {note}" for note in notes)
    return "\n".join(lines)
