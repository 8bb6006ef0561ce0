/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pkgconfig_user.c — a program outside the tree, built by tests/cli/install.sh
 * from the installed offstage.h with `pkg-config --cflags --libs offstage`
 * and nothing else, then run against the installed shared library.
 *
 *     pkgconfig_user INF
 *
 * prints the version it runs with and the check of the package whose INF
 * is INF ("arch amd64 stageable yes files 1", "file NAME ARCH" for each PE
 * file), the way the test can compare with what offstage itself says.
 */
#include <stdio.h>
#include <stdlib.h>

#include "offstage.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s INF\n", argv[0]);
        return 2;
    }
    printf("version %s\n", ost_version());
    printf("built against %s\n", OST_VERSION);

    struct ost_package_options po = {0};
    char *reason = NULL;
    if ((po.model.arches[0] = ost_package_sys_arch(argv[1], &reason)) != OST_ARCH_UNKNOWN)
        po.model.narches = 1;
    free(reason);

    struct ost_package_report *r;
    struct ost_error err;
    if (ost_package_check(argv[1], &po, &r, &err) != OST_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    printf("inf %s\n", r->model->inf_name);
    for (size_t i = 0; i < r->narches; i++) {
        const struct ost_package_arch *a = &r->arches[i];
        printf("arch %s stageable %s files %zu\n", ost_arch_name(a->arch), a->stageable ? "yes" : "no",
               a->nfiles);
        for (size_t j = 0; j < a->nfiles; j++)
            if (a->files[j].is_pe)
                printf("file %s %s\n", a->files[j].copy->name, ost_arch_name(a->files[j].pe_arch));
    }
    ost_package_report_free(r);
    return 0;
}
