/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_ntfsfs.c — NTFS volumes through a blockio: volumes made by mkntfs on
 * sparse files, filled with libntfs-3g directly (not through the module),
 * and checked afterwards with ntfs-3g's own tools (ntfscat, ntfsls,
 * ntfsfix -n) and with libntfs-3g reading descriptors back.
 */
#include "testdisk.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/reparse.h>
#include <ntfs-3g/security.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

#include "ntfsfs.h"

#define VOLUME_SIZE (64u << 20)

static bool have_tools(void)
{
    static const char *const tools[] = {"mkntfs", "ntfscat", "ntfsls", "ntfsfix", NULL};
    return t_have_tools(tools, "ntfs-3g");
}

#define SKIP_WITHOUT_TOOLS()                                                                                           \
    do {                                                                                                               \
        if (!have_tools())                                                                                             \
            skip();                                                                                                    \
    } while (0)

static char *make_volume(const char *dir, const char *name, const char *label)
{
    char *path = ost_path_join(dir, name);
    char *cmd = ost_xasprintf("truncate -s %u '%s' && mkntfs -F -Q -q -L '%s' '%s' >/dev/null 2>&1", VOLUME_SIZE,
                              path, label, path);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    return path;
}

static void assert_ntfsfix_clean(const char *vol)
{
    char *cmd = ost_xasprintf("ntfsfix -n '%s' 2>&1", vol);
    int rc;
    char *out = t_sh_out(&rc, NULL, "%s", cmd);
    if (rc != 0 || !strstr(out, "processed successfully"))
        fail_msg("ntfsfix -n %s: rc %d\n%s", vol, rc, out);
    free(out), free(cmd);
}

/* ntfscat's view of a file; NULL when it fails. */
static char *ntfscat(const char *vol, const char *path, size_t *len)
{
    int rc;
    char *s = t_sh_out(&rc, len, "ntfscat '%s' '%s' 2>/dev/null", vol, path);
    if (rc != 0) {
        free(s);
        return NULL;
    }
    return s;
}

static char *ntfsls(const char *vol, const char *path)
{
    char *cmd = ost_xasprintf("ntfsls -a -p '%s' '%s' 2>&1", path, vol);
    int rc;
    char *out = t_sh_out(&rc, NULL, "%s", cmd);
    assert_int_equal(rc, 0);
    free(cmd);
    return out;
}

static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == 0))
            return true;
    return false;
}

/* --- filling a volume with libntfs-3g, independently of the module --------- */

static ntfs_inode *child(ntfs_volume *vol, ntfs_inode *dir, const char *name, mode_t type)
{
    ntfschar *u = NULL;
    int len = ntfs_mbstoucs(name, &u);
    assert_true(len > 0);
    u64 mref = ntfs_inode_lookup_by_name(dir, u, len);
    ntfs_inode *ni = mref != (u64)-1 ? ntfs_inode_open(vol, MREF(mref))
                                     : ntfs_create(dir, const_cpu_to_le32(0), u, (u8)len, type);
    free(u);
    assert_non_null(ni);
    return ni;
}

/* Opens (creating) '/'-separated path; folders on the way are created. */
static ntfs_inode *at(ntfs_volume *vol, const char *path, mode_t type)
{
    ntfs_inode *dir = ntfs_inode_open(vol, FILE_root);
    assert_non_null(dir);
    char *copy = ost_xstrdup(path);
    char *save = NULL;
    char *c = strtok_r(copy, "/", &save);
    while (c) {
        char *next = strtok_r(NULL, "/", &save);
        ntfs_inode *ni = child(vol, dir, c, next ? S_IFDIR : type);
        ntfs_inode_close(dir);
        dir = ni;
        c = next;
    }
    free(copy);
    return dir;
}

static void put(ntfs_volume *vol, const char *path, const void *data, size_t n)
{
    ntfs_inode *ni = at(vol, path, S_IFREG);
    ntfs_attr *na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
    assert_non_null(na);
    assert_int_equal(ntfs_attr_truncate(na, (s64)n), 0);
    assert_int_equal(ntfs_attr_pwrite(na, 0, (s64)n, data), (s64)n);
    ntfs_attr_close(na);
    assert_int_equal(ntfs_inode_close(ni), 0);
}

static void set_sd(ntfs_volume *vol, const char *path, mode_t type, const uint8_t *sd, size_t n)
{
    ntfs_inode *ni = at(vol, path, type);
    struct SECURITY_CONTEXT scx;
    memset(&scx, 0, sizeof scx);
    scx.vol = vol;
    assert_int_equal(ntfs_set_ntfs_acl(&scx, ni, (const char *)sd, n, 0), 0);
    assert_int_equal(ntfs_inode_close(ni), 0);
}

/* The self-relative descriptor and FILE_ATTRIBUTE_* of path. */
static size_t get_sd(ntfs_volume *vol, const char *path, uint8_t *sd, size_t cap, uint32_t *attrs)
{
    ntfs_inode *ni = ntfs_pathname_to_inode(vol, NULL, path);
    assert_non_null(ni);
    struct SECURITY_CONTEXT scx;
    memset(&scx, 0, sizeof scx);
    scx.vol = vol;
    int n = ntfs_get_ntfs_acl(&scx, ni, (char *)sd, cap);
    assert_true(n > 0 && (size_t)n <= cap);
    le32 a = 0;
    assert_int_equal(ntfs_get_ntfs_attrib(ni, (char *)&a, sizeof a), (int)sizeof a);
    *attrs = le32_to_cpu(a);
    ntfs_inode_close(ni);
    return (size_t)n;
}

static ntfs_volume *mount_rw(const char *vol)
{
    ntfs_volume *v = ntfs_mount(vol, NTFS_MNT_IGNORE_HIBERFILE);
    assert_non_null(v);
    return v;
}

/* --- descriptors ------------------------------------------------------------ */

static const uint8_t SID_SYSTEM[] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
static const uint8_t SID_ADMINS[] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0};
static const uint8_t SID_USERS[] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x21, 2, 0, 0};

static void add_ace(struct ost_buf *acl, uint8_t flags, uint32_t mask, const uint8_t *sid, size_t sid_len)
{
    uint8_t h[8] = {0 /* ACCESS_ALLOWED */, flags};
    ost_put_le16(h + 2, (uint16_t)(8 + sid_len));
    ost_put_le32(h + 4, mask);
    ost_buf_add(acl, h, 8);
    ost_buf_add(acl, sid, sid_len);
}

/* A folder's descriptor: SYSTEM full control inherited by files and
 * folders, Users read on the folder alone. */
static size_t folder_sd(uint8_t *out)
{
    struct ost_buf aces = {0};
    add_ace(&aces, OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE, 0x1F01FF, SID_SYSTEM, sizeof SID_SYSTEM);
    add_ace(&aces, 0, 0x1200A9, SID_USERS, sizeof SID_USERS);
    size_t pos = 20;
    uint8_t *p = out;
    memset(p, 0, 20);
    p[0] = 1;
    /* SE_SELF_RELATIVE | SE_DACL_AUTO_INHERITED | SE_DACL_PRESENT, as on
     * Windows's own folders */
    ost_put_le16(p + 2, 0x8404);
    ost_put_le32(p + 16, (uint32_t)pos);
    p[pos] = 2, p[pos + 1] = 0;
    ost_put_le16(p + pos + 2, (uint16_t)(8 + aces.len));
    ost_put_le16(p + pos + 4, 2);
    ost_put_le16(p + pos + 6, 0);
    memcpy(p + pos + 8, aces.data, aces.len);
    pos += 8 + aces.len;
    ost_put_le32(p + 4, (uint32_t)pos);
    memcpy(p + pos, SID_ADMINS, sizeof SID_ADMINS);
    pos += sizeof SID_ADMINS;
    ost_put_le32(p + 8, (uint32_t)pos);
    memcpy(p + pos, SID_SYSTEM, sizeof SID_SYSTEM);
    pos += sizeof SID_SYSTEM;
    ost_buf_free(&aces);
    return pos;
}

struct ace {
    uint8_t flags;
    uint32_t mask;
    const uint8_t *sid;
    size_t sid_len;
};

static size_t dacl_aces(const uint8_t *sd, size_t n, struct ace *aces, size_t cap)
{
    uint32_t off = ost_le32(sd + 16);
    assert_true(off && off + 8 <= n);
    unsigned count = ost_le16(sd + off + 4);
    size_t pos = off + 8, k = 0;
    for (unsigned i = 0; i < count && k < cap; i++) {
        unsigned size = ost_le16(sd + pos + 2);
        assert_true(pos + size <= n);
        aces[k++] = (struct ace){sd[pos + 1], ost_le32(sd + pos + 4), sd + pos + 8, size - 8};
        pos += size;
    }
    return k;
}

