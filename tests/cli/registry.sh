# CLI tests: the SYSTEM entries add-driver writes are those Windows 7 writes
# when it preinstalls a boot-critical driver (no DriverPackageId; the
# service-install AddReg), in the control set the next boot uses
# (Select\Default), and a device the image already saw that failed to
# install is re-armed (ConfigFlags |= 0x20 REINSTALL). remove-driver undoes
# exactly what was recorded. Read back with hivexregedit and hivexget,
# compared with the real Windows 7 SYSTEM hive where it has the same entry.
. tests/cli/lib.sh

SYS() { echo "$1/Windows/System32/config/SYSTEM"; }
export_system() { hivexregedit --export "$(SYS "$1")" '\'; }
bytes() { (cd "$1" && find . -type f -exec sha256sum {} + | sort; find . -type d | sort); }
same() { # NAME FILE-A FILE-B
    if cmp -s "$2" "$3"; then ok "$1"; else not_ok "$1" "differs: $(diff "$2" "$3" | head -8 | tr '\n' ' ')"; fi
}
edit_manifest() {
    python3 - "$1/Windows/offstage/manifest.json" "$2" <<'PY'
import json, sys
path = sys.argv[1]
d = json.load(open(path))
P = d['packages']
exec(sys.argv[2])
open(path, 'w').write(json.dumps(d, indent=2))
PY
}

# a boot-critical storage package whose service-install section has the
# AddReg every inbox miniport of Windows 7 has (Parameters\PnpInterface\5),
# values of the other types an INF writes, and a line offstage leaves to
# Windows (an HKLM root)
BLK="$TMP/blk"
mkdir -p "$BLK"
sed -e 's/^LoadOrderGroup = SCSI miniport/&\r\nAddReg         = RegStor_AddReg/' -e 's/^\[Strings\]/[RegStor_AddReg]\r\nHKR,"Parameters\\PnpInterface","5",0x00010001,1\r\nHKR,Parameters,Name,,"a name"\r\nHKR,Parameters,Path,0x00020000,"%%SystemRoot%%\\x"\r\nHKR,Parameters,List,0x00010000,"one","two"\r\nHKR,Parameters,Blob,0x00000001,01,ff\r\nHKR,Parameters,Kept,0x00000002,"noclobber"\r\nHKLM,"Software\\RegStor",Flag,0x00010001,1\r\n\r\n&/' \
    tests/data/teststor/teststor.inf > "$BLK/regstor.inf"
INF="$BLK/regstor.inf"
SVC=teststor
cp "$BUILD/testdrivers/amd64/testdrv.sys" "$BLK/testdrv.sys"
printf 'placeholder catalog' > "$BLK/teststor.cat"

IMG="$TMP/img"
run make-test-image --arch amd64 --with-device 1af4:1059:00191af4:01,failed "$IMG"
expect_status "make-test-image with a failed device" 0
if ! export_system "$IMG" | grep -q DriverPackageId; then ok "make-test-image: no DriverPackageId in the CDD (hivexregedit)"
else not_ok "make-test-image DriverPackageId" "$(export_system "$IMG" | grep -B3 DriverPackageId | head -4)"; fi
export_system "$IMG" > "$TMP/pristine.reg"

# ---- boot-critical: no DriverPackageId, the service's AddReg ---------------------
W="$TMP/w"
rm -rf "$W"; cp -a "$IMG" "$W"
run add-driver --image "$W" --driver "$INF" --json
expect_status "boot-critical package staged" 0
expect_json "json: says the service AddReg was written" "any('service-install AddReg' in n for n in d['images'][0]['packages'][0]['notes'])"
if export_system "$W" | grep -q DriverPackageId; then not_ok "no DriverPackageId after add-driver" "$(export_system "$W" | grep -B4 DriverPackageId | head -6)"
else ok "no DriverPackageId anywhere in SYSTEM after add-driver (hivexregedit)"; fi
if hivexregedit --export "$(SYS "$W")" "\\ControlSet001\\Control\\CriticalDeviceDatabase\\PCI#VEN_1AF4&DEV_1042&REV_01" 2>/dev/null | grep -q "\"Service\"="; then
    ok "CriticalDeviceDatabase entry written (hivexregedit)"; else not_ok "CDD entry" "missing"; fi
pnp=$(hivexregedit --export "$(SYS "$W")" "\\ControlSet001\\services\\$SVC\\Parameters\\PnpInterface" 2>/dev/null | grep '^"5"=')
if [ "$pnp" = '"5"=dword:00000001' ] && [ "$(hivexget "$(SYS "$W")" "\\ControlSet001\\services\\$SVC\\Parameters\\PnpInterface" 5)" = 1 ]; then
    ok "service AddReg: Parameters\\PnpInterface\\5 = REG_DWORD 1 (hivexget)"; else not_ok "service AddReg" "$pnp"; fi
P="\\ControlSet001\\services\\$SVC\\Parameters"
for v in 'Name=a name' 'Path=%SystemRoot%\x' 'Kept=noclobber'; do
    [ "$(hivexget "$(SYS "$W")" "$P" "${v%%=*}")" = "${v#*=}" ] && ok "service AddReg: ${v%%=*} (hivexget)" || not_ok "AddReg ${v%%=*}" "$(hivexget "$(SYS "$W")" "$P" "${v%%=*}")"
done
par=$(hivexregedit --export "$(SYS "$W")" "$P")
echo "$par" | grep -q '^"Path"=hex(2):' && ok "service AddReg: 0x20000 is REG_EXPAND_SZ (hivexregedit)" || not_ok "EXPAND_SZ" "$par"
echo "$par" | grep -q '^"List"=hex(7):6f,00,6e,00,65,00,00,00,74,00,77,00,6f,00,00,00,00,00' && ok "service AddReg: 0x10000 is REG_MULTI_SZ (hivexregedit)" || not_ok "MULTI_SZ" "$par"
echo "$par" | grep -q '^"Blob"=hex(3):01,ff' && ok "service AddReg: 0x1 is REG_BINARY (hivexregedit)" || not_ok "BINARY" "$par"
expect_json "json: the HKLM line is named and left to Windows" "any('regstor.inf:' in n and 'not preinstalled: its root is not HKR' in n for n in d['images'][0]['packages'][0]['notes'])"
if [ -r "$SHARED/fixtures/hives/win7sp1-SYSTEM.xz" ]; then
    xz -dc "$SHARED/fixtures/hives/win7sp1-SYSTEM.xz" > "$TMP/real-SYSTEM"
    real=$(hivexregedit --export "$TMP/real-SYSTEM" '\ControlSet001\services\LSI_SAS\Parameters\PnpInterface' | grep '^"5"=')
    [ "$real" = "$pnp" ] && ok "service AddReg has the real hive's shape (LSI_SAS: $real)" || not_ok "real hive shape" "real $real, ours $pnp"
else
    echo "skip real-hive shape: $SHARED/fixtures/hives/win7sp1-SYSTEM.xz not found"
fi
if [ -r "$SHARED/fixtures/inf/aero/aero_virtio_blk.inf" ]; then
    mkdir -p "$TMP/vblk" && cp "$SHARED/fixtures/inf/aero/aero_virtio_blk.inf" "$TMP/vblk/" &&
        cp "$BLK/testdrv.sys" "$TMP/vblk/aero_virtio_blk.sys" && printf x > "$TMP/vblk/aero_virtio_blk.cat"
    bytes "$IMG" > "$TMP/img.bytes"
    run add-driver --image "$IMG" --driver "$TMP/vblk/aero_virtio_blk.inf" --dry-run --json
    expect_json "the device's .HW AddReg is said to be Windows' to apply" "any('.HW AddReg (3 values) is applied by Windows when it finishes installing the device' in n for n in d['images'][0]['packages'][0]['notes'])"
    bytes "$IMG" > "$TMP/img2.bytes"
    same "dry run of a boot-critical package wrote nothing" "$TMP/img.bytes" "$TMP/img2.bytes"
fi
run remove-driver --image "$W" --driver all
expect_status "remove-driver" 0
export_system "$W" > "$TMP/after.reg"
same "add-driver then remove-driver: SYSTEM as before (hivexregedit)" "$TMP/pristine.reg" "$TMP/after.reg"

# ---- a CDD entry that exists (another service) is put back ---------------------
rm -rf "$W"; cp -a "$IMG" "$W"
printf 'Windows Registry Editor Version 5.00\n\n[\\ControlSet001\\Control\\CriticalDeviceDatabase\\PCI#VEN_1AF4&DEV_1042&REV_01]\n"Service"="oldstor"\n"ClassGUID"="{4D36E97B-E325-11CE-BFC1-08002BE10318}"\n' > "$TMP/cdd.reg"
hivexregedit --merge --encoding ASCII "$(SYS "$W")" "$TMP/cdd.reg"
export_system "$W" > "$TMP/with-cdd.reg"
run add-driver --image "$W" --driver "$INF"
expect_status "existing CDD entry: staged" 0
expect_out "existing CDD entry: said" 'CriticalDeviceDatabase.PCI#VEN_1AF4&DEV_1042&REV_01 exists \(service oldstor\)'
run remove-driver --image "$W" --driver all
export_system "$W" > "$TMP/after.reg"
same "existing CDD entry: put back as it was (hivexregedit)" "$TMP/with-cdd.reg" "$TMP/after.reg"

# ---- a value changed since add-driver is left, and said so ------------------------
rm -rf "$W"; cp -a "$IMG" "$W"
run add-driver --image "$W" --driver "$INF"
printf 'Windows Registry Editor Version 5.00\n\n[\\ControlSet001\\services\\%s\\Parameters\\PnpInterface]\n"5"=dword:00000000\n' "$SVC" > "$TMP/chg.reg"
hivexregedit --merge "$(SYS "$W")" "$TMP/chg.reg"
run remove-driver --image "$W" --driver all
expect_status "changed value: exit 0" 0
expect_err "changed value named" 'value "5" left alone: it is no longer what offstage wrote'
if hivexregedit --export "$(SYS "$W")" "\\ControlSet001\\services\\$SVC\\Parameters\\PnpInterface" 2>/dev/null | grep -q '"5"=dword:00000000'; then
    ok "changed value kept (hivexregedit)"; else not_ok "changed value kept" "removed"; fi

# ---- a package staged by an older offstage: DriverPackageId, no registry record ------
rm -rf "$W"; cp -a "$IMG" "$W"
run add-driver --image "$W" --driver "$INF"
FOLDER=$(ls "$W/Windows/offstage/drivers")
edit_manifest "$W" 'del P[0]["registry"]'
printf 'Windows Registry Editor Version 5.00\n\n[\\ControlSet001\\services\\%s]\n"DriverPackageId"="%s"\n\n[\\ControlSet001\\Control\\CriticalDeviceDatabase\\PCI#VEN_1AF4&DEV_1042&REV_01]\n"DriverPackageId"="%s"\n' "$SVC" "$FOLDER" "$FOLDER" > "$TMP/old.reg"
hivexregedit --merge --encoding ASCII "$(SYS "$W")" "$TMP/old.reg"
if export_system "$W" | grep -q DriverPackageId; then ok "old-style keys made (hivexregedit --merge)"; else not_ok "old-style keys" "merge failed"; fi
run remove-driver --image "$W" --driver all
expect_status "old-style package removed" 0
export_system "$W" > "$TMP/after.reg"
same "old-style package: SYSTEM as before (hivexregedit)" "$TMP/pristine.reg" "$TMP/after.reg"
# ... and without the DriverPackageId it was not offstage's key
rm -rf "$W"; cp -a "$IMG" "$W"
run add-driver --image "$W" --driver "$INF"
edit_manifest "$W" 'del P[0]["registry"]'
run remove-driver --image "$W" --driver all
expect_err "old-style manifest, key without DriverPackageId: left alone" "service \"$SVC\" left alone: its key has no DriverPackageId"

# ---- a registry record naming an inbox key is not acted on -------------------------
rm -rf "$W"; cp -a "$IMG" "$W"
run add-driver --image "$W" --driver "$INF"
edit_manifest "$W" 'P[0]["registry"]["created_keys"] += ["ControlSet001\\services\\LSI_SCSI", "ControlSet001\\Enum\\PCI"]; P[0]["registry"]["values"].append({"key": "ControlSet001\\services\\pciide", "name": "Start", "before": None, "after": {"type": 4, "data": "00000000"}})'
run remove-driver --image "$W" --driver all
expect_status "hostile registry record: exit 0" 0
expect_err "inbox key in created_keys named" 'service "LSI_SCSI" left alone: not a key offstage writes'
expect_err "inbox value named" 'registry value "Start" of "ControlSet001.{1,2}services.{1,2}pciide" left alone'
export_system "$W" > "$TMP/after.reg"
same "hostile registry record: SYSTEM as before add-driver (hivexregedit)" "$TMP/pristine.reg" "$TMP/after.reg"

# ---- Select\Current and Select\Default differ --------------------------------------
CS="$TMP/cs"
rm -rf "$CS"; cp -a "$IMG" "$CS"
hivexregedit --export "$(SYS "$CS")" '\ControlSet001' | sed 's/^\[\\ControlSet001/[\\ControlSet002/' > "$TMP/cs2.reg"
printf '\n[\\Select]\n"Default"=dword:00000002\n' >> "$TMP/cs2.reg"
hivexregedit --merge "$(SYS "$CS")" "$TMP/cs2.reg"
run add-driver --image "$CS" --driver "$INF" --json
expect_status "Current 1, Default 2: staged" 0
expect_err "says which control set is edited and why" 'Select.Current is 1 .* Select.Default is 2 \(the set the next boot uses, Microsoft KB102984\): editing ControlSet002'
expect_json "json: control_set 2 and the note" "d['images'][0]['image']['control_set'] == 2 and 'editing ControlSet002' in d['images'][0]['image']['control_set_note']"
if hivexregedit --export "$(SYS "$CS")" "\\ControlSet002\\services\\$SVC" >/dev/null 2>&1 && ! hivexregedit --export "$(SYS "$CS")" "\\ControlSet001\\services\\$SVC" >/dev/null 2>&1; then
    ok "the service is written to ControlSet002 (Default), not ControlSet001 (hivexregedit)"; else not_ok "control set edited" "wrong one"; fi
run get-drivers --image "$CS"
expect_err "a reader says it reads Current" 'read here.*the next boot uses ControlSet002'
run remove-driver --image "$CS" --driver all
expect_status "Current 1, Default 2: removed" 0
if ! hivexregedit --export "$(SYS "$CS")" "\\ControlSet002\\services\\$SVC" >/dev/null 2>&1; then ok "removed from ControlSet002"; else not_ok "removed from Default" "left"; fi
# a dry run plans on the set the real run writes
run set-param --image "$CS" --device 'PCI\VEN_1AF4&DEV_1059' ForceNullBackend=1 --dry-run
expect_err "set-param --dry-run: plans on Default, as the real run writes" 'Select.Default is 2 \(the set the next boot uses, Microsoft KB102984\): editing ControlSet002'
run set-param --image "$CS" --device 'PCI\VEN_1AF4&DEV_1059' ForceNullBackend=1
expect_err "set-param: writes Default" 'editing ControlSet002'

# ---- re-arm a device that failed to install --------------------------------------
INSTANCE='PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\3&267a616a&0&18'
ENUMKEY="\\ControlSet001\\Enum\\$INSTANCE"
flags() { hivexget "$(SYS "$1")" "$ENUMKEY" ConfigFlags; }
rm -rf "$W"; cp -a "$IMG" "$W"
bytes "$W" > "$TMP/before.bytes"
run add-driver --image "$W" --driver "$EXAMPLE/amd64/aero_virtio_snd.inf" --force-unsigned --dry-run
expect_status "re-arm dry run" 0
expect_out "dry run says what it would re-arm" 'would re-arm PCI.VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01.3&267a616a&0&18: ConfigFlags 0x40 -> 0x60'
bytes "$W" > "$TMP/after.bytes"
same "re-arm dry run wrote nothing" "$TMP/before.bytes" "$TMP/after.bytes"
run add-driver --image "$W" --driver "$EXAMPLE/amd64/aero_virtio_snd.inf" --force-unsigned
expect_status "re-arm: staged" 0
expect_out "says it re-armed the device" 're-armed PCI.VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01.3&267a616a&0&18: ConfigFlags 0x40 -> 0x60: it failed to install before'
[ "$(flags "$W")" = 96 ] && ok "ConfigFlags 0x60 (FAILEDINSTALL|REINSTALL) (hivexget)" || not_ok "ConfigFlags after re-arm" "$(flags "$W")"
if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); v=[c for c in d['packages'][0]['registry']['values'] if c['name']=='ConfigFlags']; sys.exit(0 if v and v[0]['before']=={'type':4,'data':'40000000'} and v[0]['after']=={'type':4,'data':'60000000'} else 1)" "$W/Windows/offstage/manifest.json"; then
    ok "manifest records the device and its old ConfigFlags"; else not_ok "manifest re-arm record" "$(grep -A8 ConfigFlags "$W/Windows/offstage/manifest.json")"; fi
