# CLI tests for which boot store decides testsigning: what the image is
# (make-test-image --state: installed, generalized, winpe, none), --bcd
# given once or twice (the real Setup media store of ../shared/fixtures/bcd
# when present, else make-test-image's template as a store), the
# nointegritychecks warning, a template holding loaders, and
# --setup-complete on an installed system. Independent reader: hivexget.
. tests/cli/lib.sh

snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort; find . -type d | sort); }
same_as_before() { # NAME DIR SNAPSHOT-FILE
    if snapshot "$2" | cmp -s - "$3"; then ok "$1"; else not_ok "$1" "image changed"; fi
}
BLS='{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}'
# element_byte FILE GUID ELEMENT: the one-byte boolean as hivexget reads it
element_byte() { hivexget "$1" "\\Objects\\$2\\Elements\\$3" Element 2>/dev/null | od -An -tx1 | tr -d ' \n'; }

CER="$TMP/cert/offstage-test.cer"; KEY="$TMP/cert/offstage-test.key"
"$OFFSTAGE" make-test-cert --out "$TMP/cert" >/dev/null
# a test-signed copy of the example contract-v1 package: its catalog signed
PKG="$TMP/pkg"
make_package "$PKG" amd64
"$OFFSTAGE" make-cat "$PKG" --cert "$CER" --key "$KEY" >/dev/null
for st in installed generalized winpe none; do
    "$OFFSTAGE" make-test-image --arch amd64 --state "$st" --with-device 1af4:1059:00191af4:01 "$TMP/$st" >/dev/null
    "$OFFSTAGE" add-cert --image "$TMP/$st" --cert "$CER" >/dev/null
done

# Two stores as install media carry them (BIOS boot\BCD, UEFI efi\...\bcd).
if [ -r "$SHARED/fixtures/bcd/usbboot-bios-BCD.xz" ]; then
    xz -dc "$SHARED/fixtures/bcd/usbboot-bios-BCD.xz" > "$TMP/media.BCD"
    LOADER='{7619dcc9-fafe-11d9-b411-000476eba25f}'
else
    echo "skip: $SHARED/fixtures/bcd not present (../shared is absent in a user's clone); make-test-image's template stands in"
    cp "$TMP/none/Windows/System32/config/BCD-Template" "$TMP/media.BCD"
    LOADER=$BLS
fi
mkdir -p "$TMP/media/boot" "$TMP/media/efi"
ON="$TMP/media/boot/BCD"; OFF="$TMP/media/efi/bcd"
cp "$TMP/media.BCD" "$ON"; cp "$TMP/media.BCD" "$OFF"
"$OFFSTAGE" bcd --store "$ON" --set testsigning on >/dev/null

# ---- image kinds -----------------------------------------------------------------
run make-test-image --arch x86 --state nonsense "$TMP/bad"
expect_status "make-test-image --state: an unknown word is a usage error" 2
run make-test-image --help
expect_out "make-test-image --help names --state" "--state STATE"
h=$(hivexget "$TMP/installed/Windows/System32/config/SOFTWARE" '\Microsoft\Windows\CurrentVersion\Setup\State' ImageState)
[ "$h" = IMAGE_STATE_COMPLETE ] && ok "installed: ImageState as hivexget reads it" || not_ok "installed: ImageState" "$h"
h=$(hivexget "$TMP/generalized/Windows/System32/config/SYSTEM" '\Setup' CmdLine)
[ "$h" = 'oobe\windeploy.exe' ] && ok "generalized: SYSTEM\\Setup CmdLine as hivexget reads it" || not_ok "generalized: CmdLine" "$h"
if hivexget "$TMP/winpe/Windows/System32/config/SYSTEM" '\ControlSet001\Control\MiniNT' >/dev/null 2>&1; then
    ok "winpe: Control\\MiniNT exists for hivexget"
else
    not_ok "winpe: Control\\MiniNT" "hivexget does not find it"
