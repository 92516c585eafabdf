"""One asset per public table (``catalogue/public_tables.yaml``): fetch the plan municipality's and
its comparators' series from SSB's PxWebApi v2 or FHI Statistikk's Open API into
``<landing>/<source>/``, from where the landing sensor loads it through the source's contract,
quarantine and provenance like a delivered file.

Off by default: without ``SBU_SSB_BASE_URL`` / ``SBU_FHI_BASE_URL`` (or the ``settings``
resource's ``ssb_base_url`` / ``fhi_base_url`` for a run) an asset of that service logs that
fetching is off and materializes nothing, and its schedules skip. The assets are not in
``refresh_all`` (``make pipeline`` never touches the network); the job ``fetch_public`` runs them,
by hand in the UI or on the publication schedules. A failed fetch (service down, 429/503 after the
retries, an HTML page, a truncated or all-dots response, SSB's 05:00-08:15 revision window) logs a
clear message, records an observation with it on the asset, fails the asset's check ``fetch_ok``
with the message, and fails the step with ``dg.Failure`` whose description is that message (the run
shows red, and the UI leads with the message and its metadata; the stack trace stays behind "view
full message"). It materializes nothing: the last good file stays in landing and the last good data
stay published; the other tables of the run are still fetched; the asset's freshness shows the
last good fetch.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

import dagster as dg
import httpx

from pipelines.defs.resources import SbuSettings
from pipelines.fetch import fhi
from pipelines.fetch.http import FetchError, HttpClient, RateLimiter
from pipelines.fetch.landing import write_part
from pipelines.fetch.ssb import MAX_CELLS, fetch_parts
from pipelines.fetch.tables import PublicTable, fetch_region_codes, first_year, load_tables, region_values
from pipelines.plan import load_plan
from pipelines.settings import NORWAY, Settings

FETCH_GROUP = "fetch"
API_NAME = {"ssb": "SSBs PxWebApi v2", "fhi": "FHI Statistikks Open API"}
UNAVAILABLE_HINT = {"ssb": " SSB tar tabeller ned mens de oppdateres (kl. 05.00 og 11.30)."}
FETCH_CHECK = "fetch_ok"
FETCH_CHECK_DESCRIPTION = (
    "Siste henting ga brukbare data (eller ingen endring). Feiler med meldingen når tjenesten er nede, "
    "svarer feil eller hentingen er i SSBs revisjonsvindu; de siste gode dataene vises da fortsatt."
)


def off_message(service: str) -> str:
    setting = f"SBU_{service.upper()}_BASE_URL"
    return (
        f"Henting er slått av: {setting} er ikke satt. Ingenting er hentet eller skrevet. "
        f"(Fetching is off: set {setting} to turn it on.)"
    )


OFF_MESSAGE = off_message("ssb")


def base_url(settings: Settings, service: str) -> str | None:
    return settings.ssb_base_url if service == "ssb" else settings.fhi_base_url


# One limiter per service for every fetch in the process: the job runs its fetch assets one after
# another in one process (in-process executor), so together they stay under SSB's 30 requests a
# minute (and FHI gets the same courtesy).
SHARED_LIMITERS = {"ssb": RateLimiter(), "fhi": RateLimiter()}


class FetchHooks:
    """What a test replaces: the clock, the sleep, the HTTP transport and the cell limit."""

    now: Callable[[], dt.datetime] = staticmethod(lambda: dt.datetime.now(dt.UTC))
    sleep: Callable[[float], None] | None = None
    transport: httpx.BaseTransport | None = None
    max_cells: int = MAX_CELLS


def run_fetch(table: PublicTable, log, settings: Settings) -> tuple[dict, list[str]] | None:
    """Fetch ``table`` with the run's ``settings`` and write what changed. Returns (metadata, files
    written), or None when fetching is off. Raises :class:`FetchError` when nothing usable came back."""
    base = base_url(settings, table.service)
    if not base:
        return None
    now = FetchHooks.now()
    plan = load_plan(settings)
    regions = region_values(table, fetch_region_codes(plan))
    queries = table.queries(regions, first_year(plan), now.astimezone(NORWAY).year, max_cells=FetchHooks.max_cells)
    kwargs = {
        "log": log.warning,
        "transport": FetchHooks.transport,
        "limiter": SHARED_LIMITERS[table.service],
        "unavailable_hint": UNAVAILABLE_HINT.get(table.service, ""),
    }
    if FetchHooks.sleep is not None:
        kwargs |= {"sleep": FetchHooks.sleep, "limiter": RateLimiter(sleep=FetchHooks.sleep)}
    with HttpClient(**kwargs) as client:
        if table.service == "fhi":
            parts = [fhi.fetch_part(client, base, str(table.fhi_source), q, now=now) for q in queries]
        else:
            parts = fetch_parts(client, base, queries, now=now, stub_columns=table.stub_columns)
        sent = client.requests_sent
    folder = settings.landing_dir / table.source
    written = [
        write_part(folder, table.file_name(p.request.query.label), p, table=table.table, source=table.source)
        for p in parts
    ]
    changed = [w.file_name for w in written if w.changed]
    metadata = {
        "status": "ny" if changed else "uendret",
        "message": (
            f"Hentet {table.publisher}-tabell {table.table}: {len(changed)} ny(e) fil(er) i landing/{table.source}/."
            if changed
            else f"Hentet {table.publisher}-tabell {table.table}: uendret siden forrige henting; ingenting skrevet."
        ),
        "fetched_at": dg.MetadataValue.timestamp(now),
        "regions": dg.MetadataValue.json(regions),
        "requests": dg.MetadataValue.json([p.request.describe() for p in parts]),
        "http_requests_sent": sent,
        "files_written": dg.MetadataValue.json(changed),
        "files_unchanged": dg.MetadataValue.json([w.file_name for w in written if not w.changed]),
        "sha256": dg.MetadataValue.json({w.file_name: w.sha256 for w in written}),
    }
    return metadata, changed


def build_fetch_asset(table: PublicTable) -> dg.AssetsDefinition:
    @dg.asset(
        name=table.asset_name,
        group_name=FETCH_GROUP,
        kinds={"python"},
        output_required=False,
        description=f"{table.publisher} {table.table} {table.title}: henter kommunens og sammenligningenes serier fra "
        f"{API_NAME[table.service]} til landing/{table.source}/{table.file_name()} (med sidefil i .fetch/). "
        f"Av når SBU_{table.service.upper()}_BASE_URL ikke er satt.",
        metadata={
            f"{table.service}_table": table.table,
            "landing": f"landing/{table.source}/",
            "publication_cron": table.publication,
        },
        check_specs=[dg.AssetCheckSpec(FETCH_CHECK, asset=table.asset_name, description=FETCH_CHECK_DESCRIPTION)],
        freshness_policy=dg.FreshnessPolicy.cron(
            deadline_cron=_deadline(table.publication),
            lower_bound_delta=dt.timedelta(hours=8),
            timezone="Europe/Oslo",
        ),
    )
    def _fetch(context: dg.AssetExecutionContext, settings: SbuSettings):
        try:
            result = run_fetch(table, context.log, settings.effective())
        except FetchError as error:
            context.log.error(f"{table.publisher} {table.table}: {error.message_nb} ({error.detail})")
            metadata = {
                "status": "feilet",
                "error_code": error.code,
                "message": error.message_nb,
                "detail": error.detail,
                "http_status": error.status if error.status is not None else -1,
                "attempted_at": dg.MetadataValue.timestamp(FetchHooks.now()),
            }
            yield dg.AssetObservation(asset_key=context.asset_key, metadata=metadata)
            yield dg.AssetCheckResult(
                check_name=FETCH_CHECK,
                passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
                description=error.message_nb,
                metadata=metadata,
            )
            # The step fails, so a scheduled run that fetched nothing shows red; the message is the
            # failure's description. Nothing is materialized: the freshness stays that of the last
            # good fetch. The HTTP client has already retried what was worth retrying.
            raise dg.Failure(
                description=f"{table.publisher} {table.table}: {error.message_nb}",
                metadata=metadata,
                allow_retries=False,
            ) from None
        if result is None:
            off = off_message(table.service)
            context.log.info(off)
            yield dg.AssetObservation(asset_key=context.asset_key, metadata={"status": "av", "message": off})
            yield dg.AssetCheckResult(check_name=FETCH_CHECK, passed=True, description=off, metadata={"status": "av"})
            return
        metadata, _ = result
        context.log.info(metadata["message"])
        yield dg.MaterializeResult(
            metadata=metadata,
            check_results=[
                dg.AssetCheckResult(
                    check_name=FETCH_CHECK,
                    passed=True,
                    description=metadata["message"],
                    metadata={"status": metadata["status"]},
                )
            ],
        )

    return _fetch


def _deadline(publication: str) -> str:
    """The freshness deadline: 16:00 on the publication day (the fetch runs at 08:30)."""
    minute, hour, *rest = publication.split()
    return " ".join(["0", "16", *rest])


TABLES = load_tables()
FETCH_ASSETS = [build_fetch_asset(t) for t in TABLES]

fetch_public = dg.define_asset_job(
    "fetch_public",
    selection=dg.AssetSelection.groups(FETCH_GROUP),
    executor_def=dg.in_process_executor,
    description="Henter de offentlige tabellene (SSB, FHI) til landingsmappene; landingssensoren laster dem inn. "
    "En tabell hentes ikke når tjenestens SBU_SSB_BASE_URL / SBU_FHI_BASE_URL ikke er satt.",
)


def fetch_schedule(service: str, cron: str, names: list[str]) -> dg.ScheduleDefinition:
    """The fetch assets of the tables ``service`` publishes at ``cron``: on by default, and each
    tick skips with "fetching is off" unless the run's settings name the service's base URL."""
    ids = [n.removeprefix(f"fetch_{service}_") for n in names]

    @dg.schedule(
        name=f"fetch_{service}_{'_'.join(ids)}_schedule",
        cron_schedule=cron,
        execution_timezone="Europe/Oslo",
        target=dg.AssetSelection.assets(*names),
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Henter {service.upper()}-tabell(er) {', '.join(ids)} når de publiseres (SSB kl. 08.00; hentingen "
        f"går kl. 08.30, etter revisjonsvinduet). Hopper over når SBU_{service.upper()}_BASE_URL ikke er satt.",
    )
    def _schedule(context: dg.ScheduleEvaluationContext, settings: SbuSettings):
        if not base_url(settings.effective(), service):
            return dg.SkipReason(off_message(service))
        return dg.RunRequest()

    return _schedule


def fetch_schedules() -> list[dg.ScheduleDefinition]:
    """One schedule per service and publication time in the table configuration."""
    by_cron: dict[tuple[str, str], list[str]] = defaultdict(list)
    for table in TABLES:
        by_cron[(table.service, table.publication)].append(table.asset_name)
    return [fetch_schedule(service, cron, names) for (service, cron), names in sorted(by_cron.items())]


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=FETCH_ASSETS, jobs=[fetch_public], schedules=fetch_schedules())
