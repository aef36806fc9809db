"""report: execute the notebooks, export the pages, check them (see docs/report.md).

- :mod:`.notebooks` finds, parameterises and executes the numbered notebooks;
- :mod:`.pages` exports them to self-contained HTML and writes the index (summary first);
- :mod:`.toc` gives long pages a table of contents;
- :mod:`.build` orders the build and keeps its guarantees (atomic, leak-checked);
- :mod:`.browser` checks the pages in headless Chromium.
"""

from __future__ import annotations

from .browser import *  # noqa: F403
from .browser import __all__ as _browser_all
from .build import *  # noqa: F403
from .build import __all__ as _build_all
from .notebooks import *  # noqa: F403
from .notebooks import __all__ as _notebooks_all
from .pages import *  # noqa: F403
from .pages import __all__ as _pages_all

__all__ = [*_notebooks_all, *_pages_all, *_build_all, *_browser_all]
