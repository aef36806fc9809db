"""Claims as data: the verdict of every claim on one cut of the data.

A claims file (``data/claims.yaml``, schema in ``docs/claims.md``) states each finding
as an item, a statistic and a comparison. :func:`evaluate_claims` turns every claim
into one row of a verdict table: the estimate with its interval, the test with its
raw and adjusted p-value, n, a **verdict** and whether the verdict is **settled**.

The rules, in one place (also in ``docs/claims.md``):

* Each comparison defines a claimed *region* for the statistic, read from the words
  by the rules of :mod:`cmmc_analysis.claims.wording` (``above v`` is (v, +inf),
  ``about v`` is v +/- the rule's margin, ``neutral`` the midpoint +/- the rule's
  margin, ``between lo and hi`` is (lo, hi); ``top`` says the named items rank first
  in the battery).
* **Verdict** reads the point estimate: *supported* when it lies in the region,
  *not supported* when it lies outside, *inconclusive* when fewer than ``min_n``
  (default 30) valid answers are available.
* **Settled** reads the test: the one-sided test(s) that the true value lies on the
  verdict's side of every boundary (an intersection-union test: the largest p of the
  boundaries; for a band this is TOST), adjusted over the family of claims evaluated
  together (Holm by default), is below the level of the look (``alpha`` for one look;
  the group-sequential level when an interim and a final look are made,
  :mod:`cmmc_analysis.claims.looks`). A settled verdict is one that more responses
  are unlikely to overturn.

Examples
--------
>>> from cmmc_analysis import load_survey
>>> table = evaluate_claims(load_survey()).set_index("claim")
>>> table.loc["S1", ["verdict", "band_source"]].tolist()
['supported', 'rule']
>>> table.loc["S1", ["threshold_low", "threshold_high"]].astype(float).round(3).tolist()
[0.567, 0.767]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ClaimsError
from ..schema.claims import FINAL
from ..survey import Survey
from .spec import Claim, ClaimSet, load_claims
from .wording import region

__all__ = ["evaluate_claims", "claim_ranking", "settle", "VERDICTS", "TESTED"]

#: The verdict values; ``descriptive`` marks claims that only describe (no test).
VERDICTS = ("supported", "not supported", "inconclusive", "descriptive")
#: The verdicts that rest on a test (and so can be settled).
TESTED = ("supported", "not supported")

# --- regions and statistics ---------------------------------------------------------------


@dataclass(frozen=True)
class _Estimate:
    n: int
    estimate: float
    ci_low: float
    ci_high: float
    ci_method: str
    method: str
    p_greater: Callable[[float], float] = field(repr=False)
    p_less: Callable[[float], float] = field(repr=False)


def _restricted(survey: Survey, claim: Claim) -> Survey:
    """The survey restricted to the respondents the claim's ``where`` keeps."""
    if not claim.where:
        return survey
    data = survey.data
    keep = np.ones(len(data), dtype=bool)
    for other, labels in claim.where.items():
        keep &= data[other].isin(list(labels)).to_numpy(dtype=bool, na_value=False)
    missing = survey.missing[keep] if len(survey.missing) == len(data) else survey.missing
    return replace(survey, data=data[keep], missing=missing)


def _values(survey: Survey, claim: Claim) -> pd.Series:
    item = claim.items[0]
    if survey.codebook.item(item).type == "scale":
        return survey.codes([item])[item]
    return survey.data[item]


def _share(survey: Survey, claim: Claim, ci_level: float) -> _Estimate:
    from ..significance import share_test

    item = claim.items[0]
    levels = claim.statistic["levels"]

    def test(threshold: float, alternative: str) -> pd.Series:
        return share_test(
            survey,
            item,
            levels=levels,
            threshold=threshold,
            alternative=alternative,
            ci_level=ci_level,
        ).iloc[0]

    row = test(0.5, "greater")
    n = int(row["n"])
    return _Estimate(
        n,
        float(row["estimate"]),
        float(row["ci_low"]),
        float(row["ci_high"]),
        "wilson",
        f"exact binomial test of the share of {row['level'].replace(' + ', ' / ')}",
        lambda v: test(v, "greater")["p_value"] if n else np.nan,
        lambda v: test(v, "less")["p_value"] if n else np.nan,
    )


