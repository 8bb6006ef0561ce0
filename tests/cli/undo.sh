# CLI tests for undoing and for advice that does not loop: remove-driver says
# what it leaves and --with-trust takes back the certificate and testsigning
# (hives compared with hivexregedit --export, get-certs and hivexget on the
# BCD-Template); the advice for an INF without CatalogFile, followed as
# printed, works; a refused run prints nothing as done; x86 and amd64 INFs
# named for a set holding both architectures are each staged where they fit;
# check-package picks the architecture the package's .sys files are built for.
. tests/cli/lib.sh

"$OFFSTAGE" make-test-cert --out "$TMP/cert" >/dev/null

# ---- an INF without CatalogFile -----------------------------------------------
mkdir -p "$TMP/nocat"
cp "$EXAMPLE/amd64/aero_virtio_snd.inf" "$EXAMPLE/amd64/aero_virtio_snd.sys" "$TMP/nocat/"
sed -i '/^CatalogFile/d' "$TMP/nocat/aero_virtio_snd.inf"
"$OFFSTAGE" make-test-image --arch amd64 "$TMP/nocat-img" >/dev/null
run check-package "$TMP/nocat" --image "$TMP/nocat-img"
expect_out "no CatalogFile: the advice names the INF line to add first" \
    "to change: name a catalog in the INF: add the line CatalogFile=NAME.cat .*\[Version\].*then add-driver --test-sign"
expect_no_out "no CatalogFile: the advice does not send straight to --test-sign" "to change: sign it for test: add-driver --test-sign"

run add-driver --image "$TMP/nocat-img" --driver "$TMP/nocat" --test-sign --test-sign-dir "$TMP/cert"
expect_status "no CatalogFile: add-driver --test-sign refuses it" 1
expect_out "refused run: says what was refused and why" "REFUSED: .*names no catalog"
expect_no_out "refused run: no certificate line reads as done" "ROOT: add|TrustedPublisher: add"
expect_no_out "refused run: testsigning does not read as turned on" "testsigning turned on"
expect_out "refused run: the certificate reads as not added" "ROOT: would add; TrustedPublisher: would add"
run add-driver --image "$TMP/nocat-img" --driver "$TMP/nocat" --test-sign --test-sign-dir "$TMP/cert" --json
expect_json "refused run --json: test-signing not done" \
    "d['result'] == 'refused' and d['images'][0]['test_signing']['done'] is False"
run get-certs --image "$TMP/nocat-img"
expect_no_out "refused run: no certificate in the image" "$(openssl x509 -in "$TMP/cert/offstage-test.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')"

# the advice followed as printed: the line added to [Version], then --test-sign
sed -i 's/^\[Version\]/[Version]\nCatalogFile=aero_virtio_snd.cat/' "$TMP/nocat/aero_virtio_snd.inf"
run add-driver --image "$TMP/nocat-img" --driver "$TMP/nocat" --test-sign --test-sign-dir "$TMP/cert"
expect_status "advice followed: add-driver --test-sign stages it" 0
expect_out "advice followed: the staged copy will install and load" "first boot \(amd64\): installs: silently .*; loads: yes"

