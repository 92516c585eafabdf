#!/usr/bin/env bash
# Install Debian's chromium for the end-to-end browser tests (Playwright drives it through
# executable_path=/usr/bin/chromium). Idempotent: does nothing when it is already there.
# Never uses `playwright install` (its own browser download is not available on these machines).
set -euo pipefail
source "$(dirname "$0")/debian_install.sh"

BROWSER=/usr/bin/chromium

if [ -x "$BROWSER" ]; then
    echo "chromium present: $("$BROWSER" --version 2>/dev/null || echo "$BROWSER")"
    exit 0
fi
debian_install chromium fonts-dejavu-core
"$BROWSER" --version
