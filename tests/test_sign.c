/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Signing (testcert.c, signer.c, sign*.c): test certificates checked by
 * openssl, signer loading and its refusals, Authenticode signatures on the
 * mingw-built drivers and on a catalog built here byte by byte, checked by
 * the library's one signature check (ost_signed_data_verify, the catalog
 * check's) and, where installed, by osslsigncode; tampering must be caught
 * by both. */
#include "testutil.h"

#include <time.h>

#include <openssl/objects.h>
#include <openssl/pkcs7.h>

#include "catalog.h"
#include "pe.h"
#include "sign.h"
#include "sign_internal.h"
#include "testcert.h"

struct pair {
    struct ost_test_cert cert;
    struct ost_signer *signer;
};

static struct ost_test_cert make_cert(time_t not_before, time_t not_after)
{
    struct ost_test_cert_request req = {.subject_cn = "offstage unit test", .not_before = not_before,
                                        .not_after = not_after};
    struct ost_test_cert c;
    struct ost_error err;
    if (ost_make_test_cert(&req, &c, &err) != OST_OK)
        fail_msg("%s", err.message);
    return c;
}

static ost_status load_from(const struct ost_test_cert *key, const char *cert_pem,
                            const struct ost_signer_options *opt, struct ost_signer **s, struct ost_error *err)
{
    return ost_signer_from_memory((const uint8_t *)key->key_pem, strlen(key->key_pem), "test.key",
                                  (const uint8_t *)cert_pem, strlen(cert_pem), "test.pem", opt, s, err);
}

static int setup_pair(void **state)
{
    struct pair *p = ost_xcalloc(1, sizeof *p);
    p->cert = make_cert(0, 0);
    struct ost_error err;
    if (load_from(&p->cert, p->cert.cert_pem, NULL, &p->signer, &err) != OST_OK)
        fail_msg("%s", err.message);
    *state = p;
    return 0;
}

static int teardown_pair(void **state)
{
    struct pair *p = *state;
    ost_signer_free(p->signer);
    ost_test_cert_free(&p->cert);
    free(p);
    return 0;
}

static bool have_tool(const char *name)
{
    char *cmd = ost_xasprintf("command -v %s >/dev/null 2>&1", name);
    int rc = system(cmd);
    free(cmd);
    return rc == 0;
}

/* The first line of a command's output, trimmed. */
static char *command_line(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[4096] = "";
    if (!fgets(line, sizeof line, p))
        line[0] = '\0';
    pclose(p);
    return ost_str_trim(ost_xstrdup(line));
}

/* --- test certificates ------------------------------------------------------ */

static void test_cert_read_by_openssl(void **state)
{
    struct pair *p = *state;
    if (!have_tool("openssl"))
        return (void)fprintf(stderr, "skip: openssl not installed\n");
    char *dir = t_mkdtemp(), *der = t_in(dir, "c.cer");
    t_write(der, p->cert.cert_der, p->cert.cert_der_size);
    char *cmd = ost_xasprintf("openssl x509 -inform DER -in '%s' -noout -fingerprint -sha1 | tr -d ':'", der);
    char *line = command_line(cmd);
    assert_non_null(strchr(line, '='));
    assert_string_equal(strchr(line, '=') + 1, p->cert.thumbprint); /* "SHA1 Fingerprint=" or "sha1 ..." */
    free(cmd), free(line);
    cmd = ost_xasprintf("openssl x509 -inform DER -in '%s' -noout -subject -ext extendedKeyUsage,basicConstraints "
                        "| tr '\\n' ' '", der);
    line = command_line(cmd);
    assert_non_null(strstr(line, "subject=CN = offstage unit test"));
    assert_non_null(strstr(line, "Code Signing"));
    assert_non_null(strstr(line, "CA:FALSE"));
    free(cmd), free(line);
    t_rm_rf(dir);
    free(der), free(dir);
}

