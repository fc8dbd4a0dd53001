# Two entry points: `make chat` and `make test`. Both create .venv and install everything first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# torch is pinned to its CPU build. Where pip cannot find that build locally, point it at
# PyTorch's CPU wheels, e.g. make test TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu"
TORCH_VERSION ?= 2.13.0
TORCH_PIP_ARGS ?=

.PHONY: setup chat test lint format index clean constraints

setup: $(STAMP)

# constraints.txt pins every package to the versions the figures were measured with.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==$(TORCH_VERSION) $(TORCH_PIP_ARGS)
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

# After changing a dependency in pyproject.toml: install it, then write the versions down.
# The freeze is its own step, so a failed pip stops make before the file is replaced.
constraints: $(STAMP)
	$(BIN)/pip freeze --exclude-editable > constraints.txt.freeze
	{ sed -n '/^#/p' constraints.txt; \
	  sed 's/^torch==\([0-9.]*\)+cpu$$/torch==\1/' constraints.txt.freeze; \
	} > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm constraints.txt.freeze

chat: $(STAMP)
	$(BIN)/therapy-faq chat

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

index: $(STAMP)
	$(BIN)/therapy-faq build

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
