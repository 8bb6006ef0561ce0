# Kernel-mode PE images compiled with mingw-w64. They do nothing, but they are
# real drivers: native subsystem, DriverEntry entry point, no imports, and a
# PE checksum computed by the linker, exactly what a Windows loader and our
# PE reader look at.

MINGW_x86     := i686-w64-mingw32-gcc
MINGW_amd64   := x86_64-w64-mingw32-gcc
DRV_ENTRY_x86   := _DriverEntry@8
DRV_ENTRY_amd64 := DriverEntry
DRV_CFLAGS := -O2 -nostdlib -ffreestanding -fno-asynchronous-unwind-tables -s \
              -Wl,--subsystem,native -Wl,--no-insert-timestamp

# $(call build-driver,ARCH,NAME,SOURCE,OUTPUT)
define build-driver
	@mkdir -p $(dir $(4))
	@$(if $(Q),echo "  MINGW   $(4)")
	$(Q)$(MINGW_$(1)) $(DRV_CFLAGS) -Wl,--entry,$(DRV_ENTRY_$(1)) \
	    -DDRIVER_NAME='"$(2)"' -o $(4) $(3)
endef

EXAMPLE_DIR  := $(BUILD)/examples/virtio-snd
EXAMPLE_INFS := aero_virtio_snd.inf aero-virtio-snd-legacy.inf
EXAMPLE_PKGS := $(foreach a,x86 amd64,\
    $(EXAMPLE_DIR)/$(a)/aero_virtio_snd.sys $(EXAMPLE_DIR)/$(a)/virtiosnd_legacy.sys \
    $(addprefix $(EXAMPLE_DIR)/$(a)/,$(EXAMPLE_INFS)))

$(EXAMPLE_DIR)/%/aero_virtio_snd.sys: examples/virtio-snd/src/driver.c
	$(call build-driver,$*,aero_virtio_snd,$<,$@)

$(EXAMPLE_DIR)/%/virtiosnd_legacy.sys: examples/virtio-snd/src/driver.c
	$(call build-driver,$*,virtiosnd_legacy,$<,$@)

$(EXAMPLE_DIR)/x86/%.inf: examples/virtio-snd/%.inf
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

$(EXAMPLE_DIR)/amd64/%.inf: examples/virtio-snd/%.inf
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

# Drivers the tests use to build packages of their own (right and wrong
# architecture, boot-critical, ...): $(BUILD)/testdrivers/ARCH/NAME.sys
TEST_DRIVER_NAMES := testdrv
TEST_DRIVERS := $(foreach a,x86 amd64,$(foreach n,$(TEST_DRIVER_NAMES),$(BUILD)/testdrivers/$(a)/$(n).sys))

$(BUILD)/testdrivers/%/testdrv.sys: examples/virtio-snd/src/driver.c
	$(call build-driver,$*,testdrv,$<,$@)

examples: $(TEST_DRIVERS)
