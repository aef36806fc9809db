"""HTML export in which nothing from the input can run.

A report page shows texts that come from the input: the export's file name, the
codebook's title, questions and answer labels, the claims' texts. Written into a
Markdown output (``display(Markdown(...))``) they would be rendered as HTML by
nbconvert, which lets raw HTML and ``javascript:`` links through: a codebook title
``<script>...`` would run in every page. :class:`SafeHTMLExporter` renders every
Markdown text of a notebook with raw HTML escaped (shown as text), links only to
safe protocols (``javascript:``, ``vbscript:`` and ``data:`` links are dropped) and
images only from ``data:`` URIs (a remote image would call out when the page is
opened). The notebooks of this project write no raw HTML in Markdown, so nothing
legitimate is lost. HTML outputs (tables) are escaped where they are made
(``DataFrame.to_html`` and the project's Stylers escape their cells).

Examples
--------
>>> page = render_markdown('Survey <img src=x onerror="alert(1)"> [x](javascript:alert(1))')
>>> "<img" in page, "javascript:" in page, "&lt;img src=x" in page
(False, False, True)
"""

from __future__ import annotations

import html
from typing import Any

from jinja2 import pass_context
from mistune import HTMLRenderer
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

__all__ = ["SafeHTMLExporter", "render_markdown"]


class _SafeRenderer(IPythonRenderer):
    """nbconvert's renderer with raw HTML escaped and harmful links and remote images dropped."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(escape=True, allow_harmful_protocols=False, **kwargs)

    def image(self, text: str, url: str, title: str | None = None) -> str:
        url = self._embed_image_or_attachment(url)
        if not url.startswith("data:image/"):
            return html.escape(text or "")
        return HTMLRenderer.image(self, text, url, title)


def render_markdown(source: str, **kwargs: Any) -> str:
    """Markdown to HTML as a report page renders it (see the module's description)."""
    return MarkdownWithMath(renderer=_SafeRenderer(**kwargs)).render(source)


class SafeHTMLExporter(HTMLExporter):
    """nbconvert's HTML exporter whose Markdown filter is :func:`render_markdown`."""

    @pass_context
    def markdown2html(self, context: Any, source: str) -> str:
        cell = context.get("cell", {})
        return render_markdown(
            source,
            attachments=cell.get("attachments", {}),
            embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options,
        )
