"""Fetching from SSB's PxWebApi v2 against a local server (pytest-httpserver), never the internet.

The queries each request sends, the rate limit, every failure, and the fetch assets in Dagster: a
fetched file lands and loads through the source's contract; after every kind of failure the last
good landing file and the loaded data are untouched, and the run fails with what went wrong in
Norwegian as the step failure's description (not an exception's text).

The server serves small hand-written responses in SSB's real shapes (tests/fixtures/fetch/ssb/).
Clocks and sleeps are injected: nothing here waits.
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

from pipelines.defs.fetch.assets import FETCH_ASSETS, OFF_MESSAGE, FetchHooks, run_fetch
from pipelines.defs.resources import SbuSettings, pipeline_resources
from pipelines.fetch.http import FetchError, HttpClient, RateLimiter, parse_retry_after
from pipelines.fetch.landing import SIDECAR_DIR
from pipelines.fetch.ssb import MAX_URL_LENGTH, build_request, fetch_parts, in_revision_window
from pipelines.fetch.tables import PublicTable, fetch_region_codes, load_tables, region_values
from pipelines.ingest.landing import ingest_source
from pipelines.settings import NORWAY, get_settings
from tests.conftest import use_data_dir

FIXTURES = Path(__file__).parent / "fixtures" / "fetch" / "ssb"
GOOD = (FIXTURES / "07459_K-3201.json").read_bytes()
DOTS = (FIXTURES / "07459_revision_dots.json").read_bytes()
CSV = (FIXTURES / "12870_meldinger.csv").read_bytes()
DATA_PATH = "/api/pxwebapi/v2/tables/07459/data"
# 10:00 in Oslo on a KOSTRA publication day: outside the revision window.
DAYTIME = dt.datetime(2026, 3, 15, 10, 0, tzinfo=NORWAY)


def table(table_id: str) -> PublicTable:
    return next(t for t in load_tables() if t.table == table_id)


class FakeTime:
    """A monotonic clock that only moves when something sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def client(fake_time):
    limiter = RateLimiter(clock=fake_time.clock, sleep=fake_time.sleep)
    with HttpClient(limiter=limiter, sleep=fake_time.sleep) as c:
        yield c


def base(httpserver: HTTPServer) -> str:
    return httpserver.url_for("/api/pxwebapi/v2")


def population_queries(regions=("K-3201",), max_cells=800_000):
    return table("07459").queries(list(regions), 2014, 2026, max_cells=max_cells)


# --- the queries ---------------------------------------------------------------------------------


# Bærum's plan.yaml: Hele landet (on by default), KOSTRA group 13, the ASSS network and Asker (3203)
# as a named peer. catalogue/comparators/asss.yaml lists ten members by today's code, Bærum (3201)
# among them, which is asked for once. catalogue/region_codes.csv knows Bærum's and Asker's earlier
# codes (0219/3024, 0220/3025), not the other members', so those are asked for by today's code only.
ASSS_OTHERS = ["0301", "1103", "1108", "3107", "3301", "4204", "4601", "5001", "5501"]


def test_population_query_asks_for_the_municipality_and_its_comparators(httpserver, client):
    httpserver.expect_request(DATA_PATH, method="GET").respond_with_data(GOOD, content_type="application/json")
    regions = region_values(table("07459"), fetch_region_codes())
    # 07459 sums each series under today's code (agg_KommSummer); Hele landet is "0"; the population
    # table carries no KOSTRA groups, so EKG13 is not asked for (SSB would refuse an unknown code)
    expected = ["K-3201", "0", *(f"K-{c}" for c in ASSS_OTHERS), "K-3203"]
    assert regions == expected
    parts = fetch_parts(client, base(httpserver), population_queries(regions), now=DAYTIME)
    ((request, _),) = httpserver.log
    args = request.args
    assert request.method == "GET"
    assert args["lang"] == "no" and args["outputFormat"] == "json-stat2"
    assert args["valueCodes[Region]"].split(",") == expected
    assert args["codelist[Region]"] == "agg_KommSummer"
    assert args["outputValues[Region]"] == "aggregated"
    assert args["valueCodes[Alder]"].split(",") == [f"{a:03d}" for a in range(30)]
    assert args["valueCodes[ContentsCode]"] == "Personer1"
    assert args["valueCodes[Tid]"] == "from(2014)"
    assert "Kjonn" not in "".join(args)  # eliminated: both sexes summed by SSB
    assert parts[0].content == GOOD and parts[0].status == 200


