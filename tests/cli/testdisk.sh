# CLI tests for make-test-image --disk: every layout on qcow2 and one on
# each other format, read back with independent readers: qemu-img (info,
# check, convert to raw), sfdisk --dump for the table, and on each
# partition cut out of the raw disk (qemu's raw driver with offset and
# size) ntfsfix -n, ntfsls, ntfscat, 7zz l, fsck.fat and mtype, hivexget
# on the hives and the boot store. Python only for the one JSON check:
# each start of it costs more than a disk.
. tests/cli/lib.sh

# sbin tools need no root on files, but a user's PATH may lack them
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
for t in qemu-img sfdisk mkntfs ntfsfix ntfsls ntfscat mkfs.fat mtype mcopy hivexget od python3; do
    if ! command -v "$t" >/dev/null 2>&1; then
        echo "skip: testdisk.sh needs $t (qemu-utils, fdisk, ntfs-3g, dosfstools, mtools, libhivex-bin, python3)"
        exit 0
    fi
done

BOOTMGR='{9dea862c-5cdd-4e70-acc1-f32b344d4795}'
D="$TMP/disks"
mkdir -p "$D"

# parts RAW: "number start size type bootable uuid" per partition (sectors), from sfdisk --dump
parts() {
    sfdisk --dump "$1" | sed -n 's/^[^ ]*\([0-9]\) : start= *\([0-9]*\), size= *\([0-9]*\), type=\([^,]*\)\(.*\)$/\1 \2 \3 \4 \5/p' |
        while read -r n start size type rest; do
            boot=0; case $rest in *bootable*) boot=1 ;; esac
            uuid=$(printf '%s' "$rest" | sed -n 's/.*uuid=\([^,]*\).*/\1/p')
            echo "$n $start $size $(printf '%s' "$type" | tr a-f A-F) $boot ${uuid:--}"
        done
}
# cut RAW START SIZE OUT: a partition's bytes by its sectors, read by qemu's
# raw driver (offset, size), which skips the holes
cut_part() {
    rm -f "$4"
    qemu-img convert --image-opts "driver=raw,offset=$(($2 * 512)),size=$(($3 * 512)),file.driver=file,file.filename=$1" \
        -O raw "$4"
}
# hidden sectors of a boot sector (NTFS and FAT: u32 at offset 0x1C)
hidden() { od -An -tu4 -j28 -N4 "$1" | tr -d ' '; }