/* --- fixtures --------------------------------------------------------------- */

struct fixture {
    char *dir;
    char *vol;
    struct ost_blockio bio;
};

static int setup(void **state)
{
    struct fixture *f = ost_xcalloc(1, sizeof *f);
    f->dir = t_mkdtemp();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->bio.ctx)
        ost_blockio_close(&f->bio);
    t_rm_rf(f->dir);
    free(f->dir), free(f->vol), free(f);
    return 0;
}

static const char hive[] = "regf: a stand-in for the SYSTEM hive";

/* A volume with Windows\System32\config\SYSTEM and a Windows folder whose
 * descriptor has an inheritable ACE. */
static void windows_volume(struct fixture *f)
{
    f->vol = make_volume(f->dir, "vol.img", "TESTVOL");
    ntfs_volume *v = mount_rw(f->vol);
    uint8_t sd[256];
    size_t n = folder_sd(sd);
    set_sd(v, "Windows", S_IFDIR, sd, n);
    set_sd(v, "Windows/System32", S_IFDIR, sd, n);
    put(v, "Windows/System32/config/SYSTEM", hive, sizeof hive - 1);
    assert_int_equal(ntfs_umount(v, FALSE), 0);
}

static struct ost_ntfsfs *open_fs(struct fixture *f, bool writable)
{
    struct ost_error err;
    assert_ost_ok(ost_blockio_open_file(f->vol, writable, &f->bio, &err), &err);
    struct ost_ntfsfs *fs;
    assert_ost_ok(ost_ntfsfs_open(&f->bio, writable, false, &fs, &err), &err);
    return fs;
}

static void close_fs(struct fixture *f, struct ost_ntfsfs *fs)
{
    struct ost_error err;
    assert_ost_ok(ost_ntfsfs_close(fs, &err), &err);
    ost_blockio_close(&f->bio);
}

/* --- tests ------------------------------------------------------------------ */

static void test_probe(void **state)
{
    SKIP_WITHOUT_TOOLS();
    struct fixture *f = *state;
    windows_volume(f);
    struct ost_error err;
    assert_ost_ok(ost_blockio_open_file(f->vol, false, &f->bio, &err), &err);
    struct ost_ntfs_probe p;
    assert_ost_ok(ost_ntfsfs_probe(&f->bio, &p, &err), &err);
    assert_true(p.is_ntfs);
    assert_false(p.bitlocker || p.hibernated || p.dirty);
    assert_string_equal(p.label, "TESTVOL");
    /* mkntfs leaves the last sector for the backup boot sector */
    assert_true(p.size <= VOLUME_SIZE && p.size >= VOLUME_SIZE - 4096);
}

static void test_case_insensitive_read(void **state)
{
    SKIP_WITHOUT_TOOLS();
    struct fixture *f = *state;
    windows_volume(f);
    struct ost_ntfsfs *fs = open_fs(f, false);
    struct ost_error err;
    assert_int_equal(ost_ntfsfs_stat(fs, "windows\\system32\\CONFIG\\system"), 1);
    assert_int_equal(ost_ntfsfs_stat(fs, "WINDOWS\\System32"), 2);
    assert_int_equal(ost_ntfsfs_stat(fs, ""), 2);
    assert_int_equal(ost_ntfsfs_stat(fs, "Windows\\System32\\config\\SOFTWARE"), 0);
    assert_int_equal(ost_ntfsfs_stat(fs, "Windows\\System32\\config\\SYSTEM\\below"), 0);
    assert_int_equal(ost_ntfsfs_stat(fs, "Windows\\..\\Windows"), -1);

    uint8_t *data;
    size_t size;
    assert_ost_ok(ost_ntfsfs_read_file(fs, "windows\\system32\\CONFIG\\system", 1 << 20, &data, &size, &err), &err);
    assert_int_equal(size, sizeof hive - 1);
    assert_memory_equal(data, hive, size);
    free(data);
    assert_int_equal(ost_ntfsfs_read_file(fs, "Windows\\System32\\config\\SYSTEM", 4, &data, &size, &err),
                     OST_ERR_LIMIT);
    assert_null(data);
    assert_int_equal(ost_ntfsfs_read_file(fs, "Windows\\System32", 1 << 20, &data, &size, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, "a folder"));
    assert_int_equal(ost_ntfsfs_read_file(fs, "Windows\\nothing", 1 << 20, &data, &size, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, "Windows\\nothing"));

    char *dest = ost_path_join(f->dir, "SYSTEM.copy");
    assert_ost_ok(ost_ntfsfs_extract(fs, "WINDOWS\\SYSTEM32\\CONFIG\\SYSTEM", 1 << 20, dest, &err), &err);
    uint8_t *copy;
    size_t copy_size;
    assert_ost_ok(ost_read_file(dest, 1 << 20, &copy, &copy_size, &err), &err);
    assert_int_equal(copy_size, sizeof hive - 1);
    assert_memory_equal(copy, hive, copy_size);
    free(copy);
    unlink(dest);
    assert_int_equal(ost_ntfsfs_extract(fs, "Windows\\System32\\config\\SYSTEM", 10, dest, &err), OST_ERR_LIMIT);
    assert_int_equal(access(dest, F_OK), -1);
    free(dest);
    /* read-only: no writes */
    char *src = ost_path_join(f->dir, "src");
    t_write_str(src, "x");
    assert_int_equal(ost_ntfsfs_write_file(fs, "Windows\\x", src, &err), OST_ERR_USAGE);
    free(src);
    close_fs(f, fs);
}

static void test_list_dir_leaves_out_dos_names(void **state)
{
    SKIP_WITHOUT_TOOLS();
    struct fixture *f = *state;
    windows_volume(f);
    ntfs_volume *v = mount_rw(f->vol);
    put(v, "Windows/INF/LongFileName.inf", "a", 1);
    put(v, "Windows/INF/b.pnf", "b", 1);
    put(v, "Windows/INF/Hidden.ini", "h", 1);
    ntfs_inode *hidden = ntfs_pathname_to_inode(v, NULL, "Windows/INF/Hidden.ini");
    assert_non_null(hidden);
    le32 hidden_attr = cpu_to_le32(0x22); /* hidden, archive */
    assert_int_equal(ntfs_set_ntfs_attrib(hidden, (const char *)&hidden_attr, sizeof hidden_attr, 0), 0);
    assert_int_equal(ntfs_inode_close(hidden), 0);
    /* give the long name a DOS alias, as Windows does */
    ntfs_inode *dir = ntfs_pathname_to_inode(v, NULL, "Windows/INF");
    assert_non_null(dir);
    ntfs_inode *ni = child(v, dir, "LongFileName.inf", S_IFREG);
    if (ntfs_set_ntfs_dos_name(ni, dir, "LONGFI~1.INF", 12, 0) != 0) /* closes both */
        fail_msg("ntfs_set_ntfs_dos_name: %s", strerror(errno));
    assert_int_equal(ntfs_umount(v, FALSE), 0);
    char *cmd = ost_xasprintf("ntfsls -x -p /Windows/INF '%s' 2>&1", f->vol);
    int rc;
    char *ls = t_sh_out(&rc, NULL, "%s", cmd);
    assert_true(has_line(ls, "LONGFI~1.INF")); /* the alias exists */
    free(ls), free(cmd);

    struct ost_ntfsfs *fs = open_fs(f, false);
    struct ost_strlist names = {0};
    struct ost_error err;
    assert_ost_ok(ost_ntfsfs_list_dir(fs, "windows\\inf", &names, &err), &err);
    assert_int_equal(names.n, 3);
    /* as stored: not lower-cased, hidden ones too */
    bool saw_long = false, saw_b = false, saw_hidden = false;
    for (size_t i = 0; i < names.n; i++) {
        saw_long |= !strcmp(names.v[i], "LongFileName.inf");
        saw_b |= !strcmp(names.v[i], "b.pnf");
        saw_hidden |= !strcmp(names.v[i], "Hidden.ini");
    }
    assert_true(saw_long && saw_b && saw_hidden);
    /* lookups are case-insensitive again afterwards */
    assert_int_equal(ost_ntfsfs_stat(fs, "WINDOWS\\INF\\LONGFILENAME.INF"), 1);
    ost_strlist_free(&names);
    /* the root: no $MFT and friends */
    assert_ost_ok(ost_ntfsfs_list_dir(fs, "", &names, &err), &err);
    assert_int_equal(names.n, 1);
    assert_string_equal(names.v[0], "Windows");
    ost_strlist_free(&names);
    assert_int_equal(ost_ntfsfs_list_dir(fs, "Windows\\System32\\config\\SYSTEM", &names, &err), OST_ERR_IO);
    ost_strlist_free(&names);
    close_fs(f, fs);
}

