/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ntfsfs.c — libntfs-3g over a blockio. The boot sector is checked here
 * before libntfs-3g sees it (the layout is Microsoft's "NTFS boot sector",
 * https://learn.microsoft.com/en-us/windows/win32/fileio/master-file-table),
 * so a wrong geometry is a message, not whatever libntfs-3g makes of it.
 *
 * Names are created the way libntfs-3g creates them, in the POSIX
 * namespace and without a DOS 8.3 alias: Windows opens and lists such
 * names like any other, and chkdsk accepts them (they are what every
 * ntfs-3g mount writes).
 */
#include "ntfsfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/cache.h>
#include <ntfs-3g/device.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/security.h>
#include <ntfs-3g/volume.h>

#include "encoding.h"
#include "fileutil.h"
#include "secdesc.h"

#define BOOT_SECTOR_SIZE 512
#define MAX_CLUSTER_SIZE (2u << 20)
#define COPY_CHUNK (1u << 20)

/* Reparse tags (MS-FSCC 2.1.2.1). */
#define TAG_MOUNT_POINT 0xA0000003u
#define TAG_SYMLINK 0xA000000Cu
#define TAG_WOF 0x80000017u

/* Writes held in memory once the device has failed (see dev_pwrite). */
struct held_write {
    uint64_t off;
    size_t len;
    uint8_t *data;
};

#define HELD_MAX (64u << 20)

/* What libntfs-3g's device calls reach: the blockio, a position for
 * seek/read/write, and the first failure, whose message libntfs-3g cannot
 * carry (it only sees errno). */
struct blockdev {
    const struct ost_blockio *bio;
    s64 pos;
    bool failed;
    bool unflushed; /* written since the last successful flush */
    struct ost_error err;
    struct held_write *held;
    size_t n_held, cap_held, held_bytes;
};

static void release_held(struct blockdev *d)
{
    for (size_t i = 0; i < d->n_held; i++)
        free(d->held[i].data);
    free(d->held);
    d->held = NULL;
    d->n_held = d->cap_held = d->held_bytes = 0;
}

/* Later writes win: they are laid over the bytes read in order. */
static void apply_held(const struct blockdev *d, uint8_t *buf, size_t len, uint64_t off)
{
    for (size_t i = 0; i < d->n_held; i++) {
        const struct held_write *h = &d->held[i];
        uint64_t lo = h->off > off ? h->off : off;
        uint64_t hi = h->off + h->len < off + len ? h->off + h->len : off + len;
        if (lo < hi)
            memcpy(buf + (lo - off), h->data + (lo - h->off), (size_t)(hi - lo));
    }
}

struct ost_ntfsfs {
    const struct ost_blockio *bio;
    struct blockdev dev;
    ntfs_volume *vol;
    bool writable;
    struct PERMISSIONS_CACHE *seccache; /* libntfs-3g's security cache; stays empty */
};

static void dev_failed(struct blockdev *d, const struct ost_error *e)
{
    if (!d->failed) {
        d->failed = true;
        d->err = *e;
    }
    errno = EIO;
}

static int dev_open(struct ntfs_device *dev, int flags)
{
    struct blockdev *d = dev->d_private;
    if (NDevOpen(dev)) {
        errno = EBUSY;
        return -1;
    }
    if ((flags & O_ACCMODE) != O_RDONLY) {
        if (!d->bio->pwrite) {
            errno = EROFS;
            return -1;
        }
    } else
        NDevSetReadOnly(dev);
    d->pos = 0;
    NDevSetOpen(dev);
    return 0;
}

static int dev_close(struct ntfs_device *dev)
{
    if (!NDevOpen(dev)) {
        errno = EBADF;
        return -1;
    }
    NDevClearOpen(dev);
    return 0;
}

/* Past the end is refused: libntfs-3g probes the size and the last
 * sector by seeking, and must not be told a sector exists that does not. */
static s64 dev_seek(struct ntfs_device *dev, s64 offset, int whence)
{
    struct blockdev *d = dev->d_private;
    s64 base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? d->pos : whence == SEEK_END ? (s64)d->bio->size : -1;
    if (base < 0 || (offset > 0 && offset > (s64)d->bio->size - base) || base + offset < 0) {
        errno = EINVAL;
        return -1;
    }
    d->pos = base + offset;
    return d->pos;
}

static s64 dev_pread(struct ntfs_device *dev, void *buf, s64 count, s64 offset)
{
    struct blockdev *d = dev->d_private;
    if (count < 0 || offset < 0) {
        errno = EINVAL;
        return -1;
    }
    if ((uint64_t)offset >= d->bio->size || count == 0)
        return 0;
    uint64_t n = d->bio->size - (uint64_t)offset;
    if ((uint64_t)count < n)
        n = (uint64_t)count;
    struct ost_error e;
    if (ost_blockio_read(d->bio, buf, (size_t)n, (uint64_t)offset, &e) != OST_OK) {
        dev_failed(d, &e);
        return -1;
    }
    apply_held(d, buf, (size_t)n, (uint64_t)offset);
    return (s64)n;
}

static s64 dev_pwrite(struct ntfs_device *dev, const void *buf, s64 count, s64 offset)
{
    struct blockdev *d = dev->d_private;
    if (NDevReadOnly(dev)) {
        errno = EROFS;
        return -1;
    }
    if (count < 0 || offset < 0) {
        errno = EINVAL;
        return -1;
    }
    if (count == 0)
        return 0;
    if ((uint64_t)offset >= d->bio->size) {
        errno = ENOSPC;
        return -1;
    }
    uint64_t n = d->bio->size - (uint64_t)offset;
    if ((uint64_t)count < n)
        n = (uint64_t)count;
    /* After a failed write the volume is lost: close reports the first
     * failure, and the caller discards what was written. Later writes are
     * held in memory and read back from there, so that libntfs-3g, which
     * keeps an inode it could not write back allocated, sees a working
     * device and unwinds, freeing everything. */
    if (d->failed && d->held_bytes + n <= HELD_MAX) {
        ost_grow(&d->held, &d->cap_held, d->n_held + 1, sizeof *d->held);
        struct held_write *h = &d->held[d->n_held++];
        h->off = (uint64_t)offset;
        h->len = (size_t)n;
        h->data = ost_xmalloc((size_t)n);
        memcpy(h->data, buf, (size_t)n);
        d->held_bytes += (size_t)n;
        return (s64)n;
    }
    if (d->failed) {
        errno = EIO;
        return -1;
    }
    struct ost_error e;
    NDevSetDirty(dev);
    d->unflushed = true;
    if (ost_blockio_write(d->bio, buf, (size_t)n, (uint64_t)offset, &e) != OST_OK) {
        dev_failed(d, &e);
        return -1;
    }
    return (s64)n;
}

static s64 dev_read(struct ntfs_device *dev, void *buf, s64 count)
{
    struct blockdev *d = dev->d_private;
    s64 n = dev_pread(dev, buf, count, d->pos);
    if (n > 0)
        d->pos += n;
    return n;
}

static s64 dev_write(struct ntfs_device *dev, const void *buf, s64 count)
{
    struct blockdev *d = dev->d_private;
    s64 n = dev_pwrite(dev, buf, count, d->pos);
    if (n > 0)
        d->pos += n;
    return n;
}

static int dev_sync(struct ntfs_device *dev)
{
    struct blockdev *d = dev->d_private;
    if (NDevReadOnly(dev) || !d->unflushed || d->failed)
        return 0;
    struct ost_error e;
    if (ost_blockio_flush(d->bio, &e) != OST_OK) {
        dev_failed(d, &e);
        return -1;
    }
    d->unflushed = false;
    NDevClearDirty(dev);
    return 0;
}

static int dev_stat(struct ntfs_device *dev, struct stat *buf)
{
    struct blockdev *d = dev->d_private;
    memset(buf, 0, sizeof *buf);
    buf->st_mode = S_IFREG | 0600;
    buf->st_size = (off_t)d->bio->size;
    buf->st_blksize = 512;
    return 0;
}

static int dev_ioctl(struct ntfs_device *dev, unsigned long request, void *argp)
{
    struct blockdev *d = dev->d_private;
    if (request == BLKGETSIZE64) {
        *(uint64_t *)argp = d->bio->size;
        return 0;
    }
    errno = ENOTTY;
    return -1;
}

static struct ntfs_device_operations blockdev_ops = {
    .open = dev_open,
    .close = dev_close,
    .seek = dev_seek,
    .read = dev_read,
    .write = dev_write,
    .pread = dev_pread,
    .pwrite = dev_pwrite,
    .sync = dev_sync,
    .stat = dev_stat,
    .ioctl = dev_ioctl,
};

/* --- the boot sector ------------------------------------------------------ */

/* NULL when the geometry is possible; otherwise why not. */
static const char *check_geometry(const uint8_t *bs, uint64_t vol_size, char *why, size_t why_size,
                                  uint64_t *size_out)
{
    unsigned bps = ost_le16(bs + 0x0B);
    unsigned code = bs[0x0D];
    if (bps < 512 || bps > 4096 || (bps & (bps - 1))) {
        ost_format_into(why, why_size, "bytes per sector is %u (not a power of two from 512 to 4096)", bps);
        return why;
    }
    uint64_t spc;
    if (code >= 1 && code <= 0x80 && !(code & (code - 1)))
        spc = code;
    else if (code >= 0xF4)
        spc = 1ull << (256 - code); /* the negative-exponent form of large clusters */
    else {
        ost_format_into(why, why_size, "sectors per cluster code 0x%02x is not valid", code);
        return why;
    }
    if (bps * spc > MAX_CLUSTER_SIZE) {
        ost_format_into(why, why_size, "a cluster of %llu bytes is larger than 2 MiB",
                        (unsigned long long)(bps * spc));
        return why;
    }
    uint64_t sectors = ost_le64(bs + 0x28);
    if (sectors == 0 || sectors > vol_size / bps) {
        ost_format_into(why, why_size, "%llu sectors of %u bytes do not fit in the %llu bytes there are",
                        (unsigned long long)sectors, bps, (unsigned long long)vol_size);
        return why;
    }
    uint64_t clusters = sectors / spc;
    uint64_t mft = ost_le64(bs + 0x30), mirror = ost_le64(bs + 0x38);
    if (mft >= clusters || mirror >= clusters) {
        ost_format_into(why, why_size, "the MFT (cluster %llu) or its mirror (cluster %llu) lies past the last of %llu clusters",
                        (unsigned long long)mft, (unsigned long long)mirror, (unsigned long long)clusters);
        return why;
    }
    *size_out = sectors * bps;
    return NULL;
}

enum volume_kind { VOLUME_NTFS, VOLUME_BITLOCKER, VOLUME_OTHER };

static ost_status read_boot_sector(const struct ost_blockio *bio, enum volume_kind *kind, uint64_t *size, char *why,
                                   size_t why_size, struct ost_error *err)
{
    uint8_t bs[BOOT_SECTOR_SIZE];
    *kind = VOLUME_OTHER;
    *size = 0;
    if (bio->size < BOOT_SECTOR_SIZE) {
        ost_format_into(why, why_size, "it is %llu bytes, smaller than a boot sector", (unsigned long long)bio->size);
        return OST_OK;
    }
    ost_status st = ost_blockio_read(bio, bs, sizeof bs, 0, err);
    if (st != OST_OK)
        return st;
    if (memcmp(bs + 3, "-FVE-FS-", 8) == 0) {
        *kind = VOLUME_BITLOCKER;
        return OST_OK;
    }
    if (memcmp(bs + 3, "NTFS    ", 8) != 0) {
        ost_format_into(why, why_size, "its boot sector has no NTFS signature");
        return OST_OK;
    }
    if (check_geometry(bs, bio->size, why, why_size, size) == NULL)
        *kind = VOLUME_NTFS;
    return OST_OK;
}

/* --- mounting --------------------------------------------------------------- */

static ost_status mount_volume(struct ost_ntfsfs *fs, bool writable, struct ost_error *err)
{
    fs->dev = (struct blockdev){.bio = fs->bio};
    struct ntfs_device *dev = ntfs_device_alloc(fs->bio->name, 0, &blockdev_ops, &fs->dev);
    if (!dev)
        return ost_fail(err, OST_ERR_NOMEM, "%s: cannot allocate an NTFS device", fs->bio->name);
    /* hiberfil.sys is checked by the caller, which also knows "wake" */
    ntfs_volume *vol = ntfs_device_mount(dev, writable ? NTFS_MNT_IGNORE_HIBERFILE : NTFS_MNT_RDONLY);
    if (!vol) {
        int e = errno;
        ntfs_device_free(dev);
        release_held(&fs->dev);
        if (fs->dev.failed) {
            if (err)
                *err = fs->dev.err;
            return fs->dev.err.status;
        }
        if (e == EPERM && writable)
            return ost_fail(err, OST_ERR_UNSUPPORTED,
                            "%s: the NTFS journal ($LogFile) holds changes not yet applied: Windows did not shut "
                            "down fully; boot it and shut down fully (not hibernate or fast startup)",
                            fs->bio->name);
        return ost_fail(err, OST_ERR_CORRUPT, "%s: cannot open the NTFS volume: %s", fs->bio->name, strerror(e));
    }
    ntfs_create_lru_caches(vol);
    if (ntfs_set_ignore_case(vol) != 0) {
        ntfs_umount(vol, FALSE);
        return ost_fail(err, OST_ERR_CORRUPT, "%s: the NTFS upper-case table cannot be used", fs->bio->name);
    }
    /* a listing holds hidden files too, as Windows's own does for a program */
    NVolSetShowHidFiles(vol);
    fs->vol = vol;
    fs->writable = writable;
    return OST_OK;
}

/* Unmounts; the device's first failure wins over libntfs-3g's errno. */
static ost_status unmount_volume(struct ost_ntfsfs *fs, struct ost_error *err)
{
    ost_status st = OST_OK;
    if (fs->vol && ntfs_umount(fs->vol, FALSE) != 0)
        st = ost_fail(err, OST_ERR_IO, "%s: cannot write what the NTFS volume holds back: %s", fs->bio->name,
                      strerror(errno));
    fs->vol = NULL;
    release_held(&fs->dev);
    if (fs->dev.failed) {
        if (err)
            *err = fs->dev.err;
        return fs->dev.err.status;
    }
    if (st == OST_OK && fs->writable && fs->dev.unflushed)
        st = ost_blockio_flush(fs->bio, err);
    return st;
}

static ntfschar *ntfs_name(const char *s, int *len)
{
    struct ost_buf b = {0};
    if (!ost_utf8_to_utf16(&b, s, strlen(s), OST_UTF16LE) || b.len == 0 || b.len / 2 > NTFS_MAX_NAME_LEN) {
        ost_buf_free(&b);
        return NULL;
    }
    *len = (int)(b.len / 2);
    return (ntfschar *)(void *)ost_buf_steal(&b);
}

/* The child's MFT reference, or 0 when absent. */
static u64 lookup(ntfs_inode *dir, const char *name)
{
    int len;
    ntfschar *u = ntfs_name(name, &len);
    if (!u)
        return 0;
    u64 mref = ntfs_inode_lookup_by_name(dir, u, len);
    free(u);
    return mref == (u64)-1 ? 0 : mref;
}

/* 1 hibernated, 0 not, by the first bytes of hiberfil.sys. */
static int hibernated(ntfs_volume *vol)
{
    ntfs_inode *root = ntfs_inode_open(vol, FILE_root);
    if (!root)
        return 0;
    u64 mref = lookup(root, "hiberfil.sys");
    ntfs_inode_close(root);
    if (!mref)
        return 0;
    ntfs_inode *ni = ntfs_inode_open(vol, MREF(mref));
    if (!ni)
        return 0;
    int result = 0;
    ntfs_attr *na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
    char magic[4];
    if (na && na->data_size >= 4 && ntfs_attr_pread(na, 0, 4, magic) == 4)
        result = !memcmp(magic, "hibr", 4) || !memcmp(magic, "HIBR", 4) || !memcmp(magic, "wake", 4) ||
                 !memcmp(magic, "WAKE", 4);
    if (na)
        ntfs_attr_close(na);
    ntfs_inode_close(ni);
    return result;
}

ost_status ost_ntfsfs_probe(const struct ost_blockio *vol, struct ost_ntfs_probe *out, struct ost_error *err)
{
    memset(out, 0, sizeof *out);
    enum volume_kind kind;
    char why[256];
    ost_status st = read_boot_sector(vol, &kind, &out->size, why, sizeof why, err);
    if (st != OST_OK)
        return st;
    out->bitlocker = kind == VOLUME_BITLOCKER;
    out->is_ntfs = kind == VOLUME_NTFS;
    if (!out->is_ntfs)
        return OST_OK;
    struct ost_ntfsfs fs = {.bio = vol};
    struct ost_error ignored;
    if (mount_volume(&fs, false, &ignored) != OST_OK)
        return OST_OK;
    if (fs.vol->vol_name)
        ost_format_into(out->label, sizeof out->label, "%s", fs.vol->vol_name);
    out->dirty = (fs.vol->flags & VOLUME_IS_DIRTY) != 0;
    out->hibernated = hibernated(fs.vol) == 1;
    unmount_volume(&fs, &ignored);
    return OST_OK;
}

ost_status ost_ntfsfs_open(const struct ost_blockio *vol, bool writable, bool allow_dirty, struct ost_ntfsfs **out,
                           struct ost_error *err)
{
    *out = NULL;
    if (writable && !vol->pwrite)
        return ost_fail(err, OST_ERR_USAGE, "%s: opened read-only, so its NTFS volume cannot be written",
                        vol->name);
    enum volume_kind kind;
    uint64_t size;
    char why[256];
    ost_status st = read_boot_sector(vol, &kind, &size, why, sizeof why, err);
    if (st != OST_OK)
        return st;
    if (kind == VOLUME_BITLOCKER)
        return ost_fail(err, OST_ERR_UNSUPPORTED,
                        "%s: the volume is encrypted with BitLocker; decrypt it in Windows (manage-bde -off) first",
                        vol->name);
    if (kind != VOLUME_NTFS)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: not an NTFS volume: %s", vol->name, why);

    struct ost_ntfsfs *fs = ost_xcalloc(1, sizeof *fs);
    fs->bio = vol;
    /* The state is read on a read-only mount first: a writable mount
     * already writes (the journal is reset), and a refused volume must be
     * left as it was. */
    st = mount_volume(fs, false, err);
    if (st == OST_OK) {
        bool hib = hibernated(fs->vol) == 1, dirty = (fs->vol->flags & VOLUME_IS_DIRTY) != 0;
        struct ost_error ignored;
        if (hib)
            st = ost_fail(err, OST_ERR_UNSUPPORTED,
                          "%s: Windows is hibernated (hiberfil.sys holds a saved session, also left by fast "
                          "startup); boot it and shut down fully",
                          vol->name);
        else if (dirty && !allow_dirty)
            st = ost_fail(err, OST_ERR_UNSUPPORTED,
                          "%s: the volume was not shut down cleanly (its dirty flag is set); boot Windows and "
                          "shut it down, or run chkdsk. Or give --force to write it anyway: the flag stays set, so "
                          "Windows checks the volume (chkdsk) at its next boot",
                          vol->name);
        if (st != OST_OK || writable) {
            ost_status ust = unmount_volume(fs, st == OST_OK ? err : &ignored);
            if (st == OST_OK)
                st = ust;
        }
    }
    if (st == OST_OK && writable)
        st = mount_volume(fs, true, err);
    if (st != OST_OK) {
        free(fs);
        return st;
    }
    *out = fs;
    return OST_OK;
}

/* --- paths ------------------------------------------------------------------ */

enum walk_end { WALK_FOUND, WALK_ABSENT, WALK_NOT_DIR, WALK_REPARSE, WALK_BAD_NAME };

struct walk {
    struct ost_strlist comps;
    ntfs_inode *ni;   /* the inode reached: the whole path, or the last folder that exists */
    size_t depth;     /* components resolved */
    enum walk_end end;
    uint32_t tag;     /* WALK_REPARSE: the reparse tag, 0 when unreadable */
};

static bool split_path(const char *path, struct ost_strlist *comps)
{
    const char *p = path;
    while (*p) {
        while (*p == '\\' || *p == '/')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, "\\/");
        char *c = ost_xstrndup(p, n);
        ost_strlist_add_owned(comps, c);
        if (!strcmp(c, ".") || !strcmp(c, ".."))
            return false;
        p += n;
    }
    return true;
}

