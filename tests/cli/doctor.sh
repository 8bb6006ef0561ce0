# CLI tests for `offstage doctor`: the real Windows 7 SYSTEM hive (its VMware
# devices bound through oemN.inf), test images with the seed's devices and
# the example packages staged (REV_01 bound, REV_00 failed, DEV_1018 with
# and without the legacy package, a Code 52 case), setupapi.dev.log files
# written here in the documented format, and the image byte-identical
# after every run, for a directory and for a WIM.
. tests/cli/lib.sh

snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort; find . -type d | sort); }
same_as_before() { # NAME DIR SNAPSHOT-FILE
    if snapshot "$2" | cmp -s - "$3"; then ok "$1"; else not_ok "$1" "image changed"; fi
}
hive_value() { hivexget "$1" "$2" "$3" 2>/dev/null; }

CERT="$TMP/cert"
"$OFFSTAGE" make-test-cert --out "$CERT" >/dev/null 2>&1 || echo "not ok make-test-cert failed"
MODERN="$EXAMPLE/amd64/aero_virtio_snd.inf"
LEGACY_INF="$EXAMPLE/amd64/aero-virtio-snd-legacy.inf"
B01='PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\3&267a616a&0&18'
B00='PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_00\3&267a616a&0&20'
T18X='PCI\VEN_1AF4&DEV_1018&SUBSYS_00191AF4&REV_00\3&267a616a&0&28'
T18F='PCI\VEN_1AF4&DEV_1018&SUBSYS_00191AF4&REV_00\3&267a616a&0&18'

# image NAME ARCH DEVICE-SPEC...: a test image with those devices
image() {
    name=$1 arch=$2
    shift 2
    set -- --arch "$arch" "$@"
    "$OFFSTAGE" make-test-image "$@" "$TMP/$name" >/dev/null || echo "not ok make-test-image $name"
}
# stage IMG INF... [--test-sign]: add-driver, unsigned unless --test-sign
stage() {
    img=$1
    shift
    if [ "$1" = --test-sign ]; then
        shift
        for inf in "$@"; do set -- "$@" --driver "$inf"; shift; done
        "$OFFSTAGE" add-driver --image "$img" "$@" --test-sign --test-sign-dir "$CERT" >/dev/null 2>&1 || echo "not ok add-driver --test-sign"
    else
        for inf in "$@"; do set -- "$@" --driver "$inf"; shift; done
        "$OFFSTAGE" add-driver --image "$img" "$@" --force-unsigned >/dev/null 2>&1 || echo "not ok add-driver"
    fi
}

# ---- REV_01 bound to the staged, test-signed package: exit 0 ---------------------
image ok amd64 --with-device 1af4:1059:00191af4:01,bound=aero_virtio_snd,inf=oem3.inf
stage "$TMP/ok" --test-sign "$MODERN"
snapshot "$TMP/ok" > "$TMP/ok.snap"
run doctor --image "$TMP/ok"
expect_status "REV_01 bound to the staged package: exit 0" 0
expect_out "verdict line: bound as intended, service, INF, package" \
    '^OK +PCI.VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01.3&267a616a&0&18: bound as intended \(service aero_virtio_snd via oem3.inf, the service staged aero_virtio_snd.inf installs\)'
expect_out "driver key evidence" 'InfPath oem3.inf, InfSection aero_virtio_snd, MatchingDeviceId pci.ven_1af4&dev_1059&subsys_00191af4&rev_01'
expect_out "match analysis" 'matches staged aero_virtio_snd.inf: \[VirtioSnd.NTamd64\] line 29: device compatible ID #1 PCI.VEN_1AF4&DEV_1059&REV_01'
expect_out "signature policy: loads" 'first boot \(amd64\): installs: silently.*; loads: yes'
expect_out "packages: staged" '^  staged +aero_virtio_snd.inf_amd64_neutral_'
expect_out "packages: the installed oemN.inf" '^  installed oem3.inf'
same_as_before "doctor writes nothing (directory)" "$TMP/ok" "$TMP/ok.snap"

