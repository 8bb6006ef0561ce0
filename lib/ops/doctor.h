/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * doctor.h — after the first boot, why a device did or did not bind. The
 * module owns putting the evidence together into one read-only report:
 *   devices   the devnodes of the active control set that concern the
 *             packages (devnode.h), each with its driver key, decoded
 *             ConfigFlags, the published INF it is bound through, how every
 *             package of the image matches it (match.h), and a verdict;
 *   packages  what the image holds (driverstore.h): staged by offstage,
 *             imported by Windows as oemN.inf, in the driver store, in use;
 *             and for the packages a device should bind, what the signature
 *             policy does with them on first boot (firstboot.h, verdict.h);
 *   log       the device-install sections of setupapi.dev.log about those
 *             devices and packages (setupapi_log.h), streamed.
 *
 * Nothing is written: the image is opened read-only, packages are checked
 * from copies in the target's scratch directory.
 *
 * Which devnodes: those --hwid-prefix names (a hardware ID or its prefix,
 * or an instance path), else those whose vendor ("PCI\VEN_1AF4") appears
 * among the hardware IDs of --driver's package, else of any package in the
 * image (staged or in the driver store) — so near misses, such as another
 * revision or the transitional virtio ID, are reported too.
 */
#ifndef OST_DOCTOR_H
#define OST_DOCTOR_H

#include <stdbool.h>

#include "devnode.h"
#include "driverstore.h"
#include "firstboot.h"
#include "match.h"
#include "verdict.h"

struct ost_setupapi_section;

enum ost_doctor_kind {
    OST_DOCTOR_BOUND_INTENDED, /* bound to the package that matches it best */
    OST_DOCTOR_BOUND,          /* bound; no package of the image matches it, so nothing contradicts the choice */
    OST_DOCTOR_BOUND_OTHER,    /* bound to another driver than the package that matches it */
    OST_DOCTOR_NO_LOAD,        /* bound as intended, but the signature policy refuses the driver (Code 52) */
    OST_DOCTOR_FAILED,         /* install failed although a package matches (ConfigFlags FAILEDINSTALL) */
    OST_DOCTOR_PENDING,        /* not installed yet; a package matches and will be tried */
    OST_DOCTOR_MISS,           /* no package matches; the nearest misses say why */
    OST_DOCTOR_NO_PACKAGE,     /* no package has an ID of this vendor */
};

/* What a device's verdict rests on. A wrong "will load" is worse than
 * none, so a failure doctor infers is told apart from one Windows wrote. */
enum ost_doctor_basis {
    OST_DOCTOR_PREDICTED, /* inferred: the match analysis, the signature policy's verdict */
    OST_DOCTOR_EVIDENCE,  /* recorded by Windows: the devnode's binding or ConfigFlags, setupapi.dev.log */
};

/* A package of the image, as get-drivers lists it, with what doctor
 * learnt about it. */
struct ost_doctor_package {
    const struct ost_store_entry *entry;    /* borrowed from the report's store */
    struct ost_driver_model *model;         /* NULL when the INF is not in the image or does not parse */
    char *model_problem;                    /* why there is no model, or NULL */
    const struct ost_doctor_package *twin;  /* a staged package and the oemN.inf Windows imported it as */
    struct ost_strlist vendors;             /* "PCI\VEN_1AF4", from its hardware IDs */
    bool targeted;                          /* --driver names it, or some device's best match */
    bool has_verdict;                       /* the signature policy's verdict could be decided */
    struct ost_verdict verdict;             /* first boot on the image's architecture */
    char *verdict_problem;                  /* why it could not be decided, or NULL */
};

