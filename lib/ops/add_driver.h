/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * add_driver.h — the add-driver job whole: stage driver packages into
 * every image of a directory or WIM (stage.h), with --test-sign make and
 * sign their catalogs and trust the signer (testsign.h), turn testsigning
 * on in the BCD stores given besides, and say per package what the first
 * boot will do (firstboot.h).
 *
 * Three steps, each with one job:
 *   ost_add_driver_plan      reads everything and decides; writes nothing
 *                            anywhere (no image, no scratch file, no
 *                            signature);
 *   ost_add_driver_apply     makes the test-signing artifacts, writes
 *                            through the targets, commits every image
 *                            (a WIM once) and the BCD stores last;
 *   ost_add_driver_verdicts  judges each package from what was staged,
 *                            read back through the target with the trust
 *                            and boot policy the image has afterwards; on
 *                            a dry run (or a refused job) from the plan,
 *                            marked as predicted.
 */
#ifndef OST_ADD_DRIVER_H
#define OST_ADD_DRIVER_H

#include <stdbool.h>

#include "certstore.h"
#include "firstboot.h"
#include "imageset.h"
#include "outcome.h"
#include "signer.h"
#include "stage.h"
#include "testsign.h"

struct ost_add_driver_options {
    const char *image;                /* a directory, a WIM file or a virtual disk */
    struct ost_disk_options disk;     /* for a virtual disk: --format, --partition, --output */
    const char *index;                /* WIM images: "2", "1,3", "all"; NULL for a directory */
    struct ost_strlist drivers;       /* INFs or package folders */
    bool recurse, force_unsigned, setup_complete;
    bool no_rearm;                    /* leave devices the image already saw as they are */
    /* --test-sign: with cert and key, or sign_dir (make-test-cert's folder,
     * holding one .cer and one .key) */
    bool test_sign;
    const char *cert, *key, *sign_dir;
    ost_digest digest;
    struct ost_strlist trust;         /* certificates the first boot will trust besides the image's */
    struct ost_strlist bcd;           /* the stores the system boots with (media: BIOS and UEFI); may be empty */
    struct ost_strlist bcd_names;     /* how verdicts name them (empty: by their paths) */
    const char *recovery_of;          /* the image is this installed image's Windows RE; NULL: not known */
    bool force;                       /* edit dirty hives and BCD stores */
    bool dry_run;
    unsigned compression_level;       /* WIMs: 0 for OST_WIM_DEFAULT_LEVEL */
    ost_progress_fn progress;         /* writing a WIM; NULL: none */
    void *progress_ctx;
};

/* One package's first boot on one image. */
struct ost_add_driver_verdict {
    const struct ost_stage_package *package;
    bool judged;                 /* false: no verdict (problem says why, or nothing applies to the arch) */
    ost_arch arch;
    struct ost_verdict verdict;
    ost_sig_state signature;     /* what the catalog check found (of the staged copy once staged) */
    ost_tristate testsigning;    /* what the verdict assumed */
    bool predicted;              /* from the plan: nothing was staged or signed */
    char *problem;               /* the staged copy could not be read back: why */
};

struct ost_add_driver_image {
    struct ost_image *img;
    struct ost_stage_plan *plan;
    struct ost_testsign_plan test_sign; /* with --test-sign */
    struct ost_cat_trust *trust;        /* the image's stores, --trust and the signer */
    struct ost_add_driver_verdict *verdicts; /* after ost_add_driver_verdicts */
    size_t nverdicts;
    char *policy_problem;               /* testsigning could not be read for the verdicts: why */
};

struct ost_add_driver_job {
    struct ost_add_driver_options opts; /* the caller's, shallow */
    struct ost_strlist infs;
    struct ost_image_set set;
    struct ost_add_driver_image *images;
    size_t nimages;
    struct ost_signer *signer;          /* with --test-sign */
    struct ost_cert cert;               /* the signer's certificate */
    bool bcd_changes;                   /* testsigning must be turned on in some store of opts.bcd */
    bool bcd_needed[OST_BOOT_MAX_STORES]; /* ... in opts.bcd.v[i] */
    struct ost_manifest_trust bcd_record; /* what turning it on there changed, for each image's manifest */
    bool refused;                       /* a package was refused: nothing is written */
    bool changes;                       /* something to write */
    bool applied;
    ost_outcome outcome;                /* REFUSED, DRY_RUN, STAGED or UNCHANGED */
};

/* Finds the packages, loads the signer, opens the images (writable unless
 * a dry run) and plans each. *out is set even on failure (its images'
 * notices may be worth showing); free it with ost_add_driver_free. */
ost_status ost_add_driver_plan(const struct ost_add_driver_options *opts, struct ost_add_driver_job **out,
                               struct ost_error *err);
/* The same on images the caller opened (writable unless opts->dry_run,
 * allow_dirty as opts->force, next_boot), for one that sets what the
 * backend alone cannot know (a target's boot stores): the job takes them
 * (*set is emptied, even on failure); opts->image still names them in
 * messages. */
ost_status ost_add_driver_plan_set(const struct ost_add_driver_options *opts, struct ost_image_set *set,
                                   struct ost_add_driver_job **out, struct ost_error *err);
/* Writes the plan; nothing to do on a dry run, a refused job or one with
 * no changes. On failure every image is as it was; when only the BCD
 * store's final rename fails, the message says the image is written and
 * how to finish. */
ost_status ost_add_driver_apply(struct ost_add_driver_job *j, struct ost_error *err);
/* Fills each image's verdicts (see above); what cannot be read for them
 * is said in the verdict (problem) or the image (policy_problem): the job
 * has done its work by then. */
void ost_add_driver_verdicts(struct ost_add_driver_job *j);
void ost_add_driver_free(struct ost_add_driver_job *j);

#endif
