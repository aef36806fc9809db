"""The display layer: numbers, texts, tables and sentences in the report's language."""

from __future__ import annotations

import re
import string

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmmc_analysis.display import (
    STRINGS,
    claim_sentences,
    fmt_ci,
    fmt_int,
    fmt_number,
    fmt_p,
    fmt_share,
    format_claims,
    format_table,
    methods_text,
    t,
)
from cmmc_analysis.errors import ReportError


@pytest.mark.parametrize(
    ("value", "it", "en"),
    [
        (0.453, "45,3 %", "45.3%"),  # the issue's own example
        (0.0, "0,0 %", "0.0%"),
        (1.0, "100,0 %", "100.0%"),
        (12.3456, "1.234,6 %", "1,234.6%"),
        (None, "–", "–"),
        (float("nan"), "–", "–"),
    ],
)
def test_fmt_share(value, it: str, en: str) -> None:
    assert fmt_share(value, lang="it") == it
    assert fmt_share(value, lang="en") == en


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(0, 4))
def test_italian_and_english_numbers_are_the_same_number(x: float, digits: int) -> None:
    it, en = fmt_number(x, lang="it", digits=digits), fmt_number(x, lang="en", digits=digits)
    assert float(it.replace(".", "").replace(",", ".")) == float(en.replace(",", ""))
    assert float(en.replace(",", "")) == pytest.approx(round(x, digits), abs=10**-digits)
    if digits:
        assert re.fullmatch(r"-?\d{1,3}(\.\d{3})*,\d+", it)


def test_fmt_p_and_ci() -> None:
    assert fmt_p(0.0004, lang="it") == "p < 0,001"
    assert fmt_p(0.001, lang="en") == "p = 0.001"
    assert fmt_p(0.04567, lang="it", prefix=False) == "0,046"
    assert fmt_ci(0.614, 0.734, lang="it", share=True) == "[61,4 %; 73,4 %]"
    assert fmt_ci(0.614, 0.734, lang="en", share=True) == "[61.4%, 73.4%]"
    assert fmt_int(1234567, lang="it") == "1.234.567"


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    assert set(STRINGS["it"]) == set(STRINGS["en"])
    fields = {
        lang: {
            k: {f for _, f, _, _ in string.Formatter().parse(v) if f}
            for k, v in STRINGS[lang].items()
        }
        for lang in STRINGS
    }
    assert fields["it"] == fields["en"]
    differ = [
        k for k in STRINGS["it"] if STRINGS["it"][k] != STRINGS["en"][k] and k.startswith("nb")
    ]
    assert len(differ) > 20  # the narrative is really translated


def test_t_errors_name_the_key_and_language() -> None:
    assert t("nb02.segments_text", "en", segment="Region") == (
        "Share in the two highest answers, by group: Region"
    )
    with pytest.raises(
        ReportError,
        match=r"unknown text key 'nb01.flow_textz' for language 'it'; closest: \['nb01.flow_text'",
    ):
        t("nb01.flow_textz", "it")
    with pytest.raises(
        ReportError, match=r"parameter lang: unknown language 'de'; expected one of \['it', 'en'\]"
    ):
        fmt_share(0.5, lang="de")


def test_format_table_formats_by_column_and_leaves_input_alone() -> None:
    df = pd.DataFrame(
        {
            "item": ["org_models", "tech_cloud"],
            "n": [232, 12],
            "mean": [3.926724, 3.5],
            "top2": [0.676724, 0.5],
            "p_adjusted": [3.5e-27, 0.0456],
            "verdict": ["supported", "inconclusive"],
            "settled": pd.array([True, pd.NA], dtype="boolean"),
        }
    )
    before = df.copy()
    from cmmc_analysis.codebook import load_codebook

    shown = format_table(df, lang="it", codebook=load_codebook()).data
    pd.testing.assert_frame_equal(df, before)
    assert list(shown.columns) == [
        "Domanda",
        "n",
        "Media",
        "Top-2",
        "p corretto",
        "Verdetto",
        "Consolidata",
    ]
    assert shown.iloc[0].tolist()[1:] == ["232", "3,93", "67,7 %", "< 0,001", "confermata", "sì"]
    assert shown.iloc[1].tolist()[1:] == ["12", "3,50", "50,0 %", "0,046", "non conclusiva", "–"]
    assert shown.iloc[0, 0].startswith("L'emergenza contribuisce")
    html = format_table(df, lang="en").to_html()
    assert "<th" in html and "Strongly" not in html and "Mean" in html


