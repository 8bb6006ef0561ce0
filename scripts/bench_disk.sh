#!/bin/sh
# `make bench`, section 3: offstage add-driver on a virtual disk (qcow2)
# against (a) the floor, qemu-img committing an overlay that holds exactly
# the changed clusters, and (b) libguestfs uploading the same changes, on a
# 1 GiB and a 64 GiB sparse copy of the same test disk. Ratios are against
# baselines measured in this run. BENCH_DISK_REPS=N runs (default 5, the
# median is reported); BENCH_GUESTFS=0 skips libguestfs; BENCH_KEEP=1 keeps
# build/bench-disk-work/.
set -eu
BUILD=${1:-build}
OFFSTAGE="$(pwd)/$BUILD/offstage"
PKG="$(pwd)/$BUILD/examples/virtio-snd/amd64"
TREE_RSS="$(pwd)/scripts/tree_rss.py"
REPS=${BENCH_DISK_REPS:-5}
W="$BUILD/bench-disk-work"
rm -rf "$W" && mkdir -p "$W"
W=$(cd "$W" && pwd)
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT

for tool in qemu-img qemu-nbd python3; do
    command -v "$tool" > /dev/null || { echo "bench disk: skipped: $tool is not installed"; exit 0; }
done

now() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { m = (op == "<=") ? (v <= t) : (v >= t); print m ? "met" : "MISSED" }'; }
add_driver() { "$OFFSTAGE" add-driver --image "$1" --driver "$PKG" --force-unsigned "$@"; }

"$OFFSTAGE" make-test-image --arch amd64 --with-device 1af4:1059:00191af4:01 --disk "$W/base.qcow2" \
    --format qcow2 --partitioning mbr --system-partition > /dev/null
# both sizes from the same disk: growing the virtual size leaves the MBR's
# partitions as they are, so the two differ only in how large they claim to be
for size in 1G 64G; do
    cp --sparse=always "$W/base.qcow2" "$W/disk-$size.qcow2"
    qemu-img resize -q -f qcow2 "$W/disk-$size.qcow2" "$size"
done
echo "bench disk: test disk (MBR, System Reserved + Windows NTFS, qcow2) grown to 1 GiB and 64 GiB;" \
    "add-driver of $BUILD/examples/virtio-snd/amd64 (unsigned, no --test-sign), median of $REPS runs"

for size in 1G 64G; do
    DISK="$W/disk-$size.qcow2"
    # offstage, on a fresh copy each time
    : > "$W/off-$size.ns"
    i=0
    while [ $i -lt "$REPS" ]; do
        i=$((i + 1))
        cp --sparse=always "$DISK" "$W/run.qcow2"
        sync # the copy's writeback is not charged to the timed run
        t0=$(now); "$OFFSTAGE" add-driver --image "$W/run.qcow2" --driver "$PKG" --force-unsigned > /dev/null; t1=$(now)
        echo $((t1 - t0)) >> "$W/off-$size.ns"
    done
    eval "T_OFF_$size=\$(median < \"\$W/off-\$size.ns\")"
    # peak memory in a separate run: the sampler costs CPU the timed runs do not pay
    cp --sparse=always "$DISK" "$W/run.qcow2"
    python3 "$TREE_RSS" "$W/rss-$size" "$OFFSTAGE" add-driver --image "$W/run.qcow2" --driver "$PKG" --force-unsigned
    eval "RSS_$size=\$(awk '\$1 == \"tree\" { print \$2 }' \"\$W/rss-\$size\")"
    # the result is a sound qcow2 holding both packages
    qemu-img check -q -f qcow2 "$W/run.qcow2"
    n=$("$OFFSTAGE" get-drivers --image "$W/run.qcow2" | grep -c 'aero' || true)
    [ "$n" -ge 2 ] || { echo "bench disk: offstage's result on the $size disk lacks the staged packages"; exit 1; }

    # (a) the floor: an overlay holding exactly offstage's changes (made once,
    # untimed, by --output), rebased onto a fresh copy and committed into it
    cp --sparse=always "$DISK" "$W/src.qcow2"
    "$OFFSTAGE" add-driver --image "$W/src.qcow2" --driver "$PKG" --force-unsigned --output "$W/changes-$size.qcow2" > /dev/null
    : > "$W/floor-$size.ns"
    i=0
    while [ $i -lt "$REPS" ]; do
        i=$((i + 1))
        cp --sparse=always "$DISK" "$W/run.qcow2"
        cp --sparse=always "$W/changes-$size.qcow2" "$W/ov.qcow2"
        qemu-img rebase -u -f qcow2 -b "$W/run.qcow2" -F qcow2 "$W/ov.qcow2"
        sync
        t0=$(now); qemu-img commit -q -f qcow2 -d "$W/ov.qcow2"; t1=$(now)
        echo $((t1 - t0)) >> "$W/floor-$size.ns"
    done
    eval "T_FLOOR_$size=\$(median < \"\$W/floor-\$size.ns\")"
