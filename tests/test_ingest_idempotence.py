"""Ingestion is idempotent, replaces corrected slices atomically and keeps provenance.

- Re-ingesting every landing file gives byte-identical raw and staging tables (ordered CSV export,
  hashed): on the same warehouse (a no-op) and on a fresh one.
- The same file twice is a no-op; equal bytes under another name are another delivery.
- A corrected file for the same source and period replaces exactly that slice, in one transaction,
  and ``meta.file_loads`` records the replaced hash.
- Every figure in ``marts.metric_values`` (real Dagster run) traces back to delivered files: raw
  rows of its source and period carry a file and hash that ``meta.file_loads`` and the published
  ``metric_provenance`` list, and the hash is the file's SHA-256 on disk.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines.catalogue import load_catalogue
from pipelines.ingest import landing as landing_module
from pipelines.ingest.contracts import contract_sources, load_contract
from pipelines.ingest.landing import ingest_source
from pipelines.warehouse import build_table
from tests.helpers import make_newest

pytestmark = pytest.mark.slow  # started first in a parallel run (pyproject: markers)

NOW = dt.datetime(2025, 3, 1, 12, 0)
LATER = dt.datetime(2025, 4, 1, 8, 30)

# The period column of each raw table, as the staging SQL turns it into ``year``.
PERIOD = {
    "ppt": "year",
    "services": "year",
    "ungdata": "survey_year",
    "ungdata_reference": "year",
    "absence": "CAST(left(school_year, 4) AS BIGINT)",
    "child_welfare_reports": "year",
    "child_welfare_key_figures": "year",
    "population": "year",
    "vgs_completion": "year",
    "young_disability": "year",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tables_of(source: str) -> list[str]:
    return [t.name for t in load_contract(source).tables]


def ingest_all(con: duckdb.DuckDBPyConnection, landing: Path, quarantine: Path, now: dt.datetime) -> dict:
    reports = {s: ingest_source(con, s, landing, quarantine, now=now) for s in contract_sources()}
    for source in contract_sources():
        for table in tables_of(source):
            build_table(con, "staging", f"stg_{table}")
    return reports


def export_hashes(
    con: duckdb.DuckDBPyConnection, folder: Path, schemas: tuple[str, ...], exclude: tuple[str, ...] = ()
) -> dict[str, str]:
    """SHA-256 of an ordered CSV export of every table in ``schemas`` (minus ``exclude`` columns)."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN "
        f"({', '.join(repr(s) for s in schemas)}) ORDER BY ALL"
    ).fetchall()
    out = {}
    for schema, table in tables:
        cols = [
            c
            for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                "ORDER BY ordinal_position",
                [schema, table],
            ).fetchall()
            if c not in exclude
        ]
        target = folder / f"{schema}.{table}.csv"
        select = ", ".join(f'"{c}"' for c in cols)
        con.execute(f"COPY (SELECT {select} FROM {schema}.{table} ORDER BY ALL) TO '{target}' (HEADER, DELIMITER ';')")
        out[f"{schema}.{table}"] = hashlib.sha256(target.read_bytes()).hexdigest()
    return out


def file_loads(con: duckdb.DuckDBPyConnection, source: str) -> list[tuple]:
    return con.execute(
        "SELECT file_name, file_hash, status, slice, replaced_hashes FROM meta.file_loads "
        "WHERE source = ? ORDER BY file_name, processed_at, status",
        [source],
    ).fetchall()


def dump(con: duckdb.DuckDBPyConnection, table: str, where: str = "TRUE") -> list[tuple]:
    return con.execute(f"SELECT * FROM raw.{table} WHERE {where} ORDER BY ALL").fetchall()


# -- re-ingesting -------------------------------------------------------------------------------


