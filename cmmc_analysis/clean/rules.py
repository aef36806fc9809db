"""The exclusion rules that need other rows, decided in one pass over a few columns.

``empty`` is row-local but decides which rows the others see, so it is computed with
them. ``test_submissions`` (markers in the key fields), ``outside_fieldwork`` (the
timestamp), ``duplicates`` (the key, the timestamp) and ``speeders`` (the median
duration of the rows still in) each read one or two columns. A partition is reduced
to its :class:`Meta` (per row: source row, emptiness, the marker found, the raw
timestamp and duration, the normalised key) and its :class:`Evidence` (what decides
the decimal separator and the timestamp formats over the whole export); metas and
evidences of disjoint partitions concatenate and merge, and :func:`decide` applies
the rules to the whole export at once. The result does not depend on the partitioning.

Examples
--------
>>> from cmmc_analysis.clean.codes import EXCLUSION_RULES
>>> from cmmc_analysis.codebook import load_codebook
>>> cb = load_codebook()
>>> df = pd.DataFrame({"source_row": [2, 3, 4], "submitted_at": ["2020-03-10 09:00"] * 3,
...                    "duration_s": ["300", "20", "310"], "email": ["a@x", "b@x", "A@x "]},
...                   dtype="str").astype({"source_row": int})
>>> meta, evidence = first_pass(df, cb, cb.cleaning)
>>> settings = Settings.from_evidence(evidence, delimiter=",")
>>> d = decide(meta, cb, cb.cleaning, settings)
>>> [EXCLUSION_RULES[r] if r >= 0 else "" for r in d.rule]
['duplicates', 'speeders', '']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..codebook import Codebook
from .codes import GLOBAL_RULES
from .parse import Parsed, answered, dropped
from .text import arrow_strings, factorize, key_text, normalise_array
from .values import (
    ALL_FORMATS,
    allowed_formats,
    choose_timestamp_format,
    decimal_evidence,
    decimal_from_evidence,
    parse_numbers,
    parse_timestamps,
    timestamp_fits,
)

__all__ = [
    "Meta",
    "Evidence",
    "Settings",
    "Decision",
    "first_pass",
    "evidence_of",
    "row_meta",
    "decide",
    "fields",
]


@dataclass
class Meta:
    """Per row, what the rules that need other rows read (one partition or many)."""

    source_row: np.ndarray
    empty: np.ndarray
    marker: np.ndarray  # index into the (field, marker) reasons; -1: none
    timestamp: pa.Array | pa.ChunkedArray | None
    duration: pa.Array | pa.ChunkedArray | None
    key: pa.Array | pa.ChunkedArray | None
    reasons: tuple[str, ...] = ()
    key_fields: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.source_row)

    @staticmethod
    def concat(parts: Sequence[Meta]) -> Meta:
        """The metas of consecutive partitions, as one (the texts as one chunked array:
        no copy, so the partitions' metas and this one share their memory)."""

        def cat(name):
            arrays = [getattr(p, name) for p in parts]
            return None if arrays[0] is None else pa.chunked_array(arrays)

        first = parts[0]
        return Meta(
            np.concatenate([p.source_row for p in parts]),
            np.concatenate([p.empty for p in parts]),
            np.concatenate([p.marker for p in parts]),
            cat("timestamp"),
            cat("duration"),
            cat("key"),
            first.reasons,
            first.key_fields,
        )


@dataclass
class Evidence:
    """What decides the decimal separator and each timestamp column's format."""

    comma: np.ndarray
    dot: np.ndarray
    timestamp_masks: dict[str, int] = field(default_factory=dict)

    def __add__(self, other: Evidence) -> Evidence:
        masks = dict(self.timestamp_masks)
        for k, v in other.timestamp_masks.items():
            masks[k] = masks.get(k, ALL_FORMATS) & v
        return Evidence(np.union1d(self.comma, other.comma), np.union1d(self.dot, other.dot), masks)


@dataclass(frozen=True)
class Settings:
    """Decisions about the whole export that every partition is parsed with."""

    decimal: str = "."
    timestamp_formats: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def from_evidence(
        evidence: Evidence, *, delimiter: str | None, decimal: str | None = None
    ) -> Settings:
        formats = {k: choose_timestamp_format(v) for k, v in evidence.timestamp_masks.items()}
        dec = decimal or decimal_from_evidence((evidence.comma, evidence.dot), delimiter)
        return Settings(dec, formats)


def fields(ids: Any, codebook: Codebook, columns: Iterable[str]) -> list[str]:
    """Configured key fields (default: the ``respondent_key`` item) present in the export."""
    ids = list(ids or [])
    if not ids and codebook.role("respondent_key"):
        ids = [codebook.role("respondent_key")]
    columns = set(columns)
    return [i for i in ids if i in columns]


def first_pass(
    df: pd.DataFrame,
    codebook: Codebook,
    config: dict[str, dict[str, Any]],
    cache: dict[str, Any] | None = None,
) -> tuple[Meta, Evidence]:
    """The :class:`Meta` and :class:`Evidence` of one partition (row-local work only);
    ``cache``: see :func:`evidence_of`."""
    return row_meta(df, codebook, config), evidence_of(df, codebook, cache)


def evidence_of(
    df: pd.DataFrame, codebook: Codebook, cache: dict[str, Any] | None = None
) -> Evidence:
    """What one partition says about the decimal separator and the timestamp formats.

    ``cache`` (a dict) receives, per timestamp column, its distinct values and what the
    formats tried read, for :func:`cmmc_analysis.clean.parse.parse_partition` of the
    same partition.
    """
    numeric = [c for c in df.columns if c != "source_row" and _is(codebook, c, "numeric")]
    comma, dot = decimal_evidence([df[c] for c in numeric])
    masks = {}
    for c in df.columns:
        if c != "source_row" and _is(codebook, c, "datetime"):
            codes, uniques = factorize(df[c])
            parsed: dict[int, np.ndarray] = {}
            masks[c] = timestamp_fits(uniques, parsed) & allowed_formats(codebook.items[c].dayfirst)
            if cache is not None:
                cache[c] = (codes, uniques, parsed)
    return Evidence(comma, dot, masks)


def row_meta(
    df: pd.DataFrame,
    codebook: Codebook,
    config: dict[str, dict[str, Any]],
    parsed: dict[str, Parsed] | None = None,
) -> Meta:
    """Per row of one partition, what the rules that need other rows read."""
    n = len(df)
    empty = ~answered(df, codebook, parsed)
    markers = [str(m) for m in config["test_submissions"].get("markers") or []]
    test_fields = fields(config["test_submissions"].get("fields"), codebook, df.columns)
    marker = np.full(n, -1, dtype=np.int32)
    reasons: list[str] = []
    if markers and test_fields:
        keys = [normalise_array([m]).to_pylist()[0] for m in markers]
        for j, f in enumerate(test_fields):
            found = _marker_found(df[f], keys)
            reasons += [f"marker {k!r} in {f}" for k in keys]
            new = (found >= 0) & (marker < 0)
            marker[new] = j * len(markers) + found[new]
    when, dur = codebook.role("submitted_at"), codebook.role("duration")
    parsed = parsed or {}
    dup_fields = fields(config["duplicates"].get("key"), codebook, df.columns)
    return Meta(
        df["source_row"].to_numpy(dtype=np.int64),
        empty,
        marker,
        arrow_strings(df[when]) if when in df.columns and when not in parsed else None,
        arrow_strings(df[dur])
        if dur in df.columns and _is(codebook, dur, "numeric") and dur not in parsed
        else None,
        key_text(df, dup_fields) if dup_fields else None,
        tuple(reasons),
        tuple(dup_fields),
    )


def _is(codebook: Codebook, item_id: str, kind: str) -> bool:
    item = codebook.items[item_id]
    return item.type == kind and not dropped(item)


def _marker_found(col: pd.Series, keys: list[str]) -> np.ndarray:
    """Index of the marker found as a whole word in each cell (-1: none), vectorised.

    Words are split on anything but letters and digits; the text is compared after
    normalisation (case, accents; ``keys`` are the normalised markers). The first
    marker in the text counts.
    """
    pattern = r"(?:^|[^\pL\pN])(?P<m>" + "|".join(re.escape(k) for k in keys) + r")(?:[^\pL\pN]|$)"
    if all(k.isascii() for k in keys) and not _candidates(arrow_strings(col), keys).any():
        return np.full(len(col), -1, dtype=np.int32)  # no cell can hold a marker: no factorize
    codes, uniques = pd.factorize(pd.Series(col, dtype="str", copy=False), use_na_sentinel=True)
    raw = arrow_strings(pd.array(uniques, dtype="str"))
    # Only texts holding a marker (any case) or a character outside ASCII (an accent, a
    # compatibility form) can hold one once normalised: the others are never normalised.
    if all(k.isascii() for k in keys):
        picked = np.flatnonzero(_candidates(raw, keys))
    else:
        picked = np.arange(len(raw))
    lut = np.full(len(raw) + 1, -1, dtype=np.int32)
    if picked.size == 0:
        return lut[np.asarray(codes)]
    text = normalise_array(raw.take(pa.array(picked)))
    hit = pc.struct_field(pc.extract_regex(text, pattern), [0])
    index = pc.fill_null(pc.index_in(hit, value_set=pa.array(keys, type=hit.type)), -1)
    lut[picked] = index.to_numpy(zero_copy_only=False).astype(np.int32)
    return lut[np.asarray(codes)]


def _candidates(raw: pa.Array, keys: list[str]) -> np.ndarray:
    """Texts that can hold an ASCII marker once normalised: one holding it in any case,
    or a character outside ASCII (an accent, a compatibility form)."""
    candidate = pc.invert(pc.fill_null(pc.string_is_ascii(raw), True))
    for k in keys:
        found = pc.match_substring(raw, k, ignore_case=True)
        candidate = pc.or_(candidate, pc.fill_null(found, False))
    return candidate.to_numpy(zero_copy_only=False)


@dataclass
class Decision:
    """The verdict of the rules that need other rows, per row of the export."""

    rule: np.ndarray  # int8: index into EXCLUSION_RULES, -1 still in
    reason: np.ndarray  # object: the reason of an excluded row
    flag_speeder: np.ndarray
    flagged: dict[str, np.ndarray]  # rules with exclude: false -> rows they match
    interim: np.ndarray | None  # submitted before the default cut-off (flow table)

    def __len__(self) -> int:
        return len(self.rule)

    def rows(self, start: int, stop: int) -> Decision:
        """The decision for rows ``start:stop`` (one partition)."""
        s = slice(start, stop)
        return replace(
            self,
            rule=self.rule[s],
            reason=self.reason[s],
            flag_speeder=self.flag_speeder[s],
            flagged={k: v[s] for k, v in self.flagged.items()},
            interim=None if self.interim is None else self.interim[s],
        )


def decide(
    meta: Meta,
    codebook: Codebook,
    config: dict[str, dict[str, Any]],
    settings: Settings,
    parsed: dict[str, Parsed] | None = None,
) -> Decision:
    """Apply ``empty`` and the rules that need other rows, in order, to the whole export.

    ``parsed``: the whole export already parsed (one partition), whose timestamp and
    duration are then used rather than parsed again from ``meta``.
    """
    n = len(meta)
    when, dur_id = codebook.role("submitted_at"), codebook.role("duration")
    parsed = parsed or {}
    ts = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    if when in parsed:
        ts = parsed[when].values
    elif meta.timestamp is not None:
        codes, uniques = pd.factorize(pd.Series(meta.timestamp, dtype="str"), use_na_sentinel=True)
        item = codebook.items[when]
        fmt = item.format or settings.timestamp_formats.get(when)
        values, _, _ = parse_timestamps(uniques, fmt=fmt, allowed=allowed_formats(item.dayfirst))
        ts = values[np.asarray(codes)]
    dur = np.full(n, np.nan)
    started = codebook.role("started_at")
    if dur_id in parsed and parsed[dur_id].kind == "num":
        dur = parsed[dur_id].values
    elif dur_id is None and started in parsed and when in parsed:  # from start and end
        dur = (parsed[when].values - parsed[started].values) / np.timedelta64(1, "s")
    elif meta.duration is not None:
        item = codebook.items[codebook.role("duration")]
        codes, uniques = pd.factorize(pd.Series(meta.duration, dtype="str"), use_na_sentinel=True)
        nas = [lab.text(codebook.source_language) for lab in item.not_an_answer]
        values, _, _ = parse_numbers(uniques, decimal=settings.decimal, unit=item.unit,
                                     lo=item.min, hi=item.max, not_an_answer=nas)  # fmt: skip
        dur = values[np.asarray(codes)]
    cut = codebook.cutoffs.get(codebook.default_cutoff) if codebook.default_cutoff else None
    rule = np.full(n, -1, dtype=np.int8)
    reason = np.full(n, None, dtype=object)
    alive = np.ones(n, dtype=bool)
    flagged: dict[str, np.ndarray] = {}
    flag_speeder = np.zeros(n, dtype=bool)
    for step, name in enumerate(GLOBAL_RULES):
        if name == "empty":
            hit, why = meta.empty.copy(), "no answer in any question item"
        elif name == "test_submissions":
            hit = meta.marker >= 0
            why = np.array([*meta.reasons, None], dtype=object)[meta.marker]
        elif name == "outside_fieldwork":
            hit, why = _outside(ts, codebook)
        elif name == "duplicates":
            hit, why = _duplicates(meta, ts, alive, codebook, config)
        else:
            hit, why = _speeders(dur, alive, config)
            flag_speeder = hit.copy()
        hit &= alive
        if config[name].get("exclude", True):
            rule[hit] = step
            reason[hit] = why[hit] if isinstance(why, np.ndarray) else why
            alive &= ~hit
        else:
            flagged[name] = hit
    interim = (ts < np.datetime64(cut)) if cut is not None else None
    return Decision(rule, reason, flag_speeder, flagged, interim)


def _outside(ts: np.ndarray, codebook: Codebook):
    hit = np.zeros(len(ts), dtype=bool)
    reason = np.full(len(ts), None, dtype=object)
    start, end = codebook.fieldwork_start, codebook.fieldwork_end
    if start is not None:
        early = ts < np.datetime64(start)
        reason[early] = f"submitted before the fieldwork start {start}"
        hit |= early
    if end is not None:
        late = ts > np.datetime64(end)
        reason[late] = f"submitted after the fieldwork end {end}"
        hit |= late
    return hit, reason


def _duplicates(meta: Meta, ts, alive, codebook: Codebook, config):
    cfg = config["duplicates"]
    n = len(meta)
    hit = np.zeros(n, dtype=bool)
    reason = np.full(n, None, dtype=object)
    if meta.key is None:
        return hit, reason
    key_codes, _ = pd.factorize(pd.Series(meta.key, dtype="str"), use_na_sentinel=True)
    key_codes = np.asarray(key_codes)
    cand = np.flatnonzero(alive & (key_codes >= 0))
    if cand.size == 0 or np.bincount(key_codes[cand]).max() == 1:  # no key twice: no sort
        return hit, reason
    stamp = ts[cand].astype("datetime64[ns]").view(np.int64)  # NaT sorts first
    order = cand[np.lexsort((cand, stamp, key_codes[cand]))]
    k = key_codes[order]
    same_next = np.r_[k[1:] == k[:-1], False]
    same_prev = np.r_[False, k[1:] == k[:-1]]
    keep = cfg.get("keep", "last")
    dup = same_next if keep == "last" else same_prev
    # the row each group keeps: its last (or first) member in sorted order
    group = np.cumsum(~same_prev) - 1
    pos = np.flatnonzero(~same_next) if keep == "last" else np.flatnonzero(~same_prev)
    kept_row = meta.source_row[order[pos[group]]]
    rows = order[dup]
    hit[rows] = True
    reason[rows] = (
        f"same {'+'.join(meta.key_fields)} as source row "
        + pd.Series(kept_row[dup]).astype(str)
        + f" (kept: {keep})"
    ).to_numpy(dtype=object)
    return hit, reason


def _speeders(dur: np.ndarray, alive: np.ndarray, config):
    n = len(dur)
    valid = dur[alive & ~np.isnan(dur)]
    if valid.size == 0:
        return np.zeros(n, dtype=bool), None
    frac = float(config["speeders"]["fraction_of_median"])
    threshold = frac * float(np.median(valid))
    return dur < threshold, f"duration below {frac:g} x median duration ({threshold:g} s)"
