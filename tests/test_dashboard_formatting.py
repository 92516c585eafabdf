"""How the dashboard and the report word periods and timestamps."""

from __future__ import annotations

import datetime as dt

import pytest

from presentation.formatting import cadence_text, format_datetime_nb, periods_text


@pytest.mark.parametrize(
    ("slice_json", "shown"),
    [
        ("[2016]", "2016"),
        ("[2014, 2015, 2016, 2017]", "2014–2017"),
        ("[2017, 2014, 2016, 2015]", "2014–2017"),  # the order stored does not matter
        ("[2014, 2015, 2019]", "2014, 2015, 2019"),  # a gap is not hidden in a range
        ('["2016/17"]', "2016/17"),  # school years as the file writes them
        ('["*"]', "hele registeret"),  # a file that is the whole table (school register)
        (None, ""),
    ],
)
def test_periods_text(slice_json, shown):
    assert periods_text(slice_json) == shown


@pytest.mark.parametrize(
    ("stamp", "shown"),
    [
        (dt.datetime(2026, 11, 23, 8, 7), "23.11.2026 kl. 09:07"),  # stored UTC; Norway is UTC+1 in winter
        (dt.datetime(2026, 6, 1, 22, 30), "02.06.2026 kl. 00:30"),  # UTC+2 in summer: past midnight
        (dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))), "01.06.2026 kl. 10:00"),
        (None, "–"),
    ],
)
def test_timestamps_are_shown_in_norwegian_time(stamp, shown):
    assert format_datetime_nb(stamp) == shown


@pytest.mark.parametrize(("years", "text"), [(1, "årlig"), (3, "hvert 3. år"), (None, "–"), (0, "–")])
def test_how_often_a_source_publishes(years, text):
    assert cadence_text(years) == text


@pytest.mark.parametrize(
    ("baseline", "status", "unit", "direction", "target", "shown"),
    [
        # 78,94 % and 99,46 % are shown as 78,9 % and 99,5 %: Forbedring is 99,5 − 78,9 = 20,6 pp
        # (the unrounded difference, 20,52, would read "+20,5 pp" beside them).
        (78.94, 99.46, "percent", "higher", None, "+20,6 pp"),
        (13.74, 16.66, "percent", "lower", None, "−3,0 pp"),  # 13,7 % → 16,7 %, lower is better
        (8.46, 8.04, "years", "lower", None, "+0,5 år"),  # 8,5 år → 8,0 år
        (428, 342, "count", "lower", None, "+86"),
        (10.0, 10.04, "percent", "higher", None, "0,0 pp"),  # no change as shown: no sign
        # towards a target of 5,0: from 3,0 away (8,0) to 1,0 away (6,0) is 2,0 better
        (8.04, 5.96, "percent", "towards_target", 5.0, "+2,0 pp"),
        (None, 16.7, "percent", "lower", None, "–"),
    ],
)
def test_improvement_is_computed_from_the_values_as_shown(baseline, status, unit, direction, target, shown):
    from presentation.formatting import improvement_text

    assert improvement_text(baseline, status, unit, direction, target) == shown
