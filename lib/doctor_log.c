/* SPDX-License-Identifier: GPL-3.0-or-later */
/* doctor: the setupapi.dev.log sections about the devices reported. */
#include <stdlib.h>

#include "doctor_internal.h"

ost_status ost_doctor_read_log(struct ost_image *img, struct ost_doctor_report *r, const char *host_file,
                               struct ost_error *err)
{
    (void)img, (void)r, (void)host_file, (void)err;
    return OST_OK;
}

void ost_doctor_free_sections(struct ost_doctor_device *d)
{
    free(d->sections);
}
