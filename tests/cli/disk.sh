# CLI tests of the image commands on virtual disks: qcow2, raw and an MBR
# layout without a system partition made by make-test-image --disk, VHD,
# VHDX and VMDK converted from the qcow2 ones by qemu-img. Every result is
# read back with tools that share no code with offstage: partitions cut out
# by qemu-img at the offsets sfdisk --json gives, the NTFS ones read with
# ntfsls, ntfscat, ntfssecaudit, ntfsfix -n and 7zz, the EFI system
# partition with mtype and fsck.fat -n, the hives with hivexget, the
# containers with qemu-img check and info.
#
# By default add-driver --test-sign, get-drivers and doctor run on qcow2,
# VHD and VHDX (MBR with a System Reserved partition, and GPT), raw (MBR)
# and VMDK (GPT); get-driver-info, set-param, remove-driver --with-trust
# and bcd on the qcow2 pair; every other image command, --dry-run,
# --output and the refusals on the qcow2 MBR disk. OFFSTAGE_DISK_ALL=1
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
# layout_of DISK FMT: the disk's partitions, "N START SIZE" in bytes a line,
# in $PARTS, read by sfdisk from a raw conversion
layout_of() {
    rm -f "$TMP/x.raw"
    qemu-img convert -f "$2" -O raw "$1" "$TMP/x.raw" || echo "not ok qemu-img convert $1"
    sfdisk --json "$TMP/x.raw" | python3 -c '
import json, sys
t = json.load(sys.stdin)["partitiontable"]
for i, p in enumerate(t["partitions"]):
    print(i + 1, p["start"] * t.get("sectorsize", 512), p["size"] * t.get("sectorsize", 512))' > "$PARTS"
    rm -f "$TMP/x.raw"
}
# open_disk DISK FMT LAYOUT: the disk's Windows partition in $WIN and the
# partition holding its boot store in $BOOT (the same file when Windows
# boots from its own partition), at the offsets layout_of found
open_disk() {
    WIN="$TMP/win.img"
    BOOT="$TMP/boot.img"
    case $3 in
        mbr) cut_part "$1" "$2" 1 "$WIN"; BOOT=$WIN ;;
        mbr-sp) cut_part "$1" "$2" 1 "$BOOT"; cut_part "$1" "$2" 2 "$WIN" ;;
        gpt) cut_part "$1" "$2" 1 "$BOOT"; cut_part "$1" "$2" 3 "$WIN" ;;
    esac
}
# cut_part DISK FMT N FILE: partition N as a file; qemu's raw driver over
# the disk's format cuts the range, and only what is allocated is copied
cut_part() {
    set -- "$1" "$2" "$4" $(sed -n "s/^$3 //p" "$PARTS")
    rm -f "$3"
    qemu-img convert -O raw "json:{\"driver\":\"raw\",\"offset\":$4,\"size\":$5,\"file\":{\"driver\":\"$2\",\"file\":{\"driver\":\"file\",\"filename\":\"$1\"}}}" "$3" \
        || echo "not ok qemu-img convert: partition of $1 at $4"
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
# service NAME FMT LAYOUT LEVEL: on a copy of the disk, checked from outside,
# add-driver --test-sign (--json for VHDX), get-drivers and doctor; at level 1
# also get-driver-info, set-param, remove-driver --with-trust and bcd --set,
# the commands that write the boot store or read what set-param wrote; at
# level 2 every other image command too
service() {
    name=$1 fmt=$2 layout=$3 level=$4
    D="$TMP/case-$name"
    mv "$TMP/$name" "$D"
    # disks converted from one another share their layout and their bytes:
    # what they hold before is read from the first of each layout
    PARTS="$TMP/parts-$layout"
    if [ ! -s "$PARTS" ]; then
        layout_of "$D" "$fmt"
        open_disk "$D" "$fmt" "$layout"
        win_file Windows/System32/config/BCD-Template > "$TMP/template-$layout"
        store_hive "$layout" "$TMP/bcd.before"
        ts_before=$(testsigning "$TMP/bcd.before")
        win_file Windows/System32/config/SOFTWARE > "$TMP/sw" && hivexget "$TMP/sw" "$CURVER" DevicePath > "$TMP/devpath-$layout"
        if [ -s "$TMP/template-$layout" ] && [ "$ts_before" = unset ] && [ -s "$TMP/devpath-$layout" ]; then
            ok "$name: the new disk's store has no testsigning; it has a BCD-Template and a DevicePath"
        else not_ok "$name: the new disk" "template $(wc -c < "$TMP/template-$layout") bytes, testsigning $ts_before"; fi
    fi
    devpath_before=$(cat "$TMP/devpath-$layout")
    case $layout in gpt) store='partition 1 \(EFI system\) \\EFI\\Microsoft\\Boot\\BCD' ;;
        mbr-sp) store='partition 1 \(System Reserved\) \\Boot\\BCD' ;;
        mbr) store='partition 1 \(Windows\) \\Boot\\BCD' ;; esac

    if [ "$fmt" = vhdx ]; then
        run add-driver --image "$D" --driver "$PKG" --test-sign --test-sign-dir "$CERT" --json
        expect_status "$name: add-driver --test-sign --json" 0
        expect_json "$name: add-driver --json: bcd_stores names the disk's store, changed" \
            "len(d['bcd_stores']) == 1 and d['bcd_stores'][0]['store'].startswith('partition 1 (') and d['bcd_stores'][0]['store'].endswith(' of $D') and d['bcd_stores'][0]['changed'] and d['bcd_stores'][0]['done']"
        expect_json "$name: add-driver --json: two packages staged" "len(d['images'][0]['packages']) == 2"
    else
        run add-driver --image "$D" --driver "$PKG" --test-sign --test-sign-dir "$CERT"
        expect_status "$name: add-driver --test-sign" 0
        expect_out "$name: add-driver turns testsigning on in the disk's store" "boot store $store of .*: testsigning turned on"
    fi
    no_leftovers "$name: add-driver leaves no overlay beside the disk" "$D"
    run get-drivers --image "$D"
    expect_status "$name: get-drivers" 0
    if grep -q '^aero_virtio_snd\.inf_amd64_neutral_.* staged ' "$OUT" && grep -q '^aero-virtio-snd-legacy\.inf_amd64_neutral_.* staged ' "$OUT"; then
        ok "$name: get-drivers lists both packages"; else not_ok "$name: get-drivers lists both packages" "missing"; fi
    if [ "$fmt" = vhdx ]; then
        run get-drivers --image "$D" --json
        expect_json "$name: get-drivers --json: both packages, staged" \
            "sorted(x['original_name'] for x in d['images'][0]['drivers'] if x['state'] == 'staged') == ['aero-virtio-snd-legacy.inf', 'aero_virtio_snd.inf']"
    fi
    if [ "$level" -ge 1 ]; then
        run get-driver-info --image "$D" --driver aero_virtio_snd.inf
        expect_status "$name: get-driver-info" 0
        expect_out "$name: get-driver-info: the signer" '^Signer: +CN=offstage Test Signing'
        expect_out "$name: get-driver-info: testsigning in the disk's store" "^Testsigning: +on in BCD store $store"
        run set-param --image "$D" --device "$DEVICE" ForceNullBackend=1 AllowPollingOnly=1
        expect_status "$name: set-param the seed's toggles" 0
    fi
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
    same_file "$name: BCD-Template unchanged (ntfscat)" "$TMP/template.after" "$TMP/template-$layout"
    win_file Windows/System32/config/SYSTEM > "$TMP/sys"
    p="$NODE\\Device Parameters\\Parameters"
    if [ "$level" -lt 1 ]; then
        :
    elif [ "$(hivexget "$TMP/sys" "$p" ForceNullBackend 2>/dev/null)" = 1 ] && [ "$(hivexget "$TMP/sys" "$p" AllowPollingOnly 2>/dev/null)" = 1 ]; then
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
    [ "$level" -ge 2 ] && [ "$layout" != gpt ] && descriptors "$name"
    [ "$level" -ge 1 ] || return 0

    # ---- the other commands -------------------------------------------------
    if [ "$level" -ge 2 ]; then
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
    fi

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
    same_file "$name: BCD-Template still unchanged" "$TMP/template.after" "$TMP/template-$layout"
    check_volumes "$name: after remove-driver" "$fmt" "$D"

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

