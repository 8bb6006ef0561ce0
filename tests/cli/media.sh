# CLI tests for install media: make-test-image --media (the stand-in Windows
# 7 media the media tests service). Independent readers: wimlib-imagex
# (info, verify), hivexregedit and hivexget on both media boot stores.
. tests/cli/lib.sh

M="$TMP/media"
run make-test-image --media "$M" --arch amd64 --with-device 1af4:1059:00191af4:01
expect_status "make-test-image --media: exit 0" 0
expect_out "make-test-image --media: says it is not Windows" "install media stand-in \\(not Windows\\)"
missing=""
for f in sources/install.wim sources/boot.wim boot/BCD efi/microsoft/boot/bcd boot/etfsboot.com \
    efi/microsoft/boot/efisys.bin boot/boot.sdi bootmgr setup.exe; do
    [ -s "$M/$f" ] || missing="$missing $f"
done
[ -z "$missing" ] && ok "media: the files of Windows 7 x64 media" || not_ok "media: the files of Windows 7 x64 media" "missing:$missing"
[ -e "$M/.trees" ] && not_ok "media: no scratch left" "$(ls -A "$M")" || ok "media: no scratch left"
info=$(wimlib-imagex info "$M/sources/install.wim")
if echo "$info" | grep -q '^Image Count: *4' && echo "$info" | grep -q '^Compression: *LZX' &&
   echo "$info" | grep -q 'Edition ID: *HomeBasic' && echo "$info" | grep -q 'Edition ID: *Ultimate' &&
   wimlib-imagex verify "$M/sources/install.wim" >/dev/null 2>&1; then
    ok "install.wim: four LZX editions, HomeBasic to Ultimate (wimlib-imagex info, verify)"
else not_ok "install.wim" "$info"; fi
info=$(wimlib-imagex info "$M/sources/boot.wim")
if echo "$info" | grep -q '^Image Count: *2' && echo "$info" | grep -q '^Boot Index: *2' &&
   echo "$info" | grep -q 'Microsoft Windows Setup (x64)'; then
    ok "boot.wim: Windows PE and Setup, boot index 2 (wimlib-imagex info)"
else not_ok "boot.wim" "$info"; fi
wimlib-imagex extract "$M/sources/boot.wim" 2 /sources/setup.exe --dest-dir="$TMP/x" --no-acls >/dev/null 2>&1 &&
    ok "boot.wim index 2 holds sources\\setup.exe (wimlib-imagex extract)" || not_ok "boot.wim setup.exe" "absent"
for s in boot/BCD efi/microsoft/boot/bcd; do
    setup='\Objects\{7619dcc9-fafe-11d9-b411-000476eba25f}\Elements\12000004'
    if [ "$(hivexget "$M/$s" "$setup" Element 2>/dev/null)" = "Windows Setup" ] &&
       hivexregedit --export "$M/$s" '\Objects\{7619dcc8-fafe-11d9-b411-000476eba25f}' 2>/dev/null | grep -q 32000004 &&
       ! hivexregedit --export "$M/$s" '\Objects' 2>/dev/null | grep -qi 16000049; then
        ok "$s: a Windows Setup loader and its ramdisk options, no testsigning (hivexget, hivexregedit)"
    else not_ok "$s: media store" "$(hivexregedit --export "$M/$s" '\Objects' 2>&1 | head -5)"; fi
done
run bcd --store "$M/boot/BCD"
expect_out "boot/BCD: Setup boots boot.wim from a ramdisk" 'device +ramdisk=\[boot\]\\sources\\boot.wim,\{7619dcc8-fafe-11d9-b411-000476eba25f\}'
run bcd --store "$M/efi/microsoft/boot/bcd"
expect_out "efi/microsoft/boot/bcd: winload.efi" 'path +\\windows\\system32\\boot\\winload.efi'
wimlib-imagex extract "$M/sources/install.wim" 4 /Windows/System32/config/SYSTEM --dest-dir="$TMP/y" --no-acls >/dev/null 2>&1
if hivexregedit --export "$TMP/y/SYSTEM" '\ControlSet001\Enum\PCI' 2>/dev/null | grep -qi 'VEN_1AF4&DEV_1059'; then
    ok "--with-device: the devnode is in the install images (hivexregedit)"; else not_ok "--with-device in install.wim" "absent"; fi

