/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "bcd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "encoding.h"
#include "fileutil.h"

/* The identifiers `bcdedit /?  ID` lists, as they appear in real stores. */
static const struct {
    const char *guid, *alias, *heading;
} well_known[] = {
    {OST_BCD_BOOTMGR_GUID, "{bootmgr}", NULL},
    {"{a5a30fa2-3d06-4e9f-b5f4-a01df9d1fcba}", "{fwbootmgr}", NULL},
    {"{b2721d73-1db4-4c62-bf78-c548a880142d}", "{memdiag}", NULL},
    {"{466f5a88-0af2-4f76-9038-095b170dc21c}", "{ntldr}", NULL},
    {OST_BCD_GLOBALSETTINGS_GUID, "{globalsettings}", "Global Settings"},
    {OST_BCD_BOOTLOADERSETTINGS_GUID, "{bootloadersettings}", "Boot Loader Settings"},
    {"{1afa9c49-16ab-4a5c-901b-212802da9460}", "{resumeloadersettings}", "Resume Loader Settings"},
    {"{4636856e-540f-4170-a130-a84776f4c654}", "{dbgsettings}", "Debugger Settings"},
    {"{0ce4991b-e6b3-4b16-b23c-5e0d9250e5d9}", "{emssettings}", "EMS Settings"},
    {"{5189b25c-5558-4bf2-bca4-289b11bd29e2}", "{badmemory}", "RAM Defects"},
    {"{7ff607e0-4395-11db-b0de-0800200c9a66}", "{hypervisorsettings}", "Hypervisor Settings"},
    {"{ae5534e0-a924-466c-b836-758539a3ee3a}", "{ramdiskoptions}", "Ramdisk Options"},
};
#define N_WELL_KNOWN (sizeof well_known / sizeof well_known[0])

static const struct {
    uint32_t type;
    const char *name;
} type_names[] = {
    {OST_BCD_TYPE_FWBOOTMGR, "Firmware Boot Manager"},
    {OST_BCD_TYPE_BOOTMGR, "Windows Boot Manager"},
    {OST_BCD_TYPE_LOADER, "Windows Boot Loader"},
    {OST_BCD_TYPE_RESUME, "Resume from Hibernate"},
    {OST_BCD_TYPE_MEMDIAG, "Windows Memory Tester"},
    {OST_BCD_TYPE_NTLDR, "Legacy OS Loader"},
    {OST_BCD_TYPE_DEVICE, "Device options"},
};

static const struct {
    const char *name;
    uint32_t element;
} flag_info[OST_BCD_NFLAGS] = {
    [OST_BCD_TESTSIGNING] = {"testsigning", OST_BCD_EL_TESTSIGNING},
    [OST_BCD_NOINTEGRITYCHECKS] = {"nointegritychecks", OST_BCD_EL_NOINTEGRITYCHECKS},
};

const char *ost_bcd_flag_name(ost_bcd_flag f)
{
    return flag_info[f].name;
}

uint32_t ost_bcd_flag_element(ost_bcd_flag f)
{
    return flag_info[f].element;
}

bool ost_bcd_parse_flag(const char *name, ost_bcd_flag *out)
{
    for (int f = 0; f < OST_BCD_NFLAGS; f++)
        if (ost_streq_ci(name, flag_info[f].name)) {
            *out = (ost_bcd_flag)f;
            return true;
        }
    return false;
}

const char *ost_bcd_scope_name(ost_bcd_scope s)
{
    return s == OST_BCD_SCOPE_LOADERS ? "loaders" : s == OST_BCD_SCOPE_TEMPLATE ? "bootloadersettings" : "object";
}

/* ---- identifiers ----------------------------------------------------------- */

static const char *well_known_alias(const char *guid)
{
    for (size_t i = 0; i < N_WELL_KNOWN; i++)
        if (ost_streq_ci(guid, well_known[i].guid))
            return well_known[i].alias;
    return NULL;
}

