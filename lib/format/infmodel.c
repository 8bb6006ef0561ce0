/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "infmodel.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cimap.h"
#include "classes.h"
#include "fileutil.h"

/* What one architecture's build has added or processed already: every
 * membership test is a map lookup, and a section named from many places
 * is processed once, so no INF makes the build quadratic. */
struct arch_seen {
    struct ost_cimap files;            /* destination path */
    struct ost_cimap file_lists;       /* file-list sections */
    struct ost_cimap install_parts;    /* "<context>:<section>" given to process_common */
    struct ost_cimap install_sections; /* DDInstall sections */
    struct ost_cimap services, includes, needs;
    struct ost_cimap bad_names;        /* "<line>:<name>" reported */
};

/* Everything a builder pass needs to hand around. */
struct builder {
    struct ost_driver_model *m;
    const struct ost_inf *inf;
    struct ost_arch_model *am; /* the architecture being built */
    struct arch_seen seen;     /* for am */
    struct ost_cimap models_sections_read;
    struct ost_install_index install_index; /* for am */
    ost_status st;             /* a limit was exceeded: the build fails */
    struct ost_error *err;
};

static void arch_seen_free(struct arch_seen *s)
{
    ost_cimap_free(&s->files), ost_cimap_free(&s->file_lists), ost_cimap_free(&s->install_parts);
    ost_cimap_free(&s->install_sections), ost_cimap_free(&s->services), ost_cimap_free(&s->includes);
    ost_cimap_free(&s->needs), ost_cimap_free(&s->bad_names);
}

/* Adds key to the set; false when it was there already. */
static bool first_time(struct ost_cimap *set, const char *key)
{
    if (ost_cimap_get(set, key))
        return false;
    ost_cimap_put(set, key, (void *)set);
    return true;
}

