/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The partition-table reader (parttable.c) on disk files that sfdisk and
 * fdisk wrote, every field compared with what they read back (sfdisk
 * --json, fdisk -l), and on those disks damaged byte by byte: each damage
 * refused naming the place, or a damaged primary GPT replaced by its
 * backup. */
#include "testutil.h"

#include <fcntl.h>
#include <jansson.h>

#include "blockio.h"
#include "parttable.h"

static bool have_tool(const char *name)
{
    char *cmd = ost_xasprintf("command -v %s >/dev/null 2>&1", name);
    bool ok = system(cmd) == 0;
    free(cmd);
    return ok;
}

static bool skip_without(const char *tool)
{
    if (have_tool(tool))
        return false;
    fprintf(stderr, "skip: %s is not installed\n", tool);
    return true;
}

/* A disk file of `size` bytes partitioned by sfdisk from `script`. */
static char *make_disk(const char *dir, const char *name, uint64_t size, const char *script)
{
    char *path = ost_path_join(dir, name);
    char *spath = ost_xasprintf("%s.sfdisk", path);
    t_write_str(spath, script);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)size), 0);
    close(fd);
    char *cmd = ost_xasprintf("sfdisk -q '%s' < '%s' >/dev/null 2>&1", path, spath);
    if (system(cmd) != 0)
        fail_msg("sfdisk failed on %s", path);
    free(cmd);
    free(spath);
    return path;
}

/* The partition number at the end of a node name: "disk.img5" (the
 * disk's names end in a letter, so there is no "p" between) */
static unsigned node_number(const char *node)
{
    const char *e = node + strlen(node);
    while (e > node && e[-1] >= '0' && e[-1] <= '9')
        e--;
    return (unsigned)atoi(e);
}

static json_t *sfdisk_json(const char *path)
{
    char *cmd = ost_xasprintf("sfdisk --json '%s' 2>/dev/null", path);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    json_error_t je;
    json_t *j = json_loadf(f, 0, &je);
    pclose(f);
    free(cmd);
    if (!j)
        fail_msg("sfdisk --json %s: %s", path, je.text);
    json_t *t = json_object_get(j, "partitiontable");
    assert_non_null(t);
    json_incref(t);
    json_decref(j);
    return t;
}

static ost_status read_table(const char *path, uint32_t ss, struct ost_partition_table *t, struct ost_error *err)
{
    struct ost_blockio b;
    assert_ost_ok(ost_blockio_open_file(path, false, &b, err), err);
    ost_status st = ost_partition_table_read(&b, ss, t, err);
    ost_blockio_close(&b);
    return st;
}

static void read_ok(const char *path, uint32_t ss, struct ost_partition_table *t)
{
    struct ost_error err;
    assert_ost_ok(read_table(path, ss, t, &err), &err);
}

/* sfdisk's attribute words as GPT attribute bits (UEFI 2.10 table 5.8) */
static uint64_t sfdisk_attrs(const char *s)
{
    uint64_t bits = 0;
    char *copy = ost_xstrdup(s), *save = NULL;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        if (strcmp(w, "RequiredPartition") == 0)
            bits |= 1;
        else if (strcmp(w, "NoBlockIOProtocol") == 0)
            bits |= 2;
        else if (strcmp(w, "LegacyBIOSBootable") == 0)
            bits |= 4;
        else if (strncmp(w, "GUID:", 5) == 0) {
            char *save2 = NULL;
            for (char *n = strtok_r(w + 5, ",", &save2); n; n = strtok_r(NULL, ",", &save2))
                bits |= 1ull << atoi(n);
        } else
            fail_msg("unknown sfdisk attribute %s", w);
    }
    free(copy);
    return bits;
}

