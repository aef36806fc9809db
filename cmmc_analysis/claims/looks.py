"""Two looks at the same claims: the interim cut and the close, with controlled error.

A claim checked at an interim cut-off and again at the close is tested twice on
accumulating data. Reading each look at ``alpha`` would call a false claim settled
more often than ``alpha`` (about 8 % instead of 5 % for two looks). So the level of
each look comes from a group-sequential boundary
(:mod:`cmmc_analysis.significance.sequential`): for each claim, the information
fraction of the interim look is its valid n at the interim divided by its valid n at
the close, and the claims file's ``defaults.sequential`` chooses the alpha spending
(O'Brien-Fleming-type by default: strict at the interim, close to ``alpha`` at the
close; ``pocock``; or ``none`` for the old reading of each look at ``alpha``).

Details, all in the ``nominal_alpha`` column of each row:

- a claim with no test at the interim (inconclusive there) spends nothing there: its
  final look is read at ``alpha``;
- when the interim holds every answer of the close (fraction 1), the fraction is
  taken as 0.99, so that the interim spends almost all of ``alpha`` and the final
  look, which adds no information, almost none;
- the adjustment over the family of claims (Holm by default) is made within each
  look, and the adjusted p-value is compared with the look's level.

Examples
--------
>>> from cmmc_analysis import load_survey
>>> side = compare_cuts(load_survey()).set_index("claim")
>>> side.loc["S4", ["settled_interim", "settled_final"]].astype(bool).tolist()
[True, True]
>>> side.loc["S2", ["settled_interim", "settled_final"]].astype(bool).tolist()
[False, True]
>>> float(side.loc["S2", "nominal_alpha_interim"]) < 0.01
True
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from ..schema.claims import FINAL
from ..survey import Survey
from .evaluate import evaluate_claims, settle
from .spec import ClaimSet, load_claims

__all__ = ["evaluate_cuts", "compare_cuts", "look_levels", "MAX_INTERIM_FRACTION"]

#: an interim fraction is capped here (an interim with every answer of the close)
MAX_INTERIM_FRACTION = 0.99


@lru_cache(maxsize=512)
def _levels(fraction: float, alpha: float, spending: str) -> tuple[float, float]:
    from ..significance.sequential import boundaries

    b = boundaries([fraction, 1.0], alpha=alpha, spending=spending)
    return float(b["nominal_alpha"].iloc[0]), float(b["nominal_alpha"].iloc[1])


def look_levels(
    n_interim: float, n_final: float, *, alpha: float = 0.05, spending: str = "obrien-fleming"
) -> tuple[float, float, float]:
    """The information fraction and the levels of the interim and the final look.

    Parameters
    ----------
    n_interim, n_final
        Valid answers of the claim at each look.
    alpha
        The overall one-sided level over both looks.
    spending
        ``"obrien-fleming"``, ``"pocock"`` or ``"none"`` (each look at ``alpha``).

    Returns
    -------
    tuple
        ``(fraction, level_interim, level_final)``.

    Examples
    --------
    >>> [round(v, 4) for v in look_levels(120, 240)]
    [0.5, 0.0056, 0.0482]
    >>> look_levels(120, 240, spending="none")
    (0.5, 0.05, 0.05)
    """
    fraction = float(np.clip(n_interim / n_final, 1e-6, MAX_INTERIM_FRACTION))
    if spending == "none":
        return fraction, alpha, alpha
    # rounding the fraction to 1e-4 changes a level by < 1e-6 and lets claims share bounds
    first, final = _levels(round(fraction, 4), float(alpha), spending)
    return fraction, first, final


def evaluate_cuts(
    survey: Survey,
    claims: ClaimSet | None = None,
    *,
    cutoff: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The verdict table on the interim cut and on the final data, stacked.

    Parameters
    ----------
    survey
        The cleaned survey (all responses).
    claims
        The claims (default: the bundled ones).
    cutoff
        A cut-off name of the codebook or a date-time (default: the codebook's default
        cut-off, the newsletter's morning for the bundled survey).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`~cmmc_analysis.claims.evaluate.evaluate_claims` plus
        ``information_fraction``; ``cut`` holds the cut-off's label for the interim
        rows and ``"final"`` for the rest; ``nominal_alpha`` is each look's
        group-sequential level and ``settled`` is read against it. Each cut is its own
        family for the adjustment. A codebook without cut-offs (and no ``cutoff``)
        gives the final rows only, read at ``alpha``.
    """
    claims = claims or load_claims(codebook=survey.codebook)
    if cutoff is None and survey.codebook.default_cutoff is None:  # no interim: final only
        return evaluate_claims(survey, claims, cut=FINAL)
    interim = survey.cut(cutoff)
    first = evaluate_claims(interim, claims, cut=str(interim.cutoff))
    final = evaluate_claims(survey, claims, cut=FINAL)
    _sequential_levels(first, final, claims)
    return pd.concat([settle(first), settle(final)], ignore_index=True)


