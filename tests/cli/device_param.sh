# CLI tests for set-param and get-param: per-device values under Device
# Parameters\Parameters or the driver key, on the real Windows 7 SYSTEM hive
# (its VMware devices), on test images with the seed's devices, in a WIM,
# and on devnodes damaged on purpose. Results are read back with hivexget
# and hivexregedit.
. tests/cli/lib.sh

snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort; find . -type d | sort); }
same_as_before() { # NAME DIR SNAPSHOT-FILE
    if snapshot "$2" | cmp -s - "$3"; then ok "$1"; else not_ok "$1" "image changed"; fi
}
hive_value() { hivexget "$1" "$2" "$3" 2>/dev/null; }
# the type hivexregedit exports a value with: dword, hex(1), ...
value_type() { hivexregedit --export "$1" "$2" 2>/dev/null | sed -n "s/^\"$3\"=\([a-z0-9()]*\):.*/\1/p"; }

# ---- the seed's devices in a test image -------------------------------------------
IMG="$TMP/img"
run make-test-image --arch amd64 --with-device 1af4:1059:00191af4:01,bound=aeroviosnd,inf=oem3.inf \
    --with-device 1af4:1059:00191af4:00,failed --with-device 1af4:1018:00191af4:00 "$IMG"
expect_status "make-test-image with bound, failed and enumerated devices" 0
SYS="$IMG/Windows/System32/config/SYSTEM"
ENUM='\ControlSet001\Enum\PCI'
B01='PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\3&267a616a&0&18'
B00='PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_00\3&267a616a&0&20'
K01="$ENUM\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\\3&267a616a&0&18"
K00="$ENUM\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_00\\3&267a616a&0&20"
if [ "$(hive_value "$SYS" "$K01" Service)" = aeroviosnd ] && [ "$(hive_value "$SYS" "$K01" Driver)" = '{4d36e96c-e325-11ce-bfc1-08002be10318}\0000' ] \
    && [ "$(hive_value "$SYS" '\ControlSet001\Control\Class\{4d36e96c-e325-11ce-bfc1-08002be10318}\0000' InfPath)" = oem3.inf ]; then
    ok "bound devnode: Service, Driver, driver key InfPath (hivexget)"
else not_ok "bound devnode" "$(hivexregedit --export "$SYS" "$K01")"; fi
if [ "$(hive_value "$SYS" "$K00" ConfigFlags)" = 64 ] && [ -z "$(hive_value "$SYS" "$K00" Service)" ]; then
    ok "failed devnode: ConfigFlags FAILEDINSTALL, no Service (hivexget)"
else not_ok "failed devnode" "$(hivexregedit --export "$SYS" "$K00")"; fi
if hive_value "$SYS" "$K01" HardwareID | sed -n 3p | grep -qx 'PCI\\VEN_1AF4&DEV_1059&CC_040100'; then ok "hardware IDs as Windows 7 lists them"; else not_ok "hardware IDs" "$(hive_value "$SYS" "$K01" HardwareID)"; fi
snapshot "$IMG" > "$TMP/pristine"

run set-param --image "$IMG" --device 'PCI\VEN_1AF4&DEV_1059' ForceNullBackend=1 AllowPollingOnly=0x1 --dry-run
expect_status "dry run" 0
expect_out "dry run lists both instances" "REV_00"
expect_out "dry run says would" "would be set; new"
same_as_before "dry run writes nothing" "$IMG" "$TMP/pristine"

run set-param --image "$IMG" --device 'PCI\VEN_1AF4&DEV_1059' ForceNullBackend=1 AllowPollingOnly=0x1
expect_status "set by hardware ID" 0
expect_out "lists REV_01" 'REV_01\\3&267a616a&0&18'
expect_out "lists REV_00" 'REV_00\\3&267a616a&0&20'
expect_out "counts" "changed 4 values"
for k in "$K01" "$K00"; do
    p="$k\\Device Parameters\\Parameters"
    if [ "$(hive_value "$SYS" "$p" ForceNullBackend)" = 1 ] && [ "$(hive_value "$SYS" "$p" AllowPollingOnly)" = 1 ] \
        && [ "$(value_type "$SYS" "$p" ForceNullBackend)" = dword ]; then ok "REG_DWORD 1 under ${k##*\\}\\Device Parameters\\Parameters (hivexget)"
    else not_ok "values under $p" "$(hivexregedit --export "$SYS" "$p")"; fi