# check_disk NAME FILE FORMAT LAYOUT ARCH: LAYOUT mbr, mbr-sys or gpt
check_disk() {
    name=$1 file=$2 fmt=$3 layout=$4 arch=$5
    case $layout in
    mbr) size=256 win=1 sys=1 expect="dos 1:2048:522240:7:1" ;;
    mbr-sys) size=320 win=2 sys=1 expect="dos 1:2048:204800:7:1 2:206848:448512:7:0" ;;
    gpt) size=352 win=3 sys=1 expect="gpt 1:2048:204800:C12A7328-F81F-11D2-BA4B-00A0C93EC93B:0 2:206848:32768:E3C9E316-0B5C-4DB8-817D-F92DF00215AE:0 3:239616:409600:EBD0A0A2-B9E5-4433-87C0-68B6B72699C7:0 4:649216:65536:DE94BBA4-06D1-4D40-A16A-BFD50179D6AC:0" ;;
    esac
    qemu-img info -f "$fmt" "$file" >"$TMP/info" 2>&1
    grep -q "^file format: $fmt$" "$TMP/info" && grep -q "^virtual size: .*($((size * 1048576)) bytes)$" "$TMP/info" &&
        ok "$name: qemu-img info: $fmt, $size MiB" || not_ok "$name: qemu-img info" "$(cat "$TMP/info")"
    case $fmt in
    qcow2 | vhdx | vmdk)
        qemu-img check -f "$fmt" "$file" >"$TMP/check" 2>&1 && ok "$name: qemu-img check" ||
            not_ok "$name: qemu-img check" "$(cat "$TMP/check")" ;;
    esac
    if [ "$fmt" = vmdk ]; then
        grep -q "create type: monolithicSparse" "$TMP/info" && ok "$name: vmdk is monolithicSparse" ||
            not_ok "$name: vmdk subformat" "$(cat "$TMP/info")"
    fi
    # sparse: far less allocated than the virtual size
    used=$(du -k "$file" | cut -f1)
    [ "$used" -lt $((size * 1024 / 4)) ] && ok "$name: the file is sparse (${used} KiB)" ||
        not_ok "$name: sparse" "${used} KiB allocated"
    raw="$D/$name.raw"
    rm -f "$raw"
    qemu-img convert -f "$fmt" -O raw "$file" "$raw"
    sfdisk --dump "$raw" >"$TMP/dump"
    parts "$raw" >"$TMP/parts"
    table="$(sed -n 's/^label: //p' "$TMP/dump") $(awk '{ printf "%s%s:%s:%s:%s:%s", (NR > 1 ? " " : ""), $1, $2, $3, $4, $5 }' "$TMP/parts")"
    [ "$table" = "$expect" ] && ok "$name: sfdisk: partitions, types, active flag" ||
        not_ok "$name: sfdisk table" "got '$table', expected '$expect'"
    if [ "$layout" = gpt ]; then
        grep -q 'attrs="RequiredPartition GUID:63"' "$TMP/dump" && ok "$name: Recovery is required, no drive letter" ||
            not_ok "$name: Recovery attributes" "$(cat "$TMP/dump")"
    fi
    while read -r n start count type boot uuid; do
        img="$D/$name.p$n"
        case $type in
        7 | EBD0A0A2-* | DE94BBA4-*)
            cut_part "$raw" "$start" "$count" "$img"
            ntfsfix -n "$img" >"$TMP/fix" 2>&1 && ok "$name p$n: ntfsfix -n" || not_ok "$name p$n: ntfsfix -n" "$(cat "$TMP/fix")"
            [ "$(hidden "$img")" = "$start" ] && ok "$name p$n: NTFS hidden sectors = partition start $start" ||
                not_ok "$name p$n: hidden sectors" "$(hidden "$img"), expected $start" ;;
        C12A7328-*)
            cut_part "$raw" "$start" "$count" "$img"
            if command -v fsck.fat >/dev/null 2>&1; then
                fsck.fat -n "$img" >"$TMP/fix" 2>&1 && ok "$name p$n: fsck.fat -n" || not_ok "$name p$n: fsck.fat" "$(cat "$TMP/fix")"
            fi
            [ "$(hidden "$img")" = "$start" ] && ok "$name p$n: FAT hidden sectors = partition start" ||
                not_ok "$name p$n: FAT hidden sectors" "$(hidden "$img")" ;;
        esac
    done <"$TMP/parts"
    w="$D/$name.p$win"
    ntfsls -p /Windows/System32/config "$w" 2>/dev/null | grep -qx SYSTEM && ok "$name: ntfsls: Windows/System32/config/SYSTEM" ||
        not_ok "$name: ntfsls SYSTEM" "$(ntfsls -p /Windows/System32/config "$w" 2>&1)"
    if command -v 7zz >/dev/null 2>&1; then
        7zz l "$w" 2>/dev/null | grep -q 'Windows/System32/config/SOFTWARE' && ok "$name: 7zz l reads the NTFS volume" ||
            not_ok "$name: 7zz l" "$(7zz l "$w" 2>&1 | tail -5)"
    fi
    ntfscat "$w" Windows/System32/config/SYSTEM >"$TMP/SYSTEM" 2>/dev/null
    pa=$(hivexget "$TMP/SYSTEM" '\ControlSet001\Control\Session Manager\Environment' PROCESSOR_ARCHITECTURE 2>&1)
    want=x86; [ "$arch" = amd64 ] && want=AMD64
    [ "$pa" = "$want" ] && ok "$name: SYSTEM hive read from the disk ($pa)" || not_ok "$name: SYSTEM hive" "PROCESSOR_ARCHITECTURE '$pa'"
    setup=$(hivexget "$TMP/SYSTEM" '\Setup' SystemSetupInProgress 2>&1)
    [ "$setup" = 0 ] && ok "$name: installed by default (Setup done)" || not_ok "$name: installed" "SystemSetupInProgress '$setup'"
    rm -f "$TMP/BCD"
    if [ "$layout" = gpt ]; then
        MTOOLS_SKIP_CHECK=1 mtype -i "$D/$name.p$sys" ::/EFI/Microsoft/Boot/BCD >"$TMP/BCD" 2>/dev/null
    else
        ntfscat "$D/$name.p$sys" Boot/BCD >"$TMP/BCD" 2>/dev/null
    fi
    loader=$(hivexget "$TMP/BCD" "\\Objects\\$BOOTMGR\\Elements\\23000003" Element 2>&1)
    ltype=$(hivexget "$TMP/BCD" "\\Objects\\$loader\\Description" Type 2>&1)
    [ "$ltype" = 270532611 ] && ok "$name: boot store: {bootmgr} default is a Windows Boot Loader" ||
        not_ok "$name: boot store default" "default '$loader', its type '$ltype'"
    if hivexget "$TMP/BCD" "\\Objects\\$loader\\Elements\\16000049" Element >/dev/null 2>&1; then
        not_ok "$name: testsigning absent" "the loader has 16000049"
    else
        ok "$name: boot store: testsigning not set"
    fi
    # the loader's osdevice names the Windows partition the way Windows does
    run bcd --store "$TMP/BCD"
    id=$(sed -n 's/^label-id: //p' "$TMP/dump" | tr A-F a-f)
    set -- $(sed -n "${win}p" "$TMP/parts")
    if [ "$layout" = gpt ]; then
        dev="partition \{$(echo "$6" | tr A-F a-f)\} on disk \{$id\}"
        path='\\Windows\\system32\\winload\.efi'
    else
        dev="partition at offset $(($2 * 512)) on disk $id"
        path='\\Windows\\system32\\winload\.exe'
    fi
    expect_out "$name: the loader's osdevice is the Windows partition" "^osdevice +$dev$"
    expect_out "$name: the loader boots $path" "^path +$path$"
    rm -f "$raw" "$D/$name".p*
}

