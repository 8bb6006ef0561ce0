/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * devnode.h — the devices an offline Windows has seen: the devnodes Plug and
 * Play wrote under SYSTEM\<active control set>\Enum\<enumerator>\<device>\
 * <instance> on a boot with the device present, and what they say
 * (hardware and compatible IDs, bound service, driver key, ConfigFlags,
 * the published INF their DeviceDesc names). Microsoft reserves the tree
 * to Windows and documents no layout ("HKLM\SYSTEM\CurrentControlSet\Enum
 * Registry Tree", https://learn.microsoft.com/en-us/windows-hardware/drivers/install/hklm-system-currentcontrolset-enum-registry-tree):
 * the value names and types are those a Windows 7 SP1 SYSTEM hive holds.
 * devparam.h reads and writes the per-device values their drivers read at
 * start.
 *
 * A devnode is the record of a first boot: an image that never booted with
 * the device has none, and nothing offline can create one that Windows
 * would trust, so lookups that find nothing are an answer (OST_NEGATIVE),
 * not an error.
 *
 * Hives written by Windows are tolerated as they are: a value that is
 * missing or of an unexpected type becomes a finding on the devnode (code
 * "devnode-value"), never a failure.
 */
#ifndef OST_DEVNODE_H
#define OST_DEVNODE_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "image.h"

/* ConfigFlags bits (cfgmgr32.h, regstr.h). */
#define OST_CONFIGFLAG_DISABLED 0x00000001u
#define OST_CONFIGFLAG_REMOVED 0x00000002u
#define OST_CONFIGFLAG_MANUAL_INSTALL 0x00000004u
#define OST_CONFIGFLAG_IGNORE_BOOT_LC 0x00000008u
#define OST_CONFIGFLAG_NET_BOOT 0x00000010u
#define OST_CONFIGFLAG_REINSTALL 0x00000020u
#define OST_CONFIGFLAG_FAILEDINSTALL 0x00000040u
#define OST_CONFIGFLAG_CANTSTOPACHILD 0x00000080u
#define OST_CONFIGFLAG_OKREMOVEROM 0x00000100u
#define OST_CONFIGFLAG_NOREMOVEEXIT 0x00000200u
#define OST_CONFIGFLAG_FINISH_INSTALL 0x00000400u
#define OST_CONFIGFLAG_NEEDS_FORCED_CONFIG 0x00000800u
#define OST_CONFIGFLAG_NETBOOT_CARD 0x00001000u
#define OST_CONFIGFLAG_PARTIAL_LOG_CONF 0x00002000u
#define OST_CONFIGFLAG_SUPPRESS_SURPRISE 0x00004000u
#define OST_CONFIGFLAG_VERIFY_HARDWARE 0x00008000u
#define OST_CONFIGFLAG_FINISHINSTALL_UI 0x00010000u
#define OST_CONFIGFLAG_FINISHINSTALL_ACTION 0x00020000u
#define OST_CONFIGFLAG_BOOT_DEVICE 0x00040000u

struct ost_devnode {
    char *instance_path;   /* "PCI\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\3&13c0b0c5&0&18", as stored */
    char *enumerator;      /* "PCI" */
    struct ost_strlist hardware_ids;   /* HardwareID, most specific first */
    struct ost_strlist compatible_ids; /* CompatibleIDs */
    char *service;         /* Service: the bound driver's service; NULL when none */
    char *driver;          /* Driver: "{class-guid}\NNNN"; NULL when no driver is bound */
    char *class_guid;      /* ClassGUID, else the GUID part of Driver; NULL when unknown */
    char *device_desc;     /* DeviceDesc as stored: "@oem11.inf,%key%;Text" */
    char *mfg;             /* Mfg as stored */
    char *inf;             /* the INF DeviceDesc (or Mfg) names: "oem11.inf"; NULL when none */
    bool has_config_flags;
    uint32_t config_flags;
    struct ost_diags findings; /* missing or wrong-typed values */
};

struct ost_devnodes {
    struct ost_devnode *v;
    size_t n, cap;
};

/* Every devnode of the image's active control set, of every enumerator
 * (PCI, HDAUDIO, USB, ROOT, ...), in hive order. An image without an Enum
 * key (never booted) gives an empty list. */
ost_status ost_devnodes_list(struct ost_image *img, struct ost_devnodes *out, struct ost_error *err);
void ost_devnodes_free(struct ost_devnodes *d);

/* The devnode with that instance path (compared case-insensitively), or NULL. */
const struct ost_devnode *ost_devnodes_find(const struct ost_devnodes *d, const char *instance_path);

/* The devnodes `spec` names, in list order: an instance path; else a
 * hardware ID equal to one of a devnode's HardwareID entries or a prefix of
 * one ("PCI\VEN_15AD&DEV_07A0" names every such root port); else a prefix
 * of the device part of the instance path. Comparison is case-insensitive.
 * Returns how many; *out (caller frees the array, not the devnodes) holds
 * pointers into d. */
size_t ost_devnodes_match(const struct ost_devnodes *d, const char *spec, const struct ost_devnode ***out);

/* Known ConfigFlags bit names ("FAILEDINSTALL", ...) in bit order; bits
 * without a name as "0x...". */
void ost_config_flags_names(uint32_t flags, struct ost_strlist *out);
/* "0x00000440 (FAILEDINSTALL|FINISH_INSTALL)" or "0x00000000 (none)". */
char *ost_config_flags_describe(uint32_t flags);

/* Whether a Driver value has the form "{class-guid}\NNNN" (and so names a
 * key under Control\Class). */
bool ost_driver_value_wellformed(const char *driver);

/* "REG_DWORD", "REG_SZ", ...; "REG_UNKNOWN" for other types. */
const char *ost_reg_type_name(uint32_t type);

/* The INF a localisable string names: "@oem11.inf,%key%;Text" gives
 * "oem11.inf"; NULL when it names none. */
char *ost_indirect_string_inf(const char *s);

#endif
