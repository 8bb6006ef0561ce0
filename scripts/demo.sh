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

# One argument as the shell reads it back: left bare when it holds only
# characters no shell treats specially, else in single quotes (a quote in it
# as '\''), so a printed line pasted into a shell runs the same command.
shquote() {
    case $1 in
    '' | *[!A-Za-z0-9_./:=,+@%-]*) printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
    *) printf '%s' "$1" ;;
    esac
}

# Prints `$ COMMAND`, shell-quoted.
show() {
    printf '\n$'
    for a in "$@"; do printf ' %s' "$(shquote "$a")"; done
    printf '\n'
}

# Prints the command, runs it and prints its exit status when it is not 0.
run() {
    show "$@"
    "$@"
    rc=$?
    [ "$rc" -eq 0 ] || printf '(exit %s)\n' "$rc"
    return "$rc"
}

# run, for a command whose expected answer is a "no" (exit 1): says so, so
# that the status is not read as a failure of the demo.
run_expect_no() {
    why=$1
    shift
    show "$@"
    "$@"
    rc=$?
    if [ "$rc" -eq 1 ]; then
        printf '(exit 1, the expected answer: %s)\n' "$why"
    elif [ "$rc" -ne 0 ]; then
        printf '(exit %s)\n' "$rc"
    fi
    return "$rc"
}

devicepath() {
    if command -v hivexget >/dev/null 2>&1; then
        printf 'DevicePath = %s\n' "$(hivexget "$IMG/Windows/System32/config/SOFTWARE" \
            '\Microsoft\Windows\CurrentVersion' DevicePath)"
    fi
}

rm -rf "$IMG" "$BUILD/demo/testcert"
mkdir -p "$(dirname "$IMG")"
echo "offstage demo: stage the example virtio-snd driver into an offline Windows 7 x64"
run "$OFFSTAGE" make-test-image --arch amd64 --with-device 1af4:1059:00191af4:01 "$IMG"
devicepath
# The example package has no catalog: on x64 it would stage and never load.
run_expect_no "the package has no signed catalog yet, test-signing below makes one" \
    "$OFFSTAGE" check-package "$PKG/amd64/aero_virtio_snd.inf" --image "$IMG"
run "$OFFSTAGE" match --driver "$PKG/amd64" --pci 1af4:1059:00191af4:01
# Test-sign it on the way in: catalog made and signed into the staged copy,
# certificate trusted in ROOT and TrustedPublisher, testsigning on.
run "$OFFSTAGE" make-test-cert --out "$BUILD/demo/testcert"
run "$OFFSTAGE" add-driver --image "$IMG" --driver "$PKG/amd64/aero_virtio_snd.inf" --test-sign \
    --test-sign-dir "$BUILD/demo/testcert"
devicepath
run "$OFFSTAGE" get-drivers --image "$IMG"
run "$OFFSTAGE" get-certs --image "$IMG"
run "$OFFSTAGE" bcd --image "$IMG" --check testsigning
# The device was enumerated but Windows has not installed a driver yet: what
# doctor says before the first boot, and the seed's bring-up toggle.
run "$OFFSTAGE" doctor --image "$IMG"
run "$OFFSTAGE" set-param --image "$IMG" --device 'PCI\VEN_1AF4&DEV_1059' ForceNullBackend=1

# The same into install media: a two-edition install.wim, serviced in place.
if command -v wimlib-imagex >/dev/null 2>&1; then
    WIM="$BUILD/demo/install.wim"
    rm -rf "$WIM" "$BUILD/demo/win7-x64-pro"
    "$OFFSTAGE" make-test-image --arch amd64 --edition Professional "$BUILD/demo/win7-x64-pro" > /dev/null
    wimlib-imagex capture "$BUILD/demo/win7-x64-pro" "$WIM" "Windows 7 PROFESSIONAL" --compress=LZX > /dev/null
    "$OFFSTAGE" make-test-image --arch amd64 "$BUILD/demo/win7-x64-ult" > /dev/null
    wimlib-imagex append "$BUILD/demo/win7-x64-ult" "$WIM" "Windows 7 ULTIMATE" > /dev/null
    rm -rf "$BUILD/demo/win7-x64-ult"
    run "$OFFSTAGE" wim-info "$WIM"
    run "$OFFSTAGE" add-driver --image "$WIM" --index all --driver "$PKG/amd64/aero_virtio_snd.inf" --test-sign \
        --test-sign-dir "$BUILD/demo/testcert"
    run "$OFFSTAGE" get-drivers --image "$WIM" --index 1
fi
echo
echo "Staged and test-signed: on first boot Plug and Play finds the package through"
echo "DevicePath, installs it silently and loads it (testsigning is on)."
exit 0