# every layout on qcow2
run make-test-image --arch amd64 --disk "$D/mbr.qcow2"
expect_status "make-test-image --disk (qcow2 by default)" 0
expect_out "says what it made, and that it is not Windows" "^$D/mbr.qcow2: qcow2 disk, 256 MiB, MBR .*\(not Windows: a test tree\), installed"
expect_out "lists the partition" "^  partition 1: Windows \(active\), type 07, NTFS \"Windows\", start 1 MiB \(sector 2048\), 255 MiB: the Windows tree, Boot.BCD$"
check_disk qcow2-mbr "$D/mbr.qcow2" qcow2 mbr amd64

run make-test-image --arch x86 --disk "$D/sys.qcow2" --format qcow2 --system-partition
expect_status "qcow2, MBR with System Reserved" 0
expect_out "System Reserved is partition 1, active" "^  partition 1: System Reserved \(active\), type 07, NTFS \"System Reserved\", start 1 MiB \(sector 2048\), 100 MiB: Boot.BCD$"
check_disk qcow2-mbr-sys "$D/sys.qcow2" qcow2 mbr-sys x86

run make-test-image --arch amd64 --disk "$D/gpt.qcow2" --partitioning gpt --json
expect_status "qcow2, GPT, --json" 0
expect_json "JSON: the layout" "d['schema']=='offstage.test-disk/1' and d['format']=='qcow2' and d['partitioning']=='gpt' and [p['role'] for p in d['partitions']]==['EFI system partition','Microsoft reserved','Windows','Recovery'] and d['system_partition']==1 and d['windows_partition']==3 and d['boot_store']=='EFI\\\\Microsoft\\\\Boot\\\\BCD' and d['partitions'][1]['filesystem'] is None and d['state']=='installed'"
check_disk qcow2-gpt "$D/gpt.qcow2" qcow2 gpt amd64

# one layout on each other format
run make-test-image --arch x86 --disk "$D/mbr.img" --format raw
expect_status "raw" 0
check_disk raw-mbr "$D/mbr.img" raw mbr x86
run make-test-image --arch amd64 --disk "$D/sys.vhd" --format vpc --system-partition
expect_status "vpc (VHD)" 0
check_disk vpc-mbr-sys "$D/sys.vhd" vpc mbr-sys amd64
run make-test-image --arch amd64 --disk "$D/gpt.vhdx" --format vhdx --partitioning gpt
expect_status "vhdx" 0
check_disk vhdx-gpt "$D/gpt.vhdx" vhdx gpt amd64
run make-test-image --arch x86 --disk "$D/gpt.vmdk" --format vmdk --partitioning gpt
expect_status "vmdk" 0
check_disk vmdk-gpt "$D/gpt.vmdk" vmdk gpt x86
ls "$D" | grep -q 'tmp-' && not_ok "no temporaries left beside the disks" "$(ls "$D")" || ok "no temporaries left beside the disks"

# --state still says what Setup has done
run make-test-image --arch x86 --disk "$D/gen.qcow2" --state generalized
expect_status "--state generalized on a disk" 0
qemu-img convert -f qcow2 -O raw "$D/gen.qcow2" "$D/gen.raw"
cut_part "$D/gen.raw" 2048 522240 "$D/gen.p1"
ntfscat "$D/gen.p1" Windows/System32/config/SYSTEM >"$TMP/SYSTEM" 2>/dev/null
[ "$(hivexget "$TMP/SYSTEM" '\Setup' SystemSetupInProgress 2>&1)" = 1 ] && ok "--state generalized: Setup pending on the disk" ||
    not_ok "--state generalized" "SystemSetupInProgress $(hivexget "$TMP/SYSTEM" '\Setup' SystemSetupInProgress 2>&1)"
