/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Certificates and machine stores (certstore.c): a certificate made here by
 * `openssl req -x509`, read back and compared with what the openssl command
 * says about it; the Blob checked byte for byte against the layout Windows
 * writes; damaged Blobs and certificate files refused with the place at
 * fault; stores of a test image edited and listed. */
#include "testutil.h"

#include "certstore.h"
#include "testimage.h"

struct fixture {
    char *dir;       /* temporary folder */
    char *pem, *der; /* the same certificate in both encodings */
};

/* Runs a shell command and returns its stdout with the last newline cut. */
static char *sh(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    struct ost_buf b = {0};
    char chunk[512];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        ost_buf_add(&b, chunk, n);
    if (pclose(p) != 0)
        fail_msg("command failed: %s", cmd);
    if (b.len && b.data[b.len - 1] == '\n')
        b.data[--b.len] = 0;
    return ost_buf_steal(&b);
}

/* The value of `openssl x509 -noout OPTION` after the '='. */
static char *openssl_field(const char *pem, const char *option)
{
    char *cmd = ost_xasprintf("openssl x509 -in '%s' -noout %s", pem, option);
    char *out = sh(cmd);
    char *eq = strchr(out, '=');
    assert_non_null(eq);
    char *v = ost_xstrdup(eq + 1);
    free(cmd), free(out);
    return v;
}

static int setup(void **state)
{
    struct fixture *f = ost_xcalloc(1, sizeof *f);
    f->dir = t_mkdtemp();
    f->pem = ost_path_join(f->dir, "test.pem");
    f->der = ost_path_join(f->dir, "test.cer");
    char *cmd = ost_xasprintf("cd '%s' && openssl req -x509 -newkey rsa:2048 -nodes -days 30 "
                              "-subj '/CN=offstage test signing/O=Offstage Tests' -keyout key.pem -out test.pem "
                              "2>/dev/null && openssl x509 -in test.pem -outform DER -out test.cer",
                              f->dir);
    free(sh(cmd));
    free(cmd);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    t_rm_rf(f->dir);
    free(f->dir), free(f->pem), free(f->der), free(f);
    return 0;
}

static struct ost_cert load(const char *path)
{
    struct ost_cert *certs;
    size_t n;
    struct ost_error err;
    assert_ost_ok(ost_cert_load(path, OST_CERT_LOAD_ONE, &certs, &n, &err), &err);
    assert_int_equal(n, 1);
    struct ost_cert c = certs[0];
    free(certs);
    return c;
}

/* The SHA-1 fingerprint openssl prints, without colons. */
static char *openssl_thumbprint(const char *pem)
{
    char *fp = openssl_field(pem, "-fingerprint -sha1");
    char *out = ost_xcalloc(1, strlen(fp) + 1), *o = out;
    for (const char *p = fp; *p; p++)
        if (*p != ':')
            *o++ = *p;
    free(fp);
    return out;
}

static void test_certificate_as_openssl_reads_it(void **state)
{
    struct fixture *f = *state;
    struct ost_cert c = load(f->pem);
    char *tp = openssl_thumbprint(f->pem), *subject = openssl_field(f->pem, "-subject -nameopt RFC2253");
    char *issuer = openssl_field(f->pem, "-issuer -nameopt RFC2253"), *serial = openssl_field(f->pem, "-serial");
    char *before = openssl_field(f->pem, "-startdate -dateopt iso_8601");
    char *after = openssl_field(f->pem, "-enddate -dateopt iso_8601");
    assert_string_equal(c.thumbprint, tp);
    assert_string_equal(c.subject, subject);
    assert_string_equal(c.subject, "O=Offstage Tests,CN=offstage test signing");
    assert_string_equal(c.issuer, issuer);
    assert_string_equal(c.serial, serial);
    before[10] = after[10] = 'T'; /* "2026-01-10 12:00:00Z" */
    assert_string_equal(c.not_before, before);
    assert_string_equal(c.not_after, after);
    free(tp), free(subject), free(issuer), free(serial), free(before), free(after);
    ost_cert_free(&c);
}

