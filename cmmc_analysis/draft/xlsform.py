"""A codebook from an XLSForm (ODK, KoboToolbox, SurveyCTO): ``survey`` and ``choices`` sheets.

Each question row becomes an item: its ``name`` the id (the export's header), its
``label`` (``label::Italiano``, ``label::English (en)``, ... one per language) the
text. ``select_one`` lists become scales when their labels are those of a known
scale, else single choice; ``select_multiple`` multiple choice; ``integer`` and
``decimal`` numbers (a simple ``constraint`` such as ``. >= 0 and . <= 100`` gives
``min``/``max``); ``date``/``datetime``/``start``/``end`` date-times (``end`` is the
submission time); ``text`` free text. A simple ``relevant`` (``${q} = 'a'``,
``${q} = 'a' or ${q} = 'b'``, ``selected(${q}, 'a')``, ``${q} != 'a'``) becomes a
skip condition. Everything else (repeats, calculations, media, other expressions)
is listed as not converted. The export is assumed to hold the choices' labels (as
KoboToolbox writes with "labels"), multiple answers joined by spaces (``"; "`` when a
label holds a space), with a ``# check:``.

Examples
--------
>>> import openpyxl, tempfile, pathlib
>>> book = openpyxl.Workbook()
>>> survey = book.active; survey.title = "survey"
>>> survey.append(["type", "name", "label::English (en)", "label::Italiano (it)", "relevant"])
>>> survey.append(["select_one yn", "pets", "Any pets?", "Animali?", ""])
>>> survey.append(["integer", "n_pets", "How many?", "Quanti?", "${pets} = 'yes'"])
>>> choices = book.create_sheet("choices")
>>> choices.append(["list_name", "name", "label::English (en)", "label::Italiano (it)"])
>>> choices.append(["yn", "yes", "Yes", "Sì"]); choices.append(["yn", "no", "No", "No"])
>>> folder = pathlib.Path(tempfile.mkdtemp()); book.save(folder / "form.xlsx")
>>> d = draft_from_xlsform(folder / "form.xlsx", lang="en")
>>> d.survey["languages"], d.item("n_pets")["asked_if"]
(['en', 'it'], {'item': 'pets', 'in': ['Yes']})
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import SurveyDataError
from . import columns as C
from .scales import is_not_an_answer, recognise_scale
from .write import Draft, mark_segments

__all__ = ["draft_from_xlsform", "language_code"]

_LANGS = {
    "it": ("it", "italiano", "italian", "ita"),
    "en": ("en", "english", "inglese", "eng"),
    "fr": ("fr", "francais", "français", "french"),
    "de": ("de", "deutsch", "german"),
    "es": ("es", "espanol", "español", "spanish"),
}
_SKIPPED = {
    "begin group",
    "end group",
    "begin_group",
    "end_group",
    "note",
    "end repeat",
    "end_repeat",
}
_METADATA_PII = {"deviceid", "subscriberid", "simserial", "phonenumber", "username", "email"}


def language_code(name: str) -> str:
    """``"English (en)"`` -> ``"en"``, ``"Italiano"`` -> ``"it"``.

    >>> language_code("English (en)"), language_code("Italiano"), language_code("Suomi (fi)")
    ('en', 'it', 'fi')
    """
    found = re.search(r"\(([A-Za-z]{2,3})\)\s*$", name)
    if found:
        return found.group(1).lower()
    key = name.strip().casefold()
    for code, names in _LANGS.items():
        if key in names:
            return code
    return C.slug(name, words=1) or "xx"


def _sheet(book, name: str, path: Path) -> list[dict[str, Any]]:
    if name not in book.sheetnames:
        raise SurveyDataError(
            f"no sheet {name!r}; expected an XLSForm with 'survey' and 'choices' sheets",
            path=path,
        )
    rows = list(book[name].iter_rows(values_only=True))
    if not rows:
        return []
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    out = []
    for row in rows[1:]:
        record = {
            h: ("" if v is None else str(v).strip()) for h, v in zip(header, row, strict=False) if h
        }
        if any(record.values()):
            out.append(record)
    return out


def _labels(row: dict[str, str], column: str = "label") -> dict[str, str]:
    """``{lang: text}`` from ``label`` and ``label::Lang`` columns."""
    out = {}
    for key, value in row.items():
        if not value:
            continue
        if key == column:
            out["_"] = value
        elif key.startswith(f"{column}::"):
            out[language_code(key.split("::", 1)[1])] = value
    return out


def draft_from_xlsform(path: str | Path, *, lang: str | None = None) -> Draft:
    """Convert an XLSForm workbook into a draft codebook (see the module's description).

    Raises
    ------
    SurveyDataError
        The workbook cannot be opened, or lacks a ``survey`` sheet.
    """
    import openpyxl

    path = Path(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds on a broken file
        raise SurveyDataError(
            f"cannot open the workbook ({type(err).__name__}); expected an XLSForm .xlsx", path=path
        ) from err
    try:
        survey = _sheet(book, "survey", path)
        choices = _sheet(book, "choices", path) if "choices" in book.sheetnames else []
        settings = _sheet(book, "settings", path) if "settings" in book.sheetnames else []
    finally:
        book.close()
    return _Converter(path, survey, choices, settings, lang).run()


class _Converter:
    def __init__(self, path, survey, choices, settings, lang) -> None:
        self.path, self.survey, self.settings = path, survey, settings[0] if settings else {}
        self.lists: dict[str, list[dict[str, str]]] = {}
        for row in choices:
            self.lists.setdefault(row.get("list_name") or row.get("list name", ""), []).append(row)
        langs: list[str] = []
        for row in survey + choices:
            langs += [k for k in _labels(row) if k not in langs]
        default = self.settings.get("default_language", "")
        src = lang or (language_code(default) if default else None)
        real = [x for x in langs if x != "_"]
        if not real:
            src = src or "en"
            real = [src]
        src = src if src in real else real[0]
        self.src, self.langs = src, [src] + [x for x in real if x != src]
        self.d = Draft(
            survey={
                "id": C.slug(self.settings.get("form_id") or path.stem, words=5, keep_stop=True)
                or "survey",
                "title": dict.fromkeys(self.langs, self.settings.get("form_title") or path.stem),
                "source_language": self.src,
                "languages": self.langs,
            },
            source=path.name,
        )
        if not self.d.survey["id"][0].isalpha():
            self.d.survey["id"] = f"survey_{self.d.survey['id']}"
        self.scale_ids: dict[tuple[str, ...], str] = {}
        self.roles: set[str] = set()

    def text(self, labels: dict[str, str], entry: str) -> dict[str, str]:
        """A label in every language; a missing one is filled from another, with a check."""
        fallback = labels.get(self.src) or labels.get("_") or next(iter(labels.values()), "")
        out = {}
        for lang in self.langs:
            value = labels.get(lang) or (labels.get("_") if lang == self.src else None)
            if not value:
                value = fallback or entry
                if len(self.langs) > 1:
                    self.d.check(entry, f"no label in {lang!r}: copied from another language")
            out[lang] = _strip_markup(value)
        return out

    def run(self) -> Draft:
        for i, row in enumerate(self.survey, start=2):
            qtype = re.sub(r"\s+", " ", row.get("type", "")).strip()
            name = row.get("name", "")
            base = qtype.split(" ")[0]
            iid = _id(name) if name else f"row_{i}"
            entry = f"items.{iid}"
            if qtype.replace("_", " ") == "begin repeat":
                self.d.lost(entry, f"survey row {i}: a repeat group (one row per repetition)")
                continue
            if not qtype or qtype in _SKIPPED or qtype.replace("_", " ") in _SKIPPED:
                continue
            body = self.item(row, qtype, base, iid, entry, i)
            if body is not None:
                self.d.items.append(body)
        for body in self.d.items:
            if "asked_if" in body:
                self.relevant(body)
        if not self.d.items:
            raise SurveyDataError("the survey sheet holds no question", path=self.path)
        mark_segments(self.d)
        return self.d

    def item(self, row, qtype, base, iid, entry, i) -> dict[str, Any] | None:
        labels = _labels(row)
        body: dict[str, Any] = {
            "id": iid,
            "type": "text",
            "text": self.text(labels or {"_": row.get("name", iid)}, entry),
        }
        if base in ("start", "end", "today", "date", "datetime", "time"):
            body["type"] = "datetime"
            if base == "end" and "submitted_at" not in self.roles:
                body["role"] = "submitted_at"
                self.roles.add("submitted_at")
            body["required"] = False
        elif base in ("integer", "decimal", "range"):
            body["type"] = "numeric"
            self.constraint(body, row.get("constraint", ""), entry)
        elif base in ("select_one", "select_multiple", "select_one_from_file", "rank"):
            if base not in ("select_one", "select_multiple"):
                self.d.lost(entry, f"survey row {i}: type {qtype!r}")
                return None
            parts = qtype.split(" ")
            listname = parts[1] if len(parts) > 1 else ""
            if listname not in self.lists:
                self.d.lost(
                    entry, f"survey row {i}: choice list {listname!r} not in the choices sheet"
                )
                return None
            self.choices(body, base, self.lists[listname], entry)
        elif base in ("text", "string"):
            body.update(pii=True, required=False)
            self.d.note(entry, "free text: kept out of reports (pii)")
        elif base in _METADATA_PII or base in ("geopoint", "geotrace", "geoshape", "audit"):
            body.update(pii=True, required=False)
            self.d.note(entry, f"{base}: personal data, kept out of reports")
        else:
            self.d.lost(entry, f"survey row {i}: type {qtype!r} has no codebook equivalent")
            return None
        why, _ = C.pii_reason(body["text"][self.src], [])
        if why and body["type"] == "text":
            body["pii"] = True
        if row.get("required", "").casefold() in ("yes", "true", "true()", "1"):
            self.d.note(entry, "an answer was required in the form")
        relevant = row.get("relevant", "")
        if relevant:
            body["asked_if"] = relevant
        return body

    def choices(self, body, base, rows, entry) -> None:
        labels = [self.text(_labels(r) or {"_": r.get("name", "")}, entry) for r in rows]
        names = [r.get("name", "") for r in rows]
        self._names = getattr(self, "_names", {})
        self._names[body["id"]] = dict(zip(names, [lab[self.src] for lab in labels], strict=True))
        answers = [lab for lab in labels if not is_not_an_answer(lab[self.src])]
        nas = [lab for lab in labels if is_not_an_answer(lab[self.src])]
        if base == "select_multiple":
            codes: set[str] = set()
            options = []
            for n, lab in zip(names, labels, strict=True):
                if lab in answers:
                    code = _id(n) if _id(n) not in codes else C.make_id(n, codes)
                    codes.add(code)
                    options.append({"code": code, **lab})
            spaced = any(" " in lab[self.src] for lab in answers)
            sep = "; " if spaced else " "
            body.update(type="multi", separator=sep, required=False, options=options)
            self.d.check(
                entry,
                f"multiple answers read as labels joined by {sep!r}; change `separator` to "
                "what your export uses",
            )
            if nas:
                body["not_an_answer"] = nas
            return
        match = recognise_scale([a[self.src] for a in answers], lang=self.src, tolerance=0)
        if match is not None and match.kind != "numbered" and match.k == len(answers):
            key = tuple(a[self.src] for a in answers)
            sid = self.scale_ids.get(key)
            if sid is None:
                sid, n = match.name, 2
                while sid in self.d.scales:
                    sid, n = f"{match.name}_{n}", n + 1
                self.scale_ids[key] = sid
                self.d.scales[sid] = {"points": answers}
                if nas:
                    self.d.scales[sid]["not_an_answer"] = nas
                self.d.note(f"scales.{sid}", f"{match.kind} scale, {match.k} points, low to high")
            body.update(type="scale", scale=sid)
            return
        body.update(type="single", options=answers)
        if nas:
            body["not_an_answer"] = nas
        if C.range_order([a[self.src] for a in answers]) == [a[self.src] for a in answers]:
            body["ordered"] = True

    def constraint(self, body, text: str, entry: str) -> None:
        for op, value in re.findall(r"\.\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)", text):
            number = float(value)
            number = int(number) if number.is_integer() else number
            body["min" if op.startswith(">") else "max"] = number
        if text and not re.fullmatch(r"[\s.<>=\d-]*(and[\s.<>=\d-]*)*", text):
            self.d.check(entry, f"constraint not converted: {text}")

    def relevant(self, body) -> None:
        expr = body.pop("asked_if")
        entry = f"items.{body['id']}"
        cond = _simple_relevant(expr)
        names = getattr(self, "_names", {})
        if cond is None or cond[0] not in names:
            self.d.lost(entry, f"relevant {expr!r}: not a simple condition on a choice question")
            return
        other, values, negate = cond
        options = names[other]
        if any(v not in options for v in values):
            self.d.lost(entry, f"relevant {expr!r}: names a choice its list does not hold")
            return
        wanted = [lab for n, lab in options.items() if (n in values) != negate]
        if not wanted:
            self.d.lost(entry, f"relevant {expr!r}: no option satisfies it")
            return
        target = next(b for b in self.d.items if b["id"] == other)
        if target["type"] != "single":
            self.d.lost(entry, f"relevant {expr!r}: skip conditions need a single-choice item")
            return
        body["asked_if"] = {"item": other, "in": wanted}
        body["required"] = False


def _strip_markup(text: str) -> str:
    return re.sub(r"<[^>]+>|\*\*|__", "", text).strip()


def _id(name: str) -> str:
    text = re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_") or "q"
    return text if text[0].isalpha() else f"q_{text}"


_EQ = re.compile(r"^\$\{(\w+)\}\s*(=|!=)\s*'([^']*)'$")
_SEL = re.compile(r"^(not\()?\s*selected\(\s*\$\{(\w+)\}\s*,\s*'([^']*)'\s*\)(\))?$")


def _simple_relevant(expr: str) -> tuple[str, list[str], bool] | None:
    """``(item, [choice names], negated)`` of a simple ``relevant``, or None.

    >>> _simple_relevant("${a} = 'x' or ${a} = 'y'"), _simple_relevant("${a} != 'x'")
    (('a', ['x', 'y'], False), ('a', ['x'], True))
    >>> _simple_relevant("${a} > 3") is None
    True
    """
    parts = [p.strip().strip("()").strip() for p in re.split(r"\s+or\s+", expr.strip())]
    item, values, negate = None, [], None
    for part in parts:
        eq, sel = _EQ.match(part), _SEL.match(part)
        if eq:
            name, neg, value = eq.group(1), eq.group(2) == "!=", eq.group(3)
        elif sel:
            name, neg, value = sel.group(2), bool(sel.group(1)), sel.group(3)
        else:
            return None
        if item not in (None, name) or negate not in (None, neg) or (neg and len(parts) > 1):
            return None
        item, negate = name, neg
        values.append(value)
    return (item, values, bool(negate)) if item else None
