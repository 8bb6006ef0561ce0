# Commands at once on one disk: two writers both succeed (one waits for the
# other's lock) and neither update is lost; a reader beside a writer sees
# the disk all-old or all-new, never an error; add-driver racing
# remove-driver ends with exactly the one package. After each round: no
# .NAME.offstage-* file and no qemu process left, qemu-img check clean.
#
# Rounds: half of OFFSTAGE_RACE_ROUNDS (make check 4 -> 2, make soak 50 -> 25):
# a round on a disk costs several times one on a directory.
. tests/cli/lib.sh

for tool in qemu-img qemu-nbd pgrep; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "skip races on disks: $tool not installed"
        exit 0
    fi
done
ROUNDS=$(( (${OFFSTAGE_RACE_ROUNDS:-4} + 1) / 2 ))
PKG="$EXAMPLE/amd64"
# a second package: the example's INF under another name and version, so it
# stages to its own folder
VAR="$TMP/variant"
mkdir -p "$VAR"
sed 's/^DriverVer *=.*/DriverVer   = 02\/20\/2026,0.0.0.2/' "$PKG/aero_virtio_snd.inf" > "$VAR/variant_snd.inf"
cp "$PKG/aero_virtio_snd.sys" "$VAR/"

D0="$TMP/d0.qcow2" D="$TMP/d.qcow2"
"$OFFSTAGE" make-test-image --arch amd64 --with-device 1af4:1059:00191af4:01 --disk "$D0" --format qcow2 >/dev/null ||
    { not_ok "make-test-image --disk" "failed"; exit 0; }
BOTH="aero-virtio-snd-legacy.inf aero_virtio_snd.inf variant_snd.inf"
EXAMPLE_PKGS="aero-virtio-snd-legacy.inf aero_virtio_snd.inf"

packages_in() { "$OFFSTAGE" get-drivers --image "$1" --json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(sorted(p["original_name"] for im in d["images"] for p in im["drivers"] if p["state"]=="staged")))'; }

# clean DISK: nothing of the sessions is left beside it or running on it
clean() {
    ls -A "$TMP" | grep -q '^\.d\.qcow2\.offstage-' && { echo "left: $(ls -A "$TMP" | grep offstage-)"; return 1; }
    pgrep -f "qemu-(nbd|img) .*$TMP/" >/dev/null && { echo "running: $(pgrep -af "qemu-(nbd|img) .*$TMP/" | head -2)"; return 1; }
    qemu-img check -q -f qcow2 "$1" >/dev/null 2>&1 || { echo "qemu-img check: $(qemu-img check -f qcow2 "$1" 2>&1 | head -2)"; return 1; }
    return 0
}

# race CMD-A -- CMD-B: both at once; true when both succeed
race() {
    a="" b="" in_b=0
    for x in "$@"; do
        if [ "$x" = "--" ]; then in_b=1; elif [ $in_b -eq 0 ]; then a="$a $x"; else b="$b $x"; fi
    done
    # shellcheck disable=SC2086
    "$OFFSTAGE" $a >"$TMP/a.out" 2>&1 &
    pa=$!
    # shellcheck disable=SC2086
    "$OFFSTAGE" $b >"$TMP/b.out" 2>&1 &
    pb=$!
    wait $pa; ra=$?
    wait $pb; rb=$?
    [ $ra -eq 0 ] && [ $rb -eq 0 ] || { echo "# exits $ra and $rb: $(grep -h 'offstage' "$TMP/a.out" "$TMP/b.out" | grep -iv '^ *stage\|^image' | head -3)"; return 1; }
}

lost=0 failed=0 unclean=0
for r in $(seq "$ROUNDS"); do
    cp "$D0" "$D"
    race add-driver --image "$D" --driver "$PKG" --force-unsigned -- \
        add-driver --image "$D" --driver "$VAR" --force-unsigned || failed=$((failed + 1))
    got=$(packages_in "$D")
    [ "$got" = "$BOTH" ] || { lost=$((lost + 1)); echo "# round $r: staged: $got"; }
    why=$(clean "$D") || { unclean=$((unclean + 1)); echo "# round $r: $why"; }
