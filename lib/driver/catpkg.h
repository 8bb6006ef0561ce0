/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * catpkg.h — catalogs of driver packages: making the catalog an INF's
 * CatalogFile directive names (what Inf2Cat does), and checking that a
 * package's catalog covers what Windows checks when it installs the
 * package for an architecture: the INF and every file it copies, by hash;
 * the OS versions; the signature and whom it chains to.
 */
#ifndef OST_CATPKG_H
#define OST_CATPKG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "catalog.h"
#include "package.h"
#include "verdict.h"

/* One Inf2Cat /os: entry: "7_X64" is amd64, Windows NT 6.1. */
struct ost_cat_os {
    ost_arch arch;
    unsigned major, minor;
    char name[32];         /* catalog OS attribute token, e.g. "7X64" */
};

#define OST_CAT_MAX_OS 16

/* Parses a comma-separated list: 7_X86, 7_X64, Vista_X86, Vista_X64,
 * Server2008_X86, Server2008_X64, Server2008R2_X64 (case-insensitive). */
ost_status ost_cat_os_parse_list(const char *list, struct ost_cat_os *out, size_t *n, struct ost_error *err);

struct ost_make_cat_options {
    struct ost_cat_os os[OST_CAT_MAX_OS];
    size_t nos;               /* 0: Windows 7 on every architecture the INF
                                 declares and the package can be staged for */
    time_t now;               /* the catalog's time */
    struct ost_inf_options inf;
    bool dry_run;             /* make the catalogs and check their folders are
                                 writable, write nothing: `written` gets the
                                 paths the run would write */
};

/* Writes the unsigned catalog(s) the INF's CatalogFile[.NTarch] directives
 * name, next to the INF: one per distinct name, covering the INF and
 * every file it copies for the architectures that use that name, with
 * SHA-1 member hashes (Authenticode image hashes for PE files). Nothing is
 * written unless every catalog can be made; each is written to a temporary
 * file and renamed into place. The paths written are added to `written`. */
ost_status ost_make_cat(const char *inf_path, const struct ost_make_cat_options *o, struct ost_strlist *written,
                        struct ost_error *err);

/* The time a new catalog carries: now, or SOURCE_DATE_EPOCH when set, so
 * builds can be reproduced. */
time_t ost_catalog_time(void);

/* The unsigned catalog make-cat would write for one architecture of a
 * checked package (Windows 7, or Vista when `os` is 6.0), in memory: for
 * a staged copy, whose source package is never modified. OST_ERR_USAGE
 * when the INF names no catalog for the architecture. */
ost_status ost_make_cat_for_arch(const struct ost_package_report *r, ost_arch arch, const struct ost_os_version *os,
                                time_t now, struct ost_buf *der, struct ost_error *err);

/* What the check found for one architecture, in the terms of verdict.h. */
struct ost_cat_arch_result {
    ost_arch arch;
    bool checked;              /* the architecture is usable, so it was checked */
    bool all_good;             /* no finding that makes the package count as unsigned */
    ost_sig_state signature;
    char detail[1200];         /* why it is not trusted, or who signed it */
    char signer_thumbprint[41], anchor_thumbprint[41]; /* "" when unknown */
    bool microsoft_root;
    /* What the image must verify: the catalog signer's digest or its
     * member hash algorithm, the stronger ("sha1", "sha256"); for a
     * boot-start package, the strongest digest of the .sys files'
     * embedded signatures. "" when there is none. */
    char digest[16], embedded_digest[16];
};

/* Checks each architecture's catalog in the report and adds findings to
 * its diagnostics: a catalog that does not parse, an unsigned or invalid
 * signature, a signer that does not chain to `trust` (NULL or empty: the
 * chain is not checked), an OSAttr that does not cover `os` (NULL:
 * Windows 7), files the catalog has no matching member for, and members
 * that match nothing the INF installs. Severities follow the signature
 * policy: what makes the package count as unsigned is 'severe' on x64 and
 * a warning on x86, like a missing catalog. True when every usable
 * architecture has a catalog and none of those findings. */
/* `results`, when not NULL, has r->narches entries and receives each
 * architecture's outcome. */
bool ost_cat_check_package(struct ost_package_report *r, const struct ost_cat_trust *trust,
                           const struct ost_os_version *os, struct ost_cat_arch_result *results);

#endif
