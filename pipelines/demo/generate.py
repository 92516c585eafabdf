"""Deterministic SYNTHETIC demo data of a plan, written as landing files shaped like the real exports.

The generator is plan-driven: it reads a plan folder (``catalogue/plans/<plan-id>/``, by default
the one ``SBU_PLAN`` selects) and its demo profile ``demo.yaml`` (:mod:`pipelines.demo.profile`):
the seed, the years, the municipality's and comparators' sizes, the districts with their schools,
and the rows of the services' template. Area names come from the plan's ``areas.yaml``, and the
region code valid each year from the region-code table (``catalogue/region_codes.csv``), starting
from the plan's municipality code. This module holds only what belongs to the export formats (file
layouts, encodings, SSB's JSON-stat, Ungdata's indicators, the child-welfare reporter codes, PPT's
age groups) and generic yearly trends.

Nothing written is a municipality's real data. Where a plan quotes a baseline figure, the profile
anchors the demo's figure there; everything else is drawn with the profile's fixed seed, in a fixed
order, so the same profile gives the same bytes. The pipeline never calls this module: it only
reads the files it writes.

Files (under ``<landing>/<source>/``):

- ``school_register/skoler.csv``            municipal school register (UTF-8 with BOM, ``;``)
- ``ungdata/ungdata_<year>.csv``            Ungdata export per survey year (UTF-8 BOM, ``;``, decimal comma)
- ``ungdata/fhi_ungdata_<indicator>.json``  FHI Statistikk's Hele landet figures (:mod:`pipelines.demo.national`)
- ``absence/fravaer_<yyyy-yy>.xlsx``        school administration export per school year
- ``ppt/ppt_<year>.csv``                    PP-tjenesten yearly figures (Windows-1252, ``;``, decimal comma)
- ``child_welfare/ssb_12870_meldinger_etter_melder.csv``   SSB CSV (Windows-1252)
- ``child_welfare/ssb_barnevern_nokkeltall.json``          SSB JSON-stat 2.0
- ``population/ssb_07459_befolkning.json``                 SSB JSON-stat 2.0
- ``ssb_outcomes/ssb_12971_gjennomforing_vgs.csv``         SSB CSV (UTF-8 BOM)
- ``ssb_outcomes/nav_uforetrygd_18_29.json``               SSB JSON-stat 2.0
- ``services/tjenestetall_<year>.xlsx``     the services' yearly reporting template
- ``LES_MEG.txt``                           says the files are synthetic
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

from pipelines.catalogue import Catalogue, load_catalogue
from pipelines.comparators import load_asss
from pipelines.demo.national import ungdata_reference_files
from pipelines.demo.profile import DemoProfile, DemoProfileError, ServiceRow, SsbFigures, load_demo_profile
from pipelines.plan import Plan, load_plan_folder
from pipelines.readers import format_norwegian_number as nb
from pipelines.readers.regions import RegionCodes, region_codes
from pipelines.settings import get_settings, resolve_as_of

# Ungdata indicators: (id, label, {(level, gender): share in the baseline year}, yearly drift in pp, share asked)
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

CW_REPORTERS = [  # (code, label, share of reports in the baseline year, trend per year in share points)
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


def _put(path: Path, data: bytes) -> None:
    """Write ``data`` unless the file already holds exactly these bytes: an unchanged file keeps its
    modification time, so regenerating the demo data is no new delivery for the landing sensor."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return
    path.write_bytes(data)


def _write_csv(df: pl.DataFrame, path: Path, *, encoding: str) -> None:
    """Norwegian CSV: ``;`` separator, every field quoted as SSB and Excel do, CRLF line ends."""
    lines = [";".join(f'"{c}"' for c in df.columns)]
    for row in df.iter_rows():
        lines.append(";".join(f'"{v}"' for v in row))
    text = "\r\n".join(lines) + "\r\n"
    _put(path, text.encode(encoding))


def _years_only(doc: dict, years: list[int]) -> dict:
    """A JSON-stat dataset whose last dimension is ``Tid``, with only the periods in ``years``."""
    periods = list(doc["dimension"]["Tid"]["category"]["index"])
    keep = [i for i, p in enumerate(periods) if int(p) in years]
    if len(keep) == len(periods):
        return doc
    n, values, status = len(periods), [], {}
    for i, value in enumerate(doc["value"]):
        if i % n in keep:
            if str(i) in doc["status"]:
                status[str(len(values))] = doc["status"][str(i)]
            values.append(value)
    kept = [periods[i] for i in keep]
    labels = doc["dimension"]["Tid"]["category"]["label"]
    dimension = {
        **doc["dimension"],
        "Tid": {
            **doc["dimension"]["Tid"],
            "category": {"index": {p: j for j, p in enumerate(kept)}, "label": {p: labels[p] for p in kept}},
        },
    }
    return {**doc, "size": [*doc["size"][:-1], len(kept)], "dimension": dimension, "value": values, "status": status}


