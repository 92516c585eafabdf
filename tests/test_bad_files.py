"""The bad-file corpus (tests/bad_files, manifest expected.yaml): every file is refused whole.

The valid demo files of each source are loaded once into a template DuckDB file (``reference``).
Each case is dropped into a fresh landing folder next to those files, beside a copy of the template,
and ``ingest_source`` runs: the load is incremental by file name and content hash, so only the bad
file is new. It must end up in quarantine with a machine-readable ``.reason.json`` and a Norwegian
``.reason.txt`` naming file, row, column and rule; nothing from it may reach ``raw.*``; the valid
files stay loaded exactly as they were (the template's content); and ``meta.file_loads`` records it
as quarantined. A bad file dropped after a good load leaves the loaded data exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import openpyxl
import openpyxl.comments
import openpyxl.workbook.defined_name
import pytest
import yaml

from pipelines.ingest.contracts import contract_sources, load_contract
from pipelines.ingest.landing import ingest_source
from pipelines.readers import find_identity_numbers
from tests.conftest import AS_OF
from tests.helpers import assert_same_rows, table_rows

if TYPE_CHECKING:
    import pyarrow as pa

BAD = Path(__file__).resolve().parent / "bad_files"
MANIFEST = yaml.safe_load((BAD / "expected.yaml").read_text(encoding="utf-8"))
CASES = MANIFEST["cases"]
CORPUS_IDENTITY_NUMBERS = ("31123990008", "71123990182", "1123990095")
NOW = dt.datetime(2025, 3, 1, 12, 0)  # one load time, so loads can be compared row for row


def _case_id(case: dict) -> str:
    return case["file"]


# -- helpers ------------------------------------------------------------------------------------


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_case(case: dict, folder: Path) -> Path:
    """Put the case's file into ``folder`` under its own name (xlsx built from the spec) and make
    it the newest file there."""
    name = Path(case["file"]).name
    target = folder / name
    if "xlsx" in case:
        build_workbook(case, target)
    else:
        shutil.copyfile(BAD / case["file"], target)
    newest = max((p.stat().st_mtime for p in folder.iterdir() if p != target), default=0)
    os.utime(target, (newest + 10, newest + 10))
    return target


def build_workbook(case: dict, target: Path) -> None:
    """The first sheet "Ark1" from ``xlsx`` (rows; a `null` row is a blank row), ``cells`` (more cells
    by reference), ``comments`` (cell notes by reference), ``page_header`` and ``page_footer`` (printed
    on every page); then each of ``sheets`` (title, rows, hidden: true, or "very" for veryHidden);
    ``defined_names`` (name: what it refers to) belong to the workbook."""
    book = openpyxl.Workbook()
    first = {k: case[k] for k in ("cells", "comments", "page_header", "page_footer") if k in case}
    specs = [{"title": "Ark1", "rows": case["xlsx"], **first}]
    for name, value in case.get("defined_names", {}).items():
        book.defined_names[name] = openpyxl.workbook.defined_name.DefinedName(name, attr_text=value)
    for i, spec in enumerate(specs + case.get("sheets", [])):
        sheet = book.active if i == 0 else book.create_sheet()
        sheet.title = spec["title"]
        if spec.get("hidden"):
            sheet.sheet_state = "veryHidden" if spec["hidden"] == "very" else "hidden"
        for row in spec.get("rows", []):
            sheet.append(row or [])
        for ref, value in spec.get("cells", {}).items():
            sheet[ref] = value
        for ref, text in spec.get("comments", {}).items():
            sheet[ref].comment = openpyxl.comments.Comment(text, "Saksbehandler")
        if "page_header" in spec:
            sheet.oddHeader.center.text = spec["page_header"]
        if "page_footer" in spec:
            sheet.oddFooter.right.text = spec["page_footer"]
    book.save(target)


def raw_tables(source: str) -> list[str]:
    return [t.name for t in load_contract(source).tables]


def landing_with_demo(demo_data_dir: Path, source: str, root: Path) -> Path:
    landing = root / "landing"
    shutil.copytree(demo_data_dir / "landing" / source, landing / source)
    return landing


@dataclass(frozen=True)
class Template:
    """The valid demo files of one source loaded alone: the warehouse file, and what it holds."""

    warehouse: Path
    files: list[str]  # file names loaded
    rows: dict[str, pa.Table]  # rows per raw table

    def copy_to(self, root: Path) -> Path:
        """A copy of the template warehouse under ``root``, for a test to change."""
        target = root / "warehouse.duckdb"
        shutil.copyfile(self.warehouse, target)
        return target


@pytest.fixture(scope="module")
def reference(demo_data_dir: Path, tmp_path_factory) -> dict[str, Template]:
    """Per source: the valid demo files loaded alone into a DuckDB file, the template each case starts from."""
    out: dict[str, Template] = {}
    for source in sorted({c["source"] for c in CASES}):
        root = tmp_path_factory.mktemp(f"ref_{source}")
        landing = landing_with_demo(demo_data_dir, source, root)
        con = duckdb.connect(str(root / "w.duckdb"))
        try:
            report = ingest_source(con, source, landing, root / "quarantine", now=NOW, as_of=AS_OF)
            assert report.loaded and not report.quarantined, (
                f"demo files of {source} must be valid: {report.quarantined}"
            )
            rows = {t: table_rows(con, t) for t in raw_tables(source)}
        finally:
            con.close()
        out[source] = Template(root / "w.duckdb", sorted(report.loaded), rows)
    return out


# -- the manifest itself ------------------------------------------------------------------------


def test_manifest_lists_every_corpus_file_and_enough_cases():
    assert len(CASES) >= 30
    listed = {c["file"] for c in CASES}
    assert len(listed) == len(CASES), "a file is listed twice"
    on_disk = {p.relative_to(BAD).as_posix() for p in BAD.glob("*/*") if p.is_file()}
    committed = {c["file"] for c in CASES if "xlsx" not in c}
    assert on_disk == committed, "every committed corpus file needs a manifest entry and vice versa"
    for case in CASES:
        assert case["file"].split("/")[0] == case["source"]
        assert {"rule", "row", "column", "message"} <= set(case), case["file"]
    required = {
        "encoding",
        "invalid_json",
        "jsonstat_size_mismatch",
        "jsonstat_version",
        "missing_column",
        "valid_values",
        "duplicate_key",
        "minimum",
        "maximum",
        "sql",
        "identity_number",
        "empty_file",
        "ragged_row",
        "header_only",
        "bad_type",
        "unknown_file",
    }
    assert required <= {c["rule"] for c in CASES}


def test_every_count_has_a_plausibility_bound_and_every_period_column_is_marked():
    """A figure no municipality can have (1e308 persons) and a period that has not begun are refused
    only where the contract says what is plausible and which column is the period."""
    for source in contract_sources():
        for table in load_contract(source).tables:
            for prop in table.properties:
                if prop.logicalType in ("integer", "number"):
                    assert prop.logicalTypeOptions.maximum is not None, f"{table.name}.{prop.name}"
            periods = [p.name for p in table.properties if p.period]
            years = [p.name for p in table.properties if p.name in ("year", "survey_year", "school_year")]
            assert periods == years, table.name


# -- every corpus file --------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_bad_file_is_quarantined_and_nothing_of_it_is_loaded(case, demo_data_dir, reference, tmp_path):
    source = case["source"]
    landing = landing_with_demo(demo_data_dir, source, tmp_path)
    bad = write_case(case, landing / source)
    content = bad.read_bytes()
    file_hash = sha256_bytes(content)
    quarantine = tmp_path / "quarantine"
    template = reference[source]

    con = duckdb.connect(str(template.copy_to(tmp_path)))
    try:
        report = ingest_source(con, source, landing, quarantine, now=NOW, as_of=AS_OF)

        # Only the bad file is refused; the valid ones stay loaded exactly as without it.
        assert list(report.quarantined) == [bad.name]
        assert report.loaded == [] and sorted(report.unchanged) == template.files
        for table in raw_tables(source):
            assert_same_rows(con, table, template.rows[table])
            leaked = con.execute(
                f"SELECT COUNT(*) FROM raw.{table} WHERE _source_file = ? OR _file_hash = ?", [bad.name, file_hash]
            ).fetchall()[0][0]
            assert leaked == 0, f"rows of the bad file reached raw.{table}"

        # meta.file_loads: the bad file as quarantined with its first reason; the rest loaded.
        loads = con.execute(
            "SELECT file_name, file_hash, status, reason_code, reason_nb, rows FROM meta.file_loads ORDER BY file_name"
        ).fetchall()
        refused = [r for r in loads if r[0] == bad.name]
        assert [(r[1], r[2], r[3], r[5]) for r in refused] == [(file_hash, "quarantined", case["rule"], None)]
        assert {r[0] for r in loads if r[2] == "loaded"} == set(template.files)
        stored_reason = refused[0][4]
    finally:
        con.close()

    # The file itself moved, byte for byte, to <quarantine>/<source>/<hash12>__<name>.
    assert not bad.exists()
    moved = quarantine / source / f"{file_hash[:12]}__{bad.name}"
    assert moved.read_bytes() == content

    # Machine-readable reason: rule, row, column (and the contract check).
    reason = json.loads(moved.with_name(moved.name + ".reason.json").read_text(encoding="utf-8"))
    assert (reason["source"], reason["file"], reason["sha256"]) == (source, bad.name, file_hash)
    wanted = (case["rule"], case["row"], case["column"])
    found = [v for v in reason["violations"] if (v["rule"], v["row"], v["column"]) == wanted]
    assert found, f"no violation {wanted} in {[(v['rule'], v['row'], v['column']) for v in reason['violations']]}"
    first = found[0]
    assert reason["violations"][0]["rule"] == case["rule"]
    assert first["check"] == case.get("check")
    assert case["message"] in first["message_nb"]

    # Human-readable reason, in Norwegian: names the file, the row, the column and the rule.
    text = moved.with_name(moved.name + ".reason.txt").read_text(encoding="utf-8")
    assert f"Filen «{bad.name}» ({source}) ble avvist" in text
    assert "ikke lastet inn" in text
    assert first["message_nb"] in text
    assert f"Fil «{bad.name}»" in first["message_nb"]
    if case["row"] is not None:
        assert re.search(rf"\b(rad|linje|celle) {case['row']}\b", first["message_nb"])
    if case["column"] is not None:
        assert f"kolonne «{case['column']}»" in first["message_nb"]
    assert f"[regel: {case.get('check') or case['rule']}]" in first["message_nb"]

    # No reason repeats an identity number (they are stored in DuckDB and shown to people).
    for shown in (text, json.dumps(reason, ensure_ascii=False), stored_reason):
        assert find_identity_numbers(shown) == []
        assert not any(n in shown for n in CORPUS_IDENTITY_NUMBERS)


# -- last good data stays -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad_file",
    [
        "ppt/ppt_2016_negativt_antall.csv",  # would replace the 2016 slice
        "services/tjenestetall_2016_fnr_i_kommentar.xlsx",  # same year as a loaded file, holds an fnr
        "school_register/skoler_dobbelt_skolenr.csv",  # would replace the whole register
        "child_welfare/ssb_barnevern_nokkeltall_avkuttet.json",
    ],
)
def test_bad_file_after_a_good_load_leaves_the_loaded_data_alone(bad_file, demo_data_dir, reference, tmp_path):
    """The good load is the source's template (its valid demo files, loaded alone)."""
    case = next(c for c in CASES if c["file"] == bad_file)
    source = case["source"]
    landing = landing_with_demo(demo_data_dir, source, tmp_path)
    quarantine = tmp_path / "quarantine"
    con = duckdb.connect(str(reference[source].copy_to(tmp_path)))
    try:
        before = reference[source].rows
        for table, rows in before.items():
            assert_same_rows(con, table, rows)
        loads_before = con.execute("SELECT * FROM meta.file_loads ORDER BY ALL").fetchall()

        bad = write_case(case, landing / source)
        second = ingest_source(con, source, landing, quarantine, as_of=AS_OF)
        assert list(second.quarantined) == [bad.name]
        assert second.loaded == [] and sorted(second.unchanged) == reference[source].files

        for table, rows in before.items():
            assert_same_rows(con, table, rows)
        loads_after = con.execute("SELECT * FROM meta.file_loads ORDER BY ALL").fetchall()
        assert [r for r in loads_after if r not in loads_before] == [
            r for r in loads_after if r[2] == bad.name and r[4] == "quarantined"
        ]
        assert len(loads_after) == len(loads_before) + 1

        # Nothing of an identity number anywhere in the database.
        for schema, table, column in con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns WHERE data_type = 'VARCHAR'"
        ).fetchall():
            hits = con.execute(
                f'SELECT COUNT(*) FROM "{schema}"."{table}" WHERE '
                f"regexp_matches(\"{column}\", '311239 ?90008|71123990182|1123990095')"
            ).fetchall()[0][0]
            assert hits == 0, f"{schema}.{table}.{column}"
    finally:
        con.close()


