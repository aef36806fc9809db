"""Small hand-built data for the examples in docstrings and for tests (test support).

Examples
--------
>>> toy_survey().data.shape[0]
8
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .survey import Survey

__all__ = ["toy_survey", "agreement_codebook"]


def toy_survey() -> Survey:
    """A small hand-built Survey used by the examples (8 respondents)."""
    from .codebook import load_codebook

    cb = load_codebook()
    pts = cb.scale_of("tech_cloud").labels()
    idx = pd.Index([f"r{i}" for i in range(1, 9)], name="respondent_id")

    def scale(values):
        return pd.Categorical(
            [pts[v - 1] if v else None for v in values], categories=pts, ordered=True
        )

    def single(item, values):
        return pd.Categorical(values, categories=cb.labels(item))

    data = pd.DataFrame(
        {
            "tech_cloud": scale([5, 4, 0, 4, 5, 2, 4, 1]),
            "tech_chatbot": scale([4, 3, 3, 2, 4, 1, 3, 4]),
            "tech_video": scale([4, 3, 0, 3, 5, 2, 0, 2]),
            "tech_remote_support": scale([5, 4, 0, 4, 4, 2, 0, 3]),
            "tech_collab": scale([5, 4, 3, 5, 5, 1, 0, 3]),
            "tech_selfservice": scale([4, 3, 0, 4, 4, 2, 0, 2]),
            "size": single(
                "size",
                [
                    "Meno di 50",
                    "50–249",
                    "Meno di 50",
                    "250–999",
                    "1000 e oltre",
                    "Meno di 50",
                    "50–249",
                    None,
                ],
            ),
            "remote_adopted": single(
                "remote_adopted",
                ["Sì", "Sì", "No", "Sì", None, "In corso di attivazione", "Sì", "No"],
            ),
            "remote_share": [80.0, 60.0, np.nan, 90.0, np.nan, 30.0, 70.0, np.nan],
        },
        index=idx,
    )
    for o, ticks in zip(
        cb.item("channels_up").options,
        [[1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 0, 1]] + [[0, 0, 0, 0]] * 4,
        strict=True,
    ):
        data[f"channels_up__{o.code}"] = pd.array(ticks + [False] * 4, dtype=bool)
    missing = pd.DataFrame(
        index=idx, data={"tech_cloud": [None, None, "not_an_answer"] + [None] * 5}
    )
    missing["tech_chatbot"] = None
    missing["channels_up"] = [None] * 4 + ["blank"] * 4
    return Survey(data=data, missing=missing, codebook=cb)


def agreement_codebook(items: tuple[str, ...] = ("q01",)) -> object:
    """A one-language codebook: a segment and 5-point Italian agreement items ("Non so").

    The layout of the examples of the partitioned pipeline (a segment and Likert items).

    >>> cb = agreement_codebook(("q01", "q02"))
    >>> list(cb.items), cb.scale_of("q01").labels()[0]
    (['segment', 'q01', 'q02'], "Per nulla d'accordo")
    """
    from .codebook import parse_codebook

    agree = ["Per nulla d'accordo", "Poco d'accordo", "Né d'accordo né in disaccordo",
             "Abbastanza d'accordo", "Molto d'accordo"]  # fmt: skip
    return parse_codebook(
        {
            "survey": {"id": "t", "source_language": "it", "languages": ["it"]},
            "scales": {"agree5": {"points": agree, "not_an_answer": ["Non so"]}},
            "items": [
                {
                    "id": "segment",
                    "type": "single",
                    "text": "Area",
                    "options": ["Nord-Ovest", "Nord-Est", "Centro", "Sud e Isole"],
                }  # fmt: skip
            ]
            + [{"id": q, "type": "scale", "scale": "agree5", "text": q} for q in items],
        }
    )
