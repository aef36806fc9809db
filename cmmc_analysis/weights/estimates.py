"""Weighted estimates: survey weights attached to a Survey, shares and means with them.

Weighted shares are ``sum(w * x) / sum(w)``; their Wilson intervals use Kish's
effective sample size ``sum(w)**2 / sum(w**2)`` in place of n, so intervals widen by
the design effect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from ..errors import SurveyDataError
from ..survey import Survey
from .attach import resolve_weights, with_weights
from .raking import rake, weight_summary

__all__ = [
    "EXTRA_COLUMNS",
    "measure_values",
    "weighted_estimate",
    "weighted_vs_unweighted",
    "weighting_effect",
]

#: Result columns of this module that are not in :data:`cmmc_analysis.columns.COLUMNS`.
EXTRA_COLUMNS: dict[str, str] = {
    "min": "smallest weight",
    "max": "largest weight",
    "cv": "coefficient of variation of the weights, sd (ddof=0) / mean; deff = 1 + cv**2",
    "design_effect": "Kish design effect of unequal weights, n * sum(w**2) / sum(w)**2",
    "n_eff": "Kish effective sample size, sum(w)**2 / sum(w**2)",
    "efficiency": "n_eff / n (weighting efficiency, 0..1)",
    "target": "population share the weights are raked to",
    "share_weighted": "weighted share in the sample",
    "measure": "what `estimate` is: top2, bottom2 (shares) or mean (of the codes)",
    "estimate_unweighted": "the estimate with every respondent counted once",
    "ci_low_unweighted": "lower bound of the unweighted interval",
    "ci_high_unweighted": "upper bound of the unweighted interval",
    "estimate_weighted": "the estimate with survey weights",
    "ci_low_weighted": "lower bound of the weighted interval (on the effective n)",
    "ci_high_weighted": "upper bound of the weighted interval (on the effective n)",
    "difference": "estimate_weighted - estimate_unweighted",
    "outside_unweighted_ci": "whether the weighted estimate lies outside the unweighted interval",
}


# --- weighted estimates ------------------------------------------------------------------------
def measure_values(survey: Survey, item: str, measure: str) -> np.ndarray:
    """Per-respondent values behind a measure: 0/1 for top2/bottom2, codes for mean."""
    if measure not in ("top2", "bottom2", "mean"):
        raise SurveyDataError(f"statistic must be 'top2', 'bottom2' or 'mean', found {measure!r}")
    if survey.codebook.item(item).type == "numeric":
        if measure != "mean":
            raise SurveyDataError(f"item {item!r} is numeric: only statistic='mean' applies")
        return survey.data[item].to_numpy(dtype=float)
    x = survey.codes([item])[item].to_numpy()
    if measure == "mean":
        return x
    from ..describe.counts import bottom2_codes, top2_codes

    scale = survey.codebook.scale_of(item)
    hit = np.isin(x, top2_codes(scale) if measure == "top2" else bottom2_codes(scale))
    return np.where(np.isnan(x), np.nan, hit.astype(float))


def weighted_estimate(
    x: np.ndarray, w: np.ndarray | None, *, measure: str, alpha: float = 0.05
) -> dict[str, float]:
    """Estimate, interval, n and Kish effective n of one variable.

    Shares: ``sum(w x) / sum(w)`` with a Wilson interval on the effective n. Means:
    weighted mean with a t interval from ``statsmodels`` ``DescrStatsW`` whose weights
    are scaled to sum to the effective n. Without weights both reduce to the usual
    unweighted estimate and interval.

    >>> est = weighted_estimate(np.array([1.0, 0.0, 1.0, 0.0]), np.array([3.0, 1, 1, 1]),
    ...                         measure="top2")
    >>> est["estimate"], round(est["n_eff"], 4)
    (0.667, 3.0)
    """
    w = np.ones(len(x)) if w is None else w
    ok = ~np.isnan(x) & ~np.isnan(w) & (w > 0)
    xv, wv = x[ok], w[ok]
    n = int(ok.sum())
    if n == 0:
        return {
            "n": 0.0,
            "n_eff": 0.0,
            "estimate": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
        }
    n_eff = wv.sum() ** 2 / (wv**2).sum()
    if measure == "mean":
        stats = DescrStatsW(xv, weights=wv * n_eff / wv.sum())
        est = stats.mean
        low, high = stats.tconfint_mean(alpha) if n > 1 else (np.nan, np.nan)
    else:
        est = float((wv * xv).sum() / wv.sum())
        low, high = proportion_confint(est * n_eff, n_eff, alpha=alpha, method="wilson")
    return {
        "n": float(n),
        "n_eff": float(n_eff),
        "estimate": float(est),
        "ci_low": float(low),
        "ci_high": float(high),
    }


def weighted_vs_unweighted(
    survey: Survey,
    items: Sequence[str],
    *,
    weights: pd.Series | str = "weight",
    statistic: str = "top2",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Each item's estimate with and without weights, side by side.

    Weighted intervals are Wilson (shares) or t (means) intervals on Kish's effective
    n, so they are wider than the unweighted ones by about the design effect. Top-2
    figures come from :func:`cmmc_analysis.describe.likert.likert_summary` (the same numbers the
    rest of the report shows); bottom-2 and mean intervals from
    :func:`weighted_estimate`.

    Parameters
    ----------
    survey
        The survey.
    items
        Scale items (or numeric items with ``statistic="mean"``).
    weights
        Column name of ``survey.data`` or a Series indexed by respondent id.
    statistic
        ``"top2"``, ``"bottom2"`` (shares) or ``"mean"`` (of the codes 1..k).
    alpha
        1 - confidence level.

    Returns
    -------
    DataFrame
        One row per item: ``item``, ``measure``, ``n`` (answers, unweighted), ``n_eff``,
        ``design_effect``, ``estimate_unweighted``, ``ci_low_unweighted``,
        ``ci_high_unweighted``, ``estimate_weighted``, ``ci_low_weighted``,
        ``ci_high_weighted``, ``difference`` (weighted - unweighted), ``ci_method``.

    Examples
    --------
    >>> from cmmc_analysis.codebook import load_codebook
    >>> cb = load_codebook()
    >>> pts = cb.scale_of("org_models").labels()
    >>> col = pd.Categorical([pts[4], pts[4], pts[0], pts[0]], categories=pts, ordered=True)
    >>> data = pd.DataFrame({"org_models": col}, index=pd.Index(list("abcd"), name="respondent_id"))
    >>> s = Survey(data=data, missing=pd.DataFrame(index=data.index), codebook=cb)
    >>> w = pd.Series([3.0, 3.0, 1.0, 1.0], index=list("abcd"))
    >>> weighted_vs_unweighted(s, ["org_models"], weights=w)[
    ...     ["estimate_unweighted", "estimate_weighted", "difference"]]
       estimate_unweighted  estimate_weighted  difference
    0                  0.5               0.75        0.25
    """
    w = resolve_weights(survey, weights)
    scale = all(survey.codebook.item(i).type == "scale" for i in items)
    if statistic == "top2" and scale:
        unw, wtd = _likert_top2(survey, items, None, alpha), _likert_top2(survey, items, w, alpha)
    else:
        values = {i: measure_values(survey, i, statistic) for i in items}
        unw = [weighted_estimate(values[i], None, measure=statistic, alpha=alpha) for i in items]
        wtd = [weighted_estimate(values[i], w, measure=statistic, alpha=alpha) for i in items]
    rows = []
    for item, u, v in zip(items, unw, wtd, strict=True):
        rows.append(
            {
                "item": item,
                "measure": statistic,
                "n": u["n"],
                "n_eff": v["n_eff"],
                "design_effect": v["n"] / v["n_eff"] if v["n_eff"] else np.nan,
                "estimate_unweighted": u["estimate"],
                "ci_low_unweighted": u["ci_low"],
                "ci_high_unweighted": u["ci_high"],
                "estimate_weighted": v["estimate"],
                "ci_low_weighted": v["ci_low"],
                "ci_high_weighted": v["ci_high"],
                "ci_method": "t on effective n" if statistic == "mean" else "wilson on effective n",
            }
        )
    out = pd.DataFrame(rows)
    out.insert(11, "difference", out["estimate_weighted"] - out["estimate_unweighted"])
    return out