static bool is_dir(const ntfs_inode *ni)
{
    return (ni->mrec->flags & MFT_RECORD_IS_DIRECTORY) != 0;
}

static uint32_t reparse_tag(ntfs_inode *ni)
{
    s64 len = 0;
    uint8_t *data = ntfs_attr_readall(ni, AT_REPARSE_POINT, AT_UNNAMED, 0, &len);
    uint32_t tag = data && len >= 4 ? ost_le32(data) : 0;
    free(data);
    return tag;
}

/* Walks path from the root, component by component, stopping at a
 * reparse point (whatever it leads to, it is not this volume's file). */
static void walk_path(struct ost_ntfsfs *fs, const char *path, struct walk *w)
{
    memset(w, 0, sizeof *w);
    if (!split_path(path, &w->comps)) {
        w->end = WALK_BAD_NAME;
        return;
    }
    w->ni = ntfs_inode_open(fs->vol, FILE_root);
    if (!w->ni) {
        w->end = WALK_ABSENT;
        return;
    }
    for (; w->depth < w->comps.n; w->depth++) {
        if (!is_dir(w->ni)) {
            w->end = WALK_NOT_DIR;
            return;
        }
        int len;
        ntfschar *u = ntfs_name(w->comps.v[w->depth], &len);
        if (!u) {
            w->end = WALK_BAD_NAME;
            return;
        }
        u64 mref = ntfs_inode_lookup_by_name(w->ni, u, len);
        free(u);
        ntfs_inode *child = mref == (u64)-1 ? NULL : ntfs_inode_open(fs->vol, MREF(mref));
        if (!child) {
            w->end = WALK_ABSENT;
            return;
        }
        if (child->flags & FILE_ATTR_REPARSE_POINT) {
            w->tag = reparse_tag(child);
            ntfs_inode_close(child);
            ntfs_inode_close(w->ni);
            w->ni = NULL;
            w->depth++;
            w->end = WALK_REPARSE;
            return;
        }
        ntfs_inode_close(w->ni);
        w->ni = child;
    }
    w->end = WALK_FOUND;
}

