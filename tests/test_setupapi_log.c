/* SPDX-License-Identifier: GPL-3.0-or-later */
/* setupapi.dev.log parsing (setupapi_log.c): sections, outcomes, chosen
 * drivers, errors and signature results; encodings, truncation, garbage,
 * and a 300 MB log streamed through a pipe in bounded memory. */
#include "testutil.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "encoding.h"
#include "setupapi_log.h"

#define DEVICE "PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\\3&13c0b0c5&0&18"
#define DEVICE2 "PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\\3&13c0b0c5&0&20"
#define TRANSITIONAL "PCI\\VEN_1AF4&DEV_1018&SUBSYS_00191AF4&REV_00\\3&13c0b0c5&0&28"
#define STORE "c:\\windows\\system32\\driverstore\\filerepository\\aero_virtio_snd.inf_amd64_neutral_5c2bd1e6a1b2c3d4"

/* The log header, then: a successful hardware-initiated install choosing
 * oem3.inf; a signature failure (0xe0000242); a device no driver matches;
 * a DiInstallDriver section; a section in the documented (Vista) form. */
static const char sample_log[] =
    "[Device Install Log]\n"
    "     OS Version = 6.1.7601\n"
    "     Service Pack = 1.0\n"
    "     Suite = 0x0100\n"
    "     ProductType = 1\n"
    "     Architecture = amd64\n"
    "\n"
    "[BeginLog]\n"
    "\n"
    "[Boot Session: 2026/01/10 12:00:00.500]\n"
    "\n"
    ">>>  [Device Install (Hardware initiated) - " DEVICE "]\n"                          /* 12 */
    ">>>  Section start 2026/01/10 12:00:07.968\n"
    "     ump: Creating Install Process: DrvInst.exe 12:00:07.968\n"
    "     ndv: Retrieving device info...\n"
    "     ndv: Searching Driver Store and Device Path...\n"
    "     dvi: {Build Driver List} 12:00:08.046\n"
    "     dvi:      Searching for hardware ID(s):\n"
    "     dvi:           pci\\ven_1af4&dev_1059&subsys_00191af4&rev_01\n"
    "     dvi: {Build Driver List - exit(0x00000000)} 12:00:08.687\n"
    "     dvi: {DIF_SELECTBESTCOMPATDRV} 12:00:08.687\n"
    "     dvi:           {Select Best Driver}\n"
    "     dvi:                Selected driver installs from section [VirtioSnd_Device] in '" STORE
    "\\aero_virtio_snd.inf'.\n"
    "     dvi:                Set selected driver complete.\n"
    "     dvi:                Selected driver:\n"
    "     dvi:                     Description - [Aero VirtIO Sound Device]\n"
    "     dvi:                     Section     - [VirtioSnd_Device.NT]\n"
    "     dvi:                     Rank        - [0x00ff0002]\n"
    "     dvi:           {Select Best Driver - exit(0x00000000)}\n"
    "     sig: {_VERIFY_FILE_SIGNATURE} 12:00:08.710\n"                                   /* 30 */
    "     sig:      Key      = aero_virtio_snd.inf\n"
    "     sig:      Catalog  = " STORE "\\aero_virtio_snd.cat\n"
    "     sig:      Success: File is signed in catalog.\n"                                /* 33 */
    "     sig: {_VERIFY_FILE_SIGNATURE exit(0x00000000)} 12:00:08.720\n"
    "     ndv:      Driver INF: oem3.inf\n"
    "!    dvi:      Device has a problem: 0x1c (CM_PROB_FAILED_INSTALL) 12:00:09.000\n"   /* 36 */
    "<<<  Section end 2026/01/10 12:00:09.421\n"
    "<<<  [Exit status: SUCCESS]\n"
    "\n"
    ">>>  [Device Install (Hardware initiated) - " DEVICE2 "]\n"                         /* 40 */
    ">>>  Section start 2026/01/10 12:01:00.000\n"
    "     dvi:                Selected driver installs from section [VirtioSnd_Device] in '" STORE
    "\\aero_virtio_snd.inf'.\n"
    "     sig: {_VERIFY_FILE_SIGNATURE} 12:01:01.100\n"
    "     sig:      Key      = aero_virtio_snd.inf\n"
    "!    sig:      Verifying file against specific (valid) catalog failed! (0x800b0109)\n" /* 45 */
    "!    sig:      Error 0x800b0109: A certificate chain processed, but terminated in a root certificate "
    "which is not trusted by the trust provider.\n"
    "     sig: {_VERIFY_FILE_SIGNATURE exit(0x800b0109)} 12:01:01.120\n"                  /* 47 */
    "!!!  sig:      Driver package failed signature validation. Error = 0xE0000242\n"     /* 48 */
    "!!!  ndv: Driver package failed signature verification. Error = 0xE0000242 12:01:01.200\n"
    "<<<  Section end 2026/01/10 12:01:02.000\n"
    "<<<  [Exit status: FAILURE(0xe0000242)]\n"
    "\n"
    ">>>  [Device Install (Hardware initiated) - " TRANSITIONAL "]\n"                    /* 53 */
    ">>>  Section start 2026/01/10 12:02:00.000\n"
    "     dvi: {Build Driver List} 12:02:00.100\n"
    "     dvi: {Select Best Driver}\n"
    "!    dvi: Selecting driver failed(0xe0000228)\n"
    "!!!  dvi: Error 0xe0000228: There are no compatible drivers for this device.\n"
    "     ndv: Device install status=0xe0000203\n"
    "<<<  Section end 2026/01/10 12:02:01.000\n"
    "<<<  [Exit status: FAILURE(0xe0000203)]\n"
    "\n"
    ">>>  [Device Install (DiInstallDriver) - C:\\Windows\\System32\\DriverStore\\FileRepository\\x.inf]\n"
    ">>>  Section start 2026/01/10 12:03:00.000\n"
    "     inf: Published Inf Path: C:\\Windows\\INF\\oem4.inf\n"
    "<<<  Section end 2026/01/10 12:03:01.000\n"
    "<<<  [Exit status: SUCCESS]\n"
    "\n"
    ">>>  [Device Install - PCI\\VEN_104C&DEV_8019&SUBSYS_8010104C&REV_00\\3&61aaa01&0&38]\n"
    ">>>  2005/02/13 22:06:20.000: Section start\n"
    "     dvi: Installing NULL driver!\n"
    "<<<  [2005/02/13 22:06:28.109: Section end]\n"
    "<<<  [Exit Status(0x00000000)]\n";

