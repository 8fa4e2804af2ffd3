# growthkit: every target bootstraps .venv from the pinned requirements.lock on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= reports

.DEFAULT_GOAL := help
.PHONY: help setup test reports lab bench catalogs lock clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z]+:.*## / {printf "  make %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP) ## Create .venv with the pinned dependencies (idempotent)

test: $(STAMP) ## Lint with ruff, then run the whole pytest suite (notebooks included)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$rc

reports: $(STAMP) ## Run every notebook on its built-in data into reports/ (English) and reports/ar/ (Arabic)
	$(BIN)/growthkit run --all --out $(OUT)
	$(BIN)/growthkit run --all -p language ar --out $(OUT)/ar

# Jupyter refuses to start as root (containers, many cloud notebooks) without --allow-root.
lab: $(STAMP) ## Open JupyterLab on notebooks/
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

catalogs: $(STAMP) ## Extract report messages into growthkit/locale, merge into each language, compile
	$(BIN)/python -m growthkit.i18n.catalogs

bench: $(STAMP) ## Benchmark RFM, cohorts, MRR and the CLV CLI against pandas, Polars, DuckDB SQL (best.py); CLV vs lifetimes; Spark
	$(BIN)/python benchmarks/best.py $(BEST)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/cohorts.py
	$(BIN)/python benchmarks/subscriptions.py
	$(BIN)/python benchmarks/spark.py

lock: ## Re-pin requirements.lock from a fresh resolve of pyproject.toml
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/python -m pip install --quiet -e '.[dev]'
	{ echo "# Pinned versions of every package growthkit installs (pip freeze, Python 3.11)."; \
	  echo "# Regenerate with \`make lock\` after changing dependencies in pyproject.toml."; \
	  .lockenv/bin/python -m pip freeze --exclude-editable; } > requirements.lock
	rm -rf .lockenv

clean: ## Remove .venv and generated reports
	rm -rf $(VENV) $(OUT)/*.html $(OUT)/*.json $(OUT)/*.csv $(OUT)/ar
