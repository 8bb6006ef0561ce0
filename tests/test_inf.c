/* SPDX-License-Identifier: GPL-3.0-or-later */
/* INF lexer (inf.c) and package model (infmodel.c). */
#include "testutil.h"

#include "fileutil.h"
#include "infmodel.h"

/* ---- helpers ------------------------------------------------------------- */

static struct ost_inf *parse_ok(const char *text, struct ost_diags *d)
{
    struct ost_inf *inf;
    struct ost_error err;
    ost_status st = ost_inf_parse((const uint8_t *)text, strlen(text), "t.inf", NULL, &inf, d, &err);
    if (st != OST_OK)
        fail_msg("parse failed: %s", err.message);
    return inf;
}

static struct ost_driver_model *model_of(const char *text, ost_arch arch)
{
    struct ost_diags d = {0};
    struct ost_inf *inf = parse_ok(text, &d);
    struct ost_model_options o = {0};
    if (arch != OST_ARCH_UNKNOWN)
        o.arches[o.narches++] = arch;
    struct ost_driver_model *m;
    struct ost_error err;
    assert_ost_ok(ost_driver_model_build(inf, &o, &m, &err), &err);
    ost_diags_append(&d, &m->diags);
    m->diags = d;
    return m;
}

static struct ost_driver_model *fixture_model(const char *name, const struct ost_model_options *o)
{
    char *rel = ost_xasprintf("fixtures/inf/aero/%s", name);
    char *path = t_shared_path(rel);
    free(rel);
    if (!path)
        return NULL;
    struct ost_driver_model *m;
    struct ost_error err;
    if (ost_driver_model_load(path, NULL, o, &m, &err) != OST_OK)
        fail_msg("%s", err.message);
    free(path);
    return m;
}

static const struct ost_diag *find_diag(const struct ost_diags *d, const char *code)
{
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->v[i].code, code))
            return &d->v[i];
    return NULL;
}

static void assert_no_errors(const struct ost_driver_model *m)
{
    for (size_t i = 0; i < m->diags.n; i++)
        if (m->diags.v[i].severity == OST_SEV_ERROR)
            fail_msg("%s:%u: %s", m->inf_name, m->diags.v[i].line, m->diags.v[i].message);
}

#define VERSION_OK                                                                                   \
    "[Version]\nSignature=\"$Windows NT$\"\nClass=System\nClassGuid={4D36E97D-E325-11CE-BFC1-08002BE10318}\n" \
    "Provider=P\nDriverVer=01/02/2026,1.2.3.4\n"

/* ---- lexer --------------------------------------------------------------- */

static void test_lexer_fields_quotes_comments(void **state)
{
    (void)state;
    struct ost_diags d = {0};
    struct ost_inf *inf = parse_ok("[S]\n"
                                   "  key = a , \"b, c\" ; comment\n"
                                   "x,\"he said \"\"hi\"\"\",;\n"
                                   "\"semi;colon\" = 1\n"
                                   "HKR,,Name,,\"  spaced  \"\n"
                                   "empty =\n",
                                   &d);
    const struct ost_inf_section *s = ost_inf_section(inf, "s");
    assert_non_null(s);
    assert_int_equal(s->nlines, 5);
    assert_string_equal(s->lines[0].key, "key");
    assert_int_equal(s->lines[0].nvalues, 2);
    assert_string_equal(s->lines[0].values[0], "a");
    assert_string_equal(s->lines[0].values[1], "b, c");
    assert_int_equal(s->lines[0].lineno, 2);
    assert_null(s->lines[1].key);
    assert_string_equal(s->lines[1].values[1], "he said \"hi\"");
    assert_int_equal(s->lines[1].nvalues, 3);
    assert_string_equal(s->lines[2].key, "semi;colon");
    assert_string_equal(s->lines[3].values[4], "  spaced  ");
    assert_string_equal(s->lines[4].key, "empty");
    assert_int_equal(s->lines[4].nvalues, 1);
    assert_string_equal(s->lines[4].values[0], "");
    assert_int_equal(d.n, 0);
    ost_inf_free(inf);
    ost_diags_free(&d);
}

static void test_lexer_continuation_and_merge(void **state)
{
    (void)state;
    struct ost_diags d = {0};
    struct ost_inf *inf = parse_ok("[A]\r\n"
                                   "CopyFiles = one, \\\r\n"
                                   "            two, \\ ; a comment after the backslash\r\n"
                                   "            three\r\n"
                                   "Path = dir\\sub\r\n"
                                   "[b]\r\n"
                                   "x = 1\r\n"
                                   "[a]\r\n"
                                   "y = 2\r\n",
                                   &d);
    const struct ost_inf_section *s = ost_inf_section(inf, "A");
    assert_int_equal(inf->nsections, 2);
    assert_int_equal(s->nlines, 3); /* [a] appears twice: one section */
    assert_int_equal(s->lines[0].nvalues, 3);
    assert_string_equal(s->lines[0].values[1], "two");
    assert_string_equal(s->lines[0].values[2], "three");
    assert_string_equal(s->lines[1].values[0], "dir\\sub");
    assert_int_equal(s->lines[1].lineno, 5);
    assert_string_equal(s->lines[2].key, "y");
    ost_inf_free(inf);
    ost_diags_free(&d);
}

