"""The one settings object: every path and threshold the project uses.

All paths come from environment variables with defaults under ``./data/<plan-id>``, so each plan
(``SBU_PLAN``) keeps its own landing files, warehouse, snapshot, reports and commentaries.
``SBU_DATA_DIR`` moves the whole data folder; the individual ``SBU_*`` variables override single
paths.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
# The Dagster run tag that fixes the day a run judges the status on (``--as-of`` of pipelines.run).
AS_OF_TAG = "as_of"
NORWAY = ZoneInfo("Europe/Oslo")
DEPLOYMENT_ENV = REPO_ROOT / "catalogue" / "deployment.env"


class Settings(BaseSettings):
    # catalogue/deployment.env holds the deployment's defaults (the selected plan); the environment wins.
    model_config = SettingsConfigDict(env_prefix="SBU_", extra="ignore", env_file=DEPLOYMENT_ENV)

    data_dir: Path | None = Field(default=None, description="Root of all data folders (default: data/<plan>).")
    landing_dir: Path | None = Field(default=None, description="Where source files are dropped.")
    quarantine_dir: Path | None = Field(default=None, description="Rejected files and reasons.")
    warehouse_path: Path | None = Field(default=None, description="DuckDB file the pipeline writes.")
    published_path: Path | None = Field(default=None, description="Read-only snapshot the dashboard reads.")
    reports_dir: Path | None = Field(default=None, description="Generated documents (status reports).")

    catalogue_path: Path = Field(
        default=REPO_ROOT / "catalogue" / "metrics.yaml", description="The metric library plans pick from."
    )
    plans_dir: Path = Field(default=REPO_ROOT / "catalogue" / "plans", description="One folder per plan.")
    plan: str = Field(description="The plan this deployment follows (a folder in plans_dir; catalogue/deployment.env).")
    targets_path: Path | None = Field(default=None, description="The plan's targets (default: its targets.yaml).")
    roles_path: Path | None = Field(
        default=None,
        description="Who may do what in the dashboard: identity-provider groups or claims mapped to roles "
        "(default: roles.yaml in the folder of the plan the published snapshot was made for; docs/howto.md, "
        "'Sign-in and roles').",
    )
    contracts_dir: Path = Field(default=REPO_ROOT / "data_contracts")
    sql_dir: Path = Field(default=REPO_ROOT / "sql")
    region_codes_path: Path = Field(
        default=REPO_ROOT / "catalogue" / "region_codes.csv",
        description="Municipality codes with validity periods, in the shape of SSB's KLASS 131 CSV export "
        "(replace with a full export to cover more municipalities).",
    )

    as_of: dt.date | None = Field(
        default=None,
        description="The day the status is judged on (decides what is 'foreldet' and overdue) when a run does "
        "not name one with its 'as_of' tag; unset: the day the run computes the scorecard, in Norway.",
    )
    duckdb_memory_limit: str = Field(
        default="512MB",
        description="DuckDB's memory_limit on the warehouse connections (its buffer pool; beyond it DuckDB spills "
        "to a temporary folder beside the warehouse). Keeps a city-sized refresh under 1 GiB (docs/deployment.md).",
    )
    demo_data: bool = Field(default=True, description="The landing data are the synthetic demo set; the UI says so.")
    ssb_base_url: str | None = Field(
        default=None,
        description="SSB's PxWebApi v2 (e.g. https://data.ssb.no/api/pxwebapi/v2); unset: fetching is off and "
        "the fetch assets write nothing (docs/howto.md, 'Fetching public statistics').",
    )
    fhi_base_url: str | None = Field(
        default=None,
        description="FHI Statistikk's Open API (e.g. https://statistikk-data.fhi.no/api/open/v1); unset: the FHI "
        "tables are not fetched.",
    )

    dagster_postgres_url: str | None = Field(
        default=None,
        description="Production profile: the Dagster instance (runs, events, schedules) on PostgreSQL, e.g. "
        "postgresql://dagster:secret@db.example/dagster; unset: SQLite files in <data_dir>/dagster_home "
        "(docs/deployment.md). Read from the environment when the instance starts, never written to disk.",
    )
    sensor_interval_seconds: int = Field(
        default=30,
        ge=1,
        description="How often the Dagster daemon's sensors look for new landing files and a newly published "
        "snapshot (seconds between their evaluations).",
    )

    # Small-number rules (docs/domain.md, "Privacy"): one place for the thresholds.
    min_count: int = Field(default=5, description="Counts below this are suppressed.")
    min_respondents: int = Field(default=10, description="Shares with fewer respondents/denominator are suppressed.")
    protection_width_setting: int | None = Field(
        default=None,
        alias="SBU_PROTECTION_WIDTH",
        description="How wide the interval an attacker can derive for a suppressed count must be (default: min_count).",
    )

    @property
    def plan_dir(self) -> Path:
        return self.plans_dir / self.plan

    @property
    def protection_width(self) -> int:
        return self.min_count if self.protection_width_setting is None else self.protection_width_setting

    @model_validator(mode="after")
    def _derive_paths(self) -> Settings:
        base = self.data_dir = self.data_dir or Path("data") / self.plan
        self.landing_dir = self.landing_dir or base / "landing"
        self.quarantine_dir = self.quarantine_dir or base / "quarantine"
        self.warehouse_path = self.warehouse_path or base / "warehouse" / "sbu.duckdb"
        self.published_path = self.published_path or base / "published" / "sbu.duckdb"
        self.reports_dir = self.reports_dir or base / "reports"
        self.targets_path = self.targets_path or self.plan_dir / "targets.yaml"
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def resolve_as_of(run_tag: str | None, settings: Settings | None = None) -> dt.date:
    """The day a run judges the status on: the run's ``as_of`` tag (YYYY-MM-DD), else the
    ``as_of`` setting (``SBU_AS_OF``), else today's date in Norway. Resolved once per run, by the
    scorecard; everything after it (the published snapshot, the report) takes it from there."""
    if run_tag:
        try:
            return dt.date.fromisoformat(run_tag.strip())
        except ValueError as exc:
            raise ValueError(f"run tag {AS_OF_TAG}={run_tag!r} is not a date (YYYY-MM-DD)") from exc
    settings = settings or get_settings()
    return settings.as_of or dt.datetime.now(NORWAY).date()
