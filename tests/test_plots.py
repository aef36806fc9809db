"""Figures: what was drawn (bars, labels, titles), not just that a figure came back."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cmmc_analysis.display import plots
from cmmc_analysis.errors import ReportError


def distribution(
    counts: dict[str, list[int]],
    na: dict[str, int],
    labels=("No", "Maybe", "Neutral", "Yes", "Sure"),
) -> pd.DataFrame:
    """A distribution table as likert.distribution returns it (oracle written plainly)."""
    rows = []
    for item, cs in counts.items():
        n = sum(cs)
        for code, (c, lab) in enumerate(zip(cs, labels, strict=True), start=1):
            rows.append(
                {
                    "item": item,
                    "level": lab,
                    "code": code,
                    "label": lab,
                    "count": c,
                    "n": n,
                    "share": c / n,
                    "is_not_an_answer": False,
                }
            )
        rows.append(
            {
                "item": item,
                "level": "dk",
                "code": pd.NA,
                "label": "Don't know",
                "count": na[item],
                "n": n + na[item],
                "share": na[item] / (n + na[item]),
                "is_not_an_answer": True,
            }
        )
    return pd.DataFrame(rows)


COUNTS = {"q1": [10, 20, 30, 25, 15], "q2": [0, 5, 10, 40, 45], "q3": [30, 30, 20, 10, 20]}
NA = {"q1": 5, "q2": 0, "q3": 20}


def test_diverging_bars_are_centred_on_neutral() -> None:
    fig = plots.diverging_bars(
        distribution(COUNTS, NA), lang="en", title="Battery", items=["q2", "q1", "q3"]
    )
    main, side = fig.axes
    assert len(main.patches) == 3 * 5  # every scale point drawn, even when nobody chose it
    assert len(side.patches) == 3
    # q1 (second row drawn): the neutral bar straddles zero, half on each side.
    widths = np.array([p.get_width() for p in main.patches]).reshape(5, 3)
    lefts = np.array([p.get_x() for p in main.patches]).reshape(5, 3)
    q1 = 1
    assert lefts[2, q1] == pytest.approx(-0.30 / 2)
    assert lefts[0, q1] == pytest.approx(-(0.10 + 0.20 + 0.15))
    assert widths[:, q1] == pytest.approx([0.10, 0.20, 0.30, 0.25, 0.15])
    assert widths[0, 0] == 0.0  # q2 nobody chose "No": a zero-width bar, still in the legend
    assert [t.get_text() for t in main.get_legend().get_texts()] == [
        "No",
        "Maybe",
        "Neutral",
        "Yes",
        "Sure",
    ]
    # not-an-answer apart, as a share of all answers given
    assert [p.get_width() for p in side.patches] == pytest.approx([0.0, 5 / 105, 20 / 130])


def test_diverging_bars_labels_carry_n_and_order() -> None:
    fig = plots.diverging_bars(
        distribution(COUNTS, NA),
        lang="it",
        title="Batteria",
        items=["q3", "q1"],
        item_labels={"q1": "Prima", "q3": "Terza"},
        sort="given",
    )
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks == ["Terza (n\u00a0=\u00a0110)", "Prima (n\u00a0=\u00a0100)"]  # n never split
    assert fig.axes[0].get_title(loc="left") == "Batteria (n = 100–110)"
    assert fig.axes[0].xaxis.get_major_formatter()(-0.5, 0) == "50 %"  # left side shown as positive


def test_diverging_bars_on_a_given_axes_and_bad_input() -> None:
    fig = Figure()
    ax = fig.add_subplot()
    assert plots.diverging_bars(distribution(COUNTS, NA), lang="en", title="B", ax=ax) is fig
    assert len(ax.patches) == 15 and len(ax.child_axes[0].patches) == 3
    with pytest.raises(
        ReportError, match=r"diverging_bars: the table lacks columns \['is_not_an_answer'\]"
    ):
        plots.diverging_bars(
            distribution(COUNTS, NA).drop(columns="is_not_an_answer"), lang="en", title="B"
        )


def test_style_is_never_changed_globally() -> None:
    before = dict(mpl.rcParams)
    plots.diverging_bars(distribution(COUNTS, NA), lang="en", title="B")
    assert dict(mpl.rcParams) == before


def claims_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "claim": ["S1", "S1", "S2", "S2", "S6"],
            "cut": ["interim", "final", "interim", "final", "final"],
            "estimate": [0.676, 0.677, 0.903, 0.871, 85.0],
            "ci_low": [0.58, 0.61, 0.83, 0.82, 80.0],
            "ci_high": [0.76, 0.73, 0.95, 0.91, 90.0],
            "threshold": [0.667, 0.667, 0.8, 0.8, 75.0],
            "n": [105, 232, 103, 225, 175],
        }
    )


def test_interval_plot_one_panel_per_claim_with_threshold() -> None:
    fig = plots.interval_plot(claims_table(), lang="en", title="Claims")
    assert len(fig.axes) == 3
    assert [a.get_title(loc="left") for a in fig.axes] == [
        "S1 (n = 105–232)",  # no statistic column: no unit known
        "S2 (n = 103–225)",
        "S6 (n = 175)",
    ]
    assert [len(a.containers) for a in fig.axes] == [2, 2, 1]  # interim and final error bars
    s2 = fig.axes[1]
    final = s2.containers[1]
    assert final.lines[0].get_xdata()[0] == pytest.approx(0.871)
    thresholds = [ln.get_xdata()[0] for ln in s2.lines if ln.get_linestyle() == "--"]
    assert thresholds == [pytest.approx(0.8)]
    assert fig._suptitle.get_text() == "Claims (n = 103–232)"
    interim, final = (c.lines[0].get_ydata()[0] for c in s2.containers)
    assert interim > final  # interim drawn above final
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["interim", "final"]


def test_interval_plot_percent_axis_for_shares() -> None:
    tab = claims_table().assign(statistic=["share"] * 4 + ["quantile"])
    fig = plots.interval_plot(tab, lang="it", title="Affermazioni")
    assert fig.axes[0].xaxis.get_major_formatter()(0.8, 0) == "80 %"
    assert fig.axes[2].xaxis.get_major_formatter()(80, 0) == "80"  # ticks without spare zeros
    assert fig.axes[2].xaxis.get_major_formatter()(2.5, 0) == "2,5"


def test_interval_plot_on_one_axes() -> None:
    fig = Figure()
    ax = fig.add_subplot()
    plots.interval_plot(
        claims_table().query("claim != 'S6'"), lang="it", title="Affermazioni", ax=ax
    )
    assert [t.get_text() for t in ax.get_yticklabels()] == ["S1", "S2"]
    assert len(ax.containers) == 4
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["intermedio", "finale"]


def test_segment_heatmap_cells_and_labels() -> None:
    tab = pd.DataFrame(
        {
            "item": ["q1", "q1", "q1", "q2", "q2", "q2"],
            "segment": "size",
            "group": ["S", "M", "L"] * 2,
            "n": [40, 35, 25, 40, 35, 25],
            "top2": [0.5, 0.6, 0.7, 0.2, np.nan, 0.4],  # a suppressed cell shows blank
        }
    )
    fig = plots.segment_heatmap(tab, lang="en", title="Top-2 by size", item_labels={"q1": "First"})
    ax = fig.axes[0]
    assert sorted(t.get_text() for t in ax.texts if t.get_text()) == [
        "20.0%",
        "40.0%",
        "50.0%",
        "60.0%",
        "70.0%",
    ]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "S\n(n = 40)",
        "M\n(n = 35)",
        "L\n(n = 25)",
    ]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["First", "q2"]
    assert ax.get_title(loc="left") == "Top-2 by size (n = 100)"


def test_embed_alt_text_and_png() -> None:
    fig = plots.diverging_bars(distribution(COUNTS, NA), lang="en", title="Battery")
    img = plots.embed(fig)
    assert img.alt == "Battery (n = 100–110)"
    data, meta = img._repr_png_()
    assert meta["alt"] == "Battery (n = 100–110)"
    assert img.data.startswith(b"\x89PNG")
    assert isinstance(fig.axes[0], Axes)


def test_a_unipolar_scale_is_drawn_from_zero_with_shares_on_the_bars() -> None:
    """The effect battery (none ... very significant) starts at 0: no bar left of zero."""
    from matplotlib.patches import Rectangle

    from cmmc_analysis import load_survey
    from cmmc_analysis.codebook import load_codebook
    from cmmc_analysis.describe import distribution
    from cmmc_analysis.display import diverging_bars

    cb = load_codebook()
    items = [i for i in cb.scale_items if i.startswith("effect_")]
    assert cb.scale_of(items[0]).polarity == "unipolar"  # set in data/codebook.yaml
    assert cb.scale_of("org_models").polarity == "bipolar"
    dist = distribution(load_survey(None, codebook=cb), items)
    fig = diverging_bars(dist, lang="it", title="Effetti", polarity="unipolar")
    bars = [p for p in fig.axes[0].artists if isinstance(p, Rectangle)]
    bars += [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    assert len(bars) == len(items) * 5
    assert min(b.get_x() for b in bars) >= 0  # no bar extends left of zero
    rows = {}
    for b in bars:
        rows.setdefault(round(b.get_y(), 6), []).append(b.get_x() + b.get_width())
    assert all(abs(max(ends) - 1.0) < 1e-9 for ends in rows.values())  # each row adds to 100 %
    assert fig.axes[0].get_xlim() == (0.0, 1.0)
    texts = [x.get_text() for x in fig.axes[0].texts]
    assert texts and all(x.endswith(" %") for x in texts)  # shares printed on the bars
    bipolar = diverging_bars(dist, lang="it", title="Effetti")
    drawn = [*bipolar.axes[0].artists, *bipolar.axes[0].patches]
    assert min(p.get_x() for p in drawn if isinstance(p, Rectangle)) < 0


# --- order, legend, labels and units (issue 15: charts that a member can read) ------------


def _drawn(fig: Figure):
    """The figure drawn once (Agg), and its renderer, for measuring texts."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _overlap(a, b) -> bool:
    """Two display boxes share some area (touching edges do not count)."""
    return a.x0 < b.x1 - 0.5 and b.x0 < a.x1 - 0.5 and a.y0 < b.y1 - 0.5 and b.y0 < a.y1 - 0.5


