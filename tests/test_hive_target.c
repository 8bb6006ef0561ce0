/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hives (regf.c, hive.c) and the directory target's transactions (target_dir.c). */
#include "testutil.h"

#include "hive.h"
#include "regf.h"
#include "target.h"

/* ---- hives ---------------------------------------------------------------- */

static struct ost_hive *fresh_hive(const char *dir, char **path)
{
    *path = ost_path_join(dir, "TEST");
    struct ost_error err;
    assert_ost_ok(ost_regf_write_empty(*path, "ROOT", &err), &err);
    struct ost_hive *h;
    struct ost_hive_open_options o = {.writable = true};
    if (ost_hive_open(*path, &o, &h, &err) != OST_OK)
        fail_msg("%s", err.message);
    return h;
}

static void test_values_round_trip(void **state)
{
    (void)state;
    char *dir = t_mkdtemp(), *path;
    struct ost_hive *h = fresh_hive(dir, &path);
    struct ost_error err;
    ost_hkey k;
    assert_ost_ok(ost_hive_create_key(h, 0, "Microsoft\\Windows\\CurrentVersion", &k, &err), &err);
    assert_ost_ok(ost_hive_set_string(h, k, "DevicePath", OST_REG_EXPAND_SZ, "%SystemRoot%\\inf", &err), &err);
    assert_ost_ok(ost_hive_set_string(h, k, "", OST_REG_SZ, "default \xC3\xA9", &err), &err);
    assert_ost_ok(ost_hive_set_dword(h, k, "Start", 3, &err), &err);
    struct ost_strlist ids = {0};
    ost_strlist_add(&ids, "PCI\\VEN_1AF4&DEV_1059&REV_01");
    ost_strlist_add(&ids, "PCI\\VEN_1AF4&DEV_1059");
    assert_ost_ok(ost_hive_set_multi_string(h, k, "HardwareID", &ids, &err), &err);
    assert_ost_ok(ost_hive_set_raw(h, k, "Bin", OST_REG_BINARY, "\x01", 1, &err), &err);
    assert_ost_ok(ost_hive_set_dword(h, k, "Gone", 1, &err), &err);
    assert_ost_ok(ost_hive_delete_value(h, k, "gone", &err), &err);
    ost_hkey doomed;
    assert_ost_ok(ost_hive_create_key(h, 0, "Doomed\\Child", &doomed, &err), &err);
    assert_ost_ok(ost_hive_delete_key(h, ost_hive_key(h, 0, "doomed"), &err), &err);
    assert_true(ost_hive_modified(h));
    char *saved = ost_path_join(dir, "SAVED");
    assert_ost_ok(ost_hive_save(h, saved, &err), &err);
    ost_hive_close(h);

    struct ost_hive *r;
    assert_ost_ok(ost_hive_open(saved, NULL, &r, &err), &err);
    ost_hkey rk = ost_hive_key(r, 0, "microsoft\\WINDOWS\\currentversion");
    assert_true(rk != 0);
    char *dp = ost_hive_get_string(r, rk, "devicepath");
    assert_string_equal(dp, "%SystemRoot%\\inf");
    char *def = ost_hive_get_string(r, rk, "");
    assert_string_equal(def, "default \xC3\xA9");
    uint32_t v;
    assert_true(ost_hive_get_dword(r, rk, "Start", &v));
    assert_int_equal(v, 3);
    assert_false(ost_hive_get_dword(r, rk, "DevicePath", &v)); /* wrong type */
    struct ost_strlist back = {0};
    assert_true(ost_hive_get_multi_string(r, rk, "HardwareID", &back));
    assert_int_equal(back.n, 2);
    assert_string_equal(back.v[1], "PCI\\VEN_1AF4&DEV_1059");
    assert_null(ost_hive_get_string(r, rk, "Gone"));
    assert_int_equal(ost_hive_key(r, 0, "Doomed"), 0);
    ost_hive_close(r);

    /* an independent reader agrees */
    char *cmd = ost_xasprintf("hivexregedit --export '%s' '\\Microsoft\\Windows\\CurrentVersion' 2>/dev/null"
                              " | grep -c '^\"DevicePath\"=hex(2):'", saved);
    FILE *p = popen(cmd, "r");
    char line[32] = "";
    if (p && fgets(line, sizeof line, p))
        assert_string_equal(line, "1\n");
    if (p)
        pclose(p);
    free(cmd), free(dp), free(def), free(saved), free(path);
    ost_strlist_free(&ids), ost_strlist_free(&back);
    t_rm_rf(dir);
    free(dir);
}

