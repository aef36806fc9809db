"""Large exports in chunks: fast label scoring and summaries merged across chunks.

Scoring is row-local, and every summary the library reports for a scale item is a
function of sums: counts per level (:func:`cmmc_analysis.describe.counts.level_counts`) and
sums and cross-products of codes (:class:`cmmc_analysis.reliability.CrossProducts`).
So an export larger than memory is read in chunks (:func:`read_export_chunks`), each
chunk is scored (:func:`score_frame`) and reduced to those sums, and the sums are
added (:class:`ScanTotals`). The statistics of the merged sums are those of the whole
file: :func:`chunked_summary` equals :func:`cmmc_analysis.describe.likert.likert_summary` and
:func:`chunked_alpha` equals :func:`cmmc_analysis.reliability.cronbach_alpha` of the
same file read and cleaned in memory (``docs/performance.md``; the tests check it).

Labels are matched as the cleaner does (``docs/cleaning.md``, rules ``labels`` and
``not_an_answer``): exact label, else the :func:`cmmc_analysis.io.reader.normalise_text` key of
a label, else a not-an-answer label, else invalid; empty or blank cells are missing.
The match is computed once per *distinct* text of a chunk (Arrow dictionary encoding,
or ``pandas.factorize``) and spread to the rows with a small look-up array.

Rows are excluded by the row-local rules ``empty`` and ``straightliners`` (when the
codebook excludes them). Rules that need other rows or metadata (``duplicates``,
``speeders``, ``test_submissions``, ``outside_fieldwork``) cannot be decided within a
chunk: when the codebook configures them, pass the source rows they exclude
(``exclude_rows``, e.g. from a first pass over the metadata columns).

Examples
--------
>>> from cmmc_analysis.codebook import parse_codebook
>>> from cmmc_analysis.synth import likert_codebook_dict
>>> cb = parse_codebook(likert_codebook_dict(2))
>>> frame = pd.DataFrame({"q01": ["Molto d'accordo", "non so", None, " poco D’ACCORDO"],
...                       "q02": ["Poco d'accordo", "boh", "Non so", "Molto d'accordo"]})
>>> score_frame(frame, cb)
   q01  q02
0  5.0  2.0
1  NaN  NaN
2  NaN  NaN
3  2.0  5.0
"""

from __future__ import annotations

import csv
import io as _stdio
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .codebook import Codebook, Item
from .describe.counts import summary_from_counts
from .errors import ExportError, SurveyDataError
from .io.reader import DELIMITERS, map_headers, normalise_text
from .reliability import CrossProducts, alpha_from_cross_products, cross_products

__all__ = [
    "BLANK",
    "NOT_AN_ANSWER",
    "INVALID",
    "NOT_ASKED",
    "label_lookup",
    "level_indexes",
    "score_frame",
    "read_export_chunks",
    "ScanTotals",
    "scan_frame",
    "scan_export",
    "merge_totals",
    "chunked_summary",
    "chunked_alpha",
]

#: Level indexes returned by :func:`level_indexes` for missing answers (valid: 0..k-1).
BLANK, NOT_AN_ANSWER, INVALID, NOT_ASKED = -1, -2, -3, -4

#: Rules that need more than one row (or metadata columns) to decide.
_NON_LOCAL_RULES = ("test_submissions", "outside_fieldwork", "duplicates", "speeders")


# --- scoring ---------------------------------------------------------------------------


def label_lookup(
    uniques: Sequence[Any], labels: Sequence[str], not_an_answer: Sequence[str] = ()
) -> np.ndarray:
    """Level index of each distinct text: 0..k-1, or BLANK / NOT_AN_ANSWER / INVALID.

    The array has one more slot than ``uniques``, for a missing cell (BLANK).

    Examples
    --------
    >>> label_lookup(["Sì", "si ", "  ", "Non so", "forse"], ["No", "Sì"], ["Non so"]).tolist()
    [1, 1, -1, -2, -3, -1]
    """
    exact = {lab: i for i, lab in enumerate(labels)}
    canon = {normalise_text(lab): i for i, lab in enumerate(labels)}
    na_keys = {normalise_text(lab) for lab in not_an_answer}
    lut = np.full(len(uniques) + 1, BLANK, dtype=np.int8)
    for j, value in enumerate(uniques):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        if value in exact:
            lut[j] = exact[value]
            continue
        key = normalise_text(str(value))
        if not key:
            continue
        if key in canon:
            lut[j] = canon[key]
        elif key in na_keys:
            lut[j] = NOT_AN_ANSWER
        else:
            lut[j] = INVALID
    return lut