const char *ost_bcd_identifier(const struct ost_bcd_object *o)
{
    return o->alias ? o->alias : o->guid;
}

static struct ost_bcd_object *find_guid(const struct ost_bcd *b, const char *guid)
{
    for (size_t i = 0; i < b->n; i++)
        if (ost_streq_ci(b->v[i].guid, guid))
            return &b->v[i];
    return NULL;
}

const char *ost_bcd_display_id(const struct ost_bcd *b, const char *guid)
{
    const struct ost_bcd_object *o = find_guid(b, guid);
    if (o && o->alias)
        return o->alias;
    const char *alias = well_known_alias(guid);
    return alias ? alias : guid;
}

struct ost_bcd_object *ost_bcd_find(struct ost_bcd *b, const char *id)
{
    for (size_t i = 0; i < b->n; i++)
        if (ost_streq_ci(b->v[i].guid, id) || (b->v[i].alias && ost_streq_ci(b->v[i].alias, id)))
            return &b->v[i];
    const char *guid = NULL;
    for (size_t i = 0; i < N_WELL_KNOWN && !guid; i++)
        if (ost_streq_ci(id, well_known[i].alias))
            guid = well_known[i].guid;
    return guid ? find_guid(b, guid) : NULL;
}

bool ost_bcd_is_loader(const struct ost_bcd_object *o)
{
    return o->has_type && o->type == OST_BCD_TYPE_LOADER;
}

const char *ost_bcd_object_heading(const struct ost_bcd_object *o, char buf[64])
{
    for (size_t i = 0; i < N_WELL_KNOWN; i++)
        if (well_known[i].heading && ost_streq_ci(o->guid, well_known[i].guid))
            return well_known[i].heading;
    if (!o->has_type)
        return "Object without a type";
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (type_names[i].type == o->type)
            return type_names[i].name;
    const char *kind = (o->type >> 28) == 1 ? "Application" : (o->type >> 28) == 2 ? "Settings" : "Object";
    snprintf(buf, 64, "%s (%08x)", kind, o->type);
    return buf;
}

/* ---- elements --------------------------------------------------------------- */

static ost_hkey element_key(struct ost_bcd *b, const struct ost_bcd_object *o, uint32_t element)
{
    char path[32];
    snprintf(path, sizeof path, "Elements\\%08x", element);
    return ost_hive_key(b->hive, o->key, path);
}

static char *element_string(struct ost_bcd *b, const struct ost_bcd_object *o, uint32_t element)
{
    ost_hkey k = element_key(b, o, element);
    return k ? ost_hive_get_string(b->hive, k, "Element") : NULL;
}

static void element_list(struct ost_bcd *b, const struct ost_bcd_object *o, uint32_t element,
                         struct ost_strlist *out)
{
    ost_hkey k = element_key(b, o, element);
    if (k)
        ost_hive_get_multi_string(b->hive, k, "Element", out);
}

/* A boolean as Windows reads it: any non-zero byte is on. */
static void element_bool(struct ost_bcd *b, const struct ost_bcd_object *o, uint32_t element,
                         struct ost_bcd_bool *out)
{
    ost_hkey k = element_key(b, o, element);
    uint32_t type;
    uint8_t *data;
    size_t size;
    out->set = false;
    if (!k || !ost_hive_get_raw(b->hive, k, "Element", &type, &data, &size))
        return;
    if (type == OST_REG_BINARY && size > 0) {
        out->set = true;
        out->value = false;
        for (size_t i = 0; i < size; i++)
            out->value = out->value || data[i];
    }
    free(data);
}

/* ---- devices --------------------------------------------------------------- */

/* The device elements' layout is not documented; these offsets are the ones
 * real stores use (a Windows Setup medium's and a Windows 10 EFI system
 * store; fuzz/corpus/bcd_device holds their elements): a 16-byte options object GUID, then a
 * descriptor {u32 type, u32 flags, u32 size, u32 reserved, data}. Types:
 * 5 the boot device, 6 a partition (partition and disk identifiers), 0 a
 * block device whose data starts with a local type (3 = ramdisk: a file on
 * a parent device). */
