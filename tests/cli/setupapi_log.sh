# CLI tests for `offstage setupapi-log`: logs written here in the documented
# format (brief §8), in the encodings and states Windows leaves them in.
. tests/cli/lib.sh

DEV='PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\3&13c0b0c5&0&18'
DEV2='PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\3&13c0b0c5&0&20'
LEGACY='PCI\VEN_1AF4&DEV_1018&SUBSYS_00191AF4&REV_00\3&13c0b0c5&0&28'
STORE='c:\windows\system32\driverstore\filerepository\aero_virtio_snd.inf_amd64_neutral_5c2bd1e6'
LOG="$TMP/setupapi.dev.log"

# printf '%s\n' keeps the backslashes as they are
printf '%s\n' \
    '[Device Install Log]' \
    '     OS Version = 6.1.7601' \
    '     Architecture = amd64' \
    '' \
    '[BeginLog]' \
    '' \
    '[Boot Session: 2026/01/10 12:00:00.500]' \
    '' \
    ">>>  [Device Install (Hardware initiated) - $DEV]" \
    '>>>  Section start 2026/01/10 12:00:07.968' \
    '     ndv: Searching Driver Store and Device Path...' \
    '     dvi: {Build Driver List} 12:00:08.046' \
    "     dvi:                Selected driver installs from section [VirtioSnd_Device] in '$STORE\\aero_virtio_snd.inf'." \
    '     sig: {_VERIFY_FILE_SIGNATURE} 12:00:08.710' \
    '     sig:      Key      = aero_virtio_snd.inf' \
    '     sig:      Success: File is signed in catalog.' \
    '     sig: {_VERIFY_FILE_SIGNATURE exit(0x00000000)} 12:00:08.720' \
    '     ndv:      Driver INF: oem3.inf' \
    '<<<  Section end 2026/01/10 12:00:09.421' \
    '<<<  [Exit status: SUCCESS]' \
    '' \
    ">>>  [Device Install (Hardware initiated) - $DEV2]" \
    '>>>  Section start 2026/01/10 12:01:00.000' \
    "     dvi:                Selected driver installs from section [VirtioSnd_Device] in '$STORE\\aero_virtio_snd.inf'." \
    '     sig: {_VERIFY_FILE_SIGNATURE} 12:01:01.100' \
    '!    sig:      Verifying file against specific (valid) catalog failed! (0x800b0109)' \
    '!    sig:      Error 0x800b0109: A certificate chain processed, but terminated in a root certificate which is not trusted by the trust provider.' \
    '!!!  sig:      Driver package failed signature validation. Error = 0xE0000242 12:01:01.200' \
    '<<<  Section end 2026/01/10 12:01:02.000' \
    '<<<  [Exit status: FAILURE(0xe0000242)]' \
    '' \
    ">>>  [Device Install (Hardware initiated) - $LEGACY]" \
    '>>>  Section start 2026/01/10 12:02:00.000' \
    '!    dvi: Selecting driver failed(0xe0000228)' \
    '!!!  dvi: Error 0xe0000228: There are no compatible drivers for this device.' \
    '<<<  Section end 2026/01/10 12:02:01.000' \
    '<<<  [Exit status: FAILURE(0xe0000203)]' >"$LOG"
SUM=$(cksum <"$LOG")

run setupapi-log "$LOG"
expect_status "whole log: exit 0" 0
expect_out "success line: time, outcome, subject, driver" \
    '^2026-01-10T12:00:07.968  SUCCESS  PCI.VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01.3&13c0b0c5&0&18  driver: oem3.inf \[VirtioSnd_Device\] c:.windows.system32.driverstore.*aero_virtio_snd.inf$'
expect_out "signature failure named" 'FAILURE\(0xe0000242 ERROR_AUTHENTICODE_TRUST_NOT_ESTABLISHED\)  PCI.*&0&20'
expect_out "sig warning line with its line number" '^    line 26 !   sig: Verifying file against specific \(valid\) catalog failed! \(0x800b0109\)$'
expect_out "error line with its time" '^    line 28 !!! sig: Driver package failed signature validation. Error = 0xE0000242 \(12:01:01.200\)$'
expect_out "no driver found" 'FAILURE\(0xe0000203 ERROR_NO_DRIVER_SELECTED\)  PCI.*DEV_1018.*driver: no compatible driver'
expect_no_out "Key = lines are not kept" 'Key +='
expect_out "totals" '^3 of 3 sections shown \(ansi, 37 lines\)'

