# PhanAnh — two commands do all the set-up: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
MANAGE := $(PY) manage.py
export PYTHONUNBUFFERED := 1

.PHONY: static browser nginx run serve test test-sqlite test-postgres test-cluster lint check install assets messages migrate demo bench bench-sizes clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed to install Leaflet and htmx."; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

assets: install

messages: install
	cd src/phananh && ../../$(PY) ../../manage.py compilemessages --ignore=.venv -v 0

migrate: install
	@mkdir -p var
	$(MANAGE) migrate --no-input -v 0

demo: migrate
	$(MANAGE) seed_demo

# The files a production node serves (var/static): hashed names, gzip and Brotli copies.
static: install
	PHANANH_HASHED_STATIC=true $(MANAGE) collectstatic --no-input -v 0

# The task worker (the database backend's, or RQ's when REDIS_URL names a Redis server) and the
# periodic-task loop, started in the background by `run` and `serve`.
WORKERS = if [ -n "$${REDIS_URL:-}" ]; then \
	  $(MANAGE) rqworker --job-class django_tasks_rq.Job default & \
	else \
	  $(MANAGE) db_worker --no-startup-delay & \
	fi; \
	$(MANAGE) run_periodic &

# Serves http://127.0.0.1:$(PORT) with the task worker and the periodic-task loop beside it,
# on SQLite. The worker is the database backend's, or RQ's when REDIS_URL names a Redis server.
# Static files come from the apps' folders as they are edited (no collectstatic).
# `run` and `serve` answer plain HTTP on the loopback: without PHANANH_HTTPS=false a node (DEBUG
# off) would send every request to HTTPS.
run serve: export PHANANH_HTTPS := false
run: install messages demo
	@echo "PhanAnh: http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	@# Mail goes to the SMTP server named in EMAIL_HOST; without one it is printed in this terminal.
	@trap 'kill 0' EXIT INT TERM; \
	$(WORKERS) \
	$(MANAGE) runserver --insecure 127.0.0.1:$(PORT)

# The same, served by gunicorn with the production config (deploy/gunicorn.conf.py) instead of
# Django's development server: to try the production server on one machine.
serve: install messages static demo
	@echo "PhanAnh (gunicorn): http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	@trap 'kill 0' EXIT INT TERM; \
	$(WORKERS) \
	PHANANH_HASHED_STATIC=true PHANANH_BIND=127.0.0.1:$(PORT) $(VENV)/bin/gunicorn -c deploy/gunicorn.conf.py

lint: install
	@mkdir -p var
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run -v 1

test: install messages lint browser nginx
	bash scripts/ensure-services.sh
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory test-cluster

test-sqlite:
	DB=sqlite $(VENV)/bin/pytest -q

test-postgres:
	DB=postgres DB_NAME=test DB_TEST_NAME=test_phananh $(VENV)/bin/pytest -q

# The whole deployment on loopback (two gunicorn nodes, two RQ workers, the periodic runner, moto
# as the object store) under a burst with a node and a worker killed; prints its figures.
# It makes and drops a database of its own and uses Redis db 7 (CLUSTER_REDIS_URL to change it).
test-cluster:
	$(VENV)/bin/pytest -q -m cluster tests/cluster

# Debian's Chromium drives the browser tests (Playwright's own download is not used).
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; fi; }

# Debian's nginx runs in front of gunicorn in the deployment tests (tests/deploy/), with the
# site of deploy/nginx/phananh.conf, which serves the Brotli copies of static files.
NGINX_PACKAGES = nginx libnginx-mod-http-brotli-static
nginx:
	@{ command -v nginx >/dev/null || test -x /usr/sbin/nginx; } \
	  && test -f /usr/lib/nginx/modules/ngx_http_brotli_static_module.so || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(NGINX_PACKAGES) >/dev/null; \
	  else echo "The deployment tests need Debian's nginx: sudo apt-get install $(NGINX_PACKAGES)"; exit 1; fi; }

bench bench-sizes: export PHANANH_HTTPS := false
bench: install
	@# Every benchmark runs (a `-` keeps going past one that misses a goal); each prints its goals.
	-$(PY) bench/intake.py
	-$(PY) bench/photo_memory.py
	-$(PY) bench/public_map.py
	-$(PY) bench/export.py
	-DB=postgres $(PY) bench/first_load.py
	@# Statistics on PostgreSQL, in a database of its own (filled once, then reused); the public
	@# lists, search and map are timed on the same generated reports.
	createdb -h $${PGHOST:-127.0.0.1} -U $${PGUSER:-postgres} $${BENCH_STATS_DB:-bench_stats} 2>/dev/null || true
	-DB=postgres DB_NAME=$${BENCH_STATS_DB:-bench_stats} $(PY) bench/stats.py
	-DB=postgres $(PY) bench/public_lists.py $${BENCH_STATS_DB:-bench_stats}
	createdb -h $${PGHOST:-127.0.0.1} -U $${PGUSER:-postgres} bench_sweep 2>/dev/null || true
	-DB=postgres DB_NAME=bench_sweep $(PY) bench/sweep.py

# The issue's table side by side at 20k, 200k and 1M generated reports (docs/performance.md).
# Making the three databases the first time takes about 45 minutes on 2 cores.
bench-sizes: install
	$(PY) bench/databases.py
	-DB=postgres $(PY) bench/public_lists.py bench_20k bench_200k bench_1m
	-$(PY) bench/intake.py --sizes bench_20k bench_200k bench_1m
	-DB=postgres $(PY) bench/sweep.py bench_20k bench_200k bench_1m

clean:
	rm -rf $(VENV) node_modules var
