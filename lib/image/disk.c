/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "disk.h"
#include "fatfs.h"
#include "fileutil.h"
#include "hive.h"
#include "imagelock.h"
#include "interrupt.h"
#include "nbdblock.h"
#include "ntfsfs.h"
#include "qemuimg.h"
#include "scratch.h"
#include "vhdxhdr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYSTEM_HIVE "Windows\\System32\\config\\SYSTEM"
#define SOFTWARE_HIVE "Windows\\System32\\config\\SOFTWARE"
#define BIOS_STORE "Boot\\BCD"
#define UEFI_STORE "EFI\\Microsoft\\Boot\\BCD"

struct ost_disk_session {
    char *path;          /* as the user gave it */
    char *abs;           /* its absolute path: an overlay's backing file */
    char *overlay;       /* the overlay being written, while it exists */
    char *pending;       /* the name renaming the overlay to commits it */
    char *output;        /* --output, or NULL */
    char *output_format;
    char format[16];
    struct ost_disk_info info;
    bool writable, allow_dirty, committed;
    struct ost_imagelock *lock;
    struct ost_blockio disk;
    struct ost_blockio result; /* after the commit: the result, once something reads it */
    struct ost_partition_table table;
    struct ost_disk_volume_info *vols;
    size_t nvols;
    size_t windows;      /* index in vols */
    struct ost_strlist notices;
    struct ost_target *target;
};

static const char *const formats[] = {"raw", "qcow2", "vpc", "vhdx", "vmdk"};

static const char *format_of_extension(const char *path)
{
    static const struct { const char *ext, *format; } map[] = {
        {".qcow2", "qcow2"}, {".qcow", "qcow2"}, {".vhd", "vpc"}, {".vhdx", "vhdx"}, {".vmdk", "vmdk"},
        {".img", "raw"},     {".raw", "raw"},    {".dd", "raw"},
    };
    const char *dot = strrchr(ost_path_basename(path), '.');
    for (size_t i = 0; dot && i < sizeof map / sizeof *map; i++)
        if (!strcasecmp(dot, map[i].ext))
            return map[i].format;
    return NULL;
}

static const char *format_title(const char *f)
{
    return !strcmp(f, "vpc") ? "VHD" : !strcmp(f, "vhdx") ? "VHDX" : !strcmp(f, "vmdk") ? "VMDK"
         : !strcmp(f, "qcow2") ? "qcow2" : "raw";
}

/* A raw disk starts with an MBR (or a GPT's protective one) or is one
 * NTFS volume: the boot sector's signature, or its OEM ID. */
static bool looks_like_raw_disk(const char *path)
{
    uint8_t s[512];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return false;
    struct stat sb;
    bool ok = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size >= 65536 &&
              pread(fd, s, sizeof s, 0) == (ssize_t)sizeof s;
    close(fd);
    return ok && ((s[510] == 0x55 && s[511] == 0xAA) || !memcmp(s + 3, "NTFS    ", 8));
}

bool ost_is_disk_file(const char *path)
{
    return ost_disk_magic_format(path) || looks_like_raw_disk(path);
}

char *ost_disk_name_mismatch(const char *path)
{
    const char *f = format_of_extension(path);
    if (!f)
        return NULL;
    if (!strcmp(f, "raw"))
        return ost_xstrdup("its name says raw disk, but sector 0 holds no partition table (MBR or GPT: no 0x55AA "
                           "at offset 510) and no NTFS boot sector: it is damaged there, or not a disk");
    bool vhd = !strcmp(f, "vpc");
    return ost_xasprintf("its name says %s, but it has no %s %s (%s): the %s is damaged, or it is not a disk",
                         format_title(f), format_title(f), vhd ? "footer" : "header",
                         vhd ? "neither in its last 512 bytes nor the copy at offset 0" : "at offset 0",
                         vhd ? "footer" : "header");
}

const struct ost_strlist *ost_disk_session_notices(const struct ost_disk_session *s)
{
    return &s->notices;
}

