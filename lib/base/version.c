/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "version.h"

const char *ost_version(void)
{
    return OST_VERSION;
}
