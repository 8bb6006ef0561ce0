# CLI tests: Windows\offstage\manifest.json is part of the image, so it may
# be damaged or hostile. remove-driver acts only on what offstage itself
# wrote (files in the package's staging folder, boot files whose content is
# what it copied, the Services and CriticalDeviceDatabase keys and values
# its registry record says it wrote, still as it wrote them) and names
# every entry it leaves alone; a
# manifest of the wrong shape stops every command with exit 2. What stays
# is read back with hivexregedit and sha256sum, not through offstage.
# Also: DevicePath of a type Windows cannot read is reported, not silently
# replaced.
. tests/cli/lib.sh

# every file but the hives, by checksum, and the folders
files_state() { (cd "$1" && find . -type f ! -path './Windows/System32/config/*' -exec sha256sum {} + | sort; find . -type d | sort); }
# the image as Windows would see it: files, and both hives as registry text
state() {
    files_state "$1"
    hivexregedit --export "$1/Windows/System32/config/SYSTEM" '\'
    hivexregedit --export "$1/Windows/System32/config/SOFTWARE" '\'
}
# every byte, hives included: "nothing written"
bytes() { (cd "$1" && find . -type f -exec sha256sum {} + | sort; find . -type d | sort); }
same() { # NAME FILE-A FILE-B
    if cmp -s "$2" "$3"; then ok "$1"; else not_ok "$1" "differs: $(diff "$2" "$3" | head -8 | tr '\n' ' ')"; fi
}
# edit_manifest DIR PYTHON: runs PYTHON with d (the document), P (its packages list)
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
SYSTEM_OF() { echo "$1/Windows/System32/config/SYSTEM"; }
key_exists() { hivexregedit --export "$(SYSTEM_OF "$1")" "$2" >/dev/null 2>&1; }

IMG="$TMP/pristine"
run make-test-image --arch x86 "$IMG"
expect_status "make-test-image x86" 0
state "$IMG" > "$TMP/pristine.state"
# the boot-critical test package and the example package
mkdir -p "$TMP/stor" && cp tests/data/teststor/teststor.inf "$TMP/stor/" && cp "$BUILD/testdrivers/x86/testdrv.sys" "$TMP/stor/"
printf 'placeholder catalog' > "$TMP/stor/teststor.cat"
STAGED="$TMP/staged"
cp -a "$IMG" "$STAGED"
run add-driver --image "$STAGED" --driver "$TMP/stor"
expect_status "boot-critical package staged" 0
STOR=$(ls "$STAGED/Windows/offstage/drivers")
run add-driver --image "$STAGED" --driver "$EXAMPLE/x86/aero_virtio_snd.inf" --force-unsigned
expect_status "second package staged" 0
SND=$(ls "$STAGED/Windows/offstage/drivers" | grep '^aero_virtio_snd')
if key_exists "$STAGED" '\ControlSet001\services\teststor' && [ -f "$STAGED/Windows/System32/drivers/testdrv.sys" ]; then
    ok "boot-critical entries written"; else not_ok "boot-critical entries" "missing"; fi
if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); p=d['packages'][0]; sys.exit(0 if p['boot_file_sha256']=={'Windows\\\\System32\\\\drivers\\\\testdrv.sys': sys.argv[2]} else 1)" \
    "$STAGED/Windows/offstage/manifest.json" "$(sha256sum "$TMP/stor/testdrv.sys" | cut -d' ' -f1)" 2>/dev/null; then
    ok "manifest records the SHA-256 of the boot file it copied (sha256sum)"
else
    not_ok "boot file hash recorded" "$(grep -A3 boot_file "$STAGED/Windows/offstage/manifest.json")"
fi

W="$TMP/work"
fresh() { rm -rf "$W"; cp -a "$STAGED" "$W"; }
# remove_all NAME: removes every package, then the image must be the pristine one
remove_all_pristine() {
    run remove-driver --image "$W" --driver all
    expect_status "$1: exit 0" 0
    state "$W" > "$TMP/after.state"
    same "$1: image as before add-driver, inbox keys and files kept (hivexregedit, sha256sum)" "$TMP/pristine.state" "$TMP/after.state"
}

