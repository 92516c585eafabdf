"""Leaders' commentaries on their results agreement (resultatavtale), with who and when.

One store for the dashboard (which writes them) and the status report (which prints them):
JSON Lines in ``<data_dir>/commentary/kommentarer.jsonl``, beside, never inside, the published
snapshot. One line per saved commentary; nothing is overwritten, so the history of a service's
commentary for a year stays traceable. The newest line per (service, report year) is current.

Record fields: ``id``, ``service``, ``report_year``, ``area_code``, ``author``, ``text``,
``saved_at`` (ISO 8601 with UTC offset, Europe/Oslo).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import uuid
from pathlib import Path

from pipelines.nb_format import OSLO, format_datetime_nb

FILE_NAME = "kommentarer.jsonl"
MAX_CHARS = 4000
_LOCK = threading.Lock()


def commentary_path(data_dir: Path) -> Path:
    return Path(data_dir) / "commentary" / FILE_NAME


def save(data_dir: Path, *, service: str, report_year: int, author: str, text: str, area_code: str) -> dict:
    """Append one commentary; returns the stored record."""
    author, text = (author or "").strip(), (text or "").strip()
    if not author:
        raise ValueError("Skriv inn navnet ditt.")
    if not text:
        raise ValueError("Kommentaren er tom.")
    record = {
        "id": uuid.uuid4().hex,
        "service": service,
        "report_year": int(report_year),
        "area_code": area_code,
        "author": author[:200],
        "text": text[:MAX_CHARS],
        "saved_at": dt.datetime.now(OSLO).isoformat(timespec="seconds"),
    }
    path = commentary_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    with _LOCK:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)  # one write of one line with O_APPEND: no interleaving
        finally:
            os.close(fd)
    return record


def _saved_key(rec: dict) -> tuple[float, str]:
    raw = str(rec.get("saved_at") or "")
    try:
        parsed = dt.datetime.fromisoformat(raw)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=OSLO)
        return parsed.timestamp(), raw
    except ValueError:
        return float("-inf"), raw


def load(data_dir: Path, *, service: str | None = None, report_year: int | None = None) -> list[dict]:
    """Stored commentaries, newest first, optionally for one service and/or report year.
    Torn or foreign lines are skipped, so one bad line never hides the others."""
    path = commentary_path(data_dir)
    if not path.exists():
        return []
    out = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
                year = int(rec.get("report_year"))
            except (json.JSONDecodeError, AttributeError, TypeError, ValueError):
                continue
            if not str(rec.get("service") or "").strip() or not str(rec.get("text") or "").strip():
                continue
            if service is not None and rec.get("service") != service:
                continue
            if report_year is not None and year != int(report_year):
                continue
            out.append(rec)
    out.sort(key=_saved_key, reverse=True)
    return out


def current(data_dir: Path, report_year: int) -> list[dict]:
    """The current (newest) commentary of each service for ``report_year``, by service name."""
    newest: dict[str, dict] = {}
    for rec in load(data_dir, report_year=report_year):
        newest.setdefault(str(rec["service"]).strip(), rec)
    return sorted(newest.values(), key=lambda r: str(r["service"]).casefold())


def format_when(saved_at: str) -> str:
    try:
        return format_datetime_nb(dt.datetime.fromisoformat(str(saved_at)))
    except (TypeError, ValueError):
        return str(saved_at or "")
