"""Norwegian formatting for people: numbers (decimal comma, space between thousands, the unit)
and timestamps (Norwegian local time).

One small leaf module (no project imports, no scipy) shared by the pipeline and by
``presentation``: the pipeline writes Norwegian text of its own with it (the status explanations
in ``pipelines.metrics.status``, the quarantine reasons in ``pipelines.ingest.landing``, the
commentary timestamps in ``pipelines.commentary``), and ``presentation.formatting`` builds every
displayed value on it. It lives on the pipeline's side so that the pipeline never imports
``presentation``: the dependency runs presentation -> pipelines (small modules only), never back.
"""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def format_datetime_nb(value: dt.datetime | None, missing: str = "–") -> str:
    """``23.11.2026 kl. 09:07`` in Norwegian time. The pipeline stores naive timestamps in UTC
    (file loads, checks, publication); aware ones (commentaries) are converted as they are."""
    if value is None:
        return missing
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(OSLO).strftime("%d.%m.%Y kl. %H:%M")


def format_number_nb(x: float, decimals: int = 1) -> str:
    """Norwegian number formatting: decimal comma, space as thousands separator."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    text = f"{x:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # avoid "-0,0"
    return text.replace(",", " ").replace(".", ",")


_UNIT_SUFFIX = {"percent": " %", "count": "", "years": " år", "per_1000": " per 1 000", "nok": " kr"}
_UNIT_DECIMALS = {"percent": 1, "count": 0, "years": 1, "per_1000": 1, "nok": 0}


def unit_decimals(x: float | None, unit: str) -> int:
    """How many decimals a value in ``unit`` is shown with: one for shares, rates and years, none
    for kroner and whole counts (a count that is not whole, e.g. an average, gets one)."""
    if unit == "count" and x is not None and not (isinstance(x, float) and math.isnan(x)):
        return 0 if float(x).is_integer() else 1
    return _UNIT_DECIMALS.get(unit, 1)


def shown_value(x: float, unit: str) -> float:
    """``x`` rounded as it is shown (``format_value_nb``): what a reader sees is what is computed on."""
    return round(float(x), unit_decimals(x, unit))


def shown_value_sql(value: str, unit: str) -> str:
    """:func:`shown_value` as a DuckDB expression over the SQL expressions ``value`` and ``unit``
    (the same decimals per unit, the same rounding: ``printf`` rounds the stored double exactly as
    Python does, where DuckDB's ``round`` would round 12.25 up)."""
    cases = " ".join(f"WHEN '{u}' THEN {d}" for u, d in _UNIT_DECIMALS.items() if u != "count")
    decimals = (
        f"CASE WHEN {unit} = 'count' THEN (CASE WHEN {value} = trunc({value}) THEN 0 ELSE 1 END) "
        f"ELSE (CASE {unit} {cases} ELSE 1 END) END"
    )
    return f"CAST(printf('%.*f', {decimals}, {value}) AS DOUBLE)"


def format_value_nb(x: float, unit: str) -> str:
    """Format a value in the metric's unit, e.g. ``14,2 %``, ``1 234 kr``."""
    return f"{format_number_nb(x, unit_decimals(x, unit))}{_UNIT_SUFFIX.get(unit, '')}"