fresh
remove_all_pristine "plain manifest"

# "services": [""] named the Services key itself, and "" the whole CriticalDeviceDatabase
fresh
edit_manifest "$W" 'P[0]["services"] = ["", "teststor"]; P[0]["critical_device_database"] = ["", "PCI#VEN_1AF4&DEV_1042&REV_01"]'
remove_all_pristine "empty service and CDD names"
expect_err "empty service name named as left alone" 'service "" left alone'
expect_err "empty CDD name named as left alone" 'CriticalDeviceDatabase key "" left alone'

# inbox service and CDD entries named in the manifest
fresh
edit_manifest "$W" 'P[0]["services"] += ["LSI_SCSI", "pciide"]; P[0]["critical_device_database"] += ["pci#ven_1000&dev_0030"]'
remove_all_pristine "inbox service named"
expect_err "inbox service named as left alone" 'service "LSI_SCSI" left alone: the manifest records no key offstage created'
expect_err "inbox CDD entry named as left alone" 'CriticalDeviceDatabase key "pci#ven_1000&dev_0030" left alone'

# a key path instead of a name: services\teststor\..\LSI_SCSI, Enum
fresh
edit_manifest "$W" 'P[0]["services"] += ["teststor\\..\\LSI_SCSI", "..\\Enum", "teststor\\Enum"]'
remove_all_pristine "key paths in service names"
expect_err "key path refused by name" 'service "teststor.{1,2}\.\..{1,2}LSI_SCSI" left alone: not a key name'

# system files named as staged files and boot files
fresh
edit_manifest "$W" 'P[0]["files"] += ["Windows\\System32\\ntoskrnl.exe", "Windows\\inf\\ks.inf"]; P[0]["boot_files"] += ["Windows\\System32\\ntoskrnl.exe", "Windows\\inf\\ks.inf", "Windows\\System32\\drivers\\..\\ntoskrnl.exe"]'
remove_all_pristine "system files in the file lists"
expect_err "ntoskrnl.exe named as left alone" 'file "Windows.{1,2}System32.{1,2}ntoskrnl.exe" left alone: not in the package.s staging folder'
expect_err "ks.inf as boot file named as left alone" 'boot file "Windows.{1,2}inf.{1,2}ks.inf" left alone'
expect_err "boot file without a hash named" 'boot file "Windows.{1,2}System32.{1,2}ntoskrnl.exe" left alone'

# paths climbing out of the package folder, absolute paths, another package's files
echo outside > "$TMP/outside"
fresh
edit_manifest "$W" "
f = 'Windows\\\\offstage\\\\drivers\\\\' + P[0]['folder']
P[0]['files'] += [f + '\\\\..\\\\..\\\\..\\\\System32\\\\ntoskrnl.exe', f + '\\\\..\\\\$SND\\\\aero_virtio_snd.sys',
                  'Windows\\\\offstage\\\\drivers\\\\$SND\\\\aero_virtio_snd.inf',
                  'C:\\\\Windows\\\\System32\\\\ntoskrnl.exe', '\\\\Windows\\\\inf\\\\ks.inf', '$TMP/outside', '', f]
"
run remove-driver --image "$W" --driver teststor.inf
expect_status "climbing and absolute paths: exit 0" 0
expect_err "climbing path named" 'left alone: not in the package.s staging folder'
if [ -f "$TMP/outside" ] && [ -f "$W/Windows/offstage/drivers/$SND/aero_virtio_snd.sys" ] && [ -f "$W/Windows/offstage/drivers/$SND/aero_virtio_snd.inf" ]; then
    ok "the other package's files and a file outside the image kept"; else not_ok "other package's files" "deleted"; fi
run get-drivers --image "$W" --json
expect_json "the other package is still staged" "[x for x in d['drivers'] if x['original_name']=='aero_virtio_snd.inf' and x['state']=='staged']"
remove_all_pristine "climbing and absolute paths"

