# Newsroom — the two commands: `make run` (demo site) and `make test` (all checks).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
# Debian's chromium drives the browser tests (tests/browser); nothing downloads a browser.
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser)

# The first interpreter found that is Python >= 3.12 (.python-version makes pyenv pick 3.12).
PYTHON_CANDIDATES := python3 python3.12 python3.13 python3.14 python \
	$(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3) \
	$(wildcard /usr/local/bin/python3.1[2-9]) $(wildcard /usr/bin/python3.1[2-9])
FIND_PYTHON := for c in $(PYTHON_CANDIDATES); do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		command -v $$c; break; fi; done

.PHONY: help install run test lint format clean

help:
	@echo "make run   - install, migrate, load the demo newsroom, serve on http://$(HOST):$(PORT)"
	@echo "make test  - install, then check, makemigrations --check, ruff and the test suite"
	@echo "make lint / make format / make clean"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@PYBIN="$$($(FIND_PYTHON))"; \
	if [ -z "$$PYBIN" ]; then \
		echo "ERROR: Newsroom needs Python 3.12 or newer (Django 6). None was found on PATH." >&2; \
		echo "       Install Python >= 3.12 (e.g. 'pyenv install 3.12') and run make again." >&2; \
		exit 1; \
	fi; \
	if [ ! -x "$(PY)" ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		echo "Creating $(VENV) with $$PYBIN ($$($$PYBIN --version))"; \
		rm -rf $(VENV); $$PYBIN -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@if [ -n "$(CHROMIUM)" ]; then \
		echo "Browser tests: running with $(CHROMIUM) (screenshots in test-artifacts/screenshots/)"; \
		echo "CHROMIUM=$(CHROMIUM) $(VENV)/bin/pytest"; \
		CHROMIUM="$(CHROMIUM)" $(VENV)/bin/pytest; \
	else \
		echo "Browser tests: skipped (no chromium found; apt-get install chromium)"; \
		echo "$(VENV)/bin/pytest -m 'not browser'"; \
		$(VENV)/bin/pytest -m "not browser" && \
		echo "Browser tests: skipped (no chromium found; apt-get install chromium)"; \
	fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
