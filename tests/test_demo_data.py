"""The demo data: deterministic, shaped like the real exports, labelled synthetic, anchored on the
plan's own 2014 figures where the plan gives one."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl

from pipelines.demo import generate
from pipelines.readers.ssb import normalize_municipality
from tests.conftest import AS_OF


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_generator_is_deterministic_to_the_byte(tmp_path: Path):
    first = _files(generate(tmp_path / "a", as_of=AS_OF))
    second = _files(generate(tmp_path / "b", as_of=AS_OF))
    # 11 school years of absence, 12 years of PPT and services, 4 surveys, 5 SSB files, register, note,
    # and 6 FHI national Ungdata files (one per indicator the metric library maps)
    assert len(first) == 11 + 12 + 12 + 4 + 5 + 1 + 1 + 6
    assert first == second  # xlsx included: a rerun of `make run` is not a new delivery


def test_shapes_and_labels(landing_dir: Path):
    # Ungdata: UTF-8 with BOM, ';', decimal comma; one file per survey year.
    raw = (landing_dir / "ungdata" / "ungdata_2014.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]
    assert sorted(p.name for p in (landing_dir / "ungdata").glob("ungdata_*.csv")) == [
        "ungdata_2014.csv",
        "ungdata_2017.csv",
        "ungdata_2020.csv",
        "ungdata_2023.csv",
    ]
    # PPT: Windows-1252 (not valid UTF-8 because of æøå).
    ppt = (landing_dir / "ppt" / "ppt_2014.csv").read_bytes()
    assert "Bærum".encode("cp1252") in ppt
    # Every yearly source runs from 2014 to the newest period out on 15 April 2026: PPT's and the
    # services' 2025 (due 1 February), school year 2024/25 (2025/26 is due 1 August).
    assert len(list((landing_dir / "ppt").glob("ppt_*.csv"))) == len(range(2014, 2026))
    assert len(list((landing_dir / "absence").glob("fravaer_*.xlsx"))) == len(range(2014, 2025))
    assert len(list((landing_dir / "services").glob("tjenestetall_*.xlsx"))) == len(range(2014, 2026))
    # About a dozen fictional schools per part of the municipality, labelled as fictional.
    with open(landing_dir / "school_register" / "skoler.csv", encoding="utf-8-sig", newline="") as f:
        schools = list(csv.DictReader(f, delimiter=";"))
    per_area = {a: sum(r["Bydel"] == a for r in schools) for a in ("Østre Bærum", "Vestre Bærum")}
    assert 10 <= per_area["Østre Bærum"] <= 14 and 10 <= per_area["Vestre Bærum"] <= 14
    assert all("Fiktiv" in r["Merknad"] for r in schools)
    # SSB JSON-stat files say they are synthetic; the landing folder has a note.
    doc = json.loads((landing_dir / "population" / "ssb_07459_befolkning.json").read_text(encoding="utf-8"))
    assert doc["version"] == "2.0" and "SYNTETISK" in doc["label"]
    assert "SYNTETISKE DEMODATA" in (landing_dir / "LES_MEG.txt").read_text(encoding="utf-8")


def test_2014_anchored_on_the_plans_baselines(landing_dir: Path):
    sheet = openpyxl.load_workbook(landing_dir / "services" / "tjenestetall_2014.xlsx", read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    figures = {r[header.index("Indikator-id")]: r[header.index("Teller")] for r in rows[1:]}
    assert figures["youth_homeless"] == 18  # "18 (Sept 2014; 23 in all)"
    assert figures["youth_no_offer"] == 428  # "OT followed 428, 95 closely (2014)"


def test_the_ssb_files_carry_the_whole_country_summed_into_groups(landing_dir: Path):
    """357 municipalities (the plan's, its demo comparator, the ASSS members under their codes and
    synthetic ones), 16 KOSTRA groups and Hele landet; a group and the nation are their members' sums."""
    doc = json.loads((landing_dir / "population" / "ssb_07459_befolkning.json").read_text(encoding="utf-8"))
    labels = doc["dimension"]["Region"]["category"]["label"]
    assert labels["0"] == "Hele landet" and labels["EKG13"] == "KOSTRA-gruppe 13" and labels["0301"] == "Oslo"
    series = {normalize_municipality(c) for c in labels if c.isdigit() and len(c) == 4}
    assert len(series) == 357  # Bærum's and Asker's three codes each are one series
    raw = (landing_dir / "ssb_outcomes" / "ssb_12971_gjennomforing_vgs.csv").read_bytes().decode("utf-8-sig")
    rows = [r for r in csv.DictReader(io.StringIO(raw), delimiter=";") if r["år"] == "2020"]
    started = {r["region"].split()[0]: int(r["Elever som startet"]) for r in rows}
    municipal = sum(v for c, v in started.items() if len(c) == 4)
    assert started["0"] == municipal == sum(v for c, v in started.items() if c.startswith("EKG"))
