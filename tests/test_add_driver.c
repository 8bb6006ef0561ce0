/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The add-driver job as a library operation (add_driver.h) on test images:
 * a dry run writes nothing anywhere and signs nothing, apply stages and
 * test-signs, a re-run changes nothing, a failure half-way leaves the
 * image as it was, and verdicts come from the staged copy read back. */
#include "testutil.h"

#include <dirent.h>

#include "add_driver.h"

struct fixture {
    char *base;   /* everything the test makes */
    char *tmpdir; /* $TMPDIR while the job runs: must stay empty */
    char *image, *cert, *pkg;
};

static void run_offstage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run_offstage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *args = ost_xvasprintf(fmt, ap);
    va_end(ap);
    char *cmd = ost_xasprintf("%s/offstage %s >/dev/null", t_build_dir(), args);
    if (system(cmd) != 0)
        fail_msg("failed: %s", cmd);
    free(cmd), free(args);
}

/* An amd64 test image, make-test-cert's folder, and a package folder with
 * the example's INFs and .sys files (unsigned). */
static void setup(struct fixture *f)
{
    f->base = t_mkdtemp();
    f->tmpdir = ost_path_join(f->base, "tmp");
    f->image = ost_path_join(f->base, "img");
    f->cert = ost_path_join(f->base, "cert");
    f->pkg = ost_path_join(f->base, "pkg");
    assert_int_equal(mkdir(f->tmpdir, 0700), 0);
    assert_int_equal(mkdir(f->pkg, 0700), 0);
    run_offstage("make-test-image '%s' --arch amd64", f->image);
    run_offstage("make-test-cert --out '%s'", f->cert);
    const char *files[] = {"aero_virtio_snd.inf", "aero_virtio_snd.sys", "aero-virtio-snd-legacy.inf",
                           "virtiosnd_legacy.sys"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *rel = ost_xasprintf("examples/virtio-snd/amd64/%s", files[i]);
        char *from = t_build_path(rel), *to = ost_path_join(f->pkg, files[i]);
        t_copy(from, to);
        free(rel), free(from), free(to);
    }
    setenv("TMPDIR", f->tmpdir, 1);
}

static void teardown(struct fixture *f)
{
    unsetenv("TMPDIR");
    t_rm_rf(f->base);
    free(f->base), free(f->tmpdir), free(f->image), free(f->cert), free(f->pkg);
}

/* Every file's SHA-256 and every folder below dir, as one text. */
static char *snapshot(const char *dir)
{
    char *out = ost_xasprintf("%s.snapshot", dir);
    char *cmd = ost_xasprintf("cd '%s' && { find . -type f -exec sha256sum {} + | sort; find . -type d | sort; } > '%s'",
                              dir, out);
    assert_int_equal(system(cmd), 0);
    uint8_t *data;
    size_t n;
    struct ost_error err;
    assert_ost_ok(ost_read_file(out, 1u << 24, &data, &n, &err), &err);
    char *text = ost_xmalloc(n + 1);
    memcpy(text, data, n);
    text[n] = '\0';
    unlink(out);
    free(data), free(out), free(cmd);
    return text;
}