struct collected {
    struct ost_setupapi_section *v[64];
    size_t n;
    size_t stop_after;  /* 0: never */
    struct ost_setupapi_filter filter;
};

static bool collect(struct ost_setupapi_section *s, void *ctx)
{
    struct collected *c = ctx;
    if (c->n < 64 && ost_setupapi_section_matches(s, &c->filter))
        c->v[c->n++] = s;
    else
        ost_setupapi_section_free(s);
    return !c->stop_after || c->n < c->stop_after;
}

static void collected_free(struct collected *c)
{
    for (size_t i = 0; i < c->n; i++)
        ost_setupapi_section_free(c->v[i]);
    c->n = 0;
}

static ost_status parse(const void *data, size_t n, struct collected *c, struct ost_setupapi_log_info *info,
                        struct ost_error *err)
{
    return ost_setupapi_log_parse_buffer(data, n, "setupapi.dev.log", collect, c, info, err);
}

static void parse_ok(const void *data, size_t n, struct collected *c, struct ost_setupapi_log_info *info)
{
    struct ost_error err;
    if (parse(data, n, c, info, &err) != OST_OK)
        fail_msg("%s", err.message);
}

/* What the sample log must give, whatever its encoding and line ends. */
static void check_sample(struct collected *c, const struct ost_setupapi_log_info *info)
{
    assert_int_equal(c->n, 5);
    assert_int_equal(info->sections, 5);
    assert_string_equal(info->os_version, "6.1.7601");
    assert_string_equal(info->architecture, "amd64");

    const struct ost_setupapi_section *ok = c->v[0];
    assert_string_equal(ok->kind, "Device Install (Hardware initiated)");
    assert_string_equal(ok->subject, DEVICE);
    assert_string_equal(ok->boot_session, "2026-01-10T12:00:00.500");
    assert_string_equal(ok->start, "2026-01-10T12:00:07.968");
    assert_string_equal(ok->end, "2026-01-10T12:00:09.421");
    assert_int_equal(ok->outcome, OST_SETUPAPI_SUCCESS);
    assert_false(ok->has_status);
    assert_int_equal(ok->first_line, 12);
    assert_int_equal(ok->last_line, 38);
    assert_true(ok->has_driver);
    assert_string_equal(ok->driver.inf, STORE "\\aero_virtio_snd.inf");
    assert_string_equal(ok->driver.section, "VirtioSnd_Device.NT");
    assert_string_equal(ok->driver.description, "Aero VirtIO Sound Device");
    assert_string_equal(ok->driver.rank, "0x00ff0002");
    assert_string_equal(ok->driver.published, "oem3.inf");
    assert_false(ok->no_driver_found);
    assert_int_equal(ok->errors, 0);
    assert_int_equal(ok->warnings, 1);
    /* the sig: result line and the warning; Key/Catalog/exit(0) lines are not kept */
    assert_int_equal(ok->nentries, 2);
    assert_int_equal(ok->entries[0].line, 33);
    assert_string_equal(ok->entries[0].tag, "sig");
    assert_string_equal(ok->entries[0].text, "Success: File is signed in catalog.");
    assert_int_equal(ok->entries[1].level, OST_SETUPAPI_WARNING);
    assert_int_equal(ok->entries[1].line, 36);
    assert_string_equal(ok->entries[1].time, "12:00:09.000");
    assert_string_equal(ok->entries[1].text, "Device has a problem: 0x1c (CM_PROB_FAILED_INSTALL)");

    const struct ost_setupapi_section *sig = c->v[1];
    assert_string_equal(sig->subject, DEVICE2);
    assert_int_equal(sig->outcome, OST_SETUPAPI_FAILURE);
    assert_true(sig->has_status);
    assert_int_equal(sig->status, 0xe0000242);
    assert_string_equal(sig->exit_text, "Exit status: FAILURE(0xe0000242)");
    assert_string_equal(ost_setupapi_status_name(sig->status), "ERROR_AUTHENTICODE_TRUST_NOT_ESTABLISHED");
    assert_int_equal(sig->errors, 2);
    assert_int_equal(sig->warnings, 2);
    assert_int_equal(sig->nentries, 5);
    assert_int_equal(sig->entries[0].line, 45);
    assert_int_equal(sig->entries[0].level, OST_SETUPAPI_WARNING);
    assert_string_equal(sig->entries[0].text, "Verifying file against specific (valid) catalog failed! (0x800b0109)");
    assert_int_equal(sig->entries[2].line, 47);
    assert_int_equal(sig->entries[2].level, OST_SETUPAPI_INFO);
    assert_string_equal(sig->entries[2].time, "12:01:01.120");
    assert_string_equal(sig->entries[2].text, "{_VERIFY_FILE_SIGNATURE exit(0x800b0109)}");
    assert_int_equal(sig->entries[3].level, OST_SETUPAPI_ERROR);
    assert_string_equal(sig->entries[3].tag, "sig");
    assert_string_equal(sig->entries[4].tag, "ndv");
    assert_string_equal(sig->entries[4].time, "12:01:01.200");
    assert_true(ost_setupapi_section_failed(sig));

    const struct ost_setupapi_section *none = c->v[2];
    assert_string_equal(none->subject, TRANSITIONAL);
    assert_int_equal(none->status, 0xe0000203);
    assert_true(none->no_driver_found);
    assert_false(none->has_driver);
    assert_string_equal(none->entries[1].text, "Error 0xe0000228: There are no compatible drivers for this device.");

    const struct ost_setupapi_section *di = c->v[3];
    assert_string_equal(di->kind, "Device Install (DiInstallDriver)");
    assert_string_equal(di->subject, "C:\\Windows\\System32\\DriverStore\\FileRepository\\x.inf");
    assert_string_equal(di->driver.published, "oem4.inf");

    const struct ost_setupapi_section *vista = c->v[4];
    assert_string_equal(vista->kind, "Device Install");
    assert_string_equal(vista->start, "2005-02-13T22:06:20.000");
    assert_string_equal(vista->end, "2005-02-13T22:06:28.109");
    assert_int_equal(vista->outcome, OST_SETUPAPI_SUCCESS);
    assert_true(vista->has_status);
    assert_int_equal(vista->status, 0);
    assert_true(vista->driver.null_driver);
}

