"""The report runs, without edits, on drafted codebooks (bundled export, second survey)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmmc_analysis.draft import draft_from_export, write_yaml
from cmmc_analysis.paths import DEFAULT_EXPORT
from cmmc_analysis.report.build import build_report

SECOND = Path(__file__).parent / "fixtures" / "second_survey" / "export.csv"


@pytest.fixture(scope="module", params=[DEFAULT_EXPORT, SECOND], ids=["bundled", "second"])
def drafted_report(request, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("draft_report")
    export = request.param
    codebook = folder / "codebook.yaml"
    draft = draft_from_export(export)
    codebook.write_text(write_yaml(draft), encoding="utf-8")
    return build_report(data=export, codebook=codebook, out=folder / "report", code=False)


def test_the_report_runs_on_a_draft_without_edits(drafted_report) -> None:
    out = drafted_report
    pages = sorted(p.name for p in out.glob("*.html"))
    assert pages == [
        "01_data_and_cleaning.html",
        "02_exploration.html",
        "03_significance.html",
        "04_findings.html",
        "05_questions.html",
        "index.html",
    ]
    assert "Traceback" not in (out / "02_exploration.html").read_text(encoding="utf-8")
