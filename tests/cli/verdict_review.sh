# CLI tests that a first-boot verdict's fix is a step that works: run as
# advised, it changes the verdict. The store that decides testsigning is
# the one its fix edits (a --bcd store with bcd --store, never the
# template an installed system or Windows PE does not boot from); a
# staged copy's fix that changes the package removes the copy first (else
# add-driver says "already staged"); doctor, check-package and add-driver
# agree that a verdict resting on a fact not known (depends) predicts no
# failure. Real stores: ../shared/fixtures/bcd when present.
. tests/cli/lib.sh

CER="$TMP/cert/offstage-test.cer"; KEY="$TMP/cert/offstage-test.key"
"$OFFSTAGE" make-test-cert --out "$TMP/cert" >/dev/null
PKG="$TMP/pkg"
make_package "$PKG" amd64

if [ -r "$SHARED/fixtures/bcd/usbboot-bios-BCD.xz" ]; then
    xz -dc "$SHARED/fixtures/bcd/usbboot-bios-BCD.xz" > "$TMP/media.BCD"
    xz -dc "$SHARED/fixtures/bcd/regipy-BCD.xz" > "$TMP/system.BCD"
else
    echo "skip: $SHARED/fixtures/bcd not present (../shared is absent in a user's clone); make-test-image's template stands in"
    "$OFFSTAGE" make-test-image --arch amd64 "$TMP/tpl" >/dev/null
    cp "$TMP/tpl/Windows/System32/config/BCD-Template" "$TMP/media.BCD"
    cp "$TMP/media.BCD" "$TMP/system.BCD"
fi

# run_advised_bcd: runs the first "offstage bcd --store FILE --set testsigning
# on" a "to change:" line of stdout advises, as written
run_advised_bcd() {
    set -- $(grep '^ *to change: ' "$OUT" | grep -o 'offstage bcd --store [^ ;]* --set testsigning on' | head -1)
    [ "$1" = offstage ] && shift && "$OFFSTAGE" "$@" >/dev/null
}

# ---- an installed system, --bcd store off: the fix edits that store ---------------
"$OFFSTAGE" make-test-image --arch amd64 --state installed "$TMP/inst" >/dev/null
"$OFFSTAGE" add-driver --image "$TMP/inst" --driver "$PKG" --test-sign --cert "$CER" --key "$KEY" >/dev/null
STORE="$TMP/system.BCD"
run get-driver-info --image "$TMP/inst" --driver aero_virtio_snd.inf --bcd "$STORE"
expect_out "installed, --bcd off: Code 52 from that store" "loads: Code 52 \(it is test-signed and testsigning is off in BCD store $STORE\)"
expect_out "installed, --bcd off: the fix turns it on in that store" "to change: turn test-signing on in the boot store where it is off: offstage bcd --store $STORE --set testsigning on$"
expect_no_out "installed, --bcd off: no fix edits the template" "to change: .*bcd --image"
# the advice, run as given, changes the verdict
run_advised_bcd
run get-driver-info --image "$TMP/inst" --driver aero_virtio_snd.inf --bcd "$STORE"
expect_out "installed, advice run: now loads" "loads: yes \(test-signed, testsigning on in BCD store $STORE"

# without --bcd the fix names the system partition's store, not the media's
run get-driver-info --image "$TMP/inst" --driver aero_virtio_snd.inf
expect_out "get-driver-info, no --bcd: testsigning unknown, and why" "^Testsigning: +unknown: give --bcd \(the system partition's Boot\\\\BCD or EFI\\\\Microsoft\\\\Boot\\\\BCD\)$"
run check-package "$PKG" --image "$TMP/inst"
expect_out "installed, no --bcd: the fix gives the system partition's store" "to change: give the store it boots from: --bcd FILE \(the system partition's Boot\\\\BCD or EFI\\\\Microsoft\\\\Boot\\\\BCD\)"

# ---- Windows PE: the fix names the media's two stores, never its template ---------
"$OFFSTAGE" make-test-image --arch amd64 --state winpe "$TMP/pe" >/dev/null
"$OFFSTAGE" add-driver --image "$TMP/pe" --driver "$PKG" --test-sign --cert "$CER" --key "$KEY" >/dev/null
run check-package "$PKG" --image "$TMP/pe"
expect_out "winpe, no --bcd: the fix gives the media's stores" "to change: give the media's stores: --bcd boot\\\\BCD --bcd efi\\\\microsoft\\\\boot\\\\bcd"
expect_no_out "winpe, no --bcd: no fix names an installed system's store" "to change: .*installed system"
mkdir -p "$TMP/media/boot" "$TMP/media/efi"
cp "$TMP/media.BCD" "$TMP/media/boot/BCD"; cp "$TMP/media.BCD" "$TMP/media/efi/bcd"
"$OFFSTAGE" bcd --store "$TMP/media/boot/BCD" --set testsigning on >/dev/null
run check-package "$PKG" --image "$TMP/pe" --bcd "$TMP/media/boot/BCD" --bcd "$TMP/media/efi/bcd"
expect_status "winpe, one of two stores off: exit 1" 1
expect_out "winpe, one store off: the fix edits only that store" "to change: turn test-signing on in the boot store where it is off: offstage bcd --store $TMP/media/efi/bcd --set testsigning on$"
run_advised_bcd
run check-package "$PKG" --image "$TMP/pe" --bcd "$TMP/media/boot/BCD" --bcd "$TMP/media/efi/bcd"
expect_status "winpe, advice run: both stores on, exit 0" 0