static void diag(struct builder *b, ost_severity sev, unsigned line, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Findings made while building one architecture concern only it. */
static void diag(struct builder *b, ost_severity sev, unsigned line, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ost_diag_vadd(&b->m->diags, sev, b->am ? b->am->arch : OST_ARCH_UNKNOWN, b->m->inf_path, line, code, fmt, ap);
    va_end(ap);
}

#define DIAG diag

static const char *value_at(const struct ost_inf_line *l, size_t i)
{
    return i < l->nvalues ? l->values[i] : "";
}

/* ------------------------------------------------------------------------
 * [Version]
 */

static bool parse_driver_ver(const struct ost_inf_line *l, struct ost_driver_ver *dv)
{
    dv->present = true;
    dv->line = l->lineno;
    dv->text = l->nvalues > 1 ? ost_xasprintf("%s,%s", l->values[0], l->values[1]) : ost_xstrdup(l->values[0]);
    unsigned mo, d, y;
    char tail;
    if (sscanf(l->values[0], "%u/%u/%u%c", &mo, &d, &y, &tail) != 3 || mo < 1 || mo > 12 || d < 1 ||
        d > 31 || y < 1980 || y > 9999)
        return false;
    dv->month = mo, dv->day = d, dv->year = y;
    if (l->nvalues > 1 && l->values[1][0]) {
        unsigned long v[4] = {0};
        int n = sscanf(l->values[1], "%lu.%lu.%lu.%lu%c", &v[0], &v[1], &v[2], &v[3], &tail);
        if (n < 1 || n > 4)
            return false;
        for (int i = 0; i < 4; i++) {
            if (v[i] > 65535)
                return false;
            dv->version[i] = (uint16_t)v[i];
        }
        dv->has_version = true;
    }
    return true;
}

static void build_version(struct builder *b)
{
    struct ost_version_info *v = &b->m->version;
    const struct ost_inf_section *s = ost_inf_section(b->inf, "Version");
    if (!s) {
        DIAG(b, OST_SEV_ERROR, 0, "missing-version",
             "no [Version] section: Windows does not accept this file as a driver INF");
        return;
    }
    v->line = s->lineno;
    const struct ost_inf_line *l;
    if ((l = ost_inf_find_key(s, "Signature")))
        v->signature = ost_xstrdup(l->values[0]);
    if (!v->signature)
        DIAG(b, OST_SEV_ERROR, s->lineno, "bad-signature", "[Version] has no Signature; use \"$Windows NT$\"");
    else if (!ost_streq_ci(v->signature, "$Windows NT$") && !ost_streq_ci(v->signature, "$Chicago$") &&
             !ost_streq_ci(v->signature, "$Windows 95$"))
        DIAG(b, OST_SEV_ERROR, l->lineno, "bad-signature",
             "Signature is \"%s\"; Windows accepts only \"$Windows NT$\" (or the legacy \"$Chicago$\")",
             v->signature);
    if ((l = ost_inf_find_key(s, "Class")))
        v->class_name = ost_xstrdup(l->values[0]);
    unsigned guid_line = 0;
    if ((l = ost_inf_find_key(s, "ClassGuid"))) {
        v->class_guid = ost_xstrdup(l->values[0]);
        guid_line = l->lineno;
    }
    if ((l = ost_inf_find_key(s, "Provider")))
        v->provider = ost_xstrdup(l->values[0]);
    else
        DIAG(b, OST_SEV_WARNING, s->lineno, "missing-provider",
             "[Version] has no Provider; Windows shows the package with an empty provider");

    if (!v->class_guid) {
        DIAG(b, OST_SEV_ERROR, s->lineno, "missing-classguid",
             "[Version] has no ClassGuid; a device INF must name its setup class");
    } else if (!ost_guid_is_valid(v->class_guid)) {
        DIAG(b, OST_SEV_ERROR, guid_line, "bad-classguid",
             "ClassGuid \"%s\" is not a GUID of the form {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}", v->class_guid);
    } else {
        const char *known_name = ost_class_name_for_guid(v->class_guid);
        const char *known_guid = v->class_name ? ost_class_guid_for_name(v->class_name) : NULL;
        if (known_guid && !ost_streq_ci(known_guid, v->class_guid))
            DIAG(b, OST_SEV_ERROR, guid_line, "class-guid-mismatch",
                 "Class is %s but ClassGuid %s is %s%s; the class %s has GUID %s", v->class_name,
                 v->class_guid, known_name ? "the GUID of class " : "not that class's GUID",
                 known_name ? known_name : "", v->class_name, known_guid);
        else if (known_name && v->class_name && !ost_streq_ci(known_name, v->class_name))
            DIAG(b, OST_SEV_ERROR, guid_line, "class-guid-mismatch",
                 "ClassGuid %s belongs to class %s, but Class is %s", v->class_guid, known_name, v->class_name);
    }
    if (!v->class_name)
        DIAG(b, OST_SEV_WARNING, s->lineno, "missing-class", "[Version] has no Class name");

    if ((l = ost_inf_find_key(s, "DriverVer"))) {
        v->driver_ver.valid = parse_driver_ver(l, &v->driver_ver);
        if (!v->driver_ver.valid)
            DIAG(b, OST_SEV_ERROR, l->lineno, "bad-driverver",
                 "DriverVer \"%s\" is not mm/dd/yyyy[,w.x.y.z] (each version part 0-65535)", v->driver_ver.text);
    } else {
        DIAG(b, OST_SEV_ERROR, s->lineno, "missing-driverver",
             "[Version] has no DriverVer; Windows needs it to rank the driver, and Inf2Cat refuses to "
             "sign the package without it");
    }
}

/* ------------------------------------------------------------------------
 * [Manufacturer] and the models sections it names.
 */

static void add_declared(struct ost_driver_model *m, ost_arch a)
{
    for (size_t i = 0; i < m->ndeclared; i++)
        if (m->declared[i] == a)
            return;
    if (m->ndeclared < OST_ARCH_COUNT)
        m->declared[m->ndeclared++] = a;
}

static void read_models_section(struct builder *b, const char *manufacturer, const char *name,
                                const struct ost_decoration *d, bool decorated, unsigned mfg_line)
{
    const struct ost_inf_section *s = ost_inf_section(b->inf, name);
    if (!s) {
        if (decorated)
            DIAG(b, OST_SEV_ERROR, mfg_line, "missing-models-section",
                 "[Manufacturer] names models section [%s], which does not exist", name);
        return;
    }
    /* Its devices are listed once, however many [Manufacturer] lines name it. */
    if (!first_time(&b->models_sections_read, s->name))
        return;
    add_declared(b->m, decorated && d->arch != OST_ARCH_UNKNOWN ? d->arch : OST_ARCH_X86);
    for (size_t i = 0; i < s->nlines; i++) {
        const struct ost_inf_line *l = &s->lines[i];
        struct ost_driver_model *m = b->m;
        struct ost_model_line ml = {
            .manufacturer = ost_xstrdup(manufacturer),
            .models_section = ost_xstrdup(s->name),
            .decoration = *d,
            .decorated = decorated,
            .description = ost_xstrdup(l->key ? l->key : ""),
            .install_section = ost_xstrdup(value_at(l, 0)),
            .hardware_id = ost_xstrdup(value_at(l, 1)),
            .line = l->lineno,
        };
        for (size_t k = 2; k < l->nvalues; k++)
            if (l->values[k][0])
                ost_strlist_add(&ml.compatible_ids, l->values[k]);
        if (!l->key)
            DIAG(b, OST_SEV_WARNING, l->lineno, "model-without-description",
                 "model line has no 'description =' part");
        if (!ml.install_section[0])
            DIAG(b, OST_SEV_ERROR, l->lineno, "model-without-install-section",
                 "model line names no install section");
        if (!ml.hardware_id[0] && ml.compatible_ids.n == 0)
            DIAG(b, OST_SEV_ERROR, l->lineno, "model-without-id",
                 "model line has no hardware ID: it can never match a device");
        ost_grow(&m->model_lines, &m->model_lines_cap, m->nmodel_lines + 1, sizeof *m->model_lines);
        m->model_lines[m->nmodel_lines++] = ml;
    }
}

static void build_manufacturers(struct builder *b)
{
    const struct ost_inf_section *s = ost_inf_section(b->inf, "Manufacturer");
    if (!s) {
        DIAG(b, OST_SEV_ERROR, 0, "missing-manufacturer",
             "no [Manufacturer] section: this INF installs no device");
        return;
    }
    for (size_t i = 0; i < s->nlines; i++) {
        const struct ost_inf_line *l = &s->lines[i];
        const char *base = l->values[0];
        const char *mfg = l->key ? l->key : base;
        if (!base[0]) {
            DIAG(b, OST_SEV_ERROR, l->lineno, "bad-manufacturer-line", "manufacturer line names no models section");
            continue;
        }
        struct ost_decoration none = {0};
        read_models_section(b, mfg, base, &none, false, l->lineno);
        for (size_t k = 1; k < l->nvalues; k++) {
            struct ost_decoration d;
            if (!l->values[k][0])
                continue;
            if (!ost_decoration_parse(l->values[k], &d)) {
                DIAG(b, OST_SEV_ERROR, l->lineno, "bad-decoration",
                     "\"%s\" is not a platform decoration (expected NT[arch][.major[.minor...]], e.g. NTamd64)",
                     l->values[k]);
                continue;
            }
            char *name = ost_xasprintf("%s.%s", base, l->values[k]);
            read_models_section(b, mfg, name, &d, true, l->lineno);
            free(name);
        }
    }
    if (b->m->nmodel_lines == 0 && s->nlines)
        DIAG(b, OST_SEV_ERROR, s->lineno, "no-models", "no models section named by [Manufacturer] has any device");
}

/* ------------------------------------------------------------------------
 * Paths and destinations.
 */

static bool is_reserved_device(const char *name)
{
    /* The part before the first dot, trailing spaces dropped, as Windows
     * compares it: "con.txt" and "NUL .tar.gz" are the devices. */
    size_t n = strcspn(name, ".");
    while (n && name[n - 1] == ' ')
        n--;
    static const char *const plain[] = {"CON", "PRN", "AUX", "NUL"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        if (n == 3 && !ost_strncasecmp(name, plain[i], 3))
            return true;
    if (n < 4 || (ost_strncasecmp(name, "COM", 3) && ost_strncasecmp(name, "LPT", 3)))
        return false;
    const char *digit = name + 3;
    size_t dlen = n - 3;
    if (dlen == 1 && digit[0] >= '1' && digit[0] <= '9')
        return true;
    /* superscript one, two and three (U+00B9, U+00B2, U+00B3) */
    return dlen == 2 && (uint8_t)digit[0] == 0xC2 &&
           ((uint8_t)digit[1] == 0xB9 || (uint8_t)digit[1] == 0xB2 || (uint8_t)digit[1] == 0xB3);
}

bool ost_windows_name_ok(const char *name, char *why, size_t size)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || strchr("<>:\"/\\|?*", c)) {
            if (c < 0x20)
                snprintf(why, size, "has the control character 0x%02X, which Windows forbids in file names", c);
            else
                snprintf(why, size, "has the character '%c', which Windows forbids in file names", c);
            return false;
        }
    }
    if (n && (name[n - 1] == '.' || name[n - 1] == ' ')) {
        snprintf(why, size, "ends with a %s, which Windows strips from file names",
                 name[n - 1] == '.' ? "dot" : "space");
        return false;
    }
    if (is_reserved_device(name)) {
        snprintf(why, size, "is a device name Windows reserves (CON, PRN, AUX, NUL, COM1-COM9, LPT1-LPT9, "
                            "with any extension)");
        return false;
    }
    return true;
}

