"""Build the HTML report: execute the notebooks fresh, export them, write an index.

:func:`build_report` injects the build's parameters into each numbered notebook of
``notebooks/`` (papermill style: a cell tagged ``injected-parameters`` after the cell
tagged ``parameters``), executes the notebooks in fresh kernels of the running
interpreter, in parallel, and exports each one in-process with nbconvert in two
flavours: ``<name>-code.html`` (with the code) and ``<name>.html`` (the shareable one:
no code, no prompts). Pages are self-contained (figures inline as PNG, no script or
style fetched from the network). ``index.html`` links every page and states the
build: data file and hashes, versions, language, cut-off, and that the bundled data
are simulated. The build happens in a temporary folder beside ``out``, is checked for
personal data (:func:`cmmc_analysis.privacy.leaks.check_reports_for_leaks`) and replaces
``out`` only when everything succeeded.

Examples
--------
>>> [p.stem for p in find_notebooks()]
['01_data_and_cleaning', '02_exploration', '03_significance', '04_findings']
>>> nb = inject_parameters(read_notebook(find_notebooks()[0]), {"lang": "en"})
>>> [c.metadata.get("tags") for c in nb.cells[1:3]]
[['parameters'], ['injected-parameters']]
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import re
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__, outputs, paths
from ..display.i18n import check_lang, t
from ..display.narrative import package_versions
from ..errors import OutputError, ReportError

__all__ = [
    "TEMPLATES_DIR",
    "HIDE_TAG",
    "find_notebooks",
    "read_notebook",
    "inject_parameters",
    "execute_notebook",
    "export_html",
    "build_report",
    "batteries",
    "battery_title",
    "notebook_title",
]

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
#: Cells with this tag (e.g. the notebook's purpose, written for researchers in
#: English) are left out of both HTML flavours.
HIDE_TAG = "report-hide"
_PARAM_TAGS = ("parameters", "injected-parameters")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

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
    for cell in nb.cells:
        if HIDE_TAG in cell.metadata.get("tags", []):
            continue
        texts = [cell.source] if cell.cell_type == "markdown" else []
        for out in cell.get("outputs", []):
            texts.append(out.get("data", {}).get("text/markdown", ""))
        for text in texts:
            text = "".join(text) if isinstance(text, list) else text
            found = _HEADING.search(text)
            if found:
                return re.sub(r"[*_`]", "", found.group(1)).strip() or None
    return None


def batteries(codebook: Any) -> dict[str, list[str]]:
    """Kept for old notebooks: :meth:`cmmc_analysis.codebook.Codebook.batteries`."""
    return codebook.batteries()


def battery_title(codebook: Any, key: str, lang: str) -> str:
    """Kept for old notebooks: :meth:`cmmc_analysis.codebook.Codebook.battery_title`."""
    return codebook.battery_title(key, lang)


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


@functools.lru_cache(maxsize=8)
def _exporter(*, code: bool, lang: str) -> Any:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_template_paths=[str(TEMPLATES_DIR)],
        template_file="cmmc_page.html.j2",
        exclude_input=not code,
        exclude_input_prompt=not code,
        exclude_output_prompt=True,
        embed_images=True,
    )
    exporter.language_code = lang
    exporter.register_preprocessor(_tag_remover(code), enabled=True)
    return exporter


def _tag_remover(code: bool) -> Any:
    from nbconvert.preprocessors import TagRemovePreprocessor

    tags = {HIDE_TAG} if code else {HIDE_TAG, *_PARAM_TAGS}
    return TagRemovePreprocessor(remove_cell_tags=tags, enabled=True)


def export_html(nb: Any, *, code: bool, lang: str, title: str, header: Mapping[str, Any]) -> str:
    """One executed notebook as a self-contained HTML page.

    Parameters
    ----------
    nb
        The executed notebook (not changed).
    code
        Keep the code cells (``False``: the shareable flavour, outputs only, and the
        stderr output of cells dropped).
    lang
        Page language (``<html lang=...>``).
    title
        The page ``<title>``.
    header
        Values shown in the page header: ``survey``, ``date``, ``simulated`` (bool),
        ``simulated_text``, ``index_label``.
    """
    import copy

    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title
    if not code:
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = [
                    o
                    for o in cell.outputs
                    if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                ]
    body, _ = _exporter(code=code, lang=lang).from_notebook_node(
        nb, resources={"metadata": {"name": title}, "cmmc": dict(header)}
    )
    return body


@dataclass(frozen=True)
class _Inputs:
    data: Path | None
    data_file: Path
    codebook: Path
    data_sha256: str
    codebook_sha256: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _inputs(data: str | Path | None, codebook: str | Path | None) -> _Inputs:
    data_file = Path(data) if data is not None else paths.DEFAULT_EXPORT
    cb_file = Path(codebook) if codebook is not None else paths.DEFAULT_CODEBOOK
    for what, path in (("data", data_file), ("codebook", cb_file)):
        if not path.is_file():
            raise ReportError(
                f"parameter {what}: file not found (expected an existing file)", path=path
            )
    return _Inputs(
        data=Path(data).resolve() if data is not None else None,
        data_file=data_file,
        codebook=cb_file.resolve(),
        data_sha256=_sha256(data_file),
        codebook_sha256=_sha256(cb_file),
    )


def _render_index(context: Mapping[str, Any]) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )
    return env.get_template("report_index.html.j2").render(**context)


def _leak_check(files: Sequence[Path], inputs: _Inputs, *, free_text: bool) -> None:
    from ..codebook import load_codebook
    from ..io.reader import read_export
    from ..privacy.leaks import check_reports_for_leaks

    cb = load_codebook(inputs.codebook)
    raw = read_export(inputs.data_file, codebook=cb)
    check_reports_for_leaks(list(files), raw, cb, free_text=free_text)


def _output_folder(out: str | Path) -> Path:
    """``out`` made absolute: its parent resolved, its last part kept (a link stays a link)."""
    path = Path(out)
    if path.name in ("", ".", ".."):
        path = path.resolve()
    if path.name == "":
        raise OutputError(f"output folder '{out}' is the root folder; {outputs._EXPECTED}")
    return path.parent.resolve() / path.name


def _protected(inputs: _Inputs, claims: str | Path | None) -> tuple[Path | None, ...]:
    """The files no output may be, hold or link to: export, codebook, claims."""
    from ..claims.locate import claims_file
    from ..codebook import load_codebook

    chosen = claims_file(load_codebook(inputs.codebook), claims)
    return (inputs.data_file, inputs.codebook, chosen, paths.DEFAULT_CLAIMS)


def _run(coro: Any) -> Any:
    """Run ``coro``; Ctrl-C or SIGTERM cancels it and comes out as KeyboardInterrupt.

    nbclient installs its own SIGINT/SIGTERM handler per notebook on the event loop
    (each replacing the previous one, and shutting down one kernel without stopping the
    build); the loop used here ignores those, and a signal cancels the whole run
    instead: every running notebook stops and shuts its kernel down. Whatever they
    raise while stopping (nbclient's clean-up can raise ``AssertionError``) is replaced
    by the one KeyboardInterrupt, so that the caller cleans up and says "interrupted".
    """
    interrupted = threading.Event()
    loop = asyncio.new_event_loop()
    add_handler, remove_handler = loop.add_signal_handler, loop.remove_signal_handler
    loop.add_signal_handler = lambda *args, **kwargs: None  # type: ignore[method-assign]
    loop.remove_signal_handler = lambda sig: False  # type: ignore[method-assign]

    async def main() -> Any:
        task = asyncio.current_task()

        def on_signal() -> None:
            interrupted.set()
            if task is not None:
                task.cancel()

        installed = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(sig)
            if previous == signal.SIG_IGN:
                continue  # started with the signal ignored (nohup, background job): keep it so
            try:
                add_handler(sig, on_signal)
            except (ValueError, RuntimeError, NotImplementedError):  # not the main thread
                continue
            installed.append((sig, previous))
        try:
            return await coro
        finally:
            for sig, previous in installed:
                remove_handler(sig)
                signal.signal(sig, previous)

    try:
        with asyncio.Runner(loop_factory=lambda: loop) as runner:
            result = runner.run(main())
    except BaseException as err:
        if interrupted.is_set() or isinstance(err, asyncio.CancelledError):
            raise KeyboardInterrupt from None
        raise
    if interrupted.is_set():
        raise KeyboardInterrupt
    return result


def build_report(
    *,
    data: str | Path | None = None,
    codebook: str | Path | None = None,
    claims: str | Path | None = None,
    lang: str | None = None,
    cutoff: str | None = None,
    out: str | Path = paths.REPORTS_DIR,
    code: bool = True,
    no_code: bool = True,
    jobs: int = 2,
    screenshots: bool = False,
    include_free_text: bool = False,
    progress: Progress | None = None,
    notebooks_dir: str | Path | None = None,
    timeout: int = 600,
) -> Path:
    """Execute every numbered notebook and write the HTML report to ``out``.

    Parameters
    ----------
    data
        The raw export (CSV or XLSX); default: the bundled simulated export.
    codebook
        The codebook YAML; default: the bundled one.
    claims
        The claims YAML; default: the file the codebook names (``survey.claims``),
        else none (the findings page then shows the main results, no claims).
    lang
        Report language, one of the codebook's languages (default: its source
        language); a language the codebook has no texts in is refused.
    cutoff
        Interim cut-off: a cut-off name of the codebook or a date-time
        (default: the codebook's default cut-off).
    out
        The report folder, replaced as a whole on success. It must be new or a folder
        an earlier build made (marked by its ``.cmmc-report`` manifest and holding only
        the files listed there); anything else (a folder of other files, ``.``, the
        data's folder, a symbolic link, a file, an input) is refused before any
        notebook runs (:mod:`cmmc_analysis.outputs`).
    code, no_code
        Which flavours to write: ``<name>-code.html`` (with code) and ``<name>.html``
        (shareable, no code). Both by default; at least one.
    jobs
        Notebooks executed at the same time.
    screenshots
        Also write PNG screenshots of the index and the findings page
        (:func:`cmmc_analysis.report.browser.screenshot_report`).
    include_free_text
        Passed to the notebooks; the leak check then tolerates scrubbed free text.
    progress
        Called with one line per event (which notebook, elapsed seconds).
    notebooks_dir
        Where the notebooks are (default ``paths.NOTEBOOKS_DIR``): every numbered
        notebook (``NN_name.ipynb``) in it is built, in order, and titled on the index
        by its first heading. They run with this folder as working folder.
    timeout
        Seconds a single cell may run.

    Returns
    -------
    Path
        ``out``; it holds ``index.html`` and the pages.

    Raises
    ------
    ReportError
        A notebook failed (naming it, the cell and the error), an input is missing,
        or the leak check found personal data (:class:`PrivacyLeakError`); ``out`` is
        then left as it was.
    OutputError
        ``out`` is not the tool's to replace (see ``out``).
    KeyboardInterrupt
        Ctrl-C or SIGTERM: the hidden build folder is deleted, ``out`` is left as it was.
    """
    if not (code or no_code):
        raise ReportError(
            "parameters code and no_code: both False, nothing to build; expected at least one True"
        )
    inputs = _inputs(data, codebook)
    lang, claims_path = _survey_options(inputs, lang, claims)
    notebooks_dir = Path(notebooks_dir if notebooks_dir is not None else paths.NOTEBOOKS_DIR)
    notebooks = find_notebooks(notebooks_dir)
    shown = out
    out = _output_folder(out)
    protected = _protected(inputs, claims)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(
            f"output folder '{shown}': cannot create its parent folder ({err.strerror})"
        ) from err
    outputs.remove_stale(out)
    outputs.check_report_target(out, inputs=protected, shown=shown)
    params = {
        "data_path": str(inputs.data) if inputs.data is not None else None,
        "codebook_path": str(inputs.codebook) if codebook is not None else None,
        "claims_path": claims_path,
        "lang": lang,
        "cutoff": cutoff,
        "include_free_text": include_free_text,
    }
    jobs_in = [(p.stem, inject_parameters(read_notebook(p), params)) for p in notebooks]
    started = time.monotonic()
    executed = _run(
        _execute_all(
            jobs_in,
            cwd=Path(notebooks_dir).resolve(),
            workers=jobs,
            timeout=timeout,
            progress=progress,
        )
    )
    context = _index_context(
        inputs, lang=lang, cutoff=cutoff, executed=executed, code=code, no_code=no_code
    )
    planned = [name for page in context["pages"] for name in (page["code"], page["shared"])]
    planned = [name for name in planned if name] + ["index.html"]
    shot_pages = (
        "index.html",
        f"{notebooks[-1].stem}.html" if no_code else f"{notebooks[-1].stem}-code.html",
    )
    if screenshots:
        planned += [f"screenshot-{Path(page).stem}.png" for page in shot_pages]
    tmp = outputs.make_build_folder(out, planned)
    try:
        files = _write_pages(executed, tmp, context, lang=lang, code=code, no_code=no_code)
        index = tmp / "index.html"
        index.write_text(_render_index(context), encoding="utf-8")
        files.append(index)
        if progress:
            progress(
                f"[{time.monotonic() - started:6.1f} s] checking {len(files)} pages for personal data"
            )
        _leak_check(files, inputs, free_text=include_free_text)
        if screenshots:
            from .browser import screenshot_report

            screenshot_report(tmp, pages=shot_pages)
        written = [p.name for p in tmp.iterdir() if p.name != outputs.MARKER]
        outputs.publish(tmp, written)
        outputs.swap(tmp, out, inputs=protected, shown=shown)
    except BaseException:
        outputs.remove_owned(tmp)
        raise
    if progress:
        progress(
            f"[{time.monotonic() - started:6.1f} s] wrote {out.name}/index.html and {len(files) - 1} pages"
        )
    return out


def _survey_options(
    inputs: _Inputs, lang: str | None, claims: str | Path | None
) -> tuple[str, str | None]:
    """The report language (checked against the codebook) and the claims file to pass."""
    from ..claims.locate import claims_file
    from ..claims.spec import load_claims
    from ..codebook import load_codebook

    cb = load_codebook(inputs.codebook)
    lang = check_lang(cb.report_language(lang))
    chosen = claims_file(cb, claims)  # a missing file is refused before any notebook runs
    if chosen is not None:
        load_claims(chosen, codebook=cb)  # and a broken one too, in one line
    return lang, str(chosen.resolve()) if claims is not None and chosen is not None else None


def _survey_text(cb: Any, key: str, lang: str) -> str:
    """The survey's own text for ``key`` (codebook ``survey.texts``), else the generic one."""
    return cb.survey_texts().get(key, {}).get(lang) or t(key, lang)


def _cutoff_text(cb: Any, cutoff: str | None) -> str:
    name = cutoff if cutoff is not None else cb.default_cutoff
    if name in cb.cutoffs:
        return f"{name} ({cb.cutoffs[name].isoformat(sep=' ')})"
    return str(name)


def _index_context(
    inputs: _Inputs,
    *,
    lang: str,
    cutoff: str | None,
    executed: Mapping[str, Any],
    code: bool,
    no_code: bool,
) -> dict[str, Any]:
    from ..codebook import load_codebook

    now = dt.datetime.now().astimezone()
    cb = load_codebook(inputs.codebook)
    survey = cb.title(lang)
    simulated = inputs.data is None or inputs.data_file.resolve() == paths.DEFAULT_EXPORT.resolve()
    pages = []
    for stem, nb in executed.items():
        pages.append(
            {
                "stem": stem,
                "title": notebook_title(nb) or stem,
                "shared": f"{stem}.html" if no_code else None,
                "code": f"{stem}-code.html" if code else None,
            }
        )
    versions = package_versions()
    return {
        "lang": lang,
        "t": lambda key, **kw: _survey_text(cb, key, lang) if not kw else t(key, lang, **kw),
        "survey": survey,
        "date": now.strftime("%Y-%m-%d %H:%M %Z").strip(),
        "date_iso": now.isoformat(timespec="seconds"),
        "data_file": inputs.data_file.name,
        "data_sha256": inputs.data_sha256,
        "codebook_sha256": inputs.codebook_sha256,
        "version": __version__,
        "cutoff": _cutoff_text(cb, cutoff),
        "simulated": simulated,
        "simulated_text": _survey_text(cb, "report.simulated", lang),
        "versions": versions,
        "pages": pages,
    }


def _write_pages(
    executed: Mapping[str, Any],
    folder: Path,
    context: Mapping[str, Any],
    *,
    lang: str,
    code: bool,
    no_code: bool,
) -> list[Path]:
    header = {
        "survey": context["survey"],
        "date": context["date"],
        "simulated": context["simulated"],
        "simulated_text": context["simulated_text"],
        "index_label": t("report.index_title", lang),
    }
    files = []
    for page in context["pages"]:
        nb = executed[page["stem"]]
        title = f"{context['survey']} — {page['title']} — {context['date']}"
        for flavour, name in ((True, page["code"]), (False, page["shared"])):
            if name is None:
                continue
            html = export_html(nb, code=flavour, lang=lang, title=title, header=header)
            path = folder / name
            path.write_text(html, encoding="utf-8")
            files.append(path)
    return files
