# Two commands at once on one image never lose an update, and a reader
# never sees a commit half done: pairs of writers run together for
# OFFSTAGE_RACE_ROUNDS rounds (make check 4, make soak 50) on directory and
# WIM images, then the image is checked; a busy image is refused with the
# holder's pid when OFFSTAGE_LOCK_TIMEOUT=0.
. tests/cli/lib.sh

ROUNDS=${OFFSTAGE_RACE_ROUNDS:-4}
PKG="$EXAMPLE/amd64"
"$OFFSTAGE" make-test-cert --out "$TMP/cert" >/dev/null
mkdir -p "$TMP/stor"
cp tests/data/teststor/teststor.inf "$TMP/stor/" && cp "$BUILD/testdrivers/amd64/testdrv.sys" "$TMP/stor/"
printf 'placeholder catalog' > "$TMP/stor/teststor.cat"

IMG0="$TMP/img0"
"$OFFSTAGE" make-test-image --arch amd64 "$IMG0" >/dev/null

# race NAME IMAGE CMD-A -- CMD-B: both at once; both must succeed
race() {
    name=$1 img=$2
    shift 2
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
    [ $ra -eq 0 ] && [ $rb -eq 0 ]
}

packages_in() { "$OFFSTAGE" get-drivers --image "$@" --json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(sorted(p["original_name"] for im in d["images"] for p in im["drivers"] if p["state"]=="staged")))'; }
certs_in() { "$OFFSTAGE" get-certs --image "$@" 2>/dev/null | grep -c '^[A-Za-z]* *[0-9A-F]\{40\} .*offstage Test Signing'; }

lost=0 failed=0
for r in $(seq "$ROUNDS"); do
    rm -rf "$TMP/d" && cp -a "$IMG0" "$TMP/d"
    race "two add-drivers" "$TMP/d" add-driver --image "$TMP/d" --driver "$PKG" --force-unsigned -- \
        add-driver --image "$TMP/d" --driver "$TMP/stor" --force-unsigned || failed=$((failed + 1))
    got=$(packages_in "$TMP/d")
    [ "$got" = "aero-virtio-snd-legacy.inf aero_virtio_snd.inf teststor.inf" ] || { lost=$((lost + 1)); echo "# round $r: $got"; }
done
if [ $lost -eq 0 ] && [ $failed -eq 0 ]; then ok "directory: add-driver || add-driver, $ROUNDS rounds: no update lost"; else not_ok "add-driver || add-driver" "$lost lost, $failed failed of $ROUNDS; $(cat "$TMP/a.out" "$TMP/b.out" | head -5)"; fi

lost=0 failed=0
for r in $(seq "$ROUNDS"); do
    rm -rf "$TMP/d" && cp -a "$IMG0" "$TMP/d"
    race "add-driver || add-cert" "$TMP/d" add-driver --image "$TMP/d" --driver "$PKG" --force-unsigned -- \
        add-cert --image "$TMP/d" --cert "$TMP/cert/offstage-test.cer" || failed=$((failed + 1))
    [ "$(packages_in "$TMP/d")" = "aero-virtio-snd-legacy.inf aero_virtio_snd.inf" ] && [ "$(certs_in "$TMP/d")" -ge 2 ] ||
        { lost=$((lost + 1)); echo "# round $r: $(packages_in "$TMP/d") / $(certs_in "$TMP/d") certificate entries"; }
done
if [ $lost -eq 0 ] && [ $failed -eq 0 ]; then ok "directory: add-driver || add-cert, $ROUNDS rounds: no update lost"; else not_ok "add-driver || add-cert" "$lost lost, $failed failed of $ROUNDS"; fi

lost=0 failed=0
for r in $(seq "$ROUNDS"); do
    rm -rf "$TMP/d" && cp -a "$IMG0" "$TMP/d"
    race "same package twice" "$TMP/d" add-driver --image "$TMP/d" --driver "$PKG" --force-unsigned -- \
        add-driver --image "$TMP/d" --driver "$PKG" --force-unsigned || failed=$((failed + 1))
    [ "$(packages_in "$TMP/d")" = "aero-virtio-snd-legacy.inf aero_virtio_snd.inf" ] || { lost=$((lost + 1)); echo "# round $r: $(packages_in "$TMP/d")"; }
done
if [ $lost -eq 0 ] && [ $failed -eq 0 ]; then ok "directory: the same package twice at once is listed once, $ROUNDS rounds"; else not_ok "same package twice" "$lost wrong, $failed failed of $ROUNDS"; fi

