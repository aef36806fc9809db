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
    # io, clean, survey (the function `clean` shares its module's name: import it
    # from cmmc_analysis.clean.pipeline, or use load_survey)
    "RawExport": "io",
    "read_export": "io",
    "CleaningLog": "clean",
    "Survey": "survey",
    "load_survey": "clean",
    # likert
    "codes": "describe",
    "reverse": "describe",
    "top2_codes": "describe",
    "bottom2_codes": "describe",
    "construct_scores": "describe",
    "likert_summary": "describe",
    "distribution": "describe",
    "choice_summary": "describe",
    "numeric_summary": "describe",
    # reliability
    "cronbach_alpha": "reliability",
    "omega_total": "reliability",
    "item_analysis": "reliability",
    "reliability_table": "reliability",
    "scale_correlations": "reliability",
    # stats
    "adjust_pvalues": "significance",
    "vs_neutral": "significance",
    "share_test": "significance",
    "quantile_test": "significance",
    "compare_groups": "significance",
    "dunn_posthoc": "significance",
    "friedman": "significance",
    "pairwise_battery": "significance",
    "battery_ranking": "significance",
    # weights
    "load_margins": "weights",
    "rake": "weights",
    "trim_weights": "weights",
    "margin_check": "weights",
    "weight_summary": "weights",
    "with_weights": "weights",
    "weighted_vs_unweighted": "weights",
    "weighting_effect": "weights",
    # banner (the function `banner` shares its module's name: import it from
    # cmmc_analysis.banner, since the submodule attribute would shadow it here)
    "Banner": "banner",
    # synth
    "Simulation": "synth",
    "simulate": "synth",
    "write_export": "synth",
    # privacy
    "pseudonymise": "privacy",
    "pii_values": "privacy",
    "scan_for_leaks": "privacy",
    "check_reports_for_leaks": "privacy",
    "scrub_text": "privacy",
    "free_text_table": "privacy",
    "render_free_text": "privacy",
    "suppress_small_cells": "privacy",
    # browser
    "BrowserUnavailable": "report",
    "PageReport": "report",
    "check_page": "report",
    "open_browser": "report",
    "screenshot_report": "report",
    # large exports (chunked.py before the split: see docs/architecture.md, moved names)
    "score_frame": "clean",
    "read_export_chunks": "io",
    "plan_export": "io",
    "scan_export": "engine",
    "chunked_summary": "engine",
    "chunked_alpha": "engine",
    # display (texts, numbers, tables, sentences, figures), report
    "fmt_share": "display",
    "fmt_number": "display",
    "fmt_p": "display",
    "fmt_ci": "display",
    "format_table": "display",
    "format_claims": "display",
    "format_banner": "display",
    "methods_text": "display",
    "diverging_bars": "display",
    "interval_plot": "display",
    "segment_heatmap": "display",
    "theme": "display",
    "embed": "display",
    "build_report": "report",
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
