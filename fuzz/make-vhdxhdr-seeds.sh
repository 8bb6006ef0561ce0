#!/bin/sh
# make-vhdxhdr-seeds.sh [DIR] — writes the seeds of fuzz_vhdxhdr (default
# fuzz/corpus/vhdxhdr): the two 4 KiB headers of VHDX files qemu-img
# creates, as the fuzz target lays them out (header 1, then header 2).
set -eu
dir=${1:-fuzz/corpus/vhdxhdr}
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for size in 64M 3G; do
    qemu-img create -q -f vhdx "$tmp/d.vhdx" "$size"
    { dd if="$tmp/d.vhdx" bs=4096 skip=16 count=1 2>/dev/null
      dd if="$tmp/d.vhdx" bs=4096 skip=32 count=1 2>/dev/null; } >"$dir/qemu-$size.bin"
done
