/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Image identification refusals (image.c) and staging decisions (stage.c)
 * on test images altered through the hive API. */
#include "testutil.h"

#include "stage.h"
#include "testimage.h"

static char *make_image(ost_arch arch)
{
    char *parent = t_mkdtemp();
    char *dir = ost_path_join(parent, "img");
    struct ost_test_image_options o = {.arch = arch};
    struct ost_error err;
    if (ost_make_test_image(dir, &o, &err) != OST_OK)
        fail_msg("%s", err.message);
    free(parent);
    return dir;
}

/* Sets a string value in one of the image's hives, in place. */
static void set_value(const char *image, const char *hive, const char *key, const char *name, const char *value)
{
    char *path = ost_xasprintf("%s/Windows/System32/config/%s", image, hive);
    struct ost_hive *h;
    struct ost_error err;
    struct ost_hive_open_options o = {.writable = true};
    assert_ost_ok(ost_hive_open(path, &o, &h, &err), &err);
    ost_hkey k;
    assert_ost_ok(ost_hive_create_key(h, 0, key, &k, &err), &err);
    assert_ost_ok(ost_hive_set_string(h, k, name, OST_REG_SZ, value, &err), &err);
    char *tmp = ost_xasprintf("%s.new", path);
    assert_ost_ok(ost_hive_save(h, tmp, &err), &err);
    ost_hive_close(h);
    assert_int_equal(rename(tmp, path), 0);
    free(tmp), free(path);
}

static ost_status open_image(const char *dir, bool writable, struct ost_image **img, struct ost_error *err)
{
    struct ost_image_options o = {.writable = writable};
    return ost_image_open_dir(dir, &o, img, err);
}

static void cleanup(char *dir)
{
    char *parent = ost_path_dirname(dir);
    t_rm_rf(parent);
    free(parent);
    free(dir);
}

static void test_identifies_test_image(void **state)
{
    (void)state;
    char *dir = make_image(OST_ARCH_X86);
    struct ost_image *img;
    struct ost_error err;
    assert_ost_ok(open_image(dir, false, &img, &err), &err);
    assert_int_equal(img->info.arch, OST_ARCH_X86);
    assert_true(img->info.kernel_checked);
    assert_int_equal(img->info.major, 6);
    assert_int_equal(img->info.minor, 1);
    assert_int_equal(img->info.build, 7601);
    assert_string_equal(img->info.edition_id, "Ultimate");
    assert_string_equal(img->info.csd_version, "Service Pack 1");
    assert_string_equal(img->info.control_set_name, "ControlSet001");
    assert_false(img->info.windows8_or_later);
    char *d = ost_image_describe(img);
    assert_string_equal(d, "Windows 7 Ultimate, 6.1 build 7601 (Service Pack 1), x86");
    free(d);
    ost_image_close(img);
    cleanup(dir);
}

static void test_refuses_other_windows_and_inconsistent_images(void **state)
{
    (void)state;
    struct ost_image *img;
    struct ost_error err;
    char *dir = make_image(OST_ARCH_AMD64);
    set_value(dir, "SOFTWARE", "Microsoft\\Windows NT\\CurrentVersion", "CurrentVersion", "5.1");
    assert_int_equal(open_image(dir, false, &img, &err), OST_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "5.1"));
    cleanup(dir);

    dir = make_image(OST_ARCH_AMD64);
    set_value(dir, "SYSTEM", "ControlSet001\\Control\\Session Manager\\Environment", "PROCESSOR_ARCHITECTURE", "x86");
    assert_int_equal(open_image(dir, false, &img, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "ntoskrnl.exe"));
    cleanup(dir);

    dir = make_image(OST_ARCH_AMD64);
    set_value(dir, "SYSTEM", "ControlSet001\\Control\\Session Manager\\Environment", "PROCESSOR_ARCHITECTURE", "IA64");
    assert_int_equal(open_image(dir, false, &img, &err), OST_ERR_UNSUPPORTED);
    cleanup(dir);
}

static struct ost_stage_plan *plan_for(struct ost_image *img, const char *inf, bool force_unsigned)
{
    struct ost_strlist infs = {0};
    ost_strlist_add(&infs, inf);
    struct ost_stage_options o = {.force_unsigned = force_unsigned};
    struct ost_stage_plan *plan;
    struct ost_error err;
    assert_ost_ok(ost_stage_plan(img, &infs, &o, &plan, &err), &err);
    ost_strlist_free(&infs);
    return plan;
}

