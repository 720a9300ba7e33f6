# Causeway: the two set-up commands are `make run` and `make test`; the rest serve operators.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py
# `make run` is for a developer's machine: DEBUG on unless the environment says otherwise.
DEV := DEBUG=$${DEBUG:-true}

.PHONY: run test install migrate seed lint format migrations-check messages lock bench clean serve backup restore

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

# Production: gunicorn with the production settings (DEBUG off; the environment variables
# in docs/deployment.md). Run `manage.py migrate` as its own deployment step.
serve: install
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(BIN)/gunicorn --config config/gunicorn.py config.wsgi

# BACKUP_DIR/<timestamp>.dump (PostgreSQL) or .sqlite3 (SQLite); restore with FILE=...
backup: install
	$(DEV) $(MANAGE) backup

restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/<timestamp>.dump"; exit 2; }
	$(DEV) $(MANAGE) restore "$(FILE)"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	$(DEV) $(MANAGE) makemigrations --check --dry-run

# Refreshes locale/ko/LC_MESSAGES/django.po from the code and templates, then compiles
# django.mo (commit both). Needs GNU gettext: apt-get install gettext.
messages: install
	$(DEV) $(MANAGE) makemessages --locale ko --add-location file \
		--ignore 'tests/*' --ignore 'bench/*' --ignore 'docs/*' --ignore 'node_modules/*' --ignore 'staticfiles/*'
	msgfmt --check --output-file locale/ko/LC_MESSAGES/django.mo locale/ko/LC_MESSAGES/django.po

# Regenerates requirements.lock from pyproject.toml (needs uv: `pip install uv`).
lock:
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

bench: install
	$(BIN)/python bench/run.py --orgs $(or $(N),10000)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
