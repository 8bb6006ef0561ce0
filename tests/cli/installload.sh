# CLI tests for the two parts of a first-boot verdict, installing and
# loading, in text and JSON: a signer in TrustedPublisher but not ROOT with
# testsigning on installs after a prompt and loads (the kernel needs no
# trusted root); add-cert warns that a CA certificate in TrustedPublisher
# trusts nothing there; --setup-complete writes pnputil lines only for
# packages that install silently.
. tests/cli/lib.sh

verdict() { # NAME PATTERN: the amd64 first-boot line matches
    if grep -E "first boot \(amd64\): " "$OUT" | grep -Eq -- "$2"; then ok "$1"; else not_ok "$1" "no verdict /$2/"; fi
}

"$OFFSTAGE" make-test-cert --out "$TMP/cert" >/dev/null
CER="$TMP/cert/offstage-test.cer" KEY="$TMP/cert/offstage-test.key"
mkdir -p "$TMP/pkg"
cp "$EXAMPLE/amd64/aero_virtio_snd.inf" "$EXAMPLE/amd64/aero_virtio_snd.sys" "$TMP/pkg/"
"$OFFSTAGE" make-cat "$TMP/pkg" >/dev/null
"$OFFSTAGE" sign --key "$KEY" --cert "$CER" "$TMP/pkg/aero_virtio_snd.cat" >/dev/null
"$OFFSTAGE" make-test-image --arch amd64 "$TMP/img" >/dev/null
"$OFFSTAGE" bcd --image "$TMP/img" --set testsigning on >/dev/null

# ---- trusted nowhere, testsigning on: a prompt, and it loads --------------------
run check-package "$TMP/pkg" --image "$TMP/img"
verdict "untrusted signer, testsigning on: installs after a prompt" "^  first boot \(amd64\): installs: after a prompt \(its signer is not trusted"
verdict "untrusted signer, testsigning on: loads, no root needed" "; loads: yes \(test-signed, testsigning on in the image's BCD-Template; the kernel needs no trusted root\)"
expect_no_out "no load part blames ROOT" "loads: [^;]*ROOT"

# ---- in TrustedPublisher, not in ROOT -------------------------------------------
"$OFFSTAGE" add-cert --image "$TMP/img" --cert "$CER" --store TrustedPublisher >/dev/null
run check-package "$TMP/pkg" --image "$TMP/img"
expect_status "TrustedPublisher only: a prompt is a negative answer (exit 1)" 1
verdict "TrustedPublisher only: installs after a prompt, loads" "installs: after a prompt .*; loads: yes"
expect_out "TrustedPublisher only: the fix trusts the signer in ROOT" "to change: trust its signer in the image: add-cert"
run check-package "$TMP/pkg" --image "$TMP/img" --json
expect_json "TrustedPublisher only: JSON parts and kind" \
    "[v for v in d['packages'][0]['first_boot'] if v['verdict']=='prompt' and v['installs']=='prompt' and v['loads']=='yes']"

# ---- ROOT too, testsigning off: installs silently, Code 52 ----------------------
"$OFFSTAGE" add-cert --image "$TMP/img" --cert "$CER" --store ROOT >/dev/null
"$OFFSTAGE" bcd --image "$TMP/img" --set testsigning off >/dev/null
run check-package "$TMP/pkg" --image "$TMP/img" --json
expect_json "trusted, testsigning off: installs silently, Code 52" \
    "[v for v in d['packages'][0]['first_boot'] if v['verdict']=='no-load' and v['installs']=='silently' and v['loads']=='code-52' and 'testsigning on' in v['fix']]"
run check-package "$TMP/pkg" --image "$TMP/img"
verdict "trusted, testsigning off: text has both parts" \
    "installs: silently \(its signer is in the image's ROOT and TrustedPublisher stores\); loads: Code 52 \(it is test-signed and testsigning is off in the image's BCD-Template\)"

