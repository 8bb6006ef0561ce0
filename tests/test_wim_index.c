/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --index as the image commands read it (ost_wim_index_parse), and
 * install media given where a WIM or an installed Windows is wanted
 * (ost_wim_refuse_media). The values once read with atoi: a list was its
 * first number, junk after a number was dropped, a number wrapped. */
#include "testutil.h"

#include "wim.h"

static void expect_images(const char *index, int count, const int *want, size_t nwant)
{
    int *images;
    size_t n;
    struct ost_error err;
    assert_ost_ok(ost_wim_index_parse(index, count, &images, &n, &err), &err);
    assert_int_equal(n, nwant);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(images[i], want[i]);
    free(images);
}

static void expect_refused(const char *index, int count, const char *says)
{
    int *images = (int *)1;
    size_t n = 7;
    struct ost_error err;
    assert_int_equal(ost_wim_index_parse(index, count, &images, &n, &err), OST_ERR_USAGE);
    assert_null(images);
    assert_int_equal(n, 0);
    if (!strstr(err.message, says))
        fail_msg("--index '%s': '%s' does not say '%s'", index, err.message, says);
}

static void test_good(void **state)
{
    (void)state;
    expect_images("2", 2, (const int[]){2}, 1);
    expect_images("1,2", 2, (const int[]){1, 2}, 2);
    expect_images("3,1", 3, (const int[]){3, 1}, 2);
    expect_images("all", 3, (const int[]){1, 2, 3}, 3);
    expect_images("ALL", 2, (const int[]){1, 2}, 2);
}

static void test_bad(void **state)
{
    (void)state;
    expect_refused("2abc", 2, "'2abc' is not an image number; give N (1 to 2)");
    expect_refused("0", 2, "'0' is not an image number");
    expect_refused("99", 2, "no image 99; the images are 1 to 2");
    expect_refused("2", 1, "no image 2; the only image is 1");
    expect_refused("1,99", 2, "no image 99");
    expect_refused("1,", 2, "'' is not an image number");
    expect_refused(",1", 2, "'' is not an image number");
    expect_refused("1,,2", 2, "'' is not an image number");
    expect_refused("1;2", 2, "'1;2' is not an image number");
    expect_refused("1 2", 2, "'1 2' is not an image number");
    expect_refused("+1", 2, "'+1' is not an image number");
    expect_refused("-1", 2, "'-1' is not an image number");
    expect_refused("4294967297", 2, "no image 4294967297");
    expect_refused("18446744073709551617", 2, "is not an image number");
    expect_refused("2,2", 2, "image 2 is named twice");
    expect_refused("", 2, "'' is not an image number");
}

static void test_media(void **state)
{
    (void)state;
    char *base = t_mkdtemp(), *sources = t_in(base, "SOURCES"), *wim = t_in(sources, "install.wim");
    struct ost_error err;
    assert_ost_ok(ost_wim_refuse_media(base, &err), &err); /* an empty SOURCES is no media */
    t_write_str(wim, "");
    assert_int_equal(ost_wim_refuse_media(base, &err), OST_ERR_USAGE);
    assert_non_null(strstr(err.message, "install media"));
    assert_non_null(strstr(err.message, "SOURCES/install.wim with --index N"));
    assert_non_null(strstr(err.message, "`offstage media"));
    /* an applied Windows with a sources folder of its own is not media */
    char *windows = t_in(base, "Windows");
    assert_int_equal(mkdir(windows, 0755), 0);
    assert_ost_ok(ost_wim_refuse_media(base, &err), &err);
    /* an ISO: "CD001" at byte 32769 */
    char *iso = t_in(base, "win7.iso");
    uint8_t *data = calloc(1, 34816);
    assert_non_null(data);
    data[32768] = 1;
    memcpy(data + 32769, "CD001", 5);
    t_write(iso, data, 34816);
    assert_int_equal(ost_wim_refuse_media(iso, &err), OST_ERR_USAGE);
    assert_non_null(strstr(err.message, "is an ISO"));
    assert_non_null(strstr(err.message, "sources/boot.wim (--index 2"));
    assert_ost_ok(ost_wim_refuse_media(wim, &err), &err);
    t_rm_rf(base);
    free(data), free(iso), free(windows), free(wim), free(sources), free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_media),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
