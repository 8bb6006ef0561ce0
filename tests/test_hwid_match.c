/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Device IDs (hwid.c) and matching with ranks and near misses (match.c). */
#include "testutil.h"

#include "match.h"

static struct ost_driver_model *model_text(const char *name, const char *text, ost_arch arch)
{
    struct ost_inf *inf;
    struct ost_error err;
    assert_ost_ok(ost_inf_parse((const uint8_t *)text, strlen(text), name, NULL, &inf, NULL, &err), &err);
    struct ost_model_options o = {.arches = {arch}, .narches = 1};
    struct ost_driver_model *m;
    assert_ost_ok(ost_driver_model_build(inf, &o, &m, &err), &err);
    return m;
}

static struct ost_driver_model *model_file(const char *path, ost_arch arch)
{
    struct ost_model_options o = {.arches = {arch}, .narches = 1};
    struct ost_driver_model *m;
    struct ost_error err;
    if (ost_driver_model_load(path, NULL, &o, &m, &err) != OST_OK)
        fail_msg("%s", err.message);
    return m;
}

static void pci(const char *spec, struct ost_device_ids *ids)
{
    struct ost_pci_identity p;
    struct ost_error err;
    memset(ids, 0, sizeof *ids);
    if (ost_pci_identity_parse(spec, &p, &err) != OST_OK)
        fail_msg("%s", err.message);
    ost_pci_expand(&p, ids);
}

#define SVC "[Svc]\nServiceType=1\nStartType=3\nErrorControl=1\nServiceBinary=%12%\\x.sys\n"
#define HEAD(date, ver)                                                                                  \
    "[Version]\nSignature=\"$Windows NT$\"\nClass=System\nClassGuid={4D36E97D-E325-11CE-BFC1-08002BE10318}\n" \
    "Provider=P\nDriverVer=" date "," ver "\n[Manufacturer]\nM=Models,NTx86,NTamd64\n"

/* ---- hwid ------------------------------------------------------------- */

static void assert_list(const struct ost_strlist *l, const char *const *want, size_t n)
{
    for (size_t i = 0; i < l->n && i < n; i++)
        assert_string_equal(l->v[i], want[i]);
    assert_int_equal(l->n, n);
}

/* A subsystem moves VEN&DEV&REV and VEN&DEV to the compatible IDs; without
 * one (or with 00000000) they are hardware IDs (Windows 7's devnodes). */
static void test_pci_expansion(void **state)
{
    (void)state;
    struct ost_device_ids ids;
    pci("1af4:1059:00191af4:01", &ids);
    static const char *const hw[] = {"PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01",
                                     "PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4"};
    static const char *const cid[] = {"PCI\\VEN_1AF4&DEV_1059&REV_01", "PCI\\VEN_1AF4&DEV_1059", "PCI\\VEN_1AF4"};
    assert_list(&ids.hardware_ids, hw, 2);
    assert_list(&ids.compatible_ids, cid, 3);
    ost_device_ids_free(&ids);

    struct ost_pci_identity p;
    struct ost_error err;
    assert_ost_ok(ost_pci_identity_parse("0x1AF4:0x1018", &p, &err), &err);
    assert_ost_ok(ost_pci_class_parse("040100", &p, &err), &err);
    memset(&ids, 0, sizeof ids);
    ost_pci_expand(&p, &ids);
    static const char *const hw2[] = {"PCI\\VEN_1AF4&DEV_1018", "PCI\\VEN_1AF4&DEV_1018&CC_040100",
                                      "PCI\\VEN_1AF4&DEV_1018&CC_0401"};
    static const char *const cid2[] = {"PCI\\VEN_1AF4&CC_040100", "PCI\\VEN_1AF4&CC_0401", "PCI\\VEN_1AF4",
                                       "PCI\\CC_040100", "PCI\\CC_0401"};
    assert_list(&ids.hardware_ids, hw2, 3);
    assert_list(&ids.compatible_ids, cid2, 5);
    ost_device_ids_free(&ids);

    assert_ost_ok(ost_pci_identity_parse("8086:7191:00000000:01", &p, &err), &err);
    memset(&ids, 0, sizeof ids);
    ost_pci_expand(&p, &ids);
    static const char *const hw3[] = {"PCI\\VEN_8086&DEV_7191&SUBSYS_00000000&REV_01",
                                      "PCI\\VEN_8086&DEV_7191&SUBSYS_00000000", "PCI\\VEN_8086&DEV_7191&REV_01",
                                      "PCI\\VEN_8086&DEV_7191"};
    static const char *const cid3[] = {"PCI\\VEN_8086"};
    assert_list(&ids.hardware_ids, hw3, 4);
    assert_list(&ids.compatible_ids, cid3, 1);
    ost_device_ids_free(&ids);

    /* virtio sound reports class 040100 when none is given; others none */
    assert_ost_ok(ost_pci_identity_parse("1af4:1059", &p, &err), &err);
    ost_pci_default_class(&p);
    assert_true(p.has_class);
    assert_int_equal(p.class_code, 0x040100);
    assert_ost_ok(ost_pci_identity_parse("8086:100e", &p, &err), &err);
    ost_pci_default_class(&p);
    assert_false(p.has_class);
}

