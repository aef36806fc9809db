"""draft: codebooks drafted from an export or converted from a questionnaire file.

See docs/codebook.md ("Drafting a codebook"). One module per source: :mod:`.export`
(an export's headers and answers), :mod:`.xlsform`, :mod:`.spss`, :mod:`.qualtrics`;
:mod:`.reading` reads an export's columns and layout, :mod:`.write` writes the YAML with its ``# check:`` comments.
"""

from __future__ import annotations

from .export import *  # noqa: F403
from .export import __all__ as _export_all
from .reading import *  # noqa: F403
from .reading import __all__ as _reading_all
from .write import *  # noqa: F403
from .write import __all__ as _write_all

__all__ = [*_export_all, *_reading_all, *_write_all]
