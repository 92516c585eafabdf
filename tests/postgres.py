"""A real, throwaway PostgreSQL server for tests: Debian's postgresql package (scripts/install_postgres.sh
installs it), a fresh cluster in a temporary folder, on a free port of 127.0.0.1, stopped afterwards.

The server runs as the invoking user, or as ``postgres`` when that is root (PostgreSQL refuses root).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _bindir() -> Path | None:
    """The PostgreSQL server programs: Debian keeps them in /usr/lib/postgresql/<major>/bin (newest wins)."""
    debian = sorted(Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if debian:
        return max(debian, key=lambda p: int(p.parent.parent.name)).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def local_postgres(database: str = "dagster") -> Iterator[str]:
    """Start a PostgreSQL cluster in a new temporary folder; yields its URL (trust authentication,
    loopback only). The folder is its own (not pytest's ``tmp_path``, which ``postgres`` cannot enter)."""
    bindir = _bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed: run `bash scripts/install_postgres.sh` (make test does)")
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    folder = Path(tempfile.mkdtemp(prefix="sbu_pg_"))
    cluster, sockets = folder / "cluster", folder / "socket"
    sockets.mkdir(exist_ok=True)
    if as_root:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, text=True, cwd="/")

    run(str(bindir / "initdb"), "-D", str(cluster), "-U", "sbu", "--auth=trust", "--encoding=UTF8", "--no-sync")
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(str(bindir / "pg_ctl"), "-D", str(cluster), "-o", options, "-l", str(folder / "server.log"), "-w", "start")
    try:
        run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "sbu", database)
        yield f"postgresql://sbu@127.0.0.1:{port}/{database}"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(cluster), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)