static void test_sample(void **state)
{
    (void)state;
    struct collected c = {0};
    struct ost_setupapi_log_info info;
    parse_ok(sample_log, strlen(sample_log), &c, &info);
    assert_string_equal(info.encoding, "ansi");
    assert_int_equal(info.lines, 73);
    check_sample(&c, &info);
    collected_free(&c);
}

static char *to_crlf(const char *s, size_t *n)
{
    struct ost_buf b = {0};
    for (; *s; s++) {
        if (*s == '\n')
            ost_buf_addc(&b, '\r');
        ost_buf_addc(&b, *s);
    }
    *n = b.len;
    return ost_buf_steal(&b);
}

/* UTF-8 to UTF-16 (LE or BE) with a BOM when asked. */
static uint8_t *to_utf16(const char *s, bool le, bool bom, size_t *n)
{
    struct ost_buf b = {0};
    if (bom)
        ost_buf_add(&b, le ? "\xFF\xFE" : "\xFE\xFF", 2);
    assert_true(ost_utf8_to_utf16(&b, s, strlen(s), le ? OST_UTF16LE : OST_UTF16BE));
    *n = b.len;
    return (uint8_t *)ost_buf_steal(&b);
}

static void test_crlf(void **state)
{
    (void)state;
    size_t n;
    char *crlf = to_crlf(sample_log, &n);
    struct collected c = {0};
    struct ost_setupapi_log_info info;
    parse_ok(crlf, n, &c, &info);
    check_sample(&c, &info);
    collected_free(&c);
    free(crlf);
}

