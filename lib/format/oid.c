/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "oid.h"

#include <string.h>

static const struct {
    const char *oid, *name;
} digest_names[] = {
    {OID_SHA1, "sha1"}, {OID_SHA256, "sha256"}, {OID_SHA384, "sha384"}, {OID_SHA512, "sha512"}, {OID_MD5, "md5"},
};

const char *ost_oid_digest_name(const char *oid)
{
    for (size_t i = 0; i < sizeof digest_names / sizeof digest_names[0]; i++)
        if (!strcmp(digest_names[i].oid, oid))
            return digest_names[i].name;
    return oid;
}
