# CLI tests for bad and refused virtual disks: each damaged or refused disk
# is built from a good one made by make-test-image --disk, and every command
# on it must exit 2 within 60 s with a message naming the file, the place
# and the reason, leave the disk byte-identical (cmp with a copy) and leave
# no .NAME.offstage-* file beside it. Cases: truncated and garbage
# containers, broken VHD footers and VHDX headers, partition tables that
# point past the end, overlap or loop, NTFS boot sectors with impossible
# geometry, hibernated, dirty and BitLocker volumes, LDM, no Windows,
# differencing / snapshotted / streamOptimized disks, a disk a running qemu
# holds, things that are no disk file, a symlink, and two Windows installs;
# and a garbage boot store, which the read-only commands report instead
# (testsigning unknown, naming the store).
# Independent readers: cmp, sfdisk, ntfsls, qemu-img check and compare.
. tests/cli/lib.sh

for tool in qemu-img qemu-nbd sfdisk mkntfs ntfscp ntfscat ntfsls python3 timeout; do
    command -v "$tool" >/dev/null 2>&1 || { echo "skip disk_hostile: $tool is not installed"; exit 0; }
done

D="$TMP/d"
mkdir -p "$D" "$TMP/keep"
PKG="$EXAMPLE/amd64"
P1=1048576   # the Windows partition of make-test-image's MBR disk: sector 2048

# leftovers DISK: the .NAME.offstage-* files beside the disk (none expected)
leftovers() { ls -a "$(dirname "$1")" | grep -F ".$(basename "$1").offstage-"; }

# attempt DISK ARGS...: runs offstage under timeout 60 after keeping a copy
# of DISK; STATUS is 124 when it had to be stopped
attempt() {
    disk=$1
    shift
    rm -f "$TMP/keep/disk"
    [ -f "$disk" ] && cp --sparse=always "$disk" "$TMP/keep/disk"
    timeout 60 "$OFFSTAGE" "$@" >"$OUT" 2>"$ERR"
    STATUS=$?
}

# unchanged NAME DISK: byte-identical to the copy attempt kept (a regular
# file), nothing beside it
unchanged() {
    if [ -f "$2" ] && ! cmp -s "$2" "$TMP/keep/disk"; then
        not_ok "$1" "the disk changed: $(cmp "$2" "$TMP/keep/disk" 2>&1 | head -1)"
    elif [ -n "$(leftovers "$2")" ]; then
        not_ok "$1" "left beside the disk: $(leftovers "$2" | tr '\n' ' ')"
    else
        ok "$1"
    fi
}

# refused NAME DISK PATTERN ARGS...: exit 2 (no crash, no hang), stderr
# names the disk and matches PATTERN, the disk is unchanged
refused() {
    name=$1 rdisk=$2 pattern=$3
    shift 3
    attempt "$rdisk" "$@"
    if [ "$STATUS" -eq 124 ]; then
        not_ok "$name" "hung: stopped after 60 s"
    elif [ "$STATUS" -ne 2 ]; then
        not_ok "$name" "exit $STATUS, expected 2"
    elif ! grep -Fq -- "$(basename "$rdisk")" "$ERR"; then
        not_ok "$name" "the message does not name $(basename "$rdisk")"
    elif ! grep -Eq -- "$pattern" "$ERR"; then
        not_ok "$name" "stderr lacks /$pattern/"
    else
        unchanged "$name" "$rdisk"
    fi
}

# refused_rw NAME DISK PATTERN: get-drivers and add-driver both refused
refused_rw() {
    refused "$1: get-drivers" "$2" "$3" get-drivers --image "$2"
    refused "$1: add-driver" "$2" "$3" add-driver --image "$2" --driver "$PKG" --force-unsigned
}

# patch FILE OFFSET PRINTF-FORMAT: overwrites bytes in place
patch() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

