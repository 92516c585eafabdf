"""Run the pipeline once, in process: ``python -m pipelines.run``.

Runs the ``refresh_all`` job and then, as the ``report_after_publish`` sensor would, the
``status_reports`` job for the latest report year of the new snapshot. Both use a persistent
Dagster instance (``DAGSTER_HOME``, default ``<data>/dagster_home``), so the runs show up in the
Dagster UI afterwards.

The terminal gets one line per finished step with its time (and any warning, failed check or
error); every Dagster event, DEBUG included, goes to ``<data>/logs/pipeline.log`` (rewritten by
each invocation that runs something; one that rebuilds nothing leaves the last detail there).

Nothing is rebuilt that would come out the same. Each run is tagged with a SHA-256 of its inputs
(:func:`inputs_fingerprint`: every landing file, the catalogue and plan, the contracts, the SQL,
the code, the settings and the status day); when the last published snapshot was made from the same
inputs, the refresh is skipped, and when the latest report year's PDF was built from this snapshot,
the same commentaries and the same code, so is the report. ``--force`` rebuilds both.

``python -m pipelines.run --as-of 2026-11-30`` judges the status on that day (the run tag
``as_of``; without it the ``SBU_AS_OF`` setting, else today); the snapshot records the day.

``python -m pipelines.run --report-year 2019`` builds only that year's status report (the
partition ``2019`` of ``status_report``) from the snapshot already published; ``latest`` is the
newest report year.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import logging
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import dagster as dg

from pipelines.commentary import commentary_path
from pipelines.defs.serving.snapshot import last_report, last_snapshot, latest_report_year
from pipelines.instance import ensure_dagster_home, fail_dead_runs, in_process_tags
from pipelines.settings import AS_OF_TAG, REPO_ROOT, Settings, get_settings, resolve_as_of

# The run tag holding the SHA-256 of what a run was made from (inputs_fingerprint, report_fingerprint).
INPUTS_TAG = "sbu/inputs"
# What the code of a run is: the folders and files whose content decides what the pipeline makes.
CODE_PATHS = ("pipelines", "presentation", "sql", "data_contracts", "catalogue", "pyproject.toml")
LOG_NAME = "pipeline.log"


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


# -- what a run is made from --------------------------------------------------------------------


def _files(root: Path) -> Iterable[Path]:
    if root.is_file():
        yield root
    elif root.is_dir():
        for path in sorted(root.rglob("*")):
            # A symbolic link is not followed (one in landing may point at /dev/zero or /etc/passwd;
            # ingest takes it out with a reason, and a link to a landing file is hashed as that file).
            if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                yield path


def _digest(parts: Iterable[tuple[str, Path]]):  # a hashlib sha256 object
    digest = hashlib.sha256()
    for name, path in parts:
        digest.update(name.encode())
        with path.open("rb") as f:  # in chunks: a landing file may be far larger than memory allows
            digest.update(hashlib.file_digest(f, "sha256").digest())
    return digest


def code_fingerprint() -> str:
    """SHA-256 over the content of the code, SQL, contracts and catalogue (every plan folder)."""
    parts = ((str(p.relative_to(REPO_ROOT)), p) for name in CODE_PATHS for p in _files(REPO_ROOT / name))
    return _digest(parts).hexdigest()


def inputs_fingerprint(settings: Settings, as_of: dt.date) -> str:
    """SHA-256 over everything a refresh is made from: each landing file's name and content, the
    code (:func:`code_fingerprint`), the effective settings and the status day ``as_of``."""
    landing = Path(settings.landing_dir)
    digest = _digest((f"landing/{p.relative_to(landing)}", p) for p in _files(landing))
    digest.update(code_fingerprint().encode())
    digest.update(settings.model_dump_json().encode())
    digest.update(as_of.isoformat().encode())
    return digest.hexdigest()


def report_fingerprint(settings: Settings, year: str) -> str:
    """SHA-256 over what a report is made from: the published snapshot, the commentaries, the
    code (the plan's texts are in the catalogue) and the report year."""
    parts = [("snapshot", Path(settings.published_path))]
    commentary = commentary_path(Path(settings.data_dir))
    if commentary.exists():
        parts.append(("commentary", commentary))
    digest = _digest(parts)
    digest.update(code_fingerprint().encode())
    digest.update(year.encode())
    return digest.hexdigest()


def _made_from(instance: dg.DagsterInstance, event: dg.EventLogEntry | None) -> str | None:
    """The inputs tag of the run that wrote ``event``."""
    if event is None:
        return None
    run = instance.get_run_by_id(event.run_id)
    return None if run is None else run.tags.get(INPUTS_TAG)


# -- what a person sees -------------------------------------------------------------------------


class _Progress(logging.Handler):
    """One line per finished step with its time; warnings, errors and failed checks as they come."""

    def __init__(self, echo: Callable[[str], None], started: float) -> None:
        super().__init__(level=logging.DEBUG)
        self.echo = echo
        self.started = started

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        clock = f"{time.perf_counter() - self.started:6.1f} s"
        if event is None:
            if record.levelno >= logging.WARNING:
                self.echo(f"{clock}  {record.levelname.lower()}: {meta.get('orig_message') or record.getMessage()}")
            return
        kind = event.event_type_value
        if kind == "STEP_SUCCESS":
            self.echo(f"{clock}  ok      {event.step_key} ({event.event_specific_data.duration_ms / 1000:.1f} s)")
        elif kind == "STEP_FAILURE":
            error = event.event_specific_data.error
            self.echo(f"{clock}  FAILED  {event.step_key}: {error.message.strip() if error else ''}")
        elif kind == "ASSET_CHECK_EVALUATION" and not event.asset_check_evaluation_data.passed:
            self.echo(f"{clock}  check failed: {event.asset_check_evaluation_data.check_name}")


def run_logger(log_file: Path, echo: Callable[[str], None] = print) -> dg.LoggerDefinition:
    """The runs' logger: every event into ``log_file`` (emptied by the first run of this command, so
    it holds the last command that ran something), and a readable line per step to ``echo`` with the
    time since this call (the command's start)."""
    started = time.perf_counter()
    runs = []

    @dg.logger(description="Progress per step on the terminal, every event in the data folder's log.")
    def sbu_run_log(_init_context) -> logging.Logger:
        logger = logging.Logger("sbu.run", level=logging.DEBUG)
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_file, mode="a" if runs else "w", encoding="utf-8")
        runs.append(log_file)
        file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(file_handler)
        logger.addHandler(_Progress(echo, started))
        return logger

    return sbu_run_log


