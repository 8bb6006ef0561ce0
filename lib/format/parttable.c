/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "parttable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "encoding.h"
#include "util.h"

/* An EBR chain longer than this is a loop in disguise or a hostile disk;
 * Linux stops at a similar bound, and no Windows tool makes more than a
 * few dozen logical partitions. */
#define MAX_EBR_LINKS 128
/* The UEFI default is 128 entries of 128 bytes; tools allow more, none
 * anywhere near these. Beyond them the array is not read at all. */
#define MAX_GPT_ENTRIES 4096u
#define MAX_GPT_ENTRY_SIZE 4096u

#define GPT_HEADER_MIN 92u

/* ---- names ---- */

const char *ost_part_scheme_name(ost_part_scheme s)
{
    switch (s) {
    case OST_PART_MBR: return "MBR";
    case OST_PART_GPT: return "GPT";
    case OST_PART_NONE: break;
    }
    return "none";
}

const char *ost_part_role_name(ost_part_role r)
{
    switch (r) {
    case OST_ROLE_DATA: return "data";
    case OST_ROLE_ESP: return "EFI system";
    case OST_ROLE_MSR: return "Microsoft reserved";
    case OST_ROLE_RECOVERY: return "recovery";
    case OST_ROLE_LDM: return "dynamic disk (LDM)";
    case OST_ROLE_STORAGE_SPACES: return "Storage Spaces";
    case OST_ROLE_EXTENDED: return "extended";
    case OST_ROLE_OTHER: break;
    }
    return "other";
}

