/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the catalog parser, then what is done with a parsed
 * catalog (attribute lookups, signature verification), and the same bytes
 * as any SignedData (an embedded PE signature) through the one check. */
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ost_catalog *cat;
    struct ost_error err;
    struct ost_cat_verdict v;
    if (ost_signed_data_verify(data, size, "fuzz.sig", NULL, &v, &err) == OST_OK)
        ost_cat_verdict_free(&v);
    if (ost_catalog_parse(data, size, "fuzz.cat", &cat, &err) != OST_OK)
        return 0;
    (void)ost_catalog_attr(cat, "OSAttr");
    for (size_t i = 0; i < cat->nmembers; i++)
        (void)ost_cat_member_attr(&cat->members[i], "File");
    if (ost_catalog_verify(cat, NULL, &v, &err) == OST_OK)
        ost_cat_verdict_free(&v);
    ost_catalog_free(cat);
    return 0;
}
