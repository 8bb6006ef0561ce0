# CLI tests for the image's SHA-2 support in first-boot verdicts: a package
# whose catalog is signed with SHA-256 on Windows 7 test images recording
# KB4474419 installed, staged, absent or nothing (make-test-image
# --sha2-update, the record read back with hivexget), through check-package
# --image, add-driver --test-sign --digest sha256 (the staged copy read
# back) and doctor; a SHA-1 signature loads without the update.
. tests/cli/lib.sh

verdict() { # NAME ARCH PATTERN: the first-boot line for ARCH matches
    if grep -E "first boot( \($2\))?: " "$OUT" | grep -Eq -- "$3"; then ok "$1"; else not_ok "$1" "no $2 verdict /$3/"; fi
}

"$OFFSTAGE" make-test-cert --out "$TMP/cert" >/dev/null
CER="$TMP/cert/offstage-test.cer" KEY="$TMP/cert/offstage-test.key"

# images trusting the signer, testsigning on: only SHA-2 support differs
for s in installed staged absent unrecorded; do
    if [ $s = unrecorded ]; then set --; else set -- --sha2-update $s; fi
    "$OFFSTAGE" make-test-image --arch amd64 "$@" \
        --with-device 1af4:1059:00191af4:01,bound=aero_virtio_snd,inf=oem3.inf "$TMP/img-$s" >/dev/null
    "$OFFSTAGE" add-cert --image "$TMP/img-$s" --cert "$CER" --store ROOT >/dev/null
    "$OFFSTAGE" add-cert --image "$TMP/img-$s" --cert "$CER" --store TrustedPublisher >/dev/null
    "$OFFSTAGE" bcd --image "$TMP/img-$s" --set testsigning on >/dev/null
done
run make-test-image --arch amd64 --sha2-update maybe "$TMP/img-bad"
expect_status "--sha2-update with another word: exit 2" 2

# the servicing record as an independent reader sees it
SW="Windows/System32/config/SOFTWARE"
CBS='\Microsoft\Windows\CurrentVersion\Component Based Servicing\Packages'
st=$(hivexget "$TMP/img-installed/$SW" "$CBS\\Package_for_KB4474419~31bf3856ad364e35~amd64~~6.1.4.0" CurrentState 2>/dev/null)
if [ "$st" = 112 ]; then ok "installed: CurrentState 0x70 (hivexget)"; else not_ok "installed: CurrentState 0x70 (hivexget)" "got '$st'"; fi
st=$(hivexget "$TMP/img-staged/$SW" "$CBS\\Package_for_KB4474419~31bf3856ad364e35~amd64~~6.1.4.0" CurrentState 2>/dev/null)
if [ "$st" = 64 ]; then ok "staged: CurrentState 0x40 (hivexget)"; else not_ok "staged: CurrentState 0x40 (hivexget)" "got '$st'"; fi
if hivexget "$TMP/img-absent/$SW" "$CBS\\Package_for_KB4474419~31bf3856ad364e35~amd64~~6.1.4.0" CurrentState >/dev/null 2>&1; then
    not_ok "absent: no KB4474419 package (hivexget)" "it is there"
else ok "absent: no KB4474419 package (hivexget)"; fi

# a package signed with SHA-256, one with SHA-1
for d in sha256 sha1; do
    mkdir -p "$TMP/pkg-$d"
    cp "$EXAMPLE/amd64/aero_virtio_snd.inf" "$EXAMPLE/amd64/aero_virtio_snd.sys" "$TMP/pkg-$d/"
    "$OFFSTAGE" make-cat "$TMP/pkg-$d" >/dev/null
    "$OFFSTAGE" sign --key "$KEY" --cert "$CER" --digest $d "$TMP/pkg-$d/aero_virtio_snd.cat" >/dev/null
done

