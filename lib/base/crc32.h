/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * crc32.h — the two 32-bit CRCs disk formats use, both reflected, with
 * initial value and final XOR 0xFFFFFFFF: IEEE 802.3 (polynomial
 * 0xEDB88320), which the UEFI Specification 2.10 section 5.3.2 requires
 * for the GPT header and entry array, and Castagnoli's CRC-32C
 * (polynomial 0x82F63B78), which [MS-VHDX] section 2.2.2 requires for a
 * VHDX header, region table and log entry.
 */
#ifndef OST_CRC32_H
#define OST_CRC32_H

#ifndef OST_BUILDING_LIBRARY
#error "crc32.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stddef.h>
#include <stdint.h>

uint32_t ost_crc32_ieee(const uint8_t *p, size_t n);
uint32_t ost_crc32c(const uint8_t *p, size_t n);

#endif