static char *storage_package(const char *arch)
{
    char *dir = t_mkdtemp();
    char *inf = ost_path_join(dir, "teststor.inf"), *cat = ost_path_join(dir, "teststor.cat");
    char *sys = ost_path_join(dir, "testdrv.sys");
    char *rel = ost_xasprintf("testdrivers/%s/testdrv.sys", arch);
    char *src = t_build_path(rel);
    t_copy("tests/data/teststor/teststor.inf", inf);
    t_copy(src, sys);
    t_write_str(cat, "placeholder");
    free(cat), free(sys), free(rel), free(src), free(dir);
    return inf;
}

static void test_windows8_boot_critical_refused(void **state)
{
    (void)state;
    char *dir = make_image(OST_ARCH_AMD64);
    set_value(dir, "SOFTWARE", "Microsoft\\Windows NT\\CurrentVersion", "CurrentVersion", "6.2");
    set_value(dir, "SOFTWARE", "Microsoft\\Windows NT\\CurrentVersion", "CurrentBuild", "9200");
    struct ost_image *img;
    struct ost_error err;
    assert_ost_ok(open_image(dir, false, &img, &err), &err);
    assert_true(img->info.windows8_or_later);
    char *inf = storage_package("amd64");
    struct ost_stage_plan *plan = plan_for(img, inf, false);
    assert_int_equal(plan->packages[0].action, OST_STAGE_REFUSED);
    assert_non_null(strstr(plan->packages[0].reason, "CriticalDeviceDatabase"));
    ost_stage_plan_free(plan);
    /* DevicePath staging still works there */
    plan = plan_for(img, "build/examples/virtio-snd/amd64/aero_virtio_snd.inf", true);
    assert_int_equal(plan->packages[0].action, OST_STAGE_COPY);
    assert_string_equal(plan->devicepath_after, "%SystemRoot%\\inf;%SystemRoot%\\offstage\\drivers");
    ost_stage_plan_free(plan);
    ost_image_close(img);
    char *pkg = ost_path_dirname(inf);
    t_rm_rf(pkg);
    free(pkg), free(inf);
    cleanup(dir);
}

static void test_existing_service_not_overwritten(void **state)
{
    (void)state;
    char *dir = make_image(OST_ARCH_X86);
    set_value(dir, "SYSTEM", "ControlSet001\\services\\teststor", "ImagePath", "somebody else's");
    struct ost_image *img;
    struct ost_error err;
    assert_ost_ok(open_image(dir, false, &img, &err), &err);
    char *inf = storage_package("x86");
    struct ost_stage_plan *plan = plan_for(img, inf, false);
    assert_int_equal(plan->packages[0].action, OST_STAGE_REFUSED);
    assert_non_null(strstr(plan->packages[0].reason, "already exists"));
    assert_true(ost_stage_plan_refused(plan));
    ost_stage_plan_free(plan);
    ost_image_close(img);
    char *pkg = ost_path_dirname(inf);
    t_rm_rf(pkg);
    free(pkg), free(inf);
    cleanup(dir);
}

static void test_devicepath_keeps_entries(void **state)
{
    (void)state;
    char *dir = make_image(OST_ARCH_AMD64);
    set_value(dir, "SOFTWARE", "Microsoft\\Windows\\CurrentVersion", "DevicePath", "C:\\Drivers;D:\\More");
    struct ost_image *img;
    struct ost_error err;
    assert_ost_ok(open_image(dir, false, &img, &err), &err);
    struct ost_stage_plan *plan = plan_for(img, "build/examples/virtio-snd/amd64/aero_virtio_snd.inf", true);
    /* %SystemRoot%\inf is put back; nothing is dropped */
    assert_string_equal(plan->devicepath_after, "%SystemRoot%\\inf;C:\\Drivers;D:\\More;%SystemRoot%\\offstage\\drivers");
    ost_stage_plan_free(plan);
    ost_image_close(img);
    cleanup(dir);
}

