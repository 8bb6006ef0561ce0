/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hives whose key or value names hivex cannot read, keys with many subkeys,
 * and hive files that must be refused before they are read (hive.c). */
#include <fcntl.h>

#include "testutil.h"

#include "encoding.h"
#include "fileutil.h"
#include "hive.h"
#include "regf.h"

#define EURO "\xE2\x82\xAC" /* not Latin-1, so hivex stores the name as UTF-16LE */

static struct ost_hive *open_hive(const char *path, bool writable)
{
    struct ost_error err;
    struct ost_hive *h;
    struct ost_hive_open_options o = {.writable = writable};
    if (ost_hive_open(path, &o, &h, &err) != OST_OK)
        fail_msg("%s", err.message);
    return h;
}

static void save_hive(struct ost_hive *h, const char *path)
{
    struct ost_error err;
    char *tmp = ost_xasprintf("%s.new", path);
    if (ost_hive_save(h, tmp, &err) != OST_OK)
        fail_msg("%s", err.message);
    ost_hive_close(h);
    assert_int_equal(rename(tmp, path), 0);
    free(tmp);
}

/* Replaces the final U+20AC of the UTF-16LE name `ascii` + "€" by a lone
 * high surrogate: two bytes per copy, nothing else. hivex rewrites a key's
 * whole value list on every edit and leaves the old cells as free space,
 * so a value name can have stale copies; they are changed alike. */
static void unpair(const char *path, const char *ascii)
{
    uint8_t *data;
    size_t n;
    struct ost_error err;
    if (ost_read_file(path, 1u << 30, &data, &n, &err) != OST_OK)
        fail_msg("%s", err.message);
    char *name = ost_xasprintf("%s" EURO, ascii);
    struct ost_buf w = {0};
    assert_true(ost_utf8_to_utf16(&w, name, strlen(name), OST_UTF16LE));
    size_t len = w.len, hits = 0;
    for (size_t i = 0; i + len <= n; i++)
        if (!memcmp(data + i, w.data, len)) {
            data[i + len - 2] = 0x00, data[i + len - 1] = 0xD8;
            hits++;
        }
    assert_true(hits >= 1);
    t_write(path, data, n);
    free(data), free(name);
    ost_buf_free(&w);
}

/* A hive whose key Parent holds subkeys "!bad€" (unreadable once patched),
 * Bravo (with a value) and Charlie, and values "!val€" (unreadable), X, Y. */
static char *damaged_hive(const char *dir)
{
    char *path = ost_path_join(dir, "TEST");
    struct ost_error err;
    assert_ost_ok(ost_regf_write_empty(path, "ROOT", &err), &err);
    struct ost_hive *h = open_hive(path, true);
    ost_hkey k, parent;
    assert_ost_ok(ost_hive_create_key(h, 0, "Parent", &parent, &err), &err);
    assert_ost_ok(ost_hive_create_key(h, parent, "!bad" EURO, &k, &err), &err);
    assert_ost_ok(ost_hive_create_key(h, parent, "Bravo", &k, &err), &err);
    assert_ost_ok(ost_hive_set_dword(h, k, "InBravo", 2, &err), &err);
    assert_ost_ok(ost_hive_create_key(h, parent, "Charlie", &k, &err), &err);
    assert_ost_ok(ost_hive_set_dword(h, parent, "!val" EURO, 7, &err), &err);
    assert_ost_ok(ost_hive_set_dword(h, parent, "X", 1, &err), &err);
    assert_ost_ok(ost_hive_set_dword(h, parent, "Y", 2, &err), &err);
    save_hive(h, path);
    unpair(path, "!bad");
    unpair(path, "!val");
    return path;
}