static void test_strings_substitution(void **state)
{
    (void)state;
    struct ost_diags d = {0};
    struct ost_inf *inf = parse_ok("[S]\n"
                                   "a = %Name%, 100%%, %12%\\x.sys, %Missing%, \"%name%\"\n"
                                   "%Name% = value\n"
                                   "[Strings]\n"
                                   "Name = \"Neutral, with comma\"\n"
                                   "[Strings.0407]\n"
                                   "Name = \"Deutsch\"\n",
                                   &d);
    const struct ost_inf_section *s = ost_inf_section(inf, "S");
    assert_string_equal(s->lines[0].values[0], "Neutral, with comma");
    assert_string_equal(s->lines[0].values[1], "100%");
    assert_string_equal(s->lines[0].values[2], "%12%\\x.sys");
    assert_string_equal(s->lines[0].values[3], "%Missing%");
    assert_string_equal(s->lines[0].values[4], "Neutral, with comma");
    assert_string_equal(s->lines[1].key, "Neutral, with comma");
    const struct ost_diag *u = find_diag(&d, "undefined-string");
    assert_non_null(u);
    assert_int_equal(u->line, 2);
    assert_int_equal(u->severity, OST_SEV_WARNING);
    ost_inf_free(inf);
    ost_diags_free(&d);

    /* Locale selection: exact LANGID wins over neutral. */
    const char *text = "[S]\na = %Name%\n[Strings]\nName = Neutral\n[Strings.0407]\nName = Deutsch\n";
    struct ost_inf_options de = {.locale = "0407"}, fr = {.locale = "040c"};
    struct ost_error err;
    assert_ost_ok(ost_inf_parse((const uint8_t *)text, strlen(text), "t.inf", &de, &inf, NULL, &err), &err);
    assert_string_equal(ost_inf_section(inf, "S")->lines[0].values[0], "Deutsch");
    ost_inf_free(inf);
    assert_ost_ok(ost_inf_parse((const uint8_t *)text, strlen(text), "t.inf", &fr, &inf, NULL, &err), &err);
    assert_string_equal(ost_inf_section(inf, "S")->lines[0].values[0], "Neutral");
    ost_inf_free(inf);
}

static void test_string_self_reference(void **state)
{
    (void)state;
    struct ost_diags d = {0};
    struct ost_inf *inf = parse_ok("[S]\na = %Loop%\n[Strings]\nLoop = \"x %Loop% y\"\n", &d);
    const struct ost_diag *x = find_diag(&d, "string-self-reference");
    assert_non_null(x);
    assert_int_equal(x->severity, OST_SEV_ERROR);
    assert_int_equal(x->line, 4);
    /* One level, as Windows: the value is used as written, no recursion. */
    assert_string_equal(ost_inf_section(inf, "S")->lines[0].values[0], "x %Loop% y");
    ost_inf_free(inf);
    ost_diags_free(&d);
}

static void test_encodings(void **state)
{
    (void)state;
    const char *ascii = "[Version]\r\nProvider = \"Caf\xC3\xA9\"\r\n";
    /* UTF-16LE with BOM */
    size_t n = strlen(ascii);
    uint8_t *u16 = ost_xmalloc(2 + 2 * n);
    size_t k = 0;
    u16[k++] = 0xFF, u16[k++] = 0xFE;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = (uint8_t)ascii[i];
        if (c == 0xC3) { /* é */
            c = 0xE9;
            i++;
        }
        u16[k++] = (uint8_t)c, u16[k++] = (uint8_t)(c >> 8);
    }
    struct ost_inf *inf;
    struct ost_error err;
    assert_ost_ok(ost_inf_parse(u16, k, "u16.inf", NULL, &inf, NULL, &err), &err);
    assert_string_equal(inf->encoding, "utf-16le");
    assert_string_equal(ost_inf_get(inf, "Version", "Provider", NULL), "Caf\xC3\xA9");
    ost_inf_free(inf);

    /* Odd length UTF-16: an error naming the file */
    assert_int_equal(ost_inf_parse(u16, k - 1, "odd.inf", NULL, &inf, NULL, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "odd.inf"));
    assert_non_null(strstr(err.message, "odd length"));
    free(u16);

    /* ANSI (Windows-1252): 0xE9 is é, 0x80 is the euro sign */
    const char *ansi = "[Version]\nProvider = Caf\xE9 \x80\n";
    assert_ost_ok(ost_inf_parse((const uint8_t *)ansi, strlen(ansi), "a.inf", NULL, &inf, NULL, &err), &err);
    assert_string_equal(inf->encoding, "ansi");
    assert_string_equal(ost_inf_get(inf, "Version", "Provider", NULL), "Caf\xC3\xA9 \xE2\x82\xAC");
    ost_inf_free(inf);

    /* UTF-8 with BOM */
    const char *bom = "\xEF\xBB\xBF[Version]\nProvider = Caf\xC3\xA9\n";
    assert_ost_ok(ost_inf_parse((const uint8_t *)bom, strlen(bom), "b.inf", NULL, &inf, NULL, &err), &err);
    assert_string_equal(inf->encoding, "utf-8-bom");
    assert_string_equal(ost_inf_get(inf, "version", "provider", NULL), "Caf\xC3\xA9");
    ost_inf_free(inf);

    /* UTF-16 big endian is not something Windows reads */
    const uint8_t be[] = {0xFE, 0xFF, 0, '[', 0, 'a', 0, ']'};
    assert_int_equal(ost_inf_parse(be, sizeof be, "be.inf", NULL, &inf, NULL, &err), OST_ERR_UNSUPPORTED);

    /* Ctrl-Z ends the file */
    const char *ctrlz = "[A]\nx=1\n\x1A garbage \x01\x02";
    assert_ost_ok(ost_inf_parse((const uint8_t *)ctrlz, strlen(ctrlz), "z.inf", NULL, &inf, NULL, &err), &err);
    ost_inf_free(inf);
}

