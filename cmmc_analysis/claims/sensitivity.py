"""How much a verdict depends on choices: the band's margin, the correction, the exclusions.

Three choices stand between the data and a verdict, and a reader should see whether
"supported" rests on them:

- the **margin** that turns "about X" or "not evident" into a band
  (:mod:`cmmc_analysis.claims.wording`): :func:`margin_sensitivity` re-reads every
  banded claim over the margins of the claims file's ``wording.margins`` grid;
- the **correction** over the family of claims: the same table under Holm and
  Benjamini-Hochberg;
- the optional **exclusions** (speeders, straight-liners): :func:`sensitivity`
  cleans the export twice and compares.

:func:`margin_summary` condenses the grid into one row per claim (is the verdict the
same over the grid? from which margin on is it supported, settled?), which the
display layer turns into one plain sentence per claim.

Examples
--------
>>> from cmmc_analysis import load_survey
>>> grid = margin_sensitivity(load_survey())
>>> sorted(grid.loc[grid["claim"] == "S1", "margin"].unique().round(2).tolist())
[0.05, 0.1, 0.15]
>>> sorted(grid["correction"].unique())
['bh', 'holm']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import Codebook, load_codebook
from ..schema.claims import FINAL
from ..survey import Survey
from .evaluate import TESTED, _evaluate_one, evaluate_claims
from .looks import evaluate_cuts
from .spec import ClaimSet, load_claims
from .wording import band_margin, margin_grid, statistic_kind

__all__ = ["margin_sensitivity", "margin_summary", "sensitivity", "CORRECTIONS_COMPARED"]

#: the corrections every verdict is shown under
CORRECTIONS_COMPARED = ("holm", "bh")


def margin_sensitivity(
    survey: Survey,
    claims: ClaimSet | None = None,
    *,
    cutoff: str | pd.Timestamp | None = None,
    corrections: Sequence[str] = CORRECTIONS_COMPARED,
) -> pd.DataFrame:
    """The final verdict of every tested claim over a grid of margins and corrections.

    Each banded claim (``about``, ``neutral``) is re-evaluated with every margin of
    the claims file's ``wording.margins`` grid (and its own rule margin); the other
    claims keep their bands, so the family and its adjustment are those of the
    report. Claims with literal thresholds (above, below, between, top) get one row
    per correction. Settled is read at the final look's level (group-sequential when
    the survey has an interim cut, see :mod:`cmmc_analysis.claims.looks`).

    Parameters
    ----------
    survey
        The cleaned survey (all responses).
    claims
        The claims (default: the bundled ones).
    cutoff
        The interim cut-off, for the final look's level (default: the codebook's).
    corrections
        The corrections compared (default Holm and Benjamini-Hochberg).

    Returns
    -------
    pandas.DataFrame
        One row per claim, margin and correction: ``claim``, ``kind`` (``share``,
        ``scale``, ``numeric``: the unit of the margin; a numeric margin is a fraction
        of the claimed value), ``margin`` (NaN for literal thresholds), ``in_force``
        (bool: the margin of the verdict table, the rule's unless the claim set its
        own), ``rule_margin`` (bool: the wording rule's margin), ``band_source``,
        ``threshold_low``, ``threshold_high``, ``estimate``, ``verdict``,
        ``correction``, ``p_adjusted``, ``nominal_alpha``, ``settled``.
    """
    from ..significance import adjust_pvalues

    claims = claims or load_claims(codebook=survey.codebook)
    looks = evaluate_cuts(survey, claims, cutoff=cutoff)
    final = looks.loc[looks["cut"] == FINAL].reset_index(drop=True)
    by_id = {c.id: c for c in claims.claims}
    p_base = final["p_value"].to_numpy(dtype=float)
    rows = []
    for pos, base in final.iterrows():
        if base["verdict"] not in (*TESTED, "inconclusive"):
            continue
        claim = by_id[base["claim"]]
        item_type = survey.codebook.item(claim.items[0]).type
        grid = margin_grid(claim, claims.wording, item_type=item_type)
        variants: list[tuple[float, Any]] = [(np.nan, base)]
        in_force = rule = np.nan
        if grid:
            relative = statistic_kind(claim, item_type) == "numeric"
            scale = abs(float(claim.comparison.get("value") or 1.0)) if relative else 1.0
            in_force = round(float(base["margin"]) / scale, 12)
            rule = band_margin(claim, claims.wording, item_type=item_type) / scale
            variants = [
                (
                    m,
                    base
                    if np.isclose(m, in_force)
                    else _evaluate_one(survey, claim, claims, margin=m),
                )
                for m in sorted({*grid, in_force, round(rule, 12)})
            ]
        for margin, row in variants:
            p = p_base.copy()
            p[pos] = row["p_value"]
            for correction in corrections:
                adjusted = float(adjust_pvalues(p, correction=correction)[pos])
                rows.append(
                    {
                        "claim": claim.id,
                        "kind": statistic_kind(claim, item_type) if grid else None,
                        "margin": margin,
                        "in_force": bool(grid) and bool(np.isclose(margin, in_force)),
                        "rule_margin": bool(grid) and bool(np.isclose(margin, rule)),
                        "band_source": row.get("band_source"),
                        "threshold_low": row.get("threshold_low"),
                        "threshold_high": row.get("threshold_high"),
                        "estimate": row.get("estimate"),
                        "verdict": row["verdict"],
                        "correction": correction,
                        "p_adjusted": adjusted,
                        "nominal_alpha": float(base["nominal_alpha"]),
                        "settled": row["verdict"] in TESTED
                        and adjusted < float(base["nominal_alpha"]),
                    }
                )
    return pd.DataFrame(rows)


def margin_summary(grid: pd.DataFrame) -> pd.DataFrame:
    """One row per claim: how its verdict and settled status move over the grid.

    Returns
    -------
    pandas.DataFrame
        ``claim``, ``kind``, ``margin_min``, ``margin_max`` (the grid's range; NaN
        for literal thresholds), ``verdicts`` (the distinct verdicts, in grid order),
        ``same_verdict`` (bool), ``supported_from`` (the smallest margin from which
        on the verdict is supported at every larger margin; NaN if never),
        ``settled_holm`` / ``settled_bh`` (``"all"``, ``"none"`` or ``"some"`` of the
        grid's rows), ``settled_from`` (the smallest margin from which on the verdict
        is settled under every correction), ``margin_in_force`` and
        ``verdict_in_force`` (the verdict table's), ``rule_margin`` and
        ``rule_verdict`` (the wording rule's: they differ from those in force only
        when the claim set its own margin).

    Examples
    --------
    >>> grid = pd.DataFrame({"claim": "X", "kind": "share", "margin": [.05, .05, .1, .1],
    ...     "rule_margin": [False, False, True, True], "in_force": [False, False, True, True],
    ...     "verdict": ["not supported"] * 2
    ...     + ["supported"] * 2, "correction": ["holm", "bh"] * 2,
    ...     "settled": [True, True, False, True]})
    >>> row = margin_summary(grid).iloc[0]
    >>> bool(row["same_verdict"]), float(row["supported_from"]), row["settled_holm"]
    (False, 0.1, 'some')
    """
    out = []
    for claim, rows in grid.groupby("claim", sort=False):
        rows = rows.sort_values("margin", kind="stable")
        margins = rows["margin"].to_numpy(dtype=float)
        banded = bool(np.isfinite(margins).any())
        per_margin = rows.groupby("margin", sort=True, dropna=False)
        verdicts = list(dict.fromkeys(rows["verdict"]))
        rule = rows.loc[rows["rule_margin"].astype(bool)] if banded else rows
        force = rows.loc[rows["in_force"].astype(bool)] if banded else rows
        rec = {
            "claim": claim,
            "kind": rows["kind"].iloc[0],
            "margin_min": np.nanmin(margins) if banded else np.nan,
            "margin_max": np.nanmax(margins) if banded else np.nan,
            "verdicts": verdicts,
            "same_verdict": len(verdicts) == 1,
            "margin_in_force": float(force["margin"].iloc[0]) if banded else np.nan,
            "verdict_in_force": force["verdict"].iloc[0],
            "rule_margin": float(rule["margin"].iloc[0]) if banded else np.nan,
            "rule_verdict": rule["verdict"].iloc[0],
        }
        for correction in ("holm", "bh"):
            s = rows.loc[rows["correction"] == correction, "settled"].astype(bool)
            rec[f"settled_{correction}"] = (
                "none" if not len(s) or not s.any() else "all" if s.all() else "some"
            )
        rec["supported_from"] = _from(per_margin, lambda r: (r["verdict"] == "supported").all())
        rec["settled_from"] = _from(
            per_margin, lambda r: (r["verdict"] == "supported").all() and r["settled"].all()
        )
        out.append(rec)
    return pd.DataFrame(out)


def _from(groups: Any, ok: Any) -> float:
    """The smallest margin from which on ``ok`` holds at every larger margin."""
    flags = [(float(m), bool(ok(r))) for m, r in groups]
    if not flags or not np.isfinite(flags[0][0]):
        return np.nan
    start = np.nan
    for margin, good in reversed(flags):
        if not good:
            break
        start = margin
    return start


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
