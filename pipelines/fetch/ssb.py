"""SSB's PxWebApi v2: the queries the fetchers send and the checks on what comes back.

* ``GET {base}/tables/{id}/data?lang=no&outputFormat=…&valueCodes[Var]=a,b&codelist[Region]=…
  &outputValues[Region]=aggregated``, or, when that URL would be longer than
  :data:`MAX_URL_LENGTH`, ``POST`` to the same path (``lang`` and ``outputFormat`` stay in the
  query string) with the selection as JSON:
  ``{"selection": [{"variableCode": …, "valueCodes": […], "codelist": …, "outputValues": …}]}``.
* At most :data:`MAX_CELLS` cells an extract (below SSB's own 800 000, so that every part is a
  file its data contract takes): a larger query is split by years into parts, each
  written as its own landing file (the sources replace data by year, so the parts never overlap).
* Never between 05:00 and 08:15 Oslo time: SSB revises figures then and shows them as 0 or ``.``.
* A response whose cells are all empty, ``.`` or 0 is such a revision-window artefact and is not
  new data: nothing is written and the last good file stays.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from dataclasses import dataclass, field

import httpx

from pipelines.fetch.http import FetchError, HttpClient
from pipelines.settings import NORWAY as OSLO

MAX_URL_LENGTH = 2100
# SSB answers at most 800 000 cells a query, but a part must also be a file its data contract takes:
# at most MAX_DATASET_CELLS (300 000) cells, and at most the contract's file size (10 MB by
# default; SSB's CSV with codes and texts takes up to about 70 bytes a cell). 100 000 cells keep
# both; a plan's municipality and comparators over 30 ages and 40 years are some 25 000.
MAX_CELLS = 100_000
REVISION_WINDOW = (dt.time(5, 0), dt.time(8, 15))
EMPTY_CELLS = {"", ".", "..", "...", ":", "-", "0", "0.0"}


@dataclass(frozen=True)
class Selection:
    """The values asked for of one variable. ``values`` are value codes or PxWebApi expressions;
    ``count`` is how many values they stand for (for the cell limit), default ``len(values)``."""

    variable: str
    values: tuple[str, ...]
    codelist: str | None = None
    output_values: str | None = None  # "aggregated" | "single", with a codelist
    count: int | None = None

    @property
    def cells(self) -> int:
        return self.count if self.count is not None else len(self.values)


@dataclass(frozen=True)
class Query:
    """One request to ``/tables/{table}/data``."""

    table: str
    selections: tuple[Selection, ...]
    output_format: str = "json-stat2"
    format_params: tuple[str, ...] = ()  # outputFormatParams, e.g. for CSV
    stub: tuple[str, ...] = ()
    heading: tuple[str, ...] = ()
    label: str = ""  # the years the part covers, e.g. "2015-2019"; "" for a whole extract

    @property
    def cells(self) -> int:
        return math.prod(s.cells for s in self.selections)

    def params(self) -> list[tuple[str, str]]:
        params = [("lang", "no"), ("outputFormat", self.output_format)]
        if self.format_params:
            params.append(("outputFormatParams", ",".join(self.format_params)))
        if self.stub:
            params.append(("stub", ",".join(self.stub)))
        if self.heading:
            params.append(("heading", ",".join(self.heading)))
        return params

    def get_params(self) -> list[tuple[str, str]]:
        params = self.params()
        for s in self.selections:
            params.append((f"valueCodes[{s.variable}]", ",".join(s.values)))
            if s.codelist:
                params.append((f"codelist[{s.variable}]", s.codelist))
            if s.output_values:
                params.append((f"outputValues[{s.variable}]", s.output_values))
        return params

    def body(self) -> dict:
        selection = []
        for s in self.selections:
            entry: dict = {"variableCode": s.variable, "valueCodes": list(s.values)}
            if s.codelist:
                entry["codelist"] = s.codelist
            if s.output_values:
                entry["outputValues"] = s.output_values
            selection.append(entry)
        body: dict = {"selection": selection}
        if self.stub or self.heading:
            body["placement"] = {"stub": list(self.stub), "heading": list(self.heading)}
        return body


@dataclass(frozen=True)
class Request:
    """What is sent for a query: GET with the URL, or POST with the body."""

    method: str
    url: str  # the full URL (GET) or the URL without the selection (POST)
    params: tuple[tuple[str, str], ...]
    body: dict | None
    query: Query

    def describe(self) -> dict:
        return {"method": self.method, "url": self.url, "body": self.body, "cells": self.query.cells}


def data_url(base_url: str, table: str) -> str:
    return f"{base_url.rstrip('/')}/tables/{table}/data"


def build_request(base_url: str, query: Query, max_url_length: int = MAX_URL_LENGTH) -> Request:
    """GET when the URL stays within ``max_url_length`` characters, else POST with a JSON body."""
    url = data_url(base_url, query.table)
    get_url = str(httpx.URL(url, params=query.get_params()))
    if len(get_url) <= max_url_length:
        return Request("GET", get_url, tuple(query.get_params()), None, query)
    post_url = str(httpx.URL(url, params=query.params()))
    return Request("POST", post_url, tuple(query.params()), query.body(), query)


def year_parts(first: int, last: int, per_year_cells: int, max_cells: int = MAX_CELLS) -> list[tuple[int, int]]:
    """Split ``first..last`` into consecutive spans of years with at most ``max_cells`` cells each."""
    if per_year_cells > max_cells:
        raise FetchError(
            "too_large",
            f"Spørringen er for stor: ett år alene gir {per_year_cells:,} celler (grensen er {max_cells:,}). "
            "Be om færre regioner eller variabler.".replace(",", " "),
            f"one year has {per_year_cells} cells > {max_cells}",
        )
    span = max(1, max_cells // max(per_year_cells, 1))
    return [(a, min(a + span - 1, last)) for a in range(first, last + 1, span)]


def time_selection(variable: str, first: int, last: int, open_end: bool) -> Selection:
    """``from(first)`` for an open-ended span (new years come in by themselves), else
    ``range(first,last)``; counted as last - first + 1 years."""
    values = (f"from({first})",) if open_end else (f"range({first},{last})",)
    return Selection(variable, values, count=last - first + 1)


def split_queries(
    table: str,
    selections: list[Selection],
    time_variable: str,
    first_year: int,
    last_year: int,
    *,
    max_cells: int = MAX_CELLS,
    **query_options,
) -> list[Query]:
    """The queries for ``selections`` over the years ``first_year`` up to the latest, within
    ``max_cells`` each. ``last_year`` (this year) only counts the years; the last part asks
    ``from(...)``, so a year not yet published is no error."""
    per_year = math.prod(s.cells for s in selections)
    parts = year_parts(first_year, last_year, per_year, max_cells)
    queries = []
    for index, (a, b) in enumerate(parts):
        last_part = index == len(parts) - 1
        label = "" if len(parts) == 1 else (f"{a}-" if last_part else f"{a}-{b}")
        tid = time_selection(time_variable, a, b, open_end=last_part)
        queries.append(Query(table, (*selections, tid), label=label, **query_options))
    return queries


def in_revision_window(now: dt.datetime) -> bool:
    local = now.astimezone(OSLO).time()
    return REVISION_WINDOW[0] <= local < REVISION_WINDOW[1]


def refuse_in_revision_window(now: dt.datetime) -> None:
    if in_revision_window(now):
        raise FetchError(
            "revision_window",
            "Henter ikke fra SSB mellom kl. 05.00 og 08.15: da revideres tall og vises som 0 eller «.». "
            "Prøv igjen etter kl. 08.15 (SSB publiserer kl. 08.00). De siste gode dataene vises fortsatt.",
            f"refused: {now.astimezone(OSLO):%H:%M} Oslo time is inside the revision window 05:00-08:15",
        )


@dataclass
class Part:
    """One fetched part: the request, the response's bytes, status and time."""

    request: Request
    content: bytes
    status: int
    fetched_at: dt.datetime
    notes: list[str] = field(default_factory=list)
    flags: list | None = None  # FHI: the flag endpoint's answer (what each status symbol means)


