"""Chunked processing gives exactly the in-memory results (issue 8).

Oracle: the library's in-memory path on the same file, ``clean(read_export(...))`` then
``likert_summary`` / ``cronbach_alpha``. Codes and counts are whole numbers, so the
merged sums (and every statistic computed from them) must be identical, not just close.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cmmc_analysis.chunked import (
    chunked_alpha,
    chunked_summary,
    merge_totals,
    read_export_chunks,
    scan_export,
)
from cmmc_analysis.clean.pipeline import clean
from cmmc_analysis.codebook import load_codebook, parse_codebook
from cmmc_analysis.describe.likert import codes, likert_summary
from cmmc_analysis.errors import SurveyDataError
from cmmc_analysis.io.reader import read_export
from cmmc_analysis.paths import DEFAULT_EXPORT
from cmmc_analysis.reliability import cronbach_alpha
from cmmc_analysis.synth import likert_codebook_dict, simulate_likert

N_ITEMS = 6


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
    return clean(read_export(export, codebook=codebook), codebook)


def test_chunks_keep_every_record_and_its_source_row(export, codebook):
    chunks = list(read_export_chunks(export, codebook, chunksize=7))
    assert [len(c) for c in chunks[:2]] == [7, 7]
    rows = np.concatenate([c["source_row"].to_numpy() for c in chunks])
    np.testing.assert_array_equal(rows, np.arange(2, 205))  # header = row 1
    assert list(chunks[0].columns) == ["source_row", "segment", *[f"q0{j}" for j in range(1, 7)]]


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


def test_bundled_export_needs_the_rows_of_non_local_rules():
    cb = load_codebook()
    with pytest.raises(SurveyDataError, match=r"duplicates.*expected exclude_rows"):
        chunked_summary(DEFAULT_EXPORT, cb, chunksize=50)


def test_bundled_export_with_excluded_rows_equals_in_memory():
    cb = load_codebook()
    survey = clean(read_export(DEFAULT_EXPORT, codebook=cb), cb)
    excluded = survey.log.excluded["source_row"].to_numpy()
    got = chunked_summary(DEFAULT_EXPORT, cb, chunksize=37, exclude_rows=excluded, by="size")
    pd.testing.assert_frame_equal(got, likert_summary(survey, by="size"), check_exact=True)
    items = list(cb.constructs["digital_readiness"].items)
    expected = cronbach_alpha(codes(survey, items, reverse_keyed=True), missing="pairwise")
    got = chunked_alpha(
        DEFAULT_EXPORT,
        cb,
        construct="digital_readiness",
        missing="pairwise",
        chunksize=37,
        exclude_rows=excluded,
    )
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_bad_chunksize_is_named(export, codebook):
    with pytest.raises(SurveyDataError, match="parameter chunksize: expected a positive integer"):
        next(read_export_chunks(export, codebook, chunksize=0))
