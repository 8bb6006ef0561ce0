# The README's test-signing example, run as the README prints it: its
# commands are taken from README.md (the block from "# test-signed for
# Windows 7 x64" to the end of the code block), with install.wim and
# /tmp/testcert pointed at a two-image amd64 WIM and a folder of the test.
# Every command must succeed, and the last verdict must be about the staged
# copy and say it loads. The WIM is built by wimlib-imagex.
. tests/cli/lib.sh

if ! command -v wimlib-imagex >/dev/null 2>&1; then
    echo "skip: wimlib-imagex absent; the README example needs a WIM"
    exit 0
fi
for e in Professional Ultimate; do
    "$OFFSTAGE" make-test-image --arch amd64 --edition $e "$TMP/img-$e" >/dev/null
done
WIM="$TMP/install.wim"
wimlib-imagex capture "$TMP/img-Professional" "$WIM" "Windows 7 PROFESSIONAL" >/dev/null
wimlib-imagex append "$TMP/img-Ultimate" "$WIM" "Windows 7 ULTIMATE" >/dev/null

# the example's commands, continuation lines joined, comments dropped
awk '/^# test-signed for Windows 7 x64/ { on = 1 } on && /^```/ { exit } on' README.md |
    sed -e 's/#.*//' | awk '{ if (sub(/\\[ ]*$/, "")) { line = line $0 } else { print line $0; line = "" } }' |
    grep -v '^ *$' > "$TMP/commands"
n=$(wc -l < "$TMP/commands")
if [ "$n" -ge 3 ] && tail -1 "$TMP/commands" | grep -q '^offstage '; then
    ok "README: the test-signing example has its $n commands"
else
    not_ok "README: the test-signing example" "$(cat "$TMP/commands")"
fi

i=0
while read -r line; do
    i=$((i + 1))
    # shellcheck disable=SC2086 # the README's words, split as a shell would
    set -- $(printf '%s\n' "$line" | sed -e "s|install\.wim|$WIM|g" -e "s|/tmp/testcert|$TMP/testcert|g" -e "s|build/examples|$BUILD/examples|g")
    [ "$1" = offstage ] || { not_ok "README command $i" "not an offstage command: $line"; continue; }
    shift
    run "$@"
    expect_status "README command $i exits 0: $line" 0
    cp "$OUT" "$TMP/out-$i"
done < "$TMP/commands"

LAST="$TMP/out-$n"
cp "$LAST" "$OUT"
expect_out "the last command judges the staged copy" \
    "Windows\\\\offstage\\\\drivers\\\\aero_virtio_snd\\.inf_amd64_neutral_[0-9a-f]{16}"
if grep -iE 'first boot' "$LAST" | grep -q 'Code 52'; then
    not_ok "the last verdict is not the source folder's Code 52" "$(grep -i 'first boot' "$LAST")"
else
    ok "the last verdict is not the source folder's Code 52"
fi
expect_out "the last verdict: test-signed, testsigning on, loads" \
    "First boot \(amd64\): installs: silently .*; loads: yes \(test-signed, testsigning on"
expect_out "the last command names the signer" "^Signer: +CN=offstage Test Signing \(thumbprint [0-9A-F]{40}\)$"
# the check-package line before it says the same of the staged copy
prev=$((n - 1))
cp "$TMP/out-$prev" "$OUT"
expect_out "check-package --image: the staged copy of the source folder loads" \
    "^  staged copy: .*aero_virtio_snd\.inf_amd64_neutral_[0-9a-f]{16} \(this package\): first boot \(amd64\): installs: silently .*; loads: yes"
