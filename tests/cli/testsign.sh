# CLI tests for the first-boot verdicts of check-package and add-driver, one
# per outcome of the signature policy, and for add-driver --test-sign: the
# catalog it makes and signs into the staged copy (checked with osslsigncode),
# the certificate it trusts (read back with hivexget) and testsigning in the
# BCD-Template and in a --bcd store (hivexget on the real fixture stores).
. tests/cli/lib.sh

snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort; find . -type d | sort); }
same_as_before() { # NAME DIR SNAPSHOT-FILE
    if snapshot "$2" | cmp -s - "$3"; then ok "$1"; else not_ok "$1" "changed"; fi
}
verdict() { # NAME ARCH PATTERN: the first-boot line for ARCH matches
    if grep -E "first boot \($2\): " "$OUT" | grep -Eq -- "$3"; then ok "$1"; else not_ok "$1" "no $2 verdict /$3/"; fi
}

# An amd64 and an x86 package with only the modern INF, unsigned.
for a in amd64 x86; do
    mkdir -p "$TMP/pkg-$a"
    cp "$EXAMPLE/$a/aero_virtio_snd.inf" "$EXAMPLE/$a/aero_virtio_snd.sys" "$TMP/pkg-$a/"
done
"$OFFSTAGE" make-test-image "$TMP/img64" --arch amd64 >/dev/null
"$OFFSTAGE" make-test-image "$TMP/img32" --arch x86 >/dev/null
"$OFFSTAGE" make-test-cert --out "$TMP/cert" >/dev/null
CER="$TMP/cert/offstage-test.cer" KEY="$TMP/cert/offstage-test.key" PEM="$TMP/cert/offstage-test.pem"
TP=$(openssl x509 -in "$PEM" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')

# ---- verdicts of check-package, one fact changed at a time ----------------
run check-package "$TMP/pkg-amd64" --image "$TMP/img64"
expect_status "unsigned x64: exit 1" 1
verdict "unsigned x64: never installs unattended, will not load (Code 52)" amd64 "installs: never unattended \(the package is unsigned.*; loads: Code 52"
expect_out "unsigned x64: says what to change" "to change: .*--test-sign"
run check-package "$TMP/pkg-x86" --image "$TMP/img32"
verdict "unsigned x86: never installs unattended, loads" x86 "installs: never unattended \(the package is unsigned.*; loads: yes"

"$OFFSTAGE" make-cat "$TMP/pkg-amd64" >/dev/null
"$OFFSTAGE" sign --key "$KEY" --cert "$CER" "$TMP/pkg-amd64/aero_virtio_snd.cat" >/dev/null
run check-package "$TMP/pkg-amd64" --image "$TMP/img64"
verdict "signer not trusted by the image: a prompt; testsigning off: Code 52" amd64 "installs: after a prompt \(its signer is not trusted.*; loads: Code 52 \(it is test-signed and testsigning is off"
expect_out "untrusted: the fix trusts the signer and turns testsigning on" "add-cert.*testsigning"

"$OFFSTAGE" add-cert --image "$TMP/img64" --cert "$CER" --store ROOT >/dev/null
run check-package "$TMP/pkg-amd64" --image "$TMP/img64"
verdict "in ROOT only, testsigning off: a prompt, will not load" amd64 \
    "installs: after a prompt .*TrustedPublisher.*; loads: Code 52 \(it is test-signed and testsigning is off in the image's BCD-Template\)"
expect_out "testsigning off: the fix is bcd --set testsigning on" "to change: .*bcd .*--set testsigning on"

"$OFFSTAGE" bcd --image "$TMP/img64" --set testsigning on >/dev/null
run check-package "$TMP/pkg-amd64" --image "$TMP/img64"
verdict "in ROOT only, testsigning on: a prompt, loads" amd64 "installs: after a prompt \(its signer is not in the image's TrustedPublisher store.*; loads: yes"
expect_status "a prompt: exit 1" 1

"$OFFSTAGE" add-cert --image "$TMP/img64" --cert "$CER" --store TrustedPublisher >/dev/null
run check-package "$TMP/pkg-amd64" --image "$TMP/img64" --json
expect_status "all in place: exit 0" 0
expect_json "all in place: will install and load" \
    "d['packages'][0]['first_boot'][0]['verdict'] == 'loads' and d['packages'][0]['first_boot'][0]['testsigning'] is True"

# a --bcd store with testsigning off decides over the image's template
B="$TMP/bcd"
mkdir -p "$B"
if [ -f "$SHARED/fixtures/bcd/regipy-BCD.xz" ]; then
    xz -dc "$SHARED/fixtures/bcd/regipy-BCD.xz" > "$B/BCD"
    run check-package "$TMP/pkg-amd64" --image "$TMP/img64" --bcd "$B/BCD"
    verdict "--bcd store with testsigning off: will not load, names the store" amd64 "testsigning is off in BCD store .*/BCD"
else
    echo "skip: ../shared/fixtures/bcd absent; --bcd verdict not checked"
fi

# without an image, --trust stands for what the image will trust; testsigning unknown
run check-package "$TMP/pkg-amd64" --arch amd64 --trust "$CER"
verdict "no image, testsigning unknown: loads only if" amd64 "loads only if testsigning is on"
expect_status "unknown testsigning is not a negative answer" 0

# make-cat signs in one step with --cert/--key
mkdir -p "$TMP/pkg-mc"
cp "$EXAMPLE/amd64/aero_virtio_snd.inf" "$EXAMPLE/amd64/aero_virtio_snd.sys" "$TMP/pkg-mc/"
run make-cat "$TMP/pkg-mc" --cert "$CER" --key "$KEY" --json
expect_json "make-cat --cert --key: written signed" "d['catalogs'][0]['signed'] is True"
run check-package "$TMP/pkg-mc" --image "$TMP/img64"
verdict "make-cat's signed catalog: will install and load" amd64 "installs: silently.*; loads: yes"
run make-cat "$TMP/pkg-mc" --cert "$CER"
expect_status "make-cat --cert without --key: usage error" 2

# a release (cross-signed) signature: the kernel follows the cross-certificate
# from Microsoft Code Verification Root, so x64 loads it with testsigning off.
# The roots here are stand-ins made by openssl, trusted only inside the test.
X="$TMP/xsign"
mkdir -p "$X/pkg"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=Microsoft Code Verification Root" \
    -keyout "$X/ms.key" -out "$X/ms.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=Vendor Root CA" -keyout "$X/vr.key" \
    -out "$X/vr.pem" 2>/dev/null
openssl x509 -x509toreq -in "$X/vr.pem" -signkey "$X/vr.key" -out "$X/vr.csr" 2>/dev/null
openssl x509 -req -in "$X/vr.csr" -CA "$X/ms.pem" -CAkey "$X/ms.key" -CAcreateserial -days 30 \
    -out "$X/cross.pem" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -subj "/CN=Vendor Driver Signing" -keyout "$X/leaf.key" \
    -out "$X/leaf.csr" 2>/dev/null
openssl x509 -req -in "$X/leaf.csr" -CA "$X/vr.pem" -CAkey "$X/vr.key" -CAcreateserial -days 30 \
    -out "$X/leaf.pem" 2>/dev/null
cp "$EXAMPLE/amd64/aero_virtio_snd.inf" "$EXAMPLE/amd64/aero_virtio_snd.sys" "$X/pkg/"
"$OFFSTAGE" make-cat "$X/pkg" >/dev/null
"$OFFSTAGE" make-test-image "$X/img" --arch amd64 >/dev/null
"$OFFSTAGE" add-cert --image "$X/img" --cert "$X/vr.pem" >/dev/null
for ac in with without; do
    rm -f "$X/s.cat"
    if [ $ac = with ]; then
        osslsigncode sign -certs "$X/leaf.pem" -key "$X/leaf.key" -ac "$X/cross.pem" -h sha1 \
            -in "$X/pkg/aero_virtio_snd.cat" -out "$X/s.cat" >/dev/null 2>&1
    else
        osslsigncode sign -certs "$X/leaf.pem" -key "$X/leaf.key" -h sha1 \
            -in "$X/pkg/aero_virtio_snd.cat" -out "$X/s.cat" >/dev/null 2>&1
    fi
    mkdir -p "$X/$ac"
    cp "$X/pkg/aero_virtio_snd.inf" "$X/pkg/aero_virtio_snd.sys" "$X/$ac/"
    cp "$X/s.cat" "$X/$ac/aero_virtio_snd.cat"
done
run check-package "$X/with" --image "$X/img"
verdict "cross-signed release signature: loads with testsigning off" amd64 "installs: silently.*; loads: yes"
run check-package "$X/without" --image "$X/img"
verdict "the same chain without the cross-certificate: a test signature" amd64 "testsigning is off"

# a file changed after signing: the catalog no longer covers it
cp -r "$TMP/pkg-amd64" "$TMP/pkg-changed"
printf '\n; changed\n' >> "$TMP/pkg-changed/aero_virtio_snd.inf"
run check-package "$TMP/pkg-changed" --image "$TMP/img64"
verdict "a changed INF: will not load, names the file" amd64 "not valid.*aero_virtio_snd.inf does not match"

# ---- add-driver --test-sign --------------------------------------------
# --help says where --test-sign turns testsigning on, per image kind: the
# --test-sign paragraph alone is read (the virtual-disk section appended to
# every image command's help names the disk's store too)
run add-driver --help
sed -n '/^  --test-sign  /,/^  --cert /p' "$OUT" | tr -s ' \n' '  ' > "$TMP/help-ts"
help_ts() { # NAME PATTERN: the --test-sign paragraph, joined into one line, matches
    if grep -Eq -- "$2" "$TMP/help-ts"; then ok "$1"; else not_ok "$1" "--test-sign help lacks /$2/"; fi
}
help_ts "add-driver --help: --test-sign on a directory or WIM writes its BCD-Template" \
    'directory or WIM: its BCD-Template'
help_ts "add-driver --help: --test-sign on a disk writes the disk's own boot store, not its BCD-Template" \
    "disk image: the disk's own boot stores.*Boot\\\\BCD on the active partition.*EFI\\\\Microsoft\\\\Boot\\\\BCD on the EFI system partition.*BCD-Template is left as it is"
"$OFFSTAGE" make-test-image "$TMP/ts" --arch amd64 >/dev/null
pkg_before=$(cd "$TMP/pkg-x86" && sha256sum * | sort)
mkdir -p "$TMP/pkg-unsigned"
cp "$EXAMPLE/amd64/aero_virtio_snd.inf" "$EXAMPLE/amd64/aero_virtio_snd.sys" "$TMP/pkg-unsigned/"
pkg_before=$(cd "$TMP/pkg-unsigned" && sha256sum * | sort)
snapshot "$TMP/ts" > "$TMP/ts.snap"
run add-driver --image "$TMP/ts" --driver "$TMP/pkg-unsigned" --test-sign --test-sign-dir "$TMP/cert" --dry-run
expect_status "test-sign dry run" 0
verdict "dry run predicts the result" amd64 "installs: silently.*; loads: yes"
verdict "dry run: the verdict says it is a prediction, and what would be signed" amd64 \
    "predicted: it would be test-signed by CN=offstage Test Signing \($TP\)"
same_as_before "dry run writes nothing" "$TMP/ts" "$TMP/ts.snap"
run add-driver --image "$TMP/ts" --driver "$TMP/pkg-unsigned" --test-sign --test-sign-dir "$TMP/cert" --dry-run --json
expect_json "dry run JSON: predicted, the package's own signature (none), no catalog checked" \
    "[v['predicted'] for v in d['images'][0]['verdicts'][0]['first_boot']] == [True] and d['images'][0]['verdicts'][0]['first_boot'][0]['signature'] == 'none'"
same_as_before "dry run --json writes nothing" "$TMP/ts" "$TMP/ts.snap"

run add-driver --image "$TMP/ts" --driver "$TMP/pkg-unsigned" --test-sign --cert "$CER" --key "$KEY"
expect_status "test-sign an unsigned package" 0
verdict "test-signed: will install and load" amd64 "installs: silently.*; loads: yes"
expect_no_out "test-signed: the verdict is the staged copy's, not a prediction" "predicted"
expect_out "test-signed: the plan's note says what is staged, as before" \
    "^      test-signed: a catalog made for amd64 and signed by CN=offstage Test Signing is staged with it"
if [ "$(cd "$TMP/pkg-unsigned" && sha256sum * | sort)" = "$pkg_before" ]; then
    ok "the user's package is not modified"
else
    not_ok "the user's package is not modified" "package changed"
fi
STAGED=$(echo "$TMP"/ts/Windows/offstage/drivers/aero_virtio_snd.inf_amd64_neutral_*)
if osslsigncode verify -CAfile "$PEM" -catalog "$STAGED/aero_virtio_snd.cat" -in "$STAGED/aero_virtio_snd.sys" \
    >"$TMP/v" 2>&1; then
    ok "osslsigncode verifies the staged .sys against the staged catalog"
else
    not_ok "osslsigncode verifies the staged .sys against the staged catalog" "$(tail -3 "$TMP/v")"
fi
run cat-info "$STAGED/aero_virtio_snd.cat" --trust "$CER" --json
expect_json "the staged catalog lists the INF and the .sys for 7X64" \
    "sorted(m['file'] for m in d['members']) == ['aero_virtio_snd.inf', 'aero_virtio_snd.sys'] and 'X64' in str(d)"
SW="$TMP/ts/Windows/System32/config/SOFTWARE"
for store in ROOT TrustedPublisher; do
    if hivexget "$SW" "\\Microsoft\\SystemCertificates\\$store\\Certificates\\$TP" Blob >/dev/null 2>&1; then
        ok "certificate trusted in $store (hivexget)"
    else
        not_ok "certificate trusted in $store (hivexget)" "no Blob under $store\\Certificates\\$TP"
    fi
done
BT="$TMP/ts/Windows/System32/config/BCD-Template"
if hivexregedit --export "$BT" '\Objects\{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}\Elements\16000049' 2>/dev/null |
    grep -qi '"Element"=hex(3):01'; then
    ok "BCD-Template: testsigning on {bootloadersettings}, REG_BINARY 01 (hivexregedit)"
else
    not_ok "BCD-Template: testsigning on {bootloadersettings}, REG_BINARY 01 (hivexregedit)" "element missing"
fi
snapshot "$TMP/ts" > "$TMP/ts2.snap"
run add-driver --image "$TMP/ts" --driver "$TMP/pkg-unsigned" --test-sign --test-sign-dir "$TMP/cert"
expect_out "re-run: nothing to do" "nothing to do"
same_as_before "re-run leaves the image byte-identical" "$TMP/ts" "$TMP/ts2.snap"

# a boot-start driver on x64: its .sys gets an embedded signature too
mkdir -p "$TMP/stor"
cp tests/data/teststor/teststor.inf "$TMP/stor/"
cp "$BUILD/testdrivers/amd64/testdrv.sys" "$TMP/stor/"
"$OFFSTAGE" make-test-image "$TMP/bt" --arch amd64 >/dev/null
run check-package "$TMP/stor" --image "$TMP/bt"
verdict "boot-start, unsigned: the boot stops" amd64 "loads: boot stops"
run add-driver --image "$TMP/bt" --driver "$TMP/stor" --test-sign --test-sign-dir "$TMP/cert"
expect_status "boot-start package test-signed" 0
verdict "boot-start, test-signed: will install and load" amd64 "installs: silently.*; loads: yes"
expect_out "boot-start: says the .sys carries an embedded signature" "embedded signature"
SYS="$TMP/bt/Windows/System32/drivers/testdrv.sys"
if osslsigncode verify -CAfile "$PEM" -in "$SYS" >"$TMP/v" 2>&1; then
    ok "System32\\drivers copy has an embedded signature osslsigncode accepts"
else
    not_ok "System32\\drivers copy has an embedded signature osslsigncode accepts" "$(tail -3 "$TMP/v")"
fi
BSTAGED=$(echo "$TMP"/bt/Windows/offstage/drivers/teststor.inf_amd64_neutral_*)
if osslsigncode verify -CAfile "$PEM" -catalog "$BSTAGED/teststor.cat" -in "$BSTAGED/testdrv.sys" >"$TMP/v" 2>&1; then
    ok "the signed .sys is covered by the staged catalog"
else
    not_ok "the signed .sys is covered by the staged catalog" "$(tail -3 "$TMP/v")"
fi
if cmp -s "$BUILD/testdrivers/amd64/testdrv.sys" "$TMP/stor/testdrv.sys"; then
    ok "boot-start: the package's own .sys is untouched"
else
    not_ok "boot-start: the package's own .sys is untouched" "changed"
fi

# the installed system's own store, given with --bcd
if [ -f "$SHARED/fixtures/bcd/regipy-BCD.xz" ]; then
    xz -dc "$SHARED/fixtures/bcd/regipy-BCD.xz" > "$B/BCD2"
    cp "$B/BCD2" "$B/BCD2.orig"
    "$OFFSTAGE" make-test-image "$TMP/ts3" --arch amd64 >/dev/null
    run add-driver --image "$TMP/ts3" --driver "$TMP/pkg-unsigned" --test-sign --test-sign-dir "$TMP/cert" \
        --bcd "$B/BCD2"
    expect_status "--bcd store: staged" 0
    expect_out "--bcd store: says it turned testsigning on" "BCD store .*testsigning turned on"
    run bcd --store "$B/BCD2" --check testsigning
    expect_status "--bcd store: every loader has testsigning on" 0
    hivexregedit --export "$B/BCD2.orig" '\' > "$TMP/b1" 2>/dev/null
    hivexregedit --export "$B/BCD2" '\' > "$TMP/b2" 2>/dev/null
    if diff "$TMP/b1" "$TMP/b2" | grep '^[<>] *[^ ]' | grep -v '16000049\|"Element"=hex(3):01' | grep -q .; then
        not_ok "--bcd store: only testsigning elements changed" "$(diff "$TMP/b1" "$TMP/b2" | head -5)"
    else
        ok "--bcd store: only testsigning elements changed"
    fi
fi

# ---- WIM: every edition ---------------------------------------------------
if command -v wimlib-imagex >/dev/null 2>&1; then
    W="$TMP/install.wim"
    wimlib-imagex capture "$TMP/img64" "$W" "one" >/dev/null 2>&1
    wimlib-imagex append "$TMP/img64" "$W" "two" >/dev/null 2>&1
    run add-driver --image "$W" --index all --driver "$TMP/pkg-unsigned" --test-sign --test-sign-dir "$TMP/cert"
    expect_status "WIM, every image: test-signed" 0
    wimlib-imagex verify "$W" >/dev/null 2>&1 && ok "WIM verifies" || not_ok "WIM verifies" "wimverify failed"
    mkdir -p "$TMP/x2"
    wimlib-imagex extract "$W" 2 /Windows/System32/config/SOFTWARE --dest-dir="$TMP/x2" --no-acls >/dev/null 2>&1
    if hivexget "$TMP/x2/SOFTWARE" "\\Microsoft\\SystemCertificates\\TrustedPublisher\\Certificates\\$TP" Blob \
        >/dev/null 2>&1; then
        ok "WIM image 2: certificate in TrustedPublisher"
    else
        not_ok "WIM image 2: certificate in TrustedPublisher" "missing"
    fi
fi

# ---- bad input: nothing written -------------------------------------------
snapshot "$TMP/img32" > "$TMP/img32.snap"
openssl req -new -newkey rsa:2048 -nodes -subj '/CN=old' -keyout "$TMP/old.key" -out "$TMP/old.csr" 2>/dev/null
openssl x509 -req -in "$TMP/old.csr" -signkey "$TMP/old.key" -days -1 -out "$TMP/old.pem" 2>/dev/null
run add-driver --image "$TMP/img32" --driver "$TMP/pkg-x86" --test-sign --cert "$TMP/old.pem" --key "$TMP/old.key"
expect_status "expired certificate: exit 2" 2
expect_err "expired certificate: says so" "expired|not valid|validity"
cat "$PEM" "$PEM" > "$TMP/two.pem"
run add-driver --image "$TMP/img32" --driver "$TMP/pkg-x86" --test-sign --cert "$TMP/two.pem" --key "$KEY"
expect_status "PEM with two certificates: exit 2" 2
same_as_before "refused certificates: image untouched" "$TMP/img32" "$TMP/img32.snap"
mkdir -p "$TMP/nocat"
sed '/^CatalogFile/d' "$EXAMPLE/x86/aero_virtio_snd.inf" > "$TMP/nocat/aero_virtio_snd.inf"
cp "$EXAMPLE/x86/aero_virtio_snd.sys" "$TMP/nocat/"
run add-driver --image "$TMP/img32" --driver "$TMP/nocat" --test-sign --test-sign-dir "$TMP/cert"
expect_status "no CatalogFile: refused" 1
expect_out "no CatalogFile: says how to fix" "CatalogFile="
same_as_before "refused package: image untouched" "$TMP/img32" "$TMP/img32.snap"
run add-driver --image "$TMP/img32" --driver "$TMP/pkg-x86" --test-sign
expect_status "--test-sign without a certificate: usage error" 2

# bad --bcd, --trust and --test-sign-dir: refused before anything is written
printf 'not a hive' > "$TMP/garbage.bcd"
run check-package "$TMP/pkg-amd64" --image "$TMP/img64" --bcd "$TMP/garbage.bcd"
expect_status "check-package --bcd garbage: exit 2" 2
expect_err "check-package --bcd garbage: names the file" "garbage.bcd"
"$OFFSTAGE" make-test-image "$TMP/bad" --arch amd64 >/dev/null
snapshot "$TMP/bad" > "$TMP/bad.snap"
cp "$TMP/garbage.bcd" "$TMP/garbage.orig"
run add-driver --image "$TMP/bad" --driver "$TMP/pkg-unsigned" --test-sign --test-sign-dir "$TMP/cert" \
    --bcd "$TMP/garbage.bcd"
expect_status "add-driver --bcd garbage: exit 2" 2
same_as_before "add-driver --bcd garbage: image untouched" "$TMP/bad" "$TMP/bad.snap"
cmp -s "$TMP/garbage.bcd" "$TMP/garbage.orig" && ok "add-driver --bcd garbage: store untouched" ||
    not_ok "add-driver --bcd garbage: store untouched" "changed"
if [ -f "$SHARED/fixtures/bcd/regipy-BCD.xz" ]; then
    # a store that was not shut down cleanly: the two sequence numbers differ
    xz -dc "$SHARED/fixtures/bcd/regipy-BCD.xz" > "$TMP/dirty.bcd"
    python3 - "$TMP/dirty.bcd" <<'PY'
import struct, sys
with open(sys.argv[1], 'r+b') as f:
    b = bytearray(f.read(4096))
    struct.pack_into('<I', b, 4, struct.unpack_from('<I', b, 8)[0] + 1)  # primary != secondary
    x = 0
    for (d,) in struct.iter_unpack('<I', bytes(b[:508])):
        x ^= d
    struct.pack_into('<I', b, 508, x)
    f.seek(0)
    f.write(b)
PY
    cp "$TMP/dirty.bcd" "$TMP/dirty.orig"
    run add-driver --image "$TMP/bad" --driver "$TMP/pkg-unsigned" --test-sign --test-sign-dir "$TMP/cert" \
        --bcd "$TMP/dirty.bcd"
    expect_status "add-driver --bcd on a dirty store: exit 2 before the image is written" 2
    expect_err "dirty store: says so" "dirty|not cleanly|--force"
    same_as_before "dirty store: image untouched" "$TMP/bad" "$TMP/bad.snap"
    cmp -s "$TMP/dirty.bcd" "$TMP/dirty.orig" && ok "dirty store: untouched" || not_ok "dirty store: untouched" "changed"
fi
run add-driver --image "$TMP/bad" --driver "$TMP/pkg-unsigned" --trust "$TMP/garbage.bcd"
expect_status "add-driver --trust garbage: exit 2" 2
expect_err "--trust garbage: names the file" "garbage.bcd"
mkdir -p "$TMP/twocerts"
cp "$TMP/cert/offstage-test.cer" "$TMP/cert/offstage-test.key" "$TMP/twocerts/"
cp "$TMP/cert/offstage-test.cer" "$TMP/twocerts/other.cer"
run add-driver --image "$TMP/bad" --driver "$TMP/pkg-unsigned" --test-sign --test-sign-dir "$TMP/twocerts"
expect_status "--test-sign-dir with two .cer files: exit 2" 2
expect_err "--test-sign-dir: says which files it found" "expected one .cer file.*found 2"
same_as_before "bad options: image untouched" "$TMP/bad" "$TMP/bad.snap"


# A package staged unsigned, then add-driver --test-sign again: nothing is
# signed now, and the plan says so instead of claiming a catalog was made
"$OFFSTAGE" make-test-image "$TMP/rerun" --arch amd64 >/dev/null
"$OFFSTAGE" add-driver --image "$TMP/rerun" --driver "$TMP/pkg-unsigned" --force-unsigned >/dev/null 2>&1
run add-driver --image "$TMP/rerun" --driver "$TMP/pkg-unsigned" --test-sign --test-sign-dir "$TMP/cert"
expect_status "--test-sign over a package staged unsigned: exit 0" 0
expect_out "--test-sign over a package staged unsigned: says it is not test-signed, and how to" \
    "not test-signed: the staged copy was staged unsigned.*remove-driver --driver"
expect_no_out "--test-sign over a package staged unsigned: claims no catalog made" "test-signed: a catalog made"
expect_out "--test-sign over a package staged unsigned: the verdict is the unsigned copy's" "loads: Code 52"