static void test_pem_and_der_are_the_same_certificate(void **state)
{
    struct fixture *f = *state;
    struct ost_cert a = load(f->pem), b = load(f->der);
    uint8_t *der;
    size_t n;
    struct ost_error err;
    assert_ost_ok(ost_read_file(f->der, OST_CERT_MAX_FILE, &der, &n, &err), &err);
    assert_string_equal(a.thumbprint, b.thumbprint);
    assert_int_equal(a.der_len, n);
    assert_memory_equal(a.der, der, n);
    assert_memory_equal(b.der, der, n);
    free(der);
    ost_cert_free(&a), ost_cert_free(&b);
}

static void test_blob_is_what_windows_writes(void **state)
{
    struct fixture *f = *state;
    struct ost_cert c = load(f->der);
    uint8_t *blob;
    size_t len;
    ost_cert_blob_build(&c, &blob, &len);
    /* Expected bytes written out by hand: 03 00 00 00 01 00 00 00 14 00 00 00
     * <sha1 from openssl> 20 00 00 00 01 00 00 00 <len> <DER>. */
    char *tp = openssl_thumbprint(f->pem);
    uint8_t expect[44];
    static const uint8_t head[12] = {0x03, 0, 0, 0, 0x01, 0, 0, 0, 0x14, 0, 0, 0};
    memcpy(expect, head, 12);
    for (int i = 0; i < 20; i++) {
        unsigned v;
        assert_int_equal(sscanf(tp + 2 * i, "%2x", &v), 1);
        expect[12 + i] = (uint8_t)v;
    }
    static const uint8_t cert_head[8] = {0x20, 0, 0, 0, 0x01, 0, 0, 0};
    memcpy(expect + 32, cert_head, 8);
    expect[40] = (uint8_t)c.der_len, expect[41] = (uint8_t)(c.der_len >> 8);
    expect[42] = (uint8_t)(c.der_len >> 16), expect[43] = (uint8_t)(c.der_len >> 24);
    assert_int_equal(len, 44 + c.der_len);
    assert_memory_equal(blob, expect, 44);
    assert_memory_equal(blob + 44, c.der, c.der_len);

    struct ost_cert_blob parsed;
    struct ost_error err;
    assert_ost_ok(ost_cert_blob_parse(blob, len, "Blob", &parsed, &err), &err);
    assert_int_equal(parsed.nprops, 2);
    assert_true(parsed.hash_matches);
    assert_ptr_equal(parsed.der, blob + 44);
    free(blob), free(tp);
    ost_cert_free(&c);
}

static void add_prop(struct ost_buf *b, uint32_t id, const void *data, uint32_t len)
{
    uint8_t h[12];
    ost_put_le32(h, id), ost_put_le32(h + 4, 1), ost_put_le32(h + 8, len);
    ost_buf_add(b, h, 12);
    ost_buf_add(b, data, len);
}

/* A Blob as Windows writes it once the certificate has been used: a friendly
 * name, key identifier and more between the hash and the certificate. */
static struct ost_buf windows_blob(const struct ost_cert *c)
{
    uint8_t *plain;
    size_t len;
    ost_cert_blob_build(c, &plain, &len);
    struct ost_buf b = {0};
    ost_buf_add(&b, plain, 32); /* property 3 */
    static const uint8_t name[] = {'T', 0, 'e', 0, 's', 0, 't', 0, 0, 0};
    add_prop(&b, 0x0B, name, sizeof name);
    add_prop(&b, 0x14, plain + 12, 20);
    add_prop(&b, 0x19, "\x30\x00", 2);
    add_prop(&b, 0x20, c->der, (uint32_t)c->der_len);
    free(plain);
    return b;
}

static void test_blob_with_other_properties(void **state)
{
    struct fixture *f = *state;
    struct ost_cert c = load(f->der);
    struct ost_buf b = windows_blob(&c);
    struct ost_cert_blob parsed;
    struct ost_error err;
    assert_ost_ok(ost_cert_blob_parse((uint8_t *)b.data, b.len, "Blob", &parsed, &err), &err);
    assert_int_equal(parsed.nprops, 5);
    assert_true(parsed.hash_matches);
    assert_int_equal(parsed.der_len, c.der_len);
    assert_memory_equal(parsed.der, c.der, c.der_len);
    ost_buf_free(&b);
    ost_cert_free(&c);
}

