/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "verdict.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define FIX_SIGN "sign it for test: add-driver --test-sign (or make-cat, then sign)"
#define FIX_TRUST "trust its signer in the image: add-cert --cert CERT (ROOT and TrustedPublisher)"
#define FIX_PUBLISHER "trust its signer as a publisher: add-cert --cert CERT --store TrustedPublisher"
#define FIX_TESTSIGNING "turn test-signing on: offstage bcd --image TARGET --set testsigning on " \
                        "(and --store for an installed system's Boot\\BCD)"
#define FIX_BCD "give the boot store with --bcd FILE (an installed system's Boot\\BCD), or turn testsigning " \
                "on there: offstage bcd --store FILE --set testsigning on"
#define FIX_EMBED "sign the .sys itself: offstage sign --key KEY --cert CERT FILE.sys"
#define FIX_SHA2 "sign with SHA-1 (add-driver --test-sign --digest sha1, or sign --digest sha1), or slipstream " \
                 "KB4474419 (or KB3033929) into the image"

struct part {
    int state;
    char *reason;
    const char *fix;
};

static void part_set(struct part *p, int state, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void part_set(struct part *p, int state, const char *fix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    p->state = state;
    p->reason = ost_xvasprintf(fmt, ap);
    p->fix = fix;
    va_end(ap);
}

static const char *why(const struct ost_verdict_input *in, const char *fallback)
{
    return in->signature_detail ? in->signature_detail : fallback;
}

static bool needs_sha2(const char *digest)
{
    return digest && *digest && !ost_streq_ci(digest, "sha1") && !ost_streq_ci(digest, "md5");
}

static const char *sha2_evidence(const struct ost_verdict_input *in)
{
    return in->sha2_source ? in->sha2_source : "the image's servicing packages";
}

/* A signature the image cannot verify: OST_NO, OST_UNKNOWN, or OST_YES
 * when it needs no SHA-2 or the image has it. */
static ost_tristate sha2_blocks(const struct ost_verdict_input *in, const char *digest)
{
    if (!needs_sha2(digest) || in->sha2 == OST_YES)
        return OST_YES;
    return in->sha2;
}

/* A signature that verifies: silently when the image trusts its signer
 * as a publisher, else after a prompt. */
static void decide_trust(const struct ost_verdict_input *in, struct part *p)
{
    if (in->signature == OST_SIG_UNTRUSTED) {
        part_set(p, OST_INSTALL_PROMPT, FIX_TRUST, "its signer is not trusted (%s): Windows asks the user",
                 why(in, "no trusted certificate in its chain"));
        return;
    }
    if (in->microsoft_root) {
        part_set(p, OST_INSTALL_SILENT, NULL, "its signature chains to a Microsoft root");
        return;
    }
    if (!in->signer_in_root) {
        part_set(p, OST_INSTALL_PROMPT, FIX_TRUST,
                 "its signer's chain ends at no certificate of the image's ROOT store: Windows asks the user");
        return;
    }
    if (!in->signer_in_trusted_publisher) {
        part_set(p, OST_INSTALL_PROMPT, FIX_PUBLISHER,
                 "its signer is not in the image's TrustedPublisher store: Windows asks whether to trust the "
                 "publisher");
        return;
    }
    part_set(p, OST_INSTALL_SILENT, NULL, "its signer is in the image's ROOT and TrustedPublisher stores");
}

static void decide_install(const struct ost_verdict_input *in, struct part *p)
{
    switch (in->signature) {
    case OST_SIG_NONE:
        part_set(p, OST_INSTALL_NEVER_UNATTENDED, FIX_SIGN,
                 "the package is unsigned: Windows warns it cannot verify the publisher and asks the user");
        return;
    case OST_SIG_BROKEN:
        part_set(p, OST_INSTALL_NEVER_UNATTENDED, FIX_SIGN,
                 "its signature is not valid (%s): Windows warns it cannot verify the publisher and asks the user",
                 why(in, "the catalog does not match the files"));
        return;
    case OST_SIG_UNTRUSTED:
    case OST_SIG_TRUSTED:
        break;
    }
    ost_tristate sha2 = sha2_blocks(in, in->digest);
    if (sha2 == OST_NO) {
        part_set(p, OST_INSTALL_NEVER_UNATTENDED, FIX_SHA2,
                 "its catalog is signed with %s, which this Windows 7 cannot verify (%s): Windows treats it as "
                 "unsigned and asks the user", in->digest, sha2_evidence(in));
        return;
    }
    decide_trust(in, p);
    if (sha2 != OST_UNKNOWN)
        return;
    /* Not knowing the SHA-2 support only decides between silently and a
     * dialog; a signer not trusted asks the user either way. */
    if (p->state != OST_INSTALL_SILENT) {
        char *reason = ost_xasprintf("%s (whether this Windows 7 verifies its %s catalog at all is not known: %s)",
                                     p->reason, in->digest, sha2_evidence(in));
        free(p->reason);
        p->reason = reason;
        return;
    }
    free(p->reason);
    part_set(p, OST_INSTALL_UNKNOWN, FIX_SHA2,
             "its catalog is signed with %s, which Windows 7 verifies only with KB3033929 or KB4474419; "
             "whether the image has one is not known (%s); without it Windows asks the user", in->digest,
             sha2_evidence(in));
}

/* On x64 a driver winload refuses at boot stops the boot; one the kernel
 * refuses later is Code 52. */
static int refused(const struct ost_verdict_input *in)
{
    return in->boot_critical ? OST_LOAD_BOOT_STOPS : OST_LOAD_CODE_52;
}

static void decide_load_x64(const struct ost_verdict_input *in, struct part *p)
{
    const char *boot = in->boot_critical ? "; it is a boot-start driver, so winload stops the boot" : "";
    if (in->boot_critical && !in->driver_embedded_signature) {
        part_set(p, OST_LOAD_BOOT_STOPS, FIX_EMBED,
                 "a boot-start driver needs a signature embedded in its .sys, and winload reads no catalog");
        return;
    }
    if (in->signature == OST_SIG_NONE) {
        part_set(p, refused(in), FIX_SIGN, "x64 loads no unsigned driver%s", boot);
        return;
    }
    if (in->signature == OST_SIG_BROKEN) {
        part_set(p, refused(in), FIX_SIGN, "its signature is not valid (%s)%s",
                 why(in, "the catalog does not match the files"), boot);
        return;
    }
    const char *digest = in->digest;
    ost_tristate sha2 = sha2_blocks(in, digest);
    if (sha2 == OST_YES && in->boot_critical) {
        digest = in->embedded_digest;
        sha2 = sha2_blocks(in, digest);
    }
    if (sha2 == OST_NO) {
        part_set(p, refused(in), FIX_SHA2,
                 "it is signed with %s, which Windows 7 verifies only with KB3033929 or KB4474419, and the image "
                 "has neither (%s)%s", digest, sha2_evidence(in), boot);
        return;
    }
    const char *in_source = in->testsigning_source ? " in " : "";
    const char *source = in->testsigning_source ? in->testsigning_source : "";
    if (!(in->signature == OST_SIG_TRUSTED && in->microsoft_root)) {
        if (in->testsigning == OST_NO) {
            part_set(p, refused(in), in->testsigning_fix ? in->testsigning_fix : FIX_TESTSIGNING,
                     "it is test-signed and testsigning is off%s%s%s", in_source, source, boot);
            return;
        }
        if (in->testsigning == OST_UNKNOWN) {
            if (in->testsigning_problem)
                part_set(p, OST_LOAD_UNKNOWN, in->testsigning_fix ? in->testsigning_fix : FIX_BCD,
                         "it is test-signed: it loads only if testsigning is on in the boot store, and %s",
                         in->testsigning_problem);
            else
                part_set(p, OST_LOAD_UNKNOWN, in->testsigning_fix ? in->testsigning_fix : FIX_BCD,
                         "it is test-signed: it loads only if testsigning is on in the boot store, which was not "
                         "given");
            return;
        }
    }
    if (sha2 == OST_UNKNOWN) {
        part_set(p, OST_LOAD_UNKNOWN, FIX_SHA2,
                 "it is signed with %s: it loads only if the image has KB3033929 or KB4474419, which is not known "
                 "(%s)", digest, sha2_evidence(in));
        return;
    }
    if (in->signature == OST_SIG_TRUSTED && in->microsoft_root)
        part_set(p, OST_LOAD_YES, NULL, "a release signature chaining to a Microsoft root");
    else
        part_set(p, OST_LOAD_YES, NULL, "test-signed, testsigning on%s%s; the kernel needs no trusted root",
                 in_source, source);
}

static const char *install_words(ost_install_part p)
{
    static const char *const w[] = {"silently", "after a prompt", "never unattended", "unknown"};
    return (unsigned)p < 4 ? w[p] : "unknown";
}

static const char *load_words(ost_load_part p)
{
    static const char *const w[] = {"yes", "Code 52", "boot stops", "unknown"};
    return (unsigned)p < 4 ? w[p] : "unknown";
}

static bool changes_package(const char *fix)
{
    return fix && (!strcmp(fix, FIX_SIGN) || !strcmp(fix, FIX_EMBED) || !strcmp(fix, FIX_SHA2));
}

static ost_verdict_kind kind_of(ost_install_part i, ost_load_part l)
{
    if (l == OST_LOAD_CODE_52 || l == OST_LOAD_BOOT_STOPS)
        return OST_VERDICT_NO_LOAD;
    if (i == OST_INSTALL_PROMPT || i == OST_INSTALL_NEVER_UNATTENDED)
        return OST_VERDICT_PROMPT;
    if (i == OST_INSTALL_UNKNOWN || l == OST_LOAD_UNKNOWN)
        return OST_VERDICT_DEPENDS;
    return OST_VERDICT_LOADS;
}

void ost_verdict_decide(const struct ost_verdict_input *in, struct ost_verdict *out)
{
    struct part inst = {0}, load = {0};
    decide_install(in, &inst);
    if (in->arch == OST_ARCH_X86)
        part_set(&load, OST_LOAD_YES, NULL, "x86 loads drivers whatever their signature");
    else
        decide_load_x64(in, &load);
    *out = (struct ost_verdict){
        .installs = (ost_install_part)inst.state,
        .loads = (ost_load_part)load.state,
        .install_reason = inst.reason,
        .load_reason = load.reason,
    };
    out->kind = kind_of(out->installs, out->loads);
    out->fix_changes_package = changes_package(inst.fix) || changes_package(load.fix);
    out->summary = ost_xasprintf("installs: %s (%s); loads: %s (%s)", install_words(out->installs), inst.reason,
                                 load_words(out->loads), load.reason);
    if (inst.fix && load.fix && strcmp(inst.fix, load.fix))
        out->fix = ost_xasprintf("to install silently, %s; to load, %s", inst.fix, load.fix);
    else if (inst.fix || load.fix)
        out->fix = ost_xstrdup(inst.fix ? inst.fix : load.fix);
}

void ost_verdict_free(struct ost_verdict *v)
{
    free(v->summary);
    free(v->fix);
    free(v->install_reason);
    free(v->load_reason);
    free(v->caveat);
    *v = (struct ost_verdict){0};
}

const char *ost_verdict_kind_name(ost_verdict_kind k)
{
    switch (k) {
    case OST_VERDICT_LOADS:
        return "loads";
    case OST_VERDICT_PROMPT:
        return "prompt";
    case OST_VERDICT_DEPENDS:
        return "depends";
    case OST_VERDICT_NO_LOAD:
        return "no-load";
    }
    return "unknown";
}

const char *ost_install_part_name(ost_install_part p)
{
    static const char *const names[] = {"silently", "prompt", "never-unattended", "unknown"};
    return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "unknown";
}

const char *ost_load_part_name(ost_load_part p)
{
    static const char *const names[] = {"yes", "code-52", "boot-stops", "unknown"};
    return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "unknown";
}

const char *ost_sig_state_name(ost_sig_state s)
{
    static const char *const names[] = {"none", "broken", "untrusted", "trusted"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

static void name_files(char **text, const char *dir, const char *folder)
{
    size_t dlen = strlen(dir);
    struct ost_buf b = {0};
    const char *s = *text, *hit;
    if (!s || !strstr(s, dir))
        return;
    while ((hit = strstr(s, dir))) {
        ost_buf_add(&b, s, (size_t)(hit - s));
        ost_buf_adds(&b, folder);
        for (s = hit + dlen; *s && *s != ':' && *s != ' ' && *s != ')'; s++)
            ost_buf_addc(&b, *s == '/' ? '\\' : *s);
    }
    ost_buf_adds(&b, s);
    free(*text);
    *text = ost_buf_steal(&b);
}

void ost_verdict_name_files(struct ost_verdict *v, const char *dir, const char *folder)
{
    name_files(&v->summary, dir, folder);
    name_files(&v->fix, dir, folder);
    name_files(&v->install_reason, dir, folder);
    name_files(&v->load_reason, dir, folder);
}
