#!/bin/sh
# man.sh OFFSTAGE [COMMAND]: prints the manual page offstage-COMMAND(1), or
# offstage(1) without COMMAND, in roff (man macros) on stdout.
#
# The page is rendered from the binary's own output, `offstage help COMMAND`
# (or `offstage --help`), so that the page and the help never disagree:
# there is one text, in cli/, and this only maps its structure to roff.
#   usage: lines           SYNOPSIS, one hanging line per form
#   the command table      NAME ("offstage-add-driver \- ..."), from --help
#   paragraphs             DESCRIPTION, filled
#   "Options:" and what    OPTIONS (an indented "TAG  text" line is a .TP
#     follows              item, "- " and "1. " lines list items)
#   "Commands:"            COMMANDS (the same)
#   "Examples:" block      EXAMPLES, literal (.nf)
#   "Exit status: ..."     EXIT STATUS
# and SEE ALSO. An indented line that is none of these is kept literal.
# A help text the rules here do not fit is better changed a little (keep
# a gap of two spaces between an option and its text) than given a special
# case here.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: sh scripts/man.sh OFFSTAGE [COMMAND]" >&2
    exit 2
fi
bin=$1
cmd=${2:-}

overview=$("$bin" --help)
version=$("$bin" --version | sed 's/^offstage //')
commands=$(printf '%s\n' "$overview" |
    awk '/^Commands:$/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on { exit }')
if [ -z "$commands" ]; then
    echo "man.sh: '$bin --help' lists no commands (no \"Commands:\" block)" >&2
    exit 2
fi