static void expect_blob_error(const uint8_t *blob, size_t len, const char *part)
{
    struct ost_cert_blob parsed;
    struct ost_error err;
    assert_int_equal(ost_cert_blob_parse(blob, len, "ROOT\\Certificates\\X\\Blob", &parsed, &err), OST_ERR_CORRUPT);
    if (!strstr(err.message, "ROOT\\Certificates\\X\\Blob") || !strstr(err.message, part))
        fail_msg("message lacks '%s': %s", part, err.message);
}

static void test_malformed_blobs(void **state)
{
    struct fixture *f = *state;
    struct ost_cert c = load(f->der);
    uint8_t *blob;
    size_t len;
    ost_cert_blob_build(&c, &blob, &len);
    expect_blob_error(blob, 0, "offset 0: no certificate property (0x20)");
    expect_blob_error(blob, 5, "offset 0: 5 bytes left, too few");
    expect_blob_error(blob, 40, "offset 32: 8 bytes left");
    expect_blob_error(blob, 32, "offset 32: no certificate property");
    expect_blob_error(blob, len - 1, "offset 32: property 0x20 claims");
    /* every shorter Blob is refused, none read out of bounds */
    for (size_t n = 0; n < len; n++) {
        struct ost_cert_blob parsed;
        struct ost_error err;
        assert_int_equal(ost_cert_blob_parse(blob, n, "Blob", &parsed, &err), OST_ERR_CORRUPT);
    }
    ost_put_le32(blob + 8, 0xFFFFFFF0u);
    expect_blob_error(blob, len, "offset 0: property 0x3 claims 4294967280 bytes");
    free(blob);
    ost_cert_free(&c);
}

static void expect_policy_error(const char *path, enum ost_cert_policy policy, ost_status status, const char *part)
{
    struct ost_cert *certs = (struct ost_cert *)1;
    size_t n = 1;
    struct ost_error err;
    assert_int_equal(ost_cert_load(path, policy, &certs, &n, &err), status);
    if (!strstr(err.message, path) || !strstr(err.message, part))
        fail_msg("message lacks '%s': %s", part, err.message);
    assert_null(certs);
    assert_int_equal(n, 0);
}

/* What is wrong with the file is wrong under either policy. */
static void expect_load_error(const char *path, ost_status status, const char *part)
{
    expect_policy_error(path, OST_CERT_LOAD_ONE, status, part);
    expect_policy_error(path, OST_CERT_LOAD_BUNDLE, status, part);
}

static void test_bad_certificate_files(void **state)
{
    struct fixture *f = *state;
    char *p = ost_path_join(f->dir, "bad");
    t_write_str(p, "this is not a certificate\n");
    expect_load_error(p, OST_ERR_CORRUPT, "not a DER X.509 certificate");
    t_write_str(p, "");
    expect_load_error(p, OST_ERR_CORRUPT, "empty file");
    char *cmd = ost_xasprintf("cat '%s' '%s' > '%s'", f->pem, f->pem, p);
    free(sh(cmd)), free(cmd);
    expect_policy_error(p, OST_CERT_LOAD_ONE, OST_ERR_UNSUPPORTED, "holds 2 certificates where one is wanted");
    cmd = ost_xasprintf("cp '%s/key.pem' '%s'", f->dir, p);
    free(sh(cmd)), free(cmd);
    expect_load_error(p, OST_ERR_CORRUPT, "holds 1 PEM block and no CERTIFICATE");
    cmd = ost_xasprintf("cat '%s/key.pem' '%s' > '%s'", f->dir, f->pem, p);
    free(sh(cmd)), free(cmd);
    struct ost_cert c = load(p); /* a key next to the certificate is ignored */
    ost_cert_free(&c);
    cmd = ost_xasprintf("sed 's/^M/!/' '%s' > '%s'", f->pem, p);
    free(sh(cmd)), free(cmd);
    expect_load_error(p, OST_ERR_CORRUPT, "PEM block 1: cannot be decoded");
    cmd = ost_xasprintf("cat '%s' '%s' > '%s' && printf 'xx' >> '%s'", f->der, f->der, p, p);
    free(sh(cmd)), free(cmd);
    struct ost_cert d = load(f->der);
    char *where = ost_xasprintf("offset %zu: %zu bytes follow", d.der_len, d.der_len + 2);
    expect_load_error(p, OST_ERR_CORRUPT, where);
    free(where);
    ost_cert_free(&d);
    free(p);
}

