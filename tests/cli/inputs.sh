# CLI tests for inputs that are not what they claim to be: a FIFO or a
# device where a file is expected (refused at once, never waited on), a
# --bcd store that cannot be written (nothing of the image written either),
# and numbers given to options (parsed whole and range-checked).
. tests/cli/lib.sh

snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort; find . -type d | sort); }
same_as_before() { # NAME DIR SNAPSHOT-FILE
    if snapshot "$2" | cmp -s - "$3"; then ok "$1"; else not_ok "$1" "changed: $(snapshot "$2" | diff "$3" - | head -5)"; fi
}
sum() { sha256sum "$1" | cut -d' ' -f1; }
expect_err_fixed() { # NAME STRING...: stderr holds one of the strings, taken literally
    name=$1
    shift
    for s in "$@"; do
        if grep -Fq -- "$s" "$ERR"; then ok "$name"; return; fi
    done
    not_ok "$name" "stderr lacks '$*'"
}

IMG="$TMP/img"
"$OFFSTAGE" make-test-image "$IMG" --arch amd64 >/dev/null
"$OFFSTAGE" make-test-cert --out "$TMP/cert" >/dev/null
CER="$TMP/cert/offstage-test.cer" KEY="$TMP/cert/offstage-test.key"
PKG="$TMP/pkg"
mkdir -p "$PKG"
cp "$EXAMPLE/amd64/aero_virtio_snd.inf" "$EXAMPLE/amd64/aero_virtio_snd.sys" "$PKG/"
cp -r "$PKG" "$TMP/catpkg"
"$OFFSTAGE" make-cat "$TMP/catpkg" >/dev/null
CAT="$TMP/catpkg/aero_virtio_snd.cat"
snapshot "$IMG" > "$TMP/img.snap"

# ---- a FIFO where a file is expected ---------------------------------------
# Opening a FIFO for reading waits for a writer that never comes: each
# command must refuse it at once. `timeout` turns a regression into a
# failure instead of a hung suite.
F="$TMP/fifo"
mkfifo "$F"
refused() { # NAME PATTERN ARGS...: ends at once with exit 2 and a message matching PATTERN
    name=$1 pattern=$2
    shift 2
    timeout 10 "$OFFSTAGE" "$@" >"$OUT" 2>"$ERR" </dev/null
    STATUS=$?
    if [ "$STATUS" -eq 124 ]; then
        not_ok "$name" "blocked (killed after 10 s)"
        return
    fi
    expect_status "$name: exit 2" 2
    expect_err "$name: names it" "$pattern"
}
fifo() { # NAME ARGS...
    name=$1
    shift
    refused "$name" "$F: not a regular file \(a FIFO\)" "$@"
}
fifo "wim-info FIFO" wim-info "$F"
fifo "cat-info FIFO" cat-info "$F"
fifo "cat-info --trust FIFO" cat-info "$CAT" --trust "$F"
fifo "setupapi-log FIFO" setupapi-log "$F"
fifo "doctor --setupapi-log FIFO" doctor --image "$IMG" --setupapi-log "$F"
fifo "get-drivers --image FIFO" get-drivers --image "$F"
fifo "add-driver --image FIFO" add-driver --image "$F" --driver "$PKG" --force-unsigned
fifo "bcd --image FIFO" bcd --image "$F"
fifo "add-cert --cert FIFO" add-cert --image "$IMG" --cert "$F"
fifo "remove-cert --cert FIFO" remove-cert --image "$IMG" --cert "$F"
fifo "add-driver --test-sign --cert FIFO" add-driver --image "$IMG" --driver "$PKG" --test-sign --cert "$F" --key "$KEY"
fifo "add-driver --test-sign --key FIFO" add-driver --image "$IMG" --driver "$PKG" --test-sign --cert "$CER" --key "$F"
fifo "add-driver --trust FIFO" add-driver --image "$IMG" --driver "$PKG" --force-unsigned --trust "$F"
fifo "check-package --trust FIFO" check-package "$PKG" --trust "$F"
fifo "check-package --bcd FIFO" check-package "$PKG" --image "$IMG" --bcd "$F"
fifo "bcd --store FIFO" bcd --store "$F"
fifo "sign --key FIFO" sign --key "$F" --cert "$CER" "$CAT"
fifo "sign --cert FIFO" sign --key "$KEY" --cert "$F" "$CAT"
fifo "sign FIFO" sign --key "$KEY" --cert "$CER" "$F"
fifo "make-cat --cert FIFO" make-cat "$TMP/catpkg" --cert "$F" --key "$KEY"
# --bcd is read for the verdicts, which come after the write: it must be
# refused before anything is written
fifo "add-driver --bcd FIFO" add-driver --image "$IMG" --driver "$PKG" --force-unsigned --bcd "$F"
fifo "add-driver --test-sign --bcd FIFO" add-driver --image "$IMG" --driver "$PKG" --test-sign --cert "$CER" \
    --key "$KEY" --bcd "$F"