fi
if [ -z "$(hivexget "$TMP/none/Windows/System32/config/SOFTWARE" '\Microsoft\Windows\CurrentVersion\Setup\State' ImageState 2>/dev/null)" ] &&
   [ ! -e "$TMP/none/Windows/Setup" ]; then
    ok "none (the default): no state written"
else
    not_ok "none: no state written" "ImageState or Windows\\Setup present"
fi

# ---- an installed system: its BCD-Template is not what boots ---------------------
run check-package "$PKG" --image "$TMP/installed"
expect_status "installed, no --bcd: check-package exits 0 (no verdict that fails)" 0
expect_out "installed, no --bcd: the verdict says unknown" "first boot \(amd64\): installs: silently .*; loads: unknown \(it is test-signed: it loads only if testsigning is on in the boot store, which was not given\)$"
expect_out "installed, no --bcd: the note says give --bcd, once" "^note \(verdicts resting on testsigning\): testsigning unknown: give --bcd \(the system partition's Boot\\\\BCD or EFI\\\\Microsoft\\\\Boot\\\\BCD\)"
if [ "$(grep -c 'testsigning unknown: give --bcd' "$OUT")" -eq 1 ]; then ok "installed, no --bcd: the caveat is said once"; else not_ok "installed, no --bcd: the caveat is said once" "$(grep -c 'testsigning unknown: give --bcd' "$OUT") times"; fi
expect_out "installed: the evidence is named" "^image: installed \(SOFTWARE\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Setup\\\\State\\\\ImageState = IMAGE_STATE_COMPLETE"
expect_no_out "installed, no --bcd: no verdict says it will load" "loads: yes"
expect_no_out "installed, no --bcd: BCD-Template is not read" "read the image's BCD-Template"
# turning testsigning on in its template changes nothing for an installed system
"$OFFSTAGE" bcd --image "$TMP/installed" --set testsigning on >/dev/null
run check-package "$PKG" --image "$TMP/installed" --json
expect_json "installed, template on: still unknown (JSON)" "d['packages'][0]['first_boot'][0]['verdict']=='depends' and d['packages'][0]['first_boot'][0]['testsigning'] is None and d['boot_policy']['image_kind']=='installed' and d['boot_policy']['stores']==[]"

run check-package "$PKG" --image "$TMP/installed" --bcd "$ON"
expect_status "installed, --bcd with testsigning on: exit 0" 0
expect_out "installed, --bcd on: will install and load" "first boot \(amd64\): installs: silently .*; loads: yes \(test-signed, testsigning on in BCD store"
expect_out "installed, --bcd on: the store read is named" "^testsigning: on \(BCD store $ON\)"
run check-package "$PKG" --image "$TMP/installed" --bcd "$OFF"
expect_status "installed, --bcd with testsigning off: exit 1" 1
expect_out "installed, --bcd off: Code 52, naming the store" "loads: Code 52 \(it is test-signed and testsigning is off in BCD store $OFF"

# ---- two stores: on only when on in both ---------------------------------------------
run check-package "$PKG" --image "$TMP/installed" --bcd "$ON" --bcd "$OFF"
expect_status "two stores, one off: exit 1" 1
expect_out "two stores, one off: names the one that is off and the other" "testsigning is off in BCD store $OFF \(on in $ON; the media may boot from either\)"
expect_out "two stores: both read are listed" "read $OFF: testsigning off"
run check-package "$PKG" --image "$TMP/installed" --bcd "$ON" --bcd "$ON" --json
expect_json "two stores, both on: loads, both named (JSON)" "d['packages'][0]['first_boot'][0]['verdict']=='loads' and [s['store'] for s in d['boot_policy']['stores']]==['$ON','$ON'] and d['boot_policy']['source']=='BCD stores $ON and $ON'"

