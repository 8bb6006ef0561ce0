/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * testimage.h — a stand-in for an offline Windows 7 SP1 installation, for
 * users' pipelines, our tests, the demo and the benchmarks (Windows images
 * cannot be shipped). It is NOT Windows: it holds only what offstage reads
 * and writes, with the names, types and layout of the real thing:
 *
 *   Windows\System32\config\SYSTEM     Select, ControlSet001 (Environment,
 *       CriticalDeviceDatabase and services of a few inbox storage drivers,
 *       the MEDIA class key, Enum\PCI devnodes for --with-device)
 *   Windows\System32\config\SOFTWARE   CurrentVersion (6.1, build 7601,
 *       Service Pack 1, edition), DevicePath = %SystemRoot%\inf, empty
 *       ROOT, TrustedPublisher, CA and Disallowed certificate stores
 *       (SystemCertificates\<STORE>\Certificates, CRLs, CTLs)
 *   Windows\System32\config\BCD-Template   like Windows 7's: bootmgr and
 *       the settings objects ({globalsettings}, {bootloadersettings},
 *       {dbgsettings}, ...), no Windows Boot Loader (bcdboot creates it)
 *   Windows\System32\ntoskrnl.exe, kernel32.dll   PE stubs of the right
 *                                      machine type (WIM tools read the
 *                                      architecture from kernel32.dll)
 *   Windows\inf\ks.inf, wdmaudio.inf   stubs with the sections INFs Need
 *
 * Hives start as empty hives (regf.h) and are filled through hivex.
 */
#ifndef OST_TESTIMAGE_H
#define OST_TESTIMAGE_H

#include <stdbool.h>

#include "arch.h"
#include "error.h"
#include "hwid.h"

/* A PCI devnode as Windows 7 leaves it after a boot with the device
 * present. Not bound and not failed: enumerated, no install attempted yet.
 * Failed: no driver was found (ConfigFlags FAILEDINSTALL, Device Manager's
 * Code 28). Bound: Service, Driver (a MEDIA-class driver key with InfPath
 * = inf, ProviderName, DriverVersion, ...), DeviceDesc "@inf,...".
 *
 * A Code 52 device (driver refused by signature policy) looks exactly like
 * a bound one in the hive: Windows keeps that problem code at run time and
 * in the CodeIntegrity event log, not in SYSTEM; what tells it apart
 * offline is the package's signature and the image's policy. */
struct ost_test_device {
    struct ost_pci_identity pci;
    char service[64];  /* bound to this service; "" when not bound */
    char inf[64];      /* the published INF bound, "oem3.inf" */
    bool failed;
};

/* What Setup has done to the image (make-test-image --state), written
 * where imagekind.h reads it. NONE writes none of it: such an image does
 * not say, like one whose origin is unknown. */
enum ost_test_image_state {
    OST_TEST_STATE_NONE,
    OST_TEST_STATE_INSTALLED,   /* ImageState IMAGE_STATE_COMPLETE, State.ini, SYSTEM\Setup all 0 */
    OST_TEST_STATE_GENERALIZED, /* IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE, SYSTEM\Setup pending windeploy */
    OST_TEST_STATE_WINPE,       /* Control\MiniNT, SYSTEM\Setup CmdLine winpeshl.exe */
};
/* "none", "installed", "generalized", "winpe"; false for another word. */
bool ost_test_image_state_parse(const char *name, enum ost_test_image_state *out);
/* What SOFTWARE's servicing packages record of the SHA-2 code signing
 * update (sha2support.h). */
enum ost_test_sha2_update {
    OST_TEST_SHA2_UNRECORDED, /* no Component Based Servicing key at all */
    OST_TEST_SHA2_INSTALLED,  /* Package_for_KB4474419~..., CurrentState 0x70 */
    OST_TEST_SHA2_STAGED,     /* the same, CurrentState 0x40 (Staged) */
    OST_TEST_SHA2_ABSENT,     /* other packages, not this one */
};

struct ost_test_image_options {
    ost_arch arch;              /* x86 or amd64 */
    enum ost_test_image_state state;
    const char *edition;        /* EditionID, default "Ultimate" */
    const struct ost_test_device *devices; /* devnodes to add under Enum\PCI */
    size_t ndevices;
    enum ost_test_sha2_update sha2_update;
};

/* "VEN:DEV[:SUBSYS[:REV]][,cc=CCCCCC][,bound=SERVICE[,inf=oemN.inf]][,failed]"
 * (make-test-image --with-device). Virtio sound IDs default to class
 * 040100, as QEMU reports them. */
ost_status ost_test_device_parse(const char *spec, struct ost_test_device *out, struct ost_error *err);

/* Creates dir (which must not exist, or be an empty directory). Built in a
 * sibling temporary directory and renamed into place, so a failure leaves
 * nothing behind. */
ost_status ost_make_test_image(const char *dir, const struct ost_test_image_options *opts, struct ost_error *err);

/* Writes a minimal PE image of the given architecture (a native-subsystem
 * stub whose only code returns) to path. */
ost_status ost_write_pe_stub(const char *path, ost_arch arch, struct ost_error *err);

#endif
