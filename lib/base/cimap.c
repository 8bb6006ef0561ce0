/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "cimap.h"

#include <stdint.h>
#include <stdlib.h>

#include "util.h"

static uint64_t hash_ci(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + ('a' - 'A'));
        h = (h ^ c) * 1099511628211ull;
    }
    return h;
}

static struct ost_cimap_slot *find_slot(struct ost_cimap_slot *slots, size_t size, const char *key)
{
    size_t mask = size - 1;
    for (size_t i = (size_t)hash_ci(key) & mask;; i = (i + 1) & mask)
        if (!slots[i].key || ost_streq_ci(slots[i].key, key))
            return &slots[i];
}

void *ost_cimap_get(const struct ost_cimap *m, const char *key)
{
    if (!m->size)
        return NULL;
    struct ost_cimap_slot *s = find_slot(m->slots, m->size, key);
    return s->key ? s->value : NULL;
}

static void rehash(struct ost_cimap *m, size_t nsize)
{
    struct ost_cimap_slot *nslots = ost_xcalloc(nsize, sizeof *nslots);
    for (size_t i = 0; i < m->size; i++)
        if (m->slots[i].key)
            *find_slot(nslots, nsize, m->slots[i].key) = m->slots[i];
    free(m->slots);
    m->slots = nslots;
    m->size = nsize;
}

void ost_cimap_put(struct ost_cimap *m, const char *key, void *value)
{
    if ((m->count + 1) * 4 > m->size * 3)
        rehash(m, m->size ? m->size * 2 : 16);
    struct ost_cimap_slot *s = find_slot(m->slots, m->size, key);
    if (!s->key) {
        s->key = ost_xstrdup(key);
        m->count++;
    }
    s->value = value;
}

void ost_cimap_free(struct ost_cimap *m)
{
    for (size_t i = 0; i < m->size; i++)
        free(m->slots[i].key);
    free(m->slots);
    m->slots = NULL;
    m->size = m->count = 0;
}
