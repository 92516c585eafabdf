"""A municipality delivered under two region codes for one year is counted once (issue section 1).

SSB back-casts series to today's municipality, so a real export can carry Bærum as 3024 *and* 3201
for 2023 (and 0219 before 2020). Summing both codes once published children_with_decisions and
cw_investigation_rate at half their true value. Every expected figure below is worked out here from
the literal numbers written into the test files; nothing is read from the code under test.

* Ingest level (fast): a population file (SSB JSON-stat, 07459) and a 12870 CSV (reports by
  reporter) with Bærum under 3024 and 3201 for 2023: clean, duplicate with identical figures (loaded
  once, the load summary names the dropped code), duplicate with differing figures (quarantined with
  both codes, the year and both figures).
* Whole pipeline on the golden landing set (tests/golden, Bærum under 0219 for 2014-2015) with a
  back-cast copy under 3201: the published metric values equal the clean run's and the hand-worked
  figures; then a conflicting delivery is quarantined and the published figures stay.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest.landing import ingest_source
from tests.conftest import materialize_all
from tests.test_metrics_golden import golden_run, write_golden_landing  # noqa: F401  (session fixture)

# -- hand-made files, 2023 ------------------------------------------------------------------------

AGES = ["000", "001", "017", "018"]
# Bærum, persons by age in 2023 (ages 0, 1, 17, 18); children 0-17 = 1500 + 1510 + 1620 = 4630.
BAERUM_2023 = [1500, 1510, 1620, 1400]
CHILDREN_2023 = 1500 + 1510 + 1620


def population_doc(regions: dict[str, list[float | None]]) -> dict:
    """07459-shaped JSON-stat: Region x Alder x Tid (2023); Region is the slowest dimension."""
    labels = {"3024": "Bærum (2020-2023)", "3201": "Bærum", "K-3201": "Bærum", "3203": "Asker"}
    values: list[float | None] = []
    status: dict[str, str] = {}
    for code in regions:
        for v in regions[code]:
            if v is None:
                status[str(len(values))] = "."
            values.append(v)
    return {
        "version": "2.0",
        "class": "dataset",
        "label": "07459 (test)",
        "role": {"time": ["Tid"], "geo": ["Region"]},
        "id": ["Region", "Alder", "Tid"],
        "size": [len(regions), len(AGES), 1],
        "dimension": {
            "Region": {"category": {"index": list(regions), "label": {c: labels[c] for c in regions}}},
            "Alder": {"category": {"index": AGES, "label": {a: f"{int(a)} år" for a in AGES}}},
            "Tid": {"category": {"index": ["2023"]}},
        },
        "value": values,
        "status": status,
    }


# Reports 2023 by reporter: 00 I alt 900, 04 Barnehage 50, 06 Skole 110.
REPORTS_2023 = [("00 I alt", "900"), ("04 Barnehage", "50"), ("06 Skole", "110")]


def reports_csv(regions: dict[str, list[tuple[str, str]]]) -> bytes:
    lines = ['"region";"meldingsinstans";"år";"12870: Meldinger til barnevernet"']
    names = {"3024": "3024 Bærum (2020-2023)", "3201": "3201 Bærum", "K-3201": "K-3201 Bærum"}
    for code, rows in regions.items():
        lines += [f'"{names[code]}";"{reporter}";"2023";"{value}"' for reporter, value in rows]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def land(root: Path, population: dict, reports: bytes) -> Path:
    landing = root / "landing"
    (landing / "population").mkdir(parents=True)
    (landing / "child_welfare").mkdir(parents=True)
    (landing / "population" / "ssb_07459_befolkning.json").write_text(json.dumps(population), encoding="utf-8")
    (landing / "child_welfare" / "ssb_12870_meldinger_etter_melder.csv").write_bytes(reports)
    return landing


def ingest(root: Path, landing: Path, con: duckdb.DuckDBPyConnection) -> dict:
    return {s: ingest_source(con, s, landing, root / "quarantine") for s in ("population", "child_welfare")}


def children(con) -> dict:
    """Bærum's residents 0-17 per year as stg_population's rule reads them (persons not null)."""
    return dict(
        con.execute(
            "SELECT year, sum(persons) FROM raw.population WHERE municipality = 'baerum' "
            "AND persons IS NOT NULL AND age <= 17 GROUP BY year"
        ).fetchall()
    )


def reports(con) -> list[tuple]:
    return con.execute(
        "SELECT region_code, reporter_code, reports FROM raw.child_welfare_reports "
        "WHERE municipality = 'baerum' ORDER BY reporter_code"
    ).fetchall()


CLEAN_POPULATION = population_doc({"3024": BAERUM_2023, "3201": [None] * 4})
CLEAN_REPORTS = reports_csv({"3024": REPORTS_2023})


def test_clean_set_loads_as_is(tmp_path: Path) -> None:
    landing = land(tmp_path, CLEAN_POPULATION, CLEAN_REPORTS)
    con = duckdb.connect()
    result = ingest(tmp_path, landing, con)
    assert not any(r.quarantined or r.notes for r in result.values())
    assert children(con) == {2023: CHILDREN_2023}
    assert reports(con) == [("3024", "00", 900.0), ("3024", "04", 50.0), ("3024", "06", 110.0)]
    assert con.execute("SELECT count(*) FROM meta.file_loads WHERE notes_nb IS NOT NULL").fetchall() == [(0,)]


def test_two_codes_with_identical_figures_load_once_and_say_so(tmp_path: Path) -> None:
    """3024 and 3201 both hold 2023 with the same figures: the code valid in 2023 (3024) is kept."""
    population = population_doc({"3024": BAERUM_2023, "3201": BAERUM_2023})
    landing = land(tmp_path, population, reports_csv({"3024": REPORTS_2023, "3201": REPORTS_2023}))
    con = duckdb.connect()
    result = ingest(tmp_path, landing, con)
    assert not any(r.quarantined for r in result.values())

    # Counted once: 4630 children, not 9260; reports 900, not 1800.
    assert children(con) == {2023: 4630}
    assert reports(con) == [("3024", "00", 900.0), ("3024", "04", 50.0), ("3024", "06", 110.0)]

    # The load summary says a duplicate code was dropped: 4 population rows, 3 report rows.
    pop, cw = result["population"], result["child_welfare"]
    assert pop.summary()["duplicate_region_rows_dropped"] == 4
    assert cw.summary()["duplicate_region_rows_dropped"] == 3
    (note,) = pop.notes["ssb_07459_befolkning.json"]
    assert (note.rule, note.municipality, note.years, note.kept_code, note.dropped_code, note.rows) == (
        "region_code_duplicate",
        "Bærum",
        (2023,),
        "3024",
        "3201",
        4,
    )
    for text in ("Bærum 2023", "3024", "3201", "like tall", "4 rader", "beholdt 3024"):
        assert text in note.message_nb, text
    stored = dict(con.execute("SELECT file_name, notes_nb FROM meta.file_loads WHERE status = 'loaded'").fetchall())
    assert stored["ssb_07459_befolkning.json"] == note.message_nb
    assert "3 rader" in stored["ssb_12870_meldinger_etter_melder.csv"]


def test_k_code_with_identical_figures_keeps_the_code_valid_that_year(tmp_path: Path) -> None:
    """K-3201 (SSB's series under today's borders) is Bærum's whole series: a duplicate, not a peer."""
    population = population_doc({"K-3201": BAERUM_2023, "3024": BAERUM_2023})
    landing = land(tmp_path, population, reports_csv({"K-3201": REPORTS_2023}))
    con = duckdb.connect()
    result = ingest(tmp_path, landing, con)
    assert children(con) == {2023: 4630}
    assert result["population"].notes["ssb_07459_befolkning.json"][0].kept_code == "3024"
    # A K- code alone is the series as it is.
    assert [r[:2] for r in reports(con)] == [("K-3201", "00"), ("K-3201", "04"), ("K-3201", "06")]