void ost_guid_text(const uint8_t g[16], char out[37])
{
    /* the first three fields are little-endian on disk, the last two bytes in order */
    snprintf(out, 37, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", g[3], g[2], g[1],
             g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

static ost_part_role mbr_role(uint8_t type)
{
    switch (type) {
    case 0x07: case 0x0B: case 0x0C: case 0x0E: return OST_ROLE_DATA;
    case 0xEF: return OST_ROLE_ESP;
    case 0x27: return OST_ROLE_RECOVERY;
    case 0x42: return OST_ROLE_LDM;
    case 0x05: case 0x0F: case 0x85: return OST_ROLE_EXTENDED;
    default: return OST_ROLE_OTHER;
    }
}

static ost_part_role gpt_role(const uint8_t guid[16])
{
    static const struct {
        const char *guid;
        ost_part_role role;
    } known[] = {
        {"EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", OST_ROLE_DATA},
        {"C12A7328-F81F-11D2-BA4B-00A0C93EC93B", OST_ROLE_ESP},
        {"E3C9E316-0B5C-4DB8-817D-F92DF00215AE", OST_ROLE_MSR},
        {"DE94BBA4-06D1-4D40-A16A-BFD50179D6AC", OST_ROLE_RECOVERY},
        {"5808C8AA-7E8F-42E0-85D2-E1E90434CFB3", OST_ROLE_LDM},
        {"AF9B60A0-1431-4F62-BC68-3311714A69AD", OST_ROLE_LDM},
        {"E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D", OST_ROLE_STORAGE_SPACES},
    };
    char text[37];
    ost_guid_text(guid, text);
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(text, known[i].guid) == 0)
            return known[i].role;
    return OST_ROLE_OTHER;
}

static bool is_extended(uint8_t type)
{
    return mbr_role(type) == OST_ROLE_EXTENDED;
}

/* ---- building the list ---- */

struct builder {
    struct ost_partition_table *t;
    size_t cap;
    char (*where)[64];  /* per partition, for the overlap message */
    size_t where_cap;
};

static struct ost_partition *add_partition(struct builder *b, const char *where)
{
    ost_grow(&b->t->v, &b->cap, b->t->n + 1, sizeof *b->t->v);
    ost_grow(&b->where, &b->where_cap, b->t->n + 1, sizeof *b->where);
    ost_format_into(b->where[b->t->n], sizeof b->where[0], "%s", where);
    struct ost_partition *p = &b->t->v[b->t->n++];
    memset(p, 0, sizeof *p);
    return p;
}

struct range {
    uint64_t offset, size;
    size_t index;
};

static int cmp_range(const void *a, const void *b)
{
    const struct range *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static ost_status check_overlaps(const struct ost_blockio *disk, struct builder *b, struct ost_error *err)
{
    struct ost_partition_table *t = b->t;
    if (t->n < 2)
        return OST_OK;
    struct range *r = ost_xmalloc(t->n * sizeof *r);
    for (size_t i = 0; i < t->n; i++)
        r[i] = (struct range){t->v[i].offset, t->v[i].size, i};
    qsort(r, t->n, sizeof *r, cmp_range);
    ost_status st = OST_OK;
    for (size_t i = 1; i < t->n && st == OST_OK; i++) {
        const struct range *p = &r[i - 1], *q = &r[i];
        if (q->offset < p->offset + p->size)
            st = ost_fail(err, OST_ERR_CORRUPT,
                          "%s: %s (bytes %llu-%llu) and %s (bytes %llu-%llu) overlap; the partition table "
                          "is damaged (repair it with a partitioning tool before servicing the disk)",
                          disk->name, b->where[p->index], (unsigned long long)p->offset,
                          (unsigned long long)(p->offset + p->size - 1), b->where[q->index],
                          (unsigned long long)q->offset, (unsigned long long)(q->offset + q->size - 1));
    }
    free(r);
    return st;
}

/* ---- MBR ---- */

struct mbr_entry {
    uint8_t boot, type;
    uint32_t start, count;
};

static struct mbr_entry mbr_entry_at(const uint8_t *sector, unsigned i)
{
    const uint8_t *e = sector + 446 + 16 * i;
    return (struct mbr_entry){e[0], e[4], ost_le32(e + 8), ost_le32(e + 12)};
}

/* A volume boot sector (a partitionless "superfloppy") also ends in
 * 0x55AA; its boot code and BPB are no partition table. */
static bool looks_like_boot_sector(const uint8_t *s)
{
    if (memcmp(s + 3, "NTFS    ", 8) == 0 || memcmp(s + 3, "EXFAT   ", 8) == 0)
        return true;
    unsigned bps = ost_le16(s + 11);
    bool bps_ok = bps == 512 || bps == 1024 || bps == 2048 || bps == 4096;
    return bps_ok && (memcmp(s + 54, "FAT1", 4) == 0 || memcmp(s + 82, "FAT32   ", 8) == 0);
}

static ost_status read_ebr_chain(const struct ost_blockio *disk, struct builder *b, uint32_t ss, unsigned slot,
                                 const struct mbr_entry *ext, struct ost_error *err)
{
    uint64_t ext_start = ext->start, ext_end = (uint64_t)ext->start + ext->count; /* sectors */
    uint64_t seen[MAX_EBR_LINKS];
    size_t nseen = 0;
    uint64_t cur = ext_start;
    unsigned number = 5;
    uint8_t *sector = ost_xmalloc(ss);
    ost_status st = OST_OK;
    for (;;) {
        uint64_t off = cur * ss;
        for (size_t i = 0; i < nseen; i++)
            if (seen[i] == cur) {
                st = ost_fail(err, OST_ERR_CORRUPT,
                              "%s: EBR at offset %llu: the chain of logical partitions loops back to it; the "
                              "partition table is damaged",
                              disk->name, (unsigned long long)off);
                goto out;
            }
        if (nseen == MAX_EBR_LINKS) {
            st = ost_fail(err, OST_ERR_CORRUPT,
                          "%s: EBR at offset %llu: the chain of logical partitions runs past %d links; the "
                          "partition table is damaged",
                          disk->name, (unsigned long long)off, MAX_EBR_LINKS);
            goto out;
        }
        seen[nseen++] = cur;
        if (cur < ext_start || cur >= ext_end) {
            st = ost_fail(err, OST_ERR_CORRUPT,
                          "%s: EBR at offset %llu lies outside the extended partition (MBR entry %u, sectors "
                          "%llu-%llu)",
                          disk->name, (unsigned long long)off, slot, (unsigned long long)ext_start,
                          (unsigned long long)(ext_end - 1));
            goto out;
        }
        st = ost_blockio_read(disk, sector, ss, off, err);
        if (st != OST_OK)
            goto out;
        if (sector[510] != 0x55 || sector[511] != 0xAA) {
            st = ost_fail(err, OST_ERR_CORRUPT,
                          "%s: EBR at offset %llu has no 0x55AA signature; the chain of logical partitions is "
                          "damaged",
                          disk->name, (unsigned long long)off);
            goto out;
        }
        struct mbr_entry logical = mbr_entry_at(sector, 0), link = mbr_entry_at(sector, 1);
        if (logical.type != 0 && logical.count != 0) {
            uint64_t start = cur + logical.start, end = start + logical.count;
            if (logical.start == 0 || end > ext_end) {
                st = ost_fail(err, OST_ERR_CORRUPT,
                              "%s: EBR at offset %llu: logical partition %u (sectors %llu-%llu) %s the extended "
                              "partition (sectors %llu-%llu)",
                              disk->name, (unsigned long long)off, number, (unsigned long long)start,
                              (unsigned long long)(end - 1), logical.start == 0 ? "covers its own EBR in" : "runs past",
                              (unsigned long long)ext_start, (unsigned long long)(ext_end - 1));
                goto out;
            }
            char where[64];
            ost_format_into(where, sizeof where, "logical partition %u", number);
            struct ost_partition *p = add_partition(b, where);
            p->number = number++;
            p->offset = start * ss;
            p->size = (uint64_t)logical.count * ss;
            p->mbr_type = logical.type;
            p->role = mbr_role(logical.type);
            p->active = logical.boot == 0x80;
        }
        if (link.type == 0 || link.count == 0 || !is_extended(link.type))
            break;
        cur = ext_start + link.start;
    }
out:
    free(sector);
    return st;
}

static ost_status read_mbr(const struct ost_blockio *disk, const uint8_t *mbr, uint32_t ss,
                           struct ost_partition_table *t, struct ost_error *err)
{
    uint64_t total = disk->size / ss;
    struct builder b = {.t = t};
    t->scheme = OST_PART_MBR;
    t->sector_size = ss;
    t->mbr_signature = ost_le32(mbr + 440);
    ost_status st = OST_OK;
    int ext_slot = 0;
    struct mbr_entry ext = {0};
    for (unsigned i = 0; i < 4 && st == OST_OK; i++) {
        struct mbr_entry e = mbr_entry_at(mbr, i);
        if (e.type == 0 || e.count == 0)
            continue;
        uint64_t end = (uint64_t)e.start + e.count;
        if (e.start == 0)
            st = ost_fail(err, OST_ERR_CORRUPT, "%s: MBR entry %u starts at sector 0, over the MBR itself",
                          disk->name, i + 1);
        else if (end > total)
            st = ost_fail(err, OST_ERR_CORRUPT,
                          "%s: MBR entry %u (sectors %llu-%llu) runs past the end of the disk (%llu sectors of "
                          "%u bytes); the disk may be truncated",
                          disk->name, i + 1, (unsigned long long)e.start, (unsigned long long)(end - 1),
                          (unsigned long long)total, ss);
        else if (is_extended(e.type)) {
            if (ext_slot)
                st = ost_fail(err, OST_ERR_CORRUPT,
                              "%s: MBR entry %u is a second extended partition (entry %d is one already)",
                              disk->name, i + 1, ext_slot);
            ext_slot = (int)i + 1;
            ext = e;
        } else {
            char where[64];
            ost_format_into(where, sizeof where, "MBR entry %u", i + 1);
            struct ost_partition *p = add_partition(&b, where);
            p->number = i + 1;
            p->offset = (uint64_t)e.start * ss;
            p->size = (uint64_t)e.count * ss;
            p->mbr_type = e.type;
            p->role = mbr_role(e.type);
            p->active = e.boot == 0x80;
        }
    }
    if (st == OST_OK && ext_slot) {
        /* a primary inside the extended container overlaps the logical
         * ones it holds: checked like them, as one more range */
        for (size_t i = 0; i < t->n && st == OST_OK; i++) {
            const struct ost_partition *p = &t->v[i];
            uint64_t s = p->offset / ss, e = s + p->size / ss;
            if (s < (uint64_t)ext.start + ext.count && ext.start < e)
                st = ost_fail(err, OST_ERR_CORRUPT,
                              "%s: MBR entry %u (sectors %llu-%llu) overlaps the extended partition (MBR entry %d, "
                              "sectors %llu-%llu)",
                              disk->name, p->number, (unsigned long long)s, (unsigned long long)(e - 1), ext_slot,
                              (unsigned long long)ext.start, (unsigned long long)ext.start + ext.count - 1);
        }
        if (st == OST_OK)
            st = read_ebr_chain(disk, &b, ss, (unsigned)ext_slot, &ext, err);
    }
    if (st == OST_OK)
        st = check_overlaps(disk, &b, err);
    free(b.where);
    return st;
}

/* ---- GPT ---- */

struct gpt_header {
    uint64_t my_lba, alternate_lba, first_usable, last_usable, entries_lba;
    uint32_t n_entries, entry_size, entries_crc;
    uint8_t disk_guid[16];
};

/* Reads and checks the header at lba and its entry array (into *entries).
 * On failure fills reason (for the message naming both copies) and
 * returns the status. */
static ost_status read_gpt_copy(const struct ost_blockio *disk, uint32_t ss, uint64_t lba, struct gpt_header *h,
                                uint8_t **entries, char *reason, size_t reason_size)
{
    uint64_t total = disk->size / ss;
    struct ost_error err;
    *entries = NULL;
    if (lba >= total) {
        ost_format_into(reason, reason_size, "LBA %llu is past the end of the disk (%llu sectors)",
                        (unsigned long long)lba, (unsigned long long)total);
        return OST_ERR_CORRUPT;
    }
    uint8_t *s = ost_xmalloc(ss);
    ost_status st = ost_blockio_read(disk, s, ss, lba * ss, &err);
    if (st != OST_OK) {
        ost_format_into(reason, reason_size, "%s", err.message);
        free(s);
        return st;
    }
    st = OST_ERR_CORRUPT;
    uint32_t hsize = ost_le32(s + 12), revision = ost_le32(s + 8);
    if (memcmp(s, "EFI PART", 8) != 0) {
        ost_format_into(reason, reason_size, "no \"EFI PART\" signature at LBA %llu", (unsigned long long)lba);
        goto out;
    }
    if (revision >> 16 != 1) {
        ost_format_into(reason, reason_size, "header at LBA %llu has revision %u.%u, not 1.x",
                        (unsigned long long)lba, revision >> 16, revision & 0xFFFF);
        goto out;
    }
    if (hsize < GPT_HEADER_MIN || hsize > ss) {
        ost_format_into(reason, reason_size, "header at LBA %llu declares a size of %u bytes (%u..%u allowed)",
                        (unsigned long long)lba, hsize, GPT_HEADER_MIN, ss);
        goto out;
    }
    uint32_t crc = ost_le32(s + 16);
    ost_put_le32(s + 16, 0);
    uint32_t computed = ost_crc32_ieee(s, hsize);
    if (crc != computed) {
        ost_format_into(reason, reason_size, "header at LBA %llu has a bad CRC32 (0x%08X stored, 0x%08X computed)",
                        (unsigned long long)lba, crc, computed);
        goto out;
    }
    h->my_lba = ost_le64(s + 24);
    h->alternate_lba = ost_le64(s + 32);
    h->first_usable = ost_le64(s + 40);
    h->last_usable = ost_le64(s + 48);
    memcpy(h->disk_guid, s + 56, 16);
    h->entries_lba = ost_le64(s + 72);
    h->n_entries = ost_le32(s + 80);
    h->entry_size = ost_le32(s + 84);
    h->entries_crc = ost_le32(s + 88);
    if (h->my_lba != lba) {
        ost_format_into(reason, reason_size, "header at LBA %llu says it is at LBA %llu", (unsigned long long)lba,
                        (unsigned long long)h->my_lba);
        goto out;
    }
    if (h->first_usable > h->last_usable || h->last_usable >= total) {
        ost_format_into(reason, reason_size,
                        "header at LBA %llu: usable LBAs %llu-%llu do not lie inside the disk (%llu sectors); the "
                        "disk may be truncated",
                        (unsigned long long)lba, (unsigned long long)h->first_usable,
                        (unsigned long long)h->last_usable, (unsigned long long)total);
        goto out;
    }
    bool primary = lba == 1;
    if ((primary && h->first_usable < 2) || (!primary && h->last_usable >= lba)) {
        ost_format_into(reason, reason_size, "header at LBA %llu: usable LBAs %llu-%llu cover the header",
                        (unsigned long long)lba, (unsigned long long)h->first_usable,
                        (unsigned long long)h->last_usable);
        goto out;
    }
    if (h->entry_size < 128 || h->entry_size % 128 != 0) {
        ost_format_into(reason, reason_size,
                        "header at LBA %llu: entry size %u is not a multiple of 128 bytes of at least 128",
                        (unsigned long long)lba, h->entry_size);
        goto out;
    }
    if (h->entry_size > MAX_GPT_ENTRY_SIZE || h->n_entries > MAX_GPT_ENTRIES) {
        ost_format_into(reason, reason_size,
                        "header at LBA %llu declares %u entries of %u bytes (at most %u entries of %u bytes are "
                        "read)",
                        (unsigned long long)lba, h->n_entries, h->entry_size, MAX_GPT_ENTRIES, MAX_GPT_ENTRY_SIZE);
        st = OST_ERR_LIMIT;
        goto out;
    }
    uint64_t bytes = (uint64_t)h->n_entries * h->entry_size;
    uint64_t sectors = (bytes + ss - 1) / ss;
    /* the array lies between the header and the usable area: after the
     * primary header and before first_usable, or after last_usable and
     * before the backup header */
    bool placed = primary ? h->entries_lba >= 2 && h->entries_lba <= h->first_usable &&
                                sectors <= h->first_usable - h->entries_lba
                          : h->entries_lba > h->last_usable && h->entries_lba <= lba && sectors <= lba - h->entries_lba;
    if (!placed) {
        ost_format_into(reason, reason_size,
                        "header at LBA %llu: its entry array (LBA %llu, %llu sectors) overlaps the header or the "
                        "usable LBAs %llu-%llu",
                        (unsigned long long)lba, (unsigned long long)h->entries_lba, (unsigned long long)sectors,
                        (unsigned long long)h->first_usable, (unsigned long long)h->last_usable);
        goto out;
    }
    *entries = ost_xmalloc(bytes ? bytes : 1);
    st = ost_blockio_read(disk, *entries, bytes, h->entries_lba * ss, &err);
    if (st != OST_OK) {
        ost_format_into(reason, reason_size, "%s", err.message);
        goto out;
    }
    computed = ost_crc32_ieee(*entries, bytes);
    if (computed != h->entries_crc) {
        ost_format_into(reason, reason_size,
                        "the entry array at LBA %llu has a bad CRC32 (0x%08X stored, 0x%08X computed)",
                        (unsigned long long)h->entries_lba, h->entries_crc, computed);
        st = OST_ERR_CORRUPT;
        goto out;
    }
    st = OST_OK;
out:
    if (st != OST_OK) {
        free(*entries);
        *entries = NULL;
    }
    free(s);
    return st;
}

static bool guid_is_zero(const uint8_t *g)
{
    for (int i = 0; i < 16; i++)
        if (g[i])
            return false;
    return true;
}

static ost_status parse_gpt_entries(const struct ost_blockio *disk, uint32_t ss, const struct gpt_header *h,
                                    const uint8_t *entries, struct ost_partition_table *t, struct ost_error *err)
{
    struct builder b = {.t = t};
    ost_status st = OST_OK;
    for (uint32_t i = 0; i < h->n_entries && st == OST_OK; i++) {
        const uint8_t *e = entries + (size_t)i * h->entry_size;
        if (guid_is_zero(e))
            continue;
        uint64_t first = ost_le64(e + 32), last = ost_le64(e + 40);
        if (first > last || first < h->first_usable || last > h->last_usable) {
            st = ost_fail(err, OST_ERR_CORRUPT,
                          "%s: GPT entry %u (LBAs %llu-%llu) does not lie inside the usable LBAs %llu-%llu; the "
                          "partition table is damaged",
                          disk->name, i + 1, (unsigned long long)first, (unsigned long long)last,
                          (unsigned long long)h->first_usable, (unsigned long long)h->last_usable);
            break;
        }
        char where[64];
        ost_format_into(where, sizeof where, "GPT entry %u", i + 1);
        struct ost_partition *p = add_partition(&b, where);
        p->number = i + 1;
        p->offset = first * ss;
        p->size = (last - first + 1) * ss;
        memcpy(p->type_guid, e, 16);
        memcpy(p->unique_guid, e + 16, 16);
        p->gpt_attributes = ost_le64(e + 48);
        p->role = gpt_role(p->type_guid);
        char *name = ost_utf16_to_utf8(e + 56, 72, OST_UTF16LE, NULL);
        ost_format_into(p->name, sizeof p->name, "%s", name);
        free(name);
    }
    if (st == OST_OK)
        st = check_overlaps(disk, &b, err);
    free(b.where);
    return st;
}

static ost_status read_gpt(const struct ost_blockio *disk, uint32_t ss, struct ost_partition_table *t,
                           struct ost_error *err)
{
    uint64_t total = disk->size / ss;
    struct gpt_header h;
    uint8_t *entries;
    char primary_reason[400], backup_reason[400];
    ost_status pst = read_gpt_copy(disk, ss, 1, &h, &entries, primary_reason, sizeof primary_reason);
    bool backup = false;
    if (pst != OST_OK) {
        ost_status bst = total >= 2 ? read_gpt_copy(disk, ss, total - 1, &h, &entries, backup_reason,
                                                    sizeof backup_reason)
                                    : OST_ERR_CORRUPT;
        if (total < 2)
            ost_format_into(backup_reason, sizeof backup_reason, "the disk has no room for one");
        if (bst != OST_OK)
            return ost_fail(err, pst == OST_ERR_LIMIT || bst == OST_ERR_LIMIT ? OST_ERR_LIMIT : OST_ERR_CORRUPT,
                            "%s: GPT with %u-byte sectors: the primary header is unusable (%s), and so is the "
                            "backup header at the last LBA (%s)",
                            disk->name, ss, primary_reason, backup_reason);
        backup = true;
    }
    t->scheme = OST_PART_GPT;
    t->sector_size = ss;
    t->used_backup_gpt = backup;
    memcpy(t->disk_guid, h.disk_guid, 16);
    ost_status st = parse_gpt_entries(disk, ss, &h, entries, t, err);
    free(entries);
    return st;
}

static bool has_gpt_signature(const struct ost_blockio *disk, uint32_t ss)
{
    uint64_t total = disk->size / ss;
    uint8_t sig[8];
    struct ost_error ignored;
    if (total >= 2 && ost_blockio_read(disk, sig, 8, ss, &ignored) == OST_OK && memcmp(sig, "EFI PART", 8) == 0)
        return true;
    return total >= 2 && ost_blockio_read(disk, sig, 8, (total - 1) * ss, &ignored) == OST_OK &&
           memcmp(sig, "EFI PART", 8) == 0;
}

ost_status ost_partition_table_read(const struct ost_blockio *disk, uint32_t sector_size,
                                    struct ost_partition_table *out, struct ost_error *err)
{
    memset(out, 0, sizeof *out);
    if (sector_size != 0 && sector_size != 512 && sector_size != 4096)
        return ost_fail(err, OST_ERR_USAGE, "%s: sector size %u: only 512 and 4096 are supported", disk->name,
                        sector_size);
    out->sector_size = sector_size ? sector_size : 512;
    if (disk->size < 512)
        return OST_OK;
    uint8_t mbr[512];
    ost_status st = ost_blockio_read(disk, mbr, sizeof mbr, 0, err);
    if (st != OST_OK)
        return st;
    if (mbr[510] != 0x55 || mbr[511] != 0xAA || looks_like_boot_sector(mbr))
        return OST_OK;
    bool protective = false;
    for (unsigned i = 0; i < 4; i++) {
        struct mbr_entry e = mbr_entry_at(mbr, i);
        if (e.boot != 0 && e.boot != 0x80)
            return OST_OK; /* boot code, not a table */
        if (e.type == 0xEE)
            protective = true;
    }
    if (protective) {
        uint32_t ss = sector_size;
        if (!ss)
            ss = has_gpt_signature(disk, 512) || !has_gpt_signature(disk, 4096) ? 512 : 4096;
        st = read_gpt(disk, ss, out, err);
    } else {
        st = read_mbr(disk, mbr, sector_size ? sector_size : 512, out, err);
    }
    if (st != OST_OK)
        ost_partition_table_free(out);
    return st;
}

void ost_partition_table_free(struct ost_partition_table *t)
{
    free(t->v);
    t->v = NULL;
    t->n = 0;
}
