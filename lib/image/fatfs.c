/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "fatfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileutil.h"
#include "run.h"
#include "util.h"

#define CHUNK (1u << 20)
/* what of a tool's stderr goes into a message */
#define TOOL_MESSAGE_MAX 400
/* The volume is copied whole to scratch space: an EFI system partition
 * is 100-300 MiB as Windows makes it; far larger means the wrong
 * partition was chosen, and it is not copied. */
#define MAX_VOLUME (4ull << 30)

struct ost_fatfs {
    const struct ost_blockio *vol;
    char *dir;          /* our folder inside the caller's scratch folder */
    char *copy;         /* the volume's bytes, which mtools works on */
    uint32_t sector;    /* bytes per sector, the unit write_back compares */
    const char *fat_type;
    bool fsck_clean;    /* fsck.fat -n found nothing wrong with the copy as read */
    bool dirty;         /* mtools was asked to change the copy since the last write-back */
};

/* ---- running a tool ---------------------------------------------------- */

/* fsck.fat lives in /usr/sbin on Debian, which a user's PATH may lack */
static char *find_program(const char *name)
{
    return ost_find_program(name, "/usr/sbin:/sbin");
}

/* mtools refuses images whose geometry it finds odd unless told not to
 * check; and a long name must stay a long name (no MTOOLS_NO_VFAT). */
static char **tool_environment(void)
{
    static const char *const drop[] = {"MTOOLS_NO_VFAT=", NULL}, *const add[] = {"MTOOLS_SKIP_CHECK=1", NULL};
    return ost_run_environment(drop, add, 0);
}

/* Runs argv (no shell: each argument is one argv element) with stdin
 * from /dev/null and stdout into out_path (or /dev/null); returns its exit
 * status in *status (-1 when it did not run or was killed) and the start
 * of its stderr in *errtext (caller frees). */
static ost_status run_tool(struct ost_fatfs *fs, char *const argv[], const char *out_path, int *status,
                           char **errtext, struct ost_error *err)
{
    *status = -1;
    *errtext = NULL;
    char *program = find_program(argv[0]);
    if (!program)
        return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: %s is not installed (Debian package %s)", fs->vol->name,
                        argv[0], strncmp(argv[0], "fsck", 4) == 0 ? "dosfstools" : "mtools");
    char **env = tool_environment();
    struct ost_run job = {.path = program, .argv = argv, .env = env, .stdout_path = out_path};
    struct ost_run_result r;
    ost_status st = ost_run_program(&job, fs->vol->name, &r, err);
    free(env);
    if (st == OST_OK) {
        *status = r.exit_status;
        if (strlen(r.errout) > TOOL_MESSAGE_MAX)
            r.errout[TOOL_MESSAGE_MAX] = 0;
        *errtext = ost_str_trim(r.errout);
        r.errout = NULL;
        for (char *c = *errtext; *c; c++)
            if (*c == '\n')
                *c = ' ';
    }
    ost_run_result_free(&r);
    free(program);
    return st;
}

/* Runs an mtools command that must succeed; `what` says what it was for. */
static ost_status run_mtools(struct ost_fatfs *fs, char *const argv[], const char *out_path, const char *what,
                             struct ost_error *err)
{
    int status;
    char *text;
    ost_status st = run_tool(fs, argv, out_path, &status, &text, err);
    if (st == OST_OK && status != 0)
        st = ost_fail(err, OST_ERR_IO, "%s: %s failed (%s %s): %s", fs->vol->name, what, argv[0],
                      status < 0 ? "was killed" : "exited non-zero", text && *text ? text : "no message");
    free(text);
    return st;
}

bool ost_fatfs_available(void)
{
    static const char *const tools[] = {"mcopy", "mdir", "mmd", "mdel"};
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        char *p = find_program(tools[i]);
        if (!p)
            return false;
        free(p);
    }
    return true;
}

/* ---- the boot sector ---------------------------------------------------- */

/* The checks of the Microsoft FAT specification (fatgen103, "Boot Sector
 * and BPB" and "FAT Type Determination",
 * https://download.microsoft.com/download/1/6/1/161ba512-40e2-4cc9-843a-923143f3456c/fatgen103.doc):
 * the type is decided by the count of clusters alone. */
