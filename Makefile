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

.PHONY: help install run serve bench bench-scale test lint format clean

help:
	@echo "make run   - install, migrate, load the demo newsroom, serve on http://$(HOST):$(PORT)"
	@echo "make serve - install, collectstatic, migrate, then gunicorn with the prod settings on $(HOST):$(PORT)"
	@echo "             (needs DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS; see README 'Running in production')"
	@echo "make bench - fill a benchmark database with N=100000 articles, load it with wrk, print the table"
	@echo "             (make bench-scale: the same at 1,000, 10,000 and N; DATABASE_URL=postgres://... for PostgreSQL)"
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

# The production server: the prod settings, static files collected for WhiteNoise,
# migrations applied, then gunicorn (gunicorn.conf.py; WEB_CONCURRENCY workers [2]).
# For plain http on 127.0.0.1 (no proxy) also set DJANGO_SECURE_SSL_REDIRECT=false.
serve: export DJANGO_SETTINGS_MODULE := newsroom.settings.prod
serve: install
	@missing=""; \
	for var in DJANGO_SECRET_KEY DJANGO_ALLOWED_HOSTS; do \
		if [ -z "$${!var}" ]; then missing="$$missing $$var"; fi; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "ERROR: make serve runs the production settings and needs:$$missing" >&2; \
		echo "       DJANGO_SECRET_KEY: 50 random characters, e.g. from" >&2; \
		echo "         $(PY) -c 'from django.core.management.utils import get_random_secret_key as k; print(k())'" >&2; \
		echo "       DJANGO_ALLOWED_HOSTS: the site's host names, e.g. 127.0.0.1,localhost" >&2; \
		echo "       (see .env.example and README 'Running in production')" >&2; \
		exit 1; \
	fi
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py migrate --noinput
	exec $(VENV)/bin/gunicorn newsroom.wsgi --config gunicorn.conf.py --bind $(HOST):$(PORT)

# The benchmark (README "Benchmark"): N articles in a separate database (bench/data/, or
# the PostgreSQL database of DATABASE_URL), served by gunicorn, loaded by wrk (Debian's
# package, installed here when missing). Never part of make test.
N ?= 100000
WRK_INSTALL := command -v wrk >/dev/null || apt-get install -y -q wrk \
	|| (apt-get update -q && apt-get install -y -q wrk)
bench: install
	@$(WRK_INSTALL)
	$(PY) -m bench.run --articles $(N)

bench-scale: install
	@$(WRK_INSTALL)
	$(PY) -m bench.run --scale 1000,10000,$(N)

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
