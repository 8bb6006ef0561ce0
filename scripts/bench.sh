#!/bin/sh
# `make bench`: benchmarks print ratios against a baseline measured in the
# same run. Package analysis: check-package on a large generated INF against
# reading the same bytes with cat, so the ratio is the cost of understanding
# an INF over the cost of reading it.
set -eu
BUILD=${1:-build}
OFFSTAGE="$BUILD/offstage"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 20,000 model lines and their install sections: far larger than any real INF.
{
    printf '[Version]\nSignature="$Windows NT$"\nClass=System\nClassGuid={4D36E97D-E325-11CE-BFC1-08002BE10318}\n'
    printf 'Provider=Bench\nDriverVer=01/01/2026,1.0.0.0\n[Manufacturer]\nBench=Models,NTx86,NTamd64\n'
    for arch in NTx86 NTamd64; do
        printf '[Models.%s]\n' "$arch"
        i=0
        while [ $i -lt 10000 ]; do
            printf 'Device %d = Inst, PCI\\VEN_1234&DEV_%04X&REV_01, PCI\\VEN_1234&DEV_%04X\n' $i $i $i
            i=$((i + 1))
        done
    done
    printf '[Inst.NT]\nCopyFiles=Files\n[Files]\nb.sys\n[DestinationDirs]\nDefaultDestDir=12\n'
    printf '[SourceDisksNames]\n1=d\n[SourceDisksFiles]\nb.sys=1\n'
    printf '[Inst.NT.Services]\nAddService=b,2,Svc\n[Svc]\nServiceType=1\nStartType=3\nErrorControl=1\nServiceBinary=%%12%%\\b.sys\n'
} > "$work/bench.inf"
cp "$BUILD/testdrivers/amd64/testdrv.sys" "$work/b.sys"

now() { date +%s%N; }
time_it() { # runs "$@" N times, prints nanoseconds
    n=$1; shift
    t0=$(now); i=0
    while [ $i -lt "$n" ]; do "$@" >/dev/null 2>&1 || true; i=$((i + 1)); done
    t1=$(now); echo $((t1 - t0))
}
N=5
base=$(time_it $N cat "$work/bench.inf")
ours=$(time_it $N "$OFFSTAGE" check-package "$work/bench.inf" --arch amd64 --json)
size=$(wc -c < "$work/bench.inf")
echo "bench: check-package on a ${size}-byte INF with 20000 model lines, $N runs"
echo "bench:   baseline (cat the file):   $((base / N / 1000)) us per run"
echo "bench:   offstage check-package:    $((ours / N / 1000)) us per run"
awk -v a="$ours" -v b="$base" 'BEGIN { printf "bench:   ratio offstage/baseline: %.1fx\n", a / b }'
