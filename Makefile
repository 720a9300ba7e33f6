# Causeway: the two set-up commands are `make run` and `make test`; the rest serve operators.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py
# `make run` is for a developer's machine: DEBUG on unless the environment says otherwise.
DEV := DEBUG=$${DEBUG:-true}

.PHONY: run test install migrate seed lint format migrations-check lock bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

install: $(VENV)/.installed

migrate: install
	$(DEV) $(MANAGE) migrate --noinput

seed: migrate
	$(DEV) $(MANAGE) seed

run: seed
	$(DEV) $(MANAGE) runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	$(DEV) $(MANAGE) makemigrations --check --dry-run

# Regenerates requirements.lock from pyproject.toml (needs uv: `pip install uv`).
lock:
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

bench: install
	$(BIN)/python bench/run.py --orgs $(or $(N),10000)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
