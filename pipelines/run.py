"""Run the whole pipeline once, in process: ``python -m pipelines.run``.

Uses the ``refresh_all`` job against a persistent Dagster instance (``DAGSTER_HOME``, default
``<data>/dagster_home``), so the run shows up in the Dagster UI afterwards.
"""

from __future__ import annotations

import sys
import time

import dagster as dg

from pipelines.instance import ensure_dagster_home
from pipelines.settings import get_settings


def main() -> int:
    settings = get_settings()
    ensure_dagster_home()
    from pipelines.definitions import defs

    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("refresh_all").execute_in_process(instance=instance, raise_on_error=False)
    elapsed = time.perf_counter() - started
    failed_checks = [
        e.asset_check_evaluation_data.check_name
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.asset_check_evaluation_data.passed
    ]
    if not result.success:
        print(f"Pipeline FAILED after {elapsed:.1f} s; the last published snapshot is still served.", file=sys.stderr)
        for event in result.all_events:
            if event.is_step_failure:
                print(f"  {event.step_key}: {event.event_specific_data.error.message.strip()}", file=sys.stderr)
        return 1
    print(f"Pipeline succeeded in {elapsed:.1f} s; published {settings.published_path}")
    if failed_checks:
        print(f"  failed checks: {', '.join(failed_checks)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
