"""The cleaning pipeline on a Dask cluster: the same two passes, partitions as tasks.

The client sniffs the export once (:func:`cmmc_analysis.io.partitions.plan_export`:
header, delimiter, encoding, record boundaries, the hashes), and builds a
``dask.dataframe`` whose partitions the workers read themselves
(``dask.dataframe.from_map`` over the plan: every worker must see the file at the
same path, e.g. on a shared file system). Then:

* map: :func:`cmmc_analysis.clean.rules.first_pass` of each partition (a few columns
  per row, and the evidence for the decimal separator and the timestamp formats);
* on the client: :func:`cmmc_analysis.clean.passes.settle` (the rules that need
  other rows, decided over every row at once: a few arrays per row);
* map: the second pass of each partition, given its slice of the decision
  (:func:`cmmc_analysis.clean.passes.clean_partition`, or its reduction to sums);
* reduce: a tree of additions of the sums (:func:`cmmc_analysis.engine.totals.merge_totals`)
  on the workers, or the cleaned partitions gathered into one :class:`Survey`.

Results are identical to the in-memory pipeline (the tests compare every table).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import Codebook
from ..errors import SurveyDataError
from ..memory import release_memory

__all__ = ["run_dask", "load_survey_dask", "client_for"]

#: Bytes of text per partition when no number of records is given.
PARTITION_BYTES = 64 << 20


def client_for(scheduler: Any = None) -> Any:
    """A ``distributed.Client``: the one given, one connected to an address, the current
    one, or a new local cluster (one worker process per core)."""
    try:
        from distributed import Client, LocalCluster, default_client
    except ImportError as err:  # pragma: no cover - dask is a dependency
        raise SurveyDataError(
            "engine='dask' needs dask[distributed]; expected it installed "
            "(pip install 'dask[distributed]')"
        ) from err
    if scheduler is not None and not isinstance(scheduler, str):
        return scheduler
    if isinstance(scheduler, str):
        try:
            return Client(scheduler, timeout="20s")
        except OSError as err:
            raise SurveyDataError(
                f"cannot reach the Dask scheduler at {scheduler!r}: {err}; expected the "
                "address of a running scheduler (tcp://host:8786)"
            ) from err
    try:
        return default_client()
    except ValueError:
        return Client(LocalCluster(processes=False, dashboard_address=None))


def _frame(plan: Any) -> Any:
    """The export as a ``dask.dataframe`` of text columns, one partition per plan range."""
    import dask.dataframe as dd

    meta = pd.DataFrame(
        {"source_row": pd.Series(dtype="int64")}
        | {item: pd.Series(dtype="str") for item in plan.header_map}
    )
    return dd.from_map(
        _read, range(len(plan)), plan=plan, meta=meta, enforce_metadata=False, divisions=None
    )


def _read(i: int, plan: Any) -> pd.DataFrame:
    return plan.read(i)


def _first(df: pd.DataFrame, codebook: Codebook, config: dict, plan: Any) -> Any:
    """The first pass of a partition and its contacts
    (:func:`cmmc_analysis.clean.passes.first_of`), and what reading it found."""
    from .passes import first_of

    return (*first_of(df, codebook, config, plan), df.attrs.get("findings"))


def _second(finish: Any, df: pd.DataFrame, job: Any, decision: Any) -> Any:
    """The second pass of a partition (``finish``), then its freed memory released."""
    out = finish(df, job, decision)
    release_memory()  # each worker thread's heap keeps what the pass freed otherwise
    return out


def run_dask(
    path: str | Path,
    codebook: Codebook,
    config: dict[str, dict[str, Any]],
    finish: Any,
    *,
    decimal: str | None = None,
    scheduler: Any = None,
    partition_rows: int | None = None,
    reduce: Any = None,
    **read_options: Any,
) -> tuple[Any, Any, Any, str, Any]:
    """The two passes of the cleaning pipeline on Dask (see the module notes).

    ``finish(df, job, decision)`` is the second pass of a partition; with ``reduce``
    (an associative function of a list of results) the results are reduced on the
    workers as a tree of pairs, else returned as a list in file order. Returns the
    job, the decision, the result(s), how the salt was chosen, and the plan.
    """
    import dask
    from dask import delayed

    from ..io.partitions import plan_export
    from .passes import settle, with_contacts

    client = client_for(scheduler)
    plan = plan_export(
        path,
        codebook,
        partition_rows=partition_rows,
        partition_bytes=None if partition_rows else PARTITION_BYTES,
        **read_options,
    )
    with dask.config.set({"dataframe.convert-string": False}):
        parts = _frame(plan).to_delayed()
        firsts = client.compute([delayed(_first)(p, codebook, config, plan) for p in parts])
        metas, evidences, contacts, findings = zip(*client.gather(firsts), strict=True)
        del firsts  # the workers drop their copies
        plan.found.update({i: f for i, f in enumerate(findings) if f is not None})
        evidence = evidences[0]
        for ev in evidences[1:]:
            evidence = evidence + ev
        job, decision, salt_note = settle(metas, evidence, plan, codebook, config, decimal)
        job = with_contacts(job, plan, contacts)
        offsets = np.r_[0, np.cumsum([len(m) for m in metas])]
        job_future = client.scatter(job, broadcast=True)
        tasks = [
            delayed(_second)(finish, p, job_future, decision.rows(int(a), int(b)))
            for p, a, b in zip(parts, offsets[:-1], offsets[1:], strict=True)
        ]
        if reduce is not None:
            while len(tasks) > 1:
                paired = [delayed(_pair)(reduce, tasks[j], tasks[j + 1])
                          for j in range(0, len(tasks) - 1, 2)]  # fmt: skip
                tasks = paired + tasks[len(tasks) - len(tasks) % 2 :]
            result = client.compute(tasks[0]).result()
        else:
            result = client.gather(client.compute(tasks))
    return job, decision, result, salt_note, plan


def _pair(reduce: Any, a: Any, b: Any) -> Any:
    return reduce([a, b])


def load_survey_dask(
    path: str | Path,
    codebook: Codebook,
    *,
    rules: Mapping[str, Mapping[str, Any]] | None = None,
    scheduler: Any = None,
    partition_rows: int | None = None,
    **read_options: Any,
) -> Any:
    """:func:`cmmc_analysis.clean.pipeline.load_survey` with ``engine="dask"``: cleaned on
    the cluster, the analysed table gathered on the client."""
    from ..schema.cleaning import merge_rules
    from .passes import assemble, clean_partition, source_of

    config = merge_rules(codebook.cleaning, rules)
    decimal = read_options.pop("decimal", None)
    job, decision, parts, note, plan = run_dask(
        path, codebook, config, clean_partition, decimal=decimal, scheduler=scheduler,
        partition_rows=partition_rows, **read_options,
    )  # fmt: skip
    return assemble(parts, decision, job, source_of(plan, job, note, len(decision)))
