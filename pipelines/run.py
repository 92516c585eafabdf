"""Run the pipeline once, in process: ``python -m pipelines.run``.

Runs the ``refresh_all`` job and then, as the ``report_after_publish`` sensor would, the
``status_reports`` job for the latest report year of the new snapshot. Both use a persistent
Dagster instance (``DAGSTER_HOME``, default ``<data>/dagster_home``), so the runs show up in the
Dagster UI afterwards.

``python -m pipelines.run --as-of 2026-11-30`` judges the status on that day (the run tag
``as_of``; without it the ``SBU_AS_OF`` setting, else today); the snapshot records the day.

``python -m pipelines.run --report-year 2019`` builds only that year's status report (the
partition ``2019`` of ``status_report``) from the snapshot already published; ``latest`` is the
newest report year.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

import dagster as dg

from pipelines.instance import ensure_dagster_home, fail_dead_runs, in_process_tags
from pipelines.settings import AS_OF_TAG, get_settings


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _failed(result: dg.ExecuteInProcessResult, what: str, elapsed: float) -> int:
    print(f"{what} FAILED after {elapsed:.1f} s; the last published snapshot is still served.", file=sys.stderr)
    for event in result.all_events:
        if event.is_step_failure:
            print(f"  {event.step_key}: {event.event_specific_data.error.message.strip()}", file=sys.stderr)
    return 1


def refresh(
    defs: dg.Definitions, instance: dg.DagsterInstance, as_of: dt.date | None = None
) -> dg.ExecuteInProcessResult:
    """Run ``refresh_all``; ``as_of`` (run tag) fixes the day the status is judged on."""
    tags = {**in_process_tags(), **({AS_OF_TAG: as_of.isoformat()} if as_of else {})}
    return defs.resolve_job_def("refresh_all").execute_in_process(instance=instance, raise_on_error=False, tags=tags)


def build_status_report(defs: dg.Definitions, instance: dg.DagsterInstance, year: str) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def("status_reports").execute_in_process(
        instance=instance, partition_key=year, raise_on_error=False, tags=in_process_tags()
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.run", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--report-year", default=None, help="build only this report year's status report from the published snapshot"
    )
    parser.add_argument(
        "--as-of",
        type=_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day the status is judged on (what is 'foreldet', what is overdue); "
        "default: the SBU_AS_OF setting, else today",
    )
    args = parser.parse_args(argv)
    if args.as_of and args.report_year:
        parser.error(
            "--as-of belongs to a pipeline run; --report-year only builds a report from the published "
            "snapshot, whose status day is already fixed"
        )
    settings = get_settings()
    ensure_dagster_home()
    from pipelines.definitions import defs
    from pipelines.defs.serving.assets import REPORT_YEARS
    from pipelines.defs.serving.report import latest_report_year

    with dg.DagsterInstance.get() as instance:
        for run_id in fail_dead_runs(instance):
            print(f"Marked run {run_id} failed: its process was killed before it finished.")
        year = args.report_year
        if year is None:
            started = time.perf_counter()
            result = refresh(defs, instance, args.as_of)
            elapsed = time.perf_counter() - started
            if not result.success:
                return _failed(result, "Pipeline", elapsed)
            published = result.asset_materializations_for_node("published_snapshot")[0]
            print(
                f"Pipeline succeeded in {elapsed:.1f} s; published {settings.published_path} "
                f"(status per {published.metadata['as_of'].value})"
            )
            failed_checks = [
                e.asset_check_evaluation_data.check_name
                for e in result.all_events
                if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.asset_check_evaluation_data.passed
            ]
            if failed_checks:
                print(f"  failed checks: {', '.join(failed_checks)}")
            year = latest_report_year(published)
        else:
            known = sorted(instance.get_dynamic_partitions(REPORT_YEARS.name))
            year = known[-1] if year == "latest" and known else year
            if year not in known:
                print(
                    f"No report year {year} in the published snapshot; known years: "
                    f"{', '.join(known) or 'none (run the pipeline first)'}.",
                    file=sys.stderr,
                )
                return 1
        started = time.perf_counter()
        result = build_status_report(defs, instance, year)
        elapsed = time.perf_counter() - started
        if not result.success:
            return _failed(result, f"Status report {year}", elapsed)
        path = result.asset_materializations_for_node("status_report")[0].metadata["path"].value
        print(f"Status report {year} built in {elapsed:.1f} s: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