static void test_bad_input(void **state)
{
    (void)state;
    struct ost_inf *inf;
    struct ost_error err;
    struct ost_diags d = {0};

    uint8_t garbage[512];
    for (size_t i = 0; i < sizeof garbage; i++)
        garbage[i] = (uint8_t)(i * 131 + 7);
    assert_int_equal(ost_inf_parse(garbage, sizeof garbage, "garbage.inf", NULL, &inf, &d, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "garbage.inf"));
    assert_non_null(strstr(err.message, "offset"));

    const char *nosec = "just some text\nno sections\n";
    assert_int_equal(ost_inf_parse((const uint8_t *)nosec, strlen(nosec), "n.inf", NULL, &inf, &d, &err),
                     OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "no [section]"));

    /* a 10 MB line */
    size_t big = 10u * 1024 * 1024;
    char *huge = ost_xmalloc(big + 32);
    strcpy(huge, "[A]\nkey = ");
    memset(huge + 10, 'x', big);
    huge[10 + big] = '\0';
    assert_int_equal(ost_inf_parse((const uint8_t *)huge, strlen(huge), "big.inf", NULL, &inf, &d, &err),
                     OST_ERR_LIMIT);
    assert_non_null(strstr(err.message, "big.inf:2"));
    free(huge);

    /* unterminated quote: a finding with its line, the file still parses */
    const char *uq = "[A]\nok = 1\nbad = \"no end\nnext = 2\n";
    assert_ost_ok(ost_inf_parse((const uint8_t *)uq, strlen(uq), "q.inf", NULL, &inf, &d, &err), &err);
    const struct ost_diag *x = find_diag(&d, "unterminated-quote");
    assert_non_null(x);
    assert_int_equal(x->line, 3);
    assert_int_equal(ost_inf_section(inf, "A")->nlines, 3);
    ost_inf_free(inf);

    /* malformed header and a line before any section */
    const char *mh = "stray = 1\n[Broken\nx = 1\n[Good]\ny = 2\n";
    assert_ost_ok(ost_inf_parse((const uint8_t *)mh, strlen(mh), "m.inf", NULL, &inf, &d, &err), &err);
    assert_non_null(find_diag(&d, "malformed-section-header"));
    assert_non_null(find_diag(&d, "line-outside-section"));
    assert_int_equal(ost_inf_section(inf, "Good")->nlines, 1);
    ost_inf_free(inf);
    ost_diags_free(&d);
}

static void test_parse_u32(void **state)
{
    (void)state;
    uint32_t v;
    assert_int_equal(ost_inf_parse_u32("0x00010001", &v), 0);
    assert_int_equal(v, 0x10001);
    assert_int_equal(ost_inf_parse_u32(" 12 ", &v), 0);
    assert_int_equal(v, 12);
    assert_int_equal(ost_inf_parse_u32("12abc", &v), -1);
    assert_int_equal(ost_inf_parse_u32("", &v), -1);
    assert_int_equal(ost_inf_parse_u32("0x100000000", &v), -1);
}

/* ---- decorations ---------------------------------------------------------- */

static void test_decorations(void **state)
{
    (void)state;
    struct ost_decoration d;
    assert_true(ost_decoration_parse("NTamd64.6.1", &d));
    assert_int_equal(d.arch, OST_ARCH_AMD64);
    assert_true(d.has_version);
    assert_int_equal(d.major, 6);
    assert_int_equal(d.minor, 1);
    assert_true(ost_decoration_parse("ntx86", &d));
    assert_int_equal(d.arch, OST_ARCH_X86);
    assert_true(ost_decoration_parse("NT", &d));
    assert_int_equal(d.arch, OST_ARCH_UNKNOWN);
    assert_true(ost_decoration_parse("NTamd64...1", &d));
    assert_false(ost_decoration_parse("NTmips", &d));
    assert_false(ost_decoration_parse("amd64", &d));
    assert_false(ost_decoration_parse("NTx86.6.x", &d));

    struct ost_os_version win7 = OST_OS_WIN7, vista = {6, 0, 6002, 1};
    assert_true(ost_decoration_parse("NTamd64.6.1", &d));
    assert_true(ost_decoration_applies(&d, OST_ARCH_AMD64, &win7));
    assert_false(ost_decoration_applies(&d, OST_ARCH_AMD64, &vista));
    assert_false(ost_decoration_applies(&d, OST_ARCH_X86, &win7));
    assert_true(ost_decoration_parse("NT", &d));
    assert_true(ost_decoration_applies(&d, OST_ARCH_X86, &win7));
    assert_false(ost_decoration_applies(&d, OST_ARCH_AMD64, &win7)); /* x64 needs NTamd64 */
}