/* Checks every folder and file name of an INF path; each bad name is
 * reported once per line, however many files reach it. */
static bool names_ok(struct builder *b, const char *path, const char *what, unsigned line)
{
    bool ok = true;
    for (const char *p = path; *p;) {
        while (*p == '\\' || *p == '/')
            p++;
        const char *start = p;
        while (*p && *p != '\\' && *p != '/')
            p++;
        size_t n = (size_t)(p - start);
        if (!n || strspn(start, ".") >= n) /* "." stays, ".." is path-escape's */
            continue;
        char *name = ost_xstrndup(start, n), why[160];
        if (!ost_windows_name_ok(name, why, sizeof why)) {
            ok = false;
            char *key = ost_xasprintf("%u:%s", line, name);
            if (first_time(&b->seen.bad_names, key))
                DIAG(b, OST_SEV_ERROR, line, "bad-file-name",
                     "%s \"%s\" %s: Windows cannot create it when it installs the package; rename it", what,
                     name, why);
            free(key);
        }
        free(name);
    }
    return ok;
}

const char *ost_dirid_path(unsigned dirid, ost_arch arch)
{
    switch (dirid) {
    case 10: return "Windows";
    case 11: return "Windows\\System32";
    case 12: return "Windows\\System32\\drivers";
    case 17: return "Windows\\inf";
    case 18: return "Windows\\Help";
    case 20: return "Windows\\Fonts";
    case 23: return "Windows\\System32\\spool\\drivers\\color";
    case 24: return "";
    case 50: return "Windows\\System";
    case 51: return "Windows\\System32\\spool";
    case 52: return "Windows\\System32\\spool\\drivers";
    case 53: return "Users\\Default";
    case 16422: return "Program Files";
    case 16425: return arch == OST_ARCH_X86 ? "Windows\\System32" : "Windows\\SysWOW64";
    case 16426: return "Program Files\\Common Files";
    default: return NULL;
    }
}

static void destination_for(struct builder *b, const char *section, unsigned *dirid, char **subdir,
                            unsigned ref_line)
{
    const struct ost_inf_section *dd = ost_inf_section(b->inf, "DestinationDirs");
    const struct ost_inf_line *l = section ? ost_inf_find_key(dd, section) : NULL;
    if (!l)
        l = ost_inf_find_key(dd, "DefaultDestDir");
    *dirid = 11; /* Windows' default when nothing is said */
    *subdir = ost_xstrdup("");
    if (!l) {
        DIAG(b, OST_SEV_WARNING, ref_line, "no-destination",
             "[DestinationDirs] has no entry for %s and no DefaultDestDir; Windows copies to System32 (DIRID 11)",
             section ? section : "this file");
        return;
    }
    uint32_t v;
    if (ost_inf_parse_u32(l->values[0], &v) != 0) {
        DIAG(b, OST_SEV_ERROR, l->lineno, "bad-dirid", "\"%s\" is not a directory ID", l->values[0]);
        return;
    }
    *dirid = v;
    if (l->nvalues > 1 && l->values[1][0]) {
        char *safe = ost_safe_relative_path(l->values[1]);
        if (!safe) {
            DIAG(b, OST_SEV_ERROR, l->lineno, "path-escape",
                 "destination subdirectory \"%s\" leaves its directory", l->values[1]);
        } else {
            names_ok(b, safe, "destination subfolder", l->lineno);
            free(*subdir);
            *subdir = safe;
        }
    }
}

