"""Temporary files written beside their target and swapped in with ``os.replace`` (the published
snapshot, the report PDFs), and the leftovers of a process killed while writing one.

A temporary file carries the writer's process id: ``.<name>.<pid>.tmp`` (DuckDB adds
``.<name>.<pid>.tmp.wal``; a working folder is ``.<prefix><random>.<pid>.tmp``). The next writer in
the same folder removes those whose process no longer runs (:func:`remove_stale`), so a kill -9
leaves nothing behind for long and never touches the file a live run is writing.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

__all__ = ["remove_stale", "temp_path", "temp_suffix"]

_TEMP = re.compile(r"\..+\.(\d+)\.tmp(?:\.wal)?")


def temp_suffix() -> str:
    """The end of this process's temporary names (``.<pid>.tmp``)."""
    return f".{os.getpid()}.tmp"


def temp_path(target: Path) -> Path:
    """Where this process writes ``target`` before swapping it in."""
    return target.with_name(f".{target.name}{temp_suffix()}")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    except OverflowError:  # not a process id at all
        return False
    return True


def remove_stale(folder: Path) -> list[Path]:
    """Remove the temporary files and folders in ``folder`` left by processes that no longer run;
    returns what was removed."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in folder.glob(".*.tmp*"):
        m = _TEMP.fullmatch(path.name)
        if not m or _alive(int(m.group(1))):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed
