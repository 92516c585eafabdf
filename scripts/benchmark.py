"""Benchmark: wall time of the pipeline on the bundled demo data, per asset, with figures.

Runs in a temporary data folder: generate the demo landing files, run the ``refresh_all`` job
twice in process (a cold load, then a rerun where every file is already loaded), then the status
report of the latest report year (as ``make pipeline`` does), and print the step times from
Dagster's own events, plus the sizes of what was produced.

    make benchmark        # or: .venv/bin/python scripts/benchmark.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="sbu_bench_"))
    os.environ["SBU_DATA_DIR"] = str(tmp)
    os.environ["DAGSTER_HOME"] = str(tmp / "dagster_home")
    (tmp / "dagster_home").mkdir()
    (tmp / "dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")

    import dagster as dg
    import duckdb

    from pipelines.demo import generate

    t0 = time.perf_counter()
    landing = generate(tmp / "landing")
    files = [p for p in landing.rglob("*") if p.is_file()]
    gen_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    from pipelines.definitions import defs

    import_s = time.perf_counter() - t0
    from pipelines.defs.serving.report import latest_report_year
    from pipelines.run import build_status_report, refresh

    print(
        f"demo data: {len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.2f} MB, generated in {gen_s:.2f} s"
    )
    print(f"loading the Dagster definitions: {import_s:.2f} s")

    with dg.DagsterInstance.get() as instance:
        runs = [
            ("cold run (every file new)", lambda: refresh(defs, instance)),
            ("rerun (every file already loaded)", lambda: refresh(defs, instance)),
            ("status report of the latest report year", lambda: build_status_report(defs, instance, year)),
        ]
        year = None
        for label, run in runs:
            t0 = time.perf_counter()
            result = run()
            wall = time.perf_counter() - t0
            if not result.success:
                print(f"{label}: FAILED", file=sys.stderr)
                return 1
            if year is None:  # the report that is due after the first publication
                year = latest_report_year(result.asset_materializations_for_node("published_snapshot")[0])
            steps = {}
            for event in result.all_events:
                if event.event_type_value == "STEP_SUCCESS":
                    steps[event.step_key] = event.event_specific_data.duration_ms / 1000
            print(f"\n{label}: {wall:.2f} s wall, {len(steps)} steps, sum of steps {sum(steps.values()):.2f} s")
            for key, secs in sorted(steps.items(), key=lambda kv: -kv[1]):
                print(f"  {key:<28} {secs:6.2f} s")

    con = duckdb.connect(str(tmp / "published" / "sbu.duckdb"), read_only=True)
    (mv,) = con.execute("SELECT COUNT(*) FROM metric_values").fetchall()[0]
    m, a, y, n = con.execute(
        "SELECT COUNT(DISTINCT metric_id), COUNT(DISTINCT area_code), COUNT(DISTINCT report_year), COUNT(*) "
        "FROM scorecard"
    ).fetchall()[0]
    (supp,) = con.execute("SELECT COUNT(*) FROM metric_values WHERE suppressed").fetchall()[0]
    con.close()
    print(
        f"\npublished: {mv} metric values ({supp} suppressed); scorecard {n} rows = "
        f"{m} metrics x {a} areas x {y} report years (x survey groups where they apply)"
    )
    print(
        f"snapshot size: {(tmp / 'published' / 'sbu.duckdb').stat().st_size / 1e6:.2f} MB; "
        f"warehouse: {(tmp / 'warehouse' / 'sbu.duckdb').stat().st_size / 1e6:.2f} MB"
    )
    print(f"data folder: {tmp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