static const struct ost_inf_line *find_source_disk_file(struct builder *b, const char *name)
{
    char *dec = ost_xasprintf("SourceDisksFiles.%s", ost_arch_inf_suffix(b->am->arch));
    const struct ost_inf_line *l = ost_inf_find_key(ost_inf_section(b->inf, dec), name);
    free(dec);
    return l ? l : ost_inf_find_key(ost_inf_section(b->inf, "SourceDisksFiles"), name);
}

static const struct ost_inf_line *find_source_disk(struct builder *b, const char *id)
{
    char *dec = ost_xasprintf("SourceDisksNames.%s", ost_arch_inf_suffix(b->am->arch));
    const struct ost_inf_line *l = ost_inf_find_key(ost_inf_section(b->inf, dec), id);
    free(dec);
    return l ? l : ost_inf_find_key(ost_inf_section(b->inf, "SourceDisksNames"), id);
}

/* Where the file is inside the package: SourceDisksNames path, then the
 * SourceDisksFiles subdirectory, then the name. NULL when it would leave
 * the package (reported). */
static char *source_path_for(struct builder *b, const char *source_name, unsigned line, bool *listed)
{
    struct ost_buf raw = {0};
    const struct ost_inf_line *f = find_source_disk_file(b, source_name);
    bool names = names_ok(b, source_name, "source file name", line);
    *listed = f != NULL;
    if (f) {
        const struct ost_inf_line *disk = find_source_disk(b, f->values[0]);
        if (!disk)
            DIAG(b, OST_SEV_ERROR, f->lineno, "unknown-source-disk",
                 "%s is on source disk %s, which [SourceDisksNames] does not define", source_name, f->values[0]);
        else if (disk->nvalues > 3 && disk->values[3][0]) {
            names = names_ok(b, disk->values[3], "folder of the source disk", disk->lineno) && names;
            ost_buf_addf(&raw, "%s\\", disk->values[3]);
        }
        if (f->nvalues > 1 && f->values[1][0]) {
            names = names_ok(b, f->values[1], "source subfolder", f->lineno) && names;
            ost_buf_addf(&raw, "%s\\", f->values[1]);
        }
    } else {
        DIAG(b, OST_SEV_WARNING, line, "not-in-source-disks-files",
             "%s is copied but not listed in [SourceDisksFiles]; looking for it next to the INF "
             "(Inf2Cat rejects such packages)",
             source_name);
    }
    ost_buf_adds(&raw, source_name);
    char *safe = names ? ost_safe_relative_path(raw.data) : NULL;
    if (!safe && names)
        DIAG(b, OST_SEV_ERROR, f ? f->lineno : line, "path-escape",
             "source path \"%s\" would leave the package folder", raw.data);
    ost_buf_free(&raw);
    return safe;
}

static void add_file(struct builder *b, const char *dest_name, const char *source_name, const char *section,
                     const char *dest_section, unsigned line)
{
    struct ost_arch_model *am = b->am;
    if (strchr(dest_name, '\\') || strchr(dest_name, '/')) {
        DIAG(b, OST_SEV_ERROR, line, "path-escape",
             "destination file name \"%s\" contains a path separator", dest_name);
        return;
    }
    if (!names_ok(b, dest_name, "destination file name", line))
        return;
    unsigned dirid;
    char *subdir;
    destination_for(b, dest_section, &dirid, &subdir, line);
    const char *base = ost_dirid_path(dirid, am->arch);
    char *dest = base ? ost_xasprintf("%s%s%s%s%s", base, base[0] ? "\\" : "", subdir,
                                      subdir[0] ? "\\" : "", dest_name)
                      : ost_xasprintf("%%%u%%\\%s%s%s", dirid, subdir, subdir[0] ? "\\" : "", dest_name);
    for (char *p = dest; *p; p++)
        if (*p == '/')
            *p = '\\';
    if (ost_cimap_get(&b->seen.files, dest) || b->st != OST_OK) {
        free(dest);
        free(subdir);
        return;
    }
    if (am->nfiles == OST_MODEL_MAX_FILES) {
        b->st = ost_fail(b->err, OST_ERR_LIMIT,
                         "%s:%u: the package copies more than %u files for %s; real driver packages copy "
                         "tens, so this is not one (split it into several packages if it really is)",
                         b->m->inf_path, line, OST_MODEL_MAX_FILES, ost_arch_name(am->arch));
        free(dest);
        free(subdir);
        return;
    }
    bool listed = false;
    char *src = source_path_for(b, source_name, line, &listed);
    if (!src) {
        free(dest);
        free(subdir);
        return;
    }
    ost_cimap_put(&b->seen.files, dest, (void *)&b->seen.files);
    ost_grow(&am->files, &am->files_cap, am->nfiles + 1, sizeof *am->files);
    am->files[am->nfiles++] = (struct ost_file_copy){
        .name = ost_xstrdup(dest_name), .source_name = ost_xstrdup(source_name), .source_path = src,
        .listed = listed, .dirid = dirid, .dest_subdir = subdir, .dest_path = dest,
        .section = ost_xstrdup(section), .line = line,
    };
}

