/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vhdxhdr.h"

#include <string.h>

#include "crc32.h"
#include "util.h"

/* [MS-VHDX] 2.2.2: field offsets in a header */
#define H_CHECKSUM 4
#define H_SEQUENCE 8
#define H_LOG_GUID 48

static const uint64_t header_offsets[2] = {OST_VHDX_HEADER1_OFFSET, OST_VHDX_HEADER2_OFFSET};

static uint32_t header_checksum(const uint8_t *h)
{
    uint8_t copy[OST_VHDX_HEADER_SIZE];
    memcpy(copy, h, sizeof copy);
    memset(copy + H_CHECKSUM, 0, 4);
    return ost_crc32c(copy, sizeof copy);
}

static bool header_valid(const uint8_t *h)
{
    return !memcmp(h, "head", 4) && ost_le32(h + H_CHECKSUM) == header_checksum(h);
}

ost_status ost_vhdx_headers_parse(const uint8_t *head, size_t n, const char *name, struct ost_vhdx_headers *out,
                                  struct ost_error *err)
{
    memset(out, 0, sizeof *out);
    if (n < OST_VHDX_HEADERS_END)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: the VHDX file is cut short: %zu bytes, its headers end at %u",
                        name, n, OST_VHDX_HEADERS_END);
    if (memcmp(head, "vhdxfile", 8) != 0)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: not a VHDX file (no \"vhdxfile\" identifier at offset 0)", name);
    bool valid[2];
    uint64_t seq[2];
    for (unsigned i = 0; i < 2; i++) {
        const uint8_t *h = head + header_offsets[i];
        valid[i] = header_valid(h);
        seq[i] = ost_le64(h + H_SEQUENCE);
    }
    if (!valid[0] && !valid[1])
        return ost_fail(err, OST_ERR_CORRUPT, "%s: neither VHDX header (at offsets 64 KiB and 128 KiB) has the "
                        "\"head\" signature and a matching CRC-32C", name);
    out->current = !valid[0] || (valid[1] && seq[1] > seq[0]) ? 1 : 0;
    const uint8_t *cur = head + header_offsets[out->current];
    out->sequence = seq[out->current];
    memcpy(out->log_guid, cur + H_LOG_GUID, 16);
    static const uint8_t zero[16];
    out->log_named = memcmp(out->log_guid, zero, 16) != 0;
    return OST_OK;
}

uint64_t ost_vhdx_header_with_empty_log(const uint8_t *head, const struct ost_vhdx_headers *h, uint8_t *out)
{
    memcpy(out, head + header_offsets[h->current], OST_VHDX_HEADER_SIZE);
    ost_put_le64(out + H_SEQUENCE, h->sequence + 1);
    memset(out + H_LOG_GUID, 0, 16);
    memset(out + H_CHECKSUM, 0, 4);
    ost_put_le32(out + H_CHECKSUM, ost_crc32c(out, OST_VHDX_HEADER_SIZE));
    return header_offsets[!h->current];
}
