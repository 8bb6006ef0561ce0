/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Devnodes (devnode.c) and per-device parameters (devparam.c): on the real
 * Windows 7 SYSTEM hive, cross-checked with hivexget, and on test images
 * whose devnodes are bound, failed, or damaged on purpose. */
#include "testutil.h"

#include "devparam.h"
#include "set_param.h"
#include "testimage.h"

#define VMCI "PCI\\VEN_15AD&DEV_0740&SUBSYS_074015AD&REV_10\\3&18d45aa6&0&3F"
#define SND_REV01 "PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\\3&267a616a&0&18"
#define SND_REV00 "PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_00\\3&267a616a&0&20"
#define SND_1018 "PCI\\VEN_1AF4&DEV_1018&SUBSYS_00191AF4&REV_00\\3&267a616a&0&28"

static ost_status open_image(const char *dir, bool writable, struct ost_image **img, struct ost_error *err)
{
    struct ost_image_options o = {.writable = writable};
    return ost_image_open_dir(dir, &o, img, err);
}

/* A test image with the seed's devices: REV_01 bound, REV_00 failed,
 * DEV_1018 only enumerated. */
static char *make_image(ost_arch arch)
{
    static const char *specs[] = {"1af4:1059:00191af4:01,bound=aeroviosnd,inf=oem3.inf", "1af4:1059:00191af4:00,failed",
                                  "1af4:1018:00191af4:00"};
    struct ost_test_device devs[3];
    struct ost_error err;
    for (int i = 0; i < 3; i++)
        if (ost_test_device_parse(specs[i], &devs[i], &err) != OST_OK)
            fail_msg("%s", err.message);
    char *parent = t_mkdtemp();
    char *dir = ost_path_join(parent, "img");
    struct ost_test_image_options o = {.arch = arch, .devices = devs, .ndevices = 3};
    if (ost_make_test_image(dir, &o, &err) != OST_OK)
        fail_msg("%s", err.message);
    free(parent);
    return dir;
}

static void cleanup(char *dir)
{
    char *parent = ost_path_dirname(dir);
    t_rm_rf(parent);
    free(parent);
    free(dir);
}

/* The real Windows 7 SYSTEM hive in a test image; NULL when ../shared is absent. */
static char *real_image(void)
{
    char *xz = t_shared_path("fixtures/hives/win7sp1-SYSTEM.xz");
    if (!xz)
        return NULL;
    char *dir = make_image(OST_ARCH_X86);
    char *cmd = ost_xasprintf("xz -dc '%s' > '%s/Windows/System32/config/SYSTEM'", xz, dir);
    assert_int_equal(system(cmd), 0);
    free(cmd), free(xz);
    return dir;
}

/* hivexget's answer (first line), independent of our hive code. */
static char *hivexget(const char *dir, const char *key, const char *value)
{
    char *cmd = ost_xasprintf("hivexget '%s/Windows/System32/config/SYSTEM' '%s' '%s' 2>/dev/null", dir, key, value);
    FILE *p = popen(cmd, "r");
    char line[1024] = "";
    if (p && !fgets(line, sizeof line, p))
        line[0] = 0;
    if (p)
        pclose(p);
    free(cmd);
    line[strcspn(line, "\n")] = 0;
    return ost_xstrdup(line);
}

