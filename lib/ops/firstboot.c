/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "firstboot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bcd.h"
#include "certstore.h"

ost_status ost_image_add_trust(struct ost_image *img, struct ost_cat_trust *trust, struct ost_error *err)
{
    struct ost_strlist stores = {0};
    ost_strlist_add(&stores, "ROOT");
    ost_strlist_add(&stores, "TrustedPublisher");
    struct ost_certstore_list list = {0};
    ost_status st = ost_certstore_list(img, &stores, &list, err);
    for (size_t i = 0; st == OST_OK && i < list.n; i++) {
        const struct ost_certstore_entry *e = &list.v[i];
        struct ost_error ignored;
        if (e->cert.der && !e->problem)
            ost_cat_trust_add_der(trust, e->cert.der, e->cert.der_len, e->key, &ignored);
    }
    ost_certstore_list_free(&list);
    ost_strlist_free(&stores);
    return st;
}

static ost_status testsigning_of(struct ost_bcd *b, ost_tristate *out, struct ost_error *err)
{
    ost_bcd_scope scope;
    ost_status st = ost_bcd_flag_on(b, OST_BCD_TESTSIGNING, &scope, err);
    if (st == OST_OK || st == OST_NEGATIVE) {
        *out = st == OST_OK ? OST_YES : OST_NO;
        st = OST_OK;
    }
    return st;
}

ost_status ost_image_testsigning(struct ost_image *img, ost_tristate *out, struct ost_error *err)
{
    *out = OST_UNKNOWN;
    struct ost_bcd *b;
    ost_status st = ost_bcd_open_template(img, false, &b, err);
    if (st == OST_NEGATIVE)
        return OST_OK;
    if (st == OST_OK)
        st = testsigning_of(b, out, err);
    ost_bcd_close(b);
    return st;
}

ost_status ost_bcd_file_testsigning(const char *path, ost_tristate *out, struct ost_error *err)
{
    *out = OST_UNKNOWN;
    struct ost_bcd *b;
    ost_status st = ost_bcd_open(path, false, true, &b, err);
    if (st != OST_OK)
        return st;
    st = testsigning_of(b, out, err);
    ost_bcd_close(b);
    return st;
}

/* The store's testsigning and the objects asked, into s. */
static ost_status read_store(struct ost_bcd *b, struct ost_boot_store *s, struct ost_error *err)
{
    size_t *idx = NULL, n = 0;
    ost_bcd_scope scope = OST_BCD_SCOPE_LOADERS;
    ost_status st = ost_bcd_targets(b, NULL, &idx, &n, &scope, err);
    if (st == OST_NEGATIVE) { /* nothing loaders use or are created from: nothing can be on */
        s->testsigning = OST_NO;
        ost_format_into(s->loaders, sizeof s->loaders, "no loader and no {bootloadersettings}");
        return OST_OK;
    }
    size_t used = 0;
    for (size_t i = 0; st == OST_OK && i < n && used < sizeof s->loaders; i++)
        used += (size_t)snprintf(s->loaders + used, sizeof s->loaders - used, "%s%s", i ? ", " : "",
                                 ost_bcd_display_id(b, b->v[idx[i]].guid));
    free(idx);
    s->is_template = scope == OST_BCD_SCOPE_TEMPLATE;
    return st == OST_OK ? testsigning_of(b, &s->testsigning, err) : st;
}

static void join_paths(const struct ost_boot_policy *pol, ost_tristate which, char *buf, size_t size)
{
    size_t count = 0, used = 0, total = 0;
    for (size_t i = 0; i < pol->nstores; i++)
        total += which == OST_UNKNOWN || pol->stores[i].testsigning == which;
    buf[0] = '\0';
    for (size_t i = 0; i < pol->nstores && used < size; i++) {
        if (which != OST_UNKNOWN && pol->stores[i].testsigning != which)
            continue;
        const char *sep = count == 0 ? "" : count + 1 == total ? " and " : ", ";
        used += (size_t)snprintf(buf + used, size - used, "%s%s", sep, pol->stores[i].path);
        count++;
    }
}

