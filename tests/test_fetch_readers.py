"""Readers for files from FHI Statistikk (JSON-stat 2.0 with FHI's quirks) and Udir's statistics
bank (paged JSON, ``*`` for suppressed cells), and the contract formats that use them
(``fhi_jsonstat``, ``udir_json``), so a file exported by hand loads like a delivered one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from pipelines.ingest.contracts import load_contract
from pipelines.ingest.validate import validate_file
from pipelines.readers import ReaderError
from pipelines.readers.fhi import fhi_to_ssb_shape, read_fhi_jsonstat
from pipelines.readers.udir import read_udir_json, udir_rows

FIXTURES = Path(__file__).parent / "fixtures" / "fetch"
FHI = FIXTURES / "fhi" / "kommunehelsa_data.json"
FLAGS = json.loads((FIXTURES / "fhi" / "kommunehelsa_flag.json").read_text(encoding="utf-8"))
UDIR = FIXTURES / "udir" / "fravaer_sider.json"


def test_fhi_quirks_role_null_status_string_periods_and_measures():
    doc = json.loads(FHI.read_text(encoding="utf-8"))
    assert doc["role"] is None and doc["status"] == ""
    shaped = fhi_to_ssb_shape(doc)
    assert shaped["role"] == {"time": ["AAR"], "geo": ["GEO"], "metric": ["MEASURE_TYPE"]}
    assert shaped["status"] is None

    frame = read_fhi_jsonstat(FHI)
    assert frame.height == 8
    rows = {(r["GEO"], r["AAR"], r["MEASURE_TYPE"]): r for r in frame.iter_rows(named=True)}
    bærum = rows[("3201", "2022_2024", "MEIS")]
    assert bærum["value"] == 86.9 and bærum["municipality"] == "baerum"
    assert (bærum["period_start"], bærum["period_end"], bærum["year"]) == (2022, 2024, 2024)
    national = rows[("0", "2019_2021", "TELLER")]
    assert national["municipality"] == "norge" and national["value"] == 112340
    assert rows[("3201", "2019_2021", "TELLER")]["value"] is None


def test_fhi_flags_from_the_separate_endpoint_explain_the_status():
    doc = json.loads(FHI.read_text(encoding="utf-8"))
    doc["status"] = {"4": ":", "5": ":"}
    from pipelines.readers.fhi import fhi_jsonstat_to_frame

    frame = fhi_jsonstat_to_frame(doc, flags=FLAGS)
    flagged = frame.filter(frame["status"] == ":")
    assert flagged.height == 2
    assert set(flagged["status_label"]) == {"Anonymisert. Tallet vises ikke fordi det er for få personer i gruppen."}
    assert frame.filter(frame["status"].is_null())["status_label"].null_count() == 6


def test_fhi_invalid_json_is_a_reader_error(tmp_path):
    bad = tmp_path / "fhi.json"
    bad.write_bytes(FHI.read_bytes()[:200])
    with pytest.raises(ReaderError) as error:
        read_fhi_jsonstat(bad)
    assert error.value.rule == "invalid_json" and "Ugyldig JSON" in error.value.message_nb


def test_udir_pages_suppressed_cells_and_codes():
    frame = read_udir_json(UDIR)
    assert frame.height == 3 and frame["_row"].to_list() == [1, 2, 3]
    assert frame["Kommunekode"].to_list() == ["3201", "3201", "3203"]  # codes stay text
    assert frame["AntallElever"].to_list() == [1312.0, 1297.0, None]
    assert frame["AntallElever_status"].to_list() == [None, None, "*"]  # Udir suppressed the cell
    assert frame["AndelFravaerOver10"].to_list() == [12.4, 9.8, None]  # decimal comma
    assert frame["AntallElevdager_status"].to_list() == [None, None, "-"]
    assert frame["year"].to_list() == [2023, 2023, 2023]  # school year 2023-24
    assert frame["municipality"].to_list() == ["baerum", "baerum", "asker"]


def test_udir_shapes_a_page_a_list_of_pages_or_an_object():
    page = json.loads(UDIR.read_text(encoding="utf-8"))[0]
    assert len(udir_rows(page)) == 2
    assert len(udir_rows({"data": page})) == 2
    assert len(udir_rows({"sider": [page, {"Data": page}]})) == 4
    assert len(udir_rows([*page, {"SideNummer": 1, "AntallSider": 1}])) == 2  # paging record dropped
    with pytest.raises(ReaderError) as error:
        udir_rows({"melding": "ingen data"})
    assert error.value.rule == "udir_structure"


def _contract(tmp_path: Path, name: str, table: dict) -> Path:
    folder = tmp_path / "contracts"
    folder.mkdir(exist_ok=True)
    doc = {
        "apiVersion": "v3.0.2",
        "kind": "DataContract",
        "id": f"test-{name}",
        "name": name,
        "version": "1.0.0",
        "status": "active",
        "schema": [table],
    }
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return folder


def test_an_fhi_file_exported_by_hand_loads_through_a_contract(tmp_path):
    folder = _contract(
        tmp_path,
        "fhi_test",
        {
            "name": "fhi_test",
            "physicalName": "raw.fhi_test",
            "customProperties": [
                {"property": "filePattern", "value": "*.json"},
                {"property": "format", "value": "fhi_jsonstat"},
                {"property": "sliceBy", "value": ["year"]},
            ],
            "properties": [
                {"name": "region_code", "physicalName": "GEO", "logicalType": "string", "required": True},
                {"name": "municipality", "physicalName": "municipality", "logicalType": "string"},
                {"name": "period", "physicalName": "AAR_label", "logicalType": "string", "required": True},
                {"name": "year", "physicalName": "year", "logicalType": "integer", "required": True},
                {"name": "measure", "physicalName": "MEASURE_TYPE", "logicalType": "string", "required": True},
                {"name": "value", "physicalName": "value", "logicalType": "number"},
            ],
        },
    )
    table = load_contract("fhi_test", folder).tables[0]
    path = tmp_path / "trivsel.json"
    shutil.copy(FHI, path)
    typed, problems, _ = validate_file(path, table)
    assert problems == []
    assert typed.height == 8 and set(typed["year"]) == {2021, 2024}


def test_a_udir_export_loads_through_a_contract(tmp_path):
    folder = _contract(
        tmp_path,
        "udir_test",
        {
            "name": "udir_test",
            "physicalName": "raw.udir_test",
            "customProperties": [
                {"property": "filePattern", "value": "*.json"},
                {"property": "format", "value": "udir_json"},
                {"property": "sliceBy", "value": ["year"]},
            ],
            "properties": [
                {"name": "region_code", "physicalName": "Kommunekode", "logicalType": "string", "required": True},
                {"name": "municipality", "physicalName": "municipality", "logicalType": "string"},
                {"name": "year", "physicalName": "year", "logicalType": "integer", "required": True},
                {"name": "grade", "physicalName": "Trinn", "logicalType": "string", "required": True},
                {"name": "pupils", "physicalName": "AntallElever", "logicalType": "number"},
                {"name": "pupils_status", "physicalName": "AntallElever_status", "logicalType": "string"},
            ],
        },
    )
    table = load_contract("udir_test", folder).tables[0]
    path = tmp_path / "fravaer.json"
    shutil.copy(UDIR, path)
    typed, problems, _ = validate_file(path, table)
    assert problems == []
    assert typed["pupils"].to_list() == [1312.0, 1297.0, None]
    assert typed["pupils_status"].to_list() == [None, None, "*"]
