# The two commands a user needs: `make run` and `make test`. Both create their own venv.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
DAGSTER_PORT ?= 3000

.PHONY: run test setup demo-data pipeline dashboard dagster-ui sensor-daemon benchmark clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

setup: $(VENV)/.installed

## Generate the synthetic demo landing files (deterministic, fixed seed).
demo-data: setup
	$(PY) -m pipelines.demo

## Materialize every asset once, in process, and publish the snapshot.
pipeline: setup
	$(PY) -m pipelines.run

dashboard: setup
	@echo "Dashboard: http://localhost:$(PORT)"
	$(PY) -m streamlit run dashboards/app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false --client.toolbarMode viewer

## The main job: demo data -> pipeline -> dashboard on localhost.
run: demo-data pipeline dashboard

## Dagster UI + daemon (asset graph, materialize, checks, schedules, sensors) against workspace.yaml.
dagster-ui: setup
	$(PY) -m pipelines.ui --port $(DAGSTER_PORT)

test: setup
	bash scripts/install_browser.sh
	$(PY) -m pytest

benchmark: setup
	$(PY) scripts/benchmark.py

clean:
	rm -rf data test-artifacts
