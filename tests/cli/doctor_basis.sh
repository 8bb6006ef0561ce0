# CLI tests for `offstage doctor`: a failure it infers from the signature
# policy is a prediction ("expected: Code 52 because ..."), one Windows
# recorded (setupapi.dev.log's sig: lines, ConfigFlags FAILEDINSTALL) is
# evidence ("seen: ..."), in text and JSON; before the first boot with a
# device, "not installed yet" is no FAIL line and no exit 1 by itself; a
# device that already failed is told to be re-armed.
. tests/cli/lib.sh

CERT="$TMP/cert"
"$OFFSTAGE" make-test-cert --out "$CERT" >/dev/null 2>&1 || echo "not ok make-test-cert failed"
MODERN="$EXAMPLE/amd64/aero_virtio_snd.inf"
LEGACY="$EXAMPLE/amd64/aero-virtio-snd-legacy.inf"
B01='PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\3&267a616a&0&18'

image() { # NAME DEVICE-SPEC...
    name=$1
    shift
    for dev in "$@"; do set -- "$@" --with-device "$dev"; shift; done
    "$OFFSTAGE" make-test-image --arch amd64 "$@" "$TMP/$name" >/dev/null || echo "not ok make-test-image $name"
}
signed() { # IMG INF...
    img=$1
    shift
    for inf in "$@"; do set -- "$@" --driver "$inf"; shift; done
    "$OFFSTAGE" add-driver --image "$img" "$@" --test-sign --test-sign-dir "$CERT" >/dev/null 2>&1 || echo "not ok add-driver --test-sign"
}
unsigned() { # IMG INF
    "$OFFSTAGE" add-driver --image "$1" --driver "$2" --force-unsigned >/dev/null 2>&1 || echo "not ok add-driver"
}

# ---- not installed yet, predicted to load: WAIT, exit 0 ------------------------
image wait 1af4:1059:00191af4:01
signed "$TMP/wait" "$MODERN"
run doctor --image "$TMP/wait"
expect_status "not installed yet, nothing predicts a failure: exit 0" 0
expect_out "not installed yet: a WAIT line" '^WAIT +PCI.VEN_1AF4&DEV_1059.*: unbound: not installed yet; staged aero_virtio_snd.inf matches'
expect_no_out "not installed yet: no FAIL line" '^FAIL'
expect_out "not installed yet: predicted" '^  basis: predicted'
run doctor --image "$TMP/wait" --json
expect_json "json: pending, predicted, not failing, healthy" \
    "d['healthy'] and not d['all_bound'] and [x for x in d['devices'] if x['verdict']['kind']=='pending' and x['verdict']['basis']=='predicted' and not x['verdict']['fails'] and x['verdict']['expected'] is None and x['verdict']['seen'] is None]"

# ---- not installed yet, unsigned: the Code 52 is expected, a FAIL --------------
image waitbad 1af4:1059:00191af4:01
unsigned "$TMP/waitbad" "$MODERN"
run doctor --image "$TMP/waitbad"
expect_status "not installed yet, Code 52 predicted: exit 1" 1
expect_out "predicted Code 52 on the headline" '^FAIL +PCI.*: unbound: not installed yet; staged aero_virtio_snd.inf matches .*; expected: Code 52 because the signature policy.s verdict is: .*unsigned'
expect_out "predicted: the expected line" '^  expected: Code 52 because '
expect_no_out "predicted: nothing seen" '^  seen:'
run doctor --image "$TMP/waitbad" --json
expect_json "json: predicted Code 52" \
    "[x for x in d['devices'] if x['verdict']['basis']=='predicted' and x['verdict']['fails'] and x['verdict']['expected'].startswith('Code 52 because') and x['verdict']['seen'] is None] and not d['healthy']"

# ---- bound, unsigned, no log: predicted; with the log's sig: lines: evidence ---
image bound 1af4:1059:00191af4:01,bound=aero_virtio_snd,inf=oem3.inf
unsigned "$TMP/bound" "$MODERN"
run doctor --image "$TMP/bound" --json
expect_status "bound, Code 52 predicted: exit 1" 1
expect_json "json: bound, Code 52 predicted, not seen" \
    "[x for x in d['devices'] if x['verdict']['kind']=='no-load' and x['verdict']['basis']=='predicted' and x['verdict']['expected'].startswith('Code 52') and x['verdict']['seen'] is None and 'did not load' not in x['verdict']['text']]"
run doctor --image "$TMP/bound"
expect_out "bound, predicted: says expected, not that it did not load" '^FAIL +PCI.*REV_01.*: bound \(service aero_virtio_snd via oem3.inf.*\); expected: Code 52 because'