static void test_corrupt_manifest(void **state)
{
    (void)state;
    char *dir = make_image(OST_ARCH_AMD64);
    char *off = ost_path_join(dir, "Windows/offstage");
    char *m = t_in(off, "manifest.json");
    t_write_str(m, "{ \"packages\": [ {\"inf\": 1 ");
    struct ost_image *img;
    struct ost_error err;
    assert_ost_ok(open_image(dir, false, &img, &err), &err);
    struct ost_strlist infs = {0};
    ost_strlist_add(&infs, "build/examples/virtio-snd/amd64/aero_virtio_snd.inf");
    struct ost_stage_options o = {.force_unsigned = true};
    struct ost_stage_plan *plan;
    assert_int_equal(ost_stage_plan(img, &infs, &o, &plan, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "manifest.json"));
    ost_strlist_free(&infs);
    ost_image_close(img);
    free(off), free(m);
    cleanup(dir);
}

/* A demand-start package whose INF also copies big.dat: a sparse file one
 * byte over 1 GiB, ending in `last`. */
static char *big_file_package(char last)
{
    char *dir = t_mkdtemp();
    char *inf = ost_path_join(dir, "bigdata.inf"), *sys = ost_path_join(dir, "testdrv.sys");
    char *dat = ost_path_join(dir, "big.dat"), *src = t_build_path("testdrivers/amd64/testdrv.sys");
    t_write_str(inf, "[Version]\r\nSignature = \"$Windows NT$\"\r\nClass = System\r\n"
                     "ClassGuid = {4D36E97D-E325-11CE-BFC1-08002BE10318}\r\nProvider = offstage tests\r\n"
                     "DriverVer = 02/01/2026,1.0.0.0\r\n\r\n[Manufacturer]\r\nTests = Big, NTamd64\r\n\r\n"
                     "[Big.NTamd64]\r\n\"big\" = Big_Inst, PCI\\VEN_1AF4&DEV_10FF\r\n\r\n"
                     "[SourceDisksNames]\r\n1 = disk\r\n\r\n[SourceDisksFiles]\r\ntestdrv.sys = 1\r\nbig.dat = 1\r\n\r\n"
                     "[DestinationDirs]\r\nDefaultDestDir = 12\r\n\r\n[Big_Inst]\r\nCopyFiles = Big_Files\r\n\r\n"
                     "[Big_Files]\r\ntestdrv.sys\r\nbig.dat\r\n\r\n[Big_Inst.Services]\r\n"
                     "AddService = bigdata, 0x00000002, Big_Service\r\n\r\n[Big_Service]\r\nServiceType = 1\r\n"
                     "StartType = 3\r\nErrorControl = 1\r\nServiceBinary = %12%\\testdrv.sys\r\n");
    t_copy(src, sys);
    FILE *f = fopen(dat, "wb");
    assert_non_null(f);
    assert_int_equal(fseeko(f, (off_t)(1u << 30), SEEK_SET), 0);
    assert_int_equal(fputc(last, f), last);
    assert_int_equal(fclose(f), 0);
    free(sys), free(dat), free(src), free(dir);
    return inf;
}

/* The staging folder is named by a hash of every file the package copies:
 * one too large to read whole was left out, so two packages that differ
 * only there were taken for the same (and the second "already staged"). */
static void test_identity_hashes_every_file(void **state)
{
    (void)state;
    char *dir = make_image(OST_ARCH_AMD64);
    struct ost_image *img;
    struct ost_error err;
    assert_ost_ok(open_image(dir, false, &img, &err), &err);
    char *a = big_file_package('a'), *b = big_file_package('b');
    struct ost_stage_plan *pa = plan_for(img, a, true), *pb = plan_for(img, b, true);
    assert_int_equal(pa->packages[0].action, OST_STAGE_COPY);
    assert_int_equal(pb->packages[0].action, OST_STAGE_COPY);
    assert_string_not_equal(pa->packages[0].folder, pb->packages[0].folder);
    ost_stage_plan_free(pa), ost_stage_plan_free(pb);
    ost_image_close(img);
    for (char **inf = (char *[]){a, b, NULL}; *inf; inf++) {
        char *pkg = ost_path_dirname(*inf);
        t_rm_rf(pkg);
        free(pkg), free(*inf);
    }
    cleanup(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identifies_test_image),
        cmocka_unit_test(test_refuses_other_windows_and_inconsistent_images),
        cmocka_unit_test(test_windows8_boot_critical_refused),
        cmocka_unit_test(test_existing_service_not_overwritten),
        cmocka_unit_test(test_devicepath_keeps_entries),
        cmocka_unit_test(test_corrupt_manifest),
        cmocka_unit_test(test_identity_hashes_every_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
