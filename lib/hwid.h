/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hwid.h — device identification strings: the hardware and compatible IDs
 * a bus driver reports, PCI's in particular, and the parts of a PCI ID
 * (VEN, DEV, SUBSYS, REV, CC) that explain a near miss. Microsoft's
 * "Identifiers for PCI Devices" lists the PCI forms
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

/* The IDs Windows' PCI bus driver reports for the device, in its order.
 * Only IDs that can be formed from what is known are produced. */
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

/* Virtio PCI IDs (vendor 1AF4): the virtio device type a device ID stands
 * for, and whether it is a transitional (legacy-capable, 0x1000-0x103F) or
 * modern (0x1040-0x107F) ID. Returns 0 when it is neither. */
unsigned ost_virtio_type(unsigned device_id, bool *transitional);
unsigned ost_virtio_transitional_id(unsigned type);

#endif