run doctor --image "$TMP/ok" --json
expect_status "json: exit 0" 0
expect_json "json: schema, all bound, one device" "d['schema']=='offstage.doctor/1' and d['all_bound'] and len(d['devices'])==1"
expect_json "json: device facts" "[x for x in [d['devices'][0]] if x['instance_path']==r'$B01' and x['service']=='aero_virtio_snd' and x['bound_inf']=='oem3.inf' and x['driver_key']['inf_path']=='oem3.inf' and x['config_flags']['value']==0 and x['verdict']['kind']=='bound-intended' and x['verdict']['ok'] and x['matches'][0]['best'] and x['matches'][0]['rank']=='0x00FF2000']"
expect_json "json: packages" "[p for p in d['packages'] if p['state']=='staged' and p['original_name']=='aero_virtio_snd.inf' and p['vendors']==['PCI\\\\VEN_1AF4'] and p['first_boot']['verdict']=='loads']"
SYS="$TMP/ok/Windows/System32/config/SYSTEM"
K="\\ControlSet001\\Enum\\PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\\3&267a616a&0&18"
expect_json "json: Service and Driver as hivexget reads them" "d['devices'][0]['service']=='$(hive_value "$SYS" "$K" Service)' and d['devices'][0]['driver']==r'$(hive_value "$SYS" "$K" Driver)'"

run doctor --image "$TMP/ok" --driver aero_virtio_snd.inf
expect_status "--driver by original name: exit 0" 0
expect_out "--driver: selection named" 'Devices: devices of the vendors its package lists \(PCI.VEN_1AF4\)'
run doctor --image "$TMP/ok" --driver nosuch.inf
expect_status "--driver unknown: exit 2" 2
expect_err "--driver unknown: says so" 'nosuch.inf: the image has no such package'
run doctor --image "$TMP/ok" --hwid-prefix 'PCI\VEN_8086'
expect_status "--hwid-prefix matching nothing, the staged package predicted to load: exit 0" 0
expect_out "no device: explains the first boot" 'No device matches .* Plug and Play writes a devnode on the first boot'
same_as_before "still nothing written" "$TMP/ok" "$TMP/ok.snap"

# ---- REV_00 failed, DEV_1018 without the legacy package, REV_01 Code 52 -----------
image seed amd64 --with-device 1af4:1059:00191af4:01,bound=aero_virtio_snd,inf=oem3.inf \
    --with-device 1af4:1059:00191af4:00,failed --with-device 1af4:1018:00191af4:00,failed
stage "$TMP/seed" "$MODERN"
snapshot "$TMP/seed" > "$TMP/seed.snap"
run doctor --image "$TMP/seed"
expect_status "seed devices, unsigned package: exit 1" 1
expect_out "REV_00: names the revision" '^FAIL +PCI.VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_00.*: unbound: aero_virtio_snd.inf matches only REV_01, the device is REV_00$'
expect_out "REV_00: fix" 'to change: give the device revision 01 \(QEMU virtio devices: disable-legacy=on,x-pci-revision=0x01\)'
expect_out "REV_00: ConfigFlags decoded" 'ConfigFlags: 0x00000040 \(FAILEDINSTALL\)'
expect_out "DEV_1018: transitional" '^FAIL +PCI.VEN_1AF4&DEV_1018.*: unbound: transitional ID DEV_1018, no package in the image lists it \(aero_virtio_snd.inf binds only DEV_1059\)$'
expect_out "DEV_1018: fix names the legacy package" 'to change: stage the package for the transitional device .*legacy package.*disable-legacy=on'
expect_out "REV_01: Code 52, predicted without a log" '^FAIL +PCI.VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01.*: bound \(service aero_virtio_snd via oem3.inf, .*\); expected: Code 52 because '
expect_out "Code 52: the one thing to change" 'to change: remove the staged copy first \(offstage remove-driver --image TARGET --driver aero_virtio_snd.inf_amd64_neutral_[0-9a-f]+: .*\), then sign it for test: add-driver --test-sign'
expect_out "Code 52: the policy's verdict" 'first boot \(amd64\): installs: never unattended \(the package is unsigned.*; loads: Code 52 \(x64 loads no unsigned driver\)'
same_as_before "seed image unchanged" "$TMP/seed" "$TMP/seed.snap"
run doctor --image "$TMP/seed" --json
expect_json "json kinds" "sorted(x['verdict']['kind'] for x in d['devices'])==['miss','miss','no-load'] and not d['all_bound']"
expect_json "json near misses" "[x for x in d['devices'] if x['instance_path']==r'$B00' and x['near_misses'][0]['reason']=='revision' and x['matches']==[]]"

