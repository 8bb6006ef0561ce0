/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "regf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define BASE_BLOCK 4096
#define HBIN_SIZE 4096

static uint32_t header_checksum(const uint8_t *base)
{
    uint32_t x = 0;
    for (int i = 0; i < 508; i += 4)
        x ^= ost_le32(base + i);
    /* Windows avoids the two values that mean "not computed". */
    if (x == 0xFFFFFFFF)
        x = 0xFFFFFFFE;
    else if (x == 0)
        x = 1;
    return x;
}

ost_status ost_regf_parse_header(const uint8_t *b, size_t got, uint64_t size, const char *path,
                                 struct ost_regf_header *out, struct ost_error *err)
{
    memset(out, 0, sizeof *out);
    if (got < 512)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: offset 0: file is %zu bytes, too short for a hive base block",
                        path, got);
    if (memcmp(b, "regf", 4) != 0)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: offset 0: no 'regf' signature; not a registry hive", path);
    out->sequence1 = ost_le32(b + 4);
    out->sequence2 = ost_le32(b + 8);
    out->major = ost_le32(b + 20);
    out->minor = ost_le32(b + 24);
    out->root_offset = ost_le32(b + 36);
    out->hive_bins_size = ost_le32(b + 40);
    out->checksum_stored = ost_le32(b + 508);
    out->checksum_computed = header_checksum(b);
    if (out->major != 1)
        return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: offset 20: hive format version %u.%u; only 1.x exists", path,
                        out->major, out->minor);
    if (out->checksum_stored != out->checksum_computed)
        return ost_fail(err, OST_ERR_CORRUPT,
                        "%s: offset 508: base block checksum 0x%08x does not match its contents (0x%08x)", path,
                        out->checksum_stored, out->checksum_computed);
    if (got < BASE_BLOCK || (uint64_t)out->hive_bins_size + BASE_BLOCK > size)
        return ost_fail(err, OST_ERR_CORRUPT,
                        "%s: offset 40: base block declares %u bytes of hive bins but the file has %llu bytes "
                        "after the base block: truncated",
                        path, out->hive_bins_size,
                        (unsigned long long)(size > BASE_BLOCK ? size - BASE_BLOCK : 0));
    if (out->root_offset >= out->hive_bins_size)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: offset 36: root key offset 0x%x lies outside the hive bins", path,
                        out->root_offset);
    return OST_OK;
}

/* A self-relative security descriptor: owner Administrators, group SYSTEM,
 * DACL granting full control to SYSTEM and Administrators and read to
 * Everyone, as on an ordinary machine hive key. */
static size_t build_security_descriptor(uint8_t *sd)
{
    static const uint8_t sid_admins[] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0};
    static const uint8_t sid_system[] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
    static const uint8_t sid_everyone[] = {1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
    struct {
        const uint8_t *sid;
        size_t len;
        uint32_t mask;
    } aces[] = {
        {sid_system, sizeof sid_system, 0x000F003F},   /* KEY_ALL_ACCESS */
        {sid_admins, sizeof sid_admins, 0x000F003F},
        {sid_everyone, sizeof sid_everyone, 0x00020019}, /* KEY_READ */
    };
    size_t pos = 20;
    uint32_t owner = (uint32_t)pos;
    memcpy(sd + pos, sid_admins, sizeof sid_admins), pos += sizeof sid_admins;
    uint32_t group = (uint32_t)pos;
    memcpy(sd + pos, sid_system, sizeof sid_system), pos += sizeof sid_system;
    uint32_t dacl = (uint32_t)pos;
    size_t acl_start = pos;
    pos += 8;
    for (size_t i = 0; i < 3; i++) {
        size_t ace_len = 8 + aces[i].len;
        sd[pos] = 0;           /* ACCESS_ALLOWED_ACE_TYPE */
        sd[pos + 1] = 0x02;    /* CONTAINER_INHERIT_ACE */
        ost_put_le16(sd + pos + 2, (uint16_t)ace_len);
        ost_put_le32(sd + pos + 4, aces[i].mask);
        memcpy(sd + pos + 8, aces[i].sid, aces[i].len);
        pos += ace_len;
    }
    sd[acl_start] = 2; /* ACL_REVISION */
    ost_put_le16(sd + acl_start + 2, (uint16_t)(pos - acl_start));
    ost_put_le16(sd + acl_start + 4, 3);
    sd[0] = 1;                 /* revision */
    ost_put_le16(sd + 2, 0x8004);     /* SE_SELF_RELATIVE | SE_DACL_PRESENT */
    ost_put_le32(sd + 4, owner);
    ost_put_le32(sd + 8, group);
    ost_put_le32(sd + 12, 0);         /* no SACL */
    ost_put_le32(sd + 16, dacl);
    return pos;
}

