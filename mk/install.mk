# Installing offstage the way a Debian tool is installed: the command, the
# library as a shared object with a soname and as a static archive, its
# public headers, a pkg-config file, man pages and shell completions; and
# the Debian packages made from the same rules (debian/).
#
#   make install [PREFIX=/usr/local] [DESTDIR=] [LIBDIR=$(PREFIX)/lib]
#   make uninstall (the same variables)
#   make deb      dpkg-buildpackage in a copy of the tree under $(BUILD)/deb,
#                 then lintian, which fails the target on an error
#
# The library's version is lib/base/version.h's, read here and nowhere
# else: the soname carries its major number, the file its whole version,
# offstage.pc its version.
#
# Included after mk/man.mk when that exists: MAN_PAGES ($(BUILD)/man/*.1,
# with their rules) are then prerequisites of install. Completions are
# installed when their files exist.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

ost_version_part = $(shell awk '$$2 == "OST_VERSION_$(1)" { print $$3 }' lib/base/version.h)
OST_MAJOR := $(call ost_version_part,MAJOR)
OST_MINOR := $(call ost_version_part,MINOR)
OST_PATCH := $(call ost_version_part,PATCH)
ifeq ($(OST_MAJOR)$(OST_MINOR)$(OST_PATCH),)
$(error lib/base/version.h: no OST_VERSION_MAJOR, _MINOR, _PATCH lines of the form "#define OST_VERSION_MAJOR 0")
endif
OST_VERSION_NUMBER := $(OST_MAJOR).$(OST_MINOR).$(OST_PATCH)
OST_SONAME  := liboffstage.so.$(OST_MAJOR)
OST_SOFILE  := liboffstage.so.$(OST_VERSION_NUMBER)
SHARED_LIB  := $(BUILD)/$(OST_SOFILE)

# offstage.pc: the public headers include <jansson.h>, so a program built
# against them needs jansson's flags; the other libraries only link.
# wimlib is named by its library, not its module: Debian 12's wimlib.pc
# requires fuse, which libwim-dev does not bring, and pkg-config then
# refuses even `--cflags offstage`.
PC_REQUIRES := jansson
PC_REQUIRES_PRIVATE := $(filter-out $(PC_REQUIRES) wimlib,$(PKGS))
PC_LIBS_PRIVATE := -lwim

COMPLETIONS := $(wildcard completion/offstage.bash completion/_offstage)

.PHONY: install uninstall deb libs
all: libs
libs: $(BUILD)/liboffstage.a $(SHARED_LIB)

# The shared library exports what a program including offstage.h can name
# (the identifiers of the preprocessed public headers, inline functions'
# callees included) and nothing else: the private headers' functions stay
# inside, as they do for a program linked against the archive, which
# refuses to compile with them.
$(BUILD)/liboffstage.map: $(BUILD)/liboffstage.a $(HDRS) mk/install.mk
	$(Q)printf '#include "offstage.h"\n' | $(CC) $(ALL_CFLAGS) -E -P -x c - >$@.i
	$(Q)grep -oE '\b[oO][sS][tT]_[A-Za-z0-9_]+' $@.i | sort -u >$@.names
	$(Q)nm -g --defined-only $(BUILD)/liboffstage.a | awk 'NF == 3 { print $$3 }' | sort -u >$@.defined
	$(Q){ echo '{ global:'; comm -12 $@.names $@.defined | sed 's/.*/    &;/'; echo '  local: *;'; echo '};'; } >$@.tmp
	$(Q)rm -f $@.i $@.names $@.defined && mv $@.tmp $@

$(SHARED_LIB): $(LIB_OBJ) $(BUILD)/liboffstage.map
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(OST_SONAME) \
	    -Wl,--version-script=$(BUILD)/liboffstage.map -Wl,--no-undefined -o $@ $(LIB_OBJ) $(LIBS)
	$(Q)ln -sfn $(OST_SOFILE) $(BUILD)/$(OST_SONAME) && ln -sfn $(OST_SOFILE) $(BUILD)/liboffstage.so

