"""The cleaned survey: one object holding the analysed table and its context.

A :class:`Survey` is what :func:`cmmc_analysis.clean.pipeline.clean` and
:func:`cmmc_analysis.clean.pipeline.load_survey` return and what every
analysis function takes first. It holds the typed table of analysed rows (no personal
data), the reasons why values are missing, the codebook, the cleaning log and the
provenance of the export.

Examples
--------
>>> import pandas as pd
>>> from cmmc_analysis.codebook import load_codebook
>>> cb = load_codebook()
>>> pts = cb.scale_of("org_models").labels()
>>> data = pd.DataFrame(
...     {"submitted_at": pd.to_datetime(["2020-03-10", "2020-03-20"]),
...      "org_models": pd.Categorical([pts[4], pts[0]], categories=pts, ordered=True)},
...     index=pd.Index(["r1", "r2"], name="respondent_id"))
>>> s = Survey(data=data, missing=pd.DataFrame(index=data.index), codebook=cb)
>>> s.codes(["org_models"])["org_models"].tolist()
[5.0, 1.0]
>>> len(s.cut("interim"))
1
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .codebook import Codebook
from .errors import SurveyDataError

__all__ = ["Survey"]


@dataclass(frozen=True, repr=False)
class Survey:
    """The analysed rows of a survey with their codebook, log and provenance.

    Attributes
    ----------
    data
        One row per analysed respondent, indexed by ``respondent_id``; column types
        are described in ``docs/architecture.md``.
    missing
        Same index; for each item the reason a value is missing (``not_an_answer``,
        ``blank``, ``not_asked``, ``invalid``), missing where the item was answered.
    codebook
        The :class:`~cmmc_analysis.codebook.Codebook` the data were read with.
    log
        The cleaning log (``None`` for a Survey built by hand).
    source
        Provenance of the export: file name, sha256, encoding, ...
    cutoff
        The cut this Survey is restricted to, if any (a label such as ``"interim"``).
    """

    data: pd.DataFrame
    missing: pd.DataFrame
    codebook: Codebook
    log: Any = None
    source: dict[str, Any] = field(default_factory=dict)
    cutoff: str | None = None

    def __len__(self) -> int:
        return len(self.data)

    def summary(self) -> dict[str, str]:
        """What this Survey holds, as short texts (for ``repr`` and notebooks).

        ``respondents``, ``items``, ``source`` (the export's file name), ``cut`` and
        ``cleaning`` (rows read, excluded by rule, values changed).
        """
        cb = self.codebook
        columns = [str(c) for c in self.data.columns]
        analysed = [
            i for i in cb.items if i in columns or any(c.startswith(f"{i}__") for c in columns)
        ]
        out = {
            "survey": cb.survey_id or "(no id)",
            "respondents": f"{len(self.data)} respondents",
            "items": f"{len(analysed)} of {len(cb.items)} codebook items analysed",
            "source": str(self.source.get("file") or "(built in memory)"),
            "cut": self.cutoff or "final (all responses)",
        }
        counts = self.log.counts() if hasattr(self.log, "counts") else None
        if counts is not None:
            read = self.source.get("n_raw_rows")
            excluded = counts[counts["excluded"] > 0]
            by_rule = ", ".join(
                f"{r} {n}" for r, n in zip(excluded["rule"], excluded["excluded"], strict=True)
            )
            out["cleaning"] = (
                (f"{read} rows read, " if read is not None else "")
                + f"{int(excluded['excluded'].sum())} excluded"
                + (f" ({by_rule})" if by_rule else "")
                + f", {int(counts['n'].sum())} values changed or rejected"
            )
        return out

    def __repr__(self) -> str:
        s = self.summary()
        text = (
            f"<Survey {s['survey']}: {s['respondents']}, {s['items']}, from {s['source']}, "
            f"cut {s['cut']}"
        )
        return text + (f"; cleaning: {s['cleaning']}>" if "cleaning" in s else ">")

    def _repr_html_(self) -> str:
        from .codebook import _html_table

        return _html_table("Survey", self.summary())

    def cut(self, until: str | pd.Timestamp | None = None) -> Survey:
        """The respondents who submitted before ``until``.

        Parameters
        ----------
        until
            A cut-off name from the codebook (``"interim"``), a timestamp, a string
            that pandas parses as one, or None for the codebook's default cut-off.
        """
        stamp, label = self.resolve_cutoff(until)
        col = self.codebook.role("submitted_at")
        if col is None or col not in self.data:
            raise SurveyDataError("cannot cut by time: the codebook declares no submitted_at item")
        keep = (self.data[col] < stamp).to_numpy(dtype=bool, na_value=False)
        return replace(
            self,
            data=self.data.loc[keep],
            missing=self.missing.loc[keep]
            if len(self.missing.columns)
            else self.missing.iloc[np.flatnonzero(keep)],
            cutoff=label,
        )

    def resolve_cutoff(self, until: str | pd.Timestamp | None) -> tuple[pd.Timestamp, str]:
        """A cut-off as (timestamp, label): a codebook name, or a date-time."""
        if until is None or (isinstance(until, str) and until in self.codebook.cutoffs):
            name = until or self.codebook.default_cutoff
            return self.codebook.cutoff(name), str(name)
        try:
            stamp = pd.Timestamp(until)
        except (ValueError, TypeError) as err:
            raise SurveyDataError(
                f"cut-off {until!r} is neither a cut-off of the codebook "
                f"({sorted(self.codebook.cutoffs)}) nor a date-time such as 2020-03-18T09:00"
            ) from err
        return stamp, stamp.isoformat()

    def codes(
        self,
        items: Sequence[str] | None = None,
        *,
        construct: str | None = None,
        reverse_keyed: bool = False,
    ) -> pd.DataFrame:
        """Scale items as float codes 1..k (NaN where missing).

        Item-level codes are never reverse-keyed. Reverse keys belong to constructs: an
        item can be reversed in one construct (a mood scale's "sleepy" inside
        "energy") and forward in another ("tiredness").

        Parameters
        ----------
        items
            Scale item ids (default: the items of ``construct``, else every scale item
            present).
        construct
            Apply this construct's reverse keys, as (1 + k) - code (psych's
            min + max - x).
        reverse_keyed
            Apply the reverse keys of every construct listing the item; an error if
            the constructs disagree about an item (then name the ``construct``).
        """
        cb = self.codebook
        if construct is not None and construct not in cb.constructs:
            raise SurveyDataError(
                f"parameter construct: unknown construct {construct!r}; the codebook has "
                f"{sorted(cb.constructs)}"
            )
        if items is None:
            items = (
                list(cb.constructs[construct].items)
                if construct is not None
                else [i for i in cb.scale_items if i in self.data]
            )
        items = list(items)
        if construct is not None:
            reversed_items = set(cb.constructs[construct].reverse)
        elif reverse_keyed:
            reversed_items = set()
            for item in items:
                keyed = {
                    cid: item in c.reverse for cid, c in cb.constructs.items() if item in c.items
                }
                if len(set(keyed.values())) > 1:
                    raise SurveyDataError(
                        f"item {item!r} is reversed in {sorted(c for c, r in keyed.items() if r)} "
                        f"and forward in {sorted(c for c, r in keyed.items() if not r)}: "
                        "name the construct (construct=...)",
                        column=item,
                    )
                if any(keyed.values()):
                    reversed_items.add(item)
        else:
            reversed_items = set()
        out = {}
        for item in items:
            scale = cb.scale_of(item)
            col = self.data[item]
            codes = (
                col.cat.codes.to_numpy().astype(float) + 1.0
                if isinstance(col.dtype, pd.CategoricalDtype)
                else col.to_numpy(dtype=float)
            )
            codes[codes <= 0] = np.nan
            if item in reversed_items:
                codes = (1 + scale.k) - codes
            out[item] = codes
        return pd.DataFrame(out, index=self.data.index)