def test_two_codes_with_different_figures_quarantine_the_file(tmp_path: Path) -> None:
    """After a clean load, a delivery where 3201 disagrees with 3024 is refused, naming both codes, the
    year and both figures; the loaded figures stay."""
    landing = land(tmp_path, CLEAN_POPULATION, CLEAN_REPORTS)
    con = duckdb.connect()
    ingest(tmp_path, landing, con)
    before = (children(con), reports(con))

    conflicting = population_doc({"3024": BAERUM_2023, "3201": [1500, 1510, 1621, 1400]})  # 17-year-olds
    (landing / "population" / "ssb_07459_befolkning.json").write_text(json.dumps(conflicting), encoding="utf-8")
    (landing / "child_welfare" / "ssb_12870_meldinger_etter_melder.csv").write_bytes(
        reports_csv({"3024": REPORTS_2023, "3201": [("00 I alt", "900"), ("04 Barnehage", "50"), ("06 Skole", "111")]})
    )
    result = ingest(tmp_path, landing, con)

    (pop_problem,) = result["population"].quarantined["ssb_07459_befolkning.json"]
    assert pop_problem.rule == "region_code_conflict"
    # Cells are numbered from 1 (value[0]); Region is the slowest dimension, 4 ages per region:
    # 3024 = cells 1-4, 3201 = cells 5-8; age 017 is the third, so 3024's is cell 3 and 3201's cell 7.
    assert pop_problem.row == 7 and pop_problem.column == "Region"
    for text in (
        "Fil «ssb_07459_befolkning.json»",
        "celle 7 (value[6]: Region=3201, Alder=017, Tid=2023)",
        "Bærum har to regionkoder med ulike tall for 2023 (Alder 17)",
        "3024 (celle 3) har 1620,",
        "3201 (celle 7) har 1621.",
        "[regel: region_code_conflict]",
    ):
        assert text in pop_problem.message_nb, text

    (cw_problem,) = result["child_welfare"].quarantined["ssb_12870_meldinger_etter_melder.csv"]
    # Lines: header 1, 3024 at 2-4, 3201 at 5-7; Skole is the third row of each.
    assert (cw_problem.rule, cw_problem.row, cw_problem.column) == ("region_code_conflict", 7, "region")
    for text in ("rad 7", "2023 (meldingsinstans 06)", "3024 (rad 4) har 110,", "3201 (rad 7) har 111."):
        assert text in cw_problem.message_nb, text

    reason = json.loads(next((tmp_path / "quarantine" / "population").glob("*.reason.json")).read_text("utf-8"))
    assert reason["violations"][0]["rule"] == "region_code_conflict"
    assert con.execute(
        "SELECT reason_code FROM meta.file_loads WHERE status = 'quarantined' ORDER BY 1"
    ).fetchall() == [("region_code_conflict",), ("region_code_conflict",)]
    assert (children(con), reports(con)) == before  # the last good figures stay


