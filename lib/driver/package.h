/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * package.h — a driver package on disk, checked before anything touches an
 * image: the INF's model (infmodel.h) plus the files it needs, each found
 * (case-insensitively, never through a symlink) and, for PE files, checked
 * for the right machine type; the catalog; boot-criticality; inbox INFs.
 *
 * A package is one INF and the folder it sits in. A folder holding several
 * INFs is several packages.
 */
#ifndef OST_PACKAGE_H
#define OST_PACKAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "infmodel.h"

struct ost_package_file {
    const struct ost_file_copy *copy; /* borrowed from the model */
    char *host_path;                  /* NULL when missing */
    bool is_pe;
    uint16_t machine;
    ost_arch pe_arch;
    ost_arch expected_arch;           /* x86 for SysWOW64 files on amd64 */
    bool embedded_signature;
};

struct ost_package_arch {
    ost_arch arch;
    const struct ost_arch_model *model; /* borrowed */
    struct ost_package_file *files;
    size_t nfiles;
    char *catalog_path;                 /* host path, NULL when absent */
    bool boot_critical;
    bool stageable;                     /* no error-level finding */
};

struct ost_package_report {
    struct ost_driver_model *model;     /* owned; its diags hold every finding */
    struct ost_package_arch *arches;
    size_t narches;
};

struct ost_package_options {
    struct ost_inf_options inf;
    struct ost_model_options model;
};

/* The most the files a package copies for one architecture may weigh
 * together: real packages are a few MiB, display drivers a few hundred.
 * Beyond it every check, hash and copy would only cost time and space. */
#define OST_PACKAGE_MAX_BYTES (4ull << 30)

/* Checks the package whose INF is inf_path. Fails only when the INF cannot
 * be read, is not an INF, or the package exceeds a limit (OST_ERR_LIMIT:
 * OST_MODEL_MAX_FILES, OST_PACKAGE_MAX_BYTES and the INF's own, named with
 * the INF line); everything else is a finding in the report. */
ost_status ost_package_check(const char *inf_path, const struct ost_package_options *opts,
                             struct ost_package_report **out, struct ost_error *err);
void ost_package_report_free(struct ost_package_report *r);
bool ost_package_stageable(const struct ost_package_report *r);

/* The architecture to check a package for when none is asked: the one
 * every .sys file in the INF's folder is built for (by its PE machine
 * type), with *reason saying so ("every .sys in the folder is AMD64",
 * caller frees). OST_ARCH_UNKNOWN (and *reason NULL) when the folder has
 * no .sys, an unreadable one, or several machine types: then every
 * architecture the INF declares is checked. */
ost_arch ost_package_sys_arch(const char *inf_path, char **reason);

/* PATH is an INF file or a folder: fills infs with the INF paths (a
 * folder's *.inf files, sorted; with recurse, of every subfolder too). */
ost_status ost_package_find_infs(const char *path, bool recurse, struct ost_strlist *infs,
                                 struct ost_error *err);

/* Finds a '/'-separated relative path under root, each component compared
 * case-insensitively. NULL if absent or if any component is a symlink. */
char *ost_find_relative_ci(const char *root, const char *relative);

#endif
