"""A plan's demo profile, ``catalogue/plans/<plan-id>/demo.yaml``: what its synthetic demo data look like.

The generator (:mod:`pipelines.demo.generate`) knows the export formats (file layouts, encodings,
SSB's JSON-stat, Ungdata's indicators, the child-welfare reporter codes, PPT's age groups); the
profile says everything that belongs to one plan's municipality:

- ``seed``, ``years`` (the first data year, and the last year of the base set drawn in one random
  stream), ``survey_years`` (Ungdata) and ``baseline_year`` (the year the plan's 0-punkt figures are
  for; the yearly trends count years from it). The files run up to the newest period each source
  has published by the day the demo is made for (``as_of``), :func:`pipelines.demo.generate.source_years`;
- ``municipality``: the size of its SSB-shaped figures (residents per year of age, reports to child
  welfare, the upper-secondary cohort and its completion, young disability-benefit recipients). Its
  region codes are not listed: the code valid each year comes from the region-code table, starting
  from the plan's ``municipality.region_code`` (a year before its first code is back-cast to that
  code, as SSB does);
- ``comparators``: other municipalities in the SSB files (by one of their region codes), with
  their own sizes; never a real municipality's figures presented as real;
- ``districts``: one entry per ``bydel`` area of ``areas.yaml`` (by code; names come from there),
  with its share of PPT's figures, any extra absence and its schools (number, name, kind, size);
- ``absence``, ``ungdata``, ``ppt``: the size of a typical school and of PPT's year;
- ``services``: the rows of the services' yearly template, in order, each for the plan's area(s)
  of one level, with a model for its ``Nevner``, ``Teller`` and ``Verdi`` and optional ``anchor``
  (a figure the plan itself quotes for a year, with the comment the template carries then).

Everything is validated with Pydantic (unknown keys are refused) and against the plan: districts,
per-area figures and comparators must match the plan's areas and the region-code table.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipelines.plan import Plan
from pipelines.readers.regions import RegionCodes

PROFILE_FILE = "demo.yaml"

SchoolKind = Literal["barneskole", "ungdomsskole", "vgs"]


class DemoProfileError(ValueError):
    """The demo profile is missing or wrong; the message names the file and each field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- sizes ----------------------------------------------------------------------------------------


class Years(_Strict):
    """The data years. A source's files run from ``first`` to the newest period it has published by
    the day the demo is made for; the years up to ``base_until`` are the base set, drawn in one
    random stream in the profile's order, and each later year from a stream of its own, so moving
    the day adds years and changes none before them."""

    first: int = Field(ge=2000, le=2100)
    base_until: int = Field(ge=2000, le=2100, description="The last year drawn in the profile's one stream.")

    @model_validator(mode="after")
    def _ordered(self) -> Years:
        if self.base_until < self.first:
            raise ValueError(f"base_until ({self.base_until}) is before first ({self.first})")
        return self

    @property
    def base(self) -> list[int]:
        """The base set's years, ``first`` to ``base_until``."""
        return list(range(self.first, self.base_until + 1))


class SuppressedCell(_Strict):
    """A cell of the reports-by-reporter table (12870) that the export shows as ``:`` (suppressed by SSB)."""

    reporter_code: str = Field(pattern=r"^[0-9]{2}$")
    year: int


class SsbFigures(_Strict):
    """A municipality's size in the SSB-shaped files, in the baseline year."""

    population_per_age: float = Field(gt=0, description="Residents per single year of age 0-29 (07459).")
    child_welfare_reports: float = Field(gt=0, description="Reports to child welfare in a year (12870).")
    vgs_starters: float = Field(gt=0, description="Pupils starting upper secondary school in a year (12971).")
    vgs_completion: float = Field(gt=0, lt=1, description="Share of them completing within five years.")
    suppressed_reports: list[SuppressedCell] = Field(default_factory=list)


class MunicipalityFigures(SsbFigures):
    young_disability: float = Field(gt=0, description="Disability-benefit recipients aged 18-29 (NAV).")


