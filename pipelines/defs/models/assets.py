"""SQL models: every SQL file stored as a table is an asset of its own, made by one factory.

``sql/staging/<name>.sql`` becomes ``staging.<name>`` (asset ``<name>``, group ``staging``), one per
raw table; the mart models (``MART_MODELS`` in ``pipelines/sql_lineage.py``, today
``area_ancestors``) become ``marts.<name>`` in group ``reference``, so they run with the reference
data they are built from. Each asset's deps are the assets that write the tables its SQL reads,
read from the SQL by the parser: the graph's lineage is the SQL's. A staging model reads its
source's raw table, so the source's blocking contract checks stop it in the same run.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.reference.assets import REFERENCE_GROUP
from pipelines.instance import WAREHOUSE_POOL
from pipelines.sql_lineage import SqlModel, sql_models, table_writers, upstream_assets
from pipelines.warehouse import build_table

STAGING_GROUP = "staging"
GROUP_OF_LAYER = {"staging": STAGING_GROUP, "marts": REFERENCE_GROUP}


def _description(model: SqlModel, sql: str) -> str:
    """The SQL file's leading comment, else its path."""
    comment = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        comment.append(line.removeprefix("--").strip())
    return " ".join(comment) or model.origin


def build_sql_model_asset(model: SqlModel, writers: dict[str, str]) -> dg.AssetsDefinition:
    sql = model.sql()

    @dg.asset(
        name=model.name,
        deps=upstream_assets({model.origin: sql}, writers),
        pool=WAREHOUSE_POOL,
        group_name=GROUP_OF_LAYER[model.layer],
        kinds={"duckdb"},
        description=_description(model, sql),
        metadata={"sql": model.origin, "dagster/table_name": model.table},
    )
    def _sql_model(warehouse: DuckDBResource) -> dg.MaterializeResult:
        with warehouse.get_connection() as con:
            rows = build_table(con, model.layer, model.name)
        return dg.MaterializeResult(metadata={"rows": rows})

    return _sql_model


_WRITERS = table_writers()
SQL_MODEL_ASSETS = [build_sql_model_asset(m, _WRITERS) for m in sql_models()]


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=SQL_MODEL_ASSETS)
