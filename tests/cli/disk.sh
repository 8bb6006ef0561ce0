# CLI tests of the image commands on virtual disks (qcow2, VHD, VHDX, VMDK,
# raw) made by make-test-image --disk. Every result is read back with tools
# that share no code with offstage: the disk is converted to raw by
# qemu-img, its partitions cut out at the offsets sfdisk --json gives, the
# NTFS ones read with ntfsls, ntfscat, ntfssecaudit, ntfsfix -n and 7zz,
# the EFI system partition with mtype, and the hives with hivexget.
#
# By default the README's example runs on qcow2, VHD and VHDX (MBR with a
# System Reserved partition, and GPT) and on one layout each of raw and
# VMDK, and every other command on the qcow2 pair; OFFSTAGE_DISK_ALL=1
# (make soak) runs every command on every disk.
. tests/cli/lib.sh

for t in qemu-img qemu-nbd sfdisk ntfscat ntfsls hivexget mtype python3; do
    if ! command -v "$t" >/dev/null 2>&1; then
        echo "skip: $t absent; the disk tests need qemu-utils, fdisk, ntfs-3g, hivex, mtools and python3"
        exit 0
    fi
done
ALL=${OFFSTAGE_DISK_ALL:-0}

CERT="$TMP/cert"
"$OFFSTAGE" make-test-cert --out "$CERT" >/dev/null 2>&1 || echo "not ok make-test-cert failed"
CERT2="$TMP/cert2"
"$OFFSTAGE" make-test-cert --out "$CERT2" >/dev/null 2>&1 || echo "not ok make-test-cert (a second) failed"
PKG="$EXAMPLE/amd64"
DEVICE='PCI\VEN_1AF4&DEV_1059'
NODE='\ControlSet001\Enum\PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\3&267a616a&0&18'
BOOTMGR='\Objects\{9dea862c-5cdd-4e70-acc1-f32b344d4795}'
CURVER='\Microsoft\Windows\CurrentVersion'

# ---- reading a disk without offstage -----------------------------------------
# open_disk DISK FMT LAYOUT: the disk as raw bytes in $TMP/x.raw, its Windows
# partition in $WIN and the partition holding its boot store in $BOOT
# (the same file when Windows boots from its own partition)
open_disk() {
    rm -f "$TMP/x.raw" "$TMP/win.img" "$TMP/boot.img"
    qemu-img convert -f "$2" -O raw "$1" "$TMP/x.raw" || echo "not ok qemu-img convert $1"
    WIN="$TMP/win.img"
    BOOT="$TMP/boot.img"
    case $3 in
        mbr) cut_part 1 "$WIN"; BOOT=$WIN ;;
        mbr-sp) cut_part 1 "$BOOT"; cut_part 2 "$WIN" ;;
        gpt) cut_part 1 "$BOOT"; cut_part 3 "$WIN" ;;
    esac
}
# cut_part N FILE: partition N of $TMP/x.raw, where sfdisk puts it
cut_part() {
    set -- "$1" "$2" $(sfdisk --json "$TMP/x.raw" | python3 -c '
import json, sys
t = json.load(sys.stdin)["partitiontable"]
p = t["partitions"][int(sys.argv[1]) - 1]
print(p["start"] * t.get("sectorsize", 512), p["size"] * t.get("sectorsize", 512))' "$1")
    dd if="$TMP/x.raw" of="$2" bs=1M iflag=skip_bytes,count_bytes skip="$3" count="$4" conv=sparse status=none
}
# store_hive LAYOUT OUT: the boot store of the opened disk
store_hive() {
    if [ "$1" = gpt ]; then
        mtype -i "$BOOT" ::/EFI/Microsoft/Boot/BCD > "$2" 2>/dev/null
    else
        ntfscat -f "$BOOT" Boot/BCD > "$2" 2>/dev/null
    fi
}
# testsigning HIVE: the default loader's element 16000049 as hex (01, 00),
# or "unset"
testsigning() {
    loader=$(hivexget "$1" "$BOOTMGR\\Elements\\23000003" Element 2>/dev/null)
    v=$(hivexget "$1" "\\Objects\\$loader\\Elements\\16000049" Element 2>/dev/null | od -An -tx1 | tr -d ' \n')
    echo "${v:-unset}"
}
win_file() { ntfscat -f "$WIN" "$1" 2>/dev/null; }
staged_folders() { ntfsls -f -p Windows/offstage/drivers "$WIN" 2>/dev/null | grep -v '^\.'; }

# mkdisk NAME FMT LAYOUT: a test disk, made once
mkdisk() {
    case $3 in
        mbr) set -- "$1" "$2" --partitioning mbr ;;
        mbr-sp) set -- "$1" "$2" --partitioning mbr --system-partition ;;
        gpt) set -- "$1" "$2" --partitioning gpt ;;
    esac
    name=$1 fmt=$2
    shift 2
    "$OFFSTAGE" make-test-image --arch amd64 --with-device 1af4:1059:00191af4:01 --disk "$TMP/$name" \
        --format "$fmt" "$@" >/dev/null 2>"$TMP/mkerr" || echo "not ok make-test-image --disk $name: $(cat "$TMP/mkerr")"
}
# no_leftovers NAME DISK: nothing of a session left beside the disk
no_leftovers() {
    left=$(ls -a "$(dirname "$2")" | grep -F ".$(basename "$2").offstage-")
    if [ -z "$left" ]; then ok "$1"; else not_ok "$1" "left beside the disk: $left"; fi
}
same_file() { # NAME FILE COPY
    if cmp -s "$2" "$3"; then ok "$1"; else not_ok "$1" "$2 changed"; fi
}

