# Kill -9 during offstage media at many points (strace fault injection at
# the Nth call of offstage's renames, unlinks, writes, fsyncs and forks;
# kills of 7-Zip and xorriso as they write; kills after delays swept over an
# uninterrupted run), with --winre, then check: the source (an ISO, or a folder serviced
# --in-place) is byte-identical to before, or for a folder, what one
# uninterrupted run leaves; the output ISO is absent or complete (7-Zip
# tests it, it holds the staged packages); the next run succeeds and leaves
# no working copy beside the output.
#
# OFFSTAGE_CRASH_EVERY=K: make check (K=3) tries a third of the points of
# each syscall (at least one) and 3 delays; make soak (K=1) every point.
. tests/cli/lib.sh

for tool in strace xorriso 7zz wimlib-imagex setsid; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "skip crash sweep on media: $tool not installed"
        exit 0
    fi
done
EVERY=${OFFSTAGE_CRASH_EVERY:-3}
export SOURCE_DATE_EPOCH=1767225600
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
PKG="$EXAMPLE/amd64"
"$OFFSTAGE" make-test-cert --out "$TMP/cert" >/dev/null
SRC="$TMP/src.iso"
"$OFFSTAGE" make-test-image --media "$TMP/m" --iso "$SRC" --arch amd64 --editions 2 >/dev/null
src_sum=$(sha256sum "$SRC" | cut -d' ' -f1)
OUTISO="$TMP/out/new.iso"
mkdir -p "$TMP/out"
# --winre: its second write of install.wim is under the sweep too
ADD="--driver $PKG --test-sign --test-sign-dir $TMP/cert --winre"

points() {
    c=$1
    [ "$c" -gt 0 ] || return 0
    # make soak: every point, or every Kth of the thousands of a tool's
    # writes, so that each has at most 100
    if [ "$EVERY" -le 1 ]; then seq 1 $(( (c + 99) / 100 )) "$c"; return; fi
    k=$(( 3 / EVERY )); [ "$k" -ge 1 ] || k=1; [ "$k" -le "$c" ] || k=$c
    i=0
    while [ "$i" -lt "$k" ]; do
        echo $(( (2 * i + 1) * c / (2 * k) + 1 ))
        i=$((i + 1))
    done | awk -v c="$c" '$1 <= c' | uniq
}

# serviced DIR: the staged package in both install images, boot.wim
# index 2 and the winre.wim they share, testsigning in boot/BCD, the WIMs
# verify, the manifest is there
serviced() {
    rm -rf "$TMP/re" && mkdir -p "$TMP/re"
    wimlib-imagex extract "$1/sources/install.wim" 1 /Windows/System32/Recovery/winre.wim --dest-dir="$TMP/re" \
        --no-acls >/dev/null 2>&1 &&
        wimlib-imagex dir "$TMP/re/winre.wim" 1 --path=/Windows/offstage/drivers 2>/dev/null |
        grep -q aero_virtio_snd.inf_amd64_neutral_ || return 1
    for i in 1 2; do
        wimlib-imagex dir "$1/sources/install.wim" "$i" --path=/Windows/offstage/drivers 2>/dev/null |
            grep -q aero_virtio_snd.inf_amd64_neutral_ || return 1
    done
    wimlib-imagex dir "$1/sources/boot.wim" 2 --path=/Windows/offstage/drivers 2>/dev/null |
        grep -q aero_virtio_snd.inf_amd64_neutral_ || return 1
    wimlib-imagex verify "$1/sources/install.wim" >/dev/null 2>&1 && [ -f "$1/offstage-media.json" ] &&
        hivexregedit --export "$1/boot/BCD" '\Objects' 2>/dev/null | grep -qi 16000049
}
# iso_complete ISO: 7-Zip tests it whole and what it holds is serviced
iso_complete() {
    rm -rf "$TMP/x" && mkdir -p "$TMP/x"
    7zz t "$1" >/dev/null 2>&1 && 7zz x -y -bd '-x![BOOT]' -o"$TMP/x" "$1" >/dev/null 2>&1 && serviced "$TMP/x"
}

T_ALL=0 T_NONE=0 T_DONE=0 T_BAD=0
# judge WHAT: after a kill of `media SRC --output OUTISO`
judge() {
    T_ALL=$((T_ALL + 1))
    if [ "$(sha256sum "$SRC" | cut -d' ' -f1)" != "$src_sum" ]; then
        T_BAD=$((T_BAD + 1)); echo "# $1: the source ISO changed"; return
    fi
    if [ -e "$OUTISO" ]; then
        if iso_complete "$OUTISO"; then T_DONE=$((T_DONE + 1)); else T_BAD=$((T_BAD + 1)); echo "# $1: an incomplete output"; return; fi
    else
        T_NONE=$((T_NONE + 1))
    fi
    # shellcheck disable=SC2086
    if ! "$OFFSTAGE" media "$SRC" --output "$OUTISO" $ADD >"$TMP/next.out" 2>&1; then
        T_BAD=$((T_BAD + 1)); echo "# $1: the next run failed: $(tail -2 "$TMP/next.out")"; return
    fi
    if ls -A "$TMP/out" | grep -qv '^new.iso$'; then
        T_BAD=$((T_BAD + 1)); echo "# $1: left beside the output after the next run: $(ls -A "$TMP/out")"; return
    fi
    iso_complete "$OUTISO" || { T_BAD=$((T_BAD + 1)); echo "# $1: the next run's output is incomplete"; }
}