# -- runs that must not break -------------------------------------------------------------------


@pytest.mark.parametrize("filler", ["x", "æ"], ids=["ascii", "two_byte_letters"])
def test_a_file_name_too_long_for_the_quarantine_copy_is_shortened_and_the_next_run_goes_on(
    filler, demo_data_dir, tmp_path
):
    """A 244-character landing name plus the hash prefix and ".reason.json" is more than a file
    system allows (255 bytes): the copy is named shorter, the reason keeps the original name."""
    case = next(c for c in CASES if c["file"] == "ppt/ppt_2016_negativt_antall.csv")
    landing = landing_with_demo(demo_data_dir, "ppt", tmp_path)
    name = "ppt_2016_" + filler * ((244 - len("ppt_2016_.csv")) // len(filler.encode())) + ".csv"
    assert len(name.encode()) > 255 - len("123456789012__.reason.json")
    bad = landing / "ppt" / name
    shutil.copyfile(BAD / case["file"], bad)
    quarantine = tmp_path / "quarantine"
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        first = ingest_source(con, "ppt", landing, quarantine, now=NOW)
        assert list(first.quarantined) == [name]
        second = ingest_source(con, "ppt", landing, quarantine, now=NOW)
        assert not second.quarantined and sorted(second.unchanged) == sorted(first.loaded)
        stored = con.execute("SELECT file_name FROM meta.file_loads WHERE status = 'quarantined'").fetchall()
        assert stored == [(name,)]
    finally:
        con.close()
    assert not bad.exists()
    files = sorted(p.name for p in (quarantine / "ppt").iterdir())
    assert all(len(f.encode()) <= 255 for f in files)
    (copy,) = [f for f in files if not f.endswith((".reason.json", ".reason.txt"))]
    assert copy.endswith(".csv") and (quarantine / "ppt" / copy).read_bytes() == (BAD / case["file"]).read_bytes()
    reason = json.loads((quarantine / "ppt" / (copy + ".reason.json")).read_text(encoding="utf-8"))
    assert reason["file"] == name
    assert f"Filen «{name}» (ppt) ble avvist" in (quarantine / "ppt" / (copy + ".reason.txt")).read_text("utf-8")


def test_a_link_out_of_the_landing_folder_is_never_followed(demo_data_dir, tmp_path):
    """A symbolic link in landing pointing at a file elsewhere (/etc/passwd): not read, not copied,
    taken out of landing with a reason that says why; the file it points to is left alone."""
    secret = tmp_path / "elsewhere" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:HEMMELIG:/root:/bin/bash\n", encoding="utf-8")
    landing = landing_with_demo(demo_data_dir, "ppt", tmp_path)
    link = landing / "ppt" / "ppt_2016_lenke.csv"
    link.symlink_to(secret)
    quarantine = tmp_path / "quarantine"
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        report = ingest_source(con, "ppt", landing, quarantine, now=NOW)
        assert list(report.quarantined) == [link.name]
        assert [v.rule for v in report.quarantined[link.name]] == ["symlink"]
        assert "HEMMELIG" not in json.dumps(con.execute("SELECT * FROM meta.file_loads").fetchall(), default=str)
        for table in raw_tables("ppt"):
            assert con.execute(f"SELECT COUNT(*) FROM raw.{table} WHERE _source_file = ?", [link.name]).fetchall() == [
                (0,)
            ]
    finally:
        con.close()
    assert not link.is_symlink() and secret.read_text(encoding="utf-8").startswith("root:")
    written = list((quarantine / "ppt").iterdir())
    assert sorted(p.suffix for p in written) == [".json", ".txt"], "only the reasons, no copy"
    text = next(p for p in written if p.name.endswith(".reason.txt")).read_text(encoding="utf-8")
    assert "symbolsk lenke" in text and "HEMMELIG" not in text


def test_a_source_folder_linked_out_of_landing_is_never_followed(demo_data_dir: Path, tmp_path: Path) -> None:
    """landing/ppt itself a symbolic link to a folder elsewhere: none of its files is read or copied
    (they would load as PPT figures), the link is taken out of landing with a reason, and the folder
    it points to is left alone."""
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(demo_data_dir / "landing" / "ppt", elsewhere)
    before = sorted(p.name for p in elsewhere.iterdir())
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "ppt").symlink_to(elsewhere, target_is_directory=True)
    quarantine = tmp_path / "quarantine"
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        report = ingest_source(con, "ppt", landing, quarantine, now=NOW, as_of=AS_OF)
        assert report.loaded == [] and [v.rule for v in report.quarantined["ppt"]] == ["symlink"]
        assert con.execute("SELECT COUNT(*) FROM raw.ppt").fetchall() == [(0,)]
    finally:
        con.close()
    assert not (landing / "ppt").exists() and sorted(p.name for p in elsewhere.iterdir()) == before
    written = sorted(p.name for p in (quarantine / "ppt").iterdir())
    assert [Path(n).suffix for n in written] == [".json", ".txt"], "only the reasons, no copy"
    text = (quarantine / "ppt" / written[1]).read_text(encoding="utf-8")
    assert "mappen er en snarvei (symbolsk lenke) til en mappe utenfor mottaksmappen" in text


