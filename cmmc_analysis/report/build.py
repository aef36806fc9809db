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

The steps live in :mod:`.notebooks` (find, parameterise, execute) and :mod:`.pages`
(export, index); this module holds the build's order and its guarantees.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import outputs, paths
from ..display.i18n import check_lang
from ..errors import OutputError, ReportError
from .notebooks import (  # noqa: F401 - names the notebooks and tests reach through build
    HIDE_TAG,
    Progress,
    _execute_all,
    batteries,
    battery_title,
    execute_notebook,
    find_notebooks,
    inject_parameters,
    notebook_title,
    read_notebook,
    select_language,
)
from .pages import TEMPLATES_DIR, _index_context, _render_index, _write_pages, export_html  # noqa: F401

__all__ = ["build_report"]


@dataclass(frozen=True)
class _Inputs:
    data: Path | None
    data_file: Path
    codebook: Path
    data_sha256: str
    codebook_sha256: str
    shown_file: str = ""  # the export's name as pages show it (neutral if it is personal)


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


def _leak_check(files: Sequence[Path], inputs: _Inputs, *, free_text: bool) -> None:
    """Scan every written file for the export's personal values (a large export streamed)."""
    from ..clean.pipeline import open_export
    from ..codebook import load_codebook
    from ..privacy.leaks import check_reports_for_leaks

    cb = load_codebook(inputs.codebook)
    raw = open_export(inputs.data_file, cb)
    check_reports_for_leaks(list(files), raw, cb, free_text=free_text)


def _check_analysable(inputs: _Inputs) -> str:
    """Read and clean the export before any notebook runs: bad input or no row left is one error.

    Returns the export's file name as the pages show it (``survey.source["file"]``).
    """
    from ..clean.pipeline import load_survey

    survey = load_survey(inputs.data_file, codebook=inputs.codebook)
    if len(survey) == 0:
        n_raw = survey.source["n_raw_rows"]
        rules = survey.log.excluded["rule"].value_counts()
        why = ", ".join(f"{n} by {rule}" for rule, n in rules.items())
        raise ReportError(
            f"no row is left to analyse: {n_raw} read, all excluded ({why}); expected at least "
            "one analysed row (run `cmmc-analysis validate` to see the cleaning log)",
            path=inputs.data_file,
        )
    return str(survey.source["file"])


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

    def on_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        # Once interrupted, nbclient's kernel-alive poll may fail ("assert self.kc is not
        # None") after its client was shut down; asyncio would print that task's
        # exception at exit, after "interrupted". It is part of the stopping: not shown.
        if not interrupted.is_set():
            loop.default_exception_handler(context)

    loop.set_exception_handler(on_error)
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
    inputs = dataclasses.replace(inputs, shown_file=_check_analysable(inputs))
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
    executed = {name: _in_language(name, nb, lang, progress) for name, nb in executed.items()}
    context = _index_context(
        inputs, lang=lang, cutoff=cutoff, executed=executed, code=code, no_code=no_code
    )
    planned = [name for page in context["pages"] for name in (page["code"], page["shared"])]
    planned = [name for name in planned if name] + ["index.html"]
    lead = context["pages"][0]  # the findings page leads the index
    shot_pages = ("index.html", lead["shared"] or lead["code"])
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


def _in_language(name: str, nb: Any, lang: str, progress: Progress | None) -> Any:
    """The executed notebook with the prose cells of the report's language only."""
    shown, fallbacks = select_language(nb, lang)
    if progress:
        for line in fallbacks:
            progress(f"{name}: {line}")
    return shown


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
