/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The UTF-8 / UTF-16 codec (encoding.c): well-formedness as the Unicode
 * Standard defines it (section 3.9, table 3-7) and its replacement of
 * ill-formed input by U+FFFD (table 3-8). */
#include "testutil.h"

#include "encoding.h"

#define FFFD "\xEF\xBF\xBD"

static char *to_utf8(const char *bytes, size_t n, enum ost_utf16_order o, bool *well_formed)
{
    return ost_utf16_to_utf8((const uint8_t *)bytes, n, o, well_formed);
}

static void test_round_trip(void **state)
{
    (void)state;
    const char *s = "Caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x8A end";
    for (int o = OST_UTF16LE; o <= OST_UTF16BE; o++) {
        struct ost_buf w = {0};
        assert_true(ost_utf8_to_utf16(&w, s, strlen(s), (enum ost_utf16_order)o));
        assert_int_equal(w.len, 2 * 13); /* 12 characters, the emoji a surrogate pair */
        bool good = false;
        char *back = to_utf8(w.data, w.len, (enum ost_utf16_order)o, &good);
        assert_true(good);
        assert_string_equal(back, s);
        free(back);
        ost_buf_free(&w);
    }
    struct ost_buf w = {0};
    assert_true(ost_utf8_to_utf16(&w, "A\xF0\x9F\x94\x8A", 5, OST_UTF16BE));
    assert_memory_equal(w.data, "\x00\x41\xD8\x3D\xDD\x0A", 6);
    ost_buf_free(&w);
}

/* Table 3-7's edges: every first and last code point of each length is
 * decoded; the byte sequences just outside them are not UTF-8. */
static void test_utf8_well_formed(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        uint32_t cp;
    } good[] = {
        {"\x7F", 0x7F},       {"\xC2\x80", 0x80},     {"\xDF\xBF", 0x7FF},          {"\xE0\xA0\x80", 0x800},
        {"\xED\x9F\xBF", 0xD7FF}, {"\xEE\x80\x80", 0xE000}, {"\xEF\xBF\xBF", 0xFFFF}, {"\xF0\x90\x80\x80", 0x10000},
        {"\xF4\x8F\xBF\xBF", 0x10FFFF},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint32_t cp = 0;
        size_t n = strlen(good[i].bytes);
        assert_int_equal(ost_utf8_decode((const uint8_t *)good[i].bytes, n, &cp), n);
        assert_int_equal(cp, good[i].cp);
        assert_true(ost_utf8_valid(good[i].bytes, n));
    }
    static const char *bad[] = {
        "\x80",             /* a continuation byte alone */
        "\xC0\x80",         /* overlong U+0000 */
        "\xC1\xBF",         /* overlong U+007F */
        "\xE0\x9F\xBF",     /* overlong U+07FF */
        "\xED\xA0\x80",     /* the surrogate U+D800 */
        "\xED\xBF\xBF",     /* the surrogate U+DFFF */
        "\xF0\x8F\xBF\xBF", /* overlong U+FFFF */
        "\xF4\x90\x80\x80", /* U+110000 */
        "\xF5\x80\x80\x80", "\xFF",
        "\xE2\x82",         /* cut short */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t cp;
        assert_int_equal(ost_utf8_decode((const uint8_t *)bad[i], strlen(bad[i]), &cp), 0);
        assert_false(ost_utf8_valid(bad[i], strlen(bad[i])));
    }
    /* what UTF-8 cannot carry is appended as U+FFFD, never as ill-formed bytes */
    struct ost_buf b = {0};
    ost_buf_add_utf8(&b, 0xD800);
    ost_buf_add_utf8(&b, 0x110000);
    ost_buf_add_utf8(&b, 0x10FFFF);
    assert_string_equal(b.data, FFFD FFFD "\xF4\x8F\xBF\xBF");
    ost_buf_free(&b);
}

/* Table 3-8 of the Unicode Standard: each maximal ill-formed subpart is
 * one U+FFFD. */
static void test_utf8_maximal_subparts(void **state)
{
    (void)state;
    const char in[] = "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64";
    struct ost_buf w = {0};
    assert_false(ost_utf8_to_utf16(&w, in, sizeof in - 1, OST_UTF16LE));
    char *back = to_utf8(w.data, w.len, OST_UTF16LE, NULL);
    assert_string_equal(back, "a" FFFD FFFD FFFD "b" FFFD "c" FFFD FFFD "d");
    free(back);
    ost_buf_free(&w);
}

