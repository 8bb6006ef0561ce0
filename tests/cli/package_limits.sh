# CLI tests: packages at and beyond what a package may hold. A package of
# OST_MODEL_MAX_FILES (10,000) files is modelled whole; one file more, or
# files weighing more than 4 GiB, is refused with the INF line and the limit.
. tests/cli/lib.sh

# big_package DIR N: one device whose [Files] (from line 15) copies N files
big_package() {
    mkdir -p "$1"
    {
        printf '[Version]\nSignature="$Windows NT$"\nClass=System\nClassGuid={4D36E97D-E325-11CE-BFC1-08002BE10318}\n'
        printf 'Provider=Test\nDriverVer=01/01/2026,1.0.0.0\nCatalogFile=big.cat\n[Manufacturer]\nT=M,NTamd64\n'
        printf '[M.NTamd64]\nDev=Inst,PCI\\VEN_1234&DEV_0001\n[Inst.NT]\nCopyFiles=Files\n[Files]\n'
        awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "f%06d.dat\n", i }'
        printf '[DestinationDirs]\nDefaultDestDir=12\n[SourceDisksNames]\n1=d\n[SourceDisksFiles]\n'
        awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "f%06d.dat=1\n", i }'
        printf '[Inst.NT.Services]\nAddService=t,2,Svc\n[Svc]\nServiceType=1\nStartType=3\nErrorControl=1\n'
        printf 'ServiceBinary=%%12%%\\t.sys\n'
    } > "$1/big.inf"
    (cd "$1" && awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "f%06d.dat\n", i }' | xargs touch)
}

big_package "$TMP/at" 10000
run check-package "$TMP/at" --json
expect_status "10,000 files: within the limit" 0
expect_json "10,000 files: every one modelled" "len(d['packages'][0]['architectures'][0]['files'])==10000"
run make-cat "$TMP/at"
expect_status "10,000 files: make-cat catalogs them" 0
run cat-info "$TMP/at/big.cat" --json
expect_json "10,000 files: the catalog has the INF and every file" "len(d['members'])==10001"

big_package "$TMP/over" 10001
run check-package "$TMP/over"
expect_status "10,001 files: refused" 2
expect_err "10,001 files: the message names the INF line and the limit" "over/big.inf:10015: the package copies more than 10000 files for amd64"
run make-cat "$TMP/over"
expect_status "10,001 files: make-cat refuses" 2
"$OFFSTAGE" make-test-image --arch amd64 "$TMP/img" > /dev/null
before=$(cd "$TMP/img" && find . -type f -exec sha256sum {} + | sort | sha256sum)
run add-driver --image "$TMP/img" --driver "$TMP/over" --force-unsigned
expect_status "10,001 files: add-driver refuses" 1
expect_out "10,001 files: add-driver says why" "more than 10000 files"
after=$(cd "$TMP/img" && find . -type f -exec sha256sum {} + | sort | sha256sum)
if [ "$before" = "$after" ]; then ok "10,001 files: image byte-identical"; else not_ok "10,001 files: image" "changed"; fi

# 4 GiB and one byte in two sparse files: refused before anything is read
big_package "$TMP/heavy" 2
truncate -s 2G "$TMP/heavy/f000001.dat"
truncate -s 2049M "$TMP/heavy/f000002.dat"
run check-package "$TMP/heavy"
expect_status "files over 4 GiB: refused" 2
expect_err "files over 4 GiB: the message names the INF line of the file and the limit" \
    "heavy/big.inf:16: with f000002.dat the files the package copies for amd64 exceed 4096 MiB"
