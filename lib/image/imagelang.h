/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * imagelang.h — the language an image's Windows reads INF files in: the
 * LANGID that picks an INF's [Strings.LANGID] section (inf.h,
 * ost_inf_options) when the device installer runs on that Windows.
 *
 * It is read from SYSTEM\<control set>\Control\Nls\Language: Default (the
 * system's language now), else InstallLanguage (the one Setup installed),
 * both REG_SZ of 4 hex digits; the real Windows 7 SP1 SYSTEM hive
 * (fixtures/hives/win7sp1-SYSTEM.xz) holds "0409" in both. Microsoft's
 * "INF Strings Section" describes the [Strings.LanguageID] sections
 * (https://learn.microsoft.com/en-us/windows-hardware/drivers/install/inf-strings-section).
 */
#ifndef OST_IMAGELANG_H
#define OST_IMAGELANG_H

#include <stdbool.h>

#include "hive.h"
#include "image.h"

/* The LANGID ("0407") of the image, kept in img->info.language; NULL when
 * SYSTEM names none, for INF readers to take an English Windows's. */
const char *ost_image_language(struct ost_image *img);

/* The same from a SYSTEM hive and its control set key: whether a LANGID
 * was found, copied into out. */
bool ost_system_language(struct ost_hive *system, ost_hkey control_set, char out[5]);

#endif