static void test_thumbprint_is_sha1_of_der(void **state)
{
    struct pair *p = *state;
    size_t n;
    const uint8_t *der = ost_signer_cert_der(p->signer, &n);
    assert_int_equal(n, p->cert.cert_der_size);
    assert_memory_equal(der, p->cert.cert_der, n);
    assert_string_equal(ost_signer_thumbprint(p->signer), p->cert.thumbprint);
    assert_string_equal(ost_signer_subject(p->signer), "CN=offstage unit test");
    char t[OST_THUMBPRINT_LEN + 1];
    ost_cert_thumbprint((const uint8_t *)"abc", 3, t);
    assert_string_equal(t, "A9993E364706816ABA3E25717850C26C9CD0D89D"); /* FIPS 180 example */
}

static void test_cert_write_refuses_existing(void **state)
{
    struct pair *p = *state;
    char *dir = t_mkdtemp(), *pem = t_in(dir, "t.pem"), *key = t_in(dir, "t.key"), *cer = t_in(dir, "t.cer");
    t_write_str(pem, "keep me");
    struct ost_error err;
    assert_int_equal(ost_test_cert_write(&p->cert, dir, "t", false, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, "t.pem: exists"));
    assert_int_equal(access(key, F_OK), -1);
    assert_int_equal(access(cer, F_OK), -1);
    uint8_t *data;
    size_t n;
    assert_ost_ok(ost_read_file(pem, 100, &data, &n, &err), &err);
    assert_string_equal((char *)data, "keep me");
    free(data);
    assert_ost_ok(ost_test_cert_write(&p->cert, dir, "t", true, &err), &err);
    struct stat st;
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(cer, &st), 0);
    assert_int_equal((size_t)st.st_size, p->cert.cert_der_size);
    t_rm_rf(dir);
    free(pem), free(key), free(cer), free(dir);
}

/* --- loading refusals ---------------------------------------------------------- */