static void human_size(uint64_t n, char *buf, size_t size)
{
    if (n >= (UINT64_C(1) << 30))
        snprintf(buf, size, "%.1f GiB", (double)n / (double)(UINT64_C(1) << 30));
    else
        snprintf(buf, size, "%llu MiB", (unsigned long long)(n >> 20));
}

/* ---- a stopped command's overlay -------------------------------------- */

static char *beside(const char *abs, const char *suffix)
{
    char *dir = ost_path_dirname(abs);
    char *name = ost_xasprintf("%s/.%s.%s", dir, ost_path_basename(abs), suffix);
    free(dir);
    return name;
}

/* A commit into a VHDX killed half way can leave its metadata log to
 * replay, which qemu-img check does; or a header naming a log none of
 * whose entries was complete, which nothing needs replaying from and
 * qemu's writer refuses: that header is replaced by one recording the
 * empty log (vhdxhdr.h). */
static ost_status settle_vhdx_log(const char *path, struct ost_error *err)
{
    ost_status st = ost_qemu_replay_vhdx_log(path, err);
    if (st != OST_OK)
        return st;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return ost_fail(err, OST_ERR_IO, "%s: %s", path, strerror(errno));
    uint8_t *head = ost_xmalloc(OST_VHDX_HEADERS_END);
    ssize_t got = pread(fd, head, OST_VHDX_HEADERS_END, 0);
    struct ost_vhdx_headers h;
    if (got < 0)
        st = ost_fail(err, OST_ERR_IO, "%s: %s", path, strerror(errno));
    else
        st = ost_vhdx_headers_parse(head, (size_t)got, path, &h, err);
    if (st == OST_OK && h.log_named) {
        uint8_t header[OST_VHDX_HEADER_SIZE];
        uint64_t at = ost_vhdx_header_with_empty_log(head, &h, header);
        if (pwrite(fd, header, sizeof header, (off_t)at) != (ssize_t)sizeof header || fsync(fd) != 0)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot write its VHDX header: %s", path, strerror(errno));
    }
    free(head);
    close(fd);
    return st;
}

static ost_status finish_pending(struct ost_disk_session *s, struct ost_error *err)
{
    bool pending = access(s->pending, F_OK) == 0, stale = access(s->overlay, F_OK) == 0;
    if (!pending && !stale)
        return OST_OK;
    bool was_exclusive = ost_imagelock_is_exclusive(s->lock);
    ost_status st = ost_imagelock_set_exclusive(s->lock, true, err);
    if (st != OST_OK)
        return st;
    if (access(s->pending, F_OK) == 0) {
        const char *fmt = ost_disk_magic_format(s->abs);
        if (fmt && !strcmp(fmt, "vhdx") && (st = settle_vhdx_log(s->abs, err)) != OST_OK)
            return st;
        if ((st = ost_qemu_commit(s->pending, err)) != OST_OK) {
            char *why = ost_xstrdup(err->message);
            ost_fail(err, st, "%s: a stopped offstage command's change, recorded in %s, could not be written into "
                     "the disk: %s. The disk is as that command left it; the change is kept, and the next command "
                     "tries again (or run: qemu-img commit -f qcow2 -d '%s')", s->path, s->pending, why, s->pending);
            free(why);
            return st;
        }
        /* the stopped commit may have allocated clusters in a qcow2 disk
         * that nothing references yet: harmless, but qemu-img check
         * reports them, so free them while the disk is still ours */
        if (fmt && !strcmp(fmt, "qcow2") && (st = ost_qemu_repair_leaks(s->abs, err)) != OST_OK)
            return st;
        unlink(s->pending);
        ost_interrupt_note_written();
        ost_strlist_add_owned(&s->notices, ost_xasprintf("%s: completed the change a stopped command had committed "
                                                          "(its overlay %s is written into the disk and removed)",
                                                          s->path, s->pending));
    }
    if (access(s->overlay, F_OK) == 0) {
        unlink(s->overlay);
        ost_strlist_add_owned(&s->notices, ost_xasprintf("%s: discarded the unfinished change of a stopped command "
                                                          "(its overlay %s); the disk was not changed by it",
                                                          s->path, s->overlay));
    }
    return was_exclusive ? OST_OK : ost_imagelock_set_exclusive(s->lock, false, err);
}

