"""The report build: pages, index, self-containment, languages, atomicity, kernel."""

from __future__ import annotations

import hashlib
import html
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import cmmc_analysis
from cmmc_analysis import paths
from cmmc_analysis.claims import load_claims
from cmmc_analysis.cli import main
from cmmc_analysis.errors import CodebookError, PrivacyLeakError, ReportError
from cmmc_analysis.outputs import write_manifest
from cmmc_analysis.report.build import (
    build_report,
    execute_notebook,
    find_notebooks,
    inject_parameters,
)

STEMS = [p.stem for p in find_notebooks()]
PAGES = [f"{s}{suffix}.html" for s in STEMS for suffix in ("", "-code")]
URL_ATTR = re.compile(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)


def read(folder: Path, name: str) -> str:
    return (folder / name).read_text(encoding="utf-8")


# --- the bundled report -------------------------------------------------------------


def test_every_page_and_the_index_are_written(report_it: Path) -> None:
    written = sorted(p.name for p in report_it.glob("*.html"))
    assert written == sorted([*PAGES, "index.html"])
    index = read(report_it, "index.html")
    linked = set(re.findall(r'href="([^"]+\.html)"', index))
    assert linked == set(PAGES)


def test_index_states_the_build(report_it: Path) -> None:
    index = read(report_it, "index.html")
    data_sha = hashlib.sha256(paths.DEFAULT_EXPORT.read_bytes()).hexdigest()
    codebook_sha = hashlib.sha256(paths.DEFAULT_CODEBOOK.read_bytes()).hexdigest()
    assert paths.DEFAULT_EXPORT.name in index
    assert data_sha in index and codebook_sha in index
    assert f"cmmc-analysis {cmmc_analysis.__version__}" in index
    for lib in (
        "python",
        "pandas",
        "numpy",
        "scipy",
        "statsmodels",
        "matplotlib",
        "seaborn",
        "nbconvert",
    ):
        assert re.search(rf"\b{lib} \d+\.\d+", index), lib
    assert "simulati" in index and "cmmc-analysis report --data" in index
    assert "18 marzo 2020, 09:00" in index and "interim (" not in index  # a date, not a name


@pytest.mark.parametrize("name", ["index.html", *PAGES])
def test_pages_fetch_nothing_from_the_network(report_it: Path, name: str) -> None:
    text = read(report_it, name)
    urls = URL_ATTR.findall(text)
    external = [
        u for u in urls if not (u.startswith(("data:", "#")) or re.fullmatch(r"[\w.-]+\.html", u))
    ]
    assert external == []
    assert "<script src" not in text and "mathjax" not in text.lower() and "require.js" not in text
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)
    assert not re.search(r"@import", text)


@pytest.mark.parametrize("stem", STEMS)
def test_page_language_title_and_figures(report_it: Path, stem: str) -> None:
    text = read(report_it, f"{stem}.html")
    assert '<html lang="it">' in text
    title = html.unescape(re.search(r"<title>(.*?)</title>", text, re.S).group(1))
    assert title.startswith("Remote Working e Contact Center — ")
    assert re.search(r"— \d{4}-\d{2}-\d{2} \d{2}:\d{2}", title)
    imgs = re.findall(r"<img\b[^>]*>", text)
    for img in imgs:
        assert 'src="data:image/png;base64,iVBOR' in img  # an inline PNG
        alt = re.search(r'alt="([^"]*)"', img).group(1)
        assert "(n = " in alt  # the figure's title, with its n
    assert "<th" in text  # tables have header cells


def test_figures_of_the_exploration_and_findings(report_it: Path) -> None:
    # 02: one diverging chart per battery (4 for the bundled codebook) plus heatmaps;
    # 04: the claims plot and the S9 chart.
    assert len(re.findall(r"<img\b", read(report_it, "02_exploration.html"))) >= 4
    findings = read(report_it, "04_findings.html")
    assert len(re.findall(r"<img\b", findings)) == 2
    assert re.search(r"<h2[^>]*>Adozione delle tecnologie<", findings)


