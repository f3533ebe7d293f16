# The two commands of the contract: `make demo` and `make test`. Each works from a fresh clone:
# it creates .venv, installs the project with its pinned dependencies, and provides the Pulumi
# engine (built once from the Go module proxy and cached per user, see engine/ensure-pulumi.sh).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: demo test unit engine install lint typecheck check clean dist FORCE

# The venv sees the project in two ways. At run time, through setuptools' editable import hook: it
# follows pyproject's package-dir (pulumi_builds.codegen is codegen/, ...) and sees a new module at
# once. Type checkers and editors cannot run an import hook: for them a static path (a .pth line)
# names $(LINKS), where pulumi_builds/ is laid out as the wheel is, from links to the entries of
# pulumi_builds/ and to the mapped folders. Only a new top-level entry of pulumi_builds/ needs a
# new link: $(LINKED) remembers the entries and the links are made again when they change.
LINKS := build/editable
LINKED := $(VENV)/.linked
MAPPED_FOLDERS := generated codegen emulators engine schemas  # pyproject's package-dir
SITE_PACKAGES = $(shell $(PY) -c 'import sysconfig; print(sysconfig.get_path("purelib"))')

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

$(LINKED): $(INSTALLED) FORCE
	@ls pulumi_builds > $@.new
	@if cmp -s $@.new $@ && [ -d $(LINKS) ]; then rm $@.new; else \
	  rm -rf $(LINKS) && mkdir -p $(LINKS)/pulumi_builds && \
	  for entry in pulumi_builds/*; do ln -s "$(abspath .)/$$entry" $(LINKS)/pulumi_builds/; done && \
	  for folder in $(MAPPED_FOLDERS); do \
	    ln -s "$(abspath .)/$$folder" $(LINKS)/pulumi_builds/$$folder; done && \
	  echo "$(abspath $(LINKS))" > "$(SITE_PACKAGES)/pulumi_builds_static_path.pth" && \
	  mv $@.new $@; fi

FORCE:

install: $(LINKED)

# Provides pulumi + the project's launchers in $(VENV)/bin (on PATH for tests and the demo).
engine: $(LINKED)
	$(PY) -m pulumi_builds.engine install --venv $(VENV)

# What a release publishes (engine/dist.py): the wheel, the provider plugin archives, the package
# schema and the Node.js, Go and Python SDKs. The schema's pluginDownloadURL comes from the
# environment variable PLUGIN_DOWNLOAD_URL (default github://api.github.com/pulumi-builds/pulumi-builds).
dist: engine
	$(PY) -m pulumi_builds.engine.dist --out dist

demo: engine
	PATH="$(abspath $(VENV))/bin:$$PATH" $(PY) examples/demo.py

check: $(LINKED)
	$(VENV)/bin/builds-codegen check

# mypy finds the package as installed (the editable install above), under its import names. It runs
# from the venv's folder: here, ./pulumi_builds/ would stand for the whole package.
typecheck: $(LINKED)
	cd $(VENV) && $(abspath $(VENV))/bin/mypy --config-file $(abspath pyproject.toml) \
	  --strict -p pulumi_builds

HAND_WRITTEN := codegen pulumi_builds emulators engine provider tests bench examples tools
lint: $(LINKED) typecheck
	$(VENV)/bin/ruff check $(HAND_WRITTEN) generated
	$(VENV)/bin/ruff format --check $(HAND_WRITTEN)
	$(PY) tools/function_length.py $(HAND_WRITTEN)

# The tests that need no Pulumi engine nor package index (readers, generator, models, emulators):
# well under a minute. `make test` runs them all.
unit: $(LINKED)
	$(PY) -m pytest -n 2 -p no:cacheprovider -m "not engine and not install" $(PYTEST_ARGS)

# The tests and the demo start hundreds of Python processes (language hosts, providers, programs)
# that import the same modules. Where PYTHONDONTWRITEBYTECODE is set (many container images set
# it), each would compile the project's sources again; here they write and reuse the usual
# bytecode caches (__pycache__/, ignored by git, removed by `make clean`).
test unit demo: export PYTHONDONTWRITEBYTECODE :=

# Twice as many workers as the machine's 2 cores: an engine test spends much of its time waiting
# (for builds, the engine, package downloads), and the other workers use the cores meanwhile.
TEST_WORKERS ?= 4
test: engine
	$(VENV)/bin/builds-codegen check
	$(MAKE) --no-print-directory lint
	PATH="$(abspath $(VENV))/bin:$$PATH" $(PY) -m pytest -n $(TEST_WORKERS) -p no:cacheprovider \
	  $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build dist
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
