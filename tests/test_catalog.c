/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Catalogs (catalog.c, catpkg.c): make-cat on the example and test
 * packages, read back by our parser and by independent tools (openssl
 * asn1parse and pkcs7, sha1sum for flat members, osslsigncode for the
 * Authenticode member hash and for signing and verifying the catalog);
 * coverage findings for changed, missing and extra members; signatures
 * trusted, untrusted and broken; every truncation of a catalog a corrupt
 * input error with an offset. */
#include "testutil.h"

#include "catalog.h"
#include "catpkg.h"

static bool have_tool(const char *name)
{
    char *cmd = ost_xasprintf("command -v %s >/dev/null 2>&1", name);
    int rc = system(cmd);
    free(cmd);
    return rc == 0;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[4096];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return system(buf);
}

/* First whitespace-separated word of a command's output, or of the text
 * after "KEY" and a colon when key is given. */
static char *command_word(const char *cmd, const char *key)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[2048], word[512] = "";
    while (fgets(line, sizeof line, p)) {
        const char *at = line;
        if (key) {
            if (strncmp(line, key, strlen(key)) != 0 || !strchr(line, ':'))
                continue;
            at = strchr(line, ':') + 1;
        }
        if (!word[0])
            sscanf(at, "%511s", word);
    }
    pclose(p);
    return word[0] ? ost_xstrdup(word) : NULL;
}

/* A copy of the example's folder for one architecture. */
static char *example_copy(const char *arch)
{
    char *dir = t_mkdtemp();
    char *src = ost_xasprintf("%s/examples/virtio-snd/%s", t_build_dir(), arch);
    assert_int_equal(sh("cp '%s'/aero_virtio_snd.inf '%s'/aero_virtio_snd.sys '%s'/", src, src, dir), 0);
    free(src);
    return dir;
}

static struct ost_catalog *make_and_read(const char *dir, const char *os)
{
    struct ost_make_cat_options o = {.now = 1767225600}; /* 2026-01-01 */
    struct ost_error err;
    if (os)
        assert_ost_ok(ost_cat_os_parse_list(os, o.os, &o.nos, &err), &err);
    struct ost_strlist written = {0};
    char *inf = ost_path_join(dir, "aero_virtio_snd.inf");
    if (ost_make_cat(inf, &o, &written, &err) != OST_OK)
        fail_msg("%s", err.message);
    assert_int_equal(written.n, 1);
    struct ost_catalog *cat;
    if (ost_catalog_read_file(written.v[0], &cat, &err) != OST_OK)
        fail_msg("%s", err.message);
    ost_strlist_free(&written);
    free(inf);
    return cat;
}

static const struct ost_cat_member *member_named(const struct ost_catalog *c, const char *file)
{
    for (size_t i = 0; i < c->nmembers; i++)
        if (c->members[i].file && !strcmp(c->members[i].file, file))
            return &c->members[i];
    fail_msg("no member %s", file);
    return NULL;
}

static void test_make_cat_example(void **state)
{
    (void)state;
    char *dir = example_copy("amd64");
    struct ost_catalog *c = make_and_read(dir, "7_X64");
    assert_int_equal(c->nmembers, 2);
    assert_string_equal(ost_catalog_attr(c, "OSAttr"), "2:6.1");
    assert_string_equal(ost_catalog_attr(c, "OS"), "7X64");
    assert_string_equal(ost_catalog_attr(c, "HWID1"), "pci\\ven_1af4&dev_1059&rev_01");
    assert_string_equal(c->this_update, "2026-01-01T00:00:00Z");
    assert_int_equal(c->nsigners, 0);
    const struct ost_cat_member *inf = member_named(c, "aero_virtio_snd.inf");
    const struct ost_cat_member *sys = member_named(c, "aero_virtio_snd.sys");
    assert_false(inf->pe);
    assert_true(sys->pe);
    for (size_t i = 0; i < 2; i++) {
        const struct ost_cat_member *m = &c->members[i];
        char *hex = ost_cat_hex(m->hash, m->hash_len);
        assert_string_equal(m->tag, hex); /* the tag Windows looks up is the hash */
        assert_string_equal(m->hash_alg, "sha1");
        assert_int_equal(m->hash_len, 20);
        assert_string_equal(ost_cat_member_attr(m, "OSAttr"), "2:6.1");
        free(hex);
    }
    assert_string_equal(sys->subject_guid, "{C689AAB8-8E78-11D0-8C47-00C04FC295EE}");

    /* the flat member is sha1sum of the INF */
    char *cmd = ost_xasprintf("sha1sum '%s/aero_virtio_snd.inf'", dir);
    char *flat = command_word(cmd, NULL);
    free(cmd);
    char *inf_hex = ost_cat_hex(inf->hash, inf->hash_len);
    ost_str_upper(flat);
    assert_string_equal(inf_hex, flat);
    free(flat), free(inf_hex);

    /* openssl reads the whole structure */
    assert_int_equal(sh("openssl asn1parse -inform DER -in '%s/aero_virtio_snd.cat' >/dev/null", dir), 0);
    assert_int_equal(sh("openssl pkcs7 -inform DER -in '%s/aero_virtio_snd.cat' -print -noout >/dev/null", dir), 0);
    ost_catalog_free(c);
    t_rm_rf(dir);
    free(dir);
}

