# CLI tests for the command-line manners shared by every command: --quiet
# (the last line and errors only), one line per image whose plan is an
# earlier one's, --dry-run on every command that writes (nothing written,
# the real run's exit status), the files add-driver's plan lists, --json
# errors as JSON objects, numeric WIM indexes beside "FILE:INDEX", one date
# format, and the demo's printed command lines.
. tests/cli/lib.sh

snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort; find . -type d | sort); }
unchanged() { # NAME DIR SNAPSHOT-FILE
    if snapshot "$2" | cmp -s - "$3"; then ok "$1"; else not_ok "$1" "changed: $(snapshot "$2" | diff "$3" - | head -5)"; fi
}
lines() { grep -c '' "$OUT"; }

INF="$EXAMPLE/amd64/aero_virtio_snd.inf"
DEV=1af4:1059:00191af4:01
IMG="$TMP/img"
"$OFFSTAGE" make-test-image "$IMG" --arch amd64 --with-device "$DEV" >/dev/null
"$OFFSTAGE" make-test-cert --out "$TMP/cert" >/dev/null
PEM="$TMP/cert/offstage-test.pem" KEY="$TMP/cert/offstage-test.key" CER="$TMP/cert/offstage-test.cer"

# ---- --quiet -------------------------------------------------------------------
run add-driver --image "$IMG" --driver "$INF" --test-sign --test-sign-dir "$TMP/cert" --dry-run
full=$(lines)
last=$(tail -n 1 "$OUT")
run add-driver --quiet --image "$IMG" --driver "$INF" --test-sign --test-sign-dir "$TMP/cert" --dry-run
expect_status "--quiet: the same exit status" 0
if [ "$full" -gt 5 ] && [ "$(lines)" -eq 1 ] && [ "$(cat "$OUT")" = "$last" ]; then
    ok "--quiet: only the last line of the $full"
else
    not_ok "--quiet: only the last line of the $full" "$(lines) lines"
fi
run add-driver --quiet --image "$IMG" --driver "$TMP/none.inf"
expect_status "--quiet: an error still exits 2" 2
expect_err "--quiet: the error is on stderr" "none.inf"
[ -s "$OUT" ] && not_ok "--quiet: nothing on stdout for an error" "stdout not empty" || ok "--quiet: nothing on stdout for an error"
run add-driver --quiet --json --image "$IMG" --driver "$INF" --dry-run
expect_json "--quiet --json: the whole document" "d['schema']=='offstage.add-driver/1' and 'images' in d or 'image' in d"
run make-test-cert --quiet --out "$TMP/qcert"
expect_status "--quiet make-test-cert" 0
if [ "$(lines)" -eq 1 ] && grep -Eq '^wrote .*\{cer,pem,key\}: thumbprint [0-9A-F]{40}$' "$OUT"; then
    ok "--quiet make-test-cert: one line with the thumbprint"
else
    not_ok "--quiet make-test-cert: one line with the thumbprint" "$(lines) lines"
fi
run add-driver --quiet --help
expect_out "--quiet leaves --help whole" "^usage: offstage add-driver"
expect_out "--help says what --quiet does" "--quiet +print only the last line"

# ---- the plan lists every file it writes ------------------------------------------
TS="--test-sign --test-sign-dir $TMP/cert"
run add-driver --image "$IMG" --driver "$INF" $TS --setup-complete --dry-run
expect_out "plan: SetupComplete.cmd with --setup-complete" '^  would write Windows\\Setup\\Scripts\\SetupComplete\.cmd$'
expect_out "plan: the manifest" '^  would write Windows\\offstage\\manifest\.json$'
expect_out "plan: SOFTWARE for DevicePath" '^  would write Windows\\System32\\config\\SOFTWARE$'
expect_out "plan: SYSTEM for the re-armed device" '^  would write Windows\\System32\\config\\SYSTEM$'
run add-driver --image "$IMG" --driver "$INF" $TS --dry-run
expect_no_out "plan: no SetupComplete.cmd without --setup-complete" 'SetupComplete\.cmd$'
run add-driver --image "$IMG" --driver "$INF" $TS --setup-complete --dry-run --json
expect_json "plan JSON: also_writes lists SetupComplete.cmd" \
    "'Windows\\\\Setup\\\\Scripts\\\\SetupComplete.cmd' in d['images'][0]['also_writes']"
