# The two commands: `make run` (set up everything and serve the app) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test setup install lint assets messages worker beat

run: setup
	@echo "Serving on http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/). Stop with Ctrl+C."
	SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}" $(PY) manage.py runserver $(HOST):$(PORT)

# Production: collect the static files, then serve with gunicorn (portfolio/gunicorn_conf.py), DEBUG off.
# Needs SECRET_KEY and ALLOWED_HOSTS (and DATABASE_URL, REDIS_URL); see "Serving in production" in the README.
serve: $(VENV)/.installed
	DEBUG=$${DEBUG:-0} $(PY) manage.py collectstatic --noinput -v0
	DEBUG=$${DEBUG:-0} HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/gunicorn -c portfolio/gunicorn_conf.py portfolio.wsgi

# Migrate, load the reference data and the illustrative demo, compute the summaries.
setup: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_reference_data
	$(PY) manage.py seed_demo
	$(PY) manage.py recompute_summaries

# The whole suite, browser tests included, in one process per core (pytest-xdist; each has its own
# test database). Tests that start real Celery workers share an xdist_group, so they run one at a time.
TEST_PROCESSES ?= auto
test: $(VENV)/.installed
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist loadgroup

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11)")'
	@# NemLog-in's SAML messages are signed, verified and decrypted by the xmlsec1 program (pysaml2):
	@# installed here where missing and possible (root with apt-get); without it only NemLog-in is unavailable.
	@command -v xmlsec1 >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xmlsec1 >/dev/null; } || \
		echo "Note: xmlsec1 is missing (Debian/Ubuntu: apt-get install xmlsec1); NemLog-in login needs it."
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet ".[test]"
	touch $@

# For developers only: rebuild the committed front-end files from the npm registry.
assets:
	npm ci
	node assets/build.mjs

# For developers only: refresh the Danish catalogue after changing texts (needs GNU gettext).
messages: $(VENV)/.installed
	$(PY) manage.py makemessages --locale da --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'static/*'
	$(PY) manage.py compilemessages --locale da --ignore '.venv/*'

# With PostgreSQL and Redis configured (DATABASE_URL, REDIS_URL): the worker and the scheduler.
worker: $(VENV)/.installed
	$(VENV)/bin/celery -A portfolio worker --loglevel INFO

beat: $(VENV)/.installed
	$(VENV)/bin/celery -A portfolio beat --loglevel INFO
