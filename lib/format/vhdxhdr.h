/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vhdxhdr.h — the two headers of a VHDX file: which one is current, and
 * whether it records a log; and the one change offstage makes to them,
 * recording an empty log.
 *
 * Rules followed: [MS-VHDX] "Virtual Hard Disk v2 (VHDX) File Format",
 * section 2.2.2 "Header" and 2.3 "Log"
 * (https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-vhdx/):
 * a header is 4 KiB at 64 KiB or 128 KiB into the file, signature "head",
 * a CRC-32C over the 4 KiB with the checksum field zero; the current header
 * is the valid one with the greater SequenceNumber; a file is updated by
 * writing the other header with the SequenceNumber one greater. A LogGuid
 * of zero says the log is empty; otherwise only log entries carrying that
 * GUID are valid, and a log with none of them has nothing to replay.
 *
 * Why this exists: qemu (7.2) replays a VHDX log that holds valid entries,
 * but when a write was killed after the header named a new log and before
 * any entry of it was complete, the header keeps the GUID of a log with no
 * valid entry: qemu then refuses every allocating write ("Operation not
 * supported", its writer needs LogGuid zero), so a stopped commit could not
 * be redone. Zeroing that GUID is what the format says the state is.
 */
#ifndef OST_VHDXHDR_H
#define OST_VHDXHDR_H

#ifndef OST_BUILDING_LIBRARY
#error "vhdxhdr.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define OST_VHDX_HEADER_SIZE 4096u
#define OST_VHDX_HEADER1_OFFSET (64u << 10)
#define OST_VHDX_HEADER2_OFFSET (128u << 10)
/* The bytes ost_vhdx_headers_parse reads: the file from its start through
 * the second header. */
#define OST_VHDX_HEADERS_END (OST_VHDX_HEADER2_OFFSET + OST_VHDX_HEADER_SIZE)

struct ost_vhdx_headers {
    unsigned current;        /* 0: the header at 64 KiB, 1: at 128 KiB */
    uint64_t sequence;       /* the current header's SequenceNumber */
    bool log_named;          /* its LogGuid is not zero */
    uint8_t log_guid[16];
};

/* Parses the headers in the first OST_VHDX_HEADERS_END bytes of a VHDX file
 * (n less than that: the file is cut short). name is the file, for messages.
 * OST_ERR_CORRUPT when the file identifier is not "vhdxfile" or neither
 * header is valid. */
ost_status ost_vhdx_headers_parse(const uint8_t *head, size_t n, const char *name, struct ost_vhdx_headers *out,
                                  struct ost_error *err);

/* Fills out (OST_VHDX_HEADER_SIZE bytes) with the header that records an
 * empty log: the current header with LogGuid zero, SequenceNumber one
 * greater and its checksum; returns the file offset it goes to (the other
 * header's place). */
uint64_t ost_vhdx_header_with_empty_log(const uint8_t *head, const struct ost_vhdx_headers *h, uint8_t *out);

#endif
