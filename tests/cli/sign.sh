# CLI tests for `offstage make-test-cert` and `offstage sign`, checked with
# openssl, osslsigncode and mingw objdump as independent readers.
. tests/cli/lib.sh

have() { command -v "$1" >/dev/null 2>&1; }
# same NAME FILE COPY: the file is byte-identical to its copy
same() {
    if cmp -s "$2" "$3"; then ok "$1"; else not_ok "$1" "$2 changed"; fi
}

if ! have openssl; then
    echo "skip: openssl not installed; sign.sh needs it"
    exit 0
fi

K="$TMP/keys"

# --- make-test-cert ---------------------------------------------------------
run make-test-cert --help
expect_status "make-test-cert --help" 0
expect_out "help names the files" "NAME.key +the private key"

run make-test-cert --out "$K" --subject "Contoso Test" --json
expect_status "make-test-cert writes" 0
expect_json "json names thumbprint and files" "d['schema']=='offstage.make-test-cert/1' and len(d['thumbprint'])==40 and d['files']['key'].endswith('offstage-test.key') and d['digest']=='sha1'"
THUMB=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['thumbprint'])" "$OUT")
CER="$K/offstage-test.cer"; PEM="$K/offstage-test.pem"; KEY="$K/offstage-test.key"

openssl x509 -in "$PEM" -noout -subject -ext extendedKeyUsage,keyUsage,basicConstraints >"$TMP/x509" 2>&1
if grep -q "CN *= *Contoso Test" "$TMP/x509"; then ok "openssl reads the subject"; else not_ok "openssl reads the subject" "$(cat "$TMP/x509")"; fi
if grep -q "Code Signing" "$TMP/x509" && grep -q "Digital Signature" "$TMP/x509" && grep -q "CA:FALSE" "$TMP/x509"; then
    ok "EKU codeSigning, keyUsage, CA:FALSE"
else
    not_ok "EKU codeSigning, keyUsage, CA:FALSE" "$(cat "$TMP/x509")"
