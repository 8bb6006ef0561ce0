# The README's "From DISM to offstage" table, run as the README prints it:
# every offstage command of its right-hand column, in the table's order,
# against a stand-in install media (install.wim with two editions, boot.wim,
# boot/BCD, made by make-test-image --media) and a test VM disk, with the
# example package copied (make-cat and sign write into it). Each must
# succeed (doctor: answer 0 or 1); the table must name every command the
# reference job needs.
. tests/cli/lib.sh

for tool in qemu-img qemu-nbd mkntfs sfdisk wimlib-imagex; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "skip: $tool absent; the README table needs a WIM and a disk"
        exit 0
    fi
done
awk '/^## From DISM to offstage$/ { on = 1; next } on && /^## / { exit } on' README.md |
    sed -n 's/^| .* | \(`offstage .*`\) |$/\1/p' | grep -o '`offstage [^`]*`' | tr -d '`' >"$TMP/commands"
n=$(wc -l <"$TMP/commands")
missing=""
for c in wim-info make-test-cert sign make-cat add-driver get-drivers get-driver-info bcd add-cert get-certs \
    set-param get-param doctor setupapi-log remove-driver remove-cert; do
    grep -q "^offstage $c " "$TMP/commands" || missing="$missing $c"
done
if [ "$n" -ge 16 ] && [ -z "$missing" ]; then
    ok "README: the DISM table has its $n offstage commands"
else
    not_ok "README: the DISM table" "$n commands; missing:$missing"
fi

DEV=1af4:1059:00191af4:01
"$OFFSTAGE" make-test-image --media "$TMP/media" --editions 2 --arch amd64 --with-device $DEV >/dev/null &&
    "$OFFSTAGE" make-test-image --arch amd64 --with-device $DEV --disk "$TMP/win7.qcow2" --system-partition >/dev/null ||
    { not_ok "README table: the test media and disk" "make-test-image failed"; exit 1; }
cp -r "$EXAMPLE/amd64" "$TMP/pkg"
# a copy of a booted VM's log: the device's install failed
printf '%s\r\n' '[Device Install Log]' '     OS Version = 6.1.7601' '' \
    '>>>  [Device Install (Hardware initiated) - PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\3&13c0b0c5&0&18]' \
    '>>>  Section start 2026/01/10 12:00:07.968' \
    '!!!  dvi:                Device not started: Device has problem: 0x34: CM_PROB_UNSIGNED_DRIVER.' \
    '<<<  Section end 2026/01/10 12:00:09.421' \
    '<<<  [Exit status: FAILURE(0xe0000242)]' >"$TMP/setupapi.dev.log"

i=0
while IFS= read -r line; do
    i=$((i + 1))
    cmd=$(printf '%s' "$line" | sed -e "s|build/examples/virtio-snd/amd64|$TMP/pkg|g" \
        -e "s|/tmp/testcert|$TMP/testcert|g" -e "s|media/boot/BCD|$TMP/media/boot/BCD|g" \
        -e "s|install\.wim|$TMP/media/sources/install.wim|g" -e "s|boot\.wim|$TMP/media/sources/boot.wim|g" \
        -e "s|win7\.qcow2|$TMP/win7.qcow2|g" -e "s|setupapi\.dev\.log|$TMP/setupapi.dev.log|g" \
        -e "s|^offstage |\"\$OFFSTAGE\" |")
    eval "$cmd" >"$OUT" 2>"$ERR"
    rc=$?
    case "$line" in offstage\ doctor*) [ "$rc" -le 1 ] && rc=0 ;; esac
    if [ "$rc" -eq 0 ]; then ok "README table command $i: $line"; else
        not_ok "README table command $i: $line" "exit $rc"
    fi
done <"$TMP/commands"