static void walk_done(struct walk *w)
{
    if (w->ni)
        ntfs_inode_close(w->ni);
    w->ni = NULL;
    ost_strlist_free(&w->comps);
}

/* The first n components, '\'-joined, for messages. */
static char *prefix(const struct walk *w, size_t n)
{
    struct ost_buf b = {0};
    for (size_t i = 0; i < n && i < w->comps.n; i++) {
        if (i)
            ost_buf_addc(&b, '\\');
        ost_buf_adds(&b, w->comps.v[i]);
    }
    return ost_buf_steal(&b);
}

static const char *reparse_kind(uint32_t tag)
{
    switch (tag) {
    case TAG_MOUNT_POINT:
        return "a junction";
    case TAG_SYMLINK:
        return "a symbolic link";
    case TAG_WOF:
        return "a WOF-compressed file (compact OS; expand it in Windows with compact /u /exe:lzx)";
    default:
        return "of an unknown kind";
    }
}

/* The message for a walk that did not reach what the caller wanted. */
static ost_status walk_fail(struct ost_ntfsfs *fs, const struct walk *w, const char *path, struct ost_error *err)
{
    char *pre = prefix(w, w->depth);
    ost_status st;
    switch (w->end) {
    case WALK_REPARSE:
        st = ost_fail(err, OST_ERR_UNSUPPORTED, "%s: %s: a reparse point (%s) is not followed%s%s", fs->bio->name,
                      pre, reparse_kind(w->tag), w->depth < w->comps.n ? ", so it cannot reach " : "",
                      w->depth < w->comps.n ? path : "");
        break;
    case WALK_NOT_DIR:
        st = ost_fail(err, OST_ERR_IO, "%s: %s: a file, where %s needs a folder", fs->bio->name, pre, path);
        break;
    case WALK_BAD_NAME:
        st = ost_fail(err, OST_ERR_USAGE, "%s: %s: not a valid path on an NTFS volume", fs->bio->name, path);
        break;
    default:
        st = ost_fail(err, OST_ERR_IO, "%s: %s: no such file or folder", fs->bio->name, path);
        break;
    }
    free(pre);
    return st;
}

