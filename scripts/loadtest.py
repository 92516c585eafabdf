"""The dashboard under load (issue 13, goal 3): concurrent browser sessions while a refresh publishes.

Starts the real dashboard (``streamlit run``, the way the browser tests do: ``serve_dashboard`` of
tests/e2e/conftest.py, on 127.0.0.1 and a free port) on the published snapshot of a data folder,
then drives ``--sessions`` Playwright pages (one browser context each, in one chromium) through the
five pages for ``--duration`` seconds, while ``python -m pipelines.run --force`` rebuilds and
publishes the snapshot ``--refreshes`` times against the same data folder, one after the other.
The load goes on until both the duration has passed and the refreshes have finished.

* The cold start: every session's first page load is sent at once to the fresh server (the
  server's first renders import the page libraries; issue 14 saw 4 of 16 fail there). Their errors
  count like any other.
* A page view is a click on the page's link in the top navigation (a deep link for the first
  load); page-ready is the time until the page's heading and its main element (the scorecard
  table, the chart, the table of checks) are visible and Streamlit's script has stopped running.
* An error is a page that shows an exception, or one that is not ready within ``--timeout`` (a
  session's first load: three times that).
* Then, alone on the server: ``warm_page_s``, the median page-ready time of one user going through
  the five pages (three rounds), and ``filter_change_s``, the median time from choosing another area
  on the overview until the overview has rendered it again (five changes). Both are wall time in
  the browser, so they include the browser's own rendering.

The last line of the output is one JSON object: ``sessions``, ``pages`` (page views measured),
``errors``, ``cold_errors`` (of them, in the cold start), ``p50_s``, ``p95_s``, ``warm_page_s``,
``filter_change_s``, ``refreshes`` (seconds per refresh run), ``duration_s``, ``cpu_s`` and
``server_cpu_per_page_s``.

* Where the CPU went while the load ran (``cpu_s``, from /proc): the dashboard server, this script's
  own browser (the load generator), the refresh runs, and the whole machine. On a small machine the
  browser that makes the load takes most of it; ``server_cpu_per_page_s`` (the server's CPU seconds
  per page view) is what a server alone needs, whatever machine the browsers run on.

Bounded and local: at most 50 sessions and 600 seconds, only the server this script starts.

    .venv/bin/python scripts/loadtest.py [--data DIR] [--sessions 20] [--duration 120] [--refreshes 2]

Without ``--data`` it makes a fresh data folder with the bundled demo data and publishes it first
(``python -m pipelines.demo`` and ``python -m pipelines.run``). ``make benchmark`` runs it on the data
folder of its ``second_run_s`` measurement (``make benchmark LOAD=0`` skips it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # `python scripts/loadtest.py` puts only scripts/ on the path
    sys.path.insert(0, str(REPO))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, serve_dashboard  # noqa: E402

AS_OF = "2026-04-15"  # the benchmark's status day
MAX_SESSIONS = 50
MAX_DURATION = 600.0


@dataclass(frozen=True)
class DashboardPage:
    nav: str  # the link's name in the top navigation
    heading: str  # the page's title
    ready: str  # the page's main element
    deep_link: str  # path and query of a first load


PAGES = [
    DashboardPage("Oversikt", "Styringsgruppen – oversikt", "table.sbu-sc", ""),
    DashboardPage("Indikator", "Indikator", ".js-plotly-plot", "indikator"),
    DashboardPage("Resultatavtale", "Resultatavtale", "table.sbu-sc", "resultatavtale"),
    DashboardPage("Områder", "Områder", ".js-plotly-plot", "omrader"),
    DashboardPage("Datakvalitet", "Datakvalitet", '[data-testid="stDataFrame"]', "datakvalitet"),
]
NOT_RUNNING = '[data-testid="stApp"][data-test-script-state="notRunning"]'
EXCEPTION = '[data-testid="stException"]'
COLD = 3  # a session's first load may take this many times --timeout


@dataclass
class Tally:
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cold_errors: int = 0


async def _ready(page, target: DashboardPage, timeout_ms: float) -> None:
    """Until ``target`` has rendered (heading, main element, script stopped); raises on an exception."""
    await page.get_by_role("heading", name=target.heading, exact=True).first.wait_for(timeout=timeout_ms)
    # the main element, or the exception shown instead of it
    await page.locator(f"{target.ready}, {EXCEPTION}").first.wait_for(state="visible", timeout=timeout_ms)
    await page.locator(NOT_RUNNING).wait_for(state="attached", timeout=timeout_ms)
    shown = page.locator(EXCEPTION)
    if await shown.count():
        raise RuntimeError(f"exception shown: {(await shown.first.inner_text())[:300]!r}")


async def _view(page, url: str, target: DashboardPage, first: bool, timeout_ms: float) -> float:
    started = time.perf_counter()
    if first:
        timeout_ms *= COLD  # a first load on a cold server waits for the server's first imports
        await page.goto(f"{url}/{target.deep_link}", timeout=timeout_ms)
    else:
        await page.get_by_role("link", name=target.nav, exact=True).first.click(timeout=timeout_ms)
    await _ready(page, target, timeout_ms)
    return time.perf_counter() - started


async def _session(browser, url: str, index: int, stop: asyncio.Event, tally: Tally, timeout_ms: float) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    page = await context.new_page()
    step, first = index % len(PAGES), True  # the sessions start on different pages
    try:
        while first or not stop.is_set():
            target = PAGES[step % len(PAGES)]
            try:
                tally.times.append(await _view(page, url, target, first, timeout_ms))
            except Exception as err:  # noqa: BLE001 - every failure is an error of the run, counted
                tally.errors.append(f"session {index}, {target.nav}: {type(err).__name__}: {str(err)[:300]}")
                tally.cold_errors += first
                first = True  # start over with a fresh load of the next page
            else:
                first = False
            step += 1
    finally:
        await context.close()


async def _one_user(browser, url: str, timeout_ms: float) -> tuple[float, float]:
    """Median page-ready of one user (three rounds of the five pages, after one unmeasured round)
    and median time of an area change on the overview."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    page = await context.new_page()
    try:
        times = []
        for round_ in range(4):
            for i, target in enumerate(PAGES):
                seconds = await _view(page, url, target, round_ == 0 and i == 0, timeout_ms)
                if round_:
                    times.append(seconds)
        overview = PAGES[0]
        await _view(page, url, overview, False, timeout_ms)
        changes = []
        for i in range(6):
            box = page.get_by_role("combobox", name="Område")
            await box.click()
            options = page.get_by_role("option")
            await options.first.wait_for()
            option = options.nth(1 + i % max(1, (await options.count()) - 1))
            name = (await option.inner_text()).strip()
            started = time.perf_counter()
            await option.click()
            await page.get_by_text(f"{name} – rapportår").first.wait_for(timeout=timeout_ms)
            await _ready(page, overview, timeout_ms)
            if i:  # the first change is not measured (the area's first query)
                changes.append(time.perf_counter() - started)
        return statistics.median(times), statistics.median(changes)
    finally:
        await context.close()


