#!/bin/sh
# make-parttable-seeds.sh [DIR] — writes the seed disks of fuzz_parttable
# (default fuzz/corpus/parttable): MBR, extended and GPT tables made by
# sfdisk and fdisk on files kept small (GPTs with 4-entry arrays), far
# under the fuzzer's 64 KiB input limit.
set -eu
dir=${1:-fuzz/corpus/parttable}
mkdir -p "$dir"
mk() { rm -f "$dir/$1"; truncate -s "$2" "$dir/$1"; sfdisk -q "$dir/$1" >/dev/null 2>&1; }
printf 'label: dos\nlabel-id: 0x12345678\nstart=1, size=4, type=7, bootable\nstart=5, size=4, type=27\nstart=9, size=2, type=ef\n' |
    mk mbr-primaries.img 6K
printf 'label: dos\nstart=1, size=2, type=7\nstart=3, size=9, type=5\nstart=4, size=2, type=7\nstart=7, size=2, type=b\nstart=10, size=2, type=83\n' |
    mk mbr-logical.img 6K
printf 'label: gpt\ntable-length: 4\nfirst-lba: 3\nstart=3, size=2, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system partition"\nsize=1, type=E3C9E316-0B5C-4DB8-817D-F92DF00215AE, name="Microsoft reserved partition"\nsize=2, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="Basic data partition"\ntype=DE94BBA4-06D1-4D40-A16A-BFD50179D6AC, name="Recovery", attrs="RequiredPartition GUID:63"\n' |
    mk gpt-windows.img 6K
# 4096-byte sectors (sfdisk 2.38 has no --sector-size; fdisk does): the
# entry array cut to 4 entries in fdisk's expert menu
rm -f "$dir/gpt-4096.img"; truncate -s 32K "$dir/gpt-4096.img"
printf 'g\nx\nl\n4\nr\nn\n\n\n\nw\n' | fdisk -b 4096 "$dir/gpt-4096.img" >/dev/null 2>&1
