/* SPDX-License-Identifier: GPL-3.0-or-later */
/* INF reading where an independent reader (Wine's setupapi, whose tests
 * pass on Windows) and Windows agree and offstage once did not: the first
 * definition of a string wins, a NUL is a space, a file without a BOM is
 * ANSI, [Strings.0409] before [Strings]; and the language of an image. */
#include "testutil.h"

#include "encoding.h"
#include "fileutil.h"
#include "hive.h"
#include "imagelang.h"
#include "inf.h"
#include "testimage.h"

static struct ost_inf *parse_with(const void *text, size_t n, const char *locale, struct ost_diags *d)
{
    struct ost_inf *inf;
    struct ost_error err;
    struct ost_inf_options o = {.locale = locale};
    ost_status st = ost_inf_parse(text, n, "t.inf", &o, &inf, d, &err);
    if (st != OST_OK)
        fail_msg("parse failed: %s", err.message);
    return inf;
}

static struct ost_inf *parse(const char *text, struct ost_diags *d)
{
    return parse_with(text, strlen(text), NULL, d);
}

static const struct ost_diag *find_diag(const struct ost_diags *d, const char *code)
{
    for (size_t i = 0; d && i < d->n; i++)
        if (!strcmp(d->v[i].code, code))
            return &d->v[i];
    return NULL;
}

static const char *value(const struct ost_inf *inf, const char *section, size_t line)
{
    const struct ost_inf_section *s = ost_inf_section(inf, section);
    assert_non_null(s);
    assert_true(line < s->nlines);
    return s->lines[line].values[0];
}

/* ---- the first definition wins ------------------------------------------- */

static void test_string_defined_twice_first_wins(void **state)
{
    (void)state;
    struct ost_diags d = {0};
    struct ost_inf *inf = parse("[S]\na = %Name%\n[Strings]\nName = first\nname = second\n", &d);
    assert_string_equal(value(inf, "S", 0), "first");
    const struct ost_diag *x = find_diag(&d, "duplicate-string");
    assert_non_null(x);
    assert_int_equal(x->line, 5);
    assert_int_equal(x->severity, OST_SEV_WARNING);
    assert_non_null(strstr(x->message, "line 4"));
    assert_non_null(strstr(x->message, "first definition"));
    ost_inf_free(inf);
    ost_diags_free(&d);
}

static void test_strings_section_twice_first_wins(void **state)
{
    (void)state;
    struct ost_diags d = {0};
    /* the second [Strings] adds its lines after the first's: a key both
     * define is the first one's, a key only the second defines is found */
    struct ost_inf *inf = parse("[Strings]\nName = one\n[S]\na = %Name%, %Other%\n"
                                "[Strings]\nName = two\nOther = only here\n",
                                &d);
    const struct ost_inf_section *s = ost_inf_section(inf, "S");
    assert_string_equal(s->lines[0].values[0], "one");
    assert_string_equal(s->lines[0].values[1], "only here");
    assert_non_null(find_diag(&d, "duplicate-string"));
    assert_null(find_diag(&d, "undefined-string"));
    ost_inf_free(inf);
    ost_diags_free(&d);

    /* in a locale section too */
    inf = parse("[S]\na = %N%\n[Strings.0409]\nN = en1\n[Strings.0409]\nN = en2\n[Strings]\nN = neutral\n", NULL);
    assert_string_equal(value(inf, "S", 0), "en1");
    ost_inf_free(inf);
}

static void test_section_twice_is_merged(void **state)
{
    (void)state;
    /* Microsoft, General Syntax Rules for INF Files: entries of sections
     * with one name are merged; a key looked up is its first definition */
    struct ost_inf *inf = parse("[Version]\nProvider = A\n[Other]\nx = 1\n[version]\nProvider = B\nClass = Net\n", NULL);
    assert_int_equal(ost_inf_section(inf, "Version")->nlines, 3);
    assert_string_equal(ost_inf_get(inf, "Version", "Provider", NULL), "A");
    assert_string_equal(ost_inf_get(inf, "Version", "Class", NULL), "Net");
    ost_inf_free(inf);
}