class Comparator(SsbFigures):
    region_code: str = Field(description="Any code of the municipality in the region-code table.")


class National(_Strict):
    """The rest of the country in the SSB-shaped files, so that Hele landet, the KOSTRA groups and ASSS
    can be compared: SYNTHETIC municipalities drawn with a random stream of their own (the plan's and
    the comparators' figures stay the same draws), the ASSS members (catalogue/comparators/asss.yaml)
    among them under their codes and names, the rest as "Syntetisk kommune 9xxx"; each is put in a
    KOSTRA group (the plan's municipality and comparators in the plan's group, the others in turn),
    and the files carry each group's sum (``EKG<nn>``) and the national sum (``0``/``EAK``)."""

    municipalities: int = Field(ge=2, le=400, description="Municipalities in the files in all (357 in 2024).")
    kostra_groups: int = Field(default=16, ge=1, le=99, description="KOSTRA groups 1..n.")
    stream: int = Field(default=1, description="The national random stream: seed sequence [seed, stream].")


class School(_Strict):
    number: str = Field(pattern=r"^[0-9]{3,8}$")
    name: str = Field(min_length=1)
    kind: SchoolKind
    size: float = Field(gt=0, description="Pupils relative to a typical school of its kind (1.0).")


class District(_Strict):
    ppt_share: float = Field(gt=0, le=1, description="The district's share of PPT's yearly figures.")
    extra_absence: float = Field(default=0.0, description="Added to the share of pupils with high absence.")
    schools: list[School] = Field(default_factory=list)


class Absence(_Strict):
    pupils: dict[Literal["barneskole", "ungdomsskole"], float] = Field(description="Pupils of a typical school.")


class Ungdata(_Strict):
    pupils: dict[Literal["ungdomsskole", "vgs"], float] = Field(description="Pupils of a typical school.")
    response_rate: dict[Literal["ungdomsskole", "vgs"], float]


class Ppt(_Strict):
    first_consultations: float = Field(gt=0, description="First consultations in the baseline year.")
    children_with_decisions: float = Field(gt=0, description="Children with a decision in the baseline year.")


# -- the services' template -------------------------------------------------------------------------


class Trend(_Strict):
    """A yearly level: ``base * weight * (1 + growth * t) + slope * t``, at least ``min``, where ``t``
    is the year minus the row's origin and ``weight`` the area's entry in ``per_area`` (1 without)."""

    base: float
    growth: float = 0.0
    slope: float = 0.0
    min: float | None = None
    per_area: dict[str, float] | None = None

    def at(self, t: int, area: str) -> float:
        weight = 1.0 if self.per_area is None else self.per_area[area]
        level = self.base * weight * (1 + self.growth * t) + self.slope * t
        return level if self.min is None else max(level, self.min)


class Share(_Strict):
    """A yearly share: ``start + slope * t`` (plus normal noise with ``noise_sd``), at most ``max``."""

    start: float
    slope: float = 0.0
    max: float | None = None
    noise_sd: float | None = None


class _OneOf(_Strict):
    """Exactly one of the model fields named in ``_kinds`` is given."""

    _kinds: ClassVar[tuple[str, ...]] = ()

    _rounded: ClassVar[str] = ""  # the kind ``ndigits`` belongs to

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [k for k in self._kinds if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(self._kinds)} (found {', '.join(given) or 'none'})")
        if getattr(self, "ndigits", None) is not None and given[0] != self._rounded:
            raise ValueError(f"ndigits rounds {self._rounded} only (found {given[0]})")
        return self


class Nevner(_OneOf):
    """The denominator: a Poisson draw around a trend, a fixed number (per area), or an amount (the
    trend itself, rounded with ``ndigits`` as Python's ``round``)."""

    _kinds: ClassVar[tuple[str, ...]] = ("poisson", "fixed", "amount")
    _rounded: ClassVar[str] = "amount"
    poisson: Trend | None = None
    fixed: float | dict[str, float] | None = None
    amount: Trend | None = None
    ndigits: int | None = None