static void test_write_new_file_inherits(void **state)
{
    SKIP_WITHOUT_TOOLS();
    struct fixture *f = *state;
    windows_volume(f);
    char *src = ost_path_join(f->dir, "pkg.inf");
    /* larger than a resident attribute, smaller than a chunk boundary */
    size_t n = 300000;
    uint8_t *content = ost_xmalloc(n);
    for (size_t i = 0; i < n; i++)
        content[i] = (uint8_t)(i * 7 + i / 251);
    t_write(src, content, n);

    struct ost_ntfsfs *fs = open_fs(f, true);
    struct ost_error err;
    const char *path = "windows\\System32\\DriverStore\\FileRepository\\pkg.inf_amd64_0123\\pkg.inf";
    assert_ost_ok(ost_ntfsfs_write_file(fs, path, src, &err), &err);
    assert_int_equal(ost_ntfsfs_stat(fs, path), 1);
    assert_int_equal(ost_ntfsfs_stat(fs, "Windows\\System32\\DriverStore\\FileRepository"), 2);
    assert_int_equal(ost_ntfsfs_write_file(fs, "Windows\\bad:name\\x.inf", src, &err), OST_ERR_USAGE);
    assert_non_null(strstr(err.message, "bad:name: not a name Windows can open"));
    assert_int_equal(ost_ntfsfs_write_file(fs, "Windows\\trailing.", src, &err), OST_ERR_USAGE);
    assert_int_equal(ost_ntfsfs_stat(fs, "Windows\\bad:name"), 0);
    close_fs(f, fs);

    assert_ntfsfix_clean(f->vol);
    size_t got_n;
    char *got = ntfscat(f->vol, "/Windows/System32/DriverStore/FileRepository/pkg.inf_amd64_0123/pkg.inf", &got_n);
    assert_non_null(got);
    assert_int_equal(got_n, n);
    assert_memory_equal(got, content, n);
    free(got);
    char *ls = ntfsls(f->vol, "/Windows/System32");
    assert_true(has_line(ls, "DriverStore"));
    assert_true(has_line(ls, "config"));
    free(ls);

    ntfs_volume *v = ntfs_mount(f->vol, NTFS_MNT_RDONLY);
    assert_non_null(v);
    uint8_t sd[512];
    uint32_t attrs;
    struct ace aces[8];
    size_t sd_n = get_sd(v, "/Windows/System32/DriverStore/FileRepository/pkg.inf_amd64_0123/pkg.inf", sd, sizeof sd,
                         &attrs);
    assert_true(attrs & 0x20); /* FILE_ATTRIBUTE_ARCHIVE */
    size_t k = dacl_aces(sd, sd_n, aces, 8);
    /* only the inheritable ACE, marked inherited, without inheritance flags */
    assert_int_equal(k, 1);
    assert_int_equal(aces[0].flags, INHERITED_ACE);
    assert_int_equal(aces[0].mask, 0x1F01FF);
    assert_int_equal(aces[0].sid_len, sizeof SID_SYSTEM);
    assert_memory_equal(aces[0].sid, SID_SYSTEM, sizeof SID_SYSTEM);
    /* a new folder inherits and passes the ACE on */
    sd_n = get_sd(v, "/Windows/System32/DriverStore", sd, sizeof sd, &attrs);
    assert_false(attrs & 0x20);
    k = dacl_aces(sd, sd_n, aces, 8);
    assert_true(k >= 1);
    bool passes_on = false;
    for (size_t i = 0; i < k; i++)
        if (aces[i].flags == (INHERITED_ACE | OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE) &&
            aces[i].sid_len == sizeof SID_SYSTEM && !memcmp(aces[i].sid, SID_SYSTEM, sizeof SID_SYSTEM))
            passes_on = true;
    assert_true(passes_on);
    assert_int_equal(ntfs_umount(v, FALSE), 0);
    free(content), free(src);
}

/* --- inheritance as Windows does it ---------------------------------------- */

static const uint8_t SID_EVERYONE[] = {1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
static const uint8_t SID_CREATOR_OWNER[] = {1, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0};
static const uint8_t SID_CREATOR_GROUP[] = {1, 1, 0, 0, 0, 0, 0, 3, 1, 0, 0, 0};
/* ALL APPLICATION PACKAGES, S-1-15-2-1 */
static const uint8_t SID_APP_PACKAGES[] = {1, 2, 0, 0, 0, 0, 0, 15, 2, 0, 0, 0, 1, 0, 0, 0};
/* NT SERVICE\TrustedInstaller, S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464 */
static const uint8_t SID_TRUSTED_INSTALLER[] = {1,    6,    0,    0,    0,    0,    0,    5,    80,   0,    0,    0,
                                                0xb5, 0x89, 0xfb, 0x38, 0x19, 0x84, 0xc2, 0xcb, 0x5c, 0x6c, 0x23, 0x6d,
                                                0x57, 0x00, 0x77, 0x6e, 0xc0, 0x02, 0x64, 0x87};

#define SID(s) s, sizeof s
#define GA 0x10000000u
#define GX 0x20000000u
#define GW 0x40000000u
#define GR 0x80000000u
#define FA 0x1F01FFu    /* FILE_ALL_ACCESS */
#define FRX 0x1200A9u   /* FILE_GENERIC_READ | FILE_GENERIC_EXECUTE */
#define FW 0x120116u    /* FILE_GENERIC_WRITE */
#define ID INHERITED_ACE
#define OI OBJECT_INHERIT_ACE
#define CI CONTAINER_INHERIT_ACE
#define NP NO_PROPAGATE_INHERIT_ACE
#define IO INHERIT_ONLY_ACE
#define FAILED 0x80 /* FAILED_ACCESS_ACE_FLAG */

struct tace {
    uint8_t type, flags;
    uint32_t mask;
    const uint8_t *sid;
    size_t sid_len;
};

static void put_acl(uint8_t *sd, size_t *pos, unsigned field, const struct tace *a, size_t n)
{
    ost_put_le32(sd + field, (uint32_t)*pos);
    uint8_t *acl = sd + *pos;
    size_t at = 8;
    for (size_t i = 0; i < n; i++) {
        acl[at] = a[i].type, acl[at + 1] = a[i].flags;
        ost_put_le16(acl + at + 2, (uint16_t)(8 + a[i].sid_len));
        ost_put_le32(acl + at + 4, a[i].mask);
        memcpy(acl + at + 8, a[i].sid, a[i].sid_len);
        at += 8 + a[i].sid_len;
    }
    acl[0] = 2, acl[1] = 0;
    ost_put_le16(acl + 2, (uint16_t)at);
    ost_put_le16(acl + 4, (uint16_t)n);
    ost_put_le16(acl + 6, 0);
    *pos += at;
}

/* A self-relative descriptor as Windows lays it out: SACL, DACL, owner, group. */
static size_t make_sd(uint8_t *sd, uint16_t control, const uint8_t *owner, size_t owner_len, const uint8_t *group,
                      size_t group_len, const struct tace *dacl, size_t dn, const struct tace *sacl, size_t sn)
{
    memset(sd, 0, 20);
    sd[0] = 1;
    ost_put_le16(sd + 2, control);
    size_t pos = 20;
    if (sn)
        put_acl(sd, &pos, 12, sacl, sn);
    put_acl(sd, &pos, 16, dacl, dn);
    ost_put_le32(sd + 4, (uint32_t)pos);
    memcpy(sd + pos, owner, owner_len), pos += owner_len;
    ost_put_le32(sd + 8, (uint32_t)pos);
    memcpy(sd + pos, group, group_len), pos += group_len;
    return pos;
}

static char *describe_acl(const uint8_t *sd, size_t n, unsigned field)
{
    struct ost_buf b = {0};
    uint32_t off = ost_le32(sd + field);
    if (!off) {
        ost_buf_add(&b, "none", 5);
        return ost_buf_steal(&b);
    }
    assert_true(off + 8 <= n);
    unsigned count = ost_le16(sd + off + 4);
    size_t pos = off + 8;
    for (unsigned i = 0; i < count; i++) {
        assert_true(pos + 8 <= n);
        unsigned size = ost_le16(sd + pos + 2);
        assert_true(size >= 8 && pos + size <= n);
        char *one = ost_xasprintf("(type %u flags 0x%02x mask 0x%08x sid-len %u sub0 %u last %u) ", sd[pos],
                                  sd[pos + 1], ost_le32(sd + pos + 4), size - 8, size >= 20 ? ost_le32(sd + pos + 16) : 0,
                                  ost_le32(sd + pos + size - 4));
        ost_buf_add(&b, one, strlen(one));
        free(one);
        pos += size;
    }
    ost_buf_add(&b, "", 1);
    return ost_buf_steal(&b);
}

/* got must hold exactly these control bits, owner, group and ACEs in order. */
static void assert_sd(const char *what, const uint8_t *got, size_t got_n, const uint8_t *want, size_t want_n)
{
    bool same_control = ost_le16(got + 2) == ost_le16(want + 2);
    uint32_t go = ost_le32(got + 4), gg = ost_le32(got + 8), wo = ost_le32(want + 4), wg = ost_le32(want + 8);
    size_t ol = 8 + 4u * want[wo + 1], gl = 8 + 4u * want[wg + 1];
    bool same_owner = go && go + ol <= got_n && !memcmp(got + go, want + wo, ol);
    bool same_group = gg && gg + gl <= got_n && !memcmp(got + gg, want + wg, gl);
    char *gd = describe_acl(got, got_n, 16), *wd = describe_acl(want, want_n, 16);
    char *gs = describe_acl(got, got_n, 12), *ws = describe_acl(want, want_n, 12);
    if (!same_control || !same_owner || !same_group || strcmp(gd, wd) || strcmp(gs, ws))
        fail_msg("%s: control 0x%04x (want 0x%04x), owner %s (S-1-%u-%u...-%u), group %s (S-1-%u-%u...-%u)\n"
                 " DACL %s\n want %s\n SACL %s\n want %s",
                 what, ost_le16(got + 2), ost_le16(want + 2), same_owner ? "ok" : "differs", got[go + 7],
                 ost_le32(got + go + 8), ost_le32(got + go + 4 + 4u * got[go + 1]), same_group ? "ok" : "differs",
                 got[gg + 7], ost_le32(got + gg + 8), ost_le32(got + gg + 4 + 4u * got[gg + 1]), gd, wd, gs, ws);
    free(gd), free(wd), free(gs), free(ws);
}

/* ntfssecaudit (ntfs-3g), reading the volume on its own: the descriptor of
 * path as it dumps it, in bytes. */
static size_t secaudit_sd(const char *vol, const char *path, uint8_t *sd, size_t cap)
{
    int rc;
    char *out = t_sh_out(&rc, NULL, "ntfssecaudit -v '%s' '%s' 2>&1", vol, path);
    if (rc != 0)
        fail_msg("ntfssecaudit -v %s %s: rc %d\n%s", vol, path, rc, out);
    /* hex dump lines: offset (6 hex digits), then groups of hex digits */
    size_t n = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (p == line || strspn(p, "0123456789abcdef") != 6 || (p[6] != ' ' && p[6] != '\t'))
            continue;
        p += 6;
        for (;;) {
            while (*p == ' ' || *p == '\t')
                p++;
            size_t digits = strspn(p, "0123456789abcdef");
            if (!digits || digits % 2)
                break;
            for (size_t k = 0; k < digits && n < cap; k += 2) {
                char byte[3] = {p[k], p[k + 1], 0};
                sd[n++] = (uint8_t)strtoul(byte, NULL, 16);
            }
            p += digits;
        }
    }
    free(out);
    return n;
}