cp -r "$IMG" "$TMP/sc"
run add-driver --image "$TMP/sc" --driver "$INF" $TS --setup-complete
expect_out "run: says it wrote SetupComplete.cmd" '^  wrote Windows\\Setup\\Scripts\\SetupComplete\.cmd$'
run add-driver --image "$IMG" --driver "$INF" --force-unsigned --setup-complete --dry-run
expect_no_out "plan: no SetupComplete.cmd for a package that would get no line (unsigned)" 'SetupComplete\.cmd$'
expect_out "plan: and it says why" 'no pnputil line in SetupComplete\.cmd'
if [ -f "$TMP/sc/Windows/Setup/Scripts/SetupComplete.cmd" ]; then ok "run: SetupComplete.cmd written as planned"; else not_ok "run: SetupComplete.cmd written as planned" "absent"; fi
run add-driver --image "$TMP/sc" --driver "$INF" $TS --setup-complete --dry-run
expect_no_out "plan again: its line is there, SetupComplete.cmd is not written" 'SetupComplete\.cmd$'

# ---- --dry-run writes nothing and exits as the run would -----------------------------
# dry NAME DIR ARGS...: the dry run leaves DIR as it was, then the real run
# (same arguments without --dry-run) must exit with the dry run's status
dry() {
    name=$1 dir=$2
    shift 2
    snapshot "$dir" >"$TMP/before"
    run "$@" --dry-run
    dstatus=$STATUS
    unchanged "$name --dry-run: nothing written" "$dir" "$TMP/before"
    # a refusal or a "no" says so on stderr, as the run does
    [ "$dstatus" -ne 0 ] || expect_out "$name --dry-run: says so" "dry run|would"
    run "$@"
    if [ "$STATUS" -eq "$dstatus" ]; then ok "$name --dry-run: the run's exit status ($STATUS)"; else not_ok "$name --dry-run: the run's exit status" "dry $dstatus, run $STATUS"; fi
}
W="$TMP/w"
cp -r "$IMG" "$W"
dry add-driver "$W" add-driver --image "$W" --driver "$INF" --test-sign --test-sign-dir "$TMP/cert"
dry set-param "$W" set-param --image "$W" --device 'PCI\VEN_1AF4&DEV_1059' ForceNullBackend=1
dry bcd "$W" bcd --image "$W" --set testsigning off
dry add-cert "$W" add-cert --image "$W" --cert "$CER" --store ROOT
dry remove-cert "$W" remove-cert --image "$W" --cert "$CER"
dry "remove-cert (absent)" "$W" remove-cert --image "$W" --cert "$CER"
dry remove-driver "$W" remove-driver --image "$W" --driver aero_virtio_snd.inf
mkdir -p "$TMP/pkg" && cp "$INF" "$EXAMPLE/amd64/aero_virtio_snd.sys" "$TMP/pkg/"
dry make-cat "$TMP/pkg" make-cat "$TMP/pkg" --cert "$PEM" --key "$KEY"
dry sign "$TMP/pkg" sign --key "$KEY" --cert "$PEM" "$TMP/pkg/aero_virtio_snd.sys"
dry "sign (not signable)" "$TMP/pkg" sign --key "$KEY" --cert "$PEM" "$TMP/pkg/aero_virtio_snd.inf"
mkdir -p "$TMP/o"
dry make-test-cert "$TMP/o" make-test-cert --out "$TMP/o/keys"
dry "make-test-cert (exists)" "$TMP/o" make-test-cert --out "$TMP/o/keys"
dry make-test-image "$TMP/o" make-test-image --arch amd64 "$TMP/o/img"
dry "make-test-image (exists)" "$TMP/o" make-test-image --arch amd64 "$TMP/o/img"
# --disk --dry-run is refused as the run is when a tool it needs is missing
# (qemu-img is looked for in PATH only; mkntfs and sfdisk also in /usr/sbin)
PATH=/nonexistent "$OFFSTAGE" make-test-image --disk "$TMP/o/d.qcow2" --arch amd64 --dry-run >"$OUT" 2>"$ERR"
STATUS=$?
expect_status "make-test-image --disk --dry-run, no qemu-img: exit 2 as the run" 2
expect_err_fixed "make-test-image --disk --dry-run, no qemu-img: names the tool and its package" "qemu-img (Debian package qemu-utils)"
if [ -e "$TMP/o/d.qcow2" ]; then not_ok "make-test-image --disk --dry-run: nothing written" "d.qcow2 exists"
else ok "make-test-image --disk --dry-run: nothing written"; fi
touch "$TMP/o/e.qcow2"
run make-test-image --disk "$TMP/o/e.qcow2" --arch amd64 --dry-run
expect_status "make-test-image --disk --dry-run on an existing file: exit 2 as the run" 2
rm -f "$TMP/o/e.qcow2"
cp "$IMG/Windows/System32/config/BCD-Template" "$TMP/o/BCD"
dry "bcd --store" "$TMP/o" bcd --store "$TMP/o/BCD" --set testsigning on
run bcd --store "$TMP/o/BCD" --dry-run
expect_status "bcd --dry-run without --set: a usage error" 2
if command -v wimlib-imagex >/dev/null 2>&1; then
    "$OFFSTAGE" make-test-image --media "$TMP/media" --arch amd64 --with-device "$DEV" >/dev/null
    dry media "$TMP/media" media "$TMP/media" --in-place --driver "$INF" --force-unsigned