def test_a_file_name_that_is_not_utf8_is_named_as_windows_1252_and_breaks_no_run(demo_data_dir, tmp_path):
    """A zip made on Windows unpacks "ppt_2016_æ.csv" as the bytes ...\\xe6.csv: the reasons, the load
    log and the quarantine copy name it "ppt_2016_æ.csv", and the next run goes on."""
    case = next(c for c in CASES if c["file"] == "ppt/ppt_2016_negativt_antall.csv")
    landing = landing_with_demo(demo_data_dir, "ppt", tmp_path)
    raw_name = b"ppt_2016_negativt_antall_\xe6.csv"
    bad = Path(os.fsdecode(os.path.join(os.fsencode(landing / "ppt"), raw_name)))
    shutil.copyfile(BAD / case["file"], bad)
    quarantine = tmp_path / "quarantine"
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        first = ingest_source(con, "ppt", landing, quarantine, now=NOW, as_of=AS_OF)
        assert list(first.quarantined) == ["ppt_2016_negativt_antall_æ.csv"]
        second = ingest_source(con, "ppt", landing, quarantine, now=NOW, as_of=AS_OF)
        assert not second.quarantined and not second.loaded
    finally:
        con.close()
    assert not bad.exists()
    text = next((quarantine / "ppt").glob("*.reason.txt")).read_text(encoding="utf-8")
    assert "Filen «ppt_2016_negativt_antall_æ.csv» (ppt) ble avvist" in text