static ost_status check_boot_sector(struct ost_fatfs *fs, const uint8_t *s, struct ost_error *err)
{
    const char *name = fs->vol->name;
    if (memcmp(s + 3, "NTFS    ", 8) == 0 || memcmp(s + 3, "EXFAT   ", 8) == 0)
        return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: the volume is %s, not FAT (an EFI system partition is FAT)",
                        name, s[3] == 'N' ? "NTFS" : "exFAT");
    if (s[510] != 0x55 || s[511] != 0xAA)
        return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: not a FAT volume: its boot sector has no 0x55AA signature",
                        name);
    if (s[0] != 0xEB && s[0] != 0xE9)
        return ost_fail(err, OST_ERR_UNSUPPORTED,
                        "%s: not a FAT volume: its boot sector starts with 0x%02X, not a jump (0xEB or 0xE9)", name,
                        s[0]);
    unsigned bps = ost_le16(s + 11), spc = s[13], reserved = ost_le16(s + 14), fats = s[16];
    unsigned root_entries = ost_le16(s + 17);
    uint32_t total = ost_le16(s + 19) ? ost_le16(s + 19) : ost_le32(s + 32);
    uint32_t fat_size = ost_le16(s + 22) ? ost_le16(s + 22) : ost_le32(s + 36);
    if (bps != 512 && bps != 1024 && bps != 2048 && bps != 4096)
        return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: not a FAT volume: %u bytes per sector (offset 11)", name, bps);
    if (spc == 0 || (spc & (spc - 1)) != 0)
        return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: not a FAT volume: %u sectors per cluster (offset 13)", name,
                        spc);
    if (reserved == 0 || fats == 0 || total == 0 || fat_size == 0)
        return ost_fail(err, OST_ERR_UNSUPPORTED,
                        "%s: not a FAT volume: its BPB has %u reserved sectors, %u FATs of %u sectors, %u sectors in "
                        "all",
                        name, reserved, fats, fat_size, total);
    uint64_t root_sectors = ((uint64_t)root_entries * 32 + bps - 1) / bps;
    uint64_t meta = reserved + (uint64_t)fats * fat_size + root_sectors;
    if (meta >= total)
        return ost_fail(err, OST_ERR_CORRUPT,
                        "%s: FAT boot sector: its FATs and root folder (%llu sectors) fill the whole volume (%u "
                        "sectors)",
                        name, (unsigned long long)meta, total);
    if ((uint64_t)total * bps > fs->vol->size)
        return ost_fail(err, OST_ERR_CORRUPT,
                        "%s: FAT boot sector says the volume holds %u sectors of %u bytes (%llu bytes), but the "
                        "partition has only %llu bytes; the partition table or the volume is damaged",
                        name, total, bps, (unsigned long long)total * bps, (unsigned long long)fs->vol->size);
    uint64_t clusters = (total - meta) / spc;
    fs->fat_type = clusters < 4085 ? "FAT12" : clusters < 65525 ? "FAT16" : "FAT32";
    fs->sector = bps;
    return OST_OK;
}