#: Agreement (codes 4-5 of 5) by item: a 30 %, b 85 %, c 60 %, d 60 % (tie with c).
AGREE = {
    "a": [20, 20, 30, 20, 10],
    "b": [0, 5, 10, 40, 45],
    "c": [10, 10, 20, 30, 30],
    "d": [5, 15, 20, 50, 10],
}
AGREE_NA = {"a": 0, "b": 2, "c": 4, "d": 1}


def test_items_are_sorted_by_agreement_unless_asked_otherwise() -> None:
    dist = distribution(AGREE, AGREE_NA)
    labels = {i: i.upper() for i in AGREE}

    def order(fig: Figure) -> list[str]:
        return [t.get_text().split(" ")[0] for t in fig.axes[0].get_yticklabels()]

    fig = plots.diverging_bars(dist, lang="en", title="T", item_labels=labels)
    assert order(fig) == ["B", "C", "D", "A"]  # 85 %, 60 %, 60 % (ties in given order), 30 %
    # the bars follow their labels: the top row (y = 0) is b's, whose "Sure" share is 45 %
    sure = [p for p in fig.axes[0].patches][-4:]  # the last level, one bar per row
    assert sorted((round(p.get_y() + 0.35), round(p.get_width(), 2)) for p in sure) == [
        (0, 0.45),
        (1, 0.3),
        (2, 0.1),
        (3, 0.1),
    ]
    given = ["d", "a", "c", "b"]
    fig = plots.diverging_bars(dist, lang="en", title="T", item_labels=labels, items=given)
    assert order(fig) == ["B", "D", "C", "A"]  # ties keep the order of `items`
    fig = plots.diverging_bars(
        dist, lang="en", title="T", item_labels=labels, items=given, sort="given"
    )
    assert order(fig) == ["D", "A", "C", "B"]
    # a scale whose codebook counts only the top point as favourable: b 45 %, c 30 %, d, a 10 %
    fig = plots.diverging_bars(
        dist,
        lang="en",
        title="T",
        item_labels=labels,
        scale=type("S", (), {"top2": (5,), "k": 5})(),
    )
    assert order(fig) == ["B", "C", "A", "D"]
    with pytest.raises(ReportError, match=r"sort 'mean'; expected one of \['agreement', 'given'\]"):
        plots.diverging_bars(dist, lang="en", title="T", sort="mean")