# ---- DEV_1018 with the legacy package -----------------------------------------------
image legacy amd64 --with-device 1af4:1018:00191af4:00,bound=aeroviosnd_legacy,inf=oem4.inf
stage "$TMP/legacy" --test-sign "$MODERN" "$LEGACY_INF"
run doctor --image "$TMP/legacy"
expect_status "DEV_1018 bound to the legacy package: exit 0" 0
expect_out "legacy: bound as intended" "^OK +PCI.VEN_1AF4&DEV_1018.*bound as intended \\(service aeroviosnd_legacy via oem4.inf, the service staged aero-virtio-snd-legacy.inf installs\\)"
expect_out "the modern package's near miss is evidence" 'does not match \(transitional\): aero_virtio_snd.inf'
run doctor --image "$TMP/legacy" --driver aero_virtio_snd.inf
expect_status "--driver of the other package: the device is still bound as intended" 0

image legacyfail amd64 --with-device 1af4:1018:00191af4:00,failed
# staged without re-arming the device (--no-rearm, or by an older offstage): the failure stands
"$OFFSTAGE" add-driver --image "$TMP/legacyfail" --driver "$MODERN" --driver "$LEGACY_INF" --test-sign --test-sign-dir "$CERT" --no-rearm >/dev/null 2>&1 || echo "not ok add-driver --no-rearm"
run doctor --image "$TMP/legacyfail"
expect_status "DEV_1018 failed although the legacy package matches: exit 1" 1
expect_out "failed install with a matching package" 'unbound: install failed \(ConfigFlags 0x00000040 \(FAILEDINSTALL\)\) although staged aero-virtio-snd-legacy.inf matches'

image pending amd64 --with-device 1af4:1018:00191af4:00
stage "$TMP/pending" --test-sign "$LEGACY_INF"
run doctor --image "$TMP/pending"
expect_status "enumerated, not installed, predicted to load: exit 0" 0
expect_out "pending: next boot, not a FAIL line" '^WAIT +PCI.*: unbound: not installed yet; staged aero-virtio-snd-legacy.inf matches'

# ---- x86: an unsigned package needs a prompt ------------------------------------------
image x86 x86 --with-device 1af4:1059:00191af4:01,failed
"$OFFSTAGE" add-driver --image "$TMP/x86" --driver "$EXAMPLE/x86/aero_virtio_snd.inf" --force-unsigned --no-rearm >/dev/null 2>&1 || echo "not ok add-driver --no-rearm x86"
run doctor --image "$TMP/x86"
expect_status "x86 unsigned, install failed: exit 1" 1
expect_out "x86: the prompt explains the failure" 'install failed .* although staged aero_virtio_snd.inf matches: installs: never unattended'

# ---- Windows imported the staged package ------------------------------------------------
cp -a "$TMP/ok" "$TMP/imported"
F=$(ls "$TMP/imported/Windows/offstage/drivers")
mkdir -p "$TMP/imported/Windows/System32/DriverStore/FileRepository"
cp -a "$TMP/imported/Windows/offstage/drivers/$F" "$TMP/imported/Windows/System32/DriverStore/FileRepository/$F"
cp "$TMP/imported/Windows/offstage/drivers/$F/aero_virtio_snd.inf" "$TMP/imported/Windows/inf/oem3.inf"
run doctor --image "$TMP/imported"
expect_status "imported: exit 0" 0
expect_out "bound through the oemN.inf Windows published the staged package as" 'bound as intended \(service aero_virtio_snd via oem3.inf = staged aero_virtio_snd.inf\)'
expect_out "package list: oemN.inf with original name and staging" '^  installed oem3.inf \(aero_virtio_snd.inf\), staged as aero_virtio_snd.inf_amd64_neutral_'
expect_out "package list: staged, imported" '^  imported +aero_virtio_snd.inf_amd64_neutral_.*, imported by Windows as oem3.inf'

# ---- never booted ------------------------------------------------------------------------
image fresh amd64
stage "$TMP/fresh" "$MODERN"
run doctor --image "$TMP/fresh"
expect_status "no devnode at all: exit 1" 1
expect_out "no devnode: says the image has not booted" 'the image has no devnodes at all, so it has not booted yet'
run doctor --image "$TMP/fresh" --json
expect_json "no devnode: json" "d['devices']==[] and not d['all_bound'] and d['devnodes_total']==0"

