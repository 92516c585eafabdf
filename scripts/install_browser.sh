#!/usr/bin/env bash
# Install Debian's chromium for the end-to-end browser tests (Playwright drives it through
# executable_path=/usr/bin/chromium). Idempotent: does nothing when it is already there.
# Never uses `playwright install` (its own browser download is not available on these machines).
set -euo pipefail

BROWSER=/usr/bin/chromium

if [ -x "$BROWSER" ]; then
    echo "chromium present: $("$BROWSER" --version 2>/dev/null || echo "$BROWSER")"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "chromium is missing and this user can neither install packages nor use sudo." >&2
    echo "Install it with: apt-get install -y chromium" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium is missing and apt-get is not available on this system; install chromium at $BROWSER." >&2
    exit 1
fi

echo "Installing Debian's chromium for the browser tests ..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
"$BROWSER" --version