def _arrow_chunks(values: pd.Series) -> list[Any] | None:
    """The Arrow chunks of a pandas ``str`` column backed by pyarrow, else None."""
    arrow = getattr(values.array, "__arrow_array__", None)
    if arrow is None:
        return None
    import pyarrow as pa

    data = arrow()
    chunks = data.chunks if isinstance(data, pa.ChunkedArray) else [data]
    if not all(pa.types.is_string(c.type) or pa.types.is_large_string(c.type) for c in chunks):
        return None
    return chunks


def _match(
    values: pd.Series, labels: Sequence[str], not_an_answer: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """``(idx, lut)`` with ``lut[idx]`` the level index of each row (see level_indexes)."""
    chunks = _arrow_chunks(values)
    if chunks is None or not chunks:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        return codes, label_lookup(list(uniques), labels, not_an_answer)
    import pyarrow as pa
    import pyarrow.compute as pc

    data = pa.chunked_array(chunks, type=chunks[0].type)
    known = [*labels, *not_an_answer]
    found = pc.index_in(data, value_set=pa.array(known, type=data.type))
    idx = pc.fill_null(found, len(known)).to_numpy()
    lut = label_lookup(known, labels, not_an_answer)  # slot len(known): a blank cell
    other = idx == len(known)
    if data.null_count:
        other &= pc.is_valid(data).to_numpy(zero_copy_only=False)
    other = np.flatnonzero(other)  # texts not spelt exactly as a label
    if other.size:
        rest = data.take(pa.array(other)).to_numpy(zero_copy_only=False)
        codes, uniques = pd.factorize(rest, use_na_sentinel=True)
        extra = label_lookup(list(uniques), labels, not_an_answer)
        idx = idx.astype(np.int64)
        idx[other] = np.where(codes >= 0, lut.size + codes, len(known))
        lut = np.concatenate([lut, extra[:-1]])
    return idx, lut


def level_indexes(
    values: pd.Series, labels: Sequence[str], not_an_answer: Sequence[str] = ()
) -> np.ndarray:
    """Level index per row (int8): 0..k-1 for a label, else BLANK, NOT_AN_ANSWER or INVALID.

    Each distinct text is matched once (:func:`label_lookup`). For pyarrow-backed
    strings (the default ``str`` dtype of pandas 3) the cells spelt exactly as a label
    are found in one pass by ``pyarrow.compute.index_in`` and only the other texts
    are factorised; other columns go through ``pandas.factorize``.

    Examples
    --------
    >>> level_indexes(pd.Series(["Sì", None, "NO", "Non so"]), ["No", "Sì"], ["Non so"]).tolist()
    [1, -1, 0, -2]
    """
    idx, lut = _match(values, labels, not_an_answer)
    return lut[idx]


def _labels_of(item: Item, codebook: Codebook) -> tuple[list[str], list[str]]:
    """Canonical labels and not-an-answer labels of a scale or single-choice item."""
    if item.scale is not None:
        scale = codebook.scales[item.scale]
        return scale.labels(), scale.na_labels()
    src = codebook.source_language
    return item.option_labels(None, src), [lab.text(src) for lab in item.not_an_answer]


def _scale_items(codebook: Codebook, items: Sequence[str] | None, present: Iterable[str]):
    present = list(present)
    if items is None:
        return [i for i in codebook.scale_items if i in present]
    items = [items] if isinstance(items, str) else list(items)
    for item in items:
        if codebook.item(item).type != "scale":
            raise SurveyDataError(
                f"parameter items: {item!r} is of type {codebook.item(item).type!r}; "
                "expected a scale item"
            )
        if item not in present:
            raise SurveyDataError(f"item {item!r} is not a column of the data", column=item)
    return items


def score_frame(
    frame: pd.DataFrame, codebook: Codebook, *, items: Sequence[str] | None = None
) -> pd.DataFrame:
    """Scale items given as text labels, as float codes 1..k (NaN where missing).

    The fast equivalent of ``frame[items].replace(mapping).astype(float)`` that also
    reads labels written differently (case, spaces, accents, typographic apostrophes)
    as the cleaner does; not-an-answer, blank and unknown texts are NaN.

    Parameters
    ----------
    frame
        One text column per item, named by item id (as :func:`read_export_chunks` or
        :attr:`cmmc_analysis.io.reader.RawExport.data` hold them).
    codebook
        The codebook declaring the items' scales.
    items
        Scale item ids (default: every scale item of the codebook in ``frame``).

    Returns
    -------
    DataFrame
        Same index as ``frame``; one float column per item.

    Examples
    --------
    >>> from cmmc_analysis.codebook import parse_codebook
    >>> from cmmc_analysis.synth import likert_codebook_dict
    >>> cb = parse_codebook(likert_codebook_dict(1))
    >>> score_frame(pd.DataFrame({"q01": ["Non so", "Molto d'accordo"]}), cb)["q01"].tolist()
    [nan, 5.0]
    """
    items = _scale_items(codebook, items, frame.columns)
    columns = [frame[item] for item in items]
    labels = [_labels_of(codebook.item(item), codebook) for item in items]
    out = np.empty((len(items), len(frame)))  # row j: item j; the frame's block, no copy

    def fill(j: int) -> None:
        idx, lut = _match(columns[j], *labels[j])
        np.take(_as_codes(lut), idx, out=out[j])

    _each(fill, len(items), parallel=len(frame) >= _PARALLEL_ROWS)
    return pd.DataFrame(out.T, index=frame.index, columns=items, copy=False)


#: Columns are scored in threads from this many rows (Arrow and numpy release the GIL).
_PARALLEL_ROWS = 50_000


def _each(fn: Any, count: int, *, parallel: bool) -> None:
    """``fn(j)`` for j in range(count), in a thread per core when ``parallel``."""
    workers = min(count, os.cpu_count() or 1)
    if not parallel or workers < 2:
        for j in range(count):
            fn(j)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(fn, range(count)))  # list(): re-raises the first error