def _write_json(doc: dict, path: Path) -> None:
    _put(path, json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"))


# A fixed creation time keeps the workbooks byte-identical between runs, so regenerating the demo
# data does not look like a new delivery to the content-hash ingestion.
_XLSX_CREATED = dt.datetime(2025, 1, 15, 8, 0, 0)


def _write_xlsx(df: pl.DataFrame, path: Path, sheet: str) -> None:
    # Written to a file outside the landing folder first: xlsxwriter's in-memory mode stamps the
    # zip entries differently, and only the bytes as compared by ``_put`` land.
    with tempfile.TemporaryDirectory() as tmp:
        draft = Path(tmp) / path.name
        with xlsxwriter.Workbook(draft) as workbook:
            workbook.set_properties({"created": _XLSX_CREATED, "author": "Demogenerator (syntetiske data)"})
            df.write_excel(workbook, worksheet=sheet, autofit=True)
        _put(path, draft.read_bytes())


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


@dataclass(frozen=True)
class Municipality:
    """A municipality of the SSB-shaped files: its series in the region-code table, the code valid
    each data year, and its sizes from the profile."""

    series: str
    codes: dict[int, str]  # year -> the code its figures carry that year
    figures: SsbFigures

    @property
    def region_list(self) -> list[str]:
        """Its codes used in some data year, oldest first."""
        return list(dict.fromkeys(self.codes.values()))


@dataclass(frozen=True)
class OtherMunicipality:
    """A municipality of the rest of the country (SYNTHETIC sizes), with one code for every year."""

    code: str
    label: str
    series: str
    population_per_age: float
    child_welfare_reports: float
    vgs_starters: float
    vgs_completion: float
    young_disability: float


NATIONAL_CODE = {"population": "0", "child_welfare_csv": "0", "kostra": "EAK", "ssb_outcomes": "0"}


def kostra_code(group: int) -> str:
    return f"EKG{group:02d}"


def code_in_year(regions: RegionCodes, series: str, year: int) -> str:
    """The series' code valid in ``year``; before its first code's validity that first code (SSB
    back-casts a series to a newer code), after its last code's end that last code."""
    valid = regions.valid_code(series, year)
    if valid is not None:
        return valid
    codes = regions.codes_of(series)
    first = codes[0]
    return first.code if first.valid_from is not None and year < first.valid_from.year else codes[-1].code


def _municipality(regions: RegionCodes, code: str, years: list[int], figures: SsbFigures) -> Municipality:
    series = regions.series_of_code(code)
    if series is None:  # checked with the profile; kept for callers that build their own
        raise DemoProfileError(f"region code {code!r} is not in the region-code table")
    return Municipality(series, {y: code_in_year(regions, series, y) for y in years}, figures)


def _region_label(regions: RegionCodes, code: str) -> str:
    """As SSB's statbank labels a code: its name, with the years for a code no longer valid ("Navn (-2019)")."""
    entry = regions.lookup(code)
    return entry.name if entry.valid_to is None else f"{entry.name} ({entry.years})"


def source_years(profile: DemoProfile, catalogue: Catalogue, as_of: dt.date) -> dict[str, list[int]]:
    """The periods each demo source's files hold when made for the day ``as_of``: from the profile's
    first year up to the newest period the source has published by then, by the catalogue's
    publication calendar (:meth:`Catalogue.newest_period_out`, the rule "foreldet" is judged by).
    Ungdata keeps to its survey years: the profile's, continued every ``cadence_years``. A source
    the plan follows no metric of keeps the base years; the population (a denominator, published
    for 1 January early in its year) covers every year the others reach."""
    first, base = profile.years.first, profile.years.base
    out: dict[str, list[int]] = {}
    for source in DEMO_SOURCES:
        newest = catalogue.newest_period_out(source, as_of)
        if source == "school_register" or (newest is None and source != "population"):
            out[source] = base
        elif source == "ungdata":
            surveys = list(profile.survey_years)
            cadence = catalogue.lead_metric(source).cadence_years
            while surveys[-1] + cadence <= newest:
                surveys.append(surveys[-1] + cadence)
            out[source] = [y for y in surveys if y <= newest]
        elif source != "population":
            out[source] = list(range(first, newest + 1))
    reached = max(y for source, years in out.items() if source != "school_register" for y in years)
    out["population"] = list(range(first, reached + 1))
    return out


class DemoGenerator:
    def __init__(
        self,
        landing: Path,
        plan: Plan,
        profile: DemoProfile,
        regions: RegionCodes,
        seed: int | None = None,
        *,
        as_of: dt.date,
        catalogue: Catalogue,
    ) -> None:
        self.landing = landing
        self.plan = plan
        self.profile = profile
        self.seed = profile.seed if seed is None else seed
        # The base set (the profile's years up to base_until) is drawn from one stream in a fixed
        # order, and each later (source, year) from a stream of its own (see ``_draw_for``).
        self._main = np.random.default_rng(self.seed)
        self._streams: dict[tuple[str, int, bool], np.random.Generator] = {}
        self._current: tuple[str, int] | None = None
        self.base_until = profile.years.base_until
        self.written = source_years(profile, catalogue, as_of)
        # Every year drawn: the base set (drawn even where as_of is too early to write it, so the
        # figures of the years written never depend on as_of) and the later years written.
        base_surveys = set(profile.survey_years)
        self.drawn = {
            source: sorted(set(years) | (base_surveys if source == "ungdata" else set(profile.years.base)))
            for source, years in self.written.items()
        }
        self.years = list(range(profile.years.first, max(max(y) for y in self.drawn.values()) + 1))
        self.base_year = profile.baseline_year
        self.area_name = {a.code: a.name for a in plan.areas}
        self.districts = [a.code for a in plan.areas if a.level == "bydel"]
        self.schools = profile.schools
        self.municipality = _municipality(regions, plan.municipality.region_code, self.years, profile.municipality)
        self.comparators = [_municipality(regions, c.region_code, self.years, c) for c in profile.comparators]
        self.region_label = {
            code: _region_label(regions, code) for m in [self.municipality, *self.comparators] for code in m.region_list
        }
        self.short_name = plan.municipality_short_name
        self._init_national(regions)

    def _init_national(self, regions: RegionCodes) -> None:
        """The rest of the country (profile ``national``): sizes drawn from a random stream of its own,
        so the plan's and the comparators' draws from ``self.rng`` are the same as without it."""
        self.others: list[OtherMunicipality] = []
        self.groups: dict[str, int] = {}  # series -> KOSTRA group
        national = self.profile.national
        if national is None:
            return
        self._national = np.random.default_rng([self.seed, national.stream])
        self._national_stream = national.stream
        own_group = self.plan.comparators.kostra_group_number or 1
        taken = {m.series for m in self._all_municipalities}
        for m in self._all_municipalities:
            self.groups[m.series] = own_group
        # The ASSS members under their real codes and names only for a plan compared with ASSS: a
        # fictional plan's files carry no real municipality.
        candidates = [(m.code, m.name) for m in load_asss().members] if self.plan.comparators.asss else []
        candidates += [(f"{9000 + i:04d}", f"Syntetisk kommune {9000 + i:04d}") for i in range(1, 400)]
        used_codes = {c for m in self._all_municipalities for c in m.region_list}
        turn = 0
        for code, name in candidates:
            if len(taken) >= national.municipalities:
                break
            series = regions.series_of_code(code) or code
            if series in taken or code in used_codes:
                continue
            taken.add(series)
            size = float(np.clip(self.nrng.lognormal(np.log(180), 1.1), 4, 9000))
            self.others.append(
                OtherMunicipality(
                    code=code,
                    label=name,
                    series=series,
                    population_per_age=size,
                    child_welfare_reports=size * float(self.nrng.uniform(0.6, 1.1)),
                    vgs_starters=size * float(self.nrng.uniform(0.85, 1.05)),
                    vgs_completion=float(np.clip(self.nrng.normal(0.77, 0.05), 0.55, 0.92)),
                    young_disability=size * float(self.nrng.uniform(0.2, 0.6)),
                )
            )
            self.groups[series] = turn % national.kostra_groups + 1
            turn += 1
        for o in self.others:
            self.region_label[o.code] = o.label
        for g in self.kostra_groups:
            self.region_label[kostra_code(g)] = f"KOSTRA-gruppe {g}"
        self.region_label["0"] = "Hele landet"
        self.region_label["EAK"] = "Landet"

    @property
    def kostra_groups(self) -> list[int]:
        return sorted(set(self.groups.values()))

    def _aggregates(self, by_series: dict[str, list[float | None]], national_code: str) -> dict[str, list[float]]:
        """Hele landet and each KOSTRA group as the sum of their members' cells (a missing cell counts 0)."""
        if not self.others:
            return {}
        width = len(next(iter(by_series.values())))

        def total(members: list[str]) -> list[float]:
            return [float(sum(by_series[s][i] or 0 for s in members)) for i in range(width)]

        out = {national_code: total(list(by_series))}
        for g in self.kostra_groups:
            out[kostra_code(g)] = total([s for s in by_series if self.groups[s] == g])
        return out

    # -- helpers ---------------------------------------------------------------------------
    def _draw_for(self, source: str, year: int) -> None:
        """Draw what follows for ``source`` in ``year``: a base-set year from the profile's stream
        (and the national one), a later year from streams of its own, seeded with the profile's
        seed, the source and the year."""
        self._current = None if year <= self.base_until else (source, year)

    def _stream(self, national: bool) -> np.random.Generator:
        if self._current is None:
            return self._national if national else self._main
        source, year = self._current
        key = (source, year, national)
        if key not in self._streams:
            stream = self._national_stream if national else 0
            self._streams[key] = np.random.default_rng([self.seed, stream, DEMO_SOURCES.index(source) + 100, year])
        return self._streams[key]

    def _national_at(self, source: str, year: int) -> np.random.Generator:
        """The rest of the country's stream for ``source`` in ``year`` (for a draw inside an expression)."""
        self._draw_for(source, year)
        return self.nrng

    @property
    def rng(self) -> np.random.Generator:
        """The plan's and comparators' random stream for the current source and year."""
        return self._stream(False)

    @property
    def nrng(self) -> np.random.Generator:
        """The rest of the country's random stream for the current source and year."""
        return self._stream(True)

    def _binom(self, n: int, p: float) -> int:
        return int(self.rng.binomial(n, min(max(p, 0.0), 1.0)))

    def _poisson(self, lam: float) -> int:
        return int(self.rng.poisson(max(lam, 0.0)))

    def _dir(self, source: str) -> Path:
        d = self.landing / source
        d.mkdir(parents=True, exist_ok=True)
        return d

    @property
    def _all_municipalities(self) -> list[Municipality]:
        return [self.municipality, *self.comparators]

    # -- sources ---------------------------------------------------------------------------
    def school_register(self) -> None:
        kind_nb = {"barneskole": "Barneskole", "ungdomsskole": "Ungdomsskole", "vgs": "Videregående skole"}
        df = pl.DataFrame(
            {
                "Skolenr": [s.number for _, s in self.schools],
                "Skolenavn": [s.name for _, s in self.schools],
                "Skoletype": [kind_nb[s.kind] for _, s in self.schools],
                "Bydel": [self.area_name[d] for d, _ in self.schools],
                "Merknad": ["Fiktiv skole i syntetiske demodata"] * len(self.schools),
            }
        )
        _write_csv(df, self._dir("school_register") / "skoler.csv", encoding="utf-8-sig")

    def ungdata(self) -> None:
        sizes = self.profile.ungdata
        for year in self.drawn["ungdata"]:
            self._draw_for("ungdata", year)
            rows = []
            for district, s in self.schools:
                if s.kind == "barneskole":
                    continue
                level = "uks" if s.kind == "ungdomsskole" else "vgs"
                pupils = sizes.pupils[s.kind] * s.size
                for gender in ("jenter", "gutter"):
                    respondents = max(2, self._binom(int(pupils / 2), sizes.response_rate[s.kind]))
                    effect = self.rng.normal(0, 1.2)
                    for ind_id, ind_label, base, drift, asked in UNGDATA:
                        n = respondents if asked >= 1 else self._binom(respondents, asked)
                        if n == 0:
                            continue
                        p = (base[(level, gender)] + drift * (year - self.base_year) + effect) / 100
                        k = self._binom(n, p)
                        rows.append(
                            {
                                "Undersøkelsesår": str(year),
                                "Kommune": self.short_name,
                                "Bydel": self.area_name[district],
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
            if year in self.written["ungdata"]:
                _write_csv(pl.DataFrame(rows), self._dir("ungdata") / f"ungdata_{year}.csv", encoding="utf-8-sig")

    def absence(self) -> None:
        pupils_of = self.profile.absence.pupils
        for year in self.drawn["absence"]:
            self._draw_for("absence", year)
            t = year - self.base_year
            rows = []
            for district, s in self.schools:
                if s.kind == "vgs":
                    continue
                extra = self.profile.districts[district].extra_absence
                pupils = max(8, int(self.rng.normal(pupils_of[s.kind], 25) * s.size))
                over = self._binom(pupils, 0.075 + 0.004 * t + extra)
                low = self._binom(over, 0.30 - 0.006 * t)
                rows.append(
                    {
                        "Skoleår": f"{year}/{str(year + 1)[-2:]}",
                        "Skolenr": int(s.number),
                        "Skole": s.name,
                        "Bydel": self.area_name[district],
                        "Antall elever": pupils,
                        "Elever med fravær over 10 %": over,
                        "Herav på laveste mestringsnivå": low,
                    }
                )
            if year in self.written["absence"]:
                _write_xlsx(
                    pl.DataFrame(rows), self._dir("absence") / f"fravaer_{year}-{str(year + 1)[-2:]}.xlsx", "Fravær"
                )

    def ppt(self) -> None:
        sizes = self.profile.ppt
        for year in self.drawn["ppt"]:
            self._draw_for("ppt", year)
            t = year - self.base_year
            rows = []
            for district in self.districts:
                weight = self.profile.districts[district].ppt_share
                referrals_total = sizes.first_consultations * weight * (1 + 0.01 * t)
                decisions_total = sizes.children_with_decisions * weight * (1 - 0.012 * t)
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
                            "Bydel": self.area_name[district],
                            "Aldersgruppe": label,
                            "Førstegangskonsultasjoner": str(consult),
                            "Snittalder ved førstegangskonsultasjon": "" if mean_age is None else nb(mean_age, 1),
                            "Barn med vedtak": str(decisions),
                            "Ferdig utredet før skolestart": "" if assessed is None else str(assessed),
                        }
                    )
            if year in self.written["ppt"]:
                _write_csv(pl.DataFrame(rows), self._dir("ppt") / f"ppt_{year}.csv", encoding="cp1252")

    def population(self) -> dict[tuple[str, int], int]:
        """SSB 07459-style population by single year of age 0-29; returns residents 0-17 per
        municipality series and year. With ``national``: the rest of the country, each KOSTRA group
        and Hele landet (``0``) too."""
        own_regions = [code for m in self._all_municipalities for code in m.region_list]
        ages = [f"{a:03d}" for a in range(30)]
        years = self.drawn["population"]
        cells: dict[str, list[float | None]] = {}  # region -> values in (age, year) order
        children: dict[tuple[str, int], int] = {}

        def shape(a: int) -> float:
            return 1.0 - 0.004 * abs(a - 14) - (0.25 if a >= 20 else 0.0) + 0.1 * (a >= 26)

        for region in own_regions:
            m = next(m for m in self._all_municipalities if region in m.region_list)
            values = cells.setdefault(region, [])
            for age in ages:
                a = int(age)
                for year in years:
                    self._draw_for("population", year)
                    if m.codes[year] != region:
                        values.append(None)
                    else:
                        v = int(
                            m.figures.population_per_age * shape(a) * (1 + 0.006 * (year - self.base_year))
                            + self.rng.normal(0, 25)
                        )
                        values.append(float(v))
                        if a <= 17:
                            children[(m.series, year)] = children.get((m.series, year), 0) + v
        by_series = self._own_by_series(cells, len(ages), years)
        for o in self.others:
            values = []
            for age in ages:
                a = int(age)
                for year in years:
                    self._draw_for("population", year)
                    mean = o.population_per_age * shape(a) * (1 + 0.006 * (year - self.base_year))
                    v = max(0, int(mean + self.nrng.normal(0, 0.016 * o.population_per_age)))
                    values.append(float(v))
                    if a <= 17:
                        children[(o.series, year)] = children.get((o.series, year), 0) + v
            cells[o.code] = by_series[o.series] = values
        aggregates = self._aggregates(by_series, NATIONAL_CODE["population"])
        for code, values in aggregates.items():
            for i, year in enumerate(years):
                children[(code, year)] = int(sum(values[a * len(years) + i] for a in range(18)))
        regions = [*aggregates, *own_regions, *(o.code for o in self.others)]
        cells.update(aggregates)
        values, status = self._flatten(regions, cells)
        doc = _jsonstat(
            [
                ("Region", "region", [(r, self.region_label[r]) for r in regions]),
                ("Alder", "alder", [(a, f"{int(a)} år") for a in ages]),
                ("Tid", "år", [(str(y), str(y)) for y in years]),
            ],
            values,
            status,
            "07459: Befolkning, etter region, alder og år (SYNTETISK)",
            {"time": ["Tid"], "geo": ["Region"]},
            "Statistisk sentralbyrå (syntetisk demo)",
        )
        _write_json(_years_only(doc, self.written["population"]), self._dir("population") / "ssb_07459_befolkning.json")
        return children

    def _own_by_series(
        self, cells: dict[str, list[float | None]], per_year_blocks: int, years: list[int]
    ) -> dict[str, list]:
        """The plan's and comparators' cells per series (the code valid each year), laid out as
        ``cells`` (blocks of ``years``)."""
        out: dict[str, list] = {}
        n = len(years)
        for m in self._all_municipalities:
            out[m.series] = [cells[m.codes[years[i % n]]][i] for i in range(per_year_blocks * n)]
        return out

    @staticmethod
    def _flatten(regions: list[str], cells: dict[str, list]) -> tuple[list[float | None], dict[str, str]]:
        """JSON-stat's value list in region order, with SSB's "." for a cell that does not apply."""
        values: list[float | None] = []
        status: dict[str, str] = {}
        for region in regions:
            for v in cells[region]:
                if v is None:
                    status[str(len(values))] = "."
                values.append(v)
        return values, status

    def child_welfare(self, children: dict[tuple[str, int], int]) -> None:
        contents = [
            ("Meldinger", "Meldinger mottatt"),
            ("Henlagte", "Henlagte meldinger"),
            ("Undersokelser", "Barn med avsluttet undersøkelse"),
        ]
        reporters = [("00", "I alt", 0, 0)] + CW_REPORTERS
        years, written = self.drawn["child_welfare"], self.written["child_welfare"]
        own_rows: list[dict] = []
        cube: dict[tuple[str, str, int], float] = {}
        # per series: reporter counts and key figures, for the sums
        by_series: dict[str, dict[tuple[str, int], float]] = {}
        for m in self._all_municipalities:
            suppressed = {(c.reporter_code, c.year) for c in m.figures.suppressed_reports}
            mine = by_series.setdefault(m.series, {})
            for year in years:
                self._draw_for("child_welfare", year)
                t = year - self.base_year
                region = m.codes[year]
                counts = {}
                for code, _, share, trend in CW_REPORTERS:
                    counts[code] = self._poisson(
                        m.figures.child_welfare_reports * (1 + 0.015 * t) * max(share + trend * t, 0.005)
                    )
                total = sum(counts.values())
                for code, label, _, _ in reporters:
                    value = total if code == "00" else counts[code]
                    mine[(code, year)] = value
                    text = ":" if (code, year) in suppressed else str(value)  # ":" = suppressed by SSB
                    own_rows.append(self._cw_row(region, code, label, year, text))
                dropped = self._binom(total, 0.36 - 0.008 * t)
                investigations = self._binom(children[(m.series, year)], 0.021 + 0.0006 * t)
                for c, v in (("Meldinger", total), ("Henlagte", dropped), ("Undersokelser", investigations)):
                    cube[(region, c, year)] = v
                    mine[(c, year)] = v
        other_rows: list[dict] = []
        for o in self.others:
            mine = by_series.setdefault(o.series, {})
            for year in years:
                self._draw_for("child_welfare", year)
                t = year - self.base_year
                counts = {
                    code: int(
                        self.nrng.poisson(o.child_welfare_reports * (1 + 0.015 * t) * max(share + trend * t, 0.005))
                    )
                    for code, _, share, trend in CW_REPORTERS
                }
                total = sum(counts.values())
                for code, label, _, _ in reporters:
                    value = total if code == "00" else counts[code]
                    mine[(code, year)] = value
                    other_rows.append(self._cw_row(o.code, code, label, year, str(value)))
                dropped = int(self.nrng.binomial(total, min(max(0.36 - 0.008 * t + self.nrng.normal(0, 0.04), 0), 1)))
                rate = max(0.021 + 0.0006 * t + self.nrng.normal(0, 0.004), 0.001)
                investigations = int(self.nrng.binomial(children[(o.series, year)], rate))
                for c, v in (("Meldinger", total), ("Henlagte", dropped), ("Undersokelser", investigations)):
                    cube[(o.code, c, year)] = v
                    mine[(c, year)] = v
        aggregate_rows: list[dict] = []
        aggregate_codes: list[str] = []
        if self.others:
            groups = {"0": list(by_series)} | {
                kostra_code(g): [s for s in by_series if self.groups[s] == g] for g in self.kostra_groups
            }
            for agg, members in groups.items():
                kostra = NATIONAL_CODE["kostra"] if agg == "0" else agg
                aggregate_codes.append(kostra)
                for year in years:
                    for code, label, _, _ in reporters:
                        value = sum(by_series[s][(code, year)] for s in members)
                        aggregate_rows.append(self._cw_row(agg, code, label, year, str(value)))
                    for c, _ in contents:
                        cube[(kostra, c, year)] = sum(by_series[s][(c, year)] for s in members)
        _write_csv(
            pl.DataFrame([r for r in aggregate_rows + own_rows + other_rows if int(r["år"]) in written]),
            self._dir("child_welfare") / "ssb_12870_meldinger_etter_melder.csv",
            encoding="cp1252",
        )
        key_regions = [
            *aggregate_codes,
            *(code for m in self._all_municipalities for code in m.region_list),
            *(o.code for o in self.others),
        ]
        values: list[float | None] = []
        status: dict[str, str] = {}
        for region in key_regions:
            for c, _ in contents:
                for year in years:
                    v = cube.get((region, c, year))
                    if v is None:
                        status[str(len(values))] = "."
                    values.append(None if v is None else float(v))
        doc = _jsonstat(
            [
                ("KOKkommuneregion0000", "region", [(r, self.region_label[r]) for r in key_regions]),
                ("ContentsCode", "statistikkvariabel", contents),
                ("Tid", "år", [(str(y), str(y)) for y in years]),
            ],
            values,
            status,
            "Barnevern – nøkkeltall, etter region, statistikkvariabel og år (SYNTETISK)",
            {"time": ["Tid"], "geo": ["KOKkommuneregion0000"], "metric": ["ContentsCode"]},
            "Statistisk sentralbyrå (syntetisk demo)",
        )
        _write_json(_years_only(doc, written), self._dir("child_welfare") / "ssb_barnevern_nokkeltall.json")

    def _cw_row(self, region: str, code: str, label: str, year: int, text: str) -> dict:
        return {
            "region": f"{region} {self.region_label[region]}",
            "meldingsinstans": f"{code} {label}",
            "år": str(year),
            "12870: Meldinger til barnevernet": text,
        }

    def ssb_outcomes(self) -> None:
        own_rows = []
        years, written = self.drawn["ssb_outcomes"], self.written["ssb_outcomes"]
        by_series: dict[str, dict[int, tuple[int, int]]] = {}
        for m in self._all_municipalities:
            for year in years:
                self._draw_for("ssb_outcomes", year)
                t = year - self.base_year
                started = int(m.figures.vgs_starters * (1 + 0.004 * t) + self.rng.normal(0, 20))
                completed = self._binom(started, m.figures.vgs_completion + 0.003 * t)
                by_series.setdefault(m.series, {})[year] = (started, completed)
                own_rows.append(self._vgs_row(m.codes[year], year, started, completed))
        other_rows = []
        for o in self.others:
            for year in years:
                self._draw_for("ssb_outcomes", year)
                t = year - self.base_year
                started = max(1, int(o.vgs_starters * (1 + 0.004 * t) + self.nrng.normal(0, 0.013 * o.vgs_starters)))
                completed = int(self.nrng.binomial(started, min(o.vgs_completion + 0.003 * t, 0.99)))
                by_series.setdefault(o.series, {})[year] = (started, completed)
                other_rows.append(self._vgs_row(o.code, year, started, completed))
        aggregate_rows = []
        if self.others:
            groups = {"0": list(by_series)} | {
                kostra_code(g): [s for s in by_series if self.groups[s] == g] for g in self.kostra_groups
            }
            for agg, members in groups.items():
                for year in years:
                    started = sum(by_series[s][year][0] for s in members)
                    completed = sum(by_series[s][year][1] for s in members)
                    aggregate_rows.append(self._vgs_row(agg, year, started, completed))
        _write_csv(
            pl.DataFrame([r for r in aggregate_rows + own_rows + other_rows if int(r["år"]) in written]),
            self._dir("ssb_outcomes") / "ssb_12971_gjennomforing_vgs.csv",
            encoding="utf-8-sig",
        )
        own = self.municipality
        cells: dict[str, list[float | None]] = {}
        for region in own.region_list:
            cells[region] = []
            for year in years:
                self._draw_for("ssb_outcomes", year)
                if own.codes[year] == region:
                    recipients = own.figures.young_disability * (1 + 0.02 * (year - self.base_year))
                    cells[region].append(float(self._poisson(recipients)))
                else:
                    cells[region].append(None)
        regions = list(own.region_list)
        if self.others:
            # The comparators' and the rest of the country's recipients, from the national stream.
            disability = {own.series: [cells[own.codes[y]][i] for i, y in enumerate(years)]}
            for m in self.comparators:
                disability[m.series] = [
                    float(
                        self._national_at("ssb_outcomes", y).poisson(
                            m.figures.population_per_age * 0.33 * (1 + 0.02 * (y - self.base_year))
                        )
                    )
                    for y in years
                ]
                for code in m.region_list:
                    cells[code] = [v if m.codes[y] == code else None for y, v in zip(years, disability[m.series])]
                regions += m.region_list
            for o in self.others:
                disability[o.series] = cells[o.code] = [
                    float(
                        self._national_at("ssb_outcomes", y).poisson(
                            o.young_disability * (1 + 0.02 * (y - self.base_year))
                        )
                    )
                    for y in years
                ]
                regions.append(o.code)
            aggregates = self._aggregates(disability, NATIONAL_CODE["ssb_outcomes"])
            cells.update(aggregates)
            regions = [*aggregates, *regions]
        values, status = self._flatten(regions, cells)
        doc = _jsonstat(
            [
                ("Region", "region", [(r, self.region_label[r]) for r in regions]),
                ("ContentsCode", "statistikkvariabel", [("Mottakere", "Mottakere av uføretrygd 18-29 år")]),
                ("Tid", "år", [(str(y), str(y)) for y in years]),
            ],
            values,
            status,
            "Mottakere av uføretrygd 18-29 år, etter region og år (SYNTETISK)",
            {"time": ["Tid"], "geo": ["Region"], "metric": ["ContentsCode"]},
            "NAV/Statistisk sentralbyrå (syntetisk demo)",
        )
        _write_json(_years_only(doc, written), self._dir("ssb_outcomes") / "nav_uforetrygd_18_29.json")

    def _vgs_row(self, region: str, year: int, started: int, completed: int) -> dict:
        return {
            "region": f"{region} {self.region_label[region]}",
            "år": str(year),
            "Elever som startet": str(started),
            "Fullført og bestått innen 5 år": str(completed),
        }

    def _service_row(self, row: ServiceRow, area: str, year: int) -> dict:
        """One template row: the Nevner, then the Teller, then the Verdi (the order of the draws)."""
        t = year - row.origin_year(self.base_year)
        nevner = teller = verdi = None
        if (spec := row.nevner) is not None:
            if spec.poisson is not None:
                nevner = self._poisson(spec.poisson.at(t, area))
            elif spec.fixed is not None:
                nevner = spec.fixed[area] if isinstance(spec.fixed, dict) else spec.fixed
            else:
                nevner = round(spec.amount.at(t, area), spec.ndigits)
        anchored = row.anchor is not None and row.anchor.year == year
        if anchored:
            teller = row.anchor.teller
        elif (spec := row.teller) is not None:
            if spec.poisson is not None:
                teller = self._poisson(spec.poisson.at(t, area))
            else:
                share = spec.binomial or spec.share
                p = share.start + share.slope * t
                if share.noise_sd is not None:
                    p = p + self.rng.normal(0, share.noise_sd)
                if share.max is not None:
                    p = min(p, share.max)
                teller = self._binom(int(nevner), p) if spec.binomial is not None else round(nevner * p, spec.ndigits)
        if (spec := row.verdi) is not None:
            verdi = round(spec.mean.at(t, area) + self.rng.normal(0, spec.sd), spec.decimals)
        comment = row.anchor.comment if anchored and row.anchor.comment is not None else row.comment
        return {
            "Tjeneste": row.service,
            "Indikator-id": row.indicator,
            "Indikator": row.label,
            "Enhet": self.area_name[area],
            "Teller": teller,
            "Nevner": nevner,
            "Verdi": verdi,
            "Kommentar": comment,
        }

    def services(self) -> None:
        for year in self.drawn["services"]:
            self._draw_for("services", year)
            rows = []
            for row in self.profile.services:
                if row.first_year is not None and year < row.first_year:
                    continue
                for area in self.plan.areas:
                    if area.level == row.level:
                        rows.append(self._service_row(row, area.code, year))
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
            if year in self.written["services"]:
                _write_xlsx(df, self._dir("services") / f"tjenestetall_{year}.xlsx", "Tjenestetall")

    def readme(self) -> None:
        anchored = any(row.anchor is not None for row in self.profile.services)
        text = (
            "SYNTETISKE DEMODATA\n\nFilene i denne mappen er laget av prosjektets demogenerator "
            f"(python -m pipelines.demo, fast seed {self.seed}). De har samme form som ekte eksporter, men "
            "tallene er oppdiktet."
            + (f" Der planen oppgir et 0-punkt for {self.base_year}, ligger demotallene rundt det." if anchored else "")
            + "\n"
        )
        if self.profile.note:
            text += "\n" + self.profile.note.strip() + "\n"
        _put(self.landing / "LES_MEG.txt", text.encode("utf-8"))

    def run(self) -> None:
        self.school_register()
        self.ungdata()
        references = ungdata_reference_files(
            self._dir("ungdata"), self.written["ungdata"], self.base_year, UNGDATA, self.seed
        )
        for path, data in references.items():
            _put(path, data)
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


def generate(
    landing: Path,
    *,
    plan_folder: Path | None = None,
    clean: bool = False,
    seed: int | None = None,
    as_of: dt.date | None = None,
) -> Path:
    """Write the demo files of a plan into the landing folder as they stand on the day ``as_of``
    (default: the ``SBU_AS_OF`` setting, else today in Norway, as a pipeline run resolves it): each
    source up to the newest period it has published by then (:func:`source_years`). The output is
    deterministic for a given day, and a file whose bytes are already there is not written again
    (its modification time stays, so the landing sensor sees no change). ``plan_folder`` defaults to
    the selected plan (``SBU_PLAN``); its ``demo.yaml`` says what to write, ``seed`` overrides the
    profile's. Other files in the landing folder are left alone; with ``clean`` the demo sources'
    folders are emptied first."""
    folder = Path(plan_folder) if plan_folder is not None else get_settings().plan_dir
    if not (folder / "plan.yaml").is_file():
        raise FileNotFoundError(f"{folder} is no plan folder: it has no plan.yaml")
    plan = load_plan_folder(folder)
    regions = region_codes()
    profile = load_demo_profile(plan, regions)
    landing = Path(landing)
    if clean:
        for source in DEMO_SOURCES:
            shutil.rmtree(landing / source, ignore_errors=True)
    landing.mkdir(parents=True, exist_ok=True)
    catalogue = load_catalogue(plan)
    DemoGenerator(landing, plan, profile, regions, seed, as_of=as_of or resolve_as_of(None), catalogue=catalogue).run()
    return landing
