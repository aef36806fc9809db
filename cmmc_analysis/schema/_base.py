"""What every schema shares: strict models, house-style messages, one-line errors.

A schema is a set of pydantic models that describe a YAML file as the user writes
it. The models are *strict* (no silent coercion: ``"0.3"`` is not a number, ``1`` is
not ``true``) and refuse unknown keys. Each field states what it expects in words
(:func:`expect`), so that a wrong value reads "expected a number in (0, 1], found
'0.3'" rather than pydantic's own wording.

:func:`raise_first` turns pydantic's :class:`~pydantic.ValidationError` into ONE
exception of the package's family (:class:`~cmmc_analysis.errors.CodebookError`, ...)
naming the file, the entry (``items[7] (org_models).scale``: list positions with the
entry's ``id``, mapping keys joined by dots), what was found and what was expected.

Examples
--------
>>> from typing import Annotated
>>> class Rule(Strict):
...     share: Annotated[float, expect("a number in [0, 1]")] = 0.5
>>> Rule.model_validate({"share": "half"})
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for Rule
share
  expected a number in [0, 1], found 'half' ...
>>> entry_of(("items", 1, "scale"), {"items": [{"id": "a"}, {"id": "b", "scale": 5}]})
'items[1] (b).scale'
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, NoReturn

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..errors import SurveyDataError

__all__ = ["Strict", "expect", "problem", "shown", "entry_of", "first_error", "raise_first"]

_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlong = 40
_REPR.maxlist = _REPR.maxdict = _REPR.maxtuple = _REPR.maxset = 4
_REPR.maxlevel = 2


def shown(value: Any) -> str:
    """A short, one-line ``repr`` of a value found in a file (long values elided).

    >>> shown("x" * 100)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxx...xxxxxxxxxxxxxxxxxxxxxxxxxxxx'"
    >>> shown([[1, 2], {"a": [3, [4]]}, 5, 6, 7, 8])
    "[[1, 2], {'a': [...]}, 5, 6, ...]"
    """
    try:
        text = _REPR.repr(value)
    except (ValueError, RecursionError):  # an int beyond Python's digit limit, a cycle
        text = f"<a {type(value).__name__}>"
    return text.replace("\n", " ").replace("\r", " ")


def problem(message: str, *at: Any, **details: Any) -> PydanticCustomError:
    """An error raised inside a model: ``message`` at the entry ``at`` below the model.

    ``details`` are kept for callers that word the error differently (for example
    ``expected=`` and ``found=`` for the cleaning rules given as a parameter).
    """
    return PydanticCustomError("cmmc", "{message}", {"message": message, "at": at, **details})


def expect(kind: str) -> WrapValidator:
    """Field metadata: when the value does not validate, say ``expected <kind>, found ...``.

    Use it on fields holding scalars or lists of scalars; nested models report their
    own entries. ``kind`` is also the type shown in the generated field tables.
    """

    def check(value: Any, handler: Callable[[Any], Any]) -> Any:
        try:
            return handler(value)
        except (ValidationError, ValueError, TypeError):
            raise problem(
                f"expected {kind}, found {shown(value)}", expected=kind, found=value
            ) from None

    check.kind = kind  # type: ignore[attr-defined]
    return WrapValidator(check)


class Strict(BaseModel):
    """A strict model: no coercion, no unknown keys, no NaN or infinity.

    Subclasses set ``noun`` (how an unknown key is called: "key", "section",
    "option", ...) and ``open`` (True to accept undeclared keys, kept as documentation).
    """

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
        populate_by_name=True,
        arbitrary_types_allowed=True,
    )
    noun: ClassVar[str] = "key"
    open: ClassVar[bool] = False
    what: ClassVar[str] = "a mapping"

    @model_validator(mode="before")
    @classmethod
    def _check_keys(cls, data: Any) -> Any:
        if isinstance(data, BaseModel):
            return data
        if not isinstance(data, Mapping):
            raise problem(
                f"expected {cls.what}, found {shown(data)}", expected=cls.what, found=data
            )
        known = cls.keys()
        for key in data:
            if not isinstance(key, str):
                raise problem(f"expected a text key, found {shown(key)}", key)
            if not cls.open and key not in known:
                raise problem(
                    f"unknown {cls.noun}; expected one of {sorted(known)}",
                    key,
                    unknown=cls.noun,
                    known=sorted(known),
                )
        return data

    @classmethod
    def keys(cls) -> set[str]:
        """The keys a file may use (field names, or their aliases)."""
        return {f.alias or name for name, f in cls.model_fields.items()}


def context(info: ValidationInfo, key: str, default: Any = None) -> Any:
    """A value of the validation context (the languages, the codebook, ...)."""
    return (info.context or {}).get(key, default)


# --- turning a ValidationError into one line ---------------------------------------------

_GENERIC = {
    "string_type": "a text",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "string_too_short": "a non-empty text",
}


def _key(part: Any) -> str:
    return part if isinstance(part, str) and part.isprintable() and len(part) <= 60 else shown(part)


def entry_of(loc: tuple[Any, ...], doc: Any) -> str:
    """The entry a pydantic location points at, written as the file's user reads it.

    List positions are followed by the entry's ``id`` when it has one; locations that
    are pydantic's own (union members, validator tags) are left out.

    >>> entry_of((), {})
    '(top)'
    >>> entry_of(("cleaning", "speeders", "treshold"), {"cleaning": {"speeders": {"treshold": 1}}})
    'cleaning.speeders.treshold'
    >>> entry_of(("claims", 0, "comparison", "above", "value"),
    ...          {"claims": [{"id": "S1", "comparison": {"type": "above"}}]})
    'claims[0] (S1).comparison.value'
    """
    out = ""
    node = doc
    for n, part in enumerate(loc):
        last = n == len(loc) - 1
        if part == "[key]":
            continue
        if isinstance(node, Mapping) and _holds(node, part):
            out += ("." if out else "") + _key(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out += f"[{part}]"
            node = node[part]
            if isinstance(node, Mapping) and isinstance(node.get("id"), str):
                out += f" ({_key(node['id'])})"
        elif isinstance(node, Mapping) and last and isinstance(part, str):
            out += ("." if out else "") + _key(part)  # a missing key
    return out or "(top)"


def _holds(node: Mapping, part: Any) -> bool:
    try:
        return part in node
    except TypeError:
        return False


def first_error(error: ValidationError) -> tuple[tuple[Any, ...], str, dict[str, Any]]:
    """The first problem of a ValidationError: (location, message, details)."""
    err = error.errors(include_url=False)[0]
    loc = tuple(err["loc"])
    ctx = dict(err.get("ctx") or {})
    kind = err["type"]
    found = err.get("input")
    if kind == "cmmc":
        return loc + tuple(ctx.get("at", ())), str(ctx["message"]), ctx
    if kind == "missing":
        return loc, f"missing required key {_key(loc[-1])!r}", ctx
    if kind == "literal_error":
        name = loc[-1] if loc and isinstance(loc[-1], str) else "value"
        return loc, f"unknown {name} {shown(found)}; expected one of {ctx.get('expected')}", ctx
    if kind == "too_short":
        return (
            loc,
            f"expected at least {ctx.get('min_length')} entries, found {ctx.get('actual_length')}",
            ctx,
        )
    if kind == "too_long":
        return (
            loc,
            f"expected at most {ctx.get('max_length')} entries, found {ctx.get('actual_length')}",
            ctx,
        )
    for key, sign in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
        if key in ctx:
            return loc, f"expected a number {sign} {ctx[key]}, found {shown(found)}", ctx
    if kind in _GENERIC:
        return loc, f"expected {_GENERIC[kind]}, found {shown(found)}", ctx
    return loc, f"{err['msg']} (found {shown(found)})", ctx


def raise_first(
    error: ValidationError,
    doc: Any,
    cls: type[SurveyDataError],
    path: Any = None,
    *,
    prefix: tuple[Any, ...] = (),
) -> NoReturn:
    """Raise the first problem of ``error`` as ``cls``, naming the file and the entry.

    ``prefix`` is prepended to the locations when the model validated a part of
    ``doc`` (for example ``("margins",)``).
    """
    loc, message, _ = first_error(error)
    raise cls(message, path=path, entry=entry_of(prefix + loc, doc)) from None
