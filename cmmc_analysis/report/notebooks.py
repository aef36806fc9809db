"""The notebooks of a report: found, read, given the build's parameters, executed.

Notebooks are numbered (``01_*.ipynb`` ...) in a folder; each is executed in a fresh
kernel of the running interpreter, several at a time, after a cell tagged
``injected-parameters`` (papermill style) overrides its ``parameters`` cell. A failing
cell becomes one :class:`~cmmc_analysis.errors.ReportError` naming the notebook, the
cell and the error.

Examples
--------
>>> [p.stem for p in find_notebooks()]
['01_data_and_cleaning', '02_exploration', '03_significance', '04_findings', '05_questions']
>>> nb = inject_parameters(read_notebook(find_notebooks()[0]), {"lang": "en"})
>>> [c.metadata.get("tags") for c in nb.cells[1:3]]
[['parameters'], ['injected-parameters']]
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .. import paths
from ..errors import ReportError

__all__ = [
    "HIDE_TAG",
    "find_notebooks",
    "read_notebook",
    "inject_parameters",
    "execute_notebook",
    "batteries",
    "battery_title",
    "notebook_title",
    "notebook_description",
    "SUMMARY_TAG",
    "index_summary",
    "has_summary",
    "LANG_TAG",
    "cell_language",
    "select_language",
]

#: Cells with this tag (e.g. the notebook's purpose, written for researchers in
#: English) are left out of both HTML flavours.
HIDE_TAG = "report-hide"
_PARAM_TAGS = ("parameters", "injected-parameters")
#: The cell whose Markdown output (the page's plain-language summary) opens the index;
#: its notebook is listed first.
SUMMARY_TAG = "index-summary"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

#: called with one line per build event
Progress = Callable[[str], None]


def find_notebooks(notebooks_dir: str | Path | None = None) -> list[Path]:
    """The numbered notebooks (``NN_name.ipynb``) of a folder (default: ``notebooks/``), in order."""
    folder = Path(notebooks_dir if notebooks_dir is not None else paths.NOTEBOOKS_DIR)
    found = sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb") if p.is_file())
    if not found:
        raise ReportError(f"no numbered notebooks (NN_name.ipynb) in folder {folder.name!r}")
    return found


def read_notebook(path: str | Path) -> Any:
    """Read a notebook (nbformat 4)."""
    import nbformat

    try:
        return nbformat.read(str(path), as_version=4)
    except (OSError, ValueError) as err:
        raise ReportError(f"cannot read the notebook: {err}", path=path) from err


def inject_parameters(nb: Any, parameters: Mapping[str, Any]) -> Any:
    """A copy of ``nb`` with a cell tagged ``injected-parameters`` after its ``parameters`` cell.

    The values are written as Python literals (``repr``), so the parameters cell must
    hold literals only (a value computed from a parameter there would not be recomputed).
    Without a ``parameters`` cell, the injected cell goes first.
    """
    import copy

    import nbformat

    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    source = "# Parameters injected by cmmc-analysis report\n" + "\n".join(
        f"{name} = {value!r}" for name, value in parameters.items()
    )
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    at = next(
        (i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])), 0
    )
    nb.cells.insert(at, cell)
    return nb


_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)


def _shown_texts(nb: Any) -> list[str]:
    """The Markdown a reader sees, in order: markdown cells and Markdown outputs (not hidden)."""
    texts = []
    for cell in nb.cells:
        if HIDE_TAG in cell.metadata.get("tags", []):
            continue
        if cell.cell_type == "markdown":
            texts.append(cell.source)
        for out in cell.get("outputs", []):
            texts.append(out.get("data", {}).get("text/markdown", ""))
    return ["".join(text) if isinstance(text, list) else text for text in texts]


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[*_`]", "", text).split())


def notebook_title(nb: Any) -> str | None:
    """The first level-1 heading a reader sees in a notebook, or None.

    Markdown cells and the Markdown outputs of code cells count (cells tagged
    ``report-hide`` do not), so a notebook titled by ``Markdown("# " + t(...))`` in
    the report's language and one with a plain ``# My analysis`` cell are titled alike.

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Extra *view*")])
    >>> notebook_title(nb)
    'Extra view'
    """
    for text in _shown_texts(nb):
        found = _HEADING.search(text)
        if found:
            return _plain(found.group(1)) or None
    return None


def notebook_description(nb: Any) -> str | None:
    """The first paragraph a reader sees after the notebook's title (its line on the index), or None.

    Read like :func:`notebook_title`: the paragraph may follow the heading in the same
    cell or open a later cell (a markdown cell or a Markdown output); a heading met
    before any paragraph ends the search.

    >>> import nbformat
    >>> cells = [nbformat.v4.new_markdown_cell("# Extra view"),
    ...          nbformat.v4.new_markdown_cell("One more *view*,\\nby the team.\\n\\nDetails.")]
    >>> notebook_description(nbformat.v4.new_notebook(cells=cells))
    'One more view, by the team.'
    """
    titled = False
    for text in _shown_texts(nb):
        if not titled:
            found = _HEADING.search(text)
            if not found:
                continue
            titled, text = True, text[found.end() :]
        for block in re.split(r"\n\s*\n", text.strip()):
            if not block.strip():
                continue
            if block.lstrip().startswith(("#", "|", "<", "!", "```")):
                return None
            return _plain(block) or None
    return None


def index_summary(nb: Any) -> str | None:
    """The Markdown output of the cell tagged ``index-summary`` (joined), or None.

    The executed notebook carries the summary its display layer wrote; the index shows
    it as it is (no statistic is computed again).

    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("", metadata={"tags": [SUMMARY_TAG]})
    >>> cell.outputs = [nbformat.v4.new_output("display_data", {"text/markdown": "## In brief"})]
    >>> index_summary(nbformat.v4.new_notebook(cells=[cell]))
    '## In brief'
    """
    texts = [
        out.get("data", {}).get("text/markdown", "")
        for cell in nb.cells
        if SUMMARY_TAG in cell.metadata.get("tags", [])
        for out in cell.get("outputs", [])
    ]
    texts = ["".join(t) if isinstance(t, list) else t for t in texts]
    return "\n\n".join(t for t in texts if t.strip()) or None


def has_summary(nb: Any) -> bool:
    """Whether the notebook has a cell tagged ``index-summary`` (its page leads the index)."""
    return any(SUMMARY_TAG in cell.metadata.get("tags", []) for cell in nb.cells)


#: Markdown cells tagged ``lang-it`` / ``lang-en`` hold a notebook's prose, one cell per
#: language side by side; the export keeps the report's language (:func:`select_language`).
LANG_TAG = "lang-"


def cell_language(cell: Any) -> str | None:
    """The language of a prose cell (its ``lang-xx`` tag), or None for any other cell.

    >>> import nbformat
    >>> cell_language(nbformat.v4.new_markdown_cell("# Risultati", metadata={"tags": ["lang-it"]}))
    'it'
    """
    if cell.cell_type != "markdown":
        return None
    found = [
        tag[len(LANG_TAG) :] for tag in cell.metadata.get("tags", []) if tag.startswith(LANG_TAG)
    ]
    return found[0] if found else None


def select_language(nb: Any, lang: str) -> tuple[Any, list[str]]:
    """A copy of ``nb`` with only the prose cells of ``lang``, and the languages used instead.

    Prose cells come in groups: adjacent markdown cells tagged ``lang-xx`` (for example
    the Italian and the English version of a title and its paragraph). From each group
    the cells of ``lang`` are kept; a group with no cell in ``lang`` keeps the cells of
    its first language instead (a story in another language is better than a gap), and
    that fallback is returned, one line per group, for the build to report. Cells
    without a ``lang-`` tag are kept as they are.

    >>> import nbformat
    >>> def md(text, lang):
    ...     return nbformat.v4.new_markdown_cell(text, metadata={"tags": [f"lang-{lang}"]})
    >>> nb = nbformat.v4.new_notebook(cells=[md("# Risultati", "it"), md("# Findings", "en"),
    ...     nbformat.v4.new_code_cell("x = 1"), md("Solo italiano.", "it")])
    >>> shown, fallbacks = select_language(nb, "en")
    >>> [c.source for c in shown.cells], fallbacks
    (['# Findings', 'x = 1', 'Solo italiano.'], ['cell 4: no lang-en text, lang-it shown'])
    """
    import copy

    nb = copy.deepcopy(nb)
    groups: list[list[tuple[int, Any]]] = []
    for index, cell in enumerate(nb.cells, start=1):
        if cell_language(cell) is None:
            continue
        if groups and groups[-1][-1][0] == index - 1:
            groups[-1].append((index, cell))
        else:
            groups.append([(index, cell)])
    dropped: set[int] = set()
    fallbacks = []
    for group in groups:
        languages = [cell_language(cell) for _, cell in group]
        keep = lang if lang in languages else languages[0]
        if keep != lang:
            fallbacks.append(
                f"cell {group[0][0]}: no {LANG_TAG}{lang} text, {LANG_TAG}{keep} shown"
            )
        dropped |= {index for index, cell in group if cell_language(cell) != keep}
    nb.cells = [cell for index, cell in enumerate(nb.cells, start=1) if index not in dropped]
    return nb, fallbacks


def batteries(codebook: Any) -> dict[str, list[str]]:
    """Kept for old notebooks: :meth:`cmmc_analysis.codebook.Codebook.batteries`."""
    return codebook.batteries()


def battery_title(codebook: Any, key: str, lang: str) -> str:
    """Kept for old notebooks: :func:`cmmc_analysis.display.tables.battery_title`."""
    from ..display.tables import battery_title as title

    return title(codebook, key, lang)


def _kernel_manager_class() -> type:
    """An async kernel manager whose kernel is the running interpreter (this venv)."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class ThisInterpreterKernelManager(AsyncKernelManager):
        @property
        def kernel_spec(self) -> KernelSpec:  # type: ignore[override]
            return KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name="Python 3 (ipykernel)",
                language="python",
            )

    return ThisInterpreterKernelManager


