"""A valid file replaces only the slice it carries: its periods *and* its units (issue 14).

- A correction file for one school replaces that school's rows for that school year, nothing else.
- An SSB extract for another municipality replaces that municipality's rows, never the plan
  municipality's.
- A delivery that would remove more rows than it brings is held (quarantined with the reason
  ``shrinks_slice``, nothing removed) until an empty ``<file name>.bekreftet`` beside it confirms it.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import duckdb
import openpyxl

from pipelines.ingest.landing import CONFIRM_SUFFIX, ingest_source
from tests.helpers import make_newest

NOW = dt.datetime(2025, 3, 1, 12, 0)
LATER = dt.datetime(2025, 4, 1, 8, 30)


def test_a_correction_for_one_school_changes_that_school_only(landing: Path, tmp_path: Path) -> None:
    original = landing / "absence" / "fravaer_2016-17.xlsx"
    rows = list(openpyxl.load_workbook(original).active.iter_rows(values_only=True))
    header, data = rows[0], [r for r in rows[1:] if r[0] is not None]
    pupils_col, absence_col = header.index("Antall elever"), header.index("Elever med fravær over 10 %")
    school = data[1]
    school_number = str(school[header.index("Skolenr")])
    total_before = sum(r[pupils_col] for r in data)
    # The correction: the school had 6 more pupils and 3 more with high absence.
    corrected = list(school)
    corrected[pupils_col] += 6
    corrected[absence_col] += 3
    book = openpyxl.Workbook()
    book.active.title = "Fravær"
    book.active.append(header)
    book.active.append(corrected)
    correction = landing / "absence" / "fravaer_2016-17_rettelse_en_skole.xlsx"

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ingest_source(con, "absence", landing, tmp_path / "q", now=NOW)
        others_before = con.execute(
            "SELECT * FROM raw.absence WHERE NOT (school_year = '2016/17' AND school_number = ?) ORDER BY ALL",
            [school_number],
        ).fetchall()
        count_before = con.execute("SELECT COUNT(*) FROM raw.absence WHERE school_year = '2016/17'").fetchall()[0][0]
        assert count_before == len(data)

        book.save(correction)
        make_newest(correction)
        report = ingest_source(con, "absence", landing, tmp_path / "q", now=LATER)
        assert report.loaded == [correction.name] and not report.quarantined

        # Every other school, and every other year, is exactly as it was.
        assert (
            con.execute(
                "SELECT * FROM raw.absence WHERE NOT (school_year = '2016/17' AND school_number = ?) ORDER BY ALL",
                [school_number],
            ).fetchall()
            == others_before
        )
        # The year still has all its schools; the school's figures are the corrected ones.
        assert con.execute(
            "SELECT COUNT(*), SUM(pupils) FROM raw.absence WHERE school_year = '2016/17'"
        ).fetchall() == [(len(data), total_before + 6)]
        assert con.execute(
            "SELECT pupils, pupils_high_absence, _source_file FROM raw.absence "
            "WHERE school_year = '2016/17' AND school_number = ?",
            [school_number],
        ).fetchall() == [(school[pupils_col] + 6, school[absence_col] + 3, correction.name)]
        # meta.file_loads says what the file covered: the year and the one school.
        slice_json, units_json, status = con.execute(
            "SELECT slice, units, status FROM meta.file_loads WHERE file_name = ?", [correction.name]
        ).fetchall()[0]
        assert (json.loads(slice_json), json.loads(units_json), status) == (["2016/17"], [school_number], "loaded")
        # The year's first file still holds the other schools: it is still 'loaded', not 'replaced'.
        assert con.execute(
            "SELECT status FROM meta.file_loads WHERE file_name = 'fravaer_2016-17.xlsx'"
        ).fetchall() == [("loaded",)]
    finally:
        con.close()


def test_an_extract_for_another_municipality_leaves_the_plan_municipality(landing: Path, tmp_path: Path) -> None:
    path = landing / "ssb_outcomes" / "ssb_12971_gjennomforing_vgs.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    asker = [line for line in lines[1:] if "Asker" in line.split(";")[0]]
    assert len(asker) == 11  # 2014-2024 under Asker's three codes

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ingest_source(con, "ssb_outcomes", landing, tmp_path / "q", now=NOW)
        query = "SELECT * FROM raw.vgs_completion WHERE municipality IS DISTINCT FROM 'asker' ORDER BY ALL"
        not_asker = con.execute(query).fetchall()
        baerum = con.execute(
            "SELECT year, measure, pupils FROM raw.vgs_completion WHERE municipality = 'baerum' ORDER BY ALL"
        ).fetchall()
        assert len(baerum) == 2 * 11

        # Asker's own extract, a year's figures revised: 10 more pupils started in 2018.
        cells = [line.split(";") for line in asker]
        for c in cells:
            if c[1] == '"2018"':
                c[2] = f'"{int(c[2].strip(chr(34))) + 10}"'
        extract = landing / "ssb_outcomes" / "ssb_12971_gjennomforing_vgs_asker.csv"
        extract.write_text("\n".join([lines[0], *(";".join(c) for c in cells)]) + "\n", encoding="utf-8-sig")
        make_newest(extract)
        expected_2018 = int(next(c for c in cells if c[1] == '"2018"')[2].strip('"'))

        report = ingest_source(con, "ssb_outcomes", landing, tmp_path / "q", now=LATER)
        assert report.loaded == [extract.name] and not report.quarantined
        assert con.execute(query).fetchall() == not_asker  # Bærum and everyone else untouched
        assert (
            con.execute(
                "SELECT year, measure, pupils FROM raw.vgs_completion WHERE municipality = 'baerum' ORDER BY ALL"
            ).fetchall()
            == baerum
        )
        assert con.execute(
            "SELECT pupils, _source_file FROM raw.vgs_completion WHERE municipality = 'asker' AND year = 2018 "
            "AND measure = 'Elever som startet'"
        ).fetchall() == [(expected_2018, extract.name)]
        assert con.execute(
            "SELECT COUNT(*) FROM raw.vgs_completion WHERE municipality = 'asker' AND _source_file = ?", [extract.name]
        ).fetchall() == [(2 * 11,)]
    finally:
        con.close()


def test_a_delivery_that_would_remove_more_than_it_brings_is_held_until_confirmed(
    landing: Path, tmp_path: Path
) -> None:
    source = landing / "ppt" / "ppt_2016.csv"
    lines = source.read_bytes().decode("cp1252").splitlines(keepends=True)
    first = lines[1].split(";")
    assert first[1] == '"Østre Bærum"'
    first[3] = '"108"'  # one age group of Østre Bærum only, its first consultations revised
    shrunk = landing / "ppt" / "ppt_2016_rettet.csv"
    shrunk.write_bytes((lines[0] + ";".join(first)).encode("cp1252"))
    shrunk_bytes = shrunk.read_bytes()
    quarantine = tmp_path / "q"

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        shrunk.unlink()
        ingest_source(con, "ppt", landing, quarantine, now=NOW)
        before = con.execute("SELECT * FROM raw.ppt ORDER BY ALL").fetchall()
        ostre = con.execute("SELECT COUNT(*) FROM raw.ppt WHERE year = 2016 AND district = 'Østre Bærum'").fetchall()
        assert ostre == [(5,)]  # five age groups

        shrunk.write_bytes(shrunk_bytes)
        make_newest(shrunk)
        report = ingest_source(con, "ppt", landing, quarantine, now=LATER)
        # Held: nothing loaded, nothing lost, the reason says what and how to confirm.
        assert report.loaded == [] and [p.rule for p in report.quarantined[shrunk.name]] == ["shrinks_slice"]
        assert con.execute("SELECT * FROM raw.ppt ORDER BY ALL").fetchall() == before
        assert not shrunk.exists()
        reason = next((quarantine / "ppt").glob("*.reason.txt")).read_text(encoding="utf-8")
        assert "erstatte 5 rader med bare 1" in reason and "4 rader ville forsvinne" in reason
        assert f"«{shrunk.name}{CONFIRM_SUFFIX}»" in reason
        assert con.execute(
            "SELECT status, reason_code FROM meta.file_loads WHERE file_name = ?", [shrunk.name]
        ).fetchall() == [("quarantined", "shrinks_slice")]

        # Put back without confirmation: held again.
        shrunk.write_bytes(shrunk_bytes)
        report = ingest_source(con, "ppt", landing, quarantine, now=LATER)
        assert list(report.quarantined) == [shrunk.name]
        assert con.execute("SELECT * FROM raw.ppt ORDER BY ALL").fetchall() == before

        # Put back with the confirmation beside it: applied, and the confirmation is used up.
        shrunk.write_bytes(shrunk_bytes)
        confirmation = shrunk.with_name(shrunk.name + CONFIRM_SUFFIX)
        confirmation.touch()
        report = ingest_source(con, "ppt", landing, quarantine, now=LATER)
        assert report.loaded == [shrunk.name] and not report.quarantined
        assert not confirmation.exists()
        assert con.execute(
            "SELECT age_group, first_consultations FROM raw.ppt WHERE year = 2016 AND district = 'Østre Bærum'"
        ).fetchall() == [("0-5 år (barnehage)", 108)]
        # Vestre Bærum's 2016 and every other year are as they were.
        assert con.execute(
            "SELECT * FROM raw.ppt WHERE NOT (year = 2016 AND district = 'Østre Bærum') ORDER BY ALL"
        ).fetchall() == [r for r in before if not (r[0] == 2016 and r[1] == "Østre Bærum")]
    finally:
        con.close()


def test_a_register_of_one_new_school_is_held_naming_every_school_it_would_drop(landing: Path, tmp_path: Path) -> None:
    """The school register is one slice (the whole table): a file with only a new school would drop
    every school loaded. Held, and the reason counts and names the schools that would go."""
    with (landing / "school_register" / "skoler.csv").open(encoding="utf-8-sig") as f:
        schools = sorted(r["Skolenr"] for r in csv.DictReader(f, delimiter=";"))
    quarantine = tmp_path / "q"
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ingest_source(con, "school_register", landing, quarantine, now=NOW)
        before = con.execute("SELECT * FROM raw.school_register ORDER BY ALL").fetchall()
        new = landing / "school_register" / "skoler_ny_skole.csv"
        new.write_text(
            '"Skolenr";"Skolenavn";"Skoletype";"Bydel";"Merknad"\r\n"9199";"Ny skole";"Barneskole";"Østre Bærum";""\r\n',
            encoding="utf-8",
        )
        make_newest(new)
        report = ingest_source(con, "school_register", landing, quarantine, now=LATER)
        assert [p.rule for p in report.quarantined[new.name]] == ["shrinks_slice"]
        assert con.execute("SELECT * FROM raw.school_register ORDER BY ALL").fetchall() == before
    finally:
        con.close()
    n = len(schools)
    reason = next((quarantine / "school_register").glob("*.reason.txt")).read_text(encoding="utf-8")
    assert f"filen ville erstatte {n} rader med bare 1 for det den dekker (hele tabellen), så {n} rader" in reason
    shown = "; ".join(f"Skolenr {s}" for s in schools[:3])
    assert f"hele tabellen: {n} rader ({shown} og {n - 3} til)" in reason
