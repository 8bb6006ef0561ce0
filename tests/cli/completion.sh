# CLI tests for the shell completions, completion/offstage.bash and
# completion/_offstage (zsh): the commands, each command's options (only
# ones it accepts), --index from the WIM on the line (two images made with
# wimlib-imagex; nothing for an image that is not a WIM), fixed values, and
# files. Each completion function is called as the shell would, with the
# offstage under test first on PATH.
. tests/cli/lib.sh

mkdir -p "$TMP/bin" "$TMP/files"
ln -s "$(cd "$(dirname "$OFFSTAGE")" && pwd)/$(basename "$OFFSTAGE")" "$TMP/bin/offstage"
: >"$TMP/files/pkg-one.inf"
: >"$TMP/files/pkg-two.inf"
mkdir "$TMP/files/pkg-dir"
WIM="$TMP/two.wim"
if command -v wimlib-imagex >/dev/null 2>&1; then
    for e in Professional Ultimate; do
        "$OFFSTAGE" make-test-image --arch amd64 --edition $e "$TMP/img-$e" >/dev/null
    done
    wimlib-imagex capture "$TMP/img-Professional" "$WIM" "Windows 7 PROFESSIONAL" >/dev/null
    wimlib-imagex append "$TMP/img-Ultimate" "$WIM" "Windows 7 ULTIMATE" >/dev/null
fi
"$OFFSTAGE" make-test-image --arch amd64 "$TMP/dir-image" >/dev/null

