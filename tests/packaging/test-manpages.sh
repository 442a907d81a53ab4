#!/bin/bash
# Keeps the documentation of the options in sync with the binaries: every option that
# `ssebufd --help` prints has an entry in man/ssebufd.1 and the other way round; every
# setting has a key in the packaged ssebufd.conf, with the default the man page gives;
# the same for ssebuf-console and its man page.
# Usage: test-manpages.sh SOURCE_DIR SSEBUFD_BINARY [SSEBUF_CONSOLE_BINARY]
. "$(dirname "$0")/../examples/harness.sh"
source_dir=$1
ssebufd=$2
console=${3:-}
man_dir=$source_dir/packaging/man
conf=$source_dir/packaging/ssebufd.conf

# Long options in --help output.
help_options() { grep -oE -- '--[a-z][a-z0-9-]+' | sort -u; }
# Long options of a man page's OPTIONS section: the tag line after each .TP.
man_options() {
    sed -n '/^\.SH OPTIONS/,/^\.SH [^O]/p' "$1" | awk 'tag { print; tag = 0 } /^\.TP/ { tag = 1 }' |
        sed 's/\\-/-/g' | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u
}
# "option default" pairs from the man page's "Default X." sentences.
man_defaults() {
    sed -n '/^\.SH OPTIONS/,/^\.SH [^O]/p' "$1" | sed 's/\\-/-/g' | awk '
        prev_tp { option = $2; sub(/^--/, "", option); prev_tp = 0 }
        /^\.TP/ { prev_tp = 1 }
        want_default { value = $2; sub(/ *\.$/, "", value); print option, value; want_default = 0 }
        /^Default$/ { want_default = 1 }'
}
# "key value" pairs of the configuration file, commented out or not.
conf_settings() { sed -n 's/^;\{0,1\}\([a-z][a-z-]*\) = \(.*\)$/\1 \2/p' "$conf" | sort; }

# check_help_against_man NAME MAN_PAGE COMMAND...: runs COMMAND (NAME --help), checks it exits
# 0 and that the man page documents exactly the options it prints; sets $help and $from_help.
check_help_against_man() {
    local name=$1 man_page=$2 status=0 from_man
    shift 2
    echo "--- $name --help against man/$(basename "$man_page")"
    help=$("$@") || status=$?
    echo "$help"
    check "$name --help exits 0" equals "$status" 0
    from_help=$(help_options <<<"$help")
    from_man=$(man_options "$man_page")
    diff <(echo "$from_help") <(echo "$from_man") || true
    check "the man page documents exactly the options --help prints" equals "$from_man" "$from_help"
}

check_help_against_man ssebufd "$man_dir/ssebufd.1" "$ssebufd" --help
for option in --listen --pipeline --store --admin-token-file --session-ttl --max-events \
    --max-buffer-bytes --max-sessions --sweep-interval --keepalive --demo-step-ms --config \
    --log-level --log-format; do
    check "--help documents $option (contract section 8)" contains "$from_help" "^$option\$"
done

echo "--- packaged ssebufd.conf against --help and the man page"
settings=$(conf_settings)
echo "$settings"
keys=$(awk '{print $1}' <<<"$settings" | sort -u)
expected_keys=$(echo "${from_help//--/}" | grep -vxE 'config|help|help-all|version' | sort -u)
diff <(echo "$expected_keys") <(echo "$keys") || true
check "the config file has a key for every setting, and only those" equals "$keys" "$expected_keys"
defaults=$(man_defaults "$man_dir/ssebufd.1")
while read -r option default; do
    [ -n "$option" ] || continue
    check "$option: the config file shows the man page's default $default" \
        equals "$(awk -v k="$option" '$1 == k {print $2}' <<<"$settings")" "$default"
done <<<"$defaults"
# --help says "default: X" under each option; none means no default to compare.
help_defaults=$(awk '/^ *--[a-z]/ { option = $1; sub(/^--/, "", option) }
    /default: / { value = $0; sub(/.*default: /, "", value); if (value != "none") print option, value }' <<<"$help")
while read -r option default; do
    [ -n "$option" ] || continue
    check "$option: the man page gives the default --help prints, $default" \
        equals "$(awk -v k="$option" '$1 == k {print $2}' <<<"$defaults")" "$default"
done <<<"$help_defaults"
check "the man page gives the contract's defaults" \
    equals "$(grep -E '^(listen|session-ttl|max-events|keepalive) ' <<<"$defaults" | sort | tr '\n' ' ')" \
    "keepalive 15 listen 127.0.0.1:8000 max-events 1000 session-ttl 300 "

if [ -n "$console" ]; then
    check_help_against_man ssebuf-console "$man_dir/ssebuf-console.1" \
        env QT_QPA_PLATFORM=offscreen timeout 30 "$console" --help
fi
finish
