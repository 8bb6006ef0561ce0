# CLI tests for the command-line manners of every command, as users of
# DISM, bcdedit, pnputil and wimlib-imagex expect them: an option given a
# list or junk is an error, never its first number; an option that takes
# one value given twice is an error, never the last one winning; numbers
# out of range name the range; a mistyped command or option gets "did you
# mean"; a missing file is said to be missing whatever else was given;
# install media given where a WIM or an installed Windows is wanted names
# the WIM inside to use.
. tests/cli/lib.sh

expect_err_fixed() { # NAME STRING...: stderr holds every string, taken literally
    name=$1
    shift
    for s in "$@"; do
        if ! grep -Fq -- "$s" "$ERR"; then not_ok "$name" "stderr lacks '$s'"; return; fi
    done
    ok "$name"
}
expect_err_lines() { # NAME N: stderr is N lines
    if [ "$(wc -l <"$ERR")" -eq "$2" ]; then ok "$1"; else not_ok "$1" "stderr is $(wc -l <"$ERR") lines, not $2"; fi
}

IMG="$TMP/img"
"$OFFSTAGE" make-test-image --arch x86 --edition Starter "$IMG" >/dev/null
"$OFFSTAGE" make-test-image --arch x86 --edition Ultimate "$TMP/img2" >/dev/null
WIM="$TMP/install.wim"
wimlib-imagex capture "$IMG" "$WIM" "Windows 7 STARTER" --compress=LZX >/dev/null
wimlib-imagex append "$TMP/img2" "$WIM" "Windows 7 ULTIMATE" >/dev/null
PKG="$EXAMPLE/x86"
NOPE="$TMP/no-such-file"