# descriptors NAME: on the opened disk, a staged file and the staged folder
# carry what Windows' inheritance rules give a new object there
# (https://learn.microsoft.com/en-us/windows/win32/secauthz/ace-inheritance-rules):
# owner and group Administrators (an administrator's new file), the ACEs of
# the folder above that a file (OBJECT_INHERIT) or a folder (CONTAINER_INHERIT;
# OBJECT_INHERIT alone as inherit-only) inherits, each marked INHERITED_ACE,
# generic rights and CREATOR OWNER/GROUP mapped where the ACE is effective
# (an inheritable one with them split in two), and SE_DACL_AUTO_INHERITED;
# read with ntfssecaudit
descriptors() {
    command -v ntfssecaudit >/dev/null 2>&1 || { echo "skip: ntfssecaudit absent; descriptors not checked"; return 0; }
    pkg="Windows/offstage/drivers/$(staged_folders | grep '^aero_virtio_snd')"
    for p in Windows/offstage/drivers "$pkg" "$pkg/aero_virtio_snd.inf"; do
        ntfssecaudit -v "$WIN" "$p" > "$TMP/sd-$(basename "$p")" 2>&1
    done
    if python3 - "$TMP/sd-drivers" "$TMP/sd-$(basename "$pkg")" "$TMP/sd-aero_virtio_snd.inf" > "$TMP/sdwhy" 2>&1 <<'PY'
import re, sys
def read(path):
    text = open(path).read()
    b = bytes.fromhex("".join("".join(m.split()[1:]) for m in re.findall(r"(?m)^[ \t]+[0-9a-f]{6}(?:[ \t]+[0-9a-f]{2,8})+$", text)))
    attr = re.search(r"Windows attrib : (0x[0-9a-f]+)", text)
    return b, int(attr.group(1), 16) if attr else None
def sid(b, off):
    return b[off:off + 8 + 4 * b[off + 1]]
def parse(b):
    le = lambda o, n: int.from_bytes(b[o:o + n], "little")
    owner, group, dacl = le(4, 4), le(8, 4), le(16, 4)
    aces = []
    o = dacl + 8
    for _ in range(le(dacl + 4, 2)):
        size = le(o + 2, 2)
        aces.append((b[o], b[o + 1], le(o + 4, 4), bytes(b[o + 8:o + size])))
        o += size
    return le(2, 2), sid(b, owner), sid(b, group), aces
OI, CI, NP, IO, INHERITED, AUDIT = 1, 2, 4, 8, 0x10, 0xC0
GENERIC = 0xF0000000
ADMINS = bytes([1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0])
CREATOR_OWNER, CREATOR_GROUP = bytes([1, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0]), bytes([1, 1, 0, 0, 0, 0, 0, 3, 1, 0, 0, 0])
def effective(t, f, mask, s, owner, group):
    m = mask & ~GENERIC
    for bit, rights in ((0x10000000, 0x1F01FF), (0x80000000, 0x120089), (0x40000000, 0x120116), (0x20000000, 0x1200A0)):
        if mask & bit:
            m |= rights
    s = owner if s == CREATOR_OWNER else group if s == CREATOR_GROUP else s
    return (t, INHERITED | f & AUDIT, m, s)
def inherit(aces, folder, owner, group):
    out = []
    for t, f, mask, s in aces:
        if not folder:
            if f & OI:
                out.append(effective(t, f, mask, s, owner, group))
        elif f & CI and f & NP:
            out.append(effective(t, f, mask, s, owner, group))
        elif f & CI:
            flags = INHERITED | f & (AUDIT | OI | CI)
            if mask & GENERIC or s in (CREATOR_OWNER, CREATOR_GROUP):
                out += [effective(t, f, mask, s, owner, group), (t, flags | IO, mask, s)]
            else:
                out.append((t, flags, mask, s))
        elif f & OI and not f & NP:
            out.append((t, INHERITED | f & AUDIT | OI | IO, mask, s))
    return out
(parent, _), (dirb, dattr), (fileb, fattr) = (read(p) for p in sys.argv[1:4])
_, po, pg, paces = parse(parent)
for what, b, folder, attr, want_attr in (("folder", dirb, True, dattr, 0x10), ("file", fileb, False, fattr, 0x20)):
    control, o, g, aces = parse(b)
    want = inherit(paces, folder, ADMINS, ADMINS)
    if not aces or (o, g) != (ADMINS, ADMINS) or aces != want:
        sys.exit("%s: owner/group/ACEs %r, expected from the folder above %r" % (what, (o, g, aces), (ADMINS, want)))
    if not control & 0x0400:
        sys.exit("%s: control 0x%04x lacks SE_DACL_AUTO_INHERITED" % (what, control))
    if attr is not None and attr & 0x30 != want_attr:
        sys.exit("%s: attributes 0x%x" % (what, attr))
    # the staged folder's own children inherit from it the same way
    paces = aces
PY
    then ok "$1: a staged folder and file carry the descriptor inherited from their folder (ntfssecaudit)"
    else not_ok "$1: inherited descriptors" "$(cat "$TMP/sdwhy")"; fi
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

# ---- the disks -----------------------------------------------------------------
# make-test-image writes the qcow2 pair and the raw disk; the other formats
# are qemu-img's conversions of the qcow2 pair (force_size: a VHD's size
# stays exact rather than rounded to a CHS geometry)
if [ "$ALL" = 1 ]; then LEVEL=2; else LEVEL=0; fi
mkdisk q-mbr.qcow2 qcow2 mbr-sp
mkdisk q-gpt.qcow2 qcow2 gpt
mkdisk r-mbr.img raw mbr
for d in "v-mbr.vhd vpc mbr -o force_size=on" "v-gpt.vhd vpc gpt -o force_size=on" "x-mbr.vhdx vhdx mbr" \
    "x-gpt.vhdx vhdx gpt" "k-gpt.vmdk vmdk gpt"; do
    set -- $d
    name=$1 fmt=$2 from=$3
    shift 3
    qemu-img convert -f qcow2 -O "$fmt" "$@" "$TMP/q-$from.qcow2" "$TMP/$name" || echo "not ok qemu-img convert to $name"
done
cp --sparse=always "$TMP/q-mbr.qcow2" "$TMP/pristine.qcow2"
service q-mbr.qcow2 qcow2 mbr-sp 2
service q-gpt.qcow2 qcow2 gpt $((LEVEL > 1 ? 2 : 1))
rm -f "$TMP/case-q-gpt.qcow2"
for d in "v-mbr.vhd vpc mbr-sp" "v-gpt.vhd vpc gpt" "x-mbr.vhdx vhdx mbr-sp" "x-gpt.vhdx vhdx gpt" \
    "r-mbr.img raw mbr" "k-gpt.vmdk vmdk gpt"; do
    set -- $d
    service "$1" "$2" "$3" "$LEVEL"
    rm -f "$TMP/case-$1"
done

# ---- writing nothing: --dry-run, --output, refusals ---------------------------
# Copies of the qcow2 disk, before (Q) and after (S) add-driver.
mkdir -p "$TMP/s"
Q="$TMP/s/win7.qcow2"
S="$TMP/s/staged.qcow2"
mv "$TMP/pristine.qcow2" "$Q"
rm -f "$TMP/case-q-mbr.qcow2"
cp --sparse=always "$Q" "$S"
"$OFFSTAGE" add-driver --image "$S" --driver "$PKG" --test-sign --test-sign-dir "$CERT" >/dev/null 2>&1 \
    || echo "not ok add-driver on the copy for the dry runs"
cp --sparse=always "$Q" "$TMP/Q.copy"
cp --sparse=always "$S" "$TMP/S.copy"
dry() { # NAME DISK COPY ARGS...: a dry run exits 0 and leaves the disk as it was
    name=$1 disk=$2 copy=$3
    shift 3
    run "$@" --dry-run
    expect_status "--dry-run $name: exit 0" 0
    same_file "--dry-run $name: the disk byte-identical" "$disk" "$copy"
    no_leftovers "--dry-run $name: nothing left beside the disk" "$disk"
}
dry add-driver "$Q" "$TMP/Q.copy" add-driver --image "$Q" --driver "$PKG" --test-sign --test-sign-dir "$CERT"
expect_out "--dry-run add-driver: says what it would stage" 'aero_virtio_snd\.inf_amd64_neutral_[0-9a-f]{16}'
dry set-param "$S" "$TMP/S.copy" set-param --image "$S" --device "$DEVICE" ForceNullBackend=1
dry add-cert "$S" "$TMP/S.copy" add-cert --image "$S" --cert "$CERT2/offstage-test.cer"
dry remove-driver "$S" "$TMP/S.copy" remove-driver --image "$S" --driver all --with-trust
expect_out "--dry-run remove-driver: would remove both" 'would remove aero-virtio-snd-legacy'
run bcd --image "$S" --set testsigning off --dry-run
expect_status "bcd --set --dry-run on a disk: exit 0" 0
expect_out "bcd --set --dry-run on a disk: says what it would change" 'would'
same_file "bcd --set --dry-run: the disk byte-identical" "$S" "$TMP/S.copy"

# --output: a qcow2 backed by the disk, or a whole copy in another format
run add-driver --image "$Q" --driver "$PKG" --test-sign --test-sign-dir "$CERT" --output "$TMP/new.qcow2"
expect_status "--output NEW.qcow2: exit 0" 0
same_file "--output: the disk byte-identical" "$Q" "$TMP/Q.copy"
no_leftovers "--output: nothing left beside the disk" "$Q"
if qemu-img info --output=json "$TMP/new.qcow2" 2>/dev/null | python3 -c '
import json, os, sys
d = json.load(sys.stdin)
sys.exit(0 if d["format"] == "qcow2" and os.path.realpath(d.get("full-backing-filename", "")) == os.path.realpath(sys.argv[1])
         and d.get("backing-filename-format") == "qcow2" else 1)' "$Q"; then ok "--output: NEW is a qcow2 backed by the disk (qemu-img info)"
else not_ok "--output: backing" "$(qemu-img info "$TMP/new.qcow2" 2>&1)"; fi
run get-drivers --image "$TMP/new.qcow2"
expect_out "--output: get-drivers on NEW lists the package" '^aero_virtio_snd\.inf_amd64_neutral_.* staged '
run get-drivers --image "$Q"
expect_no_out "--output: get-drivers on the disk lists none" 'aero_virtio_snd\.inf_amd64_neutral_'
run add-driver --image "$Q" --driver "$PKG" --test-sign --test-sign-dir "$CERT" --output "$TMP/new.vhdx" --output-format vhdx
expect_status "--output NEW.vhdx --output-format vhdx: exit 0" 0
same_file "--output-format: the disk byte-identical" "$Q" "$TMP/Q.copy"
if qemu-img info --output=json "$TMP/new.vhdx" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if d["format"] == "vhdx" and "backing-filename" not in d else 1)'; then ok "--output-format vhdx: a standalone VHDX (qemu-img info)"
else not_ok "--output-format vhdx" "$(qemu-img info "$TMP/new.vhdx" 2>&1)"; fi
layout_of "$TMP/new.vhdx" vhdx
open_disk "$TMP/new.vhdx" vhdx mbr-sp
store_hive mbr-sp "$TMP/bcd.new"
if staged_folders | grep -q '^aero_virtio_snd' && [ "$(testsigning "$TMP/bcd.new")" = 01 ]; then
    ok "--output-format vhdx: the copy holds the package and testsigning on (ntfsls, hivexget)"