# ---- setupapi.dev.log ------------------------------------------------------------------
STORE='c:\windows\system32\driverstore\filerepository\aero_virtio_snd.inf_amd64_neutral_8e9b126a29c1f7f1'
# log_header: the lines Windows starts the log with
log_header() {
    printf '%s\n' '[Device Install Log]' '     OS Version = 6.1.7601' '     Architecture = amd64' '' '[BeginLog]' '' \
        '[Boot Session: 2026/01/10 12:00:00.500]' ''
}
# sig_failure_section DEVICE: installed, but the catalog's root is not trusted
sig_failure_section() {
    printf '%s\n' ">>>  [Device Install (Hardware initiated) - $1]" '>>>  Section start 2026/01/10 12:01:00.000' \
        "     dvi:                Selected driver installs from section [VirtioSnd_Device] in '$STORE\\aero_virtio_snd.inf'." \
        '     sig: {_VERIFY_FILE_SIGNATURE} 12:01:01.100' \
        '!    sig:      Verifying file against specific (valid) catalog failed! (0x800b0109)' \
        '!    sig:      Error 0x800b0109: A certificate chain processed, but terminated in a root certificate which is not trusted by the trust provider.' \
        '!!!  sig:      Driver package failed signature validation. Error = 0xE0000242 12:01:01.200' \
        '<<<  Section end 2026/01/10 12:01:02.000' '<<<  [Exit status: FAILURE(0xe0000242)]' ''
}
# no_driver_section DEVICE TIME
no_driver_section() {
    printf '%s\n' ">>>  [Device Install (Hardware initiated) - $1]" ">>>  Section start 2026/01/10 $2" \
        '!    dvi: Selecting driver failed(0xe0000228)' \
        '!!!  dvi: Error 0xe0000228: There are no compatible drivers for this device.' \
        "<<<  Section end 2026/01/10 $2" '<<<  [Exit status: FAILURE(0xe0000203)]' ''
}

cp -a "$TMP/seed" "$TMP/logged"
{ log_header; sig_failure_section "$B01"; no_driver_section "$B00" 12:02:00.000; } > "$TMP/logged/Windows/inf/setupapi.dev.log"
snapshot "$TMP/logged" > "$TMP/logged.snap"
run doctor --image "$TMP/logged"
expect_status "Code 52 with the log: exit 1" 1
expect_out "Code 52 verdict names the log's sig: lines" "^FAIL +PCI.VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01.*Code 52.*the log's sig: lines report the failure"
expect_out "the section: time, outcome with its name, driver" '2026-01-10T12:01:00.000  FAILURE\(0xe0000242 ERROR_AUTHENTICODE_TRUST_NOT_ESTABLISHED\)  PCI.VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01.*driver: .*aero_virtio_snd.inf'
expect_out "the sig: warning lines with their line numbers" 'line 13 !   sig: Verifying file against specific \(valid\) catalog failed! \(0x800b0109\)'
expect_out "the !!! error line with its time" 'line 15 !!! sig: Driver package failed signature validation. Error = 0xE0000242 \(12:01:01.200\)'
expect_out "REV_00's section: no compatible driver" 'FAILURE\(0xe0000203 ERROR_NO_DRIVER_SELECTED\)  PCI.VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_00.*no compatible driver'
expect_out "log summary" '^Log: Windows.inf.setupapi.dev.log \(ansi, 2 sections\)'
same_as_before "log case: image unchanged" "$TMP/logged" "$TMP/logged.snap"
run doctor --image "$TMP/logged" --json
expect_json "json: sections attached to their devices" "[x for x in d['devices'] if x['instance_path']==r'$B01' and len(x['log_sections'])==1 and x['log_sections'][0]['exit_status']=='0xe0000242' and x['log_sections'][0]['entries'][2]['level']=='error'] and [x for x in d['devices'] if x['instance_path']==r'$B00' and x['log_sections'][0]['no_driver_found']] and d['log']['sections']==2"

