"""Values as shown: Norwegian numbers in the metric's unit, with period, Forbedring, Mål, dates.

The number and timestamp primitives (``format_number_nb``, ``format_value_nb``,
``format_datetime_nb``) come from the pipeline's leaf module ``pipelines.nb_format``, which the
pipeline uses for its own Norwegian text (status explanations, quarantine reasons); they are
part of this module's API (``__all__``) so that the dashboard and the report import all display
formatting from here. Wording of codes lives in ``presentation.vocabulary``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

from pipelines.metrics.codes import NO_DATA, improvement
from pipelines.nb_format import (
    OSLO,
    format_datetime_nb,
    format_number_nb,
    format_value_nb,
    shown_value,
    unit_decimals,
)
from presentation.vocabulary import MISSING, MONTHS_NB, STATUS_ICON, STATUS_LABEL, TARGET_DIRECTION_LABEL

__all__ = [
    "join_nb",
    "format_date_nb",
    "format_datetime_nb",
    "format_long_date_nb",
    "format_month_nb",
    "format_number_nb",
    "format_value_nb",
    "Figure",
    "improvement_figure",
    "improvement_text",
    "shown_figure",
    "is_missing",
    "owners_list",
    "periods_text",
    "revision_steps_text",
    "revision_text",
    "signed_number",
    "slice_periods",
    "stale_text",
    "status_text",
    "target_text",
    "value_text",
    "value_with_period",
]


def is_missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def status_text(status_class: str | None) -> str:
    """A status class as shown: icon and words, "✔ på sporet"; no class is "○ mangler data"."""
    if not status_class:
        return f"{STATUS_ICON[NO_DATA]} {MISSING}"
    return f"{STATUS_ICON.get(status_class, '•')} {STATUS_LABEL.get(status_class, status_class)}"


def format_date_nb(day: Any, missing: str = "ukjent") -> str:
    """ "15.04.2026"."""
    return day.strftime("%d.%m.%Y") if day else missing


def format_long_date_nb(day: dt.date | dt.datetime | None, missing: str = "ukjent") -> str:
    """ "23. november 2026"."""
    if day is None:
        return missing
    return f"{day.day}. {MONTHS_NB[day.month - 1]} {day.year}"


def join_nb(items: list[str]) -> str:
    """ "A", "A og B", "A, B og C"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]


def format_month_nb(day: dt.date | dt.datetime) -> str:
    """ "mars 2027"."""
    return f"{MONTHS_NB[day.month - 1]} {day.year}"


def value_text(value: Any, unit: str) -> str:
    if is_missing(value):
        return MISSING
    return format_value_nb(float(value), unit)


def value_with_period(value: Any, unit: str, period: Any, preliminary: bool = False) -> str:
    """ "23,1 % (2025)"; "23,1 % (2025, foreløpig)" while the source has published only preliminary
    figures for the period (KOSTRA between March and June)."""
    if is_missing(value):
        return MISSING
    text = format_value_nb(float(value), unit)
    if period in (None, ""):
        return text
    return f"{text} ({period}, foreløpig)" if preliminary else f"{text} ({period})"


def signed_number(x: float, decimals: int) -> str:
    text = format_number_nb(x, decimals)
    if text.lstrip("-").replace("0", "").replace(",", "").strip() == "":
        return text.lstrip("-")  # 0,0 has no sign
    if x > 0:
        return "+" + text
    return "−" + text.lstrip("-")  # a real minus sign


class Figure(NamedTuple):
    """A number as it is shown: ``value`` rounded to ``decimals`` (a download writes it as a number
    cell with that many decimals; the screen shows the same figure as text)."""

    value: float
    decimals: int

    @property
    def text(self) -> str:
        return format_number_nb(self.value, self.decimals)


def shown_figure(value: Any, unit: str) -> Figure | None:
    """``value`` as shown in ``unit`` (None when missing)."""
    if is_missing(value):
        return None
    return Figure(shown_value(float(value), unit), unit_decimals(float(value), unit))


def improvement_figure(baseline: Any, status: Any, unit: str, direction: str, target: Any = None) -> Figure | None:
    """Forbedring computed from the values *as they are shown*: the scorecard's rule (positive =
    better, ``pipelines.metrics.codes.improvement``) applied to the rounded 0-punkt and Status, so
    that "78,9 % → 99,5 %" gives 20,6 and never disagrees with the figures beside it. None without
    both values (or without the target a ``towards_target`` metric is measured against)."""
    b, s = shown_figure(baseline, unit), shown_figure(status, unit)
    t = shown_figure(target, unit)
    if b is None or s is None or (direction == "towards_target" and t is None):
        return None
    decimals = max(b.decimals, s.decimals)
    return Figure(round(improvement(b.value, s.value, direction, t.value if t else None), decimals), decimals)


