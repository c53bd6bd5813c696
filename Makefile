# Glocal ABM — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint bench install install-test clean messages

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## Set up, migrate, seed and run web + worker + beat (Ctrl-C stops all three).
demo: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo
	DEBUG=$${DEBUG:-1} HOST=$(HOST) PORT=$(PORT) PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho -f Procfile start

## Lint, format check, Django checks and the whole test suite.
test: install-test lint
	$(PY) manage.py check --settings=tests.settings
	$(PY) manage.py makemigrations --check --dry-run --settings=tests.settings
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Benchmarks: each scenario prints its figure and a baseline from the same run.
bench: install-test
	$(PY) bench/run.py $(BENCH_ARGS)

## Recompile the French catalogue after editing glocal/locale/fr/LC_MESSAGES/django.po.
messages: install-test
	$(PY) -m glocal.i18n_tools compile

clean:
	rm -rf $(VENV) var
