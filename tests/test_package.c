/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Package checks (package.c) on packages built from the example and the
 * mingw-compiled drivers. */
#include "testutil.h"

#include "package.h"

static const struct ost_diag *find_diag(const struct ost_diags *d, const char *code, ost_arch arch)
{
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->v[i].code, code) && (arch == OST_ARCH_UNKNOWN || d->v[i].arch == arch))
            return &d->v[i];
    return NULL;
}

static struct ost_package_report *check(const char *inf, ost_arch arch)
{
    struct ost_package_options o = {0};
    if (arch != OST_ARCH_UNKNOWN)
        o.model.arches[o.model.narches++] = arch;
    struct ost_package_report *r;
    struct ost_error err;
    if (ost_package_check(inf, &o, &r, &err) != OST_OK)
        fail_msg("%s", err.message);
    return r;
}

/* A package folder with the example contract-v1 INF and the .sys of `sys_arch`. */
static char *make_package(const char *sys_arch)
{
    char *dir = t_mkdtemp();
    char *inf = ost_path_join(dir, "aero_virtio_snd.inf");
    t_copy("examples/virtio-snd/aero_virtio_snd.inf", inf);
    char *rel = ost_xasprintf("examples/virtio-snd/%s/aero_virtio_snd.sys", sys_arch);
    char *src = t_build_path(rel);
    char *dst = ost_path_join(dir, "aero_virtio_snd.sys");
    t_copy(src, dst);
    free(inf), free(rel), free(src), free(dst);
    return dir;
}

static void test_example_packages_stageable(void **state)
{
    (void)state;
    const char *arches[] = {"x86", "amd64"};
    for (int i = 0; i < 2; i++) {
        char *rel = ost_xasprintf("examples/virtio-snd/%s/aero_virtio_snd.inf", arches[i]);
        char *inf = t_build_path(rel);
        ost_arch a = ost_arch_parse(arches[i]);
        struct ost_package_report *r = check(inf, a);
        assert_int_equal(r->narches, 1);
        const struct ost_package_arch *pa = &r->arches[0];
        assert_true(pa->stageable);
        assert_false(pa->boot_critical);
        assert_int_equal(pa->nfiles, 1);
        assert_non_null(pa->files[0].host_path);
        assert_true(pa->files[0].is_pe);
        assert_int_equal(pa->files[0].pe_arch, a);
        assert_false(pa->files[0].embedded_signature);
        /* no catalog in the example yet: warning on x86, severe on x64 */
        const struct ost_diag *c = find_diag(&r->model->diags, "missing-catalog", a);
        assert_non_null(c);
        assert_int_equal(c->severity, a == OST_ARCH_X86 ? OST_SEV_WARNING : OST_SEV_SEVERE);
        assert_non_null(strstr(c->message, a == OST_ARCH_X86 ? "ask the user" : "Code 52"));
        assert_non_null(find_diag(&r->model->diags, "not-boot-critical", a));
        assert_non_null(find_diag(&r->model->diags, "includes-inbox-infs", a));
        assert_true(ost_package_stageable(r));
        ost_package_report_free(r);
        free(rel), free(inf);
    }
}

static void test_wrong_architecture_sys(void **state)
{
    (void)state;
    char *dir = make_package("x86");
    char *inf = ost_path_join(dir, "aero_virtio_snd.inf");
    struct ost_package_report *r = check(inf, OST_ARCH_UNKNOWN); /* x86 and amd64 declared */
    assert_int_equal(r->narches, 2);
    const struct ost_package_arch *x86 = &r->arches[0], *x64 = &r->arches[1];
    assert_int_equal(x86->arch, OST_ARCH_X86);
    assert_true(x86->stageable);
    assert_false(x64->stageable);
    const struct ost_diag *d = find_diag(&r->model->diags, "wrong-machine", OST_ARCH_AMD64);
    assert_non_null(d);
    assert_int_equal(d->severity, OST_SEV_ERROR);
    assert_true(d->line > 0);
    assert_null(find_diag(&r->model->diags, "wrong-machine", OST_ARCH_X86));
    assert_false(ost_package_stageable(r));
    ost_package_report_free(r);
    t_rm_rf(dir);
    free(inf), free(dir);
}

