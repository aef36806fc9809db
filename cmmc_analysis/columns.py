"""The one vocabulary of output columns shared by every result table.

Every analysis function returns a DataFrame whose columns are drawn from
:data:`COLUMNS` (a function may add columns of its own and documents them). A test
checks that every result table of the library uses only these names or documented
extras, so that ``p_value`` never drifts into ``pval``.

Examples
--------
>>> COLUMNS["p_adjusted"]
'p-value adjusted for multiplicity over the declared family (see `correction`, `family`)'
>>> check_columns(["item", "n", "estimate"])
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["COLUMNS", "check_columns"]

COLUMNS: dict[str, str] = {
    "item": "item id from the codebook (or a construct id, or a claim's item list)",
    "construct": "construct id from the codebook",
    "claim": "claim id from the claims file",
    "segment": "segment variable (item id) a row is broken down by",
    "group": "level of the segment variable (canonical label)",
    "level": "answer level (canonical source-language label)",
    "code": "numeric code of an answer level (1..k, low to high)",
    "label": "text of the item, option or answer level (source language; display.with_labels translates)",
    "n": "number of valid (analysed, non-missing) answers used",
    "n_not_an_answer": "answers such as 'Non so', excluded from the base",
    "n_missing": "blank, not asked or rejected answers, excluded from the base",
    "count": "number of answers at this level (weighted when weights are used)",
    "share": "count / n (not-an-answer excluded from the base)",
    "estimate": "the statistic the row is about (share, mean, median, alpha, ...)",
    "ci_low": "lower bound of the confidence interval of `estimate`",
    "ci_high": "upper bound of the confidence interval of `estimate`",
    "ci_level": "confidence level of the interval (e.g. 0.95)",
    "ci_method": "how the interval was computed (wilson, feldt, bootstrap BCa, ...)",
    "mean": "mean of the codes",
    "sd": "standard deviation of the codes (ddof=1)",
    "median": "median of the codes (or values)",
    "q1": "lower quartile",
    "q3": "upper quartile",
    "top2": "share in the two highest levels",
    "bottom2": "share in the two lowest levels",
    "net": "top2 - bottom2",
    "statistic": "the test statistic (see `method`)",
    "df": "degrees of freedom of the test, where it has them",
    "p_value": "unadjusted p-value of the test in `method`",
    "p_adjusted": "p-value adjusted for multiplicity over the declared family (see `correction`, `family`)",
    "correction": "multiplicity correction (holm, bh, bonferroni, none)",
    "family": "the family of tests the correction was applied over",
    "effect_size": "effect size (see `effect_size_name`)",
    "effect_size_name": "which effect size: r (matched-pairs rank-biserial), epsilon2, W, cramers_v, ...",
    "direction": "direction of the effect: above / below / none (or greater / less)",
    "method": "the test or estimator, with its options (e.g. 'Wilcoxon signed-rank, zero_method=pratt')",
    "alternative": "two-sided, greater or less",
    "threshold": "the value a claim or test compares against",
    "weighted": "whether survey weights were used",
    "note": "why a row has no test (group below minimum n, ...) or other caveats",
    "suppressed": "why values of the row were blanked as small cells ('count < 5', 'n < 30'), missing if none",
    "verdict": "supported / not supported / inconclusive",
    "settled": "whether more responses are unlikely to change the verdict",
}


def check_columns(columns: Iterable[str], extra: Iterable[str] = ()) -> None:
    """Raise ``ValueError`` naming any column outside the vocabulary and ``extra``."""
    allowed = set(COLUMNS) | set(extra)
    unknown = [c for c in columns if c not in allowed]
    if unknown:
        raise ValueError(f"columns outside the vocabulary: {unknown}")