STORE='c:\windows\system32\driverstore\filerepository\aero_virtio_snd.inf_amd64_neutral_8e9b126a29c1f7f1'
{
    printf '%s\n' '[Device Install Log]' '     OS Version = 6.1.7601' '     Architecture = amd64' '' '[BeginLog]' '' \
        '[Boot Session: 2026/01/10 12:00:00.500]' ''
    printf '%s\n' ">>>  [Device Install (Hardware initiated) - $B01]" '>>>  Section start 2026/01/10 12:01:00.000' \
        "     dvi:                Selected driver installs from section [VirtioSnd_Device] in '$STORE\\aero_virtio_snd.inf'." \
        '!    sig:      Verifying file against specific (valid) catalog failed! (0x800b0109)' \
        '!!!  sig:      Driver package failed signature validation. Error = 0xE0000242 12:01:01.200' \
        '<<<  Section end 2026/01/10 12:01:02.000' '<<<  [Exit status: FAILURE(0xe0000242)]' ''
} >"$TMP/bound/Windows/inf/setupapi.dev.log"
run doctor --image "$TMP/bound"
expect_status "bound, Code 52 seen in the log: exit 1" 1
expect_out "seen: the headline says it did not load" '^FAIL +PCI.*REV_01.*: bound but the driver did not load: signature \(Code 52\).*; seen: the log.s sig: lines report the failure'
expect_out "seen: the evidence line" '^  seen: setupapi.dev.log, the latest install section 2026-01-10T12:01:00.000 .*sig: lines report a signature failure'
expect_out "seen: basis" '^  basis: evidence'
run doctor --image "$TMP/bound" --json
expect_json "json: Code 52 seen" \
    "[x for x in d['devices'] if x['verdict']['kind']=='no-load' and x['verdict']['basis']=='evidence' and 'sig:' in x['verdict']['seen']]"

# ---- never booted: no devnode; exit by what the waiting packages are predicted to do
image fresh
signed "$TMP/fresh" "$MODERN"
run doctor --image "$TMP/fresh"
expect_status "no devnode, test-signed package predicted to load: exit 0" 0
expect_out "no devnode: the waiting package's verdict is shown" '^            first boot: installs: silently .*; loads: yes'
run doctor --image "$TMP/fresh" --json
expect_json "json: no devnode, healthy" "d['devices']==[] and d['healthy'] and not d['all_bound']"
image freshbad
unsigned "$TMP/freshbad" "$MODERN"
run doctor --image "$TMP/freshbad"
expect_status "no devnode, unsigned package predicted to fail: exit 1" 1
expect_out "no devnode: the predicted failure is shown" '^            first boot: .*Code 52'

# ---- failed before the package was staged: re-arm ----------------------------------
image failed 1af4:1018:00191af4:00,failed
"$OFFSTAGE" add-driver --image "$TMP/failed" --driver "$LEGACY" --test-sign --test-sign-dir "$CERT" --no-rearm >/dev/null 2>&1 || echo "not ok add-driver --no-rearm"
run doctor --image "$TMP/failed"
expect_status "failed install, matching package: exit 1" 1
expect_out "failed: the fix names the re-arm" 'to change: run add-driver again for this package: it re-arms the device \(ConfigFlags \|= 0x20 REINSTALL\) so Windows installs it on the next boot'
expect_out "failed: seen" '^  seen: ConfigFlags FAILEDINSTALL \(0x40, Device Manager: Code 28\)'
run doctor --image "$TMP/failed" --json
expect_json "json: failed is evidence" "[x for x in d['devices'] if x['verdict']['kind']=='failed' and x['verdict']['basis']=='evidence' and x['verdict']['fails']]"

# the same device re-armed (ConfigFlags 0x60, as add-driver leaves it): WAIT
if command -v hivexregedit >/dev/null; then
    cp -a "$TMP/failed" "$TMP/rearmed"
    printf '%s\n' 'Windows Registry Editor Version 5.00' '' \
        '[\ControlSet001\Enum\PCI\VEN_1AF4&DEV_1018&SUBSYS_00191AF4&REV_00\3&267a616a&0&18]' \
        '"ConfigFlags"=dword:00000060' >"$TMP/rearm.reg"
    hivexregedit --merge "$TMP/rearmed/Windows/System32/config/SYSTEM" "$TMP/rearm.reg" || echo "not ok hivexregedit"
    run doctor --image "$TMP/rearmed"
    expect_status "re-armed: exit 0" 0
    expect_out "re-armed: a WAIT line" '^WAIT +PCI.*DEV_1018.*: unbound: re-armed after a failed install \(ConfigFlags REINSTALL\); staged aero-virtio-snd-legacy.inf matches'
else
    echo "skip re-armed: hivexregedit absent"
fi

# bound to another driver that the staged package matches: re-arm, then WAIT
image other 1af4:1059:00191af4:01,bound=othersnd,inf=oem9.inf
signed "$TMP/other" "$MODERN"
run doctor --image "$TMP/other"
expect_status "bound to another driver: exit 1" 1
expect_out "bound to another driver: the fix names the re-arm" 'to change: .*if this package ranks better, run add-driver again for this package: it re-arms the device \(ConfigFlags \|= 0x20 REINSTALL\)'
if command -v hivexregedit >/dev/null; then
    printf '%s\n' 'Windows Registry Editor Version 5.00' '' \
        '[\ControlSet001\Enum\PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\3&267a616a&0&18]' \
        '"ConfigFlags"=dword:00000020' >"$TMP/rearm-other.reg"
    hivexregedit --merge "$TMP/other/Windows/System32/config/SYSTEM" "$TMP/rearm-other.reg" || echo "not ok hivexregedit"
    run doctor --image "$TMP/other"
    expect_status "bound to another driver, re-armed: exit 0" 0
    expect_out "bound to another driver, re-armed: WAIT" '^WAIT +PCI.*REV_01.*: bound to another driver \(service othersnd via oem9.inf\), re-armed \(ConfigFlags REINSTALL\): Windows installs the device again on the next boot, and staged aero_virtio_snd.inf matches it'
fi

run doctor --help
expect_out "--help: WAIT is no failure" 'WAIT +unbound: not installed yet'
expect_out "--help: exit codes" 'Exit status: 0 every device is bound to the intended driver, or not'
expect_out "--help: expected and seen" 'A failure is either expected'
