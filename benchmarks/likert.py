"""The large Likert table of the historical benchmark (moved here from ``cmmc_analysis.synth``).

:func:`simulate_likert` draws ``n`` rows of Italian agree5 answers as text (a segment
and ``n_items`` items) and :func:`likert_codebook_dict` is their codebook. Used by the
benchmarks (``benchmarks/layouts.py``, layout ``likert20_plain``) and, as a fixture of
messy large tables, by the tests.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cmmc_analysis.errors import SurveyDataError

__all__ = ["likert_codebook_dict", "simulate_likert"]

_AGREE5 = [
    {"it": "Per nulla d'accordo", "en": "Strongly disagree"},
    {"it": "Poco d'accordo", "en": "Disagree"},
    {"it": "Né d'accordo né in disaccordo", "en": "Neither agree nor disagree"},
    {"it": "Abbastanza d'accordo", "en": "Agree"},
    {"it": "Molto d'accordo", "en": "Strongly agree"},
]
_SEGMENTS = [
    {"it": "Nord-Ovest", "en": "North-West"},
    {"it": "Nord-Est", "en": "North-East"},
    {"it": "Centro", "en": "Centre"},
    {"it": "Sud e Isole", "en": "South and Islands"},
]


def _item_ids(n_items: int) -> list[str]:
    width = max(2, len(str(n_items)))
    return [f"q{j:0{width}d}" for j in range(1, n_items + 1)]


def likert_codebook_dict(n_items: int = 20) -> dict[str, Any]:
    """The codebook of :func:`simulate_likert`, as a dict for ``parse_codebook``.

    One agree5 scale (Italian labels, "Non so" as not-an-answer), a single-choice
    segment item ``segment`` and ``n_items`` scale items ``q01``, ``q02``, ... forming
    one construct ``scale_total``.

    Examples
    --------
    >>> from cmmc_analysis.codebook import parse_codebook
    >>> cb = parse_codebook(likert_codebook_dict(3))
    >>> cb.scale_items, cb.segments
    (['q01', 'q02', 'q03'], ['segment'])
    """
    if not isinstance(n_items, int) or n_items < 1:
        raise SurveyDataError(f"parameter n_items: expected a positive integer, found {n_items!r}")
    items: list[dict[str, Any]] = [
        {
            "id": "segment",
            "type": "single",
            "segment": True,
            "options": _SEGMENTS,
            "text": {"it": "Area geografica", "en": "Region"},
        },
    ]
    items += [
        {
            "id": q,
            "type": "scale",
            "scale": "agree5",
            "text": {"it": f"Affermazione {q[1:]}", "en": f"Statement {q[1:]}"},
        }
        for q in _item_ids(n_items)
    ]
    return {
        "survey": {
            "id": "likert_benchmark",
            "source_language": "it",
            "languages": ["it", "en"],
            "title": {"it": "Scala Likert simulata", "en": "Simulated Likert scale"},
        },
        "scales": {
            "agree5": {"points": _AGREE5, "not_an_answer": [{"it": "Non so", "en": "Don't know"}]}
        },
        "items": items,
        "constructs": {"scale_total": {"items": _item_ids(n_items)}} if n_items >= 2 else {},
    }


def _text_column(codes: np.ndarray, labels: list[str]) -> pd.Series:
    """Labels taken by code (-1 = missing) as a pandas ``str`` column, without Python loops."""
    import pyarrow as pa

    missing = codes < 0
    dictionary = pa.DictionaryArray.from_arrays(
        pa.array(np.where(missing, 0, codes).astype(np.int8), mask=missing), pa.array(labels)
    )
    return pd.Series(pd.array(dictionary.cast(pa.large_string()), dtype="str"))


def simulate_likert(
    n: int,
    *,
    n_items: int = 20,
    seed: int = 0,
    na_rate: float = 0.03,
    blank_rate: float = 0.02,
) -> pd.DataFrame:
    """A large table of Italian agree5 answers as text, for benchmarks.

    One normal trait (shifted by segment) drives every item; item latents are
    ``0.6 * trait + 0.8 * noise + location`` with locations from -0.4 to 0.8, cut at
    -1.5, -0.5, 0.5, 1.5. Fully vectorised (a million rows in about two seconds).

    Parameters
    ----------
    n
        Number of rows.
    n_items
        Number of scale items, named ``q01``, ``q02``, ...
    seed
        Seed of the random generator.
    na_rate, blank_rate
        Probability that an answer is "Non so", or blank (missing).

    Returns
    -------
    pandas.DataFrame
        Columns ``segment`` (one of four areas) and the items, every value a label of
        :func:`likert_codebook_dict` or missing.

    Examples
    --------
    >>> df = simulate_likert(5, n_items=2, seed=3)
    >>> df.shape
    (5, 3)
    >>> set(df["q01"].dropna()) <= {"Per nulla d'accordo", "Poco d'accordo",
    ...     "Né d'accordo né in disaccordo", "Abbastanza d'accordo", "Molto d'accordo", "Non so"}
    True
    """
    if not isinstance(n, int | np.integer) or n < 0:
        raise SurveyDataError(f"parameter n: expected a non-negative integer, found {n!r}")
    if not (na_rate >= 0 and blank_rate >= 0 and na_rate + blank_rate <= 1):
        raise SurveyDataError(
            f"parameters na_rate, blank_rate: expected shares summing to at most 1, found {na_rate}, {blank_rate}"
        )
    items = _item_ids(n_items) if isinstance(n_items, int) and n_items >= 1 else None
    if items is None:
        raise SurveyDataError(f"parameter n_items: expected a positive integer, found {n_items!r}")
    rng = np.random.default_rng(seed)
    segment = rng.integers(0, len(_SEGMENTS), n)
    shift = np.array([0.0, 0.15, -0.1, -0.25], dtype=np.float32)
    trait = rng.standard_normal(n, dtype=np.float32) + shift[segment]
    labels = [p["it"] for p in _AGREE5] + ["Non so"]
    thresholds = np.array([-1.5, -0.5, 0.5, 1.5], dtype=np.float32)
    out = {"segment": _text_column(segment, [s["it"] for s in _SEGMENTS])}
    for q, loc in zip(items, np.linspace(-0.4, 0.8, n_items), strict=True):
        latent = 0.6 * trait + 0.8 * rng.standard_normal(n, dtype=np.float32) + np.float32(loc)
        codes = np.searchsorted(thresholds, latent)
        u = rng.random(n, dtype=np.float32)
        codes = np.where(u < na_rate, 5, np.where(u >= 1 - blank_rate, -1, codes))
        out[q] = _text_column(codes, labels)
    return pd.DataFrame(out)
