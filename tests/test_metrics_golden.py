"""Golden tests for the metrics engine (issue 5): every metric on a tiny hand-made landing set.

The landing set is ``tests/golden/`` (CSV and JSON-stat written by hand in the real export formats)
plus two spreadsheet sources whose rows are written out literally below (ABSENCE, SERVICES) and
saved as xlsx by the fixture, as the school system and the services' template deliver them. The
whole asset graph is materialized once with Dagster; the tests read the published snapshot.

Every expected figure is worked out here from the literal input numbers, with the arithmetic
written out; nothing is read from the project's SQL, engine or readers.

Design of the golden set
------------------------
* Years: 2014 and 2015 (calendar years / school years 2014/15 and 2015/16); Ungdata survey years
  2014 and 2017 (2017 carries depressive_mood only); Tidlig innsatsteam 2016 and 2017 (the teams
  started 1 January 2016).
* Schools (school register): Østre 1001 barneskole, 1101 ungdomsskole, 1201 videregående;
  Vestre 2001 barneskole, 2101 ungdomsskole, 2201 videregående, and 2199, a tiny alternative
  ungdomsskole that carries the small cells.
* Small-cell rules (pipelines/metrics/suppression.py; thresholds 10 respondents, counts 5, protection
  width 5): a share is hidden when its respondents are fewer than 10 ("faa_svar"), else when its
  numerator is below 5 ("liten_telling"), else when respondents minus numerator is below 5
  ("liten_rest"); a count or rate when its count is below 5; a mean age when it is over fewer than 5
  children. Complements ("komplementaer") come from singleton elimination over every additive
  relation (area hierarchy, gender, school level), smallest size first, and then from the interval
  audit: every hidden numerator must keep an attacker interval at least 5 wide (or [0, respondents]).
  Each case below works out the primary cells, the complements and the intervals by hand.
* Everything is large enough to be shown, except, deliberately:
  - absence 2014/15, school 2199 (8 pupils, "faa_svar"); its sibling 2101 is the complement, and
    x(2101) + x(2199) = 11 leaves 2199 anywhere in [0, 8] and 2101 in [3, 11];
  - count below 5 ("liten_telling"): assessed_before_school, Vestre 2015 = 3; Østre is the complement;
  - mean age over fewer than 5 children ("liten_telling"): ppt_first_age, Vestre 2015 has 4 first
    consultations; Østre is the complement.
  - Tidlig innsatsteam: teams where fewer than 5 cases lack the parents ("liten_rest"), e.g. 7 of 10;
    in 2017 one team of Østre forces its sibling as complement;
  - Ungdata 2014, school 2199 (8 girls: "faa_svar") and the small yes-counts of each indicator
    ("liten_telling" / "liten_rest"); see the Ungdata section for the complement patterns. Where
    the small cells reach the bydel level (depressive_mood, hash) the complements spread to every
    gender cell of the schools and bydeler; the bydel level totals and everything at Bærum stay shown.
  - Ungdata cw_help (shown down to bydel): Vestre videregående boys, 8 respondents ("faa_svar"), and
    6 of 10 boys at ungdomsskole in both bydeler ("liten_rest"): complements fill the 2 x 2 x 2 cube.
  Boundaries that must be SHOWN: absence 2015/16 school 2199 with exactly 10 pupils, 5 of them in
  the numerator and 5 outside it (10 respondents, count 5, rest 5 are all allowed); youth_decline_all
  2015 = 5; safe_neighbourhood 2014, school 2199 total: 15 of 20 (rest exactly 5).
* Peer rows for Asker (0220) and ages 18-19 in the population file must be ignored.
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml

from tests.conftest import materialize_all

GOLDEN = Path(__file__).resolve().parent / "golden"
REPO = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------------------------
# The spreadsheet sources, row by row (written to xlsx by the fixture)
# --------------------------------------------------------------------------------------------

ABSENCE_COLUMNS = {
    "Skoleår": pl.Utf8,
    "Skolenr": pl.Int64,
    "Skole": pl.Utf8,
    "Bydel": pl.Utf8,
    "Antall elever": pl.Int64,
    "Elever med fravær over 10 %": pl.Int64,
    "Herav på laveste mestringsnivå": pl.Int64,
}
# (Skoleår, Skolenr, Skole, Bydel, elever, elever med fravær > 10 %, herav laveste mestringsnivå)
ABSENCE = {
    "fravaer_2014-15.xlsx": [
        ("2014/15", 1001, "Bjørkelia skole", "Østre Bærum", 400, 40, 8),
        ("2014/15", 1101, "Granåsen skole", "Østre Bærum", 300, 30, 12),
        ("2014/15", 2001, "Spurvetoppen skole", "Vestre Bærum", 500, 50, 15),
        ("2014/15", 2101, "Osperud skole", "Vestre Bærum", 200, 20, 10),
        ("2014/15", 2199, "Stikkstien alternative skole", "Vestre Bærum", 8, 2, 1),  # 8 pupils: faa_svar
    ],
    "fravaer_2015-16.xlsx": [
        ("2015/16", 1001, "Bjørkelia skole", "Østre Bærum", 400, 36, 8),
        ("2015/16", 1101, "Granåsen skole", "Østre Bærum", 300, 33, 9),
        ("2015/16", 2001, "Spurvetoppen skole", "Vestre Bærum", 500, 45, 20),
        ("2015/16", 2101, "Osperud skole", "Vestre Bærum", 200, 22, 6),
        ("2015/16", 2199, "Stikkstien alternative skole", "Vestre Bærum", 10, 5, 5),  # 10, 5 and 5: shown
    ],
}

SERVICES_COLUMNS = {
    "Tjeneste": pl.Utf8,
    "Indikator-id": pl.Utf8,
    "Indikator": pl.Utf8,
    "Enhet": pl.Utf8,
    "Teller": pl.Float64,
    "Nevner": pl.Float64,
    "Verdi": pl.Float64,
    "Kommentar": pl.Utf8,
}
_BK = "Bærum kommune"
_BUT = "Barne- og ungdomstjenester"
_TI = "Saker i Tidlig innsatsteam"
_TU = "Barnehager og skoler som har brukt teamet"


def _yearly_services(work, homeless, staffed, no_offer, decline, pht_n, pht_age, before10, total):
    return [
        (
            "Helse og sosial / NAV",
            "youth_work_places",
            "Jobb-, praksis- og lærlingplasser",
            _BK,
            work,
            None,
            None,
            None,
        ),
        (
            "Helse og sosial / NAV",
            "youth_homeless",
            "Bostedsløse unge 18-25 år (september)",
            _BK,
            homeless,
            None,
            None,
            "Telling i september",
        ),
        (
            "Helse og sosial",
            "youth_staffed_housing",
            "Ungdommer med behov for bolig med bemanning",
            _BK,
            staffed,
            None,
            None,
            None,
        ),
        (
            "Oppfølgingstjenesten",
            "youth_no_offer",
            "Unge fulgt opp av OT uten skole eller jobb",
            _BK,
            no_offer,
            None,
            None,
            None,
        ),
        ("Oppfølgingstjenesten", "youth_decline_all", "Unge som takker nei til alt", _BK, decline, None, None, None),
        (
            "Helsetjenester barn og unge",
            "pht_first_consult",
            "Førstegangskonsultasjoner psykisk helseteam (antall og snittalder)",
            _BK,
            None,
            pht_n,
            pht_age,
            None,
        ),
        (
            "Alle tjenester",
            "extra_resources",
            "Ekstra ressurser til barn og unge (kr)",
            _BK,
            before10,
            total,
            None,
            "Teller: brukt på barn under 10 år",
        ),
    ]


# (Tjeneste, Indikator-id, Indikator, Enhet, Teller, Nevner, Verdi, Kommentar), file tjenestetall_<year>.xlsx
SERVICES = {
    2014: _yearly_services(
        work=140,
        homeless=18,
        staffed=30,
        no_offer=428,
        decline=46,
        pht_n=300,
        pht_age=14.0,
        before10=160_000_000,
        total=400_000_000,
    ),
    2015: _yearly_services(
        work=150,
        homeless=12,
        staffed=28,
        no_offer=400,
        decline=5,
        pht_n=320,
        pht_age=13.5,
        before10=189_000_000,
        total=420_000_000,
    ),
    2016: [  # Teller = cases where the parents took part, Nevner = all cases
        (_BUT, "ti_cases", _TI, "Tidlig innsatsteam 0-1 år", 7, 10, None, None),
        (_BUT, "ti_cases", _TI, "Tidlig innsatsteam 1-5 år Øst", 14, 20, None, None),
        (_BUT, "ti_cases", _TI, "Tidlig innsatsteam 1-5 år Vest", 16, 20, None, None),
        (_BUT, "ti_cases", _TI, "Tidlig innsatsteam 6-12 år Øst", 21, 30, None, None),
        (_BUT, "ti_cases", _TI, "Tidlig innsatsteam 6-12 år Vest", 6, 10, None, None),
        (_BUT, "ti_cases", _TI, "Tidlig innsatsteam 13-15 år", 6, 10, None, None),
        (_BUT, "ti_cases", _TI, "Tidlig innsatsteam 16-23 år", 14, 20, None, None),
        (_BUT, "ti_units", _TU, "Østre Bærum", 30, 60, None, None),
        (_BUT, "ti_units", _TU, "Vestre Bærum", 20, 50, None, None),
    ],
    2017: [
        (_BUT, "ti_cases", _TI, "Tidlig innsatsteam 0-1 år", 9, 10, None, None),
        (_BUT, "ti_cases", _TI, "Tidlig innsatsteam 1-5 år Øst", 16, 20, None, None),
        (_BUT, "ti_cases", _TI, "Tidlig innsatsteam 1-5 år Vest", 16, 20, None, None),
        (_BUT, "ti_cases", _TI, "Tidlig innsatsteam 6-12 år Øst", 24, 30, None, None),
        (_BUT, "ti_cases", _TI, "Tidlig innsatsteam 6-12 år Vest", 16, 20, None, None),
        (_BUT, "ti_cases", _TI, "Tidlig innsatsteam 13-15 år", 7, 10, None, None),
        (_BUT, "ti_cases", _TI, "Tidlig innsatsteam 16-23 år", 8, 10, None, None),
        (_BUT, "ti_units", _TU, "Østre Bærum", 36, 60, None, None),
        (_BUT, "ti_units", _TU, "Vestre Bærum", 30, 50, None, None),
    ],
}

EXPECTED_FILES = {
    ("school_register", "skoler.csv"),
    ("ungdata", "ungdata_2014.csv"),
    ("ungdata", "ungdata_2017.csv"),
    ("absence", "fravaer_2014-15.xlsx"),
    ("absence", "fravaer_2015-16.xlsx"),
    ("ppt", "ppt_2014.csv"),
    ("ppt", "ppt_2015.csv"),
    ("population", "ssb_07459_befolkning.json"),
    ("child_welfare", "ssb_12870_meldinger_etter_melder.csv"),
    ("child_welfare", "ssb_barnevern_nokkeltall.json"),
    ("ssb_outcomes", "ssb_12971_gjennomforing_vgs.csv"),
    ("ssb_outcomes", "nav_uforetrygd_18_29.json"),
    ("services", "tjenestetall_2014.xlsx"),
    ("services", "tjenestetall_2015.xlsx"),
    ("services", "tjenestetall_2016.xlsx"),
    ("services", "tjenestetall_2017.xlsx"),
}


def write_golden_landing(landing: Path) -> None:
    shutil.copytree(GOLDEN, landing, ignore=shutil.ignore_patterns("*.md"))
    for name, rows in ABSENCE.items():
        (landing / "absence").mkdir(exist_ok=True)
        pl.DataFrame(rows, schema=ABSENCE_COLUMNS, orient="row").write_excel(
            landing / "absence" / name, worksheet="Fravær", autofit=True
        )
    for year, rows in SERVICES.items():
        (landing / "services").mkdir(exist_ok=True)
        pl.DataFrame(rows, schema=SERVICES_COLUMNS, orient="row").write_excel(
            landing / "services" / f"tjenestetall_{year}.xlsx", worksheet="Tjenestetall", autofit=True
        )


# --------------------------------------------------------------------------------------------
# One real run
# --------------------------------------------------------------------------------------------


@dataclass
class GoldenRun:
    result: object
    data_dir: Path
    published: Path


@pytest.fixture(scope="session")
def golden_run(tmp_path_factory) -> GoldenRun:
    from pipelines.settings import get_settings

    saved = {k: v for k, v in os.environ.items() if k.startswith("SBU_")}
    data_dir = tmp_path_factory.mktemp("sbu_golden")
    write_golden_landing(data_dir / "landing")
    try:
        result = materialize_all(data_dir, report=False).refresh
    finally:  # leave the settings as the rest of the session had them
        for key in [k for k in os.environ if k.startswith("SBU_")]:
            del os.environ[key]
        os.environ.update(saved)
        get_settings.cache_clear()
    assert result.success, "the golden pipeline run failed"
    return GoldenRun(result, data_dir, data_dir / "published" / "sbu.duckdb")


def _fetch(path: Path, sql: str, params: list | None = None) -> list[dict]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()


@pytest.fixture(scope="session")
def values(golden_run) -> dict[str, list[dict]]:
    """Published metric_values rows per metric id."""
    out: dict[str, list[dict]] = {}
    for row in _fetch(golden_run.published, "SELECT * FROM metric_values"):
        out.setdefault(row["metric_id"], []).append(row)
    return out


@pytest.fixture(scope="session")
def scorecard(golden_run):
    def row(metric_id: str, report_year: int, area: str = "baerum") -> dict:
        rows = _fetch(
            golden_run.published,
            "SELECT * FROM scorecard WHERE metric_id = ? AND report_year = ? AND area_code = ? "
            "AND school_level = 'alle' AND gender = 'alle'",
            [metric_id, report_year, area],
        )
        assert len(rows) == 1, rows
        return rows[0]

    return row


# --------------------------------------------------------------------------------------------
# Expected cells
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    area: str
    year: int
    num: float
    den: float | None
    value: float
    level: str = "alle"
    gender: str = "alle"


@dataclass(frozen=True)
class Hidden:
    area: str
    year: int
    reason: str
    level: str = "alle"
    gender: str = "alle"


# The unit definitions (docs/domain.md / catalogue): value from numerator and denominator.
def pct(area, year, num, den, level="alle", gender="alle") -> Shown:
    return Shown(area, year, num, den, 100 * num / den, level, gender)


def per_1000(area, year, num, den) -> Shown:
    return Shown(area, year, num, den, 1000 * num / den)


def mean(area, year, num, den) -> Shown:
    return Shown(area, year, num, den, num / den)


def count(area, year, num) -> Shown:
    return Shown(area, year, num, None, num)


FAA = "faa_svar"
LITEN = "liten_telling"
REST = "liten_rest"
KOMPL = "komplementaer"

U, V, A = "uks", "vgs", "alle"
J, G = "jenter", "gutter"

KOMMUNE = {"kommune"}
BYDEL = {"kommune", "bydel"}
SKOLE = {"kommune", "bydel", "skole"}
TEAM = {"kommune", "bydel", "team"}
SCHOOLS_ABSENCE = {"skole:1001", "skole:1101", "skole:2001", "skole:2101", "skole:2199"}
SCHOOLS_UNGDATA_2014 = {"skole:1101", "skole:1201", "skole:2101", "skole:2199", "skole:2201"}
SCHOOLS_UNGDATA_2017 = {"skole:1101", "skole:1201", "skole:2101", "skole:2201"}
TEAMS = {
    "team:ti_0_1",
    "team:ti_1_5_ost",
    "team:ti_1_5_vest",
    "team:ti_6_12_ost",
    "team:ti_6_12_vest",
    "team:ti_13_15",
    "team:ti_16_23",
}
TOP = {"baerum", "ostre", "vestre"}


@dataclass
class Case:
    levels: set[str]  # area levels the metric is published at
    areas: dict[int, set[str]]  # year -> every area published that year
    cells: list[Shown | Hidden]  # expected cells (Hidden lists EVERY suppressed cell)
    rows_per_year: dict[int, int] | None = None  # survey metrics: all (area, level, gender) cells


# Ungdata cells per year: per school its level x {jenter, gutter, alle} and the same again under
# level "alle" (6 each); per bydel/kommune {uks, vgs, alle} x {jenter, gutter, alle} (9 each).
UNGDATA_ROWS = {2014: 5 * 6 + 3 * 9, 2017: 4 * 6 + 3 * 9}

CASES: dict[str, Case] = {}

# -- absence_low_mastery: percent, skoleår, down to school ------------------------------------
# 2014/15 (pupils, low mastery & > 10 % absence): 1001 400/8, 1101 300/12 | 2001 500/15, 2101 200/10, 2199 8/1
# 2015/16:                                         1001 400/8, 1101 300/9  | 2001 500/20, 2101 200/6,  2199 10/5
# Relations: Bærum = Østre + Vestre; Østre = 1001 + 1101; Vestre = 2001 + 2101 + 2199.
# 2014/15: 2199 has 8 pupils (< 10): "faa_svar". Vestre's relation then has one hidden cell, so the smallest
#   sibling by pupils is hidden too: 2101 (200 < 500). Every other cell passes (counts >= 8, rests >= 8).
#   Audit: Vestre 26 - 2001 15 = x(2101) + x(2199) = 11 with 0 <= x(2199) <= 8, 0 <= x(2101) <= 200:
#   x(2199) in [0, 8] (width 8 >= 5), x(2101) in [3, 11] (width 8): protected, nothing more.
# 2015/16: 2199 has exactly 10 pupils, 5 with and 5 without: no rule fires, nothing is hidden.
CASES["absence_low_mastery"] = Case(
    levels=SKOLE,
    areas={2014: TOP | SCHOOLS_ABSENCE, 2015: TOP | SCHOOLS_ABSENCE},
    cells=[
        pct("baerum", 2014, 8 + 12 + 15 + 10 + 1, 400 + 300 + 500 + 200 + 8),
        pct("ostre", 2014, 8 + 12, 400 + 300),
        pct("vestre", 2014, 15 + 10 + 1, 500 + 200 + 8),
        pct("skole:1001", 2014, 8, 400),
        pct("skole:1101", 2014, 12, 300),
        pct("skole:2001", 2014, 15, 500),
        Hidden("skole:2199", 2014, FAA),  # 8 pupils < 10
        Hidden("skole:2101", 2014, KOMPL),  # smallest sibling in Vestre (200 < 500 pupils)
        pct("baerum", 2015, 8 + 9 + 20 + 6 + 5, 400 + 300 + 500 + 200 + 10),
        pct("ostre", 2015, 8 + 9, 400 + 300),
        pct("vestre", 2015, 20 + 6 + 5, 500 + 200 + 10),
        pct("skole:1001", 2015, 8, 400),
        pct("skole:1101", 2015, 9, 300),
        pct("skole:2001", 2015, 20, 500),
        pct("skole:2101", 2015, 6, 200),
        pct("skole:2199", 2015, 5, 10),  # exactly 10 pupils, 5 with and 5 without: shown
    ],
)

# -- PPT: per bydel and age group --------------------------------------------------------------
# 2014 Østre  (first consultations, mean age; decisions; assessed): 0-5 20,4.0;30;12  6-9 20,7.5;40
#             10-12 10,11.0;50  13-15 10,14.0;40  16+ 0,-;40
# 2014 Vestre 0-5 10,4.5;20;8  6-9 10,8.0;30  10-12 10,10.5;30  13-15 5,14.0;15  16+ 5,17.0;5
# 2015 Østre  0-5 24,4.0;36;15  6-9 16,7.0;44  10-12 10,11.0;40  13-15 8,14.5;30  16+ 2,17.0;10
# 2015 Vestre 0-5 3,5.0;24;3  6-9 1,8.0;26  10-12 0,-;30  13-15 0,-;15  16+ 0,-;5
CASES["ppt_first_age"] = Case(
    levels=BYDEL,
    areas={2014: TOP, 2015: TOP},
    cells=[
        mean("ostre", 2014, 20 * 4.0 + 20 * 7.5 + 10 * 11.0 + 10 * 14.0, 20 + 20 + 10 + 10 + 0),  # 480/60 = 8.0
        mean("vestre", 2014, 10 * 4.5 + 10 * 8.0 + 10 * 10.5 + 5 * 14.0 + 5 * 17.0, 10 + 10 + 10 + 5 + 5),
        mean("baerum", 2014, 480 + 385, 60 + 40),
        mean(
            "baerum",
            2015,
            24 * 4.0 + 16 * 7.0 + 10 * 11.0 + 8 * 14.5 + 2 * 17.0 + 3 * 5.0 + 1 * 8.0,
            24 + 16 + 10 + 8 + 2 + 3 + 1,
        ),
        Hidden("vestre", 2015, LITEN),  # a mean over 3 + 1 = 4 children
        Hidden("ostre", 2015, KOMPL),  # Bærum = Østre + Vestre
    ],
)
CASES["spec_ed_young_share"] = Case(
    levels=BYDEL,
    areas={2014: TOP, 2015: TOP},
    cells=[
        pct("ostre", 2014, 30 + 40, 30 + 40 + 50 + 40 + 40),  # 35 %
        pct("vestre", 2014, 20 + 30, 20 + 30 + 30 + 15 + 5),  # 50 %
        pct("baerum", 2014, 70 + 50, 200 + 100),  # 40 %
        pct("ostre", 2015, 36 + 44, 36 + 44 + 40 + 30 + 10),
        pct("vestre", 2015, 24 + 26, 24 + 26 + 30 + 15 + 5),
        pct("baerum", 2015, 80 + 50, 160 + 100),  # 50 %
    ],
)
CASES["assessed_before_school"] = Case(
    levels=BYDEL,
    areas={2014: TOP, 2015: TOP},
    cells=[
        count("ostre", 2014, 12),
        count("vestre", 2014, 8),
        count("baerum", 2014, 12 + 8),
        count("baerum", 2015, 15 + 3),
        Hidden("vestre", 2015, LITEN),  # 3 < 5
        Hidden("ostre", 2015, KOMPL),
    ],
)
# Numerator and denominator cover ages 0-15: PPT's groups 0-5, 6-9, 10-12 and 13-15 år (Østre + Vestre;
# the open-ended "16 år og eldre", 40 + 5 in 2014 and 10 + 5 in 2015, is left out) over residents 0-15
# (SSB 07459, Bærum 0219): 16 ages x 1500 (2014), 16 x 1600 (2015); ages 16-19 and Asker ignored.
CASES["children_with_decisions"] = Case(
    levels=KOMMUNE,
    areas={2014: {"baerum"}, 2015: {"baerum"}},
    cells=[
        per_1000("baerum", 2014, (30 + 40 + 50 + 40) + (20 + 30 + 30 + 15), 16 * 1500),  # 255 / 24 000 = 10.625
        per_1000("baerum", 2015, (36 + 44 + 40 + 30) + (24 + 26 + 30 + 15), 16 * 1600),  # 245 / 25 600 = 9.570
    ],
)

# -- Child welfare (SSB 12870 CSV and KOSTRA JSON-stat), Bærum only --------------------------------
# Reports by reporter 2014: 01 20, 02 170, 03 60, 04 50, 05 40, 06 100, 07 20, 08 220, 09 90, 10 170, 11 60 = 1000
#                     2015: 01 20, 02 180, 03 50, 04 60, 05 50, 06 110, 07 30, 08 200, 09 90, 10 150, 11 60 = 1000
CASES["cw_reports_early_share"] = Case(
    levels=KOMMUNE,
    areas={2014: {"baerum"}, 2015: {"baerum"}},
    cells=[
        pct("baerum", 2014, 50 + 40 + 100 + 20, 1000),  # 21 %, the plan's own 0-punkt
        pct("baerum", 2015, 60 + 50 + 110 + 30, 1000),  # 25 %
    ],
)
CASES["cw_reports_dropped_share"] = Case(
    levels=KOMMUNE,
    areas={2014: {"baerum"}, 2015: {"baerum"}},
    cells=[pct("baerum", 2014, 360, 1000), pct("baerum", 2015, 300, 1000)],
)
CASES["cw_investigation_rate"] = Case(
    levels=KOMMUNE,
    areas={2014: {"baerum"}, 2015: {"baerum"}},
    cells=[pct("baerum", 2014, 600, 18 * 1500), pct("baerum", 2015, 576, 18 * 1600)],
)  # 2.22 %, 2.0 %

# -- SSB outcomes ---------------------------------------------------------------------------------
CASES["vgs_completion"] = Case(
    levels=KOMMUNE,
    areas={2014: {"baerum"}, 2015: {"baerum"}},
    cells=[pct("baerum", 2014, 1269, 1500), pct("baerum", 2015, 1290, 1500)],
)  # 84.6 %, 86.0 %
CASES["young_disability"] = Case(
    levels=KOMMUNE,
    areas={2014: {"baerum"}, 2015: {"baerum"}},
    cells=[count("baerum", 2014, 500), count("baerum", 2015, 520)],
)

# -- Services' template (kommune-level figures 2014-2015) ------------------------------------------
for _id, (_a, _b) in {
    "youth_work_places": (140, 150),
    "youth_homeless": (18, 12),
    "youth_staffed_housing": (30, 28),
    "youth_no_offer": (428, 400),
    "youth_decline_all": (46, 5),
}.items():  # 5 is not below the threshold: shown
    CASES[_id] = Case(
        levels=KOMMUNE,
        areas={2014: {"baerum"}, 2015: {"baerum"}},
        cells=[count("baerum", 2014, _a), count("baerum", 2015, _b)],
    )
CASES["pht_first_age"] = Case(
    levels=KOMMUNE,
    areas={2014: {"baerum"}, 2015: {"baerum"}},
    cells=[mean("baerum", 2014, 300 * 14.0, 300), mean("baerum", 2015, 320 * 13.5, 320)],
)  # 14.0, 13.5 years
CASES["resources_before_10"] = Case(
    levels=KOMMUNE,
    areas={2014: {"baerum"}, 2015: {"baerum"}},
    cells=[pct("baerum", 2014, 160_000_000, 400_000_000), pct("baerum", 2015, 189_000_000, 420_000_000)],
)

# -- Tidlig innsatsteam 2016-2017 ----------------------------------------------------------------
# Teams 0-1, 13-15 and 16-23 serve the whole municipality (parent: Bærum); 1-5 and 6-12 are split Øst/Vest.
# Relations: Bærum = Østre + Vestre + 0-1 + 13-15 + 16-23; Østre = 1-5 Øst + 6-12 Øst; Vestre = 1-5 Vest
# + 6-12 Vest. Every team has at least 10 cases, so "faa_svar" never applies; "liten_rest" does where
# fewer than 5 cases lack the parents (cases - parents < 5).
# 2016 (parents/cases): 0-1 7/10 (rest 3), 1-5 Ø 14/20 (6), 1-5 V 16/20 (4), 6-12 Ø 21/30 (9), 6-12 V 6/10 (4),
#   13-15 6/10 (4), 16-23 14/20 (6); Østre 35/50, Vestre 22/30, Bærum 84/120.
#   Primary "liten_rest": 0-1, 1-5 V, 6-12 V, 13-15. Each relation holding a hidden team holds two: no
#   singleton, no complement. Audit: Vestre: x(1-5 V) + x(6-12 V) = 22, x(1-5 V) <= 20, x(6-12 V) <= 10
#   -> 1-5 V in [12, 20], 6-12 V in [2, 10] (width 8). Bærum: x(0-1) + x(13-15) = 84 - 35 - 22 - 14 = 13,
#   each <= 10 -> both in [3, 10] (width 7). Protected.
# 2017: 0-1 9/10 (rest 1), 1-5 Ø 16/20 (4), 1-5 V 16/20 (4), 6-12 Ø 24/30 (6), 6-12 V 16/20 (4), 13-15 7/10 (3),
#   16-23 8/10 (2); Østre 40/50, Vestre 32/40, Bærum 96/120.
#   Primary "liten_rest": 0-1, 1-5 Ø, 1-5 V, 6-12 V, 13-15, 16-23. Østre's relation has one hidden team
#   (1-5 Ø), so its only other part, 6-12 Ø, is the complement. Audit: Østre: x(1-5 Ø) + x(6-12 Ø) = 40
#   -> [10, 20] and [20, 30]; Vestre: x(1-5 V) + x(6-12 V) = 32, each <= 20 -> both [12, 20];
#   Bærum: x(0-1) + x(13-15) + x(16-23) = 96 - 40 - 32 = 24, each <= 10 -> each in [4, 10] (width 6).
#   Protected; only the three area totals are shown.
CASES["ti_parent_share"] = Case(
    levels=TEAM,
    areas={2016: TOP | TEAMS, 2017: TOP | TEAMS},
    cells=[
        pct("baerum", 2016, 7 + 14 + 16 + 21 + 6 + 6 + 14, 10 + 20 + 20 + 30 + 10 + 10 + 20),  # 84/120 = 70 %
        pct("ostre", 2016, 14 + 21, 20 + 30),
        pct("vestre", 2016, 16 + 6, 20 + 10),
        Hidden("team:ti_0_1", 2016, REST),  # 10 - 7 = 3
        pct("team:ti_1_5_ost", 2016, 14, 20),
        Hidden("team:ti_1_5_vest", 2016, REST),  # 20 - 16 = 4
        pct("team:ti_6_12_ost", 2016, 21, 30),
        Hidden("team:ti_6_12_vest", 2016, REST),  # 10 - 6 = 4
        Hidden("team:ti_13_15", 2016, REST),  # 10 - 6 = 4
        pct("team:ti_16_23", 2016, 14, 20),
        pct("baerum", 2017, 9 + 16 + 16 + 24 + 16 + 7 + 8, 10 + 20 + 20 + 30 + 20 + 10 + 10),  # 96/120 = 80 %
        pct("ostre", 2017, 16 + 24, 20 + 30),
        pct("vestre", 2017, 16 + 16, 20 + 20),
        Hidden("team:ti_0_1", 2017, REST),  # 10 - 9 = 1
        Hidden("team:ti_1_5_ost", 2017, REST),  # 20 - 16 = 4
        Hidden("team:ti_1_5_vest", 2017, REST),  # 20 - 16 = 4
        Hidden("team:ti_6_12_ost", 2017, KOMPL),  # Østre = 1-5 Øst + 6-12 Øst
        Hidden("team:ti_6_12_vest", 2017, REST),  # 20 - 16 = 4
        Hidden("team:ti_13_15", 2017, REST),  # 10 - 7 = 3
        Hidden("team:ti_16_23", 2017, REST),  # 10 - 8 = 2
    ],
)
CASES["ti_units_using"] = Case(
    levels=BYDEL,
    areas={2016: TOP, 2017: TOP},
    cells=[
        pct("ostre", 2016, 30, 60),
        pct("vestre", 2016, 20, 50),
        pct("baerum", 2016, 30 + 20, 60 + 50),
        pct("ostre", 2017, 36, 60),
        pct("vestre", 2017, 30, 50),
        pct("baerum", 2017, 36 + 30, 60 + 50),
    ],
)

# -- Ungdata -------------------------------------------------------------------------------------
# Respondents 2014 per school and gender (same for every indicator but cw_help):
#   Østre:  1101 uks  j 100, g 80    1201 vgs  j 100, g 100
#   Vestre: 2101 uks  j 60,  g 50    2199 uks  j 8,   g 12     2201 vgs  j 100, g 80
# 2017 (depressive_mood only): the same without 2199.
# Yes-answers are recovered from the exported one-decimal share: round(share * n / 100), e.g.
# 16,7 % of 60 -> 10.02 -> 10; 3,3 % of 60 -> 1.98 -> 2; 8,3 % of 12 -> 0.996 -> 1; 41,7 % of 12 -> 5.004 -> 5.
#
# The linked table. A school's cells at level "alle" equal those at its own level; Østre's uks cells are
# school 1101's, Østre's vgs cells 1201's and Vestre's vgs cells 2201's (one school each), while Vestre's
# uks cells are 2101 + 2199 (2014). So per gender the relations reduce to: Vestre uks = 2101 + 2199;
# Østre alle = 1101 + 1201; Vestre alle = Vestre uks + 2201; Bærum uks = 1101 + Vestre uks; Bærum vgs =
# 1201 + 2201; Bærum alle = Østre alle + Vestre alle; and in every area and level alle = jenter + gutter.
# Singleton elimination visits the relations in the module's order (area hierarchy Bærum, Østre, Vestre;
# then gender; then school level) and takes the smallest open part by respondents.

SCHOOL_LEVEL = {"1101": U, "1201": V, "2101": U, "2199": U, "2201": V}
SCHOOL_BYDEL = {"1101": "ostre", "1201": "ostre", "2101": "vestre", "2199": "vestre", "2201": "vestre"}
RESPONDENTS = {  # (girls, boys) per school
    2014: {"1101": (100, 80), "1201": (100, 100), "2101": (60, 50), "2199": (8, 12), "2201": (100, 80)},
    2017: {"1101": (100, 80), "1201": (100, 100), "2101": (60, 50), "2201": (100, 80)},
}
_GENDER_INDEX = {J: (0,), G: (1,), A: (0, 1)}


def ungdata_groups(schools: list[str], *, with_schools: bool = True) -> dict[tuple[str, str, str], list[tuple]]:
    """Every published Ungdata cell -> the (school, gender index) pairs it adds up."""
    areas = {"baerum": schools, **{b: [s for s in schools if SCHOOL_BYDEL[s] == b] for b in ("ostre", "vestre")}}
    if with_schools:
        areas.update({f"skole:{s}": [s] for s in schools})
    out = {}
    for area, members in areas.items():
        levels = (SCHOOL_LEVEL[members[0]], A) if area.startswith("skole:") else (U, V, A)
        for level in levels:
            for gender in (J, G, A):
                out[(area, level, gender)] = [
                    (s, i) for s in members if level == A or SCHOOL_LEVEL[s] == level for i in _GENDER_INDEX[gender]
                ]
    return out


def ungdata_cells(
    year: int,
    yes: dict[str, tuple[int, int]],
    hidden: dict[tuple[str, str, str], str],
    respondents: dict[str, tuple[int, int]] | None = None,
    *,
    with_schools: bool = True,
):
    """Every published cell of one indicator and year: Hidden(reason) for the keys of ``hidden``, every
    other cell Shown with its yes-answers over its respondents summed from the per-school figures."""
    resp = respondents or RESPONDENTS[year]
    groups = ungdata_groups(list(resp), with_schools=with_schools)
    assert set(hidden) <= set(groups), set(hidden) - set(groups)
    return [
        Hidden(area, year, hidden[(area, lv, g)], lv, g)
        if (area, lv, g) in hidden
        else pct(area, year, sum(yes[s][i] for s, i in parts), sum(resp[s][i] for s, i in parts), lv, g)
        for (area, lv, g), parts in groups.items()
    ]


def _pattern(cells: list[tuple[str, str, str]], primary: dict[tuple[str, str, str], str]) -> dict:
    """The primary cells with their reasons; every other cell of ``cells`` a complement."""
    assert set(primary) <= set(cells)
    return {key: primary.get(key, KOMPL) for key in cells}


def _school(school: str, genders=(J, G)) -> list[tuple[str, str, str]]:
    """A school's cells at its own level and again under level 'alle'."""
    return [(f"skole:{school}", lv, g) for lv in (SCHOOL_LEVEL[school], A) for g in genders]