done
if [ -z "$(hive_value "$SYS" "$ENUM\\VEN_1AF4&DEV_1018&SUBSYS_00191AF4&REV_00\\3&267a616a&0&28\\Device Parameters\\Parameters" ForceNullBackend)" ]; then ok "DEV_1018 not touched"; else not_ok "DEV_1018" "changed"; fi
if reglookup "$SYS" >/dev/null 2>&1; then ok "hive still readable by reglookup"; else not_ok "reglookup" "failed"; fi

snapshot "$IMG" > "$TMP/set"
run set-param --image "$IMG" --device 'PCI\VEN_1AF4&DEV_1059' ForceNullBackend=1 AllowPollingOnly=1
expect_status "again: exit 0" 0
expect_out "again: nothing to do" "nothing to do"

# --delete: the driver falls back to its default
cp -r "$IMG" "$TMP/img-del"
DSYS="$TMP/img-del/Windows/System32/config/SYSTEM"
run set-param --image "$TMP/img-del" --device "$B01" --delete AllowPollingOnly --delete NoSuchValue
expect_status "--delete: exit 0" 0
expect_out "--delete: says what it deleted" "AllowPollingOnly deleted \(was 1"
expect_out "--delete: an absent value is left so" "NoSuchValue \(not set; nothing to delete\)"
P01="$K01\\Device Parameters\\Parameters"
if [ -z "$(hive_value "$DSYS" "$P01" AllowPollingOnly)" ] && [ "$(hive_value "$DSYS" "$P01" ForceNullBackend)" = 1 ]; then
    ok "--delete: the value is gone, its neighbour kept (hivexget)"
else
    not_ok "--delete: the value is gone, its neighbour kept (hivexget)" "$(hivexregedit --export "$DSYS" "$P01")"
fi
snapshot "$TMP/img-del" > "$TMP/del"
run set-param --image "$TMP/img-del" --device "$B01" --delete AllowPollingOnly --json
expect_json "--delete again: nothing to do (JSON)" "d['result'] == 'unchanged' and d['devices'][0]['values'][0]['changed'] is False"
same_as_before "--delete again: image byte-identical" "$TMP/img-del" "$TMP/del"
run set-param --image "$TMP/img-del" --device "$B01" --delete 'Bad\Name'
expect_status "--delete with a bad name: usage error" 2
same_as_before "again: image byte-identical" "$IMG" "$TMP/set"

run set-param --image "$IMG" --device "$B01" --type sz Mode=polling --json
expect_status "set REG_SZ by instance path" 0
expect_json "set-param json" "d['schema']=='offstage.set-param/1' and d['result']=='set' and len(d['devices'])==1 and d['devices'][0]['values'][0]=={'name':'Mode','type':'REG_SZ','value':'polling','before':None,'changed':True} and d['devices'][0]['service']=='aeroviosnd' and d['devices'][0]['inf']=='oem3.inf'"
if [ "$(value_type "$SYS" "$K01\\Device Parameters\\Parameters" Mode)" = 'hex(1)' ] && [ "$(hive_value "$SYS" "$K01\\Device Parameters\\Parameters" Mode)" = polling ]; then ok "REG_SZ stored (hivexregedit)"; else not_ok "REG_SZ" "$(hivexregedit --export "$SYS" "$K01\\Device Parameters\\Parameters")"; fi

run set-param --image "$IMG" --device "$B01" --driver-key ForceNullBackend=0
expect_status "--driver-key on the bound device" 0
DK='\ControlSet001\Control\Class\{4d36e96c-e325-11ce-bfc1-08002be10318}\0000'
if [ "$(hive_value "$SYS" "$DK" ForceNullBackend)" = 0 ] && [ "$(hive_value "$SYS" "$DK" InfPath)" = oem3.inf ]; then ok "driver key value set, others kept (hivexget)"; else not_ok "driver key" "$(hivexregedit --export "$SYS" "$DK")"; fi