def _html(content: bytes, content_type: str) -> bool:
    head = content[:512].lstrip().lower()
    return "html" in content_type.lower() or head.startswith(b"<!doctype html") or head.startswith(b"<html")


def check_jsonstat(content: bytes, publisher: str = "SSB") -> None:
    """A complete JSON-stat 2.0 dataset with at least one real figure, or :class:`FetchError`."""
    try:
        doc = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FetchError(
            "invalid_response",
            f"Svaret fra {publisher} var ikke gyldig JSON (trolig avkuttet underveis). Ingenting er lagret; "
            "de siste gode dataene vises fortsatt.",
            f"invalid JSON ({exc}); {len(content)} bytes",
        ) from None
    if not isinstance(doc, dict) or doc.get("class") != "dataset" or not str(doc.get("version", "")).startswith("2"):
        raise FetchError(
            "invalid_response",
            f"Svaret fra {publisher} var ikke et JSON-stat 2.0-datasett. Ingenting er lagret.",
            f"not a JSON-stat 2.0 dataset: class={doc.get('class') if isinstance(doc, dict) else None!r}",
        )
    sizes = doc.get("size") or []
    n = math.prod(sizes) if sizes else 0
    values = doc.get("value")
    if isinstance(values, list):
        if len(values) != n:
            raise FetchError(
                "invalid_response",
                f"Svaret fra {publisher} var ufullstendig: {len(values)} av {n} celler. Ingenting er lagret.",
                f"value has {len(values)} cells, size implies {n}",
            )
        cells = values
    elif isinstance(values, dict):
        cells = list(values.values())
    else:
        raise FetchError("invalid_response", f"Svaret fra {publisher} manglet tall ('value').", "no 'value'")
    if all(v is None or str(v).strip() in EMPTY_CELLS for v in cells):
        raise revision_data_error(n) if publisher == "SSB" else no_figures_error(publisher, n)