# setupapi-log reads the same log out of the image
run setupapi-log --image "$TMP/logged" --failures
expect_status "setupapi-log --image: exit 0" 0
expect_out "setupapi-log --image: both failed sections" '^2 of 2 sections shown \(ansi'
run setupapi-log --image "$TMP/logged" --json
expect_json "setupapi-log --image --json: the path names the image and the log" "d['path'].endswith(r'logged: Windows\\inf\\setupapi.dev.log') and d['sections_total']==2"
run setupapi-log --image "$TMP/seed"
expect_status "setupapi-log --image without a log: exit 2" 2
expect_err "setupapi-log --image without a log: says it has not booted" 'setupapi.dev.log is not there.*has not booted'
run setupapi-log "$TMP/host.log" --image "$TMP/logged"
expect_status "setupapi-log FILE and --image: usage error" 2

# the same log from the host, in UTF-16LE with CRLF, its last section cut short
{ log_header; sig_failure_section "$B01"; no_driver_section "$B00" 12:02:00.000; printf '%s\n' ">>>  [Device Install (Hardware initiated) - $T18X]" '>>>  Section start 2026/01/10 12:03:00.000' '     ndv: Searching Driver Store and Device Path...'; } \
    | sed 's/$/\r/' | iconv -f UTF-8 -t UTF-16LE > "$TMP/host.log"
run doctor --image "$TMP/seed" --setupapi-log "$TMP/host.log" --json
expect_status "--setupapi-log FILE: exit 1 (same devices)" 1
expect_json "UTF-16LE CRLF log read, truncated section counted" "d['log']['encoding']=='utf-16le' and d['log']['sections']==3 and d['log']['path']==r'$TMP/host.log' and [x for x in d['devices'] if x['instance_path']==r'$B01' and x['log_sections'][0]['outcome']=='failure']"
run doctor --image "$TMP/seed" --setupapi-log "$TMP/nosuch.log"
expect_status "--setupapi-log missing: exit 2" 2
expect_err "--setupapi-log missing: names the file" 'nosuch.log'
head -c 3000 /dev/urandom > "$TMP/garbage.log"
run doctor --image "$TMP/seed" --setupapi-log "$TMP/garbage.log"
expect_status "--setupapi-log not a log: exit 2" 2

# the image's own log damaged: reported, the rest of the report stands
cp -a "$TMP/ok" "$TMP/badlog"
head -c 3000 /dev/urandom > "$TMP/badlog/Windows/inf/setupapi.dev.log"
run doctor --image "$TMP/badlog"
expect_status "damaged image log: still exit 0" 0
expect_out "damaged image log: said so" '^Log: .*setupapi.dev.log'

# a device installed many times: the latest sections kept
cp -a "$TMP/legacyfail" "$TMP/many"
{ log_header; for m in 10 11 12 13 14 15 16 17 18 19; do no_driver_section "$T18F" "12:$m:00.000"; done; } > "$TMP/many/Windows/inf/setupapi.dev.log"
run doctor --image "$TMP/many" --json
expect_json "ten sections: the latest 8 kept, 2 dropped" "d['devices'][0]['log_sections_dropped']==2 and len(d['devices'][0]['log_sections'])==8 and d['devices'][0]['log_sections'][-1]['start']=='2026-01-10T12:19:00.000'"
run doctor --image "$TMP/many"
expect_out "failed install: the latest section's outcome in the verdict" "install failed .* although staged aero-virtio-snd-legacy.inf matches; the log's latest install: 2026-01-10T12:19:00.000 failure 0xe0000203 ERROR_NO_DRIVER_SELECTED, no compatible driver"

