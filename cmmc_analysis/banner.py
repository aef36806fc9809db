"""Banner (segment) tables with column-proportion tests and significance letters.

A banner crosses items (rows: each answer level, the top-2 share or the mean) with
segment variables (columns: a "Total" column, then each group of each segment), the
layout of SPSS Custom Tables or Quantum. Each group gets a column letter (A, B, C...
within its segment); a cell carries the letters of the columns of the same segment it
is significantly higher than:

- shares: two-proportion z-test with pooled variance
  (``statsmodels.stats.proportion.proportions_ztest``), on Kish's effective n when
  weighted (count = share x effective n);
- means: Welch's t-test (``scipy.stats.ttest_ind(equal_var=False)``); weighted, the
  Welch test of ``statsmodels`` ``CompareMeans`` with weights scaled to the effective n.

The family for the multiplicity correction (Holm by default) is **the pairs of
columns of one segment within one row** (item x level): with g testable groups,
g(g-1)/2 tests. The privacy rules of :func:`cmmc_analysis.privacy.disclosure.suppress_small_cells`
apply: groups whose base is below ``min_base`` are flagged, not tested and show no
share or mean; cells with fewer than ``k`` answers (and the complementary cell that
would give one back) are suppressed (value removed, reason marked). See
``docs/weights_and_banners.md``.

Examples
--------
>>> from cmmc_analysis.codebook import load_codebook
>>> from cmmc_analysis.survey import Survey
>>> cb = load_codebook()
>>> pts, kinds = cb.scale_of("org_models").labels(), cb.labels("org_type")[:2]
>>> data = pd.DataFrame(
...     {"org_models": pd.Categorical([pts[4]] * 40 + [pts[0]] * 20 + [pts[4]] * 15 + [pts[0]] * 45,
...                                   categories=pts, ordered=True),
...      "org_type": pd.Categorical([kinds[0]] * 60 + [kinds[1]] * 60, categories=kinds)},
...     index=pd.Index([f"r{i}" for i in range(120)], name="respondent_id"))
>>> s = Survey(data=data, missing=pd.DataFrame(index=data.index), codebook=cb)
>>> b = banner(s, ["org_models"], ["org_type"], stat="top2")
>>> b.table[["letter", "n", "share", "sig_letters"]].to_numpy().tolist()
[['', 120.0, 0.458, ''], ['A', 60.0, 0.667, 'B'], ['B', 60.0, 0.25, '']]
>>> b.to_styler(lang="it").data.iloc[1].tolist()
['45,8 %', '66,7 % B', '25,0 %']
"""

from __future__ import annotations

import string
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler
from scipy.stats import ttest_ind
from statsmodels.stats import proportion as sm_proportion
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from .codebook import Codebook
from .errors import SurveyDataError
from .privacy.disclosure import suppress_small_cells
from .significance.multitest import CORRECTIONS, adjust_pvalues
from .survey import Survey
from .weights import measure_values, resolve_weights

__all__ = ["Banner", "banner"]

STATS = ("levels", "top2", "mean")
TOTAL = "Total"

#: Result columns of this module that are not in :data:`cmmc_analysis.columns.COLUMNS`.
EXTRA_COLUMNS: dict[str, str] = {
    "letter": "column letter of the group within its segment (A, B, ...; empty for Total)",
    "n_eff": "Kish effective base, sum(w)**2 / sum(w**2) (= n unweighted)",
    "sig_letters": "letters of the columns of the same segment this cell is significantly higher than",
    "low_base": "base below min_base: flagged; no share, mean or test shown",
    "suppressed": "fewer than k answers in the cell: value removed",
    "group_b": "the other group of a pair",
    "letter_b": "column letter of group_b",
    "estimate_b": "estimate of group_b",
}


