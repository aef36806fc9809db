"""Row-local parsing: each cell of a partition, read with the codebook's rules.

Everything here looks at one row at a time (or at the distinct values of one column),
so a partition of an export is parsed the same whether it is the whole file or a slice
of it: labels to codes (rule ``labels``, ``not_an_answer``), numbers and timestamps
(:mod:`cmmc_analysis.clean.values`), multiple choice (``multi``), skip logic
(``skip_logic``), and the two exclusion rules that need only the row itself, ``empty``
(:func:`answered`) and ``straightliners`` (:func:`straight_lines`).

A column is parsed on its *distinct* values: for label columns the cells spelt exactly
as a label are found in one Arrow pass (``pyarrow.compute.index_in``) and only the other
texts are factorised; numbers and timestamps are parsed over ``pd.factorize``'s uniques.

Examples
--------
>>> from cmmc_analysis.clean.codes import ACTIONS
>>> from cmmc_analysis.codebook import parse_codebook
>>> cb = parse_codebook({
...     "survey": {"id": "tiny", "source_language": "en", "languages": ["en"]},
...     "scales": {"yn": {"points": [{"en": "No"}, {"en": "Yes"}],
...                       "not_an_answer": [{"en": "Don't know"}]}},
...     "items": [{"id": "q1", "type": "scale", "scale": "yn", "text": {"en": "Q1"}}],
... })
>>> p = parse_item(pd.Series(["Yes", " no", "Don’t know", None], dtype="str"), cb.items["q1"], cb)
>>> p.values.tolist(), p.reason.tolist(), [ACTIONS[a] for a in p.action]
([1, 0, -1, -1], [-1, -1, 0, 1], ['', 'normalised', 'not_an_answer', ''])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import Codebook, Item
from ..io.reader import normalise_text
from .codes import _BLANK, _INVALID, _NAA, _NOT_ASKED, REDACTED, A
from .options import match_options, option_keys
from .text import factorize, nonblank
from .values import allowed_formats, parse_numbers, parse_timestamps

__all__ = [
    "Parsed",
    "parse_item",
    "parse_partition",
    "answered",
    "straight_lines",
    "failed_attention",
    "other_texts",
    "dropped",
]


@dataclass
class Parsed:
    """One item of a partition parsed: per row values, missing reason and logged action.

    ``raw`` and ``codes`` give each row's raw text (``raw[codes]``, a missing cell
    where ``codes`` is -1), kept for the log.
    """

    kind: str  # "cat", "num", "time", "multi"
    values: np.ndarray  # codes (cat), floats (num), datetime64 (time), bool matrix (multi)
    reason: np.ndarray  # int8, -1 answered
    action: np.ndarray  # int8 index into ACTIONS
    rule: str  # the value rule of this item's actions
    raw: Any  # distinct raw texts: numpy object array (last slot None) or a pandas array
    codes: np.ndarray
    answered_raw: np.ndarray  # bool: a non-blank raw value
    categories: list[str] | None = None

    def raw_values(self, rows: np.ndarray) -> np.ndarray:
        """The raw text of ``rows`` (object array, None where the cell is missing)."""
        idx = self.codes[rows]
        if isinstance(self.raw, np.ndarray):
            return self.raw[idx]
        return np.asarray(self.raw.take(idx, allow_fill=True), dtype=object)


def dropped(item: Item) -> bool:
    """Items that never enter the analysis table: personal data and free text."""
    return item.pii or item.type == "text"


def labels_of(item: Item, codebook: Codebook) -> tuple[list[str], list[str]]:
    """Canonical labels and not-an-answer labels of a scale or choice item."""
    if item.scale is not None:
        scale = codebook.scales[item.scale]
        return scale.labels(), scale.na_labels()
    src = codebook.source_language
    return item.option_labels(None, src), [lab.text(src) for lab in item.not_an_answer]


def parse_partition(
    df: pd.DataFrame,
    codebook: Codebook,
    *,
    decimal: str = ".",
    timestamp_formats: dict[str, int] | None = None,
    columns: list[str] | None = None,
    cache: dict[str, Any] | None = None,
) -> dict[str, Parsed]:
    """Parse every analysed item of a partition (``columns``: only these), skip logic applied.

    ``timestamp_formats`` maps datetime items to the format decided for the whole
    export (:func:`cmmc_analysis.clean.values.choose_timestamp_format`); ``cache``:
    what :func:`cmmc_analysis.clean.rules.evidence_of` already read of this partition.
    """
    formats = timestamp_formats or {}
    cache = cache or {}
    wanted = [c for c in df.columns if c != "source_row"] if columns is None else columns
    parsed = {
        item_id: parse_item(
            df[item_id],
            codebook.items[item_id],
            codebook,
            decimal,
            formats.get(item_id),
            cache.get(item_id),
        )
        for item_id in wanted
        if item_id in df.columns and not dropped(codebook.items[item_id])
    }
    apply_skip_logic(parsed, codebook)
    return parsed


def parse_item(
    col: pd.Series,
    item: Item,
    codebook: Codebook,
    decimal: str = ".",
    timestamp_format: int | str | None = None,
    cached: tuple | None = None,
) -> Parsed:
    """One column parsed with its item's value rule (see ``docs/cleaning.md``)."""
    if item.type in ("scale", "single"):
        labels, nas = labels_of(item, codebook)
        aliases = codebook.scales[item.scale].aliases if item.scale else item.aliases
        categories = labels
        if item.scale and codebook.scales[item.scale].numbered:  # cells hold "1".."k"
            labels = [str(i) for i in range(1, len(categories) + 1)]
            aliases = {
                **{str(i + 1): (c,) for i, c in enumerate(categories) if c != str(i + 1)},
                **{labels[categories.index(c)]: v for c, v in aliases.items()},
            }
        codes, raw_lut, uniq = label_codes(col, labels, nas)
        code, reason, action = label_lut(
            uniq, labels, nas, aliases=aliases, other=item.other, sep=item.separator
        )
        raw_lut[: len(uniq)][action[: len(uniq)] == A["other"]] = REDACTED
        filled = np.array([bool(u.strip()) for u in uniq] + [False], dtype=bool)
        return Parsed(
            "cat", code[codes], reason[codes], action[codes], "labels", raw_lut, codes,
            filled[codes], categories,
        )  # fmt: skip
    codes, uniques = factorize(col) if cached is None else cached[:2]
    present = np.append(nonblank(uniques), False)[codes]
    if item.type == "multi":
        return _parse_multi(codes, uniques, item, codebook, present)
    if item.type == "numeric":
        nas = [lab.text(codebook.source_language) for lab in item.not_an_answer]
        values, reason, action = parse_numbers(
            uniques, decimal=decimal, unit=item.unit, lo=item.min, hi=item.max, not_an_answer=nas
        )
        kind, rule = "num", "numbers"
    else:  # datetime
        ts_cache = cached[2] if cached is not None else None
        values, reason, action = parse_timestamps(
            uniques,
            fmt=item.format or timestamp_format,
            parsed=ts_cache,
            allowed=allowed_formats(item.dayfirst),
        )
        kind, rule = "time", "timestamps"
    return Parsed(kind, values[codes], reason[codes], action[codes], rule, uniques, codes, present)


