"""The one warehouse resource: a DuckDB file whose path comes from the settings."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.settings import get_settings


def warehouse_resource() -> DuckDBResource:
    path = get_settings().warehouse_path
    path.parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(database=str(path))


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(resources={"warehouse": warehouse_resource()})