def _job(defs: dg.Definitions, name: str, logger: dg.LoggerDefinition | None) -> tuple[dg.JobDefinition, dict]:
    """The job, with ``logger`` in place of Dagster's console logger, and the run config naming it."""
    job = defs.resolve_job_def(name)
    if logger is None:
        return job, {}
    return job.with_logger_defs({"sbu_run_log": logger}), {"loggers": {"sbu_run_log": {}}}


def _failed(result: dg.ExecuteInProcessResult, what: str, elapsed: float, log_file: Path | None) -> int:
    print(f"{what} FAILED after {elapsed:.1f} s; the last published snapshot is still served.", file=sys.stderr)
    for event in result.all_events:
        if event.is_step_failure:
            print(f"  {event.step_key}: {event.event_specific_data.error.message.strip()}", file=sys.stderr)
    if log_file is not None:
        print(f"  details: {log_file}", file=sys.stderr)
    return 1


# -- the runs -----------------------------------------------------------------------------------


def refresh(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    as_of: dt.date | None = None,
    *,
    tags: dict[str, str] | None = None,
    logger: dg.LoggerDefinition | None = None,
) -> dg.ExecuteInProcessResult:
    """Run ``refresh_all``; ``as_of`` (run tag) fixes the day the status is judged on; ``logger``
    replaces Dagster's console logger."""
    tags = {**in_process_tags(), **(tags or {}), **({AS_OF_TAG: as_of.isoformat()} if as_of else {})}
    job, run_config = _job(defs, "refresh_all", logger)
    return job.execute_in_process(run_config=run_config, instance=instance, raise_on_error=False, tags=tags or None)


