/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * give_sd — gives the hives of every image of a WIM a Windows security
 * descriptor and the ARCHIVE attribute, as on real install media, so that
 * the benchmark measures the path real WIMs take. Not part of offstage.
 *
 *   give_sd FILE.wim TREE...   (TREE n holds image n's Windows/System32/config/{SYSTEM,SOFTWARE})
 */
#include <stdio.h>
#include <stdlib.h>
#include <wimlib.h>

#include "ntfsvol.h"

/* O:BAG:SYD:(A;;FA;;;SY)(A;;FA;;;BA)(A;;FR;;;WD) */
static const unsigned char sd[] = {
    1, 0, 0x04, 0x80, 0x14, 0, 0, 0, 0x24, 0, 0, 0, 0, 0, 0, 0, 0x30, 0, 0, 0,
    1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0,
    1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0,
    2, 0, 0x48, 0, 3, 0, 0, 0,
    0, 0, 0x14, 0, 0xff, 0x01, 0x1f, 0, 1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0,
    0, 0, 0x18, 0, 0xff, 0x01, 0x1f, 0, 1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0,
    0, 0, 0x14, 0, 0x89, 0, 0x12, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
};

int main(int argc, char **argv)
{
    if (argc < 3)
        return fprintf(stderr, "usage: give_sd FILE.wim TREE...\n"), 2;
    struct ost_error err;
    struct ost_ntfs_file_meta meta = {sd, sizeof sd, 0x20, 129342960000000000ull, 129342960000000000ull,
                                      129342960000000000ull};
    WIMStruct *w;
    if (wimlib_open_wim(argv[1], WIMLIB_OPEN_FLAG_WRITE_ACCESS, &w))
        return fprintf(stderr, "give_sd: cannot open %s\n", argv[1]), 1;
    struct wimlib_wim_info wi;
    wimlib_get_wim_info(w, &wi);
    const char *names[] = {"SYSTEM", "SOFTWARE"};
    if ((uint32_t)(argc - 2) != wi.image_count)
        return fprintf(stderr, "give_sd: %u images but %d trees\n", wi.image_count, argc - 2), 2;
    for (uint32_t i = 1; i <= wi.image_count; i++) {
        /* one NTFS volume per update call: libwim mixes up two in one call */
        for (int k = 0; k < 2; k++) {
            char src[4096], vol[4200];
            snprintf(src, sizeof src, "%s/Windows/System32/config/%s", argv[1 + i], names[k]);
            snprintf(vol, sizeof vol, "%s.%u.%s.ntfs", argv[1], i, names[k]);
            if (ost_ntfs_volume_with_file(vol, names[k], src, &meta, &err) != OST_OK)
                return fprintf(stderr, "give_sd: %s\n", err.message), 1;
            struct wimlib_update_command c = {.op = WIMLIB_UPDATE_OP_ADD};
            c.add.fs_source_path = vol;
            c.add.wim_target_path = (char *)"/Windows/System32/config";
            c.add.add_flags = WIMLIB_ADD_FLAG_NTFS;
            if (wimlib_update_image(w, (int)i, &c, 1, 0))
                return fprintf(stderr, "give_sd: update of image %u failed\n", i), 1;
        }
    }
    if (wimlib_overwrite(w, 0, 0))
        return fprintf(stderr, "give_sd: write failed\n"), 1;
    wimlib_free(w);
    return 0;
}