static void test_utf16(void **state)
{
    (void)state;
    static const struct {
        bool le, bom;
        const char *encoding;
    } forms[] = {{true, true, "utf-16le"}, {false, true, "utf-16be"}, {true, false, "utf-16le"}};
    for (size_t i = 0; i < 3; i++) {
        size_t n, n2;
        char *crlf = to_crlf(sample_log, &n2);
        uint8_t *u = to_utf16(crlf, forms[i].le, forms[i].bom, &n);
        struct collected c = {0};
        struct ost_setupapi_log_info info;
        parse_ok(u, n, &c, &info);
        assert_string_equal(info.encoding, forms[i].encoding);
        check_sample(&c, &info);
        collected_free(&c);
        free(u);
        free(crlf);
    }
    /* non-ASCII text, a surrogate pair, and a lone surrogate */
    const char *text = ">>>  [Device Install - ROOT\\Gr\xC3\xBC\xC3\x9F" "e\\0000]\n"
                       "!!!  dvi: caf\xC3\xA9 \xF0\x9F\x98\x80 x\n";
    size_t n;
    uint8_t *u = to_utf16(text, true, true, &n);
    u[n - 4] = 0x00, u[n - 3] = 0xD8; /* "x" becomes an unpaired high surrogate */
    struct collected c = {0};
    struct ost_setupapi_log_info info;
    parse_ok(u, n, &c, &info);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.v[0]->subject, "ROOT\\Gr\xC3\xBC\xC3\x9F" "e\\0000");
    assert_string_equal(c.v[0]->entries[0].text, "caf\xC3\xA9 \xF0\x9F\x98\x80 \xEF\xBF\xBD");
    assert_int_equal(c.v[0]->outcome, OST_SETUPAPI_TRUNCATED);
    collected_free(&c);
    /* a log cut after a high surrogate and one byte of the next unit: one
     * U+FFFD for each */
    u[n - 2] = 'y';
    parse_ok(u, n - 1, &c, &info);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.v[0]->entries[0].text, "caf\xC3\xA9 \xF0\x9F\x98\x80 \xEF\xBF\xBD\xEF\xBF\xBD");
    collected_free(&c);
    free(u);
}