/* ---- opening ---------------------------------------------------------- */

static ost_status pick_format(struct ost_disk_session *s, const char *given, struct ost_error *err)
{
    const char *content = ost_disk_magic_format(s->abs);
    const char *by_name = format_of_extension(s->path);
    if (given) {
        bool known = false;
        for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
            known = known || !strcmp(given, formats[i]);
        if (!known)
            return ost_fail(err, OST_ERR_USAGE, "--format %s: not a disk format; give raw, qcow2, vpc (VHD), vhdx or "
                            "vmdk", given);
        if (content && strcmp(content, given))
            return ost_fail(err, OST_ERR_USAGE, "%s: --format %s, but its content is a %s disk; nothing was read",
                            s->path, given, format_title(content));
        snprintf(s->format, sizeof s->format, "%s", given);
        return OST_OK;
    }
    const char *f = content ? content : "raw";
    if (by_name && strcmp(by_name, f))
        return ost_fail(err, OST_ERR_USAGE,
                        "%s: the name says %s, but the content is %s%s; nothing was read. Give --format %s if the "
                        "content is right, or check the file", s->path, format_title(by_name),
                        content ? "a " : "", content ? format_title(content) : "no qcow2, VHD, VHDX or VMDK header",
                        f);
    snprintf(s->format, sizeof s->format, "%s", f);
    return OST_OK;
}

/* What writing this disk in place would be refused for, or NULL. */
static char *refuse_in_place(const struct ost_disk_session *s)
{
    const struct ost_disk_info *in = &s->info;
    if (in->backing[0])
        return ost_xasprintf("it is a differencing disk over %s: a change written into it would be lost if the "
                             "parent changes, and is not seen by the parent. Merge it first (qemu-img commit '%s'), "
                             "or write the result elsewhere with --output NEW.qcow2",
                             in->backing, s->path);
    if (in->snapshots)
        return ost_xasprintf("it has %u snapshot%s (checkpoints): a change would go under them. Delete them first "
                             "(qemu-img snapshot -l / -d), or write the result elsewhere with --output NEW.qcow2",
                             in->snapshots, in->snapshots == 1 ? "" : "s");
    if (in->read_only_format)
        return ost_xasprintf("it is a %s VMDK, which qemu can read but not write: write the result with --output "
                             "NEW.qcow2 (or --output NEW.vmdk --output-format vmdk)", in->subformat);
    return NULL;
}

static ost_status serve(struct ost_disk_session *s, const char *image, const char *format, bool writable,
                        struct ost_blockio *out, struct ost_error *err)
{
    struct ost_nbd_options no = {.format = format, .writable = writable, .name = s->path};
    return ost_nbd_open(image, &no, out, err);
}

static ost_status start(struct ost_disk_session *s, struct ost_error *err)
{
    if (!s->writable)
        return serve(s, s->abs, s->format, false, &s->disk, err);
    if (s->output) {
        free(s->overlay);
        s->overlay = ost_xasprintf("%s.offstage-partial.qcow2", s->output);
        unlink(s->overlay);
    }
    ost_status st = ost_qemu_overlay_create(s->overlay, s->abs, s->format, err);
    if (st != OST_OK) {
        unlink(s->overlay);
        return st;
    }
    return serve(s, s->overlay, "qcow2", true, &s->disk, err);
}

