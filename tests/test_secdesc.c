/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The inherited security descriptor (secdesc.c) where test_ntfsfs.c does
 * not reach: a folder with nothing to inherit (the creator's default
 * DACL, not marked inherited), a callback ACE whose CREATOR OWNER becomes
 * a longer SID with its application data kept, an object ACE, and
 * malformed or oversized descriptors refused. */
#include "testutil.h"

#include "secdesc.h"

static const uint8_t SY[] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
static const uint8_t BU[] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x21, 2, 0, 0};
static const uint8_t CO[] = {1, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0};

/* A descriptor with the DACL acl (aces bytes, count ACEs), owner and group SYSTEM. */
static size_t descriptor(uint8_t *sd, uint16_t control, const uint8_t *aces, size_t len, unsigned count)
{
    memset(sd, 0, 20);
    sd[0] = 1;
    ost_put_le16(sd + 2, control);
    size_t pos = 20;
    ost_put_le32(sd + 16, (uint32_t)pos);
    sd[pos] = 2;
    ost_put_le16(sd + pos + 2, (uint16_t)(8 + len));
    ost_put_le16(sd + pos + 4, (uint16_t)count);
    memcpy(sd + pos + 8, aces, len);
    pos += 8 + len;
    ost_put_le32(sd + 4, (uint32_t)pos);
    memcpy(sd + pos, SY, sizeof SY), pos += sizeof SY;
    ost_put_le32(sd + 8, (uint32_t)pos);
    memcpy(sd + pos, SY, sizeof SY), pos += sizeof SY;
    return pos;
}

static size_t ace(uint8_t *p, uint8_t type, uint8_t flags, uint32_t mask, const uint8_t *sid, size_t sid_len,
                  const void *extra, size_t extra_len)
{
    p[0] = type, p[1] = flags;
    ost_put_le16(p + 2, (uint16_t)(8 + sid_len + extra_len));
    ost_put_le32(p + 4, mask);
    memcpy(p + 8, sid, sid_len);
    if (extra_len)
        memcpy(p + 8 + sid_len, extra, extra_len);
    return 8 + sid_len + extra_len;
}

static void test_nothing_inherited_gives_the_default_dacl(void **state)
{
    (void)state;
    uint8_t aces[64], sd[256];
    size_t n = ace(aces, 0, 0, 0x1F01FF, BU, sizeof BU, NULL, 0);          /* the folder's own */
    n += ace(aces + n, 0, 0x01 | 0x04, 0x1F01FF, BU, sizeof BU, NULL, 0); /* files only, not folders */
    size_t sd_n = descriptor(sd, 0x8404, aces, n, 2);
    uint8_t *out;
    size_t out_n;
    struct ost_error err;
    assert_ost_ok(ost_sd_inherit("t", sd, sd_n, true, OST_SID_ADMINISTRATORS, OST_SID_ADMINISTRATORS, &out, &out_n,
                                 &err),
                  &err);
    /* SE_SELF_RELATIVE | SE_DACL_PRESENT: not auto-inherited */
    assert_int_equal(ost_le16(out + 2), 0x8004);
    assert_int_equal(ost_le32(out + 12), 0);
    const uint8_t *acl = out + ost_le32(out + 16);
    assert_int_equal(ost_le16(acl + 4), 2);
    assert_int_equal(acl[8 + 1], 0); /* not inherited */
    assert_int_equal(ost_le32(acl + 8 + 4), 0x1F01FF);
    assert_memory_equal(acl + 16, SY, sizeof SY);
    assert_memory_equal(acl + 8 + 20 + 8, OST_SID_ADMINISTRATORS, 16);
    assert_memory_equal(out + ost_le32(out + 4), OST_SID_ADMINISTRATORS, 16);
    free(out);
    /* the file does inherit the second ACE */
    assert_ost_ok(ost_sd_inherit("t", sd, sd_n, false, OST_SID_ADMINISTRATORS, OST_SID_ADMINISTRATORS, &out, &out_n,
                                 &err),
                  &err);
    assert_int_equal(ost_le16(out + 2), 0x8404);
    acl = out + ost_le32(out + 16);
    assert_int_equal(ost_le16(acl + 4), 1);
    assert_int_equal(acl[8 + 1], 0x10);
    free(out);
    /* no DACL at all: the default too */
    sd_n = descriptor(sd, 0x8000, aces, n, 2);
    assert_ost_ok(ost_sd_inherit("t", sd, sd_n, false, OST_SID_ADMINISTRATORS, OST_SID_ADMINISTRATORS, &out, &out_n,
                                 &err),
                  &err);
    assert_int_equal(ost_le16(out + 2), 0x8004);
    assert_int_equal(ost_le16(out + ost_le32(out + 16) + 4), 2);
    free(out);
}

