"""Deterministic SYNTHETIC demo data, written as landing files shaped like the real exports.

Nothing here is Bærum's real data. Where the plan quotes a 2014 baseline (docs/domain.md), the 2014
figures are drawn around it so the demo looks like the municipality; everything else is made up
with a fixed seed. The pipeline never calls this module: it only reads the files it writes.

Files (under ``<landing>/<source>/``):

- ``school_register/skoler.csv``            municipal school register (UTF-8 with BOM, ``;``)
- ``ungdata/ungdata_<year>.csv``            Ungdata export per survey year (UTF-8 BOM, ``;``, decimal comma)
- ``absence/fravaer_<yyyy-yy>.xlsx``        school administration export per school year
- ``ppt/ppt_<year>.csv``                    PP-tjenesten yearly figures (Windows-1252, ``;``, decimal comma)
- ``child_welfare/ssb_12870_meldinger_etter_melder.csv``   SSB CSV (Windows-1252)
- ``child_welfare/ssb_barnevern_nokkeltall.json``          SSB JSON-stat 2.0
- ``population/ssb_07459_befolkning.json``                 SSB JSON-stat 2.0
- ``ssb_outcomes/ssb_12971_gjennomforing_vgs.csv``         SSB CSV (UTF-8 BOM)
- ``ssb_outcomes/nav_uforetrygd_18_29.json``               SSB JSON-stat 2.0
- ``services/tjenestetall_<year>.xlsx``     the services' yearly reporting template
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

from pipelines.readers import format_norwegian_number as nb

SEED = 20150429  # the day the plan was adopted
YEARS = list(range(2014, 2025))
SURVEY_YEARS = [2014, 2017, 2020, 2023]
TEAM_START = 2016  # Tidlig innsatsteam started 1 January 2016

BAERUM_CODES = {y: ("0219" if y <= 2019 else "3024" if y <= 2023 else "3201") for y in YEARS}
ASKER_CODES = {y: ("0220" if y <= 2019 else "3025" if y <= 2023 else "3203") for y in YEARS}
REGION_LABELS = {
    "0219": "Bærum (-2019)",
    "3024": "Bærum (2020-2023)",
    "3201": "Bærum",
    "0220": "Asker (-2019)",
    "3025": "Asker (2020-2023)",
    "3203": "Asker",
}


@dataclass(frozen=True)
class School:
    number: str
    name: str
    area: str  # ostre | vestre
    kind: str  # barneskole | ungdomsskole | vgs
    size: float  # relative size (1.0 = typical)


_NAMES = {
    "ostre": [
        "Bjørkelia",
        "Granåsen",
        "Lindehaugen",
        "Måkeberget",
        "Rognlia",
        "Eikeskogen",
        "Hasselbakken",
        "Løvenstad",
        "Trosteli",
        "Furumo",
        "Selsvika",
        "Kvitsand",
    ],
    "vestre": [
        "Spurvetoppen",
        "Osperud",
        "Lerkedalen",
        "Ravnåsen",
        "Siljemyra",
        "Vierstranda",
        "Hegreneset",
        "Tiurhøgda",
        "Einerlia",
        "Elgstien",
        "Moltemyra",
        "Kongleskogen",
    ],
}


def schools() -> list[School]:
    """Twelve fictional schools per part of the municipality, plus one very small one."""
    out: list[School] = []
    for area, prefix in (("ostre", "1"), ("vestre", "2")):
        for i, name in enumerate(_NAMES[area]):
            kind = "barneskole" if i < 6 else "ungdomsskole" if i < 10 else "vgs"
            suffix = " videregående skole" if kind == "vgs" else " skole"
            size = 0.7 + 0.6 * ((i * 37 + len(name)) % 10) / 10
            out.append(School(f"9{prefix}{i + 1:02d}", name + suffix, area, kind, size))
    # A small alternative lower-secondary school: its cells are small enough to be suppressed.
    out.append(School("9299", "Stikkstien alternative ungdomsskole", "vestre", "ungdomsskole", 0.05))
    return out


TEAMS = [  # (name as the services write it, share of cases)
    ("Tidlig innsatsteam 0-1 år", 0.08),
    ("Tidlig innsatsteam 1-5 år Øst", 0.16),
    ("Tidlig innsatsteam 1-5 år Vest", 0.15),
    ("Tidlig innsatsteam 6-12 år Øst", 0.19),
    ("Tidlig innsatsteam 6-12 år Vest", 0.18),
    ("Tidlig innsatsteam 13-15 år", 0.14),
    ("Tidlig innsatsteam 16-23 år", 0.10),
]

# Ungdata indicators: (id, label, {(level, gender): 2014 share}, yearly drift in pp, share asked)
UNGDATA = [
    (
        "depressive_mood",
        "Depressivt stemningsleie",
        {("uks", "jenter"): 16, ("uks", "gutter"): 5, ("vgs", "jenter"): 26, ("vgs", "gutter"): 8},
        0.45,
        1.0,
    ),
    (
        "intoxicated",
        "Har vært beruset siste år",
        {("uks", "jenter"): 18, ("uks", "gutter"): 18, ("vgs", "jenter"): 70, ("vgs", "gutter"): 68},
        -0.8,
        1.0,
    ),
    (
        "hash",
        "Har brukt hasj siste år",
        {("uks", "jenter"): 3, ("uks", "gutter"): 5, ("vgs", "jenter"): 19, ("vgs", "gutter"): 27},
        0.1,
        1.0,
    ),
    (
        "school_nurse",
        "Har brukt helsesøster/skolelege siste år",
        {("uks", "jenter"): 50, ("uks", "gutter"): 34, ("vgs", "jenter"): 40, ("vgs", "gutter"): 24},
        0.3,
        1.0,
    ),
    (
        "youth_venues",
        "Lokaler for å treffe andre unge er svært/nokså bra",
        {("uks", "jenter"): 40, ("uks", "gutter"): 42, ("vgs", "jenter"): 34, ("vgs", "gutter"): 36},
        0.4,
        1.0,
    ),
    (
        "safe_neighbourhood",
        "Føler seg trygg i nærmiljøet",
        {("uks", "jenter"): 90, ("uks", "gutter"): 92, ("vgs", "jenter"): 90, ("vgs", "gutter"): 92},
        0.0,
        1.0,
    ),
    (
        "cw_help",
        "Fikk hjelpen de trengte fra barnevernstjenesten",
        {("uks", "jenter"): 55, ("uks", "gutter"): 59, ("vgs", "jenter"): 55, ("vgs", "gutter"): 59},
        0.5,
        0.028,
    ),
]

CW_REPORTERS = [  # (code, label, share of reports in 2014, trend per year in share points)
    ("01", "Barnet selv", 0.02, 0.0),
    ("02", "Mor/far/foresatte", 0.17, 0.0),
    ("03", "Familie/andre privatpersoner", 0.06, -0.001),
    ("04", "Barnehage", 0.05, 0.002),
    ("05", "Helsestasjon/skolehelsetjenesten", 0.04, 0.002),
    ("06", "Skole", 0.10, 0.003),
    ("07", "Fastlege/lege", 0.02, 0.0),
    ("08", "Politi/lensmann", 0.22, -0.004),
    ("09", "Barnevernsvakt", 0.09, 0.0),
    ("10", "Andre offentlige instanser", 0.17, -0.002),
    ("11", "Andre", 0.06, 0.0),
]

PPT_GROUPS = [  # (label, mean age at first consultation, share of referrals, share of decisions)
    ("0-5 år (barnehage)", 3.9, 0.30, 0.18),
    ("6-9 år (1.-4. trinn)", 7.4, 0.33, 0.24),
    ("10-12 år (5.-7. trinn)", 10.8, 0.20, 0.27),
    ("13-15 år (8.-10. trinn)", 13.9, 0.12, 0.25),
    ("16 år og eldre", 16.8, 0.05, 0.06),
]


def _write_csv(df: pl.DataFrame, path: Path, *, encoding: str) -> None:
    """Norwegian CSV: ``;`` separator, every field quoted as SSB and Excel do, CRLF line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [";".join(f'"{c}"' for c in df.columns)]
    for row in df.iter_rows():
        lines.append(";".join(f'"{v}"' for v in row))
    text = "\r\n".join(lines) + "\r\n"
    if encoding == "utf-8-sig":
        path.write_bytes(text.encode("utf-8-sig"))
    else:
        path.write_bytes(text.encode(encoding))


