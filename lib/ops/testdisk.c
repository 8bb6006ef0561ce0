/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE /* SEEK_DATA */
/* The test tree on a partitioned virtual disk (testimage.h), made without
 * root: every volume is a file of its own until it is copied into the disk. */
#include "testimage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wimlib.h>

#include "blockio.h"
#include "fileutil.h"
#include "interrupt.h"
#include "ntfsfs.h"
#include "run.h"
#include "scratch.h"
#include "secdesc.h"
#include "util.h"

#define MIB (1024u * 1024u)
#define SECTOR 512u

/* ---- the tools ------------------------------------------------------------------ */

/* mkntfs, sfdisk and mkfs.fat live there and need no root on a file */
#define SBIN "/usr/local/sbin:/usr/sbin:/sbin"

enum tool { MKNTFS, SFDISK, MKFS_FAT, MMD, MCOPY, QEMU_IMG, NTOOLS };

static const struct {
    const char *name, *package;
} tools[NTOOLS] = {
    [MKNTFS] = {"mkntfs", "ntfs-3g"},     [SFDISK] = {"sfdisk", "fdisk"},  [MKFS_FAT] = {"mkfs.fat", "dosfstools"},
    [MMD] = {"mmd", "mtools"},            [MCOPY] = {"mcopy", "mtools"},   [QEMU_IMG] = {"qemu-img", "qemu-utils"},
};

struct runner {
    char *path[NTOOLS];
    char **env;          /* environ with MTOOLS_SKIP_CHECK=1 and LC_ALL=C */
};

static ost_status find_tools(struct runner *r, const bool need[NTOOLS], struct ost_error *err)
{
    struct ost_buf missing = {0};
    const char *last_package = "";
    for (int t = 0; t < NTOOLS; t++) {
        if (!need[t] || (r->path[t] = ost_find_program(tools[t].name, SBIN)) != NULL)
            continue;
        if (!strcmp(last_package, tools[t].package))
            continue; /* mmd and mcopy: one package named once */
        last_package = tools[t].package;
        ost_buf_addf(&missing, "%s%s (Debian package %s)", missing.len ? ", " : "", tools[t].name, tools[t].package);
    }
    if (!missing.len)
        return OST_OK;
    char *list = ost_buf_steal(&missing);
    ost_status st = ost_fail(err, OST_ERR_UNSUPPORTED,
                             "making a test disk needs %s: not found in PATH, /usr/sbin or /sbin; install it", list);
    free(list);
    return st;
}

static void make_env(struct runner *r)
{
    /* mtools refuses a FAT image whose geometry does not match a floppy's unless told */
    static const char *const add[] = {"MTOOLS_SKIP_CHECK=1", "LC_ALL=C", NULL};
    r->env = ost_run_environment(NULL, add, 0);
}

/* Runs a tool, its stdin from stdin_text (or /dev/null), its stdout
 * dropped; a failure quotes the end of its stderr. It shares the command's
 * process group: a Ctrl-C reaches it too, and it simply fails. */
static ost_status run(struct runner *r, enum tool t, const char *const *args, const char *stdin_text,
                      const char *what, struct ost_error *err)
{
    size_t n = 0;
    while (args[n])
        n++;
    const char **argv = ost_xcalloc(n + 2, sizeof *argv);
    argv[0] = tools[t].name;
    memcpy(argv + 1, args, n * sizeof *argv);
    struct ost_run job = {.path = r->path[t], .argv = (char *const *)argv, .env = r->env, .stdin_text = stdin_text};
    struct ost_run_result res;
    ost_status st = ost_run_program(&job, what, &res, err);
    if (st == OST_OK && res.exit_status != 0) {
        char *tail = ost_str_trim(res.errout);
        if (strlen(tail) > 400)
            tail += strlen(tail) - 400;
        for (char *c = tail; *c; c++)
            if (*c == '\n')
                *c = ' ';
        st = ost_fail(err, OST_ERR_IO, "%s: %s failed (%s)%s%s", what, tools[t].name,
                      res.exit_status < 0 ? "killed by a signal" : "exit status", *tail ? ": " : "", tail);
    }
    ost_run_result_free(&res);
    free(argv);
    return st;
}