enum { DESC_HEADER = 16, DEV_BOOT = 5, DEV_PARTITION = 6, DEV_BLOCK = 0, LOCAL_RAMDISK = 3 };

static char *guid_text(const uint8_t *p)
{
    return ost_xasprintf("{%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}", ost_le32(p), ost_le16(p + 4),
                         ost_le16(p + 6), p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]);
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static char *utf16_path(const uint8_t *p, size_t n)
{
    return ost_utf16le_to_utf8(p, n);
}

static char *describe_descriptor(const uint8_t *p, size_t n, int depth);

static char *describe_partition(const uint8_t *p, size_t size)
{
    /* data: partition id (16), u32 style, u32, disk id (16). GUIDs with
     * style 0 (GPT); style 1 (MBR): the partition's byte offset (u64) and
     * the disk signature (u32), which is how a system partition's store
     * names an MBR disk's partitions
     * (http://www.mistyprojects.co.uk/documents/BCDEdit/files/device_partition.htm) */
    if (size >= DESC_HEADER + 40 && ost_le32(p + DESC_HEADER + 16) == 1)
        return ost_xasprintf("partition at offset %llu on disk 0x%08x",
                             (unsigned long long)ost_le64(p + DESC_HEADER), ost_le32(p + DESC_HEADER + 24));
    if (size < DESC_HEADER + 40 || ost_le32(p + DESC_HEADER + 16) != 0)
        return ost_xstrdup("partition");
    char *part = guid_text(p + DESC_HEADER), *disk = guid_text(p + DESC_HEADER + 24);
    char *s = ost_xasprintf("partition %s on disk %s", part, disk);
    free(part), free(disk);
    return s;
}

static char *describe_ramdisk(const uint8_t *p, size_t size, int depth)
{
    /* data: u32 local type, 20 reserved, u32, u32 rest size, u32, parent descriptor, UTF-16 path */
    const size_t parent_at = DESC_HEADER + 36;
    if (size < parent_at + DESC_HEADER)
        return NULL;
    uint32_t parent_size = ost_le32(p + parent_at + 8);
    if (parent_size < DESC_HEADER || parent_size > size - parent_at)
        return NULL;
    char *parent = describe_descriptor(p + parent_at, parent_size, depth + 1);
    char *file = utf16_path(p + parent_at + parent_size, size - parent_at - parent_size);
    char *s = ost_xasprintf("ramdisk=[%s]%s", parent ? parent : "unknown", file);
    free(parent), free(file);
    return s;
}

static char *describe_descriptor(const uint8_t *p, size_t n, int depth)
{
    if (n < DESC_HEADER || depth > 2)
        return NULL;
    uint32_t type = ost_le32(p), size = ost_le32(p + 8);
    if (size < DESC_HEADER || size > n)
        return NULL;
    if (type == DEV_BOOT)
        return ost_xstrdup("boot");
    if (type == DEV_PARTITION)
        return describe_partition(p, size);
    if (type == DEV_BLOCK && size >= DESC_HEADER + 4 && ost_le32(p + DESC_HEADER) == LOCAL_RAMDISK)
        return describe_ramdisk(p, size, depth);
    return NULL;
}

char *ost_bcd_describe_device(const uint8_t *data, size_t size)
{
    char *s = NULL;
    if (size >= 16 + DESC_HEADER)
        s = describe_descriptor(data + 16, size - 16, 0);
    if (s && !all_zero(data, 16) && !strncmp(s, "ramdisk=", 8)) {
        char *options = guid_text(data);
        char *with = ost_xasprintf("%s,%s", s, options);
        free(s), free(options);
        s = with;
    }
    return s ? s : ost_xstrdup("unknown");
}

