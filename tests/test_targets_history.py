"""Targets are political decisions: a change keeps the old version, and the scorecard names the
version it used. Changing a target re-derives only the targets and the scorecard."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.defs.resources import SbuSettings, pipeline_resources
from pipelines.settings import get_settings
from tests.conftest import use_data_dir

NEW_VERSION = """      - version: 2
        kind: numeric
        value: 95
        target_year: 2021
        decided_by: Styringsgruppen
        decided_at: 2018-06-14
        decision_ref: "Sak 042/18"
        note: "Mål justert etter evaluering av Tidlig innsatsteam"
"""


def _add_version(text: str, metric_id: str) -> str:
    """Insert NEW_VERSION after the last version of ``metric_id`` in targets.yaml."""
    start = text.index(f"  - metric_id: {metric_id}\n")
    nxt = text.find("\n  - metric_id:", start + 1)
    end = len(text) if nxt == -1 else nxt + 1
    return text[:end] + NEW_VERSION + text[end:]


def test_changed_target_keeps_history_and_scorecard_names_new_version(
    tmp_path: Path, pipeline_result, demo_data_dir: Path
):
    data = tmp_path / "data"
    shutil.copytree(demo_data_dir, data, ignore=shutil.ignore_patterns("*.wal"))
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        _add_version(get_settings().targets_path.read_text(encoding="utf-8"), "ti_parent_share"), encoding="utf-8"
    )
    use_data_dir(data, SBU_TARGETS_PATH=str(targets))
    try:
        from pipelines.definitions import defs
        from pipelines.defs.jobs import REFRESH_SELECTION

        warehouse = get_settings().warehouse_path
        loads_before = (
            duckdb.connect(str(warehouse), read_only=True)
            .execute("SELECT * FROM meta.file_loads ORDER BY ALL")
            .fetchall()
        )
        result = dg.materialize(
            list(defs.assets),
            selection=(
                dg.AssetSelection.assets("targets").downstream() & REFRESH_SELECTION
            ).required_multi_asset_neighbors(),
            resources=pipeline_resources(SbuSettings()),
            instance=dg.DagsterInstance.ephemeral(),
        )
        assert result.success
        ran = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
        # no source was reloaded (the scorecard step writes the source schedule too)
        assert ran == {"targets", "scorecard", "source_schedule", "published_snapshot"}

        con = duckdb.connect(str(get_settings().published_path), read_only=True)
        history = con.execute(
            "SELECT version, kind, value, target_year, decided_by, decision_ref, is_current FROM target_history "
            "WHERE metric_id = 'ti_parent_share' ORDER BY version"
        ).fetchall()
        card = con.execute(
            "SELECT target_version, target_value, target_year, target_decision_ref FROM scorecard "
            "WHERE metric_id = 'ti_parent_share' AND area_code = 'baerum' AND report_year = 2024"
        ).fetchall()
        con.close()
        assert history == [
            (
                1,
                "numeric",
                100.0,
                2019,
                "Kommunestyret",
                "Sammen for barn og unge 2015-2019, vedtatt 29.04.2015",
                False,
            ),
            (2, "numeric", 95.0, 2021, "Styringsgruppen", "Sak 042/18", True),
        ]
        assert card == [(2, 95.0, 2021, "Sak 042/18")]
        loads_after = (
            duckdb.connect(str(warehouse), read_only=True)
            .execute("SELECT * FROM meta.file_loads ORDER BY ALL")
            .fetchall()
        )
        assert loads_after == loads_before
    finally:
        use_data_dir(demo_data_dir)


def test_rewriting_an_old_target_version_is_refused(tmp_path: Path):
    from pipelines.catalogue import load_targets

    text = get_settings().targets_path.read_text(encoding="utf-8")
    broken = _add_version(text, "ti_parent_share").replace("      - version: 2\n", "      - version: 3\n")
    path = tmp_path / "targets.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ValueError, match="versions must be 1, 2, 3"):
        load_targets(path)
