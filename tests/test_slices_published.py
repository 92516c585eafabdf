"""Slices end to end (issue 14): after a full pipeline run on the demo data, a correction for one
school and an SSB extract for another municipality are delivered and the refresh runs again. What
the dashboard reads, the published snapshot's ``metric_values``, must change where the delivery says
and nowhere else.

Expected figures are worked out here from the landing files with openpyxl and csv, not with the
project's readers, SQL or engine. Two extra pipeline runs on a copy of the session's data folder.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import copy_materialized, materialize_all
from tests.helpers import sql

YEAR = 2023  # the school year 2023/24
SCHOOL_FILE = "fravaer_2023-24.xlsx"
METRIC = "absence_low_mastery"
VALUES = (
    "SELECT metric_id, area_code, school_level, gender, year, numerator, denominator, value, suppressed "
    "FROM metric_values ORDER BY ALL"
)


def published(data: Path) -> Path:
    return data / "published" / "sbu.duckdb"


@pytest.fixture(scope="module")
def data(pipeline_result, demo_data_dir: Path, tmp_path_factory) -> Path:
    """A copy of the session's data folder after its full run (landing, warehouse, snapshot), shared
    by this module's two tests: the second starts where the first left off."""
    return copy_materialized(demo_data_dir, tmp_path_factory.mktemp("slices_published") / "data")


@pytest.fixture(scope="module")
def before(data: Path) -> list[tuple]:
    return sql(published(data), VALUES)


def _sheet(path: Path) -> tuple[list, list[list]]:
    rows = [list(r) for r in openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True)]
    return rows[0], [r for r in rows[1:] if any(v is not None for v in r)]


def test_an_extract_for_another_municipality_is_held_and_nothing_published_changes(data: Path, before) -> None:
    """Asker's 2023 total alone, under today's code 3203: loading it would replace Asker's twelve
    2023 rows (all reporters, under 3025) with one. It is held with a reason naming the eleven rows
    that would go; the snapshot published by the run is the one before, row for row."""
    extract = data / "landing" / "child_welfare" / "ssb_12870_meldinger_asker_2023.csv"
    header = '"region";"meldingsinstans";"år";"12870: Meldinger til barnevernet"'
    extract.write_text(f'{header}\r\n"3203 Asker";"00 I alt";"2023";"745"\r\n', encoding="utf-8")
    with (data / "landing" / "child_welfare" / "ssb_12870_meldinger_etter_melder.csv").open(encoding="cp1252") as f:
        asker_2023 = [r for r in csv.reader(f, delimiter=";") if r[0].startswith("3025 ") and r[2] == "2023"]
    assert len(asker_2023) == 12  # what is loaded now: "00 I alt" and the eleven reporters

    run = materialize_all(data, report=False)
    assert run.success

    assert not extract.exists()
    (reason,) = (data / "quarantine" / "child_welfare").glob("*asker_2023.csv.reason.txt")
    text = reason.read_text(encoding="utf-8")
    assert "ble holdt tilbake" in text
    assert "filen ville erstatte 12 rader med bare 1" in text and "så 11 rader ville forsvinne" in text
    assert (
        "år 2023, region 3025: 11 rader (meldingsinstans 01; meldingsinstans 02; meldingsinstans 03 og 8 til)" in text
    )
    assert "«ssb_12870_meldinger_asker_2023.csv.bekreftet»" in text
    # The run published (the load log says the extract was held) and metric_values did not change.
    assert sql(published(data), "SELECT status, reason_code FROM file_loads WHERE file_name = ?", [extract.name]) == [
        ("quarantined", "shrinks_slice")
    ]
    assert sql(published(data), VALUES) == before


def test_a_correction_for_one_school_changes_that_school_and_its_totals_only(data: Path, before) -> None:
    landing = data / "landing"
    header, rows = _sheet(landing / "absence" / SCHOOL_FILE)
    number, pupils, high, low = (
        header.index(c)
        for c in ("Skolenr", "Antall elever", "Elever med fravær over 10 %", "Herav på laveste mestringsnivå")
    )
    school = max(rows, key=lambda r: r[low])  # far from any small-number threshold
    corrected = list(school)
    corrected[pupils] += 6  # six pupils were missing, two of them with high absence and low mastery
    corrected[high] += 2
    corrected[low] += 2
    book = openpyxl.Workbook()
    book.active.append(header)
    book.active.append(corrected)
    book.save(landing / "absence" / "fravaer_2023-24_rettelse.xlsx")

    run = materialize_all(data, report=False)
    assert run.success

    # By hand: each school's figures from the year's file, the corrected school's from the correction;
    # a district sums its schools (school register), the municipality all of them.
    with (landing / "school_register" / "skoler.csv").open(encoding="utf-8-sig") as f:
        district_of = {r["Skolenr"]: r["Bydel"] for r in csv.DictReader(f, delimiter=";")}
    figures = {str(r[number]): (r[low], r[pupils]) for r in rows}
    figures[str(school[number])] = (corrected[low], corrected[pupils])
    code = str(school[number])
    district = district_of[code]
    expected = {
        f"skole:{code}": figures[code],
        "baerum": tuple(map(sum, zip(*figures.values()))),
        district: tuple(map(sum, zip(*(v for k, v in figures.items() if district_of[k] == district)))),
    }
    area_names = dict(sql(published(data), "SELECT area_code, area_name FROM areas"))
    district_code = next(c for c, n in area_names.items() if n == district and c != "baerum")
    expected[district_code] = expected.pop(district)

    after = sql(published(data), VALUES)
    changed = {(r[0], r[1], r[4]) for r in set(before) ^ set(after)}
    assert changed == {(METRIC, area, YEAR) for area in expected}
    assert len(after) == len(before)
    for area, (numerator, denominator) in expected.items():
        (row,) = [r for r in after if r[0] == METRIC and r[1] == area and r[4] == YEAR]
        assert (row[5], row[6], row[8]) == (numerator, denominator, False), area
        assert row[7] == pytest.approx(100 * numerator / denominator)
    # The corrected school's figures moved by what the correction says, the totals with them.
    (old,) = [r for r in before if r[0] == METRIC and r[1] == "baerum" and r[4] == YEAR]
    assert expected["baerum"] == (old[5] + 2, old[6] + 6)