/* Byte-at-a-time feeding splits every BOM, UTF-16 unit and line. */
static void test_one_byte_chunks(void **state)
{
    (void)state;
    size_t n, n2;
    char *crlf = to_crlf(sample_log, &n2);
    uint8_t *u = to_utf16(crlf, true, true, &n);
    const void *inputs[] = {sample_log, u};
    size_t sizes[] = {strlen(sample_log), n};
    for (int k = 0; k < 2; k++) {
        struct collected c = {0};
        struct ost_setupapi_log_info info;
        struct ost_error err;
        struct ost_setupapi_parser *p = ost_setupapi_parser_new("log", collect, &c);
        for (size_t i = 0; i < sizes[k]; i++)
            assert_ost_ok(ost_setupapi_parser_feed(p, (const uint8_t *)inputs[k] + i, 1, &err), &err);
        assert_ost_ok(ost_setupapi_parser_finish(p, &info, &err), &err);
        ost_setupapi_parser_free(p);
        check_sample(&c, &info);
        collected_free(&c);
    }
    free(u);
    free(crlf);
}

static void test_truncated(void **state)
{
    (void)state;
    /* cut inside the signature failure section, in the middle of a line */
    const char *cut = strstr(sample_log, "Verifying file against");
    size_t n = (size_t)(cut - sample_log) + 10;
    struct collected c = {0};
    struct ost_setupapi_log_info info;
    parse_ok(sample_log, n, &c, &info);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.v[0]->outcome, OST_SETUPAPI_SUCCESS);
    const struct ost_setupapi_section *t = c.v[1];
    assert_int_equal(t->outcome, OST_SETUPAPI_TRUNCATED);
    assert_false(t->has_status);
    assert_null(t->exit_text);
    assert_string_equal(t->end, "");
    assert_int_equal(t->nentries, 1);
    assert_string_equal(t->entries[0].text, "Verifying");
    assert_int_equal(t->last_line, 45);
    collected_free(&c);

    /* a section end without an exit status: ended, outcome unknown */
    const char *end = strstr(sample_log, "<<<  [Exit status: FAILURE(0xe0000242)]");
    parse_ok(sample_log, (size_t)(end - sample_log), &c, &info);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.v[1]->outcome, OST_SETUPAPI_UNKNOWN);
    assert_string_equal(c.v[1]->end, "2026-01-10T12:01:02.000");
    collected_free(&c);

    /* a restart in the middle of a section: the next boot session ends it */
    struct ost_buf b = {0};
    ost_buf_add(&b, sample_log, (size_t)(cut - sample_log));
    ost_buf_adds(&b, "\n[Boot Session: 2026/01/11 08:00:00.000]\n");
    ost_buf_adds(&b, strstr(sample_log, ">>>  [Device Install (Hardware initiated) - " TRANSITIONAL));
    parse_ok(b.data, b.len, &c, &info);
    assert_int_equal(c.n, 5);
    assert_int_equal(c.v[1]->outcome, OST_SETUPAPI_TRUNCATED);
    assert_string_equal(c.v[1]->boot_session, "2026-01-10T12:00:00.500");
    assert_int_equal(c.v[2]->outcome, OST_SETUPAPI_FAILURE);
    assert_string_equal(c.v[2]->boot_session, "2026-01-11T08:00:00.000");
    collected_free(&c);
    ost_buf_free(&b);

    /* a header with no closing bracket and nothing after it */
    const char *h = ">>>  [Device Install (Hardware initiated) - PCI\\VEN_1AF4&DEV_1059";
    parse_ok(h, strlen(h), &c, &info);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.v[0]->subject, "PCI\\VEN_1AF4&DEV_1059");
    assert_int_equal(c.v[0]->outcome, OST_SETUPAPI_TRUNCATED);
    collected_free(&c);
}

static void expect_corrupt(const void *data, size_t n, const char *needle)
{
    struct collected c = {0};
    struct ost_error err;
    assert_int_equal(parse(data, n, &c, NULL, &err), OST_ERR_CORRUPT);
    if (!strstr(err.message, needle))
        fail_msg("message '%s' lacks '%s'", err.message, needle);
    assert_non_null(strstr(err.message, "setupapi.dev.log: not a SetupAPI text log"));
    collected_free(&c);
}

