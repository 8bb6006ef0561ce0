/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hwid.h — device identification strings: the hardware and compatible IDs
 * a bus driver reports, PCI's in particular, the vendor an ID names, and
 * the parts of a PCI ID (VEN, DEV, SUBSYS, REV, CC) that explain a near
 * miss. Microsoft's "Identifiers for PCI Devices" lists the PCI forms
 * (https://learn.microsoft.com/en-us/windows-hardware/drivers/install/identifiers-for-pci-devices);
 * which list each lands in is as the devnodes of a Windows 7 SP1 SYSTEM
 * hive have them.
 */
#ifndef OST_HWID_H
#define OST_HWID_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "util.h"

struct ost_device_ids {
    struct ost_strlist hardware_ids;   /* most specific first */
    struct ost_strlist compatible_ids;
};

struct ost_pci_identity {
    uint16_t vendor, device;
    bool has_subsys;
    uint32_t subsys;      /* as Windows prints it: subsystem ID << 16 | subsystem vendor */
    bool has_revision;
    uint8_t revision;
    bool has_class;
    uint32_t class_code;  /* base class << 16 | subclass << 8 | programming interface */
};

/* "VEN:DEV[:SUBSYS[:REV]]" in hex, e.g. "1af4:1059:00191af4:01". */
ost_status ost_pci_identity_parse(const char *spec, struct ost_pci_identity *out, struct ost_error *err);
/* "040100": base class, subclass, programming interface. */
ost_status ost_pci_class_parse(const char *spec, struct ost_pci_identity *out, struct ost_error *err);

/* The class code a device reports when none is given: virtio sound's
 * 040100 (multimedia audio, as QEMU reports it); others stay without one. */
void ost_pci_default_class(struct ost_pci_identity *pci);

/* The IDs Windows 7's PCI bus driver reports for the device, in its order
 * (the forms are Microsoft's "Identifiers for PCI Devices",
 * https://learn.microsoft.com/en-us/windows-hardware/drivers/install/identifiers-for-pci-devices;
 * which list each lands in is what Windows 7 writes to a devnode's
 * HardwareID and CompatibleIDs):
 *   with a subsystem (not 0): hardware VEN&DEV&SUBSYS&REV, VEN&DEV&SUBSYS,
 *     VEN&DEV&CC_ccsspp, VEN&DEV&CC_ccss; compatible VEN&DEV&REV, VEN&DEV,
 *     VEN&CC_ccsspp, VEN&CC_ccss, VEN, CC_ccsspp, CC_ccss;
 *   with subsystem 0: VEN&DEV&REV and VEN&DEV are hardware IDs instead,
 *     after the SUBSYS_00000000 ones and before the VEN&DEV&CC ones.
 * A device given without SUBSYS is taken as one without a subsystem, minus
 * the SUBSYS IDs. Only IDs that can be formed from what is known are
 * produced (no REV without a revision, no CC without a class code). */
void ost_pci_expand(const struct ost_pci_identity *pci, struct ost_device_ids *out);

void ost_device_ids_free(struct ost_device_ids *ids);

/* Hardware IDs compare case-insensitively. */
bool ost_hwid_equal(const char *a, const char *b);

/* The parts of a PCI\... ID. Fields not in the ID are marked absent. */
struct ost_pci_id_parts {
    bool has_vendor, has_device, has_subsys, has_revision, has_class;
    unsigned vendor, device, revision;
    uint32_t subsys;
    char class_code[7];
};
bool ost_pci_id_split(const char *id, struct ost_pci_id_parts *out);

/* "PCI\VEN_8086" for "PCI\VEN_8086&DEV_100F&...", "USB\VID_046D" for
 * "USB\VID_046D&PID_C52B", "HDAUDIO\VEN_10EC" for
 * "HDAUDIO\FUNC_01&VEN_10EC&DEV_0662", upper case; NULL for IDs that name
 * no vendor by a VEN_ or VID_ field of 4 characters (ACPI\PNP0A03, whose
 * PNP is the specification's, not a maker's; ROOT\...; a bare CC_). The
 * enumerator is kept, as PCI and USB vendor numbers are separate spaces.
 * An instance path gives its hardware ID's vendor. */
char *ost_hwid_vendor(const char *id);
/* Whether any ID of the list names that vendor (as ost_hwid_vendor gives it). */
bool ost_hwids_have_vendor(const struct ost_strlist *ids, const char *vendor);

/* Virtio PCI IDs (vendor 1AF4): the virtio device type a device ID stands
 * for, and whether it is a transitional (legacy-capable, 0x1000-0x103F) or
 * modern (0x1040-0x107F) ID. Returns 0 when it is neither. */
unsigned ost_virtio_type(unsigned device_id, bool *transitional);
unsigned ost_virtio_transitional_id(unsigned type);

#endif
