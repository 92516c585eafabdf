"""A school missing from the school register is never lost silently (issue 14).

Its figures have no place in the area hierarchy, so they would fall out of every total. A file with
such a school is quarantined with a reason naming the school number and the row; once the school is in
the register, the same file loads and the totals include its pupils.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import openpyxl

from pipelines.ingest.landing import ingest_source
from tests.helpers import make_newest

NOW = dt.datetime(2025, 3, 1, 12, 0)
LATER = dt.datetime(2025, 4, 1, 8, 30)


def test_a_school_missing_from_the_register_is_rejected_naming_school_and_row(demo_data_dir: Path, tmp_path: Path):
    landing = tmp_path / "landing"
    shutil.copytree(demo_data_dir / "landing", landing)
    quarantine = tmp_path / "q"
    original = landing / "absence" / "fravaer_2016-17.xlsx"
    book = openpyxl.load_workbook(original)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    data = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] is not None]
    pupils = header.index("Antall elever")
    total = sum(r[pupils] for r in data)
    new_school = ["2016/17", 9199, "Nyskolen", data[0][header.index("Bydel")], 410, 20, 5]
    sheet.append(new_school)
    new_row = sheet.max_row  # the row as Excel numbers it
    assert new_row == len(data) + 2

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ingest_source(con, "school_register", landing, quarantine, now=NOW)
        ingest_source(con, "absence", landing, quarantine, now=NOW)
        assert con.execute("SELECT SUM(pupils) FROM raw.absence WHERE school_year = '2016/17'").fetchall() == [(total,)]

        delivery = landing / "absence" / "fravaer_2016-17_med_ny_skole.xlsx"
        book.save(delivery)
        delivery_bytes = delivery.read_bytes()
        make_newest(delivery)
        report = ingest_source(con, "absence", landing, quarantine, now=LATER)
        problems = report.quarantined[delivery.name]
        assert [(p.rule, p.row, p.value) for p in problems] == [("in_register", new_row, "9199")]
        assert f"rad {new_row}" in problems[0].message_nb and "skoleregisteret" in problems[0].message_nb
        reason = next((quarantine / "absence").glob("*.reason.txt")).read_text(encoding="utf-8")
        assert "«9199»" in reason and f"rad {new_row}" in reason
        # Nothing of the file got in; the year's pupils are as before.
        assert con.execute("SELECT SUM(pupils) FROM raw.absence WHERE school_year = '2016/17'").fetchall() == [(total,)]

        # The register gets the school; the same file then loads, its 410 pupils in the total.
        register = landing / "school_register" / "skoler.csv"
        text = register.read_text(encoding="utf-8-sig")
        district = new_school[3]
        register.write_text(
            text.rstrip("\r\n") + f'\r\n"9199";"Nyskolen";"Barneskole";"{district}";""\r\n', encoding="utf-8-sig"
        )
        assert ingest_source(con, "school_register", landing, quarantine, now=LATER).loaded == ["skoler.csv"]
        delivery.write_bytes(delivery_bytes)
        report = ingest_source(con, "absence", landing, quarantine, now=LATER)
        assert report.loaded == [delivery.name] and not report.quarantined
        assert con.execute(
            "SELECT COUNT(*), SUM(pupils) FROM raw.absence WHERE school_year = '2016/17'"
        ).fetchall() == [(len(data) + 1, total + 410)]
    finally:
        con.close()


def test_sources_checked_against_the_register_run_after_it() -> None:
    """In one run the register loads first, so a school added with it is known when the data come."""
    from pipelines.defs.sources.assets import build_source_asset

    for source in ("absence", "ungdata"):
        deps = {key.to_user_string() for keys in build_source_asset(source).asset_deps.values() for key in keys}
        assert "school_register" in deps, source
    assert not {k for keys in build_source_asset("ppt").asset_deps.values() for k in keys}
