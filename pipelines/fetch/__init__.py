"""Fetching public statistics (SSB PxWebApi v2, FHI Statistikk Open API) into the landing folder.

``http`` has the HTTP client (httpx) with a rate limiter and retries (tenacity), ``ssb`` the
PxWebApi v2 queries and response checks, ``fhi`` FHI's data and flag requests, ``tables`` the tables the plans use and which regions to
ask for, ``landing`` writes a response and its sidecar into ``<landing>/<source>/``. The Dagster
assets are in ``pipelines/defs/fetch/``; see docs/howto.md, "Fetching public statistics".
"""
