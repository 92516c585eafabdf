"""No single delivered file may take the pipeline over 1 GiB (issue 14).

Each hostile file is made here, dropped into a landing folder whose valid demo files are already
loaded, and ingested in a fresh Python process (``scripts/file_memory.py``) whose peak resident
memory is measured by the operating system (``wait4``): it must stay under 1 GiB, the file must be
refused with the rule that names what is wrong, moved to quarantine with a reason naming it, and the
data loaded before must be exactly as they were.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import openpyxl
import pytest

from pipelines.ingest.contracts import CustomProperty, load_contract
from pipelines.ingest.landing import ingest_source
from pipelines.ingest.validate import validate_file
from pipelines.readers import ReaderError
from pipelines.readers.xlsx import read_workbook
from scripts.file_memory import (
    KINDS,
    MIB,
    _declare_size,
    ingest_in_subprocess,
    jsonstat_size_bomb,
    make,
    ppt_csv,
    run_measured,
    ssb_csv_wide,
    wide_csv,
    xlsx_far_column,
    xlsx_package,
    xlsx_string_bomb,
)
from tests.conftest import AS_OF
from tests.helpers import assert_same_rows, table_rows

pytestmark = pytest.mark.slow  # started first in a parallel run (pyproject: markers)

if TYPE_CHECKING:
    import pyarrow as pa

GIB_IN_MIB = 1024

BOMBS = {
    # kind: (source, file name, make(path), expected rule, a fragment of the Norwegian reason)
    "xlsx_1_gib_shared_string": (
        "services",
        "tjenestetall_2016.xlsx",
        lambda p: gib_string_bomb(p),  # 1 MB on disk
        "xlsx_too_large",
        "utpakket",
    ),
    "xlsx_lying_about_its_size": (
        "services",
        "tjenestetall_2016.xlsx",
        lambda p: gib_string_bomb(p, lie=True),
        "xlsx_unreadable",
        "kan ikke åpnes",
    ),
    "xlsx_one_string_under_the_unpacked_bound": (
        "services",
        "tjenestetall_2016.xlsx",
        lambda p: xlsx_string_bomb(p, 60 * MIB, wide=True),
        "xlsx_text_too_long",
        "32 767 tegn",
    ),
    "xlsx_50_kb_of_rows_reaching_column_xfd": (
        "services",
        "tjenestetall_2016.xlsx",
        lambda p: xlsx_far_column(p, 10_000),
        "xlsx_too_many_cells",
        "spenner over mer enn 2 000 000 celler",
    ),
    "jsonstat_a_billion_cells": (
        "population",
        "ssb_07459_befolkning_stor.json",
        lambda p: jsonstat_size_bomb(p, (1000, 1000, 1000)),
        "jsonstat_too_large",
        "1 000 000 000 celler",
    ),
    "csv_header_of_ten_million_columns": (
        "ppt",
        "ppt_2016_brei.csv",
        lambda p: wide_csv(p, 10 * MIB - 1024, in_header=True),
        "too_many_columns",
        "kolonner, mer enn 1 000 som tillates",
    ),
    "csv_data_line_of_ten_million_fields": (
        "ppt",
        "ppt_2016_brei.csv",
        lambda p: wide_csv(p, 10 * MIB - 1024, in_header=False),
        "ragged_row",
        "men overskriftsraden (linje 1) har 7 ",  # the PPT template's seven columns
    ),
    "ssb_csv_of_5_million_cells_in_10_mb": (
        "child_welfare",
        "ssb_12870_meldinger_brei.csv",
        lambda p: ssb_csv_wide(p, 10 * MIB - 1024),
        "ssb_csv_too_many_cells",
        "til sammen mer enn 300 000 celler",
    ),
    "csv_200_mb_bad_last_line": (
        "ppt",
        "ppt_2016_stor.csv",
        lambda p: ppt_csv(p, 200_000_000, bad_last_line=True),
        "file_too_large",
        "mer enn 10 MB som kontrakten tillater",
    ),
}


@functools.cache
def _gib_string_bomb() -> bytes:
    """The bytes of ``xlsx_string_bomb`` of 1 GiB at deflate level 9 (1 MB), made once: deflating
    1 GiB takes seconds, and two cases start from it."""
    with tempfile.TemporaryDirectory() as folder:
        return xlsx_string_bomb(Path(folder) / "bomb.xlsx", 1 << 30, level=9).read_bytes()


def gib_string_bomb(target: Path, *, lie: bool = False) -> Path:
    """``xlsx_string_bomb(target, 1 << 30, lie=lie, level=9)``, from the bytes made once."""
    target.write_bytes(_gib_string_bomb())
    if lie:
        _declare_size(target, "xl/sharedStrings.xml", 1024)
    return target


@dataclass(frozen=True)
class Loaded:
    """A source's valid demo files loaded into a warehouse: its landing and warehouse folder, and
    the rows of each raw table."""

    root: Path
    rows: dict[str, pa.Table]


@pytest.fixture(scope="module")
def loaded(demo_data_dir: Path, tmp_path_factory) -> dict[str, Loaded]:
    """Per source of BOMBS: the valid demo files ingested into a warehouse, each case's start."""
    out = {}
    for source in sorted({source for source, *_ in BOMBS.values()}):
        root = tmp_path_factory.mktemp(f"loaded_{source}")
        shutil.copytree(demo_data_dir / "landing" / source, root / "landing" / source)
        con = duckdb.connect(str(root / "w.duckdb"))
        try:
            first = ingest_source(con, source, root / "landing", root / "quarantine", as_of=AS_OF)
            assert first.loaded and not first.quarantined
            rows = {t.name: table_rows(con, t.name) for t in load_contract(source).tables}
        finally:
            con.close()
        assert all(table.num_rows for table in rows.values())
        out[source] = Loaded(root, rows)
    return out