/* osslsigncode's own Authenticode SHA-1 of the driver, read from a
 * signature it makes over it. */
static char *osslsigncode_pe_sha1(const char *dir, const char *sys)
{
    assert_int_equal(sh("osslsigncode sign -h sha1 -certs '%s/cert.pem' -key '%s/key.pem' -in '%s' -out "
                        "'%s/signed.sys' >/dev/null 2>&1", dir, dir, sys, dir), 0);
    char *cmd = ost_xasprintf("osslsigncode verify -in '%s/signed.sys' 2>&1", dir);
    char *digest = command_word(cmd, "Current message digest");
    free(cmd);
    assert_non_null(digest);
    return digest;
}

static void make_cert(const char *dir, const char *name)
{
    assert_int_equal(sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout '%s/%s-key.pem' -out '%s/%s.pem' "
                        "-days 2 -subj /CN=%s >/dev/null 2>&1", dir, name, dir, name, name), 0);
}

static void test_pe_member_against_osslsigncode(void **state)
{
    (void)state;
    if (!have_tool("osslsigncode") || !have_tool("openssl")) {
        fprintf(stderr, "skip: osslsigncode or openssl not installed; catalog cross-checks skipped\n");
        return;
    }
    const char *arches[] = {"x86", "amd64"};
    for (size_t a = 0; a < 2; a++) {
        char *dir = example_copy(arches[a]);
        struct ost_catalog *c = make_and_read(dir, a ? "7_X64" : "7_X86");
        assert_int_equal(sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout '%s/key.pem' -out '%s/cert.pem' "
                            "-days 2 -subj /CN=offstage-test >/dev/null 2>&1", dir, dir), 0);
        char *sys = ost_path_join(dir, "aero_virtio_snd.sys");
        char *theirs = osslsigncode_pe_sha1(dir, sys);
        assert_string_equal(member_named(c, "aero_virtio_snd.sys")->tag, theirs);
        /* osslsigncode signs our catalog and finds the driver in it */
        assert_int_equal(sh("osslsigncode sign -h sha1 -certs '%s/cert.pem' -key '%s/key.pem' -in "
                            "'%s/aero_virtio_snd.cat' -out '%s/signed.cat' >/dev/null 2>&1", dir, dir, dir, dir), 0);
        assert_int_equal(sh("osslsigncode verify -catalog '%s/signed.cat' -CAfile '%s/cert.pem' -in '%s' "
                            ">/dev/null 2>&1", dir, dir, sys), 0);
        free(theirs), free(sys);
        ost_catalog_free(c);
        t_rm_rf(dir);
        free(dir);
    }
}

static struct ost_cat_verdict verify_with(const char *cat_path, const char *trust_path)
{
    struct ost_catalog *c;
    struct ost_error err;
    if (ost_catalog_read_file(cat_path, &c, &err) != OST_OK)
        fail_msg("%s", err.message);
    struct ost_cat_trust *t = ost_cat_trust_new();
    if (trust_path && ost_cat_trust_add_file(t, trust_path, &err) != OST_OK)
        fail_msg("%s", err.message);
    struct ost_cat_verdict v;
    assert_ost_ok(ost_catalog_verify(c, t, &v, &err), &err);
    ost_cat_trust_free(t);
    ost_catalog_free(c);
    return v;
}

