# CLI tests for `offstage check-package`.
. tests/cli/lib.sh

run check-package "$EXAMPLE/amd64" --arch amd64
expect_status "example amd64 can be staged" 0
expect_out "both INFs of the folder are packages" "aero-virtio-snd-legacy.inf"
expect_out "amd64 verdict" "amd64 +can be staged"
expect_out "missing catalog is severe on x64 with its consequence" "severe \[amd64\]: .*aero_virtio_snd.cat.*Code 52"

run check-package "$EXAMPLE/x86/aero_virtio_snd.inf" --arch x86 --arch amd64
expect_status "example INF, both arches asked (sys is x86) fails on amd64" 1
expect_out "x86 stageable" "x86 +can be staged"
expect_out "amd64 not stageable" "amd64 +CANNOT be staged"
expect_out "wrong machine names the line and the fix" "aero_virtio_snd.inf:[0-9]+: error \[amd64\]: aero_virtio_snd.sys is built for i386.*amd64 build"

run check-package "$EXAMPLE/x86" --arch x86 --json
expect_status "json x86" 0
expect_json "json schema and packages" "d['schema']=='offstage.check-package/1' and len(d['packages'])==2 and d['stageable']"
expect_json "json model facts" "[a for p in d['packages'] if p['name']=='aero_virtio_snd.inf' for a in p['architectures'] if a['arch']=='x86' and a['devices'][0]['hardware_id']=='PCI\\\\VEN_1AF4&DEV_1059&REV_01' and a['services'][0]['start_type']==3 and a['files'][0]['pe']['arch']=='x86' and a['includes']==['ks.inf','wdmaudio.inf']]"
expect_json "json findings carry line and code" "any(f['code']=='no-catalog' or f['code']=='missing-catalog' for p in d['packages'] for f in p['findings'])"

# wrong architecture: the seed's x86/x64 mix-up
make_package "$TMP/mixup" x86
run check-package "$TMP/mixup" --arch amd64
expect_status "x86 sys in the amd64 package: exit 1" 1
expect_out "wrong-machine finding" "wrong-machine"

# missing file
mkdir -p "$TMP/nofile" && cp examples/virtio-snd/aero_virtio_snd.inf "$TMP/nofile/"
run check-package "$TMP/nofile" --arch x86
expect_status "missing .sys: exit 1" 1
expect_out "missing file named with its INF line" "aero_virtio_snd.inf:[0-9]+: error \[x86\]: aero_virtio_snd.sys .*not in the package"

# symlink pointing outside the package is not followed
mkdir -p "$TMP/link" && cp examples/virtio-snd/aero_virtio_snd.inf "$TMP/link/"
ln -s "$(pwd)/$EXAMPLE/x86/aero_virtio_snd.sys" "$TMP/link/aero_virtio_snd.sys"
run check-package "$TMP/link" --arch x86
expect_status "symlinked .sys: exit 1" 1
expect_out "symlink finding" "symbolic link"

# path escaping the package
mkdir -p "$TMP/escape/pkg"
cat > "$TMP/escape/pkg/evil.inf" <<'INF'
[Version]
Signature="$Windows NT$"
Class=System
ClassGuid={4D36E97D-E325-11CE-BFC1-08002BE10318}
Provider=Evil
DriverVer=01/01/2026,1.0.0.0
CatalogFile=evil.cat
[Manufacturer]
Evil=M,NTx86
[M.NTx86]
Dev=Inst,PCI\VEN_1234&DEV_0001
[Inst.NT]
CopyFiles=Files
[Files]
SAM
[SourceDisksNames]
1=disk,,,..\..\Windows\System32\config
[SourceDisksFiles]
SAM=1
[DestinationDirs]
DefaultDestDir=12
[Inst.NT.Services]
AddService=evil,2,Svc
[Svc]
ServiceType=1
StartType=3
ErrorControl=1
ServiceBinary=%12%\evil.sys
INF
run check-package "$TMP/escape/pkg/evil.inf" --arch x86
expect_status "..\\..\\ path: exit 1" 1
expect_out "path-escape finding with line" "evil.inf:19: error.*would leave the package.*path-escape"

# unreadable or not an INF: exit 2 with file and place
cp "$BUILD/testdrivers/x86/testdrv.sys" "$TMP/garbage.inf"   # binary: a PE image
run check-package "$TMP/garbage.inf"
expect_status "binary garbage: exit 2" 2
expect_err "garbage message names file and offset" "garbage.inf: offset [0-9]+"

printf '\377\376[\000A\000]' > "$TMP/odd.inf"
run check-package "$TMP/odd.inf"
expect_status "odd-length UTF-16: exit 2" 2
expect_err "odd-length message" "odd.inf: UTF-16 file has an odd length"

awk 'BEGIN { printf "[Version]\nx = "; for (i = 0; i < 10485760; i++) printf "x"; printf "\n" }' > "$TMP/long.inf"
run check-package "$TMP/long.inf"
expect_status "10 MB line: exit 2" 2
expect_err "long line message names file:line" "long.inf:2: line is longer than 4096"

printf '[Version]\nSignature="$Windows NT$\nClass=System\n' > "$TMP/quote.inf"
run check-package "$TMP/quote.inf" --arch x86
expect_status "unterminated quote: exit 1" 1
expect_out "unterminated quote reported with line" "quote.inf:2: error.*unterminated-quote"

printf '[Strings]\nLoop = "%%Loop%%"\n[Version]\nProvider=%%Loop%%\n' > "$TMP/loop.inf"
run check-package "$TMP/loop.inf" --arch x86
expect_status "self-referencing string: exit 1" 1
expect_out "self reference reported with line" "loop.inf:2: error.*refers to itself"

run check-package "$TMP/does-not-exist"
expect_status "missing path: exit 2" 2
expect_err "missing path message" "does-not-exist"

run check-package
expect_status "no arguments: usage error" 2
run check-package "$EXAMPLE/x86" --arch sparc
expect_status "unknown arch: usage error" 2
expect_err "unknown arch message" "unknown architecture 'sparc'"

run check-package --help
expect_status "--help" 0
expect_out "--help teaches" "Exit status"
run help check-package
expect_status "help check-package" 0

# The real Aero INFs from ../shared parse with no error (files are absent there).
if [ -d "$SHARED/fixtures/inf/aero" ]; then
    run check-package "$SHARED/fixtures/inf/aero" --json
    expect_json "every fixture INF parses with no INF error" "len(d['packages'])==10 and not d['errors'] and not [f for p in d['packages'] for f in p['findings'] if f['severity']=='error' and f['code'] not in ('missing-file',)]"
else
    echo "skip fixtures: $SHARED/fixtures/inf/aero absent"
fi
