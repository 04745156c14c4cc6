# Yokoito — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install migrate seed lint format e2e bench bench-coverage bench-pages bench-discussions bench-mail bench-search bench-renewal bench-notifications lock clean

UV_VERSION := 0.13.9

# No pip in the venv (ensurepip is slow); scripts/venv_install.py installs the lock with uv
# (pinned, cached, parallel) and falls back to pip when uv cannot be had.
$(BIN)/python:
	$(PYTHON) -m venv --without-pip $(VENV)

# Reinstall whenever the lock file changes.
$(STAMP): requirements/lock.txt pyproject.toml | $(BIN)/python
	$(PYTHON) scripts/venv_install.py --venv $(VENV) --lock requirements/lock.txt --uv $(UV_VERSION)
	touch $(STAMP)

install: $(STAMP)

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

## Start web, Celery worker and Celery beat on http://$(HOST):$(PORT) (Ctrl-C stops all three).
## Migrating and seeding share one process (one Django start-up fewer).
run: install
	mkdir -p var
	$(BIN)/python manage.py seed_demo --migrate
	$(BIN)/python scripts/devserver.py --host $(HOST) --port $(PORT)

## The whole test suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set, else SQLite).
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Regenerate the pinned dependency files from pyproject.toml.
lock: install
	[ -x $(BIN)/uv ] || $(BIN)/python -m pip install -q uv==$(UV_VERSION)
	$(BIN)/uv pip compile pyproject.toml --extra dev -o requirements/lock.txt --python $(BIN)/python
	$(BIN)/uv pip compile pyproject.toml -o requirements/base.txt --python $(BIN)/python

## Every benchmark of issue 18, then one table of all their rows (docs/benchmarks.md).
## Needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/yokoito make bench
## Each step writes var/bench-results/<step>.json (scripts/bench_results.py); a step that
## misses a target does not stop the others, and `make bench` fails at the end.
BENCH_STEPS := bench-coverage bench-pages
BENCH_STEPS += bench-mail
bench: install
	$(BIN)/python scripts/bench_results.py --reset
	status=0; for step in $(BENCH_STEPS); do $(MAKE) --no-print-directory $$step || status=1; done; \
	$(BIN)/python scripts/bench_results.py || status=1; exit $$status

## Coverage-page benchmark with gunicorn and wrk (see docs/benchmarks.md).
bench-coverage: install
	$(BIN)/python scripts/bench_coverage.py

## Member pages at 20,000 members beside /healthz, and RSVP contention (PostgreSQL).
bench-pages: install
	$(BIN)/python scripts/bench_pages.py $(BENCH_PAGES_ARGS)

## Topic list and topic page with 100,000 posts, signed in, beside /healthz (docs/benchmarks.md).
bench-discussions: install
	$(BIN)/python scripts/bench_discussions.py $(BENCH_ARGS)

## Reminder scans (nothing due, 10,000 due) and delivery of 10,000 by one worker (PostgreSQL, Redis).
bench-mail: install
	$(BIN)/python scripts/bench_mail.py $(BENCH_ARGS)
## Search over 100,000 posts: index build, size, 50 queries (docs/benchmarks.md).
bench-search: install
	$(BIN)/python scripts/bench_search.py $(BENCH_ARGS)
## A simulated April of 年度更新: 20,000 members, reminders, confirmations, lapses (docs/benchmarks.md).
bench-renewal: install
	$(BIN)/python scripts/bench_renewal.py $(BENCH_ARGS)
## Weekly digest for 20,000 members × 5 watched sections, built and queued by one worker.
bench-notifications: install
	$(BIN)/python scripts/bench_notifications.py $(BENCH_ARGS)

clean:
	rm -rf var/db.sqlite3* var/celery var/cache var/mail var/staticfiles var/celerybeat-schedule*