/* ---- NUL ----------------------------------------------------------------- */

#define C(s) s, sizeof(s) - 1

static void test_nul_is_a_space(void **state)
{
    (void)state;
    /* the cases of Wine's key_names test, "nulls", which pass on Windows */
    static const char text[] = "[Test]\nabcd = ef\0gh\nfoo = %bar%\nbaz = %two%\n"
                               "[Strings]\nbar = bbb\0\ntwo = aaa\0bbb \0\n";
    struct ost_diags d = {0};
    struct ost_inf *inf = parse_with(C(text), NULL, &d);
    assert_string_equal(value(inf, "Test", 0), "ef gh");
    assert_string_equal(value(inf, "Test", 1), "bbb");
    assert_string_equal(value(inf, "Test", 2), "aaa bbb");
    const struct ost_diag *x = find_diag(&d, "nul-character");
    assert_non_null(x);
    assert_int_equal(x->line, 2);
    assert_int_equal(x->severity, OST_SEV_WARNING);
    assert_non_null(strstr(x->file, "t.inf"));
    assert_non_null(strstr(x->message, "4 NUL characters"));
    assert_int_equal(d.n, 1);
    ost_inf_free(inf);
    ost_diags_free(&d);

    /* UTF-16LE with its BOM: U+0000 the same */
    static const uint8_t u16[] = {0xFF, 0xFE, '[', 0, 'A', 0, ']', 0, '\n', 0, 'k', 0, '=', 0,
                                  'x', 0,    0,    0, 'y', 0, '\n', 0};
    inf = parse_with(u16, sizeof u16, NULL, &d);
    assert_string_equal(value(inf, "A", 0), "x y");
    assert_non_null(find_diag(&d, "nul-character"));
    ost_inf_free(inf);
    ost_diags_free(&d);
}

static void test_utf16_without_bom_still_refused(void **state)
{
    (void)state;
    static const char text[] = "[\0A\0]\0\n\0k\0=\0v\0\n\0";
    struct ost_inf *inf;
    struct ost_error err;
    assert_int_equal(ost_inf_parse((const uint8_t *)text, sizeof text - 1, "w.inf", NULL, &inf, NULL, &err),
                     OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "w.inf"));
    assert_non_null(strstr(err.message, "byte-order mark"));
}

/* ---- no BOM: ANSI -------------------------------------------------------- */

static void test_cp1252_decode(void **state)
{
    (void)state;
    assert_int_equal(ost_cp1252_decode('A'), 'A');
    assert_int_equal(ost_cp1252_decode(0x80), 0x20AC);
    assert_int_equal(ost_cp1252_decode(0x8A), 0x0160);
    assert_int_equal(ost_cp1252_decode(0x9F), 0x0178);
    assert_int_equal(ost_cp1252_decode(0xA0), 0x00A0);
    assert_int_equal(ost_cp1252_decode(0xE9), 0x00E9);
    assert_int_equal(ost_cp1252_decode(0xFF), 0x00FF);
    /* the five undefined bytes: their C1 controls, as MultiByteToWideChar */
    static const uint8_t undefined[] = {0x81, 0x8D, 0x8F, 0x90, 0x9D};
    for (size_t i = 0; i < sizeof undefined; i++)
        assert_int_equal(ost_cp1252_decode(undefined[i]), undefined[i]);
}