static void test_models_decoration_choice(void **state)
{
    (void)state;
    const char *text = VERSION_OK
        "[Manufacturer]\n%M% = Models, NTamd64, NTamd64.6.1, NTx86\n"
        "[Models]\nUndecorated = Inst, PCI\\VEN_1&DEV_1\n"
        "[Models.NTamd64]\nPlain64 = Inst, PCI\\VEN_1&DEV_2\n"
        "[Models.NTamd64.6.1]\nWin7_64 = Inst, PCI\\VEN_1&DEV_3\n"
        "[Models.NTx86]\nX86 = Inst, PCI\\VEN_1&DEV_4\n"
        "[Inst]\n[Inst.NTamd64]\n[Inst.Services]\nAddService = s, 2, Svc\n[Inst.NTamd64.Services]\nAddService = s, 2, Svc\n"
        "[Svc]\nServiceType=1\nStartType=3\nErrorControl=1\nServiceBinary=%12%\\s.sys\n"
        "[Strings]\nM = \"Maker\"\n";
    struct ost_driver_model *m = model_of(text, OST_ARCH_UNKNOWN);
    assert_no_errors(m);
    assert_int_equal(m->ndeclared, 2);
    const struct ost_arch_model *a64 = ost_driver_model_arch(m, OST_ARCH_AMD64);
    assert_non_null(a64);
    assert_int_equal(a64->ndevices, 1);
    assert_string_equal(a64->devices[0].model->hardware_id, "PCI\\VEN_1&DEV_3");
    assert_string_equal(a64->devices[0].ddinstall, "Inst.NTamd64");
    assert_true(a64->devices[0].nt_extension);
    assert_string_equal(a64->devices[0].model->manufacturer, "Maker");
    const struct ost_arch_model *a86 = ost_driver_model_arch(m, OST_ARCH_X86);
    assert_int_equal(a86->ndevices, 1);
    assert_string_equal(a86->devices[0].model->hardware_id, "PCI\\VEN_1&DEV_4");
    assert_string_equal(a86->devices[0].ddinstall, "Inst");
    assert_false(a86->devices[0].nt_extension);
    ost_driver_model_free(m);

    /* Vista: NTamd64.6.1 does not apply, plain NTamd64 does */
    struct ost_diags d = {0};
    struct ost_inf *inf = parse_ok(text, &d);
    struct ost_model_options o = {.arches = {OST_ARCH_AMD64}, .narches = 1, .os = {6, 0, 0, 1}};
    struct ost_error err;
    assert_ost_ok(ost_driver_model_build(inf, &o, &m, &err), &err);
    assert_string_equal(m->arches[0].devices[0].model->hardware_id, "PCI\\VEN_1&DEV_2");
    ost_driver_model_free(m);
    ost_diags_free(&d);
}

static void test_undecorated_models_ignored_on_x64(void **state)
{
    (void)state;
    const char *text = VERSION_OK "[Manufacturer]\nM = Models\n[Models]\nD = Inst, PCI\\VEN_1&DEV_1\n"
                                  "[Inst.NT]\n[Inst.NT.Services]\nAddService = s, 2, Svc\n"
                                  "[Svc]\nServiceType=1\nStartType=3\nErrorControl=1\nServiceBinary=%12%\\s.sys\n";
    struct ost_driver_model *m = model_of(text, OST_ARCH_AMD64);
    assert_false(m->arches[0].usable);
    const struct ost_diag *x = find_diag(&m->diags, "no-models-for-arch");
    assert_non_null(x);
    assert_int_equal(x->severity, OST_SEV_ERROR);
    assert_int_equal(x->arch, OST_ARCH_AMD64);
    assert_non_null(strstr(x->message, "NTamd64"));
    ost_driver_model_free(m);

    m = model_of(text, OST_ARCH_UNKNOWN); /* declared: x86 only */
    assert_int_equal(m->ndeclared, 1);
    assert_int_equal(m->declared[0], OST_ARCH_X86);
    assert_true(m->arches[0].usable);
    assert_no_errors(m);
    ost_driver_model_free(m);
}

