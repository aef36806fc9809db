"""A draft codebook and its YAML, with a ``# check:`` comment on every unsure guess.

Every converter of this package (an export, an XLSForm, an SPSS file, a Qualtrics
survey) builds a :class:`Draft`: the sections of a codebook as plain data (see
``docs/codebook.md``), plus, for any entry, the comments to write above it. A
``# check:`` comment says why a guess is unsure; :attr:`Draft.unconverted` lists what
could not be converted (written at the top of the file and on stderr by the command
line). :func:`write_yaml` writes the YAML; every text taken from the input is quoted
and escaped, so a header cannot break the file or smuggle in a key.

Examples
--------
>>> d = Draft(survey={"id": "tiny", "source_language": "en", "languages": ["en"]})
>>> d.items.append({"id": "q1", "type": "text", "text": {"en": 'A "quoted" # header'}})
>>> d.check("items.q1", "free text")
>>> print(write_yaml(d))  # doctest: +ELLIPSIS
# Draft codebook written by `cmmc-analysis codebook`. ...
survey:
  id: tiny
  source_language: en
  languages: [en]
<BLANKLINE>
items:
  # check: free text
  - id: q1
    type: text
    text: {en: "A \\"quoted\\" # header"}
<BLANKLINE>
>>> from cmmc_analysis.codebook import parse_codebook
>>> import yaml
>>> parse_codebook(yaml.safe_load(write_yaml(d))).text("q1")
'A "quoted" # header'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import SurveyDataError

__all__ = ["Draft", "write_yaml", "save_yaml", "quote", "comment_text", "mark_segments"]


@dataclass
class Draft:
    """A codebook being drafted: its sections as plain data, plus comments.

    ``notes`` and ``checks`` map an entry (``"items.<id>"``, ``"scales.<id>"``,
    ``"grids.<id>"``, ``"export"``, ``"fieldwork"``, ``"constructs.<id>"``, ``"cleaning"``) to the
    comment lines written above it; a check is written as ``# check: ...``.
    """

    survey: dict[str, Any]
    export: dict[str, Any] = field(default_factory=dict)
    fieldwork: dict[str, Any] = field(default_factory=dict)
    scales: dict[str, dict[str, Any]] = field(default_factory=dict)
    grids: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)
    constructs: dict[str, dict[str, Any]] = field(default_factory=dict)
    cleaning: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    checks: dict[str, list[str]] = field(default_factory=dict)
    unconverted: list[str] = field(default_factory=list)
    source: str = ""

    def note(self, entry: str, text: str) -> None:
        """Add a plain comment above ``entry``."""
        self.notes.setdefault(entry, []).append(text)

    def check(self, entry: str, text: str) -> None:
        """Add a ``# check:`` comment (an unsure guess, and why) above ``entry``."""
        if text not in self.checks.get(entry, []):
            self.checks.setdefault(entry, []).append(text)

    def lost(self, entry: str, text: str) -> None:
        """Record something that could not be converted (also a check on ``entry``)."""
        self.unconverted.append(f"{entry}: {text}")
        self.check(entry, f"not converted: {text}")

    def item(self, item_id: str) -> dict[str, Any]:
        """The item ``item_id`` (KeyError if absent)."""
        for body in self.items:
            if body["id"] == item_id:
                return body
        raise KeyError(item_id)

    @property
    def n_checks(self) -> int:
        """How many ``# check:`` comments the YAML will hold."""
        return sum(len(v) for v in self.checks.values())


# --- YAML ------------------------------------------------------------------------------

_LINE_BREAKS = re.compile(r"[\r\n\x85\u2028\u2029\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")


def comment_text(text: str) -> str:
    """A text made safe for a YAML comment: one line, no control characters.

    >>> comment_text("two\\nlines\\u2028and more")
    'two lines and more'
    """
    return _LINE_BREAKS.sub(" ", str(text)).strip()


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf"}


def quote(value: Any) -> str:
    """A scalar as YAML: strings double-quoted and escaped, numbers and booleans plain.

    >>> quote('say "hi"\\n'), quote(3), quote(True), quote(None), quote(0.5)
    ('"say \\\\"hi\\\\"\\\\n"', '3', 'true', 'null', '0.5')
    >>> quote("agree5"), quote("no"), quote("Yes")
    ('agree5', '"no"', '"Yes"')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if _PLAIN.fullmatch(str(value)) and str(value).lower() not in _RESERVED:
        return str(value)
    text = yaml.safe_dump(
        str(value), default_style='"', allow_unicode=True, width=1 << 30, explicit_end=False
    )
    return text.rstrip("\n").removesuffix("\n...").rstrip("\n")


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else quote(key)


def _flow(value: Any) -> str:
    """A value in YAML flow style (one line)."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(str(k))}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return quote(value)