COMMANDS=$("$OFFSTAGE" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
if [ "$(echo "$COMMANDS" | wc -l)" -ge 20 ]; then ok "the commands are listed"; else not_ok "the commands are listed" "$COMMANDS"; fi

# ---- unknown options ------------------------------------------------------------
# each command's first option in its usage, two letters swapped: "did you mean" it
for cmd in $COMMANDS; do
    opt=$("$OFFSTAGE" help "$cmd" | grep -Eo -- '--[a-z][a-z-]{3,}' | grep -v -- '--help' | head -1)
    name=${opt#--}
    typo="--$(echo "$name" | cut -c1)$(echo "$name" | cut -c3)$(echo "$name" | cut -c2)$(echo "$name" | cut -c4-)"
    run "$cmd" "$typo" x
    expect_status "$cmd $typo: exit 2" 2
    expect_err_fixed "$cmd $typo: did you mean $opt" "offstage $cmd: unknown option '$typo'; did you mean '$opt'?"
    expect_err_lines "$cmd $typo: one line" 1
    run "$cmd" --zzqqxx
    expect_status "$cmd --zzqqxx: exit 2" 2
    expect_err_fixed "$cmd --zzqqxx: names the option, the command and its help" \
        "offstage $cmd: unknown option '--zzqqxx'" "(see \`offstage help $cmd\`)"
    expect_err_lines "$cmd --zzqqxx: one line, not getopt's as well" 1
    if grep -Fq "did you mean" "$ERR"; then not_ok "$cmd --zzqqxx: nothing close suggested" "suggested"; else ok "$cmd --zzqqxx: nothing close suggested"; fi
    run "$cmd" --help=yes
    expect_status "$cmd --help=yes: exit 2" 2
    expect_err_fixed "$cmd --help=yes: a flag takes no value" "--help takes no value"
done
# the disk options taken out before the command's own, and --bcd
run get-drivers --image "$IMG" --partiton 2
expect_err_fixed "get-drivers --partiton: did you mean --partition" "did you mean '--partition'?"
run get-driver-info --image "$IMG" --driver x --bdc y
expect_err_fixed "get-driver-info --bdc: did you mean --bcd" "did you mean '--bcd'?"
run add-driver --imgae "$IMG" --driver "$PKG"
expect_err_fixed "add-driver --imgae: did you mean --image" "did you mean '--image'?"
run get-drivers --get-certs --image "$IMG"
expect_status "a command given as an option: exit 2" 2
expect_err_fixed "a command given as an option: says it is one" "get-certs is a command of its own"
run media --in x
expect_status "an ambiguous abbreviation: exit 2" 2
expect_err_fixed "an ambiguous abbreviation: names the options it fits" "'--in' is ambiguous" "--in-place" "--install-index"
run get-drivers --image
expect_status "a missing value: exit 2" 2
expect_err_fixed "a missing value: names the option" "--image needs a value"
run get-drivers --image --json
expect_status "the next option taken for a value: exit 2" 2
expect_err_fixed "the next option taken for a value: says so" "--image needs a value before --json"

# ---- commands -------------------------------------------------------------------
run add-drvier --image "$IMG"
expect_status "add-drvier: exit 2" 2
expect_err_fixed "add-drvier: did you mean add-driver" "'add-drvier' is not a command; did you mean 'add-driver'?"
run --add-driver
expect_status "--add-driver: exit 2" 2
expect_err_fixed "--add-driver: the command it names" "did you mean the command 'add-driver'?"
run --image "$IMG"
expect_err_fixed "an option before the command: where it goes" "options go after the command"
run frobnicate
expect_err_fixed "a word far from every command: the list" "offstage: 'frobnicate' is not a command (see \`offstage --help\`)"
run hepl
expect_err_fixed "hepl: did you mean help" "'hepl' is not a command; did you mean 'help'?"
run help add-drvier
expect_status "help add-drvier: exit 2" 2
expect_err_fixed "help add-drvier: did you mean add-driver" "did you mean 'add-driver'?"
run help help
expect_status "help help: exit 0" 0
expect_out "help help: explains help" "^usage: offstage help \[COMMAND\]"
expect_out "help help: with an example" "offstage help add-driver"

# ---- an option that takes one value, given twice ----------------------------------
# CMD OPTION FIRST SECOND REST...: exit 2 naming the option and both values
twice() {
    cmd=$1 opt=$2 a=$3 b=$4
    shift 4
    run "$cmd" "$opt" "$a" "$opt" "$b" "$@"
    expect_status "$cmd $opt twice: exit 2" 2
    expect_err_fixed "$cmd $opt twice: names it and both values" "$opt is given twice ('$a', then '$b')"
}
twice check-package --os 6.1 6.2 "$PKG"
twice check-package --image "$IMG" "$TMP/img2" "$PKG"
twice check-package --index 1 2 --image "$WIM" "$PKG"
twice check-package --locale 0409 0407 "$PKG"
twice match --arch amd64 x86 --driver "$PKG" --hwid 'PCI\VEN_1AF4&DEV_1059'
twice match --os 6.1 6.2 --driver "$PKG" --hwid 'PCI\VEN_1AF4&DEV_1059'
twice match --pci 1af4:1059 1af4:1000 --driver "$PKG"
twice make-cat --os 7_X86 7_X64 "$TMP/pkg"
twice make-cat --digest sha1 sha256 "$TMP/pkg"
twice add-driver --image "$IMG" "$TMP/img2" --driver "$PKG"
twice add-driver --index 1 2 --image "$WIM" --driver "$PKG"
twice add-driver --compression-level 5 6 --image "$WIM" --driver "$PKG"
twice add-driver --digest sha1 sha256 --image "$IMG" --driver "$PKG"
twice add-driver --test-sign-dir "$TMP/a" "$TMP/b" --image "$IMG" --driver "$PKG"
twice media --output "$TMP/a.iso" "$TMP/b.iso" "$TMP/media" --driver "$PKG"
twice media --install-index 1 2 "$TMP/media" --driver "$PKG"
twice media --boot-index 2 all "$TMP/media" --driver "$PKG"
twice media --split-above 5000 6000 "$TMP/media" --driver "$PKG"
twice get-drivers --image "$IMG" "$TMP/img2"
twice get-drivers --index 1 2 --image "$WIM"
twice get-driver-info --driver a b --image "$IMG"
twice remove-driver --driver a b --image "$IMG"
twice add-cert --image "$IMG" "$TMP/img2" --cert "$NOPE"
twice get-certs --index 1 2 --image "$WIM"
twice remove-cert --image "$IMG" "$TMP/img2" --cert "$NOPE"
twice bcd --store "$NOPE" "$TMP/b"
twice bcd --object '{default}' '{current}' --store "$NOPE"
twice bcd --check testsigning nointegritychecks --store "$NOPE"
twice set-param --device a b --image "$IMG" X=1
twice set-param --type dword sz --device a --image "$IMG" X=1
twice get-param --device a b --image "$IMG"
twice doctor --driver a b --image "$IMG"
twice doctor --setupapi-log "$NOPE" "$TMP/b" --image "$IMG"
twice setupapi-log --device a b "$NOPE"
twice setupapi-log --hwid-prefix a b "$NOPE"
twice make-test-image --arch x86 amd64 "$TMP/new"
twice make-test-image --state winpe none --arch x86 "$TMP/new"
twice make-test-image --disk "$TMP/a.img" "$TMP/b.img"
twice make-test-cert --out "$TMP/a" "$TMP/b"
twice make-test-cert --days 5 6 --out "$TMP/a"
twice sign --key "$NOPE" "$TMP/b" --cert "$NOPE" "$NOPE"
twice sign --digest sha1 sha256 --key "$NOPE" --cert "$NOPE" "$NOPE"
# the disk options, read before the command's own
twice get-drivers --partition 1 2 --image "$IMG"
twice add-driver --output "$TMP/a.qcow2" "$TMP/b.qcow2" --image "$IMG" --driver "$PKG"
twice doctor --format qcow2 raw --image "$IMG"
run bcd --store "$NOPE" --set testsigning on --set testsigning off
expect_status "bcd --set of one flag twice: exit 2" 2
expect_err_fixed "bcd --set of one flag twice: names it" "--set testsigning is given twice"
if [ -e "$TMP/new" ] || [ -e "$TMP/a" ] || [ -e "$TMP/a.img" ]; then not_ok "nothing made from a refused command line" "made"; else ok "nothing made from a refused command line"; fi
# every command with an option that takes one value is covered above
for cmd in $COMMANDS; do
    case $cmd in cat-info | wim-info) continue ;; esac # their only valued options add up
    if grep -q "^twice $cmd " "$0"; then ok "$cmd: a twice-given option checked"; else not_ok "$cmd: a twice-given option checked" "none"; fi
done
# the options that add up still do
run check-package "$PKG" --arch x86 --arch x86 --arch x86 --arch x86 --arch x86 --arch x86 --arch amd64 --json
expect_json "check-package --arch: each once, none dropped" \
    "[a['arch'] for a in d['packages'][0]['architectures']] == ['x86', 'amd64']"
run match --driver "$PKG" --driver "$PKG" --hwid 'PCI\VEN_1AF4&DEV_1059' --hwid 'PCI\VEN_1AF4&DEV_1019'
if [ "$STATUS" -le 1 ]; then ok "match --driver and --hwid twice: accepted"; else not_ok "match --driver and --hwid twice: accepted" "exit $STATUS"; fi
run get-certs --image "$IMG" --store ROOT --store CA
expect_status "get-certs --store twice: accepted" 0

# ---- --index ------------------------------------------------------------------------
run get-drivers --image "$WIM" --index 1,2 --json
expect_status "get-drivers --index 1,2: both images" 0
expect_json "get-drivers --index 1,2: two images listed" "len(d['images']) == 2"
run check-package --image "$WIM" --index 1,2 "$PKG"
expect_status "check-package --index 1,2 (one image): exit 2" 2
expect_err_fixed "check-package --index 1,2: takes one image" "--image takes one image"
run setupapi-log --image "$WIM" --index 1,2
expect_status "setupapi-log --index 1,2 (one image): exit 2" 2
expect_err_fixed "setupapi-log --index 1,2: takes one image" "--image takes one image"
for cmd in get-drivers add-driver get-certs doctor; do
    case $cmd in add-driver) more="--driver $PKG" ;; *) more= ;; esac
    run $cmd --image "$WIM" --index 2abc $more
    expect_status "$cmd --index 2abc: exit 2" 2
    expect_err_fixed "$cmd --index 2abc: not a number, the range" "'2abc' is not an image number; give N (1 to 2)"
    run $cmd --image "$WIM" --index 0 $more
    expect_status "$cmd --index 0: exit 2" 2
    expect_err_fixed "$cmd --index 0: the range" "'0' is not an image number; give N (1 to 2)"
    run $cmd --image "$WIM" --index 99 $more
    expect_status "$cmd --index 99: exit 2" 2
    expect_err_fixed "$cmd --index 99: the range 1-2" "no image 99; the images are 1 to 2"
