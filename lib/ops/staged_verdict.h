/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * staged_verdict.h — the first-boot verdict of a package as offstage
 * staged it: its INF, catalog and files read back through the image's
 * target into a scratch folder, checked as any package is, and judged
 * against what the image trusts and how it boots (firstboot.h). A staged
 * copy differs from its source (add-driver --test-sign signs a catalog
 * into the copy only; a file may have changed in the image since), so
 * only this says what Windows will find on first boot.
 *
 * add-driver judges what it just staged with it; get-driver-info and
 * get-drivers judge every staged package; check-package --image finds the
 * staged copies of the package it checks.
 */
#ifndef OST_STAGED_VERDICT_H
#define OST_STAGED_VERDICT_H

#include <stdbool.h>

#include "firstboot.h"
#include "image.h"
#include "util.h"
#include "verdict.h"

struct ost_staged;

struct ost_staged_verdict {
    char *folder;             /* <inf>_<arch>_neutral_<hash> */
    char *folder_path;        /* Windows\offstage\drivers\<folder> */
    char *inf_name;
    /* ost_staged_copies_of: the copy holds the same package (the same
     * INF and files, so the same folder name) as the one asked about;
     * false for another package with the same INF name. */
    bool same_package;
    bool judged;              /* false: not judged (problem says why, or the INF has nothing for the arch) */
    ost_arch arch;
    struct ost_verdict verdict;
    ost_sig_state signature;
    /* The staged catalog (image path) and its signature, as cat-info shows
     * them; NULL when there is no catalog, or it is unsigned. */
    char *catalog;
    char *signer, *signer_thumbprint;
    char *digest;             /* the signer's digest algorithm: "sha1", "sha256" */
    char *member_digest;      /* the members' hash algorithms: "sha1", or "sha1, sha256" */
    char *problem;            /* the staged copy could not be read back: why */
};

struct ost_staged_verdicts {
    struct ost_boot_policy policy;
    char *policy_problem;     /* testsigning could not be read: why (the verdicts take it as unknown) */
    struct ost_staged_verdict *v;
    size_t n, cap;
};

/* Reads back the package the manifest entry rec names and judges it for
 * the image's architecture with pol and trust (the certificates a
 * signature may chain to). Fills out's verdict and catalog facts; fails
 * when a file cannot be read back or the INF is not in the copy. The
 * scratch copy is removed before it returns; the verdict names the files
 * where the image holds them. */
ost_status ost_staged_judge(struct ost_image *img, const struct ost_staged *rec, const struct ost_boot_policy *pol,
                            const struct ost_cat_trust *trust, struct ost_staged_verdict *out, struct ost_error *err);

/* The boot policy of the image for staged copies: testsigning from the
 * BCD stores given (every one of them, since any may boot: on only when
 * on in all; off as soon as one has it off, naming that one), else from
 * the image's BCD-Template (firstboot.h). */
ost_status ost_staged_boot_policy(struct ost_image *img, const struct ost_strlist *bcd, struct ost_boot_policy *pol,
                                  struct ost_error *err);

/* Every package offstage staged in the image (only the one in folder,
 * unless NULL), in manifest order, judged
 * with the image's ROOT and TrustedPublisher stores and
 * ost_staged_boot_policy. Fails when the manifest, the trust stores or
 * a BCD store given cannot be read; a copy that cannot be read back has a
 * problem, a BCD-Template that cannot be read gives policy_problem. */
ost_status ost_staged_verdicts_read(struct ost_image *img, const struct ost_strlist *bcd, const char *folder,
                                    struct ost_staged_verdicts *out, struct ost_error *err);

/* The staged copies of the package whose INF is inf_path (a host path):
 * the packages staged for the image's architecture under the same INF
 * name, ignoring case, each marked same_package when its folder is the
 * one add-driver would stage this package in. Judged with the caller's
 * policy and trust; out->policy is left zero. None: out->n is 0. */
ost_status ost_staged_copies_of(struct ost_image *img, const char *inf_path, const struct ost_boot_policy *pol,
                                const struct ost_cat_trust *trust, struct ost_staged_verdicts *out,
                                struct ost_error *err);

/* The verdict of the copy in folder, or NULL. */
const struct ost_staged_verdict *ost_staged_verdicts_find(const struct ost_staged_verdicts *s, const char *folder);
/* One word for a table column: "loads", "prompt", "depends", "Code 52",
 * "boot stops", or "unreadable". */
const char *ost_staged_verdict_word(const struct ost_staged_verdict *v);

void ost_staged_verdict_free(struct ost_staged_verdict *v);
void ost_staged_verdicts_free(struct ost_staged_verdicts *s);

#endif
