"""Fetching from FHI Statistikk's Open API against a local server (pytest-httpserver), never the
internet: the query sent, the flags from their separate endpoint, the landing and loading through
the Ungdata contract (``ungdata_reference``), and a failure that fails the step with FHI's message
while the last good file stays.

The server serves a response recorded in FHI's real JSON-stat 2 shape (tests/fixtures/fetch/fhi/:
``role`` null, ``status`` as a string, periods as ``2019_2021``, a ``MEASURE_TYPE`` dimension) and
the flag endpoint's answer. The table below is the test's own (``catalogue/public_tables.yaml``
ships no FHI table until its id is looked up), built into a fetch asset the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from pytest_httpserver import HTTPServer

from pipelines.defs.fetch.assets import FetchHooks, build_fetch_asset, off_message
from pipelines.defs.resources import SbuSettings
from pipelines.fetch.landing import SIDECAR_DIR
from pipelines.fetch.tables import PublicTable
from pipelines.ingest.landing import ingest_source
from pipelines.settings import NORWAY, get_settings
from tests.conftest import use_data_dir

FIXTURES = Path(__file__).parent / "fixtures" / "fetch" / "fhi"
DATA = (FIXTURES / "kommunehelsa_data.json").read_bytes()
FLAGS = (FIXTURES / "kommunehelsa_flag.json").read_bytes()
TABLE = PublicTable.model_validate(
    {
        "service": "fhi",
        "fhi_source": "nokkel",
        "table": "900",
        "source": "ungdata",
        "file": "fhi_trives_10_klasse",
        "title": "Trives på skolen, 10. klasse (UNGDATA) (K)",
        "format": "json-stat2",
        "region": {"variable": "GEO", "national": "0"},
        "time": "AAR",
        "select": {"KJONN": ["0"], "MEASURE_TYPE": ["TELLER", "MEIS"]},
        "publication": "30 8 1 4 *",
    }
)
DATA_PATH = "/api/open/v1/nokkel/Table/900/data"
FLAG_PATH = "/api/open/v1/nokkel/Table/900/flag"
# 06:30 in Oslo: inside SSB's revision window, which does not concern FHI
EARLY = dt.datetime(2026, 3, 15, 6, 30, tzinfo=NORWAY)
ASSET = build_fetch_asset(TABLE)


@pytest.fixture
def fhi_env(tmp_path, httpserver: HTTPServer, monkeypatch):
    use_data_dir(tmp_path / "data", SBU_FHI_BASE_URL=httpserver.url_for("/api/open/v1"))
    monkeypatch.setattr(FetchHooks, "now", staticmethod(lambda: EARLY))
    monkeypatch.setattr(FetchHooks, "sleep", lambda seconds: None)
    yield tmp_path / "data"
    use_data_dir(tmp_path / "unused")


def materialize() -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [ASSET], resources={"settings": SbuSettings()}, instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )


def load_ungdata() -> list[tuple]:
    settings = get_settings()
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        ingest_source(con, "ungdata", settings.landing_dir, settings.quarantine_dir)
        return con.execute(
            "SELECT region_code, municipality, period, period_start, year, measure, value, _source_file "
            "FROM raw.ungdata_reference ORDER BY ALL"
        ).fetchall()


def test_fhi_asset_posts_the_query_reads_the_flags_and_lands_a_file_the_contract_loads(fhi_env, httpserver):
    httpserver.expect_request(DATA_PATH, method="POST").respond_with_data(DATA, content_type="application/json")
    httpserver.expect_request(FLAG_PATH, method="GET").respond_with_data(FLAGS, content_type="application/json")
    result = materialize()
    assert result.success

    (data_request, _), (flag_request, _) = httpserver.log
    assert data_request.method == "POST" and flag_request.method == "GET"
    body = json.loads(data_request.get_data())
    # Bærum's plan: Bærum, Hele landet ("0"), the nine other ASSS members and Asker, by today's
    # codes (FHI publishes on today's borders); no KOSTRA group (FHI has none); every period
    assert body == {
        "dimensions": [
            {
                "code": "GEO",
                "filter": "item",
                "values": ["3201", "0", "0301", "1103", "1108", "3107", "3301", "4204", "4601", "5001", "5501", "3203"],
            },
            {"code": "KJONN", "filter": "item", "values": ["0"]},
            {"code": "MEASURE_TYPE", "filter": "item", "values": ["TELLER", "MEIS"]},
            {"code": "AAR", "filter": "all", "values": ["*"]},
        ],
        "response": {"format": "json-stat2"},
    }

    folder = fhi_env / "landing" / "ungdata"
    assert (folder / "fhi_trives_10_klasse.json").read_bytes() == DATA
    sidecar = json.loads((folder / SIDECAR_DIR / "fhi_trives_10_klasse.json.json").read_text(encoding="utf-8"))
    assert sidecar["method"] == "POST" and sidecar["url"].endswith(DATA_PATH) and sidecar["body"] == body
    assert sidecar["sha256"] == hashlib.sha256(DATA).hexdigest() and sidecar["http_status"] == 200
    assert sidecar["flags"] == json.loads(FLAGS)  # what ":" means, for whoever reads the file later

    rows = load_ungdata()
    assert len(rows) == 8
    # the recorded response: Bærum 2022-2024 86.9 % (MEIS), Hele landet 2019-2021 112 340 (TELLER)
    assert ("3201", "baerum", "2022_2024", 2022, 2024, "MEIS", 86.9, "fhi_trives_10_klasse.json") in rows
    assert ("0", "norge", "2019_2021", 2019, 2021, "TELLER", 112340.0, "fhi_trives_10_klasse.json") in rows


def test_fhi_down_fails_the_step_with_fhis_message_and_the_last_good_file_stays(fhi_env, httpserver):
    httpserver.expect_request(DATA_PATH).respond_with_data(DATA, content_type="application/json")
    httpserver.expect_request(FLAG_PATH).respond_with_data(FLAGS, content_type="application/json")
    assert materialize().success
    good = (fhi_env / "landing" / "ungdata" / "fhi_trives_10_klasse.json").read_bytes()

    httpserver.clear()
    httpserver.expect_request(DATA_PATH).respond_with_data(DATA, content_type="application/json")
    httpserver.expect_request(FLAG_PATH).respond_with_data(
        "<!DOCTYPE html><html><body>Vedlikehold</body></html>", content_type="text/html"
    )
    result = materialize()
    assert not result.success
    (failure,) = [e.step_failure_data for e in result.all_events if e.is_step_failure]
    assert failure.user_failure_data.description.startswith("FHI 900: ")
    assert failure.user_failure_data.metadata["error_code"].value == "invalid_response"
    assert (fhi_env / "landing" / "ungdata" / "fhi_trives_10_klasse.json").read_bytes() == good

    httpserver.clear()
    httpserver.expect_request(DATA_PATH).respond_with_data("Service Unavailable", status=503)
    result = materialize()
    assert not result.success
    (failure,) = [e.step_failure_data for e in result.all_events if e.is_step_failure]
    assert failure.user_failure_data.metadata["error_code"].value == "unavailable"
    assert "SSB" not in failure.user_failure_data.description  # SSB's maintenance hours are not FHI's
    assert len([r for r, _ in httpserver.log if r.path == DATA_PATH]) == 4  # retried, then gave up
    assert (fhi_env / "landing" / "ungdata" / "fhi_trives_10_klasse.json").read_bytes() == good


def test_fhi_fetching_is_off_without_its_base_url(tmp_path):
    use_data_dir(tmp_path / "data", SBU_SSB_BASE_URL="http://127.0.0.1:9/api/pxwebapi/v2")
    try:
        result = materialize()
        assert result.success
        (observation,) = result.asset_observations_for_node(TABLE.asset_name)
        assert observation.metadata["message"].value == off_message("fhi")
        assert "SBU_FHI_BASE_URL" in off_message("fhi")
        assert not (tmp_path / "data" / "landing").exists()
    finally:
        use_data_dir(tmp_path / "unused")
