/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The first-boot verdicts of verdict.h: each outcome of brief §7's policy
 * for x86 and x64, and the one thing to change that each names. */
#include "testutil.h"

#include "verdict.h"

/* A test-signed package whose signer is trusted everywhere, testsigning on:
 * each test changes one fact. */
static struct ost_verdict_input good(ost_arch arch)
{
    return (struct ost_verdict_input){.arch = arch,
                                      .signature = OST_SIG_TRUSTED,
                                      .signer_in_root = true,
                                      .signer_in_trusted_publisher = true,
                                      .testsigning = OST_YES};
}

static struct ost_verdict decide(const struct ost_verdict_input *in)
{
    struct ost_verdict v;
    ost_verdict_decide(in, &v);
    assert_non_null(v.summary);
    if (v.kind == OST_VERDICT_LOADS)
        assert_null(v.fix);
    else
        assert_non_null(v.fix);
    return v;
}

static void expect(const struct ost_verdict_input *in, ost_verdict_kind kind, const char *summary_part,
                   const char *fix_part)
{
    struct ost_verdict v = decide(in);
    if (v.kind != kind || !strstr(v.summary, summary_part) || (fix_part && !strstr(v.fix, fix_part)))
        fail_msg("got %s: %s (fix: %s)", ost_verdict_kind_name(v.kind), v.summary, v.fix ? v.fix : "-");
    ost_verdict_free(&v);
}

static void test_trusted_test_signature_loads(void **state)
{
    (void)state;
    struct ost_verdict_input in = good(OST_ARCH_AMD64);
    expect(&in, OST_VERDICT_LOADS, "will install and load", NULL);
    in = good(OST_ARCH_X86);
    expect(&in, OST_VERDICT_LOADS, "will install and load", NULL);
}

static void test_unsigned(void **state)
{
    (void)state;
    struct ost_verdict_input in = good(OST_ARCH_AMD64);
    in.signature = OST_SIG_NONE;
    expect(&in, OST_VERDICT_NO_LOAD, "Code 52", "--test-sign");
    in.arch = OST_ARCH_X86;
    expect(&in, OST_VERDICT_PROMPT, "needs a user prompt", "--test-sign");
}

static void test_broken_signature_names_the_reason(void **state)
{
    (void)state;
    struct ost_verdict_input in = good(OST_ARCH_AMD64);
    in.signature = OST_SIG_BROKEN;
    in.signature_detail = "aero_virtio_snd.sys does not match its catalog member";
    expect(&in, OST_VERDICT_NO_LOAD, "aero_virtio_snd.sys does not match", "make-cat");
    in.arch = OST_ARCH_X86;
    expect(&in, OST_VERDICT_PROMPT, "aero_virtio_snd.sys does not match", "make-cat");
}

static void test_untrusted_signer(void **state)
{
    (void)state;
    struct ost_verdict_input in = good(OST_ARCH_AMD64);
    in.signature = OST_SIG_UNTRUSTED;
    expect(&in, OST_VERDICT_NO_LOAD, "not trusted", "add-cert");
    in.arch = OST_ARCH_X86;
    expect(&in, OST_VERDICT_PROMPT, "not trusted", "add-cert");
}

static void test_testsigning_off(void **state)
{
    (void)state;
    struct ost_verdict_input in = good(OST_ARCH_AMD64);
    in.testsigning = OST_NO;
    in.testsigning_source = "BCD store Boot/BCD";
    expect(&in, OST_VERDICT_NO_LOAD, "testsigning is off in BCD store Boot/BCD", "testsigning on");
    /* x86 does not enforce kernel-mode signing */
    in.arch = OST_ARCH_X86;
    expect(&in, OST_VERDICT_LOADS, "will install and load", NULL);
}

static void test_testsigning_unknown(void **state)
{
    (void)state;
    struct ost_verdict_input in = good(OST_ARCH_AMD64);
    in.testsigning = OST_UNKNOWN;
    expect(&in, OST_VERDICT_DEPENDS, "only if testsigning is on", "--bcd");
}

static void test_store_placement(void **state)
{
    (void)state;
    struct ost_verdict_input in = good(OST_ARCH_AMD64);
    in.signer_in_trusted_publisher = false;
    expect(&in, OST_VERDICT_PROMPT, "TrustedPublisher", "--store TrustedPublisher");
    in = good(OST_ARCH_AMD64);
    in.signer_in_root = false;
    expect(&in, OST_VERDICT_NO_LOAD, "ROOT", "add-cert");
    in.arch = OST_ARCH_X86;
    expect(&in, OST_VERDICT_PROMPT, "ROOT", "add-cert");
}

static void test_boot_critical_needs_embedded_signature(void **state)
{
    (void)state;
    struct ost_verdict_input in = good(OST_ARCH_AMD64);
    in.boot_critical = true;
    expect(&in, OST_VERDICT_NO_LOAD, "embedded", "offstage sign");
    in.driver_embedded_signature = true;
    expect(&in, OST_VERDICT_LOADS, "will install and load", NULL);
}

static void test_microsoft_signature_needs_no_testsigning(void **state)
{
    (void)state;
    struct ost_verdict_input in = good(OST_ARCH_AMD64);
    in.microsoft_root = true;
    in.testsigning = OST_NO;
    in.signer_in_root = in.signer_in_trusted_publisher = false;
    expect(&in, OST_VERDICT_LOADS, "will install and load", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trusted_test_signature_loads),
        cmocka_unit_test(test_unsigned),
        cmocka_unit_test(test_broken_signature_names_the_reason),
        cmocka_unit_test(test_untrusted_signer),
        cmocka_unit_test(test_testsigning_off),
        cmocka_unit_test(test_testsigning_unknown),
        cmocka_unit_test(test_store_placement),
        cmocka_unit_test(test_boot_critical_needs_embedded_signature),
        cmocka_unit_test(test_microsoft_signature_needs_no_testsigning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