/* ---- the layout ------------------------------------------------------------------ */

enum fs { FS_NONE, FS_NTFS, FS_FAT32 };

struct part {
    uint64_t start, size; /* bytes */
    const char *type, *role, *label, *holds;
    enum fs fs;
    bool active;
    uint8_t guid[16];
    char *image;          /* the volume file */
    const char *source;   /* the folder copied onto it; NULL for an empty volume */
};

struct layout {
    bool gpt;
    uint64_t size;
    unsigned n, system, windows; /* system, windows: 0-based indexes */
    struct part p[4];
    uint8_t disk_guid[16];
    uint32_t mbr_signature;
};

#define TYPE_ESP "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define TYPE_MSR "E3C9E316-0B5C-4DB8-817D-F92DF00215AE"
#define TYPE_BASIC "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"
#define TYPE_RECOVERY "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC"

static void add_part(struct layout *l, uint64_t start_mib, uint64_t size_mib, const char *type, const char *role,
                     enum fs fs, const char *label)
{
    struct part *p = &l->p[l->n++];
    p->start = start_mib * MIB;
    p->size = size_mib * MIB;
    p->type = type, p->role = role, p->fs = fs, p->label = label;
}

/* Sizes as Windows Setup makes them where it matters (a 100 MiB System
 * Reserved and ESP, a 16 MiB MSR), the rest kept small for tests; every
 * partition 1 MiB aligned. */
static void plan(struct layout *l, const struct ost_test_disk_options *d)
{
    memset(l, 0, sizeof *l);
    l->gpt = d->partitioning == OST_TEST_DISK_GPT;
    if (l->gpt) {
        l->size = 352 * (uint64_t)MIB;
        add_part(l, 1, 100, TYPE_ESP, "EFI system partition", FS_FAT32, "SYSTEM");
        add_part(l, 101, 16, TYPE_MSR, "Microsoft reserved", FS_NONE, NULL);
        add_part(l, 117, 200, TYPE_BASIC, "Windows", FS_NTFS, "Windows");
        add_part(l, 317, 32, TYPE_RECOVERY, "Recovery", FS_NTFS, "Recovery");
        l->system = 0, l->windows = 2;
    } else if (d->system_partition) {
        l->size = 320 * (uint64_t)MIB;
        add_part(l, 1, 100, "07", "System Reserved", FS_NTFS, "System Reserved");
        add_part(l, 101, 219, "07", "Windows", FS_NTFS, "Windows");
        l->system = 0, l->windows = 1;
    } else {
        l->size = 256 * (uint64_t)MIB;
        add_part(l, 1, 255, "07", "Windows", FS_NTFS, "Windows");
        l->system = l->windows = 0;
    }
    l->p[l->system].active = !l->gpt;
}

/* Random identifiers, as Windows gives every disk and partition: a
 * version 4 GUID in its on-disk byte order (the first three fields little
 * endian), an MBR signature that is not 0. */
static void random_bytes(void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t got = getrandom(p, n, 0);
        if (got > 0)
            p += got, n -= (size_t)got;
    }
}

static void random_guid(uint8_t g[16])
{
    random_bytes(g, 16);
    g[7] = (uint8_t)((g[7] & 0x0f) | 0x40);
    g[8] = (uint8_t)((g[8] & 0x3f) | 0x80);
}

