#!/bin/sh
# `make demo`: the main job on the built-in example. Makes a Windows 7 x64
# test image (a stand-in, not Windows), stages the example virtio-snd driver
# package into it so that Plug and Play would bind it on first boot, shows
# what changed, then does the same into every edition of an install.wim.
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

# The same into install media: a two-edition install.wim, serviced in place.
if command -v wimlib-imagex >/dev/null 2>&1; then
    WIM="$BUILD/demo/install.wim"
    rm -rf "$WIM" "$BUILD/demo/win7-x64-pro"
    "$OFFSTAGE" make-test-image --arch amd64 --edition Professional "$BUILD/demo/win7-x64-pro" > /dev/null
    wimlib-imagex capture "$BUILD/demo/win7-x64-pro" "$WIM" "Windows 7 PROFESSIONAL" --compress=LZX > /dev/null
    wimlib-imagex append "$IMG" "$WIM" "Windows 7 ULTIMATE" > /dev/null
    run "$OFFSTAGE" wim-info "$WIM"
    run "$OFFSTAGE" add-driver --image "$WIM" --index all --driver "$PKG/amd64/aero_virtio_snd.inf" --force-unsigned
    run "$OFFSTAGE" get-drivers --image "$WIM" --index 1
fi
echo
echo "The package is unsigned (the example has no catalog yet): Windows 7 x64 would"
echo "stage it and then refuse to load it (Code 52); check-package says so above."
exit 0