/* C:\Windows as Windows ships it (its DACL read with icacls, protected) and
 * a folder exercising every inheritance flag, with an audit SACL: what a
 * new file and a new folder below each get, written out by hand from "ACE
 * Inheritance Rules" (https://learn.microsoft.com/en-us/windows/win32/secauthz/ace-inheritance-rules):
 * INHERITED_ACE on every inherited ACE, generic rights and CREATOR
 * OWNER/GROUP mapped in effective ACEs, a folder given an inherit-only
 * copy of an ACE with generic information, SE_DACL_AUTO_INHERITED and
 * SE_SACL_AUTO_INHERITED in the control. */
static void test_new_entries_inherit_like_windows(void **state)
{
    SKIP_WITHOUT_TOOLS();
    struct fixture *f = *state;
    f->vol = make_volume(f->dir, "vol.img", "TESTVOL");

    static const struct tace windows[] = {
        {0, 0, 0x1301BF, SID(SID_SYSTEM)},
        {0, OI | CI | IO, GA, SID(SID_SYSTEM)},
        {0, 0, 0x1301BF, SID(SID_ADMINS)},
        {0, OI | CI | IO, GA, SID(SID_ADMINS)},
        {0, 0, FRX, SID(SID_USERS)},
        {0, OI | CI | IO, GR | GX, SID(SID_USERS)},
        {0, OI | CI | IO, GA, SID(SID_CREATOR_OWNER)},
        {0, 0, FRX, SID(SID_APP_PACKAGES)},
        {0, OI | CI | IO, GR | GX, SID(SID_APP_PACKAGES)},
        {0, 0, FA, SID(SID_TRUSTED_INSTALLER)},
        {0, CI | IO, GA, SID(SID_TRUSTED_INSTALLER)},
    };
    static const struct tace windows_file[] = {
        {0, ID, FA, SID(SID_SYSTEM)},           {0, ID, FA, SID(SID_ADMINS)},
        {0, ID, FRX, SID(SID_USERS)},           {0, ID, FA, SID(SID_ADMINS)}, /* the owner */
        {0, ID, FRX, SID(SID_APP_PACKAGES)},
    };
    static const struct tace windows_folder[] = {
        {0, ID, FA, SID(SID_SYSTEM)},
        {0, ID | OI | CI | IO, GA, SID(SID_SYSTEM)},
        {0, ID, FA, SID(SID_ADMINS)},
        {0, ID | OI | CI | IO, GA, SID(SID_ADMINS)},
        {0, ID, FRX, SID(SID_USERS)},
        {0, ID | OI | CI | IO, GR | GX, SID(SID_USERS)},
        {0, ID, FA, SID(SID_ADMINS)}, /* the owner */
        {0, ID | OI | CI | IO, GA, SID(SID_CREATOR_OWNER)},
        {0, ID, FRX, SID(SID_APP_PACKAGES)},
        {0, ID | OI | CI | IO, GR | GX, SID(SID_APP_PACKAGES)},
        {0, ID, FA, SID(SID_TRUSTED_INSTALLER)},
        {0, ID | CI | IO, GA, SID(SID_TRUSTED_INSTALLER)},
    };
    static const struct tace mixed[] = {
        {1, OI | CI, 0x40000, SID(SID_USERS)}, /* a deny ACE keeps its place */
        {0, OI, FRX, SID(SID_USERS)},
        {0, CI, 0x1301BF, SID(SID_USERS)},
        {0, OI | CI | NP, FA, SID(SID_ADMINS)},
        {0, OI | NP, 0x120089, SID(SID_SYSTEM)},
        {0, CI | NP, 0x120089, SID(SID_SYSTEM)},
        {0, 0, FA, SID(SID_SYSTEM)},
        {0, ID | OI | CI, FA, SID(SID_SYSTEM)},
        {0, OI | CI | IO, FA, SID(SID_CREATOR_GROUP)},
        {0, OI | CI | NP | IO, GW, SID(SID_CREATOR_OWNER)},
    };
    static const struct tace mixed_sacl[] = {
        {2, OI | CI | FAILED, 0x10000, SID(SID_EVERYONE)},
        {2, 0x40, 0x10000, SID(SID_EVERYONE)},
    };
    static const struct tace mixed_file[] = {
        {1, ID, 0x40000, SID(SID_USERS)}, {0, ID, FRX, SID(SID_USERS)},     {0, ID, FA, SID(SID_ADMINS)},
        {0, ID, 0x120089, SID(SID_SYSTEM)}, {0, ID, FA, SID(SID_SYSTEM)},   {0, ID, FA, SID(SID_ADMINS)}, /* the group */
        {0, ID, FW, SID(SID_ADMINS)},                                        /* the owner */
    };
    static const struct tace mixed_folder[] = {
        {1, ID | OI | CI, 0x40000, SID(SID_USERS)},
        {0, ID | OI | IO, FRX, SID(SID_USERS)},
        {0, ID | CI, 0x1301BF, SID(SID_USERS)},
        {0, ID, FA, SID(SID_ADMINS)},
        {0, ID, 0x120089, SID(SID_SYSTEM)},
        {0, ID | OI | CI, FA, SID(SID_SYSTEM)},
        {0, ID, FA, SID(SID_ADMINS)}, /* the group */
        {0, ID | OI | CI | IO, FA, SID(SID_CREATOR_GROUP)},
        {0, ID, FW, SID(SID_ADMINS)}, /* the owner; not passed on */
    };
    static const struct tace inherited_sacl_file[] = {{2, ID | FAILED, 0x10000, SID(SID_EVERYONE)}};
    static const struct tace inherited_sacl_folder[] = {{2, ID | OI | CI | FAILED, 0x10000, SID(SID_EVERYONE)}};
#define N(a) a, sizeof a / sizeof a[0]
    uint8_t parent[1024], want[1024], got[1024];
    ntfs_volume *v = mount_rw(f->vol);
    /* SE_SELF_RELATIVE | SE_DACL_PROTECTED | SE_DACL_AUTO_INHERITED | SE_DACL_PRESENT */
    size_t n = make_sd(parent, 0x9404, SID(SID_TRUSTED_INSTALLER), SID(SID_TRUSTED_INSTALLER), N(windows), NULL, 0);
    set_sd(v, "Windows", S_IFDIR, parent, n);
    /* the same with SE_SACL_PRESENT and SE_SACL_AUTO_INHERITED, not protected */
    n = make_sd(parent, 0x8C14, SID(SID_ADMINS), SID(SID_SYSTEM), N(mixed), N(mixed_sacl));
    set_sd(v, "Mixed", S_IFDIR, parent, n);
    assert_int_equal(ntfs_umount(v, FALSE), 0);

    char *src = ost_path_join(f->dir, "a.inf");
    t_write(src, "x", 1);
    struct ost_ntfsfs *fs = open_fs(f, true);
    struct ost_error err;
    assert_ost_ok(ost_ntfsfs_write_file(fs, "Windows\\INF\\a.inf", src, &err), &err);
    assert_ost_ok(ost_ntfsfs_write_file(fs, "Windows\\b.inf", src, &err), &err);
    assert_ost_ok(ost_ntfsfs_write_file(fs, "Mixed\\Sub\\a.inf", src, &err), &err);
    assert_ost_ok(ost_ntfsfs_write_file(fs, "Mixed\\b.inf", src, &err), &err);
    close_fs(f, fs);
    assert_ntfsfix_clean(f->vol);

    static const struct {
        const char *path;
        bool folder, in_windows;
    } cases[] = {
        {"/Windows/b.inf", false, true}, {"/Windows/INF", true, true}, {"/Mixed/b.inf", false, false},
        {"/Mixed/Sub", true, false},
    };
    bool audit = access("/usr/bin/ntfssecaudit", X_OK) == 0;
    if (!audit)
        fprintf(stderr, "skip: ntfssecaudit (ntfs-3g) not installed; descriptors read with libntfs-3g only\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bool d = cases[i].folder;
        if (cases[i].in_windows)
            n = d ? make_sd(want, 0x8404, SID(SID_ADMINS), SID(SID_ADMINS), N(windows_folder),
                            NULL, 0)
                  : make_sd(want, 0x8404, SID(SID_ADMINS), SID(SID_ADMINS), N(windows_file),
                            NULL, 0);
        else
            n = d ? make_sd(want, 0x8C14, SID(SID_ADMINS), SID(SID_ADMINS), N(mixed_folder), N(inherited_sacl_folder))
                  : make_sd(want, 0x8C14, SID(SID_ADMINS), SID(SID_ADMINS), N(mixed_file), N(inherited_sacl_file));
        v = ntfs_mount(f->vol, NTFS_MNT_RDONLY);
        assert_non_null(v);
        uint32_t attrs;
        size_t got_n = get_sd(v, cases[i].path, got, sizeof got, &attrs);
        assert_int_equal(ntfs_umount(v, FALSE), 0);
        assert_sd(cases[i].path, got, got_n, want, n);
        if (audit) {
            got_n = secaudit_sd(f->vol, cases[i].path, got, sizeof got);
            char *what = ost_xasprintf("%s (ntfssecaudit)", cases[i].path);
            assert_sd(what, got, got_n, want, n);
            free(what);
        }
    }
    /* the second level inherits from the first the same way */
    v = ntfs_mount(f->vol, NTFS_MNT_RDONLY);
    uint32_t attrs;
    size_t got_n = get_sd(v, "/Windows/INF/a.inf", got, sizeof got, &attrs);
    assert_int_equal(ntfs_umount(v, FALSE), 0);
    n = make_sd(want, 0x8404, SID(SID_ADMINS), SID(SID_ADMINS), N(windows_file), NULL, 0);
    assert_sd("/Windows/INF/a.inf", got, got_n, want, n);
    v = ntfs_mount(f->vol, NTFS_MNT_RDONLY);
    got_n = get_sd(v, "/Mixed/Sub/a.inf", got, sizeof got, &attrs);
    assert_int_equal(ntfs_umount(v, FALSE), 0);
    /* from Mixed\Sub: the deny ACE, SYSTEM's passed-on ACE and CREATOR GROUP's */
    static const struct tace sub_file[] = {
        {1, ID, 0x40000, SID(SID_USERS)}, {0, ID, FRX, SID(SID_USERS)}, {0, ID, FA, SID(SID_SYSTEM)},
        {0, ID, FA, SID(SID_ADMINS)},
    };
    n = make_sd(want, 0x8C14, SID(SID_ADMINS), SID(SID_ADMINS), N(sub_file), N(inherited_sacl_file));
    assert_sd("/Mixed/Sub/a.inf", got, got_n, want, n);
#undef N
    free(src);
}