static char *element_device(struct ost_bcd *b, const struct ost_bcd_object *o, uint32_t element)
{
    ost_hkey k = element_key(b, o, element);
    uint32_t type;
    uint8_t *data;
    size_t size;
    if (!k || !ost_hive_get_raw(b->hive, k, "Element", &type, &data, &size))
        return NULL;
    char *s = ost_bcd_describe_device(data, type == OST_REG_BINARY ? size : 0);
    free(data);
    return s;
}

/* ---- reading ------------------------------------------------------------------- */

/* Depth first through inherit, in order, as the boot applications look
 * elements up; each object is visited once (stores can hold cycles). */
static const struct ost_bcd_object *supplier(const struct ost_bcd *b, size_t i, ost_bcd_flag f, bool *seen,
                                             unsigned depth)
{
    const struct ost_bcd_object *o = &b->v[i];
    seen[i] = true;
    if (o->flags[f].set)
        return o;
    for (size_t k = 0; k < o->inherit.n && depth < 64; k++) {
        const struct ost_bcd_object *p = find_guid(b, o->inherit.v[k]);
        const struct ost_bcd_object *found = p && !seen[p - b->v] ? supplier(b, (size_t)(p - b->v), f, seen, depth + 1)
                                                                  : NULL;
        if (found)
            return found;
    }
    return NULL;
}

static void resolve_effective(struct ost_bcd *b)
{
    bool *seen = ost_xcalloc(b->n ? b->n : 1, sizeof *seen);
    for (size_t i = 0; i < b->n; i++)
        for (int f = 0; f < OST_BCD_NFLAGS; f++) {
            memset(seen, 0, b->n * sizeof *seen);
            const struct ost_bcd_object *found = supplier(b, i, (ost_bcd_flag)f, seen, 0);
            struct ost_bcd_bool *flag = &b->v[i].flags[f];
            flag->effective = found && found->flags[f].value;
            flag->from = found ? found->guid : NULL;
        }
    free(seen);
}

static void read_object(struct ost_bcd *b, struct ost_bcd_object *o)
{
    ost_hkey desc = ost_hive_key(b->hive, o->key, "Description");
    o->has_type = desc && ost_hive_get_dword(b->hive, desc, "Type", &o->type);
    o->description = element_string(b, o, OST_BCD_EL_DESCRIPTION);
    o->path = element_string(b, o, OST_BCD_EL_PATH);
    o->systemroot = element_string(b, o, OST_BCD_EL_SYSTEMROOT);
    o->default_obj = element_string(b, o, OST_BCD_EL_DEFAULT); /* loaders: resumeobject */
    o->device = element_device(b, o, OST_BCD_EL_DEVICE);
    o->osdevice = element_device(b, o, OST_BCD_EL_OSDEVICE);
    element_list(b, o, OST_BCD_EL_INHERIT, &o->inherit);
    element_list(b, o, OST_BCD_EL_DISPLAYORDER, &o->displayorder);
    for (int f = 0; f < OST_BCD_NFLAGS; f++)
        element_bool(b, o, flag_info[f].element, &o->flags[f]);
    o->alias = well_known_alias(o->guid);
}

/* {default} is whatever bootmgr's default element names. */
static void name_default(struct ost_bcd *b)
{
    struct ost_bcd_object *mgr = find_guid(b, OST_BCD_BOOTMGR_GUID);
    struct ost_bcd_object *def = mgr && mgr->default_obj ? find_guid(b, mgr->default_obj) : NULL;
    if (def && !def->alias)
        def->alias = "{default}";
}