@dataclass(frozen=True)
class Banner:
    """A computed banner table.

    Attributes
    ----------
    table
        Tidy, one row per item x level x column: ``item``, ``level`` (answer label,
        ``"top2"`` or ``"mean"``), ``segment`` (``"Total"`` for the total column),
        ``group``, ``letter``, ``n`` (unweighted base), ``n_eff``, ``count``
        (weighted when weighted), ``share``, ``mean``, ``estimate`` (share or mean),
        ``sig_letters``, ``low_base``, ``suppressed`` (why a value was blanked, e.g.
        ``"count < 5"``, ``"n < 30"``; missing where nothing was), ``weighted``.
        Blanked values are missing (rules of
        :func:`cmmc_analysis.privacy.disclosure.suppress_small_cells`, on unweighted counts).
    tests
        One row per pair of columns tested: ``item``, ``level``, ``segment``,
        ``group``, ``letter``, ``group_b``, ``letter_b``, ``estimate``,
        ``estimate_b``, ``statistic``, ``p_value``, ``p_adjusted``, ``correction``,
        ``family``, ``method``.
    bases
        One row per column: ``segment``, ``group``, ``letter``, ``n`` (respondents in
        the group), ``low_base``, ``n_suppressed`` (True where the base must not be
        shown: below ``k``, or the one other base of the segment that would give it
        back from the total, as :func:`~cmmc_analysis.privacy.disclosure.suppress_small_cells`
        does for counts).
    """

    table: pd.DataFrame
    tests: pd.DataFrame
    bases: pd.DataFrame
    codebook: Codebook
    stat: str
    weighted: bool
    alpha: float
    correction: str
    min_base: int
    k: int

    def to_styler(self, *, lang: str | None = None) -> Styler:
        """The banner for a page in ``lang`` (default: the codebook's source language).

        A shortcut for :func:`cmmc_analysis.display.format_banner`, which lays the
        banner out (rows item x level, columns segment x group with letter and base,
        cells "66,0 % B") with numbers written like every other table of the page.
        """
        from .display.banner import format_banner

        return format_banner(self, lang=lang or self.codebook.source_language)

    def to_excel(self, path: str | Path, *, lang: str | None = None) -> Path:
        """Write the styled banner to an .xlsx file (openpyxl); return the path."""
        path = Path(path)
        from .display.banner import format_banner

        styler = format_banner(self, lang=lang or self.codebook.source_language, spreadsheet=True)
        styler.to_excel(path, engine="openpyxl", sheet_name="banner")
        return path

    def _repr_html_(self) -> str:
        return self.to_styler()._repr_html_()


def banner(
    survey: Survey,
    items: Sequence[str],
    by: Sequence[str],
    *,
    stat: str = "levels",
    weights: pd.Series | str | None = None,
    alpha: float = 0.05,
    correction: str = "holm",
    min_base: int = 30,
    k: int = 5,
) -> Banner:
    """Items by segments, with bases, column percentages and significance letters.

    Parameters
    ----------
    survey
        The survey.
    items
        Scale or single-choice items (``stat="levels"``), scale items (``"top2"``),
        scale or numeric items (``"mean"``).
    by
        Segment variables (single-choice items) for the columns.
    stat
        ``"levels"`` (one row per answer level), ``"top2"`` or ``"mean"`` (of codes 1..k).
    weights
        None, a weight column of ``survey.data`` or a Series indexed by respondent id.
    alpha
        Significance level of the letters.
    correction
        ``"holm"``, ``"bh"``, ``"bonferroni"`` or ``"none"``, over the column pairs
        of one row and segment.
    min_base
        Groups with fewer valid answers are flagged ``low_base``: not tested, and
        their shares and means are not shown (the privacy rule).
    k
        Cells with fewer than ``k`` (unweighted) answers are suppressed.

    Returns
    -------
    Banner
        With ``.table``, ``.tests``, ``.bases``, ``.to_styler()`` and ``.to_excel()``.
    """
    _check_args(survey, items, by, stat=stat, alpha=alpha, correction=correction)
    w = resolve_weights(survey, weights)
    seg_codes = {"Total": (np.zeros(len(survey), dtype=int), [TOTAL])}
    for seg in by:
        col = survey.data[seg]
        seg_codes[seg] = (col.cat.codes.to_numpy(), list(col.cat.categories))
    rows, tests = [], []
    for item in items:
        x, levels = _item_values(survey, item, stat)
        for seg, (g, groups) in seg_codes.items():
            cells, pairs = _segment_cells(x, levels, g, groups, w, stat=stat, min_base=min_base)
            tests.extend(_test_pairs(pairs, item, seg))
            rows.extend({"item": item, "segment": seg, **c} for c in cells)
    table = pd.DataFrame(rows)
    tests_df = _finish_tests(tests, correction)
    table = _attach_letters(table, tests_df, alpha=alpha)
    table = _suppress(table, k=k, min_base=min_base, stat=stat)
    table["weighted"] = w is not None
    bases = _bases(survey, seg_codes, min_base, k=k)
    return Banner(
        table=table,
        tests=tests_df,
        bases=bases,
        codebook=survey.codebook,
        stat=stat,
        weighted=w is not None,
        alpha=alpha,
        correction=correction,
        min_base=min_base,
        k=k,
    )