def _mean(survey: Survey, claim: Claim, ci_level: float) -> _Estimate:
    from statsmodels.stats.weightstats import DescrStatsW

    x = _values(survey, claim).dropna().to_numpy(dtype=float)
    n = len(x)
    if n < 2:
        return _Estimate(n, float(np.mean(x)) if n else np.nan, np.nan, np.nan, "t", "", _nan, _nan)
    d = DescrStatsW(x)
    lo, hi = d.tconfint_mean(alpha=1 - ci_level)
    return _Estimate(
        n,
        float(d.mean),
        float(lo),
        float(hi),
        "t",
        "one-sample t-test on the codes",
        lambda v: float(d.ttest_mean(v, alternative="larger")[1]),
        lambda v: float(d.ttest_mean(v, alternative="smaller")[1]),
    )


def _quantile(survey: Survey, claim: Claim, ci_level: float) -> _Estimate:
    from ..significance import quantile_test

    q = float(claim.statistic["q"])
    x = _values(survey, claim).to_numpy(dtype=float)
    row = quantile_test(x, q=q, ci_level=ci_level).iloc[0]
    n = int(row["n"])
    if n == 0:
        return _Estimate(0, np.nan, np.nan, np.nan, "order statistics", "", _nan, _nan)

    def p(v: float, alternative: str) -> float:
        return float(quantile_test(x, q=q, threshold=v, alternative=alternative)["p_value"].iloc[0])

    return _Estimate(
        n,
        float(row["estimate"]),
        float(row["ci_low"]),
        float(row["ci_high"]),
        "distribution-free (binomial order statistics)",
        str(row["method"]),
        lambda v: p(v, "greater"),
        lambda v: p(v, "less"),
    )


def _nan(_: float) -> float:
    return np.nan


_STATISTICS: dict[str, Callable[[Survey, Claim, float], _Estimate]] = {
    "share": _share,
    "mean": _mean,
    "quantile": _quantile,
}


# --- evaluation ------------------------------------------------------------------------


def _evaluate_one(
    survey: Survey, claim: Claim, cs: ClaimSet, *, margin: float | None = None
) -> dict[str, Any]:
    kind = claim.comparison["type"]
    row: dict[str, Any] = {
        "claim": claim.id,
        "statement": claim.text(survey.codebook.source_language),
        "item": ", ".join(claim.items),
        "statistic": claim.statistic["type"],
        "comparison": kind,
    }
    if claim.statistic["type"] == "ranking":
        return row | _evaluate_ranking(survey, claim, cs)
    item_type = survey.codebook.item(claim.items[0]).type
    midpoint = survey.codebook.scale_of(claim.items[0]).midpoint if item_type == "scale" else None
    lo, hi, source = region(
        claim, cs.wording, item_type=item_type, midpoint=midpoint, margin=margin
    )
    est = _STATISTICS[claim.statistic["type"]](_restricted(survey, claim), claim, cs.ci_level)
    row |= {
        "threshold": {"below": hi, "about": (lo + hi) / 2, "neutral": midpoint}.get(kind, lo),
        "threshold_low": lo,
        "threshold_high": hi,
        "band_source": source,
        "margin": (hi - lo) / 2 if source != "literal" else np.nan,
        "n": est.n,
        "estimate": est.estimate,
        "ci_low": est.ci_low,
        "ci_high": est.ci_high,
        "ci_level": cs.ci_level,
        "ci_method": est.ci_method,
    }
    if est.n < cs.min_n or not np.isfinite(est.estimate):
        return row | {
            "verdict": "inconclusive",
            "p_value": np.nan,
            "method": est.method,
            "note": f"fewer than {cs.min_n} valid answers (n = {est.n})",
        }
    inside = lo <= est.estimate <= hi if kind in ("about", "neutral") else lo < est.estimate < hi
    bounds = []
    if inside:
        if np.isfinite(lo):
            bounds.append((est.p_greater(lo), f"> {lo:g}"))
        if np.isfinite(hi):
            bounds.append((est.p_less(hi), f"< {hi:g}"))
        verdict = "supported"
    else:
        below = est.estimate < lo if np.isfinite(lo) else False
        bounds.append((est.p_less(lo), f"< {lo:g}") if below else (est.p_greater(hi), f"> {hi:g}"))
        verdict = "not supported"
    p = max(b[0] for b in bounds)
    alternative = " and ".join(b[1] for b in bounds)
    test = est.method + (
        ", intersection-union (largest p of the bounds)" if len(bounds) > 1 else ""
    )
    return row | {
        "verdict": verdict,
        "p_value": float(p),
        "alternative": alternative,
        "method": f"{test}; H1: true value {alternative}",
        "note": "",
    }


