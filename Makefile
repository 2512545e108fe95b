# The two commands: `make run` and `make test`. Both install first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000
DEMO_PROVINCES := 33 35 36

.PHONY: install run test lint check bench clean messages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes.
.install-stamp: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

.env:
	printf 'DEBUG=on\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@
	@echo "Wrote .env for local development (DEBUG on)."

install: .install-stamp .env

# The web server, a worker that runs the background jobs (manage.py db_worker) and the
# scheduler that queues the periodic ones; Ctrl-C stops all three.
run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_regions $(addprefix --province ,$(DEMO_PROVINCES))
	$(PY) manage.py load_demo
	$(PY) manage.py roll_coverage_day
	@trap 'kill $$worker $$scheduler 2>/dev/null; wait; exit 0' INT TERM EXIT; \
	$(PY) manage.py db_worker --no-reload --interval 2 & worker=$$!; \
	$(PY) manage.py run_scheduler & scheduler=$$!; \
	$(PY) manage.py runserver $(HOST)

# The browser tests run on their own in .ci/run (they need Chromium).
test: install
	$(PY) -m pytest -m "not e2e"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .
	$(PY) manage.py makemigrations --check --dry-run

# Refresh the Indonesian catalogue from the code, then compile it (needs GNU gettext).
# The compiled .mo is committed, so installing and running never need gettext.
messages: install
	$(PY) manage.py makemessages -l id --no-obsolete --ignore ".venv/*" --ignore "staticfiles/*"
	$(PY) manage.py makemessages -d djangojs -l id --no-obsolete --ignore ".venv/*" --ignore "staticfiles/*" --ignore "static/vendor/*"
	$(PY) manage.py compilemessages -l id --ignore ".venv/*"

# Dashboard, API and admin timings against DATABASE_URL (PostgreSQL with generate_load run).
# HTTP=1: the pages under load instead (gunicorn with the production settings, 1, 4 and 16
# readers for 20 s each; wrk if installed, `apt-get install wrk`), about 5 min at country scale.
bench: install
ifdef HTTP
	$(PY) bench/http_bench.py
else
	$(PY) bench/bench.py
endif

clean:
	rm -rf $(VENV) .install-stamp
