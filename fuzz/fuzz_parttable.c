/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the partition-table reader (parttable.c). The input
 * is the whole disk, served from memory, read as 512- and as 4096-byte
 * sectors and as the reader's own guess; then again with the GPT CRCs
 * recomputed, so that mutated headers and entries get past the checksums
 * to the checks behind them. Seeds: fuzz/make-parttable-seeds.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blockio.h"
#include "parttable.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ost_status memory_pread(void *ctx, void *buf, size_t len, uint64_t off, struct ost_error *err)
{
    (void)err;
    memcpy(buf, (const uint8_t *)ctx + off, len);
    return OST_OK;
}

static uint32_t crc32_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

/* Re-seals the GPT header at byte offset hdr: the entry array's CRC (when
 * the array lies inside the disk), then the header's own. */
static void seal(uint8_t *d, size_t size, uint64_t hdr, uint32_t ss)
{
    if (hdr + ss > size || memcmp(d + hdr, "EFI PART", 8) != 0)
        return;
    uint8_t *h = d + hdr;
    uint64_t entries = ost_le64(h + 72), bytes = (uint64_t)ost_le32(h + 80) * ost_le32(h + 84);
    if (entries < size / ss && bytes <= size - entries * ss)
        ost_put_le32(h + 88, crc32_bitwise(d + entries * ss, (size_t)bytes));
    uint32_t hsize = ost_le32(h + 12);
    if (hsize >= 92 && hsize <= ss) {
        ost_put_le32(h + 16, 0);
        ost_put_le32(h + 16, crc32_bitwise(h, hsize));
    }
}

static void read_all_ways(const uint8_t *data, size_t size)
{
    struct ost_blockio disk = {.pread = memory_pread, .ctx = (void *)data, .size = size};
    strcpy(disk.name, "fuzz.img");
    static const uint32_t sizes[] = {0, 512, 4096};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct ost_partition_table t;
        struct ost_error err;
        if (ost_partition_table_read(&disk, sizes[i], &t, &err) == OST_OK) {
            /* what a caller relies on next: every partition lies inside the disk */
            for (size_t k = 0; k < t.n; k++)
                if (t.v[k].offset > size || t.v[k].size > size - t.v[k].offset || t.v[k].size == 0)
                    __builtin_trap();
            ost_partition_table_free(&t);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_all_ways(data, size);
    uint8_t *sealed = malloc(size ? size : 1);
    memcpy(sealed, data, size);
    static const uint32_t sizes[] = {512, 4096};
    for (size_t i = 0; i < 2; i++) {
        seal(sealed, size, sizes[i], sizes[i]);
        if (size >= 2 * sizes[i])
            seal(sealed, size, (size / sizes[i] - 1) * sizes[i], sizes[i]);
    }
    if (memcmp(sealed, data, size) != 0)
        read_all_ways(sealed, size);
    free(sealed);
    return 0;
}