run setupapi-log "$LOG" --device 'pci\ven_1af4&dev_1059&subsys_00191af4&rev_01\3&13C0B0C5&0&18'
expect_status "--device, any case: exit 0" 0
expect_out "--device shows that one" '^1 of 3 sections'
run setupapi-log "$LOG" --hwid-prefix 'PCI\VEN_1AF4&DEV_1059&REV_01'
expect_out "--hwid-prefix by PCI parts" '^2 of 3 sections'
run setupapi-log "$LOG" --hwid-prefix 'PCI\VEN_1AF4&DEV_1059' --failures
expect_out "--hwid-prefix with --failures" '^1 of 3 sections'
run setupapi-log "$LOG" --device 'PCI\VEN_8086&DEV_2922\3&0&FA'
expect_status "no section for the device: exit 1" 1

run setupapi-log "$LOG" --failures --json
expect_status "json: exit 0" 0
expect_json "json schema and totals" "d['schema']=='offstage.setupapi-log/1' and d['sections_total']==3 and d['sections_shown']==2 and d['os_version']=='6.1.7601' and d['encoding']=='ansi'"
expect_json "json failure section" "[s for s in [d['sections'][0]] if s['outcome']=='failure' and s['exit_status']=='0xe0000242' and s['exit_status_name']=='ERROR_AUTHENTICODE_TRUST_NOT_ESTABLISHED' and s['errors']==1 and s['warnings']==2 and s['entries'][2]=={'line':28,'level':'error','tag':'sig','time':'12:01:01.200','text':'Driver package failed signature validation. Error = 0xE0000242'}]"
expect_json "json no-driver section" "[s for s in [d['sections'][1]] if s['no_driver_found'] and s['driver'] is None and s['subject'].endswith('&0&28')]"
cp "$OUT" "$TMP/lf.json"
run setupapi-log "$LOG" --json
expect_json "json chosen driver" "d['sections'][0]['driver']=={'inf':r'$STORE\\aero_virtio_snd.inf','section':'VirtioSnd_Device','description':None,'rank':None,'published_name':'oem3.inf','null_driver':False} and d['sections'][0]['boot_session']=='2026-01-10T12:00:00.500'"

# the same log with CRLF line ends, and as UTF-16LE with a BOM (converted by iconv)
sed 's/$/\r/' "$LOG" >"$TMP/crlf.log"
run setupapi-log "$TMP/crlf.log" --failures --json
expect_json "CRLF: same sections" "d['sections']==json.load(open('$TMP/lf.json'))['sections']"
if command -v iconv >/dev/null; then
    { printf '\377\376'; iconv -f UTF-8 -t UTF-16LE "$TMP/crlf.log"; } >"$TMP/utf16.log"
    run setupapi-log "$TMP/utf16.log" --failures --json
    expect_json "UTF-16LE: same sections" "d['encoding']=='utf-16le' and d['sections']==json.load(open('$TMP/lf.json'))['sections']"
else
    echo "skip: iconv not installed (UTF-16 log)"
fi

# cut in the middle of the second section, in the middle of a line
head -c "$(grep -b 'Verifying file' "$LOG" | cut -d: -f1)" "$LOG" >"$TMP/cut.log"
printf '!    sig:      Verif' >>"$TMP/cut.log"
run setupapi-log "$TMP/cut.log"
expect_status "truncated log: exit 0" 0
expect_out "truncated section reported" '^2026-01-10T12:01:00.000  TRUNCATED  PCI.*&0&20'
expect_out "its last line kept" '^    line 26 !   sig: Verif$'

: >"$TMP/empty.log"
run setupapi-log "$TMP/empty.log"
expect_status "empty log: exit 0" 0
expect_out "empty log says so" 'no device-install sections'
run setupapi-log "$TMP/empty.log" --failures
expect_status "empty log with a filter: exit 1" 1

run setupapi-log "$OFFSTAGE"
expect_status "binary file: exit 2" 2
expect_err "binary file: offset named" 'not a SetupAPI text log: binary byte 0x7f at offset 0'
printf 'MZ\220\000\003\000\000\000' >"$TMP/pe.log"
run setupapi-log "$TMP/pe.log" --json
expect_status "PE header: exit 2" 2
expect_err "PE header: offset 3" 'pe.log: not a SetupAPI text log: binary byte 0x00 at offset 3'
printf 'hello\nworld\n' >"$TMP/text.log"
run setupapi-log "$TMP/text.log"
expect_err "plain text is not a log" 'no section header or log entry in its 12 bytes'
run setupapi-log "$TMP/missing.log"
expect_status "missing file: exit 2" 2
run setupapi-log "$TMP"
expect_status "directory: exit 2" 2
run setupapi-log
expect_status "no file: usage error" 2
run setupapi-log "$LOG" --device ''
expect_status "empty --device: usage error" 2
run setupapi-log --help
expect_status "--help" 0
expect_out "help explains outcomes" 'TRUNCATED when the'

if [ "$(cksum <"$LOG")" = "$SUM" ]; then ok "log left untouched"; else not_ok "log left untouched" "changed"; fi
