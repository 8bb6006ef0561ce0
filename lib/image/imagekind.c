/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "imagekind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"

#define STATE_INI_MAX (64u * 1024)

const char *ost_image_kind_name(enum ost_image_kind k)
{
    switch (k) {
    case OST_IMAGE_KIND_INSTALLED: return "installed";
    case OST_IMAGE_KIND_GENERALIZED: return "generalized";
    case OST_IMAGE_KIND_WINPE: return "winpe";
    default: return "unknown";
    }
}

/* The kind an ImageState value names; UNKNOWN for a value Microsoft does
 * not list. */
static enum ost_image_kind state_kind(const char *v)
{
    if (ost_streq_ci(v, "IMAGE_STATE_COMPLETE"))
        return OST_IMAGE_KIND_INSTALLED;
    if (ost_has_prefix_ci(v, "IMAGE_STATE_GENERALIZE_RESEAL_TO_") ||
        ost_has_prefix_ci(v, "IMAGE_STATE_SPECIALIZE_RESEAL_TO_") || ost_streq_ci(v, "IMAGE_STATE_UNDEPLOYABLE"))
        return OST_IMAGE_KIND_GENERALIZED;
    return OST_IMAGE_KIND_UNKNOWN;
}

static void copy(char *dst, size_t size, const char *src)
{
    ost_format_into(dst, size, "%s", src ? src : "");
}

void ost_state_ini_image_state(const uint8_t *data, size_t n, char *out, size_t size)
{
    out[0] = '\0';
    char *text = n >= 2 && data[0] == 0xFF && data[1] == 0xFE ? ost_utf16le_to_utf8(data + 2, n - 2)
                                                              : ost_xstrndup((const char *)data, n);
    for (char *line = text, *next; line && *line; line = next) {
        next = strpbrk(line, "\r\n");
        if (next)
            *next++ = '\0';
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (ost_streq_ci(ost_str_trim(line), "ImageState")) {
            copy(out, size, ost_str_trim(eq + 1));
            break;
        }
    }
    free(text);
}

static void read_state_ini(struct ost_image *img, char *out, size_t size)
{
    uint8_t *data = NULL;
    size_t n = 0;
    struct ost_error ignored;
    out[0] = '\0';
    if (ost_target_read_file(img->target, OST_STATE_INI, STATE_INI_MAX, &data, &n, &ignored) != OST_OK)
        return;
    ost_state_ini_image_state(data, n, out, size);
    free(data);
}

/* SYSTEM\Setup: pending or done, and the words for the evidence. */
static void read_setup_key(struct ost_image *img, struct ost_image_kind_info *out, bool *winpe, char *words,
                           size_t size)
{
    ost_hkey k = ost_hive_key(img->system, 0, "Setup");
    words[0] = '\0';
    if (!k)
        return;
    uint32_t in_progress = 0, type = 0;
    bool has_progress = ost_hive_get_dword(img->system, k, "SystemSetupInProgress", &in_progress);
    bool has_type = ost_hive_get_dword(img->system, k, "SetupType", &type);
    char *cmd = ost_hive_get_string(img->system, k, "CmdLine");
    bool windeploy = cmd && strstr(cmd, "windeploy") != NULL;
    *winpe = cmd && strstr(cmd, "winpeshl") != NULL;
    out->setup_pending = !*winpe && ((has_progress && in_progress) || (has_type && type) || windeploy);
    out->setup_done = !*winpe && has_progress && !in_progress && (!has_type || !type) && (!cmd || !*cmd);
    if (has_progress || has_type || cmd)
        ost_format_into(words, size, "SYSTEM\\Setup: SystemSetupInProgress = %s, SetupType = %s, CmdLine = \"%s\"",
                        has_progress ? (in_progress ? "1" : "0") : "absent",
                        has_type ? (type == 0 ? "0" : type == 1 ? "1" : type == 2 ? "2" : "other") : "absent",
                        cmd ? cmd : "");
    free(cmd);
}