done
run media "$TMP/media" --in-place --driver "$PKG" --install-index 1,x
expect_status "media --install-index 1,x: exit 2" 2
"$OFFSTAGE" make-test-image --media "$TMP/tm" --arch amd64 --editions 2 >/dev/null 2>&1 || not_ok "make-test-image --media" "failed"
run media "$TMP/tm" --in-place --dry-run --driver "$PKG" --install-index 1,x
expect_err_fixed "media --install-index 1,x: the error names --install-index, the option given" "--install-index 1,x: 'x' is not an image number"
run media "$TMP/tm" --in-place --dry-run --driver "$PKG" --install-index 9
expect_status "media --install-index 9: exit 2" 2
expect_err_fixed "media --install-index 9: names the option and the range" "--install-index 9: no image 9; the images are 1 to"

# ---- other numbers: their range named ---------------------------------------------
range() { # NAME RANGE-TEXT ARGS...
    name=$1 text=$2
    shift 2
    run "$@"
    expect_status "$name: exit 2" 2
    expect_err_fixed "$name: names the range" "$text"
}
for v in 0 101 5x; do
    range "add-driver --compression-level $v" "--compression-level is a whole number from 1 to 100, not '$v'" \
        add-driver --image "$WIM" --index 1 --driver "$PKG" --compression-level "$v"