/* reglookup's value of a MULTI_SZ as a list ("a|b|c,"), independent of our
 * hive code. */
static void split_multi_sz(const char *v, struct ost_strlist *out)
{
    char *copy = ost_xstrdup(v), *save = NULL;
    copy[strcspn(copy, ",\n")] = 0;
    for (char *s = strtok_r(copy, "|", &save); s; s = strtok_r(NULL, "|", &save))
        ost_strlist_add(out, s);
    free(copy);
}

/* Every PCI devnode of the real Windows 7 SYSTEM hive: the expansion of its
 * VEN, DEV, SUBSYS, REV and class code equals its HardwareID and
 * CompatibleIDs. Bridges and storage controllers add device-type IDs
 * (&DT_n) of their own class driver's; they are left out. */
static void test_pci_expansion_equals_windows(void **state)
{
    (void)state;
    char *xz = t_shared_path("fixtures/hives/win7sp1-SYSTEM.xz");
    if (!xz)
        skip();
    char *dir = t_mkdtemp();
    char *cmd = ost_xasprintf("xz -dc '%s' > '%s/SYSTEM' && reglookup -H -t MULTI_SZ -p /ControlSet001/Enum/PCI "
                              "'%s/SYSTEM' 2>/dev/null",
                              xz, dir, dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[4096];
    struct ost_strlist hw = {0}, cid = {0};
    size_t compared = 0, zero_subsys = 0;
    while (fgets(line, sizeof line, p)) {
        char *comma = strstr(line, ",MULTI_SZ,");
        if (!comma)
            continue;
        *comma = 0;
        const char *value = comma + strlen(",MULTI_SZ,");
        if (ost_has_suffix_ci(line, "/HardwareID")) {
            ost_strlist_free(&hw);
            split_multi_sz(value, &hw);
            continue;
        }
        if (!ost_has_suffix_ci(line, "/CompatibleIDs") || !hw.n)
            continue;
        ost_strlist_free(&cid);
        split_multi_sz(value, &cid);
        if (strstr(value, "&DT_"))
            continue;
        struct ost_pci_id_parts parts;
        assert_true(ost_pci_id_split(hw.v[0], &parts));
        struct ost_pci_identity id = {
            .vendor = (uint16_t)parts.vendor, .device = (uint16_t)parts.device, .has_subsys = parts.has_subsys,
            .subsys = parts.subsys, .has_revision = parts.has_revision, .revision = (uint8_t)parts.revision};
        for (size_t i = 0; i < hw.n; i++) {
            struct ost_pci_id_parts cc;
            if (ost_pci_id_split(hw.v[i], &cc) && cc.has_class && strlen(cc.class_code) == 6) {
                char cc6[16];
                snprintf(cc6, sizeof cc6, "%s", cc.class_code);
                struct ost_error err;
                assert_ost_ok(ost_pci_class_parse(cc6, &id, &err), &err);
            }
        }
        struct ost_device_ids got = {0};
        ost_pci_expand(&id, &got);
        assert_list(&got.hardware_ids, (const char *const *)hw.v, hw.n);
        assert_list(&got.compatible_ids, (const char *const *)cid.v, cid.n);
        ost_device_ids_free(&got);
        compared++;
        zero_subsys += id.subsys == 0;
        ost_strlist_free(&hw);
    }
    pclose(p);
    ost_strlist_free(&hw);
    ost_strlist_free(&cid);
    assert_true(compared >= 10);
    assert_true(zero_subsys >= 1);
    t_rm_rf(dir);
    free(dir), free(cmd), free(xz);
}

/* One rule for the vendor an ID names, for doctor's selection and
 * set-param's "devices of the same vendor". */
static void test_hwid_vendor(void **state)
{
    (void)state;
    static const struct {
        const char *id, *vendor;
    } cases[] = {
        {"PCI\\VEN_8086&DEV_100F&SUBSYS_075015AD&REV_01", "PCI\\VEN_8086"},
        {"pci\\ven_1af4&dev_1059", "PCI\\VEN_1AF4"},
        {"PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\\3&267a616a&0&18", "PCI\\VEN_1AF4"},
        {"USB\\VID_046D&PID_C52B&REV_1201", "USB\\VID_046D"},
        {"HDAUDIO\\FUNC_01&VEN_10EC&DEV_0662&SUBSYS_1AF40022", "HDAUDIO\\VEN_10EC"},
        {"ACPI\\PNP0A03", NULL},
        {"ROOT\\LEGACY_BEEP\\0000", NULL},
        {"PCI\\CC_0401", NULL},
        {"PCI\\VEN_12345&DEV_1", NULL},
        {"\\VEN_1AF4", NULL},
        {"VEN_1AF4", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *v = ost_hwid_vendor(cases[i].id);
        if (cases[i].vendor) {
            if (!v || strcmp(v, cases[i].vendor) != 0)
                fail_msg("%s: vendor %s, expected %s", cases[i].id, v ? v : "(none)", cases[i].vendor);
        } else if (v) {
            fail_msg("%s: vendor %s, expected none", cases[i].id, v);
        }
        free(v);
    }
    struct ost_strlist ids = {0};
    ost_strlist_add(&ids, "ACPI\\PNP0A03");
    ost_strlist_add(&ids, "HDAUDIO\\FUNC_01&VEN_10EC&DEV_0662");
    assert_true(ost_hwids_have_vendor(&ids, "hdaudio\\ven_10ec"));
    assert_false(ost_hwids_have_vendor(&ids, "PCI\\VEN_10EC"));
    ost_strlist_free(&ids);
}

static void test_pci_parse_errors(void **state)
{
    (void)state;
    struct ost_pci_identity p;
    struct ost_error err;
    const char *bad[] = {"", "1af4", "1af4:", "zzzz:1059", "1af45:1059", "1af4:1059:0019:01",
                         "1af4:1059:00191af4:001", "1af4:1059:00191af4:01:7", "1af4:10 9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ost_pci_identity_parse(bad[i], &p, &err), OST_ERR_USAGE);
        assert_non_null(strstr(err.message, "--pci"));
    }
    assert_int_equal(ost_pci_class_parse("0401", &p, &err), OST_ERR_USAGE);
}

static void test_pci_split_and_virtio(void **state)
{
    (void)state;
    struct ost_pci_id_parts parts;
    assert_true(ost_pci_id_split("pci\\ven_1af4&dev_1052&subsys_00101af4&rev_01", &parts));
    assert_int_equal(parts.vendor, 0x1af4);
    assert_int_equal(parts.device, 0x1052);
    assert_int_equal(parts.subsys, 0x00101af4);
    assert_int_equal(parts.revision, 1);
    assert_false(ost_pci_id_split("USB\\VID_1234&PID_5678", &parts));
    assert_false(ost_pci_id_split("PCI\\VEN_1AF4&DEV_XYZW", &parts));
    bool t;
    assert_int_equal(ost_virtio_type(0x1059, &t), 25);
    assert_false(t);
    assert_int_equal(ost_virtio_type(0x1018, &t), 25);
    assert_true(t);
    assert_int_equal(ost_virtio_type(0x1000, &t), 1);
    assert_int_equal(ost_virtio_type(0x1001, &t), 2);
    assert_int_equal(ost_virtio_transitional_id(25), 0x1018);
    assert_int_equal(ost_virtio_type(0x1234, &t), 0);
}

/* ---- the seed's cases, on the project's example package ----------------- */

static void seed_case(const char *spec, bool expect_v1, bool expect_legacy, int miss_reason)
{
    struct ost_driver_model *v1 = model_file("examples/virtio-snd/aero_virtio_snd.inf", OST_ARCH_AMD64);
    struct ost_driver_model *legacy = model_file("examples/virtio-snd/aero-virtio-snd-legacy.inf", OST_ARCH_AMD64);
    struct ost_match_input in[] = {{v1, true}, {legacy, true}};
    struct ost_device_ids ids;
    pci(spec, &ids);
    struct ost_match_result r;
    ost_match_device(&ids, in, 2, OST_ARCH_AMD64, &r);
    bool got_v1 = false, got_legacy = false;
    for (size_t i = 0; i < r.nmatches; i++) {
        got_v1 = got_v1 || r.matches[i].model == v1;
        got_legacy = got_legacy || r.matches[i].model == legacy;
    }
    assert_int_equal(got_v1, expect_v1);
    assert_int_equal(got_legacy, expect_legacy);
    if (miss_reason >= 0) {
        bool found = false;
        for (size_t i = 0; i < r.nmisses; i++)
            if (r.misses[i].model == v1) {
                assert_int_equal(r.misses[i].reason, miss_reason);
                assert_int_equal(r.misses[i].line->decoration.arch, OST_ARCH_AMD64);
                found = true;
            }
        assert_true(found);
    }
    ost_match_result_free(&r);
    ost_device_ids_free(&ids);
    ost_driver_model_free(v1);
    ost_driver_model_free(legacy);
}

static void test_seed_contract_v1_binds(void **state)
{
    (void)state;
    struct ost_driver_model *v1 = model_file("examples/virtio-snd/aero_virtio_snd.inf", OST_ARCH_AMD64);
    struct ost_match_input in = {v1, true};
    struct ost_device_ids ids;
    pci("1af4:1059:00191af4:01", &ids);
    struct ost_match_result r;
    ost_match_device(&ids, &in, 1, OST_ARCH_AMD64, &r);
    assert_int_equal(r.nmatches, 1);
    assert_true(r.matches[0].best);
    assert_int_equal(r.matches[0].kind, OST_MATCH_COMPAT_HW);
    assert_int_equal(r.matches[0].device_id_index, 0); /* first compatible ID: VEN&DEV&REV */
    assert_int_equal(r.matches[0].rank, 0x00FF2000);
    assert_string_equal(r.matches[0].device->ddinstall, "VirtioSnd_Device.NT");
    ost_match_result_free(&r);

    in.trusted_signature = false; /* unsigned, .NT install section */
    ost_match_device(&ids, &in, 1, OST_ARCH_AMD64, &r);
    assert_int_equal(r.matches[0].rank, 0x80FF2000);
    ost_match_result_free(&r);
    ost_device_ids_free(&ids);
    ost_driver_model_free(v1);
}

static void test_seed_revision_does_not_bind(void **state)
{
    (void)state;
    seed_case("1af4:1059:00191af4:00", false, false, OST_MISS_REVISION);
}

static void test_seed_transitional_needs_legacy(void **state)
{
    (void)state;
    seed_case("1af4:1018", false, true, OST_MISS_TRANSITIONAL);
    seed_case("1af4:1018:00191af4:00", false, true, OST_MISS_TRANSITIONAL);
}

/* ---- ranks, case, ties, architecture ------------------------------------ */

static void test_rank_kinds(void **state)
{
    (void)state;
    /* device: hw [A, B], compat [C, D]; the INF lists variations */
    struct ost_device_ids dev = {0};
    ost_strlist_add(&dev.hardware_ids, "PCI\\VEN_1&DEV_A");
    ost_strlist_add(&dev.hardware_ids, "PCI\\VEN_1&DEV_B");
    ost_strlist_add(&dev.compatible_ids, "PCI\\VEN_1&CC_C");
    ost_strlist_add(&dev.compatible_ids, "PCI\\VEN_1&CC_D");
    struct {
        const char *line;
        uint32_t rank;
        enum ost_match_kind kind;
    } cases[] = {
        {"pci\\ven_1&dev_b", 0x80FF0001, OST_MATCH_HW_HW},              /* case-insensitive */
        {"PCI\\VEN_9, PCI\\VEN_1&DEV_B", 0x80FF1001, OST_MATCH_HW_COMPAT},
        {"PCI\\VEN_1&CC_D", 0x80FF2001, OST_MATCH_COMPAT_HW},
        {"PCI\\VEN_9, PCI\\VEN_8, PCI\\VEN_1&CC_D", 0x80FF3101, OST_MATCH_COMPAT_COMPAT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = ost_xasprintf(HEAD("01/01/2026", "1.0.0.0") "[Models.NTamd64]\nD = Inst, %s\n"
                                   "[Inst.NT]\n[Inst.NT.Services]\nAddService=x,2,Svc\n%s", cases[i].line, SVC);
        struct ost_driver_model *m = model_text("r.inf", text, OST_ARCH_AMD64);
        struct ost_match_input in = {m, false};
        struct ost_match_result r;
        ost_match_device(&dev, &in, 1, OST_ARCH_AMD64, &r);
        assert_int_equal(r.nmatches, 1);
        assert_int_equal(r.matches[0].kind, cases[i].kind);
        assert_int_equal(r.matches[0].rank, cases[i].rank);
        ost_match_result_free(&r);
        ost_driver_model_free(m);
        free(text);
    }
    ost_device_ids_free(&dev);
}

static void test_signature_and_feature_scores(void **state)
{
    (void)state;
    struct ost_device_ids dev = {0};
    ost_strlist_add(&dev.hardware_ids, "PCI\\VEN_1&DEV_1");
    /* no .NT extension: 0xC0; FeatureScore 0x20 */
    struct ost_driver_model *m = model_text("f.inf", HEAD("01/01/2026", "1.0.0.0") "[Models.NTamd64]\nD = Inst, PCI\\VEN_1&DEV_1\n"
                                            "[Inst]\nFeatureScore=0x20\n[Inst.Services]\nAddService=x,2,Svc\n" SVC,
                                            OST_ARCH_AMD64);
    struct ost_match_input in = {m, false};
    struct ost_match_result r;
    ost_match_device(&dev, &in, 1, OST_ARCH_AMD64, &r);
    assert_int_equal(r.matches[0].rank, 0xC0200000);
    ost_match_result_free(&r);
    ost_driver_model_free(m);
    ost_device_ids_free(&dev);
}

static void test_tie_goes_to_newer_driver(void **state)
{
    (void)state;
    struct ost_device_ids dev = {0};
    ost_strlist_add(&dev.hardware_ids, "PCI\\VEN_1&DEV_1");
    const char *body = "[Models.NTamd64]\nD = Inst, PCI\\VEN_1&DEV_1\n[Inst.NT]\n[Inst.NT.Services]\nAddService=x,2,Svc\n" SVC;
    char *old_text = ost_xasprintf(HEAD("01/01/2025", "9.0.0.0") "%s", body);
    char *new_text = ost_xasprintf(HEAD("01/01/2026", "1.0.0.0") "%s", body);
    char *newer_ver = ost_xasprintf(HEAD("01/01/2026", "1.0.0.1") "%s", body);
    struct ost_driver_model *a = model_text("old.inf", old_text, OST_ARCH_AMD64);
    struct ost_driver_model *b = model_text("new.inf", new_text, OST_ARCH_AMD64);
    struct ost_driver_model *c = model_text("newer.inf", newer_ver, OST_ARCH_AMD64);
    struct ost_match_input in[] = {{a, true}, {b, true}, {c, true}};
    struct ost_match_result r;
    ost_match_device(&dev, in, 3, OST_ARCH_AMD64, &r);
    assert_int_equal(r.nmatches, 3);
    assert_ptr_equal(r.matches[0].model, c);
    assert_true(r.matches[0].best);
    assert_false(r.matches[1].best);
    assert_ptr_equal(r.matches[1].model, b);
    assert_ptr_equal(r.matches[2].model, a);
    ost_match_result_free(&r);

    /* a signed package beats a newer unsigned one */
    in[2].trusted_signature = false;
    ost_match_device(&dev, in, 3, OST_ARCH_AMD64, &r);
    assert_ptr_equal(r.matches[0].model, b);
    ost_match_result_free(&r);
    ost_driver_model_free(a), ost_driver_model_free(b), ost_driver_model_free(c);
    free(old_text), free(new_text), free(newer_ver);
    ost_device_ids_free(&dev);
}

static void test_architecture_near_miss(void **state)
{
    (void)state;
    struct ost_device_ids dev;
    pci("1234:0001", &dev);
    struct ost_driver_model *m = model_text("undecorated.inf",
                                            "[Version]\nSignature=$Windows NT$\nClass=System\n"
                                            "ClassGuid={4D36E97D-E325-11CE-BFC1-08002BE10318}\nDriverVer=01/01/2026\n"
                                            "[Manufacturer]\nM=Models\n[Models]\nD = Inst, PCI\\VEN_1234&DEV_0001\n"
                                            "[Inst.NT]\n",
                                            OST_ARCH_AMD64);
    struct ost_match_input in = {m, true};
    struct ost_match_result r;
    ost_match_device(&dev, &in, 1, OST_ARCH_AMD64, &r);
    assert_int_equal(r.nmatches, 0);
    assert_int_equal(r.nmisses, 1);
    assert_int_equal(r.misses[0].reason, OST_MISS_ARCHITECTURE);
    assert_non_null(strstr(r.misses[0].explanation, "NTamd64"));
    ost_match_result_free(&r);
    ost_driver_model_free(m);

    /* the same INF on x86 matches */
    m = model_text("undecorated.inf",
                   "[Version]\nSignature=$Windows NT$\nClass=System\n"
                   "ClassGuid={4D36E97D-E325-11CE-BFC1-08002BE10318}\nDriverVer=01/01/2026\n"
                   "[Manufacturer]\nM=Models\n[Models]\nD = Inst, PCI\\VEN_1234&DEV_0001\n[Inst.NT]\n",
                   OST_ARCH_X86);
    in.model = m;
    ost_match_device(&dev, &in, 1, OST_ARCH_X86, &r);
    assert_int_equal(r.nmatches, 1);
    ost_match_result_free(&r);
    ost_driver_model_free(m);
    ost_device_ids_free(&dev);
}

static void test_fixture_subsystem_and_device_misses(void **state)
{
    (void)state;
    char *path = t_shared_path("fixtures/inf/aero/aero_virtio_input.inf");
    if (!path)
        skip();
    struct ost_driver_model *m = model_file(path, OST_ARCH_AMD64);
    struct ost_match_input in = {m, true};
    struct ost_device_ids dev;
    struct ost_match_result r;

    pci("1af4:1052:00101af4:01", &dev); /* keyboard: matches */
    ost_match_device(&dev, &in, 1, OST_ARCH_AMD64, &r);
    assert_int_equal(r.nmatches, 1);
    assert_int_equal(r.matches[0].rank, 0x00FF0000);
    assert_string_equal(r.matches[0].device->model->description, "Aero VirtIO Keyboard");
    ost_match_result_free(&r);
    ost_device_ids_free(&dev);

    pci("1af4:1052:00121af4:01", &dev); /* unknown subsystem */
    ost_match_device(&dev, &in, 1, OST_ARCH_AMD64, &r);
    assert_int_equal(r.nmatches, 0);
    assert_int_equal(r.misses[0].reason, OST_MISS_SUBSYSTEM);
    assert_non_null(strstr(r.misses[0].explanation, "SUBSYS_00121AF4"));
    ost_match_result_free(&r);
    ost_device_ids_free(&dev);

    pci("1af4:1041:00011af4:01", &dev); /* virtio-net: same vendor only */
    ost_match_device(&dev, &in, 1, OST_ARCH_AMD64, &r);
    assert_int_equal(r.misses[0].reason, OST_MISS_DEVICE);
    ost_match_result_free(&r);
    ost_device_ids_free(&dev);

    pci("8086:100e", &dev); /* another vendor: no near miss at all */
    ost_match_device(&dev, &in, 1, OST_ARCH_AMD64, &r);
    assert_int_equal(r.nmatches, 0);
    assert_int_equal(r.nmisses, 0);
    ost_match_result_free(&r);
    ost_device_ids_free(&dev);
    ost_driver_model_free(m);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pci_expansion),
        cmocka_unit_test(test_pci_expansion_equals_windows),
        cmocka_unit_test(test_hwid_vendor),
        cmocka_unit_test(test_pci_parse_errors),
        cmocka_unit_test(test_pci_split_and_virtio),
        cmocka_unit_test(test_seed_contract_v1_binds),
        cmocka_unit_test(test_seed_revision_does_not_bind),
        cmocka_unit_test(test_seed_transitional_needs_legacy),
        cmocka_unit_test(test_rank_kinds),
        cmocka_unit_test(test_signature_and_feature_scores),
        cmocka_unit_test(test_tie_goes_to_newer_driver),
        cmocka_unit_test(test_architecture_near_miss),
        cmocka_unit_test(test_fixture_subsystem_and_device_misses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
