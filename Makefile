# The two commands of the course: `make course` runs it, `make test` runs the tests.
# Both create (or update) the virtual environment .venv from pyproject.toml and the
# constraints file, so they work from a fresh clone.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_ARGS ?=
VOILA_ARGS ?=
# Containers often run as root, which JupyterLab refuses without this flag.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: course test app executed exercises benchmark constraints help

help:
	@echo "make course      install into .venv and open JupyterLab on the start-here notebook"
	@echo "make test        install into .venv and run the whole test suite"
	@echo "make app         serve the latent explorer of chapter 06 as a standalone Voila app"
	@echo "make executed    execute every chapter into executed/ (outputs included)"
	@echo "make exercises   regenerate exercises/ from solutions/ with nbgrader"
	@echo "make benchmark   measure load time, chapter wall time and peak memory; write benchmarks/results.*"
	@echo "make constraints re-pin constraints.txt from the current .venv"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "autoaegan needs Python 3.11; found " + sys.version.split()[0] + ": set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $@

# A learner's JupyterLab: classroom/learner hides nbgrader's instructor tools (formgrader, assignment creation).
LEARNER_CONFIG := JUPYTER_CONFIG_PATH="$(CURDIR)/classroom/learner$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}"

course: $(STAMP)
	$(LEARNER_CONFIG) $(BIN)/jupyter lab $(ROOT_FLAG) --LabApp.default_url=/lab/tree/course/00_start_here.ipynb $(LAB_ARGS)

test: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest

# The app's Voila settings (course/apps/voila.json) leave out the JupyterLab-only extensions.
app: $(STAMP)
	$(BIN)/voila course/apps/latent_explorer.ipynb --Voila.config_file_paths=course/apps $(VOILA_ARGS)

executed: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jupyter nbconvert --to notebook --execute \
		--ExecutePreprocessor.timeout=900 --output-dir executed course/*.ipynb

exercises: $(STAMP)
	for assignment in $$(cd solutions && ls -d */ | tr -d /); do \
		PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/nbgrader generate_assignment $$assignment --force || exit 1; \
	done

benchmark: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/update_readme.py

constraints: $(STAMP)
	{ echo "# Pinned versions that make and CI install with. Regenerate with: make constraints"; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^autoaegan'; } > constraints.txt
