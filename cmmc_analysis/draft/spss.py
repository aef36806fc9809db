"""A codebook from an SPSS ``.sav`` file: variable labels, value labels, missing codes.

Each variable becomes an item whose id is its name made identifier-like
(:func:`cmmc_analysis.io.sav.sav_column_id`, the header the reader gives the
column) and whose text is its variable label. Value labels make a choice item: a
scale when they are the labels of a known scale or the measure level is ordinal
(points in code order), else single choice (``ordered`` when ordinal). Labelled
user-missing codes (``99 = "Non so"``) become not-an-answer labels; date formats
datetime items; other numbers numeric items; strings free text. Personal data and
the roles are guessed as for an export (:mod:`cmmc_analysis.draft.export`). The data
themselves are read by :func:`cmmc_analysis.io.reader.read_export`.

Examples
--------
>>> import pandas as pd, tempfile, pathlib, pyreadstat
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> df = pd.DataFrame({"sat": [1.0, 4.0, 9.0], "mail": ["a@x.example", "b@x.example", ""]})
>>> pyreadstat.write_sav(df, folder / "s.sav", column_labels=["Satisfied?", "Email"],
...     variable_value_labels={"sat": {1: "Very dissatisfied", 2: "Dissatisfied",
...         3: "Neither satisfied nor dissatisfied", 4: "Satisfied", 5: "Very satisfied",
...         9: "Don't know"}}, missing_ranges={"sat": [9]},
...     variable_measure={"sat": "ordinal", "mail": "nominal"})
>>> d = draft_from_sav(folder / "s.sav", lang="en")
>>> d.item("sat")["type"], d.item("sat")["scale"], d.scales["satisfaction5"]["not_an_answer"]
('scale', 'satisfaction5', [{'en': "Don't know"}])
>>> d.item("mail")["pii"]
True
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import SurveyDataError
from ..io.sav import _read, sav_column_id
from . import columns as C
from .reading import detect_language
from .scales import is_not_an_answer, recognise_scale
from .write import Draft, mark_segments

__all__ = ["draft_from_sav"]

_DATE_FORMATS = re.compile(r"^(DATE|ADATE|EDATE|SDATE|JDATE|DATETIME|YMDHMS|MOYR|QYR|WKYR)", re.I)


def draft_from_sav(path: str | Path, *, lang: str | None = None) -> Draft:
    """Convert the metadata of a ``.sav`` file into a draft codebook.

    Parameters
    ----------
    path
        The SPSS system file.
    lang
        The language of its labels (``"it"`` or ``"en"``); default: guessed.

    Raises
    ------
    SurveyDataError
        The file cannot be read as SPSS.
    """
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except OSError as err:
        raise SurveyDataError(f"cannot read the file: {err.strerror}", path=path) from err
    data, meta = _read(raw_bytes, path, user_missing=True)
    names = list(meta.column_names)
    var_labels = dict(zip(names, meta.column_labels or [None] * len(names), strict=False))
    value_labels = meta.variable_value_labels or {}
    missing = meta.missing_ranges or {}
    measure = meta.variable_measure or {}
    formats = meta.original_variable_types or {}
    texts = [str(var_labels.get(n) or n) for n in names]
    lang = lang or detect_language(
        texts + [str(v) for vl in value_labels.values() for v in vl.values()]
    )
    sid = C.slug(meta.file_label or path.stem, words=5, keep_stop=True) or "survey"
    draft = Draft(
        survey={
            "id": sid if sid[0].isalpha() else f"survey_{sid}",
            "title": {lang: str(meta.file_label or path.stem)},
            "source_language": lang,
            "languages": [lang],
        },
        source=path.name,
    )
    roles: set[str] = set()
    scale_ids: dict[tuple[str, ...], str] = {}
    for name, text in zip(names, texts, strict=True):
        iid = sav_column_id(name)
        entry = f"items.{iid}"
        body: dict[str, Any] = {"id": iid, "type": "text", "text": {lang: text}}
        if not var_labels.get(name):
            draft.check(entry, "no variable label: the text is the variable name")
        labels = {k: str(v) for k, v in value_labels.get(name, {}).items()}
        miss = _missing_codes(missing.get(name, []))
        values = [str(v) for v in data[name].dropna().tolist() if str(v).strip()]
        why, sure = C.pii_reason(text if var_labels.get(name) else name, values)
        fmt = str(formats.get(name, ""))
        level = measure.get(name, "unknown")
        if why is not None and not labels:
            body.update(pii=True, required=False)
            if why == "an email address" and "respondent_key" not in roles:
                body["role"] = "respondent_key"
                roles.add("respondent_key")
            (draft.note if sure else draft.check)(entry, f"personal data ({why})")
        elif labels:
            _choice(draft, body, entry, labels, miss, level, lang, scale_ids)
        elif _DATE_FORMATS.match(fmt):
            body["type"] = "datetime"
            draft.note(entry, f"SPSS format {fmt}: read as ISO date-times")
            if "submitted_at" not in roles and "started" not in C.header_kind(text):
                body["role"] = "submitted_at"
                roles.add("submitted_at")
                draft.check(entry, "taken as the submission time: the first date variable")
        elif fmt.upper().startswith("A"):
            body.update(pii=True, required=False)
            draft.note(entry, "a string variable: free text, kept out of reports (pii)")
        else:
            body["type"] = "numeric"
            kinds = C.header_kind(text)
            if "duration" in kinds and "duration" not in roles:
                body.update(role="duration", min=0)
                roles.add("duration")
            if miss:
                draft.check(entry, f"missing codes without labels {sorted(miss)}: read as blanks")
            if level != "scale":
                draft.check(entry, f"measure level {level!r} but no value labels")
        draft.items.append(body)
    mark_segments(draft)
    return draft


def _missing_codes(ranges: list[Any]) -> set[float]:
    """The discrete user-missing codes (ranges are expanded when they are short)."""
    out: set[float] = set()
    for r in ranges:
        lo, hi = (r.get("lo"), r.get("hi")) if isinstance(r, dict) else (r, r)
        if isinstance(lo, int | float) and isinstance(hi, int | float) and hi - lo <= 100:
            out.update(float(x) for x in range(int(lo), int(hi) + 1))
            out.update({float(lo), float(hi)})
    return out


def _choice(draft, body, entry, labels, miss, level, lang, scale_ids) -> None:
    """Value labels: a scale, an ordered or unordered single choice."""
    codes = sorted(labels)
    answers = [labels[c] for c in codes if float(c) not in miss and not is_not_an_answer(labels[c])]
    nas = [labels[c] for c in codes if float(c) in miss or is_not_an_answer(labels[c])]
    if len(set(answers)) < len(answers):
        draft.lost(entry, "two codes share a label: the codes are not kept")
        answers = list(dict.fromkeys(answers))
    match = recognise_scale(answers + nas, lang=lang, tolerance=0)
    catalogue = match is not None and match.kind != "numbered" and match.k == len(answers)
    if catalogue or (level == "ordinal" and len(answers) >= 3):
        key = tuple(answers)
        sid = scale_ids.get(key)
        if sid is None:
            base = match.name if catalogue else f"scale{len(answers)}"
            sid, n = base, 2
            while sid in draft.scales:
                sid, n = f"{base}_{n}", n + 1
            scale_ids[key] = sid
            points = [dict(p) for p in match.points] if catalogue else [{lang: a} for a in answers]
            for p, a in zip(points, answers, strict=True):
                p[lang] = a  # the file's own labels (and codes' order)
            draft.scales[sid] = {"points": points}
            if not catalogue:
                draft.check(
                    f"scales.{sid}", "ordinal measure level: points in the order of the codes"
                )
        if nas:
            known = draft.scales[sid].setdefault("not_an_answer", [])
            known += [{lang: n} for n in nas if {lang: n} not in known]
        body.update(type="scale", scale=sid)
        return
    body["type"] = "single"
    body["options"] = [{lang: a} for a in answers]
    if nas:
        body["not_an_answer"] = [{lang: n} for n in nas]
    if level == "ordinal":
        body["ordered"] = True
    if {a.casefold() for a in answers} <= {
        "0",
        "1",
        "no",
        "yes",
        "sì",
        "si",
        "selected",
        "not selected",
        "checked",
        "unchecked",
    }:
        draft.check(entry, "a yes/no variable: one option of a multiple-choice set?")