static void patch_base_block(const char *path, size_t offset, uint32_t value, bool fix_checksum)
{
    uint8_t *d;
    size_t n;
    struct ost_error err;
    assert_ost_ok(ost_read_file(path, 1u << 30, &d, &n, &err), &err);
    d[offset] = (uint8_t)value, d[offset + 1] = (uint8_t)(value >> 8);
    d[offset + 2] = (uint8_t)(value >> 16), d[offset + 3] = (uint8_t)(value >> 24);
    if (fix_checksum) {
        uint32_t x = 0;
        for (int i = 0; i < 508; i += 4)
            x ^= ost_le32(d + i);
        d[508] = (uint8_t)x, d[509] = (uint8_t)(x >> 8), d[510] = (uint8_t)(x >> 16), d[511] = (uint8_t)(x >> 24);
    }
    t_write(path, d, n);
    free(d);
}

static void test_base_block_checks(void **state)
{
    (void)state;
    char *dir = t_mkdtemp(), *path;
    ost_hive_close(fresh_hive(dir, &path));
    struct ost_hive *h;
    struct ost_error err;

    patch_base_block(path, 8, 2, true); /* sequence 1 != 2: dirty */
    assert_int_equal(ost_hive_open(path, NULL, &h, &err), OST_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "dirty"));
    assert_non_null(strstr(err.message, "offset 4"));
    struct ost_hive_open_options force = {.allow_dirty = true};
    assert_ost_ok(ost_hive_open(path, &force, &h, &err), &err);
    ost_hive_close(h);

    patch_base_block(path, 8, 1, false); /* content changed, checksum not */
    assert_int_equal(ost_hive_open(path, NULL, &h, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "offset 508"));

    patch_base_block(path, 8, 1, true);
    patch_base_block(path, 40, 0x100000, true); /* claims 1 MiB of bins */
    assert_int_equal(ost_hive_open(path, NULL, &h, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "truncated"));

    char junk[4096 + 64];
    memset(junk, 'x', sizeof junk);
    t_write(path, junk, sizeof junk);
    assert_int_equal(ost_hive_open(path, NULL, &h, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "regf"));
    free(path);
    t_rm_rf(dir);
    free(dir);
}

static void test_real_system_hive(void **state)
{
    (void)state;
    char *xz = t_shared_path("fixtures/hives/win7sp1-SYSTEM.xz");
    if (!xz)
        skip();
    char *dir = t_mkdtemp();
    char *path = ost_path_join(dir, "SYSTEM");
    char *cmd = ost_xasprintf("xz -dc '%s' > '%s'", xz, path);
    assert_int_equal(system(cmd), 0);
    struct ost_hive *h;
    struct ost_error err;
    assert_ost_ok(ost_hive_open(path, NULL, &h, &err), &err);
    uint32_t cur;
    assert_true(ost_hive_get_dword(h, ost_hive_key(h, 0, "Select"), "Current", &cur));
    assert_int_equal(cur, 1);
    struct ost_strlist cdd = {0};
    ost_hive_subkeys(h, ost_hive_key(h, 0, "ControlSet001\\Control\\CriticalDeviceDatabase"), &cdd);
    assert_int_equal(cdd.n, 2548); /* the brief's count */
    char *svc = ost_hive_get_string(h, ost_hive_key(h, 0, "ControlSet001\\Control\\CriticalDeviceDatabase\\pci#ven_1000&dev_0030"),
                                    "Service");
    assert_string_equal(svc, "LSI_SCSI");
    ost_strlist_free(&cdd);
    ost_hive_close(h);
    free(svc), free(cmd), free(path), free(xz);
    t_rm_rf(dir);
    free(dir);
}

/* ---- directory target ------------------------------------------------------ */

static char *tree(void)
{
    char *root = t_mkdtemp();
    char *w = ost_path_join(root, "Windows");
    char *f = t_in(w, "Existing.txt");
    t_write_str(f, "original");
    char *blocker = ost_path_join(root, "Blocker");
    t_write_str(blocker, "a file where a directory would be needed");
    free(w), free(f), free(blocker);
    return root;
}

static char *slurp(const char *root, const char *rel)
{
    char *p = ost_path_join(root, rel);
    uint8_t *d;
    size_t n;
    struct ost_error err;
    char *s = ost_read_file(p, 1 << 20, &d, &n, &err) == OST_OK ? (char *)d : NULL;
    free(p);
    return s;
}

static void test_target_case_insensitive_and_commit(void **state)
{
    (void)state;
    char *root = tree();
    struct ost_target *t;
    struct ost_error err;
    assert_ost_ok(ost_target_open_dir(root, true, &t, &err), &err);
    assert_int_equal(ost_target_stat(t, "WINDOWS\\existing.TXT"), 1);
    assert_int_equal(ost_target_stat(t, "windows"), 2);
    assert_int_equal(ost_target_stat(t, "Windows\\nothere"), 0);
    assert_ost_ok(ost_target_write_bytes(t, "windows\\EXISTING.txt", "new", 3, &err), &err);
    assert_ost_ok(ost_target_write_bytes(t, "Windows\\offstage\\a\\b.txt", "deep", 4, &err), &err);
    assert_int_equal(ost_target_write_bytes(t, "..\\escape.txt", "x", 1, &err), OST_ERR_CORRUPT);
    /* nothing visible before commit */
    char *s = slurp(root, "Windows/Existing.txt");
    assert_string_equal(s, "original");
    free(s);
    assert_ost_ok(ost_target_commit(t, &err), &err);
    ost_target_close(t);
    s = slurp(root, "Windows/Existing.txt");
    assert_string_equal(s, "new"); /* the existing name's case is kept */
    free(s);
    s = slurp(root, "Windows/offstage/a/b.txt");
    assert_string_equal(s, "deep");
    free(s);
    t_rm_rf(root);
    free(root);
}

