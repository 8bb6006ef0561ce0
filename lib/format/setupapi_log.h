/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * setupapi_log.h — Windows' device-install log, Windows\inf\setupapi.dev.log
 * (its sections as Microsoft documents them, "Format of a Text Log Section",
 * https://learn.microsoft.com/en-us/windows-hardware/drivers/install/format-of-a-text-log-section):
 * a streaming parser that turns the log into its sections
 * (">>>  [Device Install (Hardware initiated) - PCI\VEN_...\...]" up to
 * "<<<  [Exit status: ...]") and says for each what was installed on what,
 * when, with which outcome, which driver was chosen, and which errors,
 * warnings and signature results were logged on the way. A section still
 * open when the log ends or a new boot session starts is truncated.
 *
 * The log can be hundreds of megabytes: it is read in chunks, one line and
 * one section are held at a time, and each completed section is handed to
 * a callback that keeps it or frees it. Memory stays bounded by the caps
 * below whatever the size of the log.
 *
 * Accepted: UTF-8 (with or without BOM) and ANSI (bytes that are not UTF-8
 * are read as Latin-1), UTF-16LE/BE with BOM (or recognisably without), CRLF
 * or LF line ends, a last section cut short (reported as truncated), NUL
 * runs and stray control bytes once the log has been recognised (a crash can
 * leave a NUL-filled tail). Refused (OST_ERR_CORRUPT, naming the byte
 * offset): a control byte before the first line that looks like a SetupAPI
 * log line, or no such line in the first OST_SETUPAPI_SNIFF_BYTES bytes. An
 * empty (or blank) file is a log with no sections.
 */
#ifndef OST_SETUPAPI_LOG_H
#define OST_SETUPAPI_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define OST_SETUPAPI_MAX_LINE 2048      /* bytes kept of one line; the rest is skipped */
#define OST_SETUPAPI_MAX_ENTRIES 256    /* entries kept per section; more are counted */
#define OST_SETUPAPI_SNIFF_BYTES 65536  /* a log must show itself within this many bytes */

enum ost_setupapi_level {
    OST_SETUPAPI_INFO,    /* "     " prefix */
    OST_SETUPAPI_WARNING, /* "!    " */
    OST_SETUPAPI_ERROR,   /* "!!!  " */
};

/* One body line worth reporting: every error and warning, and the sig:
 * lines that give a verification result (not the Key/FilePath noise). */
struct ost_setupapi_entry {
    enum ost_setupapi_level level;
    uint64_t line;  /* 1-based line number in the log */
    char tag[4];    /* component: "sig", "dvi", "inf", ... or "" */
    char time[24];  /* on the line: a time of day ("22:33:08.120") or a date and time in ISO 8601, or "" */
    char *text;     /* the message, indentation and time stamp removed */
};

enum ost_setupapi_outcome {
    OST_SETUPAPI_SUCCESS,
    OST_SETUPAPI_FAILURE,
    OST_SETUPAPI_UNKNOWN,   /* a footer without a status we understand */
    OST_SETUPAPI_TRUNCATED, /* the log (or the next section) began before the footer */
};

/* The driver the section chose. Fields the log did not name are NULL. */
struct ost_setupapi_driver {
    char *inf;          /* INF path as logged (driver store or Windows\inf) */
    char *section;      /* install section */
    char *description;
    char *rank;         /* "0x00ff0000" */
    char *published;    /* published name, "oem3.inf" */
    bool null_driver;   /* "Installing NULL driver": the device has no function driver */
};

struct ost_setupapi_section {
    char *title;        /* text between the header's brackets */
    char *kind;         /* before " - ": "Device Install (Hardware initiated)" */
    char *subject;      /* after " - ": device instance ID, hardware ID or INF path; or NULL */
    /* Times in ISO 8601, local time as logged (no zone: the log names
     * none): "2010-11-20T22:33:07.968" for the log's "2010/11/20 22:33:07.968". */
    char *boot_session; /* time of the last "[Boot Session: ...]" before it, or NULL */
    char start[32];     /* "2010-11-20T22:33:07.968", or "" */
    char end[32];
    uint64_t first_line, last_line;
    enum ost_setupapi_outcome outcome;
    bool has_status;
    uint32_t status;    /* the exit code, when the footer gives one */
    char *exit_text;    /* footer as logged ("Exit status: FAILURE(0xe0000242)"), or NULL */
    bool has_driver;
    struct ost_setupapi_driver driver;
    bool no_driver_found; /* no compatible driver (0xe0000228) or none selected */
    size_t errors, warnings; /* all of them, kept or not */
    struct ost_setupapi_entry *entries;
    size_t nentries, cap;
    size_t entries_dropped;  /* beyond OST_SETUPAPI_MAX_ENTRIES */
};

/* What the parse saw besides sections. */
struct ost_setupapi_log_info {
    const char *encoding;  /* "ansi", "utf-8-bom", "utf-16le", "utf-16be" */
    char os_version[32];   /* from the "[Device Install Log]" header, or "" */
    char architecture[16];
    uint64_t bytes, lines, sections;
    uint64_t skipped_bytes; /* control bytes dropped (NUL runs) */
    bool stopped;           /* the callback asked to stop */
};

/* Called once per completed (or truncated) section. The section belongs to
 * the callee, which frees it with ost_setupapi_section_free (or keeps it).
 * Returning false stops the parse (not an error). */
typedef bool (*ost_setupapi_section_fn)(struct ost_setupapi_section *s, void *ctx);

/* Push parser: feed bytes as they come, then finish. `name` is the file
 * name used in messages. After an error every further call returns it. */
struct ost_setupapi_parser;
struct ost_setupapi_parser *ost_setupapi_parser_new(const char *name, ost_setupapi_section_fn fn, void *ctx);
ost_status ost_setupapi_parser_feed(struct ost_setupapi_parser *p, const void *data, size_t n,
                                    struct ost_error *err);
/* Flushes the last line and the last section; fills info when non-NULL. */
ost_status ost_setupapi_parser_finish(struct ost_setupapi_parser *p, struct ost_setupapi_log_info *info,
                                      struct ost_error *err);
void ost_setupapi_parser_free(struct ost_setupapi_parser *p);

/* Whole-input conveniences over the push parser. */
ost_status ost_setupapi_log_parse_fd(int fd, const char *name, ost_setupapi_section_fn fn, void *ctx,
                                     struct ost_setupapi_log_info *info, struct ost_error *err);
ost_status ost_setupapi_log_parse_file(const char *path, ost_setupapi_section_fn fn, void *ctx,
                                       struct ost_setupapi_log_info *info, struct ost_error *err);
ost_status ost_setupapi_log_parse_buffer(const void *data, size_t n, const char *name, ost_setupapi_section_fn fn,
                                         void *ctx, struct ost_setupapi_log_info *info, struct ost_error *err);

void ost_setupapi_section_free(struct ost_setupapi_section *s);

/* Which sections a caller wants. NULL/false fields do not filter. */
struct ost_setupapi_filter {
    const char *device;       /* device instance ID, e.g. PCI\VEN_1AF4&...\3&13c0b0c5&0&18 */
    const char *hwid_prefix;  /* prefix of the subject, or a PCI hardware ID whose parts it has */
    bool failures_only;       /* FAILURE exit status or at least one "!!!" error */
};
bool ost_setupapi_section_matches(const struct ost_setupapi_section *s, const struct ost_setupapi_filter *f);
bool ost_setupapi_section_failed(const struct ost_setupapi_section *s);

/* "success", "failure", "unknown", "truncated". */
const char *ost_setupapi_outcome_name(enum ost_setupapi_outcome o);
/* "error", "warning", "info". */
const char *ost_setupapi_level_name(enum ost_setupapi_level l);
/* Symbolic name of a SetupAPI or trust status seen in the log
 * (0xe0000242 → "ERROR_AUTHENTICODE_TRUST_NOT_ESTABLISHED"), or NULL. */
const char *ost_setupapi_status_name(uint32_t status);

#endif
