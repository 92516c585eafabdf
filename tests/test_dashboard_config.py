"""`make dashboard` serves this machine only, unless an address is configured."""

from __future__ import annotations

import os
import subprocess
import sys

from pipelines.settings import REPO_ROOT


def test_the_dashboard_listens_on_localhost_unless_configured():
    code = "from streamlit import config; config.get_config_options(); print(config.get_option('server.address'))"
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] in ("localhost", "127.0.0.1")


def make_dashboard_command(*args: str) -> str:
    out = subprocess.run(
        ["make", "-n", "dashboard", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout
    return next(line for line in out.splitlines() if "streamlit run" in line)


def test_make_dashboard_address_serves_other_machines_when_asked():
    assert "--server.address" not in make_dashboard_command()  # the config file's localhost
    assert "--server.address 0.0.0.0" in make_dashboard_command("ADDRESS=0.0.0.0")
