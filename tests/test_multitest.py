"""Tests of cmmc_analysis.significance.multitest: the one p-value adjustment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from cmmc_analysis.errors import SurveyDataError
from cmmc_analysis.significance.multitest import CORRECTIONS, adjust_pvalues

# R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") -> 0.05 0.08 0.09 0.09 0.09
#    p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "BH")   -> 0.05 0.05 0.05 0.05 0.05
#    p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "bonferroni") -> 0.05 0.10 0.15 0.20 0.25
# (hand computation: Holm multiplies the i-th smallest by m - i + 1 and takes the running
# maximum; BH multiplies by m / i and takes the running minimum from the top)
P5 = [0.01, 0.02, 0.03, 0.04, 0.05]


@pytest.mark.parametrize(
    ("correction", "expected"),
    [
        ("holm", [0.05, 0.08, 0.09, 0.09, 0.09]),
        ("bh", [0.05, 0.05, 0.05, 0.05, 0.05]),
        ("bonferroni", [0.05, 0.10, 0.15, 0.20, 0.25]),
        ("none", P5),
    ],
)
def test_published_p_adjust_values(correction, expected):
    assert adjust_pvalues(P5, correction=correction) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("correction", "statsmodels"),
    [("holm", "holm"), ("bh", "fdr_bh"), ("bonferroni", "bonferroni")],
)
def test_matches_statsmodels_within_each_family(correction, statsmodels):
    rng = np.random.default_rng(9)
    p = pd.Series(rng.uniform(0, 0.2, 40) ** 2)
    p[[3, 17]] = np.nan  # untestable pairs stay out of the family
    family = pd.Series(rng.choice(["x", "y", "z"], 40))
    got = adjust_pvalues(p, correction=correction, family=family)
    for f in "xyz":
        m = (family == f) & p.notna()
        np.testing.assert_allclose(got[m.to_numpy()], multipletests(p[m], method=statsmodels)[1])
    assert np.isnan(got[[3, 17]]).all()


def test_one_family_by_default_and_names_are_the_package_wide_ones():
    assert CORRECTIONS == ("holm", "bh", "bonferroni", "none")
    p = [0.01, 0.04, 0.03, 0.5]
    assert adjust_pvalues(p).tolist() == pytest.approx([0.04, 0.09, 0.09, 0.5])
    with pytest.raises(SurveyDataError, match="parameter family: found 2 labels for 4 p-values"):
        adjust_pvalues(p, family=["a", "b"])