static void test_get_set_descriptor(void **state)
{
    SKIP_WITHOUT_TOOLS();
    struct fixture *f = *state;
    windows_volume(f);
    uint8_t want[256];
    size_t want_n = folder_sd(want);
    struct ost_ntfsfs *fs = open_fs(f, true);
    struct ost_error err;
    uint8_t *sd;
    size_t n;
    assert_ost_ok(ost_ntfsfs_get_descriptor(fs, "WINDOWS", &sd, &n, &err), &err);
    assert_int_equal(n, want_n);
    assert_memory_equal(sd, want, n);
    free(sd);
    /* the hive gets the folder's descriptor with its first ACE inheritable by nothing */
    want[20 + 8 + 1] = 0;
    assert_ost_ok(ost_ntfsfs_set_descriptor(fs, "Windows\\System32\\config\\SYSTEM", want, want_n, &err), &err);
    uint8_t bad[256];
    memcpy(bad, want, want_n);
    ost_put_le32(bad + 4, 250); /* the owner past the end */
    assert_int_equal(ost_ntfsfs_set_descriptor(fs, "Windows", bad, want_n, &err), OST_ERR_USAGE);
    assert_non_null(strstr(err.message, "not a valid security descriptor"));
    assert_int_not_equal(ost_ntfsfs_get_descriptor(fs, "Windows\\absent", &sd, &n, &err), OST_OK);
    assert_null(sd);
    close_fs(f, fs);
    fs = open_fs(f, false);
    assert_int_equal(ost_ntfsfs_set_descriptor(fs, "Windows", want, want_n, &err), OST_ERR_USAGE);
    close_fs(f, fs);

    assert_ntfsfix_clean(f->vol);
    ntfs_volume *v = ntfs_mount(f->vol, NTFS_MNT_RDONLY);
    assert_non_null(v);
    uint8_t got[512];
    uint32_t attrs;
    size_t got_n = get_sd(v, "/Windows/System32/config/SYSTEM", got, sizeof got, &attrs);
    assert_int_equal(got_n, want_n);
    assert_memory_equal(got, want, want_n);
    got_n = get_sd(v, "/Windows", got, sizeof got, &attrs);
    assert_int_equal(got_n, want_n);
    assert_int_equal(got[20 + 8 + 1], OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE); /* unchanged */
    assert_int_equal(ntfs_umount(v, FALSE), 0);
}

