/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "iso.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileutil.h"
#include "run.h"

/* 7-Zip shows an ISO's El Torito boot images as files of this folder,
 * which is not on the media. */
#define BOOT_PSEUDO "[BOOT]/"

/* What of a tool's message goes into ours. */
#define TOOL_MESSAGE_MAX 600

bool ost_iso_probe(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char id[5];
    bool yes = pread(fd, id, sizeof id, 32769) == (ssize_t)sizeof id &&
               (!memcmp(id, "CD001", 5) || !memcmp(id, "BEA01", 5));
    close(fd);
    return yes;
}

bool ost_iso_tools(char **why)
{
    static const char *const tools[][2] = {{"7zz", "7zip"}, {"xorriso", "xorriso"}};
    *why = NULL;
    for (size_t i = 0; i < 2; i++) {
        char *p = ost_find_program(tools[i][0], NULL);
        if (!p) {
            *why = ost_xasprintf("%s is not installed (Debian package %s)", tools[i][0], tools[i][1]);
            return false;
        }
        free(p);
    }
    return true;
}

/* Runs a tool in the C locale (its messages are matched in English);
 * fills *r. Not installed: OST_ERR_UNSUPPORTED naming the package. */
static ost_status run_tool(const char *name, char *const argv[], const char *stdout_path, struct ost_run_result *r,
                           struct ost_error *err)
{
    memset(r, 0, sizeof *r);
    char *program = ost_find_program(argv[0], NULL);
    if (!program)
        return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: %s is not installed (Debian package %s)", name, argv[0],
                        !strcmp(argv[0], "7zz") ? "7zip" : argv[0]);
    static const char *const drop[] = {"LC_", "LANG=", "LANGUAGE=", NULL}, *const add[] = {"LC_ALL=C", NULL};
    char **env = ost_run_environment(drop, add, 0);
    struct ost_run job = {.path = program, .argv = argv, .env = env, .stdout_path = stdout_path};
    ost_status st = ost_run_program(&job, name, r, err);
    free(env);
    free(program);
    return st;
}

/* The end of what a tool said, on one line. */
static char *tool_message(const struct ost_run_result *r)
{
    const char *src = r->errout && *r->errout ? r->errout : r->out ? r->out : "";
    size_t n = strlen(src);
    if (n > TOOL_MESSAGE_MAX)
        src += n - TOOL_MESSAGE_MAX;
    char *m = ost_str_trim(ost_xstrdup(src));
    for (char *c = m; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    return m;
}

static ost_status tool_failed(const char *iso, const char *what, const struct ost_run_result *r, ost_status kind,
                              struct ost_error *err)
{
    char *m = tool_message(r);
    ost_status st = ost_fail(err, kind, "%s: %s (%s): %s", iso, what,
                             r->exit_status < 0 ? "killed" : "exit status non-zero", *m ? m : "no message");
    free(m);
    return st;
}

ost_status ost_iso_list(const char *iso, struct ost_strlist *files, struct ost_error *err)
{
    char *argv[] = {(char *)"7zz", (char *)"l", (char *)"-ba", (char *)"-slt", (char *)"--", (char *)iso, NULL};
    struct ost_run_result r;
    ost_status st = run_tool(iso, argv, NULL, &r, err);
    if (st != OST_OK)
        return st;
    /* 7-Zip: 1 a warning (e.g. "Unexpected end of archive"), 2 an error */
    if (r.exit_status != 0 || strstr(r.out, "ERRORS:") || strstr(r.errout, "ERROR:")) {
        st = tool_failed(iso, "7-Zip cannot read it as an ISO (a damaged or cut-short image?)", &r, OST_ERR_CORRUPT,
                         err);
        ost_run_result_free(&r);
        return st;
    }
    if (strlen(r.out) >= OST_RUN_MAX_OUTPUT - 1) {
        ost_run_result_free(&r);
        return ost_fail(err, OST_ERR_LIMIT, "%s: its file list is longer than %u bytes; not Windows install media",
                        iso, OST_RUN_MAX_OUTPUT);
    }
    char *path = NULL;
    bool folder = false;
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[n - 1] = 0;
        if (!strncmp(line, "Path = ", 7)) {
            if (path && !folder && strncmp(path, BOOT_PSEUDO, strlen(BOOT_PSEUDO)) != 0)
                ost_strlist_add(files, path);
            free(path);
            path = ost_xstrdup(line + 7);
            folder = false;
        } else if (!strcmp(line, "Folder = +")) {
            folder = true;
        }
    }
    if (path && !folder && strncmp(path, BOOT_PSEUDO, strlen(BOOT_PSEUDO)) != 0)
        ost_strlist_add(files, path);
    free(path);
    ost_run_result_free(&r);
    return OST_OK;
}

