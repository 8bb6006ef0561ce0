/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The boot stores a target knows (target.h: boot_stores, as a disk's
 * system partition gives them), on an installed test image whose
 * Boot\BCD is set as the target's own store by hand: the boot policy
 * reads it for the verdicts and names it, add-driver --test-sign turns
 * testsigning on there in the image's transaction and leaves the
 * BCD-Template alone, a second run has nothing to do, remove-driver
 * --with-trust sets it back, bcd --image's library call edits it, and a
 * store that cannot be written stops the whole job with nothing changed.
 * Independent reader: hivexget. */
#include "testutil.h"

#include "add_driver.h"
#include "bcd.h"
#include "doctor.h"
#include "imageset.h"
#include "manifest.h"
#include "staged_verdict.h"
#include "testimage.h"

#define LOADER "{3c2b1a0f-5e4d-4c3b-8a29-1f0e0d0c0b0a}"
#define STORE_NAME "test Boot\\BCD"

struct fixture {
    char *base, *image, *cert, *pkg;
    char *store, *template; /* host paths of Boot\BCD and the BCD-Template */
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

static void set_element(struct ost_hive *h, const char *guid, const char *element, uint32_t type, const void *data,
                        size_t n)
{
    struct ost_error err;
    ost_hkey k;
    char *p = ost_xasprintf("Objects\\%s\\Elements\\%s", guid, element);
    assert_ost_ok(ost_hive_create_key(h, 0, p, &k, &err), &err);
    assert_ost_ok(ost_hive_set_raw(h, k, "Element", type, data, n, &err), &err);
    free(p);
}

static void set_element_string(struct ost_hive *h, const char *guid, const char *element, const char *v)
{
    struct ost_error err;
    ost_hkey k;
    char *p = ost_xasprintf("Objects\\%s\\Elements\\%s", guid, element);
    assert_ost_ok(ost_hive_create_key(h, 0, p, &k, &err), &err);
    assert_ost_ok(ost_hive_set_string(h, k, "Element", OST_REG_SZ, v, &err), &err);
    free(p);
}

static void set_element_list(struct ost_hive *h, const char *guid, const char *element, const char *v)
{
    struct ost_error err;
    ost_hkey k;
    struct ost_strlist l = {0};
    ost_strlist_add(&l, v);
    char *p = ost_xasprintf("Objects\\%s\\Elements\\%s", guid, element);
    assert_ost_ok(ost_hive_create_key(h, 0, p, &k, &err), &err);
    assert_ost_ok(ost_hive_set_multi_string(h, k, "Element", &l, &err), &err);
    ost_strlist_free(&l);
    free(p);
}

/* An installed system's store as bcdboot leaves it: the template's
 * objects, and a Windows Boot Loader that {bootmgr} boots by default,
 * inheriting {bootloadersettings}; testsigning absent everywhere. */
static void write_installed_store(const char *template, const char *dest)
{
    struct ost_error err;
    struct ost_hive *h;
    struct ost_hive_open_options o = {.writable = true};
    assert_ost_ok(ost_hive_open(template, &o, &h, &err), &err);
    ost_hkey k;
    assert_ost_ok(ost_hive_create_key(h, 0, "Objects\\" LOADER "\\Description", &k, &err), &err);
    assert_ost_ok(ost_hive_set_dword(h, k, "Type", OST_BCD_TYPE_LOADER, &err), &err);
    set_element_string(h, LOADER, "12000002", "\\Windows\\system32\\winload.exe");
    set_element_string(h, LOADER, "12000004", "Windows 7");
    set_element_string(h, LOADER, "22000002", "\\Windows");
    set_element_list(h, LOADER, "14000006", OST_BCD_BOOTLOADERSETTINGS_GUID);
    set_element_string(h, OST_BCD_BOOTMGR_GUID, "23000003", LOADER);
    set_element_list(h, OST_BCD_BOOTMGR_GUID, "24000001", LOADER);
    uint8_t no = 0;
    set_element(h, LOADER, "16000048", OST_REG_BINARY, &no, 1); /* nointegritychecks off: not what is edited */
    assert_ost_ok(ost_hive_save(h, dest, &err), &err);
    ost_hive_close(h);
}

static void setup(struct fixture *f)
{
    f->base = t_mkdtemp();
    f->image = ost_path_join(f->base, "img");
    f->cert = ost_path_join(f->base, "cert");
    f->pkg = ost_path_join(f->base, "pkg");
    struct ost_error err;
    struct ost_test_image_options io = {.arch = OST_ARCH_AMD64, .state = OST_TEST_STATE_INSTALLED};
    assert_ost_ok(ost_make_test_image(f->image, &io, &err), &err);
    run_offstage("make-test-cert --out '%s'", f->cert);
    assert_int_equal(mkdir(f->pkg, 0700), 0);
    const char *files[] = {"aero_virtio_snd.inf", "aero_virtio_snd.sys"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *rel = ost_xasprintf("examples/virtio-snd/amd64/%s", files[i]);
        char *from = t_build_path(rel), *to = ost_path_join(f->pkg, files[i]);
        t_copy(from, to);
        free(rel), free(from), free(to);
    }
    char *boot = ost_path_join(f->image, "Boot");
    assert_int_equal(mkdir(boot, 0755), 0);
    f->store = ost_path_join(boot, "BCD");
    f->template = ost_path_join(f->image, "Windows/System32/config/BCD-Template");
    write_installed_store(f->template, f->store);
    free(boot);
}

static void teardown(struct fixture *f)
{
    t_rm_rf(f->base);
    free(f->base), free(f->image), free(f->cert), free(f->pkg), free(f->store), free(f->template);
}

/* The image with Boot\BCD as its target's own boot store. */
static struct ost_image *open_image(const struct fixture *f, bool writable, bool with_store)
{
    struct ost_error err;
    struct ost_target *t;
    assert_ost_ok(ost_target_open_dir(f->image, writable, &t, &err), &err);
    if (with_store) {
        ost_strlist_add(&t->boot_stores, "Boot\\BCD");
        ost_strlist_add(&t->boot_store_names, STORE_NAME);
    }
    struct ost_image *img;
    struct ost_image_options io = {.writable = writable, .next_boot = true};
    assert_ost_ok(ost_image_open(t, &io, &img, &err), &err);
    return img;
}

static struct ost_image_set one_image(struct ost_image *img)
{
    struct ost_image_set s = {0};
    s.v = ost_xcalloc(1, sizeof *s.v);
    s.v[0] = img;
    s.n = 1;
    return s;
}

/* The testsigning element of the loader as hivexget reads it: "01", "00",
 * or "" when it is absent. */
static char *loader_testsigning(const char *store)
{
    char *cmd = ost_xasprintf("hivexget '%s' '\\Objects\\" LOADER "\\Elements\\16000049' Element 2>/dev/null | "
                              "od -An -tx1 | tr -d ' \\n'", store);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char buf[64] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    pclose(p);
    free(cmd);
    return ost_xstrdup(buf);
}

static char *file_text(const char *path)
{
    uint8_t *data;
    size_t n;
    struct ost_error err;
    assert_ost_ok(ost_read_file(path, 1u << 26, &data, &n, &err), &err);
    char *text = ost_xmalloc(n + 1);
    memcpy(text, data, n);
    text[n] = '\0';
    free(data);
    return text;
}

/* Every file's SHA-256 and every folder below dir, as one text; but for
 * the transaction folder of an open target when skip_txn. */
static char *snapshot_of(const char *dir, bool skip_txn)
{
    char *out = ost_xasprintf("%s.snapshot", dir);
    const char *prune = skip_txn ? "-path ./.offstage-txn -prune -o" : "";
    char *cmd = ost_xasprintf("cd '%s' && { find . %s -type f -exec sha256sum {} + | sort; find . %s -type d -print | "
                              "sort; } > '%s'", dir, prune, prune, out);
    assert_int_equal(system(cmd), 0);
    char *text = file_text(out);
    unlink(out);
    free(out), free(cmd);
    return text;
}

static char *snapshot(const char *dir)
{
    return snapshot_of(dir, false);
}

static bool have_hivexget(void)
{
    if (system("command -v hivexget >/dev/null 2>&1") == 0)
        return true;
    fprintf(stderr, "skip: hivexget not installed\n");
    return false;
}

static void job_options(const struct fixture *f, bool dry_run, struct ost_add_driver_options *o)
{
    *o = (struct ost_add_driver_options){.image = f->image, .test_sign = true, .sign_dir = f->cert,
                                         .dry_run = dry_run};
    char *inf = ost_path_join(f->pkg, "aero_virtio_snd.inf");
    ost_strlist_add(&o->drivers, inf);
    free(inf);
}

static struct ost_add_driver_job *plan_on(const struct fixture *f, const struct ost_add_driver_options *o)
{
    struct ost_image_set set = one_image(open_image(f, !o->dry_run, true));
    struct ost_add_driver_job *j = NULL;
    struct ost_error err;
    assert_ost_ok(ost_add_driver_plan_set(o, &set, &j, &err), &err);
    assert_int_equal(set.n, 0);
    return j;
}

static void test_policy_reads_the_target_store(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f);
    struct ost_image *img = open_image(&f, false, true);
    struct ost_boot_policy pol = {.img = img};
    struct ost_error err;
    assert_ost_ok(ost_boot_policy_read(&pol, NULL, img, &err), &err);
    assert_int_equal(pol.kind.kind, OST_IMAGE_KIND_INSTALLED);
    assert_int_equal(pol.testsigning, OST_NO);
    assert_string_equal(pol.testsigning_source, "BCD store " STORE_NAME);
    assert_string_equal(pol.testsigning_caveat, "");
    assert_false(pol.template_decides);
    assert_int_equal(pol.nstores, 1);
    assert_true(pol.stores[0].in_target);
    assert_false(pol.stores[0].is_template);
    assert_string_equal(pol.stores[0].path, STORE_NAME);
    assert_string_equal(pol.stores[0].target_path, "Boot\\BCD");
    assert_non_null(strstr(pol.stores[0].loaders, "{default}"));
    assert_non_null(strstr(pol.testsigning_fix, "offstage add-driver --test-sign"));
    char *bcd_image = ost_xasprintf("offstage bcd --image %s --set testsigning on", f.image);
    assert_non_null(strstr(pol.testsigning_fix, bcd_image));
    char text[1200];
    ost_boot_policy_stores_text(&pol, text, sizeof text);
    assert_string_equal(text, "BCD store " STORE_NAME);

