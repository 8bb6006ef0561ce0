# Kill -9 during a disk's write session and during its commit, at many
# points, then run the next command: the disk must be byte-identical to the
# copy taken before (all-old) or, read back, what one uninterrupted add-driver
# leaves (all-new); no qemu-nbd left holding it, the next command succeeds
# (and says it completed the change when the kill came after the commit
# point), qemu-img check is clean and no .NAME.offstage-* file is left.
#
# The kills: strace fault injection at the Nth call of each syscall, first on
# offstage alone (its renames, unlinks, writes, fsyncs, NBD requests, forks),
# then on offstage and every child (qemu-nbd's writes into the overlay and
# its replies, qemu-img commit's writes into the disk and its flushes: killing
# a child is a failure offstage must survive too); kills after delays swept
# over add-driver's run time (the whole process group, or offstage alone and
# its qemu-img commit left running); and the two sides of the commit point.
#
# OFFSTAGE_CRASH_EVERY=K: make check (K=3) tries 3/K points (at least one) of each syscall
# and 9/K delays; make soak (K=1) every point (every Kth of the NBD
# traffic's hundreds, so that each syscall has at most 100) and 20 delays.
. tests/cli/lib.sh

for tool in strace qemu-img qemu-nbd ntfsls ntfscat hivexget setsid pgrep; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "skip crash sweep on disks: $tool not installed"
        exit 0
    fi
done
EVERY=${OFFSTAGE_CRASH_EVERY:-3}
export SOURCE_DATE_EPOCH=1767225600
# LeakSanitizer cannot run under ptrace (strace), nor on a killed process
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
PKG="$EXAMPLE/amd64"
"$OFFSTAGE" make-test-cert --out "$TMP/cert" >/dev/null

# points COUNT: the injection points tried among COUNT calls
points() {
    c=$1
    [ "$c" -gt 0 ] || return 0
    if [ "$EVERY" -le 1 ]; then
        step=$(( (c + 99) / 100 ))
        seq 1 "$step" "$c"
        return
    fi
    k=$(( 3 / EVERY )); [ "$k" -ge 1 ] || k=1; [ "$k" -le "$c" ] || k=$c
    i=0
    while [ "$i" -lt "$k" ]; do
        echo $(( (2 * i + 1) * c / (2 * k) + 1 ))
        i=$((i + 1))
    done | awk -v c="$c" '$1 <= c' | uniq
}

# readback DISK: the Windows volume as an independent reader sees it (the
# staged folders, DevicePath, whether ntfsfix finds it consistent)
readback() {
    rm -f "$TMP/part.raw" "$TMP/sw"
    qemu-img convert -O raw --image-opts \
        "driver=raw,offset=$PART_OFF,size=$PART_SIZE,file.driver=$FMT,file.file.filename=$1" "$TMP/part.raw" || return 1
    ntfsls -R -p /Windows/offstage "$TMP/part.raw" 2>&1
    ntfscat "$TMP/part.raw" Windows/System32/config/SOFTWARE > "$TMP/sw" &&
        hivexget "$TMP/sw" 'Microsoft\Windows\CurrentVersion' DevicePath
    ntfsfix -n "$TMP/part.raw" >/dev/null 2>&1 && echo "ntfsfix: consistent"
    [ -n "$ESP_OFF" ] || return 0
    # the EFI system partition's store, read with mtools and hivex
    rm -f "$TMP/esp.raw" "$TMP/esp.bcd"
    qemu-img convert -O raw --image-opts \
        "driver=raw,offset=$ESP_OFF,size=$ESP_SIZE,file.driver=$FMT,file.file.filename=$1" "$TMP/esp.raw" || return 1
    fsck.fat -n "$TMP/esp.raw" >/dev/null 2>&1 && echo "fsck.fat: consistent"
    mcopy -n -i "$TMP/esp.raw" ::/EFI/Microsoft/Boot/BCD "$TMP/esp.bcd" &&
        hivexregedit --export "$TMP/esp.bcd" '\Objects' | grep -A1 -i '16000049' | sha256sum | cut -c1-16
}