static void test_path_escape(void **state)
{
    (void)state;
    const char *text = VERSION_OK "[Manufacturer]\nM = Models,NTx86\n[Models.NTx86]\nD = Inst, PCI\\VEN_1&DEV_1\n"
                                  "[Inst.NT]\nCopyFiles = Files, @..\\..\\evil.sys\n"
                                  "[Files]\nok.sys\nsam.sys\n"
                                  "[SourceDisksNames]\n1 = disk,,,\n2 = disk2,,,..\\..\\Windows\\System32\\config\n"
                                  "[SourceDisksFiles]\nok.sys = 1, sub\nsam.sys = 2\n"
                                  "[DestinationDirs]\nDefaultDestDir = 12\n"
                                  "[Inst.NT.Services]\nAddService = s, 2, Svc\n"
                                  "[Svc]\nServiceType=1\nStartType=3\nErrorControl=1\nServiceBinary=%12%\\ok.sys\n";
    struct ost_driver_model *m = model_of(text, OST_ARCH_X86);
    size_t escapes = 0;
    for (size_t i = 0; i < m->diags.n; i++)
        if (!strcmp(m->diags.v[i].code, "path-escape"))
            escapes++;
    assert_int_equal(escapes, 2);
    const struct ost_arch_model *am = &m->arches[0];
    assert_int_equal(am->nfiles, 1);
    assert_string_equal(am->files[0].source_path, "sub/ok.sys");
    assert_string_equal(am->files[0].dest_path, "Windows\\System32\\drivers\\ok.sys");
    ost_driver_model_free(m);

    char *p = ost_safe_relative_path("a\\.\\b//c.sys");
    assert_string_equal(p, "a/b/c.sys");
    free(p);
    assert_null(ost_safe_relative_path("C:\\Windows\\x.sys"));
    assert_null(ost_safe_relative_path("a\\..\\b"));
    assert_null(ost_safe_relative_path("/etc/passwd"));
    assert_null(ost_safe_relative_path("\\\\server\\share"));
}

static void test_version_problems(void **state)
{
    (void)state;
    const char *text = "[Version]\nSignature=\"$Windows 3.1$\"\nClass=MEDIA\n"
                       "ClassGuid={4d36e97b-e325-11ce-bfc1-08002be10318}\nDriverVer=13/45/2026,1.2.3.4\n"
                       "[Manufacturer]\nM=Models,NTx86\n[Models.NTx86]\nD=Inst,PCI\\VEN_1\n[Inst]\n";
    struct ost_driver_model *m = model_of(text, OST_ARCH_X86);
    const struct ost_diag *x;
    assert_non_null(x = find_diag(&m->diags, "bad-signature"));
    assert_int_equal(x->line, 2);
    assert_non_null(x = find_diag(&m->diags, "class-guid-mismatch"));
    assert_int_equal(x->line, 4);
    assert_non_null(strstr(x->message, "SCSIAdapter"));
    assert_non_null(x = find_diag(&m->diags, "bad-driverver"));
    assert_int_equal(x->line, 5);
    assert_non_null(find_diag(&m->diags, "missing-provider"));
    ost_driver_model_free(m);

    m = model_of("[Version]\nSignature=$Windows NT$\nClass=Net\nClassGuid=not-a-guid\n", OST_ARCH_X86);
    assert_non_null(find_diag(&m->diags, "bad-classguid"));
    assert_non_null(find_diag(&m->diags, "missing-driverver"));
    assert_non_null(find_diag(&m->diags, "missing-manufacturer"));
    ost_driver_model_free(m);
}

/* ---- the real Aero INFs -------------------------------------------------- */

static void test_all_fixtures_parse_without_errors(void **state)
{
    (void)state;
    static const char *names[] = {
        "aero-virtio-snd-ioport.inf", "aero-virtio-snd-legacy.inf", "aero_virtio_blk.inf",
        "aero_virtio_input.inf", "aero_virtio_net.inf", "aero_virtio_snd.inf", "aero_virtio_tablet.inf",
        "aerogpu.inf", "aerogpu_dx11.inf", "virtio-snd.inf.disabled", "virtio-transport-test.inf",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct ost_driver_model *m = fixture_model(names[i], NULL);
        if (!m)
            skip();
        assert_no_errors(m);
        assert_int_equal(m->ndeclared, 2);
        for (size_t a = 0; a < m->narches; a++) {
            assert_true(m->arches[a].usable);
            assert_true(m->arches[a].nservices >= 1);
            assert_true(m->arches[a].nfiles >= 1);
        }
        ost_driver_model_free(m);
    }
}

