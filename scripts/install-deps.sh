#!/usr/bin/env bash
# Installs what ssebuf needs to build, run and test on Debian 12 (run as root).
# Usage: scripts/install-deps.sh [--runtime-only]
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

packages=(
    cmake g++ make pkg-config
    qt6-base-dev qt6-base-dev-tools qt6-httpserver-dev libgl-dev
    qt6-websockets-dev      # Qt6HttpServer's CMake package requires Qt6WebSockets
    libhiredis-dev
)
if [ "${1:-}" != "--runtime-only" ]; then
    packages+=(
        redis-server            # Redis store tests start their own redis-server
        redis-tools             # redis-cli: --cluster create/reshard; Sentinel is redis-server --sentinel
        curl python3 jq         # example and script tests
        file desktop-file-utils # CPack dependency detection, desktop entry check
        openjdk-17-jdk-headless # the Java example (java.net.http.HttpClient)
        chromium                # the browser (EventSource) example test
        dpkg-dev fakeroot       # CPack DEB packages and their test
        xvfb xauth              # console screenshots
        nginx libnginx-mod-nchan # the benchmark peer (bench smoke)
        clang libclang-rt-14-dev # sanitizer and fuzzing builds
        openssl                 # the TLS test makes its self-signed certificate
    )
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
# nginx is only a benchmark peer: never leave Debian's default site running.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true; fi
$SUDO pkill -x nginx >/dev/null 2>&1 || true
$SUDO pkill -x redis-server >/dev/null 2>&1 || true