def _failure(nb: Any, name: str, err: Exception) -> ReportError:
    """A ReportError naming the notebook, the failing cell and its error line."""
    for index, cell in enumerate(nb.cells, start=1):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                trace = _ANSI.sub("", "\n".join(out.get("traceback", [])))
                arrows = [m.groups() for m in re.finditer(r"^-+>\s*(\d+)\s(.*)$", trace, re.M)]
                where = f"; line {arrows[-1][0]}: {arrows[-1][1].strip()}" if arrows else ""
                evalue = " ".join(str(out.get("evalue", "")).split())
                return ReportError(
                    f"notebook {name} failed in cell {index}: {out.get('ename')}: {evalue}{where}"
                )
    return ReportError(
        f"notebook {name} failed: {type(err).__name__}: {_ANSI.sub('', str(err)).strip()[:500]}"
    )


async def _execute(nb: Any, name: str, cwd: Path, timeout: int) -> Any:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        kernel_manager_class=_kernel_manager_class(),
        resources={"metadata": {"path": str(cwd)}},
    )
    # The kernel's own stderr (start-up chatter) goes to a scratch file, not the terminal;
    # its tail is quoted if the kernel dies.
    with tempfile.TemporaryFile() as log:
        try:
            return await client.async_execute(stderr=log)
        except DeadKernelError as err:
            log.seek(0)
            tail = log.read().decode("utf-8", "replace").strip().splitlines()[-3:]
            raise ReportError(
                f"notebook {name}: the kernel died ({' | '.join(tail) or err})"
            ) from err
        except (CellExecutionError, CellTimeoutError) as err:
            raise _failure(nb, name, err) from err