done
CHANGED=$(qemu-img map --output=json -f qcow2 "$W/changes-1G.qcow2" |
    awk -F'[:,]' '/"depth": 0/ && /"data": true/ { for (i = 1; i < NF; i++) if ($i ~ /"length"/) s += $(i + 1) } END { print s + 0 }')

echo "bench disk: changed data: $(mb "$CHANGED") MB in the overlay (package files, SOFTWARE, SYSTEM, manifest)"
for size in 1G 64G; do
    eval "t_off=\$T_OFF_$size t_floor=\$T_FLOOR_$size rss=\$RSS_$size"
    echo "bench disk: $size offstage add-driver: $(secs "$t_off") s, peak RSS of offstage + qemu-nbd + qemu-img $(mb "$rss") MB" \
        "($(awk '$1 != "tree" { printf "%s %.1f MB; ", $1, $2 / 1048576 }' "$W/rss-$size")each at its own peak)"
    echo "bench disk: $size (a) floor, qemu-img commit of the changed clusters: $(secs "$t_floor") s"
    r=$(ratio "$t_off" "$t_floor")
    echo "bench disk: $size ratio offstage / floor (a):  ${r}x   (target <= 1.5: $(verdict "$r" 1.5 '<='))"
done
r=$(ratio "$T_OFF_64G" "$T_OFF_1G")
echo "bench disk: wall time 64 GiB / 1 GiB:          ${r}x   (target the same within noise, ~1.0: $(awk -v r="$r" 'BEGIN { print (r >= 0.8 && r <= 1.25) ? "met" : "MISSED" }'))"
r=$(ratio "$RSS_64G" "$RSS_1G")
echo "bench disk: peak RSS 64 GiB / 1 GiB:           ${r}x   (target the same within noise, ~1.0: $(awk -v r="$r" 'BEGIN { print (r >= 0.9 && r <= 1.1) ? "met" : "MISSED" }'))"
for size in 1G 64G; do
    eval "rss=\$RSS_$size"
    echo "bench disk: $size peak RSS:                     $(mb "$rss") MB   (target <= 100: $(verdict "$(mb "$rss")" 100 '<='))"
done

