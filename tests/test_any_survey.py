"""Any survey: the report of a survey the package knows nothing about.

The report of ``tests/fixtures/second_survey`` (English only, its own claims given with
``--claims``, a notebook of the user's) is built once per session, in both
flavours, with the index and the leak check; no page may carry wording of the bundled
CMMC survey. The form-tool fixtures (``tests/fixtures/<tool>/``) are built the same way
in ``test_form_tools.py``.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from cmmc_analysis import paths
from cmmc_analysis.claims import claims_file, load_survey_claims
from cmmc_analysis.codebook import load_codebook, parse_codebook
from cmmc_analysis.display import i18n
from cmmc_analysis.errors import ClaimsError, CodebookError, ReportError
from cmmc_analysis.report.build import build_report, find_notebooks

FIXTURES = Path(__file__).parent / "fixtures"
SECOND = FIXTURES / "second_survey"


def cmmc_wording() -> list[str]:
    """Words and texts that belong to the bundled survey only (never in another's report)."""
    cb = load_codebook()
    texts = {
        label.text(lang)
        for lang in cb.languages
        for label in [*(i.text for i in cb.items.values()), *(g.text for g in cb.grids.values())]
    }
    return ["CMMC", "Club", "18 marzo", "18 March", "S9", *sorted(t for t in texts if len(t) > 12)]


def assert_no_cmmc_wording(folder: Path) -> None:
    words = cmmc_wording()
    for page in sorted(folder.glob("*.html")):
        text = visible_text(page.read_text(encoding="utf-8"))  # not inside embedded images
        assert "newsletter" not in text.lower(), page.name
        found = [w for w in words if re.search(rf"\b{re.escape(w)}\b", text)]
        assert found == [], (page.name, found[:3])


def visible_text(html_text: str) -> str:
    """The page's text without style, images and tags (for phrase checks)."""
    html_text = re.sub(r"<(style|script)\b.*?</\1>", " ", html_text, flags=re.S)
    html_text = re.sub(r"<img\b[^>]*>", " ", html_text)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", html_text)).split())


def user_notebooks(folder: Path) -> Path:
    """The bundled notebooks plus one of the user's, in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for nb in find_notebooks():
        shutil.copy(nb, folder / nb.name)
    extra = new_notebook(
        cells=[
            new_code_cell(
                "data_path = None\ncodebook_path = None", metadata={"tags": ["parameters"]}
            ),
            new_markdown_cell("# Team extras\n\nOne more view, written by the researcher."),
            new_code_cell(
                "from cmmc_analysis import load_survey\n"
                "survey = load_survey(data_path, codebook=codebook_path)\n"
                "print(f'{len(survey)} analysed answers in the extra view')"
            ),
        ]
    )
    extra.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(extra, str(folder / "06_team_extras.ipynb"))
    return folder


@pytest.fixture(scope="session")
def second_report(report_once, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The second survey's report: its own claims, English only, a notebook of the user's."""
    notebooks = user_notebooks(tmp_path_factory.mktemp("second_notebooks"))
    return report_once(
        "report_second",
        data=SECOND / "export.csv",
        codebook=SECOND / "codebook.yaml",
        claims=SECOND / "claims.yaml",
        notebooks_dir=notebooks,
    )


def test_second_survey_report_is_complete(second_report: Path) -> None:
    stems = [p.stem for p in find_notebooks()] + ["06_team_extras"]
    expected = {"index.html", *(f"{s}{x}.html" for s in stems for x in ("", "-code"))}
    assert {p.name for p in second_report.glob("*.html")} == expected
    index = (second_report / "index.html").read_text(encoding="utf-8")
    # the user's notebook is on the index, titled by its first heading and described by the
    # paragraph after it, after the bundled ones (the findings page, which has the summary, first)
    assert re.search(
        r'<a class="cmmc-page-title" href="06_team_extras.html">Team extras</a><br>'
        r'<span class="cmmc-page-description">One more view, written by the researcher.</span>',
        index,
    )
    titles = re.findall(r'class="cmmc-page-title" href="(\d\d)_', index)
    assert titles == ["04", "01", "02", "03", "05", "06"]
    extra = visible_text((second_report / "06_team_extras.html").read_text(encoding="utf-8"))
    assert "5 analysed answers in the extra view" in extra


def test_second_survey_report_speaks_its_own_language_and_claims(second_report: Path) -> None:
    findings = (second_report / "04_findings.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in findings  # the codebook's source language, by default
    text = visible_text(findings)
    assert "The claims" in text and "Most people would recommend the company." in text
    assert "The findings: the survey's claims put to the test" in text
    for page in second_report.glob("*.html"):  # no Italian interface text
        assert "Verdetto" not in page.read_text(encoding="utf-8")


def test_second_survey_report_has_no_cmmc_wording(second_report: Path) -> None:
    assert_no_cmmc_wording(second_report)


def test_sections_a_survey_lacks_are_left_out(second_report: Path) -> None:
    """The second survey has no constructs and no descriptive claim: no heading for them."""
    explore = visible_text((second_report / "02_exploration.html").read_text(encoding="utf-8"))
    assert "Constructs and reliability" not in explore
    assert "Multiple-choice items" in explore  # it has one
    findings = visible_text((second_report / "04_findings.html").read_text(encoding="utf-8"))
    assert "Technology adoption" not in findings and "How much does weighting" not in findings


# --- cheap checks: no report built ----------------------------------------------------


def test_a_language_the_codebook_lacks_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CodebookError) as err:
        build_report(
            data=SECOND / "export.csv",
            codebook=SECOND / "codebook.yaml",
            lang="it",
            out=tmp_path / "r",
        )
    assert str(err.value) == (
        "codebook.yaml, entry survey.languages: report language 'it': the codebook has texts "
        "in ['en'] only; expected one of them (add 'it' texts to the codebook to report in it)"
    )
    assert not (tmp_path / "r").exists()


def test_a_missing_claims_file_is_named_as_given(tmp_path: Path) -> None:
    missing = tmp_path / "my_claims.yaml"
    with pytest.raises(
        ClaimsError, match=r"parameter claims: claims file '.*my_claims\.yaml' not found"
    ):
        build_report(
            data=SECOND / "export.csv",
            codebook=SECOND / "codebook.yaml",
            claims=missing,
            out=tmp_path / "r",
        )


def test_the_codebook_names_its_claims_file_relative_to_itself(tmp_path: Path) -> None:
    text = (SECOND / "codebook.yaml").read_text(encoding="utf-8")
    text = text.replace("  languages: [en]\n", "  languages: [en]\n  claims: pulse_claims.yaml\n")
    (tmp_path / "codebook.yaml").write_text(text, encoding="utf-8")
    cb = load_codebook(tmp_path / "codebook.yaml")
    with pytest.raises(ClaimsError, match="codebook entry survey.claims: claims file"):
        claims_file(cb)
    shutil.copy(SECOND / "claims.yaml", tmp_path / "pulse_claims.yaml")
    assert claims_file(cb) == tmp_path / "pulse_claims.yaml"
    assert [c.id for c in load_survey_claims(cb).claims] == ["P1", "P2", "P3", "P4"]
    assert load_survey_claims(load_codebook(SECOND / "codebook.yaml")) is None  # names none


def test_survey_texts_replace_generic_strings_and_are_checked() -> None:
    cb = load_codebook()
    try:
        i18n.use_survey_texts(cb, load_survey_claims(cb))
        assert i18n.t("nb04.claims", "it") == "Le affermazioni della newsletter"
        i18n.use_survey_texts()
        assert i18n.t("nb04.claims", "it") == "Le affermazioni"
        tiny = parse_codebook(
            {
                "survey": {"id": "t", "languages": ["en"], "texts": {"nb04.clams": "Ours"}},
                "scales": {"yn": {"points": ["No", "Yes"]}},
                "items": [{"id": "q", "type": "scale", "scale": "yn", "text": "Q?"}],
            }
        )
        with pytest.raises(
            ReportError, match=r"unknown text key 'nb04.clams'; closest: \['nb04.claims'"
        ):
            i18n.use_survey_texts(tiny)
    finally:
        i18n.use_survey_texts()


def test_package_strings_are_generic() -> None:
    """Survey wording lives in the survey's files, never in the package's strings."""
    strings = (Path(i18n.__file__).parent / "strings.yaml").read_text(encoding="utf-8")
    for word in ("newsletter", "Club", "CMMC", "18 marzo", "18 March", "S9"):
        assert word not in strings.replace("cmmc-analysis", ""), word
    assert paths.DEFAULT_CLAIMS.name == "claims.yaml"
