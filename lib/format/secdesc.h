/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * secdesc.h — the security descriptor Windows gives a new file or folder
 * from the descriptor of the folder it is created in.
 *
 * Rules followed: [MS-DTYP] 2.4.6 "SECURITY_DESCRIPTOR" (self-relative
 * layout, control bits), 2.4.5 "ACL", 2.4.4.1 "ACE_HEADER" (AceFlags), and
 * "ACE Inheritance Rules"
 * (https://learn.microsoft.com/en-us/windows/win32/secauthz/ace-inheritance-rules),
 * as [MS-DTYP] 2.5.3.4 "Algorithm for Creating a Security Descriptor"
 * computes them with auto-inheritance, which NTFS asks for:
 *  - a file takes the folder's ACEs that have OBJECT_INHERIT_ACE, as
 *    effective ACEs; a folder takes those with CONTAINER_INHERIT_ACE as
 *    effective ACEs, inheritable again (same OBJECT/CONTAINER_INHERIT)
 *    unless NO_PROPAGATE_INHERIT_ACE, and those with OBJECT_INHERIT_ACE
 *    alone as inherit-only ACEs unless NO_PROPAGATE_INHERIT_ACE;
 *  - every inherited ACE carries INHERITED_ACE; an effective one has its
 *    generic rights mapped (the file object's GENERIC_MAPPING, "File
 *    Security and Access Rights") and CREATOR OWNER / CREATOR GROUP
 *    replaced by the new owner / group; an inherit-only one keeps them;
 *    an ACE both effective and inheritable that holds such generic
 *    information becomes two, the mapped effective one, then the
 *    inherit-only one;
 *  - the ACEs keep the folder's order; the control has SE_DACL_PRESENT and
 *    SE_DACL_AUTO_INHERITED (SE_SACL_PRESENT and SE_SACL_AUTO_INHERITED
 *    when a SACL is inherited), never the folder's SE_*_PROTECTED;
 *  - when nothing in the folder's DACL is inherited, the creator's default
 *    DACL applies: here an administrator's, full control to SYSTEM and to
 *    Administrators.
 * The owner and group are the caller's (a creator's token gives them on
 * Windows).
 */
#ifndef OST_SECDESC_H
#define OST_SECDESC_H

#ifndef OST_BUILDING_LIBRARY
#error "secdesc.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* S-1-5-32-544, BUILTIN\Administrators */
extern const uint8_t OST_SID_ADMINISTRATORS[16];

/* The self-relative descriptor of a new child (a folder when container)
 * of the folder whose self-relative descriptor is parent, owned by owner
 * and group (binary SIDs), into *out (malloc'd, *out_len bytes).
 * OST_ERR_CORRUPT when parent, owner or group is malformed; OST_ERR_LIMIT
 * when an inherited ACL would pass 64 KiB; messages begin with name (the
 * parent's). */
ost_status ost_sd_inherit(const char *name, const uint8_t *parent, size_t parent_len, bool container,
                          const uint8_t *owner, const uint8_t *group, uint8_t **out, size_t *out_len,
                          struct ost_error *err);

/* The length of the SID at p, within at most avail bytes; 0 when it is not
 * a well-formed SID (revision 1, at most 15 sub-authorities). */
size_t ost_sid_len(const uint8_t *p, size_t avail);

#endif
