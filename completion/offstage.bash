# bash completion for offstage. Source it, or install it as
# /usr/share/bash-completion/completions/offstage.
#
# The commands and each command's options are read from offstage itself
# (`offstage --help`, `offstage help COMMAND`), once per shell, so that they
# follow the binary on PATH and never go stale; --index is completed with
# the image numbers of the WIM the line's --image names (`offstage wim-info
# --json`), and nothing when that is not a WIM. Needs no bash-completion
# helpers.

declare -gA _offstage_options_of 2>/dev/null || true

# the commands `offstage --help` lists
_offstage_commands() {
    if [[ -z ${_offstage_command_list-} ]]; then
        _offstage_command_list=$(command offstage --help 2>/dev/null |
            awk '/^Commands:$/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on { exit }')
    fi
    printf '%s\n' "$_offstage_command_list"
}

# the options of COMMAND: those of its usage lines and of its help's option
# lists (indented lines that start with an option)
_offstage_options() {
    local cmd=$1
    if [[ -z ${_offstage_options_of[$cmd]-} ]]; then
        _offstage_options_of[$cmd]=$(command offstage help "$cmd" 2>/dev/null | awk '
            NR == 1 || (NR > 1 && usage && /^ /) || /^ +-/ {
                usage = (NR == 1 || usage)
                line = $0
                while (match(line, /--[a-z][a-z0-9-]*/)) {
                    print substr(line, RSTART, RLENGTH)
                    line = substr(line, RSTART + RLENGTH)
                }
                next
            }
            { usage = 0 }' | sort -u)
        _offstage_options_of[$cmd]+=$'\n--help'
    fi
    printf '%s\n' "${_offstage_options_of[$cmd]}"
}

# a word as the shell will pass it: quotes removed, a leading ~ expanded
_offstage_unquote() {
    local w=$1
    if [[ $w == \'*\' || $w == \"*\" ]]; then w=${w:1:${#w}-2}; fi
    [[ $w == '~'/* ]] && w=$HOME/${w#'~/'}
    printf '%s' "$w"
}

# _offstage_value: the value of option OPT on the line (the last one
# given), or nothing
_offstage_option_value() {
    local opt=$1 i
    for ((i = 2; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        "$opt") if [[ ${COMP_WORDS[i + 1]-} == = ]]; then
                    ((i + 2 < COMP_CWORD)) && _offstage_value=${COMP_WORDS[i + 2]}
                elif ((i + 1 < COMP_CWORD)); then
                    _offstage_value=${COMP_WORDS[i + 1]}
                fi ;;
        "$opt"=*) _offstage_value=${COMP_WORDS[i]#*=} ;;
        esac
    done
}

# the image numbers of WIM FILE and "all"; nothing when FILE is not a WIM
_offstage_wim_indexes() {
    local json
    [[ -f $1 ]] || return 0
    json=$(command offstage wim-info --json "$1" 2>/dev/null) || return 0
    printf '%s\n' "$json" | sed -n 's/^ *"index": *\([0-9][0-9]*\),*$/\1/p'
    echo all
}

# COMPREPLY: the words of LIST that start with cur
_offstage_reply() {
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$1" -- "$cur"))
}

_offstage_files() {
    local IFS=$'\n'
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
}

_offstage() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]-}
    local cmd=${COMP_WORDS[1]-} opt=$prev _offstage_value=
    COMPREPLY=()
    if ((COMP_CWORD == 1)); then
        _offstage_reply "$(_offstage_commands)"$'\n--help\n--version\nhelp'
        return 0
    fi
    if [[ $cmd == help ]]; then
        ((COMP_CWORD == 2)) && _offstage_reply "$(_offstage_commands)"
        return 0
    fi
    # --opt=value: bash splits it at "="
    if [[ $cur == = ]]; then
        opt=$prev cur=
    elif [[ $prev == = ]]; then
        opt=${COMP_WORDS[COMP_CWORD - 2]}
    fi
    case $opt in
    --index | --install-index)
        local wim prefix= list
        if [[ $opt == --index ]]; then
            _offstage_option_value --image
            wim=$(_offstage_unquote "$_offstage_value")
        else
            # media: the install.wim of SOURCE, when SOURCE is a folder
            local i
            for ((i = 2; i < COMP_CWORD; i++)); do
                [[ ${COMP_WORDS[i]} != -* && -d $(_offstage_unquote "${COMP_WORDS[i]}") ]] &&
                    wim=$(_offstage_unquote "${COMP_WORDS[i]}")/sources/install.wim && break
            done
        fi
        list=$(_offstage_wim_indexes "$wim")
        # a list such as 1,3: complete its last number
        if [[ $cur == *,* && -n $list ]]; then
            prefix=${cur%,*},
            list=$(printf '%s\n' "$list" | grep -v '^all$' | sed "s/^/$prefix/")
        fi
        _offstage_reply "$list"
        return 0 ;;
    --boot-index) _offstage_reply $'2\nall'; return 0 ;;
    --arch) _offstage_reply $'x86\namd64'; return 0 ;;
    --format | --output-format) _offstage_reply $'raw\nqcow2\nvpc\nvhdx\nvmdk'; return 0 ;;
    --digest) _offstage_reply $'sha1\nsha256'; return 0 ;;
    --type) _offstage_reply $'dword\nsz'; return 0 ;;
    --partitioning) _offstage_reply $'mbr\ngpt'; return 0 ;;
    --state) _offstage_reply $'installed\ngeneralized\nwinpe\nnone'; return 0 ;;
    --sha2-update) _offstage_reply $'installed\nstaged\nabsent'; return 0 ;;
    --set | --check) _offstage_reply $'testsigning\nnointegritychecks'; return 0 ;;
    --store)
        if [[ $cmd != bcd ]]; then
            _offstage_reply $'ROOT\nTrustedPublisher\nCA\nAuthRoot\nDisallowed\nMy\nTrustedPeople'
            return 0
        fi ;;
    --os)
        if [[ $cmd == make-cat ]]; then
            _offstage_reply $'7_X86\n7_X64\nServer2008R2_X64\nVista_X86\nVista_X64\nServer2008_X86\nServer2008_X64'
        else
            _offstage_reply $'6.1\n6.0'
        fi
        return 0 ;;
    esac
    # bcd --set NAME on|off
    if [[ ${COMP_WORDS[COMP_CWORD - 2]-} == --set && $cmd == bcd ]]; then
        _offstage_reply $'on\noff'
        return 0
    fi
    if [[ $cur == -* ]]; then
        _offstage_reply "$(_offstage_options "$cmd")"
        return 0
    fi
    _offstage_files
}

complete -F _offstage offstage