# ---- the README's example and the other commands on one disk ---------------
# service NAME FMT LAYOUT FULL: the example (add-driver --test-sign, get-drivers,
# get-driver-info, set-param, doctor) on a copy of the disk, checked from outside;
# with FULL=1 every other command too
service() {
    name=$1 fmt=$2 layout=$3 full=$4
    D="$TMP/case-$name"
    cp --sparse=always "$TMP/$name" "$D"
    open_disk "$D" "$fmt" "$layout"
    win_file Windows/System32/config/BCD-Template > "$TMP/template.before"
    store_hive "$layout" "$TMP/bcd.before"
    ts_before=$(testsigning "$TMP/bcd.before")
    devpath_before=$(win_file Windows/System32/config/SOFTWARE > "$TMP/sw" && hivexget "$TMP/sw" "$CURVER" DevicePath)
    if [ -s "$TMP/template.before" ] && [ "$ts_before" = unset ]; then ok "$name: the new disk's store has no testsigning; it has a BCD-Template"
    else not_ok "$name: the new disk" "template $(wc -c < "$TMP/template.before") bytes, testsigning $ts_before"; fi
    case $layout in gpt) store='partition 1 \(EFI system\) \\EFI\\Microsoft\\Boot\\BCD' ;;
        mbr-sp) store='partition 1 \(System Reserved\) \\Boot\\BCD' ;;
        mbr) store='partition 1 \(Windows\) \\Boot\\BCD' ;; esac

    run add-driver --image "$D" --driver "$PKG" --test-sign --test-sign-dir "$CERT"
    expect_status "$name: add-driver --test-sign" 0
    expect_out "$name: add-driver turns testsigning on in the disk's store" "boot store $store of .*: testsigning turned on"
    no_leftovers "$name: add-driver leaves no overlay beside the disk" "$D"
    run get-drivers --image "$D"
    expect_status "$name: get-drivers" 0
    if grep -q '^aero_virtio_snd\.inf_amd64_neutral_.* staged ' "$OUT" && grep -q '^aero-virtio-snd-legacy\.inf_amd64_neutral_.* staged ' "$OUT"; then
        ok "$name: get-drivers lists both packages"; else not_ok "$name: get-drivers lists both packages" "missing"; fi
    run get-driver-info --image "$D" --driver aero_virtio_snd.inf
    expect_status "$name: get-driver-info" 0
    expect_out "$name: get-driver-info: the signer" '^Signer: +CN=offstage Test Signing'
    expect_out "$name: get-driver-info: testsigning in the disk's store" "^Testsigning: +on in BCD store $store"
    run set-param --image "$D" --device "$DEVICE" ForceNullBackend=1 AllowPollingOnly=1
    expect_status "$name: set-param the seed's toggles" 0
    run doctor --image "$D"
    expect_status "$name: doctor exits 0 (nothing fails)" 0
    expect_out "$name: doctor: the device waits for the staged package" '^WAIT  PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\\3&267a616a&0&18: unbound: not installed yet; staged aero_virtio_snd\.inf matches'
    expect_out "$name: doctor: its verdict rests on the disk's store" "loads: yes \\(test-signed, testsigning on in BCD store $store"
    expect_out "$name: doctor: testsigning read from the disk's store" "^testsigning: on \\(BCD store $store"

    open_disk "$D" "$fmt" "$layout"
    store_hive "$layout" "$TMP/bcd.after"
    ts=$(testsigning "$TMP/bcd.after")
    if [ "$ts" = 01 ]; then ok "$name: the store's default loader has 16000049 = 01 (hivexget)"
    else not_ok "$name: testsigning in the store" "element 16000049: $ts"; fi
    win_file Windows/System32/config/BCD-Template > "$TMP/template.after"
    same_file "$name: BCD-Template unchanged (ntfscat)" "$TMP/template.after" "$TMP/template.before"
    win_file Windows/System32/config/SYSTEM > "$TMP/sys"
    p="$NODE\\Device Parameters\\Parameters"
    if [ "$(hivexget "$TMP/sys" "$p" ForceNullBackend 2>/dev/null)" = 1 ] && [ "$(hivexget "$TMP/sys" "$p" AllowPollingOnly 2>/dev/null)" = 1 ]; then
        ok "$name: the toggles under Device Parameters\\Parameters (ntfscat, hivexget)"
    else not_ok "$name: the toggles in SYSTEM" "$(hivexregedit --export "$TMP/sys" "$p" 2>&1 | head -5)"; fi
    folders=$(staged_folders)
    if printf '%s\n' "$folders" | grep -q '^aero_virtio_snd\.inf_amd64_neutral_[0-9a-f]\{16\}$' \
        && ntfsls -f -p "Windows/offstage/drivers/$(printf '%s\n' "$folders" | grep '^aero_virtio_snd')" "$WIN" | grep -qx aero_virtio_snd.cat; then
        ok "$name: the staged folder and its catalog (ntfsls)"
    else not_ok "$name: the staged folder" "$folders"; fi
    check_volumes "$name" "$fmt" "$D"
    if command -v 7zz >/dev/null 2>&1; then
        if 7zz l "$WIN" 2>/dev/null | grep -q 'Windows/offstage/drivers/aero_virtio_snd\.inf_amd64_neutral_[0-9a-f]*/aero_virtio_snd\.sys'; then
            ok "$name: 7zz lists the staged .sys in the NTFS partition"
        else not_ok "$name: 7zz l" "$(7zz l "$WIN" 2>&1 | grep -i offstage | head -5)"; fi
    fi
    [ "$full" = 1 ] || return 0

    # ---- the other commands -------------------------------------------------
    run get-param --image "$D" --device "$DEVICE"
    expect_status "$name: get-param" 0
    expect_out "$name: get-param shows ForceNullBackend" '^    ForceNullBackend = 1 \(0x00000001\) REG_DWORD$'
    expect_out "$name: get-param shows the re-armed ConfigFlags" 'ConfigFlags 0x00000020 \(REINSTALL\)'
    run check-package "$PKG" --image "$D"
    expect_status "$name: check-package --image" 0
    expect_out "$name: check-package judges the staged copy on the disk" \
        '^  staged copy: .*aero_virtio_snd\.inf_amd64_neutral_[0-9a-f]{16} \(this package\): first boot \(amd64\): installs: silently .*; loads: yes'

    thumb=$(openssl x509 -inform DER -in "$CERT2/offstage-test.cer" -noout -fingerprint -sha1 2>/dev/null | sed 's/.*=//; s/://g')
    run add-cert --image "$D" --cert "$CERT2/offstage-test.cer" --store ROOT
    expect_status "$name: add-cert" 0
    run get-certs --image "$D"
    expect_out "$name: get-certs lists the added certificate" "^ROOT +$thumb "
    open_disk "$D" "$fmt" "$layout"
    win_file Windows/System32/config/SOFTWARE > "$TMP/sw"
    if [ -n "$thumb" ] && hivexget "$TMP/sw" "\\Microsoft\\SystemCertificates\\ROOT\\Certificates\\$thumb" Blob >/dev/null 2>&1; then
        ok "$name: the certificate's Blob under ROOT (hivexget)"
    else not_ok "$name: the certificate in SOFTWARE" "no ROOT\\Certificates\\$thumb"; fi
    run remove-cert --image "$D" --cert "$CERT2/offstage-test.cer" --store ROOT
    expect_status "$name: remove-cert" 0
    run get-certs --image "$D"
    expect_no_out "$name: get-certs no longer lists it" "$thumb"

    run bcd --image "$D"
    expect_status "$name: bcd lists the disk's store" 0
    expect_out "$name: bcd: the loader's testsigning" '^testsigning +Yes'
    run bcd --image "$D" --check testsigning
    expect_status "$name: bcd --check testsigning: on" 0

    run remove-driver --image "$D" --driver aero-virtio-snd-legacy.inf
    expect_status "$name: remove-driver (the legacy package)" 0
    run remove-driver --image "$D" --driver aero_virtio_snd.inf --with-trust
    expect_status "$name: remove-driver --with-trust (the last package)" 0
    open_disk "$D" "$fmt" "$layout"
    if [ -z "$(staged_folders)" ]; then ok "$name: the staged folders are gone (ntfsls)"; else not_ok "$name: staged folders" "$(staged_folders)"; fi
    win_file Windows/System32/config/SOFTWARE > "$TMP/sw"
    devpath=$(hivexget "$TMP/sw" "$CURVER" DevicePath)
    if [ "$devpath" = "$devpath_before" ]; then ok "$name: DevicePath restored (hivexget)"; else not_ok "$name: DevicePath" "$devpath, was $devpath_before"; fi
    store_hive "$layout" "$TMP/bcd.after"
    ts=$(testsigning "$TMP/bcd.after")
    if [ "$ts" = unset ] || [ "$ts" = 00 ]; then ok "$name: testsigning back off in the store (hivexget)"; else not_ok "$name: testsigning after --with-trust" "$ts"; fi
    win_file Windows/System32/config/BCD-Template > "$TMP/template.after"
    same_file "$name: BCD-Template still unchanged" "$TMP/template.after" "$TMP/template.before"
    check_volumes "$name: after remove-driver" "$fmt" "$D"

    run bcd --image "$D" --set testsigning on
    expect_status "$name: bcd --set testsigning on" 0
    run bcd --image "$D" --check testsigning
    expect_status "$name: bcd --check: on" 0
    run bcd --image "$D" --set testsigning off
    expect_status "$name: bcd --set testsigning off" 0
    run bcd --image "$D" --check testsigning
    expect_status "$name: bcd --check: off (exit 1)" 1
    open_disk "$D" "$fmt" "$layout"
    store_hive "$layout" "$TMP/bcd.after"
    ts=$(testsigning "$TMP/bcd.after")
    if [ "$ts" = 00 ]; then ok "$name: bcd --set off wrote 00 into the store (hivexget)"; else not_ok "$name: bcd --set off" "$ts"; fi
    check_volumes "$name: at the end" "$fmt" "$D"
}

