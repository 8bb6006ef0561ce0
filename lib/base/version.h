/* SPDX-License-Identifier: GPL-3.0-or-later */
/* version.h — liboffstage's version: the one a program was built against
 * (the macros) and the one it runs with (ost_version). */
#ifndef OST_VERSION_H
#define OST_VERSION_H

#define OST_VERSION_MAJOR 0
#define OST_VERSION_MINOR 1
#define OST_VERSION_PATCH 0
#define OST_VERSION "0.1.0"

/* "0.1.0": may differ from OST_VERSION when the library is shared. */
const char *ost_version(void);

#endif
