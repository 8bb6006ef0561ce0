/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "secdesc.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

const uint8_t OST_SID_ADMINISTRATORS[16] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0};
static const uint8_t SID_SYSTEM[12] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
static const uint8_t SID_CREATOR_OWNER[12] = {1, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0};
static const uint8_t SID_CREATOR_GROUP[12] = {1, 1, 0, 0, 0, 0, 0, 3, 1, 0, 0, 0};

/* SECURITY_DESCRIPTOR Control ([MS-DTYP] 2.4.6) */
#define SE_DACL_PRESENT 0x0004u
#define SE_SACL_PRESENT 0x0010u
#define SE_DACL_AUTO_INHERITED 0x0400u
#define SE_SACL_AUTO_INHERITED 0x0800u
#define SE_SELF_RELATIVE 0x8000u

/* ACE_HEADER AceFlags ([MS-DTYP] 2.4.4.1) */
#define OBJECT_INHERIT 0x01u
#define CONTAINER_INHERIT 0x02u
#define NO_PROPAGATE_INHERIT 0x04u
#define INHERIT_ONLY 0x08u
#define INHERITED 0x10u
#define AUDIT_FLAGS 0xC0u /* SUCCESSFUL_ACCESS_ACE_FLAG, FAILED_ACCESS_ACE_FLAG */

/* ACCESS_MASK generic rights and what they mean on a file or a folder
 * ("File Security and Access Rights",
 * https://learn.microsoft.com/en-us/windows/win32/fileio/file-security-and-access-rights) */
#define GENERIC_ALL 0x10000000u
#define GENERIC_EXECUTE 0x20000000u
#define GENERIC_WRITE 0x40000000u
#define GENERIC_READ 0x80000000u
#define GENERIC_RIGHTS (GENERIC_ALL | GENERIC_EXECUTE | GENERIC_WRITE | GENERIC_READ)
#define FILE_ALL_ACCESS 0x001F01FFu
#define FILE_GENERIC_READ 0x00120089u
#define FILE_GENERIC_WRITE 0x00120116u
#define FILE_GENERIC_EXECUTE 0x001200A0u

#define ACL_HEADER 8u
#define ACL_MAX 0xFFFFu

size_t ost_sid_len(const uint8_t *p, size_t avail)
{
    if (avail < 8 || p[0] != 1 || p[1] > 15)
        return 0;
    size_t n = 8 + 4u * p[1];
    return n <= avail ? n : 0;
}

static uint32_t map_generic(uint32_t mask)
{
    uint32_t m = mask & ~GENERIC_RIGHTS;
    if (mask & GENERIC_ALL)
        m |= FILE_ALL_ACCESS;
    if (mask & GENERIC_READ)
        m |= FILE_GENERIC_READ;
    if (mask & GENERIC_WRITE)
        m |= FILE_GENERIC_WRITE;
    if (mask & GENERIC_EXECUTE)
        m |= FILE_GENERIC_EXECUTE;
    return m;
}

/* Where the SID of an ACE of this type lies ([MS-DTYP] 2.4.4.2-2.4.4.17),
 * 0 for a type whose layout is not known (copied as it is). */
static size_t sid_offset(const uint8_t *ace, size_t size)
{
    switch (ace[0]) {
    case 0x00: case 0x01: case 0x02: case 0x03: /* allowed, denied, audit, alarm */
    case 0x09: case 0x0A: case 0x0D: case 0x0E: /* their callback forms */
    case 0x11: case 0x12: case 0x13:            /* mandatory label, resource attribute, scoped policy */
        return 8;
    case 0x05: case 0x06: case 0x07: case 0x08: /* object ACEs: Flags, then the GUIDs they name */
    case 0x0B: case 0x0C: case 0x0F: case 0x10: {
        if (size < 12)
            return 0;
        uint32_t flags = ost_le32(ace + 8);
        return 12 + (flags & 1 ? 16 : 0) + (flags & 2 ? 16 : 0);
    }
    default:
        return 0;
    }
}

struct acl_out {
    struct ost_buf b; /* the ACEs */
    unsigned count;
};

static bool same_sid(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && !memcmp(a, b, alen);
}

/* Appends ace (size bytes) with flags; mapped: generic rights and CREATOR
 * SIDs made specific. */
