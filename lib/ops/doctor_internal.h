/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * doctor_internal.h — how the parts of doctor.h share the report while it
 * is built: doctor.c gathers packages and devices, doctor_verdict.c decides
 * each device's verdict from the evidence, doctor_log.c attaches the
 * setupapi.dev.log sections, doctor_report.c names and links the report's
 * parts. Calls go one way: doctor.c calls the other three, doctor_verdict.c
 * calls doctor_log.c and doctor_report.c, which call no other doctor file.
 * Not part of liboffstage's interface.
 */
#ifndef OST_DOCTOR_INTERNAL_H
#define OST_DOCTOR_INTERNAL_H

#ifndef OST_BUILDING_LIBRARY
#error "doctor_internal.h is private to liboffstage; a program includes offstage.h"
#endif

#include "doctor.h"

/* Sets d->intended: --driver's package when it matches the device, else
 * the package of the best match. */
void ost_doctor_choose_intended(const struct ost_doctor_report *r, struct ost_doctor_device *d,
                                const struct ost_doctor_package *driver);
/* Sets d->kind, d->verdict, d->fix and d->evidence. */
void ost_doctor_decide(struct ost_image *img, const struct ost_doctor_report *r, struct ost_doctor_device *d,
                       const struct ost_doctor_package *driver);
/* A package that waits for its device: staged by offstage and not yet
 * imported by Windows, or --driver's. */
bool ost_doctor_package_waits(const struct ost_doctor_package *p);
/* The package whose files the signature policy judges for p. */
const struct ost_doctor_package *ost_doctor_verdict_package(const struct ost_doctor_package *p);

/* Reads the log (a host file, or the image's own) and attaches sections. */
ost_status ost_doctor_read_log(struct ost_image *img, struct ost_doctor_report *r, const char *host_file,
                               struct ost_error *err);
void ost_doctor_free_sections(struct ost_doctor_device *d);
/* The device's latest section, or NULL. */
const struct ost_setupapi_section *ost_doctor_latest_section(const struct ost_doctor_device *d);
/* A sig: line at warning or error level: the signature did not verify. */
bool ost_doctor_signature_failed(const struct ost_setupapi_section *s);
/* "2026/01/10 12:01:00.000 failure 0xe0000242 ERROR_AUTHENTICODE_TRUST_NOT_ESTABLISHED,
 * driver oem3.inf, 1 error, 2 warnings" */
char *ost_doctor_section_summary(const struct ost_setupapi_section *s);

#endif
