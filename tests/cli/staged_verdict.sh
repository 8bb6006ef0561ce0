# CLI tests for the verdict of what is staged: get-driver-info shows the
# staged copy's signer, digests and first-boot verdict, get-drivers a verdict
# column and key, check-package --image the verdict of the staged copy of the
# package it checks; each follows a change made to the image after staging
# (a certificate removed, a staged file changed, a boot store given). The
# signer's thumbprint is computed by openssl and the staged catalog's digest
# read by openssl pkcs7, independently of offstage.
. tests/cli/lib.sh

verdict_line() { # NAME PATTERN: get-driver-info's first-boot line matches
    if grep -E '^First boot \(amd64\): ' "$OUT" | grep -Eq -- "$2"; then ok "$1"; else not_ok "$1" "no verdict /$2/"; fi
}
column() { # NAME INF WORD: get-drivers' last column for the package of INF
    got=$(grep -E "\| $2 " "$OUT" | sed 's/.*| *//')
    if [ "$got" = "$3" ]; then ok "$1"; else not_ok "$1" "first-boot column of $2 is '$got', expected '$3'"; fi
}

"$OFFSTAGE" make-test-cert --out "$TMP/cert" >/dev/null
CER="$TMP/cert/offstage-test.cer"
TP=$(openssl x509 -in "$TMP/cert/offstage-test.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
IMG="$TMP/img"
"$OFFSTAGE" make-test-image --arch amd64 --with-device 1af4:1059:00191af4:01 "$IMG" >/dev/null

# ---- before staging: nothing staged, nothing to judge ----------------------
run get-drivers --image "$IMG"
expect_status "get-drivers on an empty image" 0
expect_out "the table has a first-boot column" "\| State +\| First Boot$"

run add-driver --image "$IMG" --driver "$EXAMPLE/amd64" --test-sign --test-sign-dir "$TMP/cert"
expect_status "add-driver --test-sign" 0
STAGED=$(ls -d "$IMG"/Windows/offstage/drivers/aero_virtio_snd.inf_amd64_neutral_*)
FOLDER=$(basename "$STAGED")
cp -a "$IMG" "$TMP/pristine-staged"

# ---- get-driver-info: the staged copy's signer, digest and verdict ---------
run get-driver-info --image "$IMG" --driver aero_virtio_snd.inf
expect_status "get-driver-info of a staged package" 0
expect_out "names the staged copy" "^Staged copy: +Windows\\\\offstage\\\\drivers\\\\$FOLDER$"
expect_out "names the staged catalog" "^Catalog: +Windows\\\\offstage\\\\drivers\\\\$FOLDER\\\\aero_virtio_snd.cat$"
expect_out "signer subject and thumbprint (openssl's)" "^Signer: +CN=offstage Test Signing \(thumbprint $TP\)$"
DIGEST=$(openssl pkcs7 -inform DER -in "$STAGED/aero_virtio_snd.cat" -print 2>/dev/null |
         sed -n '/digest_alg:/,/algorithm:/s/.*algorithm: *\([a-z0-9]*\).*/\1/p' | head -1)
if [ "$DIGEST" = sha1 ]; then ok "openssl reads a sha1 signature on the staged catalog"; else not_ok "openssl digest" "'$DIGEST'"; fi
expect_out "digest of the signature and member hashes" "^Digest: +$DIGEST \(signature\), sha1 \(member hashes\)$"
expect_out "testsigning and where it was read" "^Testsigning: +on in the image's BCD-Template$"
verdict_line "test-signed, trusted, testsigning on: loads" "^First boot \(amd64\): installs: silently .*; loads: yes \(test-signed, testsigning on"
run get-driver-info --image "$IMG" --driver aero_virtio_snd.inf --json
expect_json "json: staged_copy signer, digests, verdict" \
    "s['signer']=={'subject':'CN=offstage Test Signing','thumbprint':'$TP'} and s['digest']=='sha1' and s['member_digest']=='sha1' and s['first_boot']['verdict']=='loads' and s['first_boot']['signature']=='trusted' and s['first_boot']['testsigning'] is True and s['folder'].endswith('$FOLDER') and s['problem'] is None if (s:=d['staged_copy']) else False"

# ---- get-drivers: the verdict column and key -------------------------------
run get-drivers --image "$IMG"
expect_status "get-drivers" 0
column "get-drivers: test-signed package loads" aero_virtio_snd.inf loads
column "get-drivers: the transitional package loads too" aero-virtio-snd-legacy.inf loads
run get-drivers --image "$IMG" --json
expect_json "get-drivers json: a verdict per staged package" \
    "len(d['drivers'])==2 and all(x['verdict']['verdict']=='loads' and x['verdict']['arch']=='amd64' for x in d['drivers'])"

# ---- check-package --image: the staged copy of the package checked ---------
run check-package "$EXAMPLE/amd64/aero_virtio_snd.inf" --image "$IMG"
expect_out "check-package: the source folder is unsigned" "^  first boot \(amd64\): .*Code 52.*unsigned"
expect_out "check-package: the staged copy's verdict follows, naming it" \
    "^  staged copy: Windows\\\\offstage\\\\drivers\\\\$FOLDER \(this package\): first boot \(amd64\): installs: silently .*; loads: yes"
expect_status "check-package: the staged copy decides the exit status" 0
run check-package "$EXAMPLE/amd64/aero_virtio_snd.inf" --image "$IMG" --json
expect_json "check-package json: staged_copies" \
    "len(c:=d['packages'][0]['staged_copies'])==1 and c[0]['same_package'] is True and c[0]['first_boot']['verdict']=='loads' and c[0]['folder'].endswith('$FOLDER')"

# another package under the same INF name (its .sys differs): shown, not taken for this one
make_package "$TMP/other" amd64
printf 'x' >> "$TMP/other/aero_virtio_snd.sys"
run check-package "$TMP/other" --image "$IMG"
expect_out "another package of the same INF name is named as such" \
    "staged copy: .*$FOLDER \(another package of that INF name: its files differ\): first boot"
expect_status "another package's copy does not decide this one's exit status" 1
run check-package "$EXAMPLE/amd64/aero_virtio_snd.inf"
expect_no_out "without --image no staged copy is looked up" "staged copy"

# ---- --bcd: the stores the system boots with ------------------------------
if [ -f "$SHARED/fixtures/bcd/regipy-BCD.xz" ]; then
    xz -dc "$SHARED/fixtures/bcd/regipy-BCD.xz" > "$TMP/off.bcd"
    cp "$TMP/off.bcd" "$TMP/on.bcd"
    "$OFFSTAGE" bcd --store "$TMP/on.bcd" --set testsigning on >/dev/null
    run get-driver-info --image "$IMG" --driver aero_virtio_snd.inf --bcd "$TMP/on.bcd"
    verdict_line "--bcd with testsigning on: loads" "installs: silently .*; loads: yes"
    expect_out "--bcd: names the store" "^Testsigning: +on in BCD store .*/on.bcd$"
    run get-driver-info --image "$IMG" --driver aero_virtio_snd.inf --bcd "$TMP/on.bcd" --bcd "$TMP/off.bcd"
    verdict_line "two stores, one with testsigning off: Code 52 naming it" "Code 52.*testsigning is off in BCD store .*/off.bcd"
    run get-drivers --image "$IMG" --bcd="$TMP/off.bcd"
    column "get-drivers --bcd=FILE with testsigning off: Code 52" aero_virtio_snd.inf "Code 52"
    run get-drivers --image "$IMG" --bcd
    expect_status "--bcd without a file: usage error" 2
else
    echo "skip: ../shared/fixtures/bcd absent; --bcd not checked"
fi

run get-driver-info --image "$IMG" --driver aero_virtio_snd.inf --bcd "$TMP/no-such.bcd"
expect_status "get-driver-info: a --bcd store that cannot be read is an error" 2
expect_err "get-driver-info: names the store" "no-such.bcd"
run get-drivers --image "$IMG" --bcd "$TMP/no-such.bcd" --json
expect_status "get-drivers: a --bcd store that cannot be read is an error" 2
expect_err "get-drivers: names the store" "no-such.bcd"

# ---- the verdict follows the image: the signer removed from ROOT -----------
run remove-cert --image "$IMG" --thumbprint "$TP" --store ROOT
expect_status "remove-cert from ROOT" 0
run get-driver-info --image "$IMG" --driver aero_virtio_snd.inf
verdict_line "signer no longer in ROOT: installs after a prompt, still loads (no root needed)" "installs: after a prompt .*; loads: yes"
run get-drivers --image "$IMG"
column "get-drivers: signer no longer in ROOT: prompt" aero_virtio_snd.inf "prompt"
run check-package "$EXAMPLE/amd64/aero_virtio_snd.inf" --image "$IMG"
expect_out "check-package: the staged copy no longer installs silently" "staged copy: .*\(this package\): first boot \(amd64\): installs: after a prompt"
expect_status "check-package: the staged copy's prompt is a negative answer" 1

# ---- ... and a staged file changed since it was staged ----------------------
T2="$TMP/tampered"
cp -a "$TMP/pristine-staged" "$T2"
printf 'x' >> "$T2/Windows/offstage/drivers/$FOLDER/aero_virtio_snd.sys"
run get-driver-info --image "$T2" --driver "$FOLDER"
verdict_line "a staged .sys changed: its signature is not valid" "loads: Code 52 \(its signature is not valid"
expect_out "the verdict names the changed file" "aero_virtio_snd.sys does not match its member in aero_virtio_snd.cat"
expect_no_out "no scratch path in the verdict" "offstage-scratch"
run get-drivers --image "$T2" --json
expect_json "get-drivers json: the changed copy is no-load" \
    "[x['verdict']['verdict'] for x in d['drivers'] if x['original_name']=='aero_virtio_snd.inf']==['no-load']"

# a staged file that is gone: unreadable, said, not an error of the listing
rm "$T2/Windows/offstage/drivers/$FOLDER/aero_virtio_snd.cat"
run get-drivers --image "$T2"
expect_status "a staged copy that cannot be read back: get-drivers still lists" 0
column "get-drivers: unreadable" aero_virtio_snd.inf unreadable
run get-driver-info --image "$T2" --driver "$FOLDER"
expect_out "get-driver-info says why it has no verdict" "^First boot: +unknown: the staged copy could not be read back: .*aero_virtio_snd.cat"

# ---- a SHA-256 signature: the digest shown is the one openssl reads ----------
S="$TMP/sha256"
"$OFFSTAGE" make-test-image --arch amd64 "$S" >/dev/null
"$OFFSTAGE" add-driver --image "$S" --driver "$EXAMPLE/amd64" --test-sign --test-sign-dir "$TMP/cert" --digest sha256 >/dev/null
DIGEST=$(openssl pkcs7 -inform DER -in "$S/Windows/offstage/drivers/$FOLDER/aero_virtio_snd.cat" -print 2>/dev/null |
         sed -n '/digest_alg:/,/algorithm:/s/.*algorithm: *\([a-z0-9]*\).*/\1/p' | head -1)
run get-driver-info --image "$S" --driver aero_virtio_snd.inf --json
expect_json "--digest sha256: the staged catalog's digest is openssl's ($DIGEST)" \
    "d['staged_copy']['digest']=='$DIGEST'=='sha256' and d['staged_copy']['member_digest']=='sha1'"

# ---- an unsigned package staged on x64 --------------------------------------
U="$TMP/unsigned"
"$OFFSTAGE" make-test-image --arch amd64 "$U" >/dev/null
"$OFFSTAGE" add-driver --image "$U" --driver "$EXAMPLE/amd64" --force-unsigned >/dev/null
run get-drivers --image "$U"
column "unsigned staged package on x64: Code 52 in get-drivers" aero_virtio_snd.inf "Code 52"
run get-driver-info --image "$U" --driver aero_virtio_snd.inf
expect_out "unsigned: no catalog" "^Catalog: +none$"
expect_no_out "unsigned: no signer line" "^Signer:"
verdict_line "unsigned: will not load (Code 52)" "Code 52.*unsigned"

# ---- what Windows itself installed has no staged copy to judge ----------------
W="$TMP/published"
cp -a "$TMP/pristine-staged" "$W"
cp "$STAGED/aero_virtio_snd.inf" "$W/Windows/inf/oem3.inf"
run get-drivers --image "$W" --json
expect_json "a Windows-published package has a null verdict" \
    "[x['verdict'] for x in d['drivers'] if x['published_name']=='oem3.inf']==[None]"
run get-driver-info --image "$W" --driver oem3.inf --json
expect_json "get-driver-info of a published package: staged_copy null" "d['staged_copy'] is None"
