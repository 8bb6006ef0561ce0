# CLI tests for the manual pages (mk/man.mk, scripts/man.sh): a page for
# offstage and for every command `offstage --help` lists, each rendered by
# groff and man without a warning, holding every line of the command's
# help (so the two cannot disagree), with NAME, SYNOPSIS, EXIT STATUS,
# EXAMPLES and SEE ALSO. The pages are the build's ($BUILD/man), else
# rendered here by the same script.
. tests/cli/lib.sh

if ! command -v groff >/dev/null 2>&1 || ! command -v man >/dev/null 2>&1; then
    echo "skip: groff or man absent (scripts/deps.sh installs groff-base and man-db)"
    exit 0
fi

commands=$("$OFFSTAGE" --help | awk '/^Commands:$/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on { exit }')
MAN="$BUILD/man"
if [ ! -f "$MAN/offstage.1" ]; then
    MAN="$TMP/man"
    mkdir -p "$MAN"
    sh scripts/man.sh "$OFFSTAGE" >"$MAN/offstage.1"
    for c in $commands; do sh scripts/man.sh "$OFFSTAGE" "$c" >"$MAN/offstage-$c.1"; done
fi

# the pages make builds are those of the command table in cli/main.c
made=$(echo 'pages: ; @echo $(MAN_PAGES)' | make -s --no-print-directory -f mk/man.mk -f - BUILD=B pages |
    tr ' ' '\n' | sed -n 's|^B/man/offstage-\(.*\)\.1$|\1|p')
if [ -n "$commands" ] && [ "$made" = "$commands" ]; then
    ok "man: mk/man.mk makes a page for each of the $(echo "$commands" | wc -l) commands --help lists"
else
    not_ok "man: MAN_PAGES" "made: $(echo $made); listed: $(echo $commands)"
fi

# normalized for comparing: lower case, no white space (filling and the
# page width move line breaks) and no colons ("Exit status:" is the page's
# EXIT STATUS heading), without "usage" (SYNOPSIS)
normalize() { sed -e 's/^usage: //' | tr 'A-Z' 'a-z' | tr -d ' \t:'; }
rendered() { MANWIDTH=200 MAN_KEEP_FORMATTING= man -l "$1" 2>/dev/null | col -b; }

for page in offstage $(for c in $commands; do echo "offstage-$c"; done); do
    f="$MAN/$page.1"
    if [ ! -s "$f" ]; then
        not_ok "man: $page.1" "missing"
        continue
    fi
    groff -ww -z -man "$f" >"$TMP/warn" 2>&1
    MANWIDTH=80 man --warnings -l "$f" 2>>"$TMP/warn" >"$TMP/page80"
    if [ ! -s "$TMP/warn" ] && [ -s "$TMP/page80" ]; then
        ok "man: $page.1 renders without warnings (groff -ww, man --warnings at 80 columns)"
    else
        cp "$TMP/warn" "$ERR"
        not_ok "man: $page.1 renders without warnings" "$(head -3 "$TMP/warn")"
    fi

    rendered "$f" >"$TMP/text"
    cmd=${page#offstage-}
    if [ "$page" = offstage ]; then "$OFFSTAGE" --help; else "$OFFSTAGE" help "$cmd"; fi >"$TMP/help"
    normalize <"$TMP/text" | tr -d '\n' >"$TMP/text.n"
    missing=$(normalize <"$TMP/help" | paste -d'\t' - "$TMP/help" | awk -F'\t' -v page="$TMP/text.n" '
        BEGIN { getline text <page }
        $1 != "" && index(text, $1) == 0 { print $2; exit }')
    if [ "$(wc -l <"$TMP/help")" -gt 3 ] && [ -z "$missing" ]; then
        ok "man: $page.1 holds every line of its help text ($(wc -l <"$TMP/help") lines)"
    else
        cp "$TMP/text" "$OUT"
        not_ok "man: $page.1 holds its help" "this help line is not on the page: $missing"
    fi

    sections=$(grep -E '^[A-Z][A-Z ]+$' "$TMP/text" | tr '\n' ',')
    case $sections in
    NAME,SYNOPSIS,DESCRIPTION,*EXIT\ STATUS,EXAMPLES,SEE\ ALSO,) ok "man: $page.1 sections: $sections" ;;
    *) cp "$TMP/text" "$OUT"; not_ok "man: $page.1 sections" "$sections" ;;
    esac

    if [ "$page" = offstage ]; then
        summary="stages Windows drivers into offline Windows images from Linux"
    else
        summary=$("$OFFSTAGE" --help | awk -v c="$cmd" '$1 == c { sub(/^ *[^ ]+ +/, ""); print; exit }')
    fi
    if sed -n '/^NAME$/,/^SYNOPSIS$/p' "$TMP/text" | tr -s ' \n' '  ' | grep -qF "$page - $summary"; then
        ok "man: $page.1 NAME is the summary --help gives"
    else
        cp "$TMP/text" "$OUT"
        not_ok "man: $page.1 NAME" "lacks '$page - $summary'"
    fi
    also=$(sed -n '/^SEE ALSO$/,$p' "$TMP/text" | tr -s ' \n' '  ')
    want="wimlib-imagex(1) hivexregedit(1)"
    [ "$page" = offstage ] || want="offstage(1) $want"
    for c in $commands; do [ "$c" = "$cmd" ] || want="$want offstage-$c(1)"; done
    miss=""
    for w in $want; do case $also in *"$w"*) ;; *) miss="$miss $w" ;; esac; done
    if [ -z "$miss" ]; then ok "man: $page.1 SEE ALSO names the other pages"; else
        cp "$TMP/text" "$OUT"; not_ok "man: $page.1 SEE ALSO" "lacks$miss"
    fi
done

# what roff would take for its own: backslashes, quotes, a leading dot
rendered "$MAN/offstage-setupapi-log.1" >"$OUT"
expect_out "man: a help text's backslashes and quotes come out as typed" \
    "'PCI\\\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\\\\3&13c0b0c5&0&18'"
cat >"$TMP/fake" <<'FAKE'
#!/bin/sh
case $1 in
--help) printf 'usage: offstage COMMAND\n\nCommands:\n  x  a test\n' ;;
--version) echo 'offstage 0' ;;
help) printf "usage: offstage x\n\n.TH not a request\n\n'quote first\n\nExit status: 0.\n" ;;
esac
FAKE
chmod +x "$TMP/fake"
if sh scripts/man.sh "$TMP/fake" x >"$TMP/x.1" 2>"$ERR"; then
    rendered "$TMP/x.1" >"$OUT"
    if grep -q '^ *\.TH not a request$' "$OUT" && grep -q "^ *'quote first$" "$OUT"; then
        ok "man: lines starting with a dot or a quote stay text"
    else
        not_ok "man: a leading dot or quote" "lost"
    fi
else
    not_ok "man: scripts/man.sh on a small help" "failed"
fi
sh scripts/man.sh "$OFFSTAGE" no-such-command >"$OUT" 2>"$ERR"
STATUS=$?
expect_status "man: scripts/man.sh refuses a command --help does not list" 2
expect_err "man: ... and says which" "no command 'no-such-command'"
