"""FHI Statistikk's Open API (the Norwegian Institute of Public Health's statistics banks): the
query the fetchers send and the flags.

* ``POST {base}/{source}/Table/{table}/data`` with the selection as JSON:
  ``{"dimensions": [{"code": "GEO", "filter": "item", "values": ["<kommunenr>", "0"]},
  {"code": "AAR", "filter": "all", "values": ["*"]}, …], "response": {"format": "json-stat2"}}``
  (every period, so a new one arrives by itself). FHI publishes a table on one set of borders, so
  a municipality is asked for by today's code.
* ``GET {base}/{source}/Table/{table}/flag``: what each status symbol (``:``, ``..``) means. The
  answer goes into the response's sidecar; :func:`pipelines.readers.fhi.fhi_jsonstat_to_frame`
  takes it as ``flags``.

The response is checked as SSB's JSON-stat is (:func:`pipelines.fetch.ssb.check_response`): FHI's
quirks (``role`` null, ``status`` a string) pass; HTML, a truncated body and a response without a
single figure are refused. FHI has no revision window.
"""

from __future__ import annotations

import datetime as dt
import json

from pipelines.fetch.http import FetchError, HttpClient
from pipelines.fetch.ssb import Part, Query, Request, check_response

PUBLISHER = "FHI"


def data_url(base_url: str, source: str, table: str) -> str:
    return f"{base_url.rstrip('/')}/{source}/Table/{table}/data"


def flag_url(base_url: str, source: str, table: str) -> str:
    return f"{base_url.rstrip('/')}/{source}/Table/{table}/flag"


def body(query: Query) -> dict:
    """The JSON body of a data request: ``filter: all`` for a selection of ``*``, else ``item``."""
    dimensions = [
        {"code": s.variable, "filter": "all" if s.values == ("*",) else "item", "values": list(s.values)}
        for s in query.selections
    ]
    return {"dimensions": dimensions, "response": {"format": query.output_format}}


def build_request(base_url: str, source: str, query: Query) -> Request:
    return Request("POST", data_url(base_url, source, query.table), (), body(query), query)


def fetch_part(client: HttpClient, base_url: str, source: str, query: Query, *, now: dt.datetime) -> Part:
    """Send the data request and the flag request; check both. All or nothing."""
    request = build_request(base_url, source, query)
    response = client.request("POST", request.url, json=request.body)
    check_response(response, query.output_format, 0, publisher=PUBLISHER)
    flags = client.request("GET", flag_url(base_url, source, query.table))
    try:
        legend = json.loads(flags.content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        legend = None
    if not isinstance(legend, list):
        raise FetchError(
            "invalid_response",
            "FHI svarte ikke med en liste over flagg (hva symbolene betyr). Ingenting er lagret; "
            "de siste gode dataene vises fortsatt.",
            f"flag endpoint: not a JSON list ({len(flags.content)} bytes)",
        )
    return Part(request, response.content, response.status_code, now, flags=legend)
