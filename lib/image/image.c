/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pe.h"

ost_status ost_image_open_hive(struct ost_image *img, const char *path, bool writable, struct ost_hive **out,
                               struct ost_error *err)
{
    char *local;
    *out = NULL;
    /* a link or a special file there is refused by local_path, naming it */
    if (ost_target_stat(img->target, path) == 0)
        return ost_fail(err, OST_ERR_IO, "%s: %s not found: this is not an offline Windows root", img->target->name,
                        path);
    ost_status st = ost_target_local_path(img->target, path, OST_HIVE_MAX_SIZE, &local, err);
    if (st != OST_OK)
        return st;
    char *name = ost_xasprintf("%s: %s", img->target->name, path);
    struct ost_hive_open_options o = {.writable = writable, .allow_dirty = img->allow_dirty, .name = name};
    st = ost_hive_open(local, &o, out, err);
    if (st != OST_OK)
        ost_error_rename(err, local, name);
    free(name);
    free(local);
    return st;
}

static ost_status produce_hive(const char *dest, void *ctx, struct ost_error *err)
{
    return ost_hive_save(ctx, dest, err);
}

ost_status ost_image_stage_hive(struct ost_image *img, const char *path, struct ost_hive *h, struct ost_error *err)
{
    struct ost_producer p = {produce_hive, h, ost_hive_size_bound(h)};
    return ost_target_write_produced(img->target, path, &p, err);
}

static char *sw_string(struct ost_image *img, ost_hkey k, const char *name)
{
    return ost_hive_get_string(img->software, k, name);
}

static ost_status read_version(struct ost_image *img, struct ost_error *err)
{
    struct ost_image_info *in = &img->info;
    const char *path = "Microsoft\\Windows NT\\CurrentVersion";
    ost_hkey k = ost_hive_key(img->software, 0, path);
    if (!k) {
        char *note = ost_hive_missing_note(img->software, 0, path);
        ost_status st = ost_fail(err, OST_ERR_CORRUPT, "%s: key %s is missing from SOFTWARE%s", img->target->name,
                                 path, note);
        free(note);
        return st;
    }
    in->product_name = sw_string(img, k, "ProductName");
    in->edition_id = sw_string(img, k, "EditionID");
    in->current_version = sw_string(img, k, "CurrentVersion");
    in->current_build = sw_string(img, k, "CurrentBuild");
    if (!in->current_build)
        in->current_build = sw_string(img, k, "CurrentBuildNumber");
    in->csd_version = sw_string(img, k, "CSDVersion");
    in->installation_type = sw_string(img, k, "InstallationType");
    if (!in->current_version || sscanf(in->current_version, "%u.%u", &in->major, &in->minor) != 2)
        return ost_fail(err, OST_ERR_CORRUPT,
                        "%s: SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion has no usable CurrentVersion value",
                        img->target->name);
    in->build = in->current_build ? (unsigned)strtoul(in->current_build, NULL, 10) : 0;
    uint32_t major10;
    if (ost_hive_get_dword(img->software, k, "CurrentMajorVersionNumber", &major10))
        in->major = major10; /* Windows 10 keeps "6.3" in CurrentVersion */
    if (in->major != 6 && in->major != 10)
        return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: Windows NT %u.%u is not serviced: offstage handles NT 6.x "
                        "(Vista, 7, 8, 8.1) and their successors", img->target->name, in->major, in->minor);
    in->windows8_or_later = in->major > 6 || in->minor >= 2;
    return OST_OK;
}

/* Which control set a command works on, after Microsoft KB102984
 * ("CurrentControlSet Key in Windows NT"): Select\Current is the set the
 * last boot used, Select\Default the one the next boot uses (unless Last
 * Known Good is chosen at boot). What writes SYSTEM, or plans to, works on
 * Default, since an edit of Current would not be seen by the next boot
 * when they differ; pure readers read Current, where the last boot left
 * its devnodes. */
static ost_status read_system(struct ost_image *img, bool next_boot, struct ost_error *err)
{
    struct ost_image_info *in = &img->info;
    ost_hkey sel = ost_hive_key(img->system, 0, "Select");
    uint32_t cur, def;
    if (!sel || !ost_hive_get_dword(img->system, sel, "Current", &cur) || cur == 0 || cur > 999)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: SYSTEM has no usable Select\\Current value (key Select)",
                        img->target->name);
    if (!ost_hive_get_dword(img->system, sel, "Default", &def) || def == 0 || def > 999)
        def = cur; /* hives without Default boot Current */
    in->control_set_current = cur;
    in->control_set_default = def;
    uint32_t used = next_boot ? def : cur;
    in->control_set = used;
    snprintf(in->control_set_name, sizeof in->control_set_name, "ControlSet%03u", used);
    if (cur != def)
        in->control_set_note = next_boot
            ? ost_xasprintf("%s: SYSTEM's Select\\Current is %u (the set the last boot used) but Select\\Default is "
                            "%u (the set the next boot uses, Microsoft KB102984): editing ControlSet%03u",
                            img->target->name, cur, def, def)
            : ost_xasprintf("%s: SYSTEM's Select\\Current is %u (the set the last boot used, read here) but "
                            "Select\\Default is %u: the next boot uses ControlSet%03u (Microsoft KB102984)",
                            img->target->name, cur, def, def);
    img->control_set = ost_hive_key(img->system, 0, in->control_set_name);
    if (!img->control_set) {
        char *note = ost_hive_missing_note(img->system, 0, in->control_set_name);
        ost_status st = ost_fail(err, OST_ERR_CORRUPT, "%s: Select\\%s is %u but SYSTEM has no key %s%s; nothing "
                                 "was changed: point Select\\%s at a ControlSetNNN key SYSTEM has",
                                 img->target->name, used == cur ? "Current" : "Default", used,
                                 in->control_set_name, note, used == cur ? "Current" : "Default");
        free(note);
        return st;
    }
    ost_hkey env = ost_hive_key(img->system, img->control_set, "Control\\Session Manager\\Environment");
    in->processor_architecture = env ? ost_hive_get_string(img->system, env, "PROCESSOR_ARCHITECTURE") : NULL;
    if (!in->processor_architecture)
        return ost_fail(err, OST_ERR_CORRUPT,
                        "%s: SYSTEM has no %s\\Control\\Session Manager\\Environment\\PROCESSOR_ARCHITECTURE",
                        img->target->name, in->control_set_name);
    in->arch = ost_arch_parse(in->processor_architecture);
    if (in->arch != OST_ARCH_X86 && in->arch != OST_ARCH_AMD64)
        return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: PROCESSOR_ARCHITECTURE is \"%s\"; offstage services x86 and "
                        "AMD64 images", img->target->name, in->processor_architecture);
    return OST_OK;
}

