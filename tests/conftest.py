"""Shared fixtures: one real pipeline run on freshly generated demo data per test run.

The whole asset graph is materialized with Dagster into a DuckDB file under a temporary data
folder (``SBU_DATA_DIR``, read by the unconfigured settings resource), exactly as ``make run`` does,
and its published snapshot is what the dashboard tests read. That folder, the template, is built
once and shared by the pytest-xdist workers (``build_once``): tests read it and copy what they change.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
from filelock import FileLock

from pipelines.defs.resources import SbuSettings, pipeline_resources
from pipelines.settings import AS_OF_TAG, REPO_ROOT, get_settings

# The day the tests' demo data stand on and their pipeline runs judge the status on (the run tag
# ``as_of``), fixed so that no expected value changes with the calendar. On 15 April 2026 the demo
# holds what each source has published by then: the 2025 figures of KOSTRA (due 1 March 2026), PPT
# and the services (due 1 February 2026); SSB's completion and disability figures up to 2024 (2025's
# are due 1 June 2026), school years up to 2024/25 (2025/26 on 1 August 2026) and the Ungdata
# surveys up to 2023 (the 2026 survey on 1 September 2026). So nothing is "foreldet".
AS_OF = dt.date(2026, 4, 15)
# The second plan that ships with the product: a fictional municipality with another shape.
SECOND_PLAN = "fjordvik-oppvekst-2022-2027"


def clear_settings_environment() -> None:
    """Remove every ``SBU_*`` variable (and the cached settings object built from them)."""
    for key in [k for k in os.environ if k.startswith("SBU_")]:
        del os.environ[key]
    get_settings.cache_clear()


def use_data_dir(path: Path, **overrides: str) -> None:
    """Point every setting at ``path`` (the settings object is cached per process); other
    ``SBU_*`` variables are reset unless given in ``overrides``."""
    clear_settings_environment()
    os.environ["SBU_DATA_DIR"] = str(path)
    os.environ.update(overrides)


@dataclass
class PipelineRun:
    """What ``make pipeline`` runs: ``refresh_all``, then the status report of the snapshot's
    latest report year (the partition the ``report_after_publish`` sensor asks for)."""

    refresh: dg.ExecuteInProcessResult
    report: dg.ExecuteInProcessResult | None

    @property
    def success(self) -> bool:
        return self.refresh.success and (self.report is None or self.report.success)


def materialize_all(
    data_dir: Path,
    instance: dg.DagsterInstance | None = None,
    *,
    report: bool = True,
    as_of: dt.date | None = AS_OF,
    settings: dict[str, object] | None = None,
    **overrides: str,
) -> PipelineRun:
    """Materialize the code location's assets against ``data_dir`` (in process) with Dagster's
    ``materialize``, the refresh judged on ``as_of`` (run tag; None: no tag); ``report=False``
    leaves out the PDF. The settings come from the environment (``SBU_DATA_DIR`` and ``overrides``),
    or, with ``settings``, from the settings resource configured with those fields and
    ``data_dir``, as a run launched in the Dagster UI with resource config, with no ``SBU_*``
    variable set."""
    if settings is None:
        use_data_dir(data_dir, **overrides)
        resource = SbuSettings()
    else:
        assert not overrides, "give the settings either as resource fields or as environment variables"
        clear_settings_environment()
        resource = SbuSettings(data_dir=str(data_dir), **settings)
    from pipelines.definitions import defs
    from pipelines.defs.jobs import REFRESH_SELECTION
    from pipelines.defs.serving.report import latest_report_year, status_report

    assets = list(defs.assets or [])
    resources = pipeline_resources(resource)
    instance = instance or dg.DagsterInstance.ephemeral()
    tags = {AS_OF_TAG: as_of.isoformat()} if as_of else None
    refresh = dg.materialize(
        assets, selection=REFRESH_SELECTION, resources=resources, instance=instance, raise_on_error=False, tags=tags
    )
    if not (refresh.success and report):
        return PipelineRun(refresh, None)
    year = latest_report_year(refresh.asset_materializations_for_node("published_snapshot")[0])
    return PipelineRun(
        refresh,
        dg.materialize(
            assets,
            selection=[status_report.key],
            partition_key=year,
            resources=resources,
            instance=instance,
            raise_on_error=False,
        ),
    )


# Test files that share a fixture wider than their module (the dashboard server, the second plan's
# run, the golden set's run): a parallel run keeps each group on one worker, so it is set up once.
SHARED_FIXTURE_GROUPS = {
    "tests/e2e/test_browser.py": "dashboard",
    "tests/e2e/test_pages_browser.py": "dashboard",
    "tests/e2e/test_second_plan_browser.py": "second_plan",
    "tests/test_second_plan.py": "second_plan",
    "tests/test_demo_plans.py": "second_plan",
    "tests/test_metrics_golden.py": "golden",
    "tests/test_region_codes.py": "golden",
}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """With ``--dist loadscope`` (``make test``): one work unit per test file, so its module-scoped
    fixtures (a PDF, a server, a template) are set up on one worker only, and one per group of
    ``SHARED_FIXTURE_GROUPS``. (pytest-xdist's own ``loadgroup`` marks do not reach its scheduler
    under pytest 9.2, which no longer reads the node id it rewrites.)"""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file = nodeid.split("::", 1)[0]
            return SHARED_FIXTURE_GROUPS.get(file, file)

    return SharedFixtureScheduling(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` first (otherwise in collection order): in a parallel run (``make test``:
    ``pytest -n 2 --dist loadscope --no-loadscope-reorder``, work units in the order their first test
    comes) the long ones then start at once instead of keeping one worker busy after the other ends."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


# -- the session's demo template: built once per test run, shared by the xdist workers ---------


@pytest.fixture(scope="session")
def demo_template_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the session's demo template: ``data`` (the data folder, ``demo_data_dir``),
    ``dagster_home`` (the instance of its pipeline run) and the build's lock and marker files.
    Under pytest-xdist it is in the run's common temporary folder (the parent of each worker's
    own), so the workers build it once and share it; without xdist it is this session's own."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = tmp_path_factory.getbasetemp().parent / "demo_template"
        root.mkdir(exist_ok=True)
        return root
    return tmp_path_factory.mktemp("demo_template")


def build_once(root: Path, stage: str, build: Callable[[], str]) -> str:
    """What ``build`` returned when it built ``stage`` of the shared template in ``root``: the first
    worker to ask builds it under a file lock, the others wait for the lock and read the result
    from ``<stage>.done``, written only after success. A stage is tried once per test run: if it
    failed (or its worker died), its ``<stage>.attempt`` is left with the reason, and every later
    caller fails with it instead of building on a half-made template."""
    done, attempt = root / f"{stage}.done", root / f"{stage}.attempt"
    with FileLock(root / f"{stage}.lock"):
        if done.exists():
            return done.read_text(encoding="utf-8")
        if attempt.exists():
            pytest.fail(
                f"building the demo template's {stage} ({root}) failed, not retried:\n"
                + attempt.read_text(encoding="utf-8"),
                pytrace=False,
            )
        worker = os.environ.get("PYTEST_XDIST_WORKER", "the only process")
        attempt.write_text(f"begun by {worker} (pid {os.getpid()}), which did not finish it\n", encoding="utf-8")
        try:
            result = build()
        except BaseException as error:
            with attempt.open("a", encoding="utf-8") as f:
                f.write("".join(traceback.format_exception(error)))
            raise
        done.write_text(result, encoding="utf-8")
        attempt.unlink()
        return result


@pytest.fixture(scope="session")
def demo_data_dir(demo_template_root: Path) -> Path:
    """The session's demo data folder (the template): freshly generated demo landing files; once
    ``pipeline_result`` is set up, also what the pipeline made of them. Shared by the xdist workers,
    so a test only reads it: it copies what it changes (``materialized_data_dir``,
    ``loaded_data_dir``, ``landing``) and points no writer (a run, a dashboard) at it."""
    from pipelines.demo import generate

    data_dir = demo_template_root / "data"

    def landing() -> str:
        generate(data_dir / "landing", as_of=AS_OF)
        return ""

    build_once(demo_template_root, "landing", landing)
    return data_dir


@dataclass(frozen=True)
class RecordedRun:
    """A finished Dagster run as its instance recorded it, so any process can inspect it."""

    success: bool
    materializations: list[dg.DagsterEvent]
    check_evaluations: list[dg.AssetCheckEvaluation]

    @classmethod
    def read(cls, instance: dg.DagsterInstance, run_id: str) -> RecordedRun:
        run = instance.get_run_by_id(run_id)
        assert run is not None, f"run {run_id} is not in the instance at {instance.root_directory}"

        def events(kind: dg.DagsterEventType) -> list[dg.DagsterEvent]:
            return [entry.dagster_event for entry in instance.all_logs(run_id, of_type=kind)]

        return cls(
            success=run.is_success,
            materializations=events(dg.DagsterEventType.ASSET_MATERIALIZATION),
            check_evaluations=[
                e.asset_check_evaluation_data for e in events(dg.DagsterEventType.ASSET_CHECK_EVALUATION)
            ],
        )


@dataclass(frozen=True)
class TemplateRun:
    """The session's demo pipeline run on the template (``materialize_all``: the refresh, then the
    latest year's status report), read back from its persistent Dagster instance."""

    refresh: RecordedRun
    report: RecordedRun

    @property
    def success(self) -> bool:
        return self.refresh.success and self.report.success


