# The README's install-media example, run as the README prints it (the
# block from "offstage make-test-image --media" to the end of its code
# block): every command succeeds, and the ISO it writes boots BIOS and UEFI
# and carries testsigning in both media stores.
. tests/cli/lib.sh

for tool in xorriso 7zz; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "skip: $tool absent; the README media example needs it"
        exit 0
    fi
done
awk '/^offstage make-test-image --media/ { on = 1 } on && /^```/ { exit } on' README.md |
    sed -e 's/#.*//' | awk '{ if (sub(/\\[ ]*$/, "")) { line = line $0 } else { print line $0; line = "" } }' |
    grep -v '^ *$' > "$TMP/commands"
n=$(wc -l < "$TMP/commands")
if [ "$n" -ge 2 ] && grep -q '^offstage media .*--test-sign' "$TMP/commands"; then
    ok "README: the media example has its $n commands"
else
    not_ok "README: the media example" "$(cat "$TMP/commands")"
fi
"$OFFSTAGE" make-test-cert --out "$TMP/testcert" >/dev/null
i=0 failed=""
while IFS= read -r line; do
    i=$((i + 1))
    cmd=$(printf '%s' "$line" | sed -e "s|/tmp/|$TMP/|g" -e "s|build/examples|$EXAMPLE/..|g" -e "s|^offstage |\"$OFFSTAGE\" |")
    eval "$cmd" >"$TMP/out.$i" 2>&1 || failed="$failed $i"
done < "$TMP/commands"
[ -z "$failed" ] && ok "README media example: every command exits 0" || not_ok "README media example" "commands$failed failed: $(tail -3 "$TMP/out.${failed##* }")"
rep=$(xorriso -indev "$TMP/win7-virtio.iso" -report_el_torito plain 2>/dev/null)
echo "$rep" | grep -q 'boot img : *1 *BIOS' && echo "$rep" | grep -q 'boot img : *2 *UEFI' &&
    ok "README media example: the ISO boots BIOS and UEFI (xorriso -report_el_torito)" || not_ok "README media ISO" "$rep"
mkdir -p "$TMP/x" && 7zz x -y -bd '-x![BOOT]' -o"$TMP/x" "$TMP/win7-virtio.iso" >/dev/null 2>&1
on=0
for s in boot/BCD efi/microsoft/boot/bcd; do
    hivexregedit --export "$TMP/x/$s" '\Objects\{7619dcc9-fafe-11d9-b411-000476eba25f}\Elements\16000049' 2>/dev/null |
        grep -qi 'hex(3):01' && on=$((on + 1))
done
[ "$on" = 2 ] && ok "README media example: testsigning on in both media stores (hivexregedit)" || not_ok "README media stores" "$on of 2"
