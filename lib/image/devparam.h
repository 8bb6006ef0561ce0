/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * devparam.h — per-device values a driver reads when its device starts
 * (virtio-snd's ForceNullBackend and AllowPollingOnly, REG_DWORD): under
 * the devnode's `Device Parameters\Parameters` key, which the driver reads
 * first (IoOpenDeviceRegistryKey with PLUGPLAY_REGKEY_DEVICE opens
 * `Device Parameters`), or under its driver (software) key
 * Control\Class\<Driver> (PLUGPLAY_REGKEY_DRIVER), the fallback; see
 * https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/wdm/nf-wdm-ioopendeviceregistrykey.
 * Names and values are checked before anything is written. Also which
 * devnodes a --device names, and what to say when none does.
 */
#ifndef OST_DEVPARAM_H
#define OST_DEVPARAM_H

#include "devnode.h"

/* Where a parameter lives: the device's Device Parameters\Parameters key
 * (what the seed's driver reads first) or its driver key under
 * Control\Class\<Driver> (the fallback). */
typedef enum ost_param_location {
    OST_PARAM_DEVICE = 0,
    OST_PARAM_DRIVER_KEY,
} ost_param_location;

/* One value as stored, with its text: REG_DWORD in decimal, strings as
 * they are, REG_MULTI_SZ joined by "; ", other types as hex bytes. */
struct ost_param {
    char *name;
    uint32_t type;
    bool is_dword;   /* a well-formed REG_DWORD (4 bytes); dword holds it */
    uint32_t dword;
    char *text;
};

struct ost_params {
    struct ost_param *v;
    size_t n, cap;
};
void ost_params_free(struct ost_params *p);
void ost_param_free(struct ost_param *p);

/* Checks a value name: not empty, at most 255 characters, no backslash,
 * no control characters. err names the name and the reason. */
ost_status ost_param_check_name(const char *name, struct ost_error *err);

/* Parses "NAME=VALUE" for a value of type OST_REG_DWORD (VALUE decimal or
 * 0x-hex, 0..0xFFFFFFFF) or OST_REG_SZ (any text). */
ost_status ost_param_parse_assignment(const char *arg, uint32_t type, struct ost_param *out,
                                      struct ost_error *err);

/* The key path, relative to the control set, a parameter location means
 * for the devnode: "Enum\<instance>\Device Parameters\Parameters" or
 * "Control\Class\<Driver>". OST_NEGATIVE (with err explaining) when the
 * driver key is asked for and the devnode has no Driver value: no driver
 * has been bound to the device yet. */
ost_status ost_param_key_path(const struct ost_devnode *dn, ost_param_location where, char **out,
                              struct ost_error *err);

/* The devnodes of one image that a --device names: an instance path or a
 * hardware ID, whole or its leading &-parts (ost_devnodes_match). */
struct ost_device_selection {
    struct ost_devnodes all;
    const struct ost_devnode **v; /* into all */
    size_t n;
};
/* Problems reading a devnode are findings on it, not errors. */
void ost_device_select(struct ost_image *img, const char *spec, struct ost_device_selection *out);
void ost_device_selection_free(struct ost_device_selection *s);
/* Why no devnode matches and what to do instead (boot once with the device,
 * or change the package's defaults and re-sign it), with the devices of
 * the same vendor (ost_hwid_vendor) the image has seen. */
char *ost_no_device_message(struct ost_image *img, const struct ost_device_selection *s, const char *spec);

/* Every value at the location (none when the key does not exist yet). */
ost_status ost_params_list(struct ost_image *img, const struct ost_devnode *dn, ost_param_location where,
                           struct ost_params *out, struct ost_error *err);
/* One value (name compared case-insensitively); OST_NEGATIVE when absent. */
ost_status ost_param_get(struct ost_image *img, const struct ost_devnode *dn, ost_param_location where,
                         const char *name, struct ost_param *out, struct ost_error *err);
/* Writes value p (from ost_param_parse_assignment) at the location,
 * creating Device Parameters\Parameters as needed; the driver key must
 * exist. Makes SYSTEM editable; ost_image_commit saves it. When `before`
 * is not NULL it receives the previous value (name NULL when there was
 * none). */
ost_status ost_param_set(struct ost_image *img, const struct ost_devnode *dn, ost_param_location where,
                         const struct ost_param *p, struct ost_param *before, struct ost_error *err);
/* Deletes a value; OST_NEGATIVE when it does not exist. */
ost_status ost_param_delete(struct ost_image *img, const struct ost_devnode *dn, ost_param_location where,
                            const char *name, struct ost_error *err);

#endif
