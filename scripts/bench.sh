#!/bin/sh
# `make bench`: benchmarks that print ratios against baselines measured in
# the same run, on this machine. Reproduce with: make bench
#   BENCH_FILES=20000 BENCH_MB=500 (per edition, the defaults) or smaller
#   values for a quick look, e.g. BENCH_FILES=2000 BENCH_MB=50 make bench;
#   BENCH_KEEP=1 leaves build/bench-work/ in place for profiling.
set -eu
BUILD=${1:-build}
OFFSTAGE="$(pwd)/$BUILD/offstage"
FILL="$(pwd)/$BUILD/bench/fill_hive"
GIVE_SD="$(pwd)/$BUILD/bench/give_sd"
SHARED=${OST_SHARED:-../shared}
FILES=${BENCH_FILES:-20000}
MB=${BENCH_MB:-500}
W="$BUILD/bench-work"
rm -rf "$W" && mkdir -p "$W"
W=$(cd "$W" && pwd)
# BENCH_KEEP=1 keeps the work folder (the WIMs) for profiling
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
peak_rss_mb() { awk '/Maximum resident set size/ { printf "%.0f", $6 / 1024 }' "$1"; }

# ---- 1. package analysis: check-package on a huge INF against reading it ----
{
    printf '[Version]\nSignature="$Windows NT$"\nClass=System\nClassGuid={4D36E97D-E325-11CE-BFC1-08002BE10318}\n'
    printf 'Provider=Bench\nDriverVer=01/01/2026,1.0.0.0\n[Manufacturer]\nBench=Models,NTx86,NTamd64\n'
    for arch in NTx86 NTamd64; do
        printf '[Models.%s]\n' "$arch"
        seq 0 9999 | awk '{ printf "Device %d = Inst, PCI\\VEN_1234&DEV_%04X&REV_01, PCI\\VEN_1234&DEV_%04X\n", $1, $1, $1 }'
    done
    printf '[Inst.NT]\nCopyFiles=Files\n[Files]\nb.sys\n[DestinationDirs]\nDefaultDestDir=12\n'
    printf '[SourceDisksNames]\n1=d\n[SourceDisksFiles]\nb.sys=1\n'
    printf '[Inst.NT.Services]\nAddService=b,2,Svc\n[Svc]\nServiceType=1\nStartType=3\nErrorControl=1\nServiceBinary=%%12%%\\b.sys\n'
} > "$W/bench.inf"
cp "$BUILD/testdrivers/amd64/testdrv.sys" "$W/b.sys"
t0=$(now); for i in 1 2 3 4 5; do cat "$W/bench.inf" > /dev/null; done; t1=$(now)
for i in 1 2 3 4 5; do "$OFFSTAGE" check-package "$W/bench.inf" --arch amd64 --json > /dev/null || true; done; t2=$(now)
echo "bench inf: check-package on a $(wc -c < "$W/bench.inf")-byte INF with 20000 model lines: $(elapsed "$t1" "$t2") s for 5 runs"
echo "bench inf:   ratio to reading it with cat: $(ratio "$(elapsed "$t1" "$t2")" "$(elapsed "$t0" "$t1")")x"

# ---- 1b. files: check-package on 10,000 copied files (the most a package may
# hold) against 2,500; linear costs 4x, quadratic 16x ----
files_package() {
    mkdir -p "$1"
    {
        printf '[Version]\nSignature="$Windows NT$"\nClass=System\nClassGuid={4D36E97D-E325-11CE-BFC1-08002BE10318}\n'
        printf 'Provider=Bench\nDriverVer=01/01/2026,1.0.0.0\nCatalogFile=f.cat\n[Manufacturer]\nBench=Models,NTamd64\n'
        printf '[Models.NTamd64]\nDevice = Inst, PCI\\VEN_1234&DEV_0001\n[Inst.NT]\nCopyFiles=Files\n[Files]\n'
        awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "F%06d.DAT\n", i }'
        printf '[DestinationDirs]\nDefaultDestDir=12\n[SourceDisksNames]\n1=d\n[SourceDisksFiles]\n'
        awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "F%06d.DAT=1\n", i }'
    } > "$1/f.inf"
    # lower-case on disk: every lookup takes the case-insensitive path
    (cd "$1" && awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "f%06d.dat\n", i }' | xargs touch)
}
files_package "$W/files-small" 2500
files_package "$W/files-large" 10000
t0=$(now); for i in 1 2 3; do "$OFFSTAGE" check-package "$W/files-small" > /dev/null || true; done; t1=$(now)
for i in 1 2 3; do "$OFFSTAGE" check-package "$W/files-large" > /dev/null || true; done; t2=$(now)
echo "bench inf: check-package on 10000 copied files: $(elapsed "$t1" "$t2") s for 3 runs; on 2500: $(elapsed "$t0" "$t1") s"
echo "bench inf:   ratio 10000 / 2500 files: $(ratio "$(elapsed "$t1" "$t2")" "$(elapsed "$t0" "$t1")")x   (linear 4, quadratic 16)"

