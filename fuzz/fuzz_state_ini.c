/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: Windows\Setup\State\State.ini, read from the image
 * to tell an installed system from a generalized one. Whatever it holds,
 * the value found is a bounded, terminated string. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imagekind.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[64];
    memset(out, 'x', sizeof out);
    ost_state_ini_image_state(data, size, out, sizeof out);
    if (!memchr(out, '\0', sizeof out))
        abort();
    return 0;
}
