# haictrial: the two Quick-start commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench install system-deps clean

# A fresh venv with the package and its test tools; redone whenever pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages the tests and the PDF report need (Chromium, PostgreSQL, WeasyPrint's libraries, CJK fonts).
system-deps:
	bash scripts/system-deps

run: install system-deps
	bash scripts/run

test: install system-deps
	bash scripts/test

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

bench: install
	bash scripts/bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
