"""The notebooks as committed (no outputs, thin, parametrised) and as run on other data."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from cmmc_analysis.report.build import find_notebooks
from cmmc_analysis.report.notebooks import cell_language

NOTEBOOKS = find_notebooks()


@pytest.fixture(params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def nb(request: pytest.FixtureRequest) -> nbformat.NotebookNode:
    return nbformat.read(request.param, as_version=4)


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"]


def test_the_five_numbered_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01_data_and_cleaning.ipynb",
        "02_exploration.ipynb",
        "03_significance.ipynb",
        "04_findings.ipynb",
        "05_questions.ipynb",
    ]


def test_committed_without_outputs(nb: nbformat.NotebookNode) -> None:
    nbformat.validate(nb)
    for cell in code_cells(nb):
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
        assert "execution" not in cell.metadata  # no timing left by a run
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_structure_purpose_parameters_imports_footer(nb: nbformat.NotebookNode) -> None:
    first, params, imports = nb.cells[0], nb.cells[1], nb.cells[2]
    assert first.cell_type == "markdown" and "**Purpose.**" in first.source
    assert params.metadata.get("tags") == ["parameters"]
    tree = ast.parse(params.source)
    names = [n.targets[0].id for n in tree.body]
    assert names == [
        "data_path",
        "codebook_path",
        "claims_path",
        "lang",
        "cutoff",
        "include_free_text",
    ]
    assert all(
        isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant) for n in tree.body
    )  # literals only
    assert all(isinstance(n, ast.Import | ast.ImportFrom) for n in ast.parse(imports.source).body)
    later = [
        c for c in code_cells(nb)[2:] if re.search(r"^\s*(import|from \S+ import)", c.source, re.M)
    ]
    assert later == []  # one import cell
    assert "versions_markdown" in nb.cells[-1].source


def test_thin_no_long_functions_and_texts_from_the_language(nb: nbformat.NotebookNode) -> None:
    for cell in code_cells(nb):
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                assert node.end_lineno - node.lineno <= 4, node.name
        assert len(cell.source.splitlines()) <= 12
    # every markdown cell shown in the report is prose in one language (lang-it / lang-en)
    shown_markdown = [
        c
        for c in nb.cells
        if c.cell_type == "markdown" and "report-hide" not in c.metadata.get("tags", [])
    ]
    assert all(cell_language(c) in ("it", "en") for c in shown_markdown)


def prose_groups(nb: nbformat.NotebookNode) -> list[list[nbformat.NotebookNode]]:
    """Runs of adjacent prose cells (tagged lang-it / lang-en)."""
    groups: list[list[nbformat.NotebookNode]] = []
    previous = None
    for index, cell in enumerate(nb.cells):
        if cell_language(cell) is None:
            continue
        if previous == index - 1:
            groups[-1].append(cell)
        else:
            groups.append([cell])
        previous = index
    return groups


def test_prose_in_both_languages_side_by_side(nb: nbformat.NotebookNode) -> None:
    """The story is in markdown cells, Italian and English side by side, alike in shape,
    generic (no wording of the bundled survey: that lives in its codebook and claims)."""
    groups = prose_groups(nb)
    assert groups, "no prose cells"
    assert "lang-it" in nb.cells[3].metadata.get("tags", [])  # the title, first after imports
    for group in groups:
        langs = [cell_language(c) for c in group]
        assert langs == ["it", "en"], [c.source[:40] for c in group]
        it, en = (c.source for c in group)
        # same headings (level and count) and the same number of paragraphs
        shape = [re.findall(r"^#+ ", text, re.M) for text in (it, en)]
        assert shape[0] == shape[1], (it[:40], en[:40])
        assert len(re.split(r"\n\s*\n", it.strip())) == len(re.split(r"\n\s*\n", en.strip()))
        assert it != en
    prose = " ".join(c.source for group in groups for c in group)
    for word in ("CMMC", "Club", "newsletter", "contact center", "lavoro da remoto", "18 marzo"):
        assert word.lower() not in prose.lower(), word


def test_notebooks_run_on_a_small_messy_export(
    tmp_path_factory: pytest.TempPathFactory, report_once
) -> None:
    """Every notebook on 80 freshly simulated rows (with their planted mess), in English."""
    from cmmc_analysis.synth import simulate, write_export

    root = tmp_path_factory.mktemp("small")
    export = root / "small_export.csv"
    sim = simulate(seed=7, n=80)
    write_export(sim, export)
    out = report_once("report_small", data=export, lang="en", code=False)
    pages = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.html")}
    assert sorted(pages) == sorted(["index.html", *(f"{p.stem}.html" for p in NOTEBOOKS)])
    assert "small_export.csv" in pages["index.html"]
    assert "The bundled data are simulated" not in pages["index.html"]  # not the bundled data
    assert "80 rows" in pages["01_data_and_cleaning.html"]
    assert "Verdict" in pages["04_findings.html"]
    assert all("Traceback" not in text for text in pages.values())


def test_notebooks_have_no_local_paths(nb: nbformat.NotebookNode) -> None:
    text = nbformat.writes(nb)
    assert not re.search(r"/(home|Users|root|tmp|work)/", text)
    assert Path(NOTEBOOKS[0]).parent.name == "notebooks"