def _sequential_levels(first: pd.DataFrame, final: pd.DataFrame, claims: ClaimSet) -> None:
    """Set ``nominal_alpha`` and ``information_fraction`` of both looks (in place)."""
    first["information_fraction"] = np.nan
    final["information_fraction"] = 1.0
    at_interim = first.set_index("claim")
    for i, row in final.iterrows():
        if row["claim"] not in at_interim.index:
            continue
        j = int(np.flatnonzero(first["claim"].to_numpy() == row["claim"])[0])
        n_i, n_f = at_interim.loc[row["claim"], "n"], row["n"]
        if not (np.isfinite(first.at[j, "p_value"]) and n_f and np.isfinite(n_i)):
            continue  # no test at the interim: nothing spent there
        fraction, level_i, level_f = look_levels(
            float(n_i), float(n_f), alpha=claims.alpha, spending=claims.sequential
        )
        first.at[j, "information_fraction"] = fraction
        first.at[j, "nominal_alpha"] = level_i
        final.at[i, "nominal_alpha"] = level_f


def compare_cuts(
    survey: Survey,
    claims: ClaimSet | None = None,
    *,
    cutoff: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Interim and final verdicts side by side, with what changed.

    Returns
    -------
    pandas.DataFrame
        One row per claim: ``claim``, ``statement``, then for each of ``interim`` and
        ``final``: ``n_*``, ``estimate_*``, ``ci_low_*``, ``ci_high_*``, ``p_adjusted_*``,
        ``nominal_alpha_*`` (the look's group-sequential level), ``verdict_*``,
        ``settled_*``; ``information_fraction`` (of the interim look); ``changed``
        (bool: verdict or settled status differs) and ``change`` (a short
        description: ``settled at the interim``, ``settled at the close``, ``no longer
        settled``, ``unchanged``, ``final only`` or ``V1 -> V2``).
    """
    long = evaluate_cuts(survey, claims, cutoff=cutoff)
    interim_label = next(c for c in long["cut"].unique() if c != FINAL)
    cols = ["n", "estimate", "ci_low", "ci_high", "p_adjusted", "nominal_alpha", "verdict"]
    cols.append("settled")
    parts = []
    for label, suffix in ((interim_label, "interim"), (FINAL, "final")):
        part = long.loc[long["cut"] == label].set_index("claim")[cols]
        parts.append(part.add_suffix(f"_{suffix}"))
    first = long.loc[long["cut"] == interim_label].set_index("claim")["information_fraction"]
    statements = long.drop_duplicates("claim").set_index("claim")["statement"]
    side = pd.concat([statements, *parts, first], axis=1).reset_index()
    v_i, v_f = side["verdict_interim"], side["verdict_final"]
    s_i = side["settled_interim"].astype("boolean")
    s_f = side["settled_final"].astype("boolean")
    side["changed"] = (v_i.fillna("") != v_f.fillna("")) | (s_i.fillna(False) != s_f.fillna(False))
    side["change"] = [
        _describe_change(a, b, c, d) for a, b, c, d in zip(v_i, s_i, v_f, s_f, strict=True)
    ]
    return side


def _describe_change(v_i: Any, s_i: Any, v_f: Any, s_f: Any) -> str:
    if not isinstance(v_i, str):
        return "final only"
    if v_i != v_f:
        return f"{v_i} -> {v_f}"
    settled_i, settled_f = _true(s_i), _true(s_f)
    if settled_i != settled_f:
        return "settled at the close" if settled_f else "no longer settled"
    return "settled at the interim" if settled_i else "unchanged"


def _true(value: Any) -> bool:
    return False if pd.isna(value) else bool(value)