def assert_loaded_as_before(warehouse: Path, before: Loaded) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for table, rows in before.rows.items():
            assert_same_rows(con, table, rows)
    finally:
        con.close()


@pytest.mark.parametrize("kind", list(BOMBS))
def test_a_hostile_file_is_refused_under_1_gib_and_the_loaded_data_stay(kind, loaded, tmp_path):
    source, name, make, rule, fragment = BOMBS[kind]
    landing, quarantine, warehouse = tmp_path / "landing", tmp_path / "quarantine", tmp_path / "w.duckdb"
    shutil.copytree(loaded[source].root / "landing", landing)
    shutil.copyfile(loaded[source].root / "w.duckdb", warehouse)
    assert_loaded_as_before(warehouse, loaded[source])

    bomb = make(landing / source / name)
    size = bomb.stat().st_size
    outcome = ingest_in_subprocess(source, landing, quarantine, warehouse)

    assert outcome["returncode"] == 0, outcome["stderr"]
    assert outcome["peak_mib"] < GIB_IN_MIB, f"{kind}: {outcome['peak_mib']} MiB"
    report = outcome["report"]
    assert report["loaded"] == [] and list(report["quarantined"]) == [name]
    (problem, *_) = report["quarantined"][name]
    assert problem["rule"] == rule
    assert problem["message_nb"].startswith(f"Fil «{name}»") and fragment in problem["message_nb"]

    assert not bomb.exists()
    (moved,) = [p for p in (quarantine / source).iterdir() if p.name.endswith(name)]
    assert moved.stat().st_size == size
    reason = json.loads(moved.with_name(moved.name + ".reason.json").read_text(encoding="utf-8"))
    assert reason["file"] == name and reason["violations"][0]["rule"] == rule
    text = moved.with_name(moved.name + ".reason.txt").read_text(encoding="utf-8")
    assert f"Filen «{name}» ({source}) ble avvist" in text and fragment in text
    assert_loaded_as_before(warehouse, loaded[source])


# -- the bounds themselves, in process ---------------------------------------------------------


def test_a_file_over_its_contracts_limit_is_refused_unread_naming_size_and_limit(tmp_path):
    """``maxFileSizeMB`` in the contract sets the limit; the reason gives the file's size and the
    limit in MB. 3 MiB against 2 MB: "3,0 MB, mer enn 2 MB"."""
    table = load_contract("ppt").tables[0]
    table = table.model_copy(
        update={"customProperties": [*table.customProperties, CustomProperty(property="maxFileSizeMB", value=2)]}
    )
    assert table.max_file_bytes == 2 * MIB
    big = ppt_csv(tmp_path / "ppt_2016.csv", 3 * MIB, bad_last_line=False)
    assert 3 * MIB - 100 < big.stat().st_size <= 3 * MIB
    typed, problems, _ = validate_file(big, table)
    assert typed is None
    assert [(p.rule, p.row, p.column) for p in problems] == [("file_too_large", None, None)]
    assert "filen er 3,0 MB, mer enn 2 MB som kontrakten tillater" in problems[0].message_nb
    assert problems[0].message_nb.startswith("Fil «ppt_2016.csv»")


