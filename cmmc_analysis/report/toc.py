"""A table of contents at the top of long pages, linking to their sections.

A page with more than :data:`MIN_SECTIONS` sections (level-2 headings) gets, just
before its first section, a ``<nav class="cmmc-toc">`` with a numbered link to each
section, titled "In questa pagina" / "On this page". Section anchors are the ids
nbconvert gives the headings; an id used twice on a page is made unique (``-2``,
``-3`` ...) so that every link lands on its own section. Shorter pages are returned
unchanged. The page style lays the list out in two columns on a laptop, one on a
phone, and prints it as a plain list.

Examples
--------
>>> page = "<h1>T</h1>" + "".join(f'<h2 id="s{i}">Part {i}<a class="anchor-link" '
...     f'href="#s{i}">¶</a></h2>' for i in range(5))
>>> out = add_toc(page, lang="en")
>>> out.count('<li><a href="#s'), '<a href="#s4">Part 4</a>' in out
(5, True)
>>> add_toc(page, lang="en", min_sections=5) == page
True
>>> sections('<h2 id="a">X</h2><h2 id="a">Y &amp; Z</h2>')
[('a', 'X'), ('a-2', 'Y & Z')]
"""

from __future__ import annotations

import html
import re

from ..display.i18n import t

__all__ = ["MIN_SECTIONS", "add_toc", "sections"]

#: A page with more sections than this gets a table of contents.
MIN_SECTIONS = 4

_H2 = re.compile(r"<h2\b([^>]*)>(.*?)</h2>", re.S | re.I)
_ID = re.compile(r'\bid="([^"]*)"', re.I)
_ANCHOR = re.compile(r'<a\b[^>]*class="anchor-link"[^>]*>.*?</a>', re.S | re.I)


def _unique_ids(page: str) -> str:
    """The page with every section id made unique (and its own anchor link following)."""
    seen: dict[str, int] = {}

    def one(match: re.Match) -> str:
        attrs, inner = match.group(1), match.group(2)
        found = _ID.search(attrs)
        if found is None:
            return match.group(0)
        old = found.group(1)
        seen[old] = seen.get(old, 0) + 1
        if seen[old] == 1:
            return match.group(0)
        new = f"{old}-{seen[old]}"
        attrs = attrs.replace(f'id="{old}"', f'id="{new}"', 1)
        inner = inner.replace(f'href="#{old}"', f'href="#{new}"', 1)
        return f"<h2{attrs}>{inner}</h2>"

    return _H2.sub(one, page)


def sections(page: str) -> list[tuple[str, str]]:
    """The (id, text) of every section heading with an id, ids made unique as in the page."""
    out = []
    for match in _H2.finditer(_unique_ids(page)):
        found = _ID.search(match.group(1))
        if found is None:
            continue
        text = re.sub(r"<[^>]+>", "", _ANCHOR.sub("", match.group(2)))
        out.append((found.group(1), " ".join(html.unescape(text).split())))
    return out


def add_toc(page: str, *, lang: str, min_sections: int = MIN_SECTIONS) -> str:
    """The page with a table of contents before its first section, if it has more than
    ``min_sections`` sections."""
    found = sections(page)
    if len(found) <= min_sections:
        return page
    page = _unique_ids(page)
    title = html.escape(t("report.toc", lang))
    items = "".join(
        f'<li><a href="#{html.escape(anchor)}">{html.escape(text)}</a></li>'
        for anchor, text in found
    )
    nav = (
        f'<nav class="cmmc-toc" aria-label="{title}">'
        f'<p class="cmmc-toc-title">{title}</p><ol>{items}</ol></nav>\n'
    )
    first = _H2.search(page)
    assert first is not None  # there are sections
    return page[: first.start()] + nav + page[first.start() :]
