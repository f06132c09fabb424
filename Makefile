# polthemes: every task a researcher runs, in one place. `make help` lists them.
#
# The virtual environment lives in .venv/ and is (re)built whenever requirements.txt or
# pyproject.toml change, so `make test` or `make figures` on a fresh clone sets itself up.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
KERNEL_NAME := polthemes

.DEFAULT_GOAL := all
.PHONY: all help setup figures notebooks results inspect test test-fast lab clean

all: figures notebooks ## Set everything up; regenerate every figure, result table and notebook from data/raw/ (the main job)

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: $(INSTALLED) ## Create .venv/ and install the pinned requirements and the package

$(INSTALLED): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "polthemes needs Python 3.11 or newer; run make PYTHON=python3.11 (found " + sys.version.split()[0] + ")")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL_NAME) --display-name "Python (polthemes)" >/dev/null
	@touch $@

figures: $(INSTALLED) ## Fit the seeds (results/seeds/) and regenerate every figure into figures/
	$(BIN)/polthemes figures

notebooks: $(INSTALLED) ## Re-execute every notebook in notebooks/ in place (outputs are committed)
	$(BIN)/polthemes notebooks

results: $(INSTALLED) ## Choose K, fit the topic models on data/raw/ and write results/seeds/
	$(BIN)/polthemes fit

inspect: $(INSTALLED) ## Show how the articles in data/raw/ were read and what was cut
	$(BIN)/polthemes inspect

test: $(INSTALLED) ## Run the whole test suite (what CI runs)
	$(BIN)/python -m pytest

test-fast: $(INSTALLED) ## Run the tests not marked slow (no Spark, figures, notebooks, full default fit or killed-process runs)
	$(BIN)/python -m pytest -m "not slow"

lab: $(INSTALLED) ## Open JupyterLab on notebooks/ with the project's kernel
	$(BIN)/jupyter lab notebooks/

clean: ## Remove the virtual environment and derived data (never data/raw/ or figures/)
	rm -rf $(VENV) data/interim data/processed .pytest_cache
