# Manual pages: offstage(1) and offstage-COMMAND(1) for every command,
# rendered by scripts/man.sh from the built binary's own help (`offstage
# --help`, `offstage help COMMAND`), so that a page never says other than
# the help does. The commands are those of the command table in
# cli/main.c (ost_cmd_check_package is check-package); tests/cli/man.sh
# checks that they are the ones `offstage --help` lists.
MAN_CMDS  := $(shell awk '/commands\[\] = \{/ { on = 1; next } on && /^\};/ { exit } \
                 on { while (match($$0, /ost_cmd_[a-z0-9_]+/)) { \
                     n = substr($$0, RSTART + 8, RLENGTH - 8); gsub(/_/, "-", n); print n; \
                     $$0 = substr($$0, RSTART + RLENGTH) } }' cli/main.c)
MAN_PAGES := $(BUILD)/man/offstage.1 $(MAN_CMDS:%=$(BUILD)/man/offstage-%.1)

.PHONY: man
man: $(MAN_PAGES)

$(BUILD)/man/offstage.1: $(BUILD)/offstage scripts/man.sh
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  MAN     $@")
	$(Q)sh scripts/man.sh $(BUILD)/offstage >$@.tmp && mv $@.tmp $@

$(BUILD)/man/offstage-%.1: $(BUILD)/offstage scripts/man.sh
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  MAN     $@")
	$(Q)sh scripts/man.sh $(BUILD)/offstage $* >$@.tmp && mv $@.tmp $@