# -- whole pipeline, golden set -------------------------------------------------------------------


def _add_backcast(landing: Path, *, tweak: bool) -> None:
    """Copy Bærum 0219 as 3201 into the golden population file and 12870 CSV (SSB's back-cast);
    ``tweak``: 3201 disagrees in one cell of each."""
    path = landing / "population" / "ssb_07459_befolkning.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    region = doc["dimension"]["Region"]["category"]
    codes = sorted(region["index"], key=region["index"].get)
    block = len(doc["value"]) // len(codes)
    baerum = doc["value"][codes.index("0219") * block : (codes.index("0219") + 1) * block]
    copy = list(baerum)
    if tweak:
        copy[5 * 2 + 1] += 1  # age 5, 2015 (Alder x Tid = 20 x 2)
    region["index"] = {**region["index"], "3201": len(codes)}
    region["label"] = {**region["label"], "3201": "Bærum"}
    doc["size"][doc["id"].index("Region")] += 1
    doc["value"] = doc["value"] + copy
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    csv = landing / "child_welfare" / "ssb_12870_meldinger_etter_melder.csv"
    text = csv.read_bytes().decode("cp1252")
    lines = [line for line in text.splitlines() if line.startswith('"0219 ')]
    extra = [line.replace('"0219 Bærum (-2019)"', '"3201 Bærum"') for line in lines]
    if tweak:
        extra = [line.replace('"06 Skole";"2015";"110"', '"06 Skole";"2015";"111"') for line in extra]
    csv.write_bytes((text.rstrip("\r\n") + "\r\n" + "\r\n".join(extra) + "\r\n").encode("cp1252"))


def _metric(published: Path, metric_id: str) -> dict:
    con = duckdb.connect(str(published), read_only=True)
    try:
        return {
            year: (num, den, value)
            for year, num, den, value in con.execute(
                "SELECT year, numerator, denominator, value FROM metric_values WHERE metric_id = ? "
                "AND area_code = 'baerum' AND school_level = 'alle' AND gender = 'alle'",
                [metric_id],
            ).fetchall()
        }
    finally:
        con.close()


# Worked out from tests/golden (see test_metrics_golden): Bærum residents 0-17 = 18 x 1500 (2014) and
# 18 x 1600 (2015); PPT decisions 300 and 260; children investigated 600 and 576; early reports
# (04-07) 210 and 250 of 1000.
EXPECTED = {
    # PPT's groups 0-15 (the open "16 år og eldre" is left out) per resident aged 0-15 (16 x 1500 / 1600)
    "children_with_decisions": {2014: (255, 24_000, 1000 * 255 / 24_000), 2015: (245, 25_600, 1000 * 245 / 25_600)},
    "cw_investigation_rate": {2014: (600, 27_000, 100 * 600 / 27_000), 2015: (576, 28_800, 2.0)},
    "cw_reports_early_share": {2014: (210, 1000, 21.0), 2015: (250, 1000, 25.0)},
}