rm -f "$D/gen.raw" "$D/gen.p1"

# refusals
before=$(sha256sum "$D/mbr.qcow2")
run make-test-image --arch x86 --disk "$D/mbr.qcow2"
expect_status "an existing file: refused" 2
expect_err "an existing file: says so" "exists; refusing to overwrite it"
[ "$(sha256sum "$D/mbr.qcow2")" = "$before" ] && ok "an existing file: unchanged" || not_ok "existing file unchanged" "changed"
run make-test-image --arch x86 --disk "$D/x.qed" --format qed
expect_status "an unknown --format: refused" 2
expect_err "an unknown --format: lists the formats" "--format is raw, qcow2, vpc \(VHD\), vhdx or vmdk, not 'qed'"
run make-test-image --arch x86 --format vhdx "$D/dir"
expect_status "--format without --disk: refused" 2
expect_err "--format without --disk: says so" "are for --disk FILE"
run make-test-image --arch x86 --disk "$D/x.qcow2" --partitioning apm
expect_status "--partitioning apm: refused" 2
run make-test-image --arch x86 --disk "$D/x.qcow2" "$D/dir"
expect_status "--disk and a DIR: refused" 2
# a missing tool: named with its Debian package, nothing left behind
mkdir -p "$TMP/scratch"
env PATH=/nonexistent TMPDIR="$TMP/scratch" "$OFFSTAGE" make-test-image --arch x86 --disk "$D/t.vhdx" --format vhdx \
    --partitioning gpt >"$OUT" 2>"$ERR"
STATUS=$?
expect_status "qemu-img and mtools missing: exit 2" 2
expect_err "names qemu-img and its package" "qemu-img \(Debian package qemu-utils\)"
expect_err "names mtools" "\(Debian package mtools\)"
[ ! -e "$D/t.vhdx" ] && [ -z "$(ls "$TMP/scratch")" ] && ls "$D" | grep -vq 'tmp-' && ok "a missing tool: nothing left behind" ||
    not_ok "nothing left behind" "$(ls "$D" "$TMP/scratch")"
# a failure after the tree was started: nothing left behind either
env TMPDIR="$TMP/scratch" OFFSTAGE_FAULT_ENOSPC_AFTER=4096 "$OFFSTAGE" make-test-image --arch x86 --disk "$D/f.qcow2" \
    >"$OUT" 2>"$ERR"
STATUS=$?
expect_status "disk full while making it: exit 2" 2
[ ! -e "$D/f.qcow2" ] && [ -z "$(ls "$TMP/scratch")" ] && ! ls "$D" | grep -q 'tmp-' && ok "disk full: nothing left behind" ||
    not_ok "disk full: nothing left behind" "$(ls "$D" "$TMP/scratch")"

# SIGINT while it works: the disk is whole or absent, never a temporary
mkdir -p "$D/int"
"$OFFSTAGE" make-test-image --arch x86 --disk "$D/int/i.vhdx" --format vhdx --partitioning gpt >/dev/null 2>"$ERR" &
pid=$!
sleep 0.3
kill -INT "$pid" 2>/dev/null
wait "$pid"
STATUS=$?
if [ "$STATUS" -eq 0 ]; then
    qemu-img check -f vhdx "$D/int/i.vhdx" >/dev/null 2>&1 && [ "$(ls "$D/int")" = i.vhdx ] &&
        ok "SIGINT: finished first, the disk is whole" || not_ok "SIGINT: whole disk" "$(ls "$D/int")"
elif [ -n "$(ls "$D/int")" ]; then
    # stopped just after the disk was put in place: it is whole, and the message says it was written
    [ "$STATUS" -eq 2 ] && [ "$(ls "$D/int")" = i.vhdx ] && qemu-img check -f vhdx "$D/int/i.vhdx" >/dev/null 2>&1 &&
        grep -q "interrupted after the image was written" "$ERR" &&
        ok "SIGINT after the disk was written: whole, and said so" || not_ok "SIGINT after writing" "exit $STATUS, $(ls "$D/int"): $(cat "$ERR")"
else
    [ "$STATUS" -eq 2 ] && grep -q "interrupted; nothing was changed" "$ERR" &&
        ok "SIGINT: stopped, nothing left behind, said so" || not_ok "SIGINT: nothing left" "exit $STATUS, $(ls "$D/int")"
fi

run make-test-image --help
expect_out "--help explains --disk" "^  --disk FILE"
expect_out "--help explains the GPT layout" "gpt \(a system partition always\)"
