"""The findings page for members: a summary, one plain row per claim, a reading box.

A member who read the survey's publication wants to know which of its statements hold.
This module writes that in words, from the verdicts (never by hand): :func:`claim_said`
(what the publication said, as a region: "tra 57 % e 77 %", "vicino al neutro", "i due
più alti"), :func:`claim_result` (the estimate with its unit and interval),
:func:`verdict_words` (the verdict and whether it was already solid at the interim),
:func:`members_table` (one row per claim) and :func:`findings_summary` (a few
sentences opening the page). Wording comes from ``strings.yaml``; a claims file's
``texts:`` replace any of it with the publication's own voice.

Over 500 lines because it holds the whole members' page (summary, rows, reading box,
"how we worked"), each function short; split it by section
of the page if it grows.

Examples
--------
>>> from cmmc_analysis.claims import load_claims
>>> cs = load_claims()
>>> row = {"comparison": "about", "statistic": "share", "threshold_low": 0.567,
...        "threshold_high": 0.767}
>>> claim_said(cs.get("S1"), row, lang="it")
'tra 57 % e 77 %'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from .i18n import check_lang, t
from .numbers import SHARE_STATISTICS, fmt_int, fmt_number, fmt_share, is_missing

__all__ = [
    "plain_number",
    "claim_said",
    "claim_result",
    "claim_unit",
    "verdict_words",
    "when_interim",
    "by_label",
    "ranking_means",
    "members_table",
    "findings_summary",
    "reading_box",
    "how_we_worked",
]


#: Babel locales for dates in words (British English writes "18 March 2020").
_LOCALE = {"en": "en_GB"}


def plain_number(x: Any, *, lang: str, unit: str | None = None) -> str:
    """A number with as few decimals as it needs (0 to 2), and its unit.

    >>> plain_number(3.0, lang="it"), plain_number(2.75, lang="it"), plain_number(85, lang="it", unit="%")
    ('3', '2,75', '85 %')
    """
    value = float(x)
    digits = next((d for d in (0, 1, 2) if abs(round(value, d) - value) < 1e-9), 2)
    text = fmt_number(value, lang=lang, digits=digits)
    if unit == "%":
        return f"{text} %" if lang == "it" else f"{text}%"
    return f"{text} {unit}" if unit else text


def _share(x: Any, lang: str, digits: int = 0) -> str:
    return fmt_share(x, lang=lang, digits=digits)


def _unit(codebook: Any, item: Any) -> str | None:
    if codebook is None or not isinstance(item, str) or item not in codebook.items:
        return None
    return getattr(codebook.items[item], "unit", None)


def _is_scale(codebook: Any, item: Any) -> bool:
    return (
        codebook is not None
        and isinstance(item, str)
        and item in codebook.items
        and codebook.items[item].type == "scale"
    )


def _value(x: Any, row: Mapping[str, Any], lang: str, codebook: Any) -> str:
    if row.get("statistic") in SHARE_STATISTICS:
        return _share(x, lang)
    return plain_number(x, lang=lang, unit=_unit(codebook, row.get("item")))


def _names(labels: list[str], lang: str) -> str:
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + t("findings.and", lang) + labels[-1]


def _inline(text: str) -> str:
    """A label inside a sentence: first letter lower case (not for acronyms)."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _count(k: int, lang: str) -> str:
    words = t("findings.numbers", lang).split(",")
    return words[k] if 0 <= k < len(words) else fmt_int(k, lang=lang)


