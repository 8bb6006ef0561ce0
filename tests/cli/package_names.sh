# CLI tests: names Windows cannot create (reserved device names, a trailing
# dot or space, forbidden characters) are refused by check-package with the
# INF line, and add-driver refuses the package leaving the image unchanged.
. tests/cli/lib.sh

snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort; find . -type d | sort); }

# package CASE ENTRY SOURCE SDN CATALOG [INF-NAME]: a package whose [Files]
# entry (line 17) is ENTRY, listed in [SourceDisksFiles] (line 21) as
# SOURCE, on a source disk whose path (line 19) is SDN; CatalogFile (line 7)
# is CATALOG. The file itself is written where the INF says it is.
package() {
    d="$TMP/$1"; inf=${6:-t.inf}; folder=$(printf '%s' "$4" | tr '\\' /)
    mkdir -p "$d/$folder"
    printf '%s\n' '[Version]' 'Signature="$Windows NT$"' 'Class=System' \
        'ClassGuid={4D36E97D-E325-11CE-BFC1-08002BE10318}' 'Provider=Test' 'DriverVer=01/01/2026,1.0.0.0' \
        "CatalogFile=$5" '[Manufacturer]' 'T=M,NTx86,NTamd64' '[M.NTx86]' 'Dev=Inst,PCI\VEN_1234&DEV_0001' \
        '[M.NTamd64]' 'Dev=Inst,PCI\VEN_1234&DEV_0001' '[Inst.NT]' 'CopyFiles=Files' '[Files]' "$2" \
        '[SourceDisksNames]' "1=disk,,,$4" '[SourceDisksFiles]' "$3=1" '[DestinationDirs]' 'DefaultDestDir=12' \
        '[Inst.NT.Services]' 'AddService=t,2,Svc' '[Svc]' 'ServiceType=1' 'StartType=3' 'ErrorControl=1' \
        'ServiceBinary=%12%\t.sys' > "$d/$inf"
    echo data > "$d/$folder/$(printf '%s' "$3" | tr -d '"')"
    PKG="$d"
}

IMG="$TMP/img"
"$OFFSTAGE" make-test-image --arch amd64 "$IMG" > /dev/null
snapshot "$IMG" > "$TMP/clean"

package good good.dat good.dat sub t.cat
run check-package "$PKG" --arch amd64
expect_status "a package of plain names can be staged" 0
run add-driver --image "$IMG" --driver "$PKG" --force-unsigned --dry-run
expect_status "add-driver --dry-run takes it" 0

# refused NAME LINE QUOTED-NAME: check-package and add-driver on $PKG
refused() {
    run check-package "$PKG" --arch amd64
    expect_status "$1: check-package exit 1" 1
    expect_out "$1: the finding names the INF line and the name" "t\.inf:$2: error \[amd64\]: .*\"$3\".*(bad-file-name)"
    run add-driver --image "$IMG" --driver "$PKG" --force-unsigned
    expect_status "$1: add-driver refuses the package" 1
    if snapshot "$IMG" | cmp -s - "$TMP/clean"; then ok "$1: image byte-identical"; else not_ok "$1: image" "changed"; fi
}

package con CON CON sub t.cat;                 refused "device name CON" 17 CON
package auxdat AUX.dat AUX.dat sub t.cat;      refused "device name with an extension (AUX.dat)" 17 'AUX\.dat'
package contxt con.txt con.txt sub t.cat;      refused "lower-case device name (con.txt)" 17 'con\.txt'
package lpt9 ok.dat,LPT9 LPT9 sub t.cat;       refused "source name of the rename form (dest,LPT9)" 17 LPT9
package com1 COM1.bin COM1.bin sub t.cat;      refused "COM1 with an extension" 17 'COM1\.bin'
package dot 'trail.' 'trail.' sub t.cat;       refused "name ending in a dot" 17 'trail\.'
package space '"space "' '"space "' sub t.cat; refused "name ending in a space" 17 'space '
package lt 'a<b.dat' 'a<b.dat' sub t.cat;      refused "forbidden character <" 17 'a<b\.dat'
package pipe 'a|b.dat' 'a|b.dat' sub t.cat;    refused "forbidden character |" 17 'a\|b\.dat'
package sdn good.dat good.dat 'sub\nul.d' t.cat; refused "SourceDisksNames folder nul.d" 19 'nul\.d'
package sdn2 good.dat good.dat 'LPT1' t.cat;   refused "SourceDisksNames folder LPT1" 19 LPT1
package cat good.dat good.dat sub prn.cat;     refused "CatalogFile prn.cat" 7 'prn\.cat'

# The INF's own name: it is copied (and names the staged folder) too.
package infname good.dat good.dat sub t.cat nul.inf
run check-package "$PKG" --arch amd64
expect_status "INF named nul.inf: check-package exit 1" 1
expect_out "INF named nul.inf: finding names it" "nul\.inf.*error.*\"nul\.inf\".*(bad-file-name)"
run add-driver --image "$IMG" --driver "$PKG" --force-unsigned
expect_status "INF named nul.inf: add-driver refuses it" 1
if snapshot "$IMG" | cmp -s - "$TMP/clean"; then ok "INF named nul.inf: image byte-identical"; else not_ok "INF name: image" "changed"; fi

# Names that only look like device names are fine.
package near COM10.dat COM10.dat 'CONSOLE' t.cat
run check-package "$PKG" --arch amd64
expect_status "COM10.dat in folder CONSOLE is not reserved" 0
