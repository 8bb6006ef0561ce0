/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the VHDX header reader (vhdxhdr.c). The input is the
 * two 4 KiB headers, placed at 64 KiB and 128 KiB behind the file
 * identifier; then again with both CRC-32Cs recomputed, so that mutated
 * fields get past the checksums. When a header is current, the empty-log
 * header written in the other place must be current and name no log.
 * Seeds: fuzz/make-vhdxhdr-seeds.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "util.h"
#include "vhdxhdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(uint8_t *file)
{
    struct ost_vhdx_headers h;
    struct ost_error err;
    if (ost_vhdx_headers_parse(file, OST_VHDX_HEADERS_END, "fuzz.vhdx", &h, &err) != OST_OK)
        return;
    if (h.sequence == UINT64_MAX)
        return;
    uint8_t hdr[OST_VHDX_HEADER_SIZE];
    uint64_t at = ost_vhdx_header_with_empty_log(file, &h, hdr);
    memcpy(file + at, hdr, sizeof hdr);
    struct ost_vhdx_headers after;
    if (ost_vhdx_headers_parse(file, OST_VHDX_HEADERS_END, "fuzz.vhdx", &after, &err) != OST_OK ||
        after.log_named || after.sequence != h.sequence + 1 || after.current == h.current)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *file = calloc(1, OST_VHDX_HEADERS_END);
    if (!file)
        return 0;
    memcpy(file, "vhdxfile", 8);
    size_t n1 = size < OST_VHDX_HEADER_SIZE ? size : OST_VHDX_HEADER_SIZE;
    memcpy(file + OST_VHDX_HEADER1_OFFSET, data, n1);
    if (size > OST_VHDX_HEADER_SIZE) {
        size_t n2 = size - OST_VHDX_HEADER_SIZE;
        memcpy(file + OST_VHDX_HEADER2_OFFSET, data + OST_VHDX_HEADER_SIZE,
               n2 < OST_VHDX_HEADER_SIZE ? n2 : OST_VHDX_HEADER_SIZE);
    }
    run(file);
    for (uint64_t at = OST_VHDX_HEADER1_OFFSET; at <= OST_VHDX_HEADER2_OFFSET; at += OST_VHDX_HEADER1_OFFSET) {
        uint8_t *h = file + at;
        memcpy(h, "head", 4);
        memset(h + 4, 0, 4);
        ost_put_le32(h + 4, ost_crc32c(h, OST_VHDX_HEADER_SIZE));
    }
    run(file);
    free(file);
    return 0;
}