static void test_fixture_virtio_snd(void **state)
{
    (void)state;
    struct ost_driver_model *m = fixture_model("aero_virtio_snd.inf", NULL);
    if (!m)
        skip();
    assert_string_equal(m->version.class_name, "MEDIA");
    assert_string_equal(m->version.provider, "Aero Project");
    assert_true(m->version.driver_ver.valid);
    assert_int_equal(m->version.driver_ver.year, 2026);
    assert_int_equal(m->version.driver_ver.version[3], 1);
    const ost_arch arches[] = {OST_ARCH_X86, OST_ARCH_AMD64};
    for (int i = 0; i < 2; i++) {
        const struct ost_arch_model *am = ost_driver_model_arch(m, arches[i]);
        assert_non_null(am);
        assert_int_equal(am->ndevices, 1);
        assert_string_equal(am->devices[0].model->hardware_id, "PCI\\VEN_1AF4&DEV_1059&REV_01");
        assert_string_equal(am->devices[0].model->description, "Aero VirtIO Sound Device");
        assert_string_equal(am->devices[0].ddinstall, "AeroVirtioSnd_Install.NT");
        assert_int_equal(am->nservices, 1);
        assert_string_equal(am->services[0].name, "aero_virtio_snd");
        assert_int_equal(am->services[0].start_type, 3);
        assert_int_equal(am->services[0].service_type, 1);
        assert_int_equal(am->services[0].error_control, 1);
        assert_int_equal(am->services[0].flags, 2);
        assert_int_equal(am->nfiles, 1);
        assert_string_equal(am->files[0].name, "aero_virtio_snd.sys");
        assert_string_equal(am->files[0].source_path, "aero_virtio_snd.sys");
        assert_string_equal(am->files[0].dest_path, "Windows\\System32\\drivers\\aero_virtio_snd.sys");
        assert_int_equal(am->includes.n, 2);
        assert_string_equal(am->includes.v[0], "ks.inf");
        assert_string_equal(am->includes.v[1], "wdmaudio.inf");
        assert_true(ost_strlist_contains_ci(&am->needs, "WDMAUDIO.Registration"));
        assert_string_equal(am->catalog_file, "aero_virtio_snd.cat");
        /* the bring-up toggles live in the .HW (Device Parameters) key */
        bool toggle = false;
        for (size_t r = 0; r < am->nregs; r++)
            if (am->regs[r].context == OST_REG_HARDWARE && !strcmp(am->regs[r].value_name, "ForceNullBackend") &&
                !strcmp(am->regs[r].subkey, "Parameters") && am->regs[r].flags == 0x00010003)
                toggle = true;
        assert_true(toggle);
    }
    ost_driver_model_free(m);
}

static void test_fixture_blk_boot_critical(void **state)
{
    (void)state;
    struct ost_driver_model *m = fixture_model("aero_virtio_blk.inf", NULL);
    if (!m)
        skip();
    const struct ost_arch_model *am = ost_driver_model_arch(m, OST_ARCH_AMD64);
    assert_int_equal(am->services[0].start_type, 0);
    assert_string_equal(am->services[0].load_order_group, "SCSI Miniport");
    assert_string_equal(am->services[0].service_binary, "%12%\\aero_virtio_blk.sys");
    assert_string_equal(am->devices[0].ddinstall, "AeroVirtioBlk_Inst");
    assert_false(am->devices[0].nt_extension);
    ost_driver_model_free(m);
}

static void test_fixture_input_and_gpu(void **state)
{
    (void)state;
    struct ost_driver_model *m = fixture_model("aero_virtio_input.inf", NULL);
    if (!m)
        skip();
    const struct ost_arch_model *am = ost_driver_model_arch(m, OST_ARCH_X86);
    assert_int_equal(am->ndevices, 2);
    assert_string_equal(am->devices[0].model->hardware_id, "PCI\\VEN_1AF4&DEV_1052&SUBSYS_00101AF4&REV_01");
    assert_string_equal(am->devices[0].ddinstall, "AeroVirtioInput_Install.NTx86");
    assert_string_equal(am->kmdf_version, "1.9");
    assert_true(ost_strlist_contains_ci(&am->includes, "hidclass.inf"));
    ost_driver_model_free(m);

    m = fixture_model("aerogpu_dx11.inf", NULL);
    am = ost_driver_model_arch(m, OST_ARCH_AMD64);
    assert_string_equal(am->devices[0].model->models_section, "AeroGPU_Models.NTamd64.6.1");
    assert_string_equal(am->devices[0].ddinstall, "AeroGPU_Install.NTamd64.6.1");
    assert_int_equal(am->nfiles, 5);
    bool wow = false;
    for (size_t i = 0; i < am->nfiles; i++)
        if (!strcmp(am->files[i].dest_path, "Windows\\SysWOW64\\aerogpu_d3d10.dll"))
            wow = true;
    assert_true(wow);
    ost_driver_model_free(m);

    /* Windows Vista (6.0): the .6.1 models sections do not apply */
    struct ost_model_options vista = {.arches = {OST_ARCH_AMD64}, .narches = 1, .os = {6, 0, 0, 1}};
    m = fixture_model("aerogpu.inf", &vista);
    assert_false(m->arches[0].usable);
    assert_non_null(find_diag(&m->diags, "no-models-for-arch"));
    ost_driver_model_free(m);
}

static void test_fixture_net_copyfiles_flags(void **state)
{
    (void)state;
    struct ost_driver_model *m = fixture_model("aero_virtio_net.inf", NULL);
    if (!m)
        skip();
    const struct ost_arch_model *am = ost_driver_model_arch(m, OST_ARCH_AMD64);
    assert_int_equal(am->nfiles, 1);
    assert_string_equal(am->files[0].name, "aero_virtio_net.sys");
    bool eventlog = false;
    for (size_t i = 0; i < am->nregs; i++)
        eventlog = eventlog || (am->regs[i].context == OST_REG_EVENTLOG && !strcmp(am->regs[i].owner, "aero_virtio_net"));
    assert_true(eventlog);
    ost_driver_model_free(m);
}

/* ---- scale: indexes, sections processed once, limits ---------------------- */