@pytest.fixture(scope="session")
def pipeline_result(demo_template_root: Path, demo_data_dir: Path) -> TemplateRun:
    """Materializes the template (``demo_data_dir``) once per test run, on a Dagster instance in
    ``<root>/dagster_home`` (outside the data folder, so not copied with it), and gives every worker
    the run as that instance recorded it. Leaves the ``SBU_*`` environment pointing at the template."""
    home = demo_template_root / "dagster_home"

    def run() -> str:
        home.mkdir()
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
        with dg.DagsterInstance.from_config(str(home)) as instance:
            result = materialize_all(demo_data_dir, instance)
        failed = [e.message for e in result.refresh.all_events if e.is_step_failure]
        assert result.success, f"the demo pipeline run failed: {failed}"
        return json.dumps({"refresh": result.refresh.run_id, "report": result.report.run_id})

    run_ids = json.loads(build_once(demo_template_root, "pipeline", run))
    use_data_dir(demo_data_dir)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return TemplateRun(
            RecordedRun.read(instance, run_ids["refresh"]), RecordedRun.read(instance, run_ids["report"])
        )


# What a pipeline run leaves in its data folder (the session run's Dagster instance is beside it).
MATERIALIZED = ("landing", "warehouse", "published", "reports")


def copy_materialized(demo_data_dir: Path, target: Path, parts: tuple[str, ...] = MATERIALIZED) -> Path:
    """Copy ``parts`` of the session's materialized demo data folder (the template; the caller
    depends on ``pipeline_result``) to the data folder ``target``. A run on a copy of the warehouse
    parses no landing file again: the load is incremental by file name and content hash."""
    for name in parts:
        shutil.copytree(demo_data_dir / name, target / name)
    return target


