"""Write fetched responses into the landing folder, each with a sidecar.

The response goes to ``<landing>/<source>/<file>`` as it came (bytes unchanged), written to a
temporary name and renamed, so the landing sensor never sees half a file. Its sidecar,
``<landing>/<source>/.fetch/<file>.json``, records the request (URL, or URL and JSON body for a
POST), the fetch time, the HTTP status and the content's SHA-256. The sidecars sit in a
subfolder, which the ingestion and the landing sensor do not read (they take the folder's files
only).

A response whose hash equals the last one written under that name writes nothing: neither the
file nor the sidecar, so the landing folder is unchanged and nothing is loaded again. The
sidecar's hash counts even if the file has since gone to quarantine, so a bad response fetched
again is not quarantined again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from pipelines.fetch.ssb import Part

SIDECAR_DIR = ".fetch"


@dataclass(frozen=True)
class Written:
    file_name: str
    sha256: str
    changed: bool  # False: same content as the last fetch, nothing written


def sidecar_path(folder: Path, file_name: str) -> Path:
    return folder / SIDECAR_DIR / f"{file_name}.json"


def last_hash(folder: Path, file_name: str) -> str | None:
    path = sidecar_path(folder, file_name)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("sha256")
    except (OSError, ValueError):
        return None


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_part(folder: Path, file_name: str, part: Part, *, table: str, source: str) -> Written:
    digest = hashlib.sha256(part.content).hexdigest()
    if last_hash(folder, file_name) == digest:
        return Written(file_name, digest, changed=False)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SIDECAR_DIR).mkdir(exist_ok=True)
    request = part.request
    sidecar = {
        "source": source,
        "table": table,
        "file": file_name,
        "method": request.method,
        "url": request.url,
        "body": request.body,
        "cells_requested": request.query.cells,
        "years": request.query.label or "alle",
        "fetched_at": part.fetched_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "http_status": part.status,
        "sha256": digest,
        "bytes": len(part.content),
    }
    if part.flags is not None:
        sidecar["flags"] = part.flags
    _atomic_write(folder / file_name, part.content)
    _atomic_write(sidecar_path(folder, file_name), json.dumps(sidecar, ensure_ascii=False, indent=2).encode())
    return Written(file_name, digest, changed=True)