else
    echo "skip media --dry-run: wimlib-imagex absent"
fi

# ---- --index all: one line per image whose plan is an earlier one's ---------------------
if command -v wimlib-imagex >/dev/null 2>&1; then
    "$OFFSTAGE" make-test-image --arch amd64 --edition Professional "$TMP/pro" >/dev/null
    wimlib-imagex capture "$TMP/pro" "$TMP/install.wim" "Windows 7 PROFESSIONAL" >/dev/null
    "$OFFSTAGE" make-test-image --arch amd64 "$TMP/ult" >/dev/null
    wimlib-imagex append "$TMP/ult" "$TMP/install.wim" "Windows 7 ULTIMATE" >/dev/null
    wimlib-imagex append "$IMG" "$TMP/install.wim" "Windows 7 ULTIMATE with a device" >/dev/null
    run add-driver --image "$TMP/install.wim" --index all --driver "$INF" --force-unsigned --dry-run
    expect_status "summary: dry run over three editions" 0
    expect_out "summary: the first image's plan in full" '^image .*install\.wim:1: .*Professional.*amd64$'
    expect_out "summary: the second image in one line" '^image .*install\.wim:2: .*Ultimate.*; the same plan as .*install\.wim:1$'
    expect_no_out "summary: the third (it has a device to re-arm) is not folded" 'install\.wim:3: .*the same plan'
    if [ "$(grep -c 'would stage' "$OUT")" -eq 2 ]; then ok "summary: the plan twice, not three times"; else not_ok "summary: the plan twice, not three times" "$(grep -c 'would stage' "$OUT") plans"; fi
    run add-driver --image "$TMP/install.wim" --index all --driver "$INF" --force-unsigned --dry-run --json
    expect_json "summary: JSON still has every image's plan" "len(d['images'])==3 and all(len(i['packages'])==1 for i in d['images'])"
    expect_json "JSON: a numeric index beside FILE:INDEX" \
        "[i['image']['index'] for i in d['images']]==[1,2,3] and all(i['image']['path'].endswith(':%d' % i['image']['index']) for i in d['images'])"
    run get-drivers --image "$TMP/install.wim" --index 2 --json
    expect_json "JSON: one image, its index at the top too" "d['image']['index']==2"