# Pattern "small school" (2014): only 2199's gender cells are primary. Vestre uks jenter = 2101 + 2199 and
# Vestre alle jenter = 2101 + 2199 + 2201 each hold one hidden cell: 2101's girls are the complement (60
# respondents < 100 at 2201); 2101's (and 2199's) "alle = jenter + gutter" then hides their boys (unless
# primary). School totals stay shown. Per gender Vestre uks = 2101 + 2199 is a 2 x 2 table with all
# margins shown: one free number w = 2199's girls, and the audit works it out per indicator below.
SMALL_2014 = _school("2101") + _school("2199")

# Pattern "wide" (2014): primary cells in 1101, 2101 and 2199 and in Vestre's ungdomsskole (depressive_mood,
# hash). Worked through for depressive_mood below; hash hides the same cells. Every gender cell of every
# school, the school totals of 2101 and 2199, and the gender cells of both bydeler at uks and vgs are
# hidden; shown: the other school totals, the bydeler's level totals, their "alle" level, all of Bærum.
WIDE_2014 = (
    _school("1101")
    + _school("1201")
    + _school("2101")
    + _school("2199")
    + _school("2201")
    + [("skole:2101", lv, A) for lv in (U, A)]
    + [("skole:2199", lv, A) for lv in (U, A)]
    + [(b, lv, g) for b in ("ostre", "vestre") for lv in (U, V) for g in (J, G)]
)