# a folder that is not a staging folder name
fresh
edit_manifest "$W" 'P[0]["folder"] = "..\\..\\System32"; P[0]["files"] = ["Windows\\offstage\\drivers\\..\\..\\System32\\ntoskrnl.exe"]'
run remove-driver --image "$W" --driver teststor.inf
expect_status "hostile folder: exit 0" 0
expect_err "hostile folder named" 'folder "\.\.\\\.\.\\System32" left alone'
if [ -f "$W/Windows/System32/ntoskrnl.exe" ] && key_exists "$W" '\ControlSet001\services\teststor'; then
    ok "hostile folder: nothing of it acted on"; else not_ok "hostile folder" "something removed"; fi

# the same package listed twice: removing it removes everything of it
fresh
edit_manifest "$W" 'P.append(json.loads(json.dumps(P[0]))); P[0]["files"] += P[0]["files"]; P[0]["services"] += P[0]["services"]'
remove_all_pristine "duplicated entries"

# the boot file changed since staging (an update, or someone else's file now): kept
fresh
printf 'someone else' >> "$W/Windows/System32/drivers/testdrv.sys"
sum_before=$(sha256sum "$W/Windows/System32/drivers/testdrv.sys" | cut -d' ' -f1)
run remove-driver --image "$W" --driver teststor.inf
expect_status "changed boot file: exit 0" 0
expect_err "changed boot file named" 'boot file "Windows.{1,2}System32.{1,2}drivers.{1,2}testdrv.sys" left alone: its content is not what offstage copied'
if [ "$(sha256sum "$W/Windows/System32/drivers/testdrv.sys" | cut -d' ' -f1)" = "$sum_before" ]; then ok "changed boot file kept (sha256sum)"; else not_ok "changed boot file kept" "removed"; fi
if ! key_exists "$W" '\ControlSet001\services\teststor' && [ ! -d "$W/Windows/offstage/drivers/$STOR" ]; then ok "the rest of the package removed"; else not_ok "rest removed" "left"; fi

# a manifest written before boot file hashes were recorded: the boot file is
# removed when it equals the staged copy, kept otherwise
fresh
edit_manifest "$W" 'del P[0]["boot_file_sha256"]'
remove_all_pristine "manifest without boot file hashes"
fresh
edit_manifest "$W" 'del P[0]["boot_file_sha256"]'
printf 'x' >> "$W/Windows/System32/drivers/testdrv.sys"
run remove-driver --image "$W" --driver all
expect_err "old manifest, changed boot file named" 'testdrv.sys" left alone: its content differs from the staged copy'
if [ -f "$W/Windows/System32/drivers/testdrv.sys" ]; then ok "old manifest, changed boot file kept"; else not_ok "old manifest changed boot file" "removed"; fi

# a service whose key is not the one offstage wrote (another DriverPackageId)
fresh
printf 'Windows Registry Editor Version 5.00\n\n[\\ControlSet001\\services\\teststor]\n"DriverPackageId"="lsi_scsi.inf_x86_neutral_0123456789abcdef"\n' > "$TMP/other.reg"
hivexregedit --merge --encoding ASCII "$(SYSTEM_OF "$W")" "$TMP/other.reg"
run remove-driver --image "$W" --driver all
expect_status "foreign service key: exit 0" 0
expect_err "foreign service key named" 'service "teststor" left alone: its DriverPackageId is "lsi_scsi.inf_x86_neutral_0123456789abcdef"'
if key_exists "$W" '\ControlSet001\services\teststor'; then ok "foreign service key kept (hivexregedit)"; else not_ok "foreign service kept" "deleted"; fi

# huge lists stay linear and the report stays short
fresh
edit_manifest "$W" 'P[0]["files"] += ["Windows\\System32\\f%d.sys" % i for i in range(200000)]; P[0]["services"] += ["s%d" % i for i in range(100000)]'
start=$(date +%s)
run remove-driver --image "$W" --driver all
took=$(( $(date +%s) - start ))
expect_status "huge lists: exit 0" 0
if [ "$took" -le 20 ]; then ok "huge lists: ${took}s"; else not_ok "huge lists time" "${took}s"; fi
if [ "$(wc -l < "$ERR")" -le 40 ]; then ok "huge lists: report stays short"; else not_ok "huge lists report" "$(wc -l < "$ERR") lines"; fi
expect_err "huge lists: how many more counted" 'and [0-9]+ more entries left alone'