static ost_status copy_in(struct ost_fatfs *fs, struct ost_error *err)
{
    int fd = open(fs->copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot create %s: %s", fs->vol->name, fs->copy, strerror(errno));
    uint8_t *buf = ost_xmalloc(CHUNK);
    ost_status st = OST_OK;
    for (uint64_t off = 0; off < fs->vol->size && st == OST_OK; off += CHUNK) {
        size_t n = fs->vol->size - off < CHUNK ? (size_t)(fs->vol->size - off) : CHUNK;
        st = ost_blockio_read(fs->vol, buf, n, off, err);
        if (st == OST_OK && ost_write_all(fd, buf, n) != 0)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot write %s: %s", fs->vol->name, fs->copy, strerror(errno));
    }
    free(buf);
    if (close(fd) != 0 && st == OST_OK)
        st = ost_fail(err, OST_ERR_IO, "%s: cannot write %s: %s", fs->vol->name, fs->copy, strerror(errno));
    return st;
}

/* fsck.fat -n (check only) on the copy: 0 means it found nothing. -1
 * when it is not installed. */
static int fsck_status(struct ost_fatfs *fs, char **report)
{
    *report = NULL;
    char *program = find_program("fsck.fat");
    if (!program)
        return -1;
    free(program);
    char *out = ost_path_join(fs->dir, "fsck.out");
    char *argv[] = {(char *)"fsck.fat", (char *)"-n", fs->copy, NULL};
    int status;
    char *text = NULL;
    struct ost_error ignored;
    if (run_tool(fs, argv, out, &status, &text, &ignored) != OST_OK) {
        free(out);
        return -1;
    }
    uint8_t *data = NULL;
    size_t n = 0;
    if (status != 0 && ost_read_file(out, 1u << 20, &data, &n, &ignored) == OST_OK) {
        if (n > TOOL_MESSAGE_MAX)
            data[TOOL_MESSAGE_MAX] = 0;
        for (uint8_t *c = data; *c; c++)
            if (*c == '\n')
                *c = ' ';
        *report = (char *)data;
    }
    free(text);
    unlink(out);
    free(out);
    return status;
}

ost_status ost_fatfs_open(const struct ost_blockio *vol, const char *scratch_dir, struct ost_fatfs **out,
                          struct ost_error *err)
{
    *out = NULL;
    if (vol->size < 512)
        return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: not a FAT volume: %llu bytes, less than a boot sector",
                        vol->name, (unsigned long long)vol->size);
    if (vol->size > MAX_VOLUME)
        return ost_fail(err, OST_ERR_LIMIT,
                        "%s: a FAT volume of %llu bytes is larger than an EFI system partition would be (at most "
                        "%llu bytes are copied to be changed)",
                        vol->name, (unsigned long long)vol->size, (unsigned long long)MAX_VOLUME);
    uint8_t boot[512];
    ost_status st = ost_blockio_read(vol, boot, sizeof boot, 0, err);
    if (st != OST_OK)
        return st;
    struct ost_fatfs *fs = ost_xcalloc(1, sizeof *fs);
    fs->vol = vol;
    st = check_boot_sector(fs, boot, err);
    if (st != OST_OK) {
        free(fs);
        return st;
    }
    char *tmpl = ost_path_join(scratch_dir, "fat-XXXXXX");
    if (!mkdtemp(tmpl)) {
        st = ost_fail(err, OST_ERR_IO, "%s: cannot make a folder in %s: %s", vol->name, scratch_dir, strerror(errno));
        free(tmpl);
        free(fs);
        return st;
    }
    fs->dir = tmpl;
    fs->copy = ost_path_join(fs->dir, "volume.img");
    st = copy_in(fs, err);
    if (st == OST_OK) {
        /* mtools' own reading of the BPB and the root folder */
        char *argv[] = {(char *)"mdir", (char *)"-a", (char *)"-b", (char *)"-i", fs->copy, (char *)"::/", NULL};
        int status;
        char *text = NULL;
        st = run_tool(fs, argv, NULL, &status, &text, err);
        if (st == OST_OK && status != 0)
            st = ost_fail(err, OST_ERR_UNSUPPORTED, "%s: mtools cannot read the %s volume: %s", vol->name,
                          fs->fat_type, text && *text ? text : "no message");
        free(text);
    }
    if (st == OST_OK) {
        char *report;
        fs->fsck_clean = fsck_status(fs, &report) == 0;
        free(report);
    }
    if (st != OST_OK) {
        ost_fatfs_close(fs);
        return st;
    }
    *out = fs;
    return OST_OK;
}

void ost_fatfs_close(struct ost_fatfs *fs)
{
    if (!fs)
        return;
    ost_rm_rf(fs->dir);
    free(fs->dir);
    free(fs->copy);
    free(fs);
}

/* ---- paths --------------------------------------------------------------- */

/* path ('\' or '/' separated) as mtools' "::/A/B", or NULL when it would
 * leave the volume or holds what mtools would take as a pattern. */
static char *mtools_path(const char *path)
{
    if (strpbrk(path, "*?[]\"<>|:"))
        return NULL;
    for (const char *c = path; *c; c++)
        if ((unsigned char)*c < 0x20)
            return NULL;
    char *rel = ost_safe_relative_path(path);
    if (!rel)
        return NULL;
    char *m = ost_xasprintf("::/%s", rel);
    free(rel);
    return m;
}