# ---- the real Windows 7 SYSTEM hive ------------------------------------------------------
if [ -f "$SHARED/fixtures/hives/win7sp1-SYSTEM.xz" ]; then
    REAL="$TMP/real"
    "$OFFSTAGE" make-test-image --arch x86 "$REAL" >/dev/null
    xz -dc "$SHARED/fixtures/hives/win7sp1-SYSTEM.xz" > "$REAL/Windows/System32/config/SYSTEM"
    RS="$REAL/Windows/System32/config/SYSTEM"
    snapshot "$REAL" > "$TMP/real.snap"
    VMCI='PCI\VEN_15AD&DEV_0740&SUBSYS_074015AD&REV_10\3&18d45aa6&0&3F'
    VK='\ControlSet001\Enum\PCI\VEN_15AD&DEV_0740&SUBSYS_074015AD&REV_10\3&18d45aa6&0&3F'
    run doctor --image "$REAL" --hwid-prefix 'PCI\VEN_15AD'
    expect_status "real hive, VMware devices: exit 0" 0
    expect_out "VMCI bound via oem11.inf" '^OK +PCI.VEN_15AD&DEV_0740&SUBSYS_074015AD&REV_10.3&18d45aa6&0&3F: bound \(service vmci via oem11.inf: a third-party package whose INF the image no longer holds\)'
    expect_out "SVGA bound via oem12.inf" 'DEV_0405.*bound \(service vm3dmp via oem12.inf'
    expect_out "root ports bound via the inbox machine.inf" 'DEV_07A0.*bound \(service pci via machine.inf: an inbox driver\)'
    expect_out "real driver key read" 'InfPath oem11.inf, InfSection vmci.install, MatchingDeviceId pci.ven_15ad&dev_0740, VMware, Inc. 7.2.23.0'
    expect_out "store lists the installed oemN.inf" '^  installed oem11.inf'
    run doctor --image "$REAL" --hwid-prefix 'PCI\VEN_15AD' --json
    expect_json "real hive json: every VMware device, as hivexget reads VMCI" "len(d['devices'])>=35 and all(x['instance_path'].startswith('PCI\\\\VEN_15AD') for x in d['devices']) and [x for x in d['devices'] if x['instance_path']==r'$VMCI' and x['service']=='$(hive_value "$RS" "$VK" Service)' and x['driver']==r'$(hive_value "$RS" "$VK" Driver)' and x['bound_inf']=='oem11.inf' and x['verdict']['kind']=='bound']"
    same_as_before "real hive: nothing written" "$REAL" "$TMP/real.snap"
else
    echo "skip real hive: $SHARED/fixtures/hives absent"
fi

# ---- a WIM -------------------------------------------------------------------------------
if command -v wimlib-imagex >/dev/null; then
    WIM="$TMP/install.wim"
    wimlib-imagex capture "$TMP/seed" "$WIM" "Windows 7 ULTIMATE" >/dev/null
    wimlib-imagex append "$TMP/ok" "$WIM" "Windows 7 PROFESSIONAL" >/dev/null
    S0=$(sha256sum <"$WIM")
    run doctor --image "$WIM" --index 2
    expect_status "WIM image 2 (bound, test-signed): exit 0" 0
    expect_out "WIM: verdict" 'bound as intended'
    expect_out "WIM: the signature policy read from the WIM" 'installs: silently.*; loads: yes'
    run doctor --image "$WIM" --index all --json
    expect_status "WIM, every image: exit 1 (image 1 has failures)" 1
    expect_json "WIM json: two images" "len(d['images'])==2 and not d['images'][0]['all_bound'] and d['images'][1]['all_bound']"
    if [ "$(sha256sum <"$WIM")" = "$S0" ]; then ok "WIM byte-identical after doctor"; else not_ok "WIM unchanged" "changed"; fi
else
    echo "skip WIM: wimlib-imagex absent"
fi

run doctor
expect_status "no --image: exit 2" 2
run doctor --image "$TMP/nosuch"
expect_status "missing image: exit 2" 2
run doctor --help
expect_status "--help: exit 0" 0
expect_out "--help explains exit codes" 'Exit status: 0 every device is bound'

# a staged package whose catalog is broken: the verdict, decided on a
# scratch copy, names the catalog where the image holds it
run make-test-image --arch x86 --with-device 1af4:1042:00021af4:01 "$TMP/brokencat"
mkdir -p "$TMP/stor" && cp tests/data/teststor/teststor.inf "$TMP/stor/" && cp "$BUILD/testdrivers/x86/testdrv.sys" "$TMP/stor/"
printf 'placeholder catalog' > "$TMP/stor/teststor.cat"
run add-driver --image "$TMP/brokencat" --driver "$TMP/stor"
run doctor --image "$TMP/brokencat"
expect_out "broken catalog: the verdict names the staged catalog" \
    'the catalog cannot be read: Windows\\offstage\\drivers\\teststor\.inf_x86_neutral_[0-9a-f]+\\teststor\.cat: offset 0'
expect_no_out "broken catalog: the verdict names no scratch file" "offstage-scratch"