# ---- check-package --image ------------------------------------------------------
run check-package "$TMP/pkg-sha256" --image "$TMP/img-absent"
expect_status "SHA-256, no update: exit 1" 1
verdict "SHA-256, no update: Code 52, names the evidence" amd64 \
    "loads: Code 52 \(it is signed with sha256, which Windows 7 verifies only with KB3033929 or KB4474419, and the image has neither \(no Package_for_KB3033929~ or Package_for_KB4474419~"
verdict "SHA-256, no update: never installs unattended" amd64 "installs: never unattended \(its catalog is signed with sha256"
expect_out "SHA-256, no update: the fix" "to change: sign with SHA-1 .*--digest sha1.*slipstream KB4474419"
run check-package "$TMP/pkg-sha256" --image "$TMP/img-absent" --json
expect_json "SHA-256, no update: JSON parts" \
    "[v for v in d['packages'][0]['first_boot'] if v['verdict']=='no-load' and v['installs']=='never-unattended' and v['loads']=='code-52']"

run check-package "$TMP/pkg-sha256" --image "$TMP/img-staged"
verdict "SHA-256, update only staged: Code 52, names the state" amd64 "loads: Code 52 .*KB4474419~31bf3856ad364e35~amd64~~6.1.4.0 is Staged \(CurrentState 0x40\)"

run check-package "$TMP/pkg-sha256" --image "$TMP/img-installed" --json
expect_status "SHA-256, update installed: exit 0" 0
expect_json "SHA-256, update installed: installs silently, loads" \
    "[v for v in d['packages'][0]['first_boot'] if v['verdict']=='loads' and v['installs']=='silently' and v['loads']=='yes']"

run check-package "$TMP/pkg-sha256" --image "$TMP/img-unrecorded"
verdict "SHA-256, no servicing record: depends, says the assumption" amd64 \
    "loads: unknown \(it is signed with sha256: it loads only if the image has KB3033929 or KB4474419, which is not known"
expect_status "SHA-256, no servicing record: not a negative answer" 0

run check-package "$TMP/pkg-sha1" --image "$TMP/img-absent"
expect_status "SHA-1, no update: exit 0" 0
verdict "SHA-1, no update: loads" amd64 "installs: silently.*; loads: yes"

# ---- add-driver --test-sign --digest sha256 ----------------------------------------
mkdir -p "$TMP/src"
cp "$EXAMPLE/amd64/aero_virtio_snd.inf" "$EXAMPLE/amd64/aero_virtio_snd.sys" "$TMP/src/"
run add-driver --image "$TMP/img-absent" --driver "$TMP/src/aero_virtio_snd.inf" --test-sign \
    --cert "$CER" --key "$KEY" --digest sha256 --dry-run
verdict "add-driver --dry-run --digest sha256, no update: predicted Code 52" amd64 "loads: Code 52 \(it is signed with sha256.*predicted"
run add-driver --image "$TMP/img-absent" --driver "$TMP/src/aero_virtio_snd.inf" --test-sign \
    --cert "$CER" --key "$KEY" --digest sha256 --json
expect_json "add-driver --digest sha256, no update: the staged copy's verdict is Code 52" \
    "[v for i in d['images'] for p in i['verdicts'] for v in p['first_boot'] if v['loads']=='code-52' and not v['predicted'] and 'sha256' in v['summary']]"
run add-driver --image "$TMP/img-installed" --driver "$TMP/src/aero_virtio_snd.inf" --test-sign \
    --cert "$CER" --key "$KEY" --digest sha256 --json
expect_json "add-driver --digest sha256, update installed: loads" \
    "[v for i in d['images'] for p in i['verdicts'] for v in p['first_boot'] if v['verdict']=='loads' and v['loads']=='yes']"

# ---- doctor weighs the same fact -----------------------------------------------------
run doctor --image "$TMP/img-absent"
verdict "doctor, SHA-256 staged on an image without the update: Code 52" amd64 "loads: Code 52 \(it is signed with sha256"
run doctor --image "$TMP/img-installed" --json
expect_json "doctor, update installed: the staged package loads" \
    "[p for p in d['packages'] if p['first_boot'] and p['first_boot']['loads']=='yes' and p['first_boot']['installs']=='silently']"
