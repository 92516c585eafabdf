"""The scorecard's codes, and its rule for the status day, without the statistics behind them.

Everything that reads the published scorecard (the status report, the dashboard, through
``presentation``) needs these, but not scipy/statsmodels; ``pipelines.metrics.status`` (which
assigns the classes) and ``pipelines.metrics.engine`` (which builds the scorecard) import them
from here. The status-class codes are the Norwegian words the plan uses; how they are *shown*
(icon, help text, CSS class, order) is ``presentation.vocabulary``'s business.
"""

from __future__ import annotations

import datetime as dt

ON_TRACK = "på sporet"
OFF_TRACK = "ikke på sporet"
UNCERTAIN = "usikkert"
NO_DATA = "mangler data"
NO_TARGET = "ingen mål"

# In the order the plan's summaries list them.
STATUS_CLASSES = (ON_TRACK, OFF_TRACK, UNCERTAIN, NO_DATA, NO_TARGET)

UNITS = frozenset({"percent", "count", "years", "per_1000", "nok"})
DIRECTIONS = frozenset({"lower", "higher", "towards_target", "context"})
TARGET_KINDS = frozenset({"numeric", "direction", "none"})


def report_clock(report_year: int, latest_report_year: int, as_of: dt.date) -> dt.date:
    """When the report for ``report_year`` is read: today for the latest one, the end of the
    following year (when that year's report was made) for earlier ones."""
    return as_of if report_year >= latest_report_year else dt.date(report_year + 1, 12, 31)


def improvement(baseline: float, status: float, direction: str, target: float | None = None) -> float:
    """Forbedring: change from 0-punkt, signed so that positive = better (the scorecard's rule;
    ``presentation.formatting.improvement_text`` applies it to the values as shown)."""
    if direction == "lower":
        return baseline - status
    if direction == "higher":
        return status - baseline
    if direction == "towards_target":
        if target is None:
            raise ValueError("direction 'towards_target' needs a target value")
        return abs(baseline - target) - abs(status - target)
    if direction == "context":
        return status - baseline
    raise ValueError(f"unknown direction {direction!r}")


# -- comparison with a comparator (pipelines/metrics/comparison.py) -------------------------------
# The municipality's value against a comparator's (Fingertips' method: the comparator's value against
# the municipality's 95 % interval), read with the metric's direction.
BETTER = "bedre"
SIMILAR = "som"
WORSE = "dårligere"
HIGHER = "høyere"  # no direction (context, towards a target): higher or lower, not better or worse
LOWER = "lavere"
NOT_COMPARED_NO_INTERVAL = "mangler usikkerhet"  # no interval (years, per_1000, uncertainty: none)
NOT_COMPARED_COUNT = "antall"  # a count is no rate: its size follows the population
NOT_COMPARED_NO_VALUE = "mangler tall"  # either value missing or suppressed
COMPARISON_CLASSES = (
    BETTER,
    SIMILAR,
    WORSE,
    HIGHER,
    LOWER,
    NOT_COMPARED_NO_INTERVAL,
    NOT_COMPARED_COUNT,
    NOT_COMPARED_NO_VALUE,
)

# -- recent trend (Fingertips' recent-trend marker) ------------------------------------------------
TREND_UP_BETTER = "økende og bedre"
TREND_UP_WORSE = "økende og dårligere"
TREND_DOWN_BETTER = "synkende og bedre"
TREND_DOWN_WORSE = "synkende og dårligere"
TREND_UP = "økende"
TREND_DOWN = "synkende"
TREND_NONE = "ingen sikker endring"
TREND_CANNOT = "kan ikke beregnes"  # fewer than five consecutive periods, or no sampling variance
TREND_CLASSES = (
    TREND_UP_BETTER,
    TREND_UP_WORSE,
    TREND_DOWN_BETTER,
    TREND_DOWN_WORSE,
    TREND_UP,
    TREND_DOWN,
    TREND_NONE,
    TREND_CANNOT,
)
