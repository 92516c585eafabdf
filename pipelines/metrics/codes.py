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