static void test_garbage(void **state)
{
    (void)state;
    uint8_t bin[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof bin; i++)
        x = x * 1103515245u + 12345u, bin[i] = (uint8_t)(x >> 16);
    bin[0] = 'M', bin[1] = 'Z', bin[2] = 0x90, bin[3] = 0x00;
    expect_corrupt(bin, sizeof bin, "binary byte 0x00 at offset 3");
    expect_corrupt("hello\nworld\x01\n", 13, "binary byte 0x01 at offset 11");
    expect_corrupt("just some text\nwithout log lines\n", 33, "no section header or log entry in its 33 bytes");
    /* text that never shows a log line within the sniffing window */
    size_t big = OST_SETUPAPI_SNIFF_BYTES + 100;
    char *t = ost_xmalloc(big);
    for (size_t i = 0; i < big; i++)
        t[i] = i % 64 == 63 ? '\n' : 'a';
    expect_corrupt(t, big, "in the first 65536 bytes");
    free(t);
    /* UTF-16 with a control character before any log line: offset in the file */
    const uint8_t u16[] = {0xFF, 0xFE, 'a', 0, 'b', 0, 0x02, 0, '\n', 0};
    expect_corrupt(u16, sizeof u16, "binary byte 0x02 at offset 6");
}

static void test_empty_and_nul_tail(void **state)
{
    (void)state;
    struct collected c = {0};
    struct ost_setupapi_log_info info;
    parse_ok("", 0, &c, &info);
    assert_int_equal(c.n, 0);
    assert_int_equal(info.sections, 0);
    parse_ok("\r\n  \n\t\n", 7, &c, &info);
    assert_int_equal(c.n, 0);
    parse_ok("\xEF\xBB\xBF", 3, &c, &info);
    assert_string_equal(info.encoding, "utf-8-bom");
    assert_int_equal(c.n, 0);

    /* a crash leaves NULs where the last section's tail should be */
    size_t n = strlen(sample_log) + 10000;
    char *log = ost_xcalloc(1, n);
    memcpy(log, sample_log, strlen(sample_log) - 40);
    parse_ok(log, n, &c, &info);
    assert_int_equal(c.n, 5);
    assert_int_equal(c.v[4]->outcome, OST_SETUPAPI_TRUNCATED);
    assert_int_equal(info.skipped_bytes, 10040);
    collected_free(&c);
    free(log);
}

static void test_ansi_and_controls(void **state)
{
    (void)state;
    /* Latin-1 bytes (an ANSI log), a C1 byte, an escape sequence */
    const char *log = ">>>  [Device Install - ROOT\\M\xE4rchen\\0000]\n"
                      "!!!  dvi: bad \x9B" "x \x1B[31mred\n"
                      "!!!  dvi: over\rwrite\r\n";
    struct collected c = {0};
    struct ost_setupapi_log_info info;
    parse_ok(log, strlen(log), &c, &info);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.v[0]->subject, "ROOT\\M\xC3\xA4rchen\\0000");
    assert_string_equal(c.v[0]->entries[0].text, "bad \xEF\xBF\xBDx [31mred");
    assert_string_equal(c.v[0]->entries[1].text, "over write");
    assert_int_equal(info.skipped_bytes, 1);
    collected_free(&c);
}

static void test_long_lines_and_many_entries(void **state)
{
    (void)state;
    struct ost_buf b = {0};
    ost_buf_adds(&b, ">>>  [Device Install (Hardware initiated) - " DEVICE "]\n!!!  dvi: ");
    for (int i = 0; i < 100000; i++)
        ost_buf_adds(&b, "0123456789");
    ost_buf_adds(&b, "\n");
    for (int i = 0; i < 1000; i++)
        ost_buf_addf(&b, "!    inf: warning %d\n", i);
    ost_buf_adds(&b, "<<<  [Exit status: SUCCESS]\n");
    struct collected c = {0};
    struct ost_setupapi_log_info info;
    parse_ok(b.data, b.len, &c, &info);
    assert_int_equal(c.n, 1);
    const struct ost_setupapi_section *s = c.v[0];
    assert_int_equal(s->outcome, OST_SETUPAPI_SUCCESS);
    assert_true(strlen(s->entries[0].text) < OST_SETUPAPI_MAX_LINE);
    assert_true(strlen(s->entries[0].text) > OST_SETUPAPI_MAX_LINE - 20);
    assert_int_equal(s->nentries, OST_SETUPAPI_MAX_ENTRIES);
    assert_int_equal(s->entries_dropped, 1001 - OST_SETUPAPI_MAX_ENTRIES);
    assert_int_equal(s->warnings, 1000);
    assert_int_equal(s->errors, 1);
    assert_int_equal(s->last_line, 1003);
    collected_free(&c);
    ost_buf_free(&b);
}