static void test_replace_keeps_descriptor(void **state)
{
    SKIP_WITHOUT_TOOLS();
    struct fixture *f = *state;
    windows_volume(f);
    /* the hive gets a descriptor of its own and hidden|system|archive */
    ntfs_volume *v = mount_rw(f->vol);
    uint8_t own[256];
    size_t own_n = folder_sd(own);
    own[20 + 8 + 1] = 0; /* first ACE: no inheritance flags */
    set_sd(v, "Windows/System32/config/SYSTEM", S_IFREG, own, own_n);
    ntfs_inode *ni = ntfs_pathname_to_inode(v, NULL, "Windows/System32/config/SYSTEM");
    assert_non_null(ni);
    le32 a = cpu_to_le32(0x26);
    assert_int_equal(ntfs_set_ntfs_attrib(ni, (const char *)&a, sizeof a, 0), 0);
    ntfs_inode_close(ni);
    assert_int_equal(ntfs_umount(v, FALSE), 0);

    v = ntfs_mount(f->vol, NTFS_MNT_RDONLY);
    uint8_t before[512];
    uint32_t attrs_before;
    size_t before_n = get_sd(v, "/Windows/System32/config/SYSTEM", before, sizeof before, &attrs_before);
    ntfs_umount(v, FALSE);
    assert_int_equal(attrs_before & 0x26, 0x26);

    static const size_t sizes[] = {2u << 20, 1000, 0, 70000};
    for (size_t round = 0; round < sizeof sizes / sizeof sizes[0]; round++) {
        size_t n = sizes[round];
        uint8_t *content = ost_xmalloc(n + 1);
        for (size_t i = 0; i < n; i++)
            content[i] = (uint8_t)(i + round * 31);
        char *src = ost_path_join(f->dir, "SYSTEM.new");
        t_write(src, content, n);
        struct ost_ntfsfs *fs = open_fs(f, true);
        struct ost_error err;
        assert_ost_ok(ost_ntfsfs_write_file(fs, "WINDOWS\\system32\\config\\system", src, &err), &err);
        close_fs(f, fs);

        assert_ntfsfix_clean(f->vol);
        size_t got_n;
        char *got = ntfscat(f->vol, "/Windows/System32/config/SYSTEM", &got_n);
        assert_non_null(got);
        assert_int_equal(got_n, n);
        if (n)
            assert_memory_equal(got, content, n);
        free(got);
        v = ntfs_mount(f->vol, NTFS_MNT_RDONLY);
        uint8_t after[512];
        uint32_t attrs_after;
        size_t after_n = get_sd(v, "/Windows/System32/config/SYSTEM", after, sizeof after, &attrs_after);
        ntfs_umount(v, FALSE);
        assert_int_equal(after_n, before_n);
        assert_memory_equal(after, before, before_n);
        assert_int_equal(attrs_after, attrs_before);
        /* the name did not change case, and no second entry appeared */
        char *ls = ntfsls(f->vol, "/Windows/System32/config");
        assert_true(has_line(ls, "SYSTEM"));
        assert_false(has_line(ls, "system"));
        free(ls);
        free(content), free(src);
    }
}

static void test_remove(void **state)
{
    SKIP_WITHOUT_TOOLS();
    struct fixture *f = *state;
    windows_volume(f);
    ntfs_volume *v = mount_rw(f->vol);
    put(v, "Windows/INF/oem1.inf", "x", 1);
    put(v, "Windows/INF/oem1.pnf", "y", 1);
    assert_int_equal(ntfs_inode_close(at(v, "Windows/Empty", S_IFDIR)), 0);
    assert_int_equal(ntfs_umount(v, FALSE), 0);

    struct ost_ntfsfs *fs = open_fs(f, true);
    struct ost_error err;
    assert_ost_ok(ost_ntfsfs_remove_file(fs, "windows\\inf\\OEM1.INF", &err), &err);
    assert_int_equal(ost_ntfsfs_stat(fs, "Windows\\INF\\oem1.inf"), 0);
    /* not empty: left */
    assert_ost_ok(ost_ntfsfs_remove_dir(fs, "Windows\\INF", &err), &err);
    assert_int_equal(ost_ntfsfs_stat(fs, "Windows\\INF"), 2);
    assert_ost_ok(ost_ntfsfs_remove_dir(fs, "Windows\\EMPTY", &err), &err);
    assert_int_equal(ost_ntfsfs_stat(fs, "Windows\\Empty"), 0);
    assert_int_not_equal(ost_ntfsfs_remove_file(fs, "Windows\\INF", &err), OST_OK);
    assert_non_null(strstr(err.message, "a folder, not a file"));
    assert_int_not_equal(ost_ntfsfs_remove_dir(fs, "Windows\\INF\\oem1.pnf", &err), OST_OK);
    assert_int_not_equal(ost_ntfsfs_remove_file(fs, "Windows\\INF\\gone.inf", &err), OST_OK);
    close_fs(f, fs);

    assert_ntfsfix_clean(f->vol);
    char *ls = ntfsls(f->vol, "/Windows/INF");
    assert_false(has_line(ls, "oem1.inf"));
    assert_true(has_line(ls, "oem1.pnf"));
    free(ls);
    ls = ntfsls(f->vol, "/Windows");
    assert_false(has_line(ls, "Empty"));
    assert_true(has_line(ls, "INF"));
    free(ls);
}

static void test_hibernated_refused(void **state)
{
    SKIP_WITHOUT_TOOLS();
    struct fixture *f = *state;
    windows_volume(f);
    uint8_t hib[8192] = {0};
    ntfs_volume *v = mount_rw(f->vol);
    put(v, "hiberfil.sys", hib, sizeof hib); /* zeroed: a completed resume; fine */
    assert_int_equal(ntfs_umount(v, FALSE), 0);
    struct ost_ntfsfs *fs = open_fs(f, true);
    close_fs(f, fs);

    static const char *const magics[] = {"hibr", "HIBR", "wake", "WAKE"};
    for (size_t i = 0; i < 4; i++) {
        memcpy(hib, magics[i], 4);
        v = mount_rw(f->vol);
        put(v, "hiberfil.sys", hib, sizeof hib);
        assert_int_equal(ntfs_umount(v, FALSE), 0);
        char *copy = ost_path_join(f->dir, "before.img");
        t_copy(f->vol, copy);

        struct ost_error err;
        assert_ost_ok(ost_blockio_open_file(f->vol, true, &f->bio, &err), &err);
        struct ost_ntfs_probe p;
        assert_ost_ok(ost_ntfsfs_probe(&f->bio, &p, &err), &err);
        assert_true(p.is_ntfs && p.hibernated);
        for (int writable = 0; writable < 2; writable++) {
            struct ost_ntfsfs *h = (struct ost_ntfsfs *)&err;
            assert_int_equal(ost_ntfsfs_open(&f->bio, writable, true, &h, &err), OST_ERR_UNSUPPORTED);
            assert_null(h);
            assert_non_null(strstr(err.message, "Windows is hibernated"));
            assert_non_null(strstr(err.message, "boot it and shut down fully"));
        }
        ost_blockio_close(&f->bio);
        assert_true(t_files_equal(copy, f->vol));
        free(copy);
    }
}

static void test_dirty_refused_unless_allowed(void **state)
{
    SKIP_WITHOUT_TOOLS();
    struct fixture *f = *state;
    windows_volume(f);
    ntfs_volume *v = mount_rw(f->vol);
    assert_int_equal(ntfs_volume_write_flags(v, v->flags | VOLUME_IS_DIRTY), 0);
    assert_int_equal(ntfs_umount(v, FALSE), 0);
    char *copy = ost_path_join(f->dir, "before.img");
    t_copy(f->vol, copy);

    struct ost_error err;
    assert_ost_ok(ost_blockio_open_file(f->vol, true, &f->bio, &err), &err);
    struct ost_ntfs_probe p;
    assert_ost_ok(ost_ntfsfs_probe(&f->bio, &p, &err), &err);
    assert_true(p.is_ntfs && p.dirty && !p.hibernated);
    struct ost_ntfsfs *fs;
    assert_int_equal(ost_ntfsfs_open(&f->bio, true, false, &fs, &err), OST_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "not shut down cleanly"));
    assert_non_null(strstr(err.message, "chkdsk"));
    assert_int_equal(ost_ntfsfs_open(&f->bio, false, false, &fs, &err), OST_ERR_UNSUPPORTED);
    assert_true(t_files_equal(copy, f->vol));
    assert_ost_ok(ost_ntfsfs_open(&f->bio, true, true, &fs, &err), &err);
    assert_int_equal(ost_ntfsfs_stat(fs, "Windows\\System32\\config\\SYSTEM"), 1);
    assert_ost_ok(ost_ntfsfs_close(fs, &err), &err);
    free(copy);
}