/* Every field of t against sfdisk's reading of the same file. */
static void compare_with_sfdisk(const struct ost_partition_table *t, const char *path)
{
    json_t *j = sfdisk_json(path);
    const char *label = json_string_value(json_object_get(j, "label"));
    const char *id = json_string_value(json_object_get(j, "id"));
    uint32_t ss = (uint32_t)json_integer_value(json_object_get(j, "sectorsize"));
    assert_int_equal(t->sector_size, ss);
    if (strcmp(label, "dos") == 0) {
        assert_int_equal(t->scheme, OST_PART_MBR);
        assert_int_equal(t->mbr_signature, strtoul(id, NULL, 16));
    } else {
        assert_string_equal(label, "gpt");
        assert_int_equal(t->scheme, OST_PART_GPT);
        char g[37];
        ost_guid_text(t->disk_guid, g);
        assert_string_equal(g, id);
    }
    json_t *parts = json_object_get(j, "partitions");
    size_t k = 0;
    for (size_t i = 0; i < json_array_size(parts); i++) {
        json_t *p = json_array_get(parts, i);
        const char *type = json_string_value(json_object_get(p, "type"));
        if (t->scheme == OST_PART_MBR && (strcmp(type, "5") == 0 || strcmp(type, "f") == 0 || strcmp(type, "85") == 0))
            continue; /* the extended container is not listed */
        if (k >= t->n)
            fail_msg("%s: sfdisk lists more partitions than the %zu read", path, t->n);
        const struct ost_partition *q = &t->v[k++];
        const char *node = json_string_value(json_object_get(p, "node"));
        unsigned number = node_number(node);
        assert_int_equal(q->number, number);
        assert_int_equal(q->offset, (uint64_t)json_integer_value(json_object_get(p, "start")) * ss);
        assert_int_equal(q->size, (uint64_t)json_integer_value(json_object_get(p, "size")) * ss);
        if (t->scheme == OST_PART_MBR) {
            assert_int_equal(q->mbr_type, strtoul(type, NULL, 16));
            assert_true(q->active == json_is_true(json_object_get(p, "bootable")));
            assert_string_equal(q->name, "");
        } else {
            char g[37];
            ost_guid_text(q->type_guid, g);
            assert_string_equal(g, type);
            ost_guid_text(q->unique_guid, g);
            assert_string_equal(g, json_string_value(json_object_get(p, "uuid")));
            const char *name = json_string_value(json_object_get(p, "name"));
            assert_string_equal(q->name, name ? name : "");
            const char *attrs = json_string_value(json_object_get(p, "attrs"));
            assert_int_equal(q->gpt_attributes, attrs ? sfdisk_attrs(attrs) : 0);
            assert_int_equal(q->mbr_type, 0);
        }
    }
    assert_int_equal(k, t->n);
    json_decref(j);
}

/* ---- byte patching ---- */

static void patch(const char *path, uint64_t off, const void *bytes, size_t n)
{
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, bytes, n, (off_t)off), (ssize_t)n);
    close(fd);
}

static void peek(const char *path, uint64_t off, void *bytes, size_t n)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, bytes, n, (off_t)off), (ssize_t)n);
    close(fd);
}

static void patch_le32(const char *path, uint64_t off, uint32_t v)
{
    uint8_t b[4];
    ost_put_le32(b, v);
    patch(path, off, b, 4);
}

static void patch_le64(const char *path, uint64_t off, uint64_t v)
{
    uint8_t b[8];
    ost_put_le32(b, (uint32_t)v);
    ost_put_le32(b + 4, (uint32_t)(v >> 32));
    patch(path, off, b, 8);
}

static void flip_byte(const char *path, uint64_t off)
{
    uint8_t b;
    peek(path, off, &b, 1);
    b ^= 0xFF;
    patch(path, off, &b, 1);
}

/* The test's own CRC32 (bitwise, no table), to re-seal headers it edits */
static uint32_t t_crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

/* Recomputes the entry-array CRC and then the header CRC of the GPT
 * header at byte offset hdr (after the test changed either). */
static void reseal_gpt(const char *path, uint64_t hdr, uint32_t ss)
{
    uint8_t h[512];
    peek(path, hdr, h, sizeof h);
    uint64_t entries = ost_le64(h + 72) * ss;
    uint32_t n = ost_le32(h + 80), size = ost_le32(h + 84);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    if ((uint64_t)n * size <= (1u << 20) && entries / ss < (uint64_t)sb.st_size / ss &&
        entries + (uint64_t)n * size <= (uint64_t)sb.st_size) {
        uint8_t *e = ost_xmalloc((size_t)n * size);
        peek(path, entries, e, (size_t)n * size);
        ost_put_le32(h + 88, t_crc32(e, (size_t)n * size));
        free(e);
    }
    uint32_t hsize = ost_le32(h + 12);
    ost_put_le32(h + 16, 0);
    ost_put_le32(h + 16, t_crc32(h, hsize));
    patch(path, hdr, h, sizeof h);
}