struct ost_doctor_device {
    const struct ost_devnode *node;         /* borrowed from the report's devnodes */
    /* The driver key (Control\Class\<Driver>), when the devnode has one. */
    char *inf_path, *inf_section, *driver_desc, *matching_device_id, *provider, *driver_version;
    bool driver_key_present;
    struct ost_strlist config_flags;        /* "FAILEDINSTALL", ... */
    const struct ost_doctor_package *bound; /* the package of the INF it is bound through, when known */
    const struct ost_doctor_package *intended; /* --driver's package, else the best match; NULL when none */
    struct ost_match_result match;          /* against every package of the image */
    enum ost_doctor_kind kind;
    char *verdict;                          /* one line */
    char *fix;                              /* the one thing to change, or NULL */
    enum ost_doctor_basis basis;
    char *expected;                         /* a failure the policy predicts: "Code 52 because ...", or NULL */
    char *seen;                             /* a failure Windows recorded: the log's sig: lines, ConfigFlags; or NULL */
    struct ost_strlist evidence;            /* lines, most telling first */
    struct ost_setupapi_section **sections; /* log sections about it, oldest first */
    size_t nsections, sections_dropped;     /* beyond OST_DOCTOR_MAX_SECTIONS, oldest dropped */
};

#define OST_DOCTOR_MAX_SECTIONS 8

struct ost_doctor_options {
    const char *driver;       /* a package name (staged INF, oemN.inf, original name) */
    const char *hwid_prefix;  /* a hardware ID, its prefix, or an instance path */
    const char *setupapi_log; /* host file; NULL: the image's Windows\inf\setupapi.dev.log */
    struct ost_strlist bcd;   /* --bcd stores the verdicts weigh (firstboot.h); empty: by the image's kind */
};

struct ost_doctor_report {
    struct ost_store store;
    struct ost_devnodes devnodes;
    struct ost_doctor_package *packages;
    size_t npackages;
    struct ost_doctor_device *devices;
    size_t ndevices;
    char *selection;          /* which devnodes were chosen, in words */
    bool selection_empty;     /* no vendor to select by: no package with hardware IDs and no --hwid-prefix */
    /* The log. */
    char *log_name;           /* the file read, NULL when there was none */
    char *log_problem;        /* why the image's log could not be read, or NULL */
    const char *log_encoding;
    unsigned long long log_sections_total;
    struct ost_boot_policy policy; /* testsigning for the verdicts, and the stores read */
};

/* Builds the report. Errors: --driver names no package of the image
 * (OST_ERR_USAGE), the manifest or a --setupapi-log FILE cannot be read. */
ost_status ost_doctor_run(struct ost_image *img, const struct ost_doctor_options *o, struct ost_doctor_report **out,
                          struct ost_error *err);
void ost_doctor_report_free(struct ost_doctor_report *r);

/* True when there is at least one device and every one is bound as
 * intended (or bound with nothing in the image to contradict it). */
bool ost_doctor_all_bound(const struct ost_doctor_report *r);
bool ost_doctor_kind_ok(enum ost_doctor_kind k);
/* Whether the device is a failure: anything but bound, except a device
 * not installed yet whose package nothing predicts to fail (before the
 * first boot with it, that is the expected state). */
bool ost_doctor_device_fails(const struct ost_doctor_device *d);
/* Nothing wrong is known or predicted: no device fails, and when no
 * device was found (the image has not booted with one), every package
 * waiting for it is predicted to install and load. doctor's exit status. */
bool ost_doctor_healthy(const struct ost_doctor_report *r);
/* "bound-intended", "bound", "bound-other", "no-load", "failed", "pending", "miss", "no-package" */
const char *ost_doctor_kind_name(enum ost_doctor_kind k);
/* "predicted", "evidence" */
const char *ost_doctor_basis_name(enum ost_doctor_basis b);
/* How people know a package: "staged aero_virtio_snd.inf", "oem3.inf =
 * staged aero_virtio_snd.inf", "oem11.inf (vmci.inf)", "oem4.inf". */
char *ost_doctor_package_label(const struct ost_doctor_package *p);
/* The package of a match's model, or NULL. */
const struct ost_doctor_package *ost_doctor_model_package(const struct ost_doctor_report *r,
                                                          const struct ost_driver_model *m);
/* The INF the device is bound through: the driver key's InfPath, else the
 * one its DeviceDesc or Mfg names; NULL when none. */
const char *ost_doctor_bound_inf(const struct ost_doctor_device *d);
/* "staged", "imported", "installed", "store" (as get-drivers says) */
const char *ost_doctor_package_state(const struct ost_store_entry *e);

#endif
