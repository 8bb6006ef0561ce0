# No write leaves the image, whatever the image contains: symbolic links
# where folders or files are expected, names that differ only by case, a
# FIFO in the image, and a hostile transaction journal left in it.
. tests/cli/lib.sh

PKG="$EXAMPLE/amd64"
mkdir -p "$TMP/stor"
cp tests/data/teststor/teststor.inf "$TMP/stor/" && cp "$BUILD/testdrivers/amd64/testdrv.sys" "$TMP/stor/"
printf 'placeholder catalog' > "$TMP/stor/teststor.cat"
IMG0="$TMP/img0"
"$OFFSTAGE" make-test-image --arch amd64 "$IMG0" >/dev/null
snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort; find . | sort; find . -type l -exec readlink {} + | sort); }

# fresh NAME: a copy of the clean image in $TMP/NAME, and an outside folder
fresh() {
    rm -rf "$TMP/$1" "$TMP/outside"
    cp -a "$IMG0" "$TMP/$1"
    mkdir -p "$TMP/outside"
    echo "precious" > "$TMP/outside/testdrv.sys"
}
outside_intact() { # NAME
    if [ "$(ls -A "$TMP/outside")" = "testdrv.sys" ] && [ "$(cat "$TMP/outside/testdrv.sys")" = precious ]; then ok "$1: nothing written outside the image"; else not_ok "$1: outside the image" "$(ls -la "$TMP/outside")"; fi
}
unchanged() { # NAME DIR SNAP
    if [ "$(snapshot "$2")" = "$(cat "$3")" ]; then ok "$1: image unchanged"; else not_ok "$1: image unchanged" "it changed"; fi
}

# 1. Windows\offstage a link to a folder outside
fresh l1
ln -s "$TMP/outside" "$TMP/l1/Windows/offstage"
snapshot "$TMP/l1" > "$TMP/l1.snap"
run add-driver --image "$TMP/l1" --driver "$PKG" --force-unsigned
expect_status "Windows\\offstage a link: exit 2" 2
expect_err "Windows\\offstage a link: named as a link" "Windows/offstage is a symbolic link"
outside_intact "Windows\\offstage a link"
unchanged "Windows\\offstage a link" "$TMP/l1" "$TMP/l1.snap"

# 2. System32\drivers a link, and a boot-critical package copies a file there
fresh l2
rm -rf "$TMP/l2/Windows/System32/drivers"
ln -s "$TMP/outside" "$TMP/l2/Windows/System32/drivers"
snapshot "$TMP/l2" > "$TMP/l2.snap"
run add-driver --image "$TMP/l2" --driver "$TMP/stor" --force-unsigned
expect_status "System32\\drivers a link, boot-critical package: exit 2" 2
expect_err "System32\\drivers a link: named" "System32/drivers is a symbolic link"
outside_intact "System32\\drivers a link"
unchanged "System32\\drivers a link" "$TMP/l2" "$TMP/l2.snap"

# 3. a file offstage replaces is a link (the SOFTWARE hive)
fresh l3
mv "$TMP/l3/Windows/System32/config/SOFTWARE" "$TMP/outside/SOFTWARE"
ln -s "$TMP/outside/SOFTWARE" "$TMP/l3/Windows/System32/config/SOFTWARE"
sum=$(sha256sum < "$TMP/outside/SOFTWARE")
run add-driver --image "$TMP/l3" --driver "$PKG" --force-unsigned
expect_status "SOFTWARE a link: exit 2" 2
expect_err "SOFTWARE a link: named" "config/SOFTWARE is a symbolic link"
if [ "$(sha256sum < "$TMP/outside/SOFTWARE")" = "$sum" ]; then ok "SOFTWARE a link: its target untouched"; else not_ok "SOFTWARE link target" "changed"; fi
run get-drivers --image "$TMP/l3"
expect_status "SOFTWARE a link: reading refuses too" 2

