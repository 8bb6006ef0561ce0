/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What an image is (imagekind.c) and the boot store that decides
 * testsigning for it (firstboot.c): every kind make-test-image writes, the
 * real Windows 7 SP1 SYSTEM hive's Setup key, several --bcd stores, and a
 * template that holds loaders. */
#include "testutil.h"

#include "bcd.h"
#include "firstboot.h"
#include "imagekind.h"
#include "testimage.h"
#include "testsign.h"

static char *make_image(const char *base, const char *name, ost_arch arch, enum ost_test_image_state state)
{
    char *dir = ost_path_join(base, name);
    struct ost_test_image_options o = {.arch = arch, .state = state};
    struct ost_error err;
    assert_ost_ok(ost_make_test_image(dir, &o, &err), &err);
    return dir;
}

static struct ost_image *open_image(const char *dir)
{
    struct ost_image *img;
    struct ost_image_options io = {0};
    struct ost_error err;
    assert_ost_ok(ost_image_open_dir(dir, &io, &img, &err), &err);
    return img;
}

static void test_each_kind(void **state)
{
    (void)state;
    char *base = t_mkdtemp();
    static const struct {
        enum ost_test_image_state state;
        enum ost_image_kind kind;
        const char *evidence;
    } cases[] = {
        {OST_TEST_STATE_INSTALLED, OST_IMAGE_KIND_INSTALLED, "ImageState = IMAGE_STATE_COMPLETE"},
        {OST_TEST_STATE_GENERALIZED, OST_IMAGE_KIND_GENERALIZED, "ImageState = IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE"},
        {OST_TEST_STATE_WINPE, OST_IMAGE_KIND_WINPE, "SYSTEM\\ControlSet001\\Control\\MiniNT exists"},
        {OST_TEST_STATE_NONE, OST_IMAGE_KIND_UNKNOWN, "no ImageState"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[16];
        snprintf(name, sizeof name, "img%zu", i);
        char *dir = make_image(base, name, OST_ARCH_AMD64, cases[i].state);
        struct ost_image *img = open_image(dir);
        struct ost_image_kind_info k;
        ost_image_kind_read(img, &k);
        assert_int_equal(k.kind, cases[i].kind);
        if (!strstr(k.evidence, cases[i].evidence))
            fail_msg("%s: evidence '%s' lacks '%s'", name, k.evidence, cases[i].evidence);
        assert_string_equal(k.disagreement, "");
        if (cases[i].state == OST_TEST_STATE_INSTALLED || cases[i].state == OST_TEST_STATE_GENERALIZED)
            assert_string_equal(k.state_ini, k.image_state);
        assert_true(k.setup_pending == (cases[i].state == OST_TEST_STATE_GENERALIZED));
        ost_image_close(img);
        free(dir);
    }
    t_rm_rf(base);
    free(base);
}

/* The signals one by one: State.ini alone decides, and disagreeing with
 * the registry it is named. */
static void test_state_ini(void **state)
{
    (void)state;
    char *base = t_mkdtemp();
    char *dir = make_image(base, "img", OST_ARCH_X86, OST_TEST_STATE_NONE);
    char *sdir = ost_path_join(dir, "Windows/Setup");
    mkdir(sdir, 0755);
    char *state_dir = ost_path_join(dir, "Windows/Setup/State");
    char *ini = t_in(state_dir, "State.ini");
    /* UTF-16LE with a byte-order mark, as Windows writes it */
    static const char text[] = "[State]\r\nImageState=IMAGE_STATE_COMPLETE\r\n";
    uint8_t u16[2 + 2 * sizeof text];
    u16[0] = 0xFF, u16[1] = 0xFE;
    for (size_t i = 0; i + 1 < sizeof text; i++)
        u16[2 + 2 * i] = (uint8_t)text[i], u16[3 + 2 * i] = 0;
    t_write(ini, u16, 2 + 2 * (sizeof text - 1));
    struct ost_image *img = open_image(dir);
    struct ost_image_kind_info k;
    ost_image_kind_read(img, &k);
    assert_int_equal(k.kind, OST_IMAGE_KIND_INSTALLED);
    assert_non_null(strstr(k.evidence, "State.ini: ImageState=IMAGE_STATE_COMPLETE"));
    ost_image_close(img);
    t_rm_rf(base);
    free(base), free(dir), free(sdir), free(state_dir), free(ini);
}

/* The real hive: Setup done (all 0, CmdLine empty), no MiniNT. Put into a
 * test image whose SOFTWARE has no ImageState, the Setup key decides,
 * with medium confidence. */
static void test_real_system_hive(void **state)
{
    (void)state;
    char *xz = t_shared_path("fixtures/hives/win7sp1-SYSTEM.xz");
    if (!xz)
        skip();
    char *base = t_mkdtemp();
    char *dir = make_image(base, "img", OST_ARCH_X86, OST_TEST_STATE_NONE);
    char *cmd = ost_xasprintf("xz -dc '%s' > '%s/Windows/System32/config/SYSTEM'", xz, dir);
    assert_int_equal(system(cmd), 0);
    struct ost_image *img = open_image(dir);
    struct ost_image_kind_info k;
    ost_image_kind_read(img, &k);
    assert_true(k.setup_done);
    assert_false(k.setup_pending);
    assert_false(k.documented);
    assert_int_equal(k.kind, OST_IMAGE_KIND_INSTALLED);
    assert_non_null(strstr(k.evidence, "SystemSetupInProgress = 0, SetupType = 0, CmdLine = \"\""));
    assert_non_null(strstr(k.evidence, "medium confidence"));
    ost_image_close(img);
    t_rm_rf(base);
    free(base), free(dir), free(cmd), free(xz);
}

static void test_policy_by_kind(void **state)
{
    (void)state;
    char *base = t_mkdtemp();
    struct ost_error err;
    char *installed = make_image(base, "installed", OST_ARCH_AMD64, OST_TEST_STATE_INSTALLED);
    char *winpe = make_image(base, "winpe", OST_ARCH_AMD64, OST_TEST_STATE_WINPE);
    char *generalized = make_image(base, "generalized", OST_ARCH_AMD64, OST_TEST_STATE_GENERALIZED);

    struct ost_image *img = open_image(installed);
    struct ost_boot_policy pol = {.img = img};
    assert_ost_ok(ost_boot_policy_read(&pol, NULL, img, &err), &err);
    assert_int_equal(pol.testsigning, OST_UNKNOWN);
    assert_false(pol.template_decides);
    assert_int_equal(pol.nstores, 0); /* BCD-Template is not read */
    assert_non_null(strstr(pol.testsigning_source, "unknown: give --bcd"));
    assert_non_null(strstr(pol.testsigning_caveat, "installed system"));
    ost_image_close(img);

    img = open_image(winpe);
    pol = (struct ost_boot_policy){.img = img};
    assert_ost_ok(ost_boot_policy_read(&pol, NULL, img, &err), &err);
    assert_int_equal(pol.testsigning, OST_UNKNOWN);
    assert_non_null(strstr(pol.testsigning_caveat, "BCD-Template has no effect"));
    assert_non_null(strstr(pol.testsigning_source, "boot\\BCD and efi\\microsoft\\boot\\bcd"));
    ost_image_close(img);

    img = open_image(generalized);
    pol = (struct ost_boot_policy){.img = img};
    assert_ost_ok(ost_boot_policy_read(&pol, NULL, img, &err), &err);
    assert_int_equal(pol.testsigning, OST_NO);
    assert_true(pol.template_decides);
    assert_string_equal(pol.testsigning_source, "the image's BCD-Template");
    assert_non_null(strstr(pol.testsigning_caveat, "does not document"));
    assert_non_null(strstr(pol.testsigning_caveat, "bcdedit /set {default} testsigning on"));
    assert_non_null(strstr(pol.testsigning_caveat, "SetupComplete.cmd"));
    ost_image_close(img);

    t_rm_rf(base);
    free(base), free(installed), free(winpe), free(generalized);
}

/* A test-signed, trusted package on x64: the verdict rests on testsigning,
 * so it carries the caveat; an unsigned one does not rest on it. */
static void test_caveat_only_where_it_matters(void **state)
{
    (void)state;
    struct ost_boot_policy pol = {.testsigning = OST_YES};
    snprintf(pol.testsigning_caveat, sizeof pol.testsigning_caveat, "CAVEAT");
    struct ost_verdict_input in = {.arch = OST_ARCH_AMD64, .signature = OST_SIG_TRUSTED, .signer_in_root = true,
                                   .signer_in_trusted_publisher = true, .testsigning = OST_YES};
    struct ost_verdict v;
    ost_verdict_decide(&in, &v);
    ost_boot_policy_note(&pol, &in, &v);
    assert_string_equal(v.caveat, "CAVEAT");
    assert_null(strstr(v.summary, "CAVEAT")); /* the text says it once per image, as a note */
    ost_boot_policy_note(&pol, &in, &v); /* once */
    assert_string_equal(v.caveat, "CAVEAT");
    ost_verdict_free(&v);
    in.signature = OST_SIG_NONE;
    ost_verdict_decide(&in, &v);
    ost_boot_policy_note(&pol, &in, &v);
    assert_null(v.caveat);
    ost_verdict_free(&v);
}

/* Two stores (a medium's BIOS and UEFI): on only when on in both, and the
 * one that is off is named. */
static void test_two_stores(void **state)
{
    (void)state;
    char *base = t_mkdtemp();
    char *img_dir = make_image(base, "img", OST_ARCH_AMD64, OST_TEST_STATE_WINPE);
    char *src = ost_path_join(img_dir, "Windows/System32/config/BCD-Template");
    char *bios = ost_path_join(base, "BCD"), *uefi = ost_path_join(base, "bcd-uefi");
    t_copy(src, bios);
    t_copy(src, uefi);
    struct ost_error err;
    char *tmp = NULL;
    assert_ost_ok(ost_testsign_bcd_prepare(bios, false, &tmp, &err), &err);
    assert_non_null(tmp);
    assert_ost_ok(ost_rename_into_place(tmp, bios, &err), &err);
    free(tmp);

    struct ost_image *img = open_image(img_dir);
    struct ost_strlist stores = {0};
    ost_strlist_add(&stores, bios);
    ost_strlist_add(&stores, uefi);
    struct ost_boot_policy pol = {.img = img};
    assert_ost_ok(ost_boot_policy_read(&pol, &stores, img, &err), &err);
    assert_int_equal(pol.testsigning, OST_NO);
    assert_int_equal(pol.nstores, 2);
    assert_int_equal(pol.stores[0].testsigning, OST_YES);
    assert_int_equal(pol.stores[1].testsigning, OST_NO);
    char *want = ost_xasprintf("BCD store %s (on in %s; the media may boot from either)", uefi, bios);
    assert_string_equal(pol.testsigning_source, want);
    assert_non_null(strstr(pol.testsigning_caveat, "BCD-Template has no effect"));
    free(want);

    assert_ost_ok(ost_testsign_bcd_prepare(uefi, false, &tmp, &err), &err);
    assert_ost_ok(ost_rename_into_place(tmp, uefi, &err), &err);
    free(tmp);
    assert_ost_ok(ost_boot_policy_read(&pol, &stores, img, &err), &err);
    assert_int_equal(pol.testsigning, OST_YES);
    want = ost_xasprintf("BCD stores %s and %s", bios, uefi);
    assert_string_equal(pol.testsigning_source, want);
    free(want);
    ost_image_close(img);
    ost_strlist_free(&stores);
    t_rm_rf(base);
    free(base), free(img_dir), free(src), free(bios), free(uefi);
}

/* A BCD-Template that holds a loader (the real Setup media store put in
 * its place): {bootloadersettings} is set too, since the loaders bcdboot
 * creates inherit it, not the template's own loader. */
static void test_template_with_loaders(void **state)
{
    (void)state;
    char *xz = t_shared_path("fixtures/bcd/usbboot-bios-BCD.xz");
    if (!xz)
        skip();
    char *base = t_mkdtemp();
    char *dir = make_image(base, "img", OST_ARCH_AMD64, OST_TEST_STATE_GENERALIZED);
    char *cmd = ost_xasprintf("xz -dc '%s' > '%s/Windows/System32/config/BCD-Template'", xz, dir);
    assert_int_equal(system(cmd), 0);
    struct ost_image *img;
    struct ost_image_options io = {.writable = true};
    struct ost_error err;
    assert_ost_ok(ost_image_open_dir(dir, &io, &img, &err), &err);
    struct ost_bcd *b;
    assert_ost_ok(ost_bcd_open_template(img, true, &b, &err), &err);
    size_t *idx, n;
    ost_bcd_scope scope;
    assert_ost_ok(ost_bcd_targets(b, NULL, &idx, &n, &scope, &err), &err);
    assert_int_equal(scope, OST_BCD_SCOPE_TEMPLATE);
    bool settings = false, loader = false;
    for (size_t i = 0; i < n; i++) {
        settings = settings || ost_streq_ci(b->v[idx[i]].guid, OST_BCD_BOOTLOADERSETTINGS_GUID);
        loader = loader || ost_bcd_is_loader(&b->v[idx[i]]);
        bool changed;
        assert_ost_ok(ost_bcd_set_flag(b, idx[i], OST_BCD_TESTSIGNING, true, &changed, &err), &err);
    }
    assert_true(settings);
    assert_true(loader);
    free(idx);
    assert_ost_ok(ost_bcd_stage_template(img, b, &err), &err);
    ost_bcd_close(b);
    assert_ost_ok(ost_image_commit(img, &err), &err);
    ost_image_close(img);
    /* read back by an independent reader */
    char *get = ost_xasprintf("hivexget '%s/Windows/System32/config/BCD-Template' "
                              "'\\Objects\\%s\\Elements\\16000049' Element | od -An -tx1 | tr -d ' \\n'",
                              dir, OST_BCD_BOOTLOADERSETTINGS_GUID);
    FILE *p = popen(get, "r");
    char out[16] = "";
    assert_non_null(fgets(out, sizeof out, p));
    pclose(p);
    assert_string_equal(out, "01");
    t_rm_rf(base);
    free(base), free(dir), free(cmd), free(xz), free(get);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_kind),
        cmocka_unit_test(test_state_ini),
        cmocka_unit_test(test_real_system_hive),
        cmocka_unit_test(test_policy_by_kind),
        cmocka_unit_test(test_caveat_only_where_it_matters),
        cmocka_unit_test(test_two_stores),
        cmocka_unit_test(test_template_with_loaders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
