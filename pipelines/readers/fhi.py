"""Reader for FHI Statistikk (the Norwegian Institute of Public Health's statistics banks):
JSON-stat 2.0 from its Open API (``/api/open/v1/{source}/Table/{table}/data`` with
``"format": "json-stat2"``) or saved from it by hand.

FHI's JSON-stat has quirks the SSB reader does not expect; :func:`fhi_to_ssb_shape` evens them
out and :func:`~pipelines.readers.ssb.jsonstat_to_frame` does the rest:

* ``role`` is ``null``: the time dimension is ``AAR``, the geography ``GEO`` and the measures
  ``MEASURE_TYPE`` (each measure, e.g. ``TELLER`` or ``RATE``, is a category of that dimension);
* ``status`` is a string (``""`` for none) rather than an object per cell;
* periods are ``2020_2020`` (one year) or ``2018_2020`` (a three-year average): the output has
  ``period_start`` and ``period_end``, and ``year`` is the period's last year, as FHI's tables
  label ``2018-2020``;
* the meaning of a flag (a status symbol) comes from a separate endpoint,
  ``/Table/{table}/flag``; pass its answer as ``flags`` to get ``status_label``.
"""

from __future__ import annotations

import os
import re
from typing import Any

import polars as pl

from pipelines.readers.norwegian import read_json_file
from pipelines.readers.ssb import jsonstat_to_frame

__all__ = ["fhi_to_ssb_shape", "fhi_jsonstat_to_frame", "read_fhi_jsonstat"]

_TIME = {"aar", "år", "tid", "year"}
_GEO = {"geo", "region", "kommune"}
_MEASURE = {"measure_type"}
_PERIOD = re.compile(r"^(\d{4})(?:_(\d{4}))?$")


def _find(ids: list[str], names: set[str]) -> list[str]:
    return [d for d in ids if d.casefold() in names][:1]


def fhi_to_ssb_shape(doc: Any) -> Any:
    """A copy of an FHI JSON-stat dataset with ``role`` filled in and a string ``status`` made
    SSB-like (``""`` → none). Anything that is no JSON object is returned as it is, for
    :func:`jsonstat_to_frame` to reject with its own message."""
    if not isinstance(doc, dict):
        return doc
    doc = dict(doc)
    ids = [str(d) for d in doc.get("id") or []]
    if not isinstance(doc.get("role"), dict):
        role = {"time": _find(ids, _TIME), "geo": _find(ids, _GEO), "metric": _find(ids, _MEASURE)}
        doc["role"] = {k: v for k, v in role.items() if v}
    if isinstance(doc.get("status"), str) and not doc["status"].strip():
        doc["status"] = None
    return doc


def _flag_labels(flags: Any) -> dict[str, str]:
    """``{symbol: description}`` from the flag endpoint's answer: a list of objects whose keys
    name the symbol (symbol, flag, value, code) and its meaning (description, text, label)."""
    labels: dict[str, str] = {}
    for entry in flags or []:
        if not isinstance(entry, dict):
            continue
        keys = {str(k).casefold(): v for k, v in entry.items()}
        symbol = next((keys[k] for k in ("symbol", "flag", "value", "code") if keys.get(k) not in (None, "")), None)
        text = next((keys[k] for k in ("description", "text", "label", "title") if keys.get(k)), None)
        if symbol is not None and text:
            labels[str(symbol).strip()] = str(text)
    return labels


def fhi_jsonstat_to_frame(doc: Any, path: Any = None, flags: Any = None) -> pl.DataFrame:
    """Long frame as :func:`jsonstat_to_frame` gives, plus ``period_start``, ``period_end``,
    ``year`` (= ``period_end``), ``status_label`` (the flag's meaning, when ``flags`` are given) and
    ``dataset_label`` (the table's title: which indicator, as FHI publishes one a table)."""
    doc = fhi_to_ssb_shape(doc)
    frame = jsonstat_to_frame(doc, path)
    time = (doc.get("role") or {}).get("time") or []
    if time:
        periods = {}  # once per period code, not per cell
        for code in frame[time[0]].unique().to_list():
            match = _PERIOD.match(str(code).strip())
            start = int(match.group(1)) if match else None
            periods[code] = (start, int(match.group(2)) if match and match.group(2) else start)
        codes, spans = list(periods), list(periods.values())
        starts = frame[time[0]].replace_strict(codes, [s for s, _ in spans], return_dtype=pl.Int64)
        ends = frame[time[0]].replace_strict(codes, [e for _, e in spans], return_dtype=pl.Int64)
        frame = frame.with_columns(starts.alias("period_start"), ends.alias("period_end"), ends.alias("year"))
    labels = _flag_labels(flags)
    return frame.with_columns(
        pl.col("status").replace_strict(labels, default=None, return_dtype=pl.String).alias("status_label"),
        pl.lit(str(doc.get("label") or ""), dtype=pl.String).alias("dataset_label"),
    )


def read_fhi_jsonstat(path: str | os.PathLike[str], flags: Any = None) -> pl.DataFrame:
    """Read an FHI Statistikk JSON-stat 2.0 file; see :func:`fhi_jsonstat_to_frame`."""
    doc = read_json_file(path, publisher="FHI")
    return fhi_jsonstat_to_frame(doc, path, flags)
