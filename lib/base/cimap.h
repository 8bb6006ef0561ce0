/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cimap.h — a hash map from ASCII-case-insensitive names to pointers.
 *
 * Windows names (INF sections, string keys, registry keys) are looked up
 * without regard to case, and an input can hold millions of them; a map keeps
 * every lookup constant-time so that no input makes us quadratic.
 * Keys are copied; values are borrowed.
 */
#ifndef OST_CIMAP_H
#define OST_CIMAP_H

#include <stddef.h>

struct ost_cimap_slot {
    char *key;
    void *value;
};

struct ost_cimap {
    struct ost_cimap_slot *slots;
    size_t size;  /* power of two, or 0 */
    size_t count;
};

/* Returns the value stored for key, or NULL. */
void *ost_cimap_get(const struct ost_cimap *m, const char *key);
/* Inserts or replaces. */
void ost_cimap_put(struct ost_cimap *m, const char *key, void *value);
void ost_cimap_free(struct ost_cimap *m);

#endif