static void label_volume(struct ost_disk_session *s, struct ost_disk_volume_info *v)
{
    struct ost_blockio bio;
    struct ost_error why;
    char name[600];
    snprintf(name, sizeof name, "%s partition %u", s->path, v->number);
    if (ost_blockio_window(&s->disk, v->offset, v->size, name, &bio, &why) != OST_OK) {
        snprintf(v->windows, sizeof v->windows, "%s", why.message);
        return;
    }
    struct ost_ntfs_probe p;
    if (ost_ntfsfs_probe(&bio, &p, &why) != OST_OK) {
        snprintf(v->windows, sizeof v->windows, "%s", why.message);
    } else if (p.bitlocker) {
        snprintf(v->filesystem, sizeof v->filesystem, "BitLocker");
        snprintf(v->windows, sizeof v->windows, "BitLocker-encrypted: decrypt it in Windows (manage-bde -off) first");
    } else if (p.is_ntfs) {
        snprintf(v->filesystem, sizeof v->filesystem, "NTFS");
        snprintf(v->label, sizeof v->label, "%s", p.label);
        struct ost_ntfsfs *fs;
        if (ost_ntfsfs_open(&bio, false, s->allow_dirty, &fs, &why) != OST_OK) {
            snprintf(v->windows, sizeof v->windows, "%s", why.message);
            v->has_windows = p.hibernated || p.dirty; /* refused below with this reason */
        } else {
            v->has_windows = ost_ntfsfs_stat(fs, SYSTEM_HIVE) == 1;
            if (ost_ntfsfs_stat(fs, BIOS_STORE) == 1)
                snprintf(v->boot_store, sizeof v->boot_store, "%s", BIOS_STORE);
            snprintf(v->windows, sizeof v->windows, "%s",
                     v->has_windows ? "Windows" : "no Windows\\System32\\config\\SYSTEM");
            ost_ntfsfs_close(fs, NULL);
        }
    } else {
        struct ost_fatfs *fat;
        char *scratch = ost_fatfs_available() ? ost_scratch_dir_create("fat", &why) : NULL;
        if (scratch && ost_fatfs_open(&bio, scratch, &fat, &why) == OST_OK) {
            snprintf(v->filesystem, sizeof v->filesystem, "FAT");
            if (ost_fatfs_stat(fat, UEFI_STORE) == 1)
                snprintf(v->boot_store, sizeof v->boot_store, "%s", UEFI_STORE);
            ost_fatfs_close(fat);
        } else {
            /* the listing says why a partition holds no Windows: NTFS's
             * reason (a damaged boot sector's geometry, or no NTFS at all) */
            struct ost_ntfsfs *fs;
            if (ost_ntfsfs_open(&bio, false, true, &fs, &why) == OST_OK)
                ost_ntfsfs_close(fs, NULL);
            else
                snprintf(v->windows, sizeof v->windows, "%s",
                         strncmp(why.message, name, strlen(name)) || strncmp(why.message + strlen(name), ": ", 2)
                             ? why.message : why.message + strlen(name) + 2);
        }
        if (scratch) {
            ost_scratch_dir_remove(scratch);
            free(scratch);
        }
    }
    ost_blockio_close(&bio);
}

/* "Windows 7 Professional 6.1.7601" from the volume's SOFTWARE hive, for
 * telling several installs apart. */
static void describe_windows(struct ost_disk_session *s, struct ost_disk_volume_info *v)
{
    struct ost_blockio bio;
    struct ost_ntfsfs *fs = NULL;
    struct ost_error why;
    char *scratch = ost_scratch_dir_create("probe", &why);
    if (!scratch || ost_blockio_window(&s->disk, v->offset, v->size, "partition", &bio, &why) != OST_OK) {
        free(scratch);
        return;
    }
    char *hive = ost_path_join(scratch, "SOFTWARE");
    struct ost_hive *h = NULL;
    struct ost_hive_open_options ho = {0};
    if (ost_ntfsfs_open(&bio, false, true, &fs, &why) == OST_OK &&
        ost_ntfsfs_extract(fs, SOFTWARE_HIVE, OST_HIVE_MAX_SIZE, hive, &why) == OST_OK &&
        ost_hive_open(hive, &ho, &h, &why) == OST_OK) {
        ost_hkey k = ost_hive_key(h, 0, "Microsoft\\Windows NT\\CurrentVersion");
        char *product = k ? ost_hive_get_string(h, k, "ProductName") : NULL;
        char *version = k ? ost_hive_get_string(h, k, "CurrentVersion") : NULL;
        char *build = k ? ost_hive_get_string(h, k, "CurrentBuild") : NULL;
        snprintf(v->windows, sizeof v->windows, "%s %s.%s", product ? product : "Windows", version ? version : "?",
                 build ? build : "?");
        free(product), free(version), free(build);
        ost_hive_close(h);
    }
    if (fs)
        ost_ntfsfs_close(fs, NULL);
    ost_blockio_close(&bio);
    free(hive);
    ost_scratch_dir_remove(scratch);
    free(scratch);
}