int ost_ntfsfs_stat(struct ost_ntfsfs *fs, const char *path)
{
    struct walk w;
    walk_path(fs, path, &w);
    int r = 0;
    if (w.end == WALK_FOUND)
        r = is_dir(w.ni) ? 2 : 1;
    else if (w.end == WALK_REPARSE || w.end == WALK_BAD_NAME)
        r = -1;
    walk_done(&w);
    return r;
}

/* Opens path's unnamed data for reading: a file, not a reparse point, not
 * encrypted. */
static ost_status open_data(struct ost_ntfsfs *fs, const char *path, struct walk *w, ntfs_attr **na,
                            struct ost_error *err)
{
    *na = NULL;
    walk_path(fs, path, w);
    if (w->end != WALK_FOUND)
        return walk_fail(fs, w, path, err);
    if (is_dir(w->ni))
        return ost_fail(err, OST_ERR_IO, "%s: %s: a folder, not a file", fs->bio->name, path);
    if (w->ni->flags & FILE_ATTR_ENCRYPTED)
        return ost_fail(err, OST_ERR_UNSUPPORTED,
                        "%s: %s: encrypted (EFS), so its content cannot be read here; decrypt it in Windows first",
                        fs->bio->name, path);
    *na = ntfs_attr_open(w->ni, AT_DATA, AT_UNNAMED, 0);
    if (!*na) {
        if (fs->dev.failed) {
            if (err)
                *err = fs->dev.err;
            return fs->dev.err.status;
        }
        return ost_fail(err, OST_ERR_IO, "%s: %s: cannot open its data: %s", fs->bio->name, path, strerror(errno));
    }
    return OST_OK;
}

