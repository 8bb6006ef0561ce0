# CLI tests for WIM images: wim-info, staging into install.wim (every
# edition) and boot.wim, what is preserved, refusals, bad WIMs, and crash
# safety. Independent readers: wimlib-imagex (info, verify, extract), 7zz,
# hivexget.
. tests/cli/lib.sh

sum() { sha256sum "$1" | cut -d' ' -f1; }
devicepath_of() { # WIM INDEX
    rm -rf "$TMP/x" && mkdir -p "$TMP/x"
    wimlib-imagex extract "$1" "$2" /Windows/System32/config/SOFTWARE --dest-dir="$TMP/x" --no-acls >/dev/null 2>&1
    hivexget "$TMP/x/SOFTWARE" '\Microsoft\Windows\CurrentVersion' DevicePath 2>/dev/null
}
# what must survive a servicing: everything wimlib-imagex info says but sizes, counts and times
preserved() { wimlib-imagex info "$1" | grep -vE '^(Size|File Count|Directory Count|Total Bytes|Hard Link Bytes|Last Modification Time|GUID|Creation Time):'; }

# install.wim: four editions of an x86 Windows 7, LZX, with an integrity table
for e in Starter HomePremium Professional Ultimate; do
    "$OFFSTAGE" make-test-image --arch x86 --edition $e "$TMP/img-$e" >/dev/null
done
WIM="$TMP/install.wim"
wimlib-imagex capture "$TMP/img-Starter" "$WIM" "Windows 7 STARTER" "Windows 7 STARTER" --compress=LZX --check >/dev/null
for e in HomePremium Professional Ultimate; do
    wimlib-imagex append "$TMP/img-$e" "$WIM" "Windows 7 $(echo $e | tr a-z A-Z)" "Windows 7 $e" --check >/dev/null
done
PKG="$EXAMPLE/x86"

run wim-info "$WIM" --json
expect_status "wim-info" 0
expect_json "wim-info facts" "d['image_count']==4 and d['compression']=='LZX' and d['integrity_table'] and d['total_parts']==1 and not d['solid'] and [i['edition'] for i in d['images']]==['Starter','HomePremium','Professional','Ultimate'] and d['images'][0]['arch']=='x86' and d['images'][0]['version'].startswith('6.1.7601')"
run wim-info "$WIM"
expect_out "wim-info text" "Index : 4"

B0=$(sum "$WIM")
run add-driver --image "$WIM" --driver "$PKG" --force-unsigned
expect_status "several images need --index" 2
expect_err "the error lists the images" "4  Windows 7 ULTIMATE"
run add-driver --image "$WIM" --index 7 --driver "$PKG" --force-unsigned
expect_status "no image 7" 2
if [ "$(sum "$WIM")" = "$B0" ]; then ok "usage errors: WIM byte-identical"; else not_ok "usage errors" "changed"; fi
mkdir "$TMP/dry-tmp"
TMPDIR="$TMP/dry-tmp" run add-driver --image "$WIM" --index all --driver "$PKG" --force-unsigned --dry-run
expect_status "dry run into every edition" 0
if [ "$(sum "$WIM")" = "$B0" ]; then ok "dry run: WIM byte-identical"; else not_ok "dry run: WIM" "changed"; fi
if [ -z "$(ls -A "$TMP/dry-tmp")" ]; then ok "dry run: its scratch copies are gone"; else not_ok "dry run: scratch" "$(ls -A "$TMP/dry-tmp")"; fi