static void test_real_hive_devnodes(void **state)
{
    (void)state;
    char *dir = real_image();
    if (!dir)
        skip();
    struct ost_image *img;
    struct ost_error err;
    assert_ost_ok(open_image(dir, false, &img, &err), &err);
    struct ost_devnodes d;
    assert_ost_ok(ost_devnodes_list(img, &d, &err), &err);
    size_t vmware = 0, acpi = 0, usb = 0, with_findings = 0;
    for (size_t i = 0; i < d.n; i++) {
        vmware += ost_has_prefix_ci(d.v[i].instance_path, "PCI\\VEN_15AD&");
        acpi += !strcmp(d.v[i].enumerator, "ACPI");
        usb += !strcmp(d.v[i].enumerator, "USB");
        with_findings += d.v[i].findings.n > 0;
    }
    assert_int_equal(vmware, 36); /* SVGA, VMCI, EHCI, PCI bridge, 32 PCIe root ports */
    assert_true(acpi > 0 && usb > 0);
    print_message("%zu devnodes, %zu with findings\n", d.n, with_findings);

    const struct ost_devnode *vmci = ost_devnodes_find(&d, "pci\\ven_15ad&dev_0740&subsys_074015ad&rev_10\\3&18D45AA6&0&3f");
    assert_non_null(vmci);
    assert_string_equal(vmci->instance_path, VMCI);
    char *key = ost_xasprintf("\\ControlSet001\\Enum\\%s", VMCI);
    char *svc = hivexget(dir, key, "Service"), *drv = hivexget(dir, key, "Driver");
    assert_string_equal(vmci->service, svc);
    assert_string_equal(vmci->driver, drv);
    assert_string_equal(vmci->driver, "{4d36e97d-e325-11ce-bfc1-08002be10318}\\0133");
    assert_string_equal(vmci->class_guid, "{4d36e97d-e325-11ce-bfc1-08002be10318}");
    assert_string_equal(vmci->inf, "oem11.inf");
    assert_true(vmci->has_config_flags);
    assert_int_equal(vmci->config_flags, 0);
    assert_string_equal(vmci->hardware_ids.v[0], "PCI\\VEN_15AD&DEV_0740&SUBSYS_074015AD&REV_10");
    assert_true(ost_strlist_contains_ci(&vmci->compatible_ids, "PCI\\VEN_15AD&DEV_0740"));
    free(key), free(svc), free(drv);

    const struct ost_devnode **m;
    assert_int_equal(ost_devnodes_match(&d, "PCI\\VEN_15AD&DEV_07A0", &m), 32);
    for (size_t i = 0; i < 32; i++)
        assert_string_equal(m[i]->service, "pci");
    free(m);
    assert_int_equal(ost_devnodes_match(&d, "pci\\ven_15ad&dev_07a0&subsys_07a015ad&rev_01", &m), 32);
    free(m);
    assert_int_equal(ost_devnodes_match(&d, "PCI\\VEN_15AD&DEV_07A", &m), 0); /* not a whole &-part */
    free(m);
    assert_int_equal(ost_devnodes_match(&d, VMCI, &m), 1);
    free(m);
    assert_int_equal(ost_devnodes_match(&d, "PCI\\VEN_1AF4&DEV_1059", &m), 0);
    free(m);

    const struct ost_devnode *ehci = ost_devnodes_find(&d, "PCI\\VEN_15AD&DEV_0770&SUBSYS_077015AD&REV_00\\4&b70f118&0&1088");
    assert_non_null(ehci);
    char *flags = ost_config_flags_describe(ehci->config_flags);
    assert_string_equal(flags, "0x00000400 (FINISH_INSTALL)");
    free(flags);
    ost_devnodes_free(&d);
    ost_image_close(img);
    cleanup(dir);
}

static void test_real_hive_params(void **state)
{
    (void)state;
    char *dir = real_image();
    if (!dir)
        skip();
    struct ost_image *img;
    struct ost_error err;
    assert_ost_ok(open_image(dir, true, &img, &err), &err);
    struct ost_devnodes d;
    assert_ost_ok(ost_devnodes_list(img, &d, &err), &err);
    const struct ost_devnode *vmci = ost_devnodes_find(&d, VMCI);
    struct ost_param p, before;
    assert_ost_ok(ost_param_parse_assignment("ForceNullBackend=1", OST_REG_DWORD, &p, &err), &err);
    assert_ost_ok(ost_param_set(img, vmci, OST_PARAM_DEVICE, &p, &before, &err), &err);
    assert_null(before.name);
    ost_param_free(&p);
    assert_ost_ok(ost_param_parse_assignment("AllowPollingOnly=0x1", OST_REG_DWORD, &p, &err), &err);
    assert_ost_ok(ost_param_set(img, vmci, OST_PARAM_DRIVER_KEY, &p, NULL, &err), &err);
    ost_param_free(&p);
    assert_ost_ok(ost_image_commit(img, &err), &err);
    ost_devnodes_free(&d);
    ost_image_close(img);

    char *dev_key = ost_xasprintf("\\ControlSet001\\Enum\\%s\\Device Parameters\\Parameters", VMCI);
    char *v = hivexget(dir, dev_key, "ForceNullBackend");
    assert_string_equal(v, "1");
    free(v);
    v = hivexget(dir, "\\ControlSet001\\Control\\Class\\{4d36e97d-e325-11ce-bfc1-08002be10318}\\0133",
                 "AllowPollingOnly");
    assert_string_equal(v, "1");
    free(v);
    v = hivexget(dir, "\\ControlSet001\\Control\\Class\\{4d36e97d-e325-11ce-bfc1-08002be10318}\\0133", "InfPath");
    assert_string_equal(v, "oem11.inf"); /* the rest of the driver key is kept */
    free(v), free(dev_key);
    cleanup(dir);
}

