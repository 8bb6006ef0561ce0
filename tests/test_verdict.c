/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The first-boot verdicts of verdict.h: a table of brief §7's policy, the
 * install part and the load part apart, for x86 and x64, with the kind
 * derived from them and the one thing to change that each failing part
 * names. */
#include "testutil.h"

#include "verdict.h"

enum { A64 = OST_ARCH_AMD64, X86 = OST_ARCH_X86 };
enum { I_SIL = OST_INSTALL_SILENT, I_PR = OST_INSTALL_PROMPT, I_NEV = OST_INSTALL_NEVER_UNATTENDED,
       I_UNK = OST_INSTALL_UNKNOWN };
enum { L_YES = OST_LOAD_YES, L_52 = OST_LOAD_CODE_52, L_STOP = OST_LOAD_BOOT_STOPS, L_UNK = OST_LOAD_UNKNOWN };
enum { K_LOADS = OST_VERDICT_LOADS, K_PROMPT = OST_VERDICT_PROMPT, K_DEP = OST_VERDICT_DEPENDS,
       K_NO = OST_VERDICT_NO_LOAD };

struct row {
    const char *name;
    int arch;
    ost_sig_state sig;
    bool root, tp, ms;
    ost_tristate testsigning;
    bool boot, embedded;
    const char *digest, *embedded_digest;
    ost_tristate sha2;
    int installs, loads, kind;
    const char *summary_part, *fix_part; /* fix_part NULL: no fix */
};

#define T OST_SIG_TRUSTED
#define U OST_SIG_UNTRUSTED
#define N OST_SIG_NONE
#define B OST_SIG_BROKEN
#define Y OST_YES
#define NO OST_NO
#define UNK OST_UNKNOWN

static const struct row rows[] = {
    /* the test-signing recipe complete */
    {"x64 trusted, testsigning on", A64, T, 1, 1, 0, Y, 0, 0, 0, 0, Y, I_SIL, L_YES, K_LOADS,
     "installs: silently (its signer is in the image's ROOT and TrustedPublisher stores); loads: yes (test-signed, "
     "testsigning on in BCD store S", NULL},
    {"x86 trusted", X86, T, 1, 1, 0, NO, 0, 0, 0, 0, Y, I_SIL, L_YES, K_LOADS, "loads: yes (x86 loads", NULL},
    /* unsigned */
    {"x64 unsigned", A64, N, 0, 0, 0, Y, 0, 0, 0, 0, Y, I_NEV, L_52, K_NO,
     "installs: never unattended (the package is unsigned", "--test-sign"},
    {"x86 unsigned", X86, N, 0, 0, 0, Y, 0, 0, 0, 0, Y, I_NEV, L_YES, K_PROMPT, "loads: yes", "--test-sign"},
    /* broken */
    {"x64 broken", A64, B, 0, 0, 0, Y, 0, 0, 0, 0, Y, I_NEV, L_52, K_NO, "loads: Code 52 (its signature is not valid (X.sys",
     "make-cat"},
    {"x86 broken", X86, B, 0, 0, 0, Y, 0, 0, 0, 0, Y, I_NEV, L_YES, K_PROMPT, "not valid (X.sys", "make-cat"},
    /* install trust and load trust are separate: the kernel needs no root */
    {"x64 untrusted signer, testsigning on", A64, U, 0, 0, 0, Y, 0, 0, 0, 0, Y, I_PR, L_YES, K_PROMPT,
     "installs: after a prompt (its signer is not trusted (X.sys", "add-cert"},
    {"x64 untrusted signer, testsigning off", A64, U, 0, 0, 0, NO, 0, 0, 0, 0, Y, I_PR, L_52, K_NO,
     "loads: Code 52 (it is test-signed and testsigning is off in BCD store S)",
     "to install silently, trust its signer in the image: add-cert"},
    {"x64 in TrustedPublisher, not ROOT, testsigning on", A64, T, 0, 1, 0, Y, 0, 0, 0, 0, Y, I_PR, L_YES, K_PROMPT,
     "installs: after a prompt (its signer's chain ends at no certificate of the image's ROOT", "add-cert"},
    {"x64 in ROOT, not TrustedPublisher", A64, T, 1, 0, 0, Y, 0, 0, 0, 0, Y, I_PR, L_YES, K_PROMPT,
     "not in the image's TrustedPublisher store", "--store TrustedPublisher"},
    {"x86 in ROOT only", X86, T, 1, 0, 0, Y, 0, 0, 0, 0, Y, I_PR, L_YES, K_PROMPT, "TrustedPublisher",
     "--store TrustedPublisher"},
    {"x86 not in ROOT", X86, T, 0, 1, 0, Y, 0, 0, 0, 0, Y, I_PR, L_YES, K_PROMPT, "ROOT", "add-cert"},
    /* testsigning */
    {"x64 testsigning off", A64, T, 1, 1, 0, NO, 0, 0, 0, 0, Y, I_SIL, L_52, K_NO,
     "loads: Code 52 (it is test-signed and testsigning is off in BCD store S)", "testsigning on"},
    {"x86 testsigning off", X86, T, 1, 1, 0, NO, 0, 0, 0, 0, Y, I_SIL, L_YES, K_LOADS, "installs: silently", NULL},
    {"x64 testsigning unknown", A64, T, 1, 1, 0, UNK, 0, 0, 0, 0, Y, I_SIL, L_UNK, K_DEP,
     "loads: unknown (it is test-signed: it loads only if testsigning is on", "--bcd"},
    /* release signatures */
    {"x64 Microsoft root, testsigning off", A64, T, 0, 0, 1, NO, 0, 0, 0, 0, Y, I_SIL, L_YES, K_LOADS,
     "a release signature chaining to a Microsoft root", NULL},
    /* boot-start */
    {"x64 boot-start, no embedded signature", A64, T, 1, 1, 0, Y, 1, 0, 0, 0, Y, I_SIL, L_STOP, K_NO,
     "loads: boot stops (a boot-start driver needs a signature embedded", "offstage sign"},
    {"x64 boot-start, embedded", A64, T, 1, 1, 0, Y, 1, 1, 0, 0, Y, I_SIL, L_YES, K_LOADS, "loads: yes", NULL},
    {"x64 boot-start, testsigning off", A64, T, 1, 1, 0, NO, 1, 1, 0, 0, Y, I_SIL, L_STOP, K_NO,
     "winload stops the boot", "testsigning on"},
    {"x86 boot-start, no embedded signature", X86, T, 1, 1, 0, Y, 1, 0, 0, 0, Y, I_SIL, L_YES, K_LOADS,
     "loads: yes", NULL},
    /* SHA-2 */
    {"x64 SHA-256, no SHA-2 support", A64, T, 1, 1, 0, Y, 0, 0, "sha256", 0, NO, I_NEV, L_52, K_NO,
     "loads: Code 52 (it is signed with sha256, which Windows 7 verifies only with KB3033929 or KB4474419, and "
     "the image has neither (E))", "KB4474419"},
    {"x64 SHA-256, SHA-2 support", A64, T, 1, 1, 0, Y, 0, 0, "sha256", 0, Y, I_SIL, L_YES, K_LOADS, "loads: yes",
     NULL},
    {"x64 SHA-256, support unknown", A64, T, 1, 1, 0, Y, 0, 0, "sha256", 0, UNK, I_UNK, L_UNK, K_DEP,
     "whether the image has one is not known (E)", "--digest sha1"},
    /* a signer not trusted asks the user whatever the SHA-2 support: a
     * prompt, not "depends" */
    {"x64 SHA-256 untrusted signer, support unknown", A64, U, 0, 0, 0, Y, 0, 0, "sha256", 0, UNK, I_PR, L_UNK,
     K_PROMPT, "installs: after a prompt (its signer is not trusted (X.sys", "add-cert"},
    {"x86 SHA-256 not in TrustedPublisher, support unknown", X86, T, 1, 0, 0, Y, 0, 0, "sha256", 0, UNK, I_PR, L_YES,
     K_PROMPT, "verifies its sha256 catalog at all is not known: E)", "--store TrustedPublisher"},
    {"x64 SHA-1, no SHA-2 support", A64, T, 1, 1, 0, Y, 0, 0, "sha1", 0, NO, I_SIL, L_YES, K_LOADS, "loads: yes",
     NULL},
    {"x86 SHA-256, no SHA-2 support", X86, T, 1, 1, 0, Y, 0, 0, "sha256", 0, NO, I_NEV, L_YES, K_PROMPT,
     "installs: never unattended (its catalog is signed with sha256, which this Windows 7 cannot verify (E)",
     "KB4474419"},
    {"x64 boot-start, SHA-256 embedded, no SHA-2", A64, T, 1, 1, 0, Y, 1, 1, "sha1", "sha256", NO, I_SIL, L_STOP,
     K_NO, "loads: boot stops (it is signed with sha256", "--digest sha1"},
    {"x64 Microsoft root SHA-256, no SHA-2", A64, T, 0, 0, 1, NO, 0, 0, "sha256", 0, NO, I_NEV, L_52, K_NO,
     "sha256", "KB4474419"},
};

