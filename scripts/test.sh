#!/usr/bin/env bash
# Installs the dependencies, builds everything and runs the whole test suite with ctest,
# then the suite again under ASan+UBSan and each fuzz target for 30 s (docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build} scripts/build.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
(cd "${BUILD_DIR:-build}" && QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j2 --timeout 300) | tee "$log"
if [ -z "${SSEBUF_SKIP_SANITIZED:-}" ]; then scripts/test-sanitized.sh | tee -a "$log"; fi
if [ -z "${SSEBUF_SKIP_FUZZ:-}" ]; then scripts/fuzz.sh "${SSEBUF_FUZZ_SECONDS:-30}"; fi
# One closing line over both ctest runs (the fuzz stage fails the script on any finding).
summary=$(sed -n 's/^[0-9]*% tests passed, \([0-9]*\) tests failed out of \([0-9]*\)$/\1 \2/p' "$log" \
    | awk '{failed += $1; total += $2} END {printf "%d passed, %d failed", total - failed, failed}')
echo
echo "ctest: $summary"