static void test_lookups_pass_over_unreadable_names(void **state)
{
    (void)state;
    char *dir = t_mkdtemp(), *path = damaged_hive(dir);
    struct ost_hive *h = open_hive(path, false);
    ost_hkey parent = ost_hive_key(h, 0, "Parent");
    assert_true(parent != 0);
    assert_true(ost_hive_key(h, parent, "bravo") != 0);
    assert_true(ost_hive_key(h, 0, "Parent\\Charlie") != 0);
    assert_int_equal(ost_hive_key(h, parent, "Delta"), 0);
    uint32_t v = 0;
    assert_true(ost_hive_get_dword(h, parent, "y", &v));
    assert_int_equal(v, 2);
    assert_true(ost_hive_get_dword(h, ost_hive_key(h, parent, "Bravo"), "InBravo", &v));
    assert_int_equal(v, 2);

    struct ost_strlist names = {0};
    ost_hive_subkeys(h, parent, &names);
    assert_int_equal(names.n, 2);
    assert_string_equal(names.v[0], "Bravo");
    ost_strlist_free(&names);
    ost_hive_value_names(h, parent, &names);
    assert_int_equal(names.n, 2);
    ost_strlist_free(&names);

    char *sub = ost_hive_unreadable_subkey(h, parent), *val = ost_hive_unreadable_value(h, parent);
    assert_non_null(sub), assert_non_null(val);
    assert_non_null(strstr(sub, "TEST\\Parent has a subkey whose name is not valid UTF-16 (subkey 1 of 3, nk at "));
    assert_non_null(strstr(val, "TEST\\Parent has a value whose name is not valid UTF-16 (value 1 of 3, vk at "));
    assert_null(ost_hive_unreadable_subkey(h, ost_hive_key(h, parent, "Bravo")));
    free(sub), free(val);
    /* a message saying a key is missing can point at the unreadable one */
    char *note = ost_hive_missing_note(h, 0, "Parent\\Delta\\Deeper");
    assert_non_null(strstr(note, " (TEST\\Parent has a subkey whose name is not valid UTF-16 (subkey 1 of 3, nk at"));
    assert_non_null(strstr(note, "): it may be the Delta looked for)"));
    free(note);
    note = ost_hive_missing_note(h, parent, "Bravo\\Nope");
    assert_string_equal(note, "");
    free(note);
    ost_hive_close(h);
    t_rm_rf(dir);
    free(dir), free(path);
}

static void test_edits_beside_unreadable_names_refused(void **state)
{
    (void)state;
    char *dir = t_mkdtemp(), *path = damaged_hive(dir);
    struct ost_hive *h = open_hive(path, true);
    struct ost_error err;
    ost_hkey parent = ost_hive_key(h, 0, "Parent"), k;

    /* an existing key is found, not added again beside the unreadable one */
    assert_ost_ok(ost_hive_create_key(h, 0, "Parent\\Charlie", &k, &err), &err);
    assert_int_equal(k, ost_hive_key(h, parent, "Charlie"));
    assert_false(ost_hive_modified(h));
    assert_int_equal(ost_hive_create_key(h, 0, "Parent\\Delta", &k, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "has a subkey whose name is not valid UTF-16 (subkey 1 of 3"));
    assert_non_null(strstr(err.message, "cannot add the key Delta"));
    /* below a readable key, adding is fine */
    assert_ost_ok(ost_hive_create_key(h, 0, "Parent\\Bravo\\Deeper", &k, &err), &err);

    /* values: read past, never rewritten without the unreadable name */
    assert_int_equal(ost_hive_set_dword(h, parent, "X", 5, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "has a value whose name is not valid UTF-16 (value 1 of 3"));
    assert_int_equal(ost_hive_delete_value(h, parent, "Y", &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "cannot delete the value Y"));
    uint32_t v = 0;
    assert_true(ost_hive_get_dword(h, parent, "X", &v));
    assert_int_equal(v, 1);

    /* a tree holding an unreadable name is not half deleted */
    assert_int_equal(ost_hive_delete_key(h, parent, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "cannot delete TEST\\Parent"));
    assert_true(ost_hive_key(h, parent, "Bravo\\Deeper") != 0);
    assert_ost_ok(ost_hive_delete_key(h, ost_hive_key(h, parent, "Bravo"), &err), &err);
    assert_int_equal(ost_hive_key(h, parent, "Bravo"), 0);
    assert_true(ost_hive_key(h, parent, "Charlie") != 0);
    save_hive(h, path);

    h = open_hive(path, false);
    struct ost_strlist names = {0};
    ost_hive_subkeys(h, ost_hive_key(h, 0, "Parent"), &names);
    assert_int_equal(names.n, 1);
    assert_string_equal(names.v[0], "Charlie");
    char *sub = ost_hive_unreadable_subkey(h, ost_hive_key(h, 0, "Parent"));
    assert_non_null(strstr(sub, "(subkey 1 of 2,")); /* kept */
    free(sub);
    ost_strlist_free(&names);
    ost_hive_close(h);
    t_rm_rf(dir);
    free(dir), free(path);
}

