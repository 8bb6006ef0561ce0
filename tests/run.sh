#!/bin/sh
# Runs every test binary given on the command line and the CLI tests
# (tests/cli/*.sh), OST_TEST_JOBS at a time (default 3: the tests spend much
# of their time waiting on child programs, syncs and timed kills, so three
# keep two cores busy: measured 1m51s against 2m31s with two), then reports
# each in a fixed order and ends with one summary line: "check: N passed, N
# failed".
# Each cmocka binary prints its own report; a binary counts as one failure
# when it exits non-zero (a crash, a sanitizer report or a failed test).
# Each CLI test reports "ok NAME" / "not ok NAME" lines; one that exits
# non-zero without a "not ok" line counts as one failure.
set -u
BUILD=${OST_BUILD:-build}
export OST_BUILD="$BUILD"
JOBS=${OST_TEST_JOBS:-3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/offstage-run-XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# The CLI tests first: they are the long ones, and starting them early
# keeps the last job from running alone.
# OST_TEST_SKIP: names of tests this pass leaves out (said in one line)
n=0
for t in tests/cli/*.sh "$@"; do
    [ -f "$t" ] || continue
    case " ${OST_TEST_SKIP:-} " in *" $(basename "$t") "*) continue ;; esac
    n=$((n + 1))
    printf '%04d %s\n' "$n" "$t"
done >"$WORK/list"
[ -n "${OST_TEST_SKIP:-}" ] && echo "skipped in this pass: $OST_TEST_SKIP"
# shellcheck disable=SC2016
xargs -P "$JOBS" -L 1 sh -c '
    t0=$(date +%s%N)
    case $2 in
    *.sh) OFFSTAGE="$OST_BUILD/offstage" sh "$2" >"$0/$1.out" 2>&1 ;;
    *) "$2" >"$0/$1.out" 2>&1 ;;
    esac
    echo $? >"$0/$1.rc"
    echo $(( ($(date +%s%N) - t0) / 1000000 )) "$(basename "$2")" >"$0/$1.ms"' "$WORK" <"$WORK/list"

passed=0
failed=0
failed_names=""
# A check skipped because the fixtures of ../shared are absent (a user's
# clone) is counted, not listed: one line at the end says how many. Other
# skips (a tool not installed) stay listed, since they can be fixed here.
SHARED_DIR=${OST_SHARED:-../shared}
fixture_skips=0
fixture_tests=0
is_fixture_skip() { # reads lines on stdin
    grep -E '^skip' | grep -F -e "$SHARED_DIR" -e '../shared'
}
count_fixture_skips() { # OUT
    k=$(is_fixture_skip <"$1" | wc -l)
    if [ "$k" -gt 0 ]; then
        fixture_skips=$((fixture_skips + k))
        fixture_tests=$((fixture_tests + 1))
    fi
}
other_lines() { # drops the fixture skips
    grep -v -x -F -f "$WORK/fixture-lines" 2>/dev/null || cat
}
report_binary() { # NAME OUT RC
    count_fixture_skips "$2"
    is_fixture_skip <"$2" >"$WORK/fixture-lines"
    grep -E '^\[  (PASSED|FAILED|  SKIPPED) \]|^\[==========\]|^skip:' "$2" | other_lines | sed "s|^|$1: |"
    n_pass=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$2" | tail -1)
    n_fail=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$2" | tail -1)
    passed=$((passed + ${n_pass:-0}))
    if [ "$3" -ne 0 ]; then
        tail -40 "$2"
        failed=$((failed + ${n_fail:-1}))
        failed_names="$failed_names $1"
    fi
}
report_script() { # NAME OUT RC
    count_fixture_skips "$2"
    is_fixture_skip <"$2" >"$WORK/fixture-lines"
    grep -E '^(ok|not ok|skip)' "$2" | other_lines | sed "s|^|$1: |"
    p=$(grep -c '^ok ' "$2")
    f=$(grep -c '^not ok ' "$2")
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -ne 0 ] || [ "$3" -ne 0 ]; then
        grep -v '^ok ' "$2" | tail -40
        [ "$f" -eq 0 ] && failed=$((failed + 1))
        failed_names="$failed_names $1"
    fi
}
while read -r i t; do
    rc=$(cat "$WORK/$i.rc" 2>/dev/null || echo 127)
    case $t in
    *.sh) report_script "$(basename "$t")" "$WORK/$i.out" "$rc" ;;
    *) report_binary "$(basename "$t")" "$WORK/$i.out" "$rc" ;;
    esac
done <"$WORK/list"
# the slowest, so that a test growing past its share is seen; every time in
# $BUILD/test-times (milliseconds, slowest first) for a closer look
cat "$WORK"/*.ms 2>/dev/null | sort -rn >"$BUILD/test-times" 2>/dev/null || :
echo "slowest: $(cat "$WORK"/*.ms 2>/dev/null | sort -rn | head -6 | awk '{ printf "%s%s %.1f s", (NR > 1 ? ", " : ""), $2, $1 / 1000 }')"
[ "$fixture_skips" -eq 0 ] ||
    echo "skipped (no $SHARED_DIR/fixtures): $fixture_skips checks in $fixture_tests tests"
echo "check${OST_TEST_PASS:+ ($OST_TEST_PASS)}: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "failing:$failed_names"; exit 1; }