# ---- Windows PE (boot.wim): its template has no effect --------------------------------
"$OFFSTAGE" bcd --image "$TMP/winpe" --set testsigning on >/dev/null
run check-package "$PKG" --image "$TMP/winpe"
expect_out "winpe, no --bcd: the template has no effect, said" "its BCD-Template has no effect"
expect_out "winpe, no --bcd: names the media's stores" "give --bcd with the media's boot\\\\BCD \(BIOS\) and efi\\\\microsoft\\\\boot\\\\bcd \(UEFI\)"
expect_no_out "winpe, template on: no verdict says it will load" "loads: yes"
run check-package "$PKG" --image "$TMP/winpe" --bcd "$ON" --bcd "$OFF"
expect_status "winpe, media stores one off: exit 1" 1
expect_out "winpe with --bcd: the template is still said to have no effect" "BCD-Template has no effect"

# ---- a generalized image (install.wim): the template, with its caveat -----------------
"$OFFSTAGE" bcd --image "$TMP/generalized" --set testsigning on >/dev/null
run check-package "$PKG" --image "$TMP/generalized"
expect_status "generalized, template on: exit 0" 0
expect_out "generalized: the verdict line ends with its parts" "loads: yes \(test-signed, testsigning on in the image.s BCD-Template; the kernel needs no trusted root\)$"
expect_out "generalized: the note says what it rests on" "^note \(verdicts resting on testsigning\): this rests on Windows 7 Setup carrying the BCD-Template's \{bootloadersettings\} into the installed boot store, which Microsoft does not document"
expect_out "generalized: the alternative is named" "bcdedit /set \{default\} testsigning on. in Windows\\\\Setup\\\\Scripts\\\\SetupComplete.cmd"
expect_out "generalized: the evidence is named" "^image: generalized \(.*IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE"
run check-package "$PKG" --image "$TMP/none"
expect_out "no state: template with the caveat and the --bcd advice" "does not document.*does not say whether it is installed.*give --bcd"
expect_no_out "no verdict offers nointegritychecks" "nointegritychecks"

# ---- add-driver: the same policy; --bcd repeatable, each store written ----------------
cp -a "$TMP/installed" "$TMP/inst2"
run add-driver --image "$TMP/inst2" --driver "$PKG"
expect_status "add-driver, installed, no --bcd: staged" 0
expect_out "add-driver, installed, no --bcd: unknown" "first boot \(amd64\): installs: silently .*; loads: unknown "
expect_out "add-driver, installed, no --bcd: the note says give --bcd" "^  note \(verdicts resting on testsigning\): testsigning unknown: give --bcd"
cp "$TMP/media.BCD" "$TMP/media/b1"; cp "$TMP/media.BCD" "$TMP/media/b2"
cp -a "$TMP/installed" "$TMP/inst3"
run add-driver --image "$TMP/inst3" --driver "$PKG" --test-sign-dir "$TMP/cert" --test-sign --bcd "$TMP/media/b1" --bcd "$TMP/media/b2" --json
expect_status "add-driver --test-sign, two --bcd: staged" 0
expect_json "add-driver: both stores in the JSON, both changed" "[s['store'] for s in d['bcd_stores']]==['$TMP/media/b1','$TMP/media/b2'] and all(s['changed'] for s in d['bcd_stores']) and d['bcd']['store']=='$TMP/media/b1'"
[ "$(element_byte "$TMP/media/b1" "$LOADER" 16000049)" = 01 ] && [ "$(element_byte "$TMP/media/b2" "$LOADER" 16000049)" = 01 ] &&
    ok "add-driver: testsigning on in both stores (hivexget)" || not_ok "add-driver: both stores" "not 01"
run add-driver --image "$TMP/inst3" --driver "$PKG" --test-sign-dir "$TMP/cert" --test-sign --bcd "$TMP/media/b1" --bcd "$TMP/media/b2"
expect_out "add-driver again: the verdict weighs both stores" "installs: silently .*; loads: yes"
expect_out "add-driver again: each store said already on" "BCD store $TMP/media/b2: testsigning already on"
# a store that cannot be written stops the command before anything is written
cp -a "$TMP/installed" "$TMP/inst4"; snapshot "$TMP/inst4" > "$TMP/inst4.snap"
cp "$TMP/media.BCD" "$TMP/media/c1"; cp "$TMP/media.BCD" "$TMP/media/c2"
run add-driver --image "$TMP/inst4" --driver "$PKG" --test-sign-dir "$TMP/cert" --test-sign --bcd "$TMP/media/c1" --bcd "$TMP/nowhere/c2"
expect_status "add-driver, second --bcd missing: exit 2" 2
same_as_before "add-driver, second --bcd missing: image byte-identical" "$TMP/inst4" "$TMP/inst4.snap"
cmp -s "$TMP/media/c1" "$TMP/media.BCD" && ok "add-driver, second --bcd missing: first store unchanged" || not_ok "first store unchanged" "changed"

