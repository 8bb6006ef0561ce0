/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the PE reader, the checksum and the Authenticode feed. */
#include <stddef.h>
#include <stdint.h>

#include "pe.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where the sink's result goes, so that its reads are not optimised away. */
static volatile uint8_t observed;

/* Reads every byte it is given, so that AddressSanitizer sees a range
 * that strays outside the input. */
static void sink(void *ctx, const void *p, size_t n)
{
    const uint8_t *bytes = p;
    uint8_t *acc = ctx;
    for (size_t i = 0; i < n; i++)
        *acc ^= bytes[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ost_pe_info pe;
    struct ost_error err;
    uint8_t acc = 0;
    /* The checksum also takes any field offset, including absurd ones. */
    uint64_t field = size >= 8 ? ost_le64(data + size - 8) : size;
    (void)ost_pe_checksum(data, size, field);
    if (ost_pe_parse(data, size, "fuzz.sys", &pe, &err) != OST_OK)
        return 0;
    (void)ost_pe_authenticode_digest(data, size, "fuzz.sys", &pe, sink, &acc, &err);
    observed = acc;
    ost_pe_info_free(&pe);
    return 0;
}
