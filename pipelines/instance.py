"""The Dagster instance the project's commands share (``<data_dir>/dagster_home``).

``make pipeline``, ``make dagster-ui`` and the sensor's runs all use this one instance, so a run
started from the command line shows up in the UI. Every asset that writes the DuckDB warehouse
is in the ``warehouse`` pool, and the pool is limited per run: a sensor run and a run launched
from the UI queue behind each other instead of failing on DuckDB's single-writer lock.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.settings import get_settings

WAREHOUSE_POOL = "warehouse"

DAGSTER_YAML = """\
# Written by pipelines/instance.py. DuckDB allows one writing process: runs that touch the
# warehouse pool wait for each other (run granularity) instead of failing on the file lock.
telemetry:
  enabled: false
concurrency:
  pools:
    granularity: run
    default_limit: 1
"""


def ensure_dagster_home() -> Path:
    """Set DAGSTER_HOME (unless set) to ``<data_dir>/dagster_home`` and write its dagster.yaml."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str((get_settings().data_dir / "dagster_home").resolve())))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return home