    /* a --bcd store with testsigning on is read besides: off in the target's still decides */
    char *given = ost_path_join(f.base, "given.BCD");
    t_copy(f.store, given);
    struct ost_bcd *b;
    assert_ost_ok(ost_bcd_open(given, true, false, &b, &err), &err);
    struct ost_bcd_object *ldr = ost_bcd_find(b, LOADER);
    assert_non_null(ldr);
    bool changed;
    assert_ost_ok(ost_bcd_set_flag(b, (size_t)(ldr - b->v), OST_BCD_TESTSIGNING, true, &changed, &err), &err);
    assert_ost_ok(ost_bcd_save(b, &err), &err);
    ost_bcd_close(b);
    struct ost_strlist files = {0};
    ost_strlist_add(&files, given);
    assert_ost_ok(ost_boot_policy_read(&pol, &files, img, &err), &err);
    assert_int_equal(pol.testsigning, OST_NO);
    assert_int_equal(pol.nstores, 2);
    char *want = ost_xasprintf("BCD store " STORE_NAME " (on in %s; the system may boot from either)", given);
    assert_string_equal(pol.testsigning_source, want);
    assert_null(strstr(pol.testsigning_fix, "--store"));

    /* without the target's store an installed system's testsigning is unknown, as before */
    ost_image_close(img);
    img = open_image(&f, false, false);
    pol = (struct ost_boot_policy){.img = img};
    assert_ost_ok(ost_boot_policy_read(&pol, NULL, img, &err), &err);
    assert_int_equal(pol.testsigning, OST_UNKNOWN);
    assert_int_equal(pol.nstores, 0);
    ost_image_close(img);
    ost_strlist_free(&files);
    free(given), free(want), free(bcd_image);
    teardown(&f);
}