# 4. the manifest a link to a file outside
fresh l4
"$OFFSTAGE" add-driver --image "$TMP/l4" --driver "$PKG" --force-unsigned >/dev/null 2>&1
mv "$TMP/l4/Windows/offstage/manifest.json" "$TMP/outside/manifest.json"
ln -s "$TMP/outside/manifest.json" "$TMP/l4/Windows/offstage/manifest.json"
sum=$(sha256sum < "$TMP/outside/manifest.json")
run remove-driver --image "$TMP/l4" --driver aero_virtio_snd.inf
expect_status "manifest a link: remove-driver exit 2" 2
if [ "$(sha256sum < "$TMP/outside/manifest.json")" = "$sum" ]; then ok "manifest a link: its target untouched"; else not_ok "manifest link target" "changed"; fi

# 5. a FIFO where the manifest goes: refused at once, no hang
fresh f5
mkdir -p "$TMP/f5/Windows/offstage"
mkfifo "$TMP/f5/Windows/offstage/manifest.json"
snapshot "$TMP/f5" > "$TMP/f5.snap"
STATUS=0
timeout 20 "$OFFSTAGE" add-driver --image "$TMP/f5" --driver "$PKG" --force-unsigned >"$OUT" 2>"$ERR" || STATUS=$?
expect_status "FIFO manifest: exit 2, no hang" 2
expect_err "FIFO manifest: named" "manifest.json is a FIFO"
unchanged "FIFO manifest" "$TMP/f5" "$TMP/f5.snap"

# 6. folders that differ only by case
fresh c6
mkdir -p "$TMP/c6/windows/System32"
snapshot "$TMP/c6" > "$TMP/c6.snap"
run add-driver --image "$TMP/c6" --driver "$PKG" --force-unsigned
expect_status "Windows/ and windows/: exit 2" 2
expect_err "Windows/ and windows/: both named" '"(Windows|windows)" and "(windows|Windows)" differ only by case'
unchanged "Windows/ and windows/" "$TMP/c6" "$TMP/c6.snap"
fresh c7
mkdir -p "$TMP/c7/Windows/offstage/drivers" "$TMP/c7/Windows/OFFSTAGE"
snapshot "$TMP/c7" > "$TMP/c7.snap"
run add-driver --image "$TMP/c7" --driver "$PKG" --force-unsigned
expect_status "offstage/ and OFFSTAGE/: exit 2" 2
expect_err "offstage/ and OFFSTAGE/: both named" 'Windows/(offstage|OFFSTAGE)" and "Windows/(OFFSTAGE|offstage)"'
unchanged "offstage/ and OFFSTAGE/" "$TMP/c7" "$TMP/c7.snap"

# 7. the image's root itself may be reached through a link (the user's own path)
fresh r8
ln -s "$TMP/r8" "$TMP/r8-link"
run add-driver --image "$TMP/r8-link" --driver "$PKG" --force-unsigned
expect_status "the image named through a link: staged" 0

