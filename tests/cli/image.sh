# CLI tests for the directory target: make-test-image, add-driver,
# get-drivers, get-driver-info, remove-driver. Results are read back with
# independent tools (hivexget, hivexregedit, reglookup) where possible.
. tests/cli/lib.sh

# checksum of every file and the list of directories: "byte-identical"
snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort; find . -type d | sort); }
same_as_before() { # NAME DIR SNAPSHOT-FILE
    if snapshot "$2" | cmp -s - "$3"; then ok "$1"; else not_ok "$1" "image changed"; fi
}
hive_value() { hivexget "$1" "$2" "$3" 2>/dev/null; }

IMG="$TMP/img64"
run make-test-image --arch amd64 --with-device 1af4:1059:00191af4:01 "$IMG"
expect_status "make-test-image amd64" 0
expect_out "says it is not Windows" "not Windows"
SYS="$IMG/Windows/System32/config/SYSTEM"
SW="$IMG/Windows/System32/config/SOFTWARE"
if [ "$(hive_value "$SW" '\Microsoft\Windows\CurrentVersion' DevicePath)" = '%SystemRoot%\inf' ]; then ok "DevicePath default (hivexget)"; else not_ok "DevicePath default" "$(hive_value "$SW" '\Microsoft\Windows\CurrentVersion' DevicePath)"; fi
if reglookup "$SYS" | grep -q 'Enum/PCI/VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01/.*/HardwareID,MULTI_SZ'; then ok "devnode readable by reglookup"; else not_ok "devnode" "reglookup"; fi
if x86_64-w64-mingw32-objdump -f "$IMG/Windows/System32/ntoskrnl.exe" 2>/dev/null | grep -q 'x86-64'; then ok "ntoskrnl stub is amd64 (objdump)"; else not_ok "ntoskrnl stub" "objdump"; fi
run make-test-image --arch amd64 "$IMG"
expect_status "refuses a non-empty directory" 2

snapshot "$IMG" > "$TMP/pristine"

# unsigned packages are refused without --force-unsigned; nothing written
run add-driver --image "$IMG" --driver "$EXAMPLE/amd64"
expect_status "unsigned refused" 1
expect_out "says how to proceed" "--force-unsigned"
same_as_before "refused: image byte-identical" "$IMG" "$TMP/pristine"

run add-driver --image "$IMG" --driver "$EXAMPLE/amd64" --force-unsigned --dry-run
expect_status "dry run" 0
expect_out "dry run plans the copy" "would stage .*aero_virtio_snd.inf"
same_as_before "dry run writes nothing" "$IMG" "$TMP/pristine"

run add-driver --image "$IMG" --driver "$EXAMPLE/amd64" --force-unsigned --json
expect_status "staged" 0
expect_json "json result" "d['result']=='staged' and d['image']['arch']=='amd64' and len(d['packages'])==2 and all(p['action']=='stage' for p in d['packages'])"
expect_json "code 52 consequence stated" "any('Code 52' in n for p in d['packages'] for n in p['notes'])"
DP=$(hive_value "$SW" '\Microsoft\Windows\CurrentVersion' DevicePath)
if [ "$DP" = '%SystemRoot%\inf;%SystemRoot%\offstage\drivers' ]; then ok "DevicePath extended (hivexget)"; else not_ok "DevicePath extended" "$DP"; fi
if hivexregedit --export "$SW" '\Microsoft\Windows\CurrentVersion' | grep -q '^"DevicePath"=hex(2):'; then ok "DevicePath stays REG_EXPAND_SZ (hivexregedit)"; else not_ok "DevicePath type" "hivexregedit"; fi
if ls "$IMG"/Windows/offstage/drivers/aero_virtio_snd.inf_amd64_neutral_*/aero_virtio_snd.sys >/dev/null 2>&1; then ok "package copied to its store-style folder"; else not_ok "package copied" "$(find "$IMG/Windows/offstage")"; fi
if [ ! -e "$IMG/Windows/System32/drivers/aero_virtio_snd.sys" ]; then ok "not boot-critical: no System32\\drivers copy"; else not_ok "no drivers copy" "present"; fi
if ! ls -a "$IMG" | grep -q offstage-txn; then ok "no transaction folder left behind"; else not_ok "txn folder" "left"; fi