static void test_callback_and_object_aces(void **state)
{
    (void)state;
    uint8_t aces[128], sd[256];
    /* ACCESS_ALLOWED_CALLBACK for CREATOR OWNER, with application data */
    static const char data[] = "artx";
    size_t n = ace(aces, 0x09, 0x01, 0x80000000u, CO, sizeof CO, data, 4);
    /* ACCESS_ALLOWED_OBJECT with an ObjectType GUID before its SID */
    uint8_t obj[4 + 16 + sizeof BU];
    ost_put_le32(obj, 1);
    memset(obj + 4, 0xAB, 16);
    memcpy(obj + 20, BU, sizeof BU);
    aces[n] = 0x05, aces[n + 1] = 0x01;
    ost_put_le16(aces + n + 2, (uint16_t)(8 + sizeof obj));
    ost_put_le32(aces + n + 4, 0x10000000u);
    memcpy(aces + n + 8, obj, sizeof obj);
    n += 8 + sizeof obj;
    size_t sd_n = descriptor(sd, 0x8404, aces, n, 2);
    uint8_t *out;
    size_t out_n;
    struct ost_error err;
    assert_ost_ok(ost_sd_inherit("t", sd, sd_n, false, OST_SID_ADMINISTRATORS, SY, &out, &out_n, &err), &err);
    const uint8_t *a = out + ost_le32(out + 16) + 8;
    assert_int_equal(a[0], 0x09);
    assert_int_equal(a[1], 0x10);
    assert_int_equal(ost_le16(a + 2), 8 + 16 + 4);
    assert_int_equal(ost_le32(a + 4), 0x120089); /* FILE_GENERIC_READ */
    assert_memory_equal(a + 8, OST_SID_ADMINISTRATORS, 16);
    assert_memory_equal(a + 24, data, 4);
    a += ost_le16(a + 2);
    assert_int_equal(a[0], 0x05);
    assert_int_equal(a[1], 0x10);
    assert_int_equal(ost_le32(a + 4), 0x1F01FF);
    assert_memory_equal(a + 8, obj, sizeof obj);
    free(out);
}

static void test_malformed_refused(void **state)
{
    (void)state;
    uint8_t aces[64], sd[256];
    size_t n = ace(aces, 0, 0x03, 0x1F01FF, BU, sizeof BU, NULL, 0);
    size_t sd_n = descriptor(sd, 0x8404, aces, n, 1);
    uint8_t *out = NULL;
    size_t out_n;
    struct ost_error err;
    assert_int_equal(ost_sd_inherit("vol: x", sd, 19, true, OST_SID_ADMINISTRATORS, SY, &out, &out_n, &err),
                     OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "vol: x: 19 bytes"));
    uint8_t bad[256];
    memcpy(bad, sd, sd_n);
    ost_put_le16(bad + 20 + 8 + 2, 200); /* the ACE runs past its ACL */
    assert_int_equal(ost_sd_inherit("x", bad, sd_n, true, OST_SID_ADMINISTRATORS, SY, &out, &out_n, &err),
                     OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "ACE 0 of 200 bytes"));
    memcpy(bad, sd, sd_n);
    ost_put_le16(bad + 20 + 4, 2); /* a second ACE that is not there */
    assert_int_equal(ost_sd_inherit("x", bad, sd_n, true, OST_SID_ADMINISTRATORS, SY, &out, &out_n, &err),
                     OST_ERR_CORRUPT);
    memcpy(bad, sd, sd_n);
    ost_put_le32(bad + 16, (uint32_t)sd_n); /* DACL past the end */
    assert_int_equal(ost_sd_inherit("x", bad, sd_n, true, OST_SID_ADMINISTRATORS, SY, &out, &out_n, &err),
                     OST_ERR_CORRUPT);
    memcpy(bad, sd, sd_n);
    ost_put_le16(bad + 2, 0x0404); /* absolute, not self-relative */
    assert_int_equal(ost_sd_inherit("x", bad, sd_n, true, OST_SID_ADMINISTRATORS, SY, &out, &out_n, &err),
                     OST_ERR_CORRUPT);
    static const uint8_t not_a_sid[] = {2, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
    assert_int_equal(ost_sd_inherit("x", sd, sd_n, true, not_a_sid, SY, &out, &out_n, &err), OST_ERR_CORRUPT);
    assert_null(out);
}

static void test_oversized_acl_refused(void **state)
{
    (void)state;
    /* 2000 ACEs of 32 bytes with generic rights: a folder would get two each, past 64 KiB */
    enum { COUNT = 2000 };
    uint8_t *aces = ost_xmalloc(COUNT * 32), *sd = ost_xmalloc(COUNT * 32 + 64);
    size_t n = 0;
    static const uint8_t long_sid[] = {1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0};
    for (int i = 0; i < COUNT; i++)
        n += ace(aces + n, 0, 0x03, 0x10000000u, long_sid, sizeof long_sid, NULL, 0);
    size_t sd_n = descriptor(sd, 0x8404, aces, n, COUNT);
    uint8_t *out;
    size_t out_n;
    struct ost_error err;
    assert_int_equal(ost_sd_inherit("x", sd, sd_n, true, OST_SID_ADMINISTRATORS, SY, &out, &out_n, &err),
                     OST_ERR_LIMIT);
    assert_non_null(strstr(err.message, "64 KiB"));
    /* a file gets one each, which fits */
    assert_ost_ok(ost_sd_inherit("x", sd, sd_n, false, OST_SID_ADMINISTRATORS, SY, &out, &out_n, &err), &err);
    assert_int_equal(ost_le16(out + ost_le32(out + 16) + 4), COUNT);
    free(out), free(aces), free(sd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_inherited_gives_the_default_dacl),
        cmocka_unit_test(test_callback_and_object_aces),
        cmocka_unit_test(test_malformed_refused),
        cmocka_unit_test(test_oversized_acl_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