static ost_status read_failed(struct ost_ntfsfs *fs, const char *path, const char *what, struct ost_error *err)
{
    int e = errno;
    if (fs->dev.failed) {
        if (err)
            *err = fs->dev.err;
        return fs->dev.err.status;
    }
    return ost_fail(err, OST_ERR_IO, "%s: %s: cannot %s: %s", fs->bio->name, path, what, strerror(e));
}

ost_status ost_ntfsfs_read_file(struct ost_ntfsfs *fs, const char *path, size_t max_size, uint8_t **data,
                                size_t *size, struct ost_error *err)
{
    *data = NULL;
    *size = 0;
    struct walk w;
    ntfs_attr *na;
    ost_status st = open_data(fs, path, &w, &na, err);
    if (st == OST_OK && (uint64_t)na->data_size > max_size)
        st = ost_fail(err, OST_ERR_LIMIT, "%s: %s: %lld bytes, more than the %zu this reads", fs->bio->name, path,
                      (long long)na->data_size, max_size);
    uint8_t *buf = NULL;
    if (st == OST_OK) {
        size_t n = (size_t)na->data_size;
        buf = ost_xmalloc(n + 1);
        size_t done = 0;
        while (st == OST_OK && done < n) {
            s64 r = ntfs_attr_pread(na, (s64)done, (s64)(n - done), buf + done);
            if (r <= 0)
                st = read_failed(fs, path, "read", err);
            else
                done += (size_t)r;
        }
        buf[n] = 0;
        if (st == OST_OK) {
            *data = buf;
            *size = n;
            buf = NULL;
        }
    }
    free(buf);
    if (na)
        ntfs_attr_close(na);
    walk_done(&w);
    return st;
}

