# Two commands: `make run` serves the app, `make test` runs the tests. Both set up
# everything they need on a fresh Debian machine with Python 3.11.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export JZ_SCALE ?= 1.0
export JZ_WAREHOUSE ?= data/warehouse.duckdb

.PHONY: run dev prepare test venv system-deps data lint bench clean

# The store is migrated (and, in demo mode, given its demo accounts and instructions)
# once, here, before any worker starts: the app itself never writes its schema.
run: venv data prepare
	@scripts/system-deps.sh --warn
	$(BIN)/gunicorn --config gunicorn.conf.py app:server

# The development server (same app, one process).
dev: venv data prepare
	$(BIN)/python app.py

prepare: venv
	$(BIN)/python manage.py migrate
	@test -n "$$JZ_ENV" && test "$$JZ_ENV" != demo || \
		{ $(BIN)/python manage.py demo-accounts && $(BIN)/python manage.py demo-instructions; }

test: venv lint
	@scripts/system-deps.sh
	$(BIN)/python -m pytest -q

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Build the warehouse once (JZ_SCALE, default 1.0); rebuild with `manage.py build-data`.
data: venv
	@test -f $(JZ_WAREHOUSE) || $(BIN)/python manage.py build-data --scale $(JZ_SCALE) --out $(JZ_WAREHOUSE)

# Style and architecture: ruff's rules and its format, and the allowed imports between the
# layers (.importlinter, docs/architecture.md).
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

bench: venv
	$(BIN)/python bench/build.py

clean:
	rm -rf $(VENV) .pytest_cache data/cache
