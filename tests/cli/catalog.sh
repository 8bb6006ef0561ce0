# CLI tests for `offstage make-cat`, `offstage cat-info` and the catalog
# checks of `offstage check-package`.
. tests/cli/lib.sh

PKG="$TMP/pkg"
mkdir -p "$PKG" && cp "$EXAMPLE/amd64/aero_virtio_snd.inf" "$EXAMPLE/amd64/aero_virtio_snd.sys" "$PKG/"

run make-cat "$PKG" --os 7_X64
expect_status "make-cat writes the catalog" 0
expect_out "names what it wrote" "wrote .*/aero_virtio_snd.cat \(unsigned\)"
CAT="$PKG/aero_virtio_snd.cat"
if openssl asn1parse -inform DER -in "$CAT" >/dev/null 2>&1; then ok "openssl asn1parse reads the catalog"; else not_ok "asn1parse" "rejected"; fi
if openssl pkcs7 -inform DER -in "$CAT" -print -noout >/dev/null 2>&1; then ok "openssl pkcs7 reads the catalog"; else not_ok "pkcs7" "rejected"; fi

run cat-info "$CAT" --json
expect_status "cat-info reads it" 0
expect_json "cat-info json: members, attributes, unsigned" "d['schema']=='offstage.cat-info/1' and d['signature']['status']=='unsigned' and sorted(m['file'] for m in d['members'])==['aero_virtio_snd.inf','aero_virtio_snd.sys'] and {a['name']:a['value'] for a in d['attributes']}['OSAttr']=='2:6.1'"
INF_SHA1=$(sha1sum "$PKG/aero_virtio_snd.inf" | cut -d' ' -f1 | tr a-f A-F)
expect_json "flat INF member is sha1sum" "[m for m in d['members'] if m['file']=='aero_virtio_snd.inf' and m['kind']=='flat' and m['hash']=='$INF_SHA1' and m['tag']=='$INF_SHA1']"

run cat-info "$CAT"
expect_out "text lists the PE member" "aero_virtio_snd.sys +PE +sha1 +[0-9A-F]{40}"

if command -v osslsigncode >/dev/null 2>&1; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 2 -subj /CN=offstage-test >/dev/null 2>&1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/k2.pem" -out "$TMP/other.pem" -days 2 -subj /CN=other >/dev/null 2>&1
    osslsigncode sign -h sha1 -certs "$TMP/cert.pem" -key "$TMP/key.pem" -in "$CAT" -out "$TMP/signed.cat" >/dev/null 2>&1
    if osslsigncode verify -catalog "$TMP/signed.cat" -CAfile "$TMP/cert.pem" -in "$PKG/aero_virtio_snd.sys" >"$TMP/v" 2>&1; then
        ok "osslsigncode finds the driver's Authenticode hash in our catalog"
    else
        not_ok "osslsigncode verify -catalog" "$(tail -5 "$TMP/v")"
    fi
    cp "$TMP/signed.cat" "$CAT"
    run cat-info "$CAT" --trust "$TMP/cert.pem"
    expect_status "cat-info --trust signer: trusted" 0
    expect_out "signer shown" "signer +CN=offstage-test"
    run cat-info "$CAT" --trust "$TMP/other.pem"
    expect_status "cat-info --trust stranger: exit 1" 1
    expect_out "untrusted reason" "untrusted: signed by CN=offstage-test, which does not chain"

    run check-package "$PKG" --arch amd64 --trust "$TMP/cert.pem"
    expect_status "check-package: signed, trusted, covering catalog" 0
    expect_no_out "no catalog finding" "catalog-"
    run check-package "$PKG" --arch amd64 --trust "$TMP/other.pem"
    expect_status "check-package: untrusted signer exits 1" 1
    expect_out "untrusted finding is severe on x64" "severe \[amd64\]: aero_virtio_snd.cat: signed by CN=offstage-test.*(catalog-untrusted)"
    run check-package "$PKG" --arch amd64
    expect_status "check-package without --trust: signature not required" 0
    # --trust takes a PEM bundle whole: the signer need not be its first certificate
    cat "$TMP/other.pem" "$TMP/key.pem" "$TMP/cert.pem" > "$TMP/bundle.pem"
    run check-package "$PKG" --arch amd64 --trust "$TMP/bundle.pem"
    expect_status "check-package --trust bundle: the second certificate is trusted" 0
    run cat-info "$CAT" --trust "$TMP/bundle.pem"
    expect_status "cat-info --trust bundle: trusted" 0
    printf 'not a certificate\n' > "$TMP/garbage.pem"
    run check-package "$PKG" --arch amd64 --trust "$TMP/garbage.pem"
    expect_status "check-package --trust garbage: exit 2" 2
    expect_err "garbage --trust named with the reason" "garbage.pem: offset 0: not a DER X.509 certificate"
    : > "$TMP/empty.pem"
    run check-package "$PKG" --arch amd64 --trust "$TMP/empty.pem"
    expect_status "check-package --trust empty file: exit 2" 2
    expect_err "empty --trust named" "empty.pem: empty file, not a certificate"

    printf 'x' >> "$PKG/aero_virtio_snd.sys"
    run check-package "$PKG" --arch amd64 --trust "$TMP/cert.pem" --json
    expect_status "modified driver: exit 1 with --trust" 1
    expect_json "modified driver is a hash mismatch" "any(f['code']=='catalog-hash-mismatch' and 'aero_virtio_snd.sys' in f['message'] for f in d['packages'][0]['findings'])"
    cp "$EXAMPLE/amd64/aero_virtio_snd.sys" "$PKG/"
