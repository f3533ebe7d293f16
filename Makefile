# The two commands of the contract: `make demo` and `make test`. Each works from a fresh clone:
# it creates .venv, installs the project with its pinned dependencies, and provides the Pulumi
# engine (built once from the Go module proxy and cached per user, see scripts/ensure-pulumi.sh).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: demo test engine install lint check clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

install: $(INSTALLED)

# Provides pulumi + the project's launchers in $(VENV)/bin (on PATH for tests and the demo).
engine: $(INSTALLED)
	$(PY) -m pulumi_builds.engine install --venv $(VENV)

demo: engine
	PATH="$(abspath $(VENV))/bin:$$PATH" $(PY) examples/demo.py

check: $(INSTALLED)
	$(VENV)/bin/builds-codegen check

lint: $(INSTALLED)
	$(VENV)/bin/ruff check codegen pulumi_builds emulators generated tests bench examples
	$(VENV)/bin/mypy --strict generated pulumi_builds

test: engine
	$(VENV)/bin/builds-codegen check
	$(VENV)/bin/ruff check codegen pulumi_builds emulators generated tests bench examples
	$(VENV)/bin/mypy --strict generated pulumi_builds
	PATH="$(abspath $(VENV))/bin:$$PATH" $(PY) -m pytest -n 2 -p no:cacheprovider $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
