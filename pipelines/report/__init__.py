"""Årlig statusrapport: the yearly PDF status report of "Sammen for barn og unge".

Built from the published snapshot (never the warehouse) and the leaders' commentary file:
HTML from a Jinja2 template, one Plotly trend chart per metric (the dashboard's own
``presentation.charts.trend_figure``, exported as SVG with kaleido in one batch), and WeasyPrint
for HTML -> PDF. The Dagster asset ``status_report`` (``pipelines/defs/serving/report.py``, one partition
per report year) calls :func:`build_report`.
"""

__all__ = ["ReportResult", "available_years", "build_report", "report_path"]


def __getattr__(name: str):
    # Lazy: the report's dependencies (WeasyPrint, kaleido) load only when a report is built.
    if name in __all__:
        from pipelines.report import build

        return getattr(build, name)
    raise AttributeError(name)
