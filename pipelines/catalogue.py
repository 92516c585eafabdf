"""The metric catalogue of the selected plan, and its targets, validated with Pydantic.

The metric library (``catalogue/metrics.yaml``) says what each metric is and how it is measured; its
SQL is ``sql/metrics/<id>.sql``. A plan's ``metrics.yaml`` picks metrics from the library and adds
what belongs to the plan (owners, satsingsområde, 0-punkt year, target or context), may override a
library field, and may define metrics of its own (every field, SQL in the plan folder's
``sql/<id>.sql``). :func:`load_catalogue` merges the two into one :class:`Metric` per metric, in the
plan's order. ``targets.yaml`` in the plan folder holds the versioned targets (Mål). All of it is
read here and nowhere else."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipelines.plan import LEVEL_RANK, AreaLevel, Plan, Satsingsomrade, load_plan
from pipelines.settings import Settings, get_settings
from pipelines.yaml_file import read_yaml

__all__ = ["LEVEL_RANK", "AreaLevel", "Catalogue", "Metric", "NationalReference", "load_catalogue", "load_targets"]

Unit = Literal["percent", "count", "years", "per_1000"]
Direction = Literal["lower", "higher", "towards_target", "context"]
PeriodType = Literal["kalenderår", "skoleår", "undersøkelsesår"]

# The fields a plan gives for each metric it follows; every other field of a Metric comes from the
# library (or, for a metric of the plan's own, from the plan's metrics.yaml too).
PLAN_FIELDS = ("owners", "satsingsomrade", "baseline_year", "baseline_note", "plan_baseline", "kind")


class NationalReference(BaseModel):
    """Where a survey metric's Hele landet figure comes from: an indicator of FHI Statistikk's Ungdata
    tables (``staging.stg_ungdata_reference``), since the survey export carries the municipality's
    schools only. The comparisons step (``pipelines/metrics/comparison.py``) takes its national
    share as the metric's "Hele landet" value."""

    model_config = ConfigDict(extra="forbid")
    # FHI's indicator as it loads: the table's title (the JSON-stat dataset's label), e.g.
    # "Depressive symptomer (UNGDATA) (K)"; check it against the file or {base}/{bank}/Table.
    fhi_indicator: str = Field(min_length=1)
    # The project's Ungdata indicator id it stands for (the export's Indikator-id, stg_ungdata.indicator_id).
    ungdata_indicator: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    # The measure taken as the share, in percent (FHI's MEASURE_TYPE: MEIS = standardised percent, RATE).
    measure: str = "MEIS"


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
    # A survey metric's Hele landet figure from FHI Statistikk (None: Hele landet comes from the
    # metric's own SQL where its source carries the country, else there is none).
    national_reference: NationalReference | None = None
    # The SELECT of the metric's additive base cells: sql/metrics/<id>.sql, or the plan folder's
    # sql/<id>.sql for a metric of the plan's own (set by load_catalogue, not written in YAML).
    sql_file: Path

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
    def sql(self) -> str:
        """The metric's SELECT, without a trailing semicolon."""
        return self.sql_file.read_text(encoding="utf-8").strip().rstrip(";")

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

    def lead_metric(self, source: str) -> Metric | None:
        """The metric that sets a source's publication calendar: its most frequent, earliest
        published one (None when the plan follows no metric of the source)."""
        metrics = [m for m in self.metrics if m.source == source]
        return min(metrics, key=lambda m: (m.cadence_years, m.publication_lag_months)) if metrics else None

    def newest_period_out(self, source: str, on: dt.date) -> int | None:
        """The newest period of ``source`` due out by ``on`` (the rule "foreldet" and "overdue" are
        judged by); None when the plan follows no metric of the source."""
        lead = self.lead_metric(source)
        return None if lead is None else lead.newest_period_out(on)