# as_format RAW DISK: DISK in the format its extension names, from the
# damaged raw disk RAW (removed): a small file is compared quickly, and the
# damage is read through every container
as_format() {
    case $2 in *.qcow2) f=qcow2 ;; *.vhdx) f=vhdx ;; *.vhd) f=vpc ;; *.vmdk) f=vmdk ;; esac
    if [ "$f" = vpc ]; then
        qemu-img convert -f raw -O vpc -o subformat=dynamic,force_size=on "$1" "$2"
    else
        qemu-img convert -f raw -O "$f" "$1" "$2"
    fi
    rm -f "$1"
}

# partition DISK N: prints the byte offset and size of partition N (sfdisk, not our reader)
partition() {
    sfdisk --dump "$1" | sed -n "s/.*$(basename "$1")$2 : start= *\([0-9]*\), size= *\([0-9]*\),.*/\1 \2/p" |
        { read -r s n; echo $((s * 512)) $((n * 512)); }
}

"$OFFSTAGE" make-test-image --arch amd64 --disk "$TMP/good.raw" --format raw >/dev/null ||
    { echo "not ok make-test-image --disk: exit $?"; exit 1; }
qemu-img convert -f raw -O qcow2 "$TMP/good.raw" "$TMP/good.qcow2"
set -- $(partition "$TMP/good.raw" 1)
[ "$1" = "$P1" ] || { echo "not ok layout: the Windows partition starts at $1, expected $P1"; exit 1; }
WSIZE=$2
dd if="$TMP/good.raw" of="$TMP/windows.ntfs" bs=1M skip=1 count=$((WSIZE >> 20)) conv=sparse status=none

# with_volume NTFS RAW: a new raw disk with good.raw's partition table and
# the volume image NTFS as its partition 1 (written sparse into a new file)
with_volume() {
    rm -f "$2"
    dd if="$TMP/good.raw" of="$2" bs=1M count=1 status=none
    truncate -s "$(stat -c %s "$TMP/good.raw")" "$2"
    dd if="$1" of="$2" bs=1M seek=1 conv=sparse,notrunc status=none
}

# same_bytes IMAGE FORMAT OFFSET SIZE FILE: the bytes at OFFSET in the
# disk image are FILE's (qemu-img compare, which skips holes)
same_bytes() {
    qemu-img compare -q -f raw -F raw "json:{\"driver\":\"raw\",\"offset\":$3,\"size\":$4,\"file\":{\"driver\":\"$2\",\"file\":{\"driver\":\"file\",\"filename\":\"$1\"}}}" "$5"
}

# ---- containers -------------------------------------------------------------
cp "$TMP/good.qcow2" "$D/half.qcow2"
truncate -s $(($(stat -c %s "$TMP/good.qcow2") / 2)) "$D/half.qcow2"
refused_rw "qcow2 truncated to half" "$D/half.qcow2" "half.qcow2: the qcow2 file is damaged \\(qemu-img check found corruption.*SYSTEM"
cp "$TMP/good.qcow2" "$D/tiny.qcow2"
truncate -s 100 "$D/tiny.qcow2"
refused_rw "qcow2 truncated to 100 bytes" "$D/tiny.qcow2" "header too short"

head -c 4096 /dev/urandom >"$TMP/garbage"
patch "$TMP/garbage" 510 '\0\0'   # never an MBR signature by chance
cp "$TMP/good.qcow2" "$D/garbage.qcow2"
dd if="$TMP/garbage" of="$D/garbage.qcow2" conv=notrunc status=none
refused_rw "qcow2 with a garbage header" "$D/garbage.qcow2" "garbage.qcow2: not a .*virtual disk: its name says qcow2, but it has no qcow2 header \\(at offset 0\\)"
cp "$TMP/good.raw" "$D/garbage.raw"
dd if="$TMP/garbage" of="$D/garbage.raw" conv=notrunc status=none
refused "raw disk with a garbage first 4 KiB" "$D/garbage.raw" \
    "garbage.raw: not a .*virtual disk: its name says raw disk, but sector 0 holds no partition table" \
    add-driver --image "$D/garbage.raw" --driver "$PKG" --force-unsigned