static void test_target_abort_and_rollback(void **state)
{
    (void)state;
    char *root = tree();
    char *snap_cmd = ost_xasprintf("cd '%s' && find . | sort && cat Windows/Existing.txt", root);
    char before[4096] = "", after[4096] = "";
    FILE *p = popen(snap_cmd, "r");
    size_t nb = fread(before, 1, sizeof before - 1, p);
    pclose(p);
    before[nb] = '\0';

    struct ost_target *t;
    struct ost_error err;
    /* staged, then closed without commit */
    assert_ost_ok(ost_target_open_dir(root, true, &t, &err), &err);
    assert_ost_ok(ost_target_write_bytes(t, "Windows\\Existing.txt", "changed", 7, &err), &err);
    ost_target_close(t);

    /* a commit that fails half-way: the first two steps are undone */
    assert_ost_ok(ost_target_open_dir(root, true, &t, &err), &err);
    assert_ost_ok(ost_target_write_bytes(t, "Windows\\Existing.txt", "changed", 7, &err), &err);
    assert_ost_ok(ost_target_write_bytes(t, "Windows\\New\\Dir\\new.txt", "new", 3, &err), &err);
    assert_ost_ok(ost_target_write_bytes(t, "Blocker\\inside.txt", "x", 1, &err), &err);
    assert_int_not_equal(ost_target_commit(t, &err), OST_OK);
    ost_target_close(t);

    p = popen(snap_cmd, "r");
    size_t na = fread(after, 1, sizeof after - 1, p);
    pclose(p);
    after[na] = '\0';
    assert_string_equal(before, after);
    free(snap_cmd);
    t_rm_rf(root);
    free(root);
}

static void test_target_read_only(void **state)
{
    (void)state;
    char *root = tree();
    struct ost_target *t;
    struct ost_error err;
    assert_ost_ok(ost_target_open_dir(root, false, &t, &err), &err);
    assert_int_equal(ost_target_write_bytes(t, "Windows\\x.txt", "x", 1, &err), OST_ERR_USAGE);
    assert_non_null(strstr(err.message, "read-only"));
    ost_target_close(t);
    char *file = ost_path_join(root, "Blocker");
    assert_int_equal(ost_target_open_dir(file, false, &t, &err), OST_ERR_USAGE);
    assert_int_equal(ost_target_open_dir("/nonexistent/image", false, &t, &err), OST_ERR_IO);
    free(file);
    t_rm_rf(root);
    free(root);
}

/* Paths from the image itself (a hive's InfPath) are refused for reading
 * when they would leave it, whatever lies outside. */
static void test_target_reads_stay_inside(void **state)
{
    (void)state;
    char *root = tree();
    char *outside = ost_xasprintf("%s.outside", root);
    t_write_str(outside, "secret");
    struct ost_target *t;
    struct ost_error err;
    assert_ost_ok(ost_target_open_dir(root, false, &t, &err), &err);
    char *rel = ost_xasprintf("..\\%s", ost_path_basename(outside));
    const char *bad[] = {rel, "Windows\\..\\..\\etc\\passwd", "\\etc\\passwd", "C:\\boot.ini", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t *data = NULL;
        size_t size;
        char *local = NULL;
        struct ost_strlist names = {0};
        assert_int_equal(ost_target_read_file(t, bad[i], 1024, &data, &size, &err), OST_ERR_CORRUPT);
        assert_non_null(strstr(err.message, "would leave the image"));
        assert_int_equal(ost_target_stat(t, bad[i]), 0);
        assert_int_equal(ost_target_local_path(t, bad[i], UINT64_MAX, &local, &err), OST_ERR_CORRUPT);
        assert_int_equal(ost_target_list_dir(t, bad[i], &names, &err), OST_ERR_CORRUPT);
        assert_null(data), assert_null(local);
    }
    ost_target_close(t);
    unlink(outside);
    free(rel), free(outside);
    t_rm_rf(root);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_round_trip),
        cmocka_unit_test(test_base_block_checks),
        cmocka_unit_test(test_real_system_hive),
        cmocka_unit_test(test_target_case_insensitive_and_commit),
        cmocka_unit_test(test_target_abort_and_rollback),
        cmocka_unit_test(test_target_read_only),
        cmocka_unit_test(test_target_reads_stay_inside),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
