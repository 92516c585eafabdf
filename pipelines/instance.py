"""The Dagster instance the project's commands share (``<data_dir>/dagster_home``).

``make pipeline``, ``make dagster-ui`` and the sensor's runs all use this one instance, so a run
started from the command line shows up in the UI. Every asset that writes the DuckDB warehouse
is in the ``warehouse`` pool, and the pool is limited per run: a sensor run and a run launched
from the UI queue behind each other instead of failing on DuckDB's single-writer lock.

Two profiles, one file (``dagster.yaml``, rewritten from the settings whenever they change):

* **embedded** (default): runs, events and schedules in SQLite files under ``dagster_home``;
* **production**: the same on PostgreSQL when ``SBU_DAGSTER_POSTGRES_URL`` is set (the URL is read
  from the environment by each Dagster process and never written to disk; docs/deployment.md).

In both, Dagster's run monitoring (in the daemon) marks a run failed whose worker process died
(``kill -9``, a crash, a reboot): :class:`LocalRunLauncher` tells it whether the worker's process
is alive. Runs started in process by ``python -m pipelines.run`` are not watched by the daemon, so
:func:`fail_dead_runs` does the same for them when the next run starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import dagster as dg
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, WorkerStatus

from pipelines.settings import Settings, get_settings

WAREHOUSE_POOL = "warehouse"
# The run tag naming the process that executes a run in process (``pipelines.run``).
PID_TAG = "sbu/pid"
POSTGRES_URL_ENV = "SBU_DAGSTER_POSTGRES_URL"

_HEADER = """\
# Written by pipelines/instance.py from the settings; edits are overwritten.
telemetry:
  enabled: false
# DuckDB allows one writing process: runs that touch the warehouse pool wait for each other (run
# granularity) instead of failing on the file lock.
concurrency:
  pools:
    granularity: run
    default_limit: 1
# The daemon looks at the run queue every second (Dagster's default: 5 s), so a run launched from
# the UI, a schedule or a sensor starts as soon as the warehouse is free.
run_queue:
  dequeue_interval_seconds: 1
# The daemon marks runs failed whose worker process died (LocalRunLauncher checks the process).
run_launcher:
  module: pipelines.instance
  class: LocalRunLauncher
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  cancel_timeout_seconds: 180
  poll_interval_seconds: 10
  max_resume_run_attempts: 0  # a dead run is failed, not resumed; the next run converges
"""

_POSTGRES = f"""\
# Production profile: runs, events and schedules on PostgreSQL (the URL stays in the environment).
storage:
  postgres:
    postgres_url:
      env: {POSTGRES_URL_ENV}
"""


def sensor_interval_seconds(settings: Settings | None = None) -> int:
    """Seconds between two evaluations of each sensor by the daemon (``SBU_SENSOR_INTERVAL_SECONDS``):
    a property of the sensor definitions, so read when the code location loads."""
    return (settings or get_settings()).sensor_interval_seconds


def dagster_yaml(settings: Settings) -> str:
    """The instance configuration for these settings."""
    return _HEADER + (_POSTGRES if settings.dagster_postgres_url else "")


def ensure_dagster_home(settings: Settings | None = None) -> Path:
    """Set DAGSTER_HOME (unless set) to ``<data_dir>/dagster_home`` and write its dagster.yaml."""
    settings = settings or get_settings()
    home = Path(os.environ.setdefault("DAGSTER_HOME", str((settings.data_dir / "dagster_home").resolve())))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    text = dagster_yaml(settings)
    if not config.exists() or config.read_text(encoding="utf-8") != text:
        config.write_text(text, encoding="utf-8")
    return home


def in_process_tags() -> dict[str, str]:
    """Tags for a run executed in this process, so the next run can tell whether it died."""
    return {PID_TAG: str(os.getpid())}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _worker_pid(instance: dg.DagsterInstance, run: dg.DagsterRun) -> int | None:
    """The process executing ``run``: our tag, else the pid Dagster's run worker reports on start."""
    if PID_TAG in run.tags:
        return int(run.tags[PID_TAG])
    records = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT).records
    for record in reversed(records):
        event = record.event_log_entry.dagster_event
        metadata: Mapping = event.engine_event_data.metadata if event and event.engine_event_data else {}
        if "pid" in metadata:
            return int(metadata["pid"].value)
    return None


class LocalRunLauncher(DefaultRunLauncher):
    """Dagster's default launcher (a run worker process per run, on this machine) that can tell run
    monitoring whether a run's worker is still alive, so a killed run is marked failed instead of
    staying STARTED forever."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        pid = _worker_pid(self._instance, run)
        if pid is None:  # not reported yet: a run that never starts is failed by start_timeout_seconds
            return CheckRunHealthResult(WorkerStatus.RUNNING, "the run worker has not reported its process yet")
        if _alive(pid):
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(WorkerStatus.FAILED, f"the run worker process {pid} is gone (killed or crashed)")


def fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed every unfinished run whose process is gone; returns their run ids.

    What run monitoring does in the daemon, for when no daemon runs (``make pipeline``)."""
    dead = []
    statuses = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.CANCELING]
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=statuses)):
        pid = _worker_pid(instance, run)
        if pid is not None and pid != os.getpid() and not _alive(pid):
            instance.report_run_failed(run, f"The process that ran it ({pid}) is gone (killed or crashed).")
            dead.append(run.run_id)
    return dead
