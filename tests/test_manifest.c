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
        {"{\"packages\": [{\"inf\": \"a\", \"folder\": \"f\", \"registry\": []}]}",
         "packages[0].registry: an array where an object", OST_ERR_CORRUPT},
        {"{\"packages\": [{\"inf\": \"a\", \"folder\": \"f\", \"registry\": {\"created_keys\": [1]}}]}",
         "packages[0].registry.created_keys[0]: a number where a string", OST_ERR_CORRUPT},
        {"{\"packages\": [{\"inf\": \"a\", \"folder\": \"f\", \"registry\": {\"values\": {}}}]}",
         "packages[0].registry.values: an object where an array", OST_ERR_CORRUPT},
        {"{\"packages\": [{\"inf\": \"a\", \"folder\": \"f\", \"registry\": {\"values\": [{\"key\": \"k\"}]}}]}",
         "packages[0].registry.values[0].name: nothing where a string", OST_ERR_CORRUPT},
        {"{\"packages\": [{\"inf\": \"a\", \"folder\": \"f\", \"registry\": {\"values\": [{\"key\": \"k\", "
         "\"name\": \"n\", \"before\": {\"type\": -1, \"data\": \"\"}}]}}]}",
         "packages[0].registry.values[0].before.type: a number where a registry type", OST_ERR_CORRUPT},
        {"{\"packages\": [{\"inf\": \"a\", \"folder\": \"f\", \"registry\": {\"values\": [{\"key\": \"k\", "
         "\"name\": \"n\", \"after\": {\"type\": 4, \"data\": \"0g\"}}]}}]}",
         "packages[0].registry.values[0].after.data: a string where a string of hex digit pairs", OST_ERR_CORRUPT},
        {"{\"packages\": [{\"inf\": \"a\", \"folder\": \"f\", \"registry\": {\"values\": [{\"key\": \"k\", "
         "\"name\": \"n\", \"after\": {\"type\": 4, \"data\": \"123\"}}]}}]}",
         "packages[0].registry.values[0].after.data: a string where a string of hex digit pairs", OST_ERR_CORRUPT},
        {"{\"packages\": [{\"inf\": \"a\", \"folder\": \"f\", \"registry\": {\"values\": [7]}}]}",
         "packages[0].registry.values[0]: a number where an object", OST_ERR_CORRUPT},
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

/* The registry record: what add-driver wrote in SYSTEM, read back as it
 * was written, and absent in manifests of older versions. */
static void test_registry_record_round_trip(void **state)
{
    (void)state;
    const char *text =
        "{\"packages\": [{\"inf\": \"a.inf\", \"folder\": \"f\", \"registry\": {"
        "\"created_keys\": [\"ControlSet001\\\\services\\\\a\"],"
        " \"values\": [{\"key\": \"ControlSet001\\\\Enum\\\\PCI\\\\X\\\\1\", \"name\": \"ConfigFlags\","
        " \"before\": {\"type\": 4, \"data\": \"40000000\"}, \"after\": {\"type\": 4, \"data\": \"60000000\"}},"
        " {\"key\": \"ControlSet001\\\\services\\\\a\", \"name\": \"\", \"before\": null, \"after\": {\"type\": 1, \"data\": \"\"}}]}},"
        " {\"inf\": \"old.inf\", \"folder\": \"g\"}]}";
    struct ost_manifest m;
    struct ost_error err;
    assert_ost_ok(parse(text, &m, &err), &err);
    const struct ost_staged *a = &m.items[0];
    assert_true(a->has_registry);
    assert_false(m.items[1].has_registry);
    assert_int_equal(a->created_keys.n, 1);
    assert_string_equal(a->created_keys.v[0], "ControlSet001\\services\\a");
    assert_int_equal(a->nchanges, 2);
    const struct ost_reg_change *c = &a->changes[0];
    assert_string_equal(c->name, "ConfigFlags");
    assert_true(c->before.present && c->after.present);
    assert_int_equal(c->before.type, 4);
    assert_int_equal(c->before.size, 4);
    assert_int_equal(c->before.data[0], 0x40);
    assert_int_equal(c->after.data[0], 0x60);
    assert_false(a->changes[1].before.present);
    assert_true(a->changes[1].after.present);
    assert_int_equal(a->changes[1].after.size, 0);
    /* a value changed twice keeps what it held first */
    struct ost_reg_state later = {true, 4, (uint8_t[]){0x61, 0, 0, 0}, 4};
    ost_staged_record_change(&m.items[0], "controlset001\\enum\\pci\\x\\1", "configflags", &later, &later);
    assert_int_equal(m.items[0].nchanges, 2);
    assert_int_equal(m.items[0].changes[0].before.data[0], 0x40);
    assert_int_equal(m.items[0].changes[0].after.data[0], 0x61);
    ost_manifest_free(&m);
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
        cmocka_unit_test(test_registry_record_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