def test_a_kostra_table_asks_for_landet_the_kostra_group_and_every_code_of_each_series(fetch_env, httpserver):
    httpserver.expect_request("/api/pxwebapi/v2/tables/12272/data").respond_with_data(
        GOOD, content_type="application/json"
    )
    metadata, _ = run_fetch(table("12272"), Log(), get_settings())
    ((request, _),) = httpserver.log
    sent = request.args["valueCodes[KOKkommuneregion0000]"].split(",")
    # KOSTRA's own national code (EAK) and Bærum's group (EKG13); Bærum's and Asker's every code
    assert sent == ["0219", "3024", "3201", "EAK", "EKG13", *ASSS_OTHERS, "0220", "3025", "3203"]
    assert "codelist[KOKkommuneregion0000]" not in request.args
    assert metadata["regions"].value == sent


def test_the_second_plans_comparators_are_landet_and_its_kostra_group(tmp_path):
    use_data_dir(tmp_path / "data", SBU_PLAN="fjordvik-oppvekst-2022-2027")
    try:
        # plan.yaml: region code 9901, comparators {kostra_group: "11"}; national is on by default
        codes = fetch_region_codes()
        assert codes == ["9901", "0", "EKG11"]
        assert region_values(table("12870"), codes) == ["9901", "EAK", "EKG11"]
        assert region_values(table("12971"), codes) == ["9901", "0"]
    finally:
        use_data_dir(tmp_path / "unused")


def test_a_table_without_codelist_asks_for_every_code_of_the_series():
    t = table("12870")
    assert region_values(t, ["3201"]) == ["0219", "3024", "3201"]
    (query,) = t.queries(["0219", "3024", "3201"], 2014, 2026)
    params = dict(query.get_params())
    assert "codelist[KOKkommuneregion0000]" not in params
    assert params["outputFormat"] == "csv"
    assert params["outputFormatParams"] == "UseCodesAndTexts,SeparatorSemicolon"
    assert params["stub"] == "KOKkommuneregion0000,Meldingsinstans,Tid" and params["heading"] == "ContentsCode"


def test_a_long_query_is_sent_as_post_with_a_json_body(httpserver, client):
    httpserver.expect_request(DATA_PATH, method="POST").respond_with_data(GOOD, content_type="application/json")
    regions = [f"K-{n:04d}" for n in range(3000, 3300)]  # about 300 municipalities
    (query,) = population_queries(regions)
    assert build_request(base(httpserver), query).method == "POST"
    fetch_parts(client, base(httpserver), [query], now=DAYTIME)
    ((request, _),) = httpserver.log
    assert request.method == "POST"
    assert dict(request.args) == {"lang": "no", "outputFormat": "json-stat2"}
    body = json.loads(request.get_data())
    region = next(s for s in body["selection"] if s["variableCode"] == "Region")
    assert region == {
        "variableCode": "Region",
        "valueCodes": regions,
        "codelist": "agg_KommSummer",
        "outputValues": "aggregated",
    }
    assert {s["variableCode"] for s in body["selection"]} == {"Region", "Alder", "ContentsCode", "Tid"}


def test_get_up_to_the_url_limit_and_post_beyond_it():
    (query,) = population_queries()
    get = build_request("http://x", query, max_url_length=MAX_URL_LENGTH)
    assert get.method == "GET" and len(get.url) <= MAX_URL_LENGTH
    assert build_request("http://x", query, max_url_length=len(get.url)).method == "GET"
    post = build_request("http://x", query, max_url_length=len(get.url) - 1)
    assert post.method == "POST" and post.body is not None


def test_a_query_over_the_cell_limit_is_split_by_years(httpserver, client, tmp_path):
    httpserver.expect_request(DATA_PATH).respond_with_data(GOOD, content_type="application/json")
    # 1 region x 30 ages x 1 content = 30 cells a year; 13 years (2014-2026) = 390 cells
    queries = population_queries(max_cells=150)  # 5 years a part
    assert [q.cells for q in queries] == [150, 150, 90]
    assert all(q.cells <= 150 for q in queries)
    fetch_parts(client, base(httpserver), queries, now=DAYTIME)
    sent = [r.args["valueCodes[Tid]"] for r, _ in httpserver.log]
    assert sent == ["range(2014,2018)", "range(2019,2023)", "from(2024)"]
    assert [q.label for q in queries] == ["2014-2018", "2019-2023", "2024-"]
    assert [table("07459").file_name(q.label) for q in queries] == [
        "ssb_07459_befolkning_api_2014-2018.json",
        "ssb_07459_befolkning_api_2019-2023.json",
        "ssb_07459_befolkning_api_2024-.json",
    ]


