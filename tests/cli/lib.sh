# Helpers for the CLI tests, sourced by tests/cli/*.sh (not run on its own).
# Each check prints "ok NAME" or "not ok NAME" and the reason.
OFFSTAGE=${OFFSTAGE:-build/offstage}
BUILD=${OST_BUILD:-build}
SHARED=${OST_SHARED:-../shared}
EXAMPLE="$BUILD/examples/virtio-snd"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/offstage-cli-XXXXXX")
trap 'rm -rf "$TMP"' EXIT

OUT="$TMP/out"
ERR="$TMP/err"

# run CMD...: runs offstage with the arguments, keeping stdout, stderr, status
run() {
    "$OFFSTAGE" "$@" >"$OUT" 2>"$ERR"
    STATUS=$?
}

ok() { echo "ok $1"; }
not_ok() {
    echo "not ok $1: $2"
    echo "--- stdout"; head -40 "$OUT"; echo "--- stderr"; head -20 "$ERR"
}

# expect_status NAME N
expect_status() {
    if [ "$STATUS" -eq "$2" ]; then ok "$1"; else not_ok "$1" "exit $STATUS, expected $2"; fi
}
# expect_out NAME PATTERN (grep -E on stdout)
expect_out() {
    if grep -Eq -- "$2" "$OUT"; then ok "$1"; else not_ok "$1" "stdout lacks /$2/"; fi
}
expect_err() {
    if grep -Eq -- "$2" "$ERR"; then ok "$1"; else not_ok "$1" "stderr lacks /$2/"; fi
}
expect_no_out() {
    if grep -Eq -- "$2" "$OUT"; then not_ok "$1" "stdout has /$2/"; else ok "$1"; fi
}
# expect_json NAME PYTHON-EXPRESSION-ON-d: checks stdout as JSON
expect_json() {
    if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$OUT" 2>"$TMP/jerr"; then
        ok "$1"
    else
        not_ok "$1" "JSON check failed: $2 $(cat "$TMP/jerr")"
    fi
}

# make_package DIR ARCH-OF-SYS: the example contract-v1 package with the .sys of another build
make_package() {
    mkdir -p "$1"
    cp examples/virtio-snd/aero_virtio_snd.inf "$1/"
    cp "$EXAMPLE/$2/aero_virtio_snd.sys" "$1/"
}