snapshot "$IMG" > "$TMP/before-refusals"
run set-param --image "$IMG" --device "$B00" --driver-key ForceNullBackend=1
expect_status "--driver-key on a device without a driver: exit 1" 1
expect_out "says no driver is bound yet" "no driver bound yet"
run set-param --image "$IMG" --device 'PCI\VEN_1AF4&DEV_1059' --driver-key ForceNullBackend=1
expect_status "--driver-key by hardware ID, one instance unbound: exit 1" 1
same_as_before "no driver key: nothing written, not even to the bound one" "$IMG" "$TMP/before-refusals"

run set-param --image "$IMG" --device 'PCI\VEN_1AF4&DEV_1041' ForceNullBackend=1
expect_status "unknown device: exit 1" 1
expect_out "explains the first boot" "first boot with the"
expect_out "alternative: boot once" "Boot the image once"
expect_out "alternative: INF defaults break the signature" "invalidates the package's catalog signature"
expect_out "lists devices of the same vendor" 'Devices of the same vendor'
run set-param --image "$IMG" --device 'PCI\VEN_1AF4&DEV_1041' ForceNullBackend=1 --json
expect_json "unknown device json" "d['result']=='not-found' and d['devices']==[] and 'Boot the image once' in d['message']"

for bad in 'Parameters\X=1' 'a/b=1' '=1' 'X=4294967296' 'X=-1' 'X=0x' 'X=one' 'X' "$(printf 'a\tb=1')"; do
    run set-param --image "$IMG" --device "$B01" "$bad"
    if [ "$STATUS" -eq 2 ] && [ -s "$ERR" ]; then ok "refused '$bad' (exit 2, message)"; else not_ok "refused '$bad'" "exit $STATUS"; fi
done
run set-param --image "$IMG" --device "$B01" "$(printf 'n%.0s' $(seq 256))=1"
expect_status "256-character name: exit 2" 2
expect_err "says the limit" "at most 255"
run set-param --image "$IMG" --device "$B01" --type sz "X=$(printf 'caf\351')"
expect_status "REG_SZ value that is not UTF-8: exit 2" 2
run set-param --image "$IMG" --device "$(printf 'PCI\\\377')" X=1 --json
expect_status "--device that is not UTF-8: exit 2" 2
run set-param --image "$IMG" --device "$B01" --type qword X=1
expect_status "--type qword: exit 2" 2
run set-param --image "$IMG" --device "$B01"
expect_status "no NAME=VALUE: exit 2" 2
same_as_before "refusals: image byte-identical" "$IMG" "$TMP/before-refusals"

# ---- get-param -------------------------------------------------------------------
run get-param --image "$IMG" --device "$B01"
expect_status "get-param lists every value" 0
expect_out "ForceNullBackend listed" "ForceNullBackend = 1 \(0x00000001\) REG_DWORD"
expect_out "Mode listed" 'Mode = "polling" REG_SZ'
expect_out "service and driver key shown" "service aeroviosnd, driver key \{4d36e96c"
run get-param --image "$IMG" --device 'PCI\VEN_1AF4&DEV_1059' AllowPollingOnly --json
expect_status "get-param by hardware ID" 0
expect_json "get-param json" "d['schema']=='offstage.get-param/1' and d['found'] and len(d['devices'])==2 and all(x['values']==[{'name':'AllowPollingOnly','type':'REG_DWORD','value':1}] for x in d['devices']) and [x['config_flags']['names'] for x in d['devices'] if x['service'] is None]==[['FAILEDINSTALL']]"
run get-param --image "$IMG" --device "$B01" NotThere
expect_status "missing value: exit 1" 1
expect_out "says it is not set" "NotThere is not set"
run get-param --image "$IMG" --device "$B00" --driver-key
expect_status "get-param --driver-key without a driver: exit 1" 1
run get-param --image "$IMG" --device "$B01" --driver-key InfPath
expect_status "get-param --driver-key" 0
expect_out "reads InfPath" 'InfPath = "oem3.inf"'
run get-param --image "$IMG" --device 'PCI\VEN_8086'
expect_status "get-param unknown device: exit 1" 1
expect_out "get-param explains" "Boot the image once"
run get-param --image "$IMG" --device "$B01" 'a\b'
expect_status "get-param bad name: exit 2" 2

# ---- damaged devnodes: wrong types, malformed Driver ------------------------------
cat > "$TMP/damage.reg" <<EOF
Windows Registry Editor Version 5.00