def revision_data_error(cells: int) -> FetchError:
    return FetchError(
        "revision_data",
        "SSB svarte bare med «.» eller 0 i alle celler, slik tabeller ser ut mens tall revideres. "
        "Svaret er ikke lagret; de siste gode dataene vises fortsatt.",
        f"all {cells} cells are empty, '.' or 0 (revision window artefact)",
    )


def no_figures_error(publisher: str, cells: int) -> FetchError:
    return FetchError(
        "invalid_response",
        f"{publisher} svarte uten et eneste tall (alle celler tomme, skjermet eller 0). Svaret er ikke lagret; "
        "de siste gode dataene vises fortsatt.",
        f"all {cells} cells are empty, flagged or 0",
    )


def check_csv(content: bytes, stub_columns: int) -> None:
    """A PxWeb CSV with a header, at least one row and at least one real figure."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=";") if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise FetchError(
            "invalid_response",
            "Svaret fra SSB var tomt eller ufullstendig (ingen datarader). Ingenting er lagret.",
            f"{len(rows)} CSV rows",
        )
    width = len(rows[0])
    if any(len(r) != width for r in rows[1:]):
        raise FetchError(
            "invalid_response",
            "Svaret fra SSB var ufullstendig (en rad mangler felt; trolig avkuttet). Ingenting er lagret.",
            "ragged CSV rows (truncated?)",
        )
    cells = [c for r in rows[1:] for c in r[stub_columns:]]
    if all(c.strip() in EMPTY_CELLS for c in cells):
        raise revision_data_error(len(cells))


def check_response(response: httpx.Response, output_format: str, stub_columns: int, publisher: str = "SSB") -> None:
    content = response.content
    if _html(content, response.headers.get("Content-Type", "")):
        raise FetchError(
            "html_response",
            f"{publisher} svarte med en nettside (HTML) i stedet for data (HTTP {response.status_code}); "
            "tjenesten er trolig nede eller under vedlikehold. De siste gode dataene vises fortsatt.",
            f"HTML instead of {output_format}",
            status=response.status_code,
        )
    if output_format == "csv":
        check_csv(content, stub_columns)
    else:
        check_jsonstat(content, publisher)


def fetch_parts(
    client: HttpClient,
    base_url: str,
    queries: list[Query],
    *,
    now: dt.datetime,
    stub_columns: int = 0,
    max_url_length: int = MAX_URL_LENGTH,
) -> list[Part]:
    """Send every query (after refusing the revision window) and check each response; all or nothing."""
    refuse_in_revision_window(now)
    parts = []
    for query in queries:
        request = build_request(base_url, query, max_url_length)
        if request.method == "GET":
            response = client.request("GET", request.url)
        else:
            response = client.request("POST", request.url, json=request.body)
        check_response(response, query.output_format, stub_columns)
        parts.append(Part(request, response.content, response.status_code, now))
    return parts
