/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fileutil.h — host files and paths: opening inputs (regular files only),
 * reading them whole, writing, copying and replacing files durably, and
 * joining, splitting and checking host paths.
 *
 * Nothing here aborts on an I/O error: every failure is an ost_status with
 * a message naming the file and the reason (strerror).
 */
#ifndef OST_FILEUTIL_H
#define OST_FILEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Opens an input file for reading, refusing at once (OST_ERR_IO, naming
 * it) anything but a regular file: a FIFO or a device would block a command
 * forever or read without end. `extra_flags` adds open flags (O_NOFOLLOW).
 * Returns the descriptor (blocking again, close-on-exec) or -1. */
int ost_open_input(const char *path, int extra_flags, struct ost_error *err);
/* The same refusal for libraries that only take a name (hivex, libwim):
 * they open the file themselves a moment later, so a name swapped in
 * between is not caught; what matters is that an ordinary mistake (a FIFO,
 * /dev/stdin, a folder) is named instead of hanging. */
ost_status ost_check_input_file(const char *path, struct ost_error *err);

/* Reads a whole file, refusing files larger than max_size and files that
 * are not regular (ost_open_input). The result is NUL-terminated (not
 * counted in *size). */
ost_status ost_read_file(const char *path, size_t max_size, uint8_t **data, size_t *size,
                         struct ost_error *err);
/* Reads the whole regular file open as fd (then closes it), like
 * ost_read_file; `name` is for messages. */
ost_status ost_read_fd(int fd, const char *name, size_t max_size, uint8_t **data, size_t *size,
                       struct ost_error *err);
/* "a FIFO", "a folder", "a symbolic link", ... for messages about what is
 * found where a file is expected. */
const char *ost_file_kind(unsigned mode);

/* Copies a file (a regular file; symlinks are not followed), writing the
 * copy with ost_write_all and syncing it. */
ost_status ost_copy_file(const char *from, const char *to, struct ost_error *err);
/* The same, unsynced: for a copy in a scratch folder, removed at the end,
 * that no commit protocol rests on (a crash loses it with its folder). */
ost_status ost_copy_scratch_file(const char *from, const char *to, struct ost_error *err);
/* Writes all of buf to fd. For tests, OFFSTAGE_FAULT_ENOSPC_AFTER=N in the
 * environment makes writes fail with ENOSPC once N bytes have been written
 * in this process: the way to test "disk full" without filling a disk. */
int ost_write_all(int fd, const void *buf, size_t n);
/* Mode for ost_write_temp_beside: the replaced file's, or 0644 for a new one. */
#define OST_MODE_KEEP ((unsigned)-1)
/* Writes the bytes, synced, to a new temporary file beside `final` with
 * `mode` (or OST_MODE_KEEP); its name in *tmp_out (caller frees). The
 * caller renames it over final, or unlinks it; nothing is left on failure. */
ost_status ost_write_temp_beside(const char *final, const void *data, size_t size, unsigned mode, char **tmp_out,
                                 struct ost_error *err);
/* fsync(2) of a file or folder by its path. */
ost_status ost_sync_path(const char *path, struct ost_error *err);

/* Renames a synced temporary over final, then syncs final's folder so that
 * the rename survives a power cut. On failure the temporary is left for the
 * caller to unlink. */
ost_status ost_rename_into_place(const char *tmp, const char *final, struct ost_error *err);
/* Replaces path with the bytes through such a temporary and a rename: a
 * reader sees the old file or the new one, never a mix. */
ost_status ost_replace_file(const char *path, const void *data, size_t size, unsigned mode, struct ost_error *err);
/* Creates (or truncates) path with the bytes: for scratch files; what
 * replaces a user's file goes through a temporary and a rename instead. */
ost_status ost_write_new_file(const char *path, const void *data, size_t n, struct ost_error *err);
/* Reads fd to its end, discarding the bytes. */
void ost_drain_fd(int fd);
/* Removes a directory tree (not following symlinks); NULL is nothing to remove. */
void ost_rm_rf(const char *path);

/* Path helpers for host paths. */
char *ost_path_join(const char *dir, const char *name);
const char *ost_path_basename(const char *path);
char *ost_path_dirname(const char *path);
bool ost_is_dir(const char *path);
bool ost_is_regular_file(const char *path);

/* Finds NAME in DIR comparing case-insensitively, as Windows would; returns
 * the real host path or NULL. Symlinks are reported as not found (a package
 * must not reach outside itself through them). */
char *ost_find_ci(const char *dir, const char *name);

/* Normalises a relative path from an input ('\\' or '/' separated) into
 * '/'-separated form. Returns NULL if it is absolute, has a drive letter,
 * or any ".." component: such a path would leave its root. */
char *ost_safe_relative_path(const char *path);

#endif
