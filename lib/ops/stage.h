/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * stage.h — staging driver packages into an offline Windows so that Plug
 * and Play binds them on first boot, and undoing it.
 *
 * Where things go (Windows 7 searches the folders of DevicePath in the same
 * phase as its driver store, and copies a signed package it finds there
 * into the store before installing it: Microsoft, "Configure Windows to
 * Search Additional Folders for Device Drivers",
 * https://technet.microsoft.com/library/cc753716.aspx, and "Steps for
 * Configuring a Shared Network Folder to Hold Signed Device Driver
 * Packages", https://technet.microsoft.com/en-us/library/8cf6c6d1-0f20-40af-9b2f-23764b3da2d6(v=ws.10)):
 *   - each package is copied, INF, catalog and exactly the files its INF
 *     copies for the image's architecture (subfolders kept), to
 *       Windows\offstage\drivers\<inf>_<arch>_neutral_<16 hex of SHA-256>\
 *     named like a driver store folder, so two versions can coexist;
 *   - %SystemRoot%\offstage\drivers is appended to DevicePath (SOFTWARE,
 *     REG_EXPAND_SZ), keeping every entry and %SystemRoot%\inf: on first
 *     boot Windows searches it recursively, verifies the signature and
 *     imports the package into its driver store;
 *   - boot-critical packages (a service with StartType 0) are also
 *     preinstalled as Windows 7 does: the .sys in System32\drivers, a
 *     Services\<name> key with the service-install section's AddReg, and
 *     a CriticalDeviceDatabase entry per hardware ID, with no
 *     DriverPackageId (Windows writes one only for a package in its driver
 *     store; Windows 8 and later have no CriticalDeviceDatabase: refused);
 *     the device's .HW AddReg is left to Windows, which applies it when it
 *     finishes installing the device;
 *   - devices the image has seen that failed to install, or that the
 *     package outranks their driver for, are re-armed (ost_stage_rearm);
 *   - every key and value written in SYSTEM is recorded in the manifest
 *     with what was there, so removal puts exactly that back;
 *   - Windows\offstage\manifest.json records what was staged, so listing,
 *     removal and re-runs are exact.
 *
 * Data flows one way: packages → plan (ost_stage_plan, printable with
 * --dry-run, writes nothing, signs nothing) → with --test-sign, the
 * signed artifacts (ost_stage_test_sign) → applied through the image's
 * target (ost_stage_apply) → committed by the caller (ost_image_commit).
 */
#ifndef OST_STAGE_H
#define OST_STAGE_H

#include <stdbool.h>

#include "catpkg.h"
#include "image.h"
#include "manifest.h"
#include "package.h"
#include "sign.h"

#define OST_STAGING_DEVICEPATH "%SystemRoot%\\offstage\\drivers"
#define OST_SETUPCOMPLETE "Windows\\Setup\\Scripts\\SetupComplete.cmd"

struct ost_stage_options {
    /* Certificates the image will trust (its ROOT and TrustedPublisher, and
     * --trust): what the catalog check chains signatures to. May be NULL. */
    const struct ost_cat_trust *trust;
    /* --test-sign: a package without a valid catalog gets one, made and
     * signed by this signer, in its staged copy (the package itself is
     * never modified): planned by ost_stage_plan, made by
     * ost_stage_test_sign. NULL: no test-signing. */
    const struct ost_signer *test_signer;
    ost_digest test_digest;
    bool force_unsigned;
    bool setup_complete;   /* append pnputil lines to SetupComplete.cmd */
    bool recurse;          /* packages found by --recurse: other arches are skipped, not errors */
    bool no_rearm;         /* --no-rearm: devices the image already saw are left as they are */
};

enum ost_stage_action {
    OST_STAGE_COPY,        /* will be staged */
    OST_STAGE_PRESENT,     /* the same package (same content) is already staged */
    OST_STAGE_SKIP_ARCH,   /* built for another architecture (with --recurse) */
    OST_STAGE_REFUSED,     /* cannot or must not be staged: the command fails */
};

struct ost_stage_copy {
    char *source; /* host path */
    char *dest;   /* image path */
};

/* A device the image has seen (a devnode under Enum) that failed to
 * install, has no driver, or is bound to a driver the package outranks:
 * Windows does not install it again by itself, since it is not new
 * hardware. OR-ing CONFIGFLAG_REINSTALL into its ConfigFlags makes Windows
 * reinstall it when it is next enumerated (Microsoft, "Determining
 * Whether a Device Is Plugged In",
 * https://learn.microsoft.com/en-us/windows-hardware/drivers/install/determining-whether-a-device-is-plugged-in,
 * and the CONFIGFLAG_ values of regstr.h). */
struct ost_stage_rearm {
    char *instance;        /* "PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_00\3&267a616a&0&18" */
    bool had_flags;        /* ConfigFlags existed */
    uint32_t before, after;
    char *why;             /* "it failed to install before (FAILEDINSTALL)" */
    bool done;             /* false with --no-rearm: said, not written */
};

struct ost_stage_package {
    char *inf_path;
    enum ost_stage_action action;
    char *reason;           /* why skipped or refused */
    bool other_arch;        /* refused only for being built for another architecture than the image's */
    struct ost_package_report *report;
    char *folder;           /* <inf>_<arch>_neutral_<hash> */
    char *folder_path;      /* Windows\offstage\drivers\<folder> */
    struct ost_stage_copy *copies;
    size_t ncopies;
    bool signed_;           /* a catalog is present (see signature) */
    bool test_sign;         /* --test-sign will make and sign its catalog */
    bool test_sign_embed;   /* ... and embed signatures in its PE files (a boot-start driver on x64) */
    bool test_signed;       /* ost_stage_test_sign did: test_catalog and signature are of what it made */
    char *test_catalog;     /* the catalog it made and signed (a scratch file of the image's target), or NULL */
    /* The catalog check for the image's architecture: of the package's own
     * catalog, or once test_signed of the one made for it. */
    struct ost_cat_arch_result signature;
    bool boot_critical;
    struct ost_strlist cdd_keys;      /* CriticalDeviceDatabase key names */
    struct ost_strlist notes;         /* what the user should know, in words */
    struct ost_stage_rearm *rearm;    /* devices this package re-arms (see above) */
    size_t nrearm;
    bool no_setup_complete;           /* gets no SetupComplete.cmd line (a note says why) */
};

struct ost_stage_plan {
    struct ost_stage_package *packages;
    size_t npackages;
    char *devicepath_before, *devicepath_after; /* after == NULL: unchanged */
    char *devicepath_note;  /* DevicePath held something else than a string: what, and what becomes of it */
    bool changes;           /* anything to write at all */
    /* Image files the apply writes besides the packages' copies (hives,
     * SetupComplete.cmd, the manifest), so that a plan shown lists them. */
    struct ost_strlist also_writes;
};

/* Checks every INF against the image and decides what to do with it;
 * writes nothing and signs nothing. A package file that cannot be read
 * for the package's identity (its folder name) fails the plan. */
ost_status ost_stage_plan(struct ost_image *img, const struct ost_strlist *infs, const struct ost_stage_options *opts,
                          struct ost_stage_plan **out, struct ost_error *err);
/* --test-sign, after planning and before applying: for each package the
 * plan test-signs, signs its PE files (test_sign_embed) and makes and
 * signs its catalog into scratch files of the image's target, which the
 * plan's copies then take; the catalog made gets the same check as every
 * other (opts->trust should hold the signer's certificate). Planning
 * itself signs nothing. */
ost_status ost_stage_test_sign(struct ost_image *img, struct ost_stage_plan *plan,
                               const struct ost_stage_options *opts, struct ost_error *err);
/* Applies a plan through the image's target (files staged, hives edited);
 * the caller commits with ost_image_commit. */
ost_status ost_stage_apply(struct ost_image *img, const struct ost_stage_plan *plan,
                           const struct ost_stage_options *opts, struct ost_error *err);
/* Recomputes plan->also_writes after the caller changed the plan (a
 * package's no_setup_complete set). */
void ost_stage_plan_update_writes(struct ost_image *img, struct ost_stage_plan *plan,
                                  const struct ost_stage_options *opts);
void ost_stage_plan_free(struct ost_stage_plan *p);
/* True when some package was refused: the command must fail (exit 1). */
bool ost_stage_plan_refused(const struct ost_stage_plan *p);

const char *ost_stage_action_name(enum ost_stage_action a);

/* Removes staged packages whose INF name, folder or "all" matches name:
 * files, boot-critical entries, re-armed devices, the manifest entry, and
 * DevicePath once no package is left. Only what offstage itself wrote is
 * removed: files in the package's staging folder, boot files in
 * System32\drivers whose content is what it copied, and the SYSTEM keys
 * and values the manifest records it wrote, while they still hold what
 * it wrote (values it changed get back what they held; keys it created go
 * when they hold nothing else). Packages staged by versions that recorded
 * no registry writes: Services and CriticalDeviceDatabase keys whose
 * DriverPackageId is the package's folder. Every other entry is left alone
 * and said so in `left_alone`, one line each. Fails with OST_NEGATIVE when
 * nothing matches. */
ost_status ost_stage_remove(struct ost_image *img, const char *name, struct ost_strlist *removed,
                            struct ost_strlist *left_alone, struct ost_error *err);

#endif
