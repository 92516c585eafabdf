"""Benchmark: the pipeline against Dagster's own floor, and at city size (issue 13).

Every measurement runs in a fresh Python process with a fresh data folder and a fresh, persistent
Dagster instance (``<data>/dagster_home``, the ``dagster.yaml`` of ``pipelines/instance.py``), and
times the job's ``execute_in_process`` inside that process (the same method for the pipeline and
the floor; importing the code location and generating the demo files are not in the figure):

* ``refresh_s``: ``refresh_all`` on the bundled demo data of the selected plan, median of
  ``--repeat`` (3) runs;
* ``floor_s``: the same number of trivial DuckDB assets (one ``CREATE OR REPLACE TABLE`` each, a
  chain, in the same pool, on the same kind of instance) as ``refresh_all`` has steps, median of
  as many runs, interleaved with the refreshes so both see the same machine load;
* ``ratio``: ``refresh_s / floor_s`` (goal: at most 1.5);
* ``scale``: a city-sized synthetic plan (``city_plan``: 15 districts, 165 schools and 15 family
  teams, data from 2014) at each factor of ``--scales`` (1, 4, 16: that many times the districts,
  schools and teams), one run each: seconds and the peak resident memory (MiB) of the process;
* ``second_run_s``: a second ``python -m pipelines.run`` on a data folder with nothing changed since
  the first (``make run``'s pipeline step; it skips the refresh and the report), whole process;
* ``load``: the dashboard under load on that data folder, ``scripts/loadtest.py`` in its own
  process (20 browser sessions through the five pages for 120 s while a refresh publishes twice:
  ``sessions``, ``pages``, ``errors``, ``p50_s``, ``p95_s``, ``warm_page_s``, ``filter_change_s``
  and more); ``--no-load`` (``make benchmark LOAD=0``) skips it: null.

The last line of the output is one JSON object with these keys.

    make benchmark        # or: .venv/bin/python scripts/benchmark.py [--repeat 3] [--scales 1,4,16] [--no-load]
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-04-15"  # the status day of every run, so runs on different days compare
CITY_TEMPLATE = "fjordvik-oppvekst-2022-2027"  # fictional: the city plan is made from it
CITY_PLAN = "storby-benchmark"
CITY_DISTRICTS = 15
CITY_SCHOOLS_PER_DISTRICT = {"barneskole": 6, "ungdomsskole": 3, "vgs": 2}  # 11 x 15 = 165, + 15 teams
CITY_FIRST_YEAR = 2014


# -- the city-sized plan -----------------------------------------------------------------------


def city_plan(plans_dir: Path, factor: int = 1) -> str:
    """Write a FICTIONAL city-sized plan into ``plans_dir`` and return its id.

    Made from the fictional Fjordvik plan (same metrics, targets and services), with
    ``15 * factor`` districts, each with 11 schools and one family team, data from 2014, and the
    municipality's SSB figures scaled with the number of districts."""
    template = REPO / "catalogue" / "plans" / CITY_TEMPLATE
    folder = plans_dir / CITY_PLAN
    shutil.copytree(template, folder)
    plan = yaml.safe_load((folder / "plan.yaml").read_text(encoding="utf-8"))
    plan["id"] = CITY_PLAN
    (folder / "plan.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), encoding="utf-8")

    n = CITY_DISTRICTS * factor
    districts = [f"d{i:03d}" for i in range(1, n + 1)]
    teams = [f"team:familie_{d}" for d in districts]
    top = next(a for a in yaml.safe_load((template / "areas.yaml").read_text(encoding="utf-8"))["areas"])
    areas = [top]
    areas += [
        {"code": d, "name": f"Oppvekstområde {d[1:]}", "level": "bydel", "parent": top["code"]} for d in districts
    ]
    areas += [
        {"code": t, "name": f"Familieteam {d[1:]}", "level": "team", "parent": d}
        for d, t in zip(districts, teams, strict=True)
    ]
    (folder / "areas.yaml").write_text(yaml.safe_dump({"areas": areas}, allow_unicode=True), encoding="utf-8")

    demo = yaml.safe_load((folder / "demo.yaml").read_text(encoding="utf-8"))
    grow = n / len(demo["districts"])
    demo["years"]["first"] = CITY_FIRST_YEAR
    demo["survey_years"] = sorted({*range(demo["survey_years"][0], CITY_FIRST_YEAR - 1, -3), *demo["survey_years"]})
    demo["municipality"] = {k: (v * grow if k != "vgs_completion" else v) for k, v in demo["municipality"].items()}
    number = 50000
    demo["districts"] = {}
    for d in districts:
        schools = []
        for kind, how_many in CITY_SCHOOLS_PER_DISTRICT.items():
            for j in range(how_many):
                number += 1
                schools.append(
                    {"number": str(number), "name": f"Skole {number}", "kind": kind, "size": 0.7 + 0.1 * (j % 5)}
                )
        demo["districts"][d] = {"ppt_share": round(1 / n, 6), "schools": schools}
    demo["ppt"] = {k: v * grow for k, v in demo["ppt"].items()}
    for row in demo["services"]:
        for part in ("nevner", "teller", "verdi"):
            model = row.get(part) or {}
            for kind, spec in model.items():
                if not isinstance(spec, dict):
                    continue
                if kind == "fixed":
                    model[kind] = {d: 15 for d in districts}
                elif "per_area" in spec:
                    level = "team" if any(k.startswith("team:") for k in spec["per_area"]) else "bydel"
                    spec["per_area"] = {a: 1.0 for a in (teams if level == "team" else districts)}
    (folder / "demo.yaml").write_text(yaml.safe_dump(demo, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return CITY_PLAN


# -- workers: each measurement in its own process ----------------------------------------------


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _worker_generate() -> dict:
    from pipelines.demo import generate
    from pipelines.settings import get_settings

    started = time.perf_counter()
    landing = generate(get_settings().landing_dir)
    files = [p for p in landing.rglob("*") if p.is_file()]
    return {
        "seconds": time.perf_counter() - started,
        "files": len(files),
        "mb": sum(p.stat().st_size for p in files) / 1e6,
    }


def _worker_refresh() -> dict:
    import dagster as dg

    from pipelines.instance import ensure_dagster_home

    ensure_dagster_home()
    started = time.perf_counter()
    from pipelines.definitions import defs

    import_s = time.perf_counter() - started
    job = defs.resolve_job_def("refresh_all")
    with dg.DagsterInstance.get() as instance:
        started = time.perf_counter()
        result = job.execute_in_process(instance=instance, raise_on_error=False, tags={"as_of": AS_OF})
        seconds = time.perf_counter() - started
    steps: dict[str, float] = {}
    checks = 0
    for event in result.all_events:
        if event.event_type_value == "STEP_SUCCESS":
            steps[event.step_key] = event.event_specific_data.duration_ms / 1000
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            checks += 1
    return {
        "success": result.success,
        "seconds": seconds,
        "import_s": import_s,
        "steps": steps,
        "checks": checks,
        "events": len(result.all_events),
        "peak_mib": _peak_mib(),
    }


def _worker_floor(n_steps: int) -> dict:
    """``n_steps`` trivial DuckDB assets in a chain, in the warehouse pool, on the same kind of
    persistent instance: what any Dagster job of that many steps costs here."""
    import dagster as dg
    from dagster_duckdb import DuckDBResource

    from pipelines.instance import WAREHOUSE_POOL, ensure_dagster_home
    from pipelines.settings import get_settings

    ensure_dagster_home()

    def trivial(i: int) -> dg.AssetsDefinition:
        @dg.asset(name=f"trivial_{i:03d}", deps=[f"trivial_{i - 1:03d}"] if i else [], pool=WAREHOUSE_POOL)
        def _asset(warehouse: DuckDBResource) -> None:
            with warehouse.get_connection() as con:
                con.execute(f"CREATE OR REPLACE TABLE trivial_{i:03d} AS SELECT {i} AS i")

        return _asset

    warehouse = get_settings().warehouse_path
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    defs = dg.Definitions(
        assets=[trivial(i) for i in range(n_steps)],
        jobs=[dg.define_asset_job("floor", executor_def=dg.in_process_executor)],
        resources={"warehouse": DuckDBResource(database=str(warehouse))},
    )
    job = defs.resolve_job_def("floor")
    with dg.DagsterInstance.get() as instance:
        started = time.perf_counter()
        result = job.execute_in_process(instance=instance, raise_on_error=False)
        seconds = time.perf_counter() - started
    return {"success": result.success, "seconds": seconds, "events": len(result.all_events), "peak_mib": _peak_mib()}


def _run_worker(kind: str, data_dir: Path, *args: str, plans_dir: Path | None = None, plan: str | None = None) -> dict:
    env = {
        **os.environ,
        "SBU_DATA_DIR": str(data_dir),
        "DAGSTER_HOME": str(data_dir / "dagster_home"),
        "SBU_AS_OF": AS_OF,
    }
    if plans_dir is not None:
        env["SBU_PLANS_DIR"] = str(plans_dir)
    if plan is not None:
        env["SBU_PLAN"] = plan
    done = subprocess.run(
        [sys.executable, __file__, "--worker", kind, *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"benchmark worker {kind} failed (exit {done.returncode})")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result.get("success") is False:
        raise SystemExit(f"benchmark worker {kind}: the job failed in {data_dir}")
    return result


def _fresh(root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    return folder


# -- the benchmark -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of refresh_all and of the floor (median)")
    parser.add_argument("--scales", default="1,4,16", help="factors of the city-sized plan ('' for none)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folders")
    parser.add_argument("--no-load", dest="load", action="store_false", help="skip the dashboard under load")
    parser.add_argument("--load-args", default="", help="extra arguments of scripts/loadtest.py, e.g. '--sessions 4'")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("worker_args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker = {"generate": _worker_generate, "refresh": _worker_refresh, "floor": _worker_floor}[args.worker]
        print(json.dumps(worker(*[int(a) for a in args.worker_args])))
        return 0

    root = Path(tempfile.mkdtemp(prefix="sbu_bench_"))
    try:
        return _benchmark(root, args)
    finally:
        if args.keep:
            print(f"data folders kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


def _benchmark(root: Path, args: argparse.Namespace) -> int:
    # The bundled demo data, generated once and copied into each fresh data folder.
    template = _fresh(root, "bundled_landing")
    made = _run_worker("generate", template)
    print(f"bundled demo data: {made['files']} files, {made['mb']:.2f} MB, generated in {made['seconds']:.1f} s")

    refreshes, floors = [], []
    for i in range(args.repeat):
        data = _fresh(root, f"bundled_{i}")
        shutil.copytree(template / "landing", data / "landing")
        refreshes.append(_run_worker("refresh", data))
        steps = len(refreshes[0]["steps"])
        floors.append(_run_worker("floor", _fresh(root, f"floor_{i}"), str(steps)))
        print(
            f"run {i + 1}: refresh_all {refreshes[-1]['seconds']:.2f} s ({steps} steps, "
            f"{refreshes[-1]['checks']} check results, {refreshes[-1]['events']} events); "
            f"floor {floors[-1]['seconds']:.2f} s ({floors[-1]['events']} events)"
        )
    refresh_s = statistics.median(r["seconds"] for r in refreshes)
    floor_s = statistics.median(f["seconds"] for f in floors)
    typical = sorted(refreshes, key=lambda r: r["seconds"])[len(refreshes) // 2]
    print(
        f"\nrefresh_all, the median run: {typical['seconds']:.2f} s (definitions loaded in {typical['import_s']:.1f} s)"
    )
    for key, secs in sorted(typical["steps"].items(), key=lambda kv: -kv[1]):
        print(f"  {key:<28} {secs:6.2f} s")
    print(
        f"refresh_all {refresh_s:.2f} s, floor {floor_s:.2f} s: ratio {refresh_s / floor_s:.2f} (median of {args.repeat})"
    )

    scale = {}
    factors = [int(f) for f in args.scales.split(",") if f.strip()]
    for factor in factors:
        data = _fresh(root, f"city_{factor}x")
        plans = _fresh(root, f"city_{factor}x_plans")
        plan = city_plan(plans, factor)
        made = _run_worker("generate", data, plans_dir=plans, plan=plan)
        run = _run_worker("refresh", data, plans_dir=plans, plan=plan)
        scale[f"{factor}x"] = {"seconds": round(run["seconds"], 2), "peak_mib": round(run["peak_mib"], 1)}
        print(
            f"city plan {factor}x ({CITY_DISTRICTS * factor} districts, "
            f"{CITY_DISTRICTS * factor * (1 + sum(CITY_SCHOOLS_PER_DISTRICT.values()))} schools and teams; "
            f"{made['files']} files, {made['mb']:.1f} MB): refresh_all {run['seconds']:.2f} s, "
            f"peak {run['peak_mib']:.0f} MiB"
        )

    # make run's pipeline step twice on one data folder; the second has nothing to rebuild.
    from loadtest import publish

    data = _fresh(root, "second_run")
    first_s = publish(data)
    second_run_s = publish(data)
    print(f"python -m pipelines.run: first {first_s:.1f} s, second with nothing changed {second_run_s:.1f} s")

    load = None
    if args.load:
        done = subprocess.run(
            [sys.executable, str(REPO / "scripts" / "loadtest.py"), "--data", str(data), *args.load_args.split()],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines:
            sys.stderr.write(done.stderr[-4000:])
            raise SystemExit(f"scripts/loadtest.py failed (exit {done.returncode})")
        print("\n".join(lines[:-1]))
        load = json.loads(lines[-1])

    print(
        json.dumps(
            {
                "refresh_s": round(refresh_s, 2),
                "floor_s": round(floor_s, 2),
                "ratio": round(refresh_s / floor_s, 2),
                "scale": scale,
                "load": load,
                "second_run_s": round(second_run_s, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