static void test_compressed_and_encrypted(void **state)
{
    SKIP_WITHOUT_TOOLS();
    struct fixture *f = *state;
    windows_volume(f);
    ntfs_volume *v = mount_rw(f->vol);
    ntfs_inode *dir = at(v, "Windows/Compressed", S_IFDIR);
    le32 compressed = cpu_to_le32(0x800);
    assert_int_equal(ntfs_set_ntfs_attrib(dir, (const char *)&compressed, sizeof compressed, 0), 0);
    assert_int_equal(ntfs_inode_close(dir), 0);
    size_t n = 200000;
    uint8_t *content = ost_xmalloc(n);
    for (size_t i = 0; i < n; i++)
        content[i] = (uint8_t)("compressible text "[i % 18]);
    put(v, "Windows/Compressed/log.txt", content, n); /* compressed: its folder says so */
    put(v, "Windows/secret.txt", "s", 1);
    ntfs_inode *secret = ntfs_pathname_to_inode(v, NULL, "Windows/secret.txt");
    assert_non_null(secret);
    secret->flags |= FILE_ATTR_ENCRYPTED;
    NInoSetDirty(secret);
    assert_int_equal(ntfs_inode_close(secret), 0);
    assert_int_equal(ntfs_umount(v, FALSE), 0);

    v = ntfs_mount(f->vol, NTFS_MNT_RDONLY);
    uint8_t sd[512];
    uint32_t attrs;
    get_sd(v, "/Windows/Compressed/log.txt", sd, sizeof sd, &attrs);
    ntfs_umount(v, FALSE);
    assert_true(attrs & 0x800);

    struct ost_ntfsfs *fs = open_fs(f, true);
    struct ost_error err;
    uint8_t *data;
    size_t size;
    assert_ost_ok(ost_ntfsfs_read_file(fs, "Windows\\Compressed\\log.txt", n, &data, &size, &err), &err);
    assert_int_equal(size, n);
    assert_memory_equal(data, content, n);
    free(data);
    for (size_t i = 0; i < n; i += 1000)
        content[i] = 'X';
    char *src = ost_path_join(f->dir, "log.new");
    t_write(src, content, n);
    assert_ost_ok(ost_ntfsfs_write_file(fs, "Windows\\Compressed\\log.txt", src, &err), &err);
    assert_int_equal(ost_ntfsfs_read_file(fs, "Windows\\secret.txt", 100, &data, &size, &err), OST_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "encrypted (EFS)"));
    assert_int_equal(ost_ntfsfs_write_file(fs, "Windows\\secret.txt", src, &err), OST_ERR_UNSUPPORTED);
    close_fs(f, fs);
    assert_ntfsfix_clean(f->vol);
    size_t got_n;
    char *got = ntfscat(f->vol, "/Windows/Compressed/log.txt", &got_n);
    assert_non_null(got);
    assert_int_equal(got_n, n);
    assert_memory_equal(got, content, n);
    free(got), free(src), free(content);
}

static void patch(const char *vol, uint64_t off, const void *bytes, size_t n)
{
    int fd = open(vol, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, bytes, n, (off_t)off), (ssize_t)n);
    close(fd);
}

static void test_bitlocker(void **state)
{
    SKIP_WITHOUT_TOOLS();
    struct fixture *f = *state;
    f->vol = make_volume(f->dir, "vol.img", "BL");
    patch(f->vol, 3, "-FVE-FS-", 8);
    struct ost_error err;
    assert_ost_ok(ost_blockio_open_file(f->vol, true, &f->bio, &err), &err);
    struct ost_ntfs_probe p;
    assert_ost_ok(ost_ntfsfs_probe(&f->bio, &p, &err), &err);
    assert_true(p.bitlocker);
    assert_false(p.is_ntfs);
    struct ost_ntfsfs *fs;
    assert_int_equal(ost_ntfsfs_open(&f->bio, true, false, &fs, &err), OST_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "BitLocker"));
    assert_non_null(strstr(err.message, "manage-bde -off"));
}

struct bad_case {
    uint64_t off;
    uint8_t bytes[8];
    size_t n;
    const char *reason;
};

static void test_bad_boot_sectors(void **state)
{
    SKIP_WITHOUT_TOOLS();
    struct fixture *f = *state;
    f->vol = make_volume(f->dir, "vol.img", "BAD");
    char *pristine = ost_path_join(f->dir, "pristine.img");
    t_copy(f->vol, pristine);
    static const struct bad_case cases[] = {
        {0x0B, {3, 0}, 2, "bytes per sector is 3"},
        {0x0B, {0, 0x20}, 2, "bytes per sector is 8192"},
        {0x0B, {0x00, 0x03}, 2, "bytes per sector is 768"},
        {0x0D, {3}, 1, "sectors per cluster"},
        {0x0D, {0xE0}, 1, "sectors per cluster"},
        {0x0D, {0xF3}, 1, "sectors per cluster"},
        {0x0B, {0x00, 0x10, 0xF4}, 3, "larger than 2 MiB"},
        {0x28, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, 8, "do not fit"},
        {0x28, {0}, 8, "do not fit"},
        {0x30, {0, 0, 0, 0, 1, 0, 0, 0}, 8, "past the last"},
        {0x38, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, 8, "past the last"},
        {3, {'N', 'T', 'F', 'X'}, 4, "no NTFS signature"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        t_copy(pristine, f->vol);
        patch(f->vol, cases[i].off, cases[i].bytes, cases[i].n);
        struct ost_error err;
        assert_ost_ok(ost_blockio_open_file(f->vol, true, &f->bio, &err), &err);
        struct ost_ntfs_probe p;
        assert_ost_ok(ost_ntfsfs_probe(&f->bio, &p, &err), &err);
        assert_false(p.is_ntfs);
        struct ost_ntfsfs *fs;
        assert_int_equal(ost_ntfsfs_open(&f->bio, true, false, &fs, &err), OST_ERR_CORRUPT);
        if (!strstr(err.message, cases[i].reason))
            fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err.message, cases[i].reason);
        assert_non_null(strstr(err.message, "vol.img"));
        ost_blockio_close(&f->bio);
    }
    /* garbage from the first byte on */
    uint8_t junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 131 + 7);
    t_copy(pristine, f->vol);
    patch(f->vol, 0, junk, sizeof junk);
    struct ost_error err;
    assert_ost_ok(ost_blockio_open_file(f->vol, true, &f->bio, &err), &err);
    struct ost_ntfsfs *fs;
    assert_int_equal(ost_ntfsfs_open(&f->bio, true, false, &fs, &err), OST_ERR_CORRUPT);
    ost_blockio_close(&f->bio);
    /* a sane boot sector over a wiped MFT: libntfs-3g refuses, we report */
    t_copy(pristine, f->vol);
    assert_ost_ok(ost_blockio_open_file(f->vol, true, &f->bio, &err), &err);
    uint8_t bs[512];
    assert_ost_ok(ost_blockio_read(&f->bio, bs, sizeof bs, 0, &err), &err);
    uint64_t mft = ost_le64(bs + 0x30) * ost_le16(bs + 0x0B) * bs[0x0D];
    uint64_t mirror = ost_le64(bs + 0x38) * ost_le16(bs + 0x0B) * bs[0x0D];
    ost_blockio_close(&f->bio);
    patch(f->vol, mft, junk, sizeof junk);
    patch(f->vol, mirror, junk, sizeof junk);
    assert_ost_ok(ost_blockio_open_file(f->vol, true, &f->bio, &err), &err);
    struct ost_ntfs_probe p;
    assert_ost_ok(ost_ntfsfs_probe(&f->bio, &p, &err), &err);
    assert_true(p.is_ntfs);
    assert_int_equal(ost_ntfsfs_open(&f->bio, false, false, &fs, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "cannot open the NTFS volume"));
    ost_blockio_close(&f->bio);
    free(pristine);
}

static void test_small_blockio_is_not_ntfs(void **state)
{
    struct fixture *f = *state;
    char *path = ost_path_join(f->dir, "tiny");
    t_write_str(path, "NTFS");
    struct ost_error err;
    assert_ost_ok(ost_blockio_open_file(path, false, &f->bio, &err), &err);
    struct ost_ntfs_probe p;
    assert_ost_ok(ost_ntfsfs_probe(&f->bio, &p, &err), &err);
    assert_false(p.is_ntfs || p.bitlocker);
    struct ost_ntfsfs *fs;
    assert_int_equal(ost_ntfsfs_open(&f->bio, false, false, &fs, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "smaller than a boot sector"));
    free(path);
}

static void set_reparse(ntfs_volume *v, const char *path, mode_t type, uint32_t tag)
{
    /* a mount point's data (MS-FSCC 2.1.2.5): substitute and print names */
    static const char target[] = "\\??\\C:\\Users";
    size_t tl = sizeof target - 1;
    uint8_t data[256] = {0};
    ost_put_le32(data, tag);
    size_t body = 8 + (tl + 1) * 2 * 2;
    ost_put_le16(data + 4, (uint16_t)body);
    ost_put_le16(data + 8, 0);
    ost_put_le16(data + 10, (uint16_t)(tl * 2));
    ost_put_le16(data + 12, (uint16_t)((tl + 1) * 2));
    ost_put_le16(data + 14, (uint16_t)((tl - 4) * 2));
    for (size_t i = 0; i < tl; i++)
        data[16 + i * 2] = (uint8_t)target[i];
    for (size_t i = 4; i < tl; i++)
        data[16 + (tl + 1) * 2 + (i - 4) * 2] = (uint8_t)target[i];
    ntfs_inode *ni = at(v, path, type);
    if (ntfs_set_ntfs_reparse_data(ni, (const char *)data, 8 + body, 0) != 0)
        fail_msg("set reparse data on %s: %s", path, strerror(errno));
    assert_int_equal(ntfs_inode_close(ni), 0);
}

