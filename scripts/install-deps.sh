#!/usr/bin/env bash
# Installs the Debian 12 packages ssebuf needs to build, run and test. Run it as your own
# user: it calls sudo for apt-get only (run as root, it needs no sudo). It never stops,
# disables or kills anything: a Redis or nginx already on the machine keeps running (the
# tests start their own redis-server, the benchmark its own nginx, each on its own port).
# Usage: scripts/install-deps.sh [--runtime-only]
#   --runtime-only  the libraries ssebufd needs to build and run, nothing else
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt=(apt-get)
if [ "$(id -u)" -ne 0 ]; then apt=(sudo --preserve-env=DEBIAN_FRONTEND apt-get); fi

runtime=(
    cmake g++ make pkg-config
    qt6-base-dev qt6-base-dev-tools qt6-httpserver-dev libgl-dev
    qt6-websockets-dev      # Qt6HttpServer's CMake package requires Qt6WebSockets
    libhiredis-dev
    libhttp-parser-dev      # the connection guard's request parser (the fast path)
    rapidjson-dev           # the publish body's decoder (header-only)
)
test_tools=(
    redis-server            # Redis store tests start their own redis-server
    redis-tools             # redis-cli: --cluster create/reshard; Sentinel is redis-server --sentinel
    curl python3 jq         # example and script tests
    file desktop-file-utils # CPack dependency detection, desktop entry check
    openjdk-17-jdk-headless # the Java example (java.net.http.HttpClient)
    chromium                # the browser (EventSource) example test
    dpkg-dev fakeroot       # CPack DEB packages and their test
    xvfb xauth              # console screenshots
    clang libclang-rt-14-dev # sanitizer and fuzzing builds
    openssl                 # the TLS test makes its self-signed certificate
)
benchmark_peer=(nginx libnginx-mod-nchan) # the benchmark starts its own nginx

install() { "${apt[@]}" install -y -qq --no-install-recommends "$@" >/dev/null; }

"${apt[@]}" update -qq
if [ "${1:-}" = "--runtime-only" ]; then
    install "${runtime[@]}"
    exit 0
fi
install "${runtime[@]}" "${test_tools[@]}"

# Debian starts nginx's default site on port 80 when it installs the package. As root, a
# policy-rc.d for this one install keeps it from starting (an existing one is left as it
# is and decides); as a user, nginx starts as Debian does (stop it yourself if you do not
# want it: this script stops nothing).
policy_dir=${SSEBUF_POLICY_RC_DIR:-/usr/sbin}
policy="$policy_dir/policy-rc.d"
ours=""
if [ "$(id -u)" -eq 0 ] && [ ! -e "$policy" ]; then
    trap 'if [ -n "$ours" ]; then rm -f "$ours"; fi' EXIT
    ours="$policy"
    printf '#!/bin/sh\n# ssebuf install-deps.sh: no service starts during this install\nexit 101\n' \
        > "$policy"
    chmod 755 "$policy"
    echo "install-deps.sh: policy-rc.d in place for the nginx install"
fi
install "${benchmark_peer[@]}"
if [ -n "$ours" ]; then
    rm -f "$ours"
    ours=""
fi
