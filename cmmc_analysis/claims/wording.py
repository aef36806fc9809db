"""From a publication's words to a claimed region: rules fixed before the data.

"Circa i due terzi", "oltre l'80 %", "non è ancora evidente": a claim's words only
become testable once they are read as a region of the statistic. If that reading
were chosen claim by claim after looking at the data, any "about" could be widened
until it passes. So the reading is a *rule*, the same for every claim of a file,
written down with the claims (the ``wording:`` section of the claims file, with the
date the claims were fixed) and documented here:

=====================  ==========================================================
words                  region
=====================  ==========================================================
over / oltre X         ``above: X``: (X, +inf)
under / meno di X      ``below: X``: (-inf, X)
about / circa X        ``about: X``: X +/- the *about* margin of the statistic:
                       10 points for a share, 0.25 scale points for a mean of
                       scale codes, 10 % of X for a numeric quantity
not evident / neutro   ``neutral``: the scale's midpoint +/- 0.25 scale points
moderately agree       ``between: {low: neutral, high: 4}`` on a 5-point scale:
                       above the midpoint, below "agree" -- stated in the claim,
                       as these are the words' literal reading, not a margin
=====================  ==========================================================

A claims file may change the margins for all its claims in ``wording:``; a claim
that sets its own ``tolerance`` is still evaluated, but its band is marked as set
by the claim rather than by the rule (``band_source = "claim"``), and the report
says so next to the verdict. :func:`margin_grid` gives the margins over which every
verdict's sensitivity is shown (``claims.evaluate.margin_sensitivity``).

Examples
--------
>>> from cmmc_analysis.claims.spec import load_claims
>>> cs = load_claims()
>>> region(cs.get("S1"), cs.wording, item_type="scale")
(0.567, 0.767, 'rule')
>>> region(cs.get("S3"), cs.wording, item_type="scale", midpoint=3.0)
(2.75, 3.25, 'rule')
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ClaimsError
from ..schema.claims import WordingDoc

if TYPE_CHECKING:
    from .spec import Claim

__all__ = ["WORDING_DEFAULTS", "statistic_kind", "band_margin", "region", "margin_grid"]

#: The package's reading of the words, used where a claims file's ``wording:`` is silent
#: (the defaults of :class:`cmmc_analysis.schema.claims.WordingDoc`).
WORDING_DEFAULTS: Mapping[str, Any] = WordingDoc().model_dump()


def statistic_kind(claim: Claim, item_type: str) -> str:
    """``"share"``, ``"scale"`` (a statistic of scale codes) or ``"numeric"``.

    The kind picks the margin: shares in points of proportion, scale statistics in
    scale points, numeric quantities relative to the claimed value.
    """
    if claim.statistic["type"] == "share":
        return "share"
    return "scale" if item_type == "scale" else "numeric"


def band_margin(claim: Claim, wording: Mapping[str, Any], *, item_type: str) -> float:
    """The rule's half-width of the band of an ``about`` or ``neutral`` claim."""
    kind = claim.comparison["type"]
    if kind == "neutral":
        return float(wording["neutral"])
    if kind == "about":
        stat = statistic_kind(claim, item_type)
        m = float(wording["about"][stat])
        return m * abs(float(claim.comparison["value"])) if stat == "numeric" else m
    raise ClaimsError(f"claim {claim.id}: comparison {kind!r} has no band")


def region(
    claim: Claim,
    wording: Mapping[str, Any],
    *,
    item_type: str,
    midpoint: float | None = None,
    margin: float | None = None,
) -> tuple[float, float, str]:
    """The claimed region ``(low, high, band_source)`` of a non-ranking claim.

    Parameters
    ----------
    claim
        The claim.
    wording
        The margins in force (the claims file's ``wording:`` over
        :data:`WORDING_DEFAULTS`).
    item_type
        The codebook type of the claim's item (``scale``, ``numeric``, ``single``).
    midpoint
        The scale's midpoint, for ``neutral`` thresholds.
    margin
        A margin to use instead of the rule's (for sensitivity); for a numeric
        ``about`` it is relative to the value, like the rule's.

    Returns
    -------
    tuple
        ``low``, ``high`` and ``band_source``: ``"rule"`` (the wording rules),
        ``"claim"`` (the claim set its own ``tolerance``), ``"sensitivity"`` (the
        ``margin`` given) or ``"literal"`` (a threshold with no band: above, below,
        between).
    """
    comp = claim.comparison
    kind = comp["type"]

    def val(key: str) -> float:
        v = comp[key] if key != "neutral" else "neutral"
        if v == "neutral":
            if midpoint is None:
                raise ClaimsError(f"claim {claim.id}: 'neutral' needs a scale item")
            return float(midpoint)
        return float(v)

    if kind == "above":
        return val("value"), math.inf, "literal"
    if kind == "below":
        return -math.inf, val("value"), "literal"
    if kind == "between":
        return val("low"), val("high"), "literal"
    if kind not in ("about", "neutral"):
        raise ClaimsError(f"claim {claim.id}: comparison {kind!r} has no numeric region")
    centre = val("value") if kind == "about" else val("neutral")
    if margin is not None:
        relative = kind == "about" and statistic_kind(claim, item_type) == "numeric"
        half, source = (margin * abs(centre) if relative else margin), "sensitivity"
    elif comp.get("tolerance") is not None:
        half, source = float(comp["tolerance"]), "claim"
    else:
        half, source = band_margin(claim, wording, item_type=item_type), "rule"
    return round(centre - half, 12), round(centre + half, 12), source


def margin_grid(claim: Claim, wording: Mapping[str, Any], *, item_type: str) -> tuple[float, ...]:
    """The margins over which the claim's verdict is shown (empty: no band to vary)."""
    if claim.comparison["type"] not in ("about", "neutral"):
        return ()
    kind = "scale" if claim.comparison["type"] == "neutral" else statistic_kind(claim, item_type)
    return tuple(float(m) for m in wording["margins"][kind])
