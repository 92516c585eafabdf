"""The blocking publication check `protection_intervals` on `metric_values`: before anything is
published, every suppressed cell must keep an attacker interval of at least the protection width.

A hand-made warehouse holds one Ungdata share for one area: girls 1 of 9 (too few respondents)
and boys 0 of 10. A suppression that hides the girls and, as the single complement, the boys but
shows the total "1 of 19" passes singleton elimination, yet an attacker reads girls + boys = 1,
so the girls' numerator lies in [0, 1]. The check must fail on that table and pass on the one
the engine publishes for the same cells.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster_duckdb import DuckDBResource

from pipelines.catalogue import load_catalogue
from pipelines.defs.metrics.assets import metric_values_protection_intervals
from pipelines.defs.resources import SbuSettings
from pipelines.metrics import engine
from pipelines.warehouse import build_table, replace_table

METRIC = "depressive_mood"  # a share of respondents (unit percent) in the real catalogue


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "hand_made.duckdb"
    con = duckdb.connect(str(path))
    replace_table(
        con,
        "marts.areas",
        pl.DataFrame(
            {"area_code": ["k"], "area_name": ["Fiktiv kommune"], "area_level": ["kommune"], "parent_code": [None]},
            schema={"area_code": pl.Utf8, "area_name": pl.Utf8, "area_level": pl.Utf8, "parent_code": pl.Utf8},
        ),
    )
    build_table(con, "marts", "area_ancestors")
    replace_table(
        con, "marts.metric_catalogue", pl.DataFrame({"metric_id": [METRIC], "period_type": ["år"], "unit": ["percent"]})
    )
    replace_table(
        con,
        "marts.metric_base",
        pl.DataFrame(
            {
                "metric_id": [METRIC, METRIC],
                "area_code": ["k", "k"],
                "year": [2014, 2014],
                "school_level": [None, None],
                "gender": ["jenter", "gutter"],
                "numerator": [1.0, 0.0],
                "denominator": [9.0, 10.0],
            },
            schema={
                "metric_id": pl.Utf8,
                "area_code": pl.Utf8,
                "year": pl.Int64,
                "school_level": pl.Utf8,
                "gender": pl.Utf8,
                "numerator": pl.Float64,
                "denominator": pl.Float64,
            },
        ),
    )
    con.close()
    return path


def run_check(path: Path) -> dg.AssetCheckResult:
    return metric_values_protection_intervals(warehouse=DuckDBResource(database=str(path)), settings=SbuSettings())


def published(path: Path) -> dict[str, tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "SELECT gender, numerator, denominator, suppression_reason FROM marts.metric_values "
            "WHERE metric_id = ? ORDER BY gender",
            [METRIC],
        ).fetchall()
    finally:
        con.close()
    return {gender: (numerator, denominator, reason) for gender, numerator, denominator, reason in rows}


def test_the_check_fails_when_a_shown_total_pins_a_suppressed_cell_and_passes_after_more_suppression(warehouse):
    con = duckdb.connect(str(warehouse))
    cells = engine.unsuppressed_cells(con, load_catalogue())
    assert sorted(cells.select("gender", "numerator", "denominator").rows()) == [
        ("alle", 1.0, 19.0),
        ("gutter", 0.0, 10.0),
        ("jenter", 1.0, 9.0),
    ]
    # The hand-made publication: girls primary, boys their single complement, total shown.
    hand_made = cells.with_columns(
        pl.col("gender")
        .replace_strict({"alle": None, "jenter": "faa_svar", "gutter": "komplementaer"}, return_dtype=pl.Utf8)
        .alias("suppression_reason")
    )
    hidden = pl.col("suppression_reason").is_not_null()
    replace_table(
        con,
        "marts.metric_values",
        hand_made.with_columns(
            hidden.alias("suppressed"),
            *[pl.when(hidden).then(None).otherwise(pl.col(c)).alias(c) for c in ("numerator", "denominator", "value")],
        ),
    )
    con.close()

    failed = run_check(warehouse)
    assert not failed.passed
    assert failed.metadata["cells_audited"].value == 2
    assert failed.metadata["too_narrow"].value == 2
    assert failed.metadata["narrowest_interval"].value == pytest.approx(1.0)  # [0, 1], by hand above

    # What the engine publishes for the same cells: the total is hidden as well (its numerator,
    # 1, is below the count threshold), and nothing is left to pin the parts.
    con = duckdb.connect(str(warehouse))
    engine.metric_values(con, load_catalogue(), min_count=5, min_n=10, protection_width=5)
    con.close()
    assert {g: r[2] for g, r in published(warehouse).items()} == {
        "alle": "liten_telling",
        "jenter": "faa_svar",
        "gutter": "liten_telling",
    }
    passed = run_check(warehouse)
    assert passed.passed
    assert passed.metadata["cells_audited"].value == 3
    # girls in [0, 9], boys in [0, 10], total in [0, 19]: the narrowest is the girls' 9
    assert passed.metadata["narrowest_interval"].value == pytest.approx(9.0)