# 8. hostile journals left in the image
journal() { # DIR JSON
    mkdir -p "$1/.offstage-txn"
    printf '%s\n' "$2" > "$1/.offstage-txn/journal"
}
fresh j1
echo "new" > "$TMP/j1-staged"
journal "$TMP/j1" '{"format":"offstage-journal/1","pid":1,"ops":[{"op":"write","path":"../outside/testdrv.sys","existed":true,"mkdirs":[],"staged":"s1"}]}'
cp "$TMP/j1-staged" "$TMP/j1/.offstage-txn/s1"
run get-drivers --image "$TMP/j1"
expect_status "journal with a path out of the image: exit 2" 2
expect_err "journal with a path out of the image: says why and what to do" "would leave the image.*Move that folder out of the image"
outside_intact "journal with ../"
fresh j2
ln -s "$TMP/outside" "$TMP/j2/Windows/evil"
journal "$TMP/j2" '{"format":"offstage-journal/1","pid":1,"ops":[{"op":"write","path":"Windows/evil/testdrv.sys","existed":true,"mkdirs":[],"staged":"s1"}]}'
cp "$TMP/j1-staged" "$TMP/j2/.offstage-txn/s1"
run get-drivers --image "$TMP/j2"
expect_status "journal through a link in the image: exit 2" 2
outside_intact "journal through a link"
fresh j3
journal "$TMP/j3" '{"format":"offstage-journal/1","pid":1,"ops":[{"op":"remove","path":"Windows/evil","existed":true,"mkdirs":[]}]}'
ln -s "$TMP/outside/testdrv.sys" "$TMP/j3/Windows/evil"
run get-drivers --image "$TMP/j3"
outside_intact "journal removing a link"
fresh j4
printf 'not json' > "$TMP/j4-bad"
mkdir -p "$TMP/j4/.offstage-txn" && cp "$TMP/j4-bad" "$TMP/j4/.offstage-txn/journal"
run get-drivers --image "$TMP/j4"
expect_status "garbage journal: exit 2" 2
expect_err "garbage journal: names the file and the place" '\.offstage-txn/journal: line 1'
fresh j5
mkdir -p "$TMP/j5/.offstage-txn" && echo x > "$TMP/j5/.offstage-txn/s1"
run get-drivers --image "$TMP/j5"
expect_status "a transaction folder without a journal: discarded, exit 0" 0
expect_err "discarding is reported in one line" "discarded an unfinished change"
if [ ! -e "$TMP/j5/.offstage-txn" ]; then ok "the folder is gone"; else not_ok "the folder is gone" "still there"; fi
fresh j6
mkdir -p "$TMP/j6/.offstage-txn-AbC123" && echo x > "$TMP/j6/.offstage-txn-AbC123/backup-1"
run get-drivers --image "$TMP/j6"
expect_err "an older offstage's leftover folder: removed and reported" "removed .offstage-txn-AbC123"
if [ ! -e "$TMP/j6/.offstage-txn-AbC123" ]; then ok "the older folder is gone"; else not_ok "the older folder is gone" "still there"; fi
fresh j7
journal "$TMP/j7" '{"format":"offstage-journal/1","pid":1,"ops":[{"op":"write","path":"Windows/inf/new.inf","existed":false,"mkdirs":[],"staged":"s1"}]}'
ln -s "$TMP/outside/testdrv.sys" "$TMP/j7/.offstage-txn/s1"
run get-drivers --image "$TMP/j7"
expect_status "journal whose staged copy is a link: exit 2" 2
if [ ! -e "$TMP/j7/Windows/inf/new.inf" ] && [ ! -L "$TMP/j7/Windows/inf/new.inf" ]; then ok "a staged link is never moved into the image"; else not_ok "staged link" "moved in"; fi
outside_intact "journal with a staged link"
fresh j8
mkfifo "$TMP/j8/Windows/pipe"
journal "$TMP/j8" '{"format":"offstage-journal/1","pid":1,"ops":[{"op":"remove","path":"Windows/pipe/x","existed":true,"mkdirs":[]}]}'
STATUS=0
timeout 20 "$OFFSTAGE" get-drivers --image "$TMP/j8" >"$OUT" 2>"$ERR" || STATUS=$?
if [ "$STATUS" -ne 124 ] && [ "$STATUS" -ne 137 ]; then ok "journal naming a FIFO as a folder: no hang"; else not_ok "journal naming a FIFO" "hung"; fi
fresh j9
mkdir -p "$TMP/j9/.offstage-txn"
ln -s "$TMP/outside/testdrv.sys" "$TMP/j9/.offstage-txn/journal"
echo x > "$TMP/j9/.offstage-txn/s1"
run get-drivers --image "$TMP/j9"
expect_status "a journal that cannot be opened (a link): exit 2" 2
if [ -d "$TMP/j9/.offstage-txn" ]; then ok "a journal that cannot be opened: the folder is kept, not discarded"; else not_ok "unopenable journal" "folder discarded"; fi