/* Latin-1 bytes and C1 controls take two or three bytes once in UTF-8: a
 * long ANSI line must still be cut at the cap, at a character boundary. */
static void test_long_ansi_line_stays_capped(void **state)
{
    (void)state;
    struct ost_buf b = {0};
    ost_buf_adds(&b, ">>>  [Device Install (Hardware initiated) - " DEVICE "]\n!!!  dvi: ");
    for (int i = 0; i < 3000; i++)
        ost_buf_add(&b, i % 2 ? "\xE9" : "\x85", 1);
    ost_buf_adds(&b, "\n<<<  [Exit status: SUCCESS]\n");
    struct collected c = {0};
    struct ost_setupapi_log_info info;
    parse_ok(b.data, b.len, &c, &info);
    assert_int_equal(c.n, 1);
    const char *t = c.v[0]->entries[0].text;
    assert_true(strlen(t) <= OST_SETUPAPI_MAX_LINE);
    assert_true(strlen(t) > OST_SETUPAPI_MAX_LINE - 16); /* the line less its "!!!  dvi: " */
    uint32_t cp;
    for (size_t i = 0, n; t[i]; i += n)
        assert_int_not_equal(n = ost_utf8_decode((const uint8_t *)t + i, strlen(t + i), &cp), 0);
    collected_free(&c);
    ost_buf_free(&b);
}

static void test_filters(void **state)
{
    (void)state;
    static const struct {
        struct ost_setupapi_filter f;
        size_t n;
        size_t first_line;
    } cases[] = {
        {{.device = "pci\\ven_1af4&dev_1059&subsys_00191af4&rev_01\\3&13C0B0C5&0&18"}, 1, 12},
        {{.device = "PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01"}, 0, 0},
        {{.hwid_prefix = "pci\\ven_1af4&dev_1059"}, 2, 12},
        {{.hwid_prefix = "PCI\\VEN_1AF4&DEV_1059&REV_01"}, 2, 12},      /* by PCI parts */
        {{.hwid_prefix = "PCI\\VEN_1AF4&DEV_1059&REV_00"}, 0, 0},
        {{.hwid_prefix = "PCI\\VEN_1AF4&DEV_1018&SUBSYS_00191AF4"}, 1, 53},
        {{.hwid_prefix = "PCI\\VEN_1AF4"}, 3, 12},
        {{.hwid_prefix = "PCI\\VEN_1AF4", .failures_only = true}, 2, 40},
        {{.failures_only = true}, 2, 40},
        {{0}, 5, 12},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct collected c = {.filter = cases[i].f};
        struct ost_setupapi_log_info info;
        parse_ok(sample_log, strlen(sample_log), &c, &info);
        assert_int_equal(info.sections, 5);
        if (c.n != cases[i].n)
            fail_msg("case %zu: %zu sections, expected %zu", i, c.n, cases[i].n);
        if (c.n)
            assert_int_equal(c.v[0]->first_line, cases[i].first_line);
        collected_free(&c);
    }
}

static void test_stop(void **state)
{
    (void)state;
    struct collected c = {.stop_after = 2};
    struct ost_setupapi_log_info info;
    parse_ok(sample_log, strlen(sample_log), &c, &info);
    assert_int_equal(c.n, 2);
    assert_true(info.stopped);
    assert_int_equal(info.sections, 2);
    collected_free(&c);
}

static void test_files(void **state)
{
    (void)state;
    char *dir = t_mkdtemp();
    char *path = t_in(dir, "setupapi.dev.log");
    t_write_str(path, sample_log);
    struct collected c = {0};
    struct ost_setupapi_log_info info;
    struct ost_error err;
    assert_ost_ok(ost_setupapi_log_parse_file(path, collect, &c, &info, &err), &err);
    check_sample(&c, &info);
    collected_free(&c);
    assert_int_equal(ost_setupapi_log_parse_file(dir, collect, &c, &info, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, "not a regular file (a folder)"));
    char *missing = t_in(dir, "nothing");
    assert_int_equal(ost_setupapi_log_parse_file(missing, collect, &c, &info, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, missing));
    free(missing);
    free(path);
    t_rm_rf(dir);
    free(dir);
}

