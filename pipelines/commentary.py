"""Leaders' commentaries on their results agreement (resultatavtale), with who and when.

One store for the dashboard (which writes them) and the status report (which prints them):
JSON Lines in ``<data_dir>/commentary/kommentarer.jsonl``, beside, never inside, the published
snapshot. One line per saved commentary; nothing is overwritten, so the history of a service's
commentary for a year stays traceable. The newest line per (service, report year) is current.

Record fields: ``id``, ``service``, ``report_year``, ``area_code``, ``author`` (the signer's name,
as printed), ``signer`` (the signed-in identity: ``name``, ``email``, ``subject``, ``issuer``; from
the identity provider's ID token, never typed in), ``text``, ``saved_at`` (ISO 8601 with UTC
offset, Europe/Oslo). A commentary without a signer's subject is refused: there is no anonymous
signature. Records written before sign-in existed have no ``signer`` and are shown as they are.

A report built before the newest commentary of its year is out of date (``stale_report``): the
page that saves a commentary says so, until the report is built again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path

from pipelines.nb_format import OSLO, format_datetime_nb, format_number_nb

FILE_NAME = "kommentarer.jsonl"
MAX_CHARS = 4000
_LOCK = threading.Lock()


def commentary_path(data_dir: Path) -> Path:
    return Path(data_dir) / "commentary" / FILE_NAME


def save(
    data_dir: Path, *, service: str, report_year: int, signer: Mapping[str, str], text: str, area_code: str
) -> dict:
    """Append one commentary signed by ``signer`` (the signed-in identity: ``subject`` required,
    ``name``, ``email``, ``issuer``); returns the stored record."""
    signer = {k: str(signer.get(k) or "").strip()[:200] for k in ("name", "email", "subject", "issuer")}
    text = (text or "").strip()
    if not signer["subject"]:
        raise ValueError("Kommentaren må signeres av en innlogget bruker.")
    if not text:
        raise ValueError("Kommentaren er tom.")
    if len(text) > MAX_CHARS:  # said, never cut silently
        raise ValueError(
            f"Kommentaren er på {format_number_nb(len(text), 0)} tegn; grensen er {format_number_nb(MAX_CHARS, 0)} "
            f"tegn. Kort den ned med {format_number_nb(len(text) - MAX_CHARS, 0)} tegn og lagre igjen."
        )
    record = {
        "id": uuid.uuid4().hex,
        "service": service,
        "report_year": int(report_year),
        "area_code": area_code,
        "author": signer["name"] or signer["email"] or signer["subject"],
        "signer": signer,
        "text": text,
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


def saved_time(rec: dict) -> dt.datetime | None:
    """When ``rec`` was saved, timezone-aware (None if unreadable)."""
    try:
        parsed = dt.datetime.fromisoformat(str(rec.get("saved_at") or ""))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=OSLO)


def stale_report(data_dir: Path, report_path: Path, report_year: int) -> dict | None:
    """The newest commentary of ``report_year`` saved after the report at ``report_path`` was built,
    or None when the report is newer than every commentary of its year (or not built yet)."""
    path = Path(report_path)
    if not path.exists():
        return None
    built = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    newest = load(data_dir, report_year=report_year)
    if not newest:
        return None
    when = saved_time(newest[0])
    return newest[0] if when is not None and when > built else None


def signer_name(rec: dict) -> str:
    """Who signed ``rec``, as printed: the stored identity's name (or e-mail), else the older records' author."""
    signer = rec.get("signer") or {}
    return str(signer.get("name") or signer.get("email") or rec.get("author") or "").strip()


def format_when(saved_at: str) -> str:
    try:
        return format_datetime_nb(dt.datetime.fromisoformat(str(saved_at)))
    except (TypeError, ValueError):
        return str(saved_at or "")
