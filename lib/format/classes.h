/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * classes.h — Windows' system-defined device setup classes (name and GUID),
 * to check an INF's Class against its ClassGuid.
 */
#ifndef OST_CLASSES_H
#define OST_CLASSES_H

#ifndef OST_BUILDING_LIBRARY
#error "classes.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>

/* NULL when the name or GUID is not a system-defined class. */
const char *ost_class_guid_for_name(const char *name);
const char *ost_class_name_for_guid(const char *guid);
/* {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}, hex digits of either case. */
bool ost_guid_is_valid(const char *guid);

#endif
