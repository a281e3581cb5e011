# Two commands: `make run` serves the app, `make test` runs the tests. Both set up
# everything they need on a fresh Debian machine with Python 3.11.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
JZ_SCALE ?= 1.0
JZ_WAREHOUSE ?= data/warehouse.duckdb

.PHONY: venv data test bench-build lint clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Build the warehouse once; rebuild by hand with `python manage.py build-data`.
data: venv
	@test -f $(JZ_WAREHOUSE) || $(BIN)/python manage.py build-data --scale $(JZ_SCALE) --out $(JZ_WAREHOUSE)

test: venv
	$(BIN)/python -m pytest -q

lint: venv
	$(BIN)/ruff check .

bench-build: venv
	$(BIN)/python bench/build.py

clean:
	rm -rf $(VENV) .pytest_cache
