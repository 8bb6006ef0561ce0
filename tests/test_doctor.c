/* SPDX-License-Identifier: GPL-3.0-or-later */
/* doctor.c: verdicts for the seed's devices in test images with the example
 * packages staged, the real Windows 7 SYSTEM hive's VMware devices, images
 * that never booted, and the setupapi.dev.log sections attached. */
#include "testutil.h"

#include "doctor.h"
#include "setupapi_log.h"
#include "stage.h"
#include "testimage.h"

#define SND_REV01 "PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\\3&267a616a&0&18"
#define SND_REV00 "PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_00\\3&267a616a&0&20"
#define SND_1018 "PCI\\VEN_1AF4&DEV_1018&SUBSYS_00191AF4&REV_00\\3&267a616a&0&28"
#define VMCI "PCI\\VEN_15AD&DEV_0740&SUBSYS_074015AD&REV_10\\3&18d45aa6&0&3F"

static ost_status open_image(const char *dir, bool writable, struct ost_image **img, struct ost_error *err)
{
    struct ost_image_options o = {.writable = writable};
    return ost_image_open_dir(dir, &o, img, err);
}

/* A test image with these devices and, unsigned, these example packages. */
static char *make_image(ost_arch arch, const char *const *specs, size_t n, const char *const *infs, size_t ninfs)
{
    struct ost_test_device devs[4];
    struct ost_error err;
    for (size_t i = 0; i < n; i++)
        if (ost_test_device_parse(specs[i], &devs[i], &err) != OST_OK)
            fail_msg("%s", err.message);
    char *parent = t_mkdtemp();
    char *dir = ost_path_join(parent, "img");
    struct ost_test_image_options o = {.arch = arch, .devices = devs, .ndevices = n};
    if (ost_make_test_image(dir, &o, &err) != OST_OK)
        fail_msg("%s", err.message);
    free(parent);
    if (!ninfs)
        return dir;
    struct ost_strlist paths = {0};
    for (size_t i = 0; i < ninfs; i++)
        ost_strlist_add_owned(&paths, ost_xasprintf("%s/examples/virtio-snd/%s/%s", t_build_dir(),
                                                    arch == OST_ARCH_X86 ? "x86" : "amd64", infs[i]));
    struct ost_image *img;
    struct ost_stage_plan *plan;
    struct ost_stage_options so = {.force_unsigned = true};
    assert_ost_ok(open_image(dir, true, &img, &err), &err);
    if (ost_stage_plan(img, &paths, &so, &plan, &err) != OST_OK || ost_stage_apply(img, plan, &so, &err) != OST_OK ||
        ost_image_commit(img, &err) != OST_OK)
        fail_msg("%s", err.message);
    ost_stage_plan_free(plan);
    ost_image_close(img);
    ost_strlist_free(&paths);
    return dir;
}

static void cleanup(char *dir)
{
    char *parent = ost_path_dirname(dir);
    t_rm_rf(parent);
    free(parent);
    free(dir);
}

static struct ost_doctor_report *doctor(const char *dir, const struct ost_doctor_options *o)
{
    struct ost_image *img;
    struct ost_error err;
    struct ost_doctor_report *r;
    assert_ost_ok(open_image(dir, false, &img, &err), &err);
    if (ost_doctor_run(img, o, &r, &err) != OST_OK)
        fail_msg("%s", err.message);
    ost_image_close(img);
    return r;
}

static const struct ost_doctor_device *device(const struct ost_doctor_report *r, const char *path)
{
    for (size_t i = 0; i < r->ndevices; i++)
        if (ost_streq_ci(r->devices[i].node->instance_path, path))
            return &r->devices[i];
    fail_msg("no device %s", path);
    return NULL;
}

static const char *const seed_devices[] = {"1af4:1059:00191af4:01,bound=aero_virtio_snd,inf=oem3.inf",
                                           "1af4:1059:00191af4:00,failed", "1af4:1018:00191af4:00,failed"};
static const char *const modern[] = {"aero_virtio_snd.inf"};
static const char *const both[] = {"aero_virtio_snd.inf", "aero-virtio-snd-legacy.inf"};

