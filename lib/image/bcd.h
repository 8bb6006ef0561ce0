/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bcd.h — Boot Configuration Data stores: a BCD file (install media's
 * boot\BCD, a system partition's EFI\Microsoft\Boot\BCD) or an image's
 * Windows\System32\config\BCD-Template. This module owns reading a store's
 * objects the way `bcdedit /enum all` shows them, and the two boolean
 * elements that decide whether Windows loads drivers not signed by
 * Microsoft's chain: testsigning (16000049) and nointegritychecks
 * (16000048).
 *
 * A store is a registry hive: Objects\{guid}\Description\Type (REG_DWORD)
 * says what an object is, Objects\{guid}\Elements\<8 hex digits>\Element
 * holds each setting. Strings and object references are REG_SZ, object
 * lists REG_MULTI_SZ, booleans REG_BINARY of one byte, integers and devices
 * REG_BINARY. An object that lacks an element takes it from the objects its
 * inherit element (14000006) names, depth first, in order.
 *
 * Setup's BCD-Template has no Windows Boot Loader object: bcdboot creates
 * the loader from it, and the loader inherits {bootloadersettings}. So when
 * a store has no loader, the loader-wide settings are edited on
 * {bootloadersettings}, and the questions are answered for "loaders created
 * from this store". A template that holds loaders besides (a customized
 * one) gets them on {bootloadersettings} too, and on its loaders: the ones
 * bcdboot creates inherit only the former.
 *
 * Edits live in memory until ost_bcd_save (a --store file: written to a
 * temporary beside it and renamed into place) or until the caller stages
 * the template back into its image (ost_bcd_stage_template).
 */
#ifndef OST_BCD_H
#define OST_BCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "hive.h"
#include "image.h"
#include "util.h"

/* Object types (Description\Type). */
#define OST_BCD_TYPE_FWBOOTMGR 0x10100001u
#define OST_BCD_TYPE_BOOTMGR 0x10100002u
#define OST_BCD_TYPE_LOADER 0x10200003u
#define OST_BCD_TYPE_RESUME 0x10200004u
#define OST_BCD_TYPE_MEMDIAG 0x10200005u
#define OST_BCD_TYPE_NTLDR 0x10300006u
#define OST_BCD_TYPE_DEVICE 0x30000000u

/* Elements offstage reads. */
#define OST_BCD_EL_DEVICE 0x11000001u
#define OST_BCD_EL_PATH 0x12000002u
#define OST_BCD_EL_DESCRIPTION 0x12000004u
#define OST_BCD_EL_INHERIT 0x14000006u
#define OST_BCD_EL_NOINTEGRITYCHECKS 0x16000048u
#define OST_BCD_EL_TESTSIGNING 0x16000049u
#define OST_BCD_EL_OSDEVICE 0x21000001u
#define OST_BCD_EL_SYSTEMROOT 0x22000002u
#define OST_BCD_EL_DEFAULT 0x23000003u
#define OST_BCD_EL_DISPLAYORDER 0x24000001u

#define OST_BCD_BOOTMGR_GUID "{9dea862c-5cdd-4e70-acc1-f32b344d4795}"
#define OST_BCD_BOOTLOADERSETTINGS_GUID "{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}"
#define OST_BCD_GLOBALSETTINGS_GUID "{7ea2e1ac-2e61-4728-aaa3-896d9d0a9f0e}"

/* The booleans offstage edits. */
typedef enum ost_bcd_flag {
    OST_BCD_TESTSIGNING,
    OST_BCD_NOINTEGRITYCHECKS,
    OST_BCD_NFLAGS,
} ost_bcd_flag;

struct ost_bcd_bool {
    bool set;          /* the object has the element itself */
    bool value;        /* its value, when set */
    bool effective;    /* own value, else the first one found through inherit, else off */
    const char *from;  /* GUID of the object that supplies `effective`; NULL when none does */
};

struct ost_bcd_object {
    char *guid;            /* the key name: "{9dea862c-...}" */
    const char *alias;     /* "{bootmgr}", "{default}", ...; NULL when none */
    bool has_type;
    uint32_t type;
    char *description, *path, *systemroot, *default_obj;
    char *device, *osdevice; /* decoded ("boot", "partition ...", "ramdisk=..."), "unknown"; NULL when absent */
    struct ost_strlist inherit, displayorder;
    struct ost_bcd_bool flags[OST_BCD_NFLAGS];
    ost_hkey key;
};

struct ost_bcd {
    struct ost_hive *hive; /* owned */
    char *name;            /* for messages: the file, or "IMAGE: BCD-Template" */
    bool is_template;      /* an image's BCD-Template (or a file of that name) */
    struct ost_bcd_object *v;
    size_t n;
};

/* Opens a store file. Writable stores refuse dirty hives unless allow_dirty. */
ost_status ost_bcd_open(const char *path, bool writable, bool allow_dirty, struct ost_bcd **out,
                        struct ost_error *err);
