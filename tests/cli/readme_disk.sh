# The README's virtual-disk example, run as the README prints it (the block
# from "offstage make-test-image ... --disk" to the end of its code block),
# on a qcow2, a VHD and a VHDX: every command succeeds, the test-signing
# lands in the disk's own boot store, and the disk checks clean.
. tests/cli/lib.sh

for tool in qemu-img qemu-nbd mkntfs sfdisk; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "skip: $tool absent; the README disk example needs it"
        exit 0
    fi
done
awk '/^offstage make-test-image .*--disk/ { on = 1 } on && /^```/ { exit } on' README.md |
    sed -e 's/#.*//' | awk '{ if (sub(/\\[ ]*$/, "")) { line = line $0 } else { print line $0; line = "" } }' |
    grep -v '^ *$' > "$TMP/commands"
n=$(wc -l < "$TMP/commands")
if [ "$n" -ge 4 ] && grep -q 'add-driver .*--test-sign' "$TMP/commands" && grep -q '^offstage doctor' "$TMP/commands"; then
    ok "README: the disk example has its $n commands"
else
    not_ok "README: the disk example" "$(cat "$TMP/commands")"
fi
"$OFFSTAGE" make-test-cert --out "$TMP/testcert" >/dev/null

for pair in qcow2:qcow2 vpc:vhd vhdx:vhdx; do
    fmt=${pair%%:*} ext=${pair#*:}
    disk="$TMP/win7.$ext"
    i=0 failed=""
    while IFS= read -r line; do
        i=$((i + 1))
        cmd=$(printf '%s' "$line" | sed -e "s|/tmp/win7.qcow2|$disk|g" -e "s|/tmp/testcert|$TMP/testcert|g" \
            -e "s|^offstage |\"\$OFFSTAGE\" |")
        case "$line" in offstage\ make-test-image*) cmd="$cmd --format $fmt" ;; esac
        eval "$cmd" >"$OUT" 2>"$ERR"
        rc=$?
        # doctor answers 0 (all bound or waiting) or 1 (a device will not bind)
        case "$line" in offstage\ doctor*) [ "$rc" -le 1 ] && rc=0 ;; esac
        if [ "$rc" -ne 0 ]; then
            failed="$failed command $i (exit $rc)"
            not_ok "README disk example on $ext: command $i: $line" "exit $rc"
        fi
        case "$line" in
        *add-driver*) cp "$OUT" "$TMP/add.out" ;;
        *doctor*) cp "$OUT" "$TMP/doctor.out" ;;
        esac
    done < "$TMP/commands"
    [ -z "$failed" ] && ok "README disk example on $ext: all $i commands succeed"
    if grep -Eq "boot store partition 1 \(System Reserved\) .Boot.BCD of .*win7.$ext: testsigning turned on" "$TMP/add.out"; then
        ok "$ext: --test-sign turns testsigning on in the disk's own boot store"
    else
        cp "$TMP/add.out" "$OUT"; not_ok "$ext: --test-sign names the disk's store" "no 'testsigning turned on' line"
    fi
    run bcd --image "$disk" --check testsigning
    expect_status "$ext: bcd --check testsigning on the disk: on (exit 0)" 0
    expect_out "$ext: the answer names the System Reserved store" 'partition 1 \(System Reserved\) .Boot.BCD'
    if grep -Eq '^WAIT .*PCI.VEN_1AF4&DEV_1059' "$TMP/doctor.out"; then
        ok "$ext: doctor expects the device to install on the next boot"
    else
        cp "$TMP/doctor.out" "$OUT"; not_ok "$ext: doctor's WAIT line" "missing"
    fi
    run get-param --image "$disk" --device 'PCI\VEN_1AF4&DEV_1059'
    expect_out "$ext: the seed's toggles read back" 'ForceNullBackend.*1'
    if [ "$fmt" != vpc ]; then
        qemu-img check -f "$fmt" "$disk" >"$OUT" 2>&1
        STATUS=$?
        expect_status "$ext: qemu-img check is clean" 0
    fi
    leftovers=$(ls -a "$TMP" | grep -c 'offstage-')
    if [ "$leftovers" -eq 0 ]; then ok "$ext: no overlay left beside the disk"; else not_ok "$ext: overlay left" "$(ls -a "$TMP")"; fi
done