ost_status ost_regf_write_empty(const char *path, const char *root_name, struct ost_error *err)
{
    size_t name_len = strlen(root_name);
    if (name_len == 0 || name_len > 64)
        return ost_fail(err, OST_ERR_USAGE, "hive root name must be 1 to 64 characters");
    uint8_t *file = ost_xcalloc(1, BASE_BLOCK + HBIN_SIZE);
    uint8_t *base = file, *bin = file + BASE_BLOCK;
    /* A fixed timestamp keeps generated hives byte-reproducible. */
    const uint64_t filetime = 130000000000000000ull; /* 2012-12-15 */

    memcpy(bin, "hbin", 4);
    ost_put_le32(bin + 4, 0);
    ost_put_le32(bin + 8, HBIN_SIZE);
    memcpy(bin + 20, &filetime, 8);

    /* root key (nk) cell at 0x20 */
    uint32_t nk_off = 0x20;
    size_t nk_size = (4 + 76 + name_len + 7) & ~(size_t)7;
    uint8_t *nk = bin + nk_off;
    uint32_t sk_off = nk_off + (uint32_t)nk_size;
    ost_put_le32(nk, (uint32_t)-(int32_t)nk_size);
    memcpy(nk + 4, "nk", 2);
    ost_put_le16(nk + 6, 0x2C);        /* KEY_HIVE_ENTRY | KEY_NO_DELETE | KEY_COMP_NAME */
    memcpy(nk + 8, &filetime, 8);
    ost_put_le32(nk + 20, 0xFFFFFFFF); /* parent: none */
    ost_put_le32(nk + 32, 0xFFFFFFFF); /* subkey list */
    ost_put_le32(nk + 36, 0xFFFFFFFF); /* volatile subkey list */
    ost_put_le32(nk + 44, 0xFFFFFFFF); /* value list */
    ost_put_le32(nk + 48, sk_off);     /* security */
    ost_put_le32(nk + 52, 0xFFFFFFFF); /* class name */
    ost_put_le16(nk + 76, (uint16_t)name_len);
    memcpy(nk + 80, root_name, name_len);

    /* security (sk) cell, referenced once, linked to itself */
    uint8_t sd[256] = {0};
    size_t sd_len = build_security_descriptor(sd);
    size_t sk_size = (4 + 20 + sd_len + 7) & ~(size_t)7;
    uint8_t *sk = bin + sk_off;
    ost_put_le32(sk, (uint32_t)-(int32_t)sk_size);
    memcpy(sk + 4, "sk", 2);
    ost_put_le32(sk + 8, sk_off);
    ost_put_le32(sk + 12, sk_off);
    ost_put_le32(sk + 16, 1);
    ost_put_le32(sk + 20, (uint32_t)sd_len);
    memcpy(sk + 24, sd, sd_len);

    /* the rest of the bin is one free cell */
    uint32_t free_off = sk_off + (uint32_t)sk_size;
    ost_put_le32(bin + free_off, HBIN_SIZE - free_off);

    memcpy(base, "regf", 4);
    ost_put_le32(base + 4, 1);
    ost_put_le32(base + 8, 1);
    memcpy(base + 12, &filetime, 8);
    ost_put_le32(base + 20, 1);
    ost_put_le32(base + 24, 3);
    ost_put_le32(base + 28, 0);  /* primary file */
    ost_put_le32(base + 32, 1);  /* direct memory load */
    ost_put_le32(base + 36, nk_off);
    ost_put_le32(base + 40, HBIN_SIZE);
    ost_put_le32(base + 44, 1);
    ost_put_le32(base + 508, header_checksum(base));

    FILE *f = fopen(path, "wb");
    if (!f) {
        free(file);
        return ost_fail(err, OST_ERR_IO, "%s: cannot create hive: %s", path, strerror(errno));
    }
    size_t put = fwrite(file, 1, BASE_BLOCK + HBIN_SIZE, f);
    int closed = fclose(f);
    free(file);
    if (put != BASE_BLOCK + HBIN_SIZE || closed != 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot write hive: %s", path, strerror(errno));
    return OST_OK;
}
