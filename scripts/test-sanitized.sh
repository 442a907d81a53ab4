#!/usr/bin/env bash
# Builds ssebuf with AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/ and runs
# the test suite there (docs/reliability.md, "Sanitizers").
#
# - Optimised at -O1 with line tables only (-g1), see below.
# - The console is not built (-DSSEBUF_BUILD_CONSOLE=OFF): it is GUI-only, has its own tests
#   in the normal build, and would add minutes of sanitized compile time to CI.
# - Tests labelled no-sanitize, console, examples or packaging are not run here (examples
#   drive a browser and a JVM; packaging builds .deb files, which must not hold sanitized
#   binaries).
# - Every sanitized process (test binaries and each ssebufd they start) writes its report
#   to build-asan/sanitizer-logs/; any report fails the run, also from an ssebufd whose
#   test did not look at its exit code.
# - Leaks are detected (detect_leaks=1). Leaks of Qt's own that a process cannot free are
#   listed, with the reason, in tests/data/lsan.supp.
#
# Usage: scripts/test-sanitized.sh [extra ctest arguments, e.g. -L faults]
# Environment: ASAN_BUILD_DIR (build-asan), ASAN_JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
SOURCE_DIR=$PWD
BUILD_DIR=${ASAN_BUILD_DIR:-build-asan}

# -O1 -g1 (line tables only): the stack traces of a report keep their file:line, and the
# tree compiles in much less time than at -O2 -g (the longest stage of CI).
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSSEBUF_SANITIZE=ON \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DSSEBUF_BUILD_CONSOLE=OFF >/dev/null
cmake --build "$BUILD_DIR" -j"${ASAN_JOBS:-2}"

LOG_DIR="$(cd "$BUILD_DIR" && pwd)/sanitizer-logs"
rm -rf "$LOG_DIR"
mkdir -p "$LOG_DIR"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0:log_path=$LOG_DIR/asan"
export LSAN_OPTIONS="suppressions=$SOURCE_DIR/tests/data/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$LOG_DIR/ubsan"
export QT_QPA_PLATFORM=offscreen

# Resident-memory figures measure the sanitizer's allocator here (its quarantine keeps freed
# memory on purpose, redzones and shadow double it); tests read this and skip such bounds.
export SSEBUF_SANITIZED=1
# Test functions of others that assert RSS figures without that switch: run everything of
# their executable but them (they run in the normal suite). Format: test:function ...
RSS_FUNCTIONS=(tst_execpipeline:floodStaysBounded tst_ssebufd_limits:slowConsumerIsCutOff)

cd "$BUILD_DIR"
status=0
split_tests=$(printf '%s\n' "${RSS_FUNCTIONS[@]%%:*}" | sort -u | paste -sd'|')
# Sanitized code runs 2-5 times slower; each test keeps its own TIMEOUT property.
ctest --output-on-failure -j2 --timeout 600 \
    -LE 'no-sanitize|console|examples|packaging' -E "^(${split_tests})\$" "$@" || status=1
for test in $(printf '%s\n' "${RSS_FUNCTIONS[@]%%:*}" | sort -u); do
    binary=$(find tests -type f -name "$test" -perm -u+x | head -n 1)
    if [ -z "$binary" ]; then continue; fi
    skipped=$(printf '%s\n' "${RSS_FUNCTIONS[@]}" | sed -n "s/^$test://p")
    functions=$("$binary" -functions | tr -d '()' | grep -vxF "$skipped" || true)
    echo "== $test without: $skipped"
    # shellcheck disable=SC2086
    if ! timeout 600 env QT_NO_GLIB=1 "$binary" $functions; then status=1; fi
done
cd "$SOURCE_DIR"

reports=$(find "$LOG_DIR" -type f | sort)
if [ -n "$reports" ]; then
    echo "test-sanitized.sh: sanitizer reports:" >&2
    for report in $reports; do
        echo "== $report" >&2
        head -n 60 "$report" >&2
    done
    status=1
fi
if [ $status -eq 0 ]; then echo "test-sanitized.sh: no sanitizer findings"; fi
exit $status