# the wrong shape: exit 2 naming the file and the place, nothing written
shape() { # NAME PYTHON PLACE-PATTERN
    fresh
    edit_manifest "$W" "$2"
    bytes "$W" > "$TMP/before.bytes"
    for cmd in remove-driver get-drivers add-driver; do
        case $cmd in
        remove-driver) run remove-driver --image "$W" --driver all ;;
        get-drivers) run get-drivers --image "$W" ;;
        add-driver) run add-driver --image "$W" --driver "$EXAMPLE/x86/aero-virtio-snd-legacy.inf" --force-unsigned ;;
        esac
        if [ "$STATUS" -eq 2 ] && grep -Eq "manifest.json: $3" "$ERR"; then ok "$1: $cmd exit 2 naming the place"; else not_ok "$1: $cmd" "exit $STATUS, stderr lacks /manifest.json: $3/"; fi
        bytes "$W" > "$TMP/after.bytes"
        same "$1: $cmd wrote nothing" "$TMP/before.bytes" "$TMP/after.bytes"
    done
}
shape "files a string" 'P[0]["files"] = "Windows\\System32\\ntoskrnl.exe"' 'packages\[0\]\.files: .*array'
shape "a number among services" 'P[0]["services"] = [1]' 'packages\[0\]\.services\[0\]: .*string'
shape "packages an object" 'd["packages"] = {}' 'packages: .*array'
shape "inf a number" 'P[1]["inf"] = 5' 'packages\[1\]\.inf: .*string'
shape "boot_critical a string" 'P[0]["boot_critical"] = "yes"' 'packages\[0\]\.boot_critical: .*true or false'
shape "hash not a string" 'P[0]["boot_file_sha256"] = {"Windows\\System32\\drivers\\testdrv.sys": 7}' 'packages\[0\]\.boot_file_sha256\["Windows.System32.drivers.testdrv.sys"\]: a number'
shape "a package a list" 'P[0] = []' 'packages\[0\]: .*object'
shape "registry data not hex" 'P[0]["registry"]["values"][0]["after"]["data"] = "zz"' 'packages\[0\]\.registry\.values\[0\]\.after\.data: .*hex digit pairs'
fresh
printf '{"packages": [\n{"inf": "a.inf",\n' > "$W/Windows/offstage/manifest.json"
bytes "$W" > "$TMP/before.bytes"
run remove-driver --image "$W" --driver all
if [ "$STATUS" -eq 2 ] && grep -Eq 'manifest.json: line 3' "$ERR"; then ok "not JSON: exit 2 naming the line"; else not_ok "not JSON" "exit $STATUS"; fi
bytes "$W" > "$TMP/after.bytes"
same "not JSON: nothing written" "$TMP/before.bytes" "$TMP/after.bytes"
expect_err "not JSON: says what to do" 'restore it|remove it'

# ---- DevicePath of the wrong type ----------------------------------------------
DP="$TMP/dp"
rm -rf "$DP"; cp -a "$IMG" "$DP"
printf 'Windows Registry Editor Version 5.00\n\n[\\Microsoft\\Windows\\CurrentVersion]\n"DevicePath"=dword:00000005\n' > "$TMP/dword.reg"
hivexregedit --merge "$DP/Windows/System32/config/SOFTWARE" "$TMP/dword.reg"
if hivexregedit --export "$DP/Windows/System32/config/SOFTWARE" '\Microsoft\Windows\CurrentVersion' | grep -q '"DevicePath"=dword:00000005'; then
    ok "DevicePath made REG_DWORD (hivexregedit)"; else not_ok "DevicePath REG_DWORD" "merge failed"; fi