# A fixed VHD is the raw bytes and a footer: broken, it reads as a raw disk
# whose name says VHD. A dynamic VHD also keeps a copy of the footer at
# offset 0, which qemu reads (as Windows does): broken at the end only, it
# is still read; broken in both places, it is no disk.
qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on "$TMP/good.raw" "$D/fixed.vhd"
patch "$D/fixed.vhd" $(($(stat -c %s "$D/fixed.vhd") - 512)) 'garbage!'
refused_rw "fixed VHD with a broken footer" "$D/fixed.vhd" "the name says VHD, but the content is no .*header.*--format raw"
qemu-img convert -f raw -O vpc -o subformat=dynamic,force_size=on "$TMP/good.raw" "$D/dynamic.vhd"
patch "$D/dynamic.vhd" $(($(stat -c %s "$D/dynamic.vhd") - 512)) 'garbage!'
attempt "$D/dynamic.vhd" get-drivers --image "$D/dynamic.vhd"
expect_status "dynamic VHD with a broken last footer: read from its first copy" 0
unchanged "dynamic VHD with a broken last footer: get-drivers changes nothing" "$D/dynamic.vhd"
patch "$D/dynamic.vhd" 0 'garbage!'
refused_rw "dynamic VHD with both footers broken" "$D/dynamic.vhd" "its name says VHD, but it has no VHD footer"

qemu-img convert -f raw -O vhdx "$TMP/good.raw" "$D/header.vhdx"
for at in 65536 131072; do   # both VHDX headers (64 KiB and 128 KiB)
    head -c 4096 /dev/urandom | dd of="$D/header.vhdx" bs=1 seek=$at conv=notrunc status=none
done
refused_rw "VHDX with damaged headers" "$D/header.vhdx" "No valid VHDX header"

# ---- partition tables -------------------------------------------------------
cp "$TMP/good.raw" "$D/past-end.raw"
patch "$D/past-end.raw" $((446 + 12)) '\377\377\377\177'
refused "MBR entry past the end" "$D/past-end.raw" "MBR entry 1 .*runs past the end of the disk" \
    add-driver --image "$D/past-end.raw" --driver "$PKG" --force-unsigned

"$OFFSTAGE" make-test-image --arch amd64 --disk "$TMP/gpt.raw" --format raw --partitioning gpt >/dev/null
cp "$TMP/gpt.raw" "$TMP/w.raw"
# the Windows entry's last LBA far past the end, both CRCs made right again
python3 - "$TMP/w.raw" <<'EOF'
import struct, sys, zlib
with open(sys.argv[1], 'r+b') as f:
    f.seek(512); h = bytearray(f.read(92))
    lba, n, size = struct.unpack_from('<QII', h, 72)
    f.seek(lba * 512); e = bytearray(f.read(n * size))
    struct.pack_into('<Q', e, 2 * size + 40, 10**9)   # entry 3: Windows
    f.seek(lba * 512); f.write(e)
    struct.pack_into('<I', h, 88, zlib.crc32(e))
    struct.pack_into('<I', h, 16, 0); struct.pack_into('<I', h, 16, zlib.crc32(h))
    f.seek(512); f.write(h)
EOF
as_format "$TMP/w.raw" "$D/gpt-past-end.qcow2"
refused_rw "GPT entry past the end" "$D/gpt-past-end.qcow2" "GPT entry 3 .*does not lie inside the usable LBAs"

cp "$TMP/good.raw" "$TMP/w.raw"   # entry 2: sectors 4096.. inside entry 1
patch "$TMP/w.raw" $((446 + 16)) '\0\0\0\0\007\0\0\0\0\020\0\0\240\206\001\0'
as_format "$TMP/w.raw" "$D/overlap.vhdx"
refused_rw "overlapping partitions" "$D/overlap.vhdx" "MBR entry 1 .*and MBR entry 2 .*overlap"

