/* SPDX-License-Identifier: GPL-3.0-or-later */
/* BCD stores (bcd.c): real Windows-written stores, inheritance, edits, bad input. */
#include "testutil.h"

#include "bcd.h"
#include "regf.h"
#include "testimage.h"

#define SETUP_LOADER "{7619dcc9-fafe-11d9-b411-000476eba25f}"
#define WIN10_LOADER "{733b62e5-f608-11eb-825c-c112f60133ab}"
#define WINRE_LOADER "{733b62e6-f608-11eb-825c-c112f60133ab}"

/* Decompresses a ../shared/fixtures/bcd store into dir; NULL when absent. */
static char *fixture(const char *dir, const char *name)
{
    char *rel = ost_xasprintf("fixtures/bcd/%s.xz", name);
    char *xz = t_shared_path(rel);
    free(rel);
    if (!xz)
        return NULL;
    char *out = ost_path_join(dir, name);
    char *cmd = ost_xasprintf("xz -dc '%s' > '%s'", xz, out);
    assert_int_equal(system(cmd), 0);
    free(cmd), free(xz);
    return out;
}

static struct ost_bcd *open_store(const char *path, bool writable)
{
    struct ost_bcd *b;
    struct ost_error err;
    if (ost_bcd_open(path, writable, false, &b, &err) != OST_OK)
        fail_msg("%s", err.message);
    return b;
}

/* What an independent reader says: the output of a shell command. */
static char *command_output(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    struct ost_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        ost_buf_add(&b, chunk, n);
    pclose(p);
    return ost_buf_steal(&b);
}

static size_t count_objects_hivex(const char *path)
{
    char *cmd = ost_xasprintf("hivexregedit --export '%s' '\\Objects' | grep -Ec '^\\[\\\\Objects\\\\\\{[^\\\\]*\\]$'", path);
    char *out = command_output(cmd);
    size_t n = strtoul(out, NULL, 10);
    free(cmd), free(out);
    return n;
}

static char *hivexget_element(const char *path, const char *guid, const char *element)
{
    char *cmd = ost_xasprintf("hivexget '%s' '\\Objects\\%s\\Elements\\%s' Element", path, guid, element);
    char *out = command_output(cmd);
    free(cmd);
    char *nl = strchr(out, '\n');
    if (nl)
        *nl = '\0';
    return out;
}

/* ---- real stores ------------------------------------------------------------ */

static void test_setup_media_store(void **state)
{
    (void)state;
    char *dir = t_mkdtemp(), *path = fixture(dir, "usbboot-bios-BCD");
    if (!path) {
        t_rm_rf(dir), free(dir);
        skip();
    }
    struct ost_bcd *b = open_store(path, false);
    assert_int_equal(b->n, count_objects_hivex(path));
    struct ost_bcd_object *mgr = ost_bcd_find(b, "{bootmgr}");
    assert_non_null(mgr);
    assert_true(mgr->has_type);
    assert_int_equal(mgr->type, OST_BCD_TYPE_BOOTMGR);
    assert_string_equal(mgr->default_obj, SETUP_LOADER);
    struct ost_bcd_object *ldr = ost_bcd_find(b, "{default}");
    assert_non_null(ldr);
    assert_string_equal(ldr->guid, SETUP_LOADER);
    assert_true(ost_bcd_is_loader(ldr));
    char *desc = hivexget_element(path, SETUP_LOADER, "12000004");
    assert_string_equal(ldr->description, desc);
    assert_string_equal(ldr->description, "Windows Setup");
    assert_string_equal(ldr->path, "\\windows\\system32\\boot\\winload.exe");
    assert_string_equal(ldr->device, "ramdisk=[boot]\\sources\\boot.wim,{7619dcc8-fafe-11d9-b411-000476eba25f}");
    assert_string_equal(ldr->osdevice, ldr->device);
    assert_int_equal(ldr->inherit.n, 1);
    assert_string_equal(ost_bcd_display_id(b, ldr->inherit.v[0]), "{bootloadersettings}");
    assert_string_equal(ost_bcd_find(b, "{memdiag}")->device, "boot");
    assert_false(ldr->flags[OST_BCD_TESTSIGNING].set);
    assert_false(ldr->flags[OST_BCD_TESTSIGNING].effective);
    assert_null(ldr->flags[OST_BCD_TESTSIGNING].from);
    size_t *idx, n;
    ost_bcd_scope scope;
    struct ost_error err;
    assert_ost_ok(ost_bcd_targets(b, NULL, &idx, &n, &scope, &err), &err);
    assert_int_equal(scope, OST_BCD_SCOPE_LOADERS);
    assert_int_equal(n, 1);
    assert_ptr_equal(&b->v[idx[0]], ldr);
    free(idx);
    ost_bcd_close(b);
    free(desc), free(path);
    t_rm_rf(dir), free(dir);
}

