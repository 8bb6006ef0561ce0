# CLI tests for `make install` and `make uninstall` into a DESTDIR: the
# files and links in place, the shared library's soname and exports, the
# installed headers on their own, offstage.pc as a program outside the tree
# uses it (tests/data/pkgconfig_user.c, built from nothing but what
# pkg-config says and run against the installed library), the command
# itself linked against the shared library, a repeated install, and an
# uninstall that leaves no file behind.
. tests/cli/lib.sh

ROOT=$(pwd)
D="$TMP/dest"
P=/usr/local
LIBD="$D$P/lib"
INC="$D$P/include/offstage"
minstall() { # TARGET [VAR=VALUE...]: make TARGET in the tree, with this test's build
    ${MAKE:-make} --no-print-directory -C "$ROOT" BUILD="$BUILD" "$@" >"$OUT" 2>"$ERR"
    STATUS=$?
}
part() { sed -n "s/^#define OST_VERSION_$1 \([0-9][0-9]*\)\$/\1/p" lib/base/version.h; }
MAJOR=$(part MAJOR)
VER="$MAJOR.$(part MINOR).$(part PATCH)"
# a sanitizer build: what links with its objects needs the same runtime
SAN=""
nm "$BUILD/liboffstage.a" 2>/dev/null | grep -q ' U __asan_' && SAN="-fsanitize=address,undefined"

# what is installed, one line each: type, path, link target or checksum
listing() {
    (cd "$D" && find . -mindepth 1 ! -type d | sort | while IFS= read -r f; do
        if [ -L "$f" ]; then echo "link $f -> $(readlink "$f")"; else echo "file $f $(sha256sum <"$f" | cut -c1-16)"; fi
    done)
}

minstall install DESTDIR="$D" PREFIX=$P
expect_status "make install DESTDIR=... PREFIX=$P" 0

# ---- the files ---------------------------------------------------------------
{
    echo ".$P/bin/offstage"
    echo ".$P/lib/liboffstage.a"
    echo ".$P/lib/liboffstage.so"
    echo ".$P/lib/liboffstage.so.$MAJOR"
    echo ".$P/lib/liboffstage.so.$VER"
    echo ".$P/lib/pkgconfig/offstage.pc"
    echo ".$P/include/offstage.h"
    [ -f completion/offstage.bash ] && echo ".$P/share/bash-completion/completions/offstage"
    [ -f completion/_offstage ] && echo ".$P/share/zsh/vendor-completions/_offstage"
} | sort >"$TMP/expected"
(cd "$D" && find . ! -type d | grep -v "^\.$P/include/offstage/" | grep -v "^\.$P/share/man/man1/" | sort) >"$TMP/got"
if cmp -s "$TMP/expected" "$TMP/got"; then ok "bin, lib (.so.$VER, its links, .a), offstage.pc and completions in place"
else not_ok "installed files" "$(diff "$TMP/expected" "$TMP/got")"; fi
bad=$(cd "$D" && find ".$P/share/man/man1" -type f ! -name 'offstage*.1' 2>/dev/null)
if [ -z "$bad" ]; then ok "man1 holds offstage's pages only"; else not_ok "man pages" "$bad"; fi
for c in offstage.bash:bash-completion/completions/offstage _offstage:zsh/vendor-completions/_offstage; do
    src=completion/${c%%:*}
    [ -f "$src" ] || continue
    if cmp -s "$src" "$D$P/share/${c#*:}"; then ok "$src installed as share/${c#*:}"; else not_ok "$src" "differs"; fi
done
if [ -x "$D$P/bin/offstage" ] && [ "$("$D$P/bin/offstage" --version)" = "$("$OFFSTAGE" --version)" ]; then
    ok "the installed offstage runs"
else not_ok "installed offstage" "$("$D$P/bin/offstage" --version 2>&1)"; fi
if [ "$(readlink "$LIBD/liboffstage.so.$MAJOR")" = "liboffstage.so.$VER" ] &&
    [ "$(readlink "$LIBD/liboffstage.so")" = "liboffstage.so.$VER" ]; then
    ok "liboffstage.so and .so.$MAJOR link to .so.$VER"
