/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the PE reader, its checksum and the Authenticode feed. */
#include <stddef.h>
#include <stdint.h>

#include "pe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *ctx, const void *p, size_t n)
{
    /* touch every byte so that ASan sees any out-of-bounds range */
    const uint8_t *b = p;
    uint8_t *acc = ctx;
    for (size_t i = 0; i < n; i++)
        *acc ^= b[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ost_pe_info pe;
    struct ost_error err;
    if (ost_pe_parse(data, size, "fuzz.sys", &pe, &err) == OST_OK) {
        uint8_t acc = 0;
        ost_pe_authenticode_feed(data, size, &pe, sink, &acc);
        ost_pe_info_free(&pe);
    }
    return 0;
}