/* Nothing extracted may be a link (or a device, a FIFO): install media
 * hold files and folders only, and a link could lead a later write out. */
static ost_status check_extracted(const char *dir, const char *iso, unsigned depth, struct ost_error *err)
{
    if (depth > 64)
        return ost_fail(err, OST_ERR_LIMIT, "%s: folders nested deeper than 64 (at %s)", iso, dir);
    DIR *d = opendir(dir);
    if (!d)
        return ost_fail(err, OST_ERR_IO, "%s: %s", dir, strerror(errno));
    ost_status st = OST_OK;
    struct dirent *e;
    while (st == OST_OK && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *p = ost_path_join(dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) != 0)
            st = ost_fail(err, OST_ERR_IO, "%s: %s", p, strerror(errno));
        else if (S_ISDIR(sb.st_mode))
            st = check_extracted(p, iso, depth + 1, err);
        else if (!S_ISREG(sb.st_mode))
            st = ost_fail(err, OST_ERR_CORRUPT, "%s: holds %s, which is not a file or a folder (a link?); install "
                          "media hold none, so it is not used", iso, e->d_name);
        free(p);
    }
    closedir(d);
    return st;
}

ost_status ost_iso_extract(const char *iso, const char *dest, const struct ost_strlist *only, struct ost_error *err)
{
    char *out = ost_xasprintf("-o%s", dest);
    size_t n = only ? only->n : 0;
    char **argv = ost_xcalloc(n + 9, sizeof *argv);
    char **owned = ost_xcalloc(n + 1, sizeof *owned);
    size_t k = 0;
    /* -y answers no question; the boot images' pseudo folder stays out */
    argv[k++] = (char *)"7zz", argv[k++] = (char *)"x", argv[k++] = (char *)"-y", argv[k++] = (char *)"-bd";
    argv[k++] = (char *)"-x![BOOT]";
    for (size_t i = 0; i < n; i++)
        argv[k++] = owned[i] = ost_xasprintf("-i!%s", only->v[i]);
    argv[k++] = out, argv[k++] = (char *)"--", argv[k++] = (char *)iso;
    struct ost_run_result r;
    ost_status st = run_tool(iso, argv, NULL, &r, err);
    if (st == OST_OK && r.exit_status != 0)
        st = tool_failed(iso, "7-Zip could not extract it", &r, r.exit_status == 2 ? OST_ERR_CORRUPT : OST_ERR_IO,
                         err);
    ost_run_result_free(&r);
    for (size_t i = 0; i < n; i++)
        free(owned[i]);
    free(owned), free(argv), free(out);
    if (st == OST_OK)
        st = check_extracted(dest, iso, 0, err);
    return st;
}

/* ECMA-119 8.4: the primary volume descriptor is sector 16; its volume
 * identifier is 32 d-characters at byte 40, padded with spaces. */
