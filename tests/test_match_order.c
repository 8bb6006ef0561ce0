/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The order of near misses (match.h): as a user fixes them, the same for
 * `match` and `doctor`, across packages and within one package. */
#include "testutil.h"

#include "match.h"

static struct ost_driver_model *model_text(const char *name, const char *models)
{
    char *text = ost_xasprintf("[Version]\nSignature=\"$Windows NT$\"\nClass=MEDIA\n"
                               "ClassGuid={4d36e96c-e325-11ce-bfc1-08002be10318}\nProvider=P\n"
                               "DriverVer=01/10/2026,0.0.0.1\n[Manufacturer]\nM=Models,NTamd64\n"
                               "[Models.NTamd64]\n%s\n[Inst.NT]\n",
                               models);
    struct ost_inf *inf;
    struct ost_error err;
    assert_ost_ok(ost_inf_parse((const uint8_t *)text, strlen(text), name, NULL, &inf, NULL, &err), &err);
    free(text);
    struct ost_model_options o = {.arches = {OST_ARCH_AMD64}, .narches = 1};
    struct ost_driver_model *m;
    assert_ost_ok(ost_driver_model_build(inf, &o, &m, &err), &err);
    return m;
}

static void pci(const char *spec, struct ost_device_ids *ids)
{
    struct ost_pci_identity p;
    struct ost_error err;
    memset(ids, 0, sizeof *ids);
    if (ost_pci_identity_parse(spec, &p, &err) != OST_OK)
        fail_msg("%s", err.message);
    ost_pci_expand(&p, ids);
}

/* The seed's REV_00 device and a package of each kind of miss, given
 * farthest first: the result is nearest first. */
static void test_order_across_packages(void **state)
{
    (void)state;
    struct ost_driver_model *m[] = {
        model_text("other.inf", "D = Inst, PCI\\VEN_1AF4&DEV_1041"),
        model_text("legacy.inf", "D = Inst, PCI\\VEN_1AF4&DEV_1018"),
        model_text("subsys.inf", "D = Inst, PCI\\VEN_1AF4&DEV_1059&SUBSYS_00221AF4"),
        model_text("contract.inf", "D = Inst, PCI\\VEN_1AF4&DEV_1059&REV_01"),
    };
    struct ost_match_input in[4];
    for (size_t i = 0; i < 4; i++)
        in[i] = (struct ost_match_input){m[i], true};
    struct ost_device_ids dev;
    pci("1af4:1059:00191af4:00", &dev);
    struct ost_match_result r;
    ost_match_device(&dev, in, 4, OST_ARCH_AMD64, &r);
    assert_int_equal(r.nmatches, 0);
    assert_int_equal(r.nmisses, 4);
    static const enum ost_miss_reason want[] = {OST_MISS_REVISION, OST_MISS_SUBSYSTEM, OST_MISS_TRANSITIONAL,
                                                OST_MISS_DEVICE};
    static const char *const names[] = {"contract.inf", "subsys.inf", "legacy.inf", "other.inf"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(r.misses[i].reason, want[i]);
        assert_string_equal(r.misses[i].model->inf_name, names[i]);
        if (i)
            assert_true(ost_near_miss_compare(&r.misses[i - 1], &r.misses[i]) < 0);
    }
    ost_match_result_free(&r);
    ost_device_ids_free(&dev);
    for (size_t i = 0; i < 4; i++)
        ost_driver_model_free(m[i]);
}

/* One INF that lists both the transitional ID and the contract's revision:
 * its miss is the revision. */
static void test_order_within_a_package(void **state)
{
    (void)state;
    struct ost_driver_model *m =
        model_text("both.inf", "T = Inst, PCI\\VEN_1AF4&DEV_1018\nD = Inst, PCI\\VEN_1AF4&DEV_1059&REV_01");
    struct ost_match_input in = {m, true};
    struct ost_device_ids dev;
    pci("1af4:1059:00191af4:00", &dev);
    struct ost_match_result r;
    ost_match_device(&dev, &in, 1, OST_ARCH_AMD64, &r);
    assert_int_equal(r.nmisses, 1);
    assert_int_equal(r.misses[0].reason, OST_MISS_REVISION);
    assert_string_equal(r.misses[0].inf_id, "PCI\\VEN_1AF4&DEV_1059&REV_01");
    ost_match_result_free(&r);
    ost_device_ids_free(&dev);
    ost_driver_model_free(m);
}

/* Misses as near as each other keep the packages' order. */
static void test_equal_misses_keep_order(void **state)
{
    (void)state;
    struct ost_driver_model *m[] = {
        model_text("b.inf", "D = Inst, PCI\\VEN_1AF4&DEV_1059&REV_02"),
        model_text("a.inf", "D = Inst, PCI\\VEN_1AF4&DEV_1059&REV_01"),
        model_text("c.inf", "D = Inst, PCI\\VEN_1AF4&DEV_1059&REV_03"),
    };
    struct ost_match_input in[3];
    for (size_t i = 0; i < 3; i++)
        in[i] = (struct ost_match_input){m[i], true};
    struct ost_device_ids dev;
    pci("1af4:1059:00191af4:00", &dev);
    struct ost_match_result r;
    ost_match_device(&dev, in, 3, OST_ARCH_AMD64, &r);
    assert_int_equal(r.nmisses, 3);
    for (size_t i = 0; i < 3; i++)
        assert_ptr_equal(r.misses[i].model, m[i]);
    assert_int_equal(ost_near_miss_compare(&r.misses[0], &r.misses[1]), 0);
    ost_match_result_free(&r);
    ost_device_ids_free(&dev);
    for (size_t i = 0; i < 3; i++)
        ost_driver_model_free(m[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_across_packages),
        cmocka_unit_test(test_order_within_a_package),
        cmocka_unit_test(test_equal_misses_keep_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
