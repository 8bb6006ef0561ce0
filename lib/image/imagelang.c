/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "imagelang.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static bool is_langid(const char *s)
{
    if (!s || strlen(s) != 4)
        return false;
    for (size_t i = 0; i < 4; i++)
        if (!strchr("0123456789abcdefABCDEF", s[i]))
            return false;
    return strcmp(s, "0000") != 0;
}

bool ost_system_language(struct ost_hive *system, ost_hkey control_set, char out[5])
{
    ost_hkey k = system && control_set ? ost_hive_key(system, control_set, "Control\\Nls\\Language") : 0;
    if (!k)
        return false;
    static const char *const names[] = {"Default", "InstallLanguage"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *v = ost_hive_get_string(system, k, names[i]);
        bool ok = is_langid(v);
        if (ok)
            memcpy(out, v, 5);
        free(v);
        if (ok)
            return true;
    }
    return false;
}

const char *ost_image_language(struct ost_image *img)
{
    if (!img)
        return NULL;
    if (!img->info.language[0] && !ost_system_language(img->system, img->control_set, img->info.language))
        return NULL;
    return img->info.language;
}
