# Kargah: `make demo` runs the site with demo data; `make test` runs every check.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py

.PHONY: demo test venv assets messages lint typecheck migrations-check pytest contract serve clean \
	bench-catalog bench-rush bench-join bench-faults bench-page bench-notify fonts \
	devicecheck-media

$(BIN)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

venv: $(BIN)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed

messages: venv
	$(MANAGE) compilemessages --ignore=$(VENV) --ignore=node_modules -v 0

# The demo runs as production does, DEBUG off (DJANGO_DEBUG=true make demo turns it on):
# gunicorn, static files from collectstatic served by WhiteNoise, the Persian error pages.
# KARGAH_DEMO (set in Procfile.demo) lets cookies travel over plain http and allows the
# sandbox bank; `check --deploy` refuses it (docs/operations.md).
demo: export KARGAH_DEMO = true
# The classroom is the fake BBB server inside the demo itself (docs/classroom.md).
demo: export KARGAH_BBB_FAKE = true
demo: export KARGAH_BBB_URL = http://127.0.0.1:8000/fake-bbb/bigbluebutton/
demo: export KARGAH_BBB_SECRET = kargah-demo-bbb-secret
demo: venv assets messages
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) demo_seed
	$(MANAGE) demo_agreement
	$(MANAGE) classroom_demo
	$(MANAGE) demo_desk
	$(MANAGE) demo_certificates
	$(MANAGE) reminders_schedule
	$(MANAGE) sla_evaluate
	$(MANAGE) collectstatic --noinput -v 0
	@echo "Kargah runs on http://127.0.0.1:8000 — sign-in codes appear below, in the worker's lines."
	$(BIN)/honcho -f Procfile.demo start

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy kargah config

migrations-check: venv
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) makemigrations --check --dry-run

pytest: venv assets messages
	$(BIN)/pytest $(PYTEST_ARGS)

# pytest includes the API contract: schemathesis over the whole schema against a live server
# (kargah/core/tests/test_api_contract.py, marker `contract`, about two minutes).
test: lint typecheck migrations-check pytest

# The API contract alone.
contract: venv messages
	$(BIN)/pytest -m contract -p no:randomly

# The catalog benchmark (docs/performance.md): PostgreSQL, gunicorn and wrk; not part of
# `make test`. BENCH_ARGS passes options, e.g. BENCH_ARGS="--rounds 1 --duration 5".
bench-catalog: venv assets messages
	bash bench/run.sh $(BENCH_ARGS)

# The registration rush (docs/performance.md): 500 families register at once through the
# API, for one offering of 30 seats, then for 200; its own database, kargah_bench_rush
# (or BENCH_RUSH_DATABASE_URL: a catalog BENCH_DATABASE_URL is not reused).
bench-rush: venv assets messages
	BENCH_DB=kargah_bench_rush BENCH_MODULE=bench.rush \
		BENCH_DATABASE_URL="$(BENCH_RUSH_DATABASE_URL)" bash bench/run.sh $(BENCH_ARGS)

# The join rush (docs/performance.md): 500 learners ask for their join link within one second
# for 20 sessions that start at once; the fake BBB in a server of its own answers after 50 ms;
# the one-row write measured in the same run. Its own database, kargah_bench_join (or
# BENCH_JOIN_DATABASE_URL), and Redis db 9 (or BENCH_JOIN_REDIS_URL).
bench-join: venv assets messages
	BENCH_DB=kargah_bench_join BENCH_MODULE=bench.join \
		BENCH_DATABASE_URL="$(BENCH_JOIN_DATABASE_URL)" bash bench/run.sh $(BENCH_ARGS)

# Registrations under faults (docs/performance.md): the rush against a PostgreSQL cluster and
# a Redis server of its own (temporary, on ports of their own) while PostgreSQL restarts and
# stops, Redis stops and gunicorn workers are killed; the data checked after each.
bench-faults: venv assets messages
	$(PY) -m bench.faults $(BENCH_ARGS)

# The notifications benchmark (docs/performance.md): the reminders of 100,000 learners'
# sessions of one evening scheduled and drained by two Celery workers on Redis
# (BENCH_NOTIFY_REDIS_URL, db 10 by default) with a fake SMS provider, beside the one-row
# write; its own database, kargah_bench_notify (or BENCH_NOTIFY_DATABASE_URL).
bench-notify: venv assets messages
	BENCH_DB=kargah_bench_notify BENCH_MODULE=bench.notify \
		BENCH_DATABASE_URL="$(BENCH_NOTIFY_DATABASE_URL)" bash bench/run.sh $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules staticfiles var db.sqlite3

# The first page's weight (docs/performance.md): the catalog opened once in Chromium on a
# phone profile, served by gunicorn with production settings; its own database,
# kargah_bench_page (or BENCH_PAGE_DATABASE_URL).
bench-page: venv assets messages
	BENCH_DB=kargah_bench_page BENCH_MODULE=bench.page \
		BENCH_DATABASE_URL="$(BENCH_PAGE_DATABASE_URL)" bash bench/run.sh $(BENCH_ARGS)

# The Vazirmatn subsets in static/fonts (committed build output: a deploy needs no fonttools);
# run again after adding a character the fonts lack or upgrading vazirmatn.
fonts: venv assets
	$(PY) tools/subset_fonts.py

# The device check's help video (WebM and MP4 with Persian captions) and test tone, drawn by
# tools/make_help_video.py with Pillow and ffmpeg (apt-get install ffmpeg); output committed.
devicecheck-media: venv assets
	$(PY) tools/make_help_video.py