static void process_copyfiles(struct builder *b, const struct ost_inf_line *l)
{
    for (size_t k = 0; k < l->nvalues; k++) {
        const char *item = l->values[k];
        if (!item[0])
            continue;
        if (item[0] == '@') {
            char *at = ost_xasprintf("@%s", item + 1);
            add_file(b, item + 1, item + 1, at, NULL, l->lineno);
            free(at);
            continue;
        }
        const struct ost_inf_section *fs = ost_inf_section(b->inf, item);
        if (!fs) {
            DIAG(b, OST_SEV_ERROR, l->lineno, "missing-section",
                 "CopyFiles names section [%s], which does not exist", item);
            continue;
        }
        /* A file list's destination follows from its name, so a second
         * reference would add nothing. */
        if (!first_time(&b->seen.file_lists, fs->name))
            continue;
        for (size_t i = 0; i < fs->nlines; i++) {
            const struct ost_inf_line *fl = &fs->lines[i];
            /* A file-list line is "dest[,source][,unused][,flags]"; a key
             * would be a mistake, but take it as the destination name. */
            const char *dest = fl->key ? fl->key : fl->values[0];
            const char *src = (!fl->key && fl->nvalues > 1 && fl->values[1][0]) ? fl->values[1] : dest;
            if (!dest[0])
                continue;
            add_file(b, dest, src, fs->name, fs->name, fl->lineno);
        }
    }
}

/* ------------------------------------------------------------------------
 * Registry, services, includes.
 */

static void process_addreg(struct builder *b, const struct ost_inf_line *l, enum ost_reg_context ctx,
                           const char *owner)
{
    struct ost_arch_model *am = b->am;
    for (size_t k = 0; k < l->nvalues; k++) {
        const char *name = l->values[k];
        if (!name[0])
            continue;
        const struct ost_inf_section *rs = ost_inf_section(b->inf, name);
        if (!rs) {
            DIAG(b, OST_SEV_ERROR, l->lineno, "missing-section",
                 "AddReg names section [%s], which does not exist", name);
            continue;
        }
        for (size_t i = 0; i < rs->nlines && b->st == OST_OK; i++) {
            const struct ost_inf_line *rl = &rs->lines[i];
            if (am->nregs == OST_MODEL_MAX_REGS) {
                b->st = ost_fail(b->err, OST_ERR_LIMIT,
                                 "%s:%u: the package adds more than %u registry values for %s; real driver "
                                 "packages add hundreds, so this is not one",
                                 b->m->inf_path, rl->lineno, OST_MODEL_MAX_REGS, ost_arch_name(am->arch));
                break;
            }
            struct ost_reg_entry e = {
                .context = ctx, .owner = owner ? ost_xstrdup(owner) : NULL, .section = ost_xstrdup(rs->name),
                .line = rl->lineno, .root = ost_xstrdup(value_at(rl, 0)), .subkey = ost_xstrdup(value_at(rl, 1)),
                .value_name = ost_xstrdup(value_at(rl, 2)),
            };
            if (rl->nvalues > 3 && rl->values[3][0]) {
                e.has_flags = ost_inf_parse_u32(rl->values[3], &e.flags) == 0;
                if (!e.has_flags)
                    DIAG(b, OST_SEV_WARNING, rl->lineno, "bad-reg-flags", "registry flags \"%s\" are not a number",
                         rl->values[3]);
            }
            for (size_t d = 4; d < rl->nvalues; d++)
                ost_strlist_add(&e.data, rl->values[d]);
            ost_grow(&am->regs, &am->regs_cap, am->nregs + 1, sizeof *am->regs);
            am->regs[am->nregs++] = e;
        }
    }
}

static void read_service_number(struct builder *b, const struct ost_inf_section *s, const char *key,
                                bool *has, uint32_t *out, unsigned *line)
{
    const struct ost_inf_line *l = ost_inf_find_key(s, key);
    if (!l)
        return;
    if (ost_inf_parse_u32(l->values[0], out) != 0) {
        DIAG(b, OST_SEV_ERROR, l->lineno, "bad-service-value", "%s \"%s\" is not a number", key, l->values[0]);
        return;
    }
    *has = true;
    if (line)
        *line = l->lineno;
}

static void process_addservice(struct builder *b, const struct ost_inf_line *l)
{
    struct ost_arch_model *am = b->am;
    const char *name = value_at(l, 0);
    if (!name[0])
        return; /* "AddService = ,2": the device needs no service */
    if (!first_time(&b->seen.services, name))
        return;
    struct ost_service sv = {.name = ost_xstrdup(name), .line = l->lineno, .section = ost_xstrdup(value_at(l, 2))};
    if (value_at(l, 1)[0] && ost_inf_parse_u32(value_at(l, 1), &sv.flags) != 0)
        DIAG(b, OST_SEV_WARNING, l->lineno, "bad-service-flags", "AddService flags \"%s\" are not a number",
             value_at(l, 1));
    const struct ost_inf_section *s = sv.section[0] ? ost_inf_section(b->inf, sv.section) : NULL;
    if (!s) {
        DIAG(b, OST_SEV_ERROR, l->lineno, "missing-section",
             "AddService %s names service-install section [%s], which does not exist", name, sv.section);
    } else {
        const struct ost_inf_line *x;
        if ((x = ost_inf_find_key(s, "DisplayName")))
            sv.display_name = ost_xstrdup(x->values[0]);
        if ((x = ost_inf_find_key(s, "ServiceBinary")))
            sv.service_binary = ost_xstrdup(x->values[0]);
        if ((x = ost_inf_find_key(s, "LoadOrderGroup")))
            sv.load_order_group = ost_xstrdup(x->values[0]);
        read_service_number(b, s, "ServiceType", &sv.has_type, &sv.service_type, NULL);
        read_service_number(b, s, "StartType", &sv.has_start, &sv.start_type, &sv.start_line);
        read_service_number(b, s, "ErrorControl", &sv.has_error_control, &sv.error_control, NULL);
        const char *missing = !sv.has_type ? "ServiceType" : !sv.has_start ? "StartType"
                            : !sv.has_error_control ? "ErrorControl" : !sv.service_binary ? "ServiceBinary" : NULL;
        if (missing)
            DIAG(b, OST_SEV_ERROR, s->lineno, "incomplete-service",
                 "service-install section [%s] has no %s; Windows refuses to add service %s", s->name, missing, name);
        if (sv.has_start && sv.start_type > 4)
            DIAG(b, OST_SEV_ERROR, sv.start_line, "bad-start-type",
                 "StartType %u is not 0-4 (boot, system, auto, demand, disabled)", sv.start_type);
        if ((x = ost_inf_find_key(s, "AddReg")))
            process_addreg(b, x, OST_REG_SERVICE, name);
    }
    const char *eventlog = value_at(l, 3);
    if (eventlog[0]) {
        const struct ost_inf_section *es = ost_inf_section(b->inf, eventlog);
        const struct ost_inf_line *x = es ? ost_inf_find_key(es, "AddReg") : NULL;
        if (!es)
            DIAG(b, OST_SEV_ERROR, l->lineno, "missing-section",
                 "AddService %s names event-log section [%s], which does not exist", name, eventlog);
        else if (x)
            process_addreg(b, x, OST_REG_EVENTLOG, name);
    }
    ost_grow(&am->services, &am->services_cap, am->nservices + 1, sizeof *am->services);
    am->services[am->nservices++] = sv;
}

