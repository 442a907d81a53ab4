#!/bin/bash
# Builds the DEB packages with cpack, checks their metadata (dpkg-deb -I/-f), contents
# (dpkg-deb -c) and systemd unit, installs them with dpkg into a throwaway root, runs the
# installed ssebufd with the packaged configuration (it must serve a session end to end),
# then upgrades, rolls back and purges it there, as docs/deploy.md describes.
# Usage: test-packages.sh BUILD_DIR VERSION WITH_CONSOLE(ON|OFF)
. "$(dirname "$0")/../examples/harness.sh"
build_dir=$1
version=$2
with_console=$3
need_tool cpack cmake
need_tool dpkg-deb dpkg
need_tool dpkg-shlibdeps dpkg-dev
need_tool file file
need_tool curl curl
need_tool jq jq

arch=$(dpkg --print-architecture)
packages=$TEST_TMP/packages
root=$TEST_TMP/root

echo "--- cpack"
if ! cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$packages" >"$TEST_TMP/cpack.log" 2>&1; then
    cat "$TEST_TMP/cpack.log" >&2
    exit 1
fi
service_deb=$packages/ssebufd_${version}-1_${arch}.deb
console_deb=$packages/ssebuf-console_${version}-1_${arch}.deb
ls -l "$packages"/*.deb
check "cpack built ssebufd_${version}-1_${arch}.deb" test -f "$service_deb"

field() { dpkg-deb -f "$1" "$2"; }
listing() { dpkg-deb -c "$1" | awk '{print $1, $2, $6}'; }

echo "--- ssebufd: metadata"
dpkg-deb -I "$service_deb"
check "Package: ssebufd" equals "$(field "$service_deb" Package)" ssebufd
check "Version: $version-1" equals "$(field "$service_deb" Version)" "$version-1"
check "Architecture: $arch" equals "$(field "$service_deb" Architecture)" "$arch"
check "Section: net" equals "$(field "$service_deb" Section)" net
check "a Maintainer" contains "$(field "$service_deb" Maintainer)" '^.+ <.+@.+>$'
check "a Description with its own summary line" \
    contains "$(field "$service_deb" Description | head -n 1)" '^Server-Sent Events buffer service$'
depends=$(field "$service_deb" Depends)
for dep in adduser 'libqt6core6 \(>= 6\.4' 'libqt6httpserver6 \(>= 6\.4' 'libqt6network6 \(>= 6\.' libc6 libstdc\\+\\+6; do
    check "Depends on ${dep//\\/}" contains "$depends" "(^|, )$dep"
done
check "does not depend on Qt Widgets" test -z "$(grep -o libqt6widgets6 <<<"$depends")"
dpkg-deb -e "$service_deb" "$TEST_TMP/control"
check "conffiles lists /etc/ssebuf/ssebufd.conf" equals "$(cat "$TEST_TMP/control/conffiles")" /etc/ssebuf/ssebufd.conf
for script in postinst prerm postrm; do
    check "$script is an executable POSIX sh script" test -x "$TEST_TMP/control/$script"
    check "$script parses" sh -n "$TEST_TMP/control/$script"
done

echo "--- ssebufd: contents"
contents=$(listing "$service_deb")
echo "$contents"
check "the binary, root-owned and executable" contains "$contents" '^-rwxr-xr-x root/root \./usr/bin/ssebufd$'
check "the config, readable by root (and, after postinst, group ssebuf) only" \
    contains "$contents" '^-rw-r----- root/root \./etc/ssebuf/ssebufd\.conf$'
check "the systemd unit" contains "$contents" '^-rw-r--r-- root/root \./lib/systemd/system/ssebufd\.service$'
check "the man page, compressed" contains "$contents" '^-rw-r--r-- root/root \./usr/share/man/man1/ssebufd\.1\.gz$'
check "the deployment guide" contains "$contents" '\./usr/share/doc/ssebufd/deploy\.md$'
check "the integration guide" contains "$contents" '\./usr/share/doc/ssebufd/integration\.md$'
check "the nginx example" contains "$contents" '\./usr/share/doc/ssebufd/examples/nginx-ssebuf-locations\.conf$'
check "the curl examples" contains "$contents" '^-rw-r--r-- root/root \./usr/share/doc/ssebufd/examples/curl/late-connection\.sh$'
check "nothing outside /usr, /etc/ssebuf and /lib/systemd" \
    equals "$(awk '{print $3}' <<<"$contents" | grep -vE '^\./$|^\./(usr|etc|lib)/$|^\./usr/|^\./etc/ssebuf/|^\./lib/systemd/' || true)" ""

if [ "$with_console" = ON ]; then
    echo "--- ssebuf-console: metadata and contents"
    check "cpack built ssebuf-console_${version}-1_${arch}.deb" test -f "$console_deb"
    dpkg-deb -I "$console_deb"
    check "Package: ssebuf-console" equals "$(field "$console_deb" Package)" ssebuf-console
    check "Version: $version-1" equals "$(field "$console_deb" Version)" "$version-1"
    check "Depends on Qt Widgets" contains "$(field "$console_deb" Depends)" '(^|, )libqt6widgets6 \(>= 6\.'
    contents=$(listing "$console_deb")
    echo "$contents"
    check "the binary" contains "$contents" '^-rwxr-xr-x root/root \./usr/bin/ssebuf-console$'
    check "the desktop entry" contains "$contents" '^-rw-r--r-- root/root \./usr/share/applications/ssebuf-console\.desktop$'
    check "the icon" contains "$contents" '^-rw-r--r-- root/root \./usr/share/icons/hicolor/scalable/apps/ssebuf-console\.svg$'
    check "the man page" contains "$contents" '^-rw-r--r-- root/root \./usr/share/man/man1/ssebuf-console\.1\.gz$'
fi

echo "--- install into a throwaway root with dpkg"
# dpkg --root installs into $root and registers the packages in $root's own database. The
# maintainer scripts run outside a chroot (--force-script-chrootless, with DPKG_ROOT set),
# so the system tools they call are stand-ins that record their calls: the host's users
# and services are left alone. Dependencies are the host's own libraries (--force-depends).
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: dpkg --root needs root"
    exit "$SKIP"
fi
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers" \
    "$root/run/systemd/system"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
stubs=$TEST_TMP/stubs
mkdir -p "$stubs"
touch "$stubs/users"
for tool in adduser useradd chown chmod systemctl deb-systemd-helper; do
    printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\n' "$tool" "$stubs" >"$stubs/$tool"
done
# The user exists once adduser (or useradd) has created it.
printf 'echo "$@" | sed -n "s/.* //p" >>"%s/users"\n' "$stubs" >>"$stubs/adduser"
printf 'echo "$@" | sed -n "s/.* //p" >>"%s/users"\n' "$stubs" >>"$stubs/useradd"
# shellcheck disable=SC2016 # expanded by the stand-in, not here
printf '#!/bin/sh\ngrep -qx "$2" "%s/users" && echo "$2:x:999:999::/nonexistent:/usr/sbin/nologin"\n' \
    "$stubs" >"$stubs/getent"
chmod +x "$stubs"/*
root_dpkg() {
    PATH=$stubs:$PATH dpkg --root="$root" --force-script-chrootless --force-depends \
        --log=/dev/null "$@" >>"$TEST_TMP/dpkg.log" 2>&1
}
installed() { dpkg-query --root="$root" -W -f='${Status} ${Version}' "$1" 2>/dev/null; }
calls() { cat "$stubs/calls" 2>/dev/null; rm -f "$stubs/calls"; }

debs=("$service_deb")
[ "$with_console" = ON ] && debs+=("$console_deb")
root_dpkg -i "${debs[@]}" || cat "$TEST_TMP/dpkg.log" >&2
check "dpkg installed ssebufd $version-1" equals "$(installed ssebufd)" "install ok installed $version-1"
if [ "$with_console" = ON ]; then
    check "dpkg installed ssebuf-console $version-1" \
        equals "$(installed ssebuf-console)" "install ok installed $version-1"
fi
check "dpkg registered the conffile" \
    contains "$(dpkg-query --root="$root" -W -f='${Conffiles}' ssebufd)" '^ /etc/ssebuf/ssebufd\.conf [0-9a-f]{32}$'
calls=$(calls)
echo "$calls"
check "postinst created the system user and group ssebuf" \
    contains "$calls" '^adduser --system --group .*--no-create-home .*ssebuf$'
check "postinst gave the config to group ssebuf, mode 0640" \
    contains "$calls" "^chown root:ssebuf $root/etc/ssebuf/ssebufd\\.conf\$"
check "postinst reloaded systemd" contains "$calls" '^systemctl --system daemon-reload$'
check "postinst recorded the unit without enabling or starting it" \
    equals "$(grep -cE 'enable|start' <<<"$calls" || true)" 0

check "the installed binary is stripped" contains "$(file -L "$root/usr/bin/ssebufd")" ', stripped'
check "the man page reads" contains "$(zcat "$root/usr/share/man/man1/ssebufd.1.gz" | head -n 1)" '^\.TH SSEBUFD 1'
if [ "$with_console" = ON ]; then
    desktop=$root/usr/share/applications/ssebuf-console.desktop
    check "the desktop entry starts ssebuf-console" contains "$(cat "$desktop")" '^Exec=ssebuf-console$'
    check "the desktop entry names the installed icon" contains "$(cat "$desktop")" '^Icon=ssebuf-console$'
    if command -v desktop-file-validate >/dev/null; then
        check "desktop-file-validate accepts the entry" desktop-file-validate "$desktop"
    fi
fi

echo "--- systemd unit"
unit=$(cat "$root/lib/systemd/system/ssebufd.service")
check "ExecStart runs the packaged binary with the packaged config" \
    contains "$unit" '^ExecStart=/usr/bin/ssebufd --config /etc/ssebuf/ssebufd\.conf$'
check "runs as the system user ssebuf" contains "$unit" '^User=ssebuf$'
for option in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
    PrivateDevices=yes 'CapabilityBoundingSet=$' 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
    SystemCallFilter=@system-service; do
    check "sandboxed: $option" contains "$unit" "^$option"
done
check "installed for multi-user.target" contains "$unit" '^WantedBy=multi-user\.target$'
if command -v systemd-analyze >/dev/null; then
    security=$(systemd-analyze security --offline=true --threshold=20 \
        "$root/lib/systemd/system/ssebufd.service" 2>&1) && status=0 || status=$?
    echo "$security" | tail -n 1
    check "systemd-analyze security rates its exposure at most 2.0" equals "$status" 0
fi

echo "--- the installed ssebufd with the packaged configuration"
conf=$root/etc/ssebuf/ssebufd.conf
# The file says listen = 127.0.0.1:8000; the variable wins over the file (contract 8).
SSEBUF_LISTEN=127.0.0.1:0 start_ssebufd "$root/usr/bin/ssebufd" --config "$conf"
check "the variable overrode the file's port 8000" test "${SSEBUF_URL##*:}" != 8000
health=$(curl -sS --max-time 10 -w ' %{http_code}' "$SSEBUF_URL/healthz")
check "GET /healthz answers 200 ok" contains "$health" '"status": *"ok".* 200$'
status=0
# With the packaged copy of the curl example, as deploy.md's smoke test does it.
out=$(sh "$root/usr/share/doc/ssebufd/examples/curl/late-connection.sh" "$SSEBUF_URL" hello 1) || status=$?
echo "$out"
check "a late client of the installed service gets the greeting" \
    contains "$out" '^event 1 \{.*"type": *"greeting"'
check "and stops on the terminal event" contains "$out" '^terminal 1$'
check "the session streamed completely" equals "$status" 0
stop_ssebufd
check "the installed ssebufd exits 0 on SIGTERM" equals "$SSEBUFD_EXIT" 0

echo "--- every setting of the packaged configuration, uncommented, is accepted"
printf 'packaging-test-token\n' >"$TEST_TMP/admin-token"
printf 'packaging-publish-token\n' >"$TEST_TMP/publish-token"
# TLS needs a real certificate: that pair is left commented out.
sed -e '/^;tls-/!s/^;\([a-z][a-z-]*\) = /\1 = /' \
    -e "s|^admin-token-file = .*|admin-token-file = $TEST_TMP/admin-token|" \
    -e "s|^publish-token-file = .*|publish-token-file = $TEST_TMP/publish-token|" \
    -e 's|^listen = .*|listen = 127.0.0.1:0|' "$conf" >"$TEST_TMP/full.conf"
grep -E '^[a-z]' "$TEST_TMP/full.conf"
START_WITHOUT_LISTEN=1 start_ssebufd "$root/usr/bin/ssebufd" --config "$TEST_TMP/full.conf"
check "admin routes need the configured token (401 without)" \
    equals "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$SSEBUF_URL/api/admin/sessions")" 401
check "admin routes accept the token from admin-token-file" \
    equals "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
        -H 'Authorization: Bearer packaging-test-token' "$SSEBUF_URL/api/admin/sessions")" 200
stop_ssebufd
check "exits 0 on SIGTERM" equals "$SSEBUFD_EXIT" 0
echo "--- upgrade: a newer package keeps the administrator's configuration and restarts"
# The same package with a newer revision stands in for the next release.
dpkg-deb -R "$service_deb" "$TEST_TMP/newer"
sed -i "s/^Version: .*/Version: $version-2/" "$TEST_TMP/newer/DEBIAN/control"
dpkg-deb --root-owner-group -b "$TEST_TMP/newer" "$TEST_TMP/ssebufd_$version-2_$arch.deb" >/dev/null
sed -i 's/^;session-ttl = 300$/session-ttl = 600/' "$conf" # the administrator's edit
root_dpkg --force-confold -i "$TEST_TMP/ssebufd_$version-2_$arch.deb" || cat "$TEST_TMP/dpkg.log" >&2
calls=$(calls)
echo "$calls"
check "upgraded to $version-2" equals "$(installed ssebufd)" "install ok installed $version-2"
check "the edited conffile was kept" contains "$(cat "$conf")" '^session-ttl = 600$'
check "the running service is restarted on the new binary" \
    contains "$calls" '^systemctl try-restart ssebufd\.service$'