def test_battery_charts_are_titled_by_their_topic(report_it: Path, report_en: Path) -> None:
    """Each battery's chart names what it is about, never its scale's end labels."""
    from cmmc_analysis.codebook import load_codebook
    from cmmc_analysis.display import battery_title

    cb = load_codebook()
    for lang, folder in (("it", report_it), ("en", report_en)):
        page = read(folder, "02_exploration.html")
        alts = [html.unescape(a) for a in re.findall(r'<img alt="([^"]*)"', page)]
        for key in cb.batteries():
            title = battery_title(cb, key, lang)
            assert any(a.startswith(f"{title} (n = ") for a in alts), (lang, title, alts)
        for scale in cb.scales.values():
            ends = f"{scale.labels(lang)[0]} … {scale.labels(lang)[-1]}"
            assert not any(ends in a for a in alts), (lang, ends)


def test_shareable_pages_have_no_code(report_it: Path) -> None:
    for stem in STEMS:
        shared, code = read(report_it, f"{stem}.html"), read(report_it, f"{stem}-code.html")
        # code cells without their input (markdown cells, the prose, keep theirs: it is text)
        code_cells = re.findall(r'<div class="jp-Cell jp-CodeCell([^"]*)"', shared)
        assert code_cells and all("jp-mod-noInput" in c for c in code_cells)
        assert "load_survey" not in shared
        assert 'class="jp-InputPrompt' not in shared and "In&nbsp;[" not in shared
        assert 'class="jp-InputPrompt' in code and "load_survey" in code
        assert "injected-parameters" not in shared


def test_claims_table_with_verdicts(report_it: Path, report_en: Path) -> None:
    it, en = read(report_it, "04_findings.html"), read(report_en, "04_findings.html")
    assert "Verdetto" in it and "confermata" in it and "Consolidata" in it
    assert "Verdict" in en and "supported" in en and "Settled" in en
    # every claim of the file, by its label (no ids), before the first table: a summary
    for claim in load_claims().claims:
        assert f">{html.escape(claim.short('it'), quote=False)}<" in it.replace("&#39;", "'")
        assert f">S{claim.id[1:]}<" not in it
    assert it.index("In sintesi") < it.index("<table")
    assert en.index("In brief") < en.index("<table")


def test_numbers_formatted_for_the_language(report_it: Path, report_en: Path) -> None:
    it, en = read(report_it, "04_findings.html"), read(report_en, "04_findings.html")
    assert re.search(r">\d{1,3},\d %<", it)  # "67,7 %"
    assert re.search(r">\d{1,3}\.\d%<", en)  # "67.7%"
    assert not re.search(r">\d{1,3}\.\d %?<", it)


def _numeric_cells(text: str, lang: str) -> list[float]:
    """Every table cell made only of numbers, parsed according to the language."""
    cells = [
        html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
        for c in re.findall(r"<td\b[^>]*>(.*?)</td>", text, re.S)
    ]
    values = []
    for cell in cells:
        if not cell or re.search(r"[^\d\s.,%;\[\]<–-]", cell):
            continue
        for num in re.findall(r"\d[\d.,]*", cell):
            num = num.rstrip(".,")
            num = num.replace(".", "").replace(",", ".") if lang == "it" else num.replace(",", "")
            values.append(float(num))
    return values


@pytest.mark.parametrize("stem", ["02_exploration", "04_findings"])
def test_english_and_italian_differ_in_language_not_numbers(
    report_it: Path, report_en: Path, stem: str
) -> None:
    it, en = read(report_it, f"{stem}.html"), read(report_en, f"{stem}.html")
    assert '<html lang="en">' in en
    assert "Metodi" in it and "Methods" in en and "Methods" not in it
    it_numbers, en_numbers = _numeric_cells(it, "it"), _numeric_cells(en, "en")
    assert len(it_numbers) > 50
    assert it_numbers == en_numbers


def test_methods_section_says_what_was_run(report_it: Path) -> None:
    text = read(report_it, "03_significance.html")
    methods = text[text.index('id="Metodi"') :]
    assert "zeri trattati alla Pratt" in methods  # how ties at the midpoint were handled
    assert "zero_method" not in methods and "p_adjusted" not in methods  # no code words
    assert "Holm" in methods  # which correction
    assert "Famiglie di test" in methods
    assert "invii di prova 3" in methods  # exclusions with their counts (cleaning log)
    assert re.search(r"scipy \d+\.\d+", methods)


# --- the machinery, on tiny notebooks -----------------------------------------------


def _notebook(*sources: str) -> nbformat.NotebookNode:
    cells = [new_markdown_cell("# tiny")]
    params = new_code_cell('lang = "it"\ndata_path = None')
    params.metadata["tags"] = ["parameters"]
    cells.append(params)
    cells += [new_code_cell(s) for s in sources]
    return new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )


