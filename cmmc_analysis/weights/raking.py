"""Raking to population margins (weightipy), trimming, and what weighting costs.

Examples
--------
>>> w = pd.Series([1.0, 1.0, 2.0, 2.0])
>>> row = weight_summary(w)
>>> row[["n", "design_effect", "n_eff"]].iloc[0].tolist()
[4.0, 1.111, 3.6]
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import weightipy

from ..errors import SurveyDataError
from ..survey import Survey
from .attach import _check_weight_values, resolve_weights
from .margins import _as_margins

__all__ = ["rake", "trim_weights", "margin_check", "weight_summary"]


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
