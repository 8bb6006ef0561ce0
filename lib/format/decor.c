/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "decor.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static bool parse_uint_part(const char **p, unsigned *out)
{
    const char *s = *p;
    if (*s == '\0' || *s == '.')
        return false;
    char *end;
    unsigned long v = strtoul(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
    if (end == s || (*end && *end != '.') || v > 0xFFFFFFFFul)
        return false;
    *out = (unsigned)v;
    *p = end;
    return true;
}

bool ost_decoration_parse(const char *s, struct ost_decoration *out)
{
    memset(out, 0, sizeof *out);
    if (ost_strncasecmp(s, "NT", 2) != 0)
        return false;
    out->nt = true;
    s += 2;
    const char *dot = strchr(s, '.');
    size_t alen = dot ? (size_t)(dot - s) : strlen(s);
    if (alen) {
        char *a = ost_xstrndup(s, alen);
        out->arch = ost_arch_from_inf_suffix(a);
        free(a);
        if (out->arch == OST_ARCH_UNKNOWN)
            return false;
    }
    if (!dot)
        return true;
    s = dot + 1;
    /* major[.minor[.producttype[.suitemask[.build]]]]; empty fields allowed */
    unsigned fields[5] = {0};
    bool present[5] = {0};
    for (int i = 0; i < 5 && *s; i++) {
        if (*s != '.') {
            if (!parse_uint_part(&s, &fields[i]))
                return false;
            present[i] = true;
        }
        if (*s == '.')
            s++;
        else if (*s)
            return false;
    }
    if (*s)
        return false;
    out->has_version = present[0];
    out->major = fields[0];
    out->minor = fields[1];
    out->has_product_type = present[2];
    out->product_type = fields[2];
    out->has_build = present[4];
    out->build = fields[4];
    return true;
}

bool ost_decoration_applies(const struct ost_decoration *d, ost_arch arch,
                            const struct ost_os_version *os)
{
    if (d->arch != OST_ARCH_UNKNOWN && d->arch != arch)
        return false;
    if (d->arch == OST_ARCH_UNKNOWN && arch != OST_ARCH_X86)
        return false;
    if (d->has_version && (d->major > os->major || (d->major == os->major && d->minor > os->minor)))
        return false;
    if (d->has_product_type && d->product_type && d->product_type != os->product_type)
        return false;
    if (d->has_build && os->build && d->build > os->build)
        return false;
    return true;
}

int ost_decoration_compare(const struct ost_decoration *a, const struct ost_decoration *b)
{
    unsigned long long va = (unsigned long long)a->major << 40 | (unsigned long long)a->minor << 20 | a->build;
    unsigned long long vb = (unsigned long long)b->major << 40 | (unsigned long long)b->minor << 20 | b->build;
    if (va != vb)
        return va > vb ? 1 : -1;
    if (a->has_product_type != b->has_product_type)
        return a->has_product_type ? 1 : -1;
    bool aa = a->arch != OST_ARCH_UNKNOWN, ba = b->arch != OST_ARCH_UNKNOWN;
    if (aa != ba)
        return aa ? 1 : -1;
    return 0;
}

/* Install sections: arch-specific first, then generic .NT, then the bare
 * name; within each, the highest applicable OS version. */
static int install_class(const struct ost_decoration *d)
{
    return d->arch != OST_ARCH_UNKNOWN ? 2 : 1;
}

static bool install_decoration_applies(const struct ost_decoration *d, ost_arch arch,
                                       const struct ost_os_version *os)
{
    /* Unlike models sections, a generic .NT install section serves every
     * architecture. */
    struct ost_decoration copy = *d;
    if (copy.arch == OST_ARCH_UNKNOWN)
        copy.arch = arch;
    return ost_decoration_applies(&copy, arch, os);
}

static void consider(struct ost_install_index *ix, const struct ost_inf_section *s, size_t base_len,
                     const struct ost_decoration *d)
{
    char *base = ost_xstrndup(s->name, base_len);
    void *slot = ost_cimap_get(&ix->best, base);
    struct ost_install_choice *cur = slot ? &ix->choices[(uintptr_t)slot - 1] : NULL;
    if (!cur) {
        ost_grow(&ix->choices, &ix->cap, ix->n + 1, sizeof *ix->choices);
        ix->choices[ix->n++] = (struct ost_install_choice){s, *d};
        ost_cimap_put(&ix->best, base, (void *)(uintptr_t)ix->n);
    } else if (install_class(d) > install_class(&cur->decoration) ||
               (install_class(d) == install_class(&cur->decoration) &&
                ost_decoration_compare(d, &cur->decoration) > 0)) {
        *cur = (struct ost_install_choice){s, *d};
    }
    free(base);
}

void ost_install_index_build(struct ost_install_index *ix, const struct ost_inf *inf, ost_arch arch,
                             const struct ost_os_version *os)
{
    *ix = (struct ost_install_index){.inf = inf};
    for (size_t i = 0; i < inf->nsections; i++) {
        const struct ost_inf_section *s = &inf->sections[i];
        /* A decoration holds no ".NT", so at most one dot of a name
         * starts one, and a failed parse stops at the next dot. */
        for (size_t dot = 0; s->name[dot]; dot++) {
            struct ost_decoration d;
            if (s->name[dot] != '.' || ost_strncasecmp(s->name + dot + 1, "NT", 2) != 0 ||
                !ost_decoration_parse(s->name + dot + 1, &d) || !install_decoration_applies(&d, arch, os))
                continue;
            consider(ix, s, dot, &d);
        }
    }
}

void ost_install_index_free(struct ost_install_index *ix)
{
    ost_cimap_free(&ix->best);
    free(ix->choices);
    *ix = (struct ost_install_index){0};
}

const struct ost_inf_section *ost_install_index_find(const struct ost_install_index *ix, const char *base,
                                                     bool *nt_extension)
{
    void *slot = ost_cimap_get(&ix->best, base);
    if (nt_extension)
        *nt_extension = slot != NULL;
    return slot ? ix->choices[(uintptr_t)slot - 1].section : ost_inf_section(ix->inf, base);
}

bool ost_os_version_parse(const char *s, struct ost_os_version *out)
{
    *out = OST_OS_WIN7;
    /* each part whole and in range: sscanf took "6.1junk" and " 6.-1" */
    uint64_t v[3] = {0, 0, 0};
    size_t n = 0;
    for (const char *p = s; n < 3; n++) {
        const char *dot = strchr(p, '.');
        char *part = ost_xstrndup(p, dot ? (size_t)(dot - p) : strlen(p));
        bool good = ost_parse_uint(part, 0, n < 2 ? 0xFFFF : UINT32_MAX, &v[n]);
        free(part);
        if (!good || (dot && n == 2))
            return false;
        if (!dot) {
            n++;
            break;
        }
        p = dot + 1;
    }
    if (n < 2)
        return false;
    out->major = (unsigned)v[0];
    out->minor = (unsigned)v[1];
    out->build = (unsigned)v[2];
    return true;
}