static void test_config_flags_and_inf_names(void **state)
{
    (void)state;
    struct ost_strlist names = {0};
    ost_config_flags_names(0x460 | 0x80000000u, &names);
    assert_int_equal(names.n, 4);
    assert_string_equal(names.v[0], "REINSTALL");
    assert_string_equal(names.v[1], "FAILEDINSTALL");
    assert_string_equal(names.v[2], "FINISH_INSTALL");
    assert_string_equal(names.v[3], "0x80000000");
    ost_strlist_free(&names);
    char *s = ost_config_flags_describe(0);
    assert_string_equal(s, "0x00000000 (none)");
    free(s);
    s = ost_indirect_string_inf("@oem11.inf,%vmware.devicedesc%;VMware VMCI Bus Device");
    assert_string_equal(s, "oem11.inf");
    free(s);
    assert_null(ost_indirect_string_inf("VMware VMCI Bus Device"));
    assert_null(ost_indirect_string_inf("@%SystemRoot%\\system32\\drivers\\pci.sys,#65536;PCI bus"));
    assert_null(ost_indirect_string_inf("@oem1.inf"));
    assert_null(ost_indirect_string_inf(NULL));
    assert_true(ost_driver_value_wellformed("{4d36e96c-e325-11ce-bfc1-08002be10318}\\0004"));
    assert_false(ost_driver_value_wellformed("{4d36e96c-e325-11ce-bfc1-08002be10318}\\..\\x"));
    assert_false(ost_driver_value_wellformed("garbage"));
}

static void expect_bad_assignment(const char *arg, uint32_t type, const char *reason)
{
    struct ost_param p;
    struct ost_error err;
    assert_int_equal(ost_param_parse_assignment(arg, type, &p, &err), OST_ERR_USAGE);
    if (!strstr(err.message, reason))
        fail_msg("'%s': message '%s' lacks '%s'", arg, err.message, reason);
}

static void test_names_and_values(void **state)
{
    (void)state;
    struct ost_param p;
    struct ost_error err;
    assert_ost_ok(ost_param_parse_assignment("ForceNullBackend=0xFFFFFFFF", OST_REG_DWORD, &p, &err), &err);
    assert_string_equal(p.name, "ForceNullBackend");
    assert_true(p.is_dword);
    assert_int_equal(p.dword, 0xFFFFFFFFu);
    ost_param_free(&p);
    assert_ost_ok(ost_param_parse_assignment("X=4294967295", OST_REG_DWORD, &p, &err), &err);
    assert_int_equal(p.dword, 4294967295u);
    ost_param_free(&p);
    assert_ost_ok(ost_param_parse_assignment("Mode=a=b c", OST_REG_SZ, &p, &err), &err);
    assert_string_equal(p.name, "Mode");
    assert_string_equal(p.text, "a=b c");
    ost_param_free(&p);
    expect_bad_assignment("X=caf\xe9", OST_REG_SZ, "not UTF-8");
    expect_bad_assignment("X=4294967296", OST_REG_DWORD, "0 to 4294967295");
    expect_bad_assignment("X=0x100000000", OST_REG_DWORD, "0 to 4294967295");
    expect_bad_assignment("X=-1", OST_REG_DWORD, "0 to 4294967295");
    expect_bad_assignment("X= 1", OST_REG_DWORD, "0 to 4294967295");
    expect_bad_assignment("X=", OST_REG_DWORD, "0 to 4294967295");
    expect_bad_assignment("X=0x", OST_REG_DWORD, "0 to 4294967295");
    expect_bad_assignment("X=12abc", OST_REG_DWORD, "0 to 4294967295");
    expect_bad_assignment("X", OST_REG_DWORD, "NAME=VALUE");
    expect_bad_assignment("=1", OST_REG_DWORD, "empty");
    expect_bad_assignment("Parameters\\X=1", OST_REG_DWORD, "path separator");
    expect_bad_assignment("a/b=1", OST_REG_DWORD, "path separator");
    expect_bad_assignment("a\tb=1", OST_REG_DWORD, "control character");
    char name[300];
    memset(name, 'n', 256);
    strcpy(name + 256, "=1");
    expect_bad_assignment(name, OST_REG_DWORD, "at most 255");
    strcpy(name + 255, "=1");
    assert_ost_ok(ost_param_parse_assignment(name, OST_REG_DWORD, &p, &err), &err);
    ost_param_free(&p);
}