/* A bundle is refused where one certificate is wanted and read whole,
 * in order, where several may be trusted. */
static void test_bundle_policy(void **state)
{
    struct fixture *f = *state;
    char *p = ost_path_join(f->dir, "bundle.pem");
    char *cmd = ost_xasprintf("cd '%s' && openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj '/CN=second' "
                              "-keyout second.key -out second.pem 2>/dev/null && cat test.pem key.pem second.pem > '%s'",
                              f->dir, p);
    free(sh(cmd)), free(cmd);
    expect_policy_error(p, OST_CERT_LOAD_ONE, OST_ERR_UNSUPPORTED, "bundle.pem: holds 2 certificates");
    struct ost_cert *certs;
    size_t n;
    struct ost_error err;
    assert_ost_ok(ost_cert_load(p, OST_CERT_LOAD_BUNDLE, &certs, &n, &err), &err);
    assert_int_equal(n, 2);
    struct ost_cert first = load(f->pem);
    assert_string_equal(certs[0].thumbprint, first.thumbprint);
    assert_string_equal(certs[1].subject, "CN=second");
    ost_certs_free(certs, n);
    /* a DER file is one certificate under either policy */
    assert_ost_ok(ost_cert_load(f->der, OST_CERT_LOAD_BUNDLE, &certs, &n, &err), &err);
    assert_int_equal(n, 1);
    assert_string_equal(certs[0].thumbprint, first.thumbprint);
    ost_certs_free(certs, n);
    ost_cert_free(&first);
    free(p);
}

static void test_thumbprint_argument(void **state)
{
    (void)state;
    char t[41];
    assert_true(ost_thumbprint_parse("04d1bcfaf3efa550015c4f6ef00abd617a4c0c8c", t));
    assert_string_equal(t, "04D1BCFAF3EFA550015C4F6EF00ABD617A4C0C8C");
    assert_true(ost_thumbprint_parse("04:D1:BC:FA:F3:EF:A5:50:01:5C:4F:6E:F0:0A:BD:61:7A:4C:0C:8C", t));
    assert_string_equal(t, "04D1BCFAF3EFA550015C4F6EF00ABD617A4C0C8C");
    assert_false(ost_thumbprint_parse("04D1", t));
    assert_false(ost_thumbprint_parse("04D1BCFAF3EFA550015C4F6EF00ABD617A4C0C8C00", t));
    assert_false(ost_thumbprint_parse("G4D1BCFAF3EFA550015C4F6EF00ABD617A4C0C8C", t));
    assert_false(ost_thumbprint_parse("", t));
}

/* ---- stores of a test image ------------------------------------------------ */

static struct ost_image *open_image(const char *dir, bool writable)
{
    struct ost_target *t;
    struct ost_image *img;
    struct ost_error err;
    struct ost_image_options o = {.writable = writable};
    if (ost_target_open_dir(dir, writable, &t, &err) != OST_OK || ost_image_open(t, &o, &img, &err) != OST_OK)
        fail_msg("%s", err.message);
    return img;
}

static char *make_image(const struct fixture *f)
{
    char *dir = ost_path_join(f->dir, "img");
    t_rm_rf(dir);
    struct ost_test_image_options o = {.arch = OST_ARCH_AMD64};
    struct ost_error err;
    if (ost_make_test_image(dir, &o, &err) != OST_OK)
        fail_msg("%s", err.message);
    return dir;
}

