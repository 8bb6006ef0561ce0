/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the manifest parser remove-driver, get-drivers and
 * add-driver read Windows\offstage\manifest.json through. A manifest it
 * accepts must hold what removal relies on: an INF name and folder per
 * package and one boot file hash (maybe "") per boot file. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ost_manifest m;
    struct ost_error err;
    if (ost_manifest_parse(data, size, "fuzz.json", &m, &err) != OST_OK) {
        if (m.n || m.items || !strstr(err.message, "fuzz.json"))
            abort();
        return 0;
    }
    for (size_t i = 0; i < m.n; i++) {
        const struct ost_staged *s = &m.items[i];
        if (!s->inf_name || !s->folder || s->boot_hashes.n != s->boot_files.n)
            abort();
        for (size_t k = 0; k < s->boot_hashes.n; k++)
            if (s->boot_hashes.v[k][0] && strlen(s->boot_hashes.v[k]) != 64)
                abort();
    }
    ost_manifest_free(&m);
    return 0;
}