# ---- remove-driver after add-driver --test-sign ---------------------------------
TP=$(openssl x509 -in "$TMP/cert/offstage-test.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
CONF=Windows/System32/config
export_hives() { # DIR OUT: every hive as keys and values
    for h in SYSTEM SOFTWARE BCD-Template; do echo "== $h"; hivexregedit --export "$1/$CONF/$h" '\'; done >"$2"
}
"$OFFSTAGE" make-test-image --arch amd64 "$TMP/ts" >/dev/null
export_hives "$TMP/ts" "$TMP/ts.before"
(cd "$TMP/ts" && find . | sort) >"$TMP/ts.files"
run add-driver --image "$TMP/ts" --driver "$EXAMPLE/amd64/aero_virtio_snd.inf" --test-sign --test-sign-dir "$TMP/cert"
expect_status "test-sign: staged" 0
run remove-driver --image "$TMP/ts" --driver aero_virtio_snd.inf --dry-run
expect_out "remove --dry-run: says what it would remove" "would remove aero_virtio_snd.inf_amd64_neutral_"
expect_out "remove --dry-run: says what it would leave" "would leave: certificate $TP stays trusted"
if [ -f "$TMP/ts/Windows/offstage/manifest.json" ]; then ok "remove --dry-run: the package stays"; else not_ok "remove --dry-run" "manifest gone"; fi

cp -r "$TMP/ts" "$TMP/ts2"
run remove-driver --image "$TMP/ts" --driver aero_virtio_snd.inf
expect_status "remove: exit 0" 0
expect_out "remove: says the certificate stays trusted in both stores" "left: certificate $TP stays trusted in ROOT and TrustedPublisher.*--with-trust"
expect_out "remove: says testsigning stays on" "left: testsigning stays on in the image's BCD-Template"
run get-certs --image "$TMP/ts"
expect_out "remove: the certificate is still in ROOT" "^ROOT +$TP"
run remove-driver --image "$TMP/ts" --driver all --with-trust --json
expect_json "--with-trust after a plain remove: the trust is taken back" \
    "len(d['trust_undone']) == 3 and d['trust_left'] == []"
export_hives "$TMP/ts" "$TMP/ts.after"
if cmp -s "$TMP/ts.before" "$TMP/ts.after"; then ok "remove, then --with-trust: every hive as before add-driver"; else not_ok "hives as before" "$(diff "$TMP/ts.before" "$TMP/ts.after" | head -5)"; fi

run remove-driver --image "$TMP/ts2" --driver aero_virtio_snd.inf --with-trust
expect_out "--with-trust: the certificate removed from ROOT" "undone: certificate $TP removed from ROOT"
expect_out "--with-trust: the certificate removed from TrustedPublisher" "undone: certificate $TP removed from TrustedPublisher"
expect_out "--with-trust: testsigning set back" "undone: the image's BCD-Template: testsigning on \{bootloadersettings\} back to unset"
run get-certs --image "$TMP/ts2"
expect_no_out "--with-trust: get-certs lists no certificate" "$TP"
if [ -z "$(hivexget "$TMP/ts2/$CONF/BCD-Template" '\Objects\{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}\Elements\16000049' Element 2>/dev/null)" ]; then
    ok "--with-trust: hivexget finds no testsigning element in the template"
else not_ok "--with-trust: testsigning element" "still there"; fi
export_hives "$TMP/ts2" "$TMP/ts2.after"
if cmp -s "$TMP/ts.before" "$TMP/ts2.after"; then ok "add --test-sign + remove --with-trust: every hive as before"; else not_ok "hives as before" "$(diff "$TMP/ts.before" "$TMP/ts2.after" | head -5)"; fi
if (cd "$TMP/ts2" && find . | sort) | cmp -s - "$TMP/ts.files"; then ok "add --test-sign + remove --with-trust: the same files as before"; else not_ok "files as before" "differ"; fi

# a second test-signed package keeps the certificate and testsigning
"$OFFSTAGE" make-test-image --arch amd64 "$TMP/two" >/dev/null
"$OFFSTAGE" add-driver --image "$TMP/two" --driver "$EXAMPLE/amd64" --test-sign --test-sign-dir "$TMP/cert" >/dev/null
run remove-driver --image "$TMP/two" --driver aero_virtio_snd.inf --with-trust
expect_out "another staged package signed by it: the certificate stays, named why" \
    "left: certificate $TP stays trusted in ROOT and TrustedPublisher: aero-virtio-snd-legacy.inf_amd64_neutral_[0-9a-f]+, still staged, is signed by it"
expect_out "another staged package signed by it: testsigning stays" "left: testsigning stays on in the image's BCD-Template: a package still staged"
run get-certs --image "$TMP/two"
expect_out "kept: the certificate still in TrustedPublisher" "^TrustedPublisher +$TP"
run remove-driver --image "$TMP/two" --driver all --with-trust
expect_out "the last one removed: the certificate goes" "undone: certificate $TP removed from ROOT"

# a certificate the user had trusted before stays where it was
"$OFFSTAGE" make-test-image --arch amd64 "$TMP/pre" >/dev/null
"$OFFSTAGE" add-cert --image "$TMP/pre" --cert "$TMP/cert/offstage-test.cer" --store ROOT >/dev/null
"$OFFSTAGE" add-driver --image "$TMP/pre" --driver "$EXAMPLE/amd64/aero_virtio_snd.inf" --test-sign --test-sign-dir "$TMP/cert" >/dev/null
run remove-driver --image "$TMP/pre" --driver all --with-trust
expect_out "was in ROOT before: removed only from TrustedPublisher" "undone: certificate $TP removed from TrustedPublisher"
expect_out "was in ROOT before: says it stays there" "left: certificate $TP stays in ROOT: it was there before offstage"
run get-certs --image "$TMP/pre"
expect_out "was in ROOT before: still in ROOT" "^ROOT +$TP"

# a --bcd store outside the image: set back only when named again
if [ -f "$SHARED/fixtures/bcd/regipy-BCD.xz" ]; then
    mkdir -p "$TMP/boot"
    xz -dc "$SHARED/fixtures/bcd/regipy-BCD.xz" >"$TMP/boot/BCD"
    hivexregedit --export "$TMP/boot/BCD" '\' >"$TMP/bcd.before"
    "$OFFSTAGE" make-test-image --arch amd64 "$TMP/ext" >/dev/null
    "$OFFSTAGE" add-driver --image "$TMP/ext" --driver "$EXAMPLE/amd64/aero_virtio_snd.inf" --test-sign \
        --test-sign-dir "$TMP/cert" --bcd "$TMP/boot/BCD" >/dev/null
    run bcd --store "$TMP/boot/BCD" --check testsigning
    expect_status "--bcd store: testsigning on after add-driver" 0
    cp -r "$TMP/ext" "$TMP/ext2"
    run remove-driver --image "$TMP/ext" --driver all --with-trust
    expect_out "--bcd store not named: said to be left, and how" "left: testsigning stays on in $TMP/boot/BCD \(outside the image\): give --bcd"
    run remove-driver --image "$TMP/ext2" --driver all --with-trust --bcd "$TMP/boot/BCD"
    expect_out "--bcd store named: testsigning set back there" "undone: $TMP/boot/BCD: testsigning on .* back to"
    hivexregedit --export "$TMP/boot/BCD" '\' >"$TMP/bcd.after"
    if cmp -s "$TMP/bcd.before" "$TMP/bcd.after"; then ok "--bcd store: as before add-driver (keys and values)"; else not_ok "--bcd store as before" "$(diff "$TMP/bcd.before" "$TMP/bcd.after" | head -5)"; fi
else
    echo "skip: ../shared/fixtures/bcd absent; --bcd undo not checked"
fi

# ---- an x86 and an amd64 INF for a set holding both architectures ------------------
"$OFFSTAGE" make-test-image --arch x86 "$TMP/mix32" >/dev/null
"$OFFSTAGE" make-test-image --arch amd64 "$TMP/mix64" >/dev/null
wimlib-imagex capture "$TMP/mix32" "$TMP/mix.wim" "Windows 7 x86" --compress=LZX >/dev/null
wimlib-imagex append "$TMP/mix64" "$TMP/mix.wim" "Windows 7 x64" >/dev/null
run add-driver --image "$TMP/mix.wim" --index all --driver "$EXAMPLE/x86/aero_virtio_snd.inf" \
    --driver "$EXAMPLE/amd64/aero_virtio_snd.inf" --force-unsigned
expect_status "mixed x86 and amd64 INFs on a two-architecture WIM: staged" 0
expect_out "mixed: the x86 INF staged into the x86 image" "stage .*x86/aero_virtio_snd.inf -> .*aero_virtio_snd.inf_x86_neutral_"
expect_out "mixed: the amd64 INF staged into the amd64 image" "stage .*amd64/aero_virtio_snd.inf -> .*aero_virtio_snd.inf_amd64_neutral_"
expect_out "mixed: each skipped where it does not fit, saying why" "skipped: .*x86/aero_virtio_snd.inf: built for another architecture than this amd64 image"
run get-drivers --image "$TMP/mix.wim" --index 2
expect_out "mixed: get-drivers lists the amd64 copy in image 2" "aero_virtio_snd.inf_amd64_neutral_"
expect_no_out "mixed: no x86 copy in image 2" "aero_virtio_snd.inf_x86_neutral_"
# an INF that fits no image of the set is still refused, with the reason
run add-driver --image "$TMP/mix64" --driver "$EXAMPLE/x86/aero_virtio_snd.inf" --driver "$EXAMPLE/amd64/aero_virtio_snd.inf" --force-unsigned
expect_status "an x86 INF for an amd64 image alone: refused" 1
expect_out "refused: names the reason" "REFUSED: .*x86/aero_virtio_snd.inf: cannot be staged on amd64"

# ---- check-package: the architecture of the package's .sys files by default ----------
run check-package "$EXAMPLE/amd64"
expect_status "amd64 folder, no --arch: passes (not failed for x86)" 0
expect_out "amd64 folder: says which architecture and why" "^architecture amd64: every \.sys in the folder is AMD64"
expect_no_out "amd64 folder: x86 not checked" "^  x86 "
run check-package "$EXAMPLE/x86" --json
expect_json "x86 folder --json: checks x86 only and says why" \
    "all([a['arch'] for a in p['architectures']] == ['x86'] and 'every .sys in the folder is I386' in p['architecture_chosen'] for p in d['packages'])"
run check-package "$EXAMPLE/amd64" --arch x86
expect_status "--arch x86 on the amd64 folder: as asked, fails" 1
expect_no_out "--arch given: no architecture chosen" "^architecture "
