"""Contract rules as Dagster asset checks on the loaded tables: they fail on bad loaded data or
schema drift, and being blocking, a failed check stops the assets downstream."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.defs.resources import SbuSettings, pipeline_resources
from pipelines.ingest.contracts import load_contract, rules_for
from pipelines.settings import get_settings
from tests.conftest import use_data_dir


def _run(defs, selection: list[str]) -> dg.ExecuteInJobResult:
    return dg.materialize(
        list(defs.assets),
        selection=selection,
        raise_on_error=False,
        resources=pipeline_resources(SbuSettings()),
        instance=dg.DagsterInstance.ephemeral(),
    )


def test_every_contract_rule_is_in_a_blocking_check():
    """One blocking check per contract table, listing every rule of the table (its metadata in
    the Dagster UI)."""
    from pipelines.definitions import defs

    specs = {(spec.asset_key.to_user_string(), spec.name): spec for a in defs.assets for spec in a.check_specs}
    for source in ("ungdata", "absence", "services", "child_welfare"):
        tables = load_contract(source).tables
        assert {name for (asset, name) in specs if asset == source} == {f"{t.name}__contract" for t in tables}
        for t in tables:
            spec = specs[(source, f"{t.name}__contract")]
            assert spec.blocking
            names = [r.name for r in rules_for(t)]
            assert names and list(spec.metadata["rules"].data) == names


def _staged_district(warehouse: Path) -> str | None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        sql = "SELECT district FROM staging.stg_school_register WHERE area_code = 'skole:9101'"
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_failed_check_on_loaded_data_blocks_downstream(tmp_path: Path, demo_data_dir: Path):
    data = tmp_path / "data"
    shutil.copytree(demo_data_dir / "landing" / "school_register", data / "landing" / "school_register")
    use_data_dir(data)
    try:
        from pipelines.definitions import defs

        warehouse = get_settings().warehouse_path
        warehouse.parent.mkdir(parents=True)
        first = _run(defs, ["school_register", "stg_school_register", "areas"])
        assert first.success
        assert all(c.passed for c in first.get_asset_check_evaluations())

        staged = _staged_district(warehouse)
        assert staged and staged != "Sentrum"

        # Someone edits the loaded table by hand: an unknown district.
        con = duckdb.connect(str(warehouse))
        con.execute("UPDATE raw.school_register SET district = 'Sentrum' WHERE school_number = '9101'")
        con.close()

        second = _run(defs, ["school_register", "stg_school_register", "areas"])
        failed = [c for c in second.get_asset_check_evaluations() if not c.passed]
        assert [c.check_name for c in failed] == ["school_register__contract"]
        # The rule that failed is named in the check's metadata, with its row and value.
        (check,) = failed
        assert check.metadata["failed_rules"].data == ["school_register__district__valid_values"]
        rule = check.metadata["school_register__district__valid_values"].data
        assert rule["failing_rows"] == 1 and rule["examples"][0]["value"] == "Sentrum"
        assert check.metadata["school_register__school_number__required"].data["passed"]
        ran = {e.asset_key.to_user_string() for e in second.get_asset_materialization_events()}
        # Neither its staging model nor the areas built from it ran: the checks are blocking.
        assert ran == {"school_register"}
        assert _staged_district(warehouse) == staged  # the staged table keeps the last checked data
        assert not second.success
    finally:
        use_data_dir(demo_data_dir)


def test_schema_checks_fail_on_a_table_that_drifted_from_its_contract():
    """The loader rebuilds a drifted table before checking (see test_ingest_idempotence); the
    schema checks guard that invariant and fail when it does not hold."""
    from pipelines.defs.sources.assets import evaluate_rules

    contract = load_contract("absence")
    rules = {r.name: r for r in rules_for(contract.tables[0])}
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.absence (school_year VARCHAR, school_number VARCHAR, pupils VARCHAR, _row BIGINT)")
    columns, pupils = evaluate_rules(con, [rules["absence__columns_present"], rules["absence__pupils__type"]], contract)
    assert not columns.passed
    assert columns.failing_rows == 4  # school_name, district and the two absence counts
    assert not pupils.passed  # VARCHAR, not BIGINT
    con.execute("ALTER TABLE raw.absence ALTER pupils TYPE BIGINT")
    assert evaluate_rules(con, [rules["absence__pupils__type"]], contract)[0].passed


def test_rule_counts_of_the_one_scan_equal_each_rules_own_query(loaded_data_dir: Path):
    """``failing_counts`` counts most rules in one scan of the table (a row condition, a duplicate
    key, a contract SQL rule of the form SELECT COUNT(*) … WHERE <one-row condition>): on tables
    damaged on purpose (negated and tripled numbers, blanks, over-long texts, duplicated rows) every
    rule's count equals the count of that rule's own query."""
    from pipelines.ingest.contracts import contract_sources
    from pipelines.ingest.landing import load_registers
    from pipelines.ingest.validate import failing_counts

    con = duckdb.connect(str(loaded_data_dir / "warehouse" / "sbu.duckdb"))
    registers = load_registers(con)
    failing_rules = 0
    for source in contract_sources():
        for table in load_contract(source).tables:
            con.execute(f"CREATE OR REPLACE TEMP TABLE damaged AS SELECT * FROM raw.{table.name}")
            columns = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'raw' AND table_name = ? AND column_name NOT LIKE '\\_%' ESCAPE '\\'",
                [table.name],
            ).fetchall()
            for column, kind in columns:
                if kind in ("BIGINT", "INTEGER", "DOUBLE"):
                    con.execute(f'UPDATE damaged SET "{column}" = -"{column}" * 3 WHERE rowid % 7 = 1')
                if kind == "VARCHAR":
                    con.execute(f"UPDATE damaged SET \"{column}\" = repeat('x', 400) WHERE rowid % 13 = 3")
                con.execute(f'UPDATE damaged SET "{column}" = NULL WHERE rowid % 11 = 2')
            con.execute("INSERT INTO damaged SELECT * FROM damaged WHERE rowid % 17 = 4")
            for rule, sql, failing in failing_counts(con, rules_for(table, None, None, registers), "damaged"):
                (own,) = con.execute(f"SELECT COUNT(*) FROM ({sql})").fetchone()
                assert failing == own, (source, table.name, rule.name)
                failing_rules += own > 0
    con.close()
    assert failing_rules > 50  # the damage breaks many rules, so the counts compared are not all 0