static void expect_refused(const struct ost_test_cert *key, const char *cert_pem, const struct ost_signer_options *o,
                           const char *needle)
{
    struct ost_signer *s = (struct ost_signer *)1;
    struct ost_error err;
    ost_status st = load_from(key, cert_pem, o, &s, &err);
    assert_true(st != OST_OK);
    assert_int_not_equal(st, OST_NEGATIVE); /* an error, not a "no" */
    assert_null(s);
    if (!strstr(err.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
}

static void test_refuses_bad_signers(void **state)
{
    struct pair *p = *state;
    struct ost_test_cert other = make_cert(0, 0);
    expect_refused(&other, p->cert.cert_pem, NULL, "does not belong to the certificate in test.pem");
    char *two = ost_xasprintf("%s%s", p->cert.cert_pem, other.cert_pem);
    expect_refused(&p->cert, two, NULL, "holds 2 certificates");
    expect_refused(&p->cert, "no certificate here\n-----BEGIN NOTHING-----\n", NULL,
                   "test.pem: PEM block 1: cannot be decoded");
    expect_refused(&p->cert, p->cert.key_pem, NULL, "test.pem: holds 1 PEM block and no CERTIFICATE");
    struct ost_test_cert garbage = {.key_pem = "\x30\x03garbage"};
    expect_refused(&garbage, p->cert.cert_pem, NULL, "test.key: not a private key");
    free(two);
    ost_test_cert_free(&other);
}

static void test_refuses_expired_unless_allowed(void **state)
{
    (void)state;
    time_t now = time(NULL);
    struct ost_test_cert old = make_cert(now - 100 * 86400, now - 50 * 86400);
    expect_refused(&old, old.cert_pem, NULL, "test.pem: the certificate expired on");
    struct ost_test_cert future = make_cert(now + 50 * 86400, now + 100 * 86400);
    expect_refused(&future, future.cert_pem, NULL, "is valid only from");
    struct ost_signer_options allow = {.allow_expired = true};
    struct ost_signer *s;
    struct ost_error err;
    assert_ost_ok(load_from(&old, old.cert_pem, &allow, &s, &err), &err);
    ost_signer_free(s);
    ost_test_cert_free(&old);
    ost_test_cert_free(&future);
}

static void test_loads_der(void **state)
{
    struct pair *p = *state;
    struct ost_signer *s;
    struct ost_error err;
    /* the certificate as DER */
    assert_int_equal(ost_signer_from_memory((const uint8_t *)p->cert.key_pem, strlen(p->cert.key_pem), "k",
                                            p->cert.cert_der, p->cert.cert_der_size, "c.cer", NULL, &s, &err),
                     OST_OK);
    assert_string_equal(ost_signer_thumbprint(s), p->cert.thumbprint);
    ost_signer_free(s);
    uint8_t truncated[64];
    memcpy(truncated, p->cert.cert_der, sizeof truncated);
    assert_int_equal(ost_signer_from_memory((const uint8_t *)p->cert.key_pem, strlen(p->cert.key_pem), "k",
                                            truncated, sizeof truncated, "c.cer", NULL, &s, &err),
                     OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "c.cer: offset 0: not a DER X.509 certificate"));
}

/* --- PE images ------------------------------------------------------------------ */

struct image {
    uint8_t *data;
    size_t size;
};

static struct image load_driver(const char *arch)
{
    char *rel = ost_xasprintf("testdrivers/%s/testdrv.sys", arch);
    char *path = t_build_path(rel);
    struct image im;
    struct ost_error err;
    if (ost_read_file(path, OST_PE_MAX_FILE, &im.data, &im.size, &err) != OST_OK)
        fail_msg("%s (run `make examples` first)", err.message);
    free(rel), free(path);
    return im;
}

static struct image sign_pe(const struct pair *p, ost_digest d, const struct image *in)
{
    struct image out;
    struct ost_error err;
    if (ost_sign_pe(p->signer, d, in->data, in->size, "testdrv.sys", &out.data, &out.size, &err) != OST_OK)
        fail_msg("%s", err.message);
    return out;
}

static void hash_update(void *ctx, const void *data, size_t n)
{
    ost_buf_add(ctx, data, n);
}

/* The Authenticode hash, computed through pe.h and openssl's dgst. */
static char *authenticode_hex(const struct image *im, ost_digest d)
{
    struct ost_pe_info pe;
    struct ost_error err;
    assert_ost_ok(ost_pe_parse(im->data, im->size, "x", &pe, &err), &err);
    struct ost_buf covered = {0};
    assert_ost_ok(ost_pe_authenticode_digest(im->data, im->size, "x", &pe, hash_update, &covered, &err), &err);
    char *dir = t_mkdtemp(), *file = t_in(dir, "covered");
    t_write(file, covered.data, covered.len);
    char *cmd = ost_xasprintf("openssl dgst -%s -r '%s' | cut -d' ' -f1 | tr a-f A-F", ost_digest_name(d), file);
    char *hex = command_line(cmd);
    t_rm_rf(dir);
    free(cmd), free(file), free(dir);
    ost_buf_free(&covered);
    ost_pe_info_free(&pe);
    return hex;
}

/* A signature as the library's check and OpenSSL's parser read it. */
struct checked {
    enum ost_cat_sig_status status;
    char reason[512];
    char signer_thumbprint[OST_THUMBPRINT_LEN + 1];
    char content_type[128];
    ost_digest digest;
    uint8_t *content; /* the signed content's DER, tag and length included */
    size_t content_size;
};

/* Checks a DER SignedData against one trusted certificate (none when
 * trusted is NULL). */
static ost_status check_signature(const uint8_t *der, size_t n, const uint8_t *trusted, size_t trusted_size,
                                  struct checked *out, struct ost_error *err)
{
    memset(out, 0, sizeof *out);
    struct ost_cat_trust *t = ost_cat_trust_new();
    if (trusted)
        assert_ost_ok(ost_cat_trust_add_der(t, trusted, trusted_size, "trusted", err), err);
    struct ost_cat_verdict v;
    ost_status st = ost_signed_data_verify(der, n, "signature", t, &v, err);
    ost_cat_trust_free(t);
    if (st != OST_OK)
        return st;
    out->status = v.status;
    snprintf(out->reason, sizeof out->reason, "%s", v.reason);
    if (v.signer_thumbprint)
        snprintf(out->signer_thumbprint, sizeof out->signer_thumbprint, "%s", v.signer_thumbprint);
    ost_cat_verdict_free(&v);
    PKCS7 *p7 = ost_pkcs7_parse_signed(der, n);
    assert_non_null(p7);
    OBJ_obj2txt(out->content_type, sizeof out->content_type, p7->d.sign->contents->type, 1);
    const ASN1_STRING *content = ost_pkcs7_signed_content(p7);
    assert_non_null(content);
    out->content_size = (size_t)ASN1_STRING_length(content);
    out->content = ost_xmalloc(out->content_size);
    memcpy(out->content, ASN1_STRING_get0_data(content), out->content_size);
    STACK_OF(PKCS7_SIGNER_INFO) *sis = PKCS7_get_signer_info(p7);
    if (sk_PKCS7_SIGNER_INFO_num(sis) > 0) {
        int nid = OBJ_obj2nid(sk_PKCS7_SIGNER_INFO_value(sis, 0)->digest_alg->algorithm);
        assert_true(nid == NID_sha1 || nid == NID_sha256);
        out->digest = nid == NID_sha256 ? OST_DIGEST_SHA256 : OST_DIGEST_SHA1;
    }
    PKCS7_free(p7);
    return OST_OK;
}

static void checked_free(struct checked *c)
{
    free(c->content);
    c->content = NULL;
}

static void expect_status(const struct checked *c, enum ost_cat_sig_status want)
{
    if (c->status != want)
        fail_msg("signature %s, not %s: %s", ost_cat_sig_status_name(c->status), ost_cat_sig_status_name(want),
                 c->reason);
}

/* The hash in the signature's SpcIndirectDataContent: its DigestInfo ends
 * the content, so the last digest-size bytes are the hash. */
static char *embedded_hex(const struct checked *v)
{
    size_t n = v->digest == OST_DIGEST_SHA256 ? 32 : 20;
    char *hex = ost_xmalloc(2 * n + 1);
    for (size_t i = 0; i < n; i++)
        sprintf(hex + 2 * i, "%02X", v->content[v->content_size - n + i]);
    return hex;
}

/* The embedded signature's WIN_CERTIFICATE laid out as Windows reads it,
 * its SignedData checked against the signer's certificate. */
static void verify_pe_signature(const struct pair *p, const struct image *im, struct checked *v)
{
    struct ost_pe_info pe;
    struct ost_error err;
    assert_ost_ok(ost_pe_parse(im->data, im->size, "signed", &pe, &err), &err);
    assert_true(pe.has_certificate_table);
    assert_int_equal((uint64_t)pe.cert_table_offset + pe.cert_table_size, im->size);
    assert_int_equal(pe.cert_table_offset % 8, 0);
    assert_int_equal(pe.cert_table_size % 8, 0);
    assert_int_equal(pe.checksum_stored, pe.checksum_computed);
    const uint8_t *wc = im->data + pe.cert_table_offset;
    assert_int_equal(ost_le32(wc), pe.cert_table_size);
    assert_int_equal(ost_le16(wc + 4), 0x0200);
    assert_int_equal(ost_le16(wc + 6), 2);
    assert_ost_ok(check_signature(wc + 8, pe.cert_table_size - 8, p->cert.cert_der, p->cert.cert_der_size, v, &err),
                  &err);
    expect_status(v, OST_CAT_SIG_TRUSTED);
    ost_pe_info_free(&pe);
}

static void check_signed_driver(const struct pair *p, const char *arch, ost_digest d)
{
    struct image in = load_driver(arch), out = sign_pe(p, d, &in);
    struct checked v;
    verify_pe_signature(p, &out, &v);
    assert_string_equal(v.content_type, "1.3.6.1.4.1.311.2.1.4");
    assert_int_equal(v.digest, d);
    assert_string_equal(v.signer_thumbprint, p->cert.thumbprint);
    char *ours = authenticode_hex(&out, d), *inside = embedded_hex(&v), *before = authenticode_hex(&in, d);
    assert_string_equal(ours, inside);
    /* The unsigned driver's size is a multiple of 8, so nothing was padded:
     * the hash is the same before and after signing. */
    if (in.size % 8 == 0)
        assert_string_equal(before, inside);
    free(ours), free(inside), free(before);
    checked_free(&v);
    free(in.data), free(out.data);
}

static void test_sign_drivers(void **state)
{
    check_signed_driver(*state, "x86", OST_DIGEST_SHA1);
    check_signed_driver(*state, "amd64", OST_DIGEST_SHA1);
    check_signed_driver(*state, "amd64", OST_DIGEST_SHA256);
}

/* Trailing data after the last section is hashed; the signature starts on
 * an 8-byte boundary after zero padding, which the hash then covers. */
static void test_sign_unaligned_image(void **state)
{
    struct pair *p = *state;
    struct image in = load_driver("x86");
    struct image odd = {ost_xmalloc(in.size + 5), in.size + 5};
    memcpy(odd.data, in.data, in.size);
    memcpy(odd.data + in.size, "extra", 5);
    struct image out = sign_pe(p, OST_DIGEST_SHA1, &odd);
    assert_int_equal(out.size % 8, 0);
    assert_memory_equal(out.data + in.size, "extra\0\0\0", 8);
    struct checked v;
    verify_pe_signature(p, &out, &v);
    char *ours = authenticode_hex(&out, OST_DIGEST_SHA1), *inside = embedded_hex(&v);
    assert_string_equal(ours, inside);
    free(ours), free(inside);
    checked_free(&v);
    free(in.data), free(odd.data), free(out.data);
}

static void test_resign_replaces_and_is_deterministic(void **state)
{
    struct pair *p = *state;
    struct image in = load_driver("amd64"), once = sign_pe(p, OST_DIGEST_SHA1, &in), twice = sign_pe(p, OST_DIGEST_SHA1, &once);
    assert_int_equal(once.size, twice.size);
    assert_memory_equal(once.data, twice.data, once.size);
    struct image other = sign_pe(p, OST_DIGEST_SHA256, &once);
    struct checked v;
    verify_pe_signature(p, &other, &v);
    assert_int_equal(v.digest, OST_DIGEST_SHA256);
    checked_free(&v);
    free(in.data), free(once.data), free(twice.data), free(other.data);
}

static void test_untrusted_and_tampered(void **state)
{
    struct pair *p = *state;
    struct image in = load_driver("x86"), out = sign_pe(p, OST_DIGEST_SHA1, &in);
    struct ost_pe_info pe;
    struct ost_error err;
    assert_ost_ok(ost_pe_parse(out.data, out.size, "signed", &pe, &err), &err);
    const uint8_t *sig = out.data + pe.cert_table_offset + 8;
    size_t sig_size = pe.cert_table_size - 8;
    struct ost_test_cert stranger = make_cert(0, 0);
    struct checked v;
    assert_ost_ok(check_signature(sig, sig_size, stranger.cert_der, stranger.cert_der_size, &v, &err), &err);
    expect_status(&v, OST_CAT_SIG_UNTRUSTED);
    assert_non_null(strstr(v.reason, "does not chain to a trusted certificate"));
    checked_free(&v);
    assert_ost_ok(check_signature(sig, sig_size, NULL, 0, &v, &err), &err);
    expect_status(&v, OST_CAT_SIG_UNVERIFIED);
    checked_free(&v);
    /* one changed byte of the signed attributes or the signature value: invalid */
    uint8_t *bad = ost_xmalloc(sig_size);
    memcpy(bad, sig, sig_size);
    bad[sig_size - 10] ^= 1;
    assert_ost_ok(check_signature(bad, sig_size, p->cert.cert_der, p->cert.cert_der_size, &v, &err), &err);
    expect_status(&v, OST_CAT_SIG_INVALID);
    checked_free(&v);
    free(bad);
    /* A changed section byte changes the image hash, not the signature. */
    verify_pe_signature(p, &out, &v);
    out.data[pe.sections[0].raw_offset + 16] ^= 1;
    char *now = authenticode_hex(&out, OST_DIGEST_SHA1), *inside = embedded_hex(&v);
    assert_string_not_equal(now, inside);
    free(now), free(inside);
    checked_free(&v);
    ost_pe_info_free(&pe);
    ost_test_cert_free(&stranger);
    free(in.data), free(out.data);
}

static void test_pe_refusals(void **state)
{
    struct pair *p = *state;
    struct image in = load_driver("amd64");
    uint8_t *out;
    size_t n;
    struct ost_error err;
    /* data after the certificate table: Windows rejects it, and cutting it off would lose it */
    struct image signed_ = sign_pe(p, OST_DIGEST_SHA1, &in);
    struct image grown = {ost_xcalloc(1, signed_.size + 16), signed_.size + 16};
    memcpy(grown.data, signed_.data, signed_.size);
    assert_int_equal(ost_sign_pe(p->signer, OST_DIGEST_SHA1, grown.data, grown.size, "grown.sys", &out, &n, &err),
                     OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "followed by 16 more bytes"));
    assert_null(out);
    assert_int_equal(ost_sign_pe(p->signer, OST_DIGEST_SHA1, in.data, 100, "cut.sys", &out, &n, &err),
                     OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "cut.sys"));
    free(in.data), free(grown.data), free(signed_.data);
}

