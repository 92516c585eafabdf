"""The plan a deployment follows: one folder of configuration, ``catalogue/plans/<plan-id>/``.

- ``plan.yaml``: the municipality (its name and one of its region codes, which leads to its series
  in the region-code table) and the plan (name, period, adoption);
- ``areas.yaml``: the area hierarchy above the schools (the municipality, its parts or districts,
  teams), each with a code, a name, a level and a parent;
- ``targets.yaml``: the steering group's targets, versioned (read by :mod:`pipelines.catalogue`).

The setting ``SBU_PLAN`` selects the folder. SQL and Python read the plan from the tables the
``plan`` and ``areas`` assets load from here (``marts.plan``, ``marts.areas``) and never name a
municipality or an area themselves.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipelines.readers import region_codes
from pipelines.settings import Settings, get_settings

AreaLevel = Literal["kommune", "bydel", "skole", "team"]


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
    areas: list[Area] = Field(default_factory=list)
    folder: Path

    @model_validator(mode="after")
    def _check_areas(self) -> Plan:
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
        """The municipality's name in the region-code table ("Bærum")."""
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


def load_plan(settings: Settings | None = None) -> Plan:
    """The selected plan (``SBU_PLAN``) from its folder."""
    settings = settings or get_settings()
    folder = settings.plan_dir
    if not (folder / "plan.yaml").exists():
        known = sorted(p.name for p in settings.plans_dir.glob("*") if (p / "plan.yaml").exists())
        raise FileNotFoundError(f"no plan {settings.plan!r} in {settings.plans_dir} (plans there: {', '.join(known)})")
    doc = yaml.safe_load((folder / "plan.yaml").read_text(encoding="utf-8"))
    areas = yaml.safe_load((folder / "areas.yaml").read_text(encoding="utf-8"))["areas"]
    return Plan.model_validate({**doc, "areas": areas, "folder": folder})
