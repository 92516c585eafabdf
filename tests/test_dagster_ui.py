"""The Dagster UI and daemon as a user runs them (``make dagster-ui``), in the production profile
(the Dagster instance on a real PostgreSQL server, tests/postgres.py): the asset graph is there,
a run launched from the UI materializes everything with row counts while the landing sensor's
own run (the demo files are new to the sensor) holds the warehouse: they queue on the warehouse
pool instead of failing on DuckDB's lock (the nightly schedule submits the same job; its cron and
job are in tests/test_defs.py), the report sensor then builds the latest report year's PDF as a partition of
``status_report``, and a run whose worker is killed is marked failed."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from tests.postgres import local_postgres

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        body = json.loads(resp.read())
    assert "errors" not in body, body
    return body["data"]


@pytest.fixture
def dagster_ui(tmp_path: Path, loaded_data_dir: Path):
    with local_postgres() as url:
        yield from _serve_ui(tmp_path, loaded_data_dir, url)


def _serve_ui(tmp_path: Path, data: Path, postgres_url: str):
    """``make dagster-ui`` on the data folder ``data`` (demo files loaded, nothing published)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SBU_", "DAGSTER_"))}
    env["SBU_DATA_DIR"] = str(data)
    env["SBU_DAGSTER_POSTGRES_URL"] = postgres_url
    env["SBU_SENSOR_INTERVAL_SECONDS"] = "2"  # the sensors look every 2 s instead of 30: a shorter wait
    log = open(tmp_path / "dagster.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.ui", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5)
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "dagster.log").read_text()
                time.sleep(0.25)
        else:
            pytest.fail("the Dagster UI did not start: " + (tmp_path / "dagster.log").read_text()[-3000:])
        assert "postgres:" in (data / "dagster_home" / "dagster.yaml").read_text()  # the production profile
        yield port, data
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _wait_for_runs(port: int, run_ids: set[str], timeout: float) -> list[dict]:
    """Every run once all of them have finished and ``run_ids`` are among them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = _graphql(port, "{ runsOrError { ... on Runs { results { runId status tags { key value } } } } }")
        runs = runs["runsOrError"]["results"]
        if run_ids <= {r["runId"] for r in runs} and all(r["status"] in _FINISHED for r in runs):
            return runs
        time.sleep(0.5)
    pytest.fail(f"runs did not finish in {timeout} s: {runs}")


_FINISHED = ("SUCCESS", "FAILURE", "CANCELED")


def _run_events(port: int, run_id: str) -> list[dict]:
    return _graphql(
        port,
        f"""{{ logsForRun(runId: "{run_id}") {{ ... on EventConnection {{ events {{
            __typename ... on MessageEvent {{ message }}
            ... on EngineEvent {{ metadataEntries {{ label ... on TextMetadataEntry {{ text }} }} }} }} }} }} }}""",
    )["logsForRun"]["events"]


def test_ui_shows_graph_and_runs_queue_on_the_warehouse(dagster_ui):
    from dagster_graphql import DagsterGraphQLClient

    port, data = dagster_ui
    nodes = _graphql(port, "{ assetNodes { assetKey { path } groupName } }")["assetNodes"]
    groups = {n["assetKey"]["path"][0]: n["groupName"] for n in nodes}
    assert groups["ungdata"] == "sources" and groups["scorecard"] == "metrics"
    assert groups["published_snapshot"] == "serving"
    # Both sensors look as often as the settings say (SBU_SENSOR_INTERVAL_SECONDS above).
    sensors = _graphql(
        port,
        """{ sensorsOrError(repositorySelector: {repositoryName: "__repository__",
            repositoryLocationName: "sbu"}) { ... on Sensors { results { name minIntervalSeconds } } } }""",
    )["sensorsOrError"]["results"]
    assert {s["name"]: s["minIntervalSeconds"] for s in sensors} == {"landing_files": 2, "report_after_publish": 2}

    client = DagsterGraphQLClient("127.0.0.1", port_number=port)
    # Launched while the landing sensor's run (the demo files are new to the sensor) holds the warehouse.
    run_id = client.submit_job_execution("refresh_all")
    runs = _wait_for_runs(port, {run_id}, timeout=600)
    statuses = {r["runId"]: r["status"] for r in runs}
    assert statuses[run_id] == "SUCCESS", statuses
    sensor_runs = [r for r in runs if {"key": "dagster/sensor_name", "value": "landing_files"} in r["tags"]]
    assert sensor_runs and all(r["status"] == "SUCCESS" for r in sensor_runs)  # no "Could not set lock" failures

    meta = _graphql(
        port,
        """{ assetNodes(assetKeys: [{path: ["scorecard"]}, {path: ["ungdata"]}]) {
        assetKey { path } assetMaterializations(limit: 1) { runId metadataEntries {
            label ... on IntMetadataEntry { intValue } } } } }""",
    )["assetNodes"]
    rows = {
        n["assetKey"]["path"][0]: {
            e["label"]: e.get("intValue") for e in n["assetMaterializations"][0]["metadataEntries"]
        }
        for n in meta
    }
    assert rows["scorecard"]["rows"] > 1000
    assert rows["ungdata"]["rows_ungdata"] > 100
    assert (data / "published" / "sbu.duckdb").exists()

    # The daemon's report sensor saw the new snapshot and built the report of its latest report
    # year as that partition of status_report.
    con = duckdb.connect(str(data / "published" / "sbu.duckdb"), read_only=True)
    (latest,) = con.execute("SELECT max(report_year) FROM scorecard").fetchone()
    con.close()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        runs = _graphql(
            port,
            """{ runsOrError(filter: {tags: [{key: "dagster/sensor_name", value: "report_after_publish"}]})
            { ... on Runs { results { runId status tags { key value } } } } }""",
        )["runsOrError"]["results"]
        if any(r["status"] == "SUCCESS" for r in runs):
            break
        assert not any(r["status"] == "FAILURE" for r in runs), runs
        time.sleep(0.5)
    done = [r for r in runs if r["status"] == "SUCCESS"]
    assert done, runs
    assert {"key": "dagster/partition", "value": str(latest)} in done[0]["tags"]
    assert (data / "reports" / f"statusrapport_{latest}.pdf").stat().st_size > 0

    # A run whose worker process is killed (kill -9) does not stay STARTED: it is marked failed
    # (by the code server that started it; were that gone too, by run monitoring in the daemon,
    # tests/test_run_recovery.py).
    killed_id = client.submit_job_execution("refresh_all")
    deadline = time.monotonic() + 120
    pid = None
    while pid is None and time.monotonic() < deadline:
        for event in _run_events(port, killed_id):
            for entry in event.get("metadataEntries") or []:
                if entry["label"] == "pid":
                    pid = int(entry["text"])
        time.sleep(0.25)
    assert pid, "the run worker never reported its process"
    os.kill(pid, signal.SIGKILL)
    runs = _wait_for_runs(port, {killed_id}, timeout=120)
    assert {r["runId"]: r["status"] for r in runs}[killed_id] == "FAILURE"
