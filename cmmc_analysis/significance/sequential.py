"""Group-sequential boundaries: looking at the data more than once without inflating alpha.

A claim tested at an interim cut and again at the close is tested twice on
accumulating data. Testing each look at 5 % makes the chance of calling a false
claim "settled" at some look larger than 5 % (about 8 % for two equally spaced
looks). Group-sequential designs fix this by spending the overall alpha across
the looks: a strict boundary early, close to the usual one at the end.

This module computes those boundaries with the Lan-DeMets alpha-spending approach
(Lan & DeMets 1983), which works for any information fractions, so the looks need
not be planned in advance:

- O'Brien-Fleming-type spending (default):
  ``alpha(t) = 2 - 2 Phi(z_{1-alpha/2} / sqrt(t))`` (one-sided level ``alpha``);
- Pocock-type spending: ``alpha(t) = alpha ln(1 + (e - 1) t)``.

The z statistics of one test at looks with information fractions ``t_1 < ... <
t_K = 1`` are multivariate normal with ``corr(Z_i, Z_j) = sqrt(t_i / t_j)``
(Jennison & Turnbull 2000, section 3.1); each boundary ``c_k`` solves
``P(Z_1 < c_1, ..., Z_{k-1} < c_{k-1}, Z_k >= c_k) = alpha(t_k) - alpha(t_{k-1})``,
computed by the recursive numerical integration that gsDesign uses (Simpson's rule
on a grid of the score statistic; scipy's multivariate normal distribution gives
the same bounds but is ~100 times slower and random to 1e-5). No well-kept Python
package computes these (R users use gsDesign or rpact); the values are checked in
``tests/test_sequential.py`` against gsDesign's published boundaries and the
classical Pocock and O'Brien-Fleming constants of Jennison & Turnbull (Table 2.1).

For a survey, the information of a test of a share or a mean is proportional to
its number of valid answers, so the information fraction of a look is
``n_look / n_final``.

Examples
--------
Two equally spaced looks, one-sided 2.5 % (gsDesign: ``sfLDOF``, bounds 2.9626 and
1.9686):

>>> b = boundaries([0.5, 1.0], alpha=0.025)
>>> b["z_bound"].round(3).tolist()
[2.963, 1.969]
>>> b["alpha_spent"].round(5).tolist()
[0.00153, 0.025]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.stats import norm

from ..errors import SurveyDataError

__all__ = ["SPENDING", "alpha_spending", "boundaries", "classical_boundaries", "crossed"]

#: the spending functions offered, by name
SPENDING = ("obrien-fleming", "pocock")

#: grid points of the numerical integration (odd, for Simpson's rule)
_GRID = 401
#: the one-sided continuation region is cut at this many standard deviations below 0
_FLOOR = 9.0


def _check_fractions(fractions: Sequence[float]) -> np.ndarray:
    t = np.asarray(fractions, dtype=float)
    if t.ndim != 1 or len(t) == 0:
        raise SurveyDataError(
            "parameter information_fractions: expected a non-empty list of numbers, "
            f"found {fractions!r}"
        )
    if not np.all(np.isfinite(t)) or np.any(t <= 0) or np.any(t > 1) or np.any(np.diff(t) <= 0):
        raise SurveyDataError(
            "parameter information_fractions: expected increasing numbers in (0, 1], "
            f"found {[round(float(v), 4) for v in t]}"
        )
    return t


def _check_alpha(alpha: float) -> float:
    if not 0 < alpha < 1:
        raise SurveyDataError(f"parameter alpha={alpha!r}; expected a number in (0, 1)")
    return float(alpha)


def alpha_spending(
    information_fractions: Sequence[float] | float,
    *,
    alpha: float = 0.05,
    spending: str = "obrien-fleming",
) -> np.ndarray:
    """Cumulative alpha spent by each information fraction (Lan-DeMets).

    Parameters
    ----------
    information_fractions
        Numbers in (0, 1]; 1 is the final look.
    alpha
        Overall one-sided level.
    spending
        ``"obrien-fleming"`` (strict early, default) or ``"pocock"``.

    Examples
    --------
    >>> alpha_spending([0.5, 1.0], alpha=0.05).round(5).tolist()
    [0.00558, 0.05]
    >>> alpha_spending([0.5, 1.0], alpha=0.05, spending="pocock").round(5).tolist()
    [0.03101, 0.05]
    """
    alpha = _check_alpha(alpha)
    t = np.atleast_1d(np.asarray(information_fractions, dtype=float))
    if spending == "obrien-fleming":
        return 2.0 * norm.sf(norm.isf(alpha / 2.0) / np.sqrt(t))
    if spending == "pocock":
        return alpha * np.log1p((np.e - 1.0) * t)
    raise SurveyDataError(f"parameter spending={spending!r}; expected one of {list(SPENDING)}")


def _simpson(lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(lo, hi, _GRID)
    w = np.ones(_GRID)
    w[1:-1:2], w[2:-1:2] = 4.0, 2.0
    return x, w * (hi - lo) / (3.0 * (_GRID - 1))


class _Recursion:
    """The sub-density of the score statistic ``S_k = Z_k sqrt(t_k)`` on the region
    where no boundary has been crossed yet (Armitage, McPherson & Rowe 1969; the
    numerical integration of Jennison & Turnbull 2000, chapter 19, as gsDesign does).
    Under the null hypothesis the increments ``S_k - S_{k-1}`` are N(0, t_k - t_{k-1}).
    """

    def __init__(self, t: np.ndarray, *, sides: int) -> None:
        self.t, self.sides = t, sides
        self.x = self.w = self.f = None  # grid, weights and density after the last look
        self.k = 0

    def crossing(self, c: float) -> float:
        """P(no crossing before look k+1 and crossing at it) for boundary ``c`` there."""
        k, t = self.k, self.t
        if k == 0:
            return float(norm.sf(c) + (norm.cdf(-c) if self.sides == 2 else 0.0))
        sd = np.sqrt(t[k] - t[k - 1])
        b = c * np.sqrt(t[k])
        p = norm.sf((b - self.x) / sd)
        if self.sides == 2:
            p = p + norm.cdf((-b - self.x) / sd)
        return float(np.sum(self.w * self.f * p))

    def advance(self, c: float) -> None:
        """Fix boundary ``c`` at the next look and move the density past it."""
        k, t = self.k, self.t
        hi = c * np.sqrt(t[k])
        lo = -hi if self.sides == 2 else -_FLOOR * np.sqrt(t[k])
        x, w = _simpson(lo, hi)
        if k == 0:
            f = norm.pdf(x, scale=np.sqrt(t[0]))
        else:
            sd = np.sqrt(t[k] - t[k - 1])
            f = (self.w * self.f) @ norm.pdf((x[None, :] - self.x[:, None]) / sd) / sd
        self.x, self.w, self.f, self.k = x, w, f, k + 1


def boundaries(
    information_fractions: Sequence[float],
    *,
    alpha: float = 0.05,
    spending: str = "obrien-fleming",
) -> pd.DataFrame:
    """One-sided efficacy boundaries for looks at the given information fractions.

    Parameters
    ----------
    information_fractions
        Increasing numbers in (0, 1]; the last is normally 1 (the final look).
    alpha
        Overall one-sided level: the chance, when the hypothesis tested is true, that
        some look crosses its boundary.
    spending
        ``"obrien-fleming"`` (default) or ``"pocock"`` (Lan-DeMets forms).

    Returns
    -------
    DataFrame
        One row per look: ``look`` (1..K), ``information_fraction``,
        ``alpha_spent`` (cumulative), ``alpha_look`` (spent at this look),
        ``z_bound`` (reject when Z >= z_bound) and ``nominal_alpha`` (the one-sided
        p-value a look's test must reach: ``1 - Phi(z_bound)``).

    Examples
    --------
    Five equally spaced looks at one-sided 2.5 % (gsDesign ``sfLDOF``: 4.877, 3.357,
    2.680, 2.290, 2.031):

    >>> boundaries([0.2, 0.4, 0.6, 0.8, 1.0], alpha=0.025)["z_bound"].round(3).tolist()
    [4.877, 3.357, 2.68, 2.29, 2.031]
    """
    t = _check_fractions(information_fractions)
    cumulative = alpha_spending(t, alpha=alpha, spending=spending)
    spent = np.diff(cumulative, prepend=0.0)
    recursion = _Recursion(t, sides=1)
    bounds = np.empty(len(t))
    for k, target in enumerate(spent):
        bounds[k] = optimize.brentq(
            lambda c, target=target: recursion.crossing(c) - target, -_FLOOR / 2, 40.0, xtol=1e-9
        )
        recursion.advance(bounds[k])
    return pd.DataFrame(
        {
            "look": np.arange(1, len(t) + 1),
            "information_fraction": t,
            "alpha_spent": cumulative,
            "alpha_look": spent,
            "z_bound": bounds,
            "nominal_alpha": norm.sf(bounds),
        }
    )


def classical_boundaries(
    n_looks: int, *, alpha: float = 0.05, kind: str = "pocock", sides: int = 2
) -> np.ndarray:
    """The classical Pocock or O'Brien-Fleming boundaries for equally spaced looks.

    Pocock: the same boundary ``C_P`` at every look; O'Brien-Fleming:
    ``C_B sqrt(K / k)`` at look k. The constant is chosen so that the overall level is
    ``alpha`` (Jennison & Turnbull 2000, Tables 2.1 and 2.3, two-sided). These need the
    number of looks in advance; :func:`boundaries` does not, and is what claims use.

    Examples
    --------
    >>> classical_boundaries(2, kind="pocock").round(3).tolist()
    [2.178, 2.178]
    >>> classical_boundaries(2, kind="obrien-fleming").round(3).tolist()
    [2.797, 1.977]
    """
    _check_alpha(alpha)
    if kind not in SPENDING:
        raise SurveyDataError(f"parameter kind={kind!r}; expected one of {list(SPENDING)}")
    if sides not in (1, 2):
        raise SurveyDataError(f"parameter sides={sides!r}; expected 1 or 2")
    if not (isinstance(n_looks, int) and 1 <= n_looks <= 10):
        raise SurveyDataError(f"parameter n_looks={n_looks!r}; expected an integer 1..10")
    k = np.arange(1, n_looks + 1)
    t = k / n_looks
    shape = np.ones(n_looks) if kind == "pocock" else np.sqrt(n_looks / k)

    def total(scale: float) -> float:
        recursion, crossing = _Recursion(t, sides=sides), 0.0
        for c in scale * shape:
            crossing += recursion.crossing(c)
            recursion.advance(c)
        return crossing

    return optimize.brentq(lambda c: total(c) - alpha, 0.5, 10.0, xtol=1e-9) * shape


def crossed(z: Sequence[float], bounds: pd.DataFrame) -> list[bool]:
    """Whether each look's z statistic reaches its boundary (``z >= z_bound``).

    Examples
    --------
    >>> crossed([2.5, 2.1], boundaries([0.5, 1.0], alpha=0.025))
    [False, True]
    """
    z = np.asarray(z, dtype=float)
    if len(z) != len(bounds):
        raise SurveyDataError(
            f"parameter z: {len(z)} statistics for {len(bounds)} looks; expected one per look"
        )
    return [bool(v) for v in (z >= bounds["z_bound"].to_numpy())]
