/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * openssl_error.h — what OpenSSL said, in offstage's messages: the one
 * place its error queue is read. Used by the modules that parse or make
 * certificates, keys and signatures. Not part of liboffstage's interface.
 */
#ifndef OST_OPENSSL_ERROR_H
#define OST_OPENSSL_ERROR_H

#ifndef OST_BUILDING_LIBRARY
#error "openssl_error.h is private to liboffstage; a program includes offstage.h"
#endif

#include "error.h"

/* The reason OpenSSL gave last (a static string), or `fallback` when it
 * gave none. Leaves the queue as it is: the caller clears it with
 * ERR_clear_error once the message is made. */
const char *ost_openssl_reason(const char *fallback);

/* "NAME: WHAT (OpenSSL: reason)" with the reason OpenSSL gave last; clears
 * OpenSSL's error queue. Returns st. */
ost_status ost_openssl_fail(struct ost_error *err, ost_status st, const char *what, const char *name);

#endif