def execute_notebook(
    nb: Any, *, cwd: str | Path = paths.NOTEBOOKS_DIR, name: str = "notebook", timeout: int = 600
) -> Any:
    """Execute ``nb`` in a fresh kernel of the running interpreter, with ``cwd`` as working folder.

    Returns the executed notebook; a failing cell raises :class:`ReportError` naming
    ``name``, the cell number (1-based, counting every cell) and the error.
    """
    return asyncio.run(_execute(nb, name, Path(cwd), timeout))


async def _execute_all(
    jobs: list[tuple[str, Any]],
    *,
    cwd: Path,
    workers: int,
    timeout: int,
    progress: Progress | None,
) -> dict[str, Any]:
    """Run the notebooks, ``workers`` at a time; after a failure, start no new one.

    Notebooks already running are let finish (cancelling nbclient mid-start leaves
    kernels and exit hooks behind); the first failure is then raised.
    """
    gate = asyncio.Semaphore(max(1, workers))
    start = time.monotonic()
    failures: list[BaseException] = []

    def say(message: str) -> None:
        if progress:
            progress(f"[{time.monotonic() - start:6.1f} s] {message}")

    async def run(name: str, nb: Any) -> tuple[str, Any]:
        async with gate:
            if failures:
                return name, None
            say(f"{name}: running")
            began = time.monotonic()
            try:
                done = await _execute(nb, name, cwd, timeout)
            except BaseException as err:
                failures.append(err)
                say(f"{name}: failed after {time.monotonic() - began:.1f} s")
                raise
            say(f"{name}: done in {time.monotonic() - began:.1f} s")
            return name, done

    results = await asyncio.gather(*(run(name, nb) for name, nb in jobs), return_exceptions=True)
    if failures:
        raise failures[0]
    return dict(r for r in results if not isinstance(r, BaseException))
