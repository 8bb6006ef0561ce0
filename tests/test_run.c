/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Running external programs (run.c), as qemuimg.c, fatfs.c, ntfsvol.c and
 * testdisk.c do: stdin given as text, stdout and stderr kept apart (or
 * stdout into a file), the exit status, a program that cannot be run, the
 * child's own process group, its environment and the PATH search. The
 * child is /bin/sh, so what it saw is read back from what it printed. */
#include "testutil.h"

#include <unistd.h>

#include "run.h"

static char *const *sh_argv(const char *script)
{
    static char *argv[4];
    argv[0] = (char *)"sh";
    argv[1] = (char *)"-c";
    argv[2] = (char *)script;
    argv[3] = NULL;
    return argv;
}

static void test_stdin_stdout_stderr_and_status(void **state)
{
    (void)state;
    struct ost_run job = {.path = "/bin/sh", .argv = sh_argv("cat; echo to-stderr >&2; exit 3"),
                          .stdin_text = "line one\nline two\n"};
    struct ost_run_result r;
    struct ost_error err;
    assert_ost_ok(ost_run_program(&job, "test", &r, &err), &err);
    assert_int_equal(r.exit_status, 3);
    assert_string_equal(r.out, "line one\nline two\n");
    assert_string_equal(r.errout, "to-stderr\n");
    ost_run_result_free(&r);

    /* no stdin_text: /dev/null, read to its end at once */
    job = (struct ost_run){.path = "/bin/sh", .argv = sh_argv("wc -c")};
    assert_ost_ok(ost_run_program(&job, "test", &r, &err), &err);
    assert_int_equal(r.exit_status, 0);
    assert_int_equal(atoi(r.out), 0);
    ost_run_result_free(&r);

    /* killed by a signal */
    job = (struct ost_run){.path = "/bin/sh", .argv = sh_argv("kill -9 $$")};
    assert_ost_ok(ost_run_program(&job, "test", &r, &err), &err);
    assert_int_equal(r.exit_status, -1);
    ost_run_result_free(&r);
}

/* Both streams are read as they come: a child filling stderr far past a
 * pipe's capacity before it writes stdout does not block. */
static void test_large_output_on_both_streams(void **state)
{
    (void)state;
    struct ost_run job = {.path = "/bin/sh",
                          .argv = sh_argv("head -c 300000 /dev/zero >&2; head -c 200000 /dev/zero | tr '\\000' x")};
    struct ost_run_result r;
    struct ost_error err;
    assert_ost_ok(ost_run_program(&job, "test", &r, &err), &err);
    assert_int_equal(r.exit_status, 0);
    assert_int_equal(strlen(r.out), 200000);
    assert_int_equal(strspn(r.out, "x"), 200000);
    ost_run_result_free(&r);
}

static void test_stdout_into_a_file(void **state)
{
    (void)state;
    char *dir = t_mkdtemp();
    char *out = ost_path_join(dir, "out");
    struct ost_run job = {.path = "/bin/sh", .argv = sh_argv("echo into-the-file; echo said >&2"), .stdout_path = out};
    struct ost_run_result r;
    struct ost_error err;
    assert_ost_ok(ost_run_program(&job, "test", &r, &err), &err);
    assert_int_equal(r.exit_status, 0);
    assert_string_equal(r.out, "");
    assert_string_equal(r.errout, "said\n");
    uint8_t *data;
    size_t n;
    assert_ost_ok(ost_read_file(out, 1024, &data, &n, &err), &err);
    assert_int_equal(n, strlen("into-the-file\n"));
    assert_memory_equal(data, "into-the-file\n", n);
    free(data);
    ost_run_result_free(&r);

    /* a file that cannot be made: an error naming it, nothing run */
    char *bad = ost_path_join(dir, "no-such-folder/out");
    job.stdout_path = bad;
    assert_int_equal(ost_run_program(&job, "test", &r, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, bad));
    t_rm_rf(dir);
    free(dir), free(out), free(bad);
}

