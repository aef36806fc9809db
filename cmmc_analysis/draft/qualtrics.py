"""A codebook from a Qualtrics survey definition (``.qsf``, JSON).

Questions (``SurveyElements`` of type ``SQ``) become items whose ids are their
``DataExportTag`` (the headers of Qualtrics' CSV export): single answer multiple
choice (``MC``/``SAVR``, ``SAHR``, ``DL``) single choice or a scale when its choices
are a known scale's labels; multiple answer (``MAVR``, ``MAHR``) multiple choice
joined by ``,``; a Likert matrix a grid of scale items ``<tag>_<row>``; text entry
free text; a slider and ``NPS`` numbers. Translations (``Language``) give the other
languages. A display logic that selects choices of one single-choice question
becomes a skip condition. The usual metadata columns (``RecordedDate`` as the
submission time, ``Duration (in seconds)``, respondent names, emails, IP address
and location as personal data) are added. Timing questions, "other, specify" text
boxes, other question types and other logic are listed as not converted.

Examples
--------
>>> import json, tempfile, pathlib
>>> qsf = {"SurveyEntry": {"SurveyName": "Pulse", "SurveyLanguage": "EN"}, "SurveyElements": [
...   {"Element": "SQ", "Payload": {"QuestionID": "QID1", "DataExportTag": "Q1",
...     "QuestionType": "MC", "Selector": "SAVR", "QuestionText": "<b>Team?</b>",
...     "Choices": {"1": {"Display": "Sales"}, "2": {"Display": "Support"}},
...     "ChoiceOrder": ["1", "2"]}}]}
>>> path = pathlib.Path(tempfile.mkdtemp()) / "pulse.qsf"
>>> _ = path.write_text(json.dumps(qsf))
>>> d = draft_from_qsf(path)
>>> d.item("q1")["type"], d.item("q1")["text"], [o["en"] for o in d.item("q1")["options"]]
('single', {'en': 'Team?'}, ['Sales', 'Support'])
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from ..errors import SurveyDataError
from . import columns as C
from .scales import is_not_an_answer, recognise_scale
from .write import Draft, mark_segments

__all__ = ["draft_from_qsf", "METADATA"]

#: Metadata columns of a Qualtrics export: (header, type, role, pii).
METADATA = (
    ("StartDate", "datetime", None, False),
    ("EndDate", "datetime", None, False),
    ("RecordedDate", "datetime", "submitted_at", False),
    ("Duration (in seconds)", "numeric", "duration", False),
    ("IPAddress", "text", None, True),
    ("RecipientLastName", "text", None, True),
    ("RecipientFirstName", "text", None, True),
    ("RecipientEmail", "text", "respondent_key", True),
    ("LocationLatitude", "text", None, True),
    ("LocationLongitude", "text", None, True),
)
_SINGLE = {"SAVR", "SAHR", "SACOL", "DL", "SB"}
_MULTI = {"MAVR", "MAHR", "MACOL", "MSB"}


def _plain(text: Any) -> str:
    """Question HTML as plain text."""
    text = re.sub(r"<br\s*/?>|</p>|</div>", " ", str(text or ""), flags=re.I)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return re.sub(r"\s+", " ", text).strip()


def _tag_id(tag: str, used: set[str]) -> str:
    """An export tag (``Q4_1``) as a unique item id (``q4_1``): the reader matches it to the header."""
    base = re.sub(r"[^a-z0-9_]+", "_", tag.lower()).strip("_") or "q"
    base = base if base[0].isalpha() else f"q_{base}"
    iid, n = base, 2
    while iid in used:
        iid, n = f"{base}_{n}", n + 1
    used.add(iid)
    return iid


def _lang(code: str) -> str:
    return code.strip().lower().split("-")[0][:2] or "en"


def draft_from_qsf(path: str | Path, *, lang: str | None = None) -> Draft:
    """Convert a Qualtrics ``.qsf`` file into a draft codebook (see the module's description).

    Raises
    ------
    SurveyDataError
        The file is not JSON, or holds no ``SurveyElements``.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as err:
        raise SurveyDataError(f"cannot read the file: {err.strerror}", path=path) from err
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SurveyDataError(
            f"not a Qualtrics survey file ({type(err).__name__}); expected .qsf JSON", path=path
        ) from err
    if not isinstance(doc, dict) or not isinstance(doc.get("SurveyElements"), list):
        raise SurveyDataError("no SurveyElements; expected a Qualtrics .qsf file", path=path)
    entry = doc.get("SurveyEntry") or {}
    src = lang or _lang(str(entry.get("SurveyLanguage") or "en"))
    questions = [
        e["Payload"]
        for e in doc["SurveyElements"]
        if isinstance(e, dict) and e.get("Element") == "SQ" and isinstance(e.get("Payload"), dict)
    ]
    langs = [src]
    for q in questions:
        for code in q.get("Language") or {}:
            if _lang(code) not in langs:
                langs.append(_lang(code))
    name = str(entry.get("SurveyName") or path.stem)
    sid = C.slug(name, words=5, keep_stop=True) or "survey"
    draft = Draft(
        survey={
            "id": sid if sid[0].isalpha() else f"survey_{sid}",
            "title": dict.fromkeys(langs, name),
            "source_language": src,
            "languages": langs,
        },
        source=path.name,
    )
    draft.check(
        "survey",
        "a Qualtrics CSV has three header rows (tags, texts, import ids): export with "
        "choice text and keep only the first header row",
    )
    conv = _Converter(draft, src, langs)
    for header, itype, role, pii in METADATA:
        body: dict[str, Any] = {
            "id": C.make_id(header, conv.used) if header != "RecordedDate" else "recorded_date",
            "type": itype,
            "text": dict.fromkeys(langs, header),
            "required": False,
        }
        conv.used.add(body["id"])
        if role:
            body["role"] = role
        if itype == "numeric":
            body["min"] = 0
        if pii:
            body["pii"] = True
        draft.items.append(body)
    for q in questions:
        conv.question(q)
    for q in questions:
        conv.logic(q)
    mark_segments(draft)
    return draft


class _Converter:
    def __init__(self, draft: Draft, src: str, langs: list[str]) -> None:
        self.d, self.src, self.langs = draft, src, langs
        self.used: set[str] = set()
        self.by_qid: dict[str, dict[str, Any]] = {}
        self.choice_text: dict[str, dict[str, str]] = {}
        self.scale_ids: dict[tuple[str, ...], str] = {}

    def texts(self, q: dict[str, Any], get) -> dict[str, str]:
        """A text in every language: the source from the question, the others from ``Language``."""
        out = {self.src: _plain(get(q))}
        for code, tr in (q.get("Language") or {}).items():
            if isinstance(tr, dict) and _lang(code) in self.langs:
                value = _plain(get(tr))
                if value:
                    out[_lang(code)] = value
        for lang in self.langs:
            out.setdefault(lang, out[self.src])
        return out

    def labels(
        self, q: dict[str, Any], key: str, order_key: str
    ) -> list[tuple[str, dict[str, str]]]:
        items = q.get(key) or {}
        order = [str(o) for o in (q.get(order_key) or list(items))]
        out = []
        for cid in order:
            if cid not in items:
                continue
            out.append(
                (
                    cid,
                    self.texts(
                        q, lambda x, cid=cid: ((x.get(key) or {}).get(cid) or {}).get("Display")
                    ),
                )
            )
        return out

    def question(self, q: dict[str, Any]) -> None:
        tag = str(q.get("DataExportTag") or q.get("QuestionID") or "q")
        iid = _tag_id(tag, self.used)
        entry = f"items.{iid}"
        qtype, sel = q.get("QuestionType"), q.get("Selector")
        text = self.texts(q, lambda x: x.get("QuestionText"))
        body: dict[str, Any] = {"id": iid, "type": "text", "text": text}
        if qtype == "DB":
            return
        if qtype == "MC" and sel == "NPS":
            body.update(type="numeric", min=0, max=10)
        elif qtype == "MC" and (sel in _SINGLE or sel in _MULTI):
            choices = self.labels(q, "Choices", "ChoiceOrder")
            self.choice_text[str(q.get("QuestionID"))] = {cid: t[self.src] for cid, t in choices}
            self.choices(body, entry, choices, multi=sel in _MULTI)
            for cid, c in (q.get("Choices") or {}).items():
                if isinstance(c, dict) and str(c.get("TextEntry", "")).lower() in ("true", "on"):
                    self.d.lost(entry, f"the text box of choice {cid} ({tag}_{cid}_TEXT)")
        elif qtype == "Matrix" and q.get("SubSelector") in ("SingleAnswer", None):
            self.matrix(q, tag, text, entry)
            return
        elif qtype == "TE":
            body.update(pii=True, required=False)
            if sel == "FORM":
                self.d.lost(entry, f"a form of several text boxes ({tag}_1, {tag}_2, ...)")
                return
            self.d.note(entry, "free text: kept out of reports (pii)")
        elif qtype == "Slider":
            self.d.lost(entry, f"a slider ({tag}_1, ...): one numeric item per bar")
            return
        else:
            self.d.lost(entry, f"question type {qtype}/{sel} ({tag})")
            return
        self.by_qid[str(q.get("QuestionID"))] = body
        self.d.items.append(body)

    def choices(self, body, entry, choices, *, multi: bool) -> None:
        answers = [t for _, t in choices if not is_not_an_answer(t[self.src])]
        nas = [t for _, t in choices if is_not_an_answer(t[self.src])]
        if multi:
            codes: set[str] = set()
            body.update(
                type="multi",
                separator=",",
                required=False,
                options=[{"code": C.make_id(t[self.src], codes), **t} for t in answers],
            )
            if nas:
                body["not_an_answer"] = nas
            self.d.check(
                entry, "Qualtrics joins the choices with ',': a choice holding a comma is split"
            )
            return
        sid = self.scale(answers, nas)
        if sid is not None:
            body.update(type="scale", scale=sid)
            return
        body.update(type="single", options=answers)
        if nas:
            body["not_an_answer"] = nas

    def scale(self, answers, nas) -> str | None:
        match = recognise_scale([a[self.src] for a in answers], lang=self.src, tolerance=0)
        if match is None or match.kind == "numbered" or match.k != len(answers):
            return None
        key = tuple(a[self.src] for a in answers)
        if key not in self.scale_ids:
            sid, n = match.name, 2
            while sid in self.d.scales:
                sid, n = f"{match.name}_{n}", n + 1
            self.scale_ids[key] = sid
            self.d.scales[sid] = {"points": answers}
            self.d.note(f"scales.{sid}", f"{match.kind} scale, {match.k} points, low to high")
        sid = self.scale_ids[key]
        if nas:
            known = self.d.scales[sid].setdefault("not_an_answer", [])
            known += [n for n in nas if n not in known]
        return sid

    def matrix(self, q, tag, text, entry) -> None:
        rows = self.labels(q, "Choices", "ChoiceOrder")
        answers = self.labels(q, "Answers", "AnswerOrder")
        points = [t for _, t in answers if not is_not_an_answer(t[self.src])]
        nas = [t for _, t in answers if is_not_an_answer(t[self.src])]
        sid = self.scale(points, nas)
        if sid is None:
            sid, n = "scale", 2
            while sid in self.d.scales:
                sid, n = f"scale_{n}", n + 1
            self.d.scales[sid] = {"points": points}
            if nas:
                self.d.scales[sid]["not_an_answer"] = nas
            self.d.check(f"scales.{sid}", "the matrix's columns in their order, taken as a scale")
        gid = _tag_id(f"{tag}_grid", self.used)
        self.d.grids[gid] = {"text": text, "scale": sid}
        tags = q.get("ChoiceDataExportTags") or {}
        for cid, row in rows:
            col = str(tags.get(cid) or f"{tag}_{cid}") if isinstance(tags, dict) else f"{tag}_{cid}"
            iid = _tag_id(col, self.used)
            self.d.items.append({"id": iid, "type": "scale", "grid": gid, "text": row})
        self.d.note(f"grids.{gid}", f"matrix {tag}: columns {tag}_<row>")

    def logic(self, q: dict[str, Any]) -> None:
        logic = q.get("DisplayLogic")
        body = self.by_qid.get(str(q.get("QuestionID")))
        if not logic or body is None:
            return
        entry = f"items.{body['id']}"
        conds = []
        for key, block in logic.items():
            if not isinstance(block, dict) or not key.isdigit():
                continue
            for k, cond in block.items():
                if k.isdigit() and isinstance(cond, dict):
                    conds.append(cond)
        target, wanted = None, []
        for cond in conds:
            found = re.match(
                r"q://(QID\d+)/SelectableChoice/(\d+)$", str(cond.get("LeftOperand", ""))
            )
            conj = cond.get("Conjuction") or cond.get("Conjunction")
            if (
                found is None
                or cond.get("Operator") != "Selected"
                or (target not in (None, found.group(1)))
                or (conj not in (None, "Or"))
            ):
                self.d.lost(entry, "display logic other than 'choice selected' on one question")
                return
            target = found.group(1)
            wanted.append(found.group(2))
        other = self.by_qid.get(str(target))
        if other is None or other["type"] != "single":
            self.d.lost(entry, "display logic on a question that is not single choice")
            return
        labels = self.choice_text.get(str(target), {})
        body["asked_if"] = {"item": other["id"], "in": [labels[c] for c in wanted if c in labels]}
        body["required"] = False