static void add_unique(struct ost_strlist *l, struct ost_cimap *seen, const char *s)
{
    if (s[0] && first_time(seen, s))
        ost_strlist_add(l, s);
}

/* The directives every install-type section may carry. */
static void process_common(struct builder *b, const struct ost_inf_section *s, enum ost_reg_context ctx,
                           const char *owner)
{
    /* A section reached again (Needs, several interfaces) adds nothing new. */
    char *part = ost_xasprintf("%d:%s", (int)ctx, s->name);
    bool again = !first_time(&b->seen.install_parts, part);
    free(part);
    if (again)
        return;
    for (size_t i = 0; i < s->nlines && b->st == OST_OK; i++) {
        const struct ost_inf_line *l = &s->lines[i];
        if (!l->key)
            continue;
        if (ost_streq_ci(l->key, "CopyFiles"))
            process_copyfiles(b, l);
        else if (ost_streq_ci(l->key, "AddReg"))
            process_addreg(b, l, ctx, owner);
        else if (ost_streq_ci(l->key, "Include"))
            for (size_t k = 0; k < l->nvalues; k++)
                add_unique(&b->am->includes, &b->seen.includes, l->values[k]);
        else if (ost_streq_ci(l->key, "Needs"))
            for (size_t k = 0; k < l->nvalues; k++)
                add_unique(&b->am->needs, &b->seen.needs, l->values[k]);
        else if (ost_streq_ci(l->key, "AddService"))
            process_addservice(b, l);
    }
}

static const struct ost_inf_section *companion(struct builder *b, const char *ddinstall, const char *suffix)
{
    char *name = ost_xasprintf("%s.%s", ddinstall, suffix);
    const struct ost_inf_section *s = ost_inf_section(b->inf, name);
    free(name);
    return s;
}

static void process_interfaces(struct builder *b, const struct ost_inf_section *s)
{
    for (size_t i = 0; i < s->nlines; i++) {
        const struct ost_inf_line *l = &s->lines[i];
        if (!l->key || !ost_streq_ci(l->key, "AddInterface"))
            continue;
        const char *name = value_at(l, 2);
        if (!name[0])
            continue;
        const struct ost_inf_section *is = ost_inf_section(b->inf, name);
        if (!is)
            DIAG(b, OST_SEV_ERROR, l->lineno, "missing-section",
                 "AddInterface names section [%s], which does not exist", name);
        else
            process_common(b, is, OST_REG_INTERFACE, NULL);
    }
}

static void process_wdf(struct builder *b, const struct ost_inf_section *s)
{
    const struct ost_inf_line *l = ost_inf_find_key(s, "KmdfService");
    if (!l)
        return;
    const struct ost_inf_section *ws = ost_inf_section(b->inf, value_at(l, 1));
    const struct ost_inf_line *v = ws ? ost_inf_find_key(ws, "KmdfLibraryVersion") : NULL;
    if (!ws)
        DIAG(b, OST_SEV_ERROR, l->lineno, "missing-section", "KmdfService names section [%s], which does not exist",
             value_at(l, 1));
    else if (v && !b->am->kmdf_version)
        b->am->kmdf_version = ost_xstrdup(v->values[0]);
}

static void process_ddinstall(struct builder *b, const struct ost_inf_section *dd)
{
    process_common(b, dd, OST_REG_SOFTWARE, NULL);
    /* Needs may name sections of this INF as well as of included ones. */
    const struct ost_inf_line *needs = ost_inf_find_key(dd, "Needs");
    for (size_t k = 0; needs && k < needs->nvalues; k++) {
        const struct ost_inf_section *ns = ost_inf_section(b->inf, needs->values[k]);
        if (ns && ns != dd)
            process_common(b, ns, OST_REG_SOFTWARE, NULL);
    }
    const struct ost_inf_section *s;
    if ((s = companion(b, dd->name, "HW")))
        process_common(b, s, OST_REG_HARDWARE, NULL);
    if ((s = companion(b, dd->name, "Services")))
        process_common(b, s, OST_REG_SERVICE, NULL);
    if ((s = companion(b, dd->name, "CoInstallers")))
        process_common(b, s, OST_REG_COINSTALLER, NULL);
    if ((s = companion(b, dd->name, "Interfaces")))
        process_interfaces(b, s);
    if ((s = companion(b, dd->name, "Wdf")))
        process_wdf(b, s);
}

