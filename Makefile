# cmmc-analysis: every target sets up what it needs (a .venv built from pyproject.toml).
# `make help` lists the targets.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
JOBS   ?= 2

.DEFAULT_GOAL := help
.PHONY: help report test lint lab bench clean-venv

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "cmmc-analysis needs Python 3.11 or newer (set PYTHON=...)")'
	@rm -f $(VENV)/.installed-*
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $@

report: $(STAMP)  ## build reports/ (HTML) from the bundled data
	$(BIN)/cmmc-analysis report

test: $(STAMP)  ## lint, format check, doctests and the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(JOBS)

lint: $(STAMP)  ## fix what ruff can fix and format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lab: $(STAMP)  ## open JupyterLab on notebooks/ with the package importable
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)  ## run the benchmarks against the peers (writes benchmarks/results.json)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/run.py

clean-venv:  ## remove the virtual environment
	rm -rf $(VENV)
