"""The pages of a report: notebooks exported to self-contained HTML, and the index.

Each executed notebook is exported in-process with nbconvert in two flavours:
``<name>-code.html`` (with the code) and ``<name>.html`` (the shareable one: no code,
no prompts), with the package's page template (``templates/``); figures are inline
PNG and nothing is fetched from the network. ``index.html`` links every page and
states the build: data file and hashes, versions, language, cut-off.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markupsafe import Markup

from .. import __version__, paths
from ..display.i18n import t
from ..display.narrative import package_versions
from .downloads import add_downloads
from .notebooks import (
    _PARAM_TAGS,
    HIDE_TAG,
    has_summary,
    index_summary,
    notebook_description,
    notebook_title,
)
from .toc import add_toc

__all__ = ["TEMPLATES_DIR", "export_html"]

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@functools.lru_cache(maxsize=8)
def _exporter(*, code: bool, lang: str) -> Any:
    from .safe_html import SafeHTMLExporter

    exporter = SafeHTMLExporter(
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
    body = add_downloads(body, lang=lang, survey=str(header.get("survey", "")))
    return add_toc(body, lang=lang)


def _render_index(context: Mapping[str, Any]) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )
    return env.get_template("report_index.html.j2").render(**context)


def _survey_text(cb: Any, key: str, lang: str) -> str:
    """The survey's own text for ``key`` (codebook ``survey.texts``), else the generic one."""
    return cb.survey_texts().get(key, {}).get(lang) or t(key, lang)


def _cutoff_text(cb: Any, cutoff: str | None, lang: str) -> str:
    """The interim cut-off as a reader writes it ("18 marzo 2020, 09:00"), not its name."""
    import pandas as pd
    from babel.dates import format_date, format_time

    name = cutoff if cutoff is not None else cb.default_cutoff
    try:
        stamp = cb.cutoffs[name] if name in cb.cutoffs else pd.Timestamp(name)
    except (TypeError, ValueError):
        return str(name)
    if pd.isna(stamp):
        return str(name)
    locale = {"en": "en_GB"}.get(lang, lang)
    day = format_date(stamp.date(), format="long", locale=locale)
    return f"{day}, {format_time(stamp.time(), format='HH:mm', locale=locale)}"


def _index_context(
    inputs: Any,  # build._Inputs: the data and codebook files and their hashes
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
    pages, summary = [], None
    for stem, nb in executed.items():
        pages.append(
            {
                "stem": stem,
                "title": notebook_title(nb) or stem,
                "description": notebook_description(nb),
                "shared": f"{stem}.html" if no_code else None,
                "code": f"{stem}-code.html" if code else None,
                "lead": has_summary(nb),
            }
        )
        summary = summary or index_summary(nb)
    # the page with the summary (the findings) first, then the others in number order
    pages.sort(key=lambda page: not page["lead"])
    versions = package_versions()
    return {
        "lang": lang,
        "t": lambda key, **kw: _survey_text(cb, key, lang) if not kw else t(key, lang, **kw),
        "survey": survey,
        "date": now.strftime("%Y-%m-%d %H:%M %Z").strip(),
        "date_iso": now.isoformat(timespec="seconds"),
        "data_file": inputs.shown_file,  # set by build from the cleaned survey
        "data_sha256": inputs.data_sha256,
        "codebook_sha256": inputs.codebook_sha256,
        "version": __version__,
        "cutoff": _cutoff_text(cb, cutoff, lang),
        "simulated": simulated,
        "simulated_text": _survey_text(cb, "report.simulated", lang),
        "versions": versions,
        "pages": pages,
        "summary": _summary_html(summary),
    }


def _summary_html(summary: str | None) -> Markup | None:
    """The findings' summary as the page renders it (raw HTML escaped), for the index."""
    if summary is None:
        return None
    from markupsafe import Markup

    from .safe_html import render_markdown

    return Markup(render_markdown(summary, exclude_anchor_links=True))


def _near(pages: list[Mapping[str, Any]], i: int, kind: str) -> dict[str, str] | None:
    """The title and file of page ``i`` in flavour ``kind`` (``shared``/``code``), if any."""
    if 0 <= i < len(pages) and pages[i][kind]:
        return {"title": pages[i]["title"], "href": pages[i][kind]}
    return None


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
    pages = list(context["pages"])
    for i, page in enumerate(pages):
        nb = executed[page["stem"]]
        title = f"{context['survey']} — {page['title']} — {context['date']}"
        for flavour, name in ((True, page["code"]), (False, page["shared"])):
            if name is None:
                continue
            kind = "code" if flavour else "shared"
            head = {**header, "prev": _near(pages, i - 1, kind), "next": _near(pages, i + 1, kind)}
            html = export_html(nb, code=flavour, lang=lang, title=title, header=head)
            path = folder / name
            path.write_text(html, encoding="utf-8")
            files.append(path)
    return files