/* --- catalogs ---------------------------------------------------------------------- */

static void tlv(struct ost_buf *b, uint8_t tag, const struct ost_buf *content)
{
    ost_buf_addc(b, (char)tag);
    if (content->len < 0x80) {
        ost_buf_addc(b, (char)content->len);
    } else {
        assert_true(content->len < 0x10000);
        ost_buf_addc(b, (char)0x82);
        ost_buf_addc(b, (char)(content->len >> 8));
        ost_buf_addc(b, (char)content->len);
    }
    ost_buf_add(b, content->data, content->len);
}

static void wrap(struct ost_buf *b, uint8_t tag)
{
    struct ost_buf w = {0};
    tlv(&w, tag, b);
    ost_buf_free(b);
    *b = w;
}

static void raw(struct ost_buf *b, const char *bytes, size_t n)
{
    ost_buf_add(b, bytes, n);
}

/* A certificate trust list with one member, tagged "ABC", named "test". */
static struct ost_buf make_ctl(void)
{
    struct ost_buf ctl = {0}, member = {0};
    raw(&ctl, "\x30\x0c\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x0c\x01\x01", 14); /* catalog list */
    raw(&ctl, "\x04\x04\x01\x02\x03\x04", 6);                               /* list identifier */
    raw(&ctl, "\x17\x0d" "260101000000Z", 15);                              /* this update */
    raw(&ctl, "\x30\x0e\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x0c\x01\x02\x05\x00", 16);
    raw(&member, "\x04\x06" "A\0B\0C\0", 8);
    raw(&member, "\x31\x1a\x30\x18\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x0c\x02\x01\x31\x0a\x04\x08t\0e\0s\0t\0",
        28);
    wrap(&member, 0x30);
    wrap(&member, 0x30);
    ost_buf_add(&ctl, member.data, member.len);
    wrap(&ctl, 0x30);
    ost_buf_free(&member);
    return ctl;
}