# ---- a staged copy's fix that signs the package anew removes the copy first -------
"$OFFSTAGE" make-test-image --arch amd64 --state generalized --sha2-update absent "$TMP/nosha2" >/dev/null
run add-driver --image "$TMP/nosha2" --driver "$PKG" --test-sign --digest sha256 --cert "$CER" --key "$KEY"
expect_out "SHA-256 on an image without SHA-2: Code 52" "loads: Code 52 \(it is signed with sha256"
FOLDER=$(ls "$TMP/nosha2/Windows/offstage/drivers")
expect_out "add-driver: the fix removes the staged copy first" "to change: remove the staged copy first \(offstage remove-driver --image TARGET --driver $FOLDER: add-driver keeps a package already staged as it is\), then sign with SHA-1"
run get-driver-info --image "$TMP/nosha2" --driver aero_virtio_snd.inf
expect_out "get-driver-info: the same fix" "to change: remove the staged copy first \(offstage remove-driver --image TARGET --driver $FOLDER"
run doctor --image "$TMP/nosha2"
expect_out "doctor: the same fix for the staged package" "to change: remove the staged copy first \(offstage remove-driver --image TARGET --driver $FOLDER"
# the fix's own step alone changes nothing (add-driver keeps the copy) ...
run add-driver --image "$TMP/nosha2" --driver "$PKG" --test-sign --digest sha1 --cert "$CER" --key "$KEY"
expect_out "without the removal: already staged, still Code 52" "already staged.*|loads: Code 52 \(it is signed with sha256"
# ... and the whole fix, run as written, does
"$OFFSTAGE" remove-driver --image "$TMP/nosha2" --driver "$FOLDER" >/dev/null
run add-driver --image "$TMP/nosha2" --driver "$PKG" --test-sign --digest sha1 --cert "$CER" --key "$KEY"
expect_out "removed, then signed with SHA-1: loads" "first boot \(amd64\): installs: silently .*; loads: yes"
run check-package "$PKG" --image "$TMP/nosha2"
expect_no_out "check-package: a staged copy that loads has no fix" "remove the staged copy first"
# a file of the staged copy changed after staging: the same first step
echo tampered >> "$TMP/nosha2/Windows/offstage/drivers/$FOLDER/aero_virtio_snd.sys"
run get-driver-info --image "$TMP/nosha2" --driver aero_virtio_snd.inf
expect_out "tampered staged file: the fix removes the copy, then signs" "to change: remove the staged copy first .*, then sign it for test: add-driver --test-sign"

# ---- a verdict that rests on a fact not known predicts no failure -------------------
# an installed system without --bcd: testsigning unknown, so the verdict
# depends; check-package and add-driver exit 0 on it, and so does doctor
"$OFFSTAGE" make-test-image --arch amd64 --state installed --with-device 1af4:1059:00191af4:01 "$TMP/dep" >/dev/null
"$OFFSTAGE" add-driver --image "$TMP/dep" --driver "$PKG" --test-sign --cert "$CER" --key "$KEY" >/dev/null
run check-package "$PKG" --image "$TMP/dep" --json
expect_json "depends: check-package's staged copy depends" "[c for c in d['packages'][0]['staged_copies'] if c['first_boot']['verdict']=='depends']"
expect_status "depends: check-package exits 0" 0
run doctor --image "$TMP/dep"
expect_status "depends: doctor exits 0 too" 0
expect_out "depends: a WAIT line that says it is not known" "^WAIT +PCI.VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01.*: unbound: not installed yet; .*; not known yet whether it loads: installs: silently .*; loads: unknown"
expect_no_out "depends: no FAIL line" "^FAIL "
expect_out "depends: the fix gives the store" "to change: give the store it boots from: --bcd FILE"
run doctor --image "$TMP/dep" --bcd "$STORE" # on: the advice above turned it on
expect_status "store given, testsigning on: doctor exits 0" 0
expect_out "store given, on: WAIT with nothing unknown" "^WAIT +PCI.VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01.*: unbound: not installed yet; staged aero_virtio_snd.inf matches and Plug and Play installs it on the next boot with the device$"
"$OFFSTAGE" bcd --store "$STORE" --set testsigning off >/dev/null
run doctor --image "$TMP/dep" --bcd "$STORE"
expect_status "store given, testsigning off: doctor exits 1" 1
expect_out "store given, off: FAIL, expected Code 52" "^FAIL +PCI.VEN_1AF4&DEV_1059.*; expected: Code 52 because"
# without a device, a staged package whose verdict depends waits too
"$OFFSTAGE" make-test-image --arch amd64 --state installed "$TMP/dep0" >/dev/null
"$OFFSTAGE" add-driver --image "$TMP/dep0" --driver "$PKG" --test-sign --cert "$CER" --key "$KEY" >/dev/null
run doctor --image "$TMP/dep0"
expect_status "depends, no device: doctor exits 0" 0

