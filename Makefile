# The two commands of the course: `make course` runs it, `make test` runs the tests.
# Both create (or update) the virtual environment .venv from pyproject.toml and the
# constraints file, so they work from a fresh clone.

# The Pythons the course supports (pyproject.toml's requires-python; tests/test_python_versions.py keeps them equal).
PYTHONS := 3.11 3.12 3.13
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Each Python installs with the pins of its own constraints file: constraints.txt for 3.11, constraints-3.X.txt
# for the others. The venv's Python decides once it exists, else the one that will create it.
PYTHON_VERSION := $(shell $(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
CONSTRAINTS := $(if $(filter-out 3.11,$(filter $(PYTHONS),$(PYTHON_VERSION))),constraints-$(PYTHON_VERSION).txt,constraints.txt)
LAB_ARGS ?=
VOILA_ARGS ?=
# Containers often run as root, which JupyterLab refuses without this flag.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: course test app executed exercises benchmark constraints help site site-from-executed site-check lint format

help:
	@echo "make course      install into .venv and open JupyterLab on the start-here notebook"
	@echo "make test        install into .venv (and the hub's proxy into .tools) and run the whole test suite"
	@echo "make app         serve the latent explorer of chapter 06 as a standalone Voila app"
	@echo "make executed    execute every chapter into executed/ (outputs included)"
	@echo "make site        the course website in build/site: every chapter executed (classroom profile), then Sphinx"
	@echo "make site-from-executed EXECUTED=DIR   the website from chapters already executed into DIR (as CI does)"
	@echo "make site-check  check build/site in Chromium: figures drawn, kernel-free explorers move, no solutions"
	@echo "make exercises   regenerate exercises/ from solutions/ with nbgrader"
	@echo "make benchmark   measure load time, chapter wall time and peak memory; write benchmarks/results/chapters.*"
	@echo "make test-subset PYTHON=python3.12 VENV=.venv-3.12   the fast subset CI runs on 3.12 and 3.13 (see SUBSET_TESTS)"
	@echo "make lint        ruff (lint and format check) and import-linter (the package's layers), as the tests do"
	@echo "make format      let ruff format and fix what it can"
	@echo "make constraints re-pin the constraints file of the venv's Python (constraints.txt for 3.11) from the venv"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; ok = "$(PYTHONS)".split(); found = "%d.%d" % sys.version_info[:2]; sys.exit(0 if found in ok else "autoaegan needs Python " + ", ".join(ok[:-1]) + " or " + ok[-1] + "; found " + sys.version.split()[0] + ": set PYTHON=/path/to/python" + ok[0] + " (or python" + ", python".join(ok[1:]) + ")")'
	$(PYTHON) -m venv $(VENV)

# PIP_INSTALL_FLAGS: more pip flags, e.g. --no-compile for a venv used once (CI's subsets).
PIP_INSTALL_FLAGS ?=
$(STAMP): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(PIP_INSTALL_FLAGS) -c $(CONSTRAINTS) -e ".[dev]"
	@touch $@

# A learner's JupyterLab: classroom/learner hides nbgrader's instructor tools (formgrader, assignment creation).
LEARNER_CONFIG := JUPYTER_CONFIG_PATH="$(CURDIR)/classroom/learner$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}"

course: $(STAMP)
	$(LEARNER_CONFIG) $(BIN)/jupyter lab $(ROOT_FLAG) --LabApp.default_url=/lab/tree/course/00_start_here.ipynb $(LAB_ARGS)

# JupyterHub's proxy for the classroom hub's tests, an npm package, installed without root into .tools/ (git-ignored),
# which tests/conftest.py puts on PATH. Without npm, one line says so and those tests are skipped (failed under CI=true).
HUB_PROXY := .tools/node_modules/.bin/configurable-http-proxy

$(HUB_PROXY):
	@if command -v npm >/dev/null 2>&1; then \
		echo "npm install --prefix .tools configurable-http-proxy@5"; \
		npm install --prefix .tools --no-fund --no-audit --loglevel=error configurable-http-proxy@5; \
	else \
		echo "npm is missing, so the classroom hub's tests will be skipped: sudo apt-get install npm"; \
	fi

test: $(STAMP) $(HUB_PROXY)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest

# The code's form: ruff's lint and format (pyproject.toml's [tool.ruff]) and the package's layers ([tool.importlinter]).
# tests/test_code_style.py runs the same checks within make test.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The app's Voila settings (course/apps/voila.json) leave out the JupyterLab-only extensions.
app: $(STAMP)
	$(BIN)/voila course/apps/latent_explorer.ipynb --Voila.config_file_paths=course/apps $(VOILA_ARGS)

executed: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jupyter nbconvert --to notebook --execute \
		--ExecutePreprocessor.timeout=900 --output-dir executed course/*.ipynb

# The course website (classroom/site/build.py): the student's tree, never solutions/, as static HTML in build/site.
# site-from-executed takes the chapters a test run kept (AUTOAEGAN_EXECUTED_DIR=DIR make test) instead of running them.
EXECUTED ?= build/executed
site: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python classroom/site/build.py

site-from-executed: $(STAMP)
	$(BIN)/python classroom/site/build.py --executed $(EXECUTED)

site-check: $(STAMP)
	AUTOAEGAN_SITE_DIR="$(CURDIR)/build/site" PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -n 0 tests/test_site_browser.py

exercises: $(STAMP)
	for assignment in $$(cd solutions && ls -d */ | tr -d /); do \
		PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/nbgrader generate_assignment $$assignment --force || exit 1; \
	done

benchmark: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.update_readme

# The fast subset that CI runs on each newer Python (make test-subset PYTHON=python3.12 VENV=.venv-3.12): the
# import, the unit tests of the package's plain parts, chapter 00 under nbval, and one nbgrader round trip
# (release, fetch, submit, collect, autograde, feedback, export).
SUBSET_TESTS := tests/test_python_versions.py tests/test_project_files.py tests/test_profiles.py \
	tests/test_hailstone.py tests/test_png.py tests/test_tensorflow_logs.py tests/test_regularizers.py \
	tests/test_subspace.py tests/test_representations.py tests/test_dense_transpose.py tests/test_pretrained.py \
	tests/test_data_fashion_mnist.py course/00_start_here.ipynb tests/test_classroom_instructor_flow.py
.PHONY: test-subset
test-subset: $(STAMP)
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python -c 'import sys, autoaegan, keras, tensorflow; print("imported autoaegan, TensorFlow", tensorflow.__version__, "and Keras", keras.__version__, "on Python", sys.version.split()[0])'
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest --durations=5 $(SUBSET_TESTS)

constraints: $(STAMP)
	{ echo "# Pinned versions that make and CI install with on Python $(PYTHON_VERSION). Regenerate with: make constraints$(if $(filter-out constraints.txt,$(CONSTRAINTS)), PYTHON=python$(PYTHON_VERSION) VENV=.venv-$(PYTHON_VERSION))"; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^autoaegan'; } > $(CONSTRAINTS)