# entry 2: an extended partition at sector 1000, whose EBR links to itself
cp "$TMP/good.raw" "$TMP/w.raw"
patch "$TMP/w.raw" $((446 + 16)) '\0\0\0\0\005\0\0\0\350\003\0\0\350\003\0\0'
patch "$TMP/w.raw" $((1000 * 512 + 446)) '\0\0\0\0\007\0\0\0\001\0\0\0\012\0\0\0'
patch "$TMP/w.raw" $((1000 * 512 + 462)) '\0\0\0\0\005\0\0\0\0\0\0\0\350\003\0\0'
patch "$TMP/w.raw" $((1000 * 512 + 510)) '\125\252'
as_format "$TMP/w.raw" "$D/ebr-loop.vhd"
refused_rw "EBR loop" "$D/ebr-loop.vhd" "EBR at offset 512000: .*loops"

cp "$TMP/good.raw" "$TMP/w.raw"
patch "$TMP/w.raw" $((446 + 4)) '\102'
as_format "$TMP/w.raw" "$D/ldm.vmdk"
refused_rw "LDM partition (type 0x42)" "$D/ldm.vmdk" "partition 1 is part of a dynamic disk \(LDM\).*basic disk"

# ---- volumes ----------------------------------------------------------------
cp "$TMP/good.raw" "$TMP/w.raw"
patch "$TMP/w.raw" $((P1 + 11)) '\003\0'
as_format "$TMP/w.raw" "$D/bps.qcow2"
refused_rw "NTFS bytes per sector 3: the listing says why" "$D/bps.qcow2" \
    "^  partition 1: 255 MiB, data: not an NTFS volume: bytes per sector is 3 "
grep -q "no partition holds a Windows installation" "$ERR" && ok "NTFS bytes per sector 3: no Windows" ||
    not_ok "NTFS bytes per sector 3: no Windows" "stderr lacks the reason"
cp "$TMP/good.raw" "$TMP/w.raw"
patch "$TMP/w.raw" $((P1 + 13)) '\0'
as_format "$TMP/w.raw" "$D/spc.qcow2"
refused "NTFS sectors per cluster 0: the listing says why" "$D/spc.qcow2" \
    "^  partition 1: 255 MiB, data: not an NTFS volume: sectors per cluster code 0x00 is not valid" \
    add-driver --image "$D/spc.qcow2" --driver "$PKG" --force-unsigned

cp "$TMP/good.raw" "$TMP/w.raw"
patch "$TMP/w.raw" $((P1 + 3)) '\055FVE-FS-'
as_format "$TMP/w.raw" "$D/bitlocker.qcow2"
refused_rw "BitLocker" "$D/bitlocker.qcow2" "^  partition 1: .*BitLocker.*manage-bde -off"

truncate -s "$WSIZE" "$TMP/empty.ntfs"
mkntfs -q -F -f -L Data "$TMP/empty.ntfs" >/dev/null 2>&1
with_volume "$TMP/empty.ntfs" "$TMP/w.raw"
as_format "$TMP/w.raw" "$D/empty.qcow2"
refused_rw "no partition holds Windows: the listing" "$D/empty.qcow2" \
    "^  partition 1: 255 MiB, data NTFS \"Data\": no Windows.System32.config.SYSTEM"

# hiberfil.sys at the root, beginning "hibr", copied in with ntfs-3g's ntfscp
cp "$TMP/windows.ntfs" "$TMP/hib.ntfs"
{ printf hibr; head -c 4092 /dev/zero; } >"$TMP/hiberfil"
ntfscp -q "$TMP/hib.ntfs" "$TMP/hiberfil" hiberfil.sys
ntfsls "$TMP/hib.ntfs" | grep -qx hiberfil.sys || not_ok "ntfscp hiberfil.sys" "not in the volume"
with_volume "$TMP/hib.ntfs" "$TMP/w.raw"
as_format "$TMP/w.raw" "$D/hibernated.qcow2"
refused_rw "hibernated Windows" "$D/hibernated.qcow2" "partition 1: Windows is hibernated.*boot it and shut down fully"