preserved "$WIM" > "$TMP/before.info"
hive_times() { wimlib-imagex dir "$1" "$2" --path=/Windows/System32/config/SOFTWARE --detailed | grep -E 'Time '; }
hive_times "$WIM" 3 > "$TMP/before.times"
SIZE0=$(stat -c %s "$WIM")
run add-driver --image "$WIM" --index all --driver "$PKG" --force-unsigned --json
expect_status "stage into every edition" 0
expect_json "four images staged" "d['result']=='staged' and len(d['images'])==4 and all(p['action']=='stage' for i in d['images'] for p in i['packages'])"
if wimlib-imagex verify "$WIM" >/dev/null 2>&1; then ok "wimverify accepts the result"; else not_ok "wimverify" "$(wimlib-imagex verify "$WIM" 2>&1 | tail -2)"; fi
preserved "$WIM" > "$TMP/after.info"
if cmp -s "$TMP/before.info" "$TMP/after.info"; then ok "names, descriptions, editions, arch, compression, chunk size, boot index, integrity kept"; else not_ok "preserved" "$(diff "$TMP/before.info" "$TMP/after.info" | head)"; fi
hive_times "$WIM" 3 > "$TMP/after.times"
if [ -s "$TMP/before.times" ] && cmp -s "$TMP/before.times" "$TMP/after.times"; then ok "replaced hive keeps its creation, write and access times"; else not_ok "hive times" "$(diff "$TMP/before.times" "$TMP/after.times")"; fi
if wimlib-imagex info "$WIM" | grep -q '^Attributes:.*Integrity'; then ok "integrity table rebuilt"; else not_ok "integrity table" "$(wimlib-imagex info "$WIM" | grep Attributes)"; fi
n7z=$(7zz l "$WIM" 2>/dev/null | grep -c 'Windows/offstage/drivers/aero_virtio_snd.inf_x86_neutral_[0-9a-f]*/aero_virtio_snd.sys')
if [ "$n7z" -eq 4 ]; then ok "7zz lists the staged .sys in all 4 images"; else not_ok "7zz" "$n7z"; fi
allnew=yes
for i in 1 2 3 4; do [ "$(devicepath_of "$WIM" $i)" = '%SystemRoot%\inf;%SystemRoot%\offstage\drivers' ] || allnew=no; done
if [ $allnew = yes ]; then ok "every image's SOFTWARE has the new DevicePath (wimextract + hivexget)"; else not_ok "DevicePath in images" "$allnew"; fi
# identical package files are stored once: the .sys blob is referenced by 4 images
SYSHASH=$(sha1sum "$PKG/aero_virtio_snd.sys" | cut -d' ' -f1)
refs=$(wimlib-imagex info "$WIM" --blobs | awk -v h="0x$SYSHASH" '$1=="Hash"{cur=$3} $1=="Reference"{if(cur==h)print $4}')
if [ "$refs" = 4 ]; then ok "package file stored once, referenced by 4 images"; else not_ok "dedup" "refs=$refs"; fi
SIZE1=$(stat -c %s "$WIM")
echo "info: install.wim grew from $SIZE0 to $SIZE1 bytes"

B1=$(sum "$WIM")
run add-driver --image "$WIM" --index all --driver "$PKG" --force-unsigned
expect_out "re-run: nothing to do" "nothing to do"
if [ "$(sum "$WIM")" = "$B1" ]; then ok "re-run leaves the WIM byte-identical"; else not_ok "re-run" "changed"; fi

run get-drivers --image "$WIM" --index 3 --json
expect_json "get-drivers in a WIM image" "len(d['drivers'])==2 and d['image']['edition']=='Professional'"
run get-driver-info --image "$WIM" --index all --driver aero_virtio_snd.inf
expect_status "get-driver-info in every image" 0
run remove-driver --image "$WIM" --index 2 --driver all
expect_status "remove from one image" 0
if [ "$(devicepath_of "$WIM" 2)" = '%SystemRoot%\inf' ] && [ "$(devicepath_of "$WIM" 3)" != '%SystemRoot%\inf' ]; then ok "removed from image 2 only"; else not_ok "remove one image" "$(devicepath_of "$WIM" 2)"; fi
if wimlib-imagex verify "$WIM" >/dev/null 2>&1; then ok "wimverify after removal"; else not_ok "wimverify after removal" "failed"; fi

# boot.wim: index 2 (Setup) only
BOOT="$TMP/boot.wim"
wimlib-imagex capture "$TMP/img-Starter" "$BOOT" "Microsoft Windows PE (x86)" --compress=LZX >/dev/null
wimlib-imagex append "$TMP/img-Ultimate" "$BOOT" "Microsoft Windows Setup (x86)" --boot >/dev/null
run add-driver --image "$BOOT" --index 2 --driver "$PKG" --force-unsigned
expect_status "boot.wim index 2" 0
if [ "$(devicepath_of "$BOOT" 1)" = '%SystemRoot%\inf' ] && [ "$(devicepath_of "$BOOT" 2)" != '%SystemRoot%\inf' ]; then ok "boot.wim: only index 2 changed"; else not_ok "boot.wim" "$(devicepath_of "$BOOT" 1)"; fi
if wimlib-imagex info "$BOOT" | grep -q '^Boot Index: *2'; then ok "boot index kept"; else not_ok "boot index" "$(wimlib-imagex info "$BOOT" | grep Boot)"; fi
run add-driver --image "$BOOT" --index all --driver "$PKG" --force-unsigned
expect_status "boot.wim --index all" 0
expect_out "boot.wim --index all: index 2 already staged" "already staged"
if [ "$(devicepath_of "$BOOT" 1)" != '%SystemRoot%\inf' ] && wimlib-imagex verify "$BOOT" >/dev/null 2>&1 &&
    wimlib-imagex info "$BOOT" | grep -q '^Boot Index: *2'; then
    ok "boot.wim --index all: both images staged, verified, boot index kept"
else
    not_ok "boot.wim --index all" "$(devicepath_of "$BOOT" 1)"
fi