void ost_boot_policy_stores_text(const struct ost_boot_policy *pol, char *buf, size_t size)
{
    char paths[1000];
    join_paths(pol, OST_UNKNOWN, paths, sizeof paths);
    if (!pol->nstores)
        ost_format_into(buf, size, "%s", "");
    else if (pol->template_decides)
        ost_format_into(buf, size, "%s", paths);
    else
        ost_format_into(buf, size, "BCD store%s %s", pol->nstores > 1 ? "s" : "", paths);
}

#define TEMPLATE_CAVEAT                                                                                            \
    "this rests on Windows 7 Setup carrying the BCD-Template's {bootloadersettings} into the installed boot "    \
    "store, which Microsoft does not document; what does not rest on it: turn testsigning on in the installed "  \
    "store after Setup, e.g. `bcdedit /set {default} testsigning on` in Windows\\Setup\\Scripts\\SetupComplete.cmd" \
    " (Microsoft: \"The TESTSIGNING Boot Configuration Option\", \"Add a Custom Script to Windows Setup\")"

/* Notes that the image's own store `label` could not be read (the first
 * such store is the one the message names). */
static void unreadable(struct ost_boot_policy *pol, struct ost_boot_store *s, const char *label, const char *why)
{
    size_t n = strlen(label);
    if (!strncmp(why, label, n) && why[n] == ':' && why[n + 1] == ' ')
        why += n + 2; /* the message names the store already */
    s->testsigning = OST_UNKNOWN;
    ost_format_into(s->problem, sizeof s->problem, "%s", why);
    if (!pol->testsigning_problem[0])
        ost_format_into(pol->testsigning_problem, sizeof pol->testsigning_problem, "%s cannot be read (%s)", label,
                        why);
}

/* What the policy says when a store of the image's own could not be read
 * and no store has testsigning off: unknown, and repairing the store is
 * the step (bcdboot rebuilds a system partition's store; a BCD-Template
 * comes with the Windows release: "BCDboot Command-Line Options"). */
static void unknown_unreadable(struct ost_boot_policy *pol, bool template)
{
    pol->testsigning = OST_UNKNOWN;
    ost_format_into(pol->testsigning_source, sizeof pol->testsigning_source, "unknown: %s",
                    pol->testsigning_problem);
    ost_format_into(pol->testsigning_fix, sizeof pol->testsigning_fix, "%s",
                    template ? "replace Windows\\System32\\config\\BCD-Template with a readable one (the "
                               "same Windows release's), or give the store the system boots from with --bcd; "
                               "then check again"
                             : "repair the boot store that cannot be read (from the installed Windows or its "
                               "recovery console: bcdboot C:\\Windows rebuilds it), then check again");
}

/* One store into pol->stores: a --bcd file (target_path NULL), or one of
 * the target's own, read through it and named by `label`. */
static ost_status read_one(struct ost_boot_policy *pol, struct ost_image *img, const char *target_path,
                           const char *file, const char *label, struct ost_error *err)
{
    struct ost_boot_store *s = &pol->stores[pol->nstores++];
    ost_format_into(s->path, sizeof s->path, "%s", label);
    struct ost_bcd *b;
    ost_status st;
    if (target_path) {
        s->in_target = true;
        ost_format_into(s->target_path, sizeof s->target_path, "%s", target_path);
        st = ost_bcd_open_in_image(img, target_path, label, false, &b, err);
    } else {
        st = ost_bcd_open(file, false, true, &b, err);
    }
    if (st == OST_OK)
        st = read_store(b, s, err);
    ost_bcd_close(b);
    /* a Ctrl-C is not a fact about the store */
    if (st != OST_OK && st != OST_ERR_INTERRUPTED && target_path) {
        unreadable(pol, s, label, err->message);
        st = OST_OK;
    }
    return st;
}

/* The step that turns testsigning on where it is off: the target's own
 * stores all at once through the image (bcd --image edits them, not the
 * template, on such a target), a --bcd store by its file. */
