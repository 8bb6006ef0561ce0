# offstage — stage Windows drivers into offline Windows images from Linux.
#
#   make          build build/offstage, the example driver packages and the
#                 manual pages
#   make man      the manual pages alone: build/man/offstage.1, offstage-CMD.1
#   make demo     install missing dependencies, build, run the main job
#   make check    all tests, then all tests again under ASan+UBSan
#   make fuzz     build the libFuzzer targets and run each for FUZZ_SECONDS
#   make bench    benchmarks (ratios against a baseline measured in the run)
#   make install  bin, liboffstage (.so and .a), headers, offstage.pc, man pages and
#                 completions under DESTDIR/PREFIX (default /usr/local); make uninstall
#   make deb      the Debian packages, built in a copy under BUILD/deb and checked by lintian
#   make soak     the crash, concurrency and disk tests in full: kill -9 at every
#                 write, 50 rounds of each racing pair, every command on every disk;
#                 the Debian packages compiled anew and checked by lintian
#
# Sources are picked up by wildcard: lib/LAYER/*.c is liboffstage (its
# layers, lowest first, in LAYERS; lib/offstage.h its public header),
# cli/*.c the command, tests/test_*.c one cmocka binary each, fuzz/fuzz_*.c
# one fuzzer each. Adding a file needs no change here.

CC       ?= cc
CLANG    ?= clang
BUILD    ?= build
PKGS     := jansson hivex libcrypto wimlib libntfs-3g libnbd
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral
CFLAGS   ?= -O2 -g
LAYERS   := base format crypto catalog image driver ops
INCS     := -Ilib $(LAYERS:%=-Ilib/%)
ALL_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 $(WARN) $(CFLAGS) \
              $(INCS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# The library, its tests, fuzzers and benchmarks may include its private
# headers; the CLI, like any program, gets offstage.h only.
LIB_CFLAGS := $(ALL_CFLAGS) -DOST_BUILDING_LIBRARY
LIBS     := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -ljansson)

