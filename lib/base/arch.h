/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * arch.h — processor architectures and the names each Windows component
 * uses for them: INF decorations (NTamd64), SourceDisksFiles suffixes
 * (.amd64), PE machine numbers (0x8664) and our own CLI names (amd64).
 */
#ifndef OST_ARCH_H
#define OST_ARCH_H

#include <stdbool.h>
#include <stdint.h>

typedef enum ost_arch {
    OST_ARCH_UNKNOWN = 0,
    OST_ARCH_X86,
    OST_ARCH_AMD64,
    OST_ARCH_IA64,
    OST_ARCH_ARM,
    OST_ARCH_ARM64,
} ost_arch;

#define OST_ARCH_COUNT 6

/* "x86", "amd64", ... ("unknown" for OST_ARCH_UNKNOWN). */
const char *ost_arch_name(ost_arch arch);
/* Accepts our names and common synonyms: x86, i386, amd64, x64, x86_64, ... */
ost_arch ost_arch_parse(const char *name);
/* Suffix after "NT" in INF decorations: "x86", "amd64", "ia64", "arm", "arm64". */
const char *ost_arch_inf_suffix(ost_arch arch);
/* Parses an INF decoration architecture ("x86", "AMD64"), case-insensitive. */
ost_arch ost_arch_from_inf_suffix(const char *s);
/* IMAGE_FILE_MACHINE_* value and back. */
uint16_t ost_arch_pe_machine(ost_arch arch);
ost_arch ost_arch_from_pe_machine(uint16_t machine);

#endif