# ---- a signer not trusted prompts whether or not SHA-2 support is known -----------
# SHA-256, signer in no store, an image that records no servicing packages
mkdir -p "$TMP/sha256"
make_package "$TMP/sha256" amd64
"$OFFSTAGE" make-cat "$TMP/sha256" --cert "$CER" --key "$KEY" --digest sha256 >/dev/null
"$OFFSTAGE" make-test-image --arch amd64 --state generalized "$TMP/unk" >/dev/null
"$OFFSTAGE" bcd --image "$TMP/unk" --set testsigning on >/dev/null
run check-package "$TMP/sha256" --image "$TMP/unk"
expect_status "SHA-2 unknown, signer not trusted: a prompt is certain, exit 1" 1
expect_out "SHA-2 unknown, signer not trusted: installs after a prompt, and says what is not known" "first boot \(amd64\): installs: after a prompt \(its signer .*\(whether this Windows 7 verifies its sha256 catalog at all is not known: .*\)\); loads: unknown"
run check-package "$TMP/sha256" --image "$TMP/unk" --json
expect_json "SHA-2 unknown, signer not trusted: JSON prompt" "[v for v in d['packages'][0]['first_boot'] if v['verdict']=='prompt' and v['installs']=='prompt' and v['loads']=='unknown']"

# ---- a staged copy's verdict in JSON has its two parts, as the text does ----------
PARTS="v['installs']=='silently' and v['loads']=='unknown' and v['verdict']=='depends'"
run get-drivers --image "$TMP/dep" --json
expect_json "get-drivers JSON: installs and loads" "[1 for v in [r['verdict'] for i in d['images'] for r in i['drivers'] if r['state']=='staged'] if $PARTS]"
run get-driver-info --image "$TMP/dep" --driver aero_virtio_snd.inf --json
expect_json "get-driver-info JSON: installs and loads" "[1 for v in [d['staged_copy']['first_boot']] if $PARTS]"
run check-package "$PKG" --image "$TMP/dep" --json
expect_json "check-package staged copy JSON: installs and loads" "[1 for v in [c['first_boot'] for c in d['packages'][0]['staged_copies']] if $PARTS]"

# ---- the boot store's caveat: once per image in text, per verdict in JSON ---------
"$OFFSTAGE" make-test-image --arch amd64 --state generalized "$TMP/gen" >/dev/null
run add-driver --image "$TMP/gen" --driver "$PKG" --test-sign --cert "$CER" --key "$KEY"
expect_out "generalized: the verdict line ends with its parts" "first boot \(amd64\): installs: silently \(.*\); loads: yes \(test-signed, testsigning on in the image's BCD-Template; the kernel needs no trusted root\)$"
expect_out "generalized: the caveat is a note" "^  note \(verdicts resting on testsigning\): this rests on Windows 7 Setup carrying the BCD-Template's \{bootloadersettings\}.*SetupComplete.cmd"
run check-package "$PKG" --image "$TMP/gen" --json
expect_json "generalized: JSON keeps the caveat per verdict, apart from the summary" \
    "[v for v in [c['first_boot'] for c in d['packages'][0]['staged_copies']] if v['caveat'].startswith('this rests on Windows 7 Setup') and 'rests on' not in v['summary']]"
run get-driver-info --image "$TMP/gen" --driver aero_virtio_snd.inf
expect_out "get-driver-info: the caveat is a note under the verdict" "^  note \(the verdict rests on testsigning\): this rests on"
# x86 loads whatever testsigning says: its verdict has no caveat
"$OFFSTAGE" make-test-image --arch x86 --state generalized "$TMP/gen86" >/dev/null
mkdir -p "$TMP/pkg86"
make_package "$TMP/pkg86" x86
run add-driver --image "$TMP/gen86" --driver "$TMP/pkg86" --test-sign --cert "$CER" --key "$KEY" --json
expect_json "x86: no caveat on a verdict that does not rest on testsigning" "[v for v in d['images'][0]['verdicts'][0]['first_boot'] if v['caveat'] is None and v['verdict']=='loads']"