static char *guid_text(const uint8_t g[16])
{
    return ost_xasprintf("%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", ost_le32(g), ost_le16(g + 4),
                         ost_le16(g + 6), g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

static char *sfdisk_script(const struct layout *l)
{
    struct ost_buf b = {0};
    if (l->gpt) {
        char *id = guid_text(l->disk_guid);
        ost_buf_addf(&b, "label: gpt\nlabel-id: %s\nunit: sectors\n", id);
        free(id);
    } else {
        ost_buf_addf(&b, "label: dos\nlabel-id: 0x%08x\nunit: sectors\n", l->mbr_signature);
    }
    for (unsigned i = 0; i < l->n; i++) {
        const struct part *p = &l->p[i];
        ost_buf_addf(&b, "start=%llu, size=%llu, type=%s", (unsigned long long)(p->start / SECTOR),
                     (unsigned long long)(p->size / SECTOR), p->type);
        if (l->gpt) {
            char *id = guid_text(p->guid);
            /* the names diskpart gives them; Recovery is required and gets no drive letter */
            ost_buf_addf(&b, ", uuid=%s, name=\"%s\"", id,
                         !strcmp(p->type, TYPE_ESP)   ? "EFI system partition"
                         : !strcmp(p->type, TYPE_MSR) ? "Microsoft reserved partition"
                                                      : "Basic data partition");
            if (!strcmp(p->type, TYPE_RECOVERY))
                ost_buf_adds(&b, ", attrs=\"RequiredPartition GUID:63\"");
            free(id);
        }
        if (p->active)
            ost_buf_adds(&b, ", bootable");
        ost_buf_addc(&b, '\n');
    }
    return ost_buf_steal(&b);
}

/* ---- the volumes ------------------------------------------------------------------ */

static ost_status new_sparse_file(const char *path, uint64_t size, struct ost_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ftruncate(fd, (off_t)size) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", path, strerror(e));
    }
    close(fd);
    return OST_OK;
}

/* Captures the folder with libwim and applies it to the NTFS volume with
 * libwim's NTFS-3G mode, which writes real NTFS metadata (security
 * descriptors, short names, attributes) where a Linux copy could not. */
static ost_status fill_ntfs(const char *volume, const char *source, struct ost_error *err)
{
    wimlib_global_init(WIMLIB_INIT_FLAG_DEFAULT_CASE_INSENSITIVE);
    WIMStruct *w = NULL;
    int r = wimlib_create_new_wim(WIMLIB_COMPRESSION_TYPE_NONE, &w);
    const char *step = "cannot start a WIM";
    if (r == 0) {
        step = "cannot capture the tree";
        r = wimlib_add_image(w, source, "test", NULL, 0);
    }
    if (r == 0) {
        step = "cannot apply the tree to the NTFS volume";
        r = wimlib_extract_image(w, 1, volume, WIMLIB_EXTRACT_FLAG_NTFS);
    }
    wimlib_free(w);
    if (r != 0)
        return ost_fail(err, OST_ERR_IO, "%s: %s (from %s): %s", volume, step, source,
                        wimlib_get_error_string((enum wimlib_error_code)r));
    return OST_OK;
}

/* ---- the descriptors of the Windows tree ------------------------------------- */

/* NT SERVICE\TrustedInstaller, S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464 */
static const uint8_t SID_TRUSTED_INSTALLER[] = {1,    6,    0,    0,    0,    0,    0,    5,    80,   0,    0,    0,
                                                0xb5, 0x89, 0xfb, 0x38, 0x19, 0x84, 0xc2, 0xcb, 0x5c, 0x6c, 0x23, 0x6d,
                                                0x57, 0x00, 0x77, 0x6e, 0xc0, 0x02, 0x64, 0x87};

/* C:\Windows and C:\Windows\System32 as Windows ships them (icacls):
 * owner and group TrustedInstaller, the DACL protected, and inherited by
 * what lies below through inherit-only ACEs with generic rights and
 * CREATOR OWNER. */
static size_t windows_descriptor(uint8_t *sd)
{
    static const uint8_t sy[] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
    static const uint8_t bu[] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x21, 2, 0, 0};
    static const uint8_t co[] = {1, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0};
    static const uint8_t ac[] = {1, 2, 0, 0, 0, 0, 0, 15, 2, 0, 0, 0, 1, 0, 0, 0}; /* ALL APPLICATION PACKAGES */
    const uint8_t *ba = OST_SID_ADMINISTRATORS;
    enum { OICIIO = 0x0B, CIIO = 0x0A };
    static const uint32_t ga = 0x10000000u, grx = 0xA0000000u, modify = 0x1301BFu, rx = 0x1200A9u;
    const struct {
        uint8_t flags;
        uint32_t mask;
        const uint8_t *sid;
        size_t len;
    } aces[] = {
        {0, modify, sy, sizeof sy},   {OICIIO, ga, sy, sizeof sy}, {0, modify, ba, 16},
        {OICIIO, ga, ba, 16},         {0, rx, bu, sizeof bu},      {OICIIO, grx, bu, sizeof bu},
        {OICIIO, ga, co, sizeof co},  {0, rx, ac, sizeof ac},      {OICIIO, grx, ac, sizeof ac},
        {0, 0x1F01FF, SID_TRUSTED_INSTALLER, sizeof SID_TRUSTED_INSTALLER},
        {CIIO, ga, SID_TRUSTED_INSTALLER, sizeof SID_TRUSTED_INSTALLER},
    };
    size_t n = sizeof aces / sizeof aces[0], pos = 28;
    memset(sd, 0, pos);
    sd[0] = 1;
    ost_put_le16(sd + 2, 0x9404); /* self-relative, DACL protected, auto-inherited, present */
    ost_put_le32(sd + 16, 20);
    for (size_t i = 0; i < n; i++) {
        sd[pos] = 0, sd[pos + 1] = aces[i].flags;
        ost_put_le16(sd + pos + 2, (uint16_t)(8 + aces[i].len));
        ost_put_le32(sd + pos + 4, aces[i].mask);
        memcpy(sd + pos + 8, aces[i].sid, aces[i].len);
        pos += 8 + aces[i].len;
    }
    sd[20] = 2;
    ost_put_le16(sd + 22, (uint16_t)(pos - 20));
    ost_put_le16(sd + 24, (uint16_t)n);
    for (unsigned field = 4; field <= 8; field += 4) {
        ost_put_le32(sd + field, (uint32_t)pos);
        memcpy(sd + pos, SID_TRUSTED_INSTALLER, sizeof SID_TRUSTED_INSTALLER);
        pos += sizeof SID_TRUSTED_INSTALLER;
    }
    return pos;
}