static void test_seed_unsigned_amd64(void **state)
{
    (void)state;
    char *dir = make_image(OST_ARCH_AMD64, seed_devices, 3, modern, 1);
    struct ost_doctor_options o = {0};
    struct ost_doctor_report *r = doctor(dir, &o);
    assert_int_equal(r->ndevices, 3);
    assert_false(ost_doctor_all_bound(r));

    const struct ost_doctor_device *d = device(r, SND_REV01);
    assert_int_equal(d->kind, OST_DOCTOR_NO_LOAD);
    assert_non_null(strstr(d->verdict, "Code 52"));
    assert_non_null(d->intended);
    assert_true(d->intended->entry->staged);
    assert_string_equal(d->inf_path, "oem3.inf");
    assert_non_null(d->bound);
    assert_string_equal(d->bound->entry->published_name, "oem3.inf");
    assert_true(d->intended->has_verdict);
    assert_int_equal(d->intended->verdict.kind, OST_VERDICT_NO_LOAD);
    assert_non_null(strstr(d->fix, "--test-sign"));

    d = device(r, SND_REV00);
    assert_int_equal(d->kind, OST_DOCTOR_MISS);
    assert_null(d->intended);
    assert_int_equal(d->match.nmisses, 1);
    assert_int_equal(d->match.misses[0].reason, OST_MISS_REVISION);
    assert_string_equal(d->verdict, "unbound: aero_virtio_snd.inf matches only REV_01, the device is REV_00");
    assert_true(ost_strlist_contains_ci(&d->config_flags, "FAILEDINSTALL"));

    d = device(r, SND_1018);
    assert_int_equal(d->kind, OST_DOCTOR_MISS);
    assert_int_equal(d->match.misses[0].reason, OST_MISS_TRANSITIONAL);
    assert_non_null(strstr(d->verdict, "transitional ID DEV_1018"));
    assert_non_null(strstr(d->fix, "disable-legacy=on"));
    ost_doctor_report_free(r);
    cleanup(dir);
}

static void test_legacy_package_matches_transitional(void **state)
{
    (void)state;
    static const char *const devs[] = {"1af4:1018:00191af4:00,bound=aeroviosnd_legacy,inf=oem4.inf",
                                       "1af4:1059:00191af4:01"};
    char *dir = make_image(OST_ARCH_X86, devs, 2, both, 2);
    struct ost_doctor_options o = {0};
    struct ost_doctor_report *r = doctor(dir, &o);
    assert_int_equal(r->ndevices, 2);
    const struct ost_doctor_device *d = device(r, "PCI\\VEN_1AF4&DEV_1018&SUBSYS_00191AF4&REV_00\\3&267a616a&0&18");
    /* x86 loads unsigned drivers: bound is bound. */
    assert_int_equal(d->kind, OST_DOCTOR_BOUND_INTENDED);
    assert_string_equal(d->intended->entry->original_name, "aero-virtio-snd-legacy.inf");
    assert_int_equal(d->match.nmatches, 1);
    assert_int_equal(d->match.nmisses, 1);
    assert_int_equal(d->match.misses[0].reason, OST_MISS_TRANSITIONAL);
    /* Enumerated, never installed, the modern package matches: pending. */
    d = device(r, "PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\\3&267a616a&0&20");
    assert_int_equal(d->kind, OST_DOCTOR_PENDING);
    assert_false(ost_doctor_all_bound(r));

    /* --driver selects by the vendor its package lists, and is intended
     * only where it matches. */
    o.driver = "aero_virtio_snd.inf";
    ost_doctor_report_free(r);
    r = doctor(dir, &o);
    assert_int_equal(r->ndevices, 2);
    assert_string_equal(device(r, "PCI\\VEN_1AF4&DEV_1018&SUBSYS_00191AF4&REV_00\\3&267a616a&0&18")
                            ->intended->entry->original_name,
                        "aero-virtio-snd-legacy.inf");
    ost_doctor_report_free(r);
    cleanup(dir);
}

static void test_hwid_prefix_and_unknown_driver(void **state)
{
    (void)state;
    char *dir = make_image(OST_ARCH_AMD64, seed_devices, 3, modern, 1);
    struct ost_doctor_options o = {.hwid_prefix = "pci\\ven_1af4&dev_1059"};
    struct ost_doctor_report *r = doctor(dir, &o);
    assert_int_equal(r->ndevices, 2);
    ost_doctor_report_free(r);

    struct ost_image *img;
    struct ost_error err;
    assert_ost_ok(open_image(dir, false, &img, &err), &err);
    o = (struct ost_doctor_options){.driver = "nosuch.inf"};
    assert_int_equal(ost_doctor_run(img, &o, &r, &err), OST_ERR_USAGE);
    assert_non_null(strstr(err.message, "nosuch.inf"));
    ost_image_close(img);
    cleanup(dir);
}

