/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * iso.h — install media as ISO files: read with 7-Zip (7zz, Debian
 * package 7zip), which reads UDF as well as ISO 9660 and Joliet, since
 * Windows 7 ISOs carry their files in UDF and an ISO 9660 part that may
 * hold only a stub (Microsoft, "Oscdimg Command-Line Options": -u2 "an
 * image that contains only the UDF file system"); written with xorriso
 * (Debian package xorriso) as Microsoft's media boot: BIOS El Torito from
 * boot\etfsboot.com (no emulation, 8 sectors) and UEFI El Torito from
 * efi\microsoft\boot\efisys.bin (platform 0xEF), names without ";1"
 * versions (ETFSBOOT.COM finds no bootmgr in names that carry them:
 * Microsoft KB931708), ISO 9660 level 3 with Joliet.
 *
 * xorriso writes no UDF. A file of 4 GiB or more is refused here: the
 * media operation splits install.wim into install.swm parts first
 * (media.h says why).
 */
#ifndef OST_ISO_H
#define OST_ISO_H

#ifndef OST_BUILDING_LIBRARY
#error "iso.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "util.h"

/* The largest file an ISO 9660 directory record holds in one extent. */
#define OST_ISO_MAX_FILE (UINT64_C(4) * 1024 * 1024 * 1024 - 1)

/* Whether path starts like an ISO 9660 / UDF volume: "CD001" (ISO 9660)
 * or "BEA01" (UDF's volume recognition sequence) at byte 32769. */
bool ost_iso_probe(const char *path);
/* Whether 7zz and xorriso are installed; when not, *why says which. */
bool ost_iso_tools(char **why);

/* The files of the ISO, '/'-separated as 7-Zip lists them, into *files
 * (directories left out). A damaged or truncated ISO: OST_ERR_CORRUPT
 * naming the file and what 7-Zip said. */
ost_status ost_iso_list(const char *iso, struct ost_strlist *files, struct ost_error *err);
/* Extracts every file into dest (an empty folder), or only those of only
 * (paths as ost_iso_list gives them) when it is not NULL. Refuses an ISO
 * that holds links (7-Zip keeps names inside dest). */
ost_status ost_iso_extract(const char *iso, const char *dest, const struct ost_strlist *only, struct ost_error *err);
/* The primary volume descriptor's volume identifier (Windows 7 x64 DVDs:
 * "GRMCULXFRER_EN_DVD"), trailing spaces cut; "" when there is none. */
ost_status ost_iso_label(const char *iso, char *label, size_t size, struct ost_error *err);

/* The boot images, '/'-separated paths inside the folder; NULL for none. */
struct ost_iso_boot {
    const char *bios;  /* boot/etfsboot.com: no emulation, load size 8 */
    const char *uefi;  /* efi/microsoft/boot/efisys.bin: platform 0xEF */
};

/* Writes the folder as a bootable ISO at out (created anew; out must not
 * exist) with the boot entries given. The caller renames it into place. */
ost_status ost_iso_write(const char *folder, const char *label, const struct ost_iso_boot *boot, const char *out,
                         struct ost_error *err);
/* The El Torito entries of an ISO as xorriso reports them
 * (-report_el_torito plain): the lines naming each boot image. */
ost_status ost_iso_boot_report(const char *iso, struct ost_strlist *lines, struct ost_error *err);

#endif