static void list_volumes(const struct ost_disk_session *s, bool windows_only, struct ost_buf *b)
{
    for (size_t i = 0; i < s->nvols; i++) {
        const struct ost_disk_volume_info *v = &s->vols[i];
        if (windows_only && !v->has_windows)
            continue;
        char size[32];
        human_size(v->size, size, sizeof size);
        ost_buf_addf(b, "\n  partition %u: %s, %s%s%s%s%s%s", v->number, size, ost_part_role_name(v->role),
                     v->filesystem[0] ? " " : "", v->filesystem, v->label[0] ? " \"" : "", v->label,
                     v->label[0] ? "\"" : "");
        if (v->windows[0])
            ost_buf_addf(b, ": %s", v->windows);
    }
}

static ost_status read_volumes(struct ost_disk_session *s, struct ost_error *err)
{
    ost_status st = ost_partition_table_read(&s->disk, 0, &s->table, err);
    if (st != OST_OK)
        return st;
    if (s->table.used_backup_gpt)
        ost_strlist_add_owned(&s->notices, ost_xasprintf("%s: the primary GPT is damaged; its backup at the end of the "
                                                          "disk was read. Repair the primary (gdisk's recovery menu, "
                                                          "or Windows' disk tools) before relying on the disk",
                                                          s->path));
    if (s->table.scheme == OST_PART_NONE) {
        s->vols = ost_xcalloc(1, sizeof *s->vols);
        s->vols[0] = (struct ost_disk_volume_info){.number = 0, .offset = 0, .size = s->disk.size};
        s->nvols = 1;
    } else {
        s->vols = ost_xcalloc(s->table.n ? s->table.n : 1, sizeof *s->vols);
        for (size_t i = 0; i < s->table.n; i++) {
            const struct ost_partition *p = &s->table.v[i];
            if (p->role == OST_ROLE_LDM || p->role == OST_ROLE_STORAGE_SPACES)
                return ost_fail(err, OST_ERR_UNSUPPORTED,
                                "%s: partition %u is %s: volumes there are not plain partitions, and are not "
                                "serviced. Convert the disk to a basic disk in Windows first", s->path, p->number,
                                p->role == OST_ROLE_LDM ? "part of a dynamic disk (LDM)" : "a Storage Spaces pool");
            s->vols[s->nvols++] = (struct ost_disk_volume_info){
                .number = p->number, .offset = p->offset, .size = p->size, .role = p->role};
        }
    }
    for (size_t i = 0; i < s->nvols; i++)
        if (s->vols[i].role != OST_ROLE_MSR && s->vols[i].role != OST_ROLE_OTHER)
            label_volume(s, &s->vols[i]);
    return OST_OK;
}