# ---- doctor --bcd ---------------------------------------------------------------------------
run doctor --image "$TMP/inst2"
expect_out "doctor, installed, no --bcd: unknown" "first boot: installs: silently .*; loads: unknown "
expect_out "doctor, installed, no --bcd: the note says give --bcd" "^note \(verdicts resting on testsigning\): testsigning unknown: give --bcd"
expect_out "doctor: the image's kind and the policy are printed" "^testsigning: unknown: give --bcd"
run doctor --image "$TMP/inst2" --bcd "$ON"
expect_out "doctor --bcd on: will install and load" "first boot: installs: silently .*; loads: yes \(test-signed, testsigning on"
expect_out "doctor --bcd: the store read is named" "^  read $ON: testsigning on"
run doctor --image "$TMP/inst2" --bcd "$ON" --bcd "$OFF" --json
expect_json "doctor, two --bcd, one off: Code 52 naming it (JSON)" "'testsigning is off in BCD store $OFF' in json.dumps(d) and d['images'][0]['boot_policy']['testsigning'] is False"
run doctor --image "$TMP/inst2" --bcd "$TMP/nowhere"
expect_status "doctor, unreadable --bcd: exit 2" 2
# the image's own BCD-Template unreadable: not a bad input but a fact about
# the image; the verdicts stand with testsigning unknown, naming it
cp -a "$TMP/generalized" "$TMP/gen-bad"
head -c 8192 /dev/urandom > "$TMP/gen-bad/Windows/System32/config/BCD-Template"
run doctor --image "$TMP/gen-bad"
expect_status "doctor, garbage BCD-Template: a report, not an error" 1
expect_out "doctor, garbage BCD-Template: testsigning unknown, the template and the reason named" \
    "^testsigning: unknown: the image's BCD-Template cannot be read \(.*no 'regf' signature"
run check-package "$PKG" --image "$TMP/gen-bad"
expect_status "check-package, garbage BCD-Template: the verdict (exit 0: unknown predicts no failure)" 0
expect_out "check-package, garbage BCD-Template: the verdict says why testsigning is unknown" \
    "loads: unknown \(it is test-signed: it loads only if testsigning is on in the boot store, and the image's BCD-Template cannot be read"
expect_out "check-package, garbage BCD-Template: the fix replaces the template" "to change: .*replace Windows.System32.config.BCD-Template"

# ---- --setup-complete ------------------------------------------------------------------------
cp -a "$TMP/installed" "$TMP/inst5"; snapshot "$TMP/inst5" > "$TMP/inst5.snap"
run add-driver --image "$TMP/inst5" --driver "$PKG" --setup-complete
expect_status "--setup-complete on an installed system: exit 2" 2
expect_err "--setup-complete refused: the reason and the way out" "installed system .*SetupComplete.cmd only at the end of Setup, never again; nothing was changed. Stage without --setup-complete"
expect_no_out "--setup-complete refused: nothing printed as done" "staged into"
same_as_before "--setup-complete refused: image byte-identical" "$TMP/inst5" "$TMP/inst5.snap"
cp -a "$TMP/none" "$TMP/none2"
run add-driver --image "$TMP/none2" --driver "$PKG" --setup-complete
expect_status "--setup-complete, image that does not say: staged" 0
expect_err "--setup-complete, image that does not say: warned" "warning: .*does not say whether Setup will still run"
cp -a "$TMP/generalized" "$TMP/gen2"
run add-driver --image "$TMP/gen2" --driver "$PKG" --setup-complete
expect_status "--setup-complete on a generalized image: staged" 0
if grep -q warning "$ERR"; then not_ok "--setup-complete, generalized: no warning" "$(cat "$ERR")"; else ok "--setup-complete, generalized: no warning"; fi

