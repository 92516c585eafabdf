"""Årlig statusrapport: the yearly PDF status report of "Sammen for barn og unge".

Built from the published snapshot (never the warehouse) and the leaders' commentary file:
HTML from a Jinja2 template, one Plotly trend chart per metric (the dashboard's own
``dashboards.charts.trend_figure``, exported as SVG with kaleido in one batch), and WeasyPrint
for HTML -> PDF. The Dagster asset ``status_report`` (``pipelines/defs/serving/report.py``)
calls :func:`build_report`; ``python -m pipelines.report.build --year 2019`` does the same
from the command line.
"""

__all__ = ["ReportResult", "available_years", "build_report", "report_path"]


def __getattr__(name: str):
    # Lazy, so that ``python -m pipelines.report.build`` does not import the module twice.
    if name in __all__:
        from pipelines.report import build

        return getattr(build, name)
    raise AttributeError(name)