# bash_complete LINE: COMPREPLY, one a line, for LINE with the cursor at its
# end (a trailing space: a new, empty word)
bash_complete() {
    (cd "$TMP" && PATH="$TMP/bin:$PATH" bash --norc --noprofile -c '
        . "$1"
        COMP_LINE=$2
        read -ra COMP_WORDS <<<"$2"
        [[ $2 == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_POINT=${#COMP_LINE}
        _offstage offstage "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "${COMPREPLY[@]}"' sh "$OLDPWD/completion/offstage.bash" "$1") >"$OUT" 2>"$ERR"
}
# expect_words NAME WORD...: stdout is exactly these words, in any order
expect_words() {
    name=$1
    shift
    if [ $# -gt 0 ]; then printf '%s\n' "$@"; fi | sort >"$TMP/want"
    sort "$OUT" | grep -v '^$' >"$TMP/got"
    if cmp -s "$TMP/want" "$TMP/got" && [ ! -s "$ERR" ]; then ok "$name"; else
        not_ok "$name" "got: $(tr '\n' ' ' <"$TMP/got"), want: $(tr '\n' ' ' <"$TMP/want")"
    fi
}

bash_complete "offstage ad"
expect_words "bash: 'offstage ad' completes the commands" add-driver add-cert
bash_complete "offstage "
commands=$("$OFFSTAGE" --help | awk '/^Commands:$/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on { exit }')
# shellcheck disable=SC2086
expect_words "bash: 'offstage ' offers every command --help lists, help, --help, --version" \
    $commands help --help --version
bash_complete "offstage help get-d"
expect_words "bash: 'offstage help get-d' completes the commands" get-drivers get-driver-info
bash_complete "offstage add-driver --dr"
expect_words "bash: add-driver --dr: --driver and --dry-run" --driver --dry-run
bash_complete "offstage add-driver --"
if grep -qx -- --driver "$OUT" && grep -qx -- --test-sign-dir "$OUT" && grep -qx -- --image "$OUT" &&
    grep -qx -- --output-format "$OUT"; then
    ok "bash: add-driver's options include --driver, --test-sign-dir, --image, --output-format"
else
    not_ok "bash: add-driver's options" "missing"
fi

# every option offered is one the command takes: getopt does not call it
# unrecognized (run with nothing else, each stops at a usage error)
mkdir "$TMP/empty"
bad=""
for c in $commands; do
    bash_complete "offstage $c --"
    for o in $(cat "$OUT"); do
        (cd "$TMP/empty" && "$OFFSTAGE" "$c" "$o" </dev/null >/dev/null 2>"$TMP/opt.err")
        grep -q 'unrecognized option' "$TMP/opt.err" && bad="$bad $c:$o"
    done
done
if [ -z "$bad" ]; then ok "bash: every option offered for every command is one it accepts"; else
    not_ok "bash: options a command does not take are offered" "$bad"
fi

if [ -f "$WIM" ]; then
    bash_complete "offstage add-driver --image two.wim --index "
    expect_words "bash: --index after --image two.wim: 1 2 all" 1 2 all
    bash_complete "offstage get-drivers --image=two.wim --index "
    expect_words "bash: --image=two.wim --index: 1 2 all" 1 2 all
    bash_complete "offstage get-drivers --image two.wim --index 1,"
    expect_words "bash: --index 1,: the next number of a list" 1,1 1,2
    bash_complete "offstage bcd --image '$TMP/two.wim' --index a"
    expect_words "bash: a quoted --image path; 'a' completes to all" all
fi
bash_complete "offstage add-driver --image dir-image --index "
expect_words "bash: --index for an image that is not a WIM: nothing"
bash_complete "offstage add-driver --image no-such.wim --index "
expect_words "bash: --index for a missing image: nothing"
bash_complete "offstage add-driver --image files/pkg-dir --driver files/pkg-"
expect_words "bash: --driver completes files" files/pkg-one.inf files/pkg-two.inf files/pkg-dir
bash_complete "offstage add-driver --image tw"
expect_words "bash: --image completes files" two.wim
bash_complete "offstage make-test-image --arch "
expect_words "bash: --arch: x86 amd64" x86 amd64
bash_complete "offstage bcd --store x --set testsigning "
expect_words "bash: bcd --set NAME: on off" on off
bash_complete "offstage add-cert --image x --store T"
expect_words "bash: add-cert --store: the machine stores" TrustedPublisher TrustedPeople

# zsh: the file parses, and the function completes the same things with
# compadd recorded (the completion system itself is not loaded)
if ! command -v zsh >/dev/null 2>&1; then
    echo "skip: zsh absent (scripts/deps.sh installs it); its completion is not tested"
    exit 0
fi
if zsh -n completion/_offstage 2>"$ERR"; then ok "zsh: completion/_offstage parses (zsh -n)"; else
    not_ok "zsh: completion/_offstage parses" "zsh -n failed"
fi
if head -1 completion/_offstage | grep -qx '#compdef offstage'; then ok "zsh: the file says #compdef offstage"; else
    not_ok "zsh: #compdef" "first line: $(head -1 completion/_offstage)"
fi
# zsh_complete WORD...: what _offstage adds for these words (the last one
# is the word being completed)
zsh_complete() {
    (cd "$TMP" && PATH="$TMP/bin:$PATH" zsh -f -c '
        file=$1; shift
        added=()
        compadd() {
            while (( $# )); do
                case $1 in
                (--) shift; break ;;
                (-[dPSXJ]) shift 2 ;;
                (-*) shift ;;
                (*) break ;;
                esac
            done
            local w
            for w in "$@"; do [[ $w == ${PREFIX}* ]] && added+=($w); done
        }
        compset() { return 1 }
        words=("$@"); CURRENT=$#; PREFIX=$words[CURRENT]
        source $file
        print -rl -- $added' zsh "$OLDPWD/completion/_offstage" "$@") >"$OUT" 2>"$ERR"
}
zsh_complete offstage ad
expect_words "zsh: 'offstage ad' completes the commands" add-driver add-cert
zsh_complete offstage help get-d
expect_words "zsh: 'offstage help get-d' completes the commands" get-drivers get-driver-info
zsh_complete offstage add-driver --dr
expect_words "zsh: add-driver --dr: --driver and --dry-run" --driver --dry-run
if [ -f "$WIM" ]; then
    zsh_complete offstage add-driver --image two.wim --index ''
    expect_words "zsh: --index after --image two.wim: 1 2 all" 1 2 all
fi
zsh_complete offstage add-driver --image dir-image --index ''
expect_words "zsh: --index for an image that is not a WIM: nothing"
zsh_complete offstage add-driver --driver files/pkg-
expect_words "zsh: --driver completes files" files/pkg-one.inf files/pkg-two.inf files/pkg-dir
zsh_complete offstage make-test-image --arch a
expect_words "zsh: --arch a: amd64" amd64
