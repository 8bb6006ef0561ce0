/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * match.h — will a driver package bind a device, and if not, why not.
 *
 * Matching follows Windows' device installer (Vista and later, "How Windows
 * Ranks Drivers"): every model line of the models sections that apply to the
 * architecture is compared with the device's hardware and compatible IDs,
 * case-insensitively, and each match gets a rank 0xSSGGTHHH:
 *   SS  signature score: 0x00 signed and trusted, 0x80 unsigned with an .NT
 *       install section (DRIVER_UNTRUSTED_RANK), 0xC0 unsigned otherwise;
 *   GG  feature score: the DDInstall section's FeatureScore, default 0xFF;
 *   THHH identifier score: 0x0000+i device hardware ID i = INF hardware ID,
 *       0x1000+i device hardware ID i = INF compatible ID, 0x2000+j device
 *       compatible ID j = INF hardware ID, 0x3000+j+0x100*k device compatible
 *       ID j = INF compatible ID k.
 * The lowest rank wins; equal ranks go to the newer DriverVer.
 *
 * When a package does not match, the nearest misses say why in plain
 * words: the models section does not apply to the architecture, the device
 * is the transitional (or modern) virtio ID, the revision or the subsystem
 * differs, or only the vendor is the same.
 *
 * Misses are ordered by how a user fixes them, nearest first: an ID that
 * matches in a models section for another architecture (stage the other
 * build), then the revision, then the subsystem (a device setting or a
 * one-line INF change), then virtio transitional vs modern (another
 * package or another device mode), then another device of the vendor (no
 * package for it at all). `match` and `doctor` both print them in this
 * order, and doctor's headline is the first.
 */
#ifndef OST_MATCH_H
#define OST_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "hwid.h"
#include "infmodel.h"

enum ost_match_kind {
    OST_MATCH_HW_HW = 0,         /* device hardware ID = INF hardware ID */
    OST_MATCH_HW_COMPAT = 1,     /* device hardware ID = INF compatible ID */
    OST_MATCH_COMPAT_HW = 2,     /* device compatible ID = INF hardware ID */
    OST_MATCH_COMPAT_COMPAT = 3, /* device compatible ID = INF compatible ID */
};

struct ost_match_input {
    const struct ost_driver_model *model;
    bool trusted_signature; /* signed by a publisher the image trusts */
};

struct ost_match {
    const struct ost_driver_model *model;
    const struct ost_device *device;  /* the model line and its DDInstall */
    enum ost_match_kind kind;
    size_t device_id_index;           /* position in the device's list */
    const char *device_id;
    size_t inf_id_index;              /* 0 = hardware ID, k = compatible ID k-1 */
    const char *inf_id;
    uint8_t signature_score, feature_score;
    uint32_t rank;
    bool best;
};

enum ost_miss_reason {
    OST_MISS_ARCHITECTURE = 0, /* an ID matches, but not in a models section for this arch */
    OST_MISS_TRANSITIONAL,     /* virtio transitional vs modern ID of the same device type */
    OST_MISS_REVISION,
    OST_MISS_SUBSYSTEM,
    OST_MISS_DEVICE,           /* same vendor, other device */
};

struct ost_near_miss {
    const struct ost_driver_model *model;
    const struct ost_model_line *line;
    enum ost_miss_reason reason;
    const char *inf_id;
    char *explanation;
};

struct ost_match_result {
    struct ost_match *matches;   /* best first */
    size_t nmatches;
    struct ost_near_miss *misses; /* one per package that did not match, nearest first */
    size_t nmisses;
};

void ost_match_device(const struct ost_device_ids *device, const struct ost_match_input *inputs, size_t ninputs,
                      ost_arch arch, struct ost_match_result *out);
void ost_match_result_free(struct ost_match_result *r);

const char *ost_match_kind_name(enum ost_match_kind k);
const char *ost_miss_reason_name(enum ost_miss_reason r);
/* The order above: negative when a is the nearer miss, 0 when they are as
 * near as each other. */
int ost_near_miss_compare(const struct ost_near_miss *a, const struct ost_near_miss *b);

#endif