def _folder_with(tmp_path: Path, **notebooks: nbformat.NotebookNode) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name, nb in notebooks.items():
        nbformat.write(nb, folder / f"{name}.ipynb")
    return folder


def test_inject_parameters_after_the_parameters_cell() -> None:
    nb = inject_parameters(_notebook("x = 1"), {"lang": "en", "cutoff": None})
    assert [c.metadata.get("tags", []) for c in nb.cells[:3]] == [
        [],
        ["parameters"],
        ["injected-parameters"],
    ]
    assert nb.cells[2].source.splitlines()[1:] == ["lang = 'en'", "cutoff = None"]
    again = inject_parameters(nb, {"lang": "it"})  # re-injecting replaces, never stacks
    assert sum("injected-parameters" in c.metadata.get("tags", []) for c in again.cells) == 1


def test_kernel_is_this_interpreter_and_this_checkout(tmp_path: Path) -> None:
    nb = _notebook(
        "import sys, cmmc_analysis\nprint(sys.executable)\nprint(cmmc_analysis.__file__)"
    )
    done = execute_notebook(nb, cwd=tmp_path, name="probe")
    executable, package = done.cells[2].outputs[0]["text"].split()
    assert Path(executable) == Path(sys.executable)
    assert Path(package).resolve() == Path(cmmc_analysis.__file__).resolve()


def test_a_failing_notebook_names_the_cell_and_keeps_the_old_report(tmp_path: Path) -> None:
    folder = _folder_with(
        tmp_path, **{"01_fine": _notebook("x = 1"), "02_broken": _notebook("y = 2", "z = y / 0")}
    )
    out = tmp_path / "reports"
    out.mkdir()
    (out / "index.html").write_text("previous report")
    write_manifest(out, ["index.html"], state="complete")  # as an earlier build left it
    with pytest.raises(ReportError) as err:
        build_report(out=out, notebooks_dir=folder)
    assert (
        str(err.value)
        == "notebook 02_broken failed in cell 5: ZeroDivisionError: division by zero; line 1: z = y / 0"
    )
    assert (out / "index.html").read_text() == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "notebooks",
        "reports",
    ]  # no temp folder left


