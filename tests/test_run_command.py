"""``python -m pipelines.run`` (``make pipeline``) as a person runs it: a readable line per step,
the detail in the data folder's log, and a second run with nothing changed rebuilds nothing."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import pytest

from pipelines.commentary import commentary_path
from pipelines.settings import get_settings
from tests.conftest import AS_OF, use_data_dir


@pytest.mark.slow
def test_a_line_per_step_then_a_second_run_rebuilds_nothing(
    tmp_path: Path, loaded_data_dir: Path, demo_data_dir: Path, monkeypatch, capsys
):
    data = loaded_data_dir
    use_data_dir(data, SBU_AS_OF=AS_OF.isoformat())
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    from pipelines.definitions import defs
    from pipelines.run import main

    try:
        assert main([]) == 0
        first = capsys.readouterr().out.splitlines()
        steps = len(defs.resolve_job_def("refresh_all").graph.node_defs) + 1  # and the report's step
        done = [line for line in first if re.match(r"^\s*\d+\.\d s  ok      \S+ \(\d+\.\d s\)$", line)]
        assert len(done) == steps
        assert len(first) <= steps + 8  # a few lines around the steps, no Dagster event dump
        assert not any("DEBUG" in line for line in first)
        log = data / "logs" / "pipeline.log"
        assert f"Pipeline (status per {AS_OF}; every event in {log}):" in first
        detail = log.read_text(encoding="utf-8")
        assert detail.count("STEP_SUCCESS") == steps and "DEBUG" in detail and "ASSET_CHECK_EVALUATION" in detail

        settings = get_settings()
        report = settings.reports_dir / "statusrapport_2025.pdf"
        outputs = {p: p.stat().st_mtime_ns for p in (settings.published_path, settings.warehouse_path, report)}
        with dg.DagsterInstance.get() as instance:
            runs = instance.get_runs_count()

        assert main([]) == 0  # how fast: `make benchmark` (second_run_s), never a timed test
        second = capsys.readouterr().out
        assert "nothing to rebuild" in second and "Status report 2025 unchanged" in second
        with dg.DagsterInstance.get() as instance:
            assert instance.get_runs_count() == runs  # no run at all
        assert {p: p.stat().st_mtime_ns for p in outputs} == outputs
        assert log.read_text(encoding="utf-8") == detail  # the log still tells how the data were made

        # A new commentary changes what the report is made from, not the data.
        from pipelines.run import inputs_fingerprint, report_fingerprint

        before = (inputs_fingerprint(settings, AS_OF), report_fingerprint(settings, "2025"))
        path = commentary_path(settings.data_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('{"service": "PP-tjenesten", "report_year": 2025, "text": "Ny"}\n', encoding="utf-8")
        after = (inputs_fingerprint(settings, AS_OF), report_fingerprint(settings, "2025"))
        assert after[0] == before[0] and after[1] != before[1]
        # Another status day, or another landing file, is another refresh.
        assert inputs_fingerprint(settings, AS_OF.replace(day=16)) != before[0]
        (data / "landing" / "ppt" / "ppt_2026.csv").write_bytes(
            (data / "landing" / "ppt" / "ppt_2025.csv").read_bytes()
        )
        assert inputs_fingerprint(settings, AS_OF) != before[0]
    finally:
        use_data_dir(demo_data_dir)
