#!/bin/sh
# `make demo`: the main job on the built-in example package. Until image
# staging lands, that job is package analysis: check both architectures of
# the example virtio-snd package, then ask whether it binds the devices the
# reference scenario names.
set -u
BUILD=${1:-build}
OFFSTAGE="$BUILD/offstage"
PKG="$BUILD/examples/virtio-snd"

run() {
    printf '\n$ %s\n' "$*"
    "$@"
    printf '(exit %s)\n' "$?"
}

echo "offstage demo: the example virtio-snd driver package ($PKG)"
run "$OFFSTAGE" check-package "$PKG/x86" --arch x86
run "$OFFSTAGE" check-package "$PKG/amd64" --arch amd64 --verbose
echo
echo "Will the contract-v1 package bind the Aero virtio-snd device (REV_01)?"
run "$OFFSTAGE" match --driver "$PKG/amd64" --pci 1af4:1059:00191af4:01 --arch amd64
echo
echo "And QEMU's default transitional virtio-snd (DEV_1018)?"
run "$OFFSTAGE" match --driver "$PKG/amd64/aero_virtio_snd.inf" --pci 1af4:1018:00191af4:00 --arch amd64
exit 0
