# The front door. `make` (or `make help`) lists every target.
# Variables pass through to every step, e.g. `make score DATA_DIR=../shared/data AS_OF=2023-11-18`.

PYTHON    ?= python3.11
VENV      ?= .venv
BIN       := $(VENV)/bin
DATA_DIR  ?= data/raw
WAREHOUSE ?= data/warehouse.duckdb
SPARK_WAREHOUSE ?= data/spark-warehouse
AS_OF     ?=
SCALE     ?= 0.1
PARQUET_DIR ?= data/parquet
SEED      ?= 42
FAIL_ON   ?=
FAIL_ON_HEALTH ?=
comma := ,
TARGET    ?= duckdb
# make campaign: the task, one selection rule (SIZE, BUDGET, MIN_EXPECTED_VALUE or RECALL) and the control share
TASK      ?=
SIZE      ?=
BUDGET    ?=
MIN_EXPECTED_VALUE ?=
RECALL    ?=
CONTROL_SHARE ?= 0.1

# Generated data goes to data/raw only; an explicit DATA_DIR is the user's and is never written to.
GENERATED_DIR := data/raw
ifeq ($(origin DATA_DIR),file)
  AUTO_DATA := yes
endif

export DATA_DIR WAREHOUSE SPARK_WAREHOUSE AS_OF TARGET FAIL_ON_HEALTH
SCORING := $(BIN)/scoring

.DEFAULT_GOAL := help
.PHONY: help setup data profile parquet build-features refresh-features score monitor campaign campaign-results docs test test-fast lint bench clean

help: ## List the targets with what they do.
	@echo "Usage: make <target> [DATA_DIR=...] [WAREHOUSE=...] [SPARK_WAREHOUSE=...] [AS_OF=YYYY-MM-DD] [SCALE=...] [SEED=...] [TARGET=duckdb|spark] [FAIL_ON_HEALTH=1] [FAIL_ON=drift,health,performance]"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[1m%-15s\033[0m %s\n", $$1, $$2}'

setup: $(VENV)/.installed ## Create .venv and install the project with its dev tools (runs once, again when pyproject.toml changes).

# uv installs the same packages as pip in well under half the time (parallel downloads and unpacking); pip
# installs uv itself into the venv first. uv reads UV_* settings, not pip's: behind a private package index,
# set UV_DEFAULT_INDEX as you would PIP_INDEX_URL (docs/performance.md: Set-up).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check 'uv>=0.9,<2'
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev,spark]'
	@touch $@

data: setup ## Generate both data sets (apparel, one-click) into data/raw at SCALE with SEED.
	$(SCORING) generate apparel --scale $(SCALE) --seed $(SEED) --out $(GENERATED_DIR)/apparel
	$(SCORING) generate one-click --seed $(SEED) --out $(GENERATED_DIR)/one_click

profile: setup ## Print the generated apparel statistics next to the real ones (DATA_DIR/apparel).
	$(SCORING) profile apparel --data $(DATA_DIR)/apparel

parquet: setup $(if $(AUTO_DATA),$(GENERATED_DIR)/.generated) ## Convert the raw CSVs of DATA_DIR to Parquet in PARQUET_DIR; then build from it with DATA_DIR=<that folder>.
	$(SCORING) convert --out $(PARQUET_DIR)

build-features: setup $(if $(AUTO_DATA),$(GENERATED_DIR)/.generated) ## Check the raw files, then build and test the feature marts with dbt (TARGET=duckdb or spark) for every task with files under DATA_DIR.
	$(SCORING) build-features

refresh-features: setup ## After a build: apply the new day folders (DATA_DIR/apparel/days/YYYY-MM-DD/) and move the latest cutoff to the newest day; DuckDB only.
	$(SCORING) refresh

score: build-features ## Train, validate, score and explain every task (TASK= for one); writes scoring.* tables and an HTML report.
	$(SCORING) score $(if $(TASK),--task $(TASK))

monitor: setup ## Summarise drift, realised performance and data health, write data/reports/monitoring.html; FAIL_ON=drift,health,performance exits non-zero on those.
	$(SCORING) monitor $(foreach check,$(subst $(comma), ,$(FAIL_ON)),--fail-on $(check))

campaign: setup ## Contact list from the champion's latest scores: TASK=<task> and SIZE=, BUDGET=, MIN_EXPECTED_VALUE= or RECALL= (CONTROL_SHARE=0.1).
	@test -n "$(TASK)" || { echo "Name the task: make campaign TASK=activity_decline SIZE=200 (or TASK=purchase_90d)"; exit 2; }
	$(SCORING) campaign --task $(TASK) --control-share $(CONTROL_SHARE) \
		$(if $(SIZE),--size $(SIZE)) $(if $(BUDGET),--budget $(BUDGET)) \
		$(if $(MIN_EXPECTED_VALUE),--min-expected-value $(MIN_EXPECTED_VALUE)) $(if $(RECALL),--target-recall $(RECALL))

campaign-results: setup ## Measure the campaigns whose outcome window has closed: treatment vs control, uplift (TASK= to pick one).
	$(SCORING) campaign-results $(if $(TASK),--task $(TASK))

# A fresh clone has no data: generate it once, at a scale that keeps the first run short.
$(GENERATED_DIR)/.generated:
	$(MAKE) --no-print-directory data
	@touch $@

docs: build-features ## Generate the dbt docs, save them as data/reports/dbt-docs.html, serve them on localhost:8080.
	$(SCORING) docs --serve

# Two pytest-xdist workers, each given one test module at a time (so a module's fixtures are made once; the
# Spark tests are one module, as they share one Spark build), in the order tests/conftest.py gives: the Spark
# module, then the modules with slow tests (--no-loadscope-reorder keeps it). TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2
PYTEST_WORKERS = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder)

test: setup ## Run the whole test suite, slow tests included (what CI runs; 11-13 minutes on a slow 2-core machine: docs/performance.md).
	$(BIN)/pytest $(PYTEST_WORKERS)

# The fast loop leaves out the tests marked `slow` (pyproject.toml: markers); the slowest ten it ran are listed,
# so a test that should be marked shows up there.
test-fast: setup ## Run the tests not marked slow: unit tests and the dbt tests of one small shared build (about 2 minutes on 2 cores).
	$(BIN)/pytest $(PYTEST_WORKERS) -m "not slow" --durations=10

lint: setup ## Lint and format-check Python (ruff) and SQL (sqlfluff).
	$(BIN)/ruff check scoring tests benchmarks
	$(BIN)/ruff format --check scoring tests benchmarks
	@# dbt compiles the models for the linter; a scratch warehouse keeps it off the real (maybe locked) one.
	WAREHOUSE=$$(mktemp -d)/lint.duckdb $(BIN)/sqlfluff lint dbt_project/models --processes 2

# The benchmark's scales: 0.1, 1 and 3 by default; `make bench SCALE=10` runs just the scale asked for.
BENCH_SCALES ?= $(if $(filter command line,$(origin SCALE)),$(SCALE),0.1,1,3)

bench: setup ## Time and measure every stage at scales 0.1, 1 and 3 into data/reports/bench.md (SCALE=...: that scale's rows only, the others kept).
	$(BIN)/python -m benchmarks --scales $(BENCH_SCALES) $(if $(filter command line,$(origin SCALE)),--merge)

clean: ## Remove the warehouse, generated data, reports, dbt output and the virtualenv.
	rm -rf data/raw data/parquet data/warehouse.duckdb* data/.warehouse.duckdb.building data/spark-warehouse* data/models data/reports data/campaigns dbt_project/target dbt_project/logs $(VENV)