static void fix_text(struct ost_boot_policy *pol, const struct ost_image *img)
{
    size_t used = 0, size = sizeof pol->testsigning_fix;
    char *buf = pol->testsigning_fix;
    const char *lead = "turn test-signing on in the boot store where it is off:";
    bool target_off = false;
    for (size_t i = 0; i < pol->nstores; i++)
        target_off = target_off || (pol->stores[i].in_target && pol->stores[i].testsigning == OST_NO);
    if (target_off)
        used += (size_t)snprintf(buf, size, "%s offstage bcd --image %s --set testsigning on (it sets it in the "
                                 "target's own boot store%s, not its BCD-Template; offstage add-driver --test-sign "
                                 "does so too)", lead, img->target->name, img->target->boot_stores.n > 1 ? "s" : "");
    for (size_t i = 0; i < pol->nstores && used < size; i++)
        if (!pol->stores[i].in_target && pol->stores[i].testsigning != OST_YES)
            used += (size_t)snprintf(buf + used, size - used, "%s offstage bcd --store %s --set testsigning on",
                                     used ? ";" : lead, pol->stores[i].path);
}

/* The target's own boot stores and the --bcd ones: every one must have
 * testsigning on, since either may boot. */
static ost_status read_stores(struct ost_boot_policy *pol, struct ost_image *img, const struct ost_strlist *files,
                              struct ost_error *err)
{
    const struct ost_strlist *own = img ? &img->target->boot_stores : NULL;
    size_t nown = own ? own->n : 0, nfiles = files ? files->n : 0;
    if (nown + nfiles > OST_BOOT_MAX_STORES && !nown)
        return ost_fail(err, OST_ERR_USAGE, "--bcd given %zu times; at most %d stores are read", nfiles,
                        OST_BOOT_MAX_STORES);
    if (nown + nfiles > OST_BOOT_MAX_STORES)
        return ost_fail(err, OST_ERR_USAGE, "%s: %zu boot stores (%zu of its own, %zu given with --bcd); at most %d "
                        "are read", img->target->name, nown + nfiles, nown, nfiles, OST_BOOT_MAX_STORES);
    ost_status st = OST_OK;
    for (size_t i = 0; st == OST_OK && i < nown; i++) {
        const struct ost_strlist *names = &img->target->boot_store_names;
        st = read_one(pol, img, own->v[i], NULL, i < names->n ? names->v[i] : own->v[i], err);
    }
    const struct ost_strlist *labels = pol->store_names;
    for (size_t i = 0; st == OST_OK && i < nfiles; i++)
        st = read_one(pol, img, NULL, files->v[i], labels && i < labels->n ? labels->v[i] : files->v[i], err);
    if (st != OST_OK)
        return st;
    size_t on = 0, off = 0;
    for (size_t i = 0; i < pol->nstores; i++) {
        on += pol->stores[i].testsigning == OST_YES;
        off += pol->stores[i].testsigning == OST_NO;
    }
    char all[1000], offs[1000], ons[1000];
    fix_text(pol, img);
    join_paths(pol, OST_UNKNOWN, all, sizeof all);
    join_paths(pol, OST_NO, offs, sizeof offs);
    join_paths(pol, OST_YES, ons, sizeof ons);
    pol->testsigning = off ? OST_NO : OST_YES;
    if (pol->testsigning_problem[0])
        ost_format_into(pol->testsigning_caveat, sizeof pol->testsigning_caveat, "%s; it counts as unknown, %s",
                        pol->testsigning_problem, off ? "and testsigning is off in another store anyway"
                                                      : "so testsigning is unknown");
    if (!off && pol->testsigning_problem[0])
        unknown_unreadable(pol, false);
    else if (!off)
        ost_format_into(pol->testsigning_source, sizeof pol->testsigning_source, "BCD store%s %s",
                        pol->nstores > 1 ? "s" : "", all);
    else if (!on)
        ost_format_into(pol->testsigning_source, sizeof pol->testsigning_source, "BCD store%s %s",
                        off > 1 ? "s" : "", offs);
    else
        ost_format_into(pol->testsigning_source, sizeof pol->testsigning_source,
                        "BCD store%s %s (on in %s; the %s may boot from either)", off > 1 ? "s" : "", offs, ons,
                        nown ? "system" : "media");
    return OST_OK;
}

