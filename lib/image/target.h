/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * target.h — an offline Windows to service, whatever holds it: a directory
 * (an installed Windows whose volume is mounted, or a tree extracted from
 * media), a WIM image, a disk image. Staging logic is written once against
 * this interface.
 *
 * Paths are Windows paths relative to the image root, '\'-separated and
 * resolved case-insensitively ("windows\system32\CONFIG\system" finds
 * Windows/System32/config/SYSTEM).
 *
 * Writes are a transaction: ost_target_write_file and ost_target_remove_file
 * only stage; ost_target_commit applies every staged change or, if any step
 * fails, none (what was applied is rolled back). Closing without commit
 * discards them. A target opened read-only refuses writes.
 */
#ifndef OST_TARGET_H
#define OST_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cimap.h"
#include "error.h"
#include "util.h"

struct ost_target;

/* Writes a file's whole content to `dest`, opened by name (which may be a
 * pipe): a hive saved by hivex, for instance. Calling it again writes the
 * same bytes. `size_hint` is about what it writes, or 0 when unknown. */
struct ost_producer {
    ost_status (*produce)(const char *dest, void *ctx, struct ost_error *err);
    void *ctx;
    uint64_t size_hint;
};

struct ost_target_ops {
    const char *kind;
    ost_status (*read_file)(struct ost_target *t, const char *path, size_t max_size, uint8_t **data,
                            size_t *size, struct ost_error *err);
    /* 0 absent, 1 file, 2 directory, -1 something else or unreachable (a
     * link, a special file, an ambiguous name): reading it says why */
    int (*stat)(struct ost_target *t, const char *path);
    ost_status (*list_dir)(struct ost_target *t, const char *path, struct ost_strlist *names,
                           struct ost_error *err);
    /* A local file holding the content of path, for libraries that need a
     * file name (hivex). The caller must not modify or delete it. A file
     * larger than max_size is refused (OST_ERR_LIMIT) before any of it is
     * read or extracted. */
    ost_status (*local_path)(struct ost_target *t, const char *path, uint64_t max_size, char **local,
                             struct ost_error *err);
    /* Stages path := the bytes of local file `source` (copied now). */
    ost_status (*write_file)(struct ost_target *t, const char *path, const char *source, struct ost_error *err);
    /* Optional: stages path := what `produce` writes to the file name it is
     * given, for libraries that only write to a named file (hivex). A
     * backend provides it when it can take the bytes without a temporary
     * copy; otherwise they go through a scratch file and write_file. */
    ost_status (*write_produced)(struct ost_target *t, const char *path, const struct ost_producer *p,
                                 struct ost_error *err);
    ost_status (*remove_file)(struct ost_target *t, const char *path, struct ost_error *err);
    /* Stages removal of a directory, done at commit if it is empty then. */
    ost_status (*remove_dir)(struct ost_target *t, const char *path, struct ost_error *err);
    ost_status (*commit)(struct ost_target *t, struct ost_error *err);
    void (*close)(struct ost_target *t);
};

struct ost_target {
    const struct ost_target_ops *ops;
    char *name;      /* for messages: the directory or FILE:INDEX */
    int wim_index;   /* a WIM image's INDEX (from 1), for JSON beside name; 0 for the others */
    bool writable;
    char *scratch;   /* private temporary directory, removed on close */
    /* What opening it repaired (an interrupted commit completed or undone),
     * one line each, for the program to show; NULL when nothing was. */
    char *notice;
    /* The BCD stores the Windows this target holds boots from, when the
     * backend can find them (a disk: its system partition's Boot\BCD for
     * BIOS, or the EFI system partition's EFI\Microsoft\Boot\BCD for UEFI;
     * "Boot Configuration Data in Windows Vista",
     * https://learn.microsoft.com/en-us/previous-versions/windows/hardware/design/dn653287(v=vs.85)),
     * as paths that read_file, local_path and write_file take (a store on
     * another volume of the disk starts with OST_TARGET_VOLUME_PREFIX);
     * and, parallel, how a message names each ("partition 1 (System
     * Reserved) \Boot\BCD of win7.qcow2"). Empty when the backend cannot
     * know (a directory, a WIM image): --bcd names them then. */
    struct ost_strlist boot_stores;
    struct ost_strlist boot_store_names;
};