static void test_win10_efi_store_set(void **state)
{
    (void)state;
    char *dir = t_mkdtemp(), *path = fixture(dir, "regipy-BCD");
    if (!path) {
        t_rm_rf(dir), free(dir);
        skip();
    }
    struct ost_bcd *b = open_store(path, true);
    assert_non_null(ost_bcd_find(b, "{fwbootmgr}"));
    assert_string_equal(ost_bcd_find(b, "{default}")->guid, WIN10_LOADER);
    assert_string_equal(ost_bcd_find(b, "{default}")->description, "Windows 10");
    assert_string_equal(ost_bcd_find(b, WINRE_LOADER)->description, "Windows Recovery Environment");
    assert_non_null(strstr(ost_bcd_find(b, WINRE_LOADER)->device, "\\Recovery\\WindowsRE\\Winre.wim"));
    struct ost_error err;
    ost_bcd_scope scope;
    assert_int_equal(ost_bcd_flag_on(b, OST_BCD_TESTSIGNING, &scope, &err), OST_NEGATIVE);
    size_t *idx, n;
    assert_ost_ok(ost_bcd_targets(b, NULL, &idx, &n, &scope, &err), &err);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        bool changed;
        assert_ost_ok(ost_bcd_set_flag(b, idx[i], OST_BCD_TESTSIGNING, true, &changed, &err), &err);
        assert_true(changed);
    }
    free(idx);
    assert_ost_ok(ost_bcd_flag_on(b, OST_BCD_TESTSIGNING, &scope, &err), &err);
    assert_ost_ok(ost_bcd_save(b, &err), &err);
    ost_bcd_close(b);

    /* read back: by us, and by hivex's own tools */
    b = open_store(path, true);
    assert_true(ost_bcd_find(b, WINRE_LOADER)->flags[OST_BCD_TESTSIGNING].set);
    assert_true(ost_bcd_find(b, WINRE_LOADER)->flags[OST_BCD_TESTSIGNING].effective);
    assert_false(ost_bcd_find(b, "{bootloadersettings}")->flags[OST_BCD_TESTSIGNING].set);
    char *cmd = ost_xasprintf("hivexregedit --export '%s' '\\Objects\\%s\\Elements\\16000049'", path, WIN10_LOADER);
    char *reg = command_output(cmd);
    assert_non_null(strstr(reg, "\"Element\"=hex(3):01\n"));
    free(cmd), free(reg);
    /* idempotent: nothing changes, nothing is marked modified */
    bool changed = true;
    assert_ost_ok(ost_bcd_set_flag(b, (size_t)(ost_bcd_find(b, WIN10_LOADER) - b->v), OST_BCD_TESTSIGNING, true,
                                      &changed, &err), &err);
    assert_false(changed);
    assert_false(ost_bcd_modified(b));
    ost_bcd_close(b);
    free(path);
    t_rm_rf(dir), free(dir);
}

/* ---- stores built here --------------------------------------------------------- */

static struct ost_hive *empty_store(const char *path)
{
    struct ost_error err;
    assert_ost_ok(ost_regf_write_empty(path, "NewStoreRoot", &err), &err);
    struct ost_hive *h;
    struct ost_hive_open_options o = {.writable = true};
    assert_ost_ok(ost_hive_open(path, &o, &h, &err), &err);
    ost_hkey k;
    assert_ost_ok(ost_hive_create_key(h, 0, "Objects", &k, &err), &err);
    return h;
}

static void add_object(struct ost_hive *h, const char *guid, uint32_t type, const char *inherit1, const char *inherit2)
{
    struct ost_error err;
    ost_hkey k;
    char *p = ost_xasprintf("Objects\\%s\\Description", guid);
    assert_ost_ok(ost_hive_create_key(h, 0, p, &k, &err), &err);
    assert_ost_ok(ost_hive_set_dword(h, k, "Type", type, &err), &err);
    free(p);
    if (!inherit1)
        return;
    struct ost_strlist l = {0};
    ost_strlist_add(&l, inherit1);
    if (inherit2)
        ost_strlist_add(&l, inherit2);
    p = ost_xasprintf("Objects\\%s\\Elements\\14000006", guid);
    assert_ost_ok(ost_hive_create_key(h, 0, p, &k, &err), &err);
    assert_ost_ok(ost_hive_set_multi_string(h, k, "Element", &l, &err), &err);
    ost_strlist_free(&l);
    free(p);
}

