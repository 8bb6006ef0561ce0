# CLI tests for `offstage doctor` and `offstage match` on the seed's own
# cases, with the example's whole amd64 folder staged (the contract-v1 INF,
# which lists only PCI\VEN_1AF4&DEV_1059&REV_01, and the transitional one,
# PCI\VEN_1AF4&DEV_1018): each device is explained by the binding package
# or by its nearest miss over every staged package, ordered as a user fixes
# them (revision, subsystem, transitional vs modern, another device).
. tests/cli/lib.sh

CERT="$TMP/cert"
"$OFFSTAGE" make-test-cert --out "$CERT" >/dev/null 2>&1 || echo "not ok make-test-cert failed"
PKG="$EXAMPLE/amd64"
R01='PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01'
R00='PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_00'
T18='PCI\VEN_1AF4&DEV_1018&SUBSYS_00191AF4&REV_00'

# image NAME DEVICE-SPEC...: an amd64 test image with those devices
image() {
    name=$1
    shift
    for dev in "$@"; do set -- "$@" --with-device "$dev"; shift; done
    "$OFFSTAGE" make-test-image --arch amd64 "$@" "$TMP/$name" >/dev/null || echo "not ok make-test-image $name"
}
# stage_folder IMG DIR: the whole folder, test-signed, as the README does it
stage_folder() { # IMAGE FOLDER [ADD-DRIVER OPTION...]
    img=$1 pkg=$2
    shift 2
    "$OFFSTAGE" add-driver --image "$img" --driver "$pkg" --recurse --test-sign --test-sign-dir "$CERT" "$@" >/dev/null 2>&1 ||
        echo "not ok add-driver --recurse $2"
}
# device_line NAME PREFIX PATTERN: the headline of the device whose instance path starts with PREFIX
device_line() {
    line=$(grep -F -- "$2" "$OUT" | grep -E '^[A-Z]+ +PCI' | head -1)
    if printf '%s\n' "$line" | grep -Eq -- "$3"; then ok "$1"; else not_ok "$1" "headline /$3/: $line"; fi
}

# The packages of the ordering tests: the seed's two, one that requires a
# subsystem the device does not report, one for another virtio device.
mkdir -p "$TMP/sub" "$TMP/all"
sed -e 's/PCI\\VEN_1AF4&DEV_1059&REV_01/PCI\\VEN_1AF4\&DEV_1059\&SUBSYS_00221AF4/' \
    -e 's/aero_virtio_snd.cat/aero_virtio_snd_sub.cat/' examples/virtio-snd/aero_virtio_snd.inf >"$TMP/sub/aero_virtio_snd_sub.inf"
