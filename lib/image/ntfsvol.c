/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "ntfsvol.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/security.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

#include "fileutil.h"
#include "run.h"
#include "util.h"

static const char *mkntfs_path(void)
{
    static const char *const candidates[] = {"/usr/sbin/mkntfs", "/sbin/mkntfs", "/usr/bin/mkntfs"};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
        if (access(candidates[i], X_OK) == 0)
            return candidates[i];
    return NULL;
}

bool ost_ntfs_available(void)
{
    return mkntfs_path() != NULL;
}

static ost_status make_volume(const char *path, uint64_t size, struct ost_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)size) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return ost_fail(err, OST_ERR_IO, "%s: cannot create an NTFS volume file: %s", path, strerror(e));
    }
    close(fd);
    const char *tool = mkntfs_path();
    char *argv[] = {(char *)"mkntfs", (char *)"-F", (char *)"-Q", (char *)"-q", (char *)"-s", (char *)"512",
                    (char *)path, NULL};
    if (!tool)
        return ost_fail(err, OST_ERR_IO, "%s: mkntfs failed (%s)", path, strerror(ENOENT));
    struct ost_run job = {.path = tool, .argv = argv};
    struct ost_run_result r;
    ost_status st = ost_run_program(&job, path, &r, err);
    if (st == OST_OK && r.exit_status != 0)
        st = ost_fail(err, OST_ERR_IO, "%s: mkntfs failed (exit status %d)%s%s", path, r.exit_status,
                      *r.errout ? ": " : "", ost_str_trim(r.errout));
    ost_run_result_free(&r);
    return st;
}

/* Copies fd to its end into the file's data; `label` names the source in
 * messages. On a failed write it stops writing but still reads to the end,
 * so a writer on the other side of a pipe is never left blocked. */
static ost_status write_data(ntfs_inode *ni, int fd, const char *label, struct ost_error *err)
{
    ntfs_attr *na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
    ost_status st = OST_OK;
    if (!na)
        st = ost_fail(err, OST_ERR_IO, "%s: cannot copy into the NTFS volume: %s", label, strerror(errno));
    char buf[65536];
    s64 off = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && st == OST_OK)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot read: %s", label, strerror(errno));
        if (n <= 0)
            break;
        if (st == OST_OK && ntfs_attr_pwrite(na, off, (s64)n, buf) != (s64)n)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot write into the NTFS volume: %s", label, strerror(errno));
        off += (s64)n;
    }
    if (na)
        ntfs_attr_close(na);
    return st;
}

static ost_status set_meta(ntfs_volume *vol, ntfs_inode *ni, const struct ost_ntfs_file_meta *m,
                           struct ost_error *err)
{
    if (m->security_descriptor && m->security_descriptor_size) {
        struct SECURITY_CONTEXT scx;
        memset(&scx, 0, sizeof scx);
        scx.vol = vol;
        if (ntfs_set_ntfs_acl(&scx, ni, m->security_descriptor, m->security_descriptor_size, 0) != 0)
            return ost_fail(err, OST_ERR_IO, "cannot set the security descriptor in the NTFS volume: %s",
                            strerror(errno));
    }
    le32 attrib = cpu_to_le32(m->attributes);
    if (ntfs_set_ntfs_attrib(ni, (const char *)&attrib, sizeof attrib, 0) != 0)
        return ost_fail(err, OST_ERR_IO, "cannot set attributes in the NTFS volume: %s", strerror(errno));
    /* creation, last write, last access, as the system.ntfs_times attribute */
    le64 times[3] = {cpu_to_le64(m->creation_time), cpu_to_le64(m->last_write_time),
                     cpu_to_le64(m->last_access_time)};
    if (ntfs_inode_set_times(ni, (const char *)times, sizeof times, 0) != 0)
        return ost_fail(err, OST_ERR_IO, "cannot set times in the NTFS volume: %s", strerror(errno));
    return OST_OK;
}

ost_status ost_ntfs_volume_with_file(const char *volume_path, const char *name, const char *source,
                                     const struct ost_ntfs_file_meta *meta, struct ost_error *err)
{
    int fd = open(source, O_RDONLY | O_CLOEXEC);
    struct stat st_src;
    if (fd < 0 || fstat(fd, &st_src) != 0) {
        ost_status st = ost_fail(err, OST_ERR_IO, "%s: %s", source, strerror(errno));
        if (fd >= 0)
            close(fd);
        return st;
    }
    ost_status st = ost_ntfs_volume_from_fd(volume_path, name, (uint64_t)st_src.st_size, fd, source, meta, err);
    close(fd);
    return st;
}

ost_status ost_ntfs_volume_from_fd(const char *volume_path, const char *name, uint64_t capacity, int fd,
                                   const char *label, const struct ost_ntfs_file_meta *meta, struct ost_error *err)
{
    /* room for the file, the MFT and the log file mkntfs lays out */
    uint64_t size = capacity + capacity / 8 + (16u << 20);
    ost_status st = make_volume(volume_path, size, err);
    if (st != OST_OK) {
        ost_drain_fd(fd);
        return st;
    }
    ntfs_volume *vol = ntfs_mount(volume_path, NTFS_MNT_NONE);
    if (!vol) {
        st = ost_fail(err, OST_ERR_IO, "%s: cannot open the NTFS volume: %s", volume_path, strerror(errno));
        ost_drain_fd(fd);
        return st;
    }
    ntfs_inode *root = ntfs_pathname_to_inode(vol, NULL, "/");
    ntfschar *uname = NULL;
    int ulen = ntfs_mbstoucs(name, &uname);
    ntfs_inode *ni = root && ulen > 0 ? ntfs_create(root, const_cpu_to_le32(0), uname, (u8)ulen, S_IFREG) : NULL;
    if (!ni)
        st = ost_fail(err, OST_ERR_IO, "%s: cannot create %s in the NTFS volume: %s", volume_path, name,
                      strerror(errno));
    /* Close the directory first: closing a changed file updates its entry
     * in the directory, which libntfs-3g reopens for that; an open handle
     * of ours at that point is never released. */
    if (root)
        ntfs_inode_close(root);
    root = NULL;
    if (st == OST_OK)
        st = write_data(ni, fd, label, err);
    else
        ost_drain_fd(fd);
    if (st == OST_OK)
        st = set_meta(vol, ni, meta, err);
    if (ni)
        ntfs_inode_close(ni);
    if (root)
        ntfs_inode_close(root);
    free(uname);
    if (ntfs_umount(vol, FALSE) != 0 && st == OST_OK)
        st = ost_fail(err, OST_ERR_IO, "%s: cannot close the NTFS volume: %s", volume_path, strerror(errno));
    return st;
}
