# CLI tests for `offstage match`: the reference scenario's cases.
. tests/cli/lib.sh
PKG="$EXAMPLE/amd64"

run match --driver "$PKG/aero_virtio_snd.inf" --pci 1af4:1059:00191af4:01
expect_status "contract v1 binds REV_01" 0
expect_out "names INF, model and install section" "MATCH .*aero_virtio_snd.inf:[0-9]+ +\"Aero VirtIO Sound Device\" +\[VirtioSnd.NTamd64\]"
expect_out "first compatible ID, as Windows 7 lists it with a subsystem" "device compatible ID #1 PCI.VEN_1AF4&DEV_1059&REV_01"
expect_out "rank" "rank 0x80FF2000"
expect_out "virtio sound's class code" "hardware ID   #3 PCI.VEN_1AF4&DEV_1059&CC_040100"

run match --driver "$PKG/aero_virtio_snd.inf" --pci 1af4:1059:00191af4:00
expect_status "REV_00 does not bind" 1
expect_out "revision reason" "revision: .*REV_01.*REV_00"

run match --driver "$PKG/aero_virtio_snd.inf" --pci 1af4:1018 --arch x86
expect_status "transitional does not bind the v1 INF" 1
expect_out "transitional reason with the fix" "transitional: .*DEV_1018.*disable-legacy=on,x-pci-revision=0x01"

run match --driver "$PKG" --pci 1af4:1018
expect_status "the legacy INF binds the transitional device" 0
expect_out "legacy INF named" "MATCH .*aero-virtio-snd-legacy.inf"

run match --driver "$PKG" --pci 1af4:1059:00191af4:01 --json
expect_status "json match" 0
expect_json "json match fields" "d['schema']=='offstage.match/1' and d['matched'] and d['matches'][0]['name']=='aero_virtio_snd.inf' and d['matches'][0]['rank']=='0x80FF2000' and d['matches'][0]['device_id_position']==1 and d['matches'][0]['kind']=='compatible-id-to-hardware-id'"
expect_json "json lists the other package's miss" "d['near_misses'][0]['reason']=='transitional'"

run match --driver "$PKG/aero_virtio_snd.inf" --hwid 'pci\ven_1af4&dev_1059&rev_01'
expect_status "--hwid, case-insensitive" 0

# the x86 package folder has the same INF; the arch decides the models section
run match --driver "$EXAMPLE/x86/aero_virtio_snd.inf" --pci 1af4:1059:00191af4:01 --arch x86 --json
expect_json "x86 uses NTx86" "d['matches'][0]['models_section']=='VirtioSnd.NTx86'"

run match --driver "$PKG" --pci 1af4
expect_status "bad --pci: usage error" 2
expect_err "bad --pci message" "give at least VEN:DEV"
run match --pci 1af4:1059
expect_status "no --driver: usage error" 2
run match --driver "$TMP/nothing-here" --pci 1af4:1059
expect_status "missing driver path: exit 2" 2
run match --help
expect_status "--help" 0
expect_out "help explains ranks" "0xSSGGTHHH"

# ---- match --pci and doctor on a test image with the same device agree --------
# make-test-image --with-device writes the devnode's lists from the same PCI
# expansion match --pci uses; doctor reads them back from the hive.
IMG="$TMP/agree"
"$OFFSTAGE" make-test-image --arch amd64 --with-device 1af4:1059:00191af4:01,failed \
    --with-device 1af4:1059:00191af4:00,failed "$IMG" >/dev/null || echo "not ok make-test-image agree"
"$OFFSTAGE" add-driver --image "$IMG" --driver "$PKG/aero_virtio_snd.inf" --force-unsigned >/dev/null 2>&1 ||
    echo "not ok add-driver agree"
"$OFFSTAGE" doctor --image "$IMG" --json >"$TMP/doctor.json" 2>"$TMP/doctor.err"
for rev in 01 00; do
    run match --driver "$PKG/aero_virtio_snd.inf" --pci "1af4:1059:00191af4:$rev" --json
    expect_json "REV_$rev: match and doctor list the same IDs" "[x for x in json.load(open('$TMP/doctor.json'))['devices'] if x['instance_path'].upper().startswith('PCI\\\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_$rev\\\\') and x['hardware_ids']==d['device']['hardware_ids'] and x['compatible_ids']==d['device']['compatible_ids']]"
done
run match --driver "$PKG/aero_virtio_snd.inf" --pci 1af4:1059:00191af4:01 --json
expect_json "REV_01: match and doctor agree on ID, position, kind and rank" "[x for x in json.load(open('$TMP/doctor.json'))['devices'] if 'REV_01' in x['instance_path'] and [(m['device_id'], m['device_id_position'], m['kind'], m['rank']) for m in x['matches']]==[(m['device_id'], m['device_id_position'], m['kind'], m['rank']) for m in d['matches']]==[('PCI\\\\VEN_1AF4&DEV_1059&REV_01', 1, 'compatible-id-to-hardware-id', '0x80FF2000')]]"
run match --driver "$PKG/aero_virtio_snd.inf" --pci 1af4:1059:00191af4:00 --json
expect_json "REV_00: neither matches, both for the revision" "[x for x in json.load(open('$TMP/doctor.json'))['devices'] if 'REV_00' in x['instance_path'] and x['matches']==d['matches']==[] and [m['reason'] for m in x['near_misses']]==[m['reason'] for m in d['near_misses']]==['revision']]"

# ---- the expansion is Windows 7's: a device of the real SYSTEM hive ----------
if [ -f "$SHARED/fixtures/hives/win7sp1-SYSTEM.xz" ] && command -v reglookup >/dev/null; then
    xz -dc "$SHARED/fixtures/hives/win7sp1-SYSTEM.xz" > "$TMP/SYSTEM"
    for dev in '1022:2000:20001022:10 020000 VEN_1022&DEV_2000&SUBSYS_20001022&REV_10' \
               '8086:7191:00000000:01 060400 VEN_8086&DEV_7191&SUBSYS_00000000&REV_01'; do
        set -- $dev
        reglookup -H -t MULTI_SZ -p "/ControlSet001/Enum/PCI/$3" "$TMP/SYSTEM" 2>/dev/null >"$TMP/lists"
        run match --driver "$PKG/aero_virtio_snd.inf" --pci "$1" --class-code "$2" --json
        expect_json "$3: --pci gives the lists Windows 7 wrote (reglookup)" "[l for l in open('$TMP/lists').read().splitlines() if '/HardwareID,' in l][0].split(',')[2].split('|')==d['device']['hardware_ids'] and [l for l in open('$TMP/lists').read().splitlines() if '/CompatibleIDs,' in l][0].split(',')[2].split('|')==d['device']['compatible_ids']"
    done
else
    echo "skip: the Windows 7 SYSTEM hive or reglookup is absent"
fi