run remove-driver --image "$W" --driver all
expect_status "re-arm undone: exit 0" 0
[ "$(flags "$W")" = 64 ] && ok "remove-driver puts ConfigFlags back to 0x40 (hivexget)" || not_ok "ConfigFlags after removal" "$(flags "$W")"
export_system "$W" > "$TMP/after.reg"
same "re-arm: SYSTEM after add and remove as before (hivexregedit)" "$TMP/pristine.reg" "$TMP/after.reg"
# Windows installed the device since: its ConfigFlags are its own now
rm -rf "$W"; cp -a "$IMG" "$W"
run add-driver --image "$W" --driver "$EXAMPLE/amd64/aero_virtio_snd.inf" --force-unsigned
printf 'Windows Registry Editor Version 5.00\n\n[\\ControlSet001\\Enum\\%s]\n"ConfigFlags"=dword:00000000\n' "$INSTANCE" > "$TMP/installed.reg"
hivexregedit --merge "$(SYS "$W")" "$TMP/installed.reg"
run remove-driver --image "$W" --driver all
expect_err "ConfigFlags changed since: left alone, said" 'ConfigFlags" left alone: it is no longer what offstage wrote'
[ "$(flags "$W")" = 0 ] && ok "ConfigFlags Windows wrote since kept (hivexget)" || not_ok "ConfigFlags kept" "$(flags "$W")"
# --no-rearm
rm -rf "$W"; cp -a "$IMG" "$W"
run add-driver --image "$W" --driver "$EXAMPLE/amd64/aero_virtio_snd.inf" --force-unsigned --no-rearm --json
expect_status "--no-rearm: staged" 0
expect_json "--no-rearm: json says it was not re-armed" "d['images'][0]['packages'][0]['rearm'][0]['rearmed'] is False and d['images'][0]['packages'][0]['rearm'][0]['config_flags_before'] == 64"
[ "$(flags "$W")" = 64 ] && ok "--no-rearm leaves ConfigFlags 0x40 (hivexget)" || not_ok "--no-rearm ConfigFlags" "$(flags "$W")"

