"""The cleaning rules: the codebook's ``cleaning:`` section and the ``rules=`` overrides.

Each rule is a model whose defaults are the rule's defaults (``docs/cleaning.md``
says what each rule does); a codebook overrides them option by option, and
:func:`merge_rules` merges the ``rules=`` parameter of ``clean`` on top the same way.

Examples
--------
>>> CleaningDoc().model_dump()["speeders"]
{'exclude': True, 'fraction_of_median': 0.3}
>>> merge_rules(CleaningDoc().model_dump(), {"straightliners": {"min_items": 1}})
Traceback (most recent call last):
...
cmmc_analysis.errors.SurveyDataError: straightliners.min_items = 1; expected an integer >= 2
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError

from ..errors import SurveyDataError
from ._base import Strict, expect, first_error

__all__ = ["CleaningDoc", "merge_rules"]

Flag = Annotated[bool, expect("true or false")]
Texts = Annotated[list[str], expect("a list of strings")]


class Rule(Strict):
    noun = "option"


class EmptyRule(Rule):
    """Rows with no answer at all."""

    exclude: Flag = Field(True, description="exclude the rows (false: flag them only)")


class TestSubmissionsRule(Rule):
    """Rows whose contact fields hold a test marker."""

    exclude: Flag = Field(True, description="exclude the rows (false: flag them only)")
    markers: Texts = Field(["test", "prova"], description="words that mark a test submission")
    fields: Texts = Field([], description="item ids searched for the markers")


class OutsideFieldworkRule(Rule):
    """Rows submitted outside the fieldwork window."""

    exclude: Flag = Field(True, description="exclude the rows (false: flag them only)")


class DuplicatesRule(Rule):
    """Rows sharing the same key (for example the email)."""

    exclude: Flag = Field(True, description="exclude the rows (false: flag them only)")
    key: Texts = Field([], description="item ids that identify a respondent")
    keep: Annotated[Literal["first", "last"], expect("'first' or 'last'")] = Field(
        "last", description="which of the duplicates is kept"
    )


class SpeedersRule(Rule):
    """Rows completed much faster than the median."""

    exclude: Flag = Field(True, description="exclude the rows (false: flag them only)")
    fraction_of_median: Annotated[float, Field(gt=0, le=1), expect("a number in (0, 1]")] = Field(
        0.3, description="a duration below this share of the median is a speeder"
    )


class StraightlinersRule(Rule):
    """Rows giving the same answer across a whole grid."""

    exclude: Flag = Field(True, description="exclude the rows (false: flag them only)")
    min_items: Annotated[int, Field(ge=2), expect("an integer >= 2")] = Field(
        6, description="only grids of at least this many items count"
    )


def _texts(value: Any) -> Any:
    """Numbers in a list of accepted answers are their text (``accept: [eight, 8]``)."""
    if isinstance(value, list):
        return [
            str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v for v in value
        ]
    return value


class AttentionRule(Rule):
    """Rows failing an attention check (an item whose right answers are known)."""

    item: Annotated[str, expect("an item id")] | None = Field(
        None, description="the attention-check item (none: the rule is off)"
    )
    accept: Annotated[Texts, BeforeValidator(_texts)] = Field(
        [], description="the right answers (case-, accent- and space-insensitive)"
    )
    exclude: Flag = Field(True, description="exclude the rows (false: flag them only)")


class PseudonymRule(Rule):
    """How respondent ids are made (HMAC of the key with a secret salt)."""

    key: Texts = Field([], description="item ids hashed into the respondent id")
    salt_env: Annotated[
        str,
        Field(min_length=1, max_length=200, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$"),
        expect("the name of an environment variable"),
    ] = Field("CMMC_PSEUDONYM_SALT", description="environment variable holding the salt")


class CleaningDoc(Strict):
    """The ``cleaning:`` section: one entry per rule, every option optional."""

    noun = "cleaning rule"

    empty: EmptyRule = EmptyRule()
    test_submissions: TestSubmissionsRule = TestSubmissionsRule()
    outside_fieldwork: OutsideFieldworkRule = OutsideFieldworkRule()
    duplicates: DuplicatesRule = DuplicatesRule()
    speeders: SpeedersRule = SpeedersRule()
    straightliners: StraightlinersRule = StraightlinersRule()
    attention: AttentionRule = AttentionRule()
    pseudonym: PseudonymRule = PseudonymRule()


def merge_rules(
    base: Mapping[str, Mapping[str, Any]], rules: Mapping[str, Mapping[str, Any]] | None
) -> dict[str, dict[str, Any]]:
    """The codebook's rules with ``rules`` merged on top, option by option, validated.

    >>> from cmmc_analysis.codebook import load_codebook
    >>> cfg = merge_rules(load_codebook().cleaning, {"speeders": {"exclude": False}})
    >>> cfg["speeders"]
    {'exclude': False, 'fraction_of_median': 0.3}
    >>> merge_rules(load_codebook().cleaning, {"speders": {}})
    Traceback (most recent call last):
    ...
    cmmc_analysis.errors.SurveyDataError: parameter rules: unknown rule 'speders'; ...

    Raises
    ------
    SurveyDataError
        Naming the rule and the option: ``parameter rules['speeders']: unknown option
        'fraction'; ...`` or ``speeders.fraction_of_median = 3; expected a number in (0, 1]``.
    """
    merged: dict[str, Any] = copy.deepcopy({k: dict(v) for k, v in base.items()})
    if rules is not None and not isinstance(rules, Mapping):
        raise SurveyDataError(f"parameter rules: expected a mapping of rules, found {rules!r}")
    for rule, options in (rules or {}).items():
        if isinstance(options, Mapping) and isinstance(merged.get(rule), dict):
            merged[rule].update(options)
        else:
            merged[rule] = options
    try:
        return CleaningDoc.model_validate(merged).model_dump()
    except ValidationError as err:
        loc, message, ctx = first_error(err)
    if "unknown" in ctx:  # an unknown rule or option
        where, noun = (f"rules[{loc[0]!r}]", "option") if len(loc) > 1 else ("rules", "rule")
        raise SurveyDataError(
            f"parameter {where}: unknown {noun} {loc[-1]!r}; expected one of {ctx['known']}"
        )
    if len(loc) == 1 and "expected" in ctx:
        raise SurveyDataError(
            f"parameter rules[{loc[0]!r}]: expected a mapping of options, found {ctx['found']!r}"
        )
    if "expected" in ctx:
        raise SurveyDataError(
            f"{'.'.join(map(str, loc))} = {ctx['found']!r}; expected {ctx['expected']}"
        )
    raise SurveyDataError(f"parameter rules, {'.'.join(map(str, loc))}: {message}")
