"""Cleaning an export, whole or in partitions: :func:`clean` and :func:`load_survey`.

One pipeline, whatever the number of partitions (the in-memory path is one partition):

1. **first pass** (:func:`cmmc_analysis.clean.rules.first_pass`), partition by partition:
   the few columns the rules that need other rows read (key, markers, timestamp,
   duration), each row's emptiness, and the evidence for the decimal separator and the
   timestamp formats;
2. **decision** (:func:`cmmc_analysis.clean.rules.decide`) over the whole export: the
   rules ``empty``, ``test_submissions``, ``outside_fieldwork``, ``duplicates`` and
   ``speeders``, in order;
3. **second pass** (:func:`clean_partition`), partition by partition: every value parsed
   (:mod:`cmmc_analysis.clean.parse`), ``straightliners``, the respondent ids, the log's
   details and the typed table;
4. **assembly** (:func:`assemble`): the partitions' tables concatenated, the log's
   ``changes`` and ``flow`` counted, repeated ids suffixed.

Steps 1 and 3 are maps over partitions and step 2 a reduction; the Dask engine
(:mod:`cmmc_analysis.engine`) runs the same functions on a cluster.

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

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..codebook import Codebook, load_codebook
from ..errors import SurveyDataError
from ..io.reader import RawExport
from ..paths import DEFAULT_EXPORT
from ..privacy.scrub import contact_names
from ..schema.cleaning import merge_rules
from ..survey import Survey
from .codes import ACTIONS, EXCLUSION_RULES, MISSING_REASONS, VALUE_RULES
from .log import CleaningLog
from .output import describe, write_survey
from .parse import parse_partition
from .passes import Job, _source, assemble, clean_partition, run_passes, settle, source_of
from .rules import Settings, decide, evidence_of, row_meta
from .timestamps import check_timestamps
from .values import parse_numbers, parse_timestamps

__all__ = [
    "clean",
    "load_survey",
    "open_export",
    "merge_rules",
    "clean_partitions",
    "clean_partition",
    "run_passes",
    "settle",
    "assemble",
    "Job",
    # defined in the modules named, re-exported for the names used before the split
    "CleaningLog",
    "describe",
    "write_survey",
    "parse_numbers",
    "parse_timestamps",
    "EXCLUSION_RULES",
    "VALUE_RULES",
    "MISSING_REASONS",
    "ACTIONS",
]


# ``merge_rules`` (the codebook's rules with overrides, validated) is in schema/cleaning.py;
# the passes over partitions are in clean/passes.py, their Dask run in clean/distributed.py.


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
        each missing value; ``log``: a :class:`~cmmc_analysis.clean.log.CleaningLog`;
        ``source``: provenance.

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
    salt, salt_note = Job.salt_of(config, raw.salt or bytes.fromhex(raw.sha256))
    df = raw.data
    cache: dict[str, Any] = {}
    evidence = evidence_of(df, codebook, cache)
    settings = Settings.from_evidence(evidence, delimiter=raw.delimiter, decimal=raw.decimal)
    job = Job(codebook, config, salt, settings)
    parsed = parse_partition(
        df,
        codebook,
        decimal=settings.decimal,
        timestamp_formats=settings.timestamp_formats,
        cache=cache,
    )
    check_timestamps(
        parsed, codebook, settings.timestamp_formats, path=raw.path, headers=raw.header_map
    )
    meta = row_meta(df, codebook, config, parsed)
    decision = decide(meta, codebook, config, settings, parsed)
    names = contact_names(df, codebook)  # for the log's redaction and the file name
    part = clean_partition(df, job, decision, parsed, names)
    source = _source(raw, settings, salt_note, len(df), codebook, names)
    return assemble([part], decision, job, source)


def clean_partitions(
    plan: Any,
    codebook: Codebook,
    *,
    rules: Mapping[str, Mapping[str, Any]] | None = None,
    decimal: str | None = None,
    keep: bool = False,
) -> Survey:
    """:func:`clean` of an export read in partitions (``plan``: an
    :class:`cmmc_analysis.io.partitions.ExportPlan`), in this process.

    The result equals :func:`clean` of the whole export read at once. ``keep``: parse
    the file once and hold its partitions between the two passes (see
    :func:`~cmmc_analysis.clean.passes.run_passes`).
    """
    config = merge_rules(codebook.cleaning, rules)
    job, decision, parts, note = run_passes(
        plan, codebook, config, clean_partition, decimal, keep=keep
    )
    return assemble(parts, decision, job, source_of(plan, job, note, len(decision)))


#: Exports larger than this (bytes) are read in partitions by :func:`load_survey` (bounded
#: memory, identical result); the environment variable ``CMMC_STREAM_BYTES`` overrides it.
STREAM_BYTES = 256 << 20

#: Bytes of text per partition when a large export is streamed. Each partition is held
#: between the passes anyway, so fewer, larger ones cost little memory and save the
#: per-partition work: at 1e6 rows (486 MB) 128 MB took 13.3 s and peaked at 1131 MB,
#: 32 MB 15.9 s and 1166 MB, 256 MB 13.6 s and 1297 MB.
STREAM_PARTITION = 128 << 20

#: Streamed exports up to this size (bytes) are parsed once, their partitions held
#: between the passes (the text once in memory, as fast as a whole read); larger ones
#: are read anew in each pass (memory: the analysed table and one partition).
STREAM_KEEP_BYTES = 1 << 30


def stream_bytes() -> int:
    """The size above which :func:`load_survey` streams an export (see :data:`STREAM_BYTES`).

    >>> stream_bytes() == int(os.environ.get("CMMC_STREAM_BYTES", STREAM_BYTES))
    True
    """
    value = os.environ.get("CMMC_STREAM_BYTES", "")
    try:
        return int(value) if value.strip() else STREAM_BYTES
    except ValueError as err:
        raise SurveyDataError(
            f"environment variable CMMC_STREAM_BYTES={value!r}; expected a number of bytes"
        ) from err


def _file_size(path: str | Path) -> int:
    """The size of a regular file, else 0 (the reader refuses what is not one)."""
    try:
        info = os.stat(path)
    except OSError:
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


def load_survey(
    path: str | Path | None = None,
    *,
    codebook: Codebook | str | Path | None = None,
    rules: Mapping[str, Mapping[str, Any]] | None = None,
    engine: str | None = None,
    scheduler: str | Any | None = None,
    partition_rows: int | None = None,
    **read_options: Any,
) -> Survey:
    """Read and clean an export in one call.

    Parameters
    ----------
    path
        The export (CSV or XLSX); default: the bundled ``data/raw/remote_working_2020.csv``.
    codebook
        A :class:`~cmmc_analysis.codebook.Codebook` or the path of a codebook YAML
        file; default: the bundled codebook.
    rules
        Overrides of the codebook's cleaning rules (see :func:`clean`).
    engine
        ``"pandas"``: in this process, the whole file at once, or in partitions of
        ``partition_rows`` records when given. ``"dask"``: the same pipeline on Dask
        partitions (see ``docs/performance.md``). Default: the environment variable
        ``CMMC_ENGINE`` (set by ``cmmc-analysis report --engine``), else ``"pandas"``.
    scheduler
        With ``engine="dask"``: the address of a Dask scheduler (``"tcp://host:8786"``)
        or a ``distributed.Client``; default: ``CMMC_DASK_SCHEDULER``, else the current
        client, else a local cluster.
    partition_rows
        Records per partition (default: the whole file with pandas, about 64 MB of
        text per partition with Dask). With pandas, a file larger than
        :func:`stream_bytes` (256 MiB; ``CMMC_STREAM_BYTES``) is streamed in partitions
        of about 128 MB of text anyway: the same result; up to
        :data:`STREAM_KEEP_BYTES` (1 GiB) each partition is parsed once and held until
        the second pass has cleaned it (the file's text once in memory, as parsed
        columns, rather than the several copies of a whole-file read), above it each
        pass reads the partitions anew (see ``docs/performance.md``). With
        ``partition_rows`` given, each pass reads them anew too: memory bounded by the
        analysed table and one partition.
        A file that cannot be cut safely (a quote inside an unquoted field) is then
        read whole.
    **read_options
        ``encoding``, ``delimiter``, ``decimal``: passed to
        :func:`cmmc_analysis.io.reader.read_export`.

    Returns
    -------
    Survey
        The analysed rows (see :func:`clean` for the columns). Identical whatever the
        engine and the partitioning.

    Examples
    --------
    >>> survey = load_survey()
    >>> survey.source["file"], survey.source["n_raw_rows"], len(survey), len(survey.log.excluded)
    ('remote_working_2020.csv', 250, 235, 15)
    >>> len(survey.cut("interim"))
    108
    >>> load_survey(partition_rows=100).log.flow.equals(survey.log.flow)
    True
    """
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    path = path if path is not None else DEFAULT_EXPORT
    engine = engine or os.environ.get("CMMC_ENGINE") or "pandas"
    if engine == "dask":
        scheduler = scheduler or os.environ.get("CMMC_DASK_SCHEDULER") or None
        from .distributed import load_survey_dask

        return load_survey_dask(
            path, codebook, rules=rules, scheduler=scheduler, partition_rows=partition_rows,
            **read_options,
        )  # fmt: skip
    if engine != "pandas":
        raise SurveyDataError(f"parameter engine={engine!r}; expected 'pandas' or 'dask'")
    if partition_rows is not None:
        from ..io.partitions import plan_export

        plan = plan_export(path, codebook, partition_rows=partition_rows, **read_options)
        return clean_partitions(plan, codebook, rules=rules, decimal=read_options.get("decimal"))
    raw = open_export(path, codebook, **read_options)
    if not isinstance(raw, RawExport):  # a large file, planned: streamed, the same result
        return clean_partitions(
            raw,
            codebook,
            rules=rules,
            decimal=read_options.get("decimal"),
            keep=_file_size(path) <= STREAM_KEEP_BYTES,
        )
    return clean(raw, codebook, rules=rules)


def open_export(path: str | Path, codebook: Codebook, **read_options: Any) -> Any:
    """An export opened the way :func:`load_survey` reads it: whole, or planned in partitions.

    A file larger than :func:`stream_bytes` is planned in partitions of about
    :data:`STREAM_PARTITION` bytes (an :class:`~cmmc_analysis.io.partitions.ExportPlan`,
    whose ``partitions()`` yields the raw frames one at a time); any other file, or one
    that cannot be cut safely (a quote inside an unquoted field), is read whole (a
    :class:`~cmmc_analysis.io.reader.RawExport`). Everything that reads a whole export
    (cleaning, the report's leak scan) opens it here, so the memory bound holds for all.

    Examples
    --------
    >>> from cmmc_analysis.codebook import load_codebook
    >>> raw = open_export(DEFAULT_EXPORT, load_codebook())
    >>> type(raw).__name__, len(raw.data)
    ('RawExport', 250)
    """
    from ..io.reader import read_export

    if _file_size(path) > stream_bytes():
        from ..io.partitions import NotPartitionable, plan_export

        try:
            return plan_export(path, codebook, partition_bytes=STREAM_PARTITION, **read_options)
        except NotPartitionable:
            pass  # read whole below, as any file
    return read_export(path, codebook=codebook, **read_options)