static void test_missing_file_and_case_insensitive_lookup(void **state)
{
    (void)state;
    char *dir = make_package("amd64");
    char *inf = ost_path_join(dir, "aero_virtio_snd.inf");
    char *sys = ost_path_join(dir, "aero_virtio_snd.sys");
    char *upper = ost_path_join(dir, "AERO_VIRTIO_SND.SYS");
    assert_int_equal(rename(sys, upper), 0);
    struct ost_package_report *r = check(inf, OST_ARCH_AMD64);
    assert_true(r->arches[0].stageable); /* found despite the case */
    ost_package_report_free(r);

    assert_int_equal(unlink(upper), 0);
    r = check(inf, OST_ARCH_AMD64);
    assert_false(r->arches[0].stageable);
    const struct ost_diag *d = find_diag(&r->model->diags, "missing-file", OST_ARCH_AMD64);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "aero_virtio_snd.sys"));
    ost_package_report_free(r);
    t_rm_rf(dir);
    free(inf), free(sys), free(upper), free(dir);
}

static void test_symlink_not_followed(void **state)
{
    (void)state;
    char *dir = make_package("amd64");
    char *inf = ost_path_join(dir, "aero_virtio_snd.inf");
    char *sys = ost_path_join(dir, "aero_virtio_snd.sys");
    assert_int_equal(unlink(sys), 0);
    assert_int_equal(symlink("/etc/passwd", sys), 0);
    struct ost_package_report *r = check(inf, OST_ARCH_AMD64);
    assert_false(r->arches[0].stageable);
    assert_non_null(find_diag(&r->model->diags, "symlink", OST_ARCH_AMD64));
    assert_null(r->arches[0].files[0].host_path);
    ost_package_report_free(r);
    t_rm_rf(dir);
    free(inf), free(sys), free(dir);
}

static void test_catalog_present(void **state)
{
    (void)state;
    char *dir = make_package("amd64");
    char *inf = ost_path_join(dir, "aero_virtio_snd.inf");
    char *cat = ost_path_join(dir, "Aero_Virtio_Snd.CAT");
    t_write_str(cat, "not checked yet");
    struct ost_package_report *r = check(inf, OST_ARCH_AMD64);
    assert_non_null(r->arches[0].catalog_path);
    assert_null(find_diag(&r->model->diags, "missing-catalog", OST_ARCH_UNKNOWN));
    ost_package_report_free(r);
    t_rm_rf(dir);
    free(inf), free(cat), free(dir);
}

static void test_corrupt_pe(void **state)
{
    (void)state;
    char *dir = make_package("amd64");
    char *inf = ost_path_join(dir, "aero_virtio_snd.inf");
    char *sys = ost_path_join(dir, "aero_virtio_snd.sys");
    t_write_str(sys, "MZ but nothing else");
    struct ost_package_report *r = check(inf, OST_ARCH_AMD64);
    assert_false(r->arches[0].stageable);
    const struct ost_diag *d = find_diag(&r->model->diags, "bad-pe", OST_ARCH_AMD64);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "offset"));
    ost_package_report_free(r);
    t_rm_rf(dir);
    free(inf), free(sys), free(dir);
}