done
if [ $lost -eq 0 ] && [ $failed -eq 0 ] && [ $unclean -eq 0 ]; then ok "disk: add-driver || add-driver of two packages, $ROUNDS rounds: both staged"; else not_ok "disk: add-driver || add-driver" "$lost lost, $failed failed, $unclean unclean of $ROUNDS"; fi

# a reader beside a writer: every read succeeds and sees no package or all
half=0 errors=0 reads=0
for r in $(seq "$ROUNDS"); do
    cp "$D0" "$D"
    "$OFFSTAGE" add-driver --image "$D" --driver "$PKG" --force-unsigned >/dev/null 2>"$TMP/w.err" &
    pw=$!
    while kill -0 "$pw" 2>/dev/null; do
        if "$OFFSTAGE" get-drivers --image "$D" --json >"$TMP/r.json" 2>"$TMP/r.err"; then
            got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(sorted(p["original_name"] for im in d["images"] for p in im["drivers"] if p["state"]=="staged")))' "$TMP/r.json")
            case "$got" in ""|"$EXAMPLE_PKGS") ;; *) half=$((half + 1)); echo "# round $r: reader saw '$got'";; esac
        else
            errors=$((errors + 1)); echo "# round $r: reader failed: $(head -2 "$TMP/r.err")"
        fi
        reads=$((reads + 1))
    done
    wait $pw || { errors=$((errors + 1)); echo "# round $r: the writer failed: $(head -2 "$TMP/w.err")"; }
    [ "$(packages_in "$D")" = "$EXAMPLE_PKGS" ] || { half=$((half + 1)); echo "# round $r: after the writer: $(packages_in "$D")"; }
done
echo "# $reads reads beside a writer"
if [ $half -eq 0 ] && [ $errors -eq 0 ] && [ $reads -gt 0 ]; then ok "disk: readers beside a writer see all-old or all-new and never fail, $ROUNDS rounds"; else not_ok "disk: reader beside a writer" "$half half-seen, $errors failed, $reads reads"; fi

# add-driver of one package racing remove-driver of another
cp "$D0" "$TMP/with.qcow2"
"$OFFSTAGE" add-driver --image "$TMP/with.qcow2" --driver "$PKG" --force-unsigned >/dev/null 2>&1
# alone first: the package folder is asked to go once per file it held
cp "$TMP/with.qcow2" "$D"
run remove-driver --image "$D" --driver aero_virtio_snd.inf
expect_status "disk: remove-driver of a package of several files" 0
if [ "$(packages_in "$D")" = "aero-virtio-snd-legacy.inf" ]; then ok "disk: remove-driver leaves the other package"; else not_ok "disk: remove-driver" "staged: $(packages_in "$D")"; fi
wrong=0 failed=0 unclean=0
for r in $(seq "$ROUNDS"); do
    cp "$TMP/with.qcow2" "$D"
    race add-driver --image "$D" --driver "$VAR" --force-unsigned -- \
        remove-driver --image "$D" --driver aero_virtio_snd.inf || failed=$((failed + 1))
    got=$(packages_in "$D")
    [ "$got" = "aero-virtio-snd-legacy.inf variant_snd.inf" ] || { wrong=$((wrong + 1)); echo "# round $r: staged: $got"; }
    why=$(clean "$D") || { unclean=$((unclean + 1)); echo "# round $r: $why"; }
done
if [ $wrong -eq 0 ] && [ $failed -eq 0 ] && [ $unclean -eq 0 ]; then ok "disk: add-driver || remove-driver, $ROUNDS rounds: one added, one removed"; else not_ok "disk: add-driver || remove-driver" "$wrong wrong, $failed failed, $unclean unclean of $ROUNDS"; fi