[$K01]
"HardwareID"="PCI\\\\VEN_1AF4&DEV_1059&REV_01"
"ConfigFlags"="zero"
"Service"=dword:00000005

[$K00]
"Driver"="..\\\\..\\\\Select"
"CompatibleIDs"=hex:01,02,03
EOF
cp -r "$IMG" "$TMP/damaged"
DSYS="$TMP/damaged/Windows/System32/config/SYSTEM"
if hivexregedit --merge --prefix '' "$DSYS" "$TMP/damage.reg" 2>"$TMP/merge.err"; then
    run get-param --image "$TMP/damaged" --device 'PCI\VEN_1AF4&DEV_1059'
    expect_status "damaged devnodes: get-param still answers" 0
    expect_out "finding: HardwareID type" "HardwareID is REG_SZ, expected REG_MULTI_SZ"
    expect_out "finding: ConfigFlags type" "ConfigFlags is REG_SZ"
    expect_out "finding: Service type" "Service is REG_DWORD"
    expect_out "finding: malformed Driver" 'not \{class-guid\}\\NNNN'
    expect_out "finding names the key" 'ControlSet001\\Enum\\PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_00'
    snapshot "$TMP/damaged" > "$TMP/damaged.snap"
    run set-param --image "$TMP/damaged" --device "$B00" --driver-key X=1
    expect_status "malformed Driver with --driver-key: exit 2" 2
    expect_err "names the hive, the devnode and the reason" 'SYSTEM: PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_00.*is not \{class-guid\}'
    same_as_before "malformed Driver: image byte-identical" "$TMP/damaged" "$TMP/damaged.snap"
    run set-param --image "$TMP/damaged" --device "$B00" X=1
    expect_status "damaged devnode: Device Parameters still settable" 0
else
    not_ok "hivexregedit --merge" "$(cat "$TMP/merge.err")"
fi

# ---- the real Windows 7 SYSTEM hive ------------------------------------------------
if [ -f "$SHARED/fixtures/hives/win7sp1-SYSTEM.xz" ]; then
    REAL="$TMP/real"
    "$OFFSTAGE" make-test-image --arch x86 "$REAL" >/dev/null
    xz -dc "$SHARED/fixtures/hives/win7sp1-SYSTEM.xz" > "$REAL/Windows/System32/config/SYSTEM"
    RS="$REAL/Windows/System32/config/SYSTEM"
    VMCI='PCI\VEN_15AD&DEV_0740&SUBSYS_074015AD&REV_10\3&18d45aa6&0&3F'
    VK='\ControlSet001\Enum\PCI\VEN_15AD&DEV_0740&SUBSYS_074015AD&REV_10\3&18d45aa6&0&3F'
    run get-param --image "$REAL" --device 'pci\ven_15ad&dev_0740' --json
    expect_status "real hive: get-param VMCI" 0
    expect_json "service and driver key as hivexget reads them" "d['devices'][0]['instance_path']==r'$VMCI' and d['devices'][0]['service']=='$(hive_value "$RS" "$VK" Service)' and d['devices'][0]['driver']==r'$(hive_value "$RS" "$VK" Driver)' and d['devices'][0]['inf']=='oem11.inf'"
    run get-param --image "$REAL" --device "$VMCI" --driver-key
    expect_out "real driver key values listed" 'InfPath = "oem11.inf" REG_SZ'
    expect_out "REG_BINARY as hex" 'DriverDateData = 00 00 06 0b db 75 c9 01 REG_BINARY'

    run set-param --image "$REAL" --device 'PCI\VEN_15AD&DEV_07A0' ForceNullBackend=1 --json
    expect_status "real hive: set on every PCIe root port" 0
    expect_json "32 instances changed and listed" "len(d['devices'])==32 and all(x['values'][0]['changed'] for x in d['devices'])"
    n=0
    for inst in A8 B7 C7; do
        k="\\ControlSet001\\Enum\\PCI\\VEN_15AD&DEV_07A0&SUBSYS_07A015AD&REV_01\\3&18d45aa6&0&$inst\\Device Parameters"
        [ "$(hive_value "$RS" "$k\\Parameters" ForceNullBackend)" = 1 ] && [ "$(value_type "$RS" "$k\\Parameters" ForceNullBackend)" = dword ] && n=$((n+1))
    done
    if [ $n = 3 ]; then ok "real hive: REG_DWORD 1 read back (hivexget, hivexregedit)"; else not_ok "real hive read back" "$n of 3"; fi
    if hivexregedit --export "$RS" '\ControlSet001\Enum\PCI\VEN_15AD&DEV_07A0&SUBSYS_07A015AD&REV_01\3&18d45aa6&0&A8\Device Parameters' | grep -q 'Interrupt Management'; then ok "existing Device Parameters subkeys kept"; else not_ok "Device Parameters kept" "lost"; fi
    run set-param --image "$REAL" --device "$VMCI" --driver-key AllowPollingOnly=1
    expect_status "real hive: --driver-key" 0
    DKR='\ControlSet001\Control\Class\{4D36E97D-E325-11CE-BFC1-08002BE10318}\0133'
    if [ "$(hive_value "$RS" "$DKR" AllowPollingOnly)" = 1 ] && [ "$(hive_value "$RS" "$DKR" ProviderName)" = 'VMware, Inc.' ]; then ok "real driver key: value set, others kept (hivexget)"; else not_ok "real driver key" "$(hivexregedit --export "$RS" "$DKR")"; fi
    run set-param --image "$REAL" --device 'USB\VID_0E0F&PID_FFFF' ForceNullBackend=1
    expect_status "real hive: an absent USB device: exit 1" 1
    expect_out "same vendor by VID_: its USB devices listed" '^  USB.VID_0E0F&PID_0002.6&2ab01149&0&2'
    expect_no_out "same vendor: not the HID devices of another enumerator" 'HID.VID_0E0F'
    if reglookup "$RS" >/dev/null 2>&1; then ok "real hive still readable by reglookup"; else not_ok "reglookup real" "failed"; fi
