#!/bin/sh
# Runs every test binary given on the command line, then the CLI tests, and
# ends with one summary line: "check: N passed, N failed".
# Each cmocka binary prints its own report; a binary counts as one failure
# when it exits non-zero (a crash, a sanitizer report or a failed test).
set -u
BUILD=${OST_BUILD:-build}
export OST_BUILD="$BUILD"
passed=0
failed=0
failed_names=""
for t in "$@"; do
    out=$("$t" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -E '^\[  (PASSED|FAILED|  SKIPPED) \]|^\[==========\]|^skip:' | sed "s|^|$(basename "$t"): |"
    n_pass=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    n_fail=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    passed=$((passed + ${n_pass:-0}))
    if [ "$rc" -ne 0 ]; then
        printf '%s\n' "$out" | tail -40
        failed=$((failed + ${n_fail:-1}))
        failed_names="$failed_names $(basename "$t")"
    fi
done
# CLI tests: each tests/cli/*.sh reports "ok NAME" / "not ok NAME" lines.
for s in tests/cli/*.sh; do
    [ -f "$s" ] || continue
    out=$(OFFSTAGE="$BUILD/offstage" sh "$s" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -E '^(ok|not ok|skip)' | sed "s|^|$(basename "$s"): |"
    p=$(printf '%s\n' "$out" | grep -c '^ok ')
    f=$(printf '%s\n' "$out" | grep -c '^not ok ')
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then
        printf '%s\n' "$out" | grep -v '^ok ' | tail -40
        [ "$f" -eq 0 ] && failed=$((failed + 1))
        failed_names="$failed_names $(basename "$s")"
    fi
done
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "failing:$failed_names"; exit 1; }