static void test_key_index(void **state)
{
    (void)state;
    struct ost_diags d = {0};
    struct ost_inf *inf = parse_ok("[Strings]\nk = Real\n[S]\nkey = first\nKEY = second\n%k% = substituted\n", &d);
    const struct ost_inf_section *s = ost_inf_section(inf, "S");
    const struct ost_inf_line *l = ost_inf_find_key(s, "Key");
    assert_non_null(l);
    assert_string_equal(l->values[0], "first"); /* the first of duplicate keys */
    l = ost_inf_find_key(s, "real");            /* keys are indexed after substitution */
    assert_non_null(l);
    assert_string_equal(l->values[0], "substituted");
    assert_null(ost_inf_find_key(s, "%k%"));
    assert_null(ost_inf_find_key(s, "absent"));
    assert_null(ost_inf_find_key(NULL, "key"));
    ost_inf_free(inf);
    ost_diags_free(&d);
}

/* An INF of one device whose [Files] holds n distinct files. */
static char *inf_with_files(size_t n)
{
    struct ost_buf b = {0};
    ost_buf_adds(&b, VERSION_OK "[Manufacturer]\nM=Models,NTamd64\n[Models.NTamd64]\nDev=Inst,PCI\\VEN_1&DEV_2\n"
                                "[Inst.NT]\nCopyFiles=Files\n[Files]\n");
    for (size_t i = 0; i < n; i++)
        ost_buf_addf(&b, "f%06zu.dat\n", i);
    ost_buf_adds(&b, "[DestinationDirs]\nDefaultDestDir=12\n[SourceDisksNames]\n1=d\n[SourceDisksFiles]\n");
    for (size_t i = 0; i < n; i++)
        ost_buf_addf(&b, "f%06zu.dat=1\n", i);
    return ost_buf_steal(&b);
}

static void test_file_limit(void **state)
{
    (void)state;
    char *text = inf_with_files(OST_MODEL_MAX_FILES);
    struct ost_driver_model *m = model_of(text, OST_ARCH_AMD64);
    const struct ost_arch_model *am = ost_driver_model_arch(m, OST_ARCH_AMD64);
    assert_int_equal(am->nfiles, OST_MODEL_MAX_FILES);
    assert_string_equal(am->files[OST_MODEL_MAX_FILES - 1].source_path, "f009999.dat");
    assert_null(find_diag(&m->diags, "not-in-source-disks-files"));
    ost_driver_model_free(m);
    free(text);

    text = inf_with_files(OST_MODEL_MAX_FILES + 1);
    struct ost_inf *inf = parse_ok(text, NULL);
    struct ost_model_options o = {.arches = {OST_ARCH_AMD64}, .narches = 1};
    struct ost_error err;
    assert_int_equal(ost_driver_model_build(inf, &o, &m, &err), OST_ERR_LIMIT);
    assert_null(m);
    /* the entry past the limit: [Files] is line 13 */
    char *where = ost_xasprintf("t.inf:%u: the package copies more than %u files for amd64", 13 + OST_MODEL_MAX_FILES + 1,
                                OST_MODEL_MAX_FILES);
    assert_non_null(strstr(err.message, where));
    free(where);
    free(text);
}

static void test_inf_line_and_field_limits(void **state)
{
    (void)state;
    struct ost_buf b = {0};
    ost_buf_adds(&b, "[S]\n");
    for (unsigned i = 0; i <= OST_INF_MAX_LINES; i++)
        ost_buf_adds(&b, "a\n");
    struct ost_inf *inf;
    struct ost_error err;
    assert_int_equal(ost_inf_parse((const uint8_t *)b.data, b.len, "t.inf", NULL, &inf, NULL, &err), OST_ERR_LIMIT);
    char *where = ost_xasprintf("t.inf:%u: more than %u lines", OST_INF_MAX_LINES + 2, OST_INF_MAX_LINES);
    assert_non_null(strstr(err.message, where));
    free(where);
    ost_buf_free(&b);

    ost_buf_adds(&b, "[S]\n");
    for (unsigned i = 0; i < OST_INF_MAX_FIELDS / 1000 + 1; i++) {
        for (unsigned k = 0; k < 999; k++)
            ost_buf_adds(&b, "a,");
        ost_buf_adds(&b, "a\n");
    }
    assert_int_equal(ost_inf_parse((const uint8_t *)b.data, b.len, "t.inf", NULL, &inf, NULL, &err), OST_ERR_LIMIT);
    assert_non_null(strstr(err.message, "comma-separated fields"));
    ost_buf_free(&b);
}

/* Sections named from many places are read once: the model does not grow
 * with the product of references and lines. */
