"""The plan a deployment follows: one folder of configuration, ``catalogue/plans/<plan-id>/``.

- ``plan.yaml``: the municipality (its name and one of its region codes, which leads to its series
  in the region-code table), the plan (name, period, adoption), its satsingsområder in order, and
  the report's own texts;
- ``areas.yaml``: the area hierarchy above the schools (the municipality, its parts or districts,
  teams), each with a code, a name, a level and a parent;
- ``metrics.yaml``: the metrics the plan follows, picked from the metric library, with owners,
  satsingsområde, 0-punkt year and kind (read by :mod:`pipelines.catalogue`); a metric of the plan's
  own has its SQL in ``sql/<id>.sql`` of the folder;
- ``targets.yaml``: the steering group's targets, versioned (read by :mod:`pipelines.catalogue`).

The setting ``SBU_PLAN`` selects the folder. SQL and Python read the plan from the tables the
``plan`` and ``areas`` assets load from here (``marts.plan``, ``marts.areas``) and never name a
municipality or an area themselves.
"""

from __future__ import annotations

import datetime as dt
import sys
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipelines.readers import region_codes
from pipelines.settings import Settings, get_settings
from pipelines.yaml_file import read_yaml

AreaLevel = Literal["kommune", "bydel", "skole", "team"]
# Finer levels come later; a metric shown at "skole" is also shown at "bydel" and "kommune".
# A comparator (Hele landet, a KOSTRA group, ASSS, a named peer) is an area of its own level, with no
# parent, so it never rolls into the municipality; it is published at the municipality's rank.
COMPARATOR_LEVEL = "sammenligning"
LEVEL_RANK: dict[str, int] = {"kommune": 0, "bydel": 1, "skole": 2, "team": 2, COMPARATOR_LEVEL: 0}