static void add_bool(struct ost_hive *h, const char *guid, uint32_t element, uint8_t v)
{
    struct ost_error err;
    ost_hkey k;
    char *p = ost_xasprintf("Objects\\%s\\Elements\\%08x", guid, element);
    assert_ost_ok(ost_hive_create_key(h, 0, p, &k, &err), &err);
    assert_ost_ok(ost_hive_set_raw(h, k, "Element", OST_REG_BINARY, &v, 1, &err), &err);
    free(p);
}

static struct ost_bcd *store_from(struct ost_hive *h, const char *path)
{
    struct ost_error err;
    assert_ost_ok(ost_hive_save(h, path, &err), &err);
    ost_hive_close(h);
    return open_store(path, true);
}

#define A "{00000000-0000-0000-0000-00000000000a}"
#define B "{00000000-0000-0000-0000-00000000000b}"
#define C "{00000000-0000-0000-0000-00000000000c}"
#define LOADER "{00000000-0000-0000-0000-0000000000ff}"

static void test_inherit_chain(void **state)
{
    (void)state;
    char *dir = t_mkdtemp(), *path = ost_path_join(dir, "BCD");
    struct ost_hive *h = empty_store(path);
    /* loader → A, C; A → B; B → A (a cycle); C has testsigning on, B has it off further down */
    add_object(h, LOADER, OST_BCD_TYPE_LOADER, A, C);
    add_object(h, A, 0x20200003, B, NULL);
    add_object(h, B, 0x20100000, A, NULL);
    add_object(h, C, 0x20100000, NULL, NULL);
    add_bool(h, C, OST_BCD_EL_TESTSIGNING, 1);
    add_bool(h, B, OST_BCD_EL_NOINTEGRITYCHECKS, 1);
    struct ost_bcd *b = store_from(h, path);
    const struct ost_bcd_object *ldr = ost_bcd_find(b, LOADER);
    assert_true(ldr->flags[OST_BCD_TESTSIGNING].effective);
    assert_string_equal(ldr->flags[OST_BCD_TESTSIGNING].from, C);
    assert_true(ldr->flags[OST_BCD_NOINTEGRITYCHECKS].effective);
    assert_string_equal(ldr->flags[OST_BCD_NOINTEGRITYCHECKS].from, B);
    assert_false(ost_bcd_find(b, A)->flags[OST_BCD_TESTSIGNING].effective);
    /* the loader's own element wins over what it inherits */
    struct ost_error err;
    bool changed;
    assert_ost_ok(ost_bcd_set_flag(b, (size_t)(ldr - b->v), OST_BCD_TESTSIGNING, false, &changed, &err), &err);
    assert_true(changed);
    assert_false(ldr->flags[OST_BCD_TESTSIGNING].effective);
    assert_string_equal(ldr->flags[OST_BCD_TESTSIGNING].from, LOADER);
    ost_bcd_scope scope;
    assert_int_equal(ost_bcd_flag_on(b, OST_BCD_TESTSIGNING, &scope, &err), OST_NEGATIVE);
    assert_int_equal(scope, OST_BCD_SCOPE_LOADERS);
    ost_bcd_close(b);
    free(path);
    t_rm_rf(dir), free(dir);
}