static void test_add_list_remove(void **state)
{
    struct fixture *f = *state;
    char *dir = make_image(f);
    struct ost_cert c = load(f->pem);
    struct ost_image *img = open_image(dir, true);
    struct ost_error err;
    enum ost_cert_action action;
    assert_false(ost_certstore_has(img, "ROOT", c.thumbprint));
    assert_ost_ok(ost_certstore_add(img, "ROOT", &c, &action, &err), &err);
    assert_int_equal(action, OST_CERT_ADD);
    assert_ost_ok(ost_certstore_add(img, "TrustedPeople", &c, &action, &err), &err);
    assert_true(ost_certstore_has(img, "ROOT", c.thumbprint));
    assert_true(ost_certstore_has(img, "root", c.thumbprint));
    assert_false(ost_certstore_has(img, "TrustedPublisher", c.thumbprint));
    assert_ost_ok(ost_image_commit(img, &err), &err);
    ost_image_close(img);

    img = open_image(dir, true);
    /* a new store gets the three keys Windows gives every store */
    assert_true(ost_hive_key(img->software, 0, "Microsoft\\SystemCertificates\\TrustedPeople\\CRLs"));
    assert_true(ost_hive_key(img->software, 0, "Microsoft\\SystemCertificates\\TrustedPeople\\CTLs"));
    assert_ost_ok(ost_certstore_add(img, "ROOT", &c, &action, &err), &err);
    assert_int_equal(action, OST_CERT_PRESENT);
    assert_false(ost_hive_modified(img->software));
    struct ost_certstore_list l;
    assert_ost_ok(ost_certstore_list(img, NULL, &l, &err), &err);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.v[0].store, "ROOT");
    assert_string_equal(l.v[0].key, c.thumbprint);
    assert_string_equal(l.v[0].cert.subject, c.subject);
    assert_true(l.v[0].hash_matches && l.v[0].key_matches && !l.v[0].problem);
    ost_certstore_list_free(&l);
    assert_ost_ok(ost_certstore_remove(img, "ROOT", c.thumbprint, &err), &err);
    assert_int_equal(ost_certstore_remove(img, "ROOT", c.thumbprint, &err), OST_NEGATIVE);
    assert_false(ost_certstore_has(img, "ROOT", c.thumbprint));
    assert_true(ost_hive_key(img->software, 0, "Microsoft\\SystemCertificates\\ROOT\\Certificates"));
    ost_image_close(img);
    ost_cert_free(&c);
    free(dir);
}

static void set_blob(struct ost_image *img, const char *store, const char *key, const void *data, size_t len)
{
    char *path = ost_xasprintf("Microsoft\\SystemCertificates\\%s\\Certificates\\%s", store, key);
    ost_hkey k;
    struct ost_error err;
    assert_ost_ok(ost_hive_create_key(img->software, 0, path, &k, &err), &err);
    assert_ost_ok(ost_hive_set_raw(img->software, k, "Blob", OST_REG_BINARY, data, len, &err), &err);
    free(path);
}

static void test_windows_entry_is_kept(void **state)
{
    struct fixture *f = *state;
    char *dir = make_image(f);
    struct ost_cert c = load(f->der);
    struct ost_buf b = windows_blob(&c);
    struct ost_image *img = open_image(dir, true);
    set_blob(img, "ROOT", c.thumbprint, b.data, b.len);
    struct ost_error err;
    enum ost_cert_action action;
    assert_ost_ok(ost_certstore_add(img, "ROOT", &c, &action, &err), &err);
    assert_int_equal(action, OST_CERT_PRESENT);
    uint32_t type;
    uint8_t *data;
    size_t len;
    ost_hkey k = ost_hive_key(img->software, 0, "Microsoft\\SystemCertificates\\ROOT\\Certificates");
    assert_true(ost_hive_get_raw(img->software, ost_hive_key(img->software, k, c.thumbprint), "Blob", &type, &data,
                                 &len));
    assert_int_equal(len, b.len);
    assert_memory_equal(data, b.data, len);
    free(data);
    ost_image_close(img);
    ost_buf_free(&b);
    ost_cert_free(&c);
    free(dir);
}