# depressive_mood 2014 (yes/n): 1101 j 16/100 g 4/80 | 1201 j 26/100 g 8/100 |
#                               2101 j 10/60 g 3/50 | 2199 j 2/8 g 1/12 | 2201 j 25/100 g 6/80
# Primary: 1101 boys 4 (< 5; also Østre uks boys, the same cell) "liten_telling"; 2101 boys 3; 2199 girls
#   8 respondents "faa_svar", 2199 boys 1 and 2199 total 3 of 20 "liten_telling"; Vestre uks boys 3 + 1 = 4.
# Singleton elimination, pass 1: Østre alle gutter = 1101 + 1201 -> 1201 alle gutter; Vestre alle alle =
#   2101 + 2199 + 2201 -> 2101 (110 < 180); Vestre alle jenter -> 2101 (60 < 100); Vestre uks alle / uks jenter
#   -> 2101 uks alle / uks jenter; gender: Østre uks -> Østre uks jenter, 1101 (both levels) -> 1101 jenter,
#   1201 alle -> 1201 alle jenter, Vestre uks -> Vestre uks jenter; school level: Østre gutter / jenter ->
#   Østre vgs gutter / jenter, 1201 alle = 1201 vgs -> 1201 vgs gutter and jenter, Vestre gutter / jenter ->
#   Vestre vgs gutter / jenter. Pass 2: Vestre vgs = 2201 -> 2201 vgs gutter and jenter; 2201 alle = 2201 vgs
#   -> 2201 alle gutter and jenter. Pass 3: nothing. That is WIDE_2014.
# Audit (one group). With t = 1101 boys, every relation with shown margins gives: 1101 j = 20 - t, 1201 g =
#   12 - t, 1201 j = 22 + t, Vestre uks g = 8 - t, Vestre uks j = 8 + t, 2201 g = 2 + t, 2201 j = 29 - t;
#   so t in [0, 8] (Vestre uks g >= 0): width 8 for each. Inside Vestre uks: 2199 g in [0, 8], 2199 j in
#   [0, 8] (its 8 respondents), 2101 g in [0, 8], 2101 j in [0, 16], 2199 total in [0, 16], 2101 total in
#   [0, 16] (the two totals add to the shown 16). Every width >= 5 (or 2199 girls' whole [0, 8]): protected.
DEPRESSIVE_2014 = _pattern(
    WIDE_2014,
    {
        **dict.fromkeys(_school("1101", (G,)) + [("ostre", U, G)], LITEN),  # 4 of 80
        **dict.fromkeys(_school("2101", (G,)), LITEN),  # 3 of 50
        **dict.fromkeys(_school("2199", (J,)), FAA),  # 8 respondents
        **dict.fromkeys(_school("2199", (G, A)), LITEN),  # 1 of 12; 3 of 20
        ("vestre", U, G): LITEN,  # 3 + 1 = 4 of 62
    },
)

