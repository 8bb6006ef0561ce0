# CLI tests for a $TMPDIR where no scratch folder can be made (missing, or
# not writable): every command that needs one ends with exit 2 and a message
# naming the folder, the reason and the fix; none aborts, and the image is
# unchanged. Independent reader: sha256sum / wimlib-imagex verify.
. tests/cli/lib.sh

sum() { sha256sum "$1" | cut -d' ' -f1; }
tree_sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1); }

"$OFFSTAGE" make-test-image --arch x86 "$TMP/img" >/dev/null
wimlib-imagex capture "$TMP/img" "$TMP/i.wim" "Windows 7" >/dev/null
PKG="$EXAMPLE/x86"
MISSING="$TMP/no-such-folder"
mkdir -p "$TMP/readonly" && chmod 0500 "$TMP/readonly"

expect_refused() { # NAME FOLDER: the last run was refused for FOLDER, no abort
    expect_status "$1: exit 2" 2
    expect_err "$1: names the folder and the fix" "cannot create a temporary folder in $2: .*set TMPDIR to a writable folder"
}

D0=$(tree_sum "$TMP/img")
TMPDIR="$MISSING" run add-driver --image "$TMP/img" --driver "$PKG" --force-unsigned
expect_refused "directory add-driver, missing TMPDIR" "$MISSING"
if [ "$(tree_sum "$TMP/img")" = "$D0" ]; then ok "directory image unchanged"; else not_ok "directory image unchanged" "changed"; fi

W0=$(sum "$TMP/i.wim")
TMPDIR="$MISSING" run get-drivers --image "$TMP/i.wim"
expect_refused "WIM get-drivers, missing TMPDIR" "$MISSING"
TMPDIR="$MISSING" run add-driver --image "$TMP/i.wim" --driver "$PKG" --force-unsigned
expect_refused "WIM add-driver, missing TMPDIR" "$MISSING"
if [ "$(id -u)" != 0 ]; then
    TMPDIR="$TMP/readonly" run add-driver --image "$TMP/i.wim" --driver "$PKG" --force-unsigned
    expect_refused "WIM add-driver, read-only TMPDIR" "$TMP/readonly"
fi
if [ "$(sum "$TMP/i.wim")" = "$W0" ]; then ok "WIM byte-identical"; else not_ok "WIM byte-identical" "changed"; fi

# the same commands succeed once TMPDIR is writable
run add-driver --image "$TMP/img" --driver "$PKG" --force-unsigned
expect_status "directory add-driver with a writable TMPDIR" 0
chmod 0700 "$TMP/readonly"
