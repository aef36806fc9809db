"""Summaries of an export too large for memory: exact sums per partition, added up.

Every number the library reports for a scale item is a function of sums over rows:
counts per level and group, not-an-answer and missing counts, and (for alpha) the pair
counts, sums, sums of squares and cross-products of the codes. Each partition is
cleaned by the one cleaning pipeline (:func:`cmmc_analysis.clean.passes.run_passes`:
the rules that need other rows decided first, over every partition) and reduced to
those sums (:class:`ScanTotals`); sums of disjoint partitions add up, exactly (codes are
whole numbers). So :func:`chunked_summary` equals
:func:`cmmc_analysis.describe.likert.likert_summary` and :func:`chunked_alpha` equals
:func:`cmmc_analysis.reliability.cronbach_alpha` of the same export cleaned in memory.

Examples
--------
>>> import tempfile, pathlib
>>> from cmmc_analysis.examples import agreement_codebook
>>> cb = agreement_codebook(("q01",))
>>> f = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
>>> _ = f.write_text("segment,q01\\nCentro,Non so\\nCentro,Molto d'accordo\\nCentro,Poco d'accordo\\n")
>>> chunked_summary(f, cb, chunksize=2)[["item", "n", "n_not_an_answer", "mean"]]
  item  n  n_not_an_answer  mean
0  q01  2                1   3.5
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import Codebook
from ..errors import SurveyDataError
from ..reliability import CrossProducts, alpha_from_cross_products, cross_products

__all__ = [
    "ScanTotals",
    "scan_frame",
    "scan_export",
    "merge_totals",
    "chunked_summary",
    "chunked_alpha",
]


@dataclass
class ScanTotals:
    """Sums over partitions of an export; ``a + b`` merges two scans of disjoint rows.

    Attributes
    ----------
    items
        The scale items scanned, in order.
    k
        Scale points of each item.
    groups
        Levels of ``by`` (``[None]`` without a breakdown).
    counts
        Item -> array ``(len(groups), k)``: answers per level and group.
    not_an_answer, missing
        Item -> array ``(len(groups),)``: not-an-answer answers, and blank / not-asked /
        rejected answers, of analysed rows.
    cross
        Missing rule (``"listwise"``, ``"pairwise"``) -> :class:`CrossProducts` of the
        items' codes (reverse keys of ``construct`` applied when one was given).
    n_rows, n_excluded
        Rows read, and rows excluded by a rule (by rule name).
    """

    items: tuple[str, ...]
    k: dict[str, int]
    groups: list[Any]
    counts: dict[str, np.ndarray]
    not_an_answer: dict[str, np.ndarray]
    missing: dict[str, np.ndarray]
    cross: dict[str, CrossProducts]
    n_rows: int = 0
    n_excluded: dict[str, int] = field(default_factory=dict)

    def __add__(self, other: ScanTotals) -> ScanTotals:
        if self.items != other.items or self.groups != other.groups:
            raise SurveyDataError("cannot merge scans of different items or groups")
        add = lambda a, b: {key: a[key] + b[key] for key in a}  # noqa: E731
        excluded = dict(self.n_excluded)
        for rule, count in other.n_excluded.items():
            excluded[rule] = excluded.get(rule, 0) + count
        return ScanTotals(
            self.items,
            self.k,
            self.groups,
            add(self.counts, other.counts),
            add(self.not_an_answer, other.not_an_answer),
            add(self.missing, other.missing),
            add(self.cross, other.cross),
            self.n_rows + other.n_rows,
            excluded,
        )

    def __repr__(self) -> str:
        return (
            f"ScanTotals({len(self.items)} items, {len(self.groups)} groups, "
            f"{self.n_rows} rows, {sum(self.n_excluded.values())} excluded)"
        )


@dataclass(frozen=True)
class _Spec:
    items: tuple[str, ...] | None
    construct: str | None
    by: str | None
    groups: tuple[Any, ...]
    exclude: np.ndarray | None


def _spec(codebook: Codebook, items, construct, by, exclude_rows) -> _Spec:
    """Check construct and by; the items to scan and the groups of ``by``."""
    from ..clean.parse import labels_of

    if construct is not None and construct not in codebook.constructs:
        raise SurveyDataError(
            f"parameter construct: unknown construct {construct!r}; "
            f"the codebook has {sorted(codebook.constructs)}"
        )
    if items is None and construct is not None:
        items = list(codebook.constructs[construct].items)
    if by is not None and codebook.item(by).type != "single":
        raise SurveyDataError(
            f"parameter by: {by!r} is of type {codebook.item(by).type!r}; "
            "expected a single-choice item"
        )
    groups = (None,) if by is None else tuple(labels_of(codebook.item(by), codebook)[0])
    exclude = None if exclude_rows is None else np.unique(np.asarray(exclude_rows, dtype=np.int64))
    return _Spec(None if items is None else tuple(items), construct, by, groups, exclude)


def _totals(result: Any, rows_read: int, codebook: Codebook, spec: _Spec) -> ScanTotals:
    """The sums of one cleaned partition (:class:`cmmc_analysis.clean.pipeline.PartitionResult`)."""
    from ..clean.codes import EXCLUSION_RULES
    from ..clean.score import scale_items

    data, missing = result.data, result.missing
    excluded = {
        rule: int((result.rule == j).sum())
        for j, rule in enumerate(EXCLUSION_RULES)
        if (result.rule == j).any()
    }
    if spec.exclude is not None:
        hit = np.isin(data["source_row"].to_numpy(), spec.exclude)
        excluded["exclude_rows"] = int(hit.sum())
        data, missing = data.loc[~hit], missing.loc[~hit]
    items = scale_items(codebook, spec.items, data.columns)
    if spec.by is not None and spec.by not in data:
        raise SurveyDataError(
            f"parameter by: {spec.by!r} has no column in the data", column=spec.by
        )
    g = np.zeros(len(data), dtype=np.int64)
    if spec.by is not None:
        g = data[spec.by].cat.codes.to_numpy(dtype=np.int64)  # missing (-1): left out
    size = len(spec.groups)
    ok_g = g >= 0
    counts, naa, miss, codes = {}, {}, {}, {}
    reverse = set(codebook.constructs[spec.construct].reverse) if spec.construct else set()
    for item_id in items:
        k = codebook.scale_of(item_id).k
        x = data[item_id].cat.codes.to_numpy(dtype=np.int64)
        reason = missing[item_id].cat.codes.to_numpy(dtype=np.int64)
        idx = np.where((x >= 0) & ok_g, g * k + x, size * k)
        counts[item_id] = np.bincount(idx, minlength=size * k + 1)[:-1].reshape(size, k)
        is_naa = reason == 0  # MISSING_REASONS[0] == "not_an_answer"
        naa[item_id] = np.bincount(np.where(is_naa & ok_g, g, size), minlength=size + 1)[:-1]
        gone = (x < 0) & ~is_naa & ok_g
        miss[item_id] = np.bincount(np.where(gone, g, size), minlength=size + 1)[:-1]
        c = np.where(x >= 0, x + 1.0, np.nan)
        codes[item_id] = (1 + k) - c if item_id in reverse else c
    cross = {}
    if len(items) >= 2:
        frame = pd.DataFrame(codes)
        cross = {rule: cross_products(frame, missing=rule) for rule in ("listwise", "pairwise")}
    return ScanTotals(
        tuple(items),
        {i: codebook.scale_of(i).k for i in items},
        list(spec.groups),
        counts,
        naa,
        miss,
        cross,
        rows_read,
        excluded,
    )


def scan_frame(
    frame: pd.DataFrame,
    codebook: Codebook,
    *,
    items: Sequence[str] | None = None,
    construct: str | None = None,
    by: str | None = None,
    exclude_rows: Sequence[int] | None = None,
    rules: Mapping[str, Mapping[str, Any]] | None = None,
) -> ScanTotals:
    """The totals of one frame of raw text columns (``source_row`` and items by id),
    cleaned on its own (every rule decided within the frame)."""
    from ..clean.passes import Job, clean_partition
    from ..clean.rules import Settings, decide, first_pass
    from ..schema.cleaning import merge_rules

    spec = _spec(codebook, items, construct, by, exclude_rows)
    config = merge_rules(codebook.cleaning, rules)
    meta, evidence = first_pass(frame, codebook, config)
    settings = Settings.from_evidence(evidence, delimiter=None)
    job = Job(codebook, config, b"scan", settings)
    result = clean_partition(frame, job, decide(meta, codebook, config, settings))
    return _totals(result, len(frame), codebook, spec)


def scan_export(
    path: str | Path,
    codebook: Codebook,
    *,
    items: Sequence[str] | None = None,
    construct: str | None = None,
    by: str | None = None,
    chunksize: int = 100_000,
    exclude_rows: Sequence[int] | None = None,
    rules: Mapping[str, Mapping[str, Any]] | None = None,
    engine: str = "pandas",
    scheduler: Any = None,
    **read_options: Any,
) -> ScanTotals:
    """Clean an export partition by partition and add up the sums of its scale items.

    Parameters
    ----------
    path, codebook
        The export and its codebook.
    items
        Scale items (default: the items of ``construct``, else every scale item found).
    construct
        A construct id: its items, reverse-keyed in the cross-products.
    by
        A single-choice item (segment) to break the counts down by.
    chunksize
        Records per partition (with ``engine="dask"``: default about 64 MB of text).
    exclude_rows
        Source rows to leave out besides those the cleaning rules exclude.
    rules
        Overrides of the codebook's cleaning rules.
    engine, scheduler
        ``"pandas"`` (in this process) or ``"dask"`` (see ``docs/performance.md``).
    **read_options
        ``encoding``, ``delimiter``, ``decimal``.

    Returns
    -------
    ScanTotals
        The merged sums; :func:`chunked_summary` and :func:`chunked_alpha` turn them
        into the library's tables.
    """
    from ..clean.passes import run_passes
    from ..io.partitions import plan_export
    from ..schema.cleaning import merge_rules

    spec = _spec(codebook, items, construct, by, exclude_rows)
    config = merge_rules(codebook.cleaning, rules)
    decimal = read_options.pop("decimal", None)

    def finish(df, job, decision):
        from ..clean.passes import clean_partition

        return _totals(clean_partition(df, job, decision), len(df), codebook, spec)

    if engine == "dask":
        from ..clean.distributed import run_dask

        _, _, parts, _, _ = run_dask(
            path, codebook, config, finish, decimal=decimal, scheduler=scheduler,
            partition_rows=None if chunksize == 100_000 else chunksize, reduce=merge_totals,
            **read_options,
        )  # fmt: skip
        return parts
    if engine != "pandas":
        raise SurveyDataError(f"parameter engine={engine!r}; expected 'pandas' or 'dask'")
    if isinstance(chunksize, bool) or not isinstance(chunksize, int) or chunksize < 1:
        raise SurveyDataError(
            f"parameter chunksize: expected a positive integer, found {chunksize!r}"
        )
    plan = plan_export(path, codebook, partition_rows=chunksize, **read_options)
    _, _, parts, _ = run_passes(plan, codebook, config, finish, decimal)
    return merge_totals(parts)


def chunked_summary(
    path: str | Path | None,
    codebook: Codebook,
    *,
    items: Sequence[str] | None = None,
    by: str | None = None,
    chunksize: int = 100_000,
    ci_level: float = 0.95,
    exclude_rows: Sequence[int] | None = None,
    totals: ScanTotals | None = None,
    **options: Any,
) -> pd.DataFrame:
    """:func:`cmmc_analysis.describe.likert.likert_summary` of an export read in partitions.

    Parameters
    ----------
    path, codebook, items, by, chunksize, exclude_rows, options
        As in :func:`scan_export` (``options``: ``rules``, ``engine``, ``scheduler``,
        ``encoding``, ``delimiter``, ``decimal``).
    ci_level
        As in :func:`cmmc_analysis.describe.likert.likert_summary`.
    totals
        A scan already made (``path`` is then not read again).

    Returns
    -------
    DataFrame
        The columns of :func:`cmmc_analysis.describe.likert.likert_summary` (unweighted).
    """
    from ..describe.counts import summary_from_counts

    if totals is None:
        totals = scan_export(path, codebook, items=items, by=by, chunksize=chunksize,
                             exclude_rows=exclude_rows, **options)  # fmt: skip
    parts = []
    for item in totals.items if items is None else list(items):
        scale = codebook.scale_of(item)
        part = summary_from_counts(totals.counts[item], ci_level=ci_level, scale=scale)
        part.insert(0, "item", item)
        part.insert(1, "label", codebook.text(item))
        if by is not None:
            part.insert(2, "segment", by)
            part.insert(3, "group", totals.groups)
        pos = part.columns.get_loc("n") + 1
        part.insert(pos, "n_not_an_answer", totals.not_an_answer[item].astype(float))
        part.insert(pos + 1, "n_missing", totals.missing[item].astype(float))
        part["weighted"] = False
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    for col in ("n", "n_not_an_answer", "n_missing"):
        out[col] = out[col].astype(np.int64)
    return out


def chunked_alpha(
    path: str | Path | None,
    codebook: Codebook,
    *,
    construct: str | None = None,
    items: Sequence[str] | None = None,
    missing: str = "listwise",
    chunksize: int = 100_000,
    ci_level: float = 0.95,
    exclude_rows: Sequence[int] | None = None,
    totals: ScanTotals | None = None,
    **options: Any,
) -> pd.DataFrame:
    """:func:`cmmc_analysis.reliability.cronbach_alpha` of an export read in partitions.

    Parameters
    ----------
    path, codebook, construct, items, chunksize, exclude_rows, options
        As in :func:`scan_export` (``construct`` applies its reverse keys).
    missing, ci_level
        As in :func:`cmmc_analysis.reliability.cronbach_alpha`.
    totals
        A scan already made (``path`` is then not read again).
    """
    if missing not in ("listwise", "pairwise"):
        raise SurveyDataError(
            f"parameter missing: expected one of ['listwise', 'pairwise'], found {missing!r}"
        )
    if totals is None:
        totals = scan_export(path, codebook, items=items, construct=construct,
                             chunksize=chunksize, exclude_rows=exclude_rows, **options)  # fmt: skip
    if not totals.cross:
        raise SurveyDataError(
            f"parameter items: expected at least 2 items, found {list(totals.items)}"
        )
    return alpha_from_cross_products(totals.cross[missing], ci_level=ci_level, missing=missing)


def merge_totals(parts: Iterable[ScanTotals]) -> ScanTotals:
    """Add scans of disjoint rows pairwise (a tree reduction, as a distributed engine does).

    The sums are of whole numbers, so any order of addition gives the same totals.
    """
    parts = list(parts)
    if not parts:
        raise SurveyDataError("parameter parts: expected at least one ScanTotals, found none")
    while len(parts) > 1:
        paired = [parts[j] + parts[j + 1] for j in range(0, len(parts) - 1, 2)]
        parts = paired + parts[len(parts) - len(parts) % 2 :]
    return parts[0]