def claim_said(claim: Any, row: Mapping[str, Any], *, lang: str, codebook: Any = None) -> str:
    """What the publication said, as a region in words.

    Parameters
    ----------
    claim
        The :class:`~cmmc_analysis.claims.spec.Claim`.
    row
        The claim's verdict row (``comparison``, ``statistic``, ``threshold_low``,
        ``threshold_high``, ``item``).
    lang
        ``"it"`` or ``"en"``.
    codebook
        For units and item labels.

    Examples
    --------
    >>> from cmmc_analysis.claims import load_claims
    >>> from cmmc_analysis.codebook import load_codebook
    >>> cs, cb = load_claims(), load_codebook()
    >>> claim_said(cs.get("S3"), {"comparison": "neutral", "statistic": "mean",
    ...     "threshold_low": 2.75, "threshold_high": 3.25, "item": "cust_awareness"}, lang="it")
    'vicino al neutro: media tra 2,75 e 3,25'
    >>> claim_said(cs.get("S7"), {"comparison": "top", "statistic": "ranking"}, lang="en",
    ...     codebook=cb)
    'the two highest: work-life balance (people) and continuity of service (companies)'
    >>> claim_said(cs.get("S6"), {"comparison": "above", "statistic": "quantile",
    ...     "threshold_low": 75.0, "item": "remote_share"}, lang="it", codebook=cb)
    'mediana sopra 75 %'
    """
    check_lang(lang)
    kind, stat = row.get("comparison"), row.get("statistic")
    if kind == "top":
        top = list(claim.comparison.get("items") or [])
        labels = [codebook.text(i, lang) if codebook is not None else i for i in top]
        return t("said.top", lang, count=_count(len(top), lang), items=_names(labels, lang))
    if kind == "describe":
        return t("said.describe", lang)
    low, high = row.get("threshold_low"), row.get("threshold_high")
    what = ""
    if stat == "mean":
        what = t("said.mean", lang)
    elif stat == "quantile":
        q = claim.statistic.get("q", 0.5)
        what = (
            t("said.median", lang)
            if math.isclose(q, 0.5)
            else t("said.quantile", lang, q=fmt_int(100 * q, lang=lang))
        )
    if kind == "above" or (not is_missing(low) and is_missing(high)) or high == math.inf:
        text = t("said.above", lang, value=_value(low, row, lang, codebook))
    elif kind == "below" or low == -math.inf:
        text = t("said.below", lang, value=_value(high, row, lang, codebook))
    else:
        text = t(
            "said.between",
            lang,
            low=_value(low, row, lang, codebook),
            high=_value(high, row, lang, codebook),
        )
    text = f"{what} {text}".strip()
    if kind == "neutral":
        text = t("said.neutral", lang, region=text)
    return text


def claim_unit(row: Mapping[str, Any], *, lang: str, codebook: Any = None) -> str:
    """What a claim's estimate measures and in which unit, for a chart's panel.

    From the verdict row's ``statistic`` (and ``item``, with a codebook: a scale's
    points, a numeric item's unit); empty for a statistic it does not know.

    >>> from cmmc_analysis.codebook import load_codebook
    >>> cb = load_codebook()
    >>> claim_unit({"statistic": "share"}, lang="it")
    'quota di risposte, %'
    >>> claim_unit({"statistic": "mean", "item": "cust_awareness"}, lang="it", codebook=cb)
    'media, scala da 1 a 5'
    >>> claim_unit({"statistic": "quantile", "item": "remote_share"}, lang="en", codebook=cb)
    'median, %'
    >>> claim_unit({"statistic": "ranking", "item": "effect_worklife"}, lang="en", codebook=cb)
    'smallest gap between means, points of the 1–5 scale'
    """
    check_lang(lang)
    stat, item = row.get("statistic"), row.get("item")
    if stat in SHARE_STATISTICS:
        return t("unit.share", lang)
    if isinstance(item, str) and "," in item:  # a ranking names several items
        item = item.split(",")[0].strip()
    scale = codebook.scale_of(item) if _is_scale(codebook, item) else None
    if stat == "ranking":
        if scale is None:
            return t("unit.ranking", lang)
        return t("unit.ranking_scale", lang, k=fmt_int(scale.k, lang=lang))
    key = {"mean": "said.mean", "quantile": "said.median"}.get(str(stat))
    if key is None:  # a statistic without a known unit: nothing to add
        return ""
    name = t(key, lang)
    if scale is not None:
        return t("unit.on_scale", lang, what=name, k=fmt_int(scale.k, lang=lang))
    unit = _unit(codebook, item)
    return f"{name}, {unit}" if unit else name