static ost_status choose_windows(struct ost_disk_session *s, unsigned wanted, struct ost_error *err)
{
    size_t found = 0, at = 0;
    for (size_t i = 0; i < s->nvols; i++)
        if (s->vols[i].has_windows)
            found++, at = i;
    struct ost_buf b = {0};
    ost_status st = OST_OK;
    if (wanted) {
        size_t i = 0;
        while (i < s->nvols && s->vols[i].number != wanted)
            i++;
        if (i == s->nvols || !s->vols[i].has_windows) {
            list_volumes(s, false, &b);
            st = ost_fail(err, OST_ERR_USAGE, "%s: --partition %u %s. Its partitions (%s):%s", s->path, wanted,
                          i == s->nvols ? "does not exist" : "holds no Windows (no Windows\\System32\\config\\SYSTEM)",
                          ost_part_scheme_name(s->table.scheme), b.data ? b.data : " none");
        }
        at = i;
    } else if (found == 0) {
        list_volumes(s, false, &b);
        st = ost_fail(err, OST_ERR_UNSUPPORTED, "%s: no partition holds a Windows installation (Windows\\System32\\"
                      "config\\SYSTEM on an NTFS volume). Its partitions (%s):%s", s->path,
                      ost_part_scheme_name(s->table.scheme), b.data ? b.data : " none");
    } else if (found > 1) {
        for (size_t i = 0; i < s->nvols; i++)
            if (s->vols[i].has_windows && !strcmp(s->vols[i].windows, "Windows"))
                describe_windows(s, &s->vols[i]);
        list_volumes(s, true, &b);
        st = ost_fail(err, OST_ERR_USAGE, "%s: %zu partitions hold Windows; choose one with --partition N:%s", s->path,
                      found, b.data);
    }
    ost_buf_free(&b);
    if (st != OST_OK)
        return st;
    const struct ost_disk_volume_info *v = &s->vols[at];
    if (strcmp(v->windows, "Windows") && v->windows[0]) /* probed as Windows but refused: hibernated, dirty */
        return ost_fail(err, OST_ERR_UNSUPPORTED, "%s", v->windows);
    s->windows = at;
    return OST_OK;
}

void ost_disk_session_explain(const struct ost_disk_session *s, struct ost_error *err)
{
    if (!s || !err || !strcmp(s->format, "raw"))
        return;
    struct ost_error why;
    if (ost_qemu_check(s->abs, s->format, &why) != OST_ERR_CORRUPT)
        return;
    size_t n = strlen(s->abs);
    const char *report = strncmp(why.message, s->abs, n) || strncmp(why.message + n, ": ", 2) ? why.message
                                                                                           : why.message + n + 2;
    char *was = ost_xstrdup(err->message);
    ost_fail(err, OST_ERR_CORRUPT, "%s: the %s file is damaged (%s), so what is read from it is wrong: %s. Nothing "
             "was changed; restore the disk from a backup (or repair a copy: qemu-img check -r all)", s->path,
             format_title(s->format), report, was);
    free(was);
}

