/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A hive replaced in a WIM keeps its security descriptor, attributes and
 * times (wim.c through ntfsvol.c). The WIM is prepared with libwim itself:
 * its SOFTWARE is given a known descriptor the way Windows media have one. */
#include "testutil.h"

#include <wimlib.h>

#include "ntfsvol.h"
#include "stage.h"
#include "testimage.h"
#include "wim.h"

/* O:BAG:SYD:(A;;FA;;;SY)(A;;FA;;;BA)(A;;FR;;;WD), self-relative */
static const uint8_t known_sd[] = {
    1, 0, 0x04, 0x80, 0x14, 0, 0, 0, 0x24, 0, 0, 0, 0, 0, 0, 0, 0x30, 0, 0, 0,
    1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0,                    /* owner BA */
    1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0,                                    /* group SY */
    2, 0, 0x48, 0, 3, 0, 0, 0,                                              /* ACL, 3 ACEs, 72 bytes */
    0, 0, 0x14, 0, 0xff, 0x01, 0x1f, 0, 1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0, /* SY full */
    0, 0, 0x18, 0, 0xff, 0x01, 0x1f, 0, 1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0, /* BA full */
    0, 0, 0x14, 0, 0x89, 0, 0x12, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,    /* WD read */
};

struct seen {
    bool found;
    uint8_t sd[256];
    size_t sd_size;
    uint32_t attributes;
    int64_t write_sec;
};

static int seen_cb(const struct wimlib_dir_entry *d, void *ctx)
{
    struct seen *s = ctx;
    s->found = true;
    s->sd_size = d->security_descriptor ? d->security_descriptor_size : 0;
    if (s->sd_size && s->sd_size <= sizeof s->sd)
        memcpy(s->sd, d->security_descriptor, s->sd_size);
    s->attributes = d->attributes;
    s->write_sec = (int64_t)(uint32_t)d->last_write_time.tv_sec | (int64_t)d->last_write_time_high << 32;
    return 0;
}

static struct seen look(const char *wim, const char *path)
{
    WIMStruct *w;
    struct seen s = {0};
    assert_int_equal(wimlib_open_wim(wim, 0, &w), 0);
    wimlib_iterate_dir_tree(w, 1, path, 0, seen_cb, &s);
    wimlib_free(w);
    return s;
}

/* A one-image WIM captured from a test image, whose SYSTEM and SOFTWARE
 * carry a Windows descriptor, ARCHIVE and a 2010 time, as on real media
 * (one update each: see apply_cmds in wim.c). */
static char *prepare_wim(const char *dir)
{
    char *img = ost_path_join(dir, "img"), *wim = ost_path_join(dir, "install.wim");
    struct ost_test_image_options o = {.arch = OST_ARCH_X86};
    struct ost_error err;
    assert_ost_ok(ost_make_test_image(img, &o, &err), &err);
    char *cmd = ost_xasprintf("wimlib-imagex capture '%s' '%s' t >/dev/null", img, wim);
    assert_int_equal(system(cmd), 0);
    char *vol = ost_path_join(dir, "vol.img"), *sw = ost_path_join(img, "Windows/System32/config/SOFTWARE");
    char *vol2 = ost_path_join(dir, "vol2.img"), *sy = ost_path_join(img, "Windows/System32/config/SYSTEM");
    struct ost_ntfs_file_meta meta = {known_sd, sizeof known_sd, 0x20, 129342960000000000ull,
                                      129342960000000000ull, 129342960000000000ull};
    assert_ost_ok(ost_ntfs_volume_with_file(vol, "SOFTWARE", sw, &meta, &err), &err);
    assert_ost_ok(ost_ntfs_volume_with_file(vol2, "SYSTEM", sy, &meta, &err), &err);
    WIMStruct *w;
    assert_int_equal(wimlib_open_wim(wim, WIMLIB_OPEN_FLAG_WRITE_ACCESS, &w), 0);
    const char *vols[] = {vol, vol2};
    for (int k = 0; k < 2; k++) {
        struct wimlib_update_command c = {.op = WIMLIB_UPDATE_OP_ADD};
        c.add.fs_source_path = (char *)vols[k];
        c.add.wim_target_path = (char *)"/Windows/System32/config";
        c.add.add_flags = WIMLIB_ADD_FLAG_NTFS;
        assert_int_equal(wimlib_update_image(w, 1, &c, 1, 0), 0);
    }
    assert_int_equal(wimlib_overwrite(w, 0, 0), 0);
    wimlib_free(w);
    free(cmd), free(vol), free(sw), free(vol2), free(sy), free(img);
    return wim;
}