void ost_image_kind_read(struct ost_image *img, struct ost_image_kind_info *out)
{
    *out = (struct ost_image_kind_info){.kind = OST_IMAGE_KIND_UNKNOWN};
    ost_hkey state = img->software ? ost_hive_key(img->software, 0, OST_IMAGE_STATE_KEY) : 0;
    char *value = state ? ost_hive_get_string(img->software, state, "ImageState") : NULL;
    copy(out->image_state, sizeof out->image_state, value);
    free(value);
    read_state_ini(img, out->state_ini, sizeof out->state_ini);
    bool minint = img->system && img->control_set && ost_hive_key(img->system, img->control_set, "Control\\MiniNT");
    bool winpeshl = false;
    char setup[200];
    if (img->system)
        read_setup_key(img, out, &winpeshl, setup, sizeof setup);
    else
        setup[0] = '\0';

    if (minint || winpeshl) {
        out->kind = OST_IMAGE_KIND_WINPE;
        out->documented = minint;
        if (minint)
            ost_format_into(out->evidence, sizeof out->evidence, "SYSTEM\\%s\\Control\\MiniNT exists (Windows PE)",
                            img->info.control_set_name);
        else
            ost_format_into(out->evidence, sizeof out->evidence, "%s (Windows PE starts winpeshl.exe)", setup);
    } else if (out->image_state[0] && state_kind(out->image_state) != OST_IMAGE_KIND_UNKNOWN) {
        out->kind = state_kind(out->image_state);
        out->documented = true;
        ost_format_into(out->evidence, sizeof out->evidence, "SOFTWARE\\%s\\ImageState = %s (%s)",
                        OST_IMAGE_STATE_KEY, out->image_state,
                        out->kind == OST_IMAGE_KIND_INSTALLED ? "Setup is done" : "Setup will still run");
    } else if (out->state_ini[0] && state_kind(out->state_ini) != OST_IMAGE_KIND_UNKNOWN) {
        out->kind = state_kind(out->state_ini);
        out->documented = true;
        ost_format_into(out->evidence, sizeof out->evidence, "%s: ImageState=%s (%s)", OST_STATE_INI, out->state_ini,
                        out->kind == OST_IMAGE_KIND_INSTALLED ? "Setup is done" : "Setup will still run");
    } else if (out->setup_pending || out->setup_done) {
        out->kind = out->setup_pending ? OST_IMAGE_KIND_GENERALIZED : OST_IMAGE_KIND_INSTALLED;
        ost_format_into(out->evidence, sizeof out->evidence, "%s (%s; no ImageState, so medium confidence)", setup,
                        out->setup_pending ? "Setup is pending" : "Setup has run");
    } else {
        ost_format_into(out->evidence, sizeof out->evidence, "%s%s%s%s",
                        out->image_state[0] ? "ImageState = " : "no ImageState in SOFTWARE\\" OST_IMAGE_STATE_KEY,
                        out->image_state, setup[0] ? "; " : ", no MiniNT, no SYSTEM\\Setup values", setup);
    }

    /* the cross-checks: State.ini mirrors ImageState, SYSTEM\Setup agrees */
    if (out->image_state[0] && out->state_ini[0] && !ost_streq_ci(out->image_state, out->state_ini))
        ost_format_into(out->disagreement, sizeof out->disagreement, "%s says ImageState=%s", OST_STATE_INI,
                        out->state_ini);
    else if (out->kind == OST_IMAGE_KIND_INSTALLED && out->setup_pending)
        ost_format_into(out->disagreement, sizeof out->disagreement, "%s (Setup is pending)", setup);
    else if (out->kind == OST_IMAGE_KIND_GENERALIZED && out->setup_done && out->documented)
        ost_format_into(out->disagreement, sizeof out->disagreement, "%s (Setup has run)", setup);
}