def test_items_with_groups_are_sorted_by_their_pooled_agreement() -> None:
    rows = []
    for item, groups in {
        "x": {"g1": [10, 0, 0, 0, 0], "g2": [0, 0, 0, 0, 30]},
        "y": {"g1": [0, 0, 0, 10, 10], "g2": [10, 10, 0, 0, 0]},
    }.items():
        for group, counts in groups.items():
            one = distribution({item: counts}, {item: 0}).assign(group=group)
            rows.append(one)
    dist = pd.concat(rows, ignore_index=True)
    fig = plots.diverging_bars(dist, lang="en", title="T")
    ticks = [t.get_text().split(" (")[0] for t in fig.axes[0].get_yticklabels()]
    # x: 30 of 40 agree (75 %); y: 20 of 40 (50 %): x first, groups in their order
    assert ticks == ["x – g1", "x – g2", "y – g1", "y – g2"]


LONG = {
    "a": "L'emergenza contribuisce in modo importante a modificare i modelli organizzativi "
    "nel contact center e nel servizio clienti, anche nelle sedi periferiche e all'estero.",
    "b": "I clienti hanno preso piena coscienza che gli strumenti digitali risolvono meglio "
    "certe situazioni di relazione con aziende ed enti pubblici e privati.",
    "c": "Breve",
    "d": "Una domanda di lunghezza media sul lavoro da remoto",
}
FIVE = (
    "Per nulla d'accordo",
    "Poco d'accordo",
    "Né d'accordo né in disaccordo",
    "Abbastanza d'accordo",
    "Molto d'accordo",
)


