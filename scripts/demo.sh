#!/bin/sh
# `make demo`: the main job on the built-in example. Makes a Windows 7 x64
# test image (a stand-in, not Windows), stages the example virtio-snd driver
# package into it so that Plug and Play would bind it on first boot, and
# shows what changed.
set -u
BUILD=${1:-build}
OFFSTAGE="$BUILD/offstage"
PKG="$BUILD/examples/virtio-snd"
IMG="$BUILD/demo/win7-x64"

run() {
    printf '\n$ %s\n' "$*"
    "$@"
    printf '(exit %s)\n' "$?"
}

devicepath() {
    if command -v hivexget >/dev/null 2>&1; then
        printf 'DevicePath = %s\n' "$(hivexget "$IMG/Windows/System32/config/SOFTWARE" \
            '\Microsoft\Windows\CurrentVersion' DevicePath)"
    fi
}

rm -rf "$IMG"
mkdir -p "$(dirname "$IMG")"
echo "offstage demo: stage the example virtio-snd driver into an offline Windows 7 x64"
run "$OFFSTAGE" make-test-image --arch amd64 --with-device 1af4:1059:00191af4:01 "$IMG"
devicepath
run "$OFFSTAGE" check-package "$PKG/amd64" --arch amd64
run "$OFFSTAGE" match --driver "$PKG/amd64" --pci 1af4:1059:00191af4:01
run "$OFFSTAGE" add-driver --image "$IMG" --driver "$PKG/amd64" --force-unsigned
devicepath
run "$OFFSTAGE" get-drivers --image "$IMG"
run "$OFFSTAGE" get-driver-info --image "$IMG" --driver aero_virtio_snd.inf
echo
echo "The package is unsigned (the example has no catalog yet): Windows 7 x64 would"
echo "stage it and then refuse to load it (Code 52); check-package says so above."
exit 0