static ost_status emit(const char *name, struct acl_out *o, const uint8_t *ace, size_t size, uint8_t flags, bool mapped,
                       const uint8_t *owner, const uint8_t *group, struct ost_error *err)
{
    size_t at = sid_offset(ace, size);
    size_t sl = at && at < size ? ost_sid_len(ace + at, size - at) : 0;
    const uint8_t *sid = sl ? ace + at : NULL;
    if (mapped && sid) {
        if (same_sid(sid, sl, SID_CREATOR_OWNER, sizeof SID_CREATOR_OWNER))
            sid = owner;
        else if (same_sid(sid, sl, SID_CREATOR_GROUP, sizeof SID_CREATOR_GROUP))
            sid = group;
    }
    size_t new_sl = sid ? ost_sid_len(sid, 68) : 0;
    size_t new_size = sid ? size - sl + new_sl : size;
    if (new_size > 0xFFFF || o->b.len + new_size > ACL_MAX - ACL_HEADER)
        return ost_fail(err, OST_ERR_LIMIT, "%s: an inherited ACL would pass 64 KiB", name);
    uint8_t *n = ost_xmalloc(new_size);
    if (sid) {
        memcpy(n, ace, at);
        memcpy(n + at, sid, new_sl);
        memcpy(n + at + new_sl, ace + at + sl, size - at - sl); /* a callback ACE's application data */
    } else {
        memcpy(n, ace, size);
    }
    n[1] = flags;
    ost_put_le16(n + 2, (uint16_t)new_size);
    if (mapped && at)
        ost_put_le32(n + 4, map_generic(ost_le32(n + 4)));
    ost_buf_add(&o->b, n, new_size);
    free(n);
    o->count++;
    return OST_OK;
}

/* The ACEs of the parent's ACL at acl (avail bytes to the end of the
 * descriptor) that the child inherits, into o. */
static ost_status inherit_acl(const char *name, const uint8_t *acl, size_t avail, bool container, const uint8_t *owner,
                              const uint8_t *group, struct acl_out *o, uint8_t *revision, struct ost_error *err)
{
    if (avail < ACL_HEADER)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: an ACL runs past its end", name);
    size_t acl_size = ost_le16(acl + 2);
    unsigned count = ost_le16(acl + 4);
    if (acl_size < ACL_HEADER || acl_size > avail)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: an ACL of %zu bytes in %zu", name, acl_size, avail);
    *revision = acl[0];
    size_t pos = ACL_HEADER;
    for (unsigned i = 0; i < count; i++) {
        if (pos + 4 > acl_size)
            return ost_fail(err, OST_ERR_CORRUPT, "%s: ACE %u runs past its ACL", name, i);
        const uint8_t *ace = acl + pos;
        size_t size = ost_le16(ace + 2);
        if (size < 8 || pos + size > acl_size)
            return ost_fail(err, OST_ERR_CORRUPT, "%s: ACE %u of %zu bytes", name, i, size);
        pos += size;
        uint8_t f = ace[1], audit = f & AUDIT_FLAGS;
        bool np = f & NO_PROPAGATE_INHERIT;
        bool effective, inheritable;
        uint8_t pass_on = 0;
        if (!container) {
            effective = f & OBJECT_INHERIT, inheritable = false;
        } else if (f & CONTAINER_INHERIT) {
            effective = true, inheritable = !np;
            pass_on = f & (OBJECT_INHERIT | CONTAINER_INHERIT);
        } else {
            effective = false, inheritable = (f & OBJECT_INHERIT) && !np;
            pass_on = OBJECT_INHERIT;
        }
        ost_status st = OST_OK;
        if (effective && inheritable) {
            size_t at = sid_offset(ace, size);
            size_t sl = at && at < size ? ost_sid_len(ace + at, size - at) : 0;
            bool generic = (at && (ost_le32(ace + 4) & GENERIC_RIGHTS)) ||
                           (sl && (same_sid(ace + at, sl, SID_CREATOR_OWNER, sizeof SID_CREATOR_OWNER) ||
                                   same_sid(ace + at, sl, SID_CREATOR_GROUP, sizeof SID_CREATOR_GROUP)));
            if (generic) {
                st = emit(name, o, ace, size, INHERITED | audit, true, owner, group, err);
                if (st == OST_OK)
                    st = emit(name, o, ace, size, INHERITED | audit | pass_on | INHERIT_ONLY, false, owner, group, err);
            } else {
                st = emit(name, o, ace, size, INHERITED | audit | pass_on, false, owner, group, err);
            }
        } else if (effective) {
            st = emit(name, o, ace, size, INHERITED | audit, true, owner, group, err);
        } else if (inheritable) {
            st = emit(name, o, ace, size, INHERITED | audit | pass_on | INHERIT_ONLY, false, owner, group, err);
        }
        if (st != OST_OK)
            return st;
    }
    return OST_OK;
}