# the dirty flag of $Volume's VOLUME_INFORMATION, in $MFT and $MFTMirr
cp "$TMP/good.raw" "$TMP/w.raw"
python3 - "$TMP/w.raw" $P1 <<'EOF'
import struct, sys
path, base = sys.argv[1], int(sys.argv[2])
with open(path, 'r+b') as f:
    f.seek(base); bs = f.read(512)
    bps, spc = struct.unpack_from('<H', bs, 11)[0], bs[13]
    cluster = bps * spc
    code = struct.unpack_from('<b', bs, 0x40)[0]
    record = cluster * code if code > 0 else 1 << -code
    for lcn in struct.unpack_from('<QQ', bs, 0x30):
        at = base + lcn * cluster + 3 * record      # record 3: $Volume
        f.seek(at); r = bytearray(f.read(record))
        assert r[:4] == b'FILE'
        usa, count = struct.unpack_from('<HH', r, 4)
        for i in range(1, count):                   # undo the update sequence
            r[i * bps - 2:i * bps] = r[usa + 2 * i:usa + 2 * i + 2]
        a = struct.unpack_from('<H', r, 20)[0]
        while struct.unpack_from('<I', r, a)[0] != 0x70:
            assert struct.unpack_from('<I', r, a)[0] != 0xffffffff
            a += struct.unpack_from('<I', r, a + 4)[0]
        value = a + struct.unpack_from('<H', r, a + 20)[0]
        struct.pack_into('<H', r, value + 10, struct.unpack_from('<H', r, value + 10)[0] | 1)
        for i in range(1, count):
            r[usa + 2 * i:usa + 2 * i + 2] = r[i * bps - 2:i * bps]
            r[i * bps - 2:i * bps] = r[usa:usa + 2]
        f.seek(at); f.write(r)
EOF
as_format "$TMP/w.raw" "$D/dirty.qcow2"
refused "dirty volume: add-driver" "$D/dirty.qcow2" "partition 1: .*dirty flag is set.*give --force to write it anyway" \
    add-driver --image "$D/dirty.qcow2" --driver "$PKG" --force-unsigned
attempt "$D/dirty.qcow2" add-driver --image "$D/dirty.qcow2" --driver "$PKG" --force-unsigned --force
expect_status "dirty volume: add-driver --force writes" 0
run get-drivers --image "$D/dirty.qcow2"
expect_out "dirty volume: the package is staged" "aero_virtio_snd.inf_amd64"
refused "dirty volume: still dirty after --force" "$D/dirty.qcow2" "dirty flag is set" \
    remove-driver --image "$D/dirty.qcow2" --driver aero_virtio_snd.inf
if [ -z "$(leftovers "$D/dirty.qcow2")" ] && qemu-img check -q -f qcow2 "$D/dirty.qcow2"; then
    ok "dirty volume: qemu-img check after --force"
else
    not_ok "dirty volume: qemu-img check after --force" "check failed or files left"
fi

# ---- disks that are only read ---------------------------------------------
cp "$TMP/good.qcow2" "$D/base.qcow2"
qemu-img create -q -f qcow2 -b "$D/base.qcow2" -F qcow2 "$D/child.qcow2"
cp "$D/base.qcow2" "$TMP/keep/base"
attempt "$D/child.qcow2" get-drivers --image "$D/child.qcow2"
expect_status "differencing disk: get-drivers reads it" 0
unchanged "differencing disk: get-drivers changes nothing" "$D/child.qcow2"
refused "differencing disk: add-driver" "$D/child.qcow2" "differencing disk over .*base.qcow2.*--output NEW.qcow2" \
    add-driver --image "$D/child.qcow2" --driver "$PKG" --force-unsigned
cmp -s "$D/base.qcow2" "$TMP/keep/base" && ok "differencing disk: its parent unchanged" ||
    not_ok "differencing disk: its parent unchanged" "base.qcow2 changed"

