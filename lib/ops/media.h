/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * media.h — the media job: stage driver packages into a whole Windows 7
 * install media, an ISO file or its folder, in one transaction: every
 * image of sources\install.wim (the editions; first boot of the installed
 * system), sources\boot.wim index 2 (Windows Setup; index 1, Windows PE,
 * too on request), and with test-signing the media's own boot stores
 * (boot\BCD for BIOS, efi\microsoft\boot\bcd for UEFI: every Windows Boot
 * Loader in them), which Setup boots from; then a bootable ISO again.
 *
 * Where Windows looks (Microsoft, "Windows Setup Installation Process" and
 * "Add device drivers to Windows during Windows Setup"): boot.wim index 2
 * is the Windows PE that runs Setup, so a driver Setup itself needs (the
 * disk's storage controller) must be in it or in a $WinPEDriver$ folder at
 * the media root, which Setup scans and installs from by itself; the
 * installed system's first boot installs from the packages staged into
 * install.wim.
 *
 * Nothing of the source changes until the whole result exists: the work
 * is done on a private copy beside the output (files that will change are
 * copied; the rest are hard links when on the same file system, never
 * written), the ISO is written beside the output and renamed into place
 * once read back; --in-place exchanges the finished copy with the source
 * folder in one rename (Linux renameat2 RENAME_EXCHANGE).
 *
 * Windows RE (winre.wim inside each install image, which the installed
 * system's recovery boots; Microsoft, "Windows Recovery Environment (Windows
 * RE)"): with opts.winre, extracted, serviced like boot.wim's images, and
 * put back, its boot index and image metadata kept by libwim.
 *
 * Files of 4 GiB or more: ISO 9660 records a file of that size as several
 * extents, and whether Windows 7 Setup reads such a file is not
 * documented; Microsoft documents that Setup installs from a split
 * sources\install.swm set ("Split a Windows image file (.wim) to span
 * across multiple DVDs"), so an install.wim that grows past the limit is
 * split (install.swm, install2.swm, ...; each under 4 GiB), and the job
 * says so.
 */
#ifndef OST_MEDIA_H
#define OST_MEDIA_H

#include <stdbool.h>
#include <stdint.h>

#include "add_driver.h"
#include "util.h"

struct ost_media_options {
    const char *source;        /* an ISO file or an extracted media folder */
    const char *output;        /* NEW.iso; NULL with in_place */
    bool in_place;             /* a folder source: the serviced folder is the result (no ISO) */
    const char *install_index; /* install.wim images: "all" (NULL) or a list "1,3" */
    bool boot_all;             /* boot.wim index 1 (Windows PE) too, not only 2 (Setup) */
    bool winpe_driver_folder;  /* also copy the packages into $WinPEDriver$ */
    uint64_t split_above;      /* install.wim larger than this is split (0: OST_ISO_MAX_FILE, for an ISO only) */
    bool winre;                /* also each install image's Windows\System32\Recovery\winre.wim */
    /* what add-driver takes: drivers, recurse, force_unsigned, test_sign,
     * cert/key/sign_dir, digest, trust, no_rearm, force, dry_run,
     * compression_level, progress (image, index, disk and bcd are set by
     * the job) */
    struct ost_add_driver_options driver;
};

/* One serviced file of the media. */
struct ost_media_part {
    const char *role;                /* "install.wim", "boot.wim" */
    char *rel;                       /* its path in the media, as found */
    struct ost_add_driver_job *job;
    char *image_path;                /* what the job's options point at */
    struct ost_strlist bcd, bcd_names; /* the media's stores in the working copy, and by their place */
    char *recovery_of;               /* winre.wim: the install image it belongs to ("sources/install.wim:1") */
};

/* An install image's Windows RE: its winre.wim, extracted, serviced as an
 * image of its own (index 1) and written back. Editions whose winre.wim
 * is the same file share one servicing (owner false for the others). */
struct ost_media_winre {
    int image;                       /* the install.wim image holding it */
    bool owner;
    struct ost_media_part part;      /* rel: "sources/install.wim:N/Windows/System32/Recovery/winre.wim" */
};

struct ost_media_job {
    struct ost_media_options opts;   /* the caller's, shallow */
    bool iso_source;
    char label[40];                  /* the source's volume label */
    char *work;                      /* the private copy being serviced (NULL on a dry run of a folder) */
    int work_lock;                   /* its flock, -1 for none */
    char *root;                      /* the media root read: work, or the source folder */
    char *stores[2];                 /* the media's BIOS and UEFI boot stores, relative; NULL when absent */
    char *etfsboot, *efisys;         /* the boot images, relative; NULL when absent */
    struct ost_media_part install, boot;
    struct ost_media_winre *winre;   /* with opts.winre */
    size_t nwinre;
    char *winre_scratch;             /* where the winre.wim copies are serviced */
    char *split_note;                /* install.wim was split: how */
    char *source_sha256;             /* the ISO's, or install.wim's of a folder */
    char *boot_sha256;               /* a folder's boot.wim's, or NULL */
    struct ost_media_hasher *hasher; /* computing it while the rest of the job runs */
    struct ost_strlist boot_report;  /* the output's El Torito entries, read back */
    struct ost_strlist notes;
    bool refused, applied, judged;
    ost_outcome outcome;
};

/* Reads the source (an ISO: extracted into the private copy; a dry run
 * extracts only what is read), finds its images and stores, and plans
 * both add-driver jobs. *out is set even on failure. */
ost_status ost_media_plan(const struct ost_media_options *opts, struct ost_media_job **out, struct ost_error *err);
/* Writes both jobs into the copy, $WinPEDriver$, offstage-media.json;
 * splits install.wim when it is too large for an ISO; writes and reads
 * back the ISO, or exchanges the copy with the folder. Nothing to do on a
 * dry run or a refused job. */
ost_status ost_media_apply(struct ost_media_job *j, struct ost_error *err);
/* Each image's verdicts (add_driver.h), read back from the copy. */
void ost_media_verdicts(struct ost_media_job *j);
/* Removes what is left of the private copy. */
void ost_media_free(struct ost_media_job *j);

#endif
