/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * util.h — memory, strings and files, the small things every module needs.
 *
 * Allocation failure is not recoverable in a command-line tool that works on
 * bounded inputs: ost_xmalloc and friends abort with a message instead of
 * returning NULL, which keeps every caller free of dead error paths.
 */
#ifndef OST_UTIL_H
#define OST_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

void *ost_xmalloc(size_t n);
void *ost_xcalloc(size_t count, size_t size);
void *ost_xrealloc(void *p, size_t n);
/* Grows *items (of *cap elements of elem_size) so that `need` fit. */
void ost_grow(void *items_ptr, size_t *cap, size_t need, size_t elem_size);
char *ost_xstrdup(const char *s);
char *ost_xstrndup(const char *s, size_t n);
char *ost_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *ost_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A growable byte string, always NUL-terminated. */
struct ost_buf {
    char *data;
    size_t len;
    size_t cap;
};
void ost_buf_add(struct ost_buf *b, const void *data, size_t n);
void ost_buf_addc(struct ost_buf *b, char c);
void ost_buf_adds(struct ost_buf *b, const char *s);
void ost_buf_addf(struct ost_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Gives the string to the caller (never NULL) and empties the buffer. */
char *ost_buf_steal(struct ost_buf *b);
void ost_buf_free(struct ost_buf *b);

/* A list of owned strings. */
struct ost_strlist {
    char **v;
    size_t n;
    size_t cap;
};
void ost_strlist_add(struct ost_strlist *l, const char *s);
void ost_strlist_add_owned(struct ost_strlist *l, char *s);
bool ost_strlist_contains_ci(const struct ost_strlist *l, const char *s);
void ost_strlist_free(struct ost_strlist *l);

/* ASCII case-insensitive comparison: Windows names (sections, keys, IDs,
 * file names in a package) compare this way. */
int ost_strcasecmp(const char *a, const char *b);
int ost_strncasecmp(const char *a, const char *b, size_t n);
bool ost_streq_ci(const char *a, const char *b);
bool ost_has_prefix_ci(const char *s, const char *prefix);
bool ost_has_suffix_ci(const char *s, const char *suffix);
void ost_str_upper(char *s);
void ost_str_lower(char *s);
/* Trims ASCII whitespace in place; returns s. */
char *ost_str_trim(char *s);

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

/* Reads the whole regular file open as fd (then closes it), like
 * ost_read_file; `name` is for messages. */
ost_status ost_read_fd(int fd, const char *name, size_t max_size, uint8_t **data, size_t *size,
                       struct ost_error *err);
/* "a FIFO", "a folder", "a symbolic link", ... for messages about what is
 * found where a file is expected. */
const char *ost_file_kind(unsigned mode);

/* Parses a whole decimal number in [min, max]: digits only, no sign, no
 * spaces, no wrap-around. Returns false for anything else. */
bool ost_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Reads a whole file, refusing files larger than max_size and files that
 * are not regular (ost_open_input). The result is NUL-terminated (not
 * counted in *size). */
ost_status ost_read_file(const char *path, size_t max_size, uint8_t **data, size_t *size,
                         struct ost_error *err);

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

/* Little-endian readers over a bounded buffer. */
static inline uint16_t ost_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t ost_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t ost_le64(const uint8_t *p)
{
    return (uint64_t)ost_le32(p) | (uint64_t)ost_le32(p + 4) << 32;
}

static inline void ost_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}
static inline void ost_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

/* UTF-8: appends one code point; decodes one sequence (returns its length
 * and sets *cp, or 0 when the bytes are not valid UTF-8). */
void ost_buf_add_utf8(struct ost_buf *b, uint32_t cp);
size_t ost_utf8_decode(const uint8_t *p, size_t left, uint32_t *cp);

#endif

/* Copies a file (a regular file; symlinks are not followed), writing the
 * copy with ost_write_all and syncing it. */
ost_status ost_copy_file(const char *from, const char *to, struct ost_error *err);
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
