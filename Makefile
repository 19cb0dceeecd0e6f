# Every target sets up its own virtual environment first, so a fresh clone
# needs only `make run` or `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ARGS ?=
MODEL ?= output/model.keras
TEXT ?=
DATA ?= $(HOME)/.keras/datasets/imdb.npz

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --editable ".[dev]"
	@touch $@

.PHONY: install
install: $(INSTALLED) ## Create .venv and install the dependencies

.PHONY: run
run: $(INSTALLED) ## Train, evaluate and report the default run (extra flags: ARGS="...")
	$(BIN)/python -m kernel $(ARGS)

.PHONY: predict
predict: $(INSTALLED) ## Score a review with a trained model (TEXT="...", MODEL=..., ARGS=...)
	$(BIN)/python -m kernel.predict --model $(MODEL) $(ARGS) $(if $(TEXT),"$(TEXT)")

.PHONY: bench
bench: $(INSTALLED) ## Time training paths, write benchmarks/ (DATA=imdb.npz, ARGS=--accuracy)
	$(BIN)/python scripts/bench.py --data $(DATA) $(ARGS)

.PHONY: lint
lint: $(INSTALLED) ## Check style and formatting with ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

.PHONY: test
test: lint ## Lint, then run the tests
	$(BIN)/python -m pytest

.PHONY: format
format: $(INSTALLED) ## Rewrite the sources in ruff's format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

.PHONY: clean
clean: ## Remove the virtual environment and caches (outputs stay)
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

# The Kaggle kernel: one generated script, pushed with the kaggle CLI.

.PHONY: bundle
bundle: $(INSTALLED) ## Generate the kernel script from kernel/ (commit the result)
	$(BIN)/python scripts/bundle.py

.PHONY: validate
validate: $(INSTALLED) ## Check kernel-metadata.json as the kaggle CLI and Kaggle do
	$(BIN)/python scripts/kaggle_kernel.py validate

.PHONY: push
push: $(INSTALLED) ## Bundle, validate and push the kernel to your Kaggle account
	$(BIN)/python scripts/kaggle_kernel.py push

.PHONY: status
status: $(INSTALLED) ## Show the state of the kernel's latest run on Kaggle
	$(BIN)/python scripts/kaggle_kernel.py status

.PHONY: output
output: $(INSTALLED) ## Download the latest run's files and log into kaggle-output/
	$(BIN)/python scripts/kaggle_kernel.py output
