#!/usr/bin/env bash
# Install Debian's PostgreSQL server programs for the production-profile tests (the Dagster
# instance on PostgreSQL; tests/postgres.py starts a throwaway cluster). Idempotent: does nothing
# when initdb is already there. No server is started or enabled here.
set -euo pipefail
source "$(dirname "$0")/debian_install.sh"

if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "PostgreSQL present: $(ls -d /usr/lib/postgresql/*/bin | tail -1)"
    exit 0
fi
debian_install postgresql
ls -d /usr/lib/postgresql/*/bin