static void test_seed_devices(void **state)
{
    (void)state;
    char *dir = make_image(OST_ARCH_AMD64);
    struct ost_image *img;
    struct ost_error err;
    assert_ost_ok(open_image(dir, true, &img, &err), &err);
    struct ost_devnodes d;
    assert_ost_ok(ost_devnodes_list(img, &d, &err), &err);
    assert_int_equal(d.n, 3);
    const struct ost_devnode *bound = ost_devnodes_find(&d, SND_REV01), *failed = ost_devnodes_find(&d, SND_REV00),
                             *legacy = ost_devnodes_find(&d, SND_1018);
    assert_non_null(bound), assert_non_null(failed), assert_non_null(legacy);
    assert_string_equal(bound->service, "aeroviosnd");
    assert_string_equal(bound->inf, "oem3.inf");
    assert_string_equal(bound->driver, "{4d36e96c-e325-11ce-bfc1-08002be10318}\\0000");
    assert_string_equal(bound->hardware_ids.v[2], "PCI\\VEN_1AF4&DEV_1059&CC_040100");
    assert_string_equal(bound->compatible_ids.v[0], "PCI\\VEN_1AF4&DEV_1059&REV_01");
    assert_null(failed->service);
    assert_int_equal(failed->config_flags, OST_CONFIGFLAG_FAILEDINSTALL);
    assert_false(legacy->has_config_flags);
    for (size_t i = 0; i < d.n; i++)
        assert_int_equal(d.v[i].findings.n, 0);
    const struct ost_devnode **m;
    assert_int_equal(ost_devnodes_match(&d, "PCI\\VEN_1AF4&DEV_1059", &m), 2);
    free(m);
    assert_int_equal(ost_devnodes_match(&d, "PCI\\VEN_1AF4&DEV_1018&CC_040100", &m), 1);
    free(m);

    char *path;
    assert_int_equal(ost_param_key_path(failed, OST_PARAM_DRIVER_KEY, &path, &err), OST_NEGATIVE);
    assert_non_null(strstr(err.message, "no driver bound yet"));
    assert_ost_ok(ost_param_key_path(bound, OST_PARAM_DRIVER_KEY, &path, &err), &err);
    assert_string_equal(path, "Control\\Class\\{4d36e96c-e325-11ce-bfc1-08002be10318}\\0000");
    free(path);

    struct ost_param p, got;
    assert_int_equal(ost_param_get(img, failed, OST_PARAM_DEVICE, "ForceNullBackend", &got, &err), OST_NEGATIVE);
    assert_ost_ok(ost_param_parse_assignment("ForceNullBackend=1", OST_REG_DWORD, &p, &err), &err);
    assert_ost_ok(ost_param_set(img, failed, OST_PARAM_DEVICE, &p, NULL, &err), &err);
    ost_param_free(&p);
    assert_ost_ok(ost_param_parse_assignment("forcenullbackend=7", OST_REG_DWORD, &p, &err), &err);
    struct ost_param before;
    assert_ost_ok(ost_param_set(img, failed, OST_PARAM_DEVICE, &p, &before, &err), &err);
    assert_string_equal(before.name, "ForceNullBackend"); /* the stored spelling is kept */
    assert_int_equal(before.dword, 1);
    ost_param_free(&p), ost_param_free(&before);
    assert_ost_ok(ost_param_get(img, failed, OST_PARAM_DEVICE, "FORCENULLBACKEND", &got, &err), &err);
    assert_int_equal(got.dword, 7);
    ost_param_free(&got);
    struct ost_params all;
    assert_ost_ok(ost_params_list(img, failed, OST_PARAM_DEVICE, &all, &err), &err);
    assert_int_equal(all.n, 1);
    ost_params_free(&all);
    assert_ost_ok(ost_param_delete(img, failed, OST_PARAM_DEVICE, "ForceNullBackend", &err), &err);
    assert_int_equal(ost_param_delete(img, failed, OST_PARAM_DEVICE, "ForceNullBackend", &err), OST_NEGATIVE);
    ost_devnodes_free(&d);
    ost_image_close(img);
    cleanup(dir);
}

