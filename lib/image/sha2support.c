/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sha2support.h"

#include <stdio.h>
#include <stdlib.h>

#include "util.h"

const char *ost_cbs_state_name(uint32_t state)
{
    static const struct {
        uint32_t v;
        const char *name;
    } states[] = {
        {0x0, "Absent"},      {0x5, "Uninstall Pending"}, {0x10, "Resolving"},        {0x20, "Resolved"},
        {0x30, "Staging"},    {0x40, "Staged"},           {0x50, "Superseded"},       {0x60, "Install Pending"},
        {0x65, "Partially Installed"}, {0x70, "Installed"}, {0x80, "Permanent"},
    };
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        if (states[i].v == state)
            return states[i].name;
    return NULL;
}

static bool is_update(const char *name)
{
    return ost_has_prefix_ci(name, "Package_for_KB4474419~") || ost_has_prefix_ci(name, "Package_for_KB3033929~");
}

void ost_sha2_support_of_hive(struct ost_hive *software, unsigned major, unsigned minor,
                              struct ost_sha2_support *out)
{
    *out = (struct ost_sha2_support){.state = OST_SHA2_UNKNOWN};
    if (major > 6 || (major == 6 && minor >= 2)) {
        out->state = OST_SHA2_YES;
        snprintf(out->evidence, sizeof out->evidence, "Windows %u.%u verifies SHA-256 signatures natively", major,
                 minor);
        return;
    }
    ost_hkey packages = software ? ost_hive_key(software, 0, OST_CBS_PACKAGES) : 0;
    if (!packages) {
        snprintf(out->evidence, sizeof out->evidence,
                 "SOFTWARE has no %s key, so whether KB3033929 or KB4474419 is installed is not known",
                 OST_CBS_PACKAGES);
        return;
    }
    struct ost_strlist names = {0};
    ost_hive_subkeys(software, packages, &names);
    /* the best state wins: a superseded KB3033929 beside an installed KB4474419 */
    const char *seen = NULL;
    uint32_t seen_state = 0;
    bool seen_has_state = false;
    for (size_t i = 0; i < names.n && out->state != OST_SHA2_YES; i++) {
        if (!is_update(names.v[i]))
            continue;
        ost_hkey k = ost_hive_key(software, packages, names.v[i]);
        uint32_t state = 0;
        bool has = k && ost_hive_get_dword(software, k, "CurrentState", &state);
        if (has && (state == 0x70 || state == 0x80)) {
            out->state = OST_SHA2_YES;
            snprintf(out->evidence, sizeof out->evidence, "%s is %s (CurrentState 0x%x)", names.v[i],
                     ost_cbs_state_name(state), state);
        } else if (!seen) {
            seen = names.v[i];
            seen_state = state;
            seen_has_state = has;
        }
    }
    if (out->state != OST_SHA2_YES) {
        out->state = OST_SHA2_NO;
        if (seen && seen_has_state) {
            const char *sname = ost_cbs_state_name(seen_state);
            snprintf(out->evidence, sizeof out->evidence, "%s is %s (CurrentState 0x%x), not installed", seen,
                     sname ? sname : "in a state the CBS chart does not list", seen_state);
        } else if (seen) {
            snprintf(out->evidence, sizeof out->evidence, "%s has no CurrentState, so it is not installed", seen);
        } else {
            snprintf(out->evidence, sizeof out->evidence,
                     "no Package_for_KB3033929~ or Package_for_KB4474419~ under SOFTWARE\\%s", OST_CBS_PACKAGES);
        }
    }
    ost_strlist_free(&names);
}

void ost_image_sha2_support(struct ost_image *img, struct ost_sha2_support *out)
{
    ost_sha2_support_of_hive(img->software, img->info.major, img->info.minor, out);
}