static void expect_failure(const char *path, uint32_t ss, ost_status want, const char *const *words)
{
    struct ost_partition_table t;
    struct ost_error err = {0};
    ost_status st = read_table(path, ss, &t, &err);
    if (st != want)
        fail_msg("%s: got %s (%s), expected %s", path, ost_status_name(st), err.message, ost_status_name(want));
    assert_null(t.v);
    if (!strstr(err.message, path))
        fail_msg("message does not name the disk: %s", err.message);
    for (; *words; words++)
        if (!strstr(err.message, *words))
            fail_msg("message lacks \"%s\": %s", *words, err.message);
}

#define EXPECT_FAILURE(path, ss, want, ...)                                                                        \
    do {                                                                                                           \
        const char *const words_[] = {__VA_ARGS__, NULL};                                                             \
        expect_failure(path, ss, want, words_);                                                                    \
    } while (0)

/* ---- the scripts ---- */

static const char MBR_PRIMARIES[] = "label: dos\nlabel-id: 0x12345678\n"
                                    "start=2048, size=4096, type=7, bootable\n"
                                    "start=6144, size=2048, type=27\n";

static const char MBR_LOGICAL[] = "label: dos\n"
                                  "start=2048, size=2048, type=7\n"
                                  "start=4096, size=12288, type=5\n"
                                  "start=6144, size=2048, type=7\n"
                                  "start=10240, size=2048, type=b\n"
                                  "start=14336, size=2048, type=83\n";

static const char GPT_WINDOWS[] =
    "label: gpt\n"
    "start=2048, size=2048, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=\"EFI system partition\"\n"
    "size=2048, type=E3C9E316-0B5C-4DB8-817D-F92DF00215AE, name=\"Microsoft reserved partition\"\n"
    "size=6144, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=\"Basic data partition\"\n"
    "type=DE94BBA4-06D1-4D40-A16A-BFD50179D6AC, name=\"R\xc3\xa9" "cup\xc3\xa9ration\", "
    "attrs=\"RequiredPartition GUID:63\"\n";

static void test_mbr_primaries(void **state)
{
    (void)state;
    if (skip_without("sfdisk"))
        return;
    char *dir = t_mkdtemp();
    char *disk = make_disk(dir, "mbr.img", 4u << 20, MBR_PRIMARIES);
    struct ost_partition_table t;
    read_ok(disk, 0, &t);
    compare_with_sfdisk(&t, disk);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.v[0].role, OST_ROLE_DATA);
    assert_true(t.v[0].active);
    assert_int_equal(t.v[1].role, OST_ROLE_RECOVERY);
    assert_false(t.v[1].active);
    assert_int_equal(t.mbr_signature, 0x12345678);
    assert_string_equal(ost_part_scheme_name(t.scheme), "MBR");
    ost_partition_table_free(&t);

    /* an explicit 512 reads the same; 4096 puts the entries past the end */
    read_ok(disk, 512, &t);
    assert_int_equal(t.n, 2);
    ost_partition_table_free(&t);
    EXPECT_FAILURE(disk, 4096, OST_ERR_CORRUPT, "MBR entry 1", "past the end");
    free(disk);
    t_rm_rf(dir);
    free(dir);
}

static void test_mbr_logical(void **state)
{
    (void)state;
    if (skip_without("sfdisk"))
        return;
    char *dir = t_mkdtemp();
    char *disk = make_disk(dir, "ext.img", 8u << 20, MBR_LOGICAL);
    struct ost_partition_table t;
    read_ok(disk, 0, &t);
    compare_with_sfdisk(&t, disk);
    assert_int_equal(t.n, 4);
    assert_int_equal(t.v[1].number, 5);
    assert_int_equal(t.v[3].number, 7);
    assert_int_equal(t.v[2].role, OST_ROLE_DATA);  /* 0x0B, FAT32 */
    assert_int_equal(t.v[3].role, OST_ROLE_OTHER); /* 0x83, Linux */
    ost_partition_table_free(&t);
    free(disk);
    t_rm_rf(dir);
    free(dir);
}

static void test_gpt_windows(void **state)
{
    (void)state;
    if (skip_without("sfdisk"))
        return;
    char *dir = t_mkdtemp();
    char *disk = make_disk(dir, "gpt.img", 8u << 20, GPT_WINDOWS);
    struct ost_partition_table t;
    read_ok(disk, 0, &t);
    compare_with_sfdisk(&t, disk);
    assert_false(t.used_backup_gpt);
    assert_int_equal(t.n, 4);
    static const ost_part_role roles[] = {OST_ROLE_ESP, OST_ROLE_MSR, OST_ROLE_DATA, OST_ROLE_RECOVERY};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(t.v[i].role, roles[i]);
    assert_string_equal(ost_part_role_name(t.v[0].role), "EFI system");
    assert_string_equal(t.v[3].name, "R\xc3\xa9" "cup\xc3\xa9ration");
    assert_string_equal(ost_part_scheme_name(t.scheme), "GPT");
    ost_partition_table_free(&t);
    free(disk);
    t_rm_rf(dir);
    free(dir);
}