static void add_acl(struct ost_buf *sd, size_t field, uint8_t revision, const struct acl_out *o)
{
    ost_put_le32((uint8_t *)sd->data + field, (uint32_t)sd->len);
    uint8_t h[ACL_HEADER] = {revision, 0};
    ost_put_le16(h + 2, (uint16_t)(ACL_HEADER + o->b.len));
    ost_put_le16(h + 4, (uint16_t)o->count);
    ost_buf_add(sd, h, sizeof h);
    if (o->b.len)
        ost_buf_add(sd, o->b.data, o->b.len);
}

ost_status ost_sd_inherit(const char *name, const uint8_t *parent, size_t parent_len, bool container, const uint8_t *owner,
                          const uint8_t *group, uint8_t **out, size_t *out_len, struct ost_error *err)
{
    size_t owner_len = ost_sid_len(owner, 68), group_len = ost_sid_len(group, 68);
    if (!owner_len || !group_len)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: the new owner or group is not a SID", name);
    if (parent_len < 20 || parent[0] != 1)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: %zu bytes, revision %u: not a descriptor", name,
                        parent_len, parent_len ? parent[0] : 0);
    uint16_t control = ost_le16(parent + 2);
    if (!(control & SE_SELF_RELATIVE))
        return ost_fail(err, OST_ERR_CORRUPT, "%s: not self-relative", name);
    uint32_t sacl_at = ost_le32(parent + 12), dacl_at = ost_le32(parent + 16);
    struct acl_out dacl = {0}, sacl = {0};
    uint8_t dacl_rev = 2, sacl_rev = 2;
    ost_status st = OST_OK;
    if ((control & SE_DACL_PRESENT) && dacl_at) {
        if (dacl_at < 20 || dacl_at >= parent_len)
            st = ost_fail(err, OST_ERR_CORRUPT, "%s: DACL offset %u of %zu", name, dacl_at, parent_len);
        else
            st = inherit_acl(name, parent + dacl_at, parent_len - dacl_at, container, owner, group, &dacl, &dacl_rev, err);
    }
    if (st == OST_OK && (control & SE_SACL_PRESENT) && sacl_at) {
        if (sacl_at < 20 || sacl_at >= parent_len)
            st = ost_fail(err, OST_ERR_CORRUPT, "%s: SACL offset %u of %zu", name, sacl_at, parent_len);
        else
            st = inherit_acl(name, parent + sacl_at, parent_len - sacl_at, container, owner, group, &sacl, &sacl_rev, err);
    }
    if (st != OST_OK) {
        ost_buf_free(&dacl.b), ost_buf_free(&sacl.b);
        return st;
    }
    uint16_t new_control = SE_SELF_RELATIVE | SE_DACL_PRESENT;
    if (dacl.count) {
        new_control |= SE_DACL_AUTO_INHERITED;
    } else {
        /* the creator's default DACL: an administrator's token grants
         * GENERIC_ALL to SYSTEM and Administrators, mapped */
        static const struct {
            const uint8_t *sid;
            size_t len;
        } deflt[] = {{SID_SYSTEM, sizeof SID_SYSTEM}, {OST_SID_ADMINISTRATORS, sizeof OST_SID_ADMINISTRATORS}};
        ost_buf_free(&dacl.b);
        dacl = (struct acl_out){0};
        dacl_rev = 2;
        for (size_t i = 0; i < 2; i++) {
            uint8_t h[8] = {0x00, 0};
            ost_put_le16(h + 2, (uint16_t)(8 + deflt[i].len));
            ost_put_le32(h + 4, FILE_ALL_ACCESS);
            ost_buf_add(&dacl.b, h, 8);
            ost_buf_add(&dacl.b, deflt[i].sid, deflt[i].len);
            dacl.count++;
        }
    }
    if (sacl.count)
        new_control |= SE_SACL_PRESENT | SE_SACL_AUTO_INHERITED;
    /* the layout Windows writes: header, SACL, DACL, owner, group */
    struct ost_buf sd = {0};
    uint8_t h[20] = {1, 0};
    ost_put_le16(h + 2, new_control);
    ost_buf_add(&sd, h, sizeof h);
    if (sacl.count)
        add_acl(&sd, 12, sacl_rev, &sacl);
    add_acl(&sd, 16, dacl_rev, &dacl);
    ost_put_le32((uint8_t *)sd.data + 4, (uint32_t)sd.len);
    ost_buf_add(&sd, owner, owner_len);
    ost_put_le32((uint8_t *)sd.data + 8, (uint32_t)sd.len);
    ost_buf_add(&sd, group, group_len);
    ost_buf_free(&dacl.b), ost_buf_free(&sacl.b);
    *out_len = sd.len;
    *out = (uint8_t *)ost_buf_steal(&sd);
    return OST_OK;
}
