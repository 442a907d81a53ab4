#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (AddressSanitizer + UndefinedBehaviorSanitizer) in
# build-fuzz/ and runs each for a bounded time, starting from its seed corpus under
# tests/fuzz/corpus/. New inputs go to build-fuzz/corpus/<target>/ (the seed corpus in the
# source tree is not modified); a crash leaves crash-* in build-fuzz/artifacts/ and fails.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default 30 s, every target)
# Environment: FUZZ_BUILD_DIR (build-fuzz), FUZZ_JOBS (2), FUZZ_SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-${FUZZ_SECONDS:-30}}
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then TARGETS=(fuzz_startrequest fuzz_sseparser fuzz_httpedge); fi
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
CLANGXX=$(command -v clang++ || true)
if [ -z "$CLANGXX" ]; then
    echo "fuzz.sh: clang++ not found (scripts/install-deps.sh installs it)" >&2
    exit 1
fi

# The libraries get coverage instrumentation too (-fsanitize=fuzzer-no-link), so the fuzzer
# sees the branches of the code under test, not only of the harness.
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$CLANGXX" \
    -DSSEBUF_FUZZ=ON -DSSEBUF_SANITIZE=ON -DSSEBUF_BUILD_CONSOLE=OFF \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null
cmake --build "$BUILD_DIR" -j"${FUZZ_JOBS:-2}" --target "${TARGETS[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/data/lsan.supp:print_suppressions=0}
export QT_NO_GLIB=1
mkdir -p "$BUILD_DIR/artifacts"
status=0
for target in "${TARGETS[@]}"; do
    corpus="$BUILD_DIR/corpus/$target"
    mkdir -p "$corpus"
    extra=()
    if [ -f "tests/fuzz/${target#fuzz_}.dict" ]; then extra+=("-dict=tests/fuzz/${target#fuzz_}.dict"); fi
    echo "== $target: ${SECONDS_PER_TARGET} s"
    log="$BUILD_DIR/artifacts/$target.log"
    if "$BUILD_DIR/tests/fuzz/$target" "$corpus" "tests/fuzz/corpus/$target" "${extra[@]}" \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -rss_limit_mb=4096 -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="$BUILD_DIR/artifacts/$target-" >"$log" 2>&1; then
        grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^stat::new_units_added" "$log" \
            | sed "s/^/   /"
        tail -n 1 "$log" | sed "s/^/   /"
    else
        status=1
        echo "   FAILED: see $log" >&2
        grep -E "ERROR|check failed|SUMMARY|Test unit written" "$log" | head -n 20 >&2 || true
    fi
done
exit $status