done
for v in 0 129 1x; do
    range "get-drivers --partition $v" "give a partition number (1 to 128)" get-drivers --image "$IMG" --partition "$v"
done
for v in 0 100000 3d; do
    range "make-test-cert --days $v" "--days is a whole number from 1 to" make-test-cert --out "$TMP/c" --days "$v"
done
for v in 0 6 2x; do
    range "make-test-image --editions $v" "--editions is a number from 1 to 5" make-test-image --media "$TMP/m" --editions "$v"
done
for v in 1 4095 9x; do
    range "media --split-above $v" "--split-above is a whole number from 4096 to" \
        media "$TMP/media" --in-place --driver "$PKG" --split-above "$v"
done

# ---- a missing file ---------------------------------------------------------------
# CMD ARGS...: exit 2, the message names the file and says it does not exist
missing() {
    run "$@"
    label="$*"
    expect_status "missing file: $label: exit 2" 2
    if cat "$ERR" "$OUT" | grep -F -- "$NOPE" | grep -qi "no such file"; then ok "missing file: $label: says so"; else not_ok "missing file: $label: says so" "not said"; fi
}
for extra in "" --json; do
    missing check-package "$NOPE" $extra
    missing check-package "$PKG" --image "$NOPE" $extra
    missing check-package "$PKG" --image "$NOPE" --index 1 $extra
    missing match --driver "$NOPE" --hwid 'PCI\VEN_1AF4&DEV_1059' $extra
    missing cat-info "$NOPE" $extra
    missing make-cat "$NOPE" $extra
    for dry in "" --dry-run; do
        missing add-driver --image "$NOPE" --driver "$PKG" $extra $dry
        missing add-driver --image "$NOPE" --index 1 --driver "$PKG" $extra $dry
        missing add-driver --image "$IMG" --driver "$NOPE" $extra $dry
        missing media "$NOPE" --in-place --driver "$PKG" $extra $dry
        missing remove-driver --image "$NOPE" --driver x $extra $dry
        missing add-cert --image "$NOPE" --cert "$NOPE" $extra $dry
        missing add-cert --image "$IMG" --cert "$NOPE" $extra $dry
        missing set-param --image "$NOPE" --device x A=1 $extra $dry
    done
    missing get-drivers --image "$NOPE" $extra
    missing get-drivers --image "$NOPE" --index 2 $extra
    missing get-driver-info --image "$NOPE" --driver x $extra
    missing get-certs --image "$NOPE" $extra
    missing remove-cert --image "$NOPE" --cert "$NOPE" $extra
    missing remove-cert --image "$IMG" --cert "$NOPE" $extra
    missing bcd --store "$NOPE" $extra
    missing bcd --image "$NOPE" --index 1 $extra
    missing get-param --image "$NOPE" --device x $extra
    missing doctor --image "$NOPE" $extra
    missing doctor --image "$IMG" --setupapi-log "$NOPE" $extra
    missing wim-info "$NOPE" $extra
    missing setupapi-log "$NOPE" $extra
    missing setupapi-log --image "$NOPE" --index 1 $extra
    missing sign --key "$NOPE" --cert "$NOPE" "$NOPE" $extra