static void test_template_scope(void **state)
{
    (void)state;
    char *dir = t_mkdtemp(), *path = ost_path_join(dir, "BCD");
    struct ost_hive *h = empty_store(path);
    add_object(h, OST_BCD_BOOTMGR_GUID, OST_BCD_TYPE_BOOTMGR, OST_BCD_GLOBALSETTINGS_GUID, NULL);
    add_object(h, OST_BCD_BOOTLOADERSETTINGS_GUID, 0x20200003, OST_BCD_GLOBALSETTINGS_GUID, NULL);
    add_object(h, OST_BCD_GLOBALSETTINGS_GUID, 0x20100000, NULL, NULL);
    struct ost_bcd *b = store_from(h, path);
    struct ost_error err;
    ost_bcd_scope scope;
    size_t *idx, n;
    assert_ost_ok(ost_bcd_targets(b, NULL, &idx, &n, &scope, &err), &err);
    assert_int_equal(scope, OST_BCD_SCOPE_TEMPLATE);
    assert_int_equal(n, 1);
    assert_string_equal(b->v[idx[0]].guid, OST_BCD_BOOTLOADERSETTINGS_GUID);
    assert_string_equal(ost_bcd_identifier(&b->v[idx[0]]), "{bootloadersettings}");
    assert_int_equal(ost_bcd_flag_on(b, OST_BCD_TESTSIGNING, &scope, &err), OST_NEGATIVE);
    bool changed;
    assert_ost_ok(ost_bcd_set_flag(b, idx[0], OST_BCD_TESTSIGNING, true, &changed, &err), &err);
    assert_ost_ok(ost_bcd_flag_on(b, OST_BCD_TESTSIGNING, &scope, &err), &err);
    assert_int_equal(scope, OST_BCD_SCOPE_TEMPLATE);
    free(idx);
    /* --object narrows to any object, by alias or GUID, in any case */
    assert_ost_ok(ost_bcd_targets(b, "{GlobalSettings}", &idx, &n, &scope, &err), &err);
    assert_int_equal(scope, OST_BCD_SCOPE_OBJECT);
    assert_string_equal(b->v[idx[0]].guid, OST_BCD_GLOBALSETTINGS_GUID);
    free(idx);
    assert_int_equal(ost_bcd_targets(b, "{12345678-0000-0000-0000-000000000000}", &idx, &n, &scope, &err),
                     OST_ERR_USAGE);
    assert_non_null(strstr(err.message, "{12345678-0000-0000-0000-000000000000}"));
    ost_bcd_close(b);
    free(path);
    t_rm_rf(dir), free(dir);
}

static void test_no_loader_no_settings(void **state)
{
    (void)state;
    char *dir = t_mkdtemp(), *path = ost_path_join(dir, "BCD");
    struct ost_hive *h = empty_store(path);
    add_object(h, OST_BCD_BOOTMGR_GUID, OST_BCD_TYPE_BOOTMGR, NULL, NULL);
    struct ost_bcd *b = store_from(h, path);
    struct ost_error err;
    ost_bcd_scope scope;
    size_t *idx = NULL, n;
    assert_int_equal(ost_bcd_targets(b, NULL, &idx, &n, &scope, &err), OST_NEGATIVE);
    assert_null(idx);
    assert_non_null(strstr(err.message, "no Windows Boot Loader object"));
    assert_int_equal(ost_bcd_flag_on(b, OST_BCD_TESTSIGNING, &scope, &err), OST_NEGATIVE);
    ost_bcd_close(b);
    free(path);
    t_rm_rf(dir), free(dir);
}

static void test_test_image_template(void **state)
{
    (void)state;
    char *dir = t_mkdtemp(), *img = ost_path_join(dir, "img");
    struct ost_test_image_options o = {.arch = OST_ARCH_AMD64};
    struct ost_error err;
    assert_ost_ok(ost_make_test_image(img, &o, &err), &err);
    char *path = ost_path_join(img, "Windows/System32/config/BCD-Template");
    struct ost_bcd *b = open_store(path, false);
    for (size_t i = 0; i < b->n; i++) {
        assert_true(b->v[i].has_type);
        assert_false(ost_bcd_is_loader(&b->v[i]));
    }
    const struct ost_bcd_object *s = ost_bcd_find(b, "{bootloadersettings}");
    assert_non_null(s);
    assert_int_equal(s->inherit.n, 2);
    for (size_t i = 0; i < s->inherit.n; i++)
        assert_non_null(ost_bcd_find(b, s->inherit.v[i])); /* every reference resolves */
    assert_non_null(ost_bcd_find(b, "{bootmgr}"));
    assert_non_null(ost_bcd_find(b, "{globalsettings}"));
    ost_bcd_close(b);
    free(path), free(img);
    t_rm_rf(dir), free(dir);
}

/* The one opener of an image's template: read, edited and staged back
 * through the image (hivexget reads the edit), and absent as a "no". */