static void skip_without_mkntfs(void)
{
    if (!ost_ntfs_available()) {
        fprintf(stderr, "skip: mkntfs (ntfs-3g) not installed\n");
        skip();
    }
}

static void test_replaced_hive_keeps_windows_metadata(void **state)
{
    (void)state;
    skip_without_mkntfs();
    char *dir = t_mkdtemp();
    char *wim = prepare_wim(dir);
    struct ost_error err;
    char *cmd = NULL;
    struct seen before = look(wim, "/Windows/System32/config/SOFTWARE");
    assert_true(before.found);
    assert_int_equal(before.sd_size, sizeof known_sd);
    assert_int_equal(before.attributes & 0x20, 0x20);

    /* Stage a package: SOFTWARE is replaced (DevicePath). */
    struct ost_wim_session *s;
    struct ost_target *t;
    struct ost_image *image;
    assert_ost_ok(ost_wim_session_open(wim, true, &s, &err), &err);
    assert_ost_ok(ost_wim_target(s, 1, &t, &err), &err);
    struct ost_image_options io = {.writable = true};
    assert_ost_ok(ost_image_open(t, &io, &image, &err), &err);
    /* A boot-critical package: both SYSTEM (Services, CDD) and SOFTWARE
     * (DevicePath) are replaced in the same image. */
    struct ost_strlist infs = {0};
    char *pkg = ost_path_join(dir, "stor");
    char *inf = t_in(pkg, "teststor.inf"), *sys = ost_path_join(pkg, "testdrv.sys"), *cat = ost_path_join(pkg, "teststor.cat");
    char *drv = t_build_path("testdrivers/x86/testdrv.sys");
    t_copy("tests/data/teststor/teststor.inf", inf);
    t_copy(drv, sys);
    t_write_str(cat, "placeholder");
    ost_strlist_add(&infs, inf);
    struct ost_stage_options so = {.force_unsigned = true};
    struct ost_stage_plan *plan;
    assert_ost_ok(ost_stage_plan(image, &infs, &so, &plan, &err), &err);
    assert_ost_ok(ost_stage_apply(image, plan, &so, &err), &err);
    assert_ost_ok(ost_image_commit(image, &err), &err);
    assert_ost_ok(ost_wim_session_commit(s, &err), &err);
    ost_stage_plan_free(plan);
    ost_image_close(image);
    ost_wim_session_close(s);

    const char *hives[] = {"/Windows/System32/config/SOFTWARE", "/Windows/System32/config/SYSTEM"};
    for (int k = 0; k < 2; k++) {
        struct seen after = look(wim, hives[k]);
        assert_true(after.found);
        assert_int_equal(after.sd_size, before.sd_size);
        assert_memory_equal(after.sd, before.sd, before.sd_size);
        assert_int_equal(after.attributes, before.attributes);
        assert_int_equal(after.write_sec, before.write_sec);
    }
    /* and each hive holds its own, edited content */
    char *check = ost_xasprintf(
        "cd '%s' && rm -rf x && mkdir x && wimlib-imagex extract install.wim 1 /Windows/System32/config/SOFTWARE "
        "/Windows/System32/config/SYSTEM --dest-dir=x --no-acls >/dev/null 2>&1 && "
        "hivexget x/SOFTWARE '\\Microsoft\\Windows\\CurrentVersion' DevicePath | grep -q offstage && "
        "hivexget x/SYSTEM '\\ControlSet001\\services\\teststor' Start | grep -q 0", dir);
    assert_int_equal(system(check), 0);
    free(check);
    /* the neighbours and the directory are as they were */
    assert_true(look(wim, "/Windows/System32/config/SYSTEM").found);
    assert_true(look(wim, "/Windows/System32/config/BCD-Template").found);
    cmd = (free(cmd), ost_xasprintf("wimlib-imagex verify '%s' >/dev/null 2>&1", wim));
    assert_int_equal(system(cmd), 0);

    ost_strlist_free(&infs);
    free(inf), free(cmd), free(wim);
    free(pkg), free(sys), free(cat), free(drv);
    t_rm_rf(dir);
    free(dir);
}

