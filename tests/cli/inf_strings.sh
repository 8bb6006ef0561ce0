# CLI tests: which [Strings] section an INF's %keys% come from, with and
# without an image (its language is SYSTEM's Control\Nls\Language).
. tests/cli/lib.sh

# The example INF with its provider taken from three Strings sections.
mkdir -p "$TMP/pkg"
sed -e 's/^Provider *=.*/Provider = %Prov%/' examples/virtio-snd/aero_virtio_snd.inf >"$TMP/pkg/aero_virtio_snd.inf"
printf '\r\n[Strings.0407]\r\nProv = "Deutsch"\r\n[Strings.0409]\r\nProv = "English"\r\n[Strings]\r\nProv = "Neutral"\r\n' \
    >>"$TMP/pkg/aero_virtio_snd.inf"

run check-package "$TMP/pkg" --arch amd64
expect_out "no language named: [Strings.0409] before [Strings], as on an English Windows" "provider English,"

run check-package "$TMP/pkg" --arch amd64 --locale 040c
expect_out "a language without its section: [Strings]" "provider Neutral,"

run check-package "$TMP/pkg" --arch amd64 --locale 0407
expect_out "--locale 0407: [Strings.0407]" "provider Deutsch,"

# an image whose Windows is German
"$OFFSTAGE" make-test-image "$TMP/de" --arch amd64 >/dev/null 2>&1
cat >"$TMP/de.reg" <<'REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Nls]

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Nls\Language]
"Default"="0407"
"InstallLanguage"="0409"
REG
hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$TMP/de/Windows/System32/config/SYSTEM" "$TMP/de.reg"
[ "$(hivexget "$TMP/de/Windows/System32/config/SYSTEM" 'ControlSet001\Control\Nls\Language' Default)" = 0407 ] &&
    ok "hivexget reads the German image's language" || not_ok "hivexget reads the German image's language" "not 0407"

run check-package "$TMP/pkg" --image "$TMP/de"
expect_out "--image of a German Windows: its [Strings.0407]" "provider Deutsch,"

run check-package "$TMP/pkg" --image "$TMP/de" --locale 0409
expect_out "--locale wins over the image's language" "provider English,"

# the real Windows 7 SP1 SYSTEM hive: Default and InstallLanguage are 0409
XZ="$SHARED/fixtures/hives/win7sp1-SYSTEM.xz"
if [ -f "$XZ" ]; then
    "$OFFSTAGE" make-test-image "$TMP/real" --arch x86 >/dev/null 2>&1
    xz -dc "$XZ" >"$TMP/real/Windows/System32/config/SYSTEM"
    [ "$(hivexget "$TMP/real/Windows/System32/config/SYSTEM" 'ControlSet001\Control\Nls\Language' Default)" = 0409 ] &&
        ok "hivexget: the real hive's language is 0409" || not_ok "hivexget: the real hive's language is 0409" "not 0409"
    run check-package "$TMP/pkg" --image "$TMP/real"
    expect_out "--image with the real hive: [Strings.0409]" "provider English,"
else
    echo "skip real hive: $XZ absent"
fi
