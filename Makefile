# Two commands for a newcomer: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Applies to build environments too, so the whole install is pinned.
export PIP_CONSTRAINT := $(CURDIR)/constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install run test lint format bench-import bench-linkage lock clean help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-15s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv with the pinned dependencies

run: $(STAMP) ## Migrate the embedded SQLite database, seed demo data, serve on :8000
	$(BIN)/hub serve --demo

test: $(STAMP) ## Run the whole test suite (PostgreSQL too when HUB_TEST_DATABASE_URL is set)
	$(BIN)/pytest

lint: $(STAMP) ## Ruff, mypy (strict) and import-linter contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy hub connectors schemas consent
	$(BIN)/lint-imports

format: $(STAMP) ## Format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock: ## Re-resolve dependencies from pyproject.toml into constraints.txt
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	PIP_CONSTRAINT= .lock-venv/bin/python -m pip install --quiet --upgrade pip setuptools wheel
	PIP_CONSTRAINT= .lock-venv/bin/python -m pip install --quiet '.[dev]'
	( echo "# Pinned versions of every dependency; regenerate with 'make lock'."; \
	  .lock-venv/bin/python -m pip freeze --all --exclude invisibles-hub ) > constraints.txt
	rm -rf .lock-venv build

bench-import: $(STAMP) ## Import benchmark: ROWS (100000) synthetic rows per source, SQLite (+ PostgreSQL with HUB_TEST_DATABASE_URL)
	$(BIN)/python -m bench.bench_import --rows $(or $(ROWS),100000)

bench-linkage: $(STAMP) ## Identity resolution benchmark at 1k, 10k, 100k persons (README, "Identity resolution")
	$(BIN)/python -m bench.bench_linkage

clean: ## Remove the environment and local data
	rm -rf $(VENV) .hub build *.egg-info
