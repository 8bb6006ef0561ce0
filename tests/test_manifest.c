/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The manifest parser (stage.c): what it takes from a manifest, and the
 * JSON place it names when a value has the wrong shape. */
#include "testutil.h"

#include "manifest.h"

static ost_status parse(const char *text, struct ost_manifest *m, struct ost_error *err)
{
    return ost_manifest_parse((const uint8_t *)text, strlen(text), "img: manifest.json", m, err);
}

static void test_reads_entries_and_boot_hashes(void **state)
{
    (void)state;
    const char *text =
        "{\"schema\": \"offstage.manifest/1\", \"setup_complete_created\": true, \"packages\": ["
        "{\"inf\": \"a.inf\", \"folder\": \"a.inf_x86_neutral_0123456789abcdef\", \"arch\": \"x86\","
        " \"setup_complete_line\": null, \"signed\": true, \"boot_critical\": true,"
        " \"files\": [\"Windows\\\\offstage\\\\drivers\\\\a\\\\a.sys\"], \"services\": [\"a\"],"
        " \"boot_files\": [\"Windows\\\\System32\\\\drivers\\\\a.sys\", \"Windows\\\\System32\\\\drivers\\\\b.sys\"],"
        " \"boot_file_sha256\": {\"Windows\\\\System32\\\\drivers\\\\a.sys\":"
        " \"00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\", \"elsewhere\":"
        " \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"},"
        " \"future_field\": {\"ignored\": 1}},"
        "{\"inf\": \"b.inf\", \"folder\": \"b\"}]}";
    struct ost_manifest m;
    struct ost_error err;
    assert_ost_ok(parse(text, &m, &err), &err);
    assert_int_equal(m.n, 2);
    assert_true(m.setup_complete_created);
    const struct ost_staged *a = &m.items[0];
    assert_string_equal(a->inf_name, "a.inf");
    assert_string_equal(a->arch, "x86");
    assert_null(a->setup_complete_line);
    assert_true(a->signed_ && a->boot_critical);
    assert_int_equal(a->boot_files.n, 2);
    assert_int_equal(a->boot_hashes.n, 2);
    assert_string_equal(a->boot_hashes.v[0], "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF");
    assert_string_equal(a->boot_hashes.v[1], "");
    assert_false(m.items[1].boot_critical);
    assert_int_equal(m.items[1].files.n, 0);
    ost_manifest_free(&m);
}

static void test_names_the_place_of_a_wrong_shape(void **state)
{
    (void)state;
    const struct {
        const char *text, *place;
        ost_status status;
    } cases[] = {
        {"[]", "the document: an array where an object", OST_ERR_CORRUPT},
        {"{}", "packages: nothing where an array", OST_ERR_CORRUPT},
        {"{\"packages\": {}}", "packages: an object where an array", OST_ERR_CORRUPT},
        {"{\"packages\": [7]}", "packages[0]: a number where an object", OST_ERR_CORRUPT},
        {"{\"packages\": [{\"folder\": \"f\"}]}", "packages[0].inf: nothing where a string", OST_ERR_CORRUPT},
        {"{\"packages\": [{\"inf\": \"a\", \"folder\": \"f\"}, {\"inf\": 5, \"folder\": \"f\"}]}",
         "packages[1].inf: a number where a string", OST_ERR_CORRUPT},
        {"{\"packages\": [{\"inf\": \"a\", \"folder\": \"f\", \"files\": \"x\"}]}",
         "packages[0].files: a string where an array of strings", OST_ERR_CORRUPT},
        {"{\"packages\": [{\"inf\": \"a\", \"folder\": \"f\", \"services\": [\"s\", null]}]}",
         "packages[0].services[1]: null where a string", OST_ERR_CORRUPT},
        {"{\"packages\": [{\"inf\": \"a\", \"folder\": \"f\", \"boot_critical\": 1}]}",
         "packages[0].boot_critical: a number where true or false", OST_ERR_CORRUPT},
        {"{\"packages\": [{\"inf\": \"a\", \"folder\": \"f\", \"provider\": []}]}",
         "packages[0].provider: an array where a string", OST_ERR_CORRUPT},
        {"{\"packages\": [{\"inf\": \"a\", \"folder\": \"f\", \"boot_file_sha256\": {\"p\": \"abc\"}}]}",
         "packages[0].boot_file_sha256[\"p\"]: a string where a SHA-256", OST_ERR_CORRUPT},
        {"{\"packages\": [{\"inf\": \"a\", \"folder\": \"f\", \"boot_file_sha256\": []}]}",
         "packages[0].boot_file_sha256: an array where an object", OST_ERR_CORRUPT},
        {"{\"packages\": [], \"setup_complete_created\": \"no\"}", "setup_complete_created: a string",
         OST_ERR_CORRUPT},
        {"{\"schema\": \"offstage.manifest/2\", \"packages\": []}", "schema: \"offstage.manifest/2\"",
         OST_ERR_UNSUPPORTED},
        {"{\"packages\": [\n{\"inf\": \"a\",\n", "line 3", OST_ERR_CORRUPT},
        {"{\"packages\": [{\"inf\": \"a\\u0000b\", \"folder\": \"f\"}]}", "line 1", OST_ERR_CORRUPT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ost_manifest m;
        struct ost_error err = {0};
        ost_status st = parse(cases[i].text, &m, &err);
        if (st != cases[i].status || !strstr(err.message, cases[i].place) || !strstr(err.message, "img: manifest.json"))
            fail_msg("case %zu: status %d, message \"%s\", expected \"%s\"", i, st, err.message, cases[i].place);
        assert_int_equal(m.n, 0);
        assert_null(m.items);
    }
}

/* An empty package list is an empty manifest, not an error. */
static void test_empty_package_list(void **state)
{
    (void)state;
    struct ost_manifest m;
    struct ost_error err;
    assert_ost_ok(parse("{\"packages\": []}", &m, &err), &err);
    assert_int_equal(m.n, 0);
    assert_false(m.setup_complete_created);
    ost_manifest_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_entries_and_boot_hashes),
        cmocka_unit_test(test_names_the_place_of_a_wrong_shape),
        cmocka_unit_test(test_empty_package_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