static void test_never_booted(void **state)
{
    (void)state;
    char *dir = make_image(OST_ARCH_AMD64, NULL, 0, modern, 1);
    struct ost_doctor_options o = {0};
    struct ost_doctor_report *r = doctor(dir, &o);
    assert_int_equal(r->ndevices, 0);
    assert_int_equal(r->devnodes.n, 0);
    assert_false(r->selection_empty);
    assert_false(ost_doctor_all_bound(r));
    assert_int_equal(r->npackages, 1);
    assert_true(ost_strlist_contains_ci(&r->packages[0].vendors, "PCI\\VEN_1AF4"));
    ost_doctor_report_free(r);
    cleanup(dir);
}

/* How many devnodes under Enum\PCI have an ID starting with VEN_15AD, as
 * hivexregedit exports them (each instance key has a HardwareID value). */
static size_t vmware_devnodes_hivex(const char *dir)
{
    char *cmd = ost_xasprintf("hivexregedit --export '%s/Windows/System32/config/SYSTEM' "
                              "'\\ControlSet001\\Enum\\PCI' 2>/dev/null | grep -c "
                              "'^\\[\\\\ControlSet001\\\\Enum\\\\PCI\\\\VEN_15AD[^\\\\]*\\\\[^\\\\]*\\]$'",
                              dir);
    FILE *p = popen(cmd, "r");
    unsigned long n = 0;
    if (p && fscanf(p, "%lu", &n) != 1)
        n = 0;
    if (p)
        pclose(p);
    free(cmd);
    return n;
}

static void test_real_windows7_hive(void **state)
{
    (void)state;
    char *xz = t_shared_path("fixtures/hives/win7sp1-SYSTEM.xz");
    if (!xz)
        return;
    char *dir = make_image(OST_ARCH_X86, NULL, 0, NULL, 0);
    char *cmd = ost_xasprintf("xz -dc '%s' > '%s/Windows/System32/config/SYSTEM'", xz, dir);
    assert_int_equal(system(cmd), 0);
    free(cmd), free(xz);
    struct ost_doctor_options o = {.hwid_prefix = "PCI\\VEN_15AD"};
    struct ost_doctor_report *r = doctor(dir, &o);
    assert_int_equal(r->ndevices, vmware_devnodes_hivex(dir));
    assert_true(ost_doctor_all_bound(r));
    const struct ost_doctor_device *d = device(r, VMCI);
    assert_int_equal(d->kind, OST_DOCTOR_BOUND);
    assert_string_equal(d->node->service, "vmci");
    assert_string_equal(d->inf_path, "oem11.inf");
    assert_string_equal(d->inf_section, "vmci.install");
    assert_non_null(d->bound);
    assert_true(d->bound->entry->installed);
    assert_null(d->bound->model);
    assert_non_null(strstr(d->verdict, "via oem11.inf"));
    /* The hive's driver store knows the VMware packages it installed. */
    bool oem12 = false;
    for (size_t i = 0; i < r->npackages; i++)
        oem12 = oem12 || !strcmp(r->packages[i].entry->published_name, "oem12.inf");
    assert_true(oem12);
    /* Nothing to select by without --hwid-prefix: no package has an INF. */
    ost_doctor_report_free(r);
    o.hwid_prefix = NULL;
    r = doctor(dir, &o);
    assert_int_equal(r->ndevices, 0);
    assert_true(r->selection_empty);
    ost_doctor_report_free(r);
    cleanup(dir);
}