static void test_add_driver_test_sign_and_undo(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f);
    if (!have_hivexget()) {
        teardown(&f);
        return;
    }
    char *image_before = snapshot(f.image);
    uint8_t *tpl0;
    size_t ntpl0;
    struct ost_error err;
    assert_ost_ok(ost_read_file(f.template, 1u << 24, &tpl0, &ntpl0, &err), &err);
    char *ts = loader_testsigning(f.store);
    assert_string_equal(ts, "");
    free(ts);

    /* a dry run says it would turn testsigning on there, and writes nothing */
    struct ost_add_driver_options o;
    job_options(&f, true, &o);
    struct ost_add_driver_job *j = plan_on(&f, &o);
    assert_int_equal(j->images[0].test_sign.nboot_stores, 1);
    assert_true(j->images[0].test_sign.boot_store_needed[0]);
    assert_false(j->images[0].test_sign.has_template);
    assert_ost_ok(ost_add_driver_apply(j, &err), &err);
    ost_add_driver_verdicts(j);
    assert_int_equal(j->outcome, OST_OUTCOME_DRY_RUN);
    assert_int_equal(j->images[0].nverdicts, 1);
    const struct ost_add_driver_verdict *v = &j->images[0].verdicts[0];
    assert_true(v->predicted);
    assert_int_equal(v->testsigning, OST_YES);
    assert_non_null(strstr(v->verdict.summary, "testsigning would be on in BCD store " STORE_NAME));
    ost_add_driver_free(j);
    char *after_dry = snapshot(f.image);
    assert_string_equal(after_dry, image_before);
    ost_strlist_free(&o.drivers);

    /* applied: on in the target's store, in the same commit as the image */
    job_options(&f, false, &o);
    j = plan_on(&f, &o);
    assert_ost_ok(ost_add_driver_apply(j, &err), &err);
    ost_add_driver_verdicts(j);
    assert_int_equal(j->outcome, OST_OUTCOME_STAGED);
    v = &j->images[0].verdicts[0];
    assert_false(v->predicted);
    assert_int_equal(v->testsigning, OST_YES);
    assert_int_equal(v->verdict.kind, OST_VERDICT_LOADS);
    assert_non_null(strstr(v->verdict.summary, STORE_NAME));
    ost_add_driver_free(j);
    ts = loader_testsigning(f.store);
    assert_string_equal(ts, "01");
    free(ts);
    uint8_t *tpl1;
    size_t ntpl1;
    assert_ost_ok(ost_read_file(f.template, 1u << 24, &tpl1, &ntpl1, &err), &err);
    assert_int_equal(ntpl1, ntpl0);
    assert_memory_equal(tpl1, tpl0, ntpl0);
    free(tpl1);
    char *manifest_path = ost_path_join(f.image, "Windows/offstage/manifest.json");
    char *manifest = file_text(manifest_path);
    assert_non_null(strstr(manifest, "\"target:Boot\\\\BCD\""));
    assert_non_null(strstr(manifest, LOADER));
    assert_null(strstr(manifest, "\"BCD-Template\""));

    /* the manifest takes a target store only by a path that stays inside the image */
    struct ost_manifest m;
    assert_ost_ok(ost_manifest_parse((const uint8_t *)manifest, strlen(manifest), "manifest.json", &m, &err), &err);
    assert_int_equal(m.trust.ntestsigning, 1);
    assert_string_equal(m.trust.testsigning[0].store, "target:Boot\\BCD");
    assert_false(m.trust.testsigning[0].was_set);
    ost_manifest_free(&m);
    char *bad = ost_xstrdup(manifest), *at = strstr(bad, "target:Boot");
    memcpy(at, "target:..\\\\", 11);
    assert_int_equal(ost_manifest_parse((const uint8_t *)bad, strlen(bad), "manifest.json", &m, &err),
                     OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "testsigning_before[0].store"));
    free(bad);

    /* again: nothing to do */
    char *staged = snapshot(f.image);
    j = plan_on(&f, &o);
    assert_false(j->images[0].test_sign.boot_store_needed[0]);
    assert_false(j->images[0].test_sign.changes);
    assert_ost_ok(ost_add_driver_apply(j, &err), &err);
    assert_int_equal(j->outcome, OST_OUTCOME_UNCHANGED);
    ost_add_driver_free(j);
    char *again = snapshot(f.image);
    assert_string_equal(again, staged);

    /* get-drivers' and doctor's verdicts rest on the target's store, by its name */
    struct ost_image *ro = open_image(&f, false, true);
    struct ost_staged_verdicts sv;
    assert_ost_ok(ost_staged_verdicts_read(ro, NULL, NULL, &sv, &err), &err);
    assert_null(sv.policy_problem);
    assert_int_equal(sv.n, 1);
    assert_int_equal(sv.policy.testsigning, OST_YES);
    assert_non_null(strstr(sv.v[0].verdict.summary, "testsigning on in BCD store " STORE_NAME));
    ost_staged_verdicts_free(&sv);
    struct ost_doctor_options dopt = {0};
    struct ost_doctor_report *dr;
    assert_ost_ok(ost_doctor_run(ro, &dopt, &dr, &err), &err);
    assert_string_equal(dr->policy.testsigning_source, "BCD store " STORE_NAME);
    assert_int_equal(dr->policy.testsigning, OST_YES);
    ost_doctor_report_free(dr);
    ost_image_close(ro);

    /* the target no longer naming the store: remove-driver leaves it, and says so */
    struct ost_image *img = open_image(&f, true, false);
    struct ost_strlist removed = {0}, left_alone = {0};
    struct ost_untrust_options uo = {.with_trust = true};
    struct ost_untrust_result r = {0};
    assert_ost_ok(ost_stage_remove(img, "aero_virtio_snd.inf", &removed, &left_alone, &err), &err);
    assert_ost_ok(ost_testsign_undo(img, &uo, &r, &err), &err);
    bool said = false;
    for (size_t i = 0; i < r.left.n; i++)
        said = said || strstr(r.left.v[i], "does not name it among its boot stores");
    assert_true(said);
    ost_untrust_result_free(&r);
    ost_image_close(img); /* not committed: nothing changes */
    ost_strlist_free(&removed), ost_strlist_free(&left_alone);
    char *uncommitted = snapshot(f.image);
    assert_string_equal(uncommitted, staged);

    /* remove-driver --with-trust: testsigning back to absent, through the target, in one commit */
    img = open_image(&f, true, true);
    assert_ost_ok(ost_stage_remove(img, "aero_virtio_snd.inf", &removed, &left_alone, &err), &err);
    assert_int_equal(removed.n, 1);
    assert_ost_ok(ost_testsign_undo(img, &uo, &r, &err), &err);
    said = false;
    for (size_t i = 0; i < r.undone.n; i++)
        said = said || (strstr(r.undone.v[i], STORE_NAME ": testsigning on ") && strstr(r.undone.v[i], "unset"));
    assert_true(said);
    assert_ost_ok(ost_image_commit(img, &err), &err);
    ost_image_close(img);
    ost_untrust_result_free(&r);
    ts = loader_testsigning(f.store);
    assert_string_equal(ts, "");
    free(ts);
    assert_int_not_equal(access(manifest_path, F_OK), 0);
    assert_ost_ok(ost_read_file(f.template, 1u << 24, &tpl1, &ntpl1, &err), &err);
    assert_int_equal(ntpl1, ntpl0);
    assert_memory_equal(tpl1, tpl0, ntpl0);
    free(tpl1);

    ost_strlist_free(&removed), ost_strlist_free(&left_alone);
    ost_strlist_free(&o.drivers);
    free(tpl0), free(image_before), free(after_dry), free(manifest_path), free(manifest);
    free(staged), free(again), free(uncommitted);
    teardown(&f);
}