def test_every_contract_takes_the_default_limit_of_10_mb_unless_it_says_otherwise():
    from pipelines.ingest.contracts import contract_sources

    for source in contract_sources():
        for table in load_contract(source).tables:
            assert table.max_file_bytes == 10 * MIB, table.name


def test_a_cell_as_long_as_excel_allows_is_read(tmp_path):
    """Excel holds at most 32 767 characters in a cell; "&" is written "&amp;" (5 bytes), so the
    longest cell Excel can save is 163 835 bytes of XML: within the text bound."""
    path = tmp_path / "lang.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Kommentar"])
    book.active.append(["&" * 32767])
    book.save(path)
    (sheet,) = read_workbook(path).sheets
    assert sheet.rows[1] == (2, ("&" * 32767,))


def test_a_zip_that_declares_less_than_it_holds_is_never_read_past_its_declaration(tmp_path):
    """The zip says 1 KiB, the part unpacks to 8 MiB: reading stops at the declared size and the
    part's checksum then fails, so the workbook is refused as unreadable, not read whole."""

    def strings(part) -> None:
        part.write(b"<sst><si><t>")
        for _ in range(8):
            part.write(b"A" * MIB)
        part.write(b"</t></si></sst>")

    path = xlsx_package(tmp_path / "lyver.xlsx", lambda part: part.write(b"<worksheet/>"), strings)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("xl/sharedStrings.xml").file_size > 8 * MIB
    xlsx_package(path, lambda part: part.write(b"<worksheet/>"), strings, lie_about_strings=1024)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("xl/sharedStrings.xml").file_size == 1024
    with pytest.raises(ReaderError) as err:
        read_workbook(path)
    assert err.value.rule == "xlsx_unreadable" and "CRC" in err.value.detail


def test_a_fetched_part_is_never_more_than_the_reader_takes():
    """The fetcher splits an SSB query into parts of at most MAX_CELLS cells; the JSON-stat reader
    refuses more than MAX_DATASET_CELLS. A part the reader would refuse would never load."""
    from pipelines.fetch.ssb import MAX_CELLS
    from pipelines.readers.ssb import MAX_DATASET_CELLS

    assert MAX_CELLS <= MAX_DATASET_CELLS


def test_the_run_fingerprint_reads_a_large_landing_file_in_chunks(tmp_path):
    """`make pipeline` hashes every landing file before it runs: a 300 MiB file must not be read
    into memory whole (a process that imports the pipeline's run module stays under 300 MiB)."""
    big = tmp_path / "landing" / "ppt" / "ppt_2016.csv"
    big.parent.mkdir(parents=True)
    with big.open("wb") as f:
        f.truncate(300 * MIB)
    program = (
        "import sys\nfrom pathlib import Path\nfrom pipelines.run import _digest\n"
        "print(_digest([('x', Path(sys.argv[1]))]).hexdigest())\n"
    )
    outcome = run_measured([sys.executable, "-c", program, str(big)])
    assert outcome["returncode"] == 0, outcome["stderr"]
    expected = hashlib.sha256(b"x" + hashlib.sha256(bytes(300 * MIB)).digest()).hexdigest()
    assert outcome["stdout"].strip() == expected
    assert outcome["peak_mib"] < 300, outcome["peak_mib"]


@pytest.mark.parametrize("kind", ["ssb_csv_under_limit", "jsonstat_at_cell_bound"])
def test_the_largest_file_the_bounds_let_through_loads_well_under_1_gib(kind, tmp_path):
    """An SSB CSV just under the 10 MB limit (the heaviest reader per byte) and a JSON-stat dataset
    of MAX_DATASET_CELLS cells, both valid: read, checked and loaded whole. A Dagster run holds
    about 180 MiB more code than this bare process, so 768 MiB here is 1 GiB there."""
    source, name = KINDS[kind]
    landing = tmp_path / "landing"
    (landing / source).mkdir(parents=True)
    make(kind, landing / source / name)
    outcome = ingest_in_subprocess(source, landing, tmp_path / "quarantine", tmp_path / "w.duckdb")
    assert outcome["returncode"] == 0, outcome["stderr"]
    assert outcome["report"] == {"loaded": [name], "quarantined": {}}
    assert outcome["peak_mib"] < 768, f"{kind}: {outcome['peak_mib']} MiB"