# refused for writing, with the way out: split WIM, solid ESD, read-only file
wimlib-imagex split "$WIM" "$TMP/part.swm" 0.02 >/dev/null 2>&1
if [ -f "$TMP/part2.swm" ]; then
    B=$(sum "$TMP/part.swm")
    run add-driver --image "$TMP/part.swm" --index 1 --driver "$PKG" --force-unsigned
    expect_status "split WIM refused" 2
    expect_err "split WIM: says how to join" "join"
    if [ "$(sum "$TMP/part.swm")" = "$B" ]; then ok "split WIM untouched"; else not_ok "split untouched" "changed"; fi
    run wim-info "$TMP/part.swm" --json
    expect_json "wim-info reads a split part" "d['total_parts']>1"
fi
wimlib-imagex export "$WIM" all "$TMP/solid.esd" --solid >/dev/null
B=$(sum "$TMP/solid.esd")
run add-driver --image "$TMP/solid.esd" --index 1 --driver "$PKG" --force-unsigned
expect_status "solid ESD refused" 2
expect_err "ESD: says how to convert" "wimlib-imagex export .* --compress=LZX"
if [ "$(sum "$TMP/solid.esd")" = "$B" ]; then ok "ESD untouched"; else not_ok "ESD untouched" "changed"; fi
run wim-info "$TMP/solid.esd" --json
expect_json "wim-info reads an ESD" "d['solid'] and d['image_count']==4"

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
    cp "$WIM" "$TMP/ro.wim" && chmod 444 "$TMP/ro.wim" && chmod a+rx "$TMP"
    B=$(sum "$TMP/ro.wim")
    setpriv --reuid=65534 --regid=65534 --clear-groups "$OFFSTAGE" add-driver --image "$TMP/ro.wim" --index 1 \
        --driver "$PKG" --force-unsigned >"$OUT" 2>"$ERR"
    STATUS=$?
    expect_status "read-only WIM refused" 2
    expect_err "read-only WIM explained" "read-only"
    if [ "$(sum "$TMP/ro.wim")" = "$B" ]; then ok "read-only WIM untouched"; else not_ok "ro untouched" "changed"; fi
fi