# depressive_mood 2017 (no small school): 1101 j 20/100 g 6/80 | 1201 j 25/100 g 7/100 | 2101 j 12/60 g 4/50 |
#                                          2201 j 22/100 g 6/80
# Primary: 2101 boys 4 of 50 "liten_telling" (at uks and alle), and Vestre uks boys, which is 2101 alone.
# Singleton elimination, pass 1: Bærum uks gutter = Østre + Vestre -> Østre uks gutter (80); Østre uks
#   gutter = 1101 -> 1101 uks gutter; Vestre alle gutter = 2101 + 2201 -> 2201 alle gutter; gender: Østre uks,
#   1101 uks, 2101 alle, 2101 uks, 2201 alle, Vestre uks -> their jenter; school level: Østre gutter / jenter
#   -> Østre vgs gutter / jenter; 1101 alle = 1101 uks -> 1101 alle gutter and jenter; 2201 alle = 2201 vgs ->
#   2201 vgs gutter and jenter; Vestre gutter / jenter -> Vestre vgs gutter / jenter. Pass 2: Østre alle
#   gutter / jenter = 1101 + 1201 -> 1201 alle gutter / jenter; Østre vgs = 1201 -> 1201 vgs gutter / jenter.
#   Pass 3: nothing. Hidden: every gender cell of the four schools and of both bydeler at uks and vgs.
# Audit: with t = 1101 boys: 1101 j = 26 - t, 1201 g = 13 - t, 1201 j = 19 + t, 2101 g = 10 - t,
#   2101 j = 6 + t, 2201 g = t, 2201 j = 28 - t (bydel and school cells equal these): t in [0, 10], width 10.
DEPRESSIVE_2017 = _pattern(
    _school("1101")
    + _school("1201")
    + _school("2101")
    + _school("2201")
    + [(b, lv, g) for b in ("ostre", "vestre") for lv in (U, V) for g in (J, G)],
    {**dict.fromkeys(_school("2101", (G,)) + [("vestre", U, G)], LITEN)},
)

