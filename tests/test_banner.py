"""Tests of cmmc_analysis.banner: bases, shares, significance letters, suppression, output."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from scipy.stats import t as t_dist

from cmmc_analysis.banner import EXTRA_COLUMNS, banner
from cmmc_analysis.codebook import load_codebook
from cmmc_analysis.columns import check_columns
from cmmc_analysis.display import format_banner, format_table
from cmmc_analysis.errors import SurveyDataError
from cmmc_analysis.survey import Survey

CB = load_codebook()
PTS = CB.scale_of("org_models").labels()
KINDS = CB.labels("org_type")
SIZES = CB.labels("size")


def make_survey(org_models: list, org_type: list, size: list | None = None) -> Survey:
    n = len(org_models)
    index = pd.Index([f"r{i:04d}" for i in range(n)], name="respondent_id")
    data = {
        "org_models": pd.Categorical(org_models, categories=PTS, ordered=True),
        "org_type": pd.Categorical(org_type, categories=KINDS),
    }
    if size is not None:
        data["size"] = pd.Categorical(size, categories=SIZES, ordered=True)
    frame = pd.DataFrame(data, index=index)
    return Survey(data=frame, missing=pd.DataFrame(index=index), codebook=CB)


def groups_of(counts: dict[int, tuple[int, int]]) -> Survey:
    """counts: org_type index -> (top-2 answers, bottom answers)."""
    answers, kinds = [], []
    for j, (hi, lo) in counts.items():
        answers += [PTS[4]] * hi + [PTS[0]] * lo
        kinds += [KINDS[j]] * (hi + lo)
    return make_survey(answers, kinds)


def pooled_z(x1: float, n1: float, x2: float, n2: float) -> tuple[float, float]:
    """Two-proportion z-test with pooled variance, written out (e.g. Agresti 2013, 3.1.3)."""
    p1, p2, p = x1 / n1, x2 / n2, (x1 + x2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return z, math.erfc(abs(z) / math.sqrt(2))


def test_two_columns_hand_computed_z_test_and_letter():
    # A: 40 of 60 in the top 2, B: 15 of 60. Pooled p = 55/120,
    # z = (0.6667 - 0.25) / sqrt(0.24826 * 2/60) = 0.41667 / 0.09097 = 4.5803, p = 4.6e-6.
    s = groups_of({0: (40, 20), 1: (15, 45)})
    b = banner(s, ["org_models"], ["org_type"], stat="top2")
    z, p = pooled_z(40, 60, 15, 60)
    assert z == pytest.approx(4.5803, abs=1e-4)
    test = b.tests.iloc[0]
    assert (test["letter"], test["letter_b"]) == ("A", "B")
    assert test["statistic"] == pytest.approx(z)
    assert test["p_value"] == pytest.approx(p)
    assert test["p_adjusted"] == pytest.approx(p)  # a family of one pair
    t = b.table.set_index("group")
    assert t.loc[KINDS[0], "sig_letters"] == "B" and t.loc[KINDS[1], "sig_letters"] == ""
    assert t.loc[KINDS[0], "share"] == pytest.approx(40 / 60)
    assert t.loc["Total", "share"] == pytest.approx(55 / 120)
    assert t.loc["Total", "letter"] == "" and b.table.iloc[0]["segment"] == "Total"


def test_no_letter_when_difference_is_not_significant():
    # 33/60 vs 27/60: z = 1.095, p = 0.27 by the pooled formula
    s = groups_of({0: (33, 27), 1: (27, 33)})
    b = banner(s, ["org_models"], ["org_type"], stat="top2")
    assert pooled_z(33, 60, 27, 60)[1] > 0.05
    assert (b.table["sig_letters"] == "").all()


def test_holm_over_the_pairs_of_one_row_and_segment():
    s = groups_of({0: (40, 20), 1: (28, 32), 2: (15, 45)})
    b = banner(s, ["org_models"], ["org_type"], stat="top2")
    tests = b.tests
    assert len(tests) == 3 and tests["family"].nunique() == 1
    counts = {"A": 40, "B": 28, "C": 15}
    raw = np.array(
        [
            pooled_z(counts[a], 60, counts[c], 60)[1]
            for a, c in zip(tests["letter"], tests["letter_b"], strict=True)
        ]
    )
    np.testing.assert_allclose(tests["p_value"], raw)
    # Holm (1979) by hand: sort, multiply by (m - rank), running maximum, cap at 1
    order = np.argsort(raw)
    adj = np.minimum(np.maximum.accumulate(raw[order] * (3 - np.arange(3))), 1)
    expected = np.empty(3)
    expected[order] = adj
    np.testing.assert_allclose(tests["p_adjusted"], expected)
    letters = b.table.set_index("letter")["sig_letters"]
    want = {
        L: "".join(
            sorted(
                (r["letter_b"] if r["estimate"] > r["estimate_b"] else r["letter"])
                for _, r in tests.iterrows()
                if r["p_adjusted"] < 0.05
                and (r["letter"] if r["estimate"] > r["estimate_b"] else r["letter_b"]) == L
            )
        )
        for L in "ABC"
    }
    assert {L: letters[L] for L in "ABC"} == want
    # by hand: raw p = 4.6e-6 (A-C), 0.0133 (B-C), 0.0271 (A-B); Holm: x3, x2, x1, all < 0.05
    assert want == {"A": "BC", "B": "C", "C": ""}


def test_levels_shares_sum_to_one_and_bases():
    rng = np.random.default_rng(3)
    n = 200
    s = make_survey(
        rng.choice(PTS, n).tolist(),
        rng.choice(KINDS[:3], n).tolist(),
        rng.choice(SIZES, n).tolist(),
    )
    b = banner(s, ["org_models"], ["org_type", "size"], stat="levels", k=1)
    sums = b.table.groupby(["segment", "group"], observed=True)["share"].sum()
    assert sums[sums.index.get_level_values(0) != "org_type"].to_numpy() == pytest.approx(1.0)
    groups_with_answers = b.table[b.table["n"] > 0].groupby(["segment", "group"])["share"].sum()
    np.testing.assert_allclose(groups_with_answers, 1.0)
    base = b.bases.set_index(["segment", "group"])["n"]
    assert base[("Total", "Total")] == n
    assert base[("size", SIZES[0])] == (s.data["size"] == SIZES[0]).sum()
    # the columns of the table: Total first, then each segment in the order of `by`
    assert list(dict.fromkeys(b.table["segment"])) == ["Total", "org_type", "size"]
    check_columns(b.table.columns, EXTRA_COLUMNS)
    check_columns(b.tests.columns, EXTRA_COLUMNS)


def test_weighted_shares_and_effective_n_in_tests():
    s = groups_of({0: (40, 20), 1: (25, 35)})
    rng = np.random.default_rng(11)
    w = pd.Series(rng.uniform(0.3, 3.0, len(s)), index=s.data.index)
    b = banner(s, ["org_models"], ["org_type"], stat="top2", weights=w)
    x = (s.data["org_models"] == PTS[4]).to_numpy(dtype=float)
    rows = {}
    for j, kind in enumerate(KINDS[:2]):
        m = (s.data["org_type"] == kind).to_numpy()
        wv = w.to_numpy()[m]
        share = (wv * x[m]).sum() / wv.sum()  # weighted share = sum(w x) / sum(w)
        n_eff = wv.sum() ** 2 / (wv**2).sum()
        rows[j] = (share, n_eff)
        cell = b.table[(b.table["group"] == kind)].iloc[0]
        assert cell["share"] == pytest.approx(share)
        assert cell["n_eff"] == pytest.approx(n_eff)
        assert cell["n"] == m.sum()
        assert cell["weighted"]
    (p1, n1), (p2, n2) = rows[0], rows[1]
    z, p = pooled_z(p1 * n1, n1, p2 * n2, n2)
    assert b.tests.iloc[0]["statistic"] == pytest.approx(z)
    assert b.tests.iloc[0]["p_value"] == pytest.approx(p)


def test_means_welch_test_oracle():
    rng = np.random.default_rng(5)
    a = rng.integers(0, 5, 40)
    c = rng.integers(1, 5, 50)
    s = make_survey([PTS[i] for i in [*a, *c]], [KINDS[0]] * 40 + [KINDS[1]] * 50)
    b = banner(s, ["org_models"], ["org_type"], stat="mean")
    x1, x2 = a + 1.0, c + 1.0
    v1, v2 = x1.var(ddof=1) / len(x1), x2.var(ddof=1) / len(x2)
    t = (x1.mean() - x2.mean()) / math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1**2 / (len(x1) - 1) + v2**2 / (len(x2) - 1))  # Welch (1947)
    test = b.tests.iloc[0]
    assert test["statistic"] == pytest.approx(t)
    assert test["p_value"] == pytest.approx(2 * t_dist.sf(abs(t), df))
    means = b.table.set_index("group")["mean"]
    assert means[KINDS[0]] == pytest.approx(x1.mean())
    assert test["method"] == "Welch t-test"


def test_weighted_mean_test_with_unit_weights_equals_unweighted():
    rng = np.random.default_rng(6)
    s = make_survey([PTS[i] for i in rng.integers(0, 5, 90)], [KINDS[0]] * 45 + [KINDS[1]] * 45)
    ones = pd.Series(1.0, index=s.data.index)
    a = banner(s, ["org_models"], ["org_type"], stat="mean").tests.iloc[0]
    b = banner(s, ["org_models"], ["org_type"], stat="mean", weights=ones).tests.iloc[0]
    assert b["p_value"] == pytest.approx(a["p_value"])
    assert b["statistic"] == pytest.approx(a["statistic"])


def test_small_bases_flagged_and_small_cells_suppressed():
    # C has 12 respondents (below min_base 30: flagged, not tested, no share shown), 3 of
    # them in the top 2 (< k = 5: count suppressed); D has 3 respondents (every count blanked)
    s = groups_of({0: (40, 20), 1: (15, 45), 2: (3, 9), 3: (2, 1)})
    b = banner(s, ["org_models"], ["org_type"], stat="top2")
    t = b.table.set_index("letter")
    assert bool(t.loc["C", "low_base"]) and t.loc["C", "suppressed"] == "count < 5; n < 30"
    assert np.isnan(t.loc["C", "share"]) and np.isnan(t.loc["C", "count"])
    assert t.loc["C", "n"] == 12
    assert t.loc["D", "suppressed"].startswith("count < 5") and np.isnan(t.loc["D", "count"])
    assert pd.isna(t.loc["A", "suppressed"]) and t.loc["A", "share"] == pytest.approx(40 / 60)
    assert set(b.tests["letter"]) | set(b.tests["letter_b"]) == {"A", "B"}
    shown = b.to_styler(lang="en").data
    c = [k for k in shown.columns if k[1].startswith("Technology supplier (C)")][0]
    d = [k for k in shown.columns if k[1].startswith("Consultancy (D)")][0]
    # D's base (3) is below k and hidden; C's (12), the smallest other base, is hidden too,
    # else the total minus the shown bases would give D's back (complementary suppression)
    assert c[1].endswith("n<5†") and d[1].endswith("n<5†")
    assert shown[c].tolist() == ["12†", "–"] and shown[d].tolist()[1] == "–"


def test_low_base_without_small_cells_shows_the_low_base_mark():
    # C: 20 respondents, 10 in the top 2: no small cell, but the base is below 30
    s = groups_of({0: (40, 20), 1: (15, 45), 2: (10, 10)})
    b = banner(s, ["org_models"], ["org_type"], stat="top2")
    c = b.table.set_index("letter").loc["C"]
    assert c["suppressed"] == "n < 30" and c["count"] == 10 and np.isnan(c["share"])
    shown = b.to_styler(lang="en").data
    col = [k for k in shown.columns if k[1].startswith("Technology supplier (C)")][0]
    assert shown[col].tolist() == ["20†", "†"]


def test_levels_complementary_cell_is_suppressed():
    # A: 60 answers at levels 1..5 = 3, 15, 14, 14, 14. One count below 5 would be given
    # back by n minus the others, so the smallest other count (14 at level 3) goes too.
    answers = [PTS[0]] * 3 + [PTS[1]] * 15 + [PTS[2]] * 14 + [PTS[3]] * 14 + [PTS[4]] * 14
    s = make_survey(answers + [PTS[1]] * 60, [KINDS[0]] * 60 + [KINDS[1]] * 60)
    b = banner(s, ["org_models"], ["org_type"], stat="levels")
    a = b.table[b.table["letter"] == "A"].set_index("level")
    assert a["suppressed"].fillna("").tolist() == [
        "count < 5", "", "count < 5 in the same group", "", "",
    ]  # fmt: skip
    assert a["share"].isna().tolist() == [True, False, True, False, False]


def test_styler_and_excel(tmp_path):
    s = groups_of({0: (40, 20), 1: (15, 45)})
    b = banner(s, ["org_models"], ["org_type"], stat="top2")
    styler = b.to_styler(lang="en")
    shown = styler.data
    item_text = CB.text("org_models", "en")
    row = shown.loc[(item_text, "Top 2 (share)")]
    assert row.tolist() == ["45.8%", "66.7% B", "25.0%"]
    assert shown.columns[0] == ("Total", "Total n=120")
    assert shown.columns[1] == (
        "Type of organisation",
        "In-house contact center (company or public body) (A) n=60",
    )
    assert "unweighted" in styler.caption and "Holm method" in styler.caption
    assert "level 0.05" in styler.caption
    html = styler.to_html()
    assert "66.7% B" in html
    path = b.to_excel(tmp_path / "banner.xlsx", lang="en")
    from openpyxl import load_workbook

    values = [c.value for r in load_workbook(path)["banner"].iter_rows() for c in r]
    assert "66.7% B" in values and "Total n=120" in values
    it = banner(s, ["org_models"], ["org_type"], stat="top2").to_styler()
    assert it.data.columns[0] == ("Totale", "Totale n=120")  # the source language
    assert "soglia 0,05" in it.caption and "metodo di Holm" in it.caption


def test_italian_banner_formats_numbers_like_every_italian_table():
    # the banner uses the display layer: "66,0 %" and "3,86" as in format_table, not "66%"
    shares = banner(
        groups_of({0: (33, 17), 1: (10, 40)}), ["org_models"], ["org_type"], stat="top2"
    )
    # A: 33 of 50 = 66.0 %, B: 10 of 50 = 20.0 %, total 43 of 100
    assert format_banner(shares, lang="it").data.iloc[1].tolist() == [
        "43,0 %",
        "66,0 % B",
        "20,0 %",
    ]
    # A: (43 x 4 + 7 x 3) / 50 = 3.86; B: (45 x 1 + 5 x 2) / 50 = 1.10; total 248 / 100
    answers = [PTS[3]] * 43 + [PTS[2]] * 7 + [PTS[0]] * 45 + [PTS[1]] * 5
    s = make_survey(answers, [KINDS[0]] * 50 + [KINDS[1]] * 50)
    means = format_banner(banner(s, ["org_models"], ["org_type"], stat="mean"), lang="it").data
    assert means.iloc[0].tolist() == ["100", "50", "50"]  # the base row
    assert means.iloc[1].tolist() == ["2,48", "3,86 B", "1,10"]
    table = format_table(pd.DataFrame({"share": [0.66], "mean": [3.86]}), lang="it").data
    assert table.iloc[0].tolist() == ["66,0 %", "3,86"]
    english = format_banner(shares, lang="en").data.iloc[1].tolist()
    assert english == ["43.0%", "66.0% B", "20.0%"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stat": "median"}, "stat must be one of ('levels', 'top2', 'mean'), found 'median'"),
        (
            {"correction": "sidak"},
            "correction must be one of ('holm', 'bh', 'bonferroni', 'none'), found 'sidak'",
        ),
        (
            {"by": ["sector"]},
            "segment 'sector' is not a categorical column of the survey; expected one of ['org_type']",
        ),
        ({"items": ["tech_cloud"]}, "item 'tech_cloud' is not a column of the survey"),
        ({"weights": "w"}, "weights='w' is not a column of the survey"),
    ],
)
def test_errors_name_the_parameter(kwargs, message):
    s = groups_of({0: (4, 2), 1: (1, 4)})
    args = {"items": ["org_models"], "by": ["org_type"], **kwargs}
    items, by = args.pop("items"), args.pop("by")
    with pytest.raises(SurveyDataError) as err:
        banner(s, items, by, **args)
    assert message in str(err.value)


def test_z_values_against_normal_quantile():
    # independent check of the p-value convention: |z| = 1.959964 gives p = 0.05
    assert math.erfc(norm.ppf(0.975) / math.sqrt(2)) == pytest.approx(0.05)


def test_low_base_mark_with_min_base_that_starts_like_k():
    # min_base 50 and k 5: "n < 50" must not be read as a small cell ("< 5")
    s = groups_of({0: (40, 20), 1: (15, 45), 2: (20, 20)})
    b = banner(s, ["org_models"], ["org_type"], stat="top2", min_base=50)
    shown = b.to_styler(lang="en").data
    col = [k for k in shown.columns if k[1].startswith("Technology supplier (C)")][0]
    assert shown[col].tolist() == ["40†", "†"]