static void test_no_bom_is_ansi(void **state)
{
    (void)state;
    struct ost_diags d = {0};
    /* UTF-8 "Café" without a BOM is what Windows shows: "CafÃ©" */
    struct ost_inf *inf = parse("[Version]\nSignature = \"$Windows NT$\"\nProvider = Caf\xC3\xA9\n", &d);
    assert_string_equal(inf->encoding, "ansi");
    assert_string_equal(ost_inf_get(inf, "Version", "Provider", NULL), "Caf\xC3\x83\xC2\xA9");
    const struct ost_diag *x = find_diag(&d, "utf8-without-bom");
    assert_non_null(x);
    assert_int_equal(x->line, 3);
    assert_int_equal(x->severity, OST_SEV_WARNING);
    assert_non_null(strstr(x->message, "ANSI"));
    ost_inf_free(inf);
    ost_diags_free(&d);

    /* UTF-8 in comments only changes nothing Windows reads, as in the real
     * aero_virtio_input.inf */
    inf = parse("; Aero\xE2\x80\x99s driver\n[Version]\nProvider = Plain ; caf\xC3\xA9\n", &d);
    assert_string_equal(ost_inf_get(inf, "Version", "Provider", NULL), "Plain");
    assert_int_equal(d.n, 0);
    ost_inf_free(inf);

    /* ASCII: nothing to say */
    inf = parse("[Version]\nProvider = Plain\n", &d);
    assert_string_equal(inf->encoding, "ansi");
    assert_int_equal(d.n, 0);
    ost_inf_free(inf);

    /* ANSI that is not UTF-8: no warning, the undefined bytes kept as C1 controls */
    inf = parse("[Version]\nProvider = \x81\x80\x9D\xE9\n", &d);
    assert_string_equal(ost_inf_get(inf, "Version", "Provider", NULL), "\xC2\x81\xE2\x82\xAC\xC2\x9D\xC3\xA9");
    assert_int_equal(d.n, 0);
    ost_inf_free(inf);

    /* with the BOM, UTF-8 as before */
    inf = parse("\xEF\xBB\xBF[Version]\nProvider = Caf\xC3\xA9\n", &d);
    assert_string_equal(inf->encoding, "utf-8-bom");
    assert_string_equal(ost_inf_get(inf, "Version", "Provider", NULL), "Caf\xC3\xA9");
    assert_int_equal(d.n, 0);
    ost_inf_free(inf);
    ost_diags_free(&d);
}

/* ---- which [Strings] ----------------------------------------------------- */

static const char locales[] = "[S]\na = %Name%\nb = %Only%\n"
                              "[Strings]\nName = Neutral\nOnly = neutral only\n"
                              "[Strings.0409]\nName = English\n"
                              "[Strings.0007]\nName = Deutsch (neutral)\n"
                              "[Strings.0407]\nName = Deutsch\n";

static void test_english_by_default(void **state)
{
    (void)state;
    struct ost_inf *inf = parse(locales, NULL);
    assert_string_equal(value(inf, "S", 0), "English");
    assert_string_equal(value(inf, "S", 1), "neutral only"); /* a key the section lacks */
    ost_inf_free(inf);
    inf = parse_with(C(locales), "", NULL);
    assert_string_equal(value(inf, "S", 0), "English");
    ost_inf_free(inf);
}

static void test_language_fallback(void **state)
{
    (void)state;
    struct ost_inf *inf = parse_with(C(locales), "0407", NULL);
    assert_string_equal(value(inf, "S", 0), "Deutsch");
    ost_inf_free(inf);
    /* Swiss German: no [Strings.0807], so its primary language's */
    inf = parse_with(C(locales), "0807", NULL);
    assert_string_equal(value(inf, "S", 0), "Deutsch (neutral)");
    ost_inf_free(inf);
    /* French: neither, so [Strings] */
    inf = parse_with(C(locales), "040c", NULL);
    assert_string_equal(value(inf, "S", 0), "Neutral");
    ost_inf_free(inf);
    /* British English: [Strings.0009] absent, [Strings] before [Strings.0409] */
    inf = parse_with(C(locales), "0809", NULL);
    assert_string_equal(value(inf, "S", 0), "Neutral");
    ost_inf_free(inf);
}

