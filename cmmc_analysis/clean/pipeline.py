"""The cleaning rules and the cleaning log: from a :class:`RawExport` to a :class:`Survey`.

:func:`clean` applies the named rules of ``docs/cleaning.md`` in a fixed order, each
configured by the codebook's ``cleaning:`` section (and by the ``rules`` overrides):

* exclusion rules, the first that matches excludes a row: ``empty``,
  ``test_submissions``, ``outside_fieldwork``, ``duplicates``, ``speeders``,
  ``straightliners``;
* value rules, each change or rejection logged with its source row: ``labels``,
  ``not_an_answer``, ``numbers``, ``timestamps``, ``skip_logic``, ``multi``.

Labels and numbers are matched on the *unique* values of each column (``pd.factorize``
then a small lookup array), never cell by cell, so the cost grows with the number of
distinct answers, not with the number of rows. Personal data and free text never
reach :attr:`Survey.data`; the respondent id is a salted pseudonym.

Examples
--------
>>> import tempfile, pathlib
>>> from cmmc_analysis.codebook import parse_codebook
>>> from cmmc_analysis.io.reader import read_export
>>> cb = parse_codebook({
...     "survey": {"id": "tiny", "source_language": "en", "languages": ["en"]},
...     "scales": {"yn": {"points": [{"en": "No"}, {"en": "Yes"}],
...                       "not_an_answer": [{"en": "Don't know"}]}},
...     "items": [{"id": "q1", "type": "scale", "scale": "yn", "text": {"en": "Q1"}}],
... })
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "t.csv").write_text("Q1\\nyes \\nDon’t know\\n\\nmaybe\\n", encoding="utf-8")
>>> survey = clean(read_export(folder / "t.csv", codebook=cb), cb)
>>> survey.data["q1"].tolist(), survey.missing["q1"].tolist()
(['Yes', nan, nan], [nan, 'not_an_answer', 'invalid'])
>>> survey.log.excluded[["source_row", "rule"]].values.tolist()
[[4, 'empty']]
>>> for entry in survey.log.details[["source_row", "rule", "raw_value", "action"]].values:
...     print(*entry)
2 labels yes  normalised
3 not_an_answer Don’t know not_an_answer
5 labels maybe rejected
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import Codebook, Item, load_codebook
from ..errors import SurveyDataError
from ..io.reader import RawExport, normalise_text
from ..privacy.pseudonym import pseudonymise
from ..schema.cleaning import merge_rules
from ..survey import Survey

__all__ = [
    "CleaningLog",
    "clean",
    "merge_rules",
    "parse_numbers",
    "parse_timestamps",
    "describe",
    "write_survey",
    "EXCLUSION_RULES",
    "VALUE_RULES",
    "MISSING_REASONS",
]

#: Exclusion rules in the order they are applied.
EXCLUSION_RULES = (
    "empty",
    "test_submissions",
    "outside_fieldwork",
    "duplicates",
    "speeders",
    "straightliners",
)
#: Value rules (logged in ``CleaningLog.changes`` and ``details``).
VALUE_RULES = ("labels", "not_an_answer", "numbers", "timestamps", "skip_logic", "multi")
#: Reasons a value is missing in ``Survey.missing``.
MISSING_REASONS = ("not_an_answer", "blank", "not_asked", "invalid")
#: Actions recorded in ``CleaningLog.details`` (index 0: nothing to record).
ACTIONS = (
    "",
    "normalised",
    "rejected",
    "not_an_answer",
    "converted",
    "approximate",
    "out_of_range",
    "removed",
    "flagged",
)
REDACTED = "<redacted>"

_NAA, _BLANK, _NOT_ASKED, _INVALID = range(4)
_A = {name: code for code, name in enumerate(ACTIONS)}
_RULE_CODES = {name: code for code, name in enumerate(VALUE_RULES + EXCLUSION_RULES)}


@dataclass(frozen=True)
class CleaningLog:
    """What cleaning did, table by table (see ``docs/cleaning.md``).

    Attributes
    ----------
    flow
        One row per step: ``step`` (0 = raw rows), ``rule``, ``excluded``,
        ``remaining``, ``excluded_interim``, ``remaining_interim`` (interim: submitted
        before the codebook's default cut-off; rows without a valid timestamp count in
        neither interim column).
    changes
        ``rule``, ``column``, ``n`` (values changed, rejected or flagged over all raw
        rows), ``n_analysed`` (the same among analysed rows).
    details
        ``source_row``, ``respondent_id``, ``rule``, ``column``, ``raw_value``,
        ``action``: one row per changed, rejected or flagged value; personal data and
        free text show as ``"<redacted>"``.
    excluded
        ``source_row``, ``respondent_id``, ``rule``, ``reason``: one row per excluded
        raw row.
    """

    flow: pd.DataFrame
    changes: pd.DataFrame
    details: pd.DataFrame
    excluded: pd.DataFrame

    def counts(self) -> pd.DataFrame:
        """Rows excluded and values changed, by rule: ``rule``, ``excluded``, ``n``."""
        excluded = self.excluded.groupby("rule", observed=True).size()
        changed = self.changes.groupby("rule", observed=True)["n"].sum()
        rules = [r for r in EXCLUSION_RULES + VALUE_RULES if r in excluded or r in changed]
        return pd.DataFrame(
            {
                "rule": rules,
                "excluded": [int(excluded.get(r, 0)) for r in rules],
                "n": [int(changed.get(r, 0)) for r in rules],
            }
        )


def clean(
    raw: RawExport,
    codebook: Codebook | None = None,
    *,
    rules: Mapping[str, Mapping[str, Any]] | None = None,
) -> Survey:
    """Apply the cleaning rules to a raw export and return the analysed survey.

    Parameters
    ----------
    raw
        The export as read by :func:`cmmc_analysis.io.reader.read_export`.
    codebook
        The codebook (default: the bundled one); its ``cleaning:`` section configures
        the rules.
    rules
        Overrides merged on top of the codebook's rules, option by option, for example
        ``{"speeders": {"exclude": False}}`` (sensitivity analyses).

    Returns
    -------
    Survey
        ``data`` (index ``respondent_id``): ``source_row``, the items by id (ordered
        categoricals for scale items, categoricals for single choice, float for numbers,
        datetime for timestamps, one bool column ``item__code`` per multiple-choice
        option), ``flag_speeder``, ``flag_straightliner``; ``missing``: the reason of
        each missing value; ``log``: a :class:`CleaningLog`; ``source``: provenance.

    Raises
    ------
    SurveyDataError
        ``rules`` names an unknown rule or option, or has a value of the wrong kind.

    Examples
    --------
    >>> from cmmc_analysis.io.reader import read_export
    >>> from cmmc_analysis.paths import DEFAULT_EXPORT
    >>> survey = clean(read_export(DEFAULT_EXPORT))
    >>> len(survey) + len(survey.log.excluded) == survey.source["n_raw_rows"]
    True
    >>> survey.log.flow[["rule", "excluded", "remaining"]].tail(2).values.tolist()
    [['speeders', 3, 238], ['straightliners', 3, 235]]
    """
    codebook = codebook if codebook is not None else load_codebook()
    config = merge_rules(codebook.cleaning, rules)
    df = raw.data
    n = len(df)
    source_row = df["source_row"].to_numpy(dtype=np.int64)
    salt_env = config["pseudonym"].get("salt_env") or ""
    env_salt = os.environ.get(salt_env, "") if salt_env else ""
    salt = env_salt.encode("utf-8") if env_salt else (raw.salt or bytes.fromhex(raw.sha256))
    key_fields = _fields(config["pseudonym"].get("key"), codebook, df)
    ids, id_bits = _respondent_ids(df, key_fields, salt=salt)

    parsed = {
        item_id: _parse_item(df[item_id], codebook.items[item_id], codebook, raw.decimal)
        for item_id in df.columns
        if item_id != "source_row" and not _dropped(codebook.items[item_id])
    }
    _apply_skip_logic(parsed, codebook)

    ctx = _Context(codebook, config, df, parsed, source_row, ids)
    rule_of_row, reason_of_row, flags = ctx.exclusions()
    keep = rule_of_row < 0
    details = _details(parsed, ctx.flagged, source_row, ids, codebook)
    log = CleaningLog(
        flow=ctx.flow_table(),
        changes=_changes(details, source_row[keep]),
        details=details,
        excluded=_excluded(rule_of_row, reason_of_row, source_row, ids),
    )
    data, missing = _assemble(parsed, codebook, keep, source_row, ids, id_bits, flags)
    source = {
        "file": raw.path.name,
        "sha256": raw.sha256,
        "encoding": raw.encoding,
        "delimiter": raw.delimiter,
        "decimal": raw.decimal,
        "n_raw_rows": n,
        "read_at": raw.read_at,
        "salt": f"environment variable {salt_env}" if env_salt else "derived from the export",
        "warnings": list(raw.warnings),
    }
    return Survey(data=data, missing=missing, codebook=codebook, log=log, source=source)


# --- configuration ------------------------------------------------------------------


def respondent_ids(df: pd.DataFrame, key_fields: list[str], *, salt: bytes) -> np.ndarray:
    """Pseudonymous ids: HMAC of the key for rows with one, a keyed mix of the row else.

    Rows with a key get :func:`cmmc_analysis.privacy.pseudonym.pseudonymise` (one HMAC per
    distinct key). Rows without a key get ``"r"`` and 11 hex digits of a keyed
    64-bit mix (splitmix64) of their source row: unique within the file, stable for
    the same salt, holding no personal data, and computed without a Python loop.
    """
    ids, _ = _respondent_ids(df, key_fields, salt=salt)
    return ids.to_numpy(dtype=object)


def _respondent_ids(df: pd.DataFrame, key_fields: list[str], *, salt: bytes) -> tuple[Any, Any]:
    """:func:`respondent_ids` as a ``str`` array, and each id's 44 bits as uint64.

    The integers are equal exactly when the ids are (every id is ``"r"`` and 11 hex
    digits), so uniqueness is checked on them without hashing strings.
    """
    key = _key(df, key_fields)
    has_key = key.notna().to_numpy()
    n = len(df)
    if not has_key.any():
        seed = int.from_bytes(hmac.new(salt, b"row-ids", hashlib.sha256).digest()[:8], "big")
        rows = df["source_row"].to_numpy(dtype=np.uint64)
        mixed = _splitmix64(rows ^ np.uint64(seed))
        return _hex_id_array(mixed), mixed >> np.uint64(20)
    ids = np.empty(n, dtype=object)
    bits = np.empty(n, dtype=np.uint64)
    keyed = df.index[has_key]
    ids[has_key] = pseudonymise(
        key[keyed], salt=salt, fallback=df.loc[keyed, "source_row"]
    ).to_numpy(dtype=object)
    codes, uniques = pd.factorize(ids[has_key])
    bits[has_key] = np.array([int(u[1:], 16) for u in uniques], dtype=np.uint64)[codes]
    if not has_key.all():
        seed = int.from_bytes(hmac.new(salt, b"row-ids", hashlib.sha256).digest()[:8], "big")
        rows = df["source_row"].to_numpy(dtype=np.uint64)[~has_key]
        mixed = _splitmix64(rows ^ np.uint64(seed))
        ids[~has_key] = _hex_ids(mixed)
        bits[~has_key] = mixed >> np.uint64(20)
    return pd.array(ids, dtype="str"), bits


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: a bijective 64-bit mix (vectorised)."""
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _hex_bytes(x: np.ndarray) -> np.ndarray:
    """``"r"`` + the top 44 bits of ``x`` as 11 hex digits: an ``(n, 12)`` uint8 array."""
    shifts = np.arange(60, 16, -4, dtype=np.uint64)
    nibbles = ((x[:, None] >> shifts) & np.uint64(0xF)).astype(np.uint8)
    chars = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nibbles]
    prefix = np.full((len(x), 1), ord("r"), dtype=np.uint8)
    return np.ascontiguousarray(np.hstack([prefix, chars]))


