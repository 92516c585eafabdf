"""Fixtures for the end-to-end browser tests: a real `streamlit run` server and Debian's chromium.

The server reads the published snapshot of a real pipeline run on the demo data (the session
fixture ``published_snapshot`` from tests/conftest.py). Chromium is Debian's package at
/usr/bin/chromium (installed by scripts/install_browser.sh), driven by Playwright's sync API; the
tests skip cleanly only when it is absent *and* ``CI`` is unset – in CI a missing browser fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboards" / "app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
# Full-page screenshots of the pages the browser tests visit, for a person to look at (nothing
# asserts on them): only when asked for (`make test SCREENSHOTS=1`), since growing each page to its
# full height and back lays it out twice more (some 10 s of a test run).
SCREENSHOTS_WANTED = os.environ.get("SBU_TEST_SCREENSHOTS") == "1"
DOWNLOADS = REPO / "test-artifacts" / "downloads"


def reports_dir(published_snapshot: Path) -> Path:
    """Where the pipeline run behind ``published_snapshot`` writes its documents (``<data_dir>/reports``)."""
    return published_snapshot.parent.parent / "reports"


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing in CI: run scripts/install_browser.sh (apt-get install chromium)")
    pytest.skip(f"{CHROMIUM} not installed (run scripts/install_browser.sh); browser tests skipped outside CI")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    """End a server the tests started: SIGTERM, then SIGKILL if it has not gone after 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200 and resp.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"streamlit not healthy after {timeout:.0f} s:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, checked before anything expensive (the pipeline run) starts."""
    _require_chromium()
    return CHROMIUM


@contextmanager
def serve_dashboard(snapshot: Path, reports: Path, data_dir: Path, secrets: Path | None = None) -> Iterator[str]:
    """The real dashboard (``streamlit run``) on a free localhost port, reading ``snapshot``;
    always terminated. Commentaries go to ``data_dir``; reports are read from ``reports``.
    ``secrets`` is Streamlit's secrets file (its ``[auth]`` section configures sign-in); without it
    the server reads none, not even a developer's ``.streamlit/secrets.toml``, and runs read-only."""
    log = data_dir / "streamlit.log"
    port = _free_port()
    env = {
        **os.environ,
        "SBU_PUBLISHED_PATH": str(snapshot),
        "SBU_DATA_DIR": str(data_dir),
        "SBU_REPORTS_DIR": str(reports),
        "PYTHONUNBUFFERED": "1",
    }
    # Everything else comes from the repository's .streamlit/config.toml, as for `make dashboard`.
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.fileWatcherType",
        "none",
        "--secrets.files",
        str(secrets or data_dir / "no-secrets.toml"),
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="package")  # the server and the browser end with this package
def dashboard_url(chromium: str, published_snapshot: Path, tmp_path_factory) -> Iterator[str]:
    """The real dashboard on the default plan's published snapshot."""
    data_dir = tmp_path_factory.mktemp("e2e_dashboard_data")
    with serve_dashboard(published_snapshot, reports_dir(published_snapshot), data_dir) as url:
        yield url


@pytest.fixture(scope="package")
def browser(chromium: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="nb-NO")
    p = context.new_page()
    p.set_default_timeout(30_000)
    try:
        yield p
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def downloads() -> Path:
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    return DOWNLOADS