/* bcdedit's order: boot managers, applications, loaders, then settings and device objects. */
static int display_rank(const struct ost_bcd_object *o)
{
    static const uint32_t apps[] = {OST_BCD_TYPE_FWBOOTMGR, OST_BCD_TYPE_BOOTMGR, 0x101fffffu, OST_BCD_TYPE_LOADER,
                                    OST_BCD_TYPE_RESUME, OST_BCD_TYPE_MEMDIAG, OST_BCD_TYPE_NTLDR};
    static const char *const settings[] = {"{emssettings}", "{dbgsettings}", "{badmemory}", "{globalsettings}",
                                           "{bootloadersettings}", "{hypervisorsettings}", "{resumeloadersettings}"};
    const int n_apps = (int)(sizeof apps / sizeof apps[0]), n_settings = (int)(sizeof settings / sizeof settings[0]);
    if (!o->has_type)
        return n_apps + n_settings + 3;
    for (int i = 0; i < n_apps; i++)
        if (o->type == apps[i])
            return i;
    for (int i = 0; o->alias && i < n_settings; i++)
        if (!strcmp(o->alias, settings[i]))
            return n_apps + 1 + i;
    return (o->type >> 28) == 1 ? n_apps : (o->type >> 28) == 2 ? n_apps + n_settings + 1 : n_apps + n_settings + 2;
}

static int compare_display(const void *a, const void *b)
{
    const struct ost_bcd_object *x = a, *y = b;
    int rx = display_rank(x), ry = display_rank(y);
    if (rx != ry)
        return rx < ry ? -1 : 1;
    return ost_strcasecmp(x->guid, y->guid);
}

ost_status ost_bcd_from_hive(struct ost_hive *h, const char *name, struct ost_bcd **out, struct ost_error *err)
{
    *out = NULL;
    ost_hkey objects = ost_hive_key(h, 0, "Objects");
    if (!objects) {
        ost_status st = ost_fail(err, OST_ERR_CORRUPT, "%s: not a BCD store: the hive has no Objects key", name);
        ost_hive_close(h);
        return st;
    }
    struct ost_bcd *b = ost_xcalloc(1, sizeof *b);
    b->hive = h;
    b->name = ost_xstrdup(name);
    struct ost_strlist names = {0};
    ost_hive_subkeys(h, objects, &names);
    b->v = ost_xcalloc(names.n ? names.n : 1, sizeof *b->v);
    for (size_t i = 0; i < names.n; i++) {
        struct ost_bcd_object *o = &b->v[b->n++];
        o->guid = ost_xstrdup(names.v[i]);
        o->key = ost_hive_key(h, objects, names.v[i]);
        read_object(b, o);
    }
    ost_strlist_free(&names);
    qsort(b->v, b->n, sizeof *b->v, compare_display);
    name_default(b);
    resolve_effective(b);
    *out = b;
    return OST_OK;
}

ost_status ost_bcd_open_template(struct ost_image *img, bool writable, struct ost_bcd **out, struct ost_error *err)
{
    *out = NULL;
    if (ost_target_stat(img->target, OST_BCD_TEMPLATE) != 1)
        return ost_fail(err, OST_NEGATIVE, "%s: %s not found: this image has no BCD template", img->target->name,
                        OST_BCD_TEMPLATE);
    struct ost_hive *h;
    ost_status st = ost_image_open_hive(img, OST_BCD_TEMPLATE, writable, &h, err);
    if (st != OST_OK)
        return st;
    char *name = ost_xasprintf("%s: %s", img->target->name, OST_BCD_TEMPLATE);
    st = ost_bcd_from_hive(h, name, out, err);
    free(name);
    if (st == OST_OK)
        (*out)->is_template = true;
    return st;
}

ost_status ost_bcd_stage_template(struct ost_image *img, struct ost_bcd *b, struct ost_error *err)
{
    return ost_bcd_modified(b) ? ost_image_stage_hive(img, OST_BCD_TEMPLATE, b->hive, err) : OST_OK;
}

