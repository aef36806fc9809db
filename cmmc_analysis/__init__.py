"""cmmc-analysis: from a raw survey export to findings a research club can defend.

The public names are re-exported here and imported lazily, so that
``import cmmc_analysis`` stays cheap (plotting, statistics and reporting modules are
loaded on first use).

Examples
--------
>>> import cmmc_analysis as cmmc
>>> cb = cmmc.load_codebook()
>>> cb.title("en")
'Remote Working and Contact Center'
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> module that defines it (imported on first access)
_EXPORTS: dict[str, str] = {
    # errors
    "SurveyDataError": "errors",
    "CodebookError": "errors",
    "ExportError": "errors",
    "ClaimsError": "errors",
    "ReportError": "errors",
    "PrivacyLeakError": "errors",
    # codebook
    "Codebook": "codebook",
    "load_codebook": "codebook",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cmmc_analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