/* What lies in dir gets what Windows' inheritance gives it from sd (as
 * if TrustedInstaller had created it), System32 Windows's own. */
static ost_status inherit_below(struct ost_ntfsfs *fs, const char *dir, const uint8_t *sd, size_t n,
                                struct ost_error *err)
{
    struct ost_strlist names = {0};
    ost_status st = ost_ntfsfs_list_dir(fs, dir, &names, err);
    for (size_t i = 0; st == OST_OK && i < names.n; i++) {
        char *path = ost_xasprintf("%s\\%s", dir, names.v[i]);
        bool folder = ost_ntfsfs_stat(fs, path) == 2;
        uint8_t own[512], *child = NULL;
        size_t child_n = 0;
        if (folder && !ost_strcasecmp(path, "Windows\\System32")) {
            child_n = windows_descriptor(own);
        } else {
            st = ost_sd_inherit(path, sd, n, folder, SID_TRUSTED_INSTALLER, SID_TRUSTED_INSTALLER, &child, &child_n,
                                err);
        }
        const uint8_t *use = child ? child : own;
        if (st == OST_OK)
            st = ost_ntfsfs_set_descriptor(fs, path, use, child_n, err);
        if (st == OST_OK && folder)
            st = inherit_below(fs, path, use, child_n, err);
        free(child), free(path);
    }
    ost_strlist_free(&names);
    return st;
}

