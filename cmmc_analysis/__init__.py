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
    # from cmmc_analysis.clean, or use load_survey)
    "RawExport": "io",
    "read_export": "io",
    "CleaningLog": "clean",
    "Survey": "survey",
    "load_survey": "survey",
    # likert
    "codes": "likert",
    "reverse": "likert",
    "construct_scores": "likert",
    "likert_summary": "likert",
    "distribution": "likert",
    "choice_summary": "likert",
    "numeric_summary": "likert",
    # reliability
    "cronbach_alpha": "reliability",
    "omega_total": "reliability",
    "item_analysis": "reliability",
    "reliability_table": "reliability",
    # stats
    "adjust_pvalues": "stats",
    "vs_neutral": "stats",
    "survey_vs_neutral": "stats",
    "share_test": "stats",
    "survey_share_test": "stats",
    "compare_ordinal": "stats",
    "compare_nominal": "stats",
    "compare_groups": "stats",
    "dunn_posthoc": "stats",
    "survey_dunn_posthoc": "stats",
    "friedman": "stats",
    "pairwise_battery": "stats",
    "battery_ranking": "stats",
    "survey_friedman": "stats",
    "survey_pairwise_battery": "stats",
    "survey_battery_ranking": "stats",
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
    "simulate_likert": "synth",
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
    "BrowserUnavailable": "browser",
    "PageReport": "browser",
    "check_page": "browser",
    "open_browser": "browser",
    "screenshot_report": "browser",
    # chunked (large exports)
    "score_frame": "chunked",
    "read_export_chunks": "chunked",
    "scan_export": "chunked",
    "chunked_summary": "chunked",
    "chunked_alpha": "chunked",
    # fmt, plots, report
    "fmt_share": "fmt",
    "fmt_number": "fmt",
    "fmt_p": "fmt",
    "fmt_ci": "fmt",
    "format_table": "fmt",
    "format_claims": "fmt",
    "methods_text": "fmt",
    "diverging_bars": "plots",
    "interval_plot": "plots",
    "segment_heatmap": "plots",
    "theme": "plots",
    "embed": "plots",
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
