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
 *
 * ost_make_test_disk puts the same tree on a virtual disk (raw, qcow2,
 * VHD, VHDX, VMDK), partitioned as Windows Setup lays out a disk
 * (https://learn.microsoft.com/windows-hardware/manufacture/desktop/
 * configure-biosmbr-based-hard-drive-partitions and .../configure-uefigpt-
 * based-hard-drive-partitions), without root: the partition table written
 * by sfdisk on a file, each volume made apart (mkntfs with the partition's
 * start as hidden sectors; mkfs.fat for the ESP), filled (libwim's NTFS-3G
 * apply of the tree captured; mtools on the ESP; the Windows folder and
 * System32 then given the descriptor Windows ships them with, and what lies
 * below them what inheritance gives it, secdesc.h), copied into the disk at
 * its offset, then converted by qemu-img. Its system partition holds the
 * boot store an installed system boots from (Boot\BCD, or
 * EFI\Microsoft\Boot\BCD on the ESP).
 */
#ifndef OST_TESTIMAGE_H
#define OST_TESTIMAGE_H

#include <stdbool.h>
#include <stdint.h>

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
/* The word for a state, as --state takes it. */
const char *ost_test_image_state_name(enum ost_test_image_state state);
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

/* What the three below check of their target before they write anything,
 * and so a dry run's answer: whether `path` may be written (it does not
 * exist, or with empty_dir_ok is an empty directory) and its folder takes
 * new entries. The tools a disk needs are not looked for here. */
ost_status ost_test_target_check(const char *path, bool empty_dir_ok, struct ost_error *err);

/* Creates dir (which must not exist, or be an empty directory). Built in a
 * sibling temporary directory and renamed into place, so a failure leaves
 * nothing behind. */
ost_status ost_make_test_image(const char *dir, const struct ost_test_image_options *opts, struct ost_error *err);

/* Windows 7 install media (make-test-image --media), NOT Windows: the
 * layout of a retail DVD with test images inside. sources\install.wim
 * holds one generalized test image per edition (x64: HomeBasic,
 * HomePremium, Professional, Ultimate; x86 also Starter; editions > 0
 * keeps the last that many), LZX like Microsoft's, each carrying Windows RE
 * (Windows\System32\Recovery\winre.wim: one Windows PE test image, boot
 * index 1, the same bytes in every edition); sources\boot.wim holds
 * a Windows PE test image and a Setup one (with sources\setup.exe), boot
 * index 2; boot\BCD and (x64) efi\microsoft\boot\bcd are media stores
 * (ost_write_test_media_store); boot\etfsboot.com, boot\boot.sdi,
 * bootmgr and (x64) efi\microsoft\boot\efisys.bin are stand-ins whose
 * bytes say so. Built in a sibling temporary folder and renamed. */
struct ost_test_media_options {
    ost_arch arch;
    size_t editions;                       /* 0: all of the media's */
    const char *iso;                       /* also write the media as this bootable ISO (iso.h), or NULL */
    const struct ost_test_device *devices; /* devnodes in every install image */
    size_t ndevices;
};
ost_status ost_make_test_media(const char *dir, const struct ost_test_media_options *opts, struct ost_error *err);

/* Where a BCD device element points: a partition by its GUID and its
 * disk's GUID (GPT), or by its byte offset and the disk signature (MBR). */
struct ost_test_boot_partition {
    bool gpt;
    uint8_t partition_guid[16], disk_guid[16]; /* GPT: as stored on disk (mixed-endian) */
    uint64_t offset;                           /* MBR: bytes from the disk's start */
    uint32_t mbr_signature;                    /* MBR: the disk signature at offset 440 */
};

/* An installed system's boot store: {bootmgr} on the system partition,
 * its default a Windows Boot Loader (loader_guid) for the Windows
 * partition, winload.efi when uefi, winload.exe otherwise. */
struct ost_test_boot_store {
    bool uefi;
    struct ost_test_boot_partition system, windows;
    uint8_t loader_guid[16];
};

/* Writes that store as a new hive at path; testsigning is in no object. */
ost_status ost_write_test_boot_store(const char *path, const struct ost_test_boot_store *store,
                                     struct ost_error *err);
/* Writes the store Windows 7 install media boot from (boot\BCD, or with
 * uefi efi\microsoft\boot\bcd), laid out like a real one: one Windows
 * Setup loader booting sources\boot.wim from a ramdisk; testsigning in no
 * object. */
ost_status ost_write_test_media_store(const char *path, bool uefi, struct ost_error *err);

enum ost_test_disk_partitioning {
    OST_TEST_DISK_MBR, /* BIOS */
    OST_TEST_DISK_GPT, /* UEFI: ESP, MSR, Windows, Recovery */
};

struct ost_test_disk_options {
    const char *format;  /* qemu's name: raw, qcow2, vpc, vhdx, vmdk; NULL = qcow2 */
    enum ost_test_disk_partitioning partitioning;
    bool system_partition; /* MBR: a separate active "System Reserved" NTFS partition; GPT always has the ESP */
};

struct ost_test_disk_partition {
    unsigned number;        /* 1-based, as in the table */
    uint64_t start, size;   /* bytes */
    const char *type;       /* MBR "07"; GPT the type GUID */
    const char *role;       /* "System Reserved", "Windows", "EFI system partition", "Microsoft reserved",
                             * "Recovery" */
    const char *filesystem; /* "NTFS", "FAT32", or NULL (no file system: the MSR) */
    const char *label;      /* volume label; NULL for none */
    bool active;            /* MBR boot indicator 0x80 */
    const char *holds;      /* what was put there, for the report; NULL when empty */
};

struct ost_test_disk_result {
    const char *format;
    uint64_t size;                /* virtual size, bytes */
    char disk_id[40];             /* GPT disk GUID, or MBR signature "0x1234abcd" */
    unsigned npartitions;
    struct ost_test_disk_partition partitions[4];
    unsigned system_partition;    /* the number of the partition holding the boot store */
    unsigned windows_partition;   /* the number of the one holding Windows */
    const char *boot_store;       /* its path on that partition: "Boot\BCD" or "EFI\Microsoft\Boot\BCD" */
};

/* Writes a new virtual disk file holding the test tree made with img (its
 * state as given: callers default disks to installed). Refuses a file that
 * exists. Needs mkntfs, sfdisk, mkfs.fat and mtools (GPT), qemu-img (all
 * but raw): OST_ERR_UNSUPPORTED naming the missing ones and their Debian
 * packages. Written to FILE.tmp-XXXXXX beside it, synced and linked into
 * place, so a failure leaves nothing behind. */
/* What ost_make_test_disk refuses before it writes anything (the format,
 * an existing file, a missing tool), checked alone for a dry run. */
ost_status ost_test_disk_check(const char *file, const struct ost_test_disk_options *d, struct ost_error *err);
ost_status ost_make_test_disk(const char *file, const struct ost_test_image_options *img,
                              const struct ost_test_disk_options *disk, struct ost_test_disk_result *out,
                              struct ost_error *err);

/* Writes a minimal PE image of the given architecture (a native-subsystem
 * stub whose only code returns) to path. */
ost_status ost_write_pe_stub(const char *path, ost_arch arch, struct ost_error *err);

#endif
