"""Reliability of constructs, as complete as ``psych::alpha`` and ``scoreItems``.

- :mod:`.crossproducts`: sums and cross-products of the codes under a missing-data
  rule (``listwise``, ``pairwise``, ``median``); chunks merge by adding them.
- :mod:`.stats`: psych's statistics of a covariance matrix (alpha, standardised alpha,
  G6(smc), average and median inter-item r, var.r, S/N, the asymptotic standard error;
  raw.r, std.r, r.cor, r.drop).
- :mod:`.alpha`: :func:`cronbach_alpha` (Feldt and Duhachek intervals, scale mean and
  sd) and :func:`item_analysis` (item statistics and alpha if dropped).
- :mod:`.omega`: McDonald's omega total.
- :mod:`.scales`: per construct (each with its own reverse keys):
  :func:`reliability_table` and :func:`scale_correlations` (raw and disattenuated).

Examples
--------
>>> from cmmc_analysis.examples import toy_survey
>>> reliability_table(toy_survey(), ["tech_acceleration"])[["construct", "n", "k", "estimate"]]
           construct  n  k  estimate
0  tech_acceleration  6  6  0.929032
"""

from __future__ import annotations

from . import alpha, crossproducts, omega, scales, stats
from .alpha import *  # noqa: F403
from .crossproducts import *  # noqa: F403
from .omega import *  # noqa: F403
from .scales import *  # noqa: F403
from .stats import *  # noqa: F403

#: Columns this module adds to the shared vocabulary (``cmmc_analysis.columns``).
EXTRA_COLUMNS: dict[str, str] = {
    "k": "number of items of the construct",
    "alpha_std": "standardised alpha, from the correlation matrix cov2cor(C) (psych's std.alpha)",
    "g6": "Guttman's lambda 6 from squared multiple correlations (psych's G6(smc))",
    "average_r": "mean inter-item correlation",
    "median_r": "median inter-item correlation",
    "var_r": "variance of the inter-item correlations",
    "signal_noise": "signal/noise ratio k average_r / (1 - average_r) (psych's S/N)",
    "ase": "asymptotic standard error of alpha (Duhachek & Iacobucci; psych's ase)",
    "duhachek_low": "lower bound of alpha -/+ z ase",
    "duhachek_high": "upper bound of alpha -/+ z ase",
    "omega": "McDonald's omega total from a one-factor ML fit on the correlation matrix",
    "missing_rule": "listwise, pairwise or median imputation (see docs/statistics.md)",
    "raw_r": "correlation of the item with the total score, item included (psych's raw.r)",
    "std_r": "raw_r on standardised items (psych's std.r)",
    "r_cor": "item-total correlation corrected for overlap and reliability (psych's r.cor)",
    "r_drop": "correlation of the item with the sum of the other items (psych's r.drop)",
    "alpha_if_dropped": "Cronbach's alpha of the construct without this item",
    "alpha_std_if_dropped": "standardised alpha without this item",
    "g6_if_dropped": "G6(smc) without this item",
    "average_r_if_dropped": "mean inter-item correlation without this item",
    "signal_noise_if_dropped": "S/N without this item",
    "alpha_se_if_dropped": "asymptotic standard error of alpha without this item",
    "var_r_if_dropped": "variance of the inter-item correlations without this item",
    "median_r_if_dropped": "median inter-item correlation without this item",
    "flag": "'check keying' when r_drop is negative",
    "construct_a": "first construct of a pair",
    "construct_b": "second construct of a pair",
    "alpha_a": "alpha of construct_a",
    "alpha_b": "alpha of construct_b",
    "r_disattenuated": "r / sqrt(alpha_a alpha_b), corrected for unreliability",
}

__all__ = [
    *crossproducts.__all__,
    *stats.__all__,
    *alpha.__all__,
    *omega.__all__,
    *scales.__all__,
    "EXTRA_COLUMNS",
]
