"""Draft a codebook from an export: the headers and the answers say most of it.

:func:`draft_from_export` reads an export (CSV, XLSX or SPSS ``.sav``, as
:func:`cmmc_analysis.io.reader.read_export` reads it) and guesses, column by column:
the item id (from the header), the question text (the header itself, so the draft
matches the export), grids (``"stem [row]"`` headers with one shared scale), the
scale (:mod:`cmmc_analysis.draft.scales`), single and multiple choice, numbers and
their unit, timestamps and their format, the duration, free text and personal data
(``pii: true``; a column holding an email address is never anything else), segment
candidates and simple skip conditions. Every unsure guess carries a ``# check:``
comment. The draft is checked before it is returned: it loads with
:func:`cmmc_analysis.codebook.parse_codebook` and reads the export it came from.

Length: over 500 lines. The draft's cross-column rules (grids, skip conditions,
constructs, fieldwork) read the same per-column guesses; a candidate for a split into
export.py and crosscolumn.py.

Examples
--------
>>> from cmmc_analysis.paths import DEFAULT_EXPORT
>>> d = draft_from_export(DEFAULT_EXPORT)
>>> d.survey["source_language"], len(d.items), sorted(d.grids)
('it', 35, ['emergenza_accelerera_adozione', 'lavoro_remoto_emergenza'])
>>> d.item("email")["pii"], d.item("email")["role"]
(True, 'respondent_key')
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import parse_codebook
from ..errors import SurveyDataError
from ..io.reader import normalise_text, read_export
from . import columns as C
from .reading import detect_language, export_layout, read_columns
from .scales import ScaleMatch, is_not_an_answer, recognise_scale, spelling
from .write import Draft, mark_segments, write_yaml

__all__ = ["draft_from_export"]

_GRID = re.compile(r"^(?P<stem>.*\S)\s*\[(?P<row>[^\[\]]+)\]\s*$")
_DASH_GRID = re.compile(r"^(?P<stem>.{8,}?)\s+[-–:]\s+(?P<row>[^-–:]{1,120})$")


@dataclass
class _Column:
    header: str
    values: list[str]  # non-blank answers, stripped
    n_rows: int
    grid: str | None = None  # grid key (normalised stem)
    stem: str = ""
    row: str = ""
    body: dict[str, Any] | None = field(default_factory=dict)
    #: one column per option: the group's columns (on its first column), [] on the others
    options: list[_Column] | None = None


def draft_from_export(
    path: str | Path, *, lang: str | None = None, survey_id: str | None = None
) -> Draft:
    """Draft a codebook from an export.

    Parameters
    ----------
    path
        The export (CSV, XLSX, or SPSS ``.sav``).
    lang
        The export's language, ``"it"`` or ``"en"``; default: guessed from the headers.
    survey_id
        The survey's id; default: from the file name.

    Returns
    -------
    Draft
        Write it with :func:`cmmc_analysis.draft.write.write_yaml`.

    Raises
    ------
    SurveyDataError
        The export cannot be read (the reader's message), or ``lang`` is unknown.
    """
    path = Path(path)
    headers, data, raw = read_columns(path)
    lang = lang or detect_language(headers + [str(v) for v in data.iloc[:20].stack()])
    if lang not in ("it", "en"):
        raise SurveyDataError(f"parameter lang={lang!r}; expected 'it' or 'en'")
    sid = survey_id or C.slug(path.stem, words=5, keep_stop=True) or "survey"
    if not sid[0].isalpha():
        sid = f"survey_{sid}"
    draft = Draft(
        survey={
            "id": sid,
            "title": {lang: path.stem},
            "source_language": lang,
            "languages": [lang],
        },
        source=path.name,
    )
    draft.check("survey", "the title is the file name")
    draft.export = export_layout(path)
    if draft.export.get("header_rows", 1) > 1:
        draft.note(
            "export", f"{draft.export['header_rows']} header rows, combined as 'question [row]'"
        )
    if draft.export.get("not_asked"):
        draft.check("export", "LimeSurvey writes N/A for a question not asked: read as blank")
    cols = [
        _Column(h, [str(v).strip() for v in data[h].dropna() if str(v).strip()], len(data))
        for h in headers
    ]
    _Builder(draft, cols, data, lang).build()
    for w in raw.warnings:
        if "no header" in w:
            draft.lost("items", w)
    text = write_yaml(draft)
    _self_check(text, path)
    return draft


def _self_check(text: str, path: Path) -> None:
    """The draft must load and read its own export: a failure here is a bug, said plainly."""
    import yaml

    try:
        cb = parse_codebook(yaml.safe_load(text))
    except SurveyDataError as err:  # pragma: no cover - a bug in the drafting
        raise SurveyDataError(f"the draft does not validate (please report): {err}") from err
    read_export(path, codebook=cb)


def _marks_options(run: list[_Column]) -> bool:
    """Whether each column holds only its own row text or a mark (``1``, ``Selected``, ``Sì``)."""
    from ..io.layout import NOT_SELECTED, SELECTED

    marks = {normalise_text(m) for m in (*SELECTED, *NOT_SELECTED)}
    for col in run:
        allowed = marks | {normalise_text(col.row)}
        if any(normalise_text(v) not in allowed for v in col.values):
            return False
    return any(col.values for col in run)


_ENDS = re.compile(r"\b(?:da|from)?\s*([01])\s*(?:a|to|-|–)\s*(5|7|10)\b")


def _rating(header: str, numbers: list[int], lang: str) -> ScaleMatch | None:
    """A numbered scale whose ends the header states (``"da 1 a 5"``) or the answers reach."""
    found = _ENDS.search(normalise_text(header))
    lo, hi = (int(found[1]), int(found[2])) if found else (1, max(numbers))
    if not found and hi == 10:  # up to 10: the 0-10 rating (NPS) is the usual one
        lo = 0
    if not numbers or min(numbers) < lo or max(numbers) > hi or not 3 <= hi - lo + 1 <= 11:
        return None
    values = [str(n) for n in range(lo, hi + 1)]
    match = recognise_scale(values, lang=lang)
    if match is None:
        return None
    seen = len(set(numbers))
    unseen = [n for n in range(lo, hi + 1) if n not in numbers]
    reasons = ["a numbered scale: the order comes from the numbers, its meaning from you"]
    if unseen:
        reasons.append(f"numbers never chosen in the export: {unseen}")
    return ScaleMatch(match.name, "numbered", "unknown", match.points, (), seen, tuple(reasons))


class _Builder:
    def __init__(self, draft: Draft, cols: list[_Column], data: pd.DataFrame, lang: str) -> None:
        self.d, self.cols, self.data, self.lang = draft, cols, data, lang
        self.used: set[str] = set()
        self.scale_ids: dict[tuple[str, ...], str] = {}
        self.roles: set[str] = set()

    # -- the whole export --
    def build(self) -> None:
        self.find_grids()
        for col in self.cols:
            if col.options is not None:  # one column per option: one item, at its first column
                body = self.option_columns(col) if col.options else None
            elif col.grid is not None and col.grid in self.d.grids:
                body = self.grid_item(col)
            else:
                body = self.column(col)
            col.body = body
            if body is not None:
                self.d.items.append(body)
        mark_segments(self.d, [c.header for c in self.cols if c.body is not None])
        self.skip_logic()
        self.fieldwork()
        self.constructs()
        self.cleaning()

    def find_grids(self) -> None:
        """Consecutive columns ``stem [row]`` sharing a stem and a scale become a grid."""
        for pattern in (_GRID, _DASH_GRID):
            runs: list[list[_Column]] = []
            for col in self.cols:
                taken = col.grid is not None or col.options is not None
                if taken or any(C.looks_like_email(v) for v in col.values):
                    runs.append([])  # an email column is personal data, never a grid row
                    continue
                found = pattern.match(col.header)
                if not found:
                    runs.append([])
                    continue
                stem = normalise_text(found["stem"])
                if runs and runs[-1] and normalise_text(runs[-1][0].stem) == stem:
                    runs[-1].append(col)
                else:
                    runs.append([col])
                col.stem, col.row = found["stem"].strip(), found["row"].strip()
            for run in runs:
                if len(run) < 2:
                    for col in run:
                        col.stem = col.row = ""
                    continue
                values = [v for col in run for v in col.values]
                match = recognise_scale(values, lang=self.lang)
                if match is None and _marks_options(run):
                    run[0].options = run
                    for col in run[1:]:
                        col.options = []
                    continue
                if match is None:
                    for col in run:
                        col.stem = col.row = ""
                    continue
                gid = C.make_id(run[0].stem, self.used)
                sid = self.scale(match)
                if match.off:
                    self.d.check(
                        f"grids.{gid}", f"{match.off} answers are on no point of the scale"
                    )
                self.d.grids[gid] = {"text": {self.lang: run[0].stem}, "scale": sid}
                self.d.note(
                    f"grids.{gid}", f"{len(run)} columns share this stem and the scale {sid}"
                )
                for col in run:
                    col.grid = gid

    def scale(self, match: ScaleMatch) -> str:
        """The id of the scale ``match`` (reused when the same points were seen before)."""
        key = tuple(normalise_text(p[self.lang]) for p in match.points)
        languages = [self.lang] + [x for x in ("it", "en") if x != self.lang]
        na = [{lang: p[lang] for lang in languages if lang in p} for p in match.na]
        if key in self.scale_ids:
            sid = self.scale_ids[key]
            known = self.d.scales[sid].setdefault("not_an_answer", [])
            seen = {normalise_text(p[self.lang]) for p in known}
            known += [p for p in na if normalise_text(p[self.lang]) not in seen]
            if not known:
                del self.d.scales[sid]["not_an_answer"]
            return sid
        sid = match.name
        n = 2
        while sid in self.d.scales:
            sid, n = f"{match.name}_{n}", n + 1
        keep = languages if match.kind != "numbered" else [self.lang]
        body: dict[str, Any] = {
            "points": [{lang: p[lang] for lang in keep if lang in p} for p in match.points]
        }
        if na:
            body["not_an_answer"] = na
        self.d.scales[sid] = body
        self.scale_ids[key] = sid
        polarity = "" if match.polarity == "unknown" else f", {match.polarity}"
        self.d.note(f"scales.{sid}", f"{match.kind} scale, {match.k} points{polarity}, low to high")
        for reason in match.reasons:
            self.d.check(f"scales.{sid}", reason)
        return sid

    # -- one column --
    def option_columns(self, first: _Column) -> dict[str, Any]:
        """A multiple choice exported one column per option (``layout: columns``)."""
        iid = C.make_id(first.stem, self.used)
        codes: set[str] = set()
        options = [{"code": C.make_id(c.row, codes), self.lang: c.row} for c in first.options]
        self.d.note(
            f"items.{iid}",
            f"multiple choice, one column per option ({len(options)} columns '{first.stem} [...]')",
        )
        return {
            "id": iid,
            "type": "multi",
            "layout": "columns",
            "separator": "; ",
            "required": False,
            "text": {self.lang: first.stem},
            "options": options,
        }

    def grid_item(self, col: _Column) -> dict[str, Any]:
        gid = col.grid
        iid = C.make_id(col.row, self.used, prefix=gid.split("_")[0] if gid else "", words=2)
        return {"id": iid, "type": "scale", "grid": gid, "text": {self.lang: col.row}}

    def column(self, col: _Column) -> dict[str, Any]:
        header, values = col.header, col.values
        iid = C.make_id(header, self.used)
        body: dict[str, Any] = {"id": iid, "type": "text", "text": {self.lang: header}}
        entry = f"items.{iid}"
        kinds = C.header_kind(header)
        if not values:
            body["required"] = False
            why, _ = C.pii_reason(header, values)
            if why:
                body["pii"] = True
            self.d.check(entry, "no answers in the export: the type is a guess (free text)")
            return body
        why, sure = C.pii_reason(header, values)
        spell = spelling(values)
        if why is not None and not sure and len(spell) <= 20 and len(spell) < 0.5 * len(values):
            # "Settore dell'azienda": a few answers chosen again and again are categories
            self.d.check(entry, f"the header suggests {why}, the answers are categories")
            why = None
        if why is not None:
            body.update(pii=True, required=False)
            if why == "an email address":
                if "respondent_key" not in self.roles:
                    body["role"] = "respondent_key"
                    self.roles.add("respondent_key")
                self.d.note(entry, "personal data (email): removed at cleaning, never reported")
            elif sure:
                self.d.note(entry, f"personal data ({why}): removed at cleaning, never reported")
            else:
                self.d.check(entry, f"marked as personal data: the header suggests {why}")
            return body
        timed = kinds & {"submitted", "started"}
        stamps = C.detect_timestamps(values, share=0.3 if timed else 0.8)
        if stamps is not None:
            return self.timestamp(body, entry, kinds, stamps)
        match = recognise_scale(values, lang=self.lang)
        bare = all(re.fullmatch(r"\d+", v) for v in values)
        if bare and "rating" in kinds:  # "(da 1 a 5)": the scale's ends from the header
            match = _rating(header, [int(v) for v in values], self.lang) or match
        rating = "rating" in kinds and match is not None and match.seen >= 2
        if bare and match is not None and match.k == 11:  # 0-10 (NPS): a number, 0 to 10
            rating = False
        if match is not None and (match.kind != "numbered" or not bare or rating):
            body.update(type="scale", scale=self.scale(match))
            if match.off:
                self.d.check(
                    entry, f"{match.off} answers are on no point of the scale (set missing)"
                )
            return body
        number = C.detect_number(header, values)
        if number is not None:
            return self.number(body, entry, kinds, number, match)
        multi = C.detect_multi(values)
        if multi is not None:
            return self.multi(body, entry, multi)
        spell = spelling(values)
        answers = [k for k in spell if not is_not_an_answer(k)]
        longest = max(len(v) for v in spell.values())
        if (
            2 <= len(answers) <= 20
            and longest <= 100
            and (len(spell) <= 0.5 * len(values) or len(values) < 10)
        ):
            return self.single(body, entry, spell, values)
        if len(answers) == 1 and len(values) >= 5:
            return self.single(body, entry, spell, values)
        body.update(pii=True, required=False)
        self.d.note(entry, "free text: may name people, so kept out of reports (pii)")
        return body

    def timestamp(self, body, entry, kinds, stamps: C.Timestamps) -> dict[str, Any]:
        body["type"] = "datetime"
        self.d.note(
            entry,
            f"format: {stamps.format} (reads {stamps.parsed} of {stamps.total} answers; "
            f"{stamps.first:%Y-%m-%d} to {stamps.last:%Y-%m-%d})",
        )
        if stamps.parsed < stamps.total:
            self.d.check(entry, f"{stamps.total - stamps.parsed} answers are not in this format")
        if stamps.ambiguous:
            self.d.check(
                entry,
                f"day and month cannot be told apart (no day above 12): {stamps.ambiguous[0]} "
                "reads these answers too",
            )
        if not stamps.format.startswith("%Y"):
            if stamps.parsed >= stamps.total - 1:
                body["format"] = stamps.format  # the cleaning reads the column with it
            else:  # mixed formats: say only which comes first, day or month
                body["dayfirst"] = stamps.format.startswith("%d")
        if "started" in kinds and "started_at" not in self.roles:
            body["role"] = "started_at"
            self.roles.add("started_at")
        elif "submitted_at" not in self.roles and "started" not in kinds:
            body["role"] = "submitted_at"
            self.roles.add("submitted_at")
            if "submitted" not in kinds:
                self.d.check(entry, "taken as the submission time: the first date column")
            self.submitted = (body["id"], stamps)
        return body

    def number(self, body, entry, kinds, number: C.Number, match) -> dict[str, Any]:
        body["type"] = "numeric"
        col_header = body["text"][self.lang]
        if "duration" in kinds and "duration" not in self.roles and number.lo >= 0:
            body.update(role="duration", min=0)
            self.roles.add("duration")
            self.d.note(entry, "duration of the interview (used to find speeders)")
            return body
        if number.unit is not None:
            body["unit"] = number.unit
        if number.unit == "%":
            body.update(min=0, max=100)
            if number.hi > 100 or number.lo < 0:
                self.d.check(entry, "answers outside 0-100 found: they will be set missing")
        elif number.lo >= 0 and number.hi <= 10 and number.integers and "rating" in kinds:
            body.update(min=0, max=10)
            self.d.note(entry, "a 0-10 rating (as NPS): a number from 0 to 10")
        elif number.lo >= 0:
            body["min"] = 0
        if number.read < number.total:
            self.d.check(
                entry,
                f"{number.total - number.read} of {number.total} answers do not read as numbers",
            )
        counting = re.search(r"how many|quant[ie]|numero|number of", normalise_text(col_header))
        if match is not None and not counting:
            self.d.check(
                entry,
                f"whole numbers {int(number.lo)}-{int(number.hi)}: a rating scale? "
                "then make it a scale item",
            )
        if "weight" in kinds and "weight" not in self.roles and number.lo >= 0:
            body["role"] = "weight"
            self.roles.add("weight")
            self.d.check(entry, "taken as the survey weight (named so): weighted summaries use it")
        body["required"] = False
        return body

    def multi(self, body, entry, multi: C.Multi) -> dict[str, Any]:
        codes: set[str] = set()
        options = []
        nas = []
        for label in multi.options.values():
            if is_not_an_answer(label):
                nas.append({self.lang: label})
                continue
            options.append({"code": C.make_id(label, codes), self.lang: label})
        body.update(type="multi", separator=multi.separator, required=False, options=options)
        if nas:
            body["not_an_answer"] = nas
        rare = [multi.options[k] for k, n in multi.counts.items() if n == 1]
        if rare:
            self.d.check(entry, f"options chosen once (typo or write-in?): {rare[:5]}")
        self.d.note(entry, f"multiple choice, options joined by {multi.separator!r}")
        return body

    def single(self, body, entry, spell: dict[str, str], values: list[str]) -> dict[str, Any]:
        counts = Counter(normalise_text(v) for v in values)
        answers = [
            spell[k] for k in sorted(spell, key=lambda k: -counts[k]) if not is_not_an_answer(k)
        ]
        nas = [spell[k] for k in spell if is_not_an_answer(k)]
        other = [
            a for a in answers if re.fullmatch(r"(altro|other|altri|others)\b.*", normalise_text(a))
        ]
        answers = [a for a in answers if a not in other] + other
        ordered = C.range_order(answers)
        body["type"] = "single"
        if ordered is not None:
            answers = ordered
            body["ordered"] = True
            self.d.note(entry, "ordered by the numbers in the options")
        body["options"] = [{self.lang: a} for a in answers]
        if nas:
            body["not_an_answer"] = [{self.lang: a} for a in nas]
        rare = [spell[k] for k in spell if counts[k] == 1 and not is_not_an_answer(k)]
        if rare and len(values) >= 20:
            self.d.check(entry, f"options chosen once (typo or write-in?): {rare[:5]}")
        if len(answers) == 1:
            self.d.check(entry, "only one answer was ever given: the other options are unknown")
        elif ordered is None:
            self.d.note(
                entry, "options by frequency (the export does not say the questionnaire's order)"
            )
        return body

    # -- across columns --
    def skip_logic(self) -> None:
        """A column answered only after some answers of an earlier single choice."""
        frame = self.data
        for pos, col in enumerate(self.cols):
            body = col.body
            if body is None or col.options is not None:
                continue
            if body["type"] in ("datetime",) or body.get("pii") or body.get("role"):
                continue
            answered = frame[col.header].notna().to_numpy()
            if answered.all() or answered.sum() < 3 or len(answered) < 20:
                continue  # too few answers to tell a skip from chance
            for prev in reversed(self.cols[max(0, pos - 5) : pos]):
                pbody = prev.body
                if pbody is None or pbody is body:
                    continue
                cond = self.condition(prev, pbody, answered)
                if cond is None:
                    continue
                body["asked_if"] = cond
                body["required"] = False
                self.d.check(
                    f"items.{body['id']}",
                    f"skip condition guessed: answered only for these answers of {pbody['id']!r}",
                )
                break

    def condition(self, prev: _Column, pbody: dict[str, Any], answered) -> dict[str, Any] | None:
        """``asked_if`` on ``prev``: some of its labels, or a numeric threshold, or None."""
        frame = self.data
        if pbody["type"] == "numeric":
            from ..clean.pipeline import parse_numbers

            raw = frame[prev.header]
            uniq = list(pd.unique(raw.dropna()))
            vals, _, _ = parse_numbers([str(u) for u in uniq])
            lookup = dict(zip(uniq, vals[: len(uniq)], strict=True))
            x = raw.map(lambda v: lookup.get(v, np.nan)).to_numpy(dtype=float)
            known = ~np.isnan(x)
            yes, no = x[known & answered], x[known & ~answered]
            if len(yes) < 3 or len(no) < 2 or no.max() >= yes.min():
                return None
            for step in (100, 50, 10, 5, 1):  # the roundest threshold between the two
                cut = (no.max() // step + 1) * step
                if cut <= yes.min():
                    break
            return {"item": pbody["id"], "min": float(min(cut, yes.min()))}
        if pbody["type"] == "single":
            labels = [o[self.lang] for o in pbody["options"]]
        elif pbody["type"] == "scale":
            sid = pbody.get("scale") or self.d.grids[pbody["grid"]]["scale"]
            labels = [p[self.lang] for p in self.d.scales[sid]["points"]]
        else:
            return None
        filt = frame[prev.header].map(
            lambda v: normalise_text(str(v)) if isinstance(v, str) else None
        )
        options = {normalise_text(lab): lab for lab in labels}
        share = {}
        for k in options:
            rows = (filt == k).to_numpy()
            if rows.sum():
                share[k] = answered[rows].mean()
        allowed = [k for k, v in share.items() if v >= 0.6]
        refused = [k for k, v in share.items() if v <= 0.1]
        if not allowed or not refused or len(allowed) + len(refused) < len(share):
            return None
        return {"item": pbody["id"], "in": [options[k] for k in options if k in allowed]}

    def fieldwork(self) -> None:
        found = getattr(self, "submitted", None)
        if found is None:
            self.d.check("survey", "no submission time found: no fieldwork window, no cut-offs")
            return
        iid, stamps = found
        values = pd.to_datetime(
            self.data[next(c.header for c in self.cols if c.body and c.body["id"] == iid)],
            format=stamps.format,
            errors="coerce",
        ).dropna()
        start = stamps.first.replace(hour=0, minute=0, second=0)
        end = stamps.last.replace(hour=23, minute=59, second=59)
        middle = values.sort_values().iloc[len(values) // 2] if len(values) else stamps.first
        self.d.fieldwork = {
            "start": start.strftime("%Y-%m-%dT%H:%M:%S"),
            "end": end.strftime("%Y-%m-%dT%H:%M:%S"),
            "cutoffs": {"interim": pd.Timestamp(middle).strftime("%Y-%m-%dT%H:%M:%S")},
            "default_cutoff": "interim",
        }
        self.d.check(
            "fieldwork",
            "start and end are the days of the first and last submission: set the real dates",
        )
        self.d.check(
            "fieldwork",
            "interim is the median submission time (the pages comparing interim and final "
            "need one): set the date of your interim report",
        )

    def constructs(self) -> None:
        for gid, grid in self.d.grids.items():
            members = [c.body["id"] for c in self.cols if c.grid == gid]
            if len(members) < 3:
                continue
            self.d.constructs[gid] = {
                "text": dict(grid["text"]),
                "items": members,
                "reverse": [],
            }
            self.d.check(
                f"constructs.{gid}",
                "a candidate: the grid's items share a scale; keep it only if they measure "
                "one thing, and list reverse-keyed items",
            )

    def cleaning(self) -> None:
        bodies = [c.body for c in self.cols if c.body is not None]
        pii = [b["id"] for b in bodies if b.get("pii") and b["type"] == "text"]
        key = [b["id"] for b in bodies if b.get("role") == "respondent_key"]
        rules: dict[str, dict[str, Any]] = {}
        named = [i for i in pii if i in key or re.match(r"(email|name|surname|company)(_\d+)?$", i)]
        if named:
            rules["test_submissions"] = {"markers": ["test", "prova"], "fields": named}
        if key:
            rules["duplicates"] = {"key": key, "keep": "last"}
            rules["pseudonym"] = {"key": key, "salt_env": "CMMC_PSEUDONYM_SALT"}
        self.d.cleaning = rules
        if rules:
            self.d.note("cleaning", "defaults in docs/cleaning.md; duplicates found by the email")