cp "$PKG/aero_virtio_snd.sys" "$TMP/sub/"
cp "$PKG"/*.inf "$PKG"/*.sys "$TMP/sub/aero_virtio_snd_sub.inf" "$TMP/all/"
sed -e 's/DEV_1059&REV_01/DEV_1041/' -e 's/aero_virtio_snd.cat/aero_virtio_other.cat/' \
    examples/virtio-snd/aero_virtio_snd.inf >"$TMP/all/aero_virtio_other.inf"
grep -q 'SUBSYS_00221AF4' "$TMP/sub/aero_virtio_snd_sub.inf" && grep -q 'DEV_1041' "$TMP/all/aero_virtio_other.inf" ||
    echo "not ok the test packages were not derived"

# ---- both INFs staged, the three seed devices, never installed ----------------
image seed 1af4:1059:00191af4:01 1af4:1059:00191af4:00 1af4:1018:00191af4:00
stage_folder "$TMP/seed" "$PKG"
run doctor --image "$TMP/seed"
device_line "REV_01 binds the contract INF" "$R01" 'not installed yet; staged aero_virtio_snd.inf matches'
device_line "REV_00: the nearest miss is the revision, not the transitional INF" "$R00" \
    ': unbound: aero_virtio_snd.inf matches only REV_01, the device is REV_00$'
expect_no_out "REV_00: not called unlisted" 'REV_00.*no package in the image lists it'
expect_out "REV_00: the revision fix, as the seed gives it" \
    'to change: give the device revision 01 \(QEMU virtio devices: disable-legacy=on,x-pci-revision=0x01\)'
device_line "DEV_1018 binds the transitional INF" "$T18" 'not installed yet; staged aero-virtio-snd-legacy.inf matches'
run doctor --image "$TMP/seed" --json
expect_json "json: REV_00's misses, revision before transitional" \
    "[x for x in d['devices'] if x['instance_path'].startswith(r'$R00') and [m['reason'] for m in x['near_misses']]==['revision','transitional'] and x['near_misses'][0]['inf'].endswith(r'\\aero_virtio_snd.inf') and x['verdict']['kind']=='miss']"
expect_json "json: REV_01 and DEV_1018 intended packages" \
    "[x['intended_package'] for x in sorted(d['devices'], key=lambda x: x['instance_path']) if x['intended_package']]==[p['published_name'] for p in sorted(d['packages'], key=lambda p: p['original_name'])]"

# the same devices after a boot that found no driver for them
image failed 1af4:1059:00191af4:00,failed 1af4:1018:00191af4:00,failed
cp -a "$TMP/failed" "$TMP/failed-rearmed"
stage_folder "$TMP/failed" "$PKG" --no-rearm
run doctor --image "$TMP/failed"
device_line "failed REV_00: still the revision" "$R00" ': unbound: aero_virtio_snd.inf matches only REV_01, the device is REV_00$'
device_line "failed DEV_1018: the transitional INF matches" "$T18" 'install failed .* although staged aero-virtio-snd-legacy.inf matches'
stage_folder "$TMP/failed-rearmed" "$PKG"
run doctor --image "$TMP/failed-rearmed"
device_line "failed DEV_1018, re-armed by add-driver: installs on the next boot" "$T18" 're-armed after a failed install .* staged aero-virtio-snd-legacy.inf matches'

# ---- a subsystem-only difference: before the transitional INF -----------------
image subsys 1af4:1059:00191af4:01
stage_folder "$TMP/subsys" "$TMP/sub"
"$OFFSTAGE" add-driver --image "$TMP/subsys" --driver "$PKG/aero-virtio-snd-legacy.inf" --test-sign \
    --test-sign-dir "$CERT" >/dev/null 2>&1 || echo "not ok add-driver legacy"
run doctor --image "$TMP/subsys"
device_line "subsystem differs: named before the transitional INF" "$R01" \
    ': unbound: aero_virtio_snd_sub.inf requires subsystem SUBSYS_00221AF4, the device is SUBSYS_00191AF4$'
expect_out "subsystem: the fix" 'to change: stage a package whose INF lists the device.s subsystem \(SUBSYS_00191AF4\)'
run doctor --image "$TMP/subsys" --json
expect_json "json: subsystem before transitional" \
    "[m['reason'] for m in d['devices'][0]['near_misses']]==['subsystem','transitional']"

# ---- all four staged: doctor and match order the misses the same way ----------
image every 1af4:1059:00191af4:00
stage_folder "$TMP/every" "$TMP/all"
"$OFFSTAGE" doctor --image "$TMP/every" --json >"$TMP/every.json" 2>/dev/null
run match --driver "$TMP/all" --pci 1af4:1059:00191af4:00 --json
expect_status "match: REV_00 binds nothing" 1
expect_json "match: revision, subsystem, transitional, another device" \
    "[m['reason'] for m in d['near_misses']]==['revision','subsystem','transitional','device']"
expect_json "doctor lists them in match's order" \
    "[(m['reason'], m['inf'].split('\\\\')[-1]) for m in json.load(open('$TMP/every.json'))['devices'][0]['near_misses']]==[(m['reason'], m['name']) for m in d['near_misses']]"
run match --driver "$TMP/all" --pci 1af4:1059:00191af4:00
if awk '/^  [a-z]+: /{sub(/:.*/, ""); sub(/^ +/, ""); printf "%s ", $0}' "$OUT" | grep -qx 'revision subsystem transitional device '; then
    ok "match text: the misses in the same order"
else
    not_ok "match text: the misses in the same order" "$(awk '/^  [a-z]+: /' "$OUT")"
fi
run match --driver "$PKG" --pci 1af4:1059:00191af4:00
expect_out "match: the seed's REV_00, revision first" '^nearest misses:$'
if grep -A1 '^nearest misses:' "$OUT" | grep -q '^  revision: aero_virtio_snd.inf'; then ok "match: revision is the first miss"; else not_ok "match: revision is the first miss" "order"; fi