# where offstage's time goes: the spans of the programs it runs, from
# strace's timestamps (with --seccomp-bpf only the traced calls stop, so the
# run is close to an untraced one; without it every call is slowed)
if command -v strace > /dev/null; then
    cp --sparse=always "$W/disk-1G.qcow2" "$W/run.qcow2"
    bpf=--seccomp-bpf; strace -f $bpf -o /dev/null true 2> /dev/null || bpf=
    # LeakSanitizer cannot run under ptrace: an ASan build runs without it here
    if ! ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" strace -f $bpf -ttt -e trace=execve,exit_group -o "$W/strace" \
        "$OFFSTAGE" add-driver --image "$W/run.qcow2" --driver "$PKG" --force-unsigned > /dev/null 2> "$W/strace.err"; then
        echo "bench disk: phases not measured: add-driver failed under strace: $(tail -n 1 "$W/strace.err")"
    else awk '
        NR == 1 { start = $2 }
        $3 ~ /^execve\(/ && $0 !~ /= -1/ && NR > 1 {
            split($0, q, "\""); n = 0; name = ""
            for (i = 4; i <= length(q) && n < 2; i += 2) { name = name (n ? " " : "") q[i]; n++ }
            if (name ~ /^qemu-nbd/) name = "qemu-nbd session (" (index($0, "--read-only") ? "read-only, after the commit" : "the overlay") ")"
            began[$1] = $2; what[$1] = name; order[++k] = $1
        }
        /\+\+\+ (exited|killed)/ { end[$1] = $2; last = $2 }
        END {
            printf "bench disk: phases under strace (1 GiB, %.3f s in all):\n", last - start
            for (j = 1; j <= k; j++) { p = order[j]; spent += end[p] - began[p]
                printf "bench disk:   %-46s at %.3f s, %.3f s\n", what[p], began[p] - start, end[p] - began[p] }
            printf "bench disk:   %-46s %.3f s\n", "offstage alone, between them", (last - start) - spent
        }' "$W/strace"
    fi
fi

# (b) libguestfs: the same files and the hives offstage produced, uploaded
# into partition 2 (a lower bound for its own hive editing, which it skips)
if [ "${BENCH_GUESTFS:-1}" = 0 ]; then
    echo "bench disk: (b) libguestfs skipped (BENCH_GUESTFS=0)"
elif ! command -v guestfish > /dev/null; then
    echo "bench disk: (b) libguestfs skipped: guestfish is not installed (libguestfs-tools)"
elif ! command -v ntfscat > /dev/null; then
    echo "bench disk: (b) libguestfs skipped: ntfscat (ntfs-3g) is needed to read the changes out"
else
    export LIBGUESTFS_BACKEND=direct
    backend="software emulation (TCG)"; [ -w /dev/kvm ] && backend="KVM"
    qemu-img convert -f qcow2 -O raw "$W/changes-1G.qcow2" "$W/result.raw"
    start=$(sfdisk --dump "$W/result.raw" | awk -F'[=,]' '/^[^ ]*2 :/ { print $2 + 0 }')
    dd if="$W/result.raw" of="$W/win.ntfs" bs=512 skip="$start" status=none
    rm -f "$W/result.raw"
    mkdir -p "$W/up"
    # the changed files: each staged package's files, the manifest, the hives
    ntfsls -R -p /Windows/offstage "$W/win.ntfs" > "$W/offstage.ls"
    {
        for d in $(ntfsls -p /Windows/offstage/drivers "$W/win.ntfs" | grep -v '^\.'); do
            echo "mkdir-p /Windows/offstage/drivers/$d"
            for f in $(ntfsls -p "/Windows/offstage/drivers/$d" "$W/win.ntfs" | grep -v '^\.'); do
                ntfscat "$W/win.ntfs" "/Windows/offstage/drivers/$d/$f" > "$W/up/$f"
                echo "upload $W/up/$f /Windows/offstage/drivers/$d/$f"
            done
        done
        ntfscat "$W/win.ntfs" /Windows/offstage/manifest.json > "$W/up/manifest.json"
        echo "upload $W/up/manifest.json /Windows/offstage/manifest.json"
        for h in SOFTWARE SYSTEM; do
            ntfscat "$W/win.ntfs" "/Windows/System32/config/$h" > "$W/up/$h"
            echo "upload $W/up/$h /Windows/System32/config/$h"
        done
    } > "$W/guestfish.script"
    # one untimed run first: libguestfs builds or refreshes its appliance then
    cp --sparse=always "$W/disk-1G.qcow2" "$W/gf.qcow2"
    if ! guestfish --rw --format=qcow2 -a "$W/gf.qcow2" -m /dev/sda2 -f "$W/guestfish.script" > "$W/guestfish.log" 2>&1; then
        echo "bench disk: (b) libguestfs skipped: guestfish fails here: $(tail -n 1 "$W/guestfish.log")"
    else
        cp --sparse=always "$W/disk-1G.qcow2" "$W/gf.qcow2"
        sync
        t0=$(now)
        python3 "$TREE_RSS" "$W/rss-gf" guestfish --rw --format=qcow2 -a "$W/gf.qcow2" -m /dev/sda2 -f "$W/guestfish.script"
        t1=$(now)
        T_GF=$((t1 - t0))
        RSS_GF=$(awk '$1 == "tree" { print $2 }' "$W/rss-gf")
        echo "bench disk: 1G (b) libguestfs ($backend), guestfish upload of the same files and hives: $(secs "$T_GF") s, peak RSS $(mb "$RSS_GF") MB (one run)"
        r=$(ratio "$T_GF" "$T_OFF_1G")
        echo "bench disk: 1G ratio libguestfs (b) / offstage: ${r}x   (target >= 20: $(verdict "$r" 20 '>='))"
    fi
fi