class Teller(_OneOf):
    """The numerator: a Poisson draw around a trend (a count), a binomial draw from the denominator
    with a yearly share, or the denominator times a share rounded with ``ndigits`` (an amount)."""

    _kinds: ClassVar[tuple[str, ...]] = ("poisson", "binomial", "share")
    _rounded: ClassVar[str] = "share"
    poisson: Trend | None = None
    binomial: Share | None = None
    share: Share | None = None
    ndigits: int | None = None


class Verdi(_Strict):
    """A value: the trend plus normal noise, rounded to ``decimals``."""

    mean: Trend
    sd: float = Field(ge=0)
    decimals: int = 1


class Anchor(_Strict):
    """A figure the plan quotes: in ``year`` the row's Teller is this number (no draw)."""

    year: int
    teller: float
    comment: str | None = Field(default=None, description="The row's comment that year (default: its comment).")


class ServiceRow(_Strict):
    """One row of the template per area of ``level`` (``Enhet`` = the area's name in areas.yaml)."""

    service: str
    indicator: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    level: Literal["kommune", "bydel", "team"]
    first_year: int | None = Field(default=None, description="The first year the row is reported.")
    origin: int | None = Field(default=None, description="t = 0 of its trends (default: first_year, else baseline).")
    nevner: Nevner | None = None
    teller: Teller | None = None
    verdi: Verdi | None = None
    comment: str = ""
    anchor: Anchor | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ServiceRow:
        if self.nevner is None and self.teller is None and self.verdi is None:
            raise ValueError("a row needs nevner, teller or verdi")
        if self.teller is not None and (self.teller.binomial or self.teller.share) and self.nevner is None:
            raise ValueError("teller.binomial and teller.share are drawn from the nevner: give one")
        if self.anchor is not None and self.teller is None:
            raise ValueError("an anchor fixes the teller: give a teller model for the other years")
        return self

    def origin_year(self, baseline_year: int) -> int:
        if self.origin is not None:
            return self.origin
        return self.first_year if self.first_year is not None else baseline_year

    def per_area_keys(self) -> list[tuple[str, set[str]]]:
        """Every per-area mapping of the row, by where it is."""
        found: list[tuple[str, set[str]]] = []
        for part in ("nevner", "teller", "verdi"):
            model = getattr(self, part)
            if model is None:
                continue
            if isinstance(getattr(model, "fixed", None), dict):
                found.append((f"{part}.fixed", set(model.fixed)))
            for name in ("poisson", "amount", "mean"):
                trend = getattr(model, name, None)
                if isinstance(trend, Trend) and trend.per_area is not None:
                    found.append((f"{part}.{name}.per_area", set(trend.per_area)))
        return found


# -- the profile ------------------------------------------------------------------------------------


class DemoProfile(_Strict):
    seed: int = Field(description="The random generator's seed: the same seed gives the same bytes.")
    years: Years
    survey_years: list[int] = Field(
        min_length=1,
        description="Ungdata survey years of the base set; later surveys follow every cadence_years of the "
        "catalogue's Ungdata metrics.",
    )
    baseline_year: int
    note: str | None = Field(default=None, description="An extra paragraph for LES_MEG.txt.")
    municipality: MunicipalityFigures
    comparators: list[Comparator] = Field(default_factory=list)
    national: National | None = None
    districts: dict[str, District] = Field(min_length=1)
    absence: Absence
    ungdata: Ungdata
    ppt: Ppt
    services: list[ServiceRow] = Field(default_factory=list)

    @model_validator(mode="after")
    def _years(self) -> DemoProfile:
        years = self.years.base
        if outside := [y for y in self.survey_years if y not in years]:
            raise ValueError(f"survey_years outside years (first to base_until): {outside}")
        if sorted(set(self.survey_years)) != self.survey_years:
            raise ValueError("survey_years must be increasing, each once")
        numbers = [s.number for d in self.districts.values() for s in d.schools]
        if duplicates := sorted({n for n in numbers if numbers.count(n) > 1}):
            raise ValueError(f"school numbers used twice: {', '.join(duplicates)}")
        return self

    @property
    def schools(self) -> list[tuple[str, School]]:
        """(district code, school) in the profile's order."""
        return [(code, s) for code, d in self.districts.items() for s in d.schools]