# ---- 2. install.wim with 4 editions ------------------------------------------
echo "bench wim: building a 4-edition x86 install.wim: $FILES files, $MB MB per edition, mostly shared"
BASE="$W/base"
"$OFFSTAGE" make-test-image --arch x86 "$BASE" > /dev/null
CFG="$BASE/Windows/System32/config"
if [ -f "$SHARED/fixtures/hives/win7sp1-SYSTEM.xz" ]; then
    xz -dc "$SHARED/fixtures/hives/win7sp1-SYSTEM.xz" > "$CFG/SYSTEM"   # the real 11.7 MB one
else
    "$FILL" "$CFG/SYSTEM" grow 6000 2 200
fi
"$FILL" "$CFG/SOFTWARE" grow 17000 2 200
python3 - "$BASE/Windows/WinSxS" "$FILES" "$MB" <<'PY'
import os, random, sys
root, files, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(7)
words = [bytes(rnd.choice(b'abcdefghijklmnopqrstuvwxyz') for _ in range(rnd.randint(3, 9))) for _ in range(4096)]
pool = b' '.join(rnd.choice(words) for _ in range(2_000_000))          # text-like, compresses ~3:1
noise = bytes(rnd.getrandbits(8) for _ in range(4 << 20))            # incompressible
size = mb * 1024 * 1024 // files
for i in range(files):
    d = os.path.join(root, 'x86_component_%04d' % (i // 50))
    os.makedirs(d, exist_ok=True)
    src = pool if i % 3 else noise
    off = (i * 7919) % (len(src) - size - 16)
    with open(os.path.join(d, 'file%05d.dll' % i), 'wb') as f:
        f.write(b'%08d' % i + src[off:off + size])
PY
EDITIONS="Starter HomePremium Professional Ultimate"
for e in $EDITIONS; do
    cp -al "$BASE" "$W/ed-$e"
    rm "$W/ed-$e/Windows/System32/config/SOFTWARE"
    cp "$CFG/SOFTWARE" "$W/ed-$e/Windows/System32/config/SOFTWARE"
    "$FILL" "$W/ed-$e/Windows/System32/config/SOFTWARE" set 'Microsoft\Windows NT\CurrentVersion' EditionID "$e"
    mkdir -p "$W/ed-$e/Program Files/$e"
    head -c 2000000 /dev/urandom > "$W/ed-$e/Program Files/$e/edition-only.bin"
done
ORIG="$W/orig.wim"
first=yes
for e in $EDITIONS; do
    if [ $first = yes ]; then
        wimlib-imagex capture "$W/ed-$e" "$ORIG" "Windows 7 $e" --compress=LZX --threads=2 > /dev/null; first=no
    else
        wimlib-imagex append "$W/ed-$e" "$ORIG" "Windows 7 $e" --threads=2 > /dev/null
    fi
done
# as on real media, the hives carry a Windows security descriptor: replacing
# them then goes through offstage's NTFS route, which the bench must measure
"$GIVE_SD" "$ORIG" $(for e in $EDITIONS; do printf '%s ' "$W/ed-$e"; done)
rm -f "$ORIG".*.ntfs
echo "bench wim: install.wim is $(($(stat -c %s "$ORIG") / 1048576)) MB; SYSTEM $(($(stat -c %s "$CFG/SYSTEM") / 1048576)) MB, SOFTWARE $(($(stat -c %s "$CFG/SOFTWARE") / 1048576)) MB"
PKG="$BUILD/examples/virtio-snd/x86"

# offstage: every edition, one command, in place
cp "$ORIG" "$W/offstage.wim"
sync # no writeback of the copy above is charged to the timed run
t0=$(now)
/usr/bin/time -v "$OFFSTAGE" add-driver --image "$W/offstage.wim" --index all --driver "$PKG" --force-unsigned \
    > /dev/null 2> "$W/offstage.time"
t1=$(now)
T_OFF=$(elapsed "$t0" "$t1")
RSS_OFF=$(peak_rss_mb "$W/offstage.time")
APPENDED=$(($(stat -c %s "$W/offstage.wim") - $(stat -c %s "$ORIG")))

# what had to be added: blobs in the result that the original lacks (the
# package files once, the changed hives, the new per-image metadata)
blobs() { wimlib-imagex info "$1" --blobs | awk '$1=="Hash"{h=$3} $1=="Compressed"{print h, $4}' | sort -u; }
blobs "$ORIG" | cut -d' ' -f1 > "$W/old.hashes"
NEEDED=$(blobs "$W/offstage.wim" | awk 'NR==FNR { old[$1]=1; next } !($1 in old) { s += $2 } END { print s + 0 }' "$W/old.hashes" -)

# (a) the floor: wimupdate applying the same additions and precomputed hives
cp "$ORIG" "$W/floor.wim"
i=0
for e in $EDITIONS; do
    i=$((i + 1))
    mkdir -p "$W/pre-$i"
    wimlib-imagex extract "$W/offstage.wim" "$i" /Windows/offstage /Windows/System32/config/SOFTWARE \
        --dest-dir="$W/pre-$i" --no-acls > /dev/null
done
sync # no writeback of the copy above is charged to the timed run
t0=$(now)
i=0
for e in $EDITIONS; do
    i=$((i + 1))
    printf 'add %s /Windows/offstage\nadd %s /Windows/System32/config/SOFTWARE\n' \
        "$W/pre-$i/offstage" "$W/pre-$i/SOFTWARE" | wimlib-imagex update "$W/floor.wim" "$i" > /dev/null
done
t1=$(now)
T_FLOOR=$(elapsed "$t0" "$t1")

# (b) the naive path: extract each edition, stage, recapture
sync # no writeback of the copy above is charged to the timed run
t0=$(now)
first=yes
i=0
for e in $EDITIONS; do
    i=$((i + 1))
    rm -rf "$W/naive"
    wimlib-imagex apply "$ORIG" "$i" "$W/naive" > /dev/null 2>&1
    "$OFFSTAGE" add-driver --image "$W/naive" --driver "$PKG" --force-unsigned > /dev/null
    if [ $first = yes ]; then
        wimlib-imagex capture "$W/naive" "$W/naive.wim" "Windows 7 $e" --compress=LZX --threads=2 > /dev/null; first=no
    else
        wimlib-imagex append "$W/naive" "$W/naive.wim" "Windows 7 $e" --threads=2 > /dev/null
    fi
done
t1=$(now)
T_NAIVE=$(elapsed "$t0" "$t1")

echo "bench wim: offstage add-driver --index all: $T_OFF s, peak RSS $RSS_OFF MB, appended $APPENDED bytes"
echo "bench wim: (a) wimupdate floor, same additions and precomputed hives: $T_FLOOR s"
echo "bench wim: (b) naive extract/stage/recapture: $T_NAIVE s"
echo "bench wim: ratio offstage / floor (a):        $(ratio "$T_OFF" "$T_FLOOR")x   (target <= 1.3)"
echo "bench wim: ratio naive (b) / offstage:        $(ratio "$T_NAIVE" "$T_OFF")x   (target >= 20)"
echo "bench wim: peak RSS:                          $RSS_OFF MB   (target <= 300)"
NEEDED_FLOOR=$(blobs "$W/floor.wim" | awk 'NR==FNR { old[$1]=1; next } !($1 in old) { s += $2 } END { print s + 0 }' "$W/old.hashes" -)
echo "bench wim: appended / new blobs ($NEEDED bytes): $(ratio "$APPENDED" "$NEEDED")x   (target <= 1.1)"
echo "bench wim: appended / new blobs at libwim's default level ($NEEDED_FLOOR bytes): $(ratio "$APPENDED" "$NEEDED_FLOOR")x"
if wimlib-imagex verify "$W/offstage.wim" > /dev/null 2>&1; then echo "bench wim: result verified by wimlib-imagex verify"; fi

# ---- 3. virtual disks: add-driver on a qcow2 against qemu-img and libguestfs ----
sh scripts/bench_disk.sh "$BUILD"

# ---- 4. install media: offstage media ISO -> ISO against 7-Zip + xorriso ----
# The media: the 4-edition install.wim above, a boot.wim of two images with
# ~150 MB of data (Setup at index 2), both media stores; as an ISO written
# like a retail DVD. The floor: extracting the ISO with 7zz and writing it
# again unchanged with xorriso (the same options offstage uses).
echo "bench media: building install media: the install.wim above and a ~150 MB boot.wim"
MW="$W/media"
"$OFFSTAGE" make-test-image --media "$MW" --arch x86 --editions 1 > /dev/null
cp "$ORIG" "$MW/sources/install.wim"
for i in 1 2; do
    "$OFFSTAGE" make-test-image --arch x86 --state winpe "$W/pe$i" > /dev/null
    mkdir -p "$W/pe$i/sources"
    head -c $((75 * 1024 * 1024)) /dev/urandom > "$W/pe$i/sources/payload.bin"
done
rm -f "$MW/sources/boot.wim"
wimlib-imagex capture "$W/pe1" "$MW/sources/boot.wim" "Microsoft Windows PE (x86)" --compress=LZX --threads=2 > /dev/null
wimlib-imagex append "$W/pe2" "$MW/sources/boot.wim" "Microsoft Windows Setup (x86)" --boot --threads=2 > /dev/null
ISO_OPTS="-quiet -iso-level 3 -J -joliet-long -N -relaxed-filenames -V GRMCULFRER_EN_DVD -b boot/etfsboot.com -no-emul-boot -boot-load-size 8"
# shellcheck disable=SC2086
xorriso -as mkisofs $ISO_OPTS -o "$W/src.iso" "$MW" 2> /dev/null
echo "bench media: the ISO is $(($(stat -c %s "$W/src.iso") / 1048576)) MB (install.wim $(($(stat -c %s "$MW/sources/install.wim") / 1048576)) MB, boot.wim $(($(stat -c %s "$MW/sources/boot.wim") / 1048576)) MB)"
sync
t0=$(now)
"$OFFSTAGE" media "$W/src.iso" --output "$W/out.iso" --driver "$PKG" --force-unsigned > /dev/null
t1=$(now)
T_MEDIA=$(elapsed "$t0" "$t1")
rm -f "$W/out.iso" && sync
python3 "$(pwd)/scripts/tree_rss.py" "$W/rss-media" "$OFFSTAGE" media "$W/src.iso" --output "$W/out.iso" --driver "$PKG" --force-unsigned
RSS_MEDIA=$(awk '$1 == "tree" { printf "%.1f", $2 / 1048576 }' "$W/rss-media")
rm -rf "$W/floor-x" "$W/floor.iso" && mkdir -p "$W/floor-x" && sync
t0=$(now)
7zz x -y -bd '-x![BOOT]' -o"$W/floor-x" "$W/src.iso" > /dev/null
# shellcheck disable=SC2086
xorriso -as mkisofs $ISO_OPTS -o "$W/floor.iso" "$W/floor-x" 2> /dev/null
t1=$(now)
T_MFLOOR=$(elapsed "$t0" "$t1")
echo "bench media: offstage media ISO -> ISO, every image: $T_MEDIA s"
echo "bench media: floor, 7zz x + xorriso unchanged:      $T_MFLOOR s"
echo "bench media: ratio offstage / floor:               $(ratio "$T_MEDIA" "$T_MFLOOR")x   (target <= 1.3)"
echo "bench media: peak RSS (offstage and its children): $RSS_MEDIA MB   (target <= 300)"
