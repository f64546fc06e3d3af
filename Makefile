# The README's two commands: `make demo` and `make test`. Each creates .venv when it is
# missing and installs the pinned stack; the install is skipped while the requirement
# files are unchanged (the stamp's name is a hash of them).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
REQS := requirements/requirements.txt requirements/constraints.lock.txt requirements/bench.txt \
	pyproject.toml
STAMP := $(VENV)/.installed-$(shell cat $(REQS) | sha1sum | cut -c1-16)
# The demo keeps its warehouse, crawl state and emails in the checkout (git-ignored).
export VEILLE_HOME ?= $(CURDIR)/.veille

.PHONY: install browser services demo web airflow test test-fast check lint typecheck imports pytest bench train-sentiment \
	clean

install: $(STAMP)

$(STAMP): $(REQS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -U pip
	$(BIN)/pip install --quiet -r requirements/requirements.txt -c requirements/constraints.lock.txt
	$(BIN)/pip install --quiet --no-build-isolation -e . -c requirements/constraints.lock.txt
	$(BIN)/pip install --quiet --no-deps -r requirements/bench.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

demo: install
	$(BIN)/veille demo

# The community manager's app on the demo's warehouse (made first when missing), with a
# demo login printed: http://127.0.0.1:8642
web: install
	@test -f $(VEILLE_HOME)/demo/veille.duckdb || $(BIN)/veille demo
	$(BIN)/veille web --demo-login

# Veille's DAG under Airflow standalone, on the demo site, with an SMTP sink; one run
# followed to its end; Ctrl-C stops it all. UI: http://127.0.0.1:8080 (login printed).
airflow: install
	$(BIN)/veille demo airflow

# The web app's browser tests drive Debian's Chromium, never a downloaded browser. It is
# installed when missing and the machine allows (root, or sudo without a password);
# otherwise those tests are skipped and say how to install it.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then sudo=; \
	  elif sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	  else echo "chromium is missing and cannot be installed here: apt-get install chromium"; \
	    exit 0; fi; \
	  $$sudo apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q chromium \
	    || echo "chromium could not be installed: the browser tests will be skipped"; }

# The servers the tests start of their own (tests/services.py): PostgreSQL (DuckLake's
# catalog, Airflow's database under Celery) and Redis (Celery's broker). Installed from
# Debian's packages when missing and the machine allows; otherwise those tests are
# skipped and say how to install them.
services:
	@missing=; \
	  { command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; } \
	    || missing="$$missing postgresql"; \
	  command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then sudo=; \
	    elif sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	    else echo "missing and not installable here:$$missing (apt-get install$$missing)"; \
	      exit 0; fi; \
	    $$sudo apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q --no-install-recommends \
	      $$missing || echo "$$missing could not be installed: the tests that need them are skipped"; \
	  fi

test: install browser services check pytest

# The same checks without the end-to-end runs (demo, DAG, killed runs), on every core
# (pytest-xdist): two or three minutes on 2 cores.
test-fast: install browser services check
	$(BIN)/python -m pytest -m "not slow" -n auto

check: lint typecheck imports

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# The layers (.importlinter): the core imports no stage, no stage another or the
# application, and no package has an import cycle.
imports: install
	$(BIN)/lint-imports

# Two tests at a time, a file per process: a file's module-scoped fixtures (the demo's
# run, a crawl) are made once.
pytest: install
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: install
	$(BIN)/python bench/sentiment.py

# The moderation heads read the sentiment model's vectors: rebuilt after it.
train-sentiment: install
	$(BIN)/veille models train
	$(BIN)/veille models train-moderation

clean:
	rm -rf $(VENV) .veille .pytest_cache .mypy_cache .ruff_cache
