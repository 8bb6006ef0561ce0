/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sha2support.h — whether an offline Windows verifies SHA-256 code
 * signatures (catalogs and embedded Authenticode signatures of drivers).
 *
 * Windows 8 (NT 6.2) and later do natively. Windows 7 SP1 and Server 2008
 * R2 do only with the SHA-2 code signing support update: KB3033929
 * (March 2015), superseded by KB4474419 (2019). Microsoft, "Microsoft
 * security advisory 3033929", https://support.microsoft.com/kb/3033929;
 * "SHA-2 code signing support update for Windows Server 2008 R2, Windows 7,
 * and Windows Server 2008", https://support.microsoft.com/kb/4474419.
 *
 * The evidence read offline is the servicing stack's record of packages:
 * a subkey of SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based
 * Servicing\Packages whose name starts Package_for_KB4474419~ or
 * Package_for_KB3033929~ (the rest, the version and architecture, differs
 * between releases), with CurrentState 0x70 (Installed) or 0x80
 * (Permanent). Other states (Microsoft, "CBS Servicing States Chart",
 * https://techcommunity.microsoft.com/t5/ask-the-performance-team/understanding-component-based-servicing/ba-p/373012):
 * 0 Absent, 0x5 Uninstall Pending, 0x10 Resolving, 0x20 Resolved,
 * 0x30 Staging, 0x40 Staged, 0x50 Superseded, 0x60 Install Pending,
 * 0x65 Partially Installed. A pending state is "no" before the first boot:
 * the update finishes only when Windows boots, after the drivers it must
 * verify have been loaded.
 *
 * A Windows 7 whose Packages key is absent (a stripped hive, a test image)
 * says nothing: unknown. File versions of ci.dll and winload.exe are not
 * used: the same builds shipped in several March 2015 updates. The
 * wintrust.dll export CryptCATAdminAcquireContext2, which the update adds,
 * is not read either: pe.h does not parse export tables.
 */
#ifndef OST_SHA2SUPPORT_H
#define OST_SHA2SUPPORT_H

#include "image.h"

typedef enum {
    OST_SHA2_UNKNOWN = -1,
    OST_SHA2_NO = 0,
    OST_SHA2_YES = 1,
} ost_sha2_state;

#define OST_CBS_PACKAGES "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages"

struct ost_sha2_support {
    ost_sha2_state state;
    /* The evidence, for messages: "Package_for_KB4474419~31bf3856ad364e35~amd64~~6.1.4.0 is Installed
     * (CurrentState 0x70)", "Windows 8 and later verify SHA-256 natively", ... */
    char evidence[320];
};

/* The servicing state's name ("Installed", "Staged", ...), or NULL for a
 * value the chart does not list. */
const char *ost_cbs_state_name(uint32_t state);

/* From a SOFTWARE hive of Windows NT major.minor. */
void ost_sha2_support_of_hive(struct ost_hive *software, unsigned major, unsigned minor,
                              struct ost_sha2_support *out);
/* From the image's SOFTWARE hive and version. */
void ost_image_sha2_support(struct ost_image *img, struct ost_sha2_support *out);

#endif