static ost_status read_testsigning(struct ost_boot_policy *pol, const struct ost_strlist *bcd_files,
                                   struct ost_image *img, struct ost_error *err)
{
    struct ost_image *keep_img = pol->img;
    const char *keep_planned = pol->planned_thumbprint, *keep_recovery = pol->recovery_of;
    const struct ost_strlist *keep_names = pol->store_names;
    *pol = (struct ost_boot_policy){.testsigning = OST_UNKNOWN, .img = keep_img, .planned_thumbprint = keep_planned,
                                    .store_names = keep_names, .recovery_of = keep_recovery};
    if (img)
        ost_image_kind_read(img, &pol->kind);
    enum ost_image_kind kind = img ? pol->kind.kind : OST_IMAGE_KIND_UNKNOWN;
    const char *evidence = pol->kind.evidence;
    if (img && img->target->boot_stores.n)
        return read_stores(pol, img, bcd_files, err);
    if (bcd_files && bcd_files->n) {
        if (kind == OST_IMAGE_KIND_WINPE)
            ost_format_into(pol->testsigning_caveat, sizeof pol->testsigning_caveat,
                            "the image is Windows PE (%s): it boots from the media's stores given with --bcd; its "
                            "BCD-Template has no effect", evidence);
        return read_stores(pol, NULL, bcd_files, err);
    }
    if (!img)
        return OST_OK;
    if (kind == OST_IMAGE_KIND_INSTALLED) {
        ost_format_into(pol->testsigning_source, sizeof pol->testsigning_source,
                        "unknown: give --bcd (the system partition's Boot\\BCD or EFI\\Microsoft\\Boot\\BCD)");
        ost_format_into(pol->testsigning_caveat, sizeof pol->testsigning_caveat,
                        "testsigning unknown: give --bcd (the system partition's Boot\\BCD or "
                        "EFI\\Microsoft\\Boot\\BCD): the image is an installed system (%s), which boots from that "
                        "store, never from its BCD-Template",
                        evidence);
        ost_format_into(pol->testsigning_fix, sizeof pol->testsigning_fix,
                        "give the store it boots from: --bcd FILE (the system partition's Boot\\BCD or "
                        "EFI\\Microsoft\\Boot\\BCD); where testsigning is off there: offstage bcd --store FILE "
                        "--set testsigning on");
        return OST_OK;
    }
    if (kind == OST_IMAGE_KIND_WINPE && pol->recovery_of) {
        /* Setup writes the installed system's store, and its Windows RE
         * entry, when it installs: no file of the media holds them. */
        ost_format_into(pol->testsigning_source, sizeof pol->testsigning_source,
                        "unknown: Windows RE boots from the installed system's store, which Setup writes");
        ost_format_into(pol->testsigning_caveat, sizeof pol->testsigning_caveat,
                        "testsigning unknown: the image is the Windows RE of %s (%s); it boots from the Windows "
                        "Recovery Environment entry Setup writes into the installed system's store, which does not "
                        "exist before Setup; its BCD-Template has no effect",
                        pol->recovery_of, evidence);
        ost_format_into(pol->testsigning_fix, sizeof pol->testsigning_fix,
                        "after Setup, turn testsigning on for the installed store's Windows Recovery Environment "
                        "entry: `bcdedit /enum all` names it, then `bcdedit /set {ID} testsigning on` (e.g. in "
                        "Windows\\Setup\\Scripts\\SetupComplete.cmd)");
        return OST_OK;
    }
    if (kind == OST_IMAGE_KIND_WINPE) {
        ost_format_into(pol->testsigning_source, sizeof pol->testsigning_source,
                        "unknown: give --bcd with the media's boot\\BCD and efi\\microsoft\\boot\\bcd");
        ost_format_into(pol->testsigning_caveat, sizeof pol->testsigning_caveat,
                        "testsigning unknown: give --bcd with the media's boot\\BCD (BIOS) and "
                        "efi\\microsoft\\boot\\bcd (UEFI): the image is Windows PE (%s), which boots from the "
                        "store that starts it, those for Setup's boot.wim (for Windows RE, winre.wim: the "
                        "installed system's store, which Setup writes); its BCD-Template has no effect",
                        evidence);
        ost_format_into(pol->testsigning_fix, sizeof pol->testsigning_fix,
                        "give the media's stores: --bcd boot\\BCD --bcd efi\\microsoft\\boot\\bcd (from the "
                        "media's root); where testsigning is off there: offstage bcd --store FILE --set testsigning on "
                        "for each (not the image's BCD-Template, which has no effect)");
        return OST_OK;
    }
    ost_status st = ost_image_testsigning(img, &pol->testsigning, err);
    if (st != OST_OK && st != OST_ERR_INTERRUPTED) {
        /* the image's own: the verdicts stand, testsigning unknown */
        struct ost_boot_store *s = &pol->stores[pol->nstores++];
        ost_format_into(s->path, sizeof s->path, "the image's BCD-Template");
        s->is_template = true;
        unreadable(pol, s, "the image's BCD-Template", err->message);
        unknown_unreadable(pol, true);
        ost_format_into(pol->testsigning_caveat, sizeof pol->testsigning_caveat, "%s; testsigning is unknown",
                        pol->testsigning_problem);
        return OST_OK;
    }
    if (st != OST_OK || pol->testsigning == OST_UNKNOWN)
        return st;
    pol->template_decides = true;
    struct ost_boot_store *s = &pol->stores[pol->nstores++];
    ost_format_into(s->path, sizeof s->path, "the image's BCD-Template");
    s->testsigning = pol->testsigning;
    s->is_template = true;
    ost_format_into(s->loaders, sizeof s->loaders, "{bootloadersettings} and the loaders it holds");
    ost_format_into(pol->testsigning_source, sizeof pol->testsigning_source, "the image's BCD-Template");
    if (kind == OST_IMAGE_KIND_GENERALIZED)
        ost_format_into(pol->testsigning_caveat, sizeof pol->testsigning_caveat, "%s; the image is generalized (%s)",
                        TEMPLATE_CAVEAT, evidence);
    else
        ost_format_into(pol->testsigning_caveat, sizeof pol->testsigning_caveat,
                        "%s; the image does not say whether it is installed (%s): if it is, it boots from its system "
                        "partition's store instead, so give --bcd", TEMPLATE_CAVEAT, evidence);
    return OST_OK;
}