def _block(value: Any, indent: int) -> list[str]:
    """A mapping's entries as block lines; nested lists of mappings one per line."""
    pad = " " * indent
    lines = []
    for key, val in value.items():
        if isinstance(val, list) and val and all(isinstance(v, Mapping) for v in val):
            lines.append(f"{pad}{_key(str(key))}:")
            lines += [f"{pad}  - {_flow(v)}" for v in val]
        elif (
            isinstance(val, Mapping)
            and val
            and any(isinstance(v, Mapping | list) for v in val.values())
        ):
            lines.append(f"{pad}{_key(str(key))}:")
            lines += _block(val, indent + 2)
        else:
            lines.append(f"{pad}{_key(str(key))}: {_flow(val)}")
    return lines


def _comments(draft: Draft, entry: str, indent: int) -> list[str]:
    pad = " " * indent
    out = [f"{pad}# {comment_text(n)}" for n in draft.notes.get(entry, [])]
    out += [f"{pad}# check: {comment_text(c)}" for c in draft.checks.get(entry, [])]
    return out


def write_yaml(draft: Draft) -> str:
    """The draft as codebook YAML, comments included (see the module's example)."""
    head = [
        "# Draft codebook written by `cmmc-analysis codebook`. Review every `# check:` line,",
        "# then run `cmmc-analysis validate EXPORT --codebook THIS_FILE`. Schema: docs/codebook.md.",
    ]
    if draft.source:
        head.append(f"# Drafted from: {comment_text(draft.source)}")
    head.append(f"# Lines to check: {draft.n_checks}.")
    if draft.unconverted:
        head.append("# NOT CONVERTED (add by hand if needed):")
        head += [f"#   - {comment_text(u)}" for u in draft.unconverted]
    lines = head + _comments(draft, "survey", 0) + ["survey:"] + _block(draft.survey, 2) + [""]
    if draft.export:
        lines += _comments(draft, "export", 0)
        lines += ["export:"] + _block(draft.export, 2) + [""]
    if draft.fieldwork:
        lines += _comments(draft, "fieldwork", 0)
        lines += ["fieldwork:"] + _block(draft.fieldwork, 2) + [""]
    for section in ("scales", "grids"):
        body = getattr(draft, section)
        if not body:
            continue
        lines.append(f"{section}:")
        for sid, sbody in body.items():
            lines += _comments(draft, f"{section}.{sid}", 2)
            lines.append(f"  {_key(sid)}:")
            lines += _block(sbody, 4)
        lines.append("")
    lines += _comments(draft, "items", 0) + ["items:"]
    for body in draft.items:
        lines += _comments(draft, f"items.{body['id']}", 2)
        first, *rest = _block(body, 4)
        lines.append("  - " + first.lstrip())
        lines += rest
    lines.append("")
    if draft.constructs:
        lines.append("constructs:")
        for cid, cbody in draft.constructs.items():
            lines += _comments(draft, f"constructs.{cid}", 2)
            lines.append(f"  {_key(cid)}:")
            lines += _block(cbody, 4)
        lines.append("")
    if draft.cleaning:
        lines += _comments(draft, "cleaning", 0)
        lines += ["cleaning:"] + _block(draft.cleaning, 2) + [""]
    return "\n".join(lines)


def save_yaml(text: str, out: str | Path, *, force: bool = False) -> Path:
    """Write ``text`` to ``out``; an existing file is replaced only with ``force``.

    The text is written to a temporary file beside ``out`` and moved into place, so
    an interrupted write leaves no half file.

    Raises
    ------
    SurveyDataError
        ``out`` exists and ``force`` is False, or it cannot be written.
    """
    import os
    import tempfile

    out = Path(out)
    if out.exists() and not force:
        raise SurveyDataError(
            "the file exists; expected a new file name (or --force to replace it)", path=out
        )
    if out.exists() and not out.is_file():
        raise SurveyDataError("not a regular file; expected a file name", path=out)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}-", dir=out.parent or ".")
    except OSError as err:
        raise SurveyDataError(f"cannot write here: {err.strerror}", path=out) from err
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def label(texts: Mapping[str, str], languages: Sequence[str]) -> dict[str, str]:
    """A label restricted to ``languages`` (others dropped, missing ones filled from the first)."""
    first = next(iter(texts.values()))
    return {lang: texts.get(lang, first) for lang in languages}


def mark_segments(draft: Draft, headers: Sequence[str] | None = None) -> None:
    """Offer single-choice items of 2-12 options as segments (``segment: true``).

    Those before the first scale item (a profile block) and those whose text (or
    ``headers``, one per item) names a profile question (role, sector, size, area,
    age, team, ...); the first kind with a ``# check:``.
    """
    from .columns import header_kind

    src = draft.survey["source_language"]
    first = next((i for i, b in enumerate(draft.items) if b["type"] == "scale"), len(draft.items))
    for pos, body in enumerate(draft.items):
        if body["type"] != "single" or not 2 <= len(body.get("options", [])) <= 12:
            continue
        text = headers[pos] if headers is not None else body["text"][src]
        named = "segment" in header_kind(text)
        if pos < first or named:
            body["segment"] = True
            if not named:
                draft.check(
                    f"items.{body['id']}",
                    "offered as a segment: a profile question before the first scale",
                )
