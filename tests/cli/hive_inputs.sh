# CLI tests for hives an image may hold that are not what offstage writes:
# key and value names that are not valid UTF-16 (an unpaired surrogate, as
# damage or another tool leaves), which must not hide their siblings, lead
# to a duplicate key or crash a command; a hive file far larger than any
# Windows loads; and a device key with thousands of instances. The names
# are made by adding keys and values with hivexsh and then changing two
# bytes of their name in the file (nothing else: hives hold no checksum
# over cells). Results are read back with reglookup, which reads names
# byte by byte.
. tests/cli/lib.sh

snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort; find . -type d | sort); }
same_as_before() { # NAME DIR SNAPSHOT-FILE
    if snapshot "$2" | cmp -s - "$3"; then ok "$1"; else not_ok "$1" "image changed"; fi
}

for tool in hivexsh reglookup openssl python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "skip: hive_names.sh needs $tool"
        exit 0
    fi
done

# hivex_cmds HIVE: runs hivexsh commands from stdin on HIVE, writing it
hivex_cmds() { hivexsh -w "$1" >/dev/null; }
# unpair HIVE NAME: in the UTF-16LE name NAME (which ends in "€"), replaces
# the final U+20AC by the lone high surrogate U+D800. NAME occurs once.
unpair() {
    python3 - "$1" "$2" <<'EOF'
import sys
path, name = sys.argv[1], sys.argv[2]
data = bytearray(open(path, 'rb').read())
pat = name.encode('utf-16le')
assert name.endswith('\u20ac') and data.count(pat) == 1, (name, data.count(pat))
i = data.find(pat) + len(pat) - 2
data[i:i + 2] = b'\x00\xd8'
open(path, 'wb').write(data)
EOF
}
# keys_named HIVE PATH NAME: how many subkeys of PATH reglookup lists as NAME
keys_named() {
    reglookup -H -t KEY -p "$2" "$1" 2>/dev/null | cut -d, -f1 | grep -cixF "$2/$3"
}
EURO=$(printf '\342\202\254')

C="$TMP/cert"
mkdir -p "$C"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj '/CN=offstage name test' \
    -keyout "$C/key.pem" -out "$C/test.pem" 2>/dev/null