void ost_boot_policy_read_sha2(struct ost_boot_policy *pol, struct ost_image *img)
{
    pol->sha2_read = img != NULL;
    if (img)
        ost_image_sha2_support(img, &pol->sha2);
}

ost_status ost_boot_policy_read(struct ost_boot_policy *pol, const struct ost_strlist *bcd_files,
                                struct ost_image *img, struct ost_error *err)
{
    ost_status st = read_testsigning(pol, bcd_files, img, err);
    ost_boot_policy_read_sha2(pol, img);
    return st;
}

void ost_boot_policy_note(const struct ost_boot_policy *pol, const struct ost_verdict_input *in,
                          struct ost_verdict *v)
{
    const char *caveat = pol->testsigning_caveat;
    if (!caveat[0] || !v->summary || v->caveat)
        return;
    struct ost_verdict_input on = *in, off = *in;
    on.testsigning = OST_YES, off.testsigning = OST_NO;
    struct ost_verdict a, b;
    ost_verdict_decide(&on, &a);
    ost_verdict_decide(&off, &b);
    bool rests = a.kind != b.kind || strcmp(a.summary, b.summary) != 0;
    ost_verdict_free(&a);
    ost_verdict_free(&b);
    if (rests)
        v->caveat = ost_xstrdup(caveat);
}