static void test_table(void **state)
{
    (void)state;
    size_t failures = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct row *r = &rows[i];
        struct ost_verdict_input in = {
            .arch = (ost_arch)r->arch, .signature = r->sig,
            .signature_detail = r->sig == B || r->sig == U ? "X.sys does not match" : NULL,
            .signer_in_root = r->root, .signer_in_trusted_publisher = r->tp, .microsoft_root = r->ms,
            .testsigning = r->testsigning, .testsigning_source = "BCD store S", .boot_critical = r->boot,
            .driver_embedded_signature = r->embedded, .digest = r->digest, .embedded_digest = r->embedded_digest,
            .sha2 = r->sha2, .sha2_source = "E",
        };
        struct ost_verdict v;
        ost_verdict_decide(&in, &v);
        bool good = (int)v.installs == r->installs && (int)v.loads == r->loads && (int)v.kind == r->kind &&
                    v.summary && strstr(v.summary, r->summary_part) && v.install_reason && v.load_reason &&
                    (r->fix_part ? v.fix && strstr(v.fix, r->fix_part) : !v.fix);
        if (!good) {
            fprintf(stderr, "%s: got installs %s, loads %s, kind %s: %s (fix: %s)\n", r->name,
                    ost_install_part_name(v.installs), ost_load_part_name(v.loads), ost_verdict_kind_name(v.kind),
                    v.summary, v.fix ? v.fix : "-");
            failures++;
        }
        /* no verdict says a signer missing from ROOT stops a driver loading */
        if (v.load_reason && strstr(v.load_reason, "ROOT")) {
            fprintf(stderr, "%s: the load part names ROOT: %s\n", r->name, v.load_reason);
            failures++;
        }
        ost_verdict_free(&v);
    }
    assert_int_equal(failures, 0);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(ost_install_part_name(OST_INSTALL_SILENT), "silently");
    assert_string_equal(ost_install_part_name(OST_INSTALL_NEVER_UNATTENDED), "never-unattended");
    assert_string_equal(ost_load_part_name(OST_LOAD_CODE_52), "code-52");
    assert_string_equal(ost_load_part_name(OST_LOAD_BOOT_STOPS), "boot-stops");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