/* Entries of dir (none: nothing was left in $TMPDIR). */
static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* Files below dir, at any depth (none: nothing was made there). */
static size_t count_files(const char *dir)
{
    char *cmd = ost_xasprintf("test $(find '%s' -type f | wc -l) -eq 0", dir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : 1;
}

static void options(const struct fixture *f, const char *inf, bool test_sign, bool dry_run,
                    struct ost_add_driver_options *o)
{
    *o = (struct ost_add_driver_options){.image = f->image, .test_sign = test_sign, .dry_run = dry_run,
                                         .force_unsigned = !test_sign};
    if (test_sign)
        o->sign_dir = f->cert;
    if (inf) {
        char *path = ost_path_join(f->pkg, inf);
        ost_strlist_add(&o->drivers, path);
        free(path);
    } else {
        ost_strlist_add(&o->drivers, f->pkg);
    }
}

/* plan, apply, verdicts: what the CLI runs */
static struct ost_add_driver_job *run_job(const struct ost_add_driver_options *o)
{
    struct ost_add_driver_job *j = NULL;
    struct ost_error err;
    assert_ost_ok(ost_add_driver_plan(o, &j, &err), &err);
    assert_ost_ok(ost_add_driver_apply(j, &err), &err);
    ost_add_driver_verdicts(j);
    return j;
}

static const struct ost_add_driver_verdict *only_verdict(const struct ost_add_driver_job *j)
{
    assert_int_equal(j->nimages, 1);
    assert_int_equal(j->images[0].nverdicts, 1);
    return &j->images[0].verdicts[0];
}

static void test_dry_run_writes_and_signs_nothing(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f);
    char *image_before = snapshot(f.image), *pkg_before = snapshot(f.pkg);
    struct ost_add_driver_options o;
    options(&f, "aero_virtio_snd.inf", true, true, &o);
    struct ost_add_driver_job *j = NULL;
    struct ost_error err;
    assert_ost_ok(ost_add_driver_plan(&o, &j, &err), &err);
    /* planning made no scratch file: no catalog, no signed copy */
    assert_int_equal(count_files(f.tmpdir), 0);
    assert_ost_ok(ost_add_driver_apply(j, &err), &err);
    ost_add_driver_verdicts(j);
    assert_int_equal(count_files(f.tmpdir), 0);
    assert_int_equal(j->outcome, OST_OUTCOME_DRY_RUN);
    const struct ost_stage_package *p = &j->images[0].plan->packages[0];
    assert_int_equal(p->action, OST_STAGE_COPY);
    assert_true(p->test_sign);
    assert_false(p->test_signed);
    assert_null(p->test_catalog);
    /* the package's own catalog check stands: there is none */
    assert_int_equal(p->signature.signature, OST_SIG_NONE);
    const struct ost_add_driver_verdict *v = only_verdict(j);
    assert_true(v->judged);
    assert_true(v->predicted);
    assert_int_equal(v->verdict.kind, OST_VERDICT_LOADS);
    assert_non_null(strstr(v->verdict.summary, "predicted: it would be test-signed by"));
    assert_int_equal(v->signature, OST_SIG_NONE);
    ost_add_driver_free(j);
    assert_int_equal(count_entries(f.tmpdir), 0);
    char *image_after = snapshot(f.image), *pkg_after = snapshot(f.pkg);
    assert_string_equal(image_after, image_before);
    assert_string_equal(pkg_after, pkg_before);
    free(image_before), free(image_after), free(pkg_before), free(pkg_after);
    ost_strlist_free(&o.drivers);
    teardown(&f);
}

static void test_test_sign_apply_and_rerun(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f);
    char *pkg_before = snapshot(f.pkg);
    struct ost_add_driver_options o;
    options(&f, "aero_virtio_snd.inf", true, false, &o);
    struct ost_add_driver_job *j = run_job(&o);
    assert_int_equal(j->outcome, OST_OUTCOME_STAGED);
    const struct ost_stage_package *p = &j->images[0].plan->packages[0];
    /* the catalog made was checked as every catalog is, and chains to the signer */
    assert_true(p->test_signed);
    assert_int_equal(p->signature.signature, OST_SIG_TRUSTED);
    const struct ost_add_driver_verdict *v = only_verdict(j);
    assert_true(v->judged);
    assert_false(v->predicted);
    assert_null(v->problem);
    assert_int_equal(v->signature, OST_SIG_TRUSTED);
    assert_int_equal(v->testsigning, OST_YES);
    assert_int_equal(v->verdict.kind, OST_VERDICT_LOADS);
    char *cat = ost_xasprintf("%s/Windows/offstage/drivers/%s/aero_virtio_snd.cat", f.image, p->folder);
    assert_int_equal(access(cat, R_OK), 0);
    ost_add_driver_free(j);
    assert_int_equal(count_entries(f.tmpdir), 0);
    char *pkg_after = snapshot(f.pkg);
    assert_string_equal(pkg_after, pkg_before);

    /* again: nothing to do, the image byte-identical, the verdict read back */
    char *staged = snapshot(f.image);
    j = run_job(&o);
    assert_int_equal(j->outcome, OST_OUTCOME_UNCHANGED);
    assert_int_equal(j->images[0].plan->packages[0].action, OST_STAGE_PRESENT);
    v = only_verdict(j);
    assert_false(v->predicted);
    assert_int_equal(v->verdict.kind, OST_VERDICT_LOADS);
    ost_add_driver_free(j);
    char *again = snapshot(f.image);
    assert_string_equal(again, staged);
    assert_int_equal(count_entries(f.tmpdir), 0);

    /* the verdict is the staged copy's: a .sys changed since no longer loads */
    char *folder = ost_path_dirname(cat);
    char *sys = ost_path_join(folder, "aero_virtio_snd.sys");
    FILE *fp = fopen(sys, "ab");
    assert_non_null(fp);
    fputc(0, fp);
    assert_int_equal(fclose(fp), 0);
    j = run_job(&o);
    v = only_verdict(j);
    assert_int_equal(j->images[0].plan->packages[0].action, OST_STAGE_PRESENT);
    assert_true(v->judged);
    assert_int_equal(v->signature, OST_SIG_BROKEN);
    assert_int_equal(v->verdict.kind, OST_VERDICT_NO_LOAD);
    ost_add_driver_free(j);
    free(sys), free(folder), free(cat), free(staged), free(again), free(pkg_before), free(pkg_after);
    ost_strlist_free(&o.drivers);
    teardown(&f);
}