ost_status ost_disk_session_open(const char *path, const struct ost_disk_options *o, bool writable, bool allow_dirty,
                                 struct ost_disk_session **out, struct ost_error *err)
{
    static const struct ost_disk_options none = {0};
    *out = NULL;
    if (!o)
        o = &none;
    if (!ost_qemu_available())
        return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: a virtual disk needs qemu-img and qemu-nbd (Debian package "
                        "qemu-utils); install it and retry", path);
    if (o->output_format && !o->output)
        return ost_fail(err, OST_ERR_USAGE, "--output-format goes with --output NEW");
    ost_status st = ost_check_input_file(path, err);
    if (st != OST_OK)
        return st;
    struct ost_disk_session *s = ost_xcalloc(1, sizeof *s);
    s->path = ost_xstrdup(path);
    s->abs = realpath(path, NULL);
    s->writable = writable;
    s->allow_dirty = allow_dirty;
    if (!s->abs) {
        st = ost_fail(err, OST_ERR_IO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    s->overlay = beside(s->abs, "offstage-overlay.qcow2");
    s->pending = beside(s->abs, "offstage-commit.qcow2");
    if (o->output && writable) {
        char *out_abs = realpath(o->output, NULL);
        if (out_abs && !strcmp(out_abs, s->abs)) {
            free(out_abs);
            st = ost_fail(err, OST_ERR_USAGE, "--output %s is the disk itself; leave --output out to change the disk "
                          "in place", o->output);
            goto fail;
        }
        free(out_abs);
        s->output = ost_xstrdup(o->output);
        s->output_format = o->output_format ? ost_xstrdup(o->output_format) : NULL;
    }
    bool in_place = writable && !s->output;
    if ((st = ost_imagelock_disk(s->abs, in_place, &s->lock, err)) != OST_OK)
        goto fail;
    if ((st = finish_pending(s, err)) != OST_OK)
        goto fail;
    if ((st = pick_format(s, o->format, err)) != OST_OK)
        goto fail;
    if ((st = ost_qemu_info(s->abs, s->format, &s->info, err)) != OST_OK)
        goto fail;
    if (in_place) {
        char *why = refuse_in_place(s);
        if (!why && access(s->abs, W_OK) != 0)
            why = ost_xasprintf("the disk is read-only (%s): write the result elsewhere with --output NEW.qcow2",
                                strerror(errno));
        if (why) {
            st = ost_fail(err, OST_ERR_UNSUPPORTED, "%s: not changed: %s", s->path, why);
            free(why);
            goto fail;
        }
    }
    if ((st = start(s, err)) != OST_OK)
        goto fail;
    if ((st = read_volumes(s, err)) != OST_OK || (st = choose_windows(s, o->partition, err)) != OST_OK) {
        ost_disk_session_explain(s, err);
        goto fail;
    }
    *out = s;
    return OST_OK;
fail:
    ost_disk_session_close(s);
    return st;
}

/* The stores the installed system boots from: BIOS starts the active
 * partition's boot manager, which reads Boot\BCD there (often a "System
 * Reserved" partition, or the Windows partition itself); UEFI starts the
 * EFI system partition's, which reads EFI\Microsoft\Boot\BCD. */
static void add_boot_stores(struct ost_disk_session *s, struct ost_target *t)
{
    for (size_t i = 0; i < s->nvols; i++) {
        const struct ost_disk_volume_info *v = &s->vols[i];
        bool bios = s->table.scheme != OST_PART_GPT && v->boot_store[0] && !strcmp(v->boot_store, BIOS_STORE);
        bool uefi = v->role == OST_ROLE_ESP && !strcmp(v->boot_store, UEFI_STORE);
        if (s->table.scheme == OST_PART_MBR && bios) {
            bool active = false;
            for (size_t k = 0; k < s->table.n; k++)
                if (s->table.v[k].number == v->number)
                    active = s->table.v[k].active;
            bios = active;
        }
        if (!bios && !uefi)
            continue;
        if (i == s->windows)
            ost_strlist_add(&t->boot_stores, v->boot_store);
        else
            ost_strlist_add_owned(&t->boot_stores,
                                  ost_xasprintf(OST_TARGET_VOLUME_PREFIX "%u>\\%s", v->number, v->boot_store));
        char what[200];
        if (v->label[0])
            snprintf(what, sizeof what, "partition %u (%s)", v->number, v->label);
        else
            snprintf(what, sizeof what, "partition %u (%s)", v->number, uefi ? "EFI system" : "active");
        ost_strlist_add_owned(&t->boot_store_names, ost_xasprintf("%s \\%s of %s", v->number ? what : "the volume",
                                                                  v->boot_store, s->path));
    }
}

ost_status ost_disk_target(struct ost_disk_session *s, struct ost_target **out, struct ost_error *err)
{
    struct ost_disk_target_volume *tv = ost_xcalloc(s->nvols, sizeof *tv);
    for (size_t i = 0; i < s->nvols; i++)
        tv[i] = (struct ost_disk_target_volume){.number = s->vols[i].number, .offset = s->vols[i].offset,
                                                .size = s->vols[i].size, .fat = !strcmp(s->vols[i].filesystem, "FAT")};
    ost_status st = ost_disk_target_create(&s->disk, tv, s->nvols, s->windows, s->path, s->writable, s->allow_dirty,
                                           out, err);
    free(tv);
    if (st != OST_OK)
        return st;
    add_boot_stores(s, *out);
    s->target = *out;
    return OST_OK;
}

/* After the commit point: the overlay is the change; writing it into the
 * disk is redone by any later command if this one stops. */
static ost_status commit_in_place(struct ost_disk_session *s, struct ost_error *err)
{
    ost_status st = ost_rename_into_place(s->overlay, s->pending, err);
    if (st != OST_OK)
        return st;
    free(s->overlay);
    s->overlay = NULL;
    if ((st = ost_qemu_commit(s->pending, err)) != OST_OK) {
        char *why = ost_xstrdup(err->message);
        ost_fail(err, st, "%s: the change is committed in %s but could not be written into the disk: %s. The next "
                 "offstage command on this disk finishes it (or run: qemu-img commit -f qcow2 -d '%s')",
                 s->path, s->pending, why, s->pending);
        free(why);
        return st;
    }
    if ((st = ost_sync_path(s->abs, err)) != OST_OK)
        return st;
    unlink(s->pending);
    return OST_OK;
}

static ost_status commit_output(struct ost_disk_session *s, struct ost_error *err)
{
    if (!s->output_format) {
        ost_status st = ost_rename_into_place(s->overlay, s->output, err);
        if (st == OST_OK) {
            free(s->overlay);
            s->overlay = NULL;
        }
        return st;
    }
    char *tmp = ost_xasprintf("%s.offstage-partial", s->output);
    const char *opts = !strcmp(s->output_format, "vpc") ? "subformat=dynamic,force_size=on" : NULL;
    ost_status st = ost_qemu_convert(s->overlay, "qcow2", tmp, s->output_format, opts, err);
    if (st == OST_OK)
        st = ost_sync_path(tmp, err);
    if (st == OST_OK)
        st = ost_rename_into_place(tmp, s->output, err);
    if (st != OST_OK)
        unlink(tmp);
    free(tmp);
    return st;
}

/* What is read after the commit (the checks after a write) is the result,
 * served by a new qemu-nbd only when something reads it: a command that
 * did its reads from the overlay before the commit (it holds the bytes the
 * commit writes) starts no second server. */
static ost_status result_pread(void *ctx, void *buf, size_t len, uint64_t off, struct ost_error *err)
{
    struct ost_disk_session *s = ctx;
    if (!s->result.ctx) {
        const char *result = s->output ? s->output : s->abs;
        const char *format = s->output ? (s->output_format ? s->output_format : "qcow2") : s->format;
        ost_status st = serve(s, result, format, false, &s->result, err);
        if (st != OST_OK)
            return st;
    }
    return ost_blockio_read(&s->result, buf, len, off, err);
}

static void result_close(void *ctx)
{
    struct ost_disk_session *s = ctx;
    if (s->result.ctx)
        ost_blockio_close(&s->result);
}

ost_status ost_disk_session_commit(struct ost_disk_session *s, struct ost_error *err)
{
    if (!s->target || !ost_disk_target_wrote(s->target) || s->committed)
        return OST_OK;
    /* a commit or a conversion keeps the virtual size */
    uint64_t size = s->disk.size;
    ost_status st = ost_disk_target_detach(s->target, err);
    if (st == OST_OK)
        st = ost_nbd_finish(&s->disk, err);
    if (st == OST_OK)
        st = ost_qemu_check(s->overlay, "qcow2", err);
    if (st == OST_OK)
        st = ost_sync_path(s->overlay, err);
    if (st != OST_OK)
        return st;
    ost_interrupt_defer_begin();
    st = s->output ? commit_output(s, err) : commit_in_place(s, err);
    ost_interrupt_defer_end();
    if (st != OST_OK)
        return st;
    s->committed = true;
    s->writable = false;
    s->disk = (struct ost_blockio){.pread = result_pread, .close = result_close, .ctx = s, .size = size};
    ost_format_into(s->disk.name, sizeof s->disk.name, "%s", s->path);
    return OST_OK;
}

void ost_disk_session_close(struct ost_disk_session *s)
{
    if (!s)
        return;
    if (s->disk.ctx)
        ost_blockio_close(&s->disk);
    if (s->overlay && s->writable && access(s->overlay, F_OK) == 0 && s->lock)
        unlink(s->overlay);
    ost_partition_table_free(&s->table);
    ost_imagelock_release(s->lock);
    ost_strlist_free(&s->notices);
    free(s->vols);
    free(s->path), free(s->abs), free(s->overlay), free(s->pending), free(s->output), free(s->output_format);
    free(s);
}