/* The store is a folder by the time the job writes: the job fails, naming
 * it, and no part of it reaches the image. Before planning, the plan
 * refuses it. */
static void test_unwritable_store_changes_nothing(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f);
    struct ost_add_driver_options o;
    job_options(&f, false, &o);
    struct ost_add_driver_job *j = plan_on(&f, &o);
    assert_true(j->images[0].test_sign.boot_store_needed[0]);
    assert_int_equal(unlink(f.store), 0);
    assert_int_equal(mkdir(f.store, 0755), 0);
    char *inside = ost_path_join(f.store, "keep");
    t_write_str(inside, "x");
    char *before = snapshot(f.image);
    struct ost_error err;
    assert_int_not_equal(ost_add_driver_apply(j, &err), OST_OK);
    assert_non_null(strstr(err.message, STORE_NAME));
    assert_false(j->applied);
    ost_add_driver_free(j);
    char *after = snapshot(f.image);
    assert_string_equal(after, before);

    struct ost_image_set set = one_image(open_image(&f, true, true));
    assert_int_not_equal(ost_add_driver_plan_set(&o, &set, &j, &err), OST_OK);
    assert_non_null(strstr(err.message, STORE_NAME ": a folder where the BCD store file should be"));
    ost_add_driver_free(j);
    char *after_plan = snapshot(f.image);
    assert_string_equal(after_plan, before);
    free(inside), free(before), free(after), free(after_plan);
    ost_strlist_free(&o.drivers);
    teardown(&f);
}