static void test_signature_statuses(void **state)
{
    (void)state;
    if (!have_tool("osslsigncode") || !have_tool("openssl")) {
        fprintf(stderr, "skip: osslsigncode or openssl not installed; signature tests skipped\n");
        return;
    }
    char *dir = example_copy("amd64");
    ost_catalog_free(make_and_read(dir, "7_X64"));
    make_cert(dir, "signer");
    make_cert(dir, "stranger");
    assert_int_equal(sh("osslsigncode sign -h sha1 -certs '%s/signer.pem' -key '%s/signer-key.pem' -in "
                        "'%s/aero_virtio_snd.cat' -out '%s/signed.cat' >/dev/null 2>&1", dir, dir, dir, dir), 0);
    char *unsigned_cat = ost_path_join(dir, "aero_virtio_snd.cat");
    char *signed_cat = ost_path_join(dir, "signed.cat");
    char *signer = ost_path_join(dir, "signer.pem");
    char *stranger = ost_path_join(dir, "stranger.pem");

    struct ost_cat_verdict v = verify_with(unsigned_cat, signer);
    assert_int_equal(v.status, OST_CAT_SIG_UNSIGNED);
    ost_cat_verdict_free(&v);
    v = verify_with(signed_cat, NULL);
    assert_int_equal(v.status, OST_CAT_SIG_UNVERIFIED);
    ost_cat_verdict_free(&v);
    v = verify_with(signed_cat, signer);
    assert_int_equal(v.status, OST_CAT_SIG_TRUSTED);
    assert_string_equal(v.anchor, "CN=signer");
    ost_cat_verdict_free(&v);
    v = verify_with(signed_cat, stranger);
    assert_int_equal(v.status, OST_CAT_SIG_UNTRUSTED);
    assert_non_null(strstr(v.reason, "CN=signer"));
    ost_cat_verdict_free(&v);

    /* the parsed signer: certificate, digest and signing time */
    struct ost_catalog *c;
    struct ost_error err;
    assert_ost_ok(ost_catalog_read_file(signed_cat, &c, &err), &err);
    assert_int_equal(c->nsigners, 1);
    assert_int_equal(c->signers[0].cert, 0);
    assert_string_equal(c->certs[0].subject, "CN=signer");
    assert_string_equal(c->signers[0].digest_alg, "sha1");
    assert_non_null(c->signers[0].signing_time);
    assert_int_equal(c->nmembers, 2);

    /* one changed byte inside the signed content: the signature breaks */
    const uint8_t *content;
    size_t n;
    ost_catalog_signed_content(c, &content, &n);
    size_t at = (size_t)(content - c->der) + n - 3; /* inside the last attribute's text */
    uint8_t *copy = ost_xmalloc(c->der_size);
    memcpy(copy, c->der, c->der_size);
    copy[at] ^= 0x01;
    char *broken = ost_path_join(dir, "broken.cat");
    t_write(broken, copy, c->der_size);
    v = verify_with(broken, signer);
    assert_int_equal(v.status, OST_CAT_SIG_INVALID);
    ost_cat_verdict_free(&v);

    free(copy), free(broken);
    ost_catalog_free(c);
    free(unsigned_cat), free(signed_cat), free(signer), free(stranger);
    t_rm_rf(dir);
    free(dir);
}

static const struct ost_diag *find_code(const struct ost_diags *d, const char *code)
{
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->v[i].code, code))
            return &d->v[i];
    return NULL;
}

static struct ost_package_report *checked(const char *dir, ost_arch arch, bool *all_signed)
{
    struct ost_package_options po = {.model = {.arches = {arch}, .narches = 1}};
    struct ost_package_report *r;
    struct ost_error err;
    char *inf = ost_path_join(dir, "aero_virtio_snd.inf");
    if (ost_package_check(inf, &po, &r, &err) != OST_OK)
        fail_msg("%s", err.message);
    free(inf);
    *all_signed = ost_cat_check_package(r, NULL, NULL, NULL);
    return r;
}

