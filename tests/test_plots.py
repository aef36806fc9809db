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
        "S1 (n = 105–232)",
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