ost_status ost_bcd_open_in_image(struct ost_image *img, const char *path, const char *name, bool writable,
                                 struct ost_bcd **out, struct ost_error *err)
{
    *out = NULL;
    int kind = ost_target_stat(img->target, path);
    if (kind == 0 || kind == 2)
        return ost_fail(err, OST_ERR_IO, "%s: %s, so testsigning cannot be read or set there", name,
                        kind == 0 ? "not found" : "a folder where the BCD store file should be");
    char *local;
    ost_status st = ost_target_local_path(img->target, path, OST_HIVE_MAX_SIZE, &local, err);
    if (st != OST_OK)
        return st;
    /* reading a dirty store shows what the file holds; only writing would lose the log's changes */
    struct ost_hive_open_options o = {.writable = writable, .allow_dirty = img->allow_dirty || !writable,
                                      .name = name};
    struct ost_hive *h;
    st = ost_hive_open(local, &o, &h, err);
    if (st != OST_OK)
        ost_error_rename(err, local, name);
    free(local);
    return st == OST_OK ? ost_bcd_from_hive(h, name, out, err) : st;
}

ost_status ost_bcd_stage_in_image(struct ost_image *img, const char *path, struct ost_bcd *b, struct ost_error *err)
{
    return ost_bcd_modified(b) ? ost_image_stage_hive(img, path, b->hive, err) : OST_OK;
}

ost_status ost_bcd_open(const char *path, bool writable, bool allow_dirty, struct ost_bcd **out,
                        struct ost_error *err)
{
    struct ost_hive *h;
    /* reading a dirty store shows what the file holds; only writing would lose the log's changes */
    struct ost_hive_open_options o = {.writable = writable, .allow_dirty = allow_dirty || !writable};
    *out = NULL;
    ost_status st = ost_hive_open(path, &o, &h, err);
    if (st == OST_OK && (st = ost_bcd_from_hive(h, path, out, err)) == OST_OK)
        (*out)->is_template = ost_streq_ci(ost_path_basename(path), "BCD-Template");
    return st;
}

void ost_bcd_close(struct ost_bcd *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++) {
        struct ost_bcd_object *o = &b->v[i];
        free(o->guid), free(o->description), free(o->path), free(o->systemroot), free(o->default_obj);
        free(o->device), free(o->osdevice);
        ost_strlist_free(&o->inherit);
        ost_strlist_free(&o->displayorder);
    }
    free(b->v);
    free(b->name);
    ost_hive_close(b->hive);
    free(b);
}

/* ---- targets, edits, questions -------------------------------------------------- */

ost_status ost_bcd_targets(const struct ost_bcd *b, const char *object, size_t **idx, size_t *n,
                           ost_bcd_scope *scope, struct ost_error *err)
{
    *idx = ost_xcalloc(b->n ? b->n : 1, sizeof **idx);
    *n = 0;
    if (object) {
        struct ost_bcd_object *o = ost_bcd_find((struct ost_bcd *)b, object);
        if (!o) {
            free(*idx), *idx = NULL;
            return ost_fail(err, OST_ERR_USAGE, "%s: no object %s in the store (key Objects)", b->name, object);
        }
        (*idx)[(*n)++] = (size_t)(o - b->v);
        *scope = OST_BCD_SCOPE_OBJECT;
        return OST_OK;
    }
    for (size_t i = 0; i < b->n; i++)
        if (ost_bcd_is_loader(&b->v[i]))
            (*idx)[(*n)++] = i;
    *scope = OST_BCD_SCOPE_LOADERS;
    if (*n && !b->is_template)
        return OST_OK;
    /* a template's own loaders are not what bcdboot creates: those inherit
     * {bootloadersettings}, which is set as well */
    const struct ost_bcd_object *settings = find_guid(b, OST_BCD_BOOTLOADERSETTINGS_GUID);
    if (*n && !settings)
        return OST_OK;
    *scope = OST_BCD_SCOPE_TEMPLATE;
    if (settings) {
        (*idx)[(*n)++] = (size_t)(settings - b->v);
        return OST_OK;
    }
    free(*idx), *idx = NULL;
    return ost_fail(err, OST_NEGATIVE,
                    "%s: no Windows Boot Loader object (type 10200003) and no {bootloadersettings} object "
                    "(%s) under Objects: nothing that loaders use or are created from", b->name,
                    OST_BCD_BOOTLOADERSETTINGS_GUID);
}