static void test_utf16_ill_formed(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t n;
        enum ost_utf16_order order;
        const char *text;
        bool well_formed;
    } cases[] = {
        {"a\0b\0", 4, OST_UTF16LE, "ab", true},
        {"\0a\0b", 4, OST_UTF16BE, "ab", true},
        {"a\0\0\0b\0", 6, OST_UTF16LE, "a", true},          /* up to the terminator */
        {"a\0\0\0\0", 5, OST_UTF16LE, "a", true},           /* what follows it is not read */
        {"a\0\0", 3, OST_UTF16LE, "a", true},               /* a terminator cut short */
        {"a\0b", 3, OST_UTF16LE, "a" FFFD, false},          /* an odd final byte */
        {"\x00\xD8", 2, OST_UTF16LE, FFFD, false},          /* a high surrogate at the end */
        {"\x00\xD8" "A\0", 4, OST_UTF16LE, FFFD "A", false}, /* ... not followed by a low one */
        {"\x00\xD8" "b", 3, OST_UTF16LE, FFFD FFFD, false},   /* ... and an odd byte */
        {"\x00\xDC" "A\0", 4, OST_UTF16LE, FFFD "A", false}, /* a low surrogate alone */
        {"\x00\xD8\x00\xD8\x00\xDC", 6, OST_UTF16LE, FFFD "\xF0\x90\x80\x80", false},
        {"\xD8\x00\xDC\x00", 4, OST_UTF16BE, "\xF0\x90\x80\x80", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool good = !cases[i].well_formed;
        char *s = to_utf8(cases[i].bytes, cases[i].n, cases[i].order, &good);
        if (strcmp(s, cases[i].text) || good != cases[i].well_formed)
            fail_msg("case %zu: \"%s\" (%s)", i, s, good ? "well-formed" : "replaced");
        free(s);
    }
    /* code point by code point, an unpaired surrogate comes back as itself */
    uint32_t cp;
    assert_int_equal(ost_utf16_next((const uint8_t *)"\x00\xD8" "A\0", 4, OST_UTF16LE, &cp), 2);
    assert_int_equal(cp, 0xD800);
    assert_int_equal(ost_utf16_next((const uint8_t *)"\x3D\xD8\x0A\xDD", 4, OST_UTF16LE, &cp), 4);
    assert_int_equal(cp, 0x1F50A);
    assert_int_equal(ost_utf16_next((const uint8_t *)"A", 1, OST_UTF16LE, &cp), 0);
}

/* Byte by byte, the stream gives what the whole-string decoder gives. */
static void test_utf16_stream(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t n;
        const char *text;
    } cases[] = {
        {"a\0\x3D\xD8\x0A\xDD" "b\0", 8, "a\xF0\x9F\x94\x8A" "b"},
        {"\x00\xD8" "A\0", 4, FFFD "A"},
        {"\x00\xDC" "A\0", 4, FFFD "A"},
        {"\x00\xD8\x00\xD8\x00\xDC", 6, FFFD "\xF0\x90\x80\x80"},
        {"a\0\x00\xD8", 4, "a" FFFD},
        {"a\0b", 3, "a" FFFD},
        {"\x00\xD8" "b", 3, FFFD FFFD}, /* a high surrogate and an odd byte left */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int o = OST_UTF16LE; o <= OST_UTF16BE; o++) {
            uint8_t bytes[16];
            memcpy(bytes, cases[i].bytes, cases[i].n);
            if (o == OST_UTF16BE)
                for (size_t k = 0; k + 1 < cases[i].n; k += 2) {
                    uint8_t t = bytes[k];
                    bytes[k] = bytes[k + 1], bytes[k + 1] = t;
                }
            struct ost_utf16_stream s = {.order = (enum ost_utf16_order)o};
            struct ost_buf b = {0};
            uint32_t cp[2];
            for (size_t k = 0; k < cases[i].n; k++) {
                unsigned got = ost_utf16_stream_byte(&s, bytes[k], cp);
                for (unsigned j = 0; j < got; j++)
                    ost_buf_add_utf8(&b, cp[j]);
            }
            for (unsigned j = 0, left = ost_utf16_stream_end(&s, cp); j < left; j++)
                ost_buf_add_utf8(&b, cp[j]);
            char *got = ost_buf_steal(&b);
            if (strcmp(got, cases[i].text))
                fail_msg("case %zu (%s): \"%s\"", i, o == OST_UTF16LE ? "LE" : "BE", got);
            free(got);
            assert_int_equal(ost_utf16_stream_end(&s, cp), 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_utf8_well_formed),
        cmocka_unit_test(test_utf8_maximal_subparts),
        cmocka_unit_test(test_utf16_ill_formed),
        cmocka_unit_test(test_utf16_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