/* Reads a store from an open hive, taking ownership of it (also on failure). */
ost_status ost_bcd_from_hive(struct ost_hive *h, const char *name, struct ost_bcd **out, struct ost_error *err);
/* Opens an image's BCD-Template (OST_BCD_TEMPLATE) through its target:
 * OST_NEGATIVE, *out NULL and err saying so when the image has none.
 * Named "IMAGE: Windows\System32\config\BCD-Template" in messages. */
ost_status ost_bcd_open_template(struct ost_image *img, bool writable, struct ost_bcd **out, struct ost_error *err);
/* Stages a template opened writable, with its edits, back into its image
 * (written when the image commits); nothing when it was not modified. */
ost_status ost_bcd_stage_template(struct ost_image *img, struct ost_bcd *b, struct ost_error *err);
/* Opens a BCD store inside the image's target by its target path (one
 * of target->boot_stores: a system partition's Boot\BCD), named `name` in
 * messages. Read through ost_target_local_path, so a disk's store is
 * refused above OST_HIVE_MAX_SIZE before it is copied out; a writable one
 * refuses a dirty hive unless the image was opened with allow_dirty. */
ost_status ost_bcd_open_in_image(struct ost_image *img, const char *path, const char *name, bool writable,
                                 struct ost_bcd **out, struct ost_error *err);
/* Stages such a store, with its edits, back through the target at the
 * same path (written when the image commits, in the same transaction);
 * nothing when it was not modified. */
ost_status ost_bcd_stage_in_image(struct ost_image *img, const char *path, struct ost_bcd *b, struct ost_error *err);
void ost_bcd_close(struct ost_bcd *b);

/* "Windows Boot Loader", "Boot Loader Settings" (aliases name settings
 * objects as bcdedit does), "Application (101fffff)", ... */
const char *ost_bcd_object_heading(const struct ost_bcd_object *o, char buf[64]);
/* The alias or the GUID. */
const char *ost_bcd_identifier(const struct ost_bcd_object *o);
/* A GUID's well-known alias in this store ({default} included), or the GUID. */
const char *ost_bcd_display_id(const struct ost_bcd *b, const char *guid);
bool ost_bcd_is_loader(const struct ost_bcd_object *o);
/* An object by GUID or alias ("{bootmgr}", "{default}"), case-insensitively. */
struct ost_bcd_object *ost_bcd_find(struct ost_bcd *b, const char *id);

const char *ost_bcd_flag_name(ost_bcd_flag f);
uint32_t ost_bcd_flag_element(ost_bcd_flag f);
bool ost_bcd_parse_flag(const char *name, ost_bcd_flag *out);

/* Which objects loader-wide settings go to. */
typedef enum ost_bcd_scope {
    OST_BCD_SCOPE_LOADERS,  /* every Windows Boot Loader object */
    OST_BCD_SCOPE_TEMPLATE, /* a template (or no loader): {bootloadersettings}, which loaders created from the
                             * store inherit, and the template's own loaders if any */
    OST_BCD_SCOPE_OBJECT,   /* one object the caller named */
} ost_bcd_scope;
const char *ost_bcd_scope_name(ost_bcd_scope s);

/* The objects to edit or ask about: `object` (GUID or alias) when non-NULL,
 * else every loader (and in a template {bootloadersettings} as well), else
 * {bootloadersettings}. Fills idx (caller frees)
 * with indexes into b->v. OST_NEGATIVE when the store has neither a loader
 * nor {bootloadersettings}; OST_ERR_USAGE when `object` is not in it. */
ost_status ost_bcd_targets(const struct ost_bcd *b, const char *object, size_t **idx, size_t *n,
                           ost_bcd_scope *scope, struct ost_error *err);

/* Writes the boolean as Windows does (REG_BINARY, one byte 01/00),
 * creating the element key when missing, and recomputes every object's
 * effective values. *changed is false when the object already had exactly
 * that (nothing is written then). */
ost_status ost_bcd_set_flag(struct ost_bcd *b, size_t index, ost_bcd_flag f, bool value, bool *changed,
                            struct ost_error *err);

/* Is the flag effectively on for every target (ost_bcd_targets with
 * object NULL): OST_OK yes, OST_NEGATIVE no (also when there is nothing to
 * ask about; *scope says which case it was). */
ost_status ost_bcd_flag_on(const struct ost_bcd *b, ost_bcd_flag f, ost_bcd_scope *scope, struct ost_error *err);

/* A device element's value (REG_BINARY) as bcdedit shows it: "boot",
 * "partition {id} on disk {id}", "ramdisk=[boot]\\path,{options}", or
 * "unknown" for anything else, malformed or truncated included. */
char *ost_bcd_describe_device(const uint8_t *data, size_t size);

bool ost_bcd_modified(const struct ost_bcd *b);
/* Writes a store opened with ost_bcd_open, with its edits, to a temporary
 * beside its file (synced, with the file's mode); *tmp names it (caller
 * frees). The caller renames it into place (ost_rename_into_place) or
 * unlinks it: a caller with other files to write writes them between. */
ost_status ost_bcd_save_beside(struct ost_bcd *b, char **tmp, struct ost_error *err);
/* ost_bcd_save_beside, then the rename: the store is replaced whole. */
ost_status ost_bcd_save(struct ost_bcd *b, struct ost_error *err);

#endif
