#!/usr/bin/env bash
# Shared by the install_* scripts: `debian_install PACKAGE...` installs Debian packages with apt-get,
# as root or through sudo, and explains what to do when neither is possible.
debian_install() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo="sudo"
        else
            echo "$* missing and this user can neither install packages nor use sudo." >&2
            echo "Install with: apt-get install -y $*" >&2
            return 1
        fi
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "$* missing and apt-get is not available on this system; install them by hand." >&2
        return 1
    fi
    echo "Installing Debian packages: $* ..."
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -q
    $sudo apt-get install -y -q --no-install-recommends "$@"
}