if [ -n "$cmd" ]; then
    summary=$(printf '%s\n' "$overview" | awk -v c="$cmd" '
        /^Commands:$/ { on = 1; next }
        on && $1 == c { sub(/^ *[^ ]+ +/, ""); print; exit }')
    if [ -z "$summary" ]; then
        echo "man.sh: '$bin --help' lists no command '$cmd'" >&2
        exit 2
    fi
    help=$("$bin" help "$cmd")
    page="offstage-$cmd"
    seealso="offstage"
else
    # "offstage stages Windows drivers ...: no Windows host, ..." gives
    # "offstage \- stages Windows drivers ..."
    summary=$(printf '%s\n' "$overview" | awk 'NR > 1 && /^offstage / { sub(/^offstage /, ""); sub(/:.*/, ""); print; exit }')
    help=$overview
    page="offstage"
    seealso=""
fi
for c in $commands; do
    [ "$c" = "$cmd" ] || seealso="$seealso offstage-$c"
done
seealso="$seealso wimlib-imagex hivexregedit"

printf '%s\n' "$help" | awk -v page="$page" -v cmd="$cmd" -v summary="$summary" \
    -v version="$version" -v seealso="$seealso" '
function esc(s,    out, i, c, n) {
    out = ""
    n = length(s)
    for (i = 1; i <= n; i++) {
        c = substr(s, i, 1)
        if (c == "\\") out = out "\\e\\:"
        else if (c == "&" || c == "]") out = out c "\\:"
        else if (c == "-") out = out "\\-"
        else if (c == SQ) out = out "\\(aq"
        else if (c == "`") out = out "\\(ga"
        else if (c == "^") out = out "\\(ha"
        else if (c == "~") out = out "\\(ti"
        else out = out c
    }
    if (substr(out, 1, 1) == ".") out = "\\&" out
    return out
}
function strip(s) { sub(/^ +/, "", s); sub(/ +$/, "", s); return s }
function indent(s) { if (s == "") return -1; match(s, /^ */); return RLENGTH }
# an option tag: its -words bold
function tagtext(t,    w, k, nw, out) {
    nw = split(t, w, " ")
    out = ""
    for (k = 1; k <= nw; k++)
        out = out (k > 1 ? " " : "") (w[k] ~ /^-/ ? "\\fB" esc(w[k]) "\\fR" : esc(w[k]))
    return out
}
# a tagged paragraph whose text starts at the column of the help text
# (within reason: a wide column would leave little room on a terminal)
function tp(w) { if (w < runw) w = runw; return ".TP " (w < 4 ? 4 : w > 20 ? 20 : w) "n" }
function emit(s) {
    if (sect == "exit") exitbuf = exitbuf s "\n"
    else if (sect == "examples") exbuf = exbuf s "\n"
    else body = body s "\n"
}
function heading(s) { return s ~ /^(Options|Commands|Examples?( .*)?):$/ }
# the continuation lines of the item at line k (deeper than base), filled;
# a line that starts a sub-item of its own starts a new output line
function cont(k, last, base,    m, col) {
    if (k + 1 > last || I[k + 1] <= base) return k
    col = I[k + 1]
    for (m = k + 1; m <= last && I[m] > base; m++) {
        if ((I[m] == col && ((m + 1 <= last && I[m + 1] > col) || (m > k + 1 && I[m - 1] > col))) ||
            strip(L[m]) ~ /^- /)
            emit(".br")
        emit(esc(strip(L[m])))
    }
    return m - 1
}
# the indented lines first..last
function run(first, last,    base, k, s, p, tag, desc, c, raw, literal, lit) {
    base = I[first]
    for (k = first; k <= last; k++) if (I[k] < base) base = I[k]
    # one width for the items of a run: the widest column of their texts
    runw = 0
    for (k = first; k <= last; k++)
        if (I[k] == base && (p = match(strip(L[k]), /  +/)) > 1 && p - 1 + RLENGTH > runw)
            runw = p - 1 + RLENGTH
    lit = 0
    for (k = first; k <= last; k++) {
        s = strip(L[k])
        literal = 0
        if (I[k] > base) {
            literal = 1
        } else if (s ~ /^- /) {
            emit(".IP \\- 4"); emit(esc(substr(s, 3)))
        } else if (s ~ /^[0-9]+\. /) {
            p = index(s, " ")
            emit(".IP " substr(s, 1, p - 1) " 4"); emit(esc(strip(substr(s, p + 1))))
        } else if ((p = match(s, /  +/)) > 1) {
            tag = substr(s, 1, p - 1); desc = substr(s, p + RLENGTH)
            emit(tp(p - 1 + RLENGTH)); emit(tagtext(tag)); emit(esc(desc))
        } else if (k < last && I[k + 1] > base) {
            # "--set NAME on|off NAME is ..." with its text in the column
            # the next line starts at; else the tag is the whole line
            c = I[k + 1]; raw = L[k]
            if (length(raw) > c && substr(raw, c, 1) == " " && substr(raw, c + 1, 1) != " ") {
                tag = strip(substr(raw, 1, c)); desc = substr(raw, c + 1)
                emit(tp(c - base)); emit(tagtext(tag)); emit(esc(desc))
            } else {
                emit(tp(c - base)); emit(tagtext(s))
            }
        } else {
            literal = 1
        }
        if (literal) {
            if (!lit) { emit(".RS 2"); emit(".nf") }
            emit(esc(substr(L[k], base + 1)))
            lit = 1
            continue
        }
        if (lit) { emit(".fi"); emit(".RE"); lit = 0 }
        k = cont(k, last, base)
    }
    if (lit) { emit(".fi"); emit(".RE") }
    return lit
}
BEGIN { SQ = sprintf("%c", 39) }
{ L[++n] = $0; sub(/ +$/, "", L[n]); I[n] = indent(L[n]) }
END {
    print ".\\\" Made by scripts/man.sh from `offstage " (cmd == "" ? "--help" : "help " cmd) "`:"
    print ".\\\" change that text (cli/), not this page."
    print ".TH " esc(toupper(page)) " 1 \"\" \"offstage " esc(version) "\" \"offstage manual\""
    print ".nh"
    print ".ad l"
    print ".SH NAME"
    print esc(page) " \\- " esc(summary)

    # usage: the first block
    nf = 0
    for (i = 1; i <= n && L[i] != ""; i++) {
        s = L[i]
        if (s ~ /^usage: /) { sub(/^usage: +/, "", s); form[++nf] = s }
        else if (s ~ /^ +offstage / || nf == 0) form[++nf] = strip(s)
        else form[nf] = form[nf] " " strip(s)
    }
    print ".SH SYNOPSIS"
    print ".in +4n"
    for (f = 1; f <= nf; f++) {
        s = form[f]
        lead = (cmd != "" && index(s, "offstage " cmd) == 1) ? "offstage " cmd : "offstage"
        if (f > 1) print ".br"
        print ".ti -4n"
        print "\\fB" esc(lead) "\\fR" esc(substr(s, length(lead) + 1))
    }
    print ".in -4n"

    sect = "main"
    body = ""
    glue = 0
    while (i <= n) {
        if (L[i] == "") { i++; glue = 0; continue }
        if (I[i] > 0) {
            for (j = i; j <= n && I[j] > 0; j++) ;
            glue = run(i, j - 1)
            i = j
            continue
        }
        s = L[i]
        if (heading(s) && i < n && I[i + 1] > 0) {
            if (s ~ /^Examples?/) {
                sect = "examples"
                if (s != "Examples:") { emit(".PP"); emit(esc(s)) }
                for (j = i + 1; j <= n && I[j] > 0; j++) ;
                base = I[i + 1]
                for (k = i + 1; k < j; k++) if (I[k] < base) base = I[k]
                emit(".PP"); emit(".nf"); emit(".RS 4")
                for (k = i + 1; k < j; k++) emit(esc(substr(L[k], base + 1)))
                emit(".RE"); emit(".fi")
                sect = "main"
                i = j
            } else {
                sub(/:$/, "", s)
                body = body ".SH " toupper(s) "\n"
                i++
            }
            continue
        }
        if (s ~ /^Exit status:/) {
            sect = "exit"
            sub(/^Exit status: */, "", s)
            emit(".PP")
            if (s != "") emit(esc(s))
            for (i++; i <= n && L[i] != "" && I[i] == 0 && !heading(L[i]); i++) emit(esc(L[i]))
            sect = "main"
            glue = 0
            continue
        }
        if (!glue) emit(".PP")
        emit(esc(s))
        for (i++; i <= n && L[i] != "" && I[i] == 0 && L[i] !~ /^Exit status:/ && !heading(L[i]); i++)
            emit(esc(L[i]))
        glue = 0
    }
    print ".SH DESCRIPTION"
    printf "%s", body
    if (exitbuf != "") { print ".SH EXIT STATUS"; printf "%s", exitbuf }
    if (exbuf != "") { print ".SH EXAMPLES"; printf "%s", exbuf }
    print ".SH SEE ALSO"
    ns = split(seealso, sa, " ")
    for (k = 1; k <= ns; k++) print ".BR " esc(sa[k]) " (1)" (k < ns ? "," : "")
}'
