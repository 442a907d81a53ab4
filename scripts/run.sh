#!/usr/bin/env bash
# Installs the dependencies, builds, and starts ssebufd on 127.0.0.1:8000 with the
# embedded in-memory store and the demo pipeline. Extra arguments go to ssebufd.
# Run it as your own user (it calls sudo for apt-get only). ssebufd never runs as root
# from here: started with sudo, it installs as root and builds and runs as $SUDO_USER.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -eq 0 ]; then
    if [ -z "${SUDO_USER:-}" ] || [ "${SUDO_USER}" = root ]; then
        echo "run.sh: not running ssebufd as root; run this script as an ordinary user" \
            "(it calls sudo for apt-get only)" >&2
        exit 2
    fi
    scripts/install-deps.sh --runtime-only
    exec runuser -u "$SUDO_USER" -- env SSEBUF_DEPS_INSTALLED=1 BUILD_DIR="${BUILD_DIR:-build}" \
        "$0" "$@"
fi
if [ -z "${SSEBUF_DEPS_INSTALLED:-}" ]; then scripts/install-deps.sh --runtime-only; fi
BUILD_DIR=${BUILD_DIR:-build} scripts/build.sh -DSSEBUF_BUILD_TESTS=OFF -DSSEBUF_BUILD_CONSOLE=OFF
exec "${BUILD_DIR:-build}/service/ssebufd" --listen 127.0.0.1:8000 --store memory --pipeline demo "$@"
