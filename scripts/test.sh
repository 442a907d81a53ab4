#!/usr/bin/env bash
# Installs the dependencies, builds everything and runs the whole test suite with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build} scripts/build.sh
cd "${BUILD_DIR:-build}"
QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j2 --timeout 300
cd - >/dev/null
# Issue 7: the suite again under ASan+UBSan, then each fuzz target for 30 s (docs/reliability.md).
if [ -z "${SSEBUF_SKIP_SANITIZED:-}" ]; then scripts/test-sanitized.sh; fi
if [ -z "${SSEBUF_SKIP_FUZZ:-}" ]; then scripts/fuzz.sh "${SSEBUF_FUZZ_SECONDS:-30}"; fi
