/* SPDX-License-Identifier: GPL-3.0-or-later */
/* doctor: the setupapi.dev.log sections about the devices reported. The log
 * is streamed; only the latest OST_DOCTOR_MAX_SECTIONS sections of each
 * device are kept. */
#include <stdlib.h>
#include <string.h>

#include "doctor_internal.h"
#include "setupapi_log.h"

#define IMAGE_LOG "Windows\\inf\\setupapi.dev.log"

static struct ost_doctor_device *device_of(struct ost_doctor_report *r, const struct ost_setupapi_section *s)
{
    for (size_t i = 0; s->subject && i < r->ndevices; i++) {
        struct ost_setupapi_filter f = {.device = r->devices[i].node->instance_path};
        if (ost_setupapi_section_matches(s, &f))
            return &r->devices[i];
    }
    return NULL;
}

static bool keep_section(struct ost_setupapi_section *s, void *ctx)
{
    struct ost_doctor_device *d = device_of(ctx, s);
    if (!d) {
        ost_setupapi_section_free(s);
        return true;
    }
    if (!d->sections)
        d->sections = ost_xcalloc(OST_DOCTOR_MAX_SECTIONS, sizeof *d->sections);
    if (d->nsections == OST_DOCTOR_MAX_SECTIONS) {
        ost_setupapi_section_free(d->sections[0]);
        memmove(d->sections, d->sections + 1, (d->nsections - 1) * sizeof *d->sections);
        d->nsections--;
        d->sections_dropped++;
    }
    d->sections[d->nsections++] = s;
    return true;
}

static ost_status parse(struct ost_doctor_report *r, const char *path, struct ost_error *err)
{
    struct ost_setupapi_log_info info;
    ost_status st = ost_setupapi_log_parse_file(path, keep_section, r, &info, err);
    if (st == OST_OK) {
        r->log_encoding = info.encoding;
        r->log_sections_total = info.sections;
    }
    return st;
}

ost_status ost_doctor_read_log(struct ost_image *img, struct ost_doctor_report *r, const char *host_file,
                               struct ost_error *err)
{
    if (host_file) {
        r->log_name = ost_xstrdup(host_file);
        return parse(r, host_file, err);
    }
    if (ost_target_stat(img->target, IMAGE_LOG) != 1) {
        r->log_problem = ost_xstrdup("the image has no " IMAGE_LOG " (Windows writes it from its first boot on)");
        return OST_OK;
    }
    struct ost_error e;
    char *local = NULL;
    /* streamed: a log of any size is read in bounded memory */
    ost_status st = ost_target_local_path(img->target, IMAGE_LOG, UINT64_MAX, &local, &e);
    if (st == OST_OK && (st = parse(r, local, &e)) != OST_OK)
        ost_error_rename(&e, local, IMAGE_LOG);
    free(local);
    if (st == OST_OK) {
        r->log_name = ost_xstrdup(IMAGE_LOG);
    } else {
        /* The image's own log is evidence, not the question: a damaged one
         * is reported, and the rest of the report still stands. */
        r->log_problem = ost_xstrdup(e.message);
        for (size_t i = 0; i < r->ndevices; i++)
            ost_doctor_free_sections(&r->devices[i]);
    }
    return OST_OK;
}

void ost_doctor_free_sections(struct ost_doctor_device *d)
{
    for (size_t i = 0; i < d->nsections; i++)
        ost_setupapi_section_free(d->sections[i]);
    free(d->sections);
    d->sections = NULL;
    d->nsections = d->sections_dropped = 0;
}

const struct ost_setupapi_section *ost_doctor_latest_section(const struct ost_doctor_device *d)
{
    return d->nsections ? d->sections[d->nsections - 1] : NULL;
}

bool ost_doctor_signature_failed(const struct ost_setupapi_section *s)
{
    for (size_t i = 0; s && i < s->nentries; i++)
        if (!strcmp(s->entries[i].tag, "sig") && s->entries[i].level != OST_SETUPAPI_INFO)
            return true;
    return false;
}

char *ost_doctor_section_summary(const struct ost_setupapi_section *s)
{
    struct ost_buf b = {0};
    ost_buf_addf(&b, "%s %s", s->start[0] ? s->start : "(no time)", ost_setupapi_outcome_name(s->outcome));
    if (s->has_status) {
        const char *name = ost_setupapi_status_name(s->status);
        ost_buf_addf(&b, " 0x%08x%s%s", s->status, name ? " " : "", name ? name : "");
    }
    if (s->has_driver && s->driver.published)
        ost_buf_addf(&b, ", driver %s", s->driver.published);
    else if (s->has_driver && s->driver.inf)
        ost_buf_addf(&b, ", driver %s", s->driver.inf);
    else if (s->no_driver_found)
        ost_buf_adds(&b, ", no compatible driver");
    if (s->errors || s->warnings)
        ost_buf_addf(&b, ", %zu error%s, %zu warning%s", s->errors, s->errors == 1 ? "" : "s", s->warnings,
                     s->warnings == 1 ? "" : "s");
    return ost_buf_steal(&b);
}
