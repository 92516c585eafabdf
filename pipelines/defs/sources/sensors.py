"""The landing-folder sensor: new or changed files in ``<landing>/<source>/`` launch a run for
that source and everything downstream of it in ``refresh_all`` (its staging models, metrics,
scorecard, published snapshot), together with the cheap reference assets (plan, catalogue, targets,
areas and their ancestors) so a fresh warehouse is complete. An edited ``catalogue/plans/<plan>/targets.yaml`` re-derives only the targets, the
scorecard and the snapshot. The new snapshot then triggers the status report's own sensor.

The cursor holds a fingerprint (name, size, mtime) of each source's folder, so an unchanged
folder launches nothing; the ingestion itself deduplicates by content hash, so a touched but
identical file loads nothing either. The first tick has no cursor: on an instance that has
published a snapshot already (``make pipeline`` before ``make dagster-ui``), only what changed
after that publication counts as new (a file or folder modified later, a later targets file), so
starting the UI on loaded data launches nothing.
"""

import hashlib
import json
from pathlib import Path

import dagster as dg

from pipelines.defs.jobs import REFRESH_SELECTION, refresh_all
from pipelines.defs.resources import SbuSettings
from pipelines.defs.serving.snapshot import last_snapshot
from pipelines.ingest.contracts import contract_sources
from pipelines.instance import sensor_interval_seconds


def folder_fingerprint(landing_dir: Path, source: str) -> str:
    folder = landing_dir / source
    entries = (
        sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.glob("*") if p.is_file())
        if folder.exists()
        else []
    )
    return hashlib.sha256(json.dumps(entries).encode()).hexdigest()


def file_fingerprint(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


TARGETS_KEY = "catalogue/targets.yaml"  # the cursor entry of the plan's targets file


def modified_after(path: Path, timestamp: float) -> bool:
    """True when ``path`` (a file, or a folder: itself or any file in it) was modified after
    ``timestamp`` (seconds since the epoch); a folder's own time changes when a file is added,
    removed or renamed."""
    if not path.exists():
        return False
    paths = [path, *(p for p in path.glob("*") if p.is_file())] if path.is_dir() else [path]
    return any(p.stat().st_mtime > timestamp for p in paths)


@dg.sensor(
    job=refresh_all,
    minimum_interval_seconds=sensor_interval_seconds(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starter innlasting når nye filer legges i landingsmappen til en kilde.",
)
def landing_files(context: dg.SensorEvaluationContext, settings: SbuSettings):
    # The settings as they are at this tick (the resource's fields over the environment).
    effective = settings.effective()
    current = {source: folder_fingerprint(effective.landing_dir, source) for source in contract_sources()}
    current[TARGETS_KEY] = file_fingerprint(effective.targets_path)
    if context.cursor:
        previous = json.loads(context.cursor)
    elif (published := last_snapshot(context.instance)) is not None:
        # The first tick on an instance with data: what the last publishing run saw when it started
        # is not new.
        run = context.instance.get_run_record_by_id(published.run_id) if published.run_id else None
        seen = run.start_time if run is not None and run.start_time else published.timestamp
        path_of = {source: effective.landing_dir / source for source in current} | {TARGETS_KEY: effective.targets_path}
        previous = {key: value for key, value in current.items() if not modified_after(path_of[key], seen)}
    else:
        previous = {}
    changed = sorted(s for s in current if previous.get(s) != current[s])
    context.update_cursor(json.dumps(current, sort_keys=True))
    if not changed:
        return dg.SkipReason("Ingen nye eller endrede filer i landingsmappene.")
    sources = [s for s in changed if s != TARGETS_KEY]
    if sources:
        selection = dg.AssetSelection.assets(*sources).downstream() | dg.AssetSelection.groups("reference")
    else:  # only the steering group's targets changed: re-derive the scorecard, not the sources
        selection = dg.AssetSelection.assets("targets").downstream()
    # A step that writes several tables (a multi-asset) runs whole.
    selection = (selection & REFRESH_SELECTION).required_multi_asset_neighbors()
    keys = sorted(selection.resolve(context.repository_def.asset_graph), key=lambda k: k.to_user_string())
    return dg.RunRequest(
        run_key=hashlib.sha256(json.dumps(current, sort_keys=True).encode()).hexdigest()[:16],
        asset_selection=keys,
        tags={"sbu/changed_sources": ",".join(changed)},
    )


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(sensors=[landing_files])
