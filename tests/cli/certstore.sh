# CLI tests for add-cert, get-certs and remove-cert on a directory target
# and on a WIM image. The certificate is made here by `openssl req -x509`;
# what lands in SOFTWARE is read back with hivexget and hivexregedit and
# compared with a Blob assembled from openssl's own output.
. tests/cli/lib.sh

snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort; find . -type d | sort); }
same_as_before() { # NAME DIR SNAPSHOT-FILE
    if snapshot "$2" | cmp -s - "$3"; then ok "$1"; else not_ok "$1" "image changed"; fi
}
sum() { sha256sum "$1" | cut -d' ' -f1; }

if ! command -v openssl >/dev/null 2>&1; then
    echo "skip: certstore.sh needs the openssl command (Debian package openssl)"
    exit 0
fi

C="$TMP/cert"
mkdir -p "$C"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj '/CN=offstage test signing/O=Offstage Tests' \
    -keyout "$C/key.pem" -out "$C/test.pem" 2>/dev/null
openssl x509 -in "$C/test.pem" -outform DER -out "$C/test.cer"
FP=$(openssl x509 -in "$C/test.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
FP_COLONS=$(openssl x509 -in "$C/test.pem" -noout -fingerprint -sha1 | sed 's/.*=//')
SUBJECT=$(openssl x509 -in "$C/test.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
# The Blob Windows writes: 03 00 00 00 01 00 00 00 14 00 00 00 <SHA-1>
# 20 00 00 00 01 00 00 00 <length, u32 LE> <DER>, built from openssl's output.
DER_LEN=$(stat -c %s "$C/test.cer")
{
    printf '\003\000\000\000\001\000\000\000\024\000\000\000'
    echo "$FP" | xxd -r -p
    printf '\040\000\000\000\001\000\000\000'
    printf '%08x' "$DER_LEN" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/' | xxd -r -p
    cat "$C/test.cer"
} > "$C/expected.blob"
if [ "$(stat -c %s "$C/expected.blob")" -eq $((44 + DER_LEN)) ]; then ok "expected Blob assembled"; else not_ok "expected Blob" "size"; fi

KEY='\Microsoft\SystemCertificates'
blob_of() { # HIVE STORE
    hivexget "$1" "$KEY\\$2\\Certificates\\$FP" Blob 2>/dev/null
}
check_blob() { # NAME HIVE STORE
    blob_of "$2" "$3" > "$TMP/blob"
    if cmp -s "$TMP/blob" "$C/expected.blob"; then ok "$1"; else not_ok "$1" "Blob differs: $(cmp "$TMP/blob" "$C/expected.blob" 2>&1)"; fi
}

IMG="$TMP/img"
"$OFFSTAGE" make-test-image --arch amd64 "$IMG" >/dev/null
SW="$IMG/Windows/System32/config/SOFTWARE"
if hivexregedit --export "$SW" "$KEY" | grep -qF '[\Microsoft\SystemCertificates\ROOT\CRLs]'; then ok "test image has SystemCertificates\\ROOT with CRLs"; else not_ok "test image stores" "missing"; fi

for cmd in add-cert get-certs remove-cert; do
    run $cmd --help
    expect_status "$cmd --help" 0
done
run add-cert --help
expect_out "add-cert --help names the default stores" "ROOT and TrustedPublisher"

# --- refusals leave the image byte-identical ---------------------------------
snapshot "$IMG" > "$TMP/clean"
printf 'not a certificate at all\n' > "$C/garbage.cer"
run add-cert --image "$IMG" --cert "$C/garbage.cer"
expect_status "garbage certificate: exit 2" 2
expect_err "garbage: the file is named" "garbage.cer: offset 0: not a DER X.509 certificate"
expect_err "garbage: PEM is named as the other form, with where to get one" "nor PEM .no -----BEGIN CERTIFICATE----- line.: give the certificate as a .cer .DER. or PEM file"
cat "$C/test.pem" "$C/test.pem" > "$C/two.pem"
run add-cert --image "$IMG" --cert "$C/two.pem"
expect_status "two-certificate PEM: exit 2" 2
expect_err "two-certificate PEM: the count is named" "two.pem: holds 2 certificates"
expect_err "two-certificate PEM: one certificate is asked for" "give a file with only that certificate"
: > "$C/empty.cer"
run add-cert --image "$IMG" --cert "$C/empty.cer"
expect_status "empty certificate file: exit 2" 2
expect_err "empty certificate file named" "empty.cer: empty file, not a certificate"
run add-cert --image "$IMG" --cert "$C/test.pem" --store TrustedPublishers
expect_status "misspelt store: exit 2" 2
expect_err "misspelt store named" "no certificate store 'TrustedPublishers'"
run add-cert --image "$IMG"
expect_status "no --cert: exit 2" 2
run add-cert --image "$IMG" --cert "$C/test.pem" --thumbprint "$FP"
expect_status "add-cert refuses --thumbprint" 2
run remove-cert --image "$IMG" --thumbprint 1234
expect_status "short thumbprint: exit 2" 2
expect_err "short thumbprint named" "'1234' is not 40 hex digits"
run add-cert --image "$IMG" --cert "$C/test.pem" --dry-run
expect_status "dry run: exit 0" 0
expect_out "dry run: plan" "would add .*$FP.* to ROOT"
OFFSTAGE_FAULT_ENOSPC_AFTER=1000 "$OFFSTAGE" add-cert --image "$IMG" --cert "$C/test.pem" >"$OUT" 2>"$ERR"
STATUS=$?
expect_status "disk full: exit 2" 2
expect_err "disk full reported" "No space left on device"
same_as_before "refusals, dry run, disk full: image byte-identical" "$IMG" "$TMP/clean"

# --- add: PEM, the exact bytes, then DER again: nothing written ---------------
run add-cert --image "$IMG" --cert "$C/test.pem" --json
expect_status "add-cert PEM: exit 0" 0
expect_json "add-cert JSON: added to ROOT and TrustedPublisher" "d['result']=='added' and d['certificates'][0]['thumbprint']=='$FP' and sorted((e['store'],e['action']) for e in d['entries'])==[('ROOT','add'),('TrustedPublisher','add')]"
check_blob "ROOT Blob is byte for byte Windows' format (hivexget)" "$SW" ROOT
check_blob "TrustedPublisher Blob is byte for byte Windows' format (hivexget)" "$SW" TrustedPublisher
hivexregedit --export "$SW" "$KEY" > "$TMP/export.reg"
if grep -qxF "[\\Microsoft\\SystemCertificates\\ROOT\\Certificates\\$FP]" "$TMP/export.reg"; then ok "key named by openssl's fingerprint without colons (hivexregedit)"; else not_ok "thumbprint key" "$(grep Certificates "$TMP/export.reg")"; fi
if grep -q '^"Blob"=hex(3):03,00,00,00,01,00,00,00,14,00,00,00,' "$TMP/export.reg"; then ok "exported Blob starts like a Windows .reg export"; else not_ok "export" "$(grep Blob "$TMP/export.reg" | cut -c1-60)"; fi
B1=$(sum "$SW")
run add-cert --image "$IMG" --cert "$C/test.cer"
expect_status "add-cert DER again: exit 0" 0
expect_out "again: nothing to do" "nothing to do"
if [ "$(sum "$SW")" = "$B1" ]; then ok "idempotent: SOFTWARE byte-identical after the second add"; else not_ok "idempotent" "changed"; fi

run get-certs --image "$IMG" --json
expect_status "get-certs: exit 0" 0
expect_json "get-certs lists both stores" "sorted(c['store'] for c in d['certificates'])==['ROOT','TrustedPublisher'] and all(c['thumbprint']=='$FP' and c['subject']=='$SUBJECT' and c['hash_matches'] and c['valid'] for c in d['certificates'])"
run get-certs --image "$IMG" --store root
expect_out "get-certs --store, text" "^ROOT +$FP"
expect_no_out "get-certs --store ROOT only" "TrustedPublisher"

# --- a broken entry is shown, then repaired by add-cert ----------------------
snapshot "$IMG" > "$TMP/added"
hivexregedit --merge "$SW" --prefix '\' /dev/stdin <<EOF
Windows Registry Editor Version 5.00

[\\Microsoft\\SystemCertificates\\CA\\Certificates\\$FP]
"Blob"=hex(3):30,82,01
EOF
run get-certs --image "$IMG" --store CA --json
expect_json "malformed Blob listed with key and offset" "d['certificates'][0]['valid']==False and 'CA\\\\Certificates\\\\$FP\\\\Blob: offset 0' in d['certificates'][0]['problem']"
run add-cert --image "$IMG" --cert "$C/test.pem" --store CA
expect_out "broken entry replaced" "replace .*$FP.* in CA"
check_blob "repaired CA Blob" "$SW" CA

# --- remove ----------------------------------------------------------------------
run remove-cert --image "$IMG" --thumbprint "$FP_COLONS" --store CA --json
expect_status "remove-cert --thumbprint with colons: exit 0" 0
expect_json "removed from CA" "[(r['store'],r['thumbprint']) for r in d['removed']]==[('CA','$FP')]"
run remove-cert --image "$IMG" --cert "$C/test.cer"
expect_status "remove-cert --cert: exit 0" 0
expect_out "removed from both default stores" "removed $FP from TrustedPublisher"
if hivexregedit --export "$SW" "$KEY" | grep -q "$FP"; then not_ok "entries gone" "still there"; else ok "entries gone (hivexregedit)"; fi
if hivexregedit --export "$SW" "$KEY" | grep -qxF '[\Microsoft\SystemCertificates\ROOT\Certificates]'; then ok "store keys stay"; else not_ok "store keys" "gone"; fi
snapshot "$IMG" > "$TMP/removed"
run remove-cert --image "$IMG" --cert "$C/test.pem"
expect_status "remove-cert when absent: exit 1" 1
expect_err "absent: said so" "none of the certificates"
same_as_before "absent: image byte-identical" "$IMG" "$TMP/removed"

# --- a WIM image ---------------------------------------------------------------
if ! command -v wimlib-imagex >/dev/null 2>&1; then
    echo "skip: WIM part needs wimlib-imagex (Debian package wimtools)"
    exit 0
fi
"$OFFSTAGE" make-test-image --arch x86 --edition Professional "$TMP/wimsrc" >/dev/null
WIM="$TMP/install.wim"
wimlib-imagex capture "$TMP/wimsrc" "$WIM" "Windows 7 PROFESSIONAL" --compress=LZX >/dev/null
wimlib-imagex append "$TMP/wimsrc" "$WIM" "Windows 7 SECOND" >/dev/null
wim_software() { # INDEX
    rm -rf "$TMP/x" && mkdir -p "$TMP/x"
    wimlib-imagex extract "$WIM" "$1" /Windows/System32/config/SOFTWARE --dest-dir="$TMP/x" --no-acls >/dev/null 2>&1
    echo "$TMP/x/SOFTWARE"
}
W0=$(sum "$WIM")
run add-cert --image "$WIM" --index 3 --cert "$C/test.pem"
expect_status "WIM: no image 3: exit 2" 2
if [ "$(sum "$WIM")" = "$W0" ]; then ok "WIM: refusal leaves it byte-identical"; else not_ok "WIM refusal" "changed"; fi
run add-cert --image "$WIM" --index 2 --cert "$C/test.cer"
expect_status "WIM: add-cert --index 2: exit 0" 0
if wimlib-imagex verify "$WIM" >/dev/null 2>&1; then ok "WIM: wimlib-imagex verify accepts it"; else not_ok "WIM verify" "failed"; fi
check_blob "WIM image 2: ROOT Blob exact (wimlib-imagex extract + hivexget)" "$(wim_software 2)" ROOT
check_blob "WIM image 2: TrustedPublisher Blob exact" "$(wim_software 2)" TrustedPublisher
if [ -z "$(blob_of "$(wim_software 1)" ROOT)" ]; then ok "WIM image 1 untouched"; else not_ok "WIM image 1" "has the certificate"; fi
W1=$(sum "$WIM")
S1=$(stat -c %s "$WIM")
run add-cert --image "$WIM" --index all --cert "$C/test.pem" --store ROOT --json
expect_json "WIM --index all: added to image 1, present in 2" "[[e['action'] for e in i['entries']] for i in d['images']]==[['add'],['present']]"
W2=$(sum "$WIM")
run add-cert --image "$WIM" --index all --cert "$C/test.pem" --store ROOT
expect_out "WIM: again, nothing to do" "nothing to do"
if [ "$(sum "$WIM")" = "$W2" ]; then ok "WIM: idempotent add leaves it byte-identical"; else not_ok "WIM idempotent" "changed"; fi
if [ "$W1" != "$W2" ]; then ok "WIM: the --index all add wrote"; else not_ok "WIM --index all add" "WIM unchanged"; fi
run get-certs --image "$WIM" --index all --json
expect_json "WIM get-certs: 1 entry in image 1, 2 in image 2" "[len(i['certificates']) for i in d['images']]==[1,2]"
run remove-cert --image "$WIM" --index 2 --thumbprint "$FP"
expect_status "WIM: remove-cert: exit 0" 0
if [ -z "$(blob_of "$(wim_software 2)" ROOT)" ] && [ -n "$(blob_of "$(wim_software 1)" ROOT)" ]; then ok "WIM: removed from image 2 only"; else not_ok "WIM remove" "wrong image"; fi
W3=$(sum "$WIM")
S3=$(stat -c %s "$WIM")
run remove-cert --image "$WIM" --index 2 --thumbprint "$FP"
expect_status "WIM: remove again: exit 1" 1
if [ "$(sum "$WIM")" = "$W3" ] && [ "$(stat -c %s "$WIM")" = "$S3" ]; then ok "WIM: nothing to remove, unchanged"; else not_ok "WIM remove again" "changed"; fi
echo "info: WIM size after first add $S1, after remove $S3"
