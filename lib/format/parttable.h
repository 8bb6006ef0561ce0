/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * parttable.h — the partitions of a disk: an MBR (four primary entries,
 * an extended partition's chain of EBRs holding logical ones) or a GPT
 * (protective MBR, header at LBA 1 with its CRC32, the entry array with
 * its CRC32; the backup header when the primary is damaged).
 *
 * Rules followed: the UEFI Specification 2.10, section 5 "GUID Partition
 * Table (GPT) Disk Layout" (https://uefi.org/specifications), and
 * Microsoft's "Windows and GPT FAQ" and PARTITION_INFORMATION_GPT / _MBR
 * (https://learn.microsoft.com/en-us/windows-hardware/manufacture/desktop/windows-and-gpt-faq,
 * https://learn.microsoft.com/en-us/windows/win32/api/winioctl/ns-winioctl-partition_information_gpt)
 * for the type GUIDs and MBR type bytes Windows uses.
 *
 * The reader trusts nothing: an entry past the end of the disk, entries
 * that overlap, an EBR chain that loops or runs past 128 links, a header
 * whose sizes do not add up: each is OST_ERR_CORRUPT naming the table, the
 * entry and the reason. Numbering is Linux's (MBR primaries 1-4, logical
 * partitions from 5; GPT entries by their index from 1), which is what
 * `--partition N` and messages use.
 */
#ifndef OST_PARTTABLE_H
#define OST_PARTTABLE_H

#ifndef OST_BUILDING_LIBRARY
#error "parttable.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockio.h"
#include "error.h"

typedef enum ost_part_scheme {
    OST_PART_NONE,  /* no table: the disk is one volume (a "superfloppy") */
    OST_PART_MBR,
    OST_PART_GPT,
} ost_part_scheme;

/* What the table says a partition is; the volume's own content decides
 * the rest (an NTFS "basic data" partition may hold BitLocker). */
typedef enum ost_part_role {
    OST_ROLE_DATA,          /* MBR 0x07 (NTFS/exFAT/HPFS), 0x0B/0x0C/0x0E (FAT); GPT basic data */
    OST_ROLE_ESP,           /* MBR 0xEF; GPT C12A7328-F81F-11D2-BA4B-00A0C93EC93B */
    OST_ROLE_MSR,           /* GPT E3C9E316-0B5C-4DB8-817D-F92DF00215AE */
    OST_ROLE_RECOVERY,      /* MBR 0x27; GPT DE94BBA4-06D1-4D40-A16A-BFD50179D6AC */
    OST_ROLE_LDM,           /* dynamic disk: MBR 0x42; GPT 5808C8AA-... (metadata) / AF9B60A0-... (data) */
    OST_ROLE_STORAGE_SPACES,/* GPT E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D */
    OST_ROLE_EXTENDED,      /* MBR 0x05/0x0F/0x85: a container, never a volume (not listed) */
    OST_ROLE_OTHER,         /* Linux, swap, anything else */
} ost_part_role;

struct ost_partition {
    unsigned number;        /* 1-based, as above */
    uint64_t offset, size;  /* bytes */
    ost_part_role role;
    uint8_t mbr_type;       /* MBR: the type byte; GPT: 0 */
    bool active;            /* MBR: boot indicator 0x80 */
    uint8_t type_guid[16], unique_guid[16]; /* GPT, in on-disk (mixed-endian) byte order */
    uint64_t gpt_attributes;
    char name[144];         /* GPT: the UTF-16LE name as UTF-8; MBR: "" */
};

struct ost_partition_table {
    ost_part_scheme scheme;
    uint32_t sector_size;   /* 512 or 4096: the logical sector the table was found with */
    uint32_t mbr_signature; /* MBR disk signature (offset 440) */
    uint8_t disk_guid[16];  /* GPT */
    bool used_backup_gpt;   /* the primary GPT header was bad; the backup was read */
    struct ost_partition *v;/* in table order; extended containers left out */
    size_t n;
};

/* Reads the table of disk. sector_size 0 tries 512, then 4096. A disk
 * with no MBR signature (0x55AA) has scheme NONE and no partitions. */
ost_status ost_partition_table_read(const struct ost_blockio *disk, uint32_t sector_size,
                                    struct ost_partition_table *out, struct ost_error *err);
void ost_partition_table_free(struct ost_partition_table *t);

const char *ost_part_scheme_name(ost_part_scheme s);        /* "MBR", "GPT", "none" */
const char *ost_part_role_name(ost_part_role r);            /* "data", "EFI system", ... */
/* A GUID in on-disk byte order as text, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B". */
void ost_guid_text(const uint8_t guid[16], char out[37]);

#endif
