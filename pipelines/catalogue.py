"""The metric catalogue and the steering group's targets, validated with Pydantic.

``catalogue/metrics.yaml`` says what each metric is; ``catalogue/plans/<plan>/targets.yaml`` holds the
versioned targets (Mål). Both are read here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipelines.settings import get_settings

Unit = Literal["percent", "count", "years", "per_1000"]
Direction = Literal["lower", "higher", "towards_target", "context"]
PeriodType = Literal["kalenderår", "skoleår", "undersøkelsesår"]
AreaLevel = Literal["kommune", "bydel", "skole", "team"]

# Finer levels come later; a metric shown at "skole" is also shown at "bydel" and "kommune".
LEVEL_RANK: dict[str, int] = {"kommune": 0, "bydel": 1, "skole": 2, "team": 2}


class Satsingsomrade(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    label: str


class Metric(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    definition: str
    numerator: str
    denominator: str | None
    unit: Unit
    direction: Direction
    owners: list[str] = Field(min_length=1)
    source: str
    period_type: PeriodType
    cadence_years: int = Field(ge=1)
    # Months from the end of a period's year until its figures are out: KOSTRA 2 (1 March of Y+1,
    # preliminary), Ungdata -4 (1 September of the survey year). A school year 2024/25 is Y = 2024.
    publication_lag_months: int = Field(default=5, ge=-12, le=24)
    # Where the first publication is preliminary, months until the final figures (KOSTRA: final in
    # mid-June of Y+1, so 6 = final from 1 July). Until then the latest value is "foreløpig".
    final_lag_months: int | None = Field(default=None, ge=-12, le=36)
    lowest_level: AreaLevel
    satsingsomrade: str
    baseline_year: int
    baseline_note: str | None = None
    plan_baseline: str | None = None
    kind: Literal["target", "context"]
    # Sampling error: Wilson for shares of people, exact Poisson for counts of events; "none" for
    # figures that are not counts of people or events (a share of kroner has no sampling error).
    uncertainty: Literal["wilson", "poisson", "none"] | None = None

    def published_on(self, period_year: int) -> dt.date:
        """The day period ``period_year``'s figures are due out."""
        return _months_after_year_end(period_year, self.publication_lag_months)

    def preliminary_on(self, period_year: int, on: dt.date) -> bool:
        """True while period ``period_year``'s figures are only the preliminary ones on ``on``."""
        return self.final_lag_months is not None and on < _months_after_year_end(period_year, self.final_lag_months)

    def newest_period_out(self, on: dt.date) -> int:
        """The newest period whose figures are due out by ``on``."""
        return (on.year * 12 + on.month - 1 - self.publication_lag_months) // 12 - 1

    @property
    def interval_method(self) -> str:
        if self.uncertainty:
            return self.uncertainty
        return {"percent": "wilson", "count": "poisson"}.get(self.unit, "none")


def _months_after_year_end(period_year: int, months: int) -> dt.date:
    """The first day of the month ``months`` after the end of ``period_year``."""
    index = (period_year + 1) * 12 + months
    return dt.date(index // 12, index % 12 + 1, 1)


class TargetVersion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    kind: Literal["numeric", "direction", "none"]
    value: float | None
    target_year: int | None
    decided_by: str
    decided_at: dt.date
    decision_ref: str
    note: str | None = None

    @model_validator(mode="after")
    def _value_matches_kind(self) -> TargetVersion:
        if self.kind == "numeric" and (self.value is None or self.target_year is None):
            raise ValueError("a numeric target needs value and target_year")
        if self.kind != "numeric" and self.value is not None:
            raise ValueError(f"a {self.kind!r} target must not have a value")
        return self


class MetricTargets(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metric_id: str
    versions: list[TargetVersion] = Field(min_length=1)

    @model_validator(mode="after")
    def _versions_increase(self) -> MetricTargets:
        numbers = [v.version for v in self.versions]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"{self.metric_id}: target versions must be 1, 2, 3 … in order, got {numbers}")
        return self

    @property
    def current(self) -> TargetVersion:
        return self.versions[-1]


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    satsingsomrader: list[Satsingsomrade]
    metrics: list[Metric]

    @model_validator(mode="after")
    def _consistent(self) -> Catalogue:
        ids = [m.id for m in self.metrics]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"duplicate metric ids: {sorted(dupes)}")
        areas = {s.id for s in self.satsingsomrader}
        for m in self.metrics:
            if m.satsingsomrade not in areas:
                raise ValueError(f"{m.id}: unknown satsingsomrade {m.satsingsomrade!r}")
        return self


def load_catalogue(path: Path | None = None) -> Catalogue:
    path = path or get_settings().catalogue_path
    return Catalogue.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


def load_targets(path: Path | None = None, catalogue: Catalogue | None = None) -> dict[str, MetricTargets]:
    path = path or get_settings().targets_path
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    targets = []
    for i, entry in enumerate(raw["targets"]):
        try:
            targets.append(MetricTargets.model_validate(entry))
        except ValidationError as err:  # name the entry, so a person finds it in the file
            metric = entry.get("metric_id") if isinstance(entry, dict) else None
            details = "; ".join(
                ".".join(str(p) for p in e["loc"]) + ": " + e["msg"].removeprefix("Value error, ") for e in err.errors()
            )
            raise ValueError(f"{Path(path).name}: targets[{i}] ({metric}): {details}") from err
    by_id = {t.metric_id: t for t in targets}
    if len(by_id) != len(targets):
        raise ValueError(f"{path}: a metric is listed twice")
    catalogue = catalogue or load_catalogue()
    known = {m.id for m in catalogue.metrics}
    unknown = set(by_id) - known
    if unknown:
        raise ValueError(f"{path}: targets for unknown metrics {sorted(unknown)}")
    missing = known - set(by_id)
    if missing:
        raise ValueError(f"{path}: no target entry for {sorted(missing)}")
    return by_id