/* ------------------------------------------------------------------------
 * One architecture.
 */

static void choose_catalog(struct builder *b)
{
    const struct ost_inf_section *v = ost_inf_section(b->inf, "Version");
    char *dec = ost_xasprintf("CatalogFile.NT%s", ost_arch_inf_suffix(b->am->arch));
    const struct ost_inf_line *l = ost_inf_find_key(v, dec);
    free(dec);
    if (!l)
        l = ost_inf_find_key(v, "CatalogFile.NT");
    if (!l)
        l = ost_inf_find_key(v, "CatalogFile");
    if (!l || !l->values[0][0])
        return;
    char *safe = ost_safe_relative_path(l->values[0]);
    if (!safe || strchr(safe, '/')) {
        DIAG(b, OST_SEV_ERROR, l->lineno, "bad-catalog-name",
             "CatalogFile \"%s\" must be a plain file name next to the INF", l->values[0]);
        free(safe);
        return;
    }
    if (!names_ok(b, safe, "CatalogFile", l->lineno)) {
        free(safe);
        return;
    }
    b->am->catalog_file = safe;
    b->am->catalog_line = l->lineno;
}

static bool line_applies(const struct ost_driver_model *m, const struct ost_model_line *ml, ost_arch arch)
{
    return ml->decorated ? ost_decoration_applies(&ml->decoration, arch, &m->os) : arch == OST_ARCH_X86;
}

/* Whether `a` is a better models section than `b` for the same manufacturer
 * (both applicable): any decorated one beats the undecorated one. */
static bool section_better(const struct ost_model_line *a, const struct ost_model_line *b)
{
    if (a->decorated != b->decorated)
        return a->decorated;
    return a->decorated && ost_decoration_compare(&a->decoration, &b->decoration) > 0;
}

/* For each manufacturer, the models section Windows would use on arch:
 * model lines are stored section by section, so one representative line
 * per section is enough to decide. */
static void choose_sections(struct builder *b, struct ost_cimap *best_by_mfg)
{
    const struct ost_driver_model *m = b->m;
    for (size_t i = 0; i < m->nmodel_lines; i++) {
        const struct ost_model_line *ml = &m->model_lines[i];
        if (i > 0 && ost_streq_ci(m->model_lines[i - 1].models_section, ml->models_section))
            continue;
        if (!line_applies(m, ml, b->am->arch))
            continue;
        const struct ost_model_line *cur = ost_cimap_get(best_by_mfg, ml->manufacturer);
        if (!cur || section_better(ml, cur))
            ost_cimap_put(best_by_mfg, ml->manufacturer, (void *)ml);
    }
}

static void choose_models(struct builder *b)
{
    struct ost_driver_model *m = b->m;
    struct ost_arch_model *am = b->am;
    struct ost_cimap best = {0}, install_cache = {0};
    static const char missing_marker = 0;
    choose_sections(b, &best);
    for (size_t i = 0; i < m->nmodel_lines; i++) {
        const struct ost_model_line *ml = &m->model_lines[i];
        const struct ost_model_line *chosen = ost_cimap_get(&best, ml->manufacturer);
        if (!chosen || !ost_streq_ci(chosen->models_section, ml->models_section))
            continue;
        /* Several model lines usually share an install section. */
        bool nt = false;
        const struct ost_inf_section *dd = NULL;
        void *cached = ost_cimap_get(&install_cache, ml->install_section);
        if (cached) {
            dd = cached == &missing_marker ? NULL : cached;
            nt = dd && !ost_streq_ci(dd->name, ml->install_section);
        } else {
            dd = ost_install_index_find(&b->install_index, ml->install_section, &nt);
            ost_cimap_put(&install_cache, ml->install_section, dd ? (void *)dd : (void *)&missing_marker);
            if (!dd && ml->install_section[0])
                DIAG(b, OST_SEV_ERROR, ml->line, "missing-install-section",
                     "install section [%s] (or a decorated form for %s) does not exist", ml->install_section,
                     ost_arch_name(am->arch));
            if (dd && first_time(&b->seen.install_sections, dd->name)) {
                ost_strlist_add(&am->install_sections, dd->name);
                process_ddinstall(b, dd);
            }
        }
        ost_grow(&am->devices, &am->devices_cap, am->ndevices + 1, sizeof *am->devices);
        am->devices[am->ndevices++] = (struct ost_device){
            .model = ml, .ddinstall = dd ? ost_xstrdup(dd->name) : NULL, .nt_extension = nt,
        };
    }
    ost_cimap_free(&best);
    ost_cimap_free(&install_cache);
    am->usable = am->ndevices > 0;
}

static void build_arch(struct builder *b)
{
    choose_catalog(b);
    choose_models(b);
    struct ost_arch_model *am = b->am;
    if (!am->usable) {
        bool x86_only = false;
        for (size_t i = 0; i < b->m->nmodel_lines; i++)
            if (!b->m->model_lines[i].decorated || b->m->model_lines[i].decoration.arch == OST_ARCH_UNKNOWN)
                x86_only = true;
        if (am->arch != OST_ARCH_X86 && x86_only)
            DIAG(b, OST_SEV_ERROR, 0, "no-models-for-arch",
                 "no models section applies to %s: undecorated and NT-only models sections are ignored "
                 "there; list a decorated NT%s section in [Manufacturer]",
                 ost_arch_name(am->arch), ost_arch_inf_suffix(am->arch));
        else
            DIAG(b, OST_SEV_ERROR, 0, "no-models-for-arch", "no models section applies to %s",
                 ost_arch_name(am->arch));
        return;
    }
    bool has_function_driver = false;
    for (size_t i = 0; i < am->nservices; i++)
        has_function_driver = has_function_driver || (am->services[i].flags & 0x2);
    if (!has_function_driver && am->nservices == 0)
        DIAG(b, OST_SEV_WARNING, 0, "no-service",
             "%s: no AddService in the install sections; the device would have no driver",
             ost_arch_name(am->arch));
}

