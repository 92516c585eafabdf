"""Norwegian number formatting for people (decimal comma, space between thousands, the unit).

Kept apart from ``status`` so the dashboard can format without importing scipy/statsmodels.
"""

from __future__ import annotations

import math


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


def format_value_nb(x: float, unit: str) -> str:
    """Format a value in the metric's unit, e.g. ``14,2 %``, ``1 234 kr``."""
    decimals = _UNIT_DECIMALS.get(unit, 1)
    if unit == "count" and x is not None and not float(x).is_integer():
        decimals = 1
    return f"{format_number_nb(x, decimals)}{_UNIT_SUFFIX.get(unit, '')}"