static void test_image_template_opener(void **state)
{
    (void)state;
    char *dir = t_mkdtemp(), *img_dir = ost_path_join(dir, "img");
    struct ost_test_image_options o = {.arch = OST_ARCH_AMD64};
    struct ost_error err;
    assert_ost_ok(ost_make_test_image(img_dir, &o, &err), &err);
    struct ost_image_options io = {.writable = true};
    struct ost_image *img;
    assert_ost_ok(ost_image_open_dir(img_dir, &io, &img, &err), &err);
    struct ost_bcd *b;
    assert_ost_ok(ost_bcd_open_template(img, true, &b, &err), &err);
    assert_non_null(strstr(b->name, "BCD-Template"));
    assert_ost_ok(ost_bcd_stage_template(img, b, &err), &err); /* unmodified: nothing staged */
    struct ost_bcd_object *s = ost_bcd_find(b, "{bootloadersettings}");
    assert_non_null(s);
    bool changed = false;
    assert_ost_ok(ost_bcd_set_flag(b, (size_t)(s - b->v), OST_BCD_TESTSIGNING, true, &changed, &err), &err);
    assert_true(changed);
    assert_ost_ok(ost_bcd_stage_template(img, b, &err), &err);
    ost_bcd_close(b);
    assert_ost_ok(ost_image_commit(img, &err), &err);
    ost_image_close(img);
    char *path = ost_path_join(img_dir, "Windows/System32/config/BCD-Template");
    char *cmd = ost_xasprintf("hivexregedit --export '%s' '\\Objects\\%s\\Elements\\16000049'", path,
                              OST_BCD_BOOTLOADERSETTINGS_GUID);
    char *el = command_output(cmd);
    assert_non_null(strstr(el, "\"Element\"=hex(3):01"));
    free(el), free(cmd);

    assert_int_equal(unlink(path), 0);
    io.writable = false;
    assert_ost_ok(ost_image_open_dir(img_dir, &io, &img, &err), &err);
    b = (struct ost_bcd *)1;
    assert_int_equal(ost_bcd_open_template(img, false, &b, &err), OST_NEGATIVE);
    assert_null(b);
    assert_non_null(strstr(err.message, "BCD-Template not found"));
    ost_image_close(img);
    free(path), free(img_dir);
    t_rm_rf(dir), free(dir);
}

/* ---- bad input -------------------------------------------------------------------- */

static void expect_refused(const char *path, ost_status want)
{
    uint8_t *before, *after;
    size_t nb, na;
    struct ost_error err;
    assert_ost_ok(ost_read_file(path, 1u << 26, &before, &nb, &err), &err);
    struct ost_bcd *b = (struct ost_bcd *)1;
    ost_status st = ost_bcd_open(path, true, false, &b, &err);
    assert_int_not_equal(st, OST_OK);
    if (want != OST_OK)
        assert_int_equal(st, want);
    assert_null(b);
    assert_non_null(strstr(err.message, path));
    assert_ost_ok(ost_read_file(path, 1u << 26, &after, &na, &err), &err);
    assert_int_equal(na, nb);
    assert_memory_equal(after, before, nb);
    free(before), free(after);
}

static void test_bad_input(void **state)
{
    (void)state;
    char *dir = t_mkdtemp(), *text = ost_path_join(dir, "BCD");
    t_write_str(text, "Windows Registry Editor Version 5.00\r\n");
    expect_refused(text, OST_ERR_CORRUPT);
    char *objectless = ost_path_join(dir, "NOOBJECTS");
    struct ost_error err;
    assert_ost_ok(ost_regf_write_empty(objectless, "ROOT", &err), &err);
    expect_refused(objectless, OST_ERR_CORRUPT);
    struct ost_bcd *b;
    ost_bcd_open(objectless, false, false, &b, &err);
    assert_non_null(strstr(err.message, "no Objects key"));
    const char *bad[] = {"fixtures/bad-hives/TruncatedHive", "fixtures/bad-hives/GarbageHive",
                         "fixtures/bad-hives/EmptyHive"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *src = t_shared_path(bad[i]);
        if (!src)
            continue;
        char *copy = ost_path_join(dir, ost_path_basename(src));
        t_copy(src, copy);
        expect_refused(copy, OST_OK);
        free(copy), free(src);
    }
    char *dirty = t_shared_path("fixtures/bad-hives/OldDirtyHive");
    if (dirty) {
        char *copy = ost_path_join(dir, "OldDirtyHive");
        t_copy(dirty, copy);
        expect_refused(copy, OST_ERR_UNSUPPORTED); /* writing a dirty hive needs --force */
        free(copy), free(dirty);
    }
    free(text), free(objectless);
    t_rm_rf(dir), free(dir);
}

