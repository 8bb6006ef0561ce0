/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: decoding a BCD device element (bcd.c), the one binary
 * layout in a BCD store offstage reads itself (hivex reads the cells). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "bcd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    free(ost_bcd_describe_device(data, size));
    return 0;
}