static char *sha256_of(const char *path)
{
    char *cmd = ost_xasprintf("sha256sum '%s'", path);
    FILE *p = popen(cmd, "r");
    char line[256] = "";
    if (p && !fgets(line, sizeof line, p))
        line[0] = 0;
    if (p)
        pclose(p);
    free(cmd);
    return ost_xstrdup(line);
}

/* set-param's plan: old and new values, what is already so, the devices it
 * cannot set; planning writes nothing, applying writes only what changes. */
static void test_set_param_plan(void **state)
{
    (void)state;
    char *dir = make_image(OST_ARCH_AMD64);
    char *system_hive = ost_xasprintf("%s/Windows/System32/config/SYSTEM", dir);
    char *before_hash = sha256_of(system_hive);
    struct ost_error err;
    struct ost_param values[2] = {{0}};
    assert_ost_ok(ost_param_parse_assignment("ForceNullBackend=1", OST_REG_DWORD, &values[0], &err), &err);
    values[1] = (struct ost_param){.name = ost_xstrdup("AllowPollingOnly"), .type = OST_REG_NONE};
    struct ost_set_param_options o = {.device = "pci\\ven_1af4&dev_1059", .values = values, .nvalues = 2};

    struct ost_image *img;
    assert_ost_ok(open_image(dir, true, &img, &err), &err);
    struct ost_set_param_plan plan;
    assert_ost_ok(ost_set_param_plan(img, &o, &plan, &err), &err);
    assert_int_equal(plan.outcome, OST_OUTCOME_SET);
    assert_null(plan.problem);
    assert_int_equal(plan.devices.n, 2);
    assert_int_equal(plan.nchanges, 4);
    assert_int_equal(plan.nchanged, 2);
    for (size_t k = 0; k < plan.nchanges; k++) {
        const struct ost_param_change *c = &plan.changes[k];
        assert_null(c->before.name);
        assert_int_equal(c->is_delete, k % 2 == 1);
        assert_int_equal(c->changed, !c->is_delete); /* deleting an absent value changes nothing */
        assert_non_null(strstr(c->key, "Device Parameters\\Parameters"));
    }
    assert_int_equal(ost_set_param_outcome(&plan, 1, true), OST_OUTCOME_DRY_RUN);
    assert_int_equal(ost_set_param_outcome(&plan, 1, false), OST_OUTCOME_SET);
    char *after_plan = sha256_of(system_hive);
    assert_string_equal(after_plan, before_hash); /* planning wrote nothing */
    free(after_plan);
    assert_ost_ok(ost_set_param_apply(img, &o, &plan, &err), &err);
    ost_set_param_plan_free(&plan);
    ost_image_close(img);
    char *key = ost_xasprintf("\\ControlSet001\\Enum\\%s\\Device Parameters\\Parameters", SND_REV00);
    char *v = hivexget(dir, key, "ForceNullBackend");
    assert_string_equal(v, "1");
    free(v), free(key);

    /* again: every value already so, nothing written */
    char *applied = sha256_of(system_hive);
    ost_param_free(&values[0]);
    assert_ost_ok(ost_param_parse_assignment("forcenullbackend=1", OST_REG_DWORD, &values[0], &err), &err);
    assert_ost_ok(open_image(dir, true, &img, &err), &err);
    assert_ost_ok(ost_set_param_plan(img, &o, &plan, &err), &err);
    assert_int_equal(plan.outcome, OST_OUTCOME_UNCHANGED);
    assert_int_equal(plan.nchanged, 0);
    assert_string_equal(plan.changes[0].before.name, "ForceNullBackend");
    assert_true(plan.changes[0].before.is_dword);
    assert_int_equal(plan.changes[0].before.dword, 1);
    assert_int_equal(ost_set_param_outcome(&plan, 1, false), OST_OUTCOME_UNCHANGED);
    assert_ost_ok(ost_set_param_apply(img, &o, &plan, &err), &err);
    ost_set_param_plan_free(&plan);

    /* a new value: old and new */
    ost_param_free(&values[0]);
    assert_ost_ok(ost_param_parse_assignment("ForceNullBackend=0", OST_REG_DWORD, &values[0], &err), &err);
    o.nvalues = 1;
    assert_ost_ok(ost_set_param_plan(img, &o, &plan, &err), &err);
    assert_int_equal(plan.nchanged, 2);
    assert_int_equal(plan.changes[0].before.dword, 1);
    assert_int_equal(plan.changes[0].after->dword, 0);
    assert_true(plan.changes[0].changed);
    ost_set_param_plan_free(&plan);
    ost_image_close(img);
    char *unchanged = sha256_of(system_hive);
    assert_string_equal(unchanged, applied);
    free(unchanged), free(applied);

    /* no such device: the alternatives and the vendor's devices */
    struct ost_set_param_plan plans[2];
    assert_ost_ok(open_image(dir, false, &img, &err), &err);
    o.device = "PCI\\VEN_1AF4&DEV_9999";
    assert_ost_ok(ost_set_param_plan(img, &o, &plans[0], &err), &err);
    assert_int_equal(plans[0].outcome, OST_OUTCOME_NOT_FOUND);
    assert_int_equal(plans[0].nchanges, 0);
    assert_non_null(strstr(plans[0].problem, "No device in"));
    assert_non_null(strstr(plans[0].problem, "Devices of the same vendor"));
    assert_non_null(strstr(plans[0].problem, SND_1018));

    /* --driver-key on devices one of which has no driver bound */
    o.device = "PCI\\VEN_1AF4&DEV_1059";
    o.where = OST_PARAM_DRIVER_KEY;
    assert_ost_ok(ost_set_param_plan(img, &o, &plans[1], &err), &err);
    assert_int_equal(plans[1].outcome, OST_OUTCOME_NO_DRIVER_KEY);
    assert_non_null(strstr(plans[1].problem, "no driver bound yet"));
    assert_int_equal(ost_set_param_outcome(plans, 2, false), OST_OUTCOME_NO_DRIVER_KEY);
    assert_int_equal(ost_set_param_outcome(plans, 1, true), OST_OUTCOME_NOT_FOUND);
    ost_set_param_plan_free(&plans[0]);
    ost_set_param_plan_free(&plans[1]);
    ost_image_close(img);

    ost_param_free(&values[0]), ost_param_free(&values[1]);
    free(system_hive), free(before_hash);
    cleanup(dir);
}