# check_volumes NAME FMT DISK: the opened disk's volumes clean, the container too
check_volumes() {
    if command -v ntfsfix >/dev/null 2>&1; then
        if ntfsfix -n "$WIN" >"$TMP/fix" 2>&1 && ! grep -qi 'error\|corrupt' "$TMP/fix"; then ok "$1: ntfsfix -n: the Windows volume is clean"
        else not_ok "$1: ntfsfix -n" "$(cat "$TMP/fix")"; fi
    fi
    if [ "$BOOT" != "$WIN" ] && [ "$(od -An -c -j3 -N4 "$BOOT" | tr -d ' ')" = NTFS ]; then
        if ntfsfix -n "$BOOT" >"$TMP/fix" 2>&1 && ! grep -qi 'error\|corrupt' "$TMP/fix"; then ok "$1: ntfsfix -n: the system partition is clean"
        else not_ok "$1: ntfsfix -n (system partition)" "$(cat "$TMP/fix")"; fi
    fi
    if [ "$BOOT" != "$WIN" ] && command -v fsck.fat >/dev/null 2>&1 && [ "$(od -An -c -j82 -N5 "$BOOT" | tr -d ' ')" = FAT32 ]; then
        if fsck.fat -n "$BOOT" >"$TMP/fix" 2>&1; then ok "$1: fsck.fat -n: the EFI system partition is clean"
        else not_ok "$1: fsck.fat -n" "$(cat "$TMP/fix")"; fi
    fi
    case $2 in
        qcow2 | vhdx | vmdk)
            if qemu-img check -q -f "$2" "$3" >"$TMP/fix" 2>&1; then ok "$1: qemu-img check"; else not_ok "$1: qemu-img check" "$(cat "$TMP/fix")"; fi ;;
    esac
}

mkdisk q-mbr.qcow2 qcow2 mbr-sp
mkdisk q-gpt.qcow2 qcow2 gpt
service q-mbr.qcow2 qcow2 mbr-sp 1
service q-gpt.qcow2 qcow2 gpt 1
for d in "v-mbr.vhd vpc mbr-sp" "v-gpt.vhd vpc gpt" "x-mbr.vhdx vhdx mbr-sp" "x-gpt.vhdx vhdx gpt" \
    "r-mbr.img raw mbr" "k-gpt.vmdk vmdk gpt"; do
    set -- $d
    mkdisk "$1" "$2" "$3"
    service "$1" "$2" "$3" "$ALL"
    rm -f "$TMP/$1" "$TMP/case-$1"
done
rm -f "$TMP/x.raw" "$TMP/win.img" "$TMP/boot.img" "$TMP/case-q-mbr.qcow2" "$TMP/case-q-gpt.qcow2"
