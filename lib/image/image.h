/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * image.h — an offline Windows installation opened through a target: what
 * it is (version, build, service pack, edition, product name from SOFTWARE;
 * architecture from SYSTEM's PROCESSOR_ARCHITECTURE, cross-checked with the
 * machine type of ntoskrnl.exe; the control set, below) and its SYSTEM and
 * SOFTWARE hives, opened once and saved back through the target on commit.
 *
 * The control set: Select\Current is the one the last boot used,
 * Select\Default the one the next boot uses (Microsoft KB102984,
 * "CurrentControlSet Key in Windows NT"); they differ after a Last Known
 * Good boot. Commands that write SYSTEM (add-driver, remove-driver,
 * set-param, and their dry runs through next_boot) work on Default, so the
 * next boot sees the edit; readers (doctor, get-param, get-drivers,
 * check-package) read Current, where the last boot left its devnodes and
 * driver keys. When the two differ, control_set_note says which is used
 * and why, and every command prints it.
 *
 * Only Windows NT 6.x is accepted. Windows 8 and later (6.2+) are flagged:
 * they have no CriticalDeviceDatabase (their DriverDatabase is used for
 * boot-critical drivers), which staging must respect.
 */
#ifndef OST_IMAGE_H
#define OST_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "hive.h"
#include "target.h"

#define OST_SYSTEM_HIVE "Windows\\System32\\config\\SYSTEM"
#define OST_SOFTWARE_HIVE "Windows\\System32\\config\\SOFTWARE"
#define OST_BCD_TEMPLATE "Windows\\System32\\config\\BCD-Template"
#define OST_NTOSKRNL "Windows\\System32\\ntoskrnl.exe"

struct ost_image_info {
    char *product_name, *edition_id, *current_version, *current_build, *csd_version, *installation_type;
    char language[5];             /* LANGID INF strings are read in, "" until imagelang.h reads it */
    unsigned major, minor, build;
    char *processor_architecture; /* as the hive says: "x86", "AMD64" */
    ost_arch arch;
    bool kernel_checked;          /* ntoskrnl.exe was found and agrees */
    /* The control set worked on: Select\Default (the next boot's, Microsoft
     * KB102984) when the image is opened to write or with next_boot, else
     * Select\Current (the last boot's, where its devnodes are). */
    unsigned control_set;
    char control_set_name[16];    /* "ControlSet001" */
    unsigned control_set_current, control_set_default;
    char *control_set_note;       /* they differ: which one is used and why; else NULL */
    bool windows8_or_later;
};

struct ost_image {
    struct ost_target *target;
    struct ost_image_info info;
    struct ost_hive *system, *software;
    ost_hkey control_set; /* key of info.control_set in SYSTEM */
    bool allow_dirty;
    bool writable;
    bool system_writable; /* SYSTEM is opened for writing only when needed */
    /* The manifest as this transaction last wrote it (manifest.h): the
     * target reads the file as it was before */
    bool manifest_written;
    char *manifest_text;  /* NULL when written as removed */
};

/* How a virtual disk is opened (disk.h): the image commands' --format,
 * --partition, --output and --output-format. */
struct ost_disk_options {
    const char *format;        /* qemu's name (raw, qcow2, vpc, vhdx, vmdk); NULL: from the content */
    unsigned partition;        /* the Windows volume's partition number; 0: the only one there is */
    const char *output;        /* write the result here and leave the disk as it is */
    const char *output_format; /* with output: a whole copy in this format; NULL: a qcow2 overlay */
};

struct ost_image_options {
    bool writable;
    bool allow_dirty; /* --force */
    bool next_boot;   /* read-only, but for a plan of writes (a dry run): the next boot's control set */
    /* For a virtual disk (disk.h): --format, --partition, --output; NULL
     * for the defaults */
    const struct ost_disk_options *disk;
};

/* Takes ownership of the target. */
ost_status ost_image_open(struct ost_target *t, const struct ost_image_options *opts, struct ost_image **out,
                          struct ost_error *err);
/* The same for an offline Windows held in a directory (the folder that
 * holds Windows\). */
ost_status ost_image_open_dir(const char *dir, const struct ost_image_options *opts, struct ost_image **out,
                              struct ost_error *err);
/* Makes SYSTEM editable (it is opened read-only, which costs no copy, and
 * most staging never writes it). Keys found before stay valid. */
ost_status ost_image_edit_system(struct ost_image *img, struct ost_error *err);
/* Saves the hives that changed through the target, then commits it. */
ost_status ost_image_commit(struct ost_image *img, struct ost_error *err);
void ost_image_close(struct ost_image *img);

/* "Windows 7 Ultimate, 6.1 build 7601 (Service Pack 1), x86" */
char *ost_image_describe(const struct ost_image *img);

/* Opens another hive of the image (e.g. BCD-Template). */
ost_status ost_image_open_hive(struct ost_image *img, const char *path, bool writable, struct ost_hive **out,
                               struct ost_error *err);
/* Stages a modified hive back into the image. */
ost_status ost_image_stage_hive(struct ost_image *img, const char *path, struct ost_hive *h, struct ost_error *err);

#endif
