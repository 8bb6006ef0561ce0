/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * decor.h — INF platform decorations and how Windows chooses among them.
 *
 *   NT[arch][.major[.minor[.producttype[.suitemask[.build]]]]]
 *
 * Models sections ([Manufacturer] lists them): Windows uses the applicable
 * decoration with the highest OS version, arch-specific before generic at
 * the same version. An undecorated or arch-less models section applies only
 * to x86: x64 (and every later architecture) needs NTamd64 and so on.
 *
 * Install (DDInstall) sections: Windows tries name.NT<arch>, name.NT, then
 * name. OS-version suffixes on install sections (name.NTx86.6.1, as real
 * display INFs use) are honoured the same way as on models sections.
 */
#ifndef OST_DECOR_H
#define OST_DECOR_H

#include <stdbool.h>

#include "arch.h"
#include "inf.h"

struct ost_os_version {
    unsigned major, minor;
    unsigned build;        /* 0 = any */
    unsigned product_type; /* 1 workstation (default), 2 DC, 3 server */
};

/* Windows 7 / Server 2008 R2 SP1, workstation. */
#define OST_OS_WIN7 ((struct ost_os_version){6, 1, 7601, 1})

struct ost_decoration {
    bool nt;               /* begins with NT */
    ost_arch arch;         /* OST_ARCH_UNKNOWN when no architecture given */
    bool has_version;
    unsigned major, minor;
    bool has_product_type;
    unsigned product_type;
    bool has_build;
    unsigned build;
};

/* Parses "NTamd64.6.1" (case-insensitive). Returns false if it is not a
 * decoration (does not begin with NT, unknown architecture, bad number). */
bool ost_decoration_parse(const char *s, struct ost_decoration *out);

/* Whether a models-section decoration applies to arch/os. */
bool ost_decoration_applies(const struct ost_decoration *d, ost_arch arch,
                            const struct ost_os_version *os);

/* Orders two applicable decorations: > 0 when a is the better choice. */
int ost_decoration_compare(const struct ost_decoration *a, const struct ost_decoration *b);

/* The DDInstall sections of an INF for one arch/os, by base name: built in
 * one pass over the sections, so that choosing one for each of thousands
 * of model lines does not look at every section each time. */
struct ost_install_index {
    const struct ost_inf *inf;
    struct ost_cimap best;   /* base name → index + 1 into choices */
    struct ost_install_choice {
        const struct ost_inf_section *section;
        struct ost_decoration decoration;
    } *choices;
    size_t n, cap;
};
void ost_install_index_build(struct ost_install_index *ix, const struct ost_inf *inf, ost_arch arch,
                             const struct ost_os_version *os);
void ost_install_index_free(struct ost_install_index *ix);

/* The DDInstall section Windows would use for install section `base`, or
 * NULL when none exists. *nt_extension tells whether the chosen name
 * carries an .NT extension, which matters for the signature rank. */
const struct ost_inf_section *ost_install_index_find(const struct ost_install_index *ix, const char *base,
                                                     bool *nt_extension);

/* Parses "6.1" or "6.1.7601" into an OS version. */
bool ost_os_version_parse(const char *s, struct ost_os_version *out);

#endif