class Municipality(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    region_code: str = Field(description="Any code of the municipality in the region-code table.")


class Period(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: int
    end: int


class PlanInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    period: Period
    adopted: dt.date | None = None
    decided_by: str | None = None
    case_ref: str | None = None


class Satsingsomrade(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str


class ReportTexts(BaseModel):
    """The yearly status report's own words; ``{year}`` in the title is the report year."""

    model_config = ConfigDict(extra="forbid")
    title: str = "Årlig statusrapport {year}"
    introduction: str | None = None
    reading_guide: str | None = None

    def title_for(self, year: int) -> str:
        return self.title.replace("{year}", str(year))


class Comparators(BaseModel):
    """Whom the plan's municipality is compared with (``comparators`` in plan.yaml).

    ``national`` (Hele landet, default on), ``kostra_group`` (SSB's KOSTRA group number, e.g. "13":
    the source's own group row, region code ``EKG13``), ``asss`` (the ASSS network, its members in
    ``catalogue/comparators/asss.yaml``, summed) and ``peers`` (named municipalities by region code,
    each compared on its own). Only metrics whose source carries other municipalities (the SSB-shaped
    sources) get comparator values; see docs/domain.md, "Comparators"."""

    model_config = ConfigDict(extra="forbid")
    national: bool = True
    kostra_group: str | None = Field(default=None, pattern=r"^(EKG)?\d{1,2}$")
    asss: bool = False
    peers: list[str] = Field(default_factory=list)

    @property
    def kostra_group_number(self) -> int | None:
        return None if self.kostra_group is None else int(self.kostra_group.removeprefix("EKG"))


class Area(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    name: str
    level: AreaLevel
    parent: str | None = None


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    municipality: Municipality
    plan: PlanInfo
    satsingsomrader: list[Satsingsomrade] = Field(min_length=1)
    report: ReportTexts = Field(default_factory=ReportTexts)
    # What the plan calls an area level where it is not the usual word: {bydel: oppvekstområde}.
    level_names: dict[AreaLevel, str] = Field(default_factory=dict)
    # The indicator ids of the services' yearly template (source "services"): a row with another id is refused.
    service_indicators: list[str] = Field(default_factory=list)
    # Whom the municipality is compared with (Hele landet by default).
    comparators: Comparators = Field(default_factory=Comparators)
    areas: list[Area] = Field(default_factory=list)
    folder: Path

    @model_validator(mode="after")
    def _check_areas(self) -> Plan:
        ids = [s.id for s in self.satsingsomrader]
        if duplicates := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"plan.yaml: satsingsområder listed twice: {', '.join(duplicates)}")
        codes = [a.code for a in self.areas]
        if duplicates := sorted({c for c in codes if codes.count(c) > 1}):
            raise ValueError(f"areas.yaml: area codes used twice: {', '.join(duplicates)}")
        roots = [a for a in self.areas if a.parent is None]
        if len(roots) != 1 or roots[0].level != "kommune":
            raise ValueError("areas.yaml: exactly one area (the municipality, level 'kommune') has no parent")
        if unknown := sorted({a.parent for a in self.areas if a.parent is not None and a.parent not in codes}):
            raise ValueError(f"areas.yaml: parent codes that are no area: {', '.join(unknown)}")
        return self

    @property
    def root_area(self) -> Area:
        return next(a for a in self.areas if a.parent is None)

    @cached_property
    def municipality_short_name(self) -> str:
        """The municipality's name in the region-code table ("Tromsø")."""
        entry = region_codes().lookup(self.municipality.region_code)
        return entry.name if entry else self.municipality.name

    @cached_property
    def municipality_series(self) -> str:
        """The municipality's series key in the region-code table (the key the staged SSB tables carry)."""
        series = region_codes().series_of_code(self.municipality.region_code)
        if series is None:
            raise ValueError(
                f"plan.yaml: region code {self.municipality.region_code!r} is not in the region-code "
                "table (SBU_REGION_CODES_PATH)"
            )
        return series


def load_plan_folder(folder: Path) -> Plan:
    """A plan from its folder (``plan.yaml`` and ``areas.yaml``), validated."""
    doc = read_yaml(folder / "plan.yaml")
    areas = read_yaml(folder / "areas.yaml")
    if not isinstance(doc, dict) or not isinstance(areas, dict) or "areas" not in areas:
        raise ValueError("plan.yaml must be a mapping, and areas.yaml a mapping with a list 'areas'")
    return Plan.model_validate({**doc, "areas": areas["areas"], "folder": folder})


def load_plan(settings: Settings | None = None) -> Plan:
    """The selected plan (``SBU_PLAN``) from its folder."""
    settings = settings or get_settings()
    folder = settings.plan_dir
    if not (folder / "plan.yaml").exists():
        known = sorted(p.name for p in settings.plans_dir.glob("*") if (p / "plan.yaml").exists())
        raise FileNotFoundError(f"no plan {settings.plan!r} in {settings.plans_dir} (plans there: {', '.join(known)})")
    return load_plan_folder(folder)


def check_plan_folder(folder: Path) -> list[str]:
    """Everything wrong with a plan folder, as messages naming the file and the field; [] if none.

    Checks the four files against their schemas, the area hierarchy (one municipality at the top,
    every parent an area of the plan), the municipality's region code against the region-code table,
    and the targets against the metric catalogue (no unknown metric, every metric a target entry,
    a numeric target with a value and a year, versions 1, 2, 3 …), and the metrics against the
    library (no unknown metric, a metric of the plan's own with its SQL, a known satsingsområde)."""
    from pipelines.catalogue import load_catalogue, load_targets

    folder = Path(folder)
    problems = [f"{name}: the file is missing" for name in PLAN_FILES if not (folder / name).exists()]
    if problems:
        return problems
    plan = None
    try:
        plan = load_plan_folder(folder)
        plan.municipality_series  # noqa: B018 - resolves the region code, raising if it is unknown
        problems += comparator_problems(plan)
    except ValidationError as err:
        problems += [_where(e) + e["msg"].removeprefix("Value error, ") for e in err.errors()]
        plan = None
    except (ValueError, yaml.YAMLError) as err:
        problems.append(str(err))
    if plan is None:  # the metrics and targets are checked against a plan that loads
        return problems
    try:
        catalogue = load_catalogue(plan)
    except (ValueError, KeyError, TypeError, yaml.YAMLError) as err:
        text = str(err)
        return [*problems, text if "metrics.yaml" in text else f"metrics.yaml: {text}"]
    try:
        load_targets(folder / "targets.yaml", catalogue)
    except (ValueError, KeyError, TypeError, yaml.YAMLError) as err:
        text = str(err)
        problems.append(text if "targets.yaml" in text else f"targets.yaml: {text}")
    return problems


def comparator_problems(plan: Plan) -> list[str]:
    """The plan's named peers must be municipalities: a code of the region-code table (whose name the
    pages show), not the plan's own municipality, not named twice."""
    table = region_codes()
    problems = []
    own = plan.municipality_series
    seen: set[str] = set()
    for i, code in enumerate(plan.comparators.peers):
        where = f"plan.yaml: comparators.peers[{i}]: "
        entry = table.lookup(code)
        if entry is None:
            problems.append(
                f"{where}region code {code!r} is not in the region-code table (SBU_REGION_CODES_PATH); "
                "name a peer by a municipality code the table has"
            )
        elif entry.series == own:
            problems.append(f"{where}{code!r} is the plan's own municipality, not a peer")
        elif entry.series in seen:
            problems.append(f"{where}{entry.name} is named twice")
        else:
            seen.add(entry.series)
    return problems


PLAN_FILES = ("plan.yaml", "areas.yaml", "metrics.yaml", "targets.yaml")


def _where(error: dict) -> str:
    """ "areas.yaml: areas[3].parent: " from a Pydantic error location ("" for a whole-plan rule,
    whose message names its file)."""
    loc = list(error.get("loc", ()))
    if not loc:
        return ""
    file = "areas.yaml: " if loc[:1] == ["areas"] else "plan.yaml: "
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return file + (f"{path}: " if path else "")


def main(argv: list[str] | None = None) -> int:
    """``python -m pipelines.plan [FOLDER]``: check a plan folder (default: the selected plan)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m pipelines.plan", description="Check a plan folder.")
    parser.add_argument("folder", nargs="?", help="the plan folder (default: the one SBU_PLAN selects)")
    folder = Path(parser.parse_args(argv).folder or get_settings().plan_dir)
    problems = check_plan_folder(folder)
    if problems:
        print(f"Plan folder {folder}: {len(problems)} problem(s)", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    plan = load_plan_folder(folder)
    print(
        f"Plan folder {folder}: OK – {plan.plan.name} {plan.plan.period.start}–{plan.plan.period.end}, "
        f"{plan.municipality.name}, {len(plan.areas)} areas"
    )
    return 0


if __name__ == "__main__":
    # Run the module's import, not this __main__ copy, so its models are the ones the catalogue uses.
    from pipelines.plan import main as _main

    sys.exit(_main())