DEPRESSIVE_YES = {
    2014: {"1101": (16, 4), "1201": (26, 8), "2101": (10, 3), "2199": (2, 1), "2201": (25, 6)},
    2017: {"1101": (20, 6), "1201": (25, 7), "2101": (12, 4), "2201": (22, 6)},
}
CASES["depressive_mood"] = Case(
    levels=SKOLE,
    areas={2014: TOP | SCHOOLS_UNGDATA_2014, 2017: TOP | SCHOOLS_UNGDATA_2017},
    rows_per_year=UNGDATA_ROWS,
    cells=[
        # Bærum, written out: every combination of school level and gender, with respondent weights
        pct("baerum", 2014, 16 + 10 + 2, 100 + 60 + 8, U, J),
        pct("baerum", 2014, 4 + 3 + 1, 80 + 50 + 12, U, G),
        pct("baerum", 2014, 16 + 4 + 10 + 3 + 2 + 1, 100 + 80 + 60 + 50 + 8 + 12, U, A),
        pct("baerum", 2014, 26 + 25, 100 + 100, V, J),
        pct("baerum", 2014, 8 + 6, 100 + 80, V, G),
        pct("baerum", 2014, 26 + 8 + 25 + 6, 100 + 100 + 100 + 80, V, A),
        pct("baerum", 2014, 16 + 10 + 2 + 26 + 25, 100 + 60 + 8 + 100 + 100, A, J),
        pct("baerum", 2014, 4 + 3 + 1 + 8 + 6, 80 + 50 + 12 + 100 + 80, A, G),
        pct(
            "baerum",
            2014,
            16 + 4 + 26 + 8 + 10 + 3 + 2 + 1 + 25 + 6,
            100 + 80 + 100 + 100 + 60 + 50 + 8 + 12 + 100 + 80,
            A,
            A,
        ),  # 101 / 690
        # what stays shown below Bærum, written out
        pct("ostre", 2014, 16 + 4, 180, U, A),
        pct("ostre", 2014, 26 + 8, 200, V, A),
        pct("ostre", 2014, 16 + 26, 100 + 100, A, J),
        pct("ostre", 2014, 4 + 8, 80 + 100, A, G),
        pct("vestre", 2014, 10 + 3 + 2 + 1, 60 + 50 + 8 + 12, U, A),
        pct("vestre", 2014, 25 + 6, 180, V, A),
        pct("vestre", 2014, 10 + 2 + 25, 60 + 8 + 100, A, J),
        pct("vestre", 2014, 3 + 1 + 6, 50 + 12 + 80, A, G),
        pct("skole:1101", 2014, 16 + 4, 100 + 80, U, A),
        pct("skole:1201", 2014, 26 + 8, 100 + 100, A, A),
        pct("skole:2201", 2014, 25 + 6, 100 + 80, V, A),
        # and every cell of both years, shown ones summed from the per-school figures
        *ungdata_cells(2014, DEPRESSIVE_YES[2014], DEPRESSIVE_2014),
        pct("baerum", 2017, 20 + 6 + 25 + 7 + 12 + 4 + 22 + 6, 100 + 80 + 100 + 100 + 60 + 50 + 100 + 80, A, A),
        pct("ostre", 2017, 20 + 6 + 25 + 7, 100 + 80 + 100 + 100, A, A),
        pct("vestre", 2017, 12 + 4, 60 + 50, U, A),
        pct("vestre", 2017, 4 + 6, 50 + 80, A, G),  # 10 of 130: shown, though 2101's 4 boys are inside it
        pct("skole:2101", 2017, 12 + 4, 60 + 50, A, A),
        *ungdata_cells(2017, DEPRESSIVE_YES[2017], DEPRESSIVE_2017),
    ],
)