done

# ---- install media given where a WIM or an installed Windows is wanted --------------
MEDIA="$TMP/media"
mkdir -p "$MEDIA/sources"
cp "$WIM" "$MEDIA/sources/install.wim"
cp "$WIM" "$MEDIA/sources/boot.wim"
for cmd in get-drivers add-driver doctor; do
    case $cmd in add-driver) more="--driver $PKG" ;; *) more= ;; esac
    run $cmd --image "$MEDIA" $more
    expect_status "$cmd --image MEDIA-FOLDER: exit 2" 2
    expect_err_fixed "$cmd --image MEDIA-FOLDER: names install.wim, boot.wim and media" \
        "is Windows install media" "$MEDIA/sources/install.wim with --index N" \
        "$MEDIA/sources/boot.wim with --index 2" "\`offstage media $MEDIA\`"
done
ISO="$TMP/win7.iso"
python3 -c "import sys; d = bytearray(36864); d[32768] = 1; d[32769:32774] = b'CD001'; open(sys.argv[1], 'wb').write(d)" "$ISO"
for cmd in get-drivers wim-info; do
    case $cmd in wim-info) args=$ISO ;; *) args="--image $ISO" ;; esac
    run $cmd $args
    expect_status "$cmd ISO: exit 2" 2
    expect_err_fixed "$cmd ISO: names the WIMs inside and media" "is an ISO" "sources/install.wim" \
        "sources/boot.wim (--index 2" "\`offstage media $ISO\`"
done
run wim-info "$MEDIA"
expect_err_fixed "wim-info MEDIA-FOLDER: names the WIMs inside" "$MEDIA/sources/install.wim"
run wim-info "$IMG"
expect_status "wim-info a folder: exit 2" 2
expect_err_fixed "wim-info a folder: says it is one and what to give" "$IMG is a folder" "wim-info reads a WIM file"
run wim-info "$MEDIA/sources/install.wim"
expect_status "wim-info the WIM inside: reads it" 0

# ---- OFFSTAGE_LOCK_TIMEOUT: a value that is not seconds is refused ------------------
for v in abc -1 inf 2s; do
    OFFSTAGE_LOCK_TIMEOUT=$v run add-driver --image "$WIM" --index 1 --driver "$PKG" --dry-run
    expect_status "OFFSTAGE_LOCK_TIMEOUT=$v: exit 2" 2
    expect_err_fixed "OFFSTAGE_LOCK_TIMEOUT=$v: names the variable, the range and the default" \
        "OFFSTAGE_LOCK_TIMEOUT='$v': not a number of seconds from 0 to 1000000" "the default of 30"
done
OFFSTAGE_LOCK_TIMEOUT=2.5 run add-driver --image "$WIM" --index 1 --driver "$PKG" --dry-run
if [ "$STATUS" != 2 ]; then ok "OFFSTAGE_LOCK_TIMEOUT=2.5: taken (exit $STATUS)"; else not_ok "OFFSTAGE_LOCK_TIMEOUT=2.5" "$(head -2 "$ERR")"; fi
unset OFFSTAGE_LOCK_TIMEOUT