static ost_status bad_path(struct ost_fatfs *fs, const char *path, struct ost_error *err)
{
    return ost_fail(err, OST_ERR_USAGE,
                    "%s: \"%s\" is not a path inside a FAT volume (no \"..\", drive letter, wildcard or control "
                    "character)",
                    fs->vol->name, path);
}

/* 0 absent, 1 file, 2 folder, -1 when mdir could not say; *real (when
 * not NULL, and the entry exists) gets its name as the volume spells it. */
static int lookup(struct ost_fatfs *fs, const char *mpath, char **real)
{
    if (real)
        *real = NULL;
    if (strcmp(mpath, "::/") == 0)
        return 2;
    const char *slash = strrchr(mpath, '/');
    char *parent = slash == mpath + 2 ? ost_xstrdup("::/") : ost_xstrndup(mpath, (size_t)(slash - mpath));
    const char *leaf = slash + 1;
    char *out = ost_path_join(fs->dir, "mdir.out");
    char *argv[] = {(char *)"mdir", (char *)"-a", (char *)"-b", (char *)"-i", fs->copy, parent, NULL};
    int status, kind = -1;
    char *text = NULL;
    struct ost_error ignored;
    if (run_tool(fs, argv, out, &status, &text, &ignored) == OST_OK) {
        if (status != 0)
            kind = text && strstr(text, "not found") ? 0 : -1;
        uint8_t *listing = NULL;
        size_t n = 0;
        if (status == 0 && ost_read_file(out, 64u << 20, &listing, &n, &ignored) == OST_OK) {
            kind = 0;
            char *save = NULL;
            for (char *line = strtok_r((char *)listing, "\n", &save); line && !kind;
                 line = strtok_r(NULL, "\n", &save)) {
                size_t len = strlen(line);
                bool dir = len && line[len - 1] == '/';
                if (dir)
                    line[--len] = 0;
                const char *name = strrchr(line, '/');
                if (name && ost_streq_ci(name + 1, leaf)) {
                    kind = dir ? 2 : 1;
                    if (real)
                        *real = ost_xstrdup(name + 1);
                }
            }
            free(listing);
        }
    }
    free(text);
    unlink(out);
    free(out);
    free(parent);
    return kind;
}

static int stat_mpath(struct ost_fatfs *fs, const char *mpath)
{
    return lookup(fs, mpath, NULL);
}

/* The attribute letters mattrib shows for mpath ("ASHR" or fewer), or NULL. */
static char *attributes(struct ost_fatfs *fs, const char *mpath)
{
    char *out = ost_path_join(fs->dir, "mattrib.out");
    char *argv[] = {(char *)"mattrib", (char *)"-i", fs->copy, (char *)mpath, NULL};
    int status;
    char *text = NULL, *letters = NULL;
    struct ost_error ignored;
    uint8_t *line = NULL;
    size_t n = 0;
    if (run_tool(fs, argv, out, &status, &text, &ignored) == OST_OK && status == 0 &&
        ost_read_file(out, 1u << 16, &line, &n, &ignored) == OST_OK) {
        char *end = strstr((char *)line, "::");
        struct ost_buf b = {0};
        for (char *c = (char *)line; end && c < end; c++)
            if (*c && strchr("ASHR", *c))
                ost_buf_addc(&b, *c);
        letters = ost_buf_steal(&b);
    }
    free(line);
    free(text);
    unlink(out);
    free(out);
    return letters;
}

int ost_fatfs_stat(struct ost_fatfs *fs, const char *path)
{
    char *m = mtools_path(path);
    if (!m)
        return 0;
    int kind = stat_mpath(fs, m);
    free(m);
    return kind < 0 ? 0 : kind;
}

ost_status ost_fatfs_read_file(struct ost_fatfs *fs, const char *path, size_t max_size, uint8_t **data, size_t *size,
                               struct ost_error *err)
{
    *data = NULL;
    *size = 0;
    char *m = mtools_path(path);
    if (!m)
        return bad_path(fs, path, err);
    ost_status st = OST_OK;
    int kind = stat_mpath(fs, m);
    if (kind != 1) {
        st = ost_fail(err, OST_ERR_IO, "%s: %s: %s", fs->vol->name, path,
                      kind == 2 ? "is a folder, not a file" : kind == 0 ? "no such file" : "mdir cannot list it");
        free(m);
        return st;
    }
    char *local = ost_path_join(fs->dir, "read.out");
    char *argv[] = {(char *)"mcopy", (char *)"-n", (char *)"-i", fs->copy, m, local, NULL};
    char *what = ost_xasprintf("reading %s", path);
    st = run_mtools(fs, argv, NULL, what, err);
    free(what);
    if (st == OST_OK) {
        st = ost_read_file(local, max_size, data, size, err);
        if (st != OST_OK)
            ost_error_rename(err, local, path);
    }
    unlink(local);
    free(local);
    free(m);
    return st;
}