/* An unsigned catalog, as MakeCat writes it before signtool: a SignedData
 * without digest algorithms, certificates or signers. */
static struct ost_buf make_catalog(const struct ost_buf *ctl)
{
    struct ost_buf content = {0}, sd = {0}, ci = {0};
    raw(&content, "\x06\x09\x2b\x06\x01\x04\x01\x82\x37\x0a\x01", 11);
    struct ost_buf explicit_ctl = {0};
    tlv(&explicit_ctl, 0xa0, ctl);
    ost_buf_add(&content, explicit_ctl.data, explicit_ctl.len);
    wrap(&content, 0x30);
    raw(&sd, "\x02\x01\x01\x31\x00", 5);
    ost_buf_add(&sd, content.data, content.len);
    raw(&sd, "\x31\x00", 2);
    wrap(&sd, 0x30);
    wrap(&sd, 0xa0);
    raw(&ci, "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02", 11);
    ost_buf_add(&ci, sd.data, sd.len);
    wrap(&ci, 0x30);
    ost_buf_free(&content), ost_buf_free(&sd), ost_buf_free(&explicit_ctl);
    return ci;
}

static void test_sign_catalog(void **state)
{
    struct pair *p = *state;
    struct ost_buf ctl = make_ctl(), cat = make_catalog(&ctl);
    const uint8_t *trusted = p->cert.cert_der;
    size_t trusted_size = p->cert.cert_der_size;
    struct ost_error err;
    struct checked v;
    assert_int_equal(ost_sign_detect((uint8_t *)cat.data, cat.len), OST_SIGN_CATALOG);
    assert_ost_ok(check_signature((uint8_t *)cat.data, cat.len, trusted, trusted_size, &v, &err), &err);
    expect_status(&v, OST_CAT_SIG_UNSIGNED);
    assert_non_null(strstr(v.reason, "has no signature"));
    checked_free(&v);
    uint8_t *out;
    size_t n;
    ost_sign_kind kind;
    assert_ost_ok(ost_sign_bytes(p->signer, OST_DIGEST_SHA1, (uint8_t *)cat.data, cat.len, "u.cat", &kind, &out,
                                    &n, &err), &err);
    assert_int_equal(kind, OST_SIGN_CATALOG);
    assert_ost_ok(check_signature(out, n, trusted, trusted_size, &v, &err), &err);
    expect_status(&v, OST_CAT_SIG_TRUSTED);
    assert_string_equal(v.signer_thumbprint, p->cert.thumbprint);
    assert_string_equal(v.content_type, "1.3.6.1.4.1.311.10.1");
    assert_int_equal(v.content_size, ctl.len);
    assert_memory_equal(v.content, ctl.data, ctl.len);
    checked_free(&v);
    /* re-signing a signed catalog keeps the content and gives the same bytes */
    uint8_t *again;
    size_t again_n;
    assert_ost_ok(ost_sign_catalog(p->signer, OST_DIGEST_SHA1, out, n, "s.cat", &again, &again_n, &err), &err);
    assert_int_equal(again_n, n);
    assert_memory_equal(again, out, n);
    /* a digest algorithm OpenSSL cannot set up (sha1WithRSA where sha1
     * belongs): invalid, and nothing leaks (OpenSSL 3.0's PKCS7_verify
     * leaked its copy of the content here) */
    uint8_t *odd = ost_xmalloc(n);
    memcpy(odd, out, n);
    uint8_t *alg = NULL;
    for (size_t i = 0; !alg && i + 7 <= n; i++)
        if (memcmp(odd + i, "\x06\x05\x2b\x0e\x03\x02\x1a", 7) == 0)
            alg = odd + i;
    assert_non_null(alg);
    alg[6] = 0x1d;
    assert_ost_ok(check_signature(odd, n, trusted, trusted_size, &v, &err), &err);
    expect_status(&v, OST_CAT_SIG_INVALID);
    checked_free(&v);
    free(odd);
    /* one changed byte of the list: the messageDigest no longer matches */
    uint8_t *member = NULL;
    for (size_t i = 0; !member && i + 8 <= n; i++)
        if (memcmp(out + i, "t\0e\0s\0t\0", 8) == 0)
            member = out + i;
    assert_non_null(member);
    member[0] = 'T';
    assert_ost_ok(check_signature(out, n, trusted, trusted_size, &v, &err), &err);
    expect_status(&v, OST_CAT_SIG_INVALID);
    assert_non_null(strstr(v.reason, "does not verify over the SignedData's content"));
    checked_free(&v);
    free(out), free(again);
    ost_buf_free(&ctl), ost_buf_free(&cat);
}