run make-test-image --media "$TMP/x86" --arch x86 --editions 2
expect_status "x86 media, two editions: exit 0" 0
info=$(wimlib-imagex info "$TMP/x86/sources/install.wim")
echo "$info" | grep -q '^Image Count: *2' && echo "$info" | grep -q 'Edition ID: *Professional' &&
    [ ! -e "$TMP/x86/efi" ] && ok "x86 media: the last two editions, no efi folder" || not_ok "x86 media" "$info"

run make-test-image --media "$M" --arch amd64
expect_status "make-test-image --media over an existing folder: exit 2" 2
expect_err "...names it and refuses" "media: exists; refusing to overwrite it"
run make-test-image --media "$TMP/m3" --arch amd64 --edition Ultimate
expect_status "--media with --edition: a usage error" 2
run make-test-image --media "$TMP/m3" --arch amd64 --editions 9
expect_err "--editions out of range names the range" "--editions is a number from 1 to 5"
[ -e "$TMP/m3" ] && not_ok "refused --media writes nothing" "$TMP/m3 exists" || ok "refused --media writes nothing"

# ---- offstage media: ISO in, ISO out --------------------------------------------
if ! command -v xorriso >/dev/null 2>&1 || ! command -v 7zz >/dev/null 2>&1; then
    echo "skip media: xorriso or 7zz not installed"
    exit 0
fi
PKG="$EXAMPLE/amd64"
"$OFFSTAGE" make-test-cert --out "$TMP/cert" >/dev/null
openssl x509 -inform DER -in "$TMP/cert/offstage-test.cer" -out "$TMP/cert.pem"
SRC="$TMP/src.iso"
run make-test-image --media "$TMP/isomedia" --iso "$SRC" --arch amd64 --with-device 1af4:1059:00191af4:01
expect_status "make-test-image --media --iso: exit 0" 0
rep=$(xorriso -indev "$SRC" -report_el_torito plain 2>/dev/null)
echo "$rep" | grep -q 'boot img : *1 *BIOS' && echo "$rep" | grep -q 'boot img : *2 *UEFI' &&
    ok "make-test-image --iso: BIOS and UEFI El Torito entries (xorriso -report_el_torito)" || not_ok "test ISO boot catalog" "$rep"
src_sum=$(sha256sum "$SRC" | cut -d' ' -f1)
OUTISO="$TMP/out.iso"
run media "$SRC" --output "$OUTISO" --driver "$PKG" --test-sign --test-sign-dir "$TMP/cert"
expect_status "media ISO -> ISO, --test-sign: exit 0" 0
expect_out "media: every install.wim image and boot.wim index 2" 'install.wim:4: Windows 7 Ultimate'
expect_out "media: boot.wim index 2 is serviced" 'sources/boot.wim:2: '
expect_out "media: says it wrote the ISO, with both boot entries" 'wrote .*out.iso \(2 El Torito boot entries'
[ "$(sha256sum "$SRC" | cut -d' ' -f1)" = "$src_sum" ] && ok "media: the source ISO is unchanged" ||
    not_ok "media: the source ISO" "changed"
ls -A "$TMP" | grep -q 'offstage-work\|offstage-partial' && not_ok "media: nothing left beside the output" "$(ls -A "$TMP")" ||
    ok "media: nothing left beside the output"
rep=$(xorriso -indev "$OUTISO" -report_el_torito plain 2>/dev/null)
if echo "$rep" | grep -q 'El Torito boot img : *1 *BIOS *y *none .* 8 ' && echo "$rep" | grep -q 'El Torito boot img : *2 *UEFI' &&
   echo "$rep" | grep -q 'img path : *1 */boot/etfsboot.com' && echo "$rep" | grep -q 'img path : *2 */efi/microsoft/boot/efisys.bin'; then
    ok "output ISO: BIOS etfsboot.com (no emulation, 8 sectors) and UEFI efisys.bin (xorriso -report_el_torito)"