static void test_coverage_findings(void **state)
{
    (void)state;
    char *dir = example_copy("amd64");
    ost_catalog_free(make_and_read(dir, "7_X64"));
    bool all_signed;
    struct ost_package_report *r = checked(dir, OST_ARCH_AMD64, &all_signed);
    /* covered and consistent, but unsigned: severe on x64 */
    assert_null(find_code(&r->model->diags, "catalog-missing-member"));
    assert_null(find_code(&r->model->diags, "catalog-hash-mismatch"));
    const struct ost_diag *d = find_code(&r->model->diags, "catalog-unsigned");
    assert_non_null(d);
    assert_int_equal(d->severity, OST_SEV_SEVERE);
    assert_false(all_signed);
    ost_package_report_free(r);

    /* a changed driver: its member no longer matches, named with its hash */
    char *sys = ost_path_join(dir, "aero_virtio_snd.sys");
    assert_int_equal(sh("printf 'x' >> '%s'", sys), 0);
    r = checked(dir, OST_ARCH_AMD64, &all_signed);
    d = find_code(&r->model->diags, "catalog-hash-mismatch");
    assert_non_null(d);
    assert_non_null(strstr(d->message, "aero_virtio_snd.sys"));
    assert_null(find_code(&r->model->diags, "catalog-extra-member"));
    ost_package_report_free(r);

    /* a catalog made for other files: the INF and driver are missing, the
     * stranger is an extra member */
    struct ost_cat_new_member other = {.file = "other.sys"};
    assert_int_equal(ost_cat_hash_bytes((const uint8_t *)"other", 5, "other.sys", "sha1", &other.hash, NULL), OST_OK);
    struct ost_cat_spec spec = {.members = &other, .nmembers = 1, .osattr = "2:6.0", .os = "VistaX64"};
    struct ost_buf der = {0};
    ost_catalog_build(&spec, &der);
    char *cat = ost_path_join(dir, "aero_virtio_snd.cat");
    t_write(cat, der.data, der.len);
    ost_buf_free(&der);
    r = checked(dir, OST_ARCH_AMD64, &all_signed);
    assert_non_null(find_code(&r->model->diags, "catalog-missing-member"));
    d = find_code(&r->model->diags, "catalog-extra-member");
    assert_non_null(d);
    assert_non_null(strstr(d->message, "other.sys"));
    assert_non_null(find_code(&r->model->diags, "catalog-wrong-os"));
    assert_non_null(find_code(&r->model->diags, "catalog-os-mismatch"));
    ost_package_report_free(r);

    /* on x86 the same problems are warnings (install prompts) */
    t_write_str(cat, "garbage");
    r = checked(dir, OST_ARCH_X86, &all_signed);
    d = find_code(&r->model->diags, "bad-catalog");
    assert_non_null(d);
    assert_int_equal(d->severity, OST_SEV_WARNING);
    assert_non_null(strstr(d->message, "offset"));
    ost_package_report_free(r);
    free(sys), free(cat);
    t_rm_rf(dir);
    free(dir);
}

static void test_make_cat_refusals(void **state)
{
    (void)state;
    char *dir = example_copy("x86");
    struct ost_make_cat_options o = {.now = 1};
    struct ost_strlist written = {0};
    struct ost_error err;
    char *inf = ost_path_join(dir, "aero_virtio_snd.inf");
    char *cat = ost_path_join(dir, "aero_virtio_snd.cat");
    /* the x86 driver cannot be catalogued for x64 */
    assert_ost_ok(ost_cat_os_parse_list("7_X64", o.os, &o.nos, &err), &err);
    assert_int_equal(ost_make_cat(inf, &o, &written, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "wrong-machine"));
    assert_int_equal(written.n, 0);
    assert_false(ost_is_regular_file(cat));
    /* no CatalogFile: say how to fix it, write nothing */
    assert_int_equal(sh("sed -i '/CatalogFile/d' '%s'", inf), 0);
    o.nos = 0;
    assert_int_equal(ost_make_cat(inf, &o, &written, &err), OST_ERR_USAGE);
    assert_non_null(strstr(err.message, "CatalogFile="));
    assert_false(ost_is_regular_file(cat));
    /* bad --os entries */
    assert_int_equal(ost_cat_os_parse_list("7_X64,XP_X86", o.os, &o.nos, &err), OST_ERR_USAGE);
    assert_non_null(strstr(err.message, "XP_X86"));
    assert_ost_ok(ost_cat_os_parse_list("vista_x64, server2008r2_x64", o.os, &o.nos, &err), &err);
    assert_int_equal(o.nos, 2);
    assert_string_equal(o.os[1].name, "Server2008R2X64");
    assert_int_equal(o.os[0].minor, 0);
    ost_strlist_free(&written);
    free(inf), free(cat);
    t_rm_rf(dir);
    free(dir);
}