# 1. offstage alone at its Nth call of each syscall
SYS="rename write fsync clone"; [ "$EVERY" -le 1 ] && SYS="rename renameat2 unlink write fsync clone"
for sc in $SYS; do
    rm -f "$OUTISO"
    # shellcheck disable=SC2086
    strace -qq -o "$TMP/count.log" -e trace="$sc" "$OFFSTAGE" media "$SRC" --output "$OUTISO" $ADD >/dev/null 2>&1
    c=$(grep -c "^$sc(" "$TMP/count.log")
    for n in $(points "$c"); do
        rm -f "$OUTISO"
        # shellcheck disable=SC2086
        strace -qq -o /dev/null -e trace="$sc" -e inject="$sc":signal=KILL:when="$n" "$OFFSTAGE" media "$SRC" \
            --output "$OUTISO" $ADD >/dev/null 2>&1
        judge "offstage killed at $sc #$n of $c"
    done
done
# 2. 7-Zip extracting and xorriso writing, killed at their Nth write
for tool in 7zz xorriso; do
    rm -f "$OUTISO"
    # shellcheck disable=SC2086
    strace -f -qq -o "$TMP/count.log" -e trace=execve,write "$OFFSTAGE" media "$SRC" --output "$OUTISO" $ADD >/dev/null 2>&1
    pid=$(grep "execve(\"[^\"]*/$tool\"" "$TMP/count.log" | head -1 | cut -d' ' -f1)
    c=$(grep -c "^$pid write(" "$TMP/count.log")
    for n in $(points "$c"); do
        rm -f "$OUTISO"
        # shellcheck disable=SC2086
        strace -f -qq -o /dev/null -e trace=write -e inject=write:signal=KILL:when="$n" \
            -P "$TMP/out" "$OFFSTAGE" media "$SRC" --output "$OUTISO" $ADD >/dev/null 2>&1
        judge "$tool's write #$n of $c under the output's folder killed"
    done
done
# 3. the whole process group after delays over an uninterrupted run
rm -f "$OUTISO"
t0=$(date +%s%N)
# shellcheck disable=SC2086
"$OFFSTAGE" media "$SRC" --output "$OUTISO" $ADD >/dev/null 2>&1
dur=$(( ($(date +%s%N) - t0) / 1000000 ))
N=12; [ "$EVERY" -gt 1 ] && N=2
i=0
while [ "$i" -lt "$N" ]; do
    rm -f "$OUTISO"
    ms=$(( dur * i / N + dur / (2 * N) ))
    # shellcheck disable=SC2086
    setsid "$OFFSTAGE" media "$SRC" --output "$OUTISO" $ADD >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    kill -KILL "-$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    judge "process group killed after $ms ms of $dur"
    i=$((i + 1))
done
echo "# crash sweep on media (ISO): $T_ALL kills: $T_NONE no output, $T_DONE complete output, $T_BAD bad"
if [ "$T_BAD" -eq 0 ] && [ "$T_ALL" -gt 0 ]; then ok "media ISO -> ISO: every kill leaves the source as it was and no output or a complete one"
else not_ok "media ISO -> ISO under kill -9" "$T_BAD of $T_ALL kills left something bad"; fi

# 4. --in-place on a folder: all-old (byte-identical) or all-new (serviced,
# the files media do not change as they were)
snap() { (cd "$1" && find . -type f -exec sha256sum {} + | sort -k2); }
untouched() { (cd "$1" && sha256sum boot/etfsboot.com bootmgr setup.exe efi/microsoft/boot/efisys.bin); }
cp -a "$TMP/m" "$TMP/f0"
snap "$TMP/f0" >"$TMP/f.old"
untouched "$TMP/f0" >"$TMP/u.old"
old=0 new=0 bad=0
for sc in renameat2 write fsync; do
    rm -rf "$TMP/f" && cp -a "$TMP/f0" "$TMP/f"
    # shellcheck disable=SC2086
    strace -qq -o "$TMP/count.log" -e trace="$sc" "$OFFSTAGE" media "$TMP/f" --in-place $ADD >/dev/null 2>&1
    c=$(grep -c "^$sc(" "$TMP/count.log")
    # the last call too: for fsync, the folder's after the exchange (all-new)
    for n in $( (points "$c"; echo "$c") | sort -un); do
        rm -rf "$TMP/f" && cp -a "$TMP/f0" "$TMP/f"
        # shellcheck disable=SC2086
        strace -qq -o /dev/null -e trace="$sc" -e inject="$sc":signal=KILL:when="$n" "$OFFSTAGE" media "$TMP/f" \
            --in-place $ADD >/dev/null 2>&1
        snap "$TMP/f" >"$TMP/f.trial"
        untouched "$TMP/f" >"$TMP/u.trial" 2>&1
        if cmp -s "$TMP/f.trial" "$TMP/f.old"; then old=$((old + 1))
        elif serviced "$TMP/f" && cmp -s "$TMP/u.trial" "$TMP/u.old"; then new=$((new + 1))
        else bad=$((bad + 1)); echo "# --in-place killed at $sc #$n of $c: neither all-old nor all-new"; continue; fi
        # shellcheck disable=SC2086
        "$OFFSTAGE" media "$TMP/f" --in-place $ADD >/dev/null 2>&1 || { bad=$((bad + 1)); echo "# $sc #$n: the next run failed"; continue; }
        ls -A "$TMP" | grep -q '^f\.offstage-work' && { bad=$((bad + 1)); echo "# $sc #$n: a working copy left after the next run"; }
    done
done
echo "# crash sweep on media (--in-place): $((old + new + bad)) kills: $old all-old, $new all-new, $bad bad"
if [ "$bad" -eq 0 ] && [ "$old" -gt 0 ] && [ "$new" -gt 0 ]; then ok "media --in-place: every kill leaves the folder all-old or all-new (both seen)"
else not_ok "media --in-place under kill -9" "$bad bad"; fi
