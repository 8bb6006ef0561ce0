/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * der.h — ASN.1 DER read and written by hand, for structures OpenSSL has
 * no type for (a catalog's certificate trust list).
 *
 * The reader is bounded: every value must end inside the one that holds
 * it, every malformed input is an OST_ERR_CORRUPT error naming the file,
 * the offset and the reason, and nothing is read outside the buffer. Its
 * limits (one-byte tags, length fields of at most four bytes) are those of
 * catalogs, which its messages name. The writer appends to an ost_buf and
 * encodes only well-formed values of our own.
 */
#ifndef OST_DER_H
#define OST_DER_H

#ifndef OST_BUILDING_LIBRARY
#error "der.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util.h"

enum {
    OST_DER_BOOLEAN = 0x01, OST_DER_INTEGER = 0x02, OST_DER_BIT_STRING = 0x03, OST_DER_OCTET_STRING = 0x04,
    OST_DER_NULL = 0x05, OST_DER_OID = 0x06, OST_DER_UTC_TIME = 0x17, OST_DER_GENERALIZED_TIME = 0x18,
    OST_DER_BMP_STRING = 0x1e, OST_DER_SEQUENCE = 0x30, OST_DER_SET = 0x31, OST_DER_CONTEXT_0 = 0xa0,
    OST_DER_CONTEXT_1 = 0xa1, OST_DER_CONTEXT_2 = 0xa2, OST_DER_IMPLICIT_0 = 0x80,
};

/* ---- reading ------------------------------------------------------------------ */

struct ost_der {
    const uint8_t *p; /* the whole file: every offset is from its start */
    size_t size;
    const char *name; /* for messages */
    struct ost_error *err;
};

struct ost_der_tlv {
    uint8_t tag;
    size_t off;   /* of the tag byte */
    size_t start; /* of the contents */
    size_t len;
    size_t end;
};

/* Fails with OST_ERR_CORRUPT: "NAME: offset OFF: reason". */
ost_status ost_der_corrupt(const struct ost_der *d, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Reads the TLV at *pos, which must end by `end` (the end of what holds
 * it), and moves *pos past it; `what` names it in messages. */
ost_status ost_der_next(const struct ost_der *d, size_t *pos, size_t end, struct ost_der_tlv *t, const char *what);
/* ost_der_next, and the TLV must be tagged `tag`. */
ost_status ost_der_expect(const struct ost_der *d, size_t *pos, size_t end, uint8_t tag, struct ost_der_tlv *t,
                          const char *what);
/* Is there a TLV tagged `tag` at pos, before end? */
bool ost_der_peek(const struct ost_der *d, size_t pos, size_t end, uint8_t tag);
/* Reads an OBJECT IDENTIFIER into buf as dotted text. */
ost_status ost_der_oid(const struct ost_der *d, size_t *pos, size_t end, char *buf, size_t size, const char *what);
/* A UTCTime or GeneralizedTime as ISO 8601 UTC (allocated). */
ost_status ost_der_time(const struct ost_der *d, const struct ost_der_tlv *t, char **out, const char *what);
/* An INTEGER that fits in 32 bits unsigned. */
ost_status ost_der_uint32(const struct ost_der *d, const struct ost_der_tlv *t, uint32_t *out, const char *what);

/* ---- writing ------------------------------------------------------------------ */

void ost_der_put(struct ost_buf *b, uint8_t tag, const void *content, size_t n);
/* Appends content wrapped in tag, and frees content. */
void ost_der_wrap(struct ost_buf *b, uint8_t tag, struct ost_buf *content);
/* dotted is one of our own constants: at least two arcs, well formed. */
void ost_der_put_oid(struct ost_buf *b, const char *dotted);
void ost_der_put_uint(struct ost_buf *b, uint32_t v);
/* ASCII text as UTF-16BE (a BMPString's contents) under tag. */
void ost_der_put_bmp(struct ost_buf *b, uint8_t tag, const char *ascii);
/* DER orders a SET OF by the encodings of its elements; takes the elements. */
void ost_der_put_sorted(struct ost_buf *b, uint8_t tag, struct ost_buf *items, size_t n);

#endif