# The command stays linked with the archive: build/offstage runs without
# LD_LIBRARY_PATH, and the package's offstage needs no liboffstage0.
# Headers: exactly those offstage.h pulls in (scripts/public-headers.sh),
# flat in include/offstage/ as they include each other by bare name; the
# folder is offstage's own, so it is replaced whole (no stale header).
# A program includes "offstage.h" from include/ itself, one line naming
# offstage/offstage.h: with -I on include/offstage instead, our error.h
# would hide glibc's <error.h> from the program.
install: $(BUILD)/offstage $(BUILD)/liboffstage.a $(SHARED_LIB) $(MAN_PAGES)
	$(Q)hdrs=$$(sh scripts/public-headers.sh) || exit 2; \
	set -e; \
	d='$(DESTDIR)'; \
	install -d "$$d$(BINDIR)" "$$d$(LIBDIR)" "$$d$(PKGCONFIGDIR)" "$$d$(INCLUDEDIR)"; \
	install -m 755 $(BUILD)/offstage "$$d$(BINDIR)/offstage"; \
	install -m 644 $(SHARED_LIB) $(BUILD)/liboffstage.a "$$d$(LIBDIR)/"; \
	ln -sfn $(OST_SOFILE) "$$d$(LIBDIR)/$(OST_SONAME)"; \
	ln -sfn $(OST_SOFILE) "$$d$(LIBDIR)/liboffstage.so"; \
	rm -rf "$$d$(INCLUDEDIR)/offstage"; \
	install -d "$$d$(INCLUDEDIR)/offstage"; \
	install -m 644 $$hdrs "$$d$(INCLUDEDIR)/offstage/"; \
	{ echo '/* SPDX-License-Identifier: GPL-3.0-or-later */'; \
	  echo '/* offstage.h: liboffstage'"'"'s public interface, whose headers are in offstage/ beside this one. */'; \
	  echo '#include "offstage/offstage.h"'; \
	} >"$$d$(INCLUDEDIR)/offstage.h.tmp"; \
	chmod 644 "$$d$(INCLUDEDIR)/offstage.h.tmp"; \
	mv "$$d$(INCLUDEDIR)/offstage.h.tmp" "$$d$(INCLUDEDIR)/offstage.h"; \
	{ echo 'prefix=$(PREFIX)'; \
	  echo 'libdir=$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))'; \
	  echo 'includedir=$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))'; \
	  echo; \
	  echo 'Name: offstage'; \
	  echo 'Description: Stage Windows drivers into offline Windows images'; \
	  echo 'Version: $(OST_VERSION_NUMBER)'; \
	  echo 'Requires: $(PC_REQUIRES)'; \
	  echo 'Requires.private: $(PC_REQUIRES_PRIVATE)'; \
	  echo 'Cflags: -I$${includedir}'; \
	  echo 'Libs: -L$${libdir} -loffstage'; \
	  echo 'Libs.private: $(PC_LIBS_PRIVATE)'; \
	} >"$$d$(PKGCONFIGDIR)/offstage.pc.tmp"; \
	chmod 644 "$$d$(PKGCONFIGDIR)/offstage.pc.tmp"; \
	mv "$$d$(PKGCONFIGDIR)/offstage.pc.tmp" "$$d$(PKGCONFIGDIR)/offstage.pc"
	$(if $(MAN_PAGES),$(Q)install -d "$(DESTDIR)$(MANDIR)/man1" && install -m 644 $(MAN_PAGES) "$(DESTDIR)$(MANDIR)/man1/")
	$(if $(filter completion/offstage.bash,$(COMPLETIONS)),$(Q)install -d "$(DESTDIR)$(DATADIR)/bash-completion/completions" && \
	    install -m 644 completion/offstage.bash "$(DESTDIR)$(DATADIR)/bash-completion/completions/offstage")
	$(if $(filter completion/_offstage,$(COMPLETIONS)),$(Q)install -d "$(DESTDIR)$(DATADIR)/zsh/vendor-completions" && \
	    install -m 644 completion/_offstage "$(DESTDIR)$(DATADIR)/zsh/vendor-completions/_offstage")

# Removes every file install puts in place; the shared folders stay (they
# may hold other programs' files), include/offstage goes with its headers
# and include/offstage.h.
uninstall:
	$(Q)d='$(DESTDIR)'; \
	rm -f "$$d$(BINDIR)/offstage" "$$d$(LIBDIR)/$(OST_SOFILE)" "$$d$(LIBDIR)/$(OST_SONAME)" \
	    "$$d$(LIBDIR)/liboffstage.so" "$$d$(LIBDIR)/liboffstage.a" "$$d$(PKGCONFIGDIR)/offstage.pc" \
	    "$$d$(DATADIR)/bash-completion/completions/offstage" "$$d$(DATADIR)/zsh/vendor-completions/_offstage" \
	    $(foreach m,$(notdir $(MAN_PAGES)),"$$d$(MANDIR)/man1/$(m)"); \
	rm -rf "$$d$(INCLUDEDIR)/offstage" "$$d$(INCLUDEDIR)/offstage.h"

# --- Debian packages -----------------------------------------------------------
# Built in a copy of the tree (the files git knows, committed or not; or the
# whole tree but build/ outside a git checkout), so that dpkg-buildpackage's
# .deb, .changes and .buildinfo land in DEB_DIR and not in the parent of the
# repository.
#
# DEB_PREBUILT=DIR packages the objects already built in DIR instead of
# compiling anew with Debian's flags (tests/cli/deb.sh, which checks the
# packaging, not the compiler): the copy keeps the files' times, so make
# finds everything up to date, and dpkg-buildpackage does not clean first.
# DEB_LINTIAN= (empty) leaves lintian out.
DEB_DIR ?= $(BUILD)/deb
DEB_LINTIAN ?= lintian --fail-on error
DEB_SRC := $(DEB_DIR)/offstage-$(OST_VERSION_NUMBER)
deb: deps
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_SRC)
	$(Q)if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	    git ls-files -z --cached --others --exclude-standard | \
	        xargs -0 sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' sh | \
	        tar --null -T - -cf - | tar -C $(DEB_SRC) -xf -; \
	else \
	    tar --exclude=./build --exclude=./$(BUILD) -cf - . | tar -C $(DEB_SRC) -xf -; \
	fi
	$(if $(DEB_PREBUILT),$(Q)mkdir -p $(DEB_SRC)/debian/build && \
	    cp -a $(DEB_PREBUILT)/obj $(DEB_PREBUILT)/offstage $(DEB_PREBUILT)/liboffstage.* $(DEB_SRC)/debian/build/)
	$(Q)cd $(DEB_SRC) && dpkg-buildpackage -us -uc -b $(if $(DEB_PREBUILT),--no-pre-clean)
	$(if $(DEB_LINTIAN),$(Q)$(DEB_LINTIAN) $(DEB_DIR)/*.changes)