def test_reingesting_all_landing_files_gives_byte_identical_raw_and_staging(landing, tmp_path):
    con = duckdb.connect(str(tmp_path / "a.duckdb"))
    try:
        first = ingest_all(con, landing, tmp_path / "quarantine", NOW)
        assert all(r.loaded and not r.quarantined for r in first.values())
        once = export_hashes(con, tmp_path / "export1", ("raw", "staging", "meta"))
        assert len([t for t in once if t.startswith("staging.")]) == 11  # one per raw table

        # Twice on the same warehouse: nothing is loaded again, nothing changes (not even meta).
        second = ingest_all(con, landing, tmp_path / "quarantine", LATER)
        assert all(r.loaded == [] and sorted(r.unchanged) == sorted(first[s].loaded) for s, r in second.items())
        assert export_hashes(con, tmp_path / "export2", ("raw", "staging", "meta")) == once
    finally:
        con.close()

    # On a fresh warehouse: the same tables, byte for byte (the load time is the only difference).
    fresh = duckdb.connect(str(tmp_path / "b.duckdb"))
    try:
        ingest_all(fresh, landing, tmp_path / "quarantine", LATER)
        again = export_hashes(fresh, tmp_path / "export3", ("raw", "staging"), exclude=("_loaded_at",))
    finally:
        fresh.close()
    con = duckdb.connect(str(tmp_path / "a.duckdb"))
    try:
        assert again == export_hashes(con, tmp_path / "export4", ("raw", "staging"), exclude=("_loaded_at",))
    finally:
        con.close()
    staging = {k: v for k, v in again.items() if k.startswith("staging.")}
    assert staging == {k: v for k, v in once.items() if k.startswith("staging.")}