/* wimlib's NTFS-3G mode gives what it applies from a Linux folder the
 * descriptor libntfs-3g makes up (Everyone: full control); the Windows
 * tree gets Windows's, so that what offstage adds inherits as it would on
 * an installed system. */
static ost_status windows_descriptors(const char *volume, struct ost_error *err)
{
    struct ost_blockio bio;
    ost_status st = ost_blockio_open_file(volume, true, &bio, err);
    if (st != OST_OK)
        return st;
    struct ost_ntfsfs *fs;
    st = ost_ntfsfs_open(&bio, true, false, &fs, err);
    if (st == OST_OK) {
        if (ost_ntfsfs_stat(fs, "Windows") == 2) {
            uint8_t sd[512];
            size_t n = windows_descriptor(sd);
            st = ost_ntfsfs_set_descriptor(fs, "Windows", sd, n, err);
            if (st == OST_OK)
                st = inherit_below(fs, "Windows", sd, n, err);
        }
        struct ost_error close_err;
        ost_status cst = ost_ntfsfs_close(fs, &close_err);
        if (st == OST_OK && cst != OST_OK) {
            st = cst;
            if (err)
                *err = close_err;
        }
    }
    ost_blockio_close(&bio);
    return st;
}

static ost_status make_volume(struct runner *r, const struct part *p, const char *bcd, struct ost_error *err)
{
    char start[24], kib[24];
    ost_format_into(start, sizeof start, "%llu", (unsigned long long)(p->start / SECTOR));
    ost_format_into(kib, sizeof kib, "%llu", (unsigned long long)(p->size / 1024));
    ost_status st = OST_OK;
    if (p->fs == FS_NTFS) {
        /* hidden sectors = the partition's start and the 255/63 geometry, as
         * Windows formats a partition: its boot code reads them */
        const char *args[] = {"-F", "-Q", "-q", "-s", "512", "-p", start, "-H", "255", "-S", "63",
                              "-L", p->label, p->image, NULL};
        st = new_sparse_file(p->image, p->size, err);
        if (st == OST_OK)
            st = run(r, MKNTFS, args, NULL, p->image, err);
        if (st == OST_OK && p->source)
            st = fill_ntfs(p->image, p->source, err);
        if (st == OST_OK && p->source)
            st = windows_descriptors(p->image, err);
    } else if (p->fs == FS_FAT32) {
        const char *mkfs[] = {"-F", "32", "-S", "512", "-h", start, "-n", p->label, "-C", p->image, kib, NULL};
        const char *dirs[] = {"-i", p->image, "::/EFI", "::/EFI/Microsoft", "::/EFI/Microsoft/Boot", NULL};
        const char *copy[] = {"-i", p->image, bcd, "::/EFI/Microsoft/Boot/BCD", NULL};
        unlink(p->image);
        st = run(r, MKFS_FAT, mkfs, NULL, p->image, err);
        if (st == OST_OK)
            st = run(r, MMD, dirs, NULL, p->image, err);
        if (st == OST_OK)
            st = run(r, MCOPY, copy, NULL, p->image, err);
    }
    return st;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Copies the volume into the disk at its offset, leaving its holes and
 * all-zero blocks as the disk's holes so the file stays sparse. */
static ost_status copy_volume(int disk, const char *disk_name, const struct part *p, struct ost_error *err)
{
    int fd = open(p->image, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot open: %s", p->image, strerror(errno));
    enum { BLOCK = 1u << 20 };
    uint8_t *buf = ost_xmalloc(BLOCK);
    ost_status st = OST_OK;
    for (uint64_t off = 0; st == OST_OK && off < p->size;) {
        /* the volume file is sparse too: jump over its holes */
        off_t data = lseek(fd, (off_t)off, SEEK_DATA);
        if (data < 0 && errno == ENXIO)
            break;
        if (data > (off_t)off)
            off = (uint64_t)data; /* EINVAL (no SEEK_DATA here): read on */
        if (off >= p->size)
            break;
        size_t want = p->size - off < BLOCK ? (size_t)(p->size - off) : BLOCK;
        ssize_t got = pread(fd, buf, want, (off_t)off);
        if (got <= 0) {
            st = ost_fail(err, OST_ERR_IO, "%s: offset %llu: cannot read: %s", p->image, (unsigned long long)off,
                          got < 0 ? strerror(errno) : "the volume is shorter than its partition");
            break;
        }
        if (!all_zero(buf, (size_t)got)) {
            for (size_t done = 0; st == OST_OK && done < (size_t)got;) {
                ssize_t w = pwrite(disk, buf + done, (size_t)got - done, (off_t)(p->start + off + done));
                if (w <= 0)
                    st = ost_fail(err, OST_ERR_IO, "%s: offset %llu: cannot write: %s", disk_name,
                                  (unsigned long long)(p->start + off + done), w < 0 ? strerror(errno) : "no progress");
                else
                    done += (size_t)w;
            }
        }
        off += (uint64_t)got;
    }
    free(buf);
    close(fd);
    return st;
}

/* link(2) rather than rename(2): a file that appeared meanwhile under the
 * final name is not replaced. */
static ost_status link_into_place(const char *tmp, const char *file, struct ost_error *err)
{
    if (link(tmp, file) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", file, strerror(errno));
    unlink(tmp);
    char *dir = ost_path_dirname(file);
    struct ost_error ignored; /* the disk is in place; a folder that cannot be synced changes nothing */
    ost_sync_path(dir, &ignored);
    free(dir);
    return OST_OK;
}

static ost_status put_file(const char *dir, const char *rel, const char *from, struct ost_error *err)
{
    char *boot = ost_path_join(dir, "Boot"), *to = ost_path_join(dir, rel);
    ost_status st = OST_OK;
    if (mkdir(boot, 0755) != 0 && errno != EEXIST)
        st = ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", boot, strerror(errno));
    if (st == OST_OK)
        st = ost_copy_file(from, to, err);
    free(boot), free(to);
    return st;
}

/* ---- the disk ------------------------------------------------------------------------ */

static const char *const formats[] = {"raw", "qcow2", "vpc", "vhdx", "vmdk"};

static void fill_result(const struct layout *l, const char *format, struct ost_test_disk_result *out)
{
    memset(out, 0, sizeof *out);
    out->format = format;
    out->size = l->size;
    if (l->gpt) {
        char *id = guid_text(l->disk_guid);
        ost_format_into(out->disk_id, sizeof out->disk_id, "%s", id);
        free(id);
    } else {
        ost_format_into(out->disk_id, sizeof out->disk_id, "0x%08x", l->mbr_signature);
    }
    out->npartitions = l->n;
    for (unsigned i = 0; i < l->n; i++) {
        const struct part *p = &l->p[i];
        struct ost_test_disk_partition *o = &out->partitions[i];
        o->number = i + 1;
        o->start = p->start, o->size = p->size;
        o->type = p->type, o->role = p->role, o->label = p->label, o->active = p->active, o->holds = p->holds;
        o->filesystem = p->fs == FS_NTFS ? "NTFS" : p->fs == FS_FAT32 ? "FAT32" : NULL;
    }
    out->system_partition = l->system + 1;
    out->windows_partition = l->windows + 1;
    out->boot_store = l->gpt ? "EFI\\Microsoft\\Boot\\BCD" : "Boot\\BCD";
}

static void boot_partition(const struct layout *l, const struct part *p, struct ost_test_boot_partition *out)
{
    memset(out, 0, sizeof *out);
    out->gpt = l->gpt;
    memcpy(out->partition_guid, p->guid, 16);
    memcpy(out->disk_guid, l->disk_guid, 16);
    out->offset = p->start;
    out->mbr_signature = l->mbr_signature;
}

/* What is refused before anything is written: the format, the file (it
 * must not exist) and the tools the layout needs, found into r. */
static ost_status preflight(const char *file, const struct ost_test_disk_options *d, const struct layout *l,
                            struct runner *r, struct ost_error *err)
{
    const char *format = d->format ? d->format : "qcow2";
    bool known = false;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        known |= !strcmp(format, formats[i]);
    if (!known)
        return ost_fail(err, OST_ERR_USAGE, "--format is raw, qcow2, vpc (VHD), vhdx or vmdk, not '%s'", format);
    ost_status checked = ost_test_target_check(file, false, err);
    if (checked != OST_OK)
        return checked;
    bool need[NTOOLS] = {[MKNTFS] = true, [SFDISK] = true, [MKFS_FAT] = l->gpt, [MMD] = l->gpt, [MCOPY] = l->gpt,
                         [QEMU_IMG] = strcmp(format, "raw") != 0};
    return find_tools(r, need, err);
}

static void free_layout_and_tools(struct layout *l, struct runner *r)
{
    for (unsigned i = 0; i < l->n; i++)
        free(l->p[i].image);
    for (int t = 0; t < NTOOLS; t++)
        free(r->path[t]);
}

ost_status ost_test_disk_check(const char *file, const struct ost_test_disk_options *d, struct ost_error *err)
{
    struct layout l;
    plan(&l, d);
    struct runner r = {0};
    ost_status st = preflight(file, d, &l, &r, err);
    free_layout_and_tools(&l, &r);
    return st;
}

ost_status ost_make_test_disk(const char *file, const struct ost_test_image_options *img,
                              const struct ost_test_disk_options *d, struct ost_test_disk_result *out,
                              struct ost_error *err)
{
    const char *format = d->format ? d->format : "qcow2";
    bool raw = !strcmp(format, "raw");
    struct layout l;
    plan(&l, d);
    struct runner r = {0};
    ost_status st = preflight(file, d, &l, &r, err);
    /* SIGINT between the steps unwinds through the cleanup below rather
     * than leaving FILE.tmp-XXXXXX; the tools it reaches too simply fail */
    ost_interrupt_defer_begin();
    char *scratch = NULL, *tree = NULL, *bcd = NULL, *sysdir = NULL, *disk = NULL, *tmp = NULL, *script = NULL;
    if (st == OST_OK && !(scratch = ost_scratch_dir_create("test-disk", err)))
        st = err->status ? err->status : OST_ERR_IO;
    if (st == OST_OK) {
        make_env(&r);
        tree = ost_path_join(scratch, "tree");
        bcd = ost_path_join(scratch, "BCD");
        st = ost_make_test_image(tree, img, err);
    }
    if (st == OST_OK) {
        random_guid(l.disk_guid);
        random_bytes(&l.mbr_signature, sizeof l.mbr_signature);
        l.mbr_signature |= 1u;
        for (unsigned i = 0; i < l.n; i++)
            random_guid(l.p[i].guid);
        struct ost_test_boot_store bs = {.uefi = l.gpt};
        boot_partition(&l, &l.p[l.system], &bs.system);
        boot_partition(&l, &l.p[l.windows], &bs.windows);
        random_guid(bs.loader_guid);
        st = ost_write_test_boot_store(bcd, &bs, err);
    }
    /* where the boot store goes: the ESP (mtools), a System Reserved
     * volume of its own, or the Windows volume itself */
    for (unsigned i = 0; st == OST_OK && i < l.n; i++) {
        struct part *p = &l.p[i];
        char name[16];
        ost_format_into(name, sizeof name, "part%u.img", i + 1);
        p->image = ost_path_join(scratch, name);
        if (i == l.windows) {
            p->source = tree;
            p->holds = i == l.system ? "the Windows tree, Boot\\BCD" : "the Windows tree";
        } else if (i == l.system && p->fs == FS_FAT32) {
            p->holds = "EFI\\Microsoft\\Boot\\BCD";
        } else if (i == l.system) {
            sysdir = ost_path_join(scratch, "system");
            if (mkdir(sysdir, 0755) != 0)
                st = ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", sysdir, strerror(errno));
            p->source = sysdir;
            p->holds = "Boot\\BCD";
        }
    }
    if (st == OST_OK && l.p[l.system].fs == FS_NTFS)
        st = put_file(l.system == l.windows ? tree : sysdir, "Boot/BCD", bcd, err);
    for (unsigned i = 0; st == OST_OK && i < l.n; i++)
        if ((st = ost_interrupt_check(file, err)) == OST_OK)
            st = make_volume(&r, &l.p[i], bcd, err);
    /* the raw disk: beside the file when it is the result, else in scratch */
    if (st == OST_OK) {
        disk = raw ? ost_xasprintf("%s.tmp-XXXXXX", file) : ost_path_join(scratch, "disk.raw");
        int fd = raw ? mkstemp(disk) : open(disk, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || ftruncate(fd, (off_t)l.size) != 0 || (raw && fchmod(fd, 0644) != 0)) {
            st = ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", disk, strerror(errno));
            if (fd >= 0)
                close(fd), unlink(disk);
            free(disk), disk = NULL;
        } else {
            close(fd);
        }
    }
    if (st == OST_OK)
        st = ost_interrupt_check(file, err);
    if (st == OST_OK) {
        const char *args[] = {"--no-reread", "--no-tell-kernel", "-q", disk, NULL};
        script = sfdisk_script(&l);
        st = run(&r, SFDISK, args, script, disk, err);
    }
    if (st == OST_OK) {
        int fd = open(disk, O_RDWR | O_CLOEXEC);
        if (fd < 0)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot open: %s", disk, strerror(errno));
        for (unsigned i = 0; st == OST_OK && i < l.n; i++)
            if (l.p[i].fs != FS_NONE)
                st = copy_volume(fd, disk, &l.p[i], err);
        if (fd >= 0 && st == OST_OK && fsync(fd) != 0)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot sync: %s", disk, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    if (st == OST_OK)
        st = ost_interrupt_check(file, err);
    if (st == OST_OK && raw) {
        st = link_into_place(disk, file, err);
    } else if (st == OST_OK) {
        tmp = ost_xasprintf("%s.tmp-XXXXXX", file);
        int fd = mkstemp(tmp);
        if (fd < 0) {
            st = ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
            free(tmp), tmp = NULL;
        } else {
            fchmod(fd, 0644);
            close(fd);
            /* vpc: force_size keeps the size exact instead of rounding it to
             * a CHS geometry; vmdk's default is monolithicSparse */
            const char *vpc[] = {"convert", "-q", "-f", "raw", "-O", "vpc", "-o", "subformat=dynamic,force_size=on",
                                 disk, tmp, NULL};
            const char *other[] = {"convert", "-q", "-f", "raw", "-O", format, disk, tmp, NULL};
            st = run(&r, QEMU_IMG, !strcmp(format, "vpc") ? vpc : other, NULL, file, err);
            if (st == OST_OK)
                st = ost_sync_path(tmp, err);
            if (st == OST_OK)
                st = ost_interrupt_check(file, err);
            if (st == OST_OK)
                st = link_into_place(tmp, file, err);
            /* a Ctrl-C from here on must not say nothing was made */
            if (st == OST_OK)
                ost_interrupt_note_written();
        }
    }
    if (tmp)
        unlink(tmp);
    if (raw && disk)
        unlink(disk);
    if (st == OST_OK)
        fill_result(&l, format, out);
    if (scratch)
        ost_scratch_dir_remove(scratch);
    ost_interrupt_defer_end();
    free_layout_and_tools(&l, &r);
    free(r.env), free(scratch), free(tree), free(bcd), free(sysdir), free(disk), free(tmp), free(script);
    return st;
}
