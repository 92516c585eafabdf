"""Killed runs leave nothing behind that a person has to clean up.

``python -m pipelines.run`` (what ``make pipeline`` runs) is killed with SIGKILL at five moments:
while a source is loaded, while the metrics are computed, while the scorecard is written, while
the snapshot is published and while the report is built. The next run marks the dead runs failed
in the Dagster instance, finishes, and publishes exactly what a run that was never interrupted
publishes (content hashes of every published table). A run whose worker died under the Dagster
daemon is marked failed by run monitoring, which asks :class:`pipelines.instance.LocalRunLauncher`.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.instance import PID_TAG, LocalRunLauncher, fail_dead_runs
from pipelines.settings import REPO_ROOT
from tests.conftest import AS_OF

# Where the run is killed: the step whose start is the signal (all of the refresh, then the report).
KILL_AT = ["ungdata", "metric_values", "scorecard", "published_snapshot", "status_report"]


def content_hashes(snapshot: Path) -> dict[str, str]:
    """Per published table, a hash of its sorted rows without the columns that name a moment or a
    run (``*_at``, ``run_id``): equal hashes mean equal content."""
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        hashes = {}
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall():
            columns = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY column_name",
                    [table],
                ).fetchall()
                if not c.endswith("_at") and c != "run_id"
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'SELECT {listed} FROM "{table}" ORDER BY ALL').fetchall()
            hashes[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return hashes
    finally:
        con.close()


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SBU_", "DAGSTER_"))}
    env["SBU_DATA_DIR"] = str(data)
    return env


def _step_starts(home: Path, step: str) -> int:
    """How many times ``step`` has started in the instance at ``home``, read from its SQLite event
    logs read-only (opening the instance itself would race the run's own set-up of its storage)."""
    count = 0
    for db in (home / "history" / "runs").glob("*-*.db"):  # one per run (not index.db)
        try:
            with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
                query = "SELECT count(*) FROM event_logs WHERE dagster_event_type = 'STEP_START' AND step_key = ?"
                count += con.execute(query, [step]).fetchone()[0]
        except sqlite3.OperationalError:  # created but not set up yet
            continue
    return count


def _kill_at(data: Path, step: str) -> None:
    """Start ``python -m pipelines.run`` and SIGKILL it as soon as ``step`` has started."""
    home = data / "dagster_home"
    before = _step_starts(home, step)
    log_path = data / f"killed_at_{step}.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.run", "--as-of", AS_OF.isoformat()],
        cwd=REPO_ROOT,
        env=_env(data),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None and _step_starts(home, step) == before:
        time.sleep(0.2)
    assert proc.poll() is None, f"the run ended before {step} could be interrupted:\n" + log_path.read_text()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    log.close()


@pytest.mark.slow
def test_kill_at_five_moments_then_rerun_converges(tmp_path: Path, demo_data_dir: Path, published_snapshot: Path):
    clean = content_hashes(published_snapshot)
    data = tmp_path / "data"
    shutil.copytree(demo_data_dir / "landing", data / "landing")
    for step in KILL_AT:
        _kill_at(data, step)
    home = str(data / "dagster_home")
    with dg.DagsterInstance.from_config(home) as instance:
        started = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
        # Each run marked the one killed before it failed; the last killed run waits for the rerun.
        # (The last kill hits the report run, after that invocation's refresh run succeeded.)
        unfinished = [r for r in instance.get_runs() if r.status != dg.DagsterRunStatus.SUCCESS]
        # A quick step (the snapshot's 0.2 s) can finish before the signal lands, and a run whose
        # inputs were already published skips the refresh: at most one killed run per moment.
        assert len(started) == 1 and 1 <= len(unfinished) <= len(KILL_AT)

    rerun = subprocess.run(
        [sys.executable, "-m", "pipelines.run", "--as-of", AS_OF.isoformat()],
        cwd=REPO_ROOT,
        env=_env(data),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"Marked run {started[0].run_id} failed" in rerun.stdout
    with dg.DagsterInstance.from_config(home) as instance:
        assert not instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
        failed = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))
        assert {r.run_id for r in failed} == {r.run_id for r in unfinished}
        for run in failed:
            messages = " ".join(e.message for e in instance.all_logs(run.run_id))
            assert f"The process that ran it ({run.tags[PID_TAG]}) is gone" in messages
    assert content_hashes(data / "published" / "sbu.duckdb") == clean
    leftovers = [p.name for folder in ("published", "reports") for p in (data / folder).glob(".*tmp*")]
    assert not leftovers  # half-written snapshots and report folders of the killed runs are gone
    clean_reports = {p.name for p in (published_snapshot.parent.parent / "reports").glob("*.pdf")}
    assert clean_reports and {p.name for p in (data / "reports").glob("*.pdf")} == clean_reports


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.mark.parametrize(("pid", "status"), [("dead", "FAILURE"), ("alive", "STARTED")])
def test_run_monitoring_fails_a_run_whose_worker_is_gone(pid: str, status: str):
    """Dagster's run monitoring (the daemon's own check, called here as the daemon calls it) marks a
    STARTED run failed when LocalRunLauncher finds its worker process gone, and leaves a live one."""
    from dagster._core.storage.dagster_run import DagsterRun
    from dagster._core.utils import make_new_run_id
    from dagster._daemon.monitoring.run_monitoring import monitor_started_run

    worker = _dead_pid() if pid == "dead" else os.getpid()
    overrides = {
        "run_launcher": {"module": "pipelines.instance", "class": "LocalRunLauncher"},
        "run_monitoring": {"enabled": True, "max_resume_run_attempts": 0},
    }
    with dg.instance_for_test(overrides=overrides) as instance:
        assert isinstance(instance.run_launcher, LocalRunLauncher)
        run_id = make_new_run_id()
        instance.add_run(
            DagsterRun(
                job_name="refresh_all", run_id=run_id, status=dg.DagsterRunStatus.STARTED, tags={PID_TAG: str(worker)}
            )
        )
        monitor_started_run(instance, None, instance.get_run_record_by_id(run_id), logging.getLogger("test"))
        assert instance.get_run_by_id(run_id).status.value == status
        if status == "FAILURE":
            assert f"process {worker} is gone" in " ".join(e.message for e in instance.all_logs(run_id))


def test_fail_dead_runs_leaves_live_runs():
    from dagster._core.storage.dagster_run import DagsterRun
    from dagster._core.utils import make_new_run_id

    with dg.instance_for_test() as instance:
        dead, live = make_new_run_id(), make_new_run_id()
        for run_id, pid in ((dead, _dead_pid()), (live, os.getppid())):
            instance.add_run(
                DagsterRun(
                    job_name="refresh_all", run_id=run_id, status=dg.DagsterRunStatus.STARTED, tags={PID_TAG: str(pid)}
                )
            )
        assert fail_dead_runs(instance) == [dead]
        assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(live).status == dg.DagsterRunStatus.STARTED