ost_status ost_ntfsfs_extract(struct ost_ntfsfs *fs, const char *path, uint64_t max_size, const char *dest,
                              struct ost_error *err)
{
    struct walk w;
    ntfs_attr *na;
    ost_status st = open_data(fs, path, &w, &na, err);
    if (st == OST_OK && (uint64_t)na->data_size > max_size)
        st = ost_fail(err, OST_ERR_LIMIT, "%s: %s: %lld bytes, more than the %llu this copies", fs->bio->name, path,
                      (long long)na->data_size, (unsigned long long)max_size);
    int fd = -1;
    if (st == OST_OK) {
        fd = open(dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", dest, strerror(errno));
    }
    if (st == OST_OK) {
        uint8_t *buf = ost_xmalloc(COPY_CHUNK);
        s64 off = 0;
        while (st == OST_OK && off < na->data_size) {
            s64 want = na->data_size - off < COPY_CHUNK ? na->data_size - off : COPY_CHUNK;
            s64 r = ntfs_attr_pread(na, off, want, buf);
            if (r <= 0)
                st = read_failed(fs, path, "read", err);
            else if (ost_write_all(fd, buf, (size_t)r) != 0)
                st = ost_fail(err, OST_ERR_IO, "%s: cannot write: %s", dest, strerror(errno));
            else
                off += r;
        }
        free(buf);
        if (close(fd) != 0 && st == OST_OK)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot write: %s", dest, strerror(errno));
        if (st != OST_OK)
            unlink(dest);
    }
    if (na)
        ntfs_attr_close(na);
    walk_done(&w);
    return st;
}

struct dir_names {
    struct ost_strlist *names;
};

static int add_name(void *ctx, const ntfschar *name, const int name_len, const int name_type, const s64 pos,
                    const MFT_REF mref, const unsigned dt_type)
{
    (void)pos, (void)dt_type;
    struct dir_names *d = ctx;
    if (name_type == FILE_NAME_DOS || MREF(mref) < FILE_first_user)
        return 0; /* the 8.3 alias of a long name; the volume's own metadata files */
    char *s = ost_utf16le_to_utf8((const uint8_t *)name, (size_t)name_len * 2);
    if (strcmp(s, ".") && strcmp(s, ".."))
        ost_strlist_add_owned(d->names, s);
    else
        free(s);
    return 0;
}

ost_status ost_ntfsfs_list_dir(struct ost_ntfsfs *fs, const char *path, struct ost_strlist *names,
                               struct ost_error *err)
{
    struct walk w;
    walk_path(fs, path, &w);
    ost_status st = OST_OK;
    if (w.end != WALK_FOUND)
        st = walk_fail(fs, &w, path, err);
    else if (!is_dir(w.ni))
        st = ost_fail(err, OST_ERR_IO, "%s: %s: a file, not a folder", fs->bio->name, path);
    if (st == OST_OK) {
        struct dir_names d = {names};
        s64 pos = 0;
        /* Case-insensitive, libntfs-3g lists names lower-cased; the names
         * as stored are wanted, and lookups are not made while it lists. */
        NVolSetCaseSensitive(fs->vol);
        int r = ntfs_readdir(w.ni, &pos, &d, add_name);
        NVolClearCaseSensitive(fs->vol);
        if (r != 0)
            st = read_failed(fs, path, "list the folder", err);
    }
    walk_done(&w);
    return st;
}

/* --- writing ---------------------------------------------------------------- */

static ost_status write_failed(struct ost_ntfsfs *fs, const char *path, const char *what, struct ost_error *err)
{
    return read_failed(fs, path, what, err);
}

static struct SECURITY_CONTEXT security_context(struct ost_ntfsfs *fs)
{
    struct SECURITY_CONTEXT scx;
    memset(&scx, 0, sizeof scx);
    scx.vol = fs->vol;
    scx.pseccache = &fs->seccache;
    return scx;
}

/* A security id to create a child of dir with, before its own descriptor
 * is set: the folder's own, which is in $Secure already, so nothing is
 * added that no file uses. libntfs-3g's inherited id only when the folder
 * has none (a descriptor of the NTFS 1.x kind, in the folder's record). */
static le32 creation_id(struct ost_ntfsfs *fs, ntfs_inode *dir, bool fordir)
{
    if (dir->security_id)
        return dir->security_id;
    struct SECURITY_CONTEXT scx = security_context(fs);
    return ntfs_inherited_id(&scx, dir, fordir);
}

/* ni's self-relative descriptor, malloc'd. */
static ost_status read_descriptor(struct ost_ntfsfs *fs, ntfs_inode *ni, const char *path, const char *whose,
                                  char **sd, size_t *n, struct ost_error *err)
{
    struct SECURITY_CONTEXT scx = security_context(fs);
    int len = ntfs_get_ntfs_acl(&scx, ni, NULL, 0);
    char *buf = len > 0 ? ost_xmalloc((size_t)len) : NULL;
    if (!buf || ntfs_get_ntfs_acl(&scx, ni, buf, (size_t)len) != len) {
        free(buf);
        char *what = ost_xasprintf("read the security descriptor of %s", whose);
        ost_status st = read_failed(fs, path, what, err);
        free(what);
        return st;
    }
    *sd = buf;
    *n = (size_t)len;
    return OST_OK;
}

/* The descriptor Windows would give a new child of dir (secdesc.h), into
 * *sd: libntfs-3g's ntfs_inherited_id (2022.10) marks nothing
 * INHERITED_ACE below a folder without SE_DACL_AUTO_INHERITED (one that
 * libntfs-3g or wimlib made), leaves NO_PROPAGATE_INHERIT_ACE on inherited
 * ACEs, maps no generic rights of CREATOR OWNER's ACEs, and inherits no
 * SACL. With no user mapping,
 * as libntfs-3g does for uid 0, the owner and group are Administrators, as
 * for a file an administrator creates. */
static ost_status inherited_descriptor(struct ost_ntfsfs *fs, ntfs_inode *dir, bool fordir, const char *shown,
                                       uint8_t **sd, size_t *sd_n, struct ost_error *err)
{
    char *parent;
    size_t n;
    ost_status st = read_descriptor(fs, dir, shown, "its folder", &parent, &n, err);
    if (st != OST_OK)
        return st;
    char *name = ost_xasprintf("%s: %s: the security descriptor of its folder", fs->bio->name, shown);
    st = ost_sd_inherit(name, (const uint8_t *)parent, n, fordir, OST_SID_ADMINISTRATORS, OST_SID_ADMINISTRATORS, sd,
                        sd_n, err);
    free(name), free(parent);
    return st;
}

/* A name Windows can open ("Naming Files, Paths, and Namespaces",
 * https://learn.microsoft.com/en-us/windows/win32/fileio/naming-a-file):
 * no control characters, none of <>:"/\|?*, no trailing dot or space. */
static bool win32_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || name[n - 1] == '.' || name[n - 1] == ' ')
        return false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || strchr("<>:\"/\\|?*", *p))
            return false;
    return true;
}