/* ------------------------------------------------------------------------
 * Entry points.
 */

ost_status ost_driver_model_build(struct ost_inf *inf, const struct ost_model_options *opts,
                                  struct ost_driver_model **out, struct ost_error *err)
{
    struct ost_driver_model *m = ost_xcalloc(1, sizeof *m);
    m->inf = inf;
    m->inf_path = ost_xstrdup(inf->path);
    m->inf_name = ost_xstrdup(ost_path_basename(inf->path));
    m->package_dir = ost_path_dirname(inf->path);
    m->os = (opts && opts->os.major) ? opts->os : OST_OS_WIN7;
    struct builder b = {.m = m, .inf = inf, .err = err};
    char why[160];
    if (!ost_windows_name_ok(m->inf_name, why, sizeof why))
        DIAG(&b, OST_SEV_ERROR, 0, "bad-file-name",
             "the INF's own name \"%s\" %s: Windows cannot create it when it installs the package; rename it",
             m->inf_name, why);
    build_version(&b);
    build_manufacturers(&b);

    ost_arch want[OST_ARCH_COUNT];
    size_t nwant = 0;
    if (opts && opts->narches) {
        for (size_t i = 0; i < opts->narches && nwant < OST_ARCH_COUNT; i++)
            want[nwant++] = opts->arches[i];
    } else {
        for (size_t i = 0; i < m->ndeclared; i++)
            want[nwant++] = m->declared[i];
    }
    m->arches = ost_xcalloc(nwant ? nwant : 1, sizeof *m->arches);
    for (size_t i = 0; i < nwant && b.st == OST_OK; i++) {
        b.am = &m->arches[m->narches++];
        b.am->arch = want[i];
        ost_install_index_build(&b.install_index, inf, b.am->arch, &m->os);
        build_arch(&b);
        ost_install_index_free(&b.install_index);
        arch_seen_free(&b.seen);
    }
    ost_cimap_free(&b.models_sections_read);
    if (b.st != OST_OK) {
        ost_driver_model_free(m);
        *out = NULL;
        return b.st;
    }
    *out = m;
    return OST_OK;
}

ost_status ost_driver_model_load(const char *inf_path, const struct ost_inf_options *inf_opts,
                                 const struct ost_model_options *opts, struct ost_driver_model **out,
                                 struct ost_error *err)
{
    struct ost_diags diags = {0};
    struct ost_inf *inf;
    *out = NULL;
    ost_status st = ost_inf_load(inf_path, inf_opts, &inf, &diags, err);
    if (st != OST_OK) {
        ost_diags_free(&diags);
        return st;
    }
    st = ost_driver_model_build(inf, opts, out, err);
    if (st != OST_OK) {
        ost_diags_free(&diags);
        return st;
    }
    /* INF-level findings first, in file order. */
    ost_diags_append(&diags, &(*out)->diags);
    (*out)->diags = diags;
    return OST_OK;
}

const struct ost_arch_model *ost_driver_model_arch(const struct ost_driver_model *m, ost_arch arch)
{
    for (size_t i = 0; i < m->narches; i++)
        if (m->arches[i].arch == arch)
            return &m->arches[i];
    return NULL;
}

const char *ost_start_type_name(uint32_t start)
{
    static const char *names[] = {"boot", "system", "auto", "demand", "disabled"};
    return start < 5 ? names[start] : "invalid";
}

static void free_arch(struct ost_arch_model *am)
{
    for (size_t i = 0; i < am->ndevices; i++)
        free(am->devices[i].ddinstall);
    free(am->devices);
    for (size_t i = 0; i < am->nfiles; i++) {
        struct ost_file_copy *f = &am->files[i];
        free(f->name), free(f->source_name), free(f->source_path), free(f->dest_subdir), free(f->dest_path),
            free(f->section);
    }
    free(am->files);
    for (size_t i = 0; i < am->nservices; i++) {
        struct ost_service *s = &am->services[i];
        free(s->name), free(s->section), free(s->display_name), free(s->service_binary), free(s->load_order_group);
    }
    free(am->services);
    for (size_t i = 0; i < am->nregs; i++) {
        struct ost_reg_entry *r = &am->regs[i];
        free(r->owner), free(r->section), free(r->root), free(r->subkey), free(r->value_name);
        ost_strlist_free(&r->data);
    }
    free(am->regs);
    ost_strlist_free(&am->install_sections);
    ost_strlist_free(&am->includes);
    ost_strlist_free(&am->needs);
    free(am->catalog_file);
    free(am->kmdf_version);
}

void ost_driver_model_free(struct ost_driver_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->narches; i++)
        free_arch(&m->arches[i]);
    free(m->arches);
    for (size_t i = 0; i < m->nmodel_lines; i++) {
        struct ost_model_line *ml = &m->model_lines[i];
        free(ml->manufacturer), free(ml->models_section), free(ml->description), free(ml->install_section),
            free(ml->hardware_id);
        ost_strlist_free(&ml->compatible_ids);
    }
    free(m->model_lines);
    struct ost_version_info *v = &m->version;
    free(v->signature), free(v->class_name), free(v->class_guid), free(v->provider), free(v->driver_ver.text);
    ost_diags_free(&m->diags);
    free(m->inf_path);
    free(m->inf_name);
    free(m->package_dir);
    ost_inf_free(m->inf);
    free(m);
}
