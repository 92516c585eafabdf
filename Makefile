# The two commands a user needs: `make run` and `make test`. Both create their own venv.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
DAGSTER_PORT ?= 3000

.PHONY: run test check-plan lint format setup browser postgres demo-data pipeline report dashboard dagster-ui benchmark clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

setup: $(VENV)/.installed

## Debian's chromium: the status report's charts (kaleido) and the browser tests use it.
browser:
	@bash scripts/install_browser.sh

## Debian's PostgreSQL: the tests run the Dagster instance's production profile on a throwaway cluster.
postgres:
	bash scripts/install_postgres.sh

## Generate the synthetic demo landing files as they stand on the pipeline's status day (AS_OF, else
## SBU_AS_OF, else today): each source up to its newest period out by then. Deterministic; a file
## whose bytes are already there is not rewritten.
demo-data: setup
	@$(PY) -m pipelines.demo $(if $(AS_OF),--as-of $(AS_OF))

## Materialize every asset once, in process, publish the snapshot, then the latest year's status report:
## a line per step on the terminal, every event in <data>/logs/pipeline.log. Skips the refresh and
## the report when nothing they are made from changed (FORCE=1 rebuilds).
## AS_OF=2026-11-30 judges the status on that day (default: today).
pipeline: setup browser
	@$(PY) -m pipelines.run $(if $(AS_OF),--as-of $(AS_OF)) $(if $(FORCE),--force)

## Årlig statusrapport as PDF in data/reports/ (YEAR=2019; default: the latest report year).
report: setup browser
	@$(PY) -m pipelines.run --report-year $(or $(YEAR),latest) $(if $(FORCE),--force)

## The dashboard listens on localhost (.streamlit/config.toml); ADDRESS=0.0.0.0 serves other machines.
dashboard: setup
	@echo "Dashboard: http://$(or $(ADDRESS),localhost):$(PORT)"
	@$(PY) -m streamlit run dashboards/app.py --server.port $(PORT) $(if $(ADDRESS),--server.address $(ADDRESS))

## The main job: demo data -> pipeline -> dashboard on localhost.
run: demo-data pipeline dashboard

## Dagster UI + daemon (asset graph, materialize, checks, schedules, sensors) against workspace.yaml.
## Its report sensor builds PDFs, so it needs chromium too.
dagster-ui: setup browser
	$(PY) -m pipelines.ui --port $(DAGSTER_PORT)

## Check a plan folder and print what is wrong with it (PLAN=catalogue/plans/<id>; default: the selected plan).
check-plan: setup
	$(PY) -m pipelines.plan $(PLAN)

## Lint and format check (ruff, configured in pyproject.toml); part of `make test`, so CI enforces it.
lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

## Apply ruff's fixes and formatting.
format: setup
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

## The suite on TEST_WORKERS pytest-xdist workers, a test file (or a group of files sharing a fixture,
## tests/conftest.py) per work unit, tests marked `slow` first. SCREENSHOTS=1 also saves full-page
## screenshots of the pages the browser tests visit to test-artifacts/screenshots/.
TEST_WORKERS ?= 2
test: setup browser postgres lint
	$(if $(filter 1,$(SCREENSHOTS)),SBU_TEST_SCREENSHOTS=1) $(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

## LOAD=0 skips the dashboard under load (scripts/loadtest.py).
benchmark: setup browser
	$(PY) scripts/benchmark.py $(if $(filter 0,$(LOAD)),--no-load)

clean:
	rm -rf data test-artifacts