else not_ok "--output-format vhdx: the copy" "$(staged_folders); testsigning $(testsigning "$TMP/bcd.new")"; fi
rm -f "$TMP/new.qcow2" "$TMP/new.vhdx"

# a read-only disk: refused in place with the way out, serviced with --output
chmod 0444 "$Q"
chmod 0755 "$TMP" "$TMP/s"
if [ "$(id -u)" != 0 ]; then asuser=""
elif command -v setpriv >/dev/null 2>&1 && setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
    asuser="setpriv --reuid=nobody --regid=nogroup --clear-groups"
else asuser=none; fi
if [ "$asuser" = none ]; then
    echo "skip: running as root and no setpriv to drop it; the read-only disk is not checked"
else
    mkdir -p "$TMP/rw" && chmod 0777 "$TMP/rw"
    $asuser env TMPDIR="$TMP/rw" "$OFFSTAGE" set-param --image "$Q" --device "$DEVICE" ForceNullBackend=1 >"$OUT" 2>"$ERR"
    STATUS=$?
    expect_status "a read-only disk: refused in place" 2
    expect_err "a read-only disk: the message gives --output" '--output'
    same_file "a read-only disk: byte-identical" "$Q" "$TMP/Q.copy"
    $asuser env TMPDIR="$TMP/rw" "$OFFSTAGE" set-param --image "$Q" --device "$DEVICE" ForceNullBackend=1 \
        --output "$TMP/rw/new.qcow2" >"$OUT" 2>"$ERR"
    STATUS=$?
    expect_status "a read-only disk: serviced with --output" 0
    same_file "a read-only disk: still byte-identical" "$Q" "$TMP/Q.copy"
    run get-param --image "$TMP/rw/new.qcow2" --device "$DEVICE"
    expect_out "a read-only disk: --output holds the change" '^    ForceNullBackend = 1 '
    no_leftovers "a read-only disk: nothing left beside it" "$Q"
    rm -rf "$TMP/rw"