# state DISK JSON: what the next commands report (get-drivers --json, given
# as the file JSON, and the boot store's testsigning) and what an
# independent reader sees
state() {
    cat "$2"
    "$OFFSTAGE" bcd --image "$1" --check testsigning 2>&1; echo "bcd --check testsigning: exit $?"
    readback "$1"
}

# setup FORMAT: the test disk, its partition, and the states before and
# after one uninterrupted add-driver --test-sign
setup() {
    FMT=$1
    D0="$TMP/d0.$FMT" W="$TMP/w.$FMT"
    rm -f "$D0" && "$OFFSTAGE" make-test-image --arch amd64 --with-device 1af4:1059:00191af4:01 \
        --disk "$D0" --format "$FMT" --partitioning "${2:-mbr}" >/dev/null ||
        { not_ok "$FMT: make-test-image --disk --partitioning ${2:-mbr}" "failed"; return 1; }
    qemu-img convert -f "$FMT" -O raw "$D0" "$TMP/d0.raw.img"
    # the Windows partition (the largest basic-data one) and the EFI system
    # partition, if any
    set -- $(sfdisk -J "$TMP/d0.raw.img" | python3 -c '
import json, sys
parts = json.load(sys.stdin)["partitiontable"]["partitions"]
esp = [p for p in parts if p["type"].upper() == "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"]
win = max((p for p in parts if p["type"].upper() in ("7", "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7")), key=lambda p: p["size"])
print(win["start"] * 512, win["size"] * 512, *((esp[0]["start"] * 512, esp[0]["size"] * 512) if esp else ()))')
    PART_OFF=$1 PART_SIZE=$2 ESP_OFF=${3:-} ESP_SIZE=${4:-}
    rm -f "$TMP/d0.raw.img"
    cp "$D0" "$W"
    "$OFFSTAGE" get-drivers --image "$W" --json > "$TMP/old.json" 2>/dev/null
    state "$W" "$TMP/old.json" > "$TMP/old.state"
    ADD="add-driver --image $W --driver $PKG --test-sign --test-sign-dir $TMP/cert"
    # shellcheck disable=SC2086
    "$OFFSTAGE" $ADD >/dev/null 2>&1 || { not_ok "$FMT: uninterrupted add-driver" "failed"; return 1; }
    "$OFFSTAGE" get-drivers --image "$W" --json > "$TMP/new.json" 2>/dev/null
    state "$W" "$TMP/new.json" > "$TMP/new.state"
    if cmp -s "$TMP/old.state" "$TMP/new.state" || ! grep -q 'testsigning is on' "$TMP/new.state" ||
       ! grep -q 'offstage\\drivers' "$TMP/new.state"; then
        not_ok "$FMT: add-driver changes the disk" "$(diff "$TMP/old.state" "$TMP/new.state" | head -5)"
        return 1
    fi
}

# holders: the qemu processes still naming the trial disk or its overlay
holders() { pgrep -f "qemu-(nbd|img) .*$TMP/\\.?w\\.$FMT" 2>/dev/null; }

T_OLD=0 T_NEW=0 T_BAD=0 T_ALL=0
old=0 new=0 bad=0
# judge WHAT: after a kill, the next command and the disk's state
judge() {
    what=$1
    T_ALL=$((T_ALL + 1))
    waited=0
    while [ -n "$(holders | grep -v qemu-img)" ] && [ "$waited" -lt 20 ]; do sleep 0.1; waited=$((waited + 1)); done
    if [ -n "$(holders | grep -v qemu-img)" ]; then
        bad=$((bad + 1)); echo "# $what: qemu-nbd still holds the disk 2 s after the kill: $(pgrep -af "qemu-nbd .*$TMP/" | head -2)"
        for p in $(holders); do kill -9 "$p" 2>/dev/null; done
        return
    fi
    pending=0; [ -e "$TMP/.w.$FMT.offstage-commit.qcow2" ] && pending=1
    "$OFFSTAGE" get-drivers --image "$W" --json >"$TMP/next.json" 2>"$TMP/next.err"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        bad=$((bad + 1)); echo "# $what: the next command failed (exit $rc): $(head -2 "$TMP/next.err")"
        return
    fi
    if ls -A "$TMP" | grep -q "^\\.w\\.$FMT\\.offstage-"; then
        bad=$((bad + 1)); echo "# $what: left after the next command: $(ls -A "$TMP" | grep offstage- | head -3)"
        return
    fi
    if [ -n "$(holders)" ]; then
        bad=$((bad + 1)); echo "# $what: a qemu process outlived the next command: $(holders | head -2)"
        return
    fi
    if [ "$pending" -eq 1 ] && ! grep -q "completed the change" "$TMP/next.err"; then
        bad=$((bad + 1)); echo "# $what: a pending commit was there, but the next command did not say it completed it"
        return
    fi
    if cmp -s "$W" "$D0"; then
        old=$((old + 1)); T_OLD=$((T_OLD + 1))
        [ "$pending" -eq 0 ] || { bad=$((bad + 1)); old=$((old - 1)); T_OLD=$((T_OLD - 1)); echo "# $what: completed a pending commit, but the disk is the old one"; }
        return
    fi
    state "$W" "$TMP/next.json" > "$TMP/trial.state"
    if ! cmp -s "$TMP/trial.state" "$TMP/new.state"; then
        bad=$((bad + 1)); echo "# $what: neither all-old nor all-new:"; diff "$TMP/new.state" "$TMP/trial.state" | head -8
    elif ! qemu-img check -q -f "$FMT" "$W" >/dev/null 2>"$TMP/check.err" && ! grep -q 'does not support checks' "$TMP/check.err"; then
        bad=$((bad + 1)); echo "# $what: qemu-img check: $(qemu-img check -f "$FMT" "$W" 2>&1 | head -2)"
    else
        new=$((new + 1)); T_NEW=$((T_NEW + 1))
    fi
}

verdict() {
    name=$1 tried=$((old + new + bad))
    echo "# $name: $tried kills: $old all-old, $new all-new, $bad bad"
    if [ "$bad" -eq 0 ] && [ "$tried" -gt 0 ]; then ok "$name: every kill leaves all-old or all-new"; else not_ok "$name" "$bad of $tried kills left a bad disk or a failing next command"; fi
    T_BAD=$((T_BAD + bad))
    old=0 new=0 bad=0
}

# count STRACE-OPTIONS SYSCALLS...: one uninterrupted run, traced; then
# calls SYSCALL prints how many calls of it the busiest process made
# (injection counts per process and thread)
count() {
    opts=$1; shift
    cp "$D0" "$W"
    # shellcheck disable=SC2086
    strace $opts -qq -o "$TMP/count.log" -e trace="$(echo "$@" | tr ' ' ,)" "$OFFSTAGE" $ADD >/dev/null 2>&1
}
calls() {
    if [ -z "$2" ]; then
        grep -c "^$1(" "$TMP/count.log"
    else
        grep " $1(" "$TMP/count.log" | awk '{ n[$1]++ } END { m = 0; for (p in n) if (n[p] > m) m = n[p]; print m }'
    fi
}

# inject NAME STRACE-OPTIONS SYSCALL COUNT: kill at the chosen points
inject() {
    name=$1 opts=$2 sc=$3
    for n in $(points "$4"); do
        cp "$D0" "$W"
        # shellcheck disable=SC2086
        strace $opts -qq -o /dev/null -e trace="$sc" -e inject="$sc":signal=KILL:when="$n" "$OFFSTAGE" $ADD >/dev/null 2>&1
        judge "$name: $sc #$n of $4"
    done
}

# sweep FORMAT: every kind of kill on a test disk of that format
sweep() {
    setup "$1" || return 0

    # 1. offstage alone (strace without -f: its children run untraced)
    SYS1="rename unlink write fsync sendto clone"
    count "" $SYS1
    for sc in $SYS1; do
        inject "offstage" "" "$sc" "$(calls "$sc")"
    done
    verdict "$FMT, kill offstage at its Nth call"

    # 2. the children: qemu-img commit at its Nth write or flush of the disk
    # (the disk half written: the next command must redo the commit), qemu-nbd
    # or qemu-img create at their Nth write into the overlay, qemu-nbd at its
    # Nth reply; strace -P keeps the count to calls on that file
    OVL="$TMP/.w.$FMT.offstage-overlay.qcow2"
    count "-f -P $W" pwrite64 fdatasync
    inject "commit into the disk" "-f -P $W" pwrite64 "$(calls pwrite64 f)"
    inject "commit into the disk" "-f -P $W" fdatasync "$(calls fdatasync f)"
    count "-f -P $OVL" pwrite64
    inject "write into the overlay" "-f -P $OVL" pwrite64 "$(calls pwrite64 f)"
    count "-f" sendmsg
    inject "NBD reply" "-f" sendmsg "$(calls sendmsg f)"
    # a child killed as it starts: qemu-nbd, and (in make soak) qemu-img
    for tool in qemu-nbd $( [ "$EVERY" -le 1 ] && echo qemu-img ); do
        cp "$D0" "$W"
        # shellcheck disable=SC2086
        strace -f -qq -o /dev/null -P "/usr/bin/$tool" -e trace=execve -e inject=execve:signal=KILL "$OFFSTAGE" $ADD >/dev/null 2>&1
        judge "$tool killed at its start"
    done
    verdict "$FMT, kill qemu-img or qemu-nbd at its Nth call"

    # 3. the two sides of the commit point: the rename of the overlay to its
    # pending name (killed at it: all-old, the overlay discarded) and the fsync
    # just after (all-new, completed by the next command)
    cp "$D0" "$W"
    # shellcheck disable=SC2086
    strace -qq -o "$TMP/cp.log" -e trace=rename,fsync "$OFFSTAGE" $ADD >/dev/null 2>&1
    r=$(grep '^rename(' "$TMP/cp.log" | grep -n 'offstage-commit' | cut -d: -f1 | head -1)
    f=$(awk '/^rename\(.*offstage-commit/ { print n + 1; exit } /^fsync\(/ { n++ }' "$TMP/cp.log")
    if [ -n "$r" ] && [ -n "$f" ]; then
        cp "$D0" "$W"
        # shellcheck disable=SC2086
        strace -qq -o /dev/null -e trace=rename -e inject=rename:signal=KILL:when="$r" "$OFFSTAGE" $ADD >/dev/null 2>&1
        if [ -e "$TMP/.w.$FMT.offstage-overlay.qcow2" ] && cmp -s "$W" "$D0"; then ok "$FMT: killed at the commit rename: the overlay is left, the disk unchanged"; else not_ok "$FMT: killed at the commit rename" "$(ls -A "$TMP")"; fi
        run get-drivers --image "$W"
        expect_err "$FMT: the next command discards the stopped command's overlay" "discarded the unfinished change of a stopped command"
        judge "at the commit rename"
        cp "$D0" "$W"
        # shellcheck disable=SC2086
        strace -qq -o /dev/null -e trace=fsync -e inject=fsync:signal=KILL:when="$f" "$OFFSTAGE" $ADD >/dev/null 2>&1
        if [ -e "$TMP/.w.$FMT.offstage-commit.qcow2" ] && cmp -s "$W" "$D0"; then ok "$FMT: killed just after the commit point: pending overlay, disk not yet written"; else not_ok "$FMT: killed just after the commit point" "$(ls -A "$TMP")"; fi
        judge "just after the commit point"
        verdict "$FMT, the commit point"
    else
        not_ok "$FMT: the commit point" "no rename to the pending name seen: $(grep rename "$TMP/cp.log" | head -3)"
    fi

    # 4. kills while qemu-img commit writes the disk: the whole group (the
    # commit is stopped half way: the next command redoes it), and offstage
    # alone (the commit goes on unowned: the next command must wait for it or
    # redo it, never fail or see half of it)
    for mode in group offstage $( [ "$EVERY" -le 1 ] && echo group offstage ); do
        cp "$D0" "$W"
        # shellcheck disable=SC2086
        setsid "$OFFSTAGE" $ADD >/dev/null 2>&1 &
        pid=$!
        tries=0
        # the pending overlay first (a cheap test), then its commit
        while [ ! -e "$TMP/.w.$FMT.offstage-commit.qcow2" ] && kill -0 "$pid" 2>/dev/null && [ "$tries" -lt 6000 ]; do
            sleep 0.005; tries=$((tries + 1))
        done
        tries=0
        while ! pgrep -f "qemu-img commit .*$TMP/\\.w\\.$FMT" >/dev/null && kill -0 "$pid" 2>/dev/null && [ "$tries" -lt 100 ]; do
            tries=$((tries + 1))
        done
        if [ "$mode" = group ]; then kill -KILL "-$pid" 2>/dev/null; else kill -9 "$pid" 2>/dev/null; fi
        wait "$pid" 2>/dev/null
        [ $? -eq 137 ] || echo "# during qemu-img commit ($mode): add-driver ended before the kill"
        judge "during qemu-img commit, killed: $mode"
    done
    verdict "$FMT, kill during qemu-img commit"

    # 5. kills after delays swept over an uninterrupted run's time, alternately
    # the process group and offstage alone
    cp "$D0" "$W"
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    "$OFFSTAGE" $ADD >/dev/null 2>&1
    dur=$(( ($(date +%s%N) - t0) / 1000000 ))
    N=20; [ "$EVERY" -gt 1 ] && N=$(( (9 + EVERY - 1) / EVERY ))
    i=0
    while [ "$i" -lt "$N" ]; do
        cp "$D0" "$W"
        ms=$(( dur * i / N + dur / (2 * N) ))
        # shellcheck disable=SC2086
        setsid "$OFFSTAGE" $ADD >/dev/null 2>&1 &
        pid=$!
        sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
        if [ $((i % 2)) -eq 0 ]; then kill -KILL "-$pid" 2>/dev/null; mode=group; else kill -9 "$pid" 2>/dev/null; mode=offstage; fi
        wait "$pid" 2>/dev/null
        [ $? -eq 137 ] || echo "# after ${ms} ms: add-driver ended before the kill"
        judge "after ${ms} ms of ${dur}, killed: $mode"
        i=$((i + 1))
    done
    verdict "$FMT, kill -9 after a delay"
}

# qcow2 in make check; every other format too in make soak (or as
# OFFSTAGE_CRASH_FORMATS names)
FORMATS=${OFFSTAGE_CRASH_FORMATS-qcow2}
[ "$EVERY" -le 1 ] && FORMATS=${OFFSTAGE_CRASH_FORMATS:-qcow2 raw vpc vhdx vmdk}
for format in $FORMATS; do
    sweep "$format"
done

# A GPT disk: --test-sign writes the EFI system partition's store through
# mtools on a copy of the partition, written back into the overlay; kills
# of qemu-nbd's writes into the overlay (and in make soak of offstage)
if setup qcow2 gpt; then
    # offstage's own calls in make soak; make check kills qemu-nbd's writes
    for sc in $( [ "$EVERY" -le 1 ] && echo write clone ); do
        count "" $sc
        inject "gpt: offstage" "" "$sc" "$(calls "$sc")"
    done
    OVL="$TMP/.w.$FMT.offstage-overlay.qcow2"
    count "-f -P $OVL" pwrite64
    inject "gpt: write into the overlay" "-f -P $OVL" pwrite64 "$(calls pwrite64 f)"
    verdict "qcow2 GPT with an EFI system partition, kills while its store is written"
fi
ESP_OFF= ESP_SIZE=

# A commit into a VHDX killed half way leaves the format's metadata log,
# which qemu must replay before it opens the disk to redo the commit: in
# make check too, kills at qemu-img's flushes of the disk (its threads
# share the writes, so which write leaves a log varies)
case " $FORMATS " in
*" vhdx "*) ;;
*)
    if setup vhdx; then
        count "-f -P $W" fdatasync
        c=$(calls fdatasync f)
        # every flush in make soak; in make check four spread over them
        step=1; [ "$EVERY" -gt 1 ] && step=$(( (c + 3) / 4 ))
        for n in $(seq 1 "$step" "$c"); do
            cp "$D0" "$W"
            # shellcheck disable=SC2086
            strace -f -P "$W" -qq -o /dev/null -e trace=fdatasync -e inject=fdatasync:signal=KILL:when="$n" "$OFFSTAGE" $ADD >/dev/null 2>&1
            judge "vhdx: commit into the disk killed at fdatasync #$n of $c"
        done
        [ "$old" -eq 0 ] || not_ok "vhdx: each killed commit is redone by the next command" "$old left all-old"
        verdict "vhdx, commits killed half way"
    fi
    ;;
esac

echo "# crash sweep on disks: $T_ALL kills: $T_OLD all-old, $T_NEW all-new, $T_BAD bad"
