"""What the dashboard and the status report both show, and how it is worded.

One presentation layer for both front ends: ``dashboards`` (Streamlit) and
``pipelines.report`` (the PDF) import it; it imports neither of them, nor Dagster.

* ``vocabulary``  – display vocabulary: status icons, help texts, CSS classes and order; labels of
  units, directions, sources, school levels, genders and area levels; month names.
* ``formatting``  – values as shown: numbers in a unit, with period, Forbedring, Mål, dates.
* ``suppression`` – the wording of *skjermet* cells from the snapshot's small-number rule.
* ``scorecard``   – the scorecard view model (the plan's columns, structured per row) and the
  dashboard's HTML rendering of it; the values table; the status day of a report year.
* ``charts``      – every Plotly figure.

Domain constants stay where the pipeline defines them and are imported from there
(``pipelines.metrics.codes``: status classes, units, directions; ``pipelines.plan``:
``LEVEL_RANK``); numbers and timestamps are formatted by the pipeline's leaf module
``pipelines.nb_format``, which the pipeline uses for its own Norwegian text too.
"""