def _evaluate_ranking(survey: Survey, claim: Claim, cs: ClaimSet) -> dict[str, Any]:
    from ..significance import battery_ranking, pairwise_battery

    items = list(claim.items)
    out: dict[str, Any] = {"ci_level": cs.ci_level, "threshold": np.nan}
    if claim.comparison["type"] == "describe":
        ranking = battery_ranking(survey, items, correction=cs.correction, alpha=cs.alpha)
        return out | {
            "n": int(ranking["n"].min()) if len(ranking) else 0,
            "estimate": float(ranking["mean"].iloc[0]),
            "ci_low": np.nan,
            "ci_high": np.nan,
            "verdict": "descriptive",
            "p_value": np.nan,
            "method": "ranking by mean, complete cases (Friedman and pairwise Wilcoxon in the ranking table)",
            "note": "ranking by mean: " + " > ".join(ranking["item"]),
        }
    named = list(claim.comparison["items"])
    others = [i for i in items if i not in named]
    codes = survey.codes(items)
    means = codes.mean().sort_values(ascending=False, kind="stable")
    order = list(means.index)
    pairs = pairwise_battery(
        survey,
        items,
        correction=cs.correction,
        missing="pairwise",
        pairs=[(a, b) for a in named for b in others],
    )
    n = int(pairs["n"].min())
    if n < cs.min_n:
        return out | {
            "n": n,
            "verdict": "inconclusive",
            "p_value": np.nan,
            "estimate": np.nan,
            "method": "ranking",
            "note": f"fewer than {cs.min_n} paired answers (n = {n})",
        }
    inside = set(order[: len(named)]) == set(named)
    # the weakest margin between a named item and any other item, with its paired CI
    margin, a, b = min((means[a] - means[b], a, b) for a in named for b in others)
    lo, hi = _paired_ci(codes[a] - codes[b], cs.ci_level)
    p_ab = _pair_p(pairs)
    if inside:
        p = max(p_ab[(x, y)] for x in named for y in others)
        verdict, alternative = "supported", "each named item above every other item"
    else:
        p = min(p_ab[(y, x)] for x in named for y in others)
        verdict, alternative = "not supported", "some other item above a named item"
    return out | {
        "n": n,
        "estimate": float(margin),
        "ci_low": lo,
        "ci_high": hi,
        "ci_method": "paired t",
        "threshold": 0.0,
        "threshold_low": 0.0,
        "threshold_high": math.inf,
        "verdict": verdict,
        "p_value": float(p),
        "alternative": alternative,
        "method": (
            "Wilcoxon signed-rank tests of each named item against every other item "
            f"(pairwise complete cases, {cs.correction}-adjusted over those "
            f"{len(named) * len(others)} pairs; the largest adjusted p counts); "
            f"estimate = smallest difference of means ({a} - {b})"
        ),
        "note": "ranking by mean: " + " > ".join(order),
    }


def _pair_p(pairs: pd.DataFrame) -> dict[tuple[str, str], float]:
    """One-sided reading of the adjusted pairwise p: p for "x above y"."""
    out: dict[tuple[str, str], float] = {}
    for rec in pairs.itertuples(index=False):
        x, y, p = rec.item_a, rec.item_b, float(rec.p_adjusted)
        out[(x, y)] = p if rec.direction == "above" else 1.0
        out[(y, x)] = p if rec.direction == "below" else 1.0
    return out


def _paired_ci(diff: pd.Series, ci_level: float) -> tuple[float, float]:
    from statsmodels.stats.weightstats import DescrStatsW

    if len(diff) < 2:
        return np.nan, np.nan
    diff = diff.dropna()
    if len(diff) < 2:
        return np.nan, np.nan
    lo, hi = DescrStatsW(diff.to_numpy(dtype=float)).tconfint_mean(alpha=1 - ci_level)
    return float(lo), float(hi)