def label_codes(col: pd.Series, labels: list[str], nas: list[str]) -> tuple[np.ndarray, Any, list]:
    """Codes into distinct texts for a label column (-1: missing), their raw look-up
    (object array, last slot None) and the distinct texts.

    Cells spelt exactly as a label or a not-an-answer label (almost all) are found by
    ``pyarrow.compute.index_in``; only the other cells are factorised. The distinct
    texts are the known labels, then the other texts.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from .text import arrow_strings

    data = arrow_strings(col)
    known = list(dict.fromkeys([*labels, *nas]))
    found = pc.index_in(data, value_set=pa.array(known, type=data.type))
    codes = pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    other = codes < 0
    if data.null_count:
        other &= pc.is_valid(data).to_numpy(zero_copy_only=False)
    other = np.flatnonzero(other)  # cells not spelt exactly as a label
    uniq = list(known)
    if other.size:
        rest_codes, rest_uniques = pd.factorize(
            data.take(pa.array(other)).to_numpy(zero_copy_only=False), use_na_sentinel=True
        )
        codes[other] = np.where(rest_codes >= 0, len(known) + rest_codes, -1)
        uniq += [str(u) for u in rest_uniques]
    return codes, np.array([*uniq, None], dtype=object), uniq


def label_lut(
    uniq: list[str],
    labels: list[str],
    nas: list[str],
    *,
    aliases: Mapping[str, Sequence[str]] | None = None,
    other: bool = False,
    sep: str = ", ",
) -> tuple[np.ndarray, ...]:
    """Look-up arrays (code, reason, action) over the distinct texts, last slot for missing.

    A text is, in order: a label (exactly, or after normalisation: ``normalised``), a
    not-an-answer label, a variant of a label listed in ``aliases`` (``aliased``), or,
    when the item has ``other`` (its last label), the respondent's own "Other" text
    (``other``); else ``rejected``.

    >>> from cmmc_analysis.clean.codes import ACTIONS
    >>> code, reason, action = label_lut(
    ...     ["Man", "male ", "F", "my own words", "Other"], ["Man", "Woman", "Other"], [],
    ...     aliases={"Man": ["M", "male"], "Woman": ["F"]}, other=True)
    >>> code.tolist(), [ACTIONS[a] for a in action]
    ([0, 0, 1, 2, 2, -1], ['', 'aliased', 'aliased', 'other', '', ''])
    """
    exact = {lab: i for i, lab in enumerate(labels)}
    canon = {normalise_text(lab): i for i, lab in enumerate(labels)}
    na_keys = {normalise_text(lab) for lab in nas}
    alias = {
        normalise_text(v): labels.index(lab)
        for lab, variants in (aliases or {}).items()
        if lab in labels
        for v in variants
    }
    m = len(uniq)
    code = np.full(m + 1, -1, dtype=np.int16)
    reason = np.full(m + 1, _BLANK, dtype=np.int8)
    action = np.zeros(m + 1, dtype=np.int8)
    for j, value in enumerate(uniq):
        if value in exact:
            code[j], reason[j] = exact[value], -1
            continue
        key = normalise_text(value)
        if not value.strip():
            continue
        if key in canon:
            code[j], reason[j], action[j] = canon[key], -1, A["normalised"]
        elif key in na_keys:
            reason[j], action[j] = _NAA, A["not_an_answer"]
        elif key in alias:
            code[j], reason[j], action[j] = alias[key], -1, A["aliased"]
        elif other:
            code[j], reason[j], action[j] = len(labels) - 1, -1, A["other"]
        else:
            reason[j], action[j] = _INVALID, A["rejected"]
    return code, reason, action


def _parse_multi(codes, uniques, item: Item, codebook: Codebook, present) -> Parsed:
    """Find the options in each distinct answer as whole runs of parts, longest first
    (:func:`cmmc_analysis.clean.options.match_options`); the parts left over are a
    not-an-answer label, the respondent's "Other" text (when the item has ``other``,
    logged ``other``, text redacted in the log) or are rejected (logged with the row)."""
    uniq = [str(u) for u in uniques]
    src = codebook.source_language
    labels = item.option_labels(None, src)
    keys = option_keys(labels, item.separator)
    na_keys = {normalise_text(lab.text(src)) for lab in item.not_an_answer}
    other = len(labels) - 1 if item.other else None
    m = len(uniq)
    chosen = np.zeros((m + 1, len(labels)), dtype=bool)
    reason = np.full(m + 1, _BLANK, dtype=np.int8)
    action = np.zeros(m + 1, dtype=np.int8)
    shown = np.array([*uniq, None], dtype=object)
    for j, value in enumerate(uniq):
        if not value.strip():
            continue
        found, rest = match_options(value, keys, item.separator)
        naa = [r for r in rest if normalise_text(r) in na_keys]
        unknown = [r for r in rest if normalise_text(r) not in na_keys]
        chosen[j, found] = True
        if unknown and other is not None:
            chosen[j, other] = True
        if chosen[j].any():
            reason[j] = -1
        elif naa:
            reason[j] = _NAA
        else:
            reason[j] = _INVALID
        if unknown and other is not None:
            action[j], shown[j] = A["other"], REDACTED
        elif unknown:
            action[j] = A["rejected"]
            shown[j] = item.separator.join(unknown)
        elif reason[j] == _NAA:
            action[j] = A["not_an_answer"]
        elif any(labels[i] not in value for i in found):
            action[j] = A["normalised"]
    return Parsed(
        "multi", chosen[codes], reason[codes], action[codes], "multi", shown, codes, present, labels
    )


def other_texts(col: pd.Series, item: Item, codebook: Codebook) -> pd.Series:
    """Each row's own "Other" text of an item with ``other:`` (missing where none).

    For a single-choice item the cell itself; for multiple choice what is left of the
    cell once the options and not-an-answer labels are found in it. Worked out over the
    distinct cell values. Never part of the analysis table: this is the raw text, for
    :func:`cmmc_analysis.privacy.scrub.free_text_table` to scrub.

    >>> from cmmc_analysis.codebook import parse_codebook
    >>> cb = parse_codebook({"survey": {"id": "t", "source_language": "en", "languages": ["en"]},
    ...     "items": [{"id": "q", "type": "multi", "text": "Q", "other": True,
    ...                "options": [{"en": "A, a", "code": "a"}, {"en": "B", "code": "b"}]}]})
    >>> other_texts(pd.Series(["A, a, my, own", "B", None]), cb.items["q"], cb).tolist()
    ['my, own', nan, nan]
    """
    codes, uniques = factorize(col)
    src = codebook.source_language
    labels = item.option_labels(None, src)
    nas = {normalise_text(lab.text(src)) for lab in item.not_an_answer}
    texts = np.full(len(uniques) + 1, np.nan, dtype=object)
    if item.other and item.type == "multi":
        keys = option_keys(labels, item.separator)
        for j, value in enumerate(uniques.tolist()):
            rest = [r for r in match_options(value, keys, item.separator)[1]]
            rest = [r for r in rest if normalise_text(r) not in nas]
            texts[j] = item.separator.join(rest) if rest else np.nan
    elif item.other:
        scale_nas = [lab.text(src) for lab in item.not_an_answer]
        code, _, action = label_lut(
            [str(u) for u in uniques], labels, scale_nas, aliases=item.aliases, other=True
        )
        hit = np.flatnonzero(action[:-1] == A["other"])
        texts[hit] = np.asarray(uniques, dtype=object)[hit]
    return pd.Series(texts[codes], index=col.index, dtype="str")


def apply_skip_logic(parsed: dict[str, Parsed], codebook: Codebook) -> None:
    """Answers given where the item was not asked -> missing ``not_asked``, logged."""
    for item_id, p in parsed.items():
        cond = codebook.items[item_id].asked_if
        if not cond or cond.get("item") not in parsed:
            continue
        filt = parsed[cond["item"]]
        if "in" in cond:  # labels of a choice or scale item
            allowed = [filt.categories.index(v) for v in cond["in"] if v in (filt.categories or [])]
            asked = np.isin(filt.values, allowed) & (filt.reason < 0)
        else:  # a range of a numeric item
            asked = filt.reason < 0
            if cond.get("min") is not None:
                asked &= filt.values >= cond["min"]
            if cond.get("max") is not None:
                asked &= filt.values <= cond["max"]
        not_asked = ~asked
        given = not_asked & p.answered_raw
        p.action[given] = A["removed"]
        p.reason[not_asked] = _NOT_ASKED
        if p.kind == "num":
            p.values[not_asked] = np.nan
        elif p.kind == "cat":
            p.values[not_asked] = -1
        elif p.kind == "multi":
            p.values[not_asked] = False


def answered(df: pd.DataFrame, codebook: Codebook, parsed: dict[str, Parsed] | None = None):
    """Rows with a non-blank value in some question item (rule ``empty`` excludes the others).

    The ``submitted_at`` and ``duration`` items do not count; contact fields and free
    text do.
    """
    meta = {codebook.role(r) for r in ("submitted_at", "started_at", "duration", "weight")}
    out = np.zeros(len(df), dtype=bool)
    for item_id in df.columns:
        if item_id == "source_row" or item_id in meta:
            continue
        if parsed and item_id in parsed:
            out |= parsed[item_id].answered_raw
            continue
        todo = np.flatnonzero(~out)  # only the rows with no answer so far are looked at
        if len(todo) == 0:
            break
        col = df[item_id]
        out[todo] = nonblank(col if len(todo) == len(out) else col.take(todo))
    return out


def failed_attention(df: pd.DataFrame, rule: Mapping[str, Any]) -> np.ndarray:
    """Rows whose answer to the attention-check item is not among ``accept`` (rule
    ``attention``; compared after normalisation; a blank answer fails). All False when
    the rule names no item or the export has no such column.

    >>> df = pd.DataFrame({"robot": ["Eight", " 8", "three", None, "analysis"]}, dtype="str")
    >>> failed_attention(df, {"item": "robot", "accept": ["eight", "8"]}).tolist()
    [False, False, True, True, True]
    """
    item = rule.get("item")
    if not item or item not in df.columns:
        return np.zeros(len(df), dtype=bool)
    codes, uniques = factorize(df[item])
    accept = {normalise_text(a) for a in rule.get("accept", [])}
    ok = np.array([normalise_text(str(u)) in accept for u in uniques] + [False], dtype=bool)
    return ~ok[codes]


def straight_lines(parsed: dict[str, Parsed], codebook: Codebook, min_items: int):
    """Rows answering every item of a grid (with at least ``min_items`` items in the export)
    with the same scale point, and the reason naming the grid (None elsewhere)."""
    n = len(next(iter(parsed.values())).values) if parsed else 0
    hit = np.zeros(n, dtype=bool)
    reason = np.full(n, None, dtype=object)
    for grid in codebook.grids.values():
        items = [i for i in grid.items if i in parsed]
        if len(items) < min_items:
            continue
        first = parsed[items[0]]
        same = first.reason < 0
        for item_id in items[1:]:
            p = parsed[item_id]
            same &= (p.reason < 0) & (p.values == first.values)
        new = same & ~hit
        reason[new] = f"the same answer across the {len(items)} items of grid {grid.id}"
        hit |= same
    return hit, reason