/* Values rewritten with the wrong types, as damage or another tool might leave them. */
static void damage(const char *dir)
{
    char *path = ost_xasprintf("%s/Windows/System32/config/SYSTEM", dir);
    struct ost_hive *h;
    struct ost_error err;
    struct ost_hive_open_options o = {.writable = true};
    assert_ost_ok(ost_hive_open(path, &o, &h, &err), &err);
    ost_hkey bound = ost_hive_key(h, 0, "ControlSet001\\Enum\\" SND_REV01);
    ost_hkey failed = ost_hive_key(h, 0, "ControlSet001\\Enum\\" SND_REV00);
    ost_hkey legacy = ost_hive_key(h, 0, "ControlSet001\\Enum\\" SND_1018);
    assert_ost_ok(ost_hive_set_string(h, bound, "HardwareID", OST_REG_SZ, "PCI\\VEN_1AF4&DEV_1059&REV_01", &err), &err);
    assert_ost_ok(ost_hive_set_string(h, bound, "ConfigFlags", OST_REG_SZ, "0", &err), &err);
    assert_ost_ok(ost_hive_set_dword(h, bound, "Service", 5, &err), &err);
    assert_ost_ok(ost_hive_set_raw(h, failed, "ConfigFlags", OST_REG_DWORD, "\x40", 1, &err), &err);
    assert_ost_ok(ost_hive_set_string(h, failed, "Driver", OST_REG_SZ, "..\\..\\Select", &err), &err);
    assert_ost_ok(ost_hive_set_raw(h, legacy, "HardwareID", OST_REG_BINARY, "\x01\x02", 2, &err), &err);
    assert_ost_ok(ost_hive_set_raw(h, legacy, "CompatibleIDs", OST_REG_MULTI_SZ, "P\0", 2, &err), &err);
    char *tmp = ost_xasprintf("%s.new", path);
    assert_ost_ok(ost_hive_save(h, tmp, &err), &err);
    ost_hive_close(h);
    assert_int_equal(rename(tmp, path), 0);
    free(tmp), free(path);
}