def test_one_year_over_the_cell_limit_is_refused_with_a_message():
    with pytest.raises(FetchError) as error:
        population_queries(max_cells=20)
    assert error.value.code == "too_large" and "for stor" in error.value.message_nb


# --- the rate limit ------------------------------------------------------------------------------


def test_rate_limiter_allows_29_a_minute_and_then_waits(fake_time):
    limiter = RateLimiter(clock=fake_time.clock, sleep=fake_time.sleep)
    for _ in range(29):
        assert limiter.acquire() == 0.0
        fake_time.now += 1.0  # one request a second
    assert fake_time.sleeps == []
    waited = limiter.acquire()  # the 30th, 29 s after the first: waits until the first is a minute old
    assert waited == pytest.approx(31.0) and fake_time.sleeps == [pytest.approx(31.0)]
    # never more than 29 in any 60 s window
    assert sum(1 for t in limiter.sent if t > fake_time.now - 60) <= 29


def test_rate_limiter_spans_every_request_of_a_run(httpserver, fake_time):
    httpserver.expect_request(DATA_PATH).respond_with_data(GOOD, content_type="application/json")
    limiter = RateLimiter(max_calls=2, period=60, clock=fake_time.clock, sleep=fake_time.sleep)
    with HttpClient(limiter=limiter, sleep=fake_time.sleep) as c:
        fetch_parts(c, base(httpserver), population_queries(max_cells=150), now=DAYTIME)
    assert len(httpserver.log) == 3 and fake_time.sleeps == [60.0]


# --- failures ------------------------------------------------------------------------------------