static void test_unknown_and_garbage(void **state)
{
    struct pair *p = *state;
    uint8_t *out;
    size_t n;
    ost_sign_kind kind;
    struct ost_error err;
    static const uint8_t text[] = "[Version]\r\nSignature=\"$Windows NT$\"\r\n";
    assert_int_equal(ost_sign_bytes(p->signer, OST_DIGEST_SHA1, text, sizeof text - 1, "x.inf", &kind, &out, &n, &err),
                     OST_ERR_UNSUPPORTED);
    assert_int_equal(kind, OST_SIGN_UNKNOWN);
    assert_non_null(strstr(err.message, "x.inf: offset 0: neither a PE image"));
    /* a PKCS#7 that is not a catalog: the signature of a signed driver */
    static const uint8_t junk[] = {0x30, 0x80, 0x06, 0x09, 0x2a, 0x86};
    assert_int_equal(ost_sign_detect(junk, sizeof junk), OST_SIGN_UNKNOWN);
    struct ost_cat_verdict verdict;
    assert_int_equal(ost_signed_data_verify(junk, sizeof junk, "j", NULL, &verdict, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "j: offset 0: not a DER PKCS#7 SignedData"));
    assert_int_equal(ost_sign_catalog(p->signer, OST_DIGEST_SHA1, junk, sizeof junk, "j.cat", &out, &n, &err),
                     OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "j.cat: offset 0: not a catalog"));
}