snapshot "$IMG" > "$TMP/staged"
run add-driver --image "$IMG" --driver "$EXAMPLE/amd64" --force-unsigned
expect_status "second run: exit 0" 0
expect_out "second run says nothing to do" "nothing to do"
same_as_before "second run changes nothing" "$IMG" "$TMP/staged"

run get-drivers --image "$IMG"
expect_status "get-drivers" 0
expect_out "lists the staged package" "aero_virtio_snd.inf_amd64_neutral_[0-9a-f]{16} +\| aero_virtio_snd.inf +\| No +\| MEDIA +\| Aero Project.*staged"
run get-drivers --image "$IMG" --json
expect_json "get-drivers json" "len(d['drivers'])==2 and {x['original_name'] for x in d['drivers']}=={'aero_virtio_snd.inf','aero-virtio-snd-legacy.inf'}"
run get-driver-info --image "$IMG" --driver aero_virtio_snd.inf
expect_status "get-driver-info present" 0
expect_out "hardware ID shown" "PCI.VEN_1AF4&DEV_1059&REV_01"
expect_out "service and start type" "aero_virtio_snd \(start 3, demand\)"
run get-driver-info --image "$IMG" --driver oem99.inf
expect_status "get-driver-info absent: exit 1" 1

# Windows publishes a staged package on first boot: simulate it, get-drivers sees both
FOLDER=$(ls "$IMG/Windows/offstage/drivers" | grep '^aero_virtio_snd')
mkdir -p "$IMG/Windows/System32/DriverStore/FileRepository/aero_virtio_snd.inf_amd64_neutral_0123456789abcdef"
cp "$IMG/Windows/offstage/drivers/$FOLDER/aero_virtio_snd.inf" "$IMG/Windows/inf/oem3.inf"
cp "$IMG/Windows/offstage/drivers/$FOLDER/aero_virtio_snd.inf" "$IMG/Windows/System32/DriverStore/FileRepository/aero_virtio_snd.inf_amd64_neutral_0123456789abcdef/"
run get-drivers --image "$IMG" --json
expect_json "published oem3.inf with its original name" "[x for x in d['drivers'] if x['published_name']=='oem3.inf' and x['original_name']=='aero_virtio_snd.inf' and x['state']=='store']"
expect_json "staged package now imported" "[x for x in d['drivers'] if x['original_name']=='aero_virtio_snd.inf' and x['state']=='imported']"
run get-driver-info --image "$IMG" --driver oem3.inf
expect_status "get-driver-info by published name" 0
rm -rf "$IMG/Windows/inf/oem3.inf" "$IMG/Windows/System32/DriverStore/FileRepository/aero_virtio_snd.inf_amd64_neutral_0123456789abcdef"

run remove-driver --image "$IMG" --driver all
expect_status "remove-driver all" 0
DP=$(hive_value "$SW" '\Microsoft\Windows\CurrentVersion' DevicePath)
if [ "$DP" = '%SystemRoot%\inf' ]; then ok "DevicePath restored"; else not_ok "DevicePath restored" "$DP"; fi
if [ ! -e "$IMG/Windows/offstage" ]; then ok "staging folders removed"; else not_ok "staging folders removed" "$(find "$IMG/Windows/offstage")"; fi
run remove-driver --image "$IMG" --driver all
expect_status "nothing left to remove: exit 1" 1

# wrong architecture named directly: error, nothing staged
mkdir -p "$TMP/x86pkg" && cp examples/virtio-snd/aero_virtio_snd.inf "$EXAMPLE/x86/aero_virtio_snd.sys" "$TMP/x86pkg/"
snapshot "$IMG" > "$TMP/clean"
run add-driver --image "$IMG" --driver "$TMP/x86pkg" --force-unsigned
expect_status "x86 package on amd64 image: exit 1" 1
expect_out "wrong machine explained" "REFUSED.*cannot be staged on amd64"
same_as_before "wrong arch: image byte-identical" "$IMG" "$TMP/clean"