static void test_names(void **state)
{
    (void)state;
    ost_bcd_flag f;
    assert_true(ost_bcd_parse_flag("TestSigning", &f));
    assert_int_equal(f, OST_BCD_TESTSIGNING);
    assert_int_equal(ost_bcd_flag_element(f), 0x16000049);
    assert_true(ost_bcd_parse_flag("nointegritychecks", &f));
    assert_int_equal(ost_bcd_flag_element(f), 0x16000048);
    assert_false(ost_bcd_parse_flag("bootlog", &f));
    struct ost_bcd_object o = {.guid = "{x}", .has_type = true, .type = 0x101fffff};
    char buf[64];
    assert_string_equal(ost_bcd_object_heading(&o, buf), "Application (101fffff)");
    o.type = OST_BCD_TYPE_NTLDR;
    assert_string_equal(ost_bcd_object_heading(&o, buf), "Legacy OS Loader");
    o.guid = OST_BCD_GLOBALSETTINGS_GUID;
    o.type = 0x20100000;
    assert_string_equal(ost_bcd_object_heading(&o, buf), "Global Settings");
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

/* A device descriptor {type, flags, size, reserved, data} at p; its size. */
static size_t put_descriptor(uint8_t *p, uint32_t type, const uint8_t *data, size_t n)
{
    put32(p, type), put32(p + 4, 0), put32(p + 8, (uint32_t)(16 + n)), put32(p + 12, 0);
    if (n)
        memcpy(p + 16, data, n);
    return 16 + n;
}

/* Device elements built byte by byte in the layout real stores use: each
 * decodes as bcdedit shows it, and every truncation of one decodes to
 * something without reading past its end (ASan watches). */
static void test_device_elements(void **state)
{
    (void)state;
    uint8_t part[72] = {0}, pdata[40] = {0};
    for (int i = 0; i < 16; i++)
        pdata[i] = 0x11, pdata[24 + i] = 0xAA;
    size_t n = 16 + put_descriptor(part + 16, 6, pdata, sizeof pdata);
    char *s = ost_bcd_describe_device(part, n);
    assert_string_equal(s, "partition {11111111-1111-1111-1111-111111111111} on disk "
                           "{aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa}");
    free(s);
    /* MBR: the byte offset, style 1, the disk signature */
    memset(pdata, 0, sizeof pdata);
    put32(pdata, 0x00100000), put32(pdata + 16, 1), put32(pdata + 24, 0x12ab34cd);
    n = 16 + put_descriptor(part + 16, 6, pdata, sizeof pdata);
    s = ost_bcd_describe_device(part, n);
    assert_string_equal(s, "partition at offset 1048576 on disk 0x12ab34cd");
    free(s);

    uint8_t ram[160] = {0}, rdata[96] = {0};
    static const char path[] = "\\sources\\boot.wim";
    size_t parent = put_descriptor(rdata + 36, 5, NULL, 0), plen = 0;
    for (const char *c = path; ; c++, plen += 2) {
        rdata[36 + parent + plen] = (uint8_t)*c;
        if (!*c)
            break;
    }
    plen += 2;
    put32(rdata, 3);
    for (int i = 0; i < 16; i++)
        ram[i] = (uint8_t)(i + 1);
    n = 16 + put_descriptor(ram + 16, 0, rdata, 36 + parent + plen);
    s = ost_bcd_describe_device(ram, n);
    assert_string_equal(s, "ramdisk=[boot]\\sources\\boot.wim,{04030201-0605-0807-090a-0b0c0d0e0f10}");
    free(s);
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *copy = ost_xmalloc(cut ? cut : 1);
        memcpy(copy, ram, cut);
        s = ost_bcd_describe_device(copy, cut);
        assert_non_null(s);
        free(s), free(copy);
    }
    s = ost_bcd_describe_device(ram, 0);
    assert_string_equal(s, "unknown");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_elements),
        cmocka_unit_test(test_setup_media_store),
        cmocka_unit_test(test_win10_efi_store_set),
        cmocka_unit_test(test_inherit_chain),
        cmocka_unit_test(test_template_scope),
        cmocka_unit_test(test_no_loader_no_settings),
        cmocka_unit_test(test_test_image_template),
        cmocka_unit_test(test_image_template_opener),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