/* ---- the image's language ------------------------------------------------ */

static char *test_image(void)
{
    char *parent = t_mkdtemp();
    char *dir = ost_path_join(parent, "img");
    struct ost_test_image_options o = {.arch = OST_ARCH_AMD64};
    struct ost_error err;
    if (ost_make_test_image(dir, &o, &err) != OST_OK)
        fail_msg("%s", err.message);
    free(parent);
    return dir;
}

static void remove_image(char *dir)
{
    char *parent = ost_path_dirname(dir);
    t_rm_rf(parent);
    free(parent);
    free(dir);
}

static void set_language(const char *dir, const char *def, const char *install)
{
    char *path = ost_path_join(dir, "Windows/System32/config/SYSTEM");
    struct ost_hive *h;
    struct ost_error err;
    struct ost_hive_open_options o = {.writable = true};
    assert_ost_ok(ost_hive_open(path, &o, &h, &err), &err);
    ost_hkey k;
    assert_ost_ok(ost_hive_create_key(h, 0, "ControlSet001\\Control\\Nls\\Language", &k, &err), &err);
    if (def)
        assert_ost_ok(ost_hive_set_string(h, k, "Default", OST_REG_SZ, def, &err), &err);
    if (install)
        assert_ost_ok(ost_hive_set_string(h, k, "InstallLanguage", OST_REG_SZ, install, &err), &err);
    assert_ost_ok(ost_hive_save(h, path, &err), &err);
    ost_hive_close(h);
    free(path);
}

static const char *language_of(const char *dir, char out[5])
{
    struct ost_image *img;
    struct ost_error err;
    struct ost_image_options o = {0};
    assert_ost_ok(ost_image_open_dir(dir, &o, &img, &err), &err);
    const char *lang = ost_image_language(img);
    if (lang)
        memcpy(out, lang, 5);
    ost_image_close(img);
    return lang ? out : NULL;
}

static void test_image_language(void **state)
{
    (void)state;
    char buf[5];
    char *dir = test_image();
    assert_null(language_of(dir, buf)); /* no Nls\Language: the INF's English default */
    set_language(dir, "0407", "0409");
    assert_string_equal(language_of(dir, buf), "0407"); /* Default first */
    set_language(dir, "garbage", NULL);
    assert_string_equal(language_of(dir, buf), "0409"); /* then InstallLanguage */
    remove_image(dir);

    /* the real Windows 7 SP1 SYSTEM hive */
    char *xz = t_shared_path("fixtures/hives/win7sp1-SYSTEM.xz");
    if (!xz)
        return;
    char *tmp = t_mkdtemp();
    char *hive = ost_path_join(tmp, "SYSTEM");
    char *cmd = ost_xasprintf("xz -dc '%s' > '%s'", xz, hive);
    assert_int_equal(system(cmd), 0);
    struct ost_hive *h;
    struct ost_error err;
    struct ost_hive_open_options o = {0};
    assert_ost_ok(ost_hive_open(hive, &o, &h, &err), &err);
    assert_true(ost_system_language(h, ost_hive_key(h, 0, "ControlSet001"), buf));
    assert_string_equal(buf, "0409");
    ost_hive_close(h);
    t_rm_rf(tmp);
    free(cmd), free(hive), free(tmp), free(xz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_defined_twice_first_wins),
        cmocka_unit_test(test_strings_section_twice_first_wins),
        cmocka_unit_test(test_section_twice_is_merged),
        cmocka_unit_test(test_nul_is_a_space),
        cmocka_unit_test(test_utf16_without_bom_still_refused),
        cmocka_unit_test(test_cp1252_decode),
        cmocka_unit_test(test_no_bom_is_ansi),
        cmocka_unit_test(test_english_by_default),
        cmocka_unit_test(test_language_fallback),
        cmocka_unit_test(test_image_language),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
