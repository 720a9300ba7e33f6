# Causeway: the two set-up commands are `make run` and `make test`; the rest serve operators.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py
# `make run` is for a developer's machine: DEBUG on unless the environment says otherwise.
DEV := DEBUG=$${DEBUG:-true}

.PHONY: run test install install-dev browser-tools migrate seed lint format migrations-check messages lock bench clean serve backup restore

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# What a server runs: requirements.lock. What tests and linting add: requirements-dev.lock
# (the same pins plus the tools). Both are pinned with hashes.
$(VENV)/.installed: requirements.lock | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev-installed: requirements-dev.lock $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.dev-installed

# The browser tests' npm tools (axe-core, the Nu HTML Checker, Lighthouse), where npm is
# installed; without npm those tests skip, saying so. --ignore-scripts: vnu-jar's
# postinstall would download a Java runtime; the system's is used.
browser-tools:
	@if command -v npm >/dev/null 2>&1; then \
		[ node_modules/.package-lock.json -nt package-lock.json ] || \
		npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the browser tests that need axe-core and vnu will skip"; fi

migrate: install
	$(DEV) $(MANAGE) migrate --noinput

seed: migrate
	$(DEV) $(MANAGE) seed

run: seed
	$(DEV) $(MANAGE) runserver 127.0.0.1:$(PORT)

test: install-dev browser-tools
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

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install-dev
	$(DEV) $(MANAGE) makemigrations --check --dry-run

# Refreshes locale/ko/LC_MESSAGES/django.po from the code and templates, then compiles
# django.mo (commit both). Needs GNU gettext: apt-get install gettext.
messages: install
	$(DEV) $(MANAGE) makemessages --locale ko --add-location file \
		--ignore 'tests/*' --ignore 'bench/*' --ignore 'docs/*' --ignore 'node_modules/*' --ignore 'staticfiles/*' \
		--ignore 'deploy/*' --ignore 'build/*' --ignore 'templates/admin/import_export/*' \
		--ignore 'templates/admin/directory/import.html' --ignore 'templates/admin/directory/harvestconflict/*' \
		--ignore 'templates/simple_history/*'
	msgfmt --check --output-file locale/ko/LC_MESSAGES/django.mo locale/ko/LC_MESSAGES/django.po

# Regenerates both locks from pyproject.toml (needs uv: `pip install uv`).
lock:
	uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -o requirements.lock
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements-dev.lock

bench: install-dev
	$(BIN)/python bench/run.py --orgs $(or $(N),10000)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