LIB_SRC  := $(wildcard $(LAYERS:%=lib/%/*.c))
CLI_SRC  := $(wildcard cli/*.c)
TEST_SRC := $(wildcard tests/test_*.c)
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
HDRS     := $(wildcard lib/*.h $(LAYERS:%=lib/%/*.h) cli/*.h tests/*.h)

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
FUZZERS  := $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%)

.PHONY: all build-all demo check test test-asan fuzz bench soak deps clean examples
all: $(BUILD)/offstage examples man

deps:
	@sh scripts/deps.sh

Q := $(if $(V),,@)

# -fPIC: the same objects make the archive and the shared library.
$(BUILD)/obj/lib/%.o: lib/%.c $(HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(LIB_CFLAGS) -fPIC -c $< -o $@

$(BUILD)/obj/cli/%.o: cli/%.c $(HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/liboffstage.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/offstage: $(CLI_OBJ) $(BUILD)/liboffstage.a
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/liboffstage.a $(LIBS)

$(BUILD)/tests/%: tests/%.c $(BUILD)/liboffstage.a $(wildcard tests/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(LIB_CFLAGS) -Itests -o $@ $< $(BUILD)/liboffstage.a $(LIBS) -lcmocka

# --- example driver packages -------------------------------------------------
# Each architecture gets a complete package folder: the INFs from
# examples/virtio-snd and kernel-mode PE images compiled from one small C
# source. The same rule builds the test drivers (tests/data/*.c).
include mk/drivers.mk

# --- manual pages ---------------------------------------------------------------
include mk/man.mk

examples: $(EXAMPLE_PKGS)

# --- install, uninstall, deb ---------------------------------------------------
# The shared library, make install and the Debian packages (mk/man.mk, which
# defines MAN_PAGES, is included before it).
include mk/install.mk

# --- tests -------------------------------------------------------------------
test: all $(TESTS)
	@CC="$(CC)" CHECK_CFLAGS="$(ALL_CFLAGS)" sh scripts/check-structure.sh $(BUILD)
	@OST_BUILD=$(BUILD) sh tests/run.sh $(TESTS)

# The whole suite again with AddressSanitizer and UBSan in a separate tree.
ASAN_MAKE = $(MAKE) --no-print-directory BUILD=build/asan \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
test-asan:
	@$(ASAN_MAKE) test

build-all: all $(TESTS)

# Builds run two jobs at a time, the tests three (tests/run.sh); the
# sanitizer tree is built while the plain suite runs (its log is shown only
# when that build fails).
CHECK_JOBS ?= 2
check: deps
	@$(MAKE) --no-print-directory -j$(CHECK_JOBS) build-all
	@mkdir -p build/asan
	@$(ASAN_MAKE) build-all >build/asan/build.log 2>&1 & asan=$$!; \
	    $(MAKE) --no-print-directory test; rc=$$?; \
	    wait $$asan || { cat build/asan/build.log; exit 1; }; exit $$rc
	@: "The sanitizer pass looks for memory errors: the kill sweeps, which"; \
	: "prove atomicity and run under ptrace (no leak checks), are the plain"; \
	: "pass's; it samples fewer race rounds. The checks of the packaging and"; \
	: "of the text (man pages, completion, the README's examples and table,"; \
	: "make install, the .deb) and of the test disks' layouts are the plain"; \
	: "pass's too: the code they run runs under the sanitizers in the other"; \
	: "tests (disk.sh, media.sh, manners.sh)."; \
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    OST_TEST_SKIP="crash.sh crash_disk.sh crash_media.sh man.sh completion.sh readme_dism.sh readme_disk.sh readme_media.sh readme_example.sh testdisk.sh install.sh deb.sh" \
	    OFFSTAGE_RACE_ROUNDS=3 \
	    OST_TEST_PASS="sanitizer pass, ASan + UBSan" $(MAKE) --no-print-directory -j$(CHECK_JOBS) test-asan

# --- demo ----------------------------------------------------------------------
demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(BUILD)

# --- fuzzing -----------------------------------------------------------------
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -DOST_BUILDING_LIBRARY -g -O1 $(INCS) -fsanitize=fuzzer,address,undefined

$(BUILD)/fuzz/%: fuzz/%.c $(LIB_SRC) $(HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRC) $(LIBS)

fuzz: deps $(FUZZERS)
	@for f in $(FUZZERS); do \
	    : "Findings are written to $(BUILD)/fuzz/work-NAME/; a crash stops the run."; \
	    name=$$(basename $$f); corpus=fuzz/corpus/$${name#fuzz_}; \
	    work=$(BUILD)/fuzz/work-$$name; mkdir -p $$work; \
	    echo "fuzz: $$name for $(FUZZ_SECONDS)s (seeds: $$corpus)"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -artifact_prefix=$$work/ \
	        -print_final_stats=1 $$work $$corpus 2>$$work.log || { tail -50 $$work.log; exit 1; }; \
	    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' $$work.log; \
	done

# --- soak: what make check samples, in full ---------------------------------
soak: deps all
	@OFFSTAGE=$(BUILD)/offstage OST_BUILD=$(BUILD) OFFSTAGE_CRASH_EVERY=1 sh tests/cli/crash.sh
	@OFFSTAGE=$(BUILD)/offstage OST_BUILD=$(BUILD) OFFSTAGE_RACE_ROUNDS=50 sh tests/cli/concurrency.sh
	@OFFSTAGE=$(BUILD)/offstage OST_BUILD=$(BUILD) OFFSTAGE_DISK_ALL=1 sh tests/cli/disk.sh
	@OFFSTAGE=$(BUILD)/offstage OST_BUILD=$(BUILD) OFFSTAGE_CRASH_EVERY=1 sh tests/cli/crash_disk.sh
	@OFFSTAGE=$(BUILD)/offstage OST_BUILD=$(BUILD) OFFSTAGE_CRASH_EVERY=1 sh tests/cli/crash_media.sh
	@OFFSTAGE=$(BUILD)/offstage OST_BUILD=$(BUILD) OFFSTAGE_RACE_ROUNDS=50 sh tests/cli/concurrency_disk.sh
	@OFFSTAGE=$(BUILD)/offstage OST_BUILD=$(BUILD) OST_DEB_FULL=1 sh tests/cli/deb.sh

# --- benchmarks ----------------------------------------------------------------
$(BUILD)/bench/%: bench/%.c $(BUILD)/liboffstage.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LIB_CFLAGS) -o $@ $< $(BUILD)/liboffstage.a $(LIBS)

bench: deps all $(BUILD)/bench/fill_hive $(BUILD)/bench/give_sd
	@sh scripts/bench.sh $(BUILD)

clean:
	rm -rf build
