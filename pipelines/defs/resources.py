"""The deployment's settings and the warehouse, as Dagster resources every asset receives.

``settings`` (:class:`SbuSettings`) holds what a run depends on: the plan, the data folders, the
small-number thresholds, the status day and the demo flag. A field left unset (None) is the
environment's value (``SBU_*``, :class:`pipelines.settings.Settings`), read when a run or a sensor
tick first asks for it (once per run or tick), not when the code location loads, so a process that
points ``SBU_DATA_DIR`` elsewhere after loading (a test, a second data folder) is followed. A field set in the Dagster UI's
launchpad (``resources: settings: config: …``) or in code overrides the environment for that run.

``warehouse`` (:class:`WarehouseResource`) is the DuckDB file the pipeline writes: the settings'
warehouse path unless its own ``database`` is set, opened with the settings' DuckDB ``memory_limit``
(``SBU_DUCKDB_MEMORY_LIMIT``, default 512MB) unless its ``connection_config`` names one.
"""

# No ``from __future__ import annotations`` here: Dagster reads the resources' field annotations.

from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import Field, PrivateAttr, ValidationError

from pipelines.settings import Settings

# The settings a run can override, each by the keyword ``Settings`` takes it as (its environment
# variable for ``protection_width``, whose default follows ``min_count``).
OVERRIDABLE = {
    "plan": "plan",
    "data_dir": "data_dir",
    "landing_dir": "landing_dir",
    "quarantine_dir": "quarantine_dir",
    "warehouse_path": "warehouse_path",
    "published_path": "published_path",
    "reports_dir": "reports_dir",
    "min_count": "min_count",
    "min_respondents": "min_respondents",
    "protection_width": "SBU_PROTECTION_WIDTH",
    "as_of": "as_of",
    "demo_data": "demo_data",
    "ssb_base_url": "ssb_base_url",
    "fhi_base_url": "fhi_base_url",
}


class SbuSettings(dg.ConfigurableResource):
    """The deployment's settings for one run. Every field left unset is the environment's
    (``SBU_<FIELD>``, else its default); paths that are not set anywhere follow ``data_dir``, and
    ``data_dir`` follows ``plan`` (``data/<plan>``). :meth:`effective` gives the settings the run uses."""

    plan: str | None = Field(default=None, description="The plan (a folder in catalogue/plans/). Unset: SBU_PLAN.")
    data_dir: str | None = Field(
        default=None, description="Root of every data folder below. Unset: SBU_DATA_DIR, else data/<plan>."
    )
    landing_dir: str | None = Field(default=None, description="Delivered files. Unset: <data_dir>/landing.")
    quarantine_dir: str | None = Field(default=None, description="Rejected files. Unset: <data_dir>/quarantine.")
    warehouse_path: str | None = Field(
        default=None, description="The DuckDB file the pipeline writes. Unset: <data_dir>/warehouse/sbu.duckdb."
    )
    published_path: str | None = Field(
        default=None, description="The snapshot the dashboard reads. Unset: <data_dir>/published/sbu.duckdb."
    )
    reports_dir: str | None = Field(default=None, description="Status report PDFs. Unset: <data_dir>/reports.")
    min_count: int | None = Field(
        default=None, description="Counts below this are suppressed. Unset: SBU_MIN_COUNT, 5."
    )
    min_respondents: int | None = Field(
        default=None, description="Shares with fewer respondents are suppressed. Unset: SBU_MIN_RESPONDENTS, 10."
    )
    protection_width: int | None = Field(
        default=None,
        description="Narrowest interval an attacker may derive for a suppressed cell. Unset: SBU_PROTECTION_WIDTH, "
        "else min_count.",
    )
    as_of: str | None = Field(
        default=None,
        description="The day the status is judged on (YYYY-MM-DD) when the run has no 'as_of' tag. Unset: SBU_AS_OF, "
        "else today in Norway.",
    )
    demo_data: bool | None = Field(
        default=None, description="The landing data are the synthetic demo set. Unset: SBU_DEMO_DATA, true."
    )
    ssb_base_url: str | None = Field(
        default=None,
        description="SSB's PxWebApi v2 base URL; turns fetching on. Unset: SBU_SSB_BASE_URL, else fetching is off.",
    )
    fhi_base_url: str | None = Field(
        default=None,
        description="FHI Statistikk's Open API base URL; turns the FHI fetches on. Unset: SBU_FHI_BASE_URL, else off.",
    )

    # Within a run (or a sensor tick) the settings are read once, when a step first asks: every
    # asset and check asks, and reading the environment into ``Settings`` costs milliseconds each.
    _in_run: bool = PrivateAttr(default=False)
    _read: Settings | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._in_run, self._read = True, None

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._in_run, self._read = False, None

    def overrides(self) -> dict[str, object]:
        """The fields this resource sets, by name."""
        return {name: value for name in OVERRIDABLE if (value := getattr(self, name)) is not None}

    def effective(self) -> Settings:
        """The settings in force: this resource's fields over the environment, read now. Paths not
        set anywhere are derived from the (possibly overridden) ``data_dir`` and ``plan``. In a run,
        read once (at the first call) and the same for all of its steps."""
        if self._read is not None:
            return self._read
        try:
            settings = Settings(**{OVERRIDABLE[name]: value for name, value in self.overrides().items()})
        except ValidationError as err:
            field = {keyword: name for name, keyword in OVERRIDABLE.items()}
            problems = "; ".join(
                f"{field.get(str(e['loc'][0]), e['loc'][0]) if e['loc'] else ''}={e['input']!r}: {e['msg']}"
                for e in err.errors(include_url=False)
            )
            raise ValueError(f"resource 'settings': {problems}") from err
        if self._in_run:
            self._read = settings
        return settings