check "it is not stopped first (one interruption only)" \
    equals "$(grep -c '^systemctl stop' <<<"$calls" || true)" 0
check "the existing user is kept" equals "$(grep -cE '^(adduser|useradd) ' <<<"$calls" || true)" 0

echo "--- rollback: the previous package goes back over the newer one"
root_dpkg --force-confold -i "$service_deb" || cat "$TEST_TMP/dpkg.log" >&2
calls=$(calls)
check "rolled back to $version-1" equals "$(installed ssebufd)" "install ok installed $version-1"
check "the edited conffile was kept" contains "$(cat "$conf")" '^session-ttl = 600$'
check "the service is restarted on the old binary" \
    contains "$calls" '^systemctl try-restart ssebufd\.service$'
SSEBUF_LISTEN=127.0.0.1:0 start_ssebufd "$root/usr/bin/ssebufd" --config "$conf"
session=$(curl -sS --fail --max-time 10 -H 'Content-Type: application/json' \
    --data '{"user_id": "demo_user", "user_prompt": "hello"}' "$SSEBUF_URL/api/refactor" |
    jq -r .session_id)
summary=$(curl -sS --fail --max-time 10 "$SSEBUF_URL/api/admin/sessions/$session")
ttl_ms=$(($(iso_ms "$(json_field "$summary" expires_at)") - $(iso_ms "$(json_field "$summary" updated_at)")))
check "the rolled-back service runs with the edited configuration (TTL 600 s)" equals "$ttl_ms" 600000
stop_ssebufd
check "exits 0 on SIGTERM" equals "$SSEBUFD_EXIT" 0

echo "--- postinst without adduser"
rm -f "$stubs/adduser"
: >"$stubs/users"
DPKG_ROOT=$root PATH=$stubs:/usr/bin:/bin sh "$root/var/lib/dpkg/info/ssebufd.postinst" configure
check "falls back to useradd --system" \
    contains "$(calls)" '^useradd --system --user-group .*--shell /usr/sbin/nologin .*ssebuf$'

echo "--- purge"
root_dpkg --purge ssebufd || cat "$TEST_TMP/dpkg.log" >&2
calls=$(calls)
echo "$calls"
check "prerm stopped the service" contains "$calls" '^systemctl stop ssebufd\.service$'
check "postrm purged the unit's state" contains "$calls" '^deb-systemd-helper purge ssebufd\.service$'
check "the binary is gone" test ! -e "$root/usr/bin/ssebufd"
check "the configuration is gone" test ! -e "$root/etc/ssebuf"
check "dpkg no longer lists ssebufd" test -z "$(installed ssebufd | grep ' installed ' || true)"
finish
