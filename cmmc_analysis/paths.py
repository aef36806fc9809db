"""The one place that knows the project's paths.

Everything is relative to the project root (the folder holding ``pyproject.toml``
and ``data/``), found from this file's location, so nothing depends on the current
working directory.

Examples
--------
>>> DEFAULT_CODEBOOK.name
'codebook.yaml'
>>> DEFAULT_EXPORT.relative_to(PROJECT_ROOT).as_posix()
'data/raw/remote_working_2020.csv'
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "PROJECT_ROOT",
    "DATA_DIR",
    "RAW_DIR",
    "DEFAULT_CODEBOOK",
    "DEFAULT_CLAIMS",
    "DEFAULT_EXPORT",
    "NOTEBOOKS_DIR",
    "REPORTS_DIR",
]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
DEFAULT_CODEBOOK = DATA_DIR / "codebook.yaml"
DEFAULT_CLAIMS = DATA_DIR / "claims.yaml"
DEFAULT_EXPORT = RAW_DIR / "remote_working_2020.csv"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"
