"""The Dagster UI and daemon as a user runs them (``make dagster-ui``): the asset graph is there,
a run launched from the UI materializes everything with row counts, the landing sensor's own
run queues behind it on the warehouse pool instead of failing on DuckDB's lock, and the report
sensor then builds the latest report year's PDF as a partition of ``status_report``."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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
def dagster_ui(tmp_path: Path, demo_data_dir: Path):
    data = tmp_path / "data"
    shutil.copytree(demo_data_dir / "landing", data / "landing")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SBU_", "DAGSTER_"))}
    env["SBU_DATA_DIR"] = str(data)
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
                time.sleep(1)
        else:
            pytest.fail("the Dagster UI did not start: " + (tmp_path / "dagster.log").read_text()[-3000:])
        yield port, data
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def test_ui_shows_graph_and_runs_queue_on_the_warehouse(dagster_ui):
    from dagster_graphql import DagsterGraphQLClient

    port, data = dagster_ui
    nodes = _graphql(port, "{ assetNodes { assetKey { path } groupName } }")["assetNodes"]
    groups = {n["assetKey"]["path"][0]: n["groupName"] for n in nodes}
    assert groups["ungdata"] == "sources" and groups["scorecard"] == "metrics"
    assert groups["published_snapshot"] == "serving"

    client = DagsterGraphQLClient("127.0.0.1", port_number=port)
    run_id = client.submit_job_execution("refresh_all")
    deadline = time.monotonic() + 400
    while time.monotonic() < deadline:
        runs = _graphql(port, "{ runsOrError { ... on Runs { results { runId status tags { key value } } } } }")
        runs = runs["runsOrError"]["results"]
        if (
            runs
            and all(r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in runs)
            and any(r["runId"] == run_id for r in runs)
        ):
            break
        time.sleep(2)
    statuses = {r["runId"]: r["status"] for r in runs}
    assert statuses[run_id] == "SUCCESS", statuses
    sensor_runs = [r for r in runs if {"key": "dagster/sensor_name", "value": "landing_files"} in r["tags"]]
    assert all(r["status"] == "SUCCESS" for r in sensor_runs)  # no "Could not set lock" failures

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

    # The daemon's report sensor saw the new snapshot and built the 2024 report (the demo data's
    # latest report year) as that partition of status_report.
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
        time.sleep(2)
    done = [r for r in runs if r["status"] == "SUCCESS"]
    assert done, runs
    assert {"key": "dagster/partition", "value": "2024"} in done[0]["tags"]
    assert (data / "reports" / "statusrapport_2024.pdf").stat().st_size > 0