/* The store staged with the certificate stores, then unwritable at the
 * commit: the commit fails, and neither the store nor SOFTWARE (the
 * certificates) nor the manifest changed: one transaction. */
static void test_store_in_the_image_commit(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f);
    char *cer = ost_path_join(f.cert, "offstage-test.cer");
    struct ost_cert *certs;
    size_t ncerts;
    struct ost_error err;
    assert_ost_ok(ost_cert_load(cer, OST_CERT_LOAD_ONE, &certs, &ncerts, &err), &err);
    const struct ost_cert cert = certs[0];
    struct ost_image *img = open_image(&f, true, true);
    struct ost_testsign_plan plan;
    assert_ost_ok(ost_testsign_plan(img, &cert, &plan, &err), &err);
    assert_true(plan.boot_store_needed[0]);
    assert_int_equal(plan.root, OST_CERT_ADD);
    assert_ost_ok(ost_testsign_apply(img, &cert, &plan, NULL, &err), &err);
    assert_int_equal(unlink(f.store), 0);
    assert_int_equal(mkdir(f.store, 0755), 0);
    char *inside = ost_path_join(f.store, "keep");
    t_write_str(inside, "x");
    char *before = snapshot_of(f.image, true);
    assert_int_not_equal(ost_image_commit(img, &err), OST_OK);
    assert_non_null(strstr(err.message, "nothing was changed"));
    ost_image_close(img);
    char *after = snapshot(f.image);
    assert_string_equal(after, before);
    ost_certs_free(certs, ncerts);
    free(cer), free(inside), free(before), free(after);
    teardown(&f);
}