else
    echo "skip: osslsigncode not installed; signed-catalog tests skipped"
fi

# an extra member: the legacy package's catalog under this INF's name
mkdir -p "$TMP/extra" && cp "$EXAMPLE/amd64/"* "$TMP/extra/"
run make-cat "$TMP/extra/aero-virtio-snd-legacy.inf" --os 7_X64
cp "$TMP/extra/aero-virtio-snd-legacy.cat" "$TMP/extra/aero_virtio_snd.cat"
run check-package "$TMP/extra/aero_virtio_snd.inf" --arch amd64
expect_out "missing member named" "aero_virtio_snd.sys is not in aero_virtio_snd.cat.*(catalog-missing-member)"
expect_out "extra member named" "matches nothing this INF installs for amd64: virtiosnd_legacy.sys.*(catalog-extra-member)"

# a catalog for Vista only does not cover Windows 7
run make-cat "$PKG" --os Vista_X64
run check-package "$PKG" --arch amd64
expect_out "wrong OSAttr named" "OSAttr 2:6.0, which does not include Windows 6.1.*(catalog-wrong-os)"

# a failing make-cat leaves the existing catalog byte-identical
cp "$CAT" "$TMP/before.cat"
run make-cat "$PKG" --os 7_X86
expect_status "amd64 driver catalogued for x86: exit 2" 2
if cmp -s "$CAT" "$TMP/before.cat" && [ -z "$(ls "$PKG" | grep offstage-)" ]; then ok "failed make-cat left the catalog untouched"; else not_ok "catalog untouched" "changed"; fi

# bad input: exit 2 with the offset; nothing written
head -c 200 "$CAT" > "$TMP/trunc.cat"
run cat-info "$TMP/trunc.cat"
expect_status "truncated catalog: exit 2" 2
expect_err "truncated: offset and reason" "trunc.cat: offset [0-9]+: .*truncated"
printf '\060\003\002\001\001' > "$TMP/garbage.cat"
run cat-info "$TMP/garbage.cat"
expect_status "garbage catalog: exit 2" 2
expect_err "garbage: offset named" "garbage.cat: offset [0-9]+: "
run cat-info "$PKG/aero_virtio_snd.sys"
expect_status "a PE file is not a catalog: exit 2" 2

mkdir -p "$TMP/nocat" && cp "$EXAMPLE/x86/aero_virtio_snd.inf" "$EXAMPLE/x86/aero_virtio_snd.sys" "$TMP/nocat/"
sed -i '/CatalogFile/d' "$TMP/nocat/aero_virtio_snd.inf"
run make-cat "$TMP/nocat" --os 7_X86
expect_status "no CatalogFile: exit 2" 2
expect_err "says how to fix it" "add CatalogFile=NAME.cat"
if [ -z "$(ls "$TMP/nocat" | grep -i '\.cat')" ]; then ok "nothing written without CatalogFile"; else not_ok "nothing written" "$(ls "$TMP/nocat")"; fi

cp "$EXAMPLE/x86/aero_virtio_snd.inf" "$EXAMPLE/x86/aero_virtio_snd.sys" "$TMP/nocat/"
run make-cat "$TMP/nocat" --os 7_X64
expect_status "x86 driver catalogued for x64: exit 2" 2
expect_err "names the wrong-machine finding" "wrong-machine"
run make-cat "$TMP/nocat" --os 7_X65
expect_status "unknown --os: exit 2" 2
run make-cat "$TMP/nocat" --json
expect_status "default os for the x86 folder" 0
expect_json "make-cat json" "d['schema']=='offstage.make-cat/1' and len(d['catalogs'])==1 and len(d['catalogs'][0]['members'])==2"
run cat-info "$TMP/nocat/aero_virtio_snd.cat"
expect_out "default OS is what can be staged" "OS = 7X86$"

run make-cat --help
expect_out "make-cat help has exit codes" "Exit status"
run cat-info --help
expect_out "cat-info help has exit codes" "Exit status"

# A CatalogFile that would put the catalog outside the package is refused:
# make-cat writes nothing anywhere, check-package names the line.
ESC="$TMP/esc/deep/pkg"
mkdir -p "$ESC"
sed 's/^CatalogFile.*/CatalogFile = ..\\..\\evil.cat/' "$EXAMPLE/amd64/aero_virtio_snd.inf" > "$ESC/aero_virtio_snd.inf"
cp "$EXAMPLE/amd64/aero_virtio_snd.sys" "$ESC/"
before=$(cd "$TMP/esc" && find . -type f | sort)
run make-cat "$ESC"
expect_status "make-cat: CatalogFile leaving the package: exit 2" 2
if [ "$(cd "$TMP/esc" && find . -type f | sort)" = "$before" ]; then ok "make-cat: nothing written, inside or outside"
else not_ok "make-cat: nothing written" "$(cd "$TMP/esc" && find . -type f)"; fi
run check-package "$ESC"
expect_out "check-package: names the escaping CatalogFile" "aero_virtio_snd.inf:[0-9]+: error .*\.\.\\\\\.\.\\\\evil\.cat.*bad-catalog-name"
