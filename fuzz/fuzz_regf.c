/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the hive base-block checks (regf.c). Cell parsing is
 * hivex's; this covers what offstage reads itself before handing a hive
 * to it. */
#include <stddef.h>
#include <stdint.h>

#include "regf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ost_regf_header h;
    struct ost_error err;
    size_t n = size < 4096 ? size : 4096;
    /* the declared file size is fuzzed too: the last 4 bytes when present */
    uint64_t file_size = size;
    if (size > 4100)
        file_size = (uint64_t)data[size - 1] << 24 | (uint64_t)data[size - 2] << 16 | data[size - 3] << 8 | data[size - 4];
    (void)ost_regf_parse_header(data, n, file_size, "fuzz.hiv", &h, &err);
    return 0;
}