static ost_status check_kernel(struct ost_image *img, struct ost_error *err)
{
    uint8_t *data;
    size_t size;
    if (ost_target_stat(img->target, OST_NTOSKRNL) != 1)
        return OST_OK; /* e.g. a partial tree; the hive alone decides */
    ost_status st = ost_target_read_file(img->target, OST_NTOSKRNL, OST_PE_MAX_FILE, &data, &size, err);
    if (st != OST_OK)
        return st;
    struct ost_pe_info pe;
    st = ost_pe_parse(data, size, OST_NTOSKRNL, &pe, err);
    free(data);
    if (st != OST_OK)
        return st;
    if (pe.arch != img->info.arch)
        st = ost_fail(err, OST_ERR_CORRUPT, "%s: SYSTEM says PROCESSOR_ARCHITECTURE %s but ntoskrnl.exe is a %s "
                      "image; the image is inconsistent", img->target->name, img->info.processor_architecture,
                      pe.machine_name);
    img->info.kernel_checked = st == OST_OK;
    ost_pe_info_free(&pe);
    return st;
}

ost_status ost_image_open(struct ost_target *t, const struct ost_image_options *opts, struct ost_image **out,
                          struct ost_error *err)
{
    struct ost_image *img = ost_xcalloc(1, sizeof *img);
    img->target = t;
    *out = NULL;
    img->allow_dirty = opts && opts->allow_dirty;
    bool writable = opts && opts->writable;
    img->writable = writable;
    ost_status st = ost_image_open_hive(img, OST_SYSTEM_HIVE, false, &img->system, err);
    if (st == OST_OK)
        st = ost_image_open_hive(img, OST_SOFTWARE_HIVE, writable, &img->software, err);
    if (st == OST_OK)
        st = read_system(img, writable || (opts && opts->next_boot), err);
    if (st == OST_OK)
        st = read_version(img, err);
    if (st == OST_OK)
        st = check_kernel(img, err);
    if (st != OST_OK) {
        ost_image_close(img);
        return st;
    }
    *out = img;
    return OST_OK;
}

ost_status ost_image_edit_system(struct ost_image *img, struct ost_error *err)
{
    if (img->system_writable)
        return OST_OK;
    if (!img->writable)
        return ost_fail(err, OST_ERR_USAGE, "%s: opened read-only; cannot change SYSTEM", img->target->name);
    struct ost_hive *h;
    ost_status st = ost_image_open_hive(img, OST_SYSTEM_HIVE, true, &h, err);
    if (st != OST_OK)
        return st;
    ost_hive_close(img->system);
    img->system = h;
    img->system_writable = true;
    return OST_OK;
}

ost_status ost_image_commit(struct ost_image *img, struct ost_error *err)
{
    ost_status st = OST_OK;
    if (ost_hive_modified(img->system))
        st = ost_image_stage_hive(img, OST_SYSTEM_HIVE, img->system, err);
    if (st == OST_OK && ost_hive_modified(img->software))
        st = ost_image_stage_hive(img, OST_SOFTWARE_HIVE, img->software, err);
    if (st == OST_OK)
        st = ost_target_commit(img->target, err);
    return st;
}

void ost_image_close(struct ost_image *img)
{
    if (!img)
        return;
    struct ost_image_info *in = &img->info;
    free(in->product_name), free(in->edition_id), free(in->current_version), free(in->current_build);
    free(in->csd_version), free(in->installation_type), free(in->processor_architecture);
    free(in->control_set_note);
    ost_hive_close(img->system);
    ost_hive_close(img->software);
    free(img->manifest_text);
    ost_target_close(img->target);
    free(img);
}

char *ost_image_describe(const struct ost_image *img)
{
    const struct ost_image_info *in = &img->info;
    return ost_xasprintf("%s, %u.%u build %u%s%s%s, %s", in->product_name ? in->product_name : "Windows", in->major,
                         in->minor, in->build, in->csd_version ? " (" : "", in->csd_version ? in->csd_version : "",
                         in->csd_version ? ")" : "", ost_arch_name(in->arch));
}

ost_status ost_image_open_dir(const char *dir, const struct ost_image_options *opts, struct ost_image **out,
                              struct ost_error *err)
{
    struct ost_target *t;
    *out = NULL;
    ost_status st = ost_target_open_dir(dir, opts->writable, &t, err);
    return st != OST_OK ? st : ost_image_open(t, opts, out, err);
}
