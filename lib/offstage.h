/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * offstage.h — liboffstage's one public header.
 *
 * liboffstage stages Windows driver packages into offline Windows images
 * (a directory holding Windows\, or the images of a WIM file) from Linux,
 * and says before the first boot whether each driver will install and
 * load. A program includes this header only; the module headers it pulls
 * in are the library's interface, each opening with what it owns and the
 * Windows rule it follows. Headers it does not pull in are private to the
 * library and refuse to be included from outside.
 *
 * The shape of every job that writes an image (add-driver, set-param,
 * add-cert, ...): open the images (imageset.h), plan (reads and decides,
 * writes nothing), apply (writes through the targets, one transaction per
 * image, a WIM written once), then report from what was read back. Every
 * fallible call returns an ost_status and fills a struct ost_error whose
 * message names the file, the place and the reason (error.h).
 *
 * Typical use, staging one package into a directory image:
 *
 *     struct ost_add_driver_options o = {.image = "win7", ...};
 *     struct ost_add_driver *job;
 *     struct ost_error err;
 *     if (ost_add_driver_plan(&o, &job, &err) != OST_OK ||
 *         ost_add_driver_apply(job, &err) != OST_OK)
 *         fprintf(stderr, "%s\n", err.message);
 *     ost_add_driver_free(job);
 */
#ifndef OST_OFFSTAGE_H
#define OST_OFFSTAGE_H

/* base: the version, errors, strings and lists, files and paths, text encodings */
#include "arch.h"
#include "diag.h"
#include "encoding.h"
#include "error.h"
#include "fileutil.h"
#include "interrupt.h"
#include "jsonutil.h"
#include "outcome.h"
#include "util.h"
#include "version.h"

/* formats, signatures and catalogs */
#include "catalog.h"
#include "setupapi_log.h"
#include "sign.h"
#include "testcert.h"

/* images: targets, WIMs, hives, BCD, certificate stores, devices */
#include "bcd.h"
#include "certstore.h"
#include "devparam.h"
#include "imagelang.h"
#include "imageset.h"
#include "sha2support.h"
#include "wim.h"

/* drivers and the jobs */
#include "add_driver.h"
#include "catpkg.h"
#include "doctor.h"
#include "driverstore.h"
#include "firstboot.h"
#include "match.h"
#include "media.h"
#include "package.h"
#include "set_param.h"
#include "stage.h"
#include "staged_verdict.h"
#include "testimage.h"

#endif