same_as_before "FIFO inputs: image byte-identical" "$IMG" "$TMP/img.snap"
refused "wim-info /dev/null: a device named as such" "/dev/null: not a regular file \(a character device\)" \
    wim-info /dev/null
refused "add-cert --cert a folder" "$TMP/cert: not a regular file \(a folder\)" add-cert --image "$IMG" --cert "$TMP/cert"

# a FIFO inside the package or inside the image
mkdir -p "$TMP/fifopkg"
cp "$PKG/aero_virtio_snd.inf" "$TMP/fifopkg/"
mkfifo "$TMP/fifopkg/aero_virtio_snd.sys"
timeout 10 "$OFFSTAGE" check-package "$TMP/fifopkg" >"$OUT" 2>"$ERR"
STATUS=$?
expect_status "a FIFO as a package's .sys: check-package says no" 1
expect_out "FIFO in the package: the finding names it" "aero_virtio_snd.sys is not a regular file"
cp -r "$IMG" "$TMP/fifoimg"
rm "$TMP/fifoimg/Windows/System32/config/SOFTWARE"
mkfifo "$TMP/fifoimg/Windows/System32/config/SOFTWARE"
refused "a FIFO as the image's SOFTWARE hive" "SOFTWARE" get-drivers --image "$TMP/fifoimg"

# ---- numbers given to options ------------------------------------------------
# --index was read with atoi: "1,2" wrote image 1 only, "2junk", "+2" and
# 4294967298 (2 after wrapping) wrote image 2, all with exit 0.
for e in Starter HomePremium Ultimate; do
    "$OFFSTAGE" make-test-image --arch x86 --edition $e "$TMP/img-$e" >/dev/null
done
WIM="$TMP/install.wim"
wimlib-imagex capture "$TMP/img-Starter" "$WIM" "Windows 7 STARTER" --compress=LZX >/dev/null
wimlib-imagex append "$TMP/img-HomePremium" "$WIM" "Windows 7 HOMEPREMIUM" >/dev/null
wimlib-imagex append "$TMP/img-Ultimate" "$WIM" "Windows 7 ULTIMATE" >/dev/null
W0=$(sum "$WIM")
X86="$EXAMPLE/x86"
for bad in 2junk 4294967298 +2 " 2" "2 " 0 -1 "" 0x2 1,,2 2, 2,2 1,4; do
    run add-driver --image "$WIM" --index "$bad" --driver "$X86" --force-unsigned
    expect_status "--index '$bad': exit 2" 2
    expect_err_fixed "--index '$bad': says what is wrong" "--index $bad: '" "no image" "named twice"
done
run get-drivers --image "$WIM" --index 2junk
expect_status "get-drivers --index 2junk: exit 2" 2
for bad in 5abc 0 101 " 5" +5 -1 4294967326; do
    run add-driver --image "$WIM" --index 1 --driver "$X86" --force-unsigned --compression-level "$bad"
    expect_status "--compression-level '$bad': exit 2" 2
    expect_err_fixed "--compression-level '$bad': names the option and its range" \
        "--compression-level is a whole number from 1 to 100, not '$bad'"
done
if [ "$(sum "$WIM")" = "$W0" ]; then ok "bad numbers: WIM byte-identical"; else not_ok "bad numbers: WIM byte-identical" "changed"; fi

staged_in() { # WIM INDEX: the image holds the manifest (wimlib-imagex, not offstage, reads it)
    wimlib-imagex dir "$1" "$2" --path=/Windows/offstage 2>/dev/null | grep -q 'manifest.json'
}
run add-driver --image "$WIM" --index 3,1 --driver "$X86" --force-unsigned --compression-level 50
expect_status "--index 3,1: staged" 0
if staged_in "$WIM" 1 && staged_in "$WIM" 3 && ! staged_in "$WIM" 2; then
    ok "--index 3,1: images 1 and 3 written, 2 not (wimlib-imagex dir)"