def test_format_claims_and_sentences_use_each_claims_unit() -> None:
    v = pd.DataFrame(
        {
            "claim": ["S2", "S4"],
            "statement": ["Over 80%.", "Moderate."],
            "cut": ["final", "final"],
            "statistic": ["share", "mean"],
            "n": [225, 214],
            "estimate": [0.871111, 3.542056],
            "ci_low": [0.821023, 3.411774],
            "ci_high": [0.90874, 3.672338],
            "threshold": [0.8, 3.0],
            "p_adjusted": [0.004, 1e-6],
            "verdict": ["supported", "supported"],
            "settled": [True, True],
        }
    )
    shown = format_claims(v, lang="it").data
    assert shown["Stima"].tolist() == ["87,1 %", "3,54"]
    assert shown["IC 95 %"].tolist() == ["[82,1 %; 90,9 %]", "[3,41; 3,67]"]
    assert shown["Dati"].tolist() == ["finale", "finale"]
    text = claim_sentences(v, lang="it")
    assert text.splitlines()[1] == (
        "- **S4** Moderate. finale (n = 214): confermata, consolidata; stima 3,54 [3,41; 3,67], soglia 3,00."
    )


def test_methods_text_lists_what_was_run() -> None:
    from types import SimpleNamespace

    tests = pd.DataFrame(
        {
            "method": ["Wilcoxon signed-rank vs 3, zero_method=pratt"] * 2 + ["Kruskal-Wallis H"],
            "correction": ["holm", "holm", "none"],
            "family": ["vs neutral: " + ", ".join(f"item{i}" for i in range(100))] * 3,
        }
    )
    log = SimpleNamespace(excluded=pd.DataFrame({"rule": ["duplicates", "speeders", "duplicates"]}))
    text = methods_text([tests], lang="en", log=log)
    lines = text.splitlines()
    assert lines[0] == "### Methods"
    assert lines[2] == (
        "- **Tests run**: Wilcoxon signed-rank vs 3, zeros handled as Pratt proposed; "
        "Kruskal-Wallis H."
    )  # no code words
    assert lines[3] == "- **Multiplicity corrections**: Holm."  # "none" is not a correction
    assert "- **Rows excluded in cleaning**: duplicates 2, speeders 1." in lines
    assert not any(re.search(r"pandas \d", line) for line in lines)  # versions: the footer
    italian = methods_text([tests], lang="it", log=log)
    assert "test di Wilcoxon dei ranghi con segno contro 3, zeri trattati alla Pratt" in italian
    assert "zero_method" not in italian and "signed-rank" not in italian


def test_methods_name_items_by_text_and_cut_long_lists_at_a_clause() -> None:
    from cmmc_analysis.codebook import load_codebook

    cb = load_codebook()
    ids = list(cb.items)[:3]
    tab = pd.DataFrame({"family": ["; ".join(f"{i} by role" for i in ids * 20)]})
    text = methods_text([tab], lang="en", codebook=cb)
    line = next(x for x in text.splitlines() if x.startswith("- **Families of tests**"))
    assert cb.text(ids[0], "en") in line and ids[0] not in line
    assert re.search(r"; and \d+ more\.$", line)  # cut at a clause, the rest counted
    runs = pd.DataFrame({"family": ["pairwise within " + ", ".join(list(cb.scale_items)[:6])]})
    assert "pairwise within 6 questions." in methods_text([runs], lang="en", codebook=cb)


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.integers(0, 4))
def test_babel_rounds_as_python_formats(x: float, digits: int) -> None:
    # the numbers a page shows are the ones f"{x:.2f}" gives: rounding on the float's value
    assert fmt_number(x, lang="en", digits=digits, grouping=False) == f"{x:.{digits}f}"
    assert fmt_number(x, lang="en", digits=digits) == f"{x:,.{digits}f}"


