# Two commands matter: `make run` and `make test`. Everything else they need is built on demand.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test test-services prod-smoke bench backup restore sweep lint format migrations-check sysdeps sysdeps-test install clean lock upgrade

run: sysdeps install
	$(MANAGE) migrate --noinput
	$(MANAGE) load_centres
	$(MANAGE) load_catalog
	$(MANAGE) seed_demo
	$(MANAGE) runserver 127.0.0.1:8000

test: sysdeps-test install
	$(PY) -m pytest

# The suite again against PostgreSQL and Redis, with a real Celery worker (CI's second pass).
test-services: sysdeps-test install
	DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL) scripts/test-services.sh

# docker-compose's web and worker commands, natively, with DEBUG off (no Docker engine here).
prod-smoke: sysdeps install
	PG_SERVER=$(PG_URL:/test=) scripts/prod-smoke.sh

# Seconds per PDF (cold, warm), size, PDFs per second with one and two processes; then the
# board, comparison, charts and queue pages with thousands of applications.
bench: sysdeps install
	$(PY) scripts/bench_pdf.py
	$(PY) scripts/bench_pages.py

# PostgreSQL (or SQLite) + the media folder into var/backups/tiku-<time>/ (BACKUP_DIR to change).
backup:
	$(MANAGE) backup

# make restore BACKUP=var/backups/tiku-...: replaces the database and media, then verifies them.
restore:
	@test -n "$(BACKUP)" || { echo "用法：make restore BACKUP=备份目录"; exit 1; }
	$(MANAGE) restore "$(BACKUP)" --yes

# Hosts without Celery beat: hand undelivered background work to the broker (cron, or --every).
sweep:
	$(MANAGE) sweep_outbox

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: install
	$(MANAGE) makemigrations --check --dry-run

sysdeps:
	@scripts/sysdeps.sh run

sysdeps-test:
	@scripts/sysdeps.sh test

install: $(VENV)/.installed node_modules/.installed

# Exactly the versions in the lock file, each checked against its hash; then our own code.
$(VENV)/.installed: pyproject.toml requirements-test.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "需要 Python 3.11 或更高版本"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes -r requirements-test.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

# Lock files: requirements.txt (production) and requirements-test.txt (development, CI), with
# hashes. `make lock` after changing pyproject.toml; `make upgrade` moves every pin to the newest.
PIP_COMPILE = $(VENV)/bin/pip-compile -q --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links $(LOCK_FLAGS)

lock: install
	$(PIP_COMPILE) -o requirements.txt pyproject.toml
	$(PIP_COMPILE) --extra test -o requirements-test.txt pyproject.toml
	npm install --package-lock-only --no-audit --no-fund

upgrade:
	$(MAKE) lock LOCK_FLAGS=--upgrade
	npm update --package-lock-only --no-audit --no-fund

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) node_modules var
