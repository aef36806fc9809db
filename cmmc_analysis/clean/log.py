"""The cleaning log: what each rule did, row by row, with no row lost.

Built partition by partition (:func:`details`, :func:`excluded`) and completed over
the whole export (:func:`changes`, :func:`flow`); tables of consecutive partitions
concatenate. See ``docs/cleaning.md`` for the columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..codebook import Codebook
from .codes import ACTIONS, EXCLUSION_RULES, REDACTED, RULE_CODES, VALUE_RULES, A
from .parse import Parsed

__all__ = ["CleaningLog"]


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

    def __repr__(self) -> str:
        return (
            f"CleaningLog({len(self.excluded)} rows excluded, {len(self.details)} values "
            f"logged, {len(self.flow) - 1} rules)"
        )


def details(
    parsed: dict[str, Parsed],
    flagged: list[tuple[str, np.ndarray]],
    source_row: np.ndarray,
    ids,
    codebook: Codebook,
    *,
    personal: Callable[[np.ndarray], np.ndarray] | None = None,
) -> pd.DataFrame:
    """One row per changed, rejected or flagged value, sorted by source row then column.

    Values of personal fields show as ``"<redacted>"``, and so do the values of other
    fields for which ``personal`` (a mask over an array of values, e.g.
    :func:`cmmc_analysis.privacy.scrub.personal_test`) is True: a name, an email or a
    phone number typed where an answer belongs.
    """
    columns = [c for c in codebook.items if c in parsed]
    col_names = [*columns, ""]
    pieces: list[tuple[np.ndarray, ...]] = []
    for ci, item_id in enumerate(columns):
        p = parsed[item_id]
        rows = np.flatnonzero(p.action)
        if rows.size == 0:
            continue
        act = p.action[rows]
        own = RULE_CODES[p.rule]
        if p.rule != "numbers":
            own = np.where(act == A["not_an_answer"], RULE_CODES["not_an_answer"], own)
        rule = np.where(act == A["removed"], RULE_CODES["skip_logic"], own)
        rule = np.where(act == A["aliased"], RULE_CODES["aliases"], rule)
        rule = np.where(act == A["other"], RULE_CODES["other"], rule)
        if codebook.items[item_id].pii:
            raw = np.full(rows.size, REDACTED, dtype=object)
        else:
            raw = p.raw_values(rows)
            if personal is not None:
                raw = np.where(personal(raw), REDACTED, raw)
        pieces.append((rows, np.full(rows.size, ci), rule, act, raw))
    for rule_name, hit in flagged:
        rows = np.flatnonzero(hit)
        pieces.append(
            (
                rows,
                np.full(rows.size, len(columns)),
                np.full(rows.size, RULE_CODES[rule_name]),
                np.full(rows.size, A["flagged"]),
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
    return pd.DataFrame(
        {
            "source_row": source_row[rows],
            "respondent_id": _ids(ids, rows),
            "rule": pd.Categorical.from_codes(
                rule.astype(np.int8), categories=list(VALUE_RULES + EXCLUSION_RULES)
            ),
            "column": pd.Categorical.from_codes(col.astype(np.int32), categories=col_names),
            "raw_value": pd.array(raw, dtype="str"),
            "action": pd.Categorical.from_codes(act.astype(np.int8), categories=list(ACTIONS)),
        }
    )


def _ids(ids, rows: np.ndarray):
    """The ids of ``rows`` as a pandas ``str`` array (ids: a pandas array or numpy)."""
    if isinstance(ids, np.ndarray):
        return pd.array(ids[rows], dtype="str")
    return pd.array(ids.take(rows), dtype="str")


def concat_details(parts: list[pd.DataFrame], codebook: Codebook) -> pd.DataFrame:
    """Details of consecutive partitions as one table (columns of the whole codebook)."""
    if len(parts) == 1:
        return parts[0]
    columns = list(dict.fromkeys(c for p in parts for c in p["column"].cat.categories if c))
    columns = [c for c in codebook.items if c in columns] + [""]
    parts = [p.assign(column=p["column"].cat.set_categories(columns)) for p in parts]
    return pd.concat(parts, ignore_index=True)


def changes(details: pd.DataFrame, analysed_rows: np.ndarray) -> pd.DataFrame:
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


def excluded(rule_of_row, reason_of_row, source_row, ids) -> pd.DataFrame:
    """One row per excluded raw row: source row, id, rule, reason."""
    rows = np.flatnonzero(rule_of_row >= 0)
    return pd.DataFrame(
        {
            "source_row": source_row[rows],
            "respondent_id": _ids(ids, rows),
            "rule": pd.array(
                np.array(EXCLUSION_RULES, dtype=object)[rule_of_row[rows]], dtype="str"
            ),
            "reason": pd.array(reason_of_row[rows], dtype="str"),
        }
    )


def flow(rule_of_row: np.ndarray, interim: np.ndarray | None, config) -> pd.DataFrame:
    """Rows in, and rows excluded and remaining after each rule (and among interim rows)."""
    n = len(rule_of_row)
    rows = []
    remaining = n
    rem_interim = int(interim.sum()) if interim is not None else None
    steps = [(0, "raw")] + list(enumerate(EXCLUSION_RULES, start=1))
    for step, rule in steps:
        if rule == "attention" and not config.get("attention", {}).get("item"):
            continue  # no attention check: no row in the flow
        hit = (rule_of_row == step - 1) if step else np.zeros(n, dtype=bool)
        count = int(hit.sum()) if step == 0 or config[rule].get("exclude", True) else 0
        remaining -= count
        row = {"step": step, "rule": rule, "excluded": count, "remaining": remaining}
        if interim is not None:
            out = int((hit & interim).sum())
            rem_interim -= out
            row["excluded_interim"], row["remaining_interim"] = out, rem_interim
        else:
            row["excluded_interim"] = row["remaining_interim"] = pd.NA
        rows.append(row)
    return pd.DataFrame(rows).astype({"excluded_interim": "Int64", "remaining_interim": "Int64"})