@pytest.mark.parametrize("polarity", ["bipolar", "unipolar"])
@pytest.mark.parametrize("lang", ["it", "en"])
def test_long_labels_wrap_and_no_text_overlaps_another(lang: str, polarity: str) -> None:
    dist = distribution(AGREE, AGREE_NA, labels=FIVE)
    fig = plots.diverging_bars(
        dist, lang=lang, title="Clienti e organizzazione", item_labels=LONG, polarity=polarity
    )
    renderer = _drawn(fig)
    main, side = fig.axes
    ticks = [t for t in main.get_yticklabels() if t.get_text()]
    assert max(len(line) for t in ticks for line in t.get_text().split("\n")) <= 48  # wrapped
    assert max(t.get_text().count("\n") for t in ticks) >= 2
    boxes = [t.get_window_extent(renderer) for t in ticks]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlap(a, b), (a, b)
    # every text outside the bars (ticks, axis labels, the side panel's label, legend
    # entries, title) stands clear of every other one
    legend = main.get_legend()
    texts = [
        *ticks,
        *[t for t in main.get_xticklabels() if t.get_text()],
        main.xaxis.label,
        side.xaxis.label,
        main.title if main.title.get_text() else main._left_title,
        *legend.get_texts(),
    ]
    boxes = [t.get_window_extent(renderer) for t in texts]
    for i, a in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            assert not _overlap(a, boxes[j]), (texts[i].get_text(), texts[j].get_text())
    # the whole figure's texts stay inside it (nothing cut at the edges)
    width, height = fig.canvas.get_width_height()
    for box in boxes:
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height


@pytest.mark.parametrize("wraps", [False, True])
def test_the_legend_is_outside_the_bars_and_reads_in_scale_order(wraps: bool) -> None:
    # the agreement labels do not fit five to a row: the legend wraps, and must still read
    # left to right, row by row, in the scale's order
    points = FIVE if wraps else ("Mai", "Raramente", "A volte", "Spesso", "Sempre")
    dist = distribution(AGREE, AGREE_NA, labels=points)
    fig = plots.diverging_bars(dist, lang="it", title="T", item_labels=LONG)
    renderer = _drawn(fig)
    main, side = fig.axes
    legend = main.get_legend()
    box = legend.get_window_extent(renderer)
    for ax in (main, side):
        assert not _overlap(box, ax.get_window_extent(renderer))
    assert box.y1 <= main.get_window_extent(renderer).y0  # below the bars
    # read as a reader does: row by row from the top, left to right
    entries = [(t.get_window_extent(renderer), t.get_text()) for t in legend.get_texts()]
    rows = sorted({round(b.y0) for b, _ in entries}, reverse=True)
    assert (len(rows) > 1) == wraps
    read = [
        text
        for row in rows
        for b, text in sorted(entries, key=lambda e: e[0].x0)
        if round(b.y0) == row
    ]
    assert read == list(points)