class WarehouseResource(DuckDBResource):
    """The warehouse. Left empty, ``database`` is the settings resource's warehouse path, resolved
    each time a run opens a connection (so it follows the run's settings and the environment then,
    not when the code location was loaded).

    Inside a run the database is opened once: each ``get_connection`` is a cursor on it (a cursor is
    a connection of its own to the same database, with its own transaction), and the database is
    closed, with its checkpoint, when the run's resources are torn down, also when a step fails.
    Opening and checkpointing the file for every asset and check cost more than most of the steps.
    Outside a run (a test calling the resource directly) every ``get_connection`` opens and closes
    the file, as before."""

    database: str = ""
    settings: SbuSettings
    _in_run: bool = PrivateAttr(default=False)
    _open: tuple[str, AbstractContextManager, duckdb.DuckDBPyConnection] | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._in_run = True

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._in_run = False
        self._close()

    def _close(self) -> None:
        if self._open is not None:
            _, manager, _ = self._open
            self._open = None
            manager.__exit__(None, None, None)

    def _path(self) -> tuple[Path, dict]:
        settings = self.settings.effective()
        # The settings' memory limit unless the resource's own connection_config names one.
        config = {"memory_limit": settings.duckdb_memory_limit, **self.connection_config}
        if self.database:
            return Path(self.database), config
        path = settings.warehouse_path
        path.parent.mkdir(parents=True, exist_ok=True)
        return path, config

    @contextmanager
    def get_connection(self):
        path, config = self._path()
        if not self._in_run:
            with DuckDBResource(database=str(path), connection_config=config).get_connection() as con:
                yield con
            return
        if self._open is None or self._open[0] != str(path):
            self._close()
            # DuckDBResource's own retrying open, kept open until teardown.
            manager = DuckDBResource(database=str(path), connection_config=config).get_connection()
            self._open = (str(path), manager, manager.__enter__())
        cursor = self._open[2].cursor()
        try:
            yield cursor
        finally:
            cursor.close()


def pipeline_resources(settings: SbuSettings) -> dict[str, dg.ConfigurableResource]:
    """The resources the assets need, the warehouse reading its path from ``settings``: pass the same
    settings object to both, so a run's overrides reach the warehouse too."""
    return {"settings": settings, "warehouse": WarehouseResource(settings=settings)}


@dg.definitions
def defs() -> dg.Definitions:
    # Configured at launch, so a run's settings in the launchpad reach the warehouse's nested
    # settings as well; with no config every field is unset and the environment decides.
    return dg.Definitions(resources=pipeline_resources(SbuSettings.configure_at_launch()))