fi
openssl x509 -inform DER -in "$CER" -outform DER -out "$TMP/cer.der" 2>/dev/null
openssl x509 -in "$PEM" -outform DER -out "$TMP/pem.der" 2>/dev/null
same "the .cer and the .pem are the same certificate" "$TMP/cer.der" "$TMP/pem.der"
fp=$(openssl x509 -in "$PEM" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
if [ "$fp" = "$THUMB" ]; then ok "thumbprint is openssl's SHA-1 fingerprint"; else not_ok "thumbprint" "$fp != $THUMB"; fi
openssl pkey -in "$KEY" -pubout -out "$TMP/key.pub" 2>/dev/null
openssl x509 -in "$PEM" -noout -pubkey >"$TMP/cert.pub"
same "the key matches the certificate" "$TMP/key.pub" "$TMP/cert.pub"
mode=$(stat -c %a "$KEY")
if [ "$mode" = 600 ]; then ok "key is mode 0600"; else not_ok "key is mode 0600" "mode $mode"; fi

cp "$PEM" "$TMP/pem.before"
run make-test-cert --out "$K"
expect_status "existing files are refused" 2
expect_err "refusal names the file and --force" "offstage-test.(cer|pem|key): exists; pass --force"
same "refused make-test-cert leaves the certificate" "$PEM" "$TMP/pem.before"
run make-test-cert --out "$K" --force --digest sha256 --days 30
expect_status "--force replaces" 0
if openssl x509 -in "$PEM" -noout -text | grep -q "sha256WithRSAEncryption"; then ok "--digest sha256 certificate"; else not_ok "--digest sha256 certificate" ""; fi
run make-test-cert --out "$K" --days 0
expect_status "--days 0 is a usage error" 2
# back to the default certificate for the signing tests
run make-test-cert --out "$K" --force
THUMB=$(sed -n 's/^ *thumbprint *//p' "$OUT")

# --- sign: PE images ----------------------------------------------------------
run sign --help
expect_status "sign --help" 0
expect_out "help explains the SHA-1 default" "KB3033929"

mkdir -p "$TMP/pe"
for a in x86 amd64; do cp "$BUILD/testdrivers/$a/testdrv.sys" "$TMP/pe/$a.sys"; done
run sign --key "$KEY" --cert "$PEM" "$TMP/pe/x86.sys" "$TMP/pe/amd64.sys" --json
expect_status "sign both drivers" 0
expect_json "json per file" "d['schema']=='offstage.sign/1' and d['digest']=='sha1' and [f['kind'] for f in d['files']]==['pe','pe'] and all(f['signed'] for f in d['files']) and d['signer']['thumbprint']=='$THUMB'"

if have osslsigncode; then
    for a in x86 amd64; do
        f="$TMP/pe/$a.sys"
        if osslsigncode verify -CAfile "$PEM" -in "$f" >"$TMP/v" 2>&1 && grep -q "^Succeeded" "$TMP/v"; then
            ok "osslsigncode accepts the signed $a driver"
        else
            not_ok "osslsigncode accepts the signed $a driver" "$(tail -5 "$TMP/v")"
        fi
        cur=$(sed -n 's/^Current message digest *: *//p' "$TMP/v" | tr -d ' ')
        calc=$(sed -n 's/^Calculated message digest *: *//p' "$TMP/v" | tr -d ' ')
        if [ -n "$cur" ] && [ "$cur" = "$calc" ]; then ok "our $a image hash is osslsigncode's"; else not_ok "our $a image hash" "$cur vs $calc"; fi
        # osslsigncode prints "Current" and "Calculated" checksums and a warning only when they differ
        if grep -q "^PE checksum *: *[0-9A-F]" "$TMP/v" && ! grep -q "invalid PE checksum" "$TMP/v"; then
            ok "osslsigncode agrees on the $a checksum"
        else
            not_ok "osslsigncode agrees on the $a checksum" "$(grep checksum "$TMP/v")"
        fi
        osslsigncode extract-signature -in "$f" -out "$TMP/$a.p7" >/dev/null 2>&1
        if openssl pkcs7 -inform DER -in "$TMP/$a.p7" -print_certs -noout 2>&1 | grep -q "Contoso Test\|offstage Test Signing"; then
            ok "openssl parses the extracted $a PKCS#7"
        else
            not_ok "openssl parses the extracted $a PKCS#7" ""
        fi
    done
    # a size that is not a multiple of 8: padded before the signature
    cp "$BUILD/testdrivers/amd64/testdrv.sys" "$TMP/pe/odd.sys" && printf 'extra' >>"$TMP/pe/odd.sys"
    "$OFFSTAGE" sign --key "$KEY" --cert "$PEM" "$TMP/pe/odd.sys" >/dev/null 2>&1
    if osslsigncode verify -CAfile "$PEM" -in "$TMP/pe/odd.sys" >"$TMP/v" 2>&1 && grep -q "^Succeeded" "$TMP/v"; then
        ok "osslsigncode accepts a signed driver that needed padding"
    else
        not_ok "osslsigncode accepts a signed driver that needed padding" "$(tail -5 "$TMP/v")"
    fi
    # one byte inside .text
    cp "$TMP/pe/amd64.sys" "$TMP/pe/bad.sys"
    off=$(python3 -c "import struct,sys; d=open(sys.argv[1],'rb').read(); e=struct.unpack_from('<I',d,0x3c)[0]; n=struct.unpack_from('<H',d,e+6)[0]; o=struct.unpack_from('<H',d,e+20)[0]; s=e+24+o; print(struct.unpack_from('<I',d,s+20)[0]+16)" "$TMP/pe/bad.sys")
    printf '\377' | dd of="$TMP/pe/bad.sys" bs=1 seek="$off" conv=notrunc status=none
    if osslsigncode verify -CAfile "$PEM" -in "$TMP/pe/bad.sys" >"$TMP/v" 2>&1; then
        not_ok "osslsigncode rejects a changed section byte" "accepted"
    else
        ok "osslsigncode rejects a changed section byte"
    fi
else
    echo "skip: osslsigncode not installed; independent signature checks skipped"
fi

OBJDUMP=""
for t in x86_64-w64-mingw32-objdump i686-w64-mingw32-objdump; do have "$t" && OBJDUMP=$t && break; done
if [ -n "$OBJDUMP" ]; then
    "$OBJDUMP" -p "$TMP/pe/amd64.sys" >"$TMP/od" 2>&1
    stored=$(sed -n 's/^CheckSum[[:space:]]*//p' "$TMP/od")
    ours=$(python3 -c "
import struct,sys
d=bytearray(open(sys.argv[1],'rb').read()); e=struct.unpack_from('<I',d,0x3c)[0]; c=e+24+64
d[c:c+4]=b'\0\0\0\0'
if len(d)%2: d+=b'\0'
s=0
for (w,) in struct.iter_unpack('<H',d): s+=w; s=(s&0xffff)+(s>>16)
print('%08x'%(((s&0xffff)+(s>>16))+len(open(sys.argv[1],'rb').read())))" "$TMP/pe/amd64.sys")
    if [ -n "$stored" ] && [ "$stored" = "$ours" ]; then ok "objdump reads the signed PE; its CheckSum is recomputed"; else not_ok "objdump CheckSum" "$stored vs $ours"; fi
    if grep -q "Security Directory" "$TMP/od" && ! grep -q "^Entry 4 00000000 00000000" "$TMP/od"; then
        ok "objdump sees the certificate table"
    else
        not_ok "objdump sees the certificate table" "$(grep 'Entry 4' "$TMP/od")"
    fi
else
    echo "skip: no mingw objdump; PE header cross-check skipped"
fi

# re-signing replaces, never nests: same bytes again
cp "$TMP/pe/amd64.sys" "$TMP/pe/once.sys"
run sign --key "$KEY" --cert "$PEM" "$TMP/pe/amd64.sys"
expect_status "re-sign" 0
same "re-signing gives the same bytes" "$TMP/pe/amd64.sys" "$TMP/pe/once.sys"
run sign --key "$KEY" --cert "$PEM" --digest sha256 "$TMP/pe/amd64.sys"
expect_out "sha256 on request" "signed .*amd64.sys \(pe, sha256\)"
if have osslsigncode; then
    osslsigncode verify -CAfile "$PEM" -in "$TMP/pe/amd64.sys" >"$TMP/v" 2>&1
    if grep -q "Message digest algorithm *: *SHA256" "$TMP/v" && grep -q "^Succeeded" "$TMP/v"; then ok "osslsigncode accepts the sha256 signature"; else not_ok "osslsigncode sha256" "$(tail -5 "$TMP/v")"; fi
fi

# --- sign: catalogs -------------------------------------------------------------
cat >"$TMP/cat.cnf" <<'EOF'
asn1 = SEQUENCE:contentinfo
[contentinfo]
type = OID:pkcs7-signedData
content = EXPLICIT:0,SEQUENCE:signeddata
[signeddata]
version = INTEGER:1
digestalgs = SET:empty
inner = SEQUENCE:inner
signers = SET:empty
[empty]
[inner]
type = OID:1.3.6.1.4.1.311.10.1
ctl = EXPLICIT:0,SEQUENCE:ctl
[ctl]
usage = SEQUENCE:usage
id = FORMAT:HEX,OCTETSTRING:0123456789ABCDEF0123456789ABCDEF
time = UTCTIME:260101000000Z
alg = SEQUENCE:memberalg
subjects = SEQUENCE:subjects
[usage]
u = OID:1.3.6.1.4.1.311.12.1.1
[memberalg]
o = OID:1.3.6.1.4.1.311.12.1.2
n = NULL
[subjects]
s1 = SEQUENCE:subject1
[subject1]
tag = FORMAT:HEX,OCTETSTRING:410042004300
attrs = SET:attrs1
[attrs1]
a1 = SEQUENCE:nameattr
[nameattr]
o = OID:1.3.6.1.4.1.311.12.2.1
v = SET:namevalue
[namevalue]
v = FORMAT:HEX,OCTETSTRING:7400650073007400
EOF
openssl asn1parse -genconf "$TMP/cat.cnf" -out "$TMP/test.cat" -noout
# the CTL's value bytes (after its tag and length), where a catalog's hash is taken
ctl_value() {
    set -- "$1" $(openssl asn1parse -inform DER -in "$1" | grep -A2 ':1.3.6.1.4.1.311.10.1' | sed -n 3p |
                  sed 's/^ *\([0-9]*\):.*hl= *\([0-9]*\) *l= *\([0-9]*\).*/\1 \2 \3/')
    dd if="$1" bs=1 skip=$(($2 + $3)) count="$4" status=none
}
ctl_value "$TMP/test.cat" >"$TMP/ctl.before"
run sign --key "$KEY" --cert "$PEM" "$TMP/test.cat"
expect_status "sign a catalog" 0
expect_out "detected as a catalog" "signed .*test.cat \(catalog, sha1\)"
ctl_value "$TMP/test.cat" >"$TMP/ctl.after"
same "the catalog's list is kept byte for byte" "$TMP/ctl.before" "$TMP/ctl.after"
if openssl smime -verify -inform DER -in "$TMP/test.cat" -content "$TMP/ctl.after" -binary -CAfile "$PEM" \
        -purpose any -out /dev/null >"$TMP/v" 2>&1; then
    ok "openssl verifies the catalog signature over its list"
else
    not_ok "openssl verifies the catalog signature over its list" "$(cat "$TMP/v")"
fi
if openssl pkcs7 -inform DER -in "$TMP/test.cat" -print_certs -noout | grep -q "offstage Test Signing"; then
    ok "openssl pkcs7 parses the catalog and finds the signer certificate"
else
    not_ok "openssl pkcs7 parses the catalog" ""
fi
if have osslsigncode; then
    if osslsigncode verify -CAfile "$PEM" -in "$TMP/test.cat" >"$TMP/v" 2>&1 && grep -q "^Succeeded" "$TMP/v"; then
        ok "osslsigncode accepts the signed catalog"
    else
        not_ok "osslsigncode accepts the signed catalog" "$(tail -5 "$TMP/v")"
    fi
    cp "$TMP/test.cat" "$TMP/bad.cat"
    # the member name "test" (UTF-16LE) becomes "Test"
    off=$(python3 -c "import sys; print(open(sys.argv[1],'rb').read().index(b't\0e\0s\0t\0'))" "$TMP/bad.cat")
    printf 'T' | dd of="$TMP/bad.cat" bs=1 seek="$off" conv=notrunc status=none
    if osslsigncode verify -CAfile "$PEM" -in "$TMP/bad.cat" >"$TMP/v" 2>&1; then
        not_ok "osslsigncode rejects a changed catalog byte" "accepted"
    else
        ok "osslsigncode rejects a changed catalog byte"
    fi
fi

# --- refusals: nothing written ------------------------------------------------------
cp "$TMP/pe/x86.sys" "$TMP/keep.sys"
cp "$TMP/pe/x86.sys" "$TMP/victim.sys"
expect_untouched() {
    same "$1: the file is untouched" "$TMP/victim.sys" "$TMP/keep.sys"
    n=$(ls "$TMP" | grep -c 'offstage-')
    if [ "$n" -eq 0 ]; then ok "$1: no temporary left"; else not_ok "$1: no temporary left" "$(ls "$TMP")"; fi
}

openssl x509 -in "$PEM" -signkey "$KEY" -days -1 -out "$TMP/expired.pem" 2>/dev/null
run sign --key "$KEY" --cert "$TMP/expired.pem" "$TMP/victim.sys"
expect_status "expired certificate: exit 2" 2
expect_err "expired certificate named with its date" "expired.pem: the certificate expired on .*--allow-expired"
expect_untouched "expired certificate"

run sign --key "$KEY" --cert "$TMP/expired.pem" --allow-expired "$TMP/victim.sys"
expect_status "--allow-expired signs anyway" 0
cp "$TMP/keep.sys" "$TMP/victim.sys"

cat "$PEM" "$TMP/expired.pem" >"$TMP/two.pem"
run sign --key "$KEY" --cert "$TMP/two.pem" "$TMP/victim.sys"
expect_status "two certificates: exit 2" 2
expect_err "two certificates: the count is named" "two.pem: holds 2 certificates"
expect_untouched "two certificates"

head -c 600 /dev/urandom >"$TMP/garbage.key"
run sign --key "$TMP/garbage.key" --cert "$PEM" "$TMP/victim.sys"
expect_status "garbage key: exit 2" 2
expect_err "garbage key named" "garbage.key: not a private key"
expect_untouched "garbage key"

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/other.key" 2>/dev/null
run sign --key "$TMP/other.key" --cert "$PEM" "$TMP/victim.sys"
expect_status "key of another certificate: exit 2" 2
expect_err "mismatch explained" "other.key: the private key does not belong to the certificate"
expect_untouched "mismatched key"

printf '[Version]\r\nSignature="$Windows NT$"\r\n' >"$TMP/x.inf"
cp "$TMP/x.inf" "$TMP/x.inf.keep"
run sign --key "$KEY" --cert "$PEM" "$TMP/x.inf"
expect_status "unknown file type: exit 2" 2
expect_err "unknown type explained" "x.inf: offset 0: neither a PE image"
same "unknown file untouched" "$TMP/x.inf" "$TMP/x.inf.keep"

head -c 300 "$TMP/keep.sys" >"$TMP/cut.sys"
cp "$TMP/cut.sys" "$TMP/cut.keep"
run sign --key "$KEY" --cert "$PEM" "$TMP/cut.sys"
expect_status "truncated driver: exit 2" 2
expect_err "truncated driver: offset named" "cut.sys: offset 0x"
same "truncated driver untouched" "$TMP/cut.sys" "$TMP/cut.keep"

# DER key and DER certificate work too
openssl pkey -in "$KEY" -outform DER -out "$TMP/key.der" 2>/dev/null
run sign --key "$TMP/key.der" --cert "$CER" "$TMP/victim.sys"
expect_status "DER key and certificate" 0
cp "$TMP/keep.sys" "$TMP/victim.sys"

run sign --key "$KEY" --cert "$PEM"
expect_status "no file: usage error" 2
