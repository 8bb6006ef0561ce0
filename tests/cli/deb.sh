# CLI tests for the Debian packages (make deb, debian/): what each package
# holds and depends on, read with dpkg-deb, and the three extracted into a
# folder (no root): the command runs, and a program builds from the -dev
# package's header and offstage.pc and runs against liboffstage0's library.
#
# In make check the packages are made from this build's objects (make deb
# DEB_PREBUILT, about half the time of compiling anew), without lintian:
# what is checked is the packaging. OST_DEB_FULL=1 (make soak) runs `make
# deb` as it is: compiled with Debian's flags, then lintian, which fails it
# on an error.
. tests/cli/lib.sh

ROOT=$(pwd)
if nm "$BUILD/liboffstage.a" 2>/dev/null | grep -q ' U __asan_'; then
    # the packaging does not change with the sanitizers; the plain pass checks it
    echo "skip deb.sh: a sanitizer build ($BUILD) is not packaged"
    exit 0
fi
part() { sed -n "s/^#define OST_VERSION_$1 \([0-9][0-9]*\)\$/\1/p" lib/base/version.h; }
MAJOR=$(part MAJOR)
VER="$MAJOR.$(part MINOR).$(part PATCH)"
ARCH=$(dpkg --print-architecture)
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null)
DEBS="$TMP/deb"

cv=$(dpkg-parsechangelog -l debian/changelog -S Version)
if [ "$cv" = "$VER" ]; then ok "debian/changelog's version is version.h's ($VER)"
else not_ok "debian/changelog version" "'$cv', lib/base/version.h says $VER: add a changelog entry (dch -v $VER)"; fi

if [ "${OST_DEB_FULL:-0}" = 1 ]; then
    ${MAKE:-make} --no-print-directory -C "$ROOT" BUILD="$BUILD" DEB_DIR="$DEBS" deb >"$OUT" 2>"$ERR"
    STATUS=$?
    expect_status "make deb: compiled with Debian's flags, lintian reports no error" 0
    grep -E '^[EW]: ' "$OUT" "$ERR" | sed 's/^[^:]*:/lintian said: /'
else
    DEB_BUILD_OPTIONS="noautodbgsym nocheck" ${MAKE:-make} --no-print-directory -C "$ROOT" BUILD="$BUILD" \
        DEB_DIR="$DEBS" DEB_PREBUILT="$BUILD" DEB_LINTIAN= deb >"$OUT" 2>"$ERR"
    STATUS=$?
    expect_status "make deb DEB_PREBUILT=$BUILD" 0
    if grep -Eq '^(cc|gcc) .* -c ' "$OUT"; then not_ok "nothing compiled anew" "$(grep -E '^(cc|gcc) .* -c ' "$OUT" | head -2)"
    else ok "nothing compiled anew"; fi
fi
BIN="$DEBS/offstage_${VER}_$ARCH.deb"
LIB="$DEBS/liboffstage${MAJOR}_${VER}_$ARCH.deb"
DEV="$DEBS/liboffstage-dev_${VER}_$ARCH.deb"
for d in "$BIN" "$LIB" "$DEV"; do
    if [ -f "$d" ]; then ok "$(basename "$d") made"; else not_ok "$(basename "$d")" "missing: $(ls "$DEBS" 2>&1)"; fi
done
[ -f "$BIN" ] && [ -f "$LIB" ] && [ -f "$DEV" ] || exit 1

# contents: dpkg-deb -c, without the documentation every package carries
contents() {
    dpkg-deb -c "$1" | awk '{ t = substr($1, 1, 1); print t, $6 (t == "l" ? " -> " $8 : "") }' |
        grep -v '^d' | grep -v ' \./usr/share/doc/'
}
contents "$BIN" >"$TMP/bin.c"
contents "$LIB" >"$TMP/lib.c"
contents "$DEV" >"$TMP/dev.c"
if grep -qx -- '- ./usr/bin/offstage' "$TMP/bin.c" && ! grep -v -e ' ./usr/bin/offstage$' -e ' ./usr/share/man/man1/offstage' \
    -e ' ./usr/share/bash-completion/completions/offstage$' -e ' ./usr/share/zsh/vendor-completions/_offstage$' "$TMP/bin.c" | grep -q .; then
    ok "offstage: usr/bin/offstage (and man pages, completions), no library"
