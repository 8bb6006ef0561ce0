/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: a directory image's transaction journal, which the
 * next command reads from the image, so it is hostile input too. Whatever
 * parses must only name paths below the root, and serialise back to a
 * journal that parses to the same steps. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ost_journal j, again;
    struct ost_error err;
    if (ost_journal_parse("fuzz", data, size, &j, &err) != OST_OK)
        return 0;
    for (size_t i = 0; i < j.nops; i++) {
        if (!ost_journal_path_ok(j.ops[i].path))
            abort();
        for (size_t k = 0; k < j.ops[i].mkdirs.n; k++)
            if (!ost_journal_path_ok(j.ops[i].mkdirs.v[k]))
                abort();
    }
    char *text = ost_journal_serialize(&j);
    if (ost_journal_parse("fuzz", (const uint8_t *)text, strlen(text), &again, &err) != OST_OK || again.nops != j.nops)
        abort();
    for (size_t i = 0; i < j.nops; i++)
        if (strcmp(j.ops[i].path, again.ops[i].path) || j.ops[i].kind != again.ops[i].kind)
            abort();
    ost_journal_free(&again);
    free(text);
    ost_journal_free(&j);
    return 0;
}
