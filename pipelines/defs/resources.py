"""The one warehouse resource: a DuckDB file whose path comes from the settings."""

from contextlib import contextmanager

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.settings import get_settings


class WarehouseResource(DuckDBResource):
    """The warehouse. Left empty, ``database`` is the settings' warehouse path, read each time a
    run opens a connection rather than once when the code location is loaded, so a process that
    points ``SBU_DATA_DIR`` elsewhere (a test, a second data folder) never writes into the
    warehouse of the folder it started with."""

    database: str = ""

    @contextmanager
    def get_connection(self):
        if self.database:
            with super().get_connection() as con:
                yield con
            return
        path = get_settings().warehouse_path
        path.parent.mkdir(parents=True, exist_ok=True)
        with DuckDBResource(database=str(path), connection_config=self.connection_config).get_connection() as con:
            yield con


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(resources={"warehouse": WarehouseResource()})
