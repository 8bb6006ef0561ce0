#!/bin/sh
# public-headers.sh — prints the headers a program that includes offstage.h
# gets: lib/offstage.h and every library header it pulls in by a quoted
# include, followed to the end, one path a line, sorted. They are what
# `make install` copies into include/offstage/ and what the shared
# library's export list is read from (mk/install.mk), so the set is found
# from the includes rather than kept by hand.
#
# Exits 2, naming the include, when a header it reaches is one of the
# library's private ones (they refuse to compile outside the library) or
# is not in lib/: either would make the installed headers unusable.
set -eu
cd "${1:-.}"

todo="lib/offstage.h"
seen=" "
while [ -n "$todo" ]; do
    set -- $todo
    f=$1
    shift
    todo="$*"
    case $seen in *" $f "*) continue ;; esac
    seen="$seen$f "
    for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
        p=""
        for c in lib/"$h" lib/*/"$h"; do
            [ -f "$c" ] && { p=$c; break; }
        done
        if [ -z "$p" ]; then
            echo "public-headers: $f includes \"$h\", which is not a header in lib/ or lib/LAYER/: include it by its bare name, or drop it from the public headers" >&2
            exit 2
        fi
        if grep -q '^#[[:space:]]*error.*private' "$p"; then
            echo "public-headers: $f includes \"$h\" ($p), a private header: a program including offstage.h could not compile; move what it needs into a public header" >&2
            exit 2
        fi
        todo="$todo $p"
    done
done
# shellcheck disable=SC2086
printf '%s\n' $seen | sort
