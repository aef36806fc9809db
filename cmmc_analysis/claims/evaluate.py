"""Claims as data: the newsletter's findings as testable statements, and their verdicts.

A claims file (``data/claims.yaml``, schema in ``docs/claims.md``) states each finding
as an item, a statistic and a comparison. :func:`evaluate_claims` turns every claim
into one row of a verdict table: the estimate with its interval, the test with its
raw and adjusted p-value, n, a **verdict** and whether the verdict is **settled**.

The rules, in one place (also in ``docs/claims.md``):

* Each comparison defines a claimed *region* for the statistic: ``above v`` is
  (v, +inf), ``below v`` is (-inf, v), ``about v +/- t`` is [v - t, v + t],
  ``neutral +/- t`` is [mid - t, mid + t], ``between lo and hi`` is (lo, hi), and
  ``top`` says the named items rank first in the battery.
* **Verdict** reads the point estimate: *supported* when it lies in the region,
  *not supported* when it lies outside, *inconclusive* when fewer than ``min_n``
  (default 30) valid answers are available.
* **Settled** reads the test: the one-sided test(s) that the true value lies on the
  verdict's side of every boundary (an intersection-union test: the largest p of the
  boundaries; for a band this is TOST), Holm-adjusted over the family of claims
  evaluated together, is below ``alpha``. A settled verdict is one that more
  responses are unlikely to overturn.

Examples
--------
>>> from cmmc_analysis.codebook import load_codebook
>>> cs = load_claims(codebook=load_codebook())
>>> [c.id for c in cs.claims]
['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S9']
>>> region(cs.get("S4"), midpoint=3.0)
(3.0, 4.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import Codebook, load_codebook
from ..errors import ClaimsError
from ..schema.claims import FINAL
from ..survey import Survey
from .spec import Claim, ClaimSet, load_claims

__all__ = [
    "region",
    "evaluate_claims",
    "evaluate_cuts",
    "compare_cuts",
    "sensitivity",
    "claim_ranking",
    "VERDICTS",
]

#: The verdict values; ``descriptive`` marks claims that only describe (no test).
VERDICTS = ("supported", "not supported", "inconclusive", "descriptive")

# --- regions and statistics ---------------------------------------------------------------


def region(claim: Claim, *, midpoint: float | None = None) -> tuple[float, float]:
    """The claimed region (low, high) of a non-ranking claim; ``neutral`` -> midpoint."""
    comp = claim.comparison

    def val(key: str) -> float:
        v = comp[key]
        return float(midpoint) if v == "neutral" else float(v)

    kind = comp["type"]
    if kind == "above":
        return val("value"), math.inf
    if kind == "below":
        return -math.inf, val("value")
    if kind == "about":
        return val("value") - comp["tolerance"], val("value") + comp["tolerance"]
    if kind == "neutral":
        return float(midpoint) - comp["tolerance"], float(midpoint) + comp["tolerance"]
    if kind == "between":
        return val("low"), val("high")
    raise ClaimsError(f"claim {claim.id}: comparison {kind!r} has no numeric region")


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


def _evaluate_one(survey: Survey, claim: Claim, cs: ClaimSet) -> dict[str, Any]:
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
    midpoint = (
        survey.codebook.scale_of(claim.items[0]).midpoint
        if survey.codebook.item(claim.items[0]).type == "scale"
        else None
    )
    lo, hi = region(claim, midpoint=midpoint)
    est = _STATISTICS[claim.statistic["type"]](_restricted(survey, claim), claim, cs.ci_level)
    row |= {
        "threshold": {"below": hi, "about": (lo + hi) / 2, "neutral": midpoint}.get(kind, lo),
        "threshold_low": lo,
        "threshold_high": hi,
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
        ``method`` (the test and its H1), ``alternative``, ``p_value``, ``p_adjusted``
        (over the claims of this call that have a test), ``correction``, ``family``,
        ``verdict``, ``settled``, ``note``, ``cut``.

    Examples
    --------
    >>> from cmmc_analysis.survey import load_survey
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
    tested = table["verdict"].isin(["supported", "not supported"])
    table["settled"] = pd.array(tested & (table["p_adjusted"] < claims.alpha), dtype="boolean")
    table.loc[~table["verdict"].isin(["supported", "not supported", "inconclusive"]), "settled"] = (
        pd.NA
    )
    table["cut"] = cut
    return table


def evaluate_cuts(
    survey: Survey,
    claims: ClaimSet | None = None,
    *,
    cutoff: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The verdict table on the interim cut and on the final data, stacked.

    Parameters
    ----------
    cutoff
        A cut-off name of the codebook or a date-time (default: the codebook's default
        cut-off, the newsletter's morning for the bundled survey).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`evaluate_claims`; ``cut`` holds the cut-off's label for
        the interim rows and ``"final"`` for the rest. Each cut is its own family.
        A codebook without cut-offs (and no ``cutoff``) gives the final rows only.
    """
    claims = claims or load_claims(codebook=survey.codebook)
    if cutoff is None and survey.codebook.default_cutoff is None:  # no interim: final only
        return evaluate_claims(survey, claims, cut=FINAL)
    interim = survey.cut(cutoff)
    return pd.concat(
        [
            evaluate_claims(interim, claims, cut=str(interim.cutoff)),
            evaluate_claims(survey, claims, cut=FINAL),
        ],
        ignore_index=True,
    )


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
        ``verdict_*``, ``settled_*``; and ``changed`` (bool: verdict or settled status
        differs) and ``change`` (a short description).

    Examples
    --------
    >>> from cmmc_analysis.survey import load_survey
    >>> side = compare_cuts(load_survey()).set_index("claim")
    >>> bool(side.loc["S2", "settled_interim"])
    True
    """
    long = evaluate_cuts(survey, claims, cutoff=cutoff)
    interim_label = next(c for c in long["cut"].unique() if c != FINAL)
    cols = ["n", "estimate", "ci_low", "ci_high", "p_adjusted", "verdict", "settled"]
    parts = []
    for label, suffix in ((interim_label, "interim"), (FINAL, "final")):
        part = long.loc[long["cut"] == label].set_index("claim")[cols]
        parts.append(part.add_suffix(f"_{suffix}"))
    statements = long.drop_duplicates("claim").set_index("claim")["statement"]
    side = pd.concat([statements, *parts], axis=1).reset_index()
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


def sensitivity(
    raw: Any = None,
    claims: ClaimSet | None = None,
    *,
    codebook: Codebook | None = None,
    optional: Sequence[str] = ("speeders", "straightliners"),
) -> pd.DataFrame:
    """Verdicts with and without the optional exclusions (speeders, straight-liners).

    Cleans ``raw`` twice, once as the codebook says and once with the ``optional``
    rules set to flag without excluding, and evaluates the claims on both.

    Parameters
    ----------
    raw
        A :class:`~cmmc_analysis.io.reader.RawExport` (from ``read_export``), or the path of
        an export, or None for the bundled export.
    optional
        Cleaning rules switched to ``exclude: false`` in the alternative.

    Returns
    -------
    pandas.DataFrame
        One row per claim: ``claim``, ``n``, ``estimate``, ``verdict``, ``settled``
        as cleaned by default, the same with suffix ``_without`` for the alternative,
        and ``changed`` (verdict or settled status differs).
    """
    from ..clean.pipeline import clean
    from ..io.reader import read_export
    from ..paths import DEFAULT_EXPORT

    codebook = codebook or load_codebook()
    if raw is None or isinstance(raw, str | Path):
        raw = read_export(raw if raw is not None else DEFAULT_EXPORT, codebook=codebook)
    claims = claims or load_claims(codebook=codebook)
    base = evaluate_claims(clean(raw, codebook), claims)
    rules = {rule: {"exclude": False} for rule in optional}
    alt = evaluate_claims(clean(raw, codebook, rules=rules), claims)
    cols = ["claim", "n", "estimate", "verdict", "settled"]
    out = base[cols].merge(alt[cols], on="claim", suffixes=("", "_without"))
    out["changed"] = (out["verdict"] != out["verdict_without"]) | (
        out["settled"].astype("boolean").fillna(False)
        != out["settled_without"].astype("boolean").fillna(False)
    )
    out["excluded_rules"] = ", ".join(optional)
    return out


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
