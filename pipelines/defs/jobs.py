"""The default job (everything but the yearly PDF, in process) and its schedule. The landing
sensor (sources/sensors.py) runs parts of it; the report has its own job (serving/report.py)."""

import dagster as dg

from pipelines.defs.serving.report import status_report
from pipelines.settings import AS_OF_TAG

# Every asset but the status report, which is partitioned by report year and built after each
# publication by its own sensor, and the fetch assets (group "fetch", job fetch_public), which go
# to the network: the landing sensor loads what they write.
REFRESH_SELECTION = (
    dg.AssetSelection.all() - dg.AssetSelection.assets(status_report) - dg.AssetSelection.groups("fetch")
)

# The multiprocess executor costs over a second per step on a 2-core machine; the whole graph
# is small, so one process runs it.
refresh_all = dg.define_asset_job(
    "refresh_all",
    selection=REFRESH_SELECTION,
    executor_def=dg.in_process_executor,
    description="Ingest every source, derive the metrics and the scorecard, publish the snapshot. The run tag "
    f"'{AS_OF_TAG}' (YYYY-MM-DD) fixes the day the status is judged on; without it the settings resource's "
    "as_of, else SBU_AS_OF, else today. The snapshot records the day.",
)

# Sources publish at most monthly (KOSTRA in March and June, the services' template in January);
# a nightly run picks up anything that landed without the sensor running.
nightly_refresh = dg.ScheduleDefinition(job=refresh_all, cron_schedule="0 5 * * *", execution_timezone="Europe/Oslo")


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(jobs=[refresh_all], schedules=[nightly_refresh])