run add-driver --image "$DP" --driver "$EXAMPLE/x86/aero_virtio_snd.inf" --force-unsigned --dry-run
expect_out "dry run says what DevicePath held" 'DevicePath .*REG_DWORD 0x00000005'
run add-driver --image "$DP" --driver "$EXAMPLE/x86/aero_virtio_snd.inf" --force-unsigned --json
expect_status "REG_DWORD DevicePath: staged" 0
expect_json "json says what DevicePath held" "'REG_DWORD 0x00000005' in (d.get('devicepath_note') or '')"
if [ "$(hivexget "$DP/Windows/System32/config/SOFTWARE" '\Microsoft\Windows\CurrentVersion' DevicePath)" = '%SystemRoot%\inf;%SystemRoot%\offstage\drivers' ] &&
   hivexregedit --export "$DP/Windows/System32/config/SOFTWARE" '\Microsoft\Windows\CurrentVersion' | grep -q '^"DevicePath"=hex(2):'; then
    ok "DevicePath replaced by the default and ours, REG_EXPAND_SZ (hivexget)"; else not_ok "DevicePath replaced" "$(hivexget "$DP/Windows/System32/config/SOFTWARE" '\Microsoft\Windows\CurrentVersion' DevicePath)"; fi
run remove-driver --image "$DP" --driver all
expect_status "remove-driver after a REG_DWORD DevicePath" 0
if [ "$(hivexget "$DP/Windows/System32/config/SOFTWARE" '\Microsoft\Windows\CurrentVersion' DevicePath)" = '%SystemRoot%\inf' ]; then
    ok "remove-driver leaves the default DevicePath"; else not_ok "DevicePath after removal" "changed"; fi
# a REG_DWORD DevicePath found by remove-driver is left as it is
rm -rf "$DP"; cp -a "$STAGED" "$DP"
hivexregedit --merge "$DP/Windows/System32/config/SOFTWARE" "$TMP/dword.reg"
run remove-driver --image "$DP" --driver all
expect_status "remove-driver with a REG_DWORD DevicePath: exit 0" 0
if hivexregedit --export "$DP/Windows/System32/config/SOFTWARE" '\Microsoft\Windows\CurrentVersion' | grep -q '"DevicePath"=dword:00000005'; then
    ok "remove-driver leaves a REG_DWORD DevicePath as it is (hivexregedit)"; else not_ok "REG_DWORD DevicePath on removal" "changed"; fi
expect_err "remove-driver says DevicePath was not a string" 'DevicePath .*REG_DWORD 0x00000005.*left'

# The verdict of an already-staged package reads its copy back from the
# files the manifest lists: entries that leave the package's folder are not
# read, nothing is written, and no scratch copy is left behind.
fresh
edit_manifest "$W" "
f = [p for p in P if p['folder'].startswith('aero_virtio_snd')][0]
f['files'] += ['Windows\\\\offstage\\\\drivers\\\\' + f['folder'] + '\\\\..\\\\..\\\\..\\\\System32\\\\config\\\\SYSTEM',
               '..\\\\..\\\\etc\\\\passwd', 'Windows\\\\offstage\\\\drivers\\\\' + f['folder'] + '\\\\sub\\\\..\\\\..\\\\x.sys']
"
bytes "$W" > "$TMP/readback.before"
mkdir -p "$TMP/readback-tmp"
TMPDIR="$TMP/readback-tmp" run add-driver --image "$W" --driver "$EXAMPLE/x86/aero_virtio_snd.inf" --force-unsigned --json
expect_status "read-back with escaping manifest entries: exit 0" 0
expect_json "read-back with escaping manifest entries: the verdict is derived from the copy" \
    "d['verdicts'][0]['first_boot'][0]['verdict'] == 'prompt' and d['verdicts'][0]['first_boot'][0]['predicted'] is False"
bytes "$W" > "$TMP/readback.after"
same "read-back with escaping manifest entries: image byte-identical" "$TMP/readback.before" "$TMP/readback.after"
if [ -z "$(ls -A "$TMP/readback-tmp")" ]; then ok "read-back: no scratch copy left in TMPDIR"
else not_ok "read-back: no scratch copy left" "$(ls -A "$TMP/readback-tmp")"; fi