# a reader beside a writer sees none of the two packages or both
half=0
for r in $(seq "$ROUNDS"); do
    rm -rf "$TMP/d" && cp -a "$IMG0" "$TMP/d"
    "$OFFSTAGE" add-driver --image "$TMP/d" --driver "$PKG" --force-unsigned >/dev/null 2>&1 &
    pw=$!
    for k in 1 2 3 4 5; do
        got=$(packages_in "$TMP/d")
        case "$got" in ""|"aero-virtio-snd-legacy.inf aero_virtio_snd.inf") ;; *) half=$((half + 1)); echo "# round $r: reader saw '$got'";; esac
    done
    wait $pw
done
if [ $half -eq 0 ]; then ok "directory: readers beside a writer never see half a commit"; else not_ok "reader saw half a commit" "$half times"; fi

# WIM: two writers at once, both updates kept, the WIM valid
WIM0="$TMP/install.wim"
wimlib-imagex capture "$IMG0" "$WIM0" "Windows 7 ULTIMATE" --compress=LZX >/dev/null
lost=0 failed=0 invalid=0
for r in $(seq "$ROUNDS"); do
    cp "$WIM0" "$TMP/w.wim"
    race "WIM add-driver || add-cert" "$TMP/w.wim" add-driver --image "$TMP/w.wim" --index 1 --driver "$PKG" --force-unsigned -- \
        add-cert --image "$TMP/w.wim" --index 1 --cert "$TMP/cert/offstage-test.cer" || failed=$((failed + 1))
    [ "$(packages_in "$TMP/w.wim" --index 1)" = "aero-virtio-snd-legacy.inf aero_virtio_snd.inf" ] && [ "$(certs_in "$TMP/w.wim" --index 1)" -ge 2 ] ||
        { lost=$((lost + 1)); echo "# round $r: $(packages_in "$TMP/w.wim" --index 1) / $(certs_in "$TMP/w.wim" --index 1)"; }
    wimlib-imagex verify "$TMP/w.wim" >/dev/null 2>&1 || invalid=$((invalid + 1))
done
if [ $lost -eq 0 ] && [ $failed -eq 0 ] && [ $invalid -eq 0 ]; then ok "WIM: add-driver || add-cert, $ROUNDS rounds: no update lost, verify passes"; else not_ok "WIM add-driver || add-cert" "$lost lost, $failed failed, $invalid invalid of $ROUNDS; $(cat "$TMP/a.out" "$TMP/b.out" | head -4)"; fi

# busy and OFFSTAGE_LOCK_TIMEOUT=0: refused at once, naming the holder
cp -a "$IMG0" "$TMP/busy"
snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort; find . | sort); }
snapshot "$TMP/busy" > "$TMP/busy.snap"
python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").write(str(os.getpid()))
time.sleep(30)' "$TMP/busy" "$TMP/holder.pid" &
holder=$!
while [ ! -s "$TMP/holder.pid" ]; do sleep 0.05; done
OFFSTAGE_LOCK_TIMEOUT=0 run add-driver --image "$TMP/busy" --driver "$PKG" --force-unsigned
expect_status "busy directory image: exit 2" 2
expect_err "busy: names the holder's pid" "in use by another offstage \\(pid $holder\\)"
OFFSTAGE_LOCK_TIMEOUT=0 run get-drivers --image "$TMP/busy"
expect_status "busy: a reader waits for the writer too (exit 2 without waiting)" 2
kill $holder 2>/dev/null; wait $holder 2>/dev/null
if [ "$(snapshot "$TMP/busy")" = "$(cat "$TMP/busy.snap")" ]; then ok "busy: image untouched"; else not_ok "busy: image untouched" "changed"; fi
run add-driver --image "$TMP/busy" --driver "$PKG" --force-unsigned
expect_status "once free, the writer goes on" 0

cp "$WIM0" "$TMP/busy.wim"
python3 -c '
import fcntl, os, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 0, 0))
open(sys.argv[2], "w").write(str(os.getpid()))
time.sleep(30)' "$TMP/busy.wim" "$TMP/wholder.pid" &
wholder=$!
while [ ! -s "$TMP/wholder.pid" ]; do sleep 0.05; done
sum_before=$(sha256sum < "$TMP/busy.wim")
OFFSTAGE_LOCK_TIMEOUT=0 run add-driver --image "$TMP/busy.wim" --index 1 --driver "$PKG" --force-unsigned
expect_status "busy WIM: exit 2" 2
expect_err "busy WIM: names the holder's pid" "in use by another offstage \\(pid $wholder\\)"
kill $wholder 2>/dev/null; wait $wholder 2>/dev/null
if [ "$(sha256sum < "$TMP/busy.wim")" = "$sum_before" ]; then ok "busy WIM: file untouched"; else not_ok "busy WIM" "changed"; fi
