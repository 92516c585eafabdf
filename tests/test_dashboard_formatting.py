"""How the dashboard words the periods a delivered file covers (meta.file_loads.slice)."""

from __future__ import annotations

import pytest

from dashboards.formatting import periods_text


@pytest.mark.parametrize(("slice_json", "shown"), [
    ("[2016]", "2016"),
    ("[2014, 2015, 2016, 2017]", "2014–2017"),
    ("[2017, 2014, 2016, 2015]", "2014–2017"),   # the order stored does not matter
    ("[2014, 2015, 2019]", "2014, 2015, 2019"),  # a gap is not hidden in a range
    ('["2016/17"]', "2016/17"),                   # school years as the file writes them
    ('["*"]', "hele registeret"),                 # a file that is the whole table (school register)
    (None, ""),
])
def test_periods_text(slice_json, shown):
    assert periods_text(slice_json) == shown
