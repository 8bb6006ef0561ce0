/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sha2support.h: whether an image verifies SHA-256 signatures, from the
 * servicing packages make-test-image records (installed, staged, absent,
 * no key at all), from CBS states written into a hive (a superseded
 * KB3033929 beside an installed KB4474419, a pending one), and from the
 * version (Windows 8 verifies SHA-256 natively). */
#include "testutil.h"

#include "image.h"
#include "sha2support.h"
#include "testimage.h"

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = t_mkdtemp();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    t_rm_rf(dir);
    free(dir);
    return 0;
}

static void image_support(const char *name, enum ost_test_sha2_update u, struct ost_sha2_support *out)
{
    struct ost_error err;
    char *img_dir = ost_path_join(dir, name);
    struct ost_test_image_options o = {.arch = OST_ARCH_AMD64, .sha2_update = u};
    assert_ost_ok(ost_make_test_image(img_dir, &o, &err), &err);
    struct ost_image_options io = {0};
    struct ost_image *img;
    assert_ost_ok(ost_image_open_dir(img_dir, &io, &img, &err), &err);
    ost_image_sha2_support(img, out);
    ost_image_close(img);
    free(img_dir);
}

static void test_test_image_states(void **state)
{
    (void)state;
    struct ost_sha2_support s;
    image_support("installed", OST_TEST_SHA2_INSTALLED, &s);
    assert_int_equal(s.state, OST_SHA2_YES);
    assert_non_null(strstr(s.evidence, "Package_for_KB4474419~31bf3856ad364e35~amd64~~6.1.4.0 is Installed (CurrentState 0x70)"));
    image_support("staged", OST_TEST_SHA2_STAGED, &s);
    assert_int_equal(s.state, OST_SHA2_NO);
    assert_non_null(strstr(s.evidence, "is Staged (CurrentState 0x40), not installed"));
    image_support("absent", OST_TEST_SHA2_ABSENT, &s);
    assert_int_equal(s.state, OST_SHA2_NO);
    assert_non_null(strstr(s.evidence, "no Package_for_KB3033929~ or Package_for_KB4474419~"));
    image_support("unrecorded", OST_TEST_SHA2_UNRECORDED, &s);
    assert_int_equal(s.state, OST_SHA2_UNKNOWN);
    assert_non_null(strstr(s.evidence, "is not known"));
}

/* A SOFTWARE hive of a test image with the given packages and states. */
static struct ost_hive *hive_with(const char *name, const char *const *packages, const uint32_t *states, size_t n)
{
    struct ost_error err;
    char *img_dir = ost_path_join(dir, name);
    struct ost_test_image_options o = {.arch = OST_ARCH_AMD64, .sha2_update = OST_TEST_SHA2_ABSENT};
    assert_ost_ok(ost_make_test_image(img_dir, &o, &err), &err);
    char *path = ost_path_join(img_dir, "Windows/System32/config/SOFTWARE");
    struct ost_hive_open_options ho = {.writable = true};
    struct ost_hive *h;
    assert_ost_ok(ost_hive_open(path, &ho, &h, &err), &err);
    ost_hkey root = ost_hive_key(h, 0, OST_CBS_PACKAGES);
    assert_true(root != 0);
    for (size_t i = 0; i < n; i++) {
        ost_hkey k;
        assert_ost_ok(ost_hive_create_key(h, root, packages[i], &k, &err), &err);
        assert_ost_ok(ost_hive_set_dword(h, k, "CurrentState", states[i], &err), &err);
    }
    free(path), free(img_dir);
    return h;
}

static void test_cbs_states(void **state)
{
    (void)state;
    struct ost_sha2_support s;
    static const char *const both[] = {"Package_for_KB3033929~31bf3856ad364e35~amd64~~6.1.1.1",
                                       "Package_for_KB4474419~31bf3856ad364e35~amd64~~6.1.3.1"};
    static const uint32_t superseded_installed[] = {0x50, 0x80};
    struct ost_hive *h = hive_with("both", both, superseded_installed, 2);
    ost_sha2_support_of_hive(h, 6, 1, &s);
    assert_int_equal(s.state, OST_SHA2_YES);
    assert_non_null(strstr(s.evidence, "KB4474419~31bf3856ad364e35~amd64~~6.1.3.1 is Permanent (CurrentState 0x80)"));
    ost_hive_close(h);

    static const uint32_t pending[] = {0x60};
    h = hive_with("pending", both, pending, 1);
    ost_sha2_support_of_hive(h, 6, 1, &s);
    assert_int_equal(s.state, OST_SHA2_NO);
    assert_non_null(strstr(s.evidence, "KB3033929~31bf3856ad364e35~amd64~~6.1.1.1 is Install Pending (CurrentState 0x60)"));
    /* Windows 8 and later need no update */
    ost_sha2_support_of_hive(h, 6, 2, &s);
    assert_int_equal(s.state, OST_SHA2_YES);
    assert_non_null(strstr(s.evidence, "natively"));
    ost_hive_close(h);

    static const char *const odd[] = {"package_for_kb3033929~31bf3856ad364e35~x86~~6.1.1.0"};
    static const uint32_t odd_state[] = {0x99};
    h = hive_with("odd", odd, odd_state, 1);
    ost_sha2_support_of_hive(h, 6, 1, &s);
    assert_int_equal(s.state, OST_SHA2_NO);
    assert_non_null(strstr(s.evidence, "a state the CBS chart does not list"));
    ost_hive_close(h);

    /* no hive at all (Windows 7): unknown */
    ost_sha2_support_of_hive(NULL, 6, 1, &s);
    assert_int_equal(s.state, OST_SHA2_UNKNOWN);
}

static void test_state_names(void **state)
{
    (void)state;
    assert_string_equal(ost_cbs_state_name(0x70), "Installed");
    assert_string_equal(ost_cbs_state_name(0x65), "Partially Installed");
    assert_string_equal(ost_cbs_state_name(0x5), "Uninstall Pending");
    assert_null(ost_cbs_state_name(0x71));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_test_image_states),
        cmocka_unit_test(test_cbs_states),
        cmocka_unit_test(test_state_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