static ntfs_inode *create_child(struct ost_ntfsfs *fs, ntfs_inode *dir, const char *name, bool fordir,
                                const char *shown, struct ost_error *err)
{
    int len;
    ntfschar *u = win32_name(name) ? ntfs_name(name, &len) : NULL;
    if (!u) {
        ost_fail(err, OST_ERR_USAGE, "%s: %s: not a name Windows can open", fs->bio->name, shown);
        return NULL;
    }
    /* computed first: a folder whose descriptor cannot be read or is
     * malformed gets no child at all */
    uint8_t *sd = NULL;
    size_t sd_n = 0;
    if (inherited_descriptor(fs, dir, fordir, shown, &sd, &sd_n, err) != OST_OK) {
        free(u);
        return NULL;
    }
    struct SECURITY_CONTEXT scx = security_context(fs);
    le32 securid = creation_id(fs, dir, fordir);
    ntfs_inode *ni = NULL;
    if (!securid)
        write_failed(fs, shown, "compute the security descriptor inherited from its folder", err);
    else if (!(ni = ntfs_create(dir, securid, u, (u8)len, fordir ? S_IFDIR : S_IFREG)))
        write_failed(fs, shown, fordir ? "create the folder" : "create the file", err);
    free(u);
    if (ni && ntfs_set_ntfs_acl(&scx, ni, (const char *)sd, sd_n, 0) != 0) {
        /* the entry stays, with its folder's descriptor; the write fails */
        write_failed(fs, shown, "set its security descriptor", err);
        ntfs_inode_close(ni);
        ni = NULL;
    }
    free(sd);
    if (ni && fordir) {
        /* a folder Windows creates carries no archive bit */
        ni->flags &= ~FILE_ATTR_ARCHIVE;
        NInoSetDirty(ni);
    }
    return ni;
}

static ost_status copy_into(struct ost_ntfsfs *fs, ntfs_inode *ni, const char *path, int fd, uint64_t size,
                            const char *source, struct ost_error *err)
{
    ntfs_attr *na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
    if (!na)
        return write_failed(fs, path, "open its data", err);
    ost_status st = OST_OK;
    if (ntfs_attr_truncate(na, (s64)size) != 0)
        st = write_failed(fs, path, "resize its data", err);
    uint8_t *buf = ost_xmalloc(COPY_CHUNK);
    s64 off = 0;
    while (st == OST_OK) {
        ssize_t n = read(fd, buf, COPY_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot read: %s", source, strerror(errno));
        if (n <= 0)
            break;
        if (ntfs_attr_pwrite(na, off, (s64)n, buf) != (s64)n)
            st = write_failed(fs, path, "write", err);
        off += n;
    }
    free(buf);
    /* the source may have shrunk while it was read */
    if (st == OST_OK && off != na->data_size && ntfs_attr_truncate(na, off) != 0)
        st = write_failed(fs, path, "resize its data", err);
    ntfs_attr_close(na);
    if (st == OST_OK && fs->dev.failed)
        st = write_failed(fs, path, "write", err);
    return st;
}

ost_status ost_ntfsfs_write_file(struct ost_ntfsfs *fs, const char *path, const char *source, struct ost_error *err)
{
    if (!fs->writable)
        return ost_fail(err, OST_ERR_USAGE, "%s: %s: the volume was opened read-only", fs->bio->name, path);
    int fd = ost_open_input(source, 0, err);
    if (fd < 0)
        return OST_ERR_IO;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        ost_status st = ost_fail(err, OST_ERR_IO, "%s: %s", source, strerror(errno));
        close(fd);
        return st;
    }
    struct walk w;
    walk_path(fs, path, &w);
    ost_status st = OST_OK;
    if (w.comps.n == 0)
        st = ost_fail(err, OST_ERR_USAGE, "%s: %s: names the root folder, not a file", fs->bio->name, path);
    else if (w.end == WALK_FOUND) {
        if (is_dir(w.ni))
            st = ost_fail(err, OST_ERR_IO, "%s: %s: a folder, not a file", fs->bio->name, path);
        else if (w.ni->flags & FILE_ATTR_ENCRYPTED)
            st = ost_fail(err, OST_ERR_UNSUPPORTED,
                          "%s: %s: encrypted (EFS), so it cannot be replaced here; decrypt it in Windows first",
                          fs->bio->name, path);
        else
            st = copy_into(fs, w.ni, path, fd, (uint64_t)sb.st_size, source, err);
        if (st == OST_OK)
            ntfs_inode_update_times(w.ni, NTFS_UPDATE_MCTIME);
    } else if (w.end == WALK_ABSENT) {
        /* w.ni is the deepest folder there is; make the rest below it */
        while (st == OST_OK && w.depth < w.comps.n) {
            bool last = w.depth + 1 == w.comps.n;
            char *shown = prefix(&w, w.depth + 1);
            ntfs_inode *child = create_child(fs, w.ni, w.comps.v[w.depth], !last, shown, err);
            free(shown);
            if (!child) {
                st = err ? err->status : OST_ERR_IO;
                break;
            }
            /* the folder is closed first: closing the child updates its
             * entry there, and libntfs-3g opens the folder for that */
            ntfs_inode_close(w.ni);
            w.ni = child;
            w.depth++;
        }
        if (st == OST_OK)
            st = copy_into(fs, w.ni, path, fd, (uint64_t)sb.st_size, source, err);
    } else
        st = walk_fail(fs, &w, path, err);
    close(fd);
    if (w.ni && ntfs_inode_close(w.ni) != 0 && st == OST_OK)
        st = write_failed(fs, path, "write", err);
    w.ni = NULL;
    walk_done(&w);
    return st;
}