else not_ok "output ISO boot catalog" "$rep"; fi
xorriso -indev "$OUTISO" -pvd_info 2>/dev/null | grep -q 'Volume Id *: GRMCULXFRER_EN_DVD' &&
    ok "output ISO: the source's volume label" || not_ok "output ISO label" "$(xorriso -indev "$OUTISO" -pvd_info 2>&1 | grep -i volume)"
X="$TMP/outx"
mkdir -p "$X" && 7zz x -y -bd '-x![BOOT]' -o"$X" "$OUTISO" >/dev/null 2>&1 || not_ok "7zz x of the output" "failed"
if wimlib-imagex verify "$X/sources/install.wim" >/dev/null 2>&1 && wimlib-imagex verify "$X/sources/boot.wim" >/dev/null 2>&1; then
    ok "output: install.wim and boot.wim verify (wimlib-imagex verify)"; else not_ok "output WIMs" "do not verify"; fi
staged=0
for i in 1 2 3 4; do
    rm -rf "$TMP/e" && mkdir -p "$TMP/e"
    wimlib-imagex extract "$X/sources/install.wim" "$i" /Windows/System32/config/SOFTWARE /Windows/System32/config/BCD-Template \
        --dest-dir="$TMP/e" --no-acls >/dev/null 2>&1
    dp=$(hivexget "$TMP/e/SOFTWARE" '\Microsoft\Windows\CurrentVersion' DevicePath 2>/dev/null)
    if [ "$dp" = '%SystemRoot%\inf;%SystemRoot%\offstage\drivers' ] &&
       wimlib-imagex dir "$X/sources/install.wim" "$i" --path=/Windows/offstage/drivers 2>/dev/null | grep -q 'aero_virtio_snd.inf_amd64_neutral_' &&
       hivexregedit --export "$TMP/e/SOFTWARE" '\Microsoft\SystemCertificates\ROOT\Certificates' 2>/dev/null | grep -qi "$(openssl x509 -in "$TMP/cert.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')"; then
        staged=$((staged + 1))
    fi
done
[ "$staged" = 4 ] && ok "output install.wim: all four images staged, DevicePath changed, the certificate in ROOT (wimlib-imagex, hivexget, hivexregedit)" ||
    not_ok "output install.wim images staged" "$staged of 4"
wimlib-imagex dir "$X/sources/boot.wim" 2 --path=/Windows/offstage/drivers 2>/dev/null | grep -q 'aero_virtio_snd.inf_amd64_neutral_' &&
    ! wimlib-imagex dir "$X/sources/boot.wim" 1 --path=/Windows/offstage/drivers >/dev/null 2>&1 &&
    ok "output boot.wim: index 2 staged, index 1 not (wimlib-imagex dir)" || not_ok "output boot.wim" "indexes"
for s in boot/BCD efi/microsoft/boot/bcd; do
    el=$(hivexregedit --export "$X/$s" '\Objects\{7619dcc9-fafe-11d9-b411-000476eba25f}\Elements\16000049' 2>/dev/null)
    echo "$el" | grep -qi '"Element"=hex(3):01' && ok "output $s: testsigning on in the Windows Setup loader (hivexregedit)" ||
        not_ok "output $s testsigning" "$el"
done
rm -rf "$TMP/c" && mkdir -p "$TMP/c"
wimlib-imagex extract "$X/sources/install.wim" 1 /Windows/offstage/drivers --dest-dir="$TMP/c" --no-acls >/dev/null 2>&1
cat=$(find "$TMP/c" -name aero_virtio_snd.cat | head -1)
sys=$(find "$TMP/c" -name aero_virtio_snd.sys | head -1)
if [ -n "$cat" ] && osslsigncode verify -catalog "$cat" -CAfile "$TMP/cert.pem" -in "$sys" >"$TMP/v" 2>&1; then
    ok "output: the staged catalog is signed by the test certificate and covers the driver (osslsigncode)"