/* fdisk -b 4096 writes a GPT for 4096-byte sectors (sfdisk 2.38 cannot);
 * fdisk -l reads it back. */
static void test_gpt_4096(void **state)
{
    (void)state;
    if (skip_without("fdisk"))
        return;
    char *dir = t_mkdtemp();
    char *disk = ost_path_join(dir, "4k.img");
    char *cmd = ost_xasprintf("truncate -s 16M '%s' && printf 'g\\nn\\n\\n\\n+4M\\nt\\n1\\nn\\n\\n\\n\\nw\\n' | "
                              "fdisk -b 4096 '%s' >/dev/null 2>&1",
                              disk, disk);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    struct ost_partition_table t;
    read_ok(disk, 0, &t);
    assert_int_equal(t.scheme, OST_PART_GPT);
    assert_int_equal(t.sector_size, 4096);
    cmd = ost_xasprintf("fdisk -b 4096 -l -o Device,Start,Sectors,Type-UUID,UUID '%s' | grep '^%s'", disk, disk);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char line[512];
    size_t k = 0;
    while (fgets(line, sizeof line, f)) {
        char node[256], type[64], uuid[64];
        unsigned long long start, sectors;
        assert_int_equal(sscanf(line, "%255s %llu %llu %63s %63s", node, &start, &sectors, type, uuid), 5);
        assert_true(k < t.n);
        const struct ost_partition *p = &t.v[k++];
        assert_int_equal(p->number, node_number(node));
        assert_int_equal(p->offset, start * 4096);
        assert_int_equal(p->size, sectors * 4096);
        char g[37];
        ost_guid_text(p->type_guid, g);
        assert_string_equal(g, type);
        ost_guid_text(p->unique_guid, g);
        assert_string_equal(g, uuid);
    }
    pclose(f);
    free(cmd);
    assert_int_equal(k, 2);
    assert_int_equal(t.v[0].role, OST_ROLE_ESP);
    ost_partition_table_free(&t);
    read_ok(disk, 4096, &t);
    assert_int_equal(t.n, 2);
    ost_partition_table_free(&t);
    /* read as 512-byte sectors there is no GPT header where one must be */
    EXPECT_FAILURE(disk, 512, OST_ERR_CORRUPT, "512-byte sectors", "primary", "backup", "EFI PART");
    free(disk);
    t_rm_rf(dir);
    free(dir);
}

static void test_no_table(void **state)
{
    (void)state;
    char *dir = t_mkdtemp();
    char *zero = ost_path_join(dir, "zero.img");
    uint8_t *z = ost_xcalloc(1, 65536);
    t_write(zero, z, 65536);
    struct ost_partition_table t;
    read_ok(zero, 0, &t);
    assert_int_equal(t.scheme, OST_PART_NONE);
    assert_int_equal(t.n, 0);
    assert_string_equal(ost_part_scheme_name(t.scheme), "none");
    ost_partition_table_free(&t);
    /* shorter than a sector */
    char *tiny = ost_path_join(dir, "tiny.img");
    t_write(tiny, z, 100);
    read_ok(tiny, 0, &t);
    assert_int_equal(t.scheme, OST_PART_NONE);
    free(z);
    /* a FAT volume without a table ends its boot sector in 0x55AA too */
    if (have_tool("mkfs.fat")) {
        char *fat = ost_path_join(dir, "fat.img");
        char *cmd = ost_xasprintf("mkfs.fat -C '%s' 1024 >/dev/null 2>&1", fat);
        assert_int_equal(system(cmd), 0);
        read_ok(fat, 0, &t);
        assert_int_equal(t.scheme, OST_PART_NONE);
        assert_int_equal(t.n, 0);
        free(cmd);
        free(fat);
    }
    free(tiny);
    free(zero);
    t_rm_rf(dir);
    free(dir);
}

/* ---- damaged MBRs ---- */