def evaluate_claims(
    survey: Survey,
    claims: ClaimSet | None = None,
    *,
    cut: str = FINAL,
) -> pd.DataFrame:
    """Evaluate every claim on ``survey`` into a verdict table.

    Parameters
    ----------
    survey
        The cleaned survey (or a cut of it).
    claims
        A :class:`ClaimSet` (default: the bundled claims, validated against the
        survey's codebook).
    cut
        Label of this cut (``"final"`` or a cut-off name); claims whose ``cuts`` do not
        include it are left out.

    Returns
    -------
    pandas.DataFrame
        One row per claim: ``claim``, ``statement`` (in the codebook's source
        language; :func:`cmmc_analysis.display.with_labels` with ``claims=`` gives the
        page's), ``item``, ``statistic``,
        ``comparison``, ``threshold``, ``threshold_low``, ``threshold_high``, ``n``,
        ``estimate``, ``ci_low``, ``ci_high``, ``ci_level``, ``ci_method``,
        ``band_source`` (``rule``, ``claim``, ``sensitivity`` or ``literal``: where the
        region's band comes from, :mod:`cmmc_analysis.claims.wording`), ``margin``
        (the band's half-width), ``method`` (the test and its H1), ``alternative``,
        ``p_value``, ``p_adjusted`` (over the claims of this call that have a test),
        ``correction``, ``family``, ``verdict``, ``nominal_alpha`` (the level the
        adjusted p must be below: ``alpha`` for one look), ``settled``, ``note``,
        ``cut``.

    Examples
    --------
    >>> from cmmc_analysis import load_survey
    >>> table = evaluate_claims(load_survey())
    >>> table.set_index("claim").loc["S2", "verdict"]
    'supported'
    """
    from ..significance import adjust_pvalues

    claims = claims or load_claims(codebook=survey.codebook)
    rows = [
        _evaluate_one(survey, c, claims) for c in claims.claims if c.cuts is None or cut in c.cuts
    ]
    table = pd.DataFrame(rows)
    p = table["p_value"].to_numpy(dtype=float)
    table["p_adjusted"] = adjust_pvalues(p, correction=claims.correction)
    table["correction"] = claims.correction
    table["family"] = f"claims evaluated on the {cut} cut ({int(np.isfinite(p).sum())} tests)"
    table["nominal_alpha"] = claims.alpha
    table["cut"] = cut
    return settle(table)


def settle(table: pd.DataFrame) -> pd.DataFrame:
    """Set ``settled`` from ``p_adjusted`` and each row's ``nominal_alpha`` (in place).

    A tested verdict is settled when its adjusted p-value is below the level of its
    look: ``alpha`` for a single look, the group-sequential level at an interim and
    final look (:func:`cmmc_analysis.claims.looks.evaluate_cuts`). Descriptive claims
    have no settled status (missing); inconclusive ones are never settled.
    """
    tested = table["verdict"].isin(TESTED)
    below = table["p_adjusted"].to_numpy(dtype=float) < table["nominal_alpha"].to_numpy(dtype=float)
    table["settled"] = pd.array(tested & below, dtype="boolean")
    table.loc[~table["verdict"].isin([*TESTED, "inconclusive"]), "settled"] = pd.NA
    return table


def claim_ranking(survey: Survey, claim: Claim, *, correction: str = "holm") -> pd.DataFrame:
    """The full ranking table behind a ranking claim (S7, S9): one row per item.

    Delegates to :func:`cmmc_analysis.significance.battery_ranking`.
    """
    from ..significance import battery_ranking

    if claim.statistic["type"] != "ranking":
        raise ClaimsError(
            f"claim {claim.id} is not a ranking claim (statistic {claim.statistic['type']!r})"
        )
    return battery_ranking(survey, list(claim.items), correction=correction)


def with_options(claims: ClaimSet, **options: Any) -> ClaimSet:
    """A copy of ``claims`` with family options changed (alpha, correction, min_n...)."""
    return replace(claims, **options)