static void test_reproducible(void **state)
{
    (void)state;
    char *a = example_copy("amd64"), *b = example_copy("amd64");
    struct ost_catalog *ca = make_and_read(a, NULL), *cb = make_and_read(b, NULL);
    assert_int_equal(ca->der_size, cb->der_size);
    assert_memory_equal(ca->der, cb->der, ca->der_size);
    assert_string_equal(ost_catalog_attr(ca, "OS"), "7X64"); /* default: what the package can be staged for */
    ost_catalog_free(ca), ost_catalog_free(cb);
    t_rm_rf(a), t_rm_rf(b);
    free(a), free(b);
}

/* Every proper prefix is a corrupt-input error naming an offset, read
 * from a buffer exactly that long so that a sanitizer sees any overread;
 * every single-byte change parses or fails cleanly. */
static void test_damaged(void **state)
{
    (void)state;
    char *dir = example_copy("amd64");
    struct ost_catalog *c = make_and_read(dir, "7_X64");
    for (size_t n = 0; n < c->der_size; n++) {
        uint8_t *copy = ost_xmalloc(n ? n : 1);
        memcpy(copy, c->der, n);
        struct ost_catalog *out = NULL;
        struct ost_error err = {0};
        ost_status st = ost_catalog_parse(copy, n, "t.cat", &out, &err);
        if (st != OST_ERR_CORRUPT)
            fail_msg("prefix of %zu bytes: status %d", n, st);
        assert_null(out);
        assert_non_null(strstr(err.message, "t.cat: offset "));
        free(copy);
    }
    for (size_t i = 0; i < c->der_size; i++) {
        uint8_t *copy = ost_xmalloc(c->der_size);
        memcpy(copy, c->der, c->der_size);
        copy[i] ^= 0xa5;
        struct ost_catalog *out = NULL;
        struct ost_error err = {0};
        ost_status st = ost_catalog_parse(copy, c->der_size, "t.cat", &out, &err);
        assert_true(st == OST_OK || st == OST_ERR_CORRUPT);
        ost_catalog_free(out);
        free(copy);
    }
    ost_catalog_free(c);
    t_rm_rf(dir);
    free(dir);
}

static void test_osattr(void **state)
{
    (void)state;
    assert_true(ost_cat_osattr_covers("2:6.1", 6, 1));
    assert_true(ost_cat_osattr_covers("2:5.1, 2:6.0,2:6.1", 6, 0));
    assert_false(ost_cat_osattr_covers("2:6.0", 6, 1));
    assert_false(ost_cat_osattr_covers("1:6.1", 6, 1));
    assert_false(ost_cat_osattr_covers("2:6.10", 6, 1));
    assert_false(ost_cat_osattr_covers("", 6, 1));
}

static void test_trust_files(void **state)
{
    (void)state;
    char *dir = t_mkdtemp();
    char *bad = ost_path_join(dir, "bad.cer");
    t_write_str(bad, "not a certificate");
    struct ost_cat_trust *t = ost_cat_trust_new();
    struct ost_error err;
    assert_int_equal(ost_cat_trust_add_file(t, bad, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "bad.cer"));
    if (have_tool("openssl")) {
        make_cert(dir, "root");
        char *pem = ost_path_join(dir, "root.pem"), *der = ost_path_join(dir, "root.cer");
        assert_int_equal(sh("openssl x509 -in '%s' -outform DER -out '%s'", pem, der), 0);
        assert_ost_ok(ost_cat_trust_add_file(t, pem, &err), &err);
        assert_ost_ok(ost_cat_trust_add_file(t, der, &err), &err);
        assert_int_equal(ost_cat_trust_count(t), 2);
        free(pem), free(der);
    }
    ost_cat_trust_free(t);
    free(bad);
    t_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_make_cat_example),
        cmocka_unit_test(test_pe_member_against_osslsigncode),
        cmocka_unit_test(test_signature_statuses),
        cmocka_unit_test(test_coverage_findings),
        cmocka_unit_test(test_make_cat_refusals),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_osattr),
        cmocka_unit_test(test_trust_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
