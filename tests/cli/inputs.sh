# CLI tests for inputs that are not what they claim to be: a FIFO or a
# device where a file is expected (refused at once, never waited on), a
# --bcd store that cannot be written (nothing of the image written either),
# and numbers given to options (parsed whole and range-checked).
. tests/cli/lib.sh

snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort; find . -type d | sort); }
same_as_before() { # NAME DIR SNAPSHOT-FILE
    if snapshot "$2" | cmp -s - "$3"; then ok "$1"; else not_ok "$1" "changed: $(snapshot "$2" | diff "$3" - | head -5)"; fi
}
sum() { sha256sum "$1" | cut -d' ' -f1; }

IMG="$TMP/img"
"$OFFSTAGE" make-test-image "$IMG" --arch amd64 >/dev/null
"$OFFSTAGE" make-test-cert --out "$TMP/cert" >/dev/null
CER="$TMP/cert/offstage-test.cer" KEY="$TMP/cert/offstage-test.key"
PKG="$TMP/pkg"
mkdir -p "$PKG"
cp "$EXAMPLE/amd64/aero_virtio_snd.inf" "$EXAMPLE/amd64/aero_virtio_snd.sys" "$PKG/"
cp -r "$PKG" "$TMP/catpkg"
"$OFFSTAGE" make-cat "$TMP/catpkg" >/dev/null
CAT="$TMP/catpkg/aero_virtio_snd.cat"
snapshot "$IMG" > "$TMP/img.snap"

# ---- a FIFO where a file is expected ---------------------------------------
# Opening a FIFO for reading waits for a writer that never comes: each
# command must refuse it at once. `timeout` turns a regression into a
# failure instead of a hung suite.
F="$TMP/fifo"
mkfifo "$F"
refused() { # NAME PATTERN ARGS...: ends at once with exit 2 and a message matching PATTERN
    name=$1 pattern=$2
    shift 2
    timeout 10 "$OFFSTAGE" "$@" >"$OUT" 2>"$ERR" </dev/null
    STATUS=$?
    if [ "$STATUS" -eq 124 ]; then
        not_ok "$name" "blocked (killed after 10 s)"
        return
    fi
    expect_status "$name: exit 2" 2
    expect_err "$name: names it" "$pattern"
}
fifo() { # NAME ARGS...
    name=$1
    shift
    refused "$name" "$F: not a regular file \(a FIFO\)" "$@"
}
fifo "wim-info FIFO" wim-info "$F"
fifo "cat-info FIFO" cat-info "$F"
fifo "cat-info --trust FIFO" cat-info "$CAT" --trust "$F"
fifo "setupapi-log FIFO" setupapi-log "$F"
fifo "doctor --setupapi-log FIFO" doctor --image "$IMG" --setupapi-log "$F"
fifo "get-drivers --image FIFO" get-drivers --image "$F"
fifo "add-driver --image FIFO" add-driver --image "$F" --driver "$PKG" --force-unsigned
fifo "bcd --image FIFO" bcd --image "$F"
fifo "add-cert --cert FIFO" add-cert --image "$IMG" --cert "$F"
fifo "remove-cert --cert FIFO" remove-cert --image "$IMG" --cert "$F"
fifo "add-driver --test-sign --cert FIFO" add-driver --image "$IMG" --driver "$PKG" --test-sign --cert "$F" --key "$KEY"
fifo "add-driver --test-sign --key FIFO" add-driver --image "$IMG" --driver "$PKG" --test-sign --cert "$CER" --key "$F"
fifo "add-driver --trust FIFO" add-driver --image "$IMG" --driver "$PKG" --force-unsigned --trust "$F"
fifo "check-package --trust FIFO" check-package "$PKG" --trust "$F"
fifo "check-package --bcd FIFO" check-package "$PKG" --image "$IMG" --bcd "$F"
fifo "bcd --store FIFO" bcd --store "$F"
fifo "sign --key FIFO" sign --key "$F" --cert "$CER" "$CAT"
fifo "sign --cert FIFO" sign --key "$KEY" --cert "$F" "$CAT"
fifo "sign FIFO" sign --key "$KEY" --cert "$CER" "$F"
fifo "make-cat --cert FIFO" make-cat "$TMP/catpkg" --cert "$F" --key "$KEY"
# --bcd is read for the verdicts, which come after the write: it must be
# refused before anything is written
fifo "add-driver --bcd FIFO" add-driver --image "$IMG" --driver "$PKG" --force-unsigned --bcd "$F"
fifo "add-driver --test-sign --bcd FIFO" add-driver --image "$IMG" --driver "$PKG" --test-sign --cert "$CER" \
    --key "$KEY" --bcd "$F"
same_as_before "FIFO inputs: image byte-identical" "$IMG" "$TMP/img.snap"
refused "wim-info /dev/null: a device named as such" "/dev/null: not a regular file \(a character device\)" \
    wim-info /dev/null
refused "add-cert --cert a folder" "$TMP/cert: not a regular file \(a folder\)" add-cert --image "$IMG" --cert "$TMP/cert"

# a FIFO inside the package or inside the image
mkdir -p "$TMP/fifopkg"
cp "$PKG/aero_virtio_snd.inf" "$TMP/fifopkg/"
mkfifo "$TMP/fifopkg/aero_virtio_snd.sys"
timeout 10 "$OFFSTAGE" check-package "$TMP/fifopkg" >"$OUT" 2>"$ERR"
STATUS=$?
expect_status "a FIFO as a package's .sys: check-package says no" 1
expect_out "FIFO in the package: the finding names it" "aero_virtio_snd.sys is not a regular file"
cp -r "$IMG" "$TMP/fifoimg"
rm "$TMP/fifoimg/Windows/System32/config/SOFTWARE"
mkfifo "$TMP/fifoimg/Windows/System32/config/SOFTWARE"
refused "a FIFO as the image's SOFTWARE hive" "SOFTWARE" get-drivers --image "$TMP/fifoimg"
