"""The demo generator is plan-driven: a second, fictional plan (Fjordvik kommune, region code 9901)
gets its own deterministic demo set from its folder's demo.yaml, labelled synthetic, shaped by its
areas.yaml, and every file passes ingestion through the real source assets with nothing
quarantined. A broken demo profile is refused with the file and the field."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest
import yaml

from pipelines.demo import DemoProfileError, generate
from pipelines.settings import REPO_ROOT, get_settings
from tests.conftest import AS_OF, use_data_dir

PLAN_ID = "fjordvik-oppvekst-2022-2027"
FJORDVIK = REPO_ROOT / "catalogue" / "plans" / PLAN_ID
AREAS = ["Nordre oppvekstområde", "Sentrum oppvekstområde", "Søndre oppvekstområde"]


@pytest.fixture
def restore_settings():
    """Put the SBU_* environment and the cached settings back after a test that changes them, so
    the session's fixtures (which generate the default plan) are not affected."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("SBU_")}
    yield
    for key in [k for k in os.environ if k.startswith("SBU_")]:
        del os.environ[key]
    os.environ.update(saved)
    get_settings.cache_clear()


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def fjordvik_landing(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("fjordvik") / "landing", plan_folder=FJORDVIK, as_of=AS_OF)


def _services(landing: Path, year: int) -> list[dict]:
    sheet = openpyxl.load_workbook(landing / "services" / f"tjenestetall_{year}.xlsx", read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def test_fictional_plan_is_deterministic_to_the_byte(tmp_path: Path, fjordvik_landing: Path):
    again = _files(generate(tmp_path / "again", plan_folder=FJORDVIK, as_of=AS_OF))
    assert again == _files(fjordvik_landing)
    # On 15 April 2026: 7 school years of absence (2018/19-2024/25; 2025/26 is out in August), 8 years
    # of PPT and services (2018-2025; 2025 was due 1 February), 3 Ungdata surveys (2018, 2021, 2024),
    # the register, 5 SSB files, LES_MEG.txt, and 6 FHI national Ungdata files (one per mapped indicator)
    assert len(again) == 7 + 8 + 8 + 3 + 1 + 5 + 1 + 6


def test_the_selected_plan_is_the_default(tmp_path: Path, fjordvik_landing: Path, restore_settings):
    use_data_dir(tmp_path, SBU_PLAN=PLAN_ID)
    assert _files(generate(tmp_path / "landing", as_of=AS_OF)) == _files(fjordvik_landing)


def test_the_command_writes_a_plan_folder_given_as_argument(tmp_path: Path, fjordvik_landing: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SBU_")} | {
        "SBU_DATA_DIR": str(tmp_path),
        "SBU_AS_OF": AS_OF.isoformat(),  # the day the files stand on, as for the pipeline
    }
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.demo", str(FJORDVIK)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert f"Demo data: 39 synthetic files of {PLAN_ID}" in done.stdout
    assert _files(tmp_path / "landing") == _files(fjordvik_landing)
    bad = subprocess.run(
        [sys.executable, "-m", "pipelines.demo", str(tmp_path)], capture_output=True, text=True, env=env
    )
    assert bad.returncode == 1 and "no plan.yaml" in bad.stderr


def test_school_register_has_the_plans_three_areas_and_eight_schools(fjordvik_landing: Path):
    with open(fjordvik_landing / "school_register" / "skoler.csv", encoding="utf-8-sig", newline="") as f:
        schools = list(csv.DictReader(f, delimiter=";"))
    assert len(schools) == 8
    assert sorted({r["Bydel"] for r in schools}) == AREAS
    assert {r["Skoletype"] for r in schools} == {"Barneskole", "Ungdomsskole", "Videregående skole"}
    assert all("Fiktiv" in r["Merknad"] for r in schools)
    # No school number of the first plan's demo set.
    first = yaml.safe_load((FJORDVIK.parent / "baerum-sbu-2015-2019" / "demo.yaml").read_text(encoding="utf-8"))
    taken = {s["number"] for d in first["districts"].values() for s in d["schools"]}
    assert len(taken) == 25 and not {r["Skolenr"] for r in schools} & taken


def test_labelled_synthetic_and_fictional(fjordvik_landing: Path):
    readme = (fjordvik_landing / "LES_MEG.txt").read_text(encoding="utf-8")
    assert "SYNTETISKE DEMODATA" in readme and "oppdiktet" in readme and "9901" in readme
    for path in ("population/ssb_07459_befolkning.json", "child_welfare/ssb_barnevern_nokkeltall.json"):
        doc = json.loads((fjordvik_landing / path).read_text(encoding="utf-8"))
        assert "SYNTETISK" in doc["label"] and "SYNTETISKE DEMODATA" in doc["note"][0]
    # Nothing of the first plan leaks into the fictional one's files.
    for name, data in _files(fjordvik_landing).items():
        if name.endswith((".csv", ".json", ".txt")):
            text = data.decode("cp1252" if name.startswith(("ppt", "child_welfare/ssb_12870")) else "utf-8-sig")
            assert "Bærum" not in text and "Asker" not in text, name


def test_ssb_files_carry_9901_beside_synthetic_municipalities_and_aggregates(fjordvik_landing: Path):
    """Fjordvik under 9901, the rest of the country as synthetic municipalities (9xxx, "Syntetisk
    kommune"), the KOSTRA groups (EKGnn) and Hele landet (0): nothing real is named."""
    doc = json.loads((fjordvik_landing / "population" / "ssb_07459_befolkning.json").read_text(encoding="utf-8"))
    labels = doc["dimension"]["Region"]["category"]["label"]
    assert labels["9901"] == "Fjordvik" and labels["0"] == "Hele landet" and labels["EKG11"] == "KOSTRA-gruppe 11"
    municipalities = {c for c in labels if c.isdigit() and len(c) == 4}
    assert len(municipalities) == 357
    assert all(labels[c] == f"Syntetisk kommune {c}" for c in municipalities - {"9901"})
    assert {c for c in labels if c.startswith("EKG")} == {f"EKG{g:02d}" for g in range(1, 17)}
    # The population (1 January) covers every year another source reaches: PPT's 2025.
    assert doc["dimension"]["Tid"]["category"]["index"] == {str(y): i for i, y in enumerate(range(2018, 2026))}
    assert None not in doc["value"]  # 2018-2019 back-cast to the code valid from 2020
    raw = (fjordvik_landing / "child_welfare" / "ssb_12870_meldinger_etter_melder.csv").read_bytes().decode("cp1252")
    regions = {r["region"] for r in csv.DictReader(io.StringIO(raw), delimiter=";")}
    assert "9901 Fjordvik" in regions and "0 Hele landet" in regions and len(regions) == 357 + 16 + 1
    raw = (fjordvik_landing / "ssb_outcomes" / "ssb_12971_gjennomforing_vgs.csv").read_bytes().decode("utf-8-sig")
    assert len({r["region"] for r in csv.DictReader(io.StringIO(raw), delimiter=";")}) == 357 + 16 + 1


def test_home_visit_rows_per_area_with_a_rising_share(fjordvik_landing: Path):
    shares = {}
    for year in range(2018, 2025):
        rows = [r for r in _services(fjordvik_landing, year) if r["Indikator-id"] == "home_visit"]
        assert sorted(r["Enhet"] for r in rows) == AREAS, year
        for r in rows:
            assert r["Tjeneste"] == "Helsestasjon"
            assert r["Indikator"] == "Hjemmebesøk av helsestasjon innen 14 dager etter fødsel"
            assert 40 <= r["Nevner"] <= 140 and 0 <= r["Teller"] <= r["Nevner"], (year, r)
        shares[year] = sum(r["Teller"] for r in rows) / sum(r["Nevner"] for r in rows)
    assert 0.62 <= shares[2018] <= 0.82
    assert shares[2024] >= 0.84
    assert shares[2024] > shares[2021] > shares[2018]


def test_team_rows_name_the_plans_teams_from_their_start(fjordvik_landing: Path):
    assert not [r for r in _services(fjordvik_landing, 2019) if r["Indikator-id"] == "ti_cases"]
    teams = [r["Enhet"] for r in _services(fjordvik_landing, 2020) if r["Indikator-id"] == "ti_cases"]
    assert teams == ["Familieteamet Nord", "Familieteamet Sør"]


def test_fictional_plans_files_pass_ingestion_with_nothing_quarantined(second_plan):
    """The whole pipeline run on the fictional plan's demo set (tests/conftest.py: second_plan)."""
    tmp_path = second_plan.data_dir
    con = duckdb.connect(str(second_plan.warehouse), read_only=True)
    try:

        def rows(q: str) -> list[tuple]:
            return con.execute(q).fetchall()

        files = [p for p in (tmp_path / "landing").rglob("*") if p.is_file() and p.name != "LES_MEG.txt"]
        assert rows("SELECT status, count(*) FROM meta.file_loads GROUP BY ALL") == [("loaded", len(files))]
        assert not (tmp_path / "quarantine").exists() or not any((tmp_path / "quarantine").rglob("*.*"))
        assert rows("SELECT district, count(*) FROM staging.stg_school_register GROUP BY ALL ORDER BY 1") == [
            (AREAS[0], 3),
            (AREAS[1], 3),
            (AREAS[2], 2),
        ]
        assert rows("SELECT area_level, count(*) FROM marts.areas GROUP BY ALL ORDER BY 1") == [
            ("bydel", 3),
            ("kommune", 1),
            ("sammenligning", 2),  # Hele landet and KOSTRA-gruppe 11
            ("skole", 8),
            ("team", 2),
        ]
        assert [r[0] for r in rows("SELECT DISTINCT district FROM staging.stg_ppt ORDER BY 1")] == AREAS
        assert [r[0] for r in rows("SELECT DISTINCT year FROM staging.stg_ungdata ORDER BY 1")] == [2018, 2021, 2024]
        # FHI's national reference: three-year periods ending in the plan's survey years
        assert rows("SELECT DISTINCT period FROM staging.stg_ungdata_reference ORDER BY 1") == [
            ("2016_2018",),
            ("2019_2021",),
            ("2022_2024",),
        ]
        for table in ("stg_population", "stg_child_welfare_reports", "stg_vgs_completion", "stg_young_disability"):
            series = {r[0] for r in rows(f"SELECT DISTINCT municipality FROM staging.{table}")}
            assert {"fjordvik", "norge", "kostragruppe_11"} <= series and len(series) == 357 + 16 + 1, table
        assert rows(
            "SELECT count(DISTINCT unit_name), count(*) FROM staging.stg_services WHERE indicator_id = 'home_visit'"
        ) == [(3, 3 * len(range(2018, 2026)))]  # three areas, 2018-2025
    finally:
        con.close()


# -- a broken profile ---------------------------------------------------------------------------------


def _broken(tmp_path: Path, edit) -> Path:
    folder = tmp_path / PLAN_ID
    shutil.copytree(FJORDVIK, folder)
    doc = yaml.safe_load((folder / "demo.yaml").read_text(encoding="utf-8"))
    edit(doc)
    (folder / "demo.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


BROKEN = {
    "unknown_key": (lambda d: d.update(colour="blue"), ["demo.yaml: colour: Extra inputs are not permitted"]),
    "school_kind": (
        lambda d: d["districts"]["nord"]["schools"][0].update(kind="folkehøgskole"),
        ["demo.yaml: districts.nord.schools[0].kind"],
    ),
    "district_not_in_areas": (
        lambda d: d["districts"].update(midt=d["districts"].pop("sentrum")),
        ["demo.yaml: districts: the plan's bydel areas are", "'midt'"],
    ),
    "per_area_not_the_levels_areas": (
        lambda d: d["services"][-1]["nevner"]["poisson"]["per_area"].pop("sor"),
        ["demo.yaml: services[9] (home_visit).nevner.poisson.per_area: needs exactly the bydel areas"],
    ),
    "two_nevner_models": (
        lambda d: d["services"][-1]["nevner"].update(fixed=80),
        ["demo.yaml: services[9].nevner: give exactly one of poisson, fixed, amount (found poisson, fixed)"],
    ),
    "comparator_with_the_municipalitys_own_fields": (
        lambda d: d["comparators"].append({**d["municipality"], "region_code": "9998"}),
        ["demo.yaml: comparators[0].young_disability: Extra inputs are not permitted"],
    ),
    "comparator_not_in_table": (
        lambda d: d["comparators"].append(
            {"region_code": "9998", **{k: v for k, v in d["municipality"].items() if k != "young_disability"}}
        ),
        ["demo.yaml: comparators[0].region_code: '9998' is not in the region-code table"],
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_profile_is_refused_naming_file_and_field(tmp_path: Path, case: str):
    edit, words = BROKEN[case]
    with pytest.raises(DemoProfileError) as err:
        generate(tmp_path / "landing", plan_folder=_broken(tmp_path, edit))
    for word in words:
        assert word.lower() in str(err.value).lower(), (word, str(err.value))
    assert not (tmp_path / "landing").exists()  # nothing written


def test_a_plan_without_a_profile_is_refused(tmp_path: Path):
    folder = tmp_path / PLAN_ID
    shutil.copytree(FJORDVIK, folder)
    (folder / "demo.yaml").unlink()
    with pytest.raises(DemoProfileError, match="has no demo profile"):
        generate(tmp_path / "landing", plan_folder=folder)