static void test_mbr_damage(void **state)
{
    (void)state;
    if (skip_without("sfdisk"))
        return;
    char *dir = t_mkdtemp();
    char *disk = make_disk(dir, "past.img", 4u << 20, MBR_PRIMARIES);
    patch_le32(disk, 446 + 16 + 12, 0x00FFFFFF); /* entry 2's sector count */
    EXPECT_FAILURE(disk, 0, OST_ERR_CORRUPT, "MBR entry 2", "past the end");
    free(disk);

    disk = make_disk(dir, "overlap.img", 4u << 20, MBR_PRIMARIES);
    patch_le32(disk, 446 + 16 + 8, 3000); /* entry 2 starts inside entry 1 */
    EXPECT_FAILURE(disk, 0, OST_ERR_CORRUPT, "MBR entry 1", "MBR entry 2", "overlap");
    free(disk);

    /* zero-size and type-0 entries are skipped, not refused */
    disk = make_disk(dir, "skip.img", 4u << 20, MBR_PRIMARIES);
    patch_le32(disk, 446 + 16 + 12, 0);
    uint8_t entry3[16] = {0, 0, 0, 0, 0x00, 0, 0, 0, 0x00, 0x10, 0, 0, 0x00, 0x10, 0, 0}; /* type 0 */
    patch(disk, 446 + 32, entry3, sizeof entry3);
    struct ost_partition_table t;
    read_ok(disk, 0, &t);
    assert_int_equal(t.n, 1);
    ost_partition_table_free(&t);
    free(disk);

    /* the third EBR links back to the first */
    disk = make_disk(dir, "loop.img", 8u << 20, MBR_LOGICAL);
    uint8_t ebr[512];
    uint64_t first = 4096ull * 512, cur = first, third = 0;
    for (int i = 0; i < 3; i++) {
        peek(disk, cur, ebr, sizeof ebr);
        third = cur;
        cur = first + (uint64_t)ost_le32(ebr + 446 + 16 + 8) * 512;
    }
    uint8_t link[16] = {0, 0, 0, 0, 0x05, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
    patch(disk, third + 446 + 16, link, sizeof link);
    char where[64];
    snprintf(where, sizeof where, "EBR at offset %llu", (unsigned long long)first);
    EXPECT_FAILURE(disk, 0, OST_ERR_CORRUPT, where, "loops");
    free(disk);

    /* the second EBR lost its signature */
    disk = make_disk(dir, "nosig.img", 8u << 20, MBR_LOGICAL);
    peek(disk, first, ebr, sizeof ebr);
    uint64_t second = first + (uint64_t)ost_le32(ebr + 446 + 16 + 8) * 512;
    uint8_t zero2[2] = {0, 0};
    patch(disk, second + 510, zero2, 2);
    snprintf(where, sizeof where, "EBR at offset %llu", (unsigned long long)second);
    EXPECT_FAILURE(disk, 0, OST_ERR_CORRUPT, where, "0x55AA");
    free(disk);

    /* a logical partition reaching past its container */
    disk = make_disk(dir, "outside.img", 8u << 20, MBR_LOGICAL);
    patch_le32(disk, second + 446 + 12, 40000);
    snprintf(where, sizeof where, "EBR at offset %llu", (unsigned long long)second);
    EXPECT_FAILURE(disk, 0, OST_ERR_CORRUPT, where, "logical partition 6", "extended partition");
    free(disk);
    t_rm_rf(dir);
    free(dir);
}

/* ---- damaged GPTs ---- */

static uint64_t last_lba_offset(const char *path)
{
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    return ((uint64_t)sb.st_size / 512 - 1) * 512;
}

static void test_gpt_damage(void **state)
{
    (void)state;
    if (skip_without("sfdisk"))
        return;
    char *dir = t_mkdtemp();
    struct ost_partition_table t;

    /* a bad primary header: the backup is read, and agrees with sfdisk's
     * reading of the intact disk */
    char *intact = make_disk(dir, "intact.img", 8u << 20, GPT_WINDOWS);
    char *disk = ost_path_join(dir, "crc.img");
    t_copy(intact, disk);
    flip_byte(disk, 512 + 60); /* inside the disk GUID, covered by the header CRC */
    read_ok(disk, 0, &t);
    assert_true(t.used_backup_gpt);
    compare_with_sfdisk(&t, intact);
    ost_partition_table_free(&t);
    free(disk);

    /* a bad primary entry array (a name byte): the backup again */
    disk = ost_path_join(dir, "entries.img");
    t_copy(intact, disk);
    flip_byte(disk, 1024 + 56);
    read_ok(disk, 0, &t);
    assert_true(t.used_backup_gpt);
    assert_string_equal(t.v[0].name, "EFI system partition");
    ost_partition_table_free(&t);

    /* and the backup's header too: both reasons named */
    flip_byte(disk, last_lba_offset(disk) + 60);
    EXPECT_FAILURE(disk, 0, OST_ERR_CORRUPT, "primary", "entry array at LBA 2", "backup", "bad CRC32");
    free(disk);

    /* an absurd entry count, the headers re-sealed so that only it is wrong */
    disk = ost_path_join(dir, "count.img");
    t_copy(intact, disk);
    patch_le32(disk, 512 + 80, 0x10000000);
    reseal_gpt(disk, 512, 512);
    patch_le32(disk, last_lba_offset(disk) + 80, 0x10000000);
    reseal_gpt(disk, last_lba_offset(disk), 512);
    EXPECT_FAILURE(disk, 0, OST_ERR_LIMIT, "268435456 entries");
    free(disk);

    /* entries 2 and 3 overlap, in both copies (both re-sealed) */
    disk = ost_path_join(dir, "overlap.img");
    t_copy(intact, disk);
    uint8_t hdr[512];
    peek(disk, last_lba_offset(disk), hdr, sizeof hdr);
    uint64_t backup_entries = ost_le64(hdr + 72) * 512;
    patch_le64(disk, 1024 + 128 * 2 + 32, 5000);
    patch_le64(disk, backup_entries + 128 * 2 + 32, 5000);
    reseal_gpt(disk, 512, 512);
    reseal_gpt(disk, last_lba_offset(disk), 512);
    EXPECT_FAILURE(disk, 0, OST_ERR_CORRUPT, "GPT entry 2", "GPT entry 3", "overlap");

    /* an entry past the last usable LBA */
    t_copy(intact, disk);
    patch_le64(disk, 1024 + 128 * 3 + 40, 1u << 20);
    patch_le64(disk, backup_entries + 128 * 3 + 40, 1u << 20);
    reseal_gpt(disk, 512, 512);
    reseal_gpt(disk, last_lba_offset(disk), 512);
    EXPECT_FAILURE(disk, 0, OST_ERR_CORRUPT, "GPT entry 4", "usable LBAs");

    /* an entry array placed where LBA arithmetic would wrap around */
    t_copy(intact, disk);
    patch_le64(disk, 512 + 72, UINT64_MAX);
    reseal_gpt(disk, 512, 512);
    patch_le64(disk, last_lba_offset(disk) + 72, UINT64_MAX);
    reseal_gpt(disk, last_lba_offset(disk), 512);
    EXPECT_FAILURE(disk, 0, OST_ERR_CORRUPT, "entry array (LBA 18446744073709551615", "backup");

    /* an entry size that is no multiple of 128 */
    t_copy(intact, disk);
    patch_le32(disk, 512 + 84, 130);
    reseal_gpt(disk, 512, 512);
    read_ok(disk, 0, &t); /* the backup is still good */
    assert_true(t.used_backup_gpt);
    ost_partition_table_free(&t);
    free(disk);

    /* truncated: the primary's usable area and the backup lie past the end */
    disk = ost_path_join(dir, "short.img");
    t_copy(intact, disk);
    assert_int_equal(truncate(disk, 4u << 20), 0);
    EXPECT_FAILURE(disk, 0, OST_ERR_CORRUPT, "primary", "truncated", "backup", "EFI PART");
    free(disk);

    free(intact);
    t_rm_rf(dir);
    free(dir);
}

static void test_guid_text(void **state)
{
    (void)state;
    static const uint8_t esp[16] = {0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8, 0xD2, 0x11,
                                    0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B};
    char g[37];
    ost_guid_text(esp, g);
    assert_string_equal(g, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
    struct ost_partition_table t;
    struct ost_error err;
    struct ost_blockio b = {.size = 0};
    snprintf(b.name, sizeof b.name, "empty");
    assert_ost_ok(ost_partition_table_read(&b, 0, &t, &err), &err);
    assert_int_equal(t.scheme, OST_PART_NONE);
    assert_int_equal(ost_partition_table_read(&b, 1000, &t, &err), OST_ERR_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mbr_primaries), cmocka_unit_test(test_mbr_logical),
        cmocka_unit_test(test_gpt_windows),   cmocka_unit_test(test_gpt_4096),
        cmocka_unit_test(test_no_table),      cmocka_unit_test(test_mbr_damage),
        cmocka_unit_test(test_gpt_damage),    cmocka_unit_test(test_guid_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
