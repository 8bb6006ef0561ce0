/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * manifest.h — Windows\offstage\manifest.json, offstage's record of the
 * packages it staged (stage.h writes it; listing, removal, the driver
 * store view and re-runs read it): which folder under the staging root
 * holds each package, what it copied, and what it preinstalled.
 */
#ifndef OST_MANIFEST_H
#define OST_MANIFEST_H

#include <stdbool.h>

#include "image.h"
#include "util.h"

#define OST_STAGING_ROOT "Windows\\offstage\\drivers"
#define OST_MANIFEST_PATH "Windows\\offstage\\manifest.json"

/* A registry value as offstage found it or left it. */
struct ost_reg_state {
    bool present;
    uint32_t type;
    uint8_t *data;
    size_t size;
};

/* One value offstage changed in SYSTEM, for an exact undo. */
struct ost_reg_change {
    char *key;   /* from the hive's root: "ControlSet001\services\viostor\Parameters" */
    char *name;  /* "" is the key's default value */
    struct ost_reg_state before, after;
};

struct ost_staged {
    char *inf_name, *folder, *arch, *class_name, *class_guid, *provider, *driver_ver, *catalog;
    bool signed_, boot_critical;
    char *setup_complete_line; /* the pnputil line add-driver appended, or NULL */
    struct ost_strlist hardware_ids, files, services, boot_files, cdd_keys;
    /* SHA-256 (hex) of each boot file as offstage copied it, parallel to
     * boot_files; "" where an older offstage recorded none. */
    struct ost_strlist boot_hashes;
    /* What offstage wrote in SYSTEM ("registry"): the keys it created (a
     * parent before its subkeys) and every value it changed, with what was
     * there before. has_registry false: staged by a version that marked
     * its keys with DriverPackageId instead and recorded only names. */
    bool has_registry;
    struct ost_strlist created_keys;
    struct ost_reg_change *changes;
    size_t nchanges, changes_cap;
};

/* What add-driver --test-sign changed besides the packages, so that
 * remove-driver --with-trust takes back exactly that. */
struct ost_trusted_cert {
    char thumbprint[41];
    struct ost_strlist added_to;   /* stores offstage added it to ("ROOT", "TrustedPublisher") */
    struct ost_strlist already_in; /* stores that held it before offstage */
};
#define OST_TEMPLATE_STORE "BCD-Template" /* ost_testsigning_change.store of the image's template */
/* ost_testsigning_change.store of one of the target's own boot stores
 * (target.h): this prefix, then its path inside the target,
 * "target:Boot\BCD" or "target:<volume 1>\Boot\BCD" */
#define OST_TARGET_STORE_PREFIX "target:"
struct ost_testsigning_change {
    char *store;   /* OST_TEMPLATE_STORE, OST_TARGET_STORE_PREFIX + a target path, or the absolute host path of a
                    * --bcd store */
    char *object;  /* the object's GUID */
    bool was_set;  /* it had its own testsigning element (then off), else none */
};
struct ost_manifest_trust {
    struct ost_trusted_cert *certs;
    size_t ncerts, certs_cap;
    struct ost_testsigning_change *testsigning;
    size_t ntestsigning, testsigning_cap;
};

struct ost_manifest {
    struct ost_staged *items;
    size_t n, cap;
    bool setup_complete_created; /* SetupComplete.cmd did not exist before offstage */
    struct ost_manifest_trust trust;
};

/* The manifest is part of the image, so it is input: its shape is checked
 * strictly (a wrong type anywhere fails with OST_ERR_CORRUPT naming the
 * JSON place, e.g. "packages[0].files[3]"), and what it names is checked
 * again against the image before anything is removed. No manifest: empty. */
ost_status ost_manifest_read(struct ost_image *img, struct ost_manifest *m, struct ost_error *err);
/* The same from bytes; `where` names the file in messages. */
ost_status ost_manifest_parse(const uint8_t *data, size_t size, const char *where, struct ost_manifest *m,
                              struct ost_error *err);
void ost_manifest_free(struct ost_manifest *m);
/* Writes the manifest through the image's target; an empty one (no
 * package, no trust record) removes the file. Later reads of the same
 * image read what was written, before it is committed. */
ost_status ost_manifest_write(struct ost_image *img, const struct ost_manifest *m, struct ost_error *err);
/* The entry staged in `folder` (compared as Windows does, ignoring case), or NULL. */
struct ost_staged *ost_manifest_find(const struct ost_manifest *m, const char *folder);
void ost_staged_free(struct ost_staged *s);
/* Whether the record holds anything to undo. */
bool ost_manifest_trust_empty(const struct ost_manifest_trust *t);
void ost_manifest_trust_free(struct ost_manifest_trust *t);
/* Records a change of value name of key (found as before, left as after:
 * either may be absent); a value changed twice keeps its first before. */
void ost_staged_record_change(struct ost_staged *s, const char *key, const char *name,
                              const struct ost_reg_state *before, const struct ost_reg_state *after);
void ost_reg_state_free(struct ost_reg_state *v);
void ost_reg_state_copy(struct ost_reg_state *to, const struct ost_reg_state *from);

#endif