def test_a_file_named_after_a_person_is_refused_and_the_name_is_masked_everywhere(demo_data_dir, tmp_path):
    """The file name is part of the file: an identity number in it refuses the file, and the load
    log, the reasons and the quarantine copy show the name with the number masked."""
    landing = landing_with_demo(demo_data_dir, "ppt", tmp_path)
    bad = landing / "ppt" / "ppt_2016_311239 90008.csv"  # valid figures: only the name is wrong
    bad.write_bytes((landing / "ppt" / "ppt_2016.csv").read_bytes())
    quarantine = tmp_path / "quarantine"
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        report = ingest_source(con, "ppt", landing, quarantine, now=NOW, as_of=AS_OF)
        assert list(report.quarantined) == ["ppt_2016_************.csv"]
        (problem,) = report.quarantined["ppt_2016_************.csv"]
        assert problem.rule == "identity_number" and "filnavnet" in problem.message_nb
        stored = json.dumps(con.execute("SELECT * FROM meta.file_loads").fetchall(), default=str)
    finally:
        con.close()
    written = [p.name for p in (quarantine / "ppt").iterdir()]
    texts = [p.read_text(encoding="utf-8") for p in (quarantine / "ppt").glob("*.reason.*")]
    for shown in [stored, *written, *texts]:
        assert find_identity_numbers(shown) == [] and "90008" not in shown