def _write_json(doc: dict, path: Path) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


# A fixed creation time keeps the workbooks byte-identical between runs, so regenerating the demo
# data does not look like a new delivery to the content-hash ingestion.
_XLSX_CREATED = dt.datetime(2025, 1, 15, 8, 0, 0)


def _write_xlsx(df: pl.DataFrame, path: Path, sheet: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with xlsxwriter.Workbook(path) as workbook:
        workbook.set_properties({"created": _XLSX_CREATED, "author": "Demogenerator (syntetiske data)"})
        df.write_excel(workbook, worksheet=sheet, autofit=True)


def _jsonstat(
    dims: list[tuple[str, str, list[tuple[str, str]]]],
    values: list[float | None],
    status: dict[str, str],
    label: str,
    role: dict[str, list[str]],
    source: str,
) -> dict:
    """A JSON-stat 2.0 dataset laid out as SSB's PxWebApi returns it (index as objects)."""
    return {
        "version": "2.0",
        "class": "dataset",
        "label": label,
        "source": source,
        "updated": "2025-06-10T08:00:00Z",
        "note": ["SYNTETISKE DEMODATA – ikke offisiell statistikk."],
        "role": role,
        "id": [d[0] for d in dims],
        "size": [len(d[2]) for d in dims],
        "dimension": {
            d_id: {
                "label": d_label,
                "category": {
                    "index": {code: i for i, (code, _) in enumerate(cats)},
                    "label": {code: lab for code, lab in cats},
                },
            }
            for d_id, d_label, cats in dims
        },
        "value": values,
        "status": status,
    }


class DemoGenerator:
    def __init__(self, landing: Path, seed: int = SEED) -> None:
        self.landing = landing
        self.rng = np.random.default_rng(seed)
        self.schools = schools()

    # -- helpers ---------------------------------------------------------------------------
    def _binom(self, n: int, p: float) -> int:
        return int(self.rng.binomial(n, min(max(p, 0.0), 1.0)))

    def _poisson(self, lam: float) -> int:
        return int(self.rng.poisson(max(lam, 0.0)))

    def _dir(self, source: str) -> Path:
        d = self.landing / source
        d.mkdir(parents=True, exist_ok=True)
        return d

    # -- sources ---------------------------------------------------------------------------
    def school_register(self) -> None:
        kind_nb = {"barneskole": "Barneskole", "ungdomsskole": "Ungdomsskole", "vgs": "Videregående skole"}
        area_nb = {"ostre": "Østre Bærum", "vestre": "Vestre Bærum"}
        df = pl.DataFrame(
            {
                "Skolenr": [s.number for s in self.schools],
                "Skolenavn": [s.name for s in self.schools],
                "Skoletype": [kind_nb[s.kind] for s in self.schools],
                "Bydel": [area_nb[s.area] for s in self.schools],
                "Merknad": ["Fiktiv skole i syntetiske demodata"] * len(self.schools),
            }
        )
        _write_csv(df, self._dir("school_register") / "skoler.csv", encoding="utf-8-sig")

    def ungdata(self) -> None:
        area_nb = {"ostre": "Østre Bærum", "vestre": "Vestre Bærum"}
        for year in SURVEY_YEARS:
            rows = []
            for s in self.schools:
                if s.kind == "barneskole":
                    continue
                level = "uks" if s.kind == "ungdomsskole" else "vgs"
                pupils = (460 if level == "uks" else 620) * s.size
                for gender in ("jenter", "gutter"):
                    respondents = max(2, self._binom(int(pupils / 2), 0.86 if level == "uks" else 0.72))
                    effect = self.rng.normal(0, 1.2)
                    for ind_id, ind_label, base, drift, asked in UNGDATA:
                        n = respondents if asked >= 1 else self._binom(respondents, asked)
                        if n == 0:
                            continue
                        p = (base[(level, gender)] + drift * (year - 2014) + effect) / 100
                        k = self._binom(n, p)
                        rows.append(
                            {
                                "Undersøkelsesår": str(year),
                                "Kommune": "Bærum",
                                "Bydel": area_nb[s.area],
                                "Skolenr": s.number,
                                "Skole": s.name,
                                "Skoletrinn": "Ungdomsskole" if level == "uks" else "Videregående",
                                "Kjønn": gender.capitalize(),
                                "Indikator-id": ind_id,
                                "Indikator": ind_label,
                                "Antall svar": str(n),
                                "Andel (%)": nb(round(100 * k / n, 1), 1),
                            }
                        )
            _write_csv(pl.DataFrame(rows), self._dir("ungdata") / f"ungdata_{year}.csv", encoding="utf-8-sig")

    def absence(self) -> None:
        area_nb = {"ostre": "Østre Bærum", "vestre": "Vestre Bærum"}
        for year in YEARS:
            rows = []
            for s in self.schools:
                if s.kind == "vgs":
                    continue
                pupils = max(8, int(self.rng.normal(420 if s.kind == "barneskole" else 450, 25) * s.size))
                over = self._binom(pupils, 0.075 + 0.004 * (year - 2014) + (0.01 if s.area == "vestre" else 0))
                low = self._binom(over, 0.30 - 0.006 * (year - 2014))
                rows.append(
                    {
                        "Skoleår": f"{year}/{str(year + 1)[-2:]}",
                        "Skolenr": int(s.number),
                        "Skole": s.name,
                        "Bydel": area_nb[s.area],
                        "Antall elever": pupils,
                        "Elever med fravær over 10 %": over,
                        "Herav på laveste mestringsnivå": low,
                    }
                )
            _write_xlsx(
                pl.DataFrame(rows), self._dir("absence") / f"fravaer_{year}-{str(year + 1)[-2:]}.xlsx", "Fravær"
            )

    def ppt(self) -> None:
        for year in YEARS:
            t = year - 2014
            rows = []
            for _area, area_nb, weight in (("ostre", "Østre Bærum", 0.52), ("vestre", "Vestre Bærum", 0.48)):
                referrals_total = 620 * weight * (1 + 0.01 * t)
                decisions_total = 1480 * weight * (1 - 0.012 * t)
                for i, (label, age, share_ref, share_dec) in enumerate(PPT_GROUPS):
                    # The plan's shift towards early help: more young referrals, fewer late ones.
                    shift = 0.012 * t * (1 if i < 2 else -0.6)
                    consult = self._poisson(referrals_total * max(share_ref + shift, 0.01))
                    mean_age = round(age - 0.04 * t + self.rng.normal(0, 0.15), 1) if consult else None
                    decisions = self._poisson(decisions_total * max(share_dec + shift * 0.8, 0.01))
                    assessed = self._binom(consult, 0.45 + 0.025 * t) if i == 0 else None
                    rows.append(
                        {
                            "År": str(year),
                            "Bydel": area_nb,
                            "Aldersgruppe": label,
                            "Førstegangskonsultasjoner": str(consult),
                            "Snittalder ved førstegangskonsultasjon": "" if mean_age is None else nb(mean_age, 1),
                            "Barn med vedtak": str(decisions),
                            "Ferdig utredet før skolestart": "" if assessed is None else str(assessed),
                        }
                    )
            _write_csv(pl.DataFrame(rows), self._dir("ppt") / f"ppt_{year}.csv", encoding="cp1252")

    def population(self) -> dict[tuple[str, int], int]:
        """SSB 07459-style population by single year of age 0-29; returns Bærum 0-17 per year."""
        regions = ["0219", "3024", "3201", "0220", "3025", "3203"]
        ages = [f"{a:03d}" for a in range(30)]
        base = {"baerum": 1520, "asker": 780}
        values: list[float | None] = []
        status: dict[str, str] = {}
        children: dict[tuple[str, int], int] = {}
        idx = 0
        for region in regions:
            series = "baerum" if region in BAERUM_CODES.values() else "asker"
            codes = BAERUM_CODES if series == "baerum" else ASKER_CODES
            for age in ages:
                a = int(age)
                for year in YEARS:
                    if codes[year] != region:
                        values.append(None)
                        status[str(idx)] = "."
                    else:
                        shape = 1.0 - 0.004 * abs(a - 14) - (0.25 if a >= 20 else 0.0) + 0.1 * (a >= 26)
                        v = int(base[series] * shape * (1 + 0.006 * (year - 2014)) + self.rng.normal(0, 25))
                        values.append(float(v))
                        if a <= 17:
                            children[(series, year)] = children.get((series, year), 0) + v
                    idx += 1
        doc = _jsonstat(
            [
                ("Region", "region", [(r, REGION_LABELS[r]) for r in regions]),
                ("Alder", "alder", [(a, f"{int(a)} år") for a in ages]),
                ("Tid", "år", [(str(y), str(y)) for y in YEARS]),
            ],
            values,
            status,
            "07459: Befolkning, etter region, alder og år (SYNTETISK)",
            {"time": ["Tid"], "geo": ["Region"]},
            "Statistisk sentralbyrå (syntetisk demo)",
        )
        _write_json(doc, self._dir("population") / "ssb_07459_befolkning.json")
        return children

    def child_welfare(self, children: dict[tuple[str, int], int]) -> None:
        csv_rows = []
        key_regions = ["0219", "3024", "3201", "0220", "3025", "3203"]
        contents = [
            ("Meldinger", "Meldinger mottatt"),
            ("Henlagte", "Henlagte meldinger"),
            ("Undersokelser", "Barn med avsluttet undersøkelse"),
        ]
        cube: dict[tuple[str, str, int], float] = {}
        for series, codes, size in (("baerum", BAERUM_CODES, 1250), ("asker", ASKER_CODES, 640)):
            for year in YEARS:
                t = year - 2014
                region = codes[year]
                counts = {}
                for code, _, share, trend in CW_REPORTERS:
                    counts[code] = self._poisson(size * (1 + 0.015 * t) * max(share + trend * t, 0.005))
                total = sum(counts.values())
                for code, label, _, _ in [("00", "I alt", 0, 0)] + CW_REPORTERS:
                    value = total if code == "00" else counts[code]
                    text = str(value)
                    if series == "asker" and code == "01" and year == 2016:
                        text = ":"  # SSB suppressed this cell
                    csv_rows.append(
                        {
                            "region": f"{region} {REGION_LABELS[region]}",
                            "meldingsinstans": f"{code} {label}",
                            "år": str(year),
                            "12870: Meldinger til barnevernet": text,
                        }
                    )
                dropped = self._binom(total, 0.36 - 0.008 * t)
                investigations = self._binom(children.get((series, year), 28000), 0.021 + 0.0006 * t)
                cube[(region, "Meldinger", year)] = total
                cube[(region, "Henlagte", year)] = dropped
                cube[(region, "Undersokelser", year)] = investigations
        _write_csv(
            pl.DataFrame(csv_rows),
            self._dir("child_welfare") / "ssb_12870_meldinger_etter_melder.csv",
            encoding="cp1252",
        )
        values: list[float | None] = []
        status: dict[str, str] = {}
        idx = 0
        for region in key_regions:
            for c, _ in contents:
                for year in YEARS:
                    v = cube.get((region, c, year))
                    values.append(None if v is None else float(v))
                    if v is None:
                        status[str(idx)] = "."
                    idx += 1
        doc = _jsonstat(
            [
                ("KOKkommuneregion0000", "region", [(r, REGION_LABELS[r]) for r in key_regions]),
                ("ContentsCode", "statistikkvariabel", contents),
                ("Tid", "år", [(str(y), str(y)) for y in YEARS]),
            ],
            values,
            status,
            "Barnevern – nøkkeltall, etter region, statistikkvariabel og år (SYNTETISK)",
            {"time": ["Tid"], "geo": ["KOKkommuneregion0000"], "metric": ["ContentsCode"]},
            "Statistisk sentralbyrå (syntetisk demo)",
        )
        _write_json(doc, self._dir("child_welfare") / "ssb_barnevern_nokkeltall.json")

    def ssb_outcomes(self) -> None:
        rows = []
        for _series, codes, size, rate in (("baerum", BAERUM_CODES, 1480, 0.846), ("asker", ASKER_CODES, 760, 0.835)):
            for year in YEARS:
                started = int(size * (1 + 0.004 * (year - 2014)) + self.rng.normal(0, 20))
                completed = self._binom(started, rate + 0.003 * (year - 2014))
                region = codes[year]
                rows.append(
                    {
                        "region": f"{region} {REGION_LABELS[region]}",
                        "år": str(year),
                        "Elever som startet": str(started),
                        "Fullført og bestått innen 5 år": str(completed),
                    }
                )
        _write_csv(
            pl.DataFrame(rows), self._dir("ssb_outcomes") / "ssb_12971_gjennomforing_vgs.csv", encoding="utf-8-sig"
        )
        regions = ["0219", "3024", "3201"]
        values: list[float | None] = []
        status: dict[str, str] = {}
        idx = 0
        for region in regions:
            for year in YEARS:
                if BAERUM_CODES[year] == region:
                    values.append(float(self._poisson(500 * (1 + 0.02 * (year - 2014)))))
                else:
                    values.append(None)
                    status[str(idx)] = "."
                idx += 1
        doc = _jsonstat(
            [
                ("Region", "region", [(r, REGION_LABELS[r]) for r in regions]),
                ("ContentsCode", "statistikkvariabel", [("Mottakere", "Mottakere av uføretrygd 18-29 år")]),
                ("Tid", "år", [(str(y), str(y)) for y in YEARS]),
            ],
            values,
            status,
            "Mottakere av uføretrygd 18-29 år, etter region og år (SYNTETISK)",
            {"time": ["Tid"], "geo": ["Region"], "metric": ["ContentsCode"]},
            "NAV/Statistisk sentralbyrå (syntetisk demo)",
        )
        _write_json(doc, self._dir("ssb_outcomes") / "nav_uforetrygd_18_29.json")

    def services(self) -> None:
        for year in YEARS:
            t = year - 2014
            rows = []

            def add(
                service: str, ind: str, label: str, unit: str, teller=None, nevner=None, verdi=None, comment: str = ""
            ) -> None:
                rows.append(  # noqa: B023 - called only within this iteration
                    {
                        "Tjeneste": service,
                        "Indikator-id": ind,
                        "Indikator": label,
                        "Enhet": unit,
                        "Teller": teller,
                        "Nevner": nevner,
                        "Verdi": verdi,
                        "Kommentar": comment,
                    }
                )

            if year >= TEAM_START:
                for name, share in TEAMS:
                    cases = self._poisson(420 * share * (1 + 0.05 * (year - TEAM_START)))
                    with_parents = self._binom(cases, min(0.78 + 0.03 * (year - TEAM_START), 0.99))
                    add(
                        "Barne- og ungdomstjenester",
                        "ti_cases",
                        "Saker i Tidlig innsatsteam",
                        name,
                        with_parents,
                        cases,
                    )
                for area_nb in ("Østre Bærum", "Vestre Bærum"):
                    units = 58 if area_nb == "Østre Bærum" else 55
                    used = self._binom(units, min(0.45 + 0.06 * (year - TEAM_START), 0.97))
                    add(
                        "Barne- og ungdomstjenester",
                        "ti_units",
                        "Barnehager og skoler som har brukt teamet",
                        area_nb,
                        used,
                        units,
                    )
            add(
                "Helse og sosial / NAV",
                "youth_work_places",
                "Jobb-, praksis- og lærlingplasser",
                "Bærum kommune",
                self._poisson(140 + 9 * t),
            )
            homeless = 18 if year == 2014 else self._poisson(max(18 - 0.9 * t, 4))
            add(
                "Helse og sosial / NAV",
                "youth_homeless",
                "Bostedsløse unge 18-25 år (september)",
                "Bærum kommune",
                homeless,
                comment="Telling i september" + (" (23 i alt)" if year == 2014 else ""),
            )
            add(
                "Helse og sosial",
                "youth_staffed_housing",
                "Ungdommer med behov for bolig med bemanning",
                "Bærum kommune",
                self._poisson(31 - 0.8 * t),
            )
            no_offer = 428 if year == 2014 else self._poisson(428 * (1 - 0.025 * t))
            add(
                "Oppfølgingstjenesten",
                "youth_no_offer",
                "Unge fulgt opp av OT uten skole eller jobb",
                "Bærum kommune",
                no_offer,
                comment="95 fulgt tett" if year == 2014 else "",
            )
            add(
                "Oppfølgingstjenesten",
                "youth_decline_all",
                "Unge som takker nei til alt",
                "Bærum kommune",
                self._poisson(46 - 1.2 * t),
            )
            consults = self._poisson(310 + 6 * t)
            add(
                "Helsetjenester barn og unge",
                "pht_first_consult",
                "Førstegangskonsultasjoner psykisk helseteam (antall og snittalder)",
                "Bærum kommune",
                None,
                consults,
                round(13.6 - 0.12 * t + self.rng.normal(0, 0.1), 1),
            )
            total_nok = round(412_000_000 * (1 + 0.02 * t), -3)
            before10 = round(total_nok * (0.36 + 0.012 * t + self.rng.normal(0, 0.004)), -3)
            add(
                "Alle tjenester",
                "extra_resources",
                "Ekstra ressurser til barn og unge (kr)",
                "Bærum kommune",
                before10,
                total_nok,
                comment="Teller: brukt på barn under 10 år",
            )
            df = pl.DataFrame(
                rows,
                schema={
                    "Tjeneste": pl.Utf8,
                    "Indikator-id": pl.Utf8,
                    "Indikator": pl.Utf8,
                    "Enhet": pl.Utf8,
                    "Teller": pl.Float64,
                    "Nevner": pl.Float64,
                    "Verdi": pl.Float64,
                    "Kommentar": pl.Utf8,
                },
            )
            _write_xlsx(df, self._dir("services") / f"tjenestetall_{year}.xlsx", "Tjenestetall")

    def readme(self) -> None:
        (self.landing / "LES_MEG.txt").write_text(
            "SYNTETISKE DEMODATA\n\nFilene i denne mappen er laget av prosjektets demogenerator "
            f"(python -m pipelines.demo, fast seed {SEED}). De har samme form som ekte eksporter, men "
            "tallene er oppdiktet. Der planen oppgir et 0-punkt for 2014, ligger demotallene rundt det.\n",
            encoding="utf-8",
        )

    def run(self) -> None:
        self.school_register()
        self.ungdata()
        self.absence()
        self.ppt()
        children = self.population()
        self.child_welfare(children)
        self.ssb_outcomes()
        self.services()
        self.readme()


DEMO_SOURCES = [
    "school_register",
    "ungdata",
    "absence",
    "ppt",
    "population",
    "child_welfare",
    "ssb_outcomes",
    "services",
]


def generate(landing: Path, *, clean: bool = False, seed: int = SEED) -> Path:
    """Write the demo files into the landing folder, overwriting files of the same name (with the
    same bytes: the output is deterministic). Other files there are left alone; with ``clean``
    the demo sources' folders are emptied first."""
    landing = Path(landing)
    if clean:
        for source in DEMO_SOURCES:
            shutil.rmtree(landing / source, ignore_errors=True)
    landing.mkdir(parents=True, exist_ok=True)
    DemoGenerator(landing, seed).run()
    return landing
