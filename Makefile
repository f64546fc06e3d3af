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

.PHONY: install demo test test-fast check lint typecheck imports pytest bench train-sentiment clean

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

test: install check pytest

# The same checks without the end-to-end runs (demo, DAG, killed runs), on every core
# (pytest-xdist): two or three minutes on 2 cores.
test-fast: install check
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

pytest: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/sentiment.py

train-sentiment: install
	$(BIN)/veille models train

clean:
	rm -rf $(VENV) .veille .pytest_cache .mypy_cache .ruff_cache
