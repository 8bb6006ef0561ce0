# CLI tests for `offstage bcd`: the real Setup media and Windows 10 EFI
# stores in ../shared/fixtures/bcd, make-test-image's BCD-Template in a
# directory and in a WIM, and bad input. Independent readers: hivexget,
# hivexregedit, wimlib-imagex.
. tests/cli/lib.sh

TS_W10='\Objects\{733b62e5-f608-11eb-825c-c112f60133ab}\Elements\16000049'
TS_RE='\Objects\{733b62e6-f608-11eb-825c-c112f60133ab}\Elements\16000049'
TS_TEMPLATE='\Objects\{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}\Elements\16000049'
export_all() { hivexregedit --export "$1" '\' > "$2"; }
# element_reg FILE KEY: the Element value line as hivexregedit exports it
element_reg() { hivexregedit --export "$1" "$2" 2>/dev/null | grep '^"Element"='; }
same_file() { # NAME FILE COPY
    if cmp -s "$2" "$3"; then ok "$1"; else not_ok "$1" "file changed"; fi
}

run bcd --help
expect_status "help" 0
expect_out "help names the exit statuses" "Exit status"

if [ ! -r "$SHARED/fixtures/bcd/regipy-BCD.xz" ] || [ ! -r "$SHARED/fixtures/bcd/usbboot-bios-BCD.xz" ]; then
    echo "skip: $SHARED/fixtures/bcd not present (../shared is absent in a user's clone)"
else
    W10="$TMP/w10.BCD"; SETUP="$TMP/setup.BCD"
    xz -dc "$SHARED/fixtures/bcd/regipy-BCD.xz" > "$W10"
    xz -dc "$SHARED/fixtures/bcd/usbboot-bios-BCD.xz" > "$SETUP"
    cp "$W10" "$TMP/w10.orig"; cp "$SETUP" "$TMP/setup.orig"

    # --- enumeration, checked against hivex ----------------------------------
    run bcd --store "$W10" --enum
    expect_status "enum the Windows 10 EFI store" 0
    expect_out "bootmgr listed" "^identifier +\{bootmgr\}"
    expect_out "the default loader is {default}" "^identifier +\{default\}"
    expect_out "firmware boot manager" "^Firmware Boot Manager"
    expect_out "testsigning shown for loaders" "^testsigning +No \(not set\)"
    expect_out "WinRE ramdisk device decoded" "^device +ramdisk=\[partition .*\]\\\\Recovery\\\\WindowsRE\\\\Winre.wim,\{733b62e7-"
    run bcd --store "$W10" --enum --json
    expect_json "enum JSON" "d['schema']=='offstage.bcd/1' and len([o for o in d['objects'] if o['loader']])==2"
    bad=""
    python3 -c "import json,sys; [print(o['guid'], o['type'] or '', o['description'] or '') for o in json.load(open(sys.argv[1]))['objects']]" "$OUT" > "$TMP/objs"
    n_hivex=$(hivexregedit --export "$W10" '\Objects' | grep -Ec '^\[\\Objects\\\{[^\\]*\]$')
    [ "$(wc -l < "$TMP/objs")" -eq "$n_hivex" ] || bad="count $(wc -l < "$TMP/objs") vs $n_hivex"
    while read -r guid type desc; do
        t=$(hivexget "$W10" "\\Objects\\$guid\\Description" Type 2>/dev/null)
        [ "$(printf '%08x' "$t")" = "$type" ] || bad="$bad $guid type $t/$type"
        d=$(hivexget "$W10" "\\Objects\\$guid\\Elements\\12000004" Element 2>/dev/null)
        [ "$d" = "$desc" ] || bad="$bad $guid description '$d'/'$desc'"
    done < "$TMP/objs"
    if [ -z "$bad" ]; then ok "every object, type and description agrees with hivexget"; else not_ok "hivex agreement" "$bad"; fi

    run bcd --store "$SETUP"
    expect_status "enum is the default action" 0
    expect_out "Setup loader with its ramdisk" "^osdevice +ramdisk=\[boot\]\\\\sources\\\\boot.wim,\{7619dcc8-fafe-11d9-b411-000476eba25f\}"
    expect_out "Setup loader description" "^description +Windows Setup"
    same_file "reading writes nothing" "$SETUP" "$TMP/setup.orig"

    # --- --check ------------------------------------------------------------------
    run bcd --store "$W10" --check testsigning
    expect_status "check: off is a negative answer" 1
    expect_out "check says off" "testsigning is off"

    # --- --set on every loader ---------------------------------------------------
    export_all "$W10" "$TMP/before.reg"
    run bcd --store "$W10" --set testsigning on
    expect_status "set testsigning on" 0
    expect_out "names the default loader" "\{default\} Windows 10: testsigning on \(was not set\)"
    expect_out "names the recovery loader" "\{733b62e6-f608-11eb-825c-c112f60133ab\} Windows Recovery Environment: testsigning on"
    if [ "$(element_reg "$W10" "$TS_W10")" = '"Element"=hex(3):01' ] && [ "$(element_reg "$W10" "$TS_RE")" = '"Element"=hex(3):01' ]; then
        ok "both loaders: REG_BINARY, one byte 01 (hivexregedit)"
    else
        not_ok "element as Windows writes it" "$(element_reg "$W10" "$TS_W10") / $(element_reg "$W10" "$TS_RE")"
    fi
    [ "$(hivexget "$W10" "$TS_W10" Element | od -An -tx1 | tr -d ' ')" = "01" ] && ok "hivexget reads 01" || not_ok "hivexget" "$(hivexget "$W10" "$TS_W10" Element | od -An -tx1)"
    export_all "$W10" "$TMP/after.reg"
    diff "$TMP/before.reg" "$TMP/after.reg" | grep '^[<>]' > "$TMP/delta"
    expected='> [\Objects\{733b62e5-f608-11eb-825c-c112f60133ab}\Elements\16000049]
> "Element"=hex(3):01
> [\Objects\{733b62e6-f608-11eb-825c-c112f60133ab}\Elements\16000049]
> "Element"=hex(3):01
> '
    if [ "$(grep -v '^> $' "$TMP/delta")" = "$(printf '%s\n' "$expected" | grep -v '^> $')" ]; then
        ok "nothing else in the store changed (hivexregedit export diff)"
    else
        not_ok "export diff" "$(cat "$TMP/delta")"
    fi
    run bcd --store "$W10" --check testsigning --json
    expect_status "check: on" 0
    expect_json "check JSON" "d['check']=={'name':'testsigning','on':True,'asked':2} and d['scope']=='loaders'"
    cp "$W10" "$TMP/w10.set"
    run bcd --store "$W10" --set testsigning on
    expect_status "set again" 0
    expect_out "idempotent: says already on" "testsigning already on"
    expect_out "and writes nothing" "nothing to write"
    same_file "second run leaves the file byte-identical" "$W10" "$TMP/w10.set"

    run bcd --store "$W10" --set testsigning off --object '{default}' --json
    expect_status "--object narrows" 0
    expect_json "one change, on {default}" "len(d['changes'])==1 and d['changes'][0]['identifier']=='{default}' and d['changes'][0]['before'] is True and d['changes'][0]['changed'] and d['written']"
    [ "$(element_reg "$W10" "$TS_W10")" = '"Element"=hex(3):00' ] && [ "$(element_reg "$W10" "$TS_RE")" = '"Element"=hex(3):01' ] && ok "off written as 00, the other loader untouched" || not_ok "--object" "$(element_reg "$W10" "$TS_W10")"

    cp "$W10" "$TMP/w10.before-bad"
    run bcd --store "$W10" --set testsigning on --object '{12345678-aaaa-bbbb-cccc-000000000000}'
    expect_status "--object not in the store" 2
    expect_err "the message names the object" "no object \{12345678-aaaa-bbbb-cccc-000000000000\}"
    same_file "unknown --object: file byte-identical" "$W10" "$TMP/w10.before-bad"
    run bcd --store "$W10" --set testsigning maybe
    expect_status "--set with a bad value" 2
    run bcd --store "$W10" --set bootlog on
    expect_status "--set with an unknown name" 2
    same_file "usage errors: file byte-identical" "$W10" "$TMP/w10.before-bad"

    run bcd --store "$SETUP" --set nointegritychecks=on --set testsigning on --json
    expect_status "Setup media store: two settings" 0
    expect_json "Setup loader changed twice" "len(d['changes'])==2 and all(c['object']=='{7619dcc9-fafe-11d9-b411-000476eba25f}' and c['changed'] for c in d['changes'])"
    [ "$(element_reg "$SETUP" '\Objects\{7619dcc9-fafe-11d9-b411-000476eba25f}\Elements\16000048')" = '"Element"=hex(3):01' ] && ok "nointegritychecks written" || not_ok "nointegritychecks" "missing"

    # --- a store with no loader and no {bootloadersettings} ----------------------
    NOLDR="$TMP/noloader.BCD"
    cp "$TMP/setup.orig" "$NOLDR"
    printf 'cd \\Objects\\{7619dcc9-fafe-11d9-b411-000476eba25f}\ndel\ncd \\Objects\\{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}\ndel\ncommit\n' | hivexsh -w "$NOLDR" >/dev/null
    cp "$NOLDR" "$TMP/noloader.orig"
    run bcd --store "$NOLDR" --set testsigning on
    expect_status "no loader, no {bootloadersettings}: negative answer" 1
    expect_err "says why" "nothing written: .*no Windows Boot Loader object"
    same_file "no loader: file byte-identical" "$NOLDR" "$TMP/noloader.orig"
    run bcd --store "$NOLDR" --check testsigning --json
    expect_status "no loader: --check is a negative answer" 1
    expect_json "no loader: nothing asked" "d['check']=={'name':'testsigning','on':False,'asked':0}"
fi

# --- bad input --------------------------------------------------------------------
printf 'this is not a hive\n' > "$TMP/text.BCD"
cp "$TMP/text.BCD" "$TMP/text.orig"
run bcd --store "$TMP/text.BCD" --set testsigning on
expect_status "not a hive" 2
expect_err "message names the file" "text.BCD"
same_file "not a hive: byte-identical" "$TMP/text.BCD" "$TMP/text.orig"
run bcd --store "$TMP/missing.BCD"
expect_status "missing file" 2

"$OFFSTAGE" make-test-image --arch x86 "$TMP/img" >/dev/null
cp "$TMP/img/Windows/System32/config/SYSTEM" "$TMP/system.hive"
run bcd --store "$TMP/system.hive" --set testsigning on
expect_status "a hive that is not a BCD store" 2
expect_err "no Objects key" "no Objects key"
if [ -r "$SHARED/fixtures/bad-hives/TruncatedHive" ]; then
    cp "$SHARED/fixtures/bad-hives/TruncatedHive" "$TMP/trunc"
    run bcd --store "$TMP/trunc" --set testsigning on
    expect_status "truncated hive" 2
    same_file "truncated hive: byte-identical" "$TMP/trunc" "$SHARED/fixtures/bad-hives/TruncatedHive"
fi
run bcd --store "$TMP/text.BCD" --image "$TMP/img"
expect_status "--store and --image together" 2

# --- an image's BCD-Template (directory) -------------------------------------------
TPL="$TMP/img/Windows/System32/config/BCD-Template"
run bcd --image "$TMP/img" --check testsigning
expect_status "template: off" 1
expect_out "the answer concerns loaders created from it" "loaders created from this store"
run bcd --image "$TMP/img" --set testsigning on
expect_status "template: set" 0
expect_out "says it edits {bootloadersettings}" "editing \{bootloadersettings\}, which those loaders inherit"
[ "$(element_reg "$TPL" "$TS_TEMPLATE")" = '"Element"=hex(3):01' ] && ok "template: {bootloadersettings} holds 01 (hivexregedit)" || not_ok "template element" "$(element_reg "$TPL" "$TS_TEMPLATE")"
cp "$TPL" "$TMP/tpl.set"
run bcd --image "$TMP/img" --set testsigning on
expect_out "template: already on" "testsigning already on"
same_file "template: second run writes nothing" "$TPL" "$TMP/tpl.set"
run bcd --image "$TMP/img" --check testsigning
expect_status "template: on" 0
run get-drivers --image "$TMP/img"
expect_status "the image still opens" 0
cp -r "$TMP/img" "$TMP/img-notpl" && rm "$TMP/img-notpl/Windows/System32/config/BCD-Template"
run bcd --image "$TMP/img-notpl" --set testsigning on
expect_status "image without BCD-Template" 2
expect_err "says the template is missing" "BCD-Template not found"

# --- a WIM: every image's BCD-Template, one write ------------------------------------
"$OFFSTAGE" make-test-image --arch amd64 --edition Professional "$TMP/img2" >/dev/null
"$OFFSTAGE" make-test-image --arch amd64 --edition Ultimate "$TMP/img3" >/dev/null
WIM="$TMP/install.wim"
wimlib-imagex capture "$TMP/img2" "$WIM" "Windows 7 PROFESSIONAL" >/dev/null
wimlib-imagex append "$TMP/img3" "$WIM" "Windows 7 ULTIMATE" >/dev/null
cp "$WIM" "$TMP/wim.orig"
run bcd --image "$WIM" --set testsigning on
expect_status "WIM with two images needs --index" 2
same_file "WIM untouched by the usage error" "$WIM" "$TMP/wim.orig"
run bcd --image "$WIM" --index all --set testsigning on --json
expect_status "WIM: set in every image" 0
expect_json "WIM: two stores changed" "len(d['stores'])==2 and all(s['scope']=='bootloadersettings' and s['written'] for s in d['stores'])"
allon=yes
for i in 1 2; do
    rm -rf "$TMP/x" && mkdir -p "$TMP/x"
    wimlib-imagex extract "$WIM" $i /Windows/System32/config/BCD-Template --dest-dir="$TMP/x" --no-acls >/dev/null 2>&1
    [ "$(element_reg "$TMP/x/BCD-Template" "$TS_TEMPLATE")" = '"Element"=hex(3):01' ] || allon=no
done
if [ $allon = yes ]; then ok "both images' BCD-Template hold 01 (wimextract + hivexregedit)"; else not_ok "WIM BCD-Template" "$allon"; fi
if wimlib-imagex verify "$WIM" >/dev/null 2>&1; then ok "wimverify accepts the result"; else not_ok "wimverify" "failed"; fi
run bcd --image "$WIM" --index 2 --check testsigning
expect_status "WIM: check on" 0
cp "$WIM" "$TMP/wim.set"
run bcd --image "$WIM" --index all --set testsigning on
expect_out "WIM: already on" "already on"
same_file "WIM: second run leaves it byte-identical" "$WIM" "$TMP/wim.set"