_TEST_COLUMNS = [
    "item", "level", "segment", "group", "letter", "group_b", "letter_b", "estimate",
    "estimate_b", "statistic", "p_value", "p_adjusted", "correction", "family", "method",
]  # fmt: skip


def _check_args(survey, items, by, *, stat, alpha, correction) -> None:
    if stat not in STATS:
        raise SurveyDataError(f"stat must be one of {STATS}, found {stat!r}")
    if correction not in CORRECTIONS:
        raise SurveyDataError(f"correction must be one of {CORRECTIONS}, found {correction!r}")
    if not 0 < alpha < 1:
        raise SurveyDataError(f"alpha must be in (0, 1), found {alpha!r}")
    if isinstance(items, str) or isinstance(by, str):
        raise SurveyDataError("items and by must be lists of ids, not a single string")
    if not items:
        raise SurveyDataError("items is empty: expected at least one item id")
    for item in items:
        if item not in survey.data:
            raise SurveyDataError(f"item {item!r} is not a column of the survey")
    for seg in by:
        col = survey.data.get(seg)
        if col is None or not isinstance(col.dtype, pd.CategoricalDtype):
            raise SurveyDataError(
                f"segment {seg!r} is not a categorical column of the survey; expected one of "
                f"{[s for s in survey.codebook.segments if s in survey.data]}"
            )


def _item_values(survey: Survey, item: str, stat: str) -> tuple[np.ndarray, list[str]]:
    """Per-respondent values: level index 0..L-1 (levels), 0/1 (top2) or codes (mean)."""
    if stat == "levels":
        col = survey.data[item]
        if not isinstance(col.dtype, pd.CategoricalDtype):
            raise SurveyDataError(f"item {item!r} is not categorical: use stat='mean'")
        x = col.cat.codes.to_numpy().astype(float)
        x[x < 0] = np.nan
        return x, [str(c) for c in col.cat.categories]
    return measure_values(survey, item, stat), [stat]


def _segment_cells(x, levels, g, groups, w, *, stat, min_base):
    """Cells of one item x one segment, and the data for the pairwise tests."""
    ok = ~np.isnan(x) & (g >= 0)
    if w is not None:
        ok &= ~np.isnan(w)
    wv = np.ones(ok.sum()) if w is None else w[ok]
    gv, xv, ng = g[ok], x[ok], len(groups)
    n = np.bincount(gv, minlength=ng).astype(float)
    sw = np.bincount(gv, weights=wv, minlength=ng)
    sw2 = np.bincount(gv, weights=wv**2, minlength=ng)
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = np.where(sw2 > 0, sw**2 / sw2, 0.0)
    letters = [""] if groups == [TOTAL] else _letters(ng)
    cells, pairs = [], []
    if stat == "mean":
        swx = np.bincount(gv, weights=wv * xv, minlength=ng)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = swx / sw
        for j, grp in enumerate(groups):
            cells.append(_cell("mean", grp, letters[j], n[j], n_eff[j], np.nan, np.nan, means[j]))
        samples = [(xv[gv == j], wv[gv == j]) for j in range(ng)]
        pairs.append(("mean", groups, letters, means, n, samples, w is not None, min_base))
        return cells, pairs
    if stat == "top2":
        wcount = np.bincount(gv, weights=wv * xv, minlength=ng)[:, None]
        ucount = np.bincount(gv, weights=xv, minlength=ng)[:, None]
    else:
        nl = len(levels)
        flat = gv * nl + xv.astype(int)
        wcount = np.bincount(flat, weights=wv, minlength=ng * nl).reshape(ng, nl)
        ucount = np.bincount(flat, minlength=ng * nl).reshape(ng, nl).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = wcount / sw[:, None]
    for li, level in enumerate(levels):
        for j, grp in enumerate(groups):
            cells.append(
                _cell(level, grp, letters[j], n[j], n_eff[j], wcount[j, li], share[j, li], np.nan)
                | {"_ucount": ucount[j, li]}
            )
        pairs.append(("share", groups, letters, share[:, li], n, n_eff, level, min_base))
    return cells, pairs