def _context_indicator(y: dict[str, tuple[int, int]], hidden: dict[tuple[str, str, str], str]) -> Case:
    """An Ungdata context indicator from its 2014 yes-counts per school: y[school] = (girls, boys), with
    the hand-derived suppression pattern ``hidden``. Respondents as above."""
    return Case(
        levels=SKOLE,
        areas={2014: TOP | SCHOOLS_UNGDATA_2014},
        rows_per_year={2014: UNGDATA_ROWS[2014]},
        cells=ungdata_cells(2014, y, hidden),
    )


# yes-answers (girls, boys) per school, 2014 -- the shares in ungdata_2014.csv are these over n

# intoxicated: 2199 girls 3 of 8 ("faa_svar"); 2199 boys 5 of 12 (count 5, rest 7) and its total 8 of 20
#   pass. Pattern "small school". Audit, Vestre uks (girls 15 of 68, boys 15 of 62, 2101 22 of 110, 2199 8
#   of 20): w = 2199 girls; 2199 boys 8 - w, 2101 girls 15 - w, 2101 boys 7 + w; w in [0, 8], width 8.
CASES["ungdata_intoxicated"] = _context_indicator(
    {"1101": (18, 16), "1201": (70, 68), "2101": (12, 10), "2199": (3, 5), "2201": (69, 56)},
    _pattern(SMALL_2014, dict.fromkeys(_school("2199", (J,)), FAA)),
)

# hash: 1101 girls 3, boys 4; 2101 girls 2, boys 3; 2199 girls (8 respondents) "faa_svar", boys 0, total 1;
#   Vestre uks girls 2 + 1 = 3, boys 3 + 0 = 3: all "liten_telling" (school totals 1101 7, 2101 5 = 5 pass).
#   Singleton elimination as for depressive_mood 2014 (the same relations hold one hidden cell, in the same
#   order; 2101's girls are primary here rather than complements): pattern "wide".
#   Audit: t = 1101 boys; 1101 j = 7 - t, 1201 g = 31 - t, 1201 j = 15 + t, Vestre uks g = 7 - t, Vestre uks
#   j = t - 1, 2201 g = 20 + t, 2201 j = 24 - t: t in [1, 7], width 6; inside Vestre uks every cell in
#   [0, 6] (the two uks gender cells are at most 6): protected.
CASES["ungdata_hash"] = _context_indicator(
    {"1101": (3, 4), "1201": (19, 27), "2101": (2, 3), "2199": (1, 0), "2201": (20, 24)},
    _pattern(
        WIDE_2014,
        {
            **dict.fromkeys(_school("1101") + [("ostre", U, J), ("ostre", U, G)], LITEN),  # 3 and 4
            **dict.fromkeys(_school("2101"), LITEN),  # 2 and 3
            **dict.fromkeys(_school("2199", (J,)), FAA),
            **dict.fromkeys(_school("2199", (G, A)), LITEN),  # 0; 1 of 20
            ("vestre", U, J): LITEN,
            ("vestre", U, G): LITEN,  # 3 and 3
        },
    ),
)

# school_nurse: 2199 girls 4 of 8 ("faa_svar"); boys 6 of 12 (rest 6) pass. Pattern "small school".
#   Audit (Vestre uks girls 34, boys 23; 2101 47, 2199 10): w = 2199 girls in [0, 8], width 8.
CASES["ungdata_school_nurse"] = _context_indicator(
    {"1101": (50, 28), "1201": (40, 24), "2101": (30, 17), "2199": (4, 6), "2201": (42, 20)},
    _pattern(SMALL_2014, dict.fromkeys(_school("2199", (J,)), FAA)),
)

# youth_venues: 2199 girls "faa_svar", 2199 boys 3 of 12 "liten_telling"; its total 7 of 20 passes.
#   Pattern "small school" (2101's girls and boys complements). Audit (Vestre uks girls 28, boys 24; 2101 45,
#   2199 7): w = 2199 girls; boys 7 - w, 2101 girls 28 - w, 2101 boys 17 + w: w in [0, 7], width 7.
CASES["ungdata_youth_venues"] = _context_indicator(
    {"1101": (40, 34), "1201": (34, 38), "2101": (24, 21), "2199": (4, 3), "2201": (35, 28)},
    _pattern(SMALL_2014, {**dict.fromkeys(_school("2199", (J,)), FAA), **dict.fromkeys(_school("2199", (G,)), LITEN)}),
)

# safe_neighbourhood: 2199 girls "faa_svar"; 2199 boys 9 of 12 (rest 3) and 2101 boys 46 of 50 (rest 4)
#   "liten_rest"; 2199 total 15 of 20 (rest exactly 5) and 2101 total 100 of 110 pass. Singleton
#   elimination: Vestre alle / uks jenter -> 2101's girls; every other relation holds 0 or 2+ hidden cells.
#   Audit (Vestre uks girls 60, boys 55; 2101 100, 2199 15): w = 2199 girls <= 8; 2199 boys 15 - w <= 12 ->
#   w >= 3; 2101 boys 40 + w <= 50; so w in [3, 8], width exactly 5 (2199 boys [7, 12], 2101 girls [52, 57],
#   2101 boys [43, 48]): protected, just.
CASES["ungdata_safe_neighbourhood"] = _context_indicator(
    {"1101": (90, 74), "1201": (90, 92), "2101": (54, 46), "2199": (6, 9), "2201": (91, 72)},
    _pattern(
        SMALL_2014,
        {
            **dict.fromkeys(_school("2199", (J,)), FAA),
            **dict.fromkeys(_school("2199", (G,)) + _school("2101", (G,)), REST),
        },
    ),
)