def check_against_plan(profile: DemoProfile, plan: Plan, regions: RegionCodes) -> list[str]:
    """What in the profile does not fit the plan (its areas) or the region-code table."""
    problems: list[str] = []
    by_level: dict[str, list[str]] = {}
    for area in plan.areas:
        by_level.setdefault(area.level, []).append(area.code)
    districts = set(by_level.get("bydel", []))
    if set(profile.districts) != districts:
        problems.append(
            f"districts: the plan's bydel areas are {sorted(districts)}, the profile has {sorted(profile.districts)}"
        )
    for i, row in enumerate(profile.services):
        if not by_level.get(row.level):
            problems.append(f"services[{i}] ({row.indicator}): the plan has no area of level {row.level!r}")
            continue
        for where, keys in row.per_area_keys():
            expected = set(by_level[row.level])
            if keys != expected:
                problems.append(
                    f"services[{i}] ({row.indicator}).{where}: needs exactly the {row.level} areas "
                    f"{sorted(expected)}, has {sorted(keys)}"
                )
        years = profile.years.base
        if row.first_year is not None and row.first_year not in years:
            problems.append(f"services[{i}] ({row.indicator}).first_year: {row.first_year} is outside years")
        if row.anchor is not None and row.anchor.year not in years:
            problems.append(f"services[{i}] ({row.indicator}).anchor.year: {row.anchor.year} is outside years")
    # A year without a valid code is written under the nearest code (SSB back-casts a series).
    own = regions.series_of_code(plan.municipality.region_code)
    if own is None:
        problems.append(f"plan.yaml: region code {plan.municipality.region_code!r} is not in the region-code table")
    seen = {own}
    for i, comparator in enumerate(profile.comparators):
        series = regions.series_of_code(comparator.region_code)
        if series is None:
            problems.append(f"comparators[{i}].region_code: {comparator.region_code!r} is not in the region-code table")
        elif series in seen:
            problems.append(
                f"comparators[{i}].region_code: {comparator.region_code!r} is the plan's or another comparator's"
            )
        else:
            seen.add(series)
    group = plan.comparators.kostra_group_number
    if profile.national is not None and group is not None and group > profile.national.kostra_groups:
        problems.append(
            f"national.kostra_groups: plan.yaml's comparators.kostra_group {group} is above {profile.national.kostra_groups}"
        )
    if profile.national is not None and profile.national.municipalities < len(seen):
        problems.append(f"national.municipalities: fewer than the plan's municipality and comparators ({len(seen)})")
    return problems


def load_demo_profile(plan: Plan, regions: RegionCodes) -> DemoProfile:
    """The plan folder's ``demo.yaml``, validated on its own and against the plan; raises
    :class:`DemoProfileError` naming the file and every field that is wrong."""
    path = Path(plan.folder) / PROFILE_FILE
    if not path.is_file():
        raise DemoProfileError(f"{path}: the plan has no demo profile (see docs/howto.md, 'The demo profile')")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise DemoProfileError(f"{path}: not valid YAML: {err}") from err
    try:
        profile = DemoProfile.model_validate(doc)
    except ValidationError as err:
        lines = [f"{PROFILE_FILE}: {_where(e)}{e['msg'].removeprefix('Value error, ')}" for e in err.errors()]
        raise DemoProfileError(f"{path}: {len(lines)} problem(s)\n  - " + "\n  - ".join(lines)) from None
    if problems := check_against_plan(profile, plan, regions):
        lines = [p if p.startswith("plan.yaml") else f"{PROFILE_FILE}: {p}" for p in problems]
        raise DemoProfileError(f"{path}: {len(lines)} problem(s)\n  - " + "\n  - ".join(lines))
    return profile


def _where(error: dict) -> str:
    path = ""
    for part in error.get("loc", ()):
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return f"{path}: " if path else ""
