/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "outcome.h"

const char *ost_outcome_name(ost_outcome o)
{
    switch (o) {
    case OST_OUTCOME_UNCHANGED: return "unchanged";
    case OST_OUTCOME_DRY_RUN: return "dry-run";
    case OST_OUTCOME_REFUSED: return "refused";
    case OST_OUTCOME_STAGED: return "staged";
    case OST_OUTCOME_ADDED: return "added";
    case OST_OUTCOME_SET: return "set";
    case OST_OUTCOME_NOT_FOUND: return "not-found";
    case OST_OUTCOME_NO_DRIVER_KEY: return "no-driver-key";
    }
    return "unknown";
}