# ---- bcd: nointegritychecks, help, templates with loaders ---------------------------------------
run bcd --help
expect_no_out "bcd --help: testsigning does not need a trusted certificate" "test certificate that"
expect_out "bcd --help: any certificate, no chain to a trusted root" "signed by any"
expect_out "bcd --help: nointegritychecks is ignored by Windows 7 and 8" "nointegritychecks is ignored by Windows 7 and Windows 8"
cp -a "$TMP/none" "$TMP/nic"
run bcd --image "$TMP/nic" --set nointegritychecks on
expect_status "bcd --set nointegritychecks on a Windows 7 image: still done" 0
expect_err "bcd --set nointegritychecks on a Windows 7 image: warns" "warning: .*Windows 7 \(6.1\), which ignores nointegritychecks"
cp "$TMP/media.BCD" "$TMP/nic.BCD"
run bcd --store "$TMP/nic.BCD" --set nointegritychecks on
expect_err "bcd --set nointegritychecks on a store: warns, assumed" "warning: .*ignored by Windows 7 and Windows 8.*assumed"
run bcd --store "$TMP/nic.BCD" --set nointegritychecks off
if grep -q warning "$ERR"; then not_ok "nointegritychecks off: no warning" "warned"; else ok "nointegritychecks off: no warning"; fi
run bcd --store "$TMP/nic.BCD" --set testsigning on
if grep -q warning "$ERR"; then not_ok "testsigning: no warning" "warned"; else ok "testsigning: no warning"; fi

if [ "$LOADER" != "$BLS" ]; then
    # the real Setup media store put in a template's place: a template holding a loader
    cp -a "$TMP/generalized" "$TMP/tl"
    cp "$TMP/media.BCD" "$TMP/tl/Windows/System32/config/BCD-Template"
    run bcd --image "$TMP/tl" --set testsigning on
    expect_status "template with a loader: set" 0
    expect_out "template with a loader: says both are edited" "a template store: editing \{bootloadersettings\}.*"
    T="$TMP/tl/Windows/System32/config/BCD-Template"
    [ "$(element_byte "$T" "$BLS" 16000049)" = 01 ] && ok "template with a loader: {bootloadersettings} testsigning 01 (hivexget)" ||
        not_ok "template with a loader: {bootloadersettings}" "$(element_byte "$T" "$BLS" 16000049)"
    [ "$(element_byte "$T" "$LOADER" 16000049)" = 01 ] && ok "template with a loader: its loader too (hivexget)" ||
        not_ok "template with a loader: loader" "not 01"
    # add-driver --test-sign on such an image turns it on the same way
    cp -a "$TMP/generalized" "$TMP/tl2"
    cp "$TMP/media.BCD" "$TMP/tl2/Windows/System32/config/BCD-Template"
    run add-driver --image "$TMP/tl2" --driver "$PKG" --test-sign --test-sign-dir "$TMP/cert"
    T="$TMP/tl2/Windows/System32/config/BCD-Template"
    [ "$(element_byte "$T" "$BLS" 16000049)" = 01 ] && ok "add-driver --test-sign, template with a loader: {bootloadersettings} on" ||
        not_ok "add-driver --test-sign, template with a loader" "$(element_byte "$T" "$BLS" 16000049)"
fi

# add-driver --test-sign on an installed system: turning testsigning on in its
# template is said to have no effect at boot
cp -a "$TMP/installed" "$TMP/inst6"
run add-driver --image "$TMP/inst6" --driver "$PKG" --test-sign --test-sign-dir "$TMP/cert"
expect_out "add-driver --test-sign, installed: the template edit is said to have no effect" "no effect at boot: an installed system boots from its system partition's store, not its BCD-Template; give --bcd"
