/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Scratch folders (scratch.c) as the targets use them: a $TMPDIR where no
 * folder can be made is an error the caller reports, never the end of the
 * process. */
#include "testutil.h"

#include "fileutil.h"
#include "target.h"

static void test_unwritable_tmpdir_is_an_error(void **state)
{
    (void)state;
    char *root = t_mkdtemp();
    char *missing = ost_path_join(root, "no-such-folder");
    const char *saved = getenv("TMPDIR");
    char *old = saved ? ost_xstrdup(saved) : NULL;
    struct ost_target *t;
    struct ost_error err;
    assert_ost_ok(ost_target_open_dir(root, true, &t, &err), &err);
    setenv("TMPDIR", missing, 1);

    char *path = (char *)1;
    assert_int_equal(ost_target_scratch_file(t, "x", &path, &err), OST_ERR_IO);
    assert_null(path);
    assert_non_null(strstr(err.message, missing));
    assert_non_null(strstr(err.message, "No such file or directory"));
    assert_non_null(strstr(err.message, "set TMPDIR"));
    /* what goes through a scratch file says the same */
    assert_int_equal(ost_target_write_bytes(t, "Windows\\a.txt", "a", 1, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, missing));

    if (old)
        setenv("TMPDIR", old, 1);
    else
        unsetenv("TMPDIR");
    /* once $TMPDIR is writable again the same target carries on */
    assert_ost_ok(ost_target_scratch_file(t, "x", &path, &err), &err);
    free(path);
    ost_target_close(t);
    t_rm_rf(root);
    free(root), free(missing), free(old);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unwritable_tmpdir_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
