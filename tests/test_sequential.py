"""Group-sequential boundaries (cmmc_analysis.significance.sequential).

Published values:
- gsDesign (R), ``gsDesign(k = K, test.type = 1, alpha = 0.025, sfu = sfLDOF)`` and
  ``sfu = sfLDPocock`` with equally spaced looks: the upper bounds printed in its
  manual and vignettes (Anderson, gsDesign package; the same tables appear in
  Jennison & Turnbull 2000, chapter 7).
- The classical constants of Jennison & Turnbull (2000), Group Sequential Methods with
  Applications to Clinical Trials, Table 2.1 (Pocock, C_P) and Table 2.3
  (O'Brien-Fleming, C_B), two-sided alpha = 0.05, equally spaced looks.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from cmmc_analysis.errors import SurveyDataError
from cmmc_analysis.significance.sequential import (
    alpha_spending,
    boundaries,
    classical_boundaries,
    crossed,
)

# gsDesign, one-sided alpha 0.025, Lan-DeMets O'Brien-Fleming spending (sfLDOF)
LDOF = {
    2: [2.9626, 1.9686],
    3: [3.7103, 2.5114, 1.9930],
    4: [4.3326, 2.9631, 2.3590, 2.0141],
    5: [4.8769, 3.3569, 2.6803, 2.2898, 2.0310],
}
# gsDesign, one-sided alpha 0.025, Lan-DeMets Pocock spending (sfLDPocock), K = 5
LDPOCOCK_5 = [2.4380, 2.4268, 2.4101, 2.3966, 2.3859]
# Jennison & Turnbull Table 2.1 (C_P) and 2.3 (C_B), two-sided 0.05
POCOCK_CP = {2: 2.178, 3: 2.289, 4: 2.361, 5: 2.413}
OBF_CB = {2: 1.977, 3: 2.004, 4: 2.024, 5: 2.040}


@pytest.mark.parametrize("k", sorted(LDOF))
def test_obrien_fleming_spending_matches_gsdesign(k):
    t = np.arange(1, k + 1) / k
    got = boundaries(t, alpha=0.025)["z_bound"].to_numpy()
    np.testing.assert_allclose(got, LDOF[k], atol=2e-4)


def test_pocock_spending_matches_gsdesign():
    got = boundaries(np.arange(1, 6) / 5, alpha=0.025, spending="pocock")["z_bound"]
    np.testing.assert_allclose(got.to_numpy(), LDPOCOCK_5, atol=2e-4)


@pytest.mark.parametrize("k", sorted(POCOCK_CP))
def test_classical_constants_match_jennison_turnbull(k):
    pocock = classical_boundaries(k, kind="pocock", alpha=0.05, sides=2)
    np.testing.assert_allclose(pocock, POCOCK_CP[k], atol=6e-4)
    obf = classical_boundaries(k, kind="obrien-fleming", alpha=0.05, sides=2)
    # O'Brien-Fleming: C_B sqrt(K / k); the table gives C_B, the final boundary
    np.testing.assert_allclose(obf[-1], OBF_CB[k], atol=6e-4)
    np.testing.assert_allclose(obf, OBF_CB[k] * np.sqrt(k / np.arange(1, k + 1)), atol=2e-3)


def test_a_single_look_is_the_ordinary_test():
    b = boundaries([1.0], alpha=0.05)
    assert b["z_bound"].iloc[0] == pytest.approx(stats.norm.isf(0.05))
    assert b["nominal_alpha"].iloc[0] == pytest.approx(0.05)


def test_spending_is_cumulative_and_ends_at_alpha():
    t = np.array([0.3, 0.55, 0.8, 1.0])
    for kind in ("obrien-fleming", "pocock"):
        spent = alpha_spending(t, alpha=0.05, spending=kind)
        assert np.all(np.diff(spent) > 0)
        assert spent[-1] == pytest.approx(0.05)
        b = boundaries(t, alpha=0.05, spending=kind)
        assert b["alpha_look"].sum() == pytest.approx(0.05)
        # every look is stricter than the unadjusted test
        assert (b["nominal_alpha"] < 0.05).all()


def _two_look_brownian(n_sim, t1, rng):
    s1 = rng.normal(0.0, np.sqrt(t1), n_sim)
    s2 = s1 + rng.normal(0.0, np.sqrt(1 - t1), n_sim)
    return np.column_stack([s1 / np.sqrt(t1), s2])


def test_simulated_error_rate_over_two_looks_is_alpha_with_boundaries():
    """When the hypothesis is true, 'settled at some look' happens alpha of the time."""
    rng = np.random.default_rng(20)
    z = _two_look_brownian(400_000, 0.45, rng)
    b = boundaries([0.45, 1.0], alpha=0.05)
    with_bounds = np.mean((z >= b["z_bound"].to_numpy()).any(axis=1))
    naive = np.mean((z >= stats.norm.isf(0.05)).any(axis=1))
    se = np.sqrt(0.05 * 0.95 / len(z))
    assert abs(with_bounds - 0.05) < 4 * se
    assert naive > 0.075  # about 8 %: the inflation the boundaries remove


def test_simulated_surveys_share_claim_false_settles_at_most_alpha():
    """Exact binomial tests of a share at an interim and a final cut (survey-like)."""
    rng = np.random.default_rng(2020)
    n_interim, n_final, p0, alpha = 105, 240, 0.5, 0.05
    first = rng.binomial(n_interim, p0, 100_000)
    final = first + rng.binomial(n_final - n_interim, p0, len(first))
    p1 = stats.binom.sf(first - 1, n_interim, p0)  # exact one-sided P(X >= k)
    p2 = stats.binom.sf(final - 1, n_final, p0)
    b = boundaries([n_interim / n_final, 1.0], alpha=alpha)
    nominal = b["nominal_alpha"].to_numpy()
    with_bounds = np.mean((p1 <= nominal[0]) | (p2 <= nominal[1]))
    naive = np.mean((p1 <= alpha) | (p2 <= alpha))
    assert with_bounds <= alpha
    assert naive > alpha


def test_crossed_reads_each_look():
    b = boundaries([0.5, 1.0], alpha=0.025)
    assert crossed([3.0, 0.0], b) == [True, False]
    with pytest.raises(SurveyDataError, match="one per look"):
        crossed([3.0], b)


@pytest.mark.parametrize(
    ("fractions", "alpha", "spending", "match"),
    [
        ([0.5, 0.4, 1.0], 0.05, "pocock", "increasing"),
        ([0.0, 1.0], 0.05, "pocock", r"\(0, 1\]"),
        ([], 0.05, "pocock", "non-empty"),
        ([0.5, 1.0], 1.5, "pocock", "alpha"),
        ([0.5, 1.0], 0.05, "haybittle", "obrien-fleming"),
    ],
)
def test_bad_parameters_get_one_clear_line(fractions, alpha, spending, match):
    with pytest.raises(SurveyDataError, match=match) as err:
        boundaries(fractions, alpha=alpha, spending=spending)
    assert "\n" not in str(err.value)
