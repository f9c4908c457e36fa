# The two commands of the README: `make demo` runs the main job, `make test` runs the tests.
# Both create .venv and install the project on a fresh machine. `make test` also checks that imports
# run one way (import-linter contracts in pyproject.toml).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench soak clean-cache studio

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test,online]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ocop-geo demo

studio: $(STAMP)  ## the route studio on http://127.0.0.1:8765/ (Ctrl+C stops it)
	$(BIN)/ocop-geo studio

test: $(STAMP)
	$(BIN)/ruff check ocop_geo tests benchmarks
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check ocop_geo tests benchmarks
	$(BIN)/lint-imports --no-cache

bench: $(STAMP)
	$(BIN)/pip install -q -e ".[bench]"
	$(BIN)/python -m benchmarks.run_all

soak: $(STAMP)  ## the long reliability suite: kill-and-rerun, corrupt caches, concurrent runs, determinism
	$(BIN)/python -m benchmarks.soak

clean-cache:
	rm -rf .cache
