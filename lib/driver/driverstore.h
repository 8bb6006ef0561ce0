/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * driverstore.h — the third-party driver packages an offline Windows has,
 * like `dism /Get-Drivers` and `pnputil -e`: packages offstage staged
 * (waiting for first boot; from its manifest) and packages Windows itself
 * published into its driver store (Windows\inf\oemN.inf, whose original
 * name is that of the identical INF in a DriverStore\FileRepository folder),
 * including those only the SYSTEM hive still knows (a device's driver key
 * under Control\Class names its InfPath, e.g. oem11.inf). inf_path is NULL
 * when the INF itself is not in the image.
 */
#ifndef OST_DRIVERSTORE_H
#define OST_DRIVERSTORE_H

#include <stdbool.h>

#include "image.h"
#include "infmodel.h"

struct ost_store_entry {
    char *published_name; /* oemN.inf, or the staged folder name */
    char *original_name;  /* aero_virtio_snd.inf; NULL when unknown */
    char *inf_path;       /* image path of the INF */
    char *folder;         /* FileRepository or staging folder (image path), may be NULL */
    bool staged;          /* staged by offstage, not yet imported by Windows */
    bool imported;        /* staged, and Windows has since published it as an oemN.inf */
    bool installed;       /* a device's driver key (Control\Class\...) uses it */
    char *description;    /* DriverDesc of a device using it, when known */
    char *class_name, *provider, *date, *version;
    bool boot_critical;
    bool has_catalog;
};

struct ost_store {
    struct ost_store_entry *v;
    size_t n, cap;
};

ost_status ost_store_list(struct ost_image *img, struct ost_store *out, struct ost_error *err);
void ost_store_free(struct ost_store *s);
/* Finds by published name, original name or staged folder name. */
const struct ost_store_entry *ost_store_find(const struct ost_store *s, const char *name);

/* Parses an INF inside the image and builds its model for the image's
 * architecture. */
ost_status ost_store_model(struct ost_image *img, const char *inf_path, struct ost_driver_model **out,
                           struct ost_error *err);

#endif