/* Many subkeys are looked up through an index; it must agree with the
 * hive through additions and deletions, and pass over unreadable names. */
static void test_many_subkeys(void **state)
{
    (void)state;
    char *dir = t_mkdtemp(), *path = ost_path_join(dir, "TEST");
    struct ost_error err;
    assert_ost_ok(ost_regf_write_empty(path, "ROOT", &err), &err);
    struct ost_hive *h = open_hive(path, true);
    /* the sanitizer pass looks for memory errors, which a thousand keys
     * find as well as two */
#if defined(__SANITIZE_ADDRESS__)
    enum { N = 1100 };
#else
    enum { N = 2000 };
#endif
    ost_hkey keys[N], k;
    for (size_t i = 0; i < N; i++) {
        char *p = ost_xasprintf("Enum\\Dev\\3&267a616a&0&%04zX", i);
        assert_ost_ok(ost_hive_create_key(h, 0, p, &keys[i], &err), &err);
        assert_ost_ok(ost_hive_set_dword(h, keys[i], "Index", (uint32_t)i, &err), &err);
        free(p);
    }
    ost_hkey dev = ost_hive_key(h, 0, "Enum\\Dev");
    for (size_t i = 0; i < N; i++) {
        char *p = ost_xasprintf("3&267A616A&0&%04zx", i); /* case differs */
        assert_int_equal(ost_hive_key(h, dev, p), keys[i]);
        free(p);
    }
    assert_int_equal(ost_hive_key(h, dev, "3&267a616a&0&FFFF"), 0);
    assert_ost_ok(ost_hive_create_key(h, dev, "New", &k, &err), &err);
    assert_int_equal(ost_hive_key(h, dev, "new"), k);
    assert_ost_ok(ost_hive_delete_key(h, keys[7], &err), &err);
    assert_int_equal(ost_hive_key(h, dev, "3&267a616a&0&0007"), 0);
    assert_int_equal(ost_hive_key(h, dev, "3&267a616a&0&0008"), keys[8]);
    assert_ost_ok(ost_hive_create_key(h, dev, "!bad" EURO, &k, &err), &err);
    save_hive(h, path);
    unpair(path, "!bad");

    h = open_hive(path, true);
    dev = ost_hive_key(h, 0, "Enum\\Dev");
    struct ost_strlist names = {0};
    ost_hive_subkeys(h, dev, &names);
    assert_int_equal(names.n, N); /* N - 1 instances and New; not the unreadable one */
    for (size_t i = 0; i < names.n; i++) {
        k = ost_hive_key(h, dev, names.v[i]);
        char *name = ost_hive_key_name(h, k);
        assert_string_equal(name, names.v[i]);
        free(name);
    }
    uint32_t v = 0;
    char *last = ost_xasprintf("3&267a616a&0&%04X", (unsigned)(N - 1));
    assert_true(ost_hive_get_dword(h, ost_hive_key(h, dev, last), "Index", &v));
    assert_int_equal(v, N - 1);
    free(last);
    char *sub = ost_hive_unreadable_subkey(h, dev);
    char *of = ost_xasprintf("TEST\\Enum\\Dev has a subkey whose name is not valid UTF-16 (subkey 1 of %d", N + 1);
    assert_non_null(strstr(sub, of));
    free(of);
    free(sub);
    /* the index knows the key holds an unreadable name */
    assert_int_equal(ost_hive_create_key(h, dev, "Another", &k, &err), OST_ERR_CORRUPT);
    char *of2 = ost_xasprintf("(subkey 1 of %d", N + 1);
    assert_non_null(strstr(err.message, of2));
    free(of2);
    assert_true(ost_hive_create_key(h, dev, "NEW", &k, &err) == OST_OK && k != 0);
    assert_false(ost_hive_modified(h));
    ost_strlist_free(&names);
    ost_hive_close(h);
    t_rm_rf(dir);
    free(dir), free(path);
}

