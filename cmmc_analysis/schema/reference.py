"""Field tables of the schemas, for ``docs/codebook.md`` and ``docs/claims.md``.

The docs hold the tables between ``<!-- schema:NAME -->`` and ``<!-- /schema:NAME -->``;
``python -m cmmc_analysis.schema.reference`` rewrites them from the models, and a test
checks that they are up to date, so the models stay the one reference.

Examples
--------
>>> from cmmc_analysis.schema.codebook import GridDoc
>>> print(field_table(GridDoc))
| key | expects | default | meaning |
|---|---|---|---|
| `text` | a text in each language | required | the stem; items are exported as "stem [row text]" |
| `scale` | an id | required | the scale of the grid's items |
| `topic` | a text in each language | - | what the grid is about, for chart titles (default: the stem) |
"""

from __future__ import annotations

import re
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from .claims import ClaimDoc, ClaimsDoc, ComparisonDoc, DefaultsDoc, StatisticDoc
from .cleaning import CleaningDoc
from .codebook import (
    AskedIfDoc,
    CodebookDoc,
    ConstructDoc,
    FieldworkDoc,
    GridDoc,
    ItemDoc,
    LabelDoc,
    ScaleDoc,
    SurveyDoc,
)

__all__ = ["field_table", "SECTIONS", "render", "generated_part", "update_docs"]

#: Which tables each doc shows: doc name -> [(heading, model)].
SECTIONS: dict[str, list[tuple[str, type[BaseModel]]]] = {
    "codebook": [
        ("top level", CodebookDoc),
        ("`survey:`", SurveyDoc),
        ("`fieldwork:`", FieldworkDoc),
        ("`scales.<id>:`", ScaleDoc),
        ("`grids.<id>:`", GridDoc),
        ("`items[i]:`", ItemDoc),
        ("`items[i].asked_if:`", AskedIfDoc),
        ("`constructs.<id>:`", ConstructDoc),
        *[
            (f"`cleaning.{name}:`", field.annotation)
            for name, field in CleaningDoc.model_fields.items()
        ],
    ],
    "claims": [
        ("top level", ClaimsDoc),
        ("`defaults:`", DefaultsDoc),
        ("`claims[i]:`", ClaimDoc),
        ("`claims[i].statistic:`", StatisticDoc),
        ("`claims[i].comparison:`", ComparisonDoc),
    ],
}


def _kind_in(metadata: Any) -> str | None:
    for meta in metadata:
        kind = getattr(getattr(meta, "func", None), "kind", None)
        if kind:
            return kind
    return None


def _expects(annotation: Any, metadata: Any = ()) -> str:
    kind = _kind_in(metadata)
    if kind:
        return kind
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        inner, *meta = get_args(annotation)
        return _expects(inner, meta)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        return " or ".join(_expects(a) for a in options)
    if origin is Literal:
        return " \\| ".join(f"`{a}`" for a in get_args(annotation))
    if origin is list:
        return f"a list of {_plural(_expects(get_args(annotation)[0]))}"
    if origin is dict:
        value = _expects(get_args(annotation)[1])
        return f"a mapping name -> {value.removeprefix('a ').removeprefix('an ')}"
    if annotation is LabelDoc:
        return "a text in each language"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping (below)"
    if annotation is Any:
        return "any value"
    return getattr(annotation, "__name__", str(annotation))


def _plural(kind: str) -> str:
    kind = kind.removeprefix("a ").removeprefix("an ")
    return {
        "mapping (below)": "mappings (below)",
        "text in each language": "texts in each language",
    }.get(kind, kind)


def _default(field: Any) -> str:
    if field.is_required():
        return "required"
    value = field.default
    if value is PydanticUndefined or value is None:
        return "-"
    if isinstance(value, BaseModel):
        return "(defaults below)"
    return f"`{value!r}`" if not isinstance(value, bool) else f"`{str(value).lower()}`"


def field_table(model: type[BaseModel]) -> str:
    """A markdown table of ``model``'s keys: what each expects, its default, its meaning."""
    rows = ["| key | expects | default | meaning |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        key = field.alias or name
        expects = _expects(field.annotation, field.metadata).replace("|", "\\|")
        expects = expects.replace("\\\\|", "\\|")
        meaning = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{key}` | {expects} | {_default(field)} | {meaning} |")
    return "\n".join(rows)


def render(doc: str) -> str:
    """The tables of ``doc`` ("codebook" or "claims") with their headings."""
    parts = []
    for heading, model in SECTIONS[doc]:
        summary = (model.__doc__ or "").strip().splitlines()[0]
        parts.append(f"#### {heading}\n\n{summary}\n\n{field_table(model)}")
    return "\n\n".join(parts)


_TABLES = {
    doc: re.compile(rf"(<!-- schema:{doc} -->\n).*?(<!-- /schema:{doc} -->)", re.S)
    for doc in SECTIONS
}


def generated_part(text: str, doc: str) -> str | None:
    """The tables between the markers of ``doc`` in a page's text (None without markers)."""
    found = _TABLES[doc].search(text)
    return found.group(0) if found else None


def update_docs(folder: Path) -> list[Path]:
    """Rewrite the tables in ``folder``/codebook.md and claims.md; return the files changed."""
    changed = []
    for doc in SECTIONS:
        path = folder / f"{doc}.md"
        text = path.read_text(encoding="utf-8")
        new = _TABLES[doc].sub(lambda m, d=doc: m.group(1) + render(d) + "\n" + m.group(2), text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


if __name__ == "__main__":  # pragma: no cover
    from ..paths import PROJECT_ROOT

    for path in update_docs(PROJECT_ROOT / "docs"):
        print(f"updated {path.relative_to(PROJECT_ROOT)}", file=sys.stderr)
