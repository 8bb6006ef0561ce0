# CLI tests: the SYSTEM entries add-driver records are undone exactly by
# remove-driver when packages share what they wrote (two packages with one
# CriticalDeviceDatabase ID, two packages matching one re-armed device),
# removed in either order or together; hostile and changed states are
# refused or left and named. Hives are read back with hivexregedit and
# hivexget, not through offstage.
. tests/cli/lib.sh

SYS() { echo "$1/Windows/System32/config/SYSTEM"; }
export_system() { hivexregedit --export "$(SYS "$1")" '\'; }
same() { # NAME FILE-A FILE-B
    if cmp -s "$2" "$3"; then ok "$1"; else not_ok "$1" "differs: $(diff "$2" "$3" | head -8 | tr '\n' ' ')"; fi
}
CDD='\ControlSet001\Control\CriticalDeviceDatabase\PCI#VEN_1AF4&DEV_1042&REV_01'

# two boot-critical packages for the same ID, each with its own service
mkdir -p "$TMP/a" "$TMP/b"
cp tests/data/teststor/teststor.inf "$TMP/a/"
cp "$BUILD/testdrivers/amd64/testdrv.sys" "$TMP/a/"
printf 'placeholder catalog' > "$TMP/a/teststor.cat"
sed -e 's/teststor, 0x/otherstor, 0x/' -e 's/testdrv\.sys/otherdrv.sys/' -e 's/^CatalogFile.*/CatalogFile = otherstor.cat/' \
    tests/data/teststor/teststor.inf > "$TMP/b/otherstor.inf"
cp "$BUILD/testdrivers/amd64/testdrv.sys" "$TMP/b/otherdrv.sys"
printf 'placeholder catalog' > "$TMP/b/otherstor.cat"
IMG="$TMP/img"
run make-test-image --arch amd64 "$IMG"
expect_status "make-test-image" 0
export_system "$IMG" > "$TMP/pristine.reg"

W="$TMP/w"
both() {
    rm -rf "$W"; cp -a "$IMG" "$W"
    run add-driver --image "$W" --driver "$TMP/a/teststor.inf"
    [ "$STATUS" -eq 0 ] || not_ok "shared CDD ID: first package staged" "exit $STATUS"
    run add-driver --image "$W" --driver "$TMP/b/otherstor.inf"
    [ "$STATUS" -eq 0 ] || not_ok "shared CDD ID: second package staged" "exit $STATUS"
}
cdd_service() { hivexget "$(SYS "$W")" "$CDD" Service 2>/dev/null; }

# the first one removed: the second one's entry stays, then goes with it
both
run remove-driver --image "$W" --driver teststor.inf
expect_status "shared CDD ID, first removed: exit 0" 0
[ "$(cdd_service)" = otherstor ] && ok "shared CDD ID, first removed: the second package's CDD entry stays (hivexget)" ||
    not_ok "shared CDD ID, first removed: CDD entry" "Service is '$(cdd_service)'"
run remove-driver --image "$W" --driver otherstor.inf
expect_status "shared CDD ID, then the second: exit 0" 0
export_system "$W" > "$TMP/after.reg"
same "shared CDD ID, removed first then second: SYSTEM as before (hivexregedit)" "$TMP/pristine.reg" "$TMP/after.reg"

# the second one removed: the first one's entry is put back, then goes with it
both
run remove-driver --image "$W" --driver otherstor.inf
expect_status "shared CDD ID, second removed: exit 0" 0
[ "$(cdd_service)" = teststor ] && ok "shared CDD ID, second removed: the CDD entry names the first package's service again (hivexget)" ||
    not_ok "shared CDD ID, second removed: CDD entry" "Service is '$(cdd_service)'"
run remove-driver --image "$W" --driver teststor.inf
expect_status "shared CDD ID, then the first: exit 0" 0
if [ -s "$ERR" ]; then not_ok "shared CDD ID, then the first: nothing left alone" "$(cat "$ERR")"; else ok "shared CDD ID, then the first: nothing left alone"; fi
export_system "$W" > "$TMP/after.reg"
same "shared CDD ID, removed second then first: SYSTEM as before (hivexregedit)" "$TMP/pristine.reg" "$TMP/after.reg"

# both at once
both
run remove-driver --image "$W" --driver all
expect_status "shared CDD ID, all removed: exit 0" 0
if [ -s "$ERR" ]; then not_ok "shared CDD ID, all removed: nothing left alone" "$(cat "$ERR")"; else ok "shared CDD ID, all removed: nothing left alone"; fi
export_system "$W" > "$TMP/after.reg"
same "shared CDD ID, all removed: SYSTEM as before (hivexregedit)" "$TMP/pristine.reg" "$TMP/after.reg"

# ---- remove-driver --with-trust on a trust record edited by hand ------------------
bytes() { (cd "$1" && find . -type f -exec sha256sum {} + | sort; find . -type d | sort); }
"$OFFSTAGE" make-test-cert --out "$TMP/cert" >/dev/null
TS="$TMP/ts"
run make-test-image --arch amd64 "$TS"
run add-driver --image "$TS" --driver "$EXAMPLE/amd64/aero_virtio_snd.inf" --test-sign --test-sign-dir "$TMP/cert"
expect_status "test-signed package staged" 0
# hostile NAME PLACE PYTHON: the edited record is refused, naming the place, and nothing is written
hostile() {
    rm -rf "$W"; cp -a "$TS" "$W"
    python3 -c "import json,sys;p=sys.argv[1];d=json.load(open(p));t=d['test_signing'];exec(sys.argv[2]);open(p,'w').write(json.dumps(d))" \
        "$W/Windows/offstage/manifest.json" "$3"
    bytes "$W" > "$TMP/h.before"
    run remove-driver --image "$W" --driver all --with-trust
    expect_status "hostile trust record, $1: exit 2" 2
    expect_err "hostile trust record, $1: the place is named" "manifest.json: test_signing$2"
    bytes "$W" > "$TMP/h.after"
    same "hostile trust record, $1: nothing written (sha256sum)" "$TMP/h.before" "$TMP/h.after"
}
hostile "a store in added_to and already_in" '\.certificates\[0\]\.already_in: "ROOT" is both' \
    't["certificates"][0]["already_in"] = ["ROOT"]'
hostile "a certificate recorded twice" '\.certificates\[1\]\.thumbprint: .* is recorded twice' \
    't["certificates"].append(dict(t["certificates"][0]))'
hostile "a store named twice" '\.certificates\[0\]\.added_to\[1\]: "ROOT" is named twice' \
    't["certificates"][0]["added_to"] = ["ROOT", "ROOT", "TrustedPublisher"]'
hostile "a testsigning object recorded twice" '\.testsigning_before\[1\]\.object: .* recorded twice' \
    't["testsigning_before"].append(dict(t["testsigning_before"][0]))'
hostile "a store path ending in .." '\.testsigning_before\[0\]\.store: ' 't["testsigning_before"][0]["store"] = "/tmp/x/.."'
hostile "a store path with ." '\.testsigning_before\[0\]\.store: ' 't["testsigning_before"][0]["store"] = "/tmp/./x"'
# a thumbprint of a certificate the image does not hold: nothing is said to be removed
rm -rf "$W"; cp -a "$TS" "$W"
python3 -c "import json,sys;p=sys.argv[1];d=json.load(open(p));d['test_signing']['certificates'][0]['thumbprint']='0'*40;open(p,'w').write(json.dumps(d))" \
    "$W/Windows/offstage/manifest.json"
run remove-driver --image "$W" --driver all --with-trust
expect_status "a certificate no longer in the stores: exit 0" 0
expect_no_out "a certificate no longer in the stores: not said to be removed" "0{40} removed from"
expect_out "a certificate no longer in the stores: said so" "0{40} is no longer in ROOT \(removed since\)"

# ---- a service-install AddReg of every flag, and lines that name no plain key ------
# ".." is no parent in the registry (it would make a key named ".."), an
# empty component or one over 255 characters is no key name, and the
# service's own values are offstage's to write from the service section
mkdir -p "$TMP/r"
python3 - "$TMP/r/regstor.inf" <<'PY'
import sys
src = open('tests/data/teststor/teststor.inf').read()
src = src.replace('LoadOrderGroup = SCSI miniport', 'LoadOrderGroup = SCSI miniport\r\nAddReg = R_AddReg')
lines = r'''[R_AddReg]
HKR,"..\..\Control\Evil",X,0x00010001,1
HKR,"Parameters\..\..\pciide",Start,0x00010001,4
HKR,"Parameters\\Double",D,0x00010001,1
HKR,"Parameters\%s",L,0x00010001,1
HKR,,Start,0x00010001,3
HKR,,ImagePath,0x00020000,"\??\C:\evil.sys"
HKR,Parameters,Big,,"%s"
HKR,Parameters,List,0x00010008,"a"
HKR,Parameters,List,0x00010008,"b"
HKR,Parameters,List,0x00010008,"a"
HKR,Parameters,Gone,0x00000004
HKR,Parameters\KeyOnly,,0x00000010
HKR,Parameters,Name,0x00000002,"first"
HKR,Parameters,Name,0x00000002,"second"
HKR,Parameters,Bin,0x00000001,de,ad
HKR,Parameters,Exp,0x00020000,"%%SystemRoot%%"

''' % ('k' * 300, 'v' * 4000)
open(sys.argv[1], 'w').write(src.replace('[Strings]', lines + '[Strings]'))
PY
cp "$BUILD/testdrivers/amd64/testdrv.sys" "$TMP/r/"
printf 'placeholder catalog' > "$TMP/r/teststor.cat"
rm -rf "$W"; cp -a "$IMG" "$W"
run add-driver --image "$W" --driver "$TMP/r/regstor.inf"
expect_status "AddReg of every flag: staged" 0
for l in 49 50 51 52; do
    expect_out "AddReg line $l (no plain key path): not preinstalled, said" "regstor.inf:$l: AddReg line of service teststor not preinstalled: its subkey is not a plain key path"
done
expect_out "AddReg of the service's own Start: not preinstalled, said" "regstor.inf:53: .*not preinstalled: it would change the service's own value"
export_system "$W" > "$TMP/staged.reg"
if grep -q '\\\.\.\]\|\\\.\.\\' "$TMP/staged.reg"; then not_ok "no key named .. written" "$(grep -F '..' "$TMP/staged.reg" | head -3)"
else ok "no key named .. written (hivexregedit)"; fi
[ "$(hivexget "$(SYS "$W")" '\ControlSet001\services\teststor' Start)" = 0 ] && ok "the service's Start stays 0 (hivexget)" ||
    not_ok "service Start" "$(hivexget "$(SYS "$W")" '\ControlSet001\services\teststor' Start)"
P='\ControlSet001\services\teststor\Parameters'
[ "$(hivexget "$(SYS "$W")" "$P" Name)" = first ] && ok "NOCLOBBER keeps the first value (hivexget)" || not_ok "NOCLOBBER" "$(hivexget "$(SYS "$W")" "$P" Name)"
hivexregedit --export "$(SYS "$W")" "$P" | grep -q '^"List"=hex(7):61,00,00,00,62,00,00,00,00,00' && ok "APPEND adds each string once (hivexregedit)" ||
    not_ok "APPEND" "$(hivexregedit --export "$(SYS "$W")" "$P" | grep List)"
[ "$(hivexget "$(SYS "$W")" "$P" Big | wc -c)" -gt 4000 ] && ok "a 4000-character value written whole (hivexget)" || not_ok "long value" "short"
hivexregedit --export "$(SYS "$W")" "$P\\KeyOnly" >/dev/null 2>&1 && ok "KEYONLY makes the key (hivexregedit)" || not_ok "KEYONLY" "no key"
run remove-driver --image "$W" --driver all
expect_status "AddReg of every flag: removed" 0
if [ -s "$ERR" ]; then not_ok "AddReg of every flag: nothing left alone" "$(head -3 "$ERR")"; else ok "AddReg of every flag: nothing left alone"; fi
export_system "$W" > "$TMP/after.reg"
same "AddReg of every flag: SYSTEM as before (hivexregedit)" "$TMP/pristine.reg" "$TMP/after.reg"

# ---- two packages matching one failed device ----------------------------------------
INSTANCE='PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\3&267a616a&0&18'
flags() { hivexget "$(SYS "$W")" "\\ControlSet001\\Enum\\$INSTANCE" ConfigFlags; }
FD="$TMP/failed"
run make-test-image --arch amd64 --with-device 1af4:1059:00191af4:01,failed "$FD"
export_system "$FD" > "$TMP/failed.reg"
mkdir -p "$TMP/snd2"
cp "$EXAMPLE/amd64/aero_virtio_snd.sys" "$TMP/snd2/"
sed 's/^DriverVer.*/DriverVer = 01\/01\/2030,9.0.0.0/' "$EXAMPLE/amd64/aero_virtio_snd.inf" > "$TMP/snd2/other_snd.inf"
two_rearmed() {
    rm -rf "$W"; cp -a "$FD" "$W"
    run add-driver --image "$W" --driver "$EXAMPLE/amd64/aero_virtio_snd.inf" --force-unsigned
    run add-driver --image "$W" --driver "$TMP/snd2/other_snd.inf" --force-unsigned
}
two_rearmed
expect_out "a device re-armed for another staged package: recorded for this one too, said" \
    "re-armed PCI.VEN_1AF4.* ConfigFlags 0x60 -> 0x60: offstage re-armed it for aero_virtio_snd.inf_amd64_neutral_"
run remove-driver --image "$W" --driver aero_virtio_snd.inf
[ "$(flags)" = 96 ] && ok "first package removed: the device stays re-armed for the second (hivexget)" || not_ok "re-arm kept" "ConfigFlags $(flags)"
run remove-driver --image "$W" --driver other_snd.inf
[ "$(flags)" = 64 ] && ok "second package removed: ConfigFlags 0x40 again (hivexget)" || not_ok "re-arm undone" "ConfigFlags $(flags)"
export_system "$W" > "$TMP/after.reg"
same "two packages re-arming one device, removed in staging order: SYSTEM as before (hivexregedit)" "$TMP/failed.reg" "$TMP/after.reg"
two_rearmed
run remove-driver --image "$W" --driver other_snd.inf
[ "$(flags)" = 96 ] && ok "second package removed first: the device stays re-armed for the first (hivexget)" || not_ok "re-arm kept" "ConfigFlags $(flags)"
run remove-driver --image "$W" --driver aero_virtio_snd.inf
export_system "$W" > "$TMP/after.reg"
same "two packages re-arming one device, removed in reverse order: SYSTEM as before (hivexregedit)" "$TMP/failed.reg" "$TMP/after.reg"
two_rearmed
run remove-driver --image "$W" --driver all
export_system "$W" > "$TMP/after.reg"
same "two packages re-arming one device, removed together: SYSTEM as before (hivexregedit)" "$TMP/failed.reg" "$TMP/after.reg"

# ---- a second package for a service a staged package installs ------------------------
mkdir -p "$TMP/c"
sed 's/^CatalogFile.*/CatalogFile = samestor.cat/' tests/data/teststor/teststor.inf > "$TMP/c/samestor.inf"
cp "$BUILD/testdrivers/amd64/testdrv.sys" "$TMP/c/"
printf 'placeholder catalog' > "$TMP/c/samestor.cat"
rm -rf "$W"; cp -a "$IMG" "$W"
run add-driver --image "$W" --driver "$TMP/a/teststor.inf"
export_system "$W" > "$TMP/one.reg"
run add-driver --image "$W" --driver "$TMP/c/samestor.inf"
expect_status "the same service again: refused" 1
expect_out "the same service again: names the staged package it belongs to" \
    "service teststor is the service of teststor.inf_amd64_neutral_[0-9a-f]+, which offstage staged; .*remove-driver --driver teststor.inf_amd64"
expect_no_out "the same service again: not said to be the image's own" "was not staged by offstage"
export_system "$W" > "$TMP/after.reg"
same "the same service again: SYSTEM untouched (hivexregedit)" "$TMP/one.reg" "$TMP/after.reg"

# ---- Select\Default names a control set SYSTEM does not have --------------------------
bytes() { (cd "$1" && find . -type f -exec sha256sum {} + | sort; find . -type d | sort); }
rm -rf "$W"; cp -a "$IMG" "$W"
printf 'Windows Registry Editor Version 5.00\n\n[\\Select]\n"Default"=dword:00000003\n' > "$TMP/sel.reg"
hivexregedit --merge "$(SYS "$W")" "$TMP/sel.reg"
bytes "$W" > "$TMP/sel.before"
run add-driver --image "$W" --driver "$TMP/a/teststor.inf"
expect_status "Select\\Default 3 without ControlSet003: exit 2" 2
expect_err "Select\\Default 3 without ControlSet003: names the key and what to do" \
    'Select.Default is 3 but SYSTEM has no key ControlSet003; nothing was changed: point Select.Default at a ControlSetNNN key'
bytes "$W" > "$TMP/sel.after"
same "Select\\Default 3 without ControlSet003: nothing written (sha256sum)" "$TMP/sel.before" "$TMP/sel.after"