else
    not_ok "--index 3,1: images 1 and 3 written, 2 not (wimlib-imagex dir)" "$(for i in 1 2 3; do staged_in "$WIM" $i && echo "$i staged"; done)"
fi
if wimlib-imagex verify "$WIM" >/dev/null 2>&1; then ok "--index 3,1: wimlib-imagex verify"; else not_ok "--index 3,1: wimlib-imagex verify" "fails"; fi
run check-package "$X86" --image "$WIM" --index 1,2
expect_status "check-package takes one image: a list is refused" 2

# --os went through sscanf: "6.1junk" and "6.-1" (minor 4294967295) were taken
for bad in 6.1junk " 6.1" 6.-1 6 6.1. 6.1.2.3 65536.1 6.1.4294967296; do
    run check-package "$PKG" --os "$bad"
    expect_status "check-package --os '$bad': exit 2" 2
    run match --driver "$PKG" --pci 1af4:1059 --os "$bad"
    expect_status "match --os '$bad': exit 2" 2
done
run check-package "$PKG" --os 6.1.7601
expect_status "check-package --os 6.1.7601: taken (the amd64 folder checked for amd64: exit 0)" 0

for bad in +5 " 5" 5x 0 36501 18446744073709551617; do
    run make-test-cert --out "$TMP/days" --days "$bad"
    expect_status "make-test-cert --days '$bad': exit 2" 2
done
if [ -e "$TMP/days" ]; then not_ok "bad --days: nothing written" "$TMP/days exists"; else ok "bad --days: nothing written"; fi

