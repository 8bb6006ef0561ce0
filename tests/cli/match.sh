# CLI tests for `offstage match`: the reference scenario's cases.
. tests/cli/lib.sh
PKG="$EXAMPLE/amd64"

run match --driver "$PKG/aero_virtio_snd.inf" --pci 1af4:1059:00191af4:01
expect_status "contract v1 binds REV_01" 0
expect_out "names INF, model and install section" "MATCH .*aero_virtio_snd.inf:[0-9]+ +\"Aero VirtIO Sound Device\" +\[VirtioSnd.NTamd64\]"
expect_out "hardware ID position" "device hardware ID #3 PCI.VEN_1AF4&DEV_1059&REV_01"
expect_out "rank" "rank 0x80FF0002"

run match --driver "$PKG/aero_virtio_snd.inf" --pci 1af4:1059:00191af4:00
expect_status "REV_00 does not bind" 1
expect_out "revision reason" "revision: .*REV_01.*REV_00"

run match --driver "$PKG/aero_virtio_snd.inf" --pci 1af4:1018 --arch x86
expect_status "transitional does not bind the v1 INF" 1
expect_out "transitional reason with the fix" "transitional: .*DEV_1018.*disable-legacy=on,x-pci-revision=0x01"

run match --driver "$PKG" --pci 1af4:1018
expect_status "the legacy INF binds the transitional device" 0
expect_out "legacy INF named" "MATCH .*aero-virtio-snd-legacy.inf"

run match --driver "$PKG" --pci 1af4:1059:00191af4:01 --json
expect_status "json match" 0
expect_json "json match fields" "d['schema']=='offstage.match/1' and d['matched'] and d['matches'][0]['name']=='aero_virtio_snd.inf' and d['matches'][0]['rank']=='0x80FF0002' and d['matches'][0]['device_id_position']==3 and d['matches'][0]['kind']=='hardware-id'"
expect_json "json lists the other package's miss" "d['near_misses'][0]['reason']=='transitional'"

run match --driver "$PKG/aero_virtio_snd.inf" --hwid 'pci\ven_1af4&dev_1059&rev_01'
expect_status "--hwid, case-insensitive" 0

# the x86 package folder has the same INF; the arch decides the models section
run match --driver "$EXAMPLE/x86/aero_virtio_snd.inf" --pci 1af4:1059:00191af4:01 --arch x86 --json
expect_json "x86 uses NTx86" "d['matches'][0]['models_section']=='VirtioSnd.NTx86'"

run match --driver "$PKG" --pci 1af4
expect_status "bad --pci: usage error" 2
expect_err "bad --pci message" "give at least VEN:DEV"
run match --pci 1af4:1059
expect_status "no --driver: usage error" 2
run match --driver "$TMP/nothing-here" --pci 1af4:1059
expect_status "missing driver path: exit 2" 2
run match --help
expect_status "--help" 0
expect_out "help explains ranks" "0xSSGGTHHH"