else not_ok "output catalog" "$(tail -3 "$TMP/v" 2>/dev/null)"; fi
if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ok = d["schema"] == "offstage.media-manifest/1" and d["source"]["sha256"] == sys.argv[2] and d["certificate"]
ok = ok and len(d["install"]["images"]) == 4 and all(len(i["packages"]) == 2 for i in d["install"]["images"])
ok = ok and len(d["boot"]["images"]) == 1 and len(d["boot_stores"]) == 2
sys.exit(0 if ok else 1)' "$X/offstage-media.json" "$src_sum" 2>/dev/null; then
    ok "output: offstage-media.json names the source's SHA-256, the images, the packages, the stores, the certificate"
else not_ok "offstage-media.json" "$(head -c 600 "$X/offstage-media.json")"; fi

# re-running on the output changes no image and no store
run media "$OUTISO" --output "$TMP/again.iso" --driver "$PKG" --test-sign --test-sign-dir "$TMP/cert"
expect_status "media on its own output: exit 0" 0
expect_no_out "media on its own output: stages nothing again" '^  stage '
Y="$TMP/againx"
mkdir -p "$Y" && 7zz x -y -bd '-x![BOOT]' -o"$Y" "$TMP/again.iso" >/dev/null 2>&1
same_files=1
for f in sources/install.wim sources/boot.wim boot/BCD efi/microsoft/boot/bcd; do
    cmp -s "$X/$f" "$Y/$f" || same_files=0
done
[ "$same_files" = 1 ] && ok "media on its own output: the WIMs and stores are byte-identical" || not_ok "rerun" "files changed"

# ---- --winre: the WIM inside each install image --------------------------------
run media "$SRC" --output "$TMP/re.iso" --driver "$PKG" --test-sign --test-sign-dir "$TMP/cert" --winre --install-index 3,4
expect_status "media --winre: exit 0" 0
expect_out "media --winre: services the first edition's winre.wim" '^== sources/install.wim:3/Windows/System32/Recovery/winre.wim \(winre.wim\)'
expect_out "media --winre: an edition with the same winre.wim shares its servicing" '^== sources/install.wim:4/Windows/System32/Recovery/winre.wim: the same file'
# Each phase's verdicts say which phase, and name stores by their place on the media
expect_out "media: Setup's verdicts are Setup's" '^    Setup \(amd64\): installs: silently.*loads: yes \(test-signed, testsigning on in BCD stores boot/BCD and efi/microsoft/boot/bcd;'
expect_out "media: Windows RE's verdicts are its own, and rest on the installed system's store" '^    Windows RE \(amd64\): .*loads: unknown'
expect_out "media: Windows RE's way out is after Setup, not --bcd" 'to change: after Setup, turn testsigning on for the installed store.s Windows Recovery Environment entry'
expect_out "media: Windows RE's note names the install image" 'the image is the Windows RE of sources/install.wim:3 '
expect_out "media: the install images' verdicts are first boot's" '^    first boot \(amd64\): installs: silently'
if grep -v '^  working copy: ' "$OUT" | grep -q 'offstage-work'; then not_ok "media: the report names no working-copy path beyond its own line" "$(grep -v '^  working copy: ' "$OUT" | grep -m1 offstage-work)"
else ok "media: the report names no working-copy path beyond its own line"; fi
R="$TMP/rex"
mkdir -p "$R" && 7zz x -y -bd '-x![BOOT]' -o"$R" "$TMP/re.iso" >/dev/null 2>&1
good=0
for i in 3 4; do
    rm -rf "$TMP/re$i" && mkdir -p "$TMP/re$i"
    wimlib-imagex extract "$R/sources/install.wim" "$i" /Windows/System32/Recovery/winre.wim --dest-dir="$TMP/re$i" --no-acls >/dev/null 2>&1
    info=$(wimlib-imagex info "$TMP/re$i/winre.wim" 2>/dev/null)
    if echo "$info" | grep -q '^Boot Index: *1' && echo "$info" | grep -q 'Name: *Microsoft Windows Recovery Environment (x64)' &&
       wimlib-imagex verify "$TMP/re$i/winre.wim" >/dev/null 2>&1 &&
       wimlib-imagex dir "$TMP/re$i/winre.wim" 1 --path=/Windows/offstage/drivers 2>/dev/null | grep -q aero_virtio_snd.inf_amd64_neutral_; then
        good=$((good + 1))
    fi