# ---- add-driver --test-sign --bcd FILE: one transaction ------------------------
# The store used to be written last, after the image was committed: a full
# disk there exited 2 with the image changed and no word of it. Now it is
# written to a synced temporary before the image and renamed after. Faults
# are injected with strace at the Nth call of a syscall, N found by a first
# traced run: the call that touches the store's temporary.
if command -v strace >/dev/null 2>&1; then
    IMG0="$TMP/bcd-img0"
    "$OFFSTAGE" make-test-image "$IMG0" --arch amd64 >/dev/null
    mkdir -p "$TMP/store0"
    cp "$IMG0/Windows/System32/config/BCD-Template" "$TMP/store0/BCD" # a real store with testsigning off
    fresh() { # a new copy of the image and the store, and their snapshot
        rm -rf "$TMP/bi" "$TMP/bs"
        cp -a "$IMG0" "$TMP/bi"
        cp -a "$TMP/store0" "$TMP/bs"
        snapshot "$TMP/bi" > "$TMP/bi.snap"
    }
    testsign() { # [strace options]: add-driver --test-sign --bcd into the fresh copies
        # LeakSanitizer cannot run under ptrace; the same commands run untraced elsewhere
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -qq -y -o "$TMP/trace" "$@" "$OFFSTAGE" add-driver --image "$TMP/bi" --driver "$PKG" --test-sign \
            --test-sign-dir "$TMP/cert" --bcd "$TMP/bs/BCD" >"$OUT" 2>"$ERR"
        STATUS=$?
    }
    nth() { # SYSCALL PATTERN: which call of SYSCALL in the trace first matches PATTERN
        grep -E "^$1\(" "$TMP/trace" | grep -n -- "$2" | head -1 | cut -d: -f1
    }
    store_as_before() { # NAME
        if cmp -s "$TMP/bs/BCD" "$TMP/store0/BCD" && [ "$(ls -A "$TMP/bs")" = BCD ]; then
            ok "$1"
        else
            not_ok "$1" "store changed or a temporary left: $(ls -A "$TMP/bs" | tr '\n' ' ')"
        fi
    }
    fresh
    testsign -e trace=write,fsync,rename
    expect_status "--bcd: a traced run stages" 0
    W=$(nth write '\.BCD\.offstage-') S=$(nth fsync '\.BCD\.offstage-') R=$(nth rename '\.BCD\.offstage-')
    I=$(nth fsync "$TMP/bi/")
    if [ -n "$W" ] && [ -n "$S" ] && [ -n "$R" ] && [ -n "$I" ]; then
        ok "--bcd: the store's write, sync and rename and the image's first sync are traced"
    else
        not_ok "--bcd: the store's write, sync and rename and the image's first sync are traced" \
            "write $W fsync $S rename $R image fsync $I"
    fi

    for fault in "write:error=ENOSPC:when=$W" "fsync:error=ENOSPC:when=$S" "fsync:error=EIO:when=$S"; do
        fresh
        testsign -e trace="${fault%%:*}" -e inject="$fault"
        expect_status "--bcd, $fault: exit 2" 2
        expect_err "--bcd, $fault: names the store and says nothing was changed" "$TMP/bs/BCD: .*nothing was changed"
        same_as_before "--bcd, $fault: image byte-identical" "$TMP/bi" "$TMP/bi.snap"
        store_as_before "--bcd, $fault: store byte-identical, no temporary left"
    done

    # the image cannot be written after the store's temporary was: both stay as they were
    fresh
    testsign -e trace=fsync -e inject="fsync:error=EIO:when=$I"
    expect_status "--bcd, image write fails: exit 2" 2
    same_as_before "--bcd, image write fails: image byte-identical" "$TMP/bi" "$TMP/bi.snap"
    store_as_before "--bcd, image write fails: store byte-identical, no temporary left"

    # Ctrl-C while the store's temporary is written: the image's commit
    # refuses to start, and the temporary is removed
    fresh
    testsign -e trace=fsync -e inject="fsync:signal=INT:when=$S"
    expect_status "--bcd, SIGINT at the store's sync: exit 2" 2
    expect_err "--bcd, SIGINT at the store's sync: says nothing was changed" "interrupted; nothing was changed"
    same_as_before "--bcd, SIGINT at the store's sync: image byte-identical" "$TMP/bi" "$TMP/bi.snap"
    store_as_before "--bcd, SIGINT at the store's sync: store byte-identical, no temporary left"

    # only the final rename is left once the image is written: if it fails, the
    # message says so and how to finish
    fresh
    testsign -e trace=rename -e inject="rename:error=EIO:when=$R"
    expect_status "--bcd, final rename fails: exit 2" 2
    expect_err "--bcd, final rename fails: says the image is written" "image $TMP/bi is written"
    expect_err "--bcd, final rename fails: says the store is not" "testsigning is still off in the BCD store $TMP/bs/BCD"
    store_as_before "--bcd, final rename fails: store byte-identical, no temporary left"
    finish=$(sed -n 's/^  offstage //p' "$ERR")
    run get-drivers --image "$TMP/bi"
    expect_out "--bcd, final rename fails: the package is staged" "aero_virtio_snd.inf"
    # shellcheck disable=SC2086 # the command as printed, split into words
    run $finish
    expect_status "--bcd, final rename fails: the command it gives finishes the job" 0
    run bcd --store "$TMP/bs/BCD" --check testsigning
    expect_status "--bcd, finished: testsigning on in the store" 0

    # and without faults: the store is replaced whole, nothing left beside it
    fresh
    testsign -e trace=none
    expect_status "--bcd: staged" 0
    run bcd --store "$TMP/bs/BCD" --check testsigning
    expect_status "--bcd: testsigning on in the store" 0
    if [ "$(ls -A "$TMP/bs")" = BCD ]; then ok "--bcd: no temporary left"; else not_ok "--bcd: no temporary left" "$(ls -A "$TMP/bs")"; fi
else
    echo "skip --bcd fault injection: strace not installed"
fi

# a file in a WIM larger than its kind may be is refused before libwim
# extracts it (an 80 MB manifest; hives have the same check at 2 GiB)
mkdir -p "$TMP/bigwim"
"$OFFSTAGE" make-test-image --arch amd64 "$TMP/bigwim/img" >/dev/null
mkdir -p "$TMP/bigwim/img/Windows/offstage"
truncate -s 80M "$TMP/bigwim/img/Windows/offstage/manifest.json"
wimlib-imagex capture "$TMP/bigwim/img" "$TMP/bigwim/w.wim" "W" --compress=LZX >/dev/null
mkdir -p "$TMP/bigwim/scratch"
TMPDIR="$TMP/bigwim/scratch" run get-drivers --image "$TMP/bigwim/w.wim"
expect_status "an oversized file in a WIM: exit 2" 2
expect_err "an oversized file in a WIM: refused before extraction" "manifest.json is 83886080 bytes; the limit for this kind of file is 16777216, so it is refused before it is extracted"
if [ -z "$(find "$TMP/bigwim/scratch" -type f -size +1M)" ]; then ok "an oversized file in a WIM: nothing extracted"; else not_ok "oversized file extracted" "$(find "$TMP/bigwim/scratch" -type f -size +1M)"; fi