ost_status ost_fatfs_write_file(struct ost_fatfs *fs, const char *path, const char *source, struct ost_error *err)
{
    char *m = mtools_path(path);
    if (!m || strcmp(m, "::/") == 0) {
        free(m);
        return bad_path(fs, path, err);
    }
    fs->dirty = true;
    ost_status st = ost_check_input_file(source, err);
    /* each missing folder on the way, one level at a time */
    for (char *sep = strchr(m + 3, '/'); st == OST_OK && sep; sep = strchr(sep + 1, '/')) {
        *sep = 0;
        int kind = stat_mpath(fs, m);
        if (kind == 0) {
            char *argv[] = {(char *)"mmd", (char *)"-D", (char *)"s", (char *)"-i", fs->copy, m, NULL};
            char *what = ost_xasprintf("making the folder %s", m + 3);
            st = run_mtools(fs, argv, NULL, what, err);
            free(what);
        } else if (kind != 2) {
            st = ost_fail(err, OST_ERR_IO, "%s: cannot make the folder %s: %s", fs->vol->name, m + 3,
                          kind == 1 ? "a file of that name is in the way" : "mdir cannot list it");
        }
        *sep = '/';
    }
    /* a file replaced keeps its name as spelled on the volume and its
     * attributes (Windows marks its BCD system and hidden) */
    char *real = NULL, *attrs = NULL;
    int kind = st == OST_OK ? lookup(fs, m, &real) : 0;
    if (st == OST_OK && kind == 2)
        st = ost_fail(err, OST_ERR_IO, "%s: cannot write %s: a folder of that name is in the way", fs->vol->name, path);
    if (st == OST_OK && kind == 1) {
        char *slash = strrchr(m, '/');
        slash[1] = 0;
        char *spelled = ost_xasprintf("%s%s", m, real);
        free(m);
        m = spelled;
        attrs = attributes(fs, m);
    }
    if (st == OST_OK) {
        char *argv[] = {(char *)"mcopy", (char *)"-D", (char *)"o", (char *)"-i", fs->copy, (char *)source, m,
                        NULL};
        char *what = ost_xasprintf("writing %s", path);
        st = run_mtools(fs, argv, NULL, what, err);
        free(what);
    }
    if (st == OST_OK && attrs) {
        struct ost_strlist args = {0};
        ost_strlist_add(&args, "mattrib");
        ost_strlist_add(&args, "-i");
        ost_strlist_add(&args, fs->copy);
        ost_strlist_add(&args, strchr(attrs, 'A') ? "+a" : "-a");
        ost_strlist_add(&args, strchr(attrs, 'S') ? "+s" : "-s");
        ost_strlist_add(&args, strchr(attrs, 'H') ? "+h" : "-h");
        ost_strlist_add(&args, strchr(attrs, 'R') ? "+r" : "-r");
        ost_strlist_add(&args, m);
        ost_grow(&args.v, &args.cap, args.n + 1, sizeof *args.v);
        args.v[args.n] = NULL;
        char *what = ost_xasprintf("restoring the attributes of %s", path);
        st = run_mtools(fs, args.v, NULL, what, err);
        free(what);
        ost_strlist_free(&args);
    }
    /* mtools says little when it skips a file; what counts is what the
     * copy now holds */
    if (st == OST_OK) {
        uint8_t *want = NULL, *got = NULL;
        size_t nwant = 0, ngot = 0;
        st = ost_read_file(source, SIZE_MAX / 2, &want, &nwant, err);
        if (st == OST_OK)
            st = ost_fatfs_read_file(fs, m + 3, nwant + 1, &got, &ngot, err);
        if (st == OST_OK && (ngot != nwant || memcmp(want, got, nwant) != 0))
            st = ost_fail(err, OST_ERR_IO, "%s: mcopy reported success, but %s does not hold what was written",
                          fs->vol->name, path);
        free(want);
        free(got);
    }
    free(real);
    free(attrs);
    free(m);
    return st;
}