/* Removes the last component of path; folder says which kind is expected. */
static ost_status remove_entry(struct ost_ntfsfs *fs, const char *path, bool folder, struct ost_error *err)
{
    if (!fs->writable)
        return ost_fail(err, OST_ERR_USAGE, "%s: %s: the volume was opened read-only", fs->bio->name, path);
    struct walk w;
    walk_path(fs, path, &w);
    ost_status st = OST_OK;
    if (w.end == WALK_FOUND && w.comps.n == 0)
        st = ost_fail(err, OST_ERR_USAGE, "%s: %s: the root folder cannot be removed", fs->bio->name, path);
    else if (w.end == WALK_FOUND && is_dir(w.ni) != folder)
        st = ost_fail(err, OST_ERR_IO, "%s: %s: a %s, not a %s", fs->bio->name, path, folder ? "file" : "folder",
                      folder ? "folder" : "file");
    else if (w.end != WALK_FOUND)
        st = walk_fail(fs, &w, path, err);
    if (st != OST_OK) {
        walk_done(&w);
        return st;
    }
    ntfs_inode *ni = w.ni;
    w.ni = NULL;
    /* ntfs_delete needs the folder open beside the entry */
    char *parent_path = prefix(&w, w.comps.n - 1);
    struct walk pw;
    walk_path(fs, parent_path, &pw);
    free(parent_path);
    int len;
    ntfschar *u = ntfs_name(w.comps.v[w.comps.n - 1], &len);
    if (pw.end != WALK_FOUND || !u) {
        st = walk_fail(fs, &pw, path, err);
        ntfs_inode_close(ni);
    } else {
        if (folder && ntfs_check_empty_dir(ni) != 0) {
            ntfs_inode_close(ni); /* not empty: left, as the caller asked */
            if (errno != ENOTEMPTY)
                st = write_failed(fs, path, "read the folder", err);
        } else {
            /* ntfs_delete closes both inodes whatever happens */
            ntfs_inode *dir = pw.ni;
            pw.ni = NULL;
            if (ntfs_delete(fs->vol, NULL, ni, dir, u, (u8)len) != 0)
                st = write_failed(fs, path, "remove", err);
        }
        if (st == OST_OK && fs->dev.failed)
            st = write_failed(fs, path, "remove", err);
    }
    free(u);
    walk_done(&pw);
    walk_done(&w);
    return st;
}

ost_status ost_ntfsfs_remove_file(struct ost_ntfsfs *fs, const char *path, struct ost_error *err)
{
    return remove_entry(fs, path, false, err);
}

ost_status ost_ntfsfs_remove_dir(struct ost_ntfsfs *fs, const char *path, struct ost_error *err)
{
    return remove_entry(fs, path, true, err);
}

ost_status ost_ntfsfs_get_descriptor(struct ost_ntfsfs *fs, const char *path, uint8_t **sd, size_t *n,
                                    struct ost_error *err)
{
    *sd = NULL, *n = 0;
    struct walk w;
    walk_path(fs, path, &w);
    ost_status st = w.end == WALK_FOUND ? OST_OK : walk_fail(fs, &w, path, err);
    char *buf = NULL;
    if (st == OST_OK && (st = read_descriptor(fs, w.ni, path, "it", &buf, n, err)) == OST_OK)
        *sd = (uint8_t *)buf;
    walk_done(&w);
    return st;
}

ost_status ost_ntfsfs_set_descriptor(struct ost_ntfsfs *fs, const char *path, const uint8_t *sd, size_t n,
                                    struct ost_error *err)
{
    if (!fs->writable)
        return ost_fail(err, OST_ERR_USAGE, "%s: %s: the volume was opened read-only", fs->bio->name, path);
    struct walk w;
    walk_path(fs, path, &w);
    ost_status st = w.end == WALK_FOUND ? OST_OK : walk_fail(fs, &w, path, err);
    struct SECURITY_CONTEXT scx = security_context(fs);
    if (st == OST_OK && ntfs_set_ntfs_acl(&scx, w.ni, (const char *)sd, n, 0) != 0)
        st = !fs->dev.failed && errno == EINVAL
                 ? ost_fail(err, OST_ERR_USAGE, "%s: %s: not a valid security descriptor", fs->bio->name, path)
                 : write_failed(fs, path, "set its security descriptor", err);
    walk_done(&w);
    return st;
}

ost_status ost_ntfsfs_close(struct ost_ntfsfs *fs, struct ost_error *err)
{
    if (!fs)
        return OST_OK;
    ost_status st = unmount_volume(fs, err);
    free(fs);
    return st;
}
