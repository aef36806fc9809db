"""The exception family refines the builtins; Survey and Codebook show short reprs."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

from cmmc_analysis import load_survey
from cmmc_analysis.codebook import load_codebook
from cmmc_analysis.errors import (
    ClaimsError,
    CodebookError,
    ExportError,
    PrivacyLeakError,
    ReportError,
    SurveyDataError,
)
from cmmc_analysis.survey import Survey


@pytest.mark.parametrize("cls", [SurveyDataError, CodebookError, ExportError, ClaimsError])
def test_bad_input_is_a_value_error(cls):
    err = cls("expected a number, found 'x'", path="in.yaml", entry="a.b")
    assert isinstance(err, ValueError) and isinstance(err, SurveyDataError)
    with pytest.raises(ValueError, match=r"^in\.yaml, entry a\.b: expected a number"):
        raise err


def test_a_failed_build_is_also_a_runtime_error():
    assert issubclass(ReportError, RuntimeError) and issubclass(ReportError, SurveyDataError)
    assert issubclass(PrivacyLeakError, ReportError)


def test_messages_are_one_line_and_survive_pickling():
    err = CodebookError("found 'a\nb'", path="weird\nname.yaml", entry="items[0]", row=3)
    assert "\n" not in str(err)
    assert str(err) == "'weird\\nname.yaml', entry items[0], row 3: found 'a b'"
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is CodebookError and str(back) == str(err) and back.entry == "items[0]"


@pytest.fixture(scope="module")
def survey():
    return load_survey()


def test_survey_repr_is_short_and_informative(survey):
    text = repr(survey)
    assert len(text) <= 400  # was 26,101 characters
    assert text.startswith("<Survey remote_working_2020: 235 respondents, ")
    # the bundled export: 250 rows, 15 planted whole-row defects (data/synth_model.yaml)
    assert "from remote_working_2020.csv" in text and "250 rows read, 15 excluded" in text
    assert "duplicates 2" in text and "cut final" in text
    assert "\n" not in text
    assert "cut interim" in repr(survey.cut("interim"))


def test_survey_html_repr_is_a_small_escaped_table(survey):
    cb = load_codebook()
    page = survey._repr_html_()
    assert len(page) <= 2000 and page.startswith("<table>")
    odd = Survey(
        data=pd.DataFrame(index=pd.Index([], name="respondent_id")),
        missing=pd.DataFrame(),
        codebook=cb,
        source={"file": "<img src=x onerror=alert(1)>.csv"},
    )
    assert "<img" not in odd._repr_html_() and "&lt;img" in odd._repr_html_()
    assert repr(odd).startswith("<Survey remote_working_2020: 0 respondents, 0 of 35")


def test_codebook_repr():
    cb = load_codebook()
    assert repr(cb) == (
        "<Codebook remote_working_2020 from codebook.yaml: 35 items (21 scale, 6 single, "
        "1 multi, 2 numeric, 4 text, 1 datetime), 3 scales, 2 grids, 2 constructs, "
        "languages it, en>"
    )
    assert "<td>3 scales</td>" in cb._repr_html_()