def test_cli_exits_2_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    folder = _folder_with(
        tmp_path, **{"01_broken": _notebook("raise ValueError('no such column: role')")}
    )
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", folder)
    status = main(["report", "--out", str(tmp_path / "out"), "--no-code", "--lang", "en"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert err[-1] == (
        "cmmc-analysis report: error: notebook 01_broken failed in cell 4: "
        "ValueError: no such column: role; line 1: raise ValueError('no such column: role')"
    )
    assert any("01_broken: running" in line for line in err[:-1])  # progress on stderr
    assert not (tmp_path / "out").exists()


def test_a_leak_fails_the_build(tmp_path: Path) -> None:
    leaky = _notebook(
        "from cmmc_analysis.io.reader import read_export\nfrom cmmc_analysis import paths",
        "print(read_export(paths.DEFAULT_EXPORT).data['email'].dropna().iloc[-1])",
    )
    folder = _folder_with(tmp_path, **{"01_leaky": leaky})
    out = tmp_path / "reports"
    with pytest.raises(
        PrivacyLeakError, match=r"01_leaky(-code)?\.html: personal data .* field 'email'"
    ):
        build_report(out=out, notebooks_dir=folder)
    assert not out.exists()


def test_success_replaces_the_old_report_and_respects_no_code(tmp_path: Path) -> None:
    folder = _folder_with(tmp_path, **{"01_tiny": _notebook("print('hello ' + lang)")})
    out = tmp_path / "reports"
    out.mkdir()
    (out / "stale.html").write_text("old")
    write_manifest(out, ["stale.html"], state="complete")  # an earlier build's page
    build_report(out=out, notebooks_dir=folder, code=False, lang="en")
    assert sorted(p.name for p in out.iterdir()) == [".cmmc-report", "01_tiny.html", "index.html"]
    assert "hello en" in (out / "01_tiny.html").read_text()


def test_bad_parameters_are_refused_before_running(tmp_path: Path) -> None:
    with pytest.raises(CodebookError, match=r"report language 'fr': the codebook has texts in"):
        build_report(out=tmp_path / "r", lang="fr")
    with pytest.raises(ReportError, match=r"missing\.csv: parameter data: file not found"):
        build_report(out=tmp_path / "r", data=tmp_path / "missing.csv")
    with pytest.raises(ReportError, match="nothing to build"):
        build_report(out=tmp_path / "r", code=False, no_code=False)


def test_screenshots_are_written_next_to_the_report(tmp_path: Path) -> None:
    from cmmc_analysis.report.browser import BrowserUnavailable

    folder = _folder_with(tmp_path, **{"01_tiny": _notebook("print('hello')")})
    out = tmp_path / "reports"
    try:
        build_report(out=out, notebooks_dir=folder, screenshots=True, code=False)
    except BrowserUnavailable as err:
        pytest.skip(f"no browser: {err}")
    shots = sorted(p.name for p in out.glob("*.png"))
    assert shots == ["screenshot-01_tiny.png", "screenshot-index.png"]
    assert all((out / s).read_bytes().startswith(b"\x89PNG") for s in shots)


def test_table_of_contents_only_on_long_pages_with_unique_escaped_anchors() -> None:
    from cmmc_analysis.report.toc import add_toc

    def heading(anchor: str, text: str) -> str:
        return f'<h2 id="{anchor}">{text}<a class="anchor-link" href="#{anchor}">¶</a></h2><p>x</p>'

    names = ["Uno", "Due", "Tre", "Uno", "A &lt;b&gt; &amp; c"]
    page = "<h1>T</h1><p>intro</p>" + "".join(heading(n.split()[0], n) for n in names)
    out = add_toc(page, lang="it")
    assert out.index('<nav class="cmmc-toc"') < out.index("<h2") and "In questa pagina" in out
    links = re.findall(r'<li><a href="#([^"]*)">(.*?)</a></li>', out)
    assert links == [
        ("Uno", "Uno"),
        ("Due", "Due"),
        ("Tre", "Tre"),
        ("Uno-2", "Uno"),  # the second "Uno" section has its own anchor now
        ("A", "A &lt;b&gt; &amp; c"),  # text escaped once, as in the heading
    ]
    assert '<h2 id="Uno-2">Uno<a class="anchor-link" href="#Uno-2">' in out
    assert add_toc(page, lang="en", min_sections=5) == page  # five sections: not long
    assert "On this page" in add_toc(page, lang="en", min_sections=4)


def _prose(text: str, lang: str) -> nbformat.NotebookNode:
    return new_markdown_cell(text, metadata={"tags": [f"lang-{lang}"]})


def test_prose_of_the_report_language_and_the_summary_notebook_first(tmp_path: Path) -> None:
    """Prose cells: the report's language kept, a group without it falls back to its first
    language (said on the progress lines); the notebook with the summary leads the index."""
    first = _notebook("print('computed ' + lang)")
    first.cells[1:1] = [
        _prose("# Titolo breve\n\nParagrafo italiano.", "it"),
        _prose("# Short title\n\nEnglish paragraph.", "en"),
    ]
    first.cells.append(_prose("Only in English.", "en"))
    first.cells[0].metadata["tags"] = ["report-hide"]
    second = _notebook(
        "from IPython.display import Markdown\nMarkdown('## In sintesi\\n\\nTre su 4 (75 %).')"
    )
    second.cells[0] = _prose("# Sintesi", "it")
    second.cells.insert(1, _prose("# Summary", "en"))
    second.cells[-1].metadata["tags"] = ["index-summary"]
    folder = _folder_with(tmp_path, **{"01_story": first, "02_summary": second})
    lines: list[str] = []
    out = build_report(
        out=tmp_path / "out", notebooks_dir=folder, code=False, lang="it", progress=lines.append
    )
    page = (out / "01_story.html").read_text(encoding="utf-8")
    assert "Titolo breve" in page and "Paragrafo italiano." in page and "computed it" in page
    assert "Short title" not in page and "English paragraph" not in page
    assert "Only in English." in page  # no Italian twin: shown rather than lost
    assert [line for line in lines if "no lang-" in line] == [
        "01_story: cell 7: no lang-it text, lang-en shown"
    ]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.index("Tre su 4 (75 %).") < index.index('<ol class="cmmc-pages">')
    titles = re.findall(r'class="cmmc-page-title" href="([^"]+)">([^<]+)<', index)
    assert titles == [("02_summary.html", "Sintesi"), ("01_story.html", "Titolo breve")]
    assert '<span class="cmmc-page-description">Paragrafo italiano.</span>' in index
    story = (out / "02_summary.html").read_text(encoding="utf-8")
    assert re.search(r'<a\b[^>]*href="01_story.html"[^>]*rel="next"', story)