else not_ok "links" "$(ls -l "$LIBD")"; fi
soname=$(readelf -d "$LIBD/liboffstage.so.$VER" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" = "liboffstage.so.$MAJOR" ]; then ok "SONAME liboffstage.so.$MAJOR (major of version.h)"
else not_ok "SONAME" "'$soname'"; fi
if [ "$(stat -c %a "$LIBD/liboffstage.so.$VER")" = 644 ] && [ "$(stat -c %a "$D$P/bin/offstage")" = 755 ]; then
    ok "modes: the library 644, the command 755"
else not_ok "modes" "$(stat -c '%a %n' "$LIBD/liboffstage.so.$VER" "$D$P/bin/offstage")"; fi

# ---- the shared library's exports ------------------------------------------------
nm -D --defined-only "$LIBD/liboffstage.so.$VER" | awk 'NF == 3 { print $3 }' >"$TMP/exports"
leak=$(grep -v '^[oO][sS][tT]_' "$TMP/exports" | head -5)
if [ -s "$TMP/exports" ] && [ -z "$leak" ]; then ok "exports only ost_ names ($(wc -l <"$TMP/exports"))"
else not_ok "exports" "${leak:-none}"; fi
if grep -qx ost_package_check "$TMP/exports" && ! grep -qx ost_run_program "$TMP/exports"; then
    ok "a public function is exported, a private header's (run.h ost_run_program) is not"
else not_ok "exports" "ost_package_check: $(grep -cx ost_package_check "$TMP/exports"), ost_run_program: $(grep -cx ost_run_program "$TMP/exports")"; fi

# ---- the headers -----------------------------------------------------------------
# the set offstage.h reads, by the preprocessor, is exactly the set installed
printf '#include "offstage.h"\n' >"$TMP/h.c"
(cd "$TMP" && ${CC:-cc} -std=c11 -D_DEFAULT_SOURCE -I"$D$P/include" -MM h.c) 2>"$ERR" | tr ' \\' '\n\n' |
    grep "^$INC/" | sed 's|.*/||' | sort -u >"$TMP/read"
ls "$INC" | sort >"$TMP/installed"
if [ -s "$TMP/read" ] && cmp -s "$TMP/read" "$TMP/installed"; then
    ok "include/offstage: exactly the $(wc -l <"$TMP/installed") headers offstage.h pulls in"
else not_ok "installed headers" "$(diff "$TMP/read" "$TMP/installed" | head) $(head -3 "$ERR")"; fi
if grep -l 'private to liboffstage' "$INC"/*.h >"$TMP/private"; then not_ok "no private header installed" "$(cat "$TMP/private")"
else ok "no private header installed"; fi
# a library offstage.pc does not name in Requires would leave a program without its -I
STD='assert|complex|ctype|errno|fenv|float|inttypes|iso646|limits|locale|math|setjmp|signal|stdalign|stdarg|stdatomic|stdbool|stddef|stdint|stdio|stdlib|stdnoreturn|string|tgmath|threads|time|uchar|wchar|wctype|dirent|fcntl|poll|pthread|unistd|sys/types|sys/stat'
foreign=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*<\([^>]*\)>.*/\1/p' "$INC"/*.h | sort -u |
    grep -vxE "($STD|jansson)\.h" | tr '\n' ' ')
if [ -z "$foreign" ]; then ok "the installed headers include C, POSIX and <jansson.h> (Requires: jansson) only"
else not_ok "system headers" "$foreign: add its pkg-config module to PC_REQUIRES in mk/install.mk"; fi

# ---- offstage.pc ---------------------------------------------------------------------
PC() { PKG_CONFIG_SYSROOT_DIR="$D" PKG_CONFIG_PATH="$LIBD/pkgconfig" pkg-config "$@"; }
pcver=$(PC --modversion offstage 2>"$ERR")
if [ "$pcver" = "$VER" ] && [ "$("$OFFSTAGE" --version)" = "offstage $VER" ]; then ok "offstage.pc version $VER, as offstage --version"
else not_ok "offstage.pc version" "'$pcver', offstage says '$("$OFFSTAGE" --version)'"; fi
flags=$(PC --cflags --libs offstage 2>"$ERR")
case " $flags " in
*" -I$D$P/include "*" -L$LIBD "*-loffstage*-ljansson*) ok "pkg-config --cflags --libs offstage: the installed include and lib, -loffstage -ljansson" ;;
*) not_ok "pkg-config --cflags --libs offstage" "'$flags' $(cat "$ERR")" ;;
esac

