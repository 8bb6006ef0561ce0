/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the inherited security descriptor (secdesc.c). The
 * input is a folder's self-relative descriptor; for a file and a folder
 * created in it, what comes out must be a descriptor the same code reads,
 * with SE_DACL_PRESENT, every ACE of an inherited DACL marked
 * INHERITED_ACE and none carrying NO_PROPAGATE_INHERIT_ACE, and a file's
 * ACEs inheritable by nothing. Seeds: fuzz/corpus/secdesc, the descriptors
 * of mkntfs's root folder and of C:\Windows as Windows ships it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "secdesc.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_acl(const uint8_t *sd, size_t n, unsigned field, bool inherited, bool container)
{
    uint32_t at = ost_le32(sd + field);
    if (!at)
        return;
    if (at + 8 > n)
        abort();
    size_t end = at + ost_le16(sd + at + 2), pos = at + 8;
    if (end > n)
        abort();
    for (unsigned i = 0, count = ost_le16(sd + at + 4); i < count; i++) {
        if (pos + 4 > end)
            abort();
        uint8_t flags = sd[pos + 1];
        if ((inherited && !(flags & 0x10)) || (flags & 0x04) || (!container && (flags & 0x0B)))
            abort();
        pos += ost_le16(sd + pos + 2);
    }
    if (pos != end)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int container = 0; container < 2; container++) {
        uint8_t *sd;
        size_t n;
        struct ost_error err;
        if (ost_sd_inherit("fuzz", data, size, container, OST_SID_ADMINISTRATORS, OST_SID_ADMINISTRATORS, &sd, &n,
                           &err) != OST_OK)
            continue;
        uint16_t control = ost_le16(sd + 2);
        if (n < 20 || !(control & 0x0004))
            abort();
        check_acl(sd, n, 16, control & 0x0400, container);
        check_acl(sd, n, 12, true, container);
        uint8_t *again;
        size_t again_n;
        if (ost_sd_inherit("fuzz", sd, n, container, OST_SID_ADMINISTRATORS, OST_SID_ADMINISTRATORS, &again, &again_n,
                           &err) != OST_OK)
            abort();
        free(again);
        free(sd);
    }
    return 0;
}
