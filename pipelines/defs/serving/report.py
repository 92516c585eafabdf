"""The yearly status report (Årlig statusrapport) as a pipeline asset.

Reads only the published snapshot and the leaders' commentary file (never the warehouse), and
writes ``<reports_dir>/statusrapport_<year>.pdf`` atomically; the dashboard's overview page
offers that file for download. By default the latest report year in the snapshot is built; any
other year can be produced from the Dagster UI launchpad with ``report_year``.
"""

# No ``from __future__ import annotations`` here: Dagster checks the context/config annotations.

import dagster as dg

from pipelines.defs.serving.assets import SERVING_GROUP
from pipelines.report.build import ReportError, build_report
from pipelines.settings import get_settings


class StatusReportConfig(dg.Config):
    report_year: int | None = None
    """Rapportår; tomt = siste rapportår i det publiserte datasettet."""


@dg.asset(group_name=SERVING_GROUP, kinds={"pdf"}, deps=["published_snapshot"],
          description="Årlig statusrapport (PDF) for ett rapportår: scorecard per satsingsområde, én graf per "
                      "indikator, ledernes kommentarer, datadato og kilder. Leser bare det publiserte datasettet.")
def status_report(context: dg.AssetExecutionContext, config: StatusReportConfig) -> dg.MaterializeResult:
    settings = get_settings()
    try:
        result = build_report(settings.published_path, report_year=config.report_year,
                              data_dir=settings.data_dir, reports_dir=settings.reports_dir)
    except ReportError as exc:
        raise dg.Failure(description=str(exc)) from exc
    context.log.info(f"Statusrapport {result.report_year}: {result.path} ({result.pages} sider) "
                     f"på {result.seconds:.1f} s {result.timings}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(result.path)),
        "report_year": result.report_year,
        "pages": result.pages,
        "size_bytes": result.size_bytes,
        "metrics": result.metrics,
        "charts": result.charts,
        "commentaries": result.commentaries,
        "demo_data": result.demo_data,
        "seconds": result.seconds,
        **{f"seconds_{k}": v for k, v in result.timings.items()},
    })


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=[status_report])