fi
run get-drivers --image "$IMG" --json
expect_json "JSON: a folder's index is null" "d['image']['index'] is None"

# ---- --json errors ------------------------------------------------------------------
JERR="import json,sys
d=json.load(open(sys.argv[1]))
e=d['error']
assert set(e) >= {'message','file','place','exit','status'}, e
assert e['exit']==2 and isinstance(e['message'], str) and e['message']
"
json_error() { # NAME FILE-EXPECTED PLACE-EXPECTED (python literals) ARGS...
    name=$1 file=$2 place=$3
    shift 3
    run "$@" --json
    expect_status "$name: exit 2" 2
    if python3 -c "$JERR
assert e['file']==$file, e
assert e['place']==$place, e" "$OUT" 2>"$TMP/jerr"; then ok "$name: a JSON error object"; else not_ok "$name: a JSON error object" "$(cat "$TMP/jerr")"; fi
    expect_err "$name: the text still on stderr" "^offstage "
}
json_error "usage error" None None match --no-such-option
json_error "usage error (missing --arch)" None None make-test-image "$TMP/x"
json_error "missing file" "'$TMP/none.wim'" None wim-info "$TMP/none.wim"
json_error "missing image" "'$TMP/none'" None add-driver --image "$TMP/none" --driver "$INF"
printf 'not a catalog' >"$TMP/bad.cat"
json_error "corrupt input" "'$TMP/bad.cat'" "'offset 0'" cat-info "$TMP/bad.cat"
run cat-info "$TMP/bad.cat"
[ -s "$OUT" ] && not_ok "no JSON without --json" "stdout: $(head -1 "$OUT")" || ok "no JSON without --json"
run check-package "$TMP/none.inf" --json
expect_json "a command's own document is not followed by a second" "d['schema']=='offstage.check-package/1' and d['errors']"

# ---- one date format ------------------------------------------------------------------
DATES="import json,re,sys
iso=re.compile(r'^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$')
slashed=re.compile(r'\b\d{1,4}/\d{1,2}/\d{1,4}\b')
bad=[]
n=[0]
def walk(x, k=''):
    if isinstance(x, dict):
        for a, b in x.items(): walk(b, a)
    elif isinstance(x, list):
        for b in x: walk(b, k)
    elif isinstance(x, str) and k != 'text':  # text: a source's line, quoted as it is
        if slashed.search(x): bad.append((k, x))
        elif re.match(r'^\d{4}-\d{2}-\d{2}', x):
            if iso.match(x): n[0] += 1
            else: bad.append((k, x))
walk(json.load(open(sys.argv[1])))
assert not bad, bad
assert n[0] >= int(sys.argv[2]), 'only %d dates' % n[0]
"
dates() { # NAME MIN-DATES ARGS...
    name=$1 min=$2
    shift 2
    run "$@" --json
    if python3 -c "$DATES" "$OUT" "$min" 2>"$TMP/jerr"; then ok "dates: $name"; else not_ok "dates: $name" "$(tail -2 "$TMP/jerr")"; fi
}
dates make-test-cert 2 make-test-cert --out "$TMP/dcert"
"$OFFSTAGE" add-cert --image "$W" --cert "$CER" >/dev/null
dates get-certs 2 get-certs --image "$W"
cp -r "$TMP/pkg" "$TMP/dpkg"
"$OFFSTAGE" make-cat "$TMP/dpkg" --cert "$PEM" --key "$KEY" >/dev/null
dates cat-info 3 cat-info "$TMP/dpkg/aero_virtio_snd.cat"
dates get-drivers 1 get-drivers --image "$TMP/sc"
dates check-package 1 check-package "$INF"
mkdir -p "$TMP/log/Windows/inf"
cp -r "$IMG/." "$TMP/log/"
cat >"$TMP/log/Windows/inf/setupapi.dev.log" <<'EOF'
[Device Install Log]
     OS Version = 6.1.7601