def load_library(path: Path | None = None) -> tuple[int, dict[str, dict]]:
    """The metric library: its version and each metric's entry by id (validated when a plan picks it)."""
    path = Path(path or get_settings().catalogue_path)
    doc = read_yaml(path)
    entries = doc["metrics"]
    by_id = {e["id"]: e for e in entries}
    if len(by_id) != len(entries):
        raise ValueError(f"{path.name}: a metric id is used twice")
    if misplaced := sorted({k for e in entries for k in e if k in PLAN_FIELDS}):
        raise ValueError(f"{path.name}: {', '.join(misplaced)} belong in a plan's metrics.yaml, not the library")
    return doc["version"], by_id


def load_catalogue(
    plan: Plan | None = None, library_path: Path | None = None, *, settings: Settings | None = None
) -> Catalogue:
    """The plan's metrics: each entry of its metrics.yaml merged over the library's entry of the
    same id (a metric of the plan's own has no library entry), in the plan's order. ``plan``, the
    library and the SQL folder default to ``settings``' (None: the environment's)."""
    settings = settings or get_settings()
    plan = plan or load_plan(settings)
    version, library = load_library(library_path or settings.catalogue_path)
    path = plan.folder / "metrics.yaml"
    doc = read_yaml(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("metrics"), list):
        raise ValueError("metrics.yaml: must be a mapping with a list 'metrics'")
    metrics = []
    for i, entry in enumerate(doc["metrics"]):
        metric_id = entry.get("id") if isinstance(entry, dict) else None
        where = f"metrics.yaml: metrics[{i}] ({metric_id})"
        if not isinstance(entry, dict) or not metric_id:
            raise ValueError(f"{where}: each entry needs an id")
        own_sql = plan.folder / "sql" / f"{metric_id}.sql"
        if metric_id not in library and not own_sql.exists():
            raise ValueError(
                f"{where}: no metric {metric_id!r} in the library ({Path(settings.catalogue_path).name}), and no "
                f"sql/{metric_id}.sql in the plan folder for a metric of the plan's own"
            )
        # The plan folder's SQL wins: a metric of the plan's own, or the plan's own way to compute one.
        sql_file = own_sql if own_sql.exists() else Path(settings.sql_dir) / "metrics" / f"{metric_id}.sql"
        try:
            metric = Metric.model_validate({**library.get(metric_id, {}), **entry, "sql_file": sql_file})
        except ValidationError as err:
            raise ValueError(f"{where}: {_errors(err)}") from err
        if not metric.sql_file.exists():
            raise ValueError(f"{where}: the library's SQL file is missing ({metric.sql_file})")
        metrics.append(metric)
    try:
        return Catalogue(version=version, satsingsomrader=plan.satsingsomrader, metrics=metrics)
    except ValidationError as err:
        raise ValueError(f"metrics.yaml: {_errors(err)}") from err


def _errors(err: ValidationError) -> str:
    """Pydantic's errors as "field: message; …" for a person to find in the file."""
    return "; ".join(
        ".".join(str(p) for p in e["loc"]) + ": " + e["msg"].removeprefix("Value error, ") for e in err.errors()
    )


def load_targets(
    path: Path | None = None, catalogue: Catalogue | None = None, *, settings: Settings | None = None
) -> dict[str, MetricTargets]:
    """Every metric's target versions from ``path``, checked against ``catalogue``; both default to
    ``settings``' plan (None: the environment's)."""
    settings = settings or get_settings()
    path = path or settings.targets_path
    raw = read_yaml(path)
    targets = []
    for i, entry in enumerate(raw["targets"]):
        try:
            targets.append(MetricTargets.model_validate(entry))
        except ValidationError as err:  # name the entry, so a person finds it in the file
            metric = entry.get("metric_id") if isinstance(entry, dict) else None
            raise ValueError(f"{Path(path).name}: targets[{i}] ({metric}): {_errors(err)}") from err
    by_id = {t.metric_id: t for t in targets}
    if len(by_id) != len(targets):
        raise ValueError(f"{path}: a metric is listed twice")
    catalogue = catalogue or load_catalogue(settings=settings)
    known = {m.id for m in catalogue.metrics}
    unknown = set(by_id) - known
    if unknown:
        raise ValueError(f"{path}: targets for unknown metrics {sorted(unknown)}")
    missing = known - set(by_id)
    if missing:
        raise ValueError(f"{path}: no target entry for {sorted(missing)}")
    return by_id