fi
chmod 0644 "$Q"

# what --image is given wrong
run get-drivers --image "$Q" --format raw
expect_status "--format raw on a qcow2: refused" 2
expect_err "--format raw on a qcow2: says what it is" 'its content is a qcow2'
cp --sparse=always "$Q" "$TMP/s/misnamed.vhdx"
run get-drivers --image "$TMP/s/misnamed.vhdx"
expect_status "a qcow2 named .vhdx: refused" 2
expect_err "a qcow2 named .vhdx: the message" 'the name says VHDX, but the content is a qcow2.*--format qcow2'
rm -f "$TMP/s/misnamed.vhdx"
"$OFFSTAGE" make-test-image --arch amd64 "$TMP/folder" >/dev/null 2>&1
run get-drivers --image "$TMP/folder" --partition 2
expect_status "--partition on a folder: refused" 2
expect_err "--partition on a folder: why" '--partition is for virtual disks'
run get-drivers --image "$Q" --index 1
expect_status "--index on a disk: refused" 2
expect_err "--index on a disk: the way out" '--index is for WIM files; .* is a virtual disk \(choose its Windows partition with --partition N\)'
run get-drivers --image "$Q" --partition 9
expect_status "--partition 9: refused" 2
expect_err "--partition 9: lists the partitions" 'partition 2: .*NTFS "Windows": Windows'
same_file "after the refusals: the disk byte-identical" "$Q" "$TMP/Q.copy"
no_leftovers "after everything: nothing left beside the disks" "$Q"