[BeginLog]

[Boot Session: 2026/01/10 12:00:00.500]

>>>  [Device Install (Hardware initiated) - PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\3&13c0b0c5&0&18]
>>>  Section start 2026/01/10 12:00:07.968
     ump: Creating Install Process: DrvInst.exe 12:00:07.984
!!!  sig:           Verifying file against specific (valid) catalog failed! (0x800b0109)
<<<  Section end 2026/01/10 12:00:09.421
<<<  [Exit status: SUCCESS]
EOF
dates setupapi-log 3 setupapi-log --image "$TMP/log"
run setupapi-log --image "$TMP/log"
expect_out "dates: setupapi-log text in ISO 8601" '^2026-01-10T12:00:07\.968  '
expect_no_out "dates: setupapi-log text has no slashed date" '2026/01/10'
run get-drivers --image "$TMP/sc"
expect_out "get-drivers: the staged driver listed" 'aero_virtio_snd\.inf'
expect_no_out "dates: get-drivers text has no slashed date" '[0-9]{2}/[0-9]{2}/[0-9]{4}'

# ---- the demo's command lines --------------------------------------------------------
# Its run function, taken from scripts/demo.sh and called on tricky
# arguments: the line it prints, read back by the shell, is the same argv.
eval "$(sed -n '/^shquote() {/,/^}/p;/^show() {/,/^}/p;/^run() {/,/^}/p;/^run_expect_no() {/,/^}/p' scripts/demo.sh | sed 's/^run()/demo_run()/')"
tricky() { printf '[%s]\n' "$@"; }
set -- 'PCI\VEN_1AF4&DEV_1059' "it's" 'two words' '' '$HOME' '"q"' 'a;b|c' '*' '~x' 'plain-1.0' "new
line"
# `true` prints nothing, so all that is printed is the command line
printed=$(demo_run true "$@")
printed=${printed#?}
printed=${printed#\$ }
expected=$(tricky "$@")
reparsed=$(eval "set -- $printed; shift; tricky \"\$@\"" 2>&1)
if [ "$reparsed" = "$expected" ]; then ok "demo: a printed line re-parses to the same argv"; else not_ok "demo: a printed line re-parses to the same argv" "printed: $printed"; fi
case $printed in *"'PCI\\VEN_1AF4&DEV_1059'"*) ok "demo: a hardware ID in single quotes" ;; *) not_ok "demo: a hardware ID in single quotes" "$printed" ;; esac
out=$(demo_run true)
case $out in *"(exit"*) not_ok "demo: no (exit 0) on success" "$out" ;; *) ok "demo: no (exit 0) on success" ;; esac
out=$(demo_run false)
case $out in *"(exit 1)"*) ok "demo: a failure's status is shown" ;; *) not_ok "demo: a failure's status is shown" "$out" ;; esac
out=$(run_expect_no "the package is unsigned" false)
case $out in *"(exit 1)"*) not_ok "demo: an expected no is not shown as a bare failure" "$out" ;; *"(exit 1, the expected answer: the package is unsigned)"*) ok "demo: an expected no says so" ;; *) not_ok "demo: an expected no says so" "$out" ;; esac
grep -q 'run_expect_no .*\\$' scripts/demo.sh && grep -A1 'run_expect_no' scripts/demo.sh | grep -q 'check-package' &&
    ok "demo: check-package's exit 1 is marked expected" || not_ok "demo: check-package's exit 1 is marked expected" "not in scripts/demo.sh"