static bool has_finding(const struct ost_devnode *dn, const char *text)
{
    for (size_t i = 0; i < dn->findings.n; i++)
        if (strstr(dn->findings.v[i].message, text))
            return true;
    return false;
}

static void test_damaged_devnodes(void **state)
{
    (void)state;
    char *dir = make_image(OST_ARCH_AMD64);
    damage(dir);
    struct ost_image *img;
    struct ost_error err;
    assert_ost_ok(open_image(dir, true, &img, &err), &err);
    struct ost_devnodes d;
    assert_ost_ok(ost_devnodes_list(img, &d, &err), &err);
    const struct ost_devnode *bound = ost_devnodes_find(&d, SND_REV01), *failed = ost_devnodes_find(&d, SND_REV00),
                             *legacy = ost_devnodes_find(&d, SND_1018);
    assert_int_equal(bound->hardware_ids.n, 1); /* a REG_SZ read as one ID */
    assert_true(has_finding(bound, "HardwareID is REG_SZ, expected REG_MULTI_SZ"));
    assert_true(has_finding(bound, "ConfigFlags is REG_SZ"));
    assert_true(has_finding(bound, "Service is REG_DWORD"));
    assert_null(bound->service);
    assert_false(bound->has_config_flags);
    assert_false(failed->has_config_flags);
    assert_true(has_finding(failed, "ConfigFlags is REG_DWORD of 1 bytes"));
    assert_true(has_finding(failed, "not {class-guid}\\NNNN"));
    assert_true(has_finding(legacy, "HardwareID is REG_BINARY"));
    assert_int_equal(legacy->hardware_ids.n, 0);
    assert_string_equal(d.v[0].findings.v[0].file, OST_SYSTEM_HIVE);

    char *path;
    assert_int_equal(ost_param_key_path(failed, OST_PARAM_DRIVER_KEY, &path, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "..\\..\\Select"));
    struct ost_param p;
    assert_ost_ok(ost_param_parse_assignment("AllowPollingOnly=1", OST_REG_DWORD, &p, &err), &err);
    assert_int_equal(ost_param_set(img, failed, OST_PARAM_DRIVER_KEY, &p, NULL, &err), OST_ERR_CORRUPT);
    assert_ost_ok(ost_param_set(img, legacy, OST_PARAM_DEVICE, &p, NULL, &err), &err);
    ost_param_free(&p);
    ost_devnodes_free(&d);
    ost_image_close(img);
    cleanup(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_hive_devnodes),
        cmocka_unit_test(test_real_hive_params),
        cmocka_unit_test(test_config_flags_and_inf_names),
        cmocka_unit_test(test_names_and_values),
        cmocka_unit_test(test_seed_devices),
        cmocka_unit_test(test_set_param_plan),
        cmocka_unit_test(test_damaged_devnodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