FP=$(openssl x509 -in "$C/test.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')

IMG="$TMP/img"
run make-test-image --arch amd64 --with-device 1af4:1059:00191af4:01,bound=aeroviosnd,inf=oem3.inf "$IMG"
expect_status "make-test-image" 0
SW="$IMG/Windows/System32/config/SOFTWARE"
SYS="$IMG/Windows/System32/config/SYSTEM"
run add-cert --image "$IMG" --cert "$C/test.pem"
expect_status "add-cert into a clean image" 0

# ---- certificate stores -------------------------------------------------------------
# A subkey sorted before the certificate's, whose name cannot be read.
printf 'cd \\Microsoft\\SystemCertificates\\ROOT\\Certificates\nadd !bad%s\ncommit\n' "$EURO" | hivex_cmds "$SW"
unpair "$SW" "!bad€"
CERTS=/Microsoft/SystemCertificates/ROOT/Certificates
if [ "$(keys_named "$SW" "$CERTS" "$FP")" = 1 ] && reglookup -H -t KEY -p "$CERTS" "$SW" 2>/dev/null | grep -q '!%00b%00a%00d%00%00%D8'; then
    ok "ROOT\\Certificates holds the certificate and a key named !bad<U+D800> (reglookup)"
else
    not_ok "damaged store" "$(reglookup -H -t KEY -p "$CERTS" "$SW" 2>&1)"
fi
snapshot "$IMG" > "$TMP/damaged"

run get-certs --image "$IMG" --store ROOT
expect_status "get-certs: exit 0" 0
expect_out "get-certs still lists the certificate" "^ROOT +$FP"
expect_out "get-certs names the unreadable entry" 'ROOT\\Certificates.*not valid UTF-16'

run add-cert --image "$IMG" --cert "$C/test.pem"
expect_status "add-cert of a present certificate: exit 0" 0
expect_out "add-cert sees it present" "already in ROOT"
if [ "$(keys_named "$SW" "$CERTS" "$FP")" = 1 ]; then ok "no second $FP key (reglookup)"; else
    not_ok "no second key" "$(reglookup -H -t KEY -p "$CERTS" "$SW" 2>&1)"; fi
same_as_before "add-cert of a present certificate: image byte-identical" "$IMG" "$TMP/damaged"

openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj '/CN=offstage other' \
    -keyout "$C/key2.pem" -out "$C/other.pem" 2>/dev/null
run add-cert --image "$IMG" --cert "$C/other.pem" --store ROOT
expect_status "add-cert of another certificate next to the unreadable key: exit 2" 2
expect_err "names the store key, the position and the offset" 'ROOT\\Certificates has a subkey whose name is not valid UTF-16 \(subkey 1 of 2, nk at offset 0x[0-9a-f]+\)'
same_as_before "refused add-cert: image byte-identical" "$IMG" "$TMP/damaged"

cp -r "$IMG" "$TMP/img-rm"
run remove-cert --image "$TMP/img-rm" --thumbprint "$FP" --store ROOT
expect_status "remove-cert of a present certificate: exit 0" 0
RSW="$TMP/img-rm/Windows/System32/config/SOFTWARE"
if [ "$(keys_named "$RSW" "$CERTS" "$FP")" = 0 ] && reglookup -H -t KEY -p "$CERTS" "$RSW" 2>/dev/null | grep -q '!%00b%00a%00d%00%00%D8'; then
    ok "certificate removed, the unreadable key kept (reglookup)"
else
    not_ok "remove-cert" "$(reglookup -H -t KEY -p "$CERTS" "$RSW" 2>&1)"
fi

# ---- devnodes and their parameters -----------------------------------------------------
DEV='\ControlSet001\Enum\PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01'
B01='PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\3&267a616a&0&18'
INSTS='/ControlSet001/Enum/PCI/VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01'
PARAMS="$INSTS/3&267a616a&0&18/Device Parameters/Parameters"
run set-param --image "$IMG" --device "$B01" ForceNullBackend=1 AllowPollingOnly=1
expect_status "set-param on the clean SYSTEM" 0
cp -r "$IMG" "$TMP/clean-sys"

# A devnode sorted after a sibling whose name cannot be read.
printf 'cd %s\nadd !bad%s\ncommit\n' "$DEV" "$EURO" | hivex_cmds "$SYS"
unpair "$SYS" "!bad€"
snapshot "$IMG" > "$TMP/damaged-sys"
run get-param --image "$IMG" --device 'PCI\VEN_1AF4&DEV_1059' ForceNullBackend
expect_status "get-param by hardware ID past an unreadable sibling: exit 0" 0
expect_out "get-param reads the value" "ForceNullBackend = 1"
expect_no_out "the devnode's values are read" "no HardwareID value"
run get-param --image "$IMG" --device "$B01" --driver-key InfPath
expect_status "get-param --driver-key: exit 0" 0
expect_out "get-param reads the driver key" 'InfPath = "oem3.inf"'
run set-param --image "$IMG" --device 'PCI\VEN_1AF4&DEV_1059' ForceNullBackend=1
expect_out "set-param of a value already so: nothing to do" "nothing to do"
same_as_before "set-param of a value already so: image byte-identical" "$IMG" "$TMP/damaged-sys"
run set-param --image "$IMG" --device 'PCI\VEN_1AF4&DEV_1059' ForceNullBackend=0
expect_status "set-param past an unreadable sibling: exit 0" 0
if reglookup -H -p "$PARAMS/ForceNullBackend" "$SYS" 2>/dev/null | grep -q 'DWORD,0x00000000'; then ok "value changed in the devnode's own key (reglookup)"; else
    not_ok "value changed" "$(reglookup -H -p "$PARAMS" "$SYS" 2>&1)"; fi
if [ "$(keys_named "$SYS" "$INSTS" '3&267a616a&0&18')" = 1 ]; then ok "the devnode is not duplicated (reglookup)"; else
    not_ok "devnode duplicated" "$(reglookup -H -t KEY -p "$INSTS" "$SYS" 2>&1)"; fi

# A value whose name cannot be read, before the ones offstage set.
VIMG="$TMP/img-value"
cp -r "$TMP/clean-sys" "$VIMG"
VSYS="$VIMG/Windows/System32/config/SYSTEM"
printf 'cd %s\\3&267a616a&0&18\\Device Parameters\\Parameters\nsetval 3\n!val%s\ndword:7\nForceNullBackend\ndword:1\nAllowPollingOnly\ndword:1\ncommit\n' \
    "$DEV" "$EURO" | hivex_cmds "$VSYS"
unpair "$VSYS" "!val€"
snapshot "$VIMG" > "$TMP/damaged-value"
run get-param --image "$VIMG" --device "$B01" AllowPollingOnly
expect_status "get-param past an unreadable value name: exit 0" 0
expect_out "get-param reads the value after it" "AllowPollingOnly = 1"
run set-param --image "$VIMG" --device "$B01" ForceNullBackend=0
expect_status "set-param in a key holding an unreadable value name: exit 2" 2
expect_err "names the key, the value's position and offset" 'Device Parameters\\Parameters has a value whose name is not valid UTF-16 \(value 1 of 3, vk at offset 0x[0-9a-f]+\)'
same_as_before "refused set-param: image byte-identical" "$VIMG" "$TMP/damaged-value"
run set-param --image "$VIMG" --device "$B01" --delete AllowPollingOnly
expect_status "set-param --delete in such a key: exit 2, no crash" 2
expect_err "--delete names the unreadable value" 'has a value whose name is not valid UTF-16'
same_as_before "refused --delete: image byte-identical" "$VIMG" "$TMP/damaged-value"
run set-param --image "$VIMG" --device "$B01" --driver-key ForceNullBackend=1
expect_status "set-param --driver-key (a clean key): exit 0" 0
DK='/ControlSet001/Control/Class/{4d36e96c-e325-11ce-bfc1-08002be10318}/0000'
if reglookup -H -p "$DK/ForceNullBackend" "$VSYS" 2>/dev/null | grep -q 'DWORD,0x00000001'; then ok "driver key value written (reglookup)"; else
    not_ok "driver key value" "$(reglookup -H -p "$DK" "$VSYS" 2>&1)"; fi

# A control set missing beside a root key whose name cannot be read.
CIMG="$TMP/img-cs"
cp -r "$TMP/clean-sys" "$CIMG"
CSYS="$CIMG/Windows/System32/config/SYSTEM"
printf 'add !cs%s\ncd \\Select\nsetval 1\nCurrent\ndword:2\ncommit\n' "$EURO" | hivex_cmds "$CSYS"
unpair "$CSYS" "!cs€"
run get-param --image "$CIMG" --device "$B01"
expect_status "no ControlSet002: exit 2" 2
expect_err "the message points at the unreadable key" 'SYSTEM has no key ControlSet002 \(SYSTEM has a subkey whose name is not valid UTF-16 \(subkey 1 of [0-9]+, nk at offset 0x[0-9a-f]+\): it may be the ControlSet002 looked for\)'

# ---- a hive larger than Windows loads ---------------------------------------------------
BIG="$TMP/img-big"
cp -r "$TMP/clean-sys" "$BIG"
truncate -s 4G "$BIG/Windows/System32/config/SYSTEM"
# not a snapshot: that would read the 4 GiB
listing() { (cd "$1" && find . -printf '%p %s %T@\n' | sort); }
listing "$BIG" > "$TMP/big.list"
run get-param --image "$BIG" --device "$B01"
expect_status "4 GiB sparse SYSTEM: exit 2" 2
expect_err "names the file, its size and the limit" 'config.SYSTEM is 4294967296 bytes; the limit for this kind of file is 2147483648'
run set-param --image "$BIG" --device "$B01" ForceNullBackend=0
expect_status "4 GiB sparse SYSTEM, set-param: exit 2" 2
if listing "$BIG" | cmp -s - "$TMP/big.list"; then ok "4 GiB sparse SYSTEM: no file written or touched"; else not_ok "4 GiB SYSTEM" "image changed"; fi
rm -rf "$BIG"

# ---- thousands of instances of one device ----------------------------------------------
# The other instances are added with hivexsh: hivex grows a hive by
# reallocating it page by page, which AddressSanitizer's realloc turns into
# a copy each time (minutes for make-test-image with thousands of devices).
MANY="$TMP/img-many"
N=1500
run make-test-image --arch amd64 --with-device 1af4:1059:00191af4:01 "$MANY"
expect_status "make-test-image" 0
{
    printf 'cd %s\n' "$DEV"
    i=1
    while [ "$i" -lt "$N" ]; do printf 'add 4&%x&0&%04X\n' "$i" "$i"; i=$((i + 1)); done
    echo commit
} | hivex_cmds "$MANY/Windows/System32/config/SYSTEM"
MSYS="$MANY/Windows/System32/config/SYSTEM"
run set-param --image "$MANY" --device 'PCI\VEN_1AF4&DEV_1059' ForceNullBackend=1 --json
expect_status "set-param on $N instances: exit 0" 0
expect_json "every instance listed once, each changed" "len(d['devices'])==$N and len(set(x['instance_path'] for x in d['devices']))==$N and all(x['values'][0]['changed'] for x in d['devices'])"
set_count=$(reglookup -H -t DWORD "$MSYS" 2>/dev/null | grep -c '/Device Parameters/Parameters/ForceNullBackend,DWORD,0x00000001,$')
if [ "$set_count" = "$N" ]; then ok "ForceNullBackend=1 under each of the $N devnodes (reglookup)"; else
    not_ok "values under every devnode" "$set_count of $N"; fi
run get-param --image "$MANY" --device 'PCI\VEN_1AF4&DEV_1059' ForceNullBackend --json
expect_json "get-param reads it back on every instance" "len(d['devices'])==$N and all(x['values']==[{'name':'ForceNullBackend','type':'REG_DWORD','value':1}] for x in d['devices'])"