def _as_codes(idx: np.ndarray) -> np.ndarray:
    """Level indexes -> float codes 1..k with NaN for every missing reason."""
    lut = np.full(256, np.nan)
    lut[:127] = np.arange(1, 128, dtype=float)
    return lut[idx.astype(np.uint8)]  # negative indexes wrap to 128..255: NaN


# --- reading in chunks -----------------------------------------------------------------


def _header_and_delimiter(path: Path, encoding: str, delimiter: str | None):
    try:
        with open(path, encoding=encoding, newline="") as fh:
            sample = fh.read(1 << 16)
    except OSError as err:
        raise ExportError(f"cannot read the export: {err.strerror}", path=path) from err
    except UnicodeDecodeError as err:
        raise ExportError(
            f"cannot decode the first bytes as {encoding}; pass encoding= (e.g. 'cp1252')",
            path=path,
        ) from err
    first = sample.splitlines()[0] if sample else ""
    if not first.strip():
        raise ExportError("the header row is empty; expected column headers", path=path, row=1)
    delim = delimiter or max(DELIMITERS, key=first.count)
    header = next(csv.reader(_stdio.StringIO(sample), delimiter=delim))
    return header, delim


def read_export_chunks(
    path: str | Path,
    codebook: Codebook,
    *,
    chunksize: int = 100_000,
    items: Sequence[str] | None = None,
    encoding: str = "utf-8-sig",
    delimiter: str | None = None,
) -> Iterator[pd.DataFrame]:
    """Read a CSV export as text, ``chunksize`` records at a time.

    Headers are mapped to item ids as :func:`cmmc_analysis.io.reader.read_export` maps them.
    Each chunk has ``source_row`` (header = row 1) and one ``str`` column per item
    (only ``items`` when given), empty cells missing.

    Parameters
    ----------
    path
        The CSV export.
    codebook
        The codebook its headers are matched against.
    chunksize
        Records per chunk.
    items
        Item ids to keep (default: every item found).
    encoding
        Text encoding (default UTF-8, with or without BOM; ``"cp1252"`` for Windows).
    delimiter
        Field delimiter (default: the candidate of ``io.DELIMITERS`` most frequent in
        the header row).

    Yields
    ------
    DataFrame
        ``source_row`` and the item columns, in codebook order.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from cmmc_analysis.codebook import parse_codebook
    >>> from cmmc_analysis.synth import likert_codebook_dict
    >>> cb = parse_codebook(likert_codebook_dict(1))
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = f.write_text("segment;q01\\nCentro;Non so\\nNord-Est;\\nCentro;Poco d'accordo\\n")
    >>> [len(c) for c in read_export_chunks(f, cb, chunksize=2)]
    [2, 1]
    >>> next(read_export_chunks(f, cb, chunksize=2))["source_row"].tolist()
    [2, 3]
    """
    path = Path(path)
    if isinstance(chunksize, bool) or not isinstance(chunksize, int) or chunksize < 1:
        raise SurveyDataError(
            f"parameter chunksize: expected a positive integer, found {chunksize!r}"
        )
    header, delim = _header_and_delimiter(path, encoding, delimiter)
    header_map, _ = map_headers(header, codebook, path=path)
    wanted = list(header_map) if items is None else [i for i in header_map if i in set(items)]
    missing = [i for i in (items or []) if i not in header_map]
    if missing:
        raise ExportError(f"items {missing} have no column in the export", path=path)
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{j}" for j in range(len(header))]
    position = {h: j for j, h in enumerate(header)}
    columns = {item_id: names[position[header_map[item_id]]] for item_id in wanted}
    # Arrow's streaming reader: every column read as text, no Python object per cell
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(
            column_names=names,
            skip_rows=1,
            encoding="utf8" if encoding.replace("_", "-").lower() in _UTF8 else encoding,
            block_size=1 << 22,
        ),
        parse_options=pacsv.ParseOptions(delimiter=delim, quote_char='"', newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(columns.values(), pa.string()),
            include_columns=list(columns.values()),
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    start = 2
    pending: list[Any] = []
    count = 0

    def frame(table: Any) -> pd.DataFrame:
        out = table.to_pandas()
        out.columns = wanted
        out.insert(0, "source_row", np.arange(start, start + len(out), dtype=np.int64))
        return out

    try:
        for batch in reader:
            pending.append(batch)
            count += batch.num_rows
            while count >= chunksize:
                table = pa.Table.from_batches(pending)
                yield frame(table.slice(0, chunksize))
                start += chunksize
                rest = table.slice(chunksize)
                pending, count = rest.to_batches(), rest.num_rows
        if count:
            yield frame(pa.Table.from_batches(pending, schema=pending[0].schema))
    except (pa.ArrowInvalid, UnicodeDecodeError) as err:
        raise ExportError(
            f"cannot read the records after row {start - 1 + count}: {err}", path=path
        ) from err


_UTF8 = ("utf-8", "utf-8-sig", "utf8")


# --- merged totals -----------------------------------------------------------------------


@dataclass
class ScanTotals:
    """Sums over chunks of an export; ``a + b`` merges two scans of disjoint rows.

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


def _check_rules(codebook: Codebook, exclude_rows: Any) -> None:
    if exclude_rows is not None:
        return
    cfg = codebook.cleaning
    configured = []
    if cfg["test_submissions"].get("exclude", True) and cfg["test_submissions"].get("fields"):
        configured.append("test_submissions")
    if cfg["outside_fieldwork"].get("exclude", True) and (
        codebook.fieldwork_start is not None or codebook.fieldwork_end is not None
    ):
        configured.append("outside_fieldwork")
    dup_key = cfg["duplicates"].get("key") or (
        [codebook.role("respondent_key")] if codebook.role("respondent_key") else []
    )
    if cfg["duplicates"].get("exclude", True) and dup_key:
        configured.append("duplicates")
    if cfg["speeders"].get("exclude", True) and codebook.role("duration"):
        configured.append("speeders")
    if configured:
        raise SurveyDataError(
            f"the codebook configures the rules {configured}, which need other rows or "
            "metadata and cannot be decided chunk by chunk; expected exclude_rows (the "
            "source rows they exclude, e.g. survey.log.excluded['source_row'] of a first pass)"
        )


def _scan_chunk(chunk, codebook, items, construct, by, groups, exclude, config) -> ScanTotals:
    """The totals of one chunk (see :func:`scan_export`)."""
    n = len(chunk)
    keep = np.ones(n, dtype=bool)
    excluded: dict[str, int] = {}
    if exclude is not None:
        hit = np.isin(chunk["source_row"].to_numpy(), exclude)
        excluded["exclude_rows"] = int(hit.sum())
        keep &= ~hit
    question_cols = [
        c
        for c in chunk.columns
        if c != "source_row" and c not in (codebook.role("submitted_at"), codebook.role("duration"))
    ]
    levels: dict[str, np.ndarray] = {}

    def level(item_id: str) -> np.ndarray:
        if item_id not in levels:
            levels[item_id] = level_indexes(
                chunk[item_id], *_labels_of(codebook.item(item_id), codebook)
            )
        return levels[item_id]

    if config["empty"].get("exclude", True):
        answered = np.zeros(n, dtype=bool)
        for col in question_cols:
            if codebook.item(col).type in ("scale", "single"):  # blank as the cleaner sees it
                answered |= level(col) != BLANK
                continue
            length = chunk[col].astype("str").str.strip().str.len()
            answered |= (length > 0).to_numpy(dtype=bool, na_value=False)
        hit = keep & ~answered
        excluded["empty"] = int(hit.sum())
        keep &= ~hit
    for item_id in items:
        cond = codebook.item(item_id).asked_if
        if cond and cond.get("item") in chunk:
            labels = _labels_of(codebook.item(cond["item"]), codebook)[0]
            allowed = [labels.index(v) for v in cond["in"] if v in labels]
            x = level(item_id).copy()
            x[~np.isin(level(cond["item"]), allowed)] = NOT_ASKED
            levels[item_id] = x
    straight = config["straightliners"]
    if straight.get("exclude", True):
        hit = np.zeros(n, dtype=bool)
        for grid in codebook.grids.values():
            grid_items = [i for i in grid.items if i in chunk]
            if len(grid_items) < int(straight["min_items"]) or not all(
                codebook.item(i).type == "scale" for i in grid_items
            ):
                continue
            first = level(grid_items[0])
            same = first >= 0
            for other in grid_items[1:]:
                same &= level(other) == first
            hit |= same
        hit &= keep
        excluded["straightliners"] = int(hit.sum())
        keep &= ~hit
    rows = np.flatnonzero(keep)
    g = np.zeros(rows.size, dtype=np.int64)
    if by is not None:
        g = level(by)[rows].astype(np.int64)  # missing (negative) -> left out
    size = len(groups)
    counts, naa, miss, codes = {}, {}, {}, {}
    reverse = set(codebook.constructs[construct].reverse) if construct else set()
    for item_id in items:
        k = codebook.scale_of(item_id).k
        x = level(item_id)[rows].astype(np.int64)
        ok_g = g >= 0
        idx = np.where((x >= 0) & ok_g, g * k + x, size * k)
        counts[item_id] = np.bincount(idx, minlength=size * k + 1)[:-1].reshape(size, k)
        naa[item_id] = np.bincount(
            np.where((x == NOT_AN_ANSWER) & ok_g, g, size), minlength=size + 1
        )[:-1]
        miss[item_id] = np.bincount(
            np.where((x < 0) & (x != NOT_AN_ANSWER) & ok_g, g, size), minlength=size + 1
        )[:-1]
        c = _as_codes(x.astype(np.int8))
        codes[item_id] = (1 + k) - c if item_id in reverse else c
    cross = {}
    if len(items) >= 2:
        frame = pd.DataFrame(codes)
        cross = {rule: cross_products(frame, missing=rule) for rule in ("listwise", "pairwise")}
    return ScanTotals(
        tuple(items),
        {i: codebook.scale_of(i).k for i in items},
        groups,
        counts,
        naa,
        miss,
        cross,
        n,
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
) -> ScanTotals:
    """The totals of one chunk (a partition of a distributed DataFrame, for example).

    ``frame`` holds text columns named by item id and ``source_row`` (as the chunks
    of :func:`read_export_chunks`); the other parameters are those of
    :func:`scan_export`. Scans of disjoint rows add up (:func:`merge_totals`).

    Examples
    --------
    >>> from cmmc_analysis.codebook import parse_codebook
    >>> from cmmc_analysis.synth import likert_codebook_dict
    >>> cb = parse_codebook(likert_codebook_dict(2))
    >>> part = pd.DataFrame({"source_row": [2, 3], "q01": ["Non so", "Poco d'accordo"],
    ...                      "q02": ["Molto d'accordo", None]})
    >>> t = scan_frame(part, cb) + scan_frame(part.assign(source_row=[4, 5]), cb)
    >>> t.counts["q01"].tolist(), t.not_an_answer["q01"].tolist(), t.missing["q02"].tolist()
    ([[0, 2, 0, 0, 0]], [2], [2])
    """
    construct_items, groups = _prepare(codebook, items, construct, by)
    _check_rules(codebook, exclude_rows)
    exclude = None if exclude_rows is None else np.unique(np.asarray(exclude_rows, dtype=np.int64))
    chosen = _scale_items(codebook, construct_items, frame.columns)
    if by is not None and by not in frame:
        raise SurveyDataError(f"parameter by: {by!r} has no column in the data", column=by)
    return _scan_chunk(frame, codebook, chosen, construct, by, groups, exclude, codebook.cleaning)


def _prepare(codebook: Codebook, items, construct, by) -> tuple[Any, list[Any]]:
    """Check construct and by; the items to scan and the groups of ``by``."""
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
    return items, [None] if by is None else _labels_of(codebook.item(by), codebook)[0]


def scan_export(
    path: str | Path,
    codebook: Codebook,
    *,
    items: Sequence[str] | None = None,
    construct: str | None = None,
    by: str | None = None,
    chunksize: int = 100_000,
    exclude_rows: Sequence[int] | None = None,
    **read_options: Any,
) -> ScanTotals:
    """One pass over an export in chunks: level counts and cross-products, merged.

    Parameters
    ----------
    path, codebook, chunksize
        As in :func:`read_export_chunks`.
    items
        Scale items (default: the items of ``construct``, else every scale item found).
    construct
        A construct id: its items, reverse-keyed in the cross-products.
    by
        A single-choice item (segment) to break the counts down by.
    exclude_rows
        Source rows to leave out (the rules that need other rows; see the module notes).
    **read_options
        ``encoding``, ``delimiter`` for :func:`read_export_chunks`.

    Returns
    -------
    ScanTotals
        The merged sums; :func:`chunked_summary` and :func:`chunked_alpha` turn them
        into the library's tables.
    """
    items, groups = _prepare(codebook, items, construct, by)
    _check_rules(codebook, exclude_rows)
    exclude = None if exclude_rows is None else np.unique(np.asarray(exclude_rows, dtype=np.int64))
    config = codebook.cleaning
    total: ScanTotals | None = None
    for chunk in read_export_chunks(path, codebook, chunksize=chunksize, **read_options):
        chosen = _scale_items(codebook, items, chunk.columns)
        if by is not None and by not in chunk:
            raise SurveyDataError(f"parameter by: {by!r} has no column in the export", column=by)
        part = _scan_chunk(chunk, codebook, chosen, construct, by, groups, exclude, config)
        total = part if total is None else total + part
    if total is None:
        raise ExportError("the file has a header row but no records", path=Path(path))
    return total


def chunked_summary(
    path: str | Path,
    codebook: Codebook,
    *,
    items: Sequence[str] | None = None,
    by: str | None = None,
    chunksize: int = 100_000,
    ci_level: float = 0.95,
    exclude_rows: Sequence[int] | None = None,
    totals: ScanTotals | None = None,
    **read_options: Any,
) -> pd.DataFrame:
    """:func:`cmmc_analysis.describe.likert.likert_summary` of an export read in chunks.

    Parameters
    ----------
    path, codebook, items, by, chunksize, exclude_rows, read_options
        As in :func:`scan_export`.
    ci_level
        As in :func:`cmmc_analysis.describe.likert.likert_summary`.
    totals
        A scan already made (``path`` is then not read again).

    Returns
    -------
    DataFrame
        The columns of :func:`cmmc_analysis.describe.likert.likert_summary` (unweighted):
        ``item``, ``label``, [``segment``, ``group``], ``n``, ``n_not_an_answer``,
        ``n_missing``, ``n_eff``, ``mean``, ``sd``, ``median``, ``top2``, ``ci_low``,
        ``ci_high``, ``bottom2``, ``net``, ``share_1`` .. ``share_k``, ``weighted``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from cmmc_analysis.codebook import parse_codebook
    >>> from cmmc_analysis.synth import likert_codebook_dict
    >>> cb = parse_codebook(likert_codebook_dict(1))
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = f.write_text("segment,q01\\nCentro,Non so\\nCentro,Molto d'accordo\\nCentro,Poco d'accordo\\n")
    >>> chunked_summary(f, cb, chunksize=2)[["item", "n", "n_not_an_answer", "mean"]]
      item  n  n_not_an_answer  mean
    0  q01  2                1   3.5
    """
    if totals is None:
        totals = scan_export(
            path,
            codebook,
            items=items,
            by=by,
            chunksize=chunksize,
            exclude_rows=exclude_rows,
            **read_options,
        )
    parts = []
    for item in totals.items if items is None else list(items):
        part = summary_from_counts(totals.counts[item], ci_level=ci_level)
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
    path: str | Path,
    codebook: Codebook,
    *,
    construct: str | None = None,
    items: Sequence[str] | None = None,
    missing: str = "listwise",
    chunksize: int = 100_000,
    ci_level: float = 0.95,
    exclude_rows: Sequence[int] | None = None,
    totals: ScanTotals | None = None,
    **read_options: Any,
) -> pd.DataFrame:
    """:func:`cmmc_analysis.reliability.cronbach_alpha` of an export read in chunks.

    Parameters
    ----------
    path, codebook, construct, items, chunksize, exclude_rows, read_options
        As in :func:`scan_export` (``construct`` applies its reverse keys).
    missing, ci_level
        As in :func:`cmmc_analysis.reliability.cronbach_alpha`.
    totals
        A scan already made (``path`` is then not read again).

    Returns
    -------
    DataFrame
        One row: ``estimate``, ``ci_low``, ``ci_high``, ``ci_level``, ``ci_method``,
        ``alpha_std``, ``n``, ``k``, ``missing_rule``, ``method``, ``note``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from cmmc_analysis.codebook import parse_codebook
    >>> from cmmc_analysis.synth import likert_codebook_dict
    >>> cb = parse_codebook(likert_codebook_dict(2))
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> rows = ["Centro,Molto d'accordo,Molto d'accordo", "Centro,Poco d'accordo,Non so",
    ...         "Centro,Poco d'accordo,Per nulla d'accordo", "Centro,Non so,Poco d'accordo"]
    >>> _ = f.write_text("segment,q01,q02\\n" + "\\n".join(rows * 2) + "\\n")
    >>> chunked_alpha(f, cb, chunksize=3)[["estimate", "n", "k"]]
       estimate  n  k
    0  0.979592  4  2
    """
    if missing not in ("listwise", "pairwise"):
        raise SurveyDataError(
            f"parameter missing: expected one of ['listwise', 'pairwise'], found {missing!r}"
        )
    if totals is None:
        totals = scan_export(
            path,
            codebook,
            items=items,
            construct=construct,
            chunksize=chunksize,
            exclude_rows=exclude_rows,
            **read_options,
        )
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