# --recurse over a bundle holding both architectures: the right one is staged
mkdir -p "$TMP/bundle/drivers/virtio-snd/x86" "$TMP/bundle/drivers/virtio-snd/x64"
cp examples/virtio-snd/aero_virtio_snd.inf "$EXAMPLE/x86/aero_virtio_snd.sys" "$TMP/bundle/drivers/virtio-snd/x86/"
cp examples/virtio-snd/aero_virtio_snd.inf "$EXAMPLE/amd64/aero_virtio_snd.sys" "$TMP/bundle/drivers/virtio-snd/x64/"
run add-driver --image "$IMG" --driver "$TMP/bundle" --recurse --force-unsigned --json
expect_status "bundle: exit 0" 0
expect_json "x64 staged, x86 skipped for architecture" "sorted((p['inf'].split('/')[-2], p['action']) for p in d['packages'])==[('x64','stage'),('x86','skipped-architecture')]"
run remove-driver --image "$IMG" --driver all
expect_status "cleanup" 0

# a package whose INF names ..\..\Windows\System32\config\SAM
mkdir -p "$TMP/evil"
sed 's/^1 = %Disk%,,,$/1 = %Disk%,,,..\\..\\Windows\\System32\\config/; s/^aero_virtio_snd.sys = 1$/SAM = 1/; s/^aero_virtio_snd.sys$/SAM/' examples/virtio-snd/aero_virtio_snd.inf > "$TMP/evil/aero_virtio_snd.inf"
snapshot "$IMG" > "$TMP/clean"
run add-driver --image "$IMG" --driver "$TMP/evil" --force-unsigned
expect_status "path escaping the package: exit 1" 1
same_as_before "escape: image byte-identical" "$IMG" "$TMP/clean"

# disk full in the middle of the copy
OFFSTAGE_FAULT_ENOSPC_AFTER=3000 "$OFFSTAGE" add-driver --image "$IMG" --driver "$EXAMPLE/amd64" --force-unsigned >"$OUT" 2>"$ERR"
STATUS=$?
expect_status "disk full: exit 2" 2
expect_err "disk full reported" "No space left on device"
same_as_before "disk full: image byte-identical" "$IMG" "$TMP/clean"