IMPROVEMENT_SUFFIX = {"percent": " pp", "years": " år", "per_1000": " per 1 000", "nok": " kr"}


def improvement_text(baseline: Any, status: Any, unit: str, direction: str, target: Any = None) -> str:
    """Forbedring as shown beside 0-punkt and Status (:func:`improvement_figure`), in the metric's
    unit: percentage points ("pp") for shares; "–" without both values."""
    x = improvement_figure(baseline, status, unit, direction, target)
    if x is None:
        return "–"
    return signed_number(x.value, x.decimals) + IMPROVEMENT_SUFFIX.get(unit, "")


def target_text(target_kind: str | None, target_value: Any, target_year: Any, unit: str, direction: str) -> str:
    """Mål as the plan states it: a number for a year, or a direction relative to the 0-punkt."""
    year = f" ({int(target_year)})" if not is_missing(target_year) else ""
    if target_kind == "numeric" and not is_missing(target_value):
        return f"{format_value_nb(float(target_value), unit)}{year}"
    if target_kind == "direction":
        word = TARGET_DIRECTION_LABEL.get(direction, "nærmere målverdien")
        return f"{word}{year}"
    return "–"


def cadence_text(years: Any) -> str:
    """How often a source publishes: "årlig", "hvert 3. år"; "–" when unknown."""
    if is_missing(years) or not years:
        return "–"
    return "årlig" if int(years) == 1 else f"hvert {int(years)}. år"


def stale_text(status_period: Any, cadence_years: Any, judged_on: dt.date | None = None) -> str:
    """Why the latest value is "foreldet", by its period and the source's cadence (never the value):
    "Foreldet: siste tall er fra 2017, og kilden skulle ha levert nyere tall per 31. desember 2020
    (publiseres hvert 3. år)"."""
    when = f" per {format_long_date_nb(judged_on)}" if judged_on else ""
    return (
        f"Foreldet: siste tall er fra {status_period}, og kilden skulle ha levert nyere tall{when} "
        f"(publiseres {cadence_text(cadence_years)})."
    )


def _published_day(at: dt.datetime) -> str:
    """A publication's day in Norway ("01.03.2026"); the pipeline stores naive UTC timestamps."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(OSLO).strftime("%d.%m.%Y")


def revision_text(steps: list[Mapping[str, Any]], unit: str) -> str:
    """A revised figure's earlier values, newest first: "revidert, var 12,3 % (publisert
    01.03.2026)"; after two revisions "revidert, var 12,8 % (publisert 08.03.2026), før det 12,3 %
    (publisert 01.03.2026)". ``steps`` are the figure's rows of the published ``revisions``
    (``previous_value``, ``previous_published_at``), in any order; "" when there are none."""
    if not steps:
        return ""
    ordered = sorted(steps, key=lambda s: s["revised_at"], reverse=True)
    earlier = [
        f"{format_value_nb(float(s['previous_value']), unit)} (publisert {_published_day(s['previous_published_at'])})"
        for s in ordered
    ]
    return "revidert, var " + ", før det ".join(earlier)


def revision_steps_text(steps: list[Mapping[str, Any]], unit: str) -> str:
    """A revised figure from its first published value to its value now, with the days it was
    revised: "138 → 145 (revidert 15.04.2026)", "12,3 % → 12,8 % → 11,9 % (revidert 08.03.2026 og
    15.03.2026)"; "" without steps."""
    if not steps:
        return ""
    ordered = sorted(steps, key=lambda s: s["revised_at"])
    values = [ordered[0]["previous_value"]] + [s["value"] for s in ordered]
    days = join_nb([_published_day(s["revised_at"]) for s in ordered])
    return " → ".join(format_value_nb(float(v), unit) for v in values) + f" (revidert {days})"


def owners_list(owners: str | None) -> list[str]:
    return [o.strip() for o in (owners or "").split(";") if o.strip()]


def slice_periods(slice_json: str | None) -> list[int | str]:
    """The periods a delivered file covers, from ``meta.file_loads.slice`` (a JSON list of years,
    school years like "2016/17", or ``["*"]`` for a file that is the whole table)."""
    return json.loads(slice_json) if slice_json else []


def periods_text(slice_json: str | None) -> str:
    """ "2014–2024" for a run of years, "2016/17" for a school year, "hele registeret" for a file
    that is the whole table."""
    periods = slice_periods(slice_json)
    if periods == ["*"]:
        return "hele registeret"
    if periods and all(isinstance(p, int) for p in periods):
        years = sorted(periods)
        if len(years) > 1 and years == list(range(years[0], years[-1] + 1)):
            return f"{years[0]}–{years[-1]}"
        periods = years
    return ", ".join(str(p) for p in periods)