def test_a_unipolar_scale_of_our_own_has_no_bar_left_of_zero() -> None:
    frequency = ("Mai", "Raramente", "A volte", "Spesso", "Sempre")
    dist = distribution(AGREE, AGREE_NA, labels=frequency)
    fig = plots.diverging_bars(dist, lang="it", title="Frequenza", polarity="unipolar")
    main = fig.axes[0]
    bars = main.patches
    assert len(bars) == 4 * 5
    assert min(p.get_x() for p in bars) == 0.0  # the lowest point starts at zero
    ends = {}
    for p in bars:
        ends.setdefault(round(p.get_y(), 6), []).append(p.get_x() + p.get_width())
    assert [max(v) for v in ends.values()] == pytest.approx([1.0] * 4)
    assert main.get_xlim() == (0.0, 1.0)
    assert [t.get_text() for t in main.get_xticklabels()] == [
        "0 %",
        "25 %",
        "50 %",
        "75 %",
        "100 %",
    ]
    # sequential palette: each point darker than the one before (sum of RGB decreasing)
    firsts = [sum(p.get_facecolor()[:3]) for p in bars[::4]]
    assert firsts == sorted(firsts, reverse=True)


def test_interval_panels_carry_their_unit_and_the_legend_stays_off_the_data() -> None:
    from cmmc_analysis.codebook import parse_codebook

    cb = parse_codebook(
        {
            "survey": {"id": "t", "source_language": "it", "languages": ["it", "en"]},
            "scales": {
                "s7": {
                    "points": [{"it": f"p{i}", "en": f"p{i}"} for i in range(1, 8)],
                }
            },
            "items": [
                {"id": "q_scale", "type": "scale", "scale": "s7", "text": {"it": "Q", "en": "Q"}},
                {
                    "id": "q_pct",
                    "type": "numeric",
                    "unit": "%",
                    "min": 0,
                    "max": 100,
                    "text": {"it": "P", "en": "P"},
                },
                {"id": "q_eur", "type": "numeric", "unit": "€", "text": {"it": "E", "en": "E"}},
            ],
        }
    )
    tab = pd.DataFrame(
        {
            "claim": ["A", "A", "B", "C", "D", "E"],
            "cut": ["interim", "final", "final", "final", "final", "final"],
            "statistic": ["share", "share", "mean", "quantile", "mean", "ranking"],
            "item": ["q_scale", "q_scale", "q_scale", "q_pct", "q_eur", "q_scale, q_scale"],
            "estimate": [0.61, 0.64, 4.4, 60.0, 1200.0, 0.3],
            "ci_low": [0.55, 0.59, 4.1, 50.0, 1000.0, 0.1],
            "ci_high": [0.68, 0.69, 4.7, 70.0, 1400.0, 0.5],
            "threshold": [0.5, 0.5, 4.0, 50.0, 1000.0, 0.0],
            "threshold_low": [0.5, 0.5, 4.0, 50.0, 1000.0, 0.0],
            "threshold_high": [np.inf] * 6,
            "n": [80, 160, 150, 90, 70, 140],
        }
    )
    fig = plots.interval_plot(
        tab, lang="it", title="Affermazioni", codebook=cb, names={"A": "Prima"}
    )
    assert [a.get_title(loc="left") for a in fig.axes] == [
        "Prima · quota di risposte, % (n = 80–160)",
        "B · media, scala da 1 a 7 (n = 150)",
        "C · mediana, % (n = 90)",
        "D · media, € (n = 70)",
        "E · distacco minimo tra le medie, punti della scala da 1 a 7 (n = 140)",
    ]
    en = plots.interval_plot(
        tab, lang="en", title="Claims", codebook=cb, units={"B": "mean of my own"}
    )
    assert [a.get_title(loc="left").split(" (n")[0] for a in en.axes][:3] == [
        "A · share of answers, %",
        "B · mean of my own",
        "C · median, %",
    ]
    # share panels tick at whole percents only
    share_ticks = fig.axes[0].get_xticks()
    inside = [x for x in share_ticks if fig.axes[0].get_xlim()[0] <= x <= fig.axes[0].get_xlim()[1]]
    assert inside and all(abs(100 * x - round(100 * x)) < 1e-9 for x in inside)
    renderer = _drawn(fig)
    legend = fig.legends[0].get_window_extent(renderer)
    for ax in fig.axes:
        assert not _overlap(legend, ax.get_window_extent(renderer))
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "che cosa diceva l'affermazione",
        "intermedio",
        "finale",
    ]