static void test_a_program_that_cannot_run(void **state)
{
    (void)state;
    char *argv[] = {(char *)"missing", NULL};
    struct ost_run job = {.path = "/nonexistent/missing", .argv = argv};
    struct ost_run_result r;
    struct ost_error err;
    assert_int_equal(ost_run_program(&job, "the job", &r, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, "the job: cannot run /nonexistent/missing"));
    assert_null(r.out);
    assert_null(r.errout);
}

/* own_group: a process group of its own (a Ctrl-C reaches the command
 * alone); without it, ours. Field 5 of /proc/PID/stat is the group. */
static void test_own_process_group(void **state)
{
    (void)state;
    const char *script = "cut -d' ' -f5 /proc/$$/stat";
    struct ost_run job = {.path = "/bin/sh", .argv = sh_argv(script), .own_group = true};
    struct ost_run_result r;
    struct ost_error err;
    assert_ost_ok(ost_run_program(&job, "test", &r, &err), &err);
    long own = atol(r.out);
    ost_run_result_free(&r);
    job.own_group = false;
    assert_ost_ok(ost_run_program(&job, "test", &r, &err), &err);
    long shared = atol(r.out);
    ost_run_result_free(&r);
    assert_int_equal(shared, (long)getpgrp());
    assert_true(own > 0 && own != (long)getpgrp());
}

static void test_environment(void **state)
{
    (void)state;
    setenv("OST_RUN_DROP_ME", "1", 1);
    setenv("OST_RUN_REPLACED", "old", 1);
    setenv("OST_RUN_KEPT", "kept", 1);
    static const char *const drop[] = {"OST_RUN_DROP", NULL};
    static const char *const add[] = {"OST_RUN_REPLACED=new", "OST_RUN_ADDED=yes", NULL};
    char **env = ost_run_environment(drop, add, 2);
    size_t n = 0;
    while (env[n])
        n++;
    assert_null(env[n + 1]);
    assert_null(env[n + 2]); /* the free slots asked for */
    struct ost_run job = {.path = "/bin/sh", .argv = sh_argv("env | grep ^OST_RUN_ | sort"), .env = env};
    struct ost_run_result r;
    struct ost_error err;
    assert_ost_ok(ost_run_program(&job, "test", &r, &err), &err);
    assert_string_equal(r.out, "OST_RUN_ADDED=yes\nOST_RUN_KEPT=kept\nOST_RUN_REPLACED=new\n");
    ost_run_result_free(&r);
    free(env);
    unsetenv("OST_RUN_DROP_ME"), unsetenv("OST_RUN_REPLACED"), unsetenv("OST_RUN_KEPT");
}

static void test_find_program(void **state)
{
    (void)state;
    char *dir = t_mkdtemp();
    char *tool = ost_path_join(dir, "ost-run-tool");
    t_write_str(tool, "#!/bin/sh\n");
    const char *saved = getenv("PATH");
    char *old = ost_xstrdup(saved ? saved : "");
    setenv("PATH", "/nonexistent", 1);
    assert_null(ost_find_program("ost-run-tool", NULL));
    assert_null(ost_find_program("ost-run-tool", dir)); /* not executable */
    assert_int_equal(chmod(tool, 0755), 0);
    char *found = ost_find_program("ost-run-tool", dir);
    assert_non_null(found);
    assert_string_equal(found, tool);
    free(found);
    /* a folder of PATH comes before the `also` ones */
    char *path = ost_xasprintf("%s:/nonexistent", dir);
    setenv("PATH", path, 1);
    found = ost_find_program("ost-run-tool", "/nonexistent");
    assert_non_null(found);
    assert_string_equal(found, tool);
    free(found), free(path);
    setenv("PATH", old, 1);
    t_rm_rf(dir);
    free(old), free(tool), free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stdin_stdout_stderr_and_status),
        cmocka_unit_test(test_large_output_on_both_streams),
        cmocka_unit_test(test_stdout_into_a_file),
        cmocka_unit_test(test_a_program_that_cannot_run),
        cmocka_unit_test(test_own_process_group),
        cmocka_unit_test(test_environment),
        cmocka_unit_test(test_find_program),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
