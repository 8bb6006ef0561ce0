#!/bin/sh
# check-structure.sh BUILD — the library's layering rules, checked on the
# tree and the objects `make` built (run by `make test`):
#   1. the CLI includes only offstage.h and its own headers (cli/*.h);
#   2. offstage.h compiles alone, as a program outside the tree includes it;
#   3. every library header compiles with every other in one file;
#   4. no header includes one from a layer above its own (lib/LAYER/);
#   5. no two library files call each other, directly or round a loop.
set -u
BUILD=${1:-build}
CC=${CC:-cc}
fail=0
bad() { echo "check-structure: $*" >&2; fail=1; }

LAYERS="base format crypto catalog image driver ops"
# the compiler flags of the build (make passes its own), without the
# library's permission to include its private headers
FLAGS=${CHECK_CFLAGS:-"-std=c11 -D_DEFAULT_SOURCE -Ilib $(for l in $LAYERS; do printf -- '-Ilib/%s ' "$l"; done)"}

# 1: by name, whatever the spelling: "x.h", "../lib/base/x.h", <x.h>
# (the CLI is compiled with every layer on its include path)
{ ls lib/*.h lib/*/*.h | sed 's|.*/|L |'; ls cli/*.h | sed 's|.*/|C |'; } >"$BUILD/structure-names"
awk '
FILENAME == names { kind[$2] = $1; next }
/^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]/ {
    line = $0; sub(/^[^"<]*["<]/, "", line); h = line; sub(/[">].*/, "", h)
    base = h; sub(/.*\//, "", base)
    if (index($0, "\"")) {
        if (h == "offstage.h" || (h !~ /\// && kind[h] == "C")) next
        print FILENAME ":" FNR ": includes " h
    } else if (kind[base] == "L") {
        print "angle " base " " FILENAME ":" FNR ": includes " h
    }
}' names="$BUILD/structure-names" "$BUILD/structure-names" cli/*.c cli/*.h |
while IFS= read -r found; do
    case $found in
    angle\ *)
        set -- $found
        # a system header that shares a library header's name
        printf '#include <%s>\n' "$2" | $CC -E -x c - >/dev/null 2>&1 && continue
        found=${found#angle $2 } ;;
    esac
    echo "$found, a library header or a path out of cli/: include \"offstage.h\""
done >"$BUILD/structure.cli" 2>&1
[ -s "$BUILD/structure.cli" ] && { cat "$BUILD/structure.cli" >&2; bad "the CLI uses liboffstage only through offstage.h"; }

# 2 and 3 (CHECK_STRUCTURE_COMPILE=0 skips them, for tests of the include rules)
if [ "${CHECK_STRUCTURE_COMPILE:-1}" != 0 ]; then
printf '#include "offstage.h"\nint main(void) { return ost_version()[0] == 0; }\n' >"$BUILD/structure-public.c"
$CC $FLAGS -c "$BUILD/structure-public.c" -o "$BUILD/structure-public.o" ||
    bad "offstage.h does not compile alone"
ls lib/*/*.h | sed 's|.*/\(.*\)|#include "\1"|' >"$BUILD/structure-all.c"
$CC $FLAGS -DOST_BUILDING_LIBRARY -fsyntax-only \
    "$BUILD/structure-all.c" || bad "the library's headers do not compile together"
fi

# 4
ls lib/*/*.h | awk -F/ '{ print $2, $3 }' >"$BUILD/structure-headers"
awk '/^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]/ {
    h = $0; sub(/^[^"<]*["<]/, "", h); sub(/[">].*/, "", h); print FILENAME, h
}' lib/*/*.c lib/*/*.h | awk -v layers="$LAYERS" '
BEGIN { n = split(layers, l, " "); for (i = 1; i <= n; i++) rank[l[i]] = i }
FILENAME != "-" { layer_of[$2] = $1; next }
{
    split($1, part, "/"); own = part[2]
    h = $2; sub(/.*\//, "", h)  # "../ops/x.h", "ops/x.h" and "x.h" are one header
    if ((h in layer_of) && rank[layer_of[h]] > rank[own]) {
        print "check-structure: " $1 " includes " $2 " from lib/" layer_of[h] ", a layer above its own"; bad = 1
    }
}
END { exit bad }' "$BUILD/structure-headers" - >&2 || fail=1

# 5
for o in "$BUILD"/obj/lib/*/*.o; do
    n=$(basename "$o" .o)
    nm "$o" | awk -v f="$n" '$1 == "U" { print "U", f, $2 } NF == 3 && $2 ~ /^[TDBR]$/ { print "D", f, $3 }'
done | awk '
$1 == "D" { def[$3] = $2; next }
$1 == "U" { use[++n] = $2 " " $3 }
END {
    for (i = 1; i <= n; i++) {
        split(use[i], a, " ")
        if ((a[2] in def) && def[a[2]] != a[1]) { e[a[1] "," def[a[2]]] = 1; node[a[1]] = 1; node[def[a[2]]] = 1 }
    }
    for (k in node) for (i in node) if ((i "," k) in e) for (j in node) if ((k "," j) in e) e[i "," j] = 1
    bad = 0
    for (i in node) for (j in node)
        if (i < j && ((i "," j) in e) && ((j "," i) in e)) { print "check-structure: " i ".c and " j ".c call each other (directly or round a loop)"; bad = 1 }
    exit bad
}' >&2 || fail=1

[ $fail -eq 0 ] && echo "ok structure (CLI includes, offstage.h alone, headers together, layers, call cycles)"
exit $fail