ost_status ost_iso_label(const char *iso, char *label, size_t size, struct ost_error *err)
{
    label[0] = 0;
    int fd = open(iso, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ost_fail(err, OST_ERR_IO, "%s: %s", iso, strerror(errno));
    uint8_t pvd[72];
    ssize_t got = pread(fd, pvd, sizeof pvd, 16 * 2048);
    close(fd);
    if (got != (ssize_t)sizeof pvd || pvd[0] != 1 || memcmp(pvd + 1, "CD001", 5) != 0)
        return OST_OK;
    size_t n = 32;
    while (n && (pvd[40 + n - 1] == ' ' || pvd[40 + n - 1] == 0))
        n--;
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < size; i++)
        if (pvd[40 + i] >= 0x20 && pvd[40 + i] < 0x7f)
            label[k++] = (char)pvd[40 + i];
    label[k] = 0;
    return OST_OK;
}

ost_status ost_iso_write(const char *folder, const char *label, const struct ost_iso_boot *boot, const char *out,
                         struct ost_error *err)
{
    char *argv[40];
    size_t k = 0;
    argv[k++] = (char *)"xorriso";
    argv[k++] = (char *)"-as";
    argv[k++] = (char *)"mkisofs";
    argv[k++] = (char *)"-quiet";
    argv[k++] = (char *)"-iso-level";
    argv[k++] = (char *)"3";
    argv[k++] = (char *)"-J";
    argv[k++] = (char *)"-joliet-long";
    argv[k++] = (char *)"-N"; /* no ";1" */
    argv[k++] = (char *)"-relaxed-filenames";
    argv[k++] = (char *)"-V";
    argv[k++] = (char *)(label && *label ? label : "OFFSTAGE_MEDIA");
    if (boot->bios || boot->uefi) {
        argv[k++] = (char *)"-eltorito-catalog";
        argv[k++] = (char *)"boot.catalog";
        argv[k++] = (char *)"-hide";
        argv[k++] = (char *)"boot.catalog";
        argv[k++] = (char *)"-hide-joliet";
        argv[k++] = (char *)"boot.catalog";
    }
    if (boot->bios) {
        argv[k++] = (char *)"-b";
        argv[k++] = (char *)boot->bios;
        argv[k++] = (char *)"-no-emul-boot";
        argv[k++] = (char *)"-boot-load-size";
        argv[k++] = (char *)"8";
    }
    if (boot->uefi) {
        if (boot->bios)
            argv[k++] = (char *)"-eltorito-alt-boot";
        argv[k++] = (char *)"-e";
        argv[k++] = (char *)boot->uefi;
        argv[k++] = (char *)"-no-emul-boot";
    }
    argv[k++] = (char *)"-o";
    argv[k++] = (char *)out;
    /* no "--": it would end xorriso's mkisofs emulation */
    char *folder_arg = folder[0] == '-' ? ost_xasprintf("./%s", folder) : ost_xstrdup(folder);
    argv[k++] = folder_arg;
    argv[k] = NULL;
    struct ost_run_result r;
    ost_status st = run_tool(out, argv, NULL, &r, err);
    if (st == OST_OK && r.exit_status != 0)
        st = tool_failed(out, "xorriso could not write the ISO", &r, OST_ERR_IO, err);
    ost_run_result_free(&r);
    free(folder_arg);
    return st;
}

ost_status ost_iso_boot_report(const char *iso, struct ost_strlist *lines, struct ost_error *err)
{
    char *argv[] = {(char *)"xorriso", (char *)"-indev", (char *)iso, (char *)"-report_el_torito", (char *)"plain",
                    NULL};
    struct ost_run_result r;
    ost_status st = run_tool(iso, argv, NULL, &r, err);
    if (st == OST_OK && r.exit_status != 0)
        st = tool_failed(iso, "xorriso cannot read its boot catalog", &r, OST_ERR_CORRUPT, err);
    for (char *line = st == OST_OK ? strtok(r.out, "\n") : NULL; line; line = strtok(NULL, "\n"))
        if (!strncmp(line, "El Torito", 9))
            ost_strlist_add(lines, line);
    ost_run_result_free(&r);
    return st;
}
