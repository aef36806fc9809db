"""One cleaning pipeline, whatever the partitioning (issue 17).

Oracle: the in-memory path, ``load_survey(path)`` (one partition: the whole file read by
``read_export``). Read and cleaned in partitions of 7 records, the same export must give
*identical* tables: the analysed data, the missing reasons and every table of the log,
including the rules that need other rows (duplicates, speeders' median, test
submissions, fieldwork). Codes and counts are whole numbers, so the summaries and alpha
merged from per-partition sums must be identical too, not just close.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.likert import likert_codebook_dict, simulate_likert
from cmmc_analysis.clean import load_survey
from cmmc_analysis.codebook import load_codebook, parse_codebook
from cmmc_analysis.describe.likert import codes, likert_summary
from cmmc_analysis.engine import chunked_alpha, chunked_summary, merge_totals, scan_export
from cmmc_analysis.errors import ExportError, SurveyDataError
from cmmc_analysis.io import plan_export, read_export_chunks
from cmmc_analysis.paths import DEFAULT_EXPORT
from cmmc_analysis.reliability import cronbach_alpha
from cmmc_analysis.synth import simulate, write_export

N_ITEMS = 6


def assert_same_survey(got, expected):
    """Every table of two surveys is identical (the read time aside)."""
    pd.testing.assert_frame_equal(got.data, expected.data, check_exact=True)
    pd.testing.assert_frame_equal(got.missing, expected.missing, check_exact=True)
    for name in ("flow", "changes", "details", "excluded"):
        pd.testing.assert_frame_equal(
            getattr(got.log, name), getattr(expected.log, name), check_exact=True, obj=name
        )
    drop = lambda s: {k: v for k, v in s.items() if k != "read_at"}  # noqa: E731
    assert drop(got.source) == drop(expected.source)


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    """The simulator's export: every planted defect (duplicates, speeders, test
    submissions, outside fieldwork, straight lines, typos, numbers in words...)."""
    path, _ = write_export(simulate(seed=7), tmp_path_factory.mktemp("sim") / "export.csv")
    return path


@pytest.fixture(autouse=True)
def _fixed_salt(monkeypatch):
    monkeypatch.delenv("CMMC_PSEUDONYM_SALT", raising=False)


@pytest.mark.parametrize(
    "rules",
    [
        None,
        {"duplicates": {"exclude": False}, "speeders": {"exclude": False}},
        {
            "test_submissions": {"exclude": False},
            "straightliners": {"exclude": False},
            "duplicates": {"keep": "first"},
        },
    ],  # fmt: skip
)
def test_partitions_of_seven_rows_give_the_in_memory_survey(messy, rules):
    expected = load_survey(messy, rules=rules)
    excluded = set(expected.log.excluded["rule"])
    if rules is None:  # the rules that need other rows did exclude rows
        assert {"duplicates", "speeders", "test_submissions", "outside_fieldwork"} <= excluded
    got = load_survey(messy, rules=rules, partition_rows=7 if rules is None else 60)
    assert_same_survey(got, expected)


def test_bundled_export_in_partitions_equals_in_memory():
    assert_same_survey(load_survey(partition_rows=7), load_survey())


@pytest.fixture(scope="module")
def codebook():
    doc = likert_codebook_dict(N_ITEMS)
    doc["constructs"]["scale_total"]["reverse"] = ["q02"]
    return parse_codebook(doc)


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """A messy small export: misspelt labels, "Non so" variants, blank rows, bad texts."""
    df = simulate_likert(203, n_items=N_ITEMS, seed=11).astype(object)
    rng = np.random.default_rng(5)
    variants = ["  molto D’ACCORDO", "Ne d'accordo ne in disaccordo", "NON SO", "boh", " ", "???"]
    for item in ["q01", "q03", "q05"]:
        rows = rng.choice(len(df), 12, replace=False)
        df.loc[rows, item] = rng.choice(variants, 12)
    df.loc[[4, 50, 51, 202], :] = None  # rows with no answer at all: rule `empty`
    df.loc[[7, 8], "segment"] = None  # answers without a segment: left out of `by`
    path = tmp_path_factory.mktemp("chunked") / "likert.csv"
    df.to_csv(path, index=False, sep=";")
    return path


@pytest.fixture(scope="module")
def survey(export, codebook):
    return load_survey(export, codebook=codebook)


def test_chunks_keep_every_record_and_its_source_row(export, codebook):
    chunks = list(read_export_chunks(export, codebook, chunksize=7))
    assert [len(c) for c in chunks[:2]] == [7, 7]
    rows = np.concatenate([c["source_row"].to_numpy() for c in chunks])
    np.testing.assert_array_equal(rows, np.arange(2, 205))  # header = row 1
    assert list(chunks[0].columns) == ["source_row", "segment", *[f"q0{j}" for j in range(1, 7)]]


def test_quoted_newlines_and_blank_lines_stay_in_their_records(tmp_path):
    codebook = parse_codebook(likert_codebook_dict(1))
    path = tmp_path / "x.csv"
    path.write_text('segment;q01\nCentro;"Non\nso"\n\nCentro;"Poco d\'accordo"\nSud;\n')
    plan = plan_export(path, codebook, partition_rows=1)
    assert plan.n_records == 4 and len(plan) == 4
    frames = list(plan.partitions())
    assert [f["source_row"].tolist() for f in frames] == [[2], [3], [4], [5]]
    assert frames[0]["q01"].tolist() == ["Non\nso"] and frames[1]["q01"].isna().all()


@pytest.mark.parametrize("by", [None, "segment"])
def test_summary_in_chunks_equals_in_memory(export, codebook, survey, by):
    assert len(survey.log.excluded) == 4  # the four empty rows
    expected = likert_summary(survey, by=by)
    got = chunked_summary(export, codebook, by=by, chunksize=7)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_alpha_in_chunks_equals_in_memory(export, codebook, survey, missing):
    items = list(codebook.constructs["scale_total"].items)
    expected = cronbach_alpha(codes(survey, items, reverse_keyed=True), missing=missing)
    got = chunked_alpha(export, codebook, construct="scale_total", missing=missing, chunksize=7)
    if missing == "pairwise":  # the scale's mean and sd over answered items need the rows
        assert got[["mean", "sd"]].isna().all(axis=None)
        expected = expected.assign(mean=np.nan, sd=np.nan)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    answered = codes(survey, items).notna()
    rows = answered.all(axis=1) if missing == "listwise" else answered.any(axis=1)
    assert got["n"].iloc[0] == int(rows.sum())


def test_tree_merge_equals_one_pass(export, codebook):
    one = scan_export(export, codebook, construct="scale_total", chunksize=1000)
    parts = [
        scan_export(export, codebook, construct="scale_total", chunksize=5, exclude_rows=keep)
        for keep in (np.arange(2, 100), np.arange(100, 205))  # two disjoint halves
    ]
    merged = merge_totals(parts)
    assert merged.n_rows == 2 * one.n_rows  # each half read the whole file
    for item in one.items:
        np.testing.assert_array_equal(merged.counts[item], one.counts[item])
        np.testing.assert_array_equal(merged.missing[item], one.missing[item])
    for rule in ("listwise", "pairwise"):
        np.testing.assert_array_equal(merged.cross[rule].cross, one.cross[rule].cross)
        assert merged.cross[rule].n_any == one.cross[rule].n_any


def test_bundled_export_summaries_apply_every_rule_without_help():
    cb = load_codebook()
    survey = load_survey()
    got = chunked_summary(DEFAULT_EXPORT, cb, chunksize=37, by="size")
    pd.testing.assert_frame_equal(got, likert_summary(survey, by="size"), check_exact=True)
    items = list(cb.constructs["digital_readiness"].items)
    expected = cronbach_alpha(codes(survey, items, reverse_keyed=True), missing="pairwise")
    got = chunked_alpha(DEFAULT_EXPORT, cb, construct="digital_readiness", missing="pairwise",
                        chunksize=37)  # fmt: skip
    expected = expected.assign(mean=np.nan, sd=np.nan)  # pairwise: need the rows
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    totals = scan_export(DEFAULT_EXPORT, cb, chunksize=50)
    assert sum(totals.n_excluded.values()) == len(survey.log.excluded) == 15


def test_timestamp_format_and_decimal_are_decided_over_the_whole_file(tmp_path):
    """Day <= 12 everywhere in the first partition: only the whole file says month first."""
    from tests.test_clean import IDS, export, row  # the second survey's fixture

    rows = [row(submitted=f"05/0{d}/2024 09:00:00 AM", seconds="300") for d in range(1, 8)]
    rows.append(row(submitted="05/13/2024 09:00:00 AM", seconds="290"))
    path = export(tmp_path, rows)
    from pathlib import Path

    pulse = load_codebook(Path(__file__).parent / "fixtures" / "second_survey" / "codebook.yaml")
    whole = load_survey(path, codebook=pulse)
    stamps = whole.data["submitted"].dt.strftime("%Y-%m-%d").tolist()
    assert stamps[0] == "2024-05-01" and stamps[-1] == "2024-05-13"
    assert_same_survey(load_survey(path, codebook=pulse, partition_rows=3), whole)
    assert IDS[0] == "submitted"


def test_bad_partition_size_is_named(export, codebook):
    with pytest.raises(SurveyDataError, match="parameter chunksize: expected a positive integer"):
        next(read_export_chunks(export, codebook, chunksize=0))
    with pytest.raises(SurveyDataError, match="parameter partition_rows"):
        load_survey(export, codebook=codebook, partition_rows=0)


def test_a_short_record_inside_the_file_is_an_error_in_any_partition(tmp_path):
    codebook = parse_codebook(likert_codebook_dict(1))
    path = tmp_path / "x.csv"
    path.write_text("segment;q01\nCentro;Non so\nCentro\nSud;Non so\n")
    for rows in (None, 1, 2):
        with pytest.raises(ExportError, match="row 3"):
            load_survey(path, codebook=codebook, partition_rows=rows)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("tesTESprova@._- 1éÉèｔ")), max_size=14),
        min_size=1,
        max_size=12,
    )
)
def test_the_vectorised_marker_search_is_the_documented_rule(texts):
    """Oracle: the rule of docs/cleaning.md written plainly, one text at a time with `re`:
    a marker as a whole word (split on anything but letters and digits) of the text
    after normalise_text."""
    import re

    from cmmc_analysis.clean.rules import _marker_found
    from cmmc_analysis.io.reader import normalise_text

    keys = ["test", "prova"]
    pattern = re.compile(r"(?<![^\W_])(test|prova)(?![^\W_])")
    expected = []
    for t in texts:
        m = pattern.search(normalise_text(t))
        expected.append(keys.index(m.group(1)) if m else -1)
    got = _marker_found(pd.Series(texts, dtype="str"), keys)
    assert got.tolist() == expected
