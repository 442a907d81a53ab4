#!/usr/bin/env bash
# Installs the dependencies, builds, and starts ssebufd on 127.0.0.1:8000 with the
# embedded in-memory store and the demo pipeline. Extra arguments go to ssebufd.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --runtime-only
BUILD_DIR=${BUILD_DIR:-build} scripts/build.sh -DSSEBUF_BUILD_TESTS=OFF -DSSEBUF_BUILD_CONSOLE=OFF
exec "${BUILD_DIR:-build}/service/ssebufd" --listen 127.0.0.1:8000 --store memory --pipeline demo "$@"
