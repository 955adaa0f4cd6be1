# Two commands for a newcomer: `make run` and `make test`. Only Python 3.11+ and make are needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: install install-dev run test lint format lock messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements/main.txt pyproject.toml
	$(BIN)/pip install --quiet --require-hashes -r requirements/main.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(DEV_STAMP): $(STAMP) requirements/dev.txt
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	touch $@

## install: the platform and its locked dependencies into .venv (then .venv/bin/procura exists)
install: $(STAMP)

install-dev: $(DEV_STAMP)

## run: migrate, load the demo data and serve http://127.0.0.1:8000 with the job worker in-process
run: install
	$(BIN)/procura migrate
	$(BIN)/procura demo
	$(BIN)/procura serve --port 8000 --with-worker

## test: the whole suite on SQLite (set DATABASE_URL for PostgreSQL)
test: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## lock: re-resolve requirements/*.txt from pyproject.toml (needs uv)
lock:
	uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -q -o requirements/main.txt
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -q -o requirements/dev.txt

## messages: extract translatable strings (needs GNU gettext) and compile the catalogues
messages: install-dev
	cd src/procura && DJANGO_SETTINGS_MODULE=procura.settings ../../$(BIN)/django-admin makemessages -l es --no-obsolete --no-location --ignore "migrations/*"
	$(BIN)/python scripts/compile_messages.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