done
[ "$good" = 2 ] && ok "--winre: each serviced edition's winre.wim holds the package, boot index 1 and its name kept, verifies (wimlib-imagex)" ||
    not_ok "--winre: inner WIMs" "$good of 2"
cmp -s "$TMP/re3/winre.wim" "$TMP/re4/winre.wim" && ok "--winre: the editions still share one winre.wim" || not_ok "--winre: shared" "differ"
rm -rf "$TMP/re1" && mkdir -p "$TMP/re1"
wimlib-imagex extract "$R/sources/install.wim" 1 /Windows/System32/Recovery/winre.wim --dest-dir="$TMP/re1" --no-acls >/dev/null 2>&1
wimlib-imagex dir "$TMP/re1/winre.wim" 1 --path=/Windows/offstage/drivers >/dev/null 2>&1 &&
    not_ok "--winre --install-index 3,4: image 1's winre.wim" "was serviced" || ok "--winre --install-index 3,4: image 1's winre.wim untouched"

# ---- a folder: --dry-run, --in-place, $WinPEDriver$, splitting ------------------
F="$TMP/folder"
cp -a "$M" "$F"
snap() { (cd "$1" && find . -type f -exec sha256sum {} + | sort -k2); }
snap "$F" >"$TMP/f.before"
run media "$F" --in-place --driver "$PKG" --force-unsigned --dry-run
expect_status "media folder --dry-run: exit 0" 0
expect_out "media --dry-run: says nothing is written" 'dry run: nothing written'
snap "$F" >"$TMP/f.after"
cmp -s "$TMP/f.before" "$TMP/f.after" && ok "media --dry-run: the folder is unchanged" || not_ok "dry run" "changed"
run media "$F" --in-place --driver "$PKG" --force-unsigned --winpe-driver-folder --split-above 16384
expect_status "media folder --in-place --winpe-driver-folder --split-above: exit 0" 0
expect_out "media --split-above: says it split install.wim" 'split into sources.install.swm, install2.swm'
ls -A "$TMP" | grep -q 'folder.offstage-work' && not_ok "--in-place: no working copy left" "$(ls -A "$TMP")" ||
    ok "--in-place: no working copy left"
if [ ! -e "$F/sources/install.wim" ] && [ -e "$F/sources/install.swm" ] && [ -e "$F/sources/install2.swm" ] &&
   wimlib-imagex info "$F/sources/install.swm" 2>/dev/null | grep -q '^Image Count: *4' &&
   wimlib-imagex verify "$F/sources/install.swm" --ref="$F/sources/install*.swm" >/dev/null 2>&1; then
    ok "--split-above: install.swm, install2.swm, ... hold the four images and verify (wimlib-imagex)"
else not_ok "split set" "$(ls "$F/sources")"; fi
[ -f "$F/\$WinPEDriver\$/amd64/aero_virtio_snd.inf" ] && ok "--winpe-driver-folder: the package is in \$WinPEDriver\$" ||
    not_ok "\$WinPEDriver\$" "$(find "$F" -maxdepth 2 | head)"
want=$(sha256sum "$M/sources/install.wim" | cut -d' ' -f1)
want_boot=$(sha256sum "$M/sources/boot.wim" | cut -d' ' -f1)
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if d["source"]["kind"] == "folder" and d["source"]["sha256"] == sys.argv[2] and d["source"]["boot_sha256"] == sys.argv[3] else 1)' \
    "$F/offstage-media.json" "$want" "$want_boot" 2>/dev/null && ok "manifest of a folder: the source install.wim's and boot.wim's SHA-256" ||
    not_ok "manifest of a folder" "$(head -c 300 "$F/offstage-media.json" 2>&1)"