ost_status ost_bcd_set_flag(struct ost_bcd *b, size_t index, ost_bcd_flag f, bool value, bool *changed,
                            struct ost_error *err)
{
    struct ost_bcd_object *o = &b->v[index];
    uint8_t byte = value ? 1 : 0;
    char path[32];
    snprintf(path, sizeof path, "Elements\\%08x", flag_info[f].element);
    ost_hkey k = ost_hive_key(b->hive, o->key, path);
    uint32_t type;
    uint8_t *data;
    size_t size;
    *changed = true;
    if (k && ost_hive_get_raw(b->hive, k, "Element", &type, &data, &size)) {
        *changed = !(type == OST_REG_BINARY && size == 1 && data[0] == byte);
        free(data);
    }
    if (!*changed)
        return OST_OK;
    ost_status st = k ? OST_OK : ost_hive_create_key(b->hive, o->key, path, &k, err);
    if (st == OST_OK)
        st = ost_hive_set_raw(b->hive, k, "Element", OST_REG_BINARY, &byte, 1, err);
    if (st != OST_OK)
        return st;
    o->flags[f].set = true;
    o->flags[f].value = value;
    resolve_effective(b);
    return OST_OK;
}

ost_status ost_bcd_flag_on(const struct ost_bcd *b, ost_bcd_flag f, ost_bcd_scope *scope, struct ost_error *err)
{
    size_t *idx, n;
    ost_status st = ost_bcd_targets(b, NULL, &idx, &n, scope, err);
    if (st != OST_OK)
        return st;
    const struct ost_bcd_object *off = NULL;
    for (size_t i = 0; i < n && !off; i++)
        if (!b->v[idx[i]].flags[f].effective)
            off = &b->v[idx[i]];
    free(idx);
    if (off)
        return ost_fail(err, OST_NEGATIVE, "%s: %s is off for %s", b->name, flag_info[f].name,
                        ost_bcd_identifier(off));
    return OST_OK;
}

/* ---- saving ------------------------------------------------------------------------ */

bool ost_bcd_modified(const struct ost_bcd *b)
{
    return ost_hive_modified(b->hive);
}

static ost_status sync_file(const char *path, mode_t mode, struct ost_error *err)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0 || fchmod(fd, mode & 07777) != 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return ost_fail(err, OST_ERR_IO, "%s: cannot write: %s", path, strerror(e));
    }
    return close(fd) == 0 ? OST_OK : ost_fail(err, OST_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
}

ost_status ost_bcd_save_beside(struct ost_bcd *b, char **tmp_out, struct ost_error *err)
{
    const char *path = ost_hive_path(b->hive);
    struct stat st;
    *tmp_out = NULL;
    if (stat(path, &st) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: %s", path, strerror(errno));
    char *dir = ost_path_dirname(path);
    char *tmp = ost_xasprintf("%s/.%s.offstage-XXXXXX", dir, ost_path_basename(path));
    free(dir);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        ost_status s = ost_fail(err, OST_ERR_IO, "%s: cannot create a temporary beside it: %s", path, strerror(errno));
        free(tmp);
        return s;
    }
    close(fd);
    ost_status s = ost_hive_save(b->hive, tmp, err);
    if (s == OST_OK)
        s = sync_file(tmp, st.st_mode, err);
    if (s != OST_OK) {
        unlink(tmp);
        free(tmp);
        if (err) { /* the temporary's name means nothing to the user: name the store */
            char why[sizeof err->message];
            snprintf(why, sizeof why, "%s", err->message);
            s = ost_fail(err, s, "%s: the store could not be written (%s)", path, why);
        }
        return s;
    }
    *tmp_out = tmp;
    return OST_OK;
}

ost_status ost_bcd_save(struct ost_bcd *b, struct ost_error *err)
{
    char *tmp;
    ost_status s = ost_bcd_save_beside(b, &tmp, err);
    if (s == OST_OK && (s = ost_rename_into_place(tmp, ost_hive_path(b->hive), err)) != OST_OK)
        unlink(tmp);
    free(tmp);
    return s;
}