def claim_result(
    claim: Any,
    row: Mapping[str, Any],
    *,
    lang: str,
    codebook: Any = None,
    means: Mapping[str, float] | None = None,
) -> str:
    """The estimate in words with its unit and interval.

    ``means`` (item -> mean of its scale codes) lets ranking claims show their items'
    means instead of a difference of means.

    >>> from cmmc_analysis.claims import load_claims
    >>> cs = load_claims()
    >>> claim_result(cs.get("S1"), {"statistic": "share", "estimate": 0.6638,
    ...     "ci_low": 0.6008, "ci_high": 0.7215}, lang="it")
    '66 % (tra 60 % e 72 %)'
    >>> claim_result(cs.get("S7"), {"statistic": "ranking", "comparison": "top"}, lang="en",
    ...     means={"effect_worklife": 4.31, "effect_continuity": 4.12, "effect_quality": 3.4,
    ...            "effect_costs": 2.9})
    'means 4.3 and 4.1, against at most 3.4 for the others'
    """
    check_lang(lang)
    stat = row.get("statistic")
    if stat == "ranking":
        means = means or {}
        known = [i for i in claim.items if i in means]
        if not known:
            return t("missing", lang)
        if row.get("comparison") == "top":
            top = [i for i in claim.comparison.get("items") or [] if i in means]
            rest = [means[i] for i in known if i not in top]
            tops = [fmt_number(means[i], lang=lang, digits=1) for i in top]
            return t(
                "result.top",
                lang,
                means=_names(tops, lang),
                rest=fmt_number(max(rest), lang=lang, digits=1) if rest else t("missing", lang),
            )
        ranked = sorted(known, key=lambda i: -means[i])
        label = (lambda i: codebook.text(i, lang)) if codebook is not None else str
        first = [f"{label(i)} ({fmt_number(means[i], lang=lang, digits=1)})" for i in ranked[:3]]
        last = f"{label(ranked[-1])} ({fmt_number(means[ranked[-1]], lang=lang, digits=1)})"
        return t("result.describe", lang, first=_names(first, lang), last=last)
    est, low, high = row.get("estimate"), row.get("ci_low"), row.get("ci_high")
    if is_missing(est):
        return t("missing", lang)
    if stat in SHARE_STATISTICS:
        fmt = _share
    elif stat == "mean":

        def fmt(x: Any, lang: str) -> str:
            return fmt_number(x, lang=lang, digits=2)
    else:

        def fmt(x: Any, lang: str) -> str:
            return plain_number(
                round(float(x), 1), lang=lang, unit=_unit(codebook, row.get("item"))
            )

    if is_missing(low) or is_missing(high):
        return fmt(est, lang)
    return t(
        "result.estimate", lang, estimate=fmt(est, lang), low=fmt(low, lang), high=fmt(high, lang)
    )


def verdict_words(
    final: Mapping[str, Any], interim: Mapping[str, Any] | None, *, lang: str, when: str = ""
) -> str:
    """The verdict in plain words, with whether it was already solid at the interim.

    >>> verdict_words({"verdict": "supported", "settled": True},
    ...               {"verdict": "supported", "settled": False}, lang="it", when="al 18 marzo")
    'Confermata; solida solo alla chiusura'
    >>> verdict_words({"verdict": "supported", "settled": True},
    ...               {"verdict": "supported", "settled": True}, lang="en", when="on 18 March")
    'Supported; already solid on 18 March'
    """
    check_lang(lang)
    verdict = final.get("verdict")
    text = t(f"words.verdict.{verdict}" if verdict in _VERDICTS else "missing", lang)
    if verdict != "supported":
        return text
    settled = final.get("settled")
    if is_missing(settled) or not bool(settled):
        return text + "; " + t("words.not_solid", lang)
    if (
        interim is not None
        and interim.get("verdict") == "supported"
        and _true(interim.get("settled"))
    ):
        return text + "; " + t("words.solid_interim", lang, when=when)
    if interim is not None:
        return text + "; " + t("words.solid_close", lang)
    return text + "; " + t("words.solid", lang)


_VERDICTS = ("supported", "not supported", "inconclusive", "descriptive")


def _true(x: Any) -> bool:
    return not is_missing(x) and bool(x)


def _by_cut(verdicts: pd.DataFrame) -> tuple[dict[str, dict], dict[str, dict]]:
    final, interim = {}, {}
    for r in verdicts.to_dict("records"):
        (final if r.get("cut", "final") == "final" else interim)[str(r["claim"])] = r
    return final, interim


