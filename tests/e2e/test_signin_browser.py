"""End-to-end sign-in: the real dashboard with Streamlit's OpenID Connect sign-in against a real local
OpenID Connect provider (``oidc-provider-mock``, its own server process on a free port), in headless
chromium.

The provider knows two people whose ID tokens carry ``groups`` as Entra ID's would: a leader of
PP-tjenesten and a member of the steering group; the role map is the plan's ``roles.yaml``. One
walk covers sign-in, the role mapping, a commentary signed with the identity and stored, the leader
refused on another service's metrics, sign-out, and the steering group's view.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from pipelines.settings import get_settings
from tests.e2e.conftest import _free_port, reports_dir, serve_dashboard, stop
from tests.e2e.test_browser import full_screenshot, wait_for_app
from tests.helpers import sql

pytestmark = pytest.mark.browser

ROLES = yaml.safe_load((get_settings().plan_dir / "roles.yaml").read_text(encoding="utf-8"))  # the default plan's
LEADER = {
    "sub": "kari.nordmann",
    "name": "Kari Nordmann",
    "email": "kari.nordmann@kommune.example",
    "groups": [ROLES["service_leaders"]["PP-tjenesten"][0], "alle-ansatte"],
}
STEERING = {
    "sub": "per.hansen",
    "name": "Per Hansen",
    "email": "per.hansen@kommune.example",
    "groups": [ROLES["steering_group"][0]],
}


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory) -> Iterator[str]:
    """``oidc-provider-mock`` as a real server on a free localhost port, with the two users."""
    port = _free_port()
    log = tmp_path_factory.mktemp("oidc") / "oidc.log"
    cmd = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)]
    for user in (LEADER, STEERING):
        cmd += ["--user-claims", json.dumps(user)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"oidc-provider-mock exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"oidc-provider-mock not up after 30 s:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def signin_dashboard(chromium: str, published_snapshot: Path, oidc_provider: str, tmp_path_factory) -> Iterator[tuple]:
    """The real dashboard with sign-in configured in its own secrets file, as a deployment would."""
    data_dir = tmp_path_factory.mktemp("e2e_signin")
    secrets_file = data_dir / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'  # Streamlit fills in its port
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        'client_id = "sbu-dashboard"\n'
        'client_secret = "test-only-secret"\n'
        f'server_metadata_url = "{oidc_provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    with serve_dashboard(published_snapshot, reports_dir(published_snapshot), data_dir, secrets=secrets_file) as url:
        yield url, data_dir


def sign_in(page, url: str, user: dict) -> None:
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url("**/oauth2/authorize**")  # the provider's own sign-in page
    page.get_by_role("button", name=user["sub"], exact=True).click()
    page.wait_for_url(f"{url}/**")
    wait_for_app(page, "table.sbu-sc")
    expect(page.get_by_text(f"Innlogget som {user['name']}")).to_be_visible()


def sign_out(page, url: str) -> None:
    page.get_by_role("button", name="Logg ut").click()
    page.wait_for_url("**/oauth2/end_session**")  # RP-initiated logout at the provider
    page.get_by_role("button").first.click()
    page.wait_for_url(f"{url}/**")
    wait_for_app(page, "table.sbu-sc")
    expect(page.get_by_text("Ikke innlogget")).to_be_visible()


def test_sign_in_roles_signature_and_sign_out(
    page, signin_dashboard, oidc_provider: str, published_snapshot: Path, screenshots: Path
) -> None:
    url, data_dir = signin_dashboard
    page.goto(url + "/resultatavtale")
    wait_for_app(page, "table.sbu-sc")
    # Signed out: the page reads, but the save control is off and says why.
    expect(page.get_by_text("Ikke innlogget")).to_be_visible()
    expect(page.get_by_text("Logg inn for å skrive kommentaren")).to_be_visible()
    expect(page.get_by_role("button", name="Lagre kommentar")).to_be_disabled()

    # The leader of PP-tjenesten signs in; Resultatavtale opens on their service.
    sign_in(page, url, LEADER)
    expect(page.get_by_text("Innlogget som Kari Nordmann")).to_contain_text("tjenesteleder for PP-tjenesten")
    page.goto(url + "/resultatavtale")
    wait_for_app(page, "table.sbu-sc")
    expect(page.get_by_text("PP-tjenesten –", exact=False).first).to_be_visible()
    year = sql(published_snapshot, "SELECT MAX(report_year) FROM scorecard")[0][0]  # the page's default year
    text = "Flere barn er utredet før skolestart enn i fjor."
    page.get_by_label("Kommentar til resultatene").fill(text)
    page.get_by_role("button", name="Lagre kommentar").click()
    expect(page.get_by_text("Lagret og signert av Kari Nordmann")).to_be_visible()
    expect(page.get_by_text(text).last).to_be_visible()
    # The pipeline built this year's report before the commentary: the page says it is out of date.
    expect(page.get_by_text("er derfor utdatert", exact=False)).to_be_visible()
    full_screenshot(page, screenshots / "20-resultatavtale-innlogget-leder.png")
    (stored,) = [json.loads(x) for x in (data_dir / "commentary" / "kommentarer.jsonl").read_text("utf-8").splitlines()]
    assert stored["service"] == "PP-tjenesten" and stored["report_year"] == year and stored["text"] == text
    assert stored["signer"]["subject"] == LEADER["sub"]
    assert stored["signer"]["name"] == LEADER["name"] and stored["signer"]["email"] == LEADER["email"]
    assert stored["signer"]["issuer"] == oidc_provider

    # The same leader on another service's metrics: no text box, the save control off with the reason.
    page.goto(url + "/resultatavtale?tjeneste=Barnevernstjenesten")
    wait_for_app(page, "table.sbu-sc")
    expect(page.get_by_text("Du er leder for PP-tjenesten, ikke for Barnevernstjenesten")).to_be_visible()
    expect(page.get_by_role("button", name="Lagre kommentar")).to_be_disabled()
    assert page.get_by_label("Kommentar til resultatene").count() == 0
    assert page.get_by_role("button", name="Last ned Excel").count() == 0  # downloads are not a leader's

    sign_out(page, url)

    # A steering-group member: the role is shown, downloads are there, no commentary to sign.
    page.goto(url + "/resultatavtale?tjeneste=PP-tjenesten")
    wait_for_app(page, "table.sbu-sc")
    sign_in(page, url, STEERING)
    expect(page.get_by_text("Innlogget som Per Hansen")).to_contain_text("styringsgruppen")
    page.goto(url + "/resultatavtale?tjeneste=PP-tjenesten")
    wait_for_app(page, "table.sbu-sc")
    expect(page.get_by_text("Du er ikke registrert som leder for en tjeneste")).to_be_visible()
    expect(page.get_by_role("button", name="Last ned Excel").first).to_be_visible()
    expect(page.get_by_text("Gjeldende kommentar – signert av Kari Nordmann", exact=False)).to_be_visible()
    sign_out(page, url)
