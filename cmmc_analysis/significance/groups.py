"""Between groups: Mann-Whitney / Kruskal-Wallis, chi-square / Fisher, Dunn's pairs."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SurveyDataError
from ..survey import Survey
from ._common import CORRECTIONS, _adjust, _check_choice, _direction
from ._grouptests import SMALL_GROUPS, _compare_nominal, _compare_ordinal, _group_table
from .multitest import adjust_pvalues

__all__ = ["compare_groups", "dunn_posthoc"]


def _segment(data: Survey | pd.DataFrame, by: str) -> pd.Series:
    if isinstance(data, Survey):
        if by not in data.data:
            raise SurveyDataError("segment not in the survey data", column=by)
        if data.codebook.item(by).type != "single":
            raise SurveyDataError(
                f"parameter by: expected a single-choice item, found a "
                f"{data.codebook.item(by).type} item",
                column=by,
            )
        return data.data[by]
    if by not in data.columns:
        raise SurveyDataError("parameter by: not a column of data", column=by)
    return data[by]


def _item_kind(data: Survey | pd.DataFrame, item: str, kind: str) -> tuple[str, pd.Series]:
    """('ordinal', codes) for scale and ordered items, ('nominal', labels) else."""
    if isinstance(data, Survey):
        if item not in data.data:
            raise SurveyDataError("item not in the survey data", column=item)
        info = data.codebook.item(item)
        if info.type == "scale":
            found, values = "ordinal", data.codes([item])[item]
        elif info.type == "single":
            col = data.data[item]
            found, values = ("ordinal" if info.ordered else "nominal"), col
        else:
            raise SurveyDataError(
                f"expected a scale or single-choice item, found a {info.type} item", column=item
            )
    else:
        if item not in data.columns:
            raise SurveyDataError("parameter item: not a column of data", column=item)
        values = data[item]
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        ordered = isinstance(values.dtype, pd.CategoricalDtype) and values.cat.ordered
        found = "ordinal" if numeric or ordered else "nominal"
    kind = found if kind == "auto" else kind
    if kind == "ordinal" and isinstance(values.dtype, pd.CategoricalDtype):
        if not values.cat.ordered:
            raise SurveyDataError(
                "kind='ordinal' needs numeric codes or an ordered item, found unordered labels",
                column=item,
            )
        codes = values.cat.codes.to_numpy().astype(float) + 1.0
        codes[codes <= 0] = np.nan
        values = pd.Series(codes, index=values.index)
    elif kind == "ordinal" and not pd.api.types.is_numeric_dtype(values):
        try:
            values = pd.to_numeric(values)
        except (TypeError, ValueError):
            raise SurveyDataError(
                f"kind='ordinal' needs numeric codes or an ordered item, found dtype {values.dtype}",
                column=item,
            ) from None
    elif kind == "nominal":
        values = values.astype(object)
    return kind, values


def _small_groups_rule(small_groups: str, min_n: int) -> str:
    if small_groups == "exclude":
        return f"groups with n < {min_n} left out of the test (small_groups='exclude')"
    return "every group with an answer tested, as R's kruskal.test (small_groups='include')"


def compare_groups(
    data: Survey | pd.DataFrame,
    item: str | Sequence[str],
    by: str | Sequence[str],
    *,
    kind: str = "auto",
    min_n: int = 10,
    small_groups: str = "exclude",
    correction: str = "holm",
    n_resamples: int = 9999,
    seed: int = 0,
) -> pd.DataFrame:
    """Do groups differ? Items across the groups of segment variables, one family of tests.

    Ordinal items (scale items, ordered single-choice items; numeric codes or ordered
    Categoricals of a DataFrame) are tested with Mann-Whitney U (2 groups) or
    Kruskal-Wallis (more); nominal items (unordered single-choice items; labels) with
    chi-square or Fisher's exact test. Every (item, segment) pair is one test;
    ``p_adjusted`` is corrected over the tests of this call.

    Two groups: ``scipy.stats.mannwhitneyu`` (exact when both n < 50 and no ties,
    else normal approximation with tie and continuity correction, as R's
    ``wilcox.test``), effect size rank-biserial r = 2U / (n1 n2) - 1 of the first
    group against the second. More groups: ``scipy.stats.kruskal`` (tie-corrected, as
    R's ``kruskal.test``), effect size epsilon-squared = H / (n - 1). Nominal: see
    :func:`_compare_nominal`; the effect size is Cramér's V.

    Parameters
    ----------
    data
        A :class:`~cmmc_analysis.survey.Survey`, or a DataFrame with the item and
        segment columns.
    item
        An item id (column) or a list of them.
    by
        A segment (single-choice item, or column of group labels; a Categorical fixes
        the order of the groups) or a list of them.
    kind
        ``"auto"`` (default: from the codebook, or from the column's dtype),
        ``"ordinal"`` or ``"nominal"``.
    min_n
        Groups with fewer valid answers are "small".
    small_groups
        ``"exclude"`` (default): small groups are listed with their n and the note
        "n = ... < min_n = ...: not tested", and left out of the test and of Dunn's
        pairs, because a rank test dominated by a handful of answers says little about
        a segment; ``"include"``: every group with an answer is tested, as R's
        ``kruskal.test`` does (small groups are noted as such). The rule used is
        written in ``method``.
    correction
        ``"holm"``, ``"bh"``, ``"bonferroni"`` or ``"none"``.
    n_resamples, seed
        Monte-Carlo settings of the R x C Fisher test.

    Returns
    -------
    pandas.DataFrame
        One row per (item, segment, group): ``item``, ``segment``, ``group``, ``n``,
        ``mean``, ``median``, ``mean_rank`` (among the tested groups pooled),
        ``tested``, ``statistic`` (U of the first group, H, chi-square, or Fisher's
        statistic), ``df``, ``p_value``, ``p_adjusted``, ``correction``, ``family``,
        ``effect_size``, ``effect_size_name``, ``direction`` (the group's mean rank
        above / below the pooled mean rank), ``method``, ``note``. Test columns are
        repeated on each tested row and missing on untested rows.

    Examples
    --------
    >>> df = pd.DataFrame({"v": [1, 2, 2, 3, 3, 4, 4, 5, 5, 5, 1], "g": list("aaaaabbbbbc")})
    >>> compare_groups(df, "v", "g", min_n=3)[["group", "n", "tested", "direction"]]
      group  n  tested direction
    0     a  5    True     below
    1     b  5    True     above
    2     c  1   False      none
    >>> compare_groups(df, "v", "g", min_n=3, small_groups="include")["tested"].tolist()
    [True, True, True]

    On a survey:

    >>> from cmmc_analysis.codebook import load_codebook
    >>> cb = load_codebook()
    >>> agree = pd.Categorical.from_codes([4, 3, 4, 4, 1, 2, 1, 2, 2], cb.labels("org_models"), ordered=True)
    >>> size = pd.Categorical.from_codes([3, 3, 3, 3, 0, 0, 0, 0, 1], cb.labels("size"), ordered=True)
    >>> s = Survey(data=pd.DataFrame({"org_models": agree, "size": size}), missing=pd.DataFrame(), codebook=cb)
    >>> compare_groups(s, "org_models", "size", min_n=3)[["group", "n", "tested", "direction"]]
              group  n  tested direction
    0    Meno di 50  4    True     below
    1        50–249  1   False      none
    2       250–999  0   False      none
    3  1000 e oltre  4    True     above
    """
    _check_choice(correction, CORRECTIONS, "correction")
    _check_choice(kind, ("auto", "ordinal", "nominal"), "kind")
    _check_choice(small_groups, SMALL_GROUPS, "small_groups")
    if not isinstance(data, Survey | pd.DataFrame):
        raise SurveyDataError(
            f"parameter data: expected a Survey or a DataFrame, found {type(data).__name__}"
        )
    items = [item] if isinstance(item, str) else list(item)
    segments = [by] if isinstance(by, str) else list(by)
    rule = _small_groups_rule(small_groups, min_n)
    parts = []
    for it in items:
        found, values = _item_kind(data, it, kind)
        for seg in segments:
            groups = _segment(data, seg)
            options = {"min_n": min_n, "small_groups": small_groups, "item": it, "segment": seg}
            if found == "ordinal":
                part = _compare_ordinal(values, groups, **options)
            else:
                part = _compare_nominal(
                    values, groups, n_resamples=n_resamples, seed=seed, **options
                )
            part["method"] = np.where(part["method"] != "", part["method"] + "; " + rule, "")
            parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    tests = out.groupby(["item", "segment"], sort=False)["p_value"].first()
    adjusted = pd.Series(adjust_pvalues(tests.to_numpy(), correction=correction), index=tests.index)
    key = pd.MultiIndex.from_frame(out[["item", "segment"]])
    out["p_adjusted"] = np.where(out["tested"], adjusted.reindex(key).to_numpy(), np.nan)
    out["correction"] = correction
    out["family"] = "group comparisons: " + "; ".join(f"{i} by {s}" for i, s in tests.index)
    return out


def dunn_posthoc(
    data: Survey | pd.DataFrame,
    item: str,
    by: str,
    *,
    min_n: int = 10,
    small_groups: str = "exclude",
    correction: str = "holm",
) -> pd.DataFrame:
    """Dunn's pairwise test after Kruskal-Wallis, one row per pair of tested groups.

    p-values from ``scikit_posthocs.posthoc_dunn`` (tie-corrected z on the mean ranks
    of the tested groups pooled), adjusted over the pairs of this call.

    Parameters
    ----------
    data, item, by, min_n, small_groups
        As in :func:`compare_groups` (one ordinal item, one segment).
    correction
        ``"holm"``, ``"bh"``, ``"bonferroni"`` or ``"none"``.

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``item``, ``segment``, ``group_a``, ``group_b``, ``n_a``,
        ``n_b``, ``statistic`` (z, positive when group_a ranks higher), ``p_value``,
        ``p_adjusted``, ``correction``, ``family``, ``direction`` (group_a above /
        below group_b), ``method``.

    Examples
    --------
    >>> df = pd.DataFrame({"v": [1, 2, 2, 3, 3, 4, 4, 5, 5, 5, 2, 3, 3, 4],
    ...                    "g": list("aaaaabbbbbcccc")})
    >>> dunn_posthoc(df, "v", "g", min_n=3)[["group_a", "group_b", "direction"]]
      group_a group_b direction
    0       a       b     below
    1       a       c     below
    2       b       c     above
    """
    _check_choice(correction, CORRECTIONS, "correction")
    if not isinstance(data, Survey | pd.DataFrame):
        raise SurveyDataError(
            f"parameter data: expected a Survey or a DataFrame, found {type(data).__name__}"
        )
    kind, values = _item_kind(data, item, "auto")
    if kind != "ordinal":
        raise SurveyDataError("Dunn's test needs an ordinal item, found a nominal one", column=item)
    groups = _segment(data, by)
    frame, groups_info = _group_table(values, groups, min_n, small_groups)
    tested = [g for g, _, t in groups_info if t]
    counts = {g: n for g, n, _ in groups_info}
    pooled = frame[frame["g"].isin(tested)].copy()
    pooled["gi"] = pooled["g"].map({g: i for i, g in enumerate(tested)}).astype(int)
    pooled["v"] = pooled["v"].astype(float)
    pairs = list(combinations(range(len(tested)), 2))
    if pairs:
        import scikit_posthocs as sp  # heavy import (statsmodels.api), needed here only

        pmat = sp.posthoc_dunn(pooled, val_col="v", group_col="gi", p_adjust=None)
        mean_rank = (
            pd.Series(stats.rankdata(pooled["v"]), index=pooled.index).groupby(pooled["gi"]).mean()
        )
    rows = []
    for i, j in pairs:
        p = float(pmat.loc[i, j])
        sign = np.sign(mean_rank[i] - mean_rank[j])
        rows.append(
            {
                "item": item,
                "segment": by,
                "group_a": str(tested[i]),
                "group_b": str(tested[j]),
                "n_a": counts[tested[i]],
                "n_b": counts[tested[j]],
                "statistic": sign * stats.norm.isf(p / 2),
                "p_value": p,
                "direction": _direction(sign),
            }
        )
    cols = ["item", "segment", "group_a", "group_b", "n_a", "n_b", "statistic", "p_value"]
    out = pd.DataFrame(rows, columns=[*cols, "direction"])
    out.insert(8, "p_adjusted", _adjust(out, correction))
    out.insert(9, "correction", correction)
    out.insert(10, "family", f"Dunn pairs of {item} by {by}")
    out["method"] = (
        "Dunn test on mean ranks of the tested groups pooled, tie-corrected "
        f"(scikit-posthocs posthoc_dunn); {_small_groups_rule(small_groups, min_n)}"
    )
    return out
