/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * verdict.h — what the first boot of Windows 7 will do with a package, per
 * architecture: install it silently and load its driver, ask the user
 * first (which an unattended first boot cannot answer), or install it and
 * refuse to load its driver (Device Manager's Code 52). The module owns the
 * policy below and nothing else: callers establish the facts (the
 * catalog check, the image's certificate stores, the BCD) and it decides,
 * naming the one thing to change.
 *
 * The policy, for a package whose catalog covers its files:
 *   x64 loads a kernel driver only with a signature Windows trusts for
 *     kernel mode; a test signature counts when the BCD loader has
 *     testsigning on and the signer is in ROOT. Installing is silent when
 *     the signer is also in TrustedPublisher. A boot-start driver needs its
 *     signature embedded in the .sys: the loader reads no catalog then.
 *   x86 loads any driver; installing is silent only when the signature is
 *     valid and its signer trusted in ROOT and TrustedPublisher.
 * (Microsoft: "Kernel-Mode Code Signing Requirements",
 * https://learn.microsoft.com/en-us/windows-hardware/drivers/install/kernel-mode-code-signing-requirements--windows-vista-and-later-;
 * "The TESTSIGNING Boot Configuration Option",
 * https://learn.microsoft.com/en-us/windows-hardware/drivers/install/the-testsigning-boot-configuration-option;
 * "Trusted Publishers Certificate Store",
 * https://learn.microsoft.com/en-us/windows-hardware/drivers/install/trusted-publishers-certificate-store.)
 */
#ifndef OST_VERDICT_H
#define OST_VERDICT_H

#include <stdbool.h>

#include "arch.h"

/* The package's signature as the catalog check found it. */
typedef enum {
    OST_SIG_NONE,      /* no catalog, or a catalog with no signer */
    OST_SIG_BROKEN,    /* a catalog that does not cover the files, or a signature that does not verify */
    OST_SIG_UNTRUSTED, /* verifies, but its signer chains to nothing trusted */
    OST_SIG_TRUSTED,   /* verifies and chains to a trusted certificate */
} ost_sig_state;

/* "none", "broken", "untrusted", "trusted" */
const char *ost_sig_state_name(ost_sig_state s);

/* What is known of a setting the caller could not always read. */
typedef enum { OST_UNKNOWN = -1, OST_NO = 0, OST_YES = 1 } ost_tristate;

struct ost_verdict_input {
    ost_arch arch;
    ost_sig_state signature;
    const char *signature_detail; /* why BROKEN or UNTRUSTED, for the message; may be NULL */
    /* Where the signer is trusted in the image's machine stores. */
    bool signer_in_root, signer_in_trusted_publisher;
    /* The chain ends at a Microsoft root (WHQL, or a cross-signed release
     * signature): x64 loads it without testsigning. */
    bool microsoft_root;
    ost_tristate testsigning; /* from the BCD given or the image's BCD-Template */
    const char *testsigning_source; /* which of them, for the message; may be NULL */
    const char *testsigning_caveat; /* what a verdict resting on testsigning must also say; may be NULL */
    bool boot_critical;       /* StartType 0: loaded by winload */
    bool driver_embedded_signature; /* every .sys of a boot-critical package carries one */
};

typedef enum {
    OST_VERDICT_LOADS,   /* will install and load */
    OST_VERDICT_PROMPT,  /* needs a user prompt */
    OST_VERDICT_DEPENDS, /* will load only if a setting offstage could not read is right */
    OST_VERDICT_NO_LOAD, /* will install, will not load (Code 52) */
} ost_verdict_kind;

struct ost_verdict {
    ost_verdict_kind kind;
    char *summary; /* "will install, will not load (Code 52): ..." */
    char *fix;     /* the one thing to change; NULL for OST_VERDICT_LOADS */
};

void ost_verdict_decide(const struct ost_verdict_input *in, struct ost_verdict *out);
void ost_verdict_free(struct ost_verdict *v);
/* A verdict decided on a copy in the scratch folder dir names its files
 * where the image holds them (folder, an image path such as
 * Windows\offstage\drivers\<folder>): the copy is gone when it is read. */
void ost_verdict_name_files(struct ost_verdict *v, const char *dir, const char *folder);
/* "loads", "prompt", "depends", "no-load" */
const char *ost_verdict_kind_name(ost_verdict_kind k);

#endif
