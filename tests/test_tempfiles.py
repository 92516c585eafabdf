"""Leftovers of a killed writer (the published snapshot's and the report's temporary files) are
removed by the next writer; a live writer's are not."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pipelines.tempfiles import remove_stale, temp_path


def dead_pid() -> int:
    """The id of a process that has ended (as after kill -9)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_killed_writers_temporary_files_go_and_a_live_ones_stay(tmp_path: Path):
    target = tmp_path / "sbu.duckdb"
    target.write_bytes(b"served snapshot")
    pid = dead_pid()
    left = [
        tmp_path / f".sbu.duckdb.{pid}.tmp",
        tmp_path / f".sbu.duckdb.{pid}.tmp.wal",
        tmp_path / f".statusrapport_2019.pdf.{pid}.tmp",
    ]
    for path in left:
        path.write_bytes(b"half written")
    work = tmp_path / f".statusrapport.abc123.{pid}.tmp"
    work.mkdir()
    (work / "chart.svg").write_text("<svg/>")
    mine = temp_path(target)
    mine.write_bytes(b"being written")
    other = tmp_path / ".notes.tmp"  # not a writer's temporary file
    other.write_text("keep")

    removed = remove_stale(tmp_path)

    assert sorted(removed) == sorted([*left, work])
    assert not any(p.exists() for p in [*left, work])
    assert mine.exists() and other.exists() and target.read_bytes() == b"served snapshot"
    assert mine.name == f".sbu.duckdb.{os.getpid()}.tmp"


def test_the_next_publication_removes_what_a_killed_one_left(pipeline_result, demo_data_dir: Path, tmp_path: Path):
    """kill -9 during the snapshot copy leaves ``.sbu.duckdb.<pid>.tmp`` (and its WAL); the next
    publication removes them and swaps its own snapshot in."""
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.defs.resources import SbuSettings, pipeline_resources
    from tests.conftest import use_data_dir

    (tmp_path / "warehouse").mkdir()
    shutil.copyfile(demo_data_dir / "warehouse" / "sbu.duckdb", tmp_path / "warehouse" / "sbu.duckdb")
    published = tmp_path / "published"
    published.mkdir()
    pid = dead_pid()
    left = [published / f".sbu.duckdb.{pid}.tmp", published / f".sbu.duckdb.{pid}.tmp.wal"]
    for path in left:
        path.write_bytes(b"half written")
    try:
        use_data_dir(tmp_path)
        result = dg.materialize(
            list(defs.assets or []),
            selection=["published_snapshot"],
            resources=pipeline_resources(SbuSettings()),
            instance=dg.DagsterInstance.ephemeral(),
        )
        assert result.success
    finally:
        use_data_dir(demo_data_dir)
    assert sorted(p.name for p in published.iterdir()) == ["sbu.duckdb"]