/* The first component of a path on another volume of the same disk:
 * "<volume 1>\Boot\BCD". '<' and '>' cannot occur in a Windows file
 * name, so no real path is taken for one. */
#define OST_TARGET_VOLUME_PREFIX "<volume "

/* Opens a directory holding an offline Windows root, locked (imagelock.h)
 * for writing or for reading, after finishing any change a stopped command
 * left in it (see target_dir.c). */
ost_status ost_target_open_dir(const char *dir, bool writable, struct ost_target **out, struct ost_error *err);

ost_status ost_target_read_file(struct ost_target *t, const char *path, size_t max_size, uint8_t **data,
                                size_t *size, struct ost_error *err);
int ost_target_stat(struct ost_target *t, const char *path);
ost_status ost_target_list_dir(struct ost_target *t, const char *path, struct ost_strlist *names,
                               struct ost_error *err);
ost_status ost_target_local_path(struct ost_target *t, const char *path, uint64_t max_size, char **local,
                                 struct ost_error *err);
ost_status ost_target_write_file(struct ost_target *t, const char *path, const char *source, struct ost_error *err);
ost_status ost_target_write_produced(struct ost_target *t, const char *path, const struct ost_producer *p,
                                     struct ost_error *err);
/* Stages path := data. */
ost_status ost_target_write_bytes(struct ost_target *t, const char *path, const void *data, size_t size,
                                  struct ost_error *err);
ost_status ost_target_remove_file(struct ost_target *t, const char *path, struct ost_error *err);
ost_status ost_target_remove_dir(struct ost_target *t, const char *path, struct ost_error *err);
ost_status ost_target_commit(struct ost_target *t, struct ost_error *err);
void ost_target_close(struct ost_target *t);

/* A new file name inside the target's scratch directory, made on first use
 * (OST_ERR_IO naming the folder when it cannot be: a full or read-only
 * $TMPDIR is an error to report, not a reason to stop the process). */
ost_status ost_target_scratch_file(struct ost_target *t, const char *hint, char **path, struct ost_error *err);

/* ---- for backends: the changes staged until commit ------------------------
 * How each backend applies them differs: a directory through its journal
 * (target_dir.c), a disk by writing its volumes in the session's overlay
 * and reading them back (target_disk.c); what they stage is the same. */

/* path := the file `staged` (the backend's own copy, named as it likes),
 * path removed (staged NULL), or with dir, the folder removed if it is
 * empty by then. */
struct ost_target_change {
    char *path;
    char *staged;
    bool dir;
};

/* The changes in the order they were staged. A file path staged again, in
 * any spelling (case, '/' or '\'), is the same entry, found through a map
 * so that staging a package of many files stays linear; each folder
 * removal is an entry of its own. */
struct ost_target_changes {
    struct ost_target_change *v;
    size_t n, cap;
    struct ost_cimap index; /* file changes by path: index + 1 */
};

/* The entry for the file path, new (staged NULL) or the one staged
 * before; valid until the next change is added. */
struct ost_target_change *ost_target_changes_file(struct ost_target_changes *c, const char *path);
void ost_target_changes_add_dir(struct ost_target_changes *c, const char *path);
/* Forgets every change (the staged files are the caller's to remove
 * first); the list can be used again. */
void ost_target_changes_clear(struct ost_target_changes *c);
void ost_target_changes_free(struct ost_target_changes *c);

/* Joins Windows path parts with '\'. */
char *ost_winpath_join(const char *a, const char *b);

/* Rejects paths that would leave the image: "..", absolute, drive letters. */
bool ost_winpath_is_safe(const char *path);

#endif
