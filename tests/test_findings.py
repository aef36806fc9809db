"""The findings page for members: summary, plain claim rows, claimed bands in the chart."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cmmc_analysis.claims import load_claims, parse_claims
from cmmc_analysis.codebook import load_codebook
from cmmc_analysis.display import findings
from cmmc_analysis.errors import ClaimsError


@pytest.fixture(scope="module")
def cs():
    return load_claims()


@pytest.fixture(scope="module")
def cb():
    return load_codebook()


def _verdicts() -> pd.DataFrame:
    # values of the bundled build (S1 final: 154 of 232 agree = 66.4 %, Wilson 60.1-72.1 %)
    rows = [
        ("S1", "interim", "share", "about", 0.567, 0.767, 105, 0.6667, 0.572, 0.7495, False),
        ("S1", "final", "share", "about", 0.567, 0.767, 232, 154 / 232, 0.6008, 0.7215, True),
        ("S4", "interim", "mean", "between", 3.0, 4.0, 103, 3.67, 3.48, 3.86, True),
        ("S4", "final", "mean", "between", 3.0, 4.0, 214, 3.542, 3.412, 3.672, True),
        ("S6", "interim", "quantile", "above", 75.0, math.inf, 82, 85.0, 75.0, 90.0, False),
        ("S6", "final", "quantile", "above", 75.0, math.inf, 175, 85.0, 85.0, 90.0, True),
    ]
    cols = ["claim", "cut", "statistic", "comparison", "threshold_low", "threshold_high", "n"]
    cols += ["estimate", "ci_low", "ci_high", "settled"]
    v = pd.DataFrame(rows, columns=cols)
    v["verdict"] = "supported"
    v["item"] = v["claim"].map({"S1": "org_models", "S4": "cust_training", "S6": "remote_share"})
    return v


def test_every_claim_of_the_file_has_a_row_with_its_label(cs, cb) -> None:
    table = findings.members_table(_verdicts(), cs, lang="it", codebook=cb, when="al 18 marzo")
    assert table.columns.tolist() == [
        "Affermazione",
        "Che cosa diceva",
        "Che cosa dicono i dati",
        "Risposte",
        "Verdetto",
    ]
    # all eight claims of the file, S9 included, in the file's order
    assert len(table) == len(cs.claims) == 8
    s1 = table.iloc[0].tolist()
    assert s1 == [
        "L'emergenza cambia i modelli organizzativi",
        "tra 57 % e 77 %",
        "66 % (tra 60 % e 72 %)",
        "232",
        "Confermata; solida solo alla chiusura",
    ]
    s4 = table.iloc[3].tolist()
    assert s4[1:] == [
        "media tra 3 e 4",
        "3,54 (tra 3,41 e 3,67)",
        "214",
        "Confermata; già solida al 18 marzo",
    ]
    s6 = table.iloc[5].tolist()
    assert s6[1:3] == ["mediana sopra 75 %", "85 % (tra 85 % e 90 %)"]
    # claims without rows say so, they are not dropped
    assert table.iloc[1, 4] == "non valutata su questi dati"


def test_summary_names_what_holds_and_what_was_solid_early(cs, cb) -> None:
    text = findings.findings_summary(
        _verdicts(), cs, lang="it", n=235, codebook=cb, when="al 18 marzo 2020"
    )
    assert text.startswith("Tutte e tre le affermazioni verificabili sono confermate")
    assert "(235 questionari)" in text
    assert "Una era già solida al 18 marzo 2020 (clienti che si formano al digitale)" in text
    assert "due lo sono diventate solo alla chiusura (l'emergenza cambia" in text


def test_a_claim_not_supported_is_named(cs) -> None:
    v = _verdicts()
    v.loc[v["claim"] == "S6", "verdict"] = "not supported"
    text = findings.findings_summary(v, cs, lang="en", n=235)
    assert text.startswith("2 of the 3 checkable statements are supported")
    assert "not supported: staff involved in remote work." in text


def test_label_falls_back_to_the_shortened_statement(cb) -> None:
    doc = {
        "claims": [
            {
                "id": "X",
                "statement": {"it": "Una frase " * 12, "en": "A sentence " * 12},
                "item": "org_models",
                "statistic": {"type": "mean"},
                "comparison": {"type": "neutral"},
            }
        ]
    }
    claim = parse_claims(doc, codebook=cb).claims[0]
    assert claim.short("en").endswith("…") and len(claim.short("en")) <= 60
    doc["claims"][0]["label"] = {"it": "Etichetta"}
    with pytest.raises(ClaimsError, match=r"claims\[0\] \(X\)\.label: expected a text in each"):
        parse_claims(doc, codebook=cb)


def test_claims_chart_shades_each_band_names_panels_and_keeps_legend_off(cs) -> None:
    from matplotlib.patches import Rectangle

    from cmmc_analysis.display import plots

    v = _verdicts()
    v["threshold"] = v["threshold_low"]
    names = {c.id: c.short("en") for c in cs.claims}
    fig = plots.interval_plot(v, lang="en", title="Claims", names=names)
    axes = fig.axes
    assert axes[0].get_title(loc="left") == (
        "The emergency changes organisational models · share of answers, % (n = 105–232)"
    )
    # S1's band 56.7-76.7 %: a shaded span with both ends inside the panel
    spans = [p for p in axes[0].patches if isinstance(p, Rectangle)]
    assert len(spans) == 1
    x0, x1 = axes[0].get_xlim()
    assert x0 < 0.567 and x1 > 0.767
    # the legend belongs to the figure, not to a panel
    assert all(ax.get_legend() is None for ax in axes) and len(fig.legends) == 1


def test_statements_written_as_sentences_read_well_inside_the_summary() -> None:
    """A claims file without labels (tests/fixtures/qualtrics): its statements end with a
    full stop, which must not land inside the summary's brackets or before a colon; and
    no heading falls back to the claim's id."""
    from pathlib import Path

    from cmmc_analysis.claims import load_claims as load

    fixture = Path(__file__).parent / "fixtures" / "qualtrics"
    cs = load(fixture / "claims.yaml", codebook=load_codebook(fixture / "codebook.yaml"))
    v = pd.DataFrame(
        {
            "claim": ["K1", "K2", "K3"] * 2,
            "cut": ["interim"] * 3 + ["final"] * 3,
            "verdict": ["supported", "supported", "descriptive"] * 2,
            "settled": [True, False, False, True, True, False],
        }
    )
    text = findings.findings_summary(v, cs, lang="en", n=34, when="on 9 March 2024")
    assert "(participants are satisfied overall)" in text
    assert ".)" not in text and ".:" not in text and ". :" not in text
    assert [c.heading("en") for c in cs.claims] == [
        "Half of the participants would recommend the course with an 8 or more",
        "Participants are satisfied overall",
        "The course, aspect by aspect",
    ]