# the public headers do not hide the system's: offstage/error.h is not <error.h>
printf '#include <error.h>\n#include "offstage.h"\nint main(void) { error(0, 0, "%%s", "x"); return 0; }\n' >"$TMP/sys.c"
# shellcheck disable=SC2086
(cd "$TMP" && ${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Werror -c -o sys.o sys.c $(PC --cflags offstage)) >"$OUT" 2>"$ERR"
STATUS=$?
expect_status "a program including glibc's <error.h> and offstage.h compiles (include/offstage.h, -I on include)" 0
if [ -f "$D$P/include/offstage.h" ] && grep -qx '#include "offstage/offstage.h"' "$D$P/include/offstage.h"; then
    ok "include/offstage.h names offstage/offstage.h"
else not_ok "include/offstage.h" "$(cat "$D$P/include/offstage.h" 2>&1)"; fi

# ---- a program outside the tree ------------------------------------------------------
mkdir "$TMP/user"
cp tests/data/pkgconfig_user.c "$TMP/user/"
INF="$ROOT/$EXAMPLE/amd64/aero_virtio_snd.inf"
# shellcheck disable=SC2086
(cd "$TMP/user" && ${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -pedantic -Wall -Wextra -Werror $SAN \
    -o user pkgconfig_user.c $flags) >"$OUT" 2>"$ERR"
STATUS=$?
expect_status "a strict C11 program builds from the installed header and pkg-config alone" 0
needed=$(readelf -d "$TMP/user/user" 2>/dev/null | grep -c 'NEEDED.*\[liboffstage.so.'"$MAJOR"'\]')
if [ "$needed" = 1 ]; then ok "it needs liboffstage.so.$MAJOR"; else not_ok "NEEDED" "$(readelf -d "$TMP/user/user" 2>&1 | grep NEEDED)"; fi
LD_LIBRARY_PATH="$LIBD" "$TMP/user/user" "$INF" >"$OUT" 2>"$ERR"
STATUS=$?
expect_status "it runs against the installed library" 0
expect_out "ost_version() is offstage --version" "^version $VER\$"
expect_out "OST_VERSION from the installed version.h" "^built against $VER\$"
expect_out "ost_package_check read the example INF" "^inf aero_virtio_snd.inf\$"
expect_out "and found its driver stageable for amd64" "^arch amd64 stageable yes files 1\$"
expect_out "and its .sys an AMD64 PE file" "^file aero_virtio_snd.sys amd64\$"
lib_used=$(LD_LIBRARY_PATH="$LIBD" ldd "$TMP/user/user" 2>/dev/null | sed -n 's/.*liboffstage.so.[0-9]* => \([^ ]*\).*/\1/p')
if [ "$lib_used" = "$LIBD/liboffstage.so.$MAJOR" ]; then ok "the library it loads is the installed one"
else not_ok "the library loaded" "'$lib_used'"; fi

# the same program against the installed archive: Libs.private is complete
static_flags=$(PC --static --libs offstage | sed "s|-loffstage|$LIBD/liboffstage.a|")
# shellcheck disable=SC2046,SC2086
(cd "$TMP/user" && ${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L $SAN $(PC --cflags offstage) \
    -o user-static pkgconfig_user.c $static_flags) >"$OUT" 2>"$ERR"
STATUS=$?
expect_status "it links with liboffstage.a and pkg-config --static --libs" 0
"$TMP/user/user-static" "$INF" >"$TMP/static.out" 2>"$ERR"
LD_LIBRARY_PATH="$LIBD" "$TMP/user/user" "$INF" >"$TMP/shared.out" 2>&1
if cmp -s "$TMP/static.out" "$TMP/shared.out"; then ok "and says the same"; else not_ok "static" "$(diff "$TMP/shared.out" "$TMP/static.out")"; fi

# the command, linked against the shared library: every name it uses is exported
# shellcheck disable=SC2086
${CC:-cc} $SAN -o "$TMP/offstage-shared" "$BUILD"/obj/cli/*.o $flags >"$OUT" 2>"$ERR"
STATUS=$?
expect_status "the CLI's objects link against liboffstage.so" 0
"$OFFSTAGE" check-package "$EXAMPLE/amd64" >"$TMP/cli-static.out" 2>&1
s1=$?
LD_LIBRARY_PATH="$LIBD" "$TMP/offstage-shared" check-package "$EXAMPLE/amd64" >"$TMP/cli-shared.out" 2>&1
s2=$?
if [ "$s1" = "$s2" ] && [ -s "$TMP/cli-shared.out" ] && cmp -s "$TMP/cli-static.out" "$TMP/cli-shared.out"; then
    ok "and check-package says the same through it (exit $s2)"
else not_ok "shared CLI" "exit $s1 / $s2: $(diff "$TMP/cli-static.out" "$TMP/cli-shared.out" | head -5)"; fi

# ---- again, then away ------------------------------------------------------------------
listing >"$TMP/first"
echo stale >"$INC/stale.h"
minstall install DESTDIR="$D" PREFIX=$P
expect_status "a second make install" 0
listing >"$TMP/second"
if cmp -s "$TMP/first" "$TMP/second"; then ok "installs the same files and links again (a stale header is gone)"
else not_ok "repeated install" "$(diff "$TMP/first" "$TMP/second" | head)"; fi

minstall uninstall DESTDIR="$D" PREFIX=$P
expect_status "make uninstall" 0
left=$(cd "$D" && find . ! -type d | head -5)
if [ -z "$left" ] && [ ! -e "$INC" ]; then ok "uninstall leaves no file, and no include/offstage"
else not_ok "uninstall" "left: $left"; fi
minstall uninstall DESTDIR="$D" PREFIX=$P
expect_status "uninstall again: nothing to do, no error" 0