async def _refreshes(data: Path, count: int) -> list[float]:
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "pipelines.run",
            "--force",
            "--as-of",
            AS_OF,
            cwd=REPO,
            env=_env(data),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await proc.communicate()
        if proc.returncode:
            raise RuntimeError(f"refresh failed (exit {proc.returncode}): {err.decode(errors='replace')[-2000:]}")
        seconds.append(round(time.perf_counter() - started, 1))
    return seconds


async def _load(url: str, data: Path, args: argparse.Namespace) -> dict:
    from playwright.async_api import async_playwright

    timeout_ms = args.timeout * 1000
    tally = Tally()
    stop = asyncio.Event()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            port = int(url.rsplit(":", 1)[1])
            cpu_before = cpu_split(port)
            started = time.perf_counter()
            sessions = [
                asyncio.create_task(_session(browser, url, i, stop, tally, timeout_ms)) for i in range(args.sessions)
            ]
            refreshing = asyncio.create_task(_refreshes(data, args.refreshes))
            await asyncio.sleep(args.duration)
            refreshes = await refreshing
            cpu = {k: round(v - cpu_before[k], 1) for k, v in cpu_split(port).items()}
            views = len(tally.times) + len(tally.errors)
            stop.set()
            await asyncio.gather(*sessions)
            duration = time.perf_counter() - started
            warm, change = await _one_user(browser, url, timeout_ms)
        finally:
            await browser.close()
    for line in tally.errors[:10]:
        print(f"error: {line.splitlines()[0]}")
    times = sorted(tally.times)
    return {
        "sessions": args.sessions,
        "pages": len(times) + len(tally.errors),
        "errors": len(tally.errors),
        "cold_errors": tally.cold_errors,
        "p50_s": round(statistics.median(times), 2) if times else None,
        "p95_s": round(statistics.quantiles(times, n=20)[-1], 2) if len(times) > 1 else None,
        "warm_page_s": round(warm, 2),
        "filter_change_s": round(change, 2),
        "refreshes": refreshes,
        "duration_s": round(duration, 1),
        "cpu_s": cpu,
        "server_cpu_per_page_s": round(cpu["server"] / views, 3) if views else None,
    }