def test_years_and_ids_have_no_thousands_separator() -> None:
    df = pd.DataFrame({"year": [2024], "respondent_id": [12345], "count": [12345]})
    assert format_table(df, lang="it").data.iloc[0].tolist() == ["2024", "12345", "12.345"]
    assert fmt_int(2024, lang="en", grouping=False) == "2024"


def test_every_public_display_name_is_importable_from_the_package() -> None:
    import cmmc_analysis.display as display
    from cmmc_analysis.display import (
        banner,
        findings,
        i18n,
        narrative,
        numbers,
        plots,
        questions,
        tables,
    )

    modules = (i18n, numbers, tables, banner, narrative, findings, questions, plots)
    for module in modules:
        for name in module.__all__:
            assert getattr(display, name) is getattr(module, name), name
    assert sorted(display.__all__) == sorted(n for m in modules for n in m.__all__)


def test_with_labels_puts_the_page_language_into_computed_tables() -> None:
    from cmmc_analysis.claims import evaluate_claims, load_claims
    from cmmc_analysis.codebook import load_codebook
    from cmmc_analysis.describe import choice_summary, distribution, likert_summary
    from cmmc_analysis.display import with_labels
    from cmmc_analysis.examples import toy_survey

    s, cb = toy_survey(), load_codebook()
    # computing gives the source language (Italian) ...
    summary = likert_summary(s, ["tech_cloud"])
    assert summary["label"].tolist() == [cb.text("tech_cloud", "it")]
    # ... and the display layer the page's, leaving ids and numbers alone
    english = with_labels(summary, cb, "en")
    assert english["label"].tolist() == ["cloud contact-center solutions"]
    pd.testing.assert_frame_equal(english.drop(columns="label"), summary.drop(columns="label"))
    d = with_labels(distribution(s, ["tech_cloud"]), cb, "en")
    assert d["label"].tolist() == cb.scale_of("tech_cloud").labels("en") + ["Don't know"]
    c = with_labels(choice_summary(s, "channels_up"), cb, "en")
    assert c.loc[c["option"] == "App di messaggistica", "label"].tolist() == ["Messaging apps"]
    claims = load_claims(codebook=cb)
    from cmmc_analysis import load_survey

    verdicts = evaluate_claims(load_survey(), claims)
    assert verdicts["statement"].tolist() == [claims.get(c).text("it") for c in verdicts["claim"]]
    shown = with_labels(verdicts, cb, "en", claims=claims)
    assert shown["statement"].tolist() == [claims.get(c).text("en") for c in verdicts["claim"]]
    assert "label" not in shown  # a verdict's item lists several ids: no label column
    # given the codebook, format_table shows labels in the page's language too
    page = format_table(summary, lang="en", codebook=cb, columns=["item", "label", "n"]).data
    assert page.iloc[0].tolist() == ["cloud contact-center solutions"] * 2 + ["7"]


def test_every_change_between_cuts_is_shown_in_words_in_both_languages() -> None:
    """compare_cuts' ``change`` (fixed names and "V1 -> V2") never reaches a page raw."""
    import itertools

    from cmmc_analysis.claims.evaluate import VERDICTS
    from cmmc_analysis.claims.looks import _describe_change

    values = {
        _describe_change(v_i, s_i, v_f, s_f)
        for v_i, v_f in itertools.product([*VERDICTS, None], VERDICTS)
        for s_i, s_f in itertools.product([True, False, None], repeat=2)
    }
    assert "not supported -> supported" in values and "settled at the close" in values
    table = pd.DataFrame({"change": sorted(values)})
    shown = {lang: format_table(table, lang=lang).data.iloc[:, 0].tolist() for lang in ("it", "en")}
    english_ids = {*VERDICTS, "->", "settled", "unchanged", "final only"}
    for raw, it, en in zip(sorted(values), shown["it"], shown["en"], strict=True):
        assert "->" not in it and "->" not in en, raw
        assert not any(word in it for word in english_ids), (raw, it)
        assert it != en, raw
    row = sorted(values).index("not supported -> supported")
    assert shown["it"][row] == "da non confermata a confermata"
    assert shown["en"][row] == "from not supported to supported"