/* The second package's .sys is gone between planning and applying: the
 * first package was already staged into the transaction, and none of it
 * reaches the image. */
static void test_failure_half_way_writes_nothing(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f);
    char *before = snapshot(f.image);
    struct ost_add_driver_options o;
    options(&f, NULL, false, false, &o);
    struct ost_add_driver_job *j = NULL;
    struct ost_error err;
    assert_ost_ok(ost_add_driver_plan(&o, &j, &err), &err);
    assert_int_equal(j->images[0].plan->npackages, 2);
    assert_int_equal(j->images[0].plan->packages[1].action, OST_STAGE_COPY);
    const struct ost_stage_package *second = &j->images[0].plan->packages[1];
    const char *gone = second->copies[second->ncopies - 1].source;
    assert_int_equal(unlink(gone), 0);
    assert_int_not_equal(ost_add_driver_apply(j, &err), OST_OK);
    assert_non_null(strstr(err.message, ost_path_basename(gone)));
    assert_false(j->applied);
    ost_add_driver_free(j);
    char *after = snapshot(f.image);
    assert_string_equal(after, before);
    free(before), free(after);
    ost_strlist_free(&o.drivers);
    teardown(&f);
}

/* Without --test-sign: staged unsigned (--force-unsigned), judged from the
 * staged copy: x64 will not load it. */
static void test_unsigned_staged_verdict(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f);
    struct ost_add_driver_options o;
    options(&f, "aero_virtio_snd.inf", false, false, &o);
    struct ost_add_driver_job *j = run_job(&o);
    assert_int_equal(j->outcome, OST_OUTCOME_STAGED);
    const struct ost_add_driver_verdict *v = only_verdict(j);
    assert_false(v->predicted);
    assert_int_equal(v->signature, OST_SIG_NONE);
    assert_int_equal(v->verdict.kind, OST_VERDICT_NO_LOAD);
    ost_add_driver_free(j);
    ost_strlist_free(&o.drivers);
    teardown(&f);
}

/* The image set and the boot policy the job is built on. */
static void test_image_set_and_boot_policy(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f);
    struct ost_image_set set;
    struct ost_error err;
    struct ost_image_options io = {.writable = false};
    assert_int_equal(ost_image_set_open(f.image, "1", &io, &set, &err), OST_ERR_USAGE);
    assert_non_null(strstr(err.message, "--index is for WIM files"));
    ost_image_set_close(&set);
    char *missing = ost_path_join(f.base, "nothing-here");
    assert_int_not_equal(ost_image_set_open(missing, NULL, &io, &set, &err), OST_OK);
    assert_non_null(strstr(err.message, "nothing-here"));
    ost_image_set_close(&set);
    assert_ost_ok(ost_image_set_open(f.image, NULL, &io, &set, &err), &err);
    assert_int_equal(set.n, 1);
    assert_null(set.wim);
    struct ost_boot_policy pol = {.img = set.v[0]};
    assert_ost_ok(ost_boot_policy_read(&pol, NULL, set.v[0], &err), &err);
    assert_int_equal(pol.testsigning, OST_NO);
    assert_string_equal(pol.testsigning_source, "the image's BCD-Template");
    assert_ost_ok(ost_image_set_commit(&set, NULL, NULL, &err), &err);
    ost_image_set_close(&set);
    free(missing);
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dry_run_writes_and_signs_nothing),
        cmocka_unit_test(test_test_sign_apply_and_rerun),
        cmocka_unit_test(test_failure_half_way_writes_nothing),
        cmocka_unit_test(test_unsigned_staged_verdict),
        cmocka_unit_test(test_image_set_and_boot_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
