/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "crc32.h"

#include <threads.h>

static uint32_t ieee_table[256], castagnoli_table[256];
static once_flag tables_once = ONCE_FLAG_INIT;

static void fill(uint32_t *table, uint32_t poly)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? poly ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
}

static void fill_tables(void)
{
    fill(ieee_table, 0xEDB88320u);
    fill(castagnoli_table, 0x82F63B78u);
}

static uint32_t crc32_with(const uint32_t *table, const uint8_t *p, size_t n)
{
    call_once(&tables_once, fill_tables);
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++)
        c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

uint32_t ost_crc32_ieee(const uint8_t *p, size_t n)
{
    return crc32_with(ieee_table, p, n);
}

uint32_t ost_crc32c(const uint8_t *p, size_t n)
{
    return crc32_with(castagnoli_table, p, n);
}
