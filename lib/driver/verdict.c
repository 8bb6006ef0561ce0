/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "verdict.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define FIX_SIGN "sign it for test: add-driver --test-sign (or make-cat, then sign)"
#define FIX_TRUST "trust its signer in the image: add-cert --cert CERT (ROOT and TrustedPublisher)"
#define FIX_TESTSIGNING "turn test-signing on: offstage bcd --image TARGET --set testsigning on " \
                        "(and --store for an installed system's Boot\\BCD)"

static void set(struct ost_verdict *v, ost_verdict_kind kind, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set(struct ost_verdict *v, ost_verdict_kind kind, const char *fix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    v->kind = kind;
    v->summary = ost_xvasprintf(fmt, ap);
    v->fix = fix ? ost_xstrdup(fix) : NULL;
    va_end(ap);
}

static const char *why(const struct ost_verdict_input *in, const char *fallback)
{
    return in->signature_detail ? in->signature_detail : fallback;
}

static void decide_x86(const struct ost_verdict_input *in, struct ost_verdict *v)
{
    switch (in->signature) {
    case OST_SIG_NONE:
        set(v, OST_VERDICT_PROMPT, FIX_SIGN, "needs a user prompt: the package is unsigned, and Windows asks "
                                             "before installing it");
        return;
    case OST_SIG_BROKEN:
        set(v, OST_VERDICT_PROMPT, FIX_SIGN, "needs a user prompt: its signature is not valid (%s)",
            why(in, "the catalog does not match the files"));
        return;
    case OST_SIG_UNTRUSTED:
        set(v, OST_VERDICT_PROMPT, FIX_TRUST, "needs a user prompt: its signer is not trusted (%s)",
            why(in, "no trusted certificate in its chain"));
        return;
    case OST_SIG_TRUSTED:
        break;
    }
    if (!in->microsoft_root && !(in->signer_in_root && in->signer_in_trusted_publisher)) {
        set(v, OST_VERDICT_PROMPT, FIX_TRUST, "needs a user prompt: its signer is not in the image's %s store",
            in->signer_in_root ? "TrustedPublisher" : "ROOT");
        return;
    }
    set(v, OST_VERDICT_LOADS, NULL, "will install and load");
}

static void decide_x64(const struct ost_verdict_input *in, struct ost_verdict *v)
{
    switch (in->signature) {
    case OST_SIG_NONE:
        set(v, OST_VERDICT_NO_LOAD, FIX_SIGN,
            "will install only after a user prompt, will not load (Code 52): the package is unsigned");
        return;
    case OST_SIG_BROKEN:
        set(v, OST_VERDICT_NO_LOAD, FIX_SIGN, "will not load (Code 52): its signature is not valid (%s)",
            why(in, "the catalog does not match the files"));
        return;
    case OST_SIG_UNTRUSTED:
        set(v, OST_VERDICT_NO_LOAD, FIX_TRUST " and " FIX_TESTSIGNING ", or both with add-driver --test-sign",
            "will install only after a user prompt, will not load (Code 52): its signer is not trusted (%s)",
            why(in, "no trusted certificate in its chain"));
        return;
    case OST_SIG_TRUSTED:
        break;
    }
    if (in->boot_critical && !in->driver_embedded_signature) {
        set(v, OST_VERDICT_NO_LOAD, "sign the .sys itself: offstage sign --key KEY --cert CERT FILE.sys",
            "will not load (the system will not start): a boot-start driver needs a signature embedded in its "
            ".sys, and winload reads no catalog");
        return;
    }
    if (in->microsoft_root) {
        set(v, OST_VERDICT_LOADS, NULL, "will install and load");
        return;
    }
    if (!in->signer_in_root) {
        set(v, OST_VERDICT_NO_LOAD, FIX_TRUST,
            "will install only after a user prompt, will not load (Code 52): its test signer is not in the "
            "image's ROOT store");
        return;
    }
    if (in->testsigning == OST_NO) {
        set(v, OST_VERDICT_NO_LOAD, FIX_TESTSIGNING,
            "will install, will not load (Code 52): it is test-signed and testsigning is off%s%s",
            in->testsigning_source ? " in " : "", in->testsigning_source ? in->testsigning_source : "");
        return;
    }
    if (!in->signer_in_trusted_publisher) {
        set(v, OST_VERDICT_PROMPT, "trust its signer as a publisher: add-cert --cert CERT --store TrustedPublisher",
            "needs a user prompt: its signer is not in the image's TrustedPublisher store");
        return;
    }
    if (in->testsigning == OST_UNKNOWN) {
        set(v, OST_VERDICT_DEPENDS, "give the boot store with --bcd FILE (an installed system's Boot\\BCD), or "
                                    "turn testsigning on there: offstage bcd --store FILE --set testsigning on",
            "will install; loads only if testsigning is on in the boot store, which was not given");
        return;
    }
    set(v, OST_VERDICT_LOADS, NULL, "will install and load (test-signed, testsigning on)");
}

void ost_verdict_decide(const struct ost_verdict_input *in, struct ost_verdict *out)
{
    *out = (struct ost_verdict){0};
    if (in->arch == OST_ARCH_X86)
        decide_x86(in, out);
    else
        decide_x64(in, out);
}

void ost_verdict_free(struct ost_verdict *v)
{
    free(v->summary);
    free(v->fix);
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
}
