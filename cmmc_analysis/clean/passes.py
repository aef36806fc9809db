"""The passes of the cleaning pipeline over partitions, and their assembly.

:func:`clean_partition` is the second pass of one partition (every value parsed,
``straightliners``, ids, log, typed table), :func:`settle` the reduction between the
passes (the export's settings, the salt, the decision of the rules that need other
rows), :func:`assemble` the concatenation of the partitions' results into a
:class:`~cmmc_analysis.survey.Survey`. :func:`run_passes` runs them in this process;
:mod:`cmmc_analysis.clean.distributed` runs the same functions on Dask.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import Codebook
from ..memory import release_memory
from ..privacy.pseudonym import respondent_id_array, unique_ids
from ..privacy.scrub import contact_names, personal_test, shown_file_name
from ..survey import Survey
from . import log as _log
from .codes import EXCLUSION_RULES, MISSING_REASONS
from .log import CleaningLog
from .parse import failed_attention, parse_item, parse_partition, straight_lines
from .rules import Decision, Evidence, Meta, Settings, decide, fields, first_pass
from .timestamps import check_timestamps

__all__ = [
    "Job",
    "PartitionResult",
    "clean_partition",
    "assemble",
    "run_passes",
    "settle",
    "source_of",
]


@dataclass(frozen=True)
class Job:
    """Everything a partition task needs: the codebook, the rules, the export's settings."""

    codebook: Codebook
    config: dict[str, dict[str, Any]]
    salt: bytes = b""
    settings: Settings = Settings()
    #: the contact names of the whole export (read in partitions: every partition's),
    #: so that the log redacts what the whole-file cleaning redacts
    names: tuple[str, ...] | None = None

    @staticmethod
    def salt_of(config: Mapping[str, Any], default: bytes) -> tuple[bytes, str]:
        """The pseudonym salt (environment variable, else ``default``) and what it was."""
        salt_env = config["pseudonym"].get("salt_env") or ""
        env_salt = os.environ.get(salt_env, "") if salt_env else ""
        if env_salt:
            return env_salt.encode("utf-8"), f"environment variable {salt_env}"
        return default, "derived from the export"


@dataclass
class PartitionResult:
    """One partition cleaned: its rows' verdicts, log tables and typed table."""

    rule: np.ndarray
    details: pd.DataFrame
    excluded: pd.DataFrame
    data: pd.DataFrame
    missing: pd.DataFrame
    id_bits: np.ndarray


# --- the passes -----------------------------------------------------------------------------


def clean_partition(
    df: pd.DataFrame,
    job: Job,
    decision: Decision,
    parsed=None,
    names: list[str] | None = None,
    cache: dict[str, Any] | None = None,
) -> PartitionResult:
    """Second pass over one partition: parse, ``straightliners``, ids, log, typed table.

    ``decision`` holds this partition's rows of the whole export's decision; ``names``
    the partition's contact names if already made
    (:func:`cmmc_analysis.privacy.scrub.contact_names`); ``cache``: what the first
    pass read of its timestamps (:func:`~cmmc_analysis.clean.rules.evidence_of`).
    """
    codebook, config = job.codebook, job.config
    if parsed is None:
        parsed = parse_partition(
            df,
            codebook,
            decimal=job.settings.decimal,
            timestamp_formats=job.settings.timestamp_formats,
            cache=cache,
        )
    source_row = df["source_row"].to_numpy(dtype=np.int64)
    rule = decision.rule.copy()
    reason = decision.reason.copy()
    flagged = [(name, hit) for name, hit in decision.flagged.items()]
    straight, why = straight_lines(parsed, codebook, int(config["straightliners"]["min_items"]))
    if len(parsed) == 0:
        straight = np.zeros(len(df), dtype=bool)
    hit = straight & (rule < 0)
    if config["straightliners"].get("exclude", True):
        rule[hit] = EXCLUSION_RULES.index("straightliners")
        reason[hit] = why[hit]
    else:
        flagged.append(("straightliners", hit))
    inattentive = failed_attention(df, config.get("attention", {}))
    hit = inattentive & (rule < 0)
    if config.get("attention", {}).get("exclude", True):
        rule[hit] = EXCLUSION_RULES.index("attention")
        reason[hit] = f"attention check {config['attention']['item']} not passed"
    else:
        flagged.append(("attention", hit))
    key_fields = fields(config["pseudonym"].get("key"), codebook, df.columns)
    ids, bits = respondent_id_array(df, key_fields, salt=job.salt)
    order = {name: i for i, name in enumerate(EXCLUSION_RULES)}
    flagged.sort(key=lambda pair: order[pair[0]])
    keep = rule < 0
    flags = {"flag_speeder": decision.flag_speeder, "flag_straightliner": straight}
    if config.get("attention", {}).get("item"):
        flags["flag_inattentive"] = inattentive
    data, missing = _table(parsed, codebook, keep, source_row, ids, flags)
    return PartitionResult(
        rule=rule,
        details=_log.details(
            parsed,
            flagged,
            source_row,
            ids,
            codebook,
            personal=personal_test(df, codebook, names)
            if names is not None or job.names is None
            else _shared_test(job),
        ),
        excluded=_log.excluded(rule, reason, source_row, ids),
        data=data,
        missing=missing,
        id_bits=bits[keep],
    )


