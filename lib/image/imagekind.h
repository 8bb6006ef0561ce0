/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * imagekind.h — what an offline Windows is, read from the image itself,
 * with the evidence named: an installed system (it boots from its system
 * partition's Boot\BCD or EFI\Microsoft\Boot\BCD, and Setup will not run
 * again), a generalized image such as install.wim (Setup will still run;
 * bcdboot builds the boot store from its BCD-Template), or Windows PE such
 * as boot.wim (booted from the media's boot\BCD or efi\microsoft\boot\bcd).
 *
 * The signals, strongest first:
 *   SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State, value
 *     ImageState (REG_SZ), mirrored in Windows\Setup\State\State.ini
 *     ([State] ImageState=): IMAGE_STATE_COMPLETE once the specialize and
 *     oobeSystem passes are done; IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE or
 *     _TO_AUDIT after sysprep /generalize, IMAGE_STATE_SPECIALIZE_RESEAL_*
 *     after specialize, IMAGE_STATE_UNDEPLOYABLE during a phase (Microsoft,
 *     "Windows Setup States",
 *     https://learn.microsoft.com/en-us/windows-hardware/manufacture/desktop/windows-setup-states).
 *   SYSTEM\ControlSet00N\Control\MiniNT: the key Windows PE's SYSTEM hive
 *     carries, which deployment scripts test to know they run in Windows PE
 *     (no current Microsoft page describing it was found; treated as
 *     documented by use); SYSTEM\Setup\CmdLine naming winpeshl.exe, which
 *     Windows PE starts through that value ("Windows PE startup,
 *     revisited", https://oofhours.com/2020/12/03/windows-pe-startup-revisited/).
 *   SYSTEM\Setup: SystemSetupInProgress = 1, SetupType = 2 and CmdLine =
 *     oobe\windeploy.exe while Setup is pending; all 0 and an empty CmdLine
 *     once it is done (the real Windows 7 SP1 SYSTEM hive of the project's
 *     fixtures). Undocumented, so medium confidence: it decides only when
 *     ImageState is absent.
 */
#ifndef OST_IMAGEKIND_H
#define OST_IMAGEKIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"

enum ost_image_kind {
    OST_IMAGE_KIND_UNKNOWN,
    OST_IMAGE_KIND_INSTALLED,   /* Setup is done; boots from its system partition's store */
    OST_IMAGE_KIND_GENERALIZED, /* Setup will still run (install.wim) */
    OST_IMAGE_KIND_WINPE,       /* Windows PE or Setup (boot.wim) */
};

#define OST_IMAGE_STATE_KEY "Microsoft\\Windows\\CurrentVersion\\Setup\\State"
#define OST_STATE_INI "Windows\\Setup\\State\\State.ini"

struct ost_image_kind_info {
    enum ost_image_kind kind;
    /* One line naming what decided: "SOFTWARE\...\Setup\State\ImageState =
     * IMAGE_STATE_COMPLETE (Setup is done)"; "no ImageState, MiniNT or
     * SYSTEM\Setup values" for UNKNOWN. */
    char evidence[320];
    bool documented;         /* decided by a documented signal (ImageState, MiniNT) */
    char image_state[64];    /* the ImageState value, "" when absent */
    char state_ini[64];      /* State.ini's ImageState, "" when absent or unreadable */
    bool setup_pending;      /* SYSTEM\Setup says Setup has yet to run */
    bool setup_done;         /* SYSTEM\Setup says Setup has run (all values 0, CmdLine empty) */
    /* A signal that disagrees with the one that decided ("State.ini says
     * IMAGE_STATE_UNDEPLOYABLE"), or "". */
    char disagreement[200];
};

/* State.ini's [State] ImageState= value into out ("" when it has none).
 * Windows writes the file as UTF-16LE with a byte-order mark; without one
 * it is read as 8-bit text. */
void ost_state_ini_image_state(const uint8_t *data, size_t n, char *out, size_t size);
/* Reads the signals; never fails on their absence (UNKNOWN then). */
void ost_image_kind_read(struct ost_image *img, struct ost_image_kind_info *out);
/* "installed", "generalized", "winpe", "unknown" */
const char *ost_image_kind_name(enum ost_image_kind k);

#endif
