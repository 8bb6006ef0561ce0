/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "arch.h"

#include "util.h"

static const struct {
    ost_arch arch;
    const char *name;
    const char *inf;
    uint16_t machine;
} arches[] = {
    {OST_ARCH_X86, "x86", "x86", 0x014c},
    {OST_ARCH_AMD64, "amd64", "amd64", 0x8664},
    {OST_ARCH_IA64, "ia64", "ia64", 0x0200},
    {OST_ARCH_ARM, "arm", "arm", 0x01c4},
    {OST_ARCH_ARM64, "arm64", "arm64", 0xaa64},
};

#define N_ARCHES (sizeof arches / sizeof arches[0])

const char *ost_arch_name(ost_arch arch)
{
    for (unsigned i = 0; i < N_ARCHES; i++)
        if (arches[i].arch == arch)
            return arches[i].name;
    return "unknown";
}

ost_arch ost_arch_parse(const char *name)
{
    static const struct {
        const char *alias;
        ost_arch arch;
    } aliases[] = {
        {"x86", OST_ARCH_X86},     {"i386", OST_ARCH_X86},     {"i686", OST_ARCH_X86},
        {"win32", OST_ARCH_X86},   {"amd64", OST_ARCH_AMD64},  {"x64", OST_ARCH_AMD64},
        {"x86_64", OST_ARCH_AMD64}, {"x86-64", OST_ARCH_AMD64}, {"ia64", OST_ARCH_IA64},
        {"arm", OST_ARCH_ARM},     {"arm64", OST_ARCH_ARM64},  {"aarch64", OST_ARCH_ARM64},
    };
    for (unsigned i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (ost_streq_ci(name, aliases[i].alias))
            return aliases[i].arch;
    return OST_ARCH_UNKNOWN;
}

const char *ost_arch_inf_suffix(ost_arch arch)
{
    for (unsigned i = 0; i < N_ARCHES; i++)
        if (arches[i].arch == arch)
            return arches[i].inf;
    return "";
}

ost_arch ost_arch_from_inf_suffix(const char *s)
{
    for (unsigned i = 0; i < N_ARCHES; i++)
        if (ost_streq_ci(s, arches[i].inf))
            return arches[i].arch;
    return OST_ARCH_UNKNOWN;
}

uint16_t ost_arch_pe_machine(ost_arch arch)
{
    for (unsigned i = 0; i < N_ARCHES; i++)
        if (arches[i].arch == arch)
            return arches[i].machine;
    return 0;
}

ost_arch ost_arch_from_pe_machine(uint16_t machine)
{
    for (unsigned i = 0; i < N_ARCHES; i++)
        if (arches[i].machine == machine)
            return arches[i].arch;
    return OST_ARCH_UNKNOWN;
}
