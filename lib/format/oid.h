/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * oid.h — the object identifiers offstage reads and writes in catalogs,
 * Authenticode signatures and their PKCS#7 envelopes, in one table, as
 * dotted text (what der.h writes and OBJ_txt2obj reads). The Microsoft
 * arcs (1.3.6.1.4.1.311) are those of wincrypt.h (szOID_CTL,
 * SPC_INDIRECT_DATA_OBJID, ...); the digest arcs are RFC 3279 and RFC 5758.
 */
#ifndef OST_OID_H
#define OST_OID_H

#ifndef OST_BUILDING_LIBRARY
#error "oid.h is private to liboffstage; a program includes offstage.h"
#endif

#define OID_SIGNED_DATA "1.2.840.113549.1.7.2"          /* PKCS#7 SignedData */
#define OID_CTL "1.3.6.1.4.1.311.10.1"                  /* szOID_CTL: a certificate trust list */
#define OID_CATALOG_LIST "1.3.6.1.4.1.311.12.1.1"       /* szOID_CATALOG_LIST */
#define OID_CATALOG_MEMBER "1.3.6.1.4.1.311.12.1.2"     /* szOID_CATALOG_LIST_MEMBER */
#define OID_NAME_VALUE "1.3.6.1.4.1.311.12.2.1"         /* CAT_NAMEVALUE_OBJID */
#define OID_MEMBER_INFO "1.3.6.1.4.1.311.12.2.2"        /* CAT_MEMBERINFO_OBJID */
#define OID_SPC_INDIRECT_DATA "1.3.6.1.4.1.311.2.1.4"   /* SPC_INDIRECT_DATA_OBJID */
#define OID_SPC_STATEMENT_TYPE "1.3.6.1.4.1.311.2.1.11" /* SPC_STATEMENT_TYPE_OBJID */
#define OID_SPC_SP_OPUS_INFO "1.3.6.1.4.1.311.2.1.12"   /* SPC_SP_OPUS_INFO_OBJID */
#define OID_SPC_PE_IMAGE_DATA "1.3.6.1.4.1.311.2.1.15"  /* SPC_PE_IMAGE_DATA_OBJID */
#define OID_SPC_INDIVIDUAL_SP_KEY_PURPOSE "1.3.6.1.4.1.311.2.1.21" /* individual code signing */
#define OID_SPC_FLAT_DATA "1.3.6.1.4.1.311.2.1.25"      /* SPC_CAB_DATA_OBJID: a flat hash in a catalog */
#define OID_SHA1 "1.3.14.3.2.26"
#define OID_SHA256 "2.16.840.1.101.3.4.2.1"
#define OID_SHA384 "2.16.840.1.101.3.4.2.2"
#define OID_SHA512 "2.16.840.1.101.3.4.2.3"
#define OID_MD5 "1.2.840.113549.2.5"

/* "sha1", "sha256", ... for a digest algorithm's OID; the OID itself when
 * it is none we know. */
const char *ost_oid_digest_name(const char *oid);

#endif