def _hex_ids(x: np.ndarray) -> np.ndarray:
    """``"r"`` + the top 44 bits of ``x`` as 11 hex digits, as an object array of str."""
    return _hex_bytes(x).view("S12").ravel().astype("U12").astype(object)


def _hex_id_array(x: np.ndarray) -> Any:
    """:func:`_hex_ids` as a pandas ``str`` array built on the bytes (no object per id)."""
    import pyarrow as pa

    text = _hex_bytes(x)
    offsets = np.arange(0, 12 * len(x) + 1, 12, dtype=np.int32)
    arrow = pa.StringArray.from_buffers(len(x), pa.py_buffer(offsets), pa.py_buffer(text))
    return pd.array(arrow, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _dropped(item: Item) -> bool:
    """Items that never enter the analysis table: personal data and free text."""
    return item.pii or item.type == "text"


def _fields(ids: Any, codebook: Codebook, df: pd.DataFrame) -> list[str]:
    """Configured key fields (default: the ``respondent_key`` item) present in the export."""
    ids = list(ids or [])
    if not ids and codebook.role("respondent_key"):
        ids = [codebook.role("respondent_key")]
    return [i for i in ids if i in df.columns]


def _key(df: pd.DataFrame, fields: list[str]) -> pd.Series:
    """The normalised key (stripped, casefolded); missing when any field is empty."""
    if not fields:
        return pd.Series(pd.NA, index=df.index, dtype="string")
    parts = [df[f].astype("string").str.strip().str.casefold() for f in fields]
    parts = [p.where(p != "") for p in parts]
    key = parts[0]
    for part in parts[1:]:
        key = key + "\x1f" + part
    return key


# --- value rules ------------------------------------------------------------------------


@dataclass
class _Parsed:
    """One item parsed: values, missing reason and action per row, raw value look-up."""

    kind: str  # "cat", "num", "time", "multi"
    values: np.ndarray  # codes (cat), floats (num), datetime64 (time), bool matrix (multi)
    reason: np.ndarray  # int8, -1 answered
    action: np.ndarray  # int8 index into ACTIONS
    rule: str  # the value rule of this item's actions
    raw: np.ndarray  # raw value per row position in ``codes`` order: raw_lut[codes]
    codes: np.ndarray
    answered_raw: np.ndarray  # bool: a non-blank raw value
    categories: list[str] | None = None


def _factorize(col: pd.Series) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Codes (-1 for missing), raw look-up with a last slot for missing, uniques."""
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    uniq = [str(u) for u in uniques]
    raw_lut = np.array([*uniq, None], dtype=object)
    return np.asarray(codes), raw_lut, uniq


def _label_codes(
    col: pd.Series, labels: list[str], nas: list[str]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """:func:`_factorize` for a label column, exact labels found in one Arrow pass.

    For pyarrow-backed strings the cells spelt exactly as a label or not-an-answer
    label (almost all) are found by ``pyarrow.compute.index_in``; only the other
    cells are factorised (as ``cmmc_analysis.chunked.level_indexes`` does). The
    uniques are the known labels then the other texts; codes -1 is a missing cell.
    """
    arrow = getattr(col.array, "__arrow_array__", None)
    if arrow is None or len(col) == 0:
        return _factorize(col)
    import pyarrow as pa
    import pyarrow.compute as pc

    data = arrow()
    if isinstance(data, pa.ChunkedArray) and data.num_chunks == 0:
        return _factorize(col)
    if not (pa.types.is_string(data.type) or pa.types.is_large_string(data.type)):
        return _factorize(col)
    known = list(dict.fromkeys([*labels, *nas]))
    found = pc.index_in(data, value_set=pa.array(known, type=data.type))
    codes = pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    other = codes < 0
    if data.null_count:
        other &= pc.is_valid(data).to_numpy(zero_copy_only=False)
    other = np.flatnonzero(other)  # cells not spelt exactly as a label
    uniq = list(known)
    if other.size:
        rest = data.take(pa.array(other)).to_numpy(zero_copy_only=False)
        rest_codes, rest_uniques = pd.factorize(rest, use_na_sentinel=True)
        codes[other] = np.where(rest_codes >= 0, len(known) + rest_codes, -1)
        uniq += [str(u) for u in rest_uniques]
    raw_lut = np.array([*uniq, None], dtype=object)
    return codes, raw_lut, uniq


def _parse_item(col: pd.Series, item: Item, codebook: Codebook, decimal: str) -> _Parsed:
    if item.type in ("scale", "single"):
        if item.scale is not None:
            scale = codebook.scales[item.scale]
            labels, nas = scale.labels(), scale.na_labels()
        else:
            labels = item.option_labels(None, codebook.source_language)
            nas = [lab.text(codebook.source_language) for lab in item.not_an_answer]
        codes, raw_lut, uniq = _label_codes(col, labels, nas)
        lut = _label_lut(uniq, labels, nas)
        reason = lut[1][codes]
        return _Parsed(
            "cat",
            lut[0][codes],
            reason,
            lut[2][codes],
            "labels",
            raw_lut,
            codes,
            reason != _BLANK,
            labels,
        )
    codes, raw_lut, uniq = _factorize(col)
    if item.type == "multi":
        return _parse_multi(codes, raw_lut, uniq, item, codebook)
    if item.type == "numeric":
        nas = [lab.text(codebook.source_language) for lab in item.not_an_answer]
        values, reason, action = parse_numbers(
            uniq, decimal=decimal, unit=item.unit, lo=item.min, hi=item.max, not_an_answer=nas
        )
        rule = "numbers"
    else:  # datetime
        values, reason, action = parse_timestamps(uniq)
        rule = "timestamps"
    return _Parsed(
        "num" if item.type == "numeric" else "time",
        values[codes],
        reason[codes],
        action[codes],
        rule,
        raw_lut,
        codes,
        reason[codes] != _BLANK,
    )


def _label_lut(uniq: list[str], labels: list[str], nas: list[str]) -> tuple[np.ndarray, ...]:
    """Look-up arrays (code, reason, action) over the uniques, last slot for missing."""
    exact = {lab: i for i, lab in enumerate(labels)}
    canon = {normalise_text(lab): i for i, lab in enumerate(labels)}
    na_keys = {normalise_text(lab) for lab in nas}
    m = len(uniq)
    code = np.full(m + 1, -1, dtype=np.int16)
    reason = np.full(m + 1, _BLANK, dtype=np.int8)
    action = np.zeros(m + 1, dtype=np.int8)
    for j, value in enumerate(uniq):
        if value in exact:
            code[j], reason[j] = exact[value], -1
            continue
        key = normalise_text(value)
        if not key:
            continue
        if key in canon:
            code[j], reason[j], action[j] = canon[key], -1, _A["normalised"]
        elif key in na_keys:
            reason[j], action[j] = _NAA, _A["not_an_answer"]
        else:
            reason[j], action[j] = _INVALID, _A["rejected"]
    return code, reason, action


def _parse_multi(codes, raw_lut, uniq, item: Item, codebook: Codebook) -> _Parsed:
    """Split each distinct answer on the separator; match each part like a label."""
    labels = item.option_labels(None, codebook.source_language)
    canon = {normalise_text(lab): i for i, lab in enumerate(labels)}
    na_keys = {normalise_text(lab.text(codebook.source_language)) for lab in item.not_an_answer}
    sep = item.separator.strip() or item.separator
    m = len(uniq)
    chosen = np.zeros((m + 1, len(labels)), dtype=bool)
    reason = np.full(m + 1, _BLANK, dtype=np.int8)
    action = np.zeros(m + 1, dtype=np.int8)
    shown = raw_lut.copy()
    for j, value in enumerate(uniq):
        whole = normalise_text(value)
        if not whole:
            continue
        parts = [whole] if whole in canon else [normalise_text(p) for p in value.split(sep)]
        parts = [p for p in parts if p]
        unknown = [p for p in parts if p not in canon and p not in na_keys]
        for p in parts:
            if p in canon:
                chosen[j, canon[p]] = True
        if chosen[j].any():
            reason[j] = -1
        elif any(p in na_keys for p in parts):
            reason[j] = _NAA
        else:
            reason[j] = _INVALID
        if unknown:
            action[j] = _A["rejected"]
            raw_parts = [p.strip() for p in value.split(sep)]
            shown[j] = sep.join(r for r in raw_parts if normalise_text(r) in unknown)
        elif reason[j] == _NAA:
            action[j] = _A["not_an_answer"]
        elif sep.join(labels[canon[p]] for p in parts if p in canon) != sep.join(
            x.strip() for x in value.split(sep)
        ):
            action[j] = _A["normalised"]
    return _Parsed(
        "multi",
        chosen[codes],
        reason[codes],
        action[codes],
        "multi",
        shown,
        codes,
        reason[codes] != _BLANK,
        labels,
    )


def _apply_skip_logic(parsed: dict[str, _Parsed], codebook: Codebook) -> None:
    """Answers given where the item was not asked -> missing ``not_asked``, logged."""
    for item_id, p in parsed.items():
        cond = codebook.items[item_id].asked_if
        if not cond or cond.get("item") not in parsed:
            continue
        filt = parsed[cond["item"]]
        allowed = [filt.categories.index(v) for v in cond["in"] if v in (filt.categories or [])]
        asked = np.isin(filt.values, allowed) & (filt.reason < 0)
        not_asked = ~asked
        given = not_asked & p.answered_raw
        p.action[given] = _A["removed"]
        p.reason[not_asked] = _NOT_ASKED
        if p.kind == "num":
            p.values[not_asked] = np.nan
        elif p.kind == "cat":
            p.values[not_asked] = -1
        elif p.kind == "multi":
            p.values[not_asked] = False


# --- numbers and timestamps -------------------------------------------------------------

#: Texts read as "no answer" in a numeric item (compared after ``normalise_text``).
NUMBER_NOT_AN_ANSWER = ("n.d.", "n.d", "nd", "n/d", "n/a", "non so", "non saprei", "don't know")
#: Texts read as the item's maximum and minimum.
NUMBER_ALL = ("tutti", "tutto", "tutte", "all")
NUMBER_NONE = ("nessuno", "nessuna", "none")
#: Prefixes marking an approximate number ("circa 90" -> 90, logged ``approximate``).
_APPROX = re.compile(r"^(circa|ca\.|ca|c\.a\.|about|approx\.?|around|~|≈)\s*")
_PLAIN = {".": r"[+-]?\d+(?:\.\d+)?", ",": r"[+-]?\d+(?:,\d+)?"}
_NUMERIC_TEXT = re.compile(r"^[+-]?\d[\d.,' ]*$")
#: Day-first formats tried, in order, for timestamps that are not ISO 8601.
TIMESTAMP_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H.%M.%S",
    "%d/%m/%Y %H.%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
)
_DAY_FIRST = r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}"
_TZ = re.compile(r"\s*(Z|[+-]\d{2}:?\d{2})$")


def parse_numbers(
    uniques: list[str],
    *,
    decimal: str = ".",
    unit: str | None = None,
    lo: float | None = None,
    hi: float | None = None,
    not_an_answer: list[str] | tuple[str, ...] = (),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers written as text, as look-up arrays over distinct values (see docs/cleaning.md).

    Returns ``(values, reason, action)``, each of length ``len(uniques) + 1`` (the last
    slot is for a missing cell): the float value (NaN when missing), the missing
    reason (-1 when answered, else an index into :data:`MISSING_REASONS`) and the
    action (an index into :data:`ACTIONS`; 0 when the text was a plain number).

    >>> vals, reason, action = parse_numbers(
    ...     ["80", "80 %", "0,8", "circa 90", "tutti", "n.d.", "120", "boh"],
    ...     unit="%", lo=0, hi=100)
    >>> vals.tolist()
    [80.0, 80.0, 80.0, 90.0, 100.0, nan, nan, nan, nan]
    >>> [ACTIONS[a] for a in action]  # doctest: +NORMALIZE_WHITESPACE
    ['', 'converted', 'converted', 'approximate', 'converted', 'not_an_answer',
     'out_of_range', 'rejected', '']
    """
    m = len(uniques)
    values = np.full(m + 1, np.nan)
    reason = np.full(m + 1, _BLANK, dtype=np.int8)
    action = np.zeros(m + 1, dtype=np.int8)
    text = pd.Series(uniques, dtype="str")
    plain = text.str.fullmatch(_PLAIN[decimal]).to_numpy(dtype=bool, na_value=False)
    if unit == "%":  # "0.8" in a percent item is a fraction: the slow path scales it
        plain = plain & ~text.str.contains(r"[.,]", regex=True).to_numpy(dtype=bool, na_value=False)
    idx = np.flatnonzero(plain)
    values[idx] = text[plain].str.replace(",", ".", regex=False).astype(float).to_numpy()
    reason[idx] = -1
    nas = set(NUMBER_NOT_AN_ANSWER) | {normalise_text(x) for x in not_an_answer}
    for j in np.flatnonzero(~plain):
        values[j], reason[j], action[j] = _parse_number(uniques[j], decimal, unit, lo, hi, nas)
    answered = reason[:m] < 0
    out = answered & (
        (values[:m] < (lo if lo is not None else -np.inf))
        | (values[:m] > (hi if hi is not None else np.inf))
    )
    values[:m][out] = np.nan
    reason[:m][out] = _INVALID
    action[:m][out] = _A["out_of_range"]
    return values, reason, action


def _parse_number(raw: str, decimal: str, unit, lo, hi, nas) -> tuple[float, int, int]:
    """One non-plain number: (value, reason, action)."""
    text = normalise_text(raw)
    if not text:
        return np.nan, _BLANK, 0
    if text in nas:
        return np.nan, _NAA, _A["not_an_answer"]
    if text in NUMBER_ALL or text in NUMBER_NONE:
        bound = hi if text in NUMBER_ALL else lo
        if bound is None:
            return np.nan, _INVALID, _A["rejected"]
        return float(bound), -1, _A["converted"]
    approx = _APPROX.match(text)
    if approx:
        text = text[approx.end() :]
    percent = text.endswith("%")
    if percent:
        text = text[:-1].strip()
        if unit != "%":
            return np.nan, _INVALID, _A["rejected"]
    value, fraction = _to_float(text, decimal)
    if value is None:
        return np.nan, _INVALID, _A["rejected"]
    if unit == "%" and fraction and not percent and 0 <= value <= 1:
        value *= 100
    return value, -1, _A["approximate"] if approx else _A["converted"]


def _to_float(text: str, decimal: str) -> tuple[float | None, bool]:
    """A number with decimal and grouping separators: (value, had a decimal part).

    Both ``.`` and ``,`` present: the last one is the decimal separator. One kind,
    several times: grouping. One kind, once: the export's decimal separator is
    decimal; the other one is grouping when exactly three digits follow and the
    integer part does not start with 0 ("1.000" in a decimal-comma export), else
    decimal ("72,5" in a decimal-point export).
    """
    if not _NUMERIC_TEXT.match(text):
        return None, False
    text = text.replace(" ", "").replace("'", "")
    sign = ""
    if text[0] in "+-":
        sign, text = text[0], text[1:]
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        dec = "." if text.rfind(".") > text.rfind(",") else ","
    elif dots + commas == 0:
        dec = None
    else:
        sep = "." if dots else ","
        head, _, tail = text.partition(sep)
        if dots + commas > 1:
            dec = None
        elif sep == decimal:
            dec = sep
        else:
            grouping = len(tail) == 3 and not head.startswith("0") and len(head) <= 3
            dec = None if grouping else sep
    group = {".", ","} - {dec}
    for g in group:
        text = text.replace(g, "")
    if dec is not None:
        if text.count(dec) != 1:
            return None, False
        text = text.replace(dec, ".")
    try:
        return float(sign + text), dec is not None
    except ValueError:
        return None, False


def parse_timestamps(uniques: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Timestamps as look-up arrays over distinct values: ISO 8601 first, then day-first.

    A time-zone suffix is dropped (the wall-clock time is kept: the fieldwork window
    is in the survey's local time). Returns ``(values, reason, action)`` like
    :func:`parse_numbers`; a text that no format reads is rejected.

    >>> vals, reason, action = parse_timestamps(["2020-03-10 09:15", "10/03/2020 9.15.00", "ieri"])
    >>> [str(v) for v in vals]
    ['2020-03-10T09:15:00.000000', '2020-03-10T09:15:00.000000', 'NaT', 'NaT']
    >>> reason.tolist(), [ACTIONS[a] for a in action]
    ([-1, -1, 3, 1], ['', '', 'rejected', ''])
    """
    m = len(uniques)
    text = pd.Series(uniques, dtype="str").str.strip().str.replace(_TZ, "", regex=True)
    values = np.full(m + 1, np.datetime64("NaT"), dtype="datetime64[us]")
    values[:m] = pd.to_datetime(text, format="ISO8601", errors="coerce").to_numpy(
        dtype="datetime64[us]"
    )
    blank = (text == "").to_numpy(dtype=bool)
    todo = np.isnat(values[:m]) & ~blank
    todo &= text.str.match(_DAY_FIRST).to_numpy(dtype=bool, na_value=False)
    for fmt in TIMESTAMP_FORMATS:
        if not todo.any():
            break
        idx = np.flatnonzero(todo)
        found = pd.to_datetime(text.iloc[idx], format=fmt, errors="coerce").to_numpy(
            dtype="datetime64[us]"
        )
        values[idx] = found
        todo[idx] = np.isnat(found)
    ok = ~np.isnat(values[:m])
    reason = np.full(m + 1, _BLANK, dtype=np.int8)
    reason[:m] = np.where(ok, -1, np.where(blank, _BLANK, _INVALID))
    action = np.zeros(m + 1, dtype=np.int8)
    action[:m] = np.where(ok | blank, 0, _A["rejected"])
    return values, reason, action


# --- exclusion rules ----------------------------------------------------------------------


class _Context:
    """State shared by the exclusion rules: which rows are still in."""

    def __init__(self, codebook, config, df, parsed, source_row, ids) -> None:
        self.cb, self.config, self.df, self.parsed = codebook, config, df, parsed
        self.source_row, self.ids = source_row, ids
        n = len(df)
        self.alive = np.ones(n, dtype=bool)
        self.flagged: list[tuple[str, np.ndarray]] = []
        when = codebook.role("submitted_at")
        self.ts = parsed[when].values if when in parsed else np.full(n, np.datetime64("NaT"))
        cut = codebook.cutoffs.get(codebook.default_cutoff) if codebook.default_cutoff else None
        self.interim = (self.ts < np.datetime64(cut)) if cut is not None else None
        self.flow: list[tuple[int, str, np.ndarray]] = []

    def exclusions(self):
        n = len(self.df)
        rule_of_row = np.full(n, -1, dtype=np.int8)
        reason_of_row = np.full(n, None, dtype=object)
        self.flow.append((0, "raw", np.zeros(n, dtype=bool)))
        flags = {"flag_speeder": np.zeros(n, dtype=bool), "flag_straightliner": np.zeros(n, bool)}
        for step, rule in enumerate(EXCLUSION_RULES, start=1):
            hit, reason = getattr(self, f"_rule_{rule}")(flags)
            hit &= self.alive
            if self.config[rule].get("exclude", True):
                rule_of_row[hit] = step - 1
                reason_of_row[hit] = reason[hit] if isinstance(reason, np.ndarray) else reason
                self.alive &= ~hit
                self.flow.append((step, rule, hit))
            else:
                self.flagged.append((rule, hit))
                self.flow.append((step, rule, np.zeros(n, dtype=bool)))
        return rule_of_row, reason_of_row, flags

    def flow_table(self) -> pd.DataFrame:
        rows, remaining = [], np.ones(len(self.df), dtype=bool)
        for step, rule, hit in self.flow:
            remaining = remaining & ~hit
            row = {"step": step, "rule": rule, "excluded": int(hit.sum())}
            row["remaining"] = int(remaining.sum())
            if self.interim is not None:
                row["excluded_interim"] = int((hit & self.interim).sum())
                row["remaining_interim"] = int((remaining & self.interim).sum())
            else:
                row["excluded_interim"] = row["remaining_interim"] = pd.NA
            rows.append(row)
        return pd.DataFrame(rows).astype(
            {"excluded_interim": "Int64", "remaining_interim": "Int64"}
        )

    def _rule_empty(self, flags):
        meta = {self.cb.role("submitted_at"), self.cb.role("duration")}
        answered = np.zeros(len(self.df), dtype=bool)
        for item_id in self.df.columns:
            if item_id == "source_row" or item_id in meta:
                continue
            if item_id in self.parsed:
                answered |= self.parsed[item_id].answered_raw
            else:
                answered |= _nonblank(self.df[item_id])
        return ~answered, "no answer in any question item"

    def _rule_test_submissions(self, flags):
        cfg = self.config["test_submissions"]
        markers = [str(m) for m in cfg.get("markers") or []]
        hit = np.zeros(len(self.df), dtype=bool)
        reason = np.full(len(self.df), None, dtype=object)
        if not markers:
            return hit, reason
        pattern = re.compile(
            r"(?<![^\W_])(" + "|".join(re.escape(m.casefold()) for m in markers) + r")(?![^\W_])"
        )
        for field in _fields(cfg.get("fields"), self.cb, self.df):
            codes, _, uniq = _factorize(self.df[field])
            found = [pattern.search(normalise_text(u)) for u in uniq]
            lut = np.array(
                [f"marker {m.group(1)!r} in {field}" if m else None for m in found] + [None],
                dtype=object,
            )
            row_reason = lut[codes]
            new = (row_reason != None) & ~hit  # noqa: E711 - elementwise on an object array
            reason[new] = row_reason[new]
            hit |= new
        return hit, reason

    def _rule_outside_fieldwork(self, flags):
        hit = np.zeros(len(self.df), dtype=bool)
        reason = np.full(len(self.df), None, dtype=object)
        start, end = self.cb.fieldwork_start, self.cb.fieldwork_end
        if start is not None:
            early = self.ts < np.datetime64(start)
            reason[early] = f"submitted before the fieldwork start {start}"
            hit |= early
        if end is not None:
            late = self.ts > np.datetime64(end)
            reason[late] = f"submitted after the fieldwork end {end}"
            hit |= late
        return hit, reason

    def _rule_duplicates(self, flags):
        cfg = self.config["duplicates"]
        n = len(self.df)
        hit = np.zeros(n, dtype=bool)
        reason = np.full(n, None, dtype=object)
        fields = _fields(cfg.get("key"), self.cb, self.df)
        if not fields:
            return hit, reason
        key_codes, _ = pd.factorize(_key(self.df, fields), use_na_sentinel=True)
        cand = np.flatnonzero(self.alive & (key_codes >= 0))
        if cand.size == 0:
            return hit, reason
        ts = self.ts[cand].astype("datetime64[ns]").view(np.int64)  # NaT sorts first
        order = cand[np.lexsort((cand, ts, key_codes[cand]))]
        k = key_codes[order]
        same_next = np.r_[k[1:] == k[:-1], False]
        same_prev = np.r_[False, k[1:] == k[:-1]]
        keep_last = cfg.get("keep", "last") == "last"
        dup = same_next if keep_last else same_prev
        # the row each group keeps: its last (or first) member in sorted order
        group = np.cumsum(~same_prev) - 1
        pos = np.flatnonzero(~same_next) if keep_last else np.flatnonzero(~same_prev)
        kept_row = self.source_row[order[pos[group]]]
        rows = order[dup]
        hit[rows] = True
        reason[rows] = (
            f"same {'+'.join(fields)} as source row "
            + pd.Series(kept_row[dup]).astype(str)
            + f" (kept: {cfg.get('keep', 'last')})"
        ).to_numpy(dtype=object)
        return hit, reason

    def _rule_speeders(self, flags):
        n = len(self.df)
        dur_id = self.cb.role("duration")
        if dur_id not in self.parsed:
            return np.zeros(n, dtype=bool), None
        dur = self.parsed[dur_id].values
        valid = dur[self.alive & ~np.isnan(dur)]
        if valid.size == 0:
            return np.zeros(n, dtype=bool), None
        med = float(np.median(valid))
        frac = float(self.config["speeders"]["fraction_of_median"])
        threshold = frac * med
        hit = dur < threshold  # NaN compares False
        flags["flag_speeder"] = hit.copy()
        return hit, f"duration below {frac:g} x median duration ({threshold:g} s)"

    def _rule_straightliners(self, flags):
        n = len(self.df)
        k = int(self.config["straightliners"]["min_items"])
        hit = np.zeros(n, dtype=bool)
        reason = np.full(n, None, dtype=object)
        for grid in self.cb.grids.values():
            items = [i for i in grid.items if i in self.parsed]
            if len(items) < k:
                continue
            first = self.parsed[items[0]]
            same = first.reason < 0
            for item_id in items[1:]:
                p = self.parsed[item_id]
                same &= (p.reason < 0) & (p.values == first.values)
            new = same & ~hit
            reason[new] = f"the same answer across the {len(items)} items of grid {grid.id}"
            hit |= same
        flags["flag_straightliner"] = hit.copy()
        return hit, reason


def _nonblank(col: pd.Series) -> np.ndarray:
    codes, _, uniq = _factorize(col)
    lut = np.array([bool(u.strip()) for u in uniq] + [False], dtype=bool)
    return lut[codes]


# --- the log and the table ----------------------------------------------------------------


def _details(parsed, flagged, source_row, ids, codebook) -> pd.DataFrame:
    """One row per changed, rejected or flagged value, sorted by source row then column."""
    columns = [c for c in codebook.items if c in parsed]
    col_names = [*columns, ""]
    pieces: list[tuple[np.ndarray, ...]] = []
    for ci, item_id in enumerate(columns):
        p = parsed[item_id]
        rows = np.flatnonzero(p.action)
        if rows.size == 0:
            continue
        act = p.action[rows]
        rule = np.where(
            act == _A["removed"],
            _RULE_CODES["skip_logic"],
            np.where(act == _A["not_an_answer"], _RULE_CODES["not_an_answer"], _RULE_CODES[p.rule]),
        )
        if p.rule == "numbers":
            rule = np.where(act == _A["removed"], _RULE_CODES["skip_logic"], _RULE_CODES["numbers"])
        raw = p.raw[p.codes[rows]]
        if codebook.items[item_id].pii:
            raw = np.full(rows.size, REDACTED, dtype=object)
        pieces.append((rows, np.full(rows.size, ci), rule, act, raw))
    for rule_name, hit in flagged:
        rows = np.flatnonzero(hit)
        pieces.append(
            (
                rows,
                np.full(rows.size, len(columns)),
                np.full(rows.size, _RULE_CODES[rule_name]),
                np.full(rows.size, _A["flagged"]),
                np.full(rows.size, None, dtype=object),
            )
        )
    if pieces:
        rows, col, rule, act, raw = (np.concatenate(x) for x in zip(*pieces, strict=True))
    else:
        rows = col = rule = act = np.zeros(0, dtype=np.int64)
        raw = np.zeros(0, dtype=object)
    order = np.lexsort((col, rows))
    rows, col, rule, act, raw = rows[order], col[order], rule[order], act[order], raw[order]
    rule_names = list(VALUE_RULES + EXCLUSION_RULES)
    return pd.DataFrame(
        {
            "source_row": source_row[rows],
            "respondent_id": pd.array(ids[rows], dtype="str"),
            "rule": pd.Categorical.from_codes(rule.astype(np.int8), categories=rule_names),
            "column": pd.Categorical.from_codes(col.astype(np.int32), categories=col_names),
            "raw_value": pd.array(raw, dtype="str"),
            "action": pd.Categorical.from_codes(act.astype(np.int8), categories=list(ACTIONS)),
        }
    )


def _changes(details: pd.DataFrame, analysed_rows: np.ndarray) -> pd.DataFrame:
    """Counts of ``details`` by rule and column, over all rows and over analysed rows."""
    rule, column = details["rule"].cat, details["column"].cat
    width = len(column.categories)
    pair = rule.codes.to_numpy(dtype=np.int64) * width + column.codes.to_numpy(dtype=np.int64)
    analysed = np.isin(details["source_row"].to_numpy(), analysed_rows)
    pairs, inverse = np.unique(pair, return_inverse=True)
    n = np.bincount(inverse, minlength=len(pairs))
    n_analysed = np.bincount(inverse, weights=analysed, minlength=len(pairs))
    return pd.DataFrame(
        {
            "rule": pd.array(rule.categories.to_numpy()[pairs // width], dtype="str"),
            "column": pd.array(column.categories.to_numpy()[pairs % width], dtype="str"),
            "n": n.astype(np.int64),
            "n_analysed": n_analysed.astype(np.int64),
        }
    )


def _excluded(rule_of_row, reason_of_row, source_row, ids) -> pd.DataFrame:
    rows = np.flatnonzero(rule_of_row >= 0)
    return pd.DataFrame(
        {
            "source_row": source_row[rows],
            "respondent_id": pd.array(ids[rows], dtype="str"),
            "rule": pd.array(
                np.array(EXCLUSION_RULES, dtype=object)[rule_of_row[rows]], dtype="str"
            ),
            "reason": pd.array(reason_of_row[rows], dtype="str"),
        }
    )


def _assemble(parsed, codebook: Codebook, keep, source_row, ids, id_bits, flags):
    """The typed table and the missing reasons of the analysed rows."""
    rows = np.flatnonzero(keep)
    index = pd.Index(_unique_ids(ids[rows], id_bits[rows]), name="respondent_id", dtype="str")
    data: dict[str, Any] = {"source_row": source_row[rows]}
    missing: dict[str, Any] = {}
    for item_id in codebook.items:
        if item_id not in parsed:
            continue
        p, item = parsed[item_id], codebook.items[item_id]
        if p.kind == "cat":
            data[item_id] = pd.Categorical.from_codes(
                p.values[rows].astype(np.int16),
                categories=p.categories,
                ordered=item.type == "scale" or item.ordered,
            )
        elif p.kind == "multi":
            for j, option in enumerate(item.options):
                data[f"{item_id}__{option.code}"] = p.values[rows, j]
        else:
            data[item_id] = p.values[rows]
        if item.type in ("scale", "single", "numeric", "multi"):
            missing[item_id] = pd.Categorical.from_codes(
                p.reason[rows], categories=list(MISSING_REASONS)
            )
    data.update({name: flag[rows] for name, flag in flags.items()})
    return pd.DataFrame(data, index=index), pd.DataFrame(missing, index=index)


def _unique_ids(ids: Any, bits: np.ndarray | None = None) -> Any:
    """Make ids unique by suffixing ``-2``, ``-3``, ... to later repeats (duplicates kept).

    ``bits`` (equal exactly when the ids are) lets unique ids return at once.
    """
    if bits is not None and len(pd.unique(bits)) == len(bits):
        return ids
    ids = np.asarray(ids, dtype=object)
    series = pd.Series(ids, dtype=object)
    rank = series.groupby(series, sort=False).cumcount().to_numpy()
    if not rank.any():
        return ids
    out = ids.copy()
    later = rank > 0
    out[later] = (
        series[later] + "-" + pd.Series(rank[later] + 1).astype(str).to_numpy()
    ).to_numpy()
    return out


# --- reporting and writing ------------------------------------------------------------------


def describe(survey: Survey) -> str:
    """A plain-text account of what was read and what cleaning did (for ``validate``).

    It holds the detected format, the warnings, the flow table and the counts by rule;
    no answer and no personal data.
    """
    src, log = survey.source, survey.log
    lines = [
        f"file: {src.get('file')} (sha256 {str(src.get('sha256'))[:12]}...)",
        f"encoding: {src.get('encoding')}, delimiter: {src.get('delimiter')!r}, "
        f"decimal: {src.get('decimal')!r}",
        f"rows: {src.get('n_raw_rows')} raw, {len(survey)} analysed, {len(log.excluded)} excluded",
    ]
    lines += [f"warning: {w}" for w in src.get("warnings", [])]
    lines += ["", "flow:", log.flow.to_string(index=False), "", "counts by rule:"]
    lines.append(log.counts().to_string(index=False))
    rejected = log.details[log.details["action"].isin(["rejected", "out_of_range"])]
    if len(rejected):
        table = rejected.groupby(["rule", "column", "action"], observed=True).size()
        lines += ["", "rejected values:", table.rename("n").reset_index().to_string(index=False)]
    return "\n".join(lines)


def write_survey(
    survey: Survey,
    out_dir: str | Path,
    *,
    format: str = "parquet",
    protect: tuple[str | Path, ...] = (),
) -> list[Path]:
    """Write the clean table, the missing reasons and the log tables to ``out_dir``.

    Files: ``clean.<format>`` (index ``respondent_id`` as a column; ``sav``: SPSS with
    variable and value labels),
    ``missing.<format>``, ``flow.csv``, ``changes.csv``, ``details.csv``,
    ``excluded.csv``. Returns the paths written. Nothing is harmed
    (:func:`cmmc_analysis.outputs.write_files`): an output name that is a file of
    ``protect`` (the raw export, the codebook: compared as files, so a hard or
    symbolic link counts), a link, a folder, or a file that an earlier
    ``write_survey`` did not write, raises :class:`~cmmc_analysis.errors.OutputError`
    before anything is written; files are replaced by a rename, never written into.
    """
    from ..outputs import write_files

    if format not in ("parquet", "csv", "sav"):
        raise SurveyDataError(f"parameter format={format!r}; expected 'parquet', 'csv' or 'sav'")

    def table_writer(table: pd.DataFrame) -> Callable[[Path], object]:
        frame = table.reset_index()
        if format == "sav":  # SPSS with variable and value labels (io/sav.py)
            from ..io.sav import write_survey_sav

            return lambda path: write_survey_sav(frame, path, survey.codebook)
        if format == "parquet":
            return lambda path: frame.to_parquet(path, index=False)
        return lambda path: frame.to_csv(path, index=False)

    def log_writer(name: str) -> Callable[[Path], object]:
        return lambda path: getattr(survey.log, name).to_csv(path, index=False)

    writers = {
        f"clean.{format}": table_writer(survey.data),
        f"missing.{format}": table_writer(survey.missing),
    }
    writers |= {f"{n}.csv": log_writer(n) for n in ("flow", "changes", "details", "excluded")}
    return write_files(out_dir, writers, inputs=protect)