struct pattern {
    size_t size;
    bool fail;
};

/* Writes `size` bytes of a known pattern, more than the estimate it gives. */
static ost_status produce_pattern(const char *dest, void *ctx, struct ost_error *err)
{
    const struct pattern *p = ctx;
    if (p->fail)
        return ost_fail(err, OST_ERR_IO, "%s: the producer failed", dest);
    FILE *f = fopen(dest, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < p->size; i++)
        fputc((int)(i * 7 % 251), f);
    assert_int_equal(fclose(f), 0);
    return OST_OK;
}

static void write_produced(const char *wim, struct pattern *p, ost_status expect)
{
    struct ost_wim_session *s;
    struct ost_target *t;
    struct ost_error err;
    assert_ost_ok(ost_wim_session_open(wim, true, &s, &err), &err);
    assert_ost_ok(ost_wim_target(s, 1, &t, &err), &err);
    struct ost_producer prod = {produce_pattern, p, 1};
    ost_status st = ost_target_write_produced(t, "Windows\\System32\\config\\SOFTWARE", &prod, &err);
    assert_int_equal(st, expect);
    if (st == OST_OK) {
        assert_ost_ok(ost_target_commit(t, &err), &err);
        assert_ost_ok(ost_wim_session_commit(s, &err), &err);
    }
    ost_target_close(t);
    ost_wim_session_close(s);
}

/* Bytes beyond the producer's estimate overflow the NTFS volume they are
 * streamed into; they must then arrive whole, by the scratch-file route,
 * still with the original's metadata. */
static void test_produced_beyond_estimate(void **state)
{
    (void)state;
    skip_without_mkntfs();
    char *dir = t_mkdtemp();
    char *wim = prepare_wim(dir);
    struct seen before = look(wim, "/Windows/System32/config/SOFTWARE");
    struct pattern p = {24u << 20, false};
    write_produced(wim, &p, OST_OK);
    struct seen after = look(wim, "/Windows/System32/config/SOFTWARE");
    assert_int_equal(after.sd_size, before.sd_size);
    assert_memory_equal(after.sd, before.sd, before.sd_size);
    assert_int_equal(after.attributes, before.attributes);
    char *check = ost_xasprintf("cd '%s' && wimlib-imagex extract install.wim 1 /Windows/System32/config/SOFTWARE "
                                "--dest-dir=. --no-acls >/dev/null 2>&1 && stat -c %%s SOFTWARE", dir);
    FILE *f = popen(check, "r");
    unsigned long size = 0;
    assert_int_equal(fscanf(f, "%lu", &size), 1);
    pclose(f);
    assert_int_equal(size, p.size);
    char *sw = ost_path_join(dir, "SOFTWARE");
    uint8_t *data;
    size_t n;
    struct ost_error err;
    assert_ost_ok(ost_read_file(sw, 64u << 20, &data, &n, &err), &err);
    assert_int_equal(n, p.size);
    for (size_t i = 0; i < p.size; i += 4099)
        assert_int_equal(data[i], (uint8_t)(i * 7 % 251));
    free(data);
    free(sw), free(check), free(wim);
    t_rm_rf(dir);
    free(dir);
}

/* A failing producer is reported and stages nothing. */
static void test_failing_producer(void **state)
{
    (void)state;
    skip_without_mkntfs();
    char *dir = t_mkdtemp();
    char *wim = prepare_wim(dir);
    uint8_t *before, *after;
    size_t nb, na;
    struct ost_error err;
    assert_ost_ok(ost_read_file(wim, 64u << 20, &before, &nb, &err), &err);
    struct pattern p = {100, true};
    write_produced(wim, &p, OST_ERR_IO);
    assert_ost_ok(ost_read_file(wim, 64u << 20, &after, &na, &err), &err);
    assert_int_equal(na, nb);
    assert_memory_equal(after, before, nb);
    free(before), free(after);
    free(wim);
    t_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replaced_hive_keeps_windows_metadata),
        cmocka_unit_test(test_produced_beyond_estimate),
        cmocka_unit_test(test_failing_producer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