else
    echo "skip real hive: $SHARED/fixtures/hives absent"
fi

# ---- a WIM ---------------------------------------------------------------------------
if command -v wimlib-imagex >/dev/null; then
    WIM="$TMP/install.wim"
    W="$TMP/wimsrc"
    "$OFFSTAGE" make-test-image --arch amd64 --with-device 1af4:1059:00191af4:01,bound=aeroviosnd "$W" >/dev/null
    wimlib-imagex capture "$W" "$WIM" "Windows 7 ULTIMATE" >/dev/null
    wimlib-imagex append "$W" "$WIM" "Windows 7 PROFESSIONAL" >/dev/null
    run set-param --image "$WIM" --index all --device 'PCI\VEN_1AF4&DEV_1059' ForceNullBackend=1
    expect_status "WIM: set in every image" 0
    expect_out "WIM: both images listed" "install.wim:2"
    for i in 1 2; do
        rm -rf "$TMP/x" && mkdir -p "$TMP/x"
        wimlib-imagex extract "$WIM" $i /Windows/System32/config/SYSTEM --dest-dir="$TMP/x" --no-acls >/dev/null 2>&1
        if [ "$(hive_value "$TMP/x/SYSTEM" "$K01\\Device Parameters\\Parameters" ForceNullBackend)" = 1 ]; then ok "WIM image $i: value read back (wimlib-imagex extract, hivexget)"; else not_ok "WIM image $i" "not set"; fi
    done
    if wimlib-imagex verify "$WIM" >/dev/null 2>&1; then ok "WIM verifies (wimlib-imagex verify)"; else not_ok "WIM verify" "failed"; fi
    run get-param --image "$WIM" --index 2 --device "$B01" ForceNullBackend
    expect_status "WIM: get-param" 0
    S0=$(sha256sum "$WIM")
    run set-param --image "$WIM" --index 1 --device 'PCI\VEN_1AF4&DEV_1018' ForceNullBackend=1
    expect_status "WIM: unknown device: exit 1" 1
    if [ "$(sha256sum "$WIM")" = "$S0" ]; then ok "WIM: unknown device: byte-identical"; else not_ok "WIM unchanged" "changed"; fi
else
    echo "skip WIM: wimlib-imagex absent"
fi

run set-param --help
expect_status "set-param --help" 0
expect_out "help has examples" "Examples:"
run get-param --help
expect_out "get-param help has exit codes" "Exit status"