@pytest.fixture(scope="module")
def backcast_run(tmp_path_factory):
    from pipelines.settings import get_settings

    saved = {k: v for k, v in os.environ.items() if k.startswith("SBU_")}
    data_dir = tmp_path_factory.mktemp("sbu_backcast")
    write_golden_landing(data_dir / "landing")
    _add_backcast(data_dir / "landing", tweak=False)
    try:
        first = materialize_all(data_dir, report=False).refresh
        assert first.success, "the pipeline run on the back-cast golden set failed"
        published = data_dir / "published" / "sbu.duckdb"
        after_identical = {m: _metric(published, m) for m in EXPECTED}
        notes = first.asset_materializations_for_node("population")[0].metadata["load_notes"].value
        loads = duckdb.connect(str(published), read_only=True)
        file_notes = dict(
            loads.execute("SELECT file_name, notes_nb FROM file_loads WHERE status = 'loaded'").fetchall()
        )
        loads.close()

        # Then a delivery where 3201 disagrees: quarantined, the published figures stay.
        write_golden_landing(data_dir / "landing_conflict")
        _add_backcast(data_dir / "landing_conflict", tweak=True)
        for source in ("population", "child_welfare"):
            for path in (data_dir / "landing_conflict" / source).glob("ssb_*"):
                (data_dir / "landing" / source / path.name).write_bytes(path.read_bytes())
        second = materialize_all(data_dir, report=False).refresh
        after_conflict = {m: _metric(published, m) for m in EXPECTED}
        reasons = {p.name: p.read_text(encoding="utf-8") for p in (data_dir / "quarantine").glob("*/*.reason.txt")}
    finally:
        for key in [k for k in os.environ if k.startswith("SBU_")]:
            del os.environ[key]
        os.environ.update(saved)
        get_settings.cache_clear()
    return {
        "identical": after_identical,
        "conflict": after_conflict,
        "second": second,
        "notes": notes,
        "file_notes": file_notes,
        "reasons": reasons,
    }


@pytest.mark.parametrize("metric_id", sorted(EXPECTED))
def test_backcast_codes_publish_the_clean_figures(backcast_run, golden_run, metric_id):  # noqa: F811
    clean = _metric(golden_run.published, metric_id)
    for case in ("identical", "conflict"):
        got = backcast_run[case][metric_id]
        assert sorted(got) == [2014, 2015], case
        for year, (num, den, value) in EXPECTED[metric_id].items():
            assert got[year] == pytest.approx((num, den, value), rel=1e-12), (case, year)
            assert got[year] == pytest.approx(clean[year], rel=1e-12), (case, year)


def test_backcast_load_summary_names_the_dropped_code(backcast_run):
    # Dagster materialization metadata of the population asset: 20 ages x 2 years under 3201 dropped.
    (note,) = backcast_run["notes"]["ssb_07459_befolkning.json"]
    for text in ("Bærum 2014-2015", "0219", "3201", "40 rader", "beholdt 0219"):
        assert text in note, text
    # meta.file_loads, as published: 12 reporters x 2 years in the CSV.
    assert backcast_run["file_notes"]["ssb_07459_befolkning.json"] == note
    assert "24 rader" in backcast_run["file_notes"]["ssb_12870_meldinger_etter_melder.csv"]


def test_backcast_conflict_is_quarantined_with_both_codes_year_and_figures(backcast_run):
    reasons = backcast_run["reasons"]
    (population,) = [t for n, t in reasons.items() if "07459" in n]
    (reports,) = [t for n, t in reasons.items() if "12870" in n]
    # Age 5 in 2015: 1600 under 0219, 1601 under 3201. Skole 2015: 110 under 0219, 111 under 3201.
    assert "Bærum har to regionkoder med ulike tall for 2015 (Alder 5)" in population
    assert "har 1600" in population and "3201" in population and "har 1601" in population
    assert "0219 (rad" in reports and "har 110" in reports and "3201 (rad" in reports and "har 111" in reports
    assert "[regel: region_code_conflict]" in population and "[regel: region_code_conflict]" in reports