def test_429_waits_as_long_as_retry_after_says(httpserver, client, fake_time):
    httpserver.expect_oneshot_request(DATA_PATH).respond_with_data(
        "Too many requests", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_request(DATA_PATH).respond_with_data(GOOD, content_type="application/json")
    parts = fetch_parts(client, base(httpserver), population_queries(), now=DAYTIME)
    assert parts[0].content == GOOD
    assert fake_time.sleeps == [7.0] and len(httpserver.log) == 2


def test_503_backs_off_and_then_says_the_service_is_down(httpserver, client, fake_time):
    httpserver.expect_request(DATA_PATH).respond_with_data("Service Unavailable", status=503)
    with pytest.raises(FetchError) as error:
        fetch_parts(client, base(httpserver), population_queries(), now=DAYTIME)
    assert error.value.code == "unavailable" and "midlertidig utilgjengelig" in error.value.message_nb
    assert len(httpserver.log) == 4 and fake_time.sleeps == [4.0, 8.0, 16.0]  # exponential back-off


def test_a_service_that_is_down_gives_a_clear_message(client, fake_time):
    with pytest.raises(FetchError) as error:  # nothing listens on port 1 of this machine
        fetch_parts(client, "http://127.0.0.1:1/api/pxwebapi/v2", population_queries(), now=DAYTIME)
    assert error.value.code == "network" and "Fikk ikke kontakt" in error.value.message_nb
    assert fake_time.sleeps == [4.0, 8.0, 16.0]


def test_retry_after_as_http_date():
    now = dt.datetime(2026, 3, 15, 9, 0, tzinfo=dt.UTC)
    assert parse_retry_after("Sun, 15 Mar 2026 09:00:30 GMT", now) == 30.0
    assert parse_retry_after("12", now) == 12.0
    assert parse_retry_after("soon", now) is None


# --- the fetch asset's work against the landing folder -----------------------------------------------------


def landing_state(landing: Path) -> dict[str, tuple[str, int]]:
    return {
        str(p.relative_to(landing)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(landing.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def fetch_env(tmp_path, httpserver, fake_time, monkeypatch):
    """Settings pointing at a temporary data folder and the local server; the clock at 10:00 Oslo."""
    use_data_dir(tmp_path / "data", SBU_SSB_BASE_URL=base(httpserver))
    monkeypatch.setattr(FetchHooks, "now", staticmethod(lambda: DAYTIME))
    monkeypatch.setattr(FetchHooks, "sleep", fake_time.sleep)
    yield tmp_path / "data"
    use_data_dir(tmp_path / "unused")


class Log:
    def __init__(self):
        self.lines: list[str] = []

    def warning(self, message):
        self.lines.append(message)

    info = error = warning


def test_fetch_writes_the_response_and_a_sidecar_then_nothing_when_unchanged(fetch_env, httpserver):
    httpserver.expect_request(DATA_PATH).respond_with_data(GOOD, content_type="application/json")
    metadata, changed = run_fetch(table("07459"), Log(), get_settings())
    folder = fetch_env / "landing" / "population"
    assert changed == ["ssb_07459_befolkning_api.json"]
    assert (folder / "ssb_07459_befolkning_api.json").read_bytes() == GOOD
    sidecar = json.loads((folder / SIDECAR_DIR / "ssb_07459_befolkning_api.json.json").read_text())
    assert sidecar["method"] == "GET" and "valueCodes%5BRegion%5D=K-3201" in sidecar["url"]
    assert sidecar["http_status"] == 200 and sidecar["sha256"] == hashlib.sha256(GOOD).hexdigest()
    assert sidecar["fetched_at"] == "2026-03-15T09:00:00+00:00"
    before = landing_state(fetch_env / "landing")
    metadata, changed = run_fetch(table("07459"), Log(), get_settings())
    assert changed == [] and metadata["status"] == "uendret"
    assert landing_state(fetch_env / "landing") == before


def test_fetching_is_off_without_a_base_url(tmp_path):
    use_data_dir(tmp_path / "data")
    try:
        assert run_fetch(table("07459"), Log(), get_settings()) is None
        assert not (tmp_path / "data" / "landing").exists()
    finally:
        use_data_dir(tmp_path / "unused")


def test_revision_window_is_refused_before_any_request(httpserver, client):
    assert in_revision_window(dt.datetime(2026, 3, 15, 5, 0, tzinfo=NORWAY))
    assert in_revision_window(dt.datetime(2026, 3, 15, 8, 14, tzinfo=NORWAY))
    assert not in_revision_window(dt.datetime(2026, 3, 15, 8, 15, tzinfo=NORWAY))
    assert not in_revision_window(dt.datetime(2026, 3, 15, 4, 59, tzinfo=NORWAY))
    # 06:30 Oslo = 05:30 UTC in winter
    with pytest.raises(FetchError) as error:
        fetch_parts(client, base(httpserver), population_queries(), now=dt.datetime(2026, 3, 15, 5, 30, tzinfo=dt.UTC))
    assert error.value.code == "revision_window" and "05.00 og 08.15" in error.value.message_nb
    assert httpserver.log == []


def test_csv_response_is_checked_and_written(fetch_env, httpserver):
    httpserver.expect_request("/api/pxwebapi/v2/tables/12870/data").respond_with_data(
        CSV, content_type="text/csv; charset=utf-8"
    )
    _, changed = run_fetch(table("12870"), Log(), get_settings())
    assert changed == ["ssb_12870_meldinger_api.csv"]
    assert (fetch_env / "landing" / "child_welfare" / "ssb_12870_meldinger_api.csv").read_bytes() == CSV


# --- the assets in Dagster ---------------------------------------------------------------------------

FETCH_POPULATION = next(a for a in FETCH_ASSETS if a.key.to_user_string() == "fetch_ssb_07459")


def population_asset():
    from pipelines.defs.sources.assets import SOURCE_ASSETS

    return next(a for a in SOURCE_ASSETS if a.key.to_user_string() == "population")


def raw_population() -> list[tuple]:
    with duckdb.connect(str(get_settings().warehouse_path), read_only=True) as con:
        return con.execute(
            "SELECT region_code, age, year, persons, _source_file, _file_hash FROM raw.population ORDER BY ALL"
        ).fetchall()


def load_population() -> None:
    settings = get_settings()
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        ingest_source(con, "population", settings.landing_dir, settings.quarantine_dir)


def materialize_fetch() -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [FETCH_POPULATION],
        resources={"settings": SbuSettings()},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def test_fetched_file_lands_and_loads_through_the_source_asset(fetch_env, httpserver):
    httpserver.expect_request(DATA_PATH).respond_with_data(GOOD, content_type="application/json")
    fetched = materialize_fetch()
    assert fetched.success
    (event,) = fetched.asset_materializations_for_node("fetch_ssb_07459")
    assert event.metadata["status"].value == "ny"
    assert event.metadata["files_written"].value == ["ssb_07459_befolkning_api.json"]
    (check,) = fetched.get_asset_check_evaluations()
    assert check.passed
    assert (fetch_env / "landing" / "population" / "ssb_07459_befolkning_api.json").read_bytes() == GOOD

    loaded = dg.materialize(
        [population_asset()], resources=pipeline_resources(SbuSettings()), instance=dg.DagsterInstance.ephemeral()
    )
    assert loaded.success
    (load,) = loaded.asset_materializations_for_node("population")
    assert load.metadata["files_loaded"].value == 1 and load.metadata["rows_population"].value == 6
    rows = raw_population()
    assert {(r[0], r[1], r[2], r[3], r[4]) for r in rows} >= {
        ("K-3201", 0, 2023, 1190.0, "ssb_07459_befolkning_api.json"),
        ("K-3201", 17, 2024, 1302.0, "ssb_07459_befolkning_api.json"),
    }


def test_fetch_asset_says_fetching_is_off_and_writes_nothing(tmp_path):
    use_data_dir(tmp_path / "data")
    try:
        result = materialize_fetch()
        assert result.success
        assert result.asset_materializations_for_node("fetch_ssb_07459") == []
        (observation,) = result.asset_observations_for_node("fetch_ssb_07459")
        assert observation.metadata["message"].value == OFF_MESSAGE
        (check,) = result.get_asset_check_evaluations()
        assert check.passed and check.description == OFF_MESSAGE
        assert not (tmp_path / "data" / "landing").exists()
    finally:
        use_data_dir(tmp_path / "unused")


FAILURES = {
    "429_retry_after": (
        dict(response_data="Too many requests", status=429, headers={"Retry-After": "7"}),
        "rate_limited",
    ),
    "429_retry_after_too_long": (
        dict(response_data="Too many requests", status=429, headers={"Retry-After": "3600"}),
        "rate_limited",
    ),
    "503": (dict(response_data="Service Unavailable", status=503), "unavailable"),
    "html_page": (
        dict(
            response_data="<!DOCTYPE html><html><body><h1>Vedlikehold</h1>Statistikkbanken er nede.</body></html>",
            status=200,
            content_type="text/html; charset=utf-8",
        ),
        "html_response",
    ),
    "truncated": (dict(response_data=GOOD[: len(GOOD) // 2], content_type="application/json"), "invalid_response"),
    "all_dots": (dict(response_data=DOTS, content_type="application/json"), "revision_data"),
}


@pytest.mark.parametrize("kind", [*FAILURES, "revision_window"])
def test_after_a_failure_the_last_good_data_stay(kind, fetch_env, httpserver, monkeypatch, fake_time):
    httpserver.expect_request(DATA_PATH).respond_with_data(GOOD, content_type="application/json")
    run_fetch(table("07459"), Log(), get_settings())
    load_population()
    landing_before, raw_before = landing_state(fetch_env / "landing"), raw_population()
    assert raw_before

    httpserver.clear()
    if kind == "revision_window":
        monkeypatch.setattr(FetchHooks, "now", staticmethod(lambda: dt.datetime(2026, 3, 15, 6, 30, tzinfo=dt.UTC)))
        expected_code = "revision_window"
    else:
        respond, expected_code = FAILURES[kind]
        httpserver.expect_request(DATA_PATH).respond_with_data(**respond)

    result = materialize_fetch()
    assert not result.success  # the run shows red in Dagster ...
    assert result.asset_materializations_for_node("fetch_ssb_07459") == []
    (observation,) = result.asset_observations_for_node("fetch_ssb_07459")
    assert observation.metadata["status"].value == "feilet"
    assert observation.metadata["error_code"].value == expected_code
    if expected_code == "unavailable":  # SSB's own maintenance hours are named
        assert "SSB tar tabeller ned" in observation.metadata["message"].value
    message = observation.metadata["message"].value
    assert message and "Traceback" not in message
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == "fetch_ok" and not check.passed and check.description == message
    # ... with the Norwegian message as the step failure's description, not an exception's text
    failure = step_failure(result)
    assert failure.error.cls_name == "Failure"
    assert failure.user_failure_data.description == f"SSB 07459: {message}"
    assert failure.user_failure_data.metadata["error_code"].value == expected_code

    load_population()
    assert landing_state(fetch_env / "landing") == landing_before
    assert raw_population() == raw_before


def step_failure(result: dg.ExecuteInProcessResult):
    (event,) = [e for e in result.all_events if e.is_step_failure]
    return event.step_failure_data


def test_a_failed_table_fails_its_step_and_the_other_tables_are_still_fetched(fetch_env, httpserver):
    httpserver.expect_request(DATA_PATH).respond_with_data("Service Unavailable", status=503)
    httpserver.expect_request("/api/pxwebapi/v2/tables/12870/data").respond_with_data(
        CSV, content_type="text/csv; charset=utf-8"
    )
    fetch_reports = next(a for a in FETCH_ASSETS if a.key.to_user_string() == "fetch_ssb_12870")
    result = dg.materialize(
        [FETCH_POPULATION, fetch_reports],
        resources={"settings": SbuSettings()},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    assert step_failure(result).user_failure_data.metadata["error_code"].value == "unavailable"
    assert result.asset_materializations_for_node("fetch_ssb_07459") == []
    (fetched,) = result.asset_materializations_for_node("fetch_ssb_12870")
    assert fetched.metadata["files_written"].value == ["ssb_12870_meldinger_api.csv"]
    assert (fetch_env / "landing" / "child_welfare" / "ssb_12870_meldinger_api.csv").read_bytes() == CSV
    assert not (fetch_env / "landing" / "population").exists()


def test_the_landing_sensor_sees_a_new_fetch_but_not_an_unchanged_one(fetch_env, httpserver):
    from pipelines.defs.sources.sensors import folder_fingerprint

    httpserver.expect_request(DATA_PATH).respond_with_data(GOOD, content_type="application/json")
    landing = get_settings().landing_dir
    empty = folder_fingerprint(landing, "population")
    run_fetch(table("07459"), Log(), get_settings())
    fetched = folder_fingerprint(landing, "population")
    assert fetched != empty  # the sensor starts a run for the source
    run_fetch(table("07459"), Log(), get_settings())
    assert folder_fingerprint(landing, "population") == fetched  # unchanged response: nothing to load


def test_a_fetched_file_that_breaks_the_contract_is_quarantined_once(fetch_env, httpserver):
    doc = json.loads(GOOD)
    doc["dimension"]["Alder"]["category"]["index"] = {"000": 0, "001": 1, "105+": 2}
    doc["dimension"]["Alder"]["category"]["label"] = {"000": "0 år", "001": "1 år", "105+": "105 år eller eldre"}
    bad = json.dumps(doc, ensure_ascii=False).encode()
    httpserver.expect_request(DATA_PATH).respond_with_data(bad, content_type="application/json")
    run_fetch(table("07459"), Log(), get_settings())
    load_population()
    landing = fetch_env / "landing" / "population"
    assert not (landing / "ssb_07459_befolkning_api.json").exists()
    assert list((fetch_env / "quarantine" / "population").glob("*ssb_07459_befolkning_api.json"))
    _, changed = run_fetch(table("07459"), Log(), get_settings())  # the same bad response again
    assert changed == [] and not (landing / "ssb_07459_befolkning_api.json").exists()


def test_the_schedules_skip_while_fetching_is_off(tmp_path):
    from pipelines.defs.fetch.assets import fetch_schedules

    use_data_dir(tmp_path / "data")
    try:
        schedules = fetch_schedules()
        assert {s.default_status for s in schedules} == {dg.DefaultScheduleStatus.RUNNING}
        for schedule in schedules:
            with dg.build_schedule_context(resources={"settings": SbuSettings()}) as context:
                skipped = schedule.evaluate_tick(context)
            assert skipped.run_requests == [] and skipped.skip_message == OFF_MESSAGE
            on = SbuSettings(ssb_base_url="http://127.0.0.1:9/api/pxwebapi/v2")
            with dg.build_schedule_context(resources={"settings": on}) as context:
                assert len(schedule.evaluate_tick(context).run_requests) == 1
    finally:
        use_data_dir(tmp_path / "unused")