static void test_sign_file_in_place(void **state)
{
    struct pair *p = *state;
    char *dir = t_mkdtemp(), *inf = t_in(dir, "x.inf"), *sys = t_in(dir, "d.sys"), *src = t_build_path("testdrivers/x86/testdrv.sys");
    t_write_str(inf, "[Version]\n");
    t_copy(src, sys);
    chmod(sys, 0640);
    struct ost_error err;
    ost_sign_kind kind;
    assert_int_equal(ost_sign_file(p->signer, OST_DIGEST_SHA1, inf, &kind, &err), OST_ERR_UNSUPPORTED);
    uint8_t *data;
    size_t n;
    assert_ost_ok(ost_read_file(inf, 100, &data, &n, &err), &err);
    assert_string_equal((char *)data, "[Version]\n");
    free(data);
    assert_ost_ok(ost_sign_file(p->signer, OST_DIGEST_SHA1, sys, &kind, &err), &err);
    assert_int_equal(kind, OST_SIGN_PE);
    struct stat st;
    assert_int_equal(stat(sys, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    struct ost_pe_info pe;
    assert_ost_ok(ost_pe_read_file(sys, &pe, &err), &err);
    assert_true(pe.has_certificate_table);
    ost_pe_info_free(&pe);
    t_rm_rf(dir);
    free(dir), free(inf), free(sys), free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cert_read_by_openssl),
        cmocka_unit_test(test_thumbprint_is_sha1_of_der),
        cmocka_unit_test(test_cert_write_refuses_existing),
        cmocka_unit_test(test_refuses_bad_signers),
        cmocka_unit_test(test_refuses_expired_unless_allowed),
        cmocka_unit_test(test_loads_der),
        cmocka_unit_test(test_sign_drivers),
        cmocka_unit_test(test_sign_unaligned_image),
        cmocka_unit_test(test_resign_replaces_and_is_deterministic),
        cmocka_unit_test(test_untrusted_and_tampered),
        cmocka_unit_test(test_pe_refusals),
        cmocka_unit_test(test_sign_catalog),
        cmocka_unit_test(test_unknown_and_garbage),
        cmocka_unit_test(test_sign_file_in_place),
    };
    return cmocka_run_group_tests(tests, setup_pair, teardown_pair);
}