/* A 4 GiB sparse hive costs nothing on disk; it must be refused from its
 * size, without being read (hivex would read a writable hive whole). */
/* String values: damaged UTF-16 reads with U+FFFD where the damage is (not
 * as bytes that are not UTF-8); text to write that is not UTF-8 is refused
 * and nothing is written. */
static void test_string_values_and_bad_text(void **state)
{
    (void)state;
    char *dir = t_mkdtemp(), *path = ost_path_join(dir, "TEST");
    struct ost_error err;
    assert_ost_ok(ost_regf_write_empty(path, "ROOT", &err), &err);
    struct ost_hive *h = open_hive(path, true);
    ost_hkey k;
    assert_ost_ok(ost_hive_create_key(h, 0, "Key", &k, &err), &err);
    assert_ost_ok(ost_hive_set_raw(h, k, "Lone", OST_REG_SZ, "a\0\x00\xD8" "b\0\0\0", 8, &err), &err);
    char *s = ost_hive_get_string(h, k, "Lone");
    assert_string_equal(s, "a\xEF\xBF\xBD" "b");
    free(s);

    assert_int_equal(ost_hive_set_string(h, k, "Bad", OST_REG_SZ, "caf\xE9", &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "value Bad: the text to write is not valid UTF-8"));
    struct ost_strlist v = {0};
    ost_strlist_add(&v, "ok");
    ost_strlist_add(&v, "\xC0\x80");
    assert_int_equal(ost_hive_set_multi_string(h, k, "BadList", &v, &err), OST_ERR_CORRUPT);
    uint32_t type;
    uint8_t *data;
    size_t size;
    assert_false(ost_hive_get_raw(h, k, "Bad", &type, &data, &size));
    assert_false(ost_hive_get_raw(h, k, "BadList", &type, &data, &size));

    assert_ost_ok(ost_hive_set_string(h, k, "Good", OST_REG_SZ, "caf\xC3\xA9", &err), &err);
    assert_true(ost_hive_get_raw(h, k, "Good", &type, &data, &size));
    assert_int_equal(size, 10);
    assert_memory_equal(data, "c\0a\0f\0\xE9\0\0\0", 10);
    free(data);
    ost_strlist_free(&v);
    ost_hive_close(h);
    t_rm_rf(dir);
    free(dir), free(path);
}

static void test_oversized_and_special_files_refused(void **state)
{
    (void)state;
    char *dir = t_mkdtemp(), *path = ost_path_join(dir, "SYSTEM");
    struct ost_error err;
    assert_ost_ok(ost_regf_write_empty(path, "ROOT", &err), &err);
    assert_int_equal(truncate(path, (off_t)4 << 30), 0);
    struct ost_hive *h = NULL;
    struct ost_hive_open_options o = {.writable = true};
    assert_int_equal(ost_hive_open(path, &o, &h, &err), OST_ERR_LIMIT);
    assert_null(h);
    assert_non_null(strstr(err.message, "SYSTEM: 4294967296 bytes; Windows loads no hive larger than 2147483648"));
    /* the largest size Windows allows is still opened */
    assert_int_equal(truncate(path, (off_t)OST_HIVE_MAX_SIZE), 0);
    assert_ost_ok(ost_hive_open(path, NULL, &h, &err), &err);
    ost_hive_close(h);
    unlink(path);

    /* a FIFO would block hivex's read forever */
    assert_int_equal(mkfifo(path, 0600), 0);
    h = NULL;
    assert_int_equal(ost_hive_open(path, &o, &h, &err), OST_ERR_IO);
    assert_null(h);
    assert_non_null(strstr(err.message, "SYSTEM: not a regular file (a FIFO)"));
    unlink(path);
    assert_int_equal(ost_hive_open(dir, NULL, &h, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, "not a regular file (a folder)"));
    t_rm_rf(dir);
    free(dir), free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookups_pass_over_unreadable_names),
        cmocka_unit_test(test_edits_beside_unreadable_names_refused),
        cmocka_unit_test(test_many_subkeys),
        cmocka_unit_test(test_string_values_and_bad_text),
        cmocka_unit_test(test_oversized_and_special_files_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
