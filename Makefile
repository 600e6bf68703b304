# Opora's commands. `make demo` and `make test` are the two that matter; see README.md.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON_VERSION := $(shell cat .python-version)
PORT ?= 8000
export OPORA_VAR_DIR ?= $(CURDIR)/var

.PHONY: demo test install test-deps lint typecheck messages lock serve screenshots clean bench bench-people bench-pages

## demo: install, migrate the embedded database, load the demo organisation, serve with the task worker
demo: install
	OPORA_ENVIRONMENT=development $(BIN)/python manage.py migrate --no-input -v 0
	OPORA_ENVIRONMENT=development $(BIN)/python manage.py load_demo
	OPORA_ENVIRONMENT=development PORT=$(PORT) scripts/serve

## test: ruff, mypy, then unit and browser tests on SQLite and (when it answers) PostgreSQL
test: install test-deps
	scripts/test

install: $(VENV)/.installed opora/locale/bg/LC_MESSAGES/django.mo

$(VENV)/.installed: requirements.lock .python-version
	scripts/ensure-system-packages gettext
	test -x $(BIN)/python || $$(scripts/find-python $(PYTHON_VERSION)) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	touch $@

opora/locale/bg/LC_MESSAGES/django.mo: opora/locale/bg/LC_MESSAGES/django.po $(VENV)/.installed
	cd opora && OPORA_ENVIRONMENT=development ../$(BIN)/python ../manage.py compilemessages -v 0

test-deps:
	scripts/ensure-system-packages chromium

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	OPORA_ENVIRONMENT=test $(BIN)/mypy

## messages: extract translatable strings into opora/locale (then translate the new ones)
messages: install
	cd opora && OPORA_ENVIRONMENT=development ../$(BIN)/python ../manage.py makemessages -l bg --no-location --no-obsolete

## lock: re-resolve requirements.lock from pyproject.toml
lock: install
	$(BIN)/python -m pip install -q uv==0.9.9
	$(BIN)/uv pip compile pyproject.toml --extra dev -o requirements.lock -q

## serve: serve the embedded database as it is (development settings) with the task worker
serve: install
	OPORA_ENVIRONMENT=development PORT=$(PORT) scripts/serve

## screenshots: the demo in Chromium at desk and phone sizes, as PNGs into docs/screenshots (on a throwaway database)
screenshots: install test-deps
	$(BIN)/python -m tools.screenshots

## bench: every benchmark (never part of `make test`); see docs/benchmarks.md
bench: bench-people bench-pages

## bench-people: people search and duplicates on 1,000,000 synthetic children (PostgreSQL on 127.0.0.1:5432)
bench-people: install
	OPORA_ENVIRONMENT=development $(BIN)/python -m benchmarks.people

## bench-pages: the key pages on the database of bench-people, with its referrals, cases, plans and tasks
bench-pages: install
	OPORA_ENVIRONMENT=development $(BIN)/python -m benchmarks.pages

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
