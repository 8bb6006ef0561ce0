# CLI tests for scripts/check-structure.sh: a layering break is caught
# whatever spelling the #include uses. Each case plants one include in a
# copy of the tree and runs the check there.
. "$(dirname "$0")/lib.sh"

TREE="$TMP/tree"
mkdir -p "$TREE/b" && cp -r cli lib scripts "$TREE/"

# plant NAME FILE LINE PATTERN: the check fails on FILE with LINE prepended,
# saying PATTERN; PATTERN - : it passes
plant() {
    cp "$TREE/$2" "$TMP/orig"
    { printf '%s\n' "$3"; cat "$TMP/orig"; } >"$TREE/$2"
    (cd "$TREE" && CC=${CC:-cc} CHECK_STRUCTURE_COMPILE=0 sh scripts/check-structure.sh b) >"$OUT" 2>"$ERR"
    STATUS=$?
    cp "$TMP/orig" "$TREE/$2"
    if [ "$4" = - ]; then expect_status "$1" 0
    elif [ "$STATUS" -ne 0 ] && grep -Eq -- "$4" "$ERR"; then ok "$1"
    else not_ok "$1" "exit $STATUS; stderr lacks /$4/"; fi
}

(cd "$TREE" && CC=${CC:-cc} sh scripts/check-structure.sh b) >"$OUT" 2>"$ERR"
STATUS=$?
expect_status "the tree as it is passes" 0

plant "a CLI header including a library header by a path" cli/cli.h '#include "../lib/base/fileutil.h"' \
    'cli/cli.h:1: includes ../lib/base/fileutil.h'
plant "a CLI file including a library header in angle brackets" cli/main.c '#include <fileutil.h>' \
    'cli/main.c:1: includes fileutil.h'
plant "a CLI file including a private header in angle brackets" cli/main.c '#include <catalog_internal.h>' \
    'cli/main.c:1: includes catalog_internal.h'
plant "a system header named like a library one is not the library's" cli/main.c '#include <error.h>' -
plant "an upward include by a relative path" lib/base/outcome.c '#include "../ops/set_param.h"' \
    'lib/base/outcome.c includes ../ops/set_param.h from lib/ops, a layer above its own'
plant "an upward include by a layer path" lib/base/outcome.c '#include "ops/set_param.h"' \
    'lib/base/outcome.c includes ops/set_param.h from lib/ops'
plant "an upward include in angle brackets" lib/base/outcome.c '#include <set_param.h>' \
    'lib/base/outcome.c includes set_param.h from lib/ops'
