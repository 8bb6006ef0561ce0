/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for the strict number parser and the opening of input files. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>

static void parse_uint_takes_whole_decimal_numbers_in_range(void **state)
{
    (void)state;
    uint64_t v = 99;
    assert_true(ost_parse_uint("0", 0, 10, &v));
    assert_int_equal(v, 0);
    assert_true(ost_parse_uint("007", 0, 10, &v));
    assert_int_equal(v, 7);
    assert_true(ost_parse_uint("18446744073709551615", 0, UINT64_MAX, &v));
    assert_true(v == UINT64_MAX);
    assert_true(ost_parse_uint("100", 1, 100, &v));
    assert_int_equal(v, 100);
}

static void parse_uint_refuses_the_rest(void **state)
{
    (void)state;
    static const char *bad[] = {"", " 2", "2 ", "+2", "-1", "2junk", "0x10", "1,2", "1.0", "1e3",
                                "18446744073709551616", "99999999999999999999999"};
    uint64_t v = 42;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_false(ost_parse_uint(bad[i], 0, UINT64_MAX, &v));
        assert_int_equal(v, 42); /* untouched on failure */
    }
    assert_false(ost_parse_uint(NULL, 0, 1, &v));
    assert_false(ost_parse_uint("0", 1, 100, &v));
    assert_false(ost_parse_uint("101", 1, 100, &v));
    /* 2^32 + 2: what atoi-style parsing wrapped to 2 */
    assert_false(ost_parse_uint("4294967298", 1, 4, &v));
}

static void open_input_refuses_what_is_not_a_regular_file(void **state)
{
    (void)state;
    char *dir = t_mkdtemp();
    char *fifo = ost_path_join(dir, "fifo"), *file = ost_path_join(dir, "file"), *link = ost_path_join(dir, "link");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    t_write_str(file, "data");
    assert_int_equal(symlink(file, link), 0);
    struct ost_error err;

    /* a FIFO with no writer: refused at once (a blocking open would hang here) */
    assert_int_equal(ost_open_input(fifo, 0, &err), -1);
    assert_int_equal(err.status, OST_ERR_IO);
    assert_non_null(strstr(err.message, fifo));
    assert_non_null(strstr(err.message, "not a regular file (a FIFO)"));
    assert_int_equal(ost_check_input_file(fifo, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, "(a FIFO)"));

    assert_int_equal(ost_open_input(dir, 0, &err), -1);
    assert_non_null(strstr(err.message, "(a folder)"));
    assert_int_equal(ost_open_input("/dev/null", 0, &err), -1);
    assert_non_null(strstr(err.message, "(a character device)"));
    assert_int_equal(ost_open_input(link, O_NOFOLLOW, &err), -1);
    assert_non_null(strstr(err.message, "(a symbolic link)"));

    uint8_t *data;
    size_t n;
    assert_int_equal(ost_read_file(fifo, 100, &data, &n, &err), OST_ERR_IO);
    assert_null(data);

    /* a regular file, and a symlink to one when links are followed: the
     * descriptor blocks again, so reads wait for data as usual */
    int fd = ost_open_input(link, 0, &err);
    assert_true(fd >= 0);
    assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    assert_true((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    close(fd);
    assert_ost_ok(ost_check_input_file(file, &err), &err);
    assert_ost_ok(ost_read_file(file, 100, &data, &n, &err), &err);
    assert_int_equal(n, 4);
    assert_string_equal((char *)data, "data");
    free(data);
    assert_int_equal(ost_read_file(file, 3, &data, &n, &err), OST_ERR_LIMIT);

    free(fifo), free(file), free(link);
    t_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_uint_takes_whole_decimal_numbers_in_range),
        cmocka_unit_test(parse_uint_refuses_the_rest),
        cmocka_unit_test(open_input_refuses_what_is_not_a_regular_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