# image problems: missing hives, bad hives, dirty hive
mkdir -p "$TMP/notwindows"
run add-driver --image "$TMP/notwindows" --driver "$EXAMPLE/amd64" --force-unsigned
expect_status "not a Windows root: exit 2" 2
expect_err "missing hive named" "Windows.System32.config.SYSTEM not found"
if [ -d "$SHARED/fixtures/bad-hives" ]; then
    for bad in "$SHARED"/fixtures/bad-hives/*; do
        name=$(basename "$bad")
        for which in SYSTEM SOFTWARE; do
            B="$TMP/bad-$name-$which"
            cp -r "$IMG" "$B"
            cp "$bad" "$B/Windows/System32/config/$which"
            snapshot "$B" > "$TMP/bad.snap"
            run add-driver --image "$B" --driver "$EXAMPLE/amd64" --force-unsigned
            if [ "$STATUS" -eq 2 ] && grep -q "$which" "$ERR"; then ok "bad hive $name as $which: exit 2 naming it"; else not_ok "bad hive $name as $which" "exit $STATUS"; fi
            same_as_before "bad hive $name as $which: byte-identical" "$B" "$TMP/bad.snap"
            rm -rf "$B"
        done
    done
    D="$TMP/dirty"
    cp -r "$IMG" "$D" && cp "$SHARED/fixtures/bad-hives/OldDirtyHive" "$D/Windows/System32/config/SOFTWARE"
    run add-driver --image "$D" --driver "$EXAMPLE/amd64" --force-unsigned
    expect_err "dirty hive explained" "dirty .*shut it down cleanly"
else
    echo "skip bad hives: $SHARED/fixtures/bad-hives absent"
fi

# includes missing from the image are warned about
rm "$IMG/Windows/inf/ks.inf"
run add-driver --image "$IMG" --driver "$EXAMPLE/amd64/aero_virtio_snd.inf" --force-unsigned --dry-run
expect_out "missing inbox INF warned" "included INF ks.inf is not in the image"

# x86 image, boot-critical package: Services and CriticalDeviceDatabase
IMG32="$TMP/img32"
run make-test-image --arch x86 "$IMG32"
mkdir -p "$TMP/stor" && cp tests/data/teststor/teststor.inf "$TMP/stor/" && cp "$BUILD/testdrivers/x86/testdrv.sys" "$TMP/stor/"
printf 'placeholder catalog' > "$TMP/stor/teststor.cat"
run add-driver --image "$IMG32" --driver "$TMP/stor" --setup-complete --json
expect_status "boot-critical staged on x86" 0
expect_json "boot-critical planned" "d['packages'][0]['boot_critical'] and d['packages'][0]['critical_device_database']==['PCI#VEN_1AF4&DEV_1042&REV_01']"
# the verdict reads the staged copy back; its reason names that copy in the image, not a scratch file gone at exit
expect_json "verdict names the staged catalog" "'the catalog cannot be read: Windows\\\\offstage\\\\drivers\\\\teststor.inf_x86_neutral_' in d['images'][0]['verdicts'][0]['first_boot'][0]['summary'] and '\\\\teststor.cat: offset 0' in d['images'][0]['verdicts'][0]['first_boot'][0]['summary']"
expect_no_out "verdict names no scratch file" "offstage-scratch"
S32="$IMG32/Windows/System32/config/SYSTEM"
if [ "$(hive_value "$S32" '\ControlSet001\Control\CriticalDeviceDatabase\PCI#VEN_1AF4&DEV_1042&REV_01' Service)" = teststor ]; then ok "CDD Service (hivexget)"; else not_ok "CDD Service" "hivexget"; fi
if hivexregedit --export "$S32" '\ControlSet001\services\teststor' | grep -q '^"Start"=dword:00000000'; then ok "Services Start 0 (hivexregedit)"; else not_ok "Services Start" "hivexregedit"; fi
if reglookup -p /ControlSet001/services/teststor "$S32" | grep -q 'ImagePath,EXPAND_SZ,\\SystemRoot\\system32\\drivers\\testdrv.sys'; then ok "ImagePath REG_EXPAND_SZ (reglookup)"; else not_ok "ImagePath" "$(reglookup -p /ControlSet001/services/teststor "$S32")"; fi
if cmp -s "$IMG32/Windows/System32/drivers/testdrv.sys" "$TMP/stor/testdrv.sys"; then ok ".sys preinstalled in System32\\drivers"; else not_ok ".sys preinstalled" "missing"; fi
# its catalog is broken, so it would install only after a prompt, which nothing answers in SetupComplete.cmd
if grep -qs pnputil "$IMG32/Windows/Setup/Scripts/SetupComplete.cmd"; then not_ok "SetupComplete.cmd: no line for a package that prompts" "written"; else ok "SetupComplete.cmd: no line for a package that prompts"; fi
expect_json "SetupComplete.cmd: a note says why" "any(n.startswith('no pnputil line in SetupComplete.cmd: it does not install silently') for n in d['packages'][0]['notes'])"
run remove-driver --image "$IMG32" --driver teststor.inf
expect_status "boot-critical removed" 0
if [ -z "$(hive_value "$S32" '\ControlSet001\Control\CriticalDeviceDatabase\PCI#VEN_1AF4&DEV_1042&REV_01' Service)" ] && [ ! -e "$IMG32/Windows/System32/drivers/testdrv.sys" ] && [ ! -e "$IMG32/Windows/Setup" ]; then ok "remove-driver undoes CDD, .sys and SetupComplete"; else not_ok "remove undo" "left"; fi

# the real Windows 7 SYSTEM hive: staged entries look like the real ones
if [ -f "$SHARED/fixtures/hives/win7sp1-SYSTEM.xz" ]; then
    REAL="$TMP/real"
    run make-test-image --arch x86 "$REAL"
    xz -dc "$SHARED/fixtures/hives/win7sp1-SYSTEM.xz" > "$REAL/Windows/System32/config/SYSTEM"
    RS="$REAL/Windows/System32/config/SYSTEM"
    run add-driver --image "$REAL" --driver "$TMP/stor"
    expect_status "boot-critical package into the real Windows 7 SYSTEM hive" 0
    # value names and types of our CDD entry equal those of a real preinstalled
    # one (intelide's: no DriverPackageId, which only store-installed entries have)
    types() { hivexregedit --export "$RS" "$1" | sed -n 's/^"\([^"]*\)"=\([a-z0-9()]*\):.*/\1 \2/p; s/^"\([^"]*\)"="\(.*\)"$/\1 string/p' | sort; }
    if [ "$(types '\ControlSet001\Control\CriticalDeviceDatabase\PCI#VEN_1AF4&DEV_1042&REV_01')" = "$(types '\ControlSet001\Control\CriticalDeviceDatabase\PCI#VEN_8086&DEV_7111')" ]; then ok "CDD entry: same value names and types as a real one"; else not_ok "CDD like real" "$(types '\ControlSet001\Control\CriticalDeviceDatabase\PCI#VEN_1AF4&DEV_1042&REV_01')"; fi
    real_svc=$(types '\ControlSet001\services\LSI_SCSI' | grep -E '^(ErrorControl|Group|ImagePath|Start|Type) ')
    our_svc=$(types '\ControlSet001\services\teststor' | grep -E '^(ErrorControl|Group|ImagePath|Start|Type) ')
    if [ "$real_svc" = "$our_svc" ]; then ok "Services entry: same types as LSI_SCSI for Type/Start/ErrorControl/ImagePath/Group"; else not_ok "Services like real" "$our_svc vs $real_svc"; fi
    if [ "$(hive_value "$RS" '\ControlSet001\Control\CriticalDeviceDatabase\PCI#VEN_1000&DEV_0030' Service)" = LSI_SCSI ]; then ok "existing real entries untouched"; else not_ok "real entries" "changed"; fi
    if reglookup "$RS" >/dev/null 2>&1; then ok "real hive still readable by reglookup"; else not_ok "reglookup real" "failed"; fi
    run get-drivers --image "$REAL" --json
    expect_json "packages Windows installed, from the real hive" "[x for x in d['drivers'] if x['published_name']=='oem11.inf' and x['state']=='installed' and x['provider']=='VMware, Inc.']"
    expect_json "and the one staged by offstage" "[x for x in d['drivers'] if x['original_name']=='teststor.inf' and x['state']=='staged']"
    run get-driver-info --image "$REAL" --driver oem11.inf
    expect_status "get-driver-info oem11.inf" 0
    expect_out "driver key facts" "VMware VMCI Bus Device"