cp "$TMP/good.qcow2" "$D/snapshot.qcow2"
qemu-img snapshot -c s1 "$D/snapshot.qcow2"
refused "qcow2 with an internal snapshot: add-driver" "$D/snapshot.qcow2" "1 snapshot .*--output NEW.qcow2" \
    add-driver --image "$D/snapshot.qcow2" --driver "$PKG" --force-unsigned

qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$TMP/good.raw" "$D/stream.vmdk"
refused "streamOptimized VMDK: add-driver in place" "$D/stream.vmdk" "streamOptimized VMDK.*--output NEW.qcow2" \
    add-driver --image "$D/stream.vmdk" --driver "$PKG" --force-unsigned
attempt "$D/stream.vmdk" add-driver --image "$D/stream.vmdk" --driver "$PKG" --force-unsigned --output "$TMP/new.qcow2"
expect_status "streamOptimized VMDK: add-driver --output NEW.qcow2" 0
unchanged "streamOptimized VMDK: unchanged by --output" "$D/stream.vmdk"
run get-drivers --image "$TMP/new.qcow2"
expect_out "streamOptimized VMDK: NEW.qcow2 holds the package" "aero_virtio_snd.inf_amd64"
qemu-img check -q -f qcow2 "$TMP/new.qcow2" && ok "streamOptimized VMDK: qemu-img check NEW.qcow2" ||
    not_ok "streamOptimized VMDK: qemu-img check NEW.qcow2" "qemu-img check failed"