# malformed WIMs: a clear error, exit 2, input byte-identical
if [ -d "$SHARED/fixtures/bad-wims" ]; then
    for bad in "$SHARED"/fixtures/bad-wims/*.wim; do
        name=$(basename "$bad")
        cp "$bad" "$TMP/bad.wim" && chmod u+w "$TMP/bad.wim"
        B=$(sum "$TMP/bad.wim")
        run add-driver --image "$TMP/bad.wim" --index 1 --driver "$PKG" --force-unsigned
        if [ "$STATUS" -eq 2 ] && [ -s "$ERR" ] && [ "$(sum "$TMP/bad.wim")" = "$B" ]; then ok "bad WIM $name: exit 2, untouched"; else not_ok "bad WIM $name" "exit $STATUS"; fi
    done
else
    echo "skip bad WIMs: $SHARED/fixtures/bad-wims absent"
fi
GOOD="$TMP/good.wim"
wimlib-imagex capture "$TMP/img-Ultimate" "$GOOD" "good" --compress=LZX >/dev/null
GSIZE=$(stat -c %s "$GOOD")
for cut in 100 208 4000 $((GSIZE / 2)) $((GSIZE - 200)); do
    head -c "$cut" "$GOOD" > "$TMP/trunc.wim"
    B=$(sum "$TMP/trunc.wim")
    run add-driver --image "$TMP/trunc.wim" --driver "$PKG" --force-unsigned
    if [ "$STATUS" -eq 2 ] && [ "$(sum "$TMP/trunc.wim")" = "$B" ]; then ok "truncated to $cut bytes: exit 2, untouched"; else not_ok "truncated $cut" "exit $STATUS"; fi
done
# bit flips where every command reads: header fields (size, version, chunk size,
# part, image count, blob table and XML offsets), and the blob table and XML
for off in 8 12 20 40 44 57 81 $((GSIZE - 100)) $((GSIZE - 600)); do
    cp "$GOOD" "$TMP/flip.wim"
    python3 -c "import sys; f=open(sys.argv[1],'r+b'); f.seek(int(sys.argv[2])); b=f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0]^0x55]))" "$TMP/flip.wim" "$off"
    B=$(sum "$TMP/flip.wim")
    run add-driver --image "$TMP/flip.wim" --driver "$PKG" --force-unsigned
    if [ "$STATUS" -ne 0 ] && [ "$(sum "$TMP/flip.wim")" = "$B" ]; then ok "bit flip at $off: refused ($STATUS), untouched"; else not_ok "bit flip at $off" "exit $STATUS"; fi
done

# crash safety: SIGKILL at the Nth write system call of the commit, 24 trials.
# Afterwards wimverify accepts the WIM, and every image is entirely old or
# entirely new (DevicePath and staged files agree).
if command -v strace >/dev/null 2>&1; then
    bad=0
    for n in $(seq 1 24); do
        cp "$WIM.orig" "$TMP/crash.wim" 2>/dev/null || { wimlib-imagex capture "$TMP/img-Starter" "$WIM.orig" "a" --compress=LZX >/dev/null; wimlib-imagex append "$TMP/img-Ultimate" "$WIM.orig" "b" >/dev/null; cp "$WIM.orig" "$TMP/crash.wim"; }
        strace -f -qq -o /dev/null -e trace=write,pwrite64 -e inject=write,pwrite64:signal=KILL:when=$n \
            "$OFFSTAGE" add-driver --image "$TMP/crash.wim" --index all --driver "$PKG" --force-unsigned >/dev/null 2>&1
        if ! wimlib-imagex verify "$TMP/crash.wim" >/dev/null 2>&1; then bad=$((bad + 1)); echo "trial $n: wimverify failed"; continue; fi
        for i in 1 2; do
            dp=$(devicepath_of "$TMP/crash.wim" $i)
            files=$(7zz l "$TMP/crash.wim" 2>/dev/null | grep -c "^.* $i/Windows/offstage/drivers/.*\.sys$")
            if [ "$dp" = '%SystemRoot%\inf' ] && [ "$files" -eq 0 ]; then :
            elif [ "$dp" = '%SystemRoot%\inf;%SystemRoot%\offstage\drivers' ] && [ "$files" -eq 2 ]; then :
            else bad=$((bad + 1)); echo "trial $n image $i: mixed state ($dp, $files files)"; fi
        done
    done
    if [ $bad -eq 0 ]; then ok "24 kills during commit: WIM valid, each image entirely old or new"; else not_ok "crash safety" "$bad bad"; fi
else
    echo "skip crash safety: strace not installed"
fi

# progress: a bar on a terminal's stderr, nothing in --json or when not a terminal
if command -v script >/dev/null 2>&1; then
    wimlib-imagex capture "$TMP/img-Starter" "$TMP/p1.wim" "p" >/dev/null
    wimlib-imagex capture "$TMP/img-Starter" "$TMP/p2.wim" "p" >/dev/null
    script -qc "'$OFFSTAGE' add-driver --image '$TMP/p1.wim' --driver '$PKG' --force-unsigned >/dev/null" /dev/null > "$TMP/tty.txt" 2>&1
    if grep -q 'writing \[#*' "$TMP/tty.txt" && grep -q '100%' "$TMP/tty.txt"; then ok "progress bar on a terminal"; else not_ok "progress bar" "$(head -c 200 "$TMP/tty.txt")"; fi
    script -qc "'$OFFSTAGE' add-driver --image '$TMP/p2.wim' --driver '$PKG' --force-unsigned --json >/dev/null" /dev/null > "$TMP/tty.txt" 2>&1
    if ! grep -q 'writing \[' "$TMP/tty.txt"; then ok "no progress bar with --json"; else not_ok "no bar with --json" "bar"; fi
fi
run add-driver --image "$TMP/p2.wim" --driver "$EXAMPLE/x86/aero_virtio_snd.inf" --force-unsigned
if ! grep -q 'writing \[' "$ERR"; then ok "no progress bar when stderr is not a terminal"; else not_ok "no bar off-terminal" "bar"; fi

# a WIM another process is writing (libwim's lock, taken with flock): refused, untouched
if command -v flock >/dev/null 2>&1; then
    wimlib-imagex capture "$TMP/img-Starter" "$TMP/locked.wim" "l" >/dev/null
    B=$(sum "$TMP/locked.wim")
    flock -x "$TMP/locked.wim" sleep 5 &
    LOCKER=$!
    sleep 0.5
    run add-driver --image "$TMP/locked.wim" --driver "$EXAMPLE/x86/aero_virtio_snd.inf" --force-unsigned
    expect_status "WIM locked by another writer: exit 2" 2
    expect_err "locked WIM explained" "another process is writing"
    if [ "$(sum "$TMP/locked.wim")" = "$B" ]; then ok "locked WIM untouched"; else not_ok "locked untouched" "changed"; fi
    kill "$LOCKER" 2>/dev/null; wait "$LOCKER" 2>/dev/null || true
fi

# --compression-level: validated; any level gives a valid WIM of the same compression type
run add-driver --image "$GOOD" --driver "$PKG" --force-unsigned --compression-level 0
expect_status "--compression-level 0 refused" 2
run add-driver --image "$GOOD" --driver "$PKG" --force-unsigned --compression-level 100
expect_status "--compression-level 100" 0
if wimlib-imagex verify "$GOOD" >/dev/null 2>&1 && wimlib-imagex info "$GOOD" | grep -q '^Compression: *LZX'; then ok "level 100: verified, still LZX"; else not_ok "level 100" "verify"; fi
