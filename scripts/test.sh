#!/usr/bin/env bash
# Installs the dependencies, builds everything and runs the whole test suite with ctest,
# then the suite again under ASan+UBSan and each fuzz target for 30 s (docs/reliability.md).
# Run it as your own user (it calls sudo for apt-get only): the tests start ssebufd, which
# never runs as root from here. Started with sudo, it installs as root and builds and tests
# as $SUDO_USER; as root with no other user (a CI container), only with SSEBUF_ALLOW_ROOT=1.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -eq 0 ] && [ -z "${SSEBUF_ALLOW_ROOT:-}" ]; then
    if [ -z "${SUDO_USER:-}" ] || [ "${SUDO_USER}" = root ]; then
        echo "test.sh: not running the tests (and ssebufd) as root; run this script as an" \
            "ordinary user, or set SSEBUF_ALLOW_ROOT=1 in a root-only container" >&2
        exit 2
    fi
    scripts/install-deps.sh
    exec runuser -u "$SUDO_USER" -- env SSEBUF_DEPS_INSTALLED=1 "$0" "$@"
fi
# Wall time of each stage, printed at the end (docs/reliability.md, "CI time").
stages=""
stage_start=$SECONDS
stage_done() {
    stages="$stages $1 $((SECONDS - stage_start)) s;"
    stage_start=$SECONDS
}
if [ -z "${SSEBUF_DEPS_INSTALLED:-}" ]; then
    scripts/install-deps.sh
    stage_done dependencies
fi
BUILD_DIR=${BUILD_DIR:-build} scripts/build.sh
stage_done build
log=$(mktemp)
trap 'rm -f "$log"' EXIT
(cd "${BUILD_DIR:-build}" && QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j2 --timeout 300) | tee "$log"
stage_done ctest
if [ -z "${SSEBUF_SKIP_SANITIZED:-}" ]; then
    scripts/test-sanitized.sh | tee -a "$log"
    stage_done "sanitized build and ctest"
fi
if [ -z "${SSEBUF_SKIP_FUZZ:-}" ]; then
    scripts/fuzz.sh "${SSEBUF_FUZZ_SECONDS:-30}"
    stage_done "fuzz build and runs"
fi
# One closing line over both ctest runs (the fuzz stage fails the script on any finding).
summary=$(sed -n 's/^[0-9]*% tests passed, \([0-9]*\) tests failed out of \([0-9]*\)$/\1 \2/p' "$log" \
    | awk '{failed += $1; total += $2} END {printf "%d passed, %d failed", total - failed, failed}')
echo
echo "stages:$stages"
echo "ctest: $summary"