@pytest.fixture()
def materialized_data_dir(pipeline_result: TemplateRun, demo_data_dir: Path, tmp_path: Path) -> Path:
    """A data folder of the test's own that starts where the session's demo pipeline run left off:
    its landing files, warehouse, published snapshot and reports, copied; no Dagster instance. For
    tests that need data already loaded, or a last good snapshot, rather than a run from nothing."""
    return copy_materialized(demo_data_dir, tmp_path / "data")


@pytest.fixture()
def loaded_data_dir(pipeline_result: TemplateRun, demo_data_dir: Path, tmp_path: Path) -> Path:
    """Like ``materialized_data_dir``, but only the landing files and the warehouse they are loaded
    into: nothing published, no report, so whatever a test finds there its own run made."""
    return copy_materialized(demo_data_dir, tmp_path / "data", ("landing", "warehouse"))


@pytest.fixture(scope="session")
def published_snapshot(pipeline_result, demo_data_dir: Path) -> Path:
    """Path of the published DuckDB snapshot of a real pipeline run on the demo data."""
    use_data_dir(demo_data_dir)
    path = get_settings().published_path
    assert path.exists()
    return path


@pytest.fixture(scope="session")
def landing_dir(demo_data_dir: Path) -> Path:
    return demo_data_dir / "landing"


@pytest.fixture()
def landing(demo_data_dir: Path, tmp_path: Path) -> Path:
    """A copy of the demo landing files of the session, for a test that changes or adds deliveries."""
    target = tmp_path / "landing"
    shutil.copytree(demo_data_dir / "landing", target)
    return target


@dataclass
class PlanData:
    """A data folder after a whole pipeline run (refresh and the latest year's report) of one plan."""

    data_dir: Path
    warehouse: Path
    snapshot: Path
    reports_dir: Path


@pytest.fixture(scope="session")
def second_plan(tmp_path_factory) -> PlanData:
    """The fictional second plan run end to end, as ``SBU_PLAN=<it> make run`` does: its own demo
    data from its own demo.yaml, the whole asset graph, the status report. The ``SBU_*`` environment
    is put back afterwards, so the default plan's fixtures are not affected."""
    from pipelines.demo import generate

    data_dir = tmp_path_factory.mktemp("second_plan")
    saved = {k: v for k, v in os.environ.items() if k.startswith("SBU_")}
    try:
        generate(data_dir / "landing", plan_folder=REPO_ROOT / "catalogue" / "plans" / SECOND_PLAN, as_of=AS_OF)
        result = materialize_all(data_dir, SBU_PLAN=SECOND_PLAN)
        assert result.success, "the second plan's pipeline run failed"
        settings = get_settings()
        return PlanData(data_dir, settings.warehouse_path, settings.published_path, settings.reports_dir)
    finally:
        for key in [k for k in os.environ if k.startswith("SBU_")]:
            del os.environ[key]
        os.environ.update(saved)
        get_settings.cache_clear()
