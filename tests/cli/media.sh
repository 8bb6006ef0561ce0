# CLI tests for install media: make-test-image --media (the stand-in Windows
# 7 media the media tests service). Independent readers: wimlib-imagex
# (info, verify), hivexregedit and hivexget on both media boot stores.
. tests/cli/lib.sh

M="$TMP/media"
run make-test-image --media "$M" --arch amd64 --with-device 1af4:1059:00191af4:01
expect_status "make-test-image --media: exit 0" 0
expect_out "make-test-image --media: says it is not Windows" "install media stand-in \\(not Windows\\)"
for f in sources/install.wim sources/boot.wim boot/BCD efi/microsoft/boot/bcd boot/etfsboot.com \
    efi/microsoft/boot/efisys.bin boot/boot.sdi bootmgr setup.exe; do
    [ -s "$M/$f" ] || not_ok "media: $f" "missing"
done
ok "media: the files of Windows 7 x64 media"
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
