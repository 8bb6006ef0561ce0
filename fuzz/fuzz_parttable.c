/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the partition-table reader (parttable.c). The input
 * is the whole disk, served from memory, read as 512- and as 4096-byte
 * sectors and as the reader's own guess. Seeds: fuzz/make-parttable-seeds.sh. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "blockio.h"
#include "parttable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ost_status memory_pread(void *ctx, void *buf, size_t len, uint64_t off, struct ost_error *err)
{
    (void)err;
    memcpy(buf, (const uint8_t *)ctx + off, len);
    return OST_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ost_blockio disk = {.pread = memory_pread, .ctx = (void *)data, .size = size};
    strcpy(disk.name, "fuzz.img");
    static const uint32_t sizes[] = {0, 512, 4096};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct ost_partition_table t;
        struct ost_error err;
        if (ost_partition_table_read(&disk, sizes[i], &t, &err) == OST_OK) {
            /* what a caller does next: every partition lies inside the disk */
            for (size_t k = 0; k < t.n; k++)
                if (t.v[k].offset > size || t.v[k].size > size - t.v[k].offset)
                    __builtin_trap();
            ost_partition_table_free(&t);
        }
    }
    return 0;
}