/* --- 300 MB through a pipe ------------------------------------------------ */

/* The sanitizer pass looks for memory errors, which a sixth of the size
 * finds as well; the bound on the peak is the plain pass's to measure. */
#if defined(__SANITIZE_ADDRESS__)
#define BIG_BYTES (50ull << 20)
#else
#define BIG_BYTES (300ull << 20)
#endif

/* Writes BIG_BYTES of log to fd: sections of ~100 KB of ordinary lines with
 * a failure every tenth section; returns the number of sections. */
static unsigned long write_big_log(int fd)
{
    FILE *f = fdopen(fd, "w");
    if (!f)
        _exit(3);
    unsigned long long written = 0;
    unsigned long sections = 0;
    while (written < BIG_BYTES) {
        bool fail = sections % 10 == 9;
        int n = fprintf(f, ">>>  [Device Install (Hardware initiated) - PCI\\VEN_1AF4&DEV_1059\\3&0&%lu]\r\n"
                           ">>>  Section start 2026/01/10 12:00:00.000\r\n",
                        sections);
        for (int i = 0; i < 1500; i++)
            n += fprintf(f, "     dvi:           Searching for hardware ID(s): pci\\ven_1af4&dev_1059 %d\r\n", i);
        n += fprintf(f, "%s<<<  Section end 2026/01/10 12:00:01.000\r\n<<<  [Exit status: %s]\r\n",
                     fail ? "!!!  sig: Verifying file against specific (valid) catalog failed! (0x800b0109)\r\n" : "",
                     fail ? "FAILURE(0xe0000242)" : "SUCCESS");
        if (n < 0)
            _exit(4);
        written += (unsigned long long)n;
        sections++;
    }
    fclose(f);
    return sections;
}

struct big_count {
    unsigned long sections, failures;
};

static bool count_big(struct ost_setupapi_section *s, void *ctx)
{
    struct big_count *c = ctx;
    c->sections++;
    if (s->outcome == OST_SETUPAPI_FAILURE && s->status == 0xe0000242 && s->nentries == 1)
        c->failures++;
    ost_setupapi_section_free(s);
    return true;
}

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void test_300mb_streamed(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        write_big_log(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    long before = max_rss_kb();
    struct big_count c = {0};
    struct ost_setupapi_log_info info;
    struct ost_error err;
    ost_status st = ost_setupapi_log_parse_fd(fds[0], "big.log", count_big, &c, &info, &err);
    close(fds[0]);
    int ws;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    if (st != OST_OK)
        fail_msg("%s", err.message);
    long grew = max_rss_kb() - before;
    assert_true(info.bytes >= BIG_BYTES);
    assert_true(c.sections > BIG_BYTES / (200u << 10));
    assert_int_equal(c.sections, info.sections);
    assert_int_equal(c.failures, c.sections / 10);
    /* one line and one section at a time: the peak must not follow the size */
    if (grew > 16 * 1024)
        fail_msg("peak RSS grew by %ld KiB while parsing %llu bytes", grew, (unsigned long long)info.bytes);
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(ost_setupapi_status_name(0xe0000228), "ERROR_NO_COMPAT_DRIVERS");
    assert_string_equal(ost_setupapi_status_name(0xe0000203), "ERROR_NO_DRIVER_SELECTED");
    assert_string_equal(ost_setupapi_status_name(0x800b0109), "CERT_E_UNTRUSTEDROOT");
    assert_null(ost_setupapi_status_name(0x12345678));
    assert_string_equal(ost_setupapi_outcome_name(OST_SETUPAPI_TRUNCATED), "truncated");
    assert_string_equal(ost_setupapi_level_name(OST_SETUPAPI_ERROR), "error");
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_utf16),
        cmocka_unit_test(test_one_byte_chunks),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_empty_and_nul_tail),
        cmocka_unit_test(test_ansi_and_controls),
        cmocka_unit_test(test_long_lines_and_many_entries),
        cmocka_unit_test(test_long_ansi_line_stays_capped),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_300mb_streamed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