def _method_sentences() -> set[str]:
    """Every method, family and interval description the computing functions write,
    over their options, on data of our own (and the bundled claims, evaluated)."""
    import warnings

    import numpy as np

    from cmmc_analysis import load_survey, reliability, significance
    from cmmc_analysis.claims import evaluate_cuts, load_claims

    rng = np.random.default_rng(11)
    n = 90
    codes = pd.DataFrame({f"v{i}": rng.integers(1, 6, n).astype(float) for i in range(4)})
    frame = codes.assign(
        g2=rng.choice(["a", "b"], n),
        g4=rng.choice(["a", "b", "c", "d"], n, p=[0.45, 0.4, 0.1, 0.05]),
        nom=rng.choice(["x", "y", "z"], n),
        bin=rng.choice(["x", "y"], n),
    )
    tables = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for zero_method in ("pratt", "wilcox", "zsplit"):
            for continuity in (True, False):
                for exact in (None, True, False):
                    tables.append(
                        significance.vs_neutral(
                            codes, midpoint=3, zero_method=zero_method,
                            continuity=continuity, exact=exact,
                        )
                    )  # fmt: skip
        for ci_method in ("wilson", "exact"):
            tables.append(
                significance.share_test(count=30, n=90, threshold=0.3, ci_method=ci_method)
            )
        for q in (0.5, 0.75):
            tables.append(significance.quantile_test(codes["v1"], q=q, threshold=3))
        for data in (frame, frame.iloc[:16]):
            for by in ("g2", "g4"):
                for item in ("v1", "nom", "bin"):
                    tables.append(significance.compare_groups(data, item, by, n_resamples=99))
            tables.append(significance.dunn_posthoc(data, "v1", "g4"))
            tables.append(significance.friedman(data[["v0", "v1", "v2"]]))
            for missing in ("listwise", "pairwise"):
                tables.append(
                    significance.pairwise_battery(data[["v0", "v1", "v2"]], missing=missing)
                )
            tables.append(significance.battery_ranking(data[["v0", "v1", "v2", "v3"]]))
        tables.append(reliability.cronbach_alpha(codes))
        tables.append(reliability.omega_total(codes))
        tables.append(evaluate_cuts(load_survey(), load_claims()))
    return {
        str(v)
        for table in tables
        for column in ("method", "family", "ci_method")
        if column in table
        for v in table[column].dropna()
        if str(v)
    }


def test_every_method_sentence_reads_in_italian_on_an_italian_page() -> None:
    """No method description reaches an Italian page with English words in it."""
    from cmmc_analysis.codebook import load_codebook
    from cmmc_analysis.display.narrative import plain_method
    from cmmc_analysis.report.reading import foreign_words

    cb = load_codebook()  # item ids of the bundled claims become their texts
    sentences = _method_sentences()
    assert len(sentences) >= 30  # the options really produced different sentences
    kinds = ("Mann-Whitney", "chi-square", "Fisher", "Dunn", "Friedman", "omega", "quantile")
    assert all(any(kind in s for s in sentences) for kind in kinds)
    left = {}
    for sentence in sentences:
        italian = plain_method(sentence, lang="it", codebook=cb)
        if foreign_words(italian, "it") or re.search(r"\b[a-z]+_[a-z_]+\b", italian):
            left[sentence] = italian
    assert not left, "\n".join(f"{en}\n  -> {it}" for en, it in left.items())
    # and the check itself catches an English sentence the phrase table does not know
    assert foreign_words(plain_method("bootstrap of the median, 999 resamples", lang="it"), "it")