def test_battery_titles_name_the_topic_never_the_scale_ends() -> None:
    from cmmc_analysis.codebook import parse_codebook
    from cmmc_analysis.display import battery_title

    agree = [
        {"it": "Per niente", "en": "Not at all"},
        {"it": "Così così", "en": "So so"},
        {"it": "Moltissimo", "en": "Very much"},
    ]
    cb = parse_codebook(
        {
            "survey": {"id": "t", "source_language": "it", "languages": ["it", "en"]},
            "scales": {
                "plain": {"points": agree},
                "topical": {"points": agree, "topic": {"it": "Servizi", "en": "Services"}},
                "lone": {"points": agree},
            },
            "grids": {
                "g_topic": {
                    "text": {"it": "Quanto usa…", "en": "How much do you use…"},
                    "scale": "plain",
                    "topic": {"it": "Uso degli strumenti", "en": "Tools"},
                },
                "g_stem": {
                    "text": {"it": "Quanto conta…", "en": "How much does … matter"},
                    "scale": "plain",
                },
            },
            "items": [
                {"id": "a1", "type": "scale", "grid": "g_topic", "text": {"it": "A", "en": "A"}},
                {"id": "b1", "type": "scale", "grid": "g_stem", "text": {"it": "B", "en": "B"}},
                {"id": "c1", "type": "scale", "scale": "plain", "text": {"it": "C1", "en": "C1"}},
                {"id": "c2", "type": "scale", "scale": "plain", "text": {"it": "C2", "en": "C2"}},
                {"id": "d1", "type": "scale", "scale": "topical", "text": {"it": "D", "en": "D"}},
                {
                    "id": "e1",
                    "type": "scale",
                    "scale": "lone",
                    "text": {"it": "Una sola domanda", "en": "A lone question"},
                },
            ],
        }
    )
    titles = {key: battery_title(cb, key, "it") for key in cb.batteries()}
    assert titles == {
        "g_topic": "Uso degli strumenti",
        "g_stem": "Quanto conta…",
        "scale:plain": "Altre domande (2)",
        "scale:topical": "Servizi",
        "scale:lone": "Una sola domanda",
    }
    assert battery_title(cb, "scale:plain", "en") == "Other questions (2)"
    ends = {p[lang] for p in agree for lang in ("it", "en")}
    for lang in ("it", "en"):
        for key in cb.batteries():
            assert not any(end in battery_title(cb, key, lang) for end in ends)


def test_heatmap_rows_hold_their_long_labels_without_overlap() -> None:
    items = list(LONG)
    tab = pd.DataFrame(
        {
            "item": [i for i in items for _ in range(2)],
            "segment": "size",
            "group": ["S", "L"] * len(items),
            "n": [40, 60] * len(items),
            "top2": np.linspace(0.1, 0.8, 2 * len(items)),
        }
    )
    longer = {k: v + " " + v if k in "ab" else v for k, v in LONG.items()}
    fig = plots.segment_heatmap(tab, lang="it", title="Quota", item_labels=longer)
    renderer = _drawn(fig)
    ticks = [t for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert max(t.get_text().count("\n") for t in ticks) >= 5  # the long labels wrapped
    boxes = [t.get_window_extent(renderer) for t in ticks]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlap(a, b)