/* Every PE file a boot-critical package copies carries its own signature. */
static bool drivers_embed_signatures(const struct ost_package_arch *pa)
{
    for (size_t i = 0; i < pa->nfiles; i++)
        if (pa->files[i].is_pe && !pa->files[i].embedded_signature)
            return false;
    return true;
}

/* An INF that names no catalog cannot be test-signed as it is (add-driver
 * --test-sign makes the catalog CatalogFile names, and refuses without
 * one), so the fix starts with the line that makes it possible. */
static void fix_for_no_catalog_file(const struct ost_package_arch *pa, struct ost_verdict *v)
{
    if (pa->model->catalog_file || !v->fix || !strstr(v->fix, "--test-sign"))
        return;
    free(v->fix);
    v->fix = ost_xstrdup("name a catalog in the INF: add the line CatalogFile=NAME.cat (any name) to its "
                         "[Version] section, then add-driver --test-sign (it makes and signs NAME.cat into the "
                         "staged copy), or make-cat, then sign");
}

void ost_verdict_fix_staged(struct ost_verdict *v, const char *folder)
{
    if (!v->fix || !v->fix_changes_package)
        return;
    char *fix = ost_xasprintf("remove the staged copy first (offstage remove-driver --image TARGET --driver %s: "
                              "add-driver keeps a package already staged as it is), then %s", folder, v->fix);
    free(v->fix);
    v->fix = fix;
}

void ost_firstboot_verdict(const struct ost_package_arch *pa, const struct ost_cat_arch_result *res,
                           const struct ost_boot_policy *pol, struct ost_verdict *out)
{
    struct ost_verdict_input in = {
        .arch = pa->arch,
        .signature = res->signature,
        .signature_detail = res->detail[0] ? res->detail : NULL,
        .microsoft_root = res->microsoft_root,
        .testsigning = pol->testsigning,
        .testsigning_source = pol->testsigning_source[0] ? pol->testsigning_source : NULL,
        .testsigning_caveat = pol->testsigning_caveat[0] ? pol->testsigning_caveat : NULL,
        .testsigning_fix = pol->testsigning_fix[0] ? pol->testsigning_fix : NULL,
        .testsigning_problem = pol->testsigning_problem[0] ? pol->testsigning_problem : NULL,
        .boot_critical = pa->boot_critical,
        .driver_embedded_signature = drivers_embed_signatures(pa),
        .digest = res->digest[0] ? res->digest : NULL,
        .embedded_digest = res->embedded_digest[0] ? res->embedded_digest : NULL,
        .sha2 = !pol->sha2_read ? OST_YES
                : pol->sha2.state == OST_SHA2_YES ? OST_YES
                : pol->sha2.state == OST_SHA2_NO  ? OST_NO
                                                  : OST_UNKNOWN,
        .sha2_source = pol->sha2_read ? pol->sha2.evidence : NULL,
    };
    if (res->signature == OST_SIG_TRUSTED) {
        const char *planned = pol->planned_thumbprint;
        if (planned && !strcmp(planned, res->signer_thumbprint) && !strcmp(planned, res->anchor_thumbprint)) {
            in.signer_in_root = in.signer_in_trusted_publisher = true;
        } else if (pol->img) {
            in.signer_in_root = res->anchor_thumbprint[0] &&
                                ost_certstore_has(pol->img, "ROOT", res->anchor_thumbprint);
            in.signer_in_trusted_publisher = res->signer_thumbprint[0] &&
                                             ost_certstore_has(pol->img, "TrustedPublisher", res->signer_thumbprint);
        } else {
            in.signer_in_root = in.signer_in_trusted_publisher = true;
        }
    }
    ost_verdict_decide(&in, out);
    ost_boot_policy_note(pol, &in, out);
    fix_for_no_catalog_file(pa, out);
}