else
    echo "skip real hive: $SHARED/fixtures/hives absent"
fi

# a symlink in the package pointing outside it is not followed
mkdir -p "$TMP/linkpkg" && cp examples/virtio-snd/aero_virtio_snd.inf "$TMP/linkpkg/"
ln -s /etc/passwd "$TMP/linkpkg/aero_virtio_snd.sys"
snapshot "$IMG" > "$TMP/clean"
run add-driver --image "$IMG" --driver "$TMP/linkpkg" --force-unsigned
expect_status "symlinked package file: exit 1" 1
same_as_before "symlink: image byte-identical" "$IMG" "$TMP/clean"

# --force edits a dirty hive (after saying what that risks)
if [ -f "$SHARED/fixtures/bad-hives/OldDirtyHive" ]; then
    D="$TMP/dirty-force"
    cp -r "$IMG" "$D"
    # make the image's own SOFTWARE dirty: sequence numbers differ (checksum fixed up)
    python3 - "$D/Windows/System32/config/SOFTWARE" <<'PY'
import struct, sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
struct.pack_into('<I', b, 8, struct.unpack_from('<I', b, 4)[0] + 1)
x = 0
for i in range(0, 508, 4): x ^= struct.unpack_from('<I', b, i)[0]
struct.pack_into('<I', b, 508, x)
open(p, 'wb').write(b)
PY
    run add-driver --image "$D" --driver "$EXAMPLE/amd64" --force-unsigned
    expect_status "dirty SOFTWARE refused" 2
    run add-driver --image "$D" --driver "$EXAMPLE/amd64" --force-unsigned --force
    expect_status "dirty SOFTWARE with --force" 0
fi

# a read-only image: refused before anything is written (checked as an
# unprivileged user, since root may write anywhere)
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
    RO="$TMP/ro"
    mkdir -p "$RO" && cp -r "$IMG32" "$RO/img" && chmod -R a+rX "$TMP" "$RO" && chmod -R a-w "$RO/img"
    chmod a+rx "$(dirname "$OFFSTAGE")" 2>/dev/null
    snapshot "$RO/img" > "$TMP/ro.snap"
    setpriv --reuid=65534 --regid=65534 --clear-groups "$OFFSTAGE" add-driver --image "$RO/img" \
        --driver "$EXAMPLE/x86" --force-unsigned >"$OUT" 2>"$ERR"
    STATUS=$?
    expect_status "read-only image: exit 2" 2
    expect_err "read-only explained" "read-only"
    same_as_before "read-only: byte-identical" "$RO/img" "$TMP/ro.snap"
    chmod -R u+w "$RO/img"
else
    echo "skip read-only image: needs root and setpriv to drop privileges"
fi