/* A setupapi.dev.log in the documented form (brief §8), CRLF line ends. */
static void write_log(const char *dir, const char *device, unsigned failures, const char *signed_device)
{
    struct ost_buf b = {0};
    ost_buf_adds(&b, "[Device Install Log]\r\n     OS Version = 6.1.7601\r\n     Architecture = amd64\r\n\r\n"
                     "[BeginLog]\r\n\r\n[Boot Session: 2026/01/10 12:00:00.500]\r\n\r\n");
    for (unsigned i = 0; i < failures; i++)
        ost_buf_addf(&b,
                     ">>>  [Device Install (Hardware initiated) - %s]\r\n>>>  Section start 2026/01/10 12:%02u:00.000\r\n"
                     "!    dvi: Selecting driver failed(0xe0000228)\r\n"
                     "!!!  dvi: Error 0xe0000228: There are no compatible drivers for this device.\r\n"
                     "<<<  Section end 2026/01/10 12:%02u:01.000\r\n<<<  [Exit status: FAILURE(0xe0000203)]\r\n\r\n",
                     device, i, i);
    ost_buf_addf(&b,
                 ">>>  [Device Install (Hardware initiated) - %s]\r\n>>>  Section start 2026/01/10 13:00:00.000\r\n"
                 "     sig: {_VERIFY_FILE_SIGNATURE} 13:00:01.100\r\n"
                 "!    sig:      Verifying file against specific (valid) catalog failed! (0x800b0109)\r\n"
                 "     ndv:      Driver INF: oem3.inf\r\n"
                 "<<<  Section end 2026/01/10 13:00:02.000\r\n<<<  [Exit status: SUCCESS]\r\n\r\n"
                 ">>>  [Device Install (Hardware initiated) - " SND_1018 "]\r\n"
                 ">>>  Section start 2026/01/10 13:05:00.000\r\n     ndv: Searching Driver Store and Device Path...\r\n",
                 signed_device);
    char *path = ost_xasprintf("%s/Windows/inf/setupapi.dev.log", dir);
    t_write(path, b.data, b.len);
    free(path);
    ost_buf_free(&b);
}

static void test_log_sections(void **state)
{
    (void)state;
    char *dir = make_image(OST_ARCH_AMD64, seed_devices, 3, modern, 1);
    write_log(dir, SND_REV00, 10, SND_REV01);
    struct ost_doctor_options o = {0};
    struct ost_doctor_report *r = doctor(dir, &o);
    assert_string_equal(r->log_name, "Windows\\inf\\setupapi.dev.log");
    assert_null(r->log_problem);
    assert_int_equal(r->log_sections_total, 12);
    const struct ost_doctor_device *d = device(r, SND_REV00);
    assert_int_equal(d->nsections, OST_DOCTOR_MAX_SECTIONS);
    assert_int_equal(d->sections_dropped, 2);
    assert_string_equal(d->sections[0]->start, "2026-01-10T12:02:00.000");
    assert_true(d->sections[7]->no_driver_found);
    d = device(r, SND_REV01);
    assert_int_equal(d->nsections, 1);
    assert_int_equal(d->kind, OST_DOCTOR_NO_LOAD);
    assert_non_null(strstr(d->verdict, "the log's sig: lines"));
    d = device(r, SND_1018);
    assert_int_equal(d->nsections, 1);
    assert_int_equal(d->sections[0]->outcome, OST_SETUPAPI_TRUNCATED);
    ost_doctor_report_free(r);

    /* A log given from the host that is not there is an error. */
    struct ost_image *img;
    struct ost_error err;
    assert_ost_ok(open_image(dir, false, &img, &err), &err);
    o.setupapi_log = "/nonexistent/setupapi.dev.log";
    assert_int_not_equal(ost_doctor_run(img, &o, &r, &err), OST_OK);
    assert_non_null(strstr(err.message, "/nonexistent/setupapi.dev.log"));
    ost_image_close(img);
    cleanup(dir);
}

/* x86 loads unsigned drivers: sig: warnings in the log are no Code 52. */
static void test_log_signature_x86(void **state)
{
    (void)state;
    static const char *const devs[] = {"1af4:1059:00191af4:01,bound=aero_virtio_snd,inf=oem3.inf"};
    char *dir = make_image(OST_ARCH_X86, devs, 1, modern, 1);
    write_log(dir, SND_REV00, 0, SND_REV01);
    struct ost_doctor_options o = {0};
    struct ost_doctor_report *r = doctor(dir, &o);
    const struct ost_doctor_device *d = device(r, SND_REV01);
    assert_int_equal(d->nsections, 1);
    assert_int_equal(d->kind, OST_DOCTOR_BOUND_INTENDED);
    assert_true(ost_doctor_all_bound(r));
    ost_doctor_report_free(r);
    cleanup(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_unsigned_amd64),
        cmocka_unit_test(test_legacy_package_matches_transitional),
        cmocka_unit_test(test_hwid_prefix_and_unknown_driver),
        cmocka_unit_test(test_never_booted),
        cmocka_unit_test(test_real_windows7_hive),
        cmocka_unit_test(test_log_sections),
        cmocka_unit_test(test_log_signature_x86),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