# ---- add-driver's JSON carries the parts too ------------------------------------
run add-driver --image "$TMP/img" --driver "$TMP/pkg" --dry-run --json
expect_json "add-driver JSON: installs and loads beside verdict" \
    "[v for v in d['images'][0]['verdicts'][0]['first_boot'] if v['installs']=='silently' and v['loads']=='code-52' and v['verdict']=='no-load']"

# ---- add-cert: a CA certificate in TrustedPublisher -----------------------------
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=offstage test CA" -days 30 \
    -addext "basicConstraints=critical,CA:TRUE" -keyout "$TMP/ca.key" -out "$TMP/ca.pem" >/dev/null 2>&1
"$OFFSTAGE" make-test-image --arch amd64 "$TMP/img-ca" >/dev/null
run add-cert --image "$TMP/img-ca" --cert "$TMP/ca.pem" --store TrustedPublisher
expect_status "CA in TrustedPublisher: still added (exit 0)" 0
expect_err "CA in TrustedPublisher: warned on stderr, naming it and the way out" \
    "warning: CN=offstage test CA \([0-9A-F]{40}\) is a CA certificate \(basicConstraints CA:TRUE\): in TrustedPublisher it trusts nothing.*put that signer certificate in TrustedPublisher"
run add-cert --image "$TMP/img-ca" --cert "$TMP/ca.pem" --json
expect_json "CA: JSON warns for TrustedPublisher only" \
    "[e['warning'] is None for e in d['images'][0]['entries'] if e['store']=='ROOT'] == [True] and [('CA certificate' in e['warning']) for e in d['images'][0]['entries'] if e['store']=='TrustedPublisher'] == [True]"
run add-cert --image "$TMP/img-ca" --cert "$CER" --store TrustedPublisher
if [ -s "$ERR" ]; then not_ok "end-entity in TrustedPublisher: no warning" "stderr: $(cat "$ERR")"; else ok "end-entity in TrustedPublisher: no warning"; fi

# ---- --setup-complete: a line only for what installs silently -------------------
SC="Windows/Setup/Scripts/SetupComplete.cmd"
"$OFFSTAGE" make-test-image --arch amd64 "$TMP/img-sc" >/dev/null
run add-driver --image "$TMP/img-sc" --driver "$TMP/pkg" --setup-complete --json
expect_status "prompting package: staged (exit 0)" 0
if grep -qs pnputil "$TMP/img-sc/$SC"; then not_ok "prompting package: no pnputil line" "$(cat "$TMP/img-sc/$SC")"; else ok "prompting package: no pnputil line"; fi
expect_json "prompting package: the note gives the reason" \
    "[n for n in d['packages'][0]['notes'] if n.startswith('no pnputil line in SetupComplete.cmd: it does not install silently (its signer is not trusted') and 'nothing answers a prompt there' in n]"
run remove-driver --image "$TMP/img-sc" --driver aero_virtio_snd.inf
mkdir -p "$TMP/unsigned"
cp "$EXAMPLE/amd64/aero_virtio_snd.inf" "$EXAMPLE/amd64/aero_virtio_snd.sys" "$TMP/unsigned/"
run add-driver --image "$TMP/img-sc" --driver "$TMP/unsigned" --test-sign --cert "$CER" --key "$KEY" --setup-complete
expect_status "test-signed package: staged (exit 0)" 0
if grep -q 'pnputil -i -a "%SystemRoot%\\offstage\\drivers\\aero_virtio_snd.inf_amd64_neutral_.*\\aero_virtio_snd.inf"' "$TMP/img-sc/$SC"; then
    ok "test-signed package (silent): pnputil line written"
else not_ok "test-signed package (silent): pnputil line written" "$(cat "$TMP/img-sc/$SC" 2>&1)"; fi
expect_no_out "test-signed package: no refusal note" "no pnputil line"
run remove-driver --image "$TMP/img-sc" --driver aero_virtio_snd.inf
if grep -qs pnputil "$TMP/img-sc/$SC"; then not_ok "remove-driver takes the line out" "left"; else ok "remove-driver takes the line out"; fi
