/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * x509text.h — certificates as offstage shows them, the same in every
 * command (cat-info, get-certs, sign, the verdicts): names as RFC 2253 with
 * UTF-8 text, times as ISO 8601 UTC, serial numbers and SHA-1 thumbprints
 * as uppercase hex. All results are malloc'd.
 */
#ifndef OST_X509TEXT_H
#define OST_X509TEXT_H

#ifndef OST_BUILDING_LIBRARY
#error "x509text.h is private to liboffstage; a program includes offstage.h"
#endif

#include <openssl/x509.h>

char *ost_x509_name_text(const X509_NAME *name);
/* "2026-11-24T19:34:21Z"; NULL when t is NULL or unreadable. */
char *ost_x509_time_text(const ASN1_TIME *t);
char *ost_x509_serial_text(const ASN1_INTEGER *serial);
/* The SHA-1 of the certificate's DER, as Windows names store entries. */
char *ost_x509_thumbprint(const X509 *x);

#endif