static void test_boot_critical_package(void **state)
{
    (void)state;
    char *dir = t_mkdtemp();
    char *inf = ost_path_join(dir, "storage.inf");
    t_write_str(inf, "[Version]\nSignature=\"$Windows NT$\"\nClass=SCSIAdapter\n"
                     "ClassGuid={4D36E97B-E325-11CE-BFC1-08002BE10318}\nProvider=Test\n"
                     "DriverVer=01/01/2026,1.0.0.0\nCatalogFile=storage.cat\n"
                     "[Manufacturer]\nTest=M,NTx86,NTamd64\n[M.NTx86]\nDisk=Inst,PCI\\VEN_1AF4&DEV_1042&REV_01\n"
                     "[M.NTamd64]\nDisk=Inst,PCI\\VEN_1AF4&DEV_1042&REV_01\n"
                     "[Inst]\nCopyFiles=F\n[F]\ntestdrv.sys\n[DestinationDirs]\nDefaultDestDir=12\n"
                     "[SourceDisksNames]\n1=disk\n[SourceDisksFiles.x86]\ntestdrv.sys=1,x86\n"
                     "[SourceDisksFiles.amd64]\ntestdrv.sys=1,amd64\n"
                     "[Inst.Services]\nAddService=teststor,2,Svc\n"
                     "[Svc]\nServiceType=1\nStartType=0\nErrorControl=1\nServiceBinary=%12%\\testdrv.sys\n"
                     "LoadOrderGroup=SCSI Miniport\n");
    const char *arches[] = {"x86", "amd64"};
    for (int i = 0; i < 2; i++) {
        char *sub = ost_path_join(dir, arches[i]);
        char *dst = t_in(sub, "testdrv.sys");
        char *rel = ost_xasprintf("testdrivers/%s/testdrv.sys", arches[i]);
        char *src = t_build_path(rel);
        t_copy(src, dst);
        free(sub), free(dst), free(rel), free(src);
    }
    char *cat = ost_path_join(dir, "storage.cat");
    t_write_str(cat, "x");
    struct ost_package_report *r = check(inf, OST_ARCH_UNKNOWN);
    assert_int_equal(r->narches, 2);
    for (int i = 0; i < 2; i++) {
        assert_true(r->arches[i].stageable);
        assert_true(r->arches[i].boot_critical);
        assert_string_equal(r->arches[i].files[0].copy->source_path, i == 0 ? "x86/testdrv.sys" : "amd64/testdrv.sys");
        assert_int_equal(r->arches[i].files[0].pe_arch, i == 0 ? OST_ARCH_X86 : OST_ARCH_AMD64);
    }
    assert_non_null(find_diag(&r->model->diags, "boot-critical", OST_ARCH_X86));
    /* x64 boot-start drivers need an embedded signature */
    assert_non_null(find_diag(&r->model->diags, "boot-driver-unsigned", OST_ARCH_AMD64));
    assert_null(find_diag(&r->model->diags, "boot-driver-unsigned", OST_ARCH_X86));
    ost_package_report_free(r);
    t_rm_rf(dir);
    free(inf), free(cat), free(dir);
}

static void test_find_infs(void **state)
{
    (void)state;
    struct ost_strlist l = {0};
    struct ost_error err;
    char *x86 = t_build_path("examples/virtio-snd/x86");
    assert_ost_ok(ost_package_find_infs(x86, false, &l, &err), &err);
    assert_int_equal(l.n, 2);
    assert_non_null(strstr(l.v[0], "aero-virtio-snd-legacy.inf"));
    assert_non_null(strstr(l.v[1], "aero_virtio_snd.inf"));
    ost_strlist_free(&l);
    char *root = t_build_path("examples/virtio-snd");
    assert_int_equal(ost_package_find_infs(root, false, &l, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, "--recurse"));
    assert_ost_ok(ost_package_find_infs(root, true, &l, &err), &err);
    assert_int_equal(l.n, 4);
    ost_strlist_free(&l);
    assert_int_equal(ost_package_find_infs("/nonexistent/x", false, &l, &err), OST_ERR_IO);
    free(x86), free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_packages_stageable),
        cmocka_unit_test(test_wrong_architecture_sys),
        cmocka_unit_test(test_missing_file_and_case_insensitive_lookup),
        cmocka_unit_test(test_symlink_not_followed),
        cmocka_unit_test(test_catalog_present),
        cmocka_unit_test(test_corrupt_pe),
        cmocka_unit_test(test_boot_critical_package),
        cmocka_unit_test(test_find_infs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