def _likert_top2(survey: Survey, items, w: np.ndarray | None, alpha: float) -> list[dict]:
    """Top-2 share and its Wilson interval on the effective n, from ``likert_summary``."""
    from ..describe.likert import likert_summary

    if w is not None:  # respondents without a weight (rake(missing="exclude")) count 0
        survey = with_weights(
            survey, pd.Series(np.nan_to_num(w), index=survey.data.index), name="_w"
        )
    t = likert_summary(survey, list(items), weights=None if w is None else "_w", ci_level=1 - alpha)
    counts = survey.codes(list(items)).notna()
    if w is not None:
        counts = counts[survey.data["_w"] > 0]
    return [
        {
            "n": float(counts[r.item].sum()),
            "n_eff": float(r.n_eff),
            "estimate": float(r.top2),
            "ci_low": float(r.ci_low),
            "ci_high": float(r.ci_high),
        }
        for r in t.itertuples(index=False)
    ]


def weighting_effect(
    survey: Survey,
    margins: Mapping[str, Mapping[str, float]] | str | Path,
    items: Sequence[str],
    *,
    statistic: str = "top2",
    alpha: float = 0.05,
    trim: tuple[float, float] | None = (0.2, 5.0),
) -> pd.DataFrame:
    """How much raking to ``margins`` moves each item's headline estimate.

    Rakes (:func:`rake`), then compares weighted and unweighted estimates
    (:func:`weighted_vs_unweighted`) and flags the items whose weighted estimate falls
    outside the unweighted interval.

    Returns
    -------
    DataFrame
        The columns of :func:`weighted_vs_unweighted` plus ``outside_unweighted_ci``
        (bool); ``attrs["weight_summary"]`` holds :func:`weight_summary` of the weights,
        ``attrs["n_without_weight"]`` the number of respondents left out of the weighted
        estimates because they did not answer a margin variable (raking needs every
        weighted respondent classified; one blank answer must not stop a report).

    Examples
    --------
    >>> from cmmc_analysis.codebook import load_codebook
    >>> cb = load_codebook()
    >>> pts, a, b = cb.scale_of("org_models").labels(), *cb.labels("size")[:2]
    >>> data = pd.DataFrame(
    ...     {"size": pd.Categorical([a, a, a, b], categories=cb.labels("size")),
    ...      "org_models": pd.Categorical([pts[0]] * 3 + [pts[4]], categories=pts, ordered=True)},
    ...     index=pd.Index(list("abcd"), name="respondent_id"))
    >>> s = Survey(data=data, missing=pd.DataFrame(index=data.index), codebook=cb)
    >>> weighting_effect(s, {"size": {a: 0.5, b: 0.5}}, ["org_models"])[
    ...     ["estimate_unweighted", "estimate_weighted"]].iloc[0].tolist()
    [0.25, 0.5]
    """
    w = rake(survey, margins, trim=trim, missing="exclude")
    out = weighted_vs_unweighted(survey, items, weights=w, statistic=statistic, alpha=alpha)
    out.attrs["n_without_weight"] = int(w.isna().sum())
    out["outside_unweighted_ci"] = (out["estimate_weighted"] < out["ci_low_unweighted"]) | (
        out["estimate_weighted"] > out["ci_high_unweighted"]
    )
    out.attrs["weight_summary"] = weight_summary(w)
    return out