# cw_help: asked to a subset, shown down to bydel only (school cells are never published).
# (yes/n) 1101 uks j 11/20 g 6/10 | 1201 vgs j 11/20 g 12/20 | 2101 uks j 5/10 g 6/10 | 2201 vgs j 12/20 g 4/8 |
# 2199: nobody answered (no rows). Primary: Vestre vgs boys, 8 respondents ("faa_svar"); Østre uks boys and
# Vestre uks boys, 6 of 10 (rest 4, "liten_rest"). Vestre uks girls 5 of 10 (count 5, rest 5) pass.
# The bydel table is area x school level x gender with all margins published. Singleton elimination:
# Bærum vgs gutter = Østre + Vestre -> Østre vgs gutter; then each bydel's uks and vgs "alle = jenter +
# gutter" -> their girls: the whole 2 x 2 x 2 cube of Østre/Vestre x uks/vgs x jenter/gutter; every margin
# (bydel totals, Bærum cells) stays shown. Audit: with t = Østre uks boys, Østre uks girls 17 - t, Østre vgs
# boys 18 - t, Østre vgs girls 5 + t, Vestre uks boys 12 - t (<= 10), Vestre uks girls t - 1, Vestre vgs
# boys t - 2 (<= 8), Vestre vgs girls 18 - t: t in [2, 10], width 8 for every cell: protected.
CW_HELP = {("vestre", V, G): FAA, ("ostre", U, G): REST, ("vestre", U, G): REST}
CASES["ungdata_cw_help"] = Case(
    levels=BYDEL,
    areas={2014: TOP},
    rows_per_year={2014: 3 * 9},
    cells=[
        pct("baerum", 2014, 11 + 6 + 11 + 12 + 5 + 6 + 12 + 4, 20 + 10 + 20 + 20 + 10 + 10 + 20 + 8, A, A),  # 67/118
        pct("baerum", 2014, 11 + 6 + 5 + 6, 20 + 10 + 10 + 10, U, A),
        pct("baerum", 2014, 11 + 12 + 12 + 4, 20 + 20 + 20 + 8, V, A),
        pct("baerum", 2014, 11 + 11 + 5 + 12, 20 + 20 + 10 + 20, A, J),
        pct("baerum", 2014, 6 + 12 + 6 + 4, 10 + 20 + 10 + 8, A, G),
        pct("baerum", 2014, 11 + 5, 20 + 10, U, J),
        pct("baerum", 2014, 6 + 6, 10 + 10, U, G),
        pct("baerum", 2014, 11 + 12, 20 + 20, V, J),
        pct("baerum", 2014, 12 + 4, 20 + 8, V, G),
        pct("ostre", 2014, 11 + 6 + 11 + 12, 20 + 10 + 20 + 20, A, A),
        pct("ostre", 2014, 11 + 6, 20 + 10, U, A),
        pct("ostre", 2014, 11 + 12, 20 + 20, V, A),
        pct("ostre", 2014, 11 + 11, 20 + 20, A, J),
        pct("ostre", 2014, 6 + 12, 10 + 20, A, G),
        pct("vestre", 2014, 5 + 6 + 12 + 4, 10 + 10 + 20 + 8, A, A),
        pct("vestre", 2014, 5 + 6, 10 + 10, U, A),
        pct("vestre", 2014, 12 + 4, 20 + 8, V, A),
        pct("vestre", 2014, 5 + 12, 10 + 20, A, J),
        pct("vestre", 2014, 6 + 4, 10 + 8, A, G),
        *[
            Hidden(area, 2014, CW_HELP.get((area, lv, g), KOMPL), lv, g)
            for area in ("ostre", "vestre")
            for lv in (U, V)
            for g in (J, G)
        ],
    ],
)


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


def _catalogue() -> dict[str, dict]:
    raw = yaml.safe_load((REPO / "catalogue" / "metrics.yaml").read_text(encoding="utf-8"))
    return {m["id"]: m for m in raw["metrics"]}


def test_every_catalogue_metric_has_a_golden_case():
    ids = set(_catalogue())
    assert len(ids) == 26
    assert ids - set(CASES) == set(), "metrics without a golden case"
    assert set(CASES) - ids == set(), "golden cases for metrics not in the catalogue"


def test_golden_files_load_without_quarantine_and_pass_every_contract_check(golden_run):
    loads = _fetch(golden_run.published, "SELECT source, file_name, status FROM file_loads")
    assert {(r["source"], r["file_name"]) for r in loads} == EXPECTED_FILES
    assert {r["status"] for r in loads} == {"loaded"}
    quarantine = golden_run.data_dir / "quarantine"
    assert not quarantine.exists() or not any(p.is_file() for p in quarantine.rglob("*"))
    checks = golden_run.result.get_asset_check_evaluations()
    assert checks and [c.check_name for c in checks if not c.passed] == []


@pytest.mark.parametrize("metric_id", sorted(CASES))
def test_metric_not_published_below_its_lowest_level(values, metric_id):
    case = CASES[metric_id]
    # The hand-written levels agree with the catalogue's lowest level ...
    lowest = _catalogue()[metric_id]["lowest_level"]
    allowed = {"kommune": KOMMUNE, "bydel": BYDEL, "skole": SKOLE, "team": TEAM}[lowest]
    assert case.levels <= allowed
    # ... and the published rows are exactly at those levels and areas, nothing finer.
    rows = values.get(metric_id, [])
    assert {r["area_level"] for r in rows} == case.levels
    published = {}
    for r in rows:
        published.setdefault(r["year"], set()).add(r["area_code"])
    assert published == case.areas


@pytest.mark.parametrize("metric_id", sorted(CASES))
def test_metric_golden_values(values, metric_id):
    case = CASES[metric_id]
    rows = values.get(metric_id, [])
    by_key = {(r["area_code"], r["year"], r["school_level"], r["gender"]): r for r in rows}
    assert len(by_key) == len(rows), "duplicate cells"
    if case.rows_per_year is not None:
        per_year = {}
        for r in rows:
            per_year[r["year"]] = per_year.get(r["year"], 0) + 1
        assert per_year == case.rows_per_year
    else:  # no survey groups: one cell per area and year, level and gender "alle"
        assert {(r["school_level"], r["gender"]) for r in rows} == {("alle", "alle")}

    problems = []
    for cell in case.cells:
        key = (cell.area, cell.year, cell.level, cell.gender)
        row = by_key.get(key)
        if row is None:
            problems.append(f"{key}: not published")
            continue
        if isinstance(cell, Hidden):
            got = (
                row["suppression_reason"],
                row["suppressed"],
                row["value"],
                row["numerator"],
                row["denominator"],
                row["ci_low"],
                row["ci_high"],
            )  # an interval around a hidden value would leak it
            if got != (cell.reason, True, None, None, None, None, None):
                problems.append(f"{key}: expected suppressed as {cell.reason}, got {got}")
            continue
        got = (row["numerator"], row["denominator"], row["value"])
        ok = (
            row["suppression_reason"] is None
            and row["suppressed"] is False
            and row["numerator"] == pytest.approx(cell.num, rel=1e-12)
            and (
                row["denominator"] == pytest.approx(cell.den, rel=1e-12)
                if cell.den is not None
                else row["denominator"] is None
            )
            and row["value"] == pytest.approx(cell.value, rel=1e-12)
        )
        if not ok:
            problems.append(
                f"{key}: expected num/den/value {(cell.num, cell.den, cell.value)}, got {got} "
                f"(suppression {row['suppression_reason']!r})"
            )
    # Hidden lists every suppressed cell: nothing else may be hidden.
    hidden = {
        (r["area_code"], r["year"], r["school_level"], r["gender"]): r["suppression_reason"]
        for r in rows
        if r["suppression_reason"] is not None
    }
    expected_hidden = {(c.area, c.year, c.level, c.gender): c.reason for c in case.cells if isinstance(c, Hidden)}
    if hidden != expected_hidden:
        problems.append(f"suppressed cells {sorted(hidden.items())} != expected {sorted(expected_hidden.items())}")
    assert not problems, "\n".join(problems)


CW_HELP_RESPONDENTS = {"1101": (20, 10), "1201": (20, 20), "2101": (10, 10), "2201": (20, 8)}