/* ---- copy-out ---------------------------------------------------------- */

static ost_status read_copy(struct ost_fatfs *fs, int fd, uint8_t *buf, size_t n, uint64_t off, struct ost_error *err)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, buf + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return ost_fail(err, OST_ERR_IO, "%s: cannot read %s at offset %llu: %s", fs->vol->name, fs->copy,
                            (unsigned long long)(off + done), r < 0 ? strerror(errno) : "it became shorter");
        done += (size_t)r;
    }
    return OST_OK;
}

/* Walks the copy against the volume chunk by chunk; with write set,
 * writes each run of differing sectors back. *bytes counts them. */
static ost_status compare_volume(struct ost_fatfs *fs, bool write, uint64_t *bytes, struct ost_error *err)
{
    *bytes = 0;
    int fd = open(fs->copy, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot open %s: %s", fs->vol->name, fs->copy, strerror(errno));
    struct stat sb;
    ost_status st = OST_OK;
    if (fstat(fd, &sb) != 0 || (uint64_t)sb.st_size != fs->vol->size)
        st = ost_fail(err, OST_ERR_IO, "%s: the copy %s changed size (%lld bytes, the volume has %llu); nothing was "
                      "written back",
                      fs->vol->name, fs->copy, (long long)sb.st_size, (unsigned long long)fs->vol->size);
    uint8_t *mine = ost_xmalloc(CHUNK), *theirs = ost_xmalloc(CHUNK);
    for (uint64_t off = 0; off < fs->vol->size && st == OST_OK; off += CHUNK) {
        size_t n = fs->vol->size - off < CHUNK ? (size_t)(fs->vol->size - off) : CHUNK;
        st = read_copy(fs, fd, mine, n, off, err);
        if (st == OST_OK)
            st = ost_blockio_read(fs->vol, theirs, n, off, err);
        if (st != OST_OK || memcmp(mine, theirs, n) == 0)
            continue;
        for (size_t i = 0; i < n && st == OST_OK;) {
            size_t len = n - i < fs->sector ? n - i : fs->sector;
            if (memcmp(mine + i, theirs + i, len) == 0) {
                i += len;
                continue;
            }
            size_t run = i;
            while (run < n) {
                size_t l = n - run < fs->sector ? n - run : fs->sector;
                if (memcmp(mine + run, theirs + run, l) == 0)
                    break;
                run += l;
            }
            if (write)
                st = ost_blockio_write(fs->vol, mine + i, run - i, off + i, err);
            *bytes += run - i;
            i = run;
        }
    }
    free(mine);
    free(theirs);
    close(fd);
    return st;
}

ost_status ost_fatfs_write_back(struct ost_fatfs *fs, bool *changed, struct ost_error *err)
{
    *changed = false;
    if (!fs->dirty)
        return OST_OK;
    uint64_t bytes;
    ost_status st;
    if (!fs->vol->pwrite) {
        st = compare_volume(fs, false, &bytes, err);
        if (st == OST_OK && bytes)
            st = ost_fail(err, OST_ERR_IO,
                          "%s: the FAT volume was opened read-only; its %llu changed bytes cannot be written back",
                          fs->vol->name, (unsigned long long)bytes);
        return st;
    }
    if (fs->fsck_clean) {
        /* only a change of ours can have made a clean volume unclean */
        char *report;
        int status = fsck_status(fs, &report);
        if (status > 0)
            st = ost_fail(err, OST_ERR_CORRUPT,
                          "%s: after the change fsck.fat -n finds errors in the %s volume, which it did not "
                          "before; nothing was written back: %s",
                          fs->vol->name, fs->fat_type, report ? report : "no report");
        free(report);
        if (status > 0)
            return st;
    }
    st = compare_volume(fs, true, &bytes, err);
    if (st == OST_OK && bytes)
        st = ost_blockio_flush(fs->vol, err);
    if (st == OST_OK) {
        *changed = bytes != 0;
        fs->dirty = false;
    }
    return st;
}