# ---- a disk a running VM holds ------------------------------------------------
cp "$TMP/good.qcow2" "$D/in-use.qcow2"
qemu-nbd -f qcow2 --socket="$TMP/nbd.sock" "$D/in-use.qcow2" 2>"$TMP/nbd.err" &
NBD=$!
i=0
while [ ! -S "$TMP/nbd.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
refused_rw "disk in use" "$D/in-use.qcow2" "the disk is in use \(is its VM running\?\)"
kill "$NBD"
wait "$NBD" 2>/dev/null

# ---- things that are no disk file ------------------------------------------
mkfifo "$D/fifo.qcow2"
refused "a FIFO as --image" "$D/fifo.qcow2" "not a regular file \(a FIFO\)" get-drivers --image "$D/fifo.qcow2"
mkdir "$D/folder.qcow2"
refused "a folder named x.qcow2" "$D/folder.qcow2" "folder.qcow2: .*not an offline Windows root" \
    add-driver --image "$D/folder.qcow2" --driver "$PKG" --force-unsigned
[ -z "$(ls -A "$D/folder.qcow2")" ] && ok "a folder named x.qcow2: still empty" ||
    not_ok "a folder named x.qcow2: still empty" "$(ls -A "$D/folder.qcow2")"
refused "/dev/null as --image" /dev/null "not a regular file \(a character device\)" \
    add-driver --image /dev/null --driver "$PKG" --force-unsigned

# A symlink is followed: the overlay goes beside the real file (its
# backing file is the real path), nothing beside the link.
mkdir -p "$D/real" "$D/links"
cp "$TMP/good.qcow2" "$D/real/target.qcow2"
ln -s ../real/target.qcow2 "$D/links/link.qcow2"
attempt "$D/real/target.qcow2" add-driver --image "$D/links/link.qcow2" --driver "$PKG" --force-unsigned
expect_status "symlink: add-driver through it" 0
if cmp -s "$D/real/target.qcow2" "$TMP/keep/disk"; then
    not_ok "symlink: the real disk is written" "unchanged"
elif [ "$(ls -A "$D/links")" != link.qcow2 ] || [ "$(ls -A "$D/real")" != target.qcow2 ]; then
    not_ok "symlink: the real disk is written" "beside: $(ls -A "$D/links" "$D/real" | tr '\n' ' ')"
elif [ ! -L "$D/links/link.qcow2" ]; then
    not_ok "symlink: the real disk is written" "the link was replaced"
else
    ok "symlink: the real disk is written, nothing else"
fi
run get-drivers --image "$D/real/target.qcow2"
expect_out "symlink: the real disk holds the package" "aero_virtio_snd.inf_amd64"

# ---- a boot store that cannot be read ---------------------------------------
# The Windows partition's Boot\BCD (the active partition: the store the
# system boots from) replaced by garbage with ntfscp. The store is a fact
# about the disk, not a bad input: the commands that only read give their
# verdicts with testsigning unknown, naming the store and the reason, and
# exit as on a good disk; only turning testsigning on there is refused.
cp "$TMP/windows.ntfs" "$TMP/bcd.ntfs"
head -c 16384 /dev/urandom >"$TMP/garbage.bcd"
ntfscp -q -f "$TMP/bcd.ntfs" "$TMP/garbage.bcd" Boot/BCD
ntfscat "$TMP/bcd.ntfs" Boot/BCD | cmp -s - "$TMP/garbage.bcd" || not_ok "ntfscp Boot/BCD" "not garbage in the volume"
with_volume "$TMP/bcd.ntfs" "$TMP/w.raw"
as_format "$TMP/w.raw" "$D/badbcd.qcow2"
BADSTORE='partition 1 \(Windows\) \\Boot\\BCD of [^ ]*badbcd\.qcow2'
"$OFFSTAGE" make-test-cert --out "$TMP/cert" >/dev/null
mkdir -p "$TMP/signed"
cp "$PKG/aero_virtio_snd.inf" "$PKG/aero_virtio_snd.sys" "$TMP/signed/"
"$OFFSTAGE" make-cat "$TMP/signed" >/dev/null &&
    "$OFFSTAGE" sign --key "$TMP/cert/offstage-test.key" --cert "$TMP/cert/offstage-test.cer" \
        "$TMP/signed/aero_virtio_snd.cat" >/dev/null || not_ok "test-signing the package" "make-cat or sign failed"
# its signer trusted in the image, so that only testsigning is in doubt
attempt "$D/badbcd.qcow2" add-cert --image "$D/badbcd.qcow2" --cert "$TMP/cert/offstage-test.cer"
expect_status "unreadable Boot\\BCD: add-cert (exit 0)" 0
attempt "$D/badbcd.qcow2" check-package "$TMP/signed" --image "$D/badbcd.qcow2"
expect_status "unreadable Boot\\BCD: check-package gives its verdict (exit 0: unknown predicts no failure)" 0
expect_out "unreadable Boot\\BCD: check-package: testsigning unknown, the store and the reason named" \
    "^testsigning: unknown: $BADSTORE cannot be read \\(.*no 'regf' signature"
expect_out "unreadable Boot\\BCD: check-package: the verdict says why testsigning is unknown" \
    "first boot \\(amd64\\): .*loads: unknown \\(it is test-signed: it loads only if testsigning is on in the boot store, and $BADSTORE cannot be read"
unchanged "unreadable Boot\\BCD: check-package leaves the disk as it was" "$D/badbcd.qcow2"
attempt "$D/badbcd.qcow2" doctor --image "$D/badbcd.qcow2" --json
expect_status "unreadable Boot\\BCD: doctor --json reports (exit 1: no device to examine, as on a good disk)" 1
expect_json "unreadable Boot\\BCD: doctor --json: testsigning null, the store's problem given" \
    "d['images'][0]['boot_policy']['testsigning'] is None and 'no \\'regf\\' signature' in d['images'][0]['boot_policy']['stores'][0]['problem'] and d['images'][0]['boot_policy']['problem'].startswith('partition 1 (Windows) \\\\Boot\\\\BCD of ')"
attempt "$D/badbcd.qcow2" add-driver --image "$D/badbcd.qcow2" --driver "$TMP/signed"
expect_status "unreadable Boot\\BCD: add-driver stages (exit 0)" 0
expect_out "unreadable Boot\\BCD: add-driver says testsigning could not be read" \
    "testsigning could not be read: $BADSTORE cannot be read"
attempt "$D/badbcd.qcow2" doctor --image "$D/badbcd.qcow2"
expect_status "unreadable Boot\\BCD: doctor with a staged package (exit 0, nothing fails)" 0
expect_out "unreadable Boot\\BCD: doctor: testsigning unknown, the store named" \
    "^testsigning: unknown: $BADSTORE cannot be read \\(.*regf"
expect_out "unreadable Boot\\BCD: doctor: the staged package's verdict rests on it" \
    "loads: unknown \\(it is test-signed: it loads only if testsigning is on in the boot store, and $BADSTORE cannot be read"
expect_out "unreadable Boot\\BCD: doctor: the fix repairs the store" "bcdboot"
unchanged "unreadable Boot\\BCD: doctor leaves the disk as it was" "$D/badbcd.qcow2"
refused "unreadable Boot\\BCD: add-driver --test-sign is refused" "$D/badbcd.qcow2" "Boot.BCD.*regf" \
    add-driver --image "$D/badbcd.qcow2" --driver "$PKG" --test-sign --test-sign-dir "$TMP/cert"

# ---- two Windows installs ---------------------------------------------------
"$OFFSTAGE" make-test-image --arch amd64 --edition Professional --disk "$TMP/pro.raw" --format raw >/dev/null
dd if="$TMP/pro.raw" of="$TMP/pro.ntfs" bs=1M skip=1 count=$((WSIZE >> 20)) conv=sparse status=none
S=$((WSIZE / 512))
truncate -s $((P1 + 2 * WSIZE + P1)) "$TMP/two.raw"
printf 'label: dos\nstart=2048, size=%s, type=7, bootable\nstart=%s, size=%s, type=7\n' $S $((2048 + S)) $S |
    sfdisk -q "$TMP/two.raw"
dd if="$TMP/windows.ntfs" of="$TMP/two.raw" bs=1M seek=1 conv=sparse,notrunc status=none
dd if="$TMP/pro.ntfs" of="$TMP/two.raw" bs=1M seek=$((1 + (WSIZE >> 20))) conv=sparse,notrunc status=none
as_format "$TMP/two.raw" "$D/two.qcow2"
refused "two Windows: --partition needed" "$D/two.qcow2" "2 partitions hold Windows; choose one with --partition N" \
    add-driver --image "$D/two.qcow2" --driver "$PKG" --force-unsigned
if grep -q 'partition 1: 255 MiB, data NTFS "Windows": Windows 7 Ultimate 6.1.7601' "$ERR" &&
   grep -q 'partition 2: 255 MiB, data NTFS "Windows": Windows 7 Professional 6.1.7601' "$ERR"; then
    ok "two Windows: both listed with number, size, label and version"
else
    not_ok "two Windows: both listed with number, size, label and version" "listing incomplete"
fi
attempt "$D/two.qcow2" add-driver --image "$D/two.qcow2" --partition 2 --driver "$PKG" --force-unsigned
expect_status "two Windows: add-driver --partition 2" 0
same_bytes "$D/two.qcow2" qcow2 $P1 "$WSIZE" "$TMP/windows.ntfs" && ok "two Windows: partition 1 byte-identical" ||
    not_ok "two Windows: partition 1 byte-identical" "partition 1 changed"
same_bytes "$D/two.qcow2" qcow2 $((P1 + WSIZE)) "$WSIZE" "$TMP/pro.ntfs" &&
    not_ok "two Windows: partition 2 written" "partition 2 is unchanged" || ok "two Windows: partition 2 written"
run get-drivers --image "$D/two.qcow2" --partition 2
expect_out "two Windows: partition 2 holds the package" "aero_virtio_snd.inf_amd64"
run get-drivers --image "$D/two.qcow2" --partition 1
expect_no_out "two Windows: partition 1 does not" "aero_virtio_snd.inf_amd64"
[ -z "$(leftovers "$D/two.qcow2")" ] && ok "two Windows: nothing left beside the disk" ||
    not_ok "two Windows: nothing left beside the disk" "$(leftovers "$D/two.qcow2")"
