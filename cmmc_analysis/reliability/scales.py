"""Constructs of a survey: reliability per construct and scale intercorrelations.

Each construct is scored with its **own** reverse keys (an item reversed in one
construct and forward in another is reversed only inside the first), as
``psych::scoreItems`` with one keys list per scale.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import SurveyDataError
from ..survey import Survey
from .alpha import _construct_codes, cronbach_alpha
from .omega import omega_total

__all__ = ["reliability_table", "scale_correlations"]


def reliability_table(
    survey: Survey,
    constructs: Sequence[str] | None = None,
    *,
    missing: str = "listwise",
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Alpha (Feldt and Duhachek intervals), psych's other totals and omega per construct.

    Parameters
    ----------
    survey
        The cleaned survey; each construct's own reverse keys are applied.
    constructs
        Construct ids (default: all constructs of the codebook).
    missing
        ``"listwise"``, ``"pairwise"`` or ``"median"`` (used for both alpha and omega).
    ci_level
        Confidence level of alpha's intervals.

    Returns
    -------
    DataFrame
        One row per construct: ``construct``, then the columns of
        :func:`~cmmc_analysis.reliability.cronbach_alpha` (``estimate`` is alpha;
        ``mean`` and ``sd`` are those of the per-person mean score) and ``omega``.

    Examples
    --------
    >>> from cmmc_analysis.examples import toy_survey
    >>> t = reliability_table(toy_survey(), ["tech_acceleration"])
    >>> t[["construct", "n", "k", "estimate", "g6", "average_r"]].round(4)
               construct  n  k  estimate  g6  average_r
    0  tech_acceleration  6  6     0.929 NaN     0.7204
    >>> t["note"].iloc[0]
    'correlation matrix not positive definite'

    """
    names = list(survey.codebook.constructs) if constructs is None else list(constructs)
    rows = []
    for cid in names:
        codes = _construct_codes(survey, cid)
        alpha = cronbach_alpha(codes, ci_level=ci_level, missing=missing).iloc[0]
        omega = omega_total(codes, missing=missing).iloc[0]
        notes = [v for v in (alpha["note"], omega["note"]) if isinstance(v, str)]
        row = {"construct": cid, **alpha.to_dict()}
        row |= {
            "omega": omega["estimate"],
            "method": "Cronbach's alpha; omega total (one-factor ML)",
            "note": "; ".join(notes) or None,
        }
        rows.append(row)
    return pd.DataFrame(rows)


def scale_correlations(
    survey: Survey,
    constructs: Sequence[str] | None = None,
    *,
    missing: str = "listwise",
    min_valid: float | None = None,
) -> pd.DataFrame:
    """Correlations between construct scores, raw and disattenuated (as scoreItems).

    The scores are :func:`~cmmc_analysis.describe.likert.construct_scores` (the mean
    of each construct's own reverse-keyed items); each pair is correlated (Pearson)
    over the respondents with both scores. The disattenuated correlation divides by
    the square root of the two alphas (``missing`` rule), as ``psych::scoreItems``'s
    ``corrected`` matrix: ``r / sqrt(alpha_a alpha_b)``.

    Parameters
    ----------
    survey
        The cleaned survey.
    constructs
        Construct ids (default: all constructs of the codebook; at least two).
    missing
        Missing-data rule of the alphas.
    min_valid
        As in :func:`~cmmc_analysis.describe.likert.construct_scores`.

    Returns
    -------
    DataFrame
        One row per pair: ``construct_a``, ``construct_b``, ``n``, ``r``, ``alpha_a``,
        ``alpha_b``, ``r_disattenuated``, ``missing_rule``, ``note``.

    Examples
    --------
    >>> from cmmc_analysis import load_survey
    >>> t = scale_correlations(load_survey())
    >>> t[["construct_a", "construct_b"]].values.tolist()
    [['digital_readiness', 'tech_acceleration']]
    """
    from ..describe.likert import construct_scores

    names = list(survey.codebook.constructs) if constructs is None else list(constructs)
    if len(names) < 2:
        raise SurveyDataError(
            f"parameter constructs: expected at least 2 constructs, found {len(names)}"
        )
    scores = construct_scores(survey, names, min_valid=min_valid)
    alphas = reliability_table(survey, names, missing=missing).set_index("construct")["estimate"]
    rows = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            both = scores[[a, b]].dropna()
            n = len(both)
            r = np.nan
            if n > 2 and both[a].std() > 0 and both[b].std() > 0:
                r = float(np.corrcoef(both[a], both[b])[0, 1])
            product = alphas[a] * alphas[b]
            ok = np.isfinite(product) and product > 0
            rows.append(
                {
                    "construct_a": a,
                    "construct_b": b,
                    "n": n,
                    "r": r,
                    "alpha_a": alphas[a],
                    "alpha_b": alphas[b],
                    "r_disattenuated": r / np.sqrt(product) if ok else np.nan,
                    "missing_rule": missing,
                    "note": None if ok else "an alpha is missing or not positive: no correction",
                }
            )
    return pd.DataFrame(rows)