static void test_shared_sections_processed_once(void **state)
{
    (void)state;
    struct ost_buf b = {0};
    ost_buf_adds(&b, VERSION_OK "[Manufacturer]\n");
    for (int i = 0; i < 50; i++)
        ost_buf_adds(&b, "M=Models,NTamd64\n");
    ost_buf_adds(&b, "[Models.NTamd64]\n");
    for (int i = 0; i < 200; i++)
        ost_buf_addf(&b, "Dev%d=Inst%d,PCI\\VEN_1&DEV_%04X\n", i, i, i);
    for (int i = 0; i < 200; i++) /* every device its own install section, decorated or not */
        ost_buf_addf(&b, "[Inst%d%s]\nCopyFiles=Files,Files\nNeeds=Shared\n", i, i % 2 ? ".NTamd64" : ".NT");
    ost_buf_adds(&b, "[Shared]\nAddReg=Reg\nCopyFiles=Files\n[Reg]\nHKR,,A,,1\nHKR,,B,,2\n[Files]\nx.dat\ny.dat\n"
                     "[DestinationDirs]\nDefaultDestDir=12\n[SourceDisksNames]\n1=d\n[SourceDisksFiles]\nx.dat=1\ny.dat=1\n");
    struct ost_driver_model *m = model_of(b.data, OST_ARCH_AMD64);
    const struct ost_arch_model *am = ost_driver_model_arch(m, OST_ARCH_AMD64);
    assert_int_equal(m->nmodel_lines, 200);
    assert_int_equal(am->ndevices, 200);
    assert_int_equal(am->install_sections.n, 200);
    for (size_t i = 0; i < am->ndevices; i++) {
        char *want = ost_xasprintf("Inst%zu%s", i, i % 2 ? ".NTamd64" : ".NT");
        assert_string_equal(am->devices[i].ddinstall, want);
        assert_true(am->devices[i].nt_extension);
        free(want);
    }
    assert_int_equal(am->nfiles, 2);
    assert_int_equal(am->nregs, 2); /* [Shared] once, however many sections need it */
    ost_driver_model_free(m);
    ost_buf_free(&b);
}

static void test_registry_limit(void **state)
{
    (void)state;
    struct ost_buf b = {0};
    ost_buf_adds(&b, VERSION_OK "[Manufacturer]\nM=Models,NTamd64\n[Models.NTamd64]\nDev=Inst,PCI\\VEN_1&DEV_2\n"
                                "[Inst.NT]\n[Inst.NT.Services]\n");
    unsigned services = OST_MODEL_MAX_REGS / 1000 + 1;
    for (unsigned i = 0; i < services; i++)
        ost_buf_addf(&b, "AddService=s%u,,Svc\n", i);
    ost_buf_adds(&b, "[Svc]\nServiceType=1\nStartType=3\nErrorControl=1\nServiceBinary=%12%\\s.sys\nAddReg=Reg\n[Reg]\n");
    for (unsigned i = 0; i < 1000; i++)
        ost_buf_addf(&b, "HKR,,V%u,,1\n", i);
    struct ost_inf *inf = parse_ok(b.data, NULL);
    struct ost_model_options o = {.arches = {OST_ARCH_AMD64}, .narches = 1};
    struct ost_driver_model *m;
    struct ost_error err;
    assert_int_equal(ost_driver_model_build(inf, &o, &m, &err), OST_ERR_LIMIT);
    assert_non_null(strstr(err.message, "more than 200000 registry values for amd64"));
    ost_buf_free(&b);
}

static void test_windows_names(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "CON", "con", "PRN", "AUX", "NUL", "COM1", "com9", "LPT1", "LPT9", "AUX.dat", "con.txt", "NUL.tar.gz",
        "NUL .txt", "COM\xC2\xB9", "lpt\xC2\xB3.sys", "trail.", "trail ", "a<b", "a>b", "a:b", "a\"b", "a/b",
        "a\\b", "a|b", "a?b", "a*b", "tab\there", "nl\x01", "\x1f",
    };
    static const char *const good[] = {
        "CONSOLE", "COM10", "LPT0", "COM0", "AUXILIARY.dat", "xcon", "con_x.txt", "a.b.c", "name with space.sys",
        "driver.sys", "%12%", "$dollar", "caf\xC3\xA9.dat", "COM\xC2\xB4",
    };
    char why[160];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (ost_windows_name_ok(bad[i], why, sizeof why))
            fail_msg("\"%s\" passed", bad[i]);
        assert_true(why[0]);
    }
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!ost_windows_name_ok(good[i], why, sizeof why))
            fail_msg("\"%s\" refused: %s", good[i], why);
    assert_false(ost_windows_name_ok("AUX.dat", why, sizeof why));
    assert_non_null(strstr(why, "device name"));
    assert_false(ost_windows_name_ok("x\x07", why, sizeof why));
    assert_non_null(strstr(why, "0x07"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lexer_fields_quotes_comments),
        cmocka_unit_test(test_lexer_continuation_and_merge),
        cmocka_unit_test(test_strings_substitution),
        cmocka_unit_test(test_string_self_reference),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_parse_u32),
        cmocka_unit_test(test_decorations),
        cmocka_unit_test(test_models_decoration_choice),
        cmocka_unit_test(test_undecorated_models_ignored_on_x64),
        cmocka_unit_test(test_path_escape),
        cmocka_unit_test(test_version_problems),
        cmocka_unit_test(test_all_fixtures_parse_without_errors),
        cmocka_unit_test(test_fixture_virtio_snd),
        cmocka_unit_test(test_fixture_blk_boot_critical),
        cmocka_unit_test(test_fixture_input_and_gpu),
        cmocka_unit_test(test_fixture_net_copyfiles_flags),
        cmocka_unit_test(test_key_index),
        cmocka_unit_test(test_file_limit),
        cmocka_unit_test(test_inf_line_and_field_limits),
        cmocka_unit_test(test_shared_sections_processed_once),
        cmocka_unit_test(test_registry_limit),
        cmocka_unit_test(test_windows_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
