/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The manifest's record of what add-driver --test-sign changed besides the
 * packages (manifest.c): what it reads, and the place it names when a
 * hostile value would have remove-driver --with-trust remove or reset the
 * wrong thing. */
#include "testutil.h"

#include "manifest.h"

#define GUID "{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}"
#define TP "D36CC8469B2013E1A4C6C0C86B695B2ACF65837A"

static ost_status parse(const char *text, struct ost_manifest *m, struct ost_error *err)
{
    return ost_manifest_parse((const uint8_t *)text, strlen(text), "img: manifest.json", m, err);
}

static void test_reads_the_trust_record(void **state)
{
    (void)state;
    const char *text =
        "{\"packages\": [], \"test_signing\": {\"certificates\": [{\"thumbprint\": \"" TP "\","
        " \"added_to\": [\"ROOT\"], \"already_in\": [\"TrustedPublisher\"]}],"
        " \"testsigning_before\": [{\"store\": \"BCD-Template\", \"object\": \"" GUID "\", \"before\": \"absent\"},"
        " {\"store\": \"/boot/BCD\", \"object\": \"" GUID "\", \"before\": \"off\"}]}}";
    struct ost_manifest m;
    struct ost_error err;
    assert_ost_ok(parse(text, &m, &err), &err);
    assert_false(ost_manifest_trust_empty(&m.trust));
    assert_int_equal(m.trust.ncerts, 1);
    assert_string_equal(m.trust.certs[0].thumbprint, TP);
    assert_int_equal(m.trust.certs[0].added_to.n, 1);
    assert_string_equal(m.trust.certs[0].already_in.v[0], "TrustedPublisher");
    assert_int_equal(m.trust.ntestsigning, 2);
    assert_string_equal(m.trust.testsigning[0].store, OST_TEMPLATE_STORE);
    assert_false(m.trust.testsigning[0].was_set);
    assert_true(m.trust.testsigning[1].was_set);
    ost_manifest_free(&m);
    /* a manifest without the record has none */
    assert_ost_ok(parse("{\"packages\": []}", &m, &err), &err);
    assert_true(ost_manifest_trust_empty(&m.trust));
    ost_manifest_free(&m);
}

static void test_names_the_place_of_a_hostile_value(void **state)
{
    (void)state;
    const struct {
        const char *text, *place;
    } cases[] = {
        {"{\"packages\": [], \"test_signing\": []}", "test_signing: an array where an object"},
        {"{\"packages\": [], \"test_signing\": {\"certificates\": {}}}", "test_signing.certificates: an object"},
        {"{\"packages\": [], \"test_signing\": {\"certificates\": [{\"thumbprint\": \"12\"}]}}",
         "test_signing.certificates[0].thumbprint: a string where a SHA-1 thumbprint"},
        {"{\"packages\": [], \"test_signing\": {\"certificates\": [{\"thumbprint\": \"" TP "\", \"added_to\": [\"CA\"]}]}}",
         "test_signing.certificates[0].added_to[0]: a string where \"ROOT\" or \"TrustedPublisher\""},
        {"{\"packages\": [], \"test_signing\": {\"certificates\": [{\"thumbprint\": \"" TP "\", \"already_in\": 3}]}}",
         "test_signing.certificates[0].already_in: a number"},
        {"{\"packages\": [], \"test_signing\": {\"testsigning_before\": [{\"store\": \"../BCD\", \"object\": \"" GUID
         "\", \"before\": \"off\"}]}}", "test_signing.testsigning_before[0].store: a string where"},
        {"{\"packages\": [], \"test_signing\": {\"testsigning_before\": [{\"store\": \"/a/../BCD\", \"object\": \"" GUID
         "\", \"before\": \"off\"}]}}", "test_signing.testsigning_before[0].store"},
        {"{\"packages\": [], \"test_signing\": {\"testsigning_before\": [{\"store\": \"BCD-Template\", \"object\": "
         "\"{bootmgr}\", \"before\": \"off\"}]}}", "test_signing.testsigning_before[0].object: a string where a BCD object GUID"},
        {"{\"packages\": [], \"test_signing\": {\"testsigning_before\": [{\"store\": \"BCD-Template\", \"object\": \"" GUID
         "\", \"before\": \"on\"}]}}", "test_signing.testsigning_before[0].before: a string where \"absent\" or \"off\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ost_manifest m;
        struct ost_error err = {0};
        ost_status st = parse(cases[i].text, &m, &err);
        if (st != OST_ERR_CORRUPT || !strstr(err.message, cases[i].place) || !strstr(err.message, "img: manifest.json"))
            fail_msg("case %zu: status %d, message \"%s\", expected \"%s\"", i, st, err.message, cases[i].place);
        assert_true(ost_manifest_trust_empty(&m.trust));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_the_trust_record),
        cmocka_unit_test(test_names_the_place_of_a_hostile_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