def build_status_report(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    year: str,
    *,
    tags: dict[str, str] | None = None,
    logger: dg.LoggerDefinition | None = None,
) -> dg.ExecuteInProcessResult:
    job, run_config = _job(defs, "status_reports", logger)
    return job.execute_in_process(
        run_config=run_config,
        instance=instance,
        partition_key=year,
        raise_on_error=False,
        tags={**in_process_tags(), **(tags or {})},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.run", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--report-year", default=None, help="build only this report year's status report from the published snapshot"
    )
    parser.add_argument(
        "--as-of",
        type=_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day the status is judged on (what is 'foreldet', what is overdue); "
        "default: the SBU_AS_OF setting, else today",
    )
    parser.add_argument("--force", action="store_true", help="rebuild the data and the report even if nothing changed")
    args = parser.parse_args(argv)
    if args.as_of and args.report_year:
        parser.error(
            "--as-of belongs to a pipeline run; --report-year only builds a report from the published "
            "snapshot, whose status day is already fixed"
        )
    settings = get_settings()
    ensure_dagster_home()
    log_file = Path(settings.data_dir) / "logs" / LOG_NAME
    logger = run_logger(log_file)

    def definitions() -> dg.Definitions:  # loading the code location takes seconds: only when a run is due
        from pipelines.definitions import defs

        return defs

    with dg.DagsterInstance.get() as instance:
        for run_id in fail_dead_runs(instance):
            print(f"Marked run {run_id} failed: its process was killed before it finished.")
        year = args.report_year
        if year is None:
            as_of = args.as_of or resolve_as_of(None, settings)
            inputs = inputs_fingerprint(settings, as_of)
            published = last_snapshot(instance)
            if (
                not args.force
                and Path(settings.published_path).exists()
                and published is not None
                and _made_from(instance, published) == inputs
            ):
                when = dt.datetime.fromtimestamp(published.timestamp).astimezone().strftime("%Y-%m-%d %H:%M")
                print(
                    f"Data unchanged since the snapshot published {when} (same landing files, catalogue, "
                    f"code, settings and status day {as_of}): nothing to rebuild."
                )
                snapshot = published.asset_materialization
            else:
                print(f"Pipeline (status per {as_of}; every event in {log_file}):")
                started = time.perf_counter()
                result = refresh(definitions(), instance, as_of, tags={INPUTS_TAG: inputs}, logger=logger)
                elapsed = time.perf_counter() - started
                if not result.success:
                    return _failed(result, "Pipeline", elapsed, log_file)
                snapshot = result.asset_materializations_for_node("published_snapshot")[0]
                print(
                    f"Pipeline succeeded in {elapsed:.1f} s; published {settings.published_path} "
                    f"(status per {snapshot.metadata['as_of'].value})"
                )
            year = latest_report_year(snapshot)
        else:
            from pipelines.defs.serving.assets import REPORT_YEARS

            known = sorted(instance.get_dynamic_partitions(REPORT_YEARS.name))
            year = known[-1] if year == "latest" and known else year
            if year not in known:
                print(
                    f"No report year {year} in the published snapshot; known years: "
                    f"{', '.join(known) or 'none (run the pipeline first)'}.",
                    file=sys.stderr,
                )
                return 1
        report_inputs = report_fingerprint(settings, year)
        built = last_report(instance, year)
        if not args.force and built is not None and _made_from(instance, built) == report_inputs:
            path = built.asset_materialization.metadata["path"].value
            if Path(path).exists():
                print(f"Status report {year} unchanged (same snapshot, commentaries and code): {path}")
                return 0
        print(f"Status report {year} (every event in {log_file}):")
        started = time.perf_counter()
        result = build_status_report(definitions(), instance, year, tags={INPUTS_TAG: report_inputs}, logger=logger)
        elapsed = time.perf_counter() - started
        if not result.success:
            return _failed(result, f"Status report {year}", elapsed, log_file)
        path = result.asset_materializations_for_node("status_report")[0].metadata["path"].value
        print(f"Status report {year} built in {elapsed:.1f} s: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
