"""The simulator's model file (``data/synth_model.yaml``, ``docs/simulation.md``).

The models check each entry's type and range (a probability lies in [0, 1], a
count is a non-negative integer, a loading lies in (-1, 1), unknown keys are
refused); what the model says about the codebook (an unknown label, a grid too
short for straight-liners, ...) is checked by :func:`cmmc_analysis.synth.simulate`,
which sees the codebook.

Examples
--------
>>> validate_model({"n_rows": 250, "duration": {"median_s": -5}}, path="model.yaml")
Traceback (most recent call last):
...
cmmc_analysis.errors.SurveyDataError: model.yaml, entry duration.median_s: expected a positive number, found -5
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import Field, ValidationError

from ..errors import SurveyDataError
from ._base import Strict, expect, raise_first

__all__ = ["ModelDoc", "validate_model"]

Count = Annotated[int, Field(ge=0, le=10**6), expect("a count (an integer >= 0)")]
Probability = Annotated[float, Field(ge=0, le=1), expect("a probability in [0, 1]")]
Positive = Annotated[float, Field(gt=0), expect("a positive number")]
Number = Annotated[float, expect("a number")]
Weights = Annotated[
    list[Annotated[float, Field(ge=0)]], Field(max_length=10_000), expect("a list of weights >= 0")
]
Numbers = Annotated[list[float], Field(max_length=1_000), expect("a list of numbers")]
Text = Annotated[str, expect("a text")]
Texts = Annotated[list[str], Field(max_length=100_000), expect("a list of texts")]
Loading = Annotated[float, Field(gt=-1, lt=1), expect("a loading in (-1, 1)")]
Pair = Annotated[list[float], Field(min_length=2, max_length=2), expect("two numbers [low, high]")]


class TimingDoc(Strict):
    format: Text | None = Field(None, description="strftime format of the timestamps")
    first_day: Annotated[str | dt.date, expect("a date")] | None = Field(
        None, description="first fieldwork day drawn (default: the codebook's start)"
    )
    day_weights: Weights | None = Field(None, description="relative weight of each day")
    hour_weights: Weights | None = Field(None, description="24 relative weights, one per hour")


class DurationDoc(Strict):
    median_s: Positive | None = Field(None, description="median seconds on the form")
    sigma_log: Annotated[float, Field(ge=0), expect("a number >= 0")] | None = None
    floor_share: Probability | None = Field(None, description="durations never below this share")


class TraitsDoc(Strict):
    names: Texts | None = Field(None, description="latent traits")
    correlation: Annotated[list[Numbers], Field(max_length=1_000), expect("a matrix")] | None = None


class ScaleModelDoc(Strict):
    thresholds: Numbers = Field(description="k - 1 increasing cut points of the latent")


class ScaleItemDoc(Strict):
    trait: Text | None = None
    loading: Loading | None = None
    location: Number | None = None
    na_rate: Probability | None = None
    blank_rate: Probability | None = None
    thresholds: Numbers | None = None


class NumericItemDoc(ScaleItemDoc):
    scale: Positive | None = None
    round_to: Positive | None = None


class EffectDoc(Strict):
    item: Text
    by: Text
    shift: dict[str, Number]


class TextItemDoc(Strict):
    fill_rate: Probability | None = None
    phrases: Texts | None = None


class ContactFieldDoc(Strict):
    item: Text | None = None
    fill_rate: Probability | None = None


class ContactsDoc(Strict):
    email: ContactFieldDoc | None = None
    name: ContactFieldDoc | None = None
    company: ContactFieldDoc | None = None
    first_names: Texts | None = None
    last_names: Texts | None = None
    company_words: Texts | None = None
    company_kinds: Texts | None = None
    company_form: Texts | None = None
    email_domain_suffix: Text | None = None


class RowsDoc(Strict):
    noun = "kind"

    duplicate: Count | None = None
    test_submission: Count | None = None
    before_fieldwork: Count | None = None
    blank_row: Count | None = None
    straightliner: Count | None = None
    speeder: Count | None = None


class LabelMessDoc(Strict):
    noun = "kind"

    label_spaces: Count | None = None
    label_case: Count | None = None
    label_apostrophe: Count | None = None
    label_accent: Count | None = None


class NumberMessDoc(Strict):
    item: Text | None = None
    number_percent: Count | None = None
    number_fraction: Count | None = None
    number_approx: Count | None = None
    number_all: Count | None = None
    number_not_an_answer: Count | None = None
    number_out_of_range: Count | None = None
    words: dict[str, Text] | None = None


class TextMessDoc(Strict):
    item: Text | None = None
    comment_email: Count | None = None
    comment_phone: Count | None = None
    comment_markup: Count | None = None
    email_template: Text | None = None
    phone_template: Text | None = None
    markup: Texts | None = None


class MessDoc(Strict):
    rows: RowsDoc | None = None
    test_identities: list[dict[str, Text]] | None = None
    before_fieldwork_days: Pair | None = None
    speeder_share: Pair | None = None
    labels: LabelMessDoc | None = None
    numbers: NumberMessDoc | None = None
    skip_violation: Count | None = None
    text: TextMessDoc | None = None


class ModelDoc(Strict):
    """A simulator model file: every section optional."""

    noun = "section"
    what = "a mapping (n_rows, traits, ...)"

    n_rows: Annotated[int, Field(ge=1, le=10**7), expect("a positive integer")] | None = None
    timing: TimingDoc | None = None
    duration: DurationDoc | None = None
    traits: TraitsDoc | None = None
    scales: dict[str, ScaleModelDoc] | None = None
    choices: dict[str, dict[str, Annotated[float, Field(ge=0), expect("a weight >= 0")]]] | None = (
        None
    )
    scale_items: dict[str, ScaleItemDoc] | None = None
    numeric_items: dict[str, NumericItemDoc] | None = None
    effects: list[EffectDoc] | None = None
    multi_items: dict[str, dict[str, Probability]] | None = None
    text_items: dict[str, TextItemDoc] | None = None
    contacts: ContactsDoc | None = None
    mess: MessDoc | None = None


def validate_model(doc: Any, *, path: Any = None) -> dict[str, Any]:
    """Validate a model document; return it unchanged (a dict), or raise one line."""
    try:
        ModelDoc.model_validate(doc)
    except ValidationError as err:
        raise_first(err, doc, SurveyDataError, path)
    return dict(doc)
