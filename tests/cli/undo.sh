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
expect_out "advice followed: the staged copy will install and load" "first boot \(amd64\): will install and load"