/* bcd --image's library calls: on such a target they edit its own store. */
static void test_bcd_image_edits_the_target_store(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f);
    if (!have_hivexget()) {
        teardown(&f);
        return;
    }
    uint8_t *tpl0, *tpl1;
    size_t ntpl0, ntpl1;
    struct ost_error err;
    assert_ost_ok(ost_read_file(f.template, 1u << 24, &tpl0, &ntpl0, &err), &err);
    struct ost_image *img = open_image(&f, true, true);
    assert_int_equal(ost_image_bcd_count(img), 1);
    struct ost_bcd *b;
    assert_ost_ok(ost_image_bcd_open(img, 0, true, &b, &err), &err);
    assert_string_equal(b->name, STORE_NAME);
    assert_false(b->is_template);
    size_t *idx = NULL, n = 0;
    ost_bcd_scope scope;
    assert_ost_ok(ost_bcd_targets(b, NULL, &idx, &n, &scope, &err), &err);
    assert_int_equal(scope, OST_BCD_SCOPE_LOADERS);
    assert_int_equal(n, 1);
    bool changed;
    assert_ost_ok(ost_bcd_set_flag(b, idx[0], OST_BCD_TESTSIGNING, true, &changed, &err), &err);
    assert_true(changed);
    free(idx);
    assert_ost_ok(ost_image_bcd_stage(img, 0, b, &err), &err);
    ost_bcd_close(b);
    char *ts = loader_testsigning(f.store); /* staged only */
    assert_string_equal(ts, "");
    free(ts);
    assert_ost_ok(ost_image_commit(img, &err), &err);
    ost_image_close(img);
    ts = loader_testsigning(f.store);
    assert_string_equal(ts, "01");
    free(ts);
    assert_ost_ok(ost_read_file(f.template, 1u << 24, &tpl1, &ntpl1, &err), &err);
    assert_int_equal(ntpl1, ntpl0);
    assert_memory_equal(tpl1, tpl0, ntpl0);

    /* without boot stores, the template, as before */
    img = open_image(&f, false, false);
    assert_int_equal(ost_image_bcd_count(img), 1);
    assert_ost_ok(ost_image_bcd_open(img, 0, false, &b, &err), &err);
    assert_true(b->is_template);
    ost_bcd_close(b);
    ost_image_close(img);
    free(tpl0), free(tpl1);
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_reads_the_target_store),
        cmocka_unit_test(test_add_driver_test_sign_and_undo),
        cmocka_unit_test(test_unwritable_store_changes_nothing),
        cmocka_unit_test(test_store_in_the_image_commit),
        cmocka_unit_test(test_bcd_image_edits_the_target_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
