"""The Dask engine runs the one cleaning pipeline and gives the in-memory tables (issue 17).

A ``distributed.LocalCluster`` of two workers (threads, so the test starts in a second)
runs both passes on partitions of the export; every table must equal the in-memory
result on messy data: the analysed data, the missing reasons, the whole cleaning log,
and the summaries and alpha reduced from per-partition sums.
"""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

from cmmc_analysis.clean import load_survey  # noqa: E402
from cmmc_analysis.codebook import load_codebook  # noqa: E402
from cmmc_analysis.describe.likert import codes, likert_summary  # noqa: E402
from cmmc_analysis.engine import chunked_alpha, chunked_summary, scan_export  # noqa: E402
from cmmc_analysis.errors import SurveyDataError  # noqa: E402
from cmmc_analysis.reliability import cronbach_alpha  # noqa: E402
from cmmc_analysis.synth import simulate, write_export  # noqa: E402
from tests.test_partitions import assert_same_survey  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    path, _ = write_export(simulate(seed=11), tmp_path_factory.mktemp("dask") / "export.csv")
    return path


def test_dask_engine_gives_the_in_memory_survey(client, messy):
    expected = load_survey(messy)
    assert {"duplicates", "speeders", "test_submissions"} <= set(expected.log.excluded["rule"])
    got = load_survey(messy, engine="dask", scheduler=client, partition_rows=40)
    assert_same_survey(got, expected)


def test_dask_engine_summaries_and_alpha_are_the_in_memory_ones(client, messy):
    cb = load_codebook()
    survey = load_survey(messy)
    totals = scan_export(messy, cb, by="size", chunksize=50, engine="dask", scheduler=client)
    pd.testing.assert_frame_equal(
        chunked_summary(None, cb, by="size", totals=totals),
        likert_summary(survey, by="size"),
        check_exact=True,
    )
    items = list(cb.constructs["digital_readiness"].items)
    got = chunked_alpha(messy, cb, construct="digital_readiness", missing="pairwise",
                        chunksize=50, engine="dask", scheduler=client)  # fmt: skip
    expected = cronbach_alpha(codes(survey, items, reverse_keyed=True), missing="pairwise")
    expected = expected.assign(mean=float("nan"), sd=float("nan"))  # pairwise: need the rows
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert sum(totals.n_excluded.values()) == len(survey.log.excluded)


def test_what_travels_to_the_workers_can_be_pickled(messy):
    """A cluster of processes or machines pickles the plan, the job and the decision."""
    from cmmc_analysis.clean.pipeline import merge_rules, settle
    from cmmc_analysis.clean.rules import first_pass
    from cmmc_analysis.io import plan_export

    cb = load_codebook()
    plan = plan_export(messy, cb, partition_rows=100)
    config = merge_rules(cb.cleaning, None)
    firsts = [first_pass(df, cb, config) for df in plan.partitions()]
    job, decision, _ = settle([m for m, _ in firsts], firsts[0][1], plan, cb, config)
    for obj in (plan, job, decision.rows(0, 100)):
        pickle.loads(pickle.dumps(obj))
    assert pickle.loads(pickle.dumps(plan)).read(1)["source_row"].iloc[0] == 102


def test_unknown_engine_is_named():
    with pytest.raises(SurveyDataError, match="parameter engine='spark'"):
        load_survey(engine="spark")


def test_cli_clean_with_the_dask_engine_writes_the_same_files(client, messy, tmp_path):
    from cmmc_analysis.cli import main

    address = client.scheduler.address
    for engine, out in (("pandas", tmp_path / "p"), ("dask", tmp_path / "d")):
        args = ["clean", str(messy), "--out", str(out), "--format", "csv", "--engine", engine]
        assert main(args + (["--scheduler", address] if engine == "dask" else [])) == 0
    for name in ("clean.csv", "missing.csv", "flow.csv", "changes.csv", "details.csv"):
        assert (tmp_path / "p" / name).read_bytes() == (tmp_path / "d" / name).read_bytes()


def test_report_engine_reaches_the_notebooks_through_the_environment(monkeypatch):
    """`report --engine dask --scheduler A` sets what the notebooks' load_survey reads."""
    import os

    from cmmc_analysis.cli import _engine, build_parser

    for name in ("CMMC_ENGINE", "CMMC_DASK_SCHEDULER"):
        # setenv records the variable's state, so teardown restores it even though
        # _engine sets os.environ itself (delenv on an absent variable records nothing,
        # and the worker's later load_survey calls would then go to this scheduler)
        monkeypatch.setenv(name, "")
    address = "tcp://127.0.0.1:8786"
    args = build_parser().parse_args(["report", "--engine", "dask", "--scheduler", address])
    assert _engine(args, for_kernels=True) == {"engine": "dask", "scheduler": address}
    assert (os.environ["CMMC_ENGINE"], os.environ["CMMC_DASK_SCHEDULER"]) == ("dask", address)
    monkeypatch.setenv("CMMC_ENGINE", "spark")  # load_survey's default engine is the variable
    with pytest.raises(SurveyDataError, match="parameter engine='spark'"):
        load_survey()
