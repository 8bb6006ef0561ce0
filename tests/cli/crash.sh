# Kill -9 at every write of every writing command on a directory image
# (strace fault injection: the Nth call of each file-changing syscall gets
# SIGKILL), then run the next command: the image must be all-old or all-new,
# with no transaction folder in it and no scratch folder left in $TMPDIR.
#
# OFFSTAGE_CRASH_EVERY=K tries every Kth injection point (make check uses 8;
# make soak runs every point).
. tests/cli/lib.sh

if ! command -v strace >/dev/null 2>&1 || ! command -v reglookup >/dev/null 2>&1; then
    echo "skip crash sweep: strace or reglookup not installed"
    exit 0
fi
EVERY=${OFFSTAGE_CRASH_EVERY:-8}
# catalogs and signatures made by --test-sign carry this time: reruns match
export SOURCE_DATE_EPOCH=1767225600
# LeakSanitizer cannot run under ptrace (strace); leaks are checked by the
# untraced runs of the other tests
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
SYSCALLS="mkdir mkdirat rename renameat renameat2 link linkat unlink unlinkat write pwrite64 fsync fdatasync ftruncate"

# snap DIR: every file's content (a hive's as its keys and values, without
# key times, which a rerun would change) and every folder
snap() {
    (cd "$1" && find . -type d | sort && find . -type l | sort &&
     find . -type f ! -path './Windows/System32/config/*' -exec sha256sum {} + | sort -k2 &&
     for h in ./Windows/System32/config/*; do
         [ -f "$h" ] && printf '%s hive %s\n' "$h" "$(reglookup "$h" 2>/dev/null | sed 's/,[^,]*$//' | sha256sum | cut -c1-16)"
     done)
}

T_OLD=0 T_NEW=0 T_BAD=0 T_ALL=0
# sweep NAME BEFORE-DIR COMMAND...: COMMAND names the image as @IMG
sweep() {
    name=$1 before=$2
    shift 2
    snap "$before" > "$TMP/old.snap"
    rm -rf "$TMP/w" && cp -a "$before" "$TMP/w"
    set -- $(printf '%s\n' "$@" | sed "s|@IMG|$TMP/w|")
    "$OFFSTAGE" "$@" >/dev/null 2>&1
    snap "$TMP/w" > "$TMP/new.snap"
    if cmp -s "$TMP/old.snap" "$TMP/new.snap"; then
        not_ok "$name: the command changes the image" "no change to test"
        return
    fi
    old=0 new=0 bad=0 tried=0
    for sc in $SYSCALLS; do
        rm -rf "$TMP/w" && cp -a "$before" "$TMP/w"
        count=$(strace -f -qq -o "$TMP/strace.log" -e trace="$sc" "$OFFSTAGE" "$@" >/dev/null 2>&1; grep -c "$sc(" "$TMP/strace.log")
        n=1
        while [ "$n" -le "$count" ]; do
            rm -rf "$TMP/w" "$TMP/scratch" && cp -a "$before" "$TMP/w" && mkdir "$TMP/scratch"
            TMPDIR="$TMP/scratch" strace -f -qq -o /dev/null -e trace="$sc" -e inject="$sc":signal=KILL:when="$n" \
                "$OFFSTAGE" "$@" >/dev/null 2>&1
            TMPDIR="$TMP/scratch" "$OFFSTAGE" get-drivers --image "$TMP/w" >/dev/null 2>"$TMP/recover.err"
            rc=$?
            snap "$TMP/w" > "$TMP/trial.snap"
            tried=$((tried + 1))
            if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
                bad=$((bad + 1)); echo "# $name: $sc #$n: the next command failed: $(head -1 "$TMP/recover.err")"
            elif ls -A "$TMP/w" | grep -q '^\.offstage-txn'; then
                bad=$((bad + 1)); echo "# $name: $sc #$n: a transaction folder outlived the next command"
            elif ls -A "$TMP/scratch" | grep -q .; then
                bad=$((bad + 1)); echo "# $name: $sc #$n: scratch left in TMPDIR: $(ls -A "$TMP/scratch" | head -3)"
            elif cmp -s "$TMP/trial.snap" "$TMP/old.snap"; then
                old=$((old + 1))
            elif cmp -s "$TMP/trial.snap" "$TMP/new.snap"; then
                new=$((new + 1))
            else
                bad=$((bad + 1)); echo "# $name: $sc #$n: mixed image:"; diff "$TMP/old.snap" "$TMP/trial.snap" | head -8
            fi
            n=$((n + ${STRIDE:-$EVERY}))
        done
    done
    T_OLD=$((T_OLD + old)) T_NEW=$((T_NEW + new)) T_BAD=$((T_BAD + bad)) T_ALL=$((T_ALL + tried))
    echo "# $name: $tried kills: $old all-old, $new all-new, $bad mixed"
    if [ "$bad" -eq 0 ] && [ "$tried" -gt 0 ]; then ok "$name: every kill leaves all-old or all-new"; else not_ok "$name" "$bad of $tried kills left a mixed image"; fi
}

IMG0="$TMP/img0"
"$OFFSTAGE" make-test-image --arch amd64 --with-device 1af4:1059:00191af4:01,bound=aeroviosnd,inf=oem3.inf "$IMG0" >/dev/null
PKG="$EXAMPLE/amd64"
"$OFFSTAGE" make-test-cert --out "$TMP/cert" >/dev/null

sweep "add-driver" "$IMG0" add-driver --image @IMG --driver "$PKG" --force-unsigned
cp -a "$IMG0" "$TMP/added" && "$OFFSTAGE" add-driver --image "$TMP/added" --driver "$PKG" --force-unsigned >/dev/null
sweep "remove-driver" "$TMP/added" remove-driver --image @IMG --driver aero_virtio_snd.inf
sweep "set-param" "$IMG0" set-param --image @IMG --device 'PCI\VEN_1AF4&DEV_1059' ForceNullBackend=1
sweep "add-cert" "$IMG0" add-cert --image @IMG --cert "$TMP/cert/offstage-test.cer"
sweep "add-driver --test-sign" "$IMG0" add-driver --image @IMG --driver "$PKG" --test-sign --test-sign-dir "$TMP/cert"
# the SYSTEM writes of a boot-critical package (service, its AddReg, the
# CriticalDeviceDatabase) and of a re-armed failed device, and
# remove-driver --with-trust (certificates in SOFTWARE, testsigning in the
# template): sampled more thinly in make check (every 5th point of the
# stride), every point in make soak
STRIDE=$EVERY; [ "$EVERY" -gt 1 ] && STRIDE=$((EVERY * 5))
IMGF="$TMP/imgf"
"$OFFSTAGE" make-test-image --arch amd64 --with-device 1af4:1059:00191af4:01,failed "$IMGF" >/dev/null
BLK="$TMP/blk"
mkdir -p "$BLK"
sed -e 's/^LoadOrderGroup = SCSI miniport/&\r\nAddReg = Blk_AddReg/' \
    -e 's/^\[Strings\]/[Blk_AddReg]\r\nHKR,"Parameters\\PnpInterface","5",0x00010001,1\r\n\r\n&/' \
    tests/data/teststor/teststor.inf > "$BLK/teststor.inf"
cp "$BUILD/testdrivers/amd64/testdrv.sys" "$BLK/"
printf 'placeholder catalog' > "$BLK/teststor.cat"
sweep "add-driver, boot-critical with AddReg" "$IMGF" add-driver --image @IMG --driver "$BLK/teststor.inf"
sweep "add-driver, re-arm" "$IMGF" add-driver --image @IMG --driver "$PKG/aero_virtio_snd.inf" --force-unsigned
cp -a "$IMGF" "$TMP/signed" &&
    "$OFFSTAGE" add-driver --image "$TMP/signed" --driver "$PKG/aero_virtio_snd.inf" --test-sign --test-sign-dir "$TMP/cert" >/dev/null
sweep "remove-driver --with-trust" "$TMP/signed" remove-driver --image @IMG --driver all --with-trust
STRIDE=
echo "# crash sweep: $T_ALL kills (every ${EVERY}th point): $T_OLD all-old, $T_NEW all-new, $T_BAD mixed"

# The two cases seen before the journal, made deterministic.
# 1. add-driver stopped after the packages and manifest are in place but
#    before DevicePath (SOFTWARE) is: the next command completes it.
cp -a "$IMG0" "$TMP/d1"
strace -f -qq -o "$TMP/d1.log" -e trace=renameat "$OFFSTAGE" add-driver --image "$TMP/d1" --driver "$PKG" --force-unsigned >/dev/null 2>&1
last=$(grep -c 'renameat(' "$TMP/d1.log")
rm -rf "$TMP/d1" && cp -a "$IMG0" "$TMP/d1"
# the last rename into the image is SOFTWARE (hives are staged last)
strace -f -qq -o /dev/null -e trace=renameat -e inject=renameat:signal=KILL:when="$last" \
    "$OFFSTAGE" add-driver --image "$TMP/d1" --driver "$PKG" --force-unsigned >/dev/null 2>&1
if [ -f "$TMP/d1/Windows/offstage/manifest.json" ] && [ -d "$TMP/d1/.offstage-txn" ]; then ok "killed add-driver: manifest in place, journal left"; else not_ok "killed add-driver left a journal" "$(ls -A "$TMP/d1")"; fi
run add-driver --image "$TMP/d1" --driver "$PKG" --force-unsigned
expect_err "rerun says what it completed" "completed a change that offstage pid [0-9]+ was stopped while writing"
if hivexget "$TMP/d1/Windows/System32/config/SOFTWARE" 'Microsoft\Windows\CurrentVersion' DevicePath | grep -q 'offstage'; then ok "rerun: DevicePath has the staging folder"; else not_ok "rerun: DevicePath" "$(hivexget "$TMP/d1/Windows/System32/config/SOFTWARE" 'Microsoft\Windows\CurrentVersion' DevicePath)"; fi
snap "$TMP/d1" > "$TMP/d1.snap"; snap "$TMP/added" > "$TMP/added.snap"
if cmp -s "$TMP/d1.snap" "$TMP/added.snap"; then ok "rerun: the image is as one uninterrupted add-driver leaves it"; else not_ok "rerun: image" "$(diff "$TMP/added.snap" "$TMP/d1.snap" | head -5)"; fi

# 2. remove-driver stopped at its first rename (the journal's own rename is
#    the first; the first change is the second): the next command finishes
#    the removal, and DevicePath loses the entry.
cp -a "$TMP/added" "$TMP/d2"
strace -f -qq -o /dev/null -e trace=renameat -e inject=renameat:signal=KILL:when=2 \
    "$OFFSTAGE" remove-driver --image "$TMP/d2" --driver aero_virtio_snd.inf >/dev/null 2>&1
run get-drivers --image "$TMP/d2"
expect_status "after a killed remove-driver, get-drivers works" 0
expect_err "get-drivers reports the completed removal" "completed a change"
expect_no_out "the removed package is gone" "aero_virtio_snd.inf_amd64"
run remove-driver --image "$TMP/d2" --driver aero-virtio-snd-legacy.inf
expect_status "the other package can still be removed" 0
if hivexget "$TMP/d2/Windows/System32/config/SOFTWARE" 'Microsoft\Windows\CurrentVersion' DevicePath | grep -q 'offstage'; then not_ok "DevicePath entry removed with the last package" "$(hivexget "$TMP/d2/Windows/System32/config/SOFTWARE" 'Microsoft\Windows\CurrentVersion' DevicePath)"; else ok "DevicePath entry removed with the last package"; fi

# SIGINT and SIGTERM at every Nth call: the command itself ends cleanly,
# exit 2 saying "interrupted; nothing was changed" with the image all-old,
# or (past the commit's decision point) finishes the commit first: all-new,
# and exit 0, or exit 2 saying what was written is complete.
snap "$IMG0" > "$TMP/old.snap"
snap "$TMP/added" > "$TMP/new.snap"
clean=0 unclean=0 tried=0
for sig in INT TERM; do
    for sc in write renameat fsync mkdirat linkat; do
        rm -rf "$TMP/s" && cp -a "$IMG0" "$TMP/s"
        count=$(strace -f -qq -o "$TMP/strace.log" -e trace="$sc" "$OFFSTAGE" add-driver --image "$TMP/s" --driver "$PKG" --force-unsigned >/dev/null 2>&1; grep -c "$sc(" "$TMP/strace.log")
        n=1
        while [ "$n" -le "$count" ]; do
            rm -rf "$TMP/s" && cp -a "$IMG0" "$TMP/s"
            strace -f -qq -o /dev/null -e trace="$sc" -e inject="$sc":signal="$sig":when="$n" \
                "$OFFSTAGE" add-driver --image "$TMP/s" --driver "$PKG" --force-unsigned >/dev/null 2>"$TMP/sig.err"
            rc=$?
            snap "$TMP/s" > "$TMP/trial.snap"
            tried=$((tried + 1))
            if ls -A "$TMP/s" | grep -q '^\.offstage-txn'; then
                unclean=$((unclean + 1)); echo "# SIG$sig at $sc #$n: transaction folder left"
            elif [ $rc -eq 2 ] && grep -q "interrupted; nothing was changed" "$TMP/sig.err" && cmp -s "$TMP/trial.snap" "$TMP/old.snap"; then
                clean=$((clean + 1))
            elif { [ $rc -eq 0 ] || grep -q "interrupted after the image was written; what was written is complete" "$TMP/sig.err"; } &&
                 cmp -s "$TMP/trial.snap" "$TMP/new.snap"; then
                clean=$((clean + 1))
            else
                unclean=$((unclean + 1)); echo "# SIG$sig at $sc #$n: exit $rc, $(head -1 "$TMP/sig.err")"
            fi
            n=$((n + EVERY))
        done
    done
done
echo "# SIGINT/SIGTERM: $tried trials, $clean clean, $unclean not"
if [ $unclean -eq 0 ] && [ $tried -gt 0 ]; then ok "SIGINT/SIGTERM at any point end add-driver cleanly"; else not_ok "SIGINT/SIGTERM" "$unclean of $tried not clean"; fi

# SIGINT once a WIM is written (at the last write, the report on stdout):
# the message must not claim that nothing was changed
wimlib-imagex capture "$IMG0" "$TMP/sig.wim" "W" --compress=LZX >/dev/null
cp "$TMP/sig.wim" "$TMP/sig0.wim"
last=$(strace -f -qq -o "$TMP/w.log" -e trace=write "$OFFSTAGE" add-driver --image "$TMP/sig.wim" --driver "$PKG" --force-unsigned >/dev/null 2>&1; grep -c 'write(1,' "$TMP/w.log")
total=$(grep -c 'write(' "$TMP/w.log")
cp "$TMP/sig0.wim" "$TMP/sig.wim"
strace -f -qq -o /dev/null -e trace=write -e inject=write:signal=INT:when="$total" \
    "$OFFSTAGE" add-driver --image "$TMP/sig.wim" --driver "$PKG" --force-unsigned >/dev/null 2>"$TMP/sigw.err"
if [ "$last" -gt 0 ] && ! cmp -s "$TMP/sig.wim" "$TMP/sig0.wim" && ! grep -q "nothing was changed" "$TMP/sigw.err"; then
    ok "SIGINT after the WIM is written: not reported as nothing changed"
else
    not_ok "SIGINT after the WIM write" "$(cat "$TMP/sigw.err")"
fi