# -- where the CPU goes: the server, the load's own browser, the refreshes -----------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _procs() -> dict[int, tuple[int, float, str]]:
    """Every live process: its parent, its CPU seconds (its own and its reaped children's: utime,
    stime, cutime, cstime of /proc/<pid>/stat) and its command line. Linux only."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # ended while we looked
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(entry.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]) / _TICK, cmdline)
    return out


def cpu_split(server_port: int) -> dict[str, float]:
    """CPU seconds so far of the dashboard server (the ``streamlit run`` on ``server_port`` and its
    children), of this script's browser (Playwright's driver and the chromium it runs) and of the
    refresh runs this script has waited for, and of the whole machine (every core, /proc/stat)."""
    procs = _procs()

    def tree(roots: list[int]) -> float:
        seen, todo, total = set(), list(roots), 0.0
        while todo:
            pid = todo.pop()
            if pid in seen or pid not in procs:
                continue
            seen.add(pid)
            total += procs[pid][1]
            todo += [child for child, (parent, _, _) in procs.items() if parent == pid]
        return total

    me = os.getpid()
    children = [pid for pid, (parent, _, _) in procs.items() if parent == me]
    server = [pid for pid in children if f"--server.port {server_port} " in procs[pid][2] + " "]
    browser = [pid for pid in children if "playwright" in procs[pid][2]]
    own = os.times()
    machine = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    busy = sum(int(v) for i, v in enumerate(machine[:8]) if i not in (3, 4)) / _TICK  # all but idle, iowait
    return {
        "server": tree(server),
        "browser": tree(browser),
        "refreshes": own.children_user + own.children_system,  # reaped children: the refresh runs
        "machine": busy,
    }


def _env(data: Path) -> dict[str, str]:
    return {**os.environ, "SBU_DATA_DIR": str(data), "DAGSTER_HOME": str(data / "dagster_home"), "SBU_AS_OF": AS_OF}


def publish(data: Path) -> float:
    """Generate the bundled demo data into ``data`` and run ``python -m pipelines.run`` on it, as
    ``make run`` does before it serves the dashboard; the seconds of the pipeline run. A second call
    on the same folder times a run with nothing changed."""
    quiet = {"cwd": REPO, "env": _env(data), "check": True, "stdout": subprocess.DEVNULL}
    subprocess.run([sys.executable, "-m", "pipelines.demo", "--as-of", AS_OF], **quiet)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipelines.run", "--as-of", AS_OF], **quiet)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="a data folder with a published snapshot (default: make one)")
    parser.add_argument(
        "--sessions", type=int, default=20, help=f"concurrent browser sessions (at most {MAX_SESSIONS})"
    )
    parser.add_argument("--duration", type=float, default=120.0, help=f"seconds of load (at most {MAX_DURATION:.0f})")
    parser.add_argument("--refreshes", type=int, default=2, help="forced pipeline runs during the load")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds until a page that is not ready is an error"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS or not 0 < args.duration <= MAX_DURATION:
        parser.error(f"--sessions 1..{MAX_SESSIONS}, --duration up to {MAX_DURATION:.0f} s")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: run scripts/install_browser.sh")

    made = None
    data = args.data
    if data is None:
        made = data = Path(tempfile.mkdtemp(prefix="sbu_load_"))
        print(f"publishing the bundled demo data in {data} …")
        publish(data)
    try:
        snapshot = data / "published" / "sbu.duckdb"
        if not snapshot.exists():
            raise SystemExit(f"no published snapshot in {data}: run the pipeline first")
        with serve_dashboard(snapshot, data / "reports", data) as url:
            result = asyncio.run(_load(url, data, args))
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)
    print(
        f"{result['sessions']} sessions, {result['duration_s']} s, refreshes {result['refreshes']} s: "
        f"{result['pages']} page views, {result['errors']} errors ({result['cold_errors']} in the cold start); "
        f"page-ready p50 {result['p50_s']} s, p95 {result['p95_s']} s; one user: page {result['warm_page_s']} s, "
        f"filter change {result['filter_change_s']} s"
    )
    cpu = result["cpu_s"]
    print(
        f"CPU seconds under load: server {cpu['server']}, browser {cpu['browser']}, refreshes {cpu['refreshes']}, "
        f"machine {cpu['machine']} ({os.cpu_count()} cores x {result['duration_s']} s available); "
        f"server CPU per page view {result['server_cpu_per_page_s']} s"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