def by_label(table: pd.DataFrame, claims: Any, *, lang: str) -> pd.DataFrame:
    """A copy of a table whose ``claim`` ids are replaced by the claims' short labels.

    >>> from cmmc_analysis.claims import load_claims
    >>> by_label(pd.DataFrame({"claim": ["S2"]}), load_claims(), lang="en")["claim"].tolist()
    ['More use of digital channels']
    """
    out = table.copy()
    if "claim" in out:
        known = {c.id: c.short(lang) for c in claims.claims}
        out["claim"] = [known.get(c, c) for c in out["claim"]]
    return out


def ranking_means(survey: Any, claims: Any) -> dict[str, dict[str, float]]:
    """Each ranking claim's item means over the respondents who answered all its items.

    The same base as the claim's verdict (its ``n``).
    """
    out = {}
    for claim in claims.claims:
        if claim.statistic.get("type") == "ranking":
            codes = survey.codes(list(claim.items)).dropna()
            out[claim.id] = {i: float(codes[i].mean()) for i in claim.items} if len(codes) else {}
    return out


def when_interim(codebook: Any, cutoff: Any, lang: str) -> str:
    """ "al 18 marzo 2020" / "on 18 March 2020": the interim cut-off's date, in words."""
    from babel.dates import format_date

    try:
        stamp = codebook.cutoff(cutoff) if not isinstance(cutoff, pd.Timestamp) else cutoff
    except Exception:  # noqa: BLE001 -- a date-time cut-off or none: the generic words
        stamp = pd.Timestamp(cutoff) if cutoff else None
    if stamp is None or pd.isna(stamp):
        return t("words.at_interim", lang)
    return t(
        "words.on_date",
        lang,
        date=format_date(stamp.date(), format="long", locale=_LOCALE.get(lang, lang)),
    )


def members_table(
    verdicts: pd.DataFrame,
    claims: Any,
    *,
    lang: str,
    codebook: Any = None,
    means: Mapping[str, Mapping[str, float]] | None = None,
    when: str = "",
) -> pd.DataFrame:
    """One row per claim of the file, for members: label, said, result, n, verdict.

    Every claim of the claims file appears, in the file's order (a claim without a
    final row says so). ``means`` gives each ranking claim's item means
    (:func:`ranking_means`); ``when`` the interim's date in words (:func:`when_interim`).
    """
    check_lang(lang)
    final, interim = _by_cut(verdicts)
    rows = []
    for claim in claims.claims:
        r = final.get(claim.id) or interim.get(claim.id)
        if r is None:
            rows.append(
                {
                    "claim": claim.short(lang),
                    "said": "",
                    "result": "",
                    "n": "",
                    "verdict": t("words.not_evaluated", lang),
                }
            )
            continue
        rows.append(
            {
                "claim": claim.short(lang),
                "said": claim_said(claim, r, lang=lang, codebook=codebook),
                "result": claim_result(
                    claim, r, lang=lang, codebook=codebook, means=(means or {}).get(claim.id)
                ),
                "n": fmt_int(r.get("n"), lang=lang),
                "verdict": verdict_words(r, interim.get(claim.id), lang=lang, when=when),
            }
        )
    table = pd.DataFrame(rows, columns=["claim", "said", "result", "n", "verdict"])
    return table.rename(columns=lambda c: t(f"members.{c}", lang))


