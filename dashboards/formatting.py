"""Norwegian wording and number formatting for the dashboard (no Streamlit, no DuckDB).

Numbers go through ``pipelines.metrics.status.format_value_nb`` / ``format_number_nb`` so the
dashboard, the explanations and the report agree on decimal comma and units.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from pipelines.metrics.formatting import (
    format_datetime_nb as format_datetime_nb,  # re-exported for the pages
)
from pipelines.metrics.formatting import format_number_nb, format_value_nb

# Status classes: an icon *and* the text, never colour alone. The symbols are plain Unicode that
# the DejaVu/Liberation fonts carry (no emoji font needed on the server or in the browser).
STATUS_ICON = {
    "på sporet": "✔",
    "ikke på sporet": "✖",
    "usikkert": "≈",
    "mangler data": "○",
    "ingen mål": "–",
}
STATUS_HELP = {
    "på sporet": "Status er minst like god som den rette linjen fra 0-punkt til Mål tilsier.",
    "ikke på sporet": "Status er dårligere enn forventet, og forskjellen er større enn den statistiske usikkerheten.",
    "usikkert": "Forskjellen ligger innenfor den statistiske usikkerheten (95 %-intervall / p ≥ 0,05).",
    "mangler data": "Det mangler status eller 0-punkt for perioden kilden skulle ha levert.",
    "ingen mål": "Indikatoren følges som kontekst uten mål.",
}


@dataclass(frozen=True)
class SuppressionRule:
    """The small-number thresholds the published values were suppressed with, as the snapshot
    states them (``snapshot.min_count``, ``snapshot.min_respondents``; the pipeline's settings).
    Every text about "skjermet" is worded from here, so it names the numbers actually applied.
    ``None`` (a snapshot from before they were published) gives wording without numbers."""

    min_count: int | None
    min_respondents: int | None

    def reason(self, code: str | None) -> str:
        """Why a cell is hidden, from its reason code: "færre enn 5", "færre enn 10 svar"."""
        if code == "liten_telling":
            return f"færre enn {self.min_count}" if self.min_count is not None else "for lite antall"
        if code == "faa_svar":
            return f"færre enn {self.min_respondents} svar" if self.min_respondents is not None else "for få svar"
        if code == "liten_rest":  # a share of (nearly) everybody: the few outside it would be revealed
            return (f"færre enn {self.min_count} utenfor andelen" if self.min_count is not None
                    else "for få utenfor andelen")
        if code == "komplementaer":
            return "for å beskytte en annen celle"
        return "av personvernhensyn"

    def cell(self, code: str | None) -> str:
        """A hidden cell as shown: "skjermet (færre enn 10 svar)"; never a number, never blank."""
        return f"skjermet ({self.reason(code)})"

    def description(self) -> str:
        """The whole rule in one sentence, with the published thresholds."""
        if self.min_count is None or self.min_respondents is None:
            return ("Små tall er skjermet før publisering, sammen med tall som ellers ville avsløre dem "
                    "(komplementær skjerming).")
        c, r = self.min_count, self.min_respondents
        return (f"Små tall er skjermet før publisering: antall under {c}; andeler med færre enn {r} svar "
                f"(nevner), og andeler der telleren eller nevneren minus telleren er under {c}; dessuten tall som "
                f"ellers kunne regnes ut av dem, for eksempel fra en sum (komplementær skjerming).")

SCHOOL_LEVEL_LABEL = {"alle": "Alle trinn", "uks": "Ungdomsskole (8.–10.)", "vgs": "Videregående (1.–3.)"}
GENDER_LABEL = {"alle": "Begge kjønn", "jenter": "Jenter", "gutter": "Gutter"}
LEVEL_LABEL = {"kommune": "kommune", "bydel": "bydel", "skole": "skole", "team": "team"}
LEVEL_RANK = {"kommune": 0, "bydel": 1, "skole": 2, "team": 2}
UNIT_LABEL = {"percent": "prosent", "count": "antall", "years": "år", "per_1000": "per 1 000", "nok": "kroner"}
DIRECTION_LABEL = {
    "lower": "lavere er bedre",
    "higher": "høyere er bedre",
    "towards_target": "nærmere målverdien er bedre",
    "context": "kontekst (ingen retning)",
}
SOURCE_LABEL = {
    "ungdata": "Ungdata (ungdomsundersøkelsen)",
    "absence": "Fravær (skoleadministrativt system)",
    "ppt": "PP-tjenesten",
    "child_welfare": "Barnevern (SSB/KOSTRA)",
    "services": "Tjenestenes egne årstall",
    "population": "Befolkning (SSB)",
    "ssb_outcomes": "SSB/NAV",
    "school_register": "Skoleregister",
}

NOT_AVAILABLE = "ikke tilgjengelig for {level}"
MISSING = "mangler data"


def is_missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def status_text(status_class: str | None) -> str:
    if not status_class:
        return f"{STATUS_ICON['mangler data']} {MISSING}"
    return f"{STATUS_ICON.get(status_class, '•')} {status_class}"


def format_date_nb(day: Any, missing: str = "ukjent") -> str:
    """"15.04.2026"."""
    return day.strftime("%d.%m.%Y") if day else missing


def value_text(value: Any, unit: str) -> str:
    if is_missing(value):
        return MISSING
    return format_value_nb(float(value), unit)


def value_with_period(value: Any, unit: str, period: Any, preliminary: bool = False) -> str:
    """"23,1 % (2025)"; "23,1 % (2025, foreløpig)" while the source has published only preliminary
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


def improvement_text(improvement: Any, improvement_pp: Any, unit: str) -> str:
    """Forbedring in the metric's unit: percentage points ("pp") for shares; positive = better."""
    if unit == "percent":
        x = improvement_pp if not is_missing(improvement_pp) else improvement
        if is_missing(x):
            return "–"
        return f"{signed_number(float(x), 1)} pp"
    if is_missing(improvement):
        return "–"
    x = float(improvement)
    if unit == "count":
        text = signed_number(x, 0 if x.is_integer() else 1)
        return text
    if unit == "years":
        return f"{signed_number(x, 1)} år"
    if unit == "per_1000":
        return f"{signed_number(x, 1)} per 1 000"
    return signed_number(x, 1)


def target_text(target_kind: str | None, target_value: Any, target_year: Any, unit: str, direction: str) -> str:
    """Mål as the plan states it: a number for a year, or a direction relative to the 0-punkt."""
    year = f" ({int(target_year)})" if not is_missing(target_year) else ""
    if target_kind == "numeric" and not is_missing(target_value):
        return f"{format_value_nb(float(target_value), unit)}{year}"
    if target_kind == "direction":
        word = {"lower": "lavere enn 0-punkt", "higher": "høyere enn 0-punkt"}.get(direction, "nærmere målverdien")
        return f"{word}{year}"
    return "–"


def owners_list(owners: str | None) -> list[str]:
    return [o.strip() for o in (owners or "").split(";") if o.strip()]


def slice_periods(slice_json: str | None) -> list[int | str]:
    """The periods a delivered file covers, from ``meta.file_loads.slice`` (a JSON list of years,
    school years like "2016/17", or ``["*"]`` for a file that is the whole table)."""
    return json.loads(slice_json) if slice_json else []


def periods_text(slice_json: str | None) -> str:
    """"2014–2024" for a run of years, "2016/17" for a school year, "hele registeret" for a file
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