def test_same_file_twice_is_a_noop_even_when_touched(landing, tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ingest_source(con, "ppt", landing, tmp_path / "q", now=NOW)
        before, loads = dump(con, "ppt"), file_loads(con, "ppt")
        path = landing / "ppt" / "ppt_2016.csv"
        path.write_bytes(path.read_bytes())  # saved again, same bytes, new mtime
        make_newest(path)
        report = ingest_source(con, "ppt", landing, tmp_path / "q", now=LATER)
        assert report.loaded == [] and "ppt_2016.csv" in report.unchanged
        assert dump(con, "ppt") == before and file_loads(con, "ppt") == loads
    finally:
        con.close()


def test_equal_bytes_under_another_name_replace_the_slice_and_retire_the_first_name(landing, tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ingest_source(con, "ppt", landing, tmp_path / "q", now=NOW)
        original = landing / "ppt" / "ppt_2016.csv"
        copy = landing / "ppt" / "ppt_2016_kopi.csv"
        shutil.copyfile(original, copy)
        make_newest(copy)
        report = ingest_source(con, "ppt", landing, tmp_path / "q", now=LATER)
        assert report.loaded == ["ppt_2016_kopi.csv"]
        h = sha256(original)
        assert con.execute("SELECT DISTINCT _source_file FROM raw.ppt WHERE year = 2016").fetchall() == [
            ("ppt_2016_kopi.csv",)
        ]
        loads = {(r[0], r[2]) for r in file_loads(con, "ppt")}
        # The first delivery no longer has rows: it is 'replaced', not still 'loaded'.
        assert ("ppt_2016.csv", "replaced") in loads and ("ppt_2016_kopi.csv", "loaded") in loads
        assert [json.loads(r[4]) for r in file_loads(con, "ppt") if r[0] == "ppt_2016_kopi.csv"] == [[h]]
    finally:
        con.close()


# -- corrected files ----------------------------------------------------------------------------


def _correct_ppt(landing: Path, name: str) -> Path:
    """ppt_2016.csv with one figure changed (Windows-1252, as delivered), saved as ``name``."""
    source = landing / "ppt" / "ppt_2016.csv"
    text = source.read_bytes().decode("cp1252").splitlines(keepends=True)
    cells = text[1].split(";")
    cells[3] = '"999"'  # Førstegangskonsultasjoner, first data row
    text[1] = ";".join(cells)
    target = landing / "ppt" / name
    target.write_bytes("".join(text).encode("cp1252"))
    make_newest(target)
    return target


def _correct_services(landing: Path, name: str) -> Path:
    book = openpyxl.load_workbook(landing / "services" / "tjenestetall_2016.xlsx")
    sheet = book.active
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("Teller") + 1, value=1)
    target = landing / "services" / name
    book.save(target)
    make_newest(target)
    return target


@pytest.mark.parametrize(
    "source, table, original, corrected, slice_sql, changed_sql, correct",
    [
        ("ppt", "ppt", "ppt_2016.csv", "ppt_2016.csv", "year = 2016", "first_consultations = 999", _correct_ppt),
        (
            "ppt",
            "ppt",
            "ppt_2016.csv",
            "ppt_2016_korrigert.csv",
            "year = 2016",
            "first_consultations = 999",
            _correct_ppt,
        ),
        (
            "services",
            "services",
            "tjenestetall_2016.xlsx",
            "tjenestetall_2016_korrigert.xlsx",
            "year = 2016",
            "numerator = 1",
            _correct_services,
        ),
    ],
    ids=["same-name", "second-file", "services-year-from-name"],
)
def test_corrected_file_replaces_exactly_its_slice(
    source, table, original, corrected, slice_sql, changed_sql, correct, landing, tmp_path
):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ingest_source(con, source, landing, tmp_path / "q", now=NOW)
        old_hash = sha256(landing / source / original)
        others = dump(con, table, f"NOT ({slice_sql})")
        slice_rows = con.execute(f"SELECT COUNT(*) FROM raw.{table} WHERE {slice_sql}").fetchall()[0][0]

        new = correct(landing, corrected)
        new_hash = sha256(new)
        report = ingest_source(con, source, landing, tmp_path / "q", now=LATER)
        assert report.loaded == [corrected] and not report.quarantined

        # Exactly the slice changed: all its rows come from the new file, everything else is as it was.
        assert dump(con, table, f"NOT ({slice_sql})") == others
        assert con.execute(
            f"SELECT DISTINCT _source_file, _file_hash, _loaded_at FROM raw.{table} WHERE {slice_sql}"
        ).fetchall() == [(corrected, new_hash, LATER)]
        assert con.execute(f"SELECT COUNT(*) FROM raw.{table} WHERE {slice_sql}").fetchall()[0][0] == slice_rows
        assert (
            con.execute(f"SELECT COUNT(*) FROM raw.{table} WHERE ({slice_sql}) AND {changed_sql}").fetchall()[0][0] == 1
        )

        # The replacement is recorded: what, when, the previous hash.
        rows = con.execute(
            "SELECT file_name, status, slice, replaced_hashes, processed_at FROM meta.file_loads "
            "WHERE source = ? AND file_hash IN (?, ?) ORDER BY processed_at",
            [source, old_hash, new_hash],
        ).fetchall()
        assert [(r[0], r[1]) for r in rows] == [(original, "replaced"), (corrected, "loaded")]
        assert json.loads(rows[1][2]) == [2016]
        assert json.loads(rows[1][3]) == [old_hash]
        assert rows[1][4] == LATER
    finally:
        con.close()


def test_a_failing_replacement_is_rolled_back_whole(landing, tmp_path, monkeypatch):
    """The slice swap is one transaction: if recording it fails, the old rows are all still there."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ingest_source(con, "ppt", landing, tmp_path / "q", now=NOW)
        before, loads = dump(con, "ppt"), file_loads(con, "ppt")
        _correct_ppt(landing, "ppt_2016_korrigert.csv")

        class Boom:  # json.dumps runs after the DELETE and INSERT, before COMMIT
            @staticmethod
            def dumps(*args, **kwargs):
                raise RuntimeError("disk full")

        monkeypatch.setattr(landing_module, "json", Boom)
        with pytest.raises(RuntimeError, match="disk full"):
            ingest_source(con, "ppt", landing, tmp_path / "q", now=LATER)
        monkeypatch.undo()

        assert dump(con, "ppt") == before
        assert file_loads(con, "ppt") == loads
        # And the next run loads it properly.
        report = ingest_source(con, "ppt", landing, tmp_path / "q", now=LATER)
        assert report.loaded == ["ppt_2016_korrigert.csv"]
    finally:
        con.close()


def test_a_quarantine_that_cannot_be_recorded_leaves_the_file_in_landing(landing, tmp_path):
    """The file leaves the landing folder only once its quarantine is on disk and in meta.file_loads."""
    bad_source = Path(__file__).parent / "bad_files" / "ppt" / "ppt_2016_negativt_antall.csv"
    bad = landing / "ppt" / bad_source.name
    shutil.copyfile(bad_source, bad)
    quarantine = tmp_path / "q"
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        # A meta table that refuses quarantine rows, as a full disk or a lost connection would.
        con.execute("CREATE SCHEMA meta")
        con.execute(
            landing_module.META_DDL.replace(
                "status VARCHAR NOT NULL,", "status VARCHAR NOT NULL CHECK (status <> 'quarantined'),"
            )
        )
        with pytest.raises(duckdb.ConstraintException):
            ingest_source(con, "ppt", landing, quarantine, now=NOW)
        assert bad.exists()

        con.execute("DROP SCHEMA meta CASCADE")
        report = ingest_source(con, "ppt", landing, quarantine, now=LATER)
        assert list(report.quarantined) == [bad.name]
        assert not bad.exists()
        kept = [p.name for p in (quarantine / "ppt").iterdir() if not p.name.endswith((".json", ".txt"))]
        assert kept == [f"{sha256(bad_source)[:12]}__{bad.name}"]
        assert (quarantine / "ppt" / kept[0]).read_bytes() == bad_source.read_bytes()
        assert con.execute("SELECT COUNT(*) FROM meta.file_loads WHERE status = 'quarantined'").fetchall() == [(1,)]
    finally:
        con.close()


# -- provenance ---------------------------------------------------------------------------------


def test_every_metric_figure_traces_back_to_delivered_files(pipeline_result, published_snapshot, demo_data_dir):
    warehouse = demo_data_dir / "warehouse" / "sbu.duckdb"
    sources = {m.id: m.source for m in load_catalogue().metrics}
    on_disk = {(p.parent.name, p.name): sha256(p) for p in (demo_data_dir / "landing").glob("*/*") if p.is_file()}

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        version = {s: load_contract(s).version for s in contract_sources()}
        loads = {
            (r[0], r[1], r[2]): r[3:]
            for r in con.execute(
                "SELECT source, file_name, file_hash, status, rows, contract_version FROM meta.file_loads"
            ).fetchall()
        }
        # Every raw row carries all provenance columns, pointing at a loaded file with its hash.
        for source in contract_sources():
            for table in tables_of(source):
                assert (
                    con.execute(
                        f"SELECT COUNT(*) FROM raw.{table} WHERE _source_file IS NULL OR _file_hash IS NULL "
                        f"OR _row IS NULL OR _loaded_at IS NULL OR _contract_version IS NULL"
                    ).fetchall()[0][0]
                    == 0
                )
                for name, h, n, cv in con.execute(
                    f"SELECT _source_file, _file_hash, COUNT(*), any_value(_contract_version) FROM raw.{table} "
                    f"GROUP BY ALL"
                ).fetchall():
                    assert loads[(source, name, h)] == ("loaded", n, cv), (table, name)
                    assert cv == version[source]
                    assert on_disk[(source, name)] == h, f"{name}: hash is not the file's SHA-256"

        figures = con.execute(
            "SELECT DISTINCT metric_id, year FROM marts.metric_values WHERE value IS NOT NULL OR numerator IS NOT NULL"
        ).fetchall()
        assert len({m for m, _ in figures}) == len(sources)
        traced: dict[tuple[str, int], set[tuple[str, str]]] = {}
        repo = Path(__file__).resolve().parent.parent
        staged = [(s, t) for s in contract_sources() for t in tables_of(s)]
        for metric_id, year in figures:
            source = sources[metric_id]
            sql = (repo / "sql" / "metrics" / f"{metric_id}.sql").read_text(encoding="utf-8")
            # Every staged table the metric's SQL reads, from any source (rates use population too).
            read = [(s, t) for s, t in staged if f"staging.stg_{t}" in sql]
            assert any(s == source for s, _ in read), metric_id
            files = set()
            for _, table in read:
                files |= set(
                    con.execute(
                        f"SELECT DISTINCT _source_file, _file_hash FROM raw.{table} WHERE {PERIOD[table]} = ?", [year]
                    ).fetchall()
                )
            assert files, f"{metric_id} {year}: no delivered file covers this period"
            traced[(metric_id, year)] = files
    finally:
        con.close()

    # The published provenance table names the same files and hashes for each metric.
    pub = duckdb.connect(str(published_snapshot), read_only=True)
    try:
        provenance: dict[str, set[tuple[str, str]]] = {}
        for metric_id, name, h in pub.execute(
            "SELECT metric_id, file_name, file_hash FROM metric_provenance"
        ).fetchall():
            provenance.setdefault(metric_id, set()).add((name, h))
    finally:
        pub.close()
    for (metric_id, year), files in traced.items():
        assert files <= provenance.get(metric_id, set()), (
            f"{metric_id} {year}: {files - provenance.get(metric_id, set())}"
        )


def test_putting_back_an_older_version_loads_it_again(landing, tmp_path):
    """ppt_2016.csv v1 -> v2 (corrected) -> v1 again: the warehouse follows the landing folder."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        path = landing / "ppt" / "ppt_2016.csv"
        original = path.read_bytes()
        ingest_source(con, "ppt", landing, tmp_path / "q", now=NOW)
        v1 = dump(con, "ppt", "year = 2016")
        corrected = _correct_ppt(landing, "ppt_2016_tmp.csv").read_bytes()
        (landing / "ppt" / "ppt_2016_tmp.csv").unlink()
        path.write_bytes(corrected)
        make_newest(path)
        assert ingest_source(con, "ppt", landing, tmp_path / "q", now=LATER).loaded == ["ppt_2016.csv"]
        assert dump(con, "ppt", "year = 2016") != v1
        path.write_bytes(original)
        make_newest(path)
        report = ingest_source(con, "ppt", landing, tmp_path / "q", now=LATER)
        assert report.loaded == ["ppt_2016.csv"]
        assert [r[:-3] for r in dump(con, "ppt", "year = 2016")] == [r[:-3] for r in v1]
        # A rerun is then a no-op again.
        assert ingest_source(con, "ppt", landing, tmp_path / "q", now=LATER).loaded == []
    finally:
        con.close()


def test_a_contract_change_rebuilds_the_raw_table_from_the_landing_files(landing, tmp_path):
    """raw.ppt built under an older contract (a column fewer): the next load rebuilds it from the
    files instead of failing on INSERT, and the earlier loads are marked superseded."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ingest_source(con, "ppt", landing, tmp_path / "q", now=NOW)
        rows = con.execute("SELECT COUNT(*) FROM raw.ppt").fetchall()[0][0]
        con.execute("ALTER TABLE raw.ppt DROP COLUMN assessed_before_school")  # as an older contract made it
        report = ingest_source(con, "ppt", landing, tmp_path / "q", now=LATER)
        files = len(list((landing / "ppt").glob("ppt_*.csv")))  # one per year
        assert report.rebuilt == ["ppt"] and len(report.loaded) == files
        # one "ferdig utredet" figure per district (Østre, Vestre) and year
        assert con.execute("SELECT COUNT(*), COUNT(assessed_before_school) FROM raw.ppt").fetchall()[0] == (
            rows,
            2 * files,
        )
        statuses = con.execute(
            "SELECT status, COUNT(*) FROM meta.file_loads WHERE source = 'ppt' GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        assert statuses == [("loaded", files), ("superseded", files)]
        assert ingest_source(con, "ppt", landing, tmp_path / "q", now=LATER).loaded == []
    finally:
        con.close()