def findings_summary(
    verdicts: pd.DataFrame,
    claims: Any,
    *,
    lang: str,
    n: int,
    codebook: Any = None,
    means: Mapping[str, Mapping[str, float]] | None = None,
    when: str = "",
) -> str:
    """A few sentences opening the findings page: what holds, what was solid early.

    >>> from cmmc_analysis.claims import load_claims
    >>> cs = load_claims()
    >>> v = pd.DataFrame({"claim": ["S2", "S4", "S2", "S4"], "cut": ["interim", "interim",
    ...     "final", "final"], "verdict": ["supported"] * 4, "settled": [False, True, True, True]})
    >>> print(findings_summary(v, cs, lang="en", n=235, when="on 18 March 2020"))
    Both checkable statements are supported by the final data (235 questionnaires). One was already solid on 18 March 2020 (customers training in digital tools); one became solid only at the close (more use of digital channels).
    """
    check_lang(lang)
    final, interim = _by_cut(verdicts)
    tested = [
        c for c in claims.claims if c.id in final and final[c.id].get("verdict") != "descriptive"
    ]
    held = [c for c in tested if final[c.id].get("verdict") == "supported"]

    def label(chosen: list[Any]) -> str:
        return _names([_inline(c.short(lang)) for c in chosen], lang)

    k, total = len(held), len(tested)
    out = []
    if total:
        if k == total:
            key = (
                "summary.all_one"
                if total == 1
                else ("summary.all_two" if total == 2 else "summary.all")
            )
            out.append(t(key, lang, total=_count(total, lang), n=fmt_int(n, lang=lang)))
        else:
            out.append(
                t(
                    "summary.some",
                    lang,
                    k=fmt_int(k, lang=lang),
                    total=fmt_int(total, lang=lang),
                    n=fmt_int(n, lang=lang),
                    others=label([c for c in tested if c not in held]),
                )
            )
    if interim and held:
        early = [
            c
            for c in held
            if _true(final[c.id].get("settled")) and _true((interim.get(c.id) or {}).get("settled"))
        ]
        late = [c for c in held if _true(final[c.id].get("settled")) and c not in early]
        parts = []
        if early:
            parts.append(
                t(
                    "summary.early_one" if len(early) == 1 else "summary.early",
                    lang,
                    k=_count(len(early), lang).capitalize(),
                    when=when,
                    labels=label(early),
                )
            )
        if late:
            key = "summary.late_one" if len(late) == 1 else "summary.late"
            text = t(key, lang, k=_count(len(late), lang), labels=label(late))
            parts.append(text if parts else text[0].upper() + text[1:])
        if parts:
            out.append("; ".join(parts) + ".")
    for c in claims.claims:
        r = final.get(c.id)
        if r is not None and r.get("verdict") == "descriptive":
            result = claim_result(c, r, lang=lang, codebook=codebook, means=(means or {}).get(c.id))
            out.append(t("summary.describe", lang, label=c.short(lang), result=result))
    return " ".join(out)


def how_we_worked(codebook: Any, *, lang: str, n: int) -> str:
    """A short plain "how we worked" paragraph: fieldwork window, self-selection, scale.

    >>> from cmmc_analysis.codebook import load_codebook
    >>> how_we_worked(load_codebook(), lang="en", n=235).split(". ")[0]
    '**How we worked.** 235 people answered the questionnaire between 9 March 2020 and 27 March 2020'
    """
    from babel.dates import format_date

    check_lang(lang)
    start, end = codebook.fieldwork_start, codebook.fieldwork_end
    count = fmt_int(n, lang=lang)
    if start is not None and end is not None and not (pd.isna(start) or pd.isna(end)):
        when = t(
            "how.window",
            lang,
            start=format_date(start.date(), format="long", locale=_LOCALE.get(lang, lang)),
            end=format_date(end.date(), format="long", locale=_LOCALE.get(lang, lang)),
        )
    else:
        when = ""
    parts = [t("how.answered", lang, n=count, when=when).replace("  ", " ").replace(" .", ".")]
    parts.append(t("how.self_selected", lang))
    if codebook.scale_items:
        parts.append(t("how.scale", lang))
    return f"**{t('how.title', lang)}** " + " ".join(parts)


def reading_box(lang: str, *, min_n: int = 30) -> str:
    """The "how to read" box and the glossary, as Markdown (a block quote and a list).

    >>> reading_box("en", min_n=30).splitlines()[0]
    '> **How to read this page**'
    """
    check_lang(lang)
    terms = [k for k in t("glossary.terms", lang).split(",") if k]
    lines = [
        f"> **{t('reading.title', lang)}**",
        ">",
        f"> {t('nb04.reading', lang, min_n=min_n)}",
        "",
    ]
    lines.append(f"**{t('glossary.title', lang)}**")
    lines.append("")
    lines.extend(
        f"- **{t(f'glossary.{k}.term', lang)}**: {t(f'glossary.{k}.text', lang)}" for k in terms
    )
    return "\n".join(lines)