# the folder named "." from inside it: the working copy goes beside it, not in it
cp -a "$M" "$TMP/dot"
pkg_abs=$(cd "$PKG" && pwd); off_abs=$(command -v "$OFFSTAGE" || echo "$OFFSTAGE"); case $off_abs in /*) ;; *) off_abs="$(pwd)/$off_abs" ;; esac
(cd "$TMP/dot" && "$off_abs" media . --in-place --driver "$pkg_abs" --force-unsigned >"$OUT" 2>"$ERR"); STATUS=$?
expect_status "media . --in-place: exit 0" 0
[ -f "$TMP/dot/offstage-media.json" ] && ! ls -A "$TMP/dot" | grep -q offstage-work && ! ls -A "$TMP" | grep -q 'dot.offstage-work' &&
    ok "media . --in-place: the folder serviced, no working copy left in it or beside it" || not_ok "media ." "$(ls -A "$TMP/dot")"

# ---- a UDF source, as Windows 7 ISOs carry their files ----------------------------
# genisoimage writes a UDF + ISO 9660 bridge; 7-Zip reads the UDF part of
# such an ISO (it says "Type = Udf")
if command -v genisoimage >/dev/null 2>&1; then
    genisoimage -quiet -udf -allow-limited-size -J -joliet-long -relaxed-filenames -V GRMCULXFRER_EN_DVD \
        -b boot/etfsboot.com -no-emul-boot -boot-load-size 8 -o "$TMP/udf.iso" "$TMP/isomedia" 2>/dev/null
    7zz l "$TMP/udf.iso" 2>/dev/null | grep -q '^Type = Udf' && ok "UDF source: 7-Zip reads it as UDF" || not_ok "UDF source" "not read as UDF"
    run media "$TMP/udf.iso" --output "$TMP/fromudf.iso" --driver "$PKG" --force-unsigned
    expect_status "media on a UDF ISO: exit 0" 0
    rm -rf "$TMP/u" && mkdir -p "$TMP/u" && 7zz x -y -bd '-x![BOOT]' -o"$TMP/u" "$TMP/fromudf.iso" >/dev/null 2>&1
    wimlib-imagex dir "$TMP/u/sources/install.wim" 4 --path=/Windows/offstage/drivers 2>/dev/null | grep -q aero_virtio_snd.inf_amd64_neutral_ &&
        ok "media on a UDF ISO: its install.wim is serviced" || not_ok "media on a UDF ISO" "not serviced"
    # its UDF anchor (sector 256) damaged: read through the ISO 9660 part, or refused; never half
    cp "$TMP/udf.iso" "$TMP/udfbad.iso"
    printf 'DAMAGED-ANCHOR-DAMAGED-ANCHOR' | dd of="$TMP/udfbad.iso" bs=1 seek=$((256 * 2048)) conv=notrunc 2>/dev/null
    run media "$TMP/udfbad.iso" --output "$TMP/fromudfbad.iso" --driver "$PKG" --force-unsigned
    if [ "$STATUS" -eq 0 ] && [ -s "$TMP/fromudfbad.iso" ]; then ok "a damaged UDF anchor: read through ISO 9660 (exit 0)"
    elif [ "$STATUS" -eq 2 ] && grep -q 'udfbad.iso' "$ERR" && [ ! -e "$TMP/fromudfbad.iso" ]; then ok "a damaged UDF anchor: refused naming the file, no output"
    else not_ok "a damaged UDF anchor" "exit $STATUS"; fi
else
    echo "skip UDF source: genisoimage not installed"
fi

# ---- refusals: exit 2, the source untouched ---------------------------------------
head -c 100000 /dev/urandom > "$TMP/noise.iso"
run media "$TMP/noise.iso" --output "$TMP/n.iso" --driver "$PKG" --force-unsigned
expect_status "media: a file that is no ISO: exit 2" 2
expect_err "...says so" 'not an ISO image'
head -c 300000 "$SRC" > "$TMP/cut.iso"
run media "$TMP/cut.iso" --output "$TMP/n.iso" --driver "$PKG" --force-unsigned
expect_status "media: a cut-short ISO: exit 2" 2
mkdir -p "$TMP/nowim/sources"
cp -a "$M/boot" "$TMP/nowim/"
xorriso -as mkisofs -quiet -J -o "$TMP/nowim.iso" "$TMP/nowim" 2>/dev/null
run media "$TMP/nowim.iso" --output "$TMP/n.iso" --driver "$PKG" --force-unsigned
expect_status "media: an ISO without sources/install.wim: exit 2" 2
expect_err "...names what is missing" 'no sources/install.wim in it'
[ -e "$TMP/n.iso" ] && not_ok "refused media: no output" "n.iso exists" || ok "refused media: no output"
run media "$SRC" --in-place --driver "$PKG" --force-unsigned
expect_status "media ISO --in-place: a usage error" 2
expect_err "...says an ISO is never written" 'an ISO is never written'
run media "$SRC" --driver "$PKG" --force-unsigned
expect_status "media without --output or --in-place: a usage error" 2
run media "$SRC" --output "$SRC" --driver "$PKG" --force-unsigned
expect_status "media --output SOURCE: a usage error" 2
run media "$M" --output "$M/sources/inside.iso" --driver "$PKG" --force-unsigned
expect_status "media --output inside the media folder: a usage error" 2
expect_err "...says so" 'is inside the media folder'
ls -A "$M/sources" | grep -q 'inside' && not_ok "--output inside the folder: nothing written" "$(ls -A "$M/sources")" ||
    ok "--output inside the folder: nothing written"
cp -a "$M" "$TMP/badwim"
head -c 5000 /dev/urandom > "$TMP/badwim/sources/install.wim"
snap "$TMP/badwim" >"$TMP/bw.before"
run media "$TMP/badwim" --output "$TMP/bw.iso" --driver "$PKG" --force-unsigned
expect_status "media: a damaged install.wim: exit 2" 2
expect_err "...named by its place in the source, not the working copy" 'badwim:sources/install.wim'
grep -q offstage-work "$ERR" && not_ok "a damaged install.wim: the message" "names the working copy" || ok "a damaged install.wim: the message names no working copy"
snap "$TMP/badwim" >"$TMP/bw.after"
cmp -s "$TMP/bw.before" "$TMP/bw.after" && [ ! -e "$TMP/bw.iso" ] && ! ls -A "$TMP" | grep -q 'bw.iso.offstage-work' &&
    ok "a damaged install.wim: the folder unchanged, no output, no working copy left" || not_ok "damaged install.wim" "$(ls -A "$TMP")"
# a link inside a folder source, and a FIFO given as the source: refused, untouched
cp -a "$M" "$TMP/linked"
ln -s /etc/passwd "$TMP/linked/boot/escape"
snap "$TMP/linked" >"$TMP/ln.before"
run media "$TMP/linked" --in-place --driver "$PKG" --force-unsigned
expect_status "media: a folder holding a symlink: exit 2" 2
expect_err "...names the link" 'linked/boot/escape: not a file or a folder'
snap "$TMP/linked" >"$TMP/ln.after"
cmp -s "$TMP/ln.before" "$TMP/ln.after" && [ -L "$TMP/linked/boot/escape" ] && ! ls -A "$TMP" | grep -q 'linked.offstage-work' &&
    ok "a folder holding a symlink: unchanged, no working copy left" || not_ok "symlink folder" "$(ls -A "$TMP")"
mkfifo "$TMP/fifo.iso"
run media "$TMP/fifo.iso" --output "$TMP/f.iso" --driver "$PKG" --force-unsigned
expect_status "media: a FIFO as the source: exit 2 (no hang)" 2
expect_err "...says it is neither an ISO file nor a folder" 'fifo.iso: neither an ISO file nor a media folder'
[ "$(sha256sum "$SRC" | cut -d' ' -f1)" = "$src_sum" ] && ok "refusals: the source ISO is unchanged" || not_ok "source after refusals" "changed"