_SHARED_LOCK = threading.Lock()
_SHARED: list[tuple[Any, Any]] = []  # (names, test): the job's test, for all its partitions


def _shared_test(job: Job) -> Any:
    """:func:`personal_test` of the whole export's names, made (its pattern compiled) once
    per job rather than once per partition."""
    with _SHARED_LOCK:  # Dask runs partitions in threads
        if _SHARED and _SHARED[0][0] is job.names:
            return _SHARED[0][1]
        test = personal_test(None, job.codebook, list(job.names or ()))
        test(np.array([""], dtype=object))  # its pattern compiled now, before threads share it
        _SHARED[:] = [(job.names, test)]
        return test


def _table(parsed, codebook: Codebook, keep, source_row, ids, flags):
    """The typed table and the missing reasons of the analysed rows (ids not yet unique)."""
    rows = np.flatnonzero(keep)
    index = pd.Index(ids.take(rows), name="respondent_id")
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


def assemble(
    parts: list[PartitionResult],
    decision: Decision,
    job: Job,
    source: dict[str, Any],
) -> Survey:
    """The partitions' results as one :class:`Survey` (file order kept)."""
    codebook = job.codebook
    data = pd.concat([p.data for p in parts]) if len(parts) > 1 else parts[0].data
    missing = pd.concat([p.missing for p in parts]) if len(parts) > 1 else parts[0].missing
    bits = np.concatenate([p.id_bits for p in parts])
    ids = unique_ids(data.index.array, bits)
    index = pd.Index(pd.array(ids, dtype="str"), name="respondent_id")
    data.index = index
    missing.index = index
    rule = np.concatenate([p.rule for p in parts])
    details = _log.concat_details([p.details for p in parts], codebook)
    log = CleaningLog(
        flow=_log.flow(rule, decision.interim, job.config),
        changes=_log.changes(details, data["source_row"].to_numpy()),
        details=details,
        excluded=pd.concat([p.excluded for p in parts], ignore_index=True)
        if len(parts) > 1
        else parts[0].excluded,
    )
    return Survey(data=data, missing=missing, codebook=codebook, log=log, source=source)


def _source(
    raw: Any,
    settings: Settings,
    salt_note: str,
    n: int,
    codebook: Codebook | None = None,
    names: list[str] | None = None,
) -> dict[str, Any]:
    data = getattr(raw, "data", None)  # a file named after a respondent is not shown
    return {
        "file": shown_file_name(raw.path.name, data, codebook, raw.sha256, names),
        "sha256": raw.sha256,
        "encoding": raw.encoding,
        "delimiter": raw.delimiter,
        "decimal": settings.decimal,
        "n_raw_rows": n,
        "read_at": raw.read_at,
        "salt": salt_note,
        "warnings": list(raw.warnings),
    }


def run_passes(
    plan: Any,
    codebook: Codebook,
    config: dict[str, dict[str, Any]],
    finish: Any,
    decimal: str | None = None,
    *,
    keep: bool = False,
) -> tuple[Job, Decision, list[Any], str]:
    """The two passes over the partitions of ``plan``, in this process.

    ``finish(df, job, decision)`` is the second pass of one partition
    (:func:`clean_partition`, or a reduction to sums); returns the job, the decision,
    the results of ``finish`` in file order and how the salt was chosen.

    ``keep``: hold the partitions read by the first pass for the second instead of
    reading (and parsing) the file again: half the parsing, for the text of the whole
    export in memory between the passes. Worth it when the result is a table of every
    row anyway (:func:`~cmmc_analysis.clean.pipeline.load_survey`); not for sums over
    an export larger than memory. ``finish`` is then also given ``cache=``: what the
    first pass read of the partition's timestamps, as the in-memory cleaning reuses it.
    """
    metas, evidence, privacy, kept = [], None, [], []
    for df in plan.partitions():
        cache: dict[str, Any] | None = {} if keep else None
        if keep:
            kept.append((df, cache))
        meta, ev, contacts = first_of(df, codebook, config, plan, cache)
        metas.append(meta)
        evidence = ev if evidence is None else evidence + ev
        privacy.append(contacts)
    job, decision, salt_note = settle(metas, evidence, plan, codebook, config, decimal)
    job = with_contacts(job, plan, privacy)
    results, start = [], 0
    frames = iter(kept) if keep else ((df, None) for df in plan.partitions())
    for meta in metas:
        df, cache = next(frames)
        rows = decision.rows(start, start + len(meta))
        if keep:
            kept[len(results)] = None  # the partition's text is freed once cleaned
            results.append(finish(df, job, rows, cache=cache))
        else:
            results.append(finish(df, job, rows))
        del df, cache
        release_memory()
        start += len(meta)
    return job, decision, results, salt_note


