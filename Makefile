# The two commands of the contract: `make demo` and `make test`. Each works from a fresh clone:
# it creates .venv, installs the project with its pinned dependencies, and provides the Pulumi
# engine (built once from the Go module proxy and cached per user, see engine/ensure-pulumi.sh).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: demo test unit engine install lint typecheck check clean

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

# mypy sees the folders under their import names (pulumi_builds.codegen is codegen/, ...) through a
# tree of links, as the wheel lays them out: setuptools' editable finder is invisible to mypy.
TYPECHECK_TREE := build/typecheck
TYPED_FOLDERS := generated codegen emulators  # besides the runtime, pulumi_builds/
typecheck: $(INSTALLED)
	rm -rf $(TYPECHECK_TREE) && mkdir -p $(TYPECHECK_TREE)/pulumi_builds
	for entry in pulumi_builds/*; do ln -s "$(abspath .)/$$entry" $(TYPECHECK_TREE)/pulumi_builds/; done
	for folder in $(TYPED_FOLDERS); do \
	  ln -s "$(abspath .)/$$folder" $(TYPECHECK_TREE)/pulumi_builds/$$folder; done
	cd $(TYPECHECK_TREE) && $(abspath $(VENV))/bin/mypy --config-file $(abspath pyproject.toml) \
	  --strict -p pulumi_builds

HAND_WRITTEN := codegen pulumi_builds emulators engine tests bench examples
lint: $(INSTALLED) typecheck
	$(VENV)/bin/ruff check $(HAND_WRITTEN) generated
	$(VENV)/bin/ruff format --check $(HAND_WRITTEN)

# The tests that need no Pulumi engine nor package index (readers, generator, models, emulators):
# well under a minute. `make test` runs them all.
unit: $(INSTALLED)
	$(PY) -m pytest -n 2 -p no:cacheprovider -m "not engine and not install" $(PYTEST_ARGS)

test: engine
	$(VENV)/bin/builds-codegen check
	$(MAKE) --no-print-directory lint
	PATH="$(abspath $(VENV))/bin:$$PATH" $(PY) -m pytest -n 2 -p no:cacheprovider $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build
