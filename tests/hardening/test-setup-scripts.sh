#!/usr/bin/env bash
# Issue 15: the set-up scripts never stop, disable or kill anything they did not start,
# call sudo for apt-get only, --runtime-only installs and touches nothing else, and the
# service never runs as root from them. Runs scripts/install-deps.sh and scripts/run.sh
# against stub sudo/apt-get/systemctl/pkill/killall/id commands that record their calls.
# Usage: test-setup-scripts.sh SOURCE_DIR
set -euo pipefail
src=${1:?source dir}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. Nothing in scripts/ or .ci/ stops, disables or kills by name.
if grep -nE '\b(pkill|killall)\b|systemctl[^#]*\b(stop|disable|kill|mask)\b' \
        "$src"/scripts/* "$src"/.ci/* | grep -v '^\s*#'; then
    fail "a set-up script stops, disables or kills something it did not start"
fi

# 2. The stubs: every call is logged as "name args...".
stubs="$work/bin"
mkdir -p "$stubs"
log="$work/calls"
: > "$log"
for name in sudo apt-get systemctl pkill killall service invoke-rc.d runuser setpriv; do
    cat > "$stubs/$name" <<STUB
#!/usr/bin/env bash
echo "$name \$*" >> "$log"
if [ "$name" = sudo ]; then while [[ "\${1:-}" == -* ]]; do shift; done; exec "\$@"; fi
exit 0
STUB
    chmod +x "$stubs/$name"
done
# Not root, whoever runs the test.
cat > "$stubs/id" <<STUB
#!/usr/bin/env bash
if [ "\${1:-}" = -u ]; then echo "\${FAKE_UID:-1000}"; else /usr/bin/id "\$@"; fi
STUB
chmod +x "$stubs/id"

run() { PATH="$stubs:$PATH" FAKE_UID="${FAKE_UID:-1000}" SSEBUF_POLICY_RC_DIR="$work/policy" "$@"; }

# 3. --runtime-only as a user: sudo only in front of apt-get, nothing but runtime packages.
run bash "$src/scripts/install-deps.sh" --runtime-only > "$work/out" 2>&1 || {
    cat "$work/out"; fail "install-deps.sh --runtime-only failed"; }
grep -qE '^sudo (--preserve-env=[A-Z_]+ )?apt-get ' "$log" || fail "apt-get was not called through sudo"
if grep -E '^sudo ' "$log" | grep -vE '^sudo (--preserve-env=[A-Z_]+ )?apt-get '; then
    fail "sudo was called for something else than apt-get"
fi
if grep -E '^(systemctl|pkill|killall|service|invoke-rc.d) ' "$log"; then
    fail "--runtime-only touched services or processes"
fi
if grep -E '^apt-get install' "$log" | grep -E 'nginx|redis-server|chromium'; then
    fail "--runtime-only installed more than the runtime"
fi
[ ! -e "$work/policy/policy-rc.d" ] || fail "--runtime-only left a policy-rc.d"

# 4. The full install as a user: still sudo for apt-get only, no service stopped.
: > "$log"
run bash "$src/scripts/install-deps.sh" > "$work/out" 2>&1 || {
    cat "$work/out"; fail "install-deps.sh failed"; }
if grep -E '^sudo ' "$log" | grep -vE '^sudo (--preserve-env=[A-Z_]+ )?apt-get '; then
    fail "sudo was called for something else than apt-get"
fi
if grep -E '^(systemctl|pkill|killall|service) ' "$log"; then
    fail "install-deps.sh stopped, disabled or killed something"
fi

# 5. As root, the nginx install runs under a policy-rc.d (Debian's nginx is not started) that
#    is removed afterwards; nothing else is touched.
: > "$log"
mkdir -p "$work/policy"
FAKE_UID=0 run bash "$src/scripts/install-deps.sh" > "$work/out" 2>&1 || {
    cat "$work/out"; fail "install-deps.sh as root failed"; }
grep -q 'policy-rc.d in place' "$work/out" || fail "nginx was installed without a policy-rc.d"
[ ! -e "$work/policy/policy-rc.d" ] || fail "the policy-rc.d was left behind"
echo "exit 0" > "$work/policy/policy-rc.d" # the machine's own one is kept
FAKE_UID=0 run bash "$src/scripts/install-deps.sh" > "$work/out" 2>&1
grep -qx 'exit 0' "$work/policy/policy-rc.d" || fail "an existing policy-rc.d was replaced"
rm -f "$work/policy/policy-rc.d"

# 6. run.sh never starts the service as root.
: > "$log"
if FAKE_UID=0 SUDO_USER= run bash "$src/scripts/run.sh" > "$work/out" 2>&1; then
    fail "run.sh ran as root without a user to run the service as"
fi
grep -qi 'root' "$work/out" || fail "run.sh as root did not say why it stopped"
grep -q 'ssebufd' "$log" && fail "ssebufd was started as root"
for script in run.sh test.sh; do
    grep -q 'SUDO_USER' "$src/scripts/$script" || fail "$script does not drop to SUDO_USER"
done

# 7. README: the commands are run as the user, not with sudo.
if grep -nE '^\s*sudo scripts/' "$src/README.md"; then
    fail "README.md still runs a script with sudo"
fi

# 8. The systemd unit bounds what producers can take.
grep -qE '^TasksMax=[0-9]+' "$src/packaging/systemd/ssebufd.service" || fail "no TasksMax"
grep -qE '^MemoryMax=[0-9]+' "$src/packaging/systemd/ssebufd.service" || fail "no MemoryMax"
echo "set-up scripts: all checks passed"