@pytest.mark.parametrize("metric_id", sorted(m for m in CASES if m == "depressive_mood" or m.startswith("ungdata_")))
def test_ungdata_hidden_cells_keep_a_protection_interval(values, metric_id):
    """An attacker's LP written here, independent of the pipeline's audit: the unknowns are the yes-counts
    per school and gender (0 <= yes <= respondents, which are known), every published cell is the sum of
    its school-gender parts (ungdata_groups), and the shown cells fix their sums. That implies every
    relation the pipeline publishes and more, so it is at least as strong an attacker. Each hidden cell's
    yes-count must range over at least min(5, its respondents)."""
    from scipy.optimize import linprog

    rows = values[metric_id]
    for year in sorted({r["year"] for r in rows}):
        resp = CW_HELP_RESPONDENTS if metric_id == "ungdata_cw_help" else RESPONDENTS[year]
        groups = ungdata_groups(list(resp), with_schools=metric_id != "ungdata_cw_help")
        cells = {(r["area_code"], r["school_level"], r["gender"]): r for r in rows if r["year"] == year}
        assert set(cells) == set(groups)
        base = [(s, i) for s in resp for i in (0, 1)]
        column = {b: k for k, b in enumerate(base)}

        def vector(key):
            v = [0.0] * len(base)  # noqa: B023 - called only within this iteration
            for part in groups[key]:  # noqa: B023 - called only within this iteration
                v[column[part]] = 1.0  # noqa: B023 - called only within this iteration
            return v

        shown = [k for k, r in cells.items() if not r["suppressed"]]
        a_eq, b_eq = [vector(k) for k in shown], [cells[k]["numerator"] for k in shown]
        bounds = [(0, resp[s][i]) for s, i in base]
        for key in (k for k, r in cells.items() if r["suppressed"]):
            ends = []
            for sign in (1.0, -1.0):
                res = linprog([sign * c for c in vector(key)], A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
                assert res.status == 0, (key, res.message)
                ends.append(sign * res.fun)
            respondents = sum(resp[s][i] for s, i in groups[key])
            assert ends[1] - ends[0] >= min(5, respondents) - 1e-6, (year, key, ends)


def test_periods_are_labelled_by_their_time_type(values):
    absence = {(r["year"], r["period"], r["period_type"]) for r in values["absence_low_mastery"]}
    assert absence == {(2014, "2014/15", "skoleår"), (2015, "2015/16", "skoleår")}
    survey = {(r["year"], r["period"], r["period_type"]) for r in values["depressive_mood"]}
    assert survey == {(2014, "2014", "undersøkelsesår"), (2017, "2017", "undersøkelsesår")}
    calendar = {(r["year"], r["period"], r["period_type"]) for r in values["youth_homeless"]}
    assert calendar == {(2014, "2014", "kalenderår"), (2015, "2015", "kalenderår")}


def test_survey_groups_are_combined_with_respondent_weights(values):
    """Jenter + gutter and ungdomsskole + videregående are pooled counts over pooled respondents,
    not averages of the group shares (depressive_mood, Bærum, 2014)."""
    cell = {
        (r["school_level"], r["gender"]): r
        for r in values["depressive_mood"]
        if r["area_code"] == "baerum" and r["year"] == 2014
    }
    # Ungdomsskole: girls (16 + 10 + 2) / (100 + 60 + 8), boys (4 + 3 + 1) / (80 + 50 + 12)
    girls, boys = cell[(U, J)], cell[(U, G)]
    assert cell[(U, A)]["value"] == pytest.approx(100 * (28 + 8) / (168 + 142))
    assert cell[(U, A)]["value"] != pytest.approx((girls["value"] + boys["value"]) / 2)
    assert (cell[(U, A)]["numerator"], cell[(U, A)]["denominator"]) == (
        girls["numerator"] + boys["numerator"],
        girls["denominator"] + boys["denominator"],
    )
    # Girls: ungdomsskole (16 + 10 + 2) / 168 with videregående (26 + 25) / 200
    uks, vgs = cell[(U, J)], cell[(V, J)]
    assert cell[(A, J)]["value"] == pytest.approx(100 * (28 + 51) / (168 + 200))
    assert cell[(A, J)]["value"] != pytest.approx((uks["value"] + vgs["value"]) / 2)
    # Everyone: both splits add up to the same 101 / 690
    assert (
        cell[(A, A)]["numerator"]
        == cell[(A, J)]["numerator"] + cell[(A, G)]["numerator"]
        == cell[(U, A)]["numerator"] + cell[(V, A)]["numerator"]
        == 101
    )
    assert cell[(A, A)]["denominator"] == 368 + 322 == 310 + 380 == 690


# -- scorecard ---------------------------------------------------------------------------------


def _binomial_two_sided_half(k: int, n: int) -> float:
    """Exact conditional test of two Poisson counts (k of n under p = 1/2), two-sided, by hand."""
    tail = sum(math.comb(n, i) for i in range(min(k, n - k) + 1)) / 2**n
    return min(1.0, 2 * tail)


def _pooled_z_pvalue(x1: int, n1: int, x2: int, n2: int) -> float:
    p = (x1 + x2) / (n1 + n2)
    z = (x1 / n1 - x2 / n2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return math.erfc(abs(z) / math.sqrt(2))


def _wilson_pct(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (100 * (centre - half), 100 * (centre + half))


def test_scorecard_lower_is_better_count_youth_homeless(scorecard):
    row = scorecard("youth_homeless", 2015)
    assert (row["baseline_year"], row["baseline_value"], row["baseline_is_first_year"]) == (2014, 18, False)
    assert (row["status_year"], row["status_value"]) == (2015, 12)
    assert row["improvement"] == 18 - 12  # lower is better: 0-punkt - status = +6
    assert row["improvement_pp"] is None  # a count has no percentage points
    # 12 vs 18 events: exact conditional test, 12 of 30 under p = 1/2 -> p ~ 0.36: inside the noise
    assert row["p_value"] == pytest.approx(_binomial_two_sided_half(12, 12 + 18), rel=1e-6)
    assert row["status_class"] == "usikkert"
    assert row["stale"] is False


def test_scorecard_lower_is_better_share_depressive_mood(scorecard):
    row = scorecard("depressive_mood", 2017)
    baseline, status = 100 * 101 / 690, 100 * 102 / 670
    assert (row["baseline_year"], row["status_year"], row["period_type"]) == (2014, 2017, "undersøkelsesår")
    assert row["baseline_value"] == pytest.approx(baseline)
    assert row["status_value"] == pytest.approx(status)
    assert row["improvement"] == pytest.approx(baseline - status)  # negative: the share went up
    assert row["improvement"] < 0
    assert row["improvement_pp"] == pytest.approx(baseline - status)
    assert row["p_value"] == pytest.approx(_pooled_z_pvalue(102, 670, 101, 690), rel=1e-6)
    assert row["status_class"] == "usikkert"
    # Wilson 95 % interval of the status share 102 / 670, in percent
    assert (row["status_ci_low"], row["status_ci_high"]) == pytest.approx(_wilson_pct(102, 670), rel=1e-6)


def test_scorecard_higher_is_better_numeric_target_ti_parent_share(scorecard):
    """0-punkt 2016 (the teams' first year, as the catalogue says): 84/120 = 70 %. Mål 100 % in 2019.
    Straight path for 2017: 70 + (100 - 70) * (2017 - 2016) / (2019 - 2016) = 80. Status 96/120 = 80 %:
    exactly on the path counts as on track."""
    row = scorecard("ti_parent_share", 2017)
    assert (row["baseline_year"], row["baseline_is_first_year"]) == (2016, False)
    assert row["baseline_value"] == pytest.approx(100 * 84 / 120)
    assert (row["target_kind"], row["target_value"], row["target_year"]) == ("numeric", 100, 2019)
    assert (row["status_year"], row["status_value"]) == (2017, pytest.approx(100 * 96 / 120))
    assert row["expected_value"] == pytest.approx(70 + (100 - 70) * (2017 - 2016) / (2019 - 2016))
    assert row["improvement"] == pytest.approx(80 - 70)  # higher is better: status - 0-punkt
    assert row["improvement_pp"] == pytest.approx(10)
    assert row["status_class"] == "på sporet"


def test_scorecard_higher_is_better_directional_spec_ed_young_share(scorecard):
    row = scorecard("spec_ed_young_share", 2015)
    assert (row["baseline_year"], row["status_year"]) == (2014, 2015)
    assert row["baseline_value"] == pytest.approx(100 * 120 / 300)  # 40 %
    assert row["status_value"] == pytest.approx(100 * 130 / 260)  # 50 %
    assert row["improvement"] == pytest.approx(50 - 40)
    # 130/260 vs 120/300: pooled z ~ 2.4, p ~ 0.02 < 0.05 -> a real improvement
    assert row["p_value"] == pytest.approx(_pooled_z_pvalue(130, 260, 120, 300), rel=1e-6)
    assert row["p_value"] < 0.05
    assert row["status_class"] == "på sporet"


def test_scorecard_suppressed_baseline_is_not_replaced_by_a_later_year(scorecard):
    """School 2199: absence 2014/15 (the catalogue's baseline year, and the source's first year) is
    suppressed (8 pupils); 2015/16 is shown (5 of 10 = 50 %: 10 respondents, 5 with and 5 without, the
    smallest figures the rules let through). The 0-punkt is the 2014/15 value, which may not be shown, so
    there is no 0-punkt to compare with: "mangler data" - not 2015/16 presented as the first year with data."""
    row = scorecard("absence_low_mastery", 2015, area="skole:2199")
    assert (row["status_year"], row["status_value"]) == (2015, pytest.approx(100 * 5 / 10))
    assert row["baseline_value"] is None
    assert row["baseline_is_first_year"] is False
    assert row["status_class"] == "mangler data"
    assert "skjermet" in row["explanation"]