else not_ok "offstage contents" "$(cat "$TMP/bin.c")"; fi
printf '%s\n' "- ./usr/lib/$MA/liboffstage.so.$VER" "l ./usr/lib/$MA/liboffstage.so.$MAJOR -> liboffstage.so.$VER" >"$TMP/lib.want"
if sort "$TMP/lib.c" | cmp -s - "$TMP/lib.want"; then ok "liboffstage$MAJOR: the library and its soname link, in usr/lib/$MA"
else not_ok "liboffstage$MAJOR contents" "$(diff "$TMP/lib.want" "$TMP/lib.c")"; fi
nh=$(grep -c " ./usr/include/offstage/[a-z_0-9]*\.h\$" "$TMP/dev.c")
nwant=$(sh scripts/public-headers.sh | wc -l)
if [ "$nh" = "$nwant" ] && grep -qx -- "- ./usr/lib/$MA/liboffstage.a" "$TMP/dev.c" &&
    grep -qx -- "l ./usr/lib/$MA/liboffstage.so -> liboffstage.so.$VER" "$TMP/dev.c" &&
    grep -qx -- "- ./usr/lib/$MA/pkgconfig/offstage.pc" "$TMP/dev.c" && grep -qx -- "- ./usr/include/offstage.h" "$TMP/dev.c" &&
    [ "$(wc -l <"$TMP/dev.c")" = $((nh + 4)) ]; then
    ok "liboffstage-dev: offstage.h, the $nh public headers under offstage/, liboffstage.a, the .so link, offstage.pc"
else not_ok "liboffstage-dev contents" "$nh headers of $nwant; $(grep -v include/ "$TMP/dev.c")"; fi

# ---- fields ----------------------------------------------------------------------
field() { dpkg-deb -f "$1" "$2"; }
has_all() { # NAME TEXT WORD...: TEXT (a Depends line) names each package WORD
    name=$1 text=", $2,"
    shift 2
    for w in "$@"; do
        case $text in *", $w "* | *", $w,"* | *"| $w "* | *"| $w,"*) ;; *) not_ok "$name" "no $w in: $2"; return ;; esac
    done
    ok "$name"
}
runtime="libc6 libjansson4 libhivex0 libssl3 libwim15 libntfs-3g89 libnbd0"
# shellcheck disable=SC2086
has_all "offstage Depends on the libraries it links ($runtime)" "$(field "$BIN" Depends)" $runtime
# shellcheck disable=SC2086
has_all "liboffstage$MAJOR Depends on the same" "$(field "$LIB" Depends)" $runtime
has_all "liboffstage-dev Depends on liboffstage$MAJOR of its version and the -dev of every library" \
    "$(field "$DEV" Depends)" "liboffstage$MAJOR (= $VER)" libjansson-dev libhivex-dev libssl-dev libwim-dev \
    ntfs-3g-dev libnbd-dev
has_all "offstage Recommends the disk tools it runs" "$(field "$BIN" Recommends)" qemu-utils mtools dosfstools
has_all "and Suggests the media and test-disk ones" "$(field "$BIN" Suggests)" 7zip xorriso fdisk ntfs-3g
versions=$(for d in "$BIN" "$LIB" "$DEV"; do field "$d" Version; done | sort -u)
if [ "$versions" = "$VER" ]; then ok "every package is version $VER"; else not_ok "versions" "$versions"; fi
shl=$(dpkg-deb -I "$LIB" shlibs 2>&1)
if [ "$shl" = "liboffstage $MAJOR liboffstage$MAJOR (>= $VER)" ]; then ok "shlibs: $shl"; else not_ok "shlibs" "$shl"; fi
if [ "$(field "$LIB" Multi-Arch)" = same ] && [ "$(field "$DEV" Multi-Arch)" = same ]; then ok "the library packages are Multi-Arch: same"
else not_ok "Multi-Arch" "$(field "$LIB" Multi-Arch) $(field "$DEV" Multi-Arch)"; fi

# ---- extracted ---------------------------------------------------------------------
X="$TMP/x"
for d in "$BIN" "$LIB" "$DEV"; do dpkg-deb -x "$d" "$X"; done
soname=$(readelf -d "$X/usr/lib/$MA/liboffstage.so.$VER" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" = "liboffstage.so.$MAJOR" ]; then ok "the packaged library's SONAME, liboffstage.so.$MAJOR, names its package"
else not_ok "SONAME" "'$soname'"; fi
run_x() { "$X/usr/bin/offstage" "$@" >"$OUT" 2>"$ERR"; STATUS=$?; }
run_x --version
expect_status "the extracted usr/bin/offstage runs" 0
expect_out "and says its version" "^offstage $VER\$"
run_x check-package "$EXAMPLE/amd64"
expect_status "and checks the example package" 0
PC() { PKG_CONFIG_SYSROOT_DIR="$X" PKG_CONFIG_PATH="$X/usr/lib/$MA/pkgconfig" pkg-config "$@"; }
mkdir "$TMP/user"
cp tests/data/pkgconfig_user.c "$TMP/user/"
# shellcheck disable=SC2046
(cd "$TMP/user" && ${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -o user pkgconfig_user.c \
    $(PC --cflags --libs offstage)) >"$OUT" 2>"$ERR"
STATUS=$?
expect_status "a program builds from liboffstage-dev's header and offstage.pc" 0
LD_LIBRARY_PATH="$X/usr/lib/$MA" "$TMP/user/user" "$ROOT/$EXAMPLE/amd64/aero_virtio_snd.inf" >"$OUT" 2>"$ERR"
STATUS=$?
expect_status "and runs against liboffstage$MAJOR's library" 0
expect_out "which is version $VER" "^version $VER\$"
expect_out "and checks the INF" "^arch amd64 stageable yes files 1\$"