# ---- re-arm a device bound to a driver the package outranks ----------------------
B="$TMP/bound"
run make-test-image --arch amd64 --with-device 1af4:1059:00191af4:01,bound=olddrv "$B"
DRV=$(hivexget "$(SYS "$B")" "$ENUMKEY" Driver)
printf 'Windows Registry Editor Version 5.00\n\n[\\ControlSet001\\Control\\Class\\%s]\n"MatchingDeviceId"="pci\\\\cc_0401"\n' "$DRV" > "$TMP/weak.reg"
cp -a "$B" "$B.strong"
hivexregedit --merge --encoding ASCII "$(SYS "$B")" "$TMP/weak.reg"
run add-driver --image "$B" --driver "$EXAMPLE/amd64/aero_virtio_snd.inf" --force-unsigned --dry-run --json
expect_json "bound by a class-code match, package unsigned: it does not outrank a signed driver" "d['images'][0]['packages'][0]['rearm'] == []"
"$OFFSTAGE" make-test-cert --out "$TMP/cert" >/dev/null
run add-driver --image "$B" --driver "$EXAMPLE/amd64/aero_virtio_snd.inf" --test-sign --test-sign-dir "$TMP/cert" --json
expect_status "bound by a class-code match, test-signed: staged" 0
expect_json "bound by a class-code match, test-signed: re-armed, the reason says why" "'bound to service olddrv, and this package matches it better' in d['images'][0]['packages'][0]['rearm'][0]['reason'] and d['images'][0]['packages'][0]['rearm'][0]['config_flags_after'] == 0x20"
[ "$(flags "$B")" = 32 ] && ok "bound device re-armed: ConfigFlags 0x20 (hivexget)" || not_ok "bound re-arm" "$(flags "$B")"
run add-driver --image "$B.strong" --driver "$EXAMPLE/amd64/aero_virtio_snd.inf" --test-sign --test-sign-dir "$TMP/cert" --json
expect_json "bound by its most specific ID: not re-armed" "d['images'][0]['packages'][0]['rearm'] == []"
