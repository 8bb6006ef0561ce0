#!/bin/sh
# Installs the Debian packages offstage needs to build and test, and only
# those that are missing, so that `make demo` and `make check` work on a
# fresh Debian 12 machine and cost nothing when everything is present.
set -eu

# One package per line; keep in step with README.md "Dependencies".
PACKAGES="
make
gcc
pkg-config
libjansson-dev
libcmocka-dev
gcc-mingw-w64-x86-64
gcc-mingw-w64-i686
binutils-mingw-w64-x86-64
binutils-mingw-w64-i686
clang
libclang-rt-14-dev
libhivex-dev
libssl-dev
libwim-dev
ntfs-3g
ntfs-3g-dev
qemu-utils
libnbd-dev
libnbd-bin
mtools
dosfstools
fdisk
wimtools
7zip
xorriso
genisoimage
libhivex-bin
libwin-hivex-perl
reglookup
openssl
strace
osslsigncode
xz-utils
dpkg-dev
debhelper
lintian
man-db
groff-base
zsh
"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "offstage: installing missing build dependencies:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "offstage: not root and no sudo; install these packages and retry:$missing" >&2
    exit 2
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >&2