static void test_reparse_points_not_followed(void **state)
{
    SKIP_WITHOUT_TOOLS();
    struct fixture *f = *state;
    windows_volume(f);
    ntfs_volume *v = mount_rw(f->vol);
    set_reparse(v, "Documents and Settings", S_IFDIR, 0xA0000003);
    set_reparse(v, "Windows/link", S_IFREG, 0xA000000C);
    put(v, "Windows/System32/compact.dll", "z", 1);
    set_reparse(v, "Windows/System32/compact.dll", S_IFREG, 0x80000017);
    assert_int_equal(ntfs_umount(v, FALSE), 0);

    struct ost_ntfsfs *fs = open_fs(f, true);
    struct ost_error err;
    assert_int_equal(ost_ntfsfs_stat(fs, "Documents and Settings"), -1);
    assert_int_equal(ost_ntfsfs_stat(fs, "documents and settings\\All Users\\x"), -1);
    assert_int_equal(ost_ntfsfs_stat(fs, "Windows\\link"), -1);
    assert_int_equal(ost_ntfsfs_stat(fs, "Windows\\System32\\compact.dll"), -1);
    char *src = ost_path_join(f->dir, "src");
    t_write_str(src, "new");
    assert_int_equal(ost_ntfsfs_write_file(fs, "Documents and Settings\\All Users\\x", src, &err),
                     OST_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "Documents and Settings: a reparse point (a junction) is not followed"));
    uint8_t *data;
    size_t size;
    assert_int_equal(ost_ntfsfs_read_file(fs, "Windows\\link", 100, &data, &size, &err), OST_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "symbolic link"));
    assert_int_equal(ost_ntfsfs_write_file(fs, "Windows\\System32\\compact.dll", src, &err), OST_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "WOF-compressed"));
    assert_int_not_equal(ost_ntfsfs_remove_file(fs, "Windows\\link", &err), OST_OK);
    struct ost_strlist names = {0};
    assert_int_equal(ost_ntfsfs_list_dir(fs, "Documents and Settings", &names, &err), OST_ERR_UNSUPPORTED);
    ost_strlist_free(&names);
    close_fs(f, fs);
    free(src);
    assert_ntfsfix_clean(f->vol);
    /* nothing was written through the junction */
    char *ls = ntfsls(f->vol, "/");
    assert_false(has_line(ls, "All Users"));
    free(ls);
}

/* A file blockio whose writes fail once `left` have been let through. */
static void test_failing_writes(void **state)
{
    SKIP_WITHOUT_TOOLS();
    struct fixture *f = *state;
    windows_volume(f);
    char *pristine = ost_path_join(f->dir, "pristine.img");
    t_copy(f->vol, pristine);
    char *src = ost_path_join(f->dir, "src");
    uint8_t content[100000];
    memset(content, 0x5A, sizeof content);
    t_write(src, content, sizeof content);
    int reached_write = 0;
    for (int budget = 0; budget < 40; budget += (budget < 10 ? 1 : 5)) {
        t_copy(pristine, f->vol);
        struct ost_blockio file;
        struct t_spy fl;
        struct ost_error err;
        assert_ost_ok(ost_blockio_open_file(f->vol, true, &file, &err), &err);
        struct ost_blockio bio = t_spy_over(&fl, &file, budget);
        struct ost_ntfsfs *fs = NULL;
        ost_status st = ost_ntfsfs_open(&bio, true, false, &fs, &err);
        if (st != OST_OK) {
            assert_null(fs);
            assert_true(fl.failures > 0);
            assert_non_null(strstr(err.message, "injected write failure"));
            ost_blockio_close(&file);
            continue;
        }
        reached_write++;
        ost_status wst = ost_ntfsfs_write_file(fs, "Windows\\System32\\drivers\\new.sys", src, &err);
        if (wst != OST_OK)
            assert_non_null(strstr(err.message, "injected write failure"));
        struct ost_error cerr;
        ost_status cst = ost_ntfsfs_close(fs, &cerr);
        /* whatever failed, close says so */
        if (fl.failures > 0) {
            assert_int_not_equal(cst, OST_OK);
            assert_non_null(strstr(cerr.message, "injected write failure"));
        } else {
            assert_int_equal(cst, OST_OK);
            assert_int_equal(wst, OST_OK);
        }
        ost_blockio_close(&file);
    }
    assert_true(reached_write > 0);
    free(src), free(pristine);
}

static void test_volume_in_a_window(void **state)
{
    SKIP_WITHOUT_TOOLS();
    struct fixture *f = *state;
    windows_volume(f);
    /* a disk: 1 MiB of 0xEE, the volume, 1 MiB of 0xEE */
    char *disk = ost_path_join(f->dir, "disk.img");
    uint8_t *fill = ost_xmalloc(1u << 20);
    memset(fill, 0xEE, 1u << 20);
    uint8_t *volbytes;
    size_t vol_n;
    struct ost_error err;
    assert_ost_ok(ost_read_file(f->vol, VOLUME_SIZE, &volbytes, &vol_n, &err), &err);
    FILE *d = fopen(disk, "wb");
    assert_non_null(d);
    assert_int_equal(fwrite(fill, 1, 1u << 20, d), 1u << 20);
    assert_int_equal(fwrite(volbytes, 1, vol_n, d), vol_n);
    assert_int_equal(fwrite(fill, 1, 1u << 20, d), 1u << 20);
    assert_int_equal(fclose(d), 0);
    free(volbytes);

    struct ost_blockio whole, part;
    assert_ost_ok(ost_blockio_open_file(disk, true, &whole, &err), &err);
    assert_ost_ok(ost_blockio_window(&whole, 1u << 20, vol_n, "disk.img partition 1", &part, &err), &err);
    struct ost_ntfs_probe p;
    assert_ost_ok(ost_ntfsfs_probe(&part, &p, &err), &err);
    assert_true(p.is_ntfs);
    assert_string_equal(p.label, "TESTVOL");
    struct ost_ntfsfs *fs;
    assert_ost_ok(ost_ntfsfs_open(&part, true, false, &fs, &err), &err);
    char *src = ost_path_join(f->dir, "src");
    t_write_str(src, "inside the partition");
    assert_ost_ok(ost_ntfsfs_write_file(fs, "Windows\\INF\\oem7.inf", src, &err), &err);
    assert_int_equal(ost_ntfsfs_stat(fs, "Windows\\System32\\config\\SYSTEM"), 1);
    /* messages name the partition */
    uint8_t *data;
    size_t size;
    assert_int_not_equal(ost_ntfsfs_read_file(fs, "Windows\\absent", 10, &data, &size, &err), OST_OK);
    assert_non_null(strstr(err.message, "disk.img partition 1"));
    assert_ost_ok(ost_ntfsfs_close(fs, &err), &err);
    ost_blockio_close(&part);

    uint8_t *around = ost_xmalloc(1u << 20);
    assert_ost_ok(ost_blockio_read(&whole, around, 1u << 20, 0, &err), &err);
    assert_memory_equal(around, fill, 1u << 20);
    assert_ost_ok(ost_blockio_read(&whole, around, 1u << 20, (1u << 20) + vol_n, &err), &err);
    assert_memory_equal(around, fill, 1u << 20);
    /* the partition's bytes, read back by ntfs-3g's tools */
    uint8_t *out = ost_xmalloc(vol_n);
    assert_ost_ok(ost_blockio_read(&whole, out, vol_n, 1u << 20, &err), &err);
    ost_blockio_close(&whole);
    char *extracted = ost_path_join(f->dir, "part.img");
    t_write(extracted, out, vol_n);
    assert_ntfsfix_clean(extracted);
    size_t got_n;
    char *got = ntfscat(extracted, "/Windows/INF/oem7.inf", &got_n);
    assert_non_null(got);
    assert_int_equal(got_n, strlen("inside the partition"));
    assert_memory_equal(got, "inside the partition", got_n);
    free(got), free(out), free(extracted), free(around), free(src), free(fill), free(disk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_case_insensitive_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_dir_leaves_out_dos_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_new_file_inherits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_entries_inherit_like_windows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_set_descriptor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_keeps_descriptor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compressed_and_encrypted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hibernated_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dirty_refused_unless_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bitlocker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_boot_sectors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_blockio_is_not_ntfs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reparse_points_not_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_volume_in_a_window, setup, teardown),
    };
    t_disk_tools_env();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
