"""The fast scoring gives exactly the naive scoring's codes (issue 8).

Oracles, computed plainly in the tests: a cell-by-cell loop applying the label rules
of docs/cleaning.md (exact label, else the normalised key of a label, else missing),
``DataFrame.replace(mapping).astype(float)`` on frames holding only exact labels, and
the codes of the cleaner itself on the same file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.likert import likert_codebook_dict, simulate_likert
from cmmc_analysis.clean.pipeline import clean
from cmmc_analysis.clean.score import (
    BLANK,
    INVALID,
    NOT_AN_ANSWER,
    level_indexes,
    score_frame,
)
from cmmc_analysis.codebook import parse_codebook
from cmmc_analysis.io.reader import normalise_text, read_export

CB = parse_codebook(likert_codebook_dict(3))
LABELS = CB.scales["agree5"].labels()
ITEMS = ["q01", "q02", "q03"]
TEXTS = [
    *LABELS,
    "Non so",
    "non  SO ",
    "Molto D’ACCORDO",
    "  poco d'accordo",
    "Ne d'accordo ne in disaccordo",
    "Né d’accordo né in disaccordo ",
    "Molto d accordo",  # misspelt: no apostrophe
    "Abbastanza",
    "boh",
    "",
    "   ",
    None,
]


def naive_code(value) -> float:
    """One cell, as docs/cleaning.md states the rules."""
    if not isinstance(value, str):  # None or NaN: an empty cell
        return np.nan
    if value in LABELS:
        return float(LABELS.index(value) + 1)
    keys = [normalise_text(lab) for lab in LABELS]
    key = normalise_text(value)
    return float(keys.index(key) + 1) if key in keys else np.nan


def naive_level(value) -> int:
    code = naive_code(value)
    if not np.isnan(code):
        return int(code) - 1
    if not isinstance(value, str) or not normalise_text(value):
        return BLANK
    return NOT_AN_ANSWER if normalise_text(value) == "non so" else INVALID


cells = st.lists(st.sampled_from(TEXTS), min_size=0, max_size=40)


def as_arrow_chunks(values: list, cut: int) -> pd.Series:
    """A pandas str column backed by a pyarrow ChunkedArray of two chunks."""
    chunked = pa.chunked_array(
        [pa.array(values[:cut], pa.large_string()), pa.array(values[cut:], pa.large_string())]
    )
    return pd.Series(pd.arrays.ArrowStringArray(chunked))


@settings(max_examples=60, deadline=None)
@given(columns=st.lists(cells, min_size=3, max_size=3), data=st.data())
def test_fast_scoring_equals_cell_by_cell_rules(columns, data):
    n = min(len(c) for c in columns)
    frame = pd.DataFrame({item: col[:n] for item, col in zip(ITEMS, columns, strict=True)})
    expected = frame.map(naive_code).astype(float)  # the oracle, one cell at a time
    for variant in (frame.astype("str"), frame.astype(object)):
        got = score_frame(variant, CB)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    cut = data.draw(st.integers(0, n))
    col = as_arrow_chunks(columns[0][:n], cut)
    got = level_indexes(col, LABELS, ["Non so"])
    assert got.tolist() == [naive_level(v) for v in columns[0][:n]]


@settings(max_examples=30, deadline=None)
@given(
    columns=st.lists(
        st.lists(st.sampled_from([*LABELS, "Non so", None]), max_size=30), min_size=3, max_size=3
    )
)
def test_fast_scoring_equals_replace_and_factorize(columns):
    n = min(len(c) for c in columns)
    frame = pd.DataFrame({i: c[:n] for i, c in zip(ITEMS, columns, strict=True)}, dtype="str")
    mapping = {lab: float(j + 1) for j, lab in enumerate(LABELS)} | {"Non so": np.nan}
    naive = frame[ITEMS].astype(object).replace(mapping).astype(float)
    lut = {lab: mapping[lab] for lab in mapping}
    reference = pd.DataFrame(
        {
            i: np.append([lut[u] for u in uniques], np.nan)[codes]
            for i in ITEMS
            for codes, uniques in [pd.factorize(frame[i])]
        },
        index=frame.index,
    )
    got = score_frame(frame, CB)
    pd.testing.assert_frame_equal(got, naive, check_exact=True)
    pd.testing.assert_frame_equal(got, reference, check_exact=True)


def test_fast_scoring_equals_the_cleaners_codes(tmp_path):
    df = simulate_likert(300, n_items=3, seed=4).astype(object)
    rng = np.random.default_rng(0)
    for item in ITEMS:
        rows = rng.choice(300, 30, replace=False)
        df.loc[rows, item] = rng.choice(TEXTS[5:-1], 30)
    path = tmp_path / "x.csv"
    df.to_csv(path, index=False)
    raw = read_export(path, codebook=CB)
    survey = clean(raw, CB)
    kept = raw.data.set_index("source_row").loc[survey.data["source_row"]]
    got = score_frame(kept.reset_index(drop=True), CB)
    expected = survey.codes(ITEMS).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got.notna().sum().sum() > 700  # most answers are labels


def test_columns_scored_in_threads_give_the_same_codes(monkeypatch):
    import cmmc_analysis.clean.score as chunked

    frame = simulate_likert(2000, n_items=3, seed=9)
    serial = score_frame(frame, CB)
    monkeypatch.setattr(chunked, "_PARALLEL_ROWS", 0)
    monkeypatch.setattr(chunked.os, "cpu_count", lambda: 4)
    threaded = score_frame(frame, CB)
    pd.testing.assert_frame_equal(threaded, serial, check_exact=True)
    assert serial.notna().sum().sum() > 5000
