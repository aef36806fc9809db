"""Survey weights: raking to population margins, trimming, and what weighting costs.

A self-selected member sample over-represents some kinds of organisation. Raking
(iterative proportional fitting) gives each respondent a weight so that the weighted
distribution of a few profile variables (for example size and sector) matches known
population margins, read from a small YAML file (:func:`load_margins`). The raking
itself is done by `weightipy <https://github.com/Quantipy/weightipy>`_ (the maintained
successor of quantipy's RIM weighting); this module validates the margins, checks that
the result really meets them, trims extreme weights and summarises the price paid in
precision (Kish design effect and effective sample size).

Weighted shares are ``sum(w * x) / sum(w)``; their Wilson intervals use Kish's
effective sample size ``sum(w)**2 / sum(w**2)`` in place of n, so intervals widen by
the design effect. See ``docs/weights_and_banners.md``.

Examples
--------
>>> w = pd.Series([1.0, 1.0, 2.0, 2.0])
>>> row = weight_summary(w)
>>> row[["n", "design_effect", "n_eff"]].iloc[0].tolist()
[4.0, 1.111, 3.6]
>>> m = load_margins()
>>> sorted(m), round(sum(m["size"].values()), 6)
(['sector', 'size'], 1.0)
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import weightipy
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from .codebook import Codebook, load_codebook
from .errors import SurveyDataError
from .paths import DATA_DIR
from .schema.margins import SHARE_TOLERANCE as SHARE_TOLERANCE
from .schema.margins import MarginsDoc, validate_margins_doc
from .schema.yamlfile import read_yaml
from .survey import Survey

__all__ = [
    "DEFAULT_MARGINS",
    "load_margins",
    "margins_for",
    "rake",
    "trim_weights",
    "margin_check",
    "weight_summary",
    "with_weights",
    "resolve_weights",
    "weighted_estimate",
    "weighted_vs_unweighted",
    "weighting_effect",
]

#: The illustrative margins bundled with the project (NOT official figures).
DEFAULT_MARGINS = DATA_DIR / "margins_illustrative.yaml"


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


# --- margins ---------------------------------------------------------------------------
def load_margins(
    path: str | Path = DEFAULT_MARGINS, codebook: Codebook | None = None
) -> dict[str, dict[str, float]]:
    """Read and validate population margins for raking.

    The YAML file has a ``margins:`` mapping: single-choice item id -> canonical
    (source-language) option label -> target share. Other top-level keys
    (``description``, ``source``, ``illustrative``) are documentation.

    Parameters
    ----------
    path
        The YAML file (default: the bundled illustrative margins, not official figures).
    codebook
        The codebook the labels are checked against (default: the bundled one).

    Returns
    -------
    dict
        variable -> {label: share}, labels in codebook order; labels the file leaves
        out have target 0 and are not listed.

    Raises
    ------
    SurveyDataError
        Naming the file and entry: unknown variable or label, a share that is not a
        number in [0, 1], or shares of one variable not summing to 1 within 1e-6.
        (Empty cells, a target for a label nobody chose, are found by :func:`rake`,
        which sees the data.)

    Examples
    --------
    >>> load_margins()["size"]["Meno di 50"]
    0.45
    """
    path = Path(path)
    codebook = codebook if codebook is not None else load_codebook()
    _, doc = read_yaml(path, SurveyDataError, "the margins file")
    return _margins(validate_margins_doc(doc, codebook=codebook, path=path), codebook)


def margins_for(
    codebook: Codebook, path: str | Path = DEFAULT_MARGINS
) -> dict[str, dict[str, float]] | None:
    """The margins of ``path`` if the file declares ``codebook``'s survey and its items, else None.

    A margins file names the survey it belongs to (``survey:`` = the codebook's survey
    id), so a notebook can show the weighting section for the bundled survey and skip
    it, rather than fail, for another survey without margins.

    Examples
    --------
    >>> sorted(margins_for(load_codebook()))
    ['sector', 'size']
    """
    path = Path(path)
    try:
        _, doc = read_yaml(path, SurveyDataError, "the margins file")
    except SurveyDataError:
        return None
    if not isinstance(doc, dict) or doc.get("survey") != codebook.survey_id:
        return None
    named = doc.get("margins")
    if isinstance(named, dict) and any(var not in codebook.items for var in named):
        return None  # another codebook of the survey (a draft, say): the margins do not fit
    return load_margins(path, codebook)


def validate_margins(
    margins: Mapping[str, Mapping[str, Any]], codebook: Codebook, *, path: Path | None = None
) -> dict[str, dict[str, float]]:
    """Check margins given as a mapping (see :func:`load_margins`); return them as floats."""
    doc = {"margins": margins}
    return _margins(validate_margins_doc(doc, codebook=codebook, path=path), codebook)


def _margins(doc: MarginsDoc, codebook: Codebook) -> dict[str, dict[str, float]]:
    """variable -> {label: share}, labels in codebook order."""
    out: dict[str, dict[str, float]] = {}
    for var, shares in (doc.margins or {}).items():
        known = codebook.items[var].option_labels(None, codebook.source_language)
        out[var] = {lab: float(shares[lab]) for lab in known if lab in shares}
    return out


def _as_margins(margins: Mapping | str | Path, codebook: Codebook) -> dict[str, dict[str, float]]:
    if isinstance(margins, str | Path):
        return load_margins(margins, codebook)
    return validate_margins(margins, codebook)


# --- raking ------------------------------------------------------------------------------
def rake(
    survey: Survey,
    margins: Mapping[str, Mapping[str, float]] | str | Path,
    *,
    max_iter: int = 100,
    tol: float = 1e-8,
    trim: tuple[float, float] | None = (0.2, 5.0),
    missing: str = "raise",
) -> pd.Series:
    """Raking weights that make the sample's margins match population margins.

    Raking (iterative proportional fitting, RIM weighting) is done by
    ``weightipy.weight`` with a scheme from ``weightipy.scheme_from_dict``; its
    stopping rule is set to "until the weights stop changing" (``convcrit=0``) and
    its console messages are captured. The result is then checked: every weighted
    margin must equal its target within ``tol``, else the raking is declared not
    converged. Finally extreme weights are trimmed (:func:`trim_weights`).

    Parameters
    ----------
    survey
        The survey; every margin variable must be a column of ``survey.data``.
    margins
        variable -> {label: share}, or the path of a margins file (:func:`load_margins`).
    max_iter
        Maximum raking sweeps.
    tol
        Largest allowed absolute difference between a weighted share and its target
        (checked before trimming).
    trim
        ``(lower, upper)`` bounds for the weights relative to their mean (1), or None.
        Weights outside are set to the bound and the difference is spread over the
        untrimmed weights in proportion to them, repeated until all lie within the
        bounds (like R survey's ``trimWeights(strict=TRUE)``). Trimming that binds
        moves the margins away from the targets a little: :func:`margin_check` shows
        by how much (also in ``result.attrs["max_margin_error"]``).
    missing
        Respondents without an answer to a margin variable: ``"raise"`` (default) or
        ``"exclude"`` (weight NaN: they drop out of weighted estimates).

    Returns
    -------
    pandas.Series
        Named ``weight``, indexed like ``survey.data``, mean 1 over the weighted rows.
        ``attrs``: ``n_trimmed`` (weights set to a bound) and ``max_margin_error``
        (largest |weighted share - target| after trimming).

    Raises
    ------
    SurveyDataError
        Naming the variable: an empty cell (a target share for a label no respondent
        chose), respondents in a label whose target is 0, respondents without an answer
        (``missing="raise"``), or raking that does not reach the margins within
        ``max_iter`` sweeps (inconsistent margins, for example a combination of labels
        that no respondent has).

    Examples
    --------
    >>> import pandas as pd
    >>> from cmmc_analysis.codebook import load_codebook
    >>> cb = load_codebook()
    >>> small, big = cb.labels("size")[0], cb.labels("size")[3]
    >>> size = pd.Categorical([small] * 3 + [big], categories=cb.labels("size"))
    >>> data = pd.DataFrame({"size": size}, index=pd.Index(list("abcd"), name="respondent_id"))
    >>> s = Survey(data=data, missing=pd.DataFrame(index=data.index), codebook=cb)
    >>> rake(s, {"size": {small: 0.5, big: 0.5}}, trim=None).tolist()
    [0.667, 0.667, 0.667, 2.0]
    """
    codebook = survey.codebook
    margins = _as_margins(margins, codebook)
    _check_options(max_iter=max_iter, tol=tol, trim=trim, missing=missing)
    data = survey.data
    for var in margins:
        if var not in data:
            raise SurveyDataError(f"margin variable {var!r} is not a column of the survey")
    frame = data[list(margins)]
    incomplete = frame.isna().any(axis=1).to_numpy()
    if incomplete.any() and missing == "raise":
        var = next(v for v in margins if frame[v].isna().any())
        ids = frame.index[frame[var].isna()][:3].tolist()
        raise SurveyDataError(
            f"{int(frame[var].isna().sum())} respondents have no answer (e.g. {ids}); "
            "raking needs every respondent classified: drop them or pass missing='exclude'",
            column=var,
        )
    frame = frame.loc[~incomplete]
    if frame.empty:
        raise SurveyDataError("no respondent to weight", column=next(iter(margins)))
    _check_cells(frame, margins)

    targets = {v: {lab: 100 * s for lab, s in m.items() if s > 0} for v, m in margins.items()}
    scheme = weightipy.scheme_from_dict(
        targets, name="rake", rim_params={"max_iterations": int(max_iter), "convcrit": 0.0}
    )
    with contextlib.redirect_stdout(io.StringIO()):  # weightipy prints progress notes
        raw = weightipy.weight(frame, scheme)
    w = raw.reindex(frame.index).to_numpy(dtype=float)
    w = w / w.mean()
    var, label, achieved, target = _worst_margin(frame, w, margins)
    if not abs(achieved - target) <= tol:
        raise SurveyDataError(
            f"raking did not converge in {max_iter} sweeps: weighted share of {label!r} is "
            f"{achieved:.6g}, target {target:.6g} (tolerance {tol:g}); the margins may be "
            "inconsistent with the sample (a combination of labels no respondent has), "
            "or raise max_iter",
            column=var,
        )
    n_trimmed = 0
    if trim is not None:
        trimmed = trim_weights(pd.Series(w), lower=trim[0], upper=trim[1])
        n_trimmed = int(trimmed.attrs["n_trimmed"])
        w = trimmed.to_numpy()
    out = pd.Series(np.nan, index=data.index, name="weight", dtype=float)
    out.loc[frame.index] = w
    worst = _worst_margin(frame, w, margins)
    out.attrs = {"n_trimmed": n_trimmed, "max_margin_error": abs(worst[2] - worst[3])}
    return out


def _check_options(*, max_iter: int, tol: float, trim, missing: str) -> None:
    if not isinstance(max_iter, int) or max_iter < 1:
        raise SurveyDataError(f"max_iter must be a positive integer, found {max_iter!r}")
    if not tol > 0:
        raise SurveyDataError(f"tol must be positive, found {tol!r}")
    if missing not in ("raise", "exclude"):
        raise SurveyDataError(f"missing must be 'raise' or 'exclude', found {missing!r}")
    if trim is not None and (len(trim) != 2 or not 0 <= trim[0] <= 1 <= trim[1]):
        raise SurveyDataError(
            f"trim must be (lower, upper) with 0 <= lower <= 1 <= upper, found {trim!r}"
        )


def _check_cells(frame: pd.DataFrame, margins: Mapping[str, Mapping[str, float]]) -> None:
    """Empty cells and respondents in zero-target labels make the margins unreachable."""
    for var, shares in margins.items():
        counts = frame[var].value_counts()
        for label, share in shares.items():
            if share > 0 and counts.get(label, 0) == 0:
                raise SurveyDataError(
                    f"empty cell: target share {share:g} for {label!r} but no respondent "
                    "has this label; merge it with a neighbouring label or drop its target",
                    column=var,
                    entry=f"margins.{var}.{label}",
                )
        stray = [lab for lab, c in counts.items() if c > 0 and shares.get(lab, 0) == 0]
        if stray:
            raise SurveyDataError(
                f"inconsistent margins: respondents with {stray} but a target share of 0 "
                "(labels left out of the margins count as 0); give them a target",
                column=var,
                entry=f"margins.{var}",
            )


def _worst_margin(frame, w, margins) -> tuple[str, str, float, float]:
    """The (variable, label, achieved, target) farthest from its target."""
    worst = ("", "", 0.0, 0.0)
    total = w.sum()
    for var, shares in margins.items():
        got = pd.Series(w, index=frame.index).groupby(frame[var], observed=True).sum() / total
        for label, target in shares.items():
            achieved = float(got.get(label, 0.0))
            if abs(achieved - target) > abs(worst[2] - worst[3]) or not worst[0]:
                worst = (var, label, achieved, target)
    return worst


def trim_weights(weights: pd.Series, *, lower: float = 0.2, upper: float = 5.0) -> pd.Series:
    """Trim weights to ``[lower, upper]`` x their mean, keeping their sum.

    Weights outside the bounds are set to the bound; the weight removed (or added) is
    spread over the weights that can still take it (below the upper bound, or above
    the lower one) in proportion to their size; this repeats until every weight lies
    within the bounds and the sum is unchanged (the rule of R survey's
    ``trimWeights(strict=TRUE)``).

    Parameters
    ----------
    weights
        Non-negative weights (NaN ignored).
    lower, upper
        Bounds relative to the mean weight, ``0 <= lower <= 1 <= upper``.

    Returns
    -------
    pandas.Series
        Same index, same sum; ``attrs["n_trimmed"]`` counts the weights that were
        outside the bounds.

    Examples
    --------
    >>> trim_weights(pd.Series([0.5, 0.5, 0.5, 2.5]), upper=2.0).tolist()
    [0.667, 0.667, 0.667, 2.0]
    """
    if not 0 <= lower <= 1 <= upper:
        raise SurveyDataError(
            f"trim bounds must satisfy 0 <= lower <= 1 <= upper, found ({lower}, {upper})"
        )
    w = weights.to_numpy(dtype=float, copy=True)
    ok = ~np.isnan(w)
    v = w[ok]
    total, mean = v.sum(), v.mean()
    lo, hi = lower * mean, upper * mean
    n_out = int(((v < lo) | (v > hi)).sum())
    for _ in range(1000):
        v = np.clip(v, lo, hi)
        gap = total - v.sum()  # > 0: weight to add, < 0: weight to remove
        if abs(gap) <= 1e-12 * total:
            break
        movable = v < hi if gap > 0 else v > lo
        v[movable] *= 1 + gap / v[movable].sum()
    w[ok] = v
    res = pd.Series(w, index=weights.index, name=weights.name)
    res.attrs = {"n_trimmed": n_out}
    return res


def margin_check(
    survey: Survey,
    weights: pd.Series | str,
    margins: Mapping[str, Mapping[str, float]] | str | Path,
) -> pd.DataFrame:
    """Targets next to the unweighted and weighted sample shares.

    Returns
    -------
    DataFrame
        One row per variable and label: ``segment``, ``group``, ``n`` (respondents),
        ``share`` (unweighted), ``target``, ``share_weighted``, ``difference``
        (share_weighted - target).

    Examples
    --------
    >>> import pandas as pd
    >>> from cmmc_analysis.codebook import load_codebook
    >>> cb = load_codebook()
    >>> a, b = cb.labels("size")[:2]
    >>> size = pd.Categorical([a, a, a, b], categories=cb.labels("size"))
    >>> data = pd.DataFrame({"size": size}, index=pd.Index(list("wxyz"), name="respondent_id"))
    >>> s = Survey(data=data, missing=pd.DataFrame(index=data.index), codebook=cb)
    >>> margin_check(s, rake(s, {"size": {a: 0.5, b: 0.5}}), {"size": {a: 0.5, b: 0.5}})[
    ...     ["n", "share", "share_weighted"]].to_numpy().tolist()
    [[3.0, 0.75, 0.5], [1.0, 0.25, 0.5]]
    """
    margins = _as_margins(margins, survey.codebook)
    w = resolve_weights(survey, weights)
    rows = []
    for var, shares in margins.items():
        col = survey.data[var]
        ok = col.notna().to_numpy() & ~np.isnan(w)
        counts = col[ok].value_counts()
        wsum = pd.Series(w[ok], index=col.index[ok]).groupby(col[ok], observed=True).sum()
        for label, target in shares.items():
            rows.append(
                {
                    "segment": var,
                    "group": label,
                    "n": float(counts.get(label, 0)),
                    "share": counts.get(label, 0) / ok.sum(),
                    "target": target,
                    "share_weighted": wsum.get(label, 0.0) / w[ok].sum(),
                }
            )
    out = pd.DataFrame(rows)
    out["difference"] = out["share_weighted"] - out["target"]
    return out


# --- summaries -----------------------------------------------------------------------------
def weight_summary(weights: pd.Series) -> pd.DataFrame:
    """Range and cost of a set of weights (Kish).

    Parameters
    ----------
    weights
        The weights (NaN ignored).

    Returns
    -------
    DataFrame
        One row: ``n``, ``min``, ``max``, ``mean``, ``cv`` (sd with ddof=0 / mean),
        ``design_effect`` = n * sum(w^2) / sum(w)^2 = 1 + cv^2 (Kish 1965),
        ``n_eff`` = sum(w)^2 / sum(w^2), ``efficiency`` = n_eff / n
        (``weightipy.weighting_efficiency`` / 100).

    Examples
    --------
    >>> weight_summary(pd.Series([0.5, 1.5]))[["cv", "design_effect", "efficiency"]]
        cv  design_effect  efficiency
    0  0.5           1.25         0.8
    """
    w = _check_weight_values(pd.Series(weights, dtype=float).dropna(), "weights")
    n = len(w)
    n_eff = w.sum() ** 2 / (w**2).sum()
    return pd.DataFrame(
        {
            "n": [float(n)],
            "min": [w.min()],
            "max": [w.max()],
            "mean": [w.mean()],
            "cv": [w.std(ddof=0) / w.mean()],
            "design_effect": [n / n_eff],
            "n_eff": [n_eff],
            "efficiency": [weightipy.weighting_efficiency(w) / 100],
        }
    )


def _check_weight_values(w: pd.Series, where: str) -> pd.Series:
    vals = w.to_numpy(dtype=float)
    if len(vals) == 0 or not np.isfinite(vals).all() or (vals < 0).any() or vals.sum() <= 0:
        raise SurveyDataError(
            f"{where}: expected finite, non-negative weights with a positive sum "
            f"(found {len(vals)} values, min {np.min(vals) if len(vals) else 'none'})"
        )
    return w


def with_weights(survey: Survey, weights: pd.Series, *, name: str = "weight") -> Survey:
    """A copy of the survey with the weights as a column of ``data``.

    Examples
    --------
    >>> from cmmc_analysis.codebook import load_codebook
    >>> data = pd.DataFrame({"x": [1, 2]}, index=pd.Index(["a", "b"], name="respondent_id"))
    >>> s = Survey(data=data, missing=pd.DataFrame(index=data.index), codebook=load_codebook())
    >>> with_weights(s, pd.Series([0.5, 1.5], index=["a", "b"])).data["weight"].tolist()
    [0.5, 1.5]
    """
    if name in survey.codebook.items:
        raise SurveyDataError(f"weight column name {name!r} is an item id of the codebook")
    w = _align(survey, weights, "weights")
    return replace(survey, data=survey.data.assign(**{name: w}))


def _align(survey: Survey, weights: pd.Series, where: str) -> np.ndarray:
    idx = survey.data.index
    if not isinstance(weights, pd.Series):
        raise SurveyDataError(f"{where}: expected a pandas Series indexed by respondent_id")
    missing = idx.difference(weights.index)
    if len(missing):
        raise SurveyDataError(
            f"{where}: no weight for {len(missing)} respondents (e.g. {missing[:3].tolist()})"
        )
    w = weights.reindex(idx).to_numpy(dtype=float)
    _check_weight_values(pd.Series(w[~np.isnan(w)]), where)
    return w


def resolve_weights(survey: Survey, weights: pd.Series | str | None) -> np.ndarray | None:
    """Weights as a float array aligned to ``survey.data`` (None stays None).

    ``weights`` is a column name of ``survey.data`` or a Series indexed by respondent id.
    """
    if weights is None:
        return None
    if isinstance(weights, str):
        if weights not in survey.data:
            raise SurveyDataError(
                f"weights={weights!r} is not a column of the survey; add one with "
                "with_weights(survey, rake(survey, margins))"
            )
        weights = survey.data[weights]
    return _align(survey, weights, "weights")


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
    from .describe.counts import bottom2_codes, top2_codes

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
    from .describe.likert import likert_summary

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
        (bool); ``attrs["weight_summary"]`` holds :func:`weight_summary` of the weights.

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
    w = rake(survey, margins, trim=trim)
    out = weighted_vs_unweighted(survey, items, weights=w, statistic=statistic, alpha=alpha)
    out["outside_unweighted_ci"] = (out["estimate_weighted"] < out["ci_low_unweighted"]) | (
        out["estimate_weighted"] > out["ci_high_unweighted"]
    )
    out.attrs["weight_summary"] = weight_summary(w)
    return out
