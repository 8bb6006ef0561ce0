/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the INF lexer and the package model built on it. */
#include <stddef.h>
#include <stdint.h>

#include "infmodel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ost_inf *inf;
    struct ost_diags diags = {0};
    struct ost_error err;
    /* The first byte picks a language, so that every step of the [Strings]
     * fallback is fuzzed too: exact, primary language, neutral. */
    static const char *const locales[] = {NULL, "0407", "0807", "040c"};
    struct ost_inf_options opts = {.locale = size ? locales[data[0] & 3] : NULL};
    if (ost_inf_parse(data, size, "fuzz.inf", &opts, &inf, &diags, &err) == OST_OK) {
        struct ost_model_options mo = {.arches = {OST_ARCH_X86, OST_ARCH_AMD64}, .narches = 2};
        struct ost_driver_model *m;
        if (ost_driver_model_build(inf, &mo, &m, &err) == OST_OK)
            ost_driver_model_free(m);
    }
    ost_diags_free(&diags);
    return 0;
}