static void test_broken_entries(void **state)
{
    struct fixture *f = *state;
    char *dir = make_image(f);
    struct ost_cert c = load(f->der);
    struct ost_image *img = open_image(dir, true);
    /* bare DER, as some tools write; a truncated Blob; a Blob under another key */
    set_blob(img, "ROOT", c.thumbprint, c.der, c.der_len);
    uint8_t *blob;
    size_t len;
    ost_cert_blob_build(&c, &blob, &len);
    set_blob(img, "TrustedPublisher", c.thumbprint, blob, len - 10);
    set_blob(img, "CA", "0000000000000000000000000000000000000000", blob, len);
    /* well-formed properties, but property 0x20 is not a certificate */
    struct ost_buf stub = {0};
    ost_buf_add(&stub, blob, 32);
    add_prop(&stub, 0x20, "\x30\x03\x02\x01\x01", 5);
    set_blob(img, "Disallowed", c.thumbprint, stub.data, stub.len);
    ost_buf_free(&stub);
    struct ost_certstore_list l;
    struct ost_error err;
    assert_ost_ok(ost_certstore_list(img, NULL, &l, &err), &err);
    assert_int_equal(l.n, 4);
    for (size_t i = 0; i < l.n; i++) {
        assert_non_null(l.v[i].problem);
        assert_non_null(strstr(l.v[i].problem, "SOFTWARE\\Microsoft\\SystemCertificates\\"));
    }
    assert_non_null(strstr(l.v[0].problem, "CA\\Certificates\\0000000000000000000000000000000000000000\\Blob: the key "
                                           "is named"));
    assert_non_null(strstr(l.v[1].problem, "Disallowed\\Certificates\\"));
    assert_non_null(strstr(l.v[1].problem, "Blob (the certificate at offset 44): offset 0: not a DER X.509"));
    assert_null(l.v[1].cert.der);
    assert_non_null(strstr(l.v[2].problem, "ROOT\\Certificates\\"));
    assert_non_null(strstr(l.v[2].problem, "offset "));
    char *trunc = ost_xasprintf("Blob: offset 32: property 0x20 claims %zu bytes, only %zu follow", c.der_len,
                                c.der_len - 10);
    assert_non_null(strstr(l.v[3].problem, trunc));
    free(trunc);
    ost_certstore_list_free(&l);
    assert_false(ost_certstore_has(img, "ROOT", c.thumbprint));

    enum ost_cert_action action;
    char *reason;
    assert_ost_ok(ost_certstore_plan_add(img, "ROOT", &c, &action, &reason, &err), &err);
    assert_int_equal(action, OST_CERT_REPLACE);
    assert_non_null(reason);
    free(reason);
    assert_ost_ok(ost_certstore_add(img, "TrustedPublisher", &c, &action, &err), &err);
    assert_int_equal(action, OST_CERT_REPLACE);
    assert_true(ost_certstore_has(img, "TrustedPublisher", c.thumbprint));
    free(blob);
    ost_image_close(img);
    ost_cert_free(&c);
    free(dir);
}

static void test_store_names(void **state)
{
    struct fixture *f = *state;
    char *dir = make_image(f);
    struct ost_image *img = open_image(dir, false);
    char *name;
    struct ost_error err;
    assert_ost_ok(ost_certstore_check_name(img, "root", &name, &err), &err);
    assert_string_equal(name, "ROOT");
    free(name);
    assert_ost_ok(ost_certstore_check_name(img, "trustedpeople", &name, &err), &err);
    assert_string_equal(name, "TrustedPeople");
    free(name);
    assert_int_equal(ost_certstore_check_name(img, "Roots", &name, &err), OST_ERR_USAGE);
    assert_non_null(strstr(err.message, "'Roots'"));
    assert_int_equal(ost_certstore_check_name(img, "ROOT\\Certificates", &name, &err), OST_ERR_USAGE);
    assert_int_equal(ost_certstore_check_name(img, "", &name, &err), OST_ERR_USAGE);
    ost_image_close(img);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_certificate_as_openssl_reads_it),
        cmocka_unit_test(test_pem_and_der_are_the_same_certificate),
        cmocka_unit_test(test_blob_is_what_windows_writes),
        cmocka_unit_test(test_blob_with_other_properties),
        cmocka_unit_test(test_malformed_blobs),
        cmocka_unit_test(test_bad_certificate_files),
        cmocka_unit_test(test_bundle_policy),
        cmocka_unit_test(test_thumbprint_argument),
        cmocka_unit_test(test_add_list_remove),
        cmocka_unit_test(test_windows_entry_is_kept),
        cmocka_unit_test(test_broken_entries),
        cmocka_unit_test(test_store_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