def _cell(level, group, letter, n, n_eff, count, share, mean) -> dict:
    return {
        "level": level,
        "group": group,
        "letter": letter,
        "n": n,
        "n_eff": n_eff,
        "count": count,
        "share": share,
        "mean": mean,
        "estimate": mean if level == "mean" else share,
    }


def _letters(n: int) -> list[str]:
    alphabet = string.ascii_uppercase
    return [alphabet[i] if i < 26 else alphabet[i // 26 - 1] + alphabet[i % 26] for i in range(n)]


def _test_pairs(pairs, item, seg) -> list[dict]:
    """The column pairs of one item x segment (Welch tests run here, z-tests later)."""
    out = []
    for spec in pairs:
        if spec[1] == [TOTAL]:
            continue
        if spec[0] == "mean":
            _, groups, letters, est, n, samples, weighted, min_base = spec
            level, testable, n_eff = "mean", n >= max(min_base, 2), None
        else:
            _, groups, letters, est, n, n_eff, level, min_base = spec
            testable = n >= min_base
        idx = np.flatnonzero(testable)
        family = f"{item} / {level} / {seg}: {len(idx) * (len(idx) - 1) // 2} column pairs"
        for i, j in combinations(idx, 2):
            row = {
                "item": item, "level": level, "segment": seg,
                "group": groups[i], "letter": letters[i],
                "group_b": groups[j], "letter_b": letters[j],
                "estimate": est[i], "estimate_b": est[j], "family": family,
            }  # fmt: skip
            if spec[0] == "mean":
                row["statistic"], row["p_value"], row["method"] = _welch(
                    samples[i], samples[j], weighted
                )
            else:
                row["_n"], row["_n_b"] = n_eff[i], n_eff[j]
            out.append(row)
    return out


def _finish_tests(rows: list[dict], correction: str) -> pd.DataFrame:
    """Run the z-tests in one vectorised call and correct p-values within each family."""
    tests = pd.DataFrame(rows, columns=[*_TEST_COLUMNS, "_n", "_n_b"])
    tests = tests.astype({"method": object, "statistic": float, "p_value": float})
    share = tests["method"].isna().to_numpy()
    if share.any():
        z, p = _ztest(
            tests["estimate"].to_numpy(dtype=float)[share],
            tests["estimate_b"].to_numpy(dtype=float)[share],
            tests["_n"].to_numpy(dtype=float)[share],
            tests["_n_b"].to_numpy(dtype=float)[share],
        )
        tests.loc[share, "statistic"] = z
        tests.loc[share, "p_value"] = p
        tests.loc[share, "method"] = "two-proportion z-test (pooled)"
    tests["p_adjusted"] = adjust_pvalues(
        tests["p_value"], correction=correction, family=tests["family"]
    )
    tests["correction"] = correction
    return tests[_TEST_COLUMNS]


def _ztest(p1, p2, n1, n2):
    """Pooled two-proportion z-test (counts = share x effective n), vectorised.

    ``test_proportions_2indep(method="score", correction=False)`` is the pooled z-test
    (its variance under H0 uses the common proportion). Pairs whose pooled share is 0
    or 1 have no variance: z = 0, p = 1.
    """
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = sm_proportion.test_proportions_2indep(
            p1 * n1, n1, p2 * n2, n2, method="score", correction=False, return_results=True
        )
    z = np.atleast_1d(np.asarray(res.statistic, dtype=float))
    p = np.atleast_1d(np.asarray(res.pvalue, dtype=float))
    flat = ~np.isfinite(z)
    return np.where(flat, 0.0, z), np.where(flat, 1.0, p)


def _welch(a, b, weighted):
    (xa, wa), (xb, wb) = a, b
    if not weighted:
        res = ttest_ind(xa, xb, equal_var=False)
        return float(res.statistic), float(res.pvalue), "Welch t-test"
    da = DescrStatsW(xa, weights=wa * wa.sum() / (wa**2).sum())
    db = DescrStatsW(xb, weights=wb * wb.sum() / (wb**2).sum())
    t, p, _ = CompareMeans(da, db).ttest_ind(usevar="unequal")
    return float(t), float(p), "Welch t-test (weighted, effective n)"


def _attach_letters(table: pd.DataFrame, tests: pd.DataFrame, *, alpha: float) -> pd.DataFrame:
    """sig_letters: letters of the columns a cell is significantly higher than."""
    table = table.copy()
    table["sig_letters"] = ""
    if tests.empty:
        return table
    sig = tests[tests["p_adjusted"] < alpha]
    higher_a = sig["estimate"] > sig["estimate_b"]
    winners = pd.concat(
        [
            sig.loc[higher_a, ["item", "level", "segment", "group", "letter_b"]],
            sig.loc[~higher_a, ["item", "level", "segment", "group_b", "letter"]].set_axis(
                ["item", "level", "segment", "group", "letter_b"], axis=1
            ),
        ]
    )
    if winners.empty:
        return table
    joined = (
        winners.sort_values("letter_b")
        .groupby(["item", "level", "segment", "group"], observed=True)["letter_b"]
        .agg("".join)
    )
    key = pd.MultiIndex.from_frame(table[["item", "level", "segment", "group"]].astype(str))
    table["sig_letters"] = joined.reindex(key).fillna("").to_numpy()
    return table


def _suppress(table: pd.DataFrame, *, k: int, min_base: int, stat: str) -> pd.DataFrame:
    """The project's small-cell rules (:func:`cmmc_analysis.privacy.disclosure.suppress_small_cells`).

    Applied to the unweighted counts: counts below k (and the complementary cell that
    would give one back) are blanked with their shares; groups below ``min_base`` keep
    their base but show no share, mean or letter. ``count`` then gets back its
    weighted value where it was not blanked.
    """
    if stat == "mean":
        shown = table.drop(columns="count")
    else:
        shown = table.assign(count=table["_ucount"])
    out = suppress_small_cells(
        shown.drop(columns="_ucount", errors="ignore"),
        count="count",
        n="n",
        k=k,
        min_n=min_base,
        by=["item", "segment", "group"],
        share_cols=("share", "mean", "estimate"),
        test_cols=(),
    )
    out["count"] = np.nan if stat == "mean" else table["count"].where(out["count"].notna())
    out["sig_letters"] = table["sig_letters"].where(out["estimate"].notna(), "")
    out["low_base"] = table["n"] < min_base
    return out[[c for c in table.columns if c != "_ucount"] + ["low_base", "suppressed"]]


def _bases(survey: Survey, seg_codes, min_base: int, *, k: int = 5) -> pd.DataFrame:
    rows = []
    for seg, (g, groups) in seg_codes.items():
        counts = np.bincount(g[g >= 0], minlength=len(groups))
        letters = [""] if seg == TOTAL else _letters(len(groups))
        for j, grp in enumerate(groups):
            low = counts[j] < min_base
            rows.append(
                {
                    "segment": seg,
                    "group": grp,
                    "letter": letters[j],
                    "n": float(counts[j]),
                    "low_base": low,
                }
            )
    out = pd.DataFrame(rows)
    if len(out):  # small bases and their complements, as for counts (page 01 hides them too)
        total = out.groupby("segment", sort=False)["n"].transform("sum")
        hidden = suppress_small_cells(
            out.assign(count=out["n"], n=total), k=k, min_n=1, by=["segment"]
        )["count"].isna()
        out["n_suppressed"] = hidden.to_numpy() & (out["segment"] != TOTAL).to_numpy()
    else:
        out["n_suppressed"] = pd.Series(dtype=bool)
    return out
