# NeuroLake: `make run` starts the product on embedded defaults; `make test` runs the suite.
# Both create .venv when it is missing and install what they need.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install install-dev lint format bench demo browser clean help

help:
	@echo "make run      install, build the demo lakehouse if missing, open the chat (http://127.0.0.1:8000)"
	@echo "make test     install with dev extras and run the whole test suite"
	@echo "make install  install into .venv";  echo "make lint     ruff + mypy"
	@echo "make bench    run the benchmarks in bench/"

# The CPU build of torch goes in first, so sentence-transformers does not pull a CUDA build.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/neurolake demo --if-missing

# Ends in the chat at http://127.0.0.1:8000 (NEUROLAKE_CHAT__HOST / __PORT); Ctrl+C stops it.
run: demo
	@$(BIN)/neurolake tables
	@echo
	@echo "The lakehouse is ready; the chat opens at http://$${NEUROLAKE_CHAT__HOST:-127.0.0.1}:$${NEUROLAKE_CHAT__PORT:-8000}"
	@echo "(the command line works too: $(BIN)/neurolake --help)"
	$(BIN)/neurolake chat

# Browser tests drive Debian's Chromium; install it once when it is missing (we are root).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
		|| echo "warning: could not install chromium; browser tests will fail"

# Lint first: a change that breaks ruff or mypy does not land either.
test: install-dev browser
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-dev
	$(BIN)/python bench/tpch.py --scale 1
	$(BIN)/python bench/cache.py

clean:
	rm -rf $(VENV) .neurolake .pytest_cache .mypy_cache .ruff_cache