def first_of(
    df: pd.DataFrame,
    codebook: Codebook,
    config: dict[str, dict[str, Any]],
    plan: Any,
    cache: dict[str, Any] | None = None,
) -> tuple[Meta, Evidence, tuple[list[str], str]]:
    """The first pass of one partition (:func:`~cmmc_analysis.clean.rules.first_pass`)
    and its contacts (:func:`contacts_of`), then the memory parsing it freed released
    (:mod:`cmmc_analysis.memory`); in this process or on a Dask worker."""
    meta, evidence = first_pass(df, codebook, config, cache)
    contacts = contacts_of(df, codebook, plan)
    release_memory()
    return meta, evidence, contacts


def contacts_of(df: pd.DataFrame, codebook: Codebook, plan: Any) -> tuple[list[str], str]:
    """A partition's contact names and how the export's file name is shown given them."""
    names = contact_names(df, codebook)
    return names, shown_file_name(plan.path.name, df, codebook, plan.sha256, names)


def with_contacts(job: Job, plan: Any, found: Iterable[tuple[list[str], str]]) -> Job:
    """``job`` with every partition's contact names; ``plan.shown_name`` set: the neutral
    file name if any partition's contacts make the file name personal."""
    names: dict[str, None] = {}
    shown = plan.path.name
    for part_names, part_shown in found:
        names.update(dict.fromkeys(part_names))
        if part_shown != plan.path.name:
            shown = part_shown
    plan.shown_name = shown
    return replace(job, names=tuple(names))


def source_of(plan: Any, job: Job, salt_note: str, n: int) -> dict[str, Any]:
    """The provenance of an export read in partitions."""
    source = _source(plan, job.settings, salt_note, n, job.codebook, list(job.names or ()))
    shown = getattr(plan, "shown_name", None)
    if shown is not None and shown != plan.path.name:  # a partition's contacts name the file
        source["file"] = shown
    return source


def settle(
    metas: Iterable[Meta],
    evidence: Evidence | None,
    plan: Any,
    codebook: Codebook,
    config: dict[str, dict[str, Any]],
    decimal: str | None = None,
) -> tuple[Job, Decision, str]:
    """The reduction between the passes: settings, salt and the rules' decision."""
    metas = list(metas)
    settings = Settings.from_evidence(
        evidence or Evidence(np.zeros(0, np.uint64), np.zeros(0, np.uint64)),
        delimiter=plan.delimiter,
        decimal=decimal,
    )
    salt, salt_note = Job.salt_of(config, plan.salt)
    job = Job(codebook, config, salt, settings)
    meta = Meta.concat(metas)
    parsed = _check_submission_times(meta, codebook, settings, plan)
    decision = decide(meta, codebook, config, settings, parsed)  # the times parsed once
    return job, decision, salt_note


def _check_submission_times(
    meta: Meta, codebook: Codebook, settings: Settings, plan: Any
) -> dict[str, Any]:
    """:func:`~cmmc_analysis.clean.timestamps.check_timestamps` on the submission times of
    every partition (what the exclusion rules read), as the in-memory cleaning does;
    returns them parsed, for :func:`~cmmc_analysis.clean.rules.decide` (empty: none)."""
    when = codebook.role("submitted_at")
    if when is None or meta.timestamp is None:
        return {}
    col = pd.Series(pd.array(meta.timestamp, dtype="str"))
    fmt = settings.timestamp_formats.get(when)
    parsed = {when: parse_item(col, codebook.items[when], codebook, timestamp_format=fmt)}
    headers = getattr(plan, "header_map", None)
    check_timestamps(parsed, codebook, settings.timestamp_formats, path=plan.path, headers=headers)
    return parsed
